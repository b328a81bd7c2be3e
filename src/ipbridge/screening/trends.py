"""Early warning (侵权预警, Shenzhen guideline 5.2): daily counts of alerts per brand and per category, and the
spikes among them.

**The spike rule.** A brand (or a category) spikes on a day when that day's count of alerts naming it is at least
``max(SPIKE_FLOOR, SPIKE_FACTOR × the mean daily count of the BASELINE_DAYS days before)`` — at least 5, and at
least three times the mean of the 14 days before, days without alerts counting as 0. The floor keeps a brand that
goes from nothing to one or two alerts from warning; the mean over two weeks smooths a weekly rhythm. Days are those
of the instance's time zone (``TIME_ZONE``), alerts of every status count (dismissed ones too: the listings were
flagged), and alerts without a brand or a category count only towards the total.

A marketplace sees its own alerts; the daily job (and a marketplace's "check now") writes an ``EarlyWarning`` per
spike — one per marketplace, day, brand or category, however often it runs — which the marketplace acknowledges.
A right holder sees, read-only, the trends of the alerts naming its marks across the marketplaces that share their
alerts with right holders (an agent, those of the right holders it acts for); operators, those of every alert: the
alerts of each one's queue (``alerts_selectors.alerts_visible``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_act_row, audit_row, audit_rows_write
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import Conflict, NotFound, ValidationFailed
from ipbridge.core.validation import text_field
from ipbridge.screening import alerts_selectors
from ipbridge.screening.models import Alert, EarlyWarning
from ipbridge.screening.monitoring._access import refuse_nul, require_marketplace

SPIKE_FLOOR = 5
SPIKE_FACTOR = 3
BASELINE_DAYS = 14
DEFAULT_DAYS = 30
MAX_DAYS = 365
TOP_SERIES = 8  # brands and categories drawn, the most alerted first
MAX_FILTER = 200
# Raised by the daily job or a marketplace's check: in the marketplace's audit log, with the warning as subject.
WARNING_RAISED = AuditAction.EARLY_WARNING_RAISED

BRAND = "brand"
CATEGORY = "category"
# Whoever has an alert queue reads its trends: marketplaces, right holders, agents for them, operators.
READERS = alerts_selectors.READERS


def is_spike(count: int, before: Sequence[int]) -> bool:
    """Whether ``count`` is a spike against the daily counts ``before`` it (the ``BASELINE_DAYS`` days, zeros
    included): count ≥ max(SPIKE_FLOOR, SPIKE_FACTOR × mean(before)), in whole numbers so that no rounding decides."""
    if count < SPIKE_FLOOR:
        return False
    return not before or count * len(before) >= SPIKE_FACTOR * sum(before)


def baseline(before: Sequence[int]) -> float:
    return sum(before) / len(before) if before else 0.0


def today() -> date:
    """Today in the instance's time zone: the days of early warning are the instance's, whoever looks."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Series:
    name: str
    counts: list[int]  # one per day of the window, oldest first

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Spike:
    day: date
    brand: str
    category: str
    count: int
    baseline: float


@dataclass(frozen=True)
class Trends:
    scope: str  # the kind of the organisation whose queue is counted
    days: list[date]
    total: list[int]
    brands: list[Series]
    categories: list[Series]
    spikes: list[Spike]


# Counting ----------------------------------------------------------------------------------------------------------


def _daily(alerts: QuerySet[Alert], dimension: str, first: date, last: date) -> dict[str, dict[date, int]]:
    """Alerts per value of ``dimension`` (brand or category; "" for none) per day from ``first`` to ``last``."""
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    rows = (
        alerts.filter(created_at__gte=_start_of(first), created_at__lt=_start_of(last + timedelta(days=1)))
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()))
        .values("day", dimension)
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row[dimension]][row["day"]] = row["n"]
    return counts


def _spikes(counts: dict[str, dict[date, int]], dimension: str, days: Iterable[date]) -> list[Spike]:
    found = []
    for key, per_day in counts.items():
        if not key:
            continue
        for day in days:
            count = per_day.get(day, 0)
            before = [per_day.get(day - timedelta(days=n), 0) for n in range(1, BASELINE_DAYS + 1)]
            if is_spike(count, before):
                found.append(
                    Spike(
                        day,
                        key if dimension == BRAND else "",
                        key if dimension == CATEGORY else "",
                        count,
                        round(baseline(before), 4),
                    )
                )
    return found


