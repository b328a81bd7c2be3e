"""Every read of authentication. Each takes the acting organisation where the data is not public, and returns
only what it may see; ``access_*`` answer "not found" alike for missing and forbidden objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.core.errors import NotFound
from ipbridge.core.privacy import email_masked
from ipbridge.engine.names import same_organisation
from ipbridge.identity.models import (
    ClaimRelation,
    ClaimStatus,
    DocumentKind,
    IdentityDocument,
    IdentityProfile,
    Mandate,
    RightClaim,
)
from ipbridge.rights.models import ChangeField, PartyRole, Right, RightChange
from ipbridge.rights.verification import Authority

# Register changes that make a code sent to the contact of record worthless as proof.
CONTACT_FIELDS = (ChangeField.CONTACT, ChangeField.OWNER, ChangeField.REPRESENTATIVE)


def identity_profile(*, organisation: Organisation) -> IdentityProfile:
    """The organisation's stated identity (an empty, unsaved one before it gives any)."""
    profile = IdentityProfile.objects.filter(organisation=organisation).first()
    return profile or IdentityProfile(organisation=organisation)


def identity_documents(*, actor: Actor) -> QuerySet[IdentityDocument]:
    actor.require("identity:read")
    return IdentityDocument.objects.filter(organisation=actor.organisation, claim=None).select_related("uploaded_by")


@dataclass(frozen=True)
class Missing:
    code: str
    field: str
    label: str | Promise


def identity_missing(*, organisation: Organisation) -> list[Missing]:
    """What the organisation must still give before its identity can be reviewed."""
    profile = identity_profile(organisation=organisation)
    missing = []
    if not profile.legal_name:
        missing.append(Missing("legal_name", "legal_name", _("the legal name")))
    if not profile.registration_number:
        missing.append(Missing("registration_number", "registration_number", _("the registration number")))
    if not profile.registration_country:
        missing.append(Missing("registration_country", "registration_country", _("the country of registration")))
    has_registration = IdentityDocument.objects.filter(
        organisation=organisation, claim=None, kind=DocumentKind.BUSINESS_REGISTRATION
    ).exists()
    if not has_registration:
        missing.append(Missing("business_registration", "kind", _("a business registration document")))
    if profile.domain_confirmed_at is None:
        missing.append(Missing("domain", "email_domain", _("a confirmed address on your own e-mail domain")))
    return missing


@dataclass(frozen=True)
class Contact:
    email: str
    role: str
    name: str

    @property
    def masked(self) -> str:
        return email_masked(self.email)


def claim_contacts(*, right: Right) -> list[Contact]:
    """The register's contact addresses for a right: owners', representatives', correspondents'."""
    contacts: list[Contact] = []
    roles = (PartyRole.OWNER, PartyRole.REPRESENTATIVE, PartyRole.CORRESPONDENT)
    for party in sorted(right.parties.all(), key=lambda p: (roles.index(p.role) if p.role in roles else 9, p.position)):
        if party.role in roles and party.email and party.email.lower() not in {c.email for c in contacts}:
            contacts.append(Contact(party.email.lower(), party.role, party.name))
    return contacts


def register_contact_changed(*, right: Right, within_days: int) -> RightChange | None:
    """The latest change of the right's contact, owner or representative within ``within_days``, if any."""
    since = timezone.now() - timedelta(days=within_days)
    return (
        RightChange.objects.filter(right=right, field__in=CONTACT_FIELDS, changed_at__gte=since)
        .order_by("-changed_at", "-id")
        .first()
    )


def _claims() -> QuerySet[RightClaim]:
    return RightClaim.objects.select_related("organisation", "right", "created_by", "decided_by").annotate(
        document_count=Count("documents")
    )


def access_claim(*, actor: Actor, claim_id: int, for_update: bool = False) -> RightClaim:
    actor.require("identity:read")
    claims = RightClaim.objects.select_related("organisation", "right")
    if for_update:
        claims = claims.select_for_update(of=("self",))
    if not actor.is_operator:
        claims = claims.filter(organisation=actor.organisation)
    claim = claims.filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    return claim


