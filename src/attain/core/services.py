"""Writes of the shared kernel: working-day calendars (audit and job writes live in their own modules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from attain.core.audit import audit_record
from attain.core.errors import ErrorDetail, ValidationError
from attain.core.models import CalendarDay, WorkCalendar
from attain.core.periods import DayException


@transaction.atomic
def work_calendar_set_days(*, actor: Any, calendar: WorkCalendar, days: Iterable[DayException]) -> list[CalendarDay]:
    """Insert or update dated exceptions (holidays, make-up working days) of a calendar; audited.

    A date listed twice in one call is refused; existing exceptions for other dates are kept.
    """
    wanted = list(days)
    seen: set[Any] = set()
    for index, day in enumerate(wanted):
        if day.date in seen:
            message = _("%(date)s is listed twice.") % {"date": day.date.isoformat()}
            raise ValidationError(
                message,
                field="days",
                code="duplicate_date",
                details=[ErrorDetail(message=message, field="days", row=index + 1, value=day.date.isoformat())],
            )
        seen.add(day.date)
    if not wanted:
        return []
    existing = {
        row.date: row for row in CalendarDay.objects.select_for_update().filter(calendar=calendar, date__in=seen)
    }
    before = {
        d.isoformat(): {"is_working_day": row.is_working_day, "name": row.name} for d, row in sorted(existing.items())
    }
    rows = [
        CalendarDay(calendar=calendar, date=day.date, is_working_day=day.is_working_day, name=day.name[:100])
        for day in wanted
    ]
    CalendarDay.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["calendar", "date"],
        update_fields=["is_working_day", "name"],
    )
    after = {
        day.date.isoformat(): {"is_working_day": day.is_working_day, "name": day.name[:100]}
        for day in sorted(wanted, key=lambda d: d.date)
    }
    audit_record(actor=actor, action="work_calendar.set_days", instance=calendar, before=before, after=after)
    return list(CalendarDay.objects.filter(calendar=calendar, date__in=seen).order_by("date"))