def spikes_on(*, alerts: QuerySet[Alert], days: Sequence[date]) -> list[Spike]:
    """The spikes of brands and categories among ``alerts`` on each of ``days``, in two queries."""
    first, last = min(days) - timedelta(days=BASELINE_DAYS), max(days)
    spikes = []
    for dimension in (BRAND, CATEGORY):
        spikes += _spikes(_daily(alerts, dimension, first, last), dimension, days)
    return sorted(spikes, key=lambda s: (s.day, -s.count, s.brand, s.category))


def _series(counts: dict[str, dict[date, int]], days: list[date]) -> list[Series]:
    series = [Series(key, [per_day.get(day, 0) for day in days]) for key, per_day in counts.items() if key]
    series = [s for s in series if s.total]
    return sorted(series, key=lambda s: (-s.total, s.name))[:TOP_SERIES]


def trends_filters(*, days: int = DEFAULT_DAYS, brand: str = "", category: str = "") -> tuple[int, str, str]:
    """The window and filters as given, or the refusal naming the one at fault."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(
            "out_of_range", _("Give a number of days from 1 to %(n)d.") % {"n": MAX_DAYS}, field="days"
        )
    refuse_nul([("brand", brand), ("category", category)])
    brand = text_field(brand, field="brand", max_length=MAX_FILTER, required=False)
    category = text_field(category, field="category", max_length=MAX_FILTER, required=False)
    return days, brand, category


def trends(
    *, actor: Actor, days: int = DEFAULT_DAYS, brand: str = "", category: str = "", until: date | None = None
) -> Trends:
    """Daily alerts over the ``days`` days up to ``until`` (today): the total, the most alerted brands and
    categories, and the spikes among them; only alerts of ``brand`` and of ``category`` when given (either case)."""
    actor.require("screening:read")
    actor.require_kind(*READERS)
    days, brand, category = trends_filters(days=days, brand=brand, category=category)
    last = until or today()
    window = [last - timedelta(days=n) for n in range(days - 1, -1, -1)]
    # The alerts of the actor's queue, as the queue's one door lets it see them.
    alerts = alerts_selectors.alerts_visible(actor=actor)
    if brand:
        alerts = alerts.filter(brand__iexact=brand)
    if category:
        alerts = alerts.filter(category__iexact=category)
    first = window[0] - timedelta(days=BASELINE_DAYS)
    by_brand = _daily(alerts, BRAND, first, last)
    by_category = _daily(alerts, CATEGORY, first, last)
    total = [sum(per_day.get(day, 0) for per_day in by_brand.values()) for day in window]
    spikes = _spikes(by_brand, BRAND, window) + _spikes(by_category, CATEGORY, window)
    return Trends(
        scope=actor.organisation.kind,
        days=window,
        total=total,
        brands=_series(by_brand, window),
        categories=_series(by_category, window),
        spikes=sorted(spikes, key=lambda s: (s.day, -s.count, s.brand, s.category)),
    )


# Early warnings ----------------------------------------------------------------------------------------------------


def _warnings_write(marketplace: Organisation, spikes: Sequence[Spike], days: Sequence[date]) -> list[EarlyWarning]:
    """One warning per spike: a new one when none was written for its day, brand and category; an existing one
    has its count and baseline brought up to date. Returns the new ones.

    The marketplace's row is locked first, so that the daily job and a "check now" at the same moment take turns
    rather than both writing the same warning."""
    Organisation.objects.select_for_update().filter(pk=marketplace.pk).first()
    existing = {
        (w.day, w.brand, w.category): w
        for w in EarlyWarning.objects.select_for_update().filter(marketplace=marketplace, day__in=list(days))
    }
    new = []
    for spike in spikes:
        warning = existing.get((spike.day, spike.brand, spike.category))
        if warning is None:
            new.append(
                EarlyWarning(
                    marketplace=marketplace,
                    day=spike.day,
                    brand=spike.brand,
                    category=spike.category,
                    count=spike.count,
                    baseline=spike.baseline,
                )
            )
        elif (warning.count, warning.baseline) != (spike.count, spike.baseline):
            warning.count, warning.baseline = spike.count, spike.baseline
            warning.save(update_fields=["count", "baseline"])
    return EarlyWarning.objects.bulk_create(new)


def _details(warning: EarlyWarning) -> dict[str, Any]:
    return {
        "day": warning.day.isoformat(),
        "brand": warning.brand,
        "category": warning.category,
        "count": warning.count,
        "baseline": warning.baseline,
    }


def _check_days(on: date | None) -> list[date]:
    """The day checked and the one before it: a check just after midnight still sees the whole of yesterday."""
    last = on or today()
    return [last - timedelta(days=1), last]


@transaction.atomic
def warnings_check(*, marketplace: Organisation, on: date | None = None) -> list[EarlyWarning]:
    """Scheduled: write the marketplace's warnings for the spikes of ``on`` (today) and the day before; returns
    the new ones, each audited in the marketplace's log as raised by the system."""
    days = _check_days(on)
    spikes = spikes_on(alerts=Alert.objects.filter(marketplace=marketplace), days=days)
    new = _warnings_write(marketplace, spikes, days)
    audit_rows_write(
        [
            audit_row(
                action=WARNING_RAISED,
                actor=None,
                actor_label="system",
                organisation=marketplace,
                subject=warning,
                details=_details(warning),
            )
            for warning in new
        ]
    )
    return new


