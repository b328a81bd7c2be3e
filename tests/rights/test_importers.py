"""The register parsers on hand-written files in the shapes real offices publish, and on hostile XML."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from ipbridge.engine import synthetic
from ipbridge.rights.importers import PARSERS, CountingStream, ImportFileError, xml
from ipbridge.rights.importers.common import RecordError, parse_date, right_status
from ipbridge.rights.records import GoodsRecord, PartyRecord, RejectedRecord, RightRecord
from ipbridge.rights.st66_writer import write_st66

FIXTURES = Path(__file__).parent / "fixtures"


def parsed(name: str, format: str) -> list[RightRecord | RejectedRecord]:
    with (FIXTURES / name).open("rb") as raw:
        return list(PARSERS[format](raw))


def by_number(records: list[RightRecord | RejectedRecord]) -> dict[str, RightRecord]:
    return {r.number: r for r in records if isinstance(r, RightRecord)}


def test_euipo_shape_word_mark_with_timezone_dates_classes_and_representative() -> None:
    records = by_number(parsed("em_st66.xml", "st66"))

    aurora = records["018123456"]
    assert (aurora.office, aurora.kind, aurora.status, aurora.mark_feature, aurora.verbal_element) == (
        "EM",
        "trademark",
        "registered",
        "word",
        "AURORA",
    )
    assert (aurora.application_number, aurora.registration_number) == ("018123456", "018123456")
    assert (aurora.filing_date, aurora.registration_date, aurora.expiry_date) == (
        date(2019, 9, 12),
        date(2020, 1, 24),
        date(2029, 9, 12),
    )
    assert aurora.owners == (
        PartyRecord(
            name="Aurora Cosmetics SAS",
            address="12 rue de la Paix, Paris, 75002",
            country="FR",
            email="legal@aurora.example",
        ),
    )
    assert aurora.former_owners == ()
    assert aurora.representatives == (
        PartyRecord(
            name="Cabinet Lumière Conseils en propriété industrielle",
            address="5 avenue de l'Opéra, 75001 Paris",
            country="FR",
            email="tm@lumiere-ip.example",
        ),
    )
    assert aurora.goods == (
        GoodsRecord(class_number="3", description="Cosmetics; perfumes; soaps"),
        GoodsRecord(class_number="35", description="Retail services in relation to cosmetics"),
    )


def test_euipo_shape_application_with_co_applicants_image_transliteration_and_correspondent() -> None:
    records = by_number(parsed("em_st66.xml", "st66"))

    jiguang = records["018765432"]
    assert (jiguang.status, jiguang.mark_feature, jiguang.verbal_element, jiguang.transliteration) == (
        "published",
        "figurative",
        "极光",
        "ji guang",
    )
    assert (jiguang.registration_number, jiguang.filing_date, jiguang.registration_date) == ("", date(1998, 8, 4), None)
    assert jiguang.images == ("018765432.jpg",)
    assert [(p.name, p.country) for p in jiguang.owners] == [
        ("Shenzhen Jiguang Apparel Co., Ltd.", "CN"),
        ("Wei Zhang", "CN"),
    ]
    assert jiguang.correspondents == (
        PartyRecord(name="Jiguang Legal Department", country="CN", email="ip@jiguang.example"),
    )
    assert jiguang.goods == (GoodsRecord(class_number="25", description="Clothing; footwear; headgear"),)
    cancelled = records["004567890"]
    assert (cancelled.status, cancelled.mark_feature, cancelled.filing_date, cancelled.expiry_date) == (
        "cancelled",
        "3-d",
        date(2005, 7, 1),
        date(2015, 7, 1),
    )


def test_madrid_shape_last_holder_is_the_owner_and_the_applicant_a_former_owner() -> None:
    records = parsed("wo_st66.xml", "st66")
    nordlicht = by_number(records)["1234567"]

    assert nordlicht.owners == (
        PartyRecord(
            name="Boreal Brands Ltd",
            address="1 King's Road, London SW3 4XX",
            country="GB",
            email="brands@boreal.example",
        ),
    )
    assert nordlicht.former_owners == (
        PartyRecord(name="Nordlicht GmbH", address="Lichtstraße 1, 10115 Berlin", country="DE"),
    )
    assert (nordlicht.status, nordlicht.mark_feature, nordlicht.verbal_element) == (
        "registered",
        "combined",
        "NORDLICHT",
    )
    assert (nordlicht.application_number, nordlicht.registration_date, nordlicht.expiry_date) == (
        "",
        date(2015, 3, 2),
        date(2025, 3, 2),
    )
    assert nordlicht.territories == ("CN", "US", "JP")
    assert [(r.name, r.email) for r in nordlicht.representatives] == [
        ("Marks & Partners LLP", "madrid@marks-partners.example")
    ]
    assert nordlicht.goods == (
        GoodsRecord(class_number="9", description="Lamps for photography"),
        GoodsRecord(class_number="11", description="Lighting apparatus"),
    )


def test_madrid_shape_recorded_transfer_makes_the_new_holder_the_owner() -> None:
    sound = by_number(parsed("wo_st66.xml", "st66"))["1300001"]

    assert [(p.name, p.country) for p in sound.owners] == [("Beta Audio AG", "AT")]
    assert [(p.name, p.country) for p in sound.former_owners] == [("Alpha Sons SA", "CH")]
    assert (sound.mark_feature, sound.territories, sound.goods) == ("sound", ("EM",), (GoodsRecord("41"),))


def test_madrid_shape_rejects_unknown_status_and_missing_number_and_goes_on() -> None:
    records = parsed("wo_st66.xml", "st66")

    assert [type(r).__name__ for r in records] == ["RightRecord", "RightRecord", "RejectedRecord", "RejectedRecord"]
    assert records[2:] == [
        RejectedRecord(
            position=3, identifier="WO 1400002", reason="unknown status “Suspended by court order”", field="status"
        ),
        RejectedRecord(
            position=4, identifier="WO", reason="neither an application nor a registration number", field="number"
        ),
    ]


def test_st96_shape_roles_numeric_status_and_nested_numbers() -> None:
    records = parsed("us_st96.xml", "st66")
    harbor = by_number(records)["6543210"]

    assert (harbor.office, harbor.application_number, harbor.status, harbor.mark_feature) == (
        "US",
        "97123456",
        "registered",
        "word",
    )
    assert (harbor.verbal_element, harbor.filing_date, harbor.registration_date) == (
        "HARBOR LIGHT",
        date(2021, 11, 3),
        date(2022, 10, 18),
    )
    assert harbor.owners == (
        PartyRecord(name="Lantern Group Ltd.", address="Toronto", country="CA", email="trademarks@lantern.example"),
    )
    assert [p.name for p in harbor.former_owners] == ["Harbor Light Apparel LLC", "HL Holdings Inc."]
    assert harbor.former_owners[0].address == "10 Pier Street, Portland, ME, 04101"
    assert harbor.correspondents == (PartyRecord(name="Dana Reyes", email="dreyes@reyes-law.example"),)
    assert harbor.goods == (GoodsRecord(class_number="25", description="T-shirts; hats"),)
    assert records[1] == RejectedRecord(
        position=2, identifier="US 98000001", reason="unknown status code “123” for office US", field="status"
    )


def test_st86_designs_take_the_application_owner_and_locarno_classes() -> None:
    records = parsed("em_st86.xml", "st86")

    first, second = records
    assert isinstance(first, RightRecord)
    assert isinstance(second, RightRecord)
    assert (first.office, first.number, first.kind, first.status, first.title) == (
        "EM",
        "008765432-0001",
        "design",
        "registered",
        "Perfume bottle",
    )
    assert (first.application_number, first.filing_date, first.registration_date, first.expiry_date) == (
        "008765432",
        date(2021, 4, 15),
        date(2021, 5, 3),
        date(2026, 4, 15),
    )
    assert first.images == ("008765432-0001.1.jpg", "008765432-0001.2.jpg")
    assert first.goods == (GoodsRecord(class_number="09-01", description="Bottles", scheme="locarno"),)
    assert first.owners == (PartyRecord(name="Aurora Cosmetics SAS", country="FR", email="designs@aurora.example"),)
    assert [(r.name, r.email) for r in first.representatives] == [("Cabinet Lumière", "ds@lumiere-ip.example")]
    assert (second.number, second.status, second.registration_number) == ("008765432-0002", "filed", "")
    assert second.goods == (GoodsRecord(class_number="09-07", description="Caps for bottles", scheme="locarno"),)
    assert second.owners == first.owners


def test_csv_rows_and_rejections() -> None:
    records = parsed("register.csv", "csv")

    cn = records[0]
    assert cn == RightRecord(
        office="CN",
        number="51234567",
        kind="trademark",
        status="registered",
        verbal_element="极光",
        filing_date=date(2020, 3, 1),
        registration_date=date(2021, 1, 7),
        expiry_date=date(2031, 1, 6),
        owners=(PartyRecord(name="Shenzhen Jiguang Apparel Co. Ltd.", country="CN"),),
        representatives=(PartyRecord(name="agent@jiguang-ip.example", email="agent@jiguang-ip.example"),),
        goods=(GoodsRecord("25"), GoodsRecord("35")),
    )
    lumen = records[1]
    assert isinstance(lumen, RightRecord)
    assert (lumen.status, lumen.territories, [g.class_number for g in lumen.goods]) == ("filed", ("EM",), ["9", "11"])
    design = records[2]
    assert isinstance(design, RightRecord)
    assert (design.kind, design.goods) == ("design", (GoodsRecord("09-01", scheme="locarno"),))
    assert records[3:] == [
        RejectedRecord(
            position=4, identifier="US 88888888", reason="“99” is not a Nice class (1–45)", field="nice_classes"
        ),
        RejectedRecord(
            position=5, identifier="US 77777777", reason="“2019-02-30” is not a valid date", field="filing_date"
        ),
    ]


def test_csv_without_the_documented_header_is_refused_naming_the_missing_columns() -> None:
    with pytest.raises(ImportFileError, match="lacks the column\\(s\\) kind, owner, nice_classes, status"):
        list(PARSERS["csv"](io.BytesIO(b"office,number,mark\nEM,1,A\n")))


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_hostile_xml_is_refused_without_expanding_anything(name: str) -> None:
    with pytest.raises(ImportFileError, match="declares a DOCTYPE") as refused:
        parsed(name, "st66")

    assert "root:" not in str(refused.value)
    assert "lol" not in str(refused.value)


def test_doctype_in_utf16_or_with_an_external_dtd_is_refused() -> None:
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a><TradeMark/></a>'.encode("utf-16")
    external = b'<!DOCTYPE a SYSTEM "http://attacker.example/a.dtd"><a><TradeMark/></a>'

    for data in (utf16, external):
        with pytest.raises(ImportFileError, match="declares a DOCTYPE"):
            list(PARSERS["st66"](io.BytesIO(data)))


def test_broken_xml_is_a_file_error_with_the_reason() -> None:
    with pytest.raises(ImportFileError, match="not well-formed XML"):
        list(PARSERS["st66"](io.BytesIO(b"<Transaction><TradeMark></Transaction>")))


def test_counting_stream_reports_every_byte_read() -> None:
    data = (FIXTURES / "em_st66.xml").read_bytes()
    stream = CountingStream(io.BytesIO(data))

    assert len(list(PARSERS["st66"](stream))) == 3
    assert stream.bytes_read == len(data)


def test_memory_stays_flat_elements_are_released_as_records_are_read() -> None:
    records = "".join(
        f"<TradeMark><RegistrationOfficeCode>EM</RegistrationOfficeCode><ApplicationNumber>{n}</ApplicationNumber>"
        "<MarkCurrentStatusCode>Filed</MarkCurrentStatusCode></TradeMark>"
        for n in range(1, 201)
    )
    data = f"<Transaction><Body><Details>{records}</Details></Body></Transaction>".encode()

    earlier = [
        len(list(element.itersiblings(preceding=True))) for element in xml.iter_records(io.BytesIO(data), ["TradeMark"])
    ]

    assert max(earlier) == 1  # only the record just before, already cleared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1998-08-04", date(1998, 8, 4)),
        ("1998-08-04-04:00", date(1998, 8, 4)),
        ("1998-08-04Z", date(1998, 8, 4)),
        ("1998-08-04+02:00", date(1998, 8, 4)),
        ("1998-08-04T23:30:00-04:00", date(1998, 8, 4)),
        ("19980804", date(1998, 8, 4)),
        ("", None),
    ],
)
def test_dates_keep_the_office_calendar_day(text: str, expected: date | None) -> None:
    assert parse_date(text, field="filing_date") == expected


@pytest.mark.parametrize(
    ("code", "office", "expected"),
    [
        ("Registered", "EM", "registered"),
        ("Application filed", "EM", "filed"),
        ("Registration cancelled", "EM", "cancelled"),
        ("Canceled", "US", "cancelled"),
        ("Ended", "WO", "expired"),
        ("Application opposed", "EM", "opposed"),
        ("Application refused", "EM", "refused"),
        ("Application withdrawn", "EM", "withdrawn"),
        ("Expired", "CN", "expired"),
        ("Published", "CN", "published"),
        ("700", "US", "registered"),
        ("602", "US", "withdrawn"),
        ("900", "US", "expired"),
    ],
)
def test_status_codes_map_onto_the_register(code: str, office: str, expected: str) -> None:
    assert right_status(code, office=office) == expected


@pytest.mark.parametrize(("code", "office"), [("700", "EM"), ("Zombie", "EM"), ("", "EM")])
def test_status_codes_not_understood_are_refused(code: str, office: str) -> None:
    with pytest.raises(RecordError):
        right_status(code, office=office)


def test_st66_writer_output_reads_back_field_for_field() -> None:
    rows = [
        {
            "office": "EM",
            "number": "018000001",
            "kind": "trademark",
            "mark": "R&D <ONE>",
            "owner": "Aurora & Co",
            "owner_country": "FR",
            "nice_classes": "3;25",
            "status": "registered",
            "filing_date": "2019-01-02",
            "registration_date": "2019-06-01",
            "expiry_date": "2029-01-02",
            "representative_email": "tm@agent.example",
        },
        {
            "office": "CN",
            "number": "60000002",
            "kind": "trademark",
            "mark": "极光",
            "owner_name": "深圳极光服饰有限公司",
            "owner_country": "CN",
            "nice_classes": [25],
            "status": "filed",
            "filing_date": "2024-02-29",
            "registration_date": None,
            "expiry_date": None,
            "representative_email": "",
        },
    ]
    out = io.BytesIO()

    assert write_st66(rows, out) == 2
    first, second = list(PARSERS["st66"](io.BytesIO(out.getvalue())))

    assert first == RightRecord(
        office="EM",
        number="018000001",
        kind="trademark",
        status="registered",
        application_number="018000001",
        registration_number="018000001",
        mark_feature="word",
        verbal_element="R&D <ONE>",
        filing_date=date(2019, 1, 2),
        registration_date=date(2019, 6, 1),
        expiry_date=date(2029, 1, 2),
        owners=(PartyRecord(name="Aurora & Co", country="FR"),),
        representatives=(PartyRecord(name="agent.example", email="tm@agent.example"),),
        goods=(
            GoodsRecord("3", "Goods and services of class 3"),
            GoodsRecord("25", "Goods and services of class 25"),
        ),
    )
    assert isinstance(second, RightRecord)
    assert (second.number, second.status, second.registration_number, second.owners) == (
        "60000002",
        "filed",
        "",
        (PartyRecord(name="深圳极光服饰有限公司", country="CN"),),
    )


def test_a_synthetic_register_written_as_st66_imports_without_rejections() -> None:
    rows = list(synthetic.records(200, seed=7))
    out = io.BytesIO()
    write_st66(rows, out)

    parsed_back = list(PARSERS["st66"](io.BytesIO(out.getvalue())))

    assert all(isinstance(r, RightRecord) for r in parsed_back)
    assert [(r.number, r.status, r.owners[0].name) for r in parsed_back if isinstance(r, RightRecord)] == [
        (row["number"], row["status"], row["owner_name"]) for row in rows
    ]
