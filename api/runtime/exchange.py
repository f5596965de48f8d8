"""The exchange's sweep in ``shudu worker``: lapsed licences expire and overdue usage reports
are reminded of (once a day each) without waiting for a call or for cron."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from api.runtime.periodic import Periodic, start_periodic
from core.db import transaction
from core.identity.principal import Principal
from exchange.obligations import ObligationService

log = logging.getLogger("shudu.exchange")

SWEEP_SECONDS = 60.0


def sweep_once(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(sessions, write=True) as session:
        expired, reminded = ObligationService(session, Principal.operator()).sweep()
    if expired or reminded:
        log.info("exchange sweep: %d licence(s) expired, %d reminder(s)", expired, reminded)
    return expired, reminded


def start_exchange_sweep(
    sessions: sessionmaker[Session], seconds: float = SWEEP_SECONDS
) -> Periodic:
    return start_periodic("exchange-sweep", lambda: sweep_once(sessions), seconds)
