"""Exports: any fact list (scoped, with the list's filters) to XLSX/CSV in the import layout, the blank XLSX
template of each kind (headers in the user's language + an instructions sheet), and the error report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from attain.core.errors import ValidationError
from attain.core.scope import DataScope, scope_for
from attain.sales import models as m
from attain.sales.choices import FactKind
from attain.sales.io.fields import SPECS, KindSpec

if TYPE_CHECKING:
    from attain.accounts.models import User

FORMATS = ("xlsx", "csv")

# kind → (model, row → values in SPECS[kind].fields order)
_ROWS: dict[str, tuple[Any, Any]] = {
    FactKind.CUSTOMER: (
        m.Customer,
        lambda o: [
            o.external_id,
            o.name,
            o.segment,
            o.is_key_account,
            o.region.code if o.region else "",
            o.first_order_on,
            "",
        ],
    ),
    FactKind.PRODUCT: (
        m.Product,
        lambda o: [o.code, o.name, o.product_line.code if o.product_line else "", o.list_price, o.cost, o.currency],
    ),
    FactKind.ORDER: (
        m.Order,
        lambda o: [
            o.external_id,
            o.booked_on,
            o.customer.external_id,
            o.person.employee_no,
            "",
            "",
            "",
            "",
            o.amount,
            o.cost,
            o.currency,
            o.payment_terms_days,
            o.status,
            "",
        ],
    ),
    FactKind.COLLECTION: (
        m.Collection,
        lambda o: [o.external_id, o.order.external_id, o.received_on, o.amount, o.reference, o.note],
    ),
    FactKind.DEAL: (
        m.Deal,
        lambda o: [
            o.external_id,
            o.name,
            o.customer.external_id if o.customer else "",
            o.person.employee_no,
            o.amount,
            o.stage.code,
            o.opened_on,
            o.expected_close_on,
            o.closed_on,
            "",
            o.won_lost_reason,
        ],
    ),
    FactKind.ACTIVITY: (
        m.Activity,
        lambda o: [
            o.external_id,
            o.kind,
            o.occurred_on,
            o.person.employee_no,
            o.customer.external_id if o.customer else "",
            o.outcome,
            o.duration_minutes,
            o.note,
        ],
    ),
    FactKind.FEEDBACK: (
        m.FeedbackResponse,
        lambda o: [
            o.external_id,
            o.customer.external_id,
            o.person.employee_no,
            o.responded_on,
            o.kind,
            o.score,
            o.comment,
        ],
    ),
    FactKind.TRAINING: (
        m.TrainingResult,
        lambda o: [o.external_id, o.person.employee_no, o.course, o.score, o.is_passed, o.completed_on],
    ),
    FactKind.REVERSAL: (
        m.OrderReversal,
        lambda o: [o.external_id, o.order.external_id, o.kind, o.reversed_on, o.amount, o.reason],
    ),
}
_RELATED: dict[str, list[str]] = {
    FactKind.CUSTOMER: ["region"],
    FactKind.PRODUCT: ["product_line"],
    FactKind.ORDER: ["customer", "person"],
    FactKind.COLLECTION: ["order"],
    FactKind.DEAL: ["customer", "person", "stage"],
    FactKind.ACTIVITY: ["customer", "person"],
    FactKind.FEEDBACK: ["customer", "person"],
    FactKind.TRAINING: ["person"],
    FactKind.REVERSAL: ["order"],
}
_FILTERS: dict[str, str] = {
    FactKind.ORDER: "OrderFilter",
    FactKind.COLLECTION: "CollectionFilter",
    FactKind.REVERSAL: "ReversalFilter",
    FactKind.DEAL: "DealFilter",
    FactKind.CUSTOMER: "CustomerFilter",
    FactKind.PRODUCT: "ProductFilter",
    FactKind.ACTIVITY: "ActivityFilter",
    FactKind.FEEDBACK: "FeedbackFilter",
    FactKind.TRAINING: "TrainingResultFilter",
}


def _spec(kind: str) -> KindSpec:
    if kind not in SPECS:
        raise ValidationError(_("Unknown kind “%(kind)s”.") % {"kind": kind}, field="kind")
    return SPECS[kind]


def export_queryset(*, actor: User | None, kind: str, filters: Mapping[str, Any] | None = None) -> QuerySet[Any]:
    """The facts of ``kind`` the actor may see (actor None = system, everything), filtered like the list page."""
    _spec(kind)
    model, _row = _ROWS[kind]
    scope = DataScope.everything() if actor is None else scope_for(actor)
    queryset = model.objects.select_related(*_RELATED[kind]).order_by("pk")
    if kind in (FactKind.CUSTOMER, FactKind.PRODUCT):
        if not scope.is_all and not scope.unit_ids and not scope.person_ids:
            queryset = queryset.none()  # reference data: anyone with a sales scope may read it
    else:
        queryset = queryset.filter(scope.person_q("person_id") | scope.unit_q("unit_id") if not scope.is_all else Q())
    if filters:
        from attain.sales import filters as filter_module

        filterset = getattr(filter_module, _FILTERS[kind])(data=filters, queryset=queryset)
        if filterset.is_valid():
            queryset = filterset.qs
    return queryset


def headers_for(kind: str, *, translated: bool = False) -> list[str]:
    """Export/template headers: English keys by default (stable for machines), or the user's language."""
    spec = _spec(kind)
    if not translated:
        return [item.headers[0] for item in spec.fields]
    chinese = (get_language() or "").lower().startswith("zh")
    return [item.headers[1] if chinese and len(item.headers) > 1 else str(item.label) for item in spec.fields]


