"""The demo's screening: MegaMart sends thirty-one listings through the same scan people use — Aurora and Lumina
look-alikes in English and Chinese, 高仿 and replica offers, a West Lake Longjing tea from a shop that is not a
producer, accessories that only say what they fit, the AURORA Official Store and an authorised distributor (never
flagged), a souvenir model called a replica and ordinary goods. Its trust team confirms the plainest counterfeit
with a measure and dismisses the souvenir: there the risk word is innocent. LiveBuy screens a live stream in which
the streamer sells 欧若拉 高仿 lipsticks.

Aurora Cosmetics sees the alerts naming its marks, BrandGuard those naming Lumina's, for whom it acts."""

from __future__ import annotations

from typing import Any

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.screening import alerts_services, scans, streams
from ipbridge.screening.models import Alert, AlertStatus, ScannedItem, StreamSession

SHOP = "https://megamart.example/item/"


def _listing(
    listing_id: str, title: str, price: str, currency: str, shop_id: str, shop_name: str, category: str, **more: str
) -> dict[str, Any]:
    return {
        "id": listing_id,
        "title": title,
        "url": f"{SHOP}{listing_id}",
        "price": price,
        "currency": currency,
        "shop_id": shop_id,
        "shop_name": shop_name,
        "category": category,
        **more,
    }


MEGAMART_LISTINGS = [
    # Counterfeits of AURORA, as sellers write them.
    _listing(
        "mm-90101",
        "AURORA Rouge lipstick 3.5 g 高仿 一比一",
        "9.90",
        "EUR",
        "mm-7001",
        "Beauty Picks 美妆优选",
        "cosmetics",
    ),
    _listing(
        "mm-90102", "AUR0RA Rouge lipstick replica, 3 for 1", "5.00", "EUR", "mm-6600", "Bright Deals Shop", "cosmetics"
    ),
    _listing(
        "mm-90103",
        "Aurora parfum 100 ml 1:1 复刻 original quality",
        "15.00",
        "EUR",
        "mm-6600",
        "Bright Deals Shop",
        "perfume",
    ),
    _listing("mm-90104", "欧若拉 口红 A货 原单 12色", "39.00", "CNY", "mm-7002", "金龙贸易 Golden Dragon", "cosmetics"),
    _listing(
        "mm-90105",
        "A-U-R-O-R-A lipstick gift set, factory original",
        "12.00",
        "EUR",
        "mm-7003",
        "Gift Corner",
        "cosmetics",
    ),
    _listing("mm-90106", "Auroraa Rouge matte lipstick set of 6", "8.50", "EUR", "mm-7003", "Gift Corner", "cosmetics"),
    _listing(
        "mm-90107", "殴若拉 口红 原厂 正品 清仓", "29.00", "CNY", "mm-7002", "金龙贸易 Golden Dragon", "cosmetics"
    ),
    _listing(
        "mm-90108", "Rouge à lèvres AURORA, lot de 3, imitation", "6.00", "EUR", "mm-7004", "Bazar Lumière", "cosmetics"
    ),
    # The right holder's own shop and its distributor: the same marks, never flagged.
    _listing(
        "mm-90110",
        "AURORA Rouge lipstick 3.5 g, shade 12 Coquelicot",
        "39.00",
        "EUR",
        "mm-1001",
        "AURORA Official Store",
        "cosmetics",
    ),
    _listing(
        "mm-90111",
        "AURORA parfum 50 ml eau de parfum",
        "89.00",
        "EUR",
        "mm-2040",
        "Beauté Paris Distribution",
        "perfume",
    ),
    # Accessories that name the brand to say what they fit.
    _listing(
        "mm-90112",
        "Case for AURORA Rouge lipstick, velvet pouch",
        "4.50",
        "EUR",
        "mm-7005",
        "Pouch World",
        "accessories",
    ),
    _listing(
        "mm-90113",
        "Lipstick organiser, 24 slots, fits most brands",
        "11.00",
        "EUR",
        "mm-7005",
        "Pouch World",
        "accessories",
    ),
    # Counterfeits of LUMINA.
    _listing("mm-90120", "LUMINA LED desk lamp 高仿 特价", "6.90", "EUR", "mm-7006", "Light Deals 灯饰", "lighting"),
    _listing("mm-90121", "流明 LED 台灯 原厂 平价替代", "49.00", "CNY", "mm-7006", "Light Deals 灯饰", "lighting"),
    _listing(
        "mm-90122", "LUMlNA wireless earbuds replica", "7.99", "EUR", "mm-6600", "Bright Deals Shop", "electronics"
    ),
    # A geographical indication from a shop that is not among its producers.
    _listing("mm-90130", "西湖龙井 明前特级 250g 礼盒", "68.00", "CNY", "mm-7007", "茶香小铺 Tea Corner", "tea"),
    # Risk words without a mark.
    _listing("mm-90131", "高仿 名牌 包包 A货 现货", "99.00", "CNY", "mm-7002", "金龙贸易 Golden Dragon", "bags"),
    _listing(
        "mm-90132", "Designer style handbag replica, top quality", "25.00", "EUR", "mm-7004", "Bazar Lumière", "bags"
    ),
    # A risk word used innocently.
    _listing(
        "mm-90133",
        "Replica of the Eiffel Tower, 30 cm metal model",
        "16.00",
        "EUR",
        "mm-7015",
        "Souvenirs de Paris",
        "decor",
    ),
    # Ordinary goods.
    _listing("mm-90140", "Plain cotton bath towel 70 x 140 cm", "12.90", "EUR", "mm-7010", "Home Basics", "home"),
    _listing("mm-90141", "Stainless steel water bottle 750 ml", "14.90", "EUR", "mm-7010", "Home Basics", "home"),
    _listing("mm-90142", "儿童 积木 玩具 100 块", "59.00", "CNY", "mm-7011", "快乐玩具", "toys"),
    _listing(
        "mm-90143", "Waterproof Bluetooth speaker, 12 h battery", "29.00", "EUR", "mm-7012", "Sound Hub", "electronics"
    ),
    _listing("mm-90144", "Yoga mat 6 mm, non-slip", "19.00", "EUR", "mm-7013", "Fit Life", "sports"),
    _listing("mm-90145", "纯棉 短袖 T恤 男款 白色", "39.00", "CNY", "mm-7014", "简约服饰", "clothing"),
    _listing("mm-90146", "Ceramic coffee mug 350 ml, matte black", "9.50", "EUR", "mm-7010", "Home Basics", "home"),
    _listing("mm-90147", "USB-C charger 20 W", "15.00", "EUR", "mm-7012", "Sound Hub", "electronics"),
    _listing("mm-90148", "LED strip lights 5 m, warm white", "13.00", "EUR", "mm-7006", "Light Deals 灯饰", "lighting"),
    _listing(
        "mm-90149", "Lipstick set of 12 shades, cruelty free", "18.00", "EUR", "mm-7003", "Gift Corner", "cosmetics"
    ),
    _listing("mm-90150", "Linen table cloth 140 x 200 cm", "24.00", "EUR", "mm-7010", "Home Basics", "home"),
    _listing("mm-90151", "不锈钢 保温杯 500ml", "45.00", "CNY", "mm-7011", "快乐玩具", "home"),
]

