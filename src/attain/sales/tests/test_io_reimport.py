"""Importing a file again after the data changed at the source: corrections are applied, counted and audited;
booked lines are never dropped; a new credit split replaces the old one (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attain.core.models import AuditEvent
from attain.sales.models import Customer, Order, OrderCredit, OrderLine
from attain.sales.tests.test_io_import import ORDER_HEADER, run, world  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

TWO_LINES = ORDER_HEADER + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00\nSO1,2026-03-05,C1,E001,P1,1,5,5\n"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_changed_line_updates_the_order_and_audits_both() -> None:
    assert run(TWO_LINES).summary()["created"] == 1
    before_events = AuditEvent.objects.count()
    changed = TWO_LINES.replace("1,5,5", "1,7,7")
    result = run(changed)
    assert result.summary() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    order = Order.objects.get(external_id="SO1")
    assert order.amount == Decimal("27.00")
    assert sorted(OrderLine.objects.filter(order=order).values_list("line_no", "amount")) == [
        (1, Decimal("20.00")),
        (2, Decimal("7.00")),
    ]
    header = [e for e in _events("sales.import_update") if e.object_type == "sales.order"]
    assert len(header) == 1
    assert header[0].object_id == str(order.pk)
    assert header[0].before == {"amount": "25.00"}
    assert header[0].after == {"amount": "27.00"}
    assert header[0].reason == f"import batch {result.batch_id}"
    line = [e for e in _events("sales.import_update") if e.object_type == "sales.orderline"]
    assert [(e.object_repr, e.before["amount"], e.after["amount"]) for e in line] == [("SO1/2", "5.00", "7.00")]
    # The same file once more: nothing changes and nothing more is audited.
    assert run(changed).summary() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert AuditEvent.objects.count() == before_events + 2


def test_an_unchanged_file_writes_no_audit_events() -> None:
    text = ORDER_HEADER.rstrip("\n") + ",credits\n" + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00,E001:60;E002:40\n"
    run(text)
    Customer.objects.filter(external_id="C1").update(segment="")  # untouched by the import
    count = AuditEvent.objects.count()
    assert run(text).summary() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert AuditEvent.objects.count() == count


def test_a_booked_line_left_out_is_refused_with_the_order_and_line() -> None:
    run(TWO_LINES)
    one_line = ORDER_HEADER + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00\n"
    result = run(one_line)
    assert result.created == result.updated == 0
    assert [error.code for error in result.errors] == ["line_removed"]
    error = result.summary()["errors"][0]
    assert error["row"] == 2
    assert error["value"] == "SO1"
    assert "SO1" in error["message"]
    assert "2" in error["message"]
    order = Order.objects.get(external_id="SO1")
    assert order.amount == Decimal("25.00")  # nothing written
    assert OrderLine.objects.filter(order=order).count() == 2


def test_a_new_line_on_a_stored_order_is_added() -> None:
    run(ORDER_HEADER + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00\n")
    result = run(TWO_LINES)
    assert result.summary() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    assert Order.objects.get(external_id="SO1").amount == Decimal("25.00")
    assert OrderLine.objects.filter(order__external_id="SO1").count() == 2


def test_a_new_credit_split_replaces_the_stored_one() -> None:
    header = ORDER_HEADER.rstrip("\n") + ",credits\n"
    run(header + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00,E001:60;E002:40\n")
    order = Order.objects.get(external_id="SO1")
    assert sorted(OrderCredit.objects.filter(order=order).values_list("person__employee_no", "percent")) == [
        ("E001", Decimal("60.00")),
        ("E002", Decimal("40.00")),
    ]
    result = run(header + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00,E001:100\n")
    assert result.summary() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    credits = list(OrderCredit.objects.filter(order=order).values_list("person__employee_no", "percent"))
    assert credits == [("E001", Decimal("100.00"))]
    assert sum(percent for _person, percent in credits) == 100
    removed = _events("sales.import_remove")
    assert len(removed) == 1
    assert removed[0].object_type == "sales.ordercredit"
    assert removed[0].before["percent"] == "40.00"  # spelt like the file's values on both databases
    assert removed[0].after is None
    changed = [e for e in _events("sales.import_update") if e.object_type == "sales.ordercredit"]
    assert len(changed) == 1
    assert changed[0].before["percent"] == "60.00"
    assert changed[0].after["percent"] == "100.00"


def test_orders_without_a_credits_cell_keep_their_split() -> None:
    header = ORDER_HEADER.rstrip("\n") + ",credits\n"
    run(header + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00,E001:60;E002:40\n")
    result = run(ORDER_HEADER + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00\n")
    assert result.summary() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert OrderCredit.objects.filter(order__external_id="SO1").count() == 2


def test_a_changed_customer_is_audited_field_by_field() -> None:
    run("customer id,customer name,segment\nC7,Bolt,SMB\nC8,Core,SMB\n", "customer")
    result = run("customer id,customer name,segment\nC7,Bolt Ltd,SMB\nC8,Core,SMB\n", "customer")
    assert result.summary() == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    events = [e for e in _events("sales.import_update") if e.object_type == "sales.customer"]
    assert [(e.object_repr, e.before, e.after) for e in events] == [("C7", {"name": "Bolt"}, {"name": "Bolt Ltd"})]
