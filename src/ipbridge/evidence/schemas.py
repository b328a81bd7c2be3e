from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class EvidenceOut(Schema):
    id: int
    organisation: str
    organisation_name: str
    kind: str
    name: str
    sha256: str
    size: int
    content_type: str
    captured_url: str
    marketplace: str
    listing_id: str
    stream_id: str
    time_code: str
    observed_at: dt.datetime | None
    notes: str
    captured_by: str
    received_at: dt.datetime = Field(description="Server time when IPBridge received it")
    leaf_index: int = Field(description="Its leaf in the evidence log")
    owned: bool = Field(description="Whether your organisation added it")
    cases: list[int] = Field(description="The cases it is attached to, of those you may see")
    shared_with: list[str] = Field(description="Organisations it is shared with (shown to its owner only)")


class CustodyOut(Schema):
    leaf_index: int
    action: str
    organisation: str
    actor: str
    at: dt.datetime
    details: dict[str, Any]


class TimestampOut(Schema):
    tsa: str
    gen_time: str
    serial: int | None


class TreeHeadOut(Schema):
    size: int
    root_hash: str = Field(description="Hex SHA-256 root of the log's first `size` leaves (RFC 9162)")
    signed_at: dt.datetime
    kid: str = Field(description="The key, published at /.well-known/jwks.json, that signed it")
    token: str = Field(description="The signed tree head: a JWS (EdDSA) of type ipbridge-tree-head+jwt")
    timestamp: TimestampOut | None = Field(description="The RFC 3161 time-stamp of the token, when configured")


class LeafProofOut(Schema):
    leaf_index: int
    leaf: str = Field(description="The leaf's bytes, base64 (canonical JSON)")
    leaf_hash: str
    audit_path: list[str] = Field(description="Hex hashes of the inclusion proof (RFC 9162 §2.1.3)")
    valid: bool = Field(description="Whether the proof was checked against the tree head here")


class ProofOut(Schema):
    evidence: int
    item: LeafProofOut
    custody: list[LeafProofOut]
    tree_head: TreeHeadOut


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    proof: list[str] = Field(description="Hex hashes of the consistency proof (RFC 9162 §2.1.4)")


class ShareIn(Schema):
    organisation: str = Field(max_length=100, description="The slug of an authority or a mediator")


class ShareOut(Schema):
    organisation: str
    organisation_name: str
    granted_at: dt.datetime


class AttachIn(Schema):
    case_id: int


class CaseLinkOut(Schema):
    evidence: int
    case: int
    marketplace: str
    attached_by: str
    attached_at: dt.datetime


class ExportIn(Schema):
    ids: list[int] = Field(min_length=1, max_length=500, description="The evidence items to put in the package")


class PackageReportOut(Schema):
    ok: bool
    items: int
    tree_size: int | None
    root_hash: str | None
    failures: list[str]
    checks: list[str]
