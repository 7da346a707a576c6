"""Reads of the sales domain, already scoped to what the actor may see and already prefetched.

A fact is visible when its rep is in the actor's scope or its unit is: one indexed filter,
``scope.person_q("person_id") | scope.unit_q("unit_id")``. Customers are visible through their owners or
region; products and pipeline stages are company-wide reference data for every signed-in user.
Money totals are summed in Python (exact Decimals on SQLite as on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.core.errors import NotFoundError
from attain.core.scope import DataScope, scope_for
from attain.sales import rules
from attain.sales.choices import ReversalKind
from attain.sales.models import (
    Activity,
    Collection,
    Customer,
    CustomerOwnership,
    Deal,
    FeedbackResponse,
    ImportBatch,
    Order,
    OrderReversal,
    PipelineStage,
    Product,
    TrainingResult,
)

if TYPE_CHECKING:
    from attain.accounts.models import User


def _signed_in(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False)


def fact_scope_q(scope: DataScope) -> Q:
    """Facts whose rep or unit is in ``scope`` (nothing for an empty scope)."""
    if scope.is_all:
        return Q()
    return scope.person_q("person_id") | scope.unit_q("unit_id")


def _scoped(qs: QuerySet[Any], actor: Any) -> QuerySet[Any]:
    if not _signed_in(actor):
        return qs.none()
    scope = scope_for(actor)
    return qs if scope.is_all else qs.filter(fact_scope_q(scope))


# --- customers and reference data --------------------------------------------------------------------------


def customer_list(*, actor: User | None) -> QuerySet[Customer]:
    """Customers the actor may see: owned (at any time) by someone in scope, or in a region in scope."""
    qs = Customer.objects.select_related("region").order_by("name", "pk")
    if not _signed_in(actor):
        return qs.none()
    scope = scope_for(actor)
    if scope.is_all:
        return qs
    owned = CustomerOwnership.objects.filter(scope.person_q("person_id"), customer=OuterRef("pk"))
    return qs.filter(Exists(owned) | scope.unit_q("region_id"))


def customer_get(*, actor: User | None, pk: int) -> Customer:
    """One visible customer, else NotFoundError."""
    customer = customer_list(actor=actor).filter(pk=pk).first()
    if customer is None:
        raise NotFoundError(_("Customer not found."))
    return customer


def customer_owner_on(*, customer: Customer, on: dt.date) -> CustomerOwnership | None:
    """Who owned ``customer`` on ``on``."""
    return (
        CustomerOwnership.objects.filter(customer=customer, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("person")
        .first()
    )


def customer_ownership_history(*, customer: Customer) -> QuerySet[CustomerOwnership]:
    return CustomerOwnership.objects.filter(customer=customer).select_related("person").order_by("-valid_from")


def product_list(*, actor: User | None) -> QuerySet[Product]:
    """Products are company-wide reference data: every signed-in user sees them."""
    if not _signed_in(actor):
        return Product.objects.none()
    return Product.objects.select_related("product_line").order_by("code")


def product_get(*, actor: User | None, pk: int) -> Product:
    product = product_list(actor=actor).filter(pk=pk).first()
    if product is None:
        raise NotFoundError(_("Product not found."))
    return product


def pipeline_stage_list(*, actor: User | None) -> QuerySet[PipelineStage]:
    """Pipeline stages in order (reference data for every signed-in user)."""
    if not _signed_in(actor):
        return PipelineStage.objects.none()
    return PipelineStage.objects.order_by("position", "code")


def pipeline_stage_get(*, actor: User | None, pk: int) -> PipelineStage:
    stage = pipeline_stage_list(actor=actor).filter(pk=pk).first()
    if stage is None:
        raise NotFoundError(_("Pipeline stage not found."))
    return stage


# --- facts -------------------------------------------------------------------------------------------------


def order_list(*, actor: User | None) -> QuerySet[Order]:
    """Orders whose rep or booking unit is in scope, newest first, with customer, rep and unit loaded."""
    return _scoped(Order.objects.select_related("customer", "person", "unit"), actor).order_by("-booked_on", "-pk")


def order_get(*, actor: User | None, pk: int) -> Order:
    """One visible order with its lines, credits, collections and reversals prefetched."""
    order = (
        order_list(actor=actor)
        .prefetch_related("lines__product", "credits__person", "collections", "reversals")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFoundError(_("Order not found."))
    return order


def collection_list(*, actor: User | None) -> QuerySet[Collection]:
    return _scoped(Collection.objects.select_related("order", "order__customer", "person"), actor).order_by(
        "-received_on", "-pk"
    )


def collection_get(*, actor: User | None, pk: int) -> Collection:
    collection = collection_list(actor=actor).filter(pk=pk).first()
    if collection is None:
        raise NotFoundError(_("Collection not found."))
    return collection


def reversal_list(*, actor: User | None) -> QuerySet[OrderReversal]:
    return _scoped(OrderReversal.objects.select_related("order", "person"), actor).order_by("-reversed_on", "-pk")


def reversal_get(*, actor: User | None, pk: int) -> OrderReversal:
    reversal = reversal_list(actor=actor).filter(pk=pk).first()
    if reversal is None:
        raise NotFoundError(_("Reversal not found."))
    return reversal


def deal_list(*, actor: User | None) -> QuerySet[Deal]:
    return _scoped(Deal.objects.select_related("customer", "person", "unit", "stage"), actor).order_by(
        "-expected_close_on", "-pk"
    )


def deal_get(*, actor: User | None, pk: int) -> Deal:
    deal = (
        deal_list(actor=actor)
        .prefetch_related("credits__person", "stage_changes__from_stage", "stage_changes__to_stage")
        .filter(pk=pk)
        .first()
    )
    if deal is None:
        raise NotFoundError(_("Deal not found."))
    return deal


def activity_list(*, actor: User | None) -> QuerySet[Activity]:
    return _scoped(Activity.objects.select_related("customer", "person"), actor).order_by("-occurred_on", "-pk")


def activity_get(*, actor: User | None, pk: int) -> Activity:
    activity = activity_list(actor=actor).filter(pk=pk).first()
    if activity is None:
        raise NotFoundError(_("Activity not found."))
    return activity


def feedback_list(*, actor: User | None) -> QuerySet[FeedbackResponse]:
    return _scoped(FeedbackResponse.objects.select_related("customer", "person"), actor).order_by(
        "-responded_on", "-pk"
    )


def feedback_get(*, actor: User | None, pk: int) -> FeedbackResponse:
    response = feedback_list(actor=actor).filter(pk=pk).first()
    if response is None:
        raise NotFoundError(_("Feedback response not found."))
    return response


def training_result_list(*, actor: User | None) -> QuerySet[TrainingResult]:
    return _scoped(TrainingResult.objects.select_related("person"), actor).order_by("-completed_on", "-pk")


def training_result_get(*, actor: User | None, pk: int) -> TrainingResult:
    result = training_result_list(actor=actor).filter(pk=pk).first()
    if result is None:
        raise NotFoundError(_("Training result not found."))
    return result


def import_batch_list(*, actor: User | None) -> QuerySet[ImportBatch]:
    """Import batches: all of them for administrators, otherwise the actor's own."""
    if not _signed_in(actor):
        return ImportBatch.objects.none()
    qs = ImportBatch.objects.select_related("actor").order_by("-created_at", "-pk")
    if scope_for(actor).is_all:
        return qs
    return qs.filter(actor_id=actor.pk if actor is not None else None)