# The listing MegaMart confirms (it deleted it), and the one it dismisses (a model of a monument is no counterfeit).
CONFIRMED = "mm-90101"
DISMISSED = "mm-90133"

LIVEBUY_STREAM = streams.StreamIn(
    stream_id="lb-live-5120",
    title="美妆直播 今晚福利",
    url="https://livebuy.example/live/5120",
    shop_id="lb-912",
    shop_name="小美美妆",
    streamer="小美",
)
LIVEBUY_SEGMENTS = [
    streams.SegmentIn("s-1", 0, 9_000, "大家好，欢迎来到今晚的直播间", "小美"),
    streams.SegmentIn("s-2", 754_000, 762_000, "这款欧若拉口红是高仿的，跟专柜一模一样，只要三十九", "小美"),
    streams.SegmentIn("s-3", 763_000, 770_000, "库存不多，喜欢的宝宝赶紧下单", "小美"),
    streams.SegmentIn("s-4", 1_202_000, 1_210_000, "下一款是我们自己家的保湿面霜", "小美"),
]


def _actor(email: str) -> Actor:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return actor


def _alert_of(listing_id: str) -> Alert | None:
    return Alert.objects.filter(marketplace__slug="megamart", listing_id=listing_id).order_by("pk").first()


def demo_screening_load() -> bool:
    """Screen the demo's listings and live stream once; returns False when they were screened before."""
    if ScannedItem.objects.filter(scan__marketplace__slug="megamart", listing_id=CONFIRMED).exists():
        return False
    megamart = _actor("trust@megamart.demo")
    scans.scan_listings(actor=megamart, items=MEGAMART_LISTINGS)
    confirmed = _alert_of(CONFIRMED)
    if confirmed is not None and confirmed.status == AlertStatus.OPEN:
        alerts_services.alert_confirm(
            actor=megamart,
            alert_id=confirmed.pk,
            measure="delete",
            note="Counterfeit: 高仿 in the title and a fifth of the reference price. Listing deleted, seller warned.",
        )
    dismissed = _alert_of(DISMISSED)
    if dismissed is not None and dismissed.status == AlertStatus.OPEN:
        alerts_services.alert_dismiss(
            actor=megamart,
            alert_id=dismissed.pk,
            reason="keyword_innocent",
            note="A scale model of a monument: “replica” describes the souvenir, not a counterfeit.",
        )
    _stream(_actor("safety@livebuy.demo"))
    return True


def _stream(livebuy: Actor) -> None:
    if StreamSession.objects.filter(marketplace=livebuy.organisation, stream_ref=LIVEBUY_STREAM.stream_id).exists():
        return
    session = streams.stream_open(actor=livebuy, stream=LIVEBUY_STREAM)
    streams.stream_segments_push(actor=livebuy, session_id=session.pk, segments=LIVEBUY_SEGMENTS)
    streams.stream_end(actor=livebuy, session_id=session.pk)
