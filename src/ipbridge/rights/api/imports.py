"""Operators' register imports: upload a file, follow its progress."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.schemas import ErrorOut
from ipbridge.core.api import Pagination
from ipbridge.rights import selectors_imports, services
from ipbridge.rights.models import ImportBatch
from ipbridge.rights.schemas_imports import ImportBatchDetailOut, ImportBatchOut, ImportRejectionOut

router = Router(tags=["rights"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _detail(batch: ImportBatch) -> ImportBatchDetailOut:
    out = ImportBatchOut.model_validate(batch, from_attributes=True)
    rejections = [
        ImportRejectionOut.model_validate(r, from_attributes=True)
        for r in selectors_imports.import_rejections_first(batch=batch)
    ]
    return ImportBatchDetailOut(**out.model_dump(), rejections=rejections)


@router.post("/rights/imports", response={201: ImportBatchDetailOut, **ERRORS}, operation_id="rights_import_create")
def rights_import_create(
    request: HttpRequest, format: Form[str], file: File[UploadedFile]
) -> Status[ImportBatchDetailOut]:
    """Upload a register file (multipart: ``format`` = st66, st86 or csv, and ``file``). Operators only. The import
    runs as a background job; follow it with ``GET /rights/imports/{id}``."""
    actor = _actor(request)
    batch = services.import_batch_create(actor=actor, format=format, source=file.name or "", file=file)
    return Status(201, _detail(selectors_imports.access_import_batch(actor=actor, batch_id=batch.pk)))


@router.get("/rights/imports", response={200: list[ImportBatchOut], **ERRORS}, operation_id="rights_imports_list")
@paginate(Pagination)
def rights_imports_list(request: HttpRequest) -> QuerySet[ImportBatch]:
    """Register imports, newest first. Operators only."""
    return selectors_imports.import_batches_visible(actor=_actor(request))


@router.get(
    "/rights/imports/{batch_id}", response={200: ImportBatchDetailOut, **ERRORS}, operation_id="rights_import_get"
)
def rights_import_get(request: HttpRequest, batch_id: int) -> ImportBatchDetailOut:
    """One import: progress, counts and its first rejections with their reasons."""
    return _detail(selectors_imports.access_import_batch(actor=_actor(request), batch_id=batch_id))
