"""Reads of register imports. Imports are the operators' business: every read takes the actor and refuses others."""

from __future__ import annotations

from django.db.models import QuerySet

from ipbridge.accounts.actors import Actor
from ipbridge.core.errors import NotFound
from ipbridge.rights.models import ImportBatch, ImportRejection

FIRST_REJECTIONS = 20


def _require(actor: Actor) -> None:
    actor.require_operator()
    actor.require("rights:read")


def import_batches_visible(*, actor: Actor) -> QuerySet[ImportBatch]:
    _require(actor)
    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-id")


def access_import_batch(*, actor: Actor, batch_id: int) -> ImportBatch:
    _require(actor)
    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def import_rejections_first(*, batch: ImportBatch, limit: int = FIRST_REJECTIONS) -> list[ImportRejection]:
    """The first rejections of a batch (in file order) the actor was given through ``access_import_batch``."""
    return list(ImportRejection.objects.filter(batch=batch).order_by("id")[:limit])
