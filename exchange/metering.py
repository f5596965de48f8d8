"""Usage per entitlement per day, and monthly statements priced by each entitlement's plan.

Both parties read them: the enterprise its own statements, the provider the lines of its own
entitlements; reviewers and regulators everything.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import ledger
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.identity.models import Organization
from core.identity.principal import Principal
from exchange import roles, terms
from exchange.entitlements import EntitlementService
from exchange.models import Entitlement, Statement, UsageCounter


@dataclass(frozen=True, slots=True)
class QuotaUse:
    calls: list[tuple[str, int]]  # (day, calls), oldest first
    calls_today: int
    rows_this_month: int
    calls_per_day: int | None  # None: the policy sets no such quota
    rows_per_month: int | None


MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(month: str) -> str:
    if not MONTH.match(month):
        raise ValidationFailed("A month is YYYY-MM", {"month": ["like 2026-11"]})
    return month


class MeteringService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def daily(self, entitlement_id: uuid.UUID) -> list[dict[str, Any]]:
        """Calls, rows and denials per day of one entitlement (the parties and overseers)."""
        EntitlementService(self.session, self.principal).get(entitlement_id)
        rows = self.session.execute(
            select(UsageCounter.period, UsageCounter.calls, UsageCounter.rows, UsageCounter.denials)
            .where(
                UsageCounter.entitlement_id == entitlement_id,
                func.length(UsageCounter.period) == 10,
            )
            .order_by(UsageCounter.period.desc())
        ).all()
        return [
            {"day": r.period, "calls": int(r.calls), "rows": int(r.rows), "denials": int(r.denials)}
            for r in rows
        ]

    def quota_use(self, entitlement: Entitlement, now: datetime, days: int = 30) -> QuotaUse:
        """A licence's use against its quotas: calls on each of the last ``days`` days (UTC, as
        enforcement counts them; a day without a call is 0), today's calls and this month's
        rows (the month's own counter, the one enforcement takes rows from), and the limits
        the licence's policy sets for reads. ``entitlement``: one this principal was given by
        ``EntitlementService`` (``get`` or ``visible``), which checked that it may read it."""
        entitlement_id = entitlement.id
        first = (now - timedelta(days=days - 1)).strftime("%Y-%m-%d")
        month = now.strftime("%Y-%m")
        counted = {
            str(period): int(calls)
            for period, calls in self.session.execute(
                select(UsageCounter.period, UsageCounter.calls).where(
                    UsageCounter.entitlement_id == entitlement_id,
                    func.length(UsageCounter.period) == 10,
                    UsageCounter.period >= first,
                )
            )
        }
        rows = self.session.scalar(
            select(UsageCounter.rows).where(
                UsageCounter.entitlement_id == entitlement_id, UsageCounter.period == month
            )
        )
        series = []
        for back in range(days - 1, -1, -1):
            day = (now - timedelta(days=back)).strftime("%Y-%m-%d")
            series.append((day, int(counted.get(day, 0))))
        limits = terms.quota_limits(entitlement.policy)
        return QuotaUse(
            calls=series,
            calls_today=series[-1][1],
            rows_this_month=int(rows or 0),
            calls_per_day=limits.get("calls_per_day"),
            rows_per_month=limits.get("rows_per_month"),
        )

    def _month_usage(self, entitlement_id: uuid.UUID, month: str) -> tuple[int, int]:
        row = self.session.execute(
            select(
                func.coalesce(func.sum(UsageCounter.calls), 0),
                func.coalesce(func.sum(UsageCounter.rows), 0),
            ).where(
                UsageCounter.entitlement_id == entitlement_id,
                UsageCounter.period.like(f"{month}-%"),
            )
        ).one()
        return int(row[0]), int(row[1])

    def issue(self, organization_name: str, month: str) -> Statement:
        """Price one enterprise's month (again, if it was issued before: usage may have grown).

        The exchange's reviewers and admins issue statements.
        """
        roles.require_writer(self.principal)
        if not roles.is_compliance_reviewer(self.principal):
            raise PermissionDenied("Statements are issued by the exchange")
        check_month(month)
        org = self.session.scalar(
            select(Organization).where(Organization.name == organization_name)
        )
        if org is None:
            raise NotFound(f"No organization named {organization_name!r}")
        entitlements = self.session.scalars(
            select(Entitlement)
            .where(Entitlement.organization_id == org.id)
            .order_by(Entitlement.starts_at)
        ).all()
        lines: list[dict[str, Any]] = []
        total = Decimal(0)
        for entitlement in entitlements:
            if entitlement.starts_at.strftime("%Y-%m") > month:
                continue
            calls, rows = self._month_usage(entitlement.id, month)
            amount, priced = terms.price(entitlement.price_plan, calls=calls, rows=rows)
            total += amount
            lines.append(
                {
                    "entitlement": str(entitlement.id),
                    "provider": str(entitlement.provider_org_id),
                    "dataset": str(entitlement.dataset_id),
                    "calls": calls,
                    "rows": rows,
                    "price_plan": entitlement.price_plan,
                    "items": priced,
                    "amount": str(amount),
                }
            )
        statement = self.session.scalar(
            select(Statement).where(Statement.organization_id == org.id, Statement.month == month)
        )
        if statement is None:
            statement = Statement(organization_id=org.id, month=month, total="0")
            self.session.add(statement)
        statement.lines = lines
        statement.total = str(total)
        self.session.flush()
        ledger.append(
            self.session,
            "exchange.statement.issued",
            actor=self.principal.user_id,
            org=org.id,
            subject=f"statement:{org.name}:{month}",
            data={"total": statement.total, "currency": statement.currency, "lines": len(lines)},
        )
        return statement

    def visible(self) -> list[dict[str, Any]]:
        """Statements the caller may read, each trimmed to the lines the caller is party to."""
        statements = self.session.scalars(
            select(Statement).order_by(Statement.month.desc(), Statement.created_at)
        ).all()
        mine = roles.enterprise_org_ids(self.principal)
        provided = {str(o) for o in self.principal.publisher_org_ids}
        shown: list[dict[str, Any]] = []
        for statement in statements:
            if roles.reads_everything(self.principal) or statement.organization_id in mine:
                lines = list(statement.lines)
                total = statement.total
            else:
                lines = [line for line in statement.lines if line["provider"] in provided]
                if not lines:
                    continue
                total = str(sum((Decimal(line["amount"]) for line in lines), Decimal(0)))
            org = self.session.get(Organization, statement.organization_id)
            shown.append(
                {
                    "id": str(statement.id),
                    "organization": org.name if org else None,
                    "month": statement.month,
                    "currency": statement.currency,
                    "lines": lines,
                    "total": total,
                }
            )
        return shown
