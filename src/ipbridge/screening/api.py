"""HTTP API of screening (侵权识别): batch scans of listings and their flagged items, and the marketplace's screening
settings, risk-keyword catalogue (风险词库) and producers of geographical indications. Parse, call a service or a
selector, serialise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination, Rendered
from ipbridge.core.validation import choice_field
from ipbridge.screening import scans, scans_selectors, settings_selectors, settings_services
from ipbridge.screening.models import ScanStatus
from ipbridge.screening.presenters import (
    item_result_out,
    keyword_out,
    producer_out,
    rejections_out,
    scan_detail_out,
    scan_out,
    scan_url,
    scanned_item_out,
    settings_out,
)
from ipbridge.screening.schemas import (
    IndicationOut,
    KeywordChangeIn,
    KeywordIn,
    KeywordOut,
    ProducerIn,
    ProducerOut,
    ScanDetailOut,
    ScanIn,
    ScannedItemOut,
    ScanOut,
    ScanQueuedOut,
    ScanResultOut,
    SettingsIn,
    SettingsOut,
)

router = Router(tags=["screening"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _queued(scan: Any) -> Status[dict[str, Any]]:
    return Status(202, {"scan": scan_out(scan), "status_url": scan_url(scan.pk)})


# Scans -------------------------------------------------------------------------------------------------------------


@router.post(
    "/screening/scan",
    response={200: ScanResultOut, 202: ScanQueuedOut, **ERRORS},
    operation_id="screening_scan",
)
def scan(request: HttpRequest, payload: ScanIn) -> Any:
    """Screen your listings against the protected marks of participating right holders, your risk-keyword
    catalogue, geographical indications and reference prices. Up to 1,000 listings are answered at once (200), each
    with its risk score, level and flags; listings at or over your alert threshold raise alerts. A listing that
    cannot be screened is named in ``rejections`` (its place from 1, the field and the reason) and the others are
    screened. More than 1,000 are screened in the background: 202 with the scan and where to follow it."""
    outcome = scans.scan_listings(actor=_actor(request), items=payload.items)
    if not outcome.finished:
        return _queued(outcome.scan)
    return {
        "scan": scan_out(outcome.scan),
        "results": [item_result_out(answer) for answer in outcome.results or []],
        "rejections": rejections_out(outcome.rejected or []),
    }


@router.post("/screening/scans", response={202: ScanQueuedOut, **ERRORS}, operation_id="screening_scan_upload")
def scan_upload(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Screen a file of listings in the background (multipart ``file``, at most 2 GiB): JSON lines (one object per
    line, the fields of ``POST /screening/scan``) or CSV (UTF-8, its first line naming the columns: id, title,
    description, url, price, currency, category, shop_id, shop_name, shop_domain). Answers 202 with the scan; its
    rejections name the line, field and reason."""
    scan = scans.scan_upload(actor=_actor(request), upload=file, file_name=file.name or "")
    return _queued(scan)


@router.get("/screening/scans", response={200: list[ScanOut], **ERRORS}, operation_id="screening_scans_list")
@paginate(Pagination)
def scans_list(request: HttpRequest, status: str = "") -> Any:
    """Your marketplace's scans, newest first (operators: every marketplace's); ``status`` queued, running, done or
    failed."""
    if status:
        choice_field(status, ScanStatus.values, field="status")
    return Rendered(scans_selectors.scans_visible(actor=_actor(request), status=status), scan_out)


@router.get(
    "/screening/scans/{int:scan_id}", response={200: ScanDetailOut, **ERRORS}, operation_id="screening_scan_get"
)
def scan_get(request: HttpRequest, scan_id: int) -> dict[str, Any]:
    """A scan and its progress: ``items_done`` of ``items_total``, ``progress`` from 0 to 1, the first 100
    rejections."""
    return scan_detail_out(scans_selectors.access_scan(actor=_actor(request), scan_id=scan_id))


@router.get(
    "/screening/scans/{int:scan_id}/items",
    response={200: list[ScannedItemOut], **ERRORS},
    operation_id="screening_scan_items",
)
@paginate(Pagination)
def scan_items(request: HttpRequest, scan_id: int, min_score: float | None = None, detector: str = "") -> Any:
    """A scan's flagged listings, riskiest first, each with its flags and its alert: ``min_score`` from 0 to 1,
    ``detector`` one of mark, risk_keyword, geographical_indication, shop_name, price, watch."""
    scan = scans_selectors.access_scan(actor=_actor(request), scan_id=scan_id)
    items = scans_selectors.scan_items(scan=scan, min_score=min_score, detector=detector)
    return Rendered(items, scanned_item_out)


# Settings ----------------------------------------------------------------------------------------------------------


