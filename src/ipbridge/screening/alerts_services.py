"""Every write of screening alerts: the marketplace's triage (confirm with an internal measure, or dismiss with a
reason), which tunes its risk-keyword catalogue, and the record of a notice a right holder sent from an alert.

Triage is the marketplace's alone and final: a decided alert is not opened again (a new scan raises a new alert
if the listing is still there). Right holders act on an alert by sending a notice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from ipbridge.core.validation import choice_field, text_field
from ipbridge.notices import selectors as notice_selectors
from ipbridge.notices.models import Measure
from ipbridge.screening import alerts_selectors as selectors
from ipbridge.screening.models import Alert, AlertOutcome, AlertStatus, DismissReason, RiskKeyword, ScreeningSettings

MAX_NOTE = 2000

# How triage tunes a risk keyword: each dismissal multiplies its weight by DISMISS_FACTOR (never under
# MIN_WEIGHT), each confirmation by CONFIRM_FACTOR (never over MAX_WEIGHT).
DISMISS_FACTOR = 0.85
CONFIRM_FACTOR = 1.05
MIN_WEIGHT = 0.05
MAX_WEIGHT = 1.0
# Dismissals that say the words were wrong. An authorised seller, a description of compatibility or another mark
# say nothing about the risk words: 高仿 in a dismissed listing of an authorised shop is no less a risk word.
KEYWORD_REASONS = frozenset({DismissReason.KEYWORD_INNOCENT, DismissReason.OTHER})


def _note(note: str) -> str:
    if "\x00" in (note or ""):
        raise ValidationFailed(
            "invalid_characters", _("The request contains a NUL character, which no field accepts."), field="note"
        )
    return text_field(note, field="note", max_length=MAX_NOTE, required=False)


def _require_triage(actor: Actor) -> None:
    actor.require("screening:write")
    if actor.organisation.kind != OrganisationKind.MARKETPLACE:
        raise PermissionDenied(
            _("Only the marketplace that screened the item triages its alert; right holders act by notice."),
            code="wrong_organisation_kind",
        )


def _refuse_decided(alert: Alert) -> None:
    if alert.status != AlertStatus.OPEN:
        raise Conflict(
            "alert_decided",
            _("This alert was already %(status)s; a decided alert is final and cannot be opened again.")
            % {"status": alert.get_status_display().lower()},
        )


def _weight(value: float) -> float:
    return round(min(MAX_WEIGHT, max(MIN_WEIGHT, value)), 4)


def keywords_tune(*, alert: Alert, confirmed: bool) -> list[dict[str, Any]]:
    """Move the tuned weight of each risk keyword of the alert's marketplace that its flags name: down by a
    dismissal, up by a confirmation; count the outcome; and have the marketplace's screeners rebuilt. Returns what
    changed, for the audit event. Call inside the triage's transaction."""
    keys = selectors.alert_keyword_keys(alert)
    if not keys:
        return []
    keywords = list(
        RiskKeyword.objects.select_for_update()
        .filter(marketplace_id=alert.marketplace_id, term_key__in=keys)
        .order_by("term_key")
    )
    now = timezone.now()
    changed = []
    for keyword in keywords:
        before = keyword.effective_weight
        if confirmed:
            keyword.tuned_weight = _weight(before * CONFIRM_FACTOR)
            keyword.confirmed += 1
        else:
            keyword.tuned_weight = _weight(before * DISMISS_FACTOR)
            keyword.dismissed += 1
        keyword.updated_at = now
        changed.append({"term": keyword.term, "before": before, "after": keyword.tuned_weight})
    RiskKeyword.objects.bulk_update(keywords, ["tuned_weight", "confirmed", "dismissed", "updated_at"])
    if keywords:
        ScreeningSettings.objects.filter(marketplace_id=alert.marketplace_id).update(
            catalogue_version=F("catalogue_version") + 1
        )
    return changed


def _decide(alert: Alert, actor: Actor, *, status: str, note: str, fields: Iterable[str]) -> None:
    alert.status = status
    alert.note = note
    alert.decided_by = actor.user
    alert.decided_by_label = actor.label
    alert.decided_at = timezone.now()
    alert.save(update_fields=["status", "note", "decided_by", "decided_by_label", "decided_at", *fields])


