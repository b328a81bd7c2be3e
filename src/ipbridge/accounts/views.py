"""Web pages of the accounts app: sign-up, login, two-factor, members, invitations, API keys, audit log."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from django_htmx.middleware import HtmxDetails
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipbridge.accounts import selectors, services
from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, action_label, actor_display, subject_display
from ipbridge.accounts.forms import (
    AcceptInvitationForm,
    ApiKeyForm,
    CodeForm,
    InvitationForm,
    LoginForm,
    RoleForm,
    SignUpForm,
    VerificationForm,
    add_application_error,
)
from ipbridge.accounts.models import User
from ipbridge.core.errors import ApplicationError, PermissionDenied
from ipbridge.web import pages

View = Callable[..., HttpResponse]


class ActingRequest(HttpRequest):
    """A request past ``login_required`` (and, for ``acting`` views, with the organisation it acts for)."""

    user: User
    actor: Actor
    htmx: HtmxDetails


# Signed in, second factor passed, acting for an organisation of any kind: the actor is ``request.actor``.
acting = pages.acting()
_refused = pages.refused


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def lockout(request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)


# Sign-up and login ----------------------------------------------------------------------------------------------


def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _organisation, user = services.organisation_sign_up(**form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("accounts:two_factor_enrol")
    return render(request, "accounts/sign_up.html", {"form": form})


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and selectors.two_factor_passed(user=request.user):
        return redirect("web:dashboard")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        target = _safe_next(request, reverse("web:dashboard"))
        if selectors.user_has_two_factor(user=form.get_user()):
            return redirect(f"{reverse('accounts:two_factor_verify')}?next={target}")
        return redirect(target)
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


# Two-factor -----------------------------------------------------------------------------------------------------


def _qr_data_uri(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5))


@login_required
def two_factor_enrol(request: ActingRequest) -> HttpResponse:
    user = request.user
    form = CodeForm(request.POST or None)
    device_id = request.session.get("enrol_device_id")
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first() if device_id else None
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            device, codes = services.two_factor_enrol_confirm(
                user=user,
                device_id=device.pk,
                code=form.cleaned_data["code"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            otp_login(request, device)
            del request.session["enrol_device_id"]
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True})
    if device is None:
        device = services.two_factor_enrol_start(user=user)
        request.session["enrol_device_id"] = device.pk
    secret = base64.b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {"form": form, "qr": _qr_data_uri(device), "secret": grouped},
    )


@login_required
def two_factor_verify(request: ActingRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_verify(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            if device is not None:
                otp_login(request, device)
                return redirect(_safe_next(request, reverse("web:dashboard")))
            form.add_error("code", _("That code is not right. Check your device's clock, or use a recovery code."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request, "")})


@acting
def security(request: ActingRequest) -> HttpResponse:
    return render(request, "accounts/security.html", {})


@acting
@require_POST
def recovery_codes_renew(request: ActingRequest) -> HttpResponse:
    try:
        codes = services.two_factor_recovery_codes_renew(user=request.user)
    except ApplicationError as exc:
        return _refused(request, exc)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": False})


# Organisation switch and language --------------------------------------------------------------------------------


@acting
@require_POST
def organisation_switch(request: ActingRequest) -> HttpResponse:
    try:
        organisation = services.organisation_switch(
            user=request.user,
            organisation_id=int(request.POST.get("organisation", "0") or 0),
        )
    except (ApplicationError, ValueError):
        messages.error(request, _("You are not a member of that organisation."))
    else:
        messages.success(request, _("You now act for %(name)s.") % {"name": organisation.name})
    return redirect("web:dashboard")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switch, and for signed-in people the choice is kept on their account."""
    if request.user.is_authenticated:
        # An unknown language is refused by set_language below as well; nothing to tell the person.
        with contextlib.suppress(ApplicationError):
            services.user_set_language(user=request.user, language=request.POST.get("language", ""))
    return set_language(request)


# Members and invitations ----------------------------------------------------------------------------------------


