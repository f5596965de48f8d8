"""The enterprise's obligations under an agreement: periodic usage reports (use, results and
benefit, as the rules on authorized operation of public data require) with reminders when one
is due, and a deletion certificate once the entitlement has ended."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ledger
from core.clock import utcnow
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.identity.principal import Principal
from core.ledger import LedgerEntry
from exchange import roles
from exchange.entitlements import EntitlementService
from exchange.models import (
    DeletionCertificate,
    Entitlement,
    EntitlementState,
    UsageReport,
)
from exchange.schemas import DeletionCertificateCreate, UsageReportCreate

REMIND_DAYS_BEFORE = 7
REMIND_EVERY = timedelta(days=1)  # an overdue report is reminded of once a day


@dataclass(frozen=True, slots=True)
class ReportDue:
    entitlement_id: uuid.UUID
    due: datetime
    overdue: bool


def report_due(entitlement: Entitlement) -> datetime:
    since = entitlement.last_report_at or entitlement.starts_at
    return since + timedelta(days=entitlement.report_every_days)


def _date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"{name} is a date", {name: ["YYYY-MM-DD"]}) from None


class ObligationService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _own(self, entitlement_id: uuid.UUID) -> Entitlement:
        roles.require_writer(self.principal)
        entitlement = EntitlementService(self.session, self.principal).get(entitlement_id)
        if entitlement.organization_id not in roles.enterprise_org_ids(self.principal):
            raise PermissionDenied("Only the licensed enterprise reports on its use")
        return entitlement

    def submit_report(self, entitlement_id: uuid.UUID, data: UsageReportCreate) -> UsageReport:
        entitlement = self._own(entitlement_id)
        start = _date(data.period_start, "period_start")
        end = _date(data.period_end, "period_end")
        if end < start:
            raise ValidationFailed("The period ends before it starts", {"period_end": ["later"]})
        report = UsageReport(
            entitlement_id=entitlement.id,
            period_start=start,
            period_end=end,
            use=data.use,
            results=data.results,
            benefit=data.benefit,
            submitted_by=self.principal.user_id,
        )
        self.session.add(report)
        entitlement.last_report_at = utcnow()
        self.session.flush()
        ledger.append(
            self.session,
            "exchange.report.submitted",
            actor=self.principal.user_id,
            org=entitlement.organization_id,
            subject=f"entitlement:{entitlement.id}",
            data={
                "report": str(report.id),
                "period": [start.isoformat(), end.isoformat()],
                "hash": hashlib.sha256(
                    orjson.dumps([data.use, data.results, data.benefit])
                ).hexdigest(),
            },
        )
        return report

    def reports(self, entitlement_id: uuid.UUID) -> list[UsageReport]:
        EntitlementService(self.session, self.principal).get(entitlement_id)
        return list(
            self.session.scalars(
                select(UsageReport)
                .where(UsageReport.entitlement_id == entitlement_id)
                .order_by(UsageReport.submitted_at.desc())
            )
        )

    def reminders(self) -> list[ReportDue]:
        """Reports due within a week, or overdue, for the entitlements the caller sees."""
        now = utcnow()
        due: list[ReportDue] = []
        for entitlement in EntitlementService(self.session, self.principal).visible():
            if entitlement.state is not EntitlementState.ACTIVE or not self._reports_due(
                entitlement
            ):
                continue
            when = report_due(entitlement)
            if when - now <= timedelta(days=REMIND_DAYS_BEFORE):
                due.append(ReportDue(entitlement.id, when, when < now))
        return due

    @staticmethod
    def _reports_due(entitlement: Entitlement) -> bool:
        """Whether the agreement asks for usage reports (its policy's shudu:reportUsage)."""
        policy = entitlement.policy
        return any(r.get("action") == "shudu:reportUsage" for r in policy.get("obligation", []))

    def send_reminders(self) -> int:
        """Record a reminder in the ledger for every overdue report (the worker's sweep), at
        most one per licence every :data:`REMIND_EVERY` however often the sweep runs."""
        count = 0
        since = utcnow() - REMIND_EVERY
        for item in self.reminders():
            if not item.overdue:
                continue
            entitlement = self.session.get(Entitlement, item.entitlement_id)
            assert entitlement is not None
            reminded = self.session.scalar(
                select(LedgerEntry.seq)
                .where(
                    LedgerEntry.type == "exchange.report.reminder",
                    LedgerEntry.subject == f"entitlement:{entitlement.id}",
                    LedgerEntry.time > since,
                )
                .limit(1)
            )
            if reminded is not None:
                continue
            ledger.append(
                self.session,
                "exchange.report.reminder",
                org=entitlement.organization_id,
                subject=f"entitlement:{entitlement.id}",
                data={"due": ledger.format_time(item.due)},
            )
            count += 1
        return count

    def sweep(self) -> tuple[int, int]:
        """The exchange's periodic work: expire lapsed licences, remind of overdue reports.
        Returns (licences expired, reminders recorded)."""
        expired = EntitlementService(self.session, self.principal).expire_due()
        return expired, self.send_reminders()

    def certify_deletion(
        self, entitlement_id: uuid.UUID, data: DeletionCertificateCreate
    ) -> DeletionCertificate:
        entitlement = self._own(entitlement_id)
        if entitlement.state not in (EntitlementState.REVOKED, EntitlementState.EXPIRED):
            raise Conflict(
                "A deletion certificate is given once the licence has ended",
                {"state": entitlement.state.value},
            )
        if self.session.scalar(
            select(DeletionCertificate.id).where(
                DeletionCertificate.entitlement_id == entitlement.id
            )
        ):
            raise Conflict("This licence already has a deletion certificate")
        try:
            deleted_at = datetime.fromisoformat(data.deleted_at)
        except ValueError:
            raise ValidationFailed(
                "deleted_at is a date and time", {"deleted_at": ["ISO 8601 with offset"]}
            ) from None
        if deleted_at.tzinfo is None:
            raise ValidationFailed("Give the time zone", {"deleted_at": ["e.g. +08:00 or Z"]})
        digest = hashlib.sha256(
            orjson.dumps([str(entitlement.id), data.statement, data.method, data.deleted_at])
        ).hexdigest()
        certificate = DeletionCertificate(
            entitlement_id=entitlement.id,
            statement=data.statement,
            method=data.method,
            deleted_at=deleted_at,
            hash=digest,
            signed_by=self.principal.user_id,
        )
        self.session.add(certificate)
        self.session.flush()
        ledger.append(
            self.session,
            "exchange.certificate.submitted",
            actor=self.principal.user_id,
            org=entitlement.organization_id,
            subject=f"entitlement:{entitlement.id}",
            data={"certificate": str(certificate.id), "hash": digest},
        )
        return certificate
