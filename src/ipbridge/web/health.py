"""What /healthz reports: can we reach the database and the job queue."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from ipbridge.config.celery import app as celery_app
from ipbridge.core.jobs import in_background_thread


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 — any failure means "down", reported with its reason
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def job_queue_status() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "background-thread" if in_background_thread() else "in-process"}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "mode": "broker", "error": exc.__class__.__name__}
    return {"ok": True, "mode": "broker", "transport": str(transport)}


def health() -> tuple[bool, dict[str, Any]]:
    database = database_status()
    jobs = job_queue_status()
    ok = database["ok"] and jobs["ok"]
    return ok, {"status": "ok" if ok else "degraded", "database": database, "job_queue": jobs}
