"""Turn an uploaded file (XLSX, or CSV in UTF-8 / UTF-8 with BOM / GB18030) into tables of org rows.

Rows keep the number the user sees in Excel (header = row 1), empty rows are skipped and trailing blank
columns ignored. Problems become ``ErrorDetail``s; nothing here raises for bad input.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from attain.core.errors import ErrorDetail
from attain.org.io.columns import SHEETS, Sheet, cell_text, detect_csv_kind, map_header, match_sheet

EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_MEMBER_SIZE = 200 * 1024 * 1024  # refuse zip bombs


@dataclass
class Table:
    """The rows of one kind read from one sheet or CSV file."""

    sheet: Sheet
    source: str
    headers: dict[str, str] = field(default_factory=dict)  # canonical key → header text as in the file
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, key → raw cell)

    def has(self, key: str) -> bool:
        return key in self.headers

    def column(self, key: str) -> str:
        """The column name the user sees for ``key`` (their header text, or ours if the column is missing)."""
        return self.headers.get(key) or self.sheet.columns[key][0]


def _is_blank(values: list[Any]) -> bool:
    return all(cell_text(value) == "" for value in values)


def _table_from_rows(sheet: Sheet, source: str, raw_rows: list[list[Any]], errors: list[ErrorDetail]) -> Table | None:
    table = Table(sheet=sheet, source=source)
    header_index = next((i for i, row in enumerate(raw_rows) if not _is_blank(row)), None)
    if header_index is None:
        return table
    header = raw_rows[header_index]
    mapping = map_header(sheet, header)
    table.headers = {key: cell_text(header[index]) for index, key in mapping.items()}
    missing = [sheet.columns[key][0] for key in sheet.required if key not in table.headers]
    if missing:
        message = _("Sheet “%(sheet)s” lacks the required column(s): %(columns)s.") % {
            "sheet": source,
            "columns": ", ".join(missing),
        }
        errors.append(ErrorDetail(message=message, row=header_index + 1, field=source, code="missing_column"))
        return None
    for offset, raw in enumerate(raw_rows[header_index + 1 :], start=header_index + 2):
        if _is_blank(raw):
            continue
        values = {key: (raw[index] if index < len(raw) else None) for index, key in mapping.items()}
        table.rows.append((offset, values))
    return table


def decode_text(data: bytes, encoding: str | None, errors: list[ErrorDetail]) -> str | None:
    """The file's text: the explicit encoding, else strict UTF-8 (with or without BOM), else GB18030."""
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            message = _("Unknown encoding “%(encoding)s”.") % {"encoding": encoding}
            errors.append(ErrorDetail(message=message, field="encoding", value=encoding, code="encoding"))
            return None
        except UnicodeDecodeError as exc:
            message = _("The file is not valid %(encoding)s text (byte %(position)d).") % {
                "encoding": encoding,
                "position": exc.start,
            }
            errors.append(ErrorDetail(message=message, field="encoding", value=encoding, code="encoding"))
            return None
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    message = _("The file's text encoding is not UTF-8 or GB18030; save it as UTF-8 CSV and try again.")
    errors.append(ErrorDetail(message=message, field="encoding", code="encoding"))
    return None


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return head.startswith((ZIP_MAGIC, OLE_MAGIC, b"\x89PNG", b"%PDF", b"\xff\xd8\xff", b"GIF8")) or b"\x00" in head


def read_tables(*, data: bytes, filename: str, encoding: str | None, errors: list[ErrorDetail]) -> list[Table]:
    """Every table in the file; problems with the file itself are appended to ``errors``."""
    name = (filename or "").lower()
    if not data:
        errors.append(ErrorDetail(message=_("The file is empty."), field="file", value=filename, code="empty"))
        return []
    if name.endswith(EXCEL_EXTENSIONS):
        return _read_workbook(data, filename, errors)
    if name.endswith(".zip"):
        return _read_zip(data, filename, encoding, errors)
    if name.endswith(CSV_EXTENSIONS):
        if _looks_binary(data):
            message = _("“%(name)s” is not a CSV text file.") % {"name": filename}
            errors.append(ErrorDetail(message=message, field="file", value=filename, code="not_csv"))
            return []
        text = decode_text(data, encoding, errors)
        if text is None:
            return []
        return _read_csv(text, filename, errors)
    message = _("Unsupported file type “%(name)s”: upload an .xlsx workbook, a .csv file or a .zip of CSVs.") % {
        "name": filename
    }
    errors.append(ErrorDetail(message=message, field="file", value=filename, code="file_type"))
    return []


