"""Facts about the current request that services record in the audit log without taking ``request``."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestContext] = ContextVar("ipbridge_request_context", default=RequestContext())  # noqa: B039


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> object:
    return _current.set(context)


def unbind(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
