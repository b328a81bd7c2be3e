"""The evidence commands — add, export, verify offline, check the log — and tree heads time-stamped by an RFC 3161
authority that the test runs on this machine."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ipbridge.accounts.models import OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.cli import main
from ipbridge.engine import credentials, evidence_package, timestamps
from ipbridge.evidence import log, services
from ipbridge.evidence.models import CustodyEvent, Evidence, TreeHead
from tests.engine.tsa import LocalTSA
from tests.factories import member

pytestmark = pytest.mark.django_db


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def tsa() -> Iterator[LocalTSA]:
    with LocalTSA() as authority:
        yield authority


def _rewrite(package: Path, name: str, change: Any) -> None:
    """Rewrite one entry of a zip, keeping the others byte for byte."""
    with zipfile.ZipFile(package) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(package, "w") as target:
        for info, data in entries:
            target.writestr(info, change(data) if info.filename == name else data)


def test_add_export_verify_and_a_changed_byte_fails(tmp_path: Path) -> None:
    holder = member(OrganisationKind.RIGHT_HOLDER, slug="aurora")
    member(OrganisationKind.OPERATOR)
    capture = tmp_path / "listing.png"
    capture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)

    added = run(
        "evidence",
        "add",
        str(capture),
        "--org",
        "aurora",
        "--note",
        "listing 88120",
        "--url",
        "https://shop.example/88120",
    )
    assert added.exit_code == 0, added.output
    item = Evidence.objects.get(pk=int(added.output.strip()))
    assert (item.organisation_id, item.name, item.notes, item.size) == (
        holder.organisation.pk,
        "listing.png",
        "listing 88120",
        1032,
    )

    package = tmp_path / "package.zip"
    exported = run("evidence", "export", str(item.pk), "--out", str(package))
    assert exported.output == f"1 item(s) written to {package}\n"
    assert CustodyEvent.objects.filter(evidence=item, action="exported").count() == 1

    verified = run("evidence", "verify", str(package))
    head = TreeHead.objects.get()
    assert verified.exit_code == 0, verified.output
    assert (
        verified.output
        == f"{package}: intact — 1 item(s) in a log of {head.size} leaves, root {bytes(head.root).hex()}\n"
    )

    _rewrite(package, f"files/{item.sha256}", lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:])
    broken = run("evidence", "verify", str(package))
    assert broken.exit_code == 1
    assert f"FAILED: files/{item.sha256}" in broken.output
    assert broken.output.endswith(f"{package}: NOT intact (1 failure(s))\n")


def test_verify_with_pinned_keys_refuses_a_package_signed_by_another_key(tmp_path: Path) -> None:

    holder = member(OrganisationKind.RIGHT_HOLDER, slug="aurora")
    member(OrganisationKind.OPERATOR)
    item = services.evidence_add(actor=actor_for_system(holder.organisation), name="t", text="chat log")
    package = tmp_path / "package.zip"
    assert run("evidence", "export", str(item.pk), "--out", str(package)).exit_code == 0
    other = tmp_path / "other-keys.json"

    other.write_text(json.dumps(credentials.jwks([credentials.key_generate().public_jwk])))

    result = run("evidence", "verify", str(package), "--jwks", str(other))

    assert result.exit_code == 1
    assert "tree head" in result.output
    assert "NOT intact" in result.output


def test_export_refuses_what_the_organisation_cannot_see_and_leaves_no_file(tmp_path: Path) -> None:
    member(OrganisationKind.RIGHT_HOLDER, slug="aurora")
    other = member(OrganisationKind.RIGHT_HOLDER, slug="lumina")
    item = services.evidence_add(actor=actor_for_system(other.organisation), name="t", text="lumina's note")
    package = tmp_path / "package.zip"

    result = CliRunner().invoke(main, ["evidence", "export", str(item.pk), "--out", str(package), "--org", "aurora"])

    assert result.exit_code == 2
    assert "Not found." in result.output
    assert not package.exists()
    assert not (tmp_path / "package.zip.partial").exists()
    assert CustodyEvent.objects.filter(action="exported").count() == 0


def test_check_exits_non_zero_when_a_row_was_altered() -> None:
    holder = member(OrganisationKind.RIGHT_HOLDER)
    item = services.evidence_add(actor=actor_for_system(holder.organisation), name="t", text="a capture")

    assert run("evidence", "check").output == "2 leaves, 1 item(s), 1 custody event(s), 0 tree head(s): intact\n"
    Evidence.objects.filter(pk=item.pk).update(name="changed")
    result = run("evidence", "check")
    assert result.exit_code == 1
    assert result.stdout == (
        f"FAILED: evidence {item.pk}: the row no longer matches leaf 0 (changed: name)\n"
        "2 leaves, 1 item(s), 1 custody event(s), 0 tree head(s): 1 problem(s)\n"
    )


def test_tree_heads_are_time_stamped_and_the_stamp_travels_in_the_package(
    tsa: LocalTSA, settings: Any, tmp_path: Path
) -> None:
    settings.EVIDENCE_TSA_URL = tsa.url
    holder = member(OrganisationKind.RIGHT_HOLDER)
    actor = actor_for_system(holder.organisation)
    item = services.evidence_add(actor=actor, name="t", text="stream transcript at 00:12:31")

    head = log.tree_head_current()

    assert head.tsa_url == tsa.url
    check = timestamps.timestamp_verify(bytes(head.tsa_token), head.token.encode(), trusted=[tsa.ca_pem])
    assert (check.valid, check.trusted) == (True, True)
    package = tmp_path / "package.zip"
    with package.open("wb") as out:
        services.evidence_export(actor=actor, evidence_ids=[item.pk], out=out)
    ca = tmp_path / "tsa-ca.pem"
    ca.write_bytes(tsa.ca_pem)
    assert run("evidence", "verify", str(package), "--tsa-cert", str(ca)).exit_code == 0
    report = evidence_package.package_verify(package, timestamp_check=lambda token, data: "")
    assert report.ok


def test_a_time_stamp_that_does_not_hold_fails_the_package(tsa: LocalTSA, settings: Any, tmp_path: Path) -> None:
    settings.EVIDENCE_TSA_URL = tsa.url
    holder = member(OrganisationKind.RIGHT_HOLDER)
    actor = actor_for_system(holder.organisation)
    item = services.evidence_add(actor=actor, name="t", text="stream transcript")
    package = tmp_path / "package.zip"
    with package.open("wb") as out:
        services.evidence_export(actor=actor, evidence_ids=[item.pk], out=out)
    other_ca = tmp_path / "other-ca.pem"
    with LocalTSA() as stranger:
        other_ca.write_bytes(stranger.ca_pem)

    result = run("evidence", "verify", str(package), "--tsa-cert", str(other_ca))

    assert result.exit_code == 1
    assert "the time-stamp does not hold" in result.output


def test_a_time_stamping_authority_that_fails_leaves_the_head_signed_without_a_stamp(
    tsa: LocalTSA, settings: Any
) -> None:
    settings.EVIDENCE_TSA_URL = tsa.url
    tsa.reject_next = True
    holder = member(OrganisationKind.RIGHT_HOLDER)
    services.evidence_add(actor=actor_for_system(holder.organisation), name="t", text="a capture")

    head = log.tree_head_current()

    assert (head.size, head.tsa_url, head.tsa_token) == (2, "", None)
    assert TreeHead.objects.get().tsa_token is None
