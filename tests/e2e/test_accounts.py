"""An organisation's first day, in a real browser: sign up, two-factor, log in, an API key, 中文."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect

from ipbridge.accounts.models import Organisation, User

from .conftest import api_get, log_in, log_out, screenshot, totp_code, totp_key, url_path

pytestmark = pytest.mark.e2e

ORGANISATION = "Jade River 玉河 Cosmetics"
EMAIL = "lin.mei@jaderiver.example"
PASSWORD = "correct horse battery staple 42"


def _nav_link(page: Page, label: str) -> Locator:
    return page.locator("nav").get_by_role("link", name=label, exact=True)


def _sign_up(page: Page, *, organisation: str, kind: str, country: str, full_name: str, email: str) -> None:
    """Fill in the sign-up form with a strong password; the next page asks for the second factor."""
    expect(page).to_have_url(url_path("/accounts/sign-up/"))
    page.fill("#id_organisation_name", organisation)
    page.select_option("#id_kind", kind)
    page.fill("#id_country", country)
    page.fill("#id_full_name", full_name)
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Create organisation").click()
    expect(page).to_have_url(url_path("/accounts/two-factor/enrol/"))


def test_organisation_signs_up_enrols_two_factor_uses_an_api_key_and_switches_to_chinese(
    page: Page, live_server: Any
) -> None:
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Right holders and marketplaces, together against infringing goods.")
    screenshot(page, "home-logged-out")

    page.get_by_role("link", name="Sign up your organisation").click()
    _sign_up(page, organisation=ORGANISATION, kind="right_holder", country="CN", full_name="Lin Mei", email=EMAIL)

    # Two-factor enrolment, with the code an authenticator app would show.
    secret = page.locator("#totp-secret").inner_text().strip()
    screenshot(page, "two-factor-enrol")
    page.fill("#id_code", totp_code(totp_key(secret)))
    page.get_by_role("button", name="Confirm").click()
    recovery_codes = page.locator("#recovery-codes li")
    expect(recovery_codes).to_have_count(10)
    expect(recovery_codes.first).to_have_text(re.compile(r"^[0-9a-f]{6}-[0-9a-f]{6}$"))
    screenshot(page, "recovery-codes")
    page.get_by_role("link", name="I have saved them — continue").click()
    expect(page).to_have_url(url_path("/dashboard/"))
    expect(page.locator("h1")).to_have_text(ORGANISATION)

    # Log out and in again: password, then the next code of the authenticator.
    log_out(page)
    used_step = TOTPDevice.objects.get(user__email=EMAIL, confirmed=True).last_t
    log_in(page, email=EMAIL, password=PASSWORD, code=totp_code(totp_key(secret), after_step=used_step))
    expect(page.locator("#org-menu")).to_contain_text(ORGANISATION)

    # An API key: shown once, works from a plain HTTP client, stops working once revoked.
    _nav_link(page, "API keys").click()
    expect(page).to_have_url(url_path("/organisation/api-keys/"))
    expect(page.locator("#no-keys")).to_be_visible()
    page.fill("#id_name", "ERP sync")
    page.check('input[name="scopes"][value="accounts:read"]')
    page.check('input[name="scopes"][value="notices:write"]')
    page.get_by_role("button", name="Create key").click()
    new_secret = page.locator("#new-key-secret")
    expect(new_secret).to_have_text(re.compile(r"^ipb_[0-9a-f]{8}_\S{20,}$"))
    api_key = new_secret.inner_text().strip()
    row = page.locator("#api-keys tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("ERP sync")
    expect(row.locator("td").nth(2)).to_have_text("accounts:read, notices:write")
    expect(row.locator("td").nth(6)).to_have_text("active")
    screenshot(page, "api-keys-new-key")

    status, body = api_get(f"{live_server.url}/api/v1/me", key=api_key)
    assert status == 200
    assert body["acting_for"]["name"] == ORGANISATION
    assert body["scopes"] == ["accounts:read", "notices:write"]
    assert body["via_api_key"] is True

    row.get_by_role("button", name="Revoke").click()
    expect(row.locator("td").nth(6)).to_have_text("revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    # htmx swapped the row in place: the page was not reloaded, so the one-time secret is still on it.
    expect(new_secret).to_have_text(api_key)
    screenshot(page, "api-keys-revoked")
    status, body = api_get(f"{live_server.url}/api/v1/me", key=api_key)
    assert status == 401
    assert body["error"]["code"] == "not_authenticated"

    _nav_link(page, "Members").click()
    expect(page).to_have_url(url_path("/organisation/members/"))
    member = page.locator("#members tbody tr")
    expect(member).to_have_count(1)
    expect(member.locator("td").nth(0)).to_have_text("Lin Mei")
    expect(member.locator("td").nth(1)).to_have_text(EMAIL)
    expect(member.locator("td").nth(3)).to_have_text("on")
    screenshot(page, "members")

    _nav_link(page, "Audit log").click()
    expect(page).to_have_url(url_path("/organisation/audit/"))
    expect(page.locator("#audit-log tbody tr td:nth-child(2)")).to_have_text(
        [
            "API key revoked",
            "API key created",
            "Logged in",
            "Logged out",
            "Logged in",
            "Member added",
            "Organisation created",
        ]
    )
    screenshot(page, "audit-log")

    _nav_link(page, "Dashboard").click()
    expect(page).to_have_url(url_path("/dashboard/"))
    expect(page.locator("#fig-members")).to_have_text("1")
    expect(page.locator("#fig-2fa")).to_have_text("1/1")
    expect(page.locator("#fig-keys")).to_have_text("0")
    screenshot(page, "dashboard-en")

    # 中文: the navbar switch, remembered on the account rather than only in a cookie.
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page).to_have_url(url_path("/dashboard/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("nav .navbar-nav.me-auto .nav-link")).to_have_text(
        [
            "工作台",
            "通知",
            "证据",
            "筛查",
            "信息共享",
            "主体身份",
            "持有的权利",
            "委托授权",
            "凭证",
            "成员",
            "API 密钥",
            "Webhook",
            "审计日志",
            "权利登记库",
            "平台目录",
            "确权核验",
        ]
    )
    expect(page.locator("main h2").first).to_have_text("您的机构")
    expect(page.locator('#language-form button[value="en"]')).to_have_text("English")
    screenshot(page, "dashboard-zh-hans")
    assert User.objects.get(email=EMAIL).language == "zh-hans"

    page.context.clear_cookies(name="ipbridge_language")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("nav .nav-link.active")).to_have_text("工作台")


def test_sign_up_with_a_weak_password_shows_the_error_on_the_field_and_creates_nothing(page: Page) -> None:
    page.goto("/accounts/sign-up/")
    page.fill("#id_organisation_name", "Weak Password Trading")
    page.select_option("#id_kind", "merchant")
    page.fill("#id_full_name", "Wei Qiang")
    page.fill("#id_email", "wei@weak.example")
    page.fill("#id_password", "password")
    page.get_by_role("button", name="Create organisation").click()

    expect(page).to_have_url(url_path("/accounts/sign-up/"))
    expect(page.locator('.invalid-feedback[data-field="password"]')).to_have_text(
        "This password is too short. It must contain at least 10 characters. This password is too common. "
        "This password is too easy to guess. Use a longer phrase of unrelated words."
    )
    expect(page.locator(".invalid-feedback")).to_have_count(1)
    expect(page.locator("#id_password")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#id_organisation_name")).to_have_value("Weak Password Trading")
    expect(page.locator("#id_kind")).to_have_value("merchant")
    screenshot(page, "sign-up-weak-password")
    assert not Organisation.objects.filter(name="Weak Password Trading").exists()
    assert not User.objects.filter(email="wei@weak.example").exists()


def test_two_factor_enrolment_shows_a_qr_code_the_browser_can_draw(page: Page) -> None:
    page.goto("/accounts/sign-up/")
    _sign_up(
        page,
        organisation="Harbour Lights Ltd",
        kind="agent",
        country="GB",
        full_name="Ada Quinn",
        email="ada@harbourlights.example",
    )

    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    drawn_width = qr.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
    assert drawn_width > 0
