"""Every write of batch scans (批量筛查): a marketplace sends listings, they are screened against the protected marks
of participating right holders, its risk-keyword catalogue, geographical indications and reference prices; the
flagged ones are kept and those at or over its alert threshold raise alerts.

Up to ``SYNC_LIMIT`` listings sent in a request are screened while it waits. More, or a file (JSON lines or CSV),
are screened in the background: the file is spooled as it arrives, one job reads it once into a prepared file and
cuts it into chunks, and workers screen the chunks side by side; each chunk adds its counts to the scan, and the one
that brings the count to the total finishes it."""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_system
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import ValidationFailed
from ipbridge.core.jobs import enqueue_after_commit
from ipbridge.core.uploads import upload_spool
from ipbridge.engine.screening import Result, Thresholds
from ipbridge.screening import tasks
from ipbridge.screening.alerts import alert_raise
from ipbridge.screening.catalogue import screener_for
from ipbridge.screening.flags import flags_json, watch_flag
from ipbridge.screening.models import (
    Alert,
    Scan,
    ScanChunk,
    ScannedItem,
    ScanSource,
    ScanStatus,
)
from ipbridge.screening.monitoring import watch_matcher
from ipbridge.screening.scans_input import (
    Item,
    Problem,
    Record,
    Rejected,
    csv_header,
    file_records,
    item_check,
    items_checked,
)
from ipbridge.screening.scans_selectors import ITEM_DETECTORS

logger = logging.getLogger(__name__)

SYNC_LIMIT = 1000
CHUNK_SIZE = 5000  # listings a worker screens at a time
CHUNK_BYTES = 32 * 1024 * 1024  # and at most this much of the prepared file
MAX_FILE_BYTES = 2 * 1024**3
MAX_REJECTIONS = 100  # rows of rejections a scan keeps: the first, by line
SCANNERS = (OrganisationKind.MARKETPLACE,)


def scans_dir() -> Path:
    """Where files wait to be screened; workers on other machines must see the same directory."""
    return Path(settings.MEDIA_ROOT) / "scans"


def require_scanner(actor: Actor) -> None:
    actor.require("screening:write")
    actor.require_kind(*SCANNERS)


@dataclass(frozen=True)
class ItemResult:
    """What screening said of one listing of a request: its result, its flags as kept (with those of the watches
    it matched), its level and its alert."""

    item: Item
    result: Result
    flags: list[dict[str, Any]]
    level: str
    alert_id: int | None


@dataclass(frozen=True)
class ScanOutcome:
    """A scan and, when it was screened while the request waited, each listing's result and each rejection."""

    scan: Scan
    results: list[ItemResult] | None = None
    rejected: list[Rejected] | None = None

    @property
    def finished(self) -> bool:
        return self.results is not None


# Screening and storing ----------------------------------------------------------------------------------------


@dataclass
class _Stored:
    """What a batch left: its kept listings and its alerts, by position."""

    kept: dict[int, ScannedItem]
    alerts: dict[int, Alert]


def _detectors(flags: list[dict[str, Any]]) -> list[str]:
    found = {flag.get("detector") for flag in flags}
    return [detector for detector in ITEM_DETECTORS if detector in found]


def _screen(marketplace: Organisation, items: Sequence[Item]) -> tuple[list[Result], Thresholds]:
    screener, thresholds = screener_for(marketplace)
    if not items:
        return [], thresholds
    results = screener.screen([item.listing(str(marketplace.pk)) for item in items])
    return list(results), thresholds


def _store(scan: Scan, items: Sequence[Item], results: Sequence[Result], thresholds: Thresholds) -> _Stored:
    """Keep the flagged listings and raise the alerts; call inside the transaction that counts them. A listing
    matching one of the marketplace's watches (重点监测) is kept and raises an alert whatever its score."""
    watches = watch_matcher(marketplace=scan.marketplace)
    flagged = []
    for item, result in zip(items, results, strict=True):
        watched = watches.matches(item.title, item.category, item.shop_id) if watches.watches else []
        if result.risk_score <= 0 and not watched:
            continue
        flags = flags_json(result) + [watch_flag(watch, field="title") for watch in watched]
        level = thresholds.level(result.risk_score) if result.risk_score > 0 else ""
        flagged.append(
            ScannedItem(
                scan=scan,
                position=item.position,
                listing_id=item.id,
                url=item.url,
                title=item.title,
                description=item.description,
                price_minor=item.price_minor,
                currency=item.currency,
                category=item.category,
                shop_id=item.shop_id,
                shop_name=item.shop_name,
                shop_domain=item.shop_domain,
                risk_score=result.risk_score,
                level=level or ("alert" if watched else ""),
                detectors=_detectors(flags),
                flags=flags,
            )
        )
    ScannedItem.objects.bulk_create(flagged)
    watches.hits_record()
    alerts: dict[int, Alert] = {}
    for scanned in flagged:
        if not scanned.level:
            continue
        alerts[scanned.position] = alert_raise(
            marketplace=scan.marketplace,
            level=scanned.level,
            risk_score=scanned.risk_score,
            flags=scanned.flags,
            title=scanned.title,
            scanned_item=scanned,
            listing_id=scanned.listing_id,
            url=scanned.url,
            shop_id=scanned.shop_id,
            shop_name=scanned.shop_name,
            category=scanned.category,
        )
    return _Stored(kept={scanned.position: scanned for scanned in flagged}, alerts=alerts)


