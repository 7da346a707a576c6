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

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.TEAM)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=1024, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="org_unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Person(models.Model):
    """Someone in the sales organisation; may or may not have a login (``user``)."""

    employee_no = models.CharField(_("employee number"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
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

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
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

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent territory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="territories",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ProductLine(models.Model):
    """A product line: the grouping targets, credit rules and commission rates can be set on."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
