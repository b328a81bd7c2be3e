"""How many notices IPBridge takes in per second on PostgreSQL, beside pgbench on the same server in the same run.

Each notice goes the whole way a right holder's notice goes: the completeness check against what IPBridge
proved (verified organisation, authenticated right in force), the duplicate check against open items, storage
of the notice, its items and one case per marketplace (three here), the audit rows of both sides, and the
delivery of each case to its marketplace's inbox. First from one process, notice after notice; then from several
worker processes at once, each with a connection of its own, as several web processes would send them; then one
notice of 10,000 items. The peer is pgbench's built-in TPC-B-like script on a throw-away database of the same
server, for two clients, so that the figures say how the server itself performs on this machine.

    python benchmarks/notice_intake.py [--notices 300] [--processes 2,4] [--pgbench-seconds 10]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust) and pgbench; both databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SERVER = "postgresql://postgres@127.0.0.1:5432"


def _database(name: str, *, drop: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            connection.execute(f'CREATE DATABASE "{name}"')


def _django(name: str, workdir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ipbridge.config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"{SERVER.replace('postgresql', 'postgres')}/{name}",
            "IPBRIDGE_VAR_DIR": str(workdir),
            "MEDIA_ROOT": str(workdir / "media"),
            "CELERY_BROKER_URL": "",
            "JOBS_IN_BACKGROUND_THREAD": "0",
            "LOG_LEVEL": "ERROR",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _world() -> tuple[Any, list[str]]:
    from datetime import date

    from django.utils import timezone

    from ipbridge.accounts import services as accounts
    from ipbridge.accounts.selectors import actor_for_system
    from ipbridge.identity.models import RightClaim
    from ipbridge.rights.records import GoodsRecord, PartyRecord, RightRecord
    from ipbridge.rights.services import rights_import_records

    holder = accounts.organisation_create(name="Aurora Cosmetics S.A.", kind="right_holder", country="FR")
    holder.verification_status = "verified"
    holder.save(update_fields=["verification_status"])
    marketplaces = [accounts.organisation_create(name=f"Marketplace {n}", kind="marketplace").slug for n in (1, 2, 3)]
    rights_import_records(
        records=[
            RightRecord(
                office="EM",
                number="018234567",
                kind="trademark",
                status="registered",
                verbal_element="AURORA",
                registration_number="018234567",
                owners=(PartyRecord("Aurora Cosmetics S.A.", country="FR"),),
                goods=(GoodsRecord("3", "Cosmetics"),),
                filing_date=date(2019, 10, 1),
                registration_date=date(2020, 2, 14),
                expiry_date=date(2029, 10, 1),
            )
        ],
        source="benchmark",
        format="synthetic",
    )
    from ipbridge.rights.models import Right

    RightClaim.objects.create(
        organisation=holder,
        right=Right.objects.get(office="EM", number="018234567"),
        relation="owner",
        method="automatic",
        status="approved",
        decided_at=timezone.now(),
    )
    return actor_for_system(holder), marketplaces


def _notice(actor: Any, items: list[Any]) -> None:
    from ipbridge.notices.services import notice_submit

    notice_submit(
        actor=actor,
        rights=[("EM", "018234567")],
        items=items,
        explanation="Lipsticks bearing the AURORA mark that Aurora Cosmetics did not make and did not consent to.",
        good_faith=True,
        notifier_name="Amélie Laurent",
        notifier_email="brand@aurora.example",
    )


def _intake(actor: Any, marketplaces: list[str], count: int, *, run: str) -> tuple[float, list[float]]:
    """Send ``count`` notices one after the other; ``run`` keeps their listings apart from other runs' (a listing
    already open would be merged, not sent again)."""
    from ipbridge.notices.completeness import ItemIn

    latencies = []
    started = time.perf_counter()
    for n in range(count):
        items = [ItemIn(slug, f"https://{slug}.example/{run}/listing/{n}") for slug in marketplaces]
        began = time.perf_counter()
        _notice(actor, items)
        latencies.append(time.perf_counter() - began)
    return time.perf_counter() - started, latencies


def _worker(actor: Any, marketplaces: list[str], count: int, worker: int, start: Any, results: Any) -> None:
    from django.db import connections

    connections.close_all()  # a connection of its own, never one inherited from the parent
    _intake(actor, marketplaces, 20, run=f"warm-up-{worker}")
    start.wait()
    results.put(_intake(actor, marketplaces, count, run=f"worker-{worker}"))
    connections.close_all()


def _concurrent(actor: Any, marketplaces: list[str], processes: int, count: int) -> tuple[float, list[float]]:
    """``processes`` workers sending ``count`` notices each, all at once: the notices per second of all of them,
    from the moment they start together to the moment the last one is done, and every notice's latency."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(actor, marketplaces, count, worker, start, results))
        for worker in range(processes)
    ]
    for process in workers:
        process.start()
    start.wait()
    began = time.perf_counter()
    done = [results.get() for _process in workers]
    elapsed = time.perf_counter() - began
    for process in workers:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a worker process failed (exit code {process.exitcode})")
    return processes * count / elapsed, [latency for _elapsed, latencies in done for latency in latencies]


