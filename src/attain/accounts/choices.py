"""Enumerations of the accounts domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in Attain; decides the default data scope and what they may change."""

    ADMIN = "admin", _("管理员")
    DIRECTOR = "director", _("销售总监")
    MANAGER = "manager", _("团队经理")
    REP = "rep", _("销售代表")
    HR = "hr", _("人力资源")
    FINANCE = "finance", _("财务")
