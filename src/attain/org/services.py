"""Writes of the org domain: units (tree kept right), people, effective-dated memberships, territories, lines.

Every service is keyword-only and atomic. ``actor=None`` is a system action (CLI, demo, migrations); a user
actor needs the ``org.change`` capability and the touched units inside their data scope.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from attain.accounts.selectors import user_can
from attain.core.audit import audit_record, model_snapshot
from attain.core.errors import ConflictError, PermissionDeniedError, ValidationError
from attain.core.scope import scope_for
from attain.org.choices import MembershipRole, UnitKind
from attain.org.io.exporting import org_export
from attain.org.io.importing import OrgImportResult, org_import
from attain.org.models import Membership, Person, ProductLine, Territory, Unit

if TYPE_CHECKING:
    from attain.accounts.models import User

CHANGE_CAPABILITY = "org.change"
UNIT_FIELDS = ["code", "name", "kind", "parent", "path", "depth", "is_active"]
PERSON_FIELDS = ["employee_no", "name", "email", "phone", "user", "hired_on", "left_on"]
MEMBERSHIP_FIELDS = ["person", "unit", "role", "valid_from", "valid_to", "note"]


class Unset(enum.Enum):
    """Marks an optional argument that was not given (so ``None`` can mean "clear it")."""

    UNSET = "unset"


UNSET = Unset.UNSET

__all__ = [
    "UNSET",
    "OrgImportResult",
    "membership_add",
    "membership_end",
    "org_export",
    "org_import",
    "person_create",
    "person_leave",
    "person_transfer",
    "person_update",
    "product_line_create",
    "territory_create",
    "unit_create",
    "unit_move",
    "unit_update",
]


# --- helpers -----------------------------------------------------------------------------------------------


def _audit(
    *, actor: Any, action: str, instance: Any, before: dict[str, Any] | None = None, after: dict[str, Any] | None
) -> None:
    audit_record(actor=actor, action=action, instance=instance, before=before, after=after)


def _snapshot(instance: Any, fields: list[str]) -> dict[str, Any]:
    return model_snapshot(instance, fields=fields)


def _require_change(
    actor: User | None, *, unit_ids: list[int | None] | None = None, global_change: bool = False
) -> None:
    """Refuse unless ``actor`` may change the org, in every unit given (``None`` in the list = a root unit)."""
    if actor is None:
        return
    if not user_can(actor, CHANGE_CAPABILITY):
        raise PermissionDeniedError(_("You may not change the organisation."))
    scope = scope_for(actor)
    if global_change and not scope.is_all:
        raise PermissionDeniedError(_("Only users who see the whole organisation may do this."))
    for unit_id in unit_ids or []:
        if unit_id is None:
            if not scope.is_all:
                raise PermissionDeniedError(_("Only users who see the whole organisation may add top-level units."))
        elif not scope.allows_unit(unit_id):
            raise PermissionDeniedError(_("This org unit is outside your data scope."))


def _require_person_change(actor: User | None, person: Person) -> None:
    if actor is None:
        return
    _require_change(actor)
    if not scope_for(actor).allows_person(person.pk):
        raise PermissionDeniedError(_("This person is outside your data scope."))


def _clean_text(value: str, *, field: str, required: bool = True, max_length: int = 200) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_("This field is required."), field=field)
    if len(text) > max_length:
        message = _("At most %(limit)d characters.") % {"limit": max_length}
        raise ValidationError(message, field=field)
    return text


def _clean_kind(kind: str) -> str:
    if kind not in UnitKind.values:
        message = _("Unknown unit kind “%(kind)s”.") % {"kind": kind}
        raise ValidationError(message, field="kind")
    return kind


def _clean_role(role: str) -> str:
    if role not in MembershipRole.values:
        message = _("Unknown membership role “%(role)s”.") % {"role": role}
        raise ValidationError(message, field="role")
    return role


def _describe_membership(membership: Membership) -> str:
    end = membership.valid_to.isoformat() if membership.valid_to else _("open")
    template = _("%(person)s as %(role)s of %(unit)s from %(start)s to %(end)s (#%(id)s)")
    return template % {
        "person": membership.person.name,
        "role": MembershipRole(membership.role).label,
        "unit": membership.unit.code,
        "start": membership.valid_from.isoformat(),
        "end": end,
        "id": membership.pk,
    }


def overlap_q(valid_from: dt.date, valid_to: dt.date | None) -> Q:
    """Memberships whose inclusive [valid_from, valid_to] range overlaps the given one (NULL end = open)."""
    q = Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    if valid_to is not None:
        q &= Q(valid_from__lte=valid_to)
    return q


def _check_overlaps(
    *,
    person: Person,
    unit: Unit,
    role: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    exclude_pk: int | None = None,
) -> None:
    """A person is a member of one unit a day, and never holds the same role in the same unit twice a day."""
    same_kind = Q(unit=unit, role=role)
    if role == MembershipRole.MEMBER:
        same_kind |= Q(role=MembershipRole.MEMBER)
    clashes = (
        Membership.objects.select_related("person", "unit")
        .filter(same_kind, overlap_q(valid_from, valid_to), person=person)
        .order_by("valid_from")
    )
    if exclude_pk is not None:
        clashes = clashes.exclude(pk=exclude_pk)
    clash = clashes.first()
    if clash is not None:
        message = _("Overlaps the existing membership %(membership)s.") % {"membership": _describe_membership(clash)}
        raise ConflictError(message, field="valid_from", code="membership_overlap")


def _lock_person(person: Person) -> Person:
    """Lock the person's row so concurrent membership changes for them run one after the other."""
    return Person.objects.select_for_update().get(pk=person.pk)


