"""The evidence pages: who may open and do what (every page and action against every organisation kind and role),
refusals that change nothing (rows, audit and the log's size), another organisation's item not found, the add
form's errors on their fields, the chain of custody and the proof as the item page shows them, packages exported
and verified, the case page's evidence for every party, the public package check and the log's state for
operators."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.engine import evidence_package
from ipbridge.evidence import log, services
from ipbridge.evidence.models import CaseEvidence, CustodyEvent, Evidence, EvidenceShare, LogCheckRun, LogLeaf, TreeHead
from ipbridge.identity.signing import published_jwks
from ipbridge.notices.models import Case
from tests.evidence.factories import PNG, TEXT, attached, case_between, file_added, shared, text_added
from tests.factories import OrganisationFactory, member, verified_client

pytestmark = pytest.mark.django_db

ADDERS = {
    OrganisationKind.RIGHT_HOLDER,
    OrganisationKind.AGENT,
    OrganisationKind.MARKETPLACE,
    OrganisationKind.MERCHANT,
    OrganisationKind.MEDIATOR,
}
WRITERS = {Role.ADMIN, Role.MEMBER}
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"PE\x00\x00"


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    """The error text shown under a form field."""
    found = re.search(rf'data-field="{re.escape(field)}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return found.group(1)


def field_errors(response: Any) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]+)">([^<]*)<', html(response)))


def alerts(response: Any) -> list[str]:
    return re.findall(r'<div class="alert alert-\w+" role="alert"[^>]*>([^<]*)</div>', html(response))


def state() -> dict[str, Any]:
    return {
        "items": Evidence.objects.count(),
        "custody": CustodyEvent.objects.count(),
        "shares": sorted(EvidenceShare.objects.values_list("evidence_id", "organisation_id", "revoked_at")),
        "case_links": CaseEvidence.objects.count(),
        "log": log.log_size(),
        "audit": AuditEvent.objects.count(),
        "log_checks": LogCheckRun.objects.count(),
    }


def png_file(name: str = "listing.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def report_of(content: bytes) -> evidence_package.PackageReport:
    return evidence_package.package_verify(io.BytesIO(content), keys=published_jwks())


def tampered(package: bytes, entry: str) -> bytes:
    """The package with one byte of ``entry`` changed, every other entry as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == entry:
                data = bytes([data[0] ^ 1]) + data[1:]
            target.writestr(info, data)
    return out.getvalue()


def custody_rows(response: Any) -> list[tuple[str, str, str, str, str]]:
    """(action, organisation, actor, leaf, details) of each step of the chain of custody, in order."""
    rows = []
    for block in re.findall(r'<li class="list-group-item d-flex gap-2 custody-event"(.*?)</li>', html(response), re.S):
        details = re.search(r'custody-details">(.*?)</div>', block, re.S)
        rows.append(
            (
                re.search(r'custody-action">([^<]*)<', block).group(1),  # type: ignore[union-attr]
                re.search(r'custody-organisation">([^<]*)<', block).group(1),  # type: ignore[union-attr]
                re.search(r'custody-actor text-break">([^<]*)<', block).group(1),  # type: ignore[union-attr]
                re.search(r'custody-leaf">([^<]*)<', block).group(1),  # type: ignore[union-attr]
                re.sub(r"<[^>]+>", "", details.group(1)).strip() if details else "",
            )
        )
    return rows


# Who may open which page ------------------------------------------------------------------------------------------


def acting_with_item(kind: str, role: str) -> tuple[Membership, Evidence]:
    """A person of ``kind`` and ``role`` and an item they may see: their own for the kinds that add evidence, one
    shared with them for authorities, another's for operators (who see every item)."""
    person = member(kind=kind, role=role, verification_status="verified")
    if kind in ADDERS:
        return person, file_added(person.organisation)
    item = file_added(OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER))
    if kind == OrganisationKind.AUTHORITY:
        shared(item, person.organisation)
    return person, item


@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(kind: str, role: str) -> None:
    person, item = acting_with_item(kind, role)
    hidden = file_added(OrganisationFactory(kind=OrganisationKind.MERCHANT))
    client = verified_client(person.user)

    listing = client.get("/evidence/")
    adding = client.get("/evidence/new/")
    detail = client.get(f"/evidence/{item.pk}/")
    other = client.get(f"/evidence/{hidden.pk}/")
    log_page = client.get("/evidence/log/")
    verify = client.get("/evidence/verify/")

    adds = kind in ADDERS and role in WRITERS
    assert listing.status_code == 200
    assert f'data-evidence="{item.pk}"' in html(listing)
    assert ('id="add-evidence"' in html(listing)) == adds
    if kind in ADDERS:
        assert adding.status_code == 200
        assert ('id="evidence-form"' in html(adding), 'id="read-only"' in html(adding)) == (adds, not adds)
    else:
        assert (adding.status_code, alerts(adding)) == (
            403,
            ["This page is for these organisations: Right holder, Agent, Marketplace, Merchant, Mediator."],
        )
    assert detail.status_code == 200
    assert ('id="attach-form"' in html(detail) or 'id="no-case-to-attach"' in html(detail)) == adds
    assert ('id="share-form"' in html(detail)) == adds
    assert 'id="export-form"' in html(detail)
    assert other.status_code == (200 if kind == OrganisationKind.OPERATOR else 404)
    assert log_page.status_code == (200 if kind == OrganisationKind.OPERATOR else 403)
    assert ('id="log-check-form"' in html(log_page)) == (kind == OrganisationKind.OPERATOR and role in WRITERS)
    assert verify.status_code == 200


