"""Web pages of authentication: identity, claims on rights, mandates, credentials; and the published keys.

Pages read through the selectors and write through the services, like the API; a service's refusal is shown on
the field it names, or as the refused page when the whole page is not for the person."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

import filetype
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind, User, VerificationStatus
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from ipbridge.core.privacy import email_masked
from ipbridge.identity import credentials, selectors, services
from ipbridge.identity.credentials import jwks_document
from ipbridge.identity.files import document_open
from ipbridge.identity.forms import (
    AuthoriseForm,
    ClaimDocumentForm,
    ClaimProofForm,
    ClaimStartForm,
    CodeForm,
    DecisionForm,
    DocumentForm,
    DomainCodeSendForm,
    MandateGrantForm,
    ProfileForm,
    RevokeForm,
    SubmitForm,
    TokenForm,
)
from ipbridge.identity.models import (
    ClaimMethod,
    ClaimRelation,
    ClaimStatus,
    Mandate,
    MandateAction,
    ReviewReason,
    RightClaim,
)
from ipbridge.rights.models import ChangeField, PartyRole
from ipbridge.rights.presenters import change_public
from ipbridge.rights.selectors import right_find, right_history

View = Callable[..., HttpResponseBase]

HOLDERS = (OrganisationKind.RIGHT_HOLDER,)
HOLDERS_AND_AGENTS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)

# The engine's sentences are in English; these say the same in the reader's language.
CHECK_REASONS = {
    "malformed": gettext_lazy("This is not a well-formed credential."),
    "wrong_type": gettext_lazy("This token is not an IPBridge credential."),
    "unknown_key": gettext_lazy("The credential was not signed with a key this instance publishes."),
    "bad_signature": gettext_lazy("The signature does not match the contents: the credential was altered."),
    "expired": gettext_lazy("The credential has expired."),
    "not_yet_valid": gettext_lazy("The credential is not valid yet."),
    "revoked": gettext_lazy("The credential was revoked."),
    "unsupported_algorithm": gettext_lazy("The credential uses an algorithm that is not accepted."),
}


class IdentityRequest(HttpRequest):
    user: User
    actor: Actor


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "accounts/refused.html", {"error": exc}, status=exc.status)


def acting(*kinds: str) -> Callable[[View], View]:
    """Signed in, second factor passed (the middleware sees to it), acting for an organisation of one of
    ``kinds`` (any, when none are named): the actor is ``request.actor``. A refusal the view does not handle
    itself becomes the refused page, with its status."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: IdentityRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            actor = actor_for_user(request.user)
            if actor is None:
                return render(request, "accounts/no_organisation.html", status=403)
            request.actor = actor
            if kinds and actor.organisation.kind not in kinds:
                labels = ", ".join(str(OrganisationKind(k).label) for k in kinds)
                return _refused(
                    request,
                    PermissionDenied(
                        _("This page is for these organisations: %(kinds)s.") % {"kinds": labels},
                        code="wrong_organisation_kind",
                    ),
                )
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as exc:
                return _refused(request, exc)

        return wrapper

    return decorate


