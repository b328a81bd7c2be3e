"""Signed credentials of right holders: signing, offline verification, key sets and revocation status."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ipbridge.engine.credentials import (
    ALGORITHM,
    REASONS,
    TOKEN_TYPE,
    KeyPair,
    Verification,
    jwks,
    jwks_load,
    key_from_private,
    key_generate,
    sign,
    status_check,
    verify,
    verify_online,
)

# The Ed25519 key of RFC 8037, appendix A.1.
RFC_8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"  # RFC 8037, appendix A.3

ISSUED = 1_800_000_000  # 2027-01-15 08:00 UTC
EXPIRES = ISSUED + 30 * 86_400  # 2027-02-14 08:00 UTC
DURING = datetime(2027, 1, 20, tzinfo=UTC)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: object) -> str:
    return b64url(json.dumps(value).encode())


def rfc_8037_key() -> KeyPair:
    return key_from_private(base64.urlsafe_b64decode(RFC_8037_D + "="))


def claims(**overrides: Any) -> dict[str, Any]:
    return {
        "iss": "https://ipbridge.example",
        "sub": "holder:42",
        "jti": "cred-1",
        "iat": ISSUED,
        "exp": EXPIRES,
        "name": "Acme Ltd",
        **overrides,
    }


def segments(token: str) -> list[str]:
    return token.split(".")


@dataclass
class Site:
    """A web server on this machine answering fixed routes, recording the paths asked for."""

    url: str
    routes: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def answer(self, path: str, body: object, *, status: int = 200) -> str:
        self.routes[path] = (status, body if isinstance(body, bytes) else json.dumps(body).encode())
        return self.url + path


@pytest.fixture
def site() -> Iterator[Site]:
    routes: dict[str, tuple[int, bytes]] = {}
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            status, body = routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(url=f"http://127.0.0.1:{server.server_address[1]}", routes=routes, asked=asked)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def closed_port() -> int:
    """A port on this machine on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_signed_credential_verifies_with_its_claims() -> None:
    # given
    key = key_generate()
    token = sign(claims(), key=key)

    # when
    result = verify(token, keys=jwks([key.public_jwk]), now=DURING)

    # then
    assert result == Verification(
        valid=True,
        reason="",
        detail="The credential is valid until 2027-02-14 08:00 UTC.",
        claims=claims(),
        kid=key.kid,
    )


def test_the_header_names_the_algorithm_the_type_and_the_key() -> None:
    key = rfc_8037_key()

    header = json.loads(base64.urlsafe_b64decode(segments(sign(claims(), key=key))[0] + "=="))

    assert header == {"alg": "EdDSA", "typ": "ipbridge-credential+jwt", "kid": RFC_8037_THUMBPRINT}
    assert (ALGORITHM, TOKEN_TYPE) == ("EdDSA", "ipbridge-credential+jwt")


def test_the_kid_is_the_rfc_7638_thumbprint_of_the_public_key() -> None:
    # given the canonical JSON of the required members, sorted, without whitespace
    canonical = '{"crv":"Ed25519","kty":"OKP","x":"' + RFC_8037_X + '"}'
    expected = b64url(hashlib.sha256(canonical.encode()).digest())

    # when
    key = rfc_8037_key()

    # then
    assert expected == RFC_8037_THUMBPRINT
    assert key.kid == RFC_8037_THUMBPRINT
    assert key.public_jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC_8037_X,
        "kid": RFC_8037_THUMBPRINT,
        "alg": "EdDSA",
        "use": "sig",
    }


def test_a_key_pair_is_rebuilt_from_its_private_key() -> None:
    key = key_generate()

    assert key_from_private(key.private_key) == key
    assert len(key.private_key) == 32
    assert key_generate().kid != key.kid


def test_a_key_pair_never_shows_its_private_key() -> None:
    key = rfc_8037_key()

    assert key.private_key.hex() not in repr(key)
    assert "private_key" not in repr(key)


def test_a_private_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("An Ed25519 private key is 32 bytes, not 31.")):
        key_from_private(bytes(31))


def test_jwks_publishes_the_public_keys() -> None:
    old, new = rfc_8037_key(), key_generate()

    assert jwks([old.public_jwk, new.public_jwk]) == {"keys": [old.public_jwk, new.public_jwk]}


