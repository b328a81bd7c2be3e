"""Forms of the alert pages: the queue's filters and the marketplace's triage. They shape the input; the selectors
and services check it and name the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ipbridge.engine.screening import DETECTORS
from ipbridge.notices.models import Measure
from ipbridge.screening.alerts_services import MAX_NOTE
from ipbridge.screening.flags import detector_label
from ipbridge.screening.models import AlertLevel, AlertStatus, DismissReason


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    detector = forms.ChoiceField(label=_("Detector"), required=False)
    brand = forms.CharField(
        label=_("Brand"), required=False, max_length=200, widget=forms.SearchInput(attrs={"list": "alert-brands"})
    )
    min_score = forms.FloatField(label=_("Lowest score"), required=False, min_value=0, max_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(AlertStatus.choices)  # type: ignore[attr-defined]
        self.fields["level"].choices = everything + list(AlertLevel.choices)  # type: ignore[attr-defined]
        self.fields["detector"].choices = everything + [(d, detector_label(d)) for d in DETECTORS]  # type: ignore[attr-defined]
        self.fields["min_score"].widget.attrs.update({"step": "0.05", "min": "0", "max": "1"})


CHOOSE = [("", _("Choose…"))]


class ConfirmForm(forms.Form):
    measure = forms.ChoiceField(label=_("Measure taken"), choices=CHOOSE + list(Measure.choices))
    note = forms.CharField(
        label=_("Note (only your marketplace reads it)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DismissForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CHOOSE + list(DismissReason.choices))
    note = forms.CharField(
        label=_("Note (only your marketplace reads it)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
