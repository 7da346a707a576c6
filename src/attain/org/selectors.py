"""Reads of the org domain, scoped to what the actor may see, and the data-scope resolver itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.accounts.choices import Role
from attain.core.errors import NotFoundError
from attain.core.scope import DataScope, scope_for
from attain.org.choices import MembershipRole
from attain.org.models import Membership, Person, ProductLine, Territory, Unit

if TYPE_CHECKING:
    from attain.accounts.models import User

UNIT_SCOPED_ROLES = {Role.DIRECTOR, Role.HR, Role.FINANCE}


def active_on_q(on: dt.date, prefix: str = "") -> Q:
    """Memberships (or rows reached through ``prefix``) whose inclusive validity covers ``on``."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def overlapping_q(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    """Memberships whose validity overlaps the inclusive window [start, end]."""
    return Q(**{f"{prefix}valid_from__lte": end}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": start})
    )


def fiscal_year_start(on: dt.date) -> dt.date:
    """First day of the fiscal year containing ``on`` (``settings.ATTAIN_FISCAL_YEAR_START_MONTH``)."""
    month = int(getattr(settings, "ATTAIN_FISCAL_YEAR_START_MONTH", 1))
    year = on.year if on.month >= month else on.year - 1
    return dt.date(year, month, 1)


def _subtree_q(paths: list[str], lookup: str = "path") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


# --- data scope --------------------------------------------------------------------------------------------


def data_scope_resolve(*, actor: Any, on: dt.date | None = None) -> DataScope:
    """The one place data scope is computed (≤ 4 queries).

    admin / superuser: everything. director, HR, finance: everything, or the subtree of ``scope_unit``.
    manager: the subtrees of the units they manage on ``on``. rep: only themselves. Unit-scoped actors also
    see everyone who belonged to those units at any time since the start of the fiscal year, and themselves.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return DataScope.nothing()
    day = on or timezone.localdate()
    role = getattr(actor, "role", None)
    if getattr(actor, "is_superuser", False) or role == Role.ADMIN:
        return DataScope.everything(as_of=day)
    scope_unit_id = getattr(actor, "scope_unit_id", None)
    if role in UNIT_SCOPED_ROLES and scope_unit_id is None:
        return DataScope.everything(as_of=day)
    own_person_id = Person.objects.filter(user_id=actor.pk).values_list("pk", flat=True).first()
    if role == Role.REP:
        if own_person_id is None:
            return DataScope.nothing()
        return DataScope(person_ids=frozenset({own_person_id}), as_of=day)
    if role in UNIT_SCOPED_ROLES:
        assert scope_unit_id is not None
        paths = list(Unit.objects.filter(pk=scope_unit_id).values_list("path", flat=True))
    elif role == Role.MANAGER:
        if own_person_id is None:
            return DataScope.nothing()
        paths = list(
            Unit.objects.filter(
                Exists(
                    Membership.objects.filter(
                        active_on_q(day), unit=OuterRef("pk"), person_id=own_person_id, role=MembershipRole.MANAGER
                    )
                )
            ).values_list("path", flat=True)
        )
    else:
        return DataScope.nothing()
    unit_ids = frozenset(Unit.objects.filter(_subtree_q(paths)).values_list("pk", flat=True)) if paths else frozenset()
    person_ids = set(
        Membership.objects.filter(overlapping_q(fiscal_year_start(day), day), unit_id__in=unit_ids).values_list(
            "person_id", flat=True
        )
        if unit_ids
        else []
    )
    if own_person_id is not None:
        person_ids.add(own_person_id)
    return DataScope(unit_ids=unit_ids, person_ids=frozenset(person_ids), as_of=day)


# --- units -------------------------------------------------------------------------------------------------


def unit_subtree(*, unit: Unit) -> QuerySet[Unit]:
    """``unit`` and every unit under it, at any depth: one indexed prefix query on the materialised path."""
    # Unscoped on purpose: callers pass a unit they already obtained through a scoped selector.
    return Unit.objects.filter(path__startswith=unit.path)


