"""The evidence vault through the HTTP API, as a brand-protection tool, a marketplace and an authority call it:
adding (streamed, typed by its bytes), reading, the chain of custody, proofs in the signed log, sharing,
attaching to cases, packages, and the public log endpoints."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import ApiKey, Membership, Organisation, OrganisationKind
from ipbridge.engine import translog
from ipbridge.engine.evidence_package import package_verify
from ipbridge.evidence import log
from ipbridge.evidence.blobs import blob_name, evidence_storage
from ipbridge.evidence.models import CaseEvidence, CustodyEvent, Evidence, EvidenceShare, LogLeaf, TreeHead
from tests.evidence.factories import PNG, CaseParties, attached, case_between, file_added, png_upload, shared
from tests.factories import OrganisationFactory, api_key, member, verified_client

pytestmark = pytest.mark.django_db

SCOPES = ["evidence:read", "evidence:write", "notices:read"]


@dataclass
class Vault:
    """A right holder with a case against a listing on MegaMart sold by Bright Deals, an authority and a
    mediator to show evidence to."""

    holder: Membership
    marketplace: Membership
    merchant: Membership
    authority: Membership
    mediator: Organisation
    parties: CaseParties

    @property
    def organisation(self) -> Organisation:
        return self.holder.organisation


def vault() -> Vault:
    holder = member(
        OrganisationKind.RIGHT_HOLDER, slug="aurora", name="Aurora Cosmetics S.A.", verification_status="verified"
    )
    marketplace = member(OrganisationKind.MARKETPLACE, slug="megamart", name="MegaMart")
    merchant = member(OrganisationKind.MERCHANT, slug="bright-deals", name="Bright Deals")
    authority = member(OrganisationKind.AUTHORITY, slug="sz-amr", name="Shenzhen Market Regulation")
    mediator = OrganisationFactory(kind=OrganisationKind.MEDIATOR, slug="ip-mediation", name="IP Mediation Centre")
    parties = case_between(
        sender=holder.organisation, marketplace=marketplace.organisation, merchant=merchant.organisation
    )
    return Vault(holder, marketplace, merchant, authority, mediator, parties)


def keyed(organisation: Organisation, scopes: list[str] = SCOPES) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, scopes)}")


def key_label(organisation: Organisation) -> str:
    return f"API key {ApiKey.objects.get(organisation=organisation).prefix}"


def iso(moment: Any) -> Any:
    """A time as the API writes it."""
    return DjangoJSONEncoder().default(moment)


def stored_files() -> list[str]:
    """The files in the evidence store; the spool directory of uploads in progress must be empty."""
    root = Path(evidence_storage().location)
    incoming = root / ".incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def state() -> dict[str, Any]:
    return {
        "items": Evidence.objects.count(),
        "custody": CustodyEvent.objects.count(),
        "shares": sorted(EvidenceShare.objects.values_list("id", "revoked_at")),
        "links": CaseEvidence.objects.count(),
        "leaves": LogLeaf.objects.count(),
        "heads": TreeHead.objects.count(),
        "size": log.log_size(),
    }


def jwks() -> dict[str, Any]:
    return Client().get("/.well-known/jwks.json").json()


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def added(client: Client, **form: Any) -> dict[str, Any]:
    response = client.post("/api/v1/evidence", form)
    assert response.status_code == 201, response.content
    return response.json()


def exported(client: Client, ids: list[int]) -> bytes:
    response = client.post("/api/v1/evidence/export", {"ids": ids}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="evidence-package.zip"'
    return body_of(response)


def zipped(**entries: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


# Adding


def test_a_file_is_stored_under_its_sha256_and_typed_by_its_bytes_not_by_its_name() -> None:
    v = vault()
    client = keyed(v.organisation)
    observed = (timezone.now() - timedelta(days=2)).astimezone(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    started = timezone.now()

    response = client.post(
        "/api/v1/evidence",
        {
            "file": png_upload("capture.pdf", PNG, "application/pdf"),
            "captured_url": "https://megamart.example/item/88120",
            "marketplace": "megamart",
            "listing_id": "88120",
            "stream_id": "live-0303",
            "time_code": "01:02:03",
            "observed_at": observed.isoformat(),
            "notes": "The seller holds the lipstick up at 01:02:03.",
        },
    )

    assert response.status_code == 201, response.content
    item = Evidence.objects.get()
    sha256 = hashlib.sha256(PNG).hexdigest()
    assert response.json() == {
        "id": item.pk,
        "organisation": "aurora",
        "organisation_name": "Aurora Cosmetics S.A.",
        "kind": "file",
        "name": "capture.pdf",
        "sha256": sha256,
        "size": len(PNG),
        "content_type": "image/png",
        "captured_url": "https://megamart.example/item/88120",
        "marketplace": "megamart",
        "listing_id": "88120",
        "stream_id": "live-0303",
        "time_code": "01:02:03",
        "observed_at": observed.isoformat(),
        "notes": "The seller holds the lipstick up at 01:02:03.",
        "captured_by": key_label(v.organisation),
        "received_at": iso(item.created_at),
        "leaf_index": 0,
        "owned": True,
        "cases": [],
        "shared_with": [],
    }
    assert started <= item.created_at <= timezone.now()
    assert stored_files() == [blob_name(sha256)]
    with evidence_storage().open(blob_name(sha256)) as stored:
        assert stored.read() == PNG
    assert log.log_size() == 2


def test_the_api_reads_the_file_from_the_multipart_body() -> None:
    """Regression: the optional file was declared so that the API looked for it in the query string, and every
    upload was refused as "required"."""
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/evidence"]["post"]

    fields = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]

    assert fields["file"]["anyOf"][0] == {"format": "binary", "type": "string"}
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == []


def test_a_text_added_by_a_person_is_captured_by_that_person() -> None:
    v = vault()

    answer = added(
        verified_client(v.holder.user), name="Chat with the seller", text="No box, own factory.\r\nPaid by card."
    )

    item = Evidence.objects.get()
    assert (answer["kind"], answer["name"], answer["content_type"]) == ("text", "Chat with the seller", "text/plain")
    assert answer["sha256"] == hashlib.sha256(b"No box, own factory.\nPaid by card.").hexdigest()
    assert answer["size"] == len(b"No box, own factory.\nPaid by card.")
    assert answer["captured_by"] == v.holder.user.email
    assert (item.captured_by, item.captured_by_label) == (v.holder.user, v.holder.user.email)
    assert CustodyEvent.objects.get().actor_label == v.holder.user.email


def _bomb() -> bytes:
    return zipped(**{"zeros.bin": b"\x00" * (8 * 2**20)})


REFUSALS = [
    pytest.param({"file": "png", "text": "Also a text."}, 422, "file_and_text", "text", id="file-and-text"),
    pytest.param({}, 422, "required", "file", id="nothing"),
    pytest.param({"text": "   "}, 422, "required", "file", id="blank-text"),
    pytest.param({"text": "x" * (2**20 + 1), "name": "Long"}, 422, "too_long", "text", id="long-text"),
    pytest.param({"text": "A chat.", "name": ""}, 422, "required", "name", id="text-without-name"),
    pytest.param({"file": "png", "name": "x" * 256}, 422, "too_long", "name", id="long-name"),
    pytest.param({"file": "png", "notes": "n" * 5001}, 422, "too_long", "notes", id="long-notes"),
    pytest.param({"file": "png", "captured_url": "ftp://megamart.example/1"}, 422, "invalid_url", "captured_url"),
    pytest.param({"file": "png", "marketplace": "nowhere"}, 422, "unknown_marketplace", "marketplace"),
    pytest.param({"file": "png", "marketplace": "bright-deals"}, 422, "unknown_marketplace", "marketplace"),
    pytest.param(
        {"file": "png", "stream_id": "live", "time_code": "1:2:3"}, 422, "invalid_time_code", "time_code", id="tc"
    ),
    pytest.param({"file": "png", "time_code": "01:02:03"}, 422, "time_code_without_stream", "stream_id"),
    pytest.param({"file": "png", "observed_at": "future"}, 422, "in_the_future", "observed_at"),
    pytest.param({"file": "png", "observed_at": "2026-01-05T10:00:00"}, 422, "naive_time", "observed_at"),
    pytest.param({"file": "png", "observed_at": "yesterday"}, 422, "invalid_input", "form.observed_at"),
    pytest.param({"file": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56}, 422, "unsupported_file_type", "file", id="elf"),
    pytest.param({"file": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56}, 422, "unsupported_file_type", "file", id="mz"),
    pytest.param({"file": b""}, 422, "empty_file", "file", id="empty"),
    pytest.param({"file": PNG + b"\x00" * 20_000}, 413, "file_too_large", "file", id="over-max-bytes"),
    pytest.param({"file": "bomb"}, 413, "archive_too_large_unpacked", "file", id="zip-bomb"),
    pytest.param({"file": b"PK\x03\x04" + b"\x00" * 60}, 422, "archive_unreadable", "file", id="broken-zip"),
    # Regression: the fields of a multipart body pass the check for NUL characters, which PostgreSQL cannot store.
    pytest.param({"file": "png", "name": "x\x00y"}, 422, "invalid_characters", "name", id="nul-in-name"),
    pytest.param({"file": "png", "notes": "a\x00"}, 422, "invalid_characters", "notes", id="nul-in-notes"),
    pytest.param({"text": "A chat.", "name": "Chat", "listing_id": "\x00"}, 422, "invalid_characters", "listing_id"),
    pytest.param({"text": "\x00binary", "name": "Raw"}, 422, "unsupported_file_type", "text", id="text-with-nul"),
]


@pytest.mark.parametrize(("form", "status", "code", "field"), REFUSALS)
def test_a_refused_item_leaves_no_row_no_leaf_and_no_file(
    settings: Any, form: dict[str, Any], status: int, code: str, field: str
) -> None:
    settings.EVIDENCE_MAX_BYTES = 16 * 1024
    settings.EVIDENCE_ZIP_MAX_BYTES = 2**20
    v = vault()
    client = keyed(v.organisation)
    file = form.get("file")
    if file is not None:
        content = {"png": PNG, "bomb": _bomb()}.get(file, file) if isinstance(file, str) else file
        form = {**form, "file": SimpleUploadedFile("upload.bin", content, content_type="image/png")}
    if form.get("observed_at") == "future":
        form = {**form, "observed_at": (timezone.now() + timedelta(hours=1)).isoformat()}

    response = client.post("/api/v1/evidence", form)

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["code"], error.get("field") or error["fields"][0]["field"]) == (code, field)
    assert Evidence.objects.count() == 0
    assert CustodyEvent.objects.count() == 0
    assert log.log_size() == 0
    assert stored_files() == []


def test_the_zip_bomb_is_refused_by_what_it_unpacks_to_not_by_its_size(settings: Any) -> None:
    settings.EVIDENCE_ZIP_MAX_BYTES = 2**20
    v = vault()
    bomb = _bomb()

    response = keyed(v.organisation).post("/api/v1/evidence", {"file": SimpleUploadedFile("archive.zip", bomb)})

    assert len(bomb) < 64 * 1024
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "archive_too_large_unpacked",
            "message": "The archive unpacks to more than 1 MiB; it is refused as a zip bomb.",
            "field": "file",
        }
    }


def test_a_small_archive_is_kept_as_a_zip() -> None:
    v = vault()

    answer = added(keyed(v.organisation), file=SimpleUploadedFile("captures.zip", zipped(**{"a.png": PNG})))

    assert (answer["content_type"], answer["name"]) == ("application/zip", "captures.zip")


def test_a_retried_add_with_the_same_idempotency_key_gives_the_same_item_once() -> None:
    v = vault()
    client = keyed(v.organisation)

    def send(key: str) -> Any:
        return client.post("/api/v1/evidence", {"file": png_upload(), "listing_id": "88120"}, HTTP_IDEMPOTENCY_KEY=key)

    first, retry, other = send("add-1"), send("add-1"), send("add-2")

    assert (first.status_code, retry.status_code, other.status_code) == (201, 201, 201)
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert other.json()["id"] != first.json()["id"]
    assert Evidence.objects.count() == 2
    assert log.log_size() == 4


def test_the_same_key_with_another_file_is_refused_and_adds_nothing() -> None:
    v = vault()
    client = keyed(v.organisation)
    client.post("/api/v1/evidence", {"file": png_upload()}, HTTP_IDEMPOTENCY_KEY="add-1")

    response = client.post(
        "/api/v1/evidence", {"file": png_upload(content=PNG + b"\x00")}, HTTP_IDEMPOTENCY_KEY="add-1"
    )

    assert (response.status_code, response.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert Evidence.objects.count() == 1
    assert log.log_size() == 2


# Reading


def test_the_list_filters_by_query_and_case_and_counts_every_page() -> None:
    v = vault()
    client = keyed(v.organisation)
    chat = added(client, name="Chat with the seller", text="Own factory.")
    live = added(client, file=png_upload("live.png", PNG + b"\x01"), stream_id="live-0303", time_code="00:10:00")
    listing = added(
        client, file=png_upload("listing.png"), captured_url="https://megamart.example/item/88120", listing_id="88120"
    )
    attached(Evidence.objects.get(pk=live["id"]), v.parties.case)

    def ids(**query: Any) -> tuple[int, list[int]]:
        page = client.get("/api/v1/evidence", query).json()
        return page["count"], [item["id"] for item in page["items"]]

    assert ids() == (3, [listing["id"], live["id"], chat["id"]])
    assert ids(q="chat") == (1, [chat["id"]])
    assert ids(q=listing["sha256"][:12].upper()) == (1, [listing["id"]])
    assert ids(q="88120") == (1, [listing["id"]])
    assert ids(q="LIVE-03") == (1, [live["id"]])
    assert ids(q="megamart.example") == (1, [listing["id"]])
    assert ids(case_id=v.parties.case.pk) == (1, [live["id"]])
    assert ids(case_id=v.parties.case.pk + 100) == (0, [])
    assert ids(limit=1, offset=1) == (3, [live["id"]])
    assert ids(limit=2, offset=2) == (3, [chat["id"]])


def test_the_list_reads_its_cases_and_shares_in_the_same_queries_for_one_item_or_many(
    django_assert_num_queries: Any,
) -> None:
    v = vault()
    client = keyed(v.organisation)
    first = added(client, name="first", text="one")
    attached(Evidence.objects.get(pk=first["id"]), v.parties.case)
    shared(Evidence.objects.get(pk=first["id"]), v.authority.organisation)

    def listed() -> list[dict[str, Any]]:
        return client.get("/api/v1/evidence").json()["items"]

    with django_assert_num_queries(5):
        assert [(i["cases"], i["shared_with"]) for i in listed()] == [([v.parties.case.pk], ["sz-amr"])]
    for n in range(5):
        item = added(client, name=f"more {n}", text=f"more {n}")
        attached(Evidence.objects.get(pk=item["id"]), v.parties.case)
    with django_assert_num_queries(5):
        assert len(listed()) == 6


def test_a_case_filter_shows_only_the_cases_the_reader_is_a_party_of() -> None:
    """Regression: filtering by any case id told a marketplace, or an authority an item was shared with, which
    other cases the item was attached to."""
    v = vault()
    other = case_between(sender=v.organisation, number="018000002")
    item = file_added(v.organisation)
    attached(item, v.parties.case)
    attached(item, other.case)
    shared(item, v.authority.organisation)
    marketplace = keyed(v.marketplace.organisation)
    authority = keyed(v.authority.organisation)
    operator = keyed(member(OrganisationKind.OPERATOR).organisation)

    def count(client: Client, case: int) -> int:
        return client.get("/api/v1/evidence", {"case_id": case}).json()["count"]

    assert count(marketplace, v.parties.case.pk) == 1
    assert count(marketplace, other.case.pk) == 0
    assert count(authority, v.parties.case.pk) == 0
    assert count(operator, other.case.pk) == 1
    assert count(keyed(v.organisation), other.case.pk) == 1
    assert count(marketplace, 99999999999999999999) == 0


def test_the_owner_sees_whom_it_shared_with_and_a_party_sees_only_its_case() -> None:
    v = vault()
    other = case_between(sender=v.organisation, number="018000002")
    item = file_added(v.organisation, listing_id="88120")
    attached(item, v.parties.case)
    attached(item, other.case)
    shared(item, v.authority.organisation)

    own = keyed(v.organisation).get(f"/api/v1/evidence/{item.pk}").json()
    party = verified_client(v.marketplace.user).get(f"/api/v1/evidence/{item.pk}").json()
    authority = verified_client(v.authority.user).get(f"/api/v1/evidence/{item.pk}").json()

    assert (own["owned"], own["cases"], own["shared_with"]) == (True, [v.parties.case.pk, other.case.pk], ["sz-amr"])
    assert (party["owned"], party["cases"], party["shared_with"]) == (False, [v.parties.case.pk], [])
    assert (authority["owned"], authority["cases"], authority["shared_with"]) == (False, [], [])
    assert own == {
        **party,
        "owned": True,
        "cases": [v.parties.case.pk, other.case.pk],
        "shared_with": ["sz-amr"],
    }
    assert party == {
        "id": item.pk,
        "organisation": "aurora",
        "organisation_name": "Aurora Cosmetics S.A.",
        "kind": "file",
        "name": "listing.png",
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "size": len(PNG),
        "content_type": "image/png",
        "captured_url": "",
        "marketplace": "",
        "listing_id": "88120",
        "stream_id": "",
        "time_code": "",
        "observed_at": None,
        "notes": "",
        "captured_by": "command line",
        "received_at": iso(item.created_at),
        "leaf_index": 0,
        "owned": False,
        "cases": [v.parties.case.pk],
        "shared_with": [],
    }


def test_an_item_of_another_organisation_is_not_found() -> None:
    v = vault()
    item = file_added(v.organisation)

    response = keyed(v.marketplace.organisation).get(f"/api/v1/evidence/{item.pk}")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_the_content_is_the_stored_bytes_as_an_attachment_and_each_opening_is_in_the_custody() -> None:
    v = vault()
    item = file_added(v.organisation, name="listing.png")
    attached(item, v.parties.case)
    size = log.log_size()

    response = verified_client(v.marketplace.user).get(f"/api/v1/evidence/{item.pk}/content")

    assert response.status_code == 200
    assert body_of(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="listing.png"'
    viewed = CustodyEvent.objects.get(evidence=item, action="viewed")
    assert (viewed.organisation, viewed.actor, viewed.actor_label, viewed.details, viewed.leaf_index) == (
        v.marketplace.organisation,
        v.marketplace.user,
        v.marketplace.user.email,
        {},
        size,
    )
    assert log.log_size() == size + 1


def test_the_custody_lists_every_event_in_the_order_of_the_log() -> None:
    v = vault()
    client = keyed(v.organisation)
    item = added(client, file=png_upload())
    person = verified_client(v.holder.user)
    path = f"/api/v1/evidence/{item['id']}"
    body_of(person.get(f"{path}/content"))
    share = person.post(f"{path}/shares", {"organisation": "sz-amr"}, content_type="application/json")
    link = client.post(f"{path}/cases", {"case_id": v.parties.case.pk}, content_type="application/json")
    exported(client, [item["id"]])
    assert (share.status_code, link.status_code) == (201, 201)

    custody = client.get(f"{path}/custody").json()

    at = {e.action: iso(e.at) for e in CustodyEvent.objects.all()}
    key, person_label = key_label(v.organisation), v.holder.user.email
    assert custody == [
        {"leaf_index": 1, "action": "added", "organisation": "aurora", "actor": key, "at": at["added"], "details": {}},
        {
            "leaf_index": 2,
            "action": "viewed",
            "organisation": "aurora",
            "actor": person_label,
            "at": at["viewed"],
            "details": {},
        },
        {
            "leaf_index": 3,
            "action": "shared",
            "organisation": "aurora",
            "actor": person_label,
            "at": at["shared"],
            "details": {"organisation": "sz-amr"},
        },
        {
            "leaf_index": 4,
            "action": "attached",
            "organisation": "aurora",
            "actor": key,
            "at": at["attached"],
            "details": {"case": v.parties.case.pk},
        },
        {
            "leaf_index": 5,
            "action": "exported",
            "organisation": "aurora",
            "actor": key,
            "at": at["exported"],
            "details": {"package": [item["id"]]},
        },
    ]


def test_the_proof_leads_each_leaf_to_a_tree_head_signed_with_the_published_keys() -> None:
    v = vault()
    item = file_added(v.organisation)
    file_added(v.organisation, content=PNG + b"\x01")
    shared(item, v.authority.organisation)

    proof = keyed(v.authority.organisation).get(f"/api/v1/evidence/{item.pk}/proof").json()

    head = proof["tree_head"]
    root = bytes.fromhex(head["root_hash"])
    check = translog.tree_head_verify(head["token"], keys=jwks())
    assert check.valid, check.detail
    assert check.head is not None
    assert (check.head.size, check.head.root, check.head.issuer) == (5, root, settings.SITE_URL.rstrip("/"))
    assert head["size"] == 5
    assert head["timestamp"] is None
    assert proof["evidence"] == item.pk
    entries = [proof["item"], *proof["custody"]]
    assert [e["leaf_index"] for e in entries] == [0, 1, 4]
    for entry in entries:
        leaf = base64.b64decode(entry["leaf"])
        assert leaf == bytes(LogLeaf.objects.get(index=entry["leaf_index"]).data)
        assert entry["leaf_hash"] == translog.leaf_hash(leaf).hex()
        assert entry["valid"] is True
        assert translog.verify_inclusion(
            leaf_hash=translog.leaf_hash(leaf),
            index=entry["leaf_index"],
            size=head["size"],
            proof=[bytes.fromhex(h) for h in entry["audit_path"]],
            root=root,
        )
    assert json.loads(base64.b64decode(proof["item"]["leaf"]))["sha256"] == item.sha256


# Sharing and attaching


def test_an_item_shared_with_an_authority_is_read_by_it_until_the_sharing_ends() -> None:
    v = vault()
    item = file_added(v.organisation)
    owner, authority = keyed(v.organisation), verified_client(v.authority.user)
    assert authority.get(f"/api/v1/evidence/{item.pk}").status_code == 404

    response = owner.post(f"/api/v1/evidence/{item.pk}/shares", {"organisation": "sz-amr"}, "application/json")

    share = EvidenceShare.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "organisation": "sz-amr",
        "organisation_name": "Shenzhen Market Regulation",
        "granted_at": iso(share.granted_at),
    }
    assert authority.get(f"/api/v1/evidence/{item.pk}").status_code == 200
    assert body_of(authority.get(f"/api/v1/evidence/{item.pk}/content")) == PNG

    ended = owner.delete(f"/api/v1/evidence/{item.pk}/shares/sz-amr")

    assert ended.status_code == 204
    assert EvidenceShare.objects.get().revoked_at is not None
    assert authority.get(f"/api/v1/evidence/{item.pk}").status_code == 404
    assert authority.get(f"/api/v1/evidence/{item.pk}/content").status_code == 404
    assert [e.action for e in CustodyEvent.objects.filter(evidence=item)] == ["added", "shared", "viewed", "unshared"]
    assert CustodyEvent.objects.get(action="unshared").details == {"organisation": "sz-amr"}
    before = state()
    assert owner.delete(f"/api/v1/evidence/{item.pk}/shares/sz-amr").status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        ("megamart", 422, "not_shareable"),
        ("bright-deals", 422, "not_shareable"),
        ("aurora", 422, "own_organisation"),
        ("nobody", 422, "unknown_organisation"),
        ("", 422, "unknown_organisation"),
        ("sz-amr", 409, "already_shared"),
    ],
)
def test_a_refused_share_changes_nothing(target: str, status: int, code: str) -> None:
    v = vault()
    item = file_added(v.organisation)
    shared(item, v.authority.organisation)
    before = state()

    response = keyed(v.organisation).post(
        f"/api/v1/evidence/{item.pk}/shares", {"organisation": target}, content_type="application/json"
    )

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    if status == 422:
        assert response.json()["error"]["field"] == "organisation"
    assert state() == before


def test_a_mediator_cannot_share_its_own_item_with_itself() -> None:
    """Regression: a mediator, both a kind that adds evidence and one evidence is shared with, could share its
    own item with itself, writing a meaningless "shared" leaf into the log."""
    mediator = member(OrganisationKind.MEDIATOR, slug="ip-mediation")
    item = file_added(mediator.organisation)
    before = state()

    response = verified_client(mediator.user).post(
        f"/api/v1/evidence/{item.pk}/shares", {"organisation": "ip-mediation"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "own_organisation",
        "message": "Your organisation sees its own evidence already.",
        "field": "organisation",
    }
    assert state() == before


def test_a_mediator_is_shown_an_item_too() -> None:
    v = vault()
    item = file_added(v.organisation)

    response = keyed(v.organisation).post(
        f"/api/v1/evidence/{item.pk}/shares", {"organisation": "ip-mediation"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert keyed(v.mediator).get(f"/api/v1/evidence/{item.pk}").status_code == 200


def test_only_the_owner_shares_and_ends_a_sharing() -> None:
    v = vault()
    item = file_added(v.organisation)
    attached(item, v.parties.case)
    shared(item, v.authority.organisation)
    before = state()

    by_party = keyed(v.marketplace.organisation).post(
        f"/api/v1/evidence/{item.pk}/shares", {"organisation": "ip-mediation"}, content_type="application/json"
    )
    by_authority = keyed(v.authority.organisation).delete(f"/api/v1/evidence/{item.pk}/shares/sz-amr")

    assert (by_party.status_code, by_party.json()["error"]["code"]) == (403, "not_owner")
    assert (by_authority.status_code, by_authority.json()["error"]["code"]) == (403, "not_owner")
    assert state() == before


def test_an_item_attached_to_a_case_is_read_by_every_party_of_the_case() -> None:
    v = vault()
    item = file_added(v.organisation)
    owner = keyed(v.organisation)
    marketplace, merchant = verified_client(v.marketplace.user), verified_client(v.merchant.user)
    assert marketplace.get(f"/api/v1/evidence/{item.pk}").status_code == 404

    response = owner.post(f"/api/v1/evidence/{item.pk}/cases", {"case_id": v.parties.case.pk}, "application/json")

    link = CaseEvidence.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "evidence": item.pk,
        "case": v.parties.case.pk,
        "marketplace": "megamart",
        "attached_by": "aurora",
        "attached_at": iso(link.attached_at),
    }
    assert marketplace.get(f"/api/v1/evidence/{item.pk}").json()["cases"] == [v.parties.case.pk]
    assert merchant.get(f"/api/v1/evidence/{item.pk}").json()["cases"] == [v.parties.case.pk]
    assert body_of(merchant.get(f"/api/v1/evidence/{item.pk}/content")) == PNG
    assert keyed(v.authority.organisation).get(f"/api/v1/evidence/{item.pk}").status_code == 404


def test_an_item_is_attached_once_and_only_to_a_case_of_its_owner() -> None:
    v = vault()
    item = file_added(v.organisation)
    attached(item, v.parties.case)
    elsewhere = case_between(number="018000002")
    owner = keyed(v.organisation)
    before = state()

    twice = owner.post(f"/api/v1/evidence/{item.pk}/cases", {"case_id": v.parties.case.pk}, "application/json")
    not_a_party = owner.post(f"/api/v1/evidence/{item.pk}/cases", {"case_id": elsewhere.case.pk}, "application/json")
    no_case = owner.post(f"/api/v1/evidence/{item.pk}/cases", {"case_id": 10**20}, "application/json")

    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "already_attached")
    assert (not_a_party.status_code, not_a_party.json()["error"]["code"]) == (404, "not_found")
    assert (no_case.status_code, no_case.json()["error"]["code"]) == (404, "not_found")
    assert state() == before


# Packages


def test_an_exported_package_verifies_with_the_published_keys_and_holds_its_own_export() -> None:
    v = vault()
    item = file_added(v.organisation)
    chat = file_added(v.organisation, content=b"Own factory, no box.")
    attached(item, v.parties.case)

    package = exported(keyed(v.marketplace.organisation), [item.pk])

    report = package_verify(io.BytesIO(package), keys=jwks())
    assert report.ok, report.failures
    assert report.items == 1
    assert report.tree_head is not None
    assert report.tree_head.size == log.log_size()
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert sorted(archive.namelist()) == sorted(
            ["manifest.json", "keys.json", "README.txt", f"files/{item.sha256}"]
        )
        assert archive.read(f"files/{item.sha256}") == PNG
    [entry] = manifest["items"]
    custody = [json.loads(base64.b64decode(c["leaf"])) for c in entry["custody"]]
    assert [(c["action"], c["organisation"], c["details"]) for c in custody] == [
        ("added", "aurora", {}),
        ("attached", "aurora", {"case": v.parties.case.pk}),
        ("exported", "megamart", {"package": [item.pk]}),
    ]
    assert CustodyEvent.objects.filter(evidence=chat).count() == 1


def test_an_export_naming_an_item_the_actor_cannot_see_is_not_found_and_logs_nothing() -> None:
    v = vault()
    own = file_added(v.marketplace.organisation)
    foreign = file_added(v.organisation, content=PNG + b"\x01")
    before = state()

    response = keyed(v.marketplace.organisation).post(
        "/api/v1/evidence/export", {"ids": [own.pk, foreign.pk]}, content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    assert not CustodyEvent.objects.filter(action="exported").exists()
    assert state() == before


@pytest.mark.parametrize("ids", [list(range(1, 502)), []], ids=["501-ids", "no-ids"])
def test_an_export_of_too_many_or_no_items_is_refused(ids: list[int]) -> None:
    v = vault()
    file_added(v.organisation)
    before = state()

    response = keyed(v.organisation).post("/api/v1/evidence/export", {"ids": ids}, content_type="application/json")

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], [f["field"] for f in error["fields"]]) == ("invalid_input", ["ids"])
    assert state() == before


def test_the_package_check_passes_a_package_and_names_the_file_that_was_changed() -> None:
    v = vault()
    item = file_added(v.organisation)
    package = exported(keyed(v.organisation), [item.pk])
    changed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == f"files/{item.sha256}":
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.writestr(info, data)
    tampered_sha256 = hashlib.sha256(PNG[:-1] + bytes([PNG[-1] ^ 1])).hexdigest()
    anonymous = Client()

    good = anonymous.post("/api/v1/evidence/packages/verify", {"package": SimpleUploadedFile("p.zip", package)})
    bad = anonymous.post(
        "/api/v1/evidence/packages/verify", {"package": SimpleUploadedFile("p.zip", changed.getvalue())}
    )

    head = TreeHead.objects.get()
    assert good.status_code == 200
    assert {k: good.json()[k] for k in ("ok", "items", "tree_size", "root_hash", "failures")} == {
        "ok": True,
        "items": 1,
        "tree_size": head.size,
        "root_hash": bytes(head.root).hex(),
        "failures": [],
    }
    assert bad.status_code == 200
    assert bad.json()["ok"] is False
    assert bad.json()["failures"] == [
        f"files/{item.sha256}: its SHA-256 is {tampered_sha256}, but item {item.pk}'s leaf says {item.sha256}."
    ]


def test_the_package_check_answers_ok_false_for_what_is_not_a_zip_and_refuses_an_empty_file() -> None:
    anonymous = Client()

    not_zip = anonymous.post(
        "/api/v1/evidence/packages/verify", {"package": SimpleUploadedFile("p.zip", b"not a zip at all")}
    )
    empty = anonymous.post("/api/v1/evidence/packages/verify", {"package": SimpleUploadedFile("p.zip", b"")})
    missing = anonymous.post("/api/v1/evidence/packages/verify", {})

    assert not_zip.status_code == 200
    assert not_zip.json() == {
        "ok": False,
        "items": 0,
        "tree_size": None,
        "root_hash": None,
        "failures": ["package: not a readable zip archive (File is not a zip file)."],
        "checks": [],
    }
    assert (empty.status_code, empty.json()["error"]["code"], empty.json()["error"]["field"]) == (
        422,
        "empty_file",
        "package",
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "invalid_input")


def test_a_package_larger_than_the_limit_is_refused(settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024

    response = Client().post(
        "/api/v1/evidence/packages/verify", {"package": SimpleUploadedFile("p.zip", b"PK" + b"\x00" * 2000)}
    )

    assert (response.status_code, response.json()["error"]["code"]) == (413, "file_too_large")


# The public log


def test_the_tree_head_is_public_signed_and_reissued_only_when_the_log_grew() -> None:
    v = vault()
    file_added(v.organisation)
    anonymous = Client()

    first = anonymous.get("/api/v1/evidence/log/tree-head")
    again = anonymous.get("/api/v1/evidence/log/tree-head")

    head = TreeHead.objects.get()
    assert first.status_code == 200
    assert first.json() == {
        "size": 2,
        "root_hash": translog.root_hash(size=2, reader=log.NODES).hex(),
        "signed_at": iso(head.signed_at),
        "kid": head.kid,
        "token": head.token,
        "timestamp": None,
    }
    assert again.json() == first.json()
    check = translog.tree_head_verify(head.token, keys=jwks())
    assert check.head is not None
    assert (check.head.size, check.head.root.hex()) == (2, first.json()["root_hash"])


def test_the_consistency_proof_shows_the_newer_log_extends_the_older() -> None:
    v = vault()
    anonymous = Client()
    file_added(v.organisation)
    old = anonymous.get("/api/v1/evidence/log/tree-head").json()
    file_added(v.organisation, content=PNG + b"\x01")
    shared(Evidence.objects.first(), v.authority.organisation)
    new = anonymous.get("/api/v1/evidence/log/tree-head").json()

    response = anonymous.get("/api/v1/evidence/log/consistency", {"old_size": old["size"], "new_size": new["size"]})

    assert response.status_code == 200
    answer = response.json()
    assert (answer["old_size"], answer["new_size"]) == (2, 5)
    assert translog.verify_consistency(
        old_size=2,
        new_size=5,
        old_root=bytes.fromhex(old["root_hash"]),
        new_root=bytes.fromhex(new["root_hash"]),
        proof=[bytes.fromhex(h) for h in answer["proof"]],
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"old_size": 0, "new_size": 2}, "old_size"),
        ({"old_size": 3, "new_size": 2}, "old_size"),
        ({"old_size": 1, "new_size": 3}, "new_size"),
        ({"old_size": -1, "new_size": 10**30}, "old_size"),
    ],
)
def test_a_consistency_proof_between_sizes_the_log_never_had_is_refused(query: dict[str, int], field: str) -> None:
    file_added(member().organisation)

    response = Client().get("/api/v1/evidence/log/consistency", query)

    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid_size",
            "message": "Give 0 < old_size <= new_size <= 2, the log's size.",
            "field": field,
        }
    }


def test_a_consistency_proof_without_numbers_is_refused() -> None:
    response = Client().get("/api/v1/evidence/log/consistency", {"old_size": "one", "new_size": "2"})

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["old_size"]
