"""Pictures of guides: streamed to the default storage under ``sharing/`` by their SHA-256, typed by their first
bytes (PNG, JPEG or WebP; what the name or the browser says is not trusted), refused past the size cap."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import filetype
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from ipbridge.core.errors import ValidationFailed
from ipbridge.core.uploads import upload_spool

IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
PREFIX = "sharing"


@dataclass(frozen=True)
class StoredImage:
    storage_name: str
    sha256: str
    size: int
    content_type: str
    new: bool  # False when the same bytes were stored before


def image_name(sha256: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256}"


def image_store(upload: Any, *, field: str = "file") -> StoredImage:
    """Stream ``upload`` (a Django upload, a binary file or bytes) to storage; refuse it, storing nothing, when it
    is empty, larger than ``MAX_IMAGE_BYTES`` or not a PNG, JPEG or WebP picture."""
    with tempfile.TemporaryFile() as spool:
        spooled = upload_spool(upload, spool, limit=MAX_IMAGE_BYTES, field=field)
        kind = filetype.guess(spooled.head)
        content_type = str(kind.mime) if kind is not None else ""
        if content_type not in IMAGE_TYPES:
            raise ValidationFailed(
                "unsupported_file_type",
                _("Send a picture as %(types)s; this file is not one.") % {"types": ", ".join(IMAGE_TYPES.values())},
                field=field,
            )
        name = image_name(spooled.sha256)
        if default_storage.exists(name):
            return StoredImage(name, spooled.sha256, spooled.size, content_type, new=False)
        spool.seek(0)
        saved = default_storage.save(name, File(spool, name=spooled.sha256))
    if saved != name:
        # Another upload of the same bytes was saved meanwhile; keep that one.
        default_storage.delete(saved)
        return StoredImage(name, spooled.sha256, spooled.size, content_type, new=False)
    return StoredImage(name, spooled.sha256, spooled.size, content_type, new=True)


def image_discard(storage_name: str) -> None:
    default_storage.delete(storage_name)


def image_open(storage_name: str) -> BinaryIO:
    return cast(BinaryIO, default_storage.open(storage_name, "rb"))
