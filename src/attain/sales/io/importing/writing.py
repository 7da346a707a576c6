"""Import stage 4: set-wise upsert of the checked rows in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.core.audit import audit_record_many
from attain.sales.io import fields as F
from attain.sales.io import sql
from attain.sales.io.importing._common import _WriteRejected
from attain.sales.io.importing.validation import _Validation
from attain.sales.io.reading import ROW
from attain.sales.models import Collection, Customer, Order, OrderReversal, Product, default_currency

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


class _Writing(_Validation):
    """Write the checked frame set-wise through ``sql``."""

    # --- writing
    def write(self, *, batch_id: int, actor: Any = None) -> None:
        self.actor = actor
        self.batch_id = batch_id
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
        loaded = sql.fact_load(model=model, frame=frame, now=now, batch_id=batch_id)
        self._audit(model, loaded.changes)
        self.loaded_ids = loaded.ids
        return loaded.counts

    def _audit(self, model: Any, changes: list[sql.Change], action: str = "sales.import_update") -> None:
        """One audit event per stored row the import changed: a correction is never silent."""
        if not changes:
            return
        audit_record_many(
            actor=getattr(self, "actor", None),
            action=action,
            object_type=model._meta.label_lower,
            items=((change.id, change.label, change.before, change.after) for change in changes),
            reason=f"import batch {getattr(self, 'batch_id', '')}",
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

        ids = dict(self.loaded_ids.select("external_id", "id").iter_rows())  # written just now by _fact
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

        lines = self.frame.sort(ROW)
        status = (
            pl.col("status").str.to_lowercase().replace_strict(self.spec.field("status").choices, default="booked")
            if self.has("status")
            else pl.lit("booked")
        )
        if lines[F.EXTERNAL_ID].n_unique() == lines.height:
            # One line per order (most exports): the header is the row itself, no grouping needed.
            lines = lines.with_columns(pl.col("line_no__v").fill_null(1).alias("line"))
            terms = pl.col("payment_terms_days__v").fill_null(30)
            headers = lines.select(
                pl.col(F.EXTERNAL_ID),
                pl.col("booked_on__v").alias("booked_on"),
                pl.col("customer__id").alias("customer_id"),
                pl.col("rep__id").alias("person_id"),
                pl.col("unit__id").alias("unit_id"),
                pl.col("currency").fill_null(default_currency()).alias("currency"),
                pl.col("amount__v").alias("amount"),
                pl.col("cost__v").alias("cost"),
                terms.alias("payment_terms_days"),
                (pl.col("booked_on__v") + pl.duration(days=terms)).alias("due_on"),
                status.alias("status"),
            )
        else:
            lines = lines.with_columns(
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
                pl.when(pl.col("cost__v").is_not_null().any())
                .then(pl.col("cost__v").sum())
                .otherwise(None)
                .alias("cost"),
                terms.alias("payment_terms_days"),
                (pl.col("booked_on__v").first() + pl.duration(days=terms)).alias("due_on"),
                status.first().alias("status"),
            )
        frame = headers.select(
            pl.lit(self.source).alias("source"), pl.col(F.EXTERNAL_ID).alias("external_id"), pl.exclude(F.EXTERNAL_ID)
        )
        frame = _with_defaults(Order, frame)
        loaded = sql.fact_load(model=Order, frame=frame, now=now, batch_id=batch_id)
        self._audit(Order, loaded.changes)
        orders = loaded.ids.select(pl.col("external_id").alias("order_no"), pl.col("id").alias("order_id"), "is_new")
        touched = {change.id for change in loaded.changes}  # stored orders changed by this file, in any part
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
            synced = self._children(OrderLine, "line_no", line_frame, orders)
            if synced.missing.height:
                self._reject_removed_lines(synced.missing, orders, lines)
            touched |= synced.touched
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
            synced = self._children(OrderCredit, "person_id", credit_frame, orders)
            # The file's split replaces the stored one: shares of people it no longer names are removed (audited).
            sql.delete_ids(table=OrderCredit._meta.db_table, ids=synced.missing["id"])
            audit_record_many(
                actor=getattr(self, "actor", None),
                action="sales.import_remove",
                object_type=OrderCredit._meta.label_lower,
                items=(
                    (row["id"], f"{row['order_id']}/{row['person_id']}", row, None)
                    for row in synced.missing.iter_rows(named=True)
                ),
                reason=f"import batch {batch_id}",
            )
            touched |= synced.touched | set(synced.missing["order_id"].to_list())
        stored_orders = loaded.counts.updated + loaded.counts.unchanged
        updated = len(touched)
        return sql.UpsertCounts(created=loaded.counts.created, updated=updated, unchanged=stored_orders - updated)

    def _reject_removed_lines(self, missing: pl.DataFrame, orders: pl.DataFrame, lines: pl.DataFrame) -> None:
        first_rows = lines.group_by("order_no").agg(pl.col(ROW).min())
        found = missing.join(orders, on="order_id").join(first_rows, on="order_no").sort(ROW, "line_no")
        for row, order_no, line_no in found.select(ROW, "order_no", "line_no").iter_rows():
            message = _(
                "Order %(order)s has a stored line %(line)s that this file leaves out. An import never removes a "
                "booked line: record a cancellation or refund of that amount instead."
            ) % {"order": order_no, "line": line_no}
            self.error(row, "line_no" if self.has("line_no") else F.EXTERNAL_ID, order_no, message, "line_removed")
        raise _WriteRejected

    def _children(self, model: Any, second_key: str, frame: pl.DataFrame, orders: pl.DataFrame) -> _Synced:
        """Write an order's child rows (``frame`` has ``order_no``; the key is ``(order_id, second_key)``): inserted
        straight away for new orders; for stored orders compared with what is stored — new children inserted,
        changed ones upserted and audited, stored ones the file leaves out returned as ``missing``."""
        order_table = Order._meta.db_table
        table = model._meta.db_table
        frame = frame.join(orders, on="order_no", how="inner", maintain_order="left")
        fresh = frame.filter(pl.col("is_new")).drop("order_no", "is_new")
        sql.insert_new(model=model, frame=fresh, trusted=[order_table], with_ids=False)
        stale = frame.filter(~pl.col("is_new")).drop("is_new")
        compared = [c for c in fresh.columns if c not in ("order_id", second_key)]
        stored = sql.stored_children(
            table=table, fk="order_id", parent_ids=stale["order_id"], columns=[second_key, *compared]
        ).with_columns(pl.col(second_key).cast(stale.schema[second_key]), pl.lit(value=True).alias("__stored"))
        key = ["order_id", second_key]
        joined = stale.join(stored, on=key, how="left", suffix=sql.OLD, maintain_order="left")
        added = joined.filter(pl.col("__stored").is_null()).select(fresh.columns)
        sql.insert_new(model=model, frame=added, with_ids=False)
        kept = sql.differences(joined.filter(pl.col("__stored").is_not_null()), compared)
        changed = kept.filter(pl.col(sql.CHANGED))
        sql.upsert(table=table, key=key, frame=changed.select(fresh.columns))
        labelled = changed.with_columns(pl.format("{}/{}", pl.col("order_no"), pl.col(second_key)).alias("__label"))
        self._audit(model, sql.change_list(labelled, compared, label="__label"))
        missing = sql.as_file_text(
            stored.join(stale.select(key), on=key, how="anti").drop("__stored"), fresh.select(compared).schema
        )
        touched = set(added["order_id"].to_list()) | set(changed["order_id"].to_list())
        return _Synced(missing=missing, touched=touched)


@dataclass(frozen=True)
class _Synced:
    """Children of stored orders: the stored ones the file leaves out, and the orders whose children changed."""

    missing: pl.DataFrame
    touched: set[int]
