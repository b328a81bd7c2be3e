"""Signed webhooks: the signature a receiver checks, and when to try a failed delivery again.

The scheme is the one Stripe made familiar, so receivers can reuse code they already have. The sender puts a
header ``t=<unix seconds>,v1=<hex>`` on each delivery, where ``<hex>`` is the lowercase hexadecimal
HMAC-SHA256, keyed with the endpoint's shared secret, of the bytes ``b"<unix seconds>." + body``. Signing the
timestamp with the body lets a receiver refuse a recorded delivery replayed later. While a secret is being rotated
the header carries one ``v1=`` per live secret, and a receiver accepts the delivery when any of them checks out.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Sequence

__all__ = [
    "next_attempt_delay",
    "retry_delays",
    "signature_header",
    "signature_verify",
]

_SCHEME = "v1"
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# A header with a handful of signatures is under 500 characters; anything far longer is not one of ours.
_MAX_HEADER_CHARS = 4096


def _signature(secret: bytes, body: bytes, timestamp: str) -> str:
    return hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: bytes, body: bytes, timestamp: int, secrets: Sequence[bytes] = ()) -> str:
    """The signature header of a delivery of ``body`` at ``timestamp`` (unix seconds).

    ``secrets`` are further live secrets during a rotation; the header then carries one ``v1=`` for each, the
    current ``secret`` first.
    """
    if not secret or not all(secrets):
        raise ValueError("A webhook secret must not be empty.")
    if isinstance(timestamp, bool) or timestamp < 0:
        raise ValueError("A timestamp is a non-negative number of seconds since the epoch.")
    signatures = ",".join(f"{_SCHEME}={_signature(key, body, str(timestamp))}" for key in (secret, *secrets))
    return f"t={timestamp},{signatures}"


def signature_verify(
    *,
    secret: bytes,
    body: bytes,
    header: str,
    now: int,
    tolerance_seconds: int = 300,
    secrets: Sequence[bytes] = (),
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` (or one of ``secrets``) at a time near ``now``.

    A receiver passes its current secret and, while rotating, the previous ones in ``secrets``. The header must
    carry exactly one timestamp no more than ``tolerance_seconds`` away from ``now`` in either direction (a clock
    running ahead is no excuse for a delivery from the future), and at least one ``v1=`` signature matching one of
    the secrets. Fields of other schemes are ignored, so the sender can add one later. Comparisons take the same
    time whether or not they match, and any header whatsoever gives ``True`` or ``False``; only a negative
    tolerance or no usable secret raises ``ValueError``.
    """
    if tolerance_seconds < 0:
        raise ValueError("tolerance_seconds must not be negative.")
    keys = [key for key in (secret, *secrets) if key]
    if not keys:
        raise ValueError("A webhook secret must not be empty.")
    if not isinstance(header, str) or len(header) > _MAX_HEADER_CHARS:
        return False
    timestamps: list[str] = []
    signatures: list[str] = []
    for item in header.split(","):
        name, separator, value = item.strip().partition("=")
        if not separator:
            continue
        if name == "t":
            timestamps.append(value)
        elif name == _SCHEME and _SIGNATURE.fullmatch(value):
            signatures.append(value)
    if len(timestamps) != 1 or not _TIMESTAMP.fullmatch(timestamps[0]) or not signatures:
        return False
    if abs(now - int(timestamps[0])) > tolerance_seconds:
        return False
    matched = False
    for key in keys:
        expected = _signature(key, body, timestamps[0])
        for signature in signatures:
            matched |= hmac.compare_digest(expected, signature)
    return matched


def retry_delays(
    *,
    attempts: int = 8,
    base_seconds: float = 30,
    factor: float = 2,
    cap_seconds: float = 6 * 3600,
    jitter: float = 0.1,
    rng: random.Random | None = None,
) -> list[float]:
    """The waits, in seconds, before each of ``attempts`` retries of a failed delivery.

    Retry ``n`` (from 1) waits ``base_seconds * factor ** (n - 1)``, moved by a random fraction of at most
    ``jitter`` either way so that deliveries that failed together do not all come back together, and never more
    than ``cap_seconds``. The waits never shrink from one retry to the next (a wait that jitter would make shorter
    than the one before is raised to it), which keeps every wait within its jitter bounds as long as ``factor`` is
    at least 1. With a seeded ``rng`` the schedule is the same every time.
    """
    if attempts < 0:
        raise ValueError("attempts must not be negative.")
    if base_seconds <= 0 or cap_seconds <= 0:
        raise ValueError("base_seconds and cap_seconds must be positive.")
    if factor < 1:
        raise ValueError("factor must be at least 1, or the waits would shrink.")
    if not 0 <= jitter < 1:
        raise ValueError("jitter is a fraction from 0 up to, not including, 1.")
    rng = rng or random.Random()  # noqa: S311 - spreads retries in time, guards nothing
    delays: list[float] = []
    raw = float(base_seconds)
    for _ in range(attempts):
        # Multiplying step by step reaches infinity, which the cap absorbs, where factor ** n would overflow.
        wait = min(cap_seconds, raw * (1 + rng.uniform(-jitter, jitter)))
        delays.append(max(delays[-1], wait) if delays else wait)
        raw *= factor
    return delays


def next_attempt_delay(
    attempt: int,
    *,
    base_seconds: float = 30,
    factor: float = 2,
    cap_seconds: float = 6 * 3600,
    jitter: float = 0.1,
    rng: random.Random | None = None,
) -> float:
    """The wait before retry number ``attempt`` (1 for the first retry after the first failed delivery).

    It is the ``attempt``-th wait of ``retry_delays`` with the same options, so a task that is retried with its
    retry count gets the same schedule as the list, and with a seeded ``rng`` exactly the same waits.
    """
    if attempt < 1:
        raise ValueError("attempt counts retries from 1.")
    return retry_delays(
        attempts=attempt,
        base_seconds=base_seconds,
        factor=factor,
        cap_seconds=cap_seconds,
        jitter=jitter,
        rng=rng,
    )[-1]
