"""Signed tree heads: the log's size and root at a moment, signed by the instance as a compact JWS.

The token is signed like a credential (EdDSA over Ed25519, the same keys and JWKS), but carries its own
``typ`` so that neither kind of token can pass for the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ipbridge.engine.credentials import ALGORITHM, KeyPair, b64url_decode, json_object, published_key
from ipbridge.engine.translog._hashing import HASH_SIZE

TREE_HEAD_TYPE = "ipbridge-tree-head+jwt"
TREE_HEAD_REASONS = ("malformed", "wrong_type", "unknown_key", "bad_signature", "unsupported_algorithm")

_ROOT_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class TreeHead:
    """What a tree head's issuer signed: the log had ``size`` leaves with root ``root`` at ``issued_at``."""

    size: int
    root: bytes
    issuer: str
    issued_at: datetime
    kid: str


@dataclass(frozen=True)
class TreeHeadCheck:
    """The outcome of checking a tree head token.

    ``reason`` is ``""`` when valid, otherwise one of ``TREE_HEAD_REASONS``; ``detail`` is one sentence for
    people; ``head`` is filled only when the signature checks out and the contents are well formed.
    """

    valid: bool
    reason: str
    detail: str
    head: TreeHead | None


def tree_head_sign(*, size: int, root: bytes, issuer: str, issued_at: datetime, key: KeyPair) -> str:
    """Sign a tree head as a compact JWS with header ``{"alg": "EdDSA", "typ": TREE_HEAD_TYPE, "kid": key.kid}``."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"A tree size is a non-negative integer, not {size!r}.")
    if not isinstance(root, bytes) or len(root) != HASH_SIZE:
        raise ValueError("A tree head's root is a 32-byte SHA-256 hash.")
    if not isinstance(issuer, str) or not issuer:
        raise ValueError("A tree head needs its issuer's URL.")
    if issued_at.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware.")
    payload = {"iss": issuer, "tree_size": size, "root_hash": root.hex(), "iat": int(issued_at.timestamp())}
    private = Ed25519PrivateKey.from_private_bytes(key.private_key)
    return jwt.encode(payload, private, algorithm=ALGORITHM, headers={"typ": TREE_HEAD_TYPE, "kid": key.kid})


def _refusal(reason: str, detail: str) -> TreeHeadCheck:
    return TreeHeadCheck(valid=False, reason=reason, detail=detail, head=None)


def _is_tree_head_type(typ: object) -> bool:
    """RFC 7515 §4.1.9: media types compare case-insensitively and may omit the "application/" prefix."""
    return isinstance(typ, str) and typ.lower().removeprefix("application/") == TREE_HEAD_TYPE


def _head(claims: Mapping[str, Any], kid: str) -> TreeHead | None:
    issuer, size, root, iat = (claims.get(name) for name in ("iss", "tree_size", "root_hash", "iat"))
    if not isinstance(issuer, str) or not issuer:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    if not isinstance(root, str) or not _ROOT_HEX.fullmatch(root):
        return None
    if not isinstance(iat, int) or isinstance(iat, bool):
        return None
    try:
        issued_at = datetime.fromtimestamp(iat, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return TreeHead(size=size, root=bytes.fromhex(root), issuer=issuer, issued_at=issued_at, kid=kid)


def tree_head_verify(token: str, *, keys: Mapping[str, Any]) -> TreeHeadCheck:
    """Check a tree head token against a JWKS document ``{"keys": [...]}``.

    Only EdDSA is accepted whatever the header claims; then the ``typ``, the key, the signature and the
    contents are checked, in that order. Any input gives a ``TreeHeadCheck``.
    """
    malformed = "The tree head is not a well-formed signed token."
    segments = token.strip().split(".") if isinstance(token, str) else []
    if len(segments) != 3:
        return _refusal("malformed", malformed)
    raw_header, raw_payload, raw_signature = (b64url_decode(segment) for segment in segments)
    header = json_object(raw_header) if raw_header is not None else None
    if header is None or "alg" not in header:
        return _refusal("malformed", malformed)
    alg = header["alg"]
    if alg != ALGORITHM:
        shown = repr(alg) if isinstance(alg, str) else "an unnamed algorithm"
        return _refusal("unsupported_algorithm", f"The tree head uses {shown}; only EdDSA is accepted.")
    if "crit" in header:
        return _refusal("malformed", "The tree head relies on header extensions this verifier does not know.")
    if not _is_tree_head_type(header.get("typ")):
        return _refusal("wrong_type", "The token is not an IPBridge tree head.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return _refusal("unknown_key", "The tree head does not name the key it was signed with.")
    public_key = published_key(keys, kid)
    if public_key is None:
        return _refusal("unknown_key", f"The tree head was signed with key {kid}, which is not among the keys given.")
    if raw_payload is None or raw_signature is None:
        return _refusal("malformed", malformed)
    try:
        jwt.PyJWS().decode_complete(token.strip(), public_key, algorithms=[ALGORITHM])
    except jwt.InvalidSignatureError:
        return _refusal("bad_signature", "The tree head's signature does not match its contents.")
    except jwt.PyJWTError:
        return _refusal("malformed", malformed)
    claims = json_object(raw_payload)
    head = _head(claims, kid) if claims is not None else None
    if head is None:
        return _refusal("malformed", "The tree head lacks a readable issuer, size, root hash or issue time.")
    detail = f"The log of {head.issuer} had {head.size} leaves on {head.issued_at:%Y-%m-%d %H:%M} UTC."
    return TreeHeadCheck(valid=True, reason="", detail=detail, head=head)
