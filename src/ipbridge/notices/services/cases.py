"""A case through the statutory workflow (China E-commerce Law art. 42–45): delivered, acknowledged, decided item
by item with a statement of reasons (DSA art. 17), forwarded to the merchant, answered by a counter-notice, and —
unless the right holder shows a complaint or lawsuit within the window — its measures lifted.

Every move goes through ``case_move``: the table of ``transitions`` allows it or not, the time is stamped, the
timeline and both organisations' audit logs get a row. A case is locked while it moves, so two decisions on one
case are applied one after the other, never both on the same state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_row, audit_rows_write, audit_system
from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind
from ipbridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from ipbridge.core.validation import choice_field, text_field
from ipbridge.engine import statements
from ipbridge.notices.accuracy import trusted_flagger_forget
from ipbridge.notices.intake import cases_email_queue
from ipbridge.notices.misuse import sender_misuse_decide
from ipbridge.notices.models import (
    Case,
    CaseEvent,
    CaseStatus,
    CounterNotice,
    Decision,
    ItemStatus,
    Measure,
    NoticeItem,
    StatementOfReasons,
    WebhookEndpoint,
)
from ipbridge.notices.selectors import access_case
from ipbridge.notices.transitions import STAMPS, may_move
from ipbridge.notices.webhooks import webhook_event_queue

AUTOMATED_DECISIONS = ("fully", "partially", "not")
ACCOUNT_ACTIONS = ("", "suspended", "terminated")


def _refuse_unless_allowed(case: Case, status: str) -> None:
    if not may_move(case.status, status):
        raise Conflict(
            "invalid_transition",
            _("A case that is “%(current)s” cannot become “%(target)s”.")
            % {"current": CaseStatus(case.status).label, "target": CaseStatus(status).label},
        )


def _stamped(case: Case, status: str, now: datetime) -> list[str]:
    """Set the case's new status and the time field it stamps; the fields changed."""
    case.status = status
    fields = ["status"]
    stamp = STAMPS.get(status)
    if stamp:
        setattr(case, stamp, now)
        fields.append(stamp)
    return fields


def _timeline_row(case: Case, status: str, *, actor: Actor | None, note: str, now: datetime) -> CaseEvent:
    return CaseEvent(
        case=case,
        status=status,
        actor_label=actor.label if actor is not None else "system",
        organisation=actor.organisation if actor else None,
        at=now,
        note=note,
    )


def _transition_audit_rows(
    case: Case, previous: str, status: str, *, actor: Actor | None, note: str
) -> list[AuditEvent]:
    """One row in the marketplace's log and one in the sender's (one only when they are the same)."""
    notice = case.notice
    return [
        audit_row(
            action=AuditAction.CASE_TRANSITION,
            actor=actor.user if actor else None,
            actor_label=actor.label if actor is not None else "system",
            organisation=organisation,
            subject=case,
            details={"from": previous, "to": status, "note": note[:500]},
        )
        for organisation in {case.marketplace_id: case.marketplace, notice.sender_id: notice.sender}.values()
    ]


def _lane_forget(cases: Sequence[Case], status: str) -> None:
    """Every move but delivery may follow a decision, which changes the sender's accuracy and so its lane."""
    if status != CaseStatus.DELIVERED:
        for sender_id in {case.notice.sender_id for case in cases}:
            trusted_flagger_forget(sender_id=sender_id)


def _delivered_email(cases: Sequence[Case], status: str) -> None:
    """A delivered case also goes to its marketplace's intake e-mail address, when it has one."""
    if status == CaseStatus.DELIVERED:
        cases_email_queue(cases)


def case_move(case: Case, status: str, *, actor: Actor | None, note: str = "", at: datetime | None = None) -> Case:
    """Move a (locked) case on, or refuse when the workflow does not allow it from where the case stands."""
    _refuse_unless_allowed(case, status)
    now = at or timezone.now()
    previous = case.status
    case.save(update_fields=_stamped(case, status, now))
    _timeline_row(case, status, actor=actor, note=note, now=now).save(force_insert=True)
    webhook_event_queue(case=case, event=f"case.{status}")
    audit_rows_write(_transition_audit_rows(case, previous, status, actor=actor, note=note))
    _lane_forget([case], status)
    _delivered_email([case], status)
    return case


