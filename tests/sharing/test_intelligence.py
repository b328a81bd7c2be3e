"""Infringer intelligence: a marketplace records the identifiers of a seller it took measures against, kept only as
keyed hashes; another marketplace learns which of its own sellers match — through the page, the API, or the
command line that blinds them so they never leave its systems — and nothing else."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from ipbridge.accounts.audit import AuditAction
from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, TooManyRequests, ValidationFailed
from ipbridge.engine import intelclient, oprf
from ipbridge.engine.identifiers import identifier_input
from ipbridge.notices.services import appeal_decide, appeal_submit
from ipbridge.sharing import intelligence
from ipbridge.sharing.models import InfringerRecord, IntelligenceUsage
from tests.evidence.factories import CaseParties, case_between
from tests.factories import OrganisationFactory, api_key, member, verified_client

pytestmark = pytest.mark.django_db

PHONE = "+86 138 0013 8000"
LICENCE = "91440300MA5FXXXX1X"


@pytest.fixture
def recorded() -> CaseParties:
    """MegaMart took measures against Bright Deals and recorded its telephone and business licence."""
    parties = case_between(marketplace=OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="megamart"))
    intelligence.intelligence_record(
        actor=actor_for_system(parties.marketplace),
        case_id=parties.case.pk,
        identifiers=[("phone", PHONE), ("business_licence", LICENCE)],
    )
    return parties


def _other_marketplace() -> Any:
    return OrganisationFactory(kind=OrganisationKind.MARKETPLACE)


def test_only_keyed_hashes_are_stored_never_the_identifiers(recorded: CaseParties) -> None:
    records = list(InfringerRecord.objects.order_by("kind"))

    assert [(r.kind, r.case_id, r.contributed_by_id) for r in records] == [
        ("business_licence", recorded.case.pk, recorded.marketplace.pk),
        ("phone", recorded.case.pk, recorded.marketplace.pk),
    ]
    assert all(len(bytes(r.hash)) == 32 for r in records)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sharing_infringerrecord")
        dumped = repr(cursor.fetchall()).lower()
    for fragment in ("13800138000", "8613800138000", "91440300", "ma5f"):
        assert fragment not in dumped


def test_the_same_seller_recorded_twice_in_a_case_is_one_record(recorded: CaseParties) -> None:
    again = intelligence.intelligence_record(
        actor=actor_for_system(recorded.marketplace),
        case_id=recorded.case.pk,
        identifiers=[("phone", "0086 138-0013-8000"), ("email", "Seller@Bright.example")],
    )

    assert again == 1
    assert InfringerRecord.objects.count() == 3


def test_another_marketplace_learns_which_of_its_sellers_match_and_nothing_else(recorded: CaseParties) -> None:
    bazaar = actor_for_system(_other_marketplace())

    found = intelligence.intelligence_match_identifiers(
        actor=bazaar,
        identifiers=[("phone", "not-a-match 139 0000 0000"), ("phone", "+86 (138) 0013-8000"), ("device", "ab:cd")],
    )

    assert [(m.position, m.kind, m.value, m.match.marketplaces, m.match.cases) for m in found] == [
        (1, "phone", "+86 (138) 0013-8000", 1, 1)
    ]
    event = AuditEvent.objects.get(action=AuditAction.INTELLIGENCE_MATCHED)
    assert event.details == {"checked": 3, "matched": 1}
    assert IntelligenceUsage.objects.get(organisation=bazaar.organisation).evaluations == 3


def test_a_blinded_evaluation_never_shows_the_instance_the_identifier(recorded: CaseParties) -> None:
    bazaar = actor_for_system(_other_marketplace())
    data = identifier_input("business_licence", LICENCE.lower())
    blind, blinded = oprf.blind(data)

    [evaluated] = intelligence.intelligence_evaluate(actor=bazaar, blinded=[blinded])
    finished = oprf.finalize(data, blind, evaluated)
    [match] = intelligence.intelligence_match(actor=bazaar, hashes_=[finished, b"\x00" * 32])

    assert data not in blinded
    assert (match.hash, match.kind) == (finished, "business_licence")


@pytest.mark.parametrize(
    ("identifiers", "code", "field"),
    [
        ([], "required", "identifiers"),
        ([("passport", "X1")], "invalid_choice", "identifiers[0].kind"),
        ([("phone", PHONE), ("phone", "n/a")], "not_identifying", "identifiers[1].value"),
    ],
)
def test_bad_identifiers_are_refused_naming_the_line(
    recorded: CaseParties, identifiers: list[tuple[str, str]], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        intelligence.intelligence_record(
            actor=actor_for_system(recorded.marketplace), case_id=recorded.case.pk, identifiers=identifiers
        )

    assert (refused.value.code, refused.value.field) == (code, field)
    assert InfringerRecord.objects.count() == 2


def test_only_the_marketplace_of_a_case_with_measures_records_its_seller(recorded: CaseParties) -> None:
    with pytest.raises(NotFound):
        intelligence.intelligence_record(
            actor=actor_for_system(_other_marketplace()), case_id=recorded.case.pk, identifiers=[("phone", PHONE)]
        )
    with pytest.raises(PermissionDenied):
        intelligence.intelligence_record(
            actor=actor_for_system(recorded.sender), case_id=recorded.case.pk, identifiers=[("phone", PHONE)]
        )
    rejected = case_between(marketplace=_other_marketplace(), number="018000002")
    rejected.case.items.update(status="rejected")
    with pytest.raises(Conflict) as refused:
        intelligence.intelligence_record(
            actor=actor_for_system(rejected.marketplace), case_id=rejected.case.pk, identifiers=[("phone", PHONE)]
        )
    assert refused.value.code == "no_measures"
    assert InfringerRecord.objects.count() == 2


def test_a_successful_appeal_against_the_measures_removes_the_records(recorded: CaseParties) -> None:
    appeal = appeal_submit(
        actor=actor_for_system(recorded.merchant), case_id=recorded.case.pk, grounds="Genuine goods from a distributor."
    )

    appeal_decide(
        actor=actor_for_system(recorded.marketplace), appeal_id=appeal.pk, outcome="overturned", reason="Invoice shown."
    )

    assert InfringerRecord.objects.count() == 0
    event = AuditEvent.objects.get(action=AuditAction.INTELLIGENCE_WITHDRAWN)
    assert event.details == {"removed": 2, "reason": f"appeal {appeal.pk} against the measures overturned"}


def test_records_past_their_retention_no_longer_match_and_are_purged(recorded: CaseParties, settings: Any) -> None:
    InfringerRecord.objects.update(expires_at="2020-01-01T00:00:00Z")
    bazaar = actor_for_system(_other_marketplace())

    assert intelligence.intelligence_match_identifiers(actor=bazaar, identifiers=[("phone", PHONE)]) == []
    assert intelligence.intelligence_purge() == 2
    assert InfringerRecord.objects.count() == 0


def test_past_its_daily_allowance_a_marketplace_is_refused_and_nothing_is_counted(
    recorded: CaseParties, settings: Any
) -> None:
    settings.INTELLIGENCE_EVALUATIONS_PER_DAY = 3
    bazaar = actor_for_system(_other_marketplace())
    intelligence.intelligence_match_identifiers(actor=bazaar, identifiers=[("phone", PHONE), ("phone", "1")])

    with pytest.raises(TooManyRequests) as refused:
        intelligence.intelligence_match_identifiers(actor=bazaar, identifiers=[("phone", "2"), ("phone", "3")])

    assert refused.value.code == "daily_allowance_used"
    assert IntelligenceUsage.objects.get(organisation=bazaar.organisation).evaluations == 2


def test_the_contributor_takes_a_record_back(recorded: CaseParties) -> None:
    record = InfringerRecord.objects.get(kind="phone")
    with pytest.raises(NotFound):
        intelligence.intelligence_withdraw(actor=actor_for_system(_other_marketplace()), record_id=record.pk)

    intelligence.intelligence_withdraw(actor=actor_for_system(recorded.marketplace), record_id=record.pk)

    assert list(InfringerRecord.objects.values_list("kind", flat=True)) == ["business_licence"]


# The API -------------------------------------------------------------------------------------------------------


def _keyed(organisation: Any, scopes: list[str]) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, scopes)}")


def test_the_api_records_evaluates_and_matches(recorded: CaseParties) -> None:
    bazaar = _other_marketplace()
    client = _keyed(bazaar, ["sharing:read"])
    data = identifier_input("phone", PHONE)
    blind, blinded = oprf.blind(data)

    evaluated = client.post(
        "/api/v1/intelligence/evaluate",
        {"blinded": [base64.b64encode(blinded).decode()]},
        content_type="application/json",
    )
    assert evaluated.status_code == 200
    finished = oprf.finalize(data, blind, base64.b64decode(evaluated.json()["evaluated"][0]))
    matched = client.post(
        "/api/v1/intelligence/match", {"hashes": [finished.hex(), "00" * 32]}, content_type="application/json"
    )

    assert matched.status_code == 200
    [entry] = matched.json()
    assert {k: entry[k] for k in ("hash", "kind", "marketplaces", "cases")} == {
        "hash": finished.hex(),
        "kind": "phone",
        "marketplaces": 1,
        "cases": 1,
    }


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "field"),
    [
        ("/api/v1/intelligence/evaluate", {"blinded": ["not base64!"]}, 422, "invalid_encoding", "blinded[0]"),
        (
            "/api/v1/intelligence/evaluate",
            {"blinded": [base64.b64encode(bytes(32)).decode()]},
            422,
            "invalid_element",
            "blinded[0]",
        ),
        ("/api/v1/intelligence/match", {"hashes": ["zz"]}, 422, "invalid_encoding", "hashes[0]"),
        ("/api/v1/intelligence/match", {"hashes": ["00" * 31]}, 422, "invalid_hash", "hashes[0]"),
    ],
)
def test_the_api_refuses_what_is_not_an_element_or_a_hash(
    recorded: CaseParties, path: str, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    answer = _keyed(_other_marketplace(), ["sharing:read"]).post(path, body, content_type="application/json")

    assert answer.status_code == status
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == (code, field)
    assert IntelligenceUsage.objects.count() == 0


def test_the_api_record_and_withdraw(recorded: CaseParties) -> None:
    client = _keyed(recorded.marketplace, ["sharing:read", "sharing:write", "notices:read"])

    created = client.post(
        "/api/v1/intelligence/records",
        {"case_id": recorded.case.pk, "identifiers": [{"kind": "payment_account", "value": "CN12 3456"}]},
        content_type="application/json",
    )
    listed = client.get("/api/v1/intelligence/records").json()

    assert created.status_code == 201
    assert created.json() == {"recorded": 1}
    assert [(r["kind"], r["case"]) for r in listed["items"]] == [
        ("payment_account", recorded.case.pk),
        ("business_licence", recorded.case.pk),
        ("phone", recorded.case.pk),
    ]
    assert "value" not in listed["items"][0]
    record = InfringerRecord.objects.get(kind="payment_account")
    assert client.delete(f"/api/v1/intelligence/records/{record.pk}").status_code == 204
    assert InfringerRecord.objects.filter(kind="payment_account").count() == 0


KINDS_ROLES = [(kind, role) for kind in OrganisationKind.values for role in (Role.ADMIN, Role.MEMBER, Role.REVIEWER)]


@pytest.mark.parametrize(("kind", "role"), KINDS_ROLES)
def test_every_kind_and_role_against_the_endpoints(recorded: CaseParties, kind: str, role: str) -> None:
    person = member(kind, role=role)
    client = verified_client(person.user)
    is_market = kind == OrganisationKind.MARKETPLACE
    writes = is_market and role != Role.REVIEWER
    data = identifier_input("phone", PHONE)
    _blind, blinded = oprf.blind(data)
    before = (InfringerRecord.objects.count(), IntelligenceUsage.objects.count())

    answers = {
        "evaluate": client.post(
            "/api/v1/intelligence/evaluate",
            {"blinded": [base64.b64encode(blinded).decode()]},
            content_type="application/json",
        ).status_code,
        "match": client.post(
            "/api/v1/intelligence/match", {"hashes": ["00" * 32]}, content_type="application/json"
        ).status_code,
        "records": client.get("/api/v1/intelligence/records").status_code,
        "record": client.post(
            "/api/v1/intelligence/records",
            {"case_id": recorded.case.pk, "identifiers": [{"kind": "phone", "value": "+1 555 0100"}]},
            content_type="application/json",
        ).status_code,
        "withdraw": client.delete(
            f"/api/v1/intelligence/records/{InfringerRecord.objects.first().pk}"  # type: ignore[union-attr]
        ).status_code,
        "page": client.get("/sharing/intelligence/").status_code,
    }

    reads = 200 if is_market or kind == OrganisationKind.OPERATOR else 403
    assert answers == {
        "evaluate": 200 if is_market else 403,
        "match": 200 if is_market else 403,
        "records": reads,
        # Its own case is not this marketplace's: a party it is not, so the case is not found.
        "record": 404 if writes else 403,
        "withdraw": 404 if writes else 403,
        "page": 200 if is_market or kind == OrganisationKind.OPERATOR else 403,
    }
    if not is_market:
        assert (InfringerRecord.objects.count(), IntelligenceUsage.objects.count()) == before


def test_anonymous_callers_are_refused() -> None:
    client = Client()
    assert (
        client.post("/api/v1/intelligence/match", {"hashes": ["00" * 32]}, content_type="application/json").status_code
        == 401
    )
    assert client.get("/sharing/intelligence/").status_code == 302


# The page and the command line ----------------------------------------------------------------------------------


def test_the_page_checks_pasted_identifiers_and_shows_only_the_matches(recorded: CaseParties) -> None:
    person = member(OrganisationKind.MARKETPLACE, role=Role.MEMBER)
    client = verified_client(person.user)

    page = client.post(
        "/sharing/intelligence/check/",
        {"identifiers": f"phone,{PHONE}\nphone,+44 20 7946 0000\nbusiness_licence,{LICENCE}"},
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "2 of 3 identifiers match recorded infringers" in html
    assert 'data-line="1"' in html
    assert 'data-line="3"' in html
    assert 'data-line="2"' not in html


def test_the_page_records_the_seller_of_a_case(recorded: CaseParties) -> None:
    person = member(OrganisationKind.MARKETPLACE, role=Role.ADMIN)
    parties = case_between(marketplace=person.organisation, number="018000003")
    client = verified_client(person.user)

    done = client.post("/sharing/intelligence/record/", {"case": parties.case.pk, "identifiers": "device,AA:BB:CC"})
    refused = client.post("/sharing/intelligence/record/", {"case": parties.case.pk, "identifiers": "passport,X"})

    assert done.status_code == 302
    assert InfringerRecord.objects.filter(case=parties.case).count() == 1
    assert refused.status_code == 422
    assert "the kind is one of" in refused.content.decode()


def test_the_page_speaks_chinese(recorded: CaseParties) -> None:
    person = member(OrganisationKind.MARKETPLACE, role=Role.MEMBER)
    client = verified_client(person.user)
    client.cookies["ipbridge_language"] = "zh-hans"

    assert "侵权人情报" in client.get("/sharing/intelligence/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_command_line_blinds_identifiers_and_prints_the_matches(live_server: Any, tmp_path: Path) -> None:
    parties = case_between(marketplace=OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="megamart"))
    intelligence.intelligence_record(
        actor=actor_for_system(parties.marketplace), case_id=parties.case.pk, identifiers=[("phone", PHONE)]
    )
    key = api_key(_other_marketplace(), ["sharing:read"])
    sellers = tmp_path / "sellers.csv"
    sellers.write_text(f"kind,value\nphone,+44 20 7946 0000\nphone,{PHONE}\n", encoding="utf-8")

    rows = intelclient.rows_read(sellers)
    matches = intelclient.match(rows, base_url=live_server.url, api_key=key)

    assert [(m.line, m.kind, m.value, m.marketplaces) for m in matches] == [(3, "phone", PHONE, 1)]
    with pytest.raises(intelclient.ClientError, match="refused"):
        intelclient.match(rows, base_url=live_server.url, api_key="ipb_wrong")


@pytest.mark.parametrize(
    ("kind", "scopes", "expected"),
    [
        # A marketplace's key: reading checks, writing records; without sharing scopes, neither.
        (OrganisationKind.MARKETPLACE, ["sharing:read"], {"match": 200, "records": 200, "record": 403}),
        (
            OrganisationKind.MARKETPLACE,
            ["sharing:read", "sharing:write", "notices:read"],
            {"match": 200, "records": 200, "record": 404},
        ),
        (
            OrganisationKind.MARKETPLACE,
            ["notices:read", "evidence:read"],
            {"match": 403, "records": 403, "record": 403},
        ),
        # Other kinds' keys, whatever their scopes: refused.
        (
            OrganisationKind.RIGHT_HOLDER,
            ["sharing:read", "sharing:write"],
            {"match": 403, "records": 403, "record": 403},
        ),
        (OrganisationKind.MERCHANT, ["sharing:read", "sharing:write"], {"match": 403, "records": 403, "record": 403}),
        (OrganisationKind.OPERATOR, ["sharing:read", "sharing:write"], {"match": 403, "records": 200, "record": 403}),
    ],
)
def test_api_keys_by_kind_and_scope(
    recorded: CaseParties, kind: str, scopes: list[str], expected: dict[str, int]
) -> None:
    client = _keyed(OrganisationFactory(kind=kind), scopes)
    before = InfringerRecord.objects.count()

    answers = {
        "match": client.post(
            "/api/v1/intelligence/match", {"hashes": ["00" * 32]}, content_type="application/json"
        ).status_code,
        "records": client.get("/api/v1/intelligence/records").status_code,
        "record": client.post(
            "/api/v1/intelligence/records",
            {"case_id": recorded.case.pk, "identifiers": [{"kind": "phone", "value": "+1 555 0100"}]},
            content_type="application/json",
        ).status_code,
    }

    assert answers == expected
    assert InfringerRecord.objects.count() == before
