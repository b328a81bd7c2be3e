"""Focused monitoring and early warning in a real browser, on the demo: MegaMart's trust team sees its watches and
its repeat infringers with Bright Deals first, opens Bright Deals' shop and its associated shops drawn as a graph,
reads the early-warning chart and acknowledges the AURORA warning; and the same pages in 中文."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from ipbridge.demo import DEMO_PASSWORD, demo_load, demo_totp_code
from ipbridge.screening.catalogue import screeners_reset
from ipbridge.screening.models import EarlyWarning

from .conftest import log_in, screenshot, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TRUST = "trust@megamart.demo"


@pytest.fixture
def demo_world(settings: Any, live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo, with screeners built from this test's database."""
    settings.IPBRIDGE_DEMO = True
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    screeners_reset()
    demo_load()
    yield
    screeners_reset()


def zh(text: str) -> str:
    """``text`` as the Chinese pages show it: translated when the catalogue has it, else as it is."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def expect_chart_drawn(page: Page) -> None:
    """The trends chart was drawn by Chart.js, with the total and the brands' lines, and has ink on it."""
    canvas = page.locator("#trend-chart")
    expect(canvas).to_have_attribute("data-drawn", "true")
    drawn = page.evaluate(
        """() => {
          const canvas = document.getElementById("trend-chart");
          const chart = window.Chart.getChart(canvas);
          const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { inked += 1; } }
          return {
            labels: chart.data.labels.length,
            series: chart.data.datasets.map((d) => d.label),
            width: canvas.width,
            height: canvas.height,
            inked: inked,
          };
        }"""
    )
    assert drawn["labels"] == 30
    assert drawn["series"][1:3] == ["AURORA", "LUMINA"]
    assert drawn["width"] > 300
    assert drawn["height"] > 150
    assert drawn["inked"] > 2000


def warning_row(page: Page, label: str) -> Locator:
    return page.locator("#warnings tbody tr").filter(has_text=label)


