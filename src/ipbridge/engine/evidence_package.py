"""Evidence packages: a zip that lets anyone check, offline, which evidence an instance's log holds.

A package of format ``ipbridge-evidence-package/1`` holds:

- ``manifest.json``: ``format``, ``exported_at`` (ISO 8601, UTC), ``issuer`` (the instance's base URL),
  ``tree_head`` (a signed tree head token, see ``ipbridge.engine.translog``), ``timestamp`` (null, or an
  object with ``token``, the base64 DER of an RFC 3161 TimeStampToken over the tree head token's ASCII
  bytes, and ``tsa``, the authority's URL) and ``items``. Each item has an ``id``, the ``leaf_index`` and
  base64 ``leaf`` data of its evidence leaf, an inclusion ``proof`` (hex hashes), its ``file``
  (``files/<sha256>``) and ``custody``: the ``leaf_index``, ``leaf`` and ``proof`` of each custody leaf.
- ``files/<sha256>``: each item's bytes.
- ``keys.json``: the issuer's published key set (JWKS).
- ``README.txt``: :func:`package_readme`, what the package is and how to check it by hand.

Leaves are :func:`canonical_json`. An evidence leaf is ``{"v": 1, "type": "evidence", "id": ..., "sha256": ...,
"size": ..., ...}``; a custody leaf is ``{"v": 1, "type": "custody", "id": ..., "evidence": <item id>, ...}``.

:func:`package_write` writes a package, streaming each file; :func:`package_verify` checks one and says what
failed and what passed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import shutil
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, TypeGuard

from ipbridge.engine.credentials import JWKS_PATH
from ipbridge.engine.translog import TreeHead, leaf_hash, tree_head_verify, verify_inclusion

__all__ = [
    "PACKAGE_FORMAT",
    "PackageReport",
    "canonical_json",
    "package_readme",
    "package_verify",
    "package_write",
]

PACKAGE_FORMAT = "ipbridge-evidence-package/1"
MANIFEST = "manifest.json"
KEYS = "keys.json"
README = "README.txt"
FILES = "files/"

# Zip-bomb guards: an entry over 1 MiB may expand at most 200-fold. Deflate reaches about 1000-fold on
# runs of one byte, while evidence files (images, PDFs, text) compress far less than 200-fold.
_RATIO_FROM = 2**20
_MAX_RATIO = 200
_MAX_MANIFEST_BYTES = 2**28
_MAX_KEYS_BYTES = 2**20
_CHUNK = 2**20
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_DRIVE = re.compile(r"[A-Za-z]:")
_UNREADABLE = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error)


def canonical_json(value: Any) -> bytes:
    """The bytes of a leaf: UTF-8 JSON with sorted keys, no whitespace and non-ASCII characters kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


@dataclass(frozen=True)
class PackageReport:
    """The outcome of checking a package.

    ``failures`` name what failed (the file, the item id, the leaf index) and why; ``checks`` list what
    passed, for a verbose listing. ``tree_head`` is filled when its signature checked out; ``items`` is the
    number of items the manifest lists.
    """

    ok: bool
    failures: list[str]
    checks: list[str]
    tree_head: TreeHead | None
    items: int


class _Unreadable(Exception):
    """An entry that cannot be decompressed as declared."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_file_name(name: object) -> TypeGuard[str]:
    return isinstance(name, str) and name.startswith(FILES) and bool(_SHA256_HEX.fullmatch(name[len(FILES) :]))


def _json_object(data: bytes) -> dict[str, Any] | None:
    """A JSON object, or None: also for repeated keys, which would let two readers see different values."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("repeated key")
        return dict(pairs)

    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=unique, parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _base64(value: object) -> bytes | None:
    """Standard base64 in its one canonical spelling, or None."""
    if not isinstance(value, str):
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if base64.b64encode(data).decode("ascii") == value else None


def _hashes(value: object) -> list[bytes] | None:
    if not isinstance(value, list) or not all(isinstance(h, str) and _SHA256_HEX.fullmatch(h) for h in value):
        return None
    return [bytes.fromhex(h) for h in value]


