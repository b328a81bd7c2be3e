"""The slow, obviously correct log: RFC 9162's recursive definitions (§2.1.1, §2.1.3.1, §2.1.4.1) over leaf data.

Each function rehashes every leaf it covers, so it costs O(n) hashes where the stored-node functions cost
O(log n); the tests check that both give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) for the leaf data ``leaves``."""
    n = len(leaves)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return sha256(b"\x00" + leaves[0]).digest()
    k = _largest_power_of_two_below(n)
    return sha256(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])).digest()


def _path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _largest_power_of_two_below(n)
    if m < k:
        return [*_path(m, leaves[:k]), reference_root(leaves[k:])]
    return [*_path(m - k, leaves[k:]), reference_root(leaves[:k])]


def reference_inclusion(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) for the leaf data ``leaves``."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"Leaf {index} is not in a tree of {len(leaves)} leaves.")
    return _path(index, leaves)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [reference_root(leaves)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), reference_root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), reference_root(leaves[:k])]


def reference_consistency(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(old_size, D[n]) for the leaf data ``leaves``."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"A consistency proof needs 0 < old_size <= {len(leaves)}, not {old_size}.")
    return _subproof(old_size, leaves, True)
