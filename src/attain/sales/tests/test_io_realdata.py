"""Imports of third-party sample data sets, flaws included (``<repo>/../shared/realdata``; skipped when absent).

Every count is computed from the files here, never typed in. Each data set is imported, then imported again
(nothing may change), and its known flaws are asserted to be reported or resolved as documented in
``docs/import-profiles.md``:

- Superstore: sales amounts carry up to 4 decimals (discounted lines): reported as errors, nothing written;
  rounded to cents the file imports. One Product ID has several names: the first one is kept. The data set
  has no reps: each sales region is booked to one rep (employee number = region name).
- CRM opportunities: "GTXPro" in the pipeline vs "GTX Pro" in products.csv resolves through the normalised
  name alias; open deals (Engaging/Prospecting) have no close date and no amount; 1,425 deals have no account;
  the sector typo "technolgy" is kept as written.
- Northwind: missing values are the text "NULL" (reported when such a column is mapped, so the test maps
  only the columns it needs); order lines are joined from orders + order-details; line amount = unit price × quantity ×
  (1 − discount) rounded to cents; employees are the reps, ``reportsTo`` their managers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from attain.org import services as org
from attain.org.choices import MembershipRole, UnitKind
from attain.org.models import Person, Unit
from attain.sales import services as sales
from attain.sales.io.importing import ImportResult, facts_import
from attain.sales.models import Customer, Deal, Order, OrderLine, Product

REALDATA = (Path(__file__).resolve().parents[4] / ".." / "shared" / "realdata").resolve()

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.django_db,
    pytest.mark.skipif(not REALDATA.is_dir(), reason=f"{REALDATA} is absent"),
]
START = dt.date(1990, 1, 1)
CENT = Decimal("0.01")


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def to_csv(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run(kind: str, data: bytes, name: str, **options: object) -> ImportResult:
    return facts_import(actor=None, kind=kind, data=data, filename=name, **options)  # type: ignore[arg-type]


def assert_ok(result: ImportResult) -> None:
    assert result.errors == [], result.summary()["errors"][:5]


def unit(code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    return org.unit_create(actor=None, code=code, name=name, kind=kind, parent=parent)


def member(person: Person, team: Unit, role: str = MembershipRole.MEMBER) -> None:
    org.membership_add(actor=None, person=person, unit=team, role=role, valid_from=START)


# --- Superstore -----------------------------------------------------------------------------------------


def test_superstore_order_lines() -> None:
    lines = rows_of(REALDATA / "superstore" / "superstore.csv")
    company = unit("SS", "Superstore", UnitKind.COMPANY)
    for region in sorted({row["Region"] for row in lines}):
        member(
            org.person_create(actor=None, employee_no=region, name=f"{region} rep"),
            unit(region, region, "team", company),
        )

    customers = {row["Customer ID"]: row for row in reversed(lines)}  # first occurrence wins
    data = to_csv(
        ["customer id", "name", "segment"], [[c, r["Customer Name"], r["Segment"]] for c, r in customers.items()]
    )
    assert_ok(run("customer", data, "customers.csv"))
    names: dict[str, str] = {}
    for row in lines:
        names.setdefault(row["Product ID"], row["Product Name"])
    data = to_csv(["product code", "name"], [[code, name] for code, name in names.items()])
    assert_ok(run("product", data, "products.csv"))
    assert Product.objects.count() == len(names) < len({(r["Product ID"], r["Product Name"]) for r in lines})

    # As published: every line whose Sales has more than 2 decimals is reported; nothing is written.
    raw = (REALDATA / "superstore" / "superstore.csv").read_bytes()
    mapping = {"rep": "Region", "amount": "Sales", "customer": "Customer ID", "product": "Product ID"}
    result = run("order", raw, "superstore.csv", mapping=mapping)
    too_precise = [
        i for i, row in enumerate(lines, start=2) if Decimal(row["Sales"]) != Decimal(row["Sales"]).quantize(CENT)
    ]
    assert too_precise
    assert sorted(e.row for e in result.errors) == too_precise
    assert {e.column for e in result.errors} == {"Sales"}
    assert Order.objects.count() == 0

    # Rounded to cents (half up), the whole file imports.
    header = list(lines[0])
    rounded = [
        [str(Decimal(row["Sales"]).quantize(CENT, ROUND_HALF_UP)) if key == "Sales" else row[key] for key in header]
        for row in lines
    ]
    data = to_csv(header, rounded)
    first = run("order", data, "superstore-cents.csv", mapping=mapping)
    assert_ok(first)
    orders = {row["Order ID"] for row in lines}
    assert (first.created, first.updated, first.unchanged) == (len(orders), 0, 0)
    assert OrderLine.objects.count() == len(lines)
    total = sum((Decimal(r[header.index("Sales")]) for r in rounded), Decimal(0))
    assert sum(Order.objects.values_list("amount", flat=True), Decimal(0)) == total
    sample = lines[0]
    order = Order.objects.get(external_id=sample["Order ID"])
    assert order.booked_on.isoformat() == sample["Order Date"]
    assert order.person.employee_no == sample["Region"]
    assert order.unit is not None
    assert order.unit.code == sample["Region"]
    again = run("order", data, "superstore-cents.csv", mapping=mapping)
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": len(orders), "errors": []}


# --- CRM sales opportunities ----------------------------------------------------------------------------


def crm_org(folder: Path) -> dict[str, int]:
    """regional office → manager's team → agents, with the managers managing their teams."""
    teams = rows_of(folder / "sales_teams.csv")
    company = unit("CRM", "CRM company", UnitKind.COMPANY)
    offices = {
        name: unit(name, name, UnitKind.REGION, company) for name in sorted({t["regional_office"] for t in teams})
    }
    managed: dict[str, Unit] = {}
    for number, (manager, office) in enumerate(sorted({(t["manager"], t["regional_office"]) for t in teams}), start=1):
        team = unit(f"T{number}", manager, UnitKind.TEAM, offices[office])
        person = org.person_create(actor=None, employee_no=f"M{number}", name=manager)
        member(person, team)
        member(person, team, MembershipRole.MANAGER)
        managed[manager] = team
    for number, row in enumerate(teams, start=1):
        agent = org.person_create(actor=None, employee_no=f"A{number}", name=row["sales_agent"])
        member(agent, managed[row["manager"]])
    return {"offices": len(offices), "managers": len(managed), "agents": len(teams)}


