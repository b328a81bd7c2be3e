"""Associated shops (关联店铺) and repeat infringers (Shenzhen guideline 3.1.3.2): a marketplace records what its
shops are known by — business licence number, telephone, payment account, address, device — and shops that share
any of them are associated; its shops ranked by confirmed alerts show who infringes again and again.

Identifiers are kept only as keyed hashes, as infringer intelligence keeps them (decision 0011): each is put in
one canonical form per kind (``engine.identifiers``: a telephone's digits with its country code, a licence
number's letters and digits whatever their case, an address's words folded), and HMAC-SHA256 is taken of
"kind:canonical form" under a key derived from the instance's ``CREDENTIAL_KEY_SECRET``. Nobody who reads the
table can compute the hash of a guess; equal identifiers still give equal hashes, which is all association needs.
Associations stay within one marketplace: shop ids are its own."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.core.errors import NotFound, ValidationFailed
from ipbridge.engine.identifiers import identifier_input
from ipbridge.screening.models import Alert, AlertStatus, IdentifierKind, ShopIdentifier, Watch, WatchKind
from ipbridge.screening.monitoring._access import refuse_nul, require_marketplace

MAX_SHOPS = 1000  # in one request
MAX_IDENTIFIERS = 5000  # in one request, over all its shops
MAX_VALUE = 500
MAX_SHOP_ID = 200
MAX_SHOP_NAME = 200
MAX_NODES = 60  # of an association graph: a shared warehouse address must not draw ten thousand shops
MAX_DEPTH = 3
# A telephone number has at most 15 digits with its country code (ITU-T E.164); fewer than 7 is no number.
PHONE_DIGITS = (7, 15)


@lru_cache(maxsize=4)
def _derived_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipbridge shop identifiers").derive(
        secret.encode()
    )


def _key() -> bytes:
    return _derived_key(settings.CREDENTIAL_KEY_SECRET)


def identifier_digest(kind: str, value: str, *, where: str = "") -> str:
    """The keyed hash (hex) of one identifier of a shop, or the refusal naming the field (``where`` + "kind" or
    "value") and why: an unknown kind, nothing identifying left once normalised, a telephone number without its
    country code."""
    if kind not in IdentifierKind.values:
        raise ValidationFailed(
            "invalid_choice",
            _("The kind is one of: %(kinds)s.") % {"kinds": ", ".join(IdentifierKind.values)},
            field=f"{where}kind",
        )
    field = f"{where}value"
    if len(value) > MAX_VALUE:
        raise ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": MAX_VALUE}, field=field)
    if kind == IdentifierKind.PHONE:
        written = unicodedata.normalize("NFKC", value).lstrip(" (")
        if not written.startswith(("+", "00")):
            raise ValidationFailed(
                "phone_without_country_code",
                _("Write the telephone number with its country code, e.g. +86 138 0013 8000."),
                field=field,
            )
        digits = sum(c.isdigit() for c in written.removeprefix("00"))
        if not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            raise ValidationFailed(
                "invalid_phone",
                _("A telephone number has %(low)d to %(high)d digits with its country code.")
                % {"low": PHONE_DIGITS[0], "high": PHONE_DIGITS[1]},
                field=field,
            )
    try:
        data = identifier_input(kind, value)
    except ValueError as exc:
        raise ValidationFailed("not_identifying", _("Nothing identifying is left of this value."), field=field) from exc
    return hmac.new(_key(), data, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ShopIdentifiersIn:
    """One shop's identifiers as sent: (kind, value) pairs."""

    shop_id: str
    identifiers: Sequence[tuple[str, str]]
    shop_name: str = ""


@dataclass(frozen=True)
class IdentifiersRecorded:
    shops: int
    recorded: int  # new digests
    already: int  # sent before for the same shop


