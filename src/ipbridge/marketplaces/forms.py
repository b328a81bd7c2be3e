"""Forms of the directory's pages. They shape the input only; the services decide whether a value, a source or a
review date is acceptable, say why not, and name the field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ipbridge.marketplaces.fields import FIELDS, MAX_PROGRAMMES, ProfileField
from ipbridge.marketplaces.models import MarketplaceProfile
from ipbridge.marketplaces.services import FieldChange
from ipbridge.marketplaces.vocabulary import Category, ChannelKind, RightType, Size

ANY = ("", _("Any"))
NOT_STATED = ("", _("Not stated"))
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[ANY, *Category.choices])
    live_streaming = forms.ChoiceField(label=_("Live streaming"), required=False, choices=[ANY, *YES_NO])
    channel = forms.ChoiceField(label=_("Notice channel"), required=False, choices=[ANY, *ChannelKind.choices])

    def __init__(
        self, *args: Any, countries: Iterable[tuple[str, str]], languages: Iterable[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [ANY, *countries]  # type: ignore[attr-defined]
        self.fields["language"].choices = [ANY, *languages]  # type: ignore[attr-defined]


def _text_input(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"spellcheck": "false", **attrs})


def _channel_key(kind: str, part: str) -> str:
    return f"channels__{kind}__{part}"


def _requirement_key(kind: str, right: str, part: str) -> str:
    return f"channels__{kind}__{right}__{part}"


def _programme_key(index: int, part: str) -> str:
    return f"programmes__{index}__{part}"


class ProfileForm(forms.Form):
    """Every field of a profile with its source page and review date. A field sent as it was, with no new source
    and no review date, changes nothing."""

    slug = forms.CharField(
        label=_("Address name (slug)"),
        required=False,
        max_length=80,
        widget=_text_input(),
        help_text=_("Lower-case letters, digits and hyphens; it appears in the profile's address."),
    )
    organisation = forms.ChoiceField(label=_("Marketplace on IPBridge"), required=False)

    def __init__(
        self,
        *args: Any,
        profile: MarketplaceProfile | None = None,
        creating: bool = False,
        organisations: Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.creating = creating
        self.group_errors: dict[str, list[tuple[str, str]]] = {}
        if creating:
            self.fields["organisation"].choices = [("", _("None: not on IPBridge")), *organisations]  # type: ignore[attr-defined]
        else:
            del self.fields["slug"], self.fields["organisation"]
        count = len(profile.programmes) if profile is not None else 0
        self.programme_rows = min(MAX_PROGRAMMES, count + 2)
        for field in FIELDS:
            self._add(field)
            self.fields[f"{field.name}__source"] = forms.CharField(
                label=_("Source (web address)"),
                required=False,
                max_length=500,
                widget=forms.URLInput(attrs={"placeholder": "https://", "spellcheck": "false"}),
            )
            self.fields[f"{field.name}__reviewed"] = forms.DateField(
                label=_("Reviewed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        if profile is not None and not self.is_bound:
            self.initial.update(self._initial(profile))

    def _add(self, field: ProfileField) -> None:
        name, kind = field.name, field.kind
        if kind == "long_text":
            self.fields[name] = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
        elif kind == "categories":
            self.fields[name] = forms.MultipleChoiceField(
                required=False, choices=Category.choices, widget=forms.CheckboxSelectMultiple
            )
        elif kind == "boolean":
            self.fields[name] = forms.ChoiceField(required=False, choices=[NOT_STATED, *YES_NO])
        elif kind == "size":
            self.fields[name] = forms.ChoiceField(required=False, choices=[NOT_STATED, *Size.choices])
        elif kind == "channels":
            for channel in ChannelKind.values:
                self.fields[_channel_key(channel, "offered")] = forms.BooleanField(required=False)
                self.fields[_channel_key(channel, "address")] = forms.CharField(required=False, widget=_text_input())
                self.fields[_channel_key(channel, "notes")] = forms.CharField(
                    required=False, widget=forms.Textarea(attrs={"rows": 2})
                )
                for right in RightType.values:
                    for part in ("fields", "documents"):
                        self.fields[_requirement_key(channel, right, part)] = forms.CharField(
                            required=False, widget=forms.Textarea(attrs={"rows": 2})
                        )
        elif kind == "programmes":
            for index in range(self.programme_rows):
                self.fields[_programme_key(index, "name")] = forms.CharField(required=False, widget=_text_input())
                self.fields[_programme_key(index, "url")] = forms.CharField(
                    required=False, widget=_text_input(placeholder="https://")
                )
                self.fields[_programme_key(index, "description")] = forms.CharField(
                    required=False, widget=forms.Textarea(attrs={"rows": 2})
                )
        else:
            widget: forms.Widget = _text_input(placeholder="https://") if kind == "url" else _text_input()
            if kind == "days":
                widget = forms.NumberInput(attrs={"min": 0})
            self.fields[name] = forms.CharField(required=False, widget=widget)

    @staticmethod
    def _initial(profile: MarketplaceProfile) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for field in FIELDS:
            value = getattr(profile, field.name)
            kind = field.kind
            if kind in ("countries", "languages"):
                initial[field.name] = " ".join(value)
            elif kind == "boolean":
                initial[field.name] = "" if value is None else ("yes" if value else "no")
            elif kind == "days":
                initial[field.name] = "" if value is None else value
            elif kind == "channels":
                for channel in value:
                    kind_ = channel["kind"]
                    initial[_channel_key(kind_, "offered")] = True
                    initial[_channel_key(kind_, "address")] = channel["address"]
                    initial[_channel_key(kind_, "notes")] = channel["notes"]
                    for right, needs in channel["requirements"].items():
                        for part in ("fields", "documents"):
                            initial[_requirement_key(kind_, right, part)] = "\n".join(needs[part])
            elif kind == "programmes":
                for index, programme in enumerate(value):
                    for part in ("name", "url", "description"):
                        initial[_programme_key(index, part)] = programme[part]
            else:
                initial[field.name] = value
            initial[f"{field.name}__source"] = profile.provenance.get(field.name, {}).get("source_url", "")
        return initial

    def _value(self, field: ProfileField) -> Any:
        data = self.cleaned_data
        if field.kind == "channels":
            channels = []
            for kind in ChannelKind.values:
                if not data.get(_channel_key(kind, "offered")):
                    continue
                requirements = {}
                for right in RightType.values:
                    needs = {
                        part: data.get(_requirement_key(kind, right, part), "") for part in ("fields", "documents")
                    }
                    if any(text.strip() for text in needs.values()):
                        requirements[right] = needs
                channels.append(
                    {
                        "kind": kind,
                        "address": data.get(_channel_key(kind, "address"), ""),
                        "notes": data.get(_channel_key(kind, "notes"), ""),
                        "requirements": requirements,
                    }
                )
            return channels
        if field.kind == "programmes":
            rows = []
            for index in range(self.programme_rows):
                row = {part: data.get(_programme_key(index, part), "") for part in ("name", "url", "description")}
                if any(text.strip() for text in row.values()):
                    rows.append(row)
            return rows
        return data.get(field.name)

    def changes(self) -> dict[str, FieldChange]:
        """Each field as sent, with its source and review date, for the service to compare with the profile."""
        return {
            field.name: FieldChange(
                value=self._value(field),
                source_url=self.cleaned_data.get(f"{field.name}__source", ""),
                reviewed_on=self.cleaned_data.get(f"{field.name}__reviewed"),
            )
            for field in FIELDS
        }

    def refuse(self, field: str | None, message: str) -> None:
        """Show a service's refusal beside the field group it names (``channels.1.address`` → channels)."""
        group = (field or "").split(".")[0]
        if group in {f.name for f in FIELDS} or group in ("slug", "organisation"):
            self.group_errors.setdefault(group, []).append((field or group, message))
        else:
            self.add_error(None, message)

    def groups(self) -> list[dict[str, Any]]:
        """Each profile field with its inputs, for the editor's layout. The IPBridge integration is a channel
        only a marketplace on IPBridge states."""
        on_ipbridge = self.profile is not None and self.profile.organisation_id is not None
        found = []
        for field in FIELDS:
            group: dict[str, Any] = {
                "field": field,
                "source": self[f"{field.name}__source"],
                "reviewed": self[f"{field.name}__reviewed"],
                "errors": self.group_errors.get(field.name, []),
                "provenance": (self.profile.provenance.get(field.name) if self.profile is not None else None),
            }
            if field.kind == "channels":
                group["channels"] = [
                    {
                        "kind": kind,
                        "label": label,
                        "offered": self[_channel_key(kind, "offered")],
                        "address": self[_channel_key(kind, "address")],
                        "notes": self[_channel_key(kind, "notes")],
                        "rights": [
                            (
                                right_label,
                                self[_requirement_key(kind, right, "fields")],
                                self[_requirement_key(kind, right, "documents")],
                            )
                            for right, right_label in RightType.choices
                        ],
                    }
                    for kind, label in ChannelKind.choices
                    if kind != ChannelKind.IPBRIDGE or on_ipbridge
                ]
            elif field.kind == "programmes":
                group["programmes"] = [
                    (
                        self[_programme_key(index, "name")],
                        self[_programme_key(index, "url")],
                        self[_programme_key(index, "description")],
                    )
                    for index in range(self.programme_rows)
                ]
            else:
                group["value"] = self[field.name]
            found.append(group)
        return found
