"""Roots and proofs of any tree size, computed from the stored hashes of perfect subtrees.

A node key ``(level, index)`` names the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``;
level 0 holds the leaf hashes. Such a node never changes once its last leaf is in, so the root of every
earlier tree size, and every proof against it, is a fold of a few stored nodes: RFC 9162 splits a tree of
``n`` leaves at the largest power of two below ``n``, which makes every left subtree perfect and leaves at
most one imperfect range per proof, the right edge, itself a run of perfect subtrees.

Each function first works out every key it needs and then asks the reader once, because a reader backed by
a database answers one query per call.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from ipbridge.engine.translog._hashing import EMPTY_ROOT, is_hash, node_hash

Key = tuple[int, int]
# A run of leaves [start, end).
_Range = tuple[int, int]


class NodeReader(Protocol):
    """Where the hashes of perfect subtrees are kept."""

    def nodes(self, keys: Collection[Key]) -> Mapping[Key, bytes | bytearray | memoryview]:
        """The hashes of those of the ``(level, index)`` keys that are stored; missing keys are left out.

        A hash may come as ``bytes``, ``bytearray`` or ``memoryview`` (what a database driver hands back).
        """
        ...


class MissingNode(LookupError):
    """The node store lacks a hash a root or proof needs: the tree size asked for is beyond what is stored."""

    def __init__(self, key: Key) -> None:
        level, index = key
        first, last = index << level, ((index + 1) << level) - 1
        super().__init__(f"No hash is stored for node (level {level}, index {index}), over leaves {first} to {last}.")
        self.key = key


def _check_count(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}.")


def _split(width: int) -> int:
    """The largest power of two strictly below ``width`` (at least 2): where RFC 9162 splits a tree."""
    return 1 << ((width - 1).bit_length() - 1)


def _pieces(leaves: _Range) -> list[Key]:
    """The perfect subtrees that make up a range, left to right, as MTH splits it.

    Every range a root or proof needs starts at a multiple of its largest piece, so each piece is aligned.
    """
    start, end = leaves
    keys = []
    while start < end:
        level = (end - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fetch(reader: NodeReader, keys: list[Key]) -> dict[Key, bytes]:
    """The hashes of these keys, from one call to the reader; a database may hand back memoryviews."""
    found = reader.nodes(keys)
    hashes = {}
    for key in keys:
        value = found.get(key)
        digest = bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None
        if not is_hash(digest):
            raise MissingNode(key)
        hashes[key] = digest
    return hashes


def _read(reader: NodeReader, ranges: Sequence[_Range]) -> list[bytes]:
    """The MTH of each range, from one call to the reader."""
    pieces = [_pieces(leaves) for leaves in ranges]
    found = _fetch(reader, list(dict.fromkeys(key for keys in pieces for key in keys)))
    hashes = []
    for keys in pieces:
        folded = found[keys[-1]]
        for key in reversed(keys[:-1]):
            folded = node_hash(found[key], folded)
        hashes.append(folded)
    return hashes


def appended_nodes(*, size: int, leaf_hashes: Sequence[bytes], reader: NodeReader) -> list[tuple[int, int, bytes]]:
    """Every perfect node that appending these leaf hashes to a tree of ``size`` leaves completes.

    Returns ``(level, index, hash)`` triples, level by level from the leaves (level 0) up, to store as they
    are. Only the left siblings on the old right edge are read, with one call to the reader.
    """
    _check_count("size", size)
    for position, digest in enumerate(leaf_hashes):
        if not is_hash(digest):
            raise ValueError(f"Leaf hash {position} is not a 32-byte SHA-256 digest.")
    end = size + len(leaf_hashes)

    def completes_parents(level: int) -> bool:
        return (end >> (level + 1)) > (size >> (level + 1))

    # Where the first new node of a level is a right child, its left sibling is an old, stored node: these are
    # the only old nodes that appending reads.
    edge: list[Key] = []
    level = 0
    while completes_parents(level):
        if (size >> level) & 1:
            edge.append((level, (size >> level) - 1))
        level += 1
    found = _fetch(reader, edge) if edge else {}

    nodes = [(0, size + offset, digest) for offset, digest in enumerate(leaf_hashes)]
    row = list(leaf_hashes)
    level = 0
    while completes_parents(level):
        first = size >> level
        if first & 1:
            row.insert(0, found[(level, first - 1)])
        row = [node_hash(left, right) for left, right in zip(row[0::2], row[1::2], strict=False)]
        level += 1
        first = size >> level
        nodes.extend((level, first + offset, digest) for offset, digest in enumerate(row))
    return nodes


def root_hash(*, size: int, reader: NodeReader) -> bytes:
    """MTH(D[size]): the root of the tree's first ``size`` leaves (``EMPTY_ROOT`` for none)."""
    _check_count("size", size)
    if size == 0:
        return EMPTY_ROOT
    return _read(reader, [(0, size)])[0]


def inclusion_proof(*, index: int, size: int, reader: NodeReader) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1: the audit path of one leaf, from the leaf up."""
    _check_count("index", index)
    _check_count("size", size)
    if index >= size:
        raise ValueError(f"Leaf {index} is not in a tree of {size} leaves.")
    siblings: list[_Range] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            siblings.append((middle, end))
            end = middle
        else:
            siblings.append((start, middle))
            start = middle
    siblings.reverse()
    return _read(reader, siblings)


def consistency_proof(*, old_size: int, new_size: int, reader: NodeReader) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1: that the older tree is a prefix of the newer."""
    _check_count("old_size", old_size)
    _check_count("new_size", new_size)
    if not 0 < old_size <= new_size:
        raise ValueError(f"A consistency proof needs 0 < old_size <= new_size, not {old_size} and {new_size}.")
    # SUBPROOF(m, D[start:start + width], whole) unrolled: each step descends into one half and keeps the other.
    ranges: list[_Range] = []
    start, m, width, whole = 0, old_size, new_size, True
    while m != width:
        k = _split(width)
        if m <= k:
            ranges.append((start + k, start + width))
            width = k
        else:
            ranges.append((start, start + k))
            start, m, width, whole = start + k, m - k, width - k, False
    if not whole:
        ranges.append((start, start + m))
    ranges.reverse()
    return _read(reader, ranges)