@transaction.atomic
def warnings_check_now(*, actor: Actor) -> list[EarlyWarning]:
    """A marketplace's "check now": the scheduled check of today and yesterday, at once, audited as the actor's."""
    require_marketplace(actor, "screening:write")
    days = _check_days(None)
    spikes = spikes_on(alerts=Alert.objects.filter(marketplace=actor.organisation), days=days)
    new = _warnings_write(actor.organisation, spikes, days)
    audit_rows_write([audit_act_row(actor, WARNING_RAISED, subject=w, **_details(w)) for w in new])
    return new


def warnings_check_all(*, on: date | None = None) -> int:
    """Scheduled: check every marketplace with alerts on the days a check looks at (no other can have a spike),
    each in its own transaction; returns how many new warnings were written."""
    first = _check_days(on)[0]
    with_alerts = Alert.objects.filter(created_at__gte=_start_of(first)).values("marketplace_id")
    marketplaces = Organisation.objects.filter(kind=OrganisationKind.MARKETPLACE, pk__in=with_alerts).order_by("pk")
    return sum(len(warnings_check(marketplace=marketplace, on=on)) for marketplace in marketplaces)


def warnings_for_marketplace(*, actor: Actor, acknowledged: bool | None = False) -> QuerySet[EarlyWarning]:
    """The marketplace's warnings, the newest day first: those waiting (``acknowledged=False``), the acknowledged
    ones, or all (None)."""
    require_marketplace(actor, "screening:read")
    warnings = EarlyWarning.objects.filter(marketplace=actor.organisation).order_by("-day", "-count", "-id")
    if acknowledged is None:
        return warnings
    return warnings.filter(acknowledged_at__isnull=not acknowledged)


@transaction.atomic
def warning_acknowledge(*, actor: Actor, warning_id: int) -> EarlyWarning:
    """The marketplace has seen the warning. Acknowledging it again is refused (409 ``already_acknowledged``)."""
    require_marketplace(actor, "screening:write")
    warning = EarlyWarning.objects.select_for_update().filter(pk=warning_id, marketplace=actor.organisation).first()
    if warning is None:
        raise NotFound()
    if warning.acknowledged_at is not None:
        raise Conflict("already_acknowledged", _("This warning has already been acknowledged."))
    warning.acknowledged_at = timezone.now()
    warning.save(update_fields=["acknowledged_at"])
    audit_act(actor, AuditAction.EARLY_WARNING_ACKNOWLEDGED, subject=warning, **_details(warning))
    return warning
