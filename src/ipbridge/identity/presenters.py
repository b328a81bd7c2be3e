"""Identity objects as the API shows them (plain dictionaries for the output schemas)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ipbridge.identity.credentials import CredentialStatus
from ipbridge.identity.models import Credential, IdentityDocument, Mandate, RightClaim
from ipbridge.identity.selectors import Authentication, Missing
from ipbridge.identity.services import Authorisation
from ipbridge.rights.models import Right


def document_out(document: IdentityDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "kind": document.kind,
        "file_name": document.file_name,
        "sha256": document.sha256,
        "size": document.size,
        "content_type": document.content_type,
        "uploaded_at": document.uploaded_at,
    }


def missing_out(missing: list[Missing]) -> list[dict[str, str]]:
    return [{"code": m.code, "field": m.field, "label": str(m.label)} for m in missing]


def right_ref(right: Right) -> dict[str, str]:
    return {"office": right.office, "number": right.number, "mark": right.label}


def claim_out(claim: RightClaim, documents: list[IdentityDocument]) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "organisation": claim.organisation.slug,
        "office": claim.right.office,
        "number": claim.right.number,
        "mark": claim.right.label,
        "relation": claim.relation,
        "method": claim.method,
        "status": claim.status,
        "review_reasons": list(claim.review_reasons),
        "evidence": claim.evidence,
        "created_at": claim.created_at,
        "decided_at": claim.decided_at,
        "decision_reason": claim.decision_reason,
        "documents": [document_out(d) for d in documents],
    }


def mandate_out(mandate: Mandate) -> dict[str, Any]:
    return {
        "id": mandate.pk,
        "principal": mandate.principal.slug,
        "agent": mandate.agent.slug,
        "rights": [right_ref(r) for r in mandate.rights.all()],
        "all_marketplaces": mandate.all_marketplaces,
        "marketplaces": [m.slug for m in mandate.marketplaces.all()],
        "actions": list(mandate.actions),
        "valid_from": mandate.valid_from,
        "valid_until": mandate.valid_until,
        "document_name": mandate.document_name,
        "document_sha256": mandate.document_sha256,
        "in_force": mandate.in_force_on(timezone.localdate()),
        "revoked_at": mandate.revoked_at,
        "revocation_reason": mandate.revocation_reason,
        "created_at": mandate.created_at,
    }


def authorisation_out(result: Authorisation) -> dict[str, Any]:
    return {
        "allowed": result.allowed,
        "code": result.code,
        "reason": str(result.reason),
        "mandate_id": result.mandate.pk if result.mandate else None,
    }


def credential_out(credential: Credential) -> dict[str, Any]:
    return {
        "id": credential.pk,
        "jti": str(credential.jti),
        "organisation": credential.organisation.slug,
        "kid": credential.kid,
        "issued_at": credential.issued_at,
        "expires_at": credential.expires_at,
        "revoked_at": credential.revoked_at,
        "revocation_reason": credential.revocation_reason,
        "token": credential.token,
        "claims": credential.claims,
    }


def status_out(status: CredentialStatus) -> dict[str, Any]:
    return {
        "jti": status.jti,
        "revoked": status.revoked,
        "revoked_at": status.revoked_at,
        "reason": status.reason,
        "expires_at": status.expires_at,
    }


def authentication_out(authentication: Authentication) -> dict[str, Any]:
    organisation = authentication.organisation
    return {
        "organisation": organisation.slug,
        "name": organisation.name,
        "kind": organisation.kind,
        "verified": authentication.verified,
        "rights": [
            {
                **right_ref(c.right),
                "relation": c.relation,
                "proof": c.method,
                "since": (c.decided_at or c.created_at).date(),
            }
            for c in authentication.claims
        ],
        "mandates": [
            {
                "principal": m.principal.slug,
                "rights": [right_ref(r) for r in m.rights.all()],
                "actions": list(m.actions),
                "valid_until": m.valid_until,
            }
            for m in authentication.mandates
        ],
    }
