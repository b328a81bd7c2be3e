"""Sending a notice in few statements, leaving the records it always left: its cases delivered in the notice's
own transaction with the timeline, audit rows and webhook deliveries the dispatch job wrote after it, several
cases moved at once as one by one, and the trusted-flagger lane remembered between notices."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import Conflict
from ipbridge.notices import accuracy, services, webhooks
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, CaseEvent, CaseStatus, ItemStatus, Notice, NoticeItem, WebhookDelivery
from ipbridge.notices.services.cases import cases_move
from tests.factories import OrganisationFactory
from tests.notices.factories import World, send, world

pytestmark = pytest.mark.django_db(transaction=True)

# What sending a notice of three items on three marketplaces costs, BEGIN and COMMIT left out: 46 before the
# cases were delivered with the notice, the audit rows written together and the sender's lane remembered; two of
# them read the marketplaces' intake settings (their response times, and which of them take cases by e-mail).
STATEMENTS_PER_NOTICE = 19
# The first notice of a sender in a while counts its accuracy too.
STATEMENTS_FIRST_NOTICE = STATEMENTS_PER_NOTICE + 3


def third_marketplace() -> Organisation:
    return OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="zen-store", name="Zen Store")


def three_items(n: int) -> list[ItemIn]:
    return [
        ItemIn("megamart", f"https://megamart.example/item/{n}"),
        ItemIn("little-bazaar", listing_id=f"LB-{n}"),
        ItemIn("zen-store", f"https://zen-store.example/p/{n}"),
    ]


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements run, without those that open or end a transaction or a savepoint."""
    bounds = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(bounds)]


def endpoints(w: World) -> dict[str, int]:
    def add(organisation: Organisation, url: str, events: list[str]) -> int:
        endpoint, _secret = webhooks.webhook_endpoint_create(
            actor=actor_for_system(organisation), url=url, events=events
        )
        return endpoint.pk

    return {
        "megamart": add(w.megamart, "https://hooks.megamart.example/all", ["*"]),
        "bazaar": add(w.bazaar, "https://hooks.bazaar.example/in", ["case.delivered"]),
        "bazaar-decided": add(w.bazaar, "https://hooks.bazaar.example/decided", ["case.decided"]),
        "sender": add(w.organisation, "https://hooks.aurora.example/in", ["*"]),
    }


def records(notice: Notice) -> dict[str, Any]:
    """What delivering the notice's cases left, by marketplace, without ids and times."""
    cases = {c.pk: c.marketplace.slug for c in Case.objects.filter(notice=notice).select_related("marketplace")}
    return {
        "timeline": sorted(
            (cases[e.case_id], e.status, e.actor_label, e.organisation_id, e.note)
            for e in CaseEvent.objects.filter(case_id__in=cases)
        ),
        "audit": sorted(
            (
                cases[int(e.subject_id)],
                e.organisation.slug,
                e.actor_id,
                e.actor_label,
                e.ip,
                tuple(sorted(e.details.items())),
            )
            for e in AuditEvent.objects.filter(
                action="case.transition", subject_type="notices.case", subject_id__in=[str(pk) for pk in cases]
            ).select_related("organisation")
        ),
        "webhooks": sorted(
            (cases[d.payload["case"]["id"]], d.endpoint_id, d.event, d.payload["case"]["status"], d.next_attempt_at)
            for d in WebhookDelivery.objects.filter(payload__case__notice_id=notice.pk)
        ),
    }


def undated(found: dict[str, Any]) -> dict[str, Any]:
    return {**found, "webhooks": [row[:4] for row in found["webhooks"]]}


def test_a_notice_to_three_marketplaces_costs_few_statements() -> None:
    w = world()
    third_marketplace()
    send(w.organisation, items=three_items(0))

    with CaptureQueriesContext(connection) as queries:
        notice = send(w.organisation, items=three_items(1))

    assert len(statements(queries)) <= STATEMENTS_PER_NOTICE, "\n".join(statements(queries))
    assert Case.objects.filter(notice=notice, status=CaseStatus.DELIVERED).count() == 3