@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_the_menu_has_evidence_for_every_kind_and_the_log_for_operators_only(kind: str) -> None:
    person = member(kind=kind, role=Role.REVIEWER)

    content = html(verified_client(person.user).get("/dashboard/"))

    menu = re.findall(r'class="nav-link[^"]*" href="(/evidence/[^"]*)">([^<]+)<', content)
    expected = [("/evidence/", "Evidence")]
    if kind == OrganisationKind.OPERATOR:
        expected.append(("/evidence/log/", "Evidence log"))
    assert menu == expected
    assert 'href="/evidence/verify/" id="footer-evidence-verify"' in content


def test_the_home_page_links_the_public_package_check() -> None:
    content = html(Client().get("/"))

    assert 'href="/evidence/verify/" id="home-evidence-verify"' in content


@pytest.mark.parametrize(
    ("method", "page"),
    [
        ("get", "/evidence/"),
        ("get", "/evidence/new/"),
        ("post", "/evidence/new/"),
        ("get", "/evidence/1/"),
        ("get", "/evidence/1/content/"),
        ("post", "/evidence/export/"),
        ("post", "/evidence/attach/"),
        ("post", "/evidence/1/share/"),
        ("post", "/evidence/1/unshare/"),
        ("get", "/evidence/log/"),
        ("post", "/evidence/log/check/"),
    ],
)
def test_pages_send_anonymous_visitors_to_login(method: str, page: str) -> None:
    response = getattr(Client(), method)(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Who may do what --------------------------------------------------------------------------------------------------


def _parties(kind: str, organisation: Organisation) -> Case:
    """A case the organisation is a party of, when its kind is ever one; else a case of others."""
    sides = {
        OrganisationKind.RIGHT_HOLDER: "sender",
        OrganisationKind.MARKETPLACE: "marketplace",
        OrganisationKind.MERCHANT: "merchant",
    }
    side = sides.get(kind)  # type: ignore[call-overload]
    return case_between(**({side: organisation} if side else {})).case


ACTIONS = {
    "add": ("post", "/evidence/new/", {"name": "Chat with the seller", "text": TEXT}),
    "attach": ("post", "/evidence/attach/", {"evidence": "{item}", "case": "{case}"}),
    "share": ("post", "/evidence/{item}/share/", {"organisation": "{authority}"}),
    "end sharing": ("post", "/evidence/{item}/unshare/", {"organisation": "{mediator}"}),
    "download": ("get", "/evidence/{item}/content/", {}),
    "export": ("post", "/evidence/export/", {"ids": "{item}"}),
    "check the log": ("post", "/evidence/log/check/", {}),
}


def expected_status(action: str, kind: str, role: str) -> int:
    if action in ("download", "export"):
        return 200  # every member who sees an item may read it and export it
    if action == "check the log":
        return 302 if kind == OrganisationKind.OPERATOR and role in WRITERS else 403
    if kind not in ADDERS or role not in WRITERS:
        return 403
    if action == "attach" and kind in (OrganisationKind.AGENT, OrganisationKind.MEDIATOR):
        return 404  # the case is not one of theirs
    return 302


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_action_answers_every_kind_and_role_as_designed_and_a_refusal_changes_nothing(
    action: str, role: str, kind: str
) -> None:
    person, item = acting_with_item(kind, role)
    case = _parties(kind, person.organisation)
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY)
    mediator = OrganisationFactory(kind=OrganisationKind.MEDIATOR)
    shared(item, mediator)
    method, path, data = ACTIONS[action]
    values = {"item": item.pk, "case": case.pk, "authority": authority.slug, "mediator": mediator.slug}
    client = verified_client(person.user)
    before = state()

    response = getattr(client, method)(path.format(**values), {k: v.format(**values) for k, v in data.items()})

    expected = expected_status(action, kind, role)
    assert response.status_code == expected
    if expected == 403:
        message = {
            "check the log": "This page is for these organisations: Operator."
            if kind != OrganisationKind.OPERATOR
            else "This action needs the “evidence:write” permission, which you do not have here.",
        }.get(
            action,
            "This page is for these organisations: Right holder, Agent, Marketplace, Merchant, Mediator."
            if kind not in ADDERS
            else "This action needs the “evidence:write” permission, which you do not have here.",
        )
        assert alerts(response) == [message]
    if expected in (403, 404):
        assert state() == before
    else:
        assert state() != before


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/evidence/{item}/", {}),
        ("get", "/evidence/{item}/content/", {}),
        ("post", "/evidence/export/", {"ids": "{item}"}),
        ("post", "/evidence/attach/", {"evidence": "{item}", "case": "{case}"}),
        ("post", "/evidence/{item}/share/", {"organisation": "{authority}"}),
        ("post", "/evidence/{item}/unshare/", {"organisation": "{authority}"}),
    ],
)
def test_another_organisations_item_is_not_found_and_stays_as_it_was(method: str, path: str, data: Any) -> None:
    parties = case_between()
    theirs = file_added(parties.sender)
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY)
    shared(theirs, authority)
    stranger = member(kind=OrganisationKind.RIGHT_HOLDER)
    values = {"item": theirs.pk, "case": parties.case.pk, "authority": authority.slug}
    client = verified_client(stranger.user)
    before = state()

    response = getattr(client, method)(path.format(**values), {k: v.format(**values) for k, v in data.items()})

    assert response.status_code == 404
    assert state() == before
    listing = html(client.get("/evidence/"))
    assert f'data-evidence="{theirs.pk}"' not in listing


