"""The organisation tree, people, effective-dated memberships, territories and product lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from attain.org.choices import MembershipRole, UnitKind


class Unit(models.Model):
    """A node of the organisation tree (company → region → team …, any depth).

    ``path`` is the materialised path of primary keys (``/1/4/17/``): "all units under X" is one indexed
    prefix query (``path__startswith``), never recursion in Python. Services keep it in step with ``parent``.
    """

    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices, default=UnitKind.TEAM)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单元"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=1024, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织单元")
        verbose_name_plural = _("组织单元")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="org_unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Person(models.Model):
    """Someone in the sales organisation; may or may not have a login (``user``)."""

    employee_no = models.CharField(_("工号"), max_length=64, unique=True)
    name = models.CharField(_("姓名"), max_length=200)
    email = models.EmailField(_("邮箱"), blank=True, default="")
    phone = models.CharField(_("电话"), max_length=32, blank=True, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["employee_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(hired_on__isnull=True) | Q(left_on__gte=F("hired_on")),
                name="org_person_left_after_hired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class Membership(models.Model):
    """A person belongs to (or manages) a unit from ``valid_from`` to ``valid_to`` inclusive (open if empty).

    A person is a member of at most one unit on any day, and never holds two overlapping memberships of the
    same role in the same unit; services enforce both, so "who was in team T on a date" has one answer.
    """

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("组织单元"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("身份"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["person_id", "valid_from"]
        indexes = [
            models.Index(fields=["unit", "role", "valid_from"], name="org_membership_unit_role"),
            models.Index(fields=["person", "valid_from"], name="org_membership_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="org_membership_valid_range",
            ),
        ]

    def __str__(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.person} @ {self.unit.code} [{self.valid_from.isoformat()}–{end}]"


class Territory(models.Model):
    """A sales territory (geography or account set), optionally owned by a unit; territories may nest."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("负责单元"), null=True, blank=True, on_delete=models.PROTECT, related_name="territories"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("销售区域")
        verbose_name_plural = _("销售区域")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ProductLine(models.Model):
    """A product line: the grouping targets, credit rules and commission rates can be set on."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("产品线")
        verbose_name_plural = _("产品线")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
