"""Is a notice complete before it is sent? The checklist follows Appendix 1 of the Shenzhen guideline (complaint
information; identity proof, with the authorisation for agents; ownership proof by right type; infringement
evidence with locatable links) and DSA art. 16 (a substantiated explanation, the exact location of each item, the
notifier's name and e-mail, a good-faith statement). What IPBridge already holds — a verified organisation, rights
proved on IPBridge, a mandate — counts as the proof; what is missing is named, with the field it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.evidence.selectors import vault_items_owned, vault_reference
from ipbridge.identity.models import Mandate
from ipbridge.identity.selectors import mandate_covering, rights_held
from ipbridge.rights.models import IN_FORCE_STATUSES, Right, RightKind

MIN_EXPLANATION = 30


class EvidenceKind(models.TextChoices):
    SCREENSHOT = "screenshot", _("Screenshot or page capture of the item")
    TEST_PURCHASE = "test_purchase", _("Test purchase")
    COMPARISON = "comparison_analysis", _("Comparison of the item with the protected right")
    EVALUATION_REPORT = "evaluation_report", _("Patent evaluation report (专利权评价报告)")
    AUTHORITY_DECISION = "authority_decision", _("Decision of an authority or court")
    FIRST_PUBLICATION = "first_publication", _("Proof of first publication (copyright)")
    OTHER = "other", _("Other evidence")


# Ownership proofs that a right of this kind needs besides its authentication on IPBridge (Appendix 1).
EVIDENCE_BY_KIND: dict[str, tuple[str, ...]] = {
    RightKind.PATENT: (EvidenceKind.COMPARISON,),
    RightKind.UTILITY_MODEL: (EvidenceKind.EVALUATION_REPORT, EvidenceKind.COMPARISON),
    RightKind.DESIGN: (EvidenceKind.EVALUATION_REPORT, EvidenceKind.COMPARISON),
}


@dataclass(frozen=True)
class ItemIn:
    marketplace: str  # the marketplace organisation's id (slug)
    url: str = ""
    listing_id: str = ""
    title: str = ""


@dataclass(frozen=True)
class EvidenceIn:
    kind: str
    reference: str  # where the evidence is: an item of the sender's vault (``evidence:<id>``), a URL
    description: str = ""


@dataclass(frozen=True)
class Draft:
    """A notice as written, before it is sent."""

    sender: Organisation
    principal: Organisation
    rights: list[Right]
    items: list[ItemIn]
    explanation: str
    good_faith: bool
    notifier_name: str
    notifier_email: str
    evidence: list[EvidenceIn] = field(default_factory=list)


@dataclass(frozen=True)
class Gap:
    code: str
    field: str
    label: str | Promise


def _vault_gaps(draft: Draft) -> list[Gap]:
    """Evidence named from the vault must be the sender's own items: they are attached to every case."""
    named = [(e.reference.strip(), vault_reference(e.reference)) for e in draft.evidence]
    named = [(text, number) for text, number in named if number is not None]
    if not named:
        return []
    owned = vault_items_owned(organisation_id=draft.sender.pk, evidence_ids={n for _t, n in named if n})
    return [
        Gap(
            "evidence_reference",
            "evidence",
            _("%(reference)s is not an item of your evidence vault.") % {"reference": text},
        )
        for text, number in named
        if number not in owned
    ]


_url = URLValidator(schemes=["http", "https"])


def _location_gap(item: ItemIn) -> str | None:
    if item.listing_id.strip():
        return None
    if not item.url.strip():
        return "no_location"
    try:
        _url(item.url.strip())
    except ValidationError:
        return "bad_url"
    return None


