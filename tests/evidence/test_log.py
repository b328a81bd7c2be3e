"""The evidence log: every item and custody event is a leaf, in order; the tree heads are signed; and tampering
is caught at each layer — a row, a leaf, a node, a tree head — by the log check."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail

from ipbridge.accounts.audit import AuditAction
from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.engine import translog
from ipbridge.evidence import log, services
from ipbridge.evidence.models import CustodyEvent, Evidence, LogLeaf, LogNode, TreeHead
from ipbridge.identity.signing import published_jwks
from tests.factories import MembershipFactory, member

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _holder() -> Any:
    return actor_for_system(
        member(OrganisationKind.RIGHT_HOLDER, name="Aurora Cosmetics", slug="aurora-cosmetics").organisation
    )


def _leaves() -> list[bytes]:
    return [bytes(leaf.data) for leaf in LogLeaf.objects.order_by("index")]


def test_an_item_and_its_added_event_are_two_consecutive_leaves_holding_their_canonical_rows() -> None:
    actor = _holder()

    item = services.evidence_add(
        actor=actor,
        name="listing.png",
        upload=PNG,
        captured_url="https://shop.example/item/88120",
        listing_id="88120",
        notes="Captured from the listing page",
    )

    event = CustodyEvent.objects.get(evidence=item)
    assert (item.leaf_index, event.leaf_index, log.log_size()) == (0, 1, 2)
    leaf = json.loads(_leaves()[0])
    assert leaf == {
        "v": 1,
        "type": "evidence",
        "id": item.pk,
        "organisation": "aurora-cosmetics",
        "kind": "file",
        "name": "listing.png",
        "sha256": item.sha256,
        "size": len(PNG),
        "content_type": "image/png",
        "captured_url": "https://shop.example/item/88120",
        "marketplace": "",
        "listing_id": "88120",
        "stream_id": "",
        "time_code": "",
        "observed_at": "",
        "notes": "Captured from the listing page",
        "captured_by": "command line",
        "received_at": item.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert json.loads(_leaves()[1]) == {
        "v": 1,
        "type": "custody",
        "id": event.pk,
        "evidence": item.pk,
        "action": "added",
        "organisation": "aurora-cosmetics",
        "actor": "command line",
        "at": event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "details": {},
    }


def test_the_stored_nodes_give_the_rfc_9162_root_of_the_leaves() -> None:
    actor = _holder()
    for n in range(5):
        services.evidence_add(actor=actor, name=f"note {n}", text=f"Seller admits the goods are copies, chat {n}")

    leaves = _leaves()
    assert len(leaves) == 10
    assert translog.root_hash(size=10, reader=log.NODES) == translog.reference_root(leaves)
    for size in range(1, 11):
        assert translog.root_hash(size=size, reader=log.NODES) == translog.reference_root(leaves[:size])
    # Perfect subtrees only: 10 leaves, 5 pairs, 2 fours, 1 eight.
    assert LogNode.objects.count() == 10 + 5 + 2 + 1


def test_a_signed_tree_head_verifies_with_the_published_keys_and_is_not_signed_again_until_the_log_grows() -> None:
    actor = _holder()
    services.evidence_add(actor=actor, name="chat", text="we sell 1:1 replicas")

    head = log.tree_head_current()

    check = translog.tree_head_verify(head.token, keys=published_jwks())
    assert check.valid
    assert check.head is not None
    assert (check.head.size, check.head.root) == (2, bytes(head.root))
    assert log.tree_head_current().pk == head.pk
    services.evidence_add(actor=actor, name="chat 2", text="same factory as the brand")
    assert log.tree_head_current().size == 4
    assert TreeHead.objects.count() == 2


def test_old_proofs_still_hold_and_a_consistency_proof_links_old_and_new_heads() -> None:
    actor = _holder()
    first = services.evidence_add(actor=actor, name="a", text="first capture of the listing")
    old = log.tree_head_current()
    for n in range(6):
        services.evidence_add(actor=actor, name=f"b{n}", text=f"later capture {n}")
    new = log.tree_head_current()

    [proof] = log.leaf_proofs([first.leaf_index], old)
    [later] = log.leaf_proofs([first.leaf_index], new)
    assert proof.valid
    assert later.valid
    assert translog.verify_consistency(
        old_size=old.size,
        new_size=new.size,
        old_root=bytes(old.root),
        new_root=bytes(new.root),
        proof=log.consistency(old.size, new.size),
    )


def test_a_clean_log_checks_out() -> None:
    actor = _holder()
    item = services.evidence_add(actor=actor, name="listing.png", upload=PNG)
    services.evidence_open(actor=actor, evidence_id=item.pk)[1].close()
    log.tree_head_current()

    report = log.log_check(files=True)

    assert report.problems == []
    assert (report.size, report.items, report.custody_events, report.heads, report.files) == (3, 1, 2, 1, 1)


def _logged_items(count: int = 3) -> list[Evidence]:
    actor = _holder()
    items = [
        services.evidence_add(actor=actor, name=f"capture {n}", text=f"capture {n} of the shop") for n in range(count)
    ]
    log.tree_head_current()
    return items


def test_an_item_row_altered_in_the_database_is_caught_naming_the_field() -> None:
    first, *_ = _logged_items()
    Evidence.objects.filter(pk=first.pk).update(notes="added later", listing_id="999")

    assert log.log_check().problems == [
        f"evidence {first.pk}: the row no longer matches leaf 0 (changed: listing_id, notes)"
    ]


def test_a_custody_row_altered_in_the_database_is_caught() -> None:
    items = _logged_items()
    event = CustodyEvent.objects.get(evidence=items[1])
    CustodyEvent.objects.filter(pk=event.pk).update(actor_label="someone-else@example.com")

    assert log.log_check().problems == [
        f"custody event {event.pk}: the row no longer matches leaf {event.leaf_index} (changed: actor)"
    ]


def test_a_leaf_rewritten_to_match_an_altered_row_is_caught_by_the_nodes_and_the_signed_head() -> None:
    first, *_ = _logged_items()
    Evidence.objects.filter(pk=first.pk).update(notes="added later")
    first.refresh_from_db()
    from ipbridge.evidence.leaves import evidence_leaf

    LogLeaf.objects.filter(index=0).update(data=evidence_leaf(first))

    head = TreeHead.objects.get()
    assert log.log_check().problems == [
        "node 0/0 does not match the leaves below it",
        "node 1/0 does not match the leaves below it",
        "node 2/0 does not match the leaves below it",
        f"tree head {head.pk}: the leaves no longer give the root signed for 6 leaves",
    ]


def test_nodes_rewritten_too_are_still_caught_by_the_signed_tree_head() -> None:
    first, *_ = _logged_items(2)
    Evidence.objects.filter(pk=first.pk).update(notes="added later")
    first.refresh_from_db()
    from ipbridge.evidence.leaves import evidence_leaf

    data = evidence_leaf(first)
    LogLeaf.objects.filter(index=0).update(data=data)
    store = translog.MemoryNodeStore()
    store.put(translog.appended_nodes(size=0, leaf_hashes=[translog.leaf_hash(d) for d in _leaves()], reader=store))
    for node in LogNode.objects.all():
        LogNode.objects.filter(pk=node.pk).update(
            hash=store.nodes([(node.level, node.index)])[(node.level, node.index)]
        )

    head = TreeHead.objects.get()
    assert log.log_check().problems == [f"tree head {head.pk}: the leaves no longer give the root signed for 4 leaves"]


def test_a_tree_head_row_altered_or_its_token_forged_is_caught() -> None:
    _logged_items(1)
    head = TreeHead.objects.get()
    TreeHead.objects.filter(pk=head.pk).update(root=b"\x00" * 32)

    assert log.log_check().problems == [f"tree head {head.pk}: the row no longer matches its signed token"]

    header, payload, signature = head.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["tree_size"] = 1
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    TreeHead.objects.filter(pk=head.pk).update(root=head.root, token=f"{header}.{forged}.{signature}")

    [problem] = log.log_check().problems
    assert problem.startswith(f"tree head {head.pk}: ")
    assert "signature" in problem


def test_a_leaf_deleted_is_caught() -> None:
    items = _logged_items(2)
    LogLeaf.objects.filter(index=3).delete()

    problems = log.log_check().problems
    assert (
        problems[0] == f"custody event {CustodyEvent.objects.get(evidence=items[1]).pk}: leaf 3 is missing from the log"
    )
    assert "the log says it holds 4 leaves but 3 are stored" in problems


def test_the_log_check_run_tells_the_operators_when_it_finds_tampering() -> None:
    admin = member(OrganisationKind.OPERATOR, role=Role.ADMIN)
    MembershipFactory(organisation=admin.organisation, role=Role.MEMBER)
    first, *_ = _logged_items(1)

    clean = services.log_check_run()
    assert clean.ok
    assert mail.outbox == []

    Evidence.objects.filter(pk=first.pk).update(name="renamed")
    run = services.log_check_run()

    assert run.problems == [f"evidence {first.pk}: the row no longer matches leaf 0 (changed: name)"]
    [message] = mail.outbox
    assert message.to == [admin.user.email]
    assert message.subject == "IPBridge: the evidence log check found tampering"
    assert f"evidence {first.pk}: the row no longer matches leaf 0 (changed: name)" in message.body
    event = AuditEvent.objects.get(action=AuditAction.EVIDENCE_LOG_CHECK_FAILED)
    assert event.organisation_id == admin.organisation.pk
    assert event.details == {"problems": run.problems}


def test_leaves_keep_their_order_across_many_writers_in_one_process() -> None:
    actor = _holder()
    items = [services.evidence_add(actor=actor, name=f"n{n}", text=f"text {n}") for n in range(4)]
    services.evidence_open(actor=actor, evidence_id=items[0].pk)[1].close()

    indices = sorted([*(i.leaf_index for i in items), *CustodyEvent.objects.values_list("leaf_index", flat=True)])
    assert indices == list(range(9))
    assert list(LogLeaf.objects.order_by("index").values_list("index", flat=True)) == list(range(9))


def test_observed_and_received_times_are_kept_apart() -> None:
    actor = _holder()
    observed = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)

    item = services.evidence_add(actor=actor, name="s", text="stream capture", observed_at=observed)

    leaf = json.loads(_leaves()[item.leaf_index])
    assert leaf["observed_at"] == "2026-11-28T09:30:00.000000Z"
    assert leaf["received_at"] != leaf["observed_at"]
