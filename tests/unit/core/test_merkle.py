"""RFC 9162 hashing and proofs against the 196 transparency-dev vectors (tests/data/merkle)."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest

from core import merkle

VECTORS = Path(__file__).parents[2] / "data" / "merkle"
LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]


def _cases(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS))) for f in files]


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def test_there_are_196_vectors() -> None:
    assert len(_cases("inclusion")) + len(_cases("consistency")) == 196


def test_root_of_the_eight_leaves() -> None:
    root = merkle.root_of([merkle.leaf_hash(leaf) for leaf in LEAVES])
    assert base64.b64encode(root).decode() == "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
    assert merkle.root_of([]) == merkle.EMPTY_ROOT


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_vector(case: dict[str, Any]) -> None:
    proof = [_b(p) for p in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], _b(case["leafHash"]), proof, _b(case["root"]))
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_vector(case: dict[str, Any]) -> None:
    proof = [_b(p) for p in case["proof"] or []]
    args = (case["size1"], case["size2"], _b(case["root1"]), _b(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def _store(leaf_hashes: list[bytes]) -> dict[merkle.Node, bytes]:
    """Every perfect subtree of a tree, as a database would keep them."""
    store: dict[merkle.Node, bytes] = {}
    frontier: list[tuple[int, bytes]] = []
    for i, h in enumerate(leaf_hashes):
        store[(0, i)] = h
        for level, node in merkle.push_nodes(frontier, h):
            store[(level, ((i + 1) >> level) - 1)] = node
    return store


def test_generated_proofs_match_the_vectors() -> None:
    hashes = [merkle.leaf_hash(leaf) for leaf in LEAVES]
    store = _store(hashes)
    checked = 0
    for case in [c.values[0] for c in _cases("inclusion")]:
        index, size = case["leafIdx"], case["treeSize"]
        if (
            case["wantErr"]
            or size > 8
            or case["leafHash"] != base64.b64encode(hashes[index]).decode()
        ):
            continue
        proof = merkle.prove(merkle.inclusion_ranges(index, size), lambda _: store)
        assert [base64.b64encode(p).decode() for p in proof] == (case["proof"] or [])
        checked += 1
    for case in [c.values[0] for c in _cases("consistency")]:
        if case["wantErr"] or not 0 < case["size1"] < case["size2"] <= 8:
            continue
        proof = merkle.prove(
            merkle.consistency_ranges(case["size1"], case["size2"]), lambda _: store
        )
        assert [base64.b64encode(p).decode() for p in proof] == case["proof"]
        checked += 1
    assert checked >= 8


def test_every_proof_of_small_trees_verifies() -> None:
    rng = random.Random(7)
    hashes = [merkle.leaf_hash(rng.randbytes(rng.randrange(40))) for _ in range(70)]
    store = _store(hashes)
    roots = [merkle.root_of(hashes[:n]) for n in range(71)]
    for size in range(1, 71):
        frontier: list[tuple[int, bytes]] = []
        for h in hashes[:size]:
            merkle.push(frontier, h)
        assert merkle.frontier_root(frontier) == roots[size]
        assert merkle.range_hash(0, size, store) == roots[size]
        decoded = merkle.decode_frontier(size, merkle.encode_frontier(frontier))
        assert decoded == frontier
        for index in range(size):
            proof = merkle.prove(merkle.inclusion_ranges(index, size), lambda _: store)
            merkle.verify_inclusion(index, size, hashes[index], proof, roots[size])
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(index, size, hashes[index - 1], proof, roots[size])
        for old in range(1, size + 1):
            proof = merkle.prove(merkle.consistency_ranges(old, size), lambda _: store)
            merkle.verify_consistency(old, size, roots[old], roots[size], proof)
            if old < size:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(old, size, roots[old - 1], roots[size], proof)


def test_proofs_need_only_logarithmic_reads() -> None:
    size = 1_000_003
    for index in (0, 1, 500_000, size - 1):
        assert len(merkle.nodes_for(merkle.inclusion_ranges(index, size))) <= 2 * 20
    assert len(merkle.nodes_for(merkle.consistency_ranges(777_777, size))) <= 2 * 20


@pytest.mark.parametrize(("index", "size"), [(-1, 3), (3, 3), (0, 0)])
def test_bad_inclusion_requests(index: int, size: int) -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_ranges(index, size)


@pytest.mark.parametrize(("old", "new"), [(0, 3), (4, 3), (-1, 2)])
def test_bad_consistency_requests(old: int, new: int) -> None:
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(old, new)
