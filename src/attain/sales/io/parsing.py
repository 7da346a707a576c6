"""Value parsers for imported cells: dates, amounts, percentages, quantities, booleans — as Decimal, never float.

Two forms of each parser: a scalar one (``parse_*``) that raises ``ValueError`` with a message, used to explain
a bad cell, and a Polars expression (``*_expr``) that parses a whole column at once and yields null where the
scalar parser would fail. The importer runs the expressions over every row and calls the scalar parser only
on the rows the expression rejected, to say why. No Django imports beyond gettext: this module is pure.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_EXCEL_SERIAL = 2958465  # 9999-12-31

# Full-width digits and punctuation (what Chinese IMEs type) → ASCII.
_FULL_WIDTH = "０１２３４５６７８９．，－＋（）％"
_HALF_WIDTH = "0123456789.,-+()%"
FULL_WIDTH_TABLE = str.maketrans(_FULL_WIDTH + "\u3000", _HALF_WIDTH + " ")
_CURRENCY_MARKS = ("¥", "￥", "$", "€", "£", "元", "RMB", "CNY", "USD", "HK$", "NT$")

_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.0+)?$")
_NUMBER = re.compile(r"^[-+]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "是", "对", "對", "√", "✓", "x"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "否", "不", "错", "錯", ""})


def cell_text(value: Any) -> str:
    """A cell as trimmed text; whole-number floats (how Excel stores ``1001``) lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):  # calamine returns durations for time-formatted cells
        return str(value)
    return str(value).strip()


def normalise_text(text: str) -> str:
    """Full-width digits and punctuation to ASCII, trimmed."""
    return text.translate(FULL_WIDTH_TABLE).strip()


def normalised_text_expr(column: str) -> pl.Expr:
    """:func:`normalise_text` over a whole column: full-width digits and punctuation to ASCII, trimmed."""
    return pl.col(column).str.replace_many(list(_FULL_WIDTH + "\u3000"), list(_HALF_WIDTH + " ")).str.strip_chars()


# --- dates


