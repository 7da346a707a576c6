"""Reads of the shared kernel: calendars and the audit log (job reads live in ``attain.core.jobs``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from attain.accounts.choices import Capability
from attain.accounts.selectors import user_can
from attain.core import periods
from attain.core.models import AuditEvent, WorkCalendar
from attain.core.scope import scope_for


def fiscal_calendar() -> periods.FiscalCalendar:
    """The fiscal calendar configured by ``ATTAIN_FISCAL_YEAR_START_MONTH`` (1 = calendar year)."""
    return periods.FiscalCalendar(first_month=int(getattr(settings, "ATTAIN_FISCAL_YEAR_START_MONTH", 1)))


def work_calendar_get(*, code: str | None = None) -> periods.WorkCalendar:
    """The working-day calendar ``code`` (the default one when None), in one query.

    With no stored calendar (or no default) this is Monday–Friday with no holidays. A code that does not
    exist raises ``WorkCalendar.DoesNotExist``.
    """
    calendars = WorkCalendar.objects.all()
    calendars = calendars.filter(code=code) if code is not None else calendars.filter(is_default=True)
    # One LEFT JOIN query: one row per exception day, or a single row with NULL day for a calendar without any.
    rows = list(
        calendars.order_by("code", "days__date").values_list(
            "code", "working_weekdays", "days__date", "days__is_working_day", "days__name"
        )
    )
    if not rows:
        if code is not None:
            raise WorkCalendar.DoesNotExist(f"no work calendar {code!r}")
        return periods.WorkCalendar()
    calendar_code, weekdays = rows[0][0], rows[0][1]
    exceptions = [
        periods.DayException(date=day, is_working_day=bool(working), name=name or "")
        for row_code, _weekdays, day, working, name in rows
        if row_code == calendar_code and day is not None
    ]
    return periods.WorkCalendar.build(working_weekdays=weekdays, exceptions=exceptions, code=calendar_code)


def audit_event_list(
    *,
    actor: Any,
    object_type: str | None = None,
    object_id: str | int | None = None,
    actor_label: str | None = None,
    limit: int = 200,
) -> QuerySet[AuditEvent]:
    """Newest audit events first, optionally for one object or actor; empty unless the actor may read the log.

    Events record before/after values of any object, so only an actor whose data scope is everything reads the
    whole log; an actor limited to a subtree (e.g. HR of one region) reads only the events they caused.
    """
    if not user_can(actor, Capability.AUDIT_VIEW):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if not scope_for(actor).is_all:
        events = events.filter(actor_id=actor.pk)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id not in (None, ""):
        events = events.filter(object_id=str(object_id))
    if actor_label:
        events = events.filter(actor_label__icontains=actor_label)
    return events.order_by("-occurred_at", "-id")[: max(0, int(limit))]


def audit_object_types() -> list[str]:
    """The object types present in the audit log, for the filter drop-down."""
    return list(AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct())
