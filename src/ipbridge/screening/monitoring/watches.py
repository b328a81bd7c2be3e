"""Watchlists of focused monitoring (重点监测, Shenzhen guideline 3.1.3.2): a marketplace watches a reported
product, products of the same type, or a shop, and every scanned listing or stream segment that matches one of
its active watches raises an alert whatever its score.

What matches:

- a **product** watch: every keyword appears in the title (and, when the watch names a category, the item is of
  that category);
- a **same-type** watch: the item is of the watch's category and every keyword appears in the title;
- a **shop** watch: the item's shop id is the watch's.

Keywords and titles are compared normalised (``engine.text.normalise``: width, case, accents, homoglyphs,
traditional Chinese folded), a keyword anywhere in the title, inside a longer word too: Chinese titles have no
spaces between words. Categories are compared normalised and whole.

Scans and streams build one ``WatchMatcher`` per batch (one query), ask it about each item, and record the hits
counted once the batch is stored."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import Organisation
from ipbridge.core.errors import Conflict, NotFound, ValidationFailed
from ipbridge.core.validation import choice_field, text_field
from ipbridge.engine.screening import MARK, SHOP_NAME
from ipbridge.engine.text import normalise
from ipbridge.screening.models import Alert, Watch, WatchKind
from ipbridge.screening.monitoring._access import refuse_nul, require_marketplace

MAX_KEYWORDS = 20
MAX_KEYWORD = 100
MAX_LABEL = 200
MAX_CATEGORY = 200
MAX_SHOP_ID = 200
MAX_REASON = 2000

_KEYWORD_SEPARATORS = re.compile(r"[,，、;；\n]+")


def keywords_split(text: str) -> list[str]:
    """Keywords written on one line, separated by commas (either width), semicolons or new lines."""
    return [part.strip() for part in _KEYWORD_SEPARATORS.split(text) if part.strip()]


def category_key(category: str) -> str:
    return normalise(category)[:MAX_CATEGORY]


def _keywords(values: Sequence[str]) -> list[str]:
    """The keywords stripped, blank ones dropped and those that normalise alike kept once, in their order."""
    kept: dict[str, str] = {}
    for position, value in enumerate(values):
        keyword = (value or "").strip()
        if not keyword:
            continue
        if len(keyword) > MAX_KEYWORD:
            raise ValidationFailed(
                "too_long", _("At most %(n)d characters.") % {"n": MAX_KEYWORD}, field=f"keywords[{position}]"
            )
        kept.setdefault(normalise(keyword), keyword)
    if len(kept) > MAX_KEYWORDS:
        raise ValidationFailed("too_many", _("At most %(n)d keywords.") % {"n": MAX_KEYWORDS}, field="keywords")
    return list(kept.values())


@dataclass(frozen=True)
class WatchFields:
    """A watch as asked for, checked: what ``Watch`` stores of it."""

    kind: str
    label: str
    keywords: list[str]
    category: str
    shop_id: str
    reason: str


def _not_for_kind(field: str, kind: str) -> ValidationFailed:
    return ValidationFailed(
        "not_for_kind",
        _("A watch of kind “%(kind)s” takes no %(field)s.") % {"kind": kind, "field": field},
        field=field,
    )


def watch_fields(
    *,
    kind: str,
    label: str = "",
    keywords: Sequence[str] = (),
    category: str = "",
    shop_id: str = "",
    reason: str = "",
) -> WatchFields:
    """The checked fields of a watch, or the refusal naming the field at fault and why."""
    refuse_nul(
        [("kind", kind), ("label", label), ("category", category), ("shop_id", shop_id), ("reason", reason)]
        + [(f"keywords[{i}]", k) for i, k in enumerate(keywords)]
    )
    kind = choice_field(kind, WatchKind.values, field="kind")
    label = text_field(label, field="label", max_length=MAX_LABEL, required=False)
    category = text_field(category, field="category", max_length=MAX_CATEGORY, required=False)
    shop_id = text_field(shop_id, field="shop_id", max_length=MAX_SHOP_ID, required=False)
    reason = text_field(reason, field="reason", max_length=MAX_REASON, required=False)
    words = _keywords(keywords)
    if kind == WatchKind.SHOP:
        if not shop_id:
            raise ValidationFailed("required", _("Give the id of the shop to watch."), field="shop_id")
        if words:
            raise _not_for_kind("keywords", kind)
        if category:
            raise _not_for_kind("category", kind)
        default_label = shop_id
    else:
        if shop_id:
            raise _not_for_kind("shop_id", kind)
        if not words:
            raise ValidationFailed(
                "required", _("Give at least one keyword that a listing's title must hold."), field="keywords"
            )
        if kind == WatchKind.SAME_TYPE and not category:
            raise ValidationFailed(
                "required", _("Products of the same type are those of one category: give it."), field="category"
            )
        default_label = f"{category}: {' '.join(words)}" if category else " ".join(words)
    return WatchFields(kind, label or default_label[:MAX_LABEL], words, category, shop_id, reason)


def _same(watch: Watch, fields: WatchFields) -> bool:
    return (
        watch.kind == fields.kind
        and watch.shop_id == fields.shop_id
        and category_key(watch.category) == category_key(fields.category)
        and sorted(normalise(k) for k in watch.keywords) == sorted(normalise(k) for k in fields.keywords)
    )


def _create(actor: Actor, fields: WatchFields, *, source_alert: Alert | None = None) -> Watch:
    for watch in Watch.objects.select_for_update().filter(
        marketplace=actor.organisation, kind=fields.kind, active=True
    ):
        if _same(watch, fields):
            raise Conflict(
                "already_watched",
                _("This is already watched: “%(label)s”.") % {"label": watch.label},
                details={"watch": watch.pk},
            )
    watch = Watch.objects.create(
        marketplace=actor.organisation,
        kind=fields.kind,
        label=fields.label,
        keywords=fields.keywords,
        category=fields.category,
        shop_id=fields.shop_id,
        reason=fields.reason,
        source_alert=source_alert,
        created_by_label=actor.label,
    )
    audit_act(
        actor,
        AuditAction.WATCH_ADDED,
        subject=watch,
        kind=watch.kind,
        label=watch.label,
        alert=source_alert.pk if source_alert is not None else None,
    )
    return watch


@transaction.atomic
def watch_add(
    *,
    actor: Actor,
    kind: str,
    label: str = "",
    keywords: Sequence[str] = (),
    category: str = "",
    shop_id: str = "",
    reason: str = "",
) -> Watch:
    """Watch a product, products of a type or a shop, by hand. An active watch of the same things is refused
    (409 ``already_watched``)."""
    require_marketplace(actor, "screening:write")
    fields = watch_fields(kind=kind, label=label, keywords=keywords, category=category, shop_id=shop_id, reason=reason)
    return _create(actor, fields)


def _alert_words(alert: Alert, *, marks_only: bool) -> list[str]:
    """What made the alert: its brand, then the words its flags matched (only the marks' when ``marks_only``)."""
    words = [alert.brand] if alert.brand else []
    for flag in alert.flags or []:
        if not isinstance(flag, dict) or (marks_only and flag.get("detector") not in (MARK, SHOP_NAME)):
            continue
        if flag.get("field", "title") in ("title", "text") and flag.get("matched_text"):
            words.append(str(flag["matched_text"])[:MAX_KEYWORD])
    return words


@transaction.atomic
def watch_from_alert(
    *,
    actor: Actor,
    alert_id: int,
    kind: str,
    keywords: Sequence[str] | None = None,
    category: str | None = None,
    reason: str = "",
) -> Watch:
    """ "Watch this shop", "Watch this product" or "Watch products of this type" on one of the marketplace's
    alerts. Unless given: a shop watch takes the alert's shop; a product watch the alert's brand and the words its
    flags matched in the title, and its category; a same-type watch the alert's category and brand (or the marks
    its flags matched)."""
    require_marketplace(actor, "screening:write")
    alert = Alert.objects.filter(pk=alert_id, marketplace=actor.organisation).first()
    if alert is None:
        raise NotFound()
    kind = choice_field(kind, WatchKind.values, field="kind")
    if kind == WatchKind.SHOP:
        if not alert.shop_id:
            raise ValidationFailed("no_shop", _("This alert names no shop to watch."), field="shop_id")
        fields = watch_fields(kind=kind, label=alert.shop_name or alert.shop_id, shop_id=alert.shop_id, reason=reason)
    else:
        words = list(keywords) if keywords is not None else _alert_words(alert, marks_only=kind == WatchKind.SAME_TYPE)
        if not _keywords(words):
            raise ValidationFailed(
                "required",
                _("The alert names no brand or matched words to watch for: give the keywords."),
                field="keywords",
            )
        fields = watch_fields(
            kind=kind,
            label=alert.title[:MAX_LABEL] if kind == WatchKind.PRODUCT else "",
            keywords=words,
            category=category if category is not None else alert.category,
            reason=reason,
        )
    return _create(actor, fields, source_alert=alert)


@transaction.atomic
def watch_end(*, actor: Actor, watch_id: int) -> Watch:
    """Stop watching; the watch stays on record, with its hits. Ending an ended watch is refused (409)."""
    require_marketplace(actor, "screening:write")
    watch = Watch.objects.select_for_update().filter(pk=watch_id, marketplace=actor.organisation).first()
    if watch is None:
        raise NotFound()
    if not watch.active:
        raise Conflict("already_ended", _("This watch has already ended."))
    watch.active = False
    watch.save(update_fields=["active"])
    audit_act(actor, AuditAction.WATCH_ENDED, subject=watch, kind=watch.kind, label=watch.label, hits=watch.hits)
    return watch


# Reads -------------------------------------------------------------------------------------------------------------


def watches_for_marketplace(*, actor: Actor, active: bool | None = True) -> QuerySet[Watch]:
    """The marketplace's watches, newest first: the active ones, the ended ones (``active=False``) or all."""
    require_marketplace(actor, "screening:read")
    watches = Watch.objects.filter(marketplace=actor.organisation)
    return watches if active is None else watches.filter(active=active)


def access_watch(*, actor: Actor, watch_id: int) -> Watch:
    require_marketplace(actor, "screening:read")
    watch = Watch.objects.filter(pk=watch_id, marketplace=actor.organisation).first()
    if watch is None:
        raise NotFound()
    return watch


def shop_watch(*, actor: Actor, shop_id: str) -> Watch | None:
    """The marketplace's active watch of the shop, if any."""
    require_marketplace(actor, "screening:read")
    return Watch.objects.filter(
        marketplace=actor.organisation, kind=WatchKind.SHOP, shop_id=shop_id, active=True
    ).first()


# Matching ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    position: int  # of the watch in the matcher's list, so that hits come in one order
    watch: Watch
    keywords: frozenset[int]
    category: str


class WatchMatcher:
    """A marketplace's active watches, ready to be asked about item after item.

    Build one per batch (``watch_matcher``): the watches are read and their keywords normalised once, each keyword
    shared by several watches looked for once, so an item costs one normalisation of its title, one substring search
    per distinct keyword and a dictionary look-up of its shop. ``matches`` counts the hits; ``hits_record`` adds
    them to the watches."""

    def __init__(self, watches: Iterable[Watch]) -> None:
        self.watches = list(watches)
        self._by_shop: dict[str, list[tuple[int, Watch]]] = {}
        self._rules: list[_Rule] = []
        self._by_keyword: dict[int, list[int]] = {}
        self._counts: Counter[int] = Counter()
        keyword_ids: dict[str, int] = {}
        for position, watch in enumerate(self.watches):
            if watch.kind == WatchKind.SHOP:
                self._by_shop.setdefault(watch.shop_id.strip(), []).append((position, watch))
                continue
            ids = set()
            for keyword in watch.keywords:
                key = normalise(str(keyword))
                if key:
                    ids.add(keyword_ids.setdefault(key, len(keyword_ids)))
            if not ids:
                continue
            for keyword_id in ids:
                self._by_keyword.setdefault(keyword_id, []).append(len(self._rules))
            self._rules.append(_Rule(position, watch, frozenset(ids), category_key(watch.category)))
        self._keywords = list(keyword_ids.items())

    def matches(self, title: str, category: str = "", shop_id: str = "") -> list[Watch]:
        """The watches the item matches, in the order they were given (newest first from ``watch_matcher``)."""
        hits = list(self._by_shop.get(shop_id.strip(), ())) if shop_id else []
        if self._rules and title:
            text = normalise(title)
            found = {keyword_id for keyword, keyword_id in self._keywords if keyword in text}
            candidates = {rule for keyword_id in found for rule in self._by_keyword[keyword_id]}
            item_category = category_key(category) if candidates else ""
            for index in candidates:
                rule = self._rules[index]
                if rule.keywords <= found and (not rule.category or rule.category == item_category):
                    hits.append((rule.position, rule.watch))
        hits.sort(key=lambda hit: hit[0])
        for _position, watch in hits:
            self._counts[watch.pk] += 1
        return [watch for _position, watch in hits]

    def hits_counted(self) -> dict[int, int]:
        """Hits per watch id since the matcher was built (or last recorded)."""
        return dict(self._counts)

    def hits_record(self) -> int:
        """Add the hits counted to the watches (one update per distinct count) and start counting again; returns
        how many hits were added. Call inside the transaction that stores the batch."""
        by_count: dict[int, list[int]] = {}
        for watch_id, count in self._counts.items():
            by_count.setdefault(count, []).append(watch_id)
        for count, watch_ids in by_count.items():
            Watch.objects.filter(pk__in=watch_ids).update(hits=F("hits") + count)
        added = sum(self._counts.values())
        self._counts.clear()
        return added


def watch_matcher(*, marketplace: Organisation | int) -> WatchMatcher:
    """The matcher of the marketplace's active watches, in one query: build one per scan batch or stream."""
    marketplace_id = marketplace if isinstance(marketplace, int) else marketplace.pk
    return WatchMatcher(Watch.objects.filter(marketplace_id=marketplace_id, active=True).order_by("-created_at", "-id"))


def watch_hits(*, marketplace: Organisation | int, title: str, category: str, shop_id: str) -> list[Watch]:
    """The marketplace's active watches one item matches. Loads the watches on every call: for a batch, build a
    ``watch_matcher`` once and ask it instead. Counts nothing."""
    return watch_matcher(marketplace=marketplace).matches(title, category, shop_id)
