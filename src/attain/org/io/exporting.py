"""Export of units, people and memberships in the layout the importer reads (so export → import changes nothing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from attain.core.errors import ValidationError
from attain.core.scope import DataScope, scope_for
from attain.org.io.columns import MEMBERSHIPS, PEOPLE, SHEETS, UNITS
from attain.org.models import Membership, Person, Unit

if TYPE_CHECKING:
    from attain.accounts.models import User

FORMATS = ("xlsx", "csv")


def _scope(actor: User | None) -> DataScope:
    # actor=None is a system export (CLI): the whole organisation.
    return DataScope.everything() if actor is None else scope_for(actor)


def export_rows(*, actor: User | None) -> dict[str, list[list[Any]]]:
    """The rows of each sheet (header first) that ``actor`` may see; three queries in all."""
    scope = _scope(actor)
    units: QuerySet[Unit] = Unit.objects.filter(scope.unit_q()).select_related("parent").order_by("path")
    people: QuerySet[Person] = Person.objects.filter(scope.person_q()).order_by("employee_no")
    memberships: QuerySet[Membership] = (
        Membership.objects.filter(scope.unit_q("unit_id"), scope.person_q("person_id"))
        .select_related("person", "unit")
        .order_by("person__employee_no", "valid_from", "unit__code", "role")
    )
    return {
        UNITS: [
            SHEETS[UNITS].header(),
            *(
                [unit.code, unit.name, unit.kind, unit.parent.code if unit.parent else "", 1 if unit.is_active else 0]
                for unit in units
            ),
        ],
        PEOPLE: [
            SHEETS[PEOPLE].header(),
            *(
                [person.employee_no, person.name, person.email, person.phone, person.hired_on, person.left_on]
                for person in people
            ),
        ],
        MEMBERSHIPS: [
            SHEETS[MEMBERSHIPS].header(),
            *(
                [
                    membership.person.employee_no,
                    membership.unit.code,
                    membership.role,
                    membership.valid_from,
                    membership.valid_to,
                    membership.note,
                ]
                for membership in memberships
            ),
        ],
    }


def org_export(*, actor: User | None, format: str = "xlsx") -> bytes:
    """The org within ``actor``'s scope: an XLSX workbook, or (``csv``) a zip of three UTF-8-with-BOM CSVs."""
    if format not in FORMATS:
        message = _("Unknown export format “%(format)s”; use xlsx or csv.") % {"format": format}
        raise ValidationError(message, field="format")
    rows = export_rows(actor=actor)
    return _xlsx(rows) if format == "xlsx" else _csv_zip(rows)


def _xlsx(rows: dict[str, list[list[Any]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    bold = workbook.add_format({"bold": True})
    for kind, sheet_rows in rows.items():
        worksheet = workbook.add_worksheet(SHEETS[kind].title)
        worksheet.write_row(0, 0, sheet_rows[0], bold)
        worksheet.freeze_panes(1, 0)
        for row_index, row in enumerate(sheet_rows[1:], start=1):
            for column_index, value in enumerate(row):
                if isinstance(value, dt.date):
                    worksheet.write_datetime(row_index, column_index, value, date_format)
                elif value is None or value == "":
                    continue
                elif isinstance(value, str):
                    worksheet.write_string(row_index, column_index, value)  # codes like 0012 stay text
                else:
                    worksheet.write(row_index, column_index, value)
        widths = [max(len(str(row[i] or "")) for row in sheet_rows) for i in range(len(sheet_rows[0]))]
        for column_index, width in enumerate(widths):
            worksheet.set_column(column_index, column_index, min(max(width + 2, 10), 60))
    workbook.close()
    return buffer.getvalue()


def _csv_zip(rows: dict[str, list[list[Any]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind, sheet_rows in rows.items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            for row in sheet_rows:
                writer.writerow(["" if value is None else _csv_value(value) for value in row])
            archive.writestr(f"{kind}.csv", ("\ufeff" + text.getvalue()).encode("utf-8"))
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
