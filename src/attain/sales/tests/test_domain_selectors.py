from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.sales import selectors, services
from attain.sales.choices import ReversalKind
from attain.sales.tests.factories import ActivityFactory, CustomerFactory, OrderFactory

D = dt.date
pytestmark = pytest.mark.django_db


def test_ageing_buckets_at_boundaries(world) -> None:
    as_of = D(2026, 6, 30)
    # due dates: booked 2026-01-01 + terms → overdue by 0, 1, 30, 31, 60, 61, 90, 91 days on as_of
    for n, overdue in enumerate([0, 1, 30, 31, 60, 61, 90, 91]):
        due = as_of - dt.timedelta(days=overdue)
        OrderFactory(
            person=world.rep_a,
            external_id=f"A{n}",
            booked_on=D(2026, 1, 1),
            payment_terms_days=(due - D(2026, 1, 1)).days,
            amount="100.00",
        )
    paid = OrderFactory(person=world.rep_a, external_id="PAID", booked_on=D(2026, 1, 1), amount="50")
    services.collection_record(actor=None, order=paid, amount="50", received_on=D(2026, 1, 5))
    partial = OrderFactory(
        person=world.rep_a, external_id="PART", booked_on=D(2026, 1, 1), amount="80", payment_terms_days=0
    )
    services.collection_record(actor=None, order=partial, amount="30", received_on=D(2026, 1, 5))
    services.order_reverse(
        actor=None, order=partial, kind=ReversalKind.CANCELLATION, amount="20", reversed_on=D(2026, 1, 6)
    )
    report = selectors.receivable_ageing(actor=world.admin, as_of=as_of)
    totals = report.totals["CNY"]
    assert totals == {
        "current": Decimal("100.00"),
        "1_30": Decimal("200.00"),
        "31_60": Decimal("200.00"),
        "61_90": Decimal("200.00"),
        "over_90": Decimal("130.00"),  # 91 days + the partial order's 30 open (180 days overdue)
    }
    assert report.counts["over_90"] == 2


def test_ageing_query_count_is_constant(world, django_assert_max_num_queries) -> None:
    for n in range(15):
        order = OrderFactory(person=world.rep_a, external_id=f"Q{n}")
        services.collection_record(actor=None, order=order, amount="10", received_on=D(2026, 3, 10))
    admin = world.admin
    with django_assert_max_num_queries(4):
        selectors.receivable_ageing(actor=admin, as_of=D(2026, 6, 30))


def test_scoping(world, fresh) -> None:
    mine = OrderFactory(person=world.rep_a)
    other = OrderFactory(person=world.rep_c)
    rep = fresh(world.rep_a_user)
    assert list(selectors.order_list(actor=rep)) == [mine]
    north = fresh(world.manager_north_user)
    assert list(selectors.order_list(actor=north)) == [mine]
    assert set(selectors.order_list(actor=world.admin)) == {mine, other}
    assert list(selectors.order_list(actor=None)) == []
    ActivityFactory(person=world.rep_c)
    assert list(selectors.activity_list(actor=rep)) == []


def test_customer_visible_through_ownership(world, fresh) -> None:
    owned = CustomerFactory(owner=world.rep_a)
    CustomerFactory(owner=world.rep_c)
    assert list(selectors.customer_list(actor=fresh(world.rep_a_user))) == [owned]


def test_open_amount(world) -> None:
    order = OrderFactory(person=world.rep_a, amount="300")
    services.collection_record(actor=None, order=order, amount="100", received_on=D(2026, 3, 10))
    assert selectors.order_open_amount(actor=world.admin, order=order) == Decimal("200.00")
