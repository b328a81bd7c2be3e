"""The live-stream WebSocket against the real ASGI application and a real database: authentication by the first
message or by header, each segment's result, malformed messages answered without closing, refusals closing with
their codes and changing nothing, and a session ended on the socket, over the API, or before the connection."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer

from ipbridge.accounts import services as account_services
from ipbridge.accounts.models import AuditEvent, Organisation
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.config.asgi import application
from ipbridge.screening import consumers, streams
from ipbridge.screening.models import Alert, StreamSegment, StreamSession
from tests.conftest import require_service, service_reachable
from tests.factories import api_key
from tests.screening.factories import holder_member, marketplace_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SEGMENT = {
    "type": "segment",
    "id": "s-1",
    "start_ms": 61_000,
    "end_ms": 64_500,
    "text": "AURORA 口红 高仿",
    "speaker": "host",
}
CLEAN = {
    "type": "segment",
    "id": "s-2",
    "start_ms": 64_500,
    "end_ms": 66_000,
    "text": "今天天气很好",
    "speaker": "host",
}


class WebsocketCommunicator(ApplicationCommunicator):
    """A WebSocket client of an ASGI application, in-process (Channels' own needs its optional test server). It
    waits up to ten seconds for an answer: the first segment a process screens builds its screener."""

    def __init__(self, app: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        scope = {"type": "websocket", "path": path, "query_string": b"", "headers": headers or [], "subprotocols": []}
        super().__init__(app, scope)

    async def connect(self, timeout: float = 10) -> tuple[bool, Any]:
        """(True, subprotocol) when the application accepts, (False, close code) when it refuses."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        return True, response.get("subprotocol")

    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await self.send_input({"type": "websocket.receive", "text": text_data})
        else:
            await self.send_input({"type": "websocket.receive", "bytes": bytes_data})

    async def send_json_to(self, data: Any) -> None:
        await self.send_to(text_data=json.dumps(data))

    async def receive_json_from(self, timeout: float = 10) -> Any:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 10) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


@dataclass
class World:
    marketplace: Organisation
    session_id: int
    key: str


@sync_to_async
def _world() -> World:
    holder_member()
    marketplace = marketplace_member().organisation
    session = streams.stream_open(
        actor=actor_for_system(marketplace),
        stream=streams.StreamIn(stream_id="live-1", url="https://megamart.example/live/1", shop_id="shop-9"),
    )
    return World(marketplace, session.pk, api_key(marketplace, ["screening:write"]))


@pytest_asyncio.fixture
async def world() -> World:
    return await _world()


def path(session_id: int) -> str:
    return f"/ws/v1/screening/streams/{session_id}/"


