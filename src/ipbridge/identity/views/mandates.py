"""Pages of mandates: grant and revoke (right holders), receive and check authority (agents)."""

from __future__ import annotations

from typing import Any

import filetype
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError, PermissionDenied
from ipbridge.identity import selectors, services
from ipbridge.identity.files import document_open
from ipbridge.identity.forms import (
    AuthoriseForm,
    MandateGrantForm,
    RevokeForm,
)
from ipbridge.identity.models import (
    Mandate,
    MandateAction,
)
from ipbridge.identity.views._common import (
    HOLDERS,
    HOLDERS_AND_AGENTS,
    _document_response,
)
from ipbridge.web.pages import ActingRequest, acting, posted


def _grant_form(actor: Actor, data: Any = None, files: Any = None) -> MandateGrantForm:
    held = selectors.rights_held(organisation=actor.organisation)
    return MandateGrantForm(
        data,
        files,
        agents=[(a.slug, a.name) for a in selectors.verified_agents().order_by("name")],
        rights=[(str(c.right.pk), f"{c.right.office} {c.right.number} · {c.right.label}") for c in held],
        marketplaces=[(m.slug, m.name) for m in selectors.marketplaces_all()],
    )


def _authorise_form(actor: Actor, received: list[Mandate], data: Any = None) -> AuthoriseForm:
    principals = {m.principal.slug: m.principal.name for m in received}
    return AuthoriseForm(
        data,
        principals=sorted(principals.items(), key=lambda p: p[1]),
        marketplaces=[(m.slug, m.name) for m in selectors.marketplaces_all()],
    )


def _action_labels(mandate: Mandate) -> list[str]:
    return [str(MandateAction(a).label) if a in MandateAction.values else a for a in mandate.actions]


def _mandate_rows(mandates: list[Mandate]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [{"mandate": m, "in_force": m.in_force_on(today), "actions": _action_labels(m)} for m in mandates]


def _mandates_page(request: ActingRequest, **extra: Any) -> HttpResponse:
    actor = request.actor
    mandates = list(selectors.mandates_visible(actor=actor))
    given = [m for m in mandates if m.principal_id == actor.organisation.pk]
    received = [m for m in mandates if m.agent_id == actor.organisation.pk]
    is_holder = actor.organisation.kind == OrganisationKind.RIGHT_HOLDER
    context = {
        "is_holder": is_holder,
        "given": _mandate_rows(given),
        "received": _mandate_rows(received),
        "can_write": actor.can("identity:write"),
        "has_rights": is_holder and selectors.rights_held(organisation=actor.organisation).exists(),
        "grant_form": extra.get("grant_form") or (_grant_form(actor) if is_holder else None),
        "authorise_form": extra.get("authorise_form") or (None if is_holder else _authorise_form(actor, received)),
        "result": extra.get("result"),
    }
    return render(request, "identity/mandates.html", context)


@acting(*HOLDERS_AND_AGENTS)
def mandates(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    if request.method != "POST":
        return _mandates_page(request)
    if actor.organisation.kind != OrganisationKind.RIGHT_HOLDER:
        raise PermissionDenied(_("Only right holders give mandates."), code="wrong_organisation_kind")
    form = _grant_form(actor, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data["rights"]}
        rights = [
            (c.right.office, c.right.number)
            for c in selectors.rights_held(organisation=actor.organisation)
            if c.right.pk in chosen
        ]
        try:
            mandate = services.mandate_grant(
                actor=actor,
                agent_slug=data["agent"],
                rights=rights,
                actions=data["actions"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                document=data["document"],
                document_name=data["document"].name or "",
                marketplace_slugs=data["marketplaces"],
                note=data["note"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Mandate given to %(agent)s.") % {"agent": mandate.agent.name})
            return redirect("identity:mandate_detail", mandate_id=mandate.pk)
    return _mandates_page(request, grant_form=form)


@acting(OrganisationKind.AGENT)
@posted("identity:mandates")
def mandate_authorise(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    received = [m for m in selectors.mandates_visible(actor=actor) if m.agent_id == actor.organisation.pk]
    form = _authorise_form(actor, received, request.POST)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.mandate_authorise(
                actor=actor,
                principal_slug=data["principal"],
                office=data["office"],
                number=data["number"],
                action=data["action"],
                marketplace_slug=data["marketplace"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
    return _mandates_page(request, authorise_form=form, result=result)


def _mandate_page(request: ActingRequest, mandate_id: int, form: RevokeForm | None = None) -> HttpResponse:
    actor = request.actor
    mandate = selectors.access_mandate(actor=actor, mandate_id=mandate_id)
    principal = mandate.principal_id == actor.organisation.pk
    return render(
        request,
        "identity/mandate_detail.html",
        {
            "mandate": mandate,
            "in_force": mandate.in_force_on(timezone.localdate()),
            "actions": _action_labels(mandate),
            "can_revoke": principal and actor.can("identity:write") and mandate.revoked_at is None,
            "form": form or RevokeForm(),
        },
    )


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def mandate_detail(request: ActingRequest, mandate_id: int) -> HttpResponse:
    return _mandate_page(request, mandate_id)


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def mandate_document(request: ActingRequest, mandate_id: int) -> FileResponse:
    mandate = selectors.access_mandate(actor=request.actor, mandate_id=mandate_id)
    with document_open(mandate.document_storage_name) as stored:
        content_type = filetype.guess_mime(stored.read(8192)) or "application/octet-stream"
    return _document_response(mandate.document_storage_name, content_type=content_type, file_name=mandate.document_name)


@acting(*HOLDERS)
@posted("identity:mandate_detail")
def mandate_revoke(request: ActingRequest, mandate_id: int) -> HttpResponse:
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.mandate_revoke(actor=request.actor, mandate_id=mandate_id, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Mandate revoked."))
            return redirect("identity:mandate_detail", mandate_id=mandate_id)
    return _mandate_page(request, mandate_id, form)
