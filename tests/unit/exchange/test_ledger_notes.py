"""C2SP signed notes, verifier keys and checkpoint bodies."""

from __future__ import annotations

import base64
import hashlib

import pytest

from exchange.ledger.notes import (
    CheckpointBody,
    NoteError,
    Signer,
    open_note,
    parse_checkpoint,
    parse_vkey,
)


def test_vkey_has_the_c2sp_shape() -> None:
    signer = Signer.generate("shudu.example/audit")
    name, hex_id, encoded = signer.verifier.vkey.split("+", 2)
    raw = base64.b64decode(encoded)
    assert name == "shudu.example/audit"
    assert raw[0] == 1
    assert len(raw) == 33
    assert bytes.fromhex(hex_id) == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert parse_vkey(signer.verifier.vkey) == signer.verifier


def test_sign_and_open_a_checkpoint() -> None:
    signer = Signer.generate("shudu.example/audit")
    body = CheckpointBody("shudu.example/audit", 42, bytes(range(32)))
    note = signer.sign(body.text)
    assert note.startswith("shudu.example/audit\n42\n")
    assert "\n\n\u2014 shudu.example/audit " in note
    assert parse_checkpoint(open_note(note, signer.verifier)) == body
    # The private key survives its text form.
    again = Signer.from_skey(signer.skey)
    assert again.verifier == signer.verifier


def test_tampered_or_foreign_notes_are_refused() -> None:
    signer, other = Signer.generate("a.example/log"), Signer.generate("a.example/log")
    note = signer.sign(CheckpointBody("a.example/log", 1, bytes(32)).text)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note.replace("\n1\n", "\n2\n"), signer.verifier)
    with pytest.raises(NoteError, match="no signature by"):
        open_note(note, other.verifier)  # same name, another key
    with pytest.raises(NoteError):
        open_note("no signature\n", signer.verifier)


@pytest.mark.parametrize(
    "text",
    ["origin\n01\n" + base64.b64encode(bytes(32)).decode() + "\n", "origin\n1\nnot-base64\n", ""],
)
def test_malformed_checkpoints(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)


@pytest.mark.parametrize("vkey", ["a+b", "a+00000000+AQ==", "bad name+00+AA=="])
def test_malformed_vkeys(vkey: str) -> None:
    with pytest.raises(NoteError):
        parse_vkey(vkey)