# --- units -------------------------------------------------------------------------------------------------


@transaction.atomic
def unit_create(*, actor: User | None, code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """Add a unit under ``parent`` (or a new root); its path and depth follow from the parent's."""
    _require_change(actor, unit_ids=[parent.pk if parent else None])
    code = _clean_text(code, field="code", max_length=64)
    name = _clean_text(name, field="name")
    kind = _clean_kind(kind)
    if Unit.objects.filter(code=code).exists():
        message = _("An org unit with code “%(code)s” already exists.") % {"code": code}
        raise ConflictError(message, field="code", code="duplicate")
    if parent is not None:
        parent = Unit.objects.get(pk=parent.pk)  # the stored path, not a possibly stale copy
    unit = Unit.objects.create(code=code, name=name, kind=kind, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    _audit(actor=actor, action="org.unit.create", instance=unit, after=_snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: User | None,
    unit: Unit,
    name: str | None = None,
    kind: str | None = None,
    is_active: bool | None = None,
    code: str | None = None,
) -> Unit:
    """Rename, re-kind, (de)activate or re-code a unit; its place in the tree changes only via ``unit_move``."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_change(actor, unit_ids=[unit.pk])
    before = _snapshot(unit, UNIT_FIELDS)
    if name is not None:
        unit.name = _clean_text(name, field="name")
    if kind is not None:
        unit.kind = _clean_kind(kind)
    if is_active is not None:
        unit.is_active = is_active
    if code is not None:
        code = _clean_text(code, field="code", max_length=64)
        if Unit.objects.filter(code=code).exclude(pk=unit.pk).exists():
            message = _("An org unit with code “%(code)s” already exists.") % {"code": code}
            raise ConflictError(message, field="code", code="duplicate")
        unit.code = code
    after = _snapshot(unit, UNIT_FIELDS)
    if after != before:
        unit.save(update_fields=["name", "kind", "is_active", "code"])
        _audit(actor=actor, action="org.unit.update", instance=unit, before=before, after=after)
    return unit


@transaction.atomic
def unit_move(*, actor: User | None, unit: Unit, new_parent: Unit | None) -> Unit:
    """Put ``unit`` (with everything under it) under ``new_parent``; refuses to make a unit its own ancestor.

    The whole subtree's paths and depths change in one set-based UPDATE.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None:
        new_parent = Unit.objects.get(pk=new_parent.pk)
    _require_change(actor, unit_ids=[unit.pk, new_parent.pk if new_parent else None])
    if new_parent is not None and new_parent.path.startswith(unit.path):
        message = _("“%(unit)s” cannot move under “%(parent)s”: that unit is inside it.") % {
            "unit": unit.code,
            "parent": new_parent.code,
        }
        raise ValidationError(message, field="parent", code="cycle")
    if (new_parent.pk if new_parent else None) == unit.parent_id:
        return unit
    before = _snapshot(unit, UNIT_FIELDS)
    old_prefix = unit.path
    new_prefix = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    depth_change = (new_parent.depth + 1 if new_parent else 0) - unit.depth
    Unit.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + depth_change,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    _audit(actor=actor, action="org.unit.move", instance=unit, before=before, after=_snapshot(unit, UNIT_FIELDS))
    return unit


# --- people ------------------------------------------------------------------------------------------------


def _clean_user(user: User | None, *, person_pk: int | None) -> None:
    if user is None:
        return
    others = Person.objects.filter(user=user)
    taken = (others.exclude(pk=person_pk) if person_pk is not None else others).first()
    if taken is not None:
        message = _("This login already belongs to %(person)s.") % {"person": str(taken)}
        raise ConflictError(message, field="user", code="duplicate")


def _clean_email(email: str) -> str:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationError(_("Enter a valid email address."), field="email") from exc
    return email


def _check_dates(hired_on: dt.date | None, left_on: dt.date | None) -> None:
    if hired_on and left_on and left_on < hired_on:
        raise ValidationError(_("The leaving date is before the hiring date."), field="left_on")


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    employee_no: str,
    name: str,
    email: str = "",
    phone: str = "",
    user: User | None = None,
    hired_on: dt.date | None = None,
    left_on: dt.date | None = None,
) -> Person:
    """Add a person (employee number unique); a login may be linked now or later."""
    _require_change(actor)
    employee_no = _clean_text(employee_no, field="employee_no", max_length=64)
    name = _clean_text(name, field="name")
    email = _clean_email(email)
    phone = _clean_text(phone, field="phone", required=False, max_length=32)
    _check_dates(hired_on, left_on)
    if Person.objects.filter(employee_no=employee_no).exists():
        message = _("A person with employee number “%(number)s” already exists.") % {"number": employee_no}
        raise ConflictError(message, field="employee_no", code="duplicate")
    _clean_user(user, person_pk=None)
    person = Person.objects.create(
        employee_no=employee_no, name=name, email=email, phone=phone, user=user, hired_on=hired_on, left_on=left_on
    )
    _audit(actor=actor, action="org.person.create", instance=person, after=_snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def person_update(
    *,
    actor: User | None,
    person: Person,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    user: User | Unset | None = UNSET,
    hired_on: dt.date | Unset | None = UNSET,
    left_on: dt.date | Unset | None = UNSET,
) -> Person:
    """Change a person's details; pass ``user=None`` to unlink the login, ``left_on`` to record leaving."""
    person = _lock_person(person)
    _require_person_change(actor, person)
    before = _snapshot(person, PERSON_FIELDS)
    if name is not None:
        person.name = _clean_text(name, field="name")
    if email is not None:
        person.email = _clean_email(email)
    if phone is not None:
        person.phone = _clean_text(phone, field="phone", required=False, max_length=32)
    if not isinstance(user, Unset):
        _clean_user(user, person_pk=person.pk)
        person.user = user
    if not isinstance(hired_on, Unset):
        person.hired_on = hired_on
    if not isinstance(left_on, Unset):
        person.left_on = left_on
    _check_dates(person.hired_on, person.left_on)
    after = _snapshot(person, PERSON_FIELDS)
    if after != before:
        person.save()
        _audit(actor=actor, action="org.person.update", instance=person, before=before, after=after)
    return person


@transaction.atomic
def person_leave(*, actor: User | None, person: Person, on: dt.date, note: str = "") -> Person:
    """Record that a person leaves on ``on`` (last working day): every membership still open then ends that day."""
    person = _lock_person(person)
    _require_person_change(actor, person)
    if person.hired_on and on < person.hired_on:
        raise ValidationError(_("The leaving date is before the hiring date."), field="left_on")
    later = Membership.objects.filter(person=person, valid_from__gt=on).select_related("person", "unit").first()
    if later is not None:
        message = _("The membership %(membership)s starts after the leaving date.") % {
            "membership": _describe_membership(later)
        }
        raise ConflictError(message, field="left_on", code="membership_after_leaving")
    open_memberships = list(
        Membership.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), person=person, valid_from__lte=on)
    )
    for membership in open_memberships:
        before = _snapshot(membership, MEMBERSHIP_FIELDS)
        membership.valid_to = on
        if note:
            membership.note = note[:200]
        membership.save(update_fields=["valid_to", "note"])
        _audit(
            actor=actor,
            action="org.membership.end",
            instance=membership,
            before=before,
            after=_snapshot(membership, MEMBERSHIP_FIELDS),
        )
    before = _snapshot(person, PERSON_FIELDS)
    person.left_on = on
    person.save(update_fields=["left_on"])
    _audit(
        actor=actor, action="org.person.leave", instance=person, before=before, after=_snapshot(person, PERSON_FIELDS)
    )
    return person


