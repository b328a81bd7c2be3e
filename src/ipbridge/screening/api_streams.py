"""HTTP API of live-stream screening (直播): open a session, push transcript segments, end it; read the sessions
and their flagged segments. The same pushes can go over the WebSocket (``ipbridge.screening.consumers``). Parse,
call a service or a selector, serialise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination, Rendered
from ipbridge.screening import streams
from ipbridge.screening.models import StreamSegment, StreamSession
from ipbridge.screening.presenters import flag_out
from ipbridge.screening.schemas import FlagOut

router = Router(tags=["screening"])

WEBSOCKET_PATH = "/ws/v1/screening/streams/{id}/"
# Times in milliseconds from the stream's start; bounded so that any value sent fits a database integer.
MAX_MS = 2**62


class StreamOpenIn(Schema):
    stream_id: str = Field(max_length=streams.MAX_REF, description="Your id of the stream")
    title: str = Field("", max_length=500)
    url: str = Field("", max_length=1000, description="The stream's page, http(s)")
    shop_id: str = Field("", max_length=streams.MAX_REF, description="Your id of the shop selling in the stream")
    shop_name: str = Field("", max_length=streams.MAX_REF)
    streamer: str = Field("", max_length=streams.MAX_REF, description="The live streamer (主播)")


class StreamOut(Schema):
    id: int
    stream_id: str
    marketplace: str = Field(description="The marketplace's slug")
    title: str
    url: str
    shop_id: str
    shop_name: str
    streamer: str
    status: str = Field(description="live or ended")
    segments_received: int
    segments_flagged: int
    opened_by: str
    opened_at: dt.datetime
    ended_at: dt.datetime | None
    websocket: str = Field(description="Where to push this session's segments over a WebSocket instead")


class StreamSegmentIn(Schema):
    """One transcript segment: what ``speaker`` said from ``start_ms`` to ``end_ms`` of the stream."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: str = Field(min_length=1, max_length=streams.MAX_REF, description="Your id of the segment, given back")
    start_ms: int = Field(ge=0, le=MAX_MS, description="From the stream's start, in milliseconds")
    end_ms: int = Field(ge=0, le=MAX_MS, description="At or after start_ms")
    text: str = Field(min_length=1, max_length=streams.MAX_TEXT)
    speaker: str = Field("", max_length=streams.MAX_REF)

    @field_validator("end_ms")
    @classmethod
    def _not_before_start(cls, end_ms: int, info: ValidationInfo) -> int:
        start = info.data.get("start_ms")
        if start is not None and end_ms < start:
            raise ValueError(gettext("A segment cannot end before it starts."))
        return end_ms

    def entry(self) -> streams.SegmentIn:
        return streams.SegmentIn(
            id=self.id, start_ms=self.start_ms, end_ms=self.end_ms, text=self.text, speaker=self.speaker
        )


class StreamSegmentsIn(BaseModel):
    """``{"segments": [...]}``, or one segment's fields alone. A plain pydantic model: Django Ninja's schemas hand
    their validators a wrapper of the body, not the body itself."""

    segments: list[StreamSegmentIn] = Field(min_length=1, max_length=streams.MAX_SEGMENTS)

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: Any) -> Any:
        if isinstance(data, dict) and "segments" not in data and "id" in data:
            return {"segments": [data]}
        return data


class StreamSegmentResultOut(Schema):
    segment_id: str
    risk_score: float
    level: str = Field(description='"alert" or "hold" at or over the thresholds, else ""')
    flags: list[FlagOut]
    alert_id: int | None = Field(description="The alert raised, if any")


class StreamPushOut(Schema):
    stream: StreamOut
    results: list[StreamSegmentResultOut]


class StreamSegmentOut(Schema):
    id: int
    segment_id: str
    start_ms: int
    end_ms: int
    speaker: str
    text: str
    risk_score: float
    level: str
    flags: list[FlagOut]
    alert_id: int | None
    received_at: dt.datetime


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def stream_out(session: StreamSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "stream_id": session.stream_ref,
        "marketplace": session.marketplace.slug,
        "title": session.title,
        "url": session.url,
        "shop_id": session.shop_id,
        "shop_name": session.shop_name,
        "streamer": session.streamer,
        "status": session.status,
        "segments_received": session.segments_received,
        "segments_flagged": session.segments_flagged,
        "opened_by": session.opened_by_label,
        "opened_at": session.opened_at,
        "ended_at": session.ended_at,
        "websocket": WEBSOCKET_PATH.format(id=session.pk),
    }