@pytest.mark.usefixtures("demo_world")
def test_megamart_sees_its_focused_monitoring_and_acknowledges_the_aurora_warning(page: Page) -> None:
    log_in(page, email=TRUST, password=DEMO_PASSWORD, code=demo_totp_code(TRUST))

    # Focused monitoring: the two watches, and Bright Deals heading the repeat infringers.
    page.locator("nav").get_by_role("link", name="Screening", exact=True).click()
    page.locator("#screening-nav-monitoring").click()
    expect(page).to_have_url(url_path("/screening/monitoring/"))
    expect(page.locator("h1")).to_have_text("Focused monitoring")
    watches = page.locator("#watches tbody tr")
    expect(watches).to_have_count(2)
    expect(watches.nth(0)).to_have_attribute("data-kind", "product")
    expect(watches.nth(0)).to_contain_text("AURORA Rouge lipstick")
    expect(watches.nth(1)).to_have_attribute("data-kind", "shop")
    expect(watches.nth(1)).to_contain_text("Bright Deals Shop")
    expect(watches.nth(1)).to_contain_text("mm-6600")
    repeat = page.locator("#repeat tbody tr")
    expect(repeat.first).to_have_attribute("data-shop", "mm-6600")
    cells = repeat.first.locator("td")
    expect(cells.nth(0)).to_contain_text("Bright Deals Shop")
    expect(cells.nth(0).locator(".badge")).to_have_text("watched")
    expect(cells.nth(1)).to_have_text("3")  # confirmed
    expect(cells.nth(2)).to_have_text("0")  # open
    expect(cells.nth(4)).to_have_text("2")  # associated shops
    expect(repeat.nth(1)).to_have_attribute("data-shop", "mm-7001")
    screenshot(page, "monitoring-demo")

    # Bright Deals' shop: its three associated shops drawn, each line naming what is shared.
    repeat.first.get_by_role("link", name="Bright Deals Shop").click()
    expect(page).to_have_url(url_path("/screening/shops/mm-6600/"))
    expect(page.locator("#shop-name")).to_have_text("Bright Deals Shop")
    expect(page.locator("#shop-watched")).to_be_visible()
    expect(page.locator('#shop-alert-counts [data-count="confirmed"]')).to_have_text("3")
    graph = page.locator("#shop-graph > svg")
    expect(graph.locator("g.nodes a")).to_have_count(4)
    expect(graph.locator("g.edges line")).to_have_count(3)
    kinds = sorted(graph.locator("g.edges line").evaluate_all("lines => lines.map(l => l.dataset.kinds)"))
    assert kinds == ["payment_account", "phone", "phone"]
    box = graph.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 200
    expect(page.locator("#associated-shops tbody tr")).to_have_count(3)
    expect(page.locator('#associated-shops tr[data-shop="mm-7016"] td').nth(1)).to_have_text("2")
    screenshot(page, "monitoring-shop-graph")

    # Early warning: the chart, the spikes of the scan's day and their two warnings; AURORA's acknowledged.
    page.locator("#screening-nav-trends").click()
    expect(page).to_have_url(url_path("/screening/trends/"))
    expect(page.locator("h1")).to_have_text("Early warning")
    expect_chart_drawn(page)
    expect(page.locator("#spikes tbody tr")).to_have_count(2)
    expect(page.locator("#warnings tbody tr")).to_have_count(2)
    aurora = warning_row(page, "AURORA")
    expect(aurora.locator("td").nth(2)).to_have_text("10")
    expect(aurora.locator("td").nth(3)).to_have_text("0.79")
    expect(warning_row(page, "cosmetics").locator("td").nth(2)).to_have_text("11")
    screenshot(page, "trends-demo")

    aurora.get_by_role("button", name="Acknowledge").click()
    expect(aurora).to_have_attribute("data-acknowledged", "true")
    expect(aurora).to_contain_text("acknowledged")
    expect(warning_row(page, "cosmetics").get_by_role("button", name="Acknowledge")).to_be_visible()
    screenshot(page, "trends-demo-acknowledged")
    assert [w.brand for w in EarlyWarning.objects.filter(acknowledged_at__isnull=False)] == ["AURORA"]

    page.reload()
    expect(page.locator("#warnings tbody tr")).to_have_count(1)
    expect(page.locator("#warnings tbody tr")).to_contain_text("cosmetics")


@pytest.mark.usefixtures("demo_world")
def test_the_monitoring_and_early_warning_pages_in_chinese(page: Page) -> None:
    log_in(page, email=TRUST, password=DEMO_PASSWORD, code=demo_totp_code(TRUST))
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.goto("/screening/monitoring/")
    expect(page.locator("h1")).to_have_text(zh("Focused monitoring"))
    expect(page).to_have_title(f"{zh('Focused monitoring')} · IPBridge")
    expect(page.locator("#screening-nav-monitoring")).to_have_text(zh("Focused monitoring"))
    expect(page.locator("#watches tbody tr")).to_have_count(2)
    expect(page.locator("#repeat tbody tr").first).to_have_attribute("data-shop", "mm-6600")
    screenshot(page, "monitoring-demo-zh-hans")

    page.locator('#repeat tbody tr[data-shop="mm-6600"] a').first.click()
    expect(page).to_have_url(url_path("/screening/shops/mm-6600/"))
    expect(page.locator("#shop-graph > svg g.nodes a")).to_have_count(4)
    expect(page.locator('#shop-graph > svg g.nodes a[data-shop="mm-7016"]')).to_contain_text("Lucky Beauty")
    screenshot(page, "monitoring-shop-graph-zh-hans")

    page.locator("#screening-nav-trends").click()
    expect(page.locator("h1")).to_have_text(zh("Early warning"))
    expect(page).to_have_title(f"{zh('Early warning')} · IPBridge")
    expect_chart_drawn(page)
    expect(page.locator("#warnings tbody tr")).to_have_count(2)
    warning_row(page, "AURORA").get_by_role("button", name=zh("Acknowledge")).click()
    expect(warning_row(page, "AURORA")).to_have_attribute("data-acknowledged", "true")
    screenshot(page, "trends-demo-zh-hans")
