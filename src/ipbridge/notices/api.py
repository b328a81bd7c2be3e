"""HTTP API of notice and action: send notices, handle cases, answer with counter-notices, export statements of
reasons. Parse, call a service or a selector, serialise."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.schemas import ErrorOut
from ipbridge.core.api import Pagination, Rendered
from ipbridge.core.validation import right_references
from ipbridge.notices import accuracy, intake, misuse, selectors, services
from ipbridge.notices.accuracy import Accuracy
from ipbridge.notices.completeness import EvidenceIn, ItemIn
from ipbridge.notices.presenters import (
    case_out,
    flag_out,
    intake_out,
    notice_out,
    sender_measure_out,
    standing_out,
)
from ipbridge.notices.schemas import (
    AccuracyOut,
    AppealDecisionIn,
    AppealIn,
    CaseOut,
    CheckOut,
    ComplaintIn,
    CounterNoticeIn,
    DecisionIn,
    ForwardIn,
    IntakeIn,
    IntakeOut,
    LiftIn,
    MaliciousFlagIn,
    NoteIn,
    NoticeFlagOut,
    NoticeIn,
    NoticeOut,
    SenderMeasureOut,
    StandingOut,
    StatementsOut,
)

router = Router(tags=["notices"])


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
STATEMENTS_PAGE = 100  # the Transparency Database takes at most 100 statements a call


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _draft(payload: NoticeIn) -> dict[str, Any]:
    return {
        "rights": right_references(payload.rights),
        "items": [ItemIn(i.marketplace, i.url, i.listing_id, i.title) for i in payload.items],
        "explanation": payload.explanation,
        "good_faith": payload.good_faith,
        "notifier_name": payload.notifier_name,
        "notifier_email": payload.notifier_email,
        "evidence": [EvidenceIn(e.kind, e.reference, e.description) for e in payload.evidence],
        "on_behalf_of": payload.on_behalf_of,
    }


@router.post("/notices/check", response={200: CheckOut, **ERRORS}, operation_id="notice_check")
def notice_check(request: HttpRequest, payload: NoticeIn) -> dict[str, Any]:
    """What is missing before this notice can be sent, by the checklist of Appendix 1 of the Shenzhen guideline
    and DSA art. 16. Nothing is stored."""
    gaps = services.notice_check(actor=_actor(request), **_draft(payload))
    return {"complete": not gaps, "gaps": [{"code": g.code, "field": g.field, "message": str(g.label)} for g in gaps]}


@router.post("/notices", response={201: NoticeOut, **ERRORS}, operation_id="notice_submit")
def notice_submit(
    request: HttpRequest, payload: NoticeIn, idempotency_key: Annotated[str, Header(alias="Idempotency-Key")] = ""
) -> Status[dict[str, Any]]:
    """Send a notice: one case per marketplace named in its items (up to 10,000 items). A listing already open
    under the same right in an earlier notice is merged, not sent twice. Refused with every gap named (422,
    ``details.gaps``) until complete. Send an ``Idempotency-Key`` header to make retries safe: the same key gives
    back the notice it created."""
    actor = _actor(request)
    notice = services.notice_submit(actor=actor, idempotency_key=idempotency_key, **_draft(payload))
    return Status(201, notice_out(selectors.access_notice(actor=actor, notice_id=notice.pk)))


@router.get("/notices", response={200: list[NoticeOut], **ERRORS}, operation_id="notices_list")
@paginate(Pagination)
def notices_list(request: HttpRequest) -> Any:
    """Notices your organisation sent, or that were sent for it; newest first."""
    return Rendered(selectors.notices_visible(actor=_actor(request)), notice_out)


def _figures(figures: Accuracy) -> dict[str, Any]:
    return {
        "items_decided": figures.items_decided,
        "items_taken_down": figures.items_taken_down,
        "cases_with_measures": figures.cases_with_measures,
        "cases_counter_noticed": figures.cases_counter_noticed,
        "items_overturned": figures.items_overturned,
        "takedown_rate": figures.takedown_rate,
        "counter_notice_rate": figures.counter_notice_rate,
        "overturned_rate": figures.overturned_rate,
    }


@router.get("/notices/accuracy", response={200: AccuracyOut, **ERRORS}, operation_id="notices_accuracy")
def notices_accuracy(request: HttpRequest) -> dict[str, Any]:
    """Accuracy over the trusted-flagger period (90 days by default): a sender's figures by marketplace, or a
    marketplace's by sender — takedown, counter-notice and overturned rates — and whether the sender is in the
    trusted-flagger lane (DSA art. 22)."""
    report = accuracy.accuracy_report(actor=_actor(request))
    return {
        "since": accuracy.accuracy_period_start(),
        "trusted_flagger": report.trusted,
        "overall": _figures(report.overall),
        "by_counterpart": [
            {"organisation": o.slug, "name": o.name, "figures": _figures(f)} for o, f in report.by_counterpart
        ],
    }


@router.get("/notices/{int:notice_id}", response={200: NoticeOut, **ERRORS}, operation_id="notice_get")
def notice_get(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    return notice_out(selectors.access_notice(actor=_actor(request), notice_id=notice_id))


@router.post("/notices/{int:notice_id}/withdraw", response={200: NoticeOut, **ERRORS}, operation_id="notice_withdraw")
def notice_withdraw(request: HttpRequest, notice_id: int, payload: NoteIn) -> dict[str, Any]:
    """Withdraw a notice you sent: its open cases end and measures taken on its items are lifted."""
    actor = _actor(request)
    services.notice_withdraw(actor=actor, notice_id=notice_id, reason=payload.note)
    return notice_out(selectors.access_notice(actor=actor, notice_id=notice_id))


@router.get("/cases", response={200: list[CaseOut], **ERRORS}, operation_id="cases_list")
@paginate(Pagination)
def cases_list(request: HttpRequest, status: str = "", overdue: bool = False, notice_id: int | None = None) -> Any:
    """Cases you may see: a marketplace's own, the cases of notices you sent, cases forwarded to you as merchant.
    Trusted flaggers' first, then oldest first. ``overdue``: waiting for a decision past their due time."""
    cases = selectors.cases_visible(actor=_actor(request), status=status, overdue=overdue, notice_id=notice_id)
    return Rendered(cases, case_out)


