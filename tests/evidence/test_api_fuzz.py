"""Generated input never makes the evidence API answer 5xx, and a refused request leaves nothing behind: no row,
no leaf of the log, no file in the store."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.accounts.models import OrganisationKind
from ipbridge.evidence import log
from ipbridge.evidence.blobs import evidence_storage
from ipbridge.evidence.models import CaseEvidence, CustodyEvent, Evidence, EvidenceShare, TreeHead
from tests.evidence.factories import PNG, attached, case_between, file_added
from tests.factories import member, verified_client
from tests.strategies import bodies

pytestmark = pytest.mark.django_db

# Text a browser or an HTTP client can send: no lone surrogates, which no encoding carries.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
SLUGS = st.sampled_from(["sz-amr", "megamart", "aurora", "nobody", "", " sz-amr ", "SZ-AMR"]) | TEXT
NUMBERS = st.integers() | st.integers(min_value=-3, max_value=20)
# Within the database's 64-bit integers: an offset past them is a concern of the paginator every list of the API
# shares, not of the evidence vault.
QUERY_NUMBERS = st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.integers(min_value=-3, max_value=20)
JSON_BODIES = st.one_of(
    bodies(["organisation", "case_id", "ids"]),
    st.fixed_dictionaries({"organisation": SLUGS}).map(json.dumps),
    st.fixed_dictionaries({"case_id": NUMBERS | TEXT | st.none()}).map(json.dumps),
    st.fixed_dictionaries({"ids": st.lists(NUMBERS, max_size=5) | NUMBERS | TEXT}).map(json.dumps),
)
JSON_WRITES = ["/api/v1/evidence/{item}/shares", "/api/v1/evidence/{item}/cases", "/api/v1/evidence/export"]
TIMES = st.sampled_from(["2026-01-05T10:00:00+08:00", "2026-01-05T10:00:00", "9999-12-31T23:59:59Z", "0", ""]) | TEXT
FORMS = st.fixed_dictionaries(
    {},
    optional={
        "name": TEXT,
        "text": TEXT,
        "captured_url": st.sampled_from(["https://megamart.example/1", "ftp://x", "javascript:alert(1)"]) | TEXT,
        "marketplace": SLUGS,
        "listing_id": TEXT,
        "stream_id": TEXT,
        "time_code": st.sampled_from(["01:02:03", "1:2:3", "99:59:59.999", "00:60:00"]) | TEXT,
        "observed_at": TIMES,
        "notes": TEXT,
    },
)
CONTENTS = st.one_of(
    st.none(),
    st.binary(max_size=300),
    st.binary(max_size=100).map(lambda tail: PNG + tail),
    st.binary(max_size=100).map(lambda tail: b"PK\x03\x04" + tail),
    st.binary(max_size=100).map(lambda tail: b"%PDF-1.4\n" + tail),
)


def _archive(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


PACKAGES = st.one_of(
    st.binary(max_size=300),
    st.dictionaries(
        st.sampled_from(["manifest.json", "keys.json", "README.txt", "files/x", "../evil", "files/" + "0" * 64]),
        st.binary(max_size=100) | bodies(["format", "items", "tree_head", "issuer"]).map(str.encode),
        max_size=4,
    ).map(_archive),
)


@pytest.fixture
def clients() -> tuple[dict[str, Client], dict[str, Any]]:
    holder = member(
        OrganisationKind.RIGHT_HOLDER, slug="aurora", name="Aurora Cosmetics S.A.", verification_status="verified"
    )
    marketplace = member(OrganisationKind.MARKETPLACE, slug="megamart")
    authority = member(OrganisationKind.AUTHORITY, slug="sz-amr")
    parties = case_between(sender=holder.organisation, marketplace=marketplace.organisation)
    item = file_added(holder.organisation)
    attached(item, parties.case)
    return (
        {
            "holder": verified_client(holder.user),
            "marketplace": verified_client(marketplace.user),
            "authority": verified_client(authority.user),
            "anonymous": Client(),
        },
        {"item": item.pk, "case": parties.case.pk},
    )


def stored_files() -> list[str]:
    root = Path(evidence_storage().location)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def state() -> tuple[Any, ...]:
    return (
        Evidence.objects.count(),
        CustodyEvent.objects.count(),
        sorted(EvidenceShare.objects.values_list("id", "revoked_at")),
        CaseEvidence.objects.count(),
        TreeHead.objects.count(),
        log.log_size(),
        stored_files(),
    )


def _refused_cleanly(response: Any, before: tuple[Any, ...]) -> None:
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert response.json()["error"]["code"]
        assert state() == before


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(path=st.sampled_from(JSON_WRITES), body=JSON_BODIES, part=st.sampled_from(["holder", "marketplace"]))
def test_generated_json_bodies_get_an_answer_below_500(
    clients: tuple[dict[str, Client], dict[str, Any]], path: str, body: str, part: str
) -> None:
    by_part, ids = clients
    cache.clear()
    before = state()

    response = by_part[part].post(path.format(**ids), body, content_type="application/json")

    if response.status_code == 200 and response.streaming:
        response.close()
        return
    _refused_cleanly(response, before)


@FUZZ
@given(form=FORMS, content=CONTENTS, file_name=st.sampled_from(["capture.png", "a", "../../etc/passwd"]) | TEXT)
def test_generated_evidence_forms_get_an_answer_below_500(
    clients: tuple[dict[str, Client], dict[str, Any]], form: dict[str, str], content: bytes | None, file_name: str
) -> None:
    by_part, _ids = clients
    cache.clear()
    data: dict[str, Any] = dict(form)
    if content is not None:
        data["file"] = SimpleUploadedFile(file_name or "upload", content)
    before = state()

    response = by_part["holder"].post("/api/v1/evidence", data)

    _refused_cleanly(response, before)


@FUZZ
@given(package=PACKAGES)
def test_generated_packages_get_a_report_or_a_refusal_below_500(
    clients: tuple[dict[str, Client], dict[str, Any]], package: bytes
) -> None:
    by_part, _ids = clients
    cache.clear()
    before = state()

    response = by_part["anonymous"].post(
        "/api/v1/evidence/packages/verify", {"package": SimpleUploadedFile("package.zip", package)}
    )

    _refused_cleanly(response, before)
    if response.status_code == 200:
        assert response.json()["ok"] is False


@FUZZ
@given(
    identifier=st.one_of(NUMBERS.map(str), TEXT.filter(lambda s: s and not set(s) & set("/?#%"))),
    slug=TEXT.filter(lambda s: s and not set(s) & set("/?#%")),
    query=st.dictionaries(
        st.sampled_from(["q", "case_id", "limit", "offset", "old_size", "new_size"]),
        QUERY_NUMBERS.map(str) | TEXT,
        max_size=4,
    ),
)
def test_generated_ids_and_queries_get_an_answer_below_500(
    clients: tuple[dict[str, Client], dict[str, Any]], identifier: str, slug: str, query: dict[str, str]
) -> None:
    by_part, ids = clients
    cache.clear()
    reader, owner = by_part["marketplace"], by_part["holder"]

    answers = [
        reader.get(f"/api/v1/evidence/{identifier}"),
        reader.get(f"/api/v1/evidence/{identifier}/content"),
        reader.get(f"/api/v1/evidence/{identifier}/custody"),
        reader.get(f"/api/v1/evidence/{identifier}/proof"),
        reader.get("/api/v1/evidence", query),
        by_part["anonymous"].get("/api/v1/evidence/log/consistency", query),
    ]
    before = state()
    endings = [
        owner.delete(f"/api/v1/evidence/{identifier}/shares/{slug}"),
        owner.delete(f"/api/v1/evidence/{ids['item']}/shares/{slug}"),
    ]

    assert [(a.status_code, a.content[:200]) for a in answers if a.status_code >= 500] == []
    # The item is shared with nobody: there is no sharing to end.
    assert [e.status_code for e in endings if e.status_code < 400 or e.status_code >= 500] == []
    assert state() == before
