"""Evidence ingest: files stored by SHA-256, and the transparency log's appends and proofs, beside peers measured
in the same run.

The file part (``ingest_benchmark``) stores a 1 GB file through ``ipbridge.evidence.blobs.blob_store`` (read in
1 MiB chunks, hashed, typed, spooled beside the store and linked into place) in a child process, alternately with
``sha256sum`` reading and hashing the same file from the page cache, and reports MB/s for both and the growth of
the child's peak memory, for that file and one ten times smaller.

The log part (``log_benchmark``) appends N evidence-like leaves (about 100 bytes of canonical JSON each) to
``ipbridge.engine.translog`` with a ``MemoryNodeStore``, in batches, and reports the time and the memory;
then single-leaf appends on top, as the platform makes them. It then times inclusion proofs for random
leaves, against the current size and against random earlier sizes, read from memory and from a plain
``sqlite3`` table of the same nodes (``(level, idx) PRIMARY KEY, hash BLOB``, one SELECT per proof).

Peers:

- the reference (RFC 9162's recursive definitions over the leaves) on a smaller log, where it is feasible;
- pymerkle (PyPI): ``InmemoryTree`` on that smaller log, and ``SqliteTree`` on N leaves, which stores the
  leaves only and computes subtree roots on demand behind an LRU cache. Skipped if it is not installed.

Every peer's roots and proofs are compared with ours on the way.

    .venv/bin/python benchmarks/evidence_ingest.py                    # 1 GB file, 10 M leaves
    .venv/bin/python benchmarks/evidence_ingest.py --leaves 1000000 --peer-leaves 10000
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ipbridge.engine.translog import (
    HASH_SIZE,
    Key,
    MemoryNodeStore,
    NodeReader,
    appended_nodes,
    inclusion_proof,
    leaf_hash,
    reference_inclusion,
    reference_root,
    root_hash,
    verify_inclusion,
)

SEED = 20270301
BATCH = 1 << 16


@dataclass
class Measure:
    name: str
    latencies: list[float] = field(default_factory=list)
    proof_bytes: list[int] = field(default_factory=list)
    note: str = ""

    def row(self) -> str:
        if not self.latencies:
            return f"{self.name:<46} {self.note}"
        ordered = sorted(self.latencies)

        def at(share: float) -> float:
            return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1e3

        size = f"{statistics.fmean(self.proof_bytes):.0f}" if self.proof_bytes else "-"
        mean = statistics.fmean(ordered) * 1e3
        return f"{self.name:<46} {mean:8.3f} {at(0.5):8.3f} {at(0.95):8.3f} {at(0.99):8.3f} {size:>7} {len(ordered):>6}"


def header() -> str:
    return f"{'method':<46} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'bytes':>7} {'n':>6}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def leaf_data(position: int) -> bytes:
    """An evidence leaf's canonical JSON, the size and shape the platform logs."""
    return b'{"id":%d,"sha256":"%064x","size":%d,"type":"evidence","v":1}' % (position, position * 7919, position)


def leaves(start: int, end: int) -> Iterator[bytes]:
    return (leaf_data(position) for position in range(start, end))


def timed(measure: Measure, calls: Sequence[Callable[[], list[bytes]]]) -> list[list[bytes]]:
    answers = []
    for call in calls:
        started = time.perf_counter()
        proof = call()
        measure.latencies.append(time.perf_counter() - started)
        measure.proof_bytes.append(len(proof) * HASH_SIZE)
        answers.append(proof)
    return answers


