"""Focused monitoring (重点监测): a marketplace watches a reported product, products of its type or a shop, and
every item matching an active watch is found by one matcher per batch; shops' identifiers are kept only as keyed
hashes, and shops sharing one are associated (关联店铺); repeat infringers ranked by their alerts."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ipbridge.accounts.audit import AuditAction
from ipbridge.accounts.models import AuditEvent, Organisation
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.screening import monitoring
from ipbridge.screening.alerts import alert_raise
from ipbridge.screening.models import Alert, ShopIdentifier, Watch
from ipbridge.screening.monitoring import ShopIdentifiersIn, ShopNode
from ipbridge.screening.monitoring.drawing import band, graph_drawing
from ipbridge.screening.monitoring.shops import AlertCounts, ShopEdge
from tests.screening.factories import Screening, aurora_right, screening_world

pytestmark = pytest.mark.django_db

TITLE = "AURORA Rouge lipstick 高仿 replica"
PHONE = "+86 138 0013 8000"
LICENCE = "91440300MA5FXXXX1X"
ADDRESS = "Room 5, No. 8 Keji Road, Shenzhen"


# Helpers shared by the monitoring tests ----------------------------------------------------------------------------


def mark_flag(holders: list[Organisation], *, matched: str = "AURORA", start: int = 0) -> dict[str, Any]:
    right = aurora_right()
    return {
        "detector": "mark",
        "field": "title",
        "start": start,
        "end": start + len(matched),
        "matched_text": matched,
        "term": right.verbal_element,
        "weight": 0.6,
        "how": "exact",
        "explanation": f"{matched} is the mark {right.verbal_element}",
        "right": {
            "id": right.pk,
            "office": right.office,
            "number": right.number,
            "mark": right.verbal_element,
            "holders": [str(h.pk) for h in holders],
        },
    }


def keyword_flag(term: str = "高仿", *, start: int = 22) -> dict[str, Any]:
    return {
        "detector": "risk_keyword",
        "field": "title",
        "start": start,
        "end": start + len(term),
        "matched_text": term,
        "term": term,
        "weight": 0.4,
        "how": "",
        "explanation": f"{term} is a risk keyword",
        "right": None,
    }


def raised(
    marketplace: Organisation,
    *,
    holders: list[Organisation] | None = None,
    shop_id: str = "shop-9",
    shop_name: str = "Bright Deals",
    title: str = TITLE,
    category: str = "cosmetics",
    status: str = "open",
    at: Any = None,
    branded: bool = True,
) -> Alert:
    """An alert raised as scans raise them, from hand-made flags: the AURORA mark (naming ``holders``) and a risk
    keyword; then given ``status`` and its time ``at``."""
    flags = [mark_flag(holders or []), keyword_flag()] if branded else [keyword_flag()]
    alert = alert_raise(
        marketplace=marketplace,
        level="alert",
        risk_score=0.72,
        flags=flags,
        title=title,
        listing_id=f"L-{Alert.objects.count() + 1}",
        shop_id=shop_id,
        shop_name=shop_name,
        category=category,
    )
    changes: dict[str, Any] = {"status": status}
    if at is not None:
        changes["created_at"] = at
    Alert.objects.filter(pk=alert.pk).update(**changes)
    alert.refresh_from_db()
    return alert


def _actor(world: Screening) -> Any:
    return actor_for_system(world.marketplace)


@pytest.fixture
def world() -> Screening:
    return screening_world()


# Watches -----------------------------------------------------------------------------------------------------------


def test_a_product_watch_keeps_its_keywords_once_each_and_is_audited(world: Screening) -> None:
    watch = monitoring.watch_add(
        actor=_actor(world),
        kind="product",
        keywords=[" AURORA ", "Rouge", "aurora", "", "ＲＯＵＧＥ"],
        reason="Reported by Aurora in notice 12.",
    )

    assert (watch.kind, watch.label, watch.keywords, watch.category, watch.shop_id, watch.active, watch.hits) == (
        "product",
        "AURORA Rouge",
        ["AURORA", "Rouge"],
        "",
        "",
        True,
        0,
    )
    event = AuditEvent.objects.get(action=AuditAction.WATCH_ADDED)
    assert (event.organisation_id, event.subject_id, event.actor_label) == (
        world.marketplace.pk,
        str(watch.pk),
        "command line",
    )
    assert event.details == {"kind": "product", "label": "AURORA Rouge", "alert": None}


def test_labels_are_made_from_what_is_watched_unless_given(world: Screening) -> None:
    actor = _actor(world)

    same_type = monitoring.watch_add(actor=actor, kind="same_type", keywords=["奥罗拉"], category="Cosmetics")
    shop = monitoring.watch_add(actor=actor, kind="shop", shop_id="shop-9")
    named = monitoring.watch_add(actor=actor, kind="shop", shop_id="shop-1", label="Bright Deals' twin")

    assert [same_type.label, shop.label, named.label] == ["Cosmetics: 奥罗拉", "shop-9", "Bright Deals' twin"]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"kind": "listing", "keywords": ["AURORA"]}, "invalid_choice", "kind"),
        ({"kind": "product"}, "required", "keywords"),
        ({"kind": "product", "keywords": ["  ", ""]}, "required", "keywords"),
        ({"kind": "same_type", "keywords": ["AURORA"]}, "required", "category"),
        ({"kind": "shop"}, "required", "shop_id"),
        ({"kind": "product", "keywords": ["AURORA"], "shop_id": "shop-9"}, "not_for_kind", "shop_id"),
        ({"kind": "shop", "shop_id": "shop-9", "keywords": ["AURORA"]}, "not_for_kind", "keywords"),
        ({"kind": "shop", "shop_id": "shop-9", "category": "cosmetics"}, "not_for_kind", "category"),
        ({"kind": "product", "keywords": ["AURORA", "x" * 101]}, "too_long", "keywords[1]"),
        ({"kind": "product", "keywords": [f"word{n}" for n in range(21)]}, "too_many", "keywords"),
        ({"kind": "product", "keywords": ["AURORA"], "label": "x" * 201}, "too_long", "label"),
        ({"kind": "product", "keywords": ["AURORA"], "reason": "nul\x00"}, "invalid_characters", "reason"),
        ({"kind": "product", "keywords": ["AUR\x00ORA"]}, "invalid_characters", "keywords[0]"),
    ],
)
def test_a_watch_asked_for_wrongly_is_refused_naming_the_field_and_nothing_is_written(
    world: Screening, fields: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        monitoring.watch_add(actor=_actor(world), **fields)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert Watch.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.WATCH_ADDED).exists()


def test_the_same_thing_watched_twice_is_refused_until_the_first_watch_ends(world: Screening) -> None:
    actor = _actor(world)
    first = monitoring.watch_add(actor=actor, kind="product", keywords=["AURORA", "rouge"])

    with pytest.raises(Conflict) as refused:
        monitoring.watch_add(actor=actor, kind="product", keywords=["Rouge", "ａｕｒｏｒａ"], label="again")
    assert (refused.value.code, refused.value.details) == ("already_watched", {"watch": first.pk})

    monitoring.watch_end(actor=actor, watch_id=first.pk)
    again = monitoring.watch_add(actor=actor, kind="product", keywords=["Rouge", "ａｕｒｏｒａ"])
    assert again.pk != first.pk
    # Another category is another watch.
    monitoring.watch_add(actor=actor, kind="product", keywords=["AURORA", "rouge"], category="gift sets")
    assert Watch.objects.filter(active=True).count() == 2


def test_watch_this_shop_from_an_alert_takes_its_shop(world: Screening) -> None:
    alert = raised(world.marketplace)

    watch = monitoring.watch_from_alert(actor=_actor(world), alert_id=alert.pk, kind="shop", reason="Third alert")

    assert (watch.kind, watch.shop_id, watch.label, watch.keywords, watch.category, watch.source_alert_id) == (
        "shop",
        "shop-9",
        "Bright Deals",
        [],
        "",
        alert.pk,
    )
    assert watch.reason == "Third alert"
    assert AuditEvent.objects.get(action=AuditAction.WATCH_ADDED).details["alert"] == alert.pk


def test_watch_this_product_takes_the_brand_the_words_its_flags_matched_and_its_category(world: Screening) -> None:
    alert = raised(world.marketplace)

    watch = monitoring.watch_from_alert(actor=_actor(world), alert_id=alert.pk, kind="product")

    assert (watch.kind, watch.keywords, watch.category, watch.label) == (
        "product",
        ["AURORA", "高仿"],
        "cosmetics",
        TITLE,
    )


def test_products_of_the_same_type_take_the_category_and_the_brand_or_the_keywords_given(world: Screening) -> None:
    actor = _actor(world)
    alert = raised(world.marketplace)

    by_brand = monitoring.watch_from_alert(actor=actor, alert_id=alert.pk, kind="same_type")
    given = monitoring.watch_from_alert(
        actor=actor, alert_id=alert.pk, kind="same_type", keywords=["奥罗拉"], category="lipsticks"
    )

    assert (by_brand.keywords, by_brand.category, by_brand.label) == (["AURORA"], "cosmetics", "cosmetics: AURORA")
    assert (given.keywords, given.category) == (["奥罗拉"], "lipsticks")


def test_an_alert_without_what_the_watch_needs_is_refused_naming_it(world: Screening) -> None:
    actor = _actor(world)
    bare = raised(world.marketplace, shop_id="", shop_name="", category="", branded=False, title="replica bag")
    bare.flags = []
    Alert.objects.filter(pk=bare.pk).update(flags=[])

    refusals = []
    for kind in ("shop", "same_type", "product"):
        with pytest.raises(ValidationFailed) as refused:
            monitoring.watch_from_alert(actor=actor, alert_id=bare.pk, kind=kind)
        refusals.append((refused.value.code, refused.value.field))

    assert refusals == [("no_shop", "shop_id"), ("required", "keywords"), ("required", "keywords")]
    with pytest.raises(ValidationFailed) as refused:
        monitoring.watch_from_alert(actor=actor, alert_id=bare.pk, kind="same_type", keywords=["replica"])
    assert (refused.value.code, refused.value.field) == ("required", "category")
    assert Watch.objects.count() == 0


def test_another_marketplaces_alert_and_watch_are_not_found(world: Screening) -> None:
    theirs = raised(world.bazaar.organisation)
    their_watch = monitoring.watch_add(actor=actor_for_system(world.bazaar.organisation), kind="shop", shop_id="x")

    with pytest.raises(NotFound):
        monitoring.watch_from_alert(actor=_actor(world), alert_id=theirs.pk, kind="shop")
    with pytest.raises(NotFound):
        monitoring.watch_end(actor=_actor(world), watch_id=their_watch.pk)
    with pytest.raises(NotFound):
        monitoring.access_watch(actor=_actor(world), watch_id=their_watch.pk)
    assert Watch.objects.filter(active=True).count() == 1


def test_only_marketplaces_keep_watches(world: Screening) -> None:
    with pytest.raises(PermissionDenied) as refused:
        monitoring.watch_add(actor=actor_for_system(world.holder.organisation), kind="shop", shop_id="shop-9")

    assert refused.value.code == "wrong_organisation_kind"


def test_ending_a_watch_keeps_it_with_its_hits_and_is_audited_once(world: Screening) -> None:
    actor = _actor(world)
    watch = monitoring.watch_add(actor=actor, kind="shop", shop_id="shop-9")
    Watch.objects.filter(pk=watch.pk).update(hits=4)

    ended = monitoring.watch_end(actor=actor, watch_id=watch.pk)
    with pytest.raises(Conflict) as refused:
        monitoring.watch_end(actor=actor, watch_id=watch.pk)

    assert (ended.active, ended.hits) == (False, 4)
    assert refused.value.code == "already_ended"
    event = AuditEvent.objects.get(action=AuditAction.WATCH_ENDED)
    assert event.details == {"kind": "shop", "label": "shop-9", "hits": 4}
    assert list(monitoring.watches_for_marketplace(actor=actor)) == []
    assert list(monitoring.watches_for_marketplace(actor=actor, active=False)) == [ended]


# Matching ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def watches(world: Screening) -> dict[str, Watch]:
    actor = _actor(world)
    made = {
        "product": monitoring.watch_add(actor=actor, kind="product", keywords=["AURORA", "rouge"]),
        "boxed": monitoring.watch_add(actor=actor, kind="product", keywords=["AURORA", "gift box"], category="Sets"),
        "type": monitoring.watch_add(actor=actor, kind="same_type", keywords=["奥罗拉"], category="Cosmetics"),
        "shop": monitoring.watch_add(actor=actor, kind="shop", shop_id="shop-9"),
        "ended": monitoring.watch_add(actor=actor, kind="shop", shop_id="shop-1"),
    }
    monitoring.watch_end(actor=actor, watch_id=made["ended"].pk)
    monitoring.watch_add(actor=actor_for_system(world.bazaar.organisation), kind="shop", shop_id="shop-9")
    return made


def test_the_matcher_finds_the_watches_an_item_matches_whatever_its_spelling(
    world: Screening, watches: dict[str, Watch], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        matcher = monitoring.watch_matcher(marketplace=world.marketplace)
    with django_assert_num_queries(0):
        found = {
            "full width, any case": matcher.matches("ＡＵＲＯＲＡ Rouge Lipstick", "toys", "shop-2"),
            "one keyword missing": matcher.matches("AURORA lipstick", "", "shop-2"),
            "keyword inside a word": matcher.matches("AURORArouge", "", ""),
            "traditional Chinese, category in another case": matcher.matches("奧羅拉 口紅", " cosmetics ", ""),
            "same type in another category": matcher.matches("奥罗拉 口红", "toys", ""),
            "product of its category": matcher.matches("AURORA gift box", "sets", ""),
            "product of another category": matcher.matches("AURORA gift box", "toys", ""),
            "watched shop, newest watch first": matcher.matches("AURORA Rouge", "", "shop-9"),
            "ended watch": matcher.matches("towel", "", "shop-1"),
        }

    names = {watch.pk: name for name, watch in watches.items()}
    assert {case: [names[w.pk] for w in hits] for case, hits in found.items()} == {
        "full width, any case": ["product"],
        "one keyword missing": [],
        "keyword inside a word": ["product"],
        "traditional Chinese, category in another case": ["type"],
        "same type in another category": [],
        "product of its category": ["boxed"],
        "product of another category": [],
        "watched shop, newest watch first": ["shop", "product"],
        "ended watch": [],
    }


def test_the_matcher_counts_hits_and_records_them_in_one_update_per_count(
    world: Screening, watches: dict[str, Watch], django_assert_num_queries: Any
) -> None:
    matcher = monitoring.watch_matcher(marketplace=world.marketplace.pk)
    for title, shop in (("AURORA rouge", "shop-9"), ("aurora ROUGE", ""), ("奥罗拉", "shop-9")):
        matcher.matches(title, "Cosmetics", shop)

    counted = matcher.hits_counted()
    with django_assert_num_queries(2):
        added = matcher.hits_record()

    assert counted == {watches["product"].pk: 2, watches["shop"].pk: 2, watches["type"].pk: 1}
    assert added == 5
    assert dict(Watch.objects.filter(hits__gt=0).values_list("pk", "hits")) == counted
    assert matcher.hits_counted() == {}
    assert matcher.hits_record() == 0


def test_watch_hits_answers_one_item_and_counts_nothing(world: Screening, watches: dict[str, Watch]) -> None:
    hits = monitoring.watch_hits(marketplace=world.marketplace, title="AURORA Rouge", category="", shop_id="shop-9")

    assert [w.pk for w in hits] == [watches["shop"].pk, watches["product"].pk]
    assert not Watch.objects.filter(hits__gt=0).exists()


def test_a_marketplace_without_watches_matches_nothing(world: Screening) -> None:
    assert monitoring.watch_matcher(marketplace=world.marketplace).matches(TITLE, "cosmetics", "shop-9") == []


# Identifiers -------------------------------------------------------------------------------------------------------


def _hmac(data: bytes) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipbridge shop identifiers").derive(
        settings.CREDENTIAL_KEY_SECRET.encode()
    )
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def test_an_identifier_is_kept_as_the_hmac_of_its_kind_and_canonical_form() -> None:
    assert monitoring.identifier_digest("phone", PHONE) == _hmac(b"phone:8613800138000")
    assert monitoring.identifier_digest("business_licence", LICENCE) == _hmac(b"business_licence:91440300ma5fxxxx1x")
    assert monitoring.identifier_digest("address", ADDRESS) == _hmac(b"address:room 5 no 8 keji road shenzhen")


@pytest.mark.parametrize(
    ("kind", "written", "same_as"),
    [
        ("phone", "0086 138-0013-8000", PHONE),
        ("phone", "＋８６ （１３８） ００１３ ８０００", PHONE),
        ("phone", "(+86) 138 0013 8000", PHONE),
        ("business_licence", "91440300ma5fxxxx1x", LICENCE),
        ("business_licence", "9144 0300-MA5F-XXXX-1X", LICENCE),
        ("address", "ROOM 5  NO. 8, KEJI ROAD SHENZHEN.", ADDRESS),
        ("payment_account", "alipay: SELLER-88@example", "alipay seller88 example"),
        ("device", "AB:CD:EF:01:23:45", "abcdef012345"),
    ],
)
def test_the_same_identifier_written_another_way_gives_the_same_digest(kind: str, written: str, same_as: str) -> None:
    assert monitoring.identifier_digest(kind, written) == monitoring.identifier_digest(kind, same_as)


def test_different_identifiers_and_kinds_give_different_digests() -> None:
    digests = {
        monitoring.identifier_digest("phone", PHONE),
        monitoring.identifier_digest("phone", "+86 138 0013 8001"),
        monitoring.identifier_digest("phone", "+1 38 0013 8000 6"),
        monitoring.identifier_digest("device", "8613800138000"),
        monitoring.identifier_digest("payment_account", "8613800138000"),
    }

    assert len(digests) == 5


@pytest.mark.parametrize(
    ("kind", "value", "code", "field"),
    [
        ("phone", "138 0013 8000", "phone_without_country_code", "value"),
        ("phone", "86 138 0013 8000", "phone_without_country_code", "value"),
        ("phone", "+86 12", "invalid_phone", "value"),
        ("phone", "+86 138 0013 8000 1234", "invalid_phone", "value"),
        ("email", "seller@example.com", "invalid_choice", "kind"),
        ("device", "::--", "not_identifying", "value"),
        ("address", "x" * 501, "too_long", "value"),
    ],
)
def test_an_identifier_that_identifies_nothing_is_refused(kind: str, value: str, code: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        monitoring.identifier_digest(kind, value)

    assert (refused.value.code, refused.value.field) == (code, field)


def test_recording_keeps_only_keyed_hashes_once_each_and_audits_counts(world: Screening) -> None:
    actor = _actor(world)

    first = monitoring.shop_identifiers_record(
        actor=actor,
        shops=[
            ShopIdentifiersIn("shop-9", [("phone", PHONE), ("business_licence", LICENCE)], "Bright Deals"),
            ShopIdentifiersIn("shop-7", [("phone", "0086 13800138000"), ("phone", "+86 138-0013-8000")]),
        ],
    )
    again = monitoring.shop_identifiers_record(
        actor=actor, shops=[ShopIdentifiersIn("shop-9", [("phone", PHONE), ("address", ADDRESS)], "Bright Deals 2")]
    )

    assert (first.shops, first.recorded, first.already) == (2, 3, 1)
    assert (again.shops, again.recorded, again.already) == (1, 1, 1)
    rows = list(ShopIdentifier.objects.order_by("shop_id", "kind").values_list("shop_id", "shop_name", "kind"))
    assert rows == [
        ("shop-7", "", "phone"),
        ("shop-9", "Bright Deals 2", "address"),
        ("shop-9", "Bright Deals 2", "business_licence"),
        ("shop-9", "Bright Deals 2", "phone"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM screening_shopidentifier")
        dumped = repr(cursor.fetchall()).lower()
    for fragment in ("13800138000", "91440300", "ma5f", "keji", "room 5"):
        assert fragment not in dumped
    events = AuditEvent.objects.filter(action=AuditAction.SHOP_IDENTIFIERS_RECORDED).order_by("pk")
    assert [e.details for e in events] == [
        {"shops": 2, "recorded": 3, "already": 1, "kinds": ["business_licence", "phone"]},
        {"shops": 1, "recorded": 1, "already": 1, "kinds": ["address"]},
    ]


@pytest.mark.parametrize(
    ("shops", "code", "field"),
    [
        ([], "required", "shops"),
        ([ShopIdentifiersIn(" ", [("phone", PHONE)])], "required", "shops[0].shop_id"),
        ([ShopIdentifiersIn("s", [])], "required", "shops[0].identifiers"),
        ([ShopIdentifiersIn("s" * 201, [("phone", PHONE)])], "too_long", "shops[0].shop_id"),
        ([ShopIdentifiersIn("s", [("phone", PHONE)], "n" * 201)], "too_long", "shops[0].shop_name"),
        (
            [
                ShopIdentifiersIn("a", [("phone", PHONE)]),
                ShopIdentifiersIn("b", [("address", ADDRESS), ("phone", "1")]),
            ],
            "phone_without_country_code",
            "shops[1].identifiers[1].value",
        ),
        ([ShopIdentifiersIn("a", [("passport", "X")])], "invalid_choice", "shops[0].identifiers[0].kind"),
        ([ShopIdentifiersIn("a", [("device", "d\x00")])], "invalid_characters", "shops[0].identifiers[0].value"),
        ([ShopIdentifiersIn("a", [("device", f"d{n}") for n in range(5001)])], "too_many", "shops"),
    ],
)
def test_a_bad_shop_or_identifier_refuses_the_whole_request_naming_it(
    world: Screening, shops: list[ShopIdentifiersIn], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        monitoring.shop_identifiers_record(actor=_actor(world), shops=shops)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert ShopIdentifier.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.SHOP_IDENTIFIERS_RECORDED).exists()


# Associated shops --------------------------------------------------------------------------------------------------


@pytest.fixture
def associated(world: Screening) -> Screening:
    """Bright Deals (shop-9) shares a telephone and an address with shop-7, which shares a device with shop-5;
    shop-3 stands alone. At Little Bazaar, shop-x has Bright Deals' telephone: another marketplace's shop."""
    monitoring.shop_identifiers_record(
        actor=_actor(world),
        shops=[
            ShopIdentifiersIn("shop-9", [("phone", PHONE), ("address", ADDRESS), ("business_licence", LICENCE)]),
            ShopIdentifiersIn("shop-7", [("phone", "0086 138 0013 8000"), ("address", ADDRESS.upper())], "Twin"),
            ShopIdentifiersIn("shop-7", [("device", "IMEI 35-209900-176148-1")]),
            ShopIdentifiersIn("shop-5", [("device", "imei 352099001761481")], "Cousin"),
            ShopIdentifiersIn("shop-3", [("device", "other")], "Alone"),
        ],
    )
    monitoring.shop_identifiers_record(
        actor=actor_for_system(world.bazaar.organisation), shops=[ShopIdentifiersIn("shop-x", [("phone", PHONE)])]
    )
    raised(world.marketplace, status="confirmed")
    raised(world.marketplace, status="confirmed")
    raised(world.marketplace, status="dismissed")
    raised(world.marketplace, shop_id="shop-7", shop_name="Twin shop", status="open")
    return world


def test_shops_sharing_identifiers_are_associated_through_each_kind_they_share(associated: Screening) -> None:
    graph = monitoring.shop_graph(actor=_actor(associated), shop_id="shop-9")

    assert graph.nodes == [
        ShopNode("shop-9", "Bright Deals", 0, AlertCounts(open=0, confirmed=2, dismissed=1), False),
        ShopNode("shop-7", "Twin", 1, AlertCounts(open=1, confirmed=0, dismissed=0), False),
        ShopNode("shop-5", "Cousin", 2, AlertCounts(), False),
    ]
    assert graph.edges == [
        ShopEdge("shop-5", "shop-7", ("device",)),
        ShopEdge("shop-7", "shop-9", ("address", "phone")),
    ]
    assert graph.truncated is False


def test_the_graph_is_drawn_outwards_ring_by_ring_coloured_by_confirmed_alerts(associated: Screening) -> None:
    raised(associated.marketplace, shop_id="shop-5", status="confirmed")
    graph = monitoring.shop_graph(actor=_actor(associated), shop_id="shop-9")

    drawing = graph_drawing(graph)

    assert [(d.node.shop_id, d.x, d.y, d.r, d.band, d.label) for d in drawing.nodes] == [
        ("shop-9", 320.0, 320.0, 20, "some", "Bright Deals"),
        ("shop-7", 320.0, 195.0, 16, "none", "Twin"),
        ("shop-5", 320.0, 70.0, 16, "one", "Cousin"),
    ]
    assert [(e.x1, e.y1, e.x2, e.y2, e.label) for e in drawing.edges] == [
        (320.0, 70.0, 320.0, 195.0, "Device"),
        (320.0, 195.0, 320.0, 320.0, "Address · Phone number"),
    ]
    assert drawing.view_box == "140 0 360 390"
    assert [band(n) for n in (0, 1, 2, 4, 5, 50)] == [
        ("none", "#adb5bd"),
        ("one", "#ffc107"),
        ("some", "#fd7e14"),
        ("some", "#fd7e14"),
        ("many", "#dc3545"),
        ("many", "#dc3545"),
    ]


def test_shops_further_out_are_drawn_within_the_sector_of_the_shop_they_are_associated_through(
    world: Screening,
) -> None:
    monitoring.shop_identifiers_record(
        actor=_actor(world),
        shops=[
            ShopIdentifiersIn("a", [("device", "a-b"), ("device", "a-c")]),
            ShopIdentifiersIn("b", [("device", "a-b"), ("device", "b-x")]),
            ShopIdentifiersIn("c", [("device", "a-c"), ("device", "c-y")]),
            ShopIdentifiersIn("x", [("device", "b-x")]),
            ShopIdentifiersIn("y", [("device", "c-y")]),
        ],
    )

    drawn = {
        d.node.shop_id: (d.x, d.y) for d in graph_drawing(monitoring.shop_graph(actor=_actor(world), shop_id="a")).nodes
    }

    # b above, c below; x further above b, y further below c.
    assert drawn == {
        "a": (320.0, 320.0),
        "b": (320.0, 195.0),
        "c": (320.0, 445.0),
        "x": (320.0, 70.0),
        "y": (320.0, 570.0),
    }


def test_one_step_out_shows_only_the_shops_sharing_with_the_shop_itself(associated: Screening) -> None:
    monitoring.watch_add(actor=_actor(associated), kind="shop", shop_id="shop-7")

    graph = monitoring.shop_graph(actor=_actor(associated), shop_id="shop-9", depth=1)

    assert [(n.shop_id, n.depth, n.watched) for n in graph.nodes] == [("shop-9", 0, False), ("shop-7", 1, True)]
    assert graph.edges == [ShopEdge("shop-7", "shop-9", ("address", "phone"))]


def test_a_graph_holds_at_most_its_limit_of_shops_nearest_first(world: Screening, monkeypatch: Any) -> None:
    monkeypatch.setattr(monitoring.shops, "MAX_NODES", 3)
    monitoring.shop_identifiers_record(
        actor=_actor(world),
        shops=[ShopIdentifiersIn(f"shop-{n}", [("address", "Warehouse 1, Dongguan")]) for n in range(5)],
    )

    graph = monitoring.shop_graph(actor=_actor(world), shop_id="shop-4")

    assert [(n.shop_id, n.depth) for n in graph.nodes] == [("shop-4", 0), ("shop-0", 1), ("shop-1", 1)]
    assert graph.truncated is True


def test_an_unknown_shop_and_a_bad_depth_are_refused(associated: Screening) -> None:
    actor = _actor(associated)

    with pytest.raises(NotFound):
        monitoring.shop_graph(actor=actor, shop_id="shop-x")
    with pytest.raises(ValidationFailed) as refused:
        monitoring.shop_graph(actor=actor, shop_id="shop-9", depth=4)
    assert (refused.value.code, refused.value.field) == ("out_of_range", "depth")


def test_a_shop_known_only_by_its_alerts_stands_alone(associated: Screening) -> None:
    raised(associated.marketplace, shop_id="shop/with/slashes", shop_name="Slashes")

    graph = monitoring.shop_graph(actor=_actor(associated), shop_id="shop/with/slashes")

    assert [(n.shop_id, n.shop_name, n.alerts.open) for n in graph.nodes] == [("shop/with/slashes", "Slashes", 1)]
    assert graph.edges == []


# Repeat infringers -------------------------------------------------------------------------------------------------


def test_repeat_infringers_are_ranked_by_confirmed_then_open_alerts_then_the_latest(world: Screening) -> None:
    now = timezone.now()
    market = world.marketplace
    for status in ("confirmed", "confirmed", "dismissed"):
        raised(market, shop_id="s1", shop_name="One", status=status, at=now - timedelta(days=9))
    for shop_id, latest in (("s2", now - timedelta(days=3)), ("s3", now - timedelta(days=1))):
        raised(market, shop_id=shop_id, status="confirmed", at=latest - timedelta(days=1))
        for _ in range(3):
            raised(market, shop_id=shop_id, status="open", at=latest)
    raised(market, shop_id="s4", status="open", at=now - timedelta(days=20))
    raised(market, shop_id="s5", status="dismissed", at=now)
    raised(market, shop_id="", shop_name="", status="confirmed", at=now)
    raised(world.bazaar.organisation, shop_id="s6", status="confirmed")
    monitoring.shop_identifiers_record(
        actor=_actor(world),
        shops=[
            ShopIdentifiersIn("s3", [("phone", PHONE)]),
            ShopIdentifiersIn("s4", [("phone", PHONE), ("device", "D1")]),
            ShopIdentifiersIn("s7", [("device", "d-1")]),
        ],
    )
    monitoring.watch_add(actor=_actor(world), kind="shop", shop_id="s4")
    actor = _actor(world)

    rows = list(monitoring.repeat_infringers(actor=actor))
    shops = monitoring.repeat_infringers_rendered(actor=actor, rows=rows)

    assert [(s.shop_id, s.shop_name, s.confirmed, s.open, s.dismissed, s.associated, s.watched) for s in shops] == [
        ("s1", "One", 2, 0, 1, 0, False),
        ("s3", "Bright Deals", 1, 3, 0, 1, False),
        ("s2", "Bright Deals", 1, 3, 0, 0, False),
        ("s4", "Bright Deals", 0, 1, 0, 2, True),
    ]
    assert shops[1].latest == now - timedelta(days=1)


def test_a_page_of_repeat_infringers_is_rendered_in_five_queries_whatever_it_holds(
    world: Screening, django_assert_num_queries: Any
) -> None:
    for n in range(12):
        raised(world.marketplace, shop_id=f"s{n}", status="confirmed")
    actor = _actor(world)
    monitoring.shop_identifiers_record(
        actor=actor, shops=[ShopIdentifiersIn(f"s{n}", [("phone", f"+86 138 0013 800{n % 3}")]) for n in range(12)]
    )
    monitoring.watch_add(actor=actor, kind="shop", shop_id="s1")
    rows = list(monitoring.repeat_infringers(actor=actor))

    with django_assert_num_queries(5):
        shops = monitoring.repeat_infringers_rendered(actor=actor, rows=rows)

    assert [s.associated for s in shops] == [3] * 12
    assert [s.watched for s in shops].count(True) == 1
