"""The statutory workflow of a case as a state machine: which status may follow which. Every move goes through
``case_move`` (in the services), which checks this table, stamps the time and writes the timeline and audit."""

from __future__ import annotations

from ipbridge.notices.models import CaseStatus as S

NEXT: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.DELIVERED, S.CLOSED, S.WITHDRAWN}),
    S.DELIVERED: frozenset({S.ACKNOWLEDGED, S.DECIDED, S.FORWARDED, S.CLOSED, S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.DECIDED, S.FORWARDED, S.CLOSED, S.WITHDRAWN}),
    # A successful appeal (DSA art. 20) lifts the measures wherever the case stands.
    S.DECIDED: frozenset({S.FORWARDED, S.LIFTED, S.CLOSED, S.WITHDRAWN}),
    S.FORWARDED: frozenset({S.COUNTER_NOTICED, S.LIFTED, S.CLOSED, S.WITHDRAWN}),
    S.COUNTER_NOTICED: frozenset({S.COMPLAINT_FILED, S.LIFTED, S.WITHDRAWN}),
    S.COMPLAINT_FILED: frozenset({S.LIFTED, S.CLOSED, S.WITHDRAWN}),
    S.LIFTED: frozenset({S.CLOSED}),
    # A sender's successful appeal against a rejection (DSA art. 20) decides a case closed on it again.
    S.CLOSED: frozenset({S.DECIDED}),
    S.WITHDRAWN: frozenset(),
}

# The time field each status stamps when a case reaches it.
STAMPS: dict[str, str] = {
    S.DELIVERED: "delivered_at",
    S.ACKNOWLEDGED: "acknowledged_at",
    S.DECIDED: "decided_at",
    S.FORWARDED: "forwarded_at",
    S.COUNTER_NOTICED: "counter_noticed_at",
    S.COMPLAINT_FILED: "complaint_filed_at",
    S.LIFTED: "lifted_at",
    S.CLOSED: "closed_at",
    S.WITHDRAWN: "closed_at",
}


def may_move(current: str, target: str) -> bool:
    return target in NEXT.get(current, frozenset())
