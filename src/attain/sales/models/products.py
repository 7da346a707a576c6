"""Products and aliases (other spellings of reps, customers and products)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import AliasKind
from attain.sales.models.base import Fact, default_currency


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
