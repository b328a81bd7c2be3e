"""Scans, flagged listings and settings as the API answers them and the pages show them."""

from __future__ import annotations

from typing import Any

from ipbridge.accounts.models import Organisation
from ipbridge.screening.flags import flag_sentence
from ipbridge.screening.models import GIProducer, RiskKeyword, Scan, ScannedItem, ScreeningSettings
from ipbridge.screening.scans import ItemResult
from ipbridge.screening.scans_input import Rejected, problem_message
from ipbridge.screening.scans_selectors import item_alert, scan_progress, scan_rejections

API_PREFIX = "/api/v1/screening"


def organisation_out(organisation: Organisation) -> dict[str, str]:
    return {"slug": organisation.slug, "name": organisation.name}


def flag_out(flag: dict[str, Any]) -> dict[str, Any]:
    """A stored flag with its sentence in the reader's language."""
    return {**flag, "sentence": flag_sentence(flag)}


def rejection_out(row: dict[str, Any]) -> dict[str, Any]:
    """A kept rejection, its reason told again in the reader's language."""
    code = str(row.get("code", ""))
    params = row.get("params") if isinstance(row.get("params"), dict) else {}
    reason = problem_message(code, params or {}) if code else ""
    return {
        "line": int(row.get("line", 0)),
        "id": str(row.get("id", "")),
        "field": str(row.get("field", "")),
        "code": code,
        "reason": reason if reason != code else str(row.get("reason", "")),
    }


def rejections_out(rejected: list[Rejected]) -> list[dict[str, Any]]:
    return [rejection_out(row) for r in rejected for row in r.rows()]


def scan_url(scan_id: int) -> str:
    return f"{API_PREFIX}/scans/{scan_id}"


def scan_out(scan: Scan) -> dict[str, Any]:
    return {
        "id": scan.pk,
        "marketplace": organisation_out(scan.marketplace),
        "source": scan.source,
        "file_name": scan.file_name,
        "status": scan.status,
        "items_total": scan.items_total,
        "items_done": scan.items_done,
        "items_flagged": scan.items_flagged,
        "items_rejected": scan.items_rejected,
        "alerts_raised": scan.alerts_raised,
        "progress": round(scan_progress(scan), 4),
        "error": scan.error,
        "created_by": scan.created_by_label,
        "created_at": scan.created_at,
        "started_at": scan.started_at,
        "finished_at": scan.finished_at,
        "url": scan_url(scan.pk),
        "items_url": f"{scan_url(scan.pk)}/items",
    }


def scan_detail_out(scan: Scan) -> dict[str, Any]:
    return {**scan_out(scan), "rejections": [rejection_out(row) for row in scan_rejections(scan)]}


def item_result_out(answer: ItemResult) -> dict[str, Any]:
    return {
        "id": answer.item.id,
        "position": answer.item.position,
        "risk_score": answer.result.risk_score,
        "level": answer.level,
        "flags": [flag_out(flag) for flag in answer.flags],
        "alert": answer.alert_id,
    }


def scanned_item_out(item: ScannedItem) -> dict[str, Any]:
    alert = item_alert(item)
    return {
        "position": item.position,
        "id": item.listing_id,
        "url": item.url,
        "title": item.title,
        "description": item.description,
        "price_minor": item.price_minor,
        "currency": item.currency,
        "category": item.category,
        "shop_id": item.shop_id,
        "shop_name": item.shop_name,
        "shop_domain": item.shop_domain,
        "risk_score": item.risk_score,
        "level": item.level,
        "detectors": list(item.detectors),
        "flags": [flag_out(flag) for flag in item.flags if isinstance(flag, dict)],
        "alert": alert.pk if alert is not None else None,
    }


def settings_out(settings: ScreeningSettings) -> dict[str, Any]:
    return {
        "alert_threshold": settings.alert_threshold,
        "hold_threshold": settings.hold_threshold,
        "lookalikes": settings.lookalikes,
        "share_with_right_holders": settings.share_with_right_holders,
        "catalogue_version": settings.catalogue_version,
        "updated_at": settings.updated_at,
    }


def keyword_out(keyword: RiskKeyword) -> dict[str, Any]:
    return {
        "id": keyword.pk,
        "term": keyword.term,
        "language": keyword.language,
        "weight": keyword.weight,
        "tuned_weight": keyword.tuned_weight,
        "effective_weight": keyword.effective_weight,
        "enabled": keyword.enabled,
        "origin": keyword.origin,
        "confirmed": keyword.confirmed,
        "dismissed": keyword.dismissed,
        "created_at": keyword.created_at,
        "updated_at": keyword.updated_at,
    }


def producer_out(producer: GIProducer) -> dict[str, Any]:
    return {
        "id": producer.pk,
        "indication": producer.indication.name,
        "shop_id": producer.shop_id,
        "shop_name": producer.shop_name,
        "created_at": producer.created_at,
    }