def claims_visible(*, actor: Actor, status: str = "") -> QuerySet[RightClaim]:
    """The organisation's own claims; operators see every claim."""
    actor.require("identity:read")
    claims = _claims() if actor.is_operator else _claims().filter(organisation=actor.organisation)
    if status:
        claims = claims.filter(status=status)
    return claims.order_by("-created_at", "-id")


def claims_for_review(*, actor: Actor) -> QuerySet[RightClaim]:
    actor.require_operator()
    actor.require("identity:read")
    return claims_visible(actor=actor).filter(status=ClaimStatus.IN_REVIEW).order_by("created_at", "id")


def claim_documents(*, claim: RightClaim) -> QuerySet[IdentityDocument]:
    return IdentityDocument.objects.filter(claim=claim).select_related("uploaded_by")


def claim_others(*, claim: RightClaim) -> QuerySet[RightClaim]:
    """Other organisations' claims on the same right, for the reviewer (operators only see this)."""
    return _claims().filter(right=claim.right).exclude(pk=claim.pk)


def organisations_for_review(*, actor: Actor) -> QuerySet[Organisation]:
    actor.require_operator()
    actor.require("identity:read")
    return (
        Organisation.objects.filter(verification_status=VerificationStatus.PENDING)
        .exclude(kind=OrganisationKind.OPERATOR)
        .select_related("identity")
        .order_by("identity__submitted_at", "name")
    )


def organisation_for_review(*, actor: Actor, slug: str) -> Organisation:
    actor.require_operator()
    actor.require("identity:read")
    organisation = Organisation.objects.filter(slug=slug).exclude(kind=OrganisationKind.OPERATOR).first()
    if organisation is None:
        raise NotFound()
    return organisation


def organisation_documents(*, actor: Actor, organisation: Organisation) -> QuerySet[IdentityDocument]:
    """An organisation's identity documents: its own, or any organisation's for operators."""
    actor.require("identity:read")
    if not (actor.is_operator or organisation.pk == actor.organisation.pk):
        raise NotFound()
    return IdentityDocument.objects.filter(organisation=organisation, claim=None).select_related("uploaded_by")


def access_document(*, actor: Actor, document_id: int) -> IdentityDocument:
    actor.require("identity:read")
    documents = IdentityDocument.objects.all()
    if not actor.is_operator:
        documents = documents.filter(organisation=actor.organisation)
    document = documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    return document


def _mandates() -> QuerySet[Mandate]:
    return Mandate.objects.select_related("principal", "agent", "created_by", "revoked_by").prefetch_related(
        "rights", "marketplaces"
    )


def access_mandate(*, actor: Actor, mandate_id: int, for_update: bool = False) -> Mandate:
    """A mandate the actor gave or received (any, for operators)."""
    actor.require("identity:read")
    mandates = Mandate.objects.select_related("principal", "agent") if for_update else _mandates()
    if for_update:
        mandates = mandates.select_for_update(of=("self",))
    if not actor.is_operator:
        mandates = mandates.filter(Q(principal=actor.organisation) | Q(agent=actor.organisation))
    mandate = mandates.filter(pk=mandate_id).first()
    if mandate is None:
        raise NotFound()
    return mandate


def mandates_visible(*, actor: Actor) -> QuerySet[Mandate]:
    """Mandates the organisation gave (right holders) or received (agents); operators see all."""
    actor.require("identity:read")
    mandates = _mandates()
    if not actor.is_operator:
        mandates = mandates.filter(Q(principal=actor.organisation) | Q(agent=actor.organisation))
    return mandates.order_by("-created_at", "-id")


def mandates_in_force(*, organisation: Organisation) -> list[Mandate]:
    """The mandates an agent holds today."""
    today = timezone.localdate()
    return list(_mandates().filter(agent=organisation, revoked_at=None, valid_from__lte=today, valid_until__gte=today))