class SqliteNodes:
    """Nodes in a plain SQLite table, all the keys of one call fetched with one SELECT."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path)

    def load(self, store: MemoryNodeStore) -> None:
        self.connection.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
            " PRIMARY KEY (level, idx)) WITHOUT ROWID;"
        )
        level = 0
        while store.size >> level:
            count = store.size >> level
            for start in range(0, count, BATCH):
                keys = [(level, index) for index in range(start, min(count, start + BATCH))]
                found = store.nodes(keys)
                self.connection.executemany(
                    "INSERT INTO nodes VALUES (?, ?, ?)", ((lv, index, found[lv, index]) for lv, index in keys)
                )
            level += 1
        self.connection.commit()

    def nodes(self, keys: Collection[Key]) -> dict[Key, bytes]:
        # A join on VALUES searches the primary key once per key; "(level, idx) IN (VALUES ...)" scans the table.
        rows = ", ".join(["(?, ?)"] * len(keys))
        query = (
            f"SELECT n.level, n.idx, n.hash FROM (VALUES {rows}) AS k "  # noqa: S608 - placeholders only
            "JOIN nodes AS n ON n.level = k.column1 AND n.idx = k.column2"
        )
        arguments = [part for key in keys for part in key]
        return {(level, index): digest for level, index, digest in self.connection.execute(query, arguments)}


def build(size: int) -> tuple[MemoryNodeStore, float]:
    store = MemoryNodeStore()
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        store.append([leaf_hash(leaf) for leaf in leaves(start, min(size, start + BATCH))])
    return store, time.perf_counter() - started


def proof_calls(reader: NodeReader, picks: Sequence[tuple[int, int]]) -> list[Callable[[], list[bytes]]]:
    return [partial(inclusion_proof, index=index, size=size, reader=reader) for index, size in picks]


def ours(size: int, proofs: int, rng: random.Random, workdir: Path) -> MemoryNodeStore:
    gc.collect()
    before = peak_mb()
    store, seconds = build(size)
    print(
        f"translog: appended {size:,} leaves in batches of {BATCH:,} in {seconds:.1f} s "
        f"({size / seconds:,.0f} leaves/s, leaf hashing included); nodes {store.nbytes / 2**20:,.0f} MB "
        f"({store.nbytes / size:.0f} B/leaf); peak RSS {peak_mb():,.0f} MB (was {before:,.0f} MB)",
        flush=True,
    )
    single = Measure("single-leaf append (appended_nodes + put)")
    for position in range(size, size + 10_000):
        started = time.perf_counter()
        store.put(appended_nodes(size=position, leaf_hashes=[leaf_hash(leaf_data(position))], reader=store))
        single.latencies.append(time.perf_counter() - started)
    size = store.size

    current = [(rng.randrange(size), size) for _ in range(proofs)]
    historical = []
    for _ in range(proofs):
        earlier = rng.randrange(1, size + 1)
        historical.append((rng.randrange(earlier), earlier))
    memory_now = Measure(f"translog, memory, size {size:,}")
    memory_then = Measure("translog, memory, random earlier sizes")
    answers = timed(memory_now, proof_calls(store, current))
    timed(memory_then, proof_calls(store, historical))

    root = root_hash(size=size, reader=store)
    verifying = Measure("verify_inclusion (client side)")
    for (index, _), proof in zip(current, answers, strict=True):
        leaf = leaf_hash(leaf_data(index))
        started = time.perf_counter()
        assert verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=proof, root=root)
        verifying.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    database = SqliteNodes(workdir / "nodes.sqlite3")
    database.load(store)
    loading = time.perf_counter() - started
    megabytes = (workdir / "nodes.sqlite3").stat().st_size / 2**20
    print(f"sqlite3: {size:,} leaves' nodes loaded in {loading:.0f} s, {megabytes:,.0f} MB on disk", flush=True)
    sqlite_now = Measure(f"translog, sqlite3 table, size {size:,}")
    sqlite_then = Measure("translog, sqlite3 table, random earlier sizes")
    assert timed(sqlite_now, proof_calls(database, current)) == answers
    timed(sqlite_then, proof_calls(database, historical))
    database.connection.close()

    print(f"\ninclusion proofs on {size:,} leaves (random leaves, seed {SEED}; OS cache warm)")
    print(header())
    for measure in (memory_now, memory_then, sqlite_now, sqlite_then, verifying, single):
        print(measure.row())
    return store


def pymerkle_proof(tree: Any, index: int, size: int) -> list[bytes]:
    """pymerkle counts leaves from one and puts the leaf's own hash first in its path."""
    path: list[bytes] = tree.prove_inclusion(index + 1, size).path[1:]
    return path


