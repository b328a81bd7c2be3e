"""The statutory deadline runs on its own: the embedded scheduler of `ipbridge serve` lifts measures once the
counter-notice window has closed, with no request and no broker."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone

from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core import schedule
from ipbridge.notices import services
from ipbridge.notices.models import Case, CaseStatus
from tests.notices.factories import send, world
from tests.notices.test_workflow import case_at, decide_all

pytestmark = pytest.mark.django_db(transaction=True)


def _status(case_id: int) -> str:
    """The case's status, read while the schedule's thread may be writing it: SQLite's shared in-memory test
    database answers "table is locked" instead of waiting, and the next look sees the result."""
    try:
        return Case.objects.get(pk=case_id).status
    except OperationalError:
        return ""


def test_the_embedded_scheduler_lifts_measures_when_the_window_has_closed(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world()
    notice = send(w.organisation)
    case = decide_all(w, case_at(notice.pk, w.megamart))
    services.counter_notice_submit(
        actor=actor_for_system(w.merchant.organisation), case_id=case.pk, statement="Genuine.", evidence=["invoice"]
    )
    Case.objects.filter(pk=case.pk).update(lift_due_at=timezone.now() - timedelta(seconds=1))
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_BEAT_SCHEDULE = {"lift": {"task": "ipbridge.notices.cases_lift_due", "schedule": 0.2}}
    monkeypatch.setattr(schedule, "_started", type(schedule._started)())

    stop = schedule.embedded_scheduler_start()
    try:
        deadline = time.monotonic() + 10
        while _status(case.pk) != CaseStatus.CLOSED and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        assert stop is not None
        stop.set()

    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    assert schedule.embedded_scheduler_start() is None  # once per process


def test_with_a_broker_the_web_process_leaves_the_schedule_to_celery_beat(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setattr(schedule, "_started", type(schedule._started)())

    assert schedule.embedded_scheduler_start() is None


def test_a_fresh_process_finds_every_scheduled_job() -> None:
    """Regression: `ipbridge serve` starts the schedule before anything has imported the apps' task modules, and
    the schedule's thread died on an unknown task."""
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from ipbridge.core.schedule import _scheduled\n"
        "print(sorted(name for name, _every, _task in _scheduled()))\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ipbridge.config.settings"}

    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=False)  # noqa: S603

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(
        [
            "core-idempotency-purge",
            "evidence-log-check",
            "evidence-tree-head",
            "marketplaces-figures",
            "notices-lift-due",
            "notices-overdue-alert",
            "notices-webhooks-deliver",
            "screening-early-warnings",
            "sharing-intelligence-purge",
        ]
    )
