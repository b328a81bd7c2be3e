"""The demo world in a real browser: its people log in with the documented credentials and act."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ipbridge.accounts.models import Organisation
from ipbridge.demo import DEMO_PASSWORD, WORLD, demo_load, demo_totp_code

from .conftest import log_in, screenshot, url_path

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_world(settings: Any, live_server: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()


@pytest.mark.usefixtures("demo_world")
def test_demo_marketplace_person_logs_in_and_sees_the_dashboard(page: Page) -> None:
    email = "trust@megamart.demo"

    log_in(page, email=email, password=DEMO_PASSWORD, code=demo_totp_code(email))

    expect(page.locator("h1")).to_have_text("MegaMart")
    expect(page.locator("#verification-status")).to_have_text("Verified")
    expect(page.locator("#fig-members")).to_have_text("2")
    expect(page.locator("#fig-2fa")).to_have_text("2/2")
    expect(page.locator("nav .navbar-nav.me-auto .nav-link")).to_have_text(
        [
            "Dashboard",
            "Cases",
            "Evidence",
            "Screening",
            "Shared information",
            "Identity",
            "Right holders",
            "Members",
            "API keys",
            "Webhooks",
            "Audit log",
            "Register",
            "Directory",
            "Verify a right",
        ]
    )
    screenshot(page, "demo-marketplace-dashboard")


@pytest.mark.usefixtures("demo_world")
def test_demo_operator_sets_an_organisation_verified(page: Page) -> None:
    email = "operator@ipbridge.demo"
    log_in(page, email=email, password=DEMO_PASSWORD, code=demo_totp_code(email))
    screenshot(page, "demo-operator-dashboard")

    page.locator("nav").get_by_role("link", name="Organisations", exact=True).click()
    expect(page).to_have_url(url_path("/operator/organisations/"))
    rows = page.locator("#organisations tbody tr")
    expect(rows).to_have_count(len(WORLD))
    assert len(WORLD) == 12
    row = rows.filter(has_text="little-bazaar")
    expect(row.locator("td").nth(3)).to_have_text("Pending review")

    row.locator('select[name="status"]').select_option("verified")
    row.locator('input[name="reason"]').fill("Company register extract checked")
    row.get_by_role("button", name="Save").click()

    expect(page).to_have_url(url_path("/operator/organisations/"))
    expect(page.get_by_role("alert")).to_have_text("Verification status of Little Bazaar saved.")
    expect(row.locator("td").nth(3)).to_have_text("Verified")
    expect(row.locator('select[name="status"]')).to_have_value("verified")
    screenshot(page, "operator-organisations-verified")
    assert Organisation.objects.get(slug="little-bazaar").verification_status == "verified"
