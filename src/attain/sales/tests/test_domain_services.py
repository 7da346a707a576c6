from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.core.errors import ConflictError, PermissionDeniedError, ValidationError
from attain.core.models import AuditEvent
from attain.sales import services
from attain.sales.choices import AliasKind, FactKind, ReversalKind
from attain.sales.models import Activity, DealStageChange, Order, OrderCredit
from attain.sales.tests.factories import (
    CustomerFactory,
    DealFactory,
    OrderFactory,
    PipelineStageFactory,
    ProductFactory,
)

D = dt.date
pytestmark = pytest.mark.django_db


def test_order_create_sets_unit_due_date_and_first_order(world) -> None:
    customer = CustomerFactory(owner=world.rep_a)
    product = ProductFactory()
    order = services.order_create(
        actor=None,
        external_id="SO-1",
        booked_on=D(2026, 3, 5),
        customer=customer,
        person=world.rep_a,
        lines=[services.LineInput(product=product, quantity="3", unit_price="19.99")],
        payment_terms_days=45,
    )
    assert order.unit_id == world.team_a.pk
    assert order.amount == Decimal("59.97")
    assert order.due_on == D(2026, 4, 19)
    customer.refresh_from_db()
    assert customer.first_order_on == D(2026, 3, 5)
    assert AuditEvent.objects.filter(object_type="sales.order", object_id=str(order.pk)).exists()


def test_order_credits_must_sum_to_100(world) -> None:
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as exc:
        services.order_create(
            actor=None,
            external_id="SO-2",
            booked_on=D(2026, 3, 5),
            customer=customer,
            person=world.rep_a,
            amount="100",
            credits=[
                services.CreditShare(world.rep_a, Decimal("60")),
                services.CreditShare(world.rep_b, Decimal("30")),
            ],
        )
    assert exc.value.field == "credits"
    order = services.order_create(
        actor=None,
        external_id="SO-3",
        booked_on=D(2026, 3, 5),
        customer=customer,
        person=world.rep_a,
        amount="100",
        credits=[services.CreditShare(world.rep_a, Decimal("60")), services.CreditShare(world.rep_b, Decimal("40"))],
    )
    units = dict(OrderCredit.objects.filter(order=order).values_list("person_id", "unit_id"))
    assert units == {world.rep_a.pk: world.team_a.pk, world.rep_b.pk: world.team_b.pk}


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "-1", "unit_price": "10"}, "lines.1.quantity"),
        ({"quantity": "1", "unit_price": "10", "amount": "10.001"}, "lines.1.amount"),
    ],
)
def test_order_line_rules(world, line, field) -> None:
    product = ProductFactory()
    with pytest.raises(ValidationError) as exc:
        services.order_create(
            actor=None,
            external_id="SO-4",
            booked_on=D(2026, 3, 5),
            customer=CustomerFactory(),
            person=world.rep_a,
            lines=[services.LineInput(product=product, **line)],
        )
    assert exc.value.details[0].field == field
    assert not Order.objects.exists()


def test_order_amount_with_three_decimals_is_refused(world) -> None:
    with pytest.raises(ValidationError) as exc:
        OrderFactory(person=world.rep_a, amount="10.005")
    assert exc.value.field == "amount"


def test_duplicate_external_id_conflicts(world) -> None:
    OrderFactory(person=world.rep_a, external_id="SO-X")
    with pytest.raises(ConflictError):
        OrderFactory(person=world.rep_a, external_id="SO-X")


def test_collections_partial_and_never_over_open_amount(world) -> None:
    order = OrderFactory(person=world.rep_a, amount="1000.00")
    services.collection_record(actor=None, order=order, amount="400", received_on=D(2026, 3, 10))
    services.order_reverse(
        actor=None, order=order, kind=ReversalKind.CANCELLATION, amount="100", reversed_on=D(2026, 3, 11)
    )
    assert services.order_totals(order).open_amount == Decimal("500.00")
    with pytest.raises(ValidationError) as exc:
        services.collection_record(actor=None, order=order, amount="500.01", received_on=D(2026, 3, 12))
    assert exc.value.field == "amount"
    services.collection_record(actor=None, order=order, amount="500", received_on=D(2026, 3, 12))
    assert services.order_totals(order).open_amount == 0


