"""Checking proofs with nothing but the hashes, as RFC 9162 §2.1.3.2 and §2.1.4.2 describe it.

Proofs usually come from someone else, so these functions never raise on what they are given: a size, an
index or a hash that cannot be right makes them answer False.
"""

from __future__ import annotations

from collections.abc import Sequence

from ipbridge.engine.translog._hashing import is_hash, node_hash


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _all_hashes(values: object) -> bool:
    return isinstance(values, Sequence) and not isinstance(values, str | bytes) and all(map(is_hash, values))


def verify_inclusion(*, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows that the leaf with this hash is leaf ``index`` of the tree of ``size`` leaves
    whose root is ``root``."""
    if not (_is_count(index) and _is_count(size) and index < size):
        return False
    if not (is_hash(leaf_hash) and is_hash(root) and _all_hashes(proof)):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows that the tree of ``old_size`` leaves with ``old_root`` is the start of the tree
    of ``new_size`` leaves with ``new_root``.

    As for ``consistency_proof``, ``0 < old_size <= new_size``; equal sizes need an empty proof and equal
    roots (the RFC's algorithm, which starts by refusing an empty proof, leaves that case out).
    """
    if not (_is_count(old_size) and _is_count(new_size) and 0 < old_size <= new_size):
        return False
    if not (is_hash(old_root) and is_hash(new_root) and _all_hashes(proof)):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
