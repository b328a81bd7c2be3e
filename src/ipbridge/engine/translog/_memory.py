"""A node store in memory: one byte array per level, each node's 32 bytes at ``index * 32``.

Ten million leaves take about 640 MB (20 million nodes), with no object per node.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from ipbridge.engine.translog._hashing import HASH_SIZE, is_hash
from ipbridge.engine.translog._tree import Key, appended_nodes


class MemoryNodeStore:
    """The perfect-subtree hashes of one log, kept in memory; a ``NodeReader``."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    @property
    def size(self) -> int:
        """The number of leaves stored."""
        return len(self._levels[0]) // HASH_SIZE if self._levels else 0

    @property
    def nbytes(self) -> int:
        """The bytes the hashes take."""
        return sum(len(level) for level in self._levels)

    def nodes(self, keys: Collection[Key]) -> dict[Key, bytes]:
        """The hashes of those of the keys that are stored."""
        found = {}
        for level, index in keys:
            if 0 <= level < len(self._levels) and index >= 0:
                at = index * HASH_SIZE
                digest = bytes(self._levels[level][at : at + HASH_SIZE])
                if digest:
                    found[level, index] = digest
        return found

    def put(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Store ``(level, index, hash)`` nodes, each level in index order with no gap.

        Storing a node again with the same hash does nothing; with another hash it raises ``ValueError``,
        since a log's nodes never change. Nodes are checked as they are stored, so a failing call may have
        stored the nodes before the one it names.
        """
        for level, index, digest in nodes:
            if not is_hash(digest):
                raise ValueError(f"Node (level {level}, index {index}) is not a 32-byte hash.")
            if level < 0 or index < 0:
                raise ValueError(f"Node (level {level}, index {index}) has a negative level or index.")
            while len(self._levels) <= level:
                self._levels.append(bytearray())
            row = self._levels[level]
            stored = len(row) // HASH_SIZE
            if index == stored:
                row += digest
            elif index > stored:
                raise ValueError(f"Node (level {level}, index {index}) would leave a gap after index {stored - 1}.")
            elif row[index * HASH_SIZE : (index + 1) * HASH_SIZE] != digest:
                raise ValueError(f"Node (level {level}, index {index}) is already stored with another hash.")

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append leaves, given their hashes, and store every node they complete."""
        self.put(appended_nodes(size=self.size, leaf_hashes=leaf_hashes, reader=self))
