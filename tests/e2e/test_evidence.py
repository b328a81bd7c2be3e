"""The evidence vault in a real browser: a right holder uploads a screenshot of a listing, sees its SHA-256 and its
chain of custody, attaches it to a case of its notice and exports a package; the package verifies offline with the
command line until one byte of its file is changed; the marketplace of the case sees the item on its case page."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ipbridge.accounts.models import Membership, OrganisationKind
from ipbridge.evidence.log import tree_head_current
from ipbridge.evidence.models import Evidence
from ipbridge.notices.models import Case
from tests.evidence.factories import file_added
from tests.factories import PASSWORD, OrganisationFactory, member
from tests.notices.factories import send, world

from .conftest import log_in, log_out, screenshot, totp_code, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IPBRIDGE = Path(sys.executable).with_name("ipbridge")


def screenshot_png(width: int = 48, height: int = 32) -> bytes:
    """A small picture as a screenshot would come: a PNG of a red bar on white."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(b"\xd0\x20\x20" if 8 <= y < 16 else b"\xff\xff\xff" for _x in range(width))
        for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sign_in(page: Page, membership: Membership) -> None:
    device = TOTPDevice.objects.get(user=membership.user)
    log_in(page, email=membership.user.email, password=PASSWORD, code=totp_code(device.bin_key))


def verify(package: Path) -> subprocess.CompletedProcess[str]:
    """``ipbridge evidence verify PACKAGE.zip``, as someone who received the package runs it."""
    return subprocess.run(  # noqa: S603 — the project's own command on a file this test wrote
        [str(IPBRIDGE), "evidence", "verify", str(package)], capture_output=True, text=True, timeout=60, check=False
    )


