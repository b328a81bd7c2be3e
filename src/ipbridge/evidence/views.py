"""Pages of the evidence vault (证据保全): the items an organisation may see, adding one, an item with its chain of
custody (证据链) and its proof, attaching it to a case, sharing it with an authority or a mediator, exporting
packages; the public check of a package, and the log's state for operators.

Who may do what is the services' say: any member reads and exports; a member who writes evidence adds, attaches
and shares the organisation's own items."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import npgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from ninja.throttling import AnonRateThrottle

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind, User
from ipbridge.core.errors import ApplicationError, NotFound, TooManyRequests
from ipbridge.evidence import log, selectors, services
from ipbridge.evidence.forms import AttachForm, EvidenceForm, PackageForm, SearchForm, ShareForm
from ipbridge.evidence.models import CustodyAction, CustodyEvent, Evidence
from ipbridge.evidence.presenters import timestamp_out
from ipbridge.identity.selectors import marketplaces_all
from ipbridge.notices.models import Case
from ipbridge.notices.selectors import cases_visible
from ipbridge.web.pages import ActingRequest, acting, posted, refused

PAGE_SIZE = 50
# A select of cases or items is a convenience, not a browser: the newest ones.
CHOICES_SHOWN = 200
LOG_RUNS_SHOWN = 20


def _zone(user: User) -> tuple[ZoneInfo, str]:
    """The person's time zone, in which the times they type are meant."""
    try:
        return ZoneInfo(user.time_zone or "UTC"), user.time_zone or "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC"), "UTC"


def _adds(request: ActingRequest) -> bool:
    actor = request.actor
    return actor.organisation.kind in services.ADDERS and actor.can("evidence:write")


# The list -----------------------------------------------------------------------------------------------------------