def posted(page: str) -> Callable[[View], View]:
    """The target of a form that is shown again with its errors: a GET there (a reload, or the language switch
    on that page) goes back to the form's own ``page``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method != "POST":
                return redirect(page, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _document_response(storage_name: str, *, content_type: str, file_name: str) -> FileResponse:
    return FileResponse(document_open(storage_name), content_type=content_type, as_attachment=True, filename=file_name)


# The organisation's identity ------------------------------------------------------------------------------------


def _profile_initial(actor: Actor) -> dict[str, str]:
    profile = selectors.identity_profile(organisation=actor.organisation)
    return {
        "legal_name": profile.legal_name,
        "registration_number": profile.registration_number,
        "registration_country": profile.registration_country or actor.organisation.country,
        "address": profile.address,
        "email_domain": profile.email_domain,
    }


def _overview(request: IdentityRequest, status: int = 200, **forms: Any) -> HttpResponse:
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
def overview(request: IdentityRequest) -> HttpResponse:
    return _overview(request)


@acting()
@posted("identity:overview")
def profile_update(request: IdentityRequest) -> HttpResponse:
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
def document_add(request: IdentityRequest) -> HttpResponse:
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
def document_remove(request: IdentityRequest, document_id: int) -> HttpResponse:
    try:
        services.identity_document_remove(actor=request.actor, document_id=document_id)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Document removed."))
    return redirect("identity:overview")


@acting()
@require_GET
def document_download(request: IdentityRequest, document_id: int) -> FileResponse:
    document = selectors.access_document(actor=request.actor, document_id=document_id)
    return _document_response(document.storage_name, content_type=document.content_type, file_name=document.file_name)


@acting()
@posted("identity:overview")
def domain_code_send(request: IdentityRequest) -> HttpResponse:
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
def domain_code_confirm(request: IdentityRequest) -> HttpResponse:
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
def submit(request: IdentityRequest) -> HttpResponse:
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
def reviews(request: IdentityRequest) -> HttpResponse:
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


def _review_page(request: IdentityRequest, slug: str, form: DecisionForm | None = None) -> HttpResponse:
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
def review_organisation(request: IdentityRequest, slug: str) -> HttpResponse:
    return _review_page(request, slug)


@acting(OrganisationKind.OPERATOR)
@posted("identity:review_organisation")
def review_decide(request: IdentityRequest, slug: str) -> HttpResponse:
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
def signing_key_rotate(request: IdentityRequest) -> HttpResponse:
    key = credentials.signing_key_rotate(actor=request.actor)
    messages.success(request, _("Credentials are now signed with key %(kid)s.") % {"kid": key.kid})
    return redirect("identity:reviews")


# Claims on register rights --------------------------------------------------------------------------------------


def _claims_page(request: IdentityRequest, form: ClaimStartForm | None = None) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "identity/claims.html",
        {
            "claims": selectors.claims_visible(actor=actor),
            "form": form or ClaimStartForm(),
            "can_write": actor.can("identity:write"),
        },
    )


@acting(*HOLDERS)
@require_GET
def claims(request: IdentityRequest) -> HttpResponse:
    return _claims_page(request)


def _contact_choices(contacts: list[selectors.Contact], chosen: str) -> list[dict[str, Any]]:
    """The register's addresses as choices: the value is a position, the label the masked address, so that a
    full address of record never reaches the page."""
    return [
        {
            "value": str(i),
            "label": f"{contact.masked} · {PartyRole(contact.role).label}",
            "checked": str(i) == (chosen or "0"),
        }
        for i, contact in enumerate(contacts)
    ]


@acting(*HOLDERS)
def claim_new(request: IdentityRequest) -> HttpResponse:
    actor = request.actor
    source = request.POST if request.method == "POST" else request.GET
    start = ClaimStartForm(source)
    if not start.is_valid():
        return _claims_page(request, start)
    office, number, relation = (start.cleaned_data[k] for k in ("office", "number", "relation"))
    right = right_find(office=office, number=number)
    if right is None:
        start.add_error(
            "number",
            _("No right %(office)s %(number)s in the register.") % {"office": office.upper(), "number": number},
        )
        return _claims_page(request, start)
    contacts = selectors.claim_contacts(right=right)
    initial = {"method": ClaimMethod.DOCUMENTS if relation != "owner" or not contacts else ClaimMethod.CONTACT_CODE}
    form = ClaimProofForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        method = form.cleaned_data["method"]
        contact_email = ""
        if method == ClaimMethod.CONTACT_CODE:
            index = form.cleaned_data["contact"] or "0"
            contact_email = contacts[int(index)].email if index.isdigit() and int(index) < len(contacts) else ""
        try:
            if method == ClaimMethod.CONTACT_CODE and contacts and not contact_email:
                raise ValidationFailed(
                    "not_a_contact", _("Choose one of the register's contact addresses."), field="contact"
                )
            claim = services.right_claim_start(
                actor=actor,
                office=office,
                number=number,
                method=method,
                relation=relation,
                contact_email=contact_email,
            )
        except ApplicationError as exc:
            if exc.field == "contact_email":
                form.add_error("contact", str(exc.message))
            else:
                add_application_error(form, exc)
        else:
            messages.success(request, _claim_started_message(claim))
            return redirect("identity:claim_detail", claim_id=claim.pk)
    return render(
        request,
        "identity/claim_new.html",
        {
            "right": right,
            "owners": [p for p in right.parties.all() if p.role == PartyRole.OWNER],
            "start": start,
            "relation_label": ClaimRelation(relation).label,
            "form": form,
            "contacts": _contact_choices(contacts, request.POST.get("contact", "")),
            "can_write": actor.can("identity:write"),
        },
    )


def _claim_started_message(claim: RightClaim) -> str:
    if claim.status == ClaimStatus.AWAITING_CODE:
        return _("A code is on its way to %(email)s.") % {"email": claim.evidence.get("contact_of_record", "")}
    if claim.status == ClaimStatus.IN_REVIEW:
        return _("Your claim is with the operators.")
    return _("Your claim is approved.")


def _reason_labels(claim: RightClaim) -> list[str]:
    return [str(ReviewReason(r).label) if r in ReviewReason.values else r for r in claim.review_reasons]


def _history_rows(claim: RightClaim) -> list[dict[str, Any]]:
    return [change_public(change) for change in right_history(right=claim.right)[:20]]


def _claim_page(request: IdentityRequest, claim_id: int, **forms: Any) -> HttpResponse:
    actor = request.actor
    claim = selectors.access_claim(actor=actor, claim_id=claim_id)
    own = claim.organisation_id == actor.organisation.pk
    change = claim.evidence.get("register_change") or {}
    context: dict[str, Any] = {
        "claim": claim,
        "reasons": _reason_labels(claim),
        "documents": selectors.claim_documents(claim=claim),
        "own": own,
        "can_write": actor.can("identity:write") and own,
        "awaiting_code": claim.status == ClaimStatus.AWAITING_CODE,
        "in_review": claim.status in {ClaimStatus.IN_REVIEW, ClaimStatus.MORE_INFORMATION},
        "closed": claim.status in {ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN},
        "code_form": forms.get("code_form") or CodeForm(),
        "document_form": forms.get("document_form") or ClaimDocumentForm(),
        "register_change": change,
        "register_change_label": ChangeField(change["field"]).label
        if change.get("field") in ChangeField.values
        else "",
    }
    if actor.is_operator:
        context |= {
            "others": selectors.claim_others(claim=claim),
            "history": _history_rows(claim),
            "decision_form": forms.get("decision_form") or DecisionForm(),
            "can_decide": actor.can("identity:write") and claim.status == ClaimStatus.IN_REVIEW,
        }
    return render(request, "identity/claim_detail.html", context)


@acting(OrganisationKind.RIGHT_HOLDER, OrganisationKind.OPERATOR)
@require_GET
def claim_detail(request: IdentityRequest, claim_id: int) -> HttpResponse:
    return _claim_page(request, claim_id)


@acting(*HOLDERS)
@posted("identity:claim_detail")
def claim_code_confirm(request: IdentityRequest, claim_id: int) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            claim = services.right_claim_code_confirm(
                actor=request.actor, claim_id=claim_id, code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            if claim.status == ClaimStatus.APPROVED:
                messages.success(request, _("The code is right: your claim is approved."))
            else:
                messages.warning(request, _("The code is right, but the claim needs an operator's review."))
            return redirect("identity:claim_detail", claim_id=claim_id)
    return _claim_page(request, claim_id, code_form=form)


@acting(*HOLDERS)
@require_POST
def claim_code_resend(request: IdentityRequest, claim_id: int) -> HttpResponse:
    try:
        code = services.right_claim_code_resend(actor=request.actor, claim_id=claim_id)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A new code is on its way to %(email)s.") % {"email": email_masked(code.email)})
    return redirect("identity:claim_detail", claim_id=claim_id)


@acting(*HOLDERS)
@posted("identity:claim_detail")
def claim_document_add(request: IdentityRequest, claim_id: int) -> HttpResponse:
    form = ClaimDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.right_claim_document_add(
                actor=request.actor,
                claim_id=claim_id,
                kind=form.cleaned_data["kind"],
                upload=upload,
                file_name=upload.name or "",
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Document added."))
            return redirect("identity:claim_detail", claim_id=claim_id)
    return _claim_page(request, claim_id, document_form=form)


@acting(*HOLDERS)
@require_POST
def claim_withdraw(request: IdentityRequest, claim_id: int) -> HttpResponse:
    try:
        services.right_claim_withdraw(actor=request.actor, claim_id=claim_id)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Claim withdrawn."))
    return redirect("identity:claim_detail", claim_id=claim_id)


@acting(OrganisationKind.OPERATOR)
@posted("identity:claim_detail")
def claim_decide(request: IdentityRequest, claim_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.right_claim_review_decide(actor=request.actor, claim_id=claim_id, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Decision saved."))
            return redirect("identity:reviews")
    return _claim_page(request, claim_id, decision_form=form)


# Mandates -------------------------------------------------------------------------------------------------------


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


def _mandates_page(request: IdentityRequest, **extra: Any) -> HttpResponse:
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
def mandates(request: IdentityRequest) -> HttpResponse:
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
def mandate_authorise(request: IdentityRequest) -> HttpResponse:
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


def _mandate_page(request: IdentityRequest, mandate_id: int, form: RevokeForm | None = None) -> HttpResponse:
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
def mandate_detail(request: IdentityRequest, mandate_id: int) -> HttpResponse:
    return _mandate_page(request, mandate_id)


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def mandate_document(request: IdentityRequest, mandate_id: int) -> FileResponse:
    mandate = selectors.access_mandate(actor=request.actor, mandate_id=mandate_id)
    with document_open(mandate.document_storage_name) as stored:
        content_type = filetype.guess_mime(stored.read(8192)) or "application/octet-stream"
    return _document_response(mandate.document_storage_name, content_type=content_type, file_name=mandate.document_name)


@acting(*HOLDERS)
@posted("identity:mandate_detail")
def mandate_revoke(request: IdentityRequest, mandate_id: int) -> HttpResponse:
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


# Credentials ----------------------------------------------------------------------------------------------------


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def credentials_list(request: IdentityRequest) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "identity/credentials.html",
        {
            "credentials": credentials.credentials_visible(actor=actor),
            "can_write": actor.can("identity:write"),
            "now": timezone.now(),
        },
    )


@acting(*HOLDERS_AND_AGENTS)
@require_POST
def credential_issue(request: IdentityRequest) -> HttpResponse:
    try:
        credential = credentials.credential_issue(actor=request.actor)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("identity:credentials")
    messages.success(request, _("Credential issued."))
    return redirect("identity:credential_detail", credential_id=credential.pk)


def _label(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _statement(claims: dict[str, Any]) -> dict[str, Any]:
    """What a credential states, with the words of the page's language for its codes."""
    organisation = claims.get("organisation") or {}
    return {
        "organisation": organisation,
        "kind": _label(OrganisationKind, organisation.get("kind")),
        "verification": _label(VerificationStatus, organisation.get("verification")),
        "rights": [
            {
                **right,
                "relation_label": _label(ClaimRelation, right.get("relation")),
                "proof_label": _label(ClaimMethod, right.get("proof")),
            }
            for right in claims.get("rights") or []
        ],
        "mandates": [
            {
                **mandate,
                "actions_label": ", ".join(_label(MandateAction, a) for a in mandate.get("actions") or []),
                "all_marketplaces": mandate.get("marketplaces") == "all",
            }
            for mandate in claims.get("mandates") or []
        ],
        "issuer": claims.get("iss", ""),
        "jti": claims.get("jti", ""),
    }


