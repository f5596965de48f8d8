"""Outgoing mail (docs/operations.md, "Mail").

With ``SHUDU_SMTP_URL`` set (``smtp://`` or ``smtps://user:pass@host:port``), messages go
through that server: ``smtps`` is TLS from the first byte, ``smtp`` upgrades with STARTTLS
whenever the server offers it. Without it, the embedded default, each message is written as an
``.eml`` file to ``$SHUDU_DATA_DIR/mail/``, where a person running the demo opens it.

The log names the message's id and, for files, the file; never the address or the text (the
text of an account mail holds a single-use link).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from core.clock import utcnow
from core.errors import ConfigError, ServiceUnavailable
from core.settings import Settings

log = logging.getLogger("shudu.mail")

SMTP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    def send(self, mail: Mail) -> str:
        """Send ``mail``; return its Message-ID. Raises ServiceUnavailable when it cannot."""
        ...


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    domain = sender.rpartition("@")[2].rstrip(">") or "shudu.localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(mail.text)
    return message


@dataclass(frozen=True, slots=True)
class FileMailer:
    """Each message an ``.eml`` file in ``folder``: the embedded default, and the demo's."""

    folder: Path
    sender: str

    def send(self, mail: Mail) -> str:
        message = _message(mail, self.sender)
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        message_id = str(message["Message-ID"])
        path = self.folder / f"{stamp}-{message_id.strip('<>').split('@')[0]}.eml"
        path.write_bytes(message.as_bytes())
        log.info("mail %s written to %s", message_id, path)
        return message_id


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    username: str | None
    password: str | None
    sender: str

    def send(self, mail: Mail) -> str:
        message = _message(mail, self.sender)
        message_id = str(message["Message-ID"])
        context = ssl.create_default_context()
        try:
            smtp: smtplib.SMTP
            if self.tls:
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
            with smtp:
                smtp.ehlo()
                if not self.tls and smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail %s not sent: %s", message_id, type(exc).__name__)
            raise ServiceUnavailable("The mail could not be sent; try again later") from exc
        log.info("mail %s sent through %s:%s", message_id, self.host, self.port)
        return message_id


def smtp_mailer(url: str, sender: str) -> SmtpMailer:
    """An :class:`SmtpMailer` from ``smtp://`` or ``smtps://[user:pass@]host[:port]``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("SHUDU_SMTP_URL must look like smtp://host:25 or smtps://user:pass@host")
    tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if tls else 25)
    except ValueError:
        raise ConfigError("SHUDU_SMTP_URL has a port that is not a number") from None
    return SmtpMailer(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def make_mailer(settings: Settings) -> Mailer:
    """The mailer the settings ask for: SMTP when ``SHUDU_SMTP_URL`` is set, else files."""
    if settings.smtp_url is None:
        return FileMailer(settings.mail_dir, settings.mail_from)
    return smtp_mailer(str(settings.smtp_url), settings.mail_from)
