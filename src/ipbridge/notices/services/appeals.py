"""Appeals against decisions (DSA art. 20): the merchant whose items were restricted complains to the
marketplace within six months; the marketplace decides, saying why, and when the appeal succeeds the measures
end at once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied
from ipbridge.core.validation import choice_field, text_field
from ipbridge.notices.models import (
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    ItemStatus,
    NoticeItem,
)
from ipbridge.notices.selectors import access_case
from ipbridge.notices.services.cases import case_move

OUTCOMES = (AppealStatus.UPHELD, AppealStatus.OVERTURNED)
WITH_MEASURES = (CaseStatus.DECIDED, CaseStatus.FORWARDED, CaseStatus.COUNTER_NOTICED, CaseStatus.COMPLAINT_FILED)


def _both(actor: Actor, action: AuditAction, case: Case, **details: object) -> None:
    for organisation in (case.marketplace, case.merchant):
        audit_act(actor, action, subject=case, organisation=organisation, **details)


@transaction.atomic
def appeal_submit(*, actor: Actor, case_id: int, grounds: str, evidence: list[str] | None = None) -> Appeal:
    """The merchant appeals against the measures taken on its items, within the appeal window."""
    actor.require("notices:write")
    grounds = text_field(grounds, field="grounds", max_length=20_000)
    references = [text_field(e, field="evidence", max_length=2000) for e in (evidence or []) if e.strip()]
    case = access_case(actor=actor, case_id=case_id, for_update=True)
    if case.merchant_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the merchant the notice is about may appeal."), code="not_merchant")
    if case.status not in WITH_MEASURES or not NoticeItem.objects.filter(case=case, status=ItemStatus.ACTED).exists():
        raise Conflict("nothing_to_appeal", _("No measure of this case stands against your items."))
    if case.decided_at is not None and timezone.now() > case.decided_at + timedelta(days=settings.APPEAL_WINDOW_DAYS):
        raise Conflict("appeal_window_closed", _("The time to appeal against this decision has passed."))
    if Appeal.objects.filter(case=case, status=AppealStatus.OPEN).exists():
        raise Conflict("appeal_open", _("An appeal on this case is already waiting for the marketplace."))
    appeal = Appeal.objects.create(
        case=case, appellant=actor.organisation, grounds=grounds, evidence=references, submitted_by=actor.user
    )
    _both(actor, AuditAction.APPEAL_SUBMITTED, case, appeal=appeal.pk)
    return appeal


@transaction.atomic
def appeal_decide(*, actor: Actor, appeal_id: int, outcome: str, reason: str) -> Appeal:
    """The marketplace upholds its decision or overturns it, always saying why; overturned, the measures end
    and the case closes."""
    actor.require("notices:write")
    choice_field(outcome, OUTCOMES, field="outcome")
    reason = text_field(reason, field="reason", max_length=5000)
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("case").filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound()
    case = access_case(actor=actor, case_id=appeal.case_id, for_update=True)
    if case.marketplace_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the marketplace handling the case may do this."), code="not_marketplace")
    if appeal.status != AppealStatus.OPEN:
        raise Conflict("appeal_decided", _("This appeal is already decided."))
    appeal.status, appeal.reason = outcome, reason
    appeal.decided_by, appeal.decided_at = actor.user, timezone.now()
    appeal.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    if outcome == AppealStatus.OVERTURNED:
        restored = NoticeItem.objects.filter(case=case, status=ItemStatus.ACTED).update(status=ItemStatus.RESTORED)
        if case.status in WITH_MEASURES:
            case_move(case, CaseStatus.LIFTED, actor=actor, note=f"appeal {appeal.pk} upheld: {reason[:400]}")
            case_move(case, CaseStatus.CLOSED, actor=actor)
        _both(actor, AuditAction.APPEAL_DECIDED, case, appeal=appeal.pk, outcome=outcome, restored=restored)
    else:
        _both(actor, AuditAction.APPEAL_DECIDED, case, appeal=appeal.pk, outcome=outcome)
    return appeal
