from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class OrganisationOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    verification_status: str
    country: str


class MembershipOut(Schema):
    id: int
    organisation: OrganisationOut
    role: str


class MeOut(Schema):
    email: str | None
    full_name: str | None
    language: str | None
    acting_for: OrganisationOut
    role: str | None
    scopes: list[str]
    via_api_key: bool
    memberships: list[MembershipOut]


class MemberOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    two_factor: bool
    joined_at: datetime


class MemberRoleIn(Schema):
    role: str = Field(description="admin, member or reviewer")


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field(default="member", description="admin, member or reviewer")


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    created_at: datetime
    expires_at: datetime


class ApiKeyIn(Schema):
    name: str = Field(max_length=100)
    scopes: list[str] = Field(description="area:read or area:write, e.g. notices:write")
    expires_in_days: int | None = Field(default=90, description="1–730; null for a key that does not expire")


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    secret: str = Field(description="Shown once; only its hash is stored.")


class VerificationIn(Schema):
    status: str = Field(description="unverified, pending, verified or rejected")
    reason: str = Field(default="", max_length=1000)


class AuditEventOut(Schema):
    id: int
    action: str
    actor: str
    organisation: str | None
    subject_type: str
    subject_id: str
    ip: str | None
    created_at: datetime
    details: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor_label)

    @staticmethod
    def resolve_organisation(obj: Any) -> str | None:
        return obj.organisation.slug if obj.organisation_id else None


class ErrorOut(Schema):
    error: dict[str, Any]