def parse_date(value: Any) -> dt.date:
    """``2026-03-05``, ``2026/3/5``, ``2026年3月5日``, ``20260305``, an Excel serial or a date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalise_text(cell_text(value))
    match = _DATE_TEXT.match(text) or _COMPACT_DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(_("There is no such day in the calendar.")) from None
    if _SERIAL.match(text):
        serial = int(float(text))
        if 1 <= serial <= MAX_EXCEL_SERIAL:
            return EXCEL_EPOCH + dt.timedelta(days=serial)
    raise ValueError(_("Not a date; write it like 2026-03-05, 2026/3/5 or 2026年3月5日."))


def date_expr(column: str) -> pl.Expr:
    """Column ``column`` (text) parsed to ``pl.Date``; null where empty or not a date."""
    text = pl.col(column).str.strip_chars()
    # 2026年3月5日 / 2026/3/5 / 2026.3.5 → 2026-3-5, time part dropped.
    dashed = (
        text.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
        .str.replace_all(r"[年月/.]", "-")
        .str.replace(r"[日号]$", "")
        .str.replace_all(r"\s", "")
    )
    from_text = dashed.str.to_date("%Y-%m-%d", strict=False)
    compact = text.str.to_date("%Y%m%d", strict=False)
    serial_number = text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    from_serial = (
        pl.when(text.str.contains(r"^\d{1,7}(\.0+)?$") & serial_number.is_between(1, MAX_EXCEL_SERIAL))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial_number))
        .otherwise(None)
        .cast(pl.Date)
    )
    return (
        pl.when(text.str.contains(r"^\d{8}$"))
        .then(compact)
        .when(text.str.contains(r"^\d{1,7}(\.0+)?$"))
        .then(from_serial)
        .otherwise(from_text)
    )


# --- amounts and numbers


def _clean_number_text(text: str) -> tuple[str, bool]:
    """Strip currency marks, spaces and accounting parentheses; returns (text, negative by parentheses)."""
    text = normalise_text(text)
    for mark in _CURRENCY_MARKS:
        text = text.replace(mark, "")
    text = text.replace(" ", "").replace("\u00a0", "")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    return text, negative


def parse_decimal(value: Any, *, places: int = 2, allow_negative: bool = True) -> Decimal:
    """An amount like ``1,234.50``, ``¥1,234``, ``(1,234.00)`` (negative) or ``１２３``; at most ``places`` decimals."""
    if isinstance(value, bool):
        raise ValueError(_("Not a number."))
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, Decimal):
        result = value
    else:
        raw = repr(value) if isinstance(value, float) else cell_text(value)
        text, negative = _clean_number_text(raw)
        if not _NUMBER.match(text):
            raise ValueError(_("Not a number; write it like 1234.50 or 1,234.50."))
        try:
            result = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("Not a number; write it like 1234.50 or 1,234.50.")) from None
        if negative:
            if result < 0:
                raise ValueError(_("Not a number; write it like 1234.50 or 1,234.50."))
            result = -result
    if not result.is_finite():
        raise ValueError(_("Not a number."))
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        if places == 0:
            raise ValueError(_("Must be a whole number."))
        raise ValueError(_("At most %(places)d decimal places.") % {"places": places})
    if not allow_negative and result < 0:
        raise ValueError(_("Must not be negative."))
    return result


def parse_amount(value: Any, *, allow_negative: bool = True) -> Decimal:
    """Money: :func:`parse_decimal` with two decimal places."""
    return parse_decimal(value, places=2, allow_negative=allow_negative)


_CURRENCY_PATTERN = r"[¥￥$€£元\s\u00a0]|RMB|CNY|USD|HK|NT"
_NUMBER_BODY = r"(?:\d+|\d{1,3}(?:,\d{3})+)"


def _normalised_number(column: str) -> pl.Expr:
    """Trimmed, full-width to ASCII, currency marks and spaces removed (still with ``,`` and ``( )``)."""
    text = pl.col(column).str.strip_chars()
    return text.str.replace_many(list(_FULL_WIDTH), list(_HALF_WIDTH)).str.replace_all(_CURRENCY_PATTERN, "")


def _signed_digits(text: pl.Expr) -> pl.Expr:
    """``(1,234.00)`` → ``-1234.00``, ``+5`` → ``5``: the text a Decimal cast reads (validity checked apart)."""
    digits = text.str.replace_all(r"[,()+]", "")
    return pl.when(text.str.starts_with("(")).then(pl.lit("-") + digits).otherwise(digits)


def number_text_expr(column: str) -> pl.Expr:
    """The canonical number text of a column: ASCII digits, no currency marks or separators, ``-`` for ``( )``."""
    text = _normalised_number(column)
    valid = text.str.contains(rf"^(?:[-+]?{_NUMBER_BODY}(?:\.\d+)?|\(\+?{_NUMBER_BODY}(?:\.\d+)?\))$")
    return pl.when(valid).then(_signed_digits(text)).otherwise(None).alias(column)


def decimal_expr(column: str, *, places: int = 2, allow_negative: bool = True) -> pl.Expr:
    """A column parsed to ``pl.Decimal(18, places)``; null where empty, not a number, too precise or negative.

    One validating regular expression (format, decimal places and sign together), then a cast: no
    sub-expression is evaluated twice, which matters at a million rows.
    """
    text = _normalised_number(column)
    fraction = rf"(?:\.\d{{1,{places}}})?" if places else ""
    if allow_negative:
        pattern = rf"^(?:[-+]?{_NUMBER_BODY}{fraction}|\(\+?{_NUMBER_BODY}{fraction}\))$"
    else:
        pattern = rf"^\+?{_NUMBER_BODY}{fraction}$"
    parsed = _signed_digits(text).cast(pl.Decimal(18, places), strict=False)
    return pl.when(text.str.contains(pattern)).then(parsed).otherwise(None).alias(column)


def parse_percent(value: Any) -> Decimal:
    """A percentage 0–100 written ``50``, ``50%`` or ``50.5``; at most two decimals."""
    text = cell_text(value)
    text = normalise_text(text).rstrip("%").strip()
    result = parse_decimal(text, places=2, allow_negative=False)
    if result > 100:
        raise ValueError(_("A percentage is between 0 and 100."))
    return result


def parse_bool(value: Any) -> bool:
    """Yes or no: 是/否, Y/N, yes/no, true/false, 1/0; empty means no."""
    text = normalise_text(cell_text(value)).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Write yes or no (是/否, Y/N)."))


def bool_expr(column: str) -> pl.Expr:
    """A column parsed to ``pl.Boolean``; empty is false, unknown words null."""
    text = pl.col(column).fill_null("").str.strip_chars().str.to_lowercase()
    return (
        pl.when(text.is_in(sorted(TRUE_WORDS)))
        .then(pl.lit(value=True))
        .when(text.is_in(sorted(FALSE_WORDS)))
        .then(pl.lit(value=False))
        .otherwise(None)
    )


def parse_integer(value: Any, *, allow_negative: bool = False) -> int:
    """A whole number (minutes, scores); ``12.0`` from Excel is 12."""
    return int(parse_decimal(cell_text(value).removesuffix(".0"), places=0, allow_negative=allow_negative))
