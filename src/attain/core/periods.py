"""Periods and calendars: fiscal months, quarters, halves and years as values, and working-day calendars.

Pure Python (no Django): the calculation engine imports it.

Fiscal-year naming rule: with a calendar-year fiscal year (``first_month=1``) FY2026 is January–December
2026. When the fiscal year starts in another month it is **named by the calendar year it ends in**: with
``first_month=4`` FY2026 runs from 1 April 2025 to 31 March 2026. Fiscal months are numbered from the
start of the fiscal year, so with an April start ``FY2026-M01`` is April 2025 and ``FY2026-Q4`` is
January–March 2026.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

__all__ = [
    "DEFAULT_WORKING_WEEKDAYS",
    "DayException",
    "FiscalCalendar",
    "Period",
    "PeriodKind",
    "WorkCalendar",
]


class PeriodKind(enum.StrEnum):
    """The lengths of period Attain plans and pays by, finest first."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"

    @property
    def months(self) -> int:
        return _MONTHS[self]

    @property
    def per_year(self) -> int:
        return 12 // _MONTHS[self]


_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}
_CODE_LETTER = {PeriodKind.MONTH: "M", PeriodKind.QUARTER: "Q", PeriodKind.HALF: "H"}
_LETTER_KIND = {letter: kind for kind, letter in _CODE_LETTER.items()}
_CODE = re.compile(r"^FY(\d{4})(?:-([MQH])(\d{1,2}))?$")
# The natural next-finer level: a year is planned by quarters, a half by quarters, a quarter by months.
_DEFAULT_CHILD = {
    PeriodKind.YEAR: PeriodKind.QUARTER,
    PeriodKind.HALF: PeriodKind.QUARTER,
    PeriodKind.QUARTER: PeriodKind.MONTH,
}


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + months
    return total // 12, total % 12 + 1


