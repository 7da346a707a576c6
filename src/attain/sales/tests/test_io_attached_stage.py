"""SQLite imports stage large frames in scratch files written by ADBC and attached (``sql._attached_stage``): the
rows stored must be exactly what the temporary-table stage stores, and the scratch files must not outlive the
import, whether it commits or fails. The threshold is lowered so that small frames take that path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.db import connection, transaction
from django.utils import timezone

from attain.org.tests.factories import PersonFactory, UnitFactory
from attain.sales.io import sql
from attain.sales.io.importing import facts_import
from attain.sales.models import Customer, Order, OrderLine, Product

pytestmark = [
    pytest.mark.django_db(transaction=True),  # import_tuning attaches stages only outside a transaction
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's attached stages"),
]


@pytest.fixture
def stages(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every scratch file written, with the threshold lowered to one row."""
    monkeypatch.setattr(sql, "SQLITE_ATTACHED_STAGE_MIN_ROWS", 1)
    written: list[str] = []
    real = sql._attached_stage

    def spy(cursor: Any, name: str, frame: pl.DataFrame, types: dict[str, str]) -> str:
        table = real(cursor, name, frame, types)
        written.append(getattr(connection, sql._ATTACHED)[-1][1])
        return table

    monkeypatch.setattr(sql, "_attached_stage", spy)
    return written


