"""Read an uploaded file (CSV in UTF-8 / UTF-8 with BOM / GB18030, or XLSX) into one table of text cells.

The real file type is sniffed from its first bytes, whatever its name says (a PNG renamed ``.xlsx`` is
refused). Every cell becomes text (Excel dates become ISO dates); rows keep the number the user sees in
Excel (the header is row 1), empty rows are dropped and trailing blank columns ignored. Pure: no database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from attain.core.errors import ErrorDetail
from attain.sales.io.parsing import cell_text

ROW = "__row"  # the frame column holding each row's number as the user sees it
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"BM", b"Rar!", b"7z\xbc\xaf")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


class FileReadError(Exception):
    """The file itself cannot be read; ``detail`` says why (no row or column)."""

    def __init__(self, detail: ErrorDetail) -> None:
        super().__init__(detail.message)
        self.detail = detail


@dataclass
class RawTable:
    """The header texts and a frame of text columns ``c0 … cN`` plus ``__row``."""

    headers: list[str]
    frame: pl.DataFrame
    file_type: str  # "csv" or "xlsx"
    encoding: str | None = None

    @property
    def row_count(self) -> int:
        return self.frame.height


def _fail(message: str, code: str, value: str | None = None) -> FileReadError:
    return FileReadError(ErrorDetail(message=message, field="file", value=value, code=code))


def sniff_type(data: bytes) -> str:
    """``xlsx``, ``xls``, ``csv`` or ``binary`` from the first bytes."""
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith(_BINARY_MAGIC) or b"\x00" in data[:4096]:
        return "binary"
    return "csv"


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding used: the explicit one, else strict UTF-8 (BOM or not), else GB18030."""
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise _fail(_("Unknown encoding “%(encoding)s”.") % {"encoding": encoding}, "encoding", encoding) from None
        except UnicodeDecodeError as exc:
            message = _("The file is not valid %(encoding)s text (byte %(position)d).") % {
                "encoding": encoding,
                "position": exc.start,
            }
            raise _fail(message, "encoding", encoding) from None
        return text.removeprefix("\ufeff"), encoding
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    guess = _guess_encoding(data)
    if guess:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    raise _fail(_("The file's text encoding is not UTF-8 or GB18030; pass --encoding or save it as UTF-8."), "encoding")


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else None


def read_table(*, data: bytes, filename: str, encoding: str | None = None) -> RawTable:
    """The file's first sheet (or the CSV) as a :class:`RawTable`; raises :class:`FileReadError`."""
    if not data:
        raise _fail(_("The file is empty."), "empty", filename)
    kind = sniff_type(data)
    claims_excel = filename.lower().endswith(EXCEL_EXTENSIONS)
    if kind == "binary" or (claims_excel and kind == "csv"):
        if claims_excel:
            raise _fail(_("“%(name)s” is not an Excel workbook.") % {"name": filename}, "not_excel", filename)
        raise _fail(_("“%(name)s” is not a CSV or Excel file.") % {"name": filename}, "file_type", filename)
    if kind in ("xlsx", "xls"):
        return _read_workbook(data, filename)
    text, used = decode_text(data, encoding)
    table = read_csv_text(text)
    table.encoding = used
    return table