def test_a_party_who_sees_an_item_may_not_share_or_attach_it_and_nothing_changes() -> None:
    parties = case_between()
    item = file_added(parties.sender)
    attached(item, parties.case)
    marketplace = member(kind=OrganisationKind.MARKETPLACE)
    marketplace.organisation = parties.marketplace
    marketplace.save()
    marketplace.user.active_organisation = parties.marketplace
    marketplace.user.save()
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY)
    other_case = case_between(marketplace=parties.marketplace, number="018000002").case
    client = verified_client(marketplace.user)
    before = state()

    page = html(client.get(f"/evidence/{item.pk}/"))
    responses = [
        client.post(f"/evidence/{item.pk}/share/", {"organisation": authority.slug}),
        client.post("/evidence/attach/", {"evidence": item.pk, "case": other_case.pk}),
    ]

    assert ('id="share-form"' in page, 'id="attach-form"' in page, 'id="shares"' in page) == (False, False, False)
    assert [(r.status_code, alerts(r)) for r in responses] == [
        (403, ["Only the organisation that added this evidence may do this."])
    ] * 2
    assert state() == before


# Adding evidence -----------------------------------------------------------------------------------------------


def test_a_screenshot_is_added_with_where_and_when_and_its_page_shows_it() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER, name="Aurora Cosmetics S.A.")
    holder.user.time_zone = "Asia/Shanghai"
    holder.user.save()
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="megamart", name="MegaMart")
    client = verified_client(holder.user)

    form = html(client.get("/evidence/new/"))
    response = client.post(
        "/evidence/new/",
        {
            "file": png_file("aurora-listing.png"),
            "captured_url": "https://megamart.example/item/1",
            "marketplace": "megamart",
            "listing_id": "MM-1",
            "observed_at": "2026-03-01T10:00",
            "notes": "Seen on the listing page.",
        },
    )

    item = Evidence.objects.get()
    assert "When you saw it, in your time zone (Asia/Shanghai)." in form
    assert 'type="datetime-local"' in form
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/{item.pk}/"
    assert (item.name, item.kind, item.content_type, item.size) == ("aurora-listing.png", "file", "image/png", len(PNG))
    assert (item.captured_url, item.marketplace.slug, item.listing_id) == (  # type: ignore[union-attr]
        "https://megamart.example/item/1",
        "megamart",
        "MM-1",
    )
    assert item.observed_at == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    page = client.get(response["Location"])
    assert alerts(page) == [f"Evidence added and recorded in the log as leaf 0. SHA-256: {item.sha256}"]
    content = html(page)
    assert f'<code class="user-select-all text-break fs-6" id="sha256">{item.sha256}</code>' in content
    assert '<td id="observed-at">2026-03-01 02:00:00</td>' in content
    assert 'data-where="marketplace">MegaMart · listing MM-1<' in content
    listing = html(client.get("/evidence/"))
    assert (
        f'<code class="text-nowrap" title="{item.sha256}" data-sha256="{item.sha256}">{item.sha256[:12]}…</code>'
        in (listing)
    )


