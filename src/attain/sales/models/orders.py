"""Orders, their lines and credit splits, collections (回款) and reversals."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import OrderStatus, ReversalKind
from attain.sales.models.base import Fact, default_currency
from attain.sales.models.customers import Customer
from attain.sales.models.deals import Deal
from attain.sales.models.products import Product

# --- orders, collections, reversals ------------------------------------------------------------------------


class Order(Fact):
    """A booked order (header); ``external_id`` is the order number. Never edited financially after booking.

    ``unit`` is the owner rep's member unit on ``booked_on``; ``due_on`` = ``booked_on`` + payment terms.
    """

    booked_on = models.DateField(_("booked on"))
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.BOOKED)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta(Fact.Meta):
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-booked_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "booked_on"], name="sales_order_unit_booked"),
            models.Index(fields=["person", "booked_on"], name="sales_order_person_booked"),
            models.Index(fields=["booked_on"], name="sales_order_booked"),
            models.Index(fields=["due_on"], name="sales_order_due"),
            # Few orders come from a deal: a partial index costs nothing for the rest on a bulk load.
            models.Index(fields=["deal"], name="sales_order_deal", condition=Q(deal__isnull=False)),
        ]
        constraints = [
            *Fact.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gte=0), name="sales_order_amount_not_negative"),
            models.CheckConstraint(condition=Q(due_on__gte=F("booked_on")), name="sales_order_due_after_booked"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def order_no(self) -> str:
        return self.external_id

    @property
    def margin(self) -> Decimal | None:
        return None if self.cost is None else self.amount - self.cost


class OrderLine(models.Model):
    """One product line of an order; quantities are never negative (returns are reversals)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sales_orderline_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="sales_orderline_quantity_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"


class OrderCredit(models.Model):
    """A share of an order credited to a person (unit at booking); shares sum to 100, owner 100 % if none."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="order_credits"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("org unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("order credit")
        verbose_name_plural = _("order credits")
        ordering = ["order_id", "-percent", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "person"], name="sales_ordercredit_unique"),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="sales_ordercredit_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.person_id} {self.percent}%"


class Collection(Fact):
    """Money received against an order (回款); partial payments are several rows; person/unit copy the order's."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="collections")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="collections", db_index=False
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collections",
        db_index=False,
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    reference = models.CharField(_("payment reference"), max_length=100, blank=True, default="")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta(Fact.Meta):
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "received_on"], name="sales_collection_unit_recv"),
            models.Index(fields=["person", "received_on"], name="sales_collection_person_recv"),
        ]
        constraints = [
            *Fact.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_collection_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.received_on.isoformat()} {self.currency} {self.amount}"


class OrderReversal(Fact):
    """A cancellation or refund that references the original order (which is never edited).

    A cancellation takes back part of the unpaid amount (≤ open amount); a refund returns collected money
    (≤ collected − refunded). Both reduce the order's net amount.
    """

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="reversals")
    kind = models.CharField(_("kind"), max_length=16, choices=ReversalKind.choices)
    reversed_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner rep"),
        on_delete=models.PROTECT,
        related_name="order_reversals",
        db_index=False,
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_reversals",
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")

    class Meta(Fact.Meta):
        verbose_name = _("cancellation or refund")
        verbose_name_plural = _("cancellations and refunds")
        ordering = ["-reversed_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "reversed_on"], name="sales_reversal_unit_date"),
            models.Index(fields=["person", "reversed_on"], name="sales_reversal_person_date"),
        ]
        constraints = [
            *Fact.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_reversal_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reversed_on.isoformat()} {self.currency} {self.amount}"
