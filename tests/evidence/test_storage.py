"""The evidence store: files kept under their SHA-256, streamed, deduplicated, typed by their bytes, refused
without a trace, checked against tampering — on a local directory and on S3-compatible object storage."""

from __future__ import annotations

import hashlib
import io
import struct
import tempfile
import tracemalloc
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from storages.backends.s3 import S3Storage

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError, PayloadTooLarge, ValidationFailed
from ipbridge.engine.evidence_package import package_verify
from ipbridge.evidence import log, services
from ipbridge.evidence.blobs import blob_digest, blob_name, blob_store, evidence_storage
from ipbridge.evidence.models import Evidence
from ipbridge.identity.signing import published_jwks
from tests.evidence.s3server import LocalS3, local_s3, storage_settings
from tests.factories import member

pytestmark = pytest.mark.django_db

MiB = 2**20
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm\x42\x87\x81\x04" + bytes(64)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(104)
NOISE = b"".join(hashlib.sha256(bytes([n])).digest() for n in range(256))  # 8 KiB that do not compress
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(112)


def _actor() -> Actor:
    return actor_for_system(member(OrganisationKind.RIGHT_HOLDER).organisation)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class GeneratedUpload:
    """A binary file whose bytes come from a generator as they are read: never all in memory at once."""

    def __init__(self, blocks: Iterable[bytes], name: str = "recording.bin") -> None:
        self.name = name
        self._blocks = iter(blocks)
        self._pending: list[bytes] = []
        self._pending_size = 0

    def read(self, size: int) -> bytes:
        while self._pending_size < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self._pending.append(block)
            self._pending_size += len(block)
        data = b"".join(self._pending)
        self._pending = [data[size:]] if len(data) > size else []
        self._pending_size = len(data) - size if len(data) > size else 0
        return data[:size]


def _recording_blocks(total: int, *, fail_after: int | None = None) -> Iterator[bytes]:
    """An MP4 head and then ``total`` bytes in 64 KiB blocks; the connection drops after ``fail_after`` bytes."""
    yield MP4
    sent = 0
    block = bytes(range(256)) * 256
    while sent < total:
        if fail_after is not None and sent >= fail_after:
            raise ConnectionResetError("the client went away")
        yield block
        sent += len(block)


