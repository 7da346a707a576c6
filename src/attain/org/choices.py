"""Enumerations of the org domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    """The level of an organisation unit; the tree allows any depth and any order of kinds."""

    COMPANY = "company", _("公司")
    REGION = "region", _("大区")
    BRANCH = "branch", _("分公司")
    TEAM = "team", _("团队")
    OTHER = "other", _("其他")


class MembershipRole(models.TextChoices):
    """How a person belongs to a unit during a membership."""

    MEMBER = "member", _("成员")
    MANAGER = "manager", _("经理")