def _verify_url(request: HttpRequest) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("identity:credential_verify")


def _token_qr(token: str, *, fallback_url: str) -> tuple[str, bool]:
    """A QR code of the token itself, or, when the token is too long for one, of the public verification page
    for this credential (the second value says which)."""
    try:
        return str(segno.make(token, error="l").svg_data_uri(scale=2)), True
    except segno.DataOverflowError:
        return str(segno.make(fallback_url, error="m").svg_data_uri(scale=4)), False


def _credential_page(request: IdentityRequest, credential_id: int, form: RevokeForm | None = None) -> HttpResponse:
    actor = request.actor
    credential = credentials.access_credential(actor=actor, credential_id=credential_id)
    status_page = f"{_verify_url(request)}?jti={credential.jti}"
    qr, qr_is_token = _token_qr(credential.token, fallback_url=status_page)
    site = settings.SITE_URL.rstrip("/")
    return render(
        request,
        "identity/credential_detail.html",
        {
            "credential": credential,
            "statement": _statement(credential.claims),
            "qr": qr,
            "qr_is_token": qr_is_token,
            "jwks_url": site + reverse("jwks"),
            "verify_url": _verify_url(request),
            "can_revoke": actor.can("identity:write") and credential.revoked_at is None,
            "now": timezone.now(),
            "form": form or RevokeForm(),
        },
    )


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def credential_detail(request: IdentityRequest, credential_id: int) -> HttpResponse:
    return _credential_page(request, credential_id)


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def credential_download(request: IdentityRequest, credential_id: int) -> HttpResponse:
    credential = credentials.access_credential(actor=request.actor, credential_id=credential_id)
    response = HttpResponse(credential.token + "\n", content_type="application/jwt")
    response["Content-Disposition"] = f'attachment; filename="ipbridge-credential-{credential.jti}.jwt"'
    return response


