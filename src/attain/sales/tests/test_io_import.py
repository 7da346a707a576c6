"""Sales file import: every bad-input case of the issue, encodings, XLSX, idempotence (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from attain.org.tests.factories import MembershipFactory, PersonFactory, UnitFactory
from attain.sales.io.importing import facts_import
from attain.sales.models import Alias, Collection, Customer, ImportBatch, Order, OrderCredit, OrderLine, Product

pytestmark = pytest.mark.django_db

ORDER_HEADER = "order no,order date,customer,rep,product,quantity,unit price,amount\n"


@pytest.fixture
def world() -> dict[str, object]:
    team = UnitFactory(code="T1")
    rep = PersonFactory(employee_no="E001", name="Li Lei")
    other = PersonFactory(employee_no="E002", name="Han Meimei")
    MembershipFactory(person=rep, unit=team, valid_from=dt.date(2020, 1, 1))
    MembershipFactory(person=other, unit=team, valid_from=dt.date(2020, 1, 1))
    customer = Customer.objects.create(external_id="C1", name="Acme")
    product = Product.objects.create(external_id="P1", code="P1", name="GTX Pro")
    return {"team": team, "rep": rep, "other": other, "customer": customer, "product": product}


def run(text: str, kind: str = "order", *, encoding: str = "utf-8", filename: str = "f.csv", **options: object):
    return facts_import(actor=None, kind=kind, data=text.encode(encoding), filename=filename, **options)


def only_error(result) -> dict[str, object]:
    assert len(result.errors) == 1, result.summary()
    return result.summary()["errors"][0]


def test_import_orders_then_reimport_changes_nothing(world) -> None:
    text = ORDER_HEADER + "SO1,2026-03-05,C1,E001,P1,2,10.00,20.00\nSO1,2026-03-05,C1,E001,P1,1,5,5\n"
    first = run(text)
    assert first.summary() == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    order = Order.objects.get(external_id="SO1")
    assert order.amount == Decimal("25.00")
    assert order.unit == world["team"]
    assert order.due_on == dt.date(2026, 4, 4)
    assert OrderLine.objects.filter(order=order).count() == 2
    again = run(text)
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert ImportBatch.objects.filter(status="committed").count() == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_never_produce_mojibake(world, encoding: str) -> None:
    text = "客户编号,客户名称,客户分类\nC9,华为技术,大客户\n"
    result = run(text, "customer", encoding=encoding)
    assert result.errors == []
    assert Customer.objects.get(external_id="C9").name == "华为技术"


@pytest.mark.parametrize("value", ["2026/3/5", "2026-03-05", "2026年3月5日", "46086"])
def test_date_formats(world, value: str) -> None:
    result = run(ORDER_HEADER + f"SO1,{value},C1,E001,P1,1,10,10\n")
    assert result.errors == []
    assert Order.objects.get().booked_on == dt.date(2026, 3, 5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [('"1,234.50"', "1234.50"), ("¥1234", "1234.00"), ("１２３", "123.00"), ('"￥1,234"', "1234.00")],
)
def test_amount_formats(world, value: str, expected: str) -> None:
    result = run("order no,order date,customer,rep,amount\n" + f"SO1,2026-03-05,C1,E001,{value}\n")
    assert result.errors == []
    assert Order.objects.get().amount == Decimal(expected)


def test_parenthesised_amount_is_negative_and_refused_for_orders(world) -> None:
    result = run("order no,order date,customer,rep,amount\n" + 'SO1,2026-03-05,C1,E001,"(1,234.00)"\n')
    error = only_error(result)
    assert (error["row"], error["column"], error["value"]) == (2, "amount", "(1,234.00)")
    assert not Order.objects.exists()


def test_empty_rows_and_trailing_blank_columns(world) -> None:
    text = (
        "order no,order date,customer,rep,amount,,\nSO1,2026-03-05,C1,E001,10,,\n,,,,,,\n\n"
        "SO2,2026-03-05,C1,E001,10,,\n"
    )
    result = run(text)
    assert result.errors == []
    assert result.created == 2


def test_bad_date_names_row_column_value(world) -> None:
    result = run(ORDER_HEADER + "SO1,2026-02-30,C1,E001,P1,1,10,10\n")
    error = only_error(result)
    assert (error["row"], error["column"], error["value"]) == (2, "order date", "2026-02-30")
    assert not Order.objects.exists()


def test_more_than_two_decimals_on_money(world) -> None:
    result = run("order no,order date,customer,rep,amount\nSO1,2026-03-05,C1,E001,10.123\n")
    error = only_error(result)
    assert (error["row"], error["column"], error["value"]) == (2, "amount", "10.123")
    assert result.errors[0].code == "bad_money"
    assert not Order.objects.exists()


def test_negative_quantity(world) -> None:
    result = run(ORDER_HEADER + "SO1,2026-03-05,C1,E001,P1,-2,10,-20\n")
    columns = {(e["row"], e["column"], e["value"]) for e in result.summary()["errors"]}
    assert (2, "quantity", "-2") in columns
    assert not Order.objects.exists()


def test_duplicate_external_ids(world) -> None:
    result = run("客户编号,客户名称\nC5,A\nC5,B\n", "customer")
    error = only_error(result)
    assert (error["row"], error["column"], error["value"]) == (3, "客户编号", "C5")
    assert not Customer.objects.filter(external_id="C5").exists()


def test_unknown_rep_customer_product(world) -> None:
    result = run(ORDER_HEADER + "SO1,2026-03-05,C404,E404,P404,1,10,10\n")
    found = {(e["row"], e["column"], e["value"]) for e in result.summary()["errors"]}
    assert found == {(2, "customer", "C404"), (2, "rep", "E404"), (2, "product", "P404")}
    assert not Order.objects.exists()


def test_product_alias_and_normalised_name(world) -> None:
    Alias.objects.create(kind="product", text="GTX-Professional", key="gtxprofessional", target_id=world["product"].pk)
    text = ORDER_HEADER + "SO1,2026-03-05,C1,E001,GTXPro,1,10,10\nSO2,2026-03-05,Acme,Li Lei,GTX-Professional,1,10,10\n"
    result = run(text)
    assert result.errors == []
    assert set(OrderLine.objects.values_list("product_id", flat=True)) == {world["product"].pk}


def test_splits_must_sum_to_100(world) -> None:
    header = "order no,order date,customer,rep,amount,credit splits\n"
    result = run(header + 'SO1,2026-03-05,C1,E001,10,"E001:60;E002:30"\n')
    error = only_error(result)
    assert (error["row"], error["column"], error["value"]) == (2, "credit splits", "E001:60;E002:30")
    assert not Order.objects.exists()
    ok = run(header + 'SO1,2026-03-05,C1,E001,10,"E001:60;E002:40"\n')
    assert ok.errors == []
    assert OrderCredit.objects.count() == 2


def test_collection_exceeding_open_amount_counts_earlier_rows(world) -> None:
    run("order no,order date,customer,rep,amount\nSO1,2026-03-05,C1,E001,100\n")
    text = "collection no,order no,received on,amount\nR1,SO1,2026-03-10,60\nR2,SO1,2026-03-11,50\n"
    result = run(text, "collection")
    error = only_error(result)
    assert (error["row"], error["column"], error["value"]) == (3, "amount", "50")
    assert not Collection.objects.exists()
    ok = run("collection no,order no,received on,amount\nR1,SO1,2026-03-10,60\nR2,SO1,2026-03-11,40\n", "collection")
    assert ok.summary()["created"] == 2
    again = run("collection no,order no,received on,amount\nR1,SO1,2026-03-10,60\nR2,SO1,2026-03-11,40\n", "collection")
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_file_that_is_not_what_it_claims(world) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50
    result = facts_import(actor=None, kind="order", data=png, filename="orders.xlsx")
    error = only_error(result)
    assert "not an Excel workbook" in error["message"]
    assert ImportBatch.objects.get().status == "failed"


def test_failed_import_records_batch_with_errors(world) -> None:
    run(ORDER_HEADER + "SO1,2026-03-05,C404,E001,P1,1,10,10\n")
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert batch.error_count == 1
    assert batch.errors[0]["row"] == 2


def test_xlsx_with_date_cells_and_serials(world) -> None:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Orders")
    sheet.write_row(0, 0, ["订单编号", "下单日期", "客户", "销售代表", "金额"])
    sheet.write_row(1, 0, ["SO1", None, "C1", "E001", 1234.5])
    naive = dt.datetime(2026, 3, 5)  # noqa: DTZ001  # an Excel cell has no time zone
    sheet.write_datetime(1, 1, naive, workbook.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_row(2, 0, ["SO2", 46086, "C1", "E001", 10])
    workbook.close()
    result = facts_import(actor=None, kind="order", data=buffer.getvalue(), filename="orders.xlsx")
    assert result.errors == []
    assert set(Order.objects.values_list("booked_on", flat=True)) == {dt.date(2026, 3, 5)}
    assert Order.objects.get(external_id="SO1").amount == Decimal("1234.50")


def test_dry_run_writes_nothing(world) -> None:
    result = run(ORDER_HEADER + "SO1,2026-03-05,C1,E001,P1,1,10,10\n", dry_run=True)
    assert result.errors == []
    assert not Order.objects.exists()


def test_fxiaoke_payment_details_import_with_their_profile(world) -> None:
    """纷享销客's 回款明细 export: one row per order a payment pays, so one 回款编号 spans several rows and the
    row's own id is the 回款明细编号 (labels as in fxiaoke's OrderPaymentObj definition, docs/import-profiles.md)."""
    from attain.sales.io.profiles import mapping_resolve

    orders = "order no,order date,customer,rep,amount\nSO1,2026-03-05,C1,E001,100\nSO2,2026-03-06,C1,E001,80\n"
    assert run(orders, source="fxiaoke").errors == []
    text = (
        "回款明细编号,回款编号,客户名称,销售订单编号,回款计划编号,本次回款金额（元）,回款方式,回款日期,负责人,备注\n"
        "20260310-000001,20260310-000001,Acme,SO1,,60.00,电汇,2026-03-10,Li Lei,首付\n"
        "20260310-000002,20260310-000001,Acme,SO2,,80.00,电汇,2026-03-10,Li Lei,\n"
    )
    profile = mapping_resolve(kind="collection", name_or_path="fxiaoke-collections")
    result = run(text, "collection", mapping=profile.mapping, source=profile.source)
    assert result.summary() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    stored = sorted(Collection.objects.values_list("external_id", "order__external_id", "amount", "note"))
    assert stored == [
        ("20260310-000001", "SO1", Decimal("60.00"), "首付"),
        ("20260310-000002", "SO2", Decimal("80.00"), ""),
    ]
    auto = run(text, "collection", source="fxiaoke")  # the headers alone map the same columns
    assert auto.summary() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
