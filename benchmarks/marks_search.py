"""Similar-mark search: IPBridge's index against PostgreSQL pg_trgm and exhaustive RapidFuzz, in one run.

For each size, the script generates that many synthetic register marks (``ipbridge.engine.synthetic``, a
fixed seed), builds a ``MarkIndex`` from them and times searches for perturbed copies of randomly chosen
marks (typos, homoglyphs, leetspeak, spacing, word order, a longer name). Ground truth is the top 10 of
the exhaustive ``ReferenceMatcher``, computed for a sample of the queries; recall@10 is the share of those
marks that a method returns in its own top 10.

The peers get the marks normalised (``ipbridge.engine.text.normalise``: case, accents, homoglyphs,
traditional Chinese) and each query normalised the same way:

- RapidFuzz: ``process.extract(query, marks, scorer=fuzz.ratio, limit=10)`` over every mark;
- PostgreSQL pg_trgm: a throw-away database on 127.0.0.1:5432 (user postgres), the marks copied into a
  table with a GIN ``gin_trgm_ops`` index, ``SET pg_trgm.similarity_threshold = 0.5``, and
  ``WHERE mark % q ORDER BY similarity(mark, q) DESC LIMIT 10``. Skipped if the server cannot be reached.

    .venv/bin/python benchmarks/marks_search.py                       # 1 M and 10 M marks
    .venv/bin/python benchmarks/marks_search.py --sizes 100000 --queries 300 --truth 100
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from ipbridge.engine.marks import Mark, MarkIndex, ReferenceMatcher
from ipbridge.engine.synthetic import marks as synthetic_marks
from ipbridge.engine.synthetic import perturb
from ipbridge.engine.text import normalise

SEED = 20261122


@dataclass
class Measure:
    name: str
    latencies: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    note: str = ""

    def row(self) -> str:
        if not self.latencies:
            return f"{self.name:<34} {self.note}"
        ordered = sorted(self.latencies)
        p50 = ordered[len(ordered) // 2]
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        recall = f"{statistics.fmean(self.recalls):.3f}" if self.recalls else "-"
        mean = statistics.fmean(ordered)
        return f"{self.name:<34} {mean * 1e3:9.2f} {p50 * 1e3:9.2f} {p95 * 1e3:9.2f} {recall:>9} {len(ordered):>6}"


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recall(found: Sequence[int], truth: Sequence[int]) -> float:
    return len(set(found) & set(truth)) / len(truth)


def timed(function: Callable[[str], list[int]], queries: Sequence[str], measure: Measure) -> list[list[int]]:
    answers = []
    for query in queries:
        started = time.perf_counter()
        answers.append(function(query))
        measure.latencies.append(time.perf_counter() - started)
    return answers


def score_recall(measure: Measure, answers: Sequence[list[int]], truths: Sequence[list[int]]) -> None:
    measure.recalls = [recall(answer, truth) for answer, truth in zip(answers, truths, strict=True) if truth]


def pg_trgm(
    texts_path: Path, sample: Sequence[str], truths: Sequence[list[int]], size: int, dsn: str
) -> tuple[Measure, str]:
    measure = Measure("PostgreSQL pg_trgm (GIN, % 0.5)")
    try:
        import psycopg

        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except Exception as error:  # noqa: BLE001 - any failure to connect means the peer is skipped
        measure.note = f"skipped: PostgreSQL unreachable ({type(error).__name__})"
        return measure, ""
    database = f"ipbridge_bench_{os.getpid()}"
    admin.execute(f"CREATE DATABASE {database}")
    try:
        with psycopg.connect(f"{dsn} dbname={database}", autocommit=True) as connection:
            connection.execute("CREATE EXTENSION pg_trgm")
            connection.execute("CREATE TABLE marks (id bigint, mark text)")
            started = time.perf_counter()
            with connection.cursor().copy("COPY marks (id, mark) FROM STDIN") as copy, texts_path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            connection.execute("SET maintenance_work_mem = '1GB'")
            connection.execute("CREATE INDEX marks_trgm ON marks USING gin (mark gin_trgm_ops)")
            connection.execute("ANALYZE marks")
            load = time.perf_counter() - started
            connection.execute("SET pg_trgm.similarity_threshold = 0.5")
            statement = "SELECT id FROM marks WHERE mark %% %s ORDER BY similarity(mark, %s) DESC, id LIMIT 10"

            def search(query: str) -> list[int]:
                q = normalise(query)
                return [row[0] for row in connection.execute(statement, (q, q))]

            search(sample[0])
            score_recall(measure, timed(search, sample, measure), truths)
            size_row = connection.execute("SELECT pg_relation_size('marks_trgm')").fetchone()
            index_mb = (size_row[0] if size_row else 0) / 2**20
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()
    return measure, f"pg_trgm: copy + GIN build {load:.0f} s for {size:,} marks, GIN index {index_mb:,.0f} MB"


def reference_truths(raw_path: Path, sample: Sequence[str]) -> tuple[Measure, list[list[int]]]:
    started = time.perf_counter()
    with raw_path.open(encoding="utf-8") as raw:
        reference = ReferenceMatcher(
            Mark(int(mark_id), text) for mark_id, text in (line[:-1].split("\t", 1) for line in raw)
        )
    print(f"reference: built in {time.perf_counter() - started:.0f} s", flush=True)
    exhaustive = Measure("exhaustive reference (ground truth)")
    truths = timed(lambda q: [hit.id for hit in reference.search(q)], sample, exhaustive)
    exhaustive.recalls = [1.0 for truth in truths if truth]
    return exhaustive, truths


def rapidfuzz_peer(texts_path: Path, sample: Sequence[str], truths: Sequence[list[int]]) -> Measure:
    with texts_path.open(encoding="utf-8") as texts:
        rows = [line[:-1].split("\t", 1) for line in texts]
    ids = [int(mark_id) for mark_id, _ in rows]
    choices = [text for _, text in rows]
    del rows
    fuzzy = Measure("RapidFuzz extract, fuzz.ratio, all")

    def search(query: str) -> list[int]:
        return [ids[at] for _, _, at in process.extract(normalise(query), choices, scorer=fuzz.ratio, limit=10)]

    score_recall(fuzzy, timed(search, sample, fuzzy), truths)
    return fuzzy


def run(size: int, query_count: int, truth_count: int, dsn: str) -> None:
    print(f"\n== {size:,} synthetic marks ==", flush=True)
    rng = random.Random(SEED + size)
    picks = set(rng.sample(range(size), query_count))
    sources: list[str] = []
    generating = 0.0
    workdir = Path(tempfile.mkdtemp(prefix="ipbridge-marks-"))
    texts_path = workdir / "marks.tsv"
    raw_path = workdir / "raw.tsv"

    def stream() -> Iterator[Mark]:
        nonlocal generating
        generated = synthetic_marks(size, seed=SEED)
        with texts_path.open("w", encoding="utf-8") as texts, raw_path.open("w", encoding="utf-8") as raw:
            for position in range(size):
                started = time.perf_counter()
                mark = next(generated)
                texts.write(f"{mark.id}\t{normalise(mark.text)}\n")
                raw.write(f"{mark.id}\t{mark.text}\n")
                generating += time.perf_counter() - started
                if position in picks:
                    sources.append(mark.text)
                yield mark

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    index = MarkIndex(stream())
    build = time.perf_counter() - started - generating
    gc.collect()
    after = rss_mb()
    print(
        f"index: built in {build:.0f} s (plus {generating:.0f} s generating and writing marks); "
        f"arrays {index.nbytes / 2**20:,.0f} MB ({index.nbytes / size:.0f} B/mark); "
        f"RSS +{after - before:,.0f} MB ({after:,.0f} MB in all, peak {peak_mb():,.0f} MB)",
        flush=True,
    )
    saved = workdir / "index"
    started = time.perf_counter()
    index.save(saved)
    saving = time.perf_counter() - started
    started = time.perf_counter()
    MarkIndex.load(saved)
    print(
        f"index: saved in {saving:.1f} s ({sum(f.stat().st_size for f in saved.iterdir()) / 2**20:,.0f} MB), "
        f"loaded (memory-mapped) in {time.perf_counter() - started:.2f} s",
        flush=True,
    )
    # What a web process pays: a fresh interpreter reading the saved index into memory (no mapping).
    loaded = subprocess.run(  # noqa: S603 - this very script, with a path it made
        [sys.executable, __file__, "--measure-load", str(saved)], capture_output=True, text=True, check=True
    )
    print(f"index: {loaded.stdout.strip()}", flush=True)

    query_rng = random.Random(SEED)
    query_rng.shuffle(sources)
    queries = [perturb(text, query_rng) for text in sources]
    ours = Measure("IPBridge MarkIndex")
    for query in queries[:20]:
        index.search(query)
    answers = timed(lambda q: [hit.id for hit in index.search(q)], queries, ours)
    sample = queries[:truth_count]

    exhaustive, truths = reference_truths(raw_path, sample)
    score_recall(ours, answers[: len(sample)], truths)
    gc.collect()
    fuzzy = rapidfuzz_peer(texts_path, sample, truths)
    gc.collect()
    postgres, postgres_note = pg_trgm(texts_path, sample, truths, size, dsn)
    for path in saved.iterdir():
        path.unlink()
    saved.rmdir()
    texts_path.unlink()
    raw_path.unlink()
    workdir.rmdir()

    with_truth = sum(1 for truth in truths if truth)
    print(
        f"\nqueries: {len(queries)} for IPBridge; the first {len(sample)} for the others and for recall@10 "
        f"({with_truth} with at least one reference hit at the default cutoff 0.7)"
    )
    print(f"{'method':<34} {'mean ms':>9} {'p50 ms':>9} {'p95 ms':>9} {'recall@10':>9} {'n':>6}")
    for measure in (ours, exhaustive, fuzzy, postgres):
        print(measure.row())
    if postgres_note:
        print(postgres_note)


def measure_load(path: str) -> None:
    MarkIndex([Mark(0, "warm up")]).search("warm")
    before = rss_mb()
    started = time.perf_counter()
    index = MarkIndex.load(path, mmap=False)
    index.search("warm up")
    print(
        f"a fresh process reads it in {time.perf_counter() - started:.1f} s and holds "
        f"{rss_mb() - before:,.0f} MB more RSS ({len(index):,} marks)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated corpus sizes")
    parser.add_argument("--queries", type=int, default=1000, help="queries timed on the index")
    parser.add_argument("--truth", type=int, default=200, help="queries compared with the exhaustive reference")
    parser.add_argument("--dsn", default="host=127.0.0.1 port=5432 user=postgres dbname=postgres")
    parser.add_argument("--measure-load", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure_load:
        measure_load(arguments.measure_load)
        return
    print(f"similar-mark search benchmark, {os.cpu_count()} cores, seed {SEED}")
    for size in (int(part) for part in arguments.sizes.split(",")):
        run(size, min(arguments.queries, size), min(arguments.truth, arguments.queries, size), arguments.dsn)


if __name__ == "__main__":
    main()
