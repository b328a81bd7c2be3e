"""Pages of claims on register rights: start, prove, follow, and the operators' decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError, ValidationFailed
from ipbridge.core.privacy import email_masked
from ipbridge.identity import selectors, services
from ipbridge.identity.forms import (
    ClaimDocumentForm,
    ClaimProofForm,
    ClaimStartForm,
    CodeForm,
    DecisionForm,
)
from ipbridge.identity.models import (
    ClaimMethod,
    ClaimRelation,
    ClaimStatus,
    ReviewReason,
    RightClaim,
)
from ipbridge.identity.views._common import (
    HOLDERS,
)
from ipbridge.rights.models import ChangeField, PartyRole
from ipbridge.rights.presenters import change_public
from ipbridge.rights.selectors import right_find, right_history
from ipbridge.web.pages import ActingRequest, acting, posted


def _claims_page(request: ActingRequest, form: ClaimStartForm | None = None) -> HttpResponse:
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
def claims(request: ActingRequest) -> HttpResponse:
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
def claim_new(request: ActingRequest) -> HttpResponse:
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


def _claim_page(request: ActingRequest, claim_id: int, **forms: Any) -> HttpResponse:
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
def claim_detail(request: ActingRequest, claim_id: int) -> HttpResponse:
    return _claim_page(request, claim_id)


@acting(*HOLDERS)
@posted("identity:claim_detail")
def claim_code_confirm(request: ActingRequest, claim_id: int) -> HttpResponse:
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
def claim_code_resend(request: ActingRequest, claim_id: int) -> HttpResponse:
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
def claim_document_add(request: ActingRequest, claim_id: int) -> HttpResponse:
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
def claim_withdraw(request: ActingRequest, claim_id: int) -> HttpResponse:
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
def claim_decide(request: ActingRequest, claim_id: int) -> HttpResponse:
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
