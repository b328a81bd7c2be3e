"""Notices and cases as the API shows them."""

from __future__ import annotations

from typing import Any

from ipbridge.accounts.models import Organisation, VerificationStatus
from ipbridge.notices import misuse, selectors
from ipbridge.notices.intake import Intake
from ipbridge.notices.models import Case, ItemStatus, Notice, NoticeFlag, NoticeItem, SenderMeasure


def _right_labels(notice: Notice) -> list[str]:
    return [f"{r.office} {r.number}" for r in notice.rights.all()]


def _evidence(notice: Notice) -> list[dict[str, str]]:
    return [
        {"kind": e["kind"], "reference": e["reference"], "description": e["description"]}
        for e in selectors.notice_evidence(notice)
    ]


def notice_out(notice: Notice) -> dict[str, Any]:
    cases = list(notice.cases.select_related("marketplace").order_by("id"))
    items = selectors.notice_items(notice=notice)
    return {
        "id": notice.pk,
        "reference": str(notice.reference),
        "sender": notice.sender.slug,
        "principal": notice.principal.slug,
        "mandate_id": notice.mandate_id,
        "rights": _right_labels(notice),
        "status": notice.status,
        "item_count": notice.item_count,
        "merged_items": items.filter(status=ItemStatus.MERGED).count(),
        "credential_jti": str(notice.credential_jti) if notice.credential_jti else None,
        "evidence": _evidence(notice),
        "created_at": notice.created_at,
        "withdrawn_at": notice.withdrawn_at,
        "cases": [
            {
                "id": case.pk,
                "marketplace": case.marketplace.slug,
                "status": case.status,
                "items": case.items.count(),
                "response_due_at": case.response_due_at,
            }
            for case in cases
        ],
    }


def item_out(item: NoticeItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "url": item.url,
        "listing_id": item.listing_id,
        "title": item.title,
        "status": item.status,
        "measure": item.measure,
        "decided_at": item.decided_at,
    }


def case_out(case: Case) -> dict[str, Any]:
    notice = case.notice
    sender = notice.sender
    return {
        "id": case.pk,
        "notice_id": notice.pk,
        "notice_reference": str(notice.reference),
        "marketplace": case.marketplace.slug,
        "merchant": case.merchant.slug if case.merchant else None,
        "status": case.status,
        "priority": case.priority,
        "sender": {
            "id": sender.slug,
            "name": sender.name,
            "kind": sender.kind,
            "verified": sender.verification_status == VerificationStatus.VERIFIED,
            "on_behalf_of": notice.principal.slug,
            "mandate_id": notice.mandate_id,
            "credential": notice.credential_token or None,
        },
        "rights": _right_labels(notice),
        "explanation": notice.explanation,
        "notifier_name": notice.notifier_name,
        "notifier_email": notice.notifier_email,
        "created_at": case.created_at,
        "response_due_at": case.response_due_at,
        "overdue": selectors.case_overdue(case),
        "lift_due_at": case.lift_due_at,
        "emailed_to": case.emailed_to,
        "emailed_at": case.emailed_at,
        "evidence": _evidence(notice),
        "items": [item_out(i) for i in selectors.case_items(case=case)],
        "timeline": [
            {"status": e.status, "at": e.at, "actor": e.actor_label, "note": e.note}
            for e in selectors.case_timeline(case=case)
        ],
        "counter_notices": [
            {
                "id": c.pk,
                "merchant": c.merchant.slug,
                "statement": c.statement,
                "evidence": list(c.evidence),
                "submitted_at": c.submitted_at,
            }
            for c in selectors.case_counter_notices(case=case)
        ],
        "appeals": [
            {
                "id": a.pk,
                "kind": a.kind,
                "appellant": a.appellant.slug,
                "grounds": a.grounds,
                "evidence": list(a.evidence),
                "status": a.status,
                "submitted_at": a.submitted_at,
                "decided_at": a.decided_at,
                "reason": a.reason,
                "measure": a.measure,
            }
            for a in selectors.case_appeals(case=case)
        ],
        "malicious_flags": [flag_out(f) for f in misuse.case_flags(case=case)],
    }


def flag_out(flag: NoticeFlag) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "notice_id": flag.notice_id,
        "flagged_by": flag.flagged_by.slug,
        "reason": flag.reason,
        "evidence": list(flag.evidence),
        "created_at": flag.created_at,
    }


def sender_measure_out(measure: SenderMeasure) -> dict[str, Any]:
    return {
        "id": measure.pk,
        "sender": measure.sender.slug,
        "kind": measure.kind,
        "reason": measure.reason,
        "evidence": dict(measure.evidence),
        "starts_at": measure.starts_at,
        "ends_at": measure.ends_at,
        "created_by": measure.created_by_label,
        "lifted_at": measure.lifted_at,
        "lift_reason": measure.lift_reason,
    }


def standing_out(sender: Organisation, standing: misuse.Standing) -> dict[str, Any]:
    return {
        "sender": sender.slug,
        "status": standing.status,
        "suspended_until": standing.until,
        "unfounded_items": standing.unfounded_items,
        "since": standing.since,
        "measures": [sender_measure_out(m) for m in standing.measures],
    }


def intake_out(intake: Intake, *, private: bool) -> dict[str, Any]:
    """``private``: the marketplace itself or an operator, who see the intake address."""
    return {
        "marketplace": intake.marketplace.slug,
        "name": intake.marketplace.name,
        "response_hours": intake.response_hours,
        "channels": list(intake.channels),
        "email": intake.email if private else "",
        "language": intake.language,
        "overdue_alerts": intake.overdue_alerts,
        "configured": intake.configured,
        "updated_at": intake.updated_at,
    }