def pymerkle_sqlite(store: MemoryNodeStore, proofs: int, rng: random.Random, workdir: Path) -> None:
    try:
        from pymerkle import SqliteTree  # type: ignore[import-untyped]
    except ImportError:
        print("pymerkle SqliteTree: skipped, pymerkle is not installed")
        return
    size = store.size
    tree = SqliteTree(str(workdir / "pymerkle.sqlite3"))
    started = time.perf_counter()
    tree.append_entries(leaves(0, size))
    loading = time.perf_counter() - started
    megabytes = (workdir / "pymerkle.sqlite3").stat().st_size / 2**20
    print(f"\npymerkle SqliteTree: {size:,} leaves appended in {loading:.0f} s, {megabytes:,.0f} MB on disk")
    started = time.perf_counter()
    assert tree.get_root(size) == root_hash(size=size, reader=store)
    print(f"pymerkle SqliteTree: first root in {time.perf_counter() - started:.1f} s (equal to ours)", flush=True)
    picks = [rng.randrange(size) for _ in range(proofs)]
    measure = Measure(f"pymerkle SqliteTree, size {size:,}")
    answers = timed(measure, [partial(pymerkle_proof, tree, index, size) for index in picks])
    for index, answer in zip(picks[:20], answers, strict=False):
        assert answer == inclusion_proof(index=index, size=size, reader=store)
    tree.close()
    print(header())
    print(measure.row())


def peers(size: int, proofs: int, reference_proofs: int, rng: random.Random) -> None:
    data = list(leaves(0, size))
    store, _ = build(size)
    picks = [rng.randrange(size) for _ in range(proofs)]
    ours_small = Measure(f"translog, memory, size {size:,}")
    answers = timed(ours_small, proof_calls(store, [(index, size) for index in picks]))

    reference = Measure(f"reference (recursive RFC 9162), size {size:,}")
    started = time.perf_counter()
    assert reference_root(data) == root_hash(size=size, reader=store)
    reference_root_seconds = time.perf_counter() - started
    checked = timed(reference, [partial(reference_inclusion, index, data) for index in picks[:reference_proofs]])
    assert checked == answers[:reference_proofs]

    rows = [ours_small, reference]
    try:
        from pymerkle import InmemoryTree
    except ImportError:
        rows.append(Measure("pymerkle InmemoryTree", note="skipped: pymerkle is not installed"))
    else:
        tree = InmemoryTree()
        started = time.perf_counter()
        for leaf in data:
            tree.append_entry(leaf)
        building = time.perf_counter() - started
        assert tree.get_root(size) == root_hash(size=size, reader=store)
        inmemory = Measure(f"pymerkle InmemoryTree, size {size:,}")
        theirs = timed(inmemory, [partial(pymerkle_proof, tree, index, size) for index in picks])
        assert theirs == answers
        rows.append(inmemory)
        print(f"\npymerkle InmemoryTree: {size:,} leaves appended one by one in {building:.1f} s")

    print(f"reference: one root of {size:,} leaves in {reference_root_seconds:.2f} s")
    print(f"\npeers on {size:,} leaves (the same random leaves; every proof equal to ours)")
    print(header())
    for measure in rows:
        print(measure.row())


def log_benchmark(leaves: int, *, proofs: int = 10_000, peer_leaves: int = 100_000, peer_proofs: int = 100) -> None:
    """Append ``leaves`` leaves, time proofs from memory and SQLite, and the peers beside them."""
    print(f"transparency log benchmark, {leaves:,} leaves, {os.cpu_count()} cores, seed {SEED}", flush=True)
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="ipbridge-translog-") as directory:
        workdir = Path(directory)
        store = ours(leaves, proofs, rng, workdir)
        pymerkle_sqlite(store, peer_proofs, rng, workdir)
    del store
    gc.collect()
    peers(min(peer_leaves, leaves), proofs, 50, rng)


