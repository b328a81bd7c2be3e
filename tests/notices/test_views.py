"""The notice and case pages: who may open which, the statutory path through them (compose, check, send; decide,
forward; counter-notice; complaint), the CSV upload, and refusals that change nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.notices import services
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, CaseEvent, CounterNotice, Decision, Notice, NoticeItem
from tests.factories import member, verified_client
from tests.identity.factories import mandate_given
from tests.notices.factories import EXPLANATION, World, send, world

pytestmark = pytest.mark.django_db

ITEM_LINES = (
    "megamart https://megamart.example/item/1\nmegamart https://megamart.example/item/2\nlittle-bazaar id:LB-77"
)


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    """The error text shown under a form field."""
    found = re.search(rf'data-field="{re.escape(field)}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return found.group(1)


def counts() -> dict[str, int]:
    return {
        "notices": Notice.objects.count(),
        "items": NoticeItem.objects.count(),
        "decisions": Decision.objects.count(),
        "counter_notices": CounterNotice.objects.count(),
        "events": CaseEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def case_of(w: World, notice: Notice, marketplace: Any = None) -> Case:
    return Case.objects.get(notice=notice, marketplace=marketplace or w.megamart)


def draft(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "rights": ["EM 018000001"],
        "items": ITEM_LINES,
        "explanation": EXPLANATION,
        "notifier_name": "Amélie Laurent",
        "notifier_email": "brand@aurora.example",
        "good_faith": "on",
        "action": "check",
        "idempotency_key": "k-1",
    }
    return {k: v for k, v in {**fields, **changes}.items() if v is not None}


def decision(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "bulk_measure": "delete",
        "facts": "The listings show the AURORA mark on lipsticks not made by the right holder.",
        "legal_ground": "E-commerce Law of the PRC art. 42",
        "merchant": "bright-deals",
        "territorial_scope": "CN",
        "automated_decision": "not",
    }
    return {**fields, **changes}


def _item(n: str) -> ItemIn:
    return ItemIn("megamart", f"https://megamart.example/item/{n}0")


def forwarded(w: World, notice: Notice | None = None) -> Case:
    case = case_of(w, notice or send(w.organisation))
    verified_client(w.marketplace_person.user).post(f"/cases/{case.pk}/decide/", decision())
    case.refresh_from_db()
    assert case.status == "forwarded"
    return case


def counter_noticed(w: World) -> Case:
    case = forwarded(w)
    verified_client(w.merchant.user).post(
        f"/cases/{case.pk}/counter-notice/",
        {"statement": "Genuine goods bought from the brand's distributor.", "evidence": "invoice-2026-11.pdf"},
    )
    case.refresh_from_db()
    assert case.status == "counter_noticed"
    return case


# Who may open which page ----------------------------------------------------------------------------------------

SENDERS = {OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT}
NOTICE_READERS = {*SENDERS, OrganisationKind.OPERATOR}
CASE_READERS = {*NOTICE_READERS, OrganisationKind.MARKETPLACE, OrganisationKind.MERCHANT}


def expected_status(page: str, kind: str) -> int:
    if page == "/notices/":
        return 200 if kind in NOTICE_READERS else 403
    if page == "/notices/new/":
        return 200 if kind in SENDERS else 403
    if page == "/cases/":
        return 200 if kind in CASE_READERS else 403
    readers = NOTICE_READERS if page == "notice" else CASE_READERS
    if kind not in readers:
        return 403
    return 200 if kind == OrganisationKind.OPERATOR else 404  # another organisation's notice is not found


@pytest.mark.parametrize("page", ["/notices/", "/notices/new/", "/cases/", "notice", "case"])
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(page: str, role: str, kind: str) -> None:
    w = world()
    notice = send(w.organisation)
    path = {"notice": f"/notices/{notice.pk}/", "case": f"/cases/{case_of(w, notice).pk}/"}.get(page, page)
    stranger = member(kind=kind, role=role)

    response = verified_client(stranger.user).get(path)

    assert response.status_code == expected_status(page, kind)


@pytest.mark.parametrize("page", ["/notices/", "/notices/new/", "/notices/1/", "/cases/", "/cases/1/"])
def test_pages_send_anonymous_visitors_to_login(page: str) -> None:
    response = Client().get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_each_party_opens_its_case_and_no_one_else() -> None:
    w = world()
    notice = send(w.organisation)
    case = case_of(w, notice)

    before = verified_client(w.merchant.user).get(f"/cases/{case.pk}/").status_code
    forwarded_case = forwarded(w, notice)

    assert verified_client(w.holder.user).get(f"/cases/{case.pk}/").status_code == 200
    assert verified_client(w.marketplace_person.user).get(f"/cases/{case.pk}/").status_code == 200
    assert verified_client(w.marketplace_person.user).get(f"/notices/{notice.pk}/").status_code == 403
    assert before == 404
    assert verified_client(w.merchant.user).get(f"/cases/{forwarded_case.pk}/").status_code == 200
    assert verified_client(w.holder.user).get("/cases/abc/").status_code == 404
    assert verified_client(w.holder.user).get("/notices/abc/").status_code == 404
    assert verified_client(w.holder.user).get("/notices/99999/").status_code == 404


def test_the_menu_shows_notices_and_cases_to_the_kinds_they_serve() -> None:
    def menu(kind: str) -> list[str]:
        page = html(verified_client(member(kind=kind).user).get("/dashboard/"))
        return re.findall(r'class="nav-link[^"]*" href="/(?:notices|cases)/">([^<]+)<', page)

    assert menu(OrganisationKind.RIGHT_HOLDER) == ["Notices"]
    assert menu(OrganisationKind.AGENT) == ["Notices"]
    assert menu(OrganisationKind.MARKETPLACE) == ["Cases"]
    assert menu(OrganisationKind.MERCHANT) == ["Cases"]
    assert menu(OrganisationKind.OPERATOR) == ["Notices", "Cases"]
    assert menu(OrganisationKind.AUTHORITY) == []


# Refused posts change nothing -----------------------------------------------------------------------------------


def test_reviewers_read_but_every_post_of_theirs_is_refused_and_changes_nothing() -> None:
    w = world()
    case = counter_noticed(w)
    notice = case.notice
    reviewers = {kind: member(kind=kind, role=Role.REVIEWER) for kind in ("right_holder", "marketplace", "merchant")}
    for kind, membership in reviewers.items():
        membership.organisation = {"right_holder": w.organisation, "marketplace": w.megamart}.get(
            kind, w.merchant.organisation
        )
        membership.save()
        membership.user.active_organisation = membership.organisation
        membership.user.save()
    holder, market, merchant = (verified_client(m.user) for m in reviewers.values())
    before = counts()

    compose_page = html(holder.get("/notices/new/"))
    responses = [
        holder.post("/notices/new/", draft(action="send")),
        holder.post(f"/notices/{notice.pk}/withdraw/", {"reason": "x"}),
        holder.post(f"/cases/{case.pk}/complaint/", {"authority": "SAMR", "reference": "1"}),
        market.post(f"/cases/{case.pk}/acknowledge/"),
        market.post(f"/cases/{case.pk}/decide/", decision()),
        market.post(f"/cases/{case.pk}/close/", {}),
        merchant.post(f"/cases/{case.pk}/counter-notice/", {"statement": "x", "evidence": "y"}),
    ]

    assert 'id="read-only"' in compose_page
    assert 'id="notice-form"' not in compose_page
    assert [r.status_code for r in responses] == [403] * 7
    assert 'id="complaint-form"' not in html(holder.get(f"/cases/{case.pk}/"))
    assert counts() == before


def test_posts_by_the_wrong_party_are_refused_and_change_nothing() -> None:
    w = world()
    notice = send(w.organisation)
    case = case_of(w, notice)
    other_marketplace = verified_client(member(kind=OrganisationKind.MARKETPLACE).user)
    holder = verified_client(w.holder.user)
    merchant = verified_client(w.merchant.user)
    stranger = verified_client(member().user)
    before = counts()

    responses = [
        other_marketplace.post(f"/cases/{case.pk}/decide/", decision()),
        other_marketplace.post(f"/cases/{case.pk}/acknowledge/"),
        holder.post(f"/cases/{case.pk}/decide/", decision()),
        merchant.post(f"/cases/{case.pk}/counter-notice/", {"statement": "x", "evidence": "y"}),
        merchant.post(f"/notices/{notice.pk}/withdraw/", {}),
        stranger.post(f"/notices/{notice.pk}/withdraw/", {}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 403, 404, 403, 404]
    assert counts() == before


# Sending a notice -----------------------------------------------------------------------------------------------


def test_compose_check_shows_each_gap_on_its_field_then_send_creates_one_case_per_marketplace() -> None:
    w = world()
    client = verified_client(w.holder.user)

    page = html(client.get("/notices/new/"))
    checked = client.post(
        "/notices/new/",
        draft(items="megamart not-a-link\nnowhere https://x.example/1", explanation="fake", good_faith=None),
    )
    complete = client.post("/notices/new/", draft())
    sent = client.post("/notices/new/", draft(action="send", idempotency_key="same"))
    again = client.post("/notices/new/", draft(action="send", idempotency_key="same"))

    assert 'value="EM 018000001"' in page
    assert f'value="{w.holder.user.email}"' in page
    assert "<code>little-bazaar</code></td><td>Little Bazaar" in page
    assert re.findall(r"<li>([^<]+)</li>", html(checked).split('id="gaps"')[1].split("</ul>")[0]) == [
        "Unknown marketplaces: nowhere.",
        "Item 1&#x27;s URL is not a web address.",
        "Explain why the items infringe, in at least 30 characters.",
        "Confirm in good faith that the information is accurate and complete.",
    ]
    assert field_error(checked, "explanation") == "Explain why the items infringe, in at least 30 characters."
    assert field_error(checked, "good_faith") == "Confirm in good faith that the information is accurate and complete."
    assert field_error(checked, "items") == "Unknown marketplaces: nowhere."
    assert 'id="complete"' in html(complete)
    notice = Notice.objects.get()
    assert sent["Location"] == again["Location"] == f"/notices/{notice.pk}/"
    assert sorted(Case.objects.values_list("marketplace__slug", flat=True)) == ["little-bazaar", "megamart"]
    detail = html(client.get(sent["Location"]))
    assert 'data-marketplace="megamart"' in detail
    assert "https://megamart.example/item/2" in detail
    listing = html(client.get("/notices/"))
    assert f'data-notice="{notice.pk}"' in listing
    assert listing.count('<div class="text-nowrap" data-case=') == 2


def test_sending_an_incomplete_notice_shows_its_gaps_and_stores_nothing() -> None:
    w = world()
    client = verified_client(w.holder.user)

    response = client.post("/notices/new/", draft(action="send", notifier_email="me"))

    assert response.status_code == 200
    assert field_error(response, "notifier_email") == "Give the e-mail address of the person sending it."
    assert Notice.objects.count() == 0


def test_lines_that_cannot_be_read_are_named() -> None:
    w = world()
    client = verified_client(w.holder.user)

    items = client.post("/notices/new/", draft(items="megamart https://megamart.example/1\nmegamart"))
    evidence = client.post("/notices/new/", draft(evidence="photo https://x.example/1"))
    no_right = client.post("/notices/new/", draft(rights=["EM 999"]))

    assert field_error(items, "items") == "Line 2: write the marketplace&#x27;s id, then the URL or id:LISTING-ID."
    assert field_error(evidence, "evidence").startswith(
        "Line 1: write the kind of evidence (screenshot, test_purchase,"
    )
    assert field_error(no_right, "rights").startswith("Select a valid choice.")


def csv_file(text: str | bytes, name: str = "items.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def test_a_csv_of_three_rows_joins_the_items_and_is_sent() -> None:
    w = world()
    client = verified_client(w.holder.user)
    rows = (
        "marketplace,url,listing_id,title\n"
        "megamart,https://megamart.example/item/7,,AURORA lipstick\n"
        'megamart,,MM-8,"Rouge, 12 colours"\n'
        "little-bazaar,https://bazaar.example/p/9,,\n"
    )

    checked = client.post("/notices/new/", draft(items="", items_file=csv_file(rows)))
    sent = client.post("/notices/new/", draft(items="", action="send", items_file=csv_file(rows)))

    page = html(checked)
    assert "The file&#x27;s 3 items are now in the list of items." in page
    assert "megamart https://megamart.example/item/7 AURORA lipstick\nmegamart id:MM-8 Rouge, 12 colours" in page
    assert 'id="complete"' in page
    notice = Notice.objects.get()
    assert sent["Location"] == f"/notices/{notice.pk}/"
    assert list(NoticeItem.objects.filter(notice=notice).values_list("url", "listing_id", "title")) == [
        ("https://megamart.example/item/7", "", "AURORA lipstick"),
        ("", "MM-8", "Rouge, 12 colours"),
        ("https://bazaar.example/p/9", "", ""),
    ]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "The file is not CSV text in UTF-8."),
        ("url,marketplace\nx,y\n", "Line 1 must be the header: marketplace,url,listing_id,title."),
        ("marketplace,url,listing_id,title\nmegamart,https://m.example/1\n", "Line 2 has 2 columns instead of 4."),
        ("marketplace,url,listing_id,title\nmegamart,,,\n", "Line 2: give the marketplace and a URL or a listing id."),
        (
            "marketplace,url,listing_id,title\n" + "megamart,https://m.example/1,,\n" * 10_001,
            "At most 10000 items in one notice; the file has more.",
        ),
        ("\n", "Line 1 must be the header: marketplace,url,listing_id,title."),
    ],
)
def test_a_file_that_is_not_the_csv_asked_for_is_refused_on_its_field(content: str | bytes, error: str) -> None:
    w = world()

    response = verified_client(w.holder.user).post(
        "/notices/new/", draft(items="", action="send", items_file=csv_file(content))
    )

    assert response.status_code == 200
    assert field_error(response, "items_file") == error
    assert Notice.objects.count() == 0


def test_an_agent_chooses_the_right_holder_it_acts_for_and_sends_under_the_mandate() -> None:
    w = world()
    guard = member(kind=OrganisationKind.AGENT, name="BrandGuard IP Services", verification_status="verified")
    mandate_given(w.organisation, guard.organisation, [w.right])
    client = verified_client(guard.user)

    page = html(client.get("/notices/new/"))
    sent = client.post("/notices/new/", draft(action="send", on_behalf_of=w.organisation.slug))

    assert "Rights of Aurora Cosmetics S.A." in page
    assert 'value="EM 018000001"' in page
    notice = Notice.objects.get()
    assert sent["Location"] == f"/notices/{notice.pk}/"
    assert (notice.sender, notice.principal) == (guard.organisation, w.organisation)


def test_an_agent_without_a_mandate_is_told_so() -> None:
    guard = member(kind=OrganisationKind.AGENT)

    page = html(verified_client(guard.user).get("/notices/new/"))

    assert 'id="no-mandates"' in page
    assert 'id="notice-form"' not in page


def test_the_sender_withdraws_its_notice() -> None:
    w = world()
    notice = send(w.organisation)
    client = verified_client(w.holder.user)

    response = client.post(f"/notices/{notice.pk}/withdraw/", {"reason": "Settled with the merchant."})

    assert response["Location"] == f"/notices/{notice.pk}/"
    assert set(Case.objects.values_list("status", flat=True)) == {"withdrawn"}
    page = html(client.get(response["Location"]))
    assert 'id="notice-status" data-status="withdrawn"' in page
    assert 'id="withdraw-form"' not in page


# Handling a case ------------------------------------------------------------------------------------------------


def test_the_marketplace_inbox_filters_and_shows_overdue_cases_in_red() -> None:
    w = world()
    first = case_of(w, send(w.organisation))
    second = case_of(w, send(w.organisation, items=[_item("9")]))
    Case.objects.filter(pk=first.pk).update(response_due_at=timezone.now() - timedelta(hours=1))
    client = verified_client(w.marketplace_person.user)

    everything = html(client.get("/cases/"))
    overdue = html(client.get("/cases/?overdue=on"))
    closed = html(client.get("/cases/?status=closed"))
    invalid = client.get("/cases/?status=nope")

    assert re.findall(r'<tr data-case="(\d+)">', everything) == [str(first.pk), str(second.pk)]
    assert re.findall(r'<tr data-case="(\d+)">', overdue) == [str(first.pk)]
    assert 'data-overdue="true"' in overdue
    assert 'id="no-cases"' in closed
    assert invalid.status_code == 200
    assert field_error(invalid, "status").startswith("Select a valid choice.")


def test_the_marketplace_decides_with_a_bulk_measure_and_one_item_rejected_then_the_merchant_sees_it() -> None:
    w = world()
    notice = send(w.organisation)
    case = case_of(w, notice)
    first, second = NoticeItem.objects.filter(case=case).order_by("id")
    client = verified_client(w.marketplace_person.user)

    page = html(client.get(f"/cases/{case.pk}/"))
    acknowledged = client.post(f"/cases/{case.pk}/acknowledge/")
    no_reason = client.post(f"/cases/{case.pk}/decide/", decision(**{f"measure-{second.pk}": "reject"}))
    unknown_merchant = client.post(f"/cases/{case.pk}/decide/", decision(merchant="nobody"))
    decided = client.post(
        f"/cases/{case.pk}/decide/",
        decision(**{f"measure-{second.pk}": "reject", f"reason-{second.pk}": "Genuine goods, bought from Aurora."}),
    )

    assert f'name="measure-{first.pk}"' in page
    assert "Aurora Cosmetics S.A.</a>" in page
    assert 'id="sender-verified"' in page
    assert acknowledged["Location"] == f"/cases/{case.pk}/"
    assert field_error(no_reason, f"item-{second.pk}") == "Say why the item is rejected."
    assert field_error(unknown_merchant, "merchant") == "No merchant with this id on IPBridge."
    assert decided["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.status, case.merchant) == ("forwarded", w.merchant.organisation)
    assert list(NoticeItem.objects.filter(case=case).order_by("id").values_list("status", "measure")) == [
        ("acted", "delete"),
        ("rejected", ""),
    ]
    merchant_page = html(verified_client(w.merchant.user).get(f"/cases/{case.pk}/"))
    assert 'id="counter-notice-form"' in merchant_page
    assert 'data-measure="delete"' in merchant_page
    assert "brand@aurora.example" not in merchant_page
    timeline = re.findall(r'<li class="list-group-item small" data-status="(\w+)">', merchant_page)
    assert timeline == ["delivered", "acknowledged", "decided", "forwarded"]


def test_a_decision_without_any_measure_is_refused_on_the_form() -> None:
    w = world()
    case = case_of(w, send(w.organisation))

    response = verified_client(w.marketplace_person.user).post(
        f"/cases/{case.pk}/decide/", decision(bulk_measure="", territorial_scope="Germany")
    )

    assert field_error(response, "bulk_measure") == "Choose a measure for at least one item, or for all pending items."
    assert Decision.objects.count() == 0


def test_a_bad_territory_is_shown_on_its_field() -> None:
    w = world()
    case = case_of(w, send(w.organisation))

    response = verified_client(w.marketplace_person.user).post(
        f"/cases/{case.pk}/decide/", decision(territorial_scope="Germany")
    )

    assert field_error(response, "territorial_scope") == "Territories are two-letter country codes such as DE or CN."
    assert Decision.objects.count() == 0


def test_a_decided_case_is_forwarded_once_the_merchant_is_named() -> None:
    w = world()
    case = case_of(w, send(w.organisation))
    client = verified_client(w.marketplace_person.user)
    client.post(f"/cases/{case.pk}/decide/", decision(merchant=""))
    case.refresh_from_db()
    assert case.status == "decided"

    page = html(client.get(f"/cases/{case.pk}/"))
    wrong = client.post(f"/cases/{case.pk}/forward/", {"merchant": "nobody"})
    done = client.post(f"/cases/{case.pk}/forward/", {"merchant": "bright-deals"})

    assert 'id="forward-form"' in page
    assert field_error(wrong, "merchant") == "No merchant with this id on IPBridge."
    assert done["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.status == "forwarded"


def test_the_merchant_answers_with_a_counter_notice_and_the_sender_shows_a_complaint() -> None:
    w = world()
    case = forwarded(w)
    merchant = verified_client(w.merchant.user)
    holder = verified_client(w.holder.user)

    missing = merchant.post(f"/cases/{case.pk}/counter-notice/", {"statement": "Genuine.", "evidence": "  \n "})
    answered = merchant.post(
        f"/cases/{case.pk}/counter-notice/",
        {"statement": "Genuine goods from the brand's distributor.", "evidence": "invoice-2026-11.pdf\nlicence.pdf"},
    )
    case.refresh_from_db()
    merchant_page = html(merchant.get(f"/cases/{case.pk}/"))
    holder_page = html(holder.get(f"/cases/{case.pk}/"))
    complained = holder.post(
        f"/cases/{case.pk}/complaint/", {"authority": "深圳市市场监督管理局", "reference": "SZ-2026-118"}
    )

    assert field_error(missing, "evidence") == "This field is required."
    assert answered["Location"] == f"/cases/{case.pk}/"
    assert case.lift_due_at is not None
    window = f"Unless the right holder shows by {timezone.localtime(case.lift_due_at):%Y-%m-%d %H:%M}"
    assert window in merchant_page
    assert 'id="counter-notice-form"' not in merchant_page
    assert "licence.pdf" in holder_page
    assert 'id="complaint-form"' in holder_page
    assert complained["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.status == "complaint_filed"
    assert 'id="complaint-filed"' in html(holder.get(f"/cases/{case.pk}/"))


def test_after_the_window_the_case_shows_the_measures_lifted_and_no_complaint_form() -> None:
    w = world()
    case = counter_noticed(w)
    assert case.lift_due_at is not None

    services.cases_lift_due(now=case.lift_due_at + timedelta(seconds=1))

    page = html(verified_client(w.holder.user).get(f"/cases/{case.pk}/"))
    assert 'id="lifted"' in page
    assert 'id="complaint-form"' not in page
    assert 'data-status="restored"' in page


def test_the_marketplace_closes_a_case() -> None:
    w = world()
    case = case_of(w, send(w.organisation))

    response = verified_client(w.marketplace_person.user).post(f"/cases/{case.pk}/close/", {"note": "Duplicate."})

    assert response["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.status == "closed"


def test_items_are_shown_a_hundred_a_page() -> None:
    w = world()
    notice = send(w.organisation, items=[_item(str(n)) for n in range(150)])
    client = verified_client(w.holder.user)

    first = html(client.get(f"/notices/{notice.pk}/"))
    second = html(client.get(f"/notices/{notice.pk}/?page=2"))
    case_page = html(client.get(f"/cases/{case_of(w, notice).pk}/?page=2"))

    assert first.count("<tr data-item=") == 100
    assert second.count("<tr data-item=") == 50
    assert case_page.count("<tr data-item=") == 50


# Dashboards -----------------------------------------------------------------------------------------------------


def test_the_dashboards_say_what_to_do_next_about_notices_and_cases() -> None:
    w = world()
    holder = verified_client(w.holder.user)
    marketplace = verified_client(w.marketplace_person.user)

    before = html(holder.get("/dashboard/"))
    quiet = html(marketplace.get("/dashboard/"))
    send(w.organisation)
    after = html(holder.get("/dashboard/"))
    busy = html(marketplace.get("/dashboard/"))

    assert '<a href="/notices/new/">Send your first notice</a>' in before
    assert "Send your first notice" in after
    assert '<a href="/notices/new/">' not in after
    assert "No case awaits your decision." in quiet
    assert '<a href="/cases/">Answer your cases</a>' in busy
    assert "1 case awaits your decision." in busy
