"""Every read of shared information. ``access_guide`` and ``access_seller`` are the only way to a guide or an
authorised seller: they answer "not found" alike for missing and forbidden ones.

Who sees a guide: its right holder (the working copy too); the audience of a published guide of a verified right
holder — every verified marketplace when so chosen, the marketplaces it names, every verified authority when so
chosen; operators, the published versions of any guide. Merchants, agents, mediators and other right holders never.

Who sees an authorised seller: its right holder, the marketplace it is listed on (when the right holder is
verified), operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.core.errors import NotFound
from ipbridge.engine.text import normalise
from ipbridge.identity.models import ClaimStatus, RightClaim
from ipbridge.identity.selectors import rights_held
from ipbridge.rights.models import Right
from ipbridge.sharing.models import (
    AuthorisedSeller,
    Guide,
    GuideImage,
    GuideStatus,
    GuideVersion,
    ReadSubject,
    ShareRead,
)

VERIFIED = VerificationStatus.VERIFIED


def brand_key(text: str) -> str:
    """A brand as compared: "Aurora", "ＡＵＲＯＲＡ" and " AURORA " are the same brand."""
    return normalise(text)[:200]


def holder_verified(organisation: Organisation) -> bool:
    return organisation.kind == OrganisationKind.RIGHT_HOLDER and organisation.verification_status == VERIFIED


# Guides ------------------------------------------------------------------------------------------------------------


def _addressed_to(organisation: Organisation) -> Q:
    """The published guides of verified right holders whose audience includes ``organisation``."""
    verified = organisation.verification_status == VERIFIED
    if organisation.kind == OrganisationKind.MARKETPLACE:
        named = Guide.audience_marketplaces.through.objects.filter(
            guide_id=OuterRef("pk"), organisation_id=organisation.pk
        )
        audience = Q(Exists(named))
        if verified:
            audience |= Q(audience_all_marketplaces=True)
    elif organisation.kind == OrganisationKind.AUTHORITY and verified:
        audience = Q(audience_authorities=True)
    else:
        return Q(pk__in=[])
    return audience & Q(status=GuideStatus.PUBLISHED, holder__verification_status=VERIFIED)


def _guides_seen(actor: Actor) -> Q:
    own = Q(holder_id=actor.organisation.pk)
    if actor.is_operator:
        return own | Q(version__gt=0)
    return own | _addressed_to(actor.organisation)


def _current_version() -> Prefetch[Any]:
    """Each guide's newest published version, as ``guide.current`` (a list of at most one)."""
    return Prefetch("versions", queryset=GuideVersion.objects.filter(number=F("guide__version")), to_attr="current")


def guide_current(guide: Guide) -> GuideVersion | None:
    """The newest published version prefetched with ``guides_visible`` or ``guides_addressed``."""
    current: list[GuideVersion] = getattr(guide, "current", [])
    return current[0] if current else None


def access_guide(*, actor: Actor, guide_id: int, for_update: bool = False) -> Guide:
    actor.require("sharing:read")
    guides = Guide.objects.select_related("holder")
    if for_update:
        guides = guides.select_for_update(of=("self",))
    guide = guides.filter(_guides_seen(actor), pk=guide_id).first()
    if guide is None:
        raise NotFound()
    return guide


def guide_owned(*, actor: Actor, guide: Guide) -> bool:
    return guide.holder_id == actor.organisation.pk


def guides_visible(*, actor: Actor, scope: str = "") -> QuerySet[Guide]:
    """The guides the actor may see, newest first: ``mine`` only its own, ``addressed`` only those shared with
    it. Each carries ``current``, its newest published version."""
    actor.require("sharing:read")
    if scope == "mine":
        seen = Q(holder_id=actor.organisation.pk)
    elif scope == "addressed":
        seen = _guides_seen(actor) & ~Q(holder_id=actor.organisation.pk)
    else:
        seen = _guides_seen(actor)
    return (
        Guide.objects.filter(seen)
        .select_related("holder")
        .prefetch_related(_current_version())
        .order_by(F("published_at").desc(nulls_last=True), "-updated_at", "-id")
    )


