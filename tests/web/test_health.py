from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ipbridge.config.celery import app as celery_app
from tests.conftest import require_service, service_reachable

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_in_process_jobs() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["job_queue"] == {"ok": True, "mode": "in-process"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_broker_is_unreachable(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["job_queue"]["ok"] is False


def test_healthz_reaches_a_real_broker(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    require_service("Redis at 127.0.0.1:6379", service_reachable("127.0.0.1", 6379))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:6379/15")

    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json()["job_queue"]["ok"] is True
    assert response.json()["job_queue"]["mode"] == "broker"