def test_crm_opportunities_with_sales_teams_as_the_org() -> None:
    folder = REALDATA / "crm_sales_opportunities"
    sizes = crm_org(folder)
    assert Person.objects.count() == sizes["managers"] + sizes["agents"]
    products = rows_of(folder / "products.csv")
    for series in sorted({p["series"] for p in products}):
        org.product_line_create(actor=None, code=series, name=series)
    data = (folder / "products.csv").read_bytes()
    product_map = {"external_id": "product", "name": "product", "product_line": "series", "list_price": "sales_price"}
    assert_ok(run("product", data, "products.csv", mapping=product_map, source="crm"))
    rows_of(folder / "accounts.csv")
    account_map = {"external_id": "account", "name": "account", "segment": "sector"}
    data = (folder / "accounts.csv").read_bytes()
    assert_ok(run("customer", data, "accounts.csv", mapping=account_map, source="crm"))
    assert Customer.objects.filter(segment="technolgy").exists()  # the source's typo is kept as written
    pipeline = rows_of(folder / "sales_pipeline.csv")
    for position, stage in enumerate(["Prospecting", "Engaging", "Won", "Lost"]):
        sales.pipeline_stage_create(
            actor=None, code=stage, name=stage, position=position, is_won=stage == "Won", is_lost=stage == "Lost"
        )

    # "GTXPro" is not a product name; it resolves to "GTX Pro" by the normalised-name alias (no Alias row).
    assert "GTXPro" in {row["product"] for row in pipeline}
    assert "GTXPro" not in {p["product"] for p in products}
    deal_map = {
        "external_id": "opportunity_id",
        "rep": "sales_agent",
        "product": "product",
        "customer": "account",
        "stage": "deal_stage",
        "opened_on": "engage_date",
        "closed_on": "close_date",
        "amount": "close_value",
    }
    data = (folder / "sales_pipeline.csv").read_bytes()
    first = run("deal", data, "sales_pipeline.csv", mapping=deal_map, source="crm")
    assert_ok(first)
    assert (first.created, first.updated, first.unchanged) == (len(pipeline), 0, 0)
    deals = Deal.objects.filter(source="crm")
    no_account = sum(1 for row in pipeline if not row["account"])
    assert no_account == 1425  # as the README says, and as counted
    assert deals.filter(customer__isnull=True).count() == no_account
    open_deals = sum(1 for row in pipeline if not row["close_date"])
    assert deals.filter(closed_on__isnull=True).count() == open_deals
    assert {row["deal_stage"] for row in pipeline if not row["close_date"]} <= {"Engaging", "Prospecting"}
    stage_counts = Counter(row["deal_stage"] for row in pipeline)
    assert {s: deals.filter(stage__code=s).count() for s in stage_counts} == dict(stage_counts)
    won = sum((Decimal(row["close_value"]) for row in pipeline if row["deal_stage"] == "Won"), Decimal(0))
    assert sum(deals.filter(stage__code="Won").values_list("amount", flat=True), Decimal(0)) == won
    agent = pipeline[0]
    deal = deals.get(external_id=agent["opportunity_id"])
    assert deal.person.name == agent["sales_agent"]
    assert deal.unit is not None
    assert deal.unit.kind == UnitKind.TEAM
    again = run("deal", data, "sales_pipeline.csv", mapping=deal_map, source="crm")
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": len(pipeline), "errors": []}


