"""Pages of screening alerts: the queue (a marketplace's own, a right holder's shared ones, an agent's for the right
holders it acts for, everyone's for operators), one alert with its flags explained, the marketplace's triage, and
the button that opens a notice prefilled from the alert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError
from ipbridge.notices.models import Measure
from ipbridge.screening import alerts_selectors as selectors
from ipbridge.screening import alerts_services as services
from ipbridge.screening.alerts_forms import AlertFilterForm, ConfirmForm, DismissForm
from ipbridge.screening.alerts_presenters import alert_detectors, alert_source, flag_out, notice_link, title_field
from ipbridge.screening.flags import detector_label
from ipbridge.screening.models import Alert, AlertStatus, DismissReason
from ipbridge.screening.spans import matched_spans
from ipbridge.screening.views._common import PAGE_SIZE, form_applied, subnav
from ipbridge.sharing.currencies import amount_display
from ipbridge.web.pages import ActingRequest, acting, posted

READERS = selectors.READERS
STATUS_BADGES: dict[str, str] = {
    AlertStatus.OPEN: "text-bg-warning",
    AlertStatus.CONFIRMED: "text-bg-danger",
    AlertStatus.DISMISSED: "text-bg-secondary",
}
FILTERS = ("status", "level", "detector", "brand", "min_score")


def _score_badge(alert: Alert) -> str:
    return "text-bg-danger" if alert.level == "hold" else "text-bg-warning"


def _row(alert: Alert) -> dict[str, Any]:
    return {
        "alert": alert,
        "spans": matched_spans(alert.title, alert.flags, field=title_field(alert)),
        "detectors": [detector_label(d) for d in alert_detectors(alert)],
        "status_badge": STATUS_BADGES.get(alert.status, "text-bg-light"),
        "score_badge": _score_badge(alert),
    }


@acting(*READERS)
@require_GET
def alerts(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    form = AlertFilterForm(request.GET or None)
    filters = form_applied(
        form,
        lambda data: selectors.alert_filters(
            status=data["status"],
            level=data["level"],
            detector=data["detector"],
            brand=data["brand"],
            min_score=data["min_score"],
        ),
    )
    if filters is None:
        filters = selectors.AlertFilters()
    queue = selectors.alerts_visible(actor=actor, filters=filters)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.alert_counts(actor=actor, filters=filters)
    kept = {name: request.GET.get(name, "") for name in FILTERS if request.GET.get(name) and name != "status"}
    tabs = [
        {
            "status": status,
            "label": label,
            "count": counts.get(status, sum(counts.values())),
            "active": filters.status == status,
            "url": "?" + urlencode({**kept, **({"status": status} if status else {})}),
        }
        for status, label in [("", _("All")), *AlertStatus.choices]
    ]
    return render(
        request,
        "screening/alerts.html",
        {
            "subnav": subnav(actor, "screening:alerts"),
            "form": form,
            "page": page,
            "rows": [_row(alert) for alert in page.object_list],
            "tabs": tabs,
            "query": urlencode({k: str(v) for k, v in request.GET.items() if k in FILTERS and v}),
            "filtered": any(getattr(filters, name) not in ("", None) for name in FILTERS),
            "is_marketplace": actor.organisation.kind == OrganisationKind.MARKETPLACE,
            "brands": selectors.alert_brands(actor=actor),
        },
    )


def _scan_url(scan_id: int) -> str:
    # The scan's page belongs to the scans pages; an alert links to it when it is there.
    try:
        return reverse("screening:scan", args=[scan_id])
    except NoReverseMatch:
        return ""


def _alert_page(
    request: ActingRequest,
    alert_id: int,
    *,
    confirm_form: ConfirmForm | None = None,
    dismiss_form: DismissForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    alert = selectors.access_alert(actor=actor, alert_id=alert_id)
    internals = selectors.alert_shows_internals(actor=actor, alert=alert)
    source = alert_source(alert)
    if source["kind"] == "scan":
        source["url"] = _scan_url(source["scan_id"])
        if source["price_minor"] is not None and source["currency"]:
            source["price"] = amount_display(source["price_minor"], source["currency"])
    can_triage = (
        selectors.alert_triaged_by_viewer(actor=actor, alert=alert)
        and actor.can("screening:write")
        and alert.status == AlertStatus.OPEN
    )
    notice_buttons = []
    if alert.notice_id is None and actor.can("notices:write"):
        notice_buttons = [
            {"principal": p.organisation, "on_behalf": p.on_behalf, "url": notice_link(alert, p)}
            for p in selectors.alert_principals(actor=actor, alert=alert)
        ]
    notice_sent_here = alert.notice is not None and (
        actor.is_operator or actor.organisation.pk in (alert.notice.sender_id, alert.notice.principal_id)
    )
    return render(
        request,
        "screening/alert.html",
        {
            "subnav": subnav(actor, "screening:alerts"),
            "alert": alert,
            "row": _row(alert),
            "flags": [flag_out(flag) for flag in alert.flags if isinstance(flag, dict)],
            "source": source,
            "internals": internals,
            "keywords": selectors.alert_keywords(alert=alert) if internals else [],
            "can_triage": can_triage,
            "can_watch": selectors.alert_triaged_by_viewer(actor=actor, alert=alert) and actor.can("screening:write"),
            "confirm_form": confirm_form or ConfirmForm(),
            "dismiss_form": dismiss_form or DismissForm(),
            "measure_label": Measure(alert.measure).label if alert.measure in Measure.values else alert.measure,
            "reason_label": DismissReason(alert.dismiss_reason).label
            if alert.dismiss_reason in DismissReason.values
            else "",
            "notice_buttons": notice_buttons,
            "notice_link": notice_sent_here,
            "is_marketplace": selectors.alert_triaged_by_viewer(actor=actor, alert=alert),
        },
        status=status,
    )


@acting(*READERS)
@require_GET
def alert_detail(request: ActingRequest, alert_id: int) -> HttpResponse:
    return _alert_page(request, alert_id)


def _decided(
    request: ActingRequest,
    alert_id: int,
    form: ConfirmForm | DismissForm,
    decide: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """The marketplace's decision on the alert, taken by ``decide`` from the valid form: back to the alert with
    ``done``, or with the refusal of a decision already taken, or the page again with the form's errors. Not found
    and not allowed answer as they are."""
    if form.is_valid():
        try:
            decide(form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            if exc.status == 409:
                messages.error(request, str(exc.message))
                return redirect("screening:alert", alert_id=alert_id)
            add_application_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("screening:alert", alert_id=alert_id)
    if isinstance(form, ConfirmForm):
        return _alert_page(request, alert_id, confirm_form=form, status=422)
    return _alert_page(request, alert_id, dismiss_form=form, status=422)


@acting(*READERS)
@posted("screening:alert")
def alert_confirm(request: ActingRequest, alert_id: int) -> HttpResponse:
    return _decided(
        request,
        alert_id,
        ConfirmForm(request.POST),
        lambda data: services.alert_confirm(
            actor=request.actor, alert_id=alert_id, measure=data["measure"], note=data["note"]
        ),
        _("Alert confirmed; the measure is recorded."),
    )


@acting(*READERS)
@posted("screening:alert")
def alert_dismiss(request: ActingRequest, alert_id: int) -> HttpResponse:
    return _decided(
        request,
        alert_id,
        DismissForm(request.POST),
        lambda data: services.alert_dismiss(
            actor=request.actor, alert_id=alert_id, reason=data["reason"], note=data["note"]
        ),
        _("Alert dismissed."),
    )


urls: list[URLPattern] = [
    path("screening/alerts/", alerts, name="alerts"),
    path("screening/alerts/<int:alert_id>/", alert_detail, name="alert"),
    path("screening/alerts/<int:alert_id>/confirm/", alert_confirm, name="alert_confirm"),
    path("screening/alerts/<int:alert_id>/dismiss/", alert_dismiss, name="alert_dismiss"),
]
