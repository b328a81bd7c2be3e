"""The live-stream WebSocket, ``/ws/v1/screening/streams/{id}/``: a marketplace pushes a session's transcript
segments one message at a time and gets each one's screening back on the same connection, as the API's
``POST /screening/streams/{id}/segments`` would answer it.

A browser cannot set headers on a WebSocket, so the API key may come in the first message,
``{"type": "auth", "key": "ipb_…"}``, as well as in an ``Authorization: Bearer`` header; never in the address,
where proxies and logs would keep it. There is no session cookie here and so no cross-site request to guard
against: the key is the only credential, and who holds it may push from anywhere.

Messages:

- ``{"type": "segment", "id", "start_ms", "end_ms", "text", "speaker"}`` → ``{"type": "result", "segment_id",
  "risk_score", "level", "flags", "alert_id"}``;
- ``{"type": "end"}`` ends the session → ``{"type": "ended", "segments_received", "segments_flagged"}``, then the
  server closes (1000); so does every connection to a session ended over the API;
- a malformed message → ``{"type": "error", "code", "field", "reason"}``, and the connection stays open.

Close codes: 4401 no valid key (or none within ``AUTH_SECONDS``), 4403 the key may not push (no
``screening:write``, or not a marketplace's), 4404 no such session of the key's marketplace, 4409 the session has
ended."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path
from django.utils.translation import gettext as _
from pydantic import ValidationError

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.selectors import actor_for_api_key
from ipbridge.accounts.services import api_key_authenticate
from ipbridge.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from ipbridge.screening import streams
from ipbridge.screening.api_streams import StreamSegmentIn, result_out

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404
ENDED = 4409
# The largest message read: a segment of 5,000 characters, each escaped in JSON, fits several times over.
MAX_MESSAGE = 64 * 1024


class Refused(Exception):
    """The connection is closed with ``code`` after an error message saying why."""

    def __init__(self, code: int, error: ApplicationError):
        super().__init__(error.message)
        self.code = code
        self.error = error


def _close_code(exc: ApplicationError) -> int:
    if isinstance(exc, PermissionDenied):
        return FORBIDDEN
    if isinstance(exc, NotFound):
        return NOT_FOUND
    if isinstance(exc, Conflict):
        return ENDED
    return FORBIDDEN


def _not_authenticated() -> Refused:
    return Refused(
        UNAUTHENTICATED,
        ApplicationError(
            "not_authenticated",
            _('Send a valid API key: the first message {"type": "auth", "key": "…"}, or an Authorization header.'),
            field="key",
        ),
    )


def authenticate(secret: str, session_id: int) -> Actor:
    """The key's actor, if it may push to the session; else the refusal with its close code."""
    key = api_key_authenticate(secret) if secret else None
    if key is None:
        raise _not_authenticated()
    actor = actor_for_api_key(key)
    try:
        streams.stream_for_push(actor=actor, session_id=session_id)
    except ApplicationError as exc:
        raise Refused(_close_code(exc), exc) from exc
    return actor


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _space, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    return ".".join(str(part) for part in error.get("loc", ())) or "message", str(error.get("msg", ""))