@dataclass(frozen=True, slots=True)
class FiscalCalendar:
    """When the fiscal year starts (month 1–12); the year is named by the calendar year it ends in."""

    first_month: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.first_month, bool) or not isinstance(self.first_month, int):
            raise TypeError("first_month must be an int")
        if not 1 <= self.first_month <= 12:
            raise ValueError("first_month must be between 1 and 12")

    def fiscal_year_of(self, day: dt.date) -> int:
        """The fiscal year label of ``day`` (the calendar year in which that fiscal year ends)."""
        if self.first_month == 1:
            return day.year
        return day.year + 1 if day.month >= self.first_month else day.year

    def year_start(self, fiscal_year: int) -> dt.date:
        """The first day of fiscal year ``fiscal_year``."""
        return dt.date(fiscal_year if self.first_month == 1 else fiscal_year - 1, self.first_month, 1)

    def period(self, kind: PeriodKind | str, fiscal_year: int, index: int = 1) -> Period:
        """The ``index``-th (1-based) period of ``kind`` in ``fiscal_year``."""
        return Period(calendar=self, kind=PeriodKind(kind), fiscal_year=fiscal_year, index=index)

    def year(self, fiscal_year: int) -> Period:
        return self.period(PeriodKind.YEAR, fiscal_year, 1)

    def period_containing(self, day: dt.date, kind: PeriodKind | str = PeriodKind.MONTH) -> Period:
        """The period of ``kind`` that ``day`` falls in."""
        kind = PeriodKind(kind)
        fiscal_year = self.fiscal_year_of(day)
        start = self.year_start(fiscal_year)
        month_offset = (day.year - start.year) * 12 + day.month - start.month
        return self.period(kind, fiscal_year, month_offset // kind.months + 1)

    def parse(self, code: str) -> Period:
        return Period.parse(code, self)


@dataclass(frozen=True, slots=True)
class Period:
    """A fiscal month, quarter, half or year: a value with inclusive ``start``/``end`` dates and a ``code``."""

    calendar: FiscalCalendar
    kind: PeriodKind
    fiscal_year: int
    index: int = 1
    start: dt.date = field(init=False, compare=False, repr=False)
    end: dt.date = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        kind = PeriodKind(self.kind)
        object.__setattr__(self, "kind", kind)
        if not 1 <= self.index <= kind.per_year:
            raise ValueError(f"a fiscal year has {kind.per_year} {kind.value} periods, not index {self.index}")
        if not 1 <= self.fiscal_year <= 9998:
            raise ValueError("fiscal year out of range")
        year_start = self.calendar.year_start(self.fiscal_year)
        first = _add_months(year_start.year, year_start.month, (self.index - 1) * kind.months)
        after = _add_months(first[0], first[1], kind.months)
        object.__setattr__(self, "start", dt.date(first[0], first[1], 1))
        object.__setattr__(self, "end", dt.date(after[0], after[1], 1) - dt.timedelta(days=1))

    # --- identity
    @property
    def code(self) -> str:
        """``FY2026``, ``FY2026-H2``, ``FY2026-Q1`` or ``FY2026-M03`` (fiscal month number)."""
        if self.kind is PeriodKind.YEAR:
            return f"FY{self.fiscal_year}"
        width = 2 if self.kind is PeriodKind.MONTH else 1
        return f"FY{self.fiscal_year}-{_CODE_LETTER[self.kind]}{self.index:0{width}d}"

    @classmethod
    def parse(cls, code: str, calendar: FiscalCalendar | None = None) -> Period:
        """The period a code like ``FY2026-Q1`` names in ``calendar`` (calendar-year fiscal years by default)."""
        match = _CODE.match(code.strip().upper())
        if match is None:
            raise ValueError(f"not a period code: {code!r} (expected e.g. FY2026, FY2026-H1, FY2026-Q1, FY2026-M03)")
        year, letter, number = match.groups()
        kind = _LETTER_KIND[letter] if letter else PeriodKind.YEAR
        return cls(calendar=calendar or FiscalCalendar(), kind=kind, fiscal_year=int(year), index=int(number or 1))

    def __str__(self) -> str:
        return self.code

    @property
    def sort_key(self) -> tuple[dt.date, int]:
        """Chronological, longer periods first when two start on the same day."""
        return (self.start, -self.kind.months)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    # --- navigation
    def next(self) -> Period:
        """The following period of the same kind (crossing into the next fiscal year if needed)."""
        if self.index < self.kind.per_year:
            return Period(self.calendar, self.kind, self.fiscal_year, self.index + 1)
        return Period(self.calendar, self.kind, self.fiscal_year + 1, 1)

    def previous(self) -> Period:
        """The preceding period of the same kind."""
        if self.index > 1:
            return Period(self.calendar, self.kind, self.fiscal_year, self.index - 1)
        return Period(self.calendar, self.kind, self.fiscal_year - 1, self.kind.per_year)

    def children(self, kind: PeriodKind | str | None = None) -> list[Period]:
        """The finer periods that exactly partition this one (year → quarters → months by default)."""
        if kind is None:
            if self.kind is PeriodKind.MONTH:
                raise ValueError("a month has no finer periods")
            child_kind = _DEFAULT_CHILD[self.kind]
        else:
            child_kind = PeriodKind(kind)
        if child_kind.months >= self.kind.months:
            raise ValueError(f"a {child_kind.value} is not finer than a {self.kind.value}")
        count = self.kind.months // child_kind.months
        first = (self.index - 1) * count + 1
        return [Period(self.calendar, child_kind, self.fiscal_year, i) for i in range(first, first + count)]

    def parent(self, kind: PeriodKind | str = PeriodKind.YEAR) -> Period:
        """The coarser period of ``kind`` containing this one."""
        parent_kind = PeriodKind(kind)
        if parent_kind.months <= self.kind.months:
            raise ValueError(f"a {parent_kind.value} is not coarser than a {self.kind.value}")
        ratio = parent_kind.months // self.kind.months
        return Period(self.calendar, parent_kind, self.fiscal_year, (self.index - 1) // ratio + 1)


DEFAULT_WORKING_WEEKDAYS: frozenset[int] = frozenset({1, 2, 3, 4, 5})


@dataclass(frozen=True, slots=True)
class DayException:
    """A dated exception to the weekly pattern: a holiday (not worked) or a make-up working day (调休)."""

    date: dt.date
    is_working_day: bool
    name: str = ""


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Which days are worked: ISO weekdays (1 = Monday) plus holidays off and make-up working days on.

    A make-up working day wins over the weekly pattern (a Saturday worked under 调休 counts); a holiday wins
    over it the other way (a Wednesday public holiday does not count).
    """

    working_weekdays: frozenset[int] = DEFAULT_WORKING_WEEKDAYS
    holidays: frozenset[dt.date] = frozenset()
    makeup_days: frozenset[dt.date] = frozenset()
    code: str = ""

    def __post_init__(self) -> None:
        weekdays = frozenset(self.working_weekdays)
        if not weekdays <= {1, 2, 3, 4, 5, 6, 7}:
            raise ValueError("working weekdays are ISO weekday numbers 1-7")
        object.__setattr__(self, "working_weekdays", weekdays)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_days", frozenset(self.makeup_days))
        if self.holidays & self.makeup_days:
            raise ValueError("a day cannot be both a holiday and a make-up working day")

    @classmethod
    def build(
        cls, *, working_weekdays: str = "12345", exceptions: Iterable[DayException] = (), code: str = ""
    ) -> WorkCalendar:
        """A calendar from a weekday string like ``"12345"`` and dated exceptions."""
        days = list(exceptions)
        return cls(
            working_weekdays=frozenset(int(ch) for ch in working_weekdays),
            holidays=frozenset(d.date for d in days if not d.is_working_day),
            makeup_days=frozenset(d.date for d in days if d.is_working_day),
            code=code,
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_days:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() in self.working_weekdays

    def working_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The working days from ``start`` to ``end``, both inclusive (empty when end < start)."""
        days = []
        day = start
        while day <= end:
            if self.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def count_working_days(self, start: dt.date, end: dt.date) -> int:
        """How many working days from ``start`` to ``end`` inclusive, counted by whole weeks plus exceptions."""
        if end < start:
            return 0
        total_days = (end - start).days + 1
        weeks, rest = divmod(total_days, 7)
        count = weeks * len(self.working_weekdays)
        first_weekday = start.isoweekday()
        count += sum(1 for i in range(rest) if (first_weekday - 1 + i) % 7 + 1 in self.working_weekdays)
        for day in self.makeup_days:
            if start <= day <= end and day.isoweekday() not in self.working_weekdays:
                count += 1
        for day in self.holidays:
            if start <= day <= end and day.isoweekday() in self.working_weekdays:
                count -= 1
        return count

    def elapsed_fraction(
        self, period: Period, as_of: dt.date, basis: Literal["calendar", "working"] = "calendar"
    ) -> Decimal:
        """Share of ``period`` elapsed by the end of ``as_of`` (0 before it starts, 1 after it ends).

        The pacing input: expected-to-date = target × this fraction. ``as_of`` itself counts as elapsed.
        On the working basis a period with no working days at all falls back to the calendar basis.
        """
        if basis not in ("calendar", "working"):
            raise ValueError("basis must be 'calendar' or 'working'")
        if as_of < period.start:
            return Decimal(0)
        if as_of >= period.end:
            return Decimal(1)
        if basis == "working":
            total = self.count_working_days(period.start, period.end)
            if total:
                return Decimal(self.count_working_days(period.start, as_of)) / Decimal(total)
        return Decimal((as_of - period.start).days + 1) / Decimal(period.days)