def mandate_covering(
    *,
    principal: Organisation,
    agent: Organisation,
    right: Right,
    action: str,
    marketplace: Organisation | None,
    on: date,
) -> Mandate | None:
    """The agent's mandate from ``principal`` in force on ``on`` that covers this right, marketplace and action,
    if any (a read: ``services.mandate_authorise`` is the audited check an action goes through)."""
    for mandate in _mandates().filter(principal=principal, agent=agent, revoked_at=None, rights=right):
        if (
            mandate.in_force_on(on)
            and action in mandate.actions
            and (marketplace is None or mandate.all_marketplaces or marketplace in mandate.marketplaces.all())
        ):
            return mandate
    return None


def rights_held(*, organisation: Organisation) -> QuerySet[RightClaim]:
    """The organisation's approved claims: the rights it has proved it holds."""
    return (
        RightClaim.objects.select_related("right", "decided_by")
        .filter(organisation=organisation, status=ClaimStatus.APPROVED)
        .order_by("right__office", "right__number")
    )


def verified_agents() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.AGENT, verification_status=VerificationStatus.VERIFIED)


def marketplaces_all() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.MARKETPLACE).order_by("name")


@dataclass(frozen=True)
class Authentication:
    """How far an organisation is authenticated: what a marketplace wants to know about a notice's sender."""

    organisation: Organisation
    verified: bool
    claims: list[RightClaim]
    mandates: list[Mandate]


def holders_visible(*, actor: Actor, q: str = "") -> QuerySet[Organisation]:
    """Verified right holders and agents, with how many rights each has proved it holds and how many mandates it
    acts under today; ``q`` looks in names, marks and right numbers. For any signed-in organisation: what a
    marketplace checks before trusting a notice."""
    actor.require("identity:read")
    today = timezone.localdate()
    approved = Q(right_claims__status=ClaimStatus.APPROVED)
    holders = Organisation.objects.filter(
        kind__in=[OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT],
        verification_status=VerificationStatus.VERIFIED,
    )
    q = q.strip()
    if q:
        number = "".join(q.split()).upper()
        numbers = {number, number[2:]} if number[:2].isalpha() and number[2:].isdigit() else {number}
        holders = holders.filter(
            Q(name__icontains=q)
            | (approved & Q(right_claims__right__verbal_element__icontains=q))
            | (approved & Q(right_claims__right__number__in=numbers))
        ).distinct()
    in_force = Q(
        mandates_received__revoked_at=None,
        mandates_received__valid_from__lte=today,
        mandates_received__valid_until__gte=today,
    )
    return holders.annotate(
        rights_count=Count("right_claims", filter=approved, distinct=True),
        mandates_count=Count("mandates_received", filter=in_force, distinct=True),
    ).order_by("name")


def holder_authentication(*, actor: Actor, slug: str) -> Authentication:
    """Any signed-in organisation may see how a right holder or agent is authenticated."""
    actor.require("identity:read")
    organisation = Organisation.objects.filter(
        slug=slug, kind__in=[OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT]
    ).first()
    if organisation is None:
        raise NotFound()
    return Authentication(
        organisation=organisation,
        verified=organisation.verification_status == VerificationStatus.VERIFIED,
        claims=list(rights_held(organisation=organisation)),
        mandates=mandates_in_force(organisation=organisation),
    )


def authority_for(right: Right, claimant: str) -> Authority | None:
    """The authority by which ``claimant`` (a name) may act for ``right`` on IPBridge today, if any: an
    authenticated exclusive licence, or a mandate in force from an authenticated holder of the right."""
    if not claimant.strip():
        return None
    approved = RightClaim.objects.select_related("organisation").filter(right=right, status=ClaimStatus.APPROVED)
    holders = []
    for claim in approved:
        if claim.relation == ClaimRelation.EXCLUSIVE_LICENSEE and same_organisation(claimant, claim.organisation.name):
            return Authority(claim.organisation.name, "licence")
        holders.append(claim.organisation_id)
    today = timezone.localdate()
    mandates = (
        Mandate.objects.select_related("agent", "principal")
        .filter(rights=right, principal_id__in=holders, revoked_at=None, valid_from__lte=today, valid_until__gte=today)
        .order_by("-valid_until", "-id")
    )
    for mandate in mandates:
        if same_organisation(claimant, mandate.agent.name):
            return Authority(mandate.agent.name, "mandate", mandate.principal.name, mandate.valid_until)
    return None