def _burn(rounds: int) -> float:
    began = time.perf_counter()
    total = 0
    for n in range(rounds):
        total += n * n
    return time.perf_counter() - began


def _parallel_speedup(processes: int, rounds: int = 3_000_000) -> float:
    """How much more plain Python work ``processes`` busy processes get done at once than one alone: up to the
    number of cores, if the machine really has them to give (a virtual machine's may share one host core)."""
    alone = min(_burn(rounds) for _ in range(2))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        together = max(pool.map(_burn, [rounds] * processes))
    return processes * alone / together


def _milliseconds(latencies: list[float]) -> tuple[float, float]:
    quantiles = statistics.quantiles(latencies, n=100)
    return quantiles[49] * 1000, quantiles[98] * 1000


def _pgbench(seconds: int) -> str:
    pgbench = shutil.which("pgbench") or "pgbench"
    name = f"pgbench_{secrets.token_hex(4)}"
    _database(name)
    try:
        environment = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres"}
        # The arguments are this script's own: a fixed command and a database name it made up.
        subprocess.run([pgbench, "-i", "-s", "1", "-q", name], check=True, capture_output=True, env=environment)  # noqa: S603
        run = subprocess.run(  # noqa: S603
            [pgbench, "-c", "2", "-j", "2", "-T", str(seconds), name],
            check=True,
            capture_output=True,
            text=True,
            env=environment,
        )
    finally:
        _database(name, drop=True)
    found = re.search(r"tps = ([\d.]+)", run.stdout)
    return f"{float(found.group(1)):,.1f}" if found else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=300, help="notices from one process, and from each worker")
    parser.add_argument("--processes", default="2,4", help="how many worker processes at once, comma-separated")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    if shutil.which("pgbench") is None:
        print("pgbench is not installed; the peer cannot be measured")
        return 1
    name = f"ipbridge_bench_{secrets.token_hex(4)}"
    workdir = Path(tempfile.mkdtemp(prefix="ipbridge-bench-"))
    _database(name)
    try:
        _django(name, workdir)
        actor, marketplaces = _world()
        _intake(actor, marketplaces, 20, run="warm-up")  # connections, caches, query plans
        elapsed, latencies = _intake(actor, marketplaces, args.notices, run="one-process")
        together = {n: _concurrent(actor, marketplaces, n, args.notices) for n in counts}
        from ipbridge.notices.completeness import ItemIn

        big = [ItemIn(marketplaces[n % 3], f"https://bulk.example/listing/{n}") for n in range(10_000)]
        began = time.perf_counter()
        _notice(actor, big)
        bulk_seconds = time.perf_counter() - began
        from django.db import connections

        connections.close_all()
    finally:
        _database(name, drop=True)
        shutil.rmtree(workdir, ignore_errors=True)
    tps = _pgbench(args.pgbench_seconds)
    cores = os.cpu_count() or 1
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {cores} CPUs "
        f"({cores} busy processes get {_parallel_speedup(cores):.1f}× the work of one done)"
    )
    print()
    print("what                                                         figure")
    print("-----------------------------------------------------------  ----------------")
    print(f"IPBridge notices/s (3 items on 3 marketplaces, one process)    {args.notices / elapsed:10,.1f}")
    p50, p99 = _milliseconds(latencies)
    print(f"IPBridge latency p50 / p99 ms                                  {p50:6.1f} / {p99:.1f}")
    for n, (rate, each) in together.items():
        p50, p99 = _milliseconds(each)
        print(f"IPBridge notices/s, {n} processes at once{' ' * (22 - len(str(n)))}{rate:10,.1f}")
        print(f"IPBridge latency p50 / p99 ms, {n} processes{' ' * (19 - len(str(n)))}{p50:6.1f} / {p99:.1f}")
    print(f"IPBridge one notice of 10,000 items, seconds                   {bulk_seconds:10.2f}")
    print(f"pgbench TPC-B-like, 2 clients, transactions/s (peer)           {tps:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
