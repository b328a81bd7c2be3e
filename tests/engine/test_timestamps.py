"""RFC 3161 time-stamps of tree heads: asking a time-stamping authority, and checking its tokens offline."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import tsp  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization

from ipbridge.engine.timestamps import (
    TimestampCheck,
    TimestampError,
    timestamp_fetch,
    timestamp_info,
    timestamp_request,
    timestamp_verify,
)
from tests.engine.tsa import LocalTSA, certificate_authority

TREE_HEAD = b'{"size":42,"root":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}'
TSA_SUBJECT = "O=IPBridge Tests,CN=IPBridge Test TSA"


@pytest.fixture(scope="module")
def local_tsa() -> Iterator[LocalTSA]:
    """One authority, keys and certificates for the whole module: generating them is the slow part."""
    with LocalTSA() as tsa:
        yield tsa


@pytest.fixture
def tsa(local_tsa: LocalTSA) -> LocalTSA:
    """The module's authority, with no misbehaviour left over from an earlier test."""
    for flag in ("reject", "tamper", "garbage", "wrong_imprint", "wrong_nonce", "http_error"):
        local_tsa.take(f"{flag}_next")
    return local_tsa


@pytest.fixture(scope="module")
def other_ca_pem() -> bytes:
    _, certificate = certificate_authority("Another Root CA")
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def closed_port() -> int:
    """A port on this machine on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def when(moment: datetime | None) -> str:
    assert moment is not None
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def fetch_error(url: str, data: bytes = TREE_HEAD) -> TimestampError:
    with pytest.raises(TimestampError) as caught:
        timestamp_fetch(url, data, timeout=5.0)
    return caught.value


def test_the_request_imprints_the_sha256_of_the_data_and_asks_for_the_certificate() -> None:
    request = tsp.TimeStampReq.load(timestamp_request(TREE_HEAD, nonce=12345))

    assert request.native == {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": "sha256", "parameters": None},
            "hashed_message": hashlib.sha256(TREE_HEAD).digest(),
        },
        "req_policy": None,
        "nonce": 12345,
        "cert_req": True,
        "extensions": None,
    }


def test_a_request_without_a_nonce_gets_a_random_64_bit_one() -> None:
    nonces = {tsp.TimeStampReq.load(timestamp_request(TREE_HEAD))["nonce"].native for _ in range(3)}

    assert len(nonces) == 3
    assert all(0 <= nonce < 2**64 for nonce in nonces)


def test_a_fetched_time_stamp_verifies_and_is_trusted_through_the_authoritys_ca(tsa: LocalTSA) -> None:
    # given
    token = timestamp_fetch(tsa.url, TREE_HEAD)

    # when
    check = timestamp_verify(token, TREE_HEAD, trusted=[tsa.ca_pem])

    # then
    assert check.gen_time is not None
    assert abs(check.gen_time - datetime.now(tz=UTC)) < timedelta(seconds=1)
    assert check == TimestampCheck(
        valid=True,
        reason="",
        detail=f"The data existed at {when(check.gen_time)} according to {TSA_SUBJECT}, "
        "a trusted time-stamping authority.",
        gen_time=check.gen_time,
        serial=tsa.last_serial,
        tsa=TSA_SUBJECT,
        trusted=True,
    )


def test_the_authoritys_own_certificate_can_be_the_trusted_one(tsa: LocalTSA) -> None:
    token = timestamp_fetch(tsa.url, TREE_HEAD)

    check = timestamp_verify(token, TREE_HEAD, trusted=[tsa.tsa_cert_pem])

    assert (check.valid, check.reason, check.trusted) == (True, "", True)


def test_trusted_certificates_may_be_given_as_der(tsa: LocalTSA) -> None:
    token = timestamp_fetch(tsa.url, TREE_HEAD)

    check = timestamp_verify(token, TREE_HEAD, trusted=[tsa.ca.public_bytes(serialization.Encoding.DER)])

    assert (check.valid, check.reason, check.trusted) == (True, "", True)


def test_without_trusted_certificates_a_sound_token_is_valid_but_not_trusted(tsa: LocalTSA) -> None:
    token = timestamp_fetch(tsa.url, TREE_HEAD)

    check = timestamp_verify(token, TREE_HEAD)

    assert check == TimestampCheck(
        valid=True,
        reason="",
        detail=f"The data existed at {when(check.gen_time)} according to {TSA_SUBJECT}, whose signature holds, "
        "but no trusted certificates were given to vouch for it.",
        gen_time=check.gen_time,
        serial=tsa.last_serial,
        tsa=TSA_SUBJECT,
        trusted=False,
    )


def test_a_token_from_an_authority_another_ca_did_not_issue_is_untrusted(tsa: LocalTSA, other_ca_pem: bytes) -> None:
    token = timestamp_fetch(tsa.url, TREE_HEAD)

    check = timestamp_verify(token, TREE_HEAD, trusted=[other_ca_pem])

    assert (check.valid, check.reason, check.trusted) == (False, "untrusted_signer", False)
    assert check.detail == (f"The signer {TSA_SUBJECT} is neither a trusted time-stamping authority nor issued by one.")
    assert (check.serial, check.tsa) == (tsa.last_serial, TSA_SUBJECT)


def test_a_token_checked_against_other_data_has_the_wrong_imprint(tsa: LocalTSA) -> None:
    token = timestamp_fetch(tsa.url, TREE_HEAD)

    check = timestamp_verify(token, TREE_HEAD + b" ", trusted=[tsa.ca_pem])

    assert (check.valid, check.reason, check.trusted) == (False, "wrong_imprint", False)
    assert check.detail == "The time-stamp token covers other data than this."


def test_a_token_with_a_byte_flipped_in_its_signature_has_a_bad_signature(tsa: LocalTSA) -> None:
    # given a token whose signature the authority spoiled; fetching does not check signatures
    tsa.tamper_next = True
    token = timestamp_fetch(tsa.url, TREE_HEAD)

    # when
    check = timestamp_verify(token, TREE_HEAD, trusted=[tsa.ca_pem])

    # then nothing it claims is reported
    assert check == TimestampCheck(
        valid=False,
        reason="bad_signature",
        detail="The time-stamp token's signature does not match its contents.",
    )


def test_a_token_that_is_not_der_is_malformed() -> None:
    check = timestamp_verify(b"not a time-stamp token", TREE_HEAD)

    assert check == TimestampCheck(
        valid=False,
        reason="malformed",
        detail="The time-stamp token is not a well-formed RFC 3161 token.",
    )


def test_a_token_without_its_certificate_needs_the_authoritys_certificate_among_the_trusted(tsa: LocalTSA) -> None:
    # given a token asked for without certReq, so carrying no certificate
    query = tsp.TimeStampReq.load(timestamp_request(TREE_HEAD, nonce=7))
    query["cert_req"] = False
    reply = tsp.TimeStampResp.load(tsa.answer(query.dump()))
    token = reply["time_stamp_token"].dump()

    # when
    alone = timestamp_verify(token, TREE_HEAD, trusted=[tsa.ca_pem])
    with_certificate = timestamp_verify(token, TREE_HEAD, trusted=[tsa.tsa_cert_pem])

    # then
    assert (alone.valid, alone.reason) == (False, "untrusted_signer")
    assert alone.detail == (
        "The time-stamp token does not include its signer's certificate, nor is it among the trusted ones."
    )
    assert (with_certificate.valid, with_certificate.trusted, with_certificate.tsa) == (True, True, TSA_SUBJECT)


def test_the_info_of_a_token_is_for_display(tsa: LocalTSA) -> None:
    token = timestamp_fetch(tsa.url, TREE_HEAD)
    check = timestamp_verify(token, TREE_HEAD)
    assert check.gen_time is not None

    assert timestamp_info(token) == {
        "gen_time": check.gen_time.isoformat(),
        "serial": tsa.last_serial,
        "tsa": TSA_SUBJECT,
        "hash_algorithm": "sha256",
    }


def test_the_info_of_a_token_that_is_not_der_is_refused() -> None:
    with pytest.raises(ValueError, match="Not an RFC 3161 time-stamp token"):
        timestamp_info(b"not a time-stamp token")


def test_a_refusal_of_the_authority_is_rejected(tsa: LocalTSA) -> None:
    tsa.reject_next = True

    error = fetch_error(tsa.url)

    assert (error.reason, error.detail) == (
        "rejected",
        "The time-stamping authority refused to stamp: Stamping is switched off for this test.",
    )


def test_an_answer_that_is_not_der_is_malformed(tsa: LocalTSA) -> None:
    tsa.garbage_next = True

    error = fetch_error(tsa.url)

    assert (error.reason, error.detail) == (
        "malformed",
        "The time-stamping authority's answer is not an RFC 3161 reply.",
    )


def test_a_stamp_of_other_data_is_the_wrong_imprint(tsa: LocalTSA) -> None:
    tsa.wrong_imprint_next = True

    error = fetch_error(tsa.url)

    assert (error.reason, error.detail) == (
        "wrong_imprint",
        "The time-stamping authority stamped other data than was sent.",
    )


def test_a_stamp_with_another_nonce_is_the_wrong_nonce(tsa: LocalTSA) -> None:
    tsa.wrong_nonce_next = True

    error = fetch_error(tsa.url)

    assert (error.reason, error.detail) == (
        "wrong_nonce",
        "The time-stamp does not answer this request: its nonce differs.",
    )


def test_an_http_error_status_is_an_http_error(tsa: LocalTSA) -> None:
    tsa.http_error_next = True

    error = fetch_error(tsa.url)

    assert (error.reason, error.detail) == ("http_error", "The time-stamping authority answered HTTP 503.")


def test_an_authority_on_a_closed_port_is_unreachable(closed_port: int) -> None:
    error = fetch_error(f"http://127.0.0.1:{closed_port}/tsa")

    assert error.reason == "unreachable"
    assert error.detail.startswith("The time-stamping authority could not be reached: ")


def test_a_file_url_is_refused() -> None:
    error = fetch_error("file:///etc/passwd")

    assert (error.reason, error.detail) == (
        "unreachable",
        "A time-stamping authority is asked over http or https only.",
    )
