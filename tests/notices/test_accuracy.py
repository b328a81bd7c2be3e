"""Accuracy of senders and the trusted-flagger lane (DSA art. 22)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.notices import services
from ipbridge.notices.accuracy import accuracy_of, trusted_flagger
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, NoticeItem
from tests.factories import api_key, member, verified_client
from tests.notices.factories import World, send, world

pytestmark = pytest.mark.django_db(transaction=True)


def decided_notice(w: World, n: int, measures: list[str], *, counter: bool = False) -> Case:
    """A notice of len(measures) items at MegaMart, decided with these measures ("" rejects)."""
    notice = send(
        w.organisation, items=[ItemIn("megamart", f"https://megamart.example/{n}/{k}") for k in range(len(measures))]
    )
    case = Case.objects.get(notice=notice)
    items = list(NoticeItem.objects.filter(case=case).order_by("id"))
    services.case_decide(
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[
            services.ItemDecision(i.pk, m, "" if m else "Genuine.") for i, m in zip(items, measures, strict=True)
        ],
        facts="facts",
        legal_ground="ground",
        merchant_slug=w.merchant.organisation.slug,
    )
    if counter:
        services.counter_notice_submit(
            actor=actor_for_system(w.merchant.organisation), case_id=case.pk, statement="Genuine.", evidence=["x"]
        )
    return case


def test_the_rates_count_decided_items_and_cases_with_measures() -> None:
    w = world()
    decided_notice(w, 1, ["delete", "delete", "delete", ""])
    lifted = decided_notice(w, 2, ["block", "block"], counter=True)
    services.cases_lift_due(now=timezone.now() + timedelta(days=16))

    figures = accuracy_of(sender=w.organisation)

    lifted.refresh_from_db()
    assert lifted.status == "closed"
    assert (
        figures.items_decided,
        figures.items_taken_down,
        figures.cases_with_measures,
        figures.cases_counter_noticed,
        figures.items_overturned,
    ) == (6, 5, 2, 1, 2)
    assert (figures.takedown_rate, figures.counter_notice_rate, figures.overturned_rate) == (5 / 6, 0.5, 0.4)


def test_a_withdrawn_notice_counts_for_nothing() -> None:
    w = world()
    case = decided_notice(w, 1, ["delete", "delete"])
    services.notice_withdraw(actor=actor_for_system(w.organisation), notice_id=case.notice_id)

    assert accuracy_of(sender=w.organisation).items_decided == 0


def test_an_accurate_sender_gets_the_trusted_lane_and_its_cases_go_first() -> None:
    w = world()
    earlier = send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/earlier")])
    for n in range(4):
        decided_notice(w, n, ["delete"] * 5)
    assert trusted_flagger(sender=w.organisation) is True
    before_the_lane = Case.objects.get(notice=earlier)

    trusted = send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/later")])

    case = Case.objects.get(notice=trusted)
    assert case.priority == 1
    inbox = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.megamart, ['notices:read'])}").get(
        "/api/v1/cases?status=delivered"
    )
    assert [c["id"] for c in inbox.json()["items"]][:2] == [case.pk, before_the_lane.pk]


def test_counter_notices_above_five_percent_keep_a_sender_out_of_the_lane() -> None:
    w = world()
    for n in range(19):
        decided_notice(w, n, ["delete"], counter=n == 0)

    figures = accuracy_of(sender=w.organisation)

    assert (figures.items_decided, figures.counter_notice_rate) == (19, 1 / 19)
    assert trusted_flagger(sender=w.organisation) is False  # 19 < 20 items, and 5.3 % > 5 %


def test_the_sender_and_the_marketplace_each_see_their_side_of_the_figures() -> None:
    w = world()
    decided_notice(w, 1, ["delete", ""])

    as_sender = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.organisation, ['notices:read'])}").get(
        "/api/v1/notices/accuracy"
    )
    as_marketplace = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.megamart, ['notices:read'])}").get(
        "/api/v1/notices/accuracy"
    )

    sender, marketplace = as_sender.json(), as_marketplace.json()
    assert sender["trusted_flagger"] is False
    assert sender["overall"]["takedown_rate"] == 0.5
    assert [(c["organisation"], c["figures"]["items_decided"]) for c in sender["by_counterpart"]] == [("megamart", 2)]
    assert [(c["organisation"], c["figures"]["takedown_rate"]) for c in marketplace["by_counterpart"]] == [
        (w.organisation.slug, 0.5)
    ]


def test_the_accuracy_page_shows_each_side_its_figures() -> None:
    w = world()
    decided_notice(w, 1, ["delete", "delete", "delete", ""])

    sender_page = verified_client(w.holder.user).get("/notices/accuracy/").content.decode()
    marketplace_page = verified_client(w.marketplace_person.user).get("/notices/accuracy/").content.decode()

    assert 'id="acc-decided">4<' in sender_page
    assert 'id="acc-takedown">75 %<' in sender_page
    assert 'data-counterpart="megamart"' in sender_page
    assert "at least 20 items decided, a takedown rate of at least 90 % and a counter-notice rate" in sender_page
    assert f'data-counterpart="{w.organisation.slug}"' in marketplace_page
    assert 'id="trusted-rule"' not in marketplace_page


@pytest.mark.parametrize("kind", list(OrganisationKind.values))
@pytest.mark.parametrize("role", list(Role.values))
def test_the_accuracy_page_is_for_those_who_send_or_handle_cases(kind: str, role: str) -> None:
    client = verified_client(member(kind=kind, role=role).user)

    answer = client.get("/notices/accuracy/")

    readers = {"right_holder", "agent", "marketplace", "merchant", "operator"}
    assert answer.status_code == (200 if kind in readers else 403)
