"""The accuracy page: a sender's takedown, counter-notice and overturned rates by marketplace, or a
marketplace's by sender, and the trusted-flagger lane."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ipbridge.notices import accuracy
from ipbridge.notices.views._common import CASE_READERS
from ipbridge.web.pages import ActingRequest, acting


@acting(*CASE_READERS)
@require_GET
def accuracy_page(request: ActingRequest) -> HttpResponse:
    report = accuracy.accuracy_report(actor=request.actor)
    return render(
        request,
        "notices/accuracy.html",
        {
            "report": report,
            "since": accuracy.accuracy_period_start(),
            "is_marketplace": request.actor.organisation.kind == "marketplace",
            "rule": {
                "days": settings.TRUSTED_FLAGGER_DAYS,
                "items": settings.TRUSTED_FLAGGER_MIN_ITEMS,
                "takedown": round(settings.TRUSTED_FLAGGER_TAKEDOWN_RATE * 100),
                "counter": round(settings.TRUSTED_FLAGGER_COUNTER_NOTICE_RATE * 100),
            },
        },
    )
