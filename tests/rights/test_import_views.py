"""The operators' register import pages: upload, detail with counts and rejections, live progress."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ipbridge.accounts.models import OrganisationKind, Role
from ipbridge.rights.models import ImportBatch, ImportStatus
from tests.factories import member, verified_client

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


def operator_client() -> Client:
    return verified_client(member(kind=OrganisationKind.OPERATOR, role=Role.ADMIN).user)


def test_operator_sees_the_menu_item_and_an_empty_list_with_the_upload_form() -> None:
    page = operator_client().get("/operator/imports/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/operator/imports/"' in html
    assert 'id="no-imports"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<option value="st66">WIPO ST.66 (TM-XML)</option>' in html


def test_upload_runs_the_import_and_the_detail_page_shows_counts_and_rejections(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = operator_client()

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/operator/imports/", {"format": "st66", "file": upload("wo_st66.xml")})

    batch = ImportBatch.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/operator/imports/{batch.pk}/"
    html = client.get(answer["Location"]).content.decode()
    assert 'data-status="done"' in html
    assert 'data-count="created">2<' in html
    assert 'data-count="rejected">2<' in html
    assert "unknown status “Suspended by court order”" in html
    assert 'value="100" max="100"' in html
    assert "hx-get" not in html
    listed = client.get("/operator/imports/").content.decode()
    assert f'href="/operator/imports/{batch.pk}/">wo_st66.xml</a>' in listed


def test_progress_of_a_running_import_polls_every_second() -> None:
    batch = ImportBatch.objects.create(
        format="st66", source="big.xml", status=ImportStatus.RUNNING, bytes_total=1000, bytes_done=250
    )

    html = operator_client().get(f"/operator/imports/{batch.pk}/progress/").content.decode()

    assert f'hx-get="/operator/imports/{batch.pk}/progress/" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    assert 'value="25" max="100"' in html
    assert "style=" not in html


def test_a_file_that_does_not_match_its_format_is_shown_on_the_form() -> None:
    answer = operator_client().post("/operator/imports/", {"format": "st66", "file": upload("register.csv")})

    assert answer.status_code == 422
    assert 'data-field="file">This file is not XML; choose the format that matches it.<' in answer.content.decode()
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("kind", [k for k in OrganisationKind.values if k != OrganisationKind.OPERATOR])
def test_other_organisations_are_refused_and_nothing_is_imported(kind: str) -> None:
    batch = ImportBatch.objects.create(format="csv", source="x.csv")
    client = verified_client(member(kind=kind).user)

    pages = [
        client.get("/operator/imports/"),
        client.get(f"/operator/imports/{batch.pk}/"),
        client.get(f"/operator/imports/{batch.pk}/progress/"),
        client.post("/operator/imports/", {"format": "csv", "file": upload("register.csv")}),
    ]

    assert [page.status_code for page in pages] == [403, 403, 403, 403]
    assert 'href="/operator/imports/"' not in pages[0].content.decode()
    assert ImportBatch.objects.count() == 1


def test_anonymous_people_are_sent_to_login() -> None:
    answer = Client().get("/operator/imports/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