# --- memberships -------------------------------------------------------------------------------------------


@transaction.atomic
def membership_add(
    *,
    actor: User | None,
    person: Person,
    unit: Unit,
    role: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    note: str = "",
) -> Membership:
    """Make ``person`` a member (or manager) of ``unit`` from ``valid_from`` to ``valid_to`` inclusive.

    Refused (ConflictError naming the clash) when the person is already a member of some unit on any of
    those days, or already holds this role in this unit then.
    """
    _require_change(actor, unit_ids=[unit.pk])
    role = _clean_role(role)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError(_("The end date is before the start date."), field="valid_to")
    person = _lock_person(person)
    _check_overlaps(person=person, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to)
    membership = Membership.objects.create(
        person=person,
        unit=unit,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
        note=_clean_text(note, field="note", required=False),
    )
    _audit(
        actor=actor, action="org.membership.add", instance=membership, after=_snapshot(membership, MEMBERSHIP_FIELDS)
    )
    return membership


@transaction.atomic
def membership_end(*, actor: User | None, membership: Membership, valid_to: dt.date | None) -> Membership:
    """Set the last day of a membership (``None`` re-opens it), refusing if that would make it overlap another."""
    membership = Membership.objects.select_related("unit", "person").get(pk=membership.pk)
    _require_change(actor, unit_ids=[membership.unit_id])
    if valid_to is not None and valid_to < membership.valid_from:
        raise ValidationError(_("The end date is before the start date."), field="valid_to")
    _lock_person(membership.person)
    _check_overlaps(
        person=membership.person,
        unit=membership.unit,
        role=membership.role,
        valid_from=membership.valid_from,
        valid_to=valid_to,
        exclude_pk=membership.pk,
    )
    before = _snapshot(membership, MEMBERSHIP_FIELDS)
    membership.valid_to = valid_to
    membership.save(update_fields=["valid_to"])
    _audit(
        actor=actor,
        action="org.membership.end",
        instance=membership,
        before=before,
        after=_snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


@transaction.atomic
def person_transfer(*, actor: User | None, person: Person, to_unit: Unit, on: dt.date, note: str = "") -> Membership:
    """Move a person to ``to_unit`` from ``on``: the member membership covering ``on`` ends the day before.

    The new membership keeps any planned end of the old one. With no current membership, this simply starts
    one on ``on``.
    """
    person = _lock_person(person)
    current = (
        Membership.objects.select_related("unit")
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), person=person, role=MembershipRole.MEMBER)
        .filter(valid_from__lte=on)
        .first()
    )
    _require_change(actor, unit_ids=[to_unit.pk, *([current.unit_id] if current else [])])
    if current is None:
        return membership_add(
            actor=actor, person=person, unit=to_unit, role=MembershipRole.MEMBER, valid_from=on, note=note
        )
    if current.unit_id == to_unit.pk:
        message = _("%(person)s is already a member of %(unit)s on %(date)s.") % {
            "person": person.name,
            "unit": to_unit.code,
            "date": on.isoformat(),
        }
        raise ValidationError(message, field="to_unit", code="same_unit")
    if current.valid_from == on:
        message = _(
            "The current membership in %(unit)s starts on %(date)s; "
            "correct it instead of transferring on its first day."
        ) % {"unit": current.unit.code, "date": on.isoformat()}
        raise ValidationError(message, field="on", code="transfer_on_start")
    planned_end = current.valid_to
    membership_end(actor=actor, membership=current, valid_to=on - dt.timedelta(days=1))
    return membership_add(
        actor=actor,
        person=person,
        unit=to_unit,
        role=MembershipRole.MEMBER,
        valid_from=on,
        valid_to=planned_end,
        note=note,
    )


