"""A marketplace's screening settings through their services: thresholds checked (0 < alert ≤ hold ≤ 1), the risk-
keyword catalogue copied in on first use and then the marketplace's own to add to, weigh, disable and remove from,
producers of geographical indications; every change bumps the catalogue version, is audited, and the next scan uses
it; every refusal names the field and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import AuditEvent
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.engine.screening import GEOGRAPHICAL_INDICATION, RISK_KEYWORD, default_risk_terms
from ipbridge.screening import settings_selectors, settings_services
from ipbridge.screening.models import GeographicalIndication, GIProducer, RiskKeyword, ScreeningSettings
from ipbridge.screening.settings_services import SettingsChanges
from tests.screening.factories import innocent, scanned, screening_world

pytestmark = pytest.mark.django_db


def system(organisation: Any) -> Actor:
    return actor_for_system(organisation)


def version(marketplace: Any) -> int:
    return ScreeningSettings.objects.get(marketplace=marketplace).catalogue_version


def snapshot(marketplace: Any) -> tuple[Any, ...]:
    settings = ScreeningSettings.objects.filter(marketplace=marketplace).values().first()
    keywords = list(RiskKeyword.objects.filter(marketplace=marketplace).order_by("pk").values())
    producers = list(GIProducer.objects.filter(marketplace=marketplace).order_by("pk").values())
    return settings, keywords, producers, AuditEvent.objects.count()


def detectors(marketplace: Any, item: dict[str, Any]) -> set[str]:
    outcome = scanned(marketplace, [item])
    return {flag.detector for r in outcome.results or [] for flag in r.result.flags}


# Thresholds --------------------------------------------------------------------------------------------------------


def test_a_marketplace_starts_with_the_default_thresholds_and_the_shipped_catalogue_copied_in() -> None:
    w = screening_world()

    settings = settings_selectors.screening_settings(actor=system(w.marketplace))

    assert (settings.alert_threshold, settings.hold_threshold, settings.lookalikes) == (0.5, 0.85, True)
    assert (settings.share_with_right_holders, settings.catalogue_version) == (True, 0)
    keywords = settings_selectors.keywords_visible(actor=system(w.marketplace))
    assert keywords.count() == len({term.text for term in default_risk_terms()})
    assert set(keywords.values_list("origin", flat=True)) == {"default"}
    assert not RiskKeyword.objects.filter(marketplace=w.bazaar.organisation).exists()


def test_the_thresholds_and_switches_change_bump_the_version_and_are_audited() -> None:
    w = screening_world()

    settings = settings_services.screening_settings_update(
        actor=system(w.marketplace),
        changes=SettingsChanges(
            alert_threshold=0.4, hold_threshold=0.9, lookalikes=False, share_with_right_holders=False
        ),
    )
    again = settings_services.screening_settings_update(
        actor=system(w.marketplace), changes=SettingsChanges(alert_threshold=0.4)
    )

    assert (settings.alert_threshold, settings.hold_threshold, settings.lookalikes) == (0.4, 0.9, False)
    assert (settings.share_with_right_holders, version(w.marketplace), again.catalogue_version) == (False, 1, 1)
    event = AuditEvent.objects.get(action="screening.settings_changed")
    assert (event.organisation, event.actor_label) == (w.marketplace, "command line")
    assert event.details == {
        "changes": {
            "alert_threshold": {"from": 0.5, "to": 0.4},
            "hold_threshold": {"from": 0.85, "to": 0.9},
            "lookalikes": {"from": True, "to": False},
            "share_with_right_holders": {"from": True, "to": False},
        }
    }


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"alert_threshold": 0}, "alert_threshold", "out_of_range"),
        ({"alert_threshold": -0.1}, "alert_threshold", "out_of_range"),
        ({"hold_threshold": 1.01}, "hold_threshold", "out_of_range"),
        ({"alert_threshold": float("nan")}, "alert_threshold", "out_of_range"),
        ({"hold_threshold": float("inf")}, "hold_threshold", "out_of_range"),
        ({"alert_threshold": "0.5"}, "alert_threshold", "invalid_number"),
        ({"alert_threshold": True}, "alert_threshold", "invalid_number"),
        ({"alert_threshold": 0.6, "hold_threshold": 0.5}, "hold_threshold", "hold_under_alert"),
        ({"hold_threshold": 0.4}, "hold_threshold", "hold_under_alert"),
        ({"alert_threshold": 0.9}, "alert_threshold", "hold_under_alert"),
    ],
)
def test_thresholds_out_of_order_or_range_are_refused_naming_the_field(
    changes: dict[str, Any], field: str, code: str
) -> None:
    w = screening_world()
    settings_selectors.screening_settings(actor=system(w.marketplace))
    before = snapshot(w.marketplace)

    with pytest.raises(ValidationFailed) as refused:
        settings_services.screening_settings_update(actor=system(w.marketplace), changes=SettingsChanges(**changes))

    assert (refused.value.field, refused.value.code) == (field, code)
    assert snapshot(w.marketplace) == before


def test_equal_thresholds_are_allowed() -> None:
    w = screening_world()

    settings = settings_services.screening_settings_update(
        actor=system(w.marketplace), changes=SettingsChanges(alert_threshold=1, hold_threshold=1)
    )

    assert (settings.alert_threshold, settings.hold_threshold) == (1.0, 1.0)


# Risk keywords -----------------------------------------------------------------------------------------------------


def test_a_term_added_is_used_by_the_next_scan_and_removing_it_stops_that() -> None:
    w = screening_world()
    item = innocent(title="Plain towel, factory outlet overrun")
    assert detectors(w.marketplace, item) == set()

    keyword = settings_services.risk_keyword_add(
        actor=system(w.marketplace), term="Factory Outlet Overrun", language="en", weight=0.7
    )
    found = detectors(w.marketplace, item)
    settings_services.risk_keyword_remove(actor=system(w.marketplace), keyword_id=keyword.pk)
    gone = detectors(w.marketplace, item)

    assert (found, gone) == ({RISK_KEYWORD}, set())
    assert (keyword.term, keyword.language, keyword.weight, keyword.origin) == (
        "Factory Outlet Overrun",
        "en",
        0.7,
        "marketplace",
    )
    assert version(w.marketplace) == 2
    assert [
        (e.action, e.details) for e in AuditEvent.objects.filter(action__startswith="screening.keyword").order_by("pk")
    ] == [
        ("screening.keyword_added", {"term": "Factory Outlet Overrun", "language": "en", "weight": 0.7}),
        (
            "screening.keyword_removed",
            {"term": "Factory Outlet Overrun", "weight": 0.7, "confirmed": 0, "dismissed": 0},
        ),
    ]


def test_a_disabled_term_flags_nothing_until_enabled_again() -> None:
    w = screening_world()
    keyword = settings_services.risk_keyword_add(actor=system(w.marketplace), term="overrun stock", weight=0.6)
    item = innocent(title="Towel overrun stock")

    settings_services.risk_keyword_update(actor=system(w.marketplace), keyword_id=keyword.pk, enabled=False)
    disabled = detectors(w.marketplace, item)
    settings_services.risk_keyword_update(actor=system(w.marketplace), keyword_id=keyword.pk, enabled=True)
    enabled = detectors(w.marketplace, item)

    assert (disabled, enabled) == (set(), {RISK_KEYWORD})
    assert version(w.marketplace) == 3


def test_setting_a_weight_replaces_the_tuned_one_and_keeps_the_counts() -> None:
    w = screening_world()
    keyword = settings_services.risk_keyword_add(actor=system(w.marketplace), term="overrun stock", weight=0.6)
    RiskKeyword.objects.filter(pk=keyword.pk).update(tuned_weight=0.3, confirmed=2, dismissed=5)

    changed = settings_services.risk_keyword_update(actor=system(w.marketplace), keyword_id=keyword.pk, weight=0.6)
    unchanged = settings_services.risk_keyword_update(actor=system(w.marketplace), keyword_id=keyword.pk, weight=0.6)

    assert (changed.weight, changed.tuned_weight, changed.effective_weight) == (0.6, None, 0.6)
    assert (unchanged.confirmed, unchanged.dismissed) == (2, 5)
    assert AuditEvent.objects.get(action="screening.keyword_changed").details == {
        "term": "overrun stock",
        "changes": {"weight": {"from": 0.3, "to": 0.6}},
    }
    assert version(w.marketplace) == 2


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"term": ""}, "term", "required"),
        ({"term": "   "}, "term", "required"),
        ({"term": "x" * 101}, "term", "too_long"),
        ({"term": "!!!"}, "term", "no_letters"),
        ({"term": "a\x00b"}, "term", "invalid_characters"),
        ({"language": "fr"}, "language", "invalid_choice"),
        ({"weight": 0}, "weight", "out_of_range"),
        ({"weight": 1.5}, "weight", "out_of_range"),
        ({"weight": "heavy"}, "weight", "invalid_number"),
        ({"term": "REPLICA"}, "term", "keyword_exists"),
        ({"term": "ｒｅｐｌｉｃａ"}, "term", "keyword_exists"),
    ],
)
def test_a_term_refused_names_the_field_and_changes_nothing(fields: dict[str, Any], field: str, code: str) -> None:
    w = screening_world()
    settings_selectors.screening_settings(actor=system(w.marketplace))
    before = snapshot(w.marketplace)

    with pytest.raises(ApplicationError) as refused:
        settings_services.risk_keyword_add(actor=system(w.marketplace), **{"term": "overrun", "weight": 0.5, **fields})

    assert (refused.value.field, refused.value.code) == (field, code)
    assert refused.value.status == (409 if code == "keyword_exists" else 422)
    assert snapshot(w.marketplace) == before


def test_another_marketplaces_term_and_producer_are_not_found_and_stay() -> None:
    w = screening_world()
    keyword = settings_services.risk_keyword_add(actor=system(w.bazaar.organisation), term="overrun", weight=0.5)
    producer = settings_services.gi_producer_add(
        actor=system(w.bazaar.organisation), indication=_any_indication(), shop_id="tea-1"
    )
    before = snapshot(w.bazaar.organisation)
    actor = system(w.marketplace)

    calls = [
        lambda: settings_services.risk_keyword_update(actor=actor, keyword_id=keyword.pk, weight=0.9),
        lambda: settings_services.risk_keyword_remove(actor=actor, keyword_id=keyword.pk),
        lambda: settings_services.gi_producer_remove(actor=actor, producer_id=producer.pk),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()

    assert snapshot(w.bazaar.organisation) == before


def test_only_marketplaces_with_the_write_permission_change_settings() -> None:
    w = screening_world()
    reader = Actor(organisation=w.marketplace, user=None, role="reviewer", scopes=frozenset({"screening:read"}))

    with pytest.raises(PermissionDenied) as scope:
        settings_services.risk_keyword_add(actor=reader, term="overrun", weight=0.5)
    with pytest.raises(PermissionDenied) as kind:
        settings_services.screening_settings_update(
            actor=system(w.holder.organisation), changes=SettingsChanges(alert_threshold=0.2)
        )

    assert (scope.value.code, kind.value.code) == ("missing_scope", "wrong_organisation_kind")
    assert not RiskKeyword.objects.filter(term="overrun").exists()


# Producers of geographical indications ----------------------------------------------------------------------------


def _any_indication() -> str:
    return settings_selectors.indications().first().name  # type: ignore[union-attr]


def test_a_producer_of_an_indication_is_not_flagged_for_it_and_others_are() -> None:
    w = screening_world()
    indication = settings_selectors.indications().first()
    assert indication is not None
    name = next(t for t in indication.terms if t)
    item = innocent(title=f"{name} 2026", shop_id="tea-1")
    before = detectors(w.marketplace, item)

    producer = settings_services.gi_producer_add(
        actor=system(w.marketplace), indication=indication.name, shop_id="tea-1", shop_name="Tea Garden"
    )
    after = detectors(w.marketplace, item)
    other_shop = detectors(w.marketplace, {**item, "shop_id": "tea-2"})

    assert (before, after, other_shop) == ({GEOGRAPHICAL_INDICATION}, set(), {GEOGRAPHICAL_INDICATION})
    assert (producer.indication, producer.shop_id, producer.shop_name) == (indication, "tea-1", "Tea Garden")
    assert AuditEvent.objects.get(action="screening.gi_producer_added").details == {
        "indication": indication.name,
        "shop_id": "tea-1",
    }
    settings_services.gi_producer_remove(actor=system(w.marketplace), producer_id=producer.pk)
    assert not GIProducer.objects.exists()
    assert version(w.marketplace) == 2


def test_an_indication_is_found_by_any_of_its_names() -> None:
    w = screening_world()
    GeographicalIndication.objects.create(name="Westlake Longjing", terms=["西湖龍井", "Xihu Longjing"])

    producer = settings_services.gi_producer_add(actor=system(w.marketplace), indication="xihu longjing", shop_id="t")

    assert producer.indication.name == "Westlake Longjing"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"indication": "Atlantis Tea"}, "indication", "unknown_indication"),
        ({"indication": ""}, "indication", "required"),
        ({"shop_id": ""}, "shop_id", "required"),
        ({"shop_id": "s" * 201}, "shop_id", "too_long"),
        ({"shop_name": "n" * 201}, "shop_name", "too_long"),
        ({"shop_id": "existing"}, "shop_id", "producer_exists"),
    ],
)
def test_a_producer_refused_names_the_field_and_changes_nothing(fields: dict[str, Any], field: str, code: str) -> None:
    w = screening_world()
    settings_services.gi_producer_add(actor=system(w.marketplace), indication=_any_indication(), shop_id="existing")
    before = snapshot(w.marketplace)

    with pytest.raises(ApplicationError) as refused:
        settings_services.gi_producer_add(
            actor=system(w.marketplace), **{"indication": _any_indication(), "shop_id": "new", **fields}
        )

    assert (refused.value.field, refused.value.code) == (field, code)
    assert snapshot(w.marketplace) == before
    assert isinstance(refused.value, Conflict if code == "producer_exists" else ValidationFailed)
