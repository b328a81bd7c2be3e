"""Pages of cases: the inbox of each side, and one case through the statutory workflow — the marketplace
acknowledges, decides item by item and forwards to the merchant; the merchant answers with a counter-notice; the
sender shows a complaint or lawsuit within the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError
from ipbridge.evidence import selectors as evidence_selectors
from ipbridge.evidence.models import Evidence
from ipbridge.evidence.services import ADDERS as EVIDENCE_ADDERS
from ipbridge.notices import misuse, selectors, services
from ipbridge.notices.forms import (
    REJECT,
    AppealDecisionForm,
    AppealForm,
    CaseFilterForm,
    CloseForm,
    ComplaintForm,
    CounterNoticeForm,
    DecisionForm,
    ForwardForm,
    MaliciousFlagForm,
    lines,
    measure_choices,
)
from ipbridge.notices.intake import intake_of
from ipbridge.notices.models import AppealKind, AppealStatus, Case, CaseStatus, ItemStatus
from ipbridge.notices.transitions import may_move
from ipbridge.notices.views._common import (
    CASE_READERS,
    ITEMS_PAGE_SIZE,
    PAGE_SIZE,
    FieldGroup,
    require_write,
)
from ipbridge.web.pages import ActingRequest, acting, posted

MARKETPLACES = (OrganisationKind.MARKETPLACE,)
MERCHANTS = (OrganisationKind.MERCHANT,)
SENDERS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)


@acting(*CASE_READERS)
@require_GET
def inbox(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    form = CaseFilterForm(request.GET or None)
    status, overdue = "", False
    if form.is_valid():
        status, overdue = form.cleaned_data["status"], form.cleaned_data["overdue"]
    page = Paginator(selectors.cases_visible(actor=actor, status=status, overdue=overdue), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = urlencode({k: v for k, v in (("status", status), ("overdue", "on" if overdue else "")) if v})
    return render(
        request,
        "notices/inbox.html",
        {
            "form": form,
            "page": page,
            "rows": [{"case": c, "overdue": selectors.case_overdue(c)} for c in page.object_list],
            "query": query,
            "is_marketplace": actor.organisation.kind == OrganisationKind.MARKETPLACE,
        },
    )


def _item_rows(case: Case, page: Any, chosen: dict[int, tuple[str, str]], errors: dict[int, str]) -> list[Any]:
    return [
        {
            "item": item,
            "measure": chosen.get(item.pk, ("", ""))[0],
            "reason": chosen.get(item.pk, ("", ""))[1],
            "error": errors.get(item.pk, ""),
        }
        for item in page.object_list
    ]


def _evidence_to_attach(actor: Actor, case: Case) -> list[Evidence] | None:
    """The organisation's own evidence items not attached to the case yet, for those who may attach them."""
    if actor.organisation.kind not in EVIDENCE_ADDERS or not actor.can("evidence:write"):
        return None
    own = evidence_selectors.evidence_visible(actor=actor).filter(organisation=actor.organisation)
    return list(own.exclude(case_links__case=case)[:200])