def cases_move(
    cases: Sequence[Case],
    status: str,
    *,
    actor: Actor | None,
    note: str = "",
    at: datetime | None = None,
    audit_before: Sequence[AuditEvent] = (),
) -> list[Case]:
    """``case_move`` for several (locked, or new in this transaction) cases at once, with the same timeline, webhook
    deliveries and audit rows, in a few statements: one update, one insert of timeline rows, one of audit rows,
    one look for webhook endpoints. Refuses them all when the workflow does not allow one of them.
    ``audit_before`` are rows of the change that moves the cases, written first in the same insert."""
    for case in cases:
        _refuse_unless_allowed(case, status)
    if not cases:
        audit_rows_write(audit_before)
        return []
    now = at or timezone.now()
    previous = [case.status for case in cases]
    # The same status and time for every case: one update for all.
    changes = {field: getattr(case, field) for case in cases for field in _stamped(case, status, now)}
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(**changes)
    CaseEvent.objects.bulk_create([_timeline_row(case, status, actor=actor, note=note, now=now) for case in cases])
    # Most organisations have no endpoint: one look for all of them spares a look per case.
    listening = set(
        WebhookEndpoint.objects.filter(
            active=True, organisation_id__in={c.marketplace_id for c in cases} | {c.notice.sender_id for c in cases}
        ).values_list("organisation_id", flat=True)
    )
    for case in cases:
        if {case.marketplace_id, case.notice.sender_id} & listening:
            webhook_event_queue(case=case, event=f"case.{status}")
    audit_rows_write(
        [
            *audit_before,
            *(
                row
                for case, before in zip(cases, previous, strict=True)
                for row in _transition_audit_rows(case, before, status, actor=actor, note=note)
            ),
        ]
    )
    _lane_forget(cases, status)
    _delivered_email(cases, status)
    return list(cases)


def _own_case(actor: Actor, case_id: int, *, side: str) -> Case:
    """The case, locked, if the actor is on ``side`` of it ("marketplace", "sender" or "merchant")."""
    case = access_case(actor=actor, case_id=case_id, for_update=True)
    owner = {
        "marketplace": case.marketplace_id,
        "sender": case.notice.sender_id,
        "merchant": case.merchant_id,
    }[side]
    if owner != actor.organisation.pk:
        raise PermissionDenied(
            {
                "marketplace": _("Only the marketplace handling the case may do this."),
                "sender": _("Only the notice's sender may do this."),
                "merchant": _("Only the merchant the notice is about may do this."),
            }[side],
            code=f"not_{side}",
        )
    return case


