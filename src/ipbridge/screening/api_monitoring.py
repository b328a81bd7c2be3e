"""HTTP API of focused monitoring and early warning: watches, shops' identifiers and their associations, repeat
infringers, trends and warnings. Parse, call a service or a selector, serialise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination, Rendered
from ipbridge.core.validation import choice_field
from ipbridge.screening import monitoring, trends
from ipbridge.screening.models import EarlyWarning, IdentifierKind, Watch, WatchKind

router = Router(tags=["screening"])

KINDS = ", ".join(WatchKind.values)
IDENTIFIER_KINDS = ", ".join(IdentifierKind.values)
# The paginated lists take their filter as plain text: Ninja reads a paginated view's annotations in another module.
WATCH_STATES = {"active": True, "ended": False, "all": None}
WARNING_STATES = {"waiting": False, "acknowledged": True, "all": None}


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


# Watches -----------------------------------------------------------------------------------------------------------


class WatchIn(Schema):
    kind: str = Field(description=f"One of: {KINDS}")
    label: str = Field(default="", max_length=200, description="Made from the other fields when empty")
    keywords: list[str] = Field(
        default_factory=list,
        max_length=monitoring.watches.MAX_KEYWORDS,
        description="Words a title must all hold (product and same_type)",
    )
    category: str = Field(default="", max_length=200, description="Optional for product, required for same_type")
    shop_id: str = Field(default="", max_length=200, description="The shop watched (shop)")
    reason: str = Field(default="", max_length=2000)


class WatchFromAlertIn(Schema):
    kind: str = Field(description=f"One of: {KINDS}")
    keywords: list[str] | None = Field(
        default=None,
        max_length=monitoring.watches.MAX_KEYWORDS,
        description="Instead of the alert's brand and the words its flags matched",
    )
    category: str | None = Field(default=None, max_length=200, description="Instead of the alert's category")
    reason: str = Field(default="", max_length=2000)


class WatchOut(Schema):
    id: int
    kind: str
    label: str
    keywords: list[str]
    category: str
    shop_id: str
    reason: str
    source_alert: int | None
    active: bool
    hits: int = Field(description="Items of scans and streams that matched it")
    created_by: str
    created_at: dt.datetime


def _watch(watch: Watch) -> dict[str, Any]:
    return {
        "id": watch.pk,
        "kind": watch.kind,
        "label": watch.label,
        "keywords": watch.keywords,
        "category": watch.category,
        "shop_id": watch.shop_id,
        "reason": watch.reason,
        "source_alert": watch.source_alert_id,
        "active": watch.active,
        "hits": watch.hits,
        "created_by": watch.created_by_label,
        "created_at": watch.created_at,
    }


@router.get("/screening/watches", response={200: list[WatchOut], **ERRORS}, operation_id="screening_watches")
@paginate(Pagination)
def screening_watches(request: HttpRequest, state: str = "active") -> Any:
    """Your marketplace's watches, newest first: ``state`` active (the default), ended or all."""
    active = WATCH_STATES[choice_field(state, WATCH_STATES, field="state")]
    return Rendered(monitoring.watches_for_marketplace(actor=_actor(request), active=active), _watch)


@router.post("/screening/watches", response={201: WatchOut, **ERRORS}, operation_id="screening_watch_add")
def screening_watch_add(request: HttpRequest, payload: WatchIn) -> Status[dict[str, Any]]:
    """Watch a reported product (keywords, optional category), products of the same type (category and keywords)
    or a shop (shop_id): every scanned listing or stream segment matching it raises an alert whatever its score."""
    watch = monitoring.watch_add(actor=_actor(request), **payload.model_dump())
    return Status(201, _watch(watch))


@router.post(
    "/screening/alerts/{int:alert_id}/watch",
    response={201: WatchOut, **ERRORS},
    operation_id="screening_watch_from_alert",
)
def screening_watch_from_alert(
    request: HttpRequest, alert_id: int, payload: WatchFromAlertIn
) -> Status[dict[str, Any]]:
    """Watch the shop of one of your alerts, its product or products of its type."""
    watch = monitoring.watch_from_alert(actor=_actor(request), alert_id=alert_id, **payload.model_dump())
    return Status(201, _watch(watch))


@router.get("/screening/watches/{int:watch_id}", response={200: WatchOut, **ERRORS}, operation_id="screening_watch")
def screening_watch(request: HttpRequest, watch_id: int) -> dict[str, Any]:
    return _watch(monitoring.access_watch(actor=_actor(request), watch_id=watch_id))


