"""Appeals against decisions (DSA art. 20), within six months: the merchant's against measures (overturned, the
measures end at once) and the sender's against rejections (overturned, the marketplace takes the measure it
names); the marketplace decides either, saying why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError
from ipbridge.notices import selectors, services
from ipbridge.notices.models import Appeal, Case, Decision, NoticeItem, StatementOfReasons
from tests.factories import api_key, verified_client
from tests.notices.factories import World, send, world
from tests.notices.test_workflow import case_at, decide_all

pytestmark = pytest.mark.django_db(transaction=True)


def error_of(call: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


def forwarded(w: World) -> Case:
    return decide_all(w, case_at(send(w.organisation).pk, w.megamart))


def appeal(w: World, case: Case) -> Appeal:
    return services.appeal_submit(
        actor=actor_for_system(w.merchant.organisation),
        case_id=case.pk,
        grounds="The goods are genuine: bought from Aurora's distributor.",
        evidence=["Invoice FV/2026/11/0192"],
    )


def test_an_overturned_decision_lifts_the_measures_and_closes_the_case() -> None:
    w = world()
    case = forwarded(w)
    lodged = appeal(w, case)

    services.appeal_decide(
        actor=actor_for_system(w.megamart), appeal_id=lodged.pk, outcome="overturned", reason="Invoice checked."
    )

    case.refresh_from_db()
    lodged.refresh_from_db()
    assert (lodged.status, lodged.reason, case.status) == ("overturned", "Invoice checked.", "closed")
    assert set(NoticeItem.objects.filter(case=case).values_list("status", flat=True)) == {"restored"}
    assert [e.status for e in selectors.case_timeline(case=case)][-2:] == ["lifted", "closed"]


def test_an_upheld_decision_keeps_the_measures() -> None:
    w = world()
    case = forwarded(w)
    lodged = appeal(w, case)

    services.appeal_decide(
        actor=actor_for_system(w.megamart), appeal_id=lodged.pk, outcome="upheld", reason="No proof of origin."
    )

    case.refresh_from_db()
    assert case.status == "forwarded"
    assert set(NoticeItem.objects.filter(case=case).values_list("status", flat=True)) == {"acted"}


def test_the_merchant_appeals_measures_once_at_a_time_and_within_six_months() -> None:
    w = world()
    case = forwarded(w)

    by_holder = error_of(services.appeal_submit, actor=actor_for_system(w.organisation), case_id=case.pk, grounds="no")
    by_marketplace = error_of(services.appeal_submit, actor=actor_for_system(w.megamart), case_id=case.pk, grounds="x")
    appeal(w, case)
    twice = error_of(appeal, w=w, case=case)
    late_case = forwarded_late(w)
    late = error_of(appeal, w=w, case=late_case)

    # The sender may appeal only against rejections, and nothing was rejected here.
    assert (by_holder.code, by_holder.status) == ("nothing_to_appeal", 409)
    assert (by_marketplace.code, by_marketplace.status) == ("not_a_party", 403)
    assert twice.code == "appeal_open"
    assert late.code == "appeal_window_closed"
    assert Appeal.objects.get(case=case).kind == "measures"


def forwarded_late(w: World) -> Case:
    from ipbridge.notices.completeness import ItemIn

    notice = send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/old")])
    case = decide_all(w, case_at(notice.pk, w.megamart))
    Case.objects.filter(pk=case.pk).update(decided_at=case.decided_at - timedelta(days=184))  # type: ignore[operator]
    case.refresh_from_db()
    return case


def test_only_the_marketplace_decides_an_appeal_and_says_why() -> None:
    w = world()
    lodged = appeal(w, forwarded(w))

    by_merchant = error_of(
        services.appeal_decide,
        actor=actor_for_system(w.merchant.organisation),
        appeal_id=lodged.pk,
        outcome="overturned",
        reason="mine",
    )
    without_reason = error_of(
        services.appeal_decide, actor=actor_for_system(w.megamart), appeal_id=lodged.pk, outcome="upheld", reason=""
    )

    assert by_merchant.code == "not_marketplace"
    assert (without_reason.code, without_reason.field) == ("required", "reason")
    lodged.refresh_from_db()
    assert lodged.status == "open"


def test_appeals_through_the_api() -> None:
    w = world()
    case = forwarded(w)
    merchant = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_key(w.merchant.organisation, ['notices:write', 'notices:read'])}"
    )
    shop = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.megamart, ['notices:write', 'notices:read'])}")

    lodged = merchant.post(
        f"/api/v1/cases/{case.pk}/appeals",
        {"grounds": "Genuine goods.", "evidence": ["invoice"]},
        content_type="application/json",
    )
    appeal_id = lodged.json()["appeals"][0]["id"]
    decided = shop.post(
        f"/api/v1/appeals/{appeal_id}/decision",
        {"outcome": "overturned", "reason": "Checked."},
        content_type="application/json",
    )

    assert lodged.status_code == 201
    assert decided.json()["status"] == "closed"
    assert decided.json()["appeals"][0]["status"] == "overturned"
    assert (
        merchant.post(
            f"/api/v1/appeals/{appeal_id}/decision",
            {"outcome": "upheld", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_appeals_through_the_pages() -> None:
    w = world()
    case = forwarded(w)
    merchant = verified_client(w.merchant.user)
    shop = verified_client(w.marketplace_person.user)

    assert 'id="appeal-form"' in merchant.get(f"/cases/{case.pk}/").content.decode()
    merchant.post(f"/cases/{case.pk}/appeal/", {"grounds": "Genuine goods.", "evidence": "Invoice 12"})
    lodged = Appeal.objects.get(case=case)
    page = shop.get(f"/cases/{case.pk}/").content.decode()
    answered = shop.post(
        f"/cases/{case.pk}/appeals/{lodged.pk}/decide/", {"outcome": "overturned", "reason": "Invoice checked."}
    )

    assert 'id="appeal-decision-form"' in page
    assert answered.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    assert "Invoice checked." in merchant.get(f"/cases/{case.pk}/").content.decode()


def rejected(w: World, **changes: Any) -> Case:
    return decide_all(w, case_at(send(w.organisation).pk, w.megamart), measure="", **changes)


def sender_appeal(w: World, case: Case) -> Appeal:
    return services.appeal_submit(
        actor=actor_for_system(w.organisation),
        case_id=case.pk,
        grounds="Our test purchase of the listing arrived as a counterfeit AURORA lipstick.",
        evidence=["Test purchase TP-2026-114"],
    )


def test_a_sender_appeals_a_rejection_and_when_overturned_the_measure_is_taken_and_the_case_goes_on() -> None:
    w = world()
    case = rejected(w)
    assert case.status == "closed"
    lodged = sender_appeal(w, case)

    services.appeal_decide(
        actor=actor_for_system(w.megamart),
        appeal_id=lodged.pk,
        outcome="overturned",
        reason="The test purchase shows a counterfeit.",
        measure="block",
    )

    case.refresh_from_db()
    lodged.refresh_from_db()
    items = NoticeItem.objects.filter(case=case)
    assert (lodged.kind, lodged.status, lodged.measure) == ("rejection", "overturned", "block")
    assert {(i.status, i.measure) for i in items} == {("acted", "block")}
    assert case.status == "forwarded"
    assert [e.status for e in selectors.case_timeline(case=case)][-3:] == ["closed", "decided", "forwarded"]
    # Each item now restricted has its statement of reasons, made by the new decision.
    statements = StatementOfReasons.objects.filter(item__case=case)
    assert sorted(statements.values_list("item_id", flat=True)) == sorted(items.values_list("pk", flat=True))
    assert {s.body["decision_visibility"][0] for s in statements} == {"DECISION_VISIBILITY_CONTENT_DISABLED"}
    assert {s.decision.facts for s in statements} == {
        f"Appeal {lodged.pk} by the notice's sender: The test purchase shows a counterfeit."
    }
    # The merchant can now answer with a counter-notice, as after any measure.
    services.counter_notice_submit(
        actor=actor_for_system(w.merchant.organisation), case_id=case.pk, statement="Genuine.", evidence=["inv"]
    )
    case.refresh_from_db()
    assert case.status == "counter_noticed"


def test_an_upheld_rejection_stays_and_the_sender_cannot_appeal_it_twice_or_late() -> None:
    w = world()
    case = rejected(w)
    lodged = sender_appeal(w, case)
    twice = error_of(sender_appeal, w=w, case=case)

    services.appeal_decide(
        actor=actor_for_system(w.megamart), appeal_id=lodged.pk, outcome="upheld", reason="No mark on the photos."
    )
    old = rejected(w)
    Decision.objects.filter(case=old).update(decided_at=timezone.now() - timedelta(days=184))
    late = error_of(sender_appeal, w=w, case=old)
    by_merchant = error_of(appeal, w=w, case=case)

    case.refresh_from_db()
    assert twice.code == "appeal_open"
    assert case.status == "closed"
    assert set(NoticeItem.objects.filter(case=case).values_list("status", flat=True)) == {"rejected"}
    assert late.code == "appeal_window_closed"
    assert by_merchant.code == "nothing_to_appeal"


def test_overturning_a_rejection_needs_a_measure_and_only_then() -> None:
    w = world()
    lodged = sender_appeal(w, rejected(w))
    merchant_appeal = appeal(w, forwarded(w))
    shop = actor_for_system(w.megamart)

    without = error_of(services.appeal_decide, actor=shop, appeal_id=lodged.pk, outcome="overturned", reason="ok")
    unknown = error_of(
        services.appeal_decide, actor=shop, appeal_id=lodged.pk, outcome="overturned", reason="ok", measure="burn"
    )
    on_measures = error_of(
        services.appeal_decide,
        actor=shop,
        appeal_id=merchant_appeal.pk,
        outcome="overturned",
        reason="ok",
        measure="delete",
    )

    assert (without.field, unknown.field) == ("measure", "measure")
    assert (on_measures.code, on_measures.field) == ("measure_not_expected", "measure")
    assert set(Appeal.objects.values_list("status", flat=True)) == {"open"}


def test_a_partly_rejected_case_gets_the_measure_on_its_rejected_items_only() -> None:
    w = world()
    case = case_at(send(w.organisation).pk, w.megamart)
    first, second = NoticeItem.objects.filter(case=case).order_by("id")
    services.case_decide(
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[services.ItemDecision(first.pk, "delete"), services.ItemDecision(second.pk, "", "Not our mark.")],
        facts="facts",
        legal_ground="ground",
        merchant_slug=w.merchant.organisation.slug,
    )
    lodged = sender_appeal(w, case)

    services.appeal_decide(
        actor=actor_for_system(w.megamart), appeal_id=lodged.pk, outcome="overturned", reason="It is.", measure="block"
    )

    case.refresh_from_db()
    assert case.status == "forwarded"
    assert dict(NoticeItem.objects.filter(case=case).values_list("pk", "measure")) == {
        first.pk: "delete",
        second.pk: "block",
    }
    assert selectors.case_timeline(case=case).last().note == f"appeal {lodged.pk} of the sender upheld: It is."


def test_sender_appeals_through_the_api_and_the_pages() -> None:
    w = world()
    case = rejected(w)
    holder = verified_client(w.holder.user)
    shop = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.megamart, ['notices:write', 'notices:read'])}")

    page = holder.get(f"/cases/{case.pk}/").content.decode()
    holder.post(f"/cases/{case.pk}/appeal/", {"grounds": "It is a fake.", "evidence": "Test purchase TP-1"})
    lodged = Appeal.objects.get(case=case)
    decided = shop.post(
        f"/api/v1/appeals/{lodged.pk}/decision",
        {"outcome": "overturned", "reason": "Checked.", "measure": "delete"},
        content_type="application/json",
    )

    assert 'id="appeal-form"' in page
    assert decided.status_code == 200
    body = decided.json()
    assert body["status"] == "forwarded"
    assert body["appeals"][0] | {"submitted_at": None, "decided_at": None} == {
        "id": lodged.pk,
        "kind": "rejection",
        "appellant": w.organisation.slug,
        "grounds": "It is a fake.",
        "evidence": ["Test purchase TP-1"],
        "status": "overturned",
        "submitted_at": None,
        "decided_at": None,
        "reason": "Checked.",
        "measure": "delete",
    }
    assert {i["measure"] for i in body["items"]} == {"delete"}
