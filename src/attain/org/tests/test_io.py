from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter

from attain.core.errors import ImportFileError, PermissionDeniedError
from attain.org import services
from attain.org.io.columns import parse_date
from attain.org.models import Membership, Person, Unit

D = dt.date
pytestmark = pytest.mark.django_db


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def counts():
    return Unit.objects.count(), Person.objects.count(), Membership.objects.count()


GOOD = {
    "组织单元": [
        ["编码", "名称", "类型", "上级编码"],
        ["HQ", "总部", "公司", ""],
        ["N", "华北区", "区域", "HQ"],
        ["NA", "北京一组", "团队", "N"],
    ],
    "人员": [
        ["工号", "姓名", "邮箱", "入职日期"],
        ["E001", "张三", "zhang@example.com", "2024/3/5"],
        ["E002", "李四", "", 45000],  # an Excel serial
        [],
        ["E003", "王五", None, "2025年1月2日"],
    ],
    "任职": [
        ["工号", "组织编码", "角色", "开始日期", "结束日期"],
        ["E001", "NA", "成员", D(2026, 1, 1), None],
        ["E002", "NA", "member", "2026-01-01", "2026-03-31"],
        ["E002", "N", "member", "2026-04-01", None],
        ["E003", "NA", "经理", "2026-01-01", None],
    ],
}


def test_import_xlsx_chinese_sheets_and_reimport_is_idempotent():
    result = services.org_import(actor=None, data=xlsx(GOOD), filename="org.xlsx")
    assert result.created == {"units": 3, "people": 3, "memberships": 4}
    na = Unit.objects.get(code="NA")
    assert na.path == f"/{Unit.objects.get(code='HQ').pk}/{Unit.objects.get(code='N').pk}/{na.pk}/"
    assert na.depth == 2
    assert Person.objects.get(employee_no="E002").hired_on == D(2023, 3, 15)
    assert Person.objects.get(employee_no="E003").hired_on == D(2025, 1, 2)
    again = services.org_import(actor=None, data=xlsx(GOOD), filename="org.xlsx")
    assert again.changes == 0
    assert again.unchanged == {"units": 3, "people": 3, "memberships": 4}


def test_dry_run_writes_nothing():
    result = services.org_import(actor=None, data=xlsx(GOOD), filename="org.xlsx", dry_run=True)
    assert result.created["units"] == 3
    assert counts() == (0, 0, 0)


def _errors(data: bytes, filename: str, **kwargs) -> list[dict]:
    before = counts()
    with pytest.raises(ImportFileError) as excinfo:
        services.org_import(actor=None, data=data, filename=filename, **kwargs)
    assert counts() == before, "nothing may be written"
    return [detail.as_dict() for detail in excinfo.value.details]


def test_every_error_reported_with_row_column_value():
    bad = {
        "Units": [
            ["code", "name", "kind", "parent_code"],
            ["A", "A", "team", "B"],
            ["B", "B", "team", "A"],  # cycle A ↔ B
            ["C", "C", "team", "ZZZ"],  # unknown parent
            ["C", "C again", "team", ""],  # duplicate code
            ["D", "D", "planet", ""],  # bad kind
        ],
        "People": [["employee_no", "name", "hired_on"], ["E1", "One", "2026-13-45"], ["E2", "Two", ""]],
        "Memberships": [
            ["employee_no", "unit_code", "role", "valid_from", "valid_to"],
            ["E1", "A", "member", "2026-01-01", ""],
            ["E9", "A", "member", "2026-01-01", ""],  # unknown person
            ["E2", "NOPE", "member", "2026-01-01", ""],  # unknown unit
            ["E2", "A", "member", "2026-01-01", "2026-06-30"],
            ["E2", "B", "member", "2026-06-30", ""],  # overlaps the row above
            ["E2", "B", "member", "yesterday", ""],  # bad date
        ],
    }
    errors = _errors(xlsx(bad), "bad.xlsx")
    found = {(e.get("field"), e.get("row"), e.get("column"), e.get("code")) for e in errors}
    assert ("Units", 2, "parent_code", "cycle") in found
    assert ("Units", 3, "parent_code", "cycle") in found
    assert ("Units", 4, "parent_code", "unknown_parent") in found
    assert ("Units", 5, "code", "duplicate") in found
    assert ("Units", 6, "kind", "bad_choice") in found
    assert ("People", 2, "hired_on", "bad_date") in found
    assert ("Memberships", 3, "employee_no", "unknown_person") in found
    assert ("Memberships", 4, "unit_code", "unknown_unit") in found
    assert ("Memberships", 6, "valid_from", "overlap") in found
    assert ("Memberships", 7, "valid_from", "bad_date") in found
    values = {(e["row"], e.get("value")) for e in errors if e.get("field") == "Memberships"}
    assert (3, "E9") in values
    assert (7, "yesterday") in values


