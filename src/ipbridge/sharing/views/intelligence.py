"""The page of infringer intelligence for marketplaces: check one's own sellers against the recorded infringers,
record the seller of a case with measures taken, see and take back one's records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError
from ipbridge.engine.identifiers import KINDS
from ipbridge.notices.selectors import cases_visible
from ipbridge.sharing import intelligence
from ipbridge.sharing.views._common import CHECKERS, subnav
from ipbridge.web.pages import ActingRequest, acting, posted

READERS = CHECKERS
RECORDS_SHOWN = 200
CASES_SHOWN = 200


def identifier_lines(text: str) -> list[tuple[str, str]]:
    """``kind,value`` (or ``kind value``) a line."""
    pairs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        kind, _sep, value = line.strip().replace(",", " ", 1).partition(" ")
        pairs.append((kind.strip(), value.strip()))
    return pairs


class CheckForm(forms.Form):
    identifiers = forms.CharField(
        label=gettext_lazy("Your sellers' identifiers, one a line"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "font-monospace"}),
        max_length=200_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["identifiers"].help_text = _(
            "The kind, a comma, then the value, e.g. “phone,+86 138 0013 8000”. Kinds: %(kinds)s."
        ) % {"kinds": ", ".join(KINDS)}


class RecordForm(forms.Form):
    case = forms.TypedChoiceField(label=gettext_lazy("Case with measures taken"), coerce=int)
    identifiers = forms.CharField(
        label=gettext_lazy("The seller's identifiers, one a line"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "font-monospace"}),
        max_length=200_000,
    )

    def __init__(self, *args: Any, cases: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", "—"), *cases]  # type: ignore[attr-defined]


def _cases(request: ActingRequest) -> list[tuple[int, str]]:
    if request.actor.organisation.kind != OrganisationKind.MARKETPLACE:
        return []
    cases = cases_visible(actor=request.actor).filter(marketplace=request.actor.organisation, items__status="acted")
    return [
        (case.pk, _("Case #%(id)d (%(status)s)") % {"id": case.pk, "status": case.get_status_display()})
        for case in cases.distinct().order_by("-created_at", "-id")[:CASES_SHOWN]
    ]


def _page(
    request: ActingRequest,
    *,
    check: CheckForm | None = None,
    record: RecordForm | None = None,
    matches: list[intelligence.IdentifierMatch] | None = None,
    checked: int | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "sharing/intelligence.html",
        {
            "check": check or CheckForm(),
            "record": record or RecordForm(cases=_cases(request)),
            "records": list(intelligence.intelligence_records(actor=actor)[:RECORDS_SHOWN]),
            "matches": matches,
            "checked": checked,
            "is_marketplace": actor.organisation.kind == OrganisationKind.MARKETPLACE,
            "can_record": actor.can("sharing:write"),
            "retention_days": settings.INTELLIGENCE_RETENTION_DAYS,
            "subnav": subnav(actor, "sharing:intelligence"),
        },
        status=status,
    )


@acting(*READERS)
@require_GET
def intelligence_page(request: ActingRequest) -> HttpResponse:
    return _page(request)


@acting(OrganisationKind.MARKETPLACE)
@posted("sharing:intelligence")
def intelligence_check(request: ActingRequest) -> HttpResponse:
    request.actor.require("sharing:read")
    form = CheckForm(request.POST)
    if form.is_valid():
        pairs = identifier_lines(form.cleaned_data["identifiers"])
        try:
            matches = intelligence.intelligence_match_identifiers(actor=request.actor, identifiers=pairs)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            return _page(request, check=form, matches=matches, checked=len(pairs))
    return _page(request, check=form, status=422)


@acting(OrganisationKind.MARKETPLACE)
@posted("sharing:intelligence")
def intelligence_record(request: ActingRequest) -> HttpResponse:
    request.actor.require("sharing:write")
    form = RecordForm(request.POST, cases=_cases(request))
    if form.is_valid():
        try:
            recorded = intelligence.intelligence_record(
                actor=request.actor,
                case_id=form.cleaned_data["case"],
                identifiers=identifier_lines(form.cleaned_data["identifiers"]),
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            messages.success(
                request,
                _("%(n)d identifier(s) recorded as keyed hashes; the values themselves were not kept.")
                % {"n": recorded},
            )
            return redirect("sharing:intelligence")
    return _page(request, record=form, status=422)


@acting(OrganisationKind.MARKETPLACE)
@require_POST
def intelligence_withdraw(request: ActingRequest, record_id: int) -> HttpResponse:
    intelligence.intelligence_withdraw(actor=request.actor, record_id=record_id)
    messages.success(request, _("Record taken back."))
    return redirect("sharing:intelligence")
