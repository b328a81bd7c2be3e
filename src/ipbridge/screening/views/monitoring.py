"""Pages of focused monitoring (重点监测) and early warning (侵权预警): a marketplace's watches, repeat infringers and
shops' identifiers; a shop with its associated shops drawn as a graph; the trends of alerts with their spikes and
the warnings to acknowledge. Right holders and operators read the trends only."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError, NotFound
from ipbridge.screening import monitoring, trends
from ipbridge.screening.models import IdentifierKind, Watch, WatchKind
from ipbridge.screening.monitoring.drawing import graph_drawing, legend
from ipbridge.screening.views._common import PAGE_SIZE, form_applied, subnav
from ipbridge.web.pages import ActingRequest, acting, posted

MARKETPLACES = (OrganisationKind.MARKETPLACE,)
TREND_READERS = trends.READERS
ALERTS_SHOWN = 50
WATCH_STATES = {"active": True, "ended": False, "all": None}
WARNING_STATES = {"waiting": False, "acknowledged": True, "all": None}


class WatchForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to watch"), choices=WatchKind.choices)
    keywords = forms.CharField(
        label=gettext_lazy("Keywords"),
        required=False,
        max_length=2500,
        help_text=gettext_lazy("Words a listing's title must all hold, separated by commas (product, same type)."),
    )
    category = forms.CharField(
        label=gettext_lazy("Category"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Required for products of the same type; optional for a product."),
    )
    shop_id = forms.CharField(label=gettext_lazy("Shop id"), required=False, max_length=200)
    label = forms.CharField(
        label=gettext_lazy("Label"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Made from the other fields when left empty."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class IdentifiersForm(forms.Form):
    shop_id = forms.CharField(label=gettext_lazy("Shop id"), max_length=200)
    shop_name = forms.CharField(label=gettext_lazy("Shop name"), required=False, max_length=200)
    identifiers = forms.CharField(
        label=gettext_lazy("Its identifiers, one a line"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "font-monospace"}),
        max_length=100_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["identifiers"].help_text = _(
            "The kind, a comma, then the value, e.g. “phone,+86 138 0013 8000”. Kinds: %(kinds)s."
        ) % {"kinds": ", ".join(IdentifierKind.values)}


def identifier_lines(text: str) -> list[tuple[str, str]]:
    """``kind,value`` (or ``kind value``) a line."""
    pairs = []
    for line in text.splitlines():
        if line.strip():
            kind, _sep, value = line.strip().replace(",", " ", 1).partition(" ")
            pairs.append((kind.strip(), value.strip()))
    return pairs


_LINE = re.compile(r"^shops\[0\]\.identifiers\[(\d+)\]")


def _identifiers_error(form: IdentifiersForm, exc: ApplicationError) -> None:
    """The service's refusal on the form's field: an identifier's names its line."""
    line = _LINE.match(exc.field or "")
    if line is not None:
        message = _("Line %(n)d: %(reason)s") % {"n": int(line.group(1)) + 1, "reason": exc.message}
        form.add_error("identifiers", message)
        return
    field = (exc.field or "").rpartition(".")[2]
    form.add_error(field if field in form.fields else None, str(exc.message))


