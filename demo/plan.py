"""The plan: which datasets the catalog holds, drawn from one generator before any is made."""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.city import District
from demo.subjects import DEPARTMENTS, Department, Subject

# How many public datasets the plan grows to (about three open to one conditional).
_TARGET_OPEN = 262
_TARGET_CONDITIONAL = 88


@dataclass(frozen=True, slots=True)
class Variant:
    """Which dataset of a subject: one district's, one year's, or (with neither) the city's."""

    district: District | None = None
    year: int | None = None


def _all_years(subject: Subject) -> list[int]:
    return list(range(subject.years[1], subject.years[0] - 1, -1))


def _next_variant(rng: random.Random, subject: Subject, taken: list[Variant]) -> Variant | None:
    """A variant of the subject not made yet: another district, or the latest year not made."""
    if subject.scope == "district":
        used = {v.district for v in taken}
        free = [d for d in subject.among if d not in used]
        return Variant(district=rng.choice(free)) if free else None
    if subject.scope == "year":
        years = {v.year for v in taken}
        return next((Variant(year=y) for y in _all_years(subject) if y not in years), None)
    return None if taken else Variant()


def plan_datasets(rng: random.Random) -> list[tuple[Department, Subject, Variant]]:
    """Every subject once, then more districts and years, round-robin, up to the targets."""
    subjects = [(dept, s) for dept in DEPARTMENTS for s in dept.subjects]
    made: dict[str, list[Variant]] = {}
    for _, s in subjects:
        first = _next_variant(rng, s, [])
        assert first is not None
        made[s.key] = [first]
    for level, target in (("open", _TARGET_OPEN), ("conditional", _TARGET_CONDITIONAL)):
        growable = [s for _, s in subjects if s.level == level and s.scope != "city"]
        count = sum(len(made[s.key]) for _, s in subjects if s.level == level)
        misses = 0
        i = 0
        while count < target and misses < len(growable):
            subject = growable[i % len(growable)]
            i += 1
            variant = _next_variant(rng, subject, made[subject.key])
            if variant is None:
                misses += 1
                continue
            misses = 0
            made[subject.key].append(variant)
            count += 1

    def order(v: Variant) -> tuple[int, int]:
        return (v.district.code if v.district else 0, -(v.year or 0))

    return [(dept, s, v) for dept, s in subjects for v in sorted(made[s.key], key=order)]
