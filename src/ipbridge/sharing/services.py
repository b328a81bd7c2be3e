"""Every write of product authentication guides (正品鉴别指南), and the reads that are recorded: a right holder
writes a guide as a working copy, adds pictures, chooses its audience and publishes it as a new version; its
audience reads the newest version and its history, each read recorded for the right holder.

Only verified right holders write guides; an agent acting under a mandate does not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.core.validation import right_references, text_field
from ipbridge.rights.models import Right
from ipbridge.sharing import events, selectors
from ipbridge.sharing.currencies import CURRENCIES, MAX_AMOUNT
from ipbridge.sharing.images import image_discard, image_open, image_store
from ipbridge.sharing.models import Guide, GuideImage, GuideStatus, GuideVersion, ReadSubject
from ipbridge.sharing.readlog import read_record

WRITERS = (OrganisationKind.RIGHT_HOLDER,)
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_ITEMS = 50
MAX_ITEM = 500
MAX_RIGHTS = 50
MAX_PRICES = 50
MAX_PRODUCT = 200
MAX_IMAGES = 20
MAX_CAPTION = 300
MAX_AUDIENCE = 200
LIST_FIELDS = ("products", "genuine_features", "counterfeit_features", "serial_schemes")


def require_sharing_holder(actor: Actor) -> None:
    """Refuse unless the actor may write what its organisation shares: a verified right holder's member or key
    with ``sharing:write``."""
    actor.require("sharing:write")
    actor.require_kind(*WRITERS)
    if not selectors.holder_verified(actor.organisation):
        raise PermissionDenied(
            _("Only verified right holders share information; have your organisation's identity verified first."),
            code="not_verified",
        )


def refuse_nul(fields: Mapping[str, Any]) -> None:
    """PostgreSQL stores no text with a NUL character; a JSON body may carry one."""
    for field, value in fields.items():
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValidationFailed(
                "invalid_characters", _("The request contains a NUL character, which no field accepts."), field=field
            )


def _text_list(values: Iterable[str], *, field: str) -> list[str]:
    """Non-empty lines, each stripped; at most ``MAX_ITEMS`` of at most ``MAX_ITEM`` characters."""
    items = [value.strip() for value in values if value and value.strip()]
    if len(items) > MAX_ITEMS:
        raise ValidationFailed("too_many", _("At most %(n)d entries.") % {"n": MAX_ITEMS}, field=field)
    for position, item in enumerate(items):
        if len(item) > MAX_ITEM:
            raise ValidationFailed(
                "too_long", _("At most %(n)d characters.") % {"n": MAX_ITEM}, field=f"{field}.{position}"
            )
    return items


@dataclass(frozen=True)
class PriceIn:
    product: str
    amount: int
    currency: str


def _prices(prices: Iterable[PriceIn | Mapping[str, Any]]) -> list[dict[str, Any]]:
    checked = []
    for position, price in enumerate(prices):
        if isinstance(price, Mapping):
            price = PriceIn(str(price.get("product", "")), price.get("amount"), str(price.get("currency", "")))  # type: ignore[arg-type]
        field = f"reference_prices.{position}"
        product = text_field(price.product, field=f"{field}.product", max_length=MAX_PRODUCT)
        if not isinstance(price.amount, int) or isinstance(price.amount, bool) or not 0 <= price.amount <= MAX_AMOUNT:
            raise ValidationFailed(
                "invalid_amount",
                _("Give the amount as a whole number of minor units (cents, fen), from 0 to %(max)d.")
                % {"max": MAX_AMOUNT},
                field=f"{field}.amount",
            )
        currency = price.currency.strip().upper()
        if currency not in CURRENCIES:
            raise ValidationFailed(
                "invalid_currency",
                _("Give an ISO 4217 currency code, such as EUR, CNY or USD."),
                field=f"{field}.currency",
            )
        checked.append({"product": product, "amount": price.amount, "currency": currency})
    if len(checked) > MAX_PRICES:
        raise ValidationFailed("too_many", _("At most %(n)d entries.") % {"n": MAX_PRICES}, field="reference_prices")
    return checked


def _rights(actor: Actor, references: Sequence[str]) -> list[Right]:
    """The rights named as "OFFICE NUMBER", each one the organisation has proved it holds."""
    pairs = right_references([r for r in references if r.strip()], field="rights")
    if not pairs:
        raise ValidationFailed(
            "required", _("Choose at least one right your organisation holds that the guide covers."), field="rights"
        )
    if len(pairs) > MAX_RIGHTS:
        raise ValidationFailed("too_many", _("At most %(n)d entries.") % {"n": MAX_RIGHTS}, field="rights")
    held = {
        (r.office.upper(), r.number.upper()): r for r in selectors.rights_for_sharing(organisation=actor.organisation)
    }
    rights = []
    for office, number in pairs:
        right = held.get((office.upper(), number.upper()))
        if right is None:
            raise ValidationFailed(
                "right_not_held",
                _("“%(right)s”: your organisation has not proved on IPBridge that it holds this right.")
                % {"right": f"{office} {number}"},
                field="rights",
            )
        if right not in rights:
            rights.append(right)
    return rights


def _audience(slugs: Sequence[str]) -> list[Organisation]:
    wanted = list(dict.fromkeys(slug.strip() for slug in slugs if slug and slug.strip()))
    if len(wanted) > MAX_AUDIENCE:
        raise ValidationFailed(
            "too_many", _("At most %(n)d entries.") % {"n": MAX_AUDIENCE}, field="audience_marketplaces"
        )
    found = {m.slug: m for m in selectors.marketplaces_for_audience().filter(slug__in=wanted)}
    unknown = [slug for slug in wanted if slug not in found]
    if unknown:
        raise ValidationFailed(
            "unknown_marketplace",
            _("No marketplace on IPBridge has this name: %(names)s.") % {"names": ", ".join(unknown[:10])},
            field="audience_marketplaces",
        )
    return [found[slug] for slug in wanted]


@dataclass(frozen=True)
class GuideChanges:
    """What a write sets; None leaves a field as it is."""

    title: str | None = None
    summary: str | None = None
    rights: Sequence[str] | None = None
    products: Sequence[str] | None = None
    genuine_features: Sequence[str] | None = None
    counterfeit_features: Sequence[str] | None = None
    packaging: str | None = None
    serial_schemes: Sequence[str] | None = None
    reference_prices: Sequence[PriceIn | Mapping[str, Any]] | None = None
    audience_all_marketplaces: bool | None = None
    audience_marketplaces: Sequence[str] | None = None
    audience_authorities: bool | None = None

    def given(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


def _checked(
    actor: Actor, changes: GuideChanges
) -> tuple[dict[str, Any], list[Right] | None, list[Organisation] | None]:
    """The fields to set, the rights and the named marketplaces (None: unchanged); or the refusal naming the
    field."""
    given = changes.given()
    refuse_nul({k: v for k, v in given.items() if k != "reference_prices"})
    fields: dict[str, Any] = {}
    if "title" in given:
        fields["title"] = text_field(given["title"], field="title", max_length=MAX_TITLE)
    for name in ("summary", "packaging"):
        if name in given:
            fields[name] = text_field(given[name], field=name, max_length=MAX_TEXT, required=False)
    for name in LIST_FIELDS:
        if name in given:
            fields[name] = _text_list(given[name], field=name)
    if "reference_prices" in given:
        prices = _prices(given["reference_prices"])
        refuse_nul({"reference_prices": [p["product"] for p in prices]})
        fields["reference_prices"] = prices
    for name in ("audience_all_marketplaces", "audience_authorities"):
        if name in given:
            fields[name] = bool(given[name])
    rights = _rights(actor, given["rights"]) if "rights" in given else None
    audience = _audience(given["audience_marketplaces"]) if "audience_marketplaces" in given else None
    return fields, rights, audience


def _changed_since_publication(guide: Guide) -> bool:
    if guide.version == 0:
        return True
    published = GuideVersion.objects.filter(guide=guide, number=guide.version).values_list("content", flat=True)
    return published.first() != selectors.guide_working_content(guide=guide)


@transaction.atomic
def guide_create(*, actor: Actor, changes: GuideChanges) -> Guide:
    """A new guide of the actor's organisation, as a draft only its right holder sees."""
    require_sharing_holder(actor)
    if changes.title is None or changes.rights is None:
        missing = "title" if changes.title is None else "rights"
        raise ValidationFailed("required", _("This field is required."), field=missing)
    fields, rights, audience = _checked(actor, changes)
    now = timezone.now()
    guide = Guide.objects.create(
        holder=actor.organisation, created_by=actor.user, created_at=now, updated_at=now, **fields
    )
    guide.rights.set(rights or [])
    guide.audience_marketplaces.set(audience or [])
    audit_act(actor, AuditAction.GUIDE_CREATED, subject=guide, title=guide.title)
    return guide


