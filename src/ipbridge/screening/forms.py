"""Forms of the scan and settings pages. They shape the input; the services decide, say why not and name the
field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipbridge.engine.screening import DETECTORS
from ipbridge.screening.flags import WATCH, detector_label


class ScanForm(forms.Form):
    """A file of listings, or JSON lines pasted."""

    file = forms.FileField(
        label=gettext_lazy("File of listings"),
        required=False,
        help_text=gettext_lazy("JSON lines (.jsonl) or CSV (.csv), UTF-8, at most 2 GiB."),
    )
    lines = forms.CharField(
        label=gettext_lazy("Or paste JSON lines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "font-monospace"}),
        help_text=gettext_lazy("One listing per line, as a JSON object."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file = bool(data.get("file"))
        has_lines = bool((data.get("lines") or "").strip())
        if not has_file and not has_lines:
            self.add_error("file", _("Choose a file of listings, or paste JSON lines."))
        elif has_file and has_lines:
            self.add_error("lines", _("Send a file or pasted lines, not both."))
        return data


def detector_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Any")),
        *((detector, detector_label(detector)) for detector in DETECTORS),
        (WATCH, _("Focused monitoring")),
    ]


class ItemFilterForm(forms.Form):
    min_score = forms.FloatField(
        label=gettext_lazy("Minimum score"),
        required=False,
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )
    detector = forms.ChoiceField(label=gettext_lazy("Detector"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["detector"].choices = detector_choices()  # type: ignore[attr-defined]


class ThresholdsForm(forms.Form):
    alert_threshold = forms.FloatField(
        label=gettext_lazy("Alert threshold"),
        help_text=gettext_lazy("A listing scoring at least this raises an alert: more than 0, at most 1."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
    )
    hold_threshold = forms.FloatField(
        label=gettext_lazy("Hold-for-review threshold"),
        help_text=gettext_lazy("At least this, the listing is also held for review: from the alert threshold to 1."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
    )
    lookalikes = forms.BooleanField(
        label=gettext_lazy("Flag look-alike spellings of marks, not only exact ones"), required=False
    )
    share_with_right_holders = forms.BooleanField(
        label=gettext_lazy("Share alerts with the right holders whose marks they name"), required=False
    )


LANGUAGE_CHOICES = [("", gettext_lazy("Any language")), ("zh", "中文"), ("en", "English")]


class KeywordForm(forms.Form):
    term = forms.CharField(label=gettext_lazy("Term"), max_length=100)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=LANGUAGE_CHOICES, required=False)
    weight = forms.FloatField(
        label=gettext_lazy("Weight"),
        initial=0.5,
        help_text=gettext_lazy("What the term adds to a listing's risk: more than 0, at most 1."),
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
    )


class KeywordChangeForm(forms.Form):
    """One row of the catalogue: a new weight, or enabling or disabling the term."""

    weight = forms.FloatField(label=gettext_lazy("Weight"), required=False)
    enabled = forms.TypedChoiceField(
        label=gettext_lazy("Enabled"),
        choices=[("", ""), ("1", "1"), ("0", "0")],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )


class KeywordFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search the terms"), required=False, max_length=100, widget=forms.SearchInput()
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=LANGUAGE_CHOICES, required=False)


class ProducerForm(forms.Form):
    indication = forms.ChoiceField(label=gettext_lazy("Geographical indication"))
    shop_id = forms.CharField(label=gettext_lazy("Shop id"), max_length=200)
    shop_name = forms.CharField(label=gettext_lazy("Shop name"), max_length=200, required=False)

    def __init__(self, *args: Any, indications: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indication"].choices = [(name, name) for name in indications]  # type: ignore[attr-defined]
