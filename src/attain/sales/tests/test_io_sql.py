"""The import's set-based SQL (``sales/io/sql.py``) on the database under test (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.utils import timezone

from attain.org.tests.factories import PersonFactory, UnitFactory
from attain.sales.io import sql
from attain.sales.models import Collection, Customer, Order, OrderLine, Product

pytestmark = pytest.mark.django_db


def _customers(*rows: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"source": ["t"] * len(rows), "external_id": [r[0] for r in rows], "name": [r[1] for r in rows]}
    ).with_columns(
        pl.lit("").alias("segment"), pl.lit(value=False).alias("is_key_account"), pl.lit(value=True).alias("is_active")
    )


def test_upsert_counts_created_updated_unchanged() -> None:
    now = timezone.now()
    table = Customer._meta.db_table
    first = sql.upsert(
        table=table, key=["source", "external_id"], frame=_customers(("A", "Acme"), ("B", "Bolt")), now=now
    )
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = sql.upsert(
        table=table, key=["source", "external_id"], frame=_customers(("A", "Acme"), ("B", "Bolt")), now=now
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = sql.upsert(
        table=table,
        key=["source", "external_id"],
        frame=_customers(("A", "Acme"), ("B", "Bolt Ltd"), ("C", "Core")),
        now=now,
    )
    assert (changed.created, changed.updated, changed.unchanged) == (1, 1, 1)
    assert Customer.objects.get(source="t", external_id="B").name == "Bolt Ltd"
    assert Customer.objects.filter(source="t").count() == 3


def test_child_upsert_by_composite_key_and_child_rows_by_parent_external_id() -> None:
    unit = UnitFactory()
    person = PersonFactory()
    customer = Customer.objects.create(external_id="C", name="C")
    product = Product.objects.create(external_id="P", code="P", name="P")
    order = Order.objects.create(
        source="t",
        external_id="O1",
        booked_on=dt.date(2026, 1, 5),
        due_on=dt.date(2026, 2, 4),
        customer=customer,
        person=person,
        unit=unit,
        amount=Decimal("20.50"),
    )
    lines = pl.DataFrame(
        {
            "order_id": [order.pk, order.pk],
            "line_no": [1, 2],
            "product_id": [product.pk, product.pk],
            "quantity": [Decimal("1.000"), Decimal("2.000")],
            "unit_price": [Decimal("10.5000"), Decimal("5.0000")],
            "amount": [Decimal("10.50"), Decimal("10.00")],
        },
        schema_overrides={"quantity": pl.Decimal(18, 3), "unit_price": pl.Decimal(18, 4), "amount": pl.Decimal(18, 2)},
    )
    key = ["order_id", "line_no"]
    counts = sql.upsert(table=OrderLine._meta.db_table, key=key, frame=lines)
    assert (counts.created, counts.updated, counts.unchanged) == (2, 0, 0)
    assert sorted(OrderLine.objects.filter(order=order).values_list("line_no", "amount")) == [
        (1, Decimal("10.50")),
        (2, Decimal("10.00")),
    ]
    counts = sql.upsert(table=OrderLine._meta.db_table, key=key, frame=lines)
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 2)
    changed = lines.with_columns(pl.Series("amount", [Decimal("10.50"), Decimal("11.00")], dtype=pl.Decimal(18, 2)))
    counts = sql.upsert(table=OrderLine._meta.db_table, key=key, frame=changed)
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 1)
    Collection.objects.create(
        source="t", external_id="K1", order=order, person=person, unit=unit, received_on=order.booked_on, amount=5
    )
    rows = sql.child_rows(
        table=Collection._meta.db_table,
        fk="order_id",
        parent_table=Order._meta.db_table,
        source="t",
        parent_external_ids=pl.Series(["O1", "O1", "missing"]),
        columns=["external_id", "amount"],
    )
    assert [(ext, Decimal(amount)) for ext, amount in rows] == [("K1", Decimal(5))]


def test_rows_by_external_id_joins_a_staged_key_list() -> None:
    Customer.objects.create(source="s", external_id="X", name="X")
    Customer.objects.create(source="other", external_id="Y", name="Y")
    found = sql.rows_by_external_id(
        table=Customer._meta.db_table, source="s", external_ids=["X", "X", "Y", "Z"], columns=["id", "name"]
    )
    assert found.select("external_id", "name").rows() == [("X", "X")]
    nothing = sql.rows_by_external_id(table=Customer._meta.db_table, source="s", external_ids=[])
    assert (nothing.height, nothing.columns) == (0, ["external_id", "id"])
