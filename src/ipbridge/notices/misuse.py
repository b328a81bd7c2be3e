"""Misuse of notices (DSA art. 23; China E-commerce Law art. 42): warnings and suspensions of senders whose notices
are manifestly unfounded, and the marketplaces' and operators' flags of malicious notices (恶意投诉).

The rules, decided after each decision that rejected items as manifestly unfounded:

- the items counted are the sender's items rejected as manifestly unfounded over the last ``MISUSE_DAYS``, and
  decided after the start of its latest suspension (a suspension wipes the slate; what came after counts anew);
- at ``MISUSE_WARNING_ITEMS`` such items the sender is warned, once in the period;
- warned already, at ``MISUSE_SUSPENSION_ITEMS`` it is suspended from sending notices for
  ``MISUSE_SUSPENSION_DAYS``. A warning always comes first, and from an earlier decision: a single decision that
  crosses both counts warns, and the next manifestly unfounded rejection suspends;
- a malicious-notice flag is a warning of its own (one per flag), and counts as the warning before a suspension;
- a lifted measure counts for nothing: a lifted warning is no warning, a lifted suspension refuses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_record
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.core.validation import text_field
from ipbridge.notices.models import (
    Case,
    Decision,
    ItemStatus,
    Notice,
    NoticeFlag,
    NoticeItem,
    SenderMeasure,
    SenderMeasureKind,
)
from ipbridge.notices.selectors import access_case

SENDER_KINDS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)
SYSTEM = "system"
EVIDENCE_ROWS = 200


@dataclass(frozen=True)
class Standing:
    """Where a sender stands: "ok", "warned" or "suspended" (until ``until``), with its measures."""

    status: str
    until: datetime | None
    unfounded_items: int
    since: datetime
    measures: list[SenderMeasure]
    current: SenderMeasure | None = None  # the measure that makes the status: the suspension, or the last warning


def _period_start(sender: Organisation, now: datetime) -> datetime:
    since = now - timedelta(days=settings.MISUSE_DAYS)
    latest = (
        SenderMeasure.objects.filter(sender=sender, kind=SenderMeasureKind.SUSPENSION)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return max(since, latest) if latest is not None else since


def _unfounded_items(sender: Organisation, since: datetime) -> QuerySet[NoticeItem]:
    return (
        NoticeItem.objects.filter(
            notice__sender=sender,
            status=ItemStatus.REJECTED,
            decided_at__gt=since,
            decisions__manifestly_unfounded=True,
        )
        .distinct()
        .order_by("id")
    )


def _suspension_in_force(sender: Organisation, now: datetime) -> SenderMeasure | None:
    return (
        SenderMeasure.objects.filter(
            sender=sender,
            kind=SenderMeasureKind.SUSPENSION,
            lifted_at__isnull=True,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .order_by("-ends_at")
        .first()
    )


def _warnings(sender: Organisation, since: datetime) -> QuerySet[SenderMeasure]:
    return SenderMeasure.objects.filter(
        sender=sender, kind=SenderMeasureKind.WARNING, lifted_at__isnull=True, starts_at__gt=since
    )


def sender_standing(*, sender: Organisation, now: datetime | None = None) -> Standing:
    """The sender's status now, the items counted against it, and its measures, newest first."""
    now = now or timezone.now()
    since = _period_start(sender, now)
    current = _suspension_in_force(sender, now)
    if current is not None:
        status, until = "suspended", current.ends_at
    else:
        current = _warnings(sender, since).order_by("-starts_at", "-id").first()
        status, until = ("warned" if current is not None else "ok"), None
    return Standing(
        current=current,
        status=status,
        until=until,
        unfounded_items=_unfounded_items(sender, since).count(),
        since=since,
        measures=list(SenderMeasure.objects.filter(sender=sender).order_by("-starts_at", "-id")[:100]),
    )


def sender_suspension_check(*, sender: Organisation, now: datetime | None = None) -> None:
    """Refuse a suspended sender, naming the day its suspension ends."""
    suspension = _suspension_in_force(sender, now or timezone.now())
    if suspension is None or suspension.ends_at is None:
        return
    until = timezone.localtime(suspension.ends_at)
    error = PermissionDenied(
        _(
            "Your organisation is suspended from sending notices until %(date)s: too many of its notices were "
            "manifestly unfounded (DSA art. 23)."
        )
        % {"date": until.strftime("%Y-%m-%d %H:%M")},
        code="sender_suspended",
    )
    error.details = {"ends_at": until.isoformat(), "measure_id": suspension.pk}
    raise error


