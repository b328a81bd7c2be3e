"""Every read of batch scans. ``access_scan`` is the only way to a scan: it answers "not found" alike for a missing
scan and for another marketplace's.

Who sees a scan: the marketplace that sent it; operators, every scan."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import NotFound, ValidationFailed
from ipbridge.core.validation import choice_field
from ipbridge.engine.screening import DETECTORS
from ipbridge.screening.flags import WATCH
from ipbridge.screening.models import Alert, Scan, ScannedItem, ScanStatus

READERS = (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)
ITEM_DETECTORS = (*DETECTORS, WATCH)


def _seen(actor: Actor) -> Q:
    return Q() if actor.is_operator else Q(marketplace_id=actor.organisation.pk)


def scans_visible(*, actor: Actor, status: str = "") -> QuerySet[Scan]:
    """The scans the actor may see, newest first (``status`` one of ScanStatus, or all)."""
    actor.require("screening:read")
    actor.require_kind(*READERS)
    scans = Scan.objects.filter(_seen(actor)).select_related("marketplace")
    return scans.filter(status=status) if status else scans


def access_scan(*, actor: Actor, scan_id: int) -> Scan:
    actor.require("screening:read")
    actor.require_kind(*READERS)
    scan = Scan.objects.filter(_seen(actor), pk=scan_id).select_related("marketplace").first()
    if scan is None:
        raise NotFound()
    return scan


def scan_active(scan: Scan) -> bool:
    return scan.status in (ScanStatus.QUEUED, ScanStatus.RUNNING)


def scan_progress(scan: Scan) -> float:
    """The share of the scan's listings screened, from 0 to 1."""
    if scan.status == ScanStatus.DONE:
        return 1.0
    if not scan.items_total:
        return 0.0
    return min(scan.items_done / scan.items_total, 1.0)


def _has_detector(detector: str) -> Q:
    # A listing's detectors are a short list without repeats, in ITEM_DETECTORS order: a look at each place is portable
    # where JSON containment is not (SQLite has none).
    query = Q(pk__in=[])
    for index in range(len(ITEM_DETECTORS)):
        query |= Q(**{f"detectors__{index}": detector})
    return query


def scan_items(*, scan: Scan, min_score: float | None = None, detector: str = "") -> QuerySet[ScannedItem]:
    """The flagged listings of a scan the caller may see, riskiest first, with their alerts: those scoring at least
    ``min_score`` (from 0 to 1), those ``detector`` flagged."""
    if min_score is not None and not (math.isfinite(min_score) and 0 <= min_score <= 1):
        raise ValidationFailed("out_of_range", _("Give a number from 0 to 1, such as 0.5."), field="min_score")
    if detector:
        choice_field(detector, ITEM_DETECTORS, field="detector")
    items = ScannedItem.objects.filter(scan=scan).select_related("alert")
    if min_score is not None:
        items = items.filter(risk_score__gte=min_score)
    if detector:
        items = items.filter(_has_detector(detector))
    return items.order_by("-risk_score", "position")


def item_alert(item: ScannedItem) -> Alert | None:
    """The alert a flagged listing raised, read with ``scan_items``."""
    try:
        return item.alert
    except Alert.DoesNotExist:
        return None


def scan_rejections(scan: Scan) -> list[dict[str, Any]]:
    """The first rejections of a scan, by line."""
    rows = scan.rejections if isinstance(scan.rejections, list) else []
    return sorted((row for row in rows if isinstance(row, dict)), key=lambda row: int(row.get("line", 0)))
