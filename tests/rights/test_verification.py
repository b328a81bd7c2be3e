from __future__ import annotations

from datetime import date

import pytest

from ipbridge.core.errors import ValidationFailed
from ipbridge.rights.selectors import right_verify
from ipbridge.rights.verification import claim_build
from tests.rights.factories import right

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


def checks(**claim: object) -> tuple[str, list[tuple[str, bool | None, str]]]:
    result = right_verify(claim=claim_build(on=TODAY, **claim))  # type: ignore[arg-type]
    return result.verdict, [(c.name, c.passed, c.detail) for c in result.checks]


def test_a_valid_claim_is_verified_with_every_check_explained() -> None:
    right(expiry_date=date(2029, 3, 1), classes={3: "Cosmetics", 25: "Clothing"}, territories=[])

    verdict, explained = checks(
        office="em", number=" 018000001 ", claimant="AURORA COSMETICS SA", nice_class=3, territory="de"
    )

    assert verdict == "verified"
    assert explained == [
        ("exists", True, "EM 018000001: AURORA."),
        ("in_force", True, "Status “Registered”, in force until 2029-03-01."),
        ("owner", True, "“AURORA COSMETICS SA” is the owner of record (Aurora Cosmetics S.A.)."),
        ("goods", True, "Class 3 is among its classes (3, 25)."),
        ("territory", True, "DE is covered by this EM right."),
    ]


def test_an_unknown_right_is_not_found() -> None:
    verdict, explained = checks(office="EM", number="999")

    assert verdict == "not_found"
    assert explained == [("exists", False, "No right “EM 999” in the register.")]


def test_a_former_owner_is_not_the_owner() -> None:
    right(
        owner="Lumina Electronics Co., Ltd.",
        former_owners=("Shenzhen Old Owner Trading Co., Ltd.",),
        expiry_date=date(2030, 1, 1),
    )

    verdict, explained = checks(office="EM", number="018000001", claimant="Shenzhen Old Owner Trading Co Ltd")

    assert verdict == "not_verified"
    assert explained[2] == (
        "owner",
        False,
        "“Shenzhen Old Owner Trading Co Ltd” is a former owner, not the owner of record "
        "(Lumina Electronics Co., Ltd.).",
    )


def test_chinese_and_english_forms_of_the_owner_match() -> None:
    right(owner="深圳流明电子有限公司 Lumina Electronics", expiry_date=date(2030, 1, 1))

    assert checks(office="EM", number="018000001", claimant="深圳流明电子有限公司")[0] == "verified"
    assert checks(office="EM", number="018000001", claimant="Lumina Electronics Co., Ltd.")[0] == "verified"
    assert checks(office="EM", number="018000001", claimant="Lumina Lighting Ltd")[0] == "not_verified"


@pytest.mark.parametrize(
    ("fields", "passed", "detail"),
    [
        ({"status": "expired"}, False, "Its status is “Expired”."),
        ({"expiry_date": date(2026, 1, 1)}, False, "It expired on 2026-01-01."),
        (
            {"office": "EM", "filing_date": date(2020, 5, 4)},
            True,
            "Status “Registered”; the register gives no expiry date, the office's 10-year term runs until 2030-05-04.",
        ),
        (
            {"office": "EM", "filing_date": date(2015, 5, 4)},
            False,
            "The register gives no expiry date; by the office's 10-year term the first term ended on 2025-05-04 and "
            "no renewal is recorded.",
        ),
        (
            {"office": "CN", "registration_date": date(2018, 7, 14)},
            True,
            "Status “Registered”; the register gives no expiry date, the office's 10-year term runs until 2028-07-14.",
        ),
        (
            {"kind": "copyright", "filing_date": None},
            None,
            "Status “Registered”, but the register gives no expiry date and none can be derived.",
        ),
    ],
)
def test_in_force_uses_status_expiry_and_the_offices_term_rules(
    fields: dict[str, object], passed: bool | None, detail: str
) -> None:
    office = str(fields.pop("office", "EM"))
    right(office=office, **fields)  # type: ignore[arg-type]

    verdict, explained = checks(office=office, number="018000001")

    assert explained[1] == ("in_force", passed, detail)
    assert verdict == ("verified" if passed else "not_verified")


def test_goods_in_words_are_mapped_to_classes() -> None:
    right(expiry_date=date(2030, 1, 1), classes={3: "Cosmetics", 25: "Clothing"})

    covered = checks(office="EM", number="018000001", goods="running shoes")[1][2]
    not_covered = checks(office="EM", number="018000001", goods="smartphone cases")[1][2]
    unknown = checks(office="EM", number="018000001", goods="zzqx vlorp")[1][2]

    assert covered == ("goods", True, "“running shoes” maps to class 25 (shoes), which it covers.")
    assert not_covered[:2] == ("goods", False)
    assert not_covered[2].startswith("“smartphone cases” maps to 9 (cases for smartphones)")
    assert not_covered[2].endswith("; it covers 3, 25.")
    assert unknown == ("goods", None, "“zzqx vlorp” could not be mapped to a Nice class.")


def test_territories_follow_the_office_and_designations() -> None:
    right(office="WO", number="1234567", territories=["CN", "US"], expiry_date=date(2030, 1, 1))

    assert checks(office="WO", number="1234567", territory="CN")[1][-1] == (
        "territory",
        True,
        "CN is covered by this WO right.",
    )
    assert checks(office="WO", number="1234567", territory="FR")[1][-1] == (
        "territory",
        False,
        "FR is not covered; it covers CN, US.",
    )


def test_a_claim_by_mark_text_prefers_the_claimants_right() -> None:
    right(number="1", owner="Someone Else Ltd", expiry_date=date(2030, 1, 1))
    right(number="2", owner="Aurora Cosmetics S.A.", expiry_date=date(2030, 1, 1))

    result = right_verify(claim=claim_build(mark="aurora", claimant="Aurora Cosmetics", on=TODAY))

    assert result.verdict == "verified"
    assert result.right is not None
    assert result.right.number == "2"


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        ({}, "office"),
        ({"office": "EM"}, "number"),
        ({"office": "E1", "number": "1"}, "office"),
        ({"mark": "x", "nice_class": 46}, "nice_class"),
        ({"mark": "x", "territory": "Germany"}, "territory"),
    ],
)
def test_bad_claims_name_the_field(claim: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        claim_build(**claim)  # type: ignore[arg-type]

    assert caught.value.field == field