@acting()
@require_GET
def evidence_list(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.evidence_visible(actor=actor, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evidence/list.html",
        {
            "form": form,
            "page": page,
            "query": urlencode({"q": query}) if query else "",
            "q": query,
            "can_add": _adds(request),
            "me": actor.organisation.pk,
        },
    )


# Adding an item ---------------------------------------------------------------------------------------------------


def _evidence_form(request: ActingRequest, data: Any = None, files: Any = None) -> EvidenceForm:
    _tz, zone = _zone(request.user)
    return EvidenceForm(data, files, marketplaces=[(m.slug, m.name) for m in marketplaces_all()], zone=zone)


@acting(*services.ADDERS)
@require_http_methods(["GET", "POST"])
def evidence_add(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    if request.method != "POST":
        return render(request, "evidence/add.html", {"form": _evidence_form(request), "can_add": _adds(request)})
    actor.require("evidence:write")
    form = _evidence_form(request, request.POST, request.FILES)
    tz, _name = _zone(request.user)
    with timezone.override(tz):
        valid = form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            item = services.evidence_add(
                actor=actor,
                name=data["name"],
                upload=data["file"],
                text=data["text"] or None,
                captured_url=data["captured_url"],
                marketplace=data["marketplace"],
                listing_id=data["listing_id"],
                stream_id=data["stream_id"],
                time_code=data["time_code"],
                observed_at=data["observed_at"],
                notes=data["notes"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(
                request,
                _("Evidence added and recorded in the log as leaf %(leaf)d. SHA-256: %(sha256)s")
                % {"leaf": item.leaf_index, "sha256": item.sha256},
            )
            return redirect("evidence:detail", evidence_id=item.pk)
    return render(request, "evidence/add.html", {"form": form, "can_add": True})


# One item ---------------------------------------------------------------------------------------------------------


def _case_label(case: Case) -> str:
    return _("Case #%(id)d at %(marketplace)s (%(status)s)") % {
        "id": case.pk,
        "marketplace": case.marketplace.name,
        "status": case.get_status_display(),
    }


def _custody_rows(
    events: list[tuple[CustodyEvent, bool]], cases_seen: set[int], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Each custody event as the timeline shows it: what it was done with (the case, the organisation, the
    package), and whether its leaf's proof checked."""
    rows = []
    for event, proved in events:
        details = event.details or {}
        row: dict[str, Any] = {
            "event": event,
            "proved": proved,
            "case": None,
            "other_case": False,
            "organisation": "",
            "package": [],
        }
        if event.action == CustodyAction.ATTACHED and isinstance(details.get("case"), int):
            # Which case, only to its parties: the others learn that the item went to a case, not to which.
            row["case"] = details["case"] if details["case"] in cases_seen else None
            row["other_case"] = details["case"] not in cases_seen
        elif event.action in (CustodyAction.SHARED, CustodyAction.UNSHARED):
            slug = str(details.get("organisation", ""))
            row["organisation"] = names.get(slug, slug)
        elif event.action == CustodyAction.EXPORTED and isinstance(details.get("package"), list):
            row["package"] = details["package"]
        rows.append(row)
    return rows


def _share_choices(actor: Actor, item: Evidence) -> list[tuple[str, str]]:
    """The authorities and mediators the item is not shared with yet."""
    targets = selectors.share_targets(actor=actor, item=item, kinds=services.SHARE_KINDS)
    return [(o.slug, f"{o.name} ({o.get_kind_display()})") for o in targets]


def _case_choices(actor: Actor, evidence_id: int) -> list[tuple[int, str]]:
    """The newest cases the organisation is a party of that the item is not attached to yet."""
    cases = cases_visible(actor=actor).exclude(evidence_links__evidence_id=evidence_id).order_by("-created_at", "-id")
    return [(case.pk, _case_label(case)) for case in cases[:CHOICES_SHOWN]]


def _item_page(
    request: ActingRequest,
    evidence_id: int,
    *,
    attach_form: AttachForm | None = None,
    share_form: ShareForm | None = None,
) -> HttpResponse:
    actor = request.actor
    proof = services.evidence_proof(actor=actor, evidence_id=evidence_id)
    item = proof.item
    owned = selectors.evidence_owned(actor=actor, item=item)
    manages = owned and _adds(request)
    links = list(selectors.evidence_cases(actor=actor, item=item))
    slugs = {
        str(event.details.get("organisation", ""))
        for event, _proof in proof.custody
        if event.action in (CustodyAction.SHARED, CustodyAction.UNSHARED)
    }
    names = selectors.organisation_names(slugs)
    seen = {link.case_id for link in links}
    custody = _custody_rows([(event, p.valid) for event, p in proof.custody], seen, names)
    try:
        stamp = timestamp_out(proof.head)
    except ValueError:
        stamp = {"tsa": proof.head.tsa_url, "gen_time": "", "serial": None, "unreadable": True}
    context: dict[str, Any] = {
        "item": item,
        "owned": owned,
        "manages": manages,
        "custody": custody,
        "proof": proof.proof,
        "head": proof.head,
        "root": bytes(proof.head.root).hex(),
        "stamp": stamp,
        "checked": proof.proof.valid and all(p.valid for _event, p in proof.custody),
        "links": links,
        "shares": list(selectors.evidence_shares(actor=actor, item=item)),
    }
    if manages:
        context["attach_form"] = (attach_form or AttachForm(initial={"evidence": item.pk})).offer(
            cases=_case_choices(actor, item.pk)
        )
        context["share_form"] = (share_form or ShareForm()).offer(_share_choices(actor, item))
    return render(request, "evidence/detail.html", context)


@acting()
@require_GET
def evidence_detail(request: ActingRequest, evidence_id: int) -> HttpResponse:
    return _item_page(request, evidence_id)


@acting()
@require_GET
def evidence_content(request: ActingRequest, evidence_id: int) -> FileResponse:
    """The item's bytes, as a download; each opening is a custody event."""
    item, stream = services.evidence_open(actor=request.actor, evidence_id=evidence_id)
    return FileResponse(stream, content_type=item.content_type, filename=item.name, as_attachment=True)


@acting()
@require_POST
def evidence_export(request: ActingRequest) -> HttpResponseBase:
    """A package of the chosen items (one from the item page, several from the list), as a download."""
    ids = list(dict.fromkeys(int(value) for value in request.POST.getlist("ids") if value.isdigit()))
    try:
        package = services.evidence_export_file(actor=request.actor, evidence_ids=ids)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("evidence:list")
    name = f"evidence-{ids[0]}.zip" if len(ids) == 1 else f"evidence-{len(ids)}-items.zip"
    return FileResponse(package, content_type="application/zip", filename=name, as_attachment=True)


# Attaching and sharing -------------------------------------------------------------------------------------------


def _posted_id(value: object) -> int:
    """An id posted in a hidden field; anything else is an item or case that is not there."""
    text = str(value or "")
    if not text.isdigit():
        raise NotFound()
    return int(text)


@acting(*services.ADDERS)
@posted("evidence:list")
def evidence_attach(request: ActingRequest) -> HttpResponse:
    """Attach an item to a case: from the item page, which chooses the case, or from the case page (``back=case``),
    which chooses the item; then back to the page it was posted from."""
    actor = request.actor
    actor.require("evidence:write")
    from_case = request.POST.get("back") == "case"
    form = AttachForm(request.POST)
    back = _posted_id(request.POST.get("case" if from_case else "evidence"))
    if form.is_valid():
        evidence_id, case_id = form.cleaned_data["evidence"], form.cleaned_data["case"]
        try:
            services.evidence_attach(actor=actor, evidence_id=evidence_id, case_id=case_id)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            messages.success(
                request,
                _("Evidence attached to case #%(case)d: every party of the case sees it now.") % {"case": case_id},
            )
            if from_case:
                return redirect("notices:case", case_id=case_id)
            return redirect("evidence:detail", evidence_id=evidence_id)
    if from_case:
        messages.error(request, str(form.errors.get("__all__", [_("Choose the evidence to attach.")])[0]))
        return redirect("notices:case", case_id=back)
    return _item_page(request, back, attach_form=form)


@acting(*services.ADDERS)
@posted("evidence:detail")
def evidence_share(request: ActingRequest, evidence_id: int) -> HttpResponse:
    actor = request.actor
    actor.require("evidence:write")
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            share = services.evidence_share(
                actor=actor, evidence_id=evidence_id, organisation=form.cleaned_data["organisation"]
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            messages.success(
                request,
                _("Shared with %(organisation)s: it sees this evidence until you end the sharing.")
                % {"organisation": share.organisation.name},
            )
            return redirect("evidence:detail", evidence_id=evidence_id)
    return _item_page(request, evidence_id, share_form=form)


@acting(*services.ADDERS)
@require_POST
def evidence_unshare(request: ActingRequest, evidence_id: int) -> HttpResponse:
    actor = request.actor
    actor.require("evidence:write")
    services.evidence_unshare(
        actor=actor, evidence_id=evidence_id, organisation=str(request.POST.get("organisation", ""))
    )
    messages.success(request, _("Sharing ended."))
    return redirect("evidence:detail", evidence_id=evidence_id)


# The public check of a package -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def package_verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone checks a package they were given against this instance's published keys, as the command line
    does offline."""
    form = PackageForm(request.POST, request.FILES) if request.method == "POST" else PackageForm()
    report = None
    if request.method == "POST":
        if not AnonRateThrottle(settings.PUBLIC_RATE_LIMIT).allow_request(request):
            return refused(request, TooManyRequests("too_many_requests", _("Too many checks; wait a minute.")))
        if form.is_valid():
            try:
                report = services.package_check(form.cleaned_data["package"])
            except ApplicationError as exc:
                add_application_error(form, exc)
    head = report.tree_head if report else None
    return render(
        request,
        "evidence/verify.html",
        {"form": form, "report": report, "head": head, "root": head.root.hex() if head else ""},
    )


# The log, for operators ------------------------------------------------------------------------------------------

OPERATORS = (OrganisationKind.OPERATOR,)


@acting(*OPERATORS)
@require_GET
def log_status(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    actor.require("evidence:read")
    head = selectors.tree_head_latest()
    try:
        stamp = timestamp_out(head) if head else None
    except ValueError:
        stamp = {"tsa": head.tsa_url if head else "", "gen_time": "", "serial": None, "unreadable": True}
    return render(
        request,
        "evidence/log.html",
        {
            "head": head,
            "root": bytes(head.root).hex() if head else "",
            "stamp": stamp,
            "size": log.log_size(),
            "runs": selectors.log_check_runs(actor=actor, limit=LOG_RUNS_SHOWN),
            "can_check": actor.can("evidence:write"),
        },
    )


@acting(*OPERATORS)
@require_POST
def log_check(request: ActingRequest) -> HttpResponse:
    """Check the whole log now (rows, leaves, nodes, signed heads; the files are left to the nightly check)."""
    run = services.log_check_now(actor=request.actor)
    if run.ok:
        messages.success(
            request,
            npgettext(
                "log check",
                "The log is intact: %(size)d leaf checked.",
                "The log is intact: %(size)d leaves checked.",
                run.size,
            )
            % {"size": run.size},
        )
    else:
        messages.error(
            request,
            npgettext(
                "log check",
                "The check found %(n)d problem; the operators' administrators were told.",
                "The check found %(n)d problems; the operators' administrators were told.",
                len(run.problems),
            )
            % {"n": len(run.problems)},
        )
    return redirect("evidence:log")