@sync_to_async
def snapshot() -> dict[str, Any]:
    return {
        "sessions": sorted(StreamSession.objects.values_list("pk", "status", "segments_received", "segments_flagged")),
        "segments": StreamSegment.objects.count(),
        "alerts": Alert.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


async def opened(session_id: int, headers: list[tuple[bytes, bytes]] | None = None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path(session_id), headers=headers or [])
    connected, _protocol = await communicator.connect()
    assert connected
    return communicator


async def authenticated(world: World) -> WebsocketCommunicator:
    communicator = await opened(world.session_id)
    await communicator.send_json_to({"type": "auth", "key": world.key})
    assert await communicator.receive_json_from() == {"type": "authenticated", "stream": world.session_id}
    return communicator


async def closed_with(communicator: WebsocketCommunicator) -> int:
    message = await communicator.receive_output(10)
    assert message["type"] == "websocket.close"
    return int(message["code"])


@pytest_asyncio.fixture
async def socket(world: World) -> AsyncIterator[WebsocketCommunicator]:
    communicator = await authenticated(world)
    yield communicator
    await communicator.disconnect()


# Results ------------------------------------------------------------------------------------------------------


async def test_a_segment_gets_its_result_and_raises_its_alert(world: World, socket: WebsocketCommunicator) -> None:
    await socket.send_json_to(SEGMENT)
    result = await socket.receive_json_from()

    stored = await sync_to_async(lambda: StreamSegment.objects.select_related("alert").get())()
    assert result["type"] == "result"
    assert result["segment_id"] == "s-1"
    assert result["alert_id"] == stored.alert.pk
    assert result["level"] == stored.alert.level
    assert result["risk_score"] == stored.risk_score
    assert [(f["detector"], f["matched_text"], f["start"], f["end"]) for f in result["flags"]] == [
        (f["detector"], f["matched_text"], f["start"], f["end"]) for f in stored.flags
    ]
    assert {f["matched_text"] for f in result["flags"]} >= {"AURORA", "高仿"}
    assert (stored.segment_ref, stored.start_ms, stored.end_ms, stored.speaker, stored.text) == (
        "s-1",
        61_000,
        64_500,
        "host",
        "AURORA 口红 高仿",
    )
    alert = stored.alert
    assert (alert.listing_id, alert.url, alert.shop_id, alert.title) == (
        "live-1",
        "https://megamart.example/live/1",
        "shop-9",
        "AURORA 口红 高仿",
    )
    assert (await snapshot())["sessions"] == [(world.session_id, "live", 1, 1)]


async def test_a_clean_segment_is_counted_and_not_kept(world: World, socket: WebsocketCommunicator) -> None:
    await socket.send_json_to(CLEAN)

    assert await socket.receive_json_from() == {
        "type": "result",
        "segment_id": "s-2",
        "risk_score": 0.0,
        "level": "",
        "flags": [],
        "alert_id": None,
    }
    state = await snapshot()
    assert (state["segments"], state["alerts"], state["sessions"]) == (0, 0, [(world.session_id, "live", 1, 0)])


async def test_an_authorization_header_authenticates_without_a_message(world: World) -> None:
    communicator = await opened(world.session_id, headers=[(b"authorization", f"Bearer {world.key}".encode())])
    assert await communicator.receive_json_from() == {"type": "authenticated", "stream": world.session_id}

    await communicator.send_json_to(CLEAN)
    assert (await communicator.receive_json_from())["segment_id"] == "s-2"
    await communicator.disconnect()


async def test_numbers_as_segment_ids_are_given_back_as_text(socket: WebsocketCommunicator) -> None:
    await socket.send_json_to({**CLEAN, "id": 17})

    assert (await socket.receive_json_from())["segment_id"] == "17"


# Malformed messages: an error naming the field, the connection open -------------------------------------------

MALFORMED = [
    ("not json", "invalid_json", "message"),
    ("[1, 2]", "invalid_message", "message"),
    ('{"type": "sing"}', "invalid_type", "type"),
    ('{"id": "s-9"}', "invalid_type", "type"),
    ('{"type": "segment", "id": "s-9", "start_ms": 0, "end_ms": 10}', "invalid_input", "text"),
    ('{"type": "segment", "id": "s-9", "start_ms": 20, "end_ms": 10, "text": "x"}', "invalid_input", "end_ms"),
    ('{"type": "segment", "id": "s-9", "start_ms": -1, "end_ms": 10, "text": "x"}', "invalid_input", "start_ms"),
    ('{"type": "segment", "id": "s-9", "start_ms": "soon", "end_ms": 10, "text": "x"}', "invalid_input", "start_ms"),
    ('{"type": "segment", "id": "", "start_ms": 0, "end_ms": 10, "text": "x"}', "invalid_input", "id"),
    (
        '{"type": "segment", "id": "s-9", "start_ms": 0, "end_ms": 10, "text": "' + "字" * 5001 + '"}',
        "invalid_input",
        "text",
    ),
    ('{"type": "segment", "id": "s-9", "start_ms": 0, "end_ms": 10, "text": "   "}', "required", "text"),
    (
        '{"type": "segment", "id": "s-9", "start_ms": 0, "end_ms": 10, "text": "a\\u0000b"}',
        "invalid_characters",
        "text",
    ),
    ('{"type": "auth", "key": "ipb_other"}', "already_authenticated", "type"),
    ("x" * (consumers.MAX_MESSAGE + 1), "too_long", "message"),
]


@pytest.mark.parametrize(("text", "code", "field"), MALFORMED, ids=[f"{c}-{f}" for _t, c, f in MALFORMED])
async def test_a_malformed_message_gets_an_error_and_the_connection_stays_open(
    world: World, socket: WebsocketCommunicator, text: str, code: str, field: str
) -> None:
    before = await snapshot()
    await socket.send_to(text_data=text)
    error = await socket.receive_json_from()

    assert (error["type"], error["code"], error["field"]) == ("error", code, field)
    assert error["reason"]
    assert await snapshot() == before
    await socket.send_json_to(CLEAN)
    assert (await socket.receive_json_from())["type"] == "result"


async def test_a_binary_frame_gets_an_error(socket: WebsocketCommunicator) -> None:
    await socket.send_to(bytes_data=b"\x00\x01")

    error = await socket.receive_json_from()
    assert (error["code"], error["field"]) == ("invalid_message", "message")


async def test_an_error_names_the_segment_it_refuses(socket: WebsocketCommunicator) -> None:
    await socket.send_json_to({**SEGMENT, "end_ms": 0})

    error = await socket.receive_json_from()
    assert (error["field"], error["segment_id"]) == ("end_ms", "s-1")
    assert "cannot end before it starts" in error["reason"]


# Refusals close the connection ----------------------------------------------------------------------------------


async def test_a_wrong_key_closes_with_4401_and_changes_nothing(world: World) -> None:
    before = await snapshot()
    communicator = await opened(world.session_id)
    await communicator.send_json_to({"type": "auth", "key": "ipb_00000000_nothing"})

    error = await communicator.receive_json_from()
    assert (error["code"], error["field"]) == ("not_authenticated", "key")
    assert await closed_with(communicator) == 4401
    assert await snapshot() == before


async def test_a_wrong_key_in_the_header_closes_with_4401(world: World) -> None:
    communicator = await opened(world.session_id, headers=[(b"authorization", b"Bearer ipb_00000000_nothing")])

    assert (await communicator.receive_json_from())["code"] == "not_authenticated"
    assert await closed_with(communicator) == 4401


async def test_a_segment_before_authenticating_closes_with_4401(world: World) -> None:
    communicator = await opened(world.session_id)
    await communicator.send_json_to(SEGMENT)

    assert (await communicator.receive_json_from())["code"] == "not_authenticated"
    assert await closed_with(communicator) == 4401
    assert (await snapshot())["sessions"] == [(world.session_id, "live", 0, 0)]


async def test_a_connection_that_does_not_authenticate_in_time_is_closed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers.StreamConsumer, "AUTH_SECONDS", 0.05)
    communicator = await opened(world.session_id)

    assert (await communicator.receive_json_from(timeout=2))["code"] == "not_authenticated"
    assert await closed_with(communicator) == 4401


