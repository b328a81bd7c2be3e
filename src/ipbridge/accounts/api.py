"""HTTP API of the accounts app: parse, call a service or selector, serialise."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from ipbridge.accounts import selectors, services
from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import ApiKey, AuditEvent, Invitation, Membership, Organisation
from ipbridge.accounts.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    AuditEventOut,
    ErrorOut,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberRoleIn,
    MeOut,
    OrganisationOut,
    VerificationIn,
)
from ipbridge.core.api import Pagination

router = Router(tags=["accounts"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut.model_validate(organisation, from_attributes=True)


def _member_out(membership: Membership, enrolled: set[int]) -> MemberOut:
    return MemberOut(
        id=membership.pk,
        email=membership.user.email,
        full_name=membership.user.full_name,
        role=membership.role,
        two_factor=membership.user_id in enrolled,
        joined_at=membership.created_at,
    )


@router.get("/me", response={200: MeOut, **ERRORS}, operation_id="me_get")
def me_get(request: HttpRequest) -> MeOut:
    """Who is calling, for which organisation, with which permissions."""
    actor = _actor(request)
    memberships = list(selectors.memberships_for_user(user=actor.user)) if actor.user else []
    return MeOut(
        email=actor.user.email if actor.user else None,
        full_name=actor.user.full_name if actor.user else None,
        language=actor.user.language if actor.user else None,
        acting_for=_organisation_out(actor.organisation),
        role=actor.role,
        scopes=sorted(actor.scopes),
        via_api_key=actor.api_key is not None,
        memberships=[
            {"id": m.pk, "organisation": _organisation_out(m.organisation), "role": m.role}  # type: ignore[misc]
            for m in memberships
        ],
    )


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS}, operation_id="organisations_list")
@paginate(Pagination)
def organisations_list(request: HttpRequest, kind: str | None = None) -> QuerySet[Organisation]:
    """Your own organisation; operators see all of them."""
    return selectors.organisations_visible(actor=_actor(request), kind=kind)


@router.get("/organisations/{slug}", response={200: OrganisationOut, **ERRORS}, operation_id="organisation_get")
def organisation_get(request: HttpRequest, slug: str) -> Organisation:
    actor = _actor(request)
    actor.require("accounts:read")
    return selectors.access_organisation(actor=actor, slug=slug)


@router.post(
    "/organisations/{slug}/verification",
    response={200: OrganisationOut, **ERRORS},
    operation_id="organisation_verification_set",
)
def organisation_verification_set(request: HttpRequest, slug: str, payload: VerificationIn) -> Organisation:
    """Operators record the outcome of an organisation's identity review."""
    actor = _actor(request)
    actor.require_operator()
    organisation = selectors.access_organisation(actor=actor, slug=slug)
    return services.organisation_set_verification(
        actor=actor, organisation_id=organisation.pk, status=payload.status, reason=payload.reason
    )


@router.get("/members", response={200: list[MemberOut], **ERRORS}, operation_id="members_list")
def members_list(request: HttpRequest) -> list[MemberOut]:
    actor = _actor(request)
    members = list(selectors.members_for_organisation(actor=actor))
    enrolled = selectors.users_with_two_factor(user_ids=[m.user_id for m in members])
    return [_member_out(m, enrolled) for m in members]


@router.patch("/members/{member_id}", response={200: MemberOut, **ERRORS}, operation_id="member_role_change")
def member_role_change(request: HttpRequest, member_id: int, payload: MemberRoleIn) -> MemberOut:
    membership = services.membership_change_role(actor=_actor(request), membership_id=member_id, role=payload.role)
    return _member_out(membership, selectors.users_with_two_factor(user_ids=[membership.user_id]))


@router.delete("/members/{member_id}", response={204: None, **ERRORS}, operation_id="member_remove")
def member_remove(request: HttpRequest, member_id: int) -> Status[None]:
    services.membership_remove(actor=_actor(request), membership_id=member_id)
    return Status(204, None)


@router.get("/invitations", response={200: list[InvitationOut], **ERRORS}, operation_id="invitations_list")
def invitations_list(request: HttpRequest) -> list[Invitation]:
    return list(selectors.invitations_pending(actor=_actor(request)))


@router.post("/invitations", response={201: InvitationOut, **ERRORS}, operation_id="invitation_send")
def invitation_send(request: HttpRequest, payload: InvitationIn) -> Status[Invitation]:
    """Invite a person by e-mail; the link in the message is valid for seven days."""
    return Status(201, services.invitation_send(actor=_actor(request), email=payload.email, role=payload.role))


@router.delete("/invitations/{invitation_id}", response={204: None, **ERRORS}, operation_id="invitation_revoke")
def invitation_revoke(request: HttpRequest, invitation_id: int) -> Status[None]:
    services.invitation_revoke(actor=_actor(request), invitation_id=invitation_id)
    return Status(204, None)


@router.get("/api-keys", response={200: list[ApiKeyOut], **ERRORS}, operation_id="api_keys_list")
def api_keys_list(request: HttpRequest) -> list[ApiKey]:
    return list(selectors.api_keys_for_organisation(actor=_actor(request)))


@router.post("/api-keys", response={201: ApiKeyCreatedOut, **ERRORS}, operation_id="api_key_create")
def api_key_create(request: HttpRequest, payload: ApiKeyIn) -> Status[ApiKeyCreatedOut]:
    """Create a key (signed-in administrators only). The secret is in this answer and nowhere else."""
    actor = _actor(request)
    actor.require_person()
    key, secret = services.api_key_create(
        actor=actor, name=payload.name, scopes=payload.scopes, expires_in_days=payload.expires_in_days
    )
    out = ApiKeyOut.model_validate(key, from_attributes=True)
    return Status(201, ApiKeyCreatedOut(**out.model_dump(), secret=secret))


@router.delete("/api-keys/{key_id}", response={204: None, **ERRORS}, operation_id="api_key_revoke")
def api_key_revoke(request: HttpRequest, key_id: int) -> Status[None]:
    services.api_key_revoke(actor=_actor(request), key_id=key_id)
    return Status(204, None)


@router.get("/audit-events", response={200: list[AuditEventOut], **ERRORS}, operation_id="audit_events_list")
@paginate(Pagination)
def audit_events_list(request: HttpRequest, action: str | None = None) -> QuerySet[AuditEvent]:
    """Your organisation's audit trail (administrators); operators see every organisation's."""
    return selectors.audit_events_visible(actor=_actor(request), action=action)