def test_overlap_with_stored_membership(world):
    data = b"employee_no,unit_code,valid_from\nE001,NB,2026-06-01\n"
    errors = _errors(data, "m.csv")
    assert errors[0]["row"] == 2
    assert errors[0]["code"] == "overlap"
    assert "stored membership" in errors[0]["message"]


def test_png_named_xlsx_and_binary_csv():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert _errors(png, "org.xlsx")[0]["code"] == "not_excel"
    assert _errors(png, "org.csv")[0]["code"] == "not_csv"
    assert _errors(b"hello", "org.pdf")[0]["code"] == "file_type"
    assert _errors(b"", "org.csv")[0]["code"] == "empty"


CSV_PEOPLE = "工号,姓名,入职日期,,\r\nE100,欧阳娜娜,2026年3月5日,,\r\n,,,,\r\nE101,司马懿,2026/3/6,,\r\n"


def test_csv_gb18030_detected():
    result = services.org_import(actor=None, data=CSV_PEOPLE.encode("gb18030"), filename="people.csv")
    assert result.created["people"] == 2
    assert Person.objects.get(employee_no="E100").name == "欧阳娜娜"
    assert Person.objects.get(employee_no="E101").hired_on == D(2026, 3, 6)


def test_csv_utf8_bom():
    services.org_import(actor=None, data=CSV_PEOPLE.encode("utf-8-sig"), filename="people.csv")
    assert Person.objects.get(employee_no="E100").name == "欧阳娜娜"


def test_explicit_wrong_encoding_is_an_error():
    errors = _errors(CSV_PEOPLE.encode("gb18030"), "people.csv", encoding="utf-8")
    assert errors[0]["code"] == "encoding"


def test_undecodable_csv():
    assert _errors(b"code,name\n\xff\xfe\xff\xfe\x81\x30", "u.csv")[0]["code"] == "encoding"


def test_csv_unknown_layout():
    assert _errors(b"foo,bar\n1,2\n", "x.csv")[0]["code"] == "unknown_layout"


def test_import_permission(world):
    with pytest.raises(PermissionDeniedError):
        services.org_import(actor=world.director, data=CSV_PEOPLE.encode(), filename="p.csv")
    hr_south = type(world.hr).objects.create(username="hr_s", role="hr", scope_unit=world.south)
    data = b"code,name,parent_code\nNEW,new,N\nNEW2,new2,SC\n"
    with pytest.raises(ImportFileError) as excinfo:
        services.org_import(actor=hr_south, data=data, filename="u.csv")
    assert [(d.row, d.code) for d in excinfo.value.details] == [(2, "out_of_scope")]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_import_round_trip(world, fmt):
    services.person_transfer(actor=None, person=world.rep_a, to_unit=world.team_b, on=D(2026, 5, 1))
    services.person_update(actor=None, person=world.rep_b, hired_on=D(2020, 2, 29), email="li@example.com")
    data = services.org_export(actor=None, format=fmt)
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert sorted(archive.namelist()) == ["memberships.csv", "people.csv", "units.csv"]
            assert archive.read("people.csv").startswith(b"\xef\xbb\xbf")
    result = services.org_import(actor=None, data=data, filename=f"org.{'zip' if fmt == 'csv' else 'xlsx'}")
    assert result.changes == 0
    assert result.unchanged == {"units": 6, "people": 6, "memberships": 10}


def test_import_moves_unit_and_updates(world):
    data = "code,name,parent_code\nNA,北京一组,S\n".encode()
    result = services.org_import(actor=None, data=data, filename="u.csv")
    assert result.updated["units"] == 1
    world.team_a.refresh_from_db()
    assert world.team_a.parent == world.south
    assert world.team_a.path == f"/{world.company.pk}/{world.south.pk}/{world.team_a.pk}/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-05", D(2026, 3, 5)),
        ("2026/3/5", D(2026, 3, 5)),
        ("2026年3月5日", D(2026, 3, 5)),
        ("2026.03.05", D(2026, 3, 5)),
        ("46086", D(2026, 3, 5)),
        (46086.0, D(2026, 3, 5)),
        ("2026-03-05 00:00:00", D(2026, 3, 5)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "March 5", "46086.5", ""])
def test_parse_date_refuses(text):
    with pytest.raises(ValueError):  # noqa: PT011 - parse_date signals every bad input with a bare ValueError
        parse_date(text)
