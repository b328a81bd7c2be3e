"""Register imports over the API: operators upload, the job runs, everyone else is refused and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.scopes import ALL_SCOPES, READ_SCOPES
from ipbridge.rights import services
from ipbridge.rights.models import ImportBatch, Right
from tests.factories import api_key, member, verified_client

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str = "wo_st66.xml", content: bytes | None = None) -> SimpleUploadedFile:
    data = (FIXTURES / name).read_bytes() if content is None else content
    return SimpleUploadedFile(name, data, content_type="application/xml")


def operator_client(role: str = Role.ADMIN) -> Client:
    return verified_client(member(kind=OrganisationKind.OPERATOR, role=role).user)


def test_operator_uploads_and_the_job_imports_the_file(
    django_capture_on_commit_callbacks: Callable[..., Any], tmp_path: Path
) -> None:
    client = operator_client()

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/rights/imports", {"format": "st66", "file": upload()})

    assert created.status_code == 201
    body = created.json()
    assert (body["format"], body["source"], body["bytes_total"]) == (
        "st66",
        "wo_st66.xml",
        (FIXTURES / "wo_st66.xml").stat().st_size,
    )
    answer = client.get(f"/api/v1/rights/imports/{body['id']}").json()
    assert {k: answer[k] for k in ("status", "records_seen", "created", "updated", "unchanged", "rejected")} == {
        "status": "done",
        "records_seen": 4,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 2,
    }
    assert answer["progress"] == 1.0
    assert answer["rejections"] == [
        {
            "position": 3,
            "identifier": "WO 1400002",
            "field": "status",
            "reason": "unknown status “Suspended by court order”",
        },
        {
            "position": 4,
            "identifier": "WO",
            "field": "number",
            "reason": "neither an application nor a registration number",
        },
    ]
    assert sorted(Right.objects.values_list("number", flat=True)) == ["1234567", "1300001"]
    assert list((tmp_path / "media" / "imports").iterdir()) == []
    assert list(
        AuditEvent.objects.filter(subject_type="rights.importbatch", subject_id=str(body["id"]))
        .values_list("action", flat=True)
        .order_by("id")
    ) == [
        "rights.import_started",
        "rights.import_finished",
    ]
    listed = client.get("/api/v1/rights/imports").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_an_import_api_key_of_the_operators_may_upload(django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    operator = member(kind=OrganisationKind.OPERATOR)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(operator.organisation, ['rights:write', 'rights:read'])}")

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/rights/imports", {"format": "st86", "file": upload("em_st86.xml")})

    assert created.status_code == 201
    assert ImportBatch.objects.get().created == 2


@pytest.mark.parametrize(
    ("data", "status", "code", "field"),
    [
        ({"format": "pdf", "file": "em_st66.xml"}, 422, "invalid_choice", "format"),
        ({"format": "st66"}, 422, "invalid_input", "file"),
        ({"format": "st66", "file": "register.csv"}, 422, "not_xml", "file"),
        ({"format": "csv", "file": "em_st66.xml"}, 422, "not_csv", "file"),
        ({"format": "st66", "file": b""}, 422, "empty_file", "file"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(data: dict[str, Any], status: int, code: str, field: str) -> None:
    client = operator_client()
    if isinstance(data.get("file"), str):
        data = {**data, "file": upload(data["file"])}
    elif isinstance(data.get("file"), bytes):
        data = {**data, "file": upload(content=data["file"])}

    answer = client.post("/api/v1/rights/imports", data)

    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["code"] == code
    named = [error.get("field") or "", *(f["field"] for f in error.get("fields", []))]
    assert any(name.split(".")[0] == field for name in named)
    assert ImportBatch.objects.count() == 0


def test_an_oversized_file_is_refused_and_not_kept(settings: Any, tmp_path: Path) -> None:
    settings.IMPORT_MAX_BYTES = 1000

    answer = operator_client().post("/api/v1/rights/imports", {"format": "st66", "file": upload()})

    assert answer.status_code == 413
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == ("file_too_large", "file")
    assert ImportBatch.objects.count() == 0
    assert list((tmp_path / "media" / "imports").iterdir()) == []


# Authorization matrix ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    label: str
    kind: str | None = None
    role: str | None = None
    key_scopes: tuple[str, ...] | None = None

    def scopes(self) -> set[str]:
        if self.key_scopes is not None:
            return set(self.key_scopes)
        if self.role == "reviewer":
            return set(READ_SCOPES) - {"audit:read"}
        return set(ALL_SCOPES) if self.role else set()


PRINCIPALS = (
    [Principal(f"{kind}-{role}", kind=kind, role=role) for kind in OrganisationKind.values for role in Role.values]
    + [
        Principal(f"{kind}-key-{name}", kind=kind, key_scopes=tuple(scopes))
        for kind in ("right_holder", "operator")
        for name, scopes in (("all", ALL_SCOPES), ("read", sorted(READ_SCOPES)), ("narrow", ["accounts:read"]))
    ]
    + [Principal("anonymous")]
)
ENDPOINTS = [
    ("post", "/api/v1/rights/imports", "rights:write", 201),
    ("get", "/api/v1/rights/imports", "rights:read", 200),
    ("get", "/api/v1/rights/imports/{batch_id}", "rights:read", 200),
]


def expected_status(principal: Principal, scope: str, success: int) -> int:
    if principal.label == "anonymous":
        return 401
    if principal.kind != "operator" or scope not in principal.scopes():
        return 403
    return success


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
@pytest.mark.parametrize(("method", "path", "scope", "success"), ENDPOINTS, ids=lambda v: str(v))
def test_only_operators_with_the_rights_permission_reach_imports(
    principal: Principal, method: str, path: str, scope: str, success: int
) -> None:
    existing = services.rights_import_files(format="csv", paths=[FIXTURES / "register.csv"])
    acting = member(kind=principal.kind or "right_holder", role=principal.role or Role.ADMIN)
    if principal.label == "anonymous":
        client = Client()
    elif principal.key_scopes is not None:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(acting.organisation, list(principal.key_scopes))}")
    else:
        client = verified_client(acting.user)
    before = (ImportBatch.objects.count(), Right.objects.count())

    if method == "post":
        answer = client.post(path, {"format": "csv", "file": upload("register.csv")})
    else:
        answer = client.get(path.format(batch_id=existing.pk))

    assert answer.status_code == expected_status(principal, scope, success)
    if answer.status_code >= 400:
        assert (ImportBatch.objects.count(), Right.objects.count()) == before