def _exported_at(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _name_problem(name: str) -> str:
    """Why an entry name is unsafe to unpack, or ``""``."""
    if not name:
        return "an entry has an empty name"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "is an absolute path"
    if "\\" in name:
        return "uses backslashes, which some unzip tools take for folders"
    if ".." in name.split("/"):
        return "climbs out of the folder it is unpacked into ('..')"
    if any(ord(character) < 32 for character in name):
        return "has control characters in its name"
    return ""


class _Inspection:
    """One pass over an open package, collecting failures and passed checks."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.entries = {info.filename: info for info in archive.infolist()}
        self.failures: list[str] = []
        self.checks: list[str] = []
        self.head: TreeHead | None = None
        self.items = 0

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def report(self) -> PackageReport:
        return PackageReport(
            ok=not self.failures, failures=self.failures, checks=self.checks, tree_head=self.head, items=self.items
        )

    def run(
        self,
        *,
        keys: Mapping[str, Any] | None,
        max_total_bytes: int,
        timestamp_check: Callable[[bytes, bytes], str] | None,
    ) -> None:
        if not self.safe_to_read(max_total_bytes):
            return
        manifest = self.manifest()
        if manifest is None:
            return
        self.tree_head(manifest, keys)
        self.timestamp(manifest, timestamp_check)
        self.files(self.listed_items(manifest))

    def safe_to_read(self, max_total_bytes: int) -> bool:
        """Entry names and declared sizes, checked before anything is decompressed."""
        infos = self.archive.infolist()
        safe = True
        for info in infos:
            problem = _name_problem(info.filename)
            if problem:
                self.fail(f"{info.filename!r}: {problem}; nothing was unpacked.")
                safe = False
        if len(self.entries) != len(infos):
            repeated = sorted(name for name, count in Counter(info.filename for info in infos).items() if count > 1)
            self.fail(f"package: {', '.join(repeated)} appear more than once, so tools would disagree on them.")
            safe = False
        total = sum(info.file_size for info in infos)
        if total > max_total_bytes:
            self.fail(
                f"package: its entries declare {total:,} bytes once unpacked, more than the {max_total_bytes:,} "
                "allowed; nothing was decompressed."
            )
            safe = False
        for info in infos:
            if info.file_size > _RATIO_FROM and info.file_size > _MAX_RATIO * info.compress_size:
                self.fail(
                    f"{info.filename}: would expand from {info.compress_size:,} to {info.file_size:,} bytes, past the "
                    f"{_MAX_RATIO}-fold limit for entries over 1 MiB; nothing was decompressed."
                )
                safe = False
        if safe:
            self.checks.append(f"package: {len(infos)} entries, safe names, {total:,} bytes once unpacked.")
        return safe

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The entry's bytes, a chunk at a time, stopping at the first byte beyond its declared size."""
        produced = 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    produced += len(chunk)
                    if produced > info.file_size:
                        raise _Unreadable(f"it yields more than the {info.file_size:,} bytes it declares")
                    yield chunk
        except _UNREADABLE as error:
            raise _Unreadable(str(error)) from error
        if produced != info.file_size:
            raise _Unreadable(f"it yields {produced:,} bytes but declares {info.file_size:,}")

    def read(self, name: str, limit: int) -> bytes | None:
        info = self.entries[name]
        if info.file_size > limit:
            self.fail(f"{name}: {info.file_size:,} bytes, more than the {limit:,} such a file may have.")
            return None
        try:
            return b"".join(self.chunks(info))
        except _Unreadable as error:
            self.fail(f"{name}: cannot be read ({error}).")
            return None

    def manifest(self) -> dict[str, Any] | None:
        if MANIFEST not in self.entries:
            self.fail(f"{MANIFEST}: missing, so the package cannot be checked.")
            return None
        raw = self.read(MANIFEST, _MAX_MANIFEST_BYTES)
        manifest = _json_object(raw) if raw is not None else None
        if manifest is None:
            if raw is not None:
                self.fail(f"{MANIFEST}: not a JSON object (with each key once).")
            return None
        if manifest.get("format") != PACKAGE_FORMAT:
            self.fail(f"{MANIFEST}: its format is {manifest.get('format')!r}; this verifier reads {PACKAGE_FORMAT}.")
            return None
        self.checks.append(f"{MANIFEST}: format {PACKAGE_FORMAT}.")
        if _exported_at(manifest.get("exported_at")) is None:
            self.fail(f"{MANIFEST}: exported_at is not an ISO 8601 time with its offset from UTC.")
        if not isinstance(manifest.get("issuer"), str) or not manifest["issuer"]:
            self.fail(f"{MANIFEST}: names no issuer.")
        return manifest

    def tree_head(self, manifest: Mapping[str, Any], keys: Mapping[str, Any] | None) -> None:
        token = manifest.get("tree_head")
        if not isinstance(token, str):
            self.fail(f"{MANIFEST}: has no tree head, so no inclusion proof could be checked.")
            return
        if keys is None:
            if KEYS not in self.entries:
                self.fail(f"{KEYS}: missing and no keys were given, so the tree head could not be checked.")
                return
            raw = self.read(KEYS, _MAX_KEYS_BYTES)
            keys = _json_object(raw) if raw is not None else None
            if keys is None or not isinstance(keys.get("keys"), list):
                self.fail(f"{KEYS}: not a JWKS document, so the tree head could not be checked.")
                return
            source = f"the package's own {KEYS}"
        else:
            source = "the keys you gave"
        check = tree_head_verify(token, keys=keys)
        if check.head is None:
            detail = check.detail.rstrip(".")
            self.fail(f"tree head: {detail} ({check.reason}, checked with {source}), so no proof could be checked.")
            return
        head = self.head = check.head
        issuer = manifest.get("issuer")
        if head.issuer != issuer:
            self.fail(f"tree head: it was issued by {head.issuer}, but {MANIFEST} names {issuer!r}.")
        self.checks.append(
            f"tree head: signed with key {head.kid} from {source}; {head.size:,} leaves, root {head.root.hex()}, "
            f"issued {head.issued_at:%Y-%m-%d %H:%M:%S} UTC."
        )
        if source != "the keys you gave":
            self.checks.append(
                f"tree head: a key in the package proves only that the package is intact; compare key id "
                f"{head.kid} with the key set {head.issuer.rstrip('/')}{JWKS_PATH} publishes."
            )

    def timestamp(self, manifest: Mapping[str, Any], timestamp_check: Callable[[bytes, bytes], str] | None) -> None:
        stamp = manifest.get("timestamp")
        if stamp is None:
            self.checks.append("timestamp: the package has none.")
            return
        token = _base64(stamp.get("token")) if isinstance(stamp, dict) else None
        if token is None:
            self.fail(f"{MANIFEST}: its timestamp is neither null nor an object with a base64 token.")
            return
        authority = stamp.get("tsa") if isinstance(stamp.get("tsa"), str) else "an unnamed authority"
        if timestamp_check is None:
            self.checks.append(f"timestamp: from {authority}, not checked (no timestamp checker was given).")
            return
        tree_head = manifest.get("tree_head")
        if not isinstance(tree_head, str) or not tree_head.isascii():
            self.fail("timestamp: there is no tree head token for it to cover.")
            return
        reason = timestamp_check(token, tree_head.encode("ascii"))
        if reason:
            self.fail(f"timestamp: {reason}")
        else:
            self.checks.append(f"timestamp: the token from {authority} covers the tree head.")

    def listed_items(self, manifest: Mapping[str, Any]) -> dict[str, list[tuple[str, str, int]]]:
        """Check every item's leaves and proofs; return, by file name, what each naming item expects of it."""
        items = manifest.get("items")
        if not isinstance(items, list):
            self.fail(f"{MANIFEST}: items is not a list.")
            return {}
        self.items = len(items)
        named: dict[str, list[tuple[str, str, int]]] = {}
        ids: set[int] = set()
        for position, item in enumerate(items):
            if not isinstance(item, dict) or not _is_int(item.get("id")):
                self.fail(f"{MANIFEST}: items[{position}] has no integer id.")
                continue
            who = f"item {item['id']}"
            if item["id"] in ids:
                self.fail(f"{who}: listed more than once.")
                continue
            ids.add(item["id"])
            self.item(who, item, named)
        return named

    def item(self, who: str, item: Mapping[str, Any], named: dict[str, list[tuple[str, str, int]]]) -> None:
        file_name = item.get("file")
        if not _is_file_name(file_name):
            self.fail(f"{who}: its file {file_name!r} is not named files/<sha256>.")
        else:
            named.setdefault(file_name, [])
        leaf = self.leaf(who, item, "evidence")
        if leaf is not None:
            sha256, size = leaf.get("sha256"), leaf.get("size")
            if leaf.get("id") != item["id"]:
                self.fail(f"{who}, leaf {item['leaf_index']}: the leaf is about evidence {leaf.get('id')!r}.")
            elif not (isinstance(sha256, str) and _SHA256_HEX.fullmatch(sha256) and _is_count(size)):
                self.fail(f"{who}, leaf {item['leaf_index']}: the leaf lacks a SHA-256 hex digest or a byte size.")
            elif file_name != FILES + sha256:
                self.fail(f"{who}: its file is {file_name!r}, but its leaf gives SHA-256 {sha256}.")
            else:
                named[file_name].append((who, sha256, size))
        custody = item.get("custody")
        if not isinstance(custody, list):
            self.fail(f"{who}: custody is not a list.")
            return
        for position, entry in enumerate(custody):
            record = self.leaf(f"{who}, custody[{position}]", entry, "custody")
            if record is not None and record.get("evidence") != item["id"]:
                self.fail(
                    f"{who}, custody leaf {entry['leaf_index']}: it is about evidence {record.get('evidence')!r}."
                )

    def leaf(self, who: str, entry: object, kind: str) -> dict[str, Any] | None:
        """Decode a leaf, check its form and its inclusion proof; the leaf's fields unless unreadable."""
        if not isinstance(entry, dict) or not _is_count(entry.get("leaf_index")):
            self.fail(f"{who}: not an object with a leaf_index.")
            return None
        index = entry["leaf_index"]
        where = f"{who}, leaf {index}"
        raw = _base64(entry.get("leaf"))
        value = _json_object(raw) if raw is not None else None
        if raw is None or value is None:
            self.fail(f"{where}: the leaf is not base64 of a JSON object.")
            return None
        if canonical_json(value) != raw:
            self.fail(f"{where}: the leaf is not canonical JSON (sorted keys, no whitespace, UTF-8).")
            return None
        if value.get("v") != 1 or value.get("type") != kind or not _is_int(value.get("id")):
            self.fail(f"{where}: the leaf is not a version-1 {kind} leaf with an integer id.")
            return None
        proof = _hashes(entry.get("proof"))
        head = self.head
        if proof is None:
            self.fail(f"{where}: its proof is not a list of SHA-256 hex digests.")
        elif head is not None:
            if index >= head.size:
                self.fail(f"{where}: the tree head's log has only {head.size:,} leaves.")
            elif verify_inclusion(leaf_hash=leaf_hash(raw), index=index, size=head.size, proof=proof, root=head.root):
                self.checks.append(f"{where}: in the log of {head.size:,} leaves.")
            else:
                self.fail(f"{where}: its inclusion proof does not lead to the tree head's root {head.root.hex()}.")
        return value

    def digest(self, info: zipfile.ZipInfo) -> tuple[str, int]:
        sha256 = hashlib.sha256()
        size = 0
        for chunk in self.chunks(info):
            sha256.update(chunk)
            size += len(chunk)
        return sha256.hexdigest(), size

    def files(self, named: Mapping[str, list[tuple[str, str, int]]]) -> None:
        for name, info in self.entries.items():
            if name in (MANIFEST, KEYS, README) or (name == FILES and info.is_dir()):
                continue
            if name not in named:
                self.fail(f"{name}: no item names this file." if name.startswith(FILES) else f"{name}: not expected.")
                continue
            if not named[name]:
                continue
            try:
                sha256, size = self.digest(info)
            except _Unreadable as error:
                self.fail(f"{name}: cannot be read ({error}).")
                continue
            for who, expected_sha256, expected_size in named[name]:
                if sha256 != expected_sha256:
                    self.fail(f"{name}: its SHA-256 is {sha256}, but {who}'s leaf says {expected_sha256}.")
                elif size != expected_size:
                    self.fail(f"{name}: it holds {size:,} bytes, but {who}'s leaf says {expected_size:,}.")
                else:
                    self.checks.append(f"{name}: SHA-256 and size ({size:,} bytes) match {who}'s leaf.")
        for name, expectations in named.items():
            if name not in self.entries:
                whose = " and ".join(who for who, _, _ in expectations) or "an item"
                self.fail(f"{name}: missing, though {whose} names it.")


def package_verify(
    path_or_file: str | os.PathLike[str] | BinaryIO,
    *,
    keys: Mapping[str, Any] | None = None,
    max_total_bytes: int = 2**34,
    timestamp_check: Callable[[bytes, bytes], str] | None = None,
) -> PackageReport:
    """Check an evidence package offline.

    The tree head is checked with ``keys`` (a JWKS document the caller trusts) when given, else with the
    package's own ``keys.json``, which proves only that the package is intact. ``timestamp_check``, when
    given, is called with the timestamp token (DER) and the tree head token's bytes, and returns ``""`` or
    why the timestamp fails. Any input gives a report; nothing is decompressed before the entry names and
    declared sizes pass, and files are hashed a chunk at a time.
    """
    try:
        archive = zipfile.ZipFile(path_or_file)
    except _UNREADABLE as error:
        failure = f"package: not a readable zip archive ({error})."
        return PackageReport(ok=False, failures=[failure], checks=[], tree_head=None, items=0)
    with archive:
        inspection = _Inspection(archive)
        inspection.run(keys=keys, max_total_bytes=max_total_bytes, timestamp_check=timestamp_check)
    return inspection.report()


def _write_text(archive: zipfile.ZipFile, name: str, text: str, stamp: tuple[int, int, int, int, int, int]) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, text.encode())


