"""Settings from ``SHUDU_*`` environment variables (docs/architecture.md, "Settings").

A missing or malformed value stops start-up with a :class:`ConfigError` that names the
variable. The secret key, when not given, is generated once and kept in the data dir so
that sessions survive restarts.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.config import Config
from starlette.datastructures import Secret

from core.errors import ConfigError

DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024**3
DEFAULT_CHECKPOINT_INTERVAL = 10  # seconds between audit-ledger checkpoints (when it grew)
DEFAULT_ACCESS_TOKEN_SECONDS = 15 * 60  # OAuth access tokens (Authlib's default is 10 days)
DEFAULT_RATE_LIMIT_CLIENT = 1200  # API requests a minute per OAuth client
DEFAULT_RATE_LIMIT_ANONYMOUS = 600  # API requests a minute per anonymous IP address


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    search_url: str | None
    base_url: str
    secret_key: Secret
    max_upload_bytes: int
    checkpoint_interval: float = DEFAULT_CHECKPOINT_INTERVAL
    search_zh_analyzer: str = "standard"
    # "inprocess": each web process drains the search outbox; "external": `shudu worker` does.
    search_worker: str = "inprocess"
    access_token_seconds: int = DEFAULT_ACCESS_TOKEN_SECONDS
    rate_limit_client: int = DEFAULT_RATE_LIMIT_CLIENT  # 0: no limit
    rate_limit_anonymous: int = DEFAULT_RATE_LIMIT_ANONYMOUS  # 0: no limit
    # Linked tabular resources may point at loopback or private addresses (off: a link cannot
    # make the server read its own network; on for a closed intranet, and in tests).
    fetch_private_links: bool = False
    # Shown in the pages' footer ("contact us"); empty: no address is shown.
    contact_email: str = ""
    # smtp:// or smtps://user:pass@host:port; None: mail is written to data_dir/mail as .eml.
    smtp_url: Secret | None = None
    mail_from: str = "Shudu <noreply@shudu.localhost>"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of bytes, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0.05 <= value <= 3600:
        raise ConfigError(f"{name} must be between 0.05 and 3600 seconds, got {raw}")
    return value


def _http_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{name} must be an http(s) URL such as http://127.0.0.1:9200, got {raw!r}"
        )
    return raw.rstrip("/")


def _database_url(name: str, raw: str) -> str:
    scheme = raw.split(":", 1)[0]
    if scheme in ("postgres", "postgresql"):
        # The psycopg 3 driver is the one we ship; accept the common spellings.
        return "postgresql+psycopg" + raw[len(scheme) :]
    if scheme in ("sqlite", "postgresql+psycopg"):
        return raw
    raise ConfigError(f"{name} must be a sqlite:/// or postgresql:// URL, got scheme {scheme!r}")


def _secret_key(data_dir: Path, given: str | None) -> Secret:
    if given is not None:
        if len(given) < 32:
            raise ConfigError("SHUDU_SECRET_KEY must be at least 32 characters long")
        return Secret(given)
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return Secret(key_file.read_text().strip())
    key = secrets.token_urlsafe(48)
    # Created with 0600 so that only the service account can read it.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return Secret(key)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise ConfigError naming the first bad one."""
    config = Config(environ=dict(os.environ if environ is None else environ))
    data_dir = Path(config("SHUDU_DATA_DIR", default=".data")).expanduser().resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"SHUDU_DATA_DIR {str(data_dir)!r} cannot be created: {exc}") from exc

    raw_db = config("SHUDU_DATABASE_URL", default=None)
    database_url = (
        f"sqlite:///{data_dir / 'shudu.db'}"
        if raw_db is None
        else _database_url("SHUDU_DATABASE_URL", raw_db)
    )
    raw_search = config("SHUDU_SEARCH_URL", default=None)
    search_url = None if not raw_search else _http_url("SHUDU_SEARCH_URL", raw_search)
    zh_analyzer = config("SHUDU_SEARCH_ZH_ANALYZER", default="standard")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", zh_analyzer):
        raise ConfigError(
            "SHUDU_SEARCH_ZH_ANALYZER must be an analyzer name such as smartcn,"
            f" got {zh_analyzer!r}"
        )
    search_worker = config("SHUDU_SEARCH_WORKER", default="inprocess")
    if search_worker not in ("inprocess", "external"):
        raise ConfigError(
            f"SHUDU_SEARCH_WORKER must be inprocess or external, got {search_worker!r}"
        )
    base_url = _http_url(
        "SHUDU_BASE_URL", config("SHUDU_BASE_URL", default="http://127.0.0.1:8000")
    )
    max_upload = _positive_int(
        "SHUDU_MAX_UPLOAD_BYTES",
        config("SHUDU_MAX_UPLOAD_BYTES", default=str(DEFAULT_MAX_UPLOAD_BYTES)),
    )
    secret_key = _secret_key(data_dir, config("SHUDU_SECRET_KEY", default=None))
    checkpoint_interval = _seconds(
        "SHUDU_CHECKPOINT_INTERVAL",
        config("SHUDU_CHECKPOINT_INTERVAL", default=str(DEFAULT_CHECKPOINT_INTERVAL)),
    )
    raw_lifetime = config("SHUDU_ACCESS_TOKEN_SECONDS", default=str(DEFAULT_ACCESS_TOKEN_SECONDS))
    if not raw_lifetime.isdigit() or not 60 <= int(raw_lifetime) <= 3600:
        raise ConfigError(
            "SHUDU_ACCESS_TOKEN_SECONDS must be whole seconds from 60 to 3600,"
            f" got {raw_lifetime!r}"
        )
    access_token_seconds = int(raw_lifetime)
    rate_limits = {}
    for name, default in (
        ("SHUDU_RATE_LIMIT_CLIENT", DEFAULT_RATE_LIMIT_CLIENT),
        ("SHUDU_RATE_LIMIT_ANONYMOUS", DEFAULT_RATE_LIMIT_ANONYMOUS),
    ):
        raw = config(name, default=str(default))
        if not raw.isdigit():
            raise ConfigError(f"{name} must be a whole number of requests a minute (0: no limit)")
        rate_limits[name] = int(raw)
    raw_private = config("SHUDU_FETCH_PRIVATE_LINKS", default="false").lower()
    if raw_private not in ("true", "false"):
        raise ConfigError(f"SHUDU_FETCH_PRIVATE_LINKS must be true or false, got {raw_private!r}")
    contact_email = config("SHUDU_CONTACT_EMAIL", default="").strip()
    if contact_email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact_email):
        raise ConfigError(
            f"SHUDU_CONTACT_EMAIL must be an e-mail address such as data@city.gov.cn,"
            f" got {contact_email!r}"
        )
    raw_smtp = config("SHUDU_SMTP_URL", default="").strip()
    if raw_smtp and urlsplit(raw_smtp).scheme not in ("smtp", "smtps"):
        raise ConfigError("SHUDU_SMTP_URL must look like smtp://host:25 or smtps://user:pass@host")
    host = urlsplit(base_url).hostname or "shudu.localhost"
    mail_from = config("SHUDU_MAIL_FROM", default=f"Shudu <noreply@{host}>").strip()
    if not re.fullmatch(r"(?:[^<>]*<)?[^@\s<>]+@[^@\s<>]+>?", mail_from):
        raise ConfigError(
            f"SHUDU_MAIL_FROM must be an address such as 'Shudu <noreply@city.gov.cn>',"
            f" got {mail_from!r}"
        )
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        search_url=search_url,
        base_url=base_url,
        secret_key=secret_key,
        max_upload_bytes=max_upload,
        checkpoint_interval=checkpoint_interval,
        search_zh_analyzer=zh_analyzer,
        search_worker=search_worker,
        access_token_seconds=access_token_seconds,
        rate_limit_client=rate_limits["SHUDU_RATE_LIMIT_CLIENT"],
        rate_limit_anonymous=rate_limits["SHUDU_RATE_LIMIT_ANONYMOUS"],
        fetch_private_links=raw_private == "true",
        contact_email=contact_email,
        smtp_url=Secret(raw_smtp) if raw_smtp else None,
        mail_from=mail_from,
    )
