"""Every write of notice and action: sending notices (``submission``), the statutory workflow of each case
(``cases``) and appeals against decisions (``appeals``)."""

from ipbridge.notices.services.appeals import appeal_available, appeal_decide, appeal_submit
from ipbridge.notices.services.cases import (
    ItemDecision,
    case_acknowledge,
    case_close,
    case_complaint_file,
    case_decide,
    case_deliver,
    case_forward,
    case_move,
    cases_lift_due,
    counter_notice_submit,
)
from ipbridge.notices.services.submission import notice_check, notice_deliver, notice_submit, notice_withdraw

__all__ = [
    "ItemDecision",
    "appeal_available",
    "appeal_decide",
    "appeal_submit",
    "case_acknowledge",
    "case_close",
    "case_complaint_file",
    "case_decide",
    "case_deliver",
    "case_forward",
    "case_move",
    "cases_lift_due",
    "counter_notice_submit",
    "notice_check",
    "notice_deliver",
    "notice_submit",
    "notice_withdraw",
]
