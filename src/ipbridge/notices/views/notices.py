"""Pages of notices: the sender's list, writing one (checked against the checklist before it goes), one notice with
its items and cases, and its withdrawal."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import ApplicationError, ValidationFailed
from ipbridge.identity import selectors as identity_selectors
from ipbridge.notices import misuse, selectors, services
from ipbridge.notices.completeness import EvidenceIn, ItemIn
from ipbridge.notices.forms import (
    LinesError,
    NoticeForm,
    PrincipalForm,
    WithdrawForm,
    evidence_parse,
    items_as_lines,
    items_from_csv,
    items_parse,
)
from ipbridge.notices.models import Case, Notice, NoticeStatus
from ipbridge.notices.views._common import (
    ITEMS_PAGE_SIZE,
    NOTICE_READERS,
    PAGE_SIZE,
    SENDERS,
    FieldGroup,
    require_write,
)
from ipbridge.screening import alerts_services
from ipbridge.web.pages import ActingRequest, acting, posted

# Where a gap of the checklist is shown: the form field it belongs to (None: above the form).
GAP_FIELDS = {
    "rights": "rights",
    "items": "items",
    "evidence": "evidence",
    "explanation": "explanation",
    "notifier_name": "notifier_name",
    "notifier_email": "notifier_email",
    "good_faith": "good_faith",
}


@acting(*NOTICE_READERS)
@require_GET
def notice_list(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    page = Paginator(selectors.notices_visible(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    notices = list(page.object_list)
    cases: dict[int, list[Case]] = defaultdict(list)
    shown = [n.pk for n in notices]
    for case in selectors.cases_visible(actor=actor).filter(notice_id__in=shown).order_by("marketplace__name"):
        cases[case.notice_id].append(case)
    return render(
        request,
        "notices/list.html",
        {
            "page": page,
            "rows": [{"notice": n, "cases": cases[n.pk]} for n in notices],
            "can_send": actor.organisation.kind in SENDERS and actor.can("notices:write"),
            "standing": misuse.sender_standing(sender=actor.organisation)
            if actor.organisation.kind in SENDERS
            else None,
        },
    )


@dataclass
class Sender:
    """Who the notice is for: the right holder itself, or the one an agent chose among its mandates in force."""

    principal: Organisation | None
    principal_form: PrincipalForm | None

    @property
    def slug(self) -> str:
        return self.principal.slug if self.principal else ""


def _sender(request: ActingRequest) -> Sender:
    actor = request.actor
    if actor.organisation.kind != OrganisationKind.AGENT:
        return Sender(actor.organisation, None)
    principals = {
        m.principal.slug: m.principal for m in identity_selectors.mandates_in_force(organisation=actor.organisation)
    }
    choices = sorted(((slug, p.name) for slug, p in principals.items()), key=lambda c: c[1])
    source = request.POST if request.method == "POST" else request.GET
    chosen = source.get("on_behalf_of", "")
    if not chosen and len(principals) == 1:
        chosen = next(iter(principals))
    form = PrincipalForm({"on_behalf_of": chosen} if chosen else None, principals=choices)
    if chosen and form.is_valid():
        return Sender(principals[chosen], form)
    return Sender(None, form)


def _right_choices(principal: Organisation | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    return [
        (f"{c.right.office} {c.right.number}", f"{c.right.office} {c.right.number} · {c.right.label}")
        for c in identity_selectors.rights_held(organisation=principal)
    ]


def _initial(request: ActingRequest) -> dict[str, Any]:
    """The form as it opens: the person as notifier, and whatever the link that opened it carries — rights
    (``right=EM 018234567``, repeated), items (``item=megamart https://…``, repeated, or ``marketplace`` with
    ``url`` or ``listing_id`` and ``title``) and an explanation — so that a notice opens prefilled from a right in
    the register, a case or another system's link."""
    user = request.user
    query = request.GET
    items = [line.strip() for line in query.getlist("item") if line.strip()][:1000]
    marketplace = query.get("marketplace", "").strip()
    located = query.get("url", "").strip() or (f"id:{query['listing_id'].strip()}" if query.get("listing_id") else "")
    if marketplace and located:
        items.append(" ".join(part for part in (marketplace, located, query.get("title", "").strip()) if part))
    initial: dict[str, Any] = {"notifier_name": user.full_name, "notifier_email": user.email}
    if rights := [r.strip().upper() for r in query.getlist("right") if r.strip()]:
        initial["rights"] = rights
    if items:
        initial["items"] = "\n".join(items)
    if explanation := query.get("explanation", "").strip():
        initial["explanation"] = explanation[:20_000]
    return initial


