"""The live-stream API: opening, pushing one segment or many, ending; each refusal naming its field and changing
nothing; the lists with their filters, pages and a fixed number of queries; a retried push counted once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.models import AuditEvent, Organisation
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.screening import streams
from ipbridge.screening.models import Alert, StreamSegment, StreamSession
from tests.factories import api_key
from tests.screening.factories import holder_member, marketplace_member

pytestmark = pytest.mark.django_db

API = "/api/v1/screening/streams"
FLAGGED = {"id": "s-1", "start_ms": 61_000, "end_ms": 64_500, "text": "AURORA 口红 高仿", "speaker": "host"}
CLEAN = {"id": "s-2", "start_ms": 64_500, "end_ms": 66_000, "text": "今天天气很好", "speaker": "host"}


def client_for(organisation: Organisation, scopes: tuple[str, ...] = ("screening:read", "screening:write")) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, list(scopes))}")


@pytest.fixture
def megamart() -> Organisation:
    holder_member()
    return marketplace_member().organisation


@pytest.fixture
def api(megamart: Organisation) -> Client:
    return client_for(megamart)


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def opened(client: Client, **fields: Any) -> dict[str, Any]:
    response = post(client, API, {"stream_id": "live-1", **fields})
    assert response.status_code == 201, response.json()
    return dict(response.json())


def state() -> dict[str, Any]:
    return {
        "sessions": sorted(StreamSession.objects.values_list("pk", "status", "segments_received", "segments_flagged")),
        "segments": StreamSegment.objects.count(),
        "alerts": Alert.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    field = body.get("field") or ",".join(f["field"] for f in body.get("fields", []))
    return response.status_code, body["code"], field


# Opening --------------------------------------------------------------------------------------------------------


def test_opening_a_stream_answers_the_session(api: Client, megamart: Organisation) -> None:
    body = opened(
        api,
        title="Spring lipsticks",
        url="https://megamart.example/live/1",
        shop_id="shop-9",
        shop_name="Bright Deals",
        streamer="Lily",
    )

    session = StreamSession.objects.get()
    assert body == {
        "id": session.pk,
        "stream_id": "live-1",
        "marketplace": "megamart",
        "title": "Spring lipsticks",
        "url": "https://megamart.example/live/1",
        "shop_id": "shop-9",
        "shop_name": "Bright Deals",
        "streamer": "Lily",
        "status": "live",
        "segments_received": 0,
        "segments_flagged": 0,
        "opened_by": session.opened_by_label,
        "opened_at": body["opened_at"],
        "ended_at": None,
        "websocket": f"/ws/v1/screening/streams/{session.pk}/",
    }
    assert session.opened_by_label.startswith("API key ")


def test_a_second_live_session_of_a_stream_is_refused(api: Client) -> None:
    first = opened(api)
    before = state()

    response = post(api, API, {"stream_id": "live-1"})

    assert error(response) == (409, "stream_live", "stream_id")
    assert response.json()["error"]["details"] == {"stream": first["id"]}
    assert state() == before


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "invalid_input", "stream_id"),
        ({"stream_id": "   "}, "required", "stream_id"),
        ({"stream_id": "x" * 201}, "invalid_input", "stream_id"),
        ({"stream_id": "live-1", "url": "ftp://megamart.example/1"}, "invalid_url", "url"),
        ({"stream_id": "live-1", "title": "t" * 501}, "invalid_input", "title"),
        ({"stream_id": 12}, "invalid_input", "stream_id"),
    ],
)
def test_a_stream_opened_wrong_is_refused_naming_the_field(api: Client, body: Any, code: str, field: str) -> None:
    response = post(api, API, body)

    assert error(response) == (422, code, field)
    assert state()["sessions"] == []


# Pushing --------------------------------------------------------------------------------------------------------


def test_one_segment_alone_is_screened_and_counted(api: Client) -> None:
    stream = opened(api, shop_id="shop-9", url="https://megamart.example/live/1")

    response = post(api, f"{API}/{stream['id']}/segments", FLAGGED)

    assert response.status_code == 200
    body = response.json()
    stored = StreamSegment.objects.select_related("alert").get()
    [result] = body["results"]
    assert result["segment_id"] == "s-1"
    assert result["alert_id"] == stored.alert.pk
    assert (result["level"], result["risk_score"]) == (stored.alert.level, stored.risk_score)
    assert [f["sentence"] for f in result["flags"]]
    assert (body["stream"]["segments_received"], body["stream"]["segments_flagged"]) == (1, 1)


def test_many_segments_are_answered_in_their_order(api: Client) -> None:
    stream = opened(api)

    response = post(api, f"{API}/{stream['id']}/segments", {"segments": [CLEAN, FLAGGED, {**CLEAN, "id": "s-3"}]})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["segment_id"], bool(r["flags"]), r["alert_id"] is not None) for r in results] == [
        ("s-2", False, False),
        ("s-1", True, True),
        ("s-3", False, False),
    ]
    assert (response.json()["stream"]["segments_received"], response.json()["stream"]["segments_flagged"]) == (3, 1)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"segments": []}, "invalid_input", "segments"),
        ({"segments": [CLEAN] * 501}, "invalid_input", "segments"),
        ({"segments": [CLEAN, {**FLAGGED, "end_ms": 1}]}, "invalid_input", "segments.1.end_ms"),
        ({"segments": [{**FLAGGED, "text": "字" * 5001}]}, "invalid_input", "segments.0.text"),
        ({"segments": [{**FLAGGED, "text": ""}]}, "invalid_input", "segments.0.text"),
        ({"segments": [{**FLAGGED, "start_ms": -5}]}, "invalid_input", "segments.0.start_ms"),
        ({"segments": [{**FLAGGED, "start_ms": 2**63}]}, "invalid_input", "segments.0.start_ms"),
        ({"segments": [{**FLAGGED, "speaker": "s" * 201}]}, "invalid_input", "segments.0.speaker"),
        ({"segments": [CLEAN, {**FLAGGED, "text": "   "}]}, "required", "segments.1.text"),
        ({**FLAGGED, "end_ms": 1}, "invalid_input", "segments.0.end_ms"),
        ({"text": "no id"}, "invalid_input", "segments"),
    ],
)
def test_segments_sent_wrong_are_refused_naming_the_field_and_none_is_kept(
    api: Client, body: Any, code: str, field: str
) -> None:
    stream = opened(api)
    before = state()

    response = post(api, f"{API}/{stream['id']}/segments", body)

    assert error(response) == (422, code, field)
    assert state() == before


def test_a_retried_push_with_its_idempotency_key_is_counted_once(api: Client) -> None:
    stream = opened(api)
    path = f"{API}/{stream['id']}/segments"

    first = post(api, path, FLAGGED, **{"Idempotency-Key": "push-1"})
    again = post(api, path, FLAGGED, **{"Idempotency-Key": "push-1"})

    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (StreamSegment.objects.count(), Alert.objects.count()) == (1, 1)
    assert StreamSession.objects.values_list("segments_received", flat=True).get() == 1


# Ending ---------------------------------------------------------------------------------------------------------


def test_ending_a_stream_refuses_later_pushes_and_a_second_end(api: Client) -> None:
    stream = opened(api)

    ended = post(api, f"{API}/{stream['id']}/end", {})
    before = state()
    pushed = post(api, f"{API}/{stream['id']}/segments", FLAGGED)
    again = post(api, f"{API}/{stream['id']}/end", {})

    assert ended.status_code == 200
    assert (ended.json()["status"], ended.json()["ended_at"] is not None) == ("ended", True)
    assert error(pushed) == (409, "stream_ended", "stream")
    assert error(again) == (409, "stream_ended", "stream")
    assert state() == before


def test_a_stream_id_can_be_opened_again_once_its_session_ended(api: Client) -> None:
    first = opened(api)
    post(api, f"{API}/{first['id']}/end", {})

    second = opened(api)

    assert second["id"] != first["id"]
    assert list(StreamSession.objects.order_by("pk").values_list("stream_ref", "status")) == [
        ("live-1", "ended"),
        ("live-1", "live"),
    ]


# Reading --------------------------------------------------------------------------------------------------------


def test_the_list_shows_live_sessions_first_and_filters_by_status(api: Client, megamart: Organisation) -> None:
    actor = actor_for_system(megamart)
    old = streams.stream_open(actor=actor, stream=streams.StreamIn(stream_id="old"))
    live = streams.stream_open(actor=actor, stream=streams.StreamIn(stream_id="live"))
    newer = streams.stream_open(actor=actor, stream=streams.StreamIn(stream_id="newer"))
    streams.stream_end(actor=actor, session_id=newer.pk)

    def listed(query: str = "") -> list[str]:
        response = api.get(f"{API}{query}")
        assert response.status_code == 200
        return [s["stream_id"] for s in response.json()["items"]]

    assert listed() == ["live", "old", "newer"]
    assert listed("?status=ended") == ["newer"]
    assert listed("?status=live") == ["live", "old"]
    assert error(api.get(f"{API}?status=paused")) == (422, "invalid_choice", "status")
    assert old.pk < live.pk


def test_a_session_answers_its_counters(api: Client) -> None:
    stream = opened(api)
    post(api, f"{API}/{stream['id']}/segments", {"segments": [FLAGGED, CLEAN]})

    body = api.get(f"{API}/{stream['id']}").json()

    assert (body["segments_received"], body["segments_flagged"], body["status"]) == (2, 1, "live")


def test_the_flagged_segments_come_in_the_streams_order_page_by_page(
    api: Client, django_assert_num_queries: Any
) -> None:
    stream = opened(api)
    later = {**FLAGGED, "id": "s-9", "start_ms": 90_000, "end_ms": 91_000}
    earlier = {**FLAGGED, "id": "s-0", "start_ms": 1_000, "end_ms": 2_000}
    post(api, f"{API}/{stream['id']}/segments", {"segments": [later, CLEAN, earlier, FLAGGED]})

    first = api.get(f"{API}/{stream['id']}/segments?limit=2").json()
    second = api.get(f"{API}/{stream['id']}/segments?limit=2&offset=2").json()

    assert first["count"] == 3
    assert [s["segment_id"] for s in first["items"] + second["items"]] == ["s-0", "s-1", "s-9"]
    item = first["items"][0]
    stored = StreamSegment.objects.select_related("alert").get(segment_ref="s-0")
    assert item == {
        "id": stored.pk,
        "segment_id": "s-0",
        "start_ms": 1_000,
        "end_ms": 2_000,
        "speaker": "host",
        "text": "AURORA 口红 高仿",
        "risk_score": stored.risk_score,
        "level": stored.alert.level,
        "flags": item["flags"],
        "alert_id": stored.alert.pk,
        "received_at": item["received_at"],
    }
    # Authentication (the key, its last use), the session, the count and the page, however many segments.
    with django_assert_num_queries(4):
        api.get(f"{API}/{stream['id']}/segments?limit=3")


def test_the_list_reads_a_fixed_number_of_queries(
    api: Client, megamart: Organisation, django_assert_num_queries: Any
) -> None:
    actor = actor_for_system(megamart)
    for n in range(5):
        streams.stream_open(actor=actor, stream=streams.StreamIn(stream_id=f"s-{n}"))
    api.get(API)

    with django_assert_num_queries(3):
        assert len(api.get(API).json()["items"]) == 5