def test_refund_limited_to_collected_and_cancellation_to_open(world) -> None:
    order = OrderFactory(person=world.rep_a, amount="1000.00")
    with pytest.raises(ValidationError):
        services.order_reverse(actor=None, order=order, kind=ReversalKind.REFUND, amount="1", reversed_on=D(2026, 3, 5))
    services.collection_record(actor=None, order=order, amount="300", received_on=D(2026, 3, 10))
    with pytest.raises(ValidationError):
        services.order_reverse(
            actor=None, order=order, kind=ReversalKind.CANCELLATION, amount="700.01", reversed_on=D(2026, 3, 11)
        )
    services.order_reverse(actor=None, order=order, kind=ReversalKind.REFUND, amount="300", reversed_on=D(2026, 3, 12))
    order.refresh_from_db()
    assert order.amount == Decimal("1000.00")  # the original is never edited
    totals = services.order_totals(order)
    assert totals.net_amount == Decimal("700.00")
    assert totals.open_amount == Decimal("1000.00")


def test_order_update_is_audited_and_non_financial(world) -> None:
    order = OrderFactory(person=world.rep_a)
    services.order_update(actor=world.admin, order=order, note="called", payment_terms_days=60, reason="typo")
    order.refresh_from_db()
    assert order.note == "called"
    assert order.due_on == order.booked_on + dt.timedelta(days=60)
    event = AuditEvent.objects.filter(action="sales.correct", object_id=str(order.pk)).get()
    assert event.reason == "typo"
    assert event.before["note"] == ""


def test_permissions(world, fresh) -> None:
    order = OrderFactory(person=world.rep_a)
    rep = fresh(world.rep_a_user)
    # a rep records collections for their own orders, and activities for themselves
    services.collection_record(actor=rep, order=order, amount="1", received_on=D(2026, 3, 10))
    activity = services.activity_log(actor=rep, occurred_on=D(2026, 3, 10))
    assert activity.person_id == world.rep_a.pk
    with pytest.raises(PermissionDeniedError):
        services.activity_log(actor=rep, person=world.rep_b, occurred_on=D(2026, 3, 10))
    with pytest.raises(PermissionDeniedError):
        services.order_reverse(actor=rep, order=order, kind="cancellation", amount="1", reversed_on=D(2026, 3, 10))
    # another team's manager may not touch it; the team's manager may
    with pytest.raises(PermissionDeniedError):
        services.collection_record(
            actor=fresh(world.manager_c_user), order=order, amount="1", received_on=D(2026, 3, 10)
        )
    services.collection_record(actor=fresh(world.manager_a_user), order=order, amount="1", received_on=D(2026, 3, 10))
    with pytest.raises(PermissionDeniedError):
        services.product_upsert(actor=fresh(world.manager_a_user), code="X", name="X")


def test_activity_defaults_today_and_me(world, fresh) -> None:
    activity = services.activity_log(actor=fresh(world.rep_a_user))
    assert activity.occurred_on is not None
    assert activity.person_id == world.rep_a.pk
    assert Activity.objects.count() == 1


def test_deal_stage_history(world) -> None:
    qualify = PipelineStageFactory(code="qualify", probability=Decimal("10"))
    won = PipelineStageFactory(code="won", probability=Decimal("100"), is_won=True)
    deal = DealFactory(person=world.rep_a, stage=qualify)
    services.deal_move_stage(actor=None, deal=deal, stage=won, won_lost_reason="price")
    deal.refresh_from_db()
    assert deal.closed_on is not None
    assert deal.won_lost_reason == "price"
    history = list(DealStageChange.objects.filter(deal=deal).values_list("from_stage__code", "to_stage__code"))
    assert history == [(None, "qualify"), ("qualify", "won")]
    with pytest.raises(ValidationError):
        services.deal_move_stage(actor=None, deal=deal, stage=won)


