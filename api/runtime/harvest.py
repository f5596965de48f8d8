"""Scheduled harvesting in ``shudu worker``: due sources are run one after another."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from api.runtime.periodic import Periodic, start_periodic
from catalog.harvest.services import run_due
from core.clock import utcnow

log = logging.getLogger("shudu.harvest")


def start_harvest_scheduler(
    sessions: sessionmaker[Session], poll_seconds: float = 60.0
) -> Periodic:
    def harvest_due() -> None:
        for report in run_due(sessions, utcnow()):
            log.info("harvest %s: %s", report.source, report.as_dict())

    return start_periodic("harvest", harvest_due, poll_seconds)