def test_a_text_is_added_and_downloaded_as_it_was_written() -> None:
    holder = member(kind=OrganisationKind.MERCHANT)
    client = verified_client(holder.user)

    client.post("/evidence/new/", {"name": "Chat with the buyer", "text": "Line one\r\nLine two", "stream_id": ""})
    item = Evidence.objects.get()
    download = client.get(f"/evidence/{item.pk}/content/")

    assert (item.kind, item.content_type, item.name) == ("text", "text/plain", "Chat with the buyer")
    assert b"".join(download.streaming_content) == b"Line one\nLine two"  # type: ignore[attr-defined]
    assert download["Content-Disposition"] == 'attachment; filename="Chat with the buyer"'
    assert list(CustodyEvent.objects.filter(evidence=item).values_list("action", flat=True)) == ["added", "viewed"]


NOT_A_WEB_ADDRESS = "Enter a web address starting with http:// or https://."
NOT_EVIDENCE = (
    "Evidence can be a picture, a PDF, a video or sound recording, a page capture, a ZIP archive or text; this file "
    "is none of them."
)
NEITHER = "Send a file or write the text of the evidence."


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"text": TEXT, "name": "x", "captured_url": "megamart.example/item"}, "captured_url", NOT_A_WEB_ADDRESS),
        ({"text": TEXT, "name": "x", "captured_url": "javascript:alert(1)"}, "captured_url", NOT_A_WEB_ADDRESS),
        (
            {"text": TEXT, "name": "x", "stream_id": "live-88", "time_code": "1:2:3"},
            "time_code",
            "Write the time code as HH:MM:SS, e.g. 01:02:03.",
        ),
        (
            {"text": TEXT, "name": "x", "time_code": "00:12:30"},
            "stream_id",
            "Name the live stream this time code is in.",
        ),
        ({"text": TEXT, "name": "x", "file": "png"}, "text", "Send a file or a text, not both."),
        ({"name": "x"}, "file", NEITHER),
        ({"name": "x", "text": "   "}, "file", NEITHER),
        ({"file": "empty"}, "file", "The file is empty."),
        ({"file": "elf"}, "file", NOT_EVIDENCE),
        ({"file": "exe"}, "file", NOT_EVIDENCE),
        ({"text": TEXT}, "name", "This field is required."),
        (
            {"text": TEXT, "name": "x", "marketplace": "nowhere"},
            "marketplace",
            "Select a valid choice. nowhere is not one of the available choices.",
        ),
        ({"text": TEXT, "name": "x", "observed_at": "yesterday"}, "observed_at", "Enter a valid date/time."),
        (
            {"text": TEXT, "name": "x", "observed_at": "2999-01-01T00:00"},
            "observed_at",
            "The capture cannot be later than now.",
        ),
    ],
)
def test_a_wrong_add_is_shown_on_its_field_and_stores_nothing(data: dict[str, str], field: str, error: str) -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    files = {
        "png": png_file(),
        "empty": SimpleUploadedFile("empty.png", b""),
        "elf": SimpleUploadedFile("photo.png", ELF, content_type="image/png"),
        "exe": SimpleUploadedFile("invoice.pdf", EXE, content_type="application/pdf"),
    }
    posted = {k: files[v] if k == "file" else v for k, v in data.items()}
    client = verified_client(holder.user)
    before = state()

    response = client.post("/evidence/new/", posted)

    assert response.status_code == 200
    assert field_errors(response) == {field: error}
    assert 'id="evidence-form"' in html(response)
    assert state() == before


# One item: the chain of custody and the proof ----------------------------------------------------------------------


def test_the_chain_of_custody_shows_every_step_in_order_with_its_case_organisation_and_package() -> None:
    parties = case_between()
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    holder.organisation = parties.sender
    holder.save()
    holder.user.active_organisation = parties.sender
    holder.user.save()
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY, name="深圳市市场监督管理局", slug="sz-amr")
    client = verified_client(holder.user)
    client.post("/evidence/new/", {"name": "Chat", "text": TEXT})
    item = Evidence.objects.get()
    email = holder.user.email

    client.get(f"/evidence/{item.pk}/content/")
    attach = client.post("/evidence/attach/", {"evidence": item.pk, "case": parties.case.pk})
    share = client.post(f"/evidence/{item.pk}/share/", {"organisation": "sz-amr"})
    shared_page = html(client.get(f"/evidence/{item.pk}/"))
    unshare = client.post(f"/evidence/{item.pk}/unshare/", {"organisation": "sz-amr"})
    export = client.post("/evidence/export/", {"ids": [item.pk]})
    page = client.get(f"/evidence/{item.pk}/")

    assert [r.status_code for r in (attach, share, unshare, export)] == [302, 302, 302, 200]
    assert 'data-share="sz-amr"' in shared_page
    name = parties.sender.name
    assert custody_rows(page) == [
        ("Added", name, email, "1", ""),
        ("Viewed", name, email, "2", ""),
        ("Attached to a case", name, email, "3", f"Case #{parties.case.pk}"),
        ("Shared", name, email, "4", "With 深圳市市场监督管理局"),
        ("Sharing ended", name, email, "5", "With 深圳市市场监督管理局"),
        ("Exported", name, email, "6", "In a package of 1 item"),
    ]
    assert f'<a href="/cases/{parties.case.pk}/">Case #{parties.case.pk}</a>' in html(page)
    assert html(page).count('data-proved="true"') == 6
    assert 'data-share="sz-amr"' not in html(page)
    assert authority.pk not in EvidenceShare.objects.filter(revoked_at=None).values_list("organisation_id", flat=True)


