"""The pages of focused monitoring and early warning: who may open which (every kind and role, in English and in
Chinese), the watches and their forms with errors on their fields, watching from an alert and from a shop's page,
the shop's association graph drawn as SVG, the identifiers form, the trends chart fed by JSON to a static script,
warnings acknowledged and checked now; a refusal changes nothing."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.models import AuditEvent, Membership, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.screening import monitoring, trends
from ipbridge.screening.models import EarlyWarning, ShopIdentifier, Watch
from ipbridge.screening.monitoring import ShopIdentifiersIn
from tests.factories import MembershipFactory, enrol_two_factor, member, verified_client
from tests.screening.factories import Screening, holder_member, screening_world
from tests.screening.test_monitoring import ADDRESS, PHONE, raised
from tests.screening.test_trends import at

pytestmark = pytest.mark.django_db

MARKETPLACE = OrganisationKind.MARKETPLACE
TREND_READERS = {MARKETPLACE, OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT, OrganisationKind.OPERATOR}


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    found = re.search(rf'data-field="{re.escape(field)}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return unescape(found.group(1))


def messages_shown(response: Any) -> list[str]:
    return [unescape(m) for m in re.findall(r'<div class="alert alert-\w+" role="alert">([^<]*)</div>', html(response))]


def state() -> dict[str, Any]:
    return {
        "watches": sorted(Watch.objects.values_list("id", "active", "hits")),
        "identifiers": ShopIdentifier.objects.count(),
        "warnings": sorted(EarlyWarning.objects.values_list("id", "acknowledged_at")),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def world() -> Screening:
    return screening_world()


def client_of(person: Membership) -> Client:
    return verified_client(person.user)


# Who may open which page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(kind: str, role: str, language: str) -> None:
    names = {"slug": "megamart", "name": "MegaMart"} if kind == MARKETPLACE else {}
    person = member(kind, role, verification_status="verified", **names)
    market = person.organisation if kind == MARKETPLACE else member(MARKETPLACE, slug="megamart").organisation
    raised(market)
    client = client_of(person)
    if language != "en":
        client.post("/accounts/language/", {"language": language, "next": "/dashboard/"})

    answers = {
        "monitoring": client.get("/screening/monitoring/").status_code,
        "shop": client.get("/screening/shops/shop-9/").status_code,
        "trends": client.get("/screening/trends/").status_code,
    }

    assert answers == {
        "monitoring": 200 if kind == MARKETPLACE else 403,
        "shop": 200 if kind == MARKETPLACE else 403,
        "trends": 200 if kind in TREND_READERS else 403,
    }


def test_the_pages_ask_for_a_signed_in_person() -> None:
    for path in ("/screening/monitoring/", "/screening/trends/", "/screening/shops/shop-9/"):
        answer = Client().get(path)
        assert (answer.status_code, answer["Location"].split("?")[0]) == (302, "/accounts/login/")


# Watches -----------------------------------------------------------------------------------------------------------


def test_a_marketplace_adds_a_watch_sees_it_and_ends_it(world: Screening) -> None:
    client = client_of(world.megamart)

    added = client.post(
        "/screening/monitoring/watches/",
        {"kind": "product", "keywords": "AURORA, rouge，口红", "category": "", "reason": "Reported twice"},
        follow=True,
    )
    watch = Watch.objects.get()
    page = html(added)
    ended = client.post(f"/screening/monitoring/watches/{watch.pk}/end/", follow=True)

    assert watch.keywords == ["AURORA", "rouge", "口红"]
    assert messages_shown(added) == ["Now watching “AURORA rouge 口红”."]
    assert f'data-watch="{watch.pk}"' in page
    assert "Reported twice" in page
    assert messages_shown(ended) == ["Stopped watching “AURORA rouge 口红”."]
    assert f'data-watch="{watch.pk}"' not in html(ended)
    assert f'data-watch="{watch.pk}"' in html(client.get("/screening/monitoring/?state=ended"))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"kind": "product", "keywords": ""},
            "keywords",
            "Give at least one keyword that a listing's title must hold.",
        ),
        (
            {"kind": "same_type", "keywords": "AURORA"},
            "category",
            "Products of the same type are those of one category: give it.",
        ),
        ({"kind": "shop", "keywords": "x", "shop_id": "s"}, "keywords", "A watch of kind “shop” takes no keywords."),
        ({"kind": "shop"}, "shop_id", "Give the id of the shop to watch."),
        ({"kind": "fish"}, "kind", "Select a valid choice. fish is not one of the available choices."),
    ],
)
def test_a_wrong_watch_is_shown_again_with_the_error_on_its_field(
    world: Screening, data: dict[str, str], field: str, message: str
) -> None:
    answer = client_of(world.megamart).post("/screening/monitoring/watches/", data)

    assert answer.status_code == 422
    assert field_error(answer, field) == message
    assert Watch.objects.count() == 0


def test_watch_buttons_of_an_alert_go_back_to_the_alert(world: Screening) -> None:
    alert = raised(world.marketplace)
    client = client_of(world.megamart)

    shop = client.post(f"/screening/alerts/{alert.pk}/watch/", {"kind": "shop"})
    again = client.post(f"/screening/alerts/{alert.pk}/watch/", {"kind": "shop"}, follow=True)
    product = client.post(f"/screening/alerts/{alert.pk}/watch/", {"kind": "product"})

    assert (shop.status_code, shop["Location"]) == (302, f"/screening/alerts/{alert.pk}/")
    assert messages_shown(again)[-1] == "This is already watched: “Bright Deals”."
    assert product.status_code == 302
    assert sorted(Watch.objects.values_list("kind", "source_alert_id")) == [("product", alert.pk), ("shop", alert.pk)]


def test_an_alert_of_another_marketplace_cannot_be_watched(world: Screening) -> None:
    theirs = raised(world.bazaar.organisation)
    client = client_of(world.megamart)
    before = state()

    answer = client.post(f"/screening/alerts/{theirs.pk}/watch/", {"kind": "shop"})

    assert answer.status_code == 404
    assert state() == before


def test_a_reviewer_sees_the_watches_but_no_forms_and_may_not_write(world: Screening) -> None:
    reviewer = MembershipFactory(role=Role.REVIEWER, organisation=world.marketplace)
    reviewer.user.active_organisation = world.marketplace
    reviewer.user.save()
    enrol_two_factor(reviewer.user)
    watch = monitoring.watch_add(actor=actor_for_system(world.marketplace), kind="shop", shop_id="shop-9")
    client = client_of(reviewer)
    before = state()

    page = html(client.get("/screening/monitoring/"))
    refused = client.post(f"/screening/monitoring/watches/{watch.pk}/end/")
    refused_add = client.post("/screening/monitoring/watches/", {"kind": "shop", "shop_id": "x"})

    assert f'data-watch="{watch.pk}"' in page
    assert 'id="watch-add"' not in page
    assert "/end/" not in page
    assert (refused.status_code, refused_add.status_code) == (403, 403)
    assert state() == before


# Shops -------------------------------------------------------------------------------------------------------------


def _associated(world: Screening) -> None:
    monitoring.shop_identifiers_record(
        actor=actor_for_system(world.marketplace),
        shops=[
            ShopIdentifiersIn("shop-9", [("phone", PHONE), ("address", ADDRESS)], "Bright Deals"),
            ShopIdentifiersIn("shop-7", [("phone", "0086 13800138000"), ("address", ADDRESS)], "Twin <b>shop</b>"),
        ],
    )
    raised(world.marketplace, status="confirmed")
    raised(world.marketplace, status="confirmed")


def test_the_shop_page_draws_its_associations_as_svg_and_lists_its_alerts(world: Screening) -> None:
    _associated(world)

    answer = client_of(world.megamart).get("/screening/shops/shop-9/")
    page = html(answer)

    assert answer.status_code == 200
    assert '<svg viewBox="140 0 360 390"' in page
    assert re.findall(r'<a href="/screening/shops/([^/]+)/" data-shop="[^"]+" data-band="(\w+)">', page) == [
        ("shop-9", "some"),
        ("shop-7", "none"),
    ]
    assert '<line x1="320.0" y1="70.0" x2="320.0" y2="320.0" data-kinds="address phone"/>' in page
    assert ">Address · Phone number</text>" in page
    assert "Twin &lt;b&gt;shop&lt;/b&gt;" in page
    assert "<b>shop</b>" not in page
    assert len(re.findall(r'data-alert="\d+"', page)) == 2
    assert 'id="watch"' in page
    assert "<script" not in page.split("</nav>", 1)[1].split("<footer", 1)[0]


def test_watch_and_unwatch_a_shop_from_its_page(world: Screening) -> None:
    _associated(world)
    client = client_of(world.megamart)

    watched = client.post("/screening/monitoring/shop-watch/", {"shop_id": "shop-9", "label": "Bright Deals"})
    page = html(client.get("/screening/shops/shop-9/"))
    watch = Watch.objects.get(active=True)
    unwatched = client.post(f"/screening/monitoring/watches/{watch.pk}/end/", {"next": "/screening/shops/shop-9/"})
    elsewhere = client.post("/screening/monitoring/shop-watch/", {"shop_id": "shop-9"})
    Watch.objects.filter(active=True).update(active=False)
    outside = client.post(f"/screening/monitoring/watches/{watch.pk}/end/", {"next": "https://evil.example/"})

    assert (watched.status_code, watched["Location"]) == (302, "/screening/shops/shop-9/")
    assert (watch.kind, watch.shop_id, watch.label) == ("shop", "shop-9", "Bright Deals")
    assert 'id="shop-watched"' in page
    assert 'id="unwatch"' in page
    assert unwatched["Location"] == "/screening/shops/shop-9/"
    assert elsewhere.status_code == 302
    assert outside["Location"] == "/screening/monitoring/"  # never sent off-site
    assert client.post("/screening/monitoring/shop-watch/", {"shop_id": "nowhere"}).status_code == 404


def test_a_shop_with_slashes_in_its_id_has_its_page(world: Screening) -> None:
    raised(world.marketplace, shop_id="cn/9", shop_name="Slashes")

    answer = client_of(world.megamart).get("/screening/shops/cn/9/")

    assert answer.status_code == 200
    assert 'data-shop="cn/9"' in html(answer)


def test_an_unknown_shop_is_not_found(world: Screening) -> None:
    assert client_of(world.megamart).get("/screening/shops/nowhere/").status_code == 404


def test_identifiers_recorded_from_the_form_lead_to_the_shop(world: Screening) -> None:
    client = client_of(world.megamart)

    recorded = client.post(
        "/screening/monitoring/identifiers/",
        {"shop_id": "shop-3", "shop_name": "Third", "identifiers": f"phone,{PHONE}\naddress {ADDRESS}\n"},
        follow=True,
    )
    refused = client.post(
        "/screening/monitoring/identifiers/",
        {"shop_id": "shop-4", "identifiers": f"phone,{PHONE}\nphone,138 0013 8000"},
    )

    assert recorded.redirect_chain == [("/screening/shops/shop-3/", 302)]
    assert messages_shown(recorded) == [
        "2 identifier(s) recorded as keyed hashes; the values themselves were not kept."
    ]
    assert refused.status_code == 422
    assert field_error(refused, "identifiers") == (
        "Line 2: Write the telephone number with its country code, e.g. +86 138 0013 8000."
    )
    assert ShopIdentifier.objects.filter(shop_id="shop-4").count() == 0


# Trends ------------------------------------------------------------------------------------------------------------


def test_the_trends_page_passes_its_chart_as_json_to_a_static_script(world: Screening) -> None:
    today = trends.today()
    for _ in range(5):
        raised(world.marketplace, at=at(today, 0))

    answer = client_of(world.megamart).get("/screening/trends/?days=7")
    page = html(answer)

    data = json.loads(re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert data["labels"][-1] == today.isoformat()
    assert len(data["labels"]) == 7
    assert data["series"] == [
        {"label": "All alerts", "counts": [0, 0, 0, 0, 0, 0, 5]},
        {"label": "AURORA", "counts": [0, 0, 0, 0, 0, 0, 5]},
    ]
    assert data["spikes"] == [
        {"day": today.isoformat(), "label": "cosmetics", "count": 5},
        {"day": today.isoformat(), "label": "AURORA", "count": 5},
    ]
    scripts = re.findall(r"<script([^>]*)>", page)
    assert [s for s in scripts if "src=" not in s] == [' id="trend-data" type="application/json"']
    assert '/static/screening/trends.js"' in page
    assert '/static/vendor/chartjs/chart.umd.min.js"' in page
    assert 'id="check-now"' in page


def test_check_now_and_acknowledge_a_warning_with_htmx(world: Screening) -> None:
    today = trends.today()
    for _ in range(5):
        raised(world.marketplace, category="", at=at(today, 0))
    client = client_of(world.megamart)

    checked = client.post("/screening/trends/check/", follow=True)
    warning = EarlyWarning.objects.get()
    row = client.post(f"/screening/warnings/{warning.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    again = client.post(f"/screening/warnings/{warning.pk}/acknowledge/", follow=True)
    quiet = client.post("/screening/trends/check/", follow=True)

    assert messages_shown(checked) == ["1 new early warning(s)."]
    assert f'data-warning="{warning.pk}"' in html(checked)
    assert row.status_code == 200
    assert html(row).startswith(f'<tr id="warning-{warning.pk}" data-warning="{warning.pk}" data-acknowledged="true">')
    assert messages_shown(again) == ["This warning has already been acknowledged."]
    assert messages_shown(quiet) == ["No new spike today or yesterday."]


def test_a_right_holder_reads_its_trends_without_warnings_or_buttons(world: Screening) -> None:
    raised(world.marketplace, holders=[world.holder.organisation], at=at(trends.today(), 0))
    client = client_of(world.holder)

    page = html(client.get("/screening/trends/"))

    assert "Alerts naming your marks" in page
    assert 'id="warnings"' not in page
    assert 'id="check-now"' not in page
    assert client.post("/screening/trends/check/").status_code == 403


def test_bad_trend_filters_are_shown_on_their_fields(world: Screening) -> None:
    answer = client_of(world.megamart).get("/screening/trends/?days=0")

    assert answer.status_code == 422
    assert field_error(answer, "days") == "Ensure this value is greater than or equal to 1."


def test_the_pages_speak_chinese(world: Screening) -> None:
    raised(world.marketplace)
    client = client_of(world.megamart)
    client.post("/accounts/language/", {"language": "zh-hans", "next": "/dashboard/"})

    for path in ("/screening/monitoring/", "/screening/trends/", "/screening/shops/shop-9/"):
        assert client.get(path).status_code == 200


def test_another_right_holder_sees_nothing_of_aurora(world: Screening) -> None:
    raised(world.marketplace, holders=[world.holder.organisation], at=at(trends.today(), 0))
    rival = holder_member(name="Rival", slug="rival")

    data_script = re.search(
        r'<script id="trend-data" type="application/json">(.*?)</script>',
        html(client_of(rival).get("/screening/trends/")),
    )

    assert data_script is not None
    assert json.loads(data_script.group(1))["series"] == [{"label": "All alerts", "counts": [0] * 30}]