# --- money ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderBalance:
    """An order's money position on a date: net amount, collected, open amount, days overdue and bucket."""

    order_id: int
    amount: Decimal
    cancelled: Decimal
    refunded: Decimal
    collected: Decimal
    due_on: dt.date
    as_of: dt.date

    @property
    def open_amount(self) -> Decimal:
        return rules.open_amount(
            amount=self.amount, collected=self.collected, cancelled=self.cancelled, refunded=self.refunded
        )

    @property
    def days_overdue(self) -> int:
        return rules.days_overdue(due=self.due_on, as_of=self.as_of) if self.open_amount > 0 else 0

    @property
    def bucket(self) -> str:
        return rules.ageing_bucket(self.days_overdue)


def order_balances(*, orders: QuerySet[Order], as_of: dt.date | None = None) -> dict[int, OrderBalance]:
    """Balances of many orders in three queries (orders, collections, reversals up to ``as_of``), set-wise."""
    day = as_of or timezone.localdate()
    rows = list(orders.filter(booked_on__lte=day).values_list("pk", "amount", "due_on"))
    ids = [pk for pk, _amount, _due in rows]
    collected: dict[int, Decimal] = defaultdict(Decimal)
    cancelled: dict[int, Decimal] = defaultdict(Decimal)
    refunded: dict[int, Decimal] = defaultdict(Decimal)
    if ids:
        order_ids = orders.filter(booked_on__lte=day).values("pk")
        for order_id, amount in Collection.objects.filter(order_id__in=order_ids, received_on__lte=day).values_list(
            "order_id", "amount"
        ):
            collected[order_id] += amount
        for order_id, kind, amount in OrderReversal.objects.filter(
            order_id__in=order_ids, reversed_on__lte=day
        ).values_list("order_id", "kind", "amount"):
            (refunded if kind == ReversalKind.REFUND else cancelled)[order_id] += amount
    return {
        pk: OrderBalance(
            order_id=pk,
            amount=amount,
            cancelled=cancelled[pk],
            refunded=refunded[pk],
            collected=collected[pk],
            due_on=due,
            as_of=day,
        )
        for pk, amount, due in rows
    }


def order_open_amount(*, actor: User | None, order: Order, as_of: dt.date | None = None) -> Decimal:
    """The order's open amount on ``as_of`` (amount − cancellations − collections + refunds)."""
    balances = order_balances(orders=order_list(actor=actor).filter(pk=order.pk), as_of=as_of)
    if order.pk not in balances:
        raise NotFoundError(_("Order not found."))
    return balances[order.pk].open_amount


def order_balance(*, actor: User | None, order: Order, as_of: dt.date | None = None) -> OrderBalance | None:
    return order_balances(orders=order_list(actor=actor).filter(pk=order.pk), as_of=as_of).get(order.pk)


@dataclass
class AgeingReport:
    """Receivables on a date by ageing bucket (current, 1–30, 31–60, 61–90, >90 days overdue), per currency."""

    as_of: dt.date
    totals: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(rules.AGEING_BUCKETS, 0))

    def total(self, bucket: str, currency: str) -> Decimal:
        return self.totals.get(currency, {}).get(bucket, Decimal(0))


def receivable_ageing(
    *, actor: User | None, as_of: dt.date | None = None, orders: QuerySet[Order] | None = None
) -> AgeingReport:
    """Open amounts of visible orders on ``as_of`` by days overdue (from ``due_on``), computed set-wise."""
    day = as_of or timezone.localdate()
    base = orders if orders is not None else order_list(actor=actor)
    currencies = dict(base.values_list("pk", "currency"))
    report = AgeingReport(as_of=day)
    for pk, balance in order_balances(orders=base, as_of=day).items():
        open_amount = balance.open_amount
        if open_amount <= 0:
            continue
        bucket = balance.bucket
        per_currency = report.totals.setdefault(currencies[pk], dict.fromkeys(rules.AGEING_BUCKETS, Decimal(0)))
        per_currency[bucket] += open_amount
        report.counts[bucket] += 1
    return report