def _recording_sha256(total: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for block in _recording_blocks(total):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def _zip(entries: Iterable[tuple[str, Iterable[bytes]]], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, blocks in entries:
            with archive.open(name, "w", force_zip64=True) as entry:
                for block in blocks:
                    entry.write(block)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """50 MiB of zeros, packed into some 50 KiB."""
    return _zip([("zeros.bin", (bytes(MiB) for _ in range(50)))])


def _zip_corrupt_stream(method: int) -> bytes:
    """An archive whose directory is intact but whose packed bytes are garbled, past the first 16 (which hold
    LZMA's properties)."""
    data = bytearray(_zip([("page.html", [b"<html>" + b"listing " * 2000])], method=method))
    name_length, extra_length = struct.unpack_from("<HH", data, 26)
    start = 30 + name_length + extra_length + 16
    for index in range(start, start + 32):
        data[index] ^= 0xFF
    return bytes(data)


# Local store ---------------------------------------------------------------------------------------------------


def _root() -> Path:
    storage = evidence_storage()
    assert isinstance(storage, FileSystemStorage)
    return Path(storage.location)


def _stored() -> list[str]:
    """The files in the store, by name, leaving out the spool."""
    root = _root()
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".incoming" not in path.relative_to(root).parts
    )


def _spooled() -> list[str]:
    spool = _root() / ".incoming"
    return sorted(path.name for path in spool.iterdir()) if spool.exists() else []


def test_a_file_is_stored_under_its_sha256_with_its_exact_bytes() -> None:
    blob = blob_store(PNG)

    sha256 = _sha256(PNG)
    assert blob.storage_name == f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
    assert (blob.sha256, blob.size, blob.content_type, blob.new) == (sha256, len(PNG), "image/png", True)
    assert _stored() == [blob.storage_name]
    assert (_root() / blob.storage_name).read_bytes() == PNG
    assert _spooled() == []


def test_the_same_bytes_twice_are_stored_once_and_referenced_by_both_items() -> None:
    actor = _actor()

    first = blob_store(PDF)
    second = blob_store(PDF)
    one = services.evidence_add(actor=actor, name="report.pdf", upload=PDF)
    two = services.evidence_add(actor=actor, name="copy.pdf", upload=PDF)

    assert (first.new, second.new) == (True, False)
    assert first.storage_name == second.storage_name == one.storage_name == two.storage_name
    assert one.pk != two.pk
    assert _stored() == [first.storage_name]
    assert _spooled() == []


def test_a_large_file_is_streamed_with_flat_memory() -> None:
    total = 20 * MiB
    sha256, size = _recording_sha256(total)
    upload = GeneratedUpload(_recording_blocks(total))

    tracemalloc.start()
    try:
        blob = blob_store(upload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 4 * MiB, f"peak {peak / MiB:.1f} MiB for a {size / MiB:.0f} MiB file"
    assert (blob.sha256, blob.size, blob.content_type) == (sha256, size, "video/mp4")
    assert blob_digest(blob.storage_name) == (sha256, size)
    assert _spooled() == []


REFUSALS = [
    pytest.param(lambda: b"", {}, ValidationFailed, "empty_file", id="empty"),
    pytest.param(lambda: PNG + bytes(2000), {"EVIDENCE_MAX_BYTES": 1024}, PayloadTooLarge, "file_too_large", id="big"),
    pytest.param(lambda: ELF, {}, ValidationFailed, "unsupported_file_type", id="elf"),
    pytest.param(lambda: WINDOWS_PROGRAM, {}, ValidationFailed, "unsupported_file_type", id="windows-program"),
    pytest.param(lambda: b"listing 123\x00sold", {}, ValidationFailed, "unsupported_file_type", id="text-with-nul"),
    pytest.param(
        _zip_bomb,
        {"EVIDENCE_ZIP_MAX_BYTES": 10 * MiB},
        PayloadTooLarge,
        "archive_too_large_unpacked",
        id="zip-bomb",
    ),
    pytest.param(
        lambda: _zip((f"capture-{n}.png", [PNG]) for n in range(6)),
        {"EVIDENCE_ZIP_MAX_ENTRIES": 5},
        ValidationFailed,
        "archive_too_many_entries",
        id="zip-too-many-entries",
    ),
    pytest.param(
        lambda: _zip([("photo.png", [PNG, NOISE])])[:4096],
        {},
        ValidationFailed,
        "archive_unreadable",
        id="zip-truncated",
    ),
    pytest.param(
        lambda: _zip_corrupt_stream(zipfile.ZIP_DEFLATED),
        {},
        ValidationFailed,
        "archive_unreadable",
        id="zip-garbled-deflate",
    ),
    pytest.param(
        lambda: _zip_corrupt_stream(zipfile.ZIP_LZMA),
        {},
        ValidationFailed,
        "archive_unreadable",
        id="zip-garbled-lzma",
    ),
]


@pytest.mark.parametrize(("content", "overrides", "error", "code"), REFUSALS)
def test_a_refused_file_leaves_nothing_behind(
    settings: Any, content: Any, overrides: dict[str, int], error: type[ApplicationError], code: str
) -> None:
    for name, value in overrides.items():
        setattr(settings, name, value)
    data = content()

    with pytest.raises(error) as refused:
        blob_store(data, field="file")

    assert type(refused.value) is error
    assert (refused.value.code, refused.value.field) == (code, "file")
    assert _stored() == []
    assert _spooled() == []


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        pytest.param(b"<!DOCTYPE html>\n<html><body>Fake watches</body></html>", "page.txt", "text/html", id="html"),
        pytest.param("Listing 123 sells “Rolex” watches.\n".encode(), "notes.html", "text/plain", id="text"),
        pytest.param(b"a" * 8190 + "仿冒手表".encode() * 10, "notes.txt", "text/plain", id="text-cut-mid-character"),
        pytest.param(b"BMW parts, listing 123", "notes.bmp", "text/plain", id="text-like-a-bitmap"),
        pytest.param(b"MZ-2000 replica, listing 9", "notes.exe", "text/plain", id="text-like-a-program"),
        pytest.param(PNG, "photo.pdf", "image/png", id="png"),
        pytest.param(JPEG, "photo.png", "image/jpeg", id="jpeg"),
        pytest.param(PDF, "report.html", "application/pdf", id="pdf"),
        pytest.param(MP4, "clip.webm", "video/mp4", id="mp4"),
        pytest.param(WEBM, "clip.mp4", "video/webm", id="webm"),
    ],
)
def test_a_file_is_typed_by_its_bytes_whatever_its_name_says(data: bytes, name: str, expected: str) -> None:
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")

    item = services.evidence_add(actor=_actor(), upload=upload)

    assert (item.name, item.content_type, item.sha256, item.size) == (name, expected, _sha256(data), len(data))