def draft_gaps(draft: Draft, *, marketplaces: dict[str, Organisation]) -> list[Gap]:
    """Everything that keeps the draft from being a complete notice, in the order of the checklist."""
    gaps: list[Gap] = []
    if draft.principal.verification_status != VerificationStatus.VERIFIED:
        gaps.append(Gap("identity", "principal", _("The right holder's identity is not verified yet.")))
    if draft.sender.pk != draft.principal.pk and draft.sender.kind != OrganisationKind.AGENT:
        gaps.append(Gap("authorisation", "on_behalf_of", _("Only an agent under mandate may notify for another.")))
    if not draft.rights:
        gaps.append(Gap("rights", "rights", _("Name at least one right.")))
    held = {c.right_id for c in rights_held(organisation=draft.principal)}
    kinds_of_evidence = {e.kind for e in draft.evidence if e.reference.strip()}
    for right in draft.rights:
        label = f"{right.office} {right.number}"
        if right.pk not in held:
            gaps.append(
                Gap(
                    "ownership",
                    "rights",
                    _("%(right)s is not among the right holder's authenticated rights.") % {"right": label},
                )
            )
        if right.status not in IN_FORCE_STATUSES:
            gaps.append(Gap("in_force", "rights", _("%(right)s is not in force.") % {"right": label}))
        for needed in EVIDENCE_BY_KIND.get(right.kind, ()):
            if needed not in kinds_of_evidence:
                gaps.append(
                    Gap(
                        needed,
                        "evidence",
                        _("%(right)s needs: %(evidence)s.") % {"right": label, "evidence": EvidenceKind(needed).label},
                    )
                )
    gaps.extend(_vault_gaps(draft))
    gaps.extend(_item_gaps(draft, marketplaces))
    if len(draft.explanation.strip()) < MIN_EXPLANATION:
        gaps.append(
            Gap(
                "explanation",
                "explanation",
                _("Explain why the items infringe, in at least %(n)d characters.") % {"n": MIN_EXPLANATION},
            )
        )
    if not draft.notifier_name.strip():
        gaps.append(Gap("notifier_name", "notifier_name", _("Give the name of the person sending the notice.")))
    try:
        validate_email(draft.notifier_email.strip())
    except ValidationError:
        gaps.append(Gap("notifier_email", "notifier_email", _("Give the e-mail address of the person sending it.")))
    if not draft.good_faith:
        gaps.append(
            Gap(
                "good_faith",
                "good_faith",
                _("Confirm in good faith that the information is accurate and complete."),
            )
        )
    return gaps


def _item_gaps(draft: Draft, marketplaces: dict[str, Organisation]) -> list[Gap]:
    gaps: list[Gap] = []
    if not draft.items:
        return [Gap("items", "items", _("Name at least one item."))]
    if len(draft.items) > settings.NOTICE_MAX_ITEMS:
        return [
            Gap("too_many_items", "items", _("At most %(n)d items in one notice.") % {"n": settings.NOTICE_MAX_ITEMS})
        ]
    unknown = sorted({i.marketplace for i in draft.items} - marketplaces.keys())
    if unknown:
        gaps.append(
            Gap("marketplace", "items", _("Unknown marketplaces: %(names)s.") % {"names": ", ".join(unknown[:10])})
        )
    for position, item in enumerate(draft.items, start=1):
        problem = _location_gap(item)
        if problem == "no_location":
            gaps.append(
                Gap(
                    "location",
                    f"items.{position}",
                    _("Item %(n)d has neither a URL nor a listing id.") % {"n": position},
                )
            )
        elif problem == "bad_url":
            gaps.append(
                Gap("location", f"items.{position}", _("Item %(n)d's URL is not a web address.") % {"n": position})
            )
        if len(gaps) >= 20:
            break
    return gaps


def mandates_for(draft: Draft, *, marketplaces: dict[str, Organisation]) -> tuple[list[Gap], Mandate | None]:
    """For an agent: the gaps in its authority (each right on each marketplace of the draft needs a mandate that
    allows notices), and the mandate it acts under."""
    if draft.sender.pk == draft.principal.pk or draft.sender.kind != OrganisationKind.AGENT:
        return [], None
    today = timezone.localdate()
    gaps: list[Gap] = []
    used: Mandate | None = None
    for right in draft.rights:
        for slug in sorted({i.marketplace for i in draft.items} & marketplaces.keys()):
            mandate = mandate_covering(
                principal=draft.principal,
                agent=draft.sender,
                right=right,
                action="notify",
                marketplace=marketplaces[slug],
                on=today,
            )
            if mandate is None:
                gaps.append(
                    Gap(
                        "authorisation",
                        "rights",
                        _("No mandate in force lets you notify %(marketplace)s for %(right)s.")
                        % {"marketplace": marketplaces[slug].name, "right": f"{right.office} {right.number}"},
                    )
                )
            used = used or mandate
    return gaps, used
