"""Every write of a marketplace's screening settings: its thresholds, look-alike marks and sharing with right
holders, its risk-keyword catalogue (风险词库) and the shops entitled to use a geographical indication (地理标志).

Every change bumps the settings' ``catalogue_version``, so that each process builds the marketplace's screener
anew before it screens again. Admins and members of the marketplace write; reviewers read."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.core.errors import Conflict, ValidationFailed
from ipbridge.core.validation import choice_field, text_field
from ipbridge.screening.catalogue import settings_for, term_key
from ipbridge.screening.models import GIProducer, KeywordOrigin, RiskKeyword, ScreeningSettings
from ipbridge.screening.settings_selectors import (
    LANGUAGES,
    WRITERS,
    access_gi_producer,
    access_keyword,
    indication_named,
)

MAX_TERM = 100
MAX_SHOP = 200


def require_settings_writer(actor: Actor) -> None:
    actor.require("screening:write")
    actor.require_kind(*WRITERS)


def _refuse_nul(**fields: str | None) -> None:
    for field, value in fields.items():
        if value and "\x00" in value:
            raise ValidationFailed(
                "invalid_characters", _("This field contains a NUL character, which no field accepts."), field=field
            )


def _share(value: Any, *, field: str) -> float:
    """A number in (0, 1], or the refusal naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed("invalid_number", _("Give a number from 0 to 1, such as 0.5."), field=field)
    number = float(value)
    if not math.isfinite(number) or number <= 0 or number > 1:
        raise ValidationFailed("out_of_range", _("Give a number more than 0 and at most 1, such as 0.5."), field=field)
    return number


def _bump(settings: ScreeningSettings) -> None:
    """The marketplace's catalogue changed: its screener is rebuilt before the next screening."""
    ScreeningSettings.objects.filter(pk=settings.pk).update(
        catalogue_version=F("catalogue_version") + 1, updated_at=timezone.now()
    )


def _locked_settings(actor: Actor) -> ScreeningSettings:
    settings = settings_for(actor.organisation)
    return ScreeningSettings.objects.select_for_update().get(pk=settings.pk)


# Thresholds and sharing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsChanges:
    """What a write sets; None leaves a setting as it is."""

    alert_threshold: float | None = None
    hold_threshold: float | None = None
    lookalikes: bool | None = None
    share_with_right_holders: bool | None = None


def screening_settings_update(*, actor: Actor, changes: SettingsChanges) -> ScreeningSettings:
    """Set the thresholds (0 < alert ≤ hold ≤ 1: a score at or over the alert threshold raises an alert, at or over
    the hold threshold the listing is also held for review), look-alike marks and sharing with right holders."""
    require_settings_writer(actor)
    alert = _share(changes.alert_threshold, field="alert_threshold") if changes.alert_threshold is not None else None
    hold = _share(changes.hold_threshold, field="hold_threshold") if changes.hold_threshold is not None else None
    with transaction.atomic():
        settings = _locked_settings(actor)
        wanted = {
            "alert_threshold": alert if alert is not None else settings.alert_threshold,
            "hold_threshold": hold if hold is not None else settings.hold_threshold,
            "lookalikes": changes.lookalikes if changes.lookalikes is not None else settings.lookalikes,
            "share_with_right_holders": (
                changes.share_with_right_holders
                if changes.share_with_right_holders is not None
                else settings.share_with_right_holders
            ),
        }
        if wanted["hold_threshold"] < wanted["alert_threshold"]:
            field = "hold_threshold" if hold is not None else "alert_threshold"
            raise ValidationFailed(
                "hold_under_alert",
                _("The hold-for-review threshold must be at least the alert threshold (%(alert)s).")
                % {"alert": f"{wanted['alert_threshold']:g}"},
                field=field,
            )
        changed = {
            name: {"from": getattr(settings, name), "to": value}
            for name, value in wanted.items()
            if getattr(settings, name) != value
        }
        if not changed:
            return settings
        for name, value in wanted.items():
            setattr(settings, name, value)
        settings.catalogue_version += 1
        settings.updated_at = timezone.now()
        settings.save()
        audit_act(actor, AuditAction.SCREENING_SETTINGS_CHANGED, subject=settings, changes=changed)
    return settings


# Risk keywords ---------------------------------------------------------------------------------------------------


