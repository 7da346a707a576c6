"""XLSX reading (fastexcel, column-wise): cell texts as the importer expects them, Excel's row numbers."""

import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter

from attain.sales.io.reading import ROW, FileReadError, read_table


def workbook(write) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    write(book, book.add_worksheet("Orders"))
    book.close()
    return buffer.getvalue()


def test_cells_become_the_texts_the_parsers_read() -> None:
    def write(book, sheet) -> None:
        # Header on Excel row 3 (two empty rows above), an empty row 5, a value-less trailing column.
        sheet.write_row(2, 0, ["no", "date", "amount", "big", "flag", "time", "text", ""])
        midnight = dt.datetime(2026, 3, 5)  # noqa: DTZ001  # an Excel cell has no time zone
        sheet.write_row(3, 0, ["SO1", None, 1001.0, 12345678.12, True, None, "  padded "])
        sheet.write_datetime(3, 1, midnight, book.add_format({"num_format": "yyyy-mm-dd"}))
        sheet.write_datetime(3, 5, dt.datetime(1899, 12, 31, 10, 30), book.add_format({"num_format": "hh:mm"}))  # noqa: DTZ001
        sheet.write_row(5, 0, ["SO2", 46086, 1234.5, 99999999999.99, False, None, "x"])
        sheet.write_row(6, 0, [1234, "2026/3/5", -0.0, 0.1 + 0.2])

    table = read_table(data=workbook(write), filename="orders.xlsx")
    assert table.file_type == "xlsx"
    assert table.headers == ["no", "date", "amount", "big", "flag", "time", "text"]
    rows = table.frame.rows()
    assert table.frame.columns[0] == ROW
    assert rows == [
        (4, "SO1", "2026-03-05", "1001", "12345678.12", "1", "10:30:00", "padded"),
        (6, "SO2", "46086", "1234.5", "99999999999.99", "0", None, "x"),
        (7, "1234", "2026/3/5", "0", "0.3", None, None, None),
    ]


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(FileReadError) as caught:
        read_table(data=buffer.getvalue(), filename="orders.xlsx")
    assert caught.value.detail.code == "not_excel"


def test_an_empty_sheet_is_empty() -> None:
    with pytest.raises(FileReadError) as caught:
        read_table(data=workbook(lambda book, sheet: None), filename="orders.xlsx")
    assert caught.value.detail.code == "empty"
