"""Set-based import of sales facts from a file: parse whole columns, resolve references, check every row,
then write all or nothing.

Flow: read (``reading``) → map headers to canonical fields (``fields`` / ``profiles``) → parse each column
with Polars expressions (``parsing``; the scalar parser explains only the rejected cells) → resolve reps,
customers, products, stages, units and orders with one query per table → cross-row rules (duplicate
external ids, credit splits, collections beyond the open amount including earlier rows of the same file) →
in one transaction, set-wise upsert through ``sql``. Re-importing the same file changes nothing. Every run is
recorded as an ``ImportBatch``; a failed one is recorded after the rollback, with its errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.core.errors import ErrorDetail, PermissionDeniedError
from attain.core.scope import DataScope, scope_for
from attain.org import selectors as org_selectors
from attain.sales import rules
from attain.sales.choices import DEFAULT_SOURCE, FactKind, ImportStatus
from attain.sales.io import fields as F
from attain.sales.io import parsing, sql
from attain.sales.io.reading import ROW, FileReadError, RawTable, read_table
from attain.sales.models import (
    Alias,
    Collection,
    Customer,
    ImportBatch,
    Order,
    OrderReversal,
    PipelineStage,
    Product,
    default_currency,
)

if TYPE_CHECKING:
    from attain.accounts.models import User

Progress = Callable[[int, int, str], None]
_MAX_STORED_ERRORS = 10_000


@dataclass
class ImportResult:
    """What an import did (or, dry run / errors, would have done)."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    row_count: int = 0
    errors: list[ErrorDetail] = field(default_factory=list)
    is_dry_run: bool = False
    batch_id: int | None = None

    @property
    def is_ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        """The CLI/API summary: ``{"created", "updated", "unchanged", "errors": [{row, column, value, message}]}``."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error_dict(detail) for detail in self.errors],
        }


def error_dict(detail: ErrorDetail) -> dict[str, Any]:
    return {"row": detail.row, "column": detail.column, "value": detail.value, "message": str(detail.message)}


def _scope(actor: User | None) -> DataScope:
    # actor=None is the system (CLI, jobs): the whole organisation.
    return DataScope.everything() if actor is None else scope_for(actor)


def facts_import(
    *,
    actor: User | None,
    kind: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    mapping_profile: str = "",
    source: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    auto_map: bool = True,
    task_id: str = "",
) -> ImportResult:
    """Import one file of ``kind`` facts; all or nothing. Returns the counts and every error found.

    ``mapping`` is field key → header text in the file; with ``auto_map`` (the default) fields it leaves out
    are auto-mapped from the headers, without it the mapping is taken as complete (the wizard's map step).
    A dry run writes inside a transaction that is then rolled back, so its counts are exact. ``task_id`` is
    the background job that runs the import, recorded on the batch.
    """
    if kind not in F.SPECS:
        raise PermissionDeniedError(_("Unknown import kind."), field="kind")
    scope = _scope(actor)
    if not import_allowed(actor, kind):
        raise PermissionDeniedError(_("You may not import sales facts."), field="kind")
    result = ImportResult(kind=kind, is_dry_run=dry_run)
    source = (source or DEFAULT_SOURCE)[:32]
    sha256 = hashlib.sha256(data).hexdigest()
    report = progress or (lambda done, total, message: None)
    try:
        table = read_table(data=data, filename=filename, encoding=encoding)
    except FileReadError as exc:
        result.errors.append(exc.detail)
        _record(actor, result, filename, sha256, mapping_profile, source)
        return result
    result.row_count = table.row_count
    report(0, table.row_count, _("Checking"))
    importer = _Importer(
        kind=kind, table=table, mapping=mapping or {}, source=source, scope=scope, result=result, auto_map=auto_map
    )
    importer.check()
    if result.errors:
        _record(actor, result, filename, sha256, mapping_profile, source, task_id)
        return result
    report(table.row_count // 2, table.row_count, _("Writing"))
    try:
        with sql.import_tuning(), transaction.atomic():
            batch = ImportBatch.objects.create(
                kind=kind,
                source=source,
                filename=filename[:255],
                file_sha256=sha256,
                actor=actor,
                status=ImportStatus.RUNNING,
                mapping_profile=mapping_profile[:100],
                row_count=table.row_count,
                task_id=task_id[:64],
            )
            importer.write(batch_id=batch.pk)
            if dry_run:
                raise _DryRunDone
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.COMMITTED,
                finished_at=timezone.now(),
                created_count=result.created,
                updated_count=result.updated,
                unchanged_count=result.unchanged,
            )
            result.batch_id = batch.pk
    except (_WriteRejected, _DryRunDone):
        _record(actor, result, filename, sha256, mapping_profile, source, task_id)
        return result
    report(table.row_count, table.row_count, _("Done"))
    return result


def import_allowed(actor: User | None, kind: str) -> bool:
    """Whether ``actor`` may import facts of ``kind`` at all (each row is then checked against the scope).

    The system (``None``) always may; administrators may import every kind; customers and products (reference
    data) need a reference-data role; facts need a scope of whole units (managers and above): reps record
    their own facts through the entry forms and the API instead.
    """
    if kind not in F.SPECS:
        return False
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    from attain.sales.services import REFERENCE_ROLES

    role = getattr(actor, "role", None)
    if getattr(actor, "is_superuser", False) or role == "admin":
        return True
    if kind in (FactKind.CUSTOMER, FactKind.PRODUCT):
        return role in REFERENCE_ROLES
    scope = scope_for(actor)
    return scope.is_all or bool(scope.unit_ids)


class _WriteRejected(Exception):
    """A check that could only be made while writing failed; the transaction is rolled back."""


class _DryRunDone(Exception):
    """Raised after a dry run's writes so that the transaction rolls them back."""


def _record(
    actor: User | None,
    result: ImportResult,
    filename: str,
    sha256: str,
    profile: str,
    source: str,
    task_id: str = "",
) -> None:
    """Record a dry run or a failed import in its own transaction (after any rollback), with its errors."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            task_id=task_id[:64],
            kind=result.kind,
            source=source,
            filename=filename[:255],
            file_sha256=sha256,
            actor=actor,
            status=ImportStatus.FAILED if result.errors else ImportStatus.PREVIEWED,
            is_dry_run=result.is_dry_run,
            mapping_profile=profile[:100],
            row_count=result.row_count,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            error_count=len(result.errors),
            errors=[detail.as_dict() for detail in result.errors[:_MAX_STORED_ERRORS]],
            finished_at=timezone.now(),
        )
    result.batch_id = batch.pk


_FACT_COLUMNS = {"id", "created_at", "updated_at", "import_batch_id"}


def _with_defaults(model: Any, frame: pl.DataFrame) -> pl.DataFrame:
    """Add the model's defaults for NOT NULL columns the file does not fill (the table has no DB defaults)."""
    extra: list[pl.Expr] = []
    for model_field in model._meta.concrete_fields:
        column = model_field.column
        if column in frame.columns or column in _FACT_COLUMNS or model_field.null or not model_field.has_default():
            continue
        extra.append(pl.lit(model_field.get_default()).alias(column))
    return frame.with_columns(extra) if extra else frame


def _type_expr(item: F.Field, column: str) -> pl.Expr | None:
    """The Polars parse of a field's text column, or None for text-like columns checked in Python."""
    if item.type == F.DATE:
        return parsing.date_expr(column)
    if item.type == F.MONEY:
        return parsing.decimal_expr(column, places=2, allow_negative=item.key != "amount" or True)
    if item.type == F.PRICE:
        return parsing.decimal_expr(column, places=4, allow_negative=False)
    if item.type == F.QUANTITY:
        return parsing.decimal_expr(column, places=3, allow_negative=False)
    if item.type == F.INTEGER:
        return parsing.decimal_expr(column, places=0, allow_negative=False).cast(pl.Int64, strict=False)
    if item.type == F.BOOLEAN:
        return parsing.bool_expr(column)
    return None


def _explain(item: F.Field, value: str) -> str:
    """Why ``value`` is not a valid ``item``: the scalar parser's message."""
    try:
        if item.type == F.DATE:
            parsing.parse_date(value)
        elif item.type == F.MONEY:
            parsing.parse_decimal(value, places=2)
        elif item.type == F.PRICE:
            parsing.parse_decimal(value, places=4, allow_negative=False)
        elif item.type == F.QUANTITY:
            parsing.parse_decimal(value, places=3, allow_negative=False)
        elif item.type == F.INTEGER:
            parsing.parse_integer(value)
        elif item.type == F.BOOLEAN:
            parsing.parse_bool(value)
    except ValueError as exc:
        return str(exc)
    return _("Not a valid value.")


class _Importer:
    def __init__(
        self,
        *,
        kind: str,
        table: RawTable,
        mapping: dict[str, str],
        source: str,
        scope: DataScope,
        result: ImportResult,
        auto_map: bool = True,
    ) -> None:
        self.kind = kind
        self.spec = F.SPECS[kind]
        self.table = table
        self.source = source
        self.scope = scope
        self.result = result
        auto = F.auto_mapping(self.spec, table.headers) if auto_map else {}
        self.mapping = {**auto, **{k: v for k, v in mapping.items() if v}}
        self.frame = pl.DataFrame()
        self.order_rows = pl.DataFrame(schema={"external_id": pl.String, "id": pl.Int64})
        self.bad_rows: set[int] = set()

    # --- helpers
    def header(self, key: str) -> str:
        return self.mapping.get(key) or str(self.spec.field(key).label)

    def error(self, row: int | None, key: str | None, value: Any, message: str, code: str = "invalid") -> None:
        self.result.errors.append(
            ErrorDetail(
                message=str(message),
                row=row,
                column=self.header(key) if key else None,
                value=None if value is None else str(value),
                field=key,
                code=code,
            )
        )
        if row is not None:
            self.bad_rows.add(row)

    def has(self, key: str) -> bool:
        return key in self.mapping

    # --- checking
    def check(self) -> None:
        index = {header: i for i, header in reversed(list(enumerate(self.table.headers)))}
        for key, header in list(self.mapping.items()):
            if header not in index:
                message = _("The file has no column “%(header)s”.") % {"header": header}
                self.result.errors.append(
                    ErrorDetail(message=message, row=1, column=header, field=key, code="missing_column")
                )
                del self.mapping[key]
        for item in self.spec.fields:
            if item.required and item.key not in self.mapping:
                message = _("The required column “%(label)s” is missing (or not mapped).") % {"label": item.label}
                self.result.errors.append(
                    ErrorDetail(message=message, row=1, column=str(item.label), field=item.key, code="missing_column")
                )
        if self.result.errors:
            return
        raw = self.table.frame.select(
            ROW,
            *(
                (
                    pl.col(f"c{index[self.mapping[item.key]]}") if item.key in self.mapping else pl.lit(None, pl.String)
                ).alias(item.key)
                for item in self.spec.fields
            ),
        )
        self.frame = raw
        parsed: list[pl.Expr] = []
        for item in self.spec.fields:
            expr = _type_expr(item, item.key)
            if expr is not None:
                parsed.append(expr.alias(f"{item.key}__v"))
        frame = raw.with_columns(parsed)
        for item in self.spec.fields:
            self._check_field(frame, item)
        self.frame = frame
        self._check_duplicates()
        self._resolve()
        check = getattr(self, f"_check_{self.kind}", None)
        if check is not None:
            check()

    def _check_field(self, frame: pl.DataFrame, item: F.Field) -> None:
        if item.required:
            for row in frame.filter(pl.col(item.key).is_null())[ROW].to_list():
                self.error(row, item.key, None, _("This value is required."), "required")
        if f"{item.key}__v" in frame.columns:
            bad = frame.filter(pl.col(item.key).is_not_null() & pl.col(f"{item.key}__v").is_null())
            for row, value in bad.select(ROW, item.key).iter_rows():
                self.error(row, item.key, value, _explain(item, value), "bad_" + item.type)
        if item.type in (F.TEXT, F.PERSON, F.CUSTOMER, F.PRODUCT, F.ORDER, F.STAGE, F.UNIT, F.PRODUCT_LINE):
            long = frame.filter(pl.col(item.key).str.len_chars() > item.max_length)
            for row, value in long.select(ROW, item.key).iter_rows():
                message = _("At most %(count)d characters.") % {"count": item.max_length}
                self.error(row, item.key, value, message, "too_long")
        if item.type == F.CHOICE:
            words = item.choices
            known = parsing.normalised_text_expr(item.key).str.to_lowercase().is_in(list(words))
            values = frame.filter(pl.col(item.key).is_not_null() & ~known).select(ROW, item.key)
            for row, value in values.iter_rows():  # the rejected cells only, checked again exactly
                if parsing.normalise_text(value).lower() not in words:
                    allowed = ", ".join(sorted(set(words.values())))
                    self.error(row, item.key, value, _("Unknown value; use one of %(allowed)s.") % {"allowed": allowed})

    def _check_duplicates(self) -> None:
        if self.kind == FactKind.ORDER:
            return  # order lines share their order number; duplicates are checked per line
        frame = self.frame.filter(pl.col(F.EXTERNAL_ID).is_not_null())
        first = frame.group_by(F.EXTERNAL_ID).agg(pl.col(ROW).min().alias("first"))
        dupes = frame.join(first, on=F.EXTERNAL_ID).filter(pl.col(ROW) != pl.col("first"))
        for row, value, first_row in dupes.select(ROW, F.EXTERNAL_ID, "first").sort(ROW).iter_rows():
            message = _("The id “%(id)s” appears again (first on row %(row)d).") % {"id": value, "row": first_row}
            self.error(row, F.EXTERNAL_ID, value, message, "duplicate")

    # --- references: one query per referenced table, matched on the distinct values only
    def _resolve(self) -> None:
        resolvers = {
            F.PERSON: self._people,
            F.CUSTOMER: self._customers,
            F.PRODUCT: self._products,
            F.STAGE: self._stages,
            F.UNIT: self._units,
            F.PRODUCT_LINE: self._product_lines,
            F.ORDER: self._orders,
        }
        for item in self.spec.fields:
            if item.type not in resolvers or item.key not in self.mapping:
                continue
            values = self.frame[item.key].drop_nulls().unique()
            found = resolvers[item.type](values).select(
                pl.col("value").alias(item.key), pl.col("id").cast(pl.Int64).alias(f"{item.key}__id")
            )
            self.frame = self.frame.join(found, on=item.key, how="left", maintain_order="left")
            missing = self.frame.filter(pl.col(item.key).is_not_null() & pl.col(f"{item.key}__id").is_null())
            for row, value in missing.select(ROW, item.key).iter_rows():
                message = {
                    F.PERSON: _("Unknown rep (no such employee number, email, name or alias)."),
                    F.CUSTOMER: _("Unknown customer (no such customer id, name or alias)."),
                    F.PRODUCT: _("Unknown product (no such product code, name or alias)."),
                    F.STAGE: _("Unknown pipeline stage."),
                    F.UNIT: _("Unknown org unit code."),
                    F.PRODUCT_LINE: _("Unknown product line."),
                    F.ORDER: _("Unknown order number."),
                }[item.type]
                self.error(row, item.key, value, message, "unknown_" + item.type)

    def _match(
        self,
        values: pl.Series,
        exact: pl.DataFrame,
        fallback: Callable[[], tuple[dict[str, int], dict[str, int]]] | None = None,
    ) -> pl.DataFrame:
        """``value → id``: exact keys by a join (``exact`` has ``value``, ``id``; the first row of a value wins),
        then, for the values left over only, case-folded names and aliases (``fallback`` builds those maps)."""
        wanted = values.rename("value").cast(pl.String).to_frame()
        exact = exact.select(pl.col("value").cast(pl.String), pl.col("id").cast(pl.Int64)).drop_nulls("value")
        hits = wanted.join(exact.unique("value", keep="first", maintain_order=True), on="value", how="inner")
        rest = wanted.filter(~pl.col("value").is_in(hits["value"].implode()))
        if rest.height == 0 or fallback is None:
            return hits
        folded, aliases = fallback()
        more: list[tuple[str, int]] = []
        for value in rest["value"].to_list():  # values with no exact key: usually none or a few
            pk = folded.get(value.casefold()) or aliases.get(rules.alias_key(value))
            if pk is not None:
                more.append((value, pk))
        extra = pl.DataFrame(more, schema={"value": pl.String, "id": pl.Int64}, orient="row")
        return pl.concat([hits, extra])

    def _aliases(self, kind: str) -> dict[str, int]:
        rows = Alias.objects.filter(kind=kind, source__in=["", self.source]).order_by("source")
        return {alias.key: alias.target_id for alias in rows}

    @staticmethod
    def _rows(queryset: Any, names: list[str]) -> pl.DataFrame:
        """One query: a table's look-up columns as a frame."""
        schema = {name: pl.Int64 if name == "id" else pl.String for name in names}
        return pl.DataFrame(list(queryset.values_list(*names)), schema=schema, orient="row")

    def _people(self, values: pl.Series) -> pl.DataFrame:
        # Unscoped on purpose: references are resolved against the whole org; scope is checked on the result.
        rows = self._rows(org_selectors.person_reference(), ["id", "employee_no", "email", "name"])

        def fallback() -> tuple[dict[str, int], dict[str, int]]:
            folded: dict[str, int] = {}
            for pk, _number, email, name in rows.iter_rows():
                if email:
                    folded.setdefault(email.casefold(), pk)
                folded.setdefault(name.casefold(), pk)
                folded.setdefault(rules.alias_key(name), pk)
            return folded, self._aliases("person")

        return self._match(values, rows.select(pl.col("employee_no").alias("value"), "id"), fallback)

    def _customers(self, values: pl.Series) -> pl.DataFrame:
        rows = self._rows(Customer.objects.all(), ["id", "source", "external_id", "name"])
        exact = pl.concat([rows.filter(pl.col("source") == self.source), rows]).select(
            pl.col("external_id").alias("value"), "id"
        )

        def fallback() -> tuple[dict[str, int], dict[str, int]]:
            folded = {rules.alias_key(name): pk for pk, name in rows.select("id", "name").iter_rows()}
            folded.update({name.casefold(): pk for pk, name in rows.select("id", "name").iter_rows()})
            return folded, self._aliases("customer")

        return self._match(values, exact, fallback)

    def _products(self, values: pl.Series) -> pl.DataFrame:
        rows = self._rows(Product.objects.all(), ["id", "code", "name", "external_id"])
        exact = pl.concat(
            [rows.select(pl.col("code").alias("value"), "id"), rows.select(pl.col("external_id").alias("value"), "id")]
        )

        def fallback() -> tuple[dict[str, int], dict[str, int]]:
            folded = {rules.alias_key(name): pk for pk, name in rows.select("id", "name").iter_rows()}
            folded.update({name.casefold(): pk for pk, name in rows.select("id", "name").iter_rows()})
            return folded, self._aliases("product")

        return self._match(values, exact, fallback)

    def _coded(self, queryset: Any, values: pl.Series, *, fold_codes: bool = False) -> pl.DataFrame:
        rows = self._rows(queryset, ["id", "code", "name"])

        def fallback() -> tuple[dict[str, int], dict[str, int]]:
            folded = {name.casefold(): pk for pk, name in rows.select("id", "name").iter_rows()}
            if fold_codes:
                folded |= {code.casefold(): pk for pk, code in rows.select("id", "code").iter_rows()}
            return folded, {}

        return self._match(values, rows.select(pl.col("code").alias("value"), "id"), fallback)

    def _stages(self, values: pl.Series) -> pl.DataFrame:
        return self._coded(PipelineStage.objects.all(), values, fold_codes=True)

    def _units(self, values: pl.Series) -> pl.DataFrame:
        return self._coded(org_selectors.unit_reference(), values)

    def _product_lines(self, values: pl.Series) -> pl.DataFrame:
        return self._coded(org_selectors.product_line_reference(), values)

    def _orders(self, values: pl.Series) -> pl.DataFrame:
        columns = ["id", "person_id", "unit_id", "currency", "amount"]
        found = sql.rows_by_external_id(
            table=Order._meta.db_table, source=self.source, external_ids=values, columns=columns
        )
        self.order_rows = found
        return found.select(pl.col("external_id").alias("value"), "id")

    # --- unit of a person on a date (one query over memberships)
    def _units_on(self, frame: pl.DataFrame, person: str, on: str) -> pl.Series:
        person_ids = [pk for pk in frame[person].unique().to_list() if pk is not None]
        spans = pl.DataFrame(
            list(org_selectors.member_spans(person_ids=person_ids if len(person_ids) <= 5000 else None)),
            schema={"p": pl.Int64, "u": pl.Int64, "f": pl.Date, "t": pl.Date},
            orient="row",
        )
        keyed = frame.select(pl.int_range(pl.len()).alias("i"), pl.col(person).alias("p"), pl.col(on).alias("d"))
        hits = (
            keyed.join(spans, on="p", how="inner")
            .filter((pl.col("f") <= pl.col("d")) & (pl.col("t").is_null() | (pl.col("t") >= pl.col("d"))))
            .group_by("i")
            .agg(pl.col("u").first())
        )
        return keyed.join(hits, on="i", how="left").sort("i")["u"]

    def _check_scope(self, frame: pl.DataFrame, person: str, unit: str, key: str) -> None:
        if self.scope.is_all:
            return
        allowed = pl.col(person).is_in(sorted(self.scope.person_ids)) | pl.col(unit).is_in(sorted(self.scope.unit_ids))
        for row, value in frame.filter(~allowed).select(ROW, key).iter_rows():
            self.error(row, key, value, _("This rep is outside your data scope."), "out_of_scope")

    # --- per-kind cross-row rules
    def _check_order(self) -> None:
        frame = self.frame
        if self.has("credits"):
            self._check_credits(frame)
        if self.has("quantity") and self.has("unit_price") and self.has("amount"):
            complete = frame.filter(
                pl.col("quantity__v").is_not_null()
                & pl.col("unit_price__v").is_not_null()
                & pl.col("amount__v").is_not_null()
            )
            # Screen in floating point with a margin (0.004 + the cent of rounding < the 0.01 tolerance, huge
            # values always re-checked), then the exact Decimal rule on the screened rows only.
            as_float = [pl.col(c).cast(pl.Float64) for c in ("quantity__v", "unit_price__v", "amount__v")]
            product = as_float[0] * as_float[1]
            suspect = ((product - as_float[2]).abs() > 0.004) | (product.abs() > 1e9) | (as_float[2].abs() > 1e9)
            for row, quantity, price, amount in (
                complete.filter(suspect).select(ROW, "quantity__v", "unit_price__v", "amount__v").iter_rows()
            ):
                message = rules.line_amount_error(quantity=quantity, unit_price=price, amount=amount)
                if message:
                    self.error(row, "amount", amount, message, "line_amount")
        if self.has("line_no"):
            dupes = frame.filter(
                pl.col("line_no__v").is_not_null()
                & pl.struct(F.EXTERNAL_ID, "line_no__v").is_duplicated()
                & ~pl.struct(F.EXTERNAL_ID, "line_no__v").is_first_distinct()
            )
            for row, value in dupes.select(ROW, "line_no").iter_rows():
                self.error(row, "line_no", value, _("This order line appears twice."), "duplicate")
        negative = frame.filter(pl.col("amount__v") < 0)
        for row, value in negative.select(ROW, "amount").iter_rows():
            self.error(row, "amount", value, _("Must not be negative."), "negative")
        frame = frame.with_columns(self._units_on(frame, "rep__id", "booked_on__v").alias("unit__id"))
        self._check_scope(frame, "rep__id", "unit__id", "rep")
        self.frame = frame

    def _check_credits(self, frame: pl.DataFrame) -> None:
        self.credits: dict[str, list[tuple[int, Decimal]]] = {}
        cells = frame.filter(pl.col("credits").is_not_null()).select(ROW, F.EXTERNAL_ID, "credits")
        names = (
            cells.select(pl.col("credits").str.replace_all("[；，,]", ";").str.split(";").explode())
            .select(pl.col("credits").str.replace_all("：", ":").str.replace(r":[^:]*$", "").str.strip_chars())
            .filter(pl.col("credits") != "")
            .unique()["credits"]
        )
        people = dict(self._people(names).iter_rows()) if cells.height else {}
        for row, order_no, text in cells.iter_rows():
            shares: list[tuple[str, Decimal]] = []
            try:
                for part in text.replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
                    if not part.strip():
                        continue
                    who, _sep, percent = part.replace("：", ":").rpartition(":")
                    shares.append((who.strip(), parsing.parse_percent(percent)))
            except ValueError:
                self.error(row, "credits", text, _("Write credit splits like E001:60; E002:40."), "bad_splits")
                continue
            message = rules.split_sum_error([share for _who, share in shares])
            if message:
                self.error(row, "credits", text, message, "split_sum")
                continue
            unknown = [who for who, _share in shares if who not in people]
            if unknown:
                message = _("Unknown rep(s) in the credit splits: %(names)s.") % {"names": ", ".join(unknown)}
                self.error(row, "credits", text, message, "unknown_person")
                continue
            self.credits.setdefault(order_no, [(people[who], share) for who, share in shares])

    def _open_amounts(self, order_ids: list[int], exclude: set[str]) -> dict[int, Decimal]:
        """The open amount of each order before this file, ignoring stored facts the file re-imports."""
        wanted = set(order_ids)
        amounts = {pk: amount for pk, amount in self.order_rows.select("id", "amount").iter_rows() if pk in wanted}
        order_nos = self.order_rows.filter(pl.col("id").is_in(order_ids))["external_id"]
        collected: dict[int, Decimal] = defaultdict(Decimal)
        cancelled: dict[int, Decimal] = defaultdict(Decimal)
        refunded: dict[int, Decimal] = defaultdict(Decimal)
        # Sums in Python (Decimal), not SQL: SQLite would add money as floats.
        table = Order._meta.db_table
        for order_id, src, ext, amount in sql.child_rows(
            table=Collection._meta.db_table,
            fk="order_id",
            parent_table=table,
            source=self.source,
            parent_external_ids=order_nos,
            columns=["order_id", "source", "external_id", "amount"],
        ):
            if not (src == self.source and ext in exclude):
                collected[order_id] += amount
        for order_id, src, ext, kind, amount in sql.child_rows(
            table=OrderReversal._meta.db_table,
            fk="order_id",
            parent_table=table,
            source=self.source,
            parent_external_ids=order_nos,
            columns=["order_id", "source", "external_id", "kind", "amount"],
        ):
            if src == self.source and ext in exclude:
                continue
            (refunded if kind == "refund" else cancelled)[order_id] += amount
        return {
            pk: rules.open_amount(
                amount=amount, collected=collected[pk], cancelled=cancelled[pk], refunded=refunded[pk]
            )
            for pk, amount in amounts.items()
        }

    def _check_collection(self) -> None:
        frame = self.frame.filter(pl.col("order__id").is_not_null() & pl.col("amount__v").is_not_null()).sort(ROW)
        for row, value in frame.filter(pl.col("amount__v") <= 0).select(ROW, "amount").iter_rows():
            self.error(row, "amount", value, _("Must be greater than zero."), "not_positive")
        ids = sorted(set(frame["order__id"].to_list()))
        open_amounts = self._open_amounts(ids, set(frame[F.EXTERNAL_ID].drop_nulls().to_list()))
        remaining = dict(open_amounts)
        for row, order_id, raw, amount in frame.select(ROW, "order__id", "amount", "amount__v").iter_rows():
            if amount <= 0:
                continue
            message = rules.collection_exceeds_error(amount=amount, open_amount=remaining[order_id])
            if message:
                self.error(row, "amount", raw, message, "exceeds_open_amount")
            else:
                remaining[order_id] -= amount
        self._copy_order_owner()

    def _check_reversal(self) -> None:
        frame = self.frame.filter(pl.col("order__id").is_not_null() & pl.col("amount__v").is_not_null()).sort(ROW)
        for row, value in frame.filter(pl.col("amount__v") <= 0).select(ROW, "amount").iter_rows():
            self.error(row, "amount", value, _("Must be greater than zero."), "not_positive")
        ids = sorted(set(frame["order__id"].to_list()))
        remaining = self._open_amounts(ids, set(frame[F.EXTERNAL_ID].drop_nulls().to_list()))
        for row, order_id, raw, amount, kind in frame.select(
            ROW, "order__id", "amount", "amount__v", "kind"
        ).iter_rows():
            if amount <= 0 or F.SPECS[self.kind].field("kind").choices.get(str(kind).lower()) != "cancellation":
                continue
            message = rules.cancellation_exceeds_error(amount=amount, open_amount=remaining[order_id])
            if message:
                self.error(row, "amount", raw, message, "exceeds_open_amount")
            else:
                remaining[order_id] -= amount
        self._copy_order_owner()

    def _copy_order_owner(self) -> None:
        owners = self.order_rows.select(
            pl.col("id").cast(pl.Int64).alias("order__id"),
            pl.col("person_id").cast(pl.Int64).alias("rep__id"),
            pl.col("unit_id").cast(pl.Int64).alias("unit__id"),
            pl.col("currency").cast(pl.String),
        )
        self.frame = self.frame.drop(["rep__id", "unit__id", "currency"], strict=False).join(
            owners, on="order__id", how="left", maintain_order="left"
        )
        self._check_scope(self.frame.filter(pl.col("rep__id").is_not_null()), "rep__id", "unit__id", "order")

    def _with_rep_unit(self, person_key: str, date_key: str) -> None:
        frame = self.frame
        frame = frame.with_columns(self._units_on(frame, f"{person_key}__id", f"{date_key}__v").alias("unit__id"))
        self._check_scope(
            frame.filter(pl.col(f"{person_key}__id").is_not_null()), f"{person_key}__id", "unit__id", person_key
        )
        self.frame = frame

    def _check_deal(self) -> None:
        for row, value in self.frame.filter(pl.col("amount__v") < 0).select(ROW, "amount").iter_rows():
            self.error(row, "amount", value, _("Must not be negative."), "negative")
        self._with_rep_unit("rep", "opened_on")

    def _check_activity(self) -> None:
        self._with_rep_unit("rep", "occurred_on")

    def _check_feedback(self) -> None:
        kinds = self.spec.field("kind").choices
        rows = self.frame.filter(pl.col("score__v").is_not_null() & pl.col("kind").is_not_null())
        for row, kind, score, raw in rows.select(ROW, "kind", "score__v", "score").iter_rows():
            value = kinds.get(parsing.normalise_text(kind).lower())
            message = rules.feedback_score_error(value, score) if value else None
            if message:
                self.error(row, "score", raw, message, "score_range")
        self._with_rep_unit("rep", "responded_on")

    def _check_training(self) -> None:
        self._with_rep_unit("person", "completed_on")

    def _check_customer(self) -> None:
        if self.has("owner"):
            self._check_scope(
                self.frame.filter(pl.col("owner__id").is_not_null()).with_columns(pl.lit(None, pl.Int64).alias("u")),
                "owner__id",
                "u",
                "owner",
            )

    # --- writing
    def write(self, *, batch_id: int) -> None:
        now = timezone.now()
        writer = getattr(self, f"_write_{self.kind}")
        counts = writer(now=now, batch_id=batch_id)
        self.result.created, self.result.updated, self.result.unchanged = (
            counts.created,
            counts.updated,
            counts.unchanged,
        )

    def _choice(self, key: str) -> pl.Expr:
        words = self.spec.field(key).choices
        return (
            pl.col(key).str.strip_chars().str.to_lowercase().replace_strict(words, default="", return_dtype=pl.String)
        )

    def _fact(self, model: Any, columns: dict[str, pl.Expr], *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        frame = self.frame.select(
            pl.lit(self.source).alias("source"), pl.col(F.EXTERNAL_ID).alias("external_id"), **columns
        )
        frame = _with_defaults(model, frame)
        return sql.upsert(
            table=model._meta.db_table, key=["source", "external_id"], frame=frame, now=now, batch_id=batch_id
        )

    def _text(self, key: str) -> pl.Expr:
        return pl.col(key).fill_null("")

    def _write_customer(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        counts = self._fact(
            Customer,
            {
                "name": pl.col("name"),
                "segment": self._text("segment"),
                "is_key_account": pl.col("is_key_account__v").fill_null(value=False),
                "region_id": pl.col("region__id") if self.has("region") else pl.lit(None, pl.Int64),
                "first_order_on": pl.col("first_order_on__v"),
                "is_active": pl.lit(value=True),
            },
            now=now,
            batch_id=batch_id,
        )
        if self.has("owner"):
            self._write_ownerships()
        return counts

    def _write_ownerships(self) -> None:
        from attain.sales.models import CustomerOwnership

        ids = sql.ids_by_external_id(
            table=Customer._meta.db_table, source=self.source, external_ids=self.frame[F.EXTERNAL_ID].to_list()
        )
        current = set(
            CustomerOwnership.objects.filter(customer__source=self.source, valid_to__isnull=True).values_list(
                "customer_id", flat=True
            )
        )
        since = self.frame.select(F.EXTERNAL_ID, "owner__id", "first_order_on__v")
        new = [
            CustomerOwnership(customer_id=ids[ext], person_id=owner, valid_from=first or dt.date(2000, 1, 1))
            for ext, owner, first in since.iter_rows()
            if owner is not None and ids[ext] not in current
        ]
        CustomerOwnership.objects.bulk_create(new, ignore_conflicts=True)

    def _write_product(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        return self._fact(
            Product,
            {
                "code": pl.col(F.EXTERNAL_ID),
                "name": pl.col("name"),
                "product_line_id": pl.col("product_line__id") if self.has("product_line") else pl.lit(None, pl.Int64),
                "list_price": pl.col("list_price__v"),
                "cost": pl.col("cost__v"),
                "currency": pl.col("currency").fill_null(default_currency()).str.to_uppercase(),
                "is_active": pl.lit(value=True),
            },
            now=now,
            batch_id=batch_id,
        )

    def _write_collection(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        return self._fact(
            Collection,
            {
                "order_id": pl.col("order__id"),
                "person_id": pl.col("rep__id"),
                "unit_id": pl.col("unit__id"),
                "received_on": pl.col("received_on__v"),
                "amount": pl.col("amount__v"),
                "currency": pl.col("currency").fill_null(default_currency()),
                "reference": self._text("reference"),
                "note": self._text("note"),
            },
            now=now,
            batch_id=batch_id,
        )

    def _write_reversal(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        return self._fact(
            OrderReversal,
            {
                "order_id": pl.col("order__id"),
                "kind": self._choice("kind"),
                "reversed_on": pl.col("reversed_on__v"),
                "amount": pl.col("amount__v"),
                "currency": pl.col("currency").fill_null(default_currency()),
                "person_id": pl.col("rep__id"),
                "unit_id": pl.col("unit__id"),
                "reason": self._text("reason"),
            },
            now=now,
            batch_id=batch_id,
        )

    def _write_activity(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        from attain.sales.models import Activity

        return self._fact(
            Activity,
            {
                "kind": self._choice("kind"),
                "occurred_on": pl.col("occurred_on__v"),
                "person_id": pl.col("rep__id"),
                "unit_id": pl.col("unit__id"),
                "customer_id": pl.col("customer__id") if self.has("customer") else pl.lit(None, pl.Int64),
                "deal_id": pl.lit(None, pl.Int64),
                "outcome": self._choice("outcome") if self.has("outcome") else pl.lit(""),
                "duration_minutes": pl.col("duration_minutes__v"),
                "note": self._text("note"),
            },
            now=now,
            batch_id=batch_id,
        )

    def _write_feedback(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        from attain.sales.models import FeedbackResponse

        return self._fact(
            FeedbackResponse,
            {
                "customer_id": pl.col("customer__id"),
                "person_id": pl.col("rep__id"),
                "unit_id": pl.col("unit__id"),
                "responded_on": pl.col("responded_on__v"),
                "kind": self._choice("kind"),
                "score": pl.col("score__v"),
                "comment": self._text("comment"),
            },
            now=now,
            batch_id=batch_id,
        )

    def _write_training(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        from attain.sales.models import TrainingResult

        return self._fact(
            TrainingResult,
            {
                "person_id": pl.col("person__id"),
                "unit_id": pl.col("unit__id"),
                "course": pl.col("course"),
                "score": pl.col("score__v"),
                "is_passed": pl.col("is_passed__v").fill_null(value=False),
                "completed_on": pl.col("completed_on__v"),
            },
            now=now,
            batch_id=batch_id,
        )

    def _write_deal(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        from attain.sales.models import Deal

        return self._fact(
            Deal,
            {
                "name": pl.coalesce(pl.col("name"), pl.col(F.EXTERNAL_ID)),
                "customer_id": pl.col("customer__id") if self.has("customer") else pl.lit(None, pl.Int64),
                "person_id": pl.col("rep__id"),
                "unit_id": pl.col("unit__id"),
                "amount": pl.col("amount__v").fill_null(Decimal(0)),
                "currency": pl.lit(default_currency()),
                "stage_id": pl.col("stage__id"),
                "opened_on": pl.col("opened_on__v"),
                "expected_close_on": pl.coalesce(pl.col("expected_close_on__v"), pl.col("closed_on__v")),
                "closed_on": pl.col("closed_on__v"),
                "won_lost_reason": self._text("won_lost_reason"),
            },
            now=now,
            batch_id=batch_id,
        )

    def _write_order(self, *, now: dt.datetime, batch_id: int) -> sql.UpsertCounts:
        from attain.sales.models import OrderCredit, OrderLine

        lines = self.frame.sort(ROW).with_columns(
            pl.coalesce(pl.col("line_no__v"), pl.int_range(1, pl.len() + 1).over(F.EXTERNAL_ID)).alias("line")
        )
        terms = pl.col("payment_terms_days__v").first().fill_null(30)
        headers = lines.group_by(F.EXTERNAL_ID, maintain_order=True).agg(
            pl.col("booked_on__v").first().alias("booked_on"),
            pl.col("customer__id").first().alias("customer_id"),
            pl.col("rep__id").first().alias("person_id"),
            pl.col("unit__id").first().alias("unit_id"),
            pl.col("currency").first().fill_null(default_currency()).alias("currency"),
            pl.col("amount__v").sum().alias("amount"),
            pl.when(pl.col("cost__v").is_not_null().any()).then(pl.col("cost__v").sum()).otherwise(None).alias("cost"),
            terms.alias("payment_terms_days"),
            (pl.col("booked_on__v").first() + pl.duration(days=terms)).alias("due_on"),
            (
                pl.col("status")
                .first()
                .str.to_lowercase()
                .replace_strict(self.spec.field("status").choices, default="booked")
                if self.has("status")
                else pl.lit("booked")
            ).alias("status"),
        )
        frame = headers.select(
            pl.lit(self.source).alias("source"), pl.col(F.EXTERNAL_ID).alias("external_id"), pl.exclude(F.EXTERNAL_ID)
        )
        frame = _with_defaults(Order, frame)
        counts = sql.upsert(
            table=Order._meta.db_table, key=["source", "external_id"], frame=frame, now=now, batch_id=batch_id
        )
        # Children are staged with the order number and joined to the orders in SQL (no ids come back).
        parent = sql.Parent(column="order_id", table=Order._meta.db_table, source=self.source, external_id="order_no")
        lines = lines.with_columns(pl.col(F.EXTERNAL_ID).alias("order_no"))
        if self.has("product"):
            quantity = pl.col("quantity__v").fill_null(Decimal(1))
            price = pl.coalesce(
                pl.col("unit_price__v"),
                pl.when(quantity != 0)
                .then(pl.col("amount__v").cast(pl.Float64) / quantity.cast(pl.Float64))
                .otherwise(0)
                .round(4)
                .cast(pl.Decimal(18, 4)),
            )
            line_frame = lines.filter(pl.col("product__id").is_not_null()).select(
                pl.col("order_no"),
                pl.col("line").cast(pl.Int64).alias("line_no"),
                pl.col("product__id").alias("product_id"),
                quantity.alias("quantity"),
                price.alias("unit_price"),
                pl.col("amount__v").alias("amount"),
                pl.col("cost__v").alias("cost") if self.has("cost") else pl.lit(None, pl.Decimal(18, 2)).alias("cost"),
            )
            line_counts = sql.upsert(
                table=OrderLine._meta.db_table, key=["order_id", "line_no"], frame=line_frame, parent=parent
            )
            if line_counts.created or line_counts.updated:
                changed_orders = counts.created + counts.updated
                if changed_orders == 0:
                    counts = sql.UpsertCounts(
                        created=0,
                        updated=min(line_counts.created + line_counts.updated, frame.height),
                        unchanged=max(frame.height - line_counts.created - line_counts.updated, 0),
                    )
        credits = getattr(self, "credits", {})
        if credits:
            credit_frame = pl.DataFrame(
                [(order_no, person, percent) for order_no, shares in credits.items() for person, percent in shares],
                schema={"order_no": pl.String, "person_id": pl.Int64, "percent": pl.Decimal(5, 2)},
                orient="row",
            )
            credit_frame = credit_frame.join(
                headers.select(pl.col(F.EXTERNAL_ID).alias("order_no"), "unit_id"),
                on="order_no",
                how="left",
                maintain_order="left",
            )
            sql.upsert(
                table=OrderCredit._meta.db_table, key=["order_id", "person_id"], frame=credit_frame, parent=parent
            )
        return counts
