"""The screening settings page of a marketplace: thresholds, look-alike marks and sharing with right holders, the
risk-keyword catalogue (风险词库) and the producers of geographical indications. Each form posts to its own address
and, when refused, the page is shown again with the refusal on its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ipbridge.screening import settings_selectors, settings_services
from ipbridge.screening.forms import KeywordChangeForm, KeywordFilterForm, KeywordForm, ProducerForm, ThresholdsForm
from ipbridge.screening.views._common import MARKETPLACES, PAGE_SIZE, form_applied, subnav
from ipbridge.web.pages import ActingRequest, acting, posted

SETTINGS = "screening:settings"


def _writes(request: ActingRequest) -> bool:
    return request.actor.can("screening:write")


def _producer_form(data: Any = None) -> ProducerForm:
    return ProducerForm(data, indications=[gi.name for gi in settings_selectors.indications()])


def _page(request: ActingRequest, status: int = 200, **forms_given: forms.Form) -> HttpResponse:
    """The settings page, with the forms given (refused ones keep what was written) and fresh ones for the rest."""
    actor = request.actor
    current = settings_selectors.screening_settings(actor=actor)
    # Its own ids: the keyword form on the same page has a language field too.
    filters = KeywordFilterForm(request.GET or None, auto_id="id_filter_%s")
    search, language = "", ""
    if filters.is_valid():
        search, language = filters.cleaned_data["q"] or "", filters.cleaned_data["language"] or ""
    keywords = settings_selectors.keywords_visible(actor=actor, language=language, search=search)
    page = Paginator(keywords, PAGE_SIZE).get_page(request.GET.get("page"))
    thresholds = forms_given.get("thresholds") or ThresholdsForm(
        initial={
            "alert_threshold": current.alert_threshold,
            "hold_threshold": current.hold_threshold,
            "lookalikes": current.lookalikes,
            "share_with_right_holders": current.share_with_right_holders,
        }
    )
    query = {k: v for k, v in {"q": search, "language": language}.items() if v}
    return render(
        request,
        "screening/settings.html",
        {
            "subnav": subnav(actor, SETTINGS),
            "settings": current,
            "thresholds": thresholds,
            "keyword_form": forms_given.get("keyword") or KeywordForm(),
            "keyword_errors": forms_given.get("keyword_change"),
            "producer_form": forms_given.get("producer") or _producer_form(),
            "filters": filters,
            "page": page,
            "query": urlencode(query),
            "filtered": bool(query),
            "producers": list(settings_selectors.gi_producers_visible(actor=actor)),
            "can_write": _writes(request),
            "anchor": "#keywords",
        },
        status=status,
    )


@acting(*MARKETPLACES)
@require_GET
def settings_page(request: ActingRequest) -> HttpResponse:
    return _page(request)


@acting(*MARKETPLACES)
@posted(SETTINGS)
def settings_thresholds(request: ActingRequest) -> HttpResponse:
    form = ThresholdsForm(request.POST)
    saved = form_applied(
        form,
        lambda data: settings_services.screening_settings_update(
            actor=request.actor,
            changes=settings_services.SettingsChanges(
                alert_threshold=data["alert_threshold"],
                hold_threshold=data["hold_threshold"],
                lookalikes=data["lookalikes"],
                share_with_right_holders=data["share_with_right_holders"],
            ),
        ),
    )
    if saved is None:
        return _page(request, status=422, thresholds=form)
    messages.success(request, _("Screening settings saved."))
    return redirect(SETTINGS)


@acting(*MARKETPLACES)
@posted(SETTINGS)
def keyword_add(request: ActingRequest) -> HttpResponse:
    form = KeywordForm(request.POST)
    keyword = form_applied(
        form,
        lambda data: settings_services.risk_keyword_add(
            actor=request.actor, term=data["term"], language=data["language"] or "", weight=data["weight"]
        ),
    )
    if keyword is None:
        return _page(request, status=422, keyword=form)
    messages.success(request, _("“%(term)s” added to the risk-keyword catalogue.") % {"term": keyword.term})
    return redirect(SETTINGS)


@acting(*MARKETPLACES)
@require_POST
def keyword_edit(request: ActingRequest, keyword_id: int) -> HttpResponse:
    form = KeywordChangeForm(request.POST)
    keyword = form_applied(
        form,
        lambda data: settings_services.risk_keyword_update(
            actor=request.actor, keyword_id=keyword_id, weight=data["weight"], enabled=data["enabled"]
        ),
    )
    if keyword is None:
        form.keyword_id = keyword_id  # type: ignore[attr-defined]
        return _page(request, status=422, keyword_change=form)
    messages.success(request, _("“%(term)s” saved.") % {"term": keyword.term})
    return redirect(SETTINGS)


@acting(*MARKETPLACES)
@require_POST
def keyword_remove(request: ActingRequest, keyword_id: int) -> HttpResponse:
    settings_services.risk_keyword_remove(actor=request.actor, keyword_id=keyword_id)
    messages.success(request, _("Term removed from the risk-keyword catalogue."))
    return redirect(SETTINGS)


@acting(*MARKETPLACES)
@posted(SETTINGS)
def producer_add(request: ActingRequest) -> HttpResponse:
    form = _producer_form(request.POST)
    producer = form_applied(
        form,
        lambda data: settings_services.gi_producer_add(
            actor=request.actor, indication=data["indication"], shop_id=data["shop_id"], shop_name=data["shop_name"]
        ),
    )
    if producer is None:
        return _page(request, status=422, producer=form)
    messages.success(
        request,
        _("Shop %(shop)s is a producer of %(gi)s.") % {"shop": producer.shop_id, "gi": producer.indication.name},
    )
    return redirect(SETTINGS)


@acting(*MARKETPLACES)
@require_POST
def producer_remove(request: ActingRequest, producer_id: int) -> HttpResponse:
    settings_services.gi_producer_remove(actor=request.actor, producer_id=producer_id)
    messages.success(request, _("Producer removed."))
    return redirect(SETTINGS)


urls: list[URLPattern] = [
    path("screening/settings/", settings_page, name="settings"),
    path("screening/settings/thresholds/", settings_thresholds, name="settings_thresholds"),
    path("screening/settings/keywords/", keyword_add, name="keyword_add"),
    path("screening/settings/keywords/<int:keyword_id>/", keyword_edit, name="keyword_edit"),
    path("screening/settings/keywords/<int:keyword_id>/remove/", keyword_remove, name="keyword_remove"),
    path("screening/settings/gi-producers/", producer_add, name="gi_producer_add"),
    path("screening/settings/gi-producers/<int:producer_id>/remove/", producer_remove, name="gi_producer_remove"),
]