def test_the_first_notice_of_a_sender_counts_its_lane_once() -> None:
    w = world()
    third_marketplace()

    with CaptureQueriesContext(connection) as first:
        send(w.organisation, items=three_items(0))
    with CaptureQueriesContext(connection) as second:
        send(w.organisation, items=three_items(1))

    assert len(statements(first)) <= STATEMENTS_FIRST_NOTICE
    assert len(statements(second)) == len(statements(first)) - 3


def test_the_cases_are_delivered_as_the_notice_is_sent_with_every_record_of_a_delivery() -> None:
    w = world()
    third_marketplace()
    ids = endpoints(w)

    notice = send(w.organisation, items=three_items(1))

    cases = list(Case.objects.filter(notice=notice).select_related("marketplace").order_by("marketplace__name"))
    assert [(c.marketplace.slug, c.status) for c in cases] == [
        ("little-bazaar", "delivered"),
        ("megamart", "delivered"),
        ("zen-store", "delivered"),
    ]
    assert all(c.delivered_at is not None and c.delivered_at >= c.created_at for c in cases)
    found = records(notice)
    assert found["timeline"] == [
        ("little-bazaar", "delivered", "system", None, ""),
        ("megamart", "delivered", "system", None, ""),
        ("zen-store", "delivered", "system", None, ""),
    ]
    moved = (("from", "submitted"), ("note", ""), ("to", "delivered"))
    assert found["audit"] == sorted(
        (market, side, None, "system", None, moved)
        for market in ("little-bazaar", "megamart", "zen-store")
        for side in (market, w.organisation.slug)
    )
    assert undated(found)["webhooks"] == sorted(
        [
            ("little-bazaar", ids["bazaar"], "case.delivered", "delivered"),
            ("little-bazaar", ids["sender"], "case.delivered", "delivered"),
            ("megamart", ids["megamart"], "case.delivered", "delivered"),
            ("megamart", ids["sender"], "case.delivered", "delivered"),
            ("zen-store", ids["sender"], "case.delivered", "delivered"),
        ]
    )
    logged = AuditEvent.objects.filter(created_at__gte=notice.created_at).order_by("id")
    assert [(e.action, e.organisation.slug) for e in logged.select_related("organisation")] == [
        ("notice.submitted", w.organisation.slug),
        ("notice.received", "little-bazaar"),
        ("notice.received", "megamart"),
        ("notice.received", "zen-store"),
        ("case.transition", "little-bazaar"),
        ("case.transition", w.organisation.slug),
        ("case.transition", "megamart"),
        ("case.transition", w.organisation.slug),
        ("case.transition", "zen-store"),
        ("case.transition", w.organisation.slug),
    ]


def submitted_copy(notice: Notice) -> Notice:
    """The notice again, its cases waiting for delivery, as they were before they were delivered with it."""
    copy = Notice.objects.create(
        sender=notice.sender,
        principal=notice.principal,
        explanation=notice.explanation,
        good_faith=True,
        notifier_name=notice.notifier_name,
        notifier_email=notice.notifier_email,
        item_count=notice.item_count,
    )
    for case in Case.objects.filter(notice=notice):
        Case.objects.create(
            notice=copy, marketplace=case.marketplace, response_due_at=case.response_due_at, priority=case.priority
        )
    return copy


def test_delivering_with_the_notice_leaves_what_the_dispatch_job_left_case_by_case() -> None:
    w = world()
    third_marketplace()
    endpoints(w)
    notice = send(w.organisation, items=three_items(1))
    waiting = submitted_copy(notice)

    for case in Case.objects.filter(notice=waiting).order_by("pk"):
        services.case_deliver(case_id=case.pk)  # what the dispatch job did for each case, after the commit

    assert undated(records(notice)) == undated(records(waiting))
    assert (len(records(notice)["timeline"]), len(records(notice)["audit"]), len(records(notice)["webhooks"])) == (
        3,
        6,
        5,
    )


