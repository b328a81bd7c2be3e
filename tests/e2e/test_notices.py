"""Notice and action in a real browser, the whole statutory path: a right holder sends one notice to two
marketplaces; a marketplace takes measures and forwards it to the merchant; the merchant files a counter-notice;
the window closes without a complaint and the measures are lifted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from ipbridge.accounts.models import Membership, OrganisationKind
from ipbridge.notices import services
from ipbridge.notices.models import Case, Notice
from tests.factories import PASSWORD, OrganisationFactory, member
from tests.identity.factories import held, right_with_contacts

from .conftest import TIMEOUT_MS, log_in, log_out, screenshot, totp_code, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEMS = "\n".join(
    [
        "megamart https://megamart.example/item/1 AURORA lipstick",
        "megamart https://megamart.example/item/2",
        "little-bazaar id:LB-77",
    ]
)
EXPLANATION = "The listings sell lipsticks under the AURORA mark, which the right holder never made or licensed."


@pytest.fixture
def second_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """Another person's browser, at the same time."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def person(kind: str, name: str, slug: str) -> Membership:
    return member(kind=kind, name=name, slug=slug, verification_status="verified")


def sign_in(page: Page, membership: Membership) -> None:
    device = TOTPDevice.objects.get(user=membership.user)
    log_in(page, email=membership.user.email, password=PASSWORD, code=totp_code(device.bin_key))


def nav(page: Page, label: str) -> None:
    page.locator("nav").get_by_role("link", name=label, exact=True).click()


def test_a_notice_goes_to_two_marketplaces_is_answered_by_a_counter_notice_and_its_measures_end(
    page: Page, second_page: Page
) -> None:
    holder = person(OrganisationKind.RIGHT_HOLDER, "Aurora Cosmetics S.A.", "aurora")
    held(holder.organisation, right_with_contacts())
    marketplace = person(OrganisationKind.MARKETPLACE, "MegaMart", "megamart")
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="little-bazaar", name="Little Bazaar")
    merchant = person(OrganisationKind.MERCHANT, "Bright Deals", "bright-deals")

    # The right holder writes the notice, checks it, completes it and sends it.
    sign_in(page, holder)
    expect(page.locator("#next-steps")).to_contain_text("Send your first notice")
    nav(page, "Notices")
    page.locator("#new-notice").click()
    expect(page.locator("#marketplaces")).to_contain_text("little-bazaar")
    page.get_by_label("EM 018000001 · AURORA").check()
    page.fill("#id_items", ITEMS)
    page.fill("#id_explanation", "Fakes.")
    page.locator("#check-button").click()
    expect(page.locator("#gaps li")).to_have_text(
        [
            "Explain why the items infringe, in at least 30 characters.",
            "Confirm in good faith that the information is accurate and complete.",
        ]
    )
    expect(page.locator('[data-field="explanation"]')).to_be_visible()
    screenshot(page, "notices-compose-gaps")
    page.fill("#id_explanation", EXPLANATION)
    page.check("#id_good_faith")
    page.locator("#check-button").click()
    expect(page.locator("#complete")).to_be_visible()
    screenshot(page, "notices-compose-complete")
    page.locator("#send-button").click()
    notice = Notice.objects.get()
    expect(page).to_have_url(url_path(f"/notices/{notice.pk}/"))
    expect(page.locator("#notice-cases li")).to_have_count(2)
    expect(page.locator("#notice-items tbody tr")).to_have_count(3)
    screenshot(page, "notices-detail")
    case = Case.objects.get(notice=notice, marketplace=marketplace.organisation)

    # The marketplace finds the case in its inbox, acknowledges it, deletes every item and names the merchant.
    sign_in(second_page, marketplace)
    expect(second_page.locator("#next-steps")).to_contain_text("1 case awaits your decision.")
    nav(second_page, "Cases")
    expect(second_page.locator("#cases tbody tr")).to_have_count(1)
    screenshot(second_page, "notices-inbox")
    second_page.get_by_role("link", name=f"#{case.pk}", exact=True).click()
    expect(second_page.locator("#case-sender")).to_contain_text("Aurora Cosmetics S.A.")
    expect(second_page.locator("#sender-verified")).to_have_text("Verified")
    second_page.locator("#acknowledge-form button").click()
    expect(second_page.locator("#case-status [data-status]")).to_have_attribute("data-status", "acknowledged")
    second_page.select_option("#id_bulk_measure", "delete")
    second_page.fill("#id_facts", "Both listings show the AURORA mark on lipsticks the right holder never made.")
    second_page.fill("#id_legal_ground", "E-commerce Law of the PRC art. 42")
    second_page.fill("#id_merchant", "bright-deals")
    second_page.fill("#id_territorial_scope", "CN")
    screenshot(second_page, "notices-case-marketplace")
    second_page.locator("#decide-button").click()
    expect(second_page.locator("#case-status [data-status]")).to_have_attribute("data-status", "forwarded")
    expect(second_page.locator('#case-items [data-measure="delete"]')).to_have_count(2)
    screenshot(second_page, "notices-case-decided")
    log_out(second_page)

    # The merchant answers with a counter-notice and its evidence.
    sign_in(second_page, merchant)
    nav(second_page, "Cases")
    second_page.get_by_role("link", name=f"#{case.pk}", exact=True).click()
    second_page.fill("#id_statement", "These are genuine AURORA lipsticks bought from the brand's distributor.")
    second_page.fill("#counter-notice-form #id_evidence", "invoice-2026-11.pdf\nhttps://bright.example/supplier")
    second_page.get_by_role("button", name="Send the counter-notice").click()
    expect(second_page.locator("#case-status [data-status]")).to_have_attribute("data-status", "counter_noticed")
    expect(second_page.locator("#window")).to_contain_text("Unless the right holder shows by")
    screenshot(second_page, "notices-case-merchant")

    # The right holder sees the counter-notice and may show a complaint within the window; it does not.
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator(".counter-notice")).to_contain_text("invoice-2026-11.pdf")
    expect(page.locator("#complaint-form")).to_be_visible()
    screenshot(page, "notices-case-sender")
    case.refresh_from_db()
    assert case.lift_due_at is not None

    assert services.cases_lift_due(now=case.lift_due_at + timedelta(seconds=1)) == 1

    page.reload()
    expect(page.locator("#lifted")).to_be_visible()
    expect(page.locator("#complaint-form")).to_have_count(0)
    expect(page.locator('#case-items [data-status="restored"]')).to_have_count(2)
    expect(page.locator("#case-timeline [data-status]").last).to_have_attribute("data-status", "closed")
    screenshot(page, "notices-case-lifted")
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(page, "notices-case-lifted-zh-hans")
    page.goto("/notices/")
    screenshot(page, "notices-list-zh-hans")