def test_whoever_is_no_party_of_the_case_learns_that_the_item_went_to_a_case_but_not_to_which() -> None:
    parties = case_between()
    item = file_added(parties.sender)
    attached(item, parties.case)
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY, name="Customs")
    shared(item, authority)

    page = _acting_for(authority).get(f"/evidence/{item.pk}/")

    assert [(action, details) for action, _org, _actor, _leaf, details in custody_rows(page)] == [
        ("Added", ""),
        ("Attached to a case", "A case you are not a party of"),
        ("Shared", "With Customs"),
    ]
    assert f"/cases/{parties.case.pk}/" not in html(page)
    assert f"Case #{parties.case.pk}" not in html(page)


def test_the_proof_is_checked_against_the_signed_tree_head_and_a_tampered_leaf_is_not_proven() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    item = file_added(holder.organisation)
    text_added(holder.organisation)
    client = verified_client(holder.user)

    page = html(client.get(f"/evidence/{item.pk}/"))

    head = TreeHead.objects.get()
    assert head.size == 4
    assert '<span class="badge text-bg-success fs-6" id="proof-verdict" data-checked="true">' in page
    assert "Included in the log — proof checked" in page
    assert '<dd class="col-sm-9" id="proof-leaf-index">0</dd>' in page
    assert f'id="tree-root">{bytes(head.root).hex()}</code>' in page
    assert f'<code id="tree-kid">{head.kid}</code>' in page
    assert len(re.findall(r'<li><code class="text-break">[0-9a-f]{64}</code></li>', page)) == 2
    assert f"ipbridge evidence verify evidence-{item.pk}.zip" in page

    LogLeaf.objects.filter(index=item.leaf_index).update(data=b'{"tampered":true}')
    tampered_page = html(client.get(f"/evidence/{item.pk}/"))

    assert 'id="proof-verdict" data-checked="false">Not proven — the proof does not check out<' in tampered_page
    assert "Included in the log — proof checked" not in tampered_page


# Sharing and attaching from the item page ------------------------------------------------------------------------


def test_sharing_offers_authorities_and_mediators_and_refusals_show_on_the_form() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    item = file_added(holder.organisation)
    OrganisationFactory(kind=OrganisationKind.AUTHORITY, name="Customs", slug="customs")
    OrganisationFactory(kind=OrganisationKind.MEDIATOR, name="Mediation Centre", slug="mediation")
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, name="MegaMart", slug="megamart")
    client = verified_client(holder.user)

    page = html(client.get(f"/evidence/{item.pk}/"))
    empty = client.post(f"/evidence/{item.pk}/share/", {"organisation": ""})
    marketplace = client.post(f"/evidence/{item.pk}/share/", {"organisation": "megamart"})
    done = client.post(f"/evidence/{item.pk}/share/", {"organisation": "customs"}, follow=True)
    before = state()
    again = client.post(f"/evidence/{item.pk}/share/", {"organisation": "customs"})
    after = html(client.get(f"/evidence/{item.pk}/"))

    options = re.findall(r'<option value="([^"]*)"', page.split('id="share-form"')[1].split("</form>")[0])
    assert options == ["", "customs", "mediation"]
    assert field_error(empty, "organisation") == "No organisation on IPBridge has this name."
    assert field_error(marketplace, "organisation") == (
        "Evidence is shared with authorities and mediators; a case&#x27;s parties see what is attached to it."
    )
    assert alerts(done) == ["Shared with Customs: it sees this evidence until you end the sharing."]
    assert again.status_code == 200
    assert re.findall(
        r'id="share-form">.*?<div class="alert alert-danger" role="alert"><div>([^<]*)<', html(again), re.S
    ) == ["This evidence is already shared with Customs."]
    assert state() == before
    options = re.findall(r'<option value="([^"]*)"', after.split('id="share-form"')[1].split("</form>")[0])
    assert options == ["", "mediation"]


