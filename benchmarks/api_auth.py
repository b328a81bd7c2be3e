"""What API-key authentication and the JSON answer path cost per request.

Times ``GET /api/v1/me`` with a valid API key (the 200 answer) and with an unknown key (the 401 JSON error),
beside a plain Django view that returns the same JSON as the 200 answer without authentication, measured in the
same run. All three pass through the project's full middleware stack with Django's test client, in-process, on a
throw-away SQLite database, so the difference is what the API layer adds: the key lookup and hash check, Django
Ninja's routing, the per-key rate limit and pydantic serialisation, and the error handler.

The rate limit stays as configured (API_RATE_LIMIT); the authenticated requests are spread over as many keys of
one organisation as it takes for none of them to reach the limit, and every answer's status is checked.

Many short rounds, each timing every path one after the other, keep the comparison fair on a machine whose load
changes: the ratio to the peer is taken within each round, and the medians over all rounds are reported.

    python benchmarks/api_auth.py [--requests 100] [--rounds 25]
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

PLAIN_PATH = "/bench/plain-me"
ME_PATH = "/api/v1/me"


def _configure(workdir: Path) -> None:
    """Production-like settings on a throw-away database, then Django."""
    (workdir / "static").mkdir()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ipbridge.config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "IPBRIDGE_VAR_DIR": str(workdir),
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "ERROR",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # Django logs every 4xx answer; thousands of "Unauthorized" lines would time the terminal, not the API.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def _answer(client: Any, url: str, expected_status: int, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(url, **headers)
    if response.status_code != expected_status:
        sys.exit(f"{url}: expected HTTP {expected_status}, got {response.status_code}: {response.content[:300]!r}")
    return json.loads(response.content)


def _rate(client: Any, url: str, count: int, headers: list[dict[str, str]], expected_status: int) -> float:
    get = client.get
    rotation = itertools.cycle(headers)
    started = time.perf_counter()
    for _ in range(count):
        if get(url, **next(rotation)).status_code != expected_status:
            sys.exit(f"{url}: an answer other than HTTP {expected_status} during the timing")
    return count / (time.perf_counter() - started)


def run(*, requests: int, rounds: int) -> None:
    import django
    from django.conf import settings
    from django.db import connection
    from django.http import HttpRequest, JsonResponse
    from django.test import Client, override_settings
    from django.urls import path

    from ipbridge.accounts import selectors, services
    from ipbridge.config import urls as project_urls

    warm_up = 200
    per_key_budget = int(settings.API_RATE_LIMIT.split("/")[0]) * 4 // 5
    key_count = math.ceil((2 + warm_up + requests * rounds) / per_key_budget)

    organisation = services.organisation_create(name="Benchmark Brands", kind="right_holder", country="DE")
    with_key = []
    for number in range(key_count):
        _key, secret = services.api_key_create(
            actor=selectors.actor_for_system(organisation),
            name=f"benchmark {number}",
            scopes=["accounts:read", "notices:read", "notices:write"],
            expires_in_days=None,
        )
        with_key.append({"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    unknown_key = {"HTTP_AUTHORIZATION": f"Bearer ipb_00000000_{secrets.token_urlsafe(32)}"}
    client = Client()
    me_body = _answer(client, ME_PATH, 200, with_key[0])

    def plain_me(request: HttpRequest) -> JsonResponse:
        return JsonResponse(me_body)

    # The peer lives in a urlconf of this script only, in front of the project's own routes.
    urlconf = types.ModuleType("ipbridge_benchmark_urls")
    urlconf.urlpatterns = [path(PLAIN_PATH.lstrip("/"), plain_me), *project_urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[urlconf.__name__] = urlconf

    cases = [
        ("plain Django JSON view, no auth (peer)", PLAIN_PATH, [{}], 200),
        ("GET /api/v1/me, valid API key (200)", ME_PATH, with_key, 200),
        ("GET /api/v1/me, unknown API key (401)", ME_PATH, [unknown_key], 401),
    ]
    rates: dict[str, list[float]] = {label: [] for label, *_rest in cases}

    with override_settings(ROOT_URLCONF=urlconf.__name__):
        if _answer(client, PLAIN_PATH, 200, {}) != me_body:
            sys.exit("the plain view does not answer the same JSON as /api/v1/me")
        error = _answer(client, ME_PATH, 401, unknown_key)
        if error.get("error", {}).get("code") != "not_authenticated":
            sys.exit(f"unexpected error body: {error}")

        for _label, url, headers, status in cases:
            _rate(client, url, warm_up, headers, status)
        for round_number in range(rounds):
            # Alternate the order so that no path always runs first, on a cooler or warmer machine.
            for label, url, headers, status in cases if round_number % 2 == 0 else cases[::-1]:
                rates[label].append(_rate(client, url, requests, headers, status))

    print(f"API authentication and JSON answers: {rounds} rounds of {requests} requests per path, medians")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, {connection.vendor}, "
        f"{os.cpu_count()} CPUs, Django test client in-process"
    )
    print(f"API_RATE_LIMIT {settings.API_RATE_LIMIT}, authenticated requests spread over {key_count} keys")
    print()
    peer = rates[cases[0][0]]
    width = max(len(label) for label, *_rest in cases)
    print(f"{'path':<{width}}  {'req/s':>7}  {'µs/req':>7}  {'vs peer':>7}")
    print(f"{'-' * width}  {'-' * 7}  {'-' * 7}  {'-' * 7}")
    for label, *_rest in cases:
        rate = statistics.median(rates[label])
        ratio = statistics.median(ours / theirs for ours, theirs in zip(rates[label], peer, strict=True))
        print(f"{label:<{width}}  {rate:>7,.0f}  {1e6 / rate:>7,.0f}  {ratio:>6.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description="Cost of API-key authentication and the JSON answer path.")
    parser.add_argument("--requests", type=int, default=100, help="requests per path and round (default: 100)")
    parser.add_argument("--rounds", type=int, default=25, help="rounds; medians are reported (default: 25)")
    options = parser.parse_args()
    if options.requests < 1 or options.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="ipbridge-bench-"))
    try:
        _configure(workdir)
        run(requests=options.requests, rounds=options.rounds)
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
