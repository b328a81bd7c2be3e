"""Live-stream sessions as services and selectors: opening one live session per stream, each pushed segment screened
at once (the flagged ones kept, alerts at or over the threshold, every segment counted), refusals that name their
field and change nothing, ending, and who sees which session."""

from __future__ import annotations

from typing import Any

import pytest

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_api_key, actor_for_system
from ipbridge.accounts.services import api_key_authenticate
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.screening import settings_services, streams
from ipbridge.screening.catalogue import settings_for
from ipbridge.screening.models import Alert, StreamSegment, StreamSession
from ipbridge.screening.monitoring import watch_add
from tests.factories import api_key, member
from tests.screening.factories import Screening, aurora_right, screening_world
from tests.sharing.factories import seller_listed

pytestmark = pytest.mark.django_db

COUNTERFEIT = streams.SegmentIn(id="s-1", start_ms=61_000, end_ms=64_500, text="AURORA 口红 高仿", speaker="Lily")
CHAT = streams.SegmentIn(id="s-2", start_ms=64_500, end_ms=66_000, text="今天天气很好", speaker="Lily")
NAMED = streams.SegmentIn(id="s-3", start_ms=66_000, end_ms=68_000, text="奥罗拉 口红", speaker="Lily")


@pytest.fixture
def world() -> Screening:
    return screening_world()


def opened(marketplace: Organisation, stream_id: str = "live-1", **fields: Any) -> StreamSession:
    return streams.stream_open(actor=actor_for_system(marketplace), stream=streams.StreamIn(stream_id, **fields))


def state() -> dict[str, Any]:
    return {
        "sessions": sorted(
            StreamSession.objects.values_list("pk", "status", "segments_received", "segments_flagged", "ended_at")
        ),
        "segments": sorted(StreamSegment.objects.values_list("pk", flat=True)),
        "alerts": sorted(Alert.objects.values_list("pk", flat=True)),
        "audit": AuditEvent.objects.count(),
    }


# Opening ----------------------------------------------------------------------------------------------------------


def test_a_marketplace_opens_a_session_for_its_stream(world: Screening) -> None:
    actor = actor_for_api_key(api_key_authenticate(api_key(world.marketplace, ["screening:write"])))  # type: ignore[arg-type]

    session = streams.stream_open(
        actor=actor,
        stream=streams.StreamIn(
            stream_id=" live-1 ",
            title="Spring lipsticks",
            url="https://megamart.example/live/1",
            shop_id="shop-9",
            shop_name="Bright Deals",
            streamer="Lily",
        ),
    )

    assert (session.marketplace, session.stream_ref, session.title, session.url) == (
        world.marketplace,
        "live-1",
        "Spring lipsticks",
        "https://megamart.example/live/1",
    )
    assert (session.shop_id, session.shop_name, session.streamer, session.status) == (
        "shop-9",
        "Bright Deals",
        "Lily",
        "live",
    )
    assert (session.segments_received, session.segments_flagged, session.opened_by_label) == (0, 0, actor.label)
    event = AuditEvent.objects.get(action="screening.stream_opened")
    assert (event.organisation_id, event.subject_id, event.actor_label) == (
        world.marketplace.pk,
        str(session.pk),
        actor.label,
    )
    assert event.details == {"stream_id": "live-1", "shop_id": "shop-9", "streamer": "Lily"}


