"""The demo's screening: MegaMart sends thirty-one listings through the same scan people use — Aurora and Lumina
look-alikes in English and Chinese, 高仿 and replica offers, a West Lake Longjing tea from a shop that is not a
producer, accessories that only say what they fit, the AURORA Official Store and an authorised distributor (never
flagged), a souvenir model called a replica and ordinary goods. Its trust team confirms the plainest counterfeit
with a measure and dismisses the souvenir: there the risk word is innocent. LiveBuy screens a live stream in which
the streamer sells 欧若拉 高仿 lipsticks.

Focused monitoring (重点监测) and early warning (侵权预警) at MegaMart: its trust team confirms the three
counterfeits of Bright Deals Shop, which thereby heads its repeat infringers; records what four of its shops are
known by — Bright Deals shares a telephone with Bright Deals Outlet and a payment account with Gift Corner, which
shares another telephone with Lucky Beauty — and watches Bright Deals' shop and the AURORA Rouge lipstick. Behind
the day of the scan lie four weeks of Aurora lipstick alerts, none to two a day (history: raised as scans raise
them, then dated back), and four more earlier that day: with the scan's, AURORA and cosmetics spike, and the daily
check has written their early warnings, left for MegaMart to acknowledge.

Aurora Cosmetics sees the alerts naming its marks, BrandGuard those naming Lumina's, for whom it acts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.screening import alerts_services, monitoring, scans, streams, trends
from ipbridge.screening.alerts import alert_raise
from ipbridge.screening.catalogue import screener_for
from ipbridge.screening.flags import flags_json
from ipbridge.screening.models import Alert, AlertLevel, AlertStatus, ScannedItem, StreamSession, WatchKind
from ipbridge.screening.scans_input import Item, item_check

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


# Focused monitoring and early warning at MegaMart ------------------------------------------------------------------

BRIGHT_DEALS = "mm-6600"
# Bright Deals' three counterfeits, confirmed with the measure taken: the shop heads the repeat infringers.
BRIGHT_DEALS_CONFIRMED = (
    ("mm-90102", "delete", "AUR0RA with a zero, “replica” and three for the price of one. Listing deleted."),
    ("mm-90103", "delete", "1:1 复刻 perfume at a sixth of the reference price. Listing deleted."),
    ("mm-90122", "terminate_services", "Third counterfeit from the same shop: shop closed."),
)
# What MegaMart knows its shops by; only keyed hashes of the values are stored. Bright Deals' are those MegaMart
# shares as infringer intelligence (ipbridge.sharing.demo); it shares the telephone with its outlet and the payment
# account with Gift Corner, which shares another telephone with Lucky Beauty.
SHOP_IDENTIFIERS = (
    monitoring.ShopIdentifiersIn(
        BRIGHT_DEALS,
        (
            ("business_licence", "PL 525-000-11-22"),
            ("phone", "+48 601 234 567"),
            ("payment_account", "PL61 1090 1014 0000 0712 1981 2874"),
        ),
        "Bright Deals Shop",
    ),
    monitoring.ShopIdentifiersIn(
        "mm-6601",
        (
            ("business_licence", "PL 525-000-11-39"),
            ("phone", "+48 601 234 567"),
            ("address", "ul. Magazynowa 7, 02-495 Warszawa"),
        ),
        "Bright Deals Outlet",
    ),
    monitoring.ShopIdentifiersIn(
        "mm-7003",
        (("phone", "+49 30 5550 1873"), ("payment_account", "PL61 1090 1014 0000 0712 1981 2874")),
        "Gift Corner",
    ),
    monitoring.ShopIdentifiersIn(
        "mm-7016", (("phone", "+49 30 5550 1873"), ("device", "A7F3-09C2-55E1")), "Lucky Beauty 幸运美妆"
    ),
)
PRODUCT_WATCHED = "AURORA Rouge lipstick"

# History. Aurora lipstick alerts at MegaMart on each of the 29 days before the scan's day, oldest first (none to two
# a day), and on the scan's day before it: raised as a scan raises them, then dated back. With the scan's own six
# AURORA alerts (seven in cosmetics), that day counts 10 AURORA alerts and 11 in cosmetics against a daily mean of
# 0.79 over the 14 days before: a spike of both, which the daily check turns into two early warnings.
HISTORY_DAILY = (1, 0, 2, 1, 0, 1, 1, 0, 2, 1, 0, 1, 0, 2, 1, 0, 1, 1, 0, 2, 1, 0, 1, 0, 1, 2, 0, 1, 1)
HISTORY_SCAN_DAY = 4
HISTORY_TITLES = (
    "AURORA Rouge lipstick replica",
    "AUR0RA matte lipstick 1:1 高仿",
    "Aurora Rouge lipstick set 原单 factory price",
    "AURORA lip gloss A货 清仓",
    "A U R O R A lipstick 高仿 3 for 1",
    "AURORA lipstick 一比一 复刻",
)
HISTORY_SHOPS = (
    ("mm-6601", "Bright Deals Outlet"),
    ("mm-7016", "Lucky Beauty 幸运美妆"),
    ("mm-7001", "Beauty Picks 美妆优选"),
    ("mm-7004", "Bazar Lumière"),
)
HISTORY_FIRST_ID = 80001  # history's listings are mm-80001, mm-80002, ...


def _actor(email: str) -> Actor:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return actor


def _alert_of(listing_id: str) -> Alert | None:
    return Alert.objects.filter(marketplace__slug="megamart", listing_id=listing_id).order_by("pk").first()


def demo_screening_load() -> bool:
    """Screen the demo's listings and live stream, then set up MegaMart's focused monitoring and early warning,
    each once; returns False when all of it was there before."""
    megamart = _actor("trust@megamart.demo")
    loaded = _scan(megamart)
    loaded = _stream(_actor("safety@livebuy.demo")) or loaded
    return _monitoring(megamart) or loaded


def _scan(megamart: Actor) -> bool:
    if ScannedItem.objects.filter(scan__marketplace=megamart.organisation, listing_id=CONFIRMED).exists():
        return False
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
    return True


def _stream(livebuy: Actor) -> bool:
    if StreamSession.objects.filter(marketplace=livebuy.organisation, stream_ref=LIVEBUY_STREAM.stream_id).exists():
        return False
    session = streams.stream_open(actor=livebuy, stream=LIVEBUY_STREAM)
    streams.stream_segments_push(actor=livebuy, session_id=session.pk, segments=LIVEBUY_SEGMENTS)
    streams.stream_end(actor=livebuy, session_id=session.pk)
    return True


def _monitoring(megamart: Actor) -> bool:
    """Once, after the scan: its history marks that it was done, so what people changed since stays changed."""
    scanned = _alert_of(CONFIRMED)
    if scanned is None or _alert_of(f"mm-{HISTORY_FIRST_ID}") is not None:
        return False
    with transaction.atomic():
        for listing_id, measure, note in BRIGHT_DEALS_CONFIRMED:
            alert = _alert_of(listing_id)
            if alert is not None and alert.status == AlertStatus.OPEN:
                alerts_services.alert_confirm(actor=megamart, alert_id=alert.pk, measure=measure, note=note)
        monitoring.shop_identifiers_record(actor=megamart, shops=SHOP_IDENTIFIERS)
        shop_alert = _alert_of(BRIGHT_DEALS_CONFIRMED[0][0])
        if shop_alert is not None and monitoring.shop_watch(actor=megamart, shop_id=BRIGHT_DEALS) is None:
            monitoring.watch_from_alert(
                actor=megamart,
                alert_id=shop_alert.pk,
                kind=WatchKind.SHOP,
                reason="Three counterfeits confirmed; associated with Bright Deals Outlet and Gift Corner.",
            )
        monitoring.watch_add(
            actor=megamart,
            kind=WatchKind.PRODUCT,
            label=PRODUCT_WATCHED,
            keywords=["AURORA", "Rouge"],
            category="cosmetics",
            reason="Reported by Aurora Cosmetics: its best-selling lipstick is the most copied.",
        )
        day = _history_raise(megamart, until=scanned.created_at)
        trends.warnings_check(marketplace=megamart.organisation, on=day)
    return True


def _history_times(until: datetime) -> list[datetime]:
    """When each alert of the history was raised: at 10:10 (and 13:10) on the days before ``until``'s, and spread
    evenly from midnight to ``until`` on its day."""
    zone = timezone.get_default_timezone()
    day = timezone.localtime(until, zone).date()
    times = []
    for back, count in enumerate(reversed(HISTORY_DAILY), start=1):
        on = day - timedelta(days=back)
        times += [datetime.combine(on, time(10 + 3 * n, 10), tzinfo=zone) for n in range(count)]
    start = datetime.combine(day, time.min, tzinfo=zone)
    times += [start + (until - start) * (n + 1) / (HISTORY_SCAN_DAY + 1) for n in range(HISTORY_SCAN_DAY)]
    return sorted(times)


def _history_raise(megamart: Actor, *, until: datetime) -> date:
    """Raise the history's alerts as a scan would (the same screener, flags and levels), dated back; returns the
    day of ``until``, on which the spike falls. Not a scan: these listings were never sent."""
    screener, thresholds = screener_for(megamart.organisation)
    marketplace = str(megamart.organisation.pk)
    for n, when in enumerate(_history_times(until)):
        shop_id, shop_name = HISTORY_SHOPS[n % len(HISTORY_SHOPS)]
        listing_id = f"mm-{HISTORY_FIRST_ID + n}"
        item = item_check(
            _listing(
                listing_id, HISTORY_TITLES[n % len(HISTORY_TITLES)], "7.50", "EUR", shop_id, shop_name, "cosmetics"
            ),
            position=n + 1,
        )
        assert isinstance(item, Item)
        result = screener.screen([item.listing(marketplace)])[0]
        alert = alert_raise(
            marketplace=megamart.organisation,
            # Raised as it was then, even should MegaMart have raised its thresholds since.
            level=thresholds.level(result.risk_score) or AlertLevel.ALERT,
            risk_score=result.risk_score,
            flags=flags_json(result),
            title=item.title,
            listing_id=item.id,
            url=item.url,
            shop_id=item.shop_id,
            shop_name=item.shop_name,
            category=item.category,
        )
        # The one write past the services: the day the alert was raised, which is what makes it history.
        Alert.objects.filter(pk=alert.pk).update(created_at=when)
    return timezone.localtime(until, timezone.get_default_timezone()).date()