def guide_versions(*, guide: Guide) -> QuerySet[GuideVersion]:
    """The published versions of a guide the caller may see, newest first."""
    return GuideVersion.objects.filter(guide=guide).order_by("-number")


def guide_version(*, guide: Guide, number: int) -> GuideVersion:
    version = GuideVersion.objects.filter(guide=guide, number=number).first()
    if version is None:
        raise NotFound()
    return version


def guide_images(*, guide: Guide) -> QuerySet[GuideImage]:
    """The pictures of the working copy, in the order they were added."""
    return GuideImage.objects.filter(guide=guide, removed_at=None).order_by("added_at", "id")


def guide_rights(*, guide: Guide) -> list[Right]:
    return list(guide.rights.order_by("office", "number"))


def guide_working_content(*, guide: Guide) -> dict[str, Any]:
    """The working copy as a version would freeze it."""
    return {
        "title": guide.title,
        "summary": guide.summary,
        "rights": [
            {"office": r.office, "number": r.number, "mark": r.label, "kind": r.kind} for r in guide_rights(guide=guide)
        ],
        "products": list(guide.products),
        "genuine_features": list(guide.genuine_features),
        "counterfeit_features": list(guide.counterfeit_features),
        "packaging": guide.packaging,
        "serial_schemes": list(guide.serial_schemes),
        "reference_prices": [dict(price) for price in guide.reference_prices],
        "images": [
            {
                "id": image.pk,
                "caption": image.caption,
                "sha256": image.sha256,
                "content_type": image.content_type,
                "size": image.size,
            }
            for image in guide_images(guide=guide)
        ],
    }


def guide_audience(*, guide: Guide) -> list[Organisation]:
    """The marketplaces a guide names."""
    return list(guide.audience_marketplaces.order_by("name"))


def image_versions(*, guide: Guide, image_id: int) -> list[int]:
    """The published versions of the guide that show the picture."""
    return [
        version.number
        for version in guide_versions(guide=guide)
        if any(image.get("id") == image_id for image in version.content.get("images", []))
    ]


def guide_image(*, guide: Guide, image_id: int) -> GuideImage:
    image = GuideImage.objects.filter(guide=guide, pk=image_id).first()
    if image is None:
        raise NotFound()
    return image


def marketplaces_for_audience() -> QuerySet[Organisation]:
    """The marketplaces a right holder may name as a guide's audience, verified ones first."""
    return Organisation.objects.filter(kind=OrganisationKind.MARKETPLACE).order_by("name")


def rights_for_sharing(*, organisation: Organisation) -> list[Right]:
    """The rights the organisation has proved it holds: what its guides and sellers may be about."""
    return [claim.right for claim in rights_held(organisation=organisation)]


# Authorised sellers ---------------------------------------------------------------------------------------------


def _sellers_seen(actor: Actor) -> Q:
    if actor.is_operator:
        return Q()
    me = actor.organisation.pk
    return Q(holder_id=me) | Q(marketplace_id=me, holder__verification_status=VERIFIED)


def access_seller(*, actor: Actor, seller_id: int, for_update: bool = False) -> AuthorisedSeller:
    actor.require("sharing:read")
    sellers = AuthorisedSeller.objects.select_related("holder", "marketplace", "right")
    if for_update:
        sellers = sellers.select_for_update(of=("self",))
    seller = sellers.filter(_sellers_seen(actor), pk=seller_id).first()
    if seller is None:
        raise NotFound()
    return seller


def seller_owned(*, actor: Actor, seller: AuthorisedSeller) -> bool:
    return seller.holder_id == actor.organisation.pk


SELLER_STATES = ("current", "upcoming", "ended")


def _valid_on(day: date) -> Q:
    return (Q(valid_from=None) | Q(valid_from__lte=day)) & (Q(valid_until=None) | Q(valid_until__gte=day))


def seller_state(seller: AuthorisedSeller, *, today: date | None = None) -> str:
    """current, upcoming (not yet valid) or ended."""
    day = today or timezone.localdate()
    if seller.valid_until is not None and seller.valid_until < day:
        return "ended"
    if seller.valid_from is not None and seller.valid_from > day:
        return "upcoming"
    return "current"


