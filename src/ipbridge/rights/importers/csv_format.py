"""CSV register files: UTF-8 (a byte-order mark is allowed), comma-separated, one right per row.

The header must name at least these columns, in any order::

    office,number,kind,mark,owner,nice_classes,status,filing_date,registration_date,expiry_date,representative_email

``nice_classes`` holds Nice classes separated by ``;`` (Locarno classes for designs: ``09-01;02-04``). Optional
columns: ``application_number``, ``registration_number``, ``mark_feature``, ``transliteration``, ``title``,
``owner_address``, ``owner_country``, ``owner_email``, ``representative``, ``territories`` (``;``-separated),
``images`` (``;``-separated). ``kind`` is a register kind (``trademark``, ``design``, ``patent``,
``utility_model``, ``copyright``, ``geographical_indication``, ``other``); ``status`` a status as in ST.66.
Dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

from ipbridge.rights.importers.common import (
    ImportFileError,
    RecordError,
    locarno_class,
    mark_feature,
    nice_class,
    parse_date,
    right_status,
)
from ipbridge.rights.models import RightKind
from ipbridge.rights.records import GoodsRecord, PartyRecord, RejectedRecord, RightRecord

__all__ = ["REQUIRED_COLUMNS", "parse", "record_from_row"]

REQUIRED_COLUMNS = (
    "office",
    "number",
    "kind",
    "mark",
    "owner",
    "nice_classes",
    "status",
    "filing_date",
    "registration_date",
    "expiry_date",
    "representative_email",
)
_KINDS = {str(kind): str(kind) for kind in RightKind} | {"tm": "trademark", "gi": "geographical_indication"}


def parse(stream: BinaryIO) -> Iterator[RightRecord | RejectedRecord]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        header = [name.strip().lower() for name in reader.fieldnames or ()]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ImportFileError(
                f"The CSV header lacks the column(s) {', '.join(missing)}; it must name at least: "
                + ",".join(REQUIRED_COLUMNS)
            )
        reader.fieldnames = header
        yield from records_from_rows(reader)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"The CSV file is not UTF-8 (byte {exc.start}).") from exc
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read: {exc}") from exc
    finally:
        text.detach()


def records_from_rows(rows: Iterable[Mapping[str, object]]) -> Iterator[RightRecord | RejectedRecord]:
    """Records from rows keyed by the documented column names (a CSV file, or a synthetic register, whose
    ``nice_classes`` may be a list and whose owner may be ``owner_name``)."""
    for position, row in enumerate(rows, start=1):
        yield record_from_row(row, position=position)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def record_from_row(row: Mapping[str, object], *, position: int) -> RightRecord | RejectedRecord:
    def get(name: str) -> str:
        value = row.get(name)
        if isinstance(value, list | tuple):
            return ";".join(str(part) for part in value)
        return "" if value is None else str(value).strip()

    office, number = get("office").upper(), get("number")
    try:
        if len(office) != 2 or not office.isalpha():
            raise RecordError("office", "office missing or not a WIPO ST.3 code")
        if not number:
            raise RecordError("number", "number missing")
        kind = _KINDS.get(get("kind").lower() or "trademark")
        if kind is None:
            raise RecordError("kind", f"unknown kind “{get('kind')[:40]}”")
        status = right_status(get("status"), office=office)
        scheme = "locarno" if kind == "design" else "nice"
        classes = _split(get("nice_classes")) + _split(get("locarno_classes"))
        goods = tuple(
            GoodsRecord(
                class_number=locarno_class(c, field="nice_classes")
                if scheme == "locarno"
                else nice_class(c, field="nice_classes"),
                scheme=scheme,
            )
            for c in dict.fromkeys(classes)
        )
        owner = get("owner") or get("owner_name")
        representative_email = get("representative_email").lower()
        representative = get("representative")
        owner_country = get("owner_country").upper()
        return RightRecord(
            office=office,
            number=number,
            kind=kind,
            status=status,
            application_number=get("application_number"),
            registration_number=get("registration_number"),
            mark_feature=mark_feature(get("mark_feature")) if kind == "trademark" else "",
            verbal_element=get("mark"),
            transliteration=get("transliteration"),
            title=get("title"),
            images=tuple(_split(get("images"))),
            filing_date=parse_date(get("filing_date"), field="filing_date"),
            registration_date=parse_date(get("registration_date"), field="registration_date"),
            expiry_date=parse_date(get("expiry_date"), field="expiry_date"),
            territories=tuple(code.upper() for code in _split(get("territories"))),
            owners=(
                (
                    PartyRecord(
                        name=owner,
                        address=get("owner_address"),
                        country=owner_country if len(owner_country) == 2 else "",
                        email=get("owner_email").lower(),
                    ),
                )
                if owner
                else ()
            ),
            representatives=(
                (PartyRecord(name=representative or representative_email, email=representative_email),)
                if representative or representative_email
                else ()
            ),
            goods=goods,
        )
    except RecordError as exc:
        return RejectedRecord(
            position=position, identifier=f"{office} {number}".strip(), reason=exc.reason, field=exc.field
        )
