"""Profiles for the directory's tests, and cases decided at chosen times for its measured figures."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ipbridge.accounts.models import Organisation
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.marketplaces import services
from ipbridge.marketplaces.models import MarketplaceProfile
from ipbridge.marketplaces.services import FieldChange
from ipbridge.notices import services as notices
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, Decision, ItemStatus, NoticeItem
from tests.notices.factories import World, send

POLICY = "https://policy.example/ip"
_numbers = itertools.count(1)


def sourced(value: Any, source: str = POLICY, **extra: Any) -> FieldChange:
    return FieldChange(value=value, source_url=source, **extra)


def curated(actor_organisation: Organisation, slug: str = "bazaar-world", **values: Any) -> MarketplaceProfile:
    """A profile of a marketplace not on IPBridge, curated by an operator from its policy page."""
    fields = {"name": "Bazaar World", "countries": ["CN", "DE"], "languages": ["zh"], **values}
    return services.profile_create(
        actor=actor_for_system(actor_organisation),
        slug=slug,
        changes={name: sourced(value) for name, value in fields.items()},
    )


def own(marketplace: Organisation, **values: Any) -> MarketplaceProfile:
    """The marketplace's own profile, in its own word."""
    fields = {"name": marketplace.name, **values}
    return services.profile_create(
        actor=actor_for_system(marketplace), slug="", changes={k: FieldChange(v) for k, v in fields.items()}
    )


def _decide(case: Case, items: Sequence[NoticeItem], measures: Sequence[str], merchant: str) -> None:
    notices.case_decide(
        actor=actor_for_system(case.marketplace),
        case_id=case.pk,
        decisions=[
            notices.ItemDecision(item.pk, measure, "" if measure else "Genuine goods.")
            for item, measure in zip(items, measures, strict=True)
        ],
        facts="The listing shows the AURORA mark on lipsticks not made by the right holder.",
        legal_ground="Regulation (EU) 2017/1001 art. 9",
        merchant_slug=merchant,
        territorial_scope=["DE"] if any(measures) else [],
    )


def decided_case(
    w: World,
    *,
    delivered: datetime,
    hours: float | Sequence[float],
    measures: Sequence[str] = ("delete",),
    marketplace: Organisation | None = None,
    forwarded: bool = False,
    countered: bool = False,
    pending: int = 0,
) -> Case:
    """A case at ``marketplace`` (MegaMart) delivered at ``delivered``, its items decided with ``measures`` (""
    rejects) ``hours`` after it — one time for all, or one per item, each item its own decision — forwarded to
    the world's merchant and answered by a counter-notice when asked; ``pending`` items left undecided."""
    market = marketplace or w.megamart
    number = next(_numbers)
    count = len(measures) + pending
    notice = send(
        w.organisation,
        items=[ItemIn(market.slug, f"https://{market.slug}.example/p/{number}-{i}") for i in range(count)],
    )
    case = Case.objects.get(notice=notice, marketplace=market)
    items = list(NoticeItem.objects.filter(case=case).order_by("pk"))[: len(measures)]
    times = [hours] * len(measures) if isinstance(hours, int | float) else list(hours)
    merchant = w.merchant.organisation.slug if forwarded else ""
    if len(set(times)) == 1:
        _decide(case, items, measures, merchant)
    else:
        for index, (item, measure) in enumerate(zip(items, measures, strict=True)):
            _decide(case, [item], [measure], merchant if index == len(items) - 1 else "")
    if countered:
        notices.counter_notice_submit(
            actor=actor_for_system(w.merchant.organisation), case_id=case.pk, statement="Genuine.", evidence=["invoice"]
        )
    Case.objects.filter(pk=case.pk).update(delivered_at=delivered)
    for item, at in zip(items, times, strict=True):
        Decision.objects.filter(case=case, items=item).update(decided_at=delivered + timedelta(hours=at))
    assert NoticeItem.objects.filter(case=case, status=ItemStatus.PENDING).count() == pending
    return Case.objects.get(pk=case.pk)