def _owned(actor: Actor, guide_id: int) -> Guide:
    """The actor's own guide, locked; refused to others who see it, not found for the rest."""
    require_sharing_holder(actor)
    guide = selectors.access_guide(actor=actor, guide_id=guide_id, for_update=True)
    if not selectors.guide_owned(actor=actor, guide=guide):
        raise PermissionDenied(_("Only the right holder that wrote this guide may change it."), code="not_owner")
    return guide


@transaction.atomic
def guide_update(*, actor: Actor, guide_id: int, changes: GuideChanges) -> Guide:
    """Change the working copy. The audience applies at once, to the published version too; the content reaches
    the audience when it is published again."""
    guide = _owned(actor, guide_id)
    fields, rights, audience = _checked(actor, changes)
    for name, value in fields.items():
        setattr(guide, name, value)
    if rights is not None:
        guide.rights.set(rights)
    if audience is not None:
        guide.audience_marketplaces.set(audience)
    guide.updated_at = timezone.now()
    guide.unpublished_changes = _changed_since_publication(guide)
    guide.save()
    audit_act(actor, AuditAction.GUIDE_UPDATED, subject=guide, fields=sorted(changes.given()))
    return guide


def _require_publishable(actor: Actor, guide: Guide, content: dict[str, Any]) -> None:
    held = {r.pk for r in selectors.rights_for_sharing(organisation=actor.organisation)}
    lapsed = [r for r in selectors.guide_rights(guide=guide) if r.pk not in held]
    if not content["rights"]:
        raise ValidationFailed(
            "required", _("Choose at least one right your organisation holds that the guide covers."), field="rights"
        )
    if lapsed:
        raise ValidationFailed(
            "right_not_held",
            _("“%(right)s”: your organisation has not proved on IPBridge that it holds this right.")
            % {"right": f"{lapsed[0].office} {lapsed[0].number}"},
            field="rights",
        )
    if not (content["genuine_features"] or content["counterfeit_features"]):
        raise ValidationFailed(
            "no_features",
            _("Describe at least one feature of genuine goods or of counterfeits before publishing."),
            field="genuine_features",
        )
    if not (guide.audience_all_marketplaces or guide.audience_authorities or guide.audience_marketplaces.exists()):
        raise ValidationFailed(
            "no_audience",
            _("Choose who may read the guide: all verified marketplaces, named marketplaces or authorities."),
            field="audience_marketplaces",
        )