def _gaps_show(form: NoticeForm, gaps: list[tuple[str, str]]) -> None:
    for field, message in gaps:
        target = GAP_FIELDS.get(field.split(".")[0])
        form.add_error(target, message)


@dataclass
class Draft:
    rights: list[tuple[str, str]]
    items: list[ItemIn]
    evidence: list[EvidenceIn]
    from_file: int


def _draft_read(form: NoticeForm) -> Draft | None:
    """The draft as the services take it, or None with the errors on the form's fields."""
    data = form.cleaned_data
    items: list[ItemIn] = []
    evidence: list[EvidenceIn] = []
    from_file = 0
    try:
        items = items_parse(data["items"])
    except LinesError as exc:
        form.add_error("items", str(exc))
    if data.get("items_file"):
        try:
            uploaded = items_from_csv(data["items_file"])
        except LinesError as exc:
            form.add_error("items_file", str(exc))
        else:
            items += uploaded
            from_file = len(uploaded)
    try:
        evidence = evidence_parse(data["evidence"])
    except LinesError as exc:
        form.add_error("evidence", str(exc))
    if form.errors:
        return None
    rights = [tuple(text.split(" ", 1)) for text in data["rights"]]
    return Draft([(office, number) for office, number in rights], items, evidence, from_file)


def _compose_page(
    request: ActingRequest,
    sender: Sender,
    form: NoticeForm | None,
    *,
    gaps: list[str] | None = None,
    checked: bool = False,
    note: str = "",
) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "notices/compose.html",
        {
            "sender": sender,
            "form": form,
            "parts": {
                "rights": FieldGroup(form, "rights"),
                "items": FieldGroup(form, "items", "items_file"),
                "statement": FieldGroup(form, "explanation", "evidence", "notifier_name", "notifier_email"),
            }
            if form
            else None,
            "marketplaces": identity_selectors.marketplaces_all(),
            "gaps": gaps or [],
            "checked": checked,
            "can_write": actor.can("notices:write"),
            "idempotency_key": uuid.uuid4().hex,
            "note": note,
        },
    )


