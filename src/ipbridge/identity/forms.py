"""Forms of the authentication pages. They only shape the input; the services decide what is allowed and say why
on the field they name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipbridge.identity.models import (
    CLAIM_DOCUMENT_KINDS,
    ORGANISATION_DOCUMENT_KINDS,
    ClaimMethod,
    ClaimRelation,
    DocumentKind,
    MandateAction,
)

DECISION_CHOICES = [
    ("approve", _("Approve")),
    ("more_information", _("Ask for more information")),
    ("reject", _("Reject")),
]


def _kind_choices(kinds: Iterable[str]) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in DocumentKind.choices if value in kinds]


class ProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=300)
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=100,
        help_text=_("As in the business register, e.g. the unified social credit code (统一社会信用代码)."),
    )
    registration_country = forms.CharField(
        label=_("Country of registration"), max_length=2, help_text=_("Two letters: CN, DE, FR …")
    )
    address = forms.CharField(
        label=_("Registered address"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    email_domain = forms.CharField(
        label=_("Your organisation's e-mail domain"),
        max_length=253,
        required=False,
        help_text=_("e.g. aurora-cosmetics.com; public e-mail services do not count."),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=[])
    file = forms.FileField(label=_("File (PDF or image)"))

    def __init__(self, *args: Any, kinds: Iterable[str] = ORGANISATION_DOCUMENT_KINDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices(kinds)  # type: ignore[attr-defined]


class ClaimDocumentForm(DocumentForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, kinds=CLAIM_DOCUMENT_KINDS, **kwargs)


class DomainCodeSendForm(forms.Form):
    email = forms.EmailField(label=_("An address on your domain"))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SubmitForm(forms.Form):
    note = forms.CharField(label=_("Anything the operators should know (optional)"), max_length=1000, required=False)


class ClaimStartForm(forms.Form):
    office = forms.CharField(label=_("Office"), max_length=3, help_text=_("WIPO ST.3 code: EM, CN, US, WO …"))
    number = forms.CharField(label=_("Registration or application number"), max_length=50)
    relation = forms.ChoiceField(label=_("You are its"), choices=ClaimRelation.choices, initial=ClaimRelation.OWNER)


class ClaimProofForm(forms.Form):
    method = forms.ChoiceField(label=_("Proof"), choices=ClaimMethod.choices, widget=forms.RadioSelect)
    # The position of one of the register's contacts; the view maps it back to the address.
    contact = forms.CharField(label=_("Contact of record"), max_length=4, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The organisation reads it. Needed when you reject or ask for more."),
    )


class MandateGrantForm(forms.Form):
    agent = forms.ChoiceField(label=_("Agent"), choices=[])
    rights = forms.MultipleChoiceField(label=_("Rights"), choices=[], widget=forms.CheckboxSelectMultiple)
    marketplaces = forms.MultipleChoiceField(
        label=_("Marketplaces (none ticked: all)"), choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    actions = forms.MultipleChoiceField(
        label=_("Actions"), choices=MandateAction.choices, widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(label=_("Signed authorisation (授权委托书), PDF or image"))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(
        self,
        *args: Any,
        agents: list[tuple[str, str]],
        rights: list[tuple[str, str]],
        marketplaces: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"valid_from": today, "valid_until": today + timedelta(days=365)})
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "—"), *agents]  # type: ignore[attr-defined]
        self.fields["rights"].choices = rights  # type: ignore[attr-defined]
        self.fields["marketplaces"].choices = marketplaces  # type: ignore[attr-defined]


class AuthoriseForm(forms.Form):
    principal = forms.ChoiceField(label=_("Right holder"), choices=[])
    office = forms.CharField(label=_("Office"), max_length=3)
    number = forms.CharField(label=_("Registration or application number"), max_length=50)
    marketplace = forms.ChoiceField(label=_("Marketplace"), choices=[], required=False)
    action = forms.ChoiceField(label=_("Action"), choices=MandateAction.choices)

    def __init__(
        self, *args: Any, principals: list[tuple[str, str]], marketplaces: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["principal"].choices = [("", "—"), *principals]  # type: ignore[attr-defined]
        self.fields["marketplace"].choices = [("", _("Any marketplace")), *marketplaces]  # type: ignore[attr-defined]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Credential"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "font-monospace"}),
        help_text=_("Paste the whole token: three parts separated by dots."),
    )