def _evidence(items: QuerySet[NoticeItem]) -> dict[str, Any]:
    rows = []
    for item in items.select_related("marketplace")[:EVIDENCE_ROWS]:
        decision = Decision.objects.filter(items=item, manifestly_unfounded=True).order_by("-decided_at", "-id").first()
        rows.append(
            {
                "case": item.case_id,
                "item": item.pk,
                "marketplace": item.marketplace.slug,
                "reason": decision.reason if decision else "",
            }
        )
    return {"items": rows}


def _measure_record(
    *,
    sender: Organisation,
    kind: str,
    reason: str,
    evidence: dict[str, Any],
    now: datetime,
    actor: Actor | None,
    also: Organisation | None,
) -> SenderMeasure:
    measure = SenderMeasure.objects.create(
        sender=sender,
        kind=kind,
        reason=reason,
        evidence=evidence,
        starts_at=now,
        ends_at=now + timedelta(days=settings.MISUSE_SUSPENSION_DAYS) if kind == SenderMeasureKind.SUSPENSION else None,
        created_by=actor.user if actor else None,
        created_by_label=actor.label if actor else SYSTEM,
    )
    action = AuditAction.SENDER_SUSPENDED if kind == SenderMeasureKind.SUSPENSION else AuditAction.SENDER_WARNED
    details = {
        "kind": kind,
        "reason": reason[:500],
        "ends_at": measure.ends_at.isoformat() if measure.ends_at else None,
    }
    for organisation in {o.pk: o for o in (sender, also) if o is not None}.values():
        audit_record(
            action=action,
            actor=actor.user if actor else None,
            actor_label=actor.label if actor else SYSTEM,
            organisation=organisation,
            subject=measure,
            details=details,
        )
    return measure


def sender_misuse_decide(
    *, sender: Organisation, marketplace: Organisation | None = None, now: datetime | None = None
) -> SenderMeasure | None:
    """Warn or suspend the sender when its manifestly unfounded items reach the counts (see the module's rules).
    Called inside the transaction of the decision that rejected them; returns the new measure, if any."""
    now = now or timezone.now()
    if _suspension_in_force(sender, now) is not None:
        return None
    since = _period_start(sender, now)
    items = _unfounded_items(sender, since)
    count = items.count()
    warned = _warnings(sender, since).exists()
    if warned and count >= settings.MISUSE_SUSPENSION_ITEMS:
        kind = SenderMeasureKind.SUSPENSION
        reason = _("%(n)d items rejected as manifestly unfounded since %(date)s, after a warning.")
    elif not warned and count >= settings.MISUSE_WARNING_ITEMS:
        kind = SenderMeasureKind.WARNING
        reason = _("%(n)d items rejected as manifestly unfounded since %(date)s.")
    else:
        return None
    return _measure_record(
        sender=sender,
        kind=kind,
        reason=reason % {"n": count, "date": since.strftime("%Y-%m-%d")},
        evidence=_evidence(items),
        now=now,
        actor=None,
        also=marketplace,
    )


@transaction.atomic
def sender_measure_lift(*, actor: Actor, measure_id: int, reason: str) -> SenderMeasure:
    """Operators: lift a warning or a suspension early, saying why."""
    actor.require("notices:write")
    actor.require_operator()
    reason = text_field(reason, field="reason", max_length=2000)
    measure = SenderMeasure.objects.select_for_update().select_related("sender").filter(pk=measure_id).first()
    if measure is None:
        raise NotFound()
    now = timezone.now()
    if measure.lifted_at is not None or (measure.ends_at is not None and measure.ends_at <= now):
        raise Conflict("not_in_force", _("This measure is no longer in force."))
    measure.lifted_at, measure.lifted_by, measure.lift_reason = now, actor.user, reason
    measure.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit_act(actor, AuditAction.SENDER_MEASURE_LIFTED, subject=measure, kind=measure.kind, reason=reason[:500])
    audit_act(
        actor,
        AuditAction.SENDER_MEASURE_LIFTED,
        subject=measure,
        organisation=measure.sender,
        kind=measure.kind,
        reason=reason[:500],
    )
    return measure


