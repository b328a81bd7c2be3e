"""Plain records passed from the register parsers (ST.66, ST.86, CSV, synthetic) to the import service.

Parsers know file formats and nothing about the database; the service knows the database and nothing about
formats. A parser yields either a ``RightRecord`` or a ``RejectedRecord`` for every record of its input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class PartyRecord:
    name: str
    address: str = ""
    country: str = ""  # ISO 3166 alpha-2
    email: str = ""


@dataclass(frozen=True, slots=True)
class GoodsRecord:
    class_number: str  # Nice "1"–"45" (no leading zero); Locarno "02-04"
    description: str = ""
    scheme: str = "nice"  # or "locarno"


@dataclass(frozen=True, slots=True)
class RightRecord:
    office: str  # WIPO ST.3, upper case
    number: str  # registration number, or application number until registered
    kind: str  # a RightKind value
    status: str  # a RightStatus value
    application_number: str = ""
    registration_number: str = ""
    mark_feature: str = ""  # a MarkFeature value, trademarks only
    verbal_element: str = ""
    transliteration: str = ""
    title: str = ""
    images: tuple[str, ...] = ()
    filing_date: date | None = None
    registration_date: date | None = None
    expiry_date: date | None = None
    territories: tuple[str, ...] = ()
    owners: tuple[PartyRecord, ...] = ()  # current owners, in the register's order
    former_owners: tuple[PartyRecord, ...] = ()  # original applicant, earlier holders
    representatives: tuple[PartyRecord, ...] = ()
    correspondents: tuple[PartyRecord, ...] = ()
    goods: tuple[GoodsRecord, ...] = field(default=())

    @property
    def identifier(self) -> str:
        return f"{self.office} {self.number}"


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record the parser could not turn into a right; the batch goes on without it."""

    position: int  # 1-based record number in the input
    identifier: str  # whatever identifies it, e.g. "EM 018123456", or "" when unknown
    reason: str
    field: str = ""
