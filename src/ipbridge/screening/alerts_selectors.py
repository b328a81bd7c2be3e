"""Every read of screening alerts. ``access_alert`` is the only way to one alert: it answers "not found" alike for a
missing and a forbidden one.

Who sees an alert:

- its marketplace (the marketplace's queue);
- each right holder whose marks it names (``Alert.holders``), when the marketplace shares its alerts with right
  holders (``ScreeningSettings.share_with_right_holders``, on by default);
- an agent holding a mandate in force to send notices for such a right holder that covers a right the alert
  names and the alert's marketplace, on the same condition of sharing;
- operators, every alert.

Merchants, mediators, authorities and other marketplaces never."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import NotFound, ValidationFailed
from ipbridge.core.validation import choice_field, text_field
from ipbridge.engine.screening import DETECTORS, RISK_KEYWORD
from ipbridge.identity.models import Mandate, MandateAction
from ipbridge.identity.selectors import mandates_in_force
from ipbridge.screening.catalogue import term_key
from ipbridge.screening.models import Alert, AlertLevel, AlertStatus, RiskKeyword

READERS = (
    OrganisationKind.MARKETPLACE,
    OrganisationKind.RIGHT_HOLDER,
    OrganisationKind.AGENT,
    OrganisationKind.OPERATOR,
)
MAX_BRAND = 200


def _shared() -> Q:
    """Alerts of marketplaces that share them with right holders (the default, before settings are saved)."""
    return Q(marketplace__screening_settings__share_with_right_holders=True) | Q(
        marketplace__screening_settings__isnull=True
    )


def _names_holder(organisation_id: int) -> Exists:
    return Exists(Alert.holders.through.objects.filter(alert_id=OuterRef("pk"), organisation_id=organisation_id))


def _names_right(right_ids: list[int]) -> Exists:
    return Exists(Alert.rights.through.objects.filter(alert_id=OuterRef("pk"), right_id__in=right_ids))


def _notify_mandates(agent: Organisation) -> list[Mandate]:
    return [m for m in mandates_in_force(organisation=agent) if MandateAction.NOTIFY in m.actions]


def _covered_by(mandate: Mandate) -> Q:
    """The alerts a mandate lets its agent act on: naming its principal and one of its rights, on one of its
    marketplaces."""
    covered = Q(_names_holder(mandate.principal_id)) & Q(_names_right([r.pk for r in mandate.rights.all()]))
    if not mandate.all_marketplaces:
        covered &= Q(marketplace_id__in=[m.pk for m in mandate.marketplaces.all()])
    return covered


def _alerts_seen(actor: Actor) -> Q:
    organisation = actor.organisation
    if actor.is_operator:
        return Q()
    if organisation.kind == OrganisationKind.MARKETPLACE:
        return Q(marketplace_id=organisation.pk)
    if organisation.kind == OrganisationKind.RIGHT_HOLDER:
        return Q(_names_holder(organisation.pk)) & _shared()
    if organisation.kind == OrganisationKind.AGENT:
        covered = Q(pk__in=[])
        for mandate in _notify_mandates(organisation):
            covered |= _covered_by(mandate)
        return covered & _shared()
    return Q(pk__in=[])


def _alerts() -> QuerySet[Alert]:
    return Alert.objects.select_related("marketplace", "scanned_item__scan", "segment__session", "notice")


def access_alert(*, actor: Actor, alert_id: int, for_update: bool = False) -> Alert:
    actor.require("screening:read")
    alerts = _alerts()
    if for_update:
        alerts = Alert.objects.select_related("marketplace").select_for_update(of=("self",))
    alert = alerts.filter(_alerts_seen(actor), pk=alert_id).first()
    if alert is None:
        raise NotFound()
    return alert


@dataclass(frozen=True)
class AlertFilters:
    """A queue's filters, each checked: empty strings and None filter nothing."""

    status: str = ""
    level: str = ""
    detector: str = ""
    brand: str = ""
    min_score: float | None = None


def alert_filters(
    *, status: str = "", level: str = "", detector: str = "", brand: str = "", min_score: float | None = None
) -> AlertFilters:
    """The filters as given, or the refusal naming the one at fault."""
    choice_field(status, ["", *AlertStatus.values], field="status")
    choice_field(level, ["", *AlertLevel.values], field="level")
    choice_field(detector, ["", *DETECTORS], field="detector")
    brand = text_field(brand, field="brand", max_length=MAX_BRAND, required=False)
    if min_score is not None and not 0 <= min_score <= 1:
        raise ValidationFailed("out_of_range", _("Give a score from 0 to 1."), field="min_score")
    return AlertFilters(status, level, detector, brand, min_score)


def _flag_of_detector(detector: str) -> Q:
    """Alerts with a flag of ``detector``, found by the database in the flags' JSON array."""
    if connection.vendor == "postgresql":
        return Q(flags__contains=[{"detector": detector}])
    # SQLite has no JSON containment; its JSON functions walk the array instead. The table name is ours and the
    # detector a parameter.
    table = connection.ops.quote_name(Alert._meta.db_table)
    sql = f"EXISTS (SELECT 1 FROM json_each({table}.flags) WHERE json_extract(json_each.value, '$.detector') = %s)"  # noqa: S608
    return Q(RawSQL(sql, (detector,), output_field=BooleanField()))  # noqa: S611