@transaction.atomic
def case_deliver(*, case_id: int) -> Case:
    """The case has reached the marketplace (its inbox on IPBridge, or its own systems)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("notice__sender", "marketplace").get(pk=case_id)
    if case.status == CaseStatus.SUBMITTED:
        case_move(case, CaseStatus.DELIVERED, actor=None)
    return case


@transaction.atomic
def case_acknowledge(*, actor: Actor, case_id: int) -> Case:
    actor.require("notices:write")
    case = _own_case(actor, case_id, side="marketplace")
    if case.status == CaseStatus.SUBMITTED:
        case_move(case, CaseStatus.DELIVERED, actor=None)
    return case_move(case, CaseStatus.ACKNOWLEDGED, actor=actor)


@dataclass(frozen=True)
class ItemDecision:
    item_id: int
    measure: str  # a Measure, or "" to reject
    reason: str = ""


def _statement_body(
    case: Case, decision: Decision, item: NoticeItem, *, right_kinds: tuple[str, ...]
) -> dict[str, Any]:
    notice = case.notice
    return statements.statement_of_reasons(
        statements.Decision(
            puid=f"ipbridge-{case.marketplace.slug}-{decision.pk}-{item.pk}",
            measures=(decision.measure,),
            right_kinds=right_kinds,
            content_date=notice.created_at.date(),
            application_date=decision.decided_at.date(),
            facts=decision.facts,
            legal_ground=decision.legal_ground,
            explanation=decision.reason or notice.explanation[:2000],
            source="notice",
            source_identity=notice.sender.name,
            automated_detection=decision.automated_detection,
            automated_decision=decision.automated_decision,
            account_action=decision.account_action or None,
            end_date=decision.end_date,
            territorial_scope=tuple(decision.territorial_scope),
        )
    )


def _scope(codes: list[str]) -> list[str]:
    cleaned = sorted({code.strip().upper() for code in codes if code.strip()})
    bad = [code for code in cleaned if len(code) != 2 or not code.isalpha()]
    if bad:
        raise ValidationFailed(
            "invalid_territory",
            _("Territories are two-letter country codes such as DE or CN."),
            field="territorial_scope",
        )
    return cleaned


def case_decide(
    *,
    actor: Actor,
    case_id: int,
    decisions: list[ItemDecision],
    facts: str,
    legal_ground: str,
    merchant_slug: str = "",
    territorial_scope: list[str] | None = None,
    end_date: date | None = None,
    automated_detection: bool = False,
    automated_decision: str = "not",
    account_action: str = "",
    manifestly_unfounded: bool = False,
) -> Case:
    """Decide items of the case: a necessary measure, or a rejection with its reason. Each measure gets a
    statement of reasons in the DSA Transparency Database format. Once no item is pending, the case is forwarded
    to the merchant (when it has measures and the merchant is named), or closed (when every item was rejected).
    ``manifestly_unfounded`` marks this call's rejections so (DSA art. 23), which may warn or suspend the sender."""
    actor.require("notices:write")
    facts = text_field(facts, field="facts", max_length=5000)
    legal_ground = text_field(legal_ground, field="legal_ground", max_length=500)
    choice_field(automated_decision, AUTOMATED_DECISIONS, field="automated_decision")
    choice_field(account_action, ACCOUNT_ACTIONS, field="account_action")
    scope = _scope(territorial_scope or [])
    if not decisions:
        raise ValidationFailed("required", _("Decide at least one item."), field="decisions")
    for position, chosen in enumerate(decisions, start=1):
        if chosen.measure:
            choice_field(chosen.measure, Measure.values, field=f"decisions.{position}.measure")
        elif not chosen.reason.strip():
            raise ValidationFailed("required", _("Say why the item is rejected."), field=f"decisions.{position}.reason")
    if manifestly_unfounded and all(chosen.measure for chosen in decisions):
        raise ValidationFailed(
            "no_rejection",
            _("Only rejections can be manifestly unfounded; this decision rejects no item."),
            field="manifestly_unfounded",
        )
    with transaction.atomic():
        case = _own_case(actor, case_id, side="marketplace")
        if case.status not in (CaseStatus.DELIVERED, CaseStatus.ACKNOWLEDGED, CaseStatus.SUBMITTED):
            raise Conflict("not_open_for_decision", _("This case is not waiting for a decision."))
        merchant = _merchant(merchant_slug) if merchant_slug else None
        items = {i.pk: i for i in NoticeItem.objects.select_for_update().filter(case=case, status=ItemStatus.PENDING)}
        unknown = [d.item_id for d in decisions if d.item_id not in items]
        if unknown:
            raise ValidationFailed(
                "not_pending",
                _("These items are not pending in this case: %(ids)s.") % {"ids": ", ".join(map(str, unknown[:20]))},
                field="decisions",
            )
        decisions_store(
            actor,
            case,
            decisions,
            items,
            facts=facts,
            legal_ground=legal_ground,
            scope=scope,
            end_date=end_date,
            automated_detection=automated_detection,
            automated_decision=automated_decision,
            account_action=account_action,
            manifestly_unfounded=manifestly_unfounded,
        )
        if manifestly_unfounded:
            sender_misuse_decide(sender=case.notice.sender, marketplace=case.marketplace)
        if merchant is not None:
            case.merchant = merchant
            case.save(update_fields=["merchant"])
        if case.status == CaseStatus.SUBMITTED:
            case_move(case, CaseStatus.DELIVERED, actor=None)
        if NoticeItem.objects.filter(case=case, status=ItemStatus.PENDING).exists():
            if case.status == CaseStatus.DELIVERED:
                case_move(case, CaseStatus.ACKNOWLEDGED, actor=actor)
            return case
        acted = NoticeItem.objects.filter(case=case, status=ItemStatus.ACTED).exists()
        if not acted:
            return case_move(case, CaseStatus.CLOSED, actor=actor, note="every item rejected")
        case_move(case, CaseStatus.DECIDED, actor=actor)
        if case.merchant_id is not None:
            case_move(case, CaseStatus.FORWARDED, actor=actor, note="notice forwarded to the merchant")
        return case


