"""The one Ninja API under /api/v1: authentication, idempotency keys on its creates, and the handler that turns
errors into JSON bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.pagination import LimitOffsetPagination
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import AuthRateThrottle
from pydantic import Field

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import User
from ipbridge.accounts.schemas import ErrorOut
from ipbridge.accounts.selectors import actor_for_api_key, actor_for_user, two_factor_passed
from ipbridge.accounts.services import api_key_authenticate
from ipbridge.core import idempotency
from ipbridge.core.errors import ApplicationError


class Rendered:
    """A query rendered page by page: the paginator counts and slices first, so only one page is built."""

    def __init__(self, rows: QuerySet[Any], render: Callable[[Any], dict[str, Any]]):
        self.rows = rows
        self.render = render

    def __len__(self) -> int:
        return self.rows.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [self.render(row) for row in self.rows[window]]


class Pagination(LimitOffsetPagination):
    """Django Ninja's limit and offset, the offset bounded by what a database integer holds (an offset past it was
    a server error on SQLite)."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=2**62)


# Every refusal an endpoint that takes input, files included, may answer; each app documents these on its routes.
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 413, 422, 429), ErrorOut)


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer ipb_…``: an organisation's scoped API key."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        key = api_key_authenticate(token)
        return actor_for_api_key(key) if key is not None else None


class SessionActorAuth(APIKeyCookie):
    """The browser's session, once the person has passed two-factor authentication. CSRF is checked."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = request.user
        if not isinstance(user, User) or not two_factor_passed(user=user):
            return None
        return actor_for_user(user)


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": idempotency.MAX_KEY_LENGTH, "title": idempotency.HEADER},
    "description": (
        "A key you choose for this request (at most 200 printable ASCII characters; a UUID is a good one) that "
        "makes a retry safe: the same key from the same API key or person within 24 hours (unless the instance is "
        "configured otherwise) gets the first answer again, with `Idempotent-Replayed: true`, and nothing is done "
        "twice. The same key with another body answers 422 `idempotency_key_reused`; while the first request still "
        "runs, 409 `idempotency_key_in_use` with `Retry-After`."
    ),
}
_IDEMPOTENCY_REFUSALS = {400: "Bad Request", 409: "Conflict", 422: "Unprocessable Entity"}


class IPBridgeAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The generated document, with the ``Idempotency-Key`` header (and its refusals) on every authenticated
        POST; an endpoint that declares the header itself keeps one copy of it."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            post = operations.get("post")
            if not post or not post.get("security"):
                continue
            parameters = [
                p
                for p in post.get("parameters", [])
                if not (p["in"] == "header" and p["name"].lower() == idempotency.HEADER.lower())
            ]
            post["parameters"] = [*parameters, dict(IDEMPOTENCY_PARAMETER)]
            for status, description in _IDEMPOTENCY_REFUSALS.items():
                post["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
                    },
                )
        return schema


api = IPBridgeAPI(
    title="IPBridge API",
    version="1",
    description=(
        "Where IP right holders and e-commerce marketplaces cooperate against infringing goods. "
        "Authenticate with `Authorization: Bearer <API key>` (keys are scoped per area, read or write) "
        'or with a browser session. Errors are JSON: `{"error": {"code", "message", "field"}}`.'
    ),
    auth=[ApiKeyAuth(), SessionActorAuth()],
    # Per organisation key or person; the counters live in the cache (shared when CACHE_URL is Redis).
    throttle=[AuthRateThrottle(settings.API_RATE_LIMIT)],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
# After authentication and input parsing, claim the key or answer from its first request; around the whole
# operation, keep its final answer.
api.add_decorator(idempotency.idempotent_view, mode="operation")
api.add_decorator(idempotency.idempotent_run, mode="view")


def error_response(request: HttpRequest, status: int, error: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, {"error": error}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error_response(request, exc.status, exc.as_dict())


@api.exception_handler(idempotency.IdempotencyKeyInUse)
def _idempotency_key_in_use(request: HttpRequest, exc: idempotency.IdempotencyKeyInUse) -> HttpResponse:
    response = error_response(request, exc.status, exc.as_dict())
    response["Retry-After"] = str(exc.retry_after_seconds)
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        fields.append(
            {"field": ".".join(location) or "body", "message": item.get("msg", ""), "type": item.get("type", "")}
        )
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or gettext("Invalid input.")
    return error_response(request, 422, {"code": "invalid_input", "message": message, "fields": fields})


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        401,
        {
            "code": "not_authenticated",
            "message": gettext(
                "Send a valid API key as 'Authorization: Bearer <key>', or sign in with two-factor authentication."
            ),
        },
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 429:
        message = gettext("Too many requests. Wait as the Retry-After header says, then try again.")
        return error_response(request, 429, {"code": "rate_limited", "message": message})
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    return error_response(request, exc.status_code, {"code": code, "message": str(exc)})


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(
        request, 413, {"code": "body_too_large", "message": gettext("The request body is too large.")}
    )
