"""A right holder's list of authorised sellers from a CSV file: read row by row as it streams in, each row written
in one transaction with the others, or none at all — every refused row is named with its field and its reason.

The file is UTF-8 (a byte-order mark is allowed), comma-separated, with a header naming the columns, in any order::

    brand,right,marketplace,marketplace_name,marketplace_url,shop_id,shop_name,relation,valid_from,valid_until

``shop_id`` and ``relation`` are required columns, and ``brand`` or ``right``, and ``marketplace`` or
``marketplace_name`` with ``marketplace_url``. A row names the brand as one of the right holder's marks, or the
right as "OFFICE NUMBER"; the marketplace by its id on IPBridge, or by the name and address of one that is not on
it. ``relation`` is own_shop, licensee, authorised_distributor or reseller; dates are YYYY-MM-DD, either empty for
an open start or end. A row for a shop already listed for the brand on the marketplace changes that entry."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.core.errors import ApplicationError, PayloadTooLarge, ValidationFailed
from ipbridge.core.uploads import upload_chunks
from ipbridge.sharing import events
from ipbridge.sharing.models import AuthorisedSeller
from ipbridge.sharing.sellers import Resolver, SellerIn, seller_duplicate
from ipbridge.sharing.services import require_sharing_holder

COLUMNS = (
    "brand",
    "right",
    "marketplace",
    "marketplace_name",
    "marketplace_url",
    "shop_id",
    "shop_name",
    "relation",
    "valid_from",
    "valid_until",
)
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_REFUSALS_LISTED = 500


@dataclass(frozen=True)
class RowRefusal:
    row: int  # the line's number in the file, the header being line 1
    field: str
    code: str
    message: str


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refusals: list[RowRefusal] = field(default_factory=list)
    refused: int = 0
    # The marketplaces on IPBridge whose lists the import changed.
    marketplaces: set[int] = field(default_factory=set)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.refused


class _Refused(Exception):
    """Rows were refused: the transaction that wrote the others is rolled back."""


def _lines(upload: Any) -> Iterator[str]:
    """The file's text, line by line as it arrives, its size counted; refused past ``MAX_BYTES`` or when it is
    not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    size = 0
    pending = ""
    try:
        for chunk in upload_chunks(upload):
            size += len(chunk)
            if size > MAX_BYTES:
                raise PayloadTooLarge(
                    "file_too_large",
                    _("The file is larger than %(mib)d MiB.") % {"mib": MAX_BYTES // 2**20},
                    field="file",
                )
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise ValidationFailed("not_utf8", _("The file is not UTF-8 text."), field="file") from exc
    if size == 0:
        raise ValidationFailed("empty_file", _("The file is empty."), field="file")
    if pending:
        yield pending


def _date(value: str, *, name: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("invalid_date", _("Write the date as YYYY-MM-DD."), field=name) from exc


def _header(reader: Any) -> list[str]:
    try:
        names = next(reader)
    except StopIteration as exc:
        raise ValidationFailed("empty_file", _("The file is empty."), field="file") from exc
    header = [name.strip().lower() for name in names]
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in ("shop_id", "relation") if name not in header]
    if not {"brand", "right"} & set(header):
        missing.append("brand")
    if not ({"marketplace"} & set(header) or {"marketplace_name", "marketplace_url"} <= set(header)):
        missing.append("marketplace")
    if unknown or missing or len(set(header)) != len(header):
        raise ValidationFailed(
            "invalid_header",
            _("The first line must name the columns, among: %(columns)s (missing: %(missing)s; unknown: %(unknown)s).")
            % {
                "columns": ",".join(COLUMNS),
                "missing": ", ".join(missing) or "—",
                "unknown": ", ".join(unknown) or "—",
            },
            field="file",
        )
    return header


def _entry(values: dict[str, str]) -> SellerIn:
    return SellerIn(
        brand=values.get("brand", ""),
        right=values.get("right", ""),
        marketplace=values.get("marketplace", ""),
        marketplace_name=values.get("marketplace_name", ""),
        marketplace_url=values.get("marketplace_url", ""),
        shop_id=values.get("shop_id", ""),
        shop_name=values.get("shop_name", ""),
        relation=values.get("relation", "").strip(),
        valid_from=_date(values.get("valid_from", ""), name="valid_from"),
        valid_until=_date(values.get("valid_until", ""), name="valid_until"),
    )


def sellers_import(*, actor: Actor, upload: Any) -> ImportOutcome:
    """Write every row of the file, or none: when a row is refused, nothing is written and the outcome lists each
    refused row (the first ``MAX_REFUSALS_LISTED``) with its field and reason, as the ``rows_refused`` error."""
    require_sharing_holder(actor)
    if upload is None:
        raise ValidationFailed("required", _("Choose the CSV file to import."), field="file")
    outcome = ImportOutcome()
    try:
        with transaction.atomic():
            _rows_write(actor, upload, outcome)
            if outcome.refused:
                raise _Refused
            audit_act(
                actor,
                AuditAction.SELLERS_IMPORTED,
                subject=None,
                created=outcome.created,
                updated=outcome.updated,
                unchanged=outcome.unchanged,
            )
            events.sellers_imported(holder=actor.organisation, marketplace_ids=outcome.marketplaces)
    except _Refused:
        raise ValidationFailed(
            "rows_refused",
            _("%(refused)d of %(rows)d rows were refused; nothing was imported. Correct them, then import again.")
            % {"refused": outcome.refused, "rows": outcome.rows},
            field="file",
            details={
                "refused": outcome.refused,
                "rows": [r.__dict__ for r in outcome.refusals],
            },
        ) from None
    return outcome


def _refuse(outcome: ImportOutcome, line: int, exc: ApplicationError) -> None:
    outcome.refused += 1
    if len(outcome.refusals) < MAX_REFUSALS_LISTED:
        outcome.refusals.append(RowRefusal(line, exc.field or "", exc.code, str(exc.message)))


def _rows_write(actor: Actor, upload: Any, outcome: ImportOutcome) -> None:
    resolver = Resolver(actor)
    holder = actor.organisation
    reader = csv.reader(_lines(upload), strict=True)
    try:
        header = _header(reader)
        seen: dict[tuple[str, str, str], int] = {}
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if outcome.rows >= MAX_ROWS:
                raise ValidationFailed(
                    "too_many_rows", _("At most %(n)d rows in one file.") % {"n": MAX_ROWS}, field="file"
                )
            if len(values) != len(header):
                _refuse(
                    outcome,
                    line,
                    ValidationFailed(
                        "wrong_column_count",
                        _("The row has %(found)d values; the header names %(expected)d columns.")
                        % {"found": len(values), "expected": len(header)},
                        field="file",
                    ),
                )
                continue
            try:
                row = resolver.resolve(_entry(dict(zip(header, values, strict=True))))
            except ApplicationError as exc:
                _refuse(outcome, line, exc)
                continue
            key = (row["brand_key"], row["marketplace_key"], row["shop_id"])
            if key in seen:
                _refuse(
                    outcome,
                    line,
                    ValidationFailed(
                        "duplicate_row",
                        _("The same shop, brand and marketplace as row %(row)d.") % {"row": seen[key]},
                        field="shop_id",
                    ),
                )
                continue
            seen[key] = line
            if outcome.refused:
                continue  # nothing will be written: only look for further refusals
            _row_write(actor, holder.pk, row, outcome)
    except csv.Error as exc:
        raise ValidationFailed(
            "unreadable_csv", _("The CSV file cannot be read: %(reason)s") % {"reason": exc}, field="file"
        ) from exc


def _row_write(actor: Actor, holder_id: int, row: dict[str, Any], outcome: ImportOutcome) -> None:
    existing = seller_duplicate(holder_id, row)
    if existing is None:
        created = AuthorisedSeller.objects.create(holder_id=holder_id, created_by=actor.user, **row)
        outcome.created += 1
        if created.marketplace_id is not None:
            outcome.marketplaces.add(created.marketplace_id)
        return
    if all(getattr(existing, name) == value for name, value in row.items()):
        outcome.unchanged += 1
        return
    for name, value in row.items():
        setattr(existing, name, value)
    existing.updated_at = timezone.now()
    existing.save()
    outcome.updated += 1
    if existing.marketplace_id is not None:
        outcome.marketplaces.add(existing.marketplace_id)
