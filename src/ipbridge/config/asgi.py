"""The ASGI application ``ipbridge serve`` (or any ASGI server) runs: HTTP goes to Django, WebSockets to the
consumers of the apps (the live-stream screening socket under ``/ws/v1/``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http.response import HttpResponseBase

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipbridge.config.settings")


class StreamingASGIHandler(ASGIHandler):
    """Django's ASGI handler, except that a response streamed from a synchronous iterator (a file served by
    WhiteNoise, an evidence download, an export) is sent part by part as it is read, as a WSGI server sends it.
    Django's own handler reads such a response whole into memory first, and an evidence file may be gigabytes."""

    async def send_response(self, response: HttpResponseBase, send: Any) -> None:
        if response.streaming and not response.is_async:  # type: ignore[attr-defined]
            response.streaming_content = _read_in_thread(response.streaming_content)  # type: ignore[attr-defined]
        await super().send_response(response, send)


def _next_part(parts: Iterator[bytes]) -> bytes | None:
    return next(parts, None)


async def _read_in_thread(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    # In the request's own thread, as the view ran: a generator may read the database over its connection.
    read = sync_to_async(_next_part, thread_sensitive=True)
    while (part := await read(parts)) is not None:
        yield part


# Set up Django before the consumers are imported: they import models.
django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from ipbridge.screening.consumers import websocket_urls  # noqa: E402

application = ProtocolTypeRouter({"http": StreamingASGIHandler(), "websocket": URLRouter(websocket_urls)})
