"""The pipeline: stages, deals, deal credit splits and stage changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attain.sales.models.base import Fact, default_currency
from attain.sales.models.customers import Customer

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
        "org.Person", verbose_name=_("owner rep"), on_delete=models.PROTECT, related_name="deals", db_index=False
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
        db_index=False,
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

    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="credits", db_index=False
    )
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

    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="stage_changes", db_index=False
    )
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
