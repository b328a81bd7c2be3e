"""An RFC 3161 time-stamping authority on this machine, for tests.

It holds its own root CA and a time-stamping certificate issued by it (ECDSA P-256), answers time-stamp queries
over HTTP, and can be told to misbehave once: refuse, garble its answer, tamper with its signature or stamp
another hash than the one asked for.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from asn1crypto import cms, core, tsp  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["POLICY", "LocalTSA", "certificate_authority"]

POLICY = "1.3.6.1.4.1.55555.1.1"
TSA_NAME = "IPBridge Test TSA"
_MAX_QUERY_BYTES = 65_536


class _TimeStampResp(core.Sequence):
    """RFC 3161 §2.4.2 with the token optional, so that a refusal can be written."""

    _fields = [  # noqa: RUF012 - the shape asn1crypto expects of a structure
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "IPBridge Tests"),
        ]
    )


def certificate_authority(
    common_name: str = "IPBridge Test Root CA",
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed root CA valid from yesterday for ten years."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(tz=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _timestamping_certificate(
    key: ec.EllipticCurvePrivateKey,
    *,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate,
) -> x509.Certificate:
    now = datetime.now(tz=UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(TSA_NAME))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


class LocalTSA:
    """A time-stamping authority on 127.0.0.1, serving while used as a context manager.

    Each ``*_next`` flag spoils the next answer only: ``reject_next`` refuses it, ``garbage_next`` answers bytes
    that are not DER, ``tamper_next`` flips a byte of the signature, ``wrong_imprint_next`` stamps the hash of
    other data, ``wrong_nonce_next`` answers another nonce and ``http_error_next`` answers HTTP 503.
    ``last_serial`` is the serial number of the latest token.
    """

    def __init__(self) -> None:
        ca_key, self.ca = certificate_authority()
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.certificate = _timestamping_certificate(self._key, issuer_key=ca_key, issuer=self.ca)
        self.ca_pem = _pem(self.ca)
        self.tsa_cert_pem = _pem(self.certificate)
        self._certificate_der = self.certificate.public_bytes(serialization.Encoding.DER)
        self._asn1_certificate = asn1_x509.Certificate.load(self._certificate_der)
        self.reject_next = False
        self.tamper_next = False
        self.garbage_next = False
        self.wrong_imprint_next = False
        self.wrong_nonce_next = False
        self.http_error_next = False
        self.queries: list[bytes] = []
        self.last_serial = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The time-stamping authority serves only inside its with block.")
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    def __enter__(self) -> LocalTSA:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                query = self.rfile.read(min(length, _MAX_QUERY_BYTES))
                if self.headers.get_content_type() != "application/timestamp-query":
                    self._send(415, "text/plain", b"expected application/timestamp-query")
                    return
                if tsa.take("http_error_next"):
                    self._send(503, "text/plain", b"unavailable for this test")
                    return
                self._send(200, "application/timestamp-reply", tsa.answer(query))

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def take(self, flag: str) -> bool:
        """Whether the flag is raised, lowering it: each spoils one answer."""
        with self._lock:
            raised: bool = getattr(self, flag)
            setattr(self, flag, False)
            return raised

    def answer(self, query: bytes) -> bytes:
        """The DER TimeStampResp to a DER TimeStampReq, spoiled as the flags say."""
        self.queries.append(query)
        if self.take("garbage_next"):
            return b"this is not DER at all"
        if self.take("reject_next"):
            return self._refusal("bad_request", "Stamping is switched off for this test.")
        try:
            request = tsp.TimeStampReq.load(query, strict=True)
            hashed = request["message_imprint"]["hashed_message"].native
            algorithm = request["message_imprint"]["hash_algorithm"]["algorithm"].native
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
        except (ValueError, TypeError, KeyError):
            return self._refusal("bad_data_format", "The query is not a TimeStampReq.")
        if self.take("wrong_nonce_next"):
            nonce = (nonce or 0) + 1
        if self.take("wrong_imprint_next"):
            algorithm, hashed = "sha256", hashlib.sha256(b"other data").digest()
        token = self._token(algorithm, hashed, nonce=nonce, cert_req=cert_req, tamper=self.take("tamper_next"))
        reply = _TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": {"content_type": "signed_data", "content": token}}
        )
        der: bytes = reply.dump()
        return der

    def _refusal(self, failure: str, text: str) -> bytes:
        reply = _TimeStampResp({"status": {"status": "rejection", "status_string": [text], "fail_info": {failure}}})
        der: bytes = reply.dump()
        return der

    def _token(self, algorithm: str, hashed: bytes, *, nonce: int | None, cert_req: bool, tamper: bool) -> Any:
        with self._lock:
            self.last_serial += 1
            serial = self.last_serial
        tst_fields: dict[str, Any] = {
            "version": "v1",
            "policy": POLICY,
            "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": hashed},
            "serial_number": serial,
            "gen_time": datetime.now(tz=UTC),
            "accuracy": {"seconds": 1},
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._asn1_certificate.subject),
        }
        if nonce is not None:
            tst_fields["nonce"] = nonce
        tst_info = tsp.TSTInfo(tst_fields).dump()
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(tst_info).digest()]},
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"cert_hash": hashlib.sha256(self._certificate_der).digest()}]}],
                },
            ]
        )
        signature = bytearray(self._key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256())))
        if tamper:
            signature[-1] ^= 0x01
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={
                        "issuer": self._asn1_certificate.issuer,
                        "serial_number": self._asn1_certificate.serial_number,
                    },
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attributes,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": bytes(signature),
            }
        )
        signed_data: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info)},
            "signer_infos": [signer],
        }
        if cert_req:
            signed_data["certificates"] = [cms.CertificateChoices(name="certificate", value=self._asn1_certificate)]
        return cms.SignedData(signed_data)