def test_jwks_refuses_private_key_material() -> None:
    private_jwk = {**rfc_8037_key().public_jwk, "d": RFC_8037_D}

    with pytest.raises(ValueError, match="must not contain private key material"):
        jwks([private_jwk])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iat": None}, "A credential needs a claim 'iat' of type int."),
        ({"exp": "tomorrow"}, "A credential needs a claim 'exp' of type int."),
        ({"exp": 1.8e9}, "A credential needs a claim 'exp' of type int."),
        ({"iat": True}, "A credential needs a claim 'iat' of type int."),
        ({"jti": 7}, "A credential needs a claim 'jti' of type str."),
        ({"iss": None}, "A credential needs a claim 'iss' of type str."),
        ({"sub": 42}, "A credential needs a claim 'sub' of type str."),
        ({"exp": ISSUED}, "A credential must expire after it is issued."),
    ],
)
def test_signing_refuses_incomplete_claims(overrides: dict[str, Any], message: str) -> None:
    incomplete = {name: value for name, value in claims(**overrides).items() if value is not None}

    with pytest.raises(ValueError, match=message):
        sign(incomplete, key=rfc_8037_key())


def test_a_credential_signed_with_a_retired_key_verifies_while_the_key_stays_published() -> None:
    # given a key rotation: the old key stays in the key set, the new one signs from now on
    old, new = key_generate(), key_generate()
    old_token = sign(claims(jti="old"), key=old)
    new_token = sign(claims(jti="new"), key=new)
    both = jwks([new.public_jwk, old.public_jwk])

    # when
    results = [verify(token, keys=both, now=DURING) for token in (old_token, new_token)]

    # then
    assert [(result.valid, result.kid, result.claims["jti"]) for result in results] == [
        (True, old.kid, "old"),
        (True, new.kid, "new"),
    ]


def test_a_credential_whose_key_was_withdrawn_names_the_unknown_key() -> None:
    old, new = key_generate(), key_generate()
    token = sign(claims(), key=old)

    result = verify(token, keys=jwks([new.public_jwk]), now=DURING)

    assert result == Verification(
        valid=False,
        reason="unknown_key",
        detail=f"The credential was signed with key {old.kid}, which is not published.",
        claims={},
        kid=old.kid,
    )


def test_a_published_key_of_another_type_under_the_same_kid_is_not_used() -> None:
    key = key_generate()
    impostor = {"kty": "oct", "k": b64url(b"secret"), "kid": key.kid}

    result = verify(sign(claims(), key=key), keys={"keys": [impostor]}, now=DURING)

    assert result.reason == "unknown_key"


def test_a_tampered_payload_fails_the_signature() -> None:
    # given a token with one character of its payload flipped
    key = key_generate()
    header, payload, signature = segments(sign(claims(), key=key))
    middle = len(payload) // 2
    flipped = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1 :]

    # when
    result = verify(f"{header}.{flipped}.{signature}", keys=jwks([key.public_jwk]), now=DURING)

    # then
    assert result == Verification(
        valid=False,
        reason="bad_signature",
        detail="The credential's signature does not match its contents.",
        claims={},
        kid=key.kid,
    )


def test_a_signature_from_another_key_claiming_the_kid_fails() -> None:
    key, other = key_generate(), key_generate()
    header, payload, _ = segments(sign(claims(), key=key))
    _, _, other_signature = segments(sign(claims(), key=other))

    result = verify(f"{header}.{payload}.{other_signature}", keys=jwks([key.public_jwk]), now=DURING)

    assert result.reason == "bad_signature"


def test_a_token_claiming_no_algorithm_is_refused() -> None:
    key = key_generate()
    header = b64url_json({"alg": "none", "typ": TOKEN_TYPE, "kid": key.kid})

    result = verify(f"{header}.{b64url_json(claims())}.", keys=jwks([key.public_jwk]), now=DURING)

    assert result == Verification(
        valid=False,
        reason="unsupported_algorithm",
        detail="The credential uses 'none'; only EdDSA is accepted.",
        claims={},
        kid=key.kid,
    )


