"""Uploads copied to a spool file as they arrive: hashed, counted and their first bytes kept on the way, refused
as soon as they pass their limit, never held whole in memory."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from ipbridge.core.errors import PayloadTooLarge, ValidationFailed

CHUNK = 1024 * 1024
HEAD_BYTES = 8192  # enough to tell a file's type by its bytes


@dataclass(frozen=True)
class Spooled:
    sha256: str
    size: int
    head: bytes  # the first HEAD_BYTES bytes


def upload_chunks(upload: Any) -> Iterator[bytes]:
    """The bytes of a Django upload, a binary file or a bytes value, a chunk at a time."""
    if isinstance(upload, bytes):
        for start in range(0, len(upload), CHUNK):
            yield upload[start : start + CHUNK]
        return
    if hasattr(upload, "chunks"):
        yield from upload.chunks(CHUNK)
        return
    while chunk := upload.read(CHUNK):
        yield chunk


def upload_spool(upload: Any, spool: IO[bytes], *, limit: int, field: str) -> Spooled:
    """Copy ``upload`` into ``spool``; refuse it, naming ``field``, once it passes ``limit`` bytes or when it is
    empty."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    for chunk in upload_chunks(upload):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                "file_too_large", _("The file is larger than %(mib)d MiB.") % {"mib": limit // 2**20}, field=field
            )
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
        spool.write(chunk)
    if size == 0:
        raise ValidationFailed("empty_file", _("The file is empty."), field=field)
    return Spooled(digest.hexdigest(), size, head)
