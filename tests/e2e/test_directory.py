"""The marketplace directory (平台目录) in a real browser, on the demo: a newcomer without an account searches it,
compares two demo marketplaces that have measured figures with a seed profile side by side and reads it in 中文;
MegaMart's administrator edits its profile with a source link and sees the new value with its provenance."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from ipbridge.demo import DEMO_PASSWORD, demo_load, demo_totp_code
from ipbridge.marketplaces.demo import demo_directory_load
from ipbridge.marketplaces.models import MarketplaceProfile

from .conftest import TIMEOUT_MS, log_in, screenshot, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_directory(settings: Any, live_server: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()
    demo_directory_load()


@pytest.mark.usefixtures("demo_directory")
def test_a_newcomer_searches_compares_three_marketplaces_and_reads_them_in_chinese(page: Page) -> None:
    page.goto("/rights/")
    page.locator("#nav-directory").click()
    expect(page).to_have_url(url_path("/marketplaces/"))
    expect(page.locator("h1")).to_have_text("Marketplace directory")
    expect(page.locator('[data-marketplace="megamart"] [data-measured-median]')).to_be_visible()
    screenshot(page, "directory-search")

    page.select_option("#id_country", "CN")
    page.select_option("#id_live_streaming", "yes")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#directory-results .directory-result")).to_have_count(3)
    expect(page.locator('#directory-results [data-marketplace="livebuy"]')).to_be_visible()
    screenshot(page, "directory-search-filtered")

    page.get_by_role("link", name="Clear").click()
    page.fill("#id_q", "good-faith")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#directory-results .directory-result")).to_have_count(3)

    page.get_by_role("link", name="Clear").click()
    for slug in ("megamart", "livebuy", "taobao"):
        page.check(f"#choose-{slug}")
    page.click("#compare-chosen")
    expect(page).to_have_url(url_path("/marketplaces/compare/"))
    expect(page.locator("#compare-table thead th[data-marketplace]")).to_have_count(3)
    for slug in ("megamart", "livebuy"):
        cell = page.locator(f'#compare-table td[data-marketplace="{slug}"]')
        expect(cell.locator('[data-measured="true"]')).to_be_visible()
        expect(cell.locator('[data-figure="median_hours"]')).to_have_text(re.compile(r"^\d+\.\d h$"))
        expect(cell.locator("[data-claimed-hours]")).to_be_visible()
    expect(page.locator('#compare-table td[data-marketplace="taobao"] [data-measured="off"]')).to_be_visible()
    taobao_channels = page.locator('#compare-table tr[data-field="channels"] td').nth(2)
    expect(taobao_channels.locator('[data-source^="https://ipp.alibabagroup.com/"]')).to_be_visible()
    screenshot(page, "directory-compare")

    page.locator("#language-form button[value='zh-hans']").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#compare-table thead th[data-marketplace]")).to_have_count(3)
    expect(page.locator('#compare-table tr[data-field="countries"] td').nth(2)).to_contain_text("中国")
    screenshot(page, "directory-compare-zh")

    page.locator('#compare-table th[data-marketplace="taobao"] a').first.click()
    expect(page).to_have_url(url_path("/marketplaces/taobao/"))
    expect(page.locator("#profile-name")).to_have_text("淘宝 Taobao")
    expect(page.locator('[data-field="programmes"] [data-programme="Good-faith Takedown Mechanism"]')).to_be_visible()
    screenshot(page, "directory-profile-seed-zh")


@pytest.mark.usefixtures("demo_directory")
def test_a_marketplace_administrator_edits_its_profile_with_a_source(browser: Browser, live_server: Any) -> None:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    email = "trust@megamart.demo"
    log_in(page, email=email, password=DEMO_PASSWORD, code=demo_totp_code(email))

    page.locator("#nav-directory").click()
    page.locator('#directory-results [data-marketplace="megamart"] a.fw-semibold').click()
    expect(page).to_have_url(url_path("/marketplaces/megamart/"))
    screenshot(page, "directory-profile-megamart")
    page.click("#edit-profile")
    expect(page).to_have_url(url_path("/marketplaces/megamart/edit/"))
    expect(page.locator("#own-word-note")).to_be_visible()

    summary = "Listings that infringe IP rights are removed within 48 hours; repeat infringers lose their shop."
    page.fill("#id_ip_policy_summary", summary)
    page.fill("#id_ip_policy_summary__source", "https://megamart.demo/legal/ip-policy#summary")
    page.fill("#id_countries", "DE AT FR PL CH")
    screenshot(page, "directory-edit")
    page.click("#save-profile")

    expect(page).to_have_url(url_path("/marketplaces/megamart/"))
    expect(page.get_by_role("alert")).to_have_text("Profile saved.")
    field = page.locator('dd[data-field="ip_policy_summary"]')
    expect(field).to_contain_text(summary)
    expect(field.locator('[data-stated="true"]')).to_have_text("Stated by the marketplace on IPBridge")
    expect(field.locator("[data-source]")).to_have_attribute(
        "data-source", "https://megamart.demo/legal/ip-policy#summary"
    )
    expect(field.locator("[data-reviewed]")).to_have_attribute("data-reviewed", timezone.now().date().isoformat())
    expect(page.locator('dd[data-field="countries"] [data-code="CH"]')).to_be_visible()
    screenshot(page, "directory-profile-edited")

    page.click("#history-link")
    expect(page.locator("#versions > li").first).to_have_attribute("data-version", "2")
    expect(page.locator('#versions > li[data-version="2"] .version-actor')).to_have_text(email)
    screenshot(page, "directory-history")
    context.close()

    profile = MarketplaceProfile.objects.get(slug="megamart")
    assert (profile.version, profile.ip_policy_summary) == (2, summary)
    assert profile.provenance["countries"]["stated_by_marketplace"] is True
