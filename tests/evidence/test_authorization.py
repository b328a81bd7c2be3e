"""Every evidence endpoint against every organisation kind and role, API keys of the evidence scopes (and of none
of them) and anonymous callers.

The acting organisation plays its part in the world: an organisation that may add evidence owns an item (shared
with an authority); a right holder sent, a marketplace handles and a merchant answers the case an item is attached
to; an authority and a mediator are shown an item; an operator sees everything; otherwise it is a bystander. The
world is built once per principal and each endpoint meets it as built. Each call is checked for its answer and,
when it is a refusal, for having changed nothing: rows, log leaves, tree heads, files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ipbridge.accounts.models import Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import NotFound
from ipbridge.engine.evidence_package import package_verify
from ipbridge.evidence import log, selectors, services
from ipbridge.evidence.blobs import evidence_storage
from ipbridge.evidence.models import CaseEvidence, CustodyEvent, Evidence, EvidenceShare, LogLeaf, TreeHead
from ipbridge.identity.signing import published_jwks
from ipbridge.notices.selectors import access_case
from tests.authorization import (
    Endpoint,
    Principal,
    app_keys,
    call_each,
    client_for,
    expected_answers,
    files_under,
    needs,
    principals,
    public,
    refusal,
)
from tests.evidence.factories import PNG, attached, case_between, file_added, png_upload, shared
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

# Who adds evidence, who is a party of the world's case, and who is shown an item: the design under test.
ADDERS = frozenset({"right_holder", "agent", "marketplace", "merchant", "mediator"})
PARTIES = frozenset({"right_holder", "marketplace", "merchant"})
SHOWN = frozenset({"authority", "mediator"})
ITEMS = ("mine", "on_case", "shared", "foreign")

PRINCIPALS = principals(key_kinds=("right_holder", "marketplace", "authority"), keys=app_keys("evidence"))


def relation(p: Principal, item: str) -> str:
    """What the acting organisation is to an item of the world: owner, party (of its case), shown, operator, or
    none."""
    if p.kind == "operator":
        return "operator"
    if item == "mine":
        return "owner" if p.kind in ADDERS else "shown"
    if item == "on_case":
        return "party" if p.kind in PARTIES else "none"
    if item == "shared":
        return "shown" if p.kind in SHOWN else "none"
    return "none"


lists = needs("evidence:read", then=200)
adds = needs("evidence:write", kinds=ADDERS, then=201)


def reads(item: str) -> Callable[[Principal], int]:
    """Anyone who sees the item: its owner, a party of its case, an organisation it is shown to, operators."""

    def expect(p: Principal) -> int:
        return refusal(p, "evidence:read") or (404 if relation(p, item) == "none" else 200)

    return expect


def manages(item: str, success: int, *, on_case: bool = False) -> Callable[[Principal], int]:
    """Only the owner; whoever else sees the item is refused (403), whoever does not is told it is not there. With
    ``on_case``, the owner must also see the world's case."""

    def expect(p: Principal) -> int:
        refused = refusal(p, "evidence:write", "evidence:read")
        if refused:
            return refused
        seen = relation(p, item)
        if seen == "none":
            return 404
        if seen != "owner":
            return 403
        if on_case and not p.has("notices:read"):
            return 403
        if on_case and p.kind not in PARTIES:
            return 404
        return success

    return expect


def _share_with_mediator(ids: dict[str, Any]) -> dict[str, Any]:
    return {"organisation": ids["mediator"]}


def _attach_to_case(ids: dict[str, Any]) -> dict[str, Any]:
    return {"case_id": ids["case"]}


