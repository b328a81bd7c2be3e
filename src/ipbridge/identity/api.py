"""HTTP API of authentication: identity, claims on rights, mandates, credentials. Parse, call a service or a
selector, serialise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.throttling import AnonRateThrottle

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation
from ipbridge.accounts.selectors import organisation_by_slug
from ipbridge.core.api import ERRORS
from ipbridge.core.privacy import email_masked
from ipbridge.core.validation import right_references
from ipbridge.identity import credentials, selectors, services
from ipbridge.identity.files import document_open
from ipbridge.identity.models import VerificationCode
from ipbridge.identity.presenters import (
    authentication_out,
    authorisation_out,
    claim_out,
    credential_out,
    document_out,
    mandate_out,
    missing_out,
    status_out,
)
from ipbridge.identity.schemas import (
    AuthenticationOut,
    AuthorisationOut,
    AuthoriseIn,
    ClaimIn,
    ClaimOut,
    CodeIn,
    CodeSentOut,
    ContactOut,
    CredentialCheckOut,
    CredentialIssueIn,
    CredentialOut,
    CredentialStatusOut,
    DecisionIn,
    DocumentOut,
    EmailIn,
    IdentityOut,
    MandateIn,
    MandateOut,
    ProfileIn,
    RevokeIn,
    SigningKeyOut,
    SubmitIn,
    TokenIn,
)
from ipbridge.rights.selectors import right_get

router = Router(tags=["identity"])
public = Router(auth=None, throttle=[AnonRateThrottle(settings.PUBLIC_RATE_LIMIT)], tags=["identity"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _identity(actor: Actor, organisation: Organisation) -> dict[str, Any]:
    profile = selectors.identity_profile(organisation=organisation)
    return {
        "organisation": organisation.slug,
        "verification_status": organisation.verification_status,
        "legal_name": profile.legal_name,
        "registration_number": profile.registration_number,
        "registration_country": profile.registration_country,
        "address": profile.address,
        "email_domain": profile.email_domain,
        "domain_confirmed_at": profile.domain_confirmed_at,
        "submitted_at": profile.submitted_at,
        "review_note": profile.review_note,
        "missing": missing_out(selectors.identity_missing(organisation=organisation)),
        "documents": [
            document_out(d) for d in selectors.organisation_documents(actor=actor, organisation=organisation)
        ],
    }


def _own_identity(actor: Actor) -> dict[str, Any]:
    actor.require("identity:read")
    return _identity(actor, organisation_by_slug(actor.organisation.slug))


def _claim(actor: Actor, claim_id: int) -> dict[str, Any]:
    claim = selectors.access_claim(actor=actor, claim_id=claim_id)
    return claim_out(claim, list(selectors.claim_documents(claim=claim)))


def _sent(code: VerificationCode) -> Status[dict[str, Any]]:
    return Status(201, {"sent_to": email_masked(code.email), "expires_at": code.expires_at})


# The organisation's identity ------------------------------------------------------------------------------------


@router.get("/identity", response={200: IdentityOut, **ERRORS}, operation_id="identity_get")
def identity_get(request: HttpRequest) -> dict[str, Any]:
    """Your organisation's identity: what it states, its documents, its review status and what is missing."""
    return _own_identity(_actor(request))


@router.put("/identity", response={200: IdentityOut, **ERRORS}, operation_id="identity_update")
def identity_update(request: HttpRequest, payload: ProfileIn) -> dict[str, Any]:
    actor = _actor(request)
    services.identity_profile_update(actor=actor, **payload.model_dump())
    return _own_identity(actor)


