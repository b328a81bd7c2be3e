"""RFC 3161 time-stamps for the signed tree heads of the evidence log.

A tree head signed by IPBridge proves what the log held, but only IPBridge's own clock says when. A time-stamp
token from an independent time-stamping authority (TSA) is that authority's signed statement that a given hash
existed at a given time, so anyone holding the token and the authority's certificate can check the date of a tree
head without trusting IPBridge at all.

``timestamp_fetch`` asks a TSA over HTTP (RFC 3161 §3.4) and keeps the token; ``timestamp_verify`` checks a kept
token offline against the data it covers and, optionally, the certificates of the authorities one trusts.
"""

from __future__ import annotations

import hashlib
import http.client
import secrets
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, core, pem, tsp, x509  # type: ignore[import-untyped]
from cryptography import x509 as crypto_x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID

__all__ = [
    "CHECK_REASONS",
    "FETCH_REASONS",
    "TimestampCheck",
    "TimestampError",
    "timestamp_fetch",
    "timestamp_info",
    "timestamp_request",
    "timestamp_verify",
]

FETCH_REASONS = ("unreachable", "http_error", "rejected", "malformed", "wrong_imprint", "wrong_nonce")
CHECK_REASONS = ("malformed", "wrong_imprint", "bad_signature", "not_timestamping", "untrusted_signer")

_QUERY_TYPE = "application/timestamp-query"
_REPLY_TYPE = "application/timestamp-reply"
# A reply is a few kilobytes, its certificates included; anything far larger is not one.
_MAX_REPLY_BYTES = 1_000_000
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_GRANTED = {"granted", "granted_with_mods"}
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, crypto_x509.InvalidVersion)