def test_customer_ownership_is_effective_dated(world) -> None:
    customer, status = services.customer_upsert(
        actor=None, external_id="C1", name="ACME", owner=world.rep_a, owned_from=D(2026, 1, 1)
    )
    assert status == "created"
    _, status = services.customer_upsert(
        actor=None, external_id="C1", name="ACME", owner=world.rep_b, owned_from=D(2026, 4, 1)
    )
    assert status == "updated"
    rows = list(customer.ownerships.order_by("valid_from").values_list("person_id", "valid_from", "valid_to"))
    assert rows == [(world.rep_a.pk, D(2026, 1, 1), D(2026, 3, 31)), (world.rep_b.pk, D(2026, 4, 1), None)]
    _, status = services.customer_upsert(
        actor=None, external_id="C1", name="ACME", owner=world.rep_b, owned_from=D(2026, 4, 1)
    )
    assert status == "unchanged"


def test_alias_resolves_in_bulk(world) -> None:
    product = ProductFactory(code="GTX-PRO", name="GTX Pro")
    services.alias_add(actor=None, kind=AliasKind.PRODUCT, text="GTXPro", target_id=product.pk)
    customer = CustomerFactory(external_id="C9")
    rows = [
        {
            "external_id": "SO-A",
            "booked_on": "2026-03-01",
            "customer": "C9",
            "person": world.rep_a.employee_no,
            "lines": [{"product": "gtx pro", "quantity": "2", "unit_price": "5.00"}],
        }
    ]
    result = services.facts_bulk_upsert(actor=None, kind=FactKind.ORDER, rows=rows)
    assert (result.created, result.errors) == (1, [])
    assert Order.objects.get(external_id="SO-A").customer == customer


def test_bulk_upsert_is_idempotent_and_reports_rows(world) -> None:
    CustomerFactory(external_id="C1")
    rows = [
        {"external_id": "SO-1", "booked_on": "2026-03-01", "customer": "C1", "person": "E001", "amount": "100.00"},
        {"external_id": "SO-2", "booked_on": "2026-03-01", "customer": "C1", "person": "NOBODY", "amount": "1"},
        {"external_id": "SO-1", "booked_on": "2026-03-01", "customer": "C1", "person": "E001", "amount": "100.00"},
    ]
    result = services.facts_bulk_upsert(actor=None, kind=FactKind.ORDER, rows=rows)
    assert [r.status for r in result.rows] == ["created", "error", "error"]
    assert result.rows[1].errors[0].field == "person"
    assert result.rows[2].errors[0].message.startswith("Duplicate")
    again = services.facts_bulk_upsert(actor=None, kind=FactKind.ORDER, rows=rows[:1])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = services.facts_bulk_upsert(actor=None, kind=FactKind.ORDER, rows=[{**rows[0], "amount": "200.00"}])
    assert changed.rows[0].status == "error"  # money changes must be reversals


def test_bulk_all_or_nothing(world) -> None:
    CustomerFactory(external_id="C1")
    rows = [
        {"external_id": "SO-1", "booked_on": "2026-03-01", "customer": "C1", "person": "E001", "amount": "100"},
        {"external_id": "SO-2", "booked_on": "2026-03-01", "customer": "C1", "person": "E001", "amount": "-1"},
    ]
    result = services.facts_bulk_upsert(actor=None, kind=FactKind.ORDER, rows=rows, all_or_nothing=True)
    assert result.errors
    assert not Order.objects.exists()


def test_bulk_collection_over_open_amount(world) -> None:
    OrderFactory(person=world.rep_a, external_id="SO-1", amount="100")
    rows = [
        {"external_id": "P1", "order": "SO-1", "received_on": "2026-03-10", "amount": "60"},
        {"external_id": "P2", "order": "SO-1", "received_on": "2026-03-11", "amount": "60"},
    ]
    result = services.facts_bulk_upsert(actor=None, kind=FactKind.COLLECTION, rows=rows)
    assert [r.status for r in result.rows] == ["created", "error"]
    assert result.rows[1].errors[0].field == "amount"
