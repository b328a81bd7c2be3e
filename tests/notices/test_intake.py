"""How marketplaces receive their cases: the response time each commits to, the e-mail channel for marketplaces
whose systems are not connected, and the alerts when cases pass their response time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError
from ipbridge.notices import intake
from ipbridge.notices.completeness import EvidenceIn, ItemIn
from ipbridge.notices.models import MarketplaceIntake, WebhookDelivery, WebhookEndpoint
from tests.factories import MembershipFactory, api_key, member, verified_client
from tests.notices.factories import World, send, world
from tests.notices.test_workflow import case_at, decide_all

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = [
    EvidenceIn("screenshot", "https://evidence.aurora.example/shots/77.png", "The listing on 2026-11-20"),
    EvidenceIn("test_purchase", "TP-2026-114", ""),
]


def error_of(call: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


def set_intake(w: World, **changes: Any) -> intake.Intake:
    fields: dict[str, Any] = {
        "actor": actor_for_system(w.megamart),
        "slug": "megamart",
        "response_hours": 48,
        "email": "ip-notices@megamart.example",
        "language": "zh-hans",
    }
    return intake.intake_update(**{**fields, **changes})


def test_a_marketplace_without_settings_has_the_default_response_time_and_the_inbox_and_api() -> None:
    w = world()

    found = intake.intake_get(actor=actor_for_system(w.organisation), slug="megamart")

    assert (found.response_hours, found.email, found.configured, found.channels) == (24, "", False, ("inbox", "api"))
    assert MarketplaceIntake.objects.count() == 0


def test_the_marketplace_sets_its_intake_and_both_sides_are_audited() -> None:
    w = world()

    found = set_intake(w)

    assert (found.response_hours, found.email, found.language, found.configured) == (
        48,
        "ip-notices@megamart.example",
        "zh-hans",
        True,
    )
    assert found.channels == ("inbox", "api", "email")
    event = AuditEvent.objects.get(action="intake.updated")
    assert (event.organisation_id, event.details["after"]) == (
        w.megamart.pk,
        {"response_hours": 48, "email": "ip-notices@megamart.example", "language": "zh-hans"},
    )
    WebhookEndpoint.objects.create(organisation=w.megamart, url="https://hooks.megamart.example/", secret_encrypted="x")
    assert intake.intake_get(actor=actor_for_system(w.bazaar), slug="megamart").channels == (
        "inbox",
        "api",
        "webhooks",
        "email",
    )


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"response_hours": 0}, "response_hours", "out_of_range"),
        ({"response_hours": 721}, "response_hours", "out_of_range"),
        ({"email": "not an address"}, "email", "invalid_email"),
        ({"language": "fr"}, "language", "invalid_choice"),
    ],
)
def test_bad_intake_settings_are_refused_naming_the_field_and_nothing_is_stored(
    changes: dict[str, Any], field: str, code: str
) -> None:
    w = world()

    refused = error_of(set_intake, w=w, **changes)

    assert (refused.field, refused.code) == (field, code)
    assert MarketplaceIntake.objects.count() == 0


def test_only_the_marketplace_itself_or_an_operator_sets_its_intake() -> None:
    w = world()
    operator = member(kind=OrganisationKind.OPERATOR).organisation

    by_holder = error_of(set_intake, w=w, actor=actor_for_system(w.organisation))
    by_other_marketplace = error_of(set_intake, w=w, actor=actor_for_system(w.bazaar))
    by_operator = set_intake(w, actor=actor_for_system(operator), response_hours=72)
    unknown = error_of(set_intake, w=w, slug="nowhere")

    assert (by_holder.code, by_other_marketplace.code) == ("not_marketplace", "not_marketplace")
    assert by_operator.response_hours == 72
    assert unknown.status == 404


def test_each_case_is_due_within_its_own_marketplace_response_time() -> None:
    w = world()
    set_intake(w, response_hours=72)

    before = timezone.now()
    notice = send(w.organisation)
    after = timezone.now()

    megamart, bazaar = case_at(notice.pk, w.megamart), case_at(notice.pk, w.bazaar)
    assert before + timedelta(hours=72) <= megamart.response_due_at <= after + timedelta(hours=72)
    assert before + timedelta(hours=24) <= bazaar.response_due_at <= after + timedelta(hours=24)


def test_a_new_case_is_e_mailed_once_in_the_marketplace_language_with_items_and_evidence_links() -> None:
    w = world()
    set_intake(w)
    mail.outbox.clear()

    notice = send(w.organisation, evidence=EVIDENCE)

    case = case_at(notice.pk, w.megamart)
    assert [m.to for m in mail.outbox] == [["ip-notices@megamart.example"]]
    message = mail.outbox[0]
    assert message.subject == f"侵权通知 {str(notice.reference)[:8]}：MegaMart 上的 2 个商品链接"
    body = message.body
    assert "https://megamart.example/item/1" in body
    assert "https://megamart.example/item/2" in body
    assert "LB-77" not in body  # the other marketplace's item
    assert "https://evidence.aurora.example/shots/77.png" in body
    assert "TP-2026-114" in body
    assert f"{settings.SITE_URL.rstrip('/')}/cases/{case.pk}/\n" in body
    assert "EM 018000001" in body
    assert body.startswith("通过 IPBridge 向 MegaMart 发送的侵权通知。\n发送方: Aurora Cosmetics S.A.\n")
    case.refresh_from_db()
    assert (case.emailed_to, case.emailed_at is not None) == ("ip-notices@megamart.example", True)
    assert AuditEvent.objects.filter(action="case.emailed", subject_id=str(case.pk)).count() == 2

    again = intake.case_email_send(case_id=case.pk)

    assert again is False
    assert len(mail.outbox) == 1


def test_a_marketplace_without_an_intake_address_gets_no_e_mail() -> None:
    w = world()
    mail.outbox.clear()

    notice = send(w.organisation)

    assert mail.outbox == []
    assert intake.case_email_send(case_id=case_at(notice.pk, w.megamart).pk) is False


def test_overdue_cases_are_reported_once_to_the_admins_and_the_intake_address() -> None:
    w = world()
    set_intake(w, language="en")
    MembershipFactory(organisation=w.megamart, role=Role.ADMIN, user__email="lead@megamart.example")
    MembershipFactory(organisation=w.megamart, role=Role.REVIEWER, user__email="reader@megamart.example")
    WebhookEndpoint.objects.create(
        organisation=w.megamart, url="https://hooks.megamart.example/", secret_encrypted="x", events=["case.overdue"]
    )
    late = case_at(send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/item/1")]).pk, w.megamart)
    decided = decide_all(
        w, case_at(send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/item/2")]).pk, w.megamart)
    )
    mail.outbox.clear()
    now = timezone.now() + timedelta(hours=49)

    reported = intake.cases_overdue_alert(now=now)
    again = intake.cases_overdue_alert(now=now + timedelta(hours=1))

    assert (reported, again) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted(
        ["lead@megamart.example", w.marketplace_person.user.email, "ip-notices@megamart.example"]
    )
    assert message.subject == "1 case on IPBridge is past its response time"
    assert f"/cases/{late.pk}/" in message.body
    assert f"/cases/{decided.pk}/" not in message.body
    assert "48 hours" in message.body
    late.refresh_from_db()
    assert late.overdue_alerted_at == now
    assert list(WebhookDelivery.objects.values_list("event", "payload__case__id")) == [("case.overdue", late.pk)]
    assert AuditEvent.objects.filter(action="case.overdue", subject_id=str(late.pk)).count() == 2


def test_overdue_alerts_can_be_turned_off_but_the_case_is_still_marked_and_audited() -> None:
    w = world()
    set_intake(w, overdue_alerts=False)
    late = case_at(send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/item/1")]).pk, w.megamart)
    mail.outbox.clear()

    reported = intake.cases_overdue_alert(now=timezone.now() + timedelta(hours=49))

    late.refresh_from_db()
    assert (reported, mail.outbox, late.overdue_alerted_at is not None) == (1, [], True)


def test_intake_through_the_api() -> None:
    w = world()
    shop = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.megamart, ['accounts:write', 'notices:read'])}")
    holder = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.organisation, ['notices:read'])}")

    bad = shop.put("/api/v1/intake/megamart", {"response_hours": 48, "email": "nope"}, content_type="application/json")
    saved = shop.put(
        "/api/v1/intake/megamart",
        {"response_hours": 48, "email": "ip@megamart.example", "language": "zh-hans"},
        content_type="application/json",
    )
    seen_by_holder = holder.get("/api/v1/intake/megamart").json()
    listed = holder.get("/api/v1/intake").json()

    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "email")
    assert saved.status_code == 200
    assert saved.json() | {"updated_at": None} == {
        "marketplace": "megamart",
        "name": "MegaMart",
        "response_hours": 48,
        "channels": ["inbox", "api", "email"],
        "email": "ip@megamart.example",
        "language": "zh-hans",
        "overdue_alerts": True,
        "configured": True,
        "updated_at": None,
    }
    # Others see the response time and the channels, not the address.
    assert (seen_by_holder["response_hours"], seen_by_holder["email"]) == (48, "")
    assert [(row["marketplace"], row["response_hours"]) for row in listed] == [("little-bazaar", 24), ("megamart", 48)]


def test_intake_pages() -> None:
    w = world()
    shop = verified_client(w.marketplace_person.user)
    holder = verified_client(w.holder.user)

    refused = holder.get("/cases/intake/megamart/")
    invalid = shop.post("/cases/intake/megamart/", {"response_hours": "0", "email": "", "language": "en"})
    stored_after_refusal = MarketplaceIntake.objects.count()
    saved = shop.post(
        "/cases/intake/megamart/",
        {"response_hours": "36", "email": "ip@megamart.example", "language": "en", "overdue_alerts": "on"},
    )
    listing = holder.get("/cases/intake/").content.decode()
    own_listing = shop.get("/cases/intake/").content.decode()

    assert refused.status_code == 403
    assert invalid.status_code == 200
    assert 'data-field="response_hours"' in invalid.content.decode()
    assert stored_after_refusal == 0
    assert saved.status_code == 302
    assert MarketplaceIntake.objects.get().response_hours == 36
    assert "36 hours" in listing
    assert "ip@megamart.example" not in listing
    assert "ip@megamart.example" in own_listing
    assert 'href="/cases/intake/megamart/"' in own_listing
    assert 'href="/cases/intake/megamart/"' not in listing


CASE_READERS = {"right_holder", "agent", "marketplace", "merchant", "operator"}


@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_the_intake_pages_answer_every_kind_and_role_as_designed(kind: str, role: str) -> None:
    w = world()
    stranger = member(kind=kind, role=role)
    own = member(kind=OrganisationKind.MARKETPLACE, role=role, slug="own-market", name="Own Market")

    listing = verified_client(stranger.user).get("/cases/intake/")
    other = verified_client(stranger.user).get("/cases/intake/megamart/")
    mine = verified_client(own.user).get("/cases/intake/own-market/")
    posted = verified_client(stranger.user).post("/cases/intake/megamart/", {"response_hours": "5", "language": "en"})

    assert listing.status_code == (200 if kind in CASE_READERS else 403)
    may_edit_any = kind == OrganisationKind.OPERATOR and role == Role.ADMIN
    assert other.status_code == (200 if may_edit_any else 403)
    assert mine.status_code == (200 if role == Role.ADMIN else 403)
    assert posted.status_code == (302 if may_edit_any else 403)
    assert MarketplaceIntake.objects.filter(marketplace=w.megamart).exists() == may_edit_any


@pytest.mark.parametrize("page", ["/cases/intake/", "/cases/intake/megamart/"])
def test_the_intake_pages_send_anonymous_visitors_to_login(page: str) -> None:
    response = Client().get(page)

    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (302, True)
