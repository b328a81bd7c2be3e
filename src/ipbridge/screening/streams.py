"""Live-stream screening (直播): a marketplace opens a session for a stream, pushes its transcript segments as
they come (over the API or the WebSocket) and ends it. Each segment is screened at once; the flagged ones are
kept and counted, and those at or over the marketplace's alert threshold raise an alert.

Marketplaces see their own sessions, operators everyone's; right holders meet a stream's segments only through the
alerts shared with them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import Conflict, NotFound, ValidationFailed
from ipbridge.core.validation import choice_field, text_field, url_field
from ipbridge.engine.screening import Result, Segment
from ipbridge.screening.alerts import alert_raise
from ipbridge.screening.catalogue import screener_for
from ipbridge.screening.flags import flags_json, watch_flag
from ipbridge.screening.models import StreamSegment, StreamSession, StreamStatus
from ipbridge.screening.monitoring import watch_matcher
from ipbridge.screening.monitoring.watches import WatchMatcher

logger = logging.getLogger(__name__)

MAX_TEXT = 5_000
MAX_SEGMENTS = 500
MAX_REF = 200
READERS = (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)


@dataclass(frozen=True)
class StreamIn:
    """A stream as the marketplace names it: its own id of the stream, and what it knows of it."""

    stream_id: str
    title: str = ""
    url: str = ""
    shop_id: str = ""
    shop_name: str = ""
    streamer: str = ""


@dataclass(frozen=True)
class SegmentIn:
    """What ``speaker`` said from ``start_ms`` to ``end_ms`` of the stream; ``id`` is the marketplace's."""

    id: str
    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""


@dataclass(frozen=True)
class SegmentScreened:
    """A pushed segment's screening: ``level`` is "alert", "hold" or ""; ``alert_id`` is set when one was raised,
    ``stored_id`` when the segment was flagged and kept."""

    segment_id: str
    risk_score: float
    level: str
    flags: list[dict[str, Any]]
    alert_id: int | None = None
    stored_id: int | None = None


@dataclass(frozen=True)
class Pushed:
    session: StreamSession
    results: list[SegmentScreened]


def stream_group(session_id: int) -> str:
    """The channel-layer group of the WebSocket connections pushing to a session."""
    return f"screening.stream.{session_id}"


# Selectors ----------------------------------------------------------------------------------------------------------


def _seen(actor: Actor) -> Q:
    return Q() if actor.is_operator else Q(marketplace=actor.organisation)