@acting(*SENDERS)
def compose(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    sender = _sender(request)
    rights = _right_choices(sender.principal)
    if request.method != "POST":
        form = NoticeForm(initial=_initial(request), rights=rights) if sender.principal else None
        return _compose_page(request, sender, form)
    require_write(actor)
    if sender.principal is None:
        return _compose_page(request, sender, None)
    form = NoticeForm(request.POST, request.FILES, rights=rights)
    if not form.is_valid():
        return _compose_page(request, sender, form)
    draft = _draft_read(form)
    if draft is None:
        return _compose_page(request, sender, form)
    if draft.from_file:
        # A file input cannot be filled again: the file's items join the list, so a second post still has them.
        data = request.POST.copy()
        data["items"] = items_as_lines(draft.items)
        form = NoticeForm(data, rights=rights)
        form.is_valid()
    note = _("The file's %(n)d items are now in the list of items.") % {"n": draft.from_file} if draft.from_file else ""
    fields: dict[str, Any] = {
        "rights": draft.rights,
        "items": draft.items,
        "explanation": form.cleaned_data["explanation"],
        "good_faith": form.cleaned_data["good_faith"],
        "notifier_name": form.cleaned_data["notifier_name"],
        "notifier_email": form.cleaned_data["notifier_email"],
        "evidence": draft.evidence,
        "on_behalf_of": sender.slug if actor.organisation.kind == OrganisationKind.AGENT else "",
    }
    try:
        if request.POST.get("action") == "send":
            key = request.POST.get("idempotency_key", "")[:200]
            notice = services.notice_submit(actor=actor, idempotency_key=key, **fields)
            messages.success(request, _("Notice sent."))
            _alert_record(request, notice)
            return redirect("notices:detail", notice_id=notice.pk)
        found = services.notice_check(actor=actor, **fields)
    except ValidationFailed as exc:
        if exc.code != "incomplete":
            add_application_error(form, exc)
            return _compose_page(request, sender, form, note=note)
        gaps = [(g["field"], g["message"]) for g in exc.details.get("gaps", [])]
        _gaps_show(form, gaps)
        return _compose_page(request, sender, form, gaps=[m for _f, m in gaps], checked=True, note=note)
    except ApplicationError as exc:
        add_application_error(form, exc)
        return _compose_page(request, sender, form, note=note)
    gaps = [(g.field, str(g.label)) for g in found]
    _gaps_show(form, gaps)
    return _compose_page(request, sender, form, gaps=[m for _f, m in gaps], checked=True, note=note)


def _alert_record(request: ActingRequest, notice: Notice) -> None:
    """A notice opened from a screening alert (``alert=<id>`` in the form's address) is recorded on the alert. The
    notice is sent either way; when the alert cannot take it, the sender is told why."""
    alert = request.GET.get("alert", "")
    if not (alert.isascii() and alert.isdigit()) or len(alert) > 18:
        return
    try:
        alerts_services.alert_notice_record(actor=request.actor, alert_id=int(alert), notice_id=notice.pk)
    except ApplicationError as exc:
        messages.warning(
            request,
            _("The notice is not recorded on alert %(alert)s: %(reason)s") % {"alert": alert, "reason": exc.message},
        )


def _renotify_query(notice: Notice) -> str:
    """The compose form's query for a new notice under the same rights, for the same right holder."""
    pairs = [("right", f"{r.office} {r.number}") for r in notice.rights.all()]
    if notice.principal_id != notice.sender_id:
        pairs.append(("on_behalf_of", notice.principal.slug))
    return urlencode(pairs)


def _notice_page(request: ActingRequest, notice_id: int, form: WithdrawForm | None = None) -> HttpResponse:
    actor = request.actor
    notice = selectors.access_notice(actor=actor, notice_id=notice_id)
    items = Paginator(selectors.notice_items(notice=notice), ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    own = notice.sender_id == actor.organisation.pk
    return render(
        request,
        "notices/detail.html",
        {
            "notice": notice,
            "evidence": selectors.notice_evidence(notice),
            "items": items,
            "cases": selectors.cases_visible(actor=actor, notice_id=notice.pk),
            "can_withdraw": own and actor.can("notices:write") and notice.status == NoticeStatus.SUBMITTED,
            "renotify_query": _renotify_query(notice) if own and actor.can("notices:write") else "",
            "form": form or WithdrawForm(),
        },
    )


@acting(*NOTICE_READERS)
@require_GET
def notice_detail(request: ActingRequest, notice_id: int) -> HttpResponse:
    return _notice_page(request, notice_id)


@acting(*SENDERS)
@posted("notices:detail")
def notice_withdraw(request: ActingRequest, notice_id: int) -> HttpResponse:
    require_write(request.actor)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.notice_withdraw(actor=request.actor, notice_id=notice_id, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Notice withdrawn: its open cases ended and its measures were lifted."))
            return redirect("notices:detail", notice_id=notice_id)
    return _notice_page(request, notice_id, form)
