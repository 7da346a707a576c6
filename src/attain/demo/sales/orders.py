"""Orders with lines and credit splits, collections, cancellations and refunds, checked by the sales rules."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from attain.core.errors import ValidationError
from attain.demo.sales._common import DEMO_SOURCE, Book, Seller, _model, _teammates, money
from attain.demo.sales.activities import _Engagement
from attain.sales import rules
from attain.sales.choices import OrderStatus, ReversalKind

REFUND_REASONS = ("部分退货", "服务未达标准，协商退款", "重复付款退回")
CANCEL_REASONS = ("客户取消采购", "预算冻结", "下错订单")


class _Orders(_Engagement):
    """Repeat business and won deals become orders; each order is then settled."""

    def make_repeat_orders(self, seller: Seller) -> None:
        for day, count in self.selling_days(seller, 0.1 * seller.skill):
            for _index in range(count):
                book = self.pick_customer(seller, day)
                if book is not None:
                    target = Decimal(round(self.rng.lognormvariate(math.log(15_000), 0.7)))
                    self.make_order(seller, book, day, target_amount=target, deal=None)

    def make_order(self, seller: Seller, book: Book, day: dt.date, *, target_amount: Decimal, deal: Any) -> Any:
        order_model, line_model, credit_model = _model("Order"), _model("OrderLine"), _model("OrderCredit")
        terms = 90 if book.is_key else self.rng.choice((30, 30, 60, 60, 90))
        unit = self.unit_of(seller, day)
        order = order_model(
            source=DEMO_SOURCE,
            external_id=self.external_id(f"SO{day:%Y%m}"),
            booked_on=day,
            customer=book.customer,
            person=seller.person,
            unit=unit,
            deal=deal,
            payment_terms_days=terms,
            due_on=day + dt.timedelta(days=terms),
            status=OrderStatus.BOOKED,
        )
        lines, total, cost_total = [], Decimal(0), Decimal(0)
        remaining = target_amount
        for line_no in range(1, self.rng.choice((1, 1, 2, 2, 3)) + 1):
            product, list_price, unit_cost = self.rng.choice(self.products)
            share = remaining if line_no == 3 else remaining * Decimal(self.rng.choice(("0.5", "0.7", "1")))
            quantity = Decimal(max(1, round(share / list_price)))
            discount = Decimal(self.rng.choice(("1", "0.95", "0.9", "0.85", "0.8")))
            unit_price = (list_price * discount).quantize(Decimal("0.0001"))
            amount = money(quantity * unit_price)
            cost = money(quantity * unit_cost)
            rules_line_check(quantity=quantity, unit_price=unit_price, amount=amount)
            lines.append(
                line_model(
                    order=order,
                    line_no=line_no,
                    product=product,
                    quantity=quantity,
                    unit_price=unit_price,
                    amount=amount,
                    cost=cost,
                )
            )
            total += amount
            cost_total += cost
            remaining = max(Decimal(0), remaining - amount)
            if remaining <= 0:
                break
        order.amount, order.cost = total, cost_total
        self.built.add("Order", order)
        for line in lines:
            self.built.add("OrderLine", line)
        if self.rng.random() < 0.07:
            mates = _teammates(self.sellers, seller.team_on(day), day, exclude=seller)
            if mates:
                mate = self.rng.choice(mates)
                own, other = self.rng.choice(((70, 30), (60, 40), (50, 50), (80, 20)))
                shares = [Decimal(own), Decimal(other)]
                rules_split_check(shares)
                self.built.add(
                    "OrderCredit", credit_model(order=order, person=seller.person, unit=unit, percent=shares[0])
                )
                self.built.add(
                    "OrderCredit",
                    credit_model(order=order, person=mate.person, unit=self.unit_of(mate, day), percent=shares[1]),
                )
        self.settle(order, book, seller)
        if self.rng.random() < 0.25:
            self.make_csat(order, seller, day)
        return order

    def reverse(self, order: Any, kind: str, on: dt.date, amount: Decimal, reason: str) -> None:
        """A cancellation or refund of ``amount`` of ``order`` on ``on``, credited like the order."""
        self.built.add(
            "OrderReversal",
            _model("OrderReversal")(
                source=DEMO_SOURCE,
                external_id=self.external_id("XC-RV"),
                order=order,
                kind=kind,
                reversed_on=on,
                amount=amount,
                person=order.person,
                unit=order.unit,
                reason=reason,
            ),
        )

    def settle(self, order: Any, book: Book, seller: Seller) -> None:
        """Collections (on time, late or in parts), a cancellation now and then, an occasional refund."""
        collection_model = _model("Collection")
        rng = self.rng
        if rng.random() < 0.02:
            cancel_on = order.booked_on + dt.timedelta(days=rng.randint(2, 15))
            if cancel_on <= self.end:
                self.reverse(order, ReversalKind.CANCELLATION, cancel_on, order.amount, rng.choice(CANCEL_REASONS))
                order.status = OrderStatus.CANCELLED
                return
        if book.payer == "punctual":
            plan = [(rng.randint(-15, 3), Decimal(1))]
        elif book.payer == "late":
            plan = [(rng.randint(5, 60), Decimal(1))]
        else:
            first = Decimal(rng.choice(("0.3", "0.5", "0.6")))
            plan = [(rng.randint(0, 30), first), (rng.randint(35, 120), Decimal(1) - first)]
        collected = Decimal(0)
        paid_on = order.booked_on
        for days_after_due, share in plan:
            received_on = max(order.booked_on + dt.timedelta(days=1), order.due_on + dt.timedelta(days=days_after_due))
            if received_on > self.end:
                break
            amount = (
                order.amount - collected
                if share == 1 or collected + money(order.amount * share) > order.amount
                else money(order.amount * share)
            )
            if amount <= 0:
                break
            rules_collection_check(amount=amount, open_amount=order.amount - collected)
            self.built.add(
                "Collection",
                collection_model(
                    source=DEMO_SOURCE,
                    external_id=self.external_id("XC-RC"),
                    order=order,
                    person=order.person,
                    unit=order.unit,
                    received_on=received_on,
                    amount=amount,
                    reference=f"银行转账 {received_on:%Y%m%d}{rng.randrange(10_000):04d}",
                ),
            )
            collected += amount
            paid_on = received_on
        if collected == order.amount:
            order.status = OrderStatus.CLOSED
            refund_on = paid_on + dt.timedelta(days=rng.randint(5, 40))
            if rng.random() < 0.015 and refund_on <= self.end:
                refund = money(order.amount * Decimal(rng.choice(("0.1", "0.2", "0.5"))))
                self.reverse(order, ReversalKind.REFUND, refund_on, refund, rng.choice(REFUND_REASONS))
        elif (self.end - order.booked_on).days > 14:
            order.status = OrderStatus.INVOICED if collected == 0 else OrderStatus.DELIVERED


# --- validation by the sales rules ---------------------------------------------------------------------------


def _refuse(error: str | None) -> None:
    if error is not None:
        raise ValidationError(error, code="demo_invalid_fact")


def rules_split_check(shares: Sequence[Decimal]) -> None:
    """Credit splits sum to exactly 100, each share in (0, 100]."""
    _refuse(rules.split_sum_error(shares))


def rules_line_check(*, quantity: Decimal, unit_price: Decimal, amount: Decimal) -> None:
    """Quantities are not negative; money has two decimals; amount = quantity × unit price."""
    _refuse(rules.not_negative_error(quantity))
    _refuse(rules.money_places_error(amount))
    _refuse(rules.line_amount_error(quantity=quantity, unit_price=unit_price, amount=amount))


def rules_collection_check(*, amount: Decimal, open_amount: Decimal) -> None:
    """A collection is positive, has two decimals and never exceeds the order's open amount."""
    _refuse(rules.positive_error(amount))
    _refuse(rules.money_places_error(amount))
    _refuse(rules.collection_exceeds_error(amount=amount, open_amount=open_amount))
