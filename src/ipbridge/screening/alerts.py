"""Raising alerts: one per flagged item at or over its marketplace's alert threshold, shared with the right
holders whose marks it names. Scans and live streams call it inside their own transactions."""

from __future__ import annotations

from typing import Any

from ipbridge.accounts.models import Organisation
from ipbridge.engine.screening import MARK, SHOP_NAME
from ipbridge.screening.models import Alert, ScannedItem, StreamSegment


def _brand(flags: list[dict[str, Any]]) -> str:
    marks = [f for f in flags if f.get("detector") in (MARK, SHOP_NAME) and f.get("right")]
    if not marks:
        return ""
    strongest = max(marks, key=lambda f: float(f.get("weight", 0.0)))
    return str(strongest["right"]["mark"])[:200]


def alert_raise(
    *,
    marketplace: Organisation,
    level: str,
    risk_score: float,
    flags: list[dict[str, Any]],
    title: str,
    scanned_item: ScannedItem | None = None,
    segment: StreamSegment | None = None,
    listing_id: str = "",
    url: str = "",
    shop_id: str = "",
    shop_name: str = "",
    category: str = "",
) -> Alert:
    """The alert for one flagged item (a scanned listing or a stream segment), with the rights its flags name and
    their holders, who see it when the marketplace shares. Call inside the caller's transaction."""
    alert = Alert.objects.create(
        marketplace=marketplace,
        scanned_item=scanned_item,
        segment=segment,
        listing_id=listing_id[:200],
        url=url[:1000],
        title=title,
        shop_id=shop_id[:200],
        shop_name=shop_name[:200],
        category=category[:200],
        brand=_brand(flags),
        risk_score=risk_score,
        level=level,
        flags=flags,
    )
    rights = {int(f["right"]["id"]) for f in flags if f.get("right")}
    holders = {int(h) for f in flags if f.get("right") for h in f["right"].get("holders", [])}
    if rights:
        alert.rights.add(*rights)
    if holders:
        alert.holders.add(*holders)
    return alert