class StreamConsumer(AsyncWebsocketConsumer):
    # How long a connection may stay open before it authenticates, and how often an open connection's key is
    # checked again (a revoked key stops pushing within that time).
    AUTH_SECONDS = 10.0
    RECHECK_SECONDS = 60.0

    session_id: int
    actor: Actor | None
    secret: str
    checked_at: float
    closing: bool
    deadline: asyncio.Task[None] | None

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["stream_id"])
        self.actor, self.secret, self.checked_at, self.closing, self.deadline = None, "", 0.0, False, None
        await self.accept()
        token = _bearer(self.scope.get("headers", []))
        if token is not None:
            await self._authenticate(token)
        else:
            self.deadline = asyncio.ensure_future(self._authenticate_in_time())

    async def disconnect(self, code: int) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        if self.actor is not None and self.channel_layer is not None:
            await self.channel_layer.group_discard(streams.stream_group(self.session_id), self.channel_name)

    async def _authenticate_in_time(self) -> None:
        await asyncio.sleep(self.AUTH_SECONDS)
        if self.actor is None and not self.closing:
            await self._refuse(_not_authenticated())

    async def _authenticate(self, secret: str) -> None:
        try:
            self.actor = await database_sync_to_async(authenticate)(secret, self.session_id)
        except Refused as refused:
            await self._refuse(refused)
            return
        self.secret, self.checked_at = secret, time.monotonic()
        if self.deadline is not None:
            self.deadline.cancel()
        if self.channel_layer is not None:
            await self.channel_layer.group_add(streams.stream_group(self.session_id), self.channel_name)
        await self._send({"type": "authenticated", "stream": self.session_id})

    async def _refuse(self, refused: Refused) -> None:
        if self.closing:
            return
        self.closing = True
        await self._error(refused.error.code, refused.error.field or "", refused.error.message)
        await self.close(code=refused.code)

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False))

    async def _error(self, code: str, field: str, reason: str, **more: Any) -> None:
        await self._send({"type": "error", "code": code, "field": field, "reason": str(reason), **more})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        message = await self._parsed(text_data)
        if message is None:
            return
        kind = message.get("type")
        if kind == "auth":
            if self.actor is not None:
                await self._error("already_authenticated", "type", _("This connection is already authenticated."))
                return
            key = message.get("key")
            await self._authenticate(key if isinstance(key, str) else "")
            return
        if kind not in ("segment", "end"):
            await self._error(
                "invalid_type", "type", _("Choose one of: %(choices)s.") % {"choices": "auth, segment, end"}
            )
            return
        if self.actor is None:
            await self._refuse(_not_authenticated())
            return
        if time.monotonic() - self.checked_at > self.RECHECK_SECONDS:
            await self._authenticate_again()
            if self.closing:
                return
        if kind == "segment":
            await self._segment(message)
        else:
            await self._end()

    async def _parsed(self, text_data: str | None) -> dict[str, Any] | None:
        if text_data is None:
            await self._error("invalid_message", "message", _("Send each message as JSON text, not binary."))
            return None
        if len(text_data) > MAX_MESSAGE:
            await self._error("too_long", "message", _("At most %(n)d characters.") % {"n": MAX_MESSAGE})
            return None
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._error("invalid_json", "message", _("This message is not valid JSON."))
            return None
        if not isinstance(message, dict):
            await self._error("invalid_message", "message", _("Send a JSON object with a “type”."))
            return None
        return message

    async def _authenticate_again(self) -> None:
        try:
            self.actor = await database_sync_to_async(authenticate)(self.secret, self.session_id)
        except Refused as refused:
            await self._refuse(refused)
            return
        self.checked_at = time.monotonic()

    async def _segment(self, message: dict[str, Any]) -> None:
        raw_id = message.get("id")
        segment_id = str(raw_id) if isinstance(raw_id, str | int) else None
        try:
            segment = StreamSegmentIn.model_validate({k: v for k, v in message.items() if k != "type"}).entry()
        except ValidationError as exc:
            field, reason = _first_error(exc)
            await self._error("invalid_input", field, reason, segment_id=segment_id)
            return
        try:
            pushed = await database_sync_to_async(streams.stream_segments_push)(
                actor=self.actor, session_id=self.session_id, segments=[segment]
            )
        except Conflict as exc:
            await self._refuse(Refused(ENDED, exc))
            return
        except ApplicationError as exc:
            if exc.status in (403, 404):
                await self._refuse(Refused(_close_code(exc), exc))
                return
            field = (exc.field or "").removeprefix("segments.0.")
            await self._error(exc.code, field, exc.message, segment_id=segment_id)
            return
        await self._send({"type": "result", **result_out(pushed.results[0])})

    async def _end(self) -> None:
        try:
            session = await database_sync_to_async(streams.stream_end)(actor=self.actor, session_id=self.session_id)
        except ApplicationError as exc:
            await self._refuse(Refused(_close_code(exc), exc))
            return
        await self._ended(session.segments_received, session.segments_flagged)

    async def stream_ended(self, event: dict[str, Any]) -> None:
        """The channel layer's word that the session ended (over the API, or on another connection)."""
        await self._ended(event["segments_received"], event["segments_flagged"])

    async def _ended(self, received: int, flagged: int) -> None:
        if self.closing:
            return
        self.closing = True
        await self._send({"type": "ended", "segments_received": received, "segments_flagged": flagged})
        await self.close(code=1000)


class NoSuchPath(AsyncWebsocketConsumer):
    """Any other WebSocket address: refused at the handshake (HTTP 403)."""

    async def connect(self) -> None:
        await self.close()


websocket_urls = [
    re_path(r"^ws/v1/screening/streams/(?P<stream_id>[0-9]{1,18})/?$", StreamConsumer.as_asgi()),
    re_path(r"", NoSuchPath.as_asgi()),
]
