"""Order writes: booking, corrections, collections (回款) and reversals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from attain.core.errors import ErrorDetail, ValidationError
from attain.sales import rules
from attain.sales.choices import DEFAULT_SOURCE, FactKind, OrderStatus, ReversalKind
from attain.sales.models import (
    Collection,
    Customer,
    Deal,
    Order,
    OrderCredit,
    OrderLine,
    OrderReversal,
    Product,
    default_currency,
)
from attain.sales.services._common import (
    _apply_changes,
    _audit_create,
    _choice,
    _external_key,
    _money,
    _reason,
    _refuse_duplicate,
    _require_fact_write,
    _text,
    _unit_id_on,
)
from attain.sales.services.deals import CreditShare, _check_credits, _save_credits
from attain.sales.services.products import _price

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import Person

ORDER_CORRECTABLE = ["status", "note", "payment_terms_days", "due_on", "deal"]


# --- orders ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One order line as given: product, quantity, unit price, and (optionally) amount and cost."""

    product: Product
    quantity: Decimal | str
    unit_price: Decimal | str
    amount: Decimal | str | None = None
    cost: Decimal | str | None = None


@transaction.atomic
def order_create(
    *,
    actor: User | None,
    external_id: str,
    booked_on: dt.date,
    customer: Customer,
    person: Person,
    amount: Decimal | str | None = None,
    source: str = DEFAULT_SOURCE,
    lines: Sequence[LineInput] = (),
    credits: Sequence[CreditShare] = (),
    cost: Decimal | str | None = None,
    currency: str | None = None,
    payment_terms_days: int = 30,
    status: str = OrderStatus.BOOKED,
    deal: Deal | None = None,
    note: str = "",
) -> Order:
    """Book an order: lines never negative, money ≤ 2 decimals, credits sum to 100, unit = the rep's on booking."""
    source, external_id = _external_key(source, external_id)
    unit_id = _unit_id_on(person, booked_on)
    _require_fact_write(actor, kind=FactKind.ORDER, person_id=person.pk, unit_id=unit_id)
    _refuse_duplicate(Order, source, external_id)
    errors: list[ErrorDetail] = []
    line_rows: list[OrderLine] = []
    for number, line in enumerate(lines, start=1):
        try:
            quantity = _decimal(line.quantity, field="quantity", places=3)
            unit_price = _price(line.unit_price, field="unit_price")
            line_amount = (
                _money(line.amount, field="amount")
                if line.amount not in (None, "")
                else rules_quantize(quantity * unit_price)
            )
            line_cost = None if line.cost in (None, "") else _money(line.cost, field="cost")
        except ValidationError as exc:
            errors.append(ErrorDetail(message=exc.message, field=f"lines.{number}.{exc.field}", row=number))
            continue
        line_rows.append(
            OrderLine(
                line_no=number,
                product=line.product,
                quantity=quantity,
                unit_price=unit_price,
                amount=line_amount,
                cost=line_cost,
            )
        )
    if errors:
        raise ValidationError(_("Some order lines are invalid."), field="lines", details=errors)
    if amount in (None, ""):
        if not line_rows:
            raise ValidationError(_("Give an amount or order lines."), field="amount")
        total = sum((row.amount for row in line_rows), Decimal(0))
    else:
        total = _money(amount, field="amount")
        if line_rows and sum((row.amount for row in line_rows), Decimal(0)) != total:
            raise ValidationError(_("The order amount is not the sum of its lines."), field="amount")
    order_cost = None if cost in (None, "") else _money(cost, field="cost")
    if order_cost is None and line_rows and all(row.cost is not None for row in line_rows):
        order_cost = sum((row.cost or Decimal(0) for row in line_rows), Decimal(0))
    _check_credits(credits)
    if payment_terms_days < 0:
        raise ValidationError(_("Must not be negative."), field="payment_terms_days")
    order = Order.objects.create(
        source=source,
        external_id=external_id,
        booked_on=booked_on,
        customer=customer,
        person=person,
        unit_id=unit_id,
        deal=deal,
        currency=(currency or default_currency()).upper(),
        amount=total,
        cost=order_cost,
        payment_terms_days=payment_terms_days,
        due_on=rules.due_on(booked_on, payment_terms_days),
        status=_choice(status, OrderStatus.values, field="status"),
        note=_text(note, field="note", required=False, max_length=500),
    )
    for row in line_rows:
        row.order = order
    OrderLine.objects.bulk_create(line_rows)
    _save_credits(order, credits, OrderCredit, booked_on)
    if customer.first_order_on is None or customer.first_order_on > booked_on:
        Customer.objects.filter(pk=customer.pk).update(first_order_on=booked_on)
    _audit_create(actor, order)
    return order


def rules_quantize(value: Decimal) -> Decimal:
    """Line amounts computed from quantity × price are rounded half-up to the cent."""
    from attain.core.money import quantize

    return quantize(value, 2)


def _decimal(value: Any, *, field: str, places: int) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Not a number."), field=field) from exc
    problem = rules.not_negative_error(number) or rules.money_places_error(number, places=places)
    if problem:
        raise ValidationError(problem, field=field)
    return number


