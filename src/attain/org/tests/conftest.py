from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from attain.accounts.models import User
from attain.org import services
from attain.org.choices import MembershipRole, UnitKind
from attain.org.models import Person, Unit
from attain.org.tests.factories import UserFactory

D = dt.date


@dataclass
class World:
    """company → north (team_a, team_b), south (team_c); people and logins for every role."""

    company: Unit
    north: Unit
    south: Unit
    team_a: Unit
    team_b: Unit
    team_c: Unit
    rep_a: Person
    rep_b: Person
    rep_c: Person
    manager_a: Person
    manager_north: Person
    manager_c: Person
    admin: User
    director: User
    director_south: User
    hr: User
    finance: User
    manager_a_user: User
    manager_north_user: User
    manager_c_user: User
    rep_a_user: User
    nobody_manager: User


@pytest.fixture
def world(db: None) -> World:
    company = services.unit_create(actor=None, code="HQ", name="总部", kind=UnitKind.COMPANY)
    north = services.unit_create(actor=None, code="N", name="华北区", kind=UnitKind.REGION, parent=company)
    south = services.unit_create(actor=None, code="S", name="华南区", kind=UnitKind.REGION, parent=company)
    team_a = services.unit_create(actor=None, code="NA", name="北京一组", kind=UnitKind.TEAM, parent=north)
    team_b = services.unit_create(actor=None, code="NB", name="北京二组", kind=UnitKind.TEAM, parent=north)
    team_c = services.unit_create(actor=None, code="SC", name="广州组", kind=UnitKind.TEAM, parent=south)
    start = D(2026, 1, 1)

    def person(no: str, name: str, user: User | None = None) -> Person:
        return services.person_create(actor=None, employee_no=no, name=name, user=user)

    rep_a_user = UserFactory(username="rep_a", role="rep")
    manager_a_user = UserFactory(username="mgr_a", role="manager")
    manager_north_user = UserFactory(username="mgr_n", role="manager")
    manager_c_user = UserFactory(username="mgr_c", role="manager")
    rep_a = person("E001", "张三", rep_a_user)
    rep_b = person("E002", "李四")
    rep_c = person("E003", "王五")
    manager_a = person("M001", "赵经理", manager_a_user)
    manager_north = person("M002", "钱总监", manager_north_user)
    manager_c = person("M003", "孙经理", manager_c_user)
    for p, unit in ((rep_a, team_a), (rep_b, team_b), (rep_c, team_c), (manager_a, team_a), (manager_c, team_c)):
        services.membership_add(actor=None, person=p, unit=unit, role=MembershipRole.MEMBER, valid_from=start)
    services.membership_add(actor=None, person=manager_north, unit=north, role=MembershipRole.MEMBER, valid_from=start)
    for p, unit in ((manager_a, team_a), (manager_north, north), (manager_c, team_c)):
        services.membership_add(actor=None, person=p, unit=unit, role=MembershipRole.MANAGER, valid_from=start)
    return World(
        company=company,
        north=north,
        south=south,
        team_a=team_a,
        team_b=team_b,
        team_c=team_c,
        rep_a=rep_a,
        rep_b=rep_b,
        rep_c=rep_c,
        manager_a=manager_a,
        manager_north=manager_north,
        manager_c=manager_c,
        admin=UserFactory(username="admin", role="admin"),
        director=UserFactory(username="director", role="director"),
        director_south=UserFactory(username="director_s", role="director", scope_unit=south),
        hr=UserFactory(username="hr", role="hr"),
        finance=UserFactory(username="finance", role="finance"),
        manager_a_user=manager_a_user,
        manager_north_user=manager_north_user,
        manager_c_user=manager_c_user,
        rep_a_user=rep_a_user,
        nobody_manager=UserFactory(username="nobody", role="manager"),
    )


@pytest.fixture
def fresh():
    """Reload a user so their cached data scope is recomputed."""

    def reload(user: User) -> User:
        return User.objects.get(pk=user.pk)

    return reload