# --- territories and product lines -------------------------------------------------------------------------


@transaction.atomic
def territory_create(
    *, actor: User | None, code: str, name: str, parent: Territory | None = None, unit: Unit | None = None
) -> Territory:
    """Add a sales territory, optionally nested in another and owned by a unit."""
    _require_change(actor, unit_ids=[unit.pk if unit else None])
    code = _clean_text(code, field="code", max_length=64)
    name = _clean_text(name, field="name")
    if Territory.objects.filter(code=code).exists():
        message = _("A territory with code “%(code)s” already exists.") % {"code": code}
        raise ConflictError(message, field="code", code="duplicate")
    territory = Territory.objects.create(code=code, name=name, parent=parent, unit=unit)
    _audit(
        actor=actor,
        action="org.territory.create",
        instance=territory,
        after=_snapshot(territory, ["code", "name", "parent", "unit", "is_active"]),
    )
    return territory


@transaction.atomic
def product_line_create(*, actor: User | None, code: str, name: str) -> ProductLine:
    """Add a product line (company-wide, so only actors who see the whole organisation may)."""
    _require_change(actor, global_change=True)
    code = _clean_text(code, field="code", max_length=64)
    name = _clean_text(name, field="name")
    if ProductLine.objects.filter(code=code).exists():
        message = _("A product line with code “%(code)s” already exists.") % {"code": code}
        raise ConflictError(message, field="code", code="duplicate")
    line = ProductLine.objects.create(code=code, name=name)
    _audit(
        actor=actor,
        action="org.product_line.create",
        instance=line,
        after=_snapshot(line, ["code", "name", "is_active"]),
    )
    return line