@acting(*HOLDERS_AND_AGENTS)
@posted("identity:credential_detail")
def credential_revoke(request: IdentityRequest, credential_id: int) -> HttpResponse:
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            credentials.credential_revoke(
                actor=request.actor, credential_id=credential_id, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Credential revoked."))
            return redirect("identity:credential_detail", credential_id=credential_id)
    return _credential_page(request, credential_id, form)


def credential_verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone can check a credential they were shown, or, by its number, whether it was revoked."""
    form = TokenForm(request.POST or None)
    result = status = None
    if request.method == "POST" and form.is_valid():
        result, status = credentials.credential_check(token=form.cleaned_data["token"])
    jti_status = None
    jti = request.GET.get("jti", "")
    if request.method == "GET" and jti:
        with contextlib.suppress(ApplicationError):  # an unknown number is said so on the page
            jti_status = credentials.credential_status(jti=jti)
    return render(
        request,
        "identity/credential_verify.html",
        {
            "form": form,
            "result": result,
            "status": status,
            "reason_label": CHECK_REASONS.get(result.reason, "") if result else "",
            "statement": _statement(result.claims) if result and result.claims else None,
            "jti": jti,
            "jti_status": jti_status,
            "jwks_url": reverse("jwks"),
        },
    )


@require_GET
@cache_control(public=True, max_age=300)
def jwks_json(request: HttpRequest) -> JsonResponse:
    """The public keys that verify IPBridge credentials (RFC 7517), retired ones included."""
    return JsonResponse(jwks_document())
