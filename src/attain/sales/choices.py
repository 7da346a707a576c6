"""Enumerations of the sales domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_SOURCE = "attain"


class FactKind(models.TextChoices):
    """The kinds of sales fact that can be imported, exported, pushed by webhook and bulk-upserted."""

    CUSTOMER = "customer", _("Customers")
    PRODUCT = "product", _("Products")
    DEAL = "deal", _("Deals")
    ORDER = "order", _("Orders")
    ORDER_LINE = "order_line", _("Order lines")
    COLLECTION = "collection", _("Collections")
    REVERSAL = "reversal", _("Cancellations and refunds")
    ACTIVITY = "activity", _("Activities")
    FEEDBACK = "feedback", _("Customer feedback")
    TRAINING = "training", _("Training results")


class OrderStatus(models.TextChoices):
    """Where an order stands in fulfilment (informational; money changes are reversal facts, never a status)."""

    BOOKED = "booked", _("Booked")
    DELIVERED = "delivered", _("Delivered")
    INVOICED = "invoiced", _("Invoiced")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ReversalKind(models.TextChoices):
    """A cancellation takes back an unpaid amount; a refund pays back collected money."""

    CANCELLATION = "cancellation", _("Cancellation")
    REFUND = "refund", _("Refund")


class ActivityKind(models.TextChoices):
    """What kind of customer contact an activity was."""

    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    DEMO = "demo", _("Demo")


class ActivityOutcome(models.TextChoices):
    """How a customer contact went."""

    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
    NO_CONTACT = "no_contact", _("No contact")


class FeedbackKind(models.TextChoices):
    """CSAT is scored 1–5, NPS 0–10."""

    CSAT = "csat", _("CSAT")
    NPS = "nps", _("NPS")


class AliasKind(models.TextChoices):
    """What an alias names: another spelling of a rep, a customer or a product."""

    PERSON = "person", _("Person")
    CUSTOMER = "customer", _("Customer")
    PRODUCT = "product", _("Product")


class ImportStatus(models.TextChoices):
    """The life of one import batch: uploaded → previewed → committed, or failed."""

    PENDING = "pending", _("Pending")
    PREVIEWED = "previewed", _("Previewed")
    RUNNING = "running", _("Running")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")


class WebhookStatus(models.TextChoices):
    """Whether a received CRM push was applied."""

    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
