"""The signing keys of access tokens: ES256 (P-256) keys kept in the data dir, rotating.

Each key is one JSON file ``<data dir>/oauth_keys/<kid>.json`` (mode 0600) holding the private
JWK and its creation time. The newest key signs; older keys stay published in the JWKS until
every token they signed has expired (token lifetime plus a minute of clock skew), then drop
out. ``shudu oauth rotate-key`` adds a key; every worker process notices the new file within
:data:`RELOAD_SECONDS` (it lists the directory at most that often), so all processes sign
with the same key and verify with the same set.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc.jwk import ECKey, KeySet

ALGORITHM = "ES256"
RELOAD_SECONDS = 5.0
SKEW_SECONDS = 60


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    created: float
    key: ECKey

    def sign_jwt(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        """A compact ES256 JWS (RFC 7515 §7.1, signature as R || S per RFC 7518 §3.4).

        Written out rather than through joserfc's general machinery, which took three times
        as long; the result is an ordinary JWS (tests verify it with joserfc and the JWKS).
        """
        signing_input = (
            _b64url(orjson.dumps({**header, "alg": ALGORITHM}))
            + b"."
            + _b64url(orjson.dumps(claims))
        )
        private = self.key.private_key
        if private is None:
            raise ValueError(f"signing key {self.kid} has no private part")
        der = private.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return (signing_input + b"." + _b64url(signature)).decode()


def _write_new_key(directory: Path, now: float) -> SigningKey:
    # The kid sorts by creation time, so the newest key is also the greatest name.
    kid = f"{int(now * 1000):015d}-{secrets.token_hex(4)}"
    key = ECKey.generate_key("P-256", {"kid": kid, "use": "sig", "alg": ALGORITHM}, private=True)
    document = {"created": now, "jwk": key.as_dict(private=True)}
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Created with 0600 (exclusive) so that only the service account can read the private key.
    fd = os.open(directory / f"{kid}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(document))
    return SigningKey(kid, now, key)


def rotate(directory: Path, *, now: float | None = None) -> str:
    """Add a new signing key; running servers pick it up within RELOAD_SECONDS."""
    return _write_new_key(directory, time.time() if now is None else now).kid


class KeyRing:
    def __init__(self, directory: Path, token_lifetime: int) -> None:
        self.directory = directory
        self.token_lifetime = token_lifetime
        self._lock = threading.Lock()
        self._checked = 0.0
        self._names: tuple[str, ...] = ()
        self._keys: list[SigningKey] = []
        self._verify_set = KeySet([])
        self._jwks: dict[str, Any] = {"keys": []}
        self._refresh(force=True)

    def _load(self) -> list[SigningKey]:
        keys = []
        for path in sorted(self.directory.glob("*.json")):
            document = orjson.loads(path.read_bytes())
            key = ECKey.import_key(document["jwk"])
            keys.append(SigningKey(path.stem, float(document["created"]), key))
        return keys

    def _refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < RELOAD_SECONDS:
            return
        with self._lock:
            self._checked = now
            names = tuple(sorted(p.name for p in self.directory.glob("*.json")))
            if names and names == self._names:
                self._publish()  # retired keys age out of the JWKS
                return
            keys = self._load()
            if not keys:
                keys = [_write_new_key(self.directory, time.time())]
            self._names = tuple(sorted(f"{k.kid}.json" for k in keys))
            self._keys = keys
            self._publish()

    def published_at(self, now: float) -> list[SigningKey]:
        """The keys a verifier needs at ``now``: the current one, and retired ones whose
        last token (signed just before their successor was created) may still be valid."""
        horizon = now - self.token_lifetime - SKEW_SECONDS
        last = len(self._keys) - 1
        return [
            k for i, k in enumerate(self._keys) if i == last or self._keys[i + 1].created > horizon
        ]

    def _publish(self) -> None:
        public = [k.key.as_dict(private=False) for k in self.published_at(time.time())]
        self._jwks = {"keys": public}
        self._verify_set = KeySet([ECKey.import_key(jwk) for jwk in public])

    def published(self, *, reload: bool = False) -> list[SigningKey]:
        """The keys the JWKS publishes now, oldest first; ``reload`` right after a rotation."""
        self._refresh(force=reload)
        return self.published_at(time.time())

    @property
    def current(self) -> SigningKey:
        self._refresh()
        return self._keys[-1]

    def jwks(self) -> dict[str, Any]:
        self._refresh()
        return self._jwks

    def verification_keys(self) -> KeySet:
        self._refresh()
        return self._verify_set
