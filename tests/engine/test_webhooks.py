"""Signed webhooks: the signature header, its check, and the retry schedule of failed deliveries."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipbridge.engine.webhooks import next_attempt_delay, retry_delays, signature_header, signature_verify

SECRET = b"whsec_3f9a0c"
OLD_SECRET = b"whsec_old_71d2"
BODY = b'{"event":"notice.forwarded","notice":"N-2024-000017"}'
NOW = 1_717_000_000


def test_the_header_is_the_timestamp_and_the_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, b"1717000000." + BODY, hashlib.sha256).hexdigest()

    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW)

    assert header == f"t=1717000000,v1={expected}"


def test_a_known_answer() -> None:
    header = signature_header(secret=b"key", body=b"hello", timestamp=0)

    assert header == "t=0,v1=" + hmac.new(b"key", b"0.hello", hashlib.sha256).hexdigest()
    assert header == "t=0,v1=552b25b10c33de2db9fe7fa273d44ab105d596c023fa954d01444d4642487149"


def test_a_header_made_for_the_body_verifies() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW)

    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW + 10) is True


def test_a_tampered_body_is_refused() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW)

    assert signature_verify(secret=SECRET, body=BODY.replace(b"17", b"18"), header=header, now=NOW) is False


def test_a_tampered_timestamp_is_refused() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW).replace(f"t={NOW}", f"t={NOW + 60}")

    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW) is False


def test_the_wrong_secret_is_refused() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW)

    assert signature_verify(secret=b"whsec_other", body=BODY, header=header, now=NOW) is False


def test_during_rotation_the_sender_signs_with_both_secrets() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW, secrets=[OLD_SECRET])

    assert header == ",".join(
        [
            f"t={NOW}",
            "v1=" + hmac.new(SECRET, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest(),
            "v1=" + hmac.new(OLD_SECRET, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest(),
        ]
    )
    assert signature_verify(secret=OLD_SECRET, body=BODY, header=header, now=NOW) is True
    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW) is True


def test_during_rotation_the_receiver_accepts_either_secret() -> None:
    signed_with_old = signature_header(secret=OLD_SECRET, body=BODY, timestamp=NOW)
    signed_with_new = signature_header(secret=SECRET, body=BODY, timestamp=NOW)

    assert signature_verify(secret=SECRET, secrets=[OLD_SECRET], body=BODY, header=signed_with_old, now=NOW)
    assert signature_verify(secret=SECRET, secrets=[OLD_SECRET], body=BODY, header=signed_with_new, now=NOW)
    assert not signature_verify(secret=SECRET, body=BODY, header=signed_with_old, now=NOW)


def test_signatures_of_unknown_schemes_are_ignored() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW) + ",v0=deadbeef,v2=abc"

    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW) is True


def test_one_wrong_signature_beside_a_right_one_still_verifies() -> None:
    right = signature_header(secret=SECRET, body=BODY, timestamp=NOW)
    header = f"t={NOW},v1={'0' * 64}," + right.split(",")[1]

    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW) is True


@pytest.mark.parametrize(
    ("now", "valid"),
    [
        (NOW + 300, True),
        (NOW + 301, False),
        (NOW - 300, True),
        (NOW - 301, False),
        (NOW + 86_400, False),
    ],
)
def test_a_timestamp_beyond_the_tolerance_either_way_is_refused(now: int, valid: bool) -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW)

    assert signature_verify(secret=SECRET, body=BODY, header=header, now=now) is valid


def test_the_tolerance_can_be_narrowed() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW)

    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW + 6, tolerance_seconds=5) is False
    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW + 5, tolerance_seconds=5) is True


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=",
        "v1=",
        ",,,",
        "garbage",
        f"t={NOW}",
        f"v1={'a' * 64}",
        f"t={NOW},t={NOW},v1={'a' * 64}",
        f"t=-{NOW},v1={'a' * 64}",
        f"t=+{NOW},v1={'a' * 64}",
        f"t={NOW}.0,v1={'a' * 64}",
        f"t=١٧١٧٠٠٠٠٠٠,v1={'a' * 64}",
        f"t={'9' * 400},v1={'a' * 64}",
        f"t={NOW},v1=ä{'a' * 63}",
        f"t={NOW},v1={'A' * 64}",
        "t=" + "1" * 10_000,
    ],
)
def test_garbage_headers_are_refused(header: str) -> None:
    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW) is False


def test_an_upper_case_copy_of_a_valid_signature_is_refused() -> None:
    header = signature_header(secret=SECRET, body=BODY, timestamp=NOW)
    timestamp, signature = header.split(",")

    assert signature_verify(secret=SECRET, body=BODY, header=f"{timestamp},{signature.upper()}", now=NOW) is False
    assert signature_verify(secret=SECRET, body=BODY, header=f" {timestamp} , {signature} ", now=NOW) is True


@given(header=st.text(), body=st.binary(max_size=64), now=st.integers())
def test_any_header_gives_true_or_false_and_never_raises(header: str, body: bytes, now: int) -> None:
    assert signature_verify(secret=SECRET, body=body, header=header, now=now) in {True, False}


@given(header=st.from_regex(r"t=[0-9]{0,12}(,v1=[0-9a-f]{0,64})*(,[a-z0-9]*=[^,]*)*", fullmatch=True))
def test_headers_shaped_like_ours_never_verify_by_chance(header: str) -> None:
    assert signature_verify(secret=SECRET, body=BODY, header=header, now=NOW) is False


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"secret": b""}, "must not be empty"),
        ({"secret": SECRET, "secrets": [b""]}, "must not be empty"),
        ({"secret": SECRET, "timestamp": -1}, "non-negative"),
    ],
)
def test_signing_refuses_an_empty_secret_or_a_negative_time(options: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"secret": SECRET, "body": BODY, "timestamp": NOW} | options

    with pytest.raises(ValueError, match=message):
        signature_header(**arguments)


def test_verifying_refuses_a_negative_tolerance_or_no_secret() -> None:
    with pytest.raises(ValueError, match="tolerance_seconds must not be negative"):
        signature_verify(secret=SECRET, body=BODY, header="", now=NOW, tolerance_seconds=-1)
    with pytest.raises(ValueError, match="must not be empty"):
        signature_verify(secret=b"", body=BODY, header="", now=NOW)


def test_without_jitter_the_waits_double_from_30_seconds_up_to_6_hours() -> None:
    delays = retry_delays(attempts=12, jitter=0)

    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]


def test_the_default_schedule_has_8_waits_each_within_10_percent() -> None:
    delays = retry_delays(rng=random.Random(7))

    assert len(delays) == 8
    for n, delay in enumerate(delays):
        assert 30 * 2**n * 0.9 <= delay <= 30 * 2**n * 1.1


def test_a_seeded_schedule_is_the_same_every_time() -> None:
    first = retry_delays(attempts=10, rng=random.Random(2024))
    second = retry_delays(attempts=10, rng=random.Random(2024))

    assert first == second
    assert first != retry_delays(attempts=10, rng=random.Random(2025))


def test_no_attempts_give_no_waits() -> None:
    assert retry_delays(attempts=0) == []


def test_a_huge_number_of_attempts_stays_at_the_cap() -> None:
    delays = retry_delays(attempts=2000, rng=random.Random(1))

    assert delays[-1] == 6 * 3600
    assert max(delays) == 6 * 3600


@given(
    attempts=st.integers(min_value=0, max_value=40),
    base_seconds=st.floats(min_value=0.01, max_value=10_000),
    factor=st.floats(min_value=1, max_value=10),
    cap_seconds=st.floats(min_value=0.01, max_value=1e7),
    jitter=st.floats(min_value=0, max_value=0.99),
    seed=st.integers(),
)
def test_waits_never_shrink_stay_under_the_cap_and_within_their_jitter(
    attempts: int, base_seconds: float, factor: float, cap_seconds: float, jitter: float, seed: int
) -> None:
    delays = retry_delays(
        attempts=attempts,
        base_seconds=base_seconds,
        factor=factor,
        cap_seconds=cap_seconds,
        jitter=jitter,
        rng=random.Random(seed),
    )

    assert len(delays) == attempts
    assert all(earlier <= later for earlier, later in itertools.pairwise(delays))
    for n, delay in enumerate(delays):
        raw = base_seconds * factor**n
        # The schedule multiplies step by step, the closed form here rounds differently in the last digits.
        low, high = min(cap_seconds, raw * (1 - jitter)), min(cap_seconds, raw * (1 + jitter))
        assert low * (1 - 1e-9) <= delay <= high * (1 + 1e-9)
        assert delay <= cap_seconds


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"attempts": -1}, "attempts must not be negative"),
        ({"base_seconds": 0}, "must be positive"),
        ({"cap_seconds": -5}, "must be positive"),
        ({"factor": 0.5}, "factor must be at least 1"),
        ({"jitter": 1}, "jitter is a fraction"),
        ({"jitter": -0.1}, "jitter is a fraction"),
    ],
)
def test_a_schedule_that_would_shrink_or_go_negative_is_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        retry_delays(**options)


def test_the_next_attempt_waits_as_long_as_the_schedule_says() -> None:
    schedule = retry_delays(attempts=5, rng=random.Random(42))

    delays = [next_attempt_delay(attempt, rng=random.Random(42)) for attempt in range(1, 6)]

    assert delays == schedule


def test_the_first_retry_without_jitter_waits_the_base() -> None:
    assert next_attempt_delay(1, jitter=0) == 30
    assert next_attempt_delay(4, jitter=0, base_seconds=10, factor=3) == 270
    assert next_attempt_delay(30, jitter=0) == 6 * 3600


def test_retries_count_from_one() -> None:
    with pytest.raises(ValueError, match="attempt counts retries from 1"):
        next_attempt_delay(0)
