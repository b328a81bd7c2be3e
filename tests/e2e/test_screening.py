"""Screening in a real browser: a marketplace pastes a small batch of listings on the new-scan page, sees the flagged
ones with their reasons and the matched text highlighted, opens an alert and confirms it with a measure; the right
holder whose mark the alerts name sees them in its own queue, opens the one still open, clicks Send a notice, finds
the notice form prefilled from the alert and sends it; the alert then shows the notice. English and Chinese."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from ipbridge.accounts.models import Membership
from ipbridge.notices.models import Notice
from ipbridge.screening.catalogue import screeners_reset
from ipbridge.screening.models import Alert
from tests.factories import PASSWORD
from tests.screening.factories import holder_member, marketplace_member

from .conftest import log_in, screenshot, totp_code, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTINGS = [
    {
        "id": "MM-501",
        "title": "AURORA Rouge lipstick 高仿 replica",
        "url": "https://megamart.example/item/MM-501",
        "price": "9.90",
        "currency": "EUR",
        "shop_id": "s-77",
        "shop_name": "Bright Deals",
    },
    {"id": "MM-502", "title": "Plain cotton bath towel 70 x 140 cm", "price": "12.90", "currency": "EUR"},
    {
        "id": "MM-503",
        "title": "奥罗拉 口红 A货 原单",
        "url": "https://megamart.example/item/MM-503",
        "price": "29",
        "currency": "CNY",
        "shop_id": "s-88",
        "shop_name": "金龙贸易",
    },
]


@pytest.fixture(autouse=True)
def _fresh_screening(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Screeners built from this test's database, and uploaded scans kept in a directory of its own."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    screeners_reset()
    yield
    screeners_reset()


@pytest.fixture
def second_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """Another browser profile, for the right holder's person."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page: Page, membership: Membership) -> None:
    device = TOTPDevice.objects.get(user=membership.user)
    log_in(
        page, email=membership.user.email, password=PASSWORD, code=totp_code(device.bin_key, after_step=device.last_t)
    )


def test_a_marketplace_screens_and_confirms_and_the_right_holder_sends_a_notice_from_an_alert(
    page: Page, second_page: Page
) -> None:
    holder = holder_member()
    megamart = marketplace_member()

    # The marketplace pastes its listings and sees what was flagged, and why.
    sign_in(page, megamart)
    page.locator("nav").get_by_role("link", name="Screening", exact=True).click()
    expect(page).to_have_url(url_path("/screening/alerts/"))
    expect(page.locator("#no-alerts")).to_be_visible()
    page.goto("/screening/scans/new/")
    page.fill("#id_lines", "\n".join(json.dumps(item, ensure_ascii=False) for item in LISTINGS))
    page.click("#scan-button")
    expect(page).to_have_url(re.compile(r".*/screening/scans/\d+/$"))
    rows = page.locator("#items tbody tr")
    expect(rows).to_have_count(2)
    counterfeit = page.locator('tr[data-item="MM-501"]')
    expect(counterfeit.locator(".listing-title mark").first).to_have_text("AURORA")
    expect(counterfeit.locator(".flags")).to_contain_text("matches the mark AURORA (EM 018234567)")
    expect(counterfeit.locator(".flags")).to_contain_text("is in the risk-keyword catalogue")
    expect(page.locator('tr[data-item="MM-502"]')).to_have_count(0)
    screenshot(page, "screening-scan-flagged")

    # It opens the alert of the counterfeit and confirms it with the measure it took.
    counterfeit.locator("a.alert-link").click()
    expect(page).to_have_url(url_path(f"/screening/alerts/{Alert.objects.get(listing_id='MM-501').pk}/"))
    expect(page.locator("#alert-title mark").first).to_have_text("AURORA")
    expect(page.locator("#flags")).to_contain_text("“AURORA” matches the mark AURORA (EM 018234567): exact.")
    expect(page.locator("#keywords")).to_be_visible()
    screenshot(page, "screening-alert-open")
    page.select_option("#confirm-form select[name=measure]", "delete")
    page.fill("#confirm-form textarea[name=note]", "Listing deleted; the seller is warned.")
    page.click("#confirm-button")
    expect(page.get_by_role("alert")).to_contain_text("Alert confirmed")
    expect(page.locator("#alert-status")).to_have_text("Confirmed")
    expect(page.locator("#decided-measure")).to_have_text("Delete")
    screenshot(page, "screening-alert-confirmed")

    page.locator("#screening-nav-alerts").click()
    expect(page.locator("#alerts tbody tr")).to_have_count(2)
    expect(page.locator('#status-tabs [data-status="confirmed"] .badge')).to_have_text("1")
    screenshot(page, "screening-alerts-marketplace")

    # The right holder sees both alerts in its own queue and sends a notice from the one still open.
    sign_in(second_page, holder)
    second_page.locator("nav").get_by_role("link", name="Screening", exact=True).click()
    expect(second_page.locator("#alerts tbody tr")).to_have_count(2)
    screenshot(second_page, "screening-alerts-right-holder")
    open_alert = Alert.objects.get(listing_id="MM-503")
    second_page.locator(f'tr[data-alert="{open_alert.pk}"] a').click()
    expect(second_page.locator("#awaiting")).to_contain_text("waiting for the decision of MegaMart")
    second_page.click("#send-notice")
    expect(second_page).to_have_url(url_path("/notices/new/"))
    expect(second_page.locator('input[name="rights"][value="EM 018234567"]')).to_be_checked()
    expect(second_page.locator("#id_items")).to_have_value(
        "megamart https://megamart.example/item/MM-503 奥罗拉 口红 A货 原单"
    )
    expect(second_page.locator("#id_explanation")).to_contain_text("Screening by MegaMart flagged this listing")
    expect(second_page.locator("#id_explanation")).to_contain_text("matches the mark AURORA (EM 018234567)")
    screenshot(second_page, "screening-notice-prefilled")
    second_page.check("#id_good_faith")
    second_page.click("#send-button")
    notice = Notice.objects.get(sender=holder.organisation)
    expect(second_page).to_have_url(url_path(f"/notices/{notice.pk}/"))
    expect(second_page.get_by_role("alert").first).to_contain_text("Notice sent.")

    second_page.goto(f"/screening/alerts/{open_alert.pk}/")
    expect(second_page.locator("#notice-sent")).to_have_text("A notice was sent from this alert.")
    expect(second_page.locator("#send-notice")).to_have_count(0)
    screenshot(second_page, "screening-alert-notice-sent")
    open_alert.refresh_from_db()
    assert (open_alert.notice_id, open_alert.outcome, open_alert.status) == (notice.pk, "notice", "open")

    # 中文
    second_page.locator('#language-form button[value="zh-hans"]').click()
    expect(second_page.locator("html")).to_have_attribute("lang", "zh-hans")
    second_page.locator("nav").get_by_role("link", name="筛查", exact=True).click()
    expect(second_page.locator("#alerts tbody tr")).to_have_count(2)
    screenshot(second_page, "screening-alerts-zh-hans")
