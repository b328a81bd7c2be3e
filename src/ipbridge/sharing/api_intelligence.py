"""HTTP API of infringer intelligence: record a seller's identifiers as keyed hashes, and match one's own sellers
through the oblivious PRF. Parse, call a service, serialise."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination, Rendered
from ipbridge.core.errors import ValidationFailed
from ipbridge.engine import oprf
from ipbridge.engine.identifiers import KINDS
from ipbridge.sharing import intelligence

router = Router(tags=["intelligence"])


class IdentifierIn(Schema):
    kind: str = Field(description=f"One of: {', '.join(KINDS)}")
    value: str = Field(max_length=2000)


class RecordIn(Schema):
    case_id: int
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=intelligence.MAX_BATCH)


class RecordedOut(Schema):
    recorded: int = Field(description="New records (one already recorded for the case is not made twice)")


class RecordOut(Schema):
    id: int
    kind: str
    case: int
    created_at: dt.datetime
    expires_at: dt.datetime


class EvaluateIn(Schema):
    blinded: list[str] = Field(
        min_length=1,
        max_length=intelligence.MAX_BATCH,
        description="Blinded elements r·H1(x), base64 (32 bytes each)",
    )


class EvaluateOut(Schema):
    evaluated: list[str] = Field(description="k·(each element), base64, in the same order")


class MatchIn(Schema):
    hashes: list[str] = Field(
        min_length=1, max_length=intelligence.MAX_BATCH, description="Finished keyed hashes F(k, x), hex"
    )


class MatchOut(Schema):
    hash: str
    kind: str
    marketplaces: int = Field(description="How many marketplaces recorded it")
    cases: int
    last_confirmed: str


class SuiteOut(Schema):
    suite: str
    element_bytes: int
    output_bytes: int
    kinds: list[str]
    input: str
    steps: list[str]


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _decoded(values: list[str], *, field: str, hex_: bool) -> list[bytes]:
    decoded = []
    for position, value in enumerate(values):
        try:
            decoded.append(bytes.fromhex(value) if hex_ else base64.b64decode(value, validate=True))
        except (ValueError, binascii.Error) as exc:
            raise ValidationFailed(
                "invalid_encoding",
                f"Item {position + 1} is not {'hexadecimal' if hex_ else 'base64'}.",
                field=f"{field}[{position}]",
            ) from exc
    return decoded


@router.post("/intelligence/records", response={201: RecordedOut, **ERRORS}, operation_id="intelligence_record")
def intelligence_record(request: HttpRequest, payload: RecordIn) -> Status[dict[str, Any]]:
    """Record identifiers (licence number, telephone, e-mail, payment account, address, device, shop address) of
    the seller of one of your cases with measures taken. Only their keyed hashes are kept."""
    recorded = intelligence.intelligence_record(
        actor=_actor(request),
        case_id=payload.case_id,
        identifiers=[(i.kind, i.value) for i in payload.identifiers],
    )
    return Status(201, {"recorded": recorded})


@router.get("/intelligence/records", response={200: list[RecordOut], **ERRORS}, operation_id="intelligence_records")
@paginate(Pagination)
def intelligence_records(request: HttpRequest) -> Any:
    """What your marketplace recorded: kinds and cases, never the values."""
    return Rendered(
        intelligence.intelligence_records(actor=_actor(request)),
        lambda r: {
            "id": r.pk,
            "kind": r.kind,
            "case": r.case_id,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
        },
    )


@router.delete(
    "/intelligence/records/{int:record_id}", response={204: None, **ERRORS}, operation_id="intelligence_withdraw"
)
def intelligence_withdraw(request: HttpRequest, record_id: int) -> Status[None]:
    intelligence.intelligence_withdraw(actor=_actor(request), record_id=record_id)
    return Status(204, None)


@router.post("/intelligence/evaluate", response={200: EvaluateOut, **ERRORS}, operation_id="intelligence_evaluate")
def intelligence_evaluate(request: HttpRequest, payload: EvaluateIn) -> dict[str, Any]:
    """The instance's step of the oblivious PRF: send r·H1(x) for each identifier x, get k·r·H1(x) back. The
    identifiers never reach IPBridge. Counted against your organisation's daily allowance."""
    evaluated = intelligence.intelligence_evaluate(
        actor=_actor(request), blinded=_decoded(payload.blinded, field="blinded", hex_=False)
    )
    return {"evaluated": [base64.b64encode(e).decode() for e in evaluated]}


@router.post("/intelligence/match", response={200: list[MatchOut], **ERRORS}, operation_id="intelligence_match")
def intelligence_match(request: HttpRequest, payload: MatchIn) -> list[dict[str, Any]]:
    """Which of the finished keyed hashes are recorded infringers; nothing is told of the others."""
    matches = intelligence.intelligence_match(
        actor=_actor(request), hashes_=_decoded(payload.hashes, field="hashes", hex_=True)
    )
    return [
        {
            "hash": m.hash.hex(),
            "kind": m.kind,
            "marketplaces": m.marketplaces,
            "cases": m.cases,
            "last_confirmed": m.last_confirmed,
        }
        for m in matches
    ]


@router.get("/intelligence/suite", response={200: SuiteOut, **ERRORS}, operation_id="intelligence_suite")
def intelligence_suite(request: HttpRequest) -> dict[str, Any]:
    """How to compute what /intelligence/evaluate and /intelligence/match take, for your own client."""
    _actor(request).require("sharing:read")
    return {
        "suite": oprf.SUITE.decode(),
        "element_bytes": oprf.ELEMENT_BYTES,
        "output_bytes": oprf.OUTPUT_BYTES,
        "kinds": list(KINDS),
        "input": "UTF-8 of '<kind>:<canonical value>', the canonical value as ipbridge.engine.identifiers makes it",
        "steps": [
            "blind: r random scalar; send r·H1(input), H1 = ipbridge.engine.oprf.hash_to_group",
            "evaluate: POST /intelligence/evaluate answers k·r·H1(input)",
            "finalize: F = SHA-512(suite|H2|len(input)|input|32|r⁻¹·answer)[:32]; POST /intelligence/match",
        ],
    }
