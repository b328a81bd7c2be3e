from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ipbridge.core import context


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy the deployment sets REMOTE_ADDR correctly (see docs/operations.md); we trust nothing else.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.bind(
            context.RequestContext(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        )
        try:
            return self.get_response(request)
        finally:
            context.unbind(token)
