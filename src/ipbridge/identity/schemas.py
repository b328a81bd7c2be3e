from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class ProfileIn(Schema):
    legal_name: str = Field(max_length=300, description="The name in the business register")
    registration_number: str = Field(
        max_length=100, description="e.g. the unified social credit code (统一社会信用代码)"
    )
    registration_country: str = Field(max_length=2, description="ISO 3166 alpha-2")
    address: str = Field(default="", max_length=2000)
    email_domain: str = Field(default="", max_length=253, description="The organisation's own e-mail domain")


class MissingOut(Schema):
    code: str
    field: str
    label: str


class DocumentOut(Schema):
    id: int
    kind: str
    file_name: str
    sha256: str
    size: int
    content_type: str
    uploaded_at: dt.datetime


class IdentityOut(Schema):
    organisation: str
    verification_status: str
    legal_name: str
    registration_number: str
    registration_country: str
    address: str
    email_domain: str
    domain_confirmed_at: dt.datetime | None
    submitted_at: dt.datetime | None
    review_note: str
    missing: list[MissingOut]
    documents: list[DocumentOut]


class EmailIn(Schema):
    email: str = Field(max_length=254)


class CodeIn(Schema):
    code: str = Field(max_length=20)


class CodeSentOut(Schema):
    sent_to: str
    expires_at: dt.datetime


class SubmitIn(Schema):
    note: str = Field(default="", max_length=1000)


class DecisionIn(Schema):
    decision: str = Field(description="approve, reject or more_information")
    reason: str = Field(default="", max_length=2000, description="Required unless approving")


class ClaimIn(Schema):
    office: str = Field(max_length=3)
    number: str = Field(max_length=50)
    method: str = Field(description="contact_code, documents or automatic")
    relation: str = Field(default="owner", description="owner or exclusive_licensee")
    contact_email: str = Field(default="", max_length=254, description="For contact_code: which contact of record")


class ContactOut(Schema):
    email: str = Field(description="Masked: enough to recognise the address")
    role: str


class ClaimOut(Schema):
    id: int
    organisation: str
    office: str
    number: str
    mark: str
    relation: str
    method: str
    status: str
    review_reasons: list[str]
    evidence: dict[str, Any]
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    documents: list[DocumentOut]


class MandateIn(Schema):
    agent: str = Field(description="The agent organisation's id (slug)")
    rights: list[str] = Field(description='Rights as "OFFICE NUMBER", e.g. "EM 018234567"')
    actions: list[str] = Field(description="notify, respond, intelligence")
    marketplaces: list[str] = Field(default_factory=list, description="Marketplace ids; empty for all")
    valid_from: dt.date
    valid_until: dt.date
    note: str = Field(default="", max_length=2000)


class RightRefOut(Schema):
    office: str
    number: str
    mark: str


class MandateOut(Schema):
    id: int
    principal: str
    agent: str
    rights: list[RightRefOut]
    all_marketplaces: bool
    marketplaces: list[str]
    actions: list[str]
    valid_from: dt.date
    valid_until: dt.date
    document_name: str
    document_sha256: str
    in_force: bool
    revoked_at: dt.datetime | None
    revocation_reason: str
    created_at: dt.datetime


class RevokeIn(Schema):
    reason: str = Field(default="", max_length=2000)


class AuthoriseIn(Schema):
    principal: str = Field(description="The right holder's id (slug)")
    office: str = Field(max_length=3)
    number: str = Field(max_length=50)
    action: str = Field(description="notify, respond or intelligence")
    marketplace: str = Field(default="", description="The marketplace's id (slug), when the action is on one")
    date: dt.date | None = None


class AuthorisationOut(Schema):
    allowed: bool
    code: str
    reason: str
    mandate_id: int | None


class CredentialIssueIn(Schema):
    organisation: str = Field(default="", description="Operators: the organisation to issue for")


class CredentialOut(Schema):
    id: int
    jti: str
    organisation: str
    kid: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revocation_reason: str
    token: str
    claims: dict[str, Any]


class CredentialStatusOut(Schema):
    jti: str
    revoked: bool
    revoked_at: dt.datetime | None
    reason: str
    expires_at: dt.datetime


class TokenIn(Schema):
    token: str = Field(max_length=20000)


class CredentialCheckOut(Schema):
    valid: bool
    reason: str
    detail: str
    claims: dict[str, Any]
    revoked: bool | None


class HolderClaimOut(Schema):
    office: str
    number: str
    mark: str
    relation: str
    proof: str
    since: dt.date


class HolderMandateOut(Schema):
    principal: str
    rights: list[RightRefOut]
    actions: list[str]
    valid_until: dt.date


class AuthenticationOut(Schema):
    organisation: str
    name: str
    kind: str
    verified: bool
    rights: list[HolderClaimOut]
    mandates: list[HolderMandateOut]


class SigningKeyOut(Schema):
    kid: str
    created_at: dt.datetime
