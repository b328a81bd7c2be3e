from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ipbridge.accounts import selectors
from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind
from ipbridge.accounts.views import acting
from ipbridge.web.dashboards import KIND_PURPOSES, next_steps
from ipbridge.web.health import health


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    kinds = [(OrganisationKind(kind).label, purpose) for kind, purpose in KIND_PURPOSES.items()]
    return render(request, "web/home.html", {"kinds": kinds})


@acting
def dashboard(request: HttpRequest) -> HttpResponse:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    context = {
        "figures": selectors.organisation_figures(actor=actor),
        "steps": next_steps(actor),
        "kind_label": OrganisationKind(actor.organisation.kind).label,
    }
    if actor.is_operator:
        platform = selectors.platform_figures(actor=actor)
        context["platform"] = platform
        context["kind_rows"] = [
            (label, platform.organisations_by_kind.get(kind, 0)) for kind, label in OrganisationKind.choices
        ]
    return render(request, "web/dashboard.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    ok, body = health()
    return JsonResponse(body, status=200 if ok else 503)
