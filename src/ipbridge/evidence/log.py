"""The evidence log in the database: appending leaves under one lock, signing tree heads, proofs, and the check
that finds rows, leaves or nodes altered behind the application's back.

Every evidence item and custody event is a leaf (``leaves``); the hashes of the log's perfect subtrees are kept as
nodes, so that a root or a proof for any size the log ever had is read in one query (``ipbridge.engine.translog``
does the hashing)."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ipbridge.engine import timestamps, translog
from ipbridge.evidence.leaves import custody_leaf, evidence_leaf
from ipbridge.evidence.models import CustodyEvent, Evidence, LogLeaf, LogNode, LogState, TreeHead
from ipbridge.identity.signing import published_jwks, signing_key_current

logger = logging.getLogger(__name__)

_BATCH = 2000
T = TypeVar("T")


class DatabaseNodes:
    """The log's nodes as the engine reads them: all the keys a root or proof needs, in one query."""

    def nodes(self, keys: Collection[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        if not keys:
            return {}
        wanted = Q()
        for level, index in keys:
            wanted |= Q(level=level, index=index)
        return {(n.level, n.index): bytes(n.hash) for n in LogNode.objects.filter(wanted)}


NODES = DatabaseNodes()


def _state_locked() -> LogState:
    """The log's state row, locked until the transaction ends (made on first use: a flushed database has none)."""
    state = LogState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        LogState.objects.bulk_create([LogState(pk=1, size=0)], ignore_conflicts=True)
        state = LogState.objects.select_for_update().get(pk=1)
    return state


class Appender:
    """Hands out the log's next indices to one transaction at a time: it locks the log's state row until the
    transaction ends, so indices are consecutive and leaves are written in their order."""

    def __init__(self) -> None:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("the evidence log is appended to inside a transaction")
        self._state = _state_locked()
        self._next = self._state.size
        self._leaves: dict[int, bytes] = {}

    def reserve(self) -> int:
        index = self._next
        self._next += 1
        return index

    def add(self, index: int, data: bytes) -> None:
        self._leaves[index] = data

    def add_evidence(self, item: Evidence) -> None:
        self.add(item.leaf_index, evidence_leaf(item))

    def add_custody(self, event: CustodyEvent) -> None:
        self.add(event.leaf_index, custody_leaf(event))

    def write(self) -> None:
        size = self._state.size
        indices = sorted(self._leaves)
        if indices != list(range(size, self._next)):
            raise RuntimeError("every reserved leaf index must be given its leaf before the log is written")
        if not indices:
            return
        now = timezone.now()
        datas = [self._leaves[i] for i in indices]
        LogLeaf.objects.bulk_create(
            [LogLeaf(index=i, data=d, created_at=now) for i, d in zip(indices, datas, strict=True)]
        )
        nodes = translog.appended_nodes(size=size, leaf_hashes=[translog.leaf_hash(d) for d in datas], reader=NODES)
        LogNode.objects.bulk_create([LogNode(level=level, index=index, hash=h) for level, index, h in nodes])
        self._state.size = self._next
        self._state.save(update_fields=["size"])
        self._leaves.clear()


def log_size() -> int:
    return LogState.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def issuer() -> str:
    return settings.SITE_URL.rstrip("/")


def tree_head_current() -> TreeHead:
    """The newest signed tree head, signing one first when leaves were added since (and time-stamping it, when
    a time-stamping authority is configured)."""
    with transaction.atomic():
        state = _state_locked()
        latest = TreeHead.objects.filter(size=state.size).first()
        if latest is not None:
            return latest
        root = translog.root_hash(size=state.size, reader=NODES)
        key = signing_key_current()
        now = timezone.now()
        token = translog.tree_head_sign(size=state.size, root=root, issuer=issuer(), issued_at=now, key=key)
        head = TreeHead.objects.create(size=state.size, root=root, token=token, kid=key.kid, signed_at=now)
    if settings.EVIDENCE_TSA_URL:
        tree_head_timestamp(head)
    return head


def tree_head_timestamp(head: TreeHead) -> bool:
    """Ask the configured time-stamping authority to stamp the head's token; a failure is logged and the head is
    kept without a stamp (the next head is stamped again)."""
    url = settings.EVIDENCE_TSA_URL
    try:
        token = timestamps.timestamp_fetch(url, head.token.encode("ascii"), timeout=settings.EVIDENCE_TSA_TIMEOUT)
    except timestamps.TimestampError as exc:
        logger.warning("time-stamping authority %s refused or failed: %s", url, exc)
        return False
    TreeHead.objects.filter(pk=head.pk).update(tsa_url=url, tsa_token=token)
    head.tsa_url, head.tsa_token = url, token
    return True


@dataclass(frozen=True)
class Proof:
    """An inclusion proof of one leaf in a signed tree head, checked here before it is shown."""

    leaf_index: int
    leaf: bytes
    leaf_hash: bytes
    path: list[bytes]
    head: TreeHead
    valid: bool


def leaf_proofs(indices: Sequence[int], head: TreeHead) -> list[Proof]:
    leaves = {leaf.index: bytes(leaf.data) for leaf in LogLeaf.objects.filter(index__in=indices)}
    proofs = []
    for index in indices:
        data = leaves.get(index, b"")
        digest = translog.leaf_hash(data)
        path = translog.inclusion_proof(index=index, size=head.size, reader=NODES)
        valid = index in leaves and translog.verify_inclusion(
            leaf_hash=digest, index=index, size=head.size, proof=path, root=bytes(head.root)
        )
        proofs.append(Proof(index, data, digest, path, head, valid))
    return proofs


def consistency(old_size: int, new_size: int) -> list[bytes]:
    return translog.consistency_proof(old_size=old_size, new_size=new_size, reader=NODES)


@dataclass
class LogCheck:
    """What the log check found: ``problems`` says, for people, each row, leaf, node, head or file that does not
    match; empty when everything holds."""

    size: int = 0
    items: int = 0
    custody_events: int = 0
    heads: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _changed_fields(stored: bytes, now: bytes) -> str:
    try:
        before, after = json.loads(stored), json.loads(now)
    except ValueError:
        return "the leaf is not readable"
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return ", ".join(changed)


def _leaves_in(indices: list[int]) -> dict[int, bytes]:
    return {leaf.index: bytes(leaf.data) for leaf in LogLeaf.objects.filter(index__in=indices)}


def _rows_check(report: LogCheck) -> None:
    """Each evidence and custody row gives the very bytes of its leaf."""
    items = Evidence.objects.select_related("organisation", "marketplace").order_by("leaf_index")
    for batch in _chunked(items.iterator(chunk_size=_BATCH)):
        report.items += len(batch)
        _rows_against_leaves(report, "evidence", [(item, evidence_leaf(item)) for item in batch])
    events = CustodyEvent.objects.select_related("organisation").order_by("leaf_index")
    for events_batch in _chunked(events.iterator(chunk_size=_BATCH)):
        report.custody_events += len(events_batch)
        _rows_against_leaves(report, "custody event", [(event, custody_leaf(event)) for event in events_batch])


def _rows_against_leaves(report: LogCheck, kind: str, rows: Sequence[tuple[Evidence | CustodyEvent, bytes]]) -> None:
    stored = _leaves_in([row.leaf_index for row, _ in rows])
    for row, data in rows:
        if row.leaf_index not in stored:
            report.problems.append(f"{kind} {row.pk}: leaf {row.leaf_index} is missing from the log")
        elif stored[row.leaf_index] != data:
            report.problems.append(
                f"{kind} {row.pk}: the row no longer matches leaf {row.leaf_index} "
                f"(changed: {_changed_fields(stored[row.leaf_index], data)})"
            )


def _chunked(rows: Iterator[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _tree_check(report: LogCheck) -> translog.MemoryNodeStore:
    """The nodes rebuilt from the leaves equal the stored nodes, and there is a leaf for every index."""
    rebuilt = translog.MemoryNodeStore()
    size = 0
    for leaves in _chunked(LogLeaf.objects.order_by("index").iterator(chunk_size=_BATCH)):
        for leaf in leaves:
            if leaf.index != size:
                report.problems.append(f"leaf {size} is missing from the log")
                return rebuilt
            size += 1
        hashes = [translog.leaf_hash(bytes(leaf.data)) for leaf in leaves]
        rebuilt.put(translog.appended_nodes(size=leaves[0].index, leaf_hashes=hashes, reader=rebuilt))
    if size != report.size:
        report.problems.append(f"the log says it holds {report.size} leaves but {size} are stored")
    for nodes in _chunked(LogNode.objects.order_by("level", "index").iterator(chunk_size=_BATCH)):
        expected = rebuilt.nodes([(n.level, n.index) for n in nodes])
        for node in nodes:
            if expected.get((node.level, node.index)) != bytes(node.hash):
                report.problems.append(f"node {node.level}/{node.index} does not match the leaves below it")
    return rebuilt


def _heads_check(report: LogCheck, rebuilt: translog.MemoryNodeStore) -> None:
    """Every signed tree head verifies with the published keys and its root is the root of the leaves."""
    keys = published_jwks()
    for head in TreeHead.objects.order_by("size", "id"):
        report.heads += 1
        check = translog.tree_head_verify(head.token, keys=keys)
        if not check.valid or check.head is None:
            report.problems.append(f"tree head {head.pk}: {check.detail}")
            continue
        if check.head.size != head.size or check.head.root != bytes(head.root):
            report.problems.append(f"tree head {head.pk}: the row no longer matches its signed token")
        if head.size > report.size:
            report.problems.append(f"tree head {head.pk}: signed for {head.size} leaves, more than the log holds")
            continue
        try:
            root = translog.root_hash(size=head.size, reader=rebuilt)
        except LookupError:
            continue  # a missing leaf was reported already
        if root != check.head.root:
            report.problems.append(
                f"tree head {head.pk}: the leaves no longer give the root signed for {head.size} leaves"
            )


def _files_check(report: LogCheck) -> None:
    from ipbridge.evidence.blobs import blob_digest

    for item in Evidence.objects.order_by("id").iterator(chunk_size=_BATCH):
        report.files += 1
        try:
            sha256, size = blob_digest(item.storage_name)
        except OSError:
            report.problems.append(f"evidence {item.pk}: its file is missing from the store")
            continue
        if sha256 != item.sha256 or size != item.size:
            report.problems.append(f"evidence {item.pk}: the stored file no longer has the SHA-256 it was added with")


def log_check(*, files: bool = False) -> LogCheck:
    """Check the whole log: rows against leaves, leaves against nodes, nodes against signed tree heads, and
    (with ``files``) every stored file against its SHA-256."""
    report = LogCheck(size=log_size())
    _rows_check(report)
    rebuilt = _tree_check(report)
    _heads_check(report, rebuilt)
    if files:
        _files_check(report)
    return report