def test_a_marketplace_sets_its_intake_rejects_a_notice_and_overturns_the_rejection_on_the_senders_appeal(
    page: Page, second_page: Page
) -> None:
    holder = person(OrganisationKind.RIGHT_HOLDER, "Aurora Cosmetics S.A.", "aurora")
    held(holder.organisation, right_with_contacts())
    marketplace = person(OrganisationKind.MARKETPLACE, "MegaMart", "megamart")

    # The marketplace commits to answer within 36 hours and has each case e-mailed to its intake address.
    sign_in(second_page, marketplace)
    nav(second_page, "Cases")
    second_page.locator("#intake-link").click()
    second_page.get_by_role("link", name="Change").click()
    second_page.fill("#id_response_hours", "0")
    second_page.get_by_role("button", name="Save").click()
    expect(second_page.locator('[data-field="response_hours"]')).to_be_visible()
    second_page.fill("#id_response_hours", "36")
    second_page.fill("#id_email", "ip-notices@megamart.example")
    second_page.get_by_role("button", name="Save").click()
    expect(second_page.locator("#intake-updated")).to_be_visible()
    second_page.goto("/cases/intake/")
    expect(second_page.locator('[data-marketplace="megamart"] .intake-hours')).to_have_text("36 hours")
    expect(second_page.locator('[data-marketplace="megamart"] [data-channel="email"]')).to_be_visible()
    screenshot(second_page, "notices-intake")

    # The right holder opens a notice from the right in the register: the right is ticked already.
    sign_in(page, holder)
    page.goto("/rights/EM/018000001/")
    page.locator("#notify-right").click()
    expect(page.get_by_label("EM 018000001 · AURORA")).to_be_checked()
    page.fill("#id_items", "megamart https://megamart.example/item/7 AURORA lipstick")
    page.fill("#id_explanation", EXPLANATION)
    page.fill("#id_evidence", "test_purchase https://evidence.aurora.example/tp-7.pdf")
    page.check("#id_good_faith")
    page.locator("#send-button").click()
    notice = Notice.objects.get()
    case = Case.objects.get(notice=notice)

    # The marketplace rejects the item; the case closes.
    second_page.goto(f"/cases/{case.pk}/")
    expect(second_page.locator("#case-evidence a")).to_have_text("https://evidence.aurora.example/tp-7.pdf")
    expect(second_page.locator("#case-sla")).to_contain_text("36 hours")
    item = case.items.get()
    second_page.select_option(f"#measure-{item.pk}", "reject")
    second_page.fill(f"#reason-{item.pk}", "No mark visible on the photos.")
    second_page.fill("#id_facts", "The photos show no AURORA mark.")
    second_page.fill("#id_legal_ground", "E-commerce Law of the PRC art. 42")
    second_page.locator("#decide-button").click()
    expect(second_page.locator("#case-status [data-status]")).to_have_attribute("data-status", "closed")

    # The right holder appeals against the rejection with its test purchase.
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#appeal")).to_contain_text("Appeal against the rejection")
    page.fill("#id_grounds", "Our test purchase arrived as a counterfeit AURORA lipstick, the mark on its cap.")
    page.fill("#appeal-form #id_evidence", "https://evidence.aurora.example/tp-7.pdf")
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.locator(".appeal[data-status='open']")).to_have_count(1)
    screenshot(page, "notices-sender-appeal")

    # The marketplace overturns its rejection and blocks the listing.
    second_page.reload()
    expect(second_page.locator("#appeal-decision")).to_contain_text("Decide the sender's appeal against the rejection")
    second_page.select_option("#id_outcome", "overturned")
    second_page.select_option("#id_measure", "block")
    second_page.fill("#appeal-decision-form #id_reason", "The test purchase shows the mark on a counterfeit.")
    screenshot(second_page, "notices-sender-appeal-decision")
    second_page.get_by_role("button", name="Decide", exact=True).click()
    expect(second_page.locator("#case-status [data-status]")).to_have_attribute("data-status", "decided")
    expect(second_page.locator('#case-items [data-measure="block"]')).to_have_count(1)
    expect(second_page.locator(".appeal[data-status='overturned']")).to_have_count(1)
    screenshot(second_page, "notices-sender-appeal-overturned")
