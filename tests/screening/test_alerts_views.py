"""The alert pages: who may open which (every organisation kind, in English and in Chinese), the queue's table with
the matched text highlighted and everything escaped, the alert with its flags, source and tuned weights, triage by
form with its errors on their fields and refusals that change nothing, and the notice sent from an alert through
the prefilled form and recorded on it."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.notices.models import Notice
from ipbridge.screening import alerts_services as services
from ipbridge.screening.alerts import alert_raise
from ipbridge.screening.models import Alert, RiskKeyword, StreamSegment, StreamSession
from tests.factories import MembershipFactory, enrol_two_factor, member, verified_client
from tests.screening.alert_factories import (
    TITLE,
    agent_for,
    alert_for,
    aurora_flags,
    keyword,
    keyword_flag,
    mark_flag,
    sharing_set,
)
from tests.screening.factories import Screening, aurora_right, screening_world

pytestmark = pytest.mark.django_db

QUEUE = "/screening/alerts/"


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    found = re.search(rf'data-field="{re.escape(field)}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return found.group(1)


def page_of(alert: Alert) -> str:
    return f"/screening/alerts/{alert.pk}/"


@pytest.fixture
def w() -> Screening:
    return screening_world()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_who_may_open_the_queue_and_an_alert(kind: str, language: str) -> None:
    w = screening_world()
    holder = w.holder.organisation
    alert = alert_for(w.marketplace, holder=holder)
    acting = {
        OrganisationKind.MARKETPLACE: w.megamart,
        OrganisationKind.RIGHT_HOLDER: w.holder,
        OrganisationKind.OPERATOR: w.operator,
        OrganisationKind.AGENT: agent_for(holder) if kind == OrganisationKind.AGENT else None,
    }.get(kind) or member(kind)
    client = verified_client(acting.user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}

    queue = client.get(QUEUE, **headers)
    detail = client.get(page_of(alert), **headers)

    readers = {
        OrganisationKind.MARKETPLACE,
        OrganisationKind.RIGHT_HOLDER,
        OrganisationKind.AGENT,
        OrganisationKind.OPERATOR,
    }
    if kind in readers:
        assert (queue.status_code, detail.status_code) == (200, 200)
        assert f'data-alert="{alert.pk}"' in html(queue)
        assert 'id="flags"' in html(detail)
    else:
        assert (queue.status_code, detail.status_code) == (403, 403)


def test_the_queue_highlights_the_matched_text_and_escapes_everything(w: Screening) -> None:
    title = '<b>x</b> AURORA "高仿" & co'
    flags = [mark_flag(aurora_right(), [w.holder.organisation], start=9), keyword_flag("高仿", start=17)]
    alert = alert_for(w.marketplace, flags=flags, title=title, shop_name="<i>Shop</i>")

    page = html(verified_client(w.megamart.user).get(QUEUE))

    row = page[page.index(f'data-alert="{alert.pk}"') :]
    row = row[: row.index("</tr>")]
    assert (
        '&lt;b&gt;x&lt;/b&gt; <mark class="px-0 flag-mark" data-detector="mark">AURORA</mark> '
        '&quot;<mark class="px-0 flag-risk_keyword" data-detector="risk_keyword">高仿</mark>&quot; &amp; co'
    ) in row
    assert "&lt;i&gt;Shop&lt;/i&gt;" in row
    assert "<b>" not in row
    assert "<i>" not in row
    assert ">Protected mark<" in row
    assert ">Risk keyword<" in row
    assert 'data-score="0.80"' in row


def test_the_queue_shows_counts_per_status_and_filters(w: Screening) -> None:
    holder = w.holder.organisation
    open_one = alert_for(w.marketplace, holder=holder)
    dismissed = alert_for(w.marketplace, holder=holder)
    services.alert_dismiss(actor=actor_for_system(w.marketplace), alert_id=dismissed.pk, reason="authorised")
    client = verified_client(w.megamart.user)

    everything = html(client.get(QUEUE))
    only_open = html(client.get(QUEUE, {"status": "open"}))
    bad = client.get(QUEUE, {"min_score": "7"})

    tabs = dict(re.findall(r'data-status="(\w+)">[^<]*<span class="badge[^"]*">(\d+)</span>', everything))
    assert tabs == {"all": "2", "open": "1", "confirmed": "0", "dismissed": "1"}
    assert f'data-alert="{open_one.pk}"' in only_open
    assert f'data-alert="{dismissed.pk}"' not in only_open
    assert bad.status_code == 200
    assert field_error(bad, "min_score") == "Ensure this value is less than or equal to 1."


def test_the_alert_page_explains_the_flags_and_shows_the_tuned_weights_to_the_marketplace_only(w: Screening) -> None:
    keyword(w.marketplace, "高仿", 0.4, tuned_weight=0.34, dismissed=1)
    alert = alert_for(w.marketplace, holder=w.holder.organisation)

    marketplace_page = html(verified_client(w.megamart.user).get(page_of(alert)))
    holder_page = html(verified_client(w.holder.user).get(page_of(alert)))

    for page in (marketplace_page, holder_page):
        assert "“AURORA” matches the mark AURORA (EM 018234567): exact." in html_lib.unescape(page)
        assert "“高仿” is in the risk-keyword catalogue." in html_lib.unescape(page)
    assert re.search(
        r'data-term="高仿"><td>高仿</td><td>0.40</td><td data-tuned>0.34</td><td>0</td><td>1</td>', marketplace_page
    )
    assert 'id="keywords"' not in holder_page
    assert 'id="confirm-form"' in marketplace_page
    assert 'id="dismiss-form"' in marketplace_page
    assert 'id="confirm-form"' not in holder_page
    assert 'id="awaiting"' in holder_page


def test_a_stream_alert_shows_the_moment_of_its_segment(w: Screening) -> None:
    session = StreamSession.objects.create(
        marketplace=w.marketplace, stream_ref="live-88", title="Beauty night", streamer="Lily"
    )
    segment = StreamSegment.objects.create(
        session=session, start_ms=754_300, end_ms=760_000, text="今晚 AURORA 高仿 口红", risk_score=0.8
    )
    flags = [mark_flag(aurora_right(), [w.holder.organisation], start=3, field="text")]
    alert = alert_raise(
        marketplace=w.marketplace, level="alert", risk_score=0.8, flags=flags, title=segment.text, segment=segment
    )

    page = html(verified_client(w.megamart.user).get(page_of(alert)))

    assert '<span class="font-monospace" id="alert-time-code">12:34</span>' in page
    assert "Live stream live-88" in page
    assert '今晚 <mark class="px-0 flag-mark" data-detector="mark">AURORA</mark> 高仿 口红' in page


# Triage by form -----------------------------------------------------------------------------------------------


def test_the_marketplace_confirms_by_form(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    client = verified_client(w.megamart.user)

    response = client.post(f"{page_of(alert)}confirm/", {"measure": "terminate_transactions", "note": "Done."})

    assert (response.status_code, response["Location"]) == (302, page_of(alert))
    alert.refresh_from_db()
    assert (alert.status, alert.measure, alert.note, alert.decided_by_id) == (
        "confirmed",
        "terminate_transactions",
        "Done.",
        w.megamart.user.pk,
    )
    page = html(client.get(page_of(alert)))
    assert '<dd id="decided-measure">Terminate transactions</dd>' in page
    assert 'id="confirm-form"' not in page


def test_the_marketplace_dismisses_by_form_and_the_holder_sees_the_reason_not_the_note(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)

    response = verified_client(w.megamart.user).post(
        f"{page_of(alert)}dismiss/", {"reason": "authorised", "note": "Listed in Aurora's sellers."}
    )

    assert response.status_code == 302
    holder_page = html(verified_client(w.holder.user).get(page_of(alert)))
    assert '<dd id="decided-reason">Authorised or genuine seller</dd>' in holder_page
    assert "Listed in Aurora" not in holder_page


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("confirm", {"measure": "burn"}, "measure"),
        ("confirm", {"measure": "delete", "note": "n" * 2001}, "note"),
        ("dismiss", {"reason": "other", "note": ""}, "note"),
        ("dismiss", {"reason": ""}, "reason"),
    ],
)
def test_a_bad_triage_form_shows_the_error_on_its_field_and_changes_nothing(
    w: Screening, action: str, data: dict[str, str], field: str
) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    client = verified_client(w.megamart.user)
    audit = AuditEvent.objects.count()

    response = client.post(f"{page_of(alert)}{action}/", data)

    assert response.status_code == 422
    assert field_error(response, field)
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert AuditEvent.objects.count() == audit


def test_deciding_a_decided_alert_says_it_is_final(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    services.alert_dismiss(actor=actor_for_system(w.marketplace), alert_id=alert.pk, reason="authorised")
    client = verified_client(w.megamart.user)

    response = client.post(f"{page_of(alert)}confirm/", {"measure": "delete"}, follow=True)

    assert "a decided alert is final" in html(response)
    assert Alert.objects.get(pk=alert.pk).status == "dismissed"


def test_who_may_not_triage_is_refused_and_nothing_changes(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    reviewer = MembershipFactory(role=Role.REVIEWER, organisation=w.marketplace)
    reviewer.user.active_organisation = w.marketplace
    reviewer.user.save(update_fields=["active_organisation"])
    enrol_two_factor(reviewer.user)
    clients = {
        "holder": verified_client(w.holder.user),
        "bazaar": verified_client(w.bazaar.user),
        "reviewer": verified_client(reviewer.user),
        "anonymous": Client(),
    }
    audit = AuditEvent.objects.count()

    answers = {
        name: client.post(
            f"{page_of(alert)}{'dismiss' if name == 'bazaar' else 'confirm'}/",
            {"measure": "delete", "reason": "authorised"},
        ).status_code
        for name, client in clients.items()
    }

    assert answers == {"holder": 403, "bazaar": 404, "reviewer": 403, "anonymous": 302}
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert AuditEvent.objects.count() == audit
    reviewer_page = html(clients["reviewer"].get(page_of(alert)))
    assert 'id="confirm-form"' not in reviewer_page


def test_an_alert_not_shared_is_not_found_for_the_right_holder(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    sharing_set(w.marketplace, False)

    assert verified_client(w.holder.user).get(page_of(alert)).status_code == 404
    assert f'data-alert="{alert.pk}"' not in html(verified_client(w.holder.user).get(QUEUE))


# A notice from the alert --------------------------------------------------------------------------------------


def _notice_button(page: str) -> str:
    found = re.search(r'href="([^"]+)" id="send-notice"', page)
    assert found is not None, "no notice button"
    return html_lib.unescape(found.group(1))


def test_the_right_holder_sends_a_notice_from_the_alert_and_it_is_recorded(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    client = verified_client(w.holder.user)

    link = _notice_button(html(client.get(page_of(alert))))
    compose = html(client.get(link))
    form: dict[str, Any] = {
        "rights": ["EM 018234567"],
        "items": re.search(r'name="items"[^>]*>([^<]*)</textarea>', compose).group(1),  # type: ignore[union-attr]
        "explanation": html_lib.unescape(
            re.search(r'name="explanation"[^>]*>([^<]*)</textarea>', compose).group(1)  # type: ignore[union-attr]
        ),
        "notifier_name": w.holder.user.full_name,
        "notifier_email": w.holder.user.email,
        "good_faith": "on",
        "action": "send",
        "idempotency_key": "from-alert",
    }
    sent = client.post(link, form)

    assert form["items"] == f"megamart https://megamart.example/item/L-1 {TITLE}"
    assert form["explanation"].splitlines()[1:] == [
        "- “AURORA” matches the mark AURORA (EM 018234567): exact.",
        "- “高仿” is in the risk-keyword catalogue.",
    ]
    notice = Notice.objects.get(sender=w.holder.organisation)
    assert sent.status_code == 302
    assert urlsplit(sent["Location"]).path == f"/notices/{notice.pk}/"
    alert.refresh_from_db()
    assert (alert.notice_id, alert.outcome) == (notice.pk, "notice")
    page = html(client.get(page_of(alert)))
    assert 'id="send-notice"' not in page
    assert f'href="/notices/{notice.pk}/"' in page
    marketplace_page = html(verified_client(w.megamart.user).get(page_of(alert)))
    assert "The right holder sent a notice from this alert." in marketplace_page


def test_a_notice_that_cannot_be_recorded_on_the_alert_is_still_sent_and_says_so(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    client = verified_client(w.holder.user)
    form = {
        "rights": ["EM 018234567"],
        "items": "little-bazaar https://bazaar.example/1",
        "explanation": "The listing sells counterfeit AURORA lipsticks.",
        "notifier_name": "A",
        "notifier_email": "a@aurora.example",
        "good_faith": "on",
        "action": "send",
        "idempotency_key": "elsewhere",
    }

    sent = client.post(f"/notices/new/?alert={alert.pk}", form, follow=True)

    assert Notice.objects.filter(sender=w.holder.organisation).count() == 1
    assert "not recorded on alert" in html(sent)
    assert Alert.objects.get(pk=alert.pk).notice_id is None


def test_only_those_holding_or_representing_the_mark_get_the_notice_button(w: Screening) -> None:
    holder = w.holder.organisation
    agent = agent_for(holder)
    alert = alert_for(w.marketplace, flags=aurora_flags(holder))
    keyword_only = alert_for(w.marketplace, flags=[keyword_flag()])

    def button(person: Any, target: Alert) -> bool:
        return 'id="send-notice"' in html(verified_client(person.user).get(page_of(target)))

    assert button(w.holder, alert)
    assert button(agent, alert)
    assert not button(w.megamart, alert)
    assert not button(w.operator, alert)
    assert not button(w.megamart, keyword_only)
    assert "on_behalf_of=aurora" in _notice_button(html(verified_client(agent.user).get(page_of(alert))))
    assert RiskKeyword.objects.count() == 0


def test_the_marketplace_watches_the_shop_of_an_alert_and_others_get_no_buttons(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation, category="Handbags")
    client = verified_client(w.megamart.user)
    page = html(client.get(page_of(alert)))
    buttons = ('id="watch-shop"', 'id="watch-product"', 'id="watch-same-type"')
    assert [button in page for button in buttons] == [True, True, True]
    assert 'id="watch-card"' not in html(verified_client(w.holder.user).get(page_of(alert)))
    assert 'id="watch-card"' not in html(verified_client(w.operator.user).get(page_of(alert)))

    response = client.post(f"{page_of(alert)}watch/", {"kind": "shop"})

    assert (response.status_code, response["Location"]) == (302, page_of(alert))
    watch = w.marketplace.watches.get()
    assert (watch.kind, watch.shop_id, watch.source_alert_id, watch.active) == ("shop", "shop-9", alert.pk, True)