def _case_page(
    request: ActingRequest,
    case_id: int,
    *,
    chosen: dict[int, tuple[str, str]] | None = None,
    item_errors: dict[int, str] | None = None,
    **forms: Any,
) -> HttpResponse:
    actor = request.actor
    case = selectors.access_case(actor=actor, case_id=case_id)
    notice = case.notice
    me = actor.organisation.pk
    writes = actor.can("notices:write")
    items = selectors.case_items(case=case)
    pending = items.filter(status=ItemStatus.PENDING).count()
    page = Paginator(items, ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    marketplace_side = case.marketplace_id == me
    sender_side = notice.sender_id == me
    merchant_side = case.merchant_id == me
    now = timezone.now()
    appeals = list(selectors.case_appeals(case=case))
    open_appeal = next((a for a in appeals if a.status == AppealStatus.OPEN), None)
    appeal_kind = None if marketplace_side else services.appeal_available(case=case, organisation_id=me)
    decision_form = forms.get("decision_form") or DecisionForm(
        initial={"merchant": case.merchant.slug if case.merchant else ""}
    )
    context = {
        "case": case,
        "notice": notice,
        "overdue": selectors.case_overdue(case),
        "items": page,
        "item_rows": _item_rows(case, page, chosen or {}, item_errors or {}),
        "pending": pending,
        "measures": measure_choices(),
        "timeline": selectors.case_timeline(case=case),
        "counter_notices": selectors.case_counter_notices(case=case),
        "appeals": appeals,
        "marketplace_side": marketplace_side,
        "merchant_side": merchant_side,
        "sender_side": sender_side,
        "sees_notice": sender_side or notice.principal_id == me or actor.is_operator,
        "sees_notifier": not merchant_side,
        "can_acknowledge": marketplace_side and writes and case.status in (CaseStatus.SUBMITTED, CaseStatus.DELIVERED),
        "can_decide": marketplace_side and writes and case.status in selectors.AWAITING_DECISION and pending > 0,
        "can_forward": marketplace_side and writes and case.status == CaseStatus.DECIDED,
        "can_close": marketplace_side and writes and may_move(case.status, CaseStatus.CLOSED),
        "can_counter": merchant_side and writes and case.status == CaseStatus.FORWARDED,
        "can_complain": sender_side
        and writes
        and case.status == CaseStatus.COUNTER_NOTICED
        and (case.lift_due_at is None or case.lift_due_at > now),
        "decision_form": decision_form,
        "decision_parts": {
            "bulk": FieldGroup(decision_form, "bulk_measure", "bulk_reason"),
            "common": FieldGroup(decision_form, "facts", "legal_ground", "merchant", "territorial_scope", "end_date"),
            "automation": FieldGroup(decision_form, "automated_decision", "account_action"),
        },
        "forward_form": forms.get("forward_form") or ForwardForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "counter_form": forms.get("counter_form") or CounterNoticeForm(),
        "complaint_form": forms.get("complaint_form") or ComplaintForm(),
        "appeal_kind": appeal_kind,
        "can_appeal": writes and appeal_kind is not None,
        "open_appeal": open_appeal,
        "can_decide_appeal": marketplace_side and writes and open_appeal is not None,
        "appeal_form": forms.get("appeal_form") or AppealForm(),
        "appeal_decision_form": forms.get("appeal_decision_form")
        or AppealDecisionForm(kind=open_appeal.kind if open_appeal else AppealKind.AGAINST_MEASURES),
        "evidence": selectors.notice_evidence(notice),
        "case_evidence": evidence_selectors.evidence_of_case(case=case),
        "evidence_to_attach": _evidence_to_attach(actor, case),
        "intake": intake_of(case.marketplace) if marketplace_side or actor.is_operator else None,
        "flags": list(misuse.case_flags(case=case)),
        "can_flag": (marketplace_side or actor.is_operator)
        and writes
        and not misuse.case_flags(case=case).filter(flagged_by_id=me).exists(),
        "flag_form": forms.get("flag_form") or MaliciousFlagForm(),
    }
    return render(request, "notices/case.html", context)


@acting(*CASE_READERS)
@require_GET
def case_detail(request: ActingRequest, case_id: int) -> HttpResponse:
    return _case_page(request, case_id)


@acting(*MARKETPLACES)
@require_POST
def case_acknowledge(request: ActingRequest, case_id: int) -> HttpResponse:
    require_write(request.actor)
    try:
        services.case_acknowledge(actor=request.actor, case_id=case_id)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Case acknowledged: the sender sees that you are handling it."))
    return redirect("notices:case", case_id=case_id)


def _chosen(post: QueryDict) -> dict[int, tuple[str, str]]:
    """Each item's measure (or "reject") and reason as posted, by item id."""
    chosen: dict[int, tuple[str, str]] = {}
    for key in post:
        name, _dash, item = key.partition("-")
        value = post.get(key, "")
        if name == "measure" and item.isdigit() and value:
            chosen[int(item)] = (str(value), str(post.get(f"reason-{item}", "")).strip())
    return chosen


@acting(*MARKETPLACES)
@posted("notices:case")
def case_decide(request: ActingRequest, case_id: int) -> HttpResponse:
    actor = request.actor
    require_write(actor)
    case = selectors.access_case(actor=actor, case_id=case_id)
    form = DecisionForm(request.POST)
    chosen = _chosen(request.POST)
    item_errors: dict[int, str] = {}
    allowed = {value for value, _label in measure_choices()}
    for item_id, (measure, _reason) in chosen.items():
        if measure not in allowed:
            item_errors[item_id] = _("Choose one of the measures, or reject.")
    if form.is_valid() and not item_errors:
        data = form.cleaned_data
        picks = dict(chosen)
        if data["bulk_measure"]:
            pending = selectors.case_items(case=case).filter(status=ItemStatus.PENDING).values_list("pk", flat=True)
            for item_id in pending:
                picks.setdefault(item_id, (data["bulk_measure"], data["bulk_reason"].strip()))
        decisions = [
            services.ItemDecision(item_id, "" if measure == REJECT else measure, reason)
            for item_id, (measure, reason) in sorted(picks.items())
        ]
        if not decisions:
            form.add_error("bulk_measure", _("Choose a measure for at least one item, or for all pending items."))
            return _case_page(request, case_id, decision_form=form, chosen=chosen, item_errors=item_errors)
        try:
            decided = services.case_decide(
                actor=actor,
                case_id=case_id,
                decisions=decisions,
                facts=data["facts"],
                legal_ground=data["legal_ground"],
                merchant_slug=data["merchant"].strip(),
                territorial_scope=data["territorial_scope"].replace(",", " ").split(),
                end_date=data["end_date"],
                automated_detection=data["automated_detection"],
                automated_decision=data["automated_decision"],
                account_action=data["account_action"],
                manifestly_unfounded=data["manifestly_unfounded"],
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            _decision_error(form, exc, decisions, item_errors)
        else:
            messages.success(request, _decided_message(decided))
            return redirect("notices:case", case_id=case_id)
    return _case_page(request, case_id, decision_form=form, chosen=chosen, item_errors=item_errors)


def _decision_error(
    form: DecisionForm, exc: ApplicationError, decisions: list[services.ItemDecision], item_errors: dict[int, str]
) -> None:
    """An error on one decision is shown on its item's row, and above the form (the item may be on another
    page); the others on their fields."""
    field = exc.field or ""
    if field.startswith("decisions."):
        position = field.split(".")[1]
        if position.isdigit() and 0 < int(position) <= len(decisions):
            item_errors[decisions[int(position) - 1].item_id] = str(exc.message)
        form.add_error(None, str(exc.message))
        return
    add_application_error(form, exc)


def _decided_message(case: Case) -> str:
    if case.status == CaseStatus.FORWARDED:
        return _("Decision saved; the notice was forwarded to the merchant.")
    if case.status == CaseStatus.CLOSED:
        return _("Every item was rejected: the case is closed.")
    if case.status == CaseStatus.DECIDED:
        return _("Decision saved. Name the merchant to forward the notice to it.")
    return _("Decision saved; some items are still pending.")


def _case_form(
    request: ActingRequest,
    case_id: int,
    form: Any,
    *,
    name: str,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """A case page's form posted: run ``act`` on the cleaned data, then back to the case with ``done``, or the page
    again with the service's refusal on its field. A case the actor may not see stays "not found"."""
    require_write(request.actor)
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("notices:case", case_id=case_id)
    return _case_page(request, case_id, **{name: form})


@acting(*MARKETPLACES)
@posted("notices:case")
def case_forward(request: ActingRequest, case_id: int) -> HttpResponse:
    return _case_form(
        request,
        case_id,
        ForwardForm(request.POST),
        name="forward_form",
        act=lambda data: services.case_forward(actor=request.actor, case_id=case_id, merchant_slug=data["merchant"]),
        done=_("The notice was forwarded to the merchant."),
    )


@acting(*MARKETPLACES)
@posted("notices:case")
def case_close(request: ActingRequest, case_id: int) -> HttpResponse:
    return _case_form(
        request,
        case_id,
        CloseForm(request.POST),
        name="close_form",
        act=lambda data: services.case_close(actor=request.actor, case_id=case_id, note=data["note"]),
        done=_("Case closed."),
    )


@acting(*MERCHANTS)
@posted("notices:case")
def counter_notice(request: ActingRequest, case_id: int) -> HttpResponse:
    return _case_form(
        request,
        case_id,
        CounterNoticeForm(request.POST),
        name="counter_form",
        act=lambda data: services.counter_notice_submit(
            actor=request.actor, case_id=case_id, statement=data["statement"], evidence=lines(data["evidence"])
        ),
        done=_("Counter-notice sent: the right holder has it now."),
    )


@acting(*SENDERS)
@posted("notices:case")
def complaint(request: ActingRequest, case_id: int) -> HttpResponse:
    return _case_form(
        request,
        case_id,
        ComplaintForm(request.POST),
        name="complaint_form",
        act=lambda data: services.case_complaint_file(
            actor=request.actor, case_id=case_id, authority=data["authority"], reference=data["reference"]
        ),
        done=_("Complaint recorded: the measures stay while it runs."),
    )


@acting(*MERCHANTS, *SENDERS)
@posted("notices:case")
def appeal(request: ActingRequest, case_id: int) -> HttpResponse:
    return _case_form(
        request,
        case_id,
        AppealForm(request.POST),
        name="appeal_form",
        act=lambda data: services.appeal_submit(
            actor=request.actor, case_id=case_id, grounds=data["grounds"], evidence=lines(data["evidence"])
        ),
        done=_("Appeal sent: the marketplace must answer it, saying why."),
    )


@acting(OrganisationKind.MARKETPLACE)
@posted("notices:case")
def appeal_decide(request: ActingRequest, case_id: int, appeal_id: int) -> HttpResponse:
    kind = selectors.appeal_kind(actor=request.actor, case_id=case_id, appeal_id=appeal_id)
    return _case_form(
        request,
        case_id,
        AppealDecisionForm(request.POST, kind=kind),
        name="appeal_decision_form",
        act=lambda data: services.appeal_decide(
            actor=request.actor,
            appeal_id=appeal_id,
            outcome=data["outcome"],
            reason=data["reason"],
            measure=data.get("measure", ""),
        ),
        done=_("Appeal decided."),
    )


@acting(OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)
@posted("notices:case")
def case_flag_malicious(request: ActingRequest, case_id: int) -> HttpResponse:
    return _case_form(
        request,
        case_id,
        MaliciousFlagForm(request.POST),
        name="flag_form",
        act=lambda data: misuse.notice_flag_malicious(
            actor=request.actor, case_id=case_id, reason=data["reason"], evidence=lines(data["evidence"])
        ),
        done=_("The notice is flagged as malicious; the sender is warned."),
    )
