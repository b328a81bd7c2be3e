"""Every write of the rights register: register imports.

An import reads records from a parser (``ipbridge.rights.importers``) and upserts them by (office, number) in
chunks, one transaction per chunk. What changed in a right already in the register (owner, status,
representative, contact e-mails, expiry date, classes, verbal element) is kept as ``RightChange`` rows; a first
import records no change. A chunk that fails is retried record by record, so one bad record is rejected with its
reason and the rest of the chunk is kept.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import SYSTEM_LABEL, AuditAction, audit_record
from ipbridge.accounts.selectors import operator_organisation
from ipbridge.core.errors import NotFound, ValidationFailed
from ipbridge.core.jobs import enqueue_after_commit
from ipbridge.rights import tasks
from ipbridge.rights.importers import PARSERS, ImportFileError
from ipbridge.rights.importers.reading import FileRecords
from ipbridge.rights.models import (
    ImportBatch,
    ImportFormat,
    ImportRejection,
    ImportStatus,
)
from ipbridge.rights.records import RejectedRecord, RightRecord
from ipbridge.rights.upsert import Outcome, RecordRefused, clean_number, record_clean
from ipbridge.rights.upsert import rights_upsert as _upsert

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
MAX_STORED_REJECTIONS = 10_000
UPLOAD_FORMATS = (ImportFormat.ST66, ImportFormat.ST86, ImportFormat.CSV)
_OFFICE = re.compile(r"[A-Z]{2,3}")
_SNIFF_BYTES = 4096

ProgressCallback = Callable[[ImportBatch], None]


class ImportFileTooLarge(ValidationFailed):
    status = 413


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def import_file_path(batch: ImportBatch) -> Path:
    """Where an uploaded register file is kept until its batch has run."""
    return imports_dir() / f"{batch.pk}.{batch.format}"


# Creating a batch from an upload ---------------------------------------------------------------------------------


def _clean_format(format: str, *, allowed: Sequence[str] = UPLOAD_FORMATS) -> str:
    if format not in allowed:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)},
            field="format",
        )
    return format


def _sniff(head: bytes, *, format: str) -> None:
    """A first look at the file, so that an obviously wrong upload is refused before it is queued."""
    text = head.lstrip(b"\xef\xbb\xbf").replace(b"\x00", b"").lstrip()
    looks_xml = text.startswith(b"<")
    if format in (ImportFormat.ST66, ImportFormat.ST86) and not looks_xml:
        raise ValidationFailed("not_xml", _("This file is not XML; choose the format that matches it."), field="file")
    if format == ImportFormat.CSV and (looks_xml or b"office" not in text.split(b"\n", 1)[0].lower()):
        raise ValidationFailed(
            "not_csv",
            _("This file is not a register CSV file: its first line must be the header (office,number,…)."),
            field="file",
        )


def _store_upload(chunks: Iterable[bytes], *, format: str) -> tuple[Path, int]:
    """Stream the upload to a temporary file beside the imports, checking its size as it comes."""
    directory = imports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f"upload-{secrets.token_hex(8)}.part"
    size = 0
    head = b""
    try:
        with temporary.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.IMPORT_MAX_BYTES:
                    raise ImportFileTooLarge(
                        "file_too_large",
                        _("The file is larger than %(n)d MB.") % {"n": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
                        field="file",
                    )
                if len(head) < _SNIFF_BYTES:
                    head += chunk[: _SNIFF_BYTES - len(head)]
                out.write(chunk)
        if size == 0:
            raise ValidationFailed("empty_file", _("The file is empty."), field="file")
        _sniff(head, format=format)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary, size


def import_batch_create(*, actor: Actor, format: str, source: str, file: IO[bytes] | Any) -> ImportBatch:
    """An operator uploads a register file: it is stored, and the import runs as a background job.

    ``file`` is a Django ``UploadedFile`` (or any binary file object); ``source`` is the name shown to people.
    """
    actor.require_operator()
    actor.require("rights:write")
    format = _clean_format(format)
    source = (source or "").strip()[:500] or format
    chunks: Iterable[bytes] = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
    temporary, size = _store_upload(chunks, format=format)
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                format=format, source=source, created_by=actor.user, bytes_total=size, status=ImportStatus.QUEUED
            )
            temporary.replace(import_file_path(batch))
            audit_record(
                action=AuditAction.RIGHTS_IMPORT_STARTED,
                actor=actor.user,
                actor_label=actor.label,
                organisation=actor.organisation,
                subject=batch,
                details={"format": format, "source": source, "bytes": size},
            )
            enqueue_after_commit(tasks.import_batch_run, batch.pk)
    finally:
        temporary.unlink(missing_ok=True)
    return batch


def rights_import_files(
    *,
    format: str,
    paths: Sequence[Path],
    actor: Actor | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Import register files in the foreground (the command line; ``actor`` None means the server's own
    command line). The files are read where they are."""
    if actor is not None:
        actor.require_operator()
        actor.require("rights:write")
    format = _clean_format(format, allowed=[*UPLOAD_FORMATS])
    missing = [str(path) for path in paths if not path.is_file()]
    if missing or not paths:
        raise ValidationFailed("file_missing", _("No such file: %(f)s") % {"f": ", ".join(missing)}, field="file")
    source = ", ".join(path.name for path in paths)[:500]
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            format=format,
            source=source,
            created_by=actor.user if actor else None,
            bytes_total=sum(path.stat().st_size for path in paths),
        )
        audit_record(
            action=AuditAction.RIGHTS_IMPORT_STARTED,
            actor=actor.user if actor else None,
            actor_label=actor.label if actor else SYSTEM_LABEL,
            organisation=actor.organisation if actor else operator_organisation(),
            subject=batch,
            details={"format": format, "source": source, "bytes": batch.bytes_total},
        )
    return import_batch_run(batch_id=batch.pk, paths=paths, on_progress=on_progress)


