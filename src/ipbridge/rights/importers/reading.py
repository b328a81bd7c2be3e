"""Reading a register file for an import: in this process, or for a large file in a second process, so that
parsing (most of an import's work) runs beside the database writes instead of before each chunk of them.

The second process is forked (from a single-threaded process only): it inherits the parser and never touches
the database. Records come back in batches through a bounded queue, so memory stays flat however large the file
and however far the writer lags.
A file error in the parser (``ImportFileError``) is raised again here, after the records read before it.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import fields
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, BinaryIO, cast

from ipbridge.rights.importers import Parser
from ipbridge.rights.importers.common import CountingStream, ImportFileError
from ipbridge.rights.records import GoodsRecord, PartyRecord, RejectedRecord, RightRecord

__all__ = ["PARALLEL_MIN_BYTES", "FileRecords"]

# Below this size a second process costs more than it saves (and small files keep everything in one process).
PARALLEL_MIN_BYTES = 8 * 2**20
_BATCH = 250  # records per message between the processes
_QUEUED_BATCHES = 8  # at most this many batches wait for the writer
_POLL_SECONDS = 1.0

_Record = RightRecord | RejectedRecord


def _parallel_possible() -> bool:
    """Only a single-threaded, non-daemonic process forks: a lock held by another thread at the fork (in libxml2,
    say) would never be released in the child. The web process's embedded job thread parses in place."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return False
    if multiprocessing.current_process().daemon:
        return False
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cpus > 1


class FileRecords:
    """The records of one file, in file order; ``bytes_read`` tells how far the parser has read."""

    def __init__(self, parse: Parser, path: Path):
        self.parse = parse
        self.path = path
        self.bytes_read = 0

    def __iter__(self) -> Iterator[_Record]:
        if path_size(self.path) >= PARALLEL_MIN_BYTES and _parallel_possible():
            return self._forked()
        return self._here()

    def _here(self) -> Iterator[_Record]:
        with self.path.open("rb") as raw:
            stream = CountingStream(raw)
            for record in self.parse(cast(BinaryIO, stream)):
                self.bytes_read = stream.bytes_read
                yield record
            self.bytes_read = stream.bytes_read

    def _forked(self) -> Iterator[_Record]:
        context = multiprocessing.get_context("fork")
        channel: Any = context.Queue(maxsize=_QUEUED_BATCHES)
        process = context.Process(target=_produce, args=(self.parse, self.path, channel), daemon=True)
        process.start()
        try:
            while True:
                try:
                    kind, payload, bytes_read = channel.get(timeout=_POLL_SECONDS)
                except queue.Empty:
                    if not process.is_alive():
                        raise RuntimeError(
                            f"the parser process ended unexpectedly (exit code {process.exitcode})"
                        ) from None
                    continue
                if kind == "records":
                    self.bytes_read = bytes_read
                    yield from payload
                elif kind == "end":
                    self.bytes_read = bytes_read
                    return
                elif kind == "file_error":
                    raise ImportFileError(payload)
                else:
                    raise RuntimeError(f"the parser failed: {payload}")
        finally:
            if process.is_alive():
                process.terminate()
            process.join()
            channel.close()
            channel.join_thread()


def path_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _by_constructor(cls: type) -> Any:
    """A reducer that pickles a record as its class and field values: unpickled, the record is built by a plain
    constructor call, several times faster than the generic state restoring of slotted dataclasses."""
    names = tuple(field.name for field in fields(cls))

    def reduce(record: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, tuple([getattr(record, name) for name in names])

    return reduce


def _produce(parse: Parser, path: Path, channel: Any) -> None:
    """The second process: parse the file and send its records in batches, then how it ended."""
    for cls in (RightRecord, RejectedRecord, PartyRecord, GoodsRecord):
        ForkingPickler.register(cls, _by_constructor(cls))
    try:
        with path.open("rb") as raw:
            stream = CountingStream(raw)
            records: list[_Record] = []
            for record in parse(cast(BinaryIO, stream)):
                records.append(record)
                if len(records) >= _BATCH:
                    channel.put(("records", records, stream.bytes_read))
                    records = []
            if records:
                channel.put(("records", records, stream.bytes_read))
            channel.put(("end", None, stream.bytes_read))
    except ImportFileError as exc:
        channel.put(("file_error", str(exc), 0))
    except Exception as exc:  # noqa: BLE001 - reported to the importing process, which fails the batch
        channel.put(("error", f"{type(exc).__name__}: {exc}", 0))
    channel.close()
    channel.join_thread()
