"""Portable, signed credentials of right holders.

A credential is a JWS compact token signed with EdDSA over Ed25519. Anyone holding the issuer's published key
set (a JWKS document) can check it offline; the issuer's status URL, when the credential names one, says
whether it has since been revoked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import http.client
import json
import math
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALGORITHM",
    "REASONS",
    "TOKEN_TYPE",
    "KeyPair",
    "Verification",
    "b64url_decode",
    "json_object",
    "jwks",
    "jwks_load",
    "key_from_private",
    "key_generate",
    "published_key",
    "sign",
    "status_check",
    "verify",
    "verify_online",
]

TOKEN_TYPE = "ipbridge-credential+jwt"  # noqa: S105 - a media type, not a secret
ALGORITHM = "EdDSA"
REASONS = (
    "malformed",
    "wrong_type",
    "unknown_key",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "revoked",
    "unsupported_algorithm",
)

JWKS_PATH = "/.well-known/jwks.json"
# A key set or a status answer is a few hundred bytes; anything far larger is not one.
_MAX_RESPONSE_BYTES = 1_000_000
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_REQUIRED_CLAIMS = {"iat": int, "exp": int, "jti": str, "iss": str, "sub": str}


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519 signing key with its key id and the public half as a JWK, ready to publish."""

    kid: str
    private_key: bytes = field(repr=False)
    public_jwk: dict[str, str]


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a credential.

    ``reason`` is ``""`` when valid, otherwise one of ``REASONS``; ``detail`` is one sentence for people.
    ``claims`` is the payload, filled only when the signature checked out (so also when expired or revoked).
    ``kid`` is the key id named in the token's header, ``""`` when unreadable.
    """

    valid: bool
    reason: str
    detail: str
    claims: dict[str, Any]
    kid: str


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes | None:
    """Decode one base64url segment, or None unless it is its bytes' one canonical unpadded encoding.

    Being strict keeps tokens non-malleable: no two spellings of a token carry the same signed bytes.
    """
    if not _BASE64URL.fullmatch(segment) or len(segment) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64url_encode(data) == segment else None


def _thumbprint(x: str) -> str:
    """RFC 7638: SHA-256 over the required members of the JWK, in lexicographic order, without whitespace."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return _b64url_encode(hashlib.sha256(canonical.encode("ascii")).digest())


def key_from_private(private_key: bytes) -> KeyPair:
    """Rebuild the key id and public JWK of a raw 32-byte Ed25519 private key."""
    if len(private_key) != 32:
        raise ValueError(f"An Ed25519 private key is 32 bytes, not {len(private_key)}.")
    public = Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()
    x = _b64url_encode(public)
    kid = _thumbprint(x)
    return KeyPair(
        kid=kid,
        private_key=bytes(private_key),
        public_jwk={"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": ALGORITHM, "use": "sig"},
    )


def key_generate() -> KeyPair:
    """A new random Ed25519 signing key."""
    return key_from_private(Ed25519PrivateKey.generate().private_bytes_raw())


def jwks(public_jwks: Iterable[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """The JWKS document publishing these public keys; keep retired keys in it while their credentials live."""
    keys = [dict(jwk) for jwk in public_jwks]
    if any("d" in jwk for jwk in keys):
        raise ValueError("A published key set must not contain private key material ('d').")
    return {"keys": keys}


def sign(claims: Mapping[str, Any], *, key: KeyPair) -> str:
    """Sign the claims as a compact JWS with header ``{"alg": "EdDSA", "typ": TOKEN_TYPE, "kid": key.kid}``.

    The claims must hold integer ``iat`` and ``exp`` (seconds since the epoch, ``exp`` after ``iat``) and string
    ``jti``, ``iss`` and ``sub``.
    """
    for name, kind in _REQUIRED_CLAIMS.items():
        value = claims.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"A credential needs a claim {name!r} of type {kind.__name__}.")
    if claims["exp"] <= claims["iat"]:
        raise ValueError("A credential must expire after it is issued.")
    private = Ed25519PrivateKey.from_private_bytes(key.private_key)
    return jwt.encode(dict(claims), private, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE, "kid": key.kid})


def _refusal(reason: str, detail: str, *, kid: str = "", claims: dict[str, Any] | None = None) -> Verification:
    return Verification(valid=False, reason=reason, detail=detail, claims=claims or {}, kid=kid)


