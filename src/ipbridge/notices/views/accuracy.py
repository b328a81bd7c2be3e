"""The accuracy page: a sender's takedown, counter-notice and overturned rates by marketplace, or a
marketplace's by sender, and the trusted-flagger lane; the sender's standing (DSA art. 23), and for operators the
measures against senders in force, which they may lift."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError
from ipbridge.notices import accuracy, misuse
from ipbridge.notices.forms import LiftForm
from ipbridge.notices.views._common import CASE_READERS, SENDERS, require_write
from ipbridge.web.pages import ActingRequest, acting


@acting(*CASE_READERS)
@require_GET
def accuracy_page(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    report = accuracy.accuracy_report(actor=actor)
    return render(
        request,
        "notices/accuracy.html",
        {
            "report": report,
            "since": accuracy.accuracy_period_start(),
            "is_marketplace": actor.organisation.kind == "marketplace",
            "rule": {
                "days": settings.TRUSTED_FLAGGER_DAYS,
                "items": settings.TRUSTED_FLAGGER_MIN_ITEMS,
                "takedown": round(settings.TRUSTED_FLAGGER_TAKEDOWN_RATE * 100),
                "counter": round(settings.TRUSTED_FLAGGER_COUNTER_NOTICE_RATE * 100),
            },
            "standing": misuse.sender_standing(sender=actor.organisation)
            if actor.organisation.kind in SENDERS
            else None,
            "misuse_rule": {
                "days": settings.MISUSE_DAYS,
                "warning": settings.MISUSE_WARNING_ITEMS,
                "suspension": settings.MISUSE_SUSPENSION_ITEMS,
                "suspension_days": settings.MISUSE_SUSPENSION_DAYS,
            },
            "measures": misuse.measures_in_force(actor=actor) if actor.is_operator else [],
            "can_lift": actor.is_operator and actor.can("notices:write"),
            "lift_form": LiftForm(),
        },
    )


@acting(OrganisationKind.OPERATOR)
@require_POST
def sender_measure_lift(request: ActingRequest, measure_id: int) -> HttpResponse:
    require_write(request.actor)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the measure is lifted."))
        return redirect("notices:accuracy")
    try:
        misuse.sender_measure_lift(actor=request.actor, measure_id=measure_id, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Measure lifted."))
    return redirect("notices:accuracy")