def test_one_live_session_per_stream_and_marketplace(world: Screening) -> None:
    first = opened(world.marketplace)
    before = state()

    with pytest.raises(Conflict) as refused:
        opened(world.marketplace)

    assert (refused.value.code, refused.value.field, refused.value.details) == (
        "stream_live",
        "stream_id",
        {"stream": first.pk},
    )
    assert state() == before
    assert opened(world.bazaar.organisation).stream_ref == "live-1"
    streams.stream_end(actor=actor_for_system(world.marketplace), session_id=first.pk)
    assert opened(world.marketplace).pk > first.pk


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"stream_id": ""}, "required", "stream_id"),
        ({"stream_id": "x" * 201}, "too_long", "stream_id"),
        ({"stream_id": "a", "url": "javascript:alert(1)"}, "invalid_url", "url"),
        ({"stream_id": "a", "title": "t" * 501}, "too_long", "title"),
        ({"stream_id": "a", "streamer": "s" * 201}, "too_long", "streamer"),
        ({"stream_id": "a\x00b"}, "invalid_characters", "stream_id"),
        ({"stream_id": "a", "shop_name": "b\x00"}, "invalid_characters", "shop_name"),
    ],
)
def test_a_stream_named_wrong_is_refused_naming_the_field(
    world: Screening, fields: dict[str, str], code: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        streams.stream_open(actor=actor_for_system(world.marketplace), stream=streams.StreamIn(**fields))

    assert (refused.value.code, refused.value.field) == (code, field)
    assert state()["sessions"] == []


@pytest.mark.parametrize("kind", [k for k in OrganisationKind.values if k != OrganisationKind.MARKETPLACE])
def test_only_marketplaces_open_sessions(kind: str) -> None:
    acting = member(kind).organisation

    with pytest.raises(PermissionDenied) as refused:
        opened(acting)

    assert refused.value.code == "wrong_organisation_kind"
    assert state()["sessions"] == []


def test_a_key_that_may_only_read_opens_nothing(world: Screening) -> None:
    actor = actor_for_api_key(api_key_authenticate(api_key(world.marketplace, ["screening:read"])))  # type: ignore[arg-type]

    with pytest.raises(PermissionDenied) as refused:
        streams.stream_open(actor=actor, stream=streams.StreamIn("live-1"))

    assert refused.value.code == "missing_scope"


# Pushing ----------------------------------------------------------------------------------------------------------


def test_each_segment_is_screened_kept_when_flagged_and_alerted_at_the_threshold(world: Screening) -> None:
    session = opened(world.marketplace, url="https://megamart.example/live/1", shop_id="shop-9", shop_name="Bright")

    pushed = streams.stream_segments_push(
        actor=actor_for_system(world.marketplace), session_id=session.pk, segments=[COUNTERFEIT, CHAT, NAMED]
    )

    summary = [
        (
            r.segment_id,
            r.risk_score,
            r.level,
            [(f["detector"], f["matched_text"], f["start"], f["end"]) for f in r.flags],
        )
        for r in pushed.results
    ]
    assert summary == [
        ("s-1", 0.96, "hold", [("mark", "AURORA", 0, 6), ("risk_keyword", "高仿", 10, 12)]),
        ("s-2", 0.0, "", []),
        ("s-3", 0.6, "alert", [("mark", "奥罗拉", 0, 3)]),
    ]
    kept = list(StreamSegment.objects.order_by("pk"))
    assert [(s.segment_ref, s.start_ms, s.end_ms, s.speaker, s.text, s.risk_score) for s in kept] == [
        ("s-1", 61_000, 64_500, "Lily", "AURORA 口红 高仿", 0.96),
        ("s-3", 66_000, 68_000, "Lily", "奥罗拉 口红", 0.6),
    ]
    assert [r.stored_id for r in pushed.results] == [kept[0].pk, None, kept[1].pk]
    alerts = list(Alert.objects.order_by("pk"))
    assert [r.alert_id for r in pushed.results] == [alerts[0].pk, None, alerts[1].pk]
    assert [
        (a.segment_id, a.level, a.risk_score, a.title, a.listing_id, a.url, a.shop_id, a.shop_name, a.brand)
        for a in alerts
    ] == [
        (
            kept[0].pk,
            "hold",
            0.96,
            "AURORA 口红 高仿",
            "live-1",
            "https://megamart.example/live/1",
            "shop-9",
            "Bright",
            "AURORA",
        ),
        (
            kept[1].pk,
            "alert",
            0.6,
            "奥罗拉 口红",
            "live-1",
            "https://megamart.example/live/1",
            "shop-9",
            "Bright",
            "AURORA",
        ),
    ]
    assert [list(a.holders.all()) for a in alerts] == [[world.holder.organisation]] * 2
    assert [list(a.rights.all()) for a in alerts] == [[aurora_right()]] * 2
    assert kept[0].flags == alerts[0].flags == pushed.results[0].flags
    assert (pushed.session.segments_received, pushed.session.segments_flagged) == (3, 2)


def test_a_flagged_segment_under_the_alert_threshold_is_kept_without_an_alert(world: Screening) -> None:
    settings = settings_for(world.marketplace)
    settings.alert_threshold = 0.65
    settings.save()
    session = opened(world.marketplace)

    [result] = streams.stream_segments_push(
        actor=actor_for_system(world.marketplace), session_id=session.pk, segments=[NAMED]
    ).results

    assert (result.risk_score, result.level, result.alert_id) == (0.6, "", None)
    assert StreamSegment.objects.get().pk == result.stored_id
    assert Alert.objects.count() == 0


def test_a_shop_authorised_for_the_mark_is_not_flagged_for_it(world: Screening) -> None:
    seller_listed(world.holder.organisation, world.marketplace, shop_id="aurora-official", valid_from=None)
    session = opened(world.marketplace, shop_id="aurora-official")

    [result] = streams.stream_segments_push(
        actor=actor_for_system(world.marketplace), session_id=session.pk, segments=[NAMED]
    ).results

    assert (result.risk_score, result.flags, result.stored_id) == (0.0, [], None)


def test_a_segment_matching_a_watch_is_kept_and_alerted_whatever_its_score(world: Screening) -> None:
    actor = actor_for_system(world.marketplace)
    shop = watch_add(actor=actor, kind="shop", shop_id="shop-9", label="Bright Deals")
    product = watch_add(actor=actor, kind="product", keywords=["香水"], label="Perfume")
    watched_shop = opened(world.marketplace, shop_id="shop-9")
    other_shop = opened(world.marketplace, "live-2", shop_id="shop-1")

    on_watched = streams.stream_segments_push(actor=actor, session_id=watched_shop.pk, segments=[CHAT]).results[0]
    perfume = streams.SegmentIn("s-7", 0, 1, "这瓶香水很好闻")
    on_other = streams.stream_segments_push(actor=actor, session_id=other_shop.pk, segments=[perfume, CHAT]).results

    def watch_flags(result: streams.SegmentScreened) -> list[tuple[str, str, str, int]]:
        return [(f["detector"], f["field"], f["term"], f["watch"]) for f in result.flags if f["detector"] == "watch"]

    assert (on_watched.risk_score, on_watched.level, on_watched.alert_id is not None) == (0.0, "alert", True)
    assert watch_flags(on_watched) == [("watch", "shop_id", "Bright Deals", shop.pk)]
    assert (on_other[0].level, watch_flags(on_other[0])) == ("alert", [("watch", "text", "Perfume", product.pk)])
    assert (on_other[1].flags, on_other[1].stored_id) == ([], None)
    shop.refresh_from_db()
    product.refresh_from_db()
    assert (shop.hits, product.hits) == (1, 1)
    assert Alert.objects.get(pk=on_watched.alert_id).flags == on_watched.flags


def test_a_push_screens_with_the_catalogue_as_it_now_is(world: Screening) -> None:
    session = opened(world.marketplace)
    actor = actor_for_system(world.marketplace)
    said = streams.SegmentIn("s-9", 0, 1, "限量款 清仓")
    before = streams.stream_segments_push(actor=actor, session_id=session.pk, segments=[said])

    settings_services.risk_keyword_add(actor=actor, term="清仓", language="zh", weight=0.7)
    after = streams.stream_segments_push(actor=actor, session_id=session.pk, segments=[said])

    assert [r.results[0].risk_score for r in (before, after)] == [0.0, 0.7]


def test_counters_add_up_over_pushes(world: Screening) -> None:
    session = opened(world.marketplace)
    actor = actor_for_system(world.marketplace)

    streams.stream_segments_push(actor=actor, session_id=session.pk, segments=[COUNTERFEIT, CHAT])
    streams.stream_segments_push(actor=actor, session_id=session.pk, segments=[CHAT])
    last = streams.stream_segments_push(actor=actor, session_id=session.pk, segments=[NAMED, CHAT, CHAT])

    assert (last.session.segments_received, last.session.segments_flagged) == (6, 2)
    session.refresh_from_db()
    assert (session.segments_received, session.segments_flagged) == (6, 2)


@pytest.mark.parametrize(
    ("segments", "code", "field"),
    [
        ([], "required", "segments"),
        ([CHAT] * 501, "too_many", "segments"),
        ([CHAT, streams.SegmentIn("s-9", 10, 9, "x")], "ends_before_start", "segments.1.end_ms"),
        ([streams.SegmentIn("s-9", -1, 9, "x")], "negative", "segments.0.start_ms"),
        ([streams.SegmentIn("s-9", 0, 9, "字" * 5001)], "too_long", "segments.0.text"),
        ([COUNTERFEIT, streams.SegmentIn("s-9", 0, 9, " ")], "required", "segments.1.text"),
        ([streams.SegmentIn("", 0, 9, "x")], "required", "segments.0.id"),
        ([streams.SegmentIn("s-9", 0, 9, "x", speaker="s" * 201)], "too_long", "segments.0.speaker"),
        ([streams.SegmentIn("s-9", 0, 9, "a\x00")], "invalid_characters", "segments.0.text"),
    ],
)
def test_segments_sent_wrong_are_refused_whole_naming_the_field(
    world: Screening, segments: list[streams.SegmentIn], code: str, field: str
) -> None:
    session = opened(world.marketplace)
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        streams.stream_segments_push(
            actor=actor_for_system(world.marketplace), session_id=session.pk, segments=segments
        )

    assert (refused.value.code, refused.value.field) == (code, field)
    assert state() == before


def test_five_hundred_segments_and_five_thousand_characters_are_taken(world: Screening) -> None:
    session = opened(world.marketplace)
    longest = streams.SegmentIn("s-long", 0, 0, "好" * 5000)

    pushed = streams.stream_segments_push(
        actor=actor_for_system(world.marketplace), session_id=session.pk, segments=[longest] + [CHAT] * 499
    )

    assert pushed.session.segments_received == 500


def test_pushes_to_an_ended_session_another_marketplaces_or_by_others_are_refused(world: Screening) -> None:
    ended = opened(world.marketplace, "old")
    streams.stream_end(actor=actor_for_system(world.marketplace), session_id=ended.pk)
    foreign = opened(world.bazaar.organisation)
    before = state()

    def refusal(organisation: Organisation, session: StreamSession) -> tuple[type, str]:
        with pytest.raises((Conflict, NotFound, PermissionDenied)) as refused:
            streams.stream_segments_push(
                actor=actor_for_system(organisation), session_id=session.pk, segments=[COUNTERFEIT]
            )
        return type(refused.value), refused.value.code

    assert refusal(world.marketplace, ended) == (Conflict, "stream_ended")
    assert refusal(world.marketplace, foreign) == (NotFound, "not_found")
    assert refusal(world.operator.organisation, foreign) == (PermissionDenied, "wrong_organisation_kind")
    assert refusal(world.holder.organisation, foreign) == (PermissionDenied, "wrong_organisation_kind")
    assert state() == before


def test_a_session_ended_while_its_segments_are_screened_keeps_none_of_them(
    world: Screening, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = opened(world.marketplace)
    actor = actor_for_system(world.marketplace)
    screen = streams._screened

    def ended_meanwhile(*args: Any) -> Any:
        screened = screen(*args)
        streams.stream_end(actor=actor, session_id=session.pk)
        return screened

    monkeypatch.setattr(streams, "_screened", ended_meanwhile)
    with pytest.raises(Conflict) as refused:
        streams.stream_segments_push(actor=actor, session_id=session.pk, segments=[COUNTERFEIT, CHAT])

    assert refused.value.code == "stream_ended"
    assert (StreamSegment.objects.count(), Alert.objects.count()) == (0, 0)
    assert state()["sessions"][0][1:4] == ("ended", 0, 0)


# Ending -----------------------------------------------------------------------------------------------------------


def test_ending_a_session_records_its_counters_once(world: Screening) -> None:
    session = opened(world.marketplace)
    actor = actor_for_system(world.marketplace)
    streams.stream_segments_push(actor=actor, session_id=session.pk, segments=[COUNTERFEIT, CHAT])

    ended = streams.stream_end(actor=actor, session_id=session.pk)
    before = state()
    with pytest.raises(Conflict) as again:
        streams.stream_end(actor=actor, session_id=session.pk)

    assert (ended.status, ended.ended_at is not None) == ("ended", True)
    event = AuditEvent.objects.get(action="screening.stream_ended")
    assert (event.subject_id, event.details) == (
        str(session.pk),
        {"stream_id": "live-1", "segments_received": 2, "segments_flagged": 1},
    )
    assert again.value.code == "stream_ended"
    assert state() == before


def test_only_the_sessions_marketplace_ends_it(world: Screening) -> None:
    session = opened(world.marketplace)
    before = state()

    with pytest.raises(NotFound):
        streams.stream_end(actor=actor_for_system(world.bazaar.organisation), session_id=session.pk)
    with pytest.raises(PermissionDenied):
        streams.stream_end(actor=actor_for_system(world.operator.organisation), session_id=session.pk)

    assert state() == before


# Reading ----------------------------------------------------------------------------------------------------------


def test_a_marketplace_reads_its_own_sessions_and_an_operator_everyones(world: Screening) -> None:
    own_ended = opened(world.marketplace, "a")
    streams.stream_end(actor=actor_for_system(world.marketplace), session_id=own_ended.pk)
    own_live = opened(world.marketplace, "b")
    foreign = opened(world.bazaar.organisation, "c")

    def seen(organisation: Organisation, status: str = "") -> list[int]:
        return [s.pk for s in streams.streams_visible(actor=actor_for_system(organisation), status=status)]

    assert seen(world.marketplace) == [own_live.pk, own_ended.pk]
    assert seen(world.marketplace, "ended") == [own_ended.pk]
    assert seen(world.operator.organisation) == [foreign.pk, own_live.pk, own_ended.pk]
    assert streams.access_stream(actor=actor_for_system(world.operator.organisation), session_id=foreign.pk) == foreign
    with pytest.raises(NotFound):
        streams.access_stream(actor=actor_for_system(world.marketplace), session_id=foreign.pk)
    with pytest.raises(PermissionDenied):
        seen(world.holder.organisation)
    with pytest.raises(ValidationFailed) as refused:
        seen(world.marketplace, "paused")
    assert refused.value.field == "status"


def test_the_flagged_segments_come_in_the_streams_order_and_the_latest_newest_first(world: Screening) -> None:
    session = opened(world.marketplace)
    late = streams.SegmentIn("late", 90_000, 91_000, "AURORA 高仿")
    early = streams.SegmentIn("early", 1_000, 2_000, "replica")
    streams.stream_segments_push(
        actor=actor_for_system(world.marketplace), session_id=session.pk, segments=[late, early]
    )
    pushed = streams.stream_segments_push(
        actor=actor_for_system(world.marketplace), session_id=session.pk, segments=[NAMED]
    )

    in_order = [s.segment_ref for s in streams.stream_segments_flagged(session=session)]
    latest = streams.stream_segments_latest(session=session, limit=2)
    newer = streams.stream_segments_latest(session=session, limit=10, after=latest[1].pk)

    assert in_order == ["early", "s-3", "late"]
    assert [s.segment_ref for s in latest] == ["s-3", "early"]
    assert [s.pk for s in newer] == [pushed.results[0].stored_id]
