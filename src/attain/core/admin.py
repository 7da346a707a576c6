"""Admin for the shared kernel: calendars are edited here; job progress and the audit log are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from attain.core.models import AuditEvent, CalendarDay, JobProgress, WorkCalendar


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1
    fields = ["date", "is_working_day", "name"]


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "working_weekdays", "is_default"]
    search_fields = ["code", "name"]
    inlines = [CalendarDayInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; nobody adds, changes or deletes through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JobProgress)
class JobProgressAdmin(ReadOnlyAdmin):
    list_display = ["task_id", "label", "requested_by", "status", "done", "total", "enqueued_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["task_id", "label"]
    list_select_related = ["requested_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor_label", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label", "object_repr", "request_id"]
    date_hierarchy = "occurred_at"
