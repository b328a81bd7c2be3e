"""Live-stream screening over the WebSocket, beside the same pushes over the HTTP API.

Starts the real server (``ipbridge serve``: uvicorn, one process) on a free port of this machine, over a
throw-away SQLite database holding the marks of the screening evaluation catalogue (``benchmarks/data``) with
their right holders, and one marketplace whose shipped risk-keyword catalogue is in force. Then many streams push
transcript segments at once, each at a speaker's pace (one segment a second by default, the streams started out
of step), about a fifth of the segments naming a protected mark or a risk keyword:

- over the WebSocket, one connection per stream, each segment answered on it;
- over ``POST /api/v1/screening/streams/{id}/segments``, one kept-alive connection per stream (the peer).

Latency is from a segment sent to its result received, as the pushing client sees it, so it includes the
network stack of this machine and the client's own scheduling. A second round sends flat out (each stream
sends its next segment as soon as the last is answered) to show what one process can carry. Every answer is
checked: a result naming its segment, an alert for each segment at or over the threshold.

    python benchmarks/screening_live.py [--streams 100] [--segments 60] [--interval 1.0] [--burst 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent / "data" / "screening_eval_catalogue.json"
CLEAN = [
    "大家好，欢迎来到直播间",
    "今天给大家带来几款新品",
    "这个颜色非常显白，上嘴很滋润",
    "库存不多了，喜欢的赶紧下单",
    "Welcome back everyone, thanks for joining",
    "this one ships tomorrow from our warehouse",
    "点击下方小黄车就可以购买",
    "我们再看一下下一款",
]
RISKY = ["高仿", "A货", "原单", "跟单", "原厂", "1:1", "replica"]


@dataclass
class Phase:
    transport: str
    pace: str
    latencies: list[float] = field(default_factory=list)
    alerts: int = 0
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


def _environment(workdir: Path) -> dict[str, str]:
    (workdir / "static").mkdir()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ipbridge.config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "IPBRIDGE_VAR_DIR": str(workdir),
        "CELERY_BROKER_URL": "",
        "CHANNEL_LAYER_URL": "",
        "LOG_LEVEL": "ERROR",
    }


def _seed(streams: int) -> tuple[list[int], list[int], list[str], list[str]]:
    """The world, written in this process before the server starts: right holders who proved they hold the
    catalogue's marks, a marketplace, one API key and two sessions (one per transport) per stream."""
    import django
    from django.core.management import call_command
    from django.utils import timezone

    django.setup()
    call_command("migrate", verbosity=0)
    from ipbridge.accounts import selectors, services
    from ipbridge.accounts.models import Organisation
    from ipbridge.identity.models import ClaimMethod, ClaimStatus, RightClaim
    from ipbridge.rights.models import Right
    from ipbridge.screening import streams as stream_services

    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    holders: dict[str, Organisation] = {}
    for mark in catalogue["marks"]:
        right = Right.objects.create(
            office=mark["office"],
            number=mark["number"],
            verbal_element=mark["text"],
            transliteration=(mark["transliterations"] or [""])[0],
            status="registered",
        )
        for slug in mark["holders"]:
            if slug not in holders:
                holders[slug] = Organisation.objects.create(
                    name=slug.title(), slug=slug, kind="right_holder", verification_status="verified"
                )
            RightClaim.objects.create(
                organisation=holders[slug],
                right=right,
                relation="owner",
                method=ClaimMethod.DOCUMENTS,
                status=ClaimStatus.APPROVED,
                decided_at=timezone.now(),
            )
    marketplace = Organisation.objects.create(
        name="Benchmark Mall", slug="benchmark-mall", kind="marketplace", verification_status="verified"
    )
    actor = selectors.actor_for_system(marketplace)
    keys, ws_sessions, http_sessions = [], [], []
    for number in range(streams):
        _key, secret = services.api_key_create(
            actor=actor, name=f"stream {number}", scopes=["screening:write"], expires_in_days=None
        )
        keys.append(secret)
        for sessions, prefix in ((ws_sessions, "ws"), (http_sessions, "http")):
            opened = stream_services.stream_open(
                actor=actor,
                stream=stream_services.StreamIn(stream_id=f"{prefix}-{number}", shop_id=f"shop-{number}"),
            )
            sessions.append(opened.pk)
    marks = [m["text"] for m in catalogue["marks"]] + [t for m in catalogue["marks"] for t in m["transliterations"]]
    from django.db import connections

    connections.close_all()
    return ws_sessions, http_sessions, keys, marks