def _export(item: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda ids: {"ids": [ids[item]]}


ENDPOINTS = [
    Endpoint(
        "post",
        "/api/v1/evidence",
        adds,
        form=lambda ids: {"name": "listing.png", "file": png_upload(content=PNG + b"new")},
        changes="log",
    ),
    Endpoint("get", "/api/v1/evidence", lists),
    *[Endpoint("get", f"/api/v1/evidence/{{{item}}}", reads(item)) for item in ITEMS],
    *[Endpoint("get", f"/api/v1/evidence/{{{item}}}/content", reads(item), changes="log") for item in ITEMS],
    *[Endpoint("get", f"/api/v1/evidence/{{{item}}}/custody", reads(item)) for item in ITEMS],
    *[Endpoint("get", f"/api/v1/evidence/{{{item}}}/proof", reads(item)) for item in ITEMS],
    *[
        Endpoint("post", "/api/v1/evidence/export", reads(item), body=_export(item), changes="log", of=item)
        for item in ITEMS
    ],
    *[
        Endpoint(
            "post", f"/api/v1/evidence/{{{item}}}/shares", manages(item, 201), body=_share_with_mediator, changes="log"
        )
        for item in ITEMS
    ],
    Endpoint("delete", "/api/v1/evidence/{mine}/shares/{mine_shown_to}", manages("mine", 204), changes="log"),
    Endpoint("delete", "/api/v1/evidence/{shared}/shares/{shared_shown_to}", manages("shared", 204), changes="log"),
    *[
        Endpoint(
            "post",
            f"/api/v1/evidence/{{{item}}}/cases",
            manages(item, 201, on_case=True),
            body=_attach_to_case,
            changes="log",
        )
        for item in ("mine", "on_case")
    ],
    Endpoint("get", "/api/v1/evidence/log/tree-head", public),
    Endpoint("get", "/api/v1/evidence/log/consistency?old_size=1&new_size={size}", public),
    Endpoint(
        "post",
        "/api/v1/evidence/packages/verify",
        public,
        form=lambda ids: {"package": SimpleUploadedFile("package.zip", ids["package"])},
    ),
]


def state() -> dict[str, Any]:
    return {
        "items": sorted(Evidence.objects.values_list("id", flat=True)),
        "custody": sorted(CustodyEvent.objects.values_list("id", "action")),
        "shares": sorted(EvidenceShare.objects.values_list("id", "organisation_id", "revoked_at")),
        "links": sorted(CaseEvidence.objects.values_list("evidence_id", "case_id")),
        "leaves": LogLeaf.objects.count(),
        "heads": TreeHead.objects.count(),
        "size": log.log_size(),
        "files": files_under(Path(evidence_storage().location)),
    }


def build_world(principal: Principal) -> tuple[Client, dict[str, Any], Organisation]:
    kind = principal.kind
    if kind == OrganisationKind.RIGHT_HOLDER:
        acting = member(
            kind, principal.role or Role.ADMIN, name="Aurora Cosmetics S.A.", verification_status="verified"
        )
    else:
        acting = member(kind or OrganisationKind.RIGHT_HOLDER, principal.role or Role.ADMIN)
    own = acting.organisation
    holder = OrganisationFactory(
        kind=OrganisationKind.RIGHT_HOLDER, name="Aurora Cosmetics S.A.", verification_status="verified"
    )
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY)
    mediator = OrganisationFactory(kind=OrganisationKind.MEDIATOR)
    parties = case_between(
        sender=own if kind == OrganisationKind.RIGHT_HOLDER else holder,
        marketplace=own if kind == OrganisationKind.MARKETPLACE else None,
        merchant=own if kind == OrganisationKind.MERCHANT else None,
    )
    # Attached by a party of the case other than the acting organisation.
    on_case = file_added(parties.marketplace if parties.sender == own else parties.sender, content=PNG + b"case")
    attached(on_case, parties.case)
    shown = file_added(holder, content=PNG + b"shown")
    shared(shown, own if kind in SHOWN else authority)
    foreign = file_added(holder, content=PNG + b"foreign")
    if kind in ADDERS:
        mine = file_added(own)
        shared(mine, authority)
    else:
        mine = shown if kind == OrganisationKind.AUTHORITY else foreign
    # The last write of the world: the tree head it signs covers the whole log.
    package = services.evidence_export_file(actor=actor_for_system(holder), evidence_ids=[foreign.pk])
    with package:
        package_bytes = package.read()
    ids = {
        "mine": mine.pk,
        "on_case": on_case.pk,
        "shared": shown.pk,
        "foreign": foreign.pk,
        "mine_shown_to": own.slug if kind == OrganisationKind.AUTHORITY else authority.slug,
        "shared_shown_to": own.slug if kind in SHOWN else authority.slug,
        "mediator": mediator.slug,
        "case": parties.case.pk,
        "size": log.log_size(),
        "package": package_bytes,
    }
    return client_for(principal, acting), ids, own


def effect(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What a call changed: "nothing", or "log" (leaves are appended). The world's newest tree head covers the whole
    log, so reading a proof or the tree head signs no new one."""
    if after == before:
        return "nothing"
    if after["size"] > before["size"]:
        return "log"
    return "changed without a leaf"


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_evidence_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing."""
    client, ids, _own = build_world(principal)

    calls = call_each(client, ENDPOINTS, ids, snapshot=state, effect=effect)

    assert calls.answers == expected_answers(principal, ENDPOINTS)
    assert calls.uncoded == []


@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_the_world_holds_what_the_matrix_relies_on(kind: str) -> None:
    """The refusals above are refusals of access, not of a missing object: each item exists, and the acting
    organisation is to each item what ``relation`` says."""
    principal = Principal(f"{kind}-admin", kind, Role.ADMIN)
    _client, ids, own = build_world(principal)
    actor = actor_for_system(own)

    assert len({endpoint.label for endpoint in ENDPOINTS}) == len(ENDPOINTS)

    for item in ITEMS:
        assert Evidence.objects.filter(pk=ids[item]).exists()
        seen = relation(principal, item)
        if seen == "none":
            with pytest.raises(NotFound):
                selectors.access_evidence(actor=actor, evidence_id=ids[item])
        else:
            found = selectors.access_evidence(actor=actor, evidence_id=ids[item])
            assert selectors.evidence_owned(actor=actor, item=found) == (seen == "owner")
    mine = Evidence.objects.get(pk=ids["mine"])
    if kind in ADDERS:
        assert EvidenceShare.objects.filter(evidence=mine, organisation__slug=ids["mine_shown_to"]).exists()
        assert not CaseEvidence.objects.filter(evidence=mine).exists()
    assert CaseEvidence.objects.filter(evidence_id=ids["on_case"], case_id=ids["case"]).exists()
    if kind in PARTIES:
        assert access_case(actor=actor, case_id=ids["case"]).pk == ids["case"]
    elif kind != OrganisationKind.OPERATOR:
        with pytest.raises(NotFound):
            access_case(actor=actor, case_id=ids["case"])
    target = Organisation.objects.get(slug=ids["mediator"])
    assert (target.kind, target == own) == (OrganisationKind.MEDIATOR, False)
    assert not EvidenceShare.objects.filter(organisation=target).exists()
    assert 1 <= ids["size"] == log.log_size()
    assert package_verify(io.BytesIO(ids["package"]), keys=published_jwks()).ok
