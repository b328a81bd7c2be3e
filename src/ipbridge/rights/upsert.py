"""Storing the records of a register import: each record checked and normalised (``record_clean``), then a chunk
of them upserted by (office, number) with its parties, classes and change history (``rights_upsert``).

The rows go in as plain multi-row ``INSERT`` and ``UPDATE`` statements: rights, parties and classes have no
signals, and building a model instance for each row cost more than the database did. Only the values the
database needs are converted (dates, times, JSON), through the model fields, so that every backend gets what its
driver expects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from ipbridge.rights.models import (
    ChangeField,
    ClassScheme,
    ImportBatch,
    MarkFeature,
    PartyRole,
    Right,
    RightChange,
    RightGoods,
    RightKind,
    RightParty,
    RightStatus,
)
from ipbridge.rights.records import RightRecord

__all__ = ["Outcome", "RecordRefused", "clean_number", "record_clean", "rights_upsert"]

_OFFICE = re.compile(r"[A-Z]{2,3}")


class RecordRefused(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def clean_number(number: str) -> str:
    return "".join(number.split()).upper()


_PARTY_ROLES = (
    (PartyRole.OWNER, "owners"),
    (PartyRole.FORMER_OWNER, "former_owners"),
    (PartyRole.REPRESENTATIVE, "representatives"),
    (PartyRole.CORRESPONDENT, "correspondents"),
)
_ROLE_VALUES = tuple((str(role), attribute) for role, attribute in _PARTY_ROLES)
_FIELDS = (
    "application_number",
    "registration_number",
    "kind",
    "mark_feature",
    "verbal_element",
    "transliteration",
    "title",
    "images",
    "status",
    "filing_date",
    "registration_date",
    "expiry_date",
    "territories",
)
_LIST_FIELDS = frozenset({"images", "territories"})
_LIMITS = {"verbal_element": 500, "transliteration": 500, "title": 500, "application_number": 50}
# The choices' ``values`` are built anew at each access: read once.
_KINDS = frozenset(RightKind.values)
_STATUSES = frozenset(RightStatus.values)
_MARK_FEATURES = frozenset(MarkFeature.values)
_SCHEMES = frozenset(ClassScheme.values)


def record_clean(record: RightRecord) -> RightRecord:
    """The record as the register stores it, or ``RecordRefused`` naming the field at fault."""
    office = record.office.strip().upper()
    if not _OFFICE.fullmatch(office):
        raise RecordRefused("office", f"“{record.office[:10]}” is not a WIPO ST.3 office code")
    number = clean_number(record.number)
    if not number:
        raise RecordRefused("number", "number missing")
    if len(number) > 50:
        raise RecordRefused("number", "number longer than 50 characters")
    if record.kind not in _KINDS:
        raise RecordRefused("kind", f"unknown kind “{record.kind[:40]}”")
    if record.status not in _STATUSES:
        raise RecordRefused("status", f"unknown status “{record.status[:40]}”")
    if record.mark_feature and record.mark_feature not in _MARK_FEATURES:
        raise RecordRefused("mark_feature", f"unknown mark feature “{record.mark_feature[:40]}”")
    for name, limit in _LIMITS.items():
        if len(getattr(record, name)) > limit:
            raise RecordRefused(name, f"longer than {limit} characters")
    for role, attribute in _PARTY_ROLES:
        for party in getattr(record, attribute):
            if not party.name.strip():
                raise RecordRefused(attribute, "a party without a name")
            if len(party.name) > 500:
                raise RecordRefused(attribute, f"{role} name longer than 500 characters")
    for goods in record.goods:
        if goods.scheme not in _SCHEMES or not goods.class_number or len(goods.class_number) > 8:
            raise RecordRefused("classes", f"class “{goods.class_number[:10]}” not understood")
    application_number = clean_number(record.application_number)
    registration_number = clean_number(record.registration_number)[:50]
    if (
        office == record.office
        and number == record.number
        and application_number == record.application_number
        and registration_number == record.registration_number
    ):
        return record
    return replace(
        record,
        office=office,
        number=number,
        application_number=application_number,
        registration_number=registration_number,
    )


_PartyRow = tuple[str, int, str, str, str, str]
_GoodsRow = tuple[str, str, str]


def _party_rows(record: RightRecord) -> list[_PartyRow]:
    return [
        (role, position, p.name.strip(), p.address, p.country.upper()[:2], p.email.strip().lower()[:254])
        for role, attribute in _ROLE_VALUES
        for position, p in enumerate(getattr(record, attribute))
    ]


def _goods_rows(record: RightRecord) -> list[_GoodsRow]:
    return sorted((g.scheme, g.class_number, g.description) for g in record.goods)


_FIELD_VALUES = attrgetter(*_FIELDS)
_LISTS = tuple(position for position, name in enumerate(_FIELDS) if name in _LIST_FIELDS)
_STATUS, _EXPIRY_DATE, _VERBAL_ELEMENT = (_FIELDS.index(name) for name in ("status", "expiry_date", "verbal_element"))


def _values(record: RightRecord) -> list[Any]:
    """The record's ``_FIELDS`` as the database gives them back (lists for the JSON lists)."""
    values = list(_FIELD_VALUES(record))
    for position in _LISTS:
        values[position] = list(values[position])
    return values


