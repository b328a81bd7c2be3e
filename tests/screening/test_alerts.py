"""Alerts and their triage: who sees which queue, the filters and counts, confirming and dismissing with what they
tune in the risk-keyword catalogue, a decision that is final, refusals that change nothing, the notice a right
holder records on an alert and the link that opens it prefilled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system, actor_for_user
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.identity.models import Mandate
from ipbridge.notices.completeness import ItemIn
from ipbridge.screening import alerts_selectors as selectors
from ipbridge.screening import alerts_services as services
from ipbridge.screening.alerts_presenters import notice_explanation, notice_link, time_code
from ipbridge.screening.models import Alert, AlertOutcome, AlertStatus, RiskKeyword, ScreeningSettings
from tests.factories import MembershipFactory, OrganisationFactory, member
from tests.identity.factories import held
from tests.rights.factories import right
from tests.screening.alert_factories import (
    TITLE,
    agent_for,
    alert_for,
    keyword,
    keyword_flag,
    mark_flag,
    notice_sent,
    price_flag,
    sharing_set,
)
from tests.screening.factories import aurora_right, screening_world

pytestmark = pytest.mark.django_db


def ids(alerts: Any) -> list[int]:
    return [a.pk for a in alerts]


def snapshot() -> dict[str, Any]:
    return {
        "alerts": sorted(
            Alert.objects.values_list("pk", "status", "outcome", "measure", "dismiss_reason", "note", "notice_id")
        ),
        "keywords": sorted(RiskKeyword.objects.values_list("pk", "tuned_weight", "confirmed", "dismissed")),
        "versions": sorted(ScreeningSettings.objects.values_list("pk", "catalogue_version")),
        "audit": AuditEvent.objects.count(),
    }


# Queues -------------------------------------------------------------------------------------------------------


def test_each_organisation_sees_exactly_its_queue() -> None:
    w = screening_world()
    holder = w.holder.organisation
    rival = member(OrganisationKind.RIGHT_HOLDER, slug="rival", verification_status="verified").organisation
    held(rival, right(number="018000002", mark="RIVAL"))
    own = alert_for(w.marketplace, holder=holder)
    rivals = alert_for(w.marketplace, flags=[mark_flag(right(number="018000003", mark="RIVAL X"), [rival])])
    keyword_only = alert_for(w.marketplace, flags=[keyword_flag()])
    on_bazaar = alert_for(w.bazaar.organisation, holder=holder)
    seen = {
        "megamart": selectors.alerts_visible(actor=actor_for_system(w.marketplace)),
        "bazaar": selectors.alerts_visible(actor=actor_for_system(w.bazaar.organisation)),
        "holder": selectors.alerts_visible(actor=actor_for_system(holder)),
        "rival": selectors.alerts_visible(actor=actor_for_system(rival)),
        "operator": selectors.alerts_visible(actor=actor_for_system(w.operator.organisation)),
    }
    for kind in ("merchant", "authority", "mediator"):
        seen[kind] = selectors.alerts_visible(actor=actor_for_system(OrganisationFactory(kind=kind)))

    assert {name: ids(alerts) for name, alerts in seen.items()} == {
        "megamart": [keyword_only.pk, rivals.pk, own.pk],
        "bazaar": [on_bazaar.pk],
        "holder": [on_bazaar.pk, own.pk],
        "rival": [rivals.pk],
        "operator": [on_bazaar.pk, keyword_only.pk, rivals.pk, own.pk],
        "merchant": [],
        "authority": [],
        "mediator": [],
    }


def test_a_marketplace_that_does_not_share_keeps_its_alerts_from_right_holders_and_agents() -> None:
    w = screening_world()
    holder = w.holder.organisation
    agent = agent_for(holder).organisation
    kept = alert_for(w.marketplace, holder=holder)
    shared = alert_for(w.bazaar.organisation, holder=holder)
    sharing_set(w.marketplace, False)
    sharing_set(w.bazaar.organisation, True)

    assert ids(selectors.alerts_visible(actor=actor_for_system(holder))) == [shared.pk]
    assert ids(selectors.alerts_visible(actor=actor_for_system(agent))) == [shared.pk]
    assert ids(selectors.alerts_visible(actor=actor_for_system(w.marketplace))) == [kept.pk]
    with pytest.raises(NotFound):
        selectors.access_alert(actor=actor_for_system(holder), alert_id=kept.pk)


@pytest.mark.parametrize(
    ("mandate", "sees"),
    [
        ({}, True),
        ({"marketplaces": ("megamart",)}, True),
        ({"marketplaces": ("little-bazaar",)}, False),
        ({"actions": ("respond",)}, False),
        ({"expired": True}, False),
        ({"revoked": True}, False),
    ],
)
def test_an_agent_sees_the_alerts_its_mandate_to_send_notices_covers(mandate: dict[str, Any], sees: bool) -> None:
    w = screening_world()
    holder = w.holder.organisation
    person = agent_for(
        holder,
        marketplaces=mandate.get("marketplaces", ()),
        actions=mandate.get("actions", ("notify",)),
    )
    given = Mandate.objects.get(agent=person.organisation)
    if mandate.get("expired"):
        Mandate.objects.filter(pk=given.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    if mandate.get("revoked"):
        Mandate.objects.filter(pk=given.pk).update(revoked_at=timezone.now())
    alert = alert_for(w.marketplace, holder=holder)
    alert_for(w.marketplace, flags=[keyword_flag()])

    assert ids(selectors.alerts_visible(actor=actor_for_system(person.organisation))) == ([alert.pk] if sees else [])


def test_filters_and_counts_per_status() -> None:
    w = screening_world()
    holder = w.holder.organisation
    now = timezone.now()
    old = alert_for(w.marketplace, holder=holder, score=0.55, created_at=now - timedelta(hours=3))
    held_back = alert_for(w.marketplace, holder=holder, level="hold", score=0.9, created_at=now - timedelta(hours=2))
    keyword_only = alert_for(
        w.marketplace, flags=[keyword_flag(), price_flag()], score=0.6, created_at=now - timedelta(hours=1)
    )
    dismissed = alert_for(w.marketplace, holder=holder, score=0.7, created_at=now)
    services.alert_dismiss(actor=actor_for_system(w.marketplace), alert_id=dismissed.pk, reason="authorised")
    actor = actor_for_system(w.marketplace)

    def queue(**filters: Any) -> list[int]:
        return ids(selectors.alerts_visible(actor=actor, filters=selectors.alert_filters(**filters)))

    assert queue() == [dismissed.pk, keyword_only.pk, held_back.pk, old.pk]
    assert queue(status="open") == [keyword_only.pk, held_back.pk, old.pk]
    assert queue(status="dismissed") == [dismissed.pk]
    assert queue(level="hold") == [held_back.pk]
    assert queue(detector="mark") == [dismissed.pk, held_back.pk, old.pk]
    assert queue(detector="price") == [keyword_only.pk]
    assert queue(detector="geographical_indication") == []
    assert queue(brand="aurora") == [dismissed.pk, held_back.pk, old.pk]
    assert queue(min_score=0.6) == [dismissed.pk, keyword_only.pk, held_back.pk]
    assert queue(detector="risk_keyword", min_score=0.65, status="open") == [held_back.pk]
    assert selectors.alert_counts(actor=actor) == {"open": 3, "confirmed": 0, "dismissed": 1}
    assert selectors.alert_counts(actor=actor, filters=selectors.alert_filters(detector="mark", status="open")) == {
        "open": 2,
        "confirmed": 0,
        "dismissed": 1,
    }
    assert selectors.alert_brands(actor=actor) == ["AURORA"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"level": "urgent"}, "level"),
        ({"detector": "image"}, "detector"),
        ({"brand": "x" * 201}, "brand"),
        ({"min_score": 1.5}, "min_score"),
        ({"min_score": -0.1}, "min_score"),
        ({"min_score": float("nan")}, "min_score"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(filters: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        selectors.alert_filters(**filters)

    assert refused.value.field == field


# Triage -------------------------------------------------------------------------------------------------------


def test_confirming_records_the_measure_and_raises_the_keywords_weight() -> None:
    w = screening_world()
    replica = keyword(w.marketplace, "高仿", 0.4)
    untouched = keyword(w.marketplace, "A货", 0.5)
    elsewhere = keyword(w.bazaar.organisation, "高仿", 0.4)
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    version = ScreeningSettings.objects.get(marketplace=w.marketplace).catalogue_version

    confirmed = services.alert_confirm(
        actor=actor_for_system(w.marketplace), alert_id=alert.pk, measure="delete", note="Seller warned."
    )

    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.measure, alert.note) == (
        "confirmed",
        "measure",
        "delete",
        "Seller warned.",
    )
    assert alert.decided_at is not None
    assert confirmed.pk == alert.pk
    replica.refresh_from_db()
    assert (replica.weight, replica.tuned_weight, replica.confirmed, replica.dismissed) == (0.4, 0.42, 1, 0)
    assert RiskKeyword.objects.get(pk=untouched.pk).tuned_weight is None
    assert RiskKeyword.objects.get(pk=elsewhere.pk).tuned_weight is None
    assert ScreeningSettings.objects.get(marketplace=w.marketplace).catalogue_version == version + 1
    event = AuditEvent.objects.get(action="screening.alert_confirmed")
    assert (event.organisation_id, event.subject_id) == (w.marketplace.pk, str(alert.pk))
    assert event.details == {"measure": "delete", "keywords": [{"term": "高仿", "before": 0.4, "after": 0.42}]}


def test_dismissing_records_the_reason_and_lowers_the_keywords_weight_from_its_tuned_value() -> None:
    w = screening_world()
    replica = keyword(w.marketplace, "Replica", 0.5, tuned_weight=0.2, dismissed=3)
    flags = [keyword_flag("REPLICA", start=27, matched="replica")]
    alert = alert_for(w.marketplace, flags=flags)

    services.alert_dismiss(
        actor=actor_for_system(w.marketplace), alert_id=alert.pk, reason="keyword_innocent", note="A review."
    )

    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.dismiss_reason, alert.measure) == (
        "dismissed",
        "",
        "keyword_innocent",
        "",
    )
    replica.refresh_from_db()
    assert (replica.weight, replica.tuned_weight, replica.dismissed, replica.confirmed) == (0.5, 0.17, 4, 0)
    assert AuditEvent.objects.get(action="screening.alert_dismissed").details == {
        "reason": "keyword_innocent",
        "keywords": [{"term": "Replica", "before": 0.2, "after": 0.17}],
    }


@pytest.mark.parametrize("reason", ["authorised", "referential", "not_the_mark"])
def test_a_dismissal_that_does_not_blame_the_words_leaves_their_weights(reason: str) -> None:
    w = screening_world()
    replica = keyword(w.marketplace, "Replica", 0.5, tuned_weight=0.2, dismissed=3)
    alert = alert_for(w.marketplace, flags=[keyword_flag("REPLICA", start=27, matched="replica")])

    services.alert_dismiss(actor=actor_for_system(w.marketplace), alert_id=alert.pk, reason=reason)

    replica.refresh_from_db()
    assert (replica.tuned_weight, replica.dismissed) == (0.2, 3)
    assert AuditEvent.objects.get(action="screening.alert_dismissed").details == {"reason": reason, "keywords": []}


@pytest.mark.parametrize(
    ("decide", "tuned", "expected"), [("dismiss", 0.055, 0.05), ("confirm", 0.99, 1.0), ("confirm", 1.0, 1.0)]
)
def test_the_tuned_weight_stays_between_its_bounds(decide: str, tuned: float, expected: float) -> None:
    w = screening_world()
    found = keyword(w.marketplace, "高仿", 0.4, tuned_weight=tuned)
    alert = alert_for(w.marketplace, flags=[keyword_flag()])
    actor = actor_for_system(w.marketplace)

    if decide == "dismiss":
        services.alert_dismiss(actor=actor, alert_id=alert.pk, reason="keyword_innocent")
    else:
        services.alert_confirm(actor=actor, alert_id=alert.pk, measure="block")

    found.refresh_from_db()
    assert found.tuned_weight == expected


def test_an_alert_naming_no_keyword_of_the_catalogue_leaves_the_catalogue_as_it_was() -> None:
    w = screening_world()
    keyword(w.marketplace, "A货", 0.5)
    alert = alert_for(w.marketplace, flags=[mark_flag(aurora_right(), [w.holder.organisation])])
    version = ScreeningSettings.objects.get(marketplace=w.marketplace).catalogue_version

    services.alert_confirm(actor=actor_for_system(w.marketplace), alert_id=alert.pk, measure="block")

    assert ScreeningSettings.objects.get(marketplace=w.marketplace).catalogue_version == version
    assert AuditEvent.objects.get(action="screening.alert_confirmed").details["keywords"] == []


@pytest.mark.parametrize("first", ["confirm", "dismiss"])
@pytest.mark.parametrize("then", ["confirm", "dismiss"])
def test_a_decided_alert_is_final(first: str, then: str) -> None:
    w = screening_world()
    keyword(w.marketplace, "高仿", 0.4)
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    actor = actor_for_system(w.marketplace)
    decide = {
        "confirm": lambda: services.alert_confirm(actor=actor, alert_id=alert.pk, measure="delete"),
        "dismiss": lambda: services.alert_dismiss(actor=actor, alert_id=alert.pk, reason="authorised"),
    }
    decide[first]()
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        decide[then]()

    assert (refused.value.code, refused.value.status) == ("alert_decided", 409)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("call", "field", "code"),
    [
        ({"measure": "burn"}, "measure", "invalid_choice"),
        ({"measure": ""}, "measure", "invalid_choice"),
        ({"measure": "delete", "note": "n" * 2001}, "note", "too_long"),
        ({"measure": "delete", "note": "a\x00b"}, "note", "invalid_characters"),
        ({"reason": "dunno"}, "reason", "invalid_choice"),
        ({"reason": "other"}, "note", "required"),
        ({"reason": "other", "note": "   "}, "note", "required"),
    ],
)
def test_bad_triage_input_is_refused_naming_the_field_and_changes_nothing(
    call: dict[str, str], field: str, code: str
) -> None:
    w = screening_world()
    keyword(w.marketplace, "高仿", 0.4)
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    actor = actor_for_system(w.marketplace)
    decide = services.alert_confirm if "measure" in call else services.alert_dismiss
    before = snapshot()

    with pytest.raises(ValidationFailed) as refused:
        decide(actor=actor, alert_id=alert.pk, **call)  # type: ignore[operator]

    assert (refused.value.field, refused.value.code) == (field, code)
    assert snapshot() == before


def test_only_the_alerts_marketplace_with_the_write_permission_triages_it() -> None:
    w = screening_world()
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    reviewer = MembershipFactory(role=Role.REVIEWER, organisation=w.marketplace)
    reviewer.user.active_organisation = w.marketplace
    reviewer.user.save(update_fields=["active_organisation"])
    before = snapshot()

    with pytest.raises(PermissionDenied) as holder_refused:
        services.alert_confirm(actor=actor_for_system(w.holder.organisation), alert_id=alert.pk, measure="delete")
    with pytest.raises(PermissionDenied):
        services.alert_dismiss(actor=actor_for_system(w.operator.organisation), alert_id=alert.pk, reason="other")
    with pytest.raises(NotFound):
        services.alert_confirm(actor=actor_for_system(w.bazaar.organisation), alert_id=alert.pk, measure="delete")
    reviewer_actor = actor_for_user(reviewer.user)
    assert reviewer_actor is not None
    with pytest.raises(PermissionDenied) as scope_refused:
        services.alert_confirm(actor=reviewer_actor, alert_id=alert.pk, measure="delete")

    assert holder_refused.value.code == "wrong_organisation_kind"
    assert scope_refused.value.code == "missing_scope"
    assert snapshot() == before


# A notice from an alert -----------------------------------------------------------------------------------------


def test_a_notice_sent_from_an_alert_is_recorded_on_it_once() -> None:
    w = screening_world()
    holder = w.holder.organisation
    alert = alert_for(w.marketplace, holder=holder)
    notice = notice_sent(holder)
    actor = actor_for_system(holder)

    services.alert_notice_record(actor=actor, alert_id=alert.pk, notice_id=notice.pk)
    services.alert_notice_record(actor=actor, alert_id=alert.pk, notice_id=notice.pk)

    alert.refresh_from_db()
    assert (alert.notice_id, alert.outcome, alert.status) == (notice.pk, AlertOutcome.NOTICE, AlertStatus.OPEN)
    event = AuditEvent.objects.get(action="screening.alert_notice")
    assert (event.organisation_id, event.details) == (holder.pk, {"notice": str(notice.reference)})


def test_a_second_notice_on_an_alert_is_refused() -> None:
    w = screening_world()
    holder = w.holder.organisation
    alert = alert_for(w.marketplace, holder=holder)
    first = notice_sent(holder)
    second = notice_sent(holder, items=[ItemIn("megamart", "https://megamart.example/item/L-77")])
    actor = actor_for_system(holder)
    services.alert_notice_record(actor=actor, alert_id=alert.pk, notice_id=first.pk)
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        services.alert_notice_record(actor=actor, alert_id=alert.pk, notice_id=second.pk)

    assert refused.value.code == "alert_has_notice"
    assert snapshot() == before


def test_a_confirmed_alert_keeps_its_measure_as_outcome_when_a_notice_is_recorded() -> None:
    w = screening_world()
    holder = w.holder.organisation
    alert = alert_for(w.marketplace, holder=holder)
    services.alert_confirm(actor=actor_for_system(w.marketplace), alert_id=alert.pk, measure="block")

    services.alert_notice_record(actor=actor_for_system(holder), alert_id=alert.pk, notice_id=notice_sent(holder).pk)

    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.measure, alert.notice_id is not None) == (
        "confirmed",
        "measure",
        "block",
        True,
    )


def test_a_notice_that_does_not_fit_the_alert_is_not_recorded() -> None:
    w = screening_world()
    holder = w.holder.organisation
    alert = alert_for(w.marketplace, holder=holder)
    elsewhere = notice_sent(holder, marketplace="little-bazaar")
    rival_person = member(OrganisationKind.RIGHT_HOLDER, slug="rival", verification_status="verified")
    held(rival_person.organisation, right(number="018000002", mark="RIVAL"))
    rivals = notice_sent(rival_person.organisation, rights=[("EM", "018000002")])
    before = snapshot()

    with pytest.raises(ValidationFailed) as wrong_marketplace:
        services.alert_notice_record(actor=actor_for_system(holder), alert_id=alert.pk, notice_id=elsewhere.pk)
    with pytest.raises(NotFound):
        services.alert_notice_record(actor=actor_for_system(holder), alert_id=alert.pk, notice_id=rivals.pk)
    with pytest.raises(NotFound):  # the rival does not see the alert
        services.alert_notice_record(
            actor=actor_for_system(rival_person.organisation), alert_id=alert.pk, notice_id=rivals.pk
        )
    with pytest.raises(NotFound):  # the marketplace sees the alert, not the notice
        services.alert_notice_record(actor=actor_for_system(w.marketplace), alert_id=alert.pk, notice_id=elsewhere.pk)

    assert (wrong_marketplace.value.field, wrong_marketplace.value.code) == ("notice", "notice_not_for_alert")
    assert snapshot() == before


def test_an_agent_records_the_notice_it_sent_for_the_right_holder() -> None:
    w = screening_world()
    holder = w.holder.organisation
    agent = agent_for(holder).organisation
    alert = alert_for(w.marketplace, holder=holder)
    notice = notice_sent(agent, on_behalf_of=holder.slug)

    services.alert_notice_record(actor=actor_for_system(agent), alert_id=alert.pk, notice_id=notice.pk)

    alert.refresh_from_db()
    assert alert.notice_id == notice.pk


# The notice's link -------------------------------------------------------------------------------------------


def test_the_notice_link_carries_the_holders_rights_the_item_and_the_flags_sentences() -> None:
    w = screening_world()
    holder = w.holder.organisation
    other = right(number="018000099", mark="ROUGE")
    flags = [
        mark_flag(aurora_right(), [holder]),
        mark_flag(other, [OrganisationFactory()], start=7, matched="Rouge"),
        keyword_flag("高仿", start=22),
    ]
    alert = alert_for(w.marketplace, flags=flags)
    principals = selectors.alert_principals(actor=actor_for_system(holder), alert=alert)

    assert [(p.organisation, p.on_behalf) for p in principals] == [(holder, False)]
    query = parse_qs(urlsplit(notice_link(alert, principals[0])).query)
    assert urlsplit(notice_link(alert, principals[0])).path == "/notices/new/"
    assert query["right"] == ["EM 018234567"]
    assert query["marketplace"] == ["megamart"]
    assert query["url"] == ["https://megamart.example/item/L-1"]
    assert query["title"] == [TITLE]
    assert query["alert"] == [str(alert.pk)]
    assert "on_behalf_of" not in query
    assert query["explanation"] == [notice_explanation(alert)]
    assert notice_explanation(alert).splitlines()[1:] == [
        "- “AURORA” matches the mark AURORA (EM 018234567): exact.",
        "- “Rouge” matches the mark ROUGE (EM 018000099): exact.",
        "- “高仿” is in the risk-keyword catalogue.",
    ]
    assert notice_explanation(alert).startswith("Screening by MegaMart flagged this listing on ")


def test_an_agent_gets_a_link_for_each_principal_it_may_act_for_here() -> None:
    w = screening_world()
    holder = w.holder.organisation
    agent = agent_for(holder).organisation
    alert = alert_for(w.marketplace, holder=holder, url="", listing_id="L-1")

    principals = selectors.alert_principals(actor=actor_for_system(agent), alert=alert)
    query = parse_qs(urlsplit(notice_link(alert, principals[0])).query)

    assert [(p.organisation, p.on_behalf) for p in principals] == [(holder, True)]
    assert (query["on_behalf_of"], query["listing_id"], "url" in query) == (["aurora"], ["L-1"], False)
    assert selectors.alert_principals(actor=actor_for_system(w.marketplace), alert=alert) == []
    assert selectors.alert_principals(actor=actor_for_system(w.operator.organisation), alert=alert) == []


# Presenting ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ms", "code"), [(0, "00:00"), (65_400, "01:05"), (4_503_000, "75:03")])
def test_time_codes(ms: int, code: str) -> None:
    assert time_code(ms) == code