def _merchant(slug: str) -> Organisation:
    merchant = Organisation.objects.filter(slug=slug.strip(), kind=OrganisationKind.MERCHANT).first()
    if merchant is None:
        raise ValidationFailed("merchant_not_found", _("No merchant with this id on IPBridge."), field="merchant")
    return merchant


def decisions_store(
    actor: Actor,
    case: Case,
    decisions: list[ItemDecision],
    items: dict[int, NoticeItem],
    **common: Any,
) -> None:
    """Store the decisions on ``items`` (locked, pending or, on an appeal, rejected): one Decision per measure and
    reason, the items' new status, a statement of reasons per restricted item, an audit row per decision."""
    now = timezone.now()
    groups: dict[tuple[str, str], list[NoticeItem]] = defaultdict(list)
    for chosen in decisions:
        groups[(chosen.measure, chosen.reason.strip()[:2000])].append(items[chosen.item_id])
    right_kinds = tuple(sorted({r.kind for r in case.notice.rights.all()} & set(statements.RIGHT_KIND_KEYWORDS)))
    eea = not common["scope"] or bool(set(common["scope"]) & statements.EEA_COUNTRY_CODES)
    rows: list[StatementOfReasons] = []
    for (measure, reason), chosen_items in groups.items():
        decision = Decision.objects.create(
            case=case,
            measure=measure,
            reason=reason,
            facts=common["facts"],
            legal_ground=common["legal_ground"],
            territorial_scope=common["scope"],
            end_date=common["end_date"] if measure else None,
            automated_detection=common["automated_detection"],
            automated_decision=common["automated_decision"],
            account_action=common["account_action"] if measure else "",
            manifestly_unfounded=common["manifestly_unfounded"] and not measure,
            decided_by=actor.user,
            decided_at=now,
        )
        decision.items.set(chosen_items)
        for item in chosen_items:
            item.status = ItemStatus.ACTED if measure else ItemStatus.REJECTED
            item.measure = measure
            item.decided_at = now
            # The Transparency Database records restrictions in the EU/EEA; a rejection restricts nothing.
            if measure and eea:
                body = _statement_body(case, decision, item, right_kinds=right_kinds)
                rows.append(
                    StatementOfReasons(
                        decision=decision, item=item, marketplace=case.marketplace, puid=body["puid"], body=body
                    )
                )
        NoticeItem.objects.bulk_update(chosen_items, ["status", "measure", "decided_at"])
        audit_act(
            actor,
            AuditAction.CASE_DECIDED,
            subject=case,
            measure=measure or "rejected",
            items=[i.pk for i in chosen_items][:100],
            count=len(chosen_items),
        )
    StatementOfReasons.objects.bulk_create(rows, batch_size=500)


@transaction.atomic
def case_forward(*, actor: Actor, case_id: int, merchant_slug: str) -> Case:
    """Forward a decided case to the merchant once the marketplace has named it."""
    actor.require("notices:write")
    case = _own_case(actor, case_id, side="marketplace")
    if case.status != CaseStatus.DECIDED:
        raise Conflict("not_decided", _("Only a decided case with measures is forwarded to its merchant."))
    case.merchant = _merchant(merchant_slug)
    case.save(update_fields=["merchant"])
    return case_move(case, CaseStatus.FORWARDED, actor=actor, note="notice forwarded to the merchant")