def test_attaching_from_the_item_page_offers_the_cases_and_says_what_is_wrong() -> None:
    parties = case_between()
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    holder.organisation = parties.sender
    holder.save()
    holder.user.active_organisation = parties.sender
    holder.user.save()
    item = file_added(parties.sender)
    client = verified_client(holder.user)

    page = html(client.get(f"/evidence/{item.pk}/"))
    missing = client.post("/evidence/attach/", {"evidence": item.pk, "case": ""})
    done = client.post("/evidence/attach/", {"evidence": item.pk, "case": parties.case.pk})
    before = state()
    again = client.post("/evidence/attach/", {"evidence": item.pk, "case": parties.case.pk})
    after = html(client.get(f"/evidence/{item.pk}/"))

    assert f'<option value="{parties.case.pk}">Case #{parties.case.pk} at {parties.marketplace.name} (' in page
    assert field_error(missing, "case") == "This field is required."
    assert done.status_code == 302
    assert done["Location"] == f"/evidence/{item.pk}/"
    assert "This evidence is already attached to this case." in html(again)
    assert state() == before
    assert f'data-case="{parties.case.pk}"' in after
    assert 'id="no-case-to-attach"' in after


# Exporting packages -----------------------------------------------------------------------------------------------


def test_the_item_page_exports_a_package_that_verifies_and_names_the_item() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    item = file_added(holder.organisation)

    response = verified_client(holder.user).post("/evidence/export/", {"ids": [item.pk]})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{item.pk}.zip"'
    package = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    report = report_of(package)
    assert (report.ok, report.failures, report.items) == (True, [], 1)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.read(f"files/{item.sha256}") == PNG


