"""Pages of signed credentials, the public credential check and the published keys."""

from __future__ import annotations

import contextlib
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind, VerificationStatus
from ipbridge.core.errors import ApplicationError
from ipbridge.identity import credentials
from ipbridge.identity.credentials import jwks_document
from ipbridge.identity.forms import (
    RevokeForm,
    TokenForm,
)
from ipbridge.identity.models import (
    ClaimMethod,
    ClaimRelation,
    MandateAction,
)
from ipbridge.identity.views._common import (
    CHECK_REASONS,
    HOLDERS_AND_AGENTS,
)
from ipbridge.web.pages import ActingRequest, acting, posted


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def credentials_list(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "identity/credentials.html",
        {
            "credentials": credentials.credentials_visible(actor=actor),
            "can_write": actor.can("identity:write"),
            "now": timezone.now(),
        },
    )


@acting(*HOLDERS_AND_AGENTS)
@require_POST
def credential_issue(request: ActingRequest) -> HttpResponse:
    try:
        credential = credentials.credential_issue(actor=request.actor)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("identity:credentials")
    messages.success(request, _("Credential issued."))
    return redirect("identity:credential_detail", credential_id=credential.pk)


def _label(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _statement(claims: dict[str, Any]) -> dict[str, Any]:
    """What a credential states, with the words of the page's language for its codes."""
    organisation = claims.get("organisation") or {}
    return {
        "organisation": organisation,
        "kind": _label(OrganisationKind, organisation.get("kind")),
        "verification": _label(VerificationStatus, organisation.get("verification")),
        "rights": [
            {
                **right,
                "relation_label": _label(ClaimRelation, right.get("relation")),
                "proof_label": _label(ClaimMethod, right.get("proof")),
            }
            for right in claims.get("rights") or []
        ],
        "mandates": [
            {
                **mandate,
                "actions_label": ", ".join(_label(MandateAction, a) for a in mandate.get("actions") or []),
                "all_marketplaces": mandate.get("marketplaces") == "all",
            }
            for mandate in claims.get("mandates") or []
        ],
        "issuer": claims.get("iss", ""),
        "jti": claims.get("jti", ""),
    }


def _verify_url(request: HttpRequest) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("identity:credential_verify")


def _token_qr(token: str, *, fallback_url: str) -> tuple[str, bool]:
    """A QR code of the token itself, or, when the token is too long for one, of the public verification page
    for this credential (the second value says which)."""
    try:
        return str(segno.make(token, error="l").svg_data_uri(scale=2)), True
    except segno.DataOverflowError:
        return str(segno.make(fallback_url, error="m").svg_data_uri(scale=4)), False


def _credential_page(request: ActingRequest, credential_id: int, form: RevokeForm | None = None) -> HttpResponse:
    actor = request.actor
    credential = credentials.access_credential(actor=actor, credential_id=credential_id)
    status_page = f"{_verify_url(request)}?jti={credential.jti}"
    qr, qr_is_token = _token_qr(credential.token, fallback_url=status_page)
    site = settings.SITE_URL.rstrip("/")
    return render(
        request,
        "identity/credential_detail.html",
        {
            "credential": credential,
            "statement": _statement(credential.claims),
            "qr": qr,
            "qr_is_token": qr_is_token,
            "jwks_url": site + reverse("jwks"),
            "verify_url": _verify_url(request),
            "can_revoke": actor.can("identity:write") and credential.revoked_at is None,
            "now": timezone.now(),
            "form": form or RevokeForm(),
        },
    )


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def credential_detail(request: ActingRequest, credential_id: int) -> HttpResponse:
    return _credential_page(request, credential_id)


@acting(*HOLDERS_AND_AGENTS)
@require_GET
def credential_download(request: ActingRequest, credential_id: int) -> HttpResponse:
    credential = credentials.access_credential(actor=request.actor, credential_id=credential_id)
    response = HttpResponse(credential.token + "\n", content_type="application/jwt")
    response["Content-Disposition"] = f'attachment; filename="ipbridge-credential-{credential.jti}.jwt"'
    return response


@acting(*HOLDERS_AND_AGENTS)
@posted("identity:credential_detail")
def credential_revoke(request: ActingRequest, credential_id: int) -> HttpResponse:
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            credentials.credential_revoke(
                actor=request.actor, credential_id=credential_id, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Credential revoked."))
            return redirect("identity:credential_detail", credential_id=credential_id)
    return _credential_page(request, credential_id, form)


def credential_verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone can check a credential they were shown, or, by its number, whether it was revoked."""
    form = TokenForm(request.POST or None)
    result = status = None
    if request.method == "POST" and form.is_valid():
        result, status = credentials.credential_check(token=form.cleaned_data["token"])
    jti_status = None
    jti = request.GET.get("jti", "")
    if request.method == "GET" and jti:
        with contextlib.suppress(ApplicationError):  # an unknown number is said so on the page
            jti_status = credentials.credential_status(jti=jti)
    return render(
        request,
        "identity/credential_verify.html",
        {
            "form": form,
            "result": result,
            "status": status,
            "reason_label": CHECK_REASONS.get(result.reason, "") if result else "",
            "statement": _statement(result.claims) if result and result.claims else None,
            "jti": jti,
            "jti_status": jti_status,
            "jwks_url": reverse("jwks"),
        },
    )


@require_GET
@cache_control(public=True, max_age=300)
def jwks_json(request: HttpRequest) -> JsonResponse:
    """The public keys that verify IPBridge credentials (RFC 7517), retired ones included."""
    return JsonResponse(jwks_document())
