"""The demo's shared information: Aurora Cosmetics publishes a product authentication guide for its AURORA marks to
every verified marketplace and the market regulator, with a picture of the genuine lipstick; it lists its
authorised shops on MegaMart and LiveBuy — among them the shop of the resold case, whose authorisation ended on
31 October 2026 — and one shop on a marketplace that is not on IPBridge. MegaMart reads the guide and checks that
shop, so that Aurora's read log shows it.

The picture is drawn here, small but a real PNG, so that it opens."""

from __future__ import annotations

from datetime import date
from typing import Any

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.core.pictures import Box, Colour, png_of_boxes
from ipbridge.notices.models import Case, ItemStatus
from ipbridge.sharing import intelligence, sellers, services
from ipbridge.sharing.models import Guide


def _png(width: int, height: int, boxes: list[Box], background: Colour = (246, 241, 236)) -> bytes:
    return png_of_boxes(width, height, boxes, background)


GOLD = (201, 162, 39)
BLACK = (28, 28, 30)
ROUGE = (178, 24, 52)
SILVER = (190, 196, 204)
# The genuine lipstick: the rouge bullet, the gold band with the word mark, the black case; beside it the base with
# its laser-engraved batch code and the holographic seal.
GENUINE = _png(
    320,
    200,
    [
        (60, 30, 44, 50, ROUGE),
        (56, 80, 52, 14, GOLD),
        (56, 94, 52, 80, BLACK),
        (62, 120, 40, 6, GOLD),
        (170, 60, 110, 110, BLACK),
        (190, 100, 70, 8, SILVER),
        (190, 114, 48, 8, SILVER),
        (236, 70, 30, 22, (120, 200, 230)),
        (244, 76, 14, 10, (230, 140, 220)),
    ],
)

AURORA_GUIDE: dict[str, Any] = {
    "title": "AURORA Rouge lipsticks and AURORA parfums: genuine or counterfeit",
    "summary": (
        "How to tell genuine AURORA Rouge lipsticks and AURORA parfums from the counterfeits seen on marketplaces "
        "and in live streams since 2025. Aurora Cosmetics S.A. sells them only through its own shops and the "
        "authorised sellers it lists on IPBridge."
    ),
    "rights": ["EM 018234567", "CN 45678901"],
    "products": ["AURORA Rouge lipstick 3.5 g (12 shades)", "AURORA parfum 50 ml and 100 ml", "AURORA Rouge gift set"],
    "genuine_features": [
        "Batch code laser-engraved on the base of the case: two digits of the year, the month as a letter, two "
        "digits (26K11)",
        "Holographic seal on the box that shows the AURORA sun when tilted",
        "Gold band with the AURORA word mark in thin capitals, letters evenly spaced",
        "The case closes with a magnetic click",
    ],
    "counterfeit_features": [
        "Batch code printed or on a sticker, or missing",
        "No hologram, or a flat silver sticker",
        "Word mark wider or bolder than the genuine one",
        "Sold as 高仿, A货, 原单 or 1:1 复刻, or in sets of three for one",
        "Prices at a fifth of the retail price",
    ],
    "packaging": (
        "Black box with the word mark in gold foil, cellophane with a tear strip printed AURORA. The leaflet is in "
        "French, English and Chinese. Parfums come in a numbered box; the number is also engraved under the bottle."
    ),
    "serial_schemes": [
        "Batch code on lipsticks: the year in two digits, the month as a letter (A–L), the line in two digits: "
        "26K11 is line 11, November 2026",
        "Parfum boxes carry a 10-digit number; aurora.demo/verify tells whether it was made",
    ],
    "reference_prices": [
        {"product": "AURORA Rouge lipstick 3.5 g", "amount": 3900, "currency": "EUR"},
        {"product": "AURORA parfum 100 ml", "amount": 12900, "currency": "EUR"},
        {"product": "欧若拉 口红 3.5 g", "amount": 29900, "currency": "CNY"},
    ],
    "audience_all_marketplaces": True,
    "audience_authorities": True,
}

AURORA_SELLERS = (
    sellers.SellerIn(
        brand="AURORA",
        marketplace="megamart",
        shop_id="mm-1001",
        shop_name="AURORA Official Store",
        relation="own_shop",
        valid_from=date(2024, 1, 1),
    ),
    sellers.SellerIn(
        brand="AURORA",
        marketplace="megamart",
        shop_id="mm-2040",
        shop_name="Beauté Paris Distribution",
        relation="authorised_distributor",
        valid_from=date(2025, 3, 1),
        valid_until=date(2027, 2, 28),
    ),
    # The shop of the resold case (listing 90077): its authorisation ended on 31 October 2026.
    sellers.SellerIn(
        brand="AURORA",
        marketplace="megamart",
        shop_id="mm-5120",
        shop_name="Glow Cosmetics Outlet",
        relation="reseller",
        valid_from=date(2024, 11, 1),
        valid_until=date(2026, 10, 31),
    ),
    sellers.SellerIn(
        brand="欧若拉",
        marketplace="livebuy",
        shop_id="lb-88",
        shop_name="欧若拉官方旗舰店",
        relation="own_shop",
        valid_from=date(2025, 6, 1),
    ),
    sellers.SellerIn(
        brand="AURORA",
        marketplace_name="Galeries Web",
        marketplace_url="https://galeries-web.example",
        shop_id="gw-311",
        shop_name="Parfumerie Lumière",
        relation="licensee",
        valid_from=date(2025, 1, 1),
        valid_until=date(2027, 12, 31),
    ),
)


def _actor(email: str) -> Actor:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return actor


def demo_sharing_load() -> bool:
    """Share Aurora's guide and authorised sellers once; returns False when they were shared before."""
    if Guide.objects.filter(holder__slug="aurora-cosmetics").exists():
        return False
    aurora = _actor("brand@aurora.demo")
    megamart = _actor("trust@megamart.demo")

    guide = services.guide_create(actor=aurora, changes=services.GuideChanges(**AURORA_GUIDE))
    picture = services.guide_image_add(
        actor=aurora,
        guide_id=guide.pk,
        upload=GENUINE,
        caption="Genuine AURORA Rouge: gold band, engraved batch code on the base, holographic seal",
    )
    services.guide_publish(actor=aurora, guide_id=guide.pk)
    for entry in AURORA_SELLERS:
        sellers.seller_create(actor=aurora, entry=entry)

    services.guide_read(actor=megamart, guide_id=guide.pk)
    _image, stream = services.guide_image_open(actor=megamart, guide_id=guide.pk, image_id=picture.pk)
    stream.close()
    sellers.seller_check(actor=megamart, brand="AURORA", shop_id="mm-5120")
    _intelligence(megamart)
    return True


# What MegaMart recorded of Bright Deals, whose listing it took down: Little Bazaar's owner can paste these (or one
# of them written another way) on the Infringer intelligence page and see them match.
BRIGHT_DEALS_IDENTIFIERS = [
    ("phone", "+48 601 234 567"),
    ("business_licence", "PL 525-000-11-22"),
    ("payment_account", "PL61 1090 1014 0000 0712 1981 2874"),
]


def _intelligence(megamart: Actor) -> None:
    case = (
        Case.objects.filter(marketplace__slug="megamart", merchant__slug="bright-deals", items__status=ItemStatus.ACTED)
        .order_by("pk")
        .first()
    )
    if case is not None:
        intelligence.intelligence_record(actor=megamart, case_id=case.pk, identifiers=BRIGHT_DEALS_IDENTIFIERS)