def test_the_list_exports_the_chosen_items_in_one_package_and_nothing_chosen_is_said() -> None:
    holder = member(kind=OrganisationKind.MARKETPLACE)
    first, second = file_added(holder.organisation), text_added(holder.organisation)
    text_added(holder.organisation, name="not chosen", text="other")
    client = verified_client(holder.user)

    listing = html(client.get("/evidence/"))
    response = client.post("/evidence/export/", {"ids": [first.pk, second.pk, first.pk]})
    before = state()
    nothing = client.post("/evidence/export/", {}, follow=True)

    assert 'id="export-form"' in listing
    assert listing.count('name="ids"') == 3
    assert response["Content-Disposition"] == 'attachment; filename="evidence-2-items.zip"'
    report = report_of(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert (report.ok, report.items) == (True, 2)
    assert alerts(nothing) == ["Choose the evidence to export."]
    assert state() == before


# The list --------------------------------------------------------------------------------------------------------


def test_the_list_shows_own_shared_and_case_items_newest_first_and_searches() -> None:
    parties = case_between()
    merchant = member(kind=OrganisationKind.MERCHANT)
    merchant.organisation = parties.merchant
    merchant.save()
    merchant.user.active_organisation = parties.merchant
    merchant.user.save()
    own = text_added(parties.merchant, name="Invoice from the brand's distributor")
    on_case = file_added(parties.sender, name="listing.png", listing_id="LB-77")
    attached(on_case, parties.case)
    file_added(parties.sender, name="not attached.png", content=PNG + b"x")
    client = verified_client(merchant.user)

    listing = html(client.get("/evidence/"))
    search = html(client.get("/evidence/", {"q": "lb-77"}))
    by_hash = html(client.get("/evidence/", {"q": own.sha256[:10]}))
    nothing = html(client.get("/evidence/", {"q": "nothing like it"}))

    assert re.findall(r'<tr data-evidence="(\d+)">', listing) == [str(on_case.pk), str(own.pk)]
    assert f'<span data-owner="{parties.sender.slug}">{parties.sender.name}</span>' in listing
    assert '<span class="badge text-bg-light" data-owner="yours">Yours</span>' in listing
    assert 'data-where="listing">listing LB-77<' in listing
    assert re.findall(r'<tr data-evidence="(\d+)">', search) == [str(on_case.pk)]
    assert re.findall(r'<tr data-evidence="(\d+)">', by_hash) == [str(own.pk)]
    assert 'id="no-evidence">No evidence matches this search.<' in nothing


def test_the_list_shows_fifty_a_page_in_a_constant_number_of_queries() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    marketplace = OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    for n in range(3):
        text_added(holder.organisation, name=f"note {n}", text=f"note {n}", marketplace=marketplace.slug)
    client = verified_client(holder.user)
    with CaptureQueriesContext(connection) as few:
        client.get("/evidence/")
    for n in range(3, 52):
        text_added(holder.organisation, name=f"note {n}", text=f"note {n}", marketplace=marketplace.slug)

    with CaptureQueriesContext(connection) as many:
        first = html(client.get("/evidence/"))
    second = html(client.get("/evidence/", {"page": 2}))

    assert len(many) == len(few)
    assert first.count("<tr data-evidence=") == 50
    assert second.count("<tr data-evidence=") == 2
    assert "2 / 2" in second


# The case page ---------------------------------------------------------------------------------------------------


def _acting_for(organisation: Organisation, role: str = Role.ADMIN) -> Client:
    person = member(kind=organisation.kind, role=role)
    person.organisation = organisation
    person.save()
    person.user.active_organisation = organisation
    person.user.save()
    return verified_client(person.user)


def test_every_party_of_a_case_sees_its_evidence_on_the_case_page_and_a_bystander_does_not() -> None:
    parties = case_between()
    item = file_added(parties.sender, name="aurora-listing.png")
    attached(item, parties.case)
    bystander = _acting_for(OrganisationFactory(kind=OrganisationKind.MARKETPLACE))

    pages = {
        side: _acting_for(organisation).get(f"/cases/{parties.case.pk}/")
        for side, organisation in (
            ("sender", parties.sender),
            ("marketplace", parties.marketplace),
            ("merchant", parties.merchant),
        )
    }

    link = CaseEvidence.objects.get()
    for side, page in pages.items():
        rows = re.findall(r'<tr data-evidence="(\d+)">(.*?)</tr>', html(page), re.S)
        assert page.status_code == 200, side
        assert [pk for pk, _row in rows] == [str(item.pk)], side
        row = rows[0][1]
        assert f'<a href="/evidence/{item.pk}/">aurora-listing.png</a>' in row
        assert f'title="{item.sha256}">{item.sha256[:12]}…</code>' in row
        assert f'<td class="small">{parties.sender.name}</td>' in row
        assert link.attached_at.strftime("%Y-%m-%d %H:%M") in row
        assert _acting_for(getattr(parties, side)).get(f"/evidence/{item.pk}/").status_code == 200
    assert bystander.get(f"/cases/{parties.case.pk}/").status_code == 404
    assert bystander.get(f"/evidence/{item.pk}/").status_code == 404


def test_a_party_attaches_its_own_item_from_the_case_page_and_returns_to_the_case() -> None:
    parties = case_between()
    mine = text_added(parties.merchant, name="Invoice")
    text_added(parties.sender, name="the sender's")
    merchant = _acting_for(parties.merchant)
    reviewer = _acting_for(parties.merchant, role=Role.REVIEWER)

    page = html(merchant.get(f"/cases/{parties.case.pk}/"))
    none_chosen = merchant.post(
        "/evidence/attach/", {"back": "case", "case": parties.case.pk, "evidence": ""}, follow=True
    )
    done = merchant.post("/evidence/attach/", {"back": "case", "case": parties.case.pk, "evidence": mine.pk})
    after = merchant.get(done["Location"])

    form = page.split('id="case-attach-form"')[1].split("</form>")[0]
    assert re.findall(r'<option value="(\d*)"', form) == ["", str(mine.pk)]
    assert 'id="case-attach-form"' not in html(reviewer.get(f"/cases/{parties.case.pk}/"))
    assert none_chosen.redirect_chain == [(f"/cases/{parties.case.pk}/", 302)]
    assert alerts(none_chosen) == ["Choose the evidence to attach."]
    assert done["Location"] == f"/cases/{parties.case.pk}/"
    assert alerts(after) == [f"Evidence attached to case #{parties.case.pk}: every party of the case sees it now."]
    assert re.findall(r'<tr data-evidence="(\d+)">', html(after)) == [str(mine.pk)]
    assert 'id="no-evidence-to-attach"' in html(after)
    sender_page = html(_acting_for(parties.sender).get(f"/cases/{parties.case.pk}/"))
    assert re.findall(r'<tr data-evidence="(\d+)">', sender_page) == [str(mine.pk)]


def test_the_case_page_without_evidence_says_so_and_operators_get_no_attach_form() -> None:
    parties = case_between()

    operator = html(_acting_for(OrganisationFactory(kind=OrganisationKind.OPERATOR)).get(f"/cases/{parties.case.pk}/"))

    assert 'id="no-case-evidence"' in operator
    assert 'id="case-attach-form"' not in operator
    assert 'id="no-evidence-to-attach"' not in operator


# The public package check ---------------------------------------------------------------------------------------


def _package(organisation: Organisation, *items: Evidence) -> bytes:
    out = io.BytesIO()
    services.evidence_export(actor=actor_for_system(organisation), evidence_ids=[i.pk for i in items], out=out)
    return out.getvalue()


def test_anyone_checks_a_package_an_intact_one_passes_and_a_changed_file_fails_by_name() -> None:
    holder = OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER)
    item = file_added(holder)
    package = _package(holder, item)
    client = Client()

    intact = client.post("/evidence/verify/", {"package": SimpleUploadedFile("evidence.zip", package)})
    broken = client.post(
        "/evidence/verify/", {"package": SimpleUploadedFile("evidence.zip", tampered(package, f"files/{item.sha256}"))}
    )

    head = report_of(package).tree_head
    assert head is not None
    content = html(intact)
    assert 'id="package-result" data-ok="true"' in content
    assert '<span class="badge text-bg-success" id="package-verdict">Intact</span>' in content
    assert f'<code class="text-break" id="package-root">{head.root.hex()}</code>' in content
    assert f'id="package-size">{head.size} leaves<' in content
    assert 'id="package-failures"' not in content
    assert len(re.findall(r'<li class="text-break">', content.split('id="package-checks"')[1])) == len(
        report_of(package).checks
    )
    failures = re.findall(r'<li class="text-break">([^<]*)</li>', html(broken).split('id="package-failures"')[1])
    assert 'data-ok="false"' in html(broken)
    assert failures
    assert any(f"files/{item.sha256}" in line for line in failures)


