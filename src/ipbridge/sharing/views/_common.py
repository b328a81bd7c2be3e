"""What the sharing pages share: who may open which, the choices their forms offer, the sub-menu."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind, VerificationStatus
from ipbridge.sharing import selectors

HOLDERS = (OrganisationKind.RIGHT_HOLDER,)
GUIDE_READERS = (
    OrganisationKind.RIGHT_HOLDER,
    OrganisationKind.MARKETPLACE,
    OrganisationKind.AUTHORITY,
    OrganisationKind.OPERATOR,
)
SELLER_READERS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)
READ_LOG_READERS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.OPERATOR)
CHECKERS = (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)
EXPORTERS = (OrganisationKind.MARKETPLACE,)
PAGE_SIZE = 50

# The sub-menu of the sharing pages: (URL name, label, kinds that see it).
SUBNAV = (
    ("sharing:guides", gettext_lazy("Authentication guides"), GUIDE_READERS),
    ("sharing:sellers", gettext_lazy("Authorised sellers"), SELLER_READERS),
    ("sharing:reads", gettext_lazy("Who read what"), READ_LOG_READERS),
    ("sharing:check", gettext_lazy("Check a shop"), CHECKERS),
    ("sharing:export", gettext_lazy("Daily export"), EXPORTERS),
    ("sharing:intelligence", gettext_lazy("Infringer intelligence"), CHECKERS),
)


def subnav(actor: Actor, current: str) -> list[dict[str, Any]]:
    return [
        {"url": reverse(name), "label": label, "active": name == current, "id": name.split(":")[1]}
        for name, label, kinds in SUBNAV
        if actor.organisation.kind in kinds
    ]


def writes(actor: Actor) -> bool:
    """Whether the actor may write what its organisation shares (the services refuse otherwise)."""
    return (
        actor.organisation.kind == OrganisationKind.RIGHT_HOLDER
        and actor.organisation.verification_status == VerificationStatus.VERIFIED
        and actor.can("sharing:write")
    )


def read_only_reason(actor: Actor) -> str:
    """Why a right holder's person may not write here, or "" when they may."""
    if actor.organisation.kind != OrganisationKind.RIGHT_HOLDER or writes(actor):
        return ""
    if actor.organisation.verification_status != VerificationStatus.VERIFIED:
        return _("Only verified right holders share information; have your organisation's identity verified first.")
    return _("Writing what your organisation shares needs the sharing permission, which your role does not give.")


def right_choices(actor: Actor) -> list[tuple[str, str]]:
    return [
        (f"{r.office} {r.number}", f"{r.label} · {r.office} {r.number}")
        for r in selectors.rights_for_sharing(organisation=actor.organisation)
    ]


def marketplace_choices() -> list[tuple[str, str]]:
    verified = _("verified")
    return [
        (m.slug, f"{m.name} ({verified})" if m.verification_status == VerificationStatus.VERIFIED else m.name)
        for m in selectors.marketplaces_for_audience()
    ]