def test_a_text_beginning_like_a_bitmap_is_added_as_text() -> None:
    item = services.evidence_add(actor=_actor(), name="seen", text="BMW wheels sold without licence")

    assert (item.kind, item.content_type) == ("text", "text/plain")
    assert (_root() / item.storage_name).read_bytes() == b"BMW wheels sold without licence"


def test_an_upload_interrupted_midway_leaves_nothing_behind() -> None:
    actor = _actor()
    size_before = log.log_size()
    upload = GeneratedUpload(_recording_blocks(10 * MiB, fail_after=3 * MiB))

    with pytest.raises(ConnectionResetError):
        services.evidence_add(actor=actor, name="recording.mp4", upload=upload)

    assert _stored() == []
    assert _spooled() == []
    assert Evidence.objects.count() == 0
    assert log.log_size() == size_before


def _failing_write(*args: Any, **kwargs: Any) -> Evidence:
    raise IntegrityError("the row could not be written")


def test_a_failed_database_write_removes_the_new_file(monkeypatch: pytest.MonkeyPatch) -> None:
    actor = _actor()
    monkeypatch.setattr(services, "_evidence_write", _failing_write)

    with pytest.raises(IntegrityError):
        services.evidence_add(actor=actor, name="photo.png", upload=PNG)

    assert _stored() == []
    assert _spooled() == []


def test_a_failed_database_write_keeps_a_file_another_item_references(monkeypatch: pytest.MonkeyPatch) -> None:
    actor = _actor()
    kept = services.evidence_add(actor=actor, name="photo.png", upload=PNG)
    monkeypatch.setattr(services, "_evidence_write", _failing_write)

    with pytest.raises(IntegrityError):
        services.evidence_add(actor=actor, name="again.png", upload=PNG)

    assert _stored() == [kept.storage_name]
    assert (_root() / kept.storage_name).read_bytes() == PNG


