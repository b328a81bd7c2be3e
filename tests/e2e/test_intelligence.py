"""Infringer intelligence in a real browser: MegaMart records the telephone and licence of a seller it took down;
Little Bazaar pastes its own sellers' identifiers, written its own way, and finds the one that matches — and only
that one. English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ipbridge.accounts.models import Membership, OrganisationKind, Role
from ipbridge.sharing.models import InfringerRecord
from tests.evidence.factories import case_between
from tests.factories import PASSWORD, member

from .conftest import log_in, screenshot, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, membership: Membership) -> None:
    device = TOTPDevice.objects.get(user=membership.user)
    log_in(
        page, email=membership.user.email, password=PASSWORD, code=totp_code(device.bin_key, after_step=device.last_t)
    )


def test_a_marketplace_records_a_seller_and_another_finds_the_match(page: Page, live_server: Any) -> None:
    megamart = member(OrganisationKind.MARKETPLACE, role=Role.ADMIN, slug="megamart", name="MegaMart")
    parties = case_between(marketplace=megamart.organisation)
    bazaar = member(OrganisationKind.MARKETPLACE, role=Role.MEMBER, slug="little-bazaar", name="Little Bazaar")

    sign_in(page, megamart)
    page.goto("/sharing/intelligence/")
    page.locator("#record select[name=case]").select_option(str(parties.case.pk))
    page.locator("#record textarea[name=identifiers]").fill(
        "phone,+86 138 0013 8000\nbusiness_licence,91440300MA5FXXXX1X"
    )
    page.locator("#record button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("2 identifier(s) recorded as keyed hashes")
    expect(page.locator("#records li")).to_have_count(2)
    screenshot(page, "intelligence-recorded")
    assert InfringerRecord.objects.filter(case=parties.case).count() == 2
    page.context.clear_cookies()

    sign_in(page, bazaar)
    page.goto("/sharing/intelligence/")
    page.locator("#check textarea[name=identifiers]").fill(
        "phone,0086 (138) 0013-8000\nphone,+44 20 7946 0000\nemail,shop@example.com"
    )
    page.locator("#check button[type=submit]").click()
    expect(page.locator("#matches h2")).to_have_text("1 of 3 identifiers matches a recorded infringer")
    expect(page.locator("#matches tbody tr")).to_have_count(1)
    expect(page.locator('#matches tr[data-line="1"]')).to_contain_text("0086 (138) 0013-8000")
    screenshot(page, "intelligence-match")

    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("h1")).to_have_text("侵权人情报")
    screenshot(page, "intelligence-zh-hans")
