"""Public register pages: search, verification and right details."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ipbridge.accounts.forms import add_application_error
from ipbridge.core.errors import ApplicationError
from ipbridge.identity.selectors import authority_for
from ipbridge.rights import selectors
from ipbridge.rights.forms import SearchForm, VerifyForm
from ipbridge.rights.presenters import change_public, reason_detail, reason_label
from ipbridge.rights.verification import claim_build


def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    result = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            claim = claim_build(
                office=data["office"],
                number=data["number"],
                mark=data["mark"],
                claimant=data["claimant"],
                nice_class=data["nice_class"],
                goods=data["goods"],
                territory=data["territory"],
                on=data["on"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            result = selectors.right_verify(claim=claim, authority=authority_for)
    return render(request, "rights/verify.html", {"form": form, "result": result})


def detail(request: HttpRequest, office: str, number: str) -> HttpResponse:
    try:
        right = selectors.right_get(office=office, number=number)
    except ApplicationError:
        return render(request, "rights/not_found.html", {"office": office, "number": number}, status=404)
    history = [change_public(change) for change in selectors.right_history(right=right)[:50]]
    return render(request, "rights/detail.html", {"right": right, "history": history})


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            results = selectors.rights_search(
                q=data["q"], office=data["office"], nice_class=data["nice_class"], status=data["status"]
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
    rows = None
    if results is not None:
        rows = [
            {"result": r, "reasons": [(reason_label(x.code), reason_detail(x), x.code) for x in r.reasons]}
            for r in results
        ]
    return render(request, "rights/search.html", {"form": form, "results": rows})
