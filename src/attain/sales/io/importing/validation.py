"""Import stage 3: parse and check every column, then the cross-row rules of each kind."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import polars as pl
from django.utils.translation import gettext as _

from attain.core.errors import ErrorDetail
from attain.sales import rules
from attain.sales.choices import FactKind
from attain.sales.io import fields as F
from attain.sales.io import parsing, sql
from attain.sales.io.importing.resolution import _Resolution
from attain.sales.io.reading import ROW
from attain.sales.models import Collection, Order, OrderReversal


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


class _Validation(_Resolution):
    """Check every cell and the cross-row rules, collecting all errors."""

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
