from __future__ import annotations

import datetime as dt

import pytest

from attain.core.errors import NotFoundError
from attain.core.scope import scope_for
from attain.org import selectors, services
from attain.org.choices import MembershipRole
from attain.org.models import Membership

D = dt.date
pytestmark = pytest.mark.django_db


def test_unit_members_on_boundaries(world):
    membership = Membership.objects.get(person=world.rep_b, role=MembershipRole.MEMBER)
    services.membership_end(actor=None, membership=membership, valid_to=D(2026, 3, 15))
    assert world.rep_b in selectors.unit_members_on(unit=world.team_b, on=D(2026, 3, 15))
    assert world.rep_b not in selectors.unit_members_on(unit=world.team_b, on=D(2026, 3, 16))
    assert world.rep_b not in selectors.unit_members_on(unit=world.team_b, on=D(2025, 12, 31))
    assert set(selectors.unit_members_on(unit=world.north, on=D(2026, 2, 1), include_subtree=True)) == {
        world.rep_a,
        world.rep_b,
        world.manager_a,
        world.manager_north,
    }
    assert list(selectors.unit_members_on(unit=world.team_a, on=D(2026, 2, 1), role=MembershipRole.MANAGER)) == [
        world.manager_a
    ]


def test_unit_members_on_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(selectors.unit_members_on(unit=world.company, on=D(2026, 2, 1), include_subtree=True))
    with django_assert_num_queries(1):
        list(selectors.unit_subtree(unit=world.north))


def test_person_managers_on(world, django_assert_max_num_queries):
    day = D(2026, 2, 1)
    with django_assert_max_num_queries(2):
        assert selectors.person_managers_on(person=world.rep_a, on=day) == [world.manager_a]
    # the team manager's own manager is the region's
    assert selectors.person_managers_on(person=world.manager_a, on=day) == [world.manager_north]
    # team B has no manager: the nearest one up the path is the region's
    assert selectors.person_managers_on(person=world.rep_b, on=day) == [world.manager_north]
    # nobody manages the south region or the company
    assert selectors.person_managers_on(person=world.manager_c, on=day) == []
    assert selectors.person_managers_on(person=world.rep_a, on=D(2025, 6, 1)) == []


def test_person_managers_on_follows_transfer(world):
    services.person_transfer(actor=None, person=world.rep_a, to_unit=world.team_c, on=D(2026, 4, 1))
    assert selectors.person_managers_on(person=world.rep_a, on=D(2026, 3, 31)) == [world.manager_a]
    assert selectors.person_managers_on(person=world.rep_a, on=D(2026, 4, 1)) == [world.manager_c]


def test_units_managed_by(world):
    assert list(selectors.units_managed_by(person=world.manager_north, on=D(2026, 2, 1))) == [world.north]
    assert list(selectors.units_managed_by(person=world.rep_a, on=D(2026, 2, 1))) == []


def test_unit_get_and_person_get_scoped(world):
    assert selectors.unit_get(actor=world.manager_a_user, pk=world.team_a.pk) == world.team_a
    with pytest.raises(NotFoundError):
        selectors.unit_get(actor=world.manager_a_user, pk=world.team_b.pk)
    with pytest.raises(NotFoundError):
        selectors.person_get(actor=world.manager_a_user, pk=world.rep_b.pk)
    assert selectors.person_get(actor=world.manager_a_user, pk=world.rep_a.pk) == world.rep_a
    with pytest.raises(NotFoundError):
        selectors.unit_get(actor=world.admin, pk=999999)


def test_person_list_filters(world):
    assert list(selectors.person_list(actor=world.admin, search="张")) == [world.rep_a]
    assert set(selectors.person_list(actor=world.admin, unit=world.north, on=D(2026, 2, 1))) == {
        world.rep_a,
        world.rep_b,
        world.manager_a,
        world.manager_north,
    }


