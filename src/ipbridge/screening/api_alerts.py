"""HTTP API of screening alerts: a queue (the marketplace's own; a right holder's, of alerts naming its marks that
marketplaces share; an agent's, for the right holders it acts for), one alert, and the marketplace's triage.
Parse, call a service or a selector, serialise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination, Rendered
from ipbridge.engine.screening import DETECTORS
from ipbridge.notices.models import Measure
from ipbridge.screening import alerts_selectors as selectors
from ipbridge.screening import alerts_services as services
from ipbridge.screening.alerts_presenters import alert_out
from ipbridge.screening.models import DismissReason

router = Router(tags=["screening"])


class MarketplaceRef(Schema):
    slug: str = Field(description="Its id on IPBridge")
    name: str


class FlagRightOut(Schema):
    id: int
    office: str
    number: str
    mark: str


class FlagOut(Schema):
    detector: str = Field(description=f"One of: {', '.join(DETECTORS)}")
    detector_label: str = Field(description="The detector, in the language asked for")
    field: str = Field(description='The item\'s field the match is in: "title", "description", "shop_name", …')
    field_label: str = Field(description="That field, in the language asked for")
    start: int = Field(description="Where the match starts in that field, in characters")
    end: int
    matched_text: str
    term: str = Field(description="The catalogue entry matched: the mark, the risk term, the GI's name")
    weight: float
    how: str = Field(description="How a mark was matched (exact, folded, transliteration, pinyin, …); empty otherwise")
    how_label: str
    sentence: str = Field(description="What the flag says, in the language asked for")
    right: FlagRightOut | None = Field(description="The registered right behind a mark's flag")


class SourceOut(Schema):
    kind: str = Field(description='"scan" or "stream"')
    scan_id: int | None = None
    position: int | None = Field(None, description="The item's line in the scan, from 1")
    price_minor: int | None = None
    currency: str | None = None
    stream_id: int | None = None
    stream_ref: str | None = Field(None, description="The marketplace's id of the stream")
    stream_title: str | None = None
    streamer: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    time_code: str | None = Field(None, description="The segment's start in the stream, mm:ss")
    speaker: str | None = None


class AlertOut(Schema):
    id: int
    marketplace: MarketplaceRef
    status: str = Field(description="open, confirmed or dismissed")
    level: str = Field(description="alert, or hold (held for review)")
    risk_score: float
    title: str = Field(description="The listing's title or the segment's text")
    listing_id: str
    url: str
    shop_id: str
    shop_name: str
    category: str
    brand: str = Field(description="The strongest mark the flags name")
    detectors: list[str]
    flags: list[FlagOut]
    source: SourceOut
    outcome: str = Field(description="notice or measure, once acted on")
    measure: str = Field(description=f"The internal measure of a confirmed alert: {', '.join(Measure.values)}")
    dismiss_reason: str = Field(description=f"Why it was dismissed: {', '.join(DismissReason.values)}")
    note: str = Field(description="The marketplace's note; only the marketplace and operators read it")
    decided_by: str = Field(description="Who decided; only the marketplace and operators read it")
    decided_at: dt.datetime | None
    notice: str | None = Field(description="The reference of the notice sent from the alert")
    created_at: dt.datetime


class ConfirmIn(Schema):
    measure: str = Field(description=f"The measure taken: {', '.join(Measure.values)}")
    note: str = Field("", description="At most 2000 characters")


class DismissIn(Schema):
    reason: str = Field(description=f"One of: {', '.join(DismissReason.values)}")
    note: str = Field("", description="At most 2000 characters; required when the reason is other")


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


@router.get("/screening/alerts", response={200: list[AlertOut], **ERRORS}, operation_id="screening_alerts_list")
@paginate(Pagination)
def alerts_list(
    request: HttpRequest,
    status: str = "",
    level: str = "",
    detector: str = "",
    brand: str = "",
    min_score: float | None = None,
) -> Any:
    """Your queue of alerts, newest first: a marketplace's own; a right holder's, the alerts naming its marks that
    marketplaces share with right holders; an agent's, those of the right holders whose mandates to send notices
    cover them; every alert for operators. Filters: ``status`` (open, confirmed, dismissed), ``level`` (alert,
    hold), ``detector``, ``brand`` (the mark named, any case), ``min_score`` (0 to 1)."""
    actor = _actor(request)
    filters = selectors.alert_filters(status=status, level=level, detector=detector, brand=brand, min_score=min_score)
    return Rendered(selectors.alerts_visible(actor=actor, filters=filters), lambda a: alert_out(a, actor=actor))


@router.get("/screening/alerts/{int:alert_id}", response={200: AlertOut, **ERRORS}, operation_id="screening_alert_get")
def alert_get(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    """One alert of your queue, with its flags explained."""
    actor = _actor(request)
    return alert_out(selectors.access_alert(actor=actor, alert_id=alert_id), actor=actor)


@router.post(
    "/screening/alerts/{int:alert_id}/confirm",
    response={200: AlertOut, **ERRORS},
    operation_id="screening_alert_confirm",
)
def alert_confirm(request: HttpRequest, alert_id: int, payload: ConfirmIn) -> dict[str, Any]:
    """Confirm an alert of your marketplace with the internal measure you took. Its risk keywords weigh a little
    more from now on (tuned weight × 1.05, at most 1). A decided alert is final: 409 ``alert_decided``."""
    actor = _actor(request)
    alert = services.alert_confirm(actor=actor, alert_id=alert_id, measure=payload.measure, note=payload.note)
    return alert_out(selectors.access_alert(actor=actor, alert_id=alert.pk), actor=actor)


@router.post(
    "/screening/alerts/{int:alert_id}/dismiss",
    response={200: AlertOut, **ERRORS},
    operation_id="screening_alert_dismiss",
)
def alert_dismiss(request: HttpRequest, alert_id: int, payload: DismissIn) -> dict[str, Any]:
    """Dismiss an alert of your marketplace, saying why. Its risk keywords weigh a little less from now on (tuned
    weight × 0.85, at least 0.05). A decided alert is final: 409 ``alert_decided``."""
    actor = _actor(request)
    alert = services.alert_dismiss(actor=actor, alert_id=alert_id, reason=payload.reason, note=payload.note)
    return alert_out(selectors.access_alert(actor=actor, alert_id=alert.pk), actor=actor)
