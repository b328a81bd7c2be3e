"""The Celery application. Without ``CELERY_BROKER_URL`` jobs run in-process as they are enqueued."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipbridge.config.settings")

app = Celery("ipbridge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