def _checked(shops: Sequence[ShopIdentifiersIn]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Every shop and identifier checked and hashed before anything is written: (shop id, name, [(kind, digest)])."""
    if not shops:
        raise ValidationFailed("required", _("Send at least one shop."), field="shops")
    if len(shops) > MAX_SHOPS:
        raise ValidationFailed("too_many", _("At most %(n)d shops at a time.") % {"n": MAX_SHOPS}, field="shops")
    if sum(len(shop.identifiers) for shop in shops) > MAX_IDENTIFIERS:
        raise ValidationFailed(
            "too_many", _("At most %(n)d identifiers at a time.") % {"n": MAX_IDENTIFIERS}, field="shops"
        )
    checked = []
    for s, shop in enumerate(shops):
        where = f"shops[{s}]"
        refuse_nul([(f"{where}.shop_id", shop.shop_id), (f"{where}.shop_name", shop.shop_name)])
        shop_id = shop.shop_id.strip()
        if not shop_id:
            raise ValidationFailed("required", _("Give the shop's id."), field=f"{where}.shop_id")
        for name, text, limit in (("shop_id", shop_id, MAX_SHOP_ID), ("shop_name", shop.shop_name, MAX_SHOP_NAME)):
            if len(text.strip()) > limit:
                raise ValidationFailed(
                    "too_long", _("At most %(n)d characters.") % {"n": limit}, field=f"{where}.{name}"
                )
        if not shop.identifiers:
            raise ValidationFailed(
                "required", _("Give at least one identifier of the shop."), field=f"{where}.identifiers"
            )
        digests = []
        for i, (kind, value) in enumerate(shop.identifiers):
            refuse_nul([(f"{where}.identifiers[{i}].value", value)])
            digests.append((kind, identifier_digest(kind, value, where=f"{where}.identifiers[{i}].")))
        checked.append((shop_id, shop.shop_name.strip(), digests))
    return checked


@transaction.atomic
def shop_identifiers_record(*, actor: Actor, shops: Sequence[ShopIdentifiersIn]) -> IdentifiersRecorded:
    """Record what the marketplace's shops are known by, kept only as keyed hashes; all or nothing. An
    identifier already recorded for the shop is not recorded twice; a shop name given replaces the one on
    record."""
    require_marketplace(actor, "screening:write")
    checked = _checked(shops)
    marketplace = actor.organisation
    shop_ids = {shop_id for shop_id, _name, _digests in checked}
    existing = set(
        ShopIdentifier.objects.filter(marketplace=marketplace, shop_id__in=shop_ids).values_list(
            "shop_id", "kind", "digest"
        )
    )
    names: dict[str, str] = {}
    new: dict[tuple[str, str, str], ShopIdentifier] = {}
    already = 0
    for shop_id, name, digests in checked:
        if name:
            names[shop_id] = name
        for kind, digest in digests:
            key = (shop_id, kind, digest)
            if key in existing or key in new:
                already += 1
                continue
            new[key] = ShopIdentifier(marketplace=marketplace, shop_id=shop_id, kind=kind, digest=digest)
    for row in new.values():
        row.shop_name = names.get(row.shop_id, "")
    ShopIdentifier.objects.bulk_create(new.values())
    for shop_id, name in names.items():
        ShopIdentifier.objects.filter(marketplace=marketplace, shop_id=shop_id).exclude(shop_name=name).update(
            shop_name=name
        )
    audit_act(
        actor,
        AuditAction.SHOP_IDENTIFIERS_RECORDED,
        subject=None,
        shops=len(shop_ids),
        recorded=len(new),
        already=already,
        kinds=sorted({kind for _shop, kind, _digest in new}),
    )
    return IdentifiersRecorded(shops=len(shop_ids), recorded=len(new), already=already)


# Associations ------------------------------------------------------------------------------------------------------


@dataclass
class AlertCounts:
    open: int = 0
    confirmed: int = 0
    dismissed: int = 0

    @property
    def total(self) -> int:
        return self.open + self.confirmed + self.dismissed


@dataclass
class ShopNode:
    shop_id: str
    shop_name: str
    depth: int  # 0 the shop asked about, 1 associated with it, 2 associated with those, ...
    alerts: AlertCounts = field(default_factory=AlertCounts)
    watched: bool = False


@dataclass(frozen=True)
class ShopEdge:
    source: str
    target: str
    kinds: tuple[str, ...]  # the kinds of identifiers the two shops share, never the values


@dataclass(frozen=True)
class ShopGraph:
    shop_id: str
    nodes: list[ShopNode]
    edges: list[ShopEdge]
    truncated: bool  # more shops are associated than the graph holds


def _alert_counts(marketplace_id: int, shop_ids: Sequence[str]) -> dict[str, AlertCounts]:
    counts: dict[str, AlertCounts] = defaultdict(AlertCounts)
    rows = (
        Alert.objects.filter(marketplace_id=marketplace_id, shop_id__in=list(shop_ids))
        .values("shop_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        setattr(counts[row["shop_id"]], row["status"], row["n"])
    return counts


def _shop_names(marketplace_id: int, shop_ids: Sequence[str]) -> dict[str, str]:
    """Each shop's name: as its identifiers were recorded with, else as its newest alert names it."""
    names: dict[str, str] = {}
    for shop_id, name in (
        Alert.objects.filter(marketplace_id=marketplace_id, shop_id__in=list(shop_ids))
        .exclude(shop_name="")
        .order_by("created_at", "id")
        .values_list("shop_id", "shop_name")
    ):
        names[shop_id] = name
    for shop_id, name in (
        ShopIdentifier.objects.filter(marketplace_id=marketplace_id, shop_id__in=list(shop_ids))
        .exclude(shop_name="")
        .values_list("shop_id", "shop_name")
        .distinct()
    ):
        names[shop_id] = name
    return names


def _watched(marketplace_id: int, shop_ids: Sequence[str]) -> set[str]:
    return set(
        Watch.objects.filter(
            marketplace_id=marketplace_id, kind=WatchKind.SHOP, active=True, shop_id__in=list(shop_ids)
        ).values_list("shop_id", flat=True)
    )


def shop_known(*, actor: Actor, shop_id: str) -> bool:
    """Whether the marketplace has recorded identifiers of the shop or has alerts about it."""
    require_marketplace(actor, "screening:read")
    marketplace = actor.organisation
    return (
        ShopIdentifier.objects.filter(marketplace=marketplace, shop_id=shop_id).exists()
        or Alert.objects.filter(marketplace=marketplace, shop_id=shop_id).exists()
    )


def shop_graph(*, actor: Actor, shop_id: str, depth: int = 2) -> ShopGraph:
    """The shop and the shops associated with it through shared identifiers, ``depth`` steps out (at most
    ``MAX_NODES`` shops, the nearest first), with the kinds each pair shares and each shop's alerts. A shop the
    marketplace has neither identifiers nor alerts of is not found."""
    require_marketplace(actor, "screening:read")
    if not 1 <= depth <= MAX_DEPTH:
        raise ValidationFailed("out_of_range", _("From 1 to %(n)d steps.") % {"n": MAX_DEPTH}, field="depth")
    if not shop_known(actor=actor, shop_id=shop_id):
        raise NotFound()
    marketplace_id = actor.organisation.pk
    rows = ShopIdentifier.objects.filter(marketplace_id=marketplace_id)
    depths = {shop_id: 0}
    frontier = [shop_id]
    truncated = False
    for step in range(1, depth + 1):
        digests = set(rows.filter(shop_id__in=frontier).values_list("digest", flat=True))
        reached = sorted(
            set(rows.filter(digest__in=digests).values_list("shop_id", flat=True).distinct()) - depths.keys()
        )
        room = MAX_NODES - len(depths)
        if len(reached) > room:
            truncated, reached = True, reached[:room]
        depths.update(dict.fromkeys(reached, step))
        frontier = reached
        if not frontier or truncated:
            break
    shop_ids = sorted(depths, key=lambda s: (depths[s], s))
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sid, kind, digest in rows.filter(shop_id__in=shop_ids).values_list("shop_id", "kind", "digest"):
        holders[digest].append((sid, kind))
    for members in holders.values():
        for i, (a, kind) in enumerate(members):
            for b, _kind in members[i + 1 :]:
                if a != b:
                    shared[(min(a, b), max(a, b))].add(kind)
    counts = _alert_counts(marketplace_id, shop_ids)
    names = _shop_names(marketplace_id, shop_ids)
    watched = _watched(marketplace_id, shop_ids)
    nodes = [
        ShopNode(sid, names.get(sid, ""), depths[sid], counts.get(sid, AlertCounts()), sid in watched)
        for sid in shop_ids
    ]
    edges = [ShopEdge(a, b, tuple(sorted(kinds))) for (a, b), kinds in sorted(shared.items())]
    return ShopGraph(shop_id, nodes, edges, truncated)


def shop_alerts(*, actor: Actor, shop_id: str) -> QuerySet[Alert]:
    """The marketplace's alerts about the shop, newest first."""
    require_marketplace(actor, "screening:read")
    return Alert.objects.filter(marketplace=actor.organisation, shop_id=shop_id).order_by("-created_at", "-id")


def associated_counts(*, marketplace_id: int, shop_ids: Sequence[str]) -> dict[str, int]:
    """How many other shops of the marketplace share at least one identifier with each of ``shop_ids``, in two
    queries."""
    rows = ShopIdentifier.objects.filter(marketplace_id=marketplace_id)
    own = list(rows.filter(shop_id__in=list(shop_ids)).values_list("shop_id", "digest"))
    by_digest: dict[str, set[str]] = defaultdict(set)
    for sid, digest in rows.filter(digest__in={d for _s, d in own}).values_list("shop_id", "digest"):
        by_digest[digest].add(sid)
    associated: dict[str, set[str]] = defaultdict(set)
    for sid, digest in own:
        associated[sid] |= by_digest[digest] - {sid}
    return {sid: len(associated[sid]) for sid in shop_ids}


# Repeat infringers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatShop:
    shop_id: str
    shop_name: str
    confirmed: int
    open: int
    dismissed: int
    latest: datetime
    associated: int  # other shops sharing an identifier with it
    watched: bool


def repeat_infringers(*, actor: Actor) -> QuerySet[Alert, dict[str, Any]]:
    """The marketplace's shops with confirmed or open alerts, one row each (``shop_id``, ``confirmed``, ``open``,
    ``dismissed``, ``latest``): most confirmed alerts first, then most open ones, then the most recent alert, then by
    shop id. Render a page of it with ``repeat_infringers_rendered``."""
    require_marketplace(actor, "screening:read")
    return (
        Alert.objects.filter(marketplace=actor.organisation)
        .exclude(shop_id="")
        .values("shop_id")
        .annotate(
            confirmed=Count("id", filter=Q(status=AlertStatus.CONFIRMED)),
            open=Count("id", filter=Q(status=AlertStatus.OPEN)),
            dismissed=Count("id", filter=Q(status=AlertStatus.DISMISSED)),
            latest=Max("created_at"),
        )
        .filter(Q(confirmed__gt=0) | Q(open__gt=0))
        .order_by("-confirmed", "-open", "-latest", "shop_id")
    )


def repeat_infringers_rendered(*, actor: Actor, rows: Sequence[dict[str, Any]]) -> list[RepeatShop]:
    """A page of ``repeat_infringers`` with each shop's name, associated-shop count and whether it is watched, in
    five queries whatever the page holds."""
    require_marketplace(actor, "screening:read")
    shop_ids = [str(row["shop_id"]) for row in rows]
    associated = associated_counts(marketplace_id=actor.organisation.pk, shop_ids=shop_ids)
    watched = _watched(actor.organisation.pk, shop_ids)
    names = _shop_names(actor.organisation.pk, shop_ids)
    return [
        RepeatShop(
            shop_id=str(row["shop_id"]),
            shop_name=names.get(str(row["shop_id"]), ""),
            confirmed=row["confirmed"],
            open=row["open"],
            dismissed=row["dismissed"],
            latest=row["latest"],
            associated=associated[str(row["shop_id"])],
            watched=str(row["shop_id"]) in watched,
        )
        for row in rows
    ]