@router.get("/cases/{int:case_id}", response={200: CaseOut, **ERRORS}, operation_id="case_get")
def case_get(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(selectors.access_case(actor=_actor(request), case_id=case_id))


def _case(actor: Actor, case_id: int) -> dict[str, Any]:
    return case_out(selectors.access_case(actor=actor, case_id=case_id))


@router.post("/cases/{int:case_id}/acknowledge", response={200: CaseOut, **ERRORS}, operation_id="case_acknowledge")
def case_acknowledge(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """Marketplaces: the case is received and being handled."""
    actor = _actor(request)
    services.case_acknowledge(actor=actor, case_id=case_id)
    return _case(actor, case_id)


@router.post("/cases/{int:case_id}/decisions", response={200: CaseOut, **ERRORS}, operation_id="case_decide")
def case_decide(request: HttpRequest, case_id: int, payload: DecisionIn) -> dict[str, Any]:
    """Marketplaces: decide items — a necessary measure, or a rejection with its reason. Each measure yields a
    statement of reasons (DSA art. 17). Once every item is decided the case is forwarded to the merchant named
    in ``merchant`` (or closed, when every item was rejected)."""
    actor = _actor(request)
    services.case_decide(
        actor=actor,
        case_id=case_id,
        decisions=[services.ItemDecision(d.item_id, d.measure, d.reason) for d in payload.decisions],
        facts=payload.facts,
        legal_ground=payload.legal_ground,
        merchant_slug=payload.merchant,
        territorial_scope=payload.territorial_scope,
        end_date=payload.end_date,
        automated_detection=payload.automated_detection,
        automated_decision=payload.automated_decision,
        account_action=payload.account_action,
        manifestly_unfounded=payload.manifestly_unfounded,
    )
    return _case(actor, case_id)


@router.post("/cases/{int:case_id}/forward", response={200: CaseOut, **ERRORS}, operation_id="case_forward")
def case_forward(request: HttpRequest, case_id: int, payload: ForwardIn) -> dict[str, Any]:
    """Marketplaces: forward a decided case to its merchant."""
    actor = _actor(request)
    services.case_forward(actor=actor, case_id=case_id, merchant_slug=payload.merchant)
    return _case(actor, case_id)


@router.post(
    "/cases/{int:case_id}/counter-notices", response={201: CaseOut, **ERRORS}, operation_id="counter_notice_submit"
)
def counter_notice_submit(request: HttpRequest, case_id: int, payload: CounterNoticeIn) -> Status[dict[str, Any]]:
    """Merchants: state that the items do not infringe, with preliminary evidence. The right holder is told at
    once; unless it shows a complaint or lawsuit within the window (15 days by default), the measures end."""
    actor = _actor(request)
    services.counter_notice_submit(actor=actor, case_id=case_id, statement=payload.statement, evidence=payload.evidence)
    return Status(201, _case(actor, case_id))


@router.post("/cases/{int:case_id}/appeals", response={201: CaseOut, **ERRORS}, operation_id="appeal_submit")
def appeal_submit(request: HttpRequest, case_id: int, payload: AppealIn) -> Status[dict[str, Any]]:
    """Appeal within six months of the decision (DSA art. 20): merchants against the measures on their items,
    the notice's sender (or the right holder it acts for) against the rejection of items."""
    actor = _actor(request)
    services.appeal_submit(actor=actor, case_id=case_id, grounds=payload.grounds, evidence=payload.evidence)
    return Status(201, _case(actor, case_id))


@router.post("/appeals/{int:appeal_id}/decision", response={200: CaseOut, **ERRORS}, operation_id="appeal_decide")
def appeal_decide(request: HttpRequest, appeal_id: int, payload: AppealDecisionIn) -> dict[str, Any]:
    """Marketplaces: uphold or overturn your decision, saying why. A merchant's appeal overturned: the measures
    end at once. A sender's appeal overturned: name the ``measure`` now taken on the items you had rejected."""
    actor = _actor(request)
    appeal = services.appeal_decide(
        actor=actor, appeal_id=appeal_id, outcome=payload.outcome, reason=payload.reason, measure=payload.measure
    )
    return _case(actor, appeal.case_id)


@router.post("/cases/{int:case_id}/complaint", response={200: CaseOut, **ERRORS}, operation_id="case_complaint_file")
def case_complaint_file(request: HttpRequest, case_id: int, payload: ComplaintIn) -> dict[str, Any]:
    """Senders: show that a complaint to an authority or a lawsuit was filed, so that the measures stay."""
    actor = _actor(request)
    services.case_complaint_file(actor=actor, case_id=case_id, authority=payload.authority, reference=payload.reference)
    return _case(actor, case_id)


@router.post("/cases/{int:case_id}/close", response={200: CaseOut, **ERRORS}, operation_id="case_close")
def case_close(request: HttpRequest, case_id: int, payload: NoteIn) -> dict[str, Any]:
    actor = _actor(request)
    services.case_close(actor=actor, case_id=case_id, note=payload.note)
    return _case(actor, case_id)


@router.get(
    "/statements-of-reasons", response={200: StatementsOut, **ERRORS}, operation_id="statements_of_reasons_list"
)
def statements_of_reasons_list(
    request: HttpRequest, since: Query[datetime | None] = None, after: Query[int | None] = None
) -> dict[str, Any]:
    """Marketplaces: your statements of reasons made after ``since``, oldest first, at most 100 — one batch for
    the DSA Transparency Database (`POST /api/v1/statements`). Pass ``next_after`` back as ``after`` (with the
    same ``since``) for the next batch; it is null after the last."""
    rows = list(selectors.statements_for_marketplace(actor=_actor(request), since=since, after=after)[:STATEMENTS_PAGE])
    return {
        "count": len(rows),
        "statements": [row.body for row in rows],
        "next_after": rows[-1].pk if len(rows) == STATEMENTS_PAGE else None,
    }


@router.get("/notices/standing", response={200: StandingOut, **ERRORS}, operation_id="sender_standing_own")
def sender_standing_own(request: HttpRequest) -> dict[str, Any]:
    """Your organisation's standing as a sender (DSA art. 23): ok, warned, or suspended until a date, with the
    measures taken against it and what led to each."""
    actor = _actor(request)
    actor.require("notices:read")
    sender = actor.organisation
    return standing_out(sender, misuse.sender_standing(sender=sender))


@router.get(
    "/notices/senders/{slug}/standing", response={200: StandingOut, **ERRORS}, operation_id="sender_standing_get"
)
def sender_standing_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Marketplaces and operators: a sender's standing (DSA art. 23)."""
    sender, standing = misuse.sender_standing_for(actor=_actor(request), slug=slug)
    return standing_out(sender, standing)


@router.post(
    "/cases/{int:case_id}/flag-malicious",
    response={201: NoticeFlagOut, **ERRORS},
    operation_id="notice_flag_malicious",
)
def notice_flag_malicious(request: HttpRequest, case_id: int, payload: MaliciousFlagIn) -> Status[dict[str, Any]]:
    """The marketplace of the case, or an operator: flag the case's notice as malicious (恶意投诉), with the reason
    and the evidence. The merchant, the sender and the marketplace see the flag on the case; the sender is
    warned by it."""
    flag = misuse.notice_flag_malicious(
        actor=_actor(request), case_id=case_id, reason=payload.reason, evidence=payload.evidence
    )
    return Status(201, flag_out(flag))


@router.post(
    "/sender-measures/{int:measure_id}/lift",
    response={200: SenderMeasureOut, **ERRORS},
    operation_id="sender_measure_lift",
)
def sender_measure_lift(request: HttpRequest, measure_id: int, payload: LiftIn) -> dict[str, Any]:
    """Operators: lift a warning or a suspension of a sender early, saying why."""
    measure = misuse.sender_measure_lift(actor=_actor(request), measure_id=measure_id, reason=payload.reason)
    return sender_measure_out(measure)


@router.get("/intake", response={200: list[IntakeOut], **ERRORS}, operation_id="intake_list")
def intake_list(request: HttpRequest) -> list[dict[str, Any]]:
    """How each marketplace receives its cases and the response time it commits to (its service level)."""
    actor = _actor(request)
    return [
        intake_out(found, private=intake.intake_private(actor=actor, found=found))
        for found in intake.intakes_list(actor=actor)
    ]


@router.get("/intake/{slug}", response={200: IntakeOut, **ERRORS}, operation_id="intake_get")
def intake_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    actor = _actor(request)
    found = intake.intake_get(actor=actor, slug=slug)
    return intake_out(found, private=intake.intake_private(actor=actor, found=found))


@router.put("/intake/{slug}", response={200: IntakeOut, **ERRORS}, operation_id="intake_update")
def intake_update(request: HttpRequest, slug: str, payload: IntakeIn) -> dict[str, Any]:
    """The marketplace's admins, or operators: set the response time, the intake e-mail address to which each
    new case is sent (for marketplaces whose systems are not connected) with its language, and overdue alerts."""
    found = intake.intake_update(
        actor=_actor(request),
        slug=slug,
        response_hours=payload.response_hours,
        email=payload.email,
        language=payload.language,
        overdue_alerts=payload.overdue_alerts,
    )
    return intake_out(found, private=True)