@router.get("/screening/settings", response={200: SettingsOut, **ERRORS}, operation_id="screening_settings_get")
def settings_get(request: HttpRequest) -> dict[str, Any]:
    """Your marketplace's thresholds, look-alike marks and sharing with right holders."""
    return settings_out(settings_selectors.screening_settings(actor=_actor(request)))


@router.put("/screening/settings", response={200: SettingsOut, **ERRORS}, operation_id="screening_settings_update")
def settings_update(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    """Change the settings sent (0 < alert_threshold ≤ hold_threshold ≤ 1); those left out stay as they are."""
    changes = settings_services.SettingsChanges(**payload.dict(exclude_none=True))
    return settings_out(settings_services.screening_settings_update(actor=_actor(request), changes=changes))


@router.get("/screening/keywords", response={200: list[KeywordOut], **ERRORS}, operation_id="screening_keywords_list")
@paginate(Pagination)
def keywords_list(request: HttpRequest, language: str = "", search: str = "", enabled: bool | None = None) -> Any:
    """Your risk-keyword catalogue (风险词库), by language and term: the shipped terms copied in when you first used
    screening and those you added, each with its weight, the weight triage tuned and how often the alerts it raised
    were confirmed or dismissed. Filters: ``language`` (zh, en), ``search`` (terms holding it), ``enabled``."""
    keywords = settings_selectors.keywords_visible(
        actor=_actor(request), language=language, search=search, enabled=enabled
    )
    return Rendered(keywords, keyword_out)


@router.post("/screening/keywords", response={201: KeywordOut, **ERRORS}, operation_id="screening_keyword_add")
def keyword_add(request: HttpRequest, payload: KeywordIn) -> Status[dict[str, Any]]:
    """Add a term (409 ``keyword_exists`` when the catalogue holds it, written any way)."""
    keyword = settings_services.risk_keyword_add(
        actor=_actor(request), term=payload.term, language=payload.language, weight=payload.weight
    )
    return Status(201, keyword_out(keyword))


@router.patch(
    "/screening/keywords/{int:keyword_id}",
    response={200: KeywordOut, **ERRORS},
    operation_id="screening_keyword_update",
)
def keyword_update(request: HttpRequest, keyword_id: int, payload: KeywordChangeIn) -> dict[str, Any]:
    """Set a term's weight (it replaces the tuned weight) or enable or disable it."""
    keyword = settings_services.risk_keyword_update(
        actor=_actor(request), keyword_id=keyword_id, weight=payload.weight, enabled=payload.enabled
    )
    return keyword_out(keyword)


@router.delete(
    "/screening/keywords/{int:keyword_id}", response={204: None, **ERRORS}, operation_id="screening_keyword_remove"
)
def keyword_remove(request: HttpRequest, keyword_id: int) -> Status[None]:
    """Take a term out of the catalogue; disable it instead to keep its counts."""
    settings_services.risk_keyword_remove(actor=_actor(request), keyword_id=keyword_id)
    return Status(204, None)


@router.get(
    "/screening/geographical-indications",
    response={200: list[IndicationOut], **ERRORS},
    operation_id="screening_indications_list",
)
def indications_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The geographical indications (地理标志) screening knows: a listing using one is flagged unless its shop is
    among the indication's producers on your marketplace."""
    settings_selectors.screening_settings(actor=_actor(request))
    return [
        {
            "name": gi.name,
            "terms": [t for t in gi.terms if isinstance(t, str)],
            "country": gi.country,
            "product": gi.product,
        }
        for gi in settings_selectors.indications()
    ]


@router.get(
    "/screening/gi-producers", response={200: list[ProducerOut], **ERRORS}, operation_id="screening_gi_producers_list"
)
@paginate(Pagination)
def gi_producers_list(request: HttpRequest) -> Any:
    """Your shops entitled to use a geographical indication."""
    return Rendered(settings_selectors.gi_producers_visible(actor=_actor(request)), producer_out)


@router.post("/screening/gi-producers", response={201: ProducerOut, **ERRORS}, operation_id="screening_gi_producer_add")
def gi_producer_add(request: HttpRequest, payload: ProducerIn) -> Status[dict[str, Any]]:
    """Name one of your shops as a producer of a geographical indication (by one of its names): its listings using
    the indication are not flagged."""
    producer = settings_services.gi_producer_add(
        actor=_actor(request), indication=payload.indication, shop_id=payload.shop_id, shop_name=payload.shop_name
    )
    return Status(201, producer_out(producer))


@router.delete(
    "/screening/gi-producers/{int:producer_id}",
    response={204: None, **ERRORS},
    operation_id="screening_gi_producer_remove",
)
def gi_producer_remove(request: HttpRequest, producer_id: int) -> Status[None]:
    settings_services.gi_producer_remove(actor=_actor(request), producer_id=producer_id)
    return Status(204, None)
