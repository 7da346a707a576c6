"""The demo's two years of sales facts: believable shape, valid by the sales rules, deterministic, removable."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db.models import Count, Sum

from attain.demo.sales import CHINESE_NEW_YEAR, season_weight
from attain.demo.services import demo_load, demo_unload
from attain.org.models import Membership
from attain.sales import rules
from attain.sales.choices import OrderStatus, ReversalKind
from attain.sales.models import (
    Activity,
    Collection,
    Customer,
    CustomerOwnership,
    Deal,
    DealStageChange,
    FeedbackResponse,
    Order,
    OrderCredit,
    OrderLine,
    OrderReversal,
    PipelineStage,
    Product,
    TrainingResult,
)

AS_OF = dt.date(2026, 9, 30)
FACT_MODELS = (Customer, Product, Deal, Order, Collection, OrderReversal, Activity, FeedbackResponse, TrainingResult)

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_demo():
    return demo_load(size="small", seed=7, as_of=AS_OF)


def test_every_kind_of_fact_is_there(small_demo) -> None:
    for model in FACT_MODELS:
        assert model.objects.filter(source="demo").exists(), model.__name__
    for model in (CustomerOwnership, DealStageChange, OrderLine, OrderCredit):
        assert model.objects.exists(), model.__name__
    counts = small_demo.counts
    assert counts["orders"] == Order.objects.count()
    assert counts["activities"] == Activity.objects.count()
    assert Customer.objects.filter(is_key_account=True).exists()
    assert set(OrderReversal.objects.values_list("kind", flat=True)) == {ReversalKind.CANCELLATION, ReversalKind.REFUND}
    assert Order.objects.filter(payment_terms_days__in=[30, 60, 90]).count() == Order.objects.count()


def test_facts_span_two_years_up_to_as_of(small_demo) -> None:
    first = Order.objects.order_by("booked_on").first()
    last = Order.objects.order_by("-booked_on").first()
    assert first is not None
    assert last is not None
    assert first.booked_on >= AS_OF - dt.timedelta(days=730)
    assert (AS_OF - first.booked_on).days > 700
    assert last.booked_on <= AS_OF
    assert not Collection.objects.filter(received_on__gt=AS_OF).exists()
    assert not Activity.objects.filter(occurred_on__gt=AS_OF).exists()


def test_seasonality_dips_at_chinese_new_year_and_pushes_in_q4(small_demo) -> None:
    cny = CHINESE_NEW_YEAR[2026]
    assert season_weight(cny) < season_weight(dt.date(2026, 3, 10)) < season_weight(dt.date(2025, 12, 10))

    def per_day(start: dt.date, end: dt.date) -> float:
        return Order.objects.filter(booked_on__range=(start, end)).count() / ((end - start).days + 1)

    cny_window = per_day(cny - dt.timedelta(days=10), cny + dt.timedelta(days=14))
    december = per_day(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    spring = per_day(dt.date(2026, 4, 1), dt.date(2026, 5, 31))
    assert cny_window < spring < december


def test_rep_skill_spreads_sales(small_demo) -> None:
    totals = sorted(
        Order.objects.values("person").annotate(total=Sum("amount")).values_list("total", flat=True), reverse=True
    )
    assert len(totals) >= 20
    assert totals[0] > 2 * totals[len(totals) // 2]


def test_orders_obey_the_sales_rules(small_demo) -> None:
    lines = defaultdict(list)
    for line in OrderLine.objects.all():
        assert rules.not_negative_error(line.quantity) is None
        assert rules.line_amount_error(quantity=line.quantity, unit_price=line.unit_price, amount=line.amount) is None
        lines[line.order_id].append(line.amount)
    credits = defaultdict(list)
    for credit in OrderCredit.objects.all():
        credits[credit.order_id].append(credit.percent)
    assert credits, "some orders have credit splits"
    assert all(rules.split_sum_error(shares) is None for shares in credits.values())
    collected = defaultdict(Decimal)
    for collection in Collection.objects.all():
        collected[collection.order_id] += collection.amount
    cancelled = defaultdict(Decimal)
    for reversal in OrderReversal.objects.filter(kind=ReversalKind.CANCELLATION):
        cancelled[reversal.order_id] += reversal.amount
    refunded = defaultdict(Decimal)
    for reversal in OrderReversal.objects.filter(kind=ReversalKind.REFUND):
        refunded[reversal.order_id] += reversal.amount
    partial = 0
    for order in Order.objects.all():
        assert order.amount == sum(lines[order.id], Decimal(0))
        assert order.due_on == rules.due_on(order.booked_on, order.payment_terms_days)
        assert collected[order.id] + cancelled[order.id] <= order.amount
        assert refunded[order.id] <= collected[order.id]
        if order.status == OrderStatus.CANCELLED:
            assert cancelled[order.id] == order.amount
        partial += 0 < collected[order.id] < order.amount
    late = sum(1 for c in Collection.objects.select_related("order") if c.received_on > c.order.due_on)
    assert partial > 0
    assert late > 0


def test_facts_carry_the_reps_unit_on_the_fact_date(small_demo) -> None:
    memberships = defaultdict(list)
    for membership in Membership.objects.all():
        memberships[membership.person_id].append(membership)

    def unit_on(person_id: int, day: dt.date) -> set[int]:
        return {
            m.unit_id
            for m in memberships[person_id]
            if m.valid_from <= day and (m.valid_to is None or day <= m.valid_to)
        }

    for order in Order.objects.all()[:500]:
        assert order.unit_id in unit_on(order.person_id, order.booked_on)
    for activity in Activity.objects.all()[:500]:
        assert activity.unit_id in unit_on(activity.person_id, activity.occurred_on)


def test_pipelines_convert_stage_by_stage_with_history(small_demo) -> None:
    stages = {stage.pk: stage for stage in PipelineStage.objects.all()}
    won = Deal.objects.filter(stage__is_won=True)
    lost = Deal.objects.filter(stage__is_lost=True)
    assert won.exists()
    assert lost.exists()
    assert Deal.objects.filter(stage__is_won=False, stage__is_lost=False).exists()
    for deal in Deal.objects.prefetch_related("stage_changes")[:300]:
        changes = sorted(deal.stage_changes.all(), key=lambda change: change.changed_at)
        assert changes[0].from_stage_id is None
        for before, after in pairwise(changes):
            assert after.from_stage_id == before.to_stage_id
            assert after.changed_at > before.changed_at
            assert stages[after.to_stage_id].is_closed or (
                stages[after.to_stage_id].position > stages[before.to_stage_id].position
            )
        assert changes[-1].to_stage_id == deal.stage_id
    for deal in won[:50]:
        assert deal.orders.count() == 1
        assert deal.orders.get().amount == deal.amount


def test_customers_have_owners_and_first_order_dates(small_demo) -> None:
    assert not Customer.objects.annotate(owners=Count("ownerships")).filter(owners=0).exists()
    new_customers = Customer.objects.filter(first_order_on__gte=AS_OF - dt.timedelta(days=730))
    assert new_customers.exists()
    assert Customer.objects.filter(first_order_on__lt=AS_OF - dt.timedelta(days=730)).exists()
    for customer in new_customers[:50]:
        assert customer.first_order_on == min(customer.orders.values_list("booked_on", flat=True))


def test_feedback_and_training_are_in_range(small_demo) -> None:
    for response in FeedbackResponse.objects.all():
        assert rules.feedback_score_error(response.kind, response.score) is None
    assert TrainingResult.objects.filter(is_passed=True).exists()
    assert TrainingResult.objects.filter(is_passed=False).exists() or TrainingResult.objects.count() < 30


def test_same_seed_same_facts() -> None:
    first = demo_load(size="small", seed=11, as_of=AS_OF)
    orders = list(Order.objects.order_by("external_id").values_list("external_id", "amount", "booked_on"))
    again = demo_load(size="small", seed=11, as_of=AS_OF, reset=True)
    assert again.counts == first.counts
    assert list(Order.objects.order_by("external_id").values_list("external_id", "amount", "booked_on")) == orders


def test_reset_and_unload_remove_every_demo_fact(small_demo) -> None:
    assert demo_unload() > small_demo.counts["orders"]
    for model in (*FACT_MODELS, OrderLine, OrderCredit, CustomerOwnership, DealStageChange):
        assert not model.objects.exists(), model.__name__
