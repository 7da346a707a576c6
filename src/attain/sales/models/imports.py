"""Records of how facts arrived: import batches, mapping profiles and webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import DEFAULT_SOURCE, FactKind, ImportStatus, WebhookStatus

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
