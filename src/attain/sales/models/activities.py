"""Rep activities, customer feedback and training results."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import ActivityKind, ActivityOutcome, FeedbackKind
from attain.sales.models.base import Fact
from attain.sales.models.customers import Customer
from attain.sales.models.deals import Deal

# --- activities, feedback, training ------------------------------------------------------------------------


class Activity(Fact):
    """A visit, call, meeting or demo by a rep, usually with a customer."""

    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices, default=ActivityKind.VISIT)
    occurred_on = models.DateField(_("date"))
    person = models.ForeignKey(
        "org.Person", verbose_name=_("rep"), on_delete=models.PROTECT, related_name="activities", db_index=False
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
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
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
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
            models.Index(fields=["deal"], name="sales_activity_deal", condition=Q(deal__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on.isoformat()}"


class FeedbackResponse(Fact):
    """A customer's CSAT (1–5) or NPS (0–10) score about a rep on a date."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="feedback"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("rep"), on_delete=models.PROTECT, related_name="feedback", db_index=False
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
        db_index=False,
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
        "org.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="training_results",
        db_index=False,
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_results",
        db_index=False,
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
