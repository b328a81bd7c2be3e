"""Web pages of authentication: identity, claims on rights, mandates, credentials; and the published keys."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from ipbridge.identity.credentials import jwks_document


@require_GET
@cache_control(public=True, max_age=300)
def jwks_json(request: HttpRequest) -> JsonResponse:
    """The public keys that verify IPBridge credentials (RFC 7517), retired ones included."""
    return JsonResponse(jwks_document())