def _filtered(alerts: QuerySet[Alert], filters: AlertFilters, *, status: bool = True) -> QuerySet[Alert]:
    if status and filters.status:
        alerts = alerts.filter(status=filters.status)
    if filters.level:
        alerts = alerts.filter(level=filters.level)
    if filters.detector:
        alerts = alerts.filter(_flag_of_detector(filters.detector))
    if filters.brand:
        alerts = alerts.filter(brand__iexact=filters.brand)
    if filters.min_score is not None:
        alerts = alerts.filter(risk_score__gte=filters.min_score)
    return alerts


def alerts_visible(*, actor: Actor, filters: AlertFilters | None = None) -> QuerySet[Alert]:
    """The actor's queue, newest first: a marketplace's own alerts, those shared with a right holder or with the
    agent acting for it, every alert for operators."""
    actor.require("screening:read")
    alerts = _alerts().filter(_alerts_seen(actor))
    return _filtered(alerts, filters or AlertFilters()).order_by("-created_at", "-id")


def alert_counts(*, actor: Actor, filters: AlertFilters | None = None) -> dict[str, int]:
    """How many alerts of the actor's queue are in each status, the other filters applied."""
    actor.require("screening:read")
    alerts = _filtered(Alert.objects.filter(_alerts_seen(actor)), filters or AlertFilters(), status=False)
    counted = dict(alerts.order_by().values_list("status").annotate(n=Count("pk")))
    return {status: counted.get(status, 0) for status in AlertStatus.values}


def alert_brands(*, actor: Actor) -> list[str]:
    """The brands the actor's queue names, for the filter's choices."""
    actor.require("screening:read")
    brands = Alert.objects.filter(_alerts_seen(actor)).exclude(brand="").order_by("brand")
    return list(brands.values_list("brand", flat=True).distinct()[:200])


def alert_triaged_by_viewer(*, actor: Actor, alert: Alert) -> bool:
    """Whether the actor's organisation is the marketplace that triages the alert."""
    return actor.organisation.pk == alert.marketplace_id


def alert_shows_internals(*, actor: Actor, alert: Alert) -> bool:
    """Who reads the marketplace's own note, the person who decided and its keyword weights: the marketplace and
    operators. Right holders and agents see the decision, not how it was reached."""
    return actor.is_operator or alert_triaged_by_viewer(actor=actor, alert=alert)


@dataclass(frozen=True)
class Principal:
    """A right holder the actor may send a notice for from an alert, with the rights of the alert it may name."""

    organisation: Organisation
    rights: list[dict[str, Any]]
    on_behalf: bool


def _flag_rights(alert: Alert, holder_id: int) -> list[dict[str, Any]]:
    """The rights the alert's flags name that ``holder_id`` holds, once each, in the flags' order."""
    rights: dict[int, dict[str, Any]] = {}
    for flag in alert.flags:
        right = flag.get("right") if isinstance(flag, dict) else None
        if right and str(holder_id) in [str(h) for h in right.get("holders", [])]:
            rights.setdefault(int(right["id"]), right)
    return list(rights.values())


def alert_principals(*, actor: Actor, alert: Alert) -> list[Principal]:
    """The right holders the actor may send a notice for about this alert: its own organisation when the alert
    names its marks, or (for an agent) each principal whose mandate to send notices covers a right the alert
    names and the alert's marketplace."""
    organisation = actor.organisation
    holder_ids = set(alert.holders.values_list("pk", flat=True))
    if organisation.kind == OrganisationKind.RIGHT_HOLDER:
        rights = _flag_rights(alert, organisation.pk) if organisation.pk in holder_ids else []
        return [Principal(organisation, rights, on_behalf=False)] if rights else []
    if organisation.kind != OrganisationKind.AGENT:
        return []
    principals: dict[int, Principal] = {}
    for mandate in _notify_mandates(organisation):
        if mandate.principal_id not in holder_ids:
            continue
        if not mandate.all_marketplaces and alert.marketplace_id not in {m.pk for m in mandate.marketplaces.all()}:
            continue
        covered = {r.pk for r in mandate.rights.all()}
        rights = [r for r in _flag_rights(alert, mandate.principal_id) if int(r["id"]) in covered]
        if not rights:
            continue
        known = principals.get(mandate.principal_id)
        if known is not None:
            ids = {int(r["id"]) for r in known.rights}
            rights = known.rights + [r for r in rights if int(r["id"]) not in ids]
        principals[mandate.principal_id] = Principal(mandate.principal, rights, on_behalf=True)
    return sorted(principals.values(), key=lambda p: p.organisation.name)


def alert_keywords(*, alert: Alert) -> list[RiskKeyword]:
    """The marketplace's risk keywords the alert's flags name, as they now stand (weight set, tuned weight)."""
    keys = alert_keyword_keys(alert)
    if not keys:
        return []
    return list(RiskKeyword.objects.filter(marketplace_id=alert.marketplace_id, term_key__in=keys).order_by("term_key"))


def alert_keyword_keys(alert: Alert) -> list[str]:
    """The risk keywords an alert's flags name, as compared."""
    keys = []
    for flag in alert.flags:
        if isinstance(flag, dict) and flag.get("detector") == RISK_KEYWORD and flag.get("term"):
            key = term_key(str(flag["term"]))
            if key and key not in keys:
                keys.append(key)
    return keys
