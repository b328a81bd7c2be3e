from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class ItemIn(Schema):
    marketplace: str = Field(description="The marketplace's id on IPBridge (slug)")
    url: str = Field(default="", max_length=2000, description="The exact location of the item")
    listing_id: str = Field(default="", max_length=200, description="Or the marketplace's own id of the item")
    title: str = Field(default="", max_length=500)


class EvidenceIn(Schema):
    kind: str = Field(description="screenshot, test_purchase, comparison_analysis, evaluation_report, …")
    reference: str = Field(max_length=2000, description="Where the evidence is: an evidence id or a URL")
    description: str = Field(default="", max_length=2000)


class NoticeIn(Schema):
    rights: list[str] = Field(description='The rights infringed, as "OFFICE NUMBER", e.g. "EM 018234567"')
    items: list[ItemIn] = Field(max_length=10_000)
    explanation: str = Field(default="", max_length=20_000, description="Why the items infringe the rights")
    good_faith: bool = Field(default=False, description="The sender's good-faith statement (DSA art. 16(2)(d))")
    notifier_name: str = Field(default="", max_length=200)
    notifier_email: str = Field(default="", max_length=254)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=200)
    on_behalf_of: str = Field(default="", description="Agents: the right holder's id (slug)")


class GapOut(Schema):
    code: str
    field: str
    message: str


class CheckOut(Schema):
    complete: bool
    gaps: list[GapOut]


class EvidenceOut(Schema):
    kind: str
    reference: str
    description: str


class CaseSummaryOut(Schema):
    id: int
    marketplace: str
    status: str
    items: int
    response_due_at: dt.datetime


class NoticeOut(Schema):
    id: int
    reference: str
    sender: str
    principal: str
    mandate_id: int | None
    rights: list[str]
    status: str
    item_count: int
    merged_items: int
    credential_jti: str | None
    evidence: list[EvidenceOut]
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    cases: list[CaseSummaryOut]


class ItemOut(Schema):
    id: int
    url: str
    listing_id: str
    title: str
    status: str
    measure: str
    decided_at: dt.datetime | None


class EventOut(Schema):
    status: str
    at: dt.datetime
    actor: str
    note: str


class CounterNoticeOut(Schema):
    id: int
    merchant: str
    statement: str
    evidence: list[str]
    submitted_at: dt.datetime


class AppealOut(Schema):
    id: int
    kind: str = Field(description="measures (the merchant's, against measures) or rejection (the sender's)")
    appellant: str
    grounds: str
    evidence: list[str]
    status: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str
    measure: str = Field(description="An overturned rejection: the measure the marketplace took")


class AppealIn(Schema):
    grounds: str = Field(max_length=20_000)
    evidence: list[str] = Field(default_factory=list, max_length=100)


class AppealDecisionIn(Schema):
    outcome: str = Field(description="upheld or overturned")
    reason: str = Field(max_length=5000)
    measure: str = Field(
        default="", description="Overturning a sender's appeal against a rejection: the measure taken now"
    )


class IntakeOut(Schema):
    marketplace: str
    name: str
    response_hours: int = Field(description="The time the marketplace commits to decide a case in")
    channels: list[str] = Field(description="inbox, api, and webhooks or email when set up")
    email: str = Field(description="Shown to the marketplace itself and to operators only; empty for others")
    language: str
    overdue_alerts: bool
    configured: bool
    updated_at: dt.datetime | None


class IntakeIn(Schema):
    response_hours: int
    email: str = Field(default="", max_length=254)
    language: str = Field(default="en", description="en or zh-hans: the language of the e-mails")
    overdue_alerts: bool = True


class SenderOut(Schema):
    id: str
    name: str
    kind: str
    verified: bool
    on_behalf_of: str
    mandate_id: int | None
    credential: str | None = Field(description="The sender's signed credential, verifiable with the published keys")


class NoticeFlagOut(Schema):
    id: int
    notice_id: int
    flagged_by: str
    reason: str
    evidence: list[str]
    created_at: dt.datetime


