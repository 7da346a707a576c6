"""Enumerations of the shared kernel."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """Where a background job is; the same values as ``django_tasks.TaskResultStatus``."""

    READY = "READY", _("Queued")
    RUNNING = "RUNNING", _("Running")
    FAILED = "FAILED", _("Failed")
    SUCCESSFUL = "SUCCESSFUL", _("Finished")
