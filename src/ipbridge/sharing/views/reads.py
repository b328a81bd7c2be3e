"""Who read what (查阅记录): for a right holder, every read of its guides, their pictures and its authorised sellers
by other organisations, and how often each organisation read them."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from ipbridge.sharing import selectors
from ipbridge.sharing.forms import ReadFilterForm
from ipbridge.sharing.views._common import PAGE_SIZE, READ_LOG_READERS, subnav
from ipbridge.web.pages import ActingRequest, acting


@acting(*READ_LOG_READERS)
@require_GET
def reads(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    own = selectors.guides_visible(actor=actor, scope="mine")
    form = ReadFilterForm(request.GET or None, guides=[(g.pk, g.title) for g in own])
    guide_id, subject = (None, "")
    if form.is_valid():
        guide_id, subject = form.cleaned_data["guide"], form.cleaned_data["subject"]
    rows = selectors.reads_visible(actor=actor, guide_id=guide_id, subject=subject)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in (("guide", guide_id or ""), ("subject", subject)) if v}
    return render(
        request,
        "sharing/reads.html",
        {
            "subnav": subnav(actor, "sharing:reads"),
            "form": form,
            "counts": selectors.read_counts(actor=actor, guide_id=guide_id, subject=subject),
            "page": page,
            "query": urlencode(query),
            "filtered": bool(query),
        },
    )