def test_the_dispatch_job_delivers_a_notice_queued_before_as_case_deliver_does() -> None:
    w = world()
    third_marketplace()
    endpoints(w)
    notice = send(w.organisation, items=three_items(1))
    one_by_one, at_once = submitted_copy(notice), submitted_copy(notice)
    for case in Case.objects.filter(notice=one_by_one).order_by("pk"):
        services.case_deliver(case_id=case.pk)

    services.notice_deliver(notice_id=at_once.pk)
    services.notice_deliver(notice_id=at_once.pk)  # run twice, as a retried job may be: nothing more

    assert undated(records(at_once)) == undated(records(one_by_one))
    assert Case.objects.filter(notice=at_once, status=CaseStatus.DELIVERED).count() == 3


def test_several_cases_moved_at_once_leave_what_moving_them_one_by_one_leaves() -> None:
    w = world()
    third_marketplace()
    endpoints(w)
    actor = actor_for_system(w.organisation)
    one_by_one = send(w.organisation, items=three_items(1))
    at_once = send(w.organisation, items=three_items(2))

    with transaction.atomic():
        for case in Case.objects.select_for_update().filter(notice=one_by_one).order_by("pk"):
            services.case_move(case, CaseStatus.WITHDRAWN, actor=actor, note="sent by mistake")
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update().select_related("notice__sender", "marketplace").filter(notice=at_once)
        )
        with CaptureQueriesContext(connection) as queries:
            moved = cases_move(cases, CaseStatus.WITHDRAWN, actor=actor, note="sent by mistake")

    assert undated(records(at_once)) == undated(records(one_by_one))
    assert [c.status for c in moved] == ["withdrawn"] * 3
    assert all(c.closed_at is not None for c in Case.objects.filter(notice=at_once))
    assert [e.note for e in CaseEvent.objects.filter(case__notice=at_once, status="withdrawn")] == [
        "sent by mistake"
    ] * 3
    # an update, the timeline, one look for endpoints, then for each case (the sender listens to all) its
    # endpoints and their deliveries, and the audit rows
    assert len(statements(queries)) == 1 + 1 + 1 + 3 * 2 + 1


def test_one_case_that_may_not_move_stops_them_all() -> None:
    w = world()
    notice = send(w.organisation)
    closed = Case.objects.get(notice=notice, marketplace=w.bazaar)
    services.case_close(actor=actor_for_system(w.bazaar), case_id=closed.pk)
    written = (CaseEvent.objects.count(), AuditEvent.objects.count())

    with pytest.raises(Conflict), transaction.atomic():
        cases_move(
            list(Case.objects.select_related("notice__sender", "marketplace").filter(notice=notice).order_by("pk")),
            CaseStatus.ACKNOWLEDGED,
            actor=actor_for_system(w.megamart),
        )

    assert dict(Case.objects.filter(notice=notice).values_list("marketplace__slug", "status")) == {
        "megamart": "delivered",
        "little-bazaar": "closed",
    }
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == written


def test_moving_no_case_costs_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert cases_move([], CaseStatus.DELIVERED, actor=None) == []

    assert queries.captured_queries == []


def test_a_case_delivered_on_its_own_takes_six_statements() -> None:
    w = world()
    waiting = submitted_copy(send(w.organisation))
    case = Case.objects.filter(notice=waiting).first()
    assert case is not None

    with CaptureQueriesContext(connection) as queries:
        services.case_deliver(case_id=case.pk)

    # the locked case with its notice, sender and marketplace; the update; the timeline; endpoints; both audit rows;
    # whether the marketplace takes cases by e-mail
    assert len(statements(queries)) == 6
    assert AuditEvent.objects.filter(action="case.transition", subject_id=str(case.pk)).count() == 2


