"""The public register in a real browser: search → right details → verification, in English and in Chinese."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from ipbridge.rights.index import index_reset
from tests.e2e.conftest import screenshot, url_path
from tests.rights.factories import right

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def register() -> None:
    index_reset()
    right(
        number="018234567",
        mark="AURORA",
        expiry_date=date(2029, 10, 1),
        classes={3: "Cosmetics; perfumes; lipsticks"},
        former_owners=("Aurora Holding SARL",),
    )
    right(office="CN", number="45678901", mark="欧若拉", classes={3: "化妆品"}, expiry_date=date(2031, 3, 6))
    right(number="017111222", mark="AURORA BEAUTY", owner="Beauty Aurora Ltd", status="expired")


@pytest.mark.usefixtures("register")
def test_search_open_a_right_and_verify_a_claim(page: Page) -> None:
    page.goto("/rights/")
    page.fill("#id_q", "4UR0RA")
    page.get_by_role("button", name="Search").click()

    rows = page.locator("#search-results tbody tr")
    expect(rows.first.locator("td").first).to_have_text("AURORA")
    expect(rows.first.locator('[data-reason="leetspeak"]')).to_have_text("Digits or symbols for letters")
    screenshot(page, "register-search")

    rows.first.get_by_role("link", name="AURORA").click()
    expect(page).to_have_url(url_path("/rights/EM/018234567/"))
    expect(page.locator("#right-label")).to_have_text("AURORA")
    expect(page.locator('#right-facts tr[data-role="former_owner"] td')).to_have_text("Aurora Holding SARL")
    screenshot(page, "register-detail")

    page.get_by_role("link", name="Verify a claim to this right").click()
    page.fill("#id_claimant", "AURORA COSMETICS SA")
    page.fill("#id_goods", "lipstick")
    page.fill("#id_territory", "de")
    page.locator("#verify-form").get_by_role("button", name="Verify").click()

    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "verified")
    expect(page.locator('#checks [data-check="goods"] .small')).to_have_text(
        "“lipstick” maps to class 3 (lipsticks), which it covers."
    )
    screenshot(page, "register-verified")

    page.fill("#id_claimant", "Aurora Holding SARL")
    page.locator("#verify-form").get_by_role("button", name="Verify").click()
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "not_verified")
    expect(page.locator('#checks [data-check="owner"]')).to_have_attribute("data-passed", "false")


@pytest.mark.usefixtures("register")
def test_the_register_in_chinese(page: Page) -> None:
    page.goto("/rights/")
    page.locator("#language-form").get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.fill("#id_q", "OURUOLA")
    page.locator("#search-form").get_by_role("button").click()
    first = page.locator("#search-results tbody tr").first
    expect(first.locator("td").first).to_have_text("欧若拉")
    expect(first.locator('[data-reason="pinyin"]')).to_have_text("拼音相同")
    expect(page.locator("h1")).to_have_text("检索权利登记库")
    screenshot(page, "register-search-zh-hans")

    first.get_by_role("link", name="欧若拉").click()
    expect(page).to_have_url(re.compile(r".*/rights/CN/45678901/$"))
    page.locator("a.btn-primary").click()
    page.fill("#id_claimant", "Aurora Cosmetics")
    page.locator("#verify-form").get_by_role("button").click()
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "verified")
    expect(page.locator("h1")).to_have_text("确权核验")
    expect(page.locator('#checks [data-check="owner"] .fw-semibold')).to_have_text("属于主张者")
    screenshot(page, "register-verified-zh-hans")
