"""What screening matches against, built from the database: the marks of participating right holders, each
marketplace's risk-keyword catalogue, the geographical indications and their producers, reference prices from
published authentication guides and authorised shops from the shared seller lists.

Building the mark automaton takes seconds for a large register, so each process keeps its screeners and asks the
database, in a few indexed queries, whether anything they were built from changed. The mark part is shared by all
marketplaces; each marketplace's own risk keywords are laid on top of it (``Screener.with_risk_terms``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cache

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.engine.screening import (
    Catalogue,
    GITerm,
    ProtectedMark,
    ReferencePrice,
    RiskTerm,
    Screener,
    Thresholds,
    default_gi_terms,
    default_risk_terms,
)
from ipbridge.engine.text import normalise
from ipbridge.identity.models import ClaimStatus, RightClaim
from ipbridge.rights.models import Right
from ipbridge.screening.models import (
    GeographicalIndication,
    GIProducer,
    KeywordOrigin,
    RiskKeyword,
    ScreeningSettings,
)
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideStatus
from ipbridge.sharing.selectors import authorised_shops, reference_prices_published


def term_key(term: str) -> str:
    """A risk keyword as compared: "Replica", "REPLICA" and "ｒｅｐｌｉｃａ" are one term."""
    return normalise(term)[:100]


def protected_marks() -> list[ProtectedMark]:
    """The word marks of the rights verified right holders proved they hold, each with those holders' ids."""
    claims = (
        RightClaim.objects.filter(
            status=ClaimStatus.APPROVED, organisation__verification_status=VerificationStatus.VERIFIED
        )
        .select_related("right")
        .order_by("right_id", "organisation_id")
    )
    holders: dict[int, set[str]] = {}
    rights: dict[int, Right] = {}
    for claim in claims:
        right = claim.right
        if not (right.verbal_element or right.title):
            continue
        rights[right.pk] = right
        holders.setdefault(right.pk, set()).add(str(claim.organisation_id))
    return [
        ProtectedMark(
            id=right.pk,
            text=right.verbal_element or right.title,
            office=right.office,
            number=right.number,
            holders=frozenset(holders[right.pk]),
            transliterations=(right.transliteration,) if right.transliteration else (),
        )
        for right in rights.values()
    ]


def gi_seed() -> None:
    """The shipped geographical indications, added to the table once (names already there are kept)."""
    if GeographicalIndication.objects.exists():
        return
    grouped: dict[str, list[str]] = {}
    for term in default_gi_terms():
        grouped.setdefault(term.gi, []).append(term.text)
    with transaction.atomic():
        for name, terms in grouped.items():
            GeographicalIndication.objects.get_or_create(name=name, defaults={"terms": terms})


def gi_terms() -> list[GITerm]:
    gi_seed()
    producers: dict[int, set[tuple[str, str]]] = {}
    for gi_id, marketplace_id, shop_id in GIProducer.objects.values_list("indication_id", "marketplace_id", "shop_id"):
        producers.setdefault(gi_id, set()).add((str(marketplace_id), shop_id))
    exceptions = _shipped_gi_exceptions()
    return [
        GITerm(
            text=text,
            gi=gi.name,
            producers=frozenset(producers.get(gi.pk, ())),
            exceptions=exceptions.get((gi.name, text), ()),
        )
        for gi in GeographicalIndication.objects.order_by("pk")
        for text in gi.terms
        if isinstance(text, str) and text.strip()
    ]


def reference_prices(*, marketplace: Organisation | None) -> list[ReferencePrice]:
    published = reference_prices_published(marketplace=marketplace)
    if not published:
        return []
    ids = {
        (office, number): pk
        for pk, office, number in Right.objects.filter(number__in={price.number for price in published}).values_list(
            "pk", "office", "number"
        )
    }
    return [
        ReferencePrice(mark_id=ids[key], product=p.product, currency=p.currency, price_minor=p.amount)
        for p in published
        if (key := (p.office, p.number)) in ids
    ]


def settings_for(marketplace: Organisation) -> ScreeningSettings:
    """The marketplace's screening settings, created with the defaults (and the shipped risk catalogue copied
    into its own) the first time it is asked for."""
    found = ScreeningSettings.objects.filter(marketplace=marketplace).first()
    if found is not None:
        return found
    with transaction.atomic():
        settings, created = ScreeningSettings.objects.get_or_create(marketplace=marketplace)
        if created:
            known = set(RiskKeyword.objects.filter(marketplace=marketplace).values_list("term_key", flat=True))
            rows: dict[str, RiskKeyword] = {}
            for term in default_risk_terms():
                key = term_key(term.text)
                if key not in known and key not in rows:
                    rows[key] = RiskKeyword(
                        marketplace=marketplace,
                        term=term.text,
                        term_key=key,
                        language=term.language,
                        weight=term.weight,
                        origin=KeywordOrigin.DEFAULT,
                    )
            RiskKeyword.objects.bulk_create(rows.values())
    return settings


@cache
def _shipped_risk_exceptions() -> dict[str, tuple[str, ...]]:
    """The innocent phrases of the shipped risk terms (高仿真 for 高仿, "fake fur" for fake), by term key."""
    return {term_key(term.text): term.exceptions for term in default_risk_terms() if term.exceptions}


@cache
def _shipped_gi_exceptions() -> dict[tuple[str, str], tuple[str, ...]]:
    """The other senses of the shipped indications' names (香槟色, champagne flutes), by indication and name."""
    return {(term.gi, term.text): term.exceptions for term in default_gi_terms() if term.exceptions}