def test_bytes_placed_by_another_upload_meanwhile_are_not_new(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the upload that loses the race is told its bytes are not new, so that a failed database write
    of its own does not delete the winner's file."""
    first = blob_store(PNG)
    monkeypatch.setattr(FileSystemStorage, "exists", lambda self, name: False)

    second = blob_store(PNG)

    assert (first.new, second.new) == (True, False)
    assert second.storage_name == first.storage_name
    assert _stored() == [first.storage_name]
    assert _spooled() == []


def test_a_stored_file_changed_on_disk_is_reported() -> None:
    item = services.evidence_add(actor=_actor(), name="photo.png", upload=PNG)
    path = _root() / item.storage_name
    data = bytearray(path.read_bytes())
    data[20] ^= 0x01
    path.write_bytes(bytes(data))

    report = log.log_check(files=True)

    assert report.problems == [f"evidence {item.pk}: the stored file no longer has the SHA-256 it was added with"]


def test_a_stored_file_deleted_from_disk_is_reported() -> None:
    item = services.evidence_add(actor=_actor(), name="photo.png", upload=PNG)
    (_root() / item.storage_name).unlink()

    report = log.log_check(files=True)

    assert report.problems == [f"evidence {item.pk}: its file is missing from the store"]


# S3-compatible object storage ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server() -> Iterator[LocalS3]:
    with local_s3() as s3:
        yield s3


@pytest.fixture
def bucket(settings: Any, s3_server: LocalS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket as the evidence store, with the spool in a directory of the test's own."""
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    s3_server.bucket_create(name)
    storages = dict(settings.STORAGES)
    storages["evidence"] = storage_settings(s3_server, name)
    settings.STORAGES = storages
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    assert isinstance(evidence_storage(), S3Storage)
    yield name
    assert list(spool.iterdir()) == [], "a spool file was left behind"


def test_s3_a_file_is_stored_under_its_sha256_once(s3_server: LocalS3, bucket: str) -> None:
    actor = _actor()
    client = s3_server.client()

    one = services.evidence_add(actor=actor, name="report.pdf", upload=PDF)
    two = services.evidence_add(actor=actor, name="copy.pdf", upload=PDF)

    name = blob_name(_sha256(PDF))
    assert one.storage_name == two.storage_name == name
    assert s3_server.keys(bucket) == [name]
    assert client.head_object(Bucket=bucket, Key=name)["ContentLength"] == len(PDF)
    assert client.get_object(Bucket=bucket, Key=name)["Body"].read() == PDF


def test_s3_a_large_file_is_stored_and_read_back_with_flat_memory(s3_server: LocalS3, bucket: str) -> None:
    """Regression: an upload held several of its 8 MiB parts in memory at once, and a file read back (checked,
    downloaded, exported) was held whole."""
    total = 40 * MiB
    sha256, size = _recording_sha256(total)
    upload = GeneratedUpload(_recording_blocks(total))
    evidence_storage().exists("warm-up")  # the client loads its service description once, outside the measure

    tracemalloc.start()
    try:
        blob = blob_store(upload)
        _, store_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = blob_digest(blob.storage_name)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (blob.sha256, blob.size, blob.content_type) == (sha256, size, "video/mp4")
    assert s3_server.keys(bucket) == [blob_name(sha256)]
    assert digest == (sha256, size)
    assert store_peak < 16 * MiB, f"peak {store_peak / MiB:.1f} MiB to store a {size / MiB:.0f} MiB file"
    assert read_peak < 16 * MiB, f"peak {read_peak / MiB:.1f} MiB to read a {size / MiB:.0f} MiB file"


def test_s3_an_item_is_opened_exported_and_checked(bucket: str) -> None:
    actor = _actor()
    item = services.evidence_add(actor=actor, name="photo.png", upload=PNG)

    opened, stored = services.evidence_open(actor=actor, evidence_id=item.pk)
    with stored:
        content = stored.read()
    package = io.BytesIO()
    services.evidence_export(actor=actor, evidence_ids=[item.pk], out=package)
    package.seek(0)
    report = package_verify(package, keys=published_jwks())
    check = log.log_check(files=True)

    assert (opened.pk, content) == (item.pk, PNG)
    assert report.ok, report.failures
    assert report.items == 1
    assert (check.ok, check.files) == (True, 1), check.problems


def test_s3_an_object_overwritten_in_the_bucket_is_reported(s3_server: LocalS3, bucket: str) -> None:
    item = services.evidence_add(actor=_actor(), name="photo.png", upload=PNG)
    s3_server.client().put_object(Bucket=bucket, Key=item.storage_name, Body=JPEG)

    report = log.log_check(files=True)

    assert report.problems == [f"evidence {item.pk}: the stored file no longer has the SHA-256 it was added with"]


def test_s3_an_object_deleted_from_the_bucket_is_reported(s3_server: LocalS3, bucket: str) -> None:
    item = services.evidence_add(actor=_actor(), name="photo.png", upload=PNG)
    s3_server.client().delete_object(Bucket=bucket, Key=item.storage_name)

    report = log.log_check(files=True)

    assert report.problems == [f"evidence {item.pk}: its file is missing from the store"]


def test_s3_a_refused_file_leaves_no_object(settings: Any, s3_server: LocalS3, bucket: str) -> None:
    settings.EVIDENCE_ZIP_MAX_BYTES = 10 * MiB
    actor = _actor()

    with pytest.raises(PayloadTooLarge):
        services.evidence_add(actor=actor, name="archive.zip", upload=_zip_bomb())
    with pytest.raises(ValidationFailed):
        services.evidence_add(actor=actor, name="tool.exe", upload=WINDOWS_PROGRAM)
    with pytest.raises(ConnectionResetError):
        services.evidence_add(actor=actor, upload=GeneratedUpload(_recording_blocks(8 * MiB, fail_after=3 * MiB)))

    assert s3_server.keys(bucket) == []
    assert Evidence.objects.count() == 0


def test_s3_a_failed_database_write_removes_the_new_object(
    s3_server: LocalS3, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = _actor()
    kept = services.evidence_add(actor=actor, name="photo.png", upload=PNG)
    monkeypatch.setattr(services, "_evidence_write", _failing_write)

    with pytest.raises(IntegrityError):
        services.evidence_add(actor=actor, name="report.pdf", upload=PDF)
    with pytest.raises(IntegrityError):
        services.evidence_add(actor=actor, name="again.png", upload=PNG)

    assert s3_server.keys(bucket) == [kept.storage_name]


def test_s3_bytes_placed_by_another_upload_meanwhile_leave_no_second_object(
    s3_server: LocalS3, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the storage does not overwrite, so the upload that lost the race was saved under a name of its
    own that nothing referenced, and was told its bytes were new."""
    first = blob_store(PNG)
    exists = S3Storage.exists
    asked: list[str] = []

    def exists_before_the_other_copy_arrived(self: S3Storage, name: str) -> bool:
        asked.append(name)
        return len(asked) > 1 and exists(self, name)

    monkeypatch.setattr(S3Storage, "exists", exists_before_the_other_copy_arrived)

    second = blob_store(PNG)

    assert (first.new, second.new) == (True, False)
    assert s3_server.keys(bucket) == [first.storage_name]