def test_a_token_hmac_signed_with_the_public_key_is_refused() -> None:
    # given the classic key confusion: HS256 keyed with the published public key
    key = key_generate()
    signing_input = b64url_json({"alg": "HS256", "typ": TOKEN_TYPE, "kid": key.kid}) + "." + b64url_json(claims())
    for secret in (key.public_jwk["x"].encode(), base64.urlsafe_b64decode(key.public_jwk["x"] + "=")):
        mac = b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())

        # when
        result = verify(f"{signing_input}.{mac}", keys=jwks([key.public_jwk]), now=DURING)

        # then
        assert (result.valid, result.reason, result.claims) == (False, "unsupported_algorithm", {})


def test_a_token_of_another_type_is_refused() -> None:
    key = key_generate()
    private = Ed25519PrivateKey.from_private_bytes(key.private_key)
    token = jwt.encode(claims(), private, algorithm="EdDSA", headers={"typ": "JWT", "kid": key.kid})

    result = verify(token, keys=jwks([key.public_jwk]), now=DURING)

    assert (result.reason, result.detail) == ("wrong_type", "The token is not an IPBridge credential.")


def test_the_type_is_compared_as_a_media_type() -> None:
    key = key_generate()
    private = Ed25519PrivateKey.from_private_bytes(key.private_key)
    typ = "application/IPBridge-Credential+JWT"
    token = jwt.encode(claims(), private, algorithm="EdDSA", headers={"typ": typ, "kid": key.kid})

    assert verify(token, keys=jwks([key.public_jwk]), now=DURING).valid is True


def test_an_expired_credential_is_refused_with_its_claims() -> None:
    key = key_generate()
    token = sign(claims(), key=key)

    result = verify(token, keys=jwks([key.public_jwk]), now=datetime(2027, 3, 1, tzinfo=UTC))

    assert result == Verification(
        valid=False,
        reason="expired",
        detail="The credential expired on 2027-02-14 08:00 UTC.",
        claims=claims(),
        kid=key.kid,
    )


def test_the_leeway_absorbs_clock_skew_at_expiry() -> None:
    key = key_generate()
    token = sign(claims(), key=key)
    expiry = datetime.fromtimestamp(EXPIRES, tz=UTC)

    within = verify(token, keys=jwks([key.public_jwk]), now=expiry + timedelta(seconds=60))
    beyond = verify(token, keys=jwks([key.public_jwk]), now=expiry + timedelta(seconds=61))
    strict = verify(token, keys=jwks([key.public_jwk]), now=expiry + timedelta(seconds=1), leeway_seconds=0)

    assert (within.reason, beyond.reason, strict.reason) == ("", "expired", "expired")


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({}, "The credential is not valid before 2027-01-15 08:00 UTC."),
        ({"nbf": ISSUED + 86_400}, "The credential is not valid before 2027-01-16 08:00 UTC."),
    ],
)
def test_a_credential_before_its_start_is_not_yet_valid(overrides: dict[str, Any], detail: str) -> None:
    key = key_generate()
    token = sign(claims(**overrides), key=key)
    start = datetime.fromtimestamp(ISSUED, tz=UTC) - timedelta(seconds=61)

    result = verify(token, keys=jwks([key.public_jwk]), now=start)

    assert (result.valid, result.reason, result.detail) == (False, "not_yet_valid", detail)


def test_a_naive_now_is_refused() -> None:
    key = key_generate()

    with pytest.raises(ValueError, match=re.escape("now must be timezone-aware.")):
        verify(sign(claims(), key=key), keys=jwks([key.public_jwk]), now=datetime(2027, 1, 20))  # noqa: DTZ001


def test_a_non_canonical_spelling_of_a_valid_token_is_malformed() -> None:
    # given the signature's last character changed only in bits that base64 decoders commonly ignore
    key = key_generate()
    header, payload, signature = segments(sign(claims(), key=key))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelt = signature[:-1] + alphabet[alphabet.index(signature[-1]) + 1]

    result = verify(f"{header}.{payload}.{respelt}", keys=jwks([key.public_jwk]), now=DURING)

    assert result.reason == "malformed"


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!.??.##", "e30.e30.", "W10.e30.", " . . "])
def test_a_token_that_is_not_a_jws_is_malformed(token: str) -> None:
    result = verify(token, keys=jwks([key_generate().public_jwk]))

    assert result == Verification(
        valid=False, reason="malformed", detail="The credential is not a well-formed signed token.", claims={}, kid=""
    )


