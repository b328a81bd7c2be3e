"""The sharing pages: who may open which (every page against every organisation kind and role, in English and in
Chinese), who may do what and a refusal that changes nothing, another organisation's guide not found, form errors
on their fields, the guide as each reader sees it with its history, who read what, the import's refused rows, the
check of a shop and the export's downloads."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Membership, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.sharing import services
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideImage, GuideVersion, ShareRead
from tests.factories import member, verified_client
from tests.identity.factories import held
from tests.sharing.factories import (
    GUIDE_FIELDS,
    PDF,
    aurora_right,
    guide_published,
    guide_written,
    holder_member,
    image_added,
    png,
    seller_listed,
    sharing_world,
)

pytestmark = pytest.mark.django_db

HOLDER = OrganisationKind.RIGHT_HOLDER
MARKETPLACE = OrganisationKind.MARKETPLACE
WRITERS = {Role.ADMIN, Role.MEMBER}
GUIDE_READERS = {HOLDER, MARKETPLACE, OrganisationKind.AUTHORITY, OrganisationKind.OPERATOR}
SELLER_READERS = {HOLDER, MARKETPLACE, OrganisationKind.OPERATOR}
READ_LOG_READERS = {HOLDER, OrganisationKind.OPERATOR}
CHECKERS = {MARKETPLACE, OrganisationKind.OPERATOR}


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    found = re.search(rf'data-field="{re.escape(field)}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return found.group(1)


def alerts(response: Any) -> list[str]:
    return re.findall(r'<div class="alert alert-\w+[^"]*" role="alert"[^>]*>([^<]*)</div>', html(response))


def state() -> dict[str, Any]:
    return {
        "guides": sorted(Guide.objects.values_list("id", "status", "version", "title")),
        "versions": GuideVersion.objects.count(),
        "images": sorted(GuideImage.objects.values_list("id", "removed_at")),
        "sellers": sorted(AuthorisedSeller.objects.values_list("id", "shop_name", "valid_until")),
        "reads": ShareRead.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def kinds_label(kinds: list[str]) -> str:
    return ", ".join(str(OrganisationKind(k).label) for k in kinds)


# Who may open which page ------------------------------------------------------------------------------------------


def acting_with_world(kind: str, role: str) -> tuple[Membership, dict[str, int]]:
    """A person of ``kind`` and ``role``; a verified right holder (theirs when they are one) with a published guide
    shared with every verified marketplace and authority, a picture, and a seller on MegaMart (theirs when they are
    a marketplace)."""
    names = {"slug": "megamart", "name": "MegaMart"} if kind == MARKETPLACE else {}
    person = member(kind=kind, role=role, verification_status="verified", **names)
    if kind == HOLDER:
        held(person.organisation, aurora_right())
        holder = person.organisation
    else:
        holder = holder_member(slug="aurora").organisation
    marketplace = (
        person.organisation
        if kind == MARKETPLACE
        else member(MARKETPLACE, slug="megamart", name="MegaMart", verification_status="verified").organisation
    )
    guide = guide_written(holder, audience_all_marketplaces=True, audience_authorities=True)
    image = image_added(guide)
    services.guide_publish(actor=actor_for_system(holder), guide_id=guide.pk)
    seller = seller_listed(holder, marketplace, valid_from=None)
    return person, {"guide": guide.pk, "image": image.pk, "seller": seller.pk}


PAGES = {
    "guides": ("/sharing/guides/", GUIDE_READERS),
    "new guide": ("/sharing/guides/new/", {HOLDER}),
    "guide": ("/sharing/guides/{guide}/", GUIDE_READERS),
    "edit guide": ("/sharing/guides/{guide}/edit/", {HOLDER}),
    "version": ("/sharing/guides/{guide}/versions/1/", GUIDE_READERS),
    "picture": ("/sharing/guides/{guide}/images/{image}/", GUIDE_READERS),
    "reads": ("/sharing/reads/", READ_LOG_READERS),
    "sellers": ("/sharing/sellers/", SELLER_READERS),
    "new seller": ("/sharing/sellers/new/", {HOLDER}),
    "edit seller": ("/sharing/sellers/{seller}/edit/", {HOLDER}),
    "import": ("/sharing/sellers/import/", {HOLDER}),
    "check": ("/sharing/sellers/check/", CHECKERS),
    "export": ("/sharing/export/", {MARKETPLACE}),
    "download": ("/sharing/export/download/?format=json", {MARKETPLACE}),
}
PAGE_KINDS = {
    frozenset(GUIDE_READERS): [HOLDER, MARKETPLACE, OrganisationKind.AUTHORITY, OrganisationKind.OPERATOR],
    frozenset({HOLDER}): [HOLDER],
    frozenset(READ_LOG_READERS): [HOLDER, OrganisationKind.OPERATOR],
    frozenset(SELLER_READERS): [HOLDER, MARKETPLACE, OrganisationKind.OPERATOR],
    frozenset(CHECKERS): [MARKETPLACE, OrganisationKind.OPERATOR],
    frozenset({MARKETPLACE}): [MARKETPLACE],
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(kind: str, role: str, language: str) -> None:
    person, ids = acting_with_world(kind, role)
    client = verified_client(person.user)
    if language != "en":
        client.post("/accounts/language/", {"language": language, "next": "/dashboard/"})

    answers = {name: client.get(path.format(**ids)) for name, (path, _kinds) in PAGES.items()}

    expected = {name: 200 if kind in kinds else 403 for name, (_path, kinds) in PAGES.items()}
    assert {name: r.status_code for name, r in answers.items()} == expected
    for name, response in answers.items():
        if name in ("picture", "download"):
            continue
        content = html(response)
        assert f'<html lang="{language}">' in content, name
        if language == "zh-hans":
            assert "退出登录" in content, name
        if response.status_code == 403:
            allowed = PAGE_KINDS[frozenset(PAGES[name][1])]
            message = "This page is for these organisations: " + kinds_label(allowed) + "."
            assert alerts(response) == [message] if language == "en" else len(alerts(response)) == 1
    writes = kind == HOLDER and role in WRITERS
    if kind == HOLDER:
        assert ('id="new-guide"' in html(answers["guides"])) == writes
        assert ('id="guide-form"' in html(answers["new guide"])) == writes
        assert ('id="guide-form"' in html(answers["edit guide"])) == writes
        assert ('id="read-only"' in html(answers["edit guide"])) == (not writes)
        assert ('id="edit-guide"' in html(answers["guide"])) == writes
        assert ('id="seller-form"' in html(answers["edit seller"])) == writes
        assert ('id="import-form"' in html(answers["import"])) == writes
    if answers["guide"].status_code == 200:
        assert 'id="genuine-features"' in html(answers["guide"])
        assert f'src="/sharing/guides/{ids["guide"]}/images/{ids["image"]}/"' in html(answers["guide"])
        assert answers["picture"]["Content-Type"] == "image/png"
    if answers["sellers"].status_code == 200:
        assert f'data-seller="{ids["seller"]}"' in html(answers["sellers"])


@pytest.mark.parametrize(
    "page",
    [
        "/sharing/guides/",
        "/sharing/guides/new/",
        "/sharing/guides/1/",
        "/sharing/guides/1/edit/",
        "/sharing/guides/1/versions/1/",
        "/sharing/guides/1/images/1/",
        "/sharing/reads/",
        "/sharing/sellers/",
        "/sharing/sellers/new/",
        "/sharing/sellers/1/edit/",
        "/sharing/sellers/import/",
        "/sharing/sellers/check/",
        "/sharing/export/",
        "/sharing/export/download/",
    ],
)
def test_pages_send_anonymous_visitors_to_login(page: str) -> None:
    response = Client().get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Who may do what --------------------------------------------------------------------------------------------------

GUIDE_POST = {
    "title": "New guide",
    "rights": ["EM 018234567"],
    "genuine_features": "Engraved batch code",
    "reference_prices": "Lipstick = 39.00 EUR",
    "audience_all_marketplaces": "on",
}
ACTIONS = {
    "write a guide": ("/sharing/guides/new/", GUIDE_POST),
    "change a guide": ("/sharing/guides/{guide}/edit/", {**GUIDE_POST, "title": "Changed"}),
    "add a picture": ("/sharing/guides/{guide}/images/", {"caption": "c"}),
    "take a picture out": ("/sharing/guides/{guide}/images/{image}/remove/", {}),
    "withdraw": ("/sharing/guides/{guide}/withdraw/", {}),
    "publish": ("/sharing/guides/{draft}/publish/", {}),
    "delete a draft": ("/sharing/guides/{draft}/delete/", {}),
    "list a seller": (
        "/sharing/sellers/new/",
        {"right": "EM 018234567", "marketplace": "megamart", "shop_id": "new", "relation": "own_shop"},
    ),
    "change a seller": (
        "/sharing/sellers/{seller}/edit/",
        {"right": "EM 018234567", "marketplace": "megamart", "shop_id": "shop-1", "relation": "licensee"},
    ),
    "end a seller": ("/sharing/sellers/{seller}/end/", {"on": "2030-01-01"}),
    "remove a seller": ("/sharing/sellers/{seller}/delete/", {}),
    "import": ("/sharing/sellers/import/", {}),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_action_answers_every_kind_and_role_as_designed_and_a_refusal_changes_nothing(
    action: str, role: str, kind: str
) -> None:
    person, ids = acting_with_world(kind, role)
    holder = Guide.objects.get(pk=ids["guide"]).holder
    ids["draft"] = guide_written(holder, audience_authorities=True).pk
    path, data = ACTIONS[action]
    data = dict(data)
    if action == "add a picture":
        data["file"] = SimpleUploadedFile("p.png", png(6, 6), content_type="image/png")
    if action == "import":
        data["file"] = SimpleUploadedFile(
            "s.csv", b"brand,marketplace,shop_id,relation\nAURORA,megamart,imp,own_shop\n"
        )
    client = verified_client(person.user)
    before = state()

    response = client.post(path.format(**ids), data)

    if kind != HOLDER:
        assert response.status_code == 403
        assert alerts(response)[0].startswith("This page is for these organisations: Right holder")
        assert state() == before
    elif role not in WRITERS:
        assert response.status_code == 403
        assert alerts(response) == ["This action needs the “sharing:write” permission, which you do not have here."]
        assert state() == before
    else:
        assert response.status_code == 302, alerts(response)
        assert state() != before


@pytest.mark.parametrize(
    "path",
    [
        "/sharing/guides/{guide}/",
        "/sharing/guides/{guide}/edit/",
        "/sharing/guides/{guide}/versions/1/",
        "/sharing/guides/{guide}/images/{image}/",
        "/sharing/sellers/{seller}/edit/",
    ],
)
def test_another_right_holders_guide_and_seller_are_not_found_and_stay_as_they_were(path: str) -> None:
    _person, ids = acting_with_world(MARKETPLACE, Role.ADMIN)
    stranger = holder_member(name="Lumina Electronics", slug="lumina")
    client = verified_client(stranger.user)
    before = state()

    response = client.get(path.format(**ids))

    assert response.status_code == 404
    assert state() == before


def test_another_right_holders_guide_is_not_changed_by_a_post() -> None:
    _person, ids = acting_with_world(MARKETPLACE, Role.ADMIN)
    stranger = holder_member(name="Lumina Electronics", slug="lumina")
    client = verified_client(stranger.user)
    before = state()

    answers = [
        client.post(f"/sharing/guides/{ids['guide']}/edit/", {**GUIDE_POST, "rights": []}),
        client.post(f"/sharing/guides/{ids['guide']}/withdraw/"),
        client.post(f"/sharing/guides/{ids['guide']}/images/{ids['image']}/remove/"),
        client.post(f"/sharing/sellers/{ids['seller']}/end/", {"on": "2030-01-01"}),
        client.post(f"/sharing/sellers/{ids['seller']}/delete/"),
    ]

    assert [a.status_code for a in answers] == [404] * 5
    assert state() == before


# Guides: the editor, the page, the history --------------------------------------------------------------------------


def test_the_editor_shows_refusals_on_their_fields_and_keeps_what_was_written() -> None:
    w = sharing_world()
    client = verified_client(w.holder.user)

    no_right = client.post("/sharing/guides/new/", {**GUIDE_POST, "rights": []})
    bad_price = client.post("/sharing/guides/new/", {**GUIDE_POST, "reference_prices": "Lipstick = 39,00 EUR"})

    assert field_error(no_right, "rights") == "Choose at least one right your organisation holds that the guide covers."
    assert field_error(bad_price, "reference_prices") == (
        "Line 1: write the product, “=”, the amount and the currency, e.g. “AURORA Rouge lipstick 3.5 g = 39.00 EUR”."
    )
    assert 'value="New guide"' in html(bad_price)
    assert Guide.objects.count() == 0


def test_a_right_holder_writes_adds_a_picture_publishes_and_edits_a_guide_through_the_pages() -> None:
    w = sharing_world()
    client = verified_client(w.holder.user)

    created = client.post("/sharing/guides/new/", {**GUIDE_POST, "audience_marketplaces": ["megamart"]})
    guide = Guide.objects.get()
    refused_picture = client.post(
        f"/sharing/guides/{guide.pk}/images/", {"file": SimpleUploadedFile("a.png", PDF, "image/png")}
    )
    added = client.post(
        f"/sharing/guides/{guide.pk}/images/",
        {"file": SimpleUploadedFile("a.png", png(), "image/png"), "caption": "The engraved base"},
    )
    published = client.post(f"/sharing/guides/{guide.pk}/publish/", follow=True)
    again = client.post(f"/sharing/guides/{guide.pk}/publish/", follow=True)
    edited = client.post(f"/sharing/guides/{guide.pk}/edit/", {**GUIDE_POST, "title": "Second edition"}, follow=True)

    assert created["Location"] == f"/sharing/guides/{guide.pk}/edit/"
    assert field_error(refused_picture, "file") == "Send a picture as PNG, JPEG, WebP; this file is not one."
    assert added["Location"] == f"/sharing/guides/{guide.pk}/edit/"
    assert "Published: your audience reads this version from now on." in html(published)
    assert 'id="shown-version" data-version=""' in html(published)
    assert "working copy, as published in version 1" in html(published)
    assert "Version 1 is published and nothing changed since." in html(again)
    assert 'id="unpublished"' in html(edited)
    assert '<h1 class="h3 mb-0 text-break" id="guide-title">Second edition</h1>' in html(edited)
    assert list(ShareRead.objects.all()) == []


def test_the_audience_reads_the_newest_version_and_its_history_and_the_reads_are_shown_to_the_holder() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation, audience_marketplaces=["megamart"])
    services.guide_update(
        actor=actor_for_system(w.organisation), guide_id=guide.pk, changes=services.GuideChanges(title="Second")
    )
    services.guide_publish(actor=actor_for_system(w.organisation), guide_id=guide.pk)
    marketplace = verified_client(w.megamart.user)

    newest = html(marketplace.get(f"/sharing/guides/{guide.pk}/"))
    first = html(marketplace.get(f"/sharing/guides/{guide.pk}/versions/1/"))
    reads = html(verified_client(w.holder.user).get("/sharing/reads/"))

    assert '<h1 class="h3 mb-0 text-break" id="guide-title">Second</h1>' in newest
    assert 'data-version="2"' in newest
    assert 'id="guide-actions"' not in newest
    assert 'id="guide-audience"' not in newest
    assert f'<h1 class="h3 mb-0 text-break" id="guide-title">{GUIDE_FIELDS["title"]}</h1>' in first
    assert 'id="older-version"' in first
    assert re.search(
        r'data-reader="megamart">\s*<td>MegaMart</td>\s*<td class="text-end fw-semibold" data-count="reads">2<', reads
    )
    assert reads.count(w.megamart.user.email) == 2


def test_the_read_log_is_filtered_by_guide_and_by_what_was_read() -> None:
    w = sharing_world()
    first = guide_published(w.organisation, title="First")
    second = guide_published(w.organisation, title="Second")
    seller_listed(w.organisation, w.megamart.organisation)
    marketplace = verified_client(w.megamart.user)
    marketplace.get(f"/sharing/guides/{first.pk}/")
    marketplace.get(f"/sharing/guides/{second.pk}/")
    marketplace.get("/sharing/sellers/")
    holder = verified_client(w.holder.user)

    every = html(holder.get("/sharing/reads/"))
    only_first = html(holder.get(f"/sharing/reads/?guide={first.pk}"))
    only_sellers = html(holder.get("/sharing/reads/?subject=seller_list"))
    nothing = html(holder.get("/sharing/reads/?subject=export"))

    assert every.count("data-read=") == 3
    assert only_first.count("data-read=") == 1
    assert "First" in only_first
    assert re.findall(r'data-subject="(\w+)"', only_sellers) == ["seller_list"]
    assert 'id="no-reads"' in nothing


# Authorised sellers -------------------------------------------------------------------------------------------------


def test_the_seller_form_shows_refusals_on_their_fields() -> None:
    w = sharing_world()
    client = verified_client(w.holder.user)
    entry = {"right": "EM 018234567", "marketplace": "megamart", "shop_id": "s", "relation": "own_shop"}

    not_the_brand = client.post("/sharing/sellers/new/", {**entry, "brand": "NIKE"})
    both = client.post("/sharing/sellers/new/", {**entry, "marketplace_name": "Corner"})
    backwards = client.post("/sharing/sellers/new/", {**entry, "valid_from": "2026-05-01", "valid_until": "2026-04-01"})

    assert field_error(not_the_brand, "brand") == "Write the brand as the right names it (AURORA), or leave it empty."
    assert field_error(both, "marketplace") == (
        "Choose a marketplace of IPBridge, or name one that is not on it; not both."
    )
    assert field_error(backwards, "valid_until") == "The authorisation cannot end before it starts."
    assert AuthorisedSeller.objects.count() == 0


def test_a_right_holder_lists_changes_and_ends_a_seller_through_the_pages() -> None:
    w = sharing_world()
    client = verified_client(w.holder.user)

    listed = client.post(
        "/sharing/sellers/new/",
        {"right": "EM 018234567", "marketplace": "megamart", "shop_id": "mm-5120", "relation": "reseller"},
        follow=True,
    )
    seller = AuthorisedSeller.objects.get()
    form = html(client.get(f"/sharing/sellers/{seller.pk}/edit/"))
    changed = client.post(
        f"/sharing/sellers/{seller.pk}/edit/",
        {
            "right": "EM 018234567",
            "marketplace": "megamart",
            "shop_id": "mm-5120",
            "shop_name": "Glow Cosmetics Outlet",
            "relation": "reseller",
        },
    )
    ended = client.post(f"/sharing/sellers/{seller.pk}/end/", {"on": "2026-10-31"}, follow=True)
    ended_twice = client.post(f"/sharing/sellers/{seller.pk}/end/", {"on": "2026-11-30"})

    assert "Shop mm-5120 listed as authorised for AURORA." in html(listed)
    assert 'value="mm-5120"' in form
    assert '<option value="reseller" selected>' in form
    assert changed.status_code == 302
    assert "The authorisation of shop mm-5120 ends on 2026-10-31." in html(ended)
    assert field_error(ended_twice, "on") == "This authorisation ends on 2026-10-31 already."
    seller.refresh_from_db()
    assert (seller.shop_name, seller.valid_until) == ("Glow Cosmetics Outlet", date(2026, 10, 31))


def test_an_import_with_refused_rows_lists_them_and_writes_nothing() -> None:
    w = sharing_world()
    client = verified_client(w.holder.user)
    content = (
        b"brand,marketplace,shop_id,relation\n"
        b"AURORA,megamart,a,own_shop\nNIKE,megamart,b,own_shop\nAURORA,,c,own_shop\n"
    )

    refused = client.post("/sharing/sellers/import/", {"file": SimpleUploadedFile("s.csv", content)})
    imported = client.post(
        "/sharing/sellers/import/",
        {"file": SimpleUploadedFile("s.csv", b"brand,marketplace,shop_id,relation\nAURORA,megamart,a,own_shop\n")},
        follow=True,
    )

    assert refused.status_code == 422
    assert field_error(refused, "file") == (
        "2 of 3 rows were refused; nothing was imported. Correct them, then import again."
    )
    assert re.findall(r'<tr data-row="(\d+)"><td>\d+</td><td><code>(\w+)</code></td>', html(refused)) == [
        ("3", "brand"),
        ("4", "marketplace"),
    ]
    assert "Imported: 1 added, 0 changed, 0 unchanged." in html(imported)
    assert list(AuthorisedSeller.objects.values_list("shop_id", flat=True)) == ["a"]


def test_a_marketplace_checks_a_shop_and_is_told_when_its_authorisation_ended() -> None:
    w = sharing_world()
    seller_listed(
        w.organisation, w.megamart.organisation, shop_id="mm-5120", relation="reseller", valid_until=date(2026, 10, 31)
    )
    seller_listed(w.organisation, w.megamart.organisation, shop_id="mm-1001", valid_from=None)
    client = verified_client(w.megamart.user)

    ended = html(client.get("/sharing/sellers/check/?brand=AURORA&shop_id=mm-5120"))
    current = html(client.get("/sharing/sellers/check/?brand=aurora&shop_id=mm-1001"))
    unknown = html(client.get("/sharing/sellers/check/?brand=AURORA&shop_id=nope"))
    empty = client.get("/sharing/sellers/check/?brand=AURORA&shop_id=")
    operator = verified_client(member(OrganisationKind.OPERATOR).user)
    unnamed = operator.get("/sharing/sellers/check/?brand=AURORA&shop_id=mm-1001")

    if timezone.localdate() > date(2026, 10, 31):
        assert "Not authorised: the authorisation of shop mm-5120 for AURORA ended on 2026-10-31." in ended
    assert 'data-authorised="true"' in current
    assert "Authorised: shop mm-1001 may sell AURORA." in current
    assert "Not authorised: no verified right holder of AURORA lists shop nope." in unknown
    assert field_error(empty, "shop_id") == "This field is required."
    assert field_error(unnamed, "marketplace") == "Name the marketplace of the shop."
    assert ShareRead.objects.filter(subject="seller_check").count() == 2


def test_a_marketplace_downloads_its_export_as_json_and_csv() -> None:
    w = sharing_world()
    guide_published(w.organisation, audience_marketplaces=["megamart"])
    seller_listed(w.organisation, w.megamart.organisation, shop_name="欧若拉官方旗舰店")
    client = verified_client(w.megamart.user)

    page = html(client.get("/sharing/export/"))
    as_json = client.get("/sharing/export/download/?format=json")
    as_csv = client.get("/sharing/export/download/?format=csv")
    bad = client.get("/sharing/export/download/?format=pdf")

    day = f"{timezone.now():%Y-%m-%d}"
    assert 'id="export-guides">1<' in page
    assert 'id="export-sellers">1<' in page
    assert as_json["Content-Disposition"] == f'attachment; filename="ipbridge-sharing-megamart-{day}.json"'
    document = json.loads(as_json.content)
    assert (len(document["guides"]), document["authorised_sellers"][0]["shop_name"]) == (1, "欧若拉官方旗舰店")
    assert "欧若拉官方旗舰店".encode() in as_json.content
    assert as_csv["Content-Disposition"] == f'attachment; filename="ipbridge-sharing-megamart-{day}.csv"'
    assert b"".join(as_csv.streaming_content).decode("utf-8-sig").startswith("record,holder,holder_name,brand")
    assert (bad.status_code, alerts(bad)) == (422, ["Choose one of: json, csv."])
