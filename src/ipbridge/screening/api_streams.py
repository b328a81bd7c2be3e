"""HTTP API of screening. Parse, call a service or a selector, serialise."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["screening"])
