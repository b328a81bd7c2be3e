"""How accurate a sender's notices are, and who earns the trusted-flagger lane (DSA art. 22; the good-faith
programmes marketplaces run: Alibaba's asks ≥ 90 % takedowns and ≤ 5 % counter-notices over three months).

Measured on items a marketplace decided within the period:

- **takedown rate**: items on which a measure was taken, of all items decided;
- **counter-notice rate**: cases with measures that a merchant answered with a counter-notice, of all cases with
  measures;
- **overturned rate**: items whose measures were lifted because no complaint followed a counter-notice, of all
  items with measures.

Withdrawn notices count for none of them: the sender took them back before they could be judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation
from ipbridge.notices.models import Case, CaseStatus, ItemStatus, NoticeItem

TAKEN = (ItemStatus.ACTED, ItemStatus.RESTORED)
# How long a sender's lane is remembered between notices (see ``trusted_flagger_cached``).
LANE_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Accuracy:
    items_decided: int
    items_taken_down: int
    cases_with_measures: int
    cases_counter_noticed: int
    items_overturned: int

    @property
    def takedown_rate(self) -> float | None:
        return self.items_taken_down / self.items_decided if self.items_decided else None

    @property
    def counter_notice_rate(self) -> float | None:
        return self.cases_counter_noticed / self.cases_with_measures if self.cases_with_measures else None

    @property
    def overturned_rate(self) -> float | None:
        return self.items_overturned / self.items_taken_down if self.items_taken_down else None


def _accuracy(items: QuerySet[NoticeItem], cases: QuerySet[Case]) -> Accuracy:
    counted = items.aggregate(
        decided=Count("id", filter=Q(status__in=(*TAKEN, ItemStatus.REJECTED))),
        taken=Count("id", filter=Q(status__in=TAKEN)),
        overturned=Count("id", filter=Q(status=ItemStatus.RESTORED, case__lifted_at__isnull=False)),
    )
    with_measures = cases.filter(items__status__in=TAKEN).distinct()
    return Accuracy(
        items_decided=counted["decided"],
        items_taken_down=counted["taken"],
        cases_with_measures=with_measures.count(),
        cases_counter_noticed=with_measures.filter(counter_notices__isnull=False).distinct().count(),
        items_overturned=counted["overturned"],
    )


def accuracy_of(
    *, sender: Organisation | None = None, marketplace: Organisation | None = None, since: datetime | None = None
) -> Accuracy:
    """The figures of one sender, of one marketplace's cases, or of both, over the items decided since ``since``."""
    items = NoticeItem.objects.exclude(case__status=CaseStatus.WITHDRAWN).filter(decided_at__isnull=False)
    cases = Case.objects.exclude(status=CaseStatus.WITHDRAWN)
    if sender is not None:
        items, cases = items.filter(notice__sender=sender), cases.filter(notice__sender=sender)
    if marketplace is not None:
        items, cases = items.filter(marketplace=marketplace), cases.filter(marketplace=marketplace)
    if since is not None:
        items, cases = items.filter(decided_at__gte=since), cases.filter(decided_at__gte=since)
    return _accuracy(items, cases)


def accuracy_period_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.TRUSTED_FLAGGER_DAYS)


def trusted_flagger(*, sender: Organisation, now: datetime | None = None) -> bool:
    """Whether the sender's recent record earns its notices the first places in every inbox."""
    figures = accuracy_of(sender=sender, since=accuracy_period_start(now))
    return (
        figures.items_decided >= settings.TRUSTED_FLAGGER_MIN_ITEMS
        and (figures.takedown_rate or 0.0) >= settings.TRUSTED_FLAGGER_TAKEDOWN_RATE
        and (figures.counter_notice_rate or 0.0) <= settings.TRUSTED_FLAGGER_COUNTER_NOTICE_RATE
    )


def _lane_key(sender_id: int) -> str:
    return f"notices:trusted-flagger:{sender_id}"


def trusted_flagger_cached(*, sender: Organisation) -> bool:
    """``trusted_flagger`` as of now, remembered for ``LANE_CACHE_SECONDS``: it is asked for every notice sent and
    counts over the sender's whole period. A move of one of the sender's cases forgets it
    (``trusted_flagger_forget``), so a decision, a counter-notice or a lifting counts from the sender's next notice
    on; an item decided while others of its case still wait, which moves no case, counts within the period it is
    remembered. With a cache that each process keeps to itself, another process may go on using its own answer
    for as long."""
    key = _lane_key(sender.pk)
    lane = cache.get(key)
    if lane is None:
        lane = trusted_flagger(sender=sender)
        cache.set(key, lane, LANE_CACHE_SECONDS)
    return bool(lane)


def trusted_flagger_forget(*, sender_id: int) -> None:
    """Forget the sender's remembered lane: now, and again once the transaction commits, so that a lane worked
    out meanwhile from what was there before the change is not kept."""
    key = _lane_key(sender_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


@dataclass(frozen=True)
class AccuracyReport:
    """What an organisation may see: its own figures as a sender and as a marketplace, and their breakdown by
    the other side."""

    overall: Accuracy
    trusted: bool
    by_counterpart: list[tuple[Organisation, Accuracy]]


def accuracy_report(*, actor: Actor) -> AccuracyReport:
    """A sender sees its figures by marketplace; a marketplace sees its cases' figures by sender."""
    actor.require("notices:read")
    me = Organisation.objects.get(pk=actor.organisation.pk)
    since = accuracy_period_start()
    if me.kind == "marketplace":
        senders = Organisation.objects.filter(notices_sent__cases__marketplace=me).distinct().order_by("name")
        return AccuracyReport(
            overall=accuracy_of(marketplace=me, since=since),
            trusted=False,
            by_counterpart=[(s, accuracy_of(sender=s, marketplace=me, since=since)) for s in senders[:200]],
        )
    marketplaces = Organisation.objects.filter(cases__notice__sender=me).distinct().order_by("name")
    return AccuracyReport(
        overall=accuracy_of(sender=me, since=since),
        trusted=trusted_flagger(sender=me),
        by_counterpart=[(m, accuracy_of(sender=me, marketplace=m, since=since)) for m in marketplaces[:200]],
    )
