"""Evidence files, stored by their SHA-256: streamed (never held whole in memory), deduplicated, sized and typed by
their first bytes (what a file says it is — its name, the browser's content type — is not trusted).

The store is the ``evidence`` storage: a local directory by default, S3-compatible object storage in production.
On a local directory the file is written once, beside its final place, and renamed into it; elsewhere the spooled
copy is handed to the storage, which streams it (multipart uploads for S3)."""

from __future__ import annotations

import hashlib
import lzma
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.translation import gettext as _

from ipbridge.core.errors import PayloadTooLarge, ValidationFailed
from ipbridge.core.uploads import CHUNK, HEAD_BYTES, upload_spool

# What evidence comes as: pictures, documents, recordings, page captures and archives of them, and text.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/webp": "WebP",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "video/mp4": "MP4",
    "video/quicktime": "QuickTime",
    "video/webm": "WebM",
    "video/x-matroska": "Matroska",
    "audio/mpeg": "MP3",
    "audio/x-wav": "WAV",
    "audio/ogg": "Ogg",
    "audio/mp4": "M4A",
    "application/zip": "ZIP",
    "text/html": "HTML",
    "text/plain": "text",
}


@dataclass(frozen=True)
class Blob:
    storage_name: str
    sha256: str
    size: int
    content_type: str
    new: bool  # False when the same bytes were stored before


def evidence_storage() -> Storage:
    return storages["evidence"]


def blob_name(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _text_type(head: bytes, *, complete: bool) -> str:
    """text/html or text/plain when the first bytes are UTF-8 text without NUL characters, else ""."""
    if b"\x00" in head:
        return ""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the head is still text.
        if complete or exc.start < len(head) - 3:
            return ""
        text = head[: exc.start].decode("utf-8")
    start = text.lstrip("\ufeff \t\r\n")[:15].lower()
    return "text/html" if start.startswith(("<!doctype html", "<html")) else "text/plain"


def _sniff(head: bytes, *, complete: bool) -> str:
    kind = filetype.guess(head)
    mime = "" if kind is None else str(kind.mime)
    mime = {"audio/x-m4a": "audio/mp4", "audio/wav": "audio/x-wav"}.get(mime, mime)
    if mime in ALLOWED_TYPES:
        return mime
    # Some signatures are two letters ("BM" a bitmap, "MZ" a Windows program): a text that begins so is still text.
    return _text_type(head, complete=complete) or mime


def _zip_refusal(spool: IO[bytes], *, field: str) -> None:
    """Refuse an archive that unpacks to more than ``EVIDENCE_ZIP_MAX_BYTES`` (a zip bomb), counting the bytes it
    really unpacks to rather than trusting the sizes it declares."""
    limit = settings.EVIDENCE_ZIP_MAX_BYTES
    spool.seek(0)
    try:
        with zipfile.ZipFile(spool) as archive:
            entries = archive.infolist()
            if len(entries) > settings.EVIDENCE_ZIP_MAX_ENTRIES:
                raise ValidationFailed(
                    "archive_too_many_entries",
                    _("The archive holds more than %(count)d files.") % {"count": settings.EVIDENCE_ZIP_MAX_ENTRIES},
                    field=field,
                )
            unpacked = 0
            for entry in entries:
                if entry.is_dir():
                    continue
                with archive.open(entry) as member:
                    while chunk := member.read(CHUNK):
                        unpacked += len(chunk)
                        if unpacked > limit:
                            raise PayloadTooLarge(
                                "archive_too_large_unpacked",
                                _("The archive unpacks to more than %(mib)d MiB; it is refused as a zip bomb.")
                                % {"mib": limit // 2**20},
                                field=field,
                            )
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
        zlib.error,
        lzma.LZMAError,
    ) as exc:
        raise ValidationFailed(
            "archive_unreadable", _("The archive cannot be read: %(reason)s") % {"reason": exc}, field=field
        ) from exc


def _spool_dir(storage: Storage) -> str | None:
    """Where to spool so that the finished file is renamed into place: the local store's own directory."""
    if isinstance(storage, FileSystemStorage):
        directory = Path(storage.location) / ".incoming"
        directory.mkdir(parents=True, exist_ok=True)
        return str(directory)
    return None


def _place(storage: Storage, spool: IO[bytes], name: str) -> bool:
    """Put the spooled file in the store as ``name``; False when another upload of the same bytes put them there
    first, meanwhile."""
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        spool.flush()
        try:
            os.link(spool.name, target)
        except FileExistsError:
            return False
        return True
    spool.seek(0)
    saved = storage.save(name, File(spool, name=name))
    if saved != name:
        # The storage does not overwrite: it kept the first copy and saved this one under another name.
        storage.delete(saved)
        return False
    return True


def blob_store(upload: Any, *, field: str = "file") -> Blob:
    """Stream ``upload`` (a Django upload, a binary file or bytes) into the store; refuse it, storing nothing, when
    it is empty, larger than ``EVIDENCE_MAX_BYTES``, of a type evidence does not come as, or an archive that
    unpacks to too much."""
    storage = evidence_storage()
    with tempfile.NamedTemporaryFile(dir=_spool_dir(storage), prefix="upload-") as spool:
        spooled = upload_spool(upload, spool, limit=settings.EVIDENCE_MAX_BYTES, field=field)
        sha256, size, head = spooled.sha256, spooled.size, spooled.head
        content_type = _sniff(head, complete=size <= HEAD_BYTES)
        if content_type not in ALLOWED_TYPES:
            raise ValidationFailed(
                "unsupported_file_type",
                _(
                    "Evidence can be a picture, a PDF, a video or sound recording, a page capture, a ZIP archive or "
                    "text; this file is none of them."
                ),
                field=field,
            )
        if content_type == "application/zip":
            _zip_refusal(spool, field=field)
        name = blob_name(sha256)
        if storage.exists(name):
            return Blob(name, sha256, size, content_type, new=False)
        new = _place(storage, spool, name)
    return Blob(name, sha256, size, content_type, new=new)


def blob_discard(blob: Blob) -> None:
    """Undo ``blob_store`` when the database write that was to reference the file failed."""
    if blob.new:
        evidence_storage().delete(blob.storage_name)


def blob_open(storage_name: str) -> BinaryIO:
    return cast(BinaryIO, evidence_storage().open(storage_name, "rb"))


def blob_digest(storage_name: str) -> tuple[str, int]:
    """The SHA-256 and size of what the store holds now under ``storage_name``, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with blob_open(storage_name) as stored:
        for chunk in iter(lambda: stored.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def blob_chunks(storage_name: str) -> Iterable[bytes]:
    with blob_open(storage_name) as stored:
        yield from iter(lambda: stored.read(CHUNK), b"")
