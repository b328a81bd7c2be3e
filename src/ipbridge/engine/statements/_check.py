"""The rules of the Transparency Database's format, checked on any statement of reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ipbridge.engine.statements._format import (
    DATE_PATTERN,
    DECISION_KINDS,
    EAN13_PATTERN,
    EEA_COUNTRY_CODES,
    EMAIL_PATTERN,
    END_DATE_FIELDS,
    FIELDS,
    FREE_TEXT_FIELDS,
    GROUND_FIELDS,
    PUID_PATTERN,
    YES_NO,
    AutomatedDecision,
    AutomatedDetection,
    Category,
    CategorySpecification,
    ContentType,
    DecisionAccount,
    DecisionGround,
    DecisionMonetary,
    DecisionProvision,
    DecisionVisibility,
    SourceType,
)


@dataclass(frozen=True)
class Problem:
    """One broken rule of the format: the field it concerns and one sentence for people."""

    field: str
    message: str


class _Check:
    """Collects the problems of one statement, in the order of the format's fields."""

    def __init__(self, statement: Mapping[str, Any]) -> None:
        self.statement = statement
        self.problems: list[Problem] = []

    def add(self, name: str, message: str) -> None:
        self.problems.append(Problem(name, message))

    def present(self, name: str) -> bool:
        value = self.statement.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def required(self, name: str) -> bool:
        if self.present(name):
            return True
        self.add(name, "is required")
        return False

    def absent(self, name: str, reason: str) -> None:
        if self.present(name):
            self.add(name, f"must be absent {reason}")

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        value = self.statement[name]
        if not isinstance(value, str):
            self.add(name, "must be a string")
            return None
        if value not in set(allowed):
            self.add(name, f"has a value that is not allowed: {value!r}")
            return None
        return value

    def choices(self, name: str, allowed: Iterable[str]) -> list[str]:
        values = self.statement[name]
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            self.add(name, "must be a list of strings")
            return []
        if not values:
            self.add(name, "must not be empty")
        allowed = set(allowed)
        for value in values:
            if value not in allowed:
                self.add(name, f"has a value that is not allowed: {value!r}")
        for value, count in {value: values.count(value) for value in values}.items():
            if count > 1:
                self.add(name, f"repeats a value: {value!r}")
        return [value for value in values if value in allowed]

    def text(self, name: str, *, limit: int) -> None:
        value = self.statement[name]
        if not isinstance(value, str):
            self.add(name, "must be a string")
        elif len(value) > limit:
            self.add(name, f"must be at most {limit} characters, not {len(value)}")

    def day(self, name: str) -> date | None:
        value = self.statement[name]
        if isinstance(value, str) and DATE_PATTERN.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.add(name, "must be a date written YYYY-MM-DD")
        return None


def statement_problems(statement: Mapping[str, Any]) -> list[Problem]:
    """Every rule of the format the statement breaks, in the order of its fields; empty when it is valid.

    A field whose value is None, or a text that is empty or only white space, counts as absent, as it does for the
    database. Beyond the database's own checks, fields it does not know are reported (they are typing mistakes
    that would silently drop data), and so are e-mail addresses in free text (the database must receive no
    personal data). Never raises.
    """
    check = _Check(statement)
    for name in statement:
        if name not in FIELDS:
            check.add(name, "is not a field of a statement of reasons")

    kinds = {name: check.present(name) for name in DECISION_KINDS}
    if not any(kinds.values()):
        check.add("decision_visibility", f"at least one of {', '.join(DECISION_KINDS)} is required")
    visibility = check.choices("decision_visibility", DecisionVisibility) if kinds["decision_visibility"] else []
    monetary = check.choice("decision_monetary", DecisionMonetary) if kinds["decision_monetary"] else None
    if kinds["decision_provision"]:
        check.choice("decision_provision", DecisionProvision)
    if kinds["decision_account"]:
        check.choice("decision_account", DecisionAccount)
    for name, kind, other, given in (
        (
            "decision_visibility_other",
            "decision_visibility",
            DecisionVisibility.OTHER,
            "DECISION_VISIBILITY_OTHER" in visibility,
        ),
        ("decision_monetary_other", "decision_monetary", DecisionMonetary.OTHER, monetary == DecisionMonetary.OTHER),
    ):
        if given:
            if check.required(name):
                check.text(name, limit=500)
        else:
            check.absent(name, f"unless {kind} is {other}")

    # Without a known ground there is no telling which of its fields belong, so none is reported.
    ground = check.choice("decision_ground", DecisionGround) if check.required("decision_ground") else None
    if ground is not None:
        for each, fields in GROUND_FIELDS.items():
            for name, limit in fields.items():
                if ground == each:
                    if check.required(name):
                        check.text(name, limit=limit)
                else:
                    check.absent(name, f"unless decision_ground is {each}")
        incompatible = DecisionGround.INCOMPATIBLE_CONTENT
        if ground == incompatible:
            if check.required("incompatible_content_illegal"):
                check.choice("incompatible_content_illegal", YES_NO)
        else:
            check.absent("incompatible_content_illegal", f"unless decision_ground is {incompatible}")

    types = check.choices("content_type", ContentType) if check.required("content_type") else []
    if ContentType.OTHER in types:
        if check.required("content_type_other"):
            check.text("content_type_other", limit=500)
    else:
        check.absent("content_type_other", f"unless content_type includes {ContentType.OTHER}")
    if check.required("category"):
        check.choice("category", Category)
    if check.present("category_specification"):
        check.choices("category_specification", CategorySpecification)
    if check.present("territorial_scope"):
        check.choices("territorial_scope", EEA_COUNTRY_CODES)

    content_date = check.day("content_date") if check.required("content_date") else None
    application_date = check.day("application_date") if check.required("application_date") else None
    if content_date and application_date and application_date < content_date:
        check.add("application_date", "must not be before content_date")
    for name, kind in END_DATE_FIELDS.items():
        if not check.present(name):
            continue
        if not kinds[kind]:
            check.add(name, f"must be absent without {kind}")
        end = check.day(name)
        if end and application_date and end < application_date:
            check.add(name, "must not be before application_date")

    if check.required("decision_facts"):
        check.text("decision_facts", limit=5000)
    source = check.choice("source_type", SourceType) if check.required("source_type") else None
    if source == SourceType.VOLUNTARY:
        check.absent("source_identity", f"when source_type is {SourceType.VOLUNTARY}")
    elif check.present("source_identity"):
        check.text("source_identity", limit=500)
    if check.required("automated_detection"):
        check.choice("automated_detection", AutomatedDetection)
    if check.required("automated_decision"):
        check.choice("automated_decision", AutomatedDecision)
    if check.required("puid"):
        puid = statement["puid"]
        if not isinstance(puid, str):
            check.add("puid", "must be a string")
        elif len(puid) > 500:
            check.add("puid", f"must be at most 500 characters, not {len(puid)}")
        elif not PUID_PATTERN.fullmatch(puid):
            check.add("puid", "must hold only letters, digits, '-' and '_'")
    if check.present("content_id"):
        content_id = statement["content_id"]
        if not (
            isinstance(content_id, Mapping)
            and set(content_id) == {"EAN-13"}
            and isinstance(content_id["EAN-13"], str)
            and EAN13_PATTERN.fullmatch(content_id["EAN-13"])
        ):
            check.add("content_id", 'must be {"EAN-13": "<13 digits>"}')

    for name in FREE_TEXT_FIELDS:
        value = statement.get(name)
        if isinstance(value, str) and EMAIL_PATTERN.search(value):
            check.add(name, "must not hold e-mail addresses (no personal data)")
    return check.problems
