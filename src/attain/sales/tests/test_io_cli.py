"""``attain import`` / ``attain export``: exit codes, JSON summary, nothing written on errors."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from attain.org.tests.factories import MembershipFactory, PersonFactory, UnitFactory
from attain.sales.io.exporting import error_report, import_template
from attain.sales.models import Customer, Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> None:
    rep = PersonFactory(employee_no="E001")
    MembershipFactory(person=rep, unit=UnitFactory(), valid_from=dt.date(2020, 1, 1))
    Customer.objects.create(external_id="C1", name="Acme")


def test_import_json_summary_and_exit_codes(world, tmp_path: Path, capsys) -> None:
    good = tmp_path / "orders.csv"
    good.write_text("order no,order date,customer,rep,amount\nSO1,2026-03-05,C1,E001,10\n", encoding="utf-8")
    call_command("import", "order", str(good), "--format", "json")
    assert json.loads(capsys.readouterr().out) == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    bad = tmp_path / "bad.csv"
    bad.write_text("order no,order date,customer,rep,amount\nSO2,2026-03-05,C1,E404,10\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "order", str(bad), "--format", "json")
    assert exit_info.value.code == 2
    payload = json.loads(capsys.readouterr().out)
    assert payload["errors"] == [
        {"row": 2, "column": "rep", "value": "E404", "message": payload["errors"][0]["message"]}
    ]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["SO1"]


def test_import_with_json_mapping_file(world, tmp_path: Path, capsys) -> None:
    data = tmp_path / "x.csv"
    data.write_text("No,When,Who,Whom,Total\nSO1,2026-03-05,E001,C1,10\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps({"external_id": "No", "booked_on": "When", "rep": "Who", "customer": "Whom", "amount": "Total"}),
        encoding="utf-8",
    )
    call_command("import", "order", str(data), "--mapping", str(mapping), "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 1


def test_export_round_trip(world, tmp_path: Path, capsys) -> None:
    source = tmp_path / "orders.csv"
    source.write_text("order no,order date,customer,rep,amount\nSO1,2026-03-05,C1,E001,10.50\n", encoding="utf-8")
    call_command("import", "order", str(source), "--format", "json")
    for name in ("out.csv", "out.xlsx"):
        target = tmp_path / name
        call_command("export", "order", str(target))
        capsys.readouterr()
        call_command("import", "order", str(target), "--format", "json")
        assert json.loads(capsys.readouterr().out) == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}


def test_template_and_error_report_are_workbooks() -> None:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(import_template(kind="collection")))
    assert len(workbook.sheet_names) == 2
    report = CalamineWorkbook.from_filelike(
        io.BytesIO(error_report(errors=[{"row": 2, "column": "a", "value": "x", "message": "m"}]))
    )
    assert report.get_sheet_by_index(0).to_python()[1][0] == 2
