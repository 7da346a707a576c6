"""The audit log page and the admin registrations of the shared kernel."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attain.accounts.tests.factories import UserFactory
from attain.core.audit import audit_record
from attain.core.tests.factories import JobProgressFactory, WorkCalendarFactory

pytestmark = pytest.mark.django_db


def test_audit_page_needs_login_and_capability(client):
    assert client.get(reverse("audit_list")).status_code == 302
    client.force_login(UserFactory(role="rep"))
    assert client.get(reverse("audit_list")).status_code == 403
    client.force_login(UserFactory(role="manager"))
    assert client.get(reverse("audit_list")).status_code == 403


def test_audit_page_lists_and_filters(client, django_assert_max_num_queries):
    admin = UserFactory(admin=True, username="boss")
    for i in range(10):
        audit_record(actor=admin, action="target.change", object_type="targets.target", object_id=i)
    audit_record(actor=None, action="period.close", object_type="period", object_id="FY2026-M01", reason="month end")
    client.force_login(UserFactory(role="finance"))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("audit_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "period.close" in body
    assert "month end" in body
    assert body.count("target.change") == 10

    filtered = client.get(reverse("audit_list"), {"object_type": "period"}).content.decode()
    assert "period.close" in filtered
    assert "target.change" not in filtered

    by_id = client.get(reverse("audit_list"), {"object_type": "targets.target", "object_id": "3"}).content.decode()
    assert by_id.count("target.change") == 1

    by_actor = client.get(reverse("audit_list"), {"actor": "system"}).content.decode()
    assert "period.close" in by_actor
    assert "target.change" not in by_actor

    partial = client.get(reverse("audit_list"), {"actor": "boss"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert 'id="audit-table"' in partial


def test_admin_is_read_only_for_audit_and_jobs(client):
    admin = UserFactory(admin=True)
    event = audit_record(actor=admin, action="x", object_type="t", object_id=1)
    job = JobProgressFactory(requested_by=admin)
    calendar = WorkCalendarFactory()
    client.force_login(admin)
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:core_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.post(reverse("admin:core_auditevent_change", args=[event.pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("admin:core_jobprogress_changelist")).status_code == 200
    assert client.get(reverse("admin:core_jobprogress_add")).status_code == 403
    assert client.get(reverse("admin:core_jobprogress_change", args=[job.pk])).status_code == 200
    page = client.get(reverse("admin:core_workcalendar_change", args=[calendar.pk]))
    assert page.status_code == 200
    assert "days-TOTAL_FORMS" in page.content.decode()
