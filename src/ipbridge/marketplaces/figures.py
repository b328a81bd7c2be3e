"""Measured, not claimed: what a marketplace on IPBridge did with its cases, computed from them.

Over a window (the last 90 days), counting the cases whose decision falls in it:

- a case is decided once none of its items is pending and the marketplace decided at least one of them; its
  decision time is when the last of its items got its first decision (a later appeal does not move it);
- hours to decision: from the case's delivery to its decision time; the median (the mean of the two middle values
  for an even count) and the 90th percentile by the nearest-rank method (the smallest value with at least 90% of
  the cases at or below it), each rounded half up to the hundredth of an hour;
- share of items acted on: the decided items (of those cases) that carry a measure, over the decided items;
- counter-notice rate: the cases answered by a counter-notice, over the cases whose measures were forwarded to
  their merchant.

The computation is exact: durations in whole microseconds, quotients as decimals."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min

from ipbridge.notices.models import Case, ItemStatus, NoticeItem

WINDOW = timedelta(days=90)
# Below this many decided cases a median says little, and the figures are not shown.
MIN_DECIDED_CASES = 5
_HOUR_US = 3600 * 1_000_000
_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Figures:
    window_start: datetime
    window_end: datetime
    cases_decided: int
    median_hours: Decimal | None
    p90_hours: Decimal | None
    items_decided: int
    items_acted: int
    cases_forwarded: int
    cases_counter_noticed: int


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _hours(microseconds: Decimal) -> Decimal:
    return (microseconds / _HOUR_US).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def median_hours(durations: list[int]) -> Decimal | None:
    """The median of durations in microseconds, in hours."""
    if not durations:
        return None
    ordered = sorted(durations)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return _hours(Decimal(ordered[middle]))
    return _hours(Decimal(ordered[middle - 1] + ordered[middle]) / 2)


def p90_hours(durations: list[int]) -> Decimal | None:
    """The 90th percentile of durations in microseconds, in hours, by the nearest rank: ⌈0.9·n⌉-th smallest."""
    if not durations:
        return None
    ordered = sorted(durations)
    rank = math.ceil(len(ordered) * 9 / 10)
    return _hours(Decimal(ordered[rank - 1]))


def figures_compute(*, marketplace_id: int, now: datetime) -> Figures:
    """The figures of a marketplace (an organisation) over the window ending ``now``."""
    start = now - WINDOW
    # A case decided in the window had a decision in it: only those cases are read.
    candidates = (
        Case.objects.filter(marketplace_id=marketplace_id, decisions__decided_at__gte=start)
        .values_list("pk", flat=True)
        .distinct()
    )
    cases = {
        row["pk"]: row
        for row in Case.objects.filter(pk__in=candidates).values(
            "pk", "delivered_at", "forwarded_at", "counter_noticed_at"
        )
    }
    items: dict[int, list[tuple[str, str, datetime | None]]] = defaultdict(list)
    for row in (
        NoticeItem.objects.filter(case_id__in=list(cases))
        .values("pk", "case_id", "status", "measure")
        .annotate(first_decided=Min("decisions__decided_at"))
        .order_by("pk")
    ):
        items[row["case_id"]].append((row["status"], row["measure"], row["first_decided"]))

    durations: list[int] = []
    items_decided = items_acted = forwarded = counter_noticed = 0
    for case_id, case in cases.items():
        case_items = items.get(case_id, [])
        if any(status == ItemStatus.PENDING for status, _measure, _at in case_items):
            continue
        decided = [(measure, at) for _status, measure, at in case_items if at is not None]
        if not decided or case["delivered_at"] is None:
            continue
        decided_at = max(at for _measure, at in decided)
        if not start <= decided_at <= now:
            continue
        durations.append(_microseconds(decided_at - case["delivered_at"]))
        items_decided += len(decided)
        items_acted += sum(1 for measure, _at in decided if measure)
        if case["forwarded_at"] is not None:
            forwarded += 1
            if case["counter_noticed_at"] is not None:
                counter_noticed += 1
    return Figures(
        window_start=start,
        window_end=now,
        cases_decided=len(durations),
        median_hours=median_hours(durations),
        p90_hours=p90_hours(durations),
        items_decided=items_decided,
        items_acted=items_acted,
        cases_forwarded=forwarded,
        cases_counter_noticed=counter_noticed,
    )


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, rounded half up to a tenth; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