KEYS = jwks([rfc_8037_key().public_jwk])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=8,
)


@given(st.text())
def test_verify_never_raises_on_any_text(token: str) -> None:
    result = verify(token, keys=KEYS)

    assert result.valid is False
    assert result.reason in REASONS
    assert result.claims == {}


@given(
    header=st.fixed_dictionaries(
        {},
        optional={
            "alg": st.sampled_from(["EdDSA", "none", "HS256"]) | json_values,
            "typ": st.just(TOKEN_TYPE) | json_values,
            "kid": st.just(RFC_8037_THUMBPRINT) | json_values,
            "crit": json_values,
        },
    ),
    payload=json_values,
    signature=st.binary(max_size=80),
)
def test_verify_never_raises_on_forged_tokens(header: dict[str, Any], payload: object, signature: bytes) -> None:
    token = f"{b64url_json(header)}.{b64url_json(payload)}.{b64url(signature)}"

    result = verify(token, keys=KEYS)

    assert result.valid is False
    assert result.reason in REASONS


@given(keys=json_values)
def test_verify_never_raises_on_a_broken_key_set(keys: object) -> None:
    token = sign(claims(), key=rfc_8037_key())

    result = verify(token, keys={"keys": keys}, now=DURING)

    assert result.reason in {"", "unknown_key"}


def test_jwks_load_reads_a_file(tmp_path: Path) -> None:
    document = jwks([rfc_8037_key().public_jwk])
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    assert jwks_load(str(path)) == document


def test_jwks_load_reads_a_url(site: Site) -> None:
    document = jwks([rfc_8037_key().public_jwk])
    url = site.answer("/.well-known/jwks.json", document)

    assert jwks_load(url) == document


def test_jwks_load_says_when_the_url_is_unreachable(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/.well-known/jwks.json"

    with pytest.raises(OSError, match=re.escape(f"The key set at {url} could not be read: ")):
        jwks_load(url, timeout=2)


def test_jwks_load_says_when_the_url_answers_an_error(site: Site) -> None:
    url = site.answer("/.well-known/jwks.json", {"error": "gone"}, status=500)

    with pytest.raises(OSError, match=re.escape(f"The key set at {url} could not be read: ")):
        jwks_load(url)


def test_jwks_load_says_when_the_file_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"

    with pytest.raises(OSError, match=re.escape(f"The key set at {path} could not be read: ")):
        jwks_load(str(path))


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"keys": {}}', b'{"keys": ["x"]}', b"\xff"])
def test_jwks_load_refuses_what_is_not_a_key_set(site: Site, body: bytes) -> None:
    url = site.answer("/jwks.json", body)

    with pytest.raises(ValueError, match=re.escape(f"{url} ")):
        jwks_load(url)


@pytest.mark.parametrize(("revoked", "expected"), [(True, True), (False, False)])
def test_status_check_reads_the_revocation_flag(site: Site, revoked: bool, expected: bool) -> None:
    url = site.answer("/credentials/cred-1/status", {"revoked": revoked, "checked_at": "2027-01-20T00:00:00Z"})

    assert status_check(url) is expected


def test_status_check_is_none_when_the_instance_cannot_be_reached(closed_port: int) -> None:
    assert status_check(f"http://127.0.0.1:{closed_port}/credentials/cred-1/status", timeout=2) is None


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 200), (b'{"revoked": "yes"}', 200), (b"{}", 200), (b"[true]", 200), (b'{"revoked": true}', 500)],
)
def test_status_check_is_none_when_the_answer_is_garbage(site: Site, body: bytes, status: int) -> None:
    url = site.answer("/status", body, status=status)

    assert status_check(url) is None


