"""Every read of a marketplace's screening settings, its risk-keyword catalogue and its producers of geographical
indications. Only the marketplace itself sees them; ``access_keyword`` and ``access_gi_producer`` answer "not found"
alike for a missing entry and for another marketplace's."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import NotFound
from ipbridge.core.validation import choice_field, text_field
from ipbridge.engine.text import normalise
from ipbridge.screening.catalogue import gi_seed, settings_for
from ipbridge.screening.models import GeographicalIndication, GIProducer, RiskKeyword, ScreeningSettings

WRITERS = (OrganisationKind.MARKETPLACE,)
READERS = WRITERS
LANGUAGES = ("zh", "en", "")


def _require_reader(actor: Actor) -> None:
    actor.require("screening:read")
    actor.require_kind(*READERS)


def screening_settings(*, actor: Actor) -> ScreeningSettings:
    """The marketplace's settings (made with the defaults, and the shipped catalogue copied in, the first time)."""
    _require_reader(actor)
    return settings_for(actor.organisation)


def keywords_visible(
    *, actor: Actor, language: str = "", search: str = "", enabled: bool | None = None
) -> QuerySet[RiskKeyword]:
    """The marketplace's risk keywords by language and term, optionally only those of ``language``, holding
    ``search`` or enabled (or disabled)."""
    _require_reader(actor)
    if language:
        choice_field(language, LANGUAGES, field="language")
    search = text_field(search, field="search", max_length=100, required=False)
    settings_for(actor.organisation)
    keywords = RiskKeyword.objects.filter(marketplace=actor.organisation)
    if language:
        keywords = keywords.filter(language=language)
    if search:
        keywords = keywords.filter(Q(term__icontains=search) | Q(term_key__contains=normalise(search)))
    if enabled is not None:
        keywords = keywords.filter(enabled=enabled)
    return keywords.order_by("language", "term_key", "pk")


def access_keyword(*, actor: Actor, keyword_id: int, for_update: bool = False) -> RiskKeyword:
    _require_reader(actor)
    keywords = RiskKeyword.objects.filter(marketplace=actor.organisation, pk=keyword_id)
    if for_update:
        keywords = keywords.select_for_update()
    keyword = keywords.first()
    if keyword is None:
        raise NotFound()
    return keyword


def indications() -> QuerySet[GeographicalIndication]:
    """Every geographical indication screening knows, by name."""
    gi_seed()
    return GeographicalIndication.objects.order_by("name")


def indication_named(name: str) -> GeographicalIndication | None:
    """The indication called ``name`` (or one of its names)."""
    gi_seed()
    found = GeographicalIndication.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    key = normalise(name)
    for indication in GeographicalIndication.objects.order_by("pk"):
        if any(isinstance(term, str) and normalise(term) == key for term in indication.terms):
            return indication
    return None


def gi_producers_visible(*, actor: Actor) -> QuerySet[GIProducer]:
    """The marketplace's shops entitled to geographical indications, by indication and shop."""
    _require_reader(actor)
    return (
        GIProducer.objects.filter(marketplace=actor.organisation)
        .select_related("indication")
        .order_by("indication__name", "shop_id", "pk")
    )


def access_gi_producer(*, actor: Actor, producer_id: int, for_update: bool = False) -> GIProducer:
    _require_reader(actor)
    producers = GIProducer.objects.filter(marketplace=actor.organisation, pk=producer_id).select_related("indication")
    if for_update:
        producers = producers.select_for_update(of=("self",))
    producer = producers.first()
    if producer is None:
        raise NotFound()
    return producer
