from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ImportRejectionOut(Schema):
    position: int
    identifier: str
    field: str
    reason: str


class ImportBatchOut(Schema):
    id: int
    format: str
    source: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    bytes_total: int
    bytes_done: int
    progress: float
    records_seen: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    error: str


class ImportBatchDetailOut(ImportBatchOut):
    rejections: list[ImportRejectionOut]