def _monitoring_page(
    request: ActingRequest,
    *,
    watch_form: WatchForm | None = None,
    identifiers_form: IdentifiersForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    state = request.GET.get("state", "active")
    state = state if state in WATCH_STATES else "active"
    watches = Paginator(
        monitoring.watches_for_marketplace(actor=actor, active=WATCH_STATES[state]), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    repeat = Paginator(monitoring.repeat_infringers(actor=actor), PAGE_SIZE).get_page(request.GET.get("shops"))
    return render(
        request,
        "screening/monitoring.html",
        {
            "watches": watches,
            "state": state,
            "repeat": repeat,
            "repeat_shops": monitoring.repeat_infringers_rendered(actor=actor, rows=list(repeat.object_list)),
            "watch_form": watch_form or WatchForm(),
            "identifiers_form": identifiers_form or IdentifiersForm(),
            "can_write": actor.can("screening:write"),
            "subnav": subnav(actor, "screening:monitoring"),
        },
        status=status,
    )


@acting(*MARKETPLACES)
@require_GET
def monitoring_page(request: ActingRequest) -> HttpResponse:
    request.actor.require("screening:read")
    return _monitoring_page(request)


@acting(*MARKETPLACES)
@posted("screening:monitoring")
def watch_add(request: ActingRequest) -> HttpResponse:
    request.actor.require("screening:write")
    form = WatchForm(request.POST)
    watch = form_applied(
        form,
        lambda data: monitoring.watch_add(
            actor=request.actor,
            kind=data["kind"],
            label=data["label"],
            keywords=monitoring.keywords_split(data["keywords"]),
            category=data["category"],
            shop_id=data["shop_id"],
            reason=data["reason"],
        ),
    )
    if watch is None:
        return _monitoring_page(request, watch_form=form, status=422)
    messages.success(request, _("Now watching “%(label)s”.") % {"label": watch.label})
    return redirect("screening:monitoring")


def _back(request: ActingRequest, fallback: str) -> str:
    """Where a button's form asked to go back to, when it is a page of this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@acting(*MARKETPLACES)
@require_POST
def watch_end(request: ActingRequest, watch_id: int) -> HttpResponse:
    back = _back(request, reverse("screening:monitoring"))
    try:
        watch = monitoring.watch_end(actor=request.actor, watch_id=watch_id)
    except ApplicationError as exc:
        if exc.status != 409:
            raise
        messages.info(request, str(exc.message))
    else:
        messages.success(request, _("Stopped watching “%(label)s”.") % {"label": watch.label})
    return redirect(back)


def _watched(request: ActingRequest, add: Callable[[], Watch], *, back: str) -> HttpResponse:
    """A "Watch this …" button's watch added by ``add``, or its refusal told, and back to the button's page."""
    try:
        watch = add()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Now watching “%(label)s”.") % {"label": watch.label})
    return redirect(back)


@acting(*MARKETPLACES)
@require_POST
def watch_from_alert(request: ActingRequest, alert_id: int) -> HttpResponse:
    """The buttons of an alert: "Watch this shop", "Watch this product", "Watch products of this type"."""
    return _watched(
        request,
        lambda: monitoring.watch_from_alert(
            actor=request.actor,
            alert_id=alert_id,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
        ),
        back=_back(request, reverse("screening:alert", args=[alert_id])),
    )


@acting(*MARKETPLACES)
@posted("screening:monitoring")
def identifiers_record(request: ActingRequest) -> HttpResponse:
    request.actor.require("screening:write")
    form = IdentifiersForm(request.POST)
    recorded = form_applied(
        form,
        lambda data: monitoring.shop_identifiers_record(
            actor=request.actor,
            shops=[
                monitoring.ShopIdentifiersIn(
                    shop_id=data["shop_id"],
                    shop_name=data["shop_name"],
                    identifiers=identifier_lines(data["identifiers"]),
                )
            ],
        ),
        refused=_identifiers_error,
    )
    if recorded is None:
        return _monitoring_page(request, identifiers_form=form, status=422)
    messages.success(
        request,
        _("%(n)d identifier(s) recorded as keyed hashes; the values themselves were not kept.")
        % {"n": recorded.recorded},
    )
    return redirect("screening:shop", shop_id=form.cleaned_data["shop_id"].strip())


@acting(*MARKETPLACES)
@require_GET
def shop_page(request: ActingRequest, shop_id: str) -> HttpResponse:
    actor = request.actor
    try:
        depth = int(request.GET.get("depth", "2"))
    except ValueError:
        depth = 2
    graph = monitoring.shop_graph(actor=actor, shop_id=shop_id, depth=min(max(depth, 1), 3))
    node = graph.nodes[0]
    return render(
        request,
        "screening/shop.html",
        {
            "shop": node,
            "graph": graph,
            "drawing": graph_drawing(graph),
            "legend": legend(),
            "depth": min(max(depth, 1), 3),
            "alerts": list(monitoring.shop_alerts(actor=actor, shop_id=shop_id)[:ALERTS_SHOWN]),
            "watch": monitoring.shop_watch(actor=actor, shop_id=shop_id),
            "can_write": actor.can("screening:write"),
            "subnav": subnav(actor, "screening:monitoring"),
        },
    )


@acting(*MARKETPLACES)
@require_POST
def shop_watch(request: ActingRequest) -> HttpResponse:
    """The shop page's "Watch this shop"."""
    shop_id = request.POST.get("shop_id", "")
    if not monitoring.shop_known(actor=request.actor, shop_id=shop_id):
        raise NotFound()
    return _watched(
        request,
        lambda: monitoring.watch_add(
            actor=request.actor,
            kind=WatchKind.SHOP,
            label=request.POST.get("label", ""),
            shop_id=shop_id,
            reason=request.POST.get("reason", ""),
        ),
        back=reverse("screening:shop", kwargs={"shop_id": shop_id}),
    )


# Trends and early warnings -----------------------------------------------------------------------------------------


class TrendsForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=trends.MAX_DAYS, required=False)
    brand = forms.CharField(label=gettext_lazy("Brand"), required=False, max_length=trends.MAX_FILTER)
    category = forms.CharField(label=gettext_lazy("Category"), required=False, max_length=trends.MAX_FILTER)


def _chart(found: trends.Trends) -> dict[str, Any]:
    """What the chart script draws: a line for the total and one for each of the most alerted brands."""
    return {
        "labels": [day.isoformat() for day in found.days],
        "series": [
            {"label": str(_("All alerts")), "counts": found.total},
            *({"label": s.name, "counts": s.counts} for s in found.brands),
        ],
        "spikes": [{"day": s.day.isoformat(), "label": s.brand or s.category, "count": s.count} for s in found.spikes],
    }


@acting(*TREND_READERS)
@require_GET
def trends_page(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    form = TrendsForm(request.GET or None)
    found = form_applied(
        form,
        lambda data: trends.trends(
            actor=actor, days=data["days"] or trends.DEFAULT_DAYS, brand=data["brand"], category=data["category"]
        ),
    )
    if found is None:
        found = trends.trends(actor=actor)
    is_marketplace = actor.organisation.kind == OrganisationKind.MARKETPLACE
    state = request.GET.get("warnings", "waiting")
    state = state if state in WARNING_STATES else "waiting"
    warnings = (
        Paginator(trends.warnings_for_marketplace(actor=actor, acknowledged=WARNING_STATES[state]), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        if is_marketplace
        else None
    )
    return render(
        request,
        "screening/trends.html",
        {
            "form": form,
            "trends": found,
            "chart": _chart(found),
            "warnings": warnings,
            "warning_state": state,
            "is_marketplace": is_marketplace,
            "can_write": is_marketplace and actor.can("screening:write"),
            "rule": {"floor": trends.SPIKE_FLOOR, "factor": trends.SPIKE_FACTOR, "days": trends.BASELINE_DAYS},
            "subnav": subnav(actor, "screening:trends"),
        },
        status=422 if form.errors else 200,
    )


@acting(*MARKETPLACES)
@require_POST
def warnings_check(request: ActingRequest) -> HttpResponse:
    new = trends.warnings_check_now(actor=request.actor)
    if new:
        messages.warning(request, _("%(n)d new early warning(s).") % {"n": len(new)})
    else:
        messages.success(request, _("No new spike today or yesterday."))
    return redirect("screening:trends")


@acting(*MARKETPLACES)
@require_POST
def warning_acknowledge(request: ActingRequest, warning_id: int) -> HttpResponse:
    try:
        warning = trends.warning_acknowledge(actor=request.actor, warning_id=warning_id)
    except ApplicationError as exc:
        if exc.status != 409:
            raise
        messages.info(request, str(exc.message))
        return redirect("screening:trends")
    if request.headers.get("HX-Request"):
        return render(request, "screening/_warning_row.html", {"warning": warning, "can_write": True})
    messages.success(request, _("Warning acknowledged."))
    return redirect("screening:trends")


urls: list[URLPattern] = [
    path("screening/monitoring/", monitoring_page, name="monitoring"),
    path("screening/monitoring/watches/", watch_add, name="watch_add"),
    path("screening/monitoring/watches/<int:watch_id>/end/", watch_end, name="watch_end"),
    path("screening/monitoring/identifiers/", identifiers_record, name="identifiers_record"),
    path("screening/alerts/<int:alert_id>/watch/", watch_from_alert, name="watch_from_alert"),
    path("screening/monitoring/shop-watch/", shop_watch, name="shop_watch"),
    # Any shop id, slashes too: it is the marketplace's own.
    path("screening/shops/<path:shop_id>/", shop_page, name="shop"),
    path("screening/trends/", trends_page, name="trends"),
    path("screening/trends/check/", warnings_check, name="warnings_check"),
    path("screening/warnings/<int:warning_id>/acknowledge/", warning_acknowledge, name="warning_acknowledge"),
]
