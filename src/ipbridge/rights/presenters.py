"""Rights as the public sees them: register data without the contacts' e-mail addresses."""

from __future__ import annotations

from typing import Any

from ipbridge.rights.models import PartyRole, Right


def right_public(right: Right) -> dict[str, Any]:
    parties = list(right.parties.all())

    def named(role: str) -> list[dict[str, str]]:
        return [{"name": p.name, "country": p.country} for p in parties if p.role == role]

    return {
        "id": right.pk,
        "office": right.office,
        "number": right.number,
        "application_number": right.application_number,
        "registration_number": right.registration_number,
        "kind": right.kind,
        "mark_feature": right.mark_feature,
        "mark": right.verbal_element or right.title,
        "transliteration": right.transliteration,
        "status": right.status,
        "filing_date": right.filing_date,
        "registration_date": right.registration_date,
        "expiry_date": right.expiry_date,
        "territories": list(right.territories),
        "owners": named(PartyRole.OWNER),
        "former_owners": named(PartyRole.FORMER_OWNER),
        "representatives": named(PartyRole.REPRESENTATIVE),
        "classes": [
            {"scheme": g.scheme, "class_number": g.class_number, "description": g.description}
            for g in right.goods.all()
        ],
    }