def risk_keyword_add(*, actor: Actor, term: str, language: str = "", weight: Any = 0.5) -> RiskKeyword:
    """Add a term to the marketplace's risk-keyword catalogue, in a language ("zh", "en" or none) and with a weight
    in (0, 1]: what the term adds to a listing's risk."""
    require_settings_writer(actor)
    _refuse_nul(term=term, language=language)
    term = text_field(term, field="term", max_length=MAX_TERM)
    key = term_key(term)
    if not any(character.isalnum() for character in key):
        raise ValidationFailed("no_letters", _("A term needs at least one letter, character or digit."), field="term")
    language = choice_field((language or "").strip().lower(), LANGUAGES, field="language")
    weight = _share(weight, field="weight")
    with transaction.atomic():
        settings = _locked_settings(actor)
        if RiskKeyword.objects.filter(marketplace=actor.organisation, term_key=key).exists():
            raise Conflict(
                "keyword_exists",
                _("“%(term)s” is already in your catalogue; change its weight or enable it there.") % {"term": term},
                field="term",
            )
        try:
            with transaction.atomic():
                keyword = RiskKeyword.objects.create(
                    marketplace=actor.organisation,
                    term=term,
                    term_key=key,
                    language=language,
                    weight=weight,
                    origin=KeywordOrigin.MARKETPLACE,
                )
        except IntegrityError as exc:
            raise Conflict(
                "keyword_exists", _("“%(term)s” is already in your catalogue.") % {"term": term}, field="term"
            ) from exc
        _bump(settings)
        audit_act(actor, AuditAction.RISK_KEYWORD_ADDED, subject=keyword, term=term, language=language, weight=weight)
    return keyword


def risk_keyword_update(
    *, actor: Actor, keyword_id: int, weight: Any = None, enabled: bool | None = None
) -> RiskKeyword:
    """Set a term's weight (which replaces the weight triage tuned) or enable or disable it."""
    require_settings_writer(actor)
    new_weight = _share(weight, field="weight") if weight is not None else None
    with transaction.atomic():
        settings = _locked_settings(actor)
        keyword = access_keyword(actor=actor, keyword_id=keyword_id, for_update=True)
        changed: dict[str, Any] = {}
        if new_weight is not None and (new_weight != keyword.weight or keyword.tuned_weight is not None):
            changed["weight"] = {"from": keyword.effective_weight, "to": new_weight}
            keyword.weight = new_weight
            keyword.tuned_weight = None
        if enabled is not None and enabled != keyword.enabled:
            changed["enabled"] = {"from": keyword.enabled, "to": enabled}
            keyword.enabled = enabled
        if not changed:
            return keyword
        keyword.updated_at = timezone.now()
        keyword.save()
        _bump(settings)
        audit_act(actor, AuditAction.RISK_KEYWORD_CHANGED, subject=keyword, term=keyword.term, changes=changed)
    return keyword


def risk_keyword_remove(*, actor: Actor, keyword_id: int) -> None:
    """Take a term out of the catalogue (disable it instead to keep its confirm and dismiss counts)."""
    require_settings_writer(actor)
    with transaction.atomic():
        settings = _locked_settings(actor)
        keyword = access_keyword(actor=actor, keyword_id=keyword_id, for_update=True)
        audit_act(
            actor,
            AuditAction.RISK_KEYWORD_REMOVED,
            subject=keyword,
            term=keyword.term,
            weight=keyword.effective_weight,
            confirmed=keyword.confirmed,
            dismissed=keyword.dismissed,
        )
        keyword.delete()
        _bump(settings)


# Producers of geographical indications ----------------------------------------------------------------------------


def gi_producer_add(*, actor: Actor, indication: str, shop_id: str, shop_name: str = "") -> GIProducer:
    """Name a shop of the marketplace as a producer entitled to a geographical indication: its listings using the
    indication are not flagged."""
    require_settings_writer(actor)
    _refuse_nul(indication=indication, shop_id=shop_id, shop_name=shop_name)
    found = indication_named(text_field(indication, field="indication", max_length=200))
    if found is None:
        raise ValidationFailed(
            "unknown_indication",
            _("No geographical indication has this name; choose one from the list."),
            field="indication",
        )
    shop_id = text_field(shop_id, field="shop_id", max_length=MAX_SHOP)
    shop_name = text_field(shop_name, field="shop_name", max_length=MAX_SHOP, required=False)
    with transaction.atomic():
        settings = _locked_settings(actor)
        if GIProducer.objects.filter(indication=found, marketplace=actor.organisation, shop_id=shop_id).exists():
            raise Conflict(
                "producer_exists",
                _("Shop %(shop)s is already a producer of %(gi)s.") % {"shop": shop_id, "gi": found.name},
                field="shop_id",
            )
        producer = GIProducer.objects.create(
            indication=found, marketplace=actor.organisation, shop_id=shop_id, shop_name=shop_name
        )
        _bump(settings)
        audit_act(actor, AuditAction.GI_PRODUCER_ADDED, subject=producer, indication=found.name, shop_id=shop_id)
    return producer


def gi_producer_remove(*, actor: Actor, producer_id: int) -> None:
    require_settings_writer(actor)
    with transaction.atomic():
        settings = _locked_settings(actor)
        producer = access_gi_producer(actor=actor, producer_id=producer_id, for_update=True)
        audit_act(
            actor,
            AuditAction.GI_PRODUCER_REMOVED,
            subject=producer,
            indication=producer.indication.name,
            shop_id=producer.shop_id,
        )
        producer.delete()
        _bump(settings)