@transaction.atomic
def guide_publish(*, actor: Actor, guide_id: int) -> Guide:
    """Publish the working copy as the guide's next version, which its audience reads from now on; the versions
    before stay in its history. A withdrawn guide without changes is published again as it was."""
    guide = _owned(actor, guide_id)
    content = selectors.guide_working_content(guide=guide)
    if guide.status == GuideStatus.PUBLISHED and not guide.unpublished_changes:
        raise Conflict(
            "nothing_to_publish",
            _("Version %(n)d is published and nothing changed since.") % {"n": guide.version},
        )
    _require_publishable(actor, guide, content)
    now = timezone.now()
    if guide.unpublished_changes or guide.version == 0:
        guide.version += 1
        GuideVersion.objects.create(
            guide=guide,
            number=guide.version,
            content=content,
            published_by=actor.user,
            published_by_label=actor.label,
            published_at=now,
        )
        guide.published_at = now
    guide.status = GuideStatus.PUBLISHED
    guide.unpublished_changes = False
    guide.save(update_fields=["version", "status", "unpublished_changes", "published_at"])
    audit_act(actor, AuditAction.GUIDE_PUBLISHED, subject=guide, version=guide.version)
    events.guide_published(guide)
    return guide


@transaction.atomic
def guide_withdraw(*, actor: Actor, guide_id: int) -> Guide:
    """Stop showing the guide to its audience; it, its history and who read it stay with the right holder."""
    guide = _owned(actor, guide_id)
    if guide.status != GuideStatus.PUBLISHED:
        raise Conflict("not_published", _("Only a published guide can be withdrawn."))
    guide.status = GuideStatus.WITHDRAWN
    guide.save(update_fields=["status"])
    audit_act(actor, AuditAction.GUIDE_WITHDRAWN, subject=guide, version=guide.version)
    return guide


