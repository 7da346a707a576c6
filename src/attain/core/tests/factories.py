"""Factories of the shared kernel: work calendars and their exception days, job progress rows."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from attain.core.models import CalendarDay, JobProgress, WorkCalendar


class WorkCalendarFactory(DjangoModelFactory):
    class Meta:
        model = WorkCalendar
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cal{n}")
    name = factory.LazyAttribute(lambda o: f"Calendar {o.code}")
    working_weekdays = "12345"
    is_default = False


class CalendarDayFactory(DjangoModelFactory):
    class Meta:
        model = CalendarDay

    calendar = factory.SubFactory(WorkCalendarFactory)
    date = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    is_working_day = False
    name = "Holiday"


class JobProgressFactory(DjangoModelFactory):
    class Meta:
        model = JobProgress

    task_id = factory.Sequence(lambda n: f"job-{n}")
    label = "Test job"
