"""The ASGI application: a file is streamed part by part as it is read, never read whole into memory first."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator

from ipbridge.config.asgi import application

BOOTSTRAP = Path(__file__).resolve().parents[2] / "src/ipbridge/web/static/vendor/bootstrap/bootstrap.min.css"


async def get(path: str) -> list[dict[str, Any]]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    messages = [await communicator.receive_output(10)]
    while messages[-1]["type"] == "http.response.start" or messages[-1].get("more_body"):
        messages.append(await communicator.receive_output(10))
    await communicator.wait(10)
    return messages


@pytest.mark.asyncio
async def test_a_static_file_is_streamed_part_by_part() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start, *bodies = await get("/static/vendor/bootstrap/bootstrap.min.css")

    assert start["status"] == 200
    assert b"".join(m.get("body", b"") for m in bodies) == BOOTSTRAP.read_bytes()
    assert len([m for m in bodies if m.get("body")]) > 1
    assert [str(w.message) for w in caught if "synchronous iterators" in str(w.message)] == []
