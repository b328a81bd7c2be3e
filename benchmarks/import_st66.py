"""Register import speed and memory on a large generated WIPO ST.66 file.

Generates a synthetic register (``ipbridge.engine.synthetic.records``) as one ST.66 file
(``ipbridge.rights.st66_writer``), then measures, each in a fresh process so that peak memory is its own:

- **peer**: raw ``lxml.etree.iterparse`` over the same file, counting the ``TradeMark`` elements and clearing
  them as it goes (the least any streamed ST.66 reader does);
- **parse**: IPBridge's ST.66 parser (the hostile-input checks, every field mapped to a ``RightRecord``);
- **import**: the full import (``rights_import_files``: parse, upsert by office and number in chunks of 500 with
  parties and classes, progress and counts) into a throw-away SQLite database; files of 8 MiB and more are
  parsed in a second process beside the database writes, so this runs on two cores;
- **re-import**: the same file again into that database, where every record is found unchanged.

Each is run on two file sizes (``--records`` and a quarter of it): a flat peak memory across the sizes shows
the import streams.

    python benchmarks/import_st66.py [--records 200000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NAMESPACE = "http://www.wipo.int/standards/XMLSchema/trademarks"


def _django(workdir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ipbridge.config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "IPBRIDGE_VAR_DIR": str(workdir),
            "MEDIA_ROOT": str(workdir / "media"),
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "ERROR",
        }
    )
    import django

    django.setup()


def _peak_mib() -> float:
    """This process's peak resident memory, plus the largest peak of the processes it started (the import's
    parser process), an upper bound of their peak together. ru_maxrss would carry the parent's peak over the
    exec."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024 + children
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + children


def measure(kind: str, path: Path, workdir: Path) -> dict[str, Any]:
    """One measurement, in this process."""
    if kind == "peer":
        from lxml import etree

        started = time.perf_counter()
        count = 0
        for _event, element in etree.iterparse(str(path), events=("end",), tag=f"{{{NAMESPACE}}}TradeMark"):
            count += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
        elapsed = time.perf_counter() - started
        return {"records": count, "seconds": elapsed, "peak_mib": _peak_mib()}
    _django(workdir)
    if kind == "parse":
        from ipbridge.rights.importers import PARSERS

        started = time.perf_counter()
        with path.open("rb") as stream:
            count = sum(1 for _record in PARSERS["st66"](stream))
        return {"records": count, "seconds": time.perf_counter() - started, "peak_mib": _peak_mib()}
    from django.core.management import call_command

    if kind == "import":
        call_command("migrate", verbosity=0)
    from ipbridge.rights.services import rights_import_files

    started = time.perf_counter()
    batch = rights_import_files(format="st66", paths=[path])
    elapsed = time.perf_counter() - started
    if batch.status != "done" or batch.rejected:
        sys.exit(f"{kind}: batch {batch.status}, {batch.rejected} rejected: {batch.error}")
    return {
        "records": batch.records_seen,
        "seconds": elapsed,
        "peak_mib": _peak_mib(),
        "counts": [batch.created, batch.updated, batch.unchanged],
    }


def _child(kind: str, path: Path, workdir: Path) -> dict[str, Any]:
    output = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--measure", kind, "--file", str(path), "--workdir", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def _generate(path: Path, records: int, seed: int) -> float:
    from ipbridge.engine.synthetic import records as synthetic_records
    from ipbridge.rights.st66_writer import write_st66

    started = time.perf_counter()
    with path.open("wb") as out:
        write_st66(synthetic_records(records, seed=seed), out)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--measure", choices=["peer", "parse", "import", "reimport"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.file, args.workdir)))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    top = tempfile.mkdtemp(prefix="ipbridge-bench-")
    try:
        rows = []
        for records in (args.records // 4, args.records):
            workdir = Path(top) / str(records)
            workdir.mkdir()
            path = workdir / "register.xml"
            generated = _generate(path, records, args.seed)
            size_mib = path.stat().st_size / 2**20
            print(f"{records:,} records, {size_mib:,.0f} MiB of ST.66, generated in {generated:.1f} s", file=sys.stderr)
            for kind, label in (
                ("peer", "lxml iterparse, raw (peer)"),
                ("parse", "IPBridge ST.66 parser"),
                ("import", "IPBridge import into SQLite"),
                ("reimport", "IPBridge re-import (unchanged)"),
            ):
                result = _child(kind, path, workdir)
                if result["records"] != records:
                    sys.exit(f"{kind}: {result['records']} records instead of {records}")
                rows.append((records, size_mib, label, result))
                print(f"  {label}: {records / result['seconds']:,.0f} records/s", file=sys.stderr)
            path.unlink()
    finally:
        shutil.rmtree(top, ignore_errors=True)

    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print()
    print(
        f"{'records':>9}  {'file MiB':>8}  {'what':<32}  {'records/s':>9}  "
        f"{'seconds':>7}  {'peak RSS MiB':>12}  vs peer"
    )
    print(f"{'-' * 9}  {'-' * 8}  {'-' * 32}  {'-' * 9}  {'-' * 7}  {'-' * 12}  -------")
    peer_rate = 0.0
    for records, size_mib, label, result in rows:
        rate = records / result["seconds"]
        if "peer" in label:
            peer_rate = rate
        print(
            f"{records:>9,}  {size_mib:>8,.0f}  {label:<32}  {rate:>9,.0f}  {result['seconds']:>7.1f}  "
            f"{result['peak_mib']:>12,.0f}  {rate / peer_rate:>6.2f}×"
        )


if __name__ == "__main__":
    main()
