"""Forms of the evidence pages. They shape the input only; the services decide whether it is evidence, say why
not, and name the field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TIME_CODE_PLACEHOLDER = "HH:MM:SS"


class FieldGroup:
    """Some fields of a form, for the shared field renderer, so that a page lays a form out in rows; the ``first``
    group shows the errors that belong to no field."""

    def __init__(self, form: forms.Form, *names: str, first: bool = False) -> None:
        self.form = form
        self.names = names
        self.first = first

    def __iter__(self) -> Iterator[forms.BoundField]:
        return (self.form[name] for name in self.names)

    def non_field_errors(self) -> Any:
        return self.form.non_field_errors() if self.first else []


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date and time picker; it sends the time as written, without a zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )


class EvidenceForm(forms.Form):
    """A file or a text, and where and when it was captured. Both, or neither, is the service's to refuse."""

    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        allow_empty_file=True,
        help_text=gettext_lazy(
            "A screenshot or other picture, a PDF, a video or sound recording, a saved page (HTML), a ZIP archive "
            "or a text file. It is stored as received, under its SHA-256."
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Or the text of the evidence"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("For instance a chat with the merchant, copied as it is."),
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        max_length=255,
        help_text=gettext_lazy("A title; a file keeps its own name when you leave this empty."),
    )
    captured_url = forms.CharField(
        label=gettext_lazy("Captured at (URL)"),
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "spellcheck": "false"}),
    )
    marketplace = forms.ChoiceField(label=gettext_lazy("Marketplace"), required=False)
    listing_id = forms.CharField(label=gettext_lazy("Listing id"), required=False, max_length=200)
    stream_id = forms.CharField(
        label=gettext_lazy("Live stream"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The live stream's id or address, for a capture of a live stream."),
    )
    time_code = forms.CharField(
        label=gettext_lazy("Time code in the stream"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": TIME_CODE_PLACEHOLDER, "spellcheck": "false"}),
        help_text=gettext_lazy("HH:MM:SS from the start of the stream."),
    )
    observed_at = forms.DateTimeField(
        label=gettext_lazy("Observed at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, marketplaces: Iterable[tuple[str, str]], zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["marketplace"].choices = [("", "—"), *marketplaces]  # type: ignore[attr-defined]
        self.fields["observed_at"].help_text = _(
            "When you saw it, in your time zone (%(zone)s). IPBridge records its own time of receipt too."
        ) % {"zone": zone}

    def parts(self) -> dict[str, FieldGroup]:
        """Each field on its own, for a page that lays the form out in rows; the file shows the form's errors."""
        return {name: FieldGroup(self, name, first=name == "file") for name in self.fields}


class AttachForm(forms.Form):
    """One of the organisation's items and a case it is a party of: the item page chooses the case, the case page
    the item. The service says whether the actor may attach them."""

    evidence = forms.IntegerField(label=gettext_lazy("Evidence"), widget=forms.Select)
    case = forms.IntegerField(label=gettext_lazy("Case"), widget=forms.Select)

    def offer(self, *, cases: Iterable[tuple[int, str]] = (), items: Iterable[tuple[int, str]] = ()) -> AttachForm:
        """The cases and items the selects offer (any id is accepted, and the service checks it)."""
        self.fields["case"].widget.choices = [("", "—"), *cases]
        self.fields["evidence"].widget.choices = [("", "—"), *items]
        return self


class ShareForm(forms.Form):
    """An authority or a mediator, by its id on IPBridge; the service says whether the item may be shown to it."""

    organisation = forms.CharField(
        label=gettext_lazy("Authority or mediator"),
        required=False,
        widget=forms.Select,
        help_text=gettext_lazy("It sees this item, its chain of custody and its proof until you end the sharing."),
    )

    def offer(self, organisations: Iterable[tuple[str, str]]) -> ShareForm:
        self.fields["organisation"].widget.choices = [("", "—"), *organisations]
        return self


class PackageForm(forms.Form):
    package = forms.FileField(
        label=gettext_lazy("Evidence package (ZIP)"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
