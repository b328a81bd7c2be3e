"""The webhooks page in a real browser: a marketplace adds an endpoint, copies its secret, shown only then, and
sends a dead delivery again."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ipbridge.accounts.models import OrganisationKind
from ipbridge.notices.models import WebhookDelivery, WebhookEndpoint
from tests.factories import PASSWORD, member

from .conftest import log_in, screenshot, totp_code, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_marketplace_adds_an_endpoint_sees_its_secret_once_and_sends_a_delivery_again(page: Page) -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE, name="MegaMart", slug="megamart")
    device = TOTPDevice.objects.get(user=shop.user)
    log_in(page, email=shop.user.email, password=PASSWORD, code=totp_code(device.bin_key))

    page.locator("nav").get_by_role("link", name="Webhooks", exact=True).click()
    expect(page).to_have_url(url_path("/webhooks/"))
    expect(page.locator("#no-endpoints")).to_be_visible()
    page.fill("#id_url", "https://hooks.megamart.example/ipbridge")
    page.get_by_label("case.decided — Decided").check()
    page.get_by_label("case.lifted — Measures lifted").check()
    page.get_by_role("button", name="Add endpoint").click()

    endpoint = WebhookEndpoint.objects.get()
    secret = page.locator("#new-secret-value").inner_text()
    assert secret.startswith("whsec_")
    assert endpoint.events == ["case.decided", "case.lifted"]
    expect(page.locator("#webhook-endpoints tbody tr")).to_have_count(1)
    screenshot(page, "webhooks-secret")
    page.goto("/webhooks/")
    expect(page.locator("#new-secret")).to_have_count(0)
    assert secret not in page.content()

    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="case.decided",
        payload={"event": "case.decided", "case": {"id": 1}},
        attempts=8,
        dead_at=timezone.now(),
        last_error="HTTP 503",
    )
    page.locator("#webhook-endpoints").get_by_role("link", name="Deliveries").click()
    expect(page.locator("#webhook-deliveries tbody tr")).to_have_attribute("data-status", "dead")
    screenshot(page, "webhooks-deliveries")
    page.get_by_role("button", name="Send again").click()
    expect(page.locator(".alert-success")).to_have_text(
        "Sent again: a new series of attempts, with the same delivery id."
    )
    expect(page.locator("#webhook-deliveries tbody tr")).to_have_attribute("data-status", "pending")
