"""What the API remembers of a create sent with an ``Idempotency-Key``, so that a retry gets the first answer."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class IdempotencyRecord(models.Model):
    """One key of one caller: claimed before the endpoint runs, then holding its answer until it expires."""

    scope = models.CharField(
        max_length=100, help_text="Who sent it: key:<API key id>, or user:<person id>:<organisation id>."
    )
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, the path and the body.")
    state = models.CharField(max_length=16, choices=IdempotencyState.choices, default=IdempotencyState.IN_PROGRESS)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_record_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.state})"
