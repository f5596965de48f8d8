"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verification. Pure: no I/O.

Trees are addressed by *perfect subtrees*: ``(level, index)`` is the hash of the leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 are the leaf hashes. Every range a proof
needs is a right-edge range (its start is a multiple of a power of two at least its length), so
it splits into at most log2(n) perfect subtrees. A store that keeps those hashes answers any
proof with O(log n) reads: :func:`inclusion_ranges` / :func:`consistency_ranges` say which
ranges a proof consists of, :func:`subtrees` says which stored hashes a range needs, and
:func:`range_hash` folds them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # [start, end)


class ProofError(ValueError):
    """A proof, size or hash does not verify; the message says which check failed."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (for tests, verifiers and small trees)."""
    frontier: list[tuple[int, bytes]] = []
    for h in leaf_hashes:
        frontier = push(frontier, h)
    return frontier_root(frontier)


# -- the compact range: the O(log n) state that extends a tree one leaf at a time --------------


def push(frontier: list[tuple[int, bytes]], leaf: bytes) -> list[tuple[int, bytes]]:
    """Add a leaf to a frontier of (level, hash) perfect subtrees, left to right, in place.

    Returns the same list; callers that need the completed subtrees use :func:`push_nodes`.
    """
    push_nodes(frontier, leaf)
    return frontier


def push_nodes(frontier: list[tuple[int, bytes]], leaf: bytes) -> list[tuple[int, bytes]]:
    """Add a leaf; return the perfect subtrees of level >= 1 it completed as (level, hash)."""
    completed: list[tuple[int, bytes]] = []
    level, h = 0, leaf
    while frontier and frontier[-1][0] == level:
        _, left = frontier.pop()
        h = node_hash(left, h)
        level += 1
        completed.append((level, h))
    frontier.append((level, h))
    return completed


def frontier_root(frontier: Sequence[tuple[int, bytes]]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    h = frontier[-1][1]
    for _, left in reversed(frontier[:-1]):
        h = node_hash(left, h)
    return h


def encode_frontier(frontier: Sequence[tuple[int, bytes]]) -> bytes:
    # Levels are implied by the size (the set bits of n, highest first); only hashes are kept.
    return b"".join(h for _, h in frontier)


def decode_frontier(size: int, raw: bytes) -> list[tuple[int, bytes]]:
    levels = [bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
    if len(raw) != HASH_SIZE * len(levels):
        raise ProofError(f"a frontier for size {size} needs {len(levels)} hashes")
    return [(level, raw[i * HASH_SIZE : (i + 1) * HASH_SIZE]) for i, level in enumerate(levels)]


# -- which ranges and stored subtrees a proof needs ----------------------------------------------


def subtrees(start: int, end: int) -> list[Node]:
    """The perfect subtrees covering [start, end), left to right (largest aligned first)."""
    nodes: list[Node] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def range_hash(start: int, end: int, lookup: Mapping[Node, bytes]) -> bytes:
    """MTH of a right-edge range from stored perfect subtrees (folded right to left)."""
    if start >= end:
        raise ProofError("an empty range has no hash")
    nodes = subtrees(start, end)
    h = lookup[nodes[-1]]
    for node in reversed(nodes[:-1]):
        h = node_hash(lookup[node], h)
    return h


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 §2.1.3.1 PATH(index, D[size]) as ranges, in proof order (leaf side first)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(old: int, new: int) -> list[Range]:
    """RFC 9162 §2.1.4.1 PROOF(old, D[new]) as ranges, in proof order."""
    if not 0 < old <= new:
        raise ProofError(f"no consistency proof from size {old} to size {new}")
    ranges: list[Range] = []
    start, end, complete = 0, new, True
    m = old
    while True:
        if m == end - start:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            complete = False
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    return {node for start, end in ranges for node in subtrees(start, end)}


def prove(
    ranges: Sequence[Range], fetch: Callable[[set[Node]], Mapping[Node, bytes]]
) -> list[bytes]:
    """Hashes of ``ranges`` with one batched ``fetch`` of the stored subtrees they need."""
    lookup = fetch(nodes_for(ranges))
    return [range_hash(start, end, lookup) for start, end in ranges]


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------------


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    _check_hash("leaf hash", leaf)
    fn, sn, r = index, size - 1, leaf
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``leaf`` is at ``index`` of the tree with ``root``."""
    _check_hash("root", root)
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"the inclusion proof for index {index} does not lead to the root")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`ProofError` unless the tree of size ``new`` extends the one of ``old``."""
    if old > new:
        raise ProofError(f"size {old} is larger than size {new}")
    if old == 0:
        # Everything extends the empty tree; a proof "from 0" proves nothing and is refused.
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old == new:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if old_root != new_root:
            raise ProofError(f"two different roots for size {old}")
        return
    if not proof:
        raise ProofError("an empty consistency proof for different sizes")
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"the consistency proof does not lead to the root of size {old}")
    if sr != new_root:
        raise ProofError(f"the consistency proof does not lead to the root of size {new}")
