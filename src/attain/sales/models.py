"""The sales facts Attain measures, and the records of how they arrived.

Summary for readers (importers, demo and benchmark generators):

- Every fact model (``Customer``, ``Product``, ``Deal``, ``Order``, ``Collection``, ``OrderReversal``,
  ``Activity``, ``FeedbackResponse``, ``TrainingResult``) inherits ``Fact``: ``source`` (default
  ``"attain"``) + ``external_id`` unique together (the idempotent upsert key; a UUID hex when none is
  given), ``created_at``, ``updated_at`` and a nullable ``import_batch``.
- Facts that belong to a rep carry ``person`` (the rep) and ``unit`` (the rep's member unit on the fact
  date, denormalised at write time) so that data scope is one indexed filter:
  ``scope.person_q("person_id") | scope.unit_q("unit_id")``. ``unit`` may be NULL when the rep had no
  membership that day.
- Money is ``DecimalField(14, 2)`` with a ``currency`` (default ``settings.ATTAIN_DEFAULT_CURRENCY``);
  unit prices have 4 decimals; percentages ``DecimalField(5, 2)``. Never float.
- An order is never edited financially: cancellations and refunds are ``OrderReversal`` rows referencing it;
  ``open amount = amount − reversals − collections + refunds`` (a refund pays collected money back).
- Credit splits (``OrderCredit``, ``DealCredit``) sum to 100; with no rows the owner has 100 %.
- Customer ownership is effective-dated (``CustomerOwnership``, inclusive ``valid_from``/``valid_to``).
- ``Alias`` maps another spelling ("GTXPro") to a person, customer or product id, matched on a normalised key.
- ``ImportBatch`` records each import, ``MappingProfile`` saved column mappings, ``WebhookEndpoint`` the
  per-source HMAC secret and ``WebhookDelivery`` each received push (unique per source + delivery id).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import (
    DEFAULT_SOURCE,
    ActivityKind,
    ActivityOutcome,
    AliasKind,
    FactKind,
    FeedbackKind,
    ImportStatus,
    OrderStatus,
    ReversalKind,
    WebhookStatus,
)


def default_currency() -> str:
    """The installation's currency (``ATTAIN_DEFAULT_CURRENCY``), read when a row is created."""
    return str(getattr(settings, "ATTAIN_DEFAULT_CURRENCY", "CNY"))


def new_external_id() -> str:
    """An external id for facts entered in Attain itself (no outside system gave one)."""
    return uuid.uuid4().hex


class Fact(models.Model):
    """Common columns of every fact: the idempotent upsert key (source + external id) and provenance."""

    source = models.CharField(_("source"), max_length=32, default=DEFAULT_SOURCE)
    external_id = models.CharField(_("external id"), max_length=128, default=new_external_id)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    import_batch = models.ForeignKey(
        "sales.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Not indexed: nothing reads facts by batch often enough to pay an index on every bulk load.
        db_index=False,
    )

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="%(app_label)s_%(class)s_external_key"),
        ]


# --- customers and products --------------------------------------------------------------------------------


