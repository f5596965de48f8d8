"""``shudu audit``: verify the ledger from an export or a live server, and sign checkpoints."""

from __future__ import annotations

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import click

from core import merkle
from core.db import make_engine, make_session_factory
from core.errors import ConfigError
from core.settings import load_settings
from exchange.ledger.checkpoints import checkpoint_now, load_signer
from exchange.ledger.notes import NoteError, open_note, parse_checkpoint, parse_vkey
from exchange.ledger.verify import (
    Problem,
    Report,
    parse_saved_checkpoint,
    read_export,
    read_jsonl,
    verify_records,
)

LEAVES_PAGE = 1000


@click.group()
def audit() -> None:
    """The tamper-evident audit ledger."""


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint now if the ledger grew since the last one."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        click.echo(f"configuration error: {exc.message}", err=True)
        sys.exit(2)
    engine = make_engine(settings.database_url)
    try:
        signer = load_signer(settings.data_dir, settings.base_url)
        size = checkpoint_now(make_session_factory(engine), signer)
    finally:
        engine.dispose()
    click.echo("no new entries; nothing to sign" if size is None else f"signed size {size}")


def _get(url: str, token: str | None = None) -> Any:
    request = urllib.request.Request(url)  # noqa: S310 — the URL is the operator's own
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    return urllib.request.urlopen(request, timeout=60)  # noqa: S310


def _text(url: str) -> str:
    with _get(url) as response:
        return str(response.read().decode())


def _json(url: str) -> Any:
    with _get(url) as response:
        return json.loads(response.read())


def _verify_public(base: str, vkey: str | None, saved: list[str]) -> Report:
    """Without entries: the checkpoint's signature and root from the public leaf hashes."""
    report = Report()
    served = _text(f"{base}/audit/vkey").strip()
    key = parse_vkey(vkey or served)
    if vkey and served != key.vkey:
        report.problems.append(Problem("the server names a different key than the one you trust"))
    body = parse_checkpoint(open_note(_text(f"{base}/audit/checkpoint"), key))
    frontier: list[tuple[int, bytes]] = []
    while report.entries < body.size:
        end = min(body.size, report.entries + LEAVES_PAGE)
        page = _json(f"{base}/audit/leaves?start={report.entries}&end={end}")["leaf_hashes"]
        if not page:
            break
        for value in page:
            merkle.push(frontier, base64.b64decode(value))
        report.entries += len(page)
    report.checkpoints = 1
    if merkle.frontier_root(frontier) != body.root:
        report.problems.append(Problem(f"the leaves do not hash to the signed root {body.size}"))
    else:
        report.verified_size = body.size
    for note in saved:
        size, root = parse_saved_checkpoint(note, key.vkey)
        proof = _json(f"{base}/audit/proofs/consistency?from={size}&to={body.size}")["proof"]
        try:
            merkle.verify_consistency(
                size, body.size, root, body.root, [base64.b64decode(p) for p in proof]
            )
            report.checkpoints += 1
        except merkle.ProofError as exc:
            report.problems.append(Problem(f"saved checkpoint {size} is not consistent: {exc}"))
    return report


@audit.command("verify")
@click.argument("source")
@click.option("--vkey", help="The verifier key you trust (name+id+key); default: the export's.")
@click.option("--token", envvar="SHUDU_TOKEN", help="A regulator's API token, to verify entries.")
@click.option(
    "--checkpoint",
    "saved",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signed checkpoint you kept earlier; the log must be consistent with it.",
)
def audit_verify(source: str, vkey: str | None, token: str | None, saved: tuple[Path, ...]) -> None:
    """Verify the ledger from an export file or a server's base URL, without its database.

    Recomputes every leaf and root, checks every checkpoint's signature and consistency, and
    names the first bad entry. Exit status 0 only if everything verifies.
    """
    notes = [path.read_text() for path in saved]
    try:
        key = vkey or None
        if source.startswith(("http://", "https://")):
            base = source.rstrip("/")
            if token:
                url = f"{base}/api/v1/audit/export?format=jsonl"
                with _get(url, token) as response:
                    roots = dict(parse_saved_checkpoint(n, key or _vkey_of(base)) for n in notes)
                    report = verify_records(read_jsonl(response), vkey=key, saved_roots=roots)
            else:
                report = _verify_public(base, key, notes)
        else:
            with Path(source).open("rb") as handle:
                records = read_export(handle)
                roots = {}
                if notes:
                    if key is None:
                        raise NoteError("--checkpoint needs --vkey for a file export")
                    roots = dict(parse_saved_checkpoint(n, key) for n in notes)
                report = verify_records(records, vkey=key, saved_roots=roots)
    except (OSError, urllib.error.URLError, NoteError, ValueError, KeyError) as exc:
        click.echo(f"FAILED: {exc}", err=True)
        sys.exit(2)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


def _vkey_of(base: str) -> str:
    return _text(f"{base}/audit/vkey").strip()
