"""A notice opens prefilled from where the right holder stands: a right in the register, an earlier notice, or a
link another system builds; and the evidence sent with a notice is shown to each side."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from ipbridge.notices.completeness import EvidenceIn
from ipbridge.notices.models import Case
from tests.factories import verified_client
from tests.notices.factories import send, world

pytestmark = pytest.mark.django_db(transaction=True)


def field_value(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    textarea_end = page.index(">", start) + 1
    return page[textarea_end : page.index("</textarea>", textarea_end)]


def test_the_compose_form_opens_with_the_rights_items_and_explanation_of_its_link() -> None:
    w = world()
    query = urlencode(
        [
            ("right", "em 018000001"),
            ("item", "megamart https://megamart.example/item/5"),
            ("marketplace", "little-bazaar"),
            ("listing_id", "LB-9"),
            ("title", "AURORA set"),
            ("explanation", "Fake AURORA lipsticks."),
        ]
    )

    page = verified_client(w.holder.user).get(f"/notices/new/?{query}").content.decode()

    checkbox = page[page.rindex("<input", 0, page.index('value="EM 018000001"')) :]
    assert " checked" in checkbox[: checkbox.index(">")]
    assert field_value(page, "items") == "megamart https://megamart.example/item/5\nlittle-bazaar id:LB-9 AURORA set"
    assert field_value(page, "explanation") == "Fake AURORA lipsticks."


def test_a_right_in_the_register_offers_a_notice_to_senders_only() -> None:
    w = world()
    path = f"/rights/{w.right.office}/{w.right.number}/"

    holder_page = verified_client(w.holder.user).get(path).content.decode()
    marketplace_page = verified_client(w.marketplace_person.user).get(path).content.decode()
    public_page = Client().get(path).content.decode()

    assert 'href="/notices/new/?right=EM%20018000001"' in holder_page
    assert 'id="notify-right"' not in marketplace_page
    assert 'id="notify-right"' not in public_page


def test_an_earlier_notice_offers_a_new_one_under_the_same_rights() -> None:
    w = world()
    notice = send(w.organisation)

    page = verified_client(w.holder.user).get(f"/notices/{notice.pk}/").content.decode()

    assert 'href="/notices/new/?right=EM+018000001"' in page


def test_the_evidence_of_a_notice_is_shown_to_the_sender_the_marketplace_and_in_the_api() -> None:
    w = world()
    notice = send(
        w.organisation,
        evidence=[
            EvidenceIn("screenshot", "https://evidence.aurora.example/77.png", "Captured 2026-11-20"),
            EvidenceIn("test_purchase", "TP-2026-114"),
            EvidenceIn("other", "   "),
        ],
    )
    case = Case.objects.get(notice=notice, marketplace=w.megamart)

    sender_page = verified_client(w.holder.user).get(f"/notices/{notice.pk}/").content.decode()
    case_page = verified_client(w.marketplace_person.user).get(f"/cases/{case.pk}/").content.decode()
    api = verified_client(w.marketplace_person.user).get(f"/api/v1/cases/{case.pk}").json()

    link = (
        '<a href="https://evidence.aurora.example/77.png" rel="noopener noreferrer nofollow" target="_blank">'
        "https://evidence.aurora.example/77.png</a>"
    )
    assert link in sender_page
    assert link in case_page
    assert "TP-2026-114" in case_page
    assert api["evidence"] == [
        {
            "kind": "screenshot",
            "reference": "https://evidence.aurora.example/77.png",
            "description": "Captured 2026-11-20",
        },
        {"kind": "test_purchase", "reference": "TP-2026-114", "description": ""},
    ]
