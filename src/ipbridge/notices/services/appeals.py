"""Appeals against decisions (DSA art. 20), to the marketplace, within six months of the decision: the merchant's
against the measures on its items — when it succeeds the measures end at once — and the sender's against the
rejection of items of its notice — when it succeeds the marketplace takes the measure it names, with a statement of
reasons, and the case goes on to the merchant. The marketplace decides either, always saying why."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.core.validation import choice_field, text_field
from ipbridge.notices.models import (
    Appeal,
    AppealKind,
    AppealStatus,
    Case,
    CaseEvent,
    CaseStatus,
    Decision,
    ItemStatus,
    Measure,
    NoticeItem,
)
from ipbridge.notices.selectors import access_case
from ipbridge.notices.services.cases import ItemDecision, case_move, decisions_store
from ipbridge.sharing.intelligence import intelligence_withdraw_for_case

OUTCOMES = (AppealStatus.UPHELD, AppealStatus.OVERTURNED)
WITH_MEASURES = (CaseStatus.DECIDED, CaseStatus.FORWARDED, CaseStatus.COUNTER_NOTICED, CaseStatus.COMPLAINT_FILED)


def _both(actor: Actor, action: AuditAction, case: Case, appeal: Appeal, **details: object) -> None:
    """An audit row for the marketplace and for the appellant."""
    for organisation in (case.marketplace, appeal.appellant):
        audit_act(actor, action, subject=case, organisation=organisation, appeal=appeal.pk, **details)


def _latest_rejection(case: Case) -> Decision | None:
    return (
        Decision.objects.filter(case=case, measure="", items__status=ItemStatus.REJECTED)
        .order_by("-decided_at", "-id")
        .first()
    )


def _appeal_basis(case: Case, organisation_id: int) -> tuple[str, datetime | None]:
    """What ``organisation_id`` may appeal against on the case, and when that was decided; refused otherwise."""
    if organisation_id == case.merchant_id:
        acted = NoticeItem.objects.filter(case=case, status=ItemStatus.ACTED)
        if case.status not in WITH_MEASURES or not acted.exists():
            raise Conflict("nothing_to_appeal", _("No measure of this case stands against your items."))
        kind, decided_at = AppealKind.AGAINST_MEASURES, case.decided_at
    elif organisation_id in (case.notice.sender_id, case.notice.principal_id):
        rejection = _latest_rejection(case) if case.status != CaseStatus.WITHDRAWN else None
        if rejection is None:
            raise Conflict("nothing_to_appeal", _("No item of this case was rejected."))
        kind, decided_at = AppealKind.AGAINST_REJECTION, rejection.decided_at
    else:
        raise PermissionDenied(
            _("Only the merchant the notice is about, or the notice's sender, may appeal."), code="not_a_party"
        )
    if decided_at is not None and timezone.now() > decided_at + timedelta(days=settings.APPEAL_WINDOW_DAYS):
        raise Conflict("appeal_window_closed", _("The time to appeal against this decision has passed."))
    if Appeal.objects.filter(case=case, kind=kind, status=AppealStatus.OPEN).exists():
        raise Conflict("appeal_open", _("An appeal on this case is already waiting for the marketplace."))
    return kind, decided_at


def appeal_available(*, case: Case, organisation_id: int) -> str | None:
    """The kind of appeal the organisation may lodge on the case now, or None."""
    try:
        return _appeal_basis(case, organisation_id)[0]
    except (Conflict, PermissionDenied):
        return None


@transaction.atomic
def appeal_submit(*, actor: Actor, case_id: int, grounds: str, evidence: list[str] | None = None) -> Appeal:
    """Appeal against the case's decision within the appeal window: the merchant against the measures on its
    items, the notice's sender (or the right holder it acts for) against the rejection of items."""
    actor.require("notices:write")
    grounds = text_field(grounds, field="grounds", max_length=20_000)
    references = [text_field(e, field="evidence", max_length=2000) for e in (evidence or []) if e.strip()]
    case = access_case(actor=actor, case_id=case_id, for_update=True)
    kind, _decided_at = _appeal_basis(case, actor.organisation.pk)
    appeal = Appeal.objects.create(
        case=case,
        kind=kind,
        appellant=actor.organisation,
        grounds=grounds,
        evidence=references,
        submitted_by=actor.user,
    )
    _both(actor, AuditAction.APPEAL_SUBMITTED, case, appeal, kind=kind)
    return appeal