def sellers_visible(
    *, actor: Actor, marketplace: str = "", brand: str = "", shop_id: str = "", state: str = "", holder: str = ""
) -> QuerySet[AuthorisedSeller]:
    """The authorised sellers the actor may see: on a marketplace (slug, or name off IPBridge), of a brand, a shop,
    a holder (slug), in a state (current, upcoming, ended)."""
    actor.require("sharing:read")
    sellers = AuthorisedSeller.objects.filter(_sellers_seen(actor)).select_related("holder", "marketplace", "right")
    if marketplace.strip():
        sellers = sellers.filter(
            Q(marketplace__slug=marketplace.strip()) | Q(marketplace_name__iexact=marketplace.strip())
        )
    if brand.strip():
        sellers = sellers.filter(brand_key=brand_key(brand))
    if shop_id.strip():
        sellers = sellers.filter(shop_id=shop_id.strip())
    if holder.strip():
        sellers = sellers.filter(holder__slug=holder.strip())
    today = timezone.localdate()
    if state == "current":
        sellers = sellers.filter(_valid_on(today))
    elif state == "upcoming":
        sellers = sellers.filter(valid_from__gt=today)
    elif state == "ended":
        sellers = sellers.filter(valid_until__lt=today)
    return sellers.order_by("brand_key", "marketplace_key", "shop_id", "id")


def _in_force() -> Q:
    """An entry whose right holder is verified and still holds the right it names."""
    held = RightClaim.objects.filter(
        organisation_id=OuterRef("holder_id"), right_id=OuterRef("right_id"), status=ClaimStatus.APPROVED
    )
    return Q(Exists(held), holder__verification_status=VERIFIED)


