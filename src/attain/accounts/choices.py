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


class Capability(models.TextChoices):
    """Something a role may do; data scope then limits *where* it may do it."""

    ORG_VIEW = "org.view", _("View the organisation")
    ORG_CHANGE = "org.change", _("Change the organisation")
    USERS_MANAGE = "users.manage", _("Manage users")
    JOBS_VIEW_ALL = "jobs.view_all", _("See everyone's background jobs")
    AUDIT_VIEW = "audit.view", _("Read the audit log")