def _attached() -> list[str]:
    """The scratch stages attached to the connection now."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        return sorted(str(row[1]) for row in cursor.fetchall() if str(row[1]) not in ("main", "temp"))


def _orders(customer_id: int, person_id: int, unit_id: int, amounts: dict[str, str]) -> pl.DataFrame:
    count = len(amounts)
    return pl.DataFrame(
        {
            "source": ["t"] * count,
            "external_id": list(amounts),
            "booked_on": [dt.date(2026, 3, 5), *[dt.date(2026, 3, 6)] * (count - 1)],
            "customer_id": [customer_id] * count,
            "person_id": [person_id] * count,
            "unit_id": [unit_id] * count,
            "currency": ["CNY"] * count,
            "amount": [Decimal(a) for a in amounts.values()],
            "cost": [None, *[Decimal("1.25")] * (count - 1)],
            "payment_terms_days": [30] * count,
            "due_on": [dt.date(2026, 4, 30)] * count,
            "status": ["booked"] * count,
            "note": ["", *["备注"] * (count - 1)],
        },
        schema_overrides={"amount": pl.Decimal(14, 2), "cost": pl.Decimal(14, 2)},
    )


def _world() -> tuple[int, int, int]:
    unit = UnitFactory()
    person = PersonFactory()
    customer = Customer.objects.create(external_id="C", name="Acme")
    return customer.pk, person.pk, unit.pk


def test_stages_in_scratch_files_store_what_a_temporary_stage_stores(stages: list[str]) -> None:
    customer_id, person_id, unit_id = _world()
    with sql.import_tuning(), transaction.atomic():
        first = sql.fact_load(
            model=Order,
            frame=_orders(customer_id, person_id, unit_id, {"O1": "10.50", "O2": "2000.00", "O3": "0.05"}),
            now=timezone.now(),
            batch_id=None,
        )
        assert _attached()  # while the import runs
    assert (first.counts.created, first.counts.updated) == (3, 0)
    assert stages
    assert _attached() == []
    assert not any(Path(path).exists() for path in stages)
    stored = list(
        Order.objects.order_by("external_id").values_list("external_id", "booked_on", "amount", "cost", "note")
    )
    assert stored == [
        ("O1", dt.date(2026, 3, 5), Decimal("10.50"), None, ""),
        ("O2", dt.date(2026, 3, 6), Decimal("2000.00"), Decimal("1.25"), "备注"),
        ("O3", dt.date(2026, 3, 6), Decimal("0.05"), Decimal("1.25"), "备注"),
    ]
    # Again with one amount changed: the stored keys are staged the same way; only the changed row is updated.
    with sql.import_tuning(), transaction.atomic():
        second = sql.fact_load(
            model=Order,
            frame=_orders(customer_id, person_id, unit_id, {"O1": "10.50", "O2": "2000.01", "O3": "0.05"}),
            now=timezone.now(),
            batch_id=None,
        )
    assert (second.counts.created, second.counts.updated, second.counts.unchanged) == (0, 1, 2)
    assert [c.label for c in second.changes] == ["O2"]
    assert Order.objects.get(external_id="O2").amount == Decimal("2000.01")
    assert _attached() == []


def _load_then_fail(customer_id: int, person_id: int, unit_id: int) -> None:
    with sql.import_tuning(), transaction.atomic():
        sql.fact_load(
            model=Order,
            frame=_orders(customer_id, person_id, unit_id, {"O1": "1.00", "O2": "2.00"}),
            now=timezone.now(),
            batch_id=None,
        )
        raise RuntimeError("the import fails after the stage")


def test_a_failed_import_leaves_no_scratch_file_attached_or_on_disk(stages: list[str]) -> None:
    customer_id, person_id, unit_id = _world()
    with pytest.raises(RuntimeError, match="fails after the stage"):
        _load_then_fail(customer_id, person_id, unit_id)
    assert stages
    assert _attached() == []
    assert not any(Path(path).exists() for path in stages)
    assert not Order.objects.exists()


def test_inside_a_caller_transaction_stages_stay_temporary(stages: list[str]) -> None:
    customer_id, person_id, unit_id = _world()
    with transaction.atomic(), sql.import_tuning():
        sql.fact_load(
            model=Order,
            frame=_orders(customer_id, person_id, unit_id, {"O1": "1.00"}),
            now=timezone.now(),
            batch_id=None,
        )
    assert stages == []
    assert Order.objects.count() == 1


def test_a_whole_file_import_through_scratch_stages(stages: list[str]) -> None:
    person = PersonFactory()
    Customer.objects.create(external_id="C", name="Acme")
    Product.objects.create(external_id="P", code="P", name="Widget")
    csv = (
        "order no,order date,customer,rep,product,quantity,unit price,amount\n"
        f"S1,2026-03-05,C,{person.employee_no},P,2,10.25,20.50\n"
        f"S2,2026/3/6,C,{person.employee_no},P,1,10,10.00\n"
        f"S2,2026/3/6,C,{person.employee_no},P,3,1.5,4.50\n"
    ).encode()
    result = facts_import(actor=None, kind="order", data=csv, filename="o.csv", source="t")
    assert result.errors == []
    assert (result.created, result.updated) == (2, 0)
    assert stages
    lines = list(OrderLine.objects.order_by("order__external_id", "line_no").values_list("quantity", "amount"))
    assert lines == [
        (Decimal("2.000"), Decimal("20.50")),
        (Decimal("1.000"), Decimal("10.00")),
        (Decimal("3.000"), Decimal("4.50")),
    ]
    again = facts_import(actor=None, kind="order", data=csv, filename="o.csv", source="t")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _attached() == []
    assert not any(Path(path).exists() for path in stages)


def test_nested_tunings_each_detach_their_own_stages(stages: list[str]) -> None:
    customer_id, person_id, unit_id = _world()
    with sql.import_tuning():
        outer = getattr(connection, sql._ATTACHED)
        with sql.import_tuning(), transaction.atomic():
            sql.fact_load(
                model=Order,
                frame=_orders(customer_id, person_id, unit_id, {"O1": "1.00"}),
                now=timezone.now(),
                batch_id=None,
            )
        assert getattr(connection, sql._ATTACHED) is outer  # the inner one gave the outer its list back
        assert _attached() == []
    assert not hasattr(connection, sql._ATTACHED)
    assert stages
    assert not any(Path(path).exists() for path in stages)