def _texts(count: int, marks: list[str], seed: int) -> list[str]:
    """Segments as a streamer speaks: mostly plain selling talk, about one in five naming a mark, a risk word or
    both."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        text = rng.choice(CLEAN)
        roll = rng.random()
        if roll < 0.08:
            text = f"{rng.choice(marks)} {text}"
        elif roll < 0.14:
            text = f"{text} {rng.choice(RISKY)}"
        elif roll < 0.20:
            text = f"{rng.choice(marks)}{rng.choice(['口红', '香水', '耳机'])} {rng.choice(RISKY)} {text}"
        texts.append(text)
    return texts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from ipbridge.cli import main; main()", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("the server did not answer within 60 s")


def _segment(number: int, text: str) -> dict[str, Any]:
    return {"id": f"seg-{number}", "start_ms": number * 3000, "end_ms": number * 3000 + 2800, "text": text}


def _check(phase: Phase, sent: dict[str, Any], result: dict[str, Any]) -> None:
    if result.get("segment_id") != sent["id"]:
        phase.errors.append(f"answer for {result.get('segment_id')!r} to {sent['id']!r}: {str(result)[:200]}")
    elif result.get("level") and result.get("alert_id") is None:
        phase.errors.append(f"{sent['id']}: level {result['level']} without an alert")
    elif result.get("alert_id") is not None:
        phase.alerts += 1


async def _paced(offset: float, number: int, interval: float, started: float) -> None:
    """Wait for this stream's ``number``-th segment's turn: streams start out of step, then keep their pace."""
    if interval <= 0:
        return
    due = started + offset + number * interval
    delay = due - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


async def _websocket_stream(
    port: int, session: int, key: str, texts: list[str], offset: float, interval: float, phase: Phase
) -> None:
    from websockets.asyncio.client import connect

    uri = f"ws://127.0.0.1:{port}/ws/v1/screening/streams/{session}/"
    async with connect(uri, additional_headers={"Authorization": f"Bearer {key}"}, max_size=2**22) as socket_:
        greeting = json.loads(await socket_.recv())
        if greeting.get("type") != "authenticated":
            phase.errors.append(f"stream {session}: {greeting}")
            return
        for number, text in enumerate(texts):
            await _paced(offset, number, interval, phase.started)
            segment = _segment(number, text)
            sent = time.perf_counter()
            await socket_.send(json.dumps({"type": "segment", **segment}, ensure_ascii=False))
            result = json.loads(await socket_.recv())
            phase.latencies.append(time.perf_counter() - sent)
            _check(phase, segment, result)


async def _http_stream(
    port: int, session: int, key: str, texts: list[str], offset: float, interval: float, phase: Phase
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for number, text in enumerate(texts):
            await _paced(offset, number, interval, phase.started)
            segment = _segment(number, text)
            body = json.dumps(segment, ensure_ascii=False).encode()
            request = (
                f"POST /api/v1/screening/streams/{session}/segments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            sent = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, answer = await _response(reader)
            phase.latencies.append(time.perf_counter() - sent)
            if status != 200:
                phase.errors.append(f"HTTP {status}: {answer[:200]!r}")
                continue
            _check(phase, segment, json.loads(answer)["results"][0])
    finally:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


async def _phase(
    transport: str, pace: str, port: int, sessions: list[int], keys: list[str], texts: list[list[str]], interval: float
) -> Phase:
    phase = Phase(transport, pace)
    push = _websocket_stream if transport == "WebSocket" else _http_stream
    # Out of step by up to one interval: stream i starts at a fixed fraction of it, as real streams would.
    spread = [random.Random(i).random() * interval for i in range(len(sessions))]
    phase.started = time.perf_counter()
    await asyncio.gather(
        *[
            push(port, session, key, stream_texts, offset, interval, phase)
            for session, key, stream_texts, offset in zip(sessions, keys, texts, spread, strict=True)
        ]
    )
    phase.finished = time.perf_counter()
    return phase


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _row(phase: Phase) -> str:
    ms = [value * 1000 for value in phase.latencies]
    rate = len(ms) / (phase.finished - phase.started)
    return (
        f"{phase.transport:<17} {phase.pace:<9} {len(ms):>8} {rate:>9.1f} {statistics.median(ms):>7.1f} "
        f"{_percentile(ms, 0.95):>7.1f} {_percentile(ms, 0.99):>7.1f} {max(ms):>8.1f} {phase.alerts:>7} "
        f"{len(phase.errors):>6}"
    )


def run(*, streams: int, segments: int, interval: float, burst: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="ipbridge-bench-"))
    env = _environment(workdir)
    os.environ.update(env)
    server = None
    try:
        ws_sessions, http_sessions, keys, marks = _seed(streams)
        paced_texts = [_texts(segments, marks, seed=n) for n in range(streams)]
        burst_texts = [_texts(burst, marks, seed=10_000 + n) for n in range(streams)]
        port = _free_port()
        server = _serve(env, port)
        load_before = os.getloadavg()[0]

        async def measure() -> list[Phase]:
            # One push each way first: the server builds its screener on the first segment it screens.
            await _phase("WebSocket", "warm-up", port, ws_sessions[:1], keys[:1], [["warm-up AURORA 高仿"]], 0)
            await _phase("HTTP POST (peer)", "warm-up", port, http_sessions[:1], keys[:1], [["warm-up"]], 0)
            phases = []
            for transport, sessions in (("WebSocket", ws_sessions), ("HTTP POST (peer)", http_sessions)):
                phases.append(await _phase(transport, "paced", port, sessions, keys, paced_texts, interval))
            if burst:
                for transport, sessions in (("WebSocket", ws_sessions), ("HTTP POST (peer)", http_sessions)):
                    phases.append(await _phase(transport, "flat out", port, sessions, keys, burst_texts, 0))
            return phases

        phases = asyncio.run(measure())
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    import django
    import uvicorn
    import websockets

    print(
        f"Live-stream screening: {streams} streams × {segments} segments, one every {interval:g} s per stream "
        f"(≈{streams / interval if interval else 0:.0f} segments/s offered), then {burst} each flat out"
    )
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, uvicorn {uvicorn.__version__}, "
        f"websockets {websockets.__version__}, SQLite, {os.cpu_count()} CPUs; one server process, clients in "
        "one asyncio process on the same machine"
    )
    print(f"{len(marks)} mark forms of {CATALOGUE.name} and the shipped risk keywords; latency: sent → answered")
    print(f"load average {load_before:.2f} before, {load_after:.2f} after (other processes share these CPUs)")
    print()
    print(
        f"{'transport':<17} {'pace':<9} {'segments':>8} {'answers/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>8} {'alerts':>7} {'errors':>6}"
    )
    for phase in phases:
        print(_row(phase))
    failures = [error for phase in phases for error in phase.errors]
    for error in failures[:10]:
        print(f"  error: {error}")
    if failures:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Live-stream screening over the WebSocket beside HTTP pushes.")
    parser.add_argument("--streams", type=int, default=100, help="concurrent streams (default: 100)")
    parser.add_argument("--segments", type=int, default=60, help="paced segments per stream (default: 60)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a stream's segments (1.0)")
    parser.add_argument("--burst", type=int, default=20, help="segments per stream sent flat out; 0 for none (20)")
    options = parser.parse_args()
    if options.streams < 1 or options.segments < 1 or options.interval <= 0 or options.burst < 0:
        parser.error("--streams and --segments must be at least 1, --interval above 0, --burst at least 0")
    run(streams=options.streams, segments=options.segments, interval=options.interval, burst=options.burst)


if __name__ == "__main__":
    main()