def test_status_check_follows_only_web_urls(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text('{"revoked": true}', encoding="utf-8")

    assert status_check(path.as_uri()) is None


@pytest.fixture
def issuer(site: Site) -> tuple[Site, KeyPair]:
    """An instance publishing its key set where a credential's issuer URL says."""
    key = key_generate()
    site.answer("/.well-known/jwks.json", jwks([key.public_jwk]))
    return site, key


def test_verify_online_finds_the_keys_from_the_issuer_and_checks_the_status(issuer: tuple[Site, KeyPair]) -> None:
    # given
    site, key = issuer
    status = site.answer("/credentials/cred-1/status", {"revoked": False})
    token = sign(claims(iss=site.url, status=status), key=key)

    # when
    result, checked = verify_online(token, now=DURING)

    # then
    assert (result.valid, result.reason, result.claims["sub"], checked) == (True, "", "holder:42", True)
    assert site.asked == ["/.well-known/jwks.json", "/credentials/cred-1/status"]


def test_verify_online_refuses_a_revoked_credential(issuer: tuple[Site, KeyPair]) -> None:
    site, key = issuer
    status = site.answer("/credentials/cred-1/status", {"revoked": True})
    token = sign(claims(iss=site.url + "/", status=status), key=key)

    result, checked = verify_online(token, now=DURING)

    assert result == Verification(
        valid=False,
        reason="revoked",
        detail="The credential was revoked by its issuer.",
        claims=claims(iss=site.url + "/", status=status),
        kid=key.kid,
    )
    assert checked is True


def test_verify_online_says_when_the_status_could_not_be_checked(
    issuer: tuple[Site, KeyPair], closed_port: int
) -> None:
    site, key = issuer
    token = sign(claims(iss=site.url, status=f"http://127.0.0.1:{closed_port}/status"), key=key)

    result, checked = verify_online(token, now=DURING, timeout=2)

    assert (result.valid, checked) == (True, None)


def test_verify_online_checks_no_status_when_the_credential_names_none(issuer: tuple[Site, KeyPair]) -> None:
    site, key = issuer
    token = sign(claims(iss=site.url), key=key)

    result, checked = verify_online(token, now=DURING)

    assert (result.valid, checked) == (True, False)


def test_verify_online_checks_no_status_of_an_expired_credential(issuer: tuple[Site, KeyPair]) -> None:
    site, key = issuer
    token = sign(claims(iss=site.url, status=site.answer("/status", {"revoked": False})), key=key)

    result, checked = verify_online(token, now=datetime(2027, 3, 1, tzinfo=UTC))

    assert (result.reason, checked) == ("expired", False)
    assert site.asked == ["/.well-known/jwks.json"]


def test_verify_online_uses_the_key_set_it_is_given(tmp_path: Path) -> None:
    key = rfc_8037_key()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks([key.public_jwk])), encoding="utf-8")
    token = sign(claims(iss="urn:ipbridge:test"), key=key)

    result, checked = verify_online(token, jwks_source=str(path), now=DURING)

    assert (result.valid, checked) == (True, False)


def test_verify_online_refuses_a_forgery_whatever_keys_its_issuer_url_serves(issuer: tuple[Site, KeyPair]) -> None:
    # given a token naming the instance as issuer but signed by someone else under the instance's kid
    site, key = issuer
    header, _, _ = segments(sign(claims(), key=key))
    _, payload, signature = segments(sign(claims(iss=site.url), key=key_generate()))

    result, checked = verify_online(f"{header}.{payload}.{signature}", now=DURING)

    assert (result.reason, checked) == ("bad_signature", False)


def test_verify_online_says_when_the_issuers_keys_cannot_be_fetched(closed_port: int) -> None:
    key = key_generate()
    iss = f"http://127.0.0.1:{closed_port}"
    token = sign(claims(iss=iss), key=key)

    result, checked = verify_online(token, now=DURING, timeout=2)

    assert (result.reason, result.kid, checked) == ("unknown_key", key.kid, False)
    assert result.detail.startswith(f"The issuer's keys could not be fetched: The key set at {iss}/.well-known/jwks")


def test_verify_online_needs_an_issuer_url_without_a_key_set() -> None:
    token = sign(claims(iss="urn:ipbridge:test"), key=key_generate())

    result, checked = verify_online(token, now=DURING)

    assert (result.reason, result.detail, checked) == (
        "unknown_key",
        "The credential names no issuer URL to fetch keys from.",
        False,
    )


def test_verify_online_fetches_nothing_for_garbage(site: Site) -> None:
    result, checked = verify_online("not a token", jwks_source=site.url + "/jwks.json")

    assert (result.reason, checked) == ("malformed", False)
    assert site.asked == []
