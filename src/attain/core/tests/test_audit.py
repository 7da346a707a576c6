"""The audit log: what is recorded, who may read it, and that nothing can rewrite it (ORM or raw SQL)."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from attain.accounts.tests.factories import UserFactory
from attain.core import context
from attain.core.audit import audit_record, json_safe, model_snapshot
from attain.core.models import AuditEvent
from attain.core.selectors import audit_event_list
from attain.core.tests.factories import WorkCalendarFactory

pytestmark = pytest.mark.django_db


def test_json_safe_converts_exactly():
    moment = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert json_safe({"a": Decimal("1.10"), "d": dt.date(2026, 3, 1), "t": moment, "u": key, "s": {2, 1}}) == {
        "a": "1.10",
        "d": "2026-03-01",
        "t": "2026-03-01T08:30:00+00:00",
        "u": str(key),
        "s": [1, 2],
    }


def test_record_snapshots_actor_request_and_values():
    actor = UserFactory(username="auditor", admin=True)
    calendar = WorkCalendarFactory(code="CN", name="China")
    token = context.request_id.set("req-42")
    try:
        event = audit_record(
            actor=actor,
            action="work_calendar.rename",
            instance=calendar,
            before={"name": "Old", "limit": Decimal("1.50")},
            after=model_snapshot(calendar, fields=["name", "code"]),
            reason="typo",
        )
    finally:
        context.request_id.reset(token)
    event.refresh_from_db()
    assert event.actor_id == actor.pk
    assert event.actor_label == "auditor"
    assert (event.object_type, event.object_id, event.object_repr) == ("core.workcalendar", str(calendar.pk), "China")
    assert event.before == {"name": "Old", "limit": "1.50"}
    assert event.after == {"name": "China", "code": "CN"}
    assert (event.reason, event.request_id) == ("typo", "req-42")


def test_record_without_instance_and_by_the_system():
    event = audit_record(actor=None, action="period.close", object_type="period", object_id="FY2026-M01")
    assert (event.actor_id, event.actor_label, event.object_id) == (None, "system", "FY2026-M01")
    with pytest.raises(ValueError, match="object_type"):
        audit_record(actor=None, action="nothing")


def test_model_snapshot_uses_ids_for_foreign_keys():
    calendar = WorkCalendarFactory()
    from attain.core.tests.factories import CalendarDayFactory

    day = CalendarDayFactory(calendar=calendar, date=dt.date(2026, 5, 1))
    assert model_snapshot(day) == {
        "id": day.pk,
        "calendar": calendar.pk,
        "date": "2026-05-01",
        "is_working_day": False,
        "name": "Holiday",
    }


def test_orm_refuses_changes():
    event = audit_record(actor=None, action="x", object_type="t", object_id=1)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE core_auditevent SET reason = 'rewritten' WHERE id = %s", "DELETE FROM core_auditevent WHERE id = %s"],
)
def test_database_refuses_raw_update_and_delete(statement):
    event = audit_record(actor=None, action="x", object_type="t", object_id=1, reason="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == "original"


def test_deleting_a_user_keeps_their_audit_trail():
    user = UserFactory(username="leaver")
    event = audit_record(actor=user, action="x", object_type="t", object_id=1)
    user.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_id, kept.actor_label) == (event.actor_id, "leaver")


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("director", True), ("manager", False), ("rep", False)])
def test_list_visible_only_with_audit_view(role, allowed):
    audit_record(actor=None, action="x", object_type="t", object_id=1)
    actor = UserFactory(role=role)
    assert audit_event_list(actor=actor).count() == (1 if allowed else 0)


def test_list_filters_and_limit():
    admin = UserFactory(admin=True, username="boss")
    for i in range(5):
        audit_record(actor=admin, action="x", object_type="a", object_id=i)
    audit_record(actor=None, action="y", object_type="b", object_id=1)
    assert len(audit_event_list(actor=admin, limit=3)) == 3
    assert [e.object_type for e in audit_event_list(actor=admin, object_type="b")] == ["b"]
    assert [e.object_id for e in audit_event_list(actor=admin, object_type="a", object_id=2)] == ["2"]
    assert len(audit_event_list(actor=admin, actor_label="BOS")) == 5
    newest = audit_event_list(actor=admin, object_type="a")
    assert [e.object_id for e in newest] == ["4", "3", "2", "1", "0"]
    assert list(audit_event_list(actor=None)) == []


class _RawEditor:
    """Just enough of a schema editor for the migration's functions, usable inside the test transaction."""

    connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_append_only_migration_is_reversible():
    migration = importlib.import_module("attain.core.migrations.0003_audit_append_only")
    event = audit_record(actor=None, action="x", object_type="t", object_id=1, reason="original")
    migration.reverse(None, _RawEditor())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'maintenance' WHERE id = %s", [event.pk])
    migration.forward(None, _RawEditor())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == "maintenance"


def test_a_unit_of_work_gives_its_reason_to_events_that_have_none():
    with context.audit_reason_for("CRM nightly sync"):
        implied = audit_record(actor=None, action="t.implied", object_type="t.thing", object_id=1)
        own = audit_record(actor=None, action="t.own", object_type="t.thing", object_id=2, reason="typo")
    after = audit_record(actor=None, action="t.after", object_type="t.thing", object_id=3)
    assert (implied.reason, own.reason, after.reason) == ("CRM nightly sync", "typo", "")
