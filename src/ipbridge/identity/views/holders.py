"""The directory of authenticated right holders and agents: who they are, which rights they proved they hold and
how, for whom they act. What a marketplace looks at before it trusts a notice."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ipbridge.identity import selectors
from ipbridge.web.pages import ActingRequest, acting


@acting()
@require_GET
def holders(request: ActingRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    page = Paginator(selectors.holders_visible(actor=request.actor, q=q), 50).get_page(request.GET.get("page"))
    return render(request, "identity/holders.html", {"page": page, "q": q})


@acting()
@require_GET
def holder_detail(request: ActingRequest, slug: str) -> HttpResponse:
    authentication = selectors.holder_authentication(actor=request.actor, slug=slug)
    return render(request, "identity/holder_detail.html", {"authentication": authentication})