def alert_confirm(*, actor: Actor, alert_id: int, measure: str, note: str = "") -> Alert:
    """The marketplace confirms an alert and records the internal measure it took (必要措施: delete, block,
    disconnect links, terminate transactions or services), with an optional note.

    Tuning: each risk keyword of the marketplace that the alert's flags name gets its tuned weight raised to
    ``min(1, current × 1.05)`` and its ``confirmed`` count raised by one; the weight the marketplace set stays on
    record, and its screeners are rebuilt with the tuned weight."""
    _require_triage(actor)
    with transaction.atomic():
        alert = selectors.access_alert(actor=actor, alert_id=alert_id, for_update=True)
        measure = choice_field(measure, Measure.values, field="measure")
        note = _note(note)
        _refuse_decided(alert)
        alert.outcome = AlertOutcome.MEASURE
        alert.measure = measure
        _decide(alert, actor, status=AlertStatus.CONFIRMED, note=note, fields=["outcome", "measure"])
        tuned = keywords_tune(alert=alert, confirmed=True)
        audit_act(actor, AuditAction.ALERT_CONFIRMED, subject=alert, measure=measure, keywords=tuned)
    return alert


def alert_dismiss(*, actor: Actor, alert_id: int, reason: str, note: str = "") -> Alert:
    """The marketplace dismisses an alert as a false positive, saying why (an authorised seller, a description of
    compatibility, not the mark, a risk word used innocently, other), with an optional note.

    Tuning: each risk keyword of the marketplace that the alert's flags name gets its tuned weight lowered to
    ``max(0.05, current × 0.85)`` and its ``dismissed`` count raised by one when the reason blames the words (a
    risk word used innocently, or other); the weight the marketplace set stays on record, and its screeners are
    rebuilt with the tuned weight. An authorised seller, a description of compatibility or another mark leave the
    weights as they are."""
    _require_triage(actor)
    with transaction.atomic():
        alert = selectors.access_alert(actor=actor, alert_id=alert_id, for_update=True)
        reason = choice_field(reason, DismissReason.values, field="reason")
        note = _note(note)
        if reason == DismissReason.OTHER and not note:
            raise ValidationFailed("required", _("Say why in the note when the reason is “Other”."), field="note")
        _refuse_decided(alert)
        alert.dismiss_reason = reason
        _decide(alert, actor, status=AlertStatus.DISMISSED, note=note, fields=["dismiss_reason"])
        tuned = keywords_tune(alert=alert, confirmed=False) if reason in KEYWORD_REASONS else []
        audit_act(actor, AuditAction.ALERT_DISMISSED, subject=alert, reason=reason, keywords=tuned)
    return alert


def alert_notice_record(*, actor: Actor, alert_id: int, notice_id: int) -> Alert:
    """Record on an alert the notice its right holder (or the agent acting for it) sent about the item: the alert
    keeps the notice, and its outcome is the notice unless the marketplace already took a measure itself.

    The notice must be the actor's own, sent for a right holder the alert names (and, for an agent, under a
    mandate covering the alert), and name an item on the alert's marketplace. Recording the same notice again
    changes nothing; an alert records one notice."""
    actor.require("notices:write")
    with transaction.atomic():
        alert = selectors.access_alert(actor=actor, alert_id=alert_id, for_update=True)
        notice = notice_selectors.access_notice(actor=actor, notice_id=notice_id)
        if notice.sender_id != actor.organisation.pk:
            raise PermissionDenied(_("Only the organisation that sent the notice may record it."), code="not_sender")
        principals = {p.organisation.pk for p in selectors.alert_principals(actor=actor, alert=alert)}
        if notice.principal_id not in principals:
            raise ValidationFailed(
                "notice_not_for_alert",
                _("The notice is not sent for a right holder whose marks this alert names."),
                field="notice",
            )
        if not notice_selectors.notice_items(notice=notice).filter(marketplace_id=alert.marketplace_id).exists():
            raise ValidationFailed(
                "notice_not_for_alert",
                _("The notice names no item on %(marketplace)s, where the alert was raised.")
                % {"marketplace": alert.marketplace.name},
                field="notice",
            )
        if alert.notice_id == notice.pk:
            return alert
        if alert.notice_id is not None:
            raise Conflict("alert_has_notice", _("A notice is already recorded on this alert."))
        alert.notice = notice
        fields = ["notice"]
        if not alert.outcome:
            alert.outcome = AlertOutcome.NOTICE
            fields.append("outcome")
        alert.save(update_fields=fields)
        audit_act(actor, AuditAction.ALERT_NOTICE_SENT, subject=alert, notice=str(notice.reference))
    return alert
