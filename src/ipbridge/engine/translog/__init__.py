"""An append-only Merkle log hashed as in RFC 9162 (Certificate Transparency v2), and its signed tree heads.

- :func:`leaf_hash` and :func:`node_hash` are the RFC's hashes; ``EMPTY_ROOT`` is the root of no leaves.
- The log keeps the hash of every perfect subtree, keyed ``(level, index)``; such a node never changes once
  complete. :func:`appended_nodes` says which nodes an append completes; :func:`root_hash`,
  :func:`inclusion_proof` and :func:`consistency_proof` answer for the current or any earlier tree size.
  Each reads what it needs from a :class:`NodeReader` with one call, and raises :class:`MissingNode` when the
  reader lacks a node. :class:`MemoryNodeStore` is a reader that keeps the nodes in memory.
- :func:`verify_inclusion` and :func:`verify_consistency` check proofs with nothing but hashes.
- :func:`reference_root`, :func:`reference_inclusion` and :func:`reference_consistency` are the RFC's
  recursive definitions over leaf data, slow and obviously correct: the tests check the rest against them.
- :func:`tree_head_sign` signs a tree size and root as a JWS (typ ``TREE_HEAD_TYPE``) with the instance's
  credential keys; :func:`tree_head_verify` checks one against a published key set.
"""

from ipbridge.engine.translog._hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from ipbridge.engine.translog._heads import (
    TREE_HEAD_REASONS,
    TREE_HEAD_TYPE,
    TreeHead,
    TreeHeadCheck,
    tree_head_sign,
    tree_head_verify,
)
from ipbridge.engine.translog._memory import MemoryNodeStore
from ipbridge.engine.translog._reference import reference_consistency, reference_inclusion, reference_root
from ipbridge.engine.translog._tree import (
    Key,
    MissingNode,
    NodeReader,
    appended_nodes,
    consistency_proof,
    inclusion_proof,
    root_hash,
)
from ipbridge.engine.translog._verify import verify_consistency, verify_inclusion

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TREE_HEAD_REASONS",
    "TREE_HEAD_TYPE",
    "Key",
    "MemoryNodeStore",
    "MissingNode",
    "NodeReader",
    "TreeHead",
    "TreeHeadCheck",
    "appended_nodes",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "reference_consistency",
    "reference_inclusion",
    "reference_root",
    "root_hash",
    "tree_head_sign",
    "tree_head_verify",
    "verify_consistency",
    "verify_inclusion",
]