def unit_ancestors(*, unit: Unit) -> QuerySet[Unit]:
    """The units above ``unit`` (root first), read from its path."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part and int(part) != unit.pk]
    return Unit.objects.filter(pk__in=ids).order_by("depth")


def unit_list(*, actor: User | None, include_inactive: bool = True) -> QuerySet[Unit]:
    """The units ``actor`` may see, in tree order, with their parent loaded."""
    qs = Unit.objects.filter(scope_for(actor).unit_q()).select_related("parent").order_by("path")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def unit_get(*, actor: User | None, pk: int) -> Unit:
    """One unit in the actor's scope; NotFoundError otherwise (out of scope and missing look the same)."""
    unit = unit_list(actor=actor).filter(pk=pk).first()
    if unit is None:
        raise NotFoundError(_("Org unit not found."))
    return unit


def unit_get_by_code(*, actor: User | None, code: str) -> Unit:
    """One unit in the actor's scope by its code."""
    unit = unit_list(actor=actor).filter(code=code).first()
    if unit is None:
        raise NotFoundError(_("Org unit not found."))
    return unit


def unit_tree_list(*, actor: User | None, on: dt.date | None = None) -> list[Unit]:
    """Visible units in tree order, each annotated with ``member_count`` and ``manager_count`` on ``on``."""
    day = on or timezone.localdate()
    return list(
        unit_list(actor=actor).annotate(
            member_count=Count(
                "memberships",
                filter=active_on_q(day, "memberships__") & Q(memberships__role=MembershipRole.MEMBER),
                distinct=True,
            ),
            manager_count=Count(
                "memberships",
                filter=active_on_q(day, "memberships__") & Q(memberships__role=MembershipRole.MANAGER),
                distinct=True,
            ),
        )
    )


def unit_members_on(
    *, unit: Unit, on: dt.date, role: str | None = None, include_subtree: bool = False
) -> QuerySet[Person]:
    """Who belonged to ``unit`` (or anywhere under it) on ``on``, optionally only members or managers."""
    memberships = Membership.objects.filter(active_on_q(on), person=OuterRef("pk"))
    memberships = (
        memberships.filter(unit__path__startswith=unit.path) if include_subtree else memberships.filter(unit=unit)
    )
    if role is not None:
        memberships = memberships.filter(role=role)
    return Person.objects.filter(Exists(memberships)).order_by("name", "employee_no")


def unit_managers_on(*, unit: Unit, on: dt.date) -> QuerySet[Person]:
    """Who managed ``unit`` itself on ``on``."""
    return unit_members_on(unit=unit, on=on, role=MembershipRole.MANAGER)


def units_managed_by(*, person: Person, on: dt.date) -> QuerySet[Unit]:
    """The units ``person`` managed on ``on``."""
    return Unit.objects.filter(
        Exists(
            Membership.objects.filter(active_on_q(on), unit=OuterRef("pk"), person=person, role=MembershipRole.MANAGER)
        )
    ).order_by("path")


# --- people ------------------------------------------------------------------------------------------------


def person_unit_on(*, person: Person, on: dt.date) -> Unit | None:
    """The unit ``person`` was a member of on ``on`` (at most one), or None."""
    return (
        Unit.objects.filter(
            Exists(
                Membership.objects.filter(
                    active_on_q(on), unit=OuterRef("pk"), person=person, role=MembershipRole.MEMBER
                )
            )
        )
        .order_by("path")
        .first()
    )


def person_managers_on(*, person: Person, on: dt.date) -> list[Person]:
    """Who managed ``person`` on ``on``: the managers of the nearest unit up the tree that had one (not them).

    The starting point is the person's member unit; someone who only manages units starts from those.
    Two queries whatever the depth.
    """
    rows = list(
        Membership.objects.filter(active_on_q(on), person=person).order_by("role").values_list("role", "unit__path")
    )
    member_paths = [path for role, path in rows if role == MembershipRole.MEMBER]
    start_paths = member_paths or [path for role, path in rows if role == MembershipRole.MANAGER]
    ancestor_ids = {int(part) for path in start_paths for part in path.strip("/").split("/") if part}
    if not ancestor_ids:
        return []
    managers = list(
        Membership.objects.filter(active_on_q(on), unit_id__in=ancestor_ids, role=MembershipRole.MANAGER)
        .exclude(person=person)
        .select_related("person", "unit")
        .order_by("-unit__depth", "person__name", "person__employee_no")
    )
    if not managers:
        return []
    nearest_depth = managers[0].unit.depth
    result: list[Person] = []
    for membership in managers:
        if membership.unit.depth == nearest_depth and membership.person not in result:
            result.append(membership.person)
    return result


