"""Misuse of notices (DSA art. 23; China E-commerce Law art. 42): rejections marked manifestly unfounded warn, then
suspend their sender; marketplaces and operators flag malicious notices; operators lift measures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from ipbridge.notices import misuse, services
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, Decision, NoticeFlag, NoticeItem, SenderMeasure
from tests.factories import api_key, member, verified_client
from tests.notices.factories import World, notice_fields, send, world

pytestmark = pytest.mark.django_db


def unfounded(w: World, n: int, count: int, *, manifestly: bool = True) -> Case:
    """A notice of ``count`` items at MegaMart, every item rejected (as manifestly unfounded, by default)."""
    notice = send(w.organisation, items=[ItemIn("megamart", f"https://megamart.example/{n}/{k}") for k in range(count)])
    case = Case.objects.get(notice=notice)
    services.case_decide(
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[services.ItemDecision(i.pk, "", f"Not a listing of the mark ({n})") for i in items_of(case)],
        facts="facts",
        legal_ground="ground",
        manifestly_unfounded=manifestly,
    )
    return case


def items_of(case: Case) -> list[NoticeItem]:
    return list(NoticeItem.objects.filter(case=case).order_by("id"))


def forwarded(w: World) -> Case:
    notice = send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/fwd/1")])
    case = Case.objects.get(notice=notice)
    services.case_decide(
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[services.ItemDecision(i.pk, "delete") for i in items_of(case)],
        facts="facts",
        legal_ground="ground",
        merchant_slug=w.merchant.organisation.slug,
    )
    return case


def bearer(organisation: Any, *scopes: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, list(scopes or ['notices:read']))}")


def measures(w: World) -> list[tuple[str, str | None]]:
    return [(m.kind, m.created_by_label) for m in SenderMeasure.objects.filter(sender=w.organisation).order_by("id")]


def test_five_manifestly_unfounded_items_warn_the_sender() -> None:
    w = world()
    unfounded(w, 1, 4)
    unfounded(w, 2, 3, manifestly=False)
    assert measures(w) == []

    last = unfounded(w, 3, 1)

    warning = SenderMeasure.objects.get(sender=w.organisation)
    assert (warning.kind, warning.ends_at, warning.created_by_label) == ("warning", None, "system")
    assert warning.reason.startswith("5 items rejected as manifestly unfounded since ")
    assert warning.evidence["items"][-1] == {
        "case": last.pk,
        "item": items_of(last)[0].pk,
        "marketplace": "megamart",
        "reason": "Not a listing of the mark (3)",
    }
    assert len(warning.evidence["items"]) == 5
    assert sorted(
        AuditEvent.objects.filter(action="sender.warned").values_list("organisation__slug", flat=True)
    ) == sorted([w.organisation.slug, "megamart"])
    assert misuse.sender_standing(sender=w.organisation).status == "warned"


def test_ten_after_the_warning_suspend_for_thirty_days_from_the_decision() -> None:
    w = world()
    unfounded(w, 1, 5)
    at = timezone.now().replace(microsecond=0) + timedelta(hours=1)

    with mock.patch("django.utils.timezone.now", return_value=at):
        unfounded(w, 2, 5)

    suspension = SenderMeasure.objects.get(sender=w.organisation, kind="suspension")
    assert measures(w) == [("warning", "system"), ("suspension", "system")]
    assert (suspension.starts_at, suspension.ends_at) == (at, at + timedelta(days=30))
    assert suspension.reason.startswith("10 items rejected as manifestly unfounded since ")
    standing = misuse.sender_standing(sender=w.organisation, now=at)
    assert (standing.status, standing.until) == ("suspended", at + timedelta(days=30))


def test_one_decision_crossing_both_counts_only_warns_and_the_next_one_suspends() -> None:
    w = world()
    unfounded(w, 1, 12)
    assert measures(w) == [("warning", "system")]

    unfounded(w, 2, 1)

    assert measures(w) == [("warning", "system"), ("suspension", "system")]


def test_a_suspended_sender_is_refused_naming_the_end_date() -> None:
    w = world()
    unfounded(w, 1, 5)
    unfounded(w, 2, 5)
    suspension = SenderMeasure.objects.get(kind="suspension")
    ends = timezone.localtime(suspension.ends_at)
    notices_before = w.organisation.notices_sent.count()

    with pytest.raises(PermissionDenied) as refused:
        send(w.organisation)
    with pytest.raises(PermissionDenied) as checked:
        services.notice_check(actor=actor_for_system(w.organisation), **notice_fields())
    answer = bearer(w.organisation, "notices:read", "notices:write").post(
        "/api/v1/notices",
        {
            "rights": ["EM 018000001"],
            "items": [{"marketplace": "megamart", "url": "https://megamart.example/x"}],
            "explanation": "x",
            "good_faith": True,
            "notifier_name": "A",
            "notifier_email": "a@aurora.example",
        },
        content_type="application/json",
    )

    assert refused.value.code == checked.value.code == "sender_suspended"
    assert ends.strftime("%Y-%m-%d %H:%M") in refused.value.message
    assert refused.value.details == {"ends_at": ends.isoformat(), "measure_id": suspension.pk}
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "sender_suspended"
    assert w.organisation.notices_sent.count() == notices_before


def test_an_operator_lifts_a_suspension_and_the_sender_sends_again() -> None:
    w = world()
    unfounded(w, 1, 5)
    unfounded(w, 2, 5)
    suspension = SenderMeasure.objects.get(kind="suspension")
    operator = member(kind="operator", slug="ipbridge-ops")

    refused = bearer(w.megamart, "notices:read", "notices:write").post(
        f"/api/v1/sender-measures/{suspension.pk}/lift", {"reason": "x"}, content_type="application/json"
    )
    lifted = verified_client(operator.user).post(
        f"/api/v1/sender-measures/{suspension.pk}/lift",
        {"reason": "The marketplace marked genuine notices by mistake."},
        content_type="application/json",
    )
    again = verified_client(operator.user).post(
        f"/api/v1/sender-measures/{suspension.pk}/lift", {"reason": "twice"}, content_type="application/json"
    )

    assert refused.status_code == 403
    assert lifted.status_code == 200
    assert lifted.json()["lift_reason"] == "The marketplace marked genuine notices by mistake."
    assert again.json()["error"]["code"] == "not_in_force"
    assert misuse.sender_standing(sender=w.organisation).status == "ok"  # a suspension wipes the slate
    assert send(w.organisation).pk
    assert sorted(
        AuditEvent.objects.filter(action="sender.measure_lifted").values_list("organisation__slug", flat=True)
    ) == sorted([w.organisation.slug, "ipbridge-ops"])


def test_after_a_lifted_suspension_the_count_starts_again() -> None:
    w = world()
    unfounded(w, 1, 5)
    unfounded(w, 2, 5)
    operator = actor_for_system(member(kind="operator").organisation)
    misuse.sender_measure_lift(actor=operator, measure_id=SenderMeasure.objects.get(kind="suspension").pk, reason="r")

    unfounded(w, 3, 4)

    assert misuse.sender_standing(sender=w.organisation).unfounded_items == 4
    assert measures(w) == [("warning", "system"), ("suspension", "system")]


def test_manifestly_unfounded_needs_a_rejection_in_the_same_decision() -> None:
    w = world()
    notice = send(w.organisation)
    case = Case.objects.get(notice=notice, marketplace=w.megamart)

    with pytest.raises(ValidationFailed) as refused:
        services.case_decide(
            actor=actor_for_system(w.megamart),
            case_id=case.pk,
            decisions=[services.ItemDecision(i.pk, "delete") for i in items_of(case)],
            facts="facts",
            legal_ground="ground",
            manifestly_unfounded=True,
        )

    assert (refused.value.code, refused.value.field) == ("no_rejection", "manifestly_unfounded")
    assert Decision.objects.count() == 0


def test_the_api_marks_only_the_rejections_of_the_call() -> None:
    w = world()
    case = Case.objects.get(notice=send(w.organisation), marketplace=w.megamart)
    first, second = items_of(case)

    answer = bearer(w.megamart, "notices:read", "notices:write").post(
        f"/api/v1/cases/{case.pk}/decisions",
        {
            "decisions": [
                {"item_id": first.pk, "measure": "delete"},
                {"item_id": second.pk, "reason": "A photo of the right holder's own shop."},
            ],
            "facts": "facts",
            "legal_ground": "ground",
            "manifestly_unfounded": True,
        },
        content_type="application/json",
    )

    assert answer.status_code == 200
    assert sorted(Decision.objects.values_list("measure", "manifestly_unfounded")) == [("", True), ("delete", False)]


def test_the_settings_set_the_counts(settings: Any) -> None:
    settings.MISUSE_WARNING_ITEMS, settings.MISUSE_SUSPENSION_ITEMS, settings.MISUSE_SUSPENSION_DAYS = 1, 2, 7
    w = world()
    unfounded(w, 1, 1)
    unfounded(w, 2, 1)

    suspension = SenderMeasure.objects.get(kind="suspension")
    assert measures(w) == [("warning", "system"), ("suspension", "system")]
    assert suspension.ends_at - suspension.starts_at == timedelta(days=7)


def test_rejections_older_than_the_period_do_not_count(settings: Any) -> None:
    w = world()
    unfounded(w, 1, 4)
    NoticeItem.objects.update(decided_at=timezone.now() - timedelta(days=91))

    unfounded(w, 2, 1)

    assert measures(w) == []
    assert misuse.sender_standing(sender=w.organisation).unfounded_items == 1


def test_a_malicious_flag_is_seen_by_the_merchant_the_sender_and_the_marketplace() -> None:
    w = world()
    case = forwarded(w)
    flagging = bearer(w.megamart, "notices:read", "notices:write")

    answer = flagging.post(
        f"/api/v1/cases/{case.pk}/flag-malicious",
        {"reason": "The sender's own listing, reported to harm a rival.", "evidence": ["chat-log-2026-03.pdf"]},
        content_type="application/json",
    )
    twice = flagging.post(
        f"/api/v1/cases/{case.pk}/flag-malicious",
        {"reason": "again", "evidence": ["x"]},
        content_type="application/json",
    )

    assert answer.status_code == 201
    flag = NoticeFlag.objects.get()
    assert answer.json() == {
        "id": flag.pk,
        "notice_id": case.notice_id,
        "flagged_by": "megamart",
        "reason": "The sender's own listing, reported to harm a rival.",
        "evidence": ["chat-log-2026-03.pdf"],
        "created_at": answer.json()["created_at"],
    }
    assert twice.json()["error"]["code"] == "already_flagged"
    for person in (w.merchant, w.holder, w.marketplace_person):
        page = verified_client(person.user).get(f"/cases/{case.pk}/").content.decode()
        assert f'data-flag="{flag.pk}"' in page, person.organisation.slug
        assert "reported to harm a rival" in page
    merchant_view = bearer(w.merchant.organisation).get(f"/api/v1/cases/{case.pk}").json()
    assert [f["id"] for f in merchant_view["malicious_flags"]] == [flag.pk]
    warning = SenderMeasure.objects.get(sender=w.organisation)
    assert (warning.kind, warning.evidence["flag"], warning.evidence["case"]) == ("warning", flag.pk, case.pk)
    assert warning.created_by_label.startswith("API key ")
    assert warning.reason == (
        "Notice flagged as malicious by MegaMart: The sender's own listing, reported to harm a rival."
    )


def test_a_malicious_flag_is_the_warning_before_a_suspension() -> None:
    w = world()
    case = forwarded(w)
    misuse.notice_flag_malicious(actor=actor_for_system(w.megamart), case_id=case.pk, reason="r", evidence=["e"])

    unfounded(w, 1, 10)

    assert measures(w) == [("warning", "command line"), ("suspension", "system")]


def test_only_the_cases_marketplace_or_an_operator_flags_and_others_are_not_told_it_exists() -> None:
    w = world()
    case = forwarded(w)
    body = {"reason": "r", "evidence": ["e"]}

    as_sender = bearer(w.organisation, "notices:read", "notices:write").post(
        f"/api/v1/cases/{case.pk}/flag-malicious", body, content_type="application/json"
    )
    stranger = member(kind="marketplace").organisation
    as_stranger = bearer(stranger, "notices:read", "notices:write").post(
        f"/api/v1/cases/{case.pk}/flag-malicious", body, content_type="application/json"
    )
    operator = actor_for_system(member(kind="operator").organisation)
    by_notice = misuse.notice_flag_malicious(actor=operator, notice_id=case.notice_id, reason="r", evidence=["e"])
    with pytest.raises(ApplicationError) as no_evidence:
        misuse.notice_flag_malicious(actor=actor_for_system(w.megamart), case_id=case.pk, reason="r", evidence=[" "])

    assert (as_sender.status_code, as_sender.json()["error"]["code"]) == (403, "not_marketplace")
    assert as_stranger.status_code == 404
    assert by_notice.flagged_by_id == operator.organisation.pk
    assert no_evidence.value.code == "evidence_required"


def test_the_standing_endpoints_show_each_their_part() -> None:
    w = world()
    unfounded(w, 1, 5)

    own = bearer(w.organisation).get("/api/v1/notices/standing").json()
    seen_by_marketplace = bearer(w.megamart).get(f"/api/v1/notices/senders/{w.organisation.slug}/standing")
    seen_by_merchant = bearer(w.merchant.organisation).get(f"/api/v1/notices/senders/{w.organisation.slug}/standing")

    assert (own["sender"], own["status"], own["suspended_until"], own["unfounded_items"]) == (
        w.organisation.slug,
        "warned",
        None,
        5,
    )
    assert [(m["kind"], m["created_by"]) for m in own["measures"]] == [("warning", "system")]
    assert seen_by_marketplace.json()["status"] == "warned"
    assert seen_by_merchant.status_code == 404


def test_the_notices_and_accuracy_pages_show_the_senders_standing() -> None:
    w = world()
    unfounded(w, 1, 5)
    unfounded(w, 2, 5)
    ends = timezone.localtime(SenderMeasure.objects.get(kind="suspension").ends_at).strftime("%Y-%m-%d %H:%M")
    client = verified_client(w.holder.user)

    notices_page = client.get("/notices/").content.decode()
    accuracy_page = client.get("/notices/accuracy/").content.decode()

    for page in (notices_page, accuracy_page):
        assert 'id="sender-standing" data-status="suspended"' in page
        assert f"suspended from sending notices until {ends}" in page
        assert "10 items rejected as manifestly unfounded since" in page
    assert 'id="misuse-rule"' in accuracy_page


def test_operators_see_the_measures_on_the_accuracy_page_and_lift_them() -> None:
    w = world()
    unfounded(w, 1, 5)
    warning = SenderMeasure.objects.get()
    operator = verified_client(member(kind="operator").user)

    page = operator.get("/notices/accuracy/").content.decode()
    answer = operator.post(f"/notices/sender-measures/{warning.pk}/lift/", {"reason": "Marked by mistake."})
    marketplace_page = verified_client(w.marketplace_person.user).get("/notices/accuracy/").content.decode()

    assert f'data-measure="{warning.pk}" data-kind="warning"' in page
    assert 'class="d-flex gap-2 lift-form"' in page
    assert answer.status_code == 302
    warning.refresh_from_db()
    assert warning.lift_reason == "Marked by mistake."
    assert 'id="sender-measures"' not in marketplace_page
    assert misuse.sender_standing(sender=w.organisation).status == "ok"


def test_the_case_page_marks_rejections_and_flags_the_notice() -> None:
    w = world()
    case = Case.objects.get(notice=send(w.organisation), marketplace=w.megamart)
    client = verified_client(w.marketplace_person.user)

    form = client.get(f"/cases/{case.pk}/").content.decode()
    decided = client.post(
        f"/cases/{case.pk}/decide/",
        {
            "bulk_measure": "reject",
            "bulk_reason": "The listings sell another brand.",
            "facts": "facts",
            "legal_ground": "ground",
            "automated_decision": "not",
            "manifestly_unfounded": "on",
        },
    )
    flag_form = client.get(f"/cases/{case.pk}/").content.decode()
    flagged = client.post(
        f"/cases/{case.pk}/flag-malicious/", {"reason": "Sent to harm a rival.", "evidence": "mail-1.eml"}
    )
    after = client.get(f"/cases/{case.pk}/").content.decode()

    assert 'name="manifestly_unfounded"' in form
    assert decided.status_code == 302
    assert list(Decision.objects.values_list("manifestly_unfounded", flat=True)) == [True]
    assert 'id="flag-malicious-form"' in flag_form
    assert flagged.status_code == 302
    assert NoticeFlag.objects.get().evidence == ["mail-1.eml"]
    assert 'id="malicious-flags"' in after
    assert 'id="flag-malicious-form"' not in after
