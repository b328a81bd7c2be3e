"""What a leaf of the evidence log says: the canonical bytes of an evidence item or of a custody event.

Canonical JSON (UTF-8, keys sorted, no spaces) of the fields that make the record, so that anyone can read a leaf,
and the row it came from can be checked against it later: the same row always gives the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime

from ipbridge.engine.evidence_package import canonical_json as canonical
from ipbridge.evidence.models import CustodyEvent, Evidence

VERSION = 1


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment is not None else ""


def evidence_leaf(item: Evidence) -> bytes:
    return canonical(
        {
            "v": VERSION,
            "type": "evidence",
            "id": item.pk,
            "organisation": item.organisation.slug,
            "kind": item.kind,
            "name": item.name,
            "sha256": item.sha256,
            "size": item.size,
            "content_type": item.content_type,
            "captured_url": item.captured_url,
            "marketplace": item.marketplace.slug if item.marketplace is not None else "",
            "listing_id": item.listing_id,
            "stream_id": item.stream_id,
            "time_code": item.time_code,
            "observed_at": _when(item.observed_at),
            "notes": item.notes,
            "captured_by": item.captured_by_label,
            "received_at": _when(item.created_at),
        }
    )


def custody_leaf(event: CustodyEvent) -> bytes:
    return canonical(
        {
            "v": VERSION,
            "type": "custody",
            "id": event.pk,
            "evidence": event.evidence_id,
            "action": event.action,
            "organisation": event.organisation.slug,
            "actor": event.actor_label,
            "at": _when(event.at),
            "details": event.details,
        }
    )
