"""An independent client: only RFC 9162 and C2SP, written here from the specs.

Nothing from Shudu's own Merkle or note code is imported; the client fetches the checkpoint and
key, checks the Ed25519 signature, recomputes the root from /audit/leaves, and checks inclusion
and consistency proofs.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from exchange.ledger.checkpoints import checkpoint_now
from tests.factories import make_member, make_org


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:  # RFC 9162 §2.1.1, over leaf hashes
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def inclusion_root(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    fn, sn, r = index, size - 1, leaf  # RFC 9162 §2.1.3.2
    for p in proof:
        assert sn != 0
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return r


def consistent(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    path = ([old] if m & (m - 1) == 0 else []) + proof  # RFC 9162 §2.1.4.2
    fn, sn = m - 1, n - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = sha(b"\x01" + c + fr), sha(b"\x01" + c + sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = sha(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old and sr == new and sn == 0


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    name, key_hash, key_b64 = vkey.split("+", 2)  # c2sp.org/signed-note
    key = base64.b64decode(key_b64)
    assert key[0] == 1
    assert sha(name.encode() + b"\n" + key)[:4].hex() == key_hash
    text, _, signatures = note.partition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        signer, encoded = line.removeprefix("\u2014 ").split(" ")
        raw = base64.b64decode(encoded)
        if signer == name and raw[:4].hex() == key_hash:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(raw[4:], text.encode())
            origin, size, root = text.splitlines()[:3]  # c2sp.org/tlog-checkpoint
            return origin, int(size), base64.b64decode(root)
    raise AssertionError("no signature by the key")


def _b(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


def test_an_independent_client_checks_everything(
    client: TestClient, session: Session, sessions: sessionmaker[Session]
) -> None:
    signer = client.app.state.audit.signer  # type: ignore[attr-defined]
    make_member(session, make_org(session, OrgKind.DEPARTMENT), Role.PUBLISHER)
    session.commit()
    checkpoint_now(sessions, signer)
    _, old_size, old_root = open_checkpoint(
        client.get("/audit/checkpoint").text, client.get("/audit/vkey").text.strip()
    )
    for _ in range(3):
        make_member(session, make_org(session, OrgKind.ENTERPRISE), Role.MEMBER)
    session.commit()
    checkpoint_now(sessions, signer)

    vkey = client.get("/audit/vkey").text.strip()
    origin, size, root = open_checkpoint(client.get("/audit/checkpoint").text, vkey)
    assert origin == vkey.split("+")[0]
    assert size > old_size
    leaves = _b(client.get(f"/audit/leaves?start=0&end={size}").json()["leaf_hashes"])
    assert len(leaves) == size
    assert mth(leaves) == root
    assert mth(leaves[:old_size]) == old_root
    for index in range(size):
        body = client.get(f"/audit/proofs/inclusion?index={index}&size={size}").json()
        leaf = base64.b64decode(body["leaf_hash"])
        assert leaf == leaves[index]
        assert inclusion_root(index, size, leaf, _b(body["proof"])) == root
    proof = _b(client.get(f"/audit/proofs/consistency?from={old_size}&to={size}").json()["proof"])
    assert consistent(old_size, size, old_root, root, proof)
    assert not consistent(old_size, size, sha(b"forged"), root, proof)