@transaction.atomic
def counter_notice_submit(
    *, actor: Actor, case_id: int, statement: str, evidence: list[str] | None = None
) -> CounterNotice:
    """The merchant states it does not infringe, with preliminary evidence. IPBridge forwards it to the right
    holder at once, telling it that it may complain to an authority or sue; the window for showing that it did
    starts now."""
    actor.require("notices:write")
    statement = text_field(statement, field="statement", max_length=20_000)
    references = [text_field(e, field="evidence", max_length=2000) for e in (evidence or []) if e.strip()]
    if not references:
        raise ValidationFailed(
            "evidence_required",
            _("A counter-notice carries preliminary evidence of non-infringement."),
            field="evidence",
        )
    case = _own_case(actor, case_id, side="merchant")
    if case.status != CaseStatus.FORWARDED:
        raise Conflict("not_forwarded", _("A counter-notice answers a case forwarded to you."))
    now = timezone.now()
    counter = CounterNotice.objects.create(
        case=case, merchant=actor.organisation, statement=statement, evidence=references, submitted_by=actor.user
    )
    case.lift_due_at = now + timedelta(days=settings.COUNTER_NOTICE_WINDOW_DAYS)
    case.save(update_fields=["lift_due_at"])
    case_move(
        case, CaseStatus.COUNTER_NOTICED, actor=actor, note="counter-notice forwarded to the right holder", at=now
    )
    audit_act(actor, AuditAction.COUNTER_NOTICE_SUBMITTED, subject=case, counter_notice=counter.pk)
    audit_act(
        actor,
        AuditAction.COUNTER_NOTICE_SUBMITTED,
        subject=case,
        organisation=case.notice.sender,
        counter_notice=counter.pk,
    )
    return counter


@transaction.atomic
def case_complaint_file(*, actor: Actor, case_id: int, authority: str, reference: str) -> Case:
    """The right holder shows, within the window, that it complained to an authority or sued: the measures stay."""
    actor.require("notices:write")
    authority = text_field(authority, field="authority", max_length=300)
    reference = text_field(reference, field="reference", max_length=300)
    case = _own_case(actor, case_id, side="sender")
    if case.status != CaseStatus.COUNTER_NOTICED:
        raise Conflict("no_counter_notice", _("A complaint or lawsuit is shown in answer to a counter-notice."))
    if case.lift_due_at is not None and case.lift_due_at <= timezone.now():
        raise Conflict("window_closed", _("The window for showing a complaint or lawsuit has closed."))
    case_move(case, CaseStatus.COMPLAINT_FILED, actor=actor, note=f"{authority}: {reference}")
    audit_act(actor, AuditAction.COMPLAINT_FILED, subject=case, authority=authority, reference=reference)
    return case


def cases_lift_due(*, now: datetime | None = None) -> int:
    """Lift the measures of every case whose window closed without a complaint or lawsuit (a scheduled job).
    Returns how many cases it lifted."""
    now = now or timezone.now()
    lifted = 0
    for case_id in Case.objects.filter(status=CaseStatus.COUNTER_NOTICED, lift_due_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("notice__sender", "marketplace")
                .filter(pk=case_id, status=CaseStatus.COUNTER_NOTICED, lift_due_at__lte=now)
                .first()
            )
            if case is None:
                continue
            restored = NoticeItem.objects.filter(case=case, status=ItemStatus.ACTED).update(status=ItemStatus.RESTORED)
            case_move(case, CaseStatus.LIFTED, actor=None, note="no complaint or lawsuit shown in time", at=now)
            case_move(case, CaseStatus.CLOSED, actor=None, at=now)
            audit_system(
                AuditAction.MEASURES_LIFTED,
                organisations=[case.marketplace, case.notice.sender],
                subject=case,
                items=restored,
            )
            lifted += 1
    return lifted


@transaction.atomic
def case_close(*, actor: Actor, case_id: int, note: str = "") -> Case:
    actor.require("notices:write")
    case = _own_case(actor, case_id, side="marketplace")
    return case_move(case, CaseStatus.CLOSED, actor=actor, note=note.strip()[:2000])
