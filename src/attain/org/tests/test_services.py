from __future__ import annotations

import datetime as dt

import pytest

from attain.core.errors import ConflictError, PermissionDeniedError, ValidationError
from attain.core.models import AuditEvent
from attain.org import selectors, services
from attain.org.choices import MembershipRole, UnitKind
from attain.org.models import Membership, Unit

D = dt.date
pytestmark = pytest.mark.django_db


def test_unit_create_sets_path_and_depth(world):
    assert world.company.path == f"/{world.company.pk}/"
    assert world.company.depth == 0
    assert world.team_a.path == f"/{world.company.pk}/{world.north.pk}/{world.team_a.pk}/"
    assert world.team_a.depth == 2
    assert AuditEvent.objects.filter(action="org.unit.create", object_id=str(world.team_a.pk)).exists()


def test_unit_create_refuses_duplicate_code_and_bad_kind(world):
    with pytest.raises(ConflictError) as excinfo:
        services.unit_create(actor=None, code="HQ", name="x", kind=UnitKind.TEAM)
    assert excinfo.value.field == "code"
    with pytest.raises(ValidationError) as excinfo2:
        services.unit_create(actor=None, code="NEW", name="x", kind="galaxy")
    assert excinfo2.value.field == "kind"
    with pytest.raises(ValidationError):
        services.unit_create(actor=None, code="NEW", name="  ", kind=UnitKind.TEAM)


def test_unit_move_updates_whole_subtree(world, django_assert_max_num_queries):
    leaf = services.unit_create(actor=None, code="NA1", name="leaf", kind=UnitKind.OTHER, parent=world.team_a)
    with django_assert_max_num_queries(8):
        services.unit_move(actor=None, unit=world.north, new_parent=world.south)
    leaf.refresh_from_db()
    world.team_a.refresh_from_db()
    assert leaf.path == f"/{world.company.pk}/{world.south.pk}/{world.north.pk}/{world.team_a.pk}/{leaf.pk}/"
    assert leaf.depth == 4
    assert world.team_a.depth == 3
    assert set(selectors.unit_subtree(unit=world.south)) == {
        world.south,
        world.north,
        world.team_a,
        world.team_b,
        leaf,
        world.team_c,
    }


def test_unit_move_to_root_and_cycle_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.unit_move(actor=None, unit=world.north, new_parent=world.team_a)
    assert excinfo.value.code == "cycle"
    with pytest.raises(ValidationError):
        services.unit_move(actor=None, unit=world.north, new_parent=world.north)
    services.unit_move(actor=None, unit=world.north, new_parent=None)
    world.team_b.refresh_from_db()
    assert world.team_b.path == f"/{world.north.pk}/{world.team_b.pk}/"
    assert world.team_b.depth == 1


def test_unit_update(world):
    unit = services.unit_update(actor=None, unit=world.team_a, name="北京A组", is_active=False)
    assert (unit.name, unit.is_active) == ("北京A组", False)
    assert AuditEvent.objects.filter(action="org.unit.update").count() == 1
    services.unit_update(actor=None, unit=world.team_a, name="北京A组")  # no change → no audit
    assert AuditEvent.objects.filter(action="org.unit.update").count() == 1


def test_membership_overlap_member_in_two_units(world):
    with pytest.raises(ConflictError) as excinfo:
        services.membership_add(
            actor=None, person=world.rep_a, unit=world.team_b, role=MembershipRole.MEMBER, valid_from=D(2026, 6, 1)
        )
    assert "NA" in excinfo.value.message
    assert excinfo.value.code == "membership_overlap"


def test_membership_overlap_boundaries(world):
    person = services.person_create(actor=None, employee_no="X1", name="X")
    services.membership_add(
        actor=None,
        person=person,
        unit=world.team_a,
        role=MembershipRole.MEMBER,
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 3, 31),
    )
    # the next day is fine; the same last day clashes (inclusive ranges)
    services.membership_add(
        actor=None, person=person, unit=world.team_b, role=MembershipRole.MEMBER, valid_from=D(2026, 4, 1)
    )
    with pytest.raises(ConflictError):
        services.membership_add(
            actor=None,
            person=person,
            unit=world.team_c,
            role=MembershipRole.MEMBER,
            valid_from=D(2025, 1, 1),
            valid_to=D(2026, 1, 1),
        )


def test_manager_role_may_overlap_membership_but_not_itself(world):
    # a manager can manage two units while being a member of one
    services.membership_add(
        actor=None, person=world.manager_a, unit=world.team_b, role=MembershipRole.MANAGER, valid_from=D(2026, 2, 1)
    )
    with pytest.raises(ConflictError):
        services.membership_add(
            actor=None, person=world.manager_a, unit=world.team_a, role=MembershipRole.MANAGER, valid_from=D(2026, 5, 1)
        )