def _rejection_rows(rejected: Sequence[Rejected]) -> list[dict[str, Any]]:
    return [row for r in rejected for row in r.rows()]


def _first_rejections(kept: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first ``MAX_REJECTIONS`` rows by line, whichever order the chunks finish in."""
    rows = sorted([*kept, *new], key=lambda row: int(row.get("line", 0)))
    return rows[:MAX_REJECTIONS]


# Screening while the request waits ------------------------------------------------------------------------------


def scan_listings(*, actor: Actor, items: Sequence[Any]) -> ScanOutcome:
    """A marketplace sends listings (JSON objects with id, title, description, url, price, currency, category,
    shop_id, shop_name, shop_domain). Up to ``SYNC_LIMIT`` are screened at once and answered one by one; listings
    that cannot be screened are rejected with their place, field and reason while the others are screened. More
    are queued as a background scan."""
    require_scanner(actor)
    if not items:
        raise ValidationFailed("required", _("Send at least one listing."), field="items")
    if len(items) > SYNC_LIMIT:
        return ScanOutcome(_scan_queue_items(actor, items))
    checked = [item_check(raw, position=position) for position, raw in enumerate(items, start=1)]
    valid = [c for c in checked if isinstance(c, Item)]
    rejected = [c for c in checked if isinstance(c, Rejected)]
    marketplace = actor.organisation
    results, thresholds = _screen(marketplace, valid)
    now = timezone.now()
    with transaction.atomic():
        scan = Scan.objects.create(
            marketplace=marketplace,
            source=ScanSource.API,
            status=ScanStatus.RUNNING,
            items_total=len(items),
            created_by=actor.user,
            created_by_label=actor.label,
            started_at=now,
        )
        audit_act(actor, AuditAction.SCAN_STARTED, subject=scan, source=ScanSource.API, items=len(items))
        stored = _store(scan, valid, results, thresholds)
        scan.items_done = len(items)
        scan.items_flagged = len(stored.kept)
        scan.items_rejected = len(rejected)
        scan.alerts_raised = len(stored.alerts)
        scan.rejections = _first_rejections([], _rejection_rows(rejected))
        scan.status = ScanStatus.DONE
        scan.finished_at = timezone.now()
        scan.save()
        audit_act(actor, AuditAction.SCAN_FINISHED, subject=scan, **_counts(scan))
    answers = [
        ItemResult(
            item,
            result,
            kept.flags if kept else flags_json(result),
            alert.level if alert else "",
            alert.pk if alert else None,
        )
        for item, result in zip(valid, results, strict=True)
        for kept, alert in [(stored.kept.get(item.position), stored.alerts.get(item.position))]
    ]
    return ScanOutcome(scan, results=answers, rejected=rejected)


def _counts(scan: Scan) -> dict[str, Any]:
    return {
        "items": scan.items_total,
        "flagged": scan.items_flagged,
        "rejected": scan.items_rejected,
        "alerts": scan.alerts_raised,
    }


# Queuing a background scan -----------------------------------------------------------------------------------------


def _format_of(file_name: str, head: bytes) -> str:
    """JSON lines or CSV, as the file's name says or else as its first bytes do; refused when it is neither."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    suffix = Path(file_name).suffix.lower()
    if suffix == ".csv" or (suffix not in (".jsonl", ".ndjson", ".json") and not text.startswith((b"{", b"["))):
        header = csv_header(text.split(b"\n", 1)[0])
        if "id" not in header or "title" not in header:
            raise ValidationFailed(
                "not_csv",
                _(
                    "A CSV file's first line must name its columns, among them id and title; a JSON-lines file "
                    "holds one JSON object per line."
                ),
                field="file",
            )
        return "csv"
    if not text.startswith(b"{"):
        raise ValidationFailed(
            "not_jsonl",
            _("A JSON-lines file holds one JSON object per line, not a JSON array or other text."),
            field="file",
        )
    return "jsonl"


def _queue(actor: Actor, spool: Path, *, format: str, source: str, file_name: str, **details: Any) -> Scan:
    """The scan of a spooled file, queued once the transaction commits."""
    directory = scans_dir()
    final: Path | None = None
    try:
        with transaction.atomic():
            scan = Scan.objects.create(
                marketplace=actor.organisation,
                source=source,
                file_name=file_name,
                status=ScanStatus.QUEUED,
                created_by=actor.user,
                created_by_label=actor.label,
            )
            scan.spool = f"{scan.pk}.upload.{format}"
            scan.save(update_fields=["spool"])
            final = directory / scan.spool
            spool.replace(final)
            audit_act(actor, AuditAction.SCAN_STARTED, subject=scan, source=source, format=format, **details)
            enqueue_after_commit(tasks.scan_prepare, scan.pk)
    except BaseException:
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return scan


def _spool_file() -> IO[bytes]:
    directory = scans_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(dir=directory, prefix="upload-", suffix=".part", delete=False)


def scan_upload(*, actor: Actor, upload: Any, file_name: str = "") -> Scan:
    """A marketplace sends a file of listings (JSON lines, or CSV whose first line names the columns): it is
    spooled as it arrives, never whole in memory, and screened in the background."""
    require_scanner(actor)
    file_name = (file_name or getattr(upload, "name", "") or "").strip()[:255]
    with _spool_file() as spool:
        path = Path(spool.name)
        try:
            spooled = upload_spool(upload, spool, limit=MAX_FILE_BYTES, field="file")
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    try:
        format = _format_of(file_name, spooled.head)
        return _queue(
            actor,
            path,
            format=format,
            source=ScanSource.UPLOAD,
            file_name=file_name,
            bytes=spooled.size,
            sha256=spooled.sha256,
        )
    finally:
        path.unlink(missing_ok=True)


def _scan_queue_items(actor: Actor, items: Sequence[Any]) -> Scan:
    """Listings of a request too many to screen while it waits, written as JSON lines and queued."""
    with _spool_file() as spool:
        path = Path(spool.name)
        try:
            for raw in items:
                spool.write(json.dumps(raw, ensure_ascii=False).encode() + b"\n")
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    try:
        return _queue(actor, path, format="jsonl", source=ScanSource.API, file_name="", items=len(items))
    finally:
        path.unlink(missing_ok=True)


# Running a background scan ---------------------------------------------------------------------------------------


def _prepared_line(record: Record) -> bytes:
    if record.problem is not None:
        problem = record.problem
        value: dict[str, Any] = {"p": record.position, "e": [problem.field, problem.code, problem.params]}
    else:
        value = {"p": record.position, "r": record.raw}
    return json.dumps(value, ensure_ascii=False).encode() + b"\n"


def _prepared_records(path: Path, start: int, end: int) -> Iterator[Record]:
    with path.open("rb") as prepared:
        prepared.seek(start)
        while prepared.tell() < end:
            line = prepared.readline()
            if not line:
                return
            value = json.loads(line)
            if "e" in value:
                field, code, params = value["e"]
                yield Record(value["p"], problem=Problem(field, code, params))
            else:
                yield Record(value["p"], raw=value["r"])


def _finish(scan_id: int, *, error: str = "") -> None:
    """Mark a scan done (or failed with ``error``) and remove its files once that commits; the audit log says so
    in the marketplace's log."""
    status = ScanStatus.FAILED if error else ScanStatus.DONE
    with transaction.atomic():
        changed = Scan.objects.filter(pk=scan_id, status__in=(ScanStatus.QUEUED, ScanStatus.RUNNING)).update(
            status=status, error=error, finished_at=timezone.now()
        )
        if not changed:
            return
        scan = Scan.objects.select_related("marketplace").get(pk=scan_id)
        audit_system(
            AuditAction.SCAN_FINISHED,
            organisations=[scan.marketplace],
            subject=scan,
            **_counts(scan),
            **({"error": error} if error else {}),
        )
        transaction.on_commit(lambda: _files_remove(scan))


def _files_remove(scan: Scan) -> None:
    directory = scans_dir()
    for name in {scan.spool, f"{scan.pk}.items.jsonl"} - {""}:
        (directory / name).unlink(missing_ok=True)


def scan_prepare(*, scan_id: int) -> Scan | None:
    """Read a queued scan's file once into a prepared file of one record per line, cut it into chunks and queue
    them. Delivered again, it queues the chunks not done yet."""
    scan = Scan.objects.filter(pk=scan_id).first()
    if scan is None or scan.status in (ScanStatus.DONE, ScanStatus.FAILED):
        return scan
    if scan.status == ScanStatus.RUNNING:
        for number in ScanChunk.objects.filter(scan=scan, done_at=None).values_list("number", flat=True):
            enqueue_after_commit(tasks.scan_chunk_run, scan.pk, number)
        return scan
    directory = scans_dir()
    raw = directory / scan.spool
    if not scan.spool or not raw.is_file():
        _finish(scan.pk, error=_("The file to screen is no longer there; send it again."))
        return scan
    prepared = directory / f"{scan.pk}.items.{secrets.token_hex(8)}.part"
    chunks: list[ScanChunk] = []
    total = 0
    try:
        with raw.open("rb") as source, prepared.open("wb") as out:
            start = offset = records = 0
            for record in file_records(source, format=raw.suffix.lstrip(".")):
                line = _prepared_line(record)
                out.write(line)
                offset += len(line)
                records += 1
                total += 1
                if records >= CHUNK_SIZE or offset - start >= CHUNK_BYTES:
                    chunks.append(
                        ScanChunk(scan=scan, number=len(chunks) + 1, start=start, end=offset, records=records)
                    )
                    start, records = offset, 0
            if records:
                chunks.append(ScanChunk(scan=scan, number=len(chunks) + 1, start=start, end=offset, records=records))
        with transaction.atomic():
            locked = Scan.objects.select_for_update().get(pk=scan.pk)
            if locked.status != ScanStatus.QUEUED:
                return locked  # another delivery of this job prepared it meanwhile
            prepared.replace(directory / f"{scan.pk}.items.jsonl")
            ScanChunk.objects.bulk_create(chunks)
            locked.status = ScanStatus.RUNNING
            locked.items_total = total
            locked.started_at = timezone.now()
            locked.save(update_fields=["status", "items_total", "started_at"])
            for chunk in chunks:
                enqueue_after_commit(tasks.scan_chunk_run, scan.pk, chunk.number)
        transaction.on_commit(lambda: raw.unlink(missing_ok=True))
        if total == 0:
            _finish(scan.pk)
        return locked
    except Exception:
        logger.exception("scan %s could not be prepared", scan.pk)
        _finish(scan.pk, error=_("The screening stopped on an unexpected error."))
        raise
    finally:
        prepared.unlink(missing_ok=True)


def scan_chunk_run(*, scan_id: int, number: int) -> None:
    """Screen one chunk of a running scan, store its flagged listings and alerts, add its counts to the scan; the
    chunk that completes the count finishes the scan. A chunk already done is left alone."""
    chunk = ScanChunk.objects.select_related("scan__marketplace").filter(scan_id=scan_id, number=number).first()
    if chunk is None or chunk.done_at is not None or chunk.scan.status != ScanStatus.RUNNING:
        return
    scan = chunk.scan
    path = scans_dir() / f"{scan.pk}.items.jsonl"
    try:
        if not path.is_file():
            _finish(scan.pk, error=_("The file to screen is no longer there; send it again."))
            return
        checked = list(items_checked(_prepared_records(path, chunk.start, chunk.end)))
        valid = [c for c in checked if isinstance(c, Item)]
        rejected = [c for c in checked if isinstance(c, Rejected)]
        results, thresholds = _screen(scan.marketplace, valid)
        with transaction.atomic():
            locked = ScanChunk.objects.select_for_update().get(pk=chunk.pk)
            if locked.done_at is not None:
                return
            stored = _store(scan, valid, results, thresholds)
            locked.done_at = timezone.now()
            locked.save(update_fields=["done_at"])
            Scan.objects.filter(pk=scan.pk).update(
                items_done=F("items_done") + len(checked),
                items_flagged=F("items_flagged") + len(stored.kept),
                items_rejected=F("items_rejected") + len(rejected),
                alerts_raised=F("alerts_raised") + len(stored.alerts),
            )
            if rejected:
                # The row is ours until commit since the update above, so no other chunk's rows are lost.
                kept = Scan.objects.filter(pk=scan.pk).values_list("rejections", flat=True).get()
                Scan.objects.filter(pk=scan.pk).update(
                    rejections=_first_rejections(list(kept or []), _rejection_rows(rejected))
                )
            complete = Scan.objects.filter(
                pk=scan.pk, status=ScanStatus.RUNNING, items_done__gte=F("items_total")
            ).exists()
            if complete:
                _finish(scan.pk)
    except Exception:
        logger.exception("chunk %s of scan %s failed", number, scan.pk)
        _finish(scan.pk, error=_("The screening stopped on an unexpected error."))
        raise