# --- the trusted-flagger lane -------------------------------------------------------------------------------------


def decide(w: World, notice: Notice, measure: str) -> None:
    case = Case.objects.get(notice=notice, marketplace=w.megamart)
    services.case_decide(
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[
            services.ItemDecision(i.pk, measure, "" if measure else "Genuine.")
            for i in NoticeItem.objects.filter(case=case, status=ItemStatus.PENDING)
        ],
        facts="The AURORA mark on lipsticks not made by the right holder.",
        legal_ground="Regulation (EU) 2017/1001 art. 9",
    )


def megamart_items(n: int, count: int) -> list[ItemIn]:
    return [ItemIn("megamart", f"https://megamart.example/{n}/{k}") for k in range(count)]


def test_the_lane_is_counted_once_and_then_remembered() -> None:
    w = world()

    with CaptureQueriesContext(connection) as first:
        assert accuracy.trusted_flagger_cached(sender=w.organisation) is False
    with CaptureQueriesContext(connection) as again:
        assert accuracy.trusted_flagger_cached(sender=w.organisation) is False

    assert len(first.captured_queries) == 3
    assert again.captured_queries == []


def test_a_decision_that_moves_a_case_counts_from_the_next_notice_on() -> None:
    w = world()
    notice = send(w.organisation, items=megamart_items(1, 20))
    assert accuracy.trusted_flagger_cached(sender=w.organisation) is False

    decide(w, notice, "delete")

    assert accuracy.trusted_flagger_cached(sender=w.organisation) is True
    later = send(w.organisation, items=megamart_items(2, 1))
    assert Case.objects.get(notice=later).priority == 1


def test_a_withdrawal_forgets_the_lane_as_well() -> None:
    w = world()
    notice = send(w.organisation, items=megamart_items(1, 20))
    decide(w, notice, "delete")
    assert accuracy.trusted_flagger_cached(sender=w.organisation) is True

    services.notice_withdraw(actor=actor_for_system(w.organisation), notice_id=notice.pk)

    assert accuracy.trusted_flagger_cached(sender=w.organisation) is False


def test_an_item_decided_without_a_move_counts_once_the_lane_is_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    w = world()
    notice = send(w.organisation, items=megamart_items(1, 21))
    case = Case.objects.get(notice=notice)
    items = list(NoticeItem.objects.filter(case=case).order_by("id"))
    decide_some = [services.ItemDecision(i.pk, "delete") for i in items[:20]]
    common = {"facts": "The AURORA mark.", "legal_ground": "Regulation (EU) 2017/1001 art. 9"}
    services.case_decide(actor=actor_for_system(w.megamart), case_id=case.pk, decisions=decide_some[:1], **common)
    assert accuracy.trusted_flagger_cached(sender=w.organisation) is False

    # The case is acknowledged already: deciding more of its items, one still pending, moves it nowhere.
    services.case_decide(actor=actor_for_system(w.megamart), case_id=case.pk, decisions=decide_some[1:], **common)

    assert accuracy.trusted_flagger(sender=w.organisation) is True
    assert accuracy.trusted_flagger_cached(sender=w.organisation) is False
    cache.delete(f"notices:trusted-flagger:{w.organisation.pk}")  # as when LANE_CACHE_SECONDS have passed
    assert accuracy.trusted_flagger_cached(sender=w.organisation) is True


def test_a_lane_worked_out_while_a_change_was_uncommitted_is_forgotten_at_the_commit() -> None:
    w = world()
    key = f"notices:trusted-flagger:{w.organisation.pk}"

    with transaction.atomic():
        accuracy.trusted_flagger_forget(sender_id=w.organisation.pk)
        cache.set(key, True)  # another process, reading what was committed before this transaction
        assert cache.get(key) is True

    assert cache.get(key) is None
