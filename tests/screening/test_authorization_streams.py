"""Every live-stream endpoint against every organisation kind and role, API keys with and without the screening
scopes, and anonymous callers; and the WebSocket against API keys of each kind and scope.

The acting organisation plays its part: a marketplace is MegaMart, with a live and an ended session of its own;
Little Bazaar's live session is foreign to it. An operator reads every session and pushes to none; any other kind
reads none. Each call is checked for its answer and for what it changed: nothing on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.config.asgi import application
from ipbridge.screening import streams
from ipbridge.screening.models import Alert, StreamSegment, StreamSession
from tests.authorization import (
    Endpoint,
    Principal,
    app_keys,
    call_each,
    client_for,
    expected_answers,
    needs,
    principals,
    refusal,
)
from tests.factories import api_key, member
from tests.screening.factories import holder_member, marketplace_member
from tests.screening.test_streams_ws import WebsocketCommunicator

MARKETPLACE = OrganisationKind.MARKETPLACE
OPERATOR = OrganisationKind.OPERATOR
SEGMENT = {"id": "s-1", "start_ms": 0, "end_ms": 2500, "text": "AURORA 口红 高仿 replica", "speaker": "host"}

KEY_SCOPES = app_keys("screening")
PRINCIPALS = principals(
    key_kinds=(MARKETPLACE, OPERATOR, OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT), keys=KEY_SCOPES
)

lists = needs("screening:read", kinds=(MARKETPLACE, OPERATOR), then=200)
opens = needs("screening:write", kinds=(MARKETPLACE,), then=201)


def reads(item: str) -> Callable[[Principal], int]:
    def expect(p: Principal) -> int:
        refused = refusal(p, "screening:read")
        if refused:
            return refused
        if p.kind == OPERATOR:
            return 200
        if p.kind != MARKETPLACE:
            return 403
        return 404 if item == "foreign" else 200

    return expect


def writes(item: str, success: int = 200) -> Callable[[Principal], int]:
    """Only the marketplace whose session it is; an ended session refuses with 409."""
    return needs("screening:write", kinds=(MARKETPLACE,), then={"foreign": 404, "ended": 409}.get(item, success))


API = "/api/v1/screening/streams"
SESSIONS = ("own", "ended", "foreign")
ENDPOINTS = [
    Endpoint("get", API, lists),
    Endpoint("get", f"{API}?status=live", lists),
    Endpoint("post", API, opens, "write", {"stream_id": "new-stream", "title": "New"}),
    Endpoint("post", API, writes("own", 409), body={"stream_id": "live-1"}, of="a stream already live"),
    *[Endpoint("get", f"{API}/{{{s}}}", reads(s)) for s in SESSIONS],
    *[Endpoint("get", f"{API}/{{{s}}}/segments", reads(s)) for s in SESSIONS],
    *[Endpoint("post", f"{API}/{{{s}}}/segments", writes(s), "write", SEGMENT) for s in SESSIONS],
    *[Endpoint("post", f"{API}/{{{s}}}/end", writes(s), "write", {}) for s in SESSIONS],
]


def state() -> dict[str, Any]:
    return {
        "sessions": sorted(
            StreamSession.objects.values_list("pk", "status", "segments_received", "segments_flagged", "ended_at")
        ),
        "segments": StreamSegment.objects.count(),
        "alerts": Alert.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def sessions_of(marketplace: Organisation, bazaar: Organisation) -> dict[str, int]:
    """MegaMart's live stream live-1 and ended stream old-1; Little Bazaar's live stream live-1."""
    megamart = actor_for_system(marketplace)
    own = streams.stream_open(actor=megamart, stream=streams.StreamIn(stream_id="live-1", shop_id="shop-9"))
    ended = streams.stream_open(actor=megamart, stream=streams.StreamIn(stream_id="old-1"))
    streams.stream_end(actor=megamart, session_id=ended.pk)
    foreign = streams.stream_open(actor=actor_for_system(bazaar), stream=streams.StreamIn(stream_id="live-1"))
    return {"own": own.pk, "ended": ended.pk, "foreign": foreign.pk}


def build_world(principal: Principal) -> tuple[Client, dict[str, int]]:
    holder_member()
    kind = principal.kind or MARKETPLACE
    if kind == MARKETPLACE:
        acting = marketplace_member(role=principal.role or Role.ADMIN)
        marketplace = acting.organisation
    else:
        acting = member(kind, principal.role or Role.ADMIN, verification_status="verified")
        marketplace = marketplace_member().organisation
    bazaar = marketplace_member(name="Little Bazaar", slug="little-bazaar").organisation
    ids = sessions_of(marketplace, bazaar)
    return client_for(principal, acting), ids


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_stream_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing."""
    client, ids = build_world(principal)

    calls = call_each(client, ENDPOINTS, ids, snapshot=state)

    assert calls.answers == expected_answers(principal, ENDPOINTS)
    assert calls.uncoded == []


# The WebSocket --------------------------------------------------------------------------------------------------

WS_KEYS = [
    (kind, name, tuple(scopes))
    for kind in (MARKETPLACE, OPERATOR, OrganisationKind.RIGHT_HOLDER, OrganisationKind.MERCHANT)
    for name, scopes in KEY_SCOPES
]


def ws_expect(kind: str, scopes: tuple[str, ...], item: str) -> int | str:
    """ "result" when the key may push to the session, else the close code."""
    if "screening:write" not in scopes or kind != MARKETPLACE:
        return 4403
    return {"own": "result", "ended": 4409, "foreign": 4404}[item]


async def _ws_answer(path: str, key: str) -> int | str:
    communicator = WebsocketCommunicator(application, path)
    connected, _protocol = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "auth", "key": key})
    first = await communicator.receive_json_from()
    if first["type"] == "error":
        closed = await communicator.receive_output()
        assert closed["type"] == "websocket.close"
        return int(closed["code"])
    assert first["type"] == "authenticated"
    await communicator.send_json_to({"type": "segment", **SEGMENT})
    answer = await communicator.receive_json_from()
    await communicator.disconnect()
    return str(answer["type"])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("kind", "name", "scopes"), WS_KEYS, ids=[f"{k}-key-{n}" for k, n, _s in WS_KEYS])
async def test_the_websocket_lets_only_the_marketplace_push_to_its_live_session(
    kind: str, name: str, scopes: tuple[str, ...], ws_world: Callable[..., Any]
) -> None:
    ids, key = await ws_world(kind, scopes)
    for item in SESSIONS:
        before = await ws_state()
        answer = await _ws_answer(f"/ws/v1/screening/streams/{ids[item]}/", key)

        assert answer == ws_expect(kind, scopes, item), item
        if answer != "result":
            assert await ws_state() == before


@pytest.fixture
def ws_world() -> Callable[..., Any]:
    from asgiref.sync import sync_to_async

    @sync_to_async
    def build(kind: str, scopes: tuple[str, ...]) -> tuple[dict[str, int], str]:
        holder_member()
        if kind == MARKETPLACE:
            marketplace = marketplace_member().organisation
            acting = marketplace
        else:
            acting = member(kind, Role.ADMIN, verification_status="verified").organisation
            marketplace = marketplace_member().organisation
        bazaar = marketplace_member(name="Little Bazaar", slug="little-bazaar").organisation
        return sessions_of(marketplace, bazaar), api_key(acting, list(scopes))

    return build


async def ws_state() -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    return await sync_to_async(state)()
