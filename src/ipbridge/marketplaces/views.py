"""Pages of the marketplace directory (平台目录): the public search, a marketplace's profile with the provenance
of each field and its measured figures, the side-by-side comparison, the profile's history; the editor for the
marketplace's administrators and operators, and a new profile.

Who may change what is the services' say; the public pages need no account."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind, User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.core.errors import ApplicationError
from ipbridge.identity.selectors import marketplaces_all
from ipbridge.marketplaces import selectors, services
from ipbridge.marketplaces.forms import ProfileForm, SearchForm
from ipbridge.marketplaces.presenters import channel_kinds, history_text, measured_shown, profile_rows
from ipbridge.marketplaces.vocabulary import SIZE_CRITERION, country_name, language_name
from ipbridge.web.pages import ActingRequest, acting, refused

PAGE_SIZE = 25
HISTORY_SHOWN = 100


def _viewer(request: HttpRequest) -> Actor | None:
    """The person looking, when signed in with the second factor; the public pages are for everyone."""
    user = request.user
    if not isinstance(user, User) or not user.is_verified():  # type: ignore[attr-defined]
        return None
    return actor_for_user(user)


# Search ------------------------------------------------------------------------------------------------------------


@require_GET
def directory_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(
        request.GET or None,
        countries=[(c, f"{country_name(c)} ({c})") for c in selectors.facet_values("country")],
        languages=[(c, f"{language_name(c)} ({c})") for c in selectors.facet_values("language")],
    )
    filters = selectors.Filters()
    if form.is_valid():
        data = form.cleaned_data
        try:
            filters = selectors.filters_clean(
                q=data["q"],
                country=data["country"],
                language=data["language"],
                category=data["category"],
                live_streaming={"yes": True, "no": False}.get(data["live_streaming"]),
                channel=data["channel"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    page = Paginator(selectors.profiles_search(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    profiles = list(page.object_list)
    hours = selectors.response_hours_of(profiles)
    rows = [
        {
            "profile": p,
            "channels": channel_kinds(p),
            "countries": [(c, country_name(c)) for c in p.countries],
            "claimed_hours": hours.get(p.pk),
            "measured": measured_shown(selectors.figures_of(p)),
        }
        for p in profiles
    ]
    kept = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "marketplaces/search.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": urlencode(kept),
            "filtered": bool(kept),
            "can_create": _can_create(_viewer(request)),
        },
    )


def _can_create(actor: Actor | None) -> bool:
    return actor is not None and actor.is_operator and actor.can("marketplaces:write")


# A profile -------------------------------------------------------------------------------------------------------


@require_GET
def profile_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        profile = selectors.profile_get(slug=slug)
    except ApplicationError as exc:
        return refused(request, exc)
    viewer = _viewer(request)
    rows = profile_rows(profile)
    return render(
        request,
        "marketplaces/profile.html",
        {
            "profile": profile,
            "rows": rows,
            "not_stated": [row for row in rows if row["empty"] and not row["provenance"]],
            "claimed": selectors.claims_of([profile]).get(profile.pk),
            "measured": measured_shown(selectors.figures_of(profile)),
            "editable": selectors.profile_editable(actor=viewer, profile=profile),
        },
    )


# Comparison ------------------------------------------------------------------------------------------------------


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.getlist("m")
    error = None
    columns: list[dict[str, Any]] = []
    try:
        profiles = selectors.profiles_compare(slugs=chosen)
    except ApplicationError as exc:
        error = exc
        profiles = []
    claims = selectors.claims_of(profiles)
    slugs = [p.slug for p in profiles]
    for profile in profiles:
        columns.append(
            {
                "profile": profile,
                "without": urlencode([("m", slug) for slug in slugs if slug != profile.slug]),
                "rows": profile_rows(profile),
                "claimed": claims.get(profile.pk),
                "measured": measured_shown(selectors.figures_of(profile)),
            }
        )
    # The table reads across: one row per field, one cell per marketplace.
    table = [
        {"field": row["field"], "cells": [column["rows"][index] for column in columns]}
        for index, row in enumerate(columns[0]["rows"] if columns else [])
    ]
    others = [
        (p.slug, p.name)
        for p in selectors.profiles_search(filters=selectors.Filters())
        if p.slug not in {c["profile"].slug for c in columns}
    ]
    return render(
        request,
        "marketplaces/compare.html",
        {
            "columns": columns,
            "table": table,
            "error": error,
            "chosen": [c["profile"].slug for c in columns] or [s for s in chosen if s.strip()][:4],
            "others": others,
            "can_add": len(columns) < selectors.MAX_COMPARED,
        },
        status=200 if error is None or not chosen else 422,
    )


# History -----------------------------------------------------------------------------------------------------------


@require_GET
def profile_history(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        profile = selectors.profile_get(slug=slug)
    except ApplicationError as exc:
        return refused(request, exc)
    people = selectors.history_names_people(actor=_viewer(request), profile=profile)
    versions = list(selectors.profile_history(profile=profile)[:HISTORY_SHOWN])
    labels = {row["name"]: row["field"].label for row in profile_rows(profile)}
    entries = [
        {
            "version": version,
            "changes": [
                {
                    "name": name,
                    "label": labels.get(name, name),
                    "value_changed": "after" in change,
                    "before": history_text(change.get("before")),
                    "after": history_text(change.get("after")),
                    "provenance": change.get("provenance", {}),
                }
                for name, change in version.changes.items()
            ],
        }
        for version in versions
    ]
    return render(request, "marketplaces/history.html", {"profile": profile, "entries": entries, "people": people})


# Editing -----------------------------------------------------------------------------------------------------------

EDITORS = (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)


def _editor(request: ActingRequest, form: ProfileForm, profile: Any, *, status: int = 200) -> HttpResponse:
    own = profile is not None and profile.organisation_id == request.actor.organisation.pk
    return render(
        request,
        "marketplaces/edit.html",
        {
            "form": form,
            "profile": profile,
            "own": own or (profile is None and not request.actor.is_operator),
            "size_criterion": SIZE_CRITERION,
        },
        status=status,
    )


@acting(*EDITORS)
@require_http_methods(["GET", "POST"])
def profile_edit(request: ActingRequest, slug: str) -> HttpResponse:
    actor = request.actor
    profile = selectors.profile_edit_access(actor=actor, slug=slug)
    if request.method != "POST":
        return _editor(request, ProfileForm(profile=profile), profile)
    form = ProfileForm(request.POST, profile=profile)
    if form.is_valid():
        try:
            services.profile_update(
                actor=actor,
                slug=slug,
                changes=form.changes(),
                expected_version=int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None,
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.refuse(exc.field, str(exc.message))
        else:
            messages.success(request, _("Profile saved."))
            return redirect("marketplaces:profile", slug=slug)
    return _editor(request, form, profile, status=422)


@acting(*EDITORS)
@require_http_methods(["GET", "POST"])
def profile_new(request: ActingRequest) -> HttpResponse:
    """A new profile: operators for any marketplace; a marketplace's administrators for their own."""
    actor = request.actor
    actor.require("marketplaces:write")
    if not actor.is_operator:
        own = selectors.profile_of_organisation(actor=actor)
        if own is not None:
            return redirect("marketplaces:edit", slug=own.slug)
    organisations = [(o.slug, o.name) for o in marketplaces_all()] if actor.is_operator else []
    if request.method != "POST":
        initial = {} if actor.is_operator else {"name": actor.organisation.name, "slug": actor.organisation.slug}
        return _editor(request, ProfileForm(creating=True, organisations=organisations, initial=initial), None)
    form = ProfileForm(request.POST, creating=True, organisations=organisations)
    if form.is_valid():
        try:
            profile = services.profile_create(
                actor=actor,
                slug=form.cleaned_data["slug"],
                organisation=form.cleaned_data["organisation"],
                changes={name: change for name, change in form.changes().items() if name == "name" or change.value},
            )
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            form.refuse(exc.field, str(exc.message))
        else:
            messages.success(request, _("Profile created."))
            return redirect("marketplaces:profile", slug=profile.slug)
    return _editor(request, form, None, status=422)
