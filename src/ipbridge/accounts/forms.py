from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from ipbridge.accounts.models import OrganisationKind, Role
from ipbridge.accounts.scopes import scope_choices
from ipbridge.core.errors import ApplicationError

SIGN_UP_KINDS = [(k, label) for k, label in OrganisationKind.choices if k != OrganisationKind.OPERATOR]


def add_application_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {  # noqa: RUF012
        "invalid_login": _("The e-mail address or password is not right."),
        "inactive": _("This account is inactive."),
    }


class SignUpForm(forms.Form):
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    kind = forms.ChoiceField(label=_("Your organisation is a"), choices=SIGN_UP_KINDS)
    country = forms.CharField(label=_("Country (ISO code, e.g. CN, DE)"), max_length=2, required=False)
    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    email = forms.EmailField(label=_("Your work e-mail address"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the key is for, e.g. “ERP sync”."))
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"), choices=scope_choices, widget=forms.CheckboxSelectMultiple
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=730,
        initial=90,
        required=False,
        help_text=_("Leave empty for a key that does not expire."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices()  # type: ignore[attr-defined]


class VerificationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[])
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ipbridge.accounts.models import VerificationStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = VerificationStatus.choices  # type: ignore[attr-defined]
