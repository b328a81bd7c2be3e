"""Every read of notices and cases. Each takes the actor and returns only what it may see: the sender and the
right holder see their notices and all their cases; a marketplace its own cases; a merchant the cases forwarded
to it; operators everything. ``access_*`` answer "not found" alike for missing and forbidden objects."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.core.errors import NotFound, ValidationFailed
from ipbridge.notices.models import (
    Appeal,
    Case,
    CaseEvent,
    CaseStatus,
    CounterNotice,
    Notice,
    NoticeItem,
    StatementOfReasons,
)

AWAITING_DECISION = (CaseStatus.SUBMITTED, CaseStatus.DELIVERED, CaseStatus.ACKNOWLEDGED)


def _visible_cases(actor: Actor) -> QuerySet[Case]:
    cases = Case.objects.select_related("notice__sender", "notice__principal", "marketplace", "merchant")
    if actor.is_operator:
        return cases
    me = actor.organisation.pk
    return cases.filter(Q(marketplace_id=me) | Q(notice__sender_id=me) | Q(notice__principal_id=me) | Q(merchant_id=me))


def access_case(*, actor: Actor, case_id: int, for_update: bool = False) -> Case:
    actor.require("notices:read")
    cases = _visible_cases(actor)
    if for_update:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def cases_visible(
    *, actor: Actor, status: str = "", overdue: bool = False, notice_id: int | None = None
) -> QuerySet[Case]:
    """Cases the actor may see, trusted flaggers' first, then oldest first; with item counts."""
    actor.require("notices:read")
    if status and status not in CaseStatus.values:
        raise ValidationFailed("invalid_choice", f"Choose one of: {', '.join(CaseStatus.values)}.", field="status")
    cases = _visible_cases(actor)
    if status:
        cases = cases.filter(status=status)
    if overdue:
        cases = cases.filter(status__in=AWAITING_DECISION, response_due_at__lt=timezone.now())
    if notice_id is not None:
        cases = cases.filter(notice_id=notice_id)
    return cases.annotate(item_total=Count("items")).order_by("-priority", "created_at", "id")


def case_overdue(case: Case, *, now: datetime | None = None) -> bool:
    """Past its response time and still waiting for a decision."""
    return case.status in AWAITING_DECISION and case.response_due_at < (now or timezone.now())


def _visible_notices(actor: Actor) -> QuerySet[Notice]:
    notices = Notice.objects.select_related("sender", "principal", "mandate")
    if actor.is_operator:
        return notices
    me = actor.organisation.pk
    return notices.filter(Q(sender_id=me) | Q(principal_id=me))


def access_notice(*, actor: Actor, notice_id: int) -> Notice:
    actor.require("notices:read")
    notice = _visible_notices(actor).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice


def notices_visible(*, actor: Actor) -> QuerySet[Notice]:
    """Notices the organisation sent or that were sent for it; operators see all."""
    actor.require("notices:read")
    return _visible_notices(actor).prefetch_related("rights").order_by("-created_at", "-id")


def notice_evidence(notice: Notice) -> list[dict[str, str]]:
    """The evidence offered with the notice, each with its kind's label in the current language."""
    from ipbridge.notices.completeness import EvidenceKind

    shown = []
    for entry in notice.evidence:
        kind = str(entry.get("kind", ""))
        label = str(EvidenceKind(kind).label) if kind in EvidenceKind.values else kind
        shown.append(
            {
                "kind": kind,
                "label": label,
                "reference": str(entry.get("reference", "")),
                "description": str(entry.get("description", "")),
            }
        )
    return shown


def case_items(*, case: Case) -> QuerySet[NoticeItem]:
    return NoticeItem.objects.filter(case=case).order_by("id")


def notice_items(*, notice: Notice) -> QuerySet[NoticeItem]:
    return NoticeItem.objects.filter(notice=notice).select_related("marketplace").order_by("id")


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).order_by("at", "id")


def case_counter_notices(*, case: Case) -> QuerySet[CounterNotice]:
    return CounterNotice.objects.filter(case=case).select_related("merchant")


def case_appeals(*, case: Case) -> QuerySet[Appeal]:
    return Appeal.objects.filter(case=case).select_related("appellant")


def appeal_kind(*, actor: Actor, case_id: int, appeal_id: int) -> str:
    """The kind of an appeal on a case the actor may see (the measures' one when there is no such appeal: the
    service then refuses the decision as it would any unknown appeal)."""
    case = access_case(actor=actor, case_id=case_id)
    kind = Appeal.objects.filter(pk=appeal_id, case=case).values_list("kind", flat=True).first()
    return kind or "measures"


def statements_for_marketplace(
    *, actor: Actor, since: datetime | None = None, after: int | None = None
) -> QuerySet[StatementOfReasons]:
    """The marketplace's statements of reasons in the order they were made, for export to the DSA Transparency
    Database: made after ``since``, and after the statement ``after`` (the cursor of the previous batch)."""
    actor.require("notices:read")
    statements = StatementOfReasons.objects.all()
    if not actor.is_operator:
        statements = statements.filter(marketplace=actor.organisation)
    if since is not None:
        statements = statements.filter(created_at__gt=since)
    if after is not None:
        statements = statements.filter(pk__gt=after)
    return statements.order_by("id")
