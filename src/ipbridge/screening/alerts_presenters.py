"""Alerts as the API answers them and the pages show them: the flags told in the reader's language, the field their
title came from, where the item came from, and the link that opens a notice prefilled."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.screening import alerts_selectors as selectors
from ipbridge.screening.alerts_selectors import Principal
from ipbridge.screening.flags import detector_label, flag_sentence, how_label
from ipbridge.screening.models import Alert

MAX_NOTICE_TITLE = 200


def time_code(milliseconds: int) -> str:
    """A moment of a stream as mm:ss (minutes past 59 kept as they are: 75:03)."""
    seconds = max(0, int(milliseconds)) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def field_label(field: str) -> str:
    """The item's field a flag matched in, in the reader's language."""
    labels = {
        "title": _("the title"),
        "description": _("the description"),
        "shop_name": _("the shop's name"),
        "shop_domain": _("the shop's domain"),
        "price": _("the price"),
        "text": _("the transcript"),
    }
    return labels.get(field, field)


def _flags(alert: Alert) -> list[dict[str, Any]]:
    return [flag for flag in alert.flags if isinstance(flag, dict)]


def alert_detectors(alert: Alert) -> list[str]:
    """The detectors that flagged the alert, once each, in the flags' order."""
    return list(dict.fromkeys(str(flag.get("detector", "")) for flag in _flags(alert) if flag.get("detector")))


def title_field(alert: Alert) -> str:
    """The field of the flags whose spans are in the alert's title: a stream segment's text or a listing's title."""
    return "text" if alert.segment_id is not None else "title"


def flag_out(flag: dict[str, Any]) -> dict[str, Any]:
    """A stored flag with its sentence and labels in the reader's language."""
    right = flag.get("right") or None
    return {
        "detector": str(flag.get("detector", "")),
        "detector_label": detector_label(str(flag.get("detector", ""))),
        "field": str(flag.get("field", "")),
        "field_label": field_label(str(flag.get("field", ""))),
        "start": int(flag.get("start", 0) or 0),
        "end": int(flag.get("end", 0) or 0),
        "matched_text": str(flag.get("matched_text", "")),
        "term": str(flag.get("term", "")),
        "weight": float(flag.get("weight", 0.0) or 0.0),
        "how": str(flag.get("how", "") or ""),
        "how_label": how_label(str(flag.get("how", ""))) if flag.get("how") else "",
        "sentence": flag_sentence(flag),
        "right": (
            {
                "id": int(right["id"]),
                "office": str(right.get("office", "")),
                "number": str(right.get("number", "")),
                "mark": str(right.get("mark", "")),
            }
            if right
            else None
        ),
    }


def alert_source(alert: Alert) -> dict[str, Any]:
    """Where the item came from: a scan (its id and the line of the item) or a live stream (its id, the
    marketplace's id of it and the moment of the segment)."""
    if alert.scanned_item_id is not None and alert.scanned_item is not None:
        item = alert.scanned_item
        return {
            "kind": "scan",
            "scan_id": item.scan_id,
            "position": item.position,
            "price_minor": item.price_minor,
            "currency": item.currency,
        }
    if alert.segment_id is not None and alert.segment is not None:
        segment = alert.segment
        session = segment.session
        return {
            "kind": "stream",
            "stream_id": session.pk,
            "stream_ref": session.stream_ref,
            "stream_title": session.title,
            "streamer": session.streamer,
            "start_ms": segment.start_ms,
            "end_ms": segment.end_ms,
            "time_code": time_code(segment.start_ms),
            "speaker": segment.speaker,
        }
    return {"kind": ""}


def alert_out(alert: Alert, *, actor: Actor) -> dict[str, Any]:
    """An alert as the API gives it; the marketplace's note and who decided only to the marketplace and
    operators."""
    internals = selectors.alert_shows_internals(actor=actor, alert=alert)
    return {
        "id": alert.pk,
        "marketplace": {"slug": alert.marketplace.slug, "name": alert.marketplace.name},
        "status": alert.status,
        "level": alert.level,
        "risk_score": round(alert.risk_score, 4),
        "title": alert.title,
        "listing_id": alert.listing_id,
        "url": alert.url,
        "shop_id": alert.shop_id,
        "shop_name": alert.shop_name,
        "category": alert.category,
        "brand": alert.brand,
        "detectors": alert_detectors(alert),
        "flags": [flag_out(flag) for flag in _flags(alert)],
        "source": alert_source(alert),
        "outcome": alert.outcome,
        "measure": alert.measure,
        "dismiss_reason": alert.dismiss_reason,
        "note": alert.note if internals else "",
        "decided_by": alert.decided_by_label if internals else "",
        "decided_at": alert.decided_at,
        "notice": str(alert.notice.reference) if alert.notice_id and alert.notice else None,
        "created_at": alert.created_at,
    }


def notice_explanation(alert: Alert) -> str:
    """Why the item infringes, as the screening found: where and when it was flagged, then each flag's sentence."""
    when = timezone.localtime(alert.created_at).strftime("%Y-%m-%d")
    source = alert_source(alert)
    if source["kind"] == "stream":
        intro = _(
            "Screening by %(marketplace)s flagged this live stream at %(time)s on %(date)s (risk score %(score)s):"
        ) % {
            "marketplace": alert.marketplace.name,
            "time": source["time_code"],
            "date": when,
            "score": f"{alert.risk_score:.2f}",
        }
    else:
        intro = _("Screening by %(marketplace)s flagged this listing on %(date)s (risk score %(score)s):") % {
            "marketplace": alert.marketplace.name,
            "date": when,
            "score": f"{alert.risk_score:.2f}",
        }
    sentences = list(dict.fromkeys(flag_sentence(flag) for flag in _flags(alert)))
    return "\n".join([intro, *(f"- {sentence}" for sentence in sentences)])


def notice_link(alert: Alert, principal: Principal) -> str:
    """The compose form's address, prefilled from the alert for ``principal``: its rights the alert names, the
    item (address or listing id, title), the explanation and the alert to record the notice on."""
    pairs: list[tuple[str, str]] = [("right", f"{r.get('office', '')} {r.get('number', '')}") for r in principal.rights]
    if principal.on_behalf:
        pairs.append(("on_behalf_of", principal.organisation.slug))
    if alert.url:
        pairs += [("marketplace", alert.marketplace.slug), ("url", alert.url)]
    elif alert.listing_id:
        pairs += [("marketplace", alert.marketplace.slug), ("listing_id", alert.listing_id)]
    if alert.title:
        pairs.append(("title", " ".join(alert.title.split())[:MAX_NOTICE_TITLE]))
    pairs += [("explanation", notice_explanation(alert)), ("alert", str(alert.pk))]
    return f"{reverse('notices:compose')}?{urlencode(pairs)}"