@router.post(
    "/screening/watches/{int:watch_id}/end", response={200: WatchOut, **ERRORS}, operation_id="screening_watch_end"
)
def screening_watch_end(request: HttpRequest, watch_id: int) -> dict[str, Any]:
    """Stop watching; the watch stays on record with its hits."""
    return _watch(monitoring.watch_end(actor=_actor(request), watch_id=watch_id))


# Shops -------------------------------------------------------------------------------------------------------------


class ShopIdentifierIn(Schema):
    kind: str = Field(description=f"One of: {IDENTIFIER_KINDS}")
    value: str = Field(max_length=monitoring.shops.MAX_VALUE)


class ShopWithIdentifiersIn(Schema):
    shop_id: str = Field(max_length=200)
    shop_name: str = Field(default="", max_length=200)
    identifiers: list[ShopIdentifierIn] = Field(min_length=1, max_length=monitoring.shops.MAX_IDENTIFIERS)


class ShopIdentifiersRecordIn(Schema):
    shops: list[ShopWithIdentifiersIn] = Field(min_length=1, max_length=monitoring.shops.MAX_SHOPS)


class ShopIdentifiersRecordedOut(Schema):
    shops: int
    recorded: int = Field(description="Identifiers new for their shop")
    already: int = Field(description="Identifiers recorded for their shop before")


@router.post(
    "/screening/shops/identifiers",
    response={201: ShopIdentifiersRecordedOut, **ERRORS},
    operation_id="screening_shop_identifiers_record",
)
def screening_shop_identifiers_record(request: HttpRequest, payload: ShopIdentifiersRecordIn) -> Status[dict[str, Any]]:
    """Record what your shops are known by (business licence number, telephone with its country code, payment
    account, address, device), all or none. Only keyed hashes are kept; shops sharing one are associated."""
    recorded = monitoring.shop_identifiers_record(
        actor=_actor(request),
        shops=[
            monitoring.ShopIdentifiersIn(
                shop_id=shop.shop_id,
                shop_name=shop.shop_name,
                identifiers=[(i.kind, i.value) for i in shop.identifiers],
            )
            for shop in payload.shops
        ],
    )
    return Status(201, {"shops": recorded.shops, "recorded": recorded.recorded, "already": recorded.already})


class ShopAlertCountsOut(Schema):
    open: int
    confirmed: int
    dismissed: int


class ShopNodeOut(Schema):
    shop_id: str
    shop_name: str
    depth: int = Field(description="0 for the shop asked about, 1 for shops sharing an identifier with it, …")
    alerts: ShopAlertCountsOut
    watched: bool


class ShopEdgeOut(Schema):
    source: str
    target: str
    kinds: list[str] = Field(description="The kinds of identifiers the two shops share, never their values")


class ShopGraphOut(Schema):
    shop_id: str
    nodes: list[ShopNodeOut]
    edges: list[ShopEdgeOut]
    truncated: bool = Field(description=f"More shops are associated than the {monitoring.shops.MAX_NODES} shown")


@router.get(
    "/screening/shops/{path:shop_id}/associated",
    response={200: ShopGraphOut, **ERRORS},
    operation_id="screening_shop_associated",
)
def screening_shop_associated(request: HttpRequest, shop_id: str, depth: int = 2) -> dict[str, Any]:
    """The shops associated with one of yours through shared identifiers, ``depth`` steps out (1 to 3), with their
    alerts."""
    graph = monitoring.shop_graph(actor=_actor(request), shop_id=shop_id, depth=depth)
    return {
        "shop_id": graph.shop_id,
        "nodes": [
            {
                "shop_id": n.shop_id,
                "shop_name": n.shop_name,
                "depth": n.depth,
                "alerts": {"open": n.alerts.open, "confirmed": n.alerts.confirmed, "dismissed": n.alerts.dismissed},
                "watched": n.watched,
            }
            for n in graph.nodes
        ],
        "edges": [{"source": e.source, "target": e.target, "kinds": list(e.kinds)} for e in graph.edges],
        "truncated": graph.truncated,
    }


class RepeatShopOut(Schema):
    shop_id: str
    shop_name: str
    confirmed: int
    open: int
    dismissed: int
    latest: dt.datetime = Field(description="When its newest alert was raised")
    associated: int = Field(description="Other shops sharing an identifier with it")
    watched: bool