def _read_workbook(data: bytes, filename: str, errors: list[ErrorDetail]) -> list[Table]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several error types for a broken or foreign file
        message = _("“%(name)s” is not a readable Excel workbook.") % {"name": filename}
        errors.append(ErrorDetail(message=message, field="file", value=filename, code="not_excel"))
        return []
    tables: list[Table] = []
    for title in workbook.sheet_names:
        sheet = match_sheet(title)
        if sheet is None:
            continue
        if any(table.sheet.kind == sheet.kind for table in tables):
            message = _("Two sheets hold %(kind)s; keep one.") % {"kind": sheet.title}
            errors.append(ErrorDetail(message=message, field=title, code="duplicate_sheet"))
            continue
        raw_rows = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
        table = _table_from_rows(sheet, title, raw_rows, errors)
        if table is not None:
            tables.append(table)
    if not tables and not errors:
        expected = ", ".join(sheet.title for sheet in SHEETS.values())
        message = _("No sheet named %(expected)s (or 组织单元, 人员, 任职) was found.") % {"expected": expected}
        errors.append(ErrorDetail(message=message, field="file", value=filename, code="no_sheets"))
    return tables


def _read_csv(text: str, filename: str, errors: list[ErrorDetail]) -> list[Table]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    raw_rows = list(csv.reader(io.StringIO(text), dialect))
    header = next((row for row in raw_rows if not _is_blank(row)), None)
    if header is None:
        errors.append(ErrorDetail(message=_("The file is empty."), field="file", value=filename, code="empty"))
        return []
    sheet = detect_csv_kind(header)
    if sheet is None:
        message = _(
            "Cannot tell what “%(name)s” holds: its header row needs code + name (units), "
            "employee_no + name (people) or employee_no + unit_code + valid_from (memberships)."
        ) % {"name": filename}
        errors.append(ErrorDetail(message=message, field="file", row=1, value=filename, code="unknown_layout"))
        return []
    table = _table_from_rows(sheet, filename, raw_rows, errors)
    return [table] if table is not None else []


def _read_zip(data: bytes, filename: str, encoding: str | None, errors: list[ErrorDetail]) -> list[Table]:
    """A zip of CSV files (what the CSV export produces): each member is read as one CSV."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if info.filename.lower().endswith(CSV_EXTENSIONS)]
    except zipfile.BadZipFile:
        message = _("“%(name)s” is not a readable zip archive.") % {"name": filename}
        errors.append(ErrorDetail(message=message, field="file", value=filename, code="not_zip"))
        return []
    tables: list[Table] = []
    for info in sorted(members, key=lambda member: member.filename):
        if info.file_size > MAX_MEMBER_SIZE:
            message = _("“%(name)s” is too large.") % {"name": info.filename}
            errors.append(ErrorDetail(message=message, field="file", value=info.filename, code="too_large"))
            continue
        content = archive.read(info)
        text = decode_text(content, encoding, errors)
        if text is None:
            continue
        for table in _read_csv(text, info.filename, errors):
            if any(other.sheet.kind == table.sheet.kind for other in tables):
                message = _("Two files hold %(kind)s; keep one.") % {"kind": table.sheet.title}
                errors.append(ErrorDetail(message=message, field=info.filename, code="duplicate_sheet"))
                continue
            tables.append(table)
    if not tables and not errors:
        message = _("The zip archive holds no CSV file.")
        errors.append(ErrorDetail(message=message, field="file", value=filename, code="no_sheets"))
    return tables