def with_one_byte_changed(package: Path, entry: str, out: Path) -> None:
    """The package rewritten with one byte of ``entry`` flipped, every other entry as it was."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == entry:
                data = bytes([data[0] ^ 0x01]) + data[1:]
            target.writestr(info, data)


def test_a_right_holder_keeps_a_screenshot_attaches_it_exports_it_and_the_package_verifies_offline(
    page: Page, tmp_path: Path
) -> None:
    w = world()
    notice = send(w.organisation)
    case = Case.objects.get(notice=notice, marketplace=w.megamart)
    picture = screenshot_png()
    digest = hashlib.sha256(picture).hexdigest()
    (tmp_path / "aurora-listing.png").write_bytes(picture)

    # The right holder's menu still fits at 1280 px with Evidence in it.
    sign_in(page, w.holder)
    screenshot(page, "evidence-menu-right-holder")
    page.locator("nav").get_by_role("link", name="Evidence", exact=True).click()
    expect(page).to_have_url(url_path("/evidence/"))
    expect(page.locator("#no-evidence")).to_be_visible()

    # Upload the screenshot with where it was captured.
    page.locator("#add-evidence").click()
    expect(page).to_have_url(url_path("/evidence/new/"))
    page.fill("#id_stream_id", "live-8812")
    page.fill("#id_time_code", "1:02")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator('[data-field="file"]')).to_have_text("Send a file or write the text of the evidence.")
    screenshot(page, "evidence-add-errors")
    page.fill("#id_stream_id", "")
    page.fill("#id_time_code", "")
    page.set_input_files("#id_file", str(tmp_path / "aurora-listing.png"))
    page.fill("#id_captured_url", "https://megamart.example/item/1")
    page.select_option("#id_marketplace", "megamart")
    page.fill("#id_listing_id", "MM-1")
    page.fill("#id_observed_at", "2026-03-01T10:00")
    screenshot(page, "evidence-add")
    page.get_by_role("button", name="Add evidence").click()

    item = Evidence.objects.get()
    expect(page).to_have_url(url_path(f"/evidence/{item.pk}/"))
    expect(page.locator("#sha256")).to_have_text(digest)
    expect(page.locator("#custody .custody-action")).to_have_text(["Added"])
    expect(page.locator("#proof-verdict")).to_have_text("Included in the log — proof checked")
    screenshot(page, "evidence-item")

    # Attach it to the notice's case at MegaMart.
    page.select_option("#id_case", str(case.pk))
    page.locator("#attach-form button").click()
    expect(page.locator(".alert-success")).to_have_text(
        f"Evidence attached to case #{case.pk}: every party of the case sees it now."
    )
    expect(page.locator("#custody .custody-action")).to_have_text(["Added", "Attached to a case"])
    expect(page.locator(f'#evidence-cases [data-case="{case.pk}"]')).to_be_visible()

    # Export the package and check it offline, then with one byte of the file changed.
    with page.expect_download() as download_info:
        page.locator("#export-button").click()
    download = download_info.value
    assert download.suggested_filename == f"evidence-{item.pk}.zip"
    package = tmp_path / download.suggested_filename
    download.save_as(package)
    intact = verify(package)
    assert (intact.returncode, intact.stderr) == (0, "")
    assert "intact" in intact.stdout
    assert "NOT intact" not in intact.stdout

    broken = tmp_path / "evidence-changed.zip"
    with_one_byte_changed(package, f"files/{digest}", broken)
    refused = verify(broken)
    assert refused.returncode == 1
    assert f"files/{digest}" in refused.stdout
    assert "NOT intact" in refused.stdout

    page.reload()
    expect(page.locator("#custody .custody-action")).to_have_text(["Added", "Attached to a case", "Exported"])
    screenshot(page, "evidence-item-exported")

    # The public check on the site says the same.
    page.locator("#footer-evidence-verify").click()
    expect(page).to_have_url(url_path("/evidence/verify/"))
    page.set_input_files("#id_package", str(broken))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#package-verdict")).to_have_text("Not intact")
    expect(page.locator("#package-failures")).to_contain_text(f"files/{digest}")
    screenshot(page, "evidence-verify-not-intact")
    page.set_input_files("#id_package", str(package))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#package-verdict")).to_have_text("Intact")
    screenshot(page, "evidence-verify-intact")

    # The same pages in Chinese.
    page.goto("/evidence/")
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("证据")
    screenshot(page, "evidence-list-zh-hans")
    page.goto(f"/evidence/{item.pk}/")
    expect(page.locator("#custody-heading")).to_have_text("证据链")
    expect(page.locator("#proof-verdict")).to_have_text("已纳入日志——证明已核验")
    screenshot(page, "evidence-item-zh-hans")
    page.locator('#language-form button[value="en"]').click()
    log_out(page)

    # The marketplace of the case sees the item on its case page.
    sign_in(page, w.marketplace_person)
    page.goto(f"/cases/{case.pk}/")
    row = page.locator(f'#case-evidence-items tr[data-evidence="{item.pk}"]')
    expect(row).to_contain_text("aurora-listing.png")
    expect(row).to_contain_text(digest[:12])
    expect(row).to_contain_text("Aurora Cosmetics S.A.")
    screenshot(page, "evidence-case-marketplace")
    row.get_by_role("link", name="aurora-listing.png").click()
    expect(page.locator("#sha256")).to_have_text(digest)
    expect(page.locator("#attach")).to_have_count(0)


def test_an_operator_checks_the_log_and_sees_an_altered_row_named(page: Page) -> None:
    operator = member(kind=OrganisationKind.OPERATOR, name="IPBridge Operations", slug="ipbridge-ops")
    holder = OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER, name="Aurora Cosmetics S.A.")
    item = file_added(holder)
    tree_head_current()

    sign_in(page, operator)
    page.locator("nav").get_by_role("link", name="Evidence log", exact=True).click()
    expect(page).to_have_url(url_path("/evidence/log/"))
    expect(page.locator("#log-size")).to_have_text("2 leaves")
    expect(page.locator("#no-checks")).to_be_visible()
    page.get_by_role("button", name="Check the log now").click()
    expect(page.locator(".alert-success")).to_have_text("The log is intact: 2 leaves checked.")

    Evidence.objects.filter(pk=item.pk).update(notes="written afterwards")
    page.get_by_role("button", name="Check the log now").click()
    expect(page.locator(".alert-danger")).to_have_text(
        "The check found 1 problem; the operators' administrators were told."
    )
    expect(page.locator("#log-checks tbody tr")).to_have_count(2)
    expect(page.locator('#log-checks tr[data-ok="false"]')).to_contain_text(
        f"evidence {item.pk}: the row no longer matches leaf 0 (changed: notes)"
    )
    screenshot(page, "evidence-log")
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("h1")).to_have_text("证据日志")
    screenshot(page, "evidence-log-zh-hans")