@acting
def members(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    try:
        memberships = list(selectors.members_for_organisation(actor=actor))
    except ApplicationError as exc:
        return _refused(request, exc)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_send(actor=actor, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:members")
    enrolled = selectors.users_with_two_factor(user_ids=[m.user_id for m in memberships])
    return render(
        request,
        "accounts/members.html",
        {
            "memberships": memberships,
            "enrolled": enrolled,
            "invitations": selectors.invitations_pending(actor=actor),
            "form": form,
            "role_form": RoleForm(),
            "can_manage": actor.can("accounts:write"),
        },
    )


@acting
@require_POST
def member_role_change(request: ActingRequest, member_id: int) -> HttpResponse:
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            messages.error(request, _("Choose a role."))
        else:
            services.membership_change_role(
                actor=request.actor,
                membership_id=member_id,
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("Role changed."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("accounts:members")


@acting
@require_POST
def member_remove(request: ActingRequest, member_id: int) -> HttpResponse:
    try:
        services.membership_remove(actor=request.actor, membership_id=member_id)
        messages.success(request, _("Member removed."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("accounts:members")


@acting
@require_POST
def invitation_revoke(request: ActingRequest, invitation_id: int) -> HttpResponse:
    try:
        services.invitation_revoke(actor=request.actor, invitation_id=invitation_id)
        messages.success(request, _("Invitation revoked."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("accounts:members")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_by_token(token)
    except ApplicationError as exc:
        return _refused(request, exc)
    user = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (user is not None or form.is_valid()):
        try:
            membership = services.invitation_accept(
                token=token,
                user=user,
                **(form.cleaned_data if user is None else {}),
            )
        except ApplicationError as exc:
            if user is not None:
                return _refused(request, exc)
            add_application_error(form, exc)
        else:
            if user is None:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                services.organisation_switch(user=membership.user, organisation_id=membership.organisation_id)
            messages.success(request, _("Welcome to %(name)s.") % {"name": membership.organisation.name})
            return redirect("web:dashboard")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form, "user": user})


# API keys -------------------------------------------------------------------------------------------------------


@acting
def api_keys(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    try:
        keys = list(selectors.api_keys_for_organisation(actor=actor))
    except ApplicationError as exc:
        return _refused(request, exc)
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = services.api_key_create(actor=actor, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            created = {"key": key, "secret": secret}
            keys.insert(0, key)
            form = ApiKeyForm()
    return render(
        request,
        "accounts/api_keys.html",
        {"keys": keys, "form": form, "created": created, "can_manage": actor.can("accounts:write")},
    )


@acting
@require_POST
def api_key_revoke(request: ActingRequest, key_id: int) -> HttpResponse:
    try:
        key = services.api_key_revoke(actor=request.actor, key_id=key_id)
    except ApplicationError as exc:
        return _refused(request, exc)
    if request.htmx:
        return render(request, "accounts/_api_key_row.html", {"key": key, "can_manage": True})
    messages.success(request, _("API key revoked."))
    return redirect("accounts:api_keys")


# Audit log and organisations (operators) ------------------------------------------------------------------------


@acting
def audit_log(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    action = request.GET.get("action") or None
    try:
        events = selectors.audit_events_visible(actor=actor, action=action)
    except ApplicationError as exc:
        return _refused(request, exc)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "event": e,
            "label": action_label(e.action),
            "actor": actor_display(e.actor_label),
            "subject": subject_display(e.subject_type),
        }
        for e in page.object_list
    ]
    return render(
        request,
        "accounts/audit_log.html",
        {"page": page, "rows": rows, "actions": AuditAction.choices, "action": action or ""},
    )


@acting
def organisations(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    if not actor.is_operator:
        return _refused(request, PermissionDenied(_("Only operators may do this."), code="operator_only"))
    kind = request.GET.get("kind") or None
    return render(
        request,
        "accounts/organisations.html",
        {
            "organisations": selectors.organisations_visible(actor=actor, kind=kind),
            "form": VerificationForm(),
            "kind": kind or "",
        },
    )


@acting
@require_POST
def organisation_verification_set(request: ActingRequest, slug: str) -> HttpResponse:
    actor = request.actor
    form = VerificationForm(request.POST)
    try:
        organisation = selectors.access_organisation(actor=actor, slug=slug)
        if form.is_valid():
            services.organisation_set_verification(actor=actor, organisation_id=organisation.pk, **form.cleaned_data)
            messages.success(request, _("Verification status of %(name)s saved.") % {"name": organisation.name})
        else:
            messages.error(request, _("Choose a status."))
    except ApplicationError as exc:
        return _refused(request, exc)
    return HttpResponseRedirect(reverse("accounts:organisations"))
