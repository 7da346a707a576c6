"""Periods and calendars: fiscal years (including April starts), navigation, codes, and working days."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.core.periods import DayException, FiscalCalendar, Period, PeriodKind, WorkCalendar

CAL = FiscalCalendar()
APRIL = FiscalCalendar(first_month=4)


def test_calendar_year_periods():
    year = CAL.year(2026)
    assert (year.start, year.end, year.code) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "FY2026")
    q1 = CAL.period("quarter", 2026, 1)
    assert (q1.start, q1.end, q1.code) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "FY2026-Q1")
    h2 = CAL.period(PeriodKind.HALF, 2026, 2)
    assert (h2.start, h2.end, h2.code) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31), "FY2026-H2")
    m3 = CAL.period("month", 2026, 3)
    assert (m3.start, m3.end, m3.code) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31), "FY2026-M03")


def test_leap_year_february():
    assert CAL.period("month", 2024, 2).end == dt.date(2024, 2, 29)
    assert CAL.period("month", 2026, 2).end == dt.date(2026, 2, 28)
    assert CAL.year(2024).days == 366
    assert CAL.period("quarter", 2024, 1).days == 91


def test_fiscal_year_starting_in_april_is_named_by_the_year_it_ends_in():
    fy = APRIL.year(2026)
    assert (fy.start, fy.end) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert APRIL.fiscal_year_of(dt.date(2025, 4, 1)) == 2026
    assert APRIL.fiscal_year_of(dt.date(2025, 3, 31)) == 2025
    assert APRIL.fiscal_year_of(dt.date(2026, 3, 31)) == 2026
    assert APRIL.period("month", 2026, 1).start == dt.date(2025, 4, 1)
    q4 = APRIL.period("quarter", 2026, 4)
    assert (q4.start, q4.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert APRIL.period_containing(dt.date(2026, 2, 14), "quarter").code == "FY2026-Q4"
    assert APRIL.period_containing(dt.date(2025, 12, 31), "month").code == "FY2026-M09"
    assert APRIL.period_containing(dt.date(2024, 2, 29), "month").end == dt.date(2024, 2, 29)


def test_navigation_crosses_year_boundaries():
    m12 = CAL.period("month", 2026, 12)
    assert m12.next().code == "FY2027-M01"
    assert m12.next().previous() == m12
    assert CAL.period("quarter", 2026, 1).previous().code == "FY2025-Q4"
    assert CAL.year(2026).next() == CAL.year(2027)
    assert CAL.period("month", 2026, 5).parent("quarter").code == "FY2026-Q2"
    assert CAL.period("month", 2026, 8).parent("half").code == "FY2026-H2"
    assert CAL.period("month", 2026, 8).parent().code == "FY2026"
    assert [p.code for p in CAL.year(2026).children()] == ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]
    assert [p.code for p in CAL.period("quarter", 2026, 2).children()] == ["FY2026-M04", "FY2026-M05", "FY2026-M06"]
    assert len(CAL.year(2026).children("month")) == 12
    with pytest.raises(ValueError, match="finer"):
        CAL.period("month", 2026, 1).children()
    with pytest.raises(ValueError, match="coarser"):
        CAL.period("quarter", 2026, 1).parent("month")
    with pytest.raises(ValueError, match="index"):
        CAL.period("quarter", 2026, 5)


def test_contains_and_ordering():
    q = APRIL.period("quarter", 2026, 4)
    assert q.contains(dt.date(2026, 1, 1))
    assert q.contains(dt.date(2026, 3, 31))
    assert not q.contains(dt.date(2026, 4, 1))
    periods = [CAL.period("month", 2026, 2), CAL.year(2026), CAL.period("quarter", 2026, 1)]
    assert [p.code for p in sorted(periods, key=lambda p: p.sort_key)] == ["FY2026", "FY2026-Q1", "FY2026-M02"]


@pytest.mark.parametrize("code", ["FY2026", "FY2026-H2", "FY2026-Q1", "FY2026-M03", "FY2026-M12"])
def test_parse_round_trips(code):
    assert Period.parse(code, APRIL).code == code
    assert APRIL.parse(code.lower()).calendar == APRIL


@pytest.mark.parametrize("code", ["2026", "FY26", "FY2026-Q5", "FY2026-M13", "FY2026-X1", "FY2026-M00"])
def test_parse_rejects_bad_codes(code):
    with pytest.raises(ValueError, match=r"period|index"):
        Period.parse(code)


def test_first_month_validated():
    with pytest.raises(ValueError, match="between 1 and 12"):
        FiscalCalendar(first_month=13)


first_months = st.integers(min_value=1, max_value=12)
years = st.integers(min_value=1990, max_value=2100)
kinds = st.sampled_from([PeriodKind.YEAR, PeriodKind.HALF, PeriodKind.QUARTER])


@given(first_month=first_months, year=years, kind=kinds, data=st.data())
def test_children_partition_the_parent_exactly(first_month, year, kind, data):
    calendar = FiscalCalendar(first_month)
    parent = calendar.period(kind, year, data.draw(st.integers(min_value=1, max_value=kind.per_year)))
    finer = [k for k in PeriodKind if k.months < kind.months]
    children = parent.children(data.draw(st.sampled_from(finer)))
    assert children[0].start == parent.start
    assert children[-1].end == parent.end
    for before, after in itertools.pairwise(children):
        assert after.start == before.end + dt.timedelta(days=1)  # no gap, no overlap
    assert sum(child.days for child in children) == parent.days
    assert all(child.parent(kind) == parent for child in children)


@given(first_month=first_months, day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_day_is_in_exactly_the_period_containing_it(first_month, day):
    calendar = FiscalCalendar(first_month)
    for kind in PeriodKind:
        period = calendar.period_containing(day, kind)
        assert period.contains(day)
        assert not period.next().contains(day)
        assert not period.previous().contains(day)
        assert period.next().start == period.end + dt.timedelta(days=1)


# --- working days ---------------------------------------------------------------------------------------

# China, October 2026 (illustrative): 1–7 October off (Thu 1 – Wed 7), Sunday 27 September and
# Saturday 10 October worked instead (调休).
NATIONAL_DAY = [DayException(dt.date(2026, 10, d), False, "National Day") for d in range(1, 8)] + [
    DayException(dt.date(2026, 9, 27), True, "make-up"),
    DayException(dt.date(2026, 10, 10), True, "make-up"),
]
CHINA = WorkCalendar.build(exceptions=NATIONAL_DAY, code="CN")


def test_makeup_sunday_counts_and_weekday_holiday_does_not():
    sunday = dt.date(2026, 9, 27)
    assert sunday.isoweekday() == 7
    assert CHINA.is_working_day(sunday)
    wednesday = dt.date(2026, 10, 7)
    assert wednesday.isoweekday() == 3
    assert not CHINA.is_working_day(wednesday)
    assert CHINA.is_working_day(dt.date(2026, 10, 9))  # an ordinary Friday
    assert not CHINA.is_working_day(dt.date(2026, 10, 11))  # an ordinary Sunday


def test_counting_working_days():
    # September 2026: 22 weekdays plus the make-up Sunday.
    assert CHINA.count_working_days(dt.date(2026, 9, 1), dt.date(2026, 9, 30)) == 23
    # October 2026: 22 weekdays, minus 5 weekday holidays, plus the make-up Saturday.
    october = CAL.period("month", 2026, 10)
    assert CHINA.count_working_days(october.start, october.end) == 18
    assert len(CHINA.working_days(october.start, october.end)) == 18
    assert CHINA.working_days(october.start, dt.date(2026, 10, 10)) == [
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 10),
    ]
    assert CHINA.count_working_days(dt.date(2026, 10, 2), dt.date(2026, 10, 1)) == 0


def test_elapsed_fraction_calendar_and_working_basis():
    october = CAL.period("month", 2026, 10)
    assert CHINA.elapsed_fraction(october, dt.date(2026, 9, 30)) == 0
    assert CHINA.elapsed_fraction(october, dt.date(2026, 10, 31)) == 1
    assert CHINA.elapsed_fraction(october, dt.date(2026, 11, 5), basis="working") == 1
    assert CHINA.elapsed_fraction(october, dt.date(2026, 10, 7)) == Decimal(7) / Decimal(31)
    # Nothing has been worked during the holiday week, so nothing is expected yet.
    assert CHINA.elapsed_fraction(october, dt.date(2026, 10, 7), basis="working") == 0
    assert CHINA.elapsed_fraction(october, dt.date(2026, 10, 10), basis="working") == Decimal(3) / Decimal(18)
    # A period without working days falls back to calendar days.
    idle = WorkCalendar(working_weekdays=frozenset())
    assert idle.elapsed_fraction(october, dt.date(2026, 10, 7), basis="working") == Decimal(7) / Decimal(31)
    with pytest.raises(ValueError, match="basis"):
        CHINA.elapsed_fraction(october, dt.date(2026, 10, 7), basis="weekly")  # type: ignore[arg-type]


def test_calendar_rejects_contradictions():
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(holidays=frozenset({dt.date(2026, 1, 1)}), makeup_days=frozenset({dt.date(2026, 1, 1)}))
    with pytest.raises(ValueError, match="weekday"):
        WorkCalendar(working_weekdays=frozenset({0}))


exception_days = st.lists(
    st.tuples(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)), st.booleans()),
    max_size=30,
    unique_by=lambda t: t[0],
)


@given(
    weekdays=st.frozensets(st.integers(min_value=1, max_value=7)),
    exceptions=exception_days,
    start=st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2027, 1, 31)),
    length=st.integers(min_value=-3, max_value=400),
)
def test_counting_matches_day_by_day_enumeration(weekdays, exceptions, start, length):
    calendar = WorkCalendar.build(
        working_weekdays="".join(str(d) for d in sorted(weekdays)),
        exceptions=[DayException(day, working) for day, working in exceptions],
    )
    end = start + dt.timedelta(days=length)
    assert calendar.count_working_days(start, end) == len(calendar.working_days(start, end))


@given(day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_elapsed_fraction_grows_monotonically(day):
    year = CAL.year(2026)
    for basis in ("calendar", "working"):
        today = CHINA.elapsed_fraction(year, day, basis=basis)
        assert 0 <= today <= 1
        assert CHINA.elapsed_fraction(year, day + dt.timedelta(days=1), basis=basis) >= today