def result_out(result: streams.SegmentScreened) -> dict[str, Any]:
    return {
        "segment_id": result.segment_id,
        "risk_score": result.risk_score,
        "level": result.level,
        "flags": [flag_out(flag) for flag in result.flags],
        "alert_id": result.alert_id,
    }


def segment_out(segment: StreamSegment) -> dict[str, Any]:
    alert = getattr(segment, "alert", None)
    return {
        "id": segment.pk,
        "segment_id": segment.segment_ref,
        "start_ms": segment.start_ms,
        "end_ms": segment.end_ms,
        "speaker": segment.speaker,
        "text": segment.text,
        "risk_score": segment.risk_score,
        "level": alert.level if alert is not None else "",
        "flags": [flag_out(flag) for flag in segment.flags],
        "alert_id": alert.pk if alert is not None else None,
        "received_at": segment.received_at,
    }


@router.get("/screening/streams", response={200: list[StreamOut], **ERRORS}, operation_id="screening_streams_list")
@paginate(Pagination)
def streams_list(request: HttpRequest, status: str = "") -> Any:
    """Live-stream sessions, live ones first, then the newest: a marketplace's own, everyone's for operators;
    ``status=live`` or ``status=ended`` for one kind."""
    return Rendered(streams.streams_visible(actor=_actor(request), status=status), stream_out)


@router.post("/screening/streams", response={201: StreamOut, **ERRORS}, operation_id="screening_stream_open")
def stream_open(request: HttpRequest, payload: StreamOpenIn) -> Status[dict[str, Any]]:
    """Open a session to screen a live stream (直播) of your marketplace while it runs (``screening:write``). One
    live session per ``stream_id``: 409 ``stream_live`` while another is open."""
    session = streams.stream_open(actor=_actor(request), stream=streams.StreamIn(**payload.dict()))
    return Status(201, stream_out(session))


@router.get(
    "/screening/streams/{int:stream_id}", response={200: StreamOut, **ERRORS}, operation_id="screening_stream_get"
)
def stream_get(request: HttpRequest, stream_id: int) -> dict[str, Any]:
    """A session with its counters: segments received and flagged."""
    return stream_out(streams.access_stream(actor=_actor(request), session_id=stream_id))


@router.post(
    "/screening/streams/{int:stream_id}/segments",
    response={200: StreamPushOut, **ERRORS},
    operation_id="screening_stream_segments_push",
)
def segments_push(request: HttpRequest, stream_id: int, payload: StreamSegmentsIn) -> dict[str, Any]:
    """Screen transcript segments of a live session at once: one segment's fields, or ``{"segments": [...]}``
    with up to 500. Each answer gives the segment's risk score, level, flags and the alert raised, if any. The
    flagged segments are kept; every segment is counted. 409 ``stream_ended`` after the session ended."""
    pushed = streams.stream_segments_push(
        actor=_actor(request), session_id=stream_id, segments=[s.entry() for s in payload.segments]
    )
    return {"stream": stream_out(pushed.session), "results": [result_out(r) for r in pushed.results]}


@router.post(
    "/screening/streams/{int:stream_id}/end", response={200: StreamOut, **ERRORS}, operation_id="screening_stream_end"
)
def stream_end(request: HttpRequest, stream_id: int) -> dict[str, Any]:
    """End a live session; its WebSocket connections are closed. 409 ``stream_ended`` when it already ended."""
    return stream_out(streams.stream_end(actor=_actor(request), session_id=stream_id))


@router.get(
    "/screening/streams/{int:stream_id}/segments",
    response={200: list[StreamSegmentOut], **ERRORS},
    operation_id="screening_stream_segments_list",
)
@paginate(Pagination)
def segments_list(request: HttpRequest, stream_id: int) -> Any:
    """The session's flagged segments in the stream's order, each with its flags and the alert it raised."""
    session = streams.access_stream(actor=_actor(request), session_id=stream_id)
    return Rendered(streams.stream_segments_flagged(session=session), segment_out)