def person_list(
    *,
    actor: User | None,
    search: str | None = None,
    unit: Unit | None = None,
    on: dt.date | None = None,
    include_subtree: bool = True,
) -> QuerySet[Person]:
    """People ``actor`` may see; optionally matching ``search`` (name, employee no, email) or in ``unit`` on ``on``."""
    qs = Person.objects.filter(scope_for(actor).person_q()).select_related("user").order_by("employee_no")
    if search:
        term = search.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(employee_no__icontains=term) | Q(email__icontains=term))
    if unit is not None:
        day = on or timezone.localdate()
        qs = qs.filter(pk__in=unit_members_on(unit=unit, on=day, include_subtree=include_subtree).values("pk"))
    return qs


def person_get(*, actor: User | None, pk: int) -> Person:
    """One person in the actor's scope; NotFoundError otherwise."""
    person = person_list(actor=actor).filter(pk=pk).first()
    if person is None:
        raise NotFoundError(_("Person not found."))
    return person


def person_get_placeable(*, actor: User | None, pk: int) -> Person:
    """A person the actor may place in a unit: one in scope, or one with no membership today (a new hire)."""
    visible = person_list(actor=actor).filter(pk=pk)
    today = timezone.localdate()
    unplaced = Person.objects.filter(pk=pk).exclude(
        Exists(Membership.objects.filter(active_on_q(today), person=OuterRef("pk")))
    )
    person = visible.first() or (
        unplaced.first() if actor is not None and getattr(actor, "is_authenticated", False) else None
    )
    if person is None:
        raise NotFoundError(_("Person not found."))
    return person


def person_for_user(*, user: Any) -> Person | None:
    """The Person linked to a login, if any."""
    if user is None or not getattr(user, "pk", None):
        return None
    return Person.objects.filter(user_id=user.pk).first()


def membership_history(
    *, actor: User | None, person: Person | None = None, unit: Unit | None = None
) -> QuerySet[Membership]:
    """Memberships the actor may see (their unit or their person in scope), newest first."""
    scope = scope_for(actor)
    qs = Membership.objects.select_related("person", "unit").order_by("-valid_from", "-pk")
    if not scope.is_all:
        qs = qs.filter(scope.unit_q("unit_id") | scope.person_q("person_id"))
    if person is not None:
        qs = qs.filter(person=person)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs


def territory_list(*, actor: User | None) -> QuerySet[Territory]:
    """Territories owned by a visible unit (all of them for actors who see everything)."""
    scope = scope_for(actor)
    qs = Territory.objects.select_related("unit", "parent").order_by("code")
    return qs if scope.is_all else qs.filter(scope.unit_q("unit_id"))


def product_line_list(*, actor: User | None) -> QuerySet[ProductLine]:
    """Product lines are company-wide reference data: everyone signed in sees them all."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ProductLine.objects.none()
    return ProductLine.objects.order_by("code")


# --- reference look-ups for bulk input ----------------------------------------------------------------------
# Unscoped on purpose: importers and bulk writers resolve what a row *refers to* (a rep by employee number, a
# unit or product line by code) before checking, row by row, that the actor may write facts for it.


def person_reference() -> QuerySet[Person]:
    """Every person, for resolving references in bulk input (scope is checked on what is written)."""
    return Person.objects.all()


def unit_reference() -> QuerySet[Unit]:
    """Every org unit, for resolving unit codes in bulk input."""
    return Unit.objects.all()


def product_line_reference() -> QuerySet[ProductLine]:
    """Every product line, for resolving product-line codes in bulk input."""
    return ProductLine.objects.all()


def member_spans(*, person_ids: Iterable[int] | None = None) -> QuerySet[Membership, tuple[Any, ...]]:
    """(person_id, unit_id, valid_from, valid_to) of member memberships: which unit a rep was in on a date."""
    spans = Membership.objects.filter(role=MembershipRole.MEMBER)
    if person_ids is not None:
        spans = spans.filter(person_id__in=list(person_ids))
    return spans.values_list("person_id", "unit_id", "valid_from", "valid_to")
