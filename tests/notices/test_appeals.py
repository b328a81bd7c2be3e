"""Appeals against decisions (DSA art. 20): the merchant complains within six months; the marketplace decides,
saying why; overturned, the measures end at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError
from ipbridge.notices import selectors, services
from ipbridge.notices.models import Appeal, Case, NoticeItem
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


def test_only_the_merchant_appeals_once_at_a_time_and_within_six_months() -> None:
    w = world()
    case = forwarded(w)

    by_holder = error_of(services.appeal_submit, actor=actor_for_system(w.organisation), case_id=case.pk, grounds="no")
    appeal(w, case)
    twice = error_of(appeal, w=w, case=case)
    late_case = forwarded_late(w)
    late = error_of(appeal, w=w, case=late_case)

    assert by_holder.code == "not_merchant"
    assert twice.code == "appeal_open"
    assert late.code == "appeal_window_closed"


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