@router.post("/identity/documents", response={201: DocumentOut, **ERRORS}, operation_id="identity_document_add")
def identity_document_add(request: HttpRequest, kind: Form[str], file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Upload an identity document (multipart: ``kind`` = business_registration, signatory_identity or other, and
    ``file``, a PDF or an image)."""
    document = services.identity_document_add(actor=_actor(request), kind=kind, upload=file, file_name=file.name or "")
    return Status(201, document_out(document))


@router.delete(
    "/identity/documents/{int:document_id}", response={204: None, **ERRORS}, operation_id="identity_document_remove"
)
def identity_document_remove(request: HttpRequest, document_id: int) -> Status[None]:
    services.identity_document_remove(actor=_actor(request), document_id=document_id)
    return Status(204, None)


@router.get(
    "/identity/documents/{int:document_id}/content",
    response={200: None, **ERRORS},
    operation_id="identity_document_content",
)
def identity_document_content(request: HttpRequest, document_id: int) -> FileResponse:
    """The document's bytes (yours; operators: any organisation's)."""
    document = selectors.access_document(actor=_actor(request), document_id=document_id)
    return FileResponse(
        document_open(document.storage_name), content_type=document.content_type, filename=document.file_name
    )


@router.post("/identity/domain-code", response={201: CodeSentOut, **ERRORS}, operation_id="identity_domain_code_send")
def identity_domain_code_send(request: HttpRequest, payload: EmailIn) -> Status[dict[str, Any]]:
    """Send a one-time code to an address on your organisation's e-mail domain."""
    return _sent(services.identity_domain_code_send(actor=_actor(request), email=payload.email))


