"""The daily export of a marketplace: what it is entitled to see, as JSON or CSV, for its own systems."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ipbridge.core.validation import choice_field
from ipbridge.sharing import exports, selectors
from ipbridge.sharing.views._common import EXPORTERS, subnav
from ipbridge.web.pages import ActingRequest, acting


@acting(*EXPORTERS)
@require_GET
def export_page(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    actor.require("sharing:read")
    marketplace = actor.organisation
    return render(
        request,
        "sharing/export.html",
        {
            "subnav": subnav(actor, "sharing:export"),
            "guides": selectors.guides_addressed(marketplace=marketplace).count(),
            "sellers": selectors.sellers_listed_on(marketplace=marketplace).count(),
        },
    )


@acting(*EXPORTERS)
@require_GET
def export_download(request: ActingRequest) -> HttpResponseBase:
    kind = choice_field(request.GET.get("format", "json"), exports.FORMATS, field="format")
    built = exports.export_build(actor=request.actor)
    if kind == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            exports.export_csv_lines(built), content_type="text/csv; charset=utf-8"
        )
    else:
        body = json.dumps(exports.export_document(built), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{built.file_name(kind)}"'
    return response
