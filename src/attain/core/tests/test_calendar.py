"""Calendars in the database: reading one in one query, upserting exceptions with an audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from attain.accounts.tests.factories import UserFactory
from attain.core.errors import ValidationError
from attain.core.models import AuditEvent, CalendarDay, WorkCalendar
from attain.core.periods import DayException, FiscalCalendar
from attain.core.selectors import fiscal_calendar, work_calendar_get
from attain.core.services import work_calendar_set_days
from attain.core.tests.factories import CalendarDayFactory, WorkCalendarFactory

pytestmark = pytest.mark.django_db


def test_fallback_is_monday_to_friday(django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar = work_calendar_get()
    assert calendar.working_weekdays == frozenset({1, 2, 3, 4, 5})
    assert not calendar.holidays
    assert not calendar.makeup_days


def test_default_calendar_in_one_query(django_assert_num_queries):
    cn = WorkCalendarFactory(code="CN", is_default=True, working_weekdays="12345")
    CalendarDayFactory(calendar=cn, date=dt.date(2026, 10, 1), is_working_day=False)
    CalendarDayFactory(calendar=cn, date=dt.date(2026, 9, 27), is_working_day=True)
    WorkCalendarFactory(code="SIX", working_weekdays="123456")
    with django_assert_num_queries(1):
        calendar = work_calendar_get()
    assert calendar.code == "CN"
    assert calendar.holidays == frozenset({dt.date(2026, 10, 1)})
    assert calendar.makeup_days == frozenset({dt.date(2026, 9, 27)})
    assert work_calendar_get(code="SIX").working_weekdays == frozenset({1, 2, 3, 4, 5, 6})
    with pytest.raises(WorkCalendar.DoesNotExist):
        work_calendar_get(code="nope")


def test_fiscal_calendar_from_settings():
    assert fiscal_calendar() == FiscalCalendar(1)
    with override_settings(ATTAIN_FISCAL_YEAR_START_MONTH=4):
        assert fiscal_calendar().first_month == 4


def test_set_days_upserts_and_audits():
    actor = UserFactory(admin=True)
    cn = WorkCalendarFactory(code="CN")
    CalendarDayFactory(calendar=cn, date=dt.date(2026, 10, 1), is_working_day=False, name="old")
    rows = work_calendar_set_days(
        actor=actor,
        calendar=cn,
        days=[
            DayException(dt.date(2026, 10, 1), False, "National Day"),
            DayException(dt.date(2026, 10, 10), True, "make-up"),
        ],
    )
    assert [(r.date, r.is_working_day, r.name) for r in rows] == [
        (dt.date(2026, 10, 1), False, "National Day"),
        (dt.date(2026, 10, 10), True, "make-up"),
    ]
    assert CalendarDay.objects.filter(calendar=cn).count() == 2
    event = AuditEvent.objects.get(action="work_calendar.set_days")
    assert event.before == {"2026-10-01": {"is_working_day": False, "name": "old"}}
    assert event.after["2026-10-10"] == {"is_working_day": True, "name": "make-up"}
    assert event.actor_id == actor.pk
    assert work_calendar_get(code="CN").is_working_day(dt.date(2026, 10, 10))


def test_set_days_refuses_duplicates_and_writes_nothing():
    cn = WorkCalendarFactory(code="CN")
    day = DayException(dt.date(2026, 10, 1), False)
    with pytest.raises(ValidationError) as caught:
        work_calendar_set_days(actor=None, calendar=cn, days=[day, day])
    assert caught.value.field == "days"
    assert caught.value.details[0].row == 2
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.exists()
    assert work_calendar_set_days(actor=None, calendar=cn, days=[]) == []
