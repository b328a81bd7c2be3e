"""Pages of an organisation's identity, and the operators' identity reviews."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind, VerificationStatus
from ipbridge.core.errors import ApplicationError
from ipbridge.core.privacy import email_masked
from ipbridge.identity import credentials, selectors, services
from ipbridge.identity.forms import (
    CodeForm,
    DecisionForm,
    DocumentForm,
    DomainCodeSendForm,
    ProfileForm,
    SubmitForm,
)
from ipbridge.identity.views._common import (
    _document_response,
)
from ipbridge.web.pages import ActingRequest, acting, posted


def _profile_initial(actor: Actor) -> dict[str, str]:
    profile = selectors.identity_profile(organisation=actor.organisation)
    return {
        "legal_name": profile.legal_name,
        "registration_number": profile.registration_number,
        "registration_country": profile.registration_country or actor.organisation.country,
        "address": profile.address,
        "email_domain": profile.email_domain,
    }


def _overview(request: ActingRequest, status: int = 200, **forms: Any) -> HttpResponse:
    actor = request.actor
    organisation = actor.organisation
    if actor.is_operator:
        return render(request, "identity/overview_operator.html", {})
    profile = selectors.identity_profile(organisation=organisation)
    missing = selectors.identity_missing(organisation=organisation)
    pending = organisation.verification_status == VerificationStatus.PENDING
    context = {
        "organisation": organisation,
        "profile": profile,
        "missing": missing,
        "documents": selectors.identity_documents(actor=actor),
        "can_edit": actor.can("identity:write") and not pending,
        "can_write": actor.can("identity:write"),
        "pending": pending,
        "verified": organisation.verification_status == VerificationStatus.VERIFIED,
        "domain_email": email_masked(profile.domain_confirmed_email) if profile.domain_confirmed_email else "",
        "profile_form": forms.get("profile_form") or ProfileForm(initial=_profile_initial(actor)),
        "document_form": forms.get("document_form") or DocumentForm(),
        "send_form": forms.get("send_form") or DomainCodeSendForm(),
        "confirm_form": forms.get("confirm_form") or CodeForm(),
        "submit_form": forms.get("submit_form") or SubmitForm(),
        "code_sent_to": request.session.get("identity_domain_code_sent_to", ""),
    }
    return render(request, "identity/overview.html", context, status=status)


@acting()
@require_GET
def overview(request: ActingRequest) -> HttpResponse:
    return _overview(request)


@acting()
@posted("identity:overview")
def profile_update(request: ActingRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.identity_profile_update(actor=request.actor, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Your organisation's details are saved."))
            return redirect("identity:overview")
    return _overview(request, profile_form=form)


@acting()
@posted("identity:overview")
def document_add(request: ActingRequest) -> HttpResponse:
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.identity_document_add(
                actor=request.actor, kind=form.cleaned_data["kind"], upload=upload, file_name=upload.name or ""
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Document added."))
            return redirect("identity:overview")
    return _overview(request, document_form=form)


@acting()
@require_POST
def document_remove(request: ActingRequest, document_id: int) -> HttpResponse:
    try:
        services.identity_document_remove(actor=request.actor, document_id=document_id)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Document removed."))
    return redirect("identity:overview")


@acting()
@require_GET
def document_download(request: ActingRequest, document_id: int) -> FileResponse:
    document = selectors.access_document(actor=request.actor, document_id=document_id)
    return _document_response(document.storage_name, content_type=document.content_type, file_name=document.file_name)


@acting()
@posted("identity:overview")
def domain_code_send(request: ActingRequest) -> HttpResponse:
    form = DomainCodeSendForm(request.POST)
    if form.is_valid():
        try:
            code = services.identity_domain_code_send(actor=request.actor, email=form.cleaned_data["email"])
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            request.session["identity_domain_code_sent_to"] = email_masked(code.email)
            messages.success(request, _("A code is on its way to %(email)s.") % {"email": email_masked(code.email)})
            return redirect(f"{reverse('identity:overview')}#domain")
    return _overview(request, send_form=form)


@acting()
@posted("identity:overview")
def domain_code_confirm(request: ActingRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.identity_domain_code_confirm(actor=request.actor, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            request.session.pop("identity_domain_code_sent_to", None)
            messages.success(request, _("Your e-mail domain is confirmed."))
            return redirect("identity:overview")
    return _overview(request, confirm_form=form)


@acting()
@posted("identity:overview")
def submit(request: ActingRequest) -> HttpResponse:
    form = SubmitForm(request.POST)
    if form.is_valid():
        try:
            services.identity_submit(actor=request.actor, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Your identity is with the operators. You will see their answer here."))
            return redirect("identity:overview")
    return _overview(request, submit_form=form)


# Operators' identity reviews ------------------------------------------------------------------------------------


@acting(OrganisationKind.OPERATOR)
@require_GET
def reviews(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "identity/reviews.html",
        {
            "organisations": selectors.organisations_for_review(actor=actor),
            "claims": selectors.claims_for_review(actor=actor),
            "can_write": actor.can("identity:write"),
        },
    )


def _review_page(request: ActingRequest, slug: str, form: DecisionForm | None = None) -> HttpResponse:
    actor = request.actor
    organisation = selectors.organisation_for_review(actor=actor, slug=slug)
    profile = selectors.identity_profile(organisation=organisation)
    return render(
        request,
        "identity/review_organisation.html",
        {
            "organisation": organisation,
            "profile": profile,
            "documents": selectors.organisation_documents(actor=actor, organisation=organisation),
            "missing": selectors.identity_missing(organisation=organisation),
            "pending": organisation.verification_status == VerificationStatus.PENDING,
            "can_write": actor.can("identity:write"),
            "form": form or DecisionForm(),
        },
    )


@acting(OrganisationKind.OPERATOR)
@require_GET
def review_organisation(request: ActingRequest, slug: str) -> HttpResponse:
    return _review_page(request, slug)


@acting(OrganisationKind.OPERATOR)
@posted("identity:review_organisation")
def review_decide(request: ActingRequest, slug: str) -> HttpResponse:
    actor = request.actor
    organisation = selectors.organisation_for_review(actor=actor, slug=slug)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.identity_review_decide(actor=actor, organisation_id=organisation.pk, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Decision on %(name)s saved.") % {"name": organisation.name})
            return redirect("identity:reviews")
    return _review_page(request, slug, form)


@acting(OrganisationKind.OPERATOR)
@require_POST
def signing_key_rotate(request: ActingRequest) -> HttpResponse:
    key = credentials.signing_key_rotate(actor=request.actor)
    messages.success(request, _("Credentials are now signed with key %(kid)s.") % {"kid": key.kid})
    return redirect("identity:reviews")