class Customer(Fact):
    """A customer; who owns it over time is ``CustomerOwnership``; ``first_order_on`` drives "new customers"."""

    name = models.CharField(_("name"), max_length=200)
    segment = models.CharField(_("segment"), max_length=64, blank=True, default="")
    is_key_account = models.BooleanField(_("key account"), default=False)
    region = models.ForeignKey(
        "org.Unit",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    first_order_on = models.DateField(_("first order on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(Fact.Meta):
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="sales_customer_name")]

    def __str__(self) -> str:
        return self.name


class CustomerOwnership(models.Model):
    """A rep owns a customer from ``valid_from`` to ``valid_to`` inclusive (open if empty); one owner a day."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="ownerships"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="customer_ownerships"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer ownership")
        verbose_name_plural = _("customer ownerships")
        ordering = ["customer_id", "valid_from"]
        indexes = [
            models.Index(fields=["customer", "valid_from"], name="sales_custown_customer"),
            models.Index(fields=["person", "valid_from"], name="sales_custown_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="sales_custown_valid_range",
            ),
            models.UniqueConstraint(fields=["customer", "valid_from"], name="sales_custown_unique_start"),
        ]

    def __str__(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.customer_id} → {self.person_id} [{self.valid_from.isoformat()}–{end}]"


class Product(Fact):
    """Something sold: code, product line, list price and standard cost."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product_line = models.ForeignKey(
        "org.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    list_price = models.DecimalField(_("list price"), max_digits=16, decimal_places=4, null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=4, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(Fact.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Alias(models.Model):
    """Another spelling of a person, customer or product ("GTXPro" for "GTX Pro"), optionally per source.

    ``key`` is the normalised text (``attain.sales.rules.alias_key``: case-folded, NFKC, no spaces or
    punctuation); an empty ``source`` applies to every source.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=AliasKind.choices)
    source = models.CharField(_("source"), max_length=32, blank=True, default="")
    text = models.CharField(_("alias"), max_length=200)
    key = models.CharField(_("normalised alias"), max_length=200, editable=False)
    target_id = models.BigIntegerField(_("target id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        ordering = ["kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "source", "key"], name="sales_alias_unique")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text} → {self.target_id}"


# --- pipeline ----------------------------------------------------------------------------------------------


class PipelineStage(models.Model):
    """A configurable pipeline stage with its win probability; won and lost stages close a deal."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.DecimalField(_("win probability (%)"), max_digits=5, decimal_places=2, default=0)
    is_won = models.BooleanField(_("won"), default=False)
    is_lost = models.BooleanField(_("lost"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=~(Q(is_won=True) & Q(is_lost=True)), name="sales_stage_not_won_and_lost"),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=100), name="sales_stage_probability_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class Deal(Fact):
    """An opportunity: amount, expected close, owner rep and credit splits, current stage, won/lost reason."""

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="deals"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("org unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    stage = models.ForeignKey(PipelineStage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    expected_close_on = models.DateField(_("expected close"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    stage_changed_at = models.DateTimeField(_("stage changed at"), null=True, blank=True)
    won_lost_reason = models.CharField(_("won/lost reason"), max_length=500, blank=True, default="")

    class Meta(Fact.Meta):
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-expected_close_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "expected_close_on"], name="sales_deal_unit_close"),
            models.Index(fields=["person", "expected_close_on"], name="sales_deal_person_close"),
        ]
        constraints = [
            *Fact.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gte=0), name="sales_deal_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class DealCredit(models.Model):
    """A share of a deal credited to a person; a deal's shares sum to 100 (owner 100 % when none)."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="deal_credits"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("org unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("deal credit")
        verbose_name_plural = _("deal credits")
        ordering = ["deal_id", "-percent", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "person"], name="sales_dealcredit_unique"),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="sales_dealcredit_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.person_id} {self.percent}%"


class DealStageChange(models.Model):
    """One move of a deal between stages, with its timestamp: the full stage history (append-only)."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        PipelineStage,
        verbose_name=_("from stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_stage = models.ForeignKey(PipelineStage, verbose_name=_("to stage"), on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("deal stage change")
        verbose_name_plural = _("deal stage changes")
        ordering = ["deal_id", "changed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "changed_at", "to_stage"], name="sales_stagechange_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id} @ {self.changed_at.isoformat()}"


# --- orders, collections, reversals ------------------------------------------------------------------------


class Order(Fact):
    """A booked order (header); ``external_id`` is the order number. Never edited financially after booking.

    ``unit`` is the owner rep's member unit on ``booked_on``; ``due_on`` = ``booked_on`` + payment terms.
    """

    booked_on = models.DateField(_("booked on"))
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="orders"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("org unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
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

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
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

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="credits")
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
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="collections"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collections",
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
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="order_reversals"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_reversals",
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


# --- activities, feedback, training ------------------------------------------------------------------------


class Activity(Fact):
    """A visit, call, meeting or demo by a rep, usually with a customer."""

    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices, default=ActivityKind.VISIT)
    occurred_on = models.DateField(_("date"))
    person = models.ForeignKey("org.Person", verbose_name=_("rep"), on_delete=models.PROTECT, related_name="activities")
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ActivityOutcome.choices, blank=True, default="")
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta(Fact.Meta):
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "occurred_on"], name="sales_activity_unit_date"),
            models.Index(fields=["person", "occurred_on"], name="sales_activity_person_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on.isoformat()}"


class FeedbackResponse(Fact):
    """A customer's CSAT (1–5) or NPS (0–10) score about a rep on a date."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="feedback"
    )
    person = models.ForeignKey("org.Person", verbose_name=_("rep"), on_delete=models.PROTECT, related_name="feedback")
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("org unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="feedback"
    )
    responded_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=FeedbackKind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, default="")

    class Meta(Fact.Meta):
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        ordering = ["-responded_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "responded_on"], name="sales_feedback_unit_date"),
            models.Index(fields=["person", "responded_on"], name="sales_feedback_person_date"),
        ]
        constraints = [
            *Fact.Meta.constraints,
            models.CheckConstraint(
                condition=(Q(kind=FeedbackKind.CSAT) & Q(score__gte=1) & Q(score__lte=5))
                | (Q(kind=FeedbackKind.NPS) & Q(score__lte=10)),
                name="sales_feedback_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score} {self.responded_on.isoformat()}"


class TrainingResult(Fact):
    """A person's result in a training course or assessment: score, pass/fail, date."""

    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="training_results"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_results",
    )
    course = models.CharField(_("course"), max_length=200)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    is_passed = models.BooleanField(_("passed"), default=False)
    completed_on = models.DateField(_("completed on"))

    class Meta(Fact.Meta):
        verbose_name = _("training result")
        verbose_name_plural = _("training results")
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "completed_on"], name="sales_training_unit_date"),
            models.Index(fields=["person", "completed_on"], name="sales_training_person_date"),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.completed_on.isoformat()}"


