"""Shared information in a real browser: a right holder writes a product authentication guide, adds a picture and
publishes it for a named marketplace; the marketplace opens it (the picture shows) while another marketplace is
told it is not there; the right holder sees who read its guide; the marketplace checks whether a shop is
authorised. English and Chinese."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from ipbridge.accounts.models import Membership, OrganisationKind
from ipbridge.sharing.models import Guide, ShareRead
from tests.factories import PASSWORD, member
from tests.sharing.factories import holder_member, seller_listed

from .conftest import log_in, screenshot, totp_code, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _default_store(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The pictures of guides go to a directory of this test's own."""
    storages = dict(settings.STORAGES)
    storages["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("files"))},
    }
    settings.STORAGES = storages


@pytest.fixture
def second_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """Another browser profile, for a second person working at the same time."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def lipstick_png(width: int = 160, height: int = 120) -> bytes:
    """A picture of a lipstick, as a right holder would photograph one: a rouge bullet over a gold band and a black
    case."""

    def colour(x: int, y: int) -> bytes:
        if 60 <= x < 100 and 10 <= y < 40:
            return b"\xb2\x18\x34"
        if 55 <= x < 105 and 40 <= y < 50:
            return b"\xc9\xa2\x27"
        if 55 <= x < 105 and 50 <= y < 110:
            return b"\x1c\x1c\x1e"
        return b"\xf6\xf1\xec"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"".join(colour(x, y) for x in range(width)) for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sign_in(page: Page, membership: Membership) -> None:
    device = TOTPDevice.objects.get(user=membership.user)
    log_in(
        page, email=membership.user.email, password=PASSWORD, code=totp_code(device.bin_key, after_step=device.last_t)
    )


def test_a_guide_with_a_picture_reaches_the_named_marketplace_which_reads_it_and_checks_a_shop(
    page: Page, second_page: Page, tmp_path: Path
) -> None:
    holder = holder_member(slug="aurora")
    megamart = member(OrganisationKind.MARKETPLACE, slug="megamart", name="MegaMart", verification_status="verified")
    bazaar = member(
        OrganisationKind.MARKETPLACE, slug="little-bazaar", name="Little Bazaar", verification_status="verified"
    )
    seller_listed(
        holder.organisation,
        megamart.organisation,
        shop_id="mm-5120",
        shop_name="Glow Cosmetics Outlet",
        relation="reseller",
        valid_from=date(2024, 11, 1),
        valid_until=date(2026, 10, 31),
    )
    seller_listed(holder.organisation, megamart.organisation, shop_id="mm-1001", shop_name="AURORA Official Store")
    picture = tmp_path / "aurora-rouge-genuine.png"
    picture.write_bytes(lipstick_png())

    # The right holder writes the guide.
    sign_in(page, holder)
    page.goto("/sharing/guides/")
    expect(page.locator("#no-guides")).to_be_visible()
    page.locator("#new-guide").click()
    expect(page).to_have_url(url_path("/sharing/guides/new/"))
    page.fill("#id_title", "AURORA Rouge lipstick: genuine or counterfeit")
    page.get_by_label("AURORA · EM 018234567").check()
    page.fill("#id_summary", "How to tell genuine AURORA Rouge lipsticks from the counterfeits sold online.")
    page.fill("#id_products", "AURORA Rouge lipstick 3.5 g\nAURORA Rouge gift set")
    page.fill("#id_genuine_features", "Batch code laser-engraved on the base\nHolographic seal on the box")
    page.fill("#id_counterfeit_features", "Printed batch code\nNo hologram\nSold as 高仿 or A货")
    page.fill("#id_packaging", "Black box, the word mark in gold foil.")
    page.fill("#id_serial_schemes", "Batch code: year, month letter, line (26K11)")
    page.fill("#id_reference_prices", "AURORA Rouge lipstick 3.5 g = 39,00 EUR")
    page.get_by_label("MegaMart (verified)").check()
    page.locator("#save-guide").click()
    expect(page.locator('[data-field="reference_prices"]')).to_contain_text("Line 1: write the product")
    screenshot(page, "sharing-guide-editor-errors")
    page.fill("#id_reference_prices", "AURORA Rouge lipstick 3.5 g = 39.00 EUR\n欧若拉 口红 3.5 g = 299.00 CNY")
    page.locator("#save-guide").click()

    guide = Guide.objects.get()
    expect(page).to_have_url(url_path(f"/sharing/guides/{guide.pk}/edit/"))
    expect(page.locator(".alert-success")).to_have_text("Draft saved. Add pictures if you like, then publish it.")
    page.set_input_files("#id_file", str(picture))
    page.fill("#id_caption", "Genuine: gold band, engraved base")
    page.locator("#add-image").click()
    expect(page.locator("#guide-images img")).to_have_count(1)
    assert page.locator("#guide-images img").evaluate("img => img.naturalWidth") == 160
    screenshot(page, "sharing-guide-editor")

    page.locator("#view-guide").click()
    expect(page.locator("#guide-status")).to_have_text("Draft")
    page.locator("#publish-button").click()
    expect(page.locator(".alert-success")).to_have_text("Published: your audience reads this version from now on.")
    expect(page.locator("#guide-status")).to_have_text("Published")
    expect(page.locator("#guide-audience li")).to_have_text(["MegaMart"])
    expect(page.locator("#guide-history li")).to_have_count(1)
    screenshot(page, "sharing-guide-published")

    # The named marketplace reads it, picture included; another marketplace is told it is not there.
    sign_in(second_page, megamart)
    second_page.goto("/sharing/guides/")
    row = second_page.locator(f'#guides tr[data-guide="{guide.pk}"]')
    expect(row).to_contain_text("Aurora Cosmetics S.A.")
    row.get_by_role("link").click()
    expect(second_page.locator("#guide-title")).to_have_text("AURORA Rouge lipstick: genuine or counterfeit")
    expect(second_page.locator("#counterfeit-features li")).to_have_text(
        ["Printed batch code", "No hologram", "Sold as 高仿 or A货"]
    )
    expect(second_page.locator("#reference-prices td[data-currency]")).to_have_text(["39.00 EUR", "299.00 CNY"])
    expect(second_page.locator("#guide-actions")).to_have_count(0)
    expect(second_page.locator("#guide-audience")).to_have_count(0)
    assert second_page.locator("#guide-pictures img").evaluate("img => img.naturalWidth") == 160
    screenshot(second_page, "sharing-guide-marketplace")
    second_page.locator('#language-form button[value="zh-hans"]').click()
    expect(second_page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(second_page.locator("#guide-title")).to_have_text("AURORA Rouge lipstick: genuine or counterfeit")
    screenshot(second_page, "sharing-guide-marketplace-zh-hans")
    second_page.locator('#language-form button[value="en"]').click()
    expect(second_page.locator("html")).to_have_attribute("lang", "en")

    # The marketplace checks two shops.
    second_page.locator("#sharing-nav-check").click()
    expect(second_page).to_have_url(url_path("/sharing/sellers/check/"))
    second_page.fill("#id_brand", "AURORA")
    second_page.fill("#id_shop_id", "mm-5120")
    second_page.locator("#check-button").click()
    expect(second_page.locator("#check-result")).to_have_attribute("data-authorised", "false")
    expect(second_page.locator("#check-holder")).to_have_text("Aurora Cosmetics S.A.")
    expect(second_page.locator("#check-valid")).to_have_text("2024-11-01 – 2026-10-31")
    screenshot(second_page, "sharing-check-ended")
    second_page.fill("#id_shop_id", "mm-1001")
    second_page.locator("#check-button").click()
    expect(second_page.locator("#check-result")).to_have_attribute("data-authorised", "true")
    expect(second_page.locator("#verdict")).to_have_text("Authorised: shop mm-1001 may sell AURORA.")
    expect(second_page.locator("#check-relation")).to_have_text("Own shop")
    screenshot(second_page, "sharing-check")

    # Little Bazaar, not named, does not find the guide.
    second_page.locator("#org-menu").click()
    second_page.locator("#logout").click()
    sign_in(second_page, bazaar)
    second_page.goto("/sharing/guides/")
    expect(second_page.locator("#no-guides")).to_be_visible()
    response = second_page.goto(f"/sharing/guides/{guide.pk}/")
    assert response is not None
    assert response.status == 404

    # The right holder sees who read its guide.
    page.locator("#guide-reads-link").click()
    expect(page).to_have_url(url_path("/sharing/reads/"))
    reads = ShareRead.objects.filter(reader=megamart.organisation)
    guide_reads, picture_reads = reads.filter(subject="guide").count(), reads.filter(subject="guide_image").count()
    assert (guide_reads, picture_reads, reads.filter(subject="seller_check").count()) == (3, 3, 2)  # en, 中文, en
    # The link from the guide shows the reads of that guide; the whole log counts the checks of shops too.
    expect(page.locator("#id_guide")).to_have_value(str(guide.pk))
    counts = page.locator('#read-counts tr[data-reader="megamart"]')
    expect(counts.locator('[data-count="reads"]')).to_have_text("6")
    expect(counts.locator('[data-count="guides"]')).to_have_text("3")
    expect(counts.locator('[data-count="pictures"]')).to_have_text("3")
    expect(counts.locator('[data-count="sellers"]')).to_have_text("0")
    expect(page.locator("#read-counts tbody tr")).to_have_count(1)
    expect(page.locator('#reads tr[data-subject="guide"]').first).to_contain_text(megamart.user.email)
    screenshot(page, "sharing-reads")
    page.locator("#sharing-nav-sellers").click()
    expect(page.locator("#sellers tbody tr")).to_have_count(2)
    screenshot(page, "sharing-sellers")
    page.locator("#sharing-nav-reads").click()
    expect(counts.locator('[data-count="reads"]')).to_have_text("8")
    expect(counts.locator('[data-count="sellers"]')).to_have_text("2")
    screenshot(page, "sharing-reads-all")
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(counts.locator('[data-count="reads"]')).to_have_text("8")
    screenshot(page, "sharing-reads-zh-hans")
