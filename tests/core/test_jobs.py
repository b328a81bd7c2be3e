"""Jobs run in-process without a broker, and by a real Celery worker when a broker is configured."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.test import Client

from ipbridge.accounts import services
from ipbridge.core.tasks import ping
from tests.conftest import require_service, service_reachable
from tests.factories import api_key, member

REDIS_URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]


def test_without_a_broker_a_job_runs_in_process_when_enqueued() -> None:
    result = ping.delay()

    assert result.get(timeout=1) == {"pong": socket.gethostname()}


@pytest.fixture
def redis_worker() -> Iterator[str]:
    require_service("Redis at 127.0.0.1:6379", service_reachable("127.0.0.1", 6379))
    queue = f"ipbridge-test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {"CELERY_BROKER_URL": REDIS_URL, "CELERY_RESULT_BACKEND": REDIS_URL}
    worker = subprocess.Popen(  # noqa: S603 — our own console script
        [
            sys.executable,
            "-m",
            "ipbridge.cli",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_a_real_worker_consumes_a_job_from_redis(redis_worker: str) -> None:
    client = Celery("ipbridge-test-client", broker=REDIS_URL, backend=REDIS_URL)

    result = client.send_task("ipbridge.core.ping", queue=redis_worker)

    assert result.get(timeout=60) == {"pong": socket.gethostname()}


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_jobs_run_in_a_background_thread_after_the_request(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.JOBS_IN_BACKGROUND_THREAD = True
    release = threading.Event()
    sent: list[str] = []

    def slow_send_mail(subject: str, body: str, sender: object, recipients: list[str]) -> int:
        release.wait(timeout=30)
        sent.extend(recipients)
        return 1

    monkeypatch.setattr(services, "send_mail", slow_send_mail)
    secret = api_key(member().organisation, ["accounts:write"])

    response = Client().post(
        "/api/v1/invitations",
        {"email": "later@example.com"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 201  # answered while the e-mail job is still waiting
    assert sent == []
    release.set()
    for _ in range(300):
        if sent:
            break
        threading.Event().wait(0.05)
    assert sent == ["later@example.com"]
