"""What the demo loader created, so ``attain demo --reset`` removes exactly that and nothing else."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoLoad(models.Model):
    """One load of the demo company; at most one exists, so loading twice does nothing the second time."""

    size = models.CharField(_("size"), max_length=16)
    seed = models.BigIntegerField(_("seed"))
    as_of = models.DateField(_("as of"))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("demo load")
        verbose_name_plural = _("demo loads")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.size} #{self.seed} ({self.as_of.isoformat()})"


class DemoObject(models.Model):
    """A row the demo created (any model, by app label and primary key), in creation order."""

    load = models.ForeignKey(DemoLoad, verbose_name=_("demo load"), on_delete=models.CASCADE, related_name="records")
    model = models.CharField(_("model"), max_length=100)  # "app_label.model_name"
    object_id = models.BigIntegerField(_("object id"))

    class Meta:
        verbose_name = _("demo object")
        verbose_name_plural = _("demo objects")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["model", "object_id"], name="demo_object_unique")]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id}"
