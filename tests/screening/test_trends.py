"""Early warning (侵权预警): daily alerts per brand and per category, the spike rule at its edges, warnings written
once per day, brand and category however often the check runs, acknowledged by the marketplace; right holders see
the trends of alerts naming their marks at marketplaces that share them, read-only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ipbridge.accounts.audit import AuditAction
from ipbridge.accounts.models import AuditEvent, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.screening import trends
from ipbridge.screening.models import EarlyWarning, ScreeningSettings
from ipbridge.screening.tasks_monitoring import early_warnings_check
from ipbridge.screening.trends import Series, Spike
from tests.factories import OrganisationFactory
from tests.screening.factories import Screening, screening_world
from tests.screening.test_monitoring import raised

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 30)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


@pytest.fixture
def world() -> Screening:
    return screening_world()


# The rule ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "before", "spike"),
    [
        (5, [0] * 14, True),  # the floor, from nothing
        (4, [0] * 14, False),  # under the floor, however quiet before
        (6, [2] * 14, True),  # exactly three times a mean of 2
        (5, [2] * 14, False),
        (5, [1] * 5 + [2] * 9, True),  # mean 23/14: three times it is 4.93, so the floor decides
        (5, [1] * 4 + [2] * 10, False),  # mean 24/14: three times it is 5.14
        (6, [1] * 4 + [2] * 10, True),
        (15, [5] * 14, True),
        (14, [5] * 14, False),
        (14, [0] * 13 + [70], False),  # one busy day is a mean of 5
        (15, [70] + [0] * 13, True),
        (5, [], True),
        (4, [], False),
    ],
)
def test_a_spike_is_at_least_five_and_at_least_three_times_the_mean_of_the_fourteen_days_before(
    count: int, before: list[int], spike: bool
) -> None:
    assert trends.is_spike(count, before) is spike


# Trends ------------------------------------------------------------------------------------------------------------


def _history(world: Screening, *, spike_day: date = DAY) -> None:
    """AURORA cosmetics: one alert a day for the fourteen days before ``spike_day``, five on it; three toys without a
    brand on it; a dismissed AURORA alert on it (counted: the listing was flagged); one at Little Bazaar."""
    market = world.marketplace
    holder = world.holder.organisation
    for n in range(1, 15):
        raised(market, holders=[holder], at=at(spike_day - timedelta(days=n)))
    for hour in range(4):
        raised(market, holders=[holder], at=at(spike_day, 8 + hour))
    raised(market, holders=[holder], at=at(spike_day, 23), status="dismissed")
    for _ in range(3):
        raised(market, category="toys", branded=False, at=at(spike_day, 1))
    raised(world.bazaar.organisation, holders=[holder], at=at(spike_day))


def test_a_marketplace_sees_its_daily_alerts_per_brand_and_category_and_their_spikes(world: Screening) -> None:
    _history(world)

    found = trends.trends(actor=actor_for_system(world.marketplace), days=3, until=DAY)

    assert found.scope == "marketplace"
    assert found.days == [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    assert found.total == [1, 1, 8]
    assert found.brands == [Series("AURORA", [1, 1, 5])]
    assert found.categories == [Series("cosmetics", [1, 1, 5]), Series("toys", [0, 0, 3])]
    assert found.spikes == [Spike(DAY, "", "cosmetics", 5, 1.0), Spike(DAY, "AURORA", "", 5, 1.0)]


def test_the_window_defaults_to_thirty_days_up_to_today(world: Screening) -> None:
    today = trends.today()
    raised(world.marketplace, at=at(today, 0))
    raised(world.marketplace, at=at(today - timedelta(days=29), 0))
    raised(world.marketplace, at=at(today - timedelta(days=30), 0))

    found = trends.trends(actor=actor_for_system(world.marketplace))

    assert (len(found.days), found.days[-1], found.total[0], found.total[-1], sum(found.total)) == (30, today, 1, 1, 2)


def test_filters_keep_one_brand_or_category_whatever_its_case(world: Screening) -> None:
    _history(world)
    actor = actor_for_system(world.marketplace)

    by_brand = trends.trends(actor=actor, days=1, brand="aurora", until=DAY)
    by_category = trends.trends(actor=actor, days=1, category="TOYS", until=DAY)

    assert (by_brand.total, [s.name for s in by_brand.categories]) == ([5], ["cosmetics"])
    assert (by_category.total, by_category.brands, by_category.spikes) == ([3], [], [])


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"days": 0}, "out_of_range", "days"),
        ({"days": 366}, "out_of_range", "days"),
        ({"brand": "x" * 201}, "too_long", "brand"),
        ({"category": "toys\x00"}, "invalid_characters", "category"),
    ],
)
def test_a_bad_window_or_filter_is_refused_naming_it(
    world: Screening, fields: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        trends.trends(actor=actor_for_system(world.marketplace), **fields)

    assert (refused.value.code, refused.value.field) == (code, field)


def test_a_right_holder_sees_alerts_naming_it_where_marketplaces_share_them(world: Screening) -> None:
    _history(world)
    ScreeningSettings.objects.create(marketplace=world.bazaar.organisation, share_with_right_holders=False)
    others = OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    ScreeningSettings.objects.create(marketplace=others, share_with_right_holders=True)
    raised(others, holders=[world.holder.organisation], at=at(DAY))

    found = trends.trends(actor=actor_for_system(world.holder.organisation), days=2, until=DAY)

    assert found.scope == "right_holder"
    assert found.total == [1, 6]
    assert found.brands == [Series("AURORA", [1, 6])]
    assert found.spikes == [Spike(DAY, "", "cosmetics", 6, 1.0), Spike(DAY, "AURORA", "", 6, 1.0)]


def test_operators_see_every_alert_and_other_organisations_none(world: Screening) -> None:
    _history(world)

    found = trends.trends(actor=actor_for_system(world.operator.organisation), days=1, until=DAY)
    merchant = OrganisationFactory(kind=OrganisationKind.MERCHANT)

    assert (found.scope, found.total) == ("operator", [9])
    with pytest.raises(PermissionDenied):
        trends.trends(actor=actor_for_system(merchant))


# Early warnings ----------------------------------------------------------------------------------------------------


def test_the_check_writes_one_warning_per_spike_and_audits_each(world: Screening) -> None:
    _history(world, spike_day=DAY - timedelta(days=1))

    new = trends.warnings_check(marketplace=world.marketplace, on=DAY)

    assert sorted((w.day, w.brand, w.category, w.count, w.baseline) for w in new) == [
        (DAY - timedelta(days=1), "", "cosmetics", 5, 1.0),
        (DAY - timedelta(days=1), "AURORA", "", 5, 1.0),
    ]
    events = AuditEvent.objects.filter(action=trends.WARNING_RAISED).order_by("pk")
    assert [(e.organisation_id, e.actor_label, e.subject_id) for e in events] == [
        (world.marketplace.pk, "system", str(w.pk)) for w in new
    ]
    assert events[0].details.keys() == {"day", "brand", "category", "count", "baseline"}


def test_checking_again_writes_nothing_new_and_brings_the_count_up_to_date(world: Screening) -> None:
    _history(world)
    first = trends.warnings_check(marketplace=world.marketplace, on=DAY)
    warning = EarlyWarning.objects.get(brand="AURORA")
    warning.acknowledged_at = timezone.now()
    warning.save()
    raised(world.marketplace, at=at(DAY, 22))

    again = trends.warnings_check(marketplace=world.marketplace, on=DAY)

    assert (len(first), again) == (2, [])
    assert sorted(EarlyWarning.objects.values_list("brand", "category", "count")) == [
        ("", "cosmetics", 6),
        ("AURORA", "", 6),
    ]
    assert EarlyWarning.objects.get(brand="AURORA").acknowledged_at == warning.acknowledged_at
    assert AuditEvent.objects.filter(action=trends.WARNING_RAISED).count() == 2


def test_a_spike_older_than_yesterday_is_left_to_the_trends(world: Screening) -> None:
    _history(world, spike_day=DAY - timedelta(days=2))

    assert trends.warnings_check(marketplace=world.marketplace, on=DAY) == []


def test_the_daily_job_checks_every_marketplace_with_recent_alerts(world: Screening) -> None:
    today = trends.today()
    for _ in range(5):
        raised(world.marketplace, at=at(today, 0))
        raised(world.bazaar.organisation, category="toys", branded=False, at=at(today - timedelta(days=1), 0))
    quiet = OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    for _ in range(5):
        raised(quiet, at=at(today - timedelta(days=2), 0))

    written = early_warnings_check()

    assert written == 3
    assert sorted(EarlyWarning.objects.values_list("marketplace__slug", "day", "brand", "category", "count")) == [
        ("little-bazaar", today - timedelta(days=1), "", "toys", 5),
        ("megamart", today, "", "cosmetics", 5),
        ("megamart", today, "AURORA", "", 5),
    ]
    assert early_warnings_check() == 0


def test_check_now_is_the_marketplaces_own_and_audited_as_its_person(world: Screening) -> None:
    today = trends.today()
    for _ in range(5):
        raised(world.marketplace, category="", at=at(today, 0))
    actor = actor_for_system(world.marketplace)

    new = trends.warnings_check_now(actor=actor)

    assert [(w.day, w.brand, w.category, w.count) for w in new] == [(today, "AURORA", "", 5)]
    event = AuditEvent.objects.get(action=trends.WARNING_RAISED)
    assert (event.actor_label, event.organisation_id) == ("command line", world.marketplace.pk)
    with pytest.raises(PermissionDenied):
        trends.warnings_check_now(actor=actor_for_system(world.holder.organisation))


def test_a_marketplace_acknowledges_its_warning_once(world: Screening) -> None:
    _history(world)
    trends.warnings_check(marketplace=world.marketplace, on=DAY)
    warning = EarlyWarning.objects.get(brand="AURORA")
    actor = actor_for_system(world.marketplace)

    acknowledged = trends.warning_acknowledge(actor=actor, warning_id=warning.pk)
    with pytest.raises(Conflict) as refused:
        trends.warning_acknowledge(actor=actor, warning_id=warning.pk)
    with pytest.raises(NotFound):
        trends.warning_acknowledge(actor=actor_for_system(world.bazaar.organisation), warning_id=warning.pk)

    assert acknowledged.acknowledged_at is not None
    assert refused.value.code == "already_acknowledged"
    event = AuditEvent.objects.get(action=AuditAction.EARLY_WARNING_ACKNOWLEDGED)
    assert event.details == {"day": DAY.isoformat(), "brand": "AURORA", "category": "", "count": 5, "baseline": 1.0}
    assert [w.brand for w in trends.warnings_for_marketplace(actor=actor)] == [""]
    assert [w.brand for w in trends.warnings_for_marketplace(actor=actor, acknowledged=True)] == ["AURORA"]
    assert trends.warnings_for_marketplace(actor=actor, acknowledged=None).count() == 2