@pytest.mark.parametrize(
    ("upload", "error"),
    [(None, "This field is required."), (b"", "The file is empty.")],
)
def test_a_missing_or_empty_package_is_refused_on_its_field(upload: bytes | None, error: str) -> None:
    data = {} if upload is None else {"package": SimpleUploadedFile("evidence.zip", upload)}

    response = Client().post("/evidence/verify/", data)

    assert field_error(response, "package") == error
    assert 'id="package-result"' not in html(response)


def test_a_file_that_is_no_package_is_not_intact() -> None:
    response = Client().post("/evidence/verify/", {"package": SimpleUploadedFile("evidence.zip", b"not a zip")})

    assert 'data-ok="false"' in html(response)
    assert "package: not a readable zip archive" in html(response)


def test_checks_of_packages_are_rate_limited(settings: Any) -> None:
    settings.PUBLIC_RATE_LIMIT = "2/min"
    client = Client()

    answers = [
        client.post("/evidence/verify/", {"package": SimpleUploadedFile("e.zip", b"x")}).status_code for _ in range(3)
    ]

    assert answers == [200, 200, 429]


# The log, for operators ------------------------------------------------------------------------------------------


def test_operators_see_the_log_run_a_check_and_see_problems_listed() -> None:
    operator = member(kind=OrganisationKind.OPERATOR)
    holder = OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER)
    item = file_added(holder)
    head = log.tree_head_current()
    client = verified_client(operator.user)

    before = html(client.get("/evidence/log/"))
    ran = client.post("/evidence/log/check/")
    after = client.get(ran["Location"])
    Evidence.objects.filter(pk=item.pk).update(notes="changed afterwards")
    client.post("/evidence/log/check/")
    tampered_page = client.get("/evidence/log/")

    assert 'id="log-size">2 leaves<' in before
    assert f'id="head-root">{bytes(head.root).hex()}<' in before
    assert 'id="no-checks"' in before
    assert ran["Location"] == "/evidence/log/"
    assert alerts(after) == ["The log is intact: 2 leaves checked."]
    assert re.findall(r'data-ok="(true|false)"', html(after)) == ["true"]
    assert re.findall(r'data-ok="(true|false)"', html(tampered_page)) == ["false", "true"]
    assert f"evidence {item.pk}: the row no longer matches leaf 0 (changed: notes)" in html(tampered_page)


def test_the_failed_check_is_said_to_the_operator_who_ran_it() -> None:
    operator = member(kind=OrganisationKind.OPERATOR)
    item = file_added(OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER))
    Evidence.objects.filter(pk=item.pk).update(name="renamed")

    response = verified_client(operator.user).post("/evidence/log/check/", follow=True)

    assert alerts(response) == ["The check found 1 problem; the operators&#x27; administrators were told."]


# Chinese -----------------------------------------------------------------------------------------------------------


def test_the_evidence_pages_speak_chinese() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    item = file_added(holder.organisation)
    client = verified_client(holder.user)
    client.post("/accounts/language/", {"language": "zh-hans", "next": "/evidence/"})

    listing = html(client.get("/evidence/"))
    detail = html(client.get(f"/evidence/{item.pk}/"))
    adding = html(client.get("/evidence/new/"))
    verify = html(client.get("/evidence/verify/"))

    assert '<html lang="zh-hans">' in listing
    assert '<h1 class="h3 mb-0 me-auto">证据</h1>' in listing
    assert "添加证据" in listing
    assert "证据链" in detail
    assert "已纳入日志——证明已核验" in detail
    assert "导出证据包" in detail
    assert "文件" in adding
    assert "核验证据包" in verify
    assert "Chain of custody" not in detail


def test_observed_time_in_the_future_by_a_few_minutes_is_accepted() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    soon = (timezone.now() + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")

    response = verified_client(holder.user).post("/evidence/new/", {"name": "x", "text": TEXT, "observed_at": soon})

    assert response.status_code == 302