def _flagged_notice(actor: Actor, *, notice_id: int | None, case_id: int | None) -> tuple[Notice, Case | None]:
    if case_id is not None and notice_id is None:
        case = access_case(actor=actor, case_id=case_id)
        if not actor.is_operator and case.marketplace_id != actor.organisation.pk:
            raise PermissionDenied(
                _("Only the marketplace handling the case, or an operator, may flag its notice."),
                code="not_marketplace",
            )
        return case.notice, case
    if notice_id is None or case_id is not None:
        raise ValidationFailed("notice_or_case", _("Name the notice or the case, not both."), field="notice_id")
    notice = Notice.objects.select_related("sender").filter(pk=notice_id).first()
    own_case = Case.objects.filter(notice_id=notice_id, marketplace=actor.organisation).first() if notice else None
    if notice is None or not (actor.is_operator or own_case is not None):
        raise NotFound()
    return notice, own_case


@transaction.atomic
def notice_flag_malicious(
    *,
    actor: Actor,
    reason: str,
    evidence: list[str],
    notice_id: int | None = None,
    case_id: int | None = None,
) -> NoticeFlag:
    """A marketplace (for a notice of its cases) or an operator records that a notice was malicious (恶意投诉),
    with its reason and the evidence. The sender is warned by it (see the module's rules)."""
    actor.require("notices:write")
    reason = text_field(reason, field="reason", max_length=5000)
    references = [text_field(e, field="evidence", max_length=2000) for e in evidence if e.strip()][:100]
    if not references:
        raise ValidationFailed(
            "evidence_required", _("Say where the evidence of malice is, one reference at least."), field="evidence"
        )
    notice, case = _flagged_notice(actor, notice_id=notice_id, case_id=case_id)
    if NoticeFlag.objects.filter(notice=notice, flagged_by=actor.organisation).exists():
        raise Conflict("already_flagged", _("Your organisation has already flagged this notice as malicious."))
    flag = NoticeFlag.objects.create(
        notice=notice, flagged_by=actor.organisation, reason=reason, evidence=references, created_by=actor.user
    )
    sender = Organisation.objects.get(pk=notice.sender_id)
    for organisation in {o.pk: o for o in (actor.organisation, sender)}.values():
        audit_act(
            actor,
            AuditAction.NOTICE_FLAGGED_MALICIOUS,
            subject=notice,
            organisation=organisation,
            flag=flag.pk,
            case=case.pk if case else None,
            reason=reason[:500],
        )
    _measure_record(
        sender=sender,
        kind=SenderMeasureKind.WARNING,
        reason=_("Notice flagged as malicious by %(organisation)s: %(reason)s")
        % {"organisation": actor.organisation.name, "reason": reason[:1000]},
        evidence={
            "flag": flag.pk,
            "notice": notice.pk,
            "case": case.pk if case else None,
            "flagged_by": actor.organisation.slug,
            "reason": reason[:2000],
            "evidence": references,
        },
        now=timezone.now(),
        actor=actor,
        also=actor.organisation,
    )
    return flag


def case_flags(*, case: Case) -> QuerySet[NoticeFlag]:
    """The flags a case shows: those of its marketplace and of operators on its notice."""
    return (
        NoticeFlag.objects.filter(notice_id=case.notice_id)
        .filter(flagged_by__in=Organisation.objects.filter(pk=case.marketplace_id) | _operators())
        .select_related("flagged_by")
        .order_by("created_at", "id")
    )


def _operators() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.OPERATOR)


def sender_standing_for(*, actor: Actor, slug: str) -> tuple[Organisation, Standing]:
    """A sender's standing, for marketplaces, operators and the sender itself; anyone else is told "not found"."""
    actor.require("notices:read")
    sender = Organisation.objects.filter(slug=slug, kind__in=SENDER_KINDS).first()
    allowed = actor.is_operator or actor.organisation.kind == OrganisationKind.MARKETPLACE
    if sender is None or not (allowed or sender.pk == actor.organisation.pk):
        raise NotFound()
    return sender, sender_standing(sender=sender)


def measures_in_force(*, actor: Actor, now: datetime | None = None) -> list[SenderMeasure]:
    """Operators: suspensions in force and warnings of the period, newest first."""
    actor.require("notices:read")
    actor.require_operator()
    now = now or timezone.now()
    measures = SenderMeasure.objects.filter(lifted_at__isnull=True)
    in_force = measures.filter(
        kind=SenderMeasureKind.WARNING, starts_at__gt=now - timedelta(days=settings.MISUSE_DAYS)
    ) | measures.filter(kind=SenderMeasureKind.SUSPENSION, ends_at__gt=now)
    return list(in_force.select_related("sender").order_by("-starts_at", "-id")[:200])
