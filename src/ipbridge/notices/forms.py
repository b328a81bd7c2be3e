"""Forms of the notice and case pages. They shape the input — items one a line or from a CSV file, evidence one a
line — and name the line that is wrong; the services decide whether the notice is complete and say why."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipbridge.notices.completeness import EvidenceIn, EvidenceKind, ItemIn
from ipbridge.notices.models import CaseStatus, Measure

CSV_HEADER = ("marketplace", "url", "listing_id", "title")
CSV_MAX_BYTES = 32 * 1024 * 1024
REJECT = "reject"
AUTOMATED_DECISION_CHOICES = [
    ("not", gettext_lazy("No automated means")),
    ("partially", gettext_lazy("Partially automated")),
    ("fully", gettext_lazy("Fully automated")),
]
ACCOUNT_ACTION_CHOICES = [
    ("", gettext_lazy("None")),
    ("suspended", gettext_lazy("Account suspended")),
    ("terminated", gettext_lazy("Account terminated")),
]


MERCHANT_HELP = gettext_lazy("The merchant's id on IPBridge, e.g. bright-deals; it receives the notice.")


class LinesError(ValueError):
    """Input that cannot be read, with the sentence that says where and why."""


def item_from_parts(marketplace: str, location: str, title: str = "") -> ItemIn:
    location = location.strip()
    if location.lower().startswith("id:"):
        return ItemIn(marketplace.strip(), listing_id=location[3:].strip(), title=title.strip())
    return ItemIn(marketplace.strip(), url=location, title=title.strip())


def items_parse(text: str) -> list[ItemIn]:
    """One item a line: ``marketplace-id URL`` or ``marketplace-id id:LISTING-ID``, then an optional title."""
    items: list[ItemIn] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 2:
            raise LinesError(
                _("Line %(n)d: write the marketplace's id, then the URL or id:LISTING-ID.") % {"n": number}
            )
        items.append(item_from_parts(*parts))
        if len(items) > settings.NOTICE_MAX_ITEMS:
            raise LinesError(_("At most %(n)d items in one notice.") % {"n": settings.NOTICE_MAX_ITEMS})
    return items


def items_as_lines(items: list[ItemIn]) -> str:
    lines = []
    for item in items:
        location = f"id:{item.listing_id}" if item.listing_id else item.url
        lines.append(" ".join(part for part in (item.marketplace, location, item.title) if part))
    return "\n".join(lines)


def items_from_csv(upload: UploadedFile) -> list[ItemIn]:
    """Rows of ``marketplace,url,listing_id,title`` after that header line; each row needs a URL or a listing id."""
    if (upload.size or 0) > CSV_MAX_BYTES:
        raise LinesError(_("The file is larger than %(n)d MiB.") % {"n": CSV_MAX_BYTES // 2**20})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LinesError(_("The file is not CSV text in UTF-8.")) from exc
    if "\x00" in text:
        raise LinesError(_("The file is not CSV text in UTF-8."))
    reader = csv.reader(io.StringIO(text, newline=""))
    items: list[ItemIn] = []
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip().lower() for h in header) != CSV_HEADER:
            raise LinesError(_("Line 1 must be the header: %(header)s.") % {"header": ",".join(CSV_HEADER)})
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(CSV_HEADER):
                raise LinesError(
                    _("Line %(n)d has %(found)d columns instead of %(expected)d.")
                    % {"n": reader.line_num, "found": len(row), "expected": len(CSV_HEADER)}
                )
            marketplace, url, listing_id, title = (cell.strip() for cell in row)
            if not marketplace or not (url or listing_id):
                raise LinesError(
                    _("Line %(n)d: give the marketplace and a URL or a listing id.") % {"n": reader.line_num}
                )
            items.append(ItemIn(marketplace, url=url, listing_id=listing_id, title=title))
            if len(items) > settings.NOTICE_MAX_ITEMS:
                raise LinesError(
                    _("At most %(n)d items in one notice; the file has more.") % {"n": settings.NOTICE_MAX_ITEMS}
                )
    except csv.Error as exc:
        raise LinesError(_("Line %(n)d is not valid CSV.") % {"n": reader.line_num}) from exc
    return items


def evidence_parse(text: str) -> list[EvidenceIn]:
    """One piece of evidence a line: its kind, then where it is (an evidence id or a URL)."""
    found: list[EvidenceIn] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        kind, _space, reference = line.strip().partition(" ")
        if kind not in EvidenceKind.values or not reference.strip():
            raise LinesError(
                _("Line %(n)d: write the kind of evidence (%(kinds)s), then where it is.")
                % {"n": number, "kinds": ", ".join(EvidenceKind.values)}
            )
        found.append(EvidenceIn(kind, reference.strip()))
    return found


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class PrincipalForm(forms.Form):
    """Agents: the right holder they act for, among those whose mandates are in force."""

    on_behalf_of = forms.ChoiceField(label=gettext_lazy("Right holder you act for"), choices=[])

    def __init__(self, *args: Any, principals: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on_behalf_of"].choices = [("", "—"), *principals]  # type: ignore[attr-defined]


class NoticeForm(forms.Form):
    rights = forms.MultipleChoiceField(
        label=gettext_lazy("Rights infringed"), choices=[], widget=forms.CheckboxSelectMultiple, required=False
    )
    items = forms.CharField(
        label=gettext_lazy("Items, one a line"),
        required=False,
        max_length=2_000_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "font-monospace"}),
        help_text=gettext_lazy(
            "The marketplace's id, then the item's URL or id:LISTING-ID, then a title if you like, e.g. "
            "“megamart https://megamart.example/item/1” or “little-bazaar id:LB-77”."
        ),
    )
    items_file = forms.FileField(
        label=gettext_lazy("Or a CSV file"),
        required=False,
        help_text=gettext_lazy("Header line marketplace,url,listing_id,title; one item a row."),
    )
    explanation = forms.CharField(
        label=gettext_lazy("Why the items infringe"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence (optional), one a line"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "font-monospace"}),
    )
    notifier_name = forms.CharField(label=gettext_lazy("Your name"), required=False, max_length=200)
    notifier_email = forms.CharField(
        label=gettext_lazy("Your e-mail address"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}),
    )
    good_faith = forms.BooleanField(
        label=gettext_lazy(
            "I state in good faith that the information in this notice is accurate and complete, and that the "
            "items infringe the rights named."
        ),
        required=False,
    )

    def __init__(self, *args: Any, rights: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rights"].choices = rights  # type: ignore[attr-defined]
        kinds = "; ".join(f"{value} — {label}" for value, label in EvidenceKind.choices)
        self.fields["evidence"].help_text = _(
            "The kind, then where the evidence is: an item of your evidence vault as evidence:ID (attached to "
            "every case), or a URL, e.g. “screenshot evidence:12” or “test_purchase "
            "https://files.example/order-118.pdf”. Kinds: %(kinds)s."
        ) % {"kinds": kinds}


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason (optional)"), max_length=2000, required=False)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *CaseStatus.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)


def measure_choices() -> list[tuple[str, Any]]:
    return [*Measure.choices, (REJECT, gettext_lazy("Reject"))]


class DecisionForm(forms.Form):
    """The common part of a decision; each item's measure and reason come from the item rows."""

    bulk_measure = forms.ChoiceField(
        label=gettext_lazy("Apply to all pending items"),
        required=False,
        help_text=gettext_lazy("Decides every pending item of the case, on every page, the same way."),
    )
    bulk_reason = forms.CharField(
        label=gettext_lazy("Reason for all pending items"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Needed when you reject them."),
    )
    facts = forms.CharField(
        label=gettext_lazy("Facts and circumstances relied on"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    legal_ground = forms.CharField(
        label=gettext_lazy("Legal or contractual ground"),
        max_length=500,
        help_text=gettext_lazy("e.g. E-commerce Law of the PRC art. 42; Regulation (EU) 2017/1001 art. 9."),
    )
    merchant = forms.CharField(
        label=gettext_lazy("Merchant selling the items"),
        required=False,
        max_length=100,
        help_text=MERCHANT_HELP,
    )
    territorial_scope = forms.CharField(
        label=gettext_lazy("Territorial scope"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Two-letter country codes separated by spaces, e.g. DE FR; empty: everywhere."),
    )
    end_date = forms.DateField(
        label=gettext_lazy("Measures end on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    automated_detection = forms.BooleanField(label=gettext_lazy("Found by automated means"), required=False)
    automated_decision = forms.ChoiceField(
        label=gettext_lazy("Decided by automated means"), choices=AUTOMATED_DECISION_CHOICES, initial="not"
    )
    account_action = forms.ChoiceField(
        label=gettext_lazy("Action on the merchant's account"), choices=ACCOUNT_ACTION_CHOICES, required=False
    )
    manifestly_unfounded = forms.BooleanField(
        label=gettext_lazy("The rejections are manifestly unfounded"),
        required=False,
        help_text=gettext_lazy(
            "DSA art. 23: senders of many manifestly unfounded notices are warned, then suspended for a time."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bulk_measure"].choices = [("", "—"), *measure_choices()]  # type: ignore[attr-defined]


class ForwardForm(forms.Form):
    merchant = forms.CharField(label=gettext_lazy("Merchant"), max_length=100, help_text=MERCHANT_HELP)


class CloseForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=2000, required=False)


class CounterNoticeForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("Statement of non-infringement"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Preliminary evidence, one reference a line"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy("Invoices, authorisations from the brand, links to your supplier's documents."),
    )


class ComplaintForm(forms.Form):
    authority = forms.CharField(
        label=gettext_lazy("Authority or court"),
        max_length=300,
        help_text=gettext_lazy("e.g. 深圳市市场监督管理局, or the court seized."),
    )
    reference = forms.CharField(label=gettext_lazy("Reference of the complaint or lawsuit"), max_length=300)


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=gettext_lazy("Why the decision is wrong"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence, one reference a line"),
        max_length=50_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"))
    measure = forms.ChoiceField(label=gettext_lazy("Measure taken now"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason given to the appellant"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, kind: str = "measures", **kwargs: Any):
        super().__init__(*args, **kwargs)
        outcome = cast(forms.ChoiceField, self.fields["outcome"])
        if kind == "rejection":
            outcome.choices = [
                ("upheld", gettext_lazy("Uphold the rejection")),
                ("overturned", gettext_lazy("Overturn it: take the measure below")),
            ]
            cast(forms.ChoiceField, self.fields["measure"]).choices = [("", "—"), *measure_choices()]
        else:
            outcome.choices = [
                ("upheld", gettext_lazy("Uphold the decision")),
                ("overturned", gettext_lazy("Overturn it: lift the measures")),
            ]
            del self.fields["measure"]


class MaliciousFlagForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the notice is malicious"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence, one reference a line"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for lifting"), max_length=2000)


class IntakeForm(forms.Form):
    response_hours = forms.IntegerField(
        label=gettext_lazy("Response time (hours)"),
        min_value=1,
        max_value=720,
        help_text=gettext_lazy("The time you commit to decide a case in; a case not decided by then is overdue."),
    )
    email = forms.EmailField(
        label=gettext_lazy("Intake e-mail address"),
        required=False,
        help_text=gettext_lazy(
            "Each new case is also e-mailed here, with its items and evidence links: for systems not connected to "
            "IPBridge. Leave empty to receive cases in the inbox, the API and webhooks only."
        ),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mails"), choices=settings.LANGUAGES)
    overdue_alerts = forms.BooleanField(
        label=gettext_lazy("E-mail the admins (and the intake address) when cases are overdue"), required=False
    )
