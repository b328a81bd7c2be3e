"""The directory's pages: who may open and do what (every page against every organisation kind and role, and
anonymous visitors), refusals that change nothing, the editor's errors on their fields, provenance beside every
field, claims beside measured figures, the comparison, the history, and the pages in English and 中文."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.marketplaces import services
from ipbridge.marketplaces.models import MarketplaceProfile, ProfileVersion
from ipbridge.notices import intake
from tests.factories import OrganisationFactory, member, verified_client
from tests.marketplaces.factories import POLICY, curated, decided_case, own
from tests.notices.factories import world

pytestmark = pytest.mark.django_db

WRITERS = {Role.ADMIN, Role.MEMBER}


def html(response: Any) -> str:
    return str(response.content.decode())


def alerts(response: Any) -> list[str]:
    return re.findall(r'<div class="alert alert-\w+" role="alert"[^>]*>([^<]*)</div>', html(response))


def field_errors(response: Any) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]+)">([^<]*)<', html(response)))


def state() -> dict[str, Any]:
    return {
        "profiles": list(MarketplaceProfile.objects.order_by("pk").values()),
        "versions": ProfileVersion.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def acting(kind: str, role: str) -> tuple[Membership, dict[str, str]]:
    """A person of ``kind`` and ``role``; a curated profile, another marketplace's, and a marketplace's own."""
    person = member(kind=kind, role=role)
    operators = OrganisationFactory(kind=OrganisationKind.OPERATOR)
    curated(operators, slug="curated-bazaar", countries=["CN"])
    other = OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="other-market", name="Other Market")
    own(other)
    slugs = {"curated": "curated-bazaar", "theirs": "other-market", "mine": "other-market"}
    if kind == OrganisationKind.MARKETPLACE:
        slugs["mine"] = own(person.organisation).slug
    return person, slugs


def may_edit(kind: str, role: str, profile: str) -> bool:
    if role not in WRITERS:
        return False
    if kind == OrganisationKind.OPERATOR:
        return profile == "curated"
    return kind == OrganisationKind.MARKETPLACE and role == Role.ADMIN and profile == "mine"


# Who may open which page -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(kind: str, role: str) -> None:
    person, slugs = acting(kind, role)
    client = verified_client(person.user)

    search = client.get("/marketplaces/")
    compare = client.get(f"/marketplaces/compare/?m={slugs['curated']}&m={slugs['theirs']}")
    new = client.get("/marketplaces/new/")
    for profile, slug in slugs.items():
        page = client.get(f"/marketplaces/{slug}/")
        history = client.get(f"/marketplaces/{slug}/history/")
        editor = client.get(f"/marketplaces/{slug}/edit/")
        assert page.status_code == history.status_code == 200
        assert ('id="edit-profile"' in html(page)) == may_edit(kind, role, profile), profile
        if may_edit(kind, role, profile):
            assert editor.status_code == 200
            assert 'id="profile-form"' in html(editor)
        elif kind not in (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR):
            assert (editor.status_code, alerts(editor)) == (
                403,
                ["This page is for these organisations: Marketplace, Operator."],
            )
        else:
            assert editor.status_code == 403
    assert search.status_code == compare.status_code == 200
    assert 'id="directory-results"' in html(search)
    assert 'id="compare-table"' in html(compare)
    assert ('id="new-profile"' in html(search)) == (kind == OrganisationKind.OPERATOR and role in WRITERS)
    if kind == OrganisationKind.OPERATOR and role in WRITERS:
        assert new.status_code == 200
    elif kind == OrganisationKind.MARKETPLACE and role in WRITERS:
        assert (new.status_code, new["Location"]) == (302, f"/marketplaces/{slugs['mine']}/edit/")
    else:
        assert new.status_code == 403


def test_anonymous_visitors_read_the_directory_but_edit_nothing() -> None:
    _person, slugs = acting(OrganisationKind.RIGHT_HOLDER, Role.ADMIN)
    client = Client()

    for page in (
        "/marketplaces/",
        f"/marketplaces/{slugs['curated']}/",
        f"/marketplaces/{slugs['curated']}/history/",
        f"/marketplaces/compare/?m={slugs['curated']}&m={slugs['theirs']}",
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert 'id="edit-profile"' not in html(response)
    for method, page in (
        ("get", f"/marketplaces/{slugs['curated']}/edit/"),
        ("post", f"/marketplaces/{slugs['curated']}/edit/"),
        ("get", "/marketplaces/new/"),
        ("post", "/marketplaces/new/"),
    ):
        response = getattr(client, method)(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_top_bar_links_the_directory_for_everyone() -> None:
    person = member(kind=OrganisationKind.MERCHANT, role=Role.REVIEWER)

    for client in (Client(), verified_client(person.user)):
        content = html(client.get("/rights/"))
        assert 'href="/marketplaces/" id="nav-directory">Directory<' in content


def test_an_unknown_profile_is_not_found() -> None:
    response = Client().get("/marketplaces/nowhere/")

    assert response.status_code == 404
    assert alerts(response) == ["No marketplace with this name in the directory."]


# Editing -------------------------------------------------------------------------------------------------------------


def form_of(response: Any) -> dict[str, Any]:
    """The editor's fields as the browser would send them back unchanged."""
    data: dict[str, Any] = {}
    content = html(response)
    form = content[content.index('id="profile-form"') :]
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag and name.group(1) != "csrfmiddlewaretoken":
            data[name.group(1)] = value.group(1) if value else ""
    for tag in re.findall(r"<input[^>]*checked[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            data.setdefault(name.group(1), [])
            if isinstance(data[name.group(1)], list):
                data[name.group(1)].append(value.group(1) if value else "on")
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_the_marketplace_edits_its_profile_and_sees_the_new_value_with_its_provenance() -> None:
    w = world()
    own(w.megamart, countries=["DE"])
    client = verified_client(w.marketplace_person.user)
    data = form_of(client.get("/marketplaces/megamart/edit/"))

    data.update({"countries": "DE AT", "ip_policy_url": "https://megamart.example/ip"})
    data["ip_policy_url__source"] = "https://megamart.example/ip"
    response = client.post("/marketplaces/megamart/edit/", data)

    assert (response.status_code, response["Location"]) == (302, "/marketplaces/megamart/")
    profile = MarketplaceProfile.objects.get(slug="megamart")
    assert (profile.countries, profile.ip_policy_url, profile.version) == (
        ["DE", "AT"],
        "https://megamart.example/ip",
        2,
    )
    assert sorted(ProfileVersion.objects.get(profile=profile, number=2).changes) == ["countries", "ip_policy_url"]
    page = html(client.get("/marketplaces/megamart/"))
    countries = page[page.index('data-field="countries"') :]
    countries = countries[: countries.index("</dd>")]
    assert 'data-code="AT"' in countries
    assert 'data-stated="true"' in countries
    assert f'data-reviewed="{timezone.now().date().isoformat()}"' in countries
    policy = page[page.index('data-field="ip_policy_url"') :]
    assert 'data-source="https://megamart.example/ip"' in policy[: policy.index("</dd>")]
    assert alerts(client.get("/marketplaces/megamart/", follow=True)) == []


def test_sending_the_editor_back_unchanged_writes_no_version() -> None:
    w = world()
    own(
        w.megamart,
        channels=[
            {"kind": "email", "address": "ip@megamart.example", "requirements": {"trademark": {"fields": ["a"]}}}
        ],
        programmes=[{"name": "Brand Partners", "url": "https://megamart.example/bp", "description": "Priority."}],
        categories=["general", "beauty"],
        live_streaming=False,
        counter_notice_window_days=15,
        size="large",
    )
    client = verified_client(w.marketplace_person.user)

    response = client.post("/marketplaces/megamart/edit/", form_of(client.get("/marketplaces/megamart/edit/")))

    assert response.status_code == 302
    assert ProfileVersion.objects.count() == 1


def test_an_operators_change_without_a_source_is_shown_on_its_field_and_nothing_changes() -> None:
    operator = member(kind=OrganisationKind.OPERATOR)
    curated(operator.organisation, slug="curated-bazaar")
    client = verified_client(operator.user)
    data = form_of(client.get("/marketplaces/curated-bazaar/edit/"))
    data.update({"languages": "zh en", "languages__source": ""})
    before = state()

    response = client.post("/marketplaces/curated-bazaar/edit/", data)

    assert response.status_code == 422
    assert field_errors(response) == {
        "languages.source_url": "Give the address of the page this comes from: a changed field needs its source."
    }
    assert state() == before


@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_edit_answers_every_kind_and_role_and_a_refusal_changes_nothing(kind: str, role: str) -> None:
    person, slugs = acting(kind, role)
    client = verified_client(person.user)

    for profile, slug in slugs.items():
        data: dict[str, Any] = {"name": "Renamed", "name__source": POLICY}
        if may_edit(kind, role, profile):
            data = {**form_of(client.get(f"/marketplaces/{slug}/edit/")), **data}
        before = state()
        response = client.post(f"/marketplaces/{slug}/edit/", data)
        if may_edit(kind, role, profile):
            assert response.status_code == 302, (profile, html(response))
            assert MarketplaceProfile.objects.get(slug=slug).name == "Renamed"
        else:
            assert response.status_code == 403, profile
            assert state() == before


def test_an_operator_adds_a_marketplace() -> None:
    operator = member(kind=OrganisationKind.OPERATOR)
    client = verified_client(operator.user)
    data = form_of(client.get("/marketplaces/new/"))
    data.update({"slug": "souk-online", "name": "Souk Online", "name__source": "https://souk.example"})
    data.update({"countries": "MA", "countries__source": "https://souk.example/about"})

    response = client.post("/marketplaces/new/", data)

    assert (response.status_code, response["Location"]) == (302, "/marketplaces/souk-online/")
    profile = MarketplaceProfile.objects.get(slug="souk-online")
    assert (profile.name, profile.countries, profile.organisation) == ("Souk Online", ["MA"], None)
    assert sorted(profile.provenance) == ["countries", "name"]


def test_a_marketplace_without_a_profile_writes_its_own() -> None:
    person = member(kind=OrganisationKind.MARKETPLACE, slug="tiny-shop", name="Tiny Shop")
    client = verified_client(person.user)
    data = form_of(client.get("/marketplaces/new/"))

    response = client.post("/marketplaces/new/", data)

    assert (response.status_code, response["Location"]) == (302, "/marketplaces/tiny-shop/")
    profile = MarketplaceProfile.objects.get(slug="tiny-shop")
    assert (profile.name, profile.organisation, profile.provenance["name"]["stated_by_marketplace"]) == (
        "Tiny Shop",
        person.organisation,
        True,
    )


# What the pages show ---------------------------------------------------------------------------------------------


def measured_world() -> Organisation:
    w = world()
    own(w.megamart, countries=["DE"])
    intake.intake_update(actor=actor_for_system(w.megamart), slug="megamart", response_hours=24)
    now = timezone.now()
    for n, hours in enumerate((1, 2, 3, 4, 30)):
        decided_case(w, delivered=now - timedelta(days=n + 1), hours=hours)
    services.figures_refresh(now=now)
    curated(OrganisationFactory(kind=OrganisationKind.OPERATOR), slug="curated-bazaar", countries=["CN"])
    return w.megamart


def test_the_profile_shows_the_claim_beside_the_measured_figures() -> None:
    measured_world()

    page = html(Client().get("/marketplaces/megamart/"))

    assert 'data-claimed-hours="24"' in page
    assert 'data-measured="true"' in page
    assert 'data-figure="median_hours">3.0 h<' in page
    assert 'data-figure="p90_hours">30.0 h<' in page
    assert 'data-figure="share_acted">100.0%<' in page


def test_too_few_cases_say_so_and_a_curated_profile_has_none_to_measure() -> None:
    w = world()
    own(w.megamart)
    decided_case(w, delivered=timezone.now() - timedelta(days=1), hours=2)
    services.figures_refresh()
    curated(OrganisationFactory(kind=OrganisationKind.OPERATOR), slug="curated-bazaar")

    mine = html(Client().get("/marketplaces/megamart/"))
    theirs = html(Client().get("/marketplaces/curated-bazaar/"))

    assert 'data-measured="false"' in mine
    assert "Not enough cases yet" in mine
    assert 'data-measured="off"' in theirs


def test_the_search_filters_and_says_when_nothing_matches() -> None:
    measured_world()
    client = Client()

    by_country = html(client.get("/marketplaces/?country=CN"))
    live = html(client.get("/marketplaces/?live_streaming=yes"))
    bad = client.get("/marketplaces/?category=weapons")

    assert re.findall(r'data-marketplace="([^"]+)"', by_country) == ["curated-bazaar"]
    assert 'id="no-results"' in live
    assert bad.status_code == 200
    assert "category" in field_errors(bad)


def test_the_comparison_reads_across_one_row_per_field() -> None:
    measured_world()

    page = html(Client().get("/marketplaces/compare/?m=megamart&m=curated-bazaar"))

    assert re.findall(r'<th scope="col" data-marketplace="([^"]+)"', page) == ["megamart", "curated-bazaar"]
    assert page.count('<tr data-field="') == 18
    assert 'data-figure="median_hours">3.0 h<' in page
    assert 'data-measured="off"' in page


def test_a_comparison_of_one_asks_for_another() -> None:
    measured_world()

    response = Client().get("/marketplaces/compare/?m=megamart")

    assert response.status_code == 422
    assert alerts(response) == ["Choose from 2 to 4 marketplaces to compare."]
    assert 'id="compare-add"' in html(response)


def test_the_history_names_people_only_to_the_marketplace_and_operators() -> None:
    w = world()
    own(w.megamart)
    client = verified_client(w.marketplace_person.user)
    client.post("/marketplaces/megamart/edit/", {"name": "MegaMart", "countries": "DE"})
    operator = member(kind=OrganisationKind.OPERATOR)

    for_megamart = html(client.get("/marketplaces/megamart/history/"))
    for_operator = html(verified_client(operator.user).get("/marketplaces/megamart/history/"))
    for_public = html(Client().get("/marketplaces/megamart/history/"))

    email = w.marketplace_person.user.email
    assert re.findall(r'data-version="(\d+)"', for_public) == ["2", "1"]
    assert email in for_megamart
    assert email in for_operator
    assert email not in for_public
    assert 'data-change="countries"' in for_public


# English and 中文 ------------------------------------------------------------------------------------------------


def chinese(client: Client) -> Client:
    client.post("/accounts/language/", {"language": "zh-hans", "next": "/marketplaces/"})
    return client


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_pages_render_in_english_and_chinese(signed_in: bool) -> None:
    measured_world()
    operator = member(kind=OrganisationKind.OPERATOR)
    pages = [
        "/marketplaces/",
        "/marketplaces/megamart/",
        "/marketplaces/curated-bazaar/",
        "/marketplaces/compare/?m=megamart&m=curated-bazaar",
        "/marketplaces/megamart/history/",
    ]
    if signed_in:
        pages += ["/marketplaces/curated-bazaar/edit/", "/marketplaces/new/"]

    for language in ("en", "zh-hans"):
        client = verified_client(operator.user) if signed_in else Client()
        if language == "zh-hans":
            chinese(client)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            assert f'<html lang="{language}">' in html(response), page
        profile = html(client.get("/marketplaces/curated-bazaar/"))
        assert ('title="CN">中国<' in profile) == (language == "zh-hans")
        assert ('title="CN">China<' in profile) == (language == "en")
