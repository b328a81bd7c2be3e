"""The demo's screening, loaded on the demo world through the services people use: MegaMart's scan with one alert
confirmed and one dismissed, the right holder's own shops left alone, LiveBuy's stream, and who sees which;
MegaMart's focused monitoring (Bright Deals' associated shops, its watches, its repeat infringers) and early warning
(four weeks of Aurora alerts and the spike on the scan's day); loading again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import AuditEvent, User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.demo import demo_load
from ipbridge.screening import alerts_selectors, monitoring, trends
from ipbridge.screening.alerts_presenters import alert_source
from ipbridge.screening.catalogue import term_key
from ipbridge.screening.demo import (
    BRIGHT_DEALS,
    CONFIRMED,
    DISMISSED,
    HISTORY_DAILY,
    MEGAMART_LISTINGS,
    demo_screening_load,
)
from ipbridge.screening.models import (
    Alert,
    EarlyWarning,
    RiskKeyword,
    Scan,
    ScannedItem,
    ShopIdentifier,
    StreamSegment,
    StreamSession,
    Watch,
)

pytestmark = pytest.mark.django_db(transaction=True)

AUTHORISED = {"mm-90110", "mm-90111"}
ORDINARY = {f"mm-901{n}" for n in range(40, 52)}


BRIGHT_DEALS_ALERTS = {"mm-90102", "mm-90103", "mm-90122"}
HISTORY = {f"mm-{80001 + n}" for n in range(28)}


def actor_of(email: str) -> Actor:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return actor


def queue_of(email: str) -> set[str]:
    return {f"{a.marketplace.slug}:{a.listing_id}" for a in alerts_selectors.alerts_visible(actor=actor_of(email))}


def everything() -> dict[str, int]:
    """How many rows of each kind the screening demo writes, audit events included."""
    return {
        model.__name__: model.objects.count()
        for model in (
            Scan,
            ScannedItem,
            Alert,
            StreamSession,
            StreamSegment,
            ShopIdentifier,
            Watch,
            EarlyWarning,
            RiskKeyword,
            AuditEvent,
        )
    }


def test_megamart_screens_its_listings_and_triages_two_alerts(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()

    scan = Scan.objects.get(marketplace__slug="megamart")
    assert (scan.status, scan.items_total, scan.items_rejected) == ("done", len(MEGAMART_LISTINGS), 0)
    flagged = set(ScannedItem.objects.filter(scan=scan).values_list("listing_id", flat=True))
    assert flagged.isdisjoint(AUTHORISED | ORDINARY)
    assert len(ORDINARY) == 12
    alerted = set(Alert.objects.filter(marketplace__slug="megamart").values_list("listing_id", flat=True))
    assert {"mm-90101", "mm-90102", "mm-90104", "mm-90120", "mm-90130", "mm-90131", DISMISSED} <= alerted

    confirmed = Alert.objects.get(listing_id=CONFIRMED)
    dismissed = Alert.objects.get(listing_id=DISMISSED)
    assert (confirmed.status, confirmed.outcome, confirmed.measure, confirmed.brand) == (
        "confirmed",
        "measure",
        "delete",
        "AURORA",
    )
    assert (dismissed.status, dismissed.dismiss_reason) == ("dismissed", "keyword_innocent")
    decided = dict(Alert.objects.exclude(status="open").values_list("listing_id", "status"))
    assert decided == {CONFIRMED: "confirmed", DISMISSED: "dismissed"} | dict.fromkeys(BRIGHT_DEALS_ALERTS, "confirmed")
    replica = RiskKeyword.objects.get(marketplace__slug="megamart", term_key=term_key("replica"))
    assert replica.dismissed == 1
    assert replica.tuned_weight is not None
    assert replica.tuned_weight < replica.weight


def test_each_demo_organisation_sees_its_queue(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()
    stream_alert = Alert.objects.get(marketplace__slug="livebuy")

    aurora = queue_of("brand@aurora.demo")
    brandguard = queue_of("agent@brandguard.demo")
    megamart = queue_of("trust@megamart.demo")

    assert {f"megamart:{CONFIRMED}", "livebuy:lb-live-5120"} <= aurora
    assert {"megamart:mm-90120", "megamart:mm-90122"} <= brandguard
    assert aurora.isdisjoint(brandguard)
    assert all(key.startswith("megamart:") for key in megamart)
    assert f"megamart:{DISMISSED}" in megamart
    assert f"megamart:{DISMISSED}" not in aurora
    assert queue_of("seller@brightdeals.demo") == set()
    assert alert_source(stream_alert)["time_code"] == "12:34"


def test_loading_the_demo_again_writes_nothing(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()
    counts = everything()

    assert demo_screening_load() is False
    demo_load()

    assert everything() == counts
    assert counts["Alert"] == 15 + 1 + len(HISTORY)
    assert (counts["ShopIdentifier"], counts["Watch"], counts["EarlyWarning"]) == (10, 2, 2)


def test_bright_deals_is_associated_with_three_shops_through_a_telephone_and_a_payment_account(
    settings: Any,
) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()

    graph = monitoring.shop_graph(actor=actor_of("reviewer@megamart.demo"), shop_id=BRIGHT_DEALS)

    assert [(n.shop_id, n.shop_name, n.depth, n.alerts.confirmed, n.alerts.open, n.watched) for n in graph.nodes] == [
        ("mm-6600", "Bright Deals Shop", 0, 3, 0, True),
        ("mm-6601", "Bright Deals Outlet", 1, 0, 7, False),
        ("mm-7003", "Gift Corner", 1, 0, 2, False),
        ("mm-7016", "Lucky Beauty 幸运美妆", 2, 0, 7, False),
    ]
    assert [(e.source, e.target, e.kinds) for e in graph.edges] == [
        ("mm-6600", "mm-6601", ("phone",)),
        ("mm-6600", "mm-7003", ("payment_account",)),
        ("mm-7003", "mm-7016", ("phone",)),
    ]
    assert not graph.truncated
    # Ten identifiers, seven values: only their keyed hashes are stored, equal for the same value.
    assert ShopIdentifier.objects.count() == 10
    assert ShopIdentifier.objects.values("digest").distinct().count() == 7
    shared_phone = monitoring.identifier_digest("phone", "0048 601 234 567")
    assert set(ShopIdentifier.objects.filter(digest=shared_phone).values_list("shop_id", flat=True)) == {
        "mm-6600",
        "mm-6601",
    }


def test_megamart_watches_bright_deals_and_the_aurora_rouge_lipstick(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()
    from_alert = Alert.objects.get(listing_id="mm-90102")

    watches = monitoring.watches_for_marketplace(actor=actor_of("trust@megamart.demo")).order_by("pk")

    assert [(w.kind, w.label, w.keywords, w.category, w.shop_id, w.source_alert_id, w.hits) for w in watches] == [
        ("shop", "Bright Deals Shop", [], "", "mm-6600", from_alert.pk, 0),
        ("product", "AURORA Rouge lipstick", ["AURORA", "Rouge"], "cosmetics", "", None, 0),
    ]
    assert monitoring.watch_hits(
        marketplace=from_alert.marketplace, title="AURORA Rouge lipstick 3.5 g", category="cosmetics", shop_id=""
    ) == [watches[1]]


def test_bright_deals_heads_megamart_s_repeat_infringers(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()

    rows = list(monitoring.repeat_infringers(actor=actor_of("trust@megamart.demo")))

    assert [(r["shop_id"], r["confirmed"], r["open"]) for r in rows[:5]] == [
        ("mm-6600", 3, 0),
        ("mm-7001", 1, 7),
        ("mm-7004", 0, 9),
        ("mm-7016", 0, 7),
        ("mm-6601", 0, 7),
    ]
    assert len(rows) == 9


def test_aurora_and_cosmetics_spike_on_the_scan_s_day_and_megamart_is_warned(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()
    day = trends.today()
    megamart = actor_of("trust@megamart.demo")

    warnings = trends.warnings_for_marketplace(actor=megamart)
    found = trends.trends(actor=megamart)

    assert [(w.day, w.brand, w.category, w.count, w.baseline, w.acknowledged_at) for w in warnings] == [
        (day, "", "cosmetics", 11, 0.7857, None),
        (day, "AURORA", "", 10, 0.7857, None),
    ]
    assert found.days[-1] == day
    aurora = next(s for s in found.brands if s.name == "AURORA")
    assert aurora.counts == [*HISTORY_DAILY, 10]
    assert max(aurora.counts[:-1]) == 2
    assert [(s.day, s.brand, s.category, s.count) for s in found.spikes] == [
        (day, "", "cosmetics", 11),
        (day, "AURORA", "", 10),
    ]
    history = Alert.objects.filter(listing_id__in=HISTORY)
    assert history.count() == 28
    assert set(history.values_list("brand", "category", "status")) == {("AURORA", "cosmetics", "open")}
    assert history.filter(created_at__date__lt=day - timedelta(days=28)).count() == HISTORY_DAILY[0]
    assert AuditEvent.objects.filter(action=trends.WARNING_RAISED, actor_label="system").count() == 2
    # The right holder reads the same spike of its mark, without warnings of its own.
    aurora_view = trends.trends(actor=actor_of("brand@aurora.demo"))
    assert (day, "AURORA", "", 10) in [(s.day, s.brand, s.category, s.count) for s in aurora_view.spikes]
