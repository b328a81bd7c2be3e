"""How marketplaces receive their cases: each one's response time and channels for everyone who handles
notices, and the settings page where a marketplace's admins (or an operator) change them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError
from ipbridge.notices import intake
from ipbridge.notices.forms import IntakeForm
from ipbridge.notices.views._common import CASE_READERS, FieldGroup
from ipbridge.web.pages import ActingRequest, acting


@acting(*CASE_READERS)
@require_GET
def intake_list(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    rows = [
        {
            "intake": found,
            "private": intake.intake_private(actor=actor, found=found),
            "editable": actor.can("accounts:write") and intake.intake_private(actor=actor, found=found),
        }
        for found in intake.intakes_list(actor=actor)
    ]
    return render(request, "notices/intake_list.html", {"rows": rows})


@acting(OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)
@require_http_methods(["GET", "POST"])
def intake_edit(request: ActingRequest, slug: str) -> HttpResponse:
    actor = request.actor
    found = intake.intake_for_edit(actor=actor, slug=slug)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                intake.intake_update(
                    actor=actor,
                    slug=slug,
                    response_hours=data["response_hours"],
                    email=data["email"],
                    language=data["language"],
                    overdue_alerts=data["overdue_alerts"],
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                add_application_error(form, exc)
            else:
                messages.success(request, _("Intake settings saved."))
                return redirect("notices:intake_edit", slug=slug)
    else:
        form = IntakeForm(
            initial={
                "response_hours": found.response_hours,
                "email": found.email,
                "language": found.language,
                "overdue_alerts": found.overdue_alerts,
            }
        )
    return render(
        request,
        "notices/intake_edit.html",
        {"intake": found, "form": form, "fields": FieldGroup(form, "response_hours", "email", "language")},
    )
