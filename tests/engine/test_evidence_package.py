"""Evidence packages: what the writer puts in, and every tampering the offline verifier must catch."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest

from ipbridge.engine import credentials
from ipbridge.engine.evidence_package import (
    PACKAGE_FORMAT,
    PackageReport,
    canonical_json,
    package_readme,
    package_verify,
    package_write,
)
from ipbridge.engine.translog import (
    MemoryNodeStore,
    TreeHead,
    inclusion_proof,
    leaf_hash,
    root_hash,
    tree_head_sign,
)

ISSUER = "https://ipbridge.example"
SIGNED_AT = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
FILES = {
    12: (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "image/png"),
    13: ("Listing 4411: « NIKE AIR » at 9 €, shipped from Yiwu.".encode(), "text/plain; charset=utf-8"),
    14: (b"%PDF-1.7\n" + b"invoice " * 500, "application/pdf"),
}
CUSTODY = {12: 77, 13: 78, 14: 79}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_name(item_id: int) -> str:
    return f"files/{sha(FILES[item_id][0])}"


def evidence_leaf(item_id: int) -> bytes:
    data, content_type = FILES[item_id]
    return canonical_json(
        {
            "v": 1,
            "type": "evidence",
            "id": item_id,
            "sha256": sha(data),
            "size": len(data),
            "content_type": content_type,
            "title": f"Evidence {item_id} — 证据",
        }
    )


def custody_leaf(custody_id: int, item_id: int) -> bytes:
    return canonical_json({"v": 1, "type": "custody", "id": custody_id, "evidence": item_id, "event": "exported"})


@cache
def signing_key() -> credentials.KeyPair:
    return credentials.key_generate()


@cache
def other_key() -> credentials.KeyPair:
    return credentials.key_generate()


def published(key: credentials.KeyPair) -> dict[str, Any]:
    return credentials.jwks([key.public_jwk])


@dataclass
class Log:
    leaves: list[bytes]
    positions: dict[bytes, int]
    store: MemoryNodeStore

    def proof(self, leaf: bytes) -> list[str]:
        index = self.positions[leaf]
        return [h.hex() for h in inclusion_proof(index=index, size=len(self.leaves), reader=self.store)]


@cache
def log() -> Log:
    """A log where the exported leaves sit among others, so proofs have several levels."""
    leaves = [canonical_json({"v": 1, "type": "evidence", "id": n, "sha256": "0" * 64, "size": 0}) for n in range(5)]
    leaves += [evidence_leaf(12), evidence_leaf(13), custody_leaf(77, 12), evidence_leaf(14)]
    leaves += [custody_leaf(78, 13), custody_leaf(79, 14), custody_leaf(80, 3)]
    store = MemoryNodeStore()
    store.append([leaf_hash(leaf) for leaf in leaves[:4]])
    store.append([leaf_hash(leaf) for leaf in leaves[4:]])
    return Log(leaves=leaves, positions={leaf: at for at, leaf in enumerate(leaves)}, store=store)


def entry(leaf: bytes) -> dict[str, Any]:
    return {"leaf_index": log().positions[leaf], "leaf": base64.b64encode(leaf).decode(), "proof": log().proof(leaf)}


def manifest(*, key: credentials.KeyPair | None = None, **overrides: Any) -> dict[str, Any]:
    size = len(log().leaves)
    root = root_hash(size=size, reader=log().store)
    token = tree_head_sign(size=size, root=root, issuer=ISSUER, issued_at=SIGNED_AT, key=key or signing_key())
    items = [
        {
            "id": item_id,
            **entry(evidence_leaf(item_id)),
            "file": file_name(item_id),
            "custody": [entry(custody_leaf(CUSTODY[item_id], item_id))],
        }
        for item_id in FILES
    ]
    return {
        "format": PACKAGE_FORMAT,
        "exported_at": "2027-03-01T09:31:00+00:00",
        "issuer": ISSUER,
        "tree_head": token,
        "timestamp": None,
        "items": items,
        **overrides,
    }


def package(**overrides: Any) -> bytes:
    out = io.BytesIO()
    key = overrides.get("key") or signing_key()
    package_write(
        out,
        manifest=manifest(**overrides),
        files=[(file_name(item_id), partial(io.BytesIO, data)) for item_id, (data, _) in FILES.items()],
        keys=published(key),
    )
    return out.getvalue()


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(contents: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return out.getvalue()


def tampered(change: Callable[[dict[str, bytes]], object], data: bytes | None = None) -> bytes:
    contents = entries(data if data is not None else package())
    change(contents)
    return rezip(contents)


def with_manifest(change: Callable[[dict[str, Any]], None]) -> bytes:
    def edit(contents: dict[str, bytes]) -> None:
        document = json.loads(contents["manifest.json"])
        change(document)
        contents["manifest.json"] = json.dumps(document).encode()

    return tampered(edit)


def verify(data: bytes, **options: Any) -> PackageReport:
    return package_verify(io.BytesIO(data), **options)


def root_hex() -> str:
    return root_hash(size=len(log().leaves), reader=log().store).hex()


# An honest package


def test_an_honest_package_verifies_with_its_own_keys_and_says_where_the_key_came_from() -> None:
    report = verify(package())

    assert report.failures == []
    assert report.ok
    assert report.items == 3
    assert report.tree_head == TreeHead(
        size=12, root=bytes.fromhex(root_hex()), issuer=ISSUER, issued_at=SIGNED_AT, kid=signing_key().kid
    )
    assert f"tree head: signed with key {signing_key().kid} from the package's own keys.json" in report.checks[2]
    assert f"compare key id {signing_key().kid} with the key set {ISSUER}/.well-known/jwks.json" in report.checks[3]
    assert "item 12, leaf 5: in the log of 12 leaves." in report.checks
    assert "item 12, custody[0], leaf 7: in the log of 12 leaves." in report.checks
    assert f"{file_name(13)}: SHA-256 and size ({len(FILES[13][0])} bytes) match item 13's leaf." in report.checks


def test_an_honest_package_verifies_with_pinned_keys(tmp_path: Path) -> None:
    path = tmp_path / "evidence.zip"
    path.write_bytes(package())

    report = package_verify(path, keys=published(signing_key()))

    assert report.ok
    assert f"signed with key {signing_key().kid} from the keys you gave" in report.checks[2]
    assert not any("compare key id" in check for check in report.checks)


def test_the_package_holds_the_readme_the_manifest_and_the_keys() -> None:
    contents = entries(package())

    assert list(contents)[:3] == ["README.txt", "manifest.json", "keys.json"]
    assert contents["README.txt"].decode() == package_readme()
    assert json.loads(contents["manifest.json"]) == manifest()
    assert json.loads(contents["keys.json"]) == published(signing_key())
    assert contents[file_name(12)] == FILES[12][0]


def test_the_readme_script_checks_an_honest_package(tmp_path: Path) -> None:
    script = package_readme().split("Checking the hashes by hand", 1)[1]
    code = "\n".join(line[4:] for line in script.splitlines() if line.startswith("    ") or not line.strip())
    (tmp_path / "check.py").write_text(code, encoding="utf-8")
    (tmp_path / "evidence.zip").write_bytes(package())

    done = subprocess.run(  # noqa: S603 - the interpreter running the tests, on a script it just wrote
        [sys.executable, str(tmp_path / "check.py"), str(tmp_path / "evidence.zip")],
        capture_output=True,
        text=True,
        check=True,
    )

    lines = done.stdout.splitlines()
    assert len(lines) == 9
    assert "item 12 leaf 5 in the log" in lines
    assert f"item 14 {file_name(14)} matches its leaf" in lines
    assert not [line for line in lines if "NOT" in line]


def test_writing_streams_each_file_once_even_to_a_stream_that_cannot_seek() -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.written = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            self.written += bytes(data)
            return len(data)

    opened: list[int] = []

    def opener(item_id: int) -> Callable[[], io.BytesIO]:
        def open_file() -> io.BytesIO:
            opened.append(item_id)
            return io.BytesIO(FILES[item_id][0])

        return open_file

    out = Unseekable()
    package_write(
        out,  # type: ignore[arg-type]
        manifest=manifest(),
        files=[(file_name(item_id), opener(item_id)) for item_id in FILES],
        keys=published(signing_key()),
    )

    assert opened == [12, 13, 14]
    assert verify(bytes(out.written)).ok


def test_a_timestamp_is_handed_to_the_checker_with_the_tree_head_bytes() -> None:
    token = b"0\x82\x01\x00 a DER TimeStampToken"
    stamp = {"token": base64.b64encode(token).decode(), "tsa": "https://tsa.example"}
    data = package(timestamp=stamp)
    calls: list[tuple[bytes, bytes]] = []

    def accept(der: bytes, signed: bytes) -> str:
        calls.append((der, signed))
        return ""

    passed = verify(data, timestamp_check=accept)
    refused = verify(data, timestamp_check=lambda der, signed: "the TSA's certificate has expired.")
    unchecked = verify(data)

    assert passed.ok
    assert calls == [(token, manifest()["tree_head"].encode("ascii"))]
    assert "timestamp: the token from https://tsa.example covers the tree head." in passed.checks
    assert refused.failures == ["timestamp: the TSA's certificate has expired."]
    assert unchecked.ok
    assert "timestamp: from https://tsa.example, not checked (no timestamp checker was given)." in unchecked.checks


# Tampering


def test_one_changed_byte_in_a_file_fails_with_both_digests() -> None:
    changed = bytearray(FILES[12][0])
    changed[100] ^= 0x01

    report = verify(tampered(lambda contents: contents.update({file_name(12): bytes(changed)})))

    assert report.failures == [
        f"{file_name(12)}: its SHA-256 is {sha(bytes(changed))}, but item 12's leaf says {sha(FILES[12][0])}."
    ]


def test_a_changed_leaf_fails_its_inclusion_proof() -> None:
    def change(document: dict[str, Any]) -> None:
        leaf = json.loads(base64.b64decode(document["items"][1]["leaf"]))
        leaf["content_type"] = "text/html"
        document["items"][1]["leaf"] = base64.b64encode(canonical_json(leaf)).decode()

    report = verify(with_manifest(change))

    assert report.failures == [
        f"item 13, leaf 6: its inclusion proof does not lead to the tree head's root {root_hex()}."
    ]


def test_a_changed_proof_hash_fails_that_proof() -> None:
    def change(document: dict[str, Any]) -> None:
        proof = document["items"][2]["custody"][0]["proof"]
        proof[1] = ("1" if proof[1][0] != "1" else "2") + proof[1][1:]

    report = verify(with_manifest(change))

    assert report.failures == [
        f"item 14, custody[0], leaf 10: its inclusion proof does not lead to the tree head's root {root_hex()}."
    ]


def test_a_changed_tree_head_payload_fails_its_signature() -> None:
    def change(document: dict[str, Any]) -> None:
        header, payload, signature = document["tree_head"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["tree_size"] = 11
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        document["tree_head"] = f"{header}.{forged}.{signature}"

    report = verify(with_manifest(change))

    assert report.tree_head is None
    assert report.failures == [
        "tree head: The tree head's signature does not match its contents (bad_signature, checked with the "
        "package's own keys.json), so no proof could be checked."
    ]


def test_a_tree_head_signed_by_another_key_fails_against_pinned_keys() -> None:
    data = package(key=other_key())

    own = verify(data)
    pinned = verify(data, keys=published(signing_key()))

    assert own.ok
    assert pinned.failures == [
        f"tree head: The tree head was signed with key {other_key().kid}, which is not among the keys given "
        "(unknown_key, checked with the keys you gave), so no proof could be checked."
    ]


def test_a_file_no_item_names_fails() -> None:
    extra = b"planted"

    report = verify(tampered(lambda contents: contents.update({f"files/{sha(extra)}": extra, "notes.txt": b"hi"})))

    assert report.failures == [f"files/{sha(extra)}: no item names this file.", "notes.txt: not expected."]


def test_a_missing_file_fails_naming_its_item() -> None:
    report = verify(tampered(lambda contents: contents.pop(file_name(14))))

    assert report.failures == [f"{file_name(14)}: missing, though item 14 names it."]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../evil.txt", "climbs out of the folder it is unpacked into ('..')"),
        ("files/../../etc/cron.d/x", "climbs out of the folder it is unpacked into ('..')"),
        ("/etc/passwd", "is an absolute path"),
        ("C:/Windows/x", "is an absolute path"),
        ("files\\..\\x", "uses backslashes, which some unzip tools take for folders"),
    ],
)
def test_an_unsafe_entry_name_fails_before_anything_is_read(name: str, problem: str) -> None:
    report = verify(tampered(lambda contents: contents.update({name: b"x"})))

    assert report.failures == [f"{name!r}: {problem}; nothing was unpacked."]
    assert report.checks == []


def test_a_repeated_entry_name_fails() -> None:
    data = io.BytesIO(package())
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(data, "a") as archive:
        archive.writestr(file_name(12), b"another body")

    report = verify(data.getvalue())

    assert report.failures == [f"package: {file_name(12)} appear more than once, so tools would disagree on them."]


def zip_bomb(megabytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(f"files/{'0' * 64}", "w") as target:
            for _ in range(megabytes):
                target.write(bytes(2**20))
        archive.writestr("manifest.json", json.dumps(manifest()))
    return out.getvalue()


def test_a_zip_bomb_fails_before_anything_is_decompressed() -> None:
    data = zip_bomb(100)
    compressed = zipfile.ZipFile(io.BytesIO(data)).getinfo(f"files/{'0' * 64}").compress_size

    report = verify(data)

    assert len(data) < 200_000
    assert report.failures == [
        f"files/{'0' * 64}: would expand from {compressed:,} to 104,857,600 bytes, past the 200-fold limit for "
        "entries over 1 MiB; nothing was decompressed."
    ]


def test_a_package_larger_than_allowed_fails_before_anything_is_decompressed() -> None:
    data = package()
    total = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())

    report = verify(data, max_total_bytes=total - 1)

    assert report.failures == [
        f"package: its entries declare {total:,} bytes once unpacked, more than the {total - 1:,} allowed; "
        "nothing was decompressed."
    ]


def test_an_entry_declaring_fewer_bytes_than_it_holds_fails() -> None:
    data = bytearray(tampered(lambda contents: None))
    name = file_name(14).encode()
    # The central directory record: signature, then the uncompressed size 24 bytes in, the name 46 bytes in.
    record = data.index(b"PK\x01\x02")
    while data[record + 46 : record + 46 + len(name)] != name:
        record = data.index(b"PK\x01\x02", record + 4)
    (declared,) = struct.unpack_from("<I", data, record + 24)
    struct.pack_into("<I", data, record + 24, declared - 1)

    report = verify(bytes(data))

    assert len(report.failures) == 1
    assert re.fullmatch(rf"{file_name(14)}: cannot be read \(Bad CRC-32 for file .*\)\.", report.failures[0])


def test_a_file_that_is_not_a_zip_fails(tmp_path: Path) -> None:
    path = tmp_path / "evidence.zip"
    path.write_bytes(b"%PDF-1.7 not a zip at all")

    report = package_verify(path)

    assert not report.ok
    assert report.failures == ["package: not a readable zip archive (File is not a zip file)."]
    assert (report.items, report.tree_head) == (0, None)


def test_a_manifest_of_another_format_fails() -> None:
    report = verify(with_manifest(lambda document: document.update({"format": "ipbridge-evidence-package/2"})))

    assert report.failures == [
        "manifest.json: its format is 'ipbridge-evidence-package/2'; this verifier reads ipbridge-evidence-package/1."
    ]


@pytest.mark.parametrize(
    ("change", "failure"),
    [
        (
            lambda d: d["items"][0]["custody"][0].update(entry(custody_leaf(80, 3))),
            "item 12, custody leaf 11: it is about evidence 3.",
        ),
        (
            lambda d: d["items"][0].update(leaf=base64.b64encode(evidence_leaf(12).replace(b",", b", ")).decode()),
            "item 12, leaf 5: the leaf is not canonical JSON (sorted keys, no whitespace, UTF-8).",
        ),
        (lambda d: d["items"][1].update(id=12), "item 12: listed more than once."),
        (lambda d: d["items"][1].update(leaf_index=40), "item 13, leaf 40: the tree head's log has only 12 leaves."),
        (lambda d: d.pop("tree_head"), "manifest.json: has no tree head, so no inclusion proof could be checked."),
        (lambda d: d.update(exported_at="yesterday"), "manifest.json: exported_at is not an ISO 8601 time"),
    ],
)
def test_a_manifest_that_contradicts_itself_fails_precisely(
    change: Callable[[dict[str, Any]], None], failure: str
) -> None:
    report = verify(with_manifest(change))

    assert report.failures[0].startswith(failure)


def test_writing_refuses_what_the_verifier_would_refuse() -> None:
    files = [(file_name(item_id), lambda: io.BytesIO(b"")) for item_id in FILES]
    with_private = {"keys": [{**signing_key().public_jwk, "d": "secret"}]}

    with pytest.raises(ValueError, match="format must be"):
        package_write(io.BytesIO(), manifest=manifest(format="other"), files=files, keys=published(signing_key()))
    with pytest.raises(ValueError, match="exported_at"):
        package_write(io.BytesIO(), manifest=manifest(exported_at="now"), files=files, keys=published(signing_key()))
    with pytest.raises(ValueError, match="exactly those the manifest's items name"):
        package_write(io.BytesIO(), manifest=manifest(), files=files[:2], keys=published(signing_key()))
    with pytest.raises(ValueError, match=r"files/<sha256 hex>, not '../x'"):
        package_write(io.BytesIO(), manifest=manifest(), files=[("../x", files[0][1])], keys=published(signing_key()))
    with pytest.raises(ValueError, match="private key material"):
        package_write(io.BytesIO(), manifest=manifest(), files=files, keys=with_private)