@dataclass(frozen=True)
class _State:
    """What the change history compares."""

    owners: list[str]
    status: str
    representatives: list[str]
    contacts: list[str]
    expiry_date: str | None
    classes: list[str]
    verbal_element: str


_CONTACT_ROLES = frozenset({PartyRole.OWNER, PartyRole.REPRESENTATIVE, PartyRole.CORRESPONDENT})


def _state(values: list[Any], parties: list[_PartyRow], goods: list[_GoodsRow]) -> _State:
    expiry: date | None = values[_EXPIRY_DATE]
    return _State(
        owners=[p[2] for p in sorted(parties) if p[0] == PartyRole.OWNER],
        status=values[_STATUS],
        representatives=[p[2] for p in sorted(parties) if p[0] == PartyRole.REPRESENTATIVE],
        contacts=sorted({p[5] for p in parties if p[0] in _CONTACT_ROLES and p[5]}),
        expiry_date=expiry.isoformat() if expiry else None,
        classes=sorted({g[1] for g in goods}, key=lambda c: (len(c), c)),
        verbal_element=values[_VERBAL_ELEMENT],
    )


_CHANGES = (
    (ChangeField.OWNER, "owners"),
    (ChangeField.STATUS, "status"),
    (ChangeField.REPRESENTATIVE, "representatives"),
    (ChangeField.CONTACT, "contacts"),
    (ChangeField.EXPIRY_DATE, "expiry_date"),
    (ChangeField.CLASSES, "classes"),
    (ChangeField.VERBAL_ELEMENT, "verbal_element"),
)


@dataclass
class Outcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0

    def add(self, other: Outcome) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _keys_query(records: Iterable[RightRecord]) -> Q:
    by_office: dict[str, list[str]] = {}
    for record in records:
        by_office.setdefault(record.office, []).append(record.number)
    query = Q()
    for office, numbers in by_office.items():
        query |= Q(office=office, number__in=numbers)
    return query


