"""A notice names items of the sender's evidence vault (``evidence:<id>``): they are attached to each of its cases
in the notice's own transaction, and every party of a case then sees them."""

from __future__ import annotations

import pytest

from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ValidationFailed
from ipbridge.evidence import log, selectors, services
from ipbridge.evidence.models import CaseEvidence, CustodyEvent, Evidence
from ipbridge.notices.completeness import EvidenceIn
from ipbridge.notices.models import Notice
from tests.notices.factories import send, world

pytestmark = pytest.mark.django_db


def test_vault_items_named_by_a_notice_are_attached_to_every_case_and_seen_by_each_marketplace() -> None:
    w = world()
    holder = actor_for_system(w.organisation)
    capture = services.evidence_add(actor=holder, name="listing-1.png", upload=b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)

    notice = send(
        w.organisation,
        evidence=[
            EvidenceIn("screenshot", f"evidence:{capture.pk}", "Listing captured in the vault"),
            EvidenceIn("test_purchase", "https://aurora.example/tp/1", "Test purchase"),
        ],
    )

    cases = {case.marketplace.slug: case for case in notice.cases.all()}
    links = CaseEvidence.objects.filter(evidence=capture).order_by("case_id")
    assert {(link.case_id, link.attached_by_id) for link in links} == {
        (cases["megamart"].pk, w.organisation.pk),
        (cases["little-bazaar"].pk, w.organisation.pk),
    }
    attached = CustodyEvent.objects.filter(evidence=capture, action="attached")
    assert sorted(event.details["case"] for event in attached) == sorted(case.pk for case in cases.values())
    marketplace = actor_for_system(w.megamart)
    assert selectors.access_evidence(actor=marketplace, evidence_id=capture.pk) == capture
    assert log.log_check().problems == []


def test_a_notice_naming_someone_elses_vault_item_is_refused_and_nothing_is_sent() -> None:
    w = world()
    other = services.evidence_add(actor=actor_for_system(w.merchant.organisation), name="mine", text="merchant's note")

    with pytest.raises(ValidationFailed) as refused:
        send(w.organisation, evidence=[EvidenceIn("screenshot", f"evidence:{other.pk}", "")])

    assert refused.value.field == "evidence"
    gaps = refused.value.details["gaps"]
    assert {
        "code": "evidence_reference",
        "field": "evidence",
        "message": f"evidence:{other.pk} is not an item of your evidence vault.",
    } in gaps
    assert Notice.objects.count() == 0
    assert CaseEvidence.objects.count() == 0
    assert Evidence.objects.count() == 1


def test_a_vault_reference_that_is_no_number_is_refused() -> None:
    w = world()

    with pytest.raises(ValidationFailed) as refused:
        send(w.organisation, evidence=[EvidenceIn("screenshot", "evidence:abc", "")])

    assert {
        "code": "evidence_reference",
        "field": "evidence",
        "message": "evidence:abc is not an item of your evidence vault.",
    } in refused.value.details["gaps"]
