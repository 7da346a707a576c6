"""Enumerations of the org domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    """The level of an organisation unit; the tree allows any depth and any order of kinds."""

    COMPANY = "company", _("Company")
    REGION = "region", _("Region")
    BRANCH = "branch", _("Branch")
    TEAM = "team", _("Team")
    OTHER = "other", _("Other")


class MembershipRole(models.TextChoices):
    """How a person belongs to a unit during a membership."""

    MEMBER = "member", _("Member")
    MANAGER = "manager", _("Manager")
