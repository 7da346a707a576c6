"""The bulk load path (``sql.fact_load`` / ``sql.insert_new``) on the database under test (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from attain.org.tests.factories import PersonFactory, UnitFactory
from attain.sales.io import sql
from attain.sales.models import Customer, ImportBatch, Order, OrderLine, Product

pytestmark = pytest.mark.django_db


def _customers(*rows: tuple[str, str], source: str = "t") -> pl.DataFrame:
    return pl.DataFrame(
        {"source": [source] * len(rows), "external_id": [r[0] for r in rows], "name": [r[1] for r in rows]}
    ).with_columns(
        pl.lit("").alias("segment"), pl.lit(value=False).alias("is_key_account"), pl.lit(value=True).alias("is_active")
    )


def _batch() -> int:
    return ImportBatch.objects.create(kind="customer", source="t").pk


def test_new_keys_are_inserted_and_stored_keys_upserted_with_every_id_returned() -> None:
    before = timezone.now()
    first = sql.fact_load(model=Customer, frame=_customers(("A", "Acme"), ("B", "Bolt")), now=before, batch_id=_batch())
    assert (first.counts.created, first.counts.updated, first.counts.unchanged) == (2, 0, 0)
    stored = dict(Customer.objects.filter(source="t").values_list("external_id", "id"))
    assert dict(first.ids.select("external_id", "id").iter_rows()) == stored
    assert first.ids["is_new"].to_list() == [True, True]
    acme = Customer.objects.get(source="t", external_id="A")
    # The database filled the timestamps the bulk insert left out.
    assert acme.created_at is not None
    assert acme.updated_at is not None
    assert abs((acme.created_at - before).total_seconds()) < 60
    assert acme.import_batch_id is not None

    second = sql.fact_load(
        model=Customer,
        frame=_customers(("A", "Acme"), ("B", "Bolt Ltd"), ("C", "Core")),
        now=timezone.now(),
        batch_id=_batch(),
    )
    assert (second.counts.created, second.counts.updated, second.counts.unchanged) == (1, 1, 1)
    assert Customer.objects.get(source="t", external_id="B").name == "Bolt Ltd"
    flags = dict(second.ids.select("external_id", "is_new").iter_rows())
    assert flags == {"A": False, "B": False, "C": True}
    stored = dict(Customer.objects.filter(source="t").values_list("external_id", "id"))
    assert dict(second.ids.select("external_id", "id").iter_rows()) == stored


def test_the_same_external_id_under_another_source_is_a_new_fact() -> None:
    sql.fact_load(model=Customer, frame=_customers(("A", "Acme")), now=timezone.now(), batch_id=_batch())
    other = sql.fact_load(
        model=Customer, frame=_customers(("A", "Acme"), source="crm"), now=timezone.now(), batch_id=_batch()
    )
    assert other.counts.created == 1
    assert Customer.objects.filter(external_id="A").count() == 2


def test_one_call_takes_one_source_only() -> None:
    frame = pl.concat([_customers(("A", "Acme")), _customers(("B", "Bolt"), source="crm")])
    with pytest.raises(ValueError, match="one source"):
        sql.fact_load(model=Customer, frame=frame, now=timezone.now(), batch_id=None)


def test_ids_drawn_for_a_bulk_insert_never_collide_with_later_inserts() -> None:
    Customer.objects.create(source="orm", external_id="first", name="First")
    loaded = sql.fact_load(
        model=Customer, frame=_customers(*((f"K{i}", f"K{i}") for i in range(50))), now=timezone.now(), batch_id=None
    )
    later = Customer.objects.create(source="orm", external_id="later", name="Later")
    assert later.pk > max(loaded.ids["id"].to_list())
    assert Customer.objects.count() == 52


def _order_world() -> tuple[Customer, Product, int, int]:
    unit = UnitFactory()
    person = PersonFactory()
    customer = Customer.objects.create(external_id="C", name="C")
    product = Product.objects.create(external_id="P", code="P", name="P")
    return customer, product, person.pk, unit.pk


def _orders(customer_id: int, person_id: int, unit_id: int, numbers: list[str]) -> pl.DataFrame:
    count = len(numbers)
    return pl.DataFrame(
        {
            "source": ["t"] * count,
            "external_id": numbers,
            "booked_on": [dt.date(2026, 3, 5)] * count,
            "customer_id": [customer_id] * count,
            "person_id": [person_id] * count,
            "unit_id": [unit_id] * count,
            "currency": ["CNY"] * count,
            "amount": [Decimal("10.50")] * count,
            "payment_terms_days": [30] * count,
            "due_on": [dt.date(2026, 4, 4)] * count,
            "status": ["booked"] * count,
            "note": [""] * count,
        },
        schema_overrides={"amount": pl.Decimal(14, 2)},
    )


def test_children_of_new_orders_go_in_with_the_new_ids() -> None:
    customer, product, person_id, unit_id = _order_world()
    loaded = sql.fact_load(
        model=Order, frame=_orders(customer.pk, person_id, unit_id, ["O1", "O2"]), now=timezone.now(), batch_id=None
    )
    order_ids = dict(loaded.ids.select("external_id", "id").iter_rows())
    lines = pl.DataFrame(
        {
            "order_id": [order_ids["O1"], order_ids["O2"], order_ids["O2"]],
            "line_no": [1, 1, 2],
            "product_id": [product.pk] * 3,
            "quantity": [Decimal(1)] * 3,
            "unit_price": [Decimal("10.5")] * 3,
            "amount": [Decimal("10.50")] * 3,
        },
        schema_overrides={"quantity": pl.Decimal(14, 3), "unit_price": pl.Decimal(16, 4), "amount": pl.Decimal(14, 2)},
    )
    ids = sql.insert_new(model=OrderLine, frame=lines, trusted=[Order._meta.db_table])
    assert sorted(ids.to_list()) == sorted(OrderLine.objects.values_list("id", flat=True))
    assert sorted(OrderLine.objects.values_list("order__external_id", "line_no")) == [("O1", 1), ("O2", 1), ("O2", 2)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's set-wise reference check")
def test_a_reference_gone_before_the_insert_is_reported_and_nothing_is_written() -> None:
    customer, _product, person_id, unit_id = _order_world()
    assert sql.setwise_checks_allowed()  # the test role is a superuser
    frame = _orders(customer.pk + 1000, person_id, unit_id, ["O1", "O2"])  # no such customer
    with pytest.raises(sql.ReferenceGone) as caught:
        sql.fact_load(model=Order, frame=frame, now=timezone.now(), batch_id=None)
    assert caught.value.field == "customer"
    assert caught.value.missing == 1
    assert not Order.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's set-wise reference check")
def test_after_a_checked_bulk_insert_the_triggers_run_again() -> None:
    customer, _product, person_id, unit_id = _order_world()
    sql.fact_load(
        model=Order, frame=_orders(customer.pk, person_id, unit_id, ["O1"]), now=timezone.now(), batch_id=None
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    assert Order.objects.get(external_id="O1").customer_id == customer.pk


def test_without_the_set_wise_check_the_database_still_rejects_a_bad_reference(settings: Any) -> None:
    settings.ATTAIN_IMPORT_SETWISE_FK_CHECKS = False
    customer, _product, person_id, unit_id = _order_world()
    assert not sql.setwise_checks_allowed()
    frame = _orders(customer.pk + 1000, person_id, unit_id, ["O1"])
    with transaction.atomic():
        sql.fact_load(model=Order, frame=frame, now=timezone.now(), batch_id=None)
        with pytest.raises(IntegrityError):  # the deferred check, made now instead of at commit
            _check_foreign_keys_now()
        transaction.set_rollback(True)


def _check_foreign_keys_now() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return
        cursor.execute("PRAGMA foreign_key_check")
        if cursor.fetchall():
            raise IntegrityError("FOREIGN KEY constraint failed")


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        return dict(sql._secondary_indexes(cursor, table))


def _keys(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        return dict(sql._unreferenced_keys(cursor, table))


@pytest.mark.parametrize("least", [1, 0])
def test_indexes_dropped_for_a_large_load_are_all_built_again(
    settings: Any, monkeypatch: pytest.MonkeyPatch, least: int
) -> None:
    settings.ATTAIN_IMPORT_REBUILD_INDEXES_MIN_ROWS = least
    customer, _product, person_id, unit_id = _order_world()
    table = Order._meta.db_table
    before = _indexes(table)
    keys = _keys(table)
    assert {"sales_order_person_booked", "sales_order_unit_booked", "sales_order_deal"} <= set(before)
    # PostgreSQL drops and adds back the external-id key too; the primary key stays (foreign keys point at it).
    assert keys == (
        {"sales_order_external_key": "UNIQUE (source, external_id)"} if connection.vendor == "postgresql" else {}
    )
    dropped: list[str] = []
    real = sql._secondary_indexes

    def spy(cursor: object, name: str) -> list[tuple[str, str]]:
        found = real(cursor, name)
        dropped.extend(index for index, _sql in found)
        return found

    monkeypatch.setattr(sql, "_secondary_indexes", spy)
    sql.fact_load(
        model=Order, frame=_orders(customer.pk, person_id, unit_id, ["O1", "O2"]), now=timezone.now(), batch_id=None
    )
    monkeypatch.undo()
    assert _indexes(table) == before
    assert _keys(table) == keys
    assert bool(dropped) == (least == 1)
    assert Order.objects.count() == 2


def test_a_key_broken_by_a_rebuilt_load_fails_it_and_the_keys_come_back(settings: Any) -> None:
    """The caller passes only new keys; should one be stored meanwhile, the key added back after the load (or, on
    SQLite, the key kept in the table) rejects the load, and nothing of it stays."""
    settings.ATTAIN_IMPORT_REBUILD_INDEXES_MIN_ROWS = 1
    customer, _product, person_id, unit_id = _order_world()
    table = Order._meta.db_table
    sql.fact_load(
        model=Order, frame=_orders(customer.pk, person_id, unit_id, ["O1"]), now=timezone.now(), batch_id=None
    )
    keys, indexes = _keys(table), _indexes(table)
    clash = _orders(customer.pk, person_id, unit_id, ["O1", "O2"])  # 2 rows ≥ 1 stored: the load rebuilds
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert_new(model=Order, frame=clash)
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["O1"]
    assert (_keys(table), _indexes(table)) == (keys, indexes)
    with pytest.raises(IntegrityError), transaction.atomic():  # the key still guards the table
        Order.objects.create(**{**Order.objects.values().get(external_id="O1"), "id": None})


def test_a_load_smaller_than_the_table_keeps_its_indexes(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.ATTAIN_IMPORT_REBUILD_INDEXES_MIN_ROWS = 1
    customer, _product, person_id, unit_id = _order_world()
    sql.fact_load(
        model=Order,
        frame=_orders(customer.pk, person_id, unit_id, [f"O{i}" for i in range(10)]),
        now=timezone.now(),
        batch_id=None,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Order._meta.db_table}")
    calls: list[str] = []
    real = sql._secondary_indexes

    def spy(cursor: object, name: str) -> list[tuple[str, str]]:
        calls.append(name)
        return real(cursor, name)

    monkeypatch.setattr(sql, "_secondary_indexes", spy)
    sql.fact_load(
        model=Order, frame=_orders(customer.pk, person_id, unit_id, ["N1", "N2"]), now=timezone.now(), batch_id=None
    )
    assert calls == []
    assert Order.objects.count() == 12


@pytest.mark.django_db(transaction=True)  # the import's own transaction must really commit (or fail to)
def test_a_customer_deleted_between_checks_and_write_fails_the_import_cleanly(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attain.sales.io.importing import facts_import, run

    _customer, product, person_id, _unit_id = _order_world()
    person = PersonFactory._meta.model.objects.get(pk=person_id)
    doomed = Customer.objects.create(source="t", external_id="GONE", name="Gone Ltd")
    csv = (
        "order no,order date,customer,rep,product,quantity,unit price,amount\n"
        f"S1,2026-03-05,C,{person.employee_no},P,1,10,10\n"
        f"S2,2026-03-05,GONE,{person.employee_no},P,1,10,10\n"
    ).encode()
    real_write = run._Importer.write

    def write_after_a_deletion(self: Any, **kwargs: Any) -> None:
        Customer.objects.filter(pk=doomed.pk).delete()  # someone else, between the checks and the write
        real_write(self, **kwargs)

    monkeypatch.setattr(run._Importer, "write", write_after_a_deletion)
    result = facts_import(actor=None, kind="order", data=csv, filename="o.csv", source="t")
    # PostgreSQL finds it in the set-wise check before writing; SQLite's deferred check fails the commit.
    expected = "reference_gone" if connection.vendor == "postgresql" else "changed_meanwhile"
    assert [error.code for error in result.errors] == [expected]
    assert not Order.objects.filter(source="t").exists()
    assert ImportBatch.objects.get(pk=result.batch_id).error_count == 1
    assert product.pk


def test_values_shared_by_every_row_are_stored_like_the_others() -> None:
    """SQLite binds columns with one value for all rows once instead of staging them: the stored rows must not
    differ from rows whose values vary (decimals, dates, nulls, booleans)."""
    customer, _product, person_id, unit_id = _order_world()
    frame = _orders(customer.pk, person_id, unit_id, ["S1", "S2", "S3"]).with_columns(
        pl.lit(None, pl.Decimal(14, 2)).alias("cost"),
        pl.Series("note", ["", "late", ""]),
    )
    sql.fact_load(model=Order, frame=frame, now=timezone.now(), batch_id=_batch())
    stored = list(
        Order.objects.filter(source="t")
        .order_by("external_id")
        .values_list("external_id", "amount", "cost", "booked_on", "due_on", "status", "note", "unit_id")
    )
    assert stored == [
        ("S1", Decimal("10.50"), None, dt.date(2026, 3, 5), dt.date(2026, 4, 4), "booked", "", unit_id),
        ("S2", Decimal("10.50"), None, dt.date(2026, 3, 5), dt.date(2026, 4, 4), "booked", "late", unit_id),
        ("S3", Decimal("10.50"), None, dt.date(2026, 3, 5), dt.date(2026, 4, 4), "booked", "", unit_id),
    ]
    customers = _customers(("K1", "One"))  # a single row: every column is "constant"
    sql.fact_load(model=Customer, frame=customers, now=timezone.now(), batch_id=None)
    assert Customer.objects.filter(source="t", external_id="K1", name="One", is_active=True).exists()


def test_a_table_never_analysed_is_counted_not_taken_for_empty() -> None:
    with connection.cursor() as cursor:  # a new table: PostgreSQL has no estimate for it yet (reltuples = -1)
        cursor.execute("CREATE TABLE bulk_probe (id integer)")
        cursor.execute("INSERT INTO bulk_probe (id) VALUES (1), (2), (3)")
        assert sql._stored_rows(cursor, "bulk_probe") == 3
        cursor.execute("DROP TABLE bulk_probe")


def test_differences_compare_datetimes_as_text_without_failing() -> None:
    stamp = dt.datetime(2026, 3, 5, 10, 30, tzinfo=dt.UTC)
    frame = pl.DataFrame({"id": [1, 2], "external_id": ["A", "B"], "seen": [stamp, stamp]})
    as_text = frame["seen"].cast(pl.String)[0]  # the stored spelling that equals the file's value
    joined = frame.with_columns(pl.Series("seen" + sql.OLD, [as_text, None], dtype=pl.String))
    flagged = sql.differences(joined, ["seen"])
    assert flagged[sql.CHANGED].to_list() == [False, True]
    changes = sql.change_list(flagged.filter(pl.col(sql.CHANGED)), ["seen"], label="external_id")
    assert [(c.label, c.before, c.after) for c in changes] == [("B", {"seen": None}, {"seen": as_text})]
