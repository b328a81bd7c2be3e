"""The demo's screening, loaded on the demo world through the services people use: MegaMart's scan with one alert
confirmed and one dismissed, the right holder's own shops left alone, LiveBuy's stream, and who sees which."""

from __future__ import annotations

from typing import Any

import pytest

from ipbridge.accounts.models import User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.demo import demo_load
from ipbridge.screening import alerts_selectors
from ipbridge.screening.alerts_presenters import alert_source
from ipbridge.screening.catalogue import term_key
from ipbridge.screening.demo import CONFIRMED, DISMISSED, MEGAMART_LISTINGS, demo_screening_load
from ipbridge.screening.models import Alert, RiskKeyword, Scan, ScannedItem

pytestmark = pytest.mark.django_db(transaction=True)

AUTHORISED = {"mm-90110", "mm-90111"}
ORDINARY = {f"mm-901{n}" for n in range(40, 52)}


def queue_of(email: str) -> set[str]:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return {f"{a.marketplace.slug}:{a.listing_id}" for a in alerts_selectors.alerts_visible(actor=actor)}


def test_megamart_screens_its_listings_and_triages_two_alerts(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()
    counts = (Scan.objects.count(), ScannedItem.objects.count(), Alert.objects.count())

    assert demo_screening_load() is False
    assert (Scan.objects.count(), ScannedItem.objects.count(), Alert.objects.count()) == counts

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
    assert Alert.objects.exclude(pk__in=[confirmed.pk, dismissed.pk]).filter(status="open").count() == (
        Alert.objects.count() - 2
    )
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