# Running a batch -------------------------------------------------------------------------------------------------


@dataclass
class _Counts:
    seen: int = 0
    file_start: int = 0  # records seen before the current file: positions count from each file's start
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    stored_rejections: int = 0
    pending_rejections: list[ImportRejection] = field(default_factory=list)


def import_batch_run(
    *,
    batch_id: int,
    paths: Sequence[Path] | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Run a queued batch to the end. A batch already done or failed is left as it is (a job delivered twice
    does nothing); one found running was interrupted and starts again, which the upsert makes harmless."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    if batch.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return batch
    files = list(paths) if paths is not None else [import_file_path(batch)]
    parse = PARSERS.get(batch.format)
    counts = _Counts()
    with transaction.atomic():
        ImportRejection.objects.filter(batch=batch).delete()
        batch.status = ImportStatus.RUNNING
        batch.started_at = timezone.now()
        batch.bytes_done = batch.records_seen = batch.created = batch.updated = batch.unchanged = batch.rejected = 0
        batch.save()
    error = ""
    try:
        if parse is None:
            raise ImportFileError(f"No importer for the format “{batch.format}”.")
        done_before = 0
        for path in files:
            if not path.is_file():
                raise ImportFileError(f"The file {path.name} is no longer there.")
            counts.file_start = counts.seen
            records = FileRecords(parse, path)
            for chunk in _chunks(iter(records)):
                _chunk_import(batch, chunk, counts)
                _progress_save(batch, counts, bytes_done=done_before + records.bytes_read)
                if on_progress is not None:
                    on_progress(batch)
            done_before += path.stat().st_size
    except ImportFileError as exc:
        error = str(exc)
    except Exception:
        logger.exception("register import %s failed", batch.pk)
        _batch_finish(batch, counts, error=_("The import stopped on an unexpected error."))
        raise
    return _batch_finish(batch, counts, error=error, remove=None if paths is not None else files)


def _chunks(records: Iterator[RightRecord | RejectedRecord]) -> Iterator[list[RightRecord | RejectedRecord]]:
    """Records in chunks; a chunk never holds the same (office, number) twice, so that the later record of the
    file is applied after the earlier one."""
    chunk: list[RightRecord | RejectedRecord] = []
    keys: set[tuple[str, str]] = set()
    for record in records:
        if isinstance(record, RightRecord):
            key = (record.office.upper(), clean_number(record.number))
            if key in keys:
                yield chunk
                chunk, keys = [], set()
            keys.add(key)
        chunk.append(record)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk, keys = [], set()
    if chunk:
        yield chunk


def _progress_save(batch: ImportBatch, counts: _Counts, *, bytes_done: int) -> None:
    batch.bytes_done = min(bytes_done, batch.bytes_total) if batch.bytes_total else bytes_done
    batch.records_seen = counts.seen
    batch.created, batch.updated, batch.unchanged, batch.rejected = (
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        bytes_done=batch.bytes_done,
        records_seen=batch.records_seen,
        created=batch.created,
        updated=batch.updated,
        unchanged=batch.unchanged,
        rejected=batch.rejected,
    )


@transaction.atomic
def _batch_finish(batch: ImportBatch, counts: _Counts, *, error: str, remove: list[Path] | None = None) -> ImportBatch:
    _rejections_flush(batch, counts)
    batch.status = ImportStatus.FAILED if error else ImportStatus.DONE
    batch.error = error
    batch.finished_at = timezone.now()
    if not error:
        batch.bytes_done = batch.bytes_total
    batch.records_seen = counts.seen
    batch.created, batch.updated, batch.unchanged, batch.rejected = (
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
    )
    batch.save()
    creator = batch.created_by
    audit_record(
        action=AuditAction.RIGHTS_IMPORT_FAILED if error else AuditAction.RIGHTS_IMPORT_FINISHED,
        actor=creator,
        actor_label=creator.email if creator else SYSTEM_LABEL,
        organisation=operator_organisation(),
        subject=batch,
        details={
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": counts.rejected,
            **({"error": error[:500]} if error else {}),
        },
    )
    if remove:
        transaction.on_commit(lambda: _files_remove(list(remove)))
    return batch


def _files_remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _reject(batch: ImportBatch, counts: _Counts, *, position: int, identifier: str, reason: str, field: str) -> None:
    counts.rejected += 1
    if counts.stored_rejections < MAX_STORED_REJECTIONS:
        counts.stored_rejections += 1
        counts.pending_rejections.append(
            ImportRejection(
                batch=batch, position=position, identifier=identifier[:200], field=field[:100], reason=reason[:2000]
            )
        )


def _rejections_flush(batch: ImportBatch, counts: _Counts) -> None:
    if counts.pending_rejections:
        ImportRejection.objects.bulk_create(counts.pending_rejections)
        counts.pending_rejections = []


def _chunk_import(batch: ImportBatch, chunk: list[RightRecord | RejectedRecord], counts: _Counts) -> None:
    """Upsert one chunk in one transaction; if it fails, once more record by record."""
    start = counts.seen - counts.file_start
    counts.seen += len(chunk)
    cleaned: list[tuple[int, RightRecord]] = []
    for offset, record in enumerate(chunk, start=start + 1):
        if isinstance(record, RejectedRecord):
            _reject(
                batch,
                counts,
                position=record.position,
                identifier=record.identifier,
                reason=record.reason,
                field=record.field,
            )
            continue
        try:
            cleaned.append((offset, record_clean(record)))
        except RecordRefused as exc:
            _reject(batch, counts, position=offset, identifier=record.identifier, reason=exc.reason, field=exc.field)
    try:
        with transaction.atomic():
            outcome = _upsert(batch, [record for _position, record in cleaned])
            _rejections_flush(batch, counts)
    except (DatabaseError, ValueError, TypeError):
        logger.warning("register import %s: chunk failed, retrying record by record", batch.pk, exc_info=True)
        outcome = Outcome()
        for position, record in cleaned:
            try:
                with transaction.atomic():
                    outcome.add(_upsert(batch, [record]))
            except (DatabaseError, ValueError, TypeError) as exc:
                _reject(
                    batch,
                    counts,
                    position=position,
                    identifier=record.identifier,
                    reason=f"not stored: {exc}"[:2000],
                    field="",
                )
        with transaction.atomic():
            _rejections_flush(batch, counts)
    counts.created += len(outcome.created)
    counts.updated += len(outcome.updated)
    counts.unchanged += outcome.unchanged
    # The search index needs no call here: each process's index picks up changed rights at its next search.


def rights_import_records(*, records: Iterable[RightRecord | RejectedRecord], source: str, format: str) -> ImportBatch:
    """Import records that come from no file (a synthetic register, a test): one batch, in the foreground."""
    format = _clean_format(format, allowed=ImportFormat.values)
    with transaction.atomic():
        batch = ImportBatch.objects.create(format=format, source=source[:500], status=ImportStatus.RUNNING)
        batch.started_at = timezone.now()
        batch.save(update_fields=["started_at"])
        audit_record(
            action=AuditAction.RIGHTS_IMPORT_STARTED,
            actor=None,
            actor_label=SYSTEM_LABEL,
            organisation=operator_organisation(),
            subject=batch,
            details={"format": format, "source": source[:500]},
        )
    counts = _Counts()
    for chunk in _chunks(iter(records)):
        _chunk_import(batch, chunk, counts)
        _progress_save(batch, counts, bytes_done=0)
    return _batch_finish(batch, counts, error="")