def guide_delete(*, actor: Actor, guide_id: int) -> None:
    """Delete a guide that was never published, with its pictures. A published one is withdrawn instead: who
    read which version stays on record."""
    with transaction.atomic():
        guide = _owned(actor, guide_id)
        if guide.version > 0:
            raise Conflict(
                "published_before",
                _("This guide was published; withdraw it instead. Its history and who read it are kept."),
            )
        names = set(GuideImage.objects.filter(guide=guide).values_list("storage_name", flat=True))
        audit_act(actor, AuditAction.GUIDE_DELETED, subject=guide, title=guide.title)
        guide.delete()
        unused = names - set(GuideImage.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
    for name in sorted(unused):
        image_discard(name)


# Pictures --------------------------------------------------------------------------------------------------------


def guide_image_add(*, actor: Actor, guide_id: int, upload: Any, caption: str = "") -> GuideImage:
    """Add a picture (PNG, JPEG or WebP, stored by its SHA-256) to the working copy."""
    guide = _owned_unlocked(actor, guide_id)
    refuse_nul({"caption": caption})
    caption = text_field(caption, field="caption", max_length=MAX_CAPTION, required=False)
    if upload is None:
        raise ValidationFailed("required", _("Choose a picture to add."), field="file")
    stored = image_store(upload, field="file")
    try:
        return _image_write(actor, guide.pk, stored, caption)
    except BaseException:
        if stored.new and not GuideImage.objects.filter(storage_name=stored.storage_name).exists():
            image_discard(stored.storage_name)
        raise


def _owned_unlocked(actor: Actor, guide_id: int) -> Guide:
    """The ownership check before an upload is streamed, outside the transaction that records it."""
    require_sharing_holder(actor)
    guide = selectors.access_guide(actor=actor, guide_id=guide_id)
    if not selectors.guide_owned(actor=actor, guide=guide):
        raise PermissionDenied(_("Only the right holder that wrote this guide may change it."), code="not_owner")
    return guide


@transaction.atomic
def _image_write(actor: Actor, guide_id: int, stored: Any, caption: str) -> GuideImage:
    guide = _owned(actor, guide_id)
    if selectors.guide_images(guide=guide).count() >= MAX_IMAGES:
        raise ValidationFailed(
            "too_many_images", _("A guide shows at most %(n)d pictures.") % {"n": MAX_IMAGES}, field="file"
        )
    image = GuideImage.objects.create(
        guide=guide,
        caption=caption,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        storage_name=stored.storage_name,
        added_by=actor.user,
    )
    guide.updated_at = timezone.now()
    guide.unpublished_changes = True
    guide.save(update_fields=["updated_at", "unpublished_changes"])
    audit_act(actor, AuditAction.GUIDE_IMAGE_ADDED, subject=guide, image=image.pk, sha256=image.sha256)
    return image


def guide_image_remove(*, actor: Actor, guide_id: int, image_id: int) -> None:
    """Take a picture out of the working copy. A picture a published version shows stays, for that version."""
    with transaction.atomic():
        guide = _owned(actor, guide_id)
        image = GuideImage.objects.filter(guide=guide, pk=image_id, removed_at=None).first()
        if image is None:
            raise NotFound()
        audit_act(actor, AuditAction.GUIDE_IMAGE_REMOVED, subject=guide, image=image.pk, sha256=image.sha256)
        name = image.storage_name
        if selectors.image_versions(guide=guide, image_id=image.pk):
            image.removed_at = timezone.now()
            image.save(update_fields=["removed_at"])
            name = ""
        else:
            image.delete()
        guide.updated_at = timezone.now()
        guide.unpublished_changes = _changed_since_publication(guide)
        guide.save(update_fields=["updated_at", "unpublished_changes"])
        discard = bool(name) and not GuideImage.objects.filter(storage_name=name).exists()
    if discard:
        image_discard(name)


# Reading, recorded -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideRead:
    guide: Guide
    content: dict[str, Any]
    version: GuideVersion | None  # None: the working copy, which only its right holder reads
    owned: bool


def guide_read(*, actor: Actor, guide_id: int, version: int | None = None) -> GuideRead:
    """The guide as the actor may read it: its right holder the working copy (or a version); everyone else the
    newest published version (or an earlier one of its history). A read by another organisation is recorded."""
    guide = selectors.access_guide(actor=actor, guide_id=guide_id)
    owned = selectors.guide_owned(actor=actor, guide=guide)
    if version is None and owned:
        return GuideRead(guide, selectors.guide_working_content(guide=guide), None, owned)
    number = guide.version if version is None else version
    if not 1 <= number <= guide.version:
        raise NotFound()
    shown = selectors.guide_version(guide=guide, number=number)
    read_record(actor, holder_id=guide.holder_id, subject=ReadSubject.GUIDE, guide=guide, version=number)
    return GuideRead(guide, shown.content, shown, owned)


def guide_image_open(*, actor: Actor, guide_id: int, image_id: int) -> tuple[GuideImage, IO[bytes]]:
    """A picture's bytes, for whoever may read a version that shows it (its right holder: any of its pictures).
    A read by another organisation is recorded."""
    guide = selectors.access_guide(actor=actor, guide_id=guide_id)
    image = selectors.guide_image(guide=guide, image_id=image_id)
    if not selectors.guide_owned(actor=actor, guide=guide):
        shown_in = selectors.image_versions(guide=guide, image_id=image.pk)
        if not shown_in:
            raise NotFound()
        read_record(
            actor,
            holder_id=guide.holder_id,
            subject=ReadSubject.GUIDE_IMAGE,
            guide=guide,
            version=shown_in[0],
            image=image,
        )
    return image, image_open(image.storage_name)