def test_membership_end_and_reopen_conflict(world):
    membership = Membership.objects.get(person=world.rep_b, role=MembershipRole.MEMBER)
    services.membership_end(actor=None, membership=membership, valid_to=D(2026, 3, 31))
    services.membership_add(
        actor=None, person=world.rep_b, unit=world.team_a, role=MembershipRole.MEMBER, valid_from=D(2026, 4, 1)
    )
    with pytest.raises(ConflictError):
        services.membership_end(actor=None, membership=membership, valid_to=None)
    with pytest.raises(ValidationError):
        services.membership_end(actor=None, membership=membership, valid_to=D(2025, 1, 1))


def test_person_transfer_mid_period(world):
    new = services.person_transfer(actor=None, person=world.rep_a, to_unit=world.team_b, on=D(2026, 5, 16))
    old = Membership.objects.get(person=world.rep_a, unit=world.team_a)
    assert old.valid_to == D(2026, 5, 15)
    assert (new.unit, new.valid_from, new.valid_to) == (world.team_b, D(2026, 5, 16), None)
    assert selectors.person_unit_on(person=world.rep_a, on=D(2026, 5, 15)) == world.team_a
    assert selectors.person_unit_on(person=world.rep_a, on=D(2026, 5, 16)) == world.team_b
    with pytest.raises(ValidationError):
        services.person_transfer(actor=None, person=world.rep_a, to_unit=world.team_b, on=D(2026, 6, 1))
    with pytest.raises(ValidationError):
        services.person_transfer(actor=None, person=world.rep_a, to_unit=world.team_c, on=D(2026, 5, 16))


def test_person_transfer_without_current_membership(world):
    person = services.person_create(actor=None, employee_no="N1", name="新人", hired_on=D(2026, 7, 1))
    membership = services.person_transfer(actor=None, person=person, to_unit=world.team_c, on=D(2026, 7, 1))
    assert membership.valid_from == D(2026, 7, 1)


def test_person_leave_ends_open_memberships(world):
    services.person_leave(actor=None, person=world.manager_a, on=D(2026, 8, 31))
    assert set(Membership.objects.filter(person=world.manager_a).values_list("valid_to", flat=True)) == {D(2026, 8, 31)}
    world.manager_a.refresh_from_db()
    assert world.manager_a.left_on == D(2026, 8, 31)


def test_person_create_and_update(world):
    with pytest.raises(ConflictError):
        services.person_create(actor=None, employee_no="E001", name="dup")
    with pytest.raises(ValidationError):
        services.person_create(actor=None, employee_no="E999", name="x", email="not-an-email")
    person = services.person_update(actor=None, person=world.rep_b, email="li@example.com", hired_on=D(2025, 1, 1))
    assert person.email == "li@example.com"
    with pytest.raises(ValidationError):
        services.person_update(actor=None, person=world.rep_b, left_on=D(2024, 1, 1))
    with pytest.raises(ConflictError):
        services.person_update(actor=None, person=world.rep_b, user=world.rep_a_user)


def test_permissions(world, fresh):
    with pytest.raises(PermissionDeniedError):
        services.unit_create(actor=world.director, code="Z", name="z", kind=UnitKind.TEAM, parent=world.north)
    with pytest.raises(PermissionDeniedError):
        services.unit_create(actor=world.manager_a_user, code="Z", name="z", kind=UnitKind.TEAM, parent=world.team_a)
    unit = services.unit_create(actor=world.hr, code="Z", name="z", kind=UnitKind.TEAM, parent=world.north)
    assert unit.parent == world.north
    hr_south = type(world.hr).objects.create(username="hr_s", role="hr", scope_unit=world.south)
    with pytest.raises(PermissionDeniedError):
        services.unit_create(actor=hr_south, code="Z2", name="z", kind=UnitKind.TEAM, parent=world.north)
    with pytest.raises(PermissionDeniedError):
        services.unit_create(actor=hr_south, code="Z2", name="z", kind=UnitKind.TEAM)
    services.unit_create(actor=hr_south, code="Z2", name="z", kind=UnitKind.TEAM, parent=world.team_c)
    with pytest.raises(PermissionDeniedError):
        services.person_transfer(actor=hr_south, person=world.rep_a, to_unit=world.team_c, on=D(2026, 6, 1))
    with pytest.raises(PermissionDeniedError):
        services.product_line_create(actor=hr_south, code="PL", name="云服务")
    line = services.product_line_create(actor=world.admin, code="PL", name="云服务")
    assert line.code == "PL"
    territory = services.territory_create(actor=world.admin, code="T1", name="华北", unit=world.north)
    assert territory.unit == world.north
    assert Unit.objects.count() == 8
