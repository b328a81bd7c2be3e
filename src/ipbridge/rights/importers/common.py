"""What every register parser shares: the byte counter for progress, the file-level error, and the mapping of the
offices' dates, statuses, mark features and class numbers onto the register's values."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any, BinaryIO

from ipbridge.rights.models import MarkFeature, RightStatus

__all__ = [
    "CountingStream",
    "ImportFileError",
    "RecordError",
    "locarno_class",
    "mark_feature",
    "nice_class",
    "parse_date",
    "right_status",
]


class ImportFileError(Exception):
    """The file as a whole cannot be read: the import stops, with this message for the operator."""


class RecordError(ValueError):
    """One record cannot be used; ``field`` names the part at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


class CountingStream(io.RawIOBase):
    """A binary stream that counts the bytes read through it, for progress bars."""

    def __init__(self, raw: BinaryIO):
        super().__init__()
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# YYYY-MM-DD, then an optional time, then an optional zone: 1998-08-04, 1998-08-04-04:00, 1998-08-04Z,
# 2019-09-12T10:00:00+02:00. YYYYMMDD is accepted too (some national offices write dates so).
_DATE = re.compile(
    r"(\d{4})-?(\d{2})-?(\d{2})"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?"
)


def parse_date(value: str, *, field: str) -> date | None:
    """The calendar date as the office wrote it. A zone suffix is the office's zone; the date is not shifted
    to UTC, since the register records days, not instants."""
    value = value.strip()
    if not value:
        return None
    match = _DATE.fullmatch(value)
    if match is None:
        raise RecordError(field, f"“{value[:40]}” is not a date (YYYY-MM-DD, optionally with a time zone)")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise RecordError(field, f"“{value[:40]}” is not a valid date") from exc


def _key(value: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value.lower()).split())


_STATUS_WORDS: dict[str, RightStatus] = {}
for _status, _words in {
    RightStatus.FILED: [
        "filed",
        "application filed",
        "application received",
        "received",
        "pending",
        "application pending",
        "under examination",
        "examination",
        "examined",
        "new application",
        "registration pending",
        "application",
    ],
    RightStatus.PUBLISHED: [
        "published",
        "application published",
        "publication",
        "published for opposition",
        "approved for publication",
    ],
    RightStatus.REGISTERED: [
        "registered",
        "registration",
        "registration published",
        "registered and renewed",
        "renewed",
        "registration renewed",
        "live",
        "in force",
        "protected",
        "active",
        "granted",
    ],
    RightStatus.OPPOSED: ["opposed", "opposition", "opposition pending", "under opposition", "application opposed"],
    RightStatus.REFUSED: ["refused", "application refused", "rejected", "finally refused", "registration refused"],
    RightStatus.EXPIRED: [
        "expired",
        "registration expired",
        "ended",
        "lapsed",
        "not renewed",
        "registration not renewed",
    ],
    RightStatus.CANCELLED: [
        "cancelled",
        "canceled",
        "registration cancelled",
        "registration canceled",
        "invalidated",
        "revoked",
        "surrendered",
        "registration surrendered",
        "removed",
        "cancellation",
    ],
    RightStatus.WITHDRAWN: [
        "withdrawn",
        "application withdrawn",
        "abandoned",
        "application abandoned",
        "registration withdrawn",
    ],
}.items():
    for _word in _words:
        _STATUS_WORDS[_key(_word)] = _status

# Numeric status codes some offices publish. USPTO (TSDR): 6xx abandoned, 630–679 pending, 680–689 published,
# 700–709 registered, 710–719 cancelled, 800 registered and renewed, 900 expired.
_US_CODES: tuple[tuple[range, RightStatus], ...] = (
    (range(600, 630), RightStatus.WITHDRAWN),
    (range(630, 680), RightStatus.FILED),
    (range(680, 690), RightStatus.PUBLISHED),
    (range(700, 710), RightStatus.REGISTERED),
    (range(710, 720), RightStatus.CANCELLED),
    (range(800, 801), RightStatus.REGISTERED),
    (range(900, 901), RightStatus.EXPIRED),
)
_NUMERIC_CODES: dict[str, tuple[tuple[range, RightStatus], ...]] = {"US": _US_CODES}


def right_status(value: str, *, office: str, field: str = "status") -> str:
    """The register status of an office's status code or text; unknown ones are refused, never guessed."""
    text = value.strip()
    if not text:
        raise RecordError(field, "status missing")
    if text.isdigit():
        for codes, status in _NUMERIC_CODES.get(office, ()):
            if int(text) in codes:
                return str(status)
        raise RecordError(field, f"unknown status code “{text}” for office {office or '?'}")
    named = _STATUS_WORDS.get(_key(text))
    if named is None:
        raise RecordError(field, f"unknown status “{text[:60]}”")
    return str(named)


_FEATURES: dict[str, MarkFeature] = {
    "word": MarkFeature.WORD,
    "word mark": MarkFeature.WORD,
    "standard characters": MarkFeature.WORD,
    "figurative": MarkFeature.FIGURATIVE,
    "figurative mark": MarkFeature.FIGURATIVE,
    "stylized characters": MarkFeature.FIGURATIVE,
    "stylised characters": MarkFeature.FIGURATIVE,
    "design": MarkFeature.FIGURATIVE,
    "device": MarkFeature.FIGURATIVE,
    "combined": MarkFeature.COMBINED,
    "design plus words": MarkFeature.COMBINED,
    "3 d": MarkFeature.THREE_D,
    "3d": MarkFeature.THREE_D,
    "three dimensional": MarkFeature.THREE_D,
    "shape": MarkFeature.THREE_D,
    "colour": MarkFeature.COLOUR,
    "color": MarkFeature.COLOUR,
    "sound": MarkFeature.SOUND,
    "hologram": MarkFeature.HOLOGRAM,
    "olfactory": MarkFeature.OLFACTORY,
    "smell": MarkFeature.OLFACTORY,
    "motion": MarkFeature.MOTION,
    "movement": MarkFeature.MOTION,
    "position": MarkFeature.POSITION,
    "pattern": MarkFeature.PATTERN,
    "multimedia": MarkFeature.MULTIMEDIA,
    "other": MarkFeature.OTHER,
}


def mark_feature(value: str) -> str:
    """The ST.66 MarkFeature (or ST.96 MarkFeatureCategory) as a register value; an unknown one is "other"."""
    text = value.strip()
    if not text:
        return ""
    return str(_FEATURES.get(_key(text), MarkFeature.OTHER))


def nice_class(value: str, *, field: str = "classes") -> str:
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= 45:
        raise RecordError(field, f"“{text[:20]}” is not a Nice class (1–45)")
    return str(int(text))


_LOCARNO = re.compile(r"(\d{1,2})(?:\s*[-.]\s*(\d{1,2}))?")


def locarno_class(value: str, *, field: str = "classes") -> str:
    """Locarno class-subclass as ``02-04`` (or ``02`` for a class alone)."""
    match = _LOCARNO.fullmatch(value.strip())
    if match is None or not 1 <= int(match[1]) <= 32:
        raise RecordError(field, f"“{value.strip()[:20]}” is not a Locarno class (01–32, optionally -subclass)")
    return f"{int(match[1]):02d}-{int(match[2]):02d}" if match[2] else f"{int(match[1]):02d}"
