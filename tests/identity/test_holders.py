"""The directory of authenticated right holders and agents, as a marketplace reads it before trusting a notice."""

from __future__ import annotations

import pytest
from django.test import Client

from ipbridge.accounts.models import OrganisationKind, Role
from tests.factories import OrganisationFactory, member, verified_client
from tests.identity.factories import agent, held, mandate_given, right_holder, right_with_contacts

pytestmark = pytest.mark.django_db


def world() -> dict[str, object]:
    aurora = right_holder(name="Aurora Cosmetics S.A.").organisation
    target = right_with_contacts()
    held(aurora, target)
    guard = agent(name="BrandGuard IP Services")
    mandate_given(aurora, guard, [target])
    hidden = right_holder(name="Unverified Brand", verified=False).organisation
    held(hidden, right_with_contacts(number="018000002"))
    return {"aurora": aurora, "guard": guard, "hidden": hidden}


def rows(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('data-holder="')[1:]]


def test_a_marketplace_lists_verified_holders_with_their_rights_and_mandates() -> None:
    things = world()
    client = verified_client(member(kind=OrganisationKind.MARKETPLACE, role=Role.REVIEWER).user)

    html = client.get("/identity/holders/").content.decode()

    assert rows(html) == [things["aurora"].slug, things["guard"].slug]  # type: ignore[attr-defined]
    assert 'href="/identity/holders/"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("aurora", ["aurora"]), ("EM 018 000 001", ["aurora"]), ("guard", ["guard"]), ("nothing", [])],
)
def test_the_directory_finds_holders_by_name_mark_or_right_number(query: str, expected: list[str]) -> None:
    things = world()
    client = verified_client(member(kind=OrganisationKind.MARKETPLACE).user)

    html = client.get("/identity/holders/", {"q": query}).content.decode()

    assert rows(html) == [things[name].slug for name in expected]  # type: ignore[attr-defined]


def test_a_holders_page_says_how_each_right_was_proved_and_for_whom_an_agent_acts() -> None:
    things = world()
    client = verified_client(member(kind=OrganisationKind.AUTHORITY).user)

    holder = client.get(f"/identity/holders/{things['aurora'].slug}/").content.decode()  # type: ignore[attr-defined]
    guard = client.get(f"/identity/holders/{things['guard'].slug}/").content.decode()  # type: ignore[attr-defined]

    assert "EM 018000001" in holder
    assert "Documents reviewed by an operator" in holder
    assert 'id="holder-verified">Verified<' in holder
    assert "For Aurora Cosmetics S.A." in guard


def test_only_right_holders_and_agents_have_a_page_and_strangers_must_sign_in() -> None:
    world()
    merchant = OrganisationFactory(kind=OrganisationKind.MERCHANT)
    client = verified_client(member(kind=OrganisationKind.MARKETPLACE).user)

    assert client.get(f"/identity/holders/{merchant.slug}/").status_code == 404
    assert client.get("/identity/holders/nobody/").status_code == 404
    assert Client().get("/identity/holders/").status_code == 302


@pytest.mark.parametrize("kind", list(OrganisationKind.values))
@pytest.mark.parametrize("role", list(Role.values))
def test_every_member_may_read_the_directory(kind: str, role: str) -> None:
    things = world()
    client = verified_client(member(kind=kind, role=role).user)

    listing = client.get("/identity/holders/")
    page = client.get(f"/identity/holders/{things['aurora'].slug}/")  # type: ignore[attr-defined]

    assert (listing.status_code, page.status_code) == (200, 200)
