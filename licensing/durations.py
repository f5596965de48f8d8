"""ISO 8601 durations (``P1Y``, ``P6M``, ``P30D``, ``PT12H``) as ODRL's xsd:duration operands.

Years and months are calendar steps (1 month after 31 January is the last day of February), so
"for one year from the agreement's start" ends on the same date a year later.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_DURATION = re.compile(
    r"P(?:(?P<years>\d{1,4})Y)?(?:(?P<months>\d{1,5})M)?(?:(?P<weeks>\d{1,5})W)?"
    r"(?:(?P<days>\d{1,6})D)?"
    r"(?:T(?:(?P<hours>\d{1,7})H)?(?:(?P<minutes>\d{1,9})M)?(?:(?P<seconds>\d{1,10})S)?)?"
)


@dataclass(frozen=True, slots=True)
class Duration:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def after(self, start: datetime) -> datetime:
        """The instant this long after ``start``."""
        month_index = start.month - 1 + self.months + 12 * self.years
        year = start.year + month_index // 12
        month = month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        moved = start.replace(year=year, month=month, day=day)
        return moved + timedelta(
            weeks=self.weeks,
            days=self.days,
            hours=self.hours,
            minutes=self.minutes,
            seconds=self.seconds,
        )

    def iso(self) -> str:
        dates = ((self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D"))
        times = ((self.hours, "H"), (self.minutes, "M"), (self.seconds, "S"))
        date_part = "".join(f"{n}{unit}" for n, unit in dates if n)
        time_part = "".join(f"{n}{unit}" for n, unit in times if n)
        return "P" + date_part + ("T" + time_part if time_part else "")

    def words(self, language: str) -> str:
        units = (
            (self.years, "年", "year"),
            (self.months, "个月", "month"),
            (self.weeks, "周", "week"),
            (self.days, "天", "day"),
            (self.hours, "小时", "hour"),
            (self.minutes, "分钟", "minute"),
            (self.seconds, "秒", "second"),
        )
        if language == "zh":
            return "".join(f"{n}{zh}" for n, zh, _ in units if n)
        return ", ".join(f"{n} {en}{'' if n == 1 else 's'}" for n, _, en in units if n)


def parse_duration(text: object) -> Duration:
    """A positive ISO 8601 duration in whole units; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("expected an ISO 8601 duration such as P1Y, P6M, P30D or PT12H")
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(
            f"{text!r} is not an ISO 8601 duration in whole units (e.g. P1Y, P6M, P30D, PT12H)"
        )
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    duration = Duration(**parts)
    if not any(parts.values()):
        raise ValueError(f"{text!r} is zero; give a positive duration")
    return duration
