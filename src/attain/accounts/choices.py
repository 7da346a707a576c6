"""Enumerations of the accounts domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in Attain; decides the default data scope and what they may change."""

    ADMIN = "admin", _("Administrator")
    DIRECTOR = "director", _("Sales director")
    MANAGER = "manager", _("Team manager")
    REP = "rep", _("Sales rep")
    HR = "hr", _("HR")
    FINANCE = "finance", _("Finance")
