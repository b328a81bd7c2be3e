"""The scan and settings pages, in English and Chinese: who may open which, a new scan from pasted lines or a file
followed to its flagged listings with what matched marked (and everything else escaped), the progress block the page
polls while a scan runs, filters, and the settings forms with their refusals shown on their fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.screening import scans
from ipbridge.screening.models import Alert, GIProducer, RiskKeyword, Scan, ScreeningSettings
from ipbridge.screening.settings_selectors import indications
from tests.factories import member, verified_client
from tests.screening.factories import (
    holder_member,
    innocent,
    listing,
    marketplace_member,
    scanned,
    screening_world,
    thresholds_set,
)

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]
MARKETPLACE = OrganisationKind.MARKETPLACE
OPERATOR = OrganisationKind.OPERATOR


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    found = re.search(rf'data-field="{re.escape(field)}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return unescape(found.group(1))


def row_of(page: str, attribute: str) -> str:
    found = re.search(rf"<tr {attribute}.*?</tr>", page, re.S)
    assert found is not None, attribute
    return found.group(0)


# Who may open which page ------------------------------------------------------------------------------------------

PAGES = {
    "scans": ("/screening/scans/", (MARKETPLACE, OPERATOR)),
    "new scan": ("/screening/scans/new/", (MARKETPLACE,)),
    "scan": ("/screening/scans/{scan}/", (MARKETPLACE, OPERATOR)),
    "progress": ("/screening/scans/{scan}/progress/", (MARKETPLACE, OPERATOR)),
    "settings": ("/screening/settings/", (MARKETPLACE,)),
}


def acting_with_scan(kind: str, role: str) -> tuple[Membership, int]:
    """A person of ``kind`` and ``role``, and a scan of MegaMart (theirs when they are a marketplace)."""
    holder_member()
    if kind == MARKETPLACE:
        person = marketplace_member(role=role)
    else:
        person = member(kind, role, verification_status="verified")
        marketplace_member()
    scan = scanned(person.organisation if kind == MARKETPLACE else _megamart(), [listing()]).scan
    return person, scan.pk


def _megamart() -> Organisation:
    return Organisation.objects.get(slug="megamart")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(kind: str, role: str, language: str) -> None:
    person, scan_id = acting_with_scan(kind, role)
    client = verified_client(person.user)
    if language != "en":
        client.post("/accounts/language/", {"language": language, "next": "/dashboard/"})

    answers = {name: client.get(path.format(scan=scan_id)) for name, (path, _kinds) in PAGES.items()}

    assert {name: r.status_code for name, r in answers.items()} == {
        name: 200 if kind in kinds else 403 for name, (_path, kinds) in PAGES.items()
    }
    for name, response in answers.items():
        if name != "progress":
            assert f'<html lang="{language}">' in html(response), name
    writes = kind == MARKETPLACE and role != Role.REVIEWER
    if kind == MARKETPLACE:
        assert ('id="new-scan"' in html(answers["scans"])) == writes
        assert ('id="scan-form"' in html(answers["new scan"])) == writes
        assert ('id="thresholds-form"' in html(answers["settings"])) == writes
        assert ('id="keyword-form"' in html(answers["settings"])) == writes
        assert ('id="read-only"' in html(answers["settings"])) == (not writes)
        tabs = re.findall(r'id="screening-nav-(\w+)"', html(answers["scans"]))
        assert tabs == ["scans", "alerts", "streams", "monitoring", "trends", "settings"]
    if answers["scan"].status_code == 200:
        assert 'data-item="L-1"' in html(answers["scan"])
    if kind == OPERATOR:
        tabs = re.findall(r'id="screening-nav-(\w+)"', html(answers["scans"]))
        assert tabs == ["scans", "alerts", "streams", "trends"]
        assert "MegaMart" in html(answers["scans"])


def test_another_marketplaces_scan_is_not_found() -> None:
    w = screening_world()
    scan = scanned(w.bazaar.organisation, [listing()]).scan
    client = verified_client(w.megamart.user)

    answers = [client.get(f"/screening/scans/{scan.pk}/"), client.get(f"/screening/scans/{scan.pk}/progress/")]

    assert [a.status_code for a in answers] == [404, 404]


# Scans -------------------------------------------------------------------------------------------------------------


def test_a_marketplace_pastes_listings_and_follows_the_scan_to_its_flagged_listings(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    w = screening_world()
    thresholds_set(w.marketplace, alert=0.3, hold=1.0)
    client = verified_client(w.megamart.user)
    lines = "\n".join(
        [
            '{"id": "L-1", "title": "AURORA <b>lipstick</b> 高仿", "shop_name": "AURORA <i>outlet</i>", '
            '"price": "9.90", "currency": "EUR"}',
            '{"id": "L-2", "title": "Plain towel"}',
            '{"id": "L-3", "title": ""}',
        ]
    )

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/screening/scans/new/", {"lines": lines})
    scan = Scan.objects.get()
    page = client.get(sent["Location"])

    assert sent.status_code == 302
    assert sent["Location"] == f"/screening/scans/{scan.pk}/"
    content = html(page)
    assert 'data-status="done"' in content
    assert "hx-get" not in content
    row = row_of(content, 'data-item="L-1"')
    assert (
        '<mark class="px-0 flag-mark" data-detector="mark">AURORA</mark> &lt;b&gt;lipstick&lt;/b&gt; '
        '<mark class="px-0 flag-risk_keyword" data-detector="risk_keyword">高仿</mark>'
    ) in row
    assert '<mark class="px-0 flag-shop_name" data-detector="shop_name">AURORA</mark> &lt;i&gt;outlet&lt;/i&gt;' in row
    assert "<b>" not in row
    assert "<i>" not in row
    assert "9.90 EUR" in row
    assert "is in the risk-keyword catalogue." in row
    alert = Alert.objects.get()
    assert f'data-alert="{alert.pk}"' in row
    assert 'data-item="L-2"' not in content
    assert re.search(r'<tr data-line="3"><td>3</td><td><code>L-3</code></td><td><code>title</code></td>', content)


def test_a_file_upload_starts_a_scan_and_a_refused_file_is_shown_on_its_field() -> None:
    w = screening_world()
    client = verified_client(w.megamart.user)

    refused = client.post("/screening/scans/new/", {"file": SimpleUploadedFile("a.csv", b"sku,name\n1,x\n")})
    neither = client.post("/screening/scans/new/", {})
    sent = client.post("/screening/scans/new/", {"file": SimpleUploadedFile("a.csv", b"id,title\nL-1,AURORA\n")})

    assert refused.status_code == 422
    assert field_error(refused, "file").startswith("A CSV file's first line must name its columns")
    assert field_error(neither, "file") == "Choose a file of listings, or paste JSON lines."
    assert sent.status_code == 302
    assert Scan.objects.get().file_name == "a.csv"


def test_the_progress_block_is_polled_while_the_scan_runs_and_reloads_the_page_when_it_ends(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = screening_world()
    monkeypatch.setattr(scans, "CHUNK_SIZE", 1)
    client = verified_client(w.megamart.user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/screening/scans/new/", {"lines": '{"id": "1", "title": "AURORA"}\n{"id": "2", "title": "x"}'})
    scan = Scan.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        scans.scan_prepare(scan_id=scan.pk)
    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_chunk_run(scan_id=scan.pk, number=1)

    running = client.get(f"/screening/scans/{scan.pk}/")
    polled = client.get(f"/screening/scans/{scan.pk}/progress/", HTTP_HX_REQUEST="true")
    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_chunk_run(scan_id=scan.pk, number=2)
    finished = client.get(f"/screening/scans/{scan.pk}/progress/", HTTP_HX_REQUEST="true")

    assert f'hx-get="/screening/scans/{scan.pk}/progress/"' in html(running)
    assert 'value="50"' in html(running)
    assert "1 of 2 listings" in html(polled)
    assert "HX-Refresh" not in polled
    assert 'data-status="done"' in html(finished)
    assert "hx-get" not in html(finished)
    assert finished["HX-Refresh"] == "true"


def test_flagged_listings_are_filtered_by_score_and_detector_and_a_bad_filter_is_shown() -> None:
    w = screening_world()
    scan = scanned(w.marketplace, [listing(id="L-1"), listing(id="L-2", title="Towel replica"), innocent()]).scan
    client = verified_client(w.megamart.user)
    page = f"/screening/scans/{scan.pk}/"

    marks = html(client.get(f"{page}?detector=mark"))
    keywords = html(client.get(f"{page}?detector=risk_keyword"))
    bad = client.get(f"{page}?min_score=7&detector=magic")

    assert re.findall(r'data-item="([^"]+)"', marks) == ["L-1"]
    assert sorted(re.findall(r'data-item="([^"]+)"', keywords)) == ["L-1", "L-2"]
    assert bad.status_code == 422
    assert field_error(bad, "min_score") == "Ensure this value is less than or equal to 1."
    assert field_error(bad, "detector").startswith("Select a valid choice.")


def test_the_scans_list_shows_each_scan_with_its_counts() -> None:
    w = screening_world()
    scan = scanned(w.marketplace, [listing(), innocent(), {"id": "x"}]).scan
    scanned(w.bazaar.organisation, [listing()])

    page = html(verified_client(w.megamart.user).get("/screening/scans/"))

    assert re.findall(r'data-scan="(\d+)"', page) == [str(scan.pk)]
    row = row_of(page, f'data-scan="{scan.pk}"')
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["3", "1", "1", str(scan.alerts_raised)]


# Settings ----------------------------------------------------------------------------------------------------------


def test_a_marketplace_changes_its_thresholds_and_a_refusal_is_shown_on_its_field() -> None:
    w = screening_world()
    client = verified_client(w.megamart.user)

    refused = client.post(
        "/screening/settings/thresholds/", {"alert_threshold": "0.7", "hold_threshold": "0.6", "lookalikes": "on"}
    )
    saved = client.post(
        "/screening/settings/thresholds/",
        {"alert_threshold": "0.4", "hold_threshold": "0.9", "share_with_right_holders": "on"},
    )
    page = html(client.get("/screening/settings/"))

    assert refused.status_code == 422
    assert field_error(refused, "hold_threshold") == (
        "The hold-for-review threshold must be at least the alert threshold (0.7)."
    )
    assert 'value="0.7"' in html(refused)
    assert saved.status_code == 302
    settings = ScreeningSettings.objects.get()
    assert (settings.alert_threshold, settings.hold_threshold, settings.lookalikes) == (0.4, 0.9, False)
    assert (settings.share_with_right_holders, settings.catalogue_version) == (True, 1)
    assert "Screening settings saved." in page
    assert re.search(r'name="alert_threshold" id="id_alert_threshold"[^>]*value="0.4"', page)


def test_a_marketplace_adds_weighs_disables_and_removes_a_risk_keyword() -> None:
    w = screening_world()
    client = verified_client(w.megamart.user)

    duplicate = client.post("/screening/settings/keywords/", {"term": "REPLICA", "weight": "0.5"})
    bad_weight = client.post("/screening/settings/keywords/", {"term": "overrun", "weight": "2"})
    added = client.post("/screening/settings/keywords/", {"term": "贴牌货", "language": "zh", "weight": "0.6"})
    keyword = RiskKeyword.objects.get(term="贴牌货")
    weighed = client.post(f"/screening/settings/keywords/{keyword.pk}/", {"weight": "0.8"})
    wrong = client.post(f"/screening/settings/keywords/{keyword.pk}/", {"weight": "0"})
    disabled = client.post(f"/screening/settings/keywords/{keyword.pk}/", {"enabled": "0"})
    listed = html(client.get("/screening/settings/?q=贴牌"))
    removed = client.post(f"/screening/settings/keywords/{keyword.pk}/remove/")

    assert (duplicate.status_code, bad_weight.status_code) == (422, 422)
    assert field_error(duplicate, "term").startswith("“REPLICA” is already in your catalogue")
    assert field_error(bad_weight, "weight") == "Give a number more than 0 and at most 1, such as 0.5."
    assert [r.status_code for r in (added, weighed, disabled, removed)] == [302] * 4
    assert wrong.status_code == 422
    assert f'data-keyword="{keyword.pk}"' in html(wrong)
    assert "Give a number more than 0 and at most 1, such as 0.5." in html(wrong)
    row = row_of(listed, f'data-keyword="{keyword.pk}"')
    assert 'data-enabled="false"' in row
    assert 'value="0.8"' in row
    assert re.findall(r'data-term="([^"]+)"', listed) == ["贴牌货"]
    assert not RiskKeyword.objects.filter(pk=keyword.pk).exists()
    assert ScreeningSettings.objects.get().catalogue_version == 4


def test_the_catalogue_shows_tuned_weights_and_triage_counts() -> None:
    w = screening_world()
    client = verified_client(w.megamart.user)
    client.get("/screening/settings/")
    RiskKeyword.objects.filter(marketplace=w.marketplace, term_key="replica").update(
        tuned_weight=0.25, confirmed=3, dismissed=9
    )

    page = html(client.get("/screening/settings/?q=replica"))

    row = row_of(page, r'data-keyword="\d+" data-term="replica"')
    assert '<span class="tuned">0.25</span>' in row
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["3", "9"]


def test_a_marketplace_names_and_removes_a_producer_of_a_geographical_indication() -> None:
    w = screening_world()
    client = verified_client(w.megamart.user)
    name = indications().values_list("name", flat=True).first()

    added = client.post("/screening/settings/gi-producers/", {"indication": name, "shop_id": "tea-1"})
    again = client.post("/screening/settings/gi-producers/", {"indication": name, "shop_id": "tea-1"})
    producer = GIProducer.objects.get()
    page = html(client.get("/screening/settings/"))
    removed = client.post(f"/screening/settings/gi-producers/{producer.pk}/remove/")

    assert added.status_code == 302
    assert again.status_code == 422
    assert field_error(again, "shop_id").startswith("Shop tea-1 is already a producer of")
    assert f'data-producer="{producer.pk}"' in page
    assert removed.status_code == 302
    assert not GIProducer.objects.exists()


def test_a_reviewer_reads_the_settings_without_forms() -> None:
    w = screening_world()
    reviewer = marketplace_member(role=Role.REVIEWER, slug="megamart-2", name="MegaMart reviewers")

    page = html(verified_client(reviewer.user).get("/screening/settings/"))

    assert 'id="thresholds-read"' in page
    assert 'id="keyword-form"' not in page
    assert 'class="d-inline keyword-remove"' not in page
    assert w.marketplace.slug == "megamart"