# The file part runs in child processes, so that each one's peak memory is its own.
_INGEST_CHILD = """
import os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipbridge.config.settings")
import django
django.setup()
from ipbridge.evidence.blobs import blob_store
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
with open(sys.argv[1], "rb") as source:
    blob = blob_store(source)
elapsed = time.perf_counter() - started
print(elapsed, blob.sha256, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _sample_file(path: Path, size: int) -> None:
    """A video recording of ``size`` bytes, as far as its type is concerned: an MP4 ``ftyp`` box, then noise."""
    block = random.Random(7).randbytes(1 << 20)
    block = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + block[24:]
    with path.open("wb") as out:
        for written in range(0, size, len(block)):
            out.write(block[: size - written] if size - written < len(block) else block)
            block = block[:24] + block[25:] + block[24:25]


PEERS = {
    "sha256sum": ["sha256sum"],
    "openssl dgst -sha256": ["openssl", "dgst", "-sha256", "-r"],
}


def _peer(command: list[str], path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([*command, str(path)], check=True, capture_output=True, text=True)  # noqa: S603
    return time.perf_counter() - started, done.stdout.split()[0]


def _ours(path: Path, workdir: Path) -> tuple[float, str, float]:
    """Seconds, SHA-256 and the growth of peak memory (MB) of one ``blob_store`` of the file into a fresh store."""
    store = Path(tempfile.mkdtemp(dir=workdir))
    environment = {**os.environ, "EVIDENCE_ROOT": str(store), "EVIDENCE_MAX_BYTES": str(1 << 40)}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _INGEST_CHILD, str(path), str(store)],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    )
    elapsed, sha256, before, after = done.stdout.split()
    shutil.rmtree(store)
    return float(elapsed), sha256, (int(after) - int(before)) / 1024


def ingest_benchmark(megabytes: int, *, rounds: int = 3) -> None:
    """Store a file of ``megabytes`` MB as evidence (read, hash, type, spool beside the store, link into place)
    beside ``sha256sum`` and ``openssl dgst`` reading and hashing the same file, in turn, best of ``rounds`` each;
    then the peak memory of a file ten times smaller, to show it does not grow with the file."""
    peers = {name: command for name, command in PEERS.items() if shutil.which(command[0])}
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        sample = workdir / "sample.bin"
        size = megabytes * 10**6
        _sample_file(sample, size)
        _peer(PEERS["sha256sum"], sample)  # the file in the page cache for everyone
        ours: list[tuple[float, str, float]] = []
        peer_runs: dict[str, list[tuple[float, str]]] = {name: [] for name in peers}
        for _ in range(rounds):
            for name, command in peers.items():
                peer_runs[name].append(_peer(command, sample))
            ours.append(_ours(sample, workdir))
        digests = {d for _t, d, _m in ours} | {d for runs in peer_runs.values() for _t, d in runs}
        if len(digests) != 1:
            raise SystemExit(f"the SHA-256 differ between the methods: {sorted(digests)}")
        small = workdir / "small.bin"
        _sample_file(small, size // 10)
        small_peak = _ours(small, workdir)[2]
    best_ours = min(t for t, _d, _m in ours)
    runs = ", ".join(f"{t:.2f}" for t, _d, _m in ours)
    print(f"\nfile ingest, {megabytes:,} MB, best of {rounds} (runs of ours: {runs} s)")
    print(f"{'method':<48}{'seconds':>9}{'MB/s':>9}{'peak +MB':>10}")
    best = {name: min(t for t, _d in runs_) for name, runs_ in peer_runs.items()}
    for name, seconds in best.items():
        print(f"{name + ' (read and hash only)':<48}{seconds:>9.2f}{size / 1e6 / seconds:>9.0f}{'-':>10}")
    print(
        f"{'blob_store (read, hash, type, write, link)':<48}{best_ours:>9.2f}{size / 1e6 / best_ours:>9.0f}"
        f"{max(m for _t, _d, m in ours):>10.1f}"
    )
    print(f"{'blob_store, a file ten times smaller':<48}{'':>9}{'':>9}{small_peak:>10.1f}")
    for name, seconds in best.items():
        print(f"ours against {name}: {seconds / best_ours:.0%} of its speed (target: at least 80% of sha256sum)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--leaves", type=int, default=10_000_000, help="leaves in the log")
    parser.add_argument("--proofs", type=int, default=10_000, help="proofs timed per series")
    parser.add_argument("--peer-leaves", type=int, default=100_000, help="leaves for the reference and pymerkle")
    parser.add_argument("--peer-proofs", type=int, default=100, help="proofs timed on pymerkle's SqliteTree")
    parser.add_argument("--skip-log", action="store_true", help="leave out the transparency log benchmark")
    parser.add_argument("--file-mb", type=int, default=1000, help="size of the file ingested, in MB")
    parser.add_argument("--skip-file", action="store_true", help="leave out the file ingest benchmark")
    arguments = parser.parse_args()
    if not arguments.skip_file:
        ingest_benchmark(arguments.file_mb)
    if not arguments.skip_log:
        log_benchmark(
            arguments.leaves,
            proofs=arguments.proofs,
            peer_leaves=arguments.peer_leaves,
            peer_proofs=arguments.peer_proofs,
        )


if __name__ == "__main__":
    main()
