"""The sales import wizard in a real browser: upload → map → preview (one error) → fix → commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from tests.browser.conftest import log_in

HEADER = "activity id,kind,date,rep,outcome,duration\n"
GOOD = "V1,visit,2026-03-05,E001,positive,30\n"
BAD = "V2,call,2026-03-06,E999,neutral,10\n"  # no such rep


def csv_file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_import_activities_with_one_error_then_fixed(page: Any, make_user: Any) -> None:
    from attain.org import services as org
    from attain.org.choices import MembershipRole, UnitKind
    from attain.sales.models import Activity, ImportBatch

    team = org.unit_create(actor=None, code="T1", name="Team one", kind=UnitKind.TEAM)
    rep = org.person_create(actor=None, employee_no="E001", name="Li Lei")
    org.membership_add(actor=None, person=rep, unit=team, role=MembershipRole.MEMBER, valid_from=dt.date(2026, 1, 1))
    make_user("boss", role="admin")
    log_in(page, "boss")

    page.goto(reverse("sales:import_upload"))
    page.select_option("#id_kind", "activity")
    page.set_input_files("#id_file", files=[csv_file("visits.csv", HEADER + GOOD + BAD)])
    page.click("#import-upload")
    page.wait_for_selector("#import-map-form")
    assert page.input_value("#id_map_rep") == "rep"  # auto-mapped from the header
    assert page.input_value("#id_map_occurred_on") == "date"
    page.click("#import-map-next")

    page.wait_for_selector("#import-errors")
    errors = page.locator("#import-error-table .import-error")
    assert errors.count() == 1
    assert "E999" in errors.first.inner_text()
    assert "Unknown rep" in errors.first.inner_text()
    assert page.locator("#import-commit").count() == 0
    assert Activity.objects.count() == 0

    page.set_input_files("#id_replace_file", files=[csv_file("visits-fixed.csv", HEADER + GOOD)])
    page.click("#import-replace")
    page.wait_for_selector("#import-ready")
    assert page.inner_text("[data-count=created]") == "1"
    page.click("#import-commit")

    page.wait_for_selector("#import-batch")
    assert "1 created, 0 updated, 0 unchanged" in page.inner_text("body")
    assert page.get_attribute("[data-status]", "data-status") == "committed"
    assert Activity.objects.get().person_id == rep.pk
    assert ImportBatch.objects.filter(is_dry_run=False, status="committed", filename="visits-fixed.csv").count() == 1
