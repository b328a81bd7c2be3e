from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ipbridge.rights.models import RightStatus


class VerifyForm(forms.Form):
    office = forms.CharField(
        label=_("Office"), max_length=3, required=False, help_text=_("WIPO ST.3 code: EM, CN, US, WO …")
    )
    number = forms.CharField(label=_("Registration or application number"), max_length=50, required=False)
    mark = forms.CharField(label=_("or the mark"), max_length=500, required=False)
    claimant = forms.CharField(label=_("Claimed owner"), max_length=500, required=False)
    nice_class = forms.IntegerField(label=_("Nice class"), min_value=1, max_value=45, required=False)
    goods = forms.CharField(label=_("or the goods, in words"), max_length=1000, required=False)
    territory = forms.CharField(label=_("Territory (country code)"), max_length=2, required=False)
    on = forms.DateField(label=_("In force on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Mark"), max_length=200)
    office = forms.CharField(label=_("Office"), max_length=3, required=False)
    nice_class = forms.IntegerField(label=_("Nice class"), min_value=1, max_value=45, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *RightStatus.choices])
