"""Notice and action through the services: sending, duplicates, decisions with statements of reasons, the
counter-notice and the statutory window, withdrawal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Organisation
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from ipbridge.engine.statements import statement_problems
from ipbridge.identity import credentials
from ipbridge.notices import selectors, services
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, CaseStatus, ItemStatus, NoticeItem, StatementOfReasons
from tests.identity.factories import agent, mandate_given, right_holder
from tests.notices.factories import World, notice_fields, send, world

pytestmark = pytest.mark.django_db(transaction=True)


def error_of(call: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


def case_at(notice_id: int, marketplace: Organisation) -> Case:
    return Case.objects.get(notice_id=notice_id, marketplace=marketplace)


def decide_all(w: World, case: Case, measure: str = "delete", **changes: Any) -> Case:
    items = NoticeItem.objects.filter(case=case, status=ItemStatus.PENDING)
    fields: dict[str, Any] = {
        "actor": actor_for_system(case.marketplace),
        "case_id": case.pk,
        "decisions": [services.ItemDecision(i.pk, measure, "" if measure else "Genuine goods.") for i in items],
        "facts": "The listing shows the AURORA mark on lipsticks not made by the right holder.",
        "legal_ground": "Regulation (EU) 2017/1001 art. 9",
        "merchant_slug": w.merchant.organisation.slug,
        "territorial_scope": ["DE", "FR"],
    }
    return services.case_decide(**{**fields, **changes})


def statuses(notice_id: int) -> dict[str, str]:
    return {
        c.marketplace.slug: c.status for c in Case.objects.filter(notice_id=notice_id).select_related("marketplace")
    }


def test_a_complete_notice_becomes_one_delivered_case_per_marketplace() -> None:
    w = world()

    notice = send(w.organisation)

    assert statuses(notice.pk) == {"megamart": "delivered", "little-bazaar": "delivered"}
    assert [(i.marketplace.slug, i.locator, i.status) for i in NoticeItem.objects.filter(notice=notice)] == [
        ("megamart", "url:https://megamart.example/item/1", "pending"),
        ("megamart", "url:https://megamart.example/item/2", "pending"),
        ("little-bazaar", "id:LB-77", "pending"),
    ]
    assert [r.number for r in notice.rights.all()] == ["018000001"]
    assert AuditEvent.objects.filter(organisation=w.megamart, action="notice.received").count() == 1
    assert AuditEvent.objects.filter(organisation=w.organisation, action="notice.submitted").count() == 1


def test_an_incomplete_notice_is_refused_naming_every_gap() -> None:
    w = world()
    items = [ItemIn("megamart", "not a link"), ItemIn("megamart"), ItemIn("nowhere", "https://x.example/1")]

    refused = error_of(
        services.notice_submit,
        actor=actor_for_system(w.organisation),
        **notice_fields(items=items, explanation="fake", good_faith=False, notifier_email="me"),
    )

    assert refused.code == "incomplete"
    assert [(g["code"], g["field"]) for g in refused.details["gaps"]] == [
        ("marketplace", "items"),
        ("location", "items.1"),
        ("location", "items.2"),
        ("explanation", "explanation"),
        ("notifier_email", "notifier_email"),
        ("good_faith", "good_faith"),
    ]
    assert Case.objects.count() == 0


def test_a_right_not_authenticated_by_the_sender_is_a_gap() -> None:
    world()
    stranger = right_holder(name="Borealis Beauty Ltd").organisation

    gaps = services.notice_check(actor=actor_for_system(stranger), **notice_fields())

    assert [(g.code, str(g.label)) for g in gaps] == [
        ("ownership", "EM 018000001 is not among the right holder's authenticated rights.")
    ]


def test_an_agent_notifies_only_within_its_mandate_and_the_use_is_recorded() -> None:
    w = world()
    guard = agent(name="BrandGuard IP Services")
    acting = actor_for_system(guard)
    fields = notice_fields(on_behalf_of=w.organisation.slug)

    without = services.notice_check(actor=acting, **fields)
    mandate_given(w.organisation, guard, [w.right], marketplaces=("megamart",))
    partial = services.notice_check(actor=acting, **fields)
    notice = services.notice_submit(
        actor=acting,
        **notice_fields(
            on_behalf_of=w.organisation.slug, items=[ItemIn("megamart", "https://megamart.example/item/1")]
        ),
    )

    assert [g.code for g in without] == ["authorisation", "authorisation"]
    assert [str(g.label) for g in partial] == ["No mandate in force lets you notify Little Bazaar for EM 018000001."]
    assert (notice.sender, notice.principal, notice.mandate is not None) == (guard, w.organisation, True)
    assert AuditEvent.objects.filter(organisation=w.organisation, action="mandate.used").count() == 1


def test_a_listing_already_open_under_the_same_right_is_merged_not_sent_twice() -> None:
    w = world()
    first = send(w.organisation)

    second = send(
        w.organisation,
        items=[
            ItemIn("megamart", "HTTPS://MegaMart.example/item/1/?utm_source=mail#top"),
            ItemIn("megamart", "https://megamart.example/item/9"),
        ],
    )

    items = list(NoticeItem.objects.filter(notice=second).order_by("id"))
    assert [(i.status, i.case_id is None) for i in items] == [("merged", True), ("pending", False)]
    assert items[0].merged_into == NoticeItem.objects.get(notice=first, url="https://megamart.example/item/1")
    assert statuses(second.pk) == {"megamart": "delivered"}


def test_a_notice_whose_every_item_is_already_open_closes_at_once() -> None:
    w = world()
    send(w.organisation)

    again = send(w.organisation)

    assert statuses(again.pk) == {"megamart": "closed", "little-bazaar": "closed"}


def test_the_same_idempotency_key_gives_back_the_first_notice() -> None:
    w = world()

    first = send(w.organisation, idempotency_key="batch-2026-12-01")
    retry = send(w.organisation, idempotency_key="batch-2026-12-01")

    assert first.pk == retry.pk
    assert Case.objects.count() == 2


def test_a_verified_senders_credential_travels_with_the_notice() -> None:
    w = world()
    issued = credentials.credential_issue(actor=actor_for_system(w.organisation))

    notice = send(w.organisation)

    assert (notice.credential_jti, notice.credential_token) == (issued.jti, issued.token)


def test_measures_yield_statements_of_reasons_in_the_transparency_database_format() -> None:
    w = world()
    notice = send(w.organisation)
    case = case_at(notice.pk, w.megamart)

    decide_all(w, case, "delete")

    case.refresh_from_db()
    assert (case.status, case.merchant) == ("forwarded", w.merchant.organisation)
    bodies = [s.body for s in StatementOfReasons.objects.order_by("id")]
    assert len(bodies) == 2
    assert [statement_problems(body) for body in bodies] == [[], []]
    assert bodies[0]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert bodies[0]["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    assert bodies[0]["category_specification"] == ["KEYWORD_TRADEMARK_INFRINGEMENT"]
    assert bodies[0]["territorial_scope"] == ["DE", "FR"]
    assert bodies[0]["source_type"] == "SOURCE_ARTICLE_16"
    assert [e.status for e in selectors.case_timeline(case=case)] == ["delivered", "decided", "forwarded"]


def test_rejections_need_a_reason_and_a_wholly_rejected_case_closes() -> None:
    w = world()
    notice = send(w.organisation)
    case = case_at(notice.pk, w.megamart)
    item = NoticeItem.objects.filter(case=case).first()
    assert item is not None

    refused = error_of(
        services.case_decide,
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[services.ItemDecision(item.pk, "", "")],
        facts="Checked.",
        legal_ground="none",
    )
    decide_all(w, case, "")

    case.refresh_from_db()
    assert (refused.code, refused.field) == ("required", "decisions.1.reason")
    assert case.status == "closed"
    assert StatementOfReasons.objects.count() == 0


def test_a_decided_case_cannot_be_decided_again_and_only_its_marketplace_decides() -> None:
    w = world()
    notice = send(w.organisation)
    case = case_at(notice.pk, w.megamart)
    items = list(NoticeItem.objects.filter(case=case))

    other_marketplace = error_of(
        services.case_decide,
        actor=actor_for_system(w.bazaar),
        case_id=case.pk,
        decisions=[services.ItemDecision(items[0].pk, "delete")],
        facts="x",
        legal_ground="y",
    )
    decide_all(w, case)
    again = error_of(
        services.case_decide,
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[services.ItemDecision(items[0].pk, "block")],
        facts="x",
        legal_ground="y",
    )

    assert isinstance(other_marketplace, NotFound)
    assert isinstance(again, Conflict)
    assert again.code == "not_open_for_decision"


def test_without_a_complaint_in_the_window_the_measures_are_lifted() -> None:
    w = world()
    notice = send(w.organisation)
    case = decide_all(w, case_at(notice.pk, w.megamart))

    services.counter_notice_submit(
        actor=actor_for_system(w.merchant.organisation),
        case_id=case.pk,
        statement="These are genuine goods bought from the brand's distributor.",
        evidence=["https://bright.example/invoice-2026-11.pdf"],
    )
    case.refresh_from_db()
    due = case.lift_due_at
    assert due is not None
    early = services.cases_lift_due(now=due - timedelta(seconds=1))
    lifted = services.cases_lift_due(now=due + timedelta(seconds=1))

    case.refresh_from_db()
    assert (early, lifted) == (0, 1)
    assert round((due - case.counter_noticed_at).total_seconds() / 86400) == 15  # type: ignore[operator]
    assert case.status == "closed"
    assert set(NoticeItem.objects.filter(case=case).values_list("status", flat=True)) == {"restored"}
    assert [e.status for e in selectors.case_timeline(case=case)][-3:] == ["counter_noticed", "lifted", "closed"]


def test_a_complaint_shown_in_time_keeps_the_measures() -> None:
    w = world()
    notice = send(w.organisation)
    case = decide_all(w, case_at(notice.pk, w.megamart))
    services.counter_notice_submit(
        actor=actor_for_system(w.merchant.organisation), case_id=case.pk, statement="Genuine.", evidence=["invoice"]
    )

    services.case_complaint_file(
        actor=actor_for_system(w.organisation),
        case_id=case.pk,
        authority="深圳市市场监督管理局",
        reference="SZ-2026-118",
    )
    lifted = services.cases_lift_due(now=timezone.now() + timedelta(days=30))

    case.refresh_from_db()
    assert (lifted, case.status) == (0, "complaint_filed")
    assert set(NoticeItem.objects.filter(case=case).values_list("status", flat=True)) == {"acted"}


def test_a_counter_notice_needs_evidence_and_comes_only_from_the_merchant_forwarded_to() -> None:
    w = world()
    notice = send(w.organisation)
    case = decide_all(w, case_at(notice.pk, w.megamart))

    no_evidence = error_of(
        services.counter_notice_submit,
        actor=actor_for_system(w.merchant.organisation),
        case_id=case.pk,
        statement="Genuine.",
        evidence=[],
    )
    not_theirs = error_of(
        services.counter_notice_submit,
        actor=actor_for_system(w.organisation),
        case_id=case.pk,
        statement="Genuine.",
        evidence=["x"],
    )

    assert (no_evidence.code, no_evidence.field) == ("evidence_required", "evidence")
    assert isinstance(not_theirs, PermissionDenied)


def test_withdrawing_a_notice_ends_its_cases_and_lifts_its_measures() -> None:
    w = world()
    notice = send(w.organisation)
    decide_all(w, case_at(notice.pk, w.megamart))

    services.notice_withdraw(actor=actor_for_system(w.organisation), notice_id=notice.pk, reason="Settled.")

    assert statuses(notice.pk) == {"megamart": "withdrawn", "little-bazaar": "withdrawn"}
    assert sorted(NoticeItem.objects.filter(notice=notice).values_list("status", flat=True)) == [
        "restored",
        "restored",
        "withdrawn",
    ]


def test_each_side_sees_only_its_cases() -> None:
    w = world()
    notice = send(w.organisation)
    megamart_case = case_at(notice.pk, w.megamart)
    decide_all(w, megamart_case)

    seen = {
        name: sorted(c.marketplace.slug for c in selectors.cases_visible(actor=actor_for_system(org)))
        for name, org in (
            ("holder", w.organisation),
            ("megamart", w.megamart),
            ("bazaar", w.bazaar),
            ("merchant", w.merchant.organisation),
        )
    }

    assert seen == {
        "holder": ["little-bazaar", "megamart"],
        "megamart": ["megamart"],
        "bazaar": ["little-bazaar"],
        "merchant": ["megamart"],
    }


def test_ten_thousand_items_go_in_one_notice() -> None:
    w = world()
    items = [ItemIn("megamart", f"https://megamart.example/item/{n}") for n in range(10_000)]

    notice = send(w.organisation, items=items)

    assert NoticeItem.objects.filter(notice=notice, status="pending").count() == 10_000
    assert notice.item_count == 10_000
    assert statuses(notice.pk) == {"megamart": CaseStatus.DELIVERED}
