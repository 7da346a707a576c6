"""Customers and their effective-dated ownership by reps."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from attain.sales.models.base import Fact

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
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="ownerships", db_index=False
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner rep"),
        on_delete=models.PROTECT,
        related_name="customer_ownerships",
        db_index=False,
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