def _delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv_text(text: str) -> RawTable:
    """Parse CSV text; Polars does the work unless blank lines would shift the row numbers."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    separator = _delimiter(first_line)
    if re.search(r"\n[ \t]*\r?\n", text.rstrip("\r\n")) or text.lstrip() != text:
        return _read_csv_slow(text, separator)
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            infer_schema=False,
            separator=separator,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.ComputeError:
        return _read_csv_slow(text, separator)
    if frame.width == 0 or frame.height == 0:
        raise _fail(_("The file is empty."), "empty")
    headers = [cell_text(value) for value in frame.row(0)]
    frame = frame.slice(1).with_row_index(ROW, offset=2)
    frame = frame.rename({old: f"c{index}" for index, old in enumerate(frame.columns[1:])})
    return _tidy(headers, frame, "csv")


def _read_csv_slow(text: str, separator: str) -> RawTable:
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    return _from_rows(rows, "csv")


def _from_rows(rows: Sequence[Sequence[Any]], file_type: str) -> RawTable:
    header_at = next((i for i, row in enumerate(rows) if any(cell_text(v) for v in row)), None)
    if header_at is None:
        raise _fail(_("The file is empty."), "empty")
    headers = [cell_text(value) for value in rows[header_at]]
    width = max(len(headers), *(len(row) for row in rows)) if rows else 0
    columns: dict[str, list[str | None]] = {f"c{i}": [] for i in range(width)}
    numbers: list[int] = []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        numbers.append(number)
        for i in range(width):
            text = cell_text(row[i]) if i < len(row) else ""
            columns[f"c{i}"].append(text or None)
    frame = pl.DataFrame(
        {ROW: pl.Series(numbers, dtype=pl.UInt32), **columns}, schema_overrides=dict.fromkeys(columns, pl.String)
    )
    return _tidy(headers, frame, file_type)


def _tidy(headers: list[str], frame: pl.DataFrame, file_type: str) -> RawTable:
    """Trim cells, drop empty rows and trailing blank columns."""
    data_columns = [c for c in frame.columns if c != ROW]
    headers = headers + [""] * (len(data_columns) - len(headers))
    frame = frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in data_columns)
    if data_columns:
        frame = frame.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in data_columns))
    keep = len(data_columns)
    while keep > 0 and not headers[keep - 1] and frame[f"c{keep - 1}"].null_count() == frame.height:
        keep -= 1
    frame = frame.select(ROW, *data_columns[:keep])
    return RawTable(headers=headers[:keep], frame=frame, file_type=file_type)


# fastexcel writes a float cell as text with nine decimals ("12345678.119999999" for 12345678.12): such texts
# are read back as the float they came from and written shortest-exact, like Python's repr.
_NINE_DECIMALS = r"^-?\d+\.\d{9}$"
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2}) 00:00:00$"  # a date cell: the date alone, as before
_TIME_ONLY = r"^1899-12-3[01] (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$"  # a time-formatted cell: the time alone


def _excel_text(column: str) -> pl.Expr:
    """fastexcel's text of a cell → the text :func:`cell_text` gives for the same cell (booleans 1/0)."""
    text = pl.col(column)
    exact = text.cast(pl.Float64, strict=False).cast(pl.String)
    return (
        pl.when(text.str.contains(_NINE_DECIMALS))
        .then(exact)
        .when(text.is_in(["-0", "false"]))
        .then(pl.lit("0"))
        .when(text == "true")
        .then(pl.lit("1"))
        .otherwise(text.str.replace(_MIDNIGHT, "${1}").str.replace(_TIME_ONLY, "${1}"))
        .alias(column)
    )


def _read_workbook(data: bytes, filename: str) -> RawTable:
    """The first sheet, read column-wise by fastexcel (calamine) into text columns; rows numbered from A1."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise _fail(_("The file is empty."), "empty")
        sheet = reader.load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
        frame = sheet.to_polars()
    except fastexcel.FastExcelError:  # a broken or foreign file
        raise _fail(_("“%(name)s” is not an Excel workbook.") % {"name": filename}, "not_excel", filename) from None
    columns = [f"c{i}" for i in range(frame.width)]
    frame = frame.rename(dict(zip(frame.columns, columns, strict=True)))
    frame = frame.with_columns(_excel_text(c) for c in columns).with_row_index(ROW, offset=1)
    header_at = None
    if columns and frame.height:
        filled = pl.any_horizontal(pl.col(c).str.strip_chars().str.len_chars() > 0 for c in columns)
        header_at = frame.select(filled.fill_null(value=False).arg_true().first()).item()
    if header_at is None:
        raise _fail(_("The file is empty."), "empty")
    headers = [cell_text(value) for value in frame.row(header_at)[1:]]
    frame = frame.slice(header_at + 1).with_columns(pl.col(ROW).cast(pl.UInt32))
    return _tidy(headers, frame, "xlsx")