def facts_export(
    *, actor: User | None, kind: str, format: str = "xlsx", filters: Mapping[str, Any] | None = None
) -> bytes:
    """The fact list as XLSX or CSV (UTF-8 with BOM, so Excel opens Chinese correctly), in the import layout."""
    if format not in FORMATS:
        raise ValidationError(
            _("Unknown export format “%(format)s”; use xlsx or csv.") % {"format": format}, field="format"
        )
    _model, to_row = _ROWS[kind]
    rows = (to_row(obj) for obj in export_queryset(actor=actor, kind=kind, filters=filters).iterator(chunk_size=2000))
    header = headers_for(kind)
    return _xlsx([(str(_spec(kind).label), header, rows)]) if format == "xlsx" else _csv(header, rows)


def import_template(*, kind: str) -> bytes:
    """A blank workbook for ``kind``: headers in the user's language, then an instructions sheet."""
    spec = _spec(kind)
    instructions = [
        [
            str(item.label),
            header,
            _("required") if item.required else _("optional"),
            str(item.help or _type_help(item.type)),
        ]
        for item, header in zip(spec.fields, headers_for(kind, translated=True), strict=True)
    ]
    intro = [
        [
            _(
                "One row per fact; the first sheet is read. Dates: 2026-03-05, 2026/3/5 or 2026年3月5日. "
                "Amounts: at most 2 decimals; 1,234.50 and ¥1,234 are accepted. Re-importing a file changes nothing."
            )
        ],
        [],
        [_("Field"), _("Header"), _("Required"), _("Notes")],
    ]
    return _xlsx(
        [
            (str(spec.label), headers_for(kind, translated=True), []),
            (_("Instructions"), None, intro + instructions),
        ]
    )


def _type_help(type_: str) -> str:
    return {
        "date": _("A date."),
        "money": _("An amount, at most 2 decimals."),
        "price": _("A price, at most 4 decimals."),
        "quantity": _("A quantity, not negative, at most 3 decimals."),
        "integer": _("A whole number."),
        "boolean": _("Yes or no (是/否, Y/N)."),
        "person": _("Employee number, email, name or alias of the rep."),
        "customer": _("Customer id, name or alias."),
        "product": _("Product code, name or alias."),
        "order": _("The order number."),
        "stage": _("Pipeline stage code or name."),
        "unit": _("Org unit code."),
    }.get(type_, "")


def error_report(*, errors: list[dict[str, Any]]) -> bytes:
    """The errors of an import batch as a workbook: row, column, value, message."""
    header = [_("Row"), _("Column"), _("Value"), _("Message")]
    rows = ([e.get("row"), e.get("column"), e.get("value"), e.get("message")] for e in errors)
    return _xlsx([(_("Errors"), header, rows)])


def _xlsx(sheets: list[tuple[str, list[str] | None, Iterable[list[Any]]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "constant_memory": False})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for title, header, rows in sheets:
        sheet = workbook.add_worksheet(title[:31])
        start = 0
        if header is not None:
            sheet.write_row(0, 0, header, bold)
            sheet.freeze_panes(1, 0)
            sheet.set_column(0, len(header) - 1, 16)
            start = 1
        for row_index, row in enumerate(rows, start=start):
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(row_index, column, value, date_format)
                elif isinstance(value, Decimal):
                    sheet.write_string(row_index, column, format(value, "f"))  # exact: no float round trip
                elif isinstance(value, bool):
                    sheet.write_string(row_index, column, "Y" if value else "N")
                elif isinstance(value, str):
                    sheet.write_string(row_index, column, value)
                else:
                    sheet.write(row_index, column, value)
    workbook.close()
    return buffer.getvalue()


def _csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else ("Y" if v is True else "N" if v is False else str(v)) for v in row])
    return ("\ufeff" + text.getvalue()).encode("utf-8")
