"""Identity and mandate documents: streamed to storage under their SHA-256, sized and typed by their first bytes
(what a file says it is — its name, the browser's content type — is not trusted)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from ipbridge.core.errors import ValidationFailed
from ipbridge.core.uploads import upload_spool

# What a certificate, a licence or an authorisation comes as: scans and PDFs.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
}


@dataclass(frozen=True)
class StoredFile:
    storage_name: str
    sha256: str
    size: int
    content_type: str
    new: bool  # False when the same bytes were stored before


def document_store(upload: Any, *, field: str = "file") -> StoredFile:
    """Stream ``upload`` (a Django upload or a binary file) to storage; refuse it, storing nothing, when it is
    empty, too large or not a PDF or image."""
    with tempfile.TemporaryFile() as spool:
        spooled = upload_spool(upload, spool, limit=settings.IDENTITY_DOCUMENT_MAX_BYTES, field=field)
        sha256, size, head = spooled.sha256, spooled.size, spooled.head
        kind = filetype.guess(head)
        content_type = kind.mime if kind is not None else ""
        if content_type not in ALLOWED_TYPES:
            raise ValidationFailed(
                "unsupported_file_type",
                _("Send a PDF or an image (%(types)s); this file is not one.")
                % {"types": ", ".join(ALLOWED_TYPES.values())},
                field=field,
            )
        name = f"identity/{sha256[:2]}/{sha256}"
        if default_storage.exists(name):
            return StoredFile(name, sha256, size, content_type, new=False)
        spool.seek(0)
        saved = default_storage.save(name, File(spool, name=sha256))
    return StoredFile(saved, sha256, size, content_type, new=True)


def document_discard(stored: StoredFile) -> None:
    """Undo ``document_store`` when the database write that was to reference the file failed."""
    if stored.new:
        default_storage.delete(stored.storage_name)


def document_open(storage_name: str) -> File:  # type: ignore[type-arg]
    return default_storage.open(storage_name, "rb")