@transaction.atomic
def order_update(
    *,
    actor: User | None,
    order: Order,
    reason: str = "",
    status: str | None = None,
    note: str | None = None,
    payment_terms_days: int | None = None,
    deal: Deal | None = None,
    require_reason: bool = False,
) -> Order:
    """Correct an order's non-financial fields (audited); amounts change only through reversals. With
    ``require_reason`` (the API's corrections) an empty reason is refused after the permission check."""
    _require_fact_write(actor, kind=FactKind.ORDER, person_id=order.person_id, unit_id=order.unit_id)
    if require_reason:
        reason = _reason(reason)
    order = Order.objects.select_for_update().get(pk=order.pk)
    values: dict[str, Any] = {}
    if status is not None:
        values["status"] = _choice(status, OrderStatus.values, field="status")
    if note is not None:
        values["note"] = _text(note, field="note", required=False, max_length=500)
    if payment_terms_days is not None:
        if payment_terms_days < 0:
            raise ValidationError(_("Must not be negative."), field="payment_terms_days")
        values["payment_terms_days"] = payment_terms_days
        values["due_on"] = rules.due_on(order.booked_on, payment_terms_days)
    if deal is not None:
        values["deal"] = deal
    _apply_changes(actor=actor, instance=order, values=values, reason=reason)
    return order


@dataclass(frozen=True)
class OrderTotals:
    """What happened to an order's money: collected, cancelled, refunded, and what is still open."""

    amount: Decimal
    collected: Decimal
    cancelled: Decimal
    refunded: Decimal

    @property
    def open_amount(self) -> Decimal:
        return rules.open_amount(
            amount=self.amount, collected=self.collected, cancelled=self.cancelled, refunded=self.refunded
        )

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.cancelled - self.refunded


def order_totals(order: Order) -> OrderTotals:
    """Totals of one order, summed in Python (exact Decimals on every database)."""
    collected = sum(Collection.objects.filter(order=order).values_list("amount", flat=True), Decimal(0))
    cancelled = Decimal(0)
    refunded = Decimal(0)
    for kind, value in OrderReversal.objects.filter(order=order).values_list("kind", "amount"):
        if kind == ReversalKind.REFUND:
            refunded += value
        else:
            cancelled += value
    return OrderTotals(amount=order.amount, collected=collected, cancelled=cancelled, refunded=refunded)


@transaction.atomic
def collection_record(
    *,
    actor: User | None,
    order: Order,
    amount: Decimal | str,
    received_on: dt.date,
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
    reference: str = "",
    note: str = "",
) -> Collection:
    """Record money received against an order (partial payments allowed); never more than the open amount."""
    _require_fact_write(actor, kind=FactKind.COLLECTION, person_id=order.person_id, unit_id=order.unit_id)
    source, external_id = _external_key(source, external_id)
    _refuse_duplicate(Collection, source, external_id)
    value = _money(amount, field="amount", positive=True)
    order = Order.objects.select_for_update().get(pk=order.pk)  # serialise payments against the same order
    if received_on < order.booked_on:
        raise ValidationError(_("Money cannot be received before the order was booked."), field="received_on")
    problem = rules.collection_exceeds_error(amount=value, open_amount=order_totals(order).open_amount)
    if problem:
        raise ValidationError(problem, field="amount")
    collection = Collection.objects.create(
        source=source,
        external_id=external_id,
        order=order,
        person_id=order.person_id,
        unit_id=order.unit_id,
        received_on=received_on,
        amount=value,
        currency=order.currency,
        reference=_text(reference, field="reference", required=False, max_length=100),
        note=_text(note, field="note", required=False, max_length=500),
    )
    _audit_create(actor, collection)
    return collection


@transaction.atomic
def order_reverse(
    *,
    actor: User | None,
    order: Order,
    kind: str,
    amount: Decimal | str,
    reversed_on: dt.date,
    reason: str = "",
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
) -> OrderReversal:
    """Cancel (≤ open amount) or refund (≤ collected − refunded) part of an order, referencing it; never edit it."""
    _require_fact_write(actor, kind=FactKind.REVERSAL, person_id=order.person_id, unit_id=order.unit_id)
    source, external_id = _external_key(source, external_id)
    _refuse_duplicate(OrderReversal, source, external_id)
    kind = _choice(kind, ReversalKind.values, field="kind")
    value = _money(amount, field="amount", positive=True)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if reversed_on < order.booked_on:
        raise ValidationError(_("An order cannot be reversed before it was booked."), field="reversed_on")
    totals = order_totals(order)
    if kind == ReversalKind.REFUND:
        problem = rules.refund_exceeds_error(amount=value, collected=totals.collected, refunded=totals.refunded)
    else:
        problem = rules.cancellation_exceeds_error(amount=value, open_amount=totals.open_amount)
    if problem:
        raise ValidationError(problem, field="amount")
    reversal = OrderReversal.objects.create(
        source=source,
        external_id=external_id,
        order=order,
        kind=kind,
        reversed_on=reversed_on,
        amount=value,
        currency=order.currency,
        person_id=order.person_id,
        unit_id=order.unit_id,
        reason=_text(reason, field="reason", required=False, max_length=500),
    )
    _audit_create(actor, reversal)
    return reversal
