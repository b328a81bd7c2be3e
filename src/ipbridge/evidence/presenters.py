"""Evidence as the API answers it and the pages show it."""

from __future__ import annotations

import base64
from typing import Any

from ipbridge.accounts.actors import Actor
from ipbridge.engine import timestamps
from ipbridge.evidence import selectors
from ipbridge.evidence.log import Proof
from ipbridge.evidence.models import CustodyEvent, Evidence, TreeHead


def evidence_out(item: Evidence, *, actor: Actor) -> dict[str, Any]:
    return {
        "id": item.pk,
        "organisation": item.organisation.slug,
        "organisation_name": item.organisation.name,
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
        "observed_at": item.observed_at,
        "notes": item.notes,
        "captured_by": item.captured_by_label,
        "received_at": item.created_at,
        "leaf_index": item.leaf_index,
        "owned": selectors.evidence_owned(actor=actor, item=item),
        "cases": [link.case_id for link in selectors.evidence_cases(actor=actor, item=item)],
        "shared_with": [share.organisation.slug for share in selectors.evidence_shares(actor=actor, item=item)],
    }


def custody_out(event: CustodyEvent) -> dict[str, Any]:
    return {
        "leaf_index": event.leaf_index,
        "action": event.action,
        "organisation": event.organisation.slug,
        "actor": event.actor_label,
        "at": event.at,
        "details": event.details,
    }


def timestamp_out(head: TreeHead) -> dict[str, Any] | None:
    if not head.tsa_token:
        return None
    info = timestamps.timestamp_info(bytes(head.tsa_token))
    return {"tsa": head.tsa_url, "gen_time": str(info.get("gen_time", "")), "serial": info.get("serial")}


def tree_head_out(head: TreeHead) -> dict[str, Any]:
    return {
        "size": head.size,
        "root_hash": bytes(head.root).hex(),
        "signed_at": head.signed_at,
        "kid": head.kid,
        "token": head.token,
        "timestamp": timestamp_out(head),
    }


def leaf_proof_out(proof: Proof) -> dict[str, Any]:
    return {
        "leaf_index": proof.leaf_index,
        "leaf": base64.b64encode(proof.leaf).decode(),
        "leaf_hash": proof.leaf_hash.hex(),
        "audit_path": [h.hex() for h in proof.path],
        "valid": proof.valid,
    }
