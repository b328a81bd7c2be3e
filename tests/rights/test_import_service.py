"""Register imports: the upsert by (office, number), the change history, rejections and counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError

from ipbridge.accounts.models import AuditEvent, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import PermissionDenied, ValidationFailed
from ipbridge.rights import services
from ipbridge.rights.importers import reading
from ipbridge.rights.models import ImportBatch, ImportRejection, Right, RightChange
from ipbridge.rights.records import GoodsRecord, PartyRecord, RejectedRecord, RightRecord
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, params=["in_process", "parser_process"])
def reading_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every import test runs twice: the file parsed in the importing process, and in a second (forked) process
    that sends the records back in batches, as large files are."""
    if request.param == "parser_process":
        monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(reading, "_parallel_possible", lambda: True)  # also on a one-core machine
        monkeypatch.setattr(reading, "_BATCH", 2)  # several batches even for the small fixtures
    return str(request.param)


def run(name: str, format: str = "st66") -> ImportBatch:
    return services.rights_import_files(format=format, paths=[FIXTURES / name])


def counts(batch: ImportBatch) -> tuple[str, int, int, int, int, int]:
    batch.refresh_from_db()
    return (batch.status, batch.records_seen, batch.created, batch.updated, batch.unchanged, batch.rejected)


def parties(right: Right) -> list[tuple[str, int, str, str, str]]:
    return list(right.parties.order_by("role", "position").values_list("role", "position", "name", "country", "email"))