def seller_entries(*, marketplace_id: int, shop_id: str, mark: str) -> QuerySet[AuthorisedSeller]:
    """The entries of verified right holders, for rights they still hold, naming this shop of this marketplace
    for this mark: those valid today first, then the latest to end."""
    today = timezone.localdate()
    return (
        AuthorisedSeller.objects.filter(
            _in_force(), marketplace_id=marketplace_id, shop_id=shop_id.strip(), brand_key=brand_key(mark)
        )
        .select_related("holder", "marketplace", "right")
        .annotate(current=Case(When(_valid_on(today), then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("-current", F("valid_until").desc(nulls_first=True), "-id")
    )


def seller_authorised(*, marketplace_id: int, shop_id: str, mark: str) -> bool:
    """Whether a verified right holder of ``mark`` lists this shop of this marketplace as authorised today: what
    screening asks before it flags a listing of the mark."""
    if not shop_id.strip() or not mark.strip():
        return False
    today = timezone.localdate()
    return (
        AuthorisedSeller.objects.filter(
            _in_force(), marketplace_id=marketplace_id, shop_id=shop_id.strip(), brand_key=brand_key(mark)
        )
        .filter(_valid_on(today))
        .exists()
    )


# Who read what ---------------------------------------------------------------------------------------------------


def _reads_seen(actor: Actor) -> QuerySet[ShareRead]:
    actor.require("sharing:read")
    reads = ShareRead.objects.select_related("reader", "holder", "guide")
    return reads if actor.is_operator else reads.filter(holder_id=actor.organisation.pk)


def reads_visible(*, actor: Actor, guide_id: int | None = None, subject: str = "") -> QuerySet[ShareRead]:
    """The reads of what the actor's organisation shares (of everything, for operators), newest first."""
    reads = _reads_seen(actor)
    if guide_id is not None:
        reads = reads.filter(guide_id=guide_id)
    if subject:
        reads = reads.filter(subject=subject)
    return reads.order_by("-at", "-id")


@dataclass(frozen=True)
class ReaderCount:
    slug: str
    name: str
    kind: str
    reads: int
    guide_reads: int
    image_reads: int
    seller_reads: int
    last_read_at: Any


def read_counts(*, actor: Actor, guide_id: int | None = None, subject: str = "") -> list[ReaderCount]:
    """How often each organisation read what the actor's organisation shares, most reads first."""
    rows = (
        reads_visible(actor=actor, guide_id=guide_id, subject=subject)
        .order_by()
        .values("reader__slug", "reader__name", "reader__kind")
        .annotate(
            reads=Count("pk"),
            guide_reads=Count("pk", filter=Q(subject=ReadSubject.GUIDE)),
            image_reads=Count("pk", filter=Q(subject=ReadSubject.GUIDE_IMAGE)),
            seller_reads=Count(
                "pk", filter=Q(subject__in=[ReadSubject.SELLER_LIST, ReadSubject.SELLER_CHECK, ReadSubject.EXPORT])
            ),
            last_read_at=Max("at"),
        )
        .order_by("-reads", "reader__name")
    )
    return [
        ReaderCount(
            slug=row["reader__slug"],
            name=row["reader__name"],
            kind=row["reader__kind"],
            reads=row["reads"],
            guide_reads=row["guide_reads"],
            image_reads=row["image_reads"],
            seller_reads=row["seller_reads"],
            last_read_at=row["last_read_at"],
        )
        for row in rows
    ]


# What a marketplace is entitled to --------------------------------------------------------------------------------


def guides_addressed(*, marketplace: Organisation) -> QuerySet[Guide]:
    """The published guides addressed to the marketplace, with their newest version, oldest first."""
    return (
        Guide.objects.filter(_addressed_to(marketplace))
        .select_related("holder")
        .prefetch_related(_current_version())
        .order_by("holder__name", "id")
    )


def sellers_listed_on(*, marketplace: Organisation) -> QuerySet[AuthorisedSeller]:
    """The authorised sellers verified right holders list on the marketplace."""
    return (
        AuthorisedSeller.objects.filter(marketplace=marketplace, holder__verification_status=VERIFIED)
        .select_related("holder", "marketplace", "right")
        .order_by("holder__name", "brand_key", "shop_id", "id")
    )


# What screening reads ----------------------------------------------------------------------------------------------


def authorised_shops() -> dict[tuple[str, str], frozenset[str]]:
    """Every shop of a marketplace of IPBridge authorised today, as (marketplace id, shop id) → the ids of the
    right holders that authorise it, all as strings: screening never flags such a shop for those holders' marks."""
    today = timezone.localdate()
    shops: dict[tuple[str, str], set[str]] = {}
    entries = (
        AuthorisedSeller.objects.filter(_in_force(), marketplace__isnull=False)
        .filter(_valid_on(today))
        .values_list("marketplace_id", "shop_id", "holder_id")
    )
    for marketplace_id, shop_id, holder_id in entries:
        shops.setdefault((str(marketplace_id), shop_id), set()).add(str(holder_id))
    return {key: frozenset(holders) for key, holders in shops.items()}


@dataclass(frozen=True)
class PublishedPrice:
    """A reference price a published guide gives for a product of its rights."""

    office: str
    number: str
    product: str
    amount: int
    currency: str


def reference_prices_published(*, marketplace: Organisation | None) -> list[PublishedPrice]:
    """The reference prices of the newest published versions of the guides addressed to ``marketplace`` (of every
    published guide when None), one per right of the guide and price."""
    guides = Guide.objects.filter(status=GuideStatus.PUBLISHED, holder__verification_status=VERIFIED)
    if marketplace is not None:
        guides = guides.filter(_addressed_to(marketplace))
    versions = GuideVersion.objects.filter(guide__in=guides, number=F("guide__version")).values_list(
        "content", flat=True
    )
    prices: list[PublishedPrice] = []
    for content in versions:
        for price in content.get("reference_prices") or []:
            if not isinstance(price, dict):
                continue
            amount, product, currency = price.get("amount"), price.get("product"), price.get("currency")
            if not isinstance(amount, int) or isinstance(amount, bool) or not product or not currency:
                continue
            for right in content.get("rights", []):
                prices.append(PublishedPrice(right["office"], right["number"], str(product), amount, str(currency)))
    return prices
