"""The abstract fact model every sales fact inherits, and its column defaults."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import DEFAULT_SOURCE


def default_currency() -> str:
    """The installation's currency (``ATTAIN_DEFAULT_CURRENCY``), read when a row is created."""
    return str(getattr(settings, "ATTAIN_DEFAULT_CURRENCY", "CNY"))


def new_external_id() -> str:
    """An external id for facts entered in Attain itself (no outside system gave one)."""
    return uuid.uuid4().hex


class Fact(models.Model):
    """Common columns of every fact: the idempotent upsert key (source + external id) and provenance.

    Indexing rule for fact tables (bulk loads pay for every index, docs/decisions/0004): a foreign key that a
    composite index already leads with — ``(person, date)``, ``(unit, date)``, a unique ``(parent, …)`` — gets
    no index of its own (``db_index=False``); mostly-empty keys (``deal``) get a partial index."""

    source = models.CharField(_("source"), max_length=32, default=DEFAULT_SOURCE)
    external_id = models.CharField(_("external id"), max_length=128, default=new_external_id)
    # The database fills both when a bulk load leaves them out (COPY parses no timestamps per row); the ORM
    # still sets them itself.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())
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
