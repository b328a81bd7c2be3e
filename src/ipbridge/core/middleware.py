from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from ipbridge.core import context


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``NUM_PROXIES`` trusted proxies the address the outermost
    of them saw (each proxy appends to X-Forwarded-For, so only the last ``NUM_PROXIES`` entries are trusted)."""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
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


ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


class ApiJsonErrorsMiddleware:
    """Under /api/, every error is JSON, including those Django answers before the API sees the request
    (unknown path, wrong method)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code = ERROR_CODES.get(response.status_code, "error")
            message = {
                404: gettext("No such API endpoint."),
                405: gettext("This endpoint does not accept the %(method)s method.") % {"method": request.method},
            }.get(response.status_code, gettext("The request was refused."))
            replacement = JsonResponse({"error": {"code": code, "message": message}}, status=response.status_code)
            if "Allow" in response:
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


_NUL_IN_JSON = (b"\x00", b"\\u0000")
_NUL_IN_FORM = (b"%00", b"\x00")


class NulCharactersMiddleware:
    """Refuse a NUL character anywhere in the address, the query or a JSON or form body: no text of the product
    holds one, and PostgreSQL cannot store one, so it could only turn a request into a server error. File
    uploads (multipart) are left alone: a PDF holds NUL bytes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = gettext("The request contains a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "invalid_characters", "message": message}}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("GET", "HEAD", "OPTIONS") or content_type.startswith("multipart/"):
            return False
        markers = _NUL_IN_JSON if content_type.startswith("application/json") else _NUL_IN_FORM
        try:
            body = request.body
        except Exception:  # noqa: BLE001 - a body too large is refused further on, with its own answer
            return False
        return any(marker in body for marker in markers)
