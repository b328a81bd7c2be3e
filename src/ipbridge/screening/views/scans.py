"""Pages of batch scans: the list, a new scan from a file or pasted JSON lines, and each scan with its progress
(polled while it runs) and its flagged listings."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from ipbridge.accounts.forms import add_application_error
from ipbridge.core.errors import ApplicationError
from ipbridge.screening import scans, scans_selectors
from ipbridge.screening.flags import detector_label, flag_sentence
from ipbridge.screening.forms import ItemFilterForm, ScanForm
from ipbridge.screening.models import Scan, ScannedItem
from ipbridge.screening.presenters import rejection_out
from ipbridge.screening.scans_input import FIELDS
from ipbridge.screening.spans import matched_spans
from ipbridge.screening.views import settings as settings_views
from ipbridge.screening.views._common import MARKETPLACES, PAGE_SIZE, SCREENERS, subnav
from ipbridge.sharing.currencies import amount_display
from ipbridge.web.pages import ActingRequest, acting

LEVEL_BADGES = {"hold": "text-bg-danger", "alert": "text-bg-warning", "": "text-bg-secondary"}
STATUS_BADGES = {
    "queued": "text-bg-secondary",
    "running": "text-bg-info",
    "done": "text-bg-success",
    "failed": "text-bg-danger",
}


def _may_scan(request: ActingRequest) -> bool:
    actor = request.actor
    return actor.organisation.kind in MARKETPLACES and actor.can("screening:write")


@acting(*SCREENERS)
@require_GET
def scans_list(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    page = Paginator(scans_selectors.scans_visible(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/scans.html",
        {
            "subnav": subnav(actor, "screening:scans"),
            "page": page,
            "rows": [{"scan": scan, "badge": STATUS_BADGES.get(scan.status, "")} for scan in page.object_list],
            "can_scan": _may_scan(request),
            "is_operator": actor.is_operator,
        },
    )


@acting(*MARKETPLACES)
@require_http_methods(["GET", "POST"])
def scan_new(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    posted = request.method == "POST"
    form = ScanForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload:
                scan = scans.scan_upload(actor=actor, upload=upload, file_name=upload.name or "")
            else:
                pasted = form.cleaned_data["lines"].encode()
                scan = scans.scan_upload(actor=actor, upload=pasted, file_name="pasted.jsonl")
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            add_application_error(form, exc)
        else:
            return redirect("screening:scan", scan_id=scan.pk)
    return render(
        request,
        "screening/scan_new.html",
        {
            "subnav": subnav(actor, "screening:scans"),
            "form": form,
            "fields": FIELDS,
            "can_scan": _may_scan(request),
        },
        status=422 if form.errors else 200,
    )


def _progress(scan: Scan) -> dict[str, Any]:
    return {
        "scan": scan,
        "percent": round(scans_selectors.scan_progress(scan) * 100),
        "active": scans_selectors.scan_active(scan),
        "badge": STATUS_BADGES.get(scan.status, ""),
    }


def alert_url(alert_id: int) -> str:
    return reverse("screening:alert", args=[alert_id])


def _row(item: ScannedItem) -> dict[str, Any]:
    flags = [flag for flag in item.flags if isinstance(flag, dict)]
    alert = scans_selectors.item_alert(item)
    return {
        "item": item,
        "title": matched_spans(item.title, flags, field="title"),
        "description": matched_spans(item.description, flags, field="description"),
        "shop_name": matched_spans(item.shop_name, flags, field="shop_name"),
        "price": amount_display(item.price_minor, item.currency) if item.price_minor is not None else "",
        "flags": [
            {
                "detector": flag.get("detector", ""),
                "label": detector_label(str(flag.get("detector", ""))),
                "sentence": flag_sentence(flag),
            }
            for flag in flags
        ],
        "badge": LEVEL_BADGES.get(item.level, ""),
        "alert": alert,
        "alert_url": alert_url(alert.pk) if alert is not None else "",
    }


@acting(*SCREENERS)
@require_GET
def scan_detail(request: ActingRequest, scan_id: int) -> HttpResponse:
    actor = request.actor
    scan = scans_selectors.access_scan(actor=actor, scan_id=scan_id)
    form = ItemFilterForm(request.GET or None)
    filters: dict[str, Any] = {"min_score": None, "detector": ""}
    if form.is_bound and form.is_valid():
        filters = {"min_score": form.cleaned_data["min_score"], "detector": form.cleaned_data["detector"] or ""}
    items = scans_selectors.scan_items(scan=scan, **filters)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in {"min_score": filters["min_score"], "detector": filters["detector"]}.items() if v}
    return render(
        request,
        "screening/scan.html",
        {
            **_progress(scan),
            "subnav": subnav(actor, "screening:scans"),
            "form": form,
            "page": page,
            "rows": [_row(item) for item in page.object_list],
            "query": urlencode(query),
            "filtered": bool(query),
            "rejections": [rejection_out(row) for row in scans_selectors.scan_rejections(scan)],
            "is_operator": actor.is_operator,
            "anchor": "#flagged",
        },
        status=200 if form.is_valid() or not form.is_bound else 422,
    )


@acting(*SCREENERS)
@require_GET
def scan_progress(request: ActingRequest, scan_id: int) -> HttpResponse:
    """The progress block alone, which the scan page polls while the scan runs; once it has finished, the page is
    loaded again to show the flagged listings."""
    scan = scans_selectors.access_scan(actor=request.actor, scan_id=scan_id)
    context = _progress(scan)
    response = render(request, "screening/_scan_progress.html", context)
    if not context["active"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


urls: list[URLPattern] = [
    path("screening/scans/", scans_list, name="scans"),
    path("screening/scans/new/", scan_new, name="scan_new"),
    path("screening/scans/<int:scan_id>/", scan_detail, name="scan"),
    path("screening/scans/<int:scan_id>/progress/", scan_progress, name="scan_progress"),
    *settings_views.urls,
]
