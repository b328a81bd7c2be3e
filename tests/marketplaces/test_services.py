"""The directory's writes and its measured figures: exact medians and 90th percentiles from hand-made cases, the
window, what counts as decided, acted on and counter-noticed; profiles written with provenance per field,
versioned and audited; the seed profiles; the demo."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.config.celery import app
from ipbridge.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from ipbridge.marketplaces import figures, services
from ipbridge.marketplaces.fields import FIELDS, value_clean
from ipbridge.marketplaces.models import MarketplaceProfile, MeasuredFigures, ProfileVersion
from ipbridge.marketplaces.services import FieldChange
from ipbridge.notices.models import Case
from tests.factories import OrganisationFactory, member
from tests.marketplaces.factories import POLICY, curated, decided_case, own, sourced
from tests.notices.factories import world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOUR_US = 3_600_000_000


def error_of(call: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


# Median and 90th percentile ----------------------------------------------------------------------------------------


def hours(*values: float) -> list[int]:
    return [round(v * HOUR_US) for v in values]


@pytest.mark.parametrize(
    ("durations", "median", "p90"),
    [
        (hours(5), "5.00", "5.00"),
        (hours(1, 3), "2.00", "3.00"),  # the mean of the two middle values; rank ⌈1.8⌉ = 2
        (hours(9, 1, 5), "5.00", "9.00"),  # order does not matter
        (hours(2, 4, 4, 10, 30, 50), "7.00", "50.00"),  # rank ⌈5.4⌉ = 6
        (hours(*range(1, 11)), "5.50", "9.00"),  # ten cases: rank 9
        (hours(*range(1, 12)), "6.00", "10.00"),  # eleven: rank ⌈9.9⌉ = 10
        (hours(*range(1, 21)), "10.50", "18.00"),
        ([HOUR_US + 18_000_000], "1.01", "1.01"),  # 1.005 h rounds half up
        ([HOUR_US + 17_999_999], "1.00", "1.00"),
        ([0, 1], "0.00", "0.00"),  # half a microsecond
    ],
)
def test_median_and_p90_are_exact(durations: list[int], median: str, p90: str) -> None:
    assert figures.median_hours(durations) == Decimal(median)
    assert figures.p90_hours(durations) == Decimal(p90)


def test_no_case_has_no_median() -> None:
    assert figures.median_hours([]) is None
    assert figures.p90_hours([]) is None


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(2, 3, "66.7"), (1, 8, "12.5"), (1, 16, "6.3"), (0, 5, "0.0"), (5, 5, "100.0")]
)
def test_percentages_round_half_up_to_a_tenth(part: int, whole: int, expected: str) -> None:
    assert figures.percent(part, whole) == Decimal(expected)


def test_a_percentage_of_nothing_is_none() -> None:
    assert figures.percent(0, 0) is None


# Figures from hand-made cases ------------------------------------------------------------------------------------


def test_figures_of_hand_made_cases_are_exact() -> None:
    """Six cases decided in the window, 2, 4, 4, 10, 30 and 50 hours after delivery; one with two items decided
    at different times counts from the later one; the others do not count."""
    w = world()
    day = NOW - timedelta(days=10)
    decided_case(w, delivered=day, hours=2, measures=("delete", ""), forwarded=True)
    decided_case(w, delivered=day, hours=4, measures=("block",), forwarded=True, countered=True)
    decided_case(w, delivered=day, hours=4, measures=("",))
    decided_case(w, delivered=day, hours=(1, 10), measures=("delete", "delete"), forwarded=True)
    decided_case(w, delivered=day - timedelta(days=70), hours=30, measures=("disconnect_links",))
    decided_case(w, delivered=day, hours=50, measures=("", ""))
    # Not counted: an item still pending; decided before the window; another marketplace; decided after "now".
    decided_case(w, delivered=day, hours=3, measures=("delete",), pending=1)
    decided_case(w, delivered=NOW - timedelta(days=91), hours=1, measures=("delete",))
    decided_case(w, delivered=day, hours=3, measures=("delete",), marketplace=w.bazaar)
    decided_case(w, delivered=NOW - timedelta(hours=1), hours=2, measures=("delete",))

    found = figures.figures_compute(marketplace_id=w.megamart.pk, now=NOW)

    assert found == figures.Figures(
        window_start=NOW - timedelta(days=90),
        window_end=NOW,
        cases_decided=6,
        median_hours=Decimal("7.00"),
        p90_hours=Decimal("50.00"),
        items_decided=9,
        items_acted=5,
        cases_forwarded=3,
        cases_counter_noticed=1,
    )


def test_a_case_counts_from_its_first_decision_not_a_later_appeal() -> None:
    w = world()
    case = decided_case(w, delivered=NOW - timedelta(days=5), hours=6, measures=("",))
    # The sender's appeal overturns the rejection a week later: the case took six hours all the same.
    from ipbridge.notices import services as notices

    appeal = notices.appeal_submit(
        actor=actor_for_system(w.organisation), case_id=case.pk, grounds="Fake.", evidence=["test purchase"]
    )
    notices.appeal_decide(
        actor=actor_for_system(w.megamart), appeal_id=appeal.pk, outcome="overturned", reason="Fake.", measure="delete"
    )

    found = figures.figures_compute(marketplace_id=w.megamart.pk, now=NOW + timedelta(days=1))

    assert (found.cases_decided, found.median_hours, found.items_decided, found.items_acted) == (
        1,
        Decimal("6.00"),
        1,
        1,
    )


def test_the_window_includes_its_edges() -> None:
    w = world()
    decided_case(w, delivered=NOW - timedelta(days=90, hours=1), hours=1)
    decided_case(w, delivered=NOW - timedelta(hours=2), hours=2)

    assert figures.figures_compute(marketplace_id=w.megamart.pk, now=NOW).cases_decided == 2


def test_figures_are_stored_with_the_time_computed_and_refreshed_in_place() -> None:
    w = world()
    profile = own(w.megamart)
    curated(OrganisationFactory(kind=OrganisationKind.OPERATOR))
    for n in range(5):
        decided_case(w, delivered=NOW - timedelta(days=3), hours=n + 1)

    assert services.figures_refresh(now=NOW) == 1
    first = MeasuredFigures.objects.get(profile=profile)
    decided_case(w, delivered=NOW - timedelta(days=2), hours=20)
    services.figures_refresh(now=NOW + timedelta(days=1))

    again = MeasuredFigures.objects.get(profile=profile)
    assert (first.computed_at, first.cases_decided, first.median_hours, first.p90_hours) == (
        NOW,
        5,
        Decimal("3.00"),
        Decimal("5.00"),
    )
    assert (again.pk, again.computed_at, again.cases_decided, again.median_hours, again.p90_hours) == (
        first.pk,
        NOW + timedelta(days=1),
        6,
        Decimal("3.50"),
        Decimal("20.00"),
    )
    assert MeasuredFigures.objects.count() == 1  # the curated profile has no cases to measure


def test_the_daily_job_is_registered_and_refreshes() -> None:
    w = world()
    own(w.megamart)
    app.loader.import_default_modules()

    assert app.tasks["ipbridge.marketplaces.figures_refresh"].apply().get() == 1
    assert MeasuredFigures.objects.get().computed_at <= timezone.now()


# Profiles, provenance, versions ----------------------------------------------------------------------------------


def operator() -> Any:
    return OrganisationFactory(kind=OrganisationKind.OPERATOR, name="IPBridge Operations")


def test_an_operator_curates_a_profile_every_changed_field_with_its_source() -> None:
    ops = operator()
    profile = curated(ops, ip_policy_url="https://bazaar.example/ip", live_streaming=True)

    assert (profile.slug, profile.name, profile.countries, profile.live_streaming, profile.version) == (
        "bazaar-world",
        "Bazaar World",
        ["CN", "DE"],
        True,
        1,
    )
    today = timezone.now().date().isoformat()
    assert profile.provenance["countries"] == {
        "source_url": POLICY,
        "stated_by_marketplace": False,
        "reviewed_on": today,
        "changed_at": profile.provenance["countries"]["changed_at"],
        "by": "IPBridge Operations",
    }
    assert "|country:CN||country:DE||language:zh|" in profile.facets
    version = ProfileVersion.objects.get(profile=profile)
    assert version.number == 1
    assert version.changes["countries"]["after"] == ["CN", "DE"]
    assert AuditEvent.objects.filter(action="marketplace_profile.created", organisation=ops).count() == 1


def test_a_change_without_a_source_is_refused_naming_the_field_and_nothing_changes() -> None:
    ops = operator()
    profile = curated(ops)

    error = error_of(
        services.profile_update,
        actor=actor_for_system(ops),
        slug=profile.slug,
        changes={"countries": FieldChange(["CN"]), "name": sourced("Bazaar World")},
    )

    assert (error.status, error.code, error.field) == (422, "source_required", "countries.source_url")
    profile.refresh_from_db()
    assert (profile.countries, profile.version, ProfileVersion.objects.count()) == (["CN", "DE"], 1, 1)


def test_the_marketplace_writes_its_own_word_and_the_source_says_so() -> None:
    w = world()
    profile = own(w.megamart, countries=["DE"])

    updated = services.profile_update(
        actor=actor_for_system(w.megamart),
        slug="megamart",
        changes={
            "countries": FieldChange(["DE", "AT"]),
            "ip_policy_url": FieldChange("https://megamart.example/ip", source_url="https://megamart.example/ip"),
        },
    )

    assert (profile.slug, updated.version, updated.countries) == ("megamart", 2, ["DE", "AT"])
    assert updated.provenance["countries"]["stated_by_marketplace"] is True
    assert updated.provenance["countries"]["source_url"] == ""
    assert updated.provenance["ip_policy_url"]["source_url"] == "https://megamart.example/ip"
    assert "|channel:ipbridge|" in updated.facets
    versions = list(ProfileVersion.objects.filter(profile=profile).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].changes["countries"]["before"] == ["DE"]
    assert versions[1].changes["countries"]["after"] == ["DE", "AT"]


def test_fields_sent_unchanged_write_no_version() -> None:
    ops = operator()
    profile = curated(ops)

    again = services.profile_update(
        actor=actor_for_system(ops), slug=profile.slug, changes={"countries": sourced(["CN", "DE"])}
    )

    assert again.version == 1
    assert ProfileVersion.objects.count() == 1
    assert AuditEvent.objects.filter(action="marketplace_profile.updated").count() == 0


def test_a_review_of_an_unchanged_field_moves_its_date_only() -> None:
    ops = operator()
    profile = curated(ops)
    reviewed = date(2026, 1, 15)

    again = services.profile_update(
        actor=actor_for_system(ops),
        slug=profile.slug,
        changes={"countries": sourced(["CN", "DE"], reviewed_on=reviewed)},
    )

    assert again.version == 2
    assert again.provenance["countries"]["reviewed_on"] == "2026-01-15"
    assert again.provenance["countries"]["changed_at"] == profile.provenance["countries"]["changed_at"]
    change = ProfileVersion.objects.get(profile=profile, number=2).changes["countries"]
    assert "after" not in change
    assert AuditEvent.objects.filter(action="marketplace_profile.updated").count() == 1


def test_a_review_date_in_the_future_is_refused() -> None:
    ops = operator()
    profile = curated(ops)

    error = error_of(
        services.profile_update,
        actor=actor_for_system(ops),
        slug=profile.slug,
        changes={"name": sourced("Other", reviewed_on=timezone.now().date() + timedelta(days=2))},
    )

    assert (error.code, error.field) == ("in_the_future", "name.reviewed_on")


@pytest.mark.parametrize(
    ("name", "value", "field", "code"),
    [
        ("countries", ["CN", "XX"], "countries", "unknown_code"),
        ("languages", "zh klingon", "languages", "unknown_code"),
        ("categories", ["weapons"], "categories", "unknown_code"),
        ("size", "huge", "size", "invalid_choice"),
        ("live_streaming", "perhaps", "live_streaming", "invalid_boolean"),
        ("counter_notice_window_days", -1, "counter_notice_window_days", "invalid_days"),
        ("counter_notice_window_days", True, "counter_notice_window_days", "invalid_days"),
        ("website", "ftp://bazaar.example", "website", "invalid_url"),
        ("name", "", "name", "required"),
        ("name", "x" * 201, "name", "too_long"),
        ("channels", [{"kind": "fax"}], "channels.0.kind", "invalid_choice"),
        ("channels", [{"kind": "email", "address": "not an address"}], "channels.0.address", "invalid_email"),
        ("channels", [{"kind": "web_form", "address": "nope"}], "channels.0.address", "invalid_url"),
        ("channels", [{"kind": "api"}, {"kind": "api"}], "channels.1.kind", "duplicate"),
        (
            "channels",
            [{"kind": "api", "requirements": {"trade_secret": {"fields": ["x"]}}}],
            "channels.0.requirements.trade_secret",
            "invalid_choice",
        ),
        ("channels", "email", "channels", "invalid_list"),
        ("channels", [{"kind": "email"}, {"kind": "ipbridge"}], "channels.1.kind", "not_on_ipbridge"),
        ("programmes", [{"url": "https://x.example"}], "programmes.0.name", "required"),
        ("programmes", [{"name": "P", "colour": "red"}], "programmes.0", "unknown_field"),
        ("shoe_size", 42, "shoe_size", "unknown_field"),
    ],
)
def test_bad_values_are_refused_naming_the_field(name: str, value: Any, field: str, code: str) -> None:
    ops = operator()
    profile = curated(ops)

    error = error_of(
        services.profile_update, actor=actor_for_system(ops), slug=profile.slug, changes={name: sourced(value)}
    )

    assert (error.status, error.field, error.code) == (422, field, code)


def test_values_are_normalised() -> None:
    assert value_clean("countries", "cn, de de") == ["CN", "DE"]
    assert value_clean("languages", ["ZH", "en"]) == ["zh", "en"]
    assert value_clean("live_streaming", "yes") is True
    assert value_clean("counter_notice_window_days", "15") == 15
    assert value_clean("channels", [{"kind": "email", "address": " IP@Bazaar.example "}, {"kind": "api"}]) == [
        {"kind": "api", "address": "", "notes": "", "requirements": {}},
        {"kind": "email", "address": "ip@bazaar.example", "notes": "", "requirements": {}},
    ]
    assert value_clean(
        "channels",
        [{"kind": "web_form", "address": "https://b.example/f", "requirements": {"patent": {"fields": "a\n\nb"}}}],
    ) == [
        {
            "kind": "web_form",
            "address": "https://b.example/f",
            "notes": "",
            "requirements": {"patent": {"fields": ["a", "b"], "documents": []}},
        }
    ]


def test_who_may_change_a_profile() -> None:
    w = world()
    ops = operator()
    megamart = own(w.megamart)
    bazaar = curated(ops)
    other_marketplace = OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    member_of_megamart = member(kind=OrganisationKind.MARKETPLACE, role="member")
    member_of_megamart.organisation = w.megamart
    member_of_megamart.save()
    from ipbridge.accounts.selectors import actor_for_user

    change = {"name": sourced("New name")}
    refusals = {
        "operator on a marketplace on IPBridge": (actor_for_system(ops), megamart.slug),
        "another marketplace": (actor_for_system(other_marketplace), megamart.slug),
        "a marketplace on a curated profile": (actor_for_system(w.megamart), bazaar.slug),
        "a member, not an administrator": (actor_for_user(member_of_megamart.user), megamart.slug),
        "a right holder": (actor_for_system(w.organisation), bazaar.slug),
    }
    codes = {}
    for label, (actor, slug) in refusals.items():
        assert actor is not None
        codes[label] = error_of(services.profile_update, actor=actor, slug=slug, changes=change).code

    assert codes == {
        "operator on a marketplace on IPBridge": "marketplace_on_ipbridge",
        "another marketplace": "not_marketplace",
        "a marketplace on a curated profile": "not_marketplace",
        "a member, not an administrator": "administrators_only",
        "a right holder": "wrong_organisation_kind",
    }
    with pytest.raises(NotFound):
        services.profile_update(actor=actor_for_system(ops), slug="nowhere", changes=change)
    assert MarketplaceProfile.objects.filter(name="New name").count() == 0


def test_a_stale_version_is_refused() -> None:
    ops = operator()
    profile = curated(ops)
    services.profile_update(actor=actor_for_system(ops), slug=profile.slug, changes={"name": sourced("Bazaar")})

    with pytest.raises(Conflict) as caught:
        services.profile_update(
            actor=actor_for_system(ops), slug=profile.slug, changes={"name": sourced("B")}, expected_version=1
        )

    assert caught.value.field == "expected_version"
    assert MarketplaceProfile.objects.get().name == "Bazaar"


def test_creating_refuses_a_taken_slug_a_second_profile_and_a_bad_slug() -> None:
    w = world()
    ops = operator()
    curated(ops)
    own(w.megamart)
    create = services.profile_create

    taken = error_of(create, actor=actor_for_system(ops), slug="bazaar-world", changes={"name": sourced("B")})
    second = error_of(
        create, actor=actor_for_system(ops), slug="mm", organisation="megamart", changes={"name": sourced("M")}
    )
    again = error_of(create, actor=actor_for_system(w.megamart), slug="", changes={"name": FieldChange("M")})
    bad = error_of(create, actor=actor_for_system(ops), slug="Not a slug", changes={"name": sourced("B")})
    unknown = error_of(
        create, actor=actor_for_system(ops), slug="x", organisation="nowhere", changes={"name": sourced("X")}
    )
    nameless = error_of(
        create, actor=actor_for_system(ops), slug="x", changes={"website": sourced("https://x.example")}
    )

    assert [(e.status, e.code, e.field) for e in (taken, second, again, bad, unknown, nameless)] == [
        (409, "slug_taken", "slug"),
        (409, "profile_exists", "organisation"),
        (409, "profile_exists", "organisation"),
        (422, "invalid_slug", "slug"),
        (422, "unknown_marketplace", "organisation"),
        (422, "required", "name"),
    ]
    assert MarketplaceProfile.objects.count() == 2


def test_an_operator_creates_the_profile_of_a_marketplace_on_ipbridge_that_then_writes_it_itself() -> None:
    w = world()
    ops = operator()
    profile = services.profile_create(
        actor=actor_for_system(ops), slug="", organisation="little-bazaar", changes={"name": sourced("Little Bazaar")}
    )

    assert (profile.slug, profile.organisation) == ("little-bazaar", w.bazaar)
    with pytest.raises(PermissionDenied):
        services.profile_update(actor=actor_for_system(ops), slug=profile.slug, changes={"name": sourced("LB")})
    changed = services.profile_update(
        actor=actor_for_system(w.bazaar), slug=profile.slug, changes={"name": FieldChange("LB")}
    )
    assert changed.provenance["name"]["stated_by_marketplace"] is True


# Seed profiles ---------------------------------------------------------------------------------------------------


def test_the_seed_profiles_load_once_every_field_with_its_source_and_review_date() -> None:
    operator()
    data = json.loads(services.SEED_FILE.read_text(encoding="utf-8"))

    added = services.seed_profiles_load()
    again = services.seed_profiles_load()

    assert (added, again) == (len(data["profiles"]), 0)
    names = {f.name for f in FIELDS}
    for entry in data["profiles"]:
        profile = MarketplaceProfile.objects.get(slug=entry["slug"])
        assert profile.organisation is None
        assert set(entry["fields"]) <= names
        for name, spec in entry["fields"].items():
            assert spec["source_url"].startswith("https://"), (entry["slug"], name)
            assert getattr(profile, name) == value_clean(name, spec["value"]), (entry["slug"], name)
            assert profile.provenance[name]["source_url"] == spec["source_url"]
            assert profile.provenance[name]["reviewed_on"] == entry["reviewed_on"]
            assert profile.provenance[name]["stated_by_marketplace"] is False
    assert {"amazon", "ebay", "taobao", "tmall", "aliexpress"} <= set(
        MarketplaceProfile.objects.values_list("slug", flat=True)
    )
    assert AuditEvent.objects.filter(action="marketplace_profile.created").count() == len(data["profiles"])


def test_a_seed_profile_changed_since_is_left_as_it_is() -> None:
    ops = operator()
    services.seed_profiles_load()
    services.profile_update(actor=actor_for_system(ops), slug="ebay", changes={"name": sourced("eBay US")})

    assert services.seed_profiles_load() == 0
    assert MarketplaceProfile.objects.get(slug="ebay").name == "eBay US"


def test_the_seed_profiles_load_without_an_operator_organisation() -> None:
    assert services.seed_profiles_load() > 0
    assert ProfileVersion.objects.filter(organisation=None, actor_label="seed data").exists()


# The demo --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_demo_gives_megamart_and_livebuy_measured_figures_once(settings: Any) -> None:
    from ipbridge.demo import demo_load
    from ipbridge.marketplaces.demo import demo_directory_load

    settings.IPBRIDGE_DEMO = True
    demo_load()

    count = demo_directory_load()
    cases = Case.objects.count()
    again = demo_directory_load()

    assert count == again == MarketplaceProfile.objects.count()
    assert Case.objects.count() == cases
    found = {f.profile.slug: f for f in MeasuredFigures.objects.select_related("profile")}
    assert set(found) == {"megamart", "livebuy", "little-bazaar"}
    assert found["megamart"].cases_decided >= figures.MIN_DECIDED_CASES
    assert found["livebuy"].cases_decided >= figures.MIN_DECIDED_CASES
    assert found["little-bazaar"].cases_decided == 0
    megamart = MarketplaceProfile.objects.get(slug="megamart")
    assert megamart.provenance["name"]["stated_by_marketplace"] is True
    # The demo's own profiles pass the same checks as anyone's.
    for profile in MarketplaceProfile.objects.filter(organisation__isnull=False):
        for field in FIELDS:
            assert getattr(profile, field.name) == value_clean(field.name, getattr(profile, field.name))
