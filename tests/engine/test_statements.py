"""Statements of reasons in the Transparency Database format: building them, checking them, batching them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipbridge.engine.statements import (
    ACCOUNT_ACTIONS,
    AUTOMATED_DECISIONS,
    BATCH_LIMIT,
    EEA_COUNTRY_CODES,
    EU_COUNTRY_CODES,
    MEASURE_DECISIONS,
    RIGHT_KIND_KEYWORDS,
    SOURCES,
    ContentType,
    Decision,
    Measure,
    Problem,
    statement_batches,
    statement_of_reasons,
    statement_problems,
)


def a_decision(**changes: Any) -> Decision:
    facts: dict[str, Any] = {
        "puid": "notice-17_item-3",
        "measures": ("delete",),
        "right_kinds": ("trademark",),
        "content_date": date(2024, 3, 1),
        "application_date": date(2024, 3, 4),
        "facts": "The listing offers handbags bearing the sign ACME, reported in a notice of 2024-03-02.",
        "legal_ground": "Regulation (EU) 2017/1001, art. 9(2)(a)",
        "explanation": "The sign is identical to the EU trade mark 018000001 and used for identical goods.",
        "source": "notice",
        "source_identity": "Acme Brands GmbH",
        "automated_detection": False,
        "automated_decision": "not",
    }
    return Decision(**(facts | changes))


def a_statement(**changes: Any) -> dict[str, Any]:
    statement = statement_of_reasons(a_decision())
    statement.update(changes)
    return {name: value for name, value in statement.items() if value is not ...}


def test_a_notice_decision_becomes_the_statement_the_database_expects() -> None:
    decision = a_decision()

    statement = statement_of_reasons(decision)

    assert statement == {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Regulation (EU) 2017/1001, art. 9(2)(a)",
        "illegal_content_explanation": "The sign is identical to the EU trade mark 018000001 and used for identical "
        "goods.",
        "content_type": ["CONTENT_TYPE_PRODUCT"],
        "category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "category_specification": ["KEYWORD_TRADEMARK_INFRINGEMENT"],
        "content_date": "2024-03-01",
        "application_date": "2024-03-04",
        "decision_facts": "The listing offers handbags bearing the sign ACME, reported in a notice of 2024-03-02.",
        "source_type": "SOURCE_ARTICLE_16",
        "source_identity": "Acme Brands GmbH",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": "notice-17_item-3",
    }
    assert statement_problems(statement) == []


@pytest.mark.parametrize(
    ("measure", "field", "value"),
    [
        ("delete", "decision_visibility", ["DECISION_VISIBILITY_CONTENT_REMOVED"]),
        ("block", "decision_visibility", ["DECISION_VISIBILITY_CONTENT_DISABLED"]),
        ("disconnect_links", "decision_visibility", ["DECISION_VISIBILITY_CONTENT_DISABLED"]),
        ("terminate_transactions", "decision_monetary", "DECISION_MONETARY_TERMINATION"),
        ("terminate_services", "decision_provision", "DECISION_PROVISION_TOTAL_TERMINATION"),
    ],
)
def test_each_necessary_measure_maps_to_its_decision(measure: str, field: str, value: object) -> None:
    decision = a_decision(measures=(measure,))

    statement = statement_of_reasons(decision)

    assert statement[field] == value
    assert [kind for kind in statement if kind.startswith("decision_") and kind != "decision_ground"] == [
        field,
        "decision_facts",
    ]


def test_measures_of_several_kinds_fill_each_kind_once() -> None:
    decision = a_decision(
        measures=("block", "disconnect_links", "delete", "terminate_transactions", "terminate_services"),
        account_action="terminated",
    )

    statement = statement_of_reasons(decision)

    assert statement["decision_visibility"] == [
        "DECISION_VISIBILITY_CONTENT_DISABLED",
        "DECISION_VISIBILITY_CONTENT_REMOVED",
    ]
    assert statement["decision_monetary"] == "DECISION_MONETARY_TERMINATION"
    assert statement["decision_provision"] == "DECISION_PROVISION_TOTAL_TERMINATION"
    assert statement["decision_account"] == "DECISION_ACCOUNT_TERMINATED"


def test_an_account_action_alone_is_a_decision() -> None:
    decision = a_decision(measures=(), account_action="suspended", account_end_date=date(2024, 4, 4))

    statement = statement_of_reasons(decision)

    assert "decision_visibility" not in statement
    assert statement["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert statement["end_date_account_restriction"] == "2024-04-04"
    assert statement_problems(statement) == []


@pytest.mark.parametrize(
    ("right_kinds", "keywords"),
    [
        (("trademark",), ["KEYWORD_TRADEMARK_INFRINGEMENT"]),
        (("copyright",), ["KEYWORD_COPYRIGHT_INFRINGEMENT"]),
        (("design",), ["KEYWORD_DESIGN_INFRINGEMENT"]),
        (("patent",), ["KEYWORD_PATENT_INFRINGEMENT"]),
        (("utility_model",), ["KEYWORD_PATENT_INFRINGEMENT"]),
        (("patent", "utility_model"), ["KEYWORD_PATENT_INFRINGEMENT"]),
        (("geographical_indication",), ["KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT"]),
        (("design", "trademark"), ["KEYWORD_DESIGN_INFRINGEMENT", "KEYWORD_TRADEMARK_INFRINGEMENT"]),
    ],
)
def test_right_kinds_become_category_keywords(right_kinds: tuple[str, ...], keywords: list[str]) -> None:
    decision = a_decision(right_kinds=right_kinds)

    statement = statement_of_reasons(decision)

    assert statement["category_specification"] == keywords


def test_a_right_of_another_kind_gives_no_keyword_but_keeps_the_ip_category() -> None:
    decision = a_decision(right_kinds=("other",))

    statement = statement_of_reasons(decision)

    assert "category_specification" not in statement
    assert statement["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"


@pytest.mark.parametrize(
    ("source", "source_type"),
    [
        ("notice", "SOURCE_ARTICLE_16"),
        ("trusted_flagger", "SOURCE_TRUSTED_FLAGGER"),
        ("other_notification", "SOURCE_TYPE_OTHER_NOTIFICATION"),
    ],
)
def test_each_source_maps_to_its_source_type(source: str, source_type: str) -> None:
    statement = statement_of_reasons(a_decision(source=source))

    assert (statement["source_type"], statement["source_identity"]) == (source_type, "Acme Brands GmbH")


def test_a_voluntary_decision_names_no_source() -> None:
    decision = a_decision(source="voluntary", source_identity="", automated_detection=True)

    statement = statement_of_reasons(decision)

    assert statement["source_type"] == "SOURCE_VOLUNTARY"
    assert "source_identity" not in statement
    assert statement["automated_detection"] == "Yes"


def test_a_voluntary_decision_with_a_notifier_is_refused() -> None:
    with pytest.raises(ValueError, match="voluntary decision has no notifier"):
        a_decision(source="voluntary")


def test_a_notice_without_a_publishable_notifier_leaves_the_source_out() -> None:
    statement = statement_of_reasons(a_decision(source_identity="  "))

    assert "source_identity" not in statement


@pytest.mark.parametrize(
    ("automated_decision", "value"),
    [
        ("fully", "AUTOMATED_DECISION_FULLY"),
        ("partially", "AUTOMATED_DECISION_PARTIALLY"),
        ("not", "AUTOMATED_DECISION_NOT_AUTOMATED"),
    ],
)
def test_automation_of_the_decision_is_reported(automated_decision: str, value: str) -> None:
    statement = statement_of_reasons(a_decision(automated_decision=automated_decision))

    assert statement["automated_decision"] == value


def test_end_dates_are_given_only_for_the_kinds_of_decision_taken() -> None:
    decision = a_decision(
        measures=("block", "terminate_transactions"),
        end_date=date(2024, 3, 19),
        account_action="suspended",
        account_end_date=date(2024, 5, 1),
    )

    statement = statement_of_reasons(decision)

    assert {name: value for name, value in statement.items() if name.startswith("end_date_")} == {
        "end_date_visibility_restriction": "2024-03-19",
        "end_date_monetary_restriction": "2024-03-19",
        "end_date_account_restriction": "2024-05-01",
    }


def test_a_decision_without_an_end_date_has_no_end_dates() -> None:
    statement = statement_of_reasons(a_decision(measures=("delete", "terminate_services"), account_action="terminated"))

    assert [name for name in statement if name.startswith("end_date_")] == []


def test_the_territorial_scope_keeps_only_eu_and_eea_countries_in_order() -> None:
    decision = a_decision(territorial_scope=("fr", "CN", "DE", "US", "NO", "EL", "DE", " it "))

    statement = statement_of_reasons(decision)

    assert statement["territorial_scope"] == ["DE", "FR", "GR", "IT", "NO"]


def test_a_scope_wholly_outside_the_eea_is_refused() -> None:
    decision = a_decision(territorial_scope=("CN", "GB", "CH"))

    with pytest.raises(ValueError, match=r"outside the EU/EEA only \(CH, CN, GB\)"):
        statement_of_reasons(decision)


def test_a_decision_everywhere_gives_no_territorial_scope() -> None:
    assert "territorial_scope" not in statement_of_reasons(a_decision(territorial_scope=()))


def test_email_addresses_are_removed_from_every_text() -> None:
    decision = a_decision(
        facts="Notified by jane.doe@example.com (copy to legal@acme.eu).",
        legal_ground="EUTMR art. 9, see counsel@acme.eu",
        explanation="Confirmed by 王伟@例子.中国",
        source_identity="Acme Brands GmbH <brand@acme.eu>",
    )

    statement = statement_of_reasons(decision)

    assert statement["decision_facts"] == "Notified by [e-mail removed] (copy to [e-mail removed])."
    assert statement["illegal_content_legal_ground"] == "EUTMR art. 9, see [e-mail removed]"
    assert statement["illegal_content_explanation"] == "Confirmed by [e-mail removed]"
    assert statement["source_identity"] == "Acme Brands GmbH <[e-mail removed]>"


def test_other_content_types_carry_their_description() -> None:
    decision = a_decision(content_types=("CONTENT_TYPE_IMAGE", "CONTENT_TYPE_OTHER"), content_type_other="3D model")

    statement = statement_of_reasons(decision)

    assert statement["content_type"] == ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_OTHER"]
    assert statement["content_type_other"] == "3D model"


def test_a_product_barcode_becomes_the_content_id() -> None:
    statement = statement_of_reasons(a_decision(ean13="4006381333931"))

    assert statement["content_id"] == {"EAN-13": "4006381333931"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"puid": "notice 17"}, "puid is 1 to 500 letters"),
        ({"puid": ""}, "puid is 1 to 500 letters"),
        ({"puid": "a" * 501}, "puid is 1 to 500 letters"),
        ({"facts": "x" * 5001}, "facts must be at most 5000 characters, not 5001"),
        ({"facts": " \n"}, "facts must not be empty"),
        ({"legal_ground": "x" * 501}, "legal ground must be at most 500 characters, not 501"),
        ({"explanation": "x" * 2001}, "explanation must be at most 2000 characters, not 2001"),
        ({"explanation": "a@b.cd " * 300}, "explanation must be at most 2000 characters, not 5099"),
        ({"application_date": date(2024, 2, 1)}, "cannot take effect before the content was posted"),
        ({"end_date": date(2024, 3, 3)}, "cannot end before it takes effect"),
        ({"ean13": "400638133393"}, "EAN-13 is 13 digits"),
        ({"content_types": ("CONTENT_TYPE_OTHER",)}, "other content type must not be empty"),
    ],
)
def test_what_cannot_be_exported_honestly_is_refused(changes: dict[str, Any], message: str) -> None:
    decision = a_decision(**changes)

    with pytest.raises(ValueError, match=message):
        statement_of_reasons(decision)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"measures": ("takedown",)}, "Unknown measure: 'takedown'"),
        ({"right_kinds": ("trade_secret",)}, "Unknown right kind: 'trade_secret'"),
        ({"content_types": ("CONTENT_TYPE_LISTING",)}, "Unknown content type: 'CONTENT_TYPE_LISTING'"),
        ({"content_types": ()}, "at least one content type"),
        ({"source": "complaint"}, "Unknown source: 'complaint'"),
        ({"automated_decision": "yes"}, "Unknown automated decision: 'yes'"),
        ({"account_action": "banned"}, "Unknown account action: 'banned'"),
        ({"measures": ()}, "at least one measure or acts on the account"),
        ({"measures": (), "account_action": "suspended", "end_date": date(2024, 4, 1)}, "end date needs a measure"),
        ({"account_end_date": date(2024, 4, 1)}, "account end date needs an account action"),
    ],
)
def test_a_decision_outside_the_vocabulary_cannot_be_made(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        a_decision(**changes)


def test_the_vocabularies_cover_every_ipbridge_value() -> None:
    assert set(MEASURE_DECISIONS) == set(Measure)
    assert set(RIGHT_KIND_KEYWORDS) == {
        "trademark",
        "copyright",
        "design",
        "patent",
        "utility_model",
        "geographical_indication",
        "other",
    }
    assert set(SOURCES) == {"notice", "trusted_flagger", "other_notification", "voluntary"}
    assert set(AUTOMATED_DECISIONS) == {"fully", "partially", "not"}
    assert set(ACCOUNT_ACTIONS) == {"suspended", "terminated"}


def test_the_eea_is_the_27_member_states_with_iceland_liechtenstein_and_norway() -> None:
    assert len(EU_COUNTRY_CODES) == 27
    assert {"IS", "LI", "NO"} == EEA_COUNTRY_CODES - EU_COUNTRY_CODES
    assert {"GR", "HR", "CY", "MT"} <= EU_COUNTRY_CODES
    assert {"GB", "CH", "EL", "UK"}.isdisjoint(EEA_COUNTRY_CODES)


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"puid": ...}, [Problem("puid", "is required")]),
        ({"puid": "notice/17"}, [Problem("puid", "must hold only letters, digits, '-' and '_'")]),
        ({"puid": "a" * 501}, [Problem("puid", "must be at most 500 characters, not 501")]),
        ({"puid": 17}, [Problem("puid", "must be a string")]),
        (
            {"decision_visibility": ...},
            [
                Problem(
                    "decision_visibility",
                    "at least one of decision_visibility, decision_monetary, decision_provision, decision_account "
                    "is required",
                )
            ],
        ),
        ({"decision_visibility": []}, [Problem("decision_visibility", "must not be empty")]),
        (
            {"decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED"},
            [Problem("decision_visibility", "must be a list of strings")],
        ),
        (
            {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_HIDDEN"]},
            [Problem("decision_visibility", "has a value that is not allowed: 'DECISION_VISIBILITY_CONTENT_HIDDEN'")],
        ),
        (
            {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_REMOVED"]},
            [Problem("decision_visibility", "repeats a value: 'DECISION_VISIBILITY_CONTENT_REMOVED'")],
        ),
        (
            {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},
            [Problem("decision_visibility_other", "is required")],
        ),
        (
            {"decision_visibility": ["DECISION_VISIBILITY_OTHER"], "decision_visibility_other": "x" * 501},
            [Problem("decision_visibility_other", "must be at most 500 characters, not 501")],
        ),
        (
            {"decision_visibility_other": "hidden from search"},
            [
                Problem(
                    "decision_visibility_other",
                    "must be absent unless decision_visibility is DECISION_VISIBILITY_OTHER",
                )
            ],
        ),
        ({"decision_monetary": "DECISION_MONETARY_OTHER"}, [Problem("decision_monetary_other", "is required")]),
        (
            {"decision_monetary": "DECISION_MONETARY_REFUND"},
            [Problem("decision_monetary", "has a value that is not allowed: 'DECISION_MONETARY_REFUND'")],
        ),
        (
            {"decision_provision": "DECISION_PROVISION_TOTAL"},
            [Problem("decision_provision", "has a value that is not allowed: 'DECISION_PROVISION_TOTAL'")],
        ),
        (
            {"decision_account": ["DECISION_ACCOUNT_SUSPENDED"]},
            [Problem("decision_account", "must be a string")],
        ),
        ({"decision_ground": ...}, [Problem("decision_ground", "is required")]),
        (
            {"decision_ground": "DECISION_GROUND_TERMS"},
            [Problem("decision_ground", "has a value that is not allowed: 'DECISION_GROUND_TERMS'")],
        ),
        ({"illegal_content_legal_ground": ...}, [Problem("illegal_content_legal_ground", "is required")]),
        ({"illegal_content_explanation": "   "}, [Problem("illegal_content_explanation", "is required")]),
        (
            {"illegal_content_legal_ground": "x" * 501},
            [Problem("illegal_content_legal_ground", "must be at most 500 characters, not 501")],
        ),
        (
            {"illegal_content_explanation": "x" * 2001},
            [Problem("illegal_content_explanation", "must be at most 2000 characters, not 2001")],
        ),
        (
            {
                "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
                "illegal_content_legal_ground": ...,
                "illegal_content_explanation": ...,
            },
            [
                Problem("incompatible_content_ground", "is required"),
                Problem("incompatible_content_explanation", "is required"),
                Problem("incompatible_content_illegal", "is required"),
            ],
        ),
        (
            {
                "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
                "illegal_content_legal_ground": ...,
                "illegal_content_explanation": ...,
                "incompatible_content_ground": "Terms of service, 4.2",
                "incompatible_content_explanation": "Counterfeits are banned.",
                "incompatible_content_illegal": "yes",
            },
            [Problem("incompatible_content_illegal", "has a value that is not allowed: 'yes'")],
        ),
        ({"content_type": ...}, [Problem("content_type", "is required")]),
        (
            {"content_type": ["CONTENT_TYPE_LISTING"]},
            [Problem("content_type", "has a value that is not allowed: 'CONTENT_TYPE_LISTING'")],
        ),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, [Problem("content_type_other", "is required")]),
        (
            {"content_type_other": "3D model"},
            [Problem("content_type_other", "must be absent unless content_type includes CONTENT_TYPE_OTHER")],
        ),
        ({"category": ...}, [Problem("category", "is required")]),
        (
            {"category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"},
            [Problem("category", "has a value that is not allowed: 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD'")],
        ),
        (
            {"category_specification": ["KEYWORD_PHISHING"]},
            [Problem("category_specification", "has a value that is not allowed: 'KEYWORD_PHISHING'")],
        ),
        (
            {"territorial_scope": ["DE", "CN", "EL"]},
            [
                Problem("territorial_scope", "has a value that is not allowed: 'CN'"),
                Problem("territorial_scope", "has a value that is not allowed: 'EL'"),
            ],
        ),
        ({"content_date": ...}, [Problem("content_date", "is required")]),
        ({"content_date": "2024-3-1"}, [Problem("content_date", "must be a date written YYYY-MM-DD")]),
        ({"content_date": "20240301"}, [Problem("content_date", "must be a date written YYYY-MM-DD")]),
        ({"application_date": "2024-02-30"}, [Problem("application_date", "must be a date written YYYY-MM-DD")]),
        ({"application_date": "2024-02-29"}, [Problem("application_date", "must not be before content_date")]),
        (
            {"end_date_visibility_restriction": "2024-03-04T10:00"},
            [Problem("end_date_visibility_restriction", "must be a date written YYYY-MM-DD")],
        ),
        (
            {"end_date_visibility_restriction": "2024-03-03"},
            [Problem("end_date_visibility_restriction", "must not be before application_date")],
        ),
        (
            {"end_date_account_restriction": "2024-04-01"},
            [Problem("end_date_account_restriction", "must be absent without decision_account")],
        ),
        ({"decision_facts": ...}, [Problem("decision_facts", "is required")]),
        ({"decision_facts": "x" * 5001}, [Problem("decision_facts", "must be at most 5000 characters, not 5001")]),
        (
            {"decision_facts": "Sent by jane@example.com"},
            [Problem("decision_facts", "must not hold e-mail addresses (no personal data)")],
        ),
        ({"source_type": ...}, [Problem("source_type", "is required")]),
        (
            {"source_type": "SOURCE_ARTICLE_17"},
            [Problem("source_type", "has a value that is not allowed: 'SOURCE_ARTICLE_17'")],
        ),
        (
            {"source_type": "SOURCE_VOLUNTARY"},
            [Problem("source_identity", "must be absent when source_type is SOURCE_VOLUNTARY")],
        ),
        ({"source_identity": "x" * 501}, [Problem("source_identity", "must be at most 500 characters, not 501")]),
        ({"automated_detection": ...}, [Problem("automated_detection", "is required")]),
        ({"automated_detection": True}, [Problem("automated_detection", "must be a string")]),
        ({"automated_detection": "yes"}, [Problem("automated_detection", "has a value that is not allowed: 'yes'")]),
        ({"automated_decision": ...}, [Problem("automated_decision", "is required")]),
        (
            {"automated_decision": "AUTOMATED_DECISION_NONE"},
            [Problem("automated_decision", "has a value that is not allowed: 'AUTOMATED_DECISION_NONE'")],
        ),
        ({"content_id": {"EAN-13": "12345"}}, [Problem("content_id", 'must be {"EAN-13": "<13 digits>"}')]),
        ({"content_id": {"ISBN": "4006381333931"}}, [Problem("content_id", 'must be {"EAN-13": "<13 digits>"}')]),
        ({"url": "https://shop.example/item/3"}, [Problem("url", "is not a field of a statement of reasons")]),
    ],
)
def test_a_statement_breaking_one_rule_gives_exactly_that_problem(
    changes: dict[str, Any], problems: list[Problem]
) -> None:
    statement = a_statement(**changes)

    found = statement_problems(statement)

    assert found == problems


def test_a_field_set_to_null_counts_as_absent() -> None:
    statement = a_statement(source_identity=None, territorial_scope=None, content_id=None)

    assert statement_problems(statement) == []


def test_an_empty_object_lists_every_required_field() -> None:
    problems = statement_problems({})

    assert [problem.field for problem in problems] == [
        "decision_visibility",
        "decision_ground",
        "content_type",
        "category",
        "content_date",
        "application_date",
        "decision_facts",
        "source_type",
        "automated_detection",
        "automated_decision",
        "puid",
    ]


@st.composite
def decisions(draw: st.DrawFn) -> Decision:
    """Decisions as a marketplace records them, e-mail addresses and non-EEA countries included."""
    measures = tuple(draw(st.lists(st.sampled_from(list(Measure)), max_size=6)))
    actions = st.sampled_from(sorted(ACCOUNT_ACTIONS))
    account_action = draw(actions if not measures else st.none() | actions)
    source = draw(st.sampled_from(sorted(SOURCES)))
    content_date = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)))
    application_date = content_date + timedelta(days=draw(st.integers(min_value=0, max_value=30)))
    end_in_days = draw(st.none() | st.integers(min_value=0, max_value=400))
    texts = st.text(min_size=1, max_size=300).filter(str.strip)
    return Decision(
        puid=draw(st.from_regex(r"[A-Za-z0-9_-]{1,500}", fullmatch=True)),
        measures=measures,
        right_kinds=tuple(draw(st.lists(st.sampled_from(sorted(RIGHT_KIND_KEYWORDS)), max_size=4))),
        content_date=content_date,
        application_date=application_date,
        end_date=None if end_in_days is None or not measures else application_date + timedelta(days=end_in_days),
        facts=draw(texts | st.just("Reported by jane.doe@example.com and a@b.c@d.e")),
        legal_ground=draw(st.text(min_size=1, max_size=30).filter(str.strip)),
        explanation=draw(texts | st.just("See 张三@例子.中国 for details")),
        source=source,
        source_identity="" if source == "voluntary" else draw(st.text(max_size=50)),
        automated_detection=draw(st.booleans()),
        automated_decision=draw(st.sampled_from(sorted(AUTOMATED_DECISIONS))),
        account_action=account_action,
        territorial_scope=(*draw(st.lists(st.sampled_from([*sorted(EEA_COUNTRY_CODES), "cn", "US", "EL"]))), "de"),
        content_types=tuple(draw(st.lists(st.sampled_from(list(ContentType)), min_size=1, max_size=3))),
        content_type_other="3D model",
        ean13=draw(st.none() | st.from_regex(r"[0-9]{13}", fullmatch=True)),
    )


@given(decision=decisions())
def test_every_statement_built_from_a_decision_is_valid(decision: Decision) -> None:
    statement = statement_of_reasons(decision)

    assert statement_problems(statement) == []


@given(
    statement=st.dictionaries(
        st.sampled_from(["puid", "decision_visibility", "content_id", "content_date", "category", "x"]) | st.text(),
        st.none()
        | st.booleans()
        | st.integers()
        | st.text()
        | st.lists(st.text() | st.integers())
        | st.dictionaries(st.text(), st.text() | st.integers()),
    )
)
def test_the_validator_never_raises(statement: dict[str, Any]) -> None:
    problems = statement_problems(statement)

    assert all(isinstance(problem, Problem) for problem in problems)


def test_statements_are_cut_into_batches_of_at_most_100() -> None:
    statements = ({"puid": str(n)} for n in range(250))

    batches = list(statement_batches(statements))

    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert batches[2][-1] == {"puid": "249"}


def test_batches_of_a_chosen_size() -> None:
    batches = list(statement_batches([{"puid": "a"}, {"puid": "b"}, {"puid": "c"}], size=2))

    assert batches == [[{"puid": "a"}, {"puid": "b"}], [{"puid": "c"}]]


def test_no_statements_give_no_batches() -> None:
    assert list(statement_batches([])) == []


@pytest.mark.parametrize("size", [0, BATCH_LIMIT + 1])
def test_a_batch_size_the_database_refuses_is_refused_at_once(size: int) -> None:
    with pytest.raises(ValueError, match=f"A batch holds 1 to 100 statements, not {size}"):
        statement_batches([], size=size)