# --- import, mapping, webhooks -----------------------------------------------------------------------------


class ImportBatch(models.Model):
    """One import (file, API bulk call or webhook push): who, when, which file, counts and every error."""

    kind = models.CharField(_("kind"), max_length=16, choices=FactKind.choices)
    source = models.CharField(_("source"), max_length=32, default=DEFAULT_SOURCE)
    filename = models.CharField(_("file name"), max_length=255, blank=True, default="")
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True, default="", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    is_dry_run = models.BooleanField(_("dry run"), default=False)
    mapping_profile = models.CharField(_("mapping profile"), max_length=100, blank=True, default="")
    task_id = models.CharField(_("task id"), max_length=64, blank=True, default="")
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("error list"), default=list, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="sales_importbatch_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.status})"


class MappingProfile(models.Model):
    """A saved column mapping for one fact kind (built-in ones describe real CRM exports)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=FactKind.choices)
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    mapping = models.JSONField(_("mapping"), default=dict)
    is_builtin = models.BooleanField(_("built in"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="sales_mappingprofile_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class WebhookEndpoint(models.Model):
    """A CRM allowed to push facts: its source name and the shared secret its HMAC-SHA256 signatures use."""

    source = models.CharField(_("source"), max_length=32, unique=True)
    secret = models.CharField(_("secret"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["source"]

    def __str__(self) -> str:
        return self.source


class WebhookDelivery(models.Model):
    """One accepted push; unique per source + delivery id (or signature), so a replay is refused."""

    source = models.CharField(_("source"), max_length=32)
    delivery_id = models.CharField(_("delivery id"), max_length=128)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=WebhookStatus.choices, default=WebhookStatus.APPLIED)
    kind = models.CharField(_("kind"), max_length=16, blank=True, default="")
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "delivery_id"], name="sales_webhookdelivery_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.delivery_id}"
