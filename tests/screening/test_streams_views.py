"""The live-stream pages: who may open them (every kind and role, in English and Chinese), a marketplace's own
sessions and everyone's for operators, the dashboard's flagged segments (time code, speaker, the matched spans
marked in escaped text, score, flag sentences, the alert's link), and its poll: only what is new, the counters,
and no more polling once the stream ended."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.screening import streams
from ipbridge.screening.models import StreamSession
from tests.factories import member, verified_client
from tests.screening.factories import holder_member, marketplace_member

pytestmark = pytest.mark.django_db

SCREENERS = {OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR}
FLAGGED = streams.SegmentIn(id="s-1", start_ms=61_000, end_ms=64_500, text="AURORA 口红 高仿", speaker="Lily")


def html(response: Any) -> str:
    return str(response.content.decode())


def opened(marketplace: Organisation, stream_id: str = "live-1", **fields: Any) -> StreamSession:
    return streams.stream_open(actor=actor_for_system(marketplace), stream=streams.StreamIn(stream_id, **fields))


def pushed(session: StreamSession, *segments: streams.SegmentIn) -> streams.Pushed:
    return streams.stream_segments_push(
        actor=actor_for_system(session.marketplace), session_id=session.pk, segments=list(segments)
    )


def acting(kind: str, role: str = Role.ADMIN) -> Membership:
    if kind == OrganisationKind.MARKETPLACE:
        return marketplace_member(role=role)
    return member(kind, role, verification_status="verified")


def segment_ids(page: str) -> list[str]:
    return re.findall(r'data-segment="(\d+)"', page)


# Who may open which page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_the_pages_open_for_marketplaces_and_operators_only(kind: str, role: str, language: str) -> None:
    holder_member()
    person = acting(kind, role)
    marketplace = person.organisation if kind == OrganisationKind.MARKETPLACE else marketplace_member().organisation
    session = opened(marketplace)
    pushed(session, FLAGGED)
    client = verified_client(person.user)
    client.cookies["ipbridge_language"] = language

    answers = [
        client.get(reverse("screening:streams")).status_code,
        client.get(reverse("screening:stream", args=[session.pk])).status_code,
        client.get(reverse("screening:stream_segments", args=[session.pk])).status_code,
    ]

    assert answers == [200, 200, 200] if kind in SCREENERS else [403, 403, 403]


def test_a_marketplace_sees_its_own_sessions_and_an_operator_everyones() -> None:
    holder_member()
    megamart = marketplace_member()
    bazaar = marketplace_member(name="Little Bazaar", slug="little-bazaar")
    operator = member(OrganisationKind.OPERATOR)
    own = opened(megamart.organisation, title="Spring lipsticks")
    foreign = opened(bazaar.organisation, title="Bazaar night")
    mine, theirs = verified_client(megamart.user), verified_client(operator.user)

    listed = html(mine.get(reverse("screening:streams")))
    everyone = html(theirs.get(reverse("screening:streams")))

    assert re.findall(r'data-stream="(\d+)"', listed) == [str(own.pk)]
    assert sorted(re.findall(r'data-stream="(\d+)"', everyone)) == sorted([str(own.pk), str(foreign.pk)])
    assert "Little Bazaar" in everyone
    assert mine.get(reverse("screening:stream", args=[foreign.pk])).status_code == 404
    assert mine.get(reverse("screening:stream_segments", args=[foreign.pk])).status_code == 404
    assert theirs.get(reverse("screening:stream", args=[foreign.pk])).status_code == 200


def test_the_list_filters_by_status() -> None:
    holder_member()
    megamart = marketplace_member()
    live = opened(megamart.organisation, "a")
    ended = opened(megamart.organisation, "b")
    streams.stream_end(actor=actor_for_system(megamart.organisation), session_id=ended.pk)
    client = verified_client(megamart.user)

    def listed(query: str) -> list[str]:
        return re.findall(r'data-stream="(\d+)"', html(client.get(reverse("screening:streams") + query)))

    assert listed("") == [str(live.pk), str(ended.pk)]
    assert listed("?status=ended") == [str(ended.pk)]
    assert listed("?status=live") == [str(live.pk)]
    assert listed("?status=bogus") == [str(live.pk), str(ended.pk)]


# The dashboard ----------------------------------------------------------------------------------------------------


@pytest.fixture
def dashboard() -> tuple[Client, StreamSession]:
    holder_member()
    megamart = marketplace_member()
    session = opened(megamart.organisation, title="Spring lipsticks", shop_id="shop-9")
    return verified_client(megamart.user), session


def test_a_flagged_segment_shows_its_time_speaker_marked_text_score_flags_and_alert(
    dashboard: tuple[Client, StreamSession],
) -> None:
    client, session = dashboard
    result = pushed(session, FLAGGED).results[0]

    page = html(client.get(reverse("screening:stream", args=[session.pk])))

    assert segment_ids(page) == [str(result.stored_id)]
    assert '<span class="font-monospace" data-time>01:01</span>' in page
    assert '<span class="fw-semibold" data-speaker>Lily</span>' in page
    assert '<mark class="px-0 flag-mark" data-detector="mark">AURORA</mark>' in page
    assert '<mark class="px-0 flag-risk_keyword" data-detector="risk_keyword">高仿</mark>' in page
    assert f"Score {result.risk_score:.2f}" in page
    assert "“高仿” is in the risk-keyword catalogue." in page
    assert f'href="{reverse("screening:alert", args=[result.alert_id])}" data-alert="{result.alert_id}"' in page
    assert re.search(r'data-count="received">1<', page)
    assert re.search(r'data-count="flagged">1<', page)


def test_the_text_is_escaped_around_its_marks(dashboard: tuple[Client, StreamSession]) -> None:
    client, session = dashboard
    pushed(session, streams.SegmentIn(id="x", start_ms=0, end_ms=1, text="<b>AURORA</b> 高仿 <script>x</script>"))

    page = html(client.get(reverse("screening:stream", args=[session.pk])))

    assert "&lt;b&gt;<mark" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x</script>" not in page


def test_the_poll_brings_only_the_new_segments_and_the_counters(dashboard: tuple[Client, StreamSession]) -> None:
    client, session = dashboard
    first = pushed(session, FLAGGED).results[0]
    page = html(client.get(reverse("screening:stream", args=[session.pk])))
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="every 2s"', page)
    assert poll is not None
    assert poll.group(1) == f"{reverse('screening:stream_segments', args=[session.pk])}?after={first.stored_id}"

    quiet = html(client.get(poll.group(1)))
    later = pushed(
        session,
        streams.SegmentIn(id="s-2", start_ms=70_000, end_ms=71_000, text="今天天气很好"),
        streams.SegmentIn(id="s-3", start_ms=72_000, end_ms=73_000, text="AURORA 高仿 A货"),
        streams.SegmentIn(id="s-4", start_ms=74_000, end_ms=75_000, text="奥罗拉 原单"),
    )
    news = html(client.get(poll.group(1)))

    assert segment_ids(quiet) == []
    assert f'data-last="{first.stored_id}"' in quiet
    stored = [r.stored_id for r in later.results if r.stored_id is not None]
    assert segment_ids(news) == [str(i) for i in reversed(stored)]
    assert f'?after={stored[-1]}"' in news
    assert '<section class="card mb-3" id="stream-live" data-status="live"' in news
    assert 'hx-swap-oob="true"' in news
    assert re.search(r'data-count="received">4<', news)
    assert re.search(rf'data-count="flagged">{1 + len(stored)}<', news)


def test_the_first_flagged_segment_takes_the_empty_note_away(dashboard: tuple[Client, StreamSession]) -> None:
    client, session = dashboard
    page = html(client.get(reverse("screening:stream", args=[session.pk])))
    assert 'id="no-segments"' in page
    pushed(session, FLAGGED)

    news = html(client.get(reverse("screening:stream_segments", args=[session.pk]) + "?after=0"))
    nothing_new = html(client.get(reverse("screening:stream_segments", args=[session.pk]) + "?after=0&x=1"))

    assert '<p id="no-segments" hx-swap-oob="delete"></p>' in news
    assert len(segment_ids(nothing_new)) == 1


def test_an_ended_stream_stops_the_poll(dashboard: tuple[Client, StreamSession]) -> None:
    client, session = dashboard
    streams.stream_end(actor=actor_for_system(session.marketplace), session_id=session.pk)

    page = html(client.get(reverse("screening:stream", args=[session.pk])))
    poll = html(client.get(reverse("screening:stream_segments", args=[session.pk]) + "?after=0"))

    for answer in (page, poll):
        assert 'data-status="ended"' in answer
        assert "hx-trigger" not in answer


@pytest.mark.parametrize("after", ["abc", "-1", "9" * 40, ""])
def test_a_poll_with_a_strange_after_starts_from_the_beginning(
    dashboard: tuple[Client, StreamSession], after: str
) -> None:
    client, session = dashboard
    pushed(session, FLAGGED)

    answer = client.get(reverse("screening:stream_segments", args=[session.pk]) + f"?after={after}")

    assert answer.status_code == 200
    assert len(segment_ids(html(answer))) == 1


def test_the_poll_reads_a_fixed_number_of_queries(
    dashboard: tuple[Client, StreamSession], django_assert_num_queries: Any
) -> None:
    """The person's session, user, device and membership, the stream, and its new segments with their alerts."""
    client, session = dashboard
    url = reverse("screening:stream_segments", args=[session.pk]) + "?after=0"
    pushed(session, FLAGGED)
    with django_assert_num_queries(6):
        client.get(url)
    pushed(session, *[streams.SegmentIn(id=f"m-{n}", start_ms=n, end_ms=n, text="AURORA 高仿") for n in range(10)])

    with django_assert_num_queries(6):
        assert len(segment_ids(html(client.get(url)))) == 11