def test_membership_history_scoped(world):
    history = selectors.membership_history(actor=world.manager_c_user)
    assert {m.unit for m in history} == {world.team_c}
    assert list(selectors.membership_history(actor=world.rep_a_user, person=world.rep_b)) == []


# --- data scope --------------------------------------------------------------------------------------------


def test_scope_admin_and_unscoped_roles(world):
    for user in (world.admin, world.director, world.hr, world.finance):
        assert scope_for(user).is_all


def test_scope_director_with_scope_unit(world):
    scope = scope_for(world.director_south)
    assert scope.unit_ids == {world.south.pk, world.team_c.pk}
    assert scope.person_ids == {world.rep_c.pk, world.manager_c.pk}


def test_scope_manager_of_region_sees_subtree(world):
    scope = scope_for(world.manager_north_user)
    assert scope.unit_ids == {world.north.pk, world.team_a.pk, world.team_b.pk}
    assert scope.person_ids == {world.rep_a.pk, world.rep_b.pk, world.manager_a.pk, world.manager_north.pk}


def test_scope_manager_whose_team_changed(world, fresh):
    membership = Membership.objects.get(person=world.manager_a, role=MembershipRole.MANAGER)
    services.membership_end(actor=None, membership=membership, valid_to=D(2026, 5, 31))
    services.membership_add(
        actor=None, person=world.manager_a, unit=world.team_b, role=MembershipRole.MANAGER, valid_from=D(2026, 6, 1)
    )
    user = fresh(world.manager_a_user)
    assert scope_for(user, on=D(2026, 5, 31)).unit_ids == {world.team_a.pk}
    assert scope_for(user, on=D(2026, 6, 1)).unit_ids == {world.team_b.pk}
    assert world.rep_b.pk in scope_for(user, on=D(2026, 6, 1)).person_ids
    assert world.rep_a.pk not in scope_for(user, on=D(2026, 6, 1)).person_ids


def test_scope_rep_who_moved_mid_year(world, fresh):
    services.person_transfer(actor=None, person=world.rep_b, to_unit=world.team_c, on=D(2026, 7, 1))
    # the new team's manager sees the rep; the old team's region manager still sees them for this fiscal year
    manager_c = fresh(world.manager_c_user)
    assert world.rep_b.pk in scope_for(manager_c, on=D(2026, 7, 1)).person_ids
    assert world.rep_b.pk not in scope_for(manager_c, on=D(2026, 6, 30)).person_ids
    manager_north = fresh(world.manager_north_user)
    assert world.rep_b.pk in scope_for(manager_north, on=D(2026, 9, 1)).person_ids
    assert world.rep_b.pk not in scope_for(manager_north, on=D(2027, 1, 2)).person_ids
    # the rep sees only themselves
    rep = fresh(world.rep_a_user)
    scope = scope_for(rep, on=D(2026, 7, 1))
    assert (scope.is_all, scope.unit_ids, scope.person_ids) == (False, frozenset(), frozenset({world.rep_a.pk}))


def test_scope_fiscal_year_start_month(world, fresh, settings):
    settings.ATTAIN_FISCAL_YEAR_START_MONTH = 4
    assert selectors.fiscal_year_start(D(2026, 3, 31)) == D(2025, 4, 1)
    assert selectors.fiscal_year_start(D(2026, 4, 1)) == D(2026, 4, 1)


def test_scope_without_person_sees_nothing(world):
    scope = scope_for(world.nobody_manager)
    assert not scope.is_all
    assert not scope.unit_ids
    assert not scope.person_ids
    rep_without_person = type(world.admin).objects.create(username="lonely", role="rep")
    assert scope_for(rep_without_person).person_ids == frozenset()


def test_scope_query_budget(world, django_assert_max_num_queries, fresh):
    for user in (world.manager_north_user, world.director_south, world.rep_a_user, world.admin):
        user = fresh(user)
        with django_assert_max_num_queries(4):
            selectors.data_scope_resolve(actor=user, on=D(2026, 3, 1))
