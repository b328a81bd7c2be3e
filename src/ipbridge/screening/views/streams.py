"""Pages of live-stream screening (直播): the sessions of a marketplace (everyone's for operators), and a session's
dashboard, where flagged segments appear as they are pushed (htmx asks every two seconds for those stored after the
last one shown)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from ipbridge.screening import streams
from ipbridge.screening.alerts_presenters import time_code
from ipbridge.screening.flags import detector_label, flag_sentence
from ipbridge.screening.models import StreamSegment, StreamSession, StreamStatus
from ipbridge.screening.spans import matched_spans
from ipbridge.screening.views._common import PAGE_SIZE, SCREENERS, subnav
from ipbridge.web.pages import ActingRequest, acting

# The dashboard shows the segments flagged last; the API lists them all.
SHOWN = 200
LEVEL_BADGES = {"hold": "text-bg-danger", "alert": "text-bg-warning", "": "text-bg-secondary"}
STATUS_BADGES = {StreamStatus.LIVE: "text-bg-danger", StreamStatus.ENDED: "text-bg-secondary"}


def segment_row(segment: StreamSegment) -> dict[str, Any]:
    alert = getattr(segment, "alert", None)
    level = alert.level if alert is not None else ""
    return {
        "segment": segment,
        "time": time_code(segment.start_ms),
        "spans": matched_spans(segment.text, segment.flags, field="text"),
        "level": level,
        "badge": LEVEL_BADGES.get(level, LEVEL_BADGES[""]),
        "flags": [
            {"label": detector_label(f.get("detector", "")), "sentence": flag_sentence(f)} for f in segment.flags
        ],
        "alert": alert,
        "alert_url": reverse("screening:alert", args=[alert.pk]) if alert is not None else "",
    }


@acting(*SCREENERS)
@require_GET
def streams_list(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    status = request.GET.get("status", "")
    if status not in StreamStatus.values:
        status = ""
    page = Paginator(streams.streams_visible(actor=actor, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/streams.html",
        {
            "subnav": subnav(actor, "screening:streams"),
            "page": page,
            "rows": [{"session": s, "badge": STATUS_BADGES[StreamStatus(s.status)]} for s in page.object_list],
            "status": status,
            "statuses": StreamStatus.choices,
            "query": urlencode({"status": status}) if status else "",
            "is_operator": actor.is_operator,
            "can_push": actor.organisation.kind == "marketplace" and actor.can("screening:write"),
        },
    )


def _live(session: StreamSession, last_id: int) -> dict[str, Any]:
    """What the dashboard's poll renders besides the new segments: the counters, the status, where to ask next."""
    return {
        "session": session,
        "badge": STATUS_BADGES[StreamStatus(session.status)],
        "live": session.status == StreamStatus.LIVE,
        "last_id": last_id,
    }


@acting(*SCREENERS)
@require_GET
def stream_detail(request: ActingRequest, session_id: int) -> HttpResponse:
    actor = request.actor
    session = streams.access_stream(actor=actor, session_id=session_id)
    latest = streams.stream_segments_latest(session=session, limit=SHOWN)
    return render(
        request,
        "screening/stream.html",
        {
            "subnav": subnav(actor, "screening:streams"),
            "rows": [segment_row(s) for s in latest],
            "shown": SHOWN,
            "is_operator": actor.is_operator,
            **_live(session, latest[0].pk if latest else 0),
        },
    )


@acting(*SCREENERS)
@require_GET
def stream_segments(request: ActingRequest, session_id: int) -> HttpResponse:
    """The poll of the dashboard: the segments stored after ``after``, newest first, and the counters."""
    session = streams.access_stream(actor=request.actor, session_id=session_id)
    after_text = request.GET.get("after", "0")
    after = int(after_text) if after_text.isdigit() and len(after_text) < 19 else 0
    new = streams.stream_segments_latest(session=session, limit=SHOWN, after=after)
    return render(
        request,
        "screening/_stream_segments.html",
        {"rows": [segment_row(s) for s in new], "after": after, **_live(session, new[0].pk if new else after)},
    )


urls = [
    path("screening/streams/", streams_list, name="streams"),
    path("screening/streams/<int:session_id>/", stream_detail, name="stream"),
    path("screening/streams/<int:session_id>/segments/", stream_segments, name="stream_segments"),
]