def json_object(data: bytes) -> dict[str, Any] | None:
    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(data.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _when(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return f"{timestamp:.0f} seconds after the epoch"


def _is_media_type(typ: object) -> bool:
    """RFC 7515 §4.1.9: media types compare case-insensitively and may omit the "application/" prefix."""
    if not isinstance(typ, str):
        return False
    typ = typ.lower()
    return typ.removeprefix("application/") == TOKEN_TYPE


def published_key(keys: Mapping[str, Any], kid: str) -> Ed25519PublicKey | None:
    """The Ed25519 signing key published under this kid, or None. Keys of other types are never candidates."""
    entries = keys.get("keys") if isinstance(keys, Mapping) else None
    for jwk in entries if isinstance(entries, list) else []:
        if not isinstance(jwk, Mapping) or jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or jwk.get("alg", ALGORITHM) != ALGORITHM:
            continue
        if jwk.get("use", "sig") != "sig" or not isinstance(jwk.get("x"), str):
            continue
        raw = b64url_decode(jwk["x"])
        if raw is not None and len(raw) == 32:
            return Ed25519PublicKey.from_public_bytes(raw)
    return None


def verify(
    token: str,
    *,
    keys: Mapping[str, Any],
    now: datetime | None = None,
    leeway_seconds: int = 60,
) -> Verification:
    """Check a credential offline against a JWKS document ``{"keys": [...]}``.

    The key is picked by the header's ``kid``; only EdDSA is accepted, whatever the header claims, so neither
    ``none`` nor an HMAC algorithm keyed with the public key can pass. Then the ``typ``, the signature, and
    ``exp``, ``nbf`` and ``iat`` (each with ``leeway_seconds`` of clock skew) are checked, in that order.
    Any input gives a ``Verification``; only a naive ``now`` or a negative leeway raise ``ValueError``.
    """
    if now is not None and now.utcoffset() is None:
        raise ValueError("now must be timezone-aware.")
    if leeway_seconds < 0:
        raise ValueError("leeway_seconds must not be negative.")
    malformed = "The credential is not a well-formed signed token."
    if not isinstance(token, str):
        return _refusal("malformed", malformed)
    token = token.strip()
    segments = token.split(".")
    if len(segments) != 3:
        return _refusal("malformed", malformed)
    raw_header, raw_payload, raw_signature = (b64url_decode(segment) for segment in segments)
    header = json_object(raw_header) if raw_header is not None else None
    if header is None:
        return _refusal("malformed", malformed)
    kid = header["kid"] if isinstance(header.get("kid"), str) else ""
    if "alg" not in header:
        return _refusal("malformed", malformed, kid=kid)
    alg = header["alg"]
    if alg != ALGORITHM:
        shown = repr(alg) if isinstance(alg, str) else "an unnamed algorithm"
        return _refusal("unsupported_algorithm", f"The credential uses {shown}; only EdDSA is accepted.", kid=kid)
    if "crit" in header:
        return _refusal("malformed", "The credential relies on header extensions this verifier does not know.", kid=kid)
    if not _is_media_type(header.get("typ")):
        return _refusal("wrong_type", "The token is not an IPBridge credential.", kid=kid)
    if not kid:
        return _refusal("unknown_key", "The credential does not name the key it was signed with.")
    public_key = published_key(keys, kid)
    if public_key is None:
        return _refusal("unknown_key", f"The credential was signed with key {kid}, which is not published.", kid=kid)
    if raw_payload is None or raw_signature is None:
        return _refusal("malformed", malformed, kid=kid)
    try:
        jwt.PyJWS().decode_complete(token, public_key, algorithms=[ALGORITHM])
    except jwt.InvalidSignatureError:
        return _refusal("bad_signature", "The credential's signature does not match its contents.", kid=kid)
    except jwt.PyJWTError:
        return _refusal("malformed", malformed, kid=kid)

    claims = json_object(raw_payload)
    if claims is None or not (_is_number(claims.get("exp")) and _is_number(claims.get("iat"))):
        return _refusal("malformed", "The credential lacks a readable issue or expiry time.", kid=kid)
    if "nbf" in claims and not _is_number(claims["nbf"]):
        return _refusal("malformed", "The credential's start time is unreadable.", kid=kid)
    moment = (now or datetime.now(tz=UTC)).timestamp()
    exp = claims["exp"]
    if moment > exp + leeway_seconds:
        return _refusal("expired", f"The credential expired on {_when(exp)}.", kid=kid, claims=claims)
    start = max(claims["iat"], claims.get("nbf", claims["iat"]))
    if start > moment + leeway_seconds:
        return _refusal("not_yet_valid", f"The credential is not valid before {_when(start)}.", kid=kid, claims=claims)
    detail = f"The credential is valid until {_when(exp)}."
    return Verification(valid=True, reason="", detail=detail, claims=claims, kid=kid)


def _is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _fetch(url: str, *, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - callers pass http(s) only
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - callers pass http(s) only
        data: bytes = response.read(_MAX_RESPONSE_BYTES + 1)
    if len(data) > _MAX_RESPONSE_BYTES:
        raise ValueError(f"The answer from {url} is larger than {_MAX_RESPONSE_BYTES} bytes.")
    return data


def jwks_load(source: str, *, timeout: float = 5.0) -> dict[str, Any]:
    """Read a JWKS document from a file path or an http(s) URL.

    Raises ``OSError`` when the file or the URL cannot be read, ``ValueError`` when what it holds is not a JWKS.
    """
    try:
        data = _fetch(source, timeout=timeout) if _is_web_url(source) else Path(source).read_bytes()
    except (OSError, http.client.HTTPException) as error:
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        raise OSError(f"The key set at {source} could not be read: {reason}") from error
    document = json_object(data)
    if document is None or not isinstance(document.get("keys"), list):
        raise ValueError(f"{source} does not hold a JWKS document (a JSON object with a list of keys).")
    if not all(isinstance(jwk, dict) for jwk in document["keys"]):
        raise ValueError(f"{source} holds a key set whose keys are not all JSON objects.")
    return document


def status_check(url: str, *, timeout: float = 5.0) -> bool | None:
    """Ask a credential's status URL whether it was revoked.

    True if revoked, False if not, None when the URL is not http(s), cannot be reached, answers with an error
    status, or answers anything but a JSON object with a boolean ``revoked``.
    """
    if not _is_web_url(url):
        return None
    try:
        answer = json_object(_fetch(url, timeout=timeout))
    except (OSError, ValueError, http.client.HTTPException):
        return None
    revoked = answer.get("revoked") if answer is not None else None
    return revoked if isinstance(revoked, bool) else None


def _unverified_issuer(token: str) -> str | None:
    """The ``iss`` of a token whose signature is not checked yet: used only to find the keys to check it with."""
    segments = token.strip().split(".") if isinstance(token, str) else []
    payload = b64url_decode(segments[1]) if len(segments) == 3 else None
    claims = json_object(payload) if payload is not None else None
    issuer = claims.get("iss") if claims is not None else None
    return issuer if isinstance(issuer, str) and _is_web_url(issuer) else None


def verify_online(
    token: str,
    *,
    jwks_source: str | None = None,
    timeout: float = 5.0,
    now: datetime | None = None,
) -> tuple[Verification, bool | None]:
    """Check a credential with the issuer's published keys, then ask its status URL whether it was revoked.

    The keys come from ``jwks_source`` (a file path or URL), or when it is None from the token's ``iss`` followed
    by ``/.well-known/jwks.json``. The unverified payload is read only to find that URL; the signature then
    decides. Because that URL comes from the token, a server verifying tokens from strangers should pass
    ``jwks_source`` for the issuers it trusts rather than fetch whatever a token names.

    Returns ``(verification, revocation_checked)``:

    - ``verification`` is the offline result, except that a credential its issuer reports revoked comes back
      with ``valid=False`` and reason ``"revoked"`` (its claims kept). When the keys cannot be fetched the
      reason is ``"unknown_key"`` and the detail says why.
    - ``revocation_checked`` is True when the status URL answered (revoked or not); False when no check was
      made because the credential failed offline or names no ``status`` URL; None when it names one but the
      instance could not be reached or gave no usable answer, so the credential may be revoked unbeknown.
    """
    # Without keys, every well-formed credential stops at "unknown_key"; anything else fails without fetching.
    offline = verify(token, keys={"keys": []}, now=now)
    if offline.reason != "unknown_key":
        return offline, False
    source = jwks_source
    if source is None:
        issuer = _unverified_issuer(token)
        if issuer is None:
            why = "The credential names no issuer URL to fetch keys from."
            return _refusal("unknown_key", why, kid=offline.kid), False
        source = issuer.rstrip("/") + JWKS_PATH
    try:
        keys = jwks_load(source, timeout=timeout)
    except (OSError, ValueError) as error:
        why = f"The issuer's keys could not be fetched: {str(error).rstrip('.')}."
        return _refusal("unknown_key", why, kid=offline.kid), False
    offline = verify(token, keys=keys, now=now)
    if not offline.valid or "status" not in offline.claims:
        return offline, False
    status = offline.claims["status"]
    revoked = status_check(status, timeout=timeout) if isinstance(status, str) else None
    if revoked is None:
        return offline, None
    if revoked:
        detail = "The credential was revoked by its issuer."
        return _refusal("revoked", detail, kid=offline.kid, claims=offline.claims), True
    return offline, True