def package_write(
    out: BinaryIO | str | os.PathLike[str],
    *,
    manifest: Mapping[str, Any],
    files: Iterable[tuple[str, Callable[[], BinaryIO]]],
    keys: Mapping[str, Any],
) -> None:
    """Write an evidence package: the README, the manifest, the key set, then each file streamed as stored.

    ``files`` pairs each ``files/<sha256>`` name the manifest's items name with a function opening its
    bytes; each is opened only when written. ``out`` may be a path or a binary stream, even one that cannot
    seek. Raises ``ValueError`` for a manifest of another format or without an ``exported_at`` time, for
    files that are not those the items name, and for a key set holding private key material.
    """
    if manifest.get("format") != PACKAGE_FORMAT:
        raise ValueError(f"The manifest's format must be {PACKAGE_FORMAT!r}.")
    exported_at = _exported_at(manifest.get("exported_at"))
    if exported_at is None:
        raise ValueError("The manifest's exported_at must be an ISO 8601 time with its offset from UTC.")
    openers = dict(files)
    bad = sorted(name for name in openers if not _is_file_name(name))
    if bad:
        raise ValueError(f"File names must be files/<sha256 hex>, not {', '.join(map(repr, bad))}.")
    items = manifest.get("items")
    named = {item.get("file") for item in items if isinstance(item, Mapping)} if isinstance(items, list) else set()
    if named != set(openers):
        raise ValueError("The files given must be exactly those the manifest's items name.")
    if any(isinstance(jwk, Mapping) and "d" in jwk for jwk in keys.get("keys", [])):
        raise ValueError("A published key set must not contain private key material ('d').")
    moment = exported_at.astimezone(UTC)
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    with zipfile.ZipFile(out, "w") as archive:
        _write_text(archive, README, package_readme(), stamp)
        _write_text(archive, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", stamp)
        _write_text(archive, KEYS, json.dumps(keys, indent=2) + "\n", stamp)
        for name, opener in openers.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            # Sizes are unknown until a file is read; ZIP64 fields keep files over 4 GiB writable.
            with opener() as source, archive.open(info, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, _CHUNK)


def package_readme() -> str:
    """The README.txt of a package: what it holds and how to check it without IPBridge."""
    return _README


_README = """\
IPBridge evidence package
=========================

This archive holds evidence files kept by an IPBridge instance, with what anyone needs to check, without
asking the instance, that these are the files the instance recorded in its tamper-evident log, and when.

What is inside
--------------
manifest.json    The items. For each: its id; its entry in the log (the "leaf", base64) and that entry's
                 position ("leaf_index"); an inclusion proof ("proof", hex hashes); its file; and the log
                 entries recording what happened to it since ("custody"), each with its own proof.
                 Also "tree_head", the instance's signature over the log's size and root hash, and, when
                 there is one, "timestamp", an RFC 3161 timestamp of that tree head.
files/<sha256>   Each item's bytes, named by their SHA-256 digest. Text evidence is a UTF-8 text file.
keys.json        The instance's public keys, a copy of what it publishes at <issuer>/.well-known/jwks.json.
README.txt       This text.

What proves what
----------------
1. The tree head is a JWS compact token signed with Ed25519 (alg "EdDSA"). Its payload gives the issuer
   ("iss"), how many entries the log had ("tree_size"), the log's root hash ("root_hash") and when
   ("iat", seconds since 1970). Check the signature with a key you trust: fetch the key set from
   <issuer>/.well-known/jwks.json yourself and compare the key id ("kid") in the token's header.
   keys.json is only a copy: it shows the package is intact, not who made it.
2. The log is a Merkle tree as in RFC 9162 (Certificate Transparency version 2) with SHA-256. A leaf's
   hash is SHA-256(0x00 || leaf bytes); an inner node's is SHA-256(0x01 || left child || right child).
   A leaf is canonical JSON (UTF-8, sorted keys, no spaces), for evidence such as
   {"content_type":"image/png","id":12,"sha256":"<hex>","size":1234,"type":"evidence","v":1}.
3. For each item, the SHA-256 digest and the size of its file equal the leaf's "sha256" and "size", and
   the inclusion proof leads from the leaf's hash to the tree head's root hash by the algorithm of
   RFC 9162, section 2.1.3.2. Custody entries are checked the same way; their leaves name the item under
   "evidence". Together: the instance had logged these exact bytes by the time it signed the tree head.
4. A timestamp, when present, is an RFC 3161 TimeStampToken (base64 DER) over the tree head token's ASCII
   bytes, from an independent timestamp authority: the tree head, and every entry in the log it covers,
   existed by the time in the token. OpenSSL checks it, given the authority's certificates, once the
   decoded token is saved as token.der and the tree head token, without a line break, as tree_head.txt:
       openssl ts -verify -token_in -in token.der -data tree_head.txt -CAfile authority.pem

Checking the hashes by hand
---------------------------
This Python 3 script uses only the standard library. It checks every file and proof against the root hash
in the tree head; it does not check the tree head's signature (use any JWS library with Ed25519 for that).

    import base64, hashlib, json, sys, zipfile

    def root_from(leaf_hash, index, size, proof):
        if index >= size:
            return None
        fn, sn, r = index, size - 1, leaf_hash
        for p in proof:
            if sn == 0:
                return None
            if fn & 1 or fn == sn:
                r = hashlib.sha256(b"\\x01" + p + r).digest()
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
            else:
                r = hashlib.sha256(b"\\x01" + r + p).digest()
            fn, sn = fn >> 1, sn >> 1
        return r if sn == 0 else None

    package = zipfile.ZipFile(sys.argv[1])
    manifest = json.loads(package.read("manifest.json"))
    payload = manifest["tree_head"].split(".")[1]
    head = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    root = bytes.fromhex(head["root_hash"])
    for item in manifest["items"]:
        for entry in [item, *item["custody"]]:
            leaf = base64.b64decode(entry["leaf"])
            proof = [bytes.fromhex(h) for h in entry["proof"]]
            found = root_from(hashlib.sha256(b"\\x00" + leaf).digest(), entry["leaf_index"], head["tree_size"], proof)
            print("item", item["id"], "leaf", entry["leaf_index"], "in the log" if found == root else "NOT IN THE LOG")
        digest = hashlib.sha256(package.read(item["file"])).hexdigest()
        expected = json.loads(base64.b64decode(item["leaf"]))["sha256"]
        print("item", item["id"], item["file"], "matches its leaf" if digest == expected else "DOES NOT MATCH")
"""
