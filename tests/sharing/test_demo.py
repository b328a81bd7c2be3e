"""The demo's shared information, loaded on the demo world through the services people use."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ipbridge.demo import demo_load
from ipbridge.sharing.demo import demo_sharing_load
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideStatus, InfringerRecord, ShareRead

pytestmark = pytest.mark.django_db(transaction=True)


def test_aurora_shares_its_guide_and_sellers_megamart_reads_them_and_records_an_infringer(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    demo_load()

    assert demo_sharing_load() is False
    assert sorted(InfringerRecord.objects.values_list("kind", "case__merchant__slug", "contributed_by__slug")) == [
        ("business_licence", "bright-deals", "megamart"),
        ("payment_account", "bright-deals", "megamart"),
        ("phone", "bright-deals", "megamart"),
    ]

    guide = Guide.objects.get(holder__slug="aurora-cosmetics")
    assert (guide.status, guide.version, guide.audience_all_marketplaces, guide.audience_authorities) == (
        GuideStatus.PUBLISHED,
        1,
        True,
        True,
    )
    assert sorted(f"{r.office} {r.number}" for r in guide.rights.all()) == ["CN 45678901", "EM 018234567"]
    assert guide.images.get().content_type == "image/png"
    resold = AuthorisedSeller.objects.get(shop_id="mm-5120")
    assert (resold.marketplace.slug if resold.marketplace else "", resold.valid_until) == (
        "megamart",
        date(2026, 10, 31),
    )
    assert AuthorisedSeller.objects.filter(holder=guide.holder).count() == 5
    assert list(ShareRead.objects.order_by("id").values_list("reader__slug", "subject", "version")) == [
        ("megamart", "guide", 1),
        ("megamart", "guide_image", 1),
        ("megamart", "seller_check", None),
    ]
