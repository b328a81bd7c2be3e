"""Forms of the sharing pages. They shape the input (a line per entry, a price written out); the services decide
whether it may be shared, say why not, and name the field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ipbridge.sharing.currencies import amount_display, amount_parse
from ipbridge.sharing.models import ReadSubject, SellerRelation

PRICE_EXAMPLE = "AURORA Rouge lipstick 3.5 g = 39.00 EUR"


class DateInput(forms.DateInput):
    """The browser's own date picker."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class FieldGroup:
    """Some fields of a form, for the shared field renderer, so that a page lays a form out in sections; the
    ``first`` group shows the errors that belong to no field."""

    def __init__(self, form: forms.Form, *names: str, first: bool = False) -> None:
        self.form = form
        self.names = names
        self.first = first

    def __iter__(self) -> Iterator[forms.BoundField]:
        return (self.form[name] for name in self.names)

    def non_field_errors(self) -> Any:
        return self.form.non_field_errors() if self.first else []


def parts(form: forms.Form, *first: str) -> dict[str, FieldGroup]:
    """Each field of ``form`` on its own; the first field named shows the form's own errors."""
    return {name: FieldGroup(form, name, first=name == first[0]) for name in form.fields}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def lines_text(values: Iterable[str]) -> str:
    return "\n".join(values)


def prices_text(prices: Iterable[dict[str, Any]]) -> str:
    return "\n".join(f"{p['product']} = {amount_display(p['amount'], p['currency'])}" for p in prices)


def _lines_field(label: Any, help_text: Any = None, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text or gettext_lazy("One per line."),
    )


class GuideForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    rights = forms.MultipleChoiceField(
        label=gettext_lazy("Rights the guide covers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Among the rights your organisation has proved it holds on IPBridge."),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    products = _lines_field(gettext_lazy("Products"), gettext_lazy("One product or product line per line."), 4)
    genuine_features = _lines_field(
        gettext_lazy("Features of genuine goods"), gettext_lazy("One feature per line: what genuine goods show."), 6
    )
    counterfeit_features = _lines_field(
        gettext_lazy("Known features of counterfeits"), gettext_lazy("One feature per line: what gives fakes away."), 6
    )
    packaging = forms.CharField(
        label=gettext_lazy("Packaging"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    serial_schemes = _lines_field(
        gettext_lazy("Serial numbers and codes"),
        gettext_lazy("One scheme per line: how serial numbers, batch codes or QR codes are formed and checked."),
    )
    reference_prices = _lines_field(
        gettext_lazy("Reference prices"),
        gettext_lazy(
            "One per line: product = amount and ISO 4217 currency, e.g. “AURORA Rouge lipstick 3.5 g = 39.00 EUR”."
        ),
    )
    audience_all_marketplaces = forms.BooleanField(label=gettext_lazy("All verified marketplaces"), required=False)
    audience_marketplaces = forms.MultipleChoiceField(
        label=gettext_lazy("Named marketplaces"), required=False, widget=forms.CheckboxSelectMultiple
    )
    audience_authorities = forms.BooleanField(
        label=gettext_lazy("Authorities (market regulators, customs, police), once verified"), required=False
    )

    def __init__(
        self,
        *args: Any,
        rights: Iterable[tuple[str, str]],
        marketplaces: Iterable[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rights"].choices = list(rights)  # type: ignore[attr-defined]
        self.fields["audience_marketplaces"].choices = list(marketplaces)  # type: ignore[attr-defined]

    def parts(self) -> dict[str, FieldGroup]:
        return parts(self, "title")

    def clean_reference_prices(self) -> list[dict[str, Any]]:
        prices = []
        for number, line in enumerate(_lines(self.cleaned_data["reference_prices"]), start=1):
            product, equals, written = line.rpartition("=")
            amount, _space, currency = written.strip().rpartition(" ")
            currency = currency.strip().upper()
            minor = amount_parse(amount, currency) if equals and product.strip() else None
            if minor is None:
                raise forms.ValidationError(
                    _("Line %(line)d: write the product, “=”, the amount and the currency, e.g. “%(example)s”.")
                    % {"line": number, "example": PRICE_EXAMPLE}
                )
            prices.append({"product": product.strip(), "amount": minor, "currency": currency})
        return prices

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "rights": data["rights"],
            "products": _lines(data["products"]),
            "genuine_features": _lines(data["genuine_features"]),
            "counterfeit_features": _lines(data["counterfeit_features"]),
            "packaging": data["packaging"],
            "serial_schemes": _lines(data["serial_schemes"]),
            "reference_prices": data["reference_prices"],
            "audience_all_marketplaces": data["audience_all_marketplaces"],
            "audience_marketplaces": data["audience_marketplaces"],
            "audience_authorities": data["audience_authorities"],
        }


class ImageForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Picture"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=gettext_lazy("PNG, JPEG or WebP, at most 5 MiB."),
    )
    caption = forms.CharField(label=gettext_lazy("Caption"), required=False, max_length=300)


class ReadFilterForm(forms.Form):
    guide = forms.TypedChoiceField(label=gettext_lazy("Guide"), required=False, coerce=int, empty_value=None)
    subject = forms.ChoiceField(label=gettext_lazy("What was read"), required=False)

    def __init__(self, *args: Any, guides: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guide"].choices = [("", gettext_lazy("All guides")), *guides]  # type: ignore[attr-defined]
        self.fields["subject"].choices = [("", gettext_lazy("Everything")), *ReadSubject.choices]  # type: ignore[attr-defined]


class SellerForm(forms.Form):
    right = forms.ChoiceField(label=gettext_lazy("Right"))
    brand = forms.CharField(
        label=gettext_lazy("Brand as written"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("A name of the right (its mark, or its transliteration); empty: the mark."),
    )
    marketplace = forms.ChoiceField(label=gettext_lazy("Marketplace"), required=False)
    marketplace_name = forms.CharField(
        label=gettext_lazy("Or a marketplace not on IPBridge: its name"), required=False, max_length=200
    )
    marketplace_url = forms.CharField(
        label=gettext_lazy("… and its address"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://", "spellcheck": "false"}),
    )
    shop_id = forms.CharField(
        label=gettext_lazy("Shop id"),
        max_length=200,
        help_text=gettext_lazy("The shop's id on the marketplace, as the marketplace writes it."),
    )
    shop_name = forms.CharField(label=gettext_lazy("Shop name"), required=False, max_length=200)
    relation = forms.ChoiceField(label=pgettext_lazy("seller", "Relation"), choices=SellerRelation.choices)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), required=False, widget=DateInput())
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("The last day it is authorised; empty: until further notice."),
    )

    def __init__(
        self, *args: Any, rights: Iterable[tuple[str, str]], marketplaces: Iterable[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["right"].choices = [("", "—"), *rights]  # type: ignore[attr-defined]
        self.fields["marketplace"].choices = [("", "—"), *marketplaces]  # type: ignore[attr-defined]

    def parts(self) -> dict[str, FieldGroup]:
        return parts(self, "right")


class EndForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class SellerFilterForm(forms.Form):
    brand = forms.CharField(label=gettext_lazy("Brand"), required=False, max_length=200)
    shop_id = forms.CharField(label=gettext_lazy("Shop id"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("current", pgettext_lazy("seller", "Current")),
            ("upcoming", pgettext_lazy("seller", "Upcoming")),
            ("ended", pgettext_lazy("seller", "Ended")),
        ],
    )


class CheckForm(forms.Form):
    brand = forms.CharField(label=gettext_lazy("Brand"), max_length=200)
    shop_id = forms.CharField(label=gettext_lazy("Shop id"), max_length=200)
    marketplace = forms.ChoiceField(label=gettext_lazy("Marketplace"), required=False)

    def __init__(self, *args: Any, marketplaces: Iterable[tuple[str, str]] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if marketplaces is None:
            del self.fields["marketplace"]
        else:
            self.fields["marketplace"].choices = [("", "—"), *marketplaces]  # type: ignore[attr-defined]