def streams_visible(*, actor: Actor, status: str = "") -> QuerySet[StreamSession]:
    """The sessions the actor may read, live ones first, then the newest: a marketplace's own, all for operators."""
    actor.require("screening:read")
    actor.require_kind(*READERS)
    rows = StreamSession.objects.select_related("marketplace").filter(_seen(actor))
    if status:
        rows = rows.filter(status=choice_field(status, StreamStatus.values, field="status"))
    live_first = Case(When(status=StreamStatus.LIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rows.order_by(live_first, "-opened_at", "-id")


def access_stream(*, actor: Actor, session_id: int) -> StreamSession:
    """The session, if the actor may read it; "not found" whether it is missing or another marketplace's."""
    actor.require("screening:read")
    actor.require_kind(*READERS)
    session = StreamSession.objects.select_related("marketplace").filter(_seen(actor), pk=session_id).first()
    if session is None:
        raise NotFound()
    return session


def stream_segments_flagged(*, session: StreamSession) -> QuerySet[StreamSegment]:
    """The session's flagged segments with their alerts, in the stream's order. Take the session from
    ``access_stream``."""
    return StreamSegment.objects.filter(session=session).select_related("alert").order_by("start_ms", "pk")


def stream_segments_latest(*, session: StreamSession, limit: int, after: int = 0) -> list[StreamSegment]:
    """The ``limit`` flagged segments stored last (after the one of id ``after``), newest first, with their
    alerts: what a dashboard shows, and what it asks for again."""
    rows = StreamSegment.objects.filter(session=session, pk__gt=after).select_related("alert")
    return list(rows.order_by("-pk")[:limit])


def stream_for_push(*, actor: Actor, session_id: int) -> StreamSession:
    """The live session a marketplace pushes to: the WebSocket checks it once, when the connection authenticates.
    Refuses a missing scope or another kind of organisation, another marketplace's session (not found) and an
    ended one."""
    session = _own(actor, session_id)
    if session.status != StreamStatus.LIVE:
        raise _ended()
    return session


# Services -----------------------------------------------------------------------------------------------------------


def _require_writer(actor: Actor) -> None:
    actor.require("screening:write")
    actor.require_kind(OrganisationKind.MARKETPLACE)


def _own(actor: Actor, session_id: int, *, for_update: bool = False) -> StreamSession:
    _require_writer(actor)
    rows = StreamSession.objects.select_related("marketplace")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    session = rows.filter(marketplace=actor.organisation, pk=session_id).first()
    if session is None:
        raise NotFound()
    return session


def _ended() -> Conflict:
    return Conflict("stream_ended", _("This stream has ended: open a new session to screen it again."), field="stream")


def _no_nul(value: str, *, field: str) -> str:
    if "\x00" in value:
        raise ValidationFailed(
            "invalid_characters", _("The request contains a NUL character, which no field accepts."), field=field
        )
    return value


def _stream_fields(stream: StreamIn) -> dict[str, str]:
    fields = {
        "stream_ref": text_field(stream.stream_id, field="stream_id", max_length=MAX_REF),
        "title": text_field(stream.title, field="title", max_length=500, required=False),
        "url": url_field(stream.url, field="url", max_length=1000, required=False),
        "shop_id": text_field(stream.shop_id, field="shop_id", max_length=MAX_REF, required=False),
        "shop_name": text_field(stream.shop_name, field="shop_name", max_length=MAX_REF, required=False),
        "streamer": text_field(stream.streamer, field="streamer", max_length=MAX_REF, required=False),
    }
    for name, value in fields.items():
        _no_nul(value, field="stream_id" if name == "stream_ref" else name)
    return fields


def _already_live(stream_ref: str, existing_id: int | None) -> Conflict:
    return Conflict(
        "stream_live",
        _("Stream “%(stream)s” already has a live session: push to it, or end it first.") % {"stream": stream_ref},
        field="stream_id",
        details={"stream": existing_id} if existing_id is not None else None,
    )


def stream_open(*, actor: Actor, stream: StreamIn) -> StreamSession:
    """Open a session for a stream of the actor's marketplace; one live session per stream id."""
    _require_writer(actor)
    fields = _stream_fields(stream)
    try:
        with transaction.atomic():
            live = (
                StreamSession.objects.filter(
                    marketplace=actor.organisation, stream_ref=fields["stream_ref"], status=StreamStatus.LIVE
                )
                .values_list("pk", flat=True)
                .first()
            )
            if live is not None:
                raise _already_live(fields["stream_ref"], live)
            session = StreamSession.objects.create(
                marketplace=actor.organisation, opened_by_label=actor.label, **fields
            )
            audit_act(
                actor,
                AuditAction.STREAM_OPENED,
                subject=session,
                stream_id=session.stream_ref,
                shop_id=session.shop_id,
                streamer=session.streamer,
            )
    except IntegrityError as exc:
        # Two opens of the same stream at once: the database's one-live-session rule lets one through.
        raise _already_live(fields["stream_ref"], None) from exc
    return session


def segments_checked(segments: Sequence[SegmentIn]) -> list[SegmentIn]:
    """The segments as screened (texts stripped), or the refusal naming the segment and field at fault."""
    if not segments:
        raise ValidationFailed("required", _("Send at least one segment."), field="segments")
    if len(segments) > MAX_SEGMENTS:
        raise ValidationFailed(
            "too_many", _("At most %(n)d segments a request.") % {"n": MAX_SEGMENTS}, field="segments"
        )
    checked = []
    for index, segment in enumerate(segments):
        at = f"segments.{index}"
        ref = _no_nul(text_field(segment.id, field=f"{at}.id", max_length=MAX_REF), field=f"{at}.id")
        text = _no_nul(text_field(segment.text, field=f"{at}.text", max_length=MAX_TEXT), field=f"{at}.text")
        speaker = _no_nul(
            text_field(segment.speaker, field=f"{at}.speaker", max_length=MAX_REF, required=False),
            field=f"{at}.speaker",
        )
        if segment.start_ms < 0:
            raise ValidationFailed("negative", _("A time cannot be negative."), field=f"{at}.start_ms")
        if segment.end_ms < segment.start_ms:
            raise ValidationFailed(
                "ends_before_start", _("A segment cannot end before it starts."), field=f"{at}.end_ms"
            )
        checked.append(SegmentIn(id=ref, start_ms=segment.start_ms, end_ms=segment.end_ms, text=text, speaker=speaker))
    return checked


@dataclass(frozen=True)
class _Screened:
    segment: SegmentIn
    result: Result
    level: str
    flags: list[dict[str, Any]]

    @property
    def kept(self) -> bool:
        return bool(self.flags)


def _screened(session: StreamSession, segments: list[SegmentIn]) -> tuple[list[_Screened], WatchMatcher]:
    """Each segment's screening, with the marketplace's watches (重点监测): a segment matching one (the stream's
    shop, or a product's words) is kept and raises an alert whatever its score."""
    screener, thresholds = screener_for(session.marketplace)
    watches = watch_matcher(marketplace=session.marketplace)
    marketplace = str(session.marketplace.pk)
    screened = []
    for segment in segments:
        result = screener.screen_segment(
            Segment(
                id=segment.id,
                stream_id=session.stream_ref,
                start_ms=segment.start_ms,
                end_ms=segment.end_ms,
                text=segment.text,
                speaker=segment.speaker,
                marketplace=marketplace,
                shop_id=session.shop_id,
            )
        )
        watched = watches.matches(segment.text, "", session.shop_id) if watches.watches else []
        level = thresholds.level(result.risk_score) or ("alert" if watched else "")
        screened.append(
            _Screened(segment, result, level, flags_json(result) + [watch_flag(w, field="text") for w in watched])
        )
    return screened, watches


def stream_segments_push(*, actor: Actor, session_id: int, segments: Sequence[SegmentIn]) -> Pushed:
    """Screen transcript segments of a live session of the actor's marketplace, keep the flagged ones, raise an
    alert for each at or over the alert threshold, and count them all on the session. All or nothing."""
    checked = segments_checked(segments)
    session = stream_for_push(actor=actor, session_id=session_id)
    # Screened before the transaction: matching is the slow part, and holds no lock.
    screened, watches = _screened(session, checked)
    kept = [item for item in screened if item.kept]
    now = timezone.now()
    with transaction.atomic():
        # Counting first takes the session's lock, and finds out whether the session ended meanwhile.
        counted = StreamSession.objects.filter(pk=session.pk, status=StreamStatus.LIVE).update(
            segments_received=F("segments_received") + len(screened),
            segments_flagged=F("segments_flagged") + len(kept),
        )
        if not counted:
            raise _ended()
        watches.hits_record()
        stored = StreamSegment.objects.bulk_create(
            [
                StreamSegment(
                    session=session,
                    segment_ref=item.segment.id,
                    start_ms=item.segment.start_ms,
                    end_ms=item.segment.end_ms,
                    speaker=item.segment.speaker,
                    text=item.segment.text,
                    risk_score=item.result.risk_score,
                    flags=item.flags,
                    received_at=now,
                )
                for item in kept
            ]
        )
        rows = iter(stored)  # in the order of the kept segments
        results = []
        for item in screened:
            row = next(rows) if item.kept else None
            alert_id = None
            if row is not None and item.level:
                alert_id = alert_raise(
                    marketplace=session.marketplace,
                    level=item.level,
                    risk_score=item.result.risk_score,
                    flags=item.flags,
                    title=item.segment.text,
                    segment=row,
                    listing_id=session.stream_ref,
                    url=session.url,
                    shop_id=session.shop_id,
                    shop_name=session.shop_name,
                ).pk
            results.append(
                SegmentScreened(
                    item.segment.id, item.result.risk_score, item.level, item.flags, alert_id, row.pk if row else None
                )
            )
    session.refresh_from_db(fields=["segments_received", "segments_flagged"])
    return Pushed(session, results)


def stream_end(*, actor: Actor, session_id: int) -> StreamSession:
    """End a live session; the WebSocket connections pushing to it are told and closed."""
    with transaction.atomic():
        session = _own(actor, session_id, for_update=True)
        if session.status != StreamStatus.LIVE:
            raise Conflict("stream_ended", _("This stream has already ended."), field="stream")
        session.status = StreamStatus.ENDED
        session.ended_at = timezone.now()
        session.save(update_fields=["status", "ended_at"])
        audit_act(
            actor,
            AuditAction.STREAM_ENDED,
            subject=session,
            stream_id=session.stream_ref,
            segments_received=session.segments_received,
            segments_flagged=session.segments_flagged,
        )
        transaction.on_commit(lambda: _tell_ended(session))
    return session


def _tell_ended(session: StreamSession) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            stream_group(session.pk),
            {
                "type": "stream.ended",
                "segments_received": session.segments_received,
                "segments_flagged": session.segments_flagged,
            },
        )
    except Exception:
        # The session has ended whatever the channel layer does; a connection left open is refused on its next push.
        logger.exception("could not tell the connections of stream %s that it ended", session.pk)