async def test_a_key_without_the_write_scope_closes_with_4403(world: World) -> None:
    key = await sync_to_async(api_key)(world.marketplace, ["screening:read"])
    communicator = await opened(world.session_id)
    await communicator.send_json_to({"type": "auth", "key": key})

    assert (await communicator.receive_json_from())["code"] == "missing_scope"
    assert await closed_with(communicator) == 4403


async def test_another_marketplaces_session_closes_with_4404(world: World) -> None:
    other = await sync_to_async(lambda: marketplace_member(name="Little Bazaar", slug="little-bazaar").organisation)()
    key = await sync_to_async(api_key)(other, ["screening:write"])
    communicator = await opened(world.session_id)
    await communicator.send_json_to({"type": "auth", "key": key})

    assert (await communicator.receive_json_from())["code"] == "not_found"
    assert await closed_with(communicator) == 4404


async def test_a_revoked_key_stops_pushing_at_its_next_check(
    world: World, socket: WebsocketCommunicator, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sync_to_async(_revoke_all)(world.marketplace)
    monkeypatch.setattr(consumers.StreamConsumer, "RECHECK_SECONDS", 0.0)
    before = await snapshot()
    await socket.send_json_to(SEGMENT)

    assert (await socket.receive_json_from())["code"] == "not_authenticated"
    assert await closed_with(socket) == 4401
    assert await snapshot() == before


def _revoke_all(marketplace: Organisation) -> None:
    for key in marketplace.api_keys.all():
        account_services.api_key_revoke(actor=actor_for_system(marketplace), key_id=key.pk)


async def test_another_address_is_refused_at_the_handshake() -> None:
    communicator = WebsocketCommunicator(application, "/ws/v1/screening/streams/not-a-number/")
    connected, _code = await communicator.connect()

    assert not connected


# Ended sessions -------------------------------------------------------------------------------------------------


async def test_the_end_message_ends_the_session_and_closes(world: World, socket: WebsocketCommunicator) -> None:
    await socket.send_json_to(SEGMENT)
    await socket.receive_json_from()
    await socket.send_json_to({"type": "end"})

    assert await socket.receive_json_from() == {"type": "ended", "segments_received": 1, "segments_flagged": 1}
    assert await closed_with(socket) == 1000
    assert (await snapshot())["sessions"] == [(world.session_id, "ended", 1, 1)]
    ended = await sync_to_async(lambda: list(AuditEvent.objects.filter(action="screening.stream_ended")))()
    assert [(e.actor_label.startswith("API key "), e.details["segments_flagged"]) for e in ended] == [(True, 1)]


async def test_a_session_ended_over_the_api_closes_its_connections(world: World) -> None:
    first = await authenticated(world)
    second = await authenticated(world)
    await sync_to_async(streams.stream_end)(actor=actor_for_system(world.marketplace), session_id=world.session_id)

    for communicator in (first, second):
        assert await communicator.receive_json_from() == {
            "type": "ended",
            "segments_received": 0,
            "segments_flagged": 0,
        }
        assert await closed_with(communicator) == 1000


async def test_through_redis_a_session_ended_in_another_process_closes_its_connections(
    world: World, settings: Any
) -> None:
    """With several processes, the Redis channel layer carries the word; this connection's layer and the ending
    service's are two clients of the same Redis."""
    require_service("Redis at 127.0.0.1:6379", service_reachable("127.0.0.1", 6379))
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/14"], "prefix": f"ipbridge-test-{uuid.uuid4().hex[:8]}"},
        }
    }
    communicator = await authenticated(world)
    await sync_to_async(streams.stream_end)(actor=actor_for_system(world.marketplace), session_id=world.session_id)

    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
    assert (await communicator.receive_json_from())["type"] == "ended"
    assert await closed_with(communicator) == 1000


async def test_an_ended_session_refuses_the_connection_with_4409(world: World) -> None:
    await sync_to_async(streams.stream_end)(actor=actor_for_system(world.marketplace), session_id=world.session_id)
    before = await snapshot()
    communicator = await opened(world.session_id)
    await communicator.send_json_to({"type": "auth", "key": world.key})

    assert (await communicator.receive_json_from())["code"] == "stream_ended"
    assert await closed_with(communicator) == 4409
    assert await snapshot() == before