class _RepeatPage:
    """A page of repeat infringers, their associations read for that page only."""

    def __init__(self, actor: Actor):
        self.actor = actor
        self.rows = monitoring.repeat_infringers(actor=actor)

    def __len__(self) -> int:
        return self.rows.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        shops = monitoring.repeat_infringers_rendered(actor=self.actor, rows=list(self.rows[window]))
        return [shop.__dict__ for shop in shops]


@router.get("/screening/shops/repeat", response={200: list[RepeatShopOut], **ERRORS}, operation_id="screening_repeat")
@paginate(Pagination)
def screening_repeat(request: HttpRequest) -> Any:
    """Your shops with confirmed or open alerts: most confirmed first, then most open, then the most recent."""
    return _RepeatPage(_actor(request))


# Trends and early warnings -----------------------------------------------------------------------------------------


class TrendSeriesOut(Schema):
    name: str
    counts: list[int] = Field(description="One per day, oldest first")
    total: int


class TrendSpikeOut(Schema):
    day: dt.date
    brand: str
    category: str
    count: int
    baseline: float = Field(description=f"Mean daily count of the {trends.BASELINE_DAYS} days before")


class TrendsOut(Schema):
    scope: str = Field(
        description="Whose queue: marketplace (your alerts), right_holder (alerts naming your marks, where shared), "
        "agent (those of the right holders you act for) or operator (all)"
    )
    days: list[dt.date]
    total: list[int]
    brands: list[TrendSeriesOut] = Field(description=f"The {trends.TOP_SERIES} most alerted brands")
    categories: list[TrendSeriesOut]
    spikes: list[TrendSpikeOut]


def _spike(s: trends.Spike) -> dict[str, Any]:
    return {"day": s.day, "brand": s.brand, "category": s.category, "count": s.count, "baseline": s.baseline}


@router.get("/screening/trends", response={200: TrendsOut, **ERRORS}, operation_id="screening_trends")
def screening_trends(
    request: HttpRequest, days: int = trends.DEFAULT_DAYS, brand: str = "", category: str = ""
) -> dict[str, Any]:
    """Daily alerts per brand and per category over ``days`` days up to today (1 to 365), and their spikes; only
    those of ``brand`` or ``category`` when given. The alerts of your queue: a marketplace's own; a right holder's,
    alerts naming its marks at the marketplaces that share them; an agent's, those of the right holders it acts for
    under a mandate to send notices; an operator's, every alert."""
    found = trends.trends(actor=_actor(request), days=days, brand=brand, category=category)
    return {
        "scope": found.scope,
        "days": found.days,
        "total": found.total,
        "brands": [{"name": s.name, "counts": s.counts, "total": s.total} for s in found.brands],
        "categories": [{"name": s.name, "counts": s.counts, "total": s.total} for s in found.categories],
        "spikes": [_spike(s) for s in found.spikes],
    }


class EarlyWarningOut(Schema):
    id: int
    day: dt.date
    brand: str
    category: str
    count: int
    baseline: float
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None


def _warning(w: EarlyWarning) -> dict[str, Any]:
    return {
        "id": w.pk,
        "day": w.day,
        "brand": w.brand,
        "category": w.category,
        "count": w.count,
        "baseline": w.baseline,
        "created_at": w.created_at,
        "acknowledged_at": w.acknowledged_at,
    }


@router.get("/screening/warnings", response={200: list[EarlyWarningOut], **ERRORS}, operation_id="screening_warnings")
@paginate(Pagination)
def screening_warnings(request: HttpRequest, state: str = "waiting") -> Any:
    """Your marketplace's early warnings, the newest day first: ``state`` waiting (the default), acknowledged or
    all."""
    acknowledged = WARNING_STATES[choice_field(state, WARNING_STATES, field="state")]
    return Rendered(trends.warnings_for_marketplace(actor=_actor(request), acknowledged=acknowledged), _warning)


@router.post(
    "/screening/warnings/check",
    response={200: list[EarlyWarningOut], **ERRORS},
    operation_id="screening_warnings_check",
)
def screening_warnings_check(request: HttpRequest) -> list[dict[str, Any]]:
    """Check today and yesterday for spikes now, as the daily job does; answers the new warnings."""
    return [_warning(w) for w in trends.warnings_check_now(actor=_actor(request))]


@router.post(
    "/screening/warnings/{int:warning_id}/acknowledge",
    response={200: EarlyWarningOut, **ERRORS},
    operation_id="screening_warning_acknowledge",
)
def screening_warning_acknowledge(request: HttpRequest, warning_id: int) -> dict[str, Any]:
    return _warning(trends.warning_acknowledge(actor=_actor(request), warning_id=warning_id))