class CaseOut(Schema):
    id: int
    notice_id: int
    notice_reference: str
    marketplace: str
    merchant: str | None
    status: str
    priority: int
    sender: SenderOut
    rights: list[str]
    explanation: str
    notifier_name: str
    notifier_email: str
    created_at: dt.datetime
    response_due_at: dt.datetime
    overdue: bool
    lift_due_at: dt.datetime | None
    emailed_to: str
    emailed_at: dt.datetime | None
    evidence: list[EvidenceOut]
    items: list[ItemOut]
    timeline: list[EventOut]
    counter_notices: list[CounterNoticeOut]
    appeals: list[AppealOut]
    malicious_flags: list[NoticeFlagOut]


class ItemDecisionIn(Schema):
    item_id: int
    measure: str = Field(
        default="",
        description="delete, block, disconnect_links, terminate_transactions, terminate_services; empty to reject",
    )
    reason: str = Field(default="", max_length=2000, description="Required for a rejection")


class DecisionIn(Schema):
    decisions: list[ItemDecisionIn] = Field(max_length=10_000)
    facts: str = Field(max_length=5000, description="The facts and circumstances relied on")
    legal_ground: str = Field(max_length=500, description="e.g. Trademark Law of the PRC art. 57; EUTMR art. 9")
    merchant: str = Field(default="", description="The merchant's id on IPBridge, to forward the notice to")
    territorial_scope: list[str] = Field(default_factory=list, description="ISO 3166 codes; empty: everywhere")
    end_date: dt.date | None = None
    automated_detection: bool = False
    automated_decision: str = Field(default="not", description="fully, partially or not")
    account_action: str = Field(default="", description="suspended or terminated, when the account is acted on")
    manifestly_unfounded: bool = Field(
        default=False,
        description="The rejections of this call are manifestly unfounded (DSA art. 23): they count towards "
        "warning and suspending the sender. Refused when the call rejects no item.",
    )


class ForwardIn(Schema):
    merchant: str


class CounterNoticeIn(Schema):
    statement: str = Field(max_length=20_000)
    evidence: list[str] = Field(max_length=100, description="References to the preliminary evidence")


class ComplaintIn(Schema):
    authority: str = Field(max_length=300, description="The authority or court")
    reference: str = Field(max_length=300, description="The complaint's or lawsuit's reference")


class NoteIn(Schema):
    note: str = Field(default="", max_length=2000)


class StatementsOut(Schema):
    count: int
    statements: list[dict[str, Any]]
    next_after: int | None


class AccuracyFiguresOut(Schema):
    items_decided: int
    items_taken_down: int
    cases_with_measures: int
    cases_counter_noticed: int
    items_overturned: int
    takedown_rate: float | None
    counter_notice_rate: float | None
    overturned_rate: float | None


class CounterpartAccuracyOut(Schema):
    organisation: str
    name: str
    figures: AccuracyFiguresOut


class AccuracyOut(Schema):
    since: dt.datetime
    trusted_flagger: bool
    overall: AccuracyFiguresOut
    by_counterpart: list[CounterpartAccuracyOut]


class MaliciousFlagIn(Schema):
    reason: str = Field(max_length=5000, description="Why the notice was malicious (恶意投诉)")
    evidence: list[str] = Field(max_length=100, description="References to the evidence of malice")


class SenderMeasureOut(Schema):
    id: int
    sender: str
    kind: str = Field(description="warning or suspension")
    reason: str
    evidence: dict[str, Any] = Field(description="The cases, items and reasons, or the flag, that led to it")
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    created_by: str = Field(description='"system" when decided by the rules')
    lifted_at: dt.datetime | None
    lift_reason: str


class StandingOut(Schema):
    sender: str
    status: str = Field(description="ok, warned or suspended")
    suspended_until: dt.datetime | None
    unfounded_items: int = Field(description="Items rejected as manifestly unfounded that count now")
    since: dt.datetime
    measures: list[SenderMeasureOut]


class LiftIn(Schema):
    reason: str = Field(max_length=2000)
