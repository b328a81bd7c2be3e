"""Operators' register import pages: the list with the upload form, and each import's live progress."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.core.errors import ApplicationError
from ipbridge.rights import selectors_imports, services
from ipbridge.rights.models import ImportBatch, ImportFormat, ImportStatus

View = Callable[..., HttpResponse]


class ImportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[(f.value, f.label) for f in map(ImportFormat, services.UPLOAD_FORMATS)]
    )
    file = forms.FileField(label=gettext_lazy("Register file"))


class OperatorRequest(HttpRequest):
    user: User
    actor: Actor


def operator(view: View) -> View:
    """Signed in (with the second factor, which the middleware enforces) and acting for the operators."""

    @login_required
    @wraps(view)
    def wrapper(request: OperatorRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = actor_for_user(request.user)
        if actor is None:
            return render(request, "accounts/no_organisation.html", status=403)
        request.actor = actor
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return render(request, "accounts/refused.html", {"error": exc}, status=exc.status)

    return wrapper


def _progress_context(batch: ImportBatch) -> dict[str, Any]:
    return {
        "batch": batch,
        "percent": round(batch.progress * 100),
        "active": batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
    }


@operator
def import_list(request: OperatorRequest) -> HttpResponse:
    actor = request.actor
    batches = selectors_imports.import_batches_visible(actor=actor)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_batch_create(
                actor=actor, format=form.cleaned_data["format"], source=upload.name or "", file=upload
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            return redirect("rights:import_detail", batch_id=batch.pk)
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "rights/imports.html",
        {"page": page, "form": form, "can_upload": actor.can("rights:write")},
        status=422 if form.errors else 200,
    )


@operator
def import_detail(request: OperatorRequest, batch_id: int) -> HttpResponse:
    batch = selectors_imports.access_import_batch(actor=request.actor, batch_id=batch_id)
    return render(
        request,
        "rights/import_detail.html",
        {**_progress_context(batch), "rejections": selectors_imports.import_rejections_first(batch=batch)},
    )


@operator
def import_progress(request: OperatorRequest, batch_id: int) -> HttpResponse:
    """The progress block alone, which the detail page polls while the import runs."""
    batch = selectors_imports.access_import_batch(actor=request.actor, batch_id=batch_id)
    return render(request, "rights/_import_progress.html", _progress_context(batch))