class _TimeStampResp(core.Sequence):
    """RFC 3161 §2.4.2 with the token optional, as the RFC has it: a refusal carries none.

    asn1crypto's own ``tsp.TimeStampResp`` makes the token mandatory and so cannot read a refusal.
    """

    _fields = [  # noqa: RUF012 - the shape asn1crypto expects of a structure
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TimestampError(Exception):
    """A time-stamp could not be obtained; ``reason`` is one of ``FETCH_REASONS``, ``detail`` one sentence."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class TimestampCheck:
    """The outcome of checking a time-stamp token against the data it should cover.

    ``reason`` is ``""`` when valid, otherwise one of ``CHECK_REASONS``; ``detail`` is one sentence for people.
    ``gen_time`` (UTC), ``serial`` and ``tsa`` (the signer's subject) are filled once the signature checked out.
    ``trusted`` is True only when the signer is, or was issued by, one of the trusted certificates: a token can
    be valid on its own terms without it when no trusted certificates were given.
    """

    valid: bool
    reason: str
    detail: str
    gen_time: datetime | None = None
    serial: int | None = None
    tsa: str = ""
    trusted: bool = False


@dataclass(frozen=True)
class _Token:
    """What a time-stamp token says and what its signature covers, read but not yet checked."""

    tst_info: bytes
    imprint_algorithm: str
    imprint: bytes
    serial: int
    gen_time: datetime
    nonce: int | None
    signed_attributes: bytes
    content_type: str | None
    message_digest: bytes | None
    certificate_hash: tuple[str, bytes] | None
    digest_algorithm: str
    signature_algorithm: str
    signature_hash: str | None
    signature: bytes
    signer_id: Any
    certificates: tuple[Any, ...]


def _digest(algorithm: str, data: bytes) -> bytes:
    return hashlib.new(algorithm, data).digest()


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _nonce() -> int:
    return secrets.randbits(64)


def timestamp_request(data: bytes, *, nonce: int | None = None) -> bytes:
    """A DER TimeStampReq for ``data``: version 1, its SHA-256 imprint, asking for the TSA's certificate.

    ``nonce`` ties the reply to this request; a random 64-bit one is drawn when it is None.
    """
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": _digest("sha256", data)},
            "nonce": _nonce() if nonce is None else nonce,
            "cert_req": True,
        }
    )
    der: bytes = request.dump()
    return der


def _attribute_values(signed_attrs: Any) -> dict[str, Any]:
    """The single value of each signed attribute by type; CMS forbids an attribute type to appear twice."""
    values: dict[str, Any] = {}
    for attribute in signed_attrs:
        name = attribute["type"].native
        if name in values or len(attribute["values"]) != 1:
            raise ValueError(f"The signed attribute {name} must appear once with one value.")
        values[name] = attribute["values"][0]
    return values


def _certificate_hash(attributes: dict[str, Any]) -> tuple[str, bytes] | None:
    """The hash of the signer's certificate named by signing-certificate-v2 (RFC 5816) or its SHA-1 forerunner."""
    if "signing_certificate_v2" in attributes:
        first = attributes["signing_certificate_v2"]["certs"][0]
        return first["hash_algorithm"]["algorithm"].native, first["cert_hash"].native
    if "signing_certificate" in attributes:
        return "sha1", attributes["signing_certificate"]["certs"][0]["cert_hash"].native
    return None


def _parse_token(token: bytes) -> _Token:
    """Read a DER TimeStampToken; raise ``ValueError`` unless it is a CMS SignedData over a TSTInfo."""
    try:
        info = cms.ContentInfo.load(token, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("A time-stamp token is a CMS SignedData.")
        signed = info["content"]
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info" or isinstance(encapsulated["content"], core.Void):
            raise ValueError("A time-stamp token encapsulates a TSTInfo.")
        tst_der = bytes(encapsulated["content"])
        tst = tsp.TSTInfo.load(tst_der, strict=True)
        gen_time = tst["gen_time"].native
        if not isinstance(gen_time, datetime):
            raise ValueError("The time-stamp's time is out of range.")
        if len(signed["signer_infos"]) != 1:
            raise ValueError("A time-stamp token has exactly one signer.")
        signer = signed["signer_infos"][0]
        signed_attrs = signer["signed_attrs"]
        raw_attrs = signed_attrs.dump()
        if isinstance(signed_attrs, core.Void) or raw_attrs[:1] != b"\xa0":
            raise ValueError("A time-stamp token signs attributes, not its content directly.")
        attributes = _attribute_values(signed_attrs)
        content_type = attributes.get("content_type")
        message_digest = attributes.get("message_digest")
        algorithm = signer["signature_algorithm"]
        try:
            signature_algorithm = algorithm.signature_algo
        except ValueError:
            signature_algorithm = algorithm["algorithm"].native
        try:
            signature_hash = algorithm.hash_algo
        except ValueError:
            # Plain rsaEncryption or ecdsa names no hash: the signer's digest algorithm is the one used.
            signature_hash = None
        signer_id = signer["sid"]
        signer_id.native  # noqa: B018 - reading it in full is what makes a broken one fail here
        certificates = signed["certificates"]
        parsed = _Token(
            tst_info=tst_der,
            imprint_algorithm=tst["message_imprint"]["hash_algorithm"]["algorithm"].native,
            imprint=tst["message_imprint"]["hashed_message"].native,
            serial=tst["serial_number"].native,
            gen_time=gen_time.astimezone(UTC),
            nonce=tst["nonce"].native,
            # The signature covers the attributes' DER as a SET OF, not under the [0] tag they travel with.
            signed_attributes=b"\x31" + raw_attrs[1:],
            content_type=None if content_type is None else content_type.native,
            message_digest=None if message_digest is None else message_digest.native,
            certificate_hash=_certificate_hash(attributes),
            digest_algorithm=signer["digest_algorithm"]["algorithm"].native,
            signature_algorithm=signature_algorithm,
            signature_hash=signature_hash,
            signature=signer["signature"].native,
            signer_id=signer_id,
            certificates=tuple(
                x509.Certificate.load(choice.chosen.dump(), strict=True)
                for choice in ([] if isinstance(certificates, core.Void) else certificates)
                if choice.name == "certificate"
            ),
        )
    except _PARSE_ERRORS as error:
        raise ValueError(f"Not an RFC 3161 time-stamp token: {error}") from error
    return parsed


def _not_a_reply() -> TimestampError:
    return TimestampError("malformed", "The time-stamping authority's answer is not an RFC 3161 reply.")


def timestamp_fetch(url: str, data: bytes, *, timeout: float = 10.0) -> bytes:
    """Ask the time-stamping authority at ``url`` (http or https) to stamp ``data``; return the DER token.

    The reply must grant the request, echo the request's nonce and imprint the SHA-256 of ``data``. Its signature
    is not checked here: ``timestamp_verify`` does that, with the certificates one trusts. Raises
    ``TimestampError`` with a reason from ``FETCH_REASONS`` otherwise; a URL that is not http(s) is
    ``unreachable``.
    """
    if not url.lower().startswith(("http://", "https://")):
        raise TimestampError("unreachable", "A time-stamping authority is asked over http or https only.")
    nonce = _nonce()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=timestamp_request(data, nonce=nonce),
        headers={"Content-Type": _QUERY_TYPE, "Accept": _REPLY_TYPE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the scheme is checked above
            reply: bytes = response.read(_MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise TimestampError("http_error", f"The time-stamping authority answered HTTP {error.code}.") from error
    except (OSError, ValueError, http.client.HTTPException) as error:
        why = error.reason if isinstance(error, urllib.error.URLError) else error
        raise TimestampError("unreachable", f"The time-stamping authority could not be reached: {why}.") from error
    if len(reply) > _MAX_REPLY_BYTES:
        raise TimestampError("malformed", f"The time-stamping authority answered more than {_MAX_REPLY_BYTES} bytes.")

    try:
        answer = _TimeStampResp.load(reply, strict=True)
        status = answer["status"]
        granted = status["status"].native
        if granted not in _GRANTED:
            said = status["status_string"].native or sorted(status["fail_info"].native or []) or [granted]
            why = "; ".join(str(line) for line in said).rstrip(".")
            raise TimestampError("rejected", f"The time-stamping authority refused to stamp: {why}.")
        token_info = answer["time_stamp_token"]
        if isinstance(token_info, core.Void):
            raise _not_a_reply()
        token: bytes = token_info.dump()
        parsed = _parse_token(token)
    except _PARSE_ERRORS as error:
        raise _not_a_reply() from error
    if parsed.nonce != nonce:
        raise TimestampError("wrong_nonce", "The time-stamp does not answer this request: its nonce differs.")
    if parsed.imprint_algorithm != "sha256" or parsed.imprint != _digest("sha256", data):
        raise TimestampError("wrong_imprint", "The time-stamping authority stamped other data than was sent.")
    return token


def _load_trusted(trusted: Sequence[bytes]) -> list[bytes]:
    """The DER of each trusted certificate; a PEM entry may hold several."""
    certificates: list[bytes] = []
    for entry in trusted:
        if pem.detect(entry):
            found = [der for kind, _, der in pem.unarmor(entry, multiple=True) if kind == "CERTIFICATE"]
            if not found:
                raise ValueError("A trusted PEM entry holds no certificate.")
            certificates.extend(found)
        else:
            certificates.append(bytes(entry))
    for der in certificates:
        try:
            crypto_x509.load_der_x509_certificate(der)
        except (ValueError, crypto_x509.InvalidVersion) as error:
            raise ValueError(f"A trusted certificate could not be read: {error}") from error
    return certificates


def _is_signer(certificate: Any, signer_id: Any) -> bool:
    if signer_id.name == "issuer_and_serial_number":
        named = signer_id.chosen
        return bool(
            certificate.issuer == named["issuer"] and certificate.serial_number == named["serial_number"].native
        )
    return bool(certificate.key_identifier == signer_id.chosen.native)


def _signature_holds(token: _Token, certificate: crypto_x509.Certificate) -> bool | None:
    """Whether the signature over the signed attributes checks with the certificate's key; None if unsupported."""
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None
    kind = token.signature_algorithm
    hash_class = _HASHES.get(token.signature_hash or token.digest_algorithm)
    try:
        if kind == "ed25519" and isinstance(key, Ed25519PublicKey):
            key.verify(token.signature, token.signed_attributes)
        elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey) and hash_class is not None:
            key.verify(token.signature, token.signed_attributes, ec.ECDSA(hash_class()))
        elif kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey) and hash_class is not None:
            key.verify(token.signature, token.signed_attributes, padding.PKCS1v15(), hash_class())
        else:
            return None
    except InvalidSignature:
        return False
    return True


def _is_timestamping(certificate: crypto_x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(crypto_x509.ExtendedKeyUsage).value
    except (crypto_x509.ExtensionNotFound, ValueError):
        return False
    return ExtendedKeyUsageOID.TIME_STAMPING in usage


def _valid_at(certificate: crypto_x509.Certificate, moment: datetime) -> bool:
    return certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc


def _may_issue(certificate: crypto_x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(crypto_x509.BasicConstraints).value
    except (crypto_x509.ExtensionNotFound, ValueError):
        return False
    try:
        usage = certificate.extensions.get_extension_for_class(crypto_x509.KeyUsage).value
    except crypto_x509.ExtensionNotFound:
        return constraints.ca
    except ValueError:
        return False
    return constraints.ca and usage.key_cert_sign


def _issued_by(certificate: crypto_x509.Certificate, issuer: crypto_x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _subject(certificate: crypto_x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def _refusal(reason: str, detail: str, **known: Any) -> TimestampCheck:
    return TimestampCheck(valid=False, reason=reason, detail=detail, **known)


def timestamp_verify(token: bytes, data: bytes, *, trusted: Sequence[bytes] = ()) -> TimestampCheck:
    """Check a DER time-stamp token offline against ``data`` and, when given, the ``trusted`` certificates.

    In order: the token's structure; the hash of its TSTInfo against the signed attributes' message digest; the
    signer's certificate (from the token, or among ``trusted`` when the token carries none) and its binding in
    the signing-certificate attribute; the signature (RSA PKCS#1 v1.5, ECDSA or Ed25519); the message imprint
    against ``data`` (SHA-256, SHA-384 or SHA-512); the time-stamping extended key usage; the certificate's
    validity at the stamped time; and, when ``trusted`` (PEM or DER certificates) is given, that the signer is
    one of them or directly issued by one of them that may issue certificates. Without ``trusted`` a token that
    passes the rest is valid with ``trusted=False``. Any token gives a ``TimestampCheck``; only an unreadable
    trusted certificate raises ``ValueError``.
    """
    authorities = _load_trusted(trusted)
    try:
        parsed = _parse_token(token)
    except ValueError:
        return _refusal("malformed", "The time-stamp token is not a well-formed RFC 3161 token.")
    if parsed.content_type != "tst_info" or parsed.message_digest is None:
        return _refusal("malformed", "The time-stamp token lacks the signed attributes RFC 3161 requires.")
    if parsed.digest_algorithm not in _HASHES:
        algorithm = parsed.digest_algorithm
        return _refusal("bad_signature", f"The time-stamp token is signed over a {algorithm} digest, not accepted.")
    if _digest(parsed.digest_algorithm, parsed.tst_info) != parsed.message_digest:
        return _refusal("bad_signature", "The time-stamp token's contents differ from what its signer signed.")

    try:
        candidates = [*parsed.certificates, *(x509.Certificate.load(der) for der in authorities)]
        signer_der = next((c.dump() for c in candidates if _is_signer(c, parsed.signer_id)), None)
        signer = None if signer_der is None else crypto_x509.load_der_x509_certificate(signer_der)
    except _PARSE_ERRORS:
        return _refusal("malformed", "The time-stamp token's certificates cannot be read.")
    if signer_der is None or signer is None:
        why = "The time-stamp token does not include its signer's certificate, nor is it among the trusted ones."
        return _refusal("untrusted_signer", why)
    if parsed.certificate_hash is None:
        return _refusal("malformed", "The time-stamp token does not name its signer's certificate in what it signs.")
    hash_name, certificate_hash = parsed.certificate_hash
    if hash_name not in {"sha1", *_HASHES}:
        return _refusal("bad_signature", f"The time-stamp token names its signer by a {hash_name} hash, not accepted.")
    if hashlib.new(hash_name, signer_der).digest() != certificate_hash:
        return _refusal("bad_signature", "The time-stamp token was signed by another certificate than the one named.")
    holds = _signature_holds(parsed, signer)
    if holds is None:
        shown = parsed.signature_algorithm or "an unknown algorithm"
        return _refusal("bad_signature", f"The time-stamp token is signed with {shown}, which cannot be checked here.")
    if not holds:
        return _refusal("bad_signature", "The time-stamp token's signature does not match its contents.")

    tsa = _subject(signer) or "an unnamed time-stamping authority"
    known: dict[str, Any] = {"gen_time": parsed.gen_time, "serial": parsed.serial, "tsa": _subject(signer)}
    if parsed.imprint_algorithm not in _HASHES:
        why = f"The time-stamp imprints a {parsed.imprint_algorithm} hash, which is not accepted."
        return _refusal("wrong_imprint", why, **known)
    if _digest(parsed.imprint_algorithm, data) != parsed.imprint:
        return _refusal("wrong_imprint", "The time-stamp token covers other data than this.", **known)
    if not _is_timestamping(signer):
        return _refusal("not_timestamping", f"The certificate of {tsa} is not one for time-stamping.", **known)
    when = _when(parsed.gen_time)
    if not _valid_at(signer, parsed.gen_time):
        why = f"The certificate of {tsa} was not valid at {when}, when the token claims to be made."
        return _refusal("untrusted_signer", why, **known)
    if not authorities:
        detail = (
            f"The data existed at {when} according to {tsa}, whose signature holds, "
            "but no trusted certificates were given to vouch for it."
        )
        return TimestampCheck(valid=True, reason="", detail=detail, **known)
    trusted_certificates = [crypto_x509.load_der_x509_certificate(der) for der in authorities]
    vouched = signer_der in authorities or any(
        _may_issue(authority) and _valid_at(authority, parsed.gen_time) and _issued_by(signer, authority)
        for authority in trusted_certificates
    )
    if not vouched:
        why = f"The signer {tsa} is neither a trusted time-stamping authority nor issued by one."
        return _refusal("untrusted_signer", why, **known)
    detail = f"The data existed at {when} according to {tsa}, a trusted time-stamping authority."
    return TimestampCheck(valid=True, reason="", detail=detail, trusted=True, **known)


def timestamp_info(token: bytes) -> dict[str, str | int]:
    """What a token says, for display, without checking it: ``timestamp_verify`` says whether to believe it.

    The keys are ``gen_time`` (ISO 8601, UTC), ``serial``, ``tsa`` (the subject of the signer's certificate when
    the token includes it, else ``""``) and ``hash_algorithm`` (of the imprint). Raises ``ValueError`` when the
    token is not a well-formed RFC 3161 token.
    """
    parsed = _parse_token(token)
    tsa = ""
    try:
        for certificate in parsed.certificates:
            if _is_signer(certificate, parsed.signer_id):
                tsa = _subject(crypto_x509.load_der_x509_certificate(certificate.dump()))
                break
    except _PARSE_ERRORS as error:
        raise ValueError(f"Not an RFC 3161 time-stamp token: {error}") from error
    return {
        "gen_time": parsed.gen_time.isoformat(),
        "serial": parsed.serial,
        "tsa": tsa,
        "hash_algorithm": parsed.imprint_algorithm,
    }
