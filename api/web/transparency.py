"""The transparency page: the ledger's latest signed checkpoint, explained for a citizen, and
checked in the visitor's own browser (docs/architecture.md, "The audit ledger").

The page is complete without JavaScript: the checkpoint, its root, the verifier key and the
commands to check them. ``static/transparency.js`` adds a button that verifies the signature with
WebCrypto, recomputes the Merkle root from the public leaf hashes and checks an inclusion proof,
all from the public ``/audit/…`` endpoints, so a visitor need not trust this page's server code.
"""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.html import render
from api.runtime.audit import audit_runtime
from api.state import app_state, in_transaction
from core.identity.principal import Principal
from exchange.figures import LatestCheckpoint, latest_checkpoint

# The browser recomputes the whole tree up to this size (leaves come 1000 per request); beyond
# it, it checks the newest entry's inclusion proof only.
BROWSER_RECOMPUTE_MAX = 4096


async def transparency(request: Request) -> Response:
    def work(session: Session, _: Principal) -> LatestCheckpoint | None:
        return latest_checkpoint(session)

    latest = await in_transaction(request, work)
    verifier = audit_runtime(request).signer.verifier
    return render(
        request,
        "transparency.html",
        {
            "checkpoint": latest,
            "root": None if latest is None else base64.b64encode(latest.root).decode(),
            "origin": None if latest is None else latest.note.split("\n", 1)[0],
            "vkey": verifier.vkey,
            "key_name": verifier.name,
            "key_id": verifier.key_id.hex(),
            "base_url": app_state(request).settings.base_url.rstrip("/"),
            "recompute_max": BROWSER_RECOMPUTE_MAX,
        },
    )


def routes() -> list[Route]:
    return [Route("/transparency", transparency, methods=["GET"])]