def test_crm_unknown_product_is_reported_without_the_alias() -> None:
    folder = REALDATA / "crm_sales_opportunities"
    crm_org(folder)
    sales.pipeline_stage_create(actor=None, code="Won", name="Won", is_won=True)
    row = next(
        r for r in rows_of(folder / "sales_pipeline.csv") if r["product"] == "GTXPro" and r["deal_stage"] == "Won"
    )
    data = to_csv(list(row), [list(row.values())])
    mapping = {"external_id": "opportunity_id", "rep": "sales_agent", "product": "product", "stage": "deal_stage"}
    result = run("deal", data, "one.csv", mapping=mapping, source="crm", auto_map=False)
    assert [(e.row, e.column, e.value) for e in result.errors] == [(2, "product", "GTXPro")]
    assert Deal.objects.count() == 0


# --- Northwind ------------------------------------------------------------------------------------------


def test_northwind_orders_with_employees_as_reps() -> None:
    folder = REALDATA / "northwind"
    employees = rows_of(folder / "employees.csv")
    bosses = {e["reportsTo"] for e in employees if e["reportsTo"] not in ("", "NULL")}
    top = [e for e in employees if e["reportsTo"] in ("", "NULL")]
    assert len(top) == 1
    people = {
        e["employeeID"]: org.person_create(
            actor=None, employee_no=e["employeeID"], name=f"{e['firstName']} {e['lastName']}"
        )
        for e in employees
    }
    company = unit("NW", "Northwind", UnitKind.COMPANY)
    teams = {top[0]["employeeID"]: company}
    for boss in sorted(bosses - {top[0]["employeeID"]}):
        teams[boss] = unit(f"NW{boss}", f"Team of {people[boss].name}", UnitKind.TEAM, company)
    for boss, team in teams.items():
        member(people[boss], team, MembershipRole.MANAGER)
    for e in employees:
        # A manager is a member of the team they run; the others of their manager's team.
        home = teams.get(e["employeeID"]) or teams[e["reportsTo"]]
        member(people[e["employeeID"]], home)

    data = (folder / "customers.csv").read_bytes()
    customer_map = {"external_id": "customerID", "name": "companyName"}
    # Flaw: missing values are the text "NULL", and "region" is a geographic region, not an org unit. Auto-mapped,
    # the column is read as org unit codes and every cell, NULL included, is reported; nothing is written.
    regions = {i: row["region"] for i, row in enumerate(rows_of(folder / "customers.csv"), start=2) if row["region"]}
    assert "NULL" in regions.values()
    result = run("customer", data, "customers.csv", mapping=customer_map)
    assert [(e.row, e.column, e.value) for e in result.errors] == [(i, "region", v) for i, v in regions.items()]
    assert Customer.objects.count() == 0
    assert_ok(run("customer", data, "customers.csv", mapping=customer_map, auto_map=False))
    assert Customer.objects.count() == len(rows_of(folder / "customers.csv"))
    data = (folder / "products.csv").read_bytes()
    product_map = {"external_id": "productID", "name": "productName", "list_price": "unitPrice"}
    assert_ok(run("product", data, "products.csv", mapping=product_map, auto_map=False))

    orders = {o["orderID"]: o for o in rows_of(folder / "orders.csv")}
    details = rows_of(folder / "order-details.csv")
    header = ["order no", "order date", "customer", "rep", "product", "quantity", "amount"]
    lines = []
    for d in details:
        order = orders[d["orderID"]]
        gross = Decimal(d["unitPrice"]) * Decimal(d["quantity"]) * (1 - Decimal(d["discount"]))
        amount = gross.quantize(CENT, ROUND_HALF_UP)
        lines.append(
            [
                d["orderID"],
                order["orderDate"],
                order["customerID"],
                order["employeeID"],
                d["productID"],
                d["quantity"],
                amount,
            ]
        )
    data = to_csv(header, lines)
    first = run("order", data, "northwind-lines.csv")
    assert_ok(first)
    with_lines = {d["orderID"] for d in details}
    assert (first.created, first.updated, first.unchanged) == (len(with_lines), 0, 0)
    assert OrderLine.objects.count() == len(details)
    per_rep = Counter(orders[o]["employeeID"] for o in with_lines)
    assert {
        p.employee_no: Order.objects.filter(person=p).count() for p in people.values() if per_rep[p.employee_no]
    } == dict(per_rep)
    # Orders carry their rep's team on the booking date: the top manager's reports sit in the company unit.
    sample = orders[details[0]["orderID"]]
    order = Order.objects.get(external_id=sample["orderID"])
    assert order.unit == (
        teams.get(sample["employeeID"])
        or teams[next(e["reportsTo"] for e in employees if e["employeeID"] == sample["employeeID"])]
    )
    assert order.booked_on.isoformat() == sample["orderDate"][:10]
    again = run("order", data, "northwind-lines.csv")
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": len(with_lines), "errors": []}