def changed_copy(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_first_import_stores_every_field_and_records_no_change() -> None:
    batch = run("em_st66.xml")

    assert counts(batch) == ("done", 3, 3, 0, 0, 0)
    assert batch.bytes_done == batch.bytes_total == (FIXTURES / "em_st66.xml").stat().st_size
    aurora = Right.objects.get(office="EM", number="018123456")
    assert (aurora.status, aurora.mark_feature, aurora.verbal_element, aurora.kind) == (
        "registered",
        "word",
        "AURORA",
        "trademark",
    )
    assert (aurora.filing_date, aurora.registration_date, aurora.expiry_date) == (
        date(2019, 9, 12),
        date(2020, 1, 24),
        date(2029, 9, 12),
    )
    assert aurora.source_batch_id == batch.pk
    assert parties(aurora) == [
        ("owner", 0, "Aurora Cosmetics SAS", "FR", "legal@aurora.example"),
        ("representative", 0, "Cabinet Lumière Conseils en propriété industrielle", "FR", "tm@lumiere-ip.example"),
    ]
    assert list(aurora.goods.values_list("scheme", "class_number", "description")) == [
        ("nice", "3", "Cosmetics; perfumes; soaps"),
        ("nice", "35", "Retail services in relation to cosmetics"),
    ]
    assert RightChange.objects.count() == 0
    assert list(AuditEvent.objects.order_by("id").values_list("action", "subject_id", "details")) == [
        (
            "rights.import_started",
            str(batch.pk),
            {"format": "st66", "source": "em_st66.xml", "bytes": batch.bytes_total},
        ),
        ("rights.import_finished", str(batch.pk), {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}),
    ]


def test_reimporting_the_same_file_changes_nothing() -> None:
    run("em_st66.xml")
    before = list(Right.objects.order_by("pk").values_list("pk", "updated_at", "source_batch_id"))

    again = run("em_st66.xml")

    assert counts(again) == ("done", 3, 0, 0, 3, 0)
    assert list(Right.objects.order_by("pk").values_list("pk", "updated_at", "source_batch_id")) == before
    assert RightChange.objects.count() == 0


def test_changed_owner_status_and_representative_email_are_kept_as_history(tmp_path: Path) -> None:
    first = run("wo_st66.xml")
    path = changed_copy(
        tmp_path,
        "wo_st66.xml",
        ("Boreal Brands Ltd", "Polaris Trading Ltd"),
        (
            "<tm:MarkCurrentStatusCode>Registered</tm:MarkCurrentStatusCode>\n            <tm:MarkFeature>Combined",
            "<tm:MarkCurrentStatusCode>Expired</tm:MarkCurrentStatusCode>\n            <tm:MarkFeature>Combined",
        ),
        ("madrid@marks-partners.example", "new-desk@marks-partners.example"),
    )

    second = services.rights_import_files(format="st66", paths=[path])

    assert counts(first)[2:] == (2, 0, 0, 2)
    assert counts(second) == ("done", 4, 0, 1, 1, 2)
    right = Right.objects.get(office="WO", number="1234567")
    assert right.status == "expired"
    assert right.source_batch_id == second.pk
    history = {
        change.field: (change.old_value, change.new_value, change.batch_id) for change in RightChange.objects.all()
    }
    assert history == {
        "owner": (["Boreal Brands Ltd"], ["Polaris Trading Ltd"], second.pk),
        "status": ("registered", "expired", second.pk),
        "contact": (
            ["brands@boreal.example", "madrid@marks-partners.example"],
            ["brands@boreal.example", "new-desk@marks-partners.example"],
            second.pk,
        ),
    }
    assert parties(right)[:2] == [
        ("former_owner", 0, "Nordlicht GmbH", "DE", ""),
        ("owner", 0, "Polaris Trading Ltd", "GB", "brands@boreal.example"),
    ]


def test_changed_classes_expiry_verbal_element_and_representative_name(tmp_path: Path) -> None:
    run("em_st66.xml")
    path = changed_copy(
        tmp_path,
        "em_st66.xml",
        ("<ExpiryDate>2029-09-12</ExpiryDate>", "<ExpiryDate>2039-09-12</ExpiryDate>"),
        (
            "<MarkVerbalElementText>AURORA</MarkVerbalElementText>",
            "<MarkVerbalElementText>AURORA PARIS</MarkVerbalElementText>",
        ),
        ("<ClassNumber>35</ClassNumber>", "<ClassNumber>44</ClassNumber>"),
        (
            "<FreeFormatNameLine>Cabinet Lumière</FreeFormatNameLine>",
            "<FreeFormatNameLine>Lumière IP</FreeFormatNameLine>",
        ),
    )

    batch = services.rights_import_files(format="st66", paths=[path])

    assert counts(batch)[2:] == (0, 1, 2, 0)
    history = {change.field: (change.old_value, change.new_value) for change in RightChange.objects.all()}
    assert history == {
        "expiry_date": ("2029-09-12", "2039-09-12"),
        "verbal_element": ("AURORA", "AURORA PARIS"),
        "classes": (["3", "35"], ["3", "44"]),
        "representative": (
            ["Cabinet Lumière Conseils en propriété industrielle"],
            ["Lumière IP Conseils en propriété industrielle"],
        ),
    }


def test_rejected_records_are_counted_and_stored_with_reasons() -> None:
    batch = run("wo_st66.xml")

    assert counts(batch) == ("done", 4, 2, 0, 0, 2)
    assert list(
        ImportRejection.objects.filter(batch=batch).values_list("position", "identifier", "field", "reason")
    ) == [
        (3, "WO 1400002", "status", "unknown status “Suspended by court order”"),
        (4, "WO", "number", "neither an application nor a registration number"),
    ]


def test_stored_rejections_are_capped_but_all_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_STORED_REJECTIONS", 1)

    batch = run("wo_st66.xml")

    assert counts(batch)[5] == 2
    assert ImportRejection.objects.filter(batch=batch).count() == 1


def test_a_failing_chunk_is_retried_record_by_record_and_only_the_bad_record_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = services._upsert

    def failing(batch: ImportBatch, records: list[RightRecord]) -> Any:
        if any(r.number == "018765432" for r in records):
            raise DatabaseError("value too long for type character varying(500)")
        return real(batch, records)

    monkeypatch.setattr(services, "_upsert", failing)

    batch = run("em_st66.xml")

    assert counts(batch) == ("done", 3, 2, 0, 0, 1)
    assert sorted(Right.objects.values_list("number", flat=True)) == ["004567890", "018123456"]
    assert list(ImportRejection.objects.values_list("position", "identifier", "reason")) == [
        (2, "EM 018765432", "not stored: value too long for type character varying(500)")
    ]


def test_hostile_file_fails_the_batch_with_a_clear_error_and_stores_nothing() -> None:
    batch = run("billion_laughs.xml")

    assert counts(batch) == ("failed", 0, 0, 0, 0, 0)
    assert "declares a DOCTYPE" in batch.error
    assert Right.objects.count() == 0
    assert AuditEvent.objects.filter(action="rights.import_failed", subject_id=str(batch.pk)).count() == 1


def test_a_batch_already_done_is_not_run_again() -> None:
    batch = run("em_st66.xml")
    Right.objects.all().delete()

    again = services.import_batch_run(batch_id=batch.pk, paths=[FIXTURES / "em_st66.xml"])

    assert (again.status, Right.objects.count()) == ("done", 0)


def test_the_same_right_twice_in_a_file_ends_with_the_later_record() -> None:
    owner = (PartyRecord(name="First Owner"),)
    records: list[RightRecord | RejectedRecord] = [
        RightRecord(office="CN", number="1 000", kind="trademark", status="filed", owners=owner),
        RightRecord(
            office="cn",
            number="1000",
            kind="trademark",
            status="registered",
            owners=(PartyRecord(name="Second Owner"),),
            goods=(GoodsRecord("9"),),
        ),
    ]

    batch = services.rights_import_records(records=records, source="test", format="synthetic")

    assert counts(batch) == ("done", 2, 1, 1, 0, 0)
    right = Right.objects.get()
    assert (right.office, right.number, right.status) == ("CN", "1000", "registered")
    assert [(c.field, c.old_value, c.new_value) for c in RightChange.objects.order_by("field")] == [
        ("classes", [], ["9"]),
        ("owner", ["First Owner"], ["Second Owner"]),
        ("status", "filed", "registered"),
    ]


def test_chunks_keep_progress_live(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "CHUNK_SIZE", 1)
    seen: list[tuple[int, int]] = []

    services.rights_import_files(
        format="st66",
        paths=[FIXTURES / "em_st66.xml"],
        on_progress=lambda batch: seen.append((batch.records_seen, batch.created)),
    )

    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_only_operators_with_write_permission_import() -> None:
    merchant = actor_for_system(OrganisationFactory(kind=OrganisationKind.MERCHANT))

    with pytest.raises(PermissionDenied):
        services.rights_import_files(actor=merchant, format="st66", paths=[FIXTURES / "em_st66.xml"])

    assert ImportBatch.objects.count() == 0


def test_unknown_format_and_missing_file_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as bad_format:
        services.rights_import_files(format="pdf", paths=[FIXTURES / "em_st66.xml"])
    with pytest.raises(ValidationFailed) as missing:
        services.rights_import_files(format="st66", paths=[tmp_path / "nope.xml"])

    assert (bad_format.value.field, missing.value.field) == ("format", "file")


def test_a_file_parsed_in_the_parser_process_arrives_in_batches_and_in_order(
    reading_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked = reading.FileRecords._forked
    used: list[Path] = []

    def spied(self: reading.FileRecords) -> Any:
        used.append(self.path)
        return forked(self)

    monkeypatch.setattr(reading.FileRecords, "_forked", spied)

    batch = run("wo_st66.xml")

    assert used == ([FIXTURES / "wo_st66.xml"] if reading_path == "parser_process" else [])
    assert counts(batch) == ("done", 4, 2, 0, 0, 2)
    assert list(ImportRejection.objects.filter(batch=batch).values_list("position", flat=True)) == [3, 4]
    assert batch.bytes_done == batch.bytes_total
