"""Browser tests: Playwright for Python drives Debian's Chromium against pytest-django's live server.

Run them with ``make e2e``, which first installs Chromium and a CJK font with ``scripts/ensure-browser.sh``.
"""

from __future__ import annotations

import os

# Playwright's sync API keeps an asyncio event loop in this thread, which makes Django refuse ORM calls from the
# test body (SynchronousOnlyOperation). The calls are synchronous all the same, so the check does not apply.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import base64
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run `bash scripts/ensure-browser.sh` (or `make e2e`) to install it."
        if os.environ.get("CI") == "true":
            pytest.fail(f"The browser tests must run in CI, but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A fresh browser profile (no cookies) asking for English, the way a first visit looks."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG under test-artifacts/screenshots/, kept by CI as an artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def totp_code(key: bytes, *, after_step: int = -1) -> str:
    """What an authenticator app shows now, or at the first time step after ``after_step``: django-otp accepts
    each step's code only once, and tolerates one step of clock drift."""
    totp = TOTP(key)
    totp.time = max(time.time(), (after_step + 1) * totp.step)
    return f"{totp.token():06d}"


def totp_key(secret: str) -> bytes:
    return base64.b32decode(secret.replace(" ", ""))


def api_get(url: str, *, key: str) -> tuple[int, dict[str, Any]]:
    """A plain HTTP GET with an API key, the way a partner's system calls IPBridge."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 — always the live server's http URL
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


def log_in(page: Page, *, email: str, password: str, code: str) -> None:
    """Log in with e-mail and password, then the second factor, and land on the dashboard."""
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("form:has(#id_username)").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(url_path("/accounts/two-factor/verify/"))
    page.fill("#id_code", code)
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(url_path("/dashboard/"))


def log_out(page: Page) -> None:
    page.click("#org-menu")
    page.click("#logout")
    expect(page).to_have_url(url_path("/accounts/login/"))


def url_path(path: str) -> re.Pattern[str]:
    """Matches the page URL with this path, whatever the live server's port and any query string."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")