def rights_upsert(batch: ImportBatch, records: list[RightRecord]) -> Outcome:
    """Upsert cleaned records (no two with the same office and number) in the current transaction."""
    outcome = Outcome()
    if not records:
        return outcome
    now = timezone.now()
    existing: dict[tuple[str, str], tuple[int, list[Any]]] = {
        (office, number): (pk, values)
        for pk, office, number, *values in Right.objects.filter(_keys_query(records))
        .order_by()
        .values_list("pk", "office", "number", *_FIELDS)
    }
    parties: dict[int, list[_PartyRow]] = {}
    goods: dict[int, list[_GoodsRow]] = {}
    if existing:
        ids = [pk for pk, _values in existing.values()]
        for right_id, role, position, name, address, country, email in (
            RightParty.objects.filter(right_id__in=ids)
            .order_by()
            .values_list("right_id", "role", "position", "name", "address", "country", "email")
        ):
            parties.setdefault(right_id, []).append((role, position, name, address, country, email))
        for right_id, scheme, class_number, description in (
            RightGoods.objects.filter(right_id__in=ids)
            .order_by()
            .values_list("right_id", "scheme", "class_number", "description")
        ):
            goods.setdefault(right_id, []).append((scheme, class_number, description))

    new_rights: list[tuple[RightRecord, list[Any]]] = []
    changed: list[tuple[int, list[Any]]] = []
    replace_parties: list[tuple[int, RightRecord]] = []
    replace_goods: list[tuple[int, RightRecord]] = []
    history: list[RightChange] = []
    for record in records:
        found = existing.get((record.office, record.number))
        values = _values(record)
        if found is None:
            new_rights.append((record, values))
            continue
        pk, old_values = found
        old_parties = sorted(parties.get(pk, []))
        old_goods = sorted(goods.get(pk, []))
        new_parties = sorted(_party_rows(record))
        new_goods = _goods_rows(record)
        if old_values == values and old_parties == new_parties and old_goods == new_goods:
            outcome.unchanged += 1
            continue
        before, after = _state(old_values, old_parties, old_goods), _state(values, new_parties, new_goods)
        for change_field, attribute in _CHANGES:
            old, new = getattr(before, attribute), getattr(after, attribute)
            if old != new:
                history.append(
                    RightChange(
                        right_id=pk, batch=batch, field=change_field, old_value=old, new_value=new, changed_at=now
                    )
                )
        changed.append((pk, values))
        if old_parties != new_parties:
            replace_parties.append((pk, record))
        if old_goods != new_goods:
            replace_goods.append((pk, record))
        outcome.updated.append(pk)

    ops = connection.ops
    stored_now = Right._meta.get_field("updated_at").get_db_prep_save(now, connection=connection)
    if new_rights:
        _rows_insert(
            Right,
            ("office", "number", *_FIELDS, "source_batch_id", "created_at", "updated_at"),
            [
                (record.office, record.number, *_db_values(values, ops), batch.pk, stored_now, stored_now)
                for record, values in new_rights
            ],
        )
        created = {
            (office, number): pk
            for pk, office, number in Right.objects.filter(_keys_query(record for record, _values in new_rights))
            .order_by()
            .values_list("pk", "office", "number")
        }
        for record, _values_stored in new_rights:
            pk = created[(record.office, record.number)]
            replace_parties.append((pk, record))
            replace_goods.append((pk, record))
            outcome.created.append(pk)
    if changed:
        _rows_update(
            Right,
            (*_FIELDS, "source_batch_id", "updated_at"),
            [(*_db_values(values, ops), batch.pk, stored_now, pk) for pk, values in changed],
        )
    stale_parties = [pk for pk, _record in replace_parties if pk in parties]
    if stale_parties:
        RightParty.objects.filter(right_id__in=stale_parties).delete()
    stale_goods = [pk for pk, _record in replace_goods if pk in goods]
    if stale_goods:
        RightGoods.objects.filter(right_id__in=stale_goods).delete()
    _rows_insert(
        RightParty,
        ("right_id", "role", "position", "name", "address", "country", "email"),
        [(pk, *row) for pk, record in replace_parties for row in _party_rows(record)],
    )
    _rows_insert(
        RightGoods,
        ("right_id", "scheme", "class_number", "description"),
        [(pk, *row) for pk, record in replace_goods for row in _goods_rows(record)],
    )
    if history:
        RightChange.objects.bulk_create(history)
    return outcome


# Dates and JSON are the values the database driver needs converted (times are converted once per chunk); the
# others are plain text. The backend's own adapters are called, as the model fields would.
_FIELD_TYPES = {field.name: field for field in Right._meta.concrete_fields}
_DATES = tuple(position for position, name in enumerate(_FIELDS) if type(_FIELD_TYPES[name]) is models.DateField)
_JSON = tuple(
    (position, _FIELD_TYPES[name].encoder)  # type: ignore[attr-defined]
    for position, name in enumerate(_FIELDS)
    if isinstance(_FIELD_TYPES[name], models.JSONField)
)


def _db_values(values: list[Any], ops: Any) -> list[Any]:
    stored = list(values)
    for position in _DATES:
        if stored[position] is not None:
            stored[position] = ops.adapt_datefield_value(stored[position])
    for position, encoder in _JSON:
        if stored[position] is not None:
            stored[position] = ops.adapt_json_value(stored[position], encoder)
    return stored


def _rows_insert(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def _rows_update(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rows given as their new values in ``columns`` order, then the primary key."""
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    key = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", rows)  # noqa: S608
