"""Import stage 2: resolve reps, customers, products, stages, units and orders set-wise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from attain.org import selectors as org_selectors
from attain.sales import rules
from attain.sales.io import fields as F
from attain.sales.io import sql
from attain.sales.io.importing._common import _ImporterBase
from attain.sales.io.reading import ROW
from attain.sales.models import Alias, Customer, Order, PipelineStage, Product


class _Resolution(_ImporterBase):
    """Resolve references: one query per referenced table, matched on the distinct values only."""

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