@transaction.atomic
def appeal_decide(*, actor: Actor, appeal_id: int, outcome: str, reason: str, measure: str = "") -> Appeal:
    """The marketplace upholds its decision or overturns it, always saying why. A merchant's appeal overturned:
    the measures end and the case closes. A sender's appeal overturned: the rejected items get ``measure``."""
    actor.require("notices:write")
    choice_field(outcome, OUTCOMES, field="outcome")
    reason = text_field(reason, field="reason", max_length=5000)
    appeal = (
        Appeal.objects.select_for_update(of=("self",)).select_related("case", "appellant").filter(pk=appeal_id).first()
    )
    if appeal is None:
        raise NotFound()
    against_rejection = appeal.kind == AppealKind.AGAINST_REJECTION
    if outcome == AppealStatus.OVERTURNED and against_rejection:
        choice_field(measure, Measure.values, field="measure")
    elif measure:
        raise ValidationFailed(
            "measure_not_expected",
            _("A measure is named only when overturning the rejection of items."),
            field="measure",
        )
    case = access_case(actor=actor, case_id=appeal.case_id, for_update=True)
    if case.marketplace_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the marketplace handling the case may do this."), code="not_marketplace")
    if appeal.status != AppealStatus.OPEN:
        raise Conflict("appeal_decided", _("This appeal is already decided."))
    appeal.status, appeal.reason, appeal.measure = outcome, reason, measure
    appeal.decided_by, appeal.decided_at = actor.user, timezone.now()
    appeal.save(update_fields=["status", "reason", "measure", "decided_by", "decided_at"])
    if outcome == AppealStatus.UPHELD:
        _both(actor, AuditAction.APPEAL_DECIDED, case, appeal, outcome=outcome)
    elif against_rejection:
        taken = _rejection_overturn(actor, case, appeal, measure=measure, reason=reason)
        _both(actor, AuditAction.APPEAL_DECIDED, case, appeal, outcome=outcome, measure=measure, items=taken)
    else:
        restored = NoticeItem.objects.filter(case=case, status=ItemStatus.ACTED).update(status=ItemStatus.RESTORED)
        intelligence_withdraw_for_case(case=case, reason=f"appeal {appeal.pk} against the measures overturned")
        if case.status in WITH_MEASURES:
            case_move(case, CaseStatus.LIFTED, actor=actor, note=f"appeal {appeal.pk} upheld: {reason[:400]}")
            case_move(case, CaseStatus.CLOSED, actor=actor)
        _both(actor, AuditAction.APPEAL_DECIDED, case, appeal, outcome=outcome, restored=restored)
    return appeal


def _rejection_overturn(actor: Actor, case: Case, appeal: Appeal, *, measure: str, reason: str) -> int:
    """Take ``measure`` on the items the marketplace had rejected, as a decision of its own with its statements
    of reasons; a case that had closed on the rejection is decided again and, its merchant known, forwarded."""
    rejected = {
        item.pk: item for item in NoticeItem.objects.select_for_update().filter(case=case, status=ItemStatus.REJECTED)
    }
    if not rejected:
        return 0
    earlier = _latest_rejection(case)
    decisions_store(
        actor,
        case,
        [ItemDecision(item_id=pk, measure=measure) for pk in rejected],
        rejected,
        facts=f"Appeal {appeal.pk} by the notice's sender: {reason}"[:5000],
        legal_ground=earlier.legal_ground if earlier else "Infringement of the rights notified",
        scope=list(earlier.territorial_scope) if earlier else [],
        end_date=None,
        automated_detection=False,
        automated_decision="not",
        account_action="",
        manifestly_unfounded=False,
    )
    note = f"appeal {appeal.pk} of the sender upheld: {reason[:400]}"
    if case.status == CaseStatus.CLOSED:
        case_move(case, CaseStatus.DECIDED, actor=actor, note=note)
        if case.merchant_id is not None:
            case_move(case, CaseStatus.FORWARDED, actor=actor, note="notice forwarded to the merchant")
    else:
        CaseEvent.objects.create(
            case=case, status=case.status, actor_label=actor.label, organisation=actor.organisation, note=note
        )
    return len(rejected)