def risk_terms(*, marketplace: Organisation) -> list[RiskTerm]:
    """The marketplace's enabled risk keywords with their tuned weights; a term of the shipped catalogue keeps the
    phrases in which it is innocent."""
    exceptions = _shipped_risk_exceptions()
    return [
        RiskTerm(text=k.term, weight=k.effective_weight, language=k.language, exceptions=exceptions.get(k.term_key, ()))
        for k in RiskKeyword.objects.filter(marketplace=marketplace, enabled=True).order_by("pk")
    ]


def thresholds_of(settings: ScreeningSettings) -> Thresholds:
    return Thresholds(alert=settings.alert_threshold, hold=settings.hold_threshold)


# The per-process cache ----------------------------------------------------------------------------------------------


@dataclass
class _Built:
    fingerprint: Hashable
    screener: Screener


_lock = threading.Lock()
_bases: dict[Hashable, _Built] = {}
_marketplaces: dict[Hashable, _Built] = {}
# When each marketplace's screener was last checked against the database, and what it was.
_checked: dict[int | None, tuple[float, Screener, Thresholds]] = {}


def _base_fingerprint(marketplace: Organisation | None) -> Hashable:
    """What the shared part was built from, summarised so that any change shows. The day is part of it: an
    authorisation starts or ends at midnight without anything being written. Withdrawing a guide changes only
    its status, hence the count of published ones."""
    claims = RightClaim.objects.aggregate(
        n=Count("pk"), last=Max("decided_at"), approved=Count("pk", filter=Q(status=ClaimStatus.APPROVED))
    )
    rights = Right.objects.filter(claims__status=ClaimStatus.APPROVED).aggregate(last=Max("updated_at"))
    holders = Organisation.objects.filter(kind=OrganisationKind.RIGHT_HOLDER).aggregate(
        verified=Count("pk", filter=Q(verification_status=VerificationStatus.VERIFIED))
    )
    sellers = AuthorisedSeller.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    guides = Guide.objects.aggregate(
        n=Count("pk"),
        published=Count("pk", filter=Q(status=GuideStatus.PUBLISHED)),
        last=Max("published_at"),
        updated=Max("updated_at"),
    )
    gis = GIProducer.objects.aggregate(n=Count("pk"), last=Max("created_at"))
    gi_names = GeographicalIndication.objects.aggregate(n=Count("pk"), last=Max("created_at"))
    return (
        timezone.localdate(),
        marketplace.pk if marketplace else None,
        marketplace.verification_status if marketplace else None,
        tuple(claims.values()),
        tuple(rights.values()),
        tuple(holders.values()),
        tuple(sellers.values()),
        tuple(guides.values()),
        tuple(gis.values()),
        tuple(gi_names.values()),
    )


def _base(marketplace: Organisation | None, *, lookalikes: bool) -> Screener:
    """The screener of marks, GIs, prices and authorised shops (reference prices depend on which guides the
    marketplace is sent), with the shipped risk keywords."""
    # Seeded before the fingerprint is taken: seeded while building, it would change the fingerprint just taken.
    gi_seed()
    fingerprint = _base_fingerprint(marketplace)
    key = (marketplace.pk if marketplace else None, lookalikes)
    built = _bases.get(key)
    if built is None or built.fingerprint != fingerprint:
        catalogue = Catalogue(
            marks=protected_marks(),
            risk_terms=default_risk_terms(),
            gi_terms=gi_terms(),
            reference_prices=reference_prices(marketplace=marketplace),
            authorised=authorised_shops(),
        )
        built = _bases[key] = _Built(fingerprint, Screener(catalogue, lookalikes=lookalikes))
    return built.screener


def screener_for(marketplace: Organisation | None) -> tuple[Screener, Thresholds]:
    """The screener and thresholds for ``marketplace``'s listings; for None, the register's marks with the shipped
    catalogue and the default thresholds (what the command line uses without ``--marketplace``).

    Asking whether anything the screener was built from changed takes a dozen queries, which a live stream pushing
    a segment a second, or a scan's every chunk, need not make each time: a process asks at most once every
    ``SCREENING_RECHECK_SECONDS`` per marketplace, so a change is seen within that time."""
    key = marketplace.pk if marketplace is not None else None
    now = time.monotonic()
    with _lock:
        kept = _checked.get(key)
        if kept is not None and now - kept[0] < django_settings.SCREENING_RECHECK_SECONDS:
            return kept[1], kept[2]
        screener, thresholds = _current(marketplace)
        _checked[key] = (now, screener, thresholds)
        return screener, thresholds


def _current(marketplace: Organisation | None) -> tuple[Screener, Thresholds]:
    """The screener and thresholds as the database now says, rebuilt only where it changed; call under the lock."""
    if marketplace is None:
        return _base(None, lookalikes=True), Thresholds()
    settings = settings_for(marketplace)
    base = _base(marketplace, lookalikes=settings.lookalikes)
    key = (marketplace.pk, settings.lookalikes)
    fingerprint = (id(base), settings.catalogue_version)
    built = _marketplaces.get(key)
    if built is None or built.fingerprint != fingerprint:
        built = _marketplaces[key] = _Built(fingerprint, base.with_risk_terms(risk_terms(marketplace=marketplace)))
    return built.screener, thresholds_of(settings)


def screeners_reset() -> None:
    """Forget every screener built in this process (tests use it between databases)."""
    with _lock:
        _bases.clear()
        _marketplaces.clear()
        _checked.clear()