@router.post(
    "/identity/domain-code/confirm", response={200: IdentityOut, **ERRORS}, operation_id="identity_domain_code_confirm"
)
def identity_domain_code_confirm(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    actor = _actor(request)
    services.identity_domain_code_confirm(actor=actor, code=payload.code)
    return _own_identity(actor)


@router.post("/identity/submit", response={200: IdentityOut, **ERRORS}, operation_id="identity_submit")
def identity_submit(request: HttpRequest, payload: SubmitIn) -> dict[str, Any]:
    """Send your identity to the operators for review; refused, naming what is missing, until it is complete."""
    actor = _actor(request)
    services.identity_submit(actor=actor, note=payload.note)
    return _own_identity(actor)


@router.get("/identity/reviews", response={200: list[IdentityOut], **ERRORS}, operation_id="identity_reviews_list")
def identity_reviews_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Operators: organisations waiting for their identity review, oldest first."""
    actor = _actor(request)
    return [_identity(actor, o) for o in selectors.organisations_for_review(actor=actor)]


@router.post("/identity/reviews/{slug}", response={200: IdentityOut, **ERRORS}, operation_id="identity_review_decide")
def identity_review_decide(request: HttpRequest, slug: str, payload: DecisionIn) -> dict[str, Any]:
    """Operators: approve, reject or ask for more information, with the reason the organisation will see."""
    actor = _actor(request)
    organisation = selectors.organisation_for_review(actor=actor, slug=slug)
    organisation = services.identity_review_decide(
        actor=actor, organisation_id=organisation.pk, decision=payload.decision, reason=payload.reason
    )
    return _identity(actor, organisation)


@router.get("/identity/holders/{slug}", response={200: AuthenticationOut, **ERRORS}, operation_id="identity_holder_get")
def identity_holder_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """How a right holder or agent is authenticated: verified or not, the rights it proved it holds and how,
    the mandates it acts under. What a marketplace checks about a notice's sender."""
    return authentication_out(selectors.holder_authentication(actor=_actor(request), slug=slug))


# Claims on register rights --------------------------------------------------------------------------------------


@router.get(
    "/identity/rights/{office}/{number}/contacts",
    response={200: list[ContactOut], **ERRORS},
    operation_id="identity_right_contacts",
)
def identity_right_contacts(request: HttpRequest, office: str, number: str) -> list[dict[str, str]]:
    """The register's contact addresses for a right, masked: the addresses a code can be sent to."""
    _actor(request).require("identity:read")
    return [
        {"email": c.masked, "role": c.role}
        for c in selectors.claim_contacts(right=right_get(office=office, number=number))
    ]


@router.get("/identity/claims", response={200: list[ClaimOut], **ERRORS}, operation_id="identity_claims_list")
def identity_claims_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    """Your organisation's claims on register rights (operators: every claim), newest first."""
    claims = selectors.claims_visible(actor=_actor(request), status=status)[:500]
    return [claim_out(c, list(selectors.claim_documents(claim=c))) for c in claims]


@router.post("/identity/claims", response={201: ClaimOut, **ERRORS}, operation_id="identity_claim_start")
def identity_claim_start(request: HttpRequest, payload: ClaimIn) -> Status[dict[str, Any]]:
    """Claim a right of the register. ``contact_code`` sends a code to the contact of record (``contact_email``
    picks which; the masked addresses come from ``/identity/rights/{office}/{number}/contacts``, pass the full
    address you know); ``documents`` waits for documents and an operator; ``automatic`` succeeds when your verified
    organisation is the owner of record."""
    actor = _actor(request)
    claim = services.right_claim_start(actor=actor, **payload.model_dump())
    return Status(201, _claim(actor, claim.pk))


@router.get("/identity/claims/{int:claim_id}", response={200: ClaimOut, **ERRORS}, operation_id="identity_claim_get")
def identity_claim_get(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    return _claim(_actor(request), claim_id)


@router.post(
    "/identity/claims/{int:claim_id}/code",
    response={200: ClaimOut, **ERRORS},
    operation_id="identity_claim_code_confirm",
)
def identity_claim_code_confirm(request: HttpRequest, claim_id: int, payload: CodeIn) -> dict[str, Any]:
    """The code the contact of record received."""
    actor = _actor(request)
    services.right_claim_code_confirm(actor=actor, claim_id=claim_id, code=payload.code)
    return _claim(actor, claim_id)


@router.post(
    "/identity/claims/{int:claim_id}/code/resend",
    response={201: CodeSentOut, **ERRORS},
    operation_id="identity_claim_code_resend",
)
def identity_claim_code_resend(request: HttpRequest, claim_id: int) -> Status[dict[str, Any]]:
    return _sent(services.right_claim_code_resend(actor=_actor(request), claim_id=claim_id))


@router.post(
    "/identity/claims/{int:claim_id}/documents",
    response={201: DocumentOut, **ERRORS},
    operation_id="identity_claim_document_add",
)
def identity_claim_document_add(
    request: HttpRequest, claim_id: int, kind: Form[str], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """A registration certificate, assignment, licence or other document for a claim in review (multipart)."""
    document = services.right_claim_document_add(
        actor=_actor(request), claim_id=claim_id, kind=kind, upload=file, file_name=file.name or ""
    )
    return Status(201, document_out(document))


@router.post(
    "/identity/claims/{int:claim_id}/withdraw",
    response={200: ClaimOut, **ERRORS},
    operation_id="identity_claim_withdraw",
)
def identity_claim_withdraw(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    actor = _actor(request)
    services.right_claim_withdraw(actor=actor, claim_id=claim_id)
    return _claim(actor, claim_id)


@router.post(
    "/identity/claims/{int:claim_id}/review", response={200: ClaimOut, **ERRORS}, operation_id="identity_claim_review"
)
def identity_claim_review(request: HttpRequest, claim_id: int, payload: DecisionIn) -> dict[str, Any]:
    """Operators: decide a claim in review."""
    actor = _actor(request)
    services.right_claim_review_decide(actor=actor, claim_id=claim_id, decision=payload.decision, reason=payload.reason)
    return _claim(actor, claim_id)


# Mandates -------------------------------------------------------------------------------------------------------


@router.get("/identity/mandates", response={200: list[MandateOut], **ERRORS}, operation_id="identity_mandates_list")
def identity_mandates_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Mandates your organisation gave (right holders) or received (agents)."""
    return [mandate_out(m) for m in selectors.mandates_visible(actor=_actor(request))[:500]]


@router.post("/identity/mandates", response={201: MandateOut, **ERRORS}, operation_id="identity_mandate_grant")
def identity_mandate_grant(
    request: HttpRequest, payload: Form[MandateIn], document: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Grant a mandate to a verified agent (multipart: the fields, lists as repeated fields, and ``document``,
    the signed authorisation as PDF or image)."""
    actor = _actor(request)
    mandate = services.mandate_grant(
        actor=actor,
        agent_slug=payload.agent,
        rights=right_references(payload.rights),
        actions=payload.actions,
        marketplace_slugs=payload.marketplaces,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        note=payload.note,
        document=document,
        document_name=document.name or "",
    )
    return Status(201, mandate_out(selectors.access_mandate(actor=actor, mandate_id=mandate.pk)))


@router.get(
    "/identity/mandates/{int:mandate_id}", response={200: MandateOut, **ERRORS}, operation_id="identity_mandate_get"
)
def identity_mandate_get(request: HttpRequest, mandate_id: int) -> dict[str, Any]:
    return mandate_out(selectors.access_mandate(actor=_actor(request), mandate_id=mandate_id))


@router.post(
    "/identity/mandates/{int:mandate_id}/revoke",
    response={200: MandateOut, **ERRORS},
    operation_id="identity_mandate_revoke",
)
def identity_mandate_revoke(request: HttpRequest, mandate_id: int, payload: RevokeIn) -> dict[str, Any]:
    """Revoke a mandate you gave, with immediate effect; credentials naming it are revoked too."""
    actor = _actor(request)
    services.mandate_revoke(actor=actor, mandate_id=mandate_id, reason=payload.reason)
    return mandate_out(selectors.access_mandate(actor=actor, mandate_id=mandate_id))


@router.post(
    "/identity/mandates/authorise",
    response={200: AuthorisationOut, **ERRORS},
    operation_id="identity_mandate_authorise",
)
def identity_mandate_authorise(request: HttpRequest, payload: AuthoriseIn) -> dict[str, Any]:
    """Agents: may I take this action for this right holder, on this right and marketplace, today? Recorded in
    both organisations' audit logs."""
    result = services.mandate_authorise(
        actor=_actor(request),
        principal_slug=payload.principal,
        office=payload.office,
        number=payload.number,
        action=payload.action,
        marketplace_slug=payload.marketplace,
        on=payload.date,
    )
    return authorisation_out(result)


# Credentials ----------------------------------------------------------------------------------------------------


@router.get("/credentials", response={200: list[CredentialOut], **ERRORS}, operation_id="credentials_list")
def credentials_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [credential_out(c) for c in credentials.credentials_visible(actor=_actor(request))[:500]]


@router.post("/credentials", response={201: CredentialOut, **ERRORS}, operation_id="credential_issue")
def credential_issue(request: HttpRequest, payload: CredentialIssueIn) -> Status[dict[str, Any]]:
    """Sign a credential for your organisation (operators may name another)."""
    actor = _actor(request)
    organisation = organisation_by_slug(payload.organisation) if payload.organisation else None
    return Status(201, credential_out(credentials.credential_issue(actor=actor, organisation=organisation)))


@router.get("/credentials/{int:credential_id}", response={200: CredentialOut, **ERRORS}, operation_id="credential_get")
def credential_get(request: HttpRequest, credential_id: int) -> dict[str, Any]:
    return credential_out(credentials.access_credential(actor=_actor(request), credential_id=credential_id))


@router.post(
    "/credentials/{int:credential_id}/revoke", response={200: CredentialOut, **ERRORS}, operation_id="credential_revoke"
)
def credential_revoke(request: HttpRequest, credential_id: int, payload: RevokeIn) -> dict[str, Any]:
    actor = _actor(request)
    return credential_out(
        credentials.credential_revoke(actor=actor, credential_id=credential_id, reason=payload.reason)
    )


@router.post(
    "/identity/signing-keys/rotate", response={201: SigningKeyOut, **ERRORS}, operation_id="signing_key_rotate"
)
def signing_key_rotate(request: HttpRequest) -> Status[dict[str, Any]]:
    """Operators: start signing with a new key; the old one stays published."""
    key = credentials.signing_key_rotate(actor=_actor(request))
    return Status(201, {"kid": key.kid, "created_at": key.created_at})


@public.get(
    "/credentials/{jti}/status", response={200: CredentialStatusOut, **ERRORS}, operation_id="credential_status"
)
def credential_status(request: HttpRequest, jti: str) -> dict[str, Any]:
    """Public: whether a credential is revoked. No login needed."""
    return status_out(credentials.credential_status(jti=jti))


@public.post("/credentials/verify", response={200: CredentialCheckOut, **ERRORS}, operation_id="credential_verify")
def credential_verify(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    """Public: check a credential's signature against the published keys, its dates and its revocation."""
    result, status = credentials.credential_check(token=payload.token)
    return {
        "valid": result.valid,
        "reason": result.reason,
        "detail": result.detail,
        "claims": result.claims,
        "revoked": status.revoked if status is not None else None,
    }
