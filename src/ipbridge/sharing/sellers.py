"""Authorised sellers (授权经销商): the shops a right holder allows to sell goods of its marks, per marketplace, for
a time — written by verified right holders, read by the marketplace they are listed on, checked shop by shop.

An entry always names a right its right holder has proved it holds: the brand written is one of that right's
names, so that nobody can vouch for shops selling someone else's brand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from ipbridge.core.validation import choice_field, right_references, text_field, url_field
from ipbridge.rights.models import Right
from ipbridge.sharing import events, selectors
from ipbridge.sharing.models import AuthorisedSeller, ReadSubject, SellerRelation
from ipbridge.sharing.readlog import read_record, read_row, reads_write
from ipbridge.sharing.services import refuse_nul, require_sharing_holder

MAX_TEXT = 200


@dataclass(frozen=True)
class SellerIn:
    """An entry as written: the brand (a name of one of the holder's rights) or the right ("EM 018234567"), the
    marketplace (the slug of one on IPBridge, or the name and address of one that is not), the shop, the
    relation and the dates (both included; either may be open)."""

    brand: str = ""
    right: str = ""
    marketplace: str = ""
    marketplace_name: str = ""
    marketplace_url: str = ""
    shop_id: str = ""
    shop_name: str = ""
    relation: str = ""
    valid_from: date | None = None
    valid_until: date | None = None


MARKETPLACE_FIELDS = ("marketplace", "marketplace_name", "marketplace_url")
BRAND_FIELDS = ("brand", "right")


def _names(right: Right) -> set[str]:
    return {selectors.brand_key(n) for n in (right.verbal_element, right.transliteration, right.label) if n.strip()}


class Resolver:
    """Turns entries as written into the fields of a row, for one right holder: its rights and the marketplaces
    are read once, however many entries (an import) are resolved."""

    def __init__(self, actor: Actor) -> None:
        self.rights = selectors.rights_for_sharing(organisation=actor.organisation)
        self.marketplaces: dict[str, Organisation] = {}

    def _marketplace(self, slug: str) -> Organisation:
        if slug not in self.marketplaces:
            found = Organisation.objects.filter(slug=slug, kind=OrganisationKind.MARKETPLACE).first()
            if found is None:
                raise ValidationFailed(
                    "unknown_marketplace", _("No marketplace on IPBridge has this name."), field="marketplace"
                )
            self.marketplaces[slug] = found
        return self.marketplaces[slug]

    def _brand(self, entry: SellerIn) -> tuple[Right, str]:
        brand = text_field(entry.brand, field="brand", max_length=MAX_TEXT, required=False)
        if entry.right.strip():
            (office, number), *_rest = right_references([entry.right], field="right")
            right = next(
                (r for r in self.rights if (r.office.upper(), r.number.upper()) == (office.upper(), number.upper())),
                None,
            )
            if right is None:
                raise ValidationFailed(
                    "right_not_held",
                    _("“%(right)s”: your organisation has not proved on IPBridge that it holds this right.")
                    % {"right": f"{office} {number}"},
                    field="right",
                )
            if brand and selectors.brand_key(brand) not in _names(right):
                raise ValidationFailed(
                    "brand_not_of_right",
                    _("Write the brand as the right names it (%(mark)s), or leave it empty.") % {"mark": right.label},
                    field="brand",
                )
            return right, brand or right.label[:MAX_TEXT]
        if not brand:
            raise ValidationFailed(
                "required", _("Write the brand, or choose the right your organisation holds."), field="brand"
            )
        key = selectors.brand_key(brand)
        right = next((r for r in self.rights if key in _names(r)), None)
        if right is None:
            marks = sorted({r.label for r in self.rights})
            raise ValidationFailed(
                "brand_not_held",
                _("“%(brand)s” is not a mark your organisation has proved it holds. Yours: %(marks)s.")
                % {"brand": brand, "marks": ", ".join(marks[:20]) or "—"},
                field="brand",
            )
        return right, brand

    def resolve(self, entry: SellerIn) -> dict[str, Any]:
        """The row's fields, or the refusal naming the field at fault."""
        refuse_nul({f.name: getattr(entry, f.name) for f in fields(entry) if isinstance(getattr(entry, f.name), str)})
        right, brand = self._brand(entry)
        slug = entry.marketplace.strip()
        named = entry.marketplace_name.strip() or entry.marketplace_url.strip()
        if slug and named:
            raise ValidationFailed(
                "marketplace_and_name",
                _("Choose a marketplace of IPBridge, or name one that is not on it; not both."),
                field="marketplace",
            )
        if slug:
            marketplace: Organisation | None = self._marketplace(slug)
            name, url, key = "", "", f"id:{marketplace.pk}"  # type: ignore[union-attr]
        elif named:
            marketplace = None
            name = text_field(entry.marketplace_name, field="marketplace_name", max_length=MAX_TEXT)
            url = url_field(entry.marketplace_url, field="marketplace_url", max_length=500)
            key = f"name:{selectors.brand_key(name)}"
        else:
            raise ValidationFailed(
                "required",
                _("Choose the marketplace, or give the name and address of one that is not on IPBridge."),
                field="marketplace",
            )
        relation = choice_field(entry.relation.strip(), SellerRelation.values, field="relation")
        if entry.valid_from and entry.valid_until and entry.valid_until < entry.valid_from:
            raise ValidationFailed(
                "ends_before_start", _("The authorisation cannot end before it starts."), field="valid_until"
            )
        return {
            "right": right,
            "brand": brand,
            "brand_key": selectors.brand_key(brand),
            "marketplace": marketplace,
            "marketplace_name": name,
            "marketplace_url": url,
            "marketplace_key": key,
            "shop_id": text_field(entry.shop_id, field="shop_id", max_length=MAX_TEXT),
            "shop_name": text_field(entry.shop_name, field="shop_name", max_length=MAX_TEXT, required=False),
            "relation": relation,
            "valid_from": entry.valid_from,
            "valid_until": entry.valid_until,
        }


def seller_duplicate(holder_id: int, row: Mapping[str, Any], *, exclude: int | None = None) -> AuthorisedSeller | None:
    same = AuthorisedSeller.objects.filter(
        holder_id=holder_id,
        brand_key=row["brand_key"],
        marketplace_key=row["marketplace_key"],
        shop_id=row["shop_id"],
    )
    if exclude is not None:
        same = same.exclude(pk=exclude)
    return same.first()


def _already_listed(existing: AuthorisedSeller) -> Conflict:
    return Conflict(
        "already_listed",
        _("This shop is already listed for this brand on this marketplace (entry %(id)d); change that one.")
        % {"id": existing.pk},
        details={"seller_id": existing.pk},
    )


@transaction.atomic
def seller_create(*, actor: Actor, entry: SellerIn) -> AuthorisedSeller:
    require_sharing_holder(actor)
    row = Resolver(actor).resolve(entry)
    existing = seller_duplicate(actor.organisation.pk, row)
    if existing is not None:
        raise _already_listed(existing)
    seller = AuthorisedSeller.objects.create(holder=actor.organisation, created_by=actor.user, **row)
    audit_act(actor, AuditAction.SELLER_ADDED, subject=seller, **_summary(seller))
    events.seller_changed(seller, "added")
    return seller


def _summary(seller: AuthorisedSeller) -> dict[str, Any]:
    return {
        "brand": seller.brand,
        "marketplace": seller.marketplace.slug if seller.marketplace else seller.marketplace_name,
        "shop_id": seller.shop_id,
        "relation": seller.relation,
        "valid_from": seller.valid_from.isoformat() if seller.valid_from else None,
        "valid_until": seller.valid_until.isoformat() if seller.valid_until else None,
    }


def _owned(actor: Actor, seller_id: int) -> AuthorisedSeller:
    require_sharing_holder(actor)
    seller = selectors.access_seller(actor=actor, seller_id=seller_id, for_update=True)
    if not selectors.seller_owned(actor=actor, seller=seller):
        raise PermissionDenied(_("Only the right holder that listed this seller may change it."), code="not_owner")
    return seller


def entry_of(seller: AuthorisedSeller) -> SellerIn:
    """The entry as it would be written again."""
    return SellerIn(
        brand=seller.brand,
        right=f"{seller.right.office} {seller.right.number}",
        marketplace=seller.marketplace.slug if seller.marketplace else "",
        marketplace_name=seller.marketplace_name,
        marketplace_url=seller.marketplace_url,
        shop_id=seller.shop_id,
        shop_name=seller.shop_name,
        relation=seller.relation,
        valid_from=seller.valid_from,
        valid_until=seller.valid_until,
    )


def entry_changed(seller: AuthorisedSeller, changes: Mapping[str, Any]) -> SellerIn:
    """The seller's entry with ``changes`` written over it: naming the brand or the right names both anew, and so
    does naming the marketplace."""
    entry = entry_of(seller)
    if any(name in changes for name in BRAND_FIELDS):
        entry = replace(entry, brand="", right="")
    if any(name in changes for name in MARKETPLACE_FIELDS):
        entry = replace(entry, marketplace="", marketplace_name="", marketplace_url="")
    written: dict[str, Any] = {
        name: ("" if value is None and name not in ("valid_from", "valid_until") else value)
        for name, value in changes.items()
    }
    return replace(entry, **written)


@transaction.atomic
def seller_update(*, actor: Actor, seller_id: int, changes: Mapping[str, Any]) -> AuthorisedSeller:
    """Change an entry; the fields not in ``changes`` stay as they are."""
    seller = _owned(actor, seller_id)
    row = Resolver(actor).resolve(entry_changed(seller, changes))
    existing = seller_duplicate(actor.organisation.pk, row, exclude=seller.pk)
    if existing is not None:
        raise _already_listed(existing)
    for name, value in row.items():
        setattr(seller, name, value)
    seller.updated_at = timezone.now()
    seller.save()
    audit_act(actor, AuditAction.SELLER_CHANGED, subject=seller, **_summary(seller))
    events.seller_changed(seller, "changed")
    return seller


@transaction.atomic
def seller_end(*, actor: Actor, seller_id: int, on: date | None = None) -> AuthorisedSeller:
    """End the authorisation: ``on`` (today when not given) is its last day."""
    seller = _owned(actor, seller_id)
    last_day = on or timezone.localdate()
    if seller.valid_until is not None and seller.valid_until <= last_day:
        raise Conflict(
            "already_ended",
            _("This authorisation ends on %(date)s already.") % {"date": seller.valid_until.isoformat()},
            field="on",
        )
    if seller.valid_from is not None and last_day < seller.valid_from:
        raise ValidationFailed("ends_before_start", _("The authorisation cannot end before it starts."), field="on")
    seller.valid_until = last_day
    seller.updated_at = timezone.now()
    seller.save(update_fields=["valid_until", "updated_at"])
    audit_act(actor, AuditAction.SELLER_ENDED, subject=seller, **_summary(seller))
    events.seller_changed(seller, "ended")
    return seller


@transaction.atomic
def seller_delete(*, actor: Actor, seller_id: int) -> None:
    """Remove an entry written by mistake (an authorisation that ends is ended instead, so that it stays known)."""
    seller = _owned(actor, seller_id)
    audit_act(actor, AuditAction.SELLER_REMOVED, subject=seller, **_summary(seller))
    events.seller_changed(seller, "removed")
    seller.delete()


# Reading, recorded -------------------------------------------------------------------------------------------------


def sellers_read(*, actor: Actor, **filters: str) -> QuerySet[AuthorisedSeller]:
    """``selectors.sellers_visible``, recorded as a read of each right holder's list it shows another
    organisation."""
    sellers = selectors.sellers_visible(actor=actor, **filters)
    holders = sorted(set(sellers.order_by().values_list("holder_id", flat=True).distinct()))
    marketplace = filters.get("marketplace", "")
    reads_write(
        read_row(
            actor,
            holder_id=holder,
            subject=ReadSubject.SELLER_LIST,
            details={"marketplace": marketplace} if marketplace else None,
        )
        for holder in holders
    )
    return sellers


def seller_read(*, actor: Actor, seller_id: int) -> AuthorisedSeller:
    seller = selectors.access_seller(actor=actor, seller_id=seller_id)
    read_record(actor, holder_id=seller.holder_id, subject=ReadSubject.SELLER_LIST, details={"seller": seller.pk})
    return seller


@dataclass(frozen=True)
class CheckResult:
    authorised: bool
    brand: str
    shop_id: str
    marketplace: Organisation
    seller: AuthorisedSeller | None  # the entry the answer rests on (valid today, or the latest to end)


CHECKERS = (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)


def seller_check(*, actor: Actor, brand: str, shop_id: str, marketplace: str = "") -> CheckResult:
    """Whether a verified right holder of ``brand`` authorises this shop today. A marketplace asks about its own
    shops; an operator names the marketplace. The entry it rests on is recorded as read by its right holder."""
    actor.require("sharing:read")
    actor.require_kind(*CHECKERS)
    refuse_nul({"brand": brand, "shop_id": shop_id, "marketplace": marketplace})
    slug = marketplace.strip()
    if actor.is_operator:
        if not slug:
            raise ValidationFailed("required", _("Name the marketplace of the shop."), field="marketplace")
        market = Organisation.objects.filter(slug=slug, kind=OrganisationKind.MARKETPLACE).first()
        if market is None:
            raise ValidationFailed(
                "unknown_marketplace", _("No marketplace on IPBridge has this name."), field="marketplace"
            )
    else:
        if slug and slug != actor.organisation.slug:
            raise PermissionDenied(_("A marketplace asks about its own shops only."), code="own_marketplace_only")
        market = actor.organisation
    brand = text_field(brand, field="brand", max_length=MAX_TEXT)
    shop_id = text_field(shop_id, field="shop_id", max_length=MAX_TEXT)
    seller = selectors.seller_entries(marketplace_id=market.pk, shop_id=shop_id, mark=brand).first()
    authorised = seller is not None and selectors.seller_state(seller) == "current"
    if seller is not None:
        read_record(
            actor,
            holder_id=seller.holder_id,
            subject=ReadSubject.SELLER_CHECK,
            details={"seller": seller.pk, "shop_id": shop_id, "authorised": authorised},
        )
    return CheckResult(authorised, brand, shop_id, market, seller)
