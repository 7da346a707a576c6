"""Fixtures of the accounts tests: users per role and a small org (two regions, one team each)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from attain.accounts.tests.factories import UserFactory


@dataclass
class SmallOrg:
    company: Any
    east: Any
    west: Any
    east_team: Any
    west_team: Any
    east_manager: Any
    east_rep: Any


@pytest.fixture
def small_org(db: Any) -> SmallOrg:
    from attain.org import services as org

    start = dt.date(2020, 1, 1)
    company = org.unit_create(actor=None, code="CO", name="Company", kind="company")
    east = org.unit_create(actor=None, code="EAST", name="East region", kind="region", parent=company)
    west = org.unit_create(actor=None, code="WEST", name="West region", kind="region", parent=company)
    east_team = org.unit_create(actor=None, code="EAST-1", name="East team", kind="team", parent=east)
    west_team = org.unit_create(actor=None, code="WEST-1", name="West team", kind="team", parent=west)
    east_manager = org.person_create(actor=None, employee_no="E001", name="East Manager")
    east_rep = org.person_create(actor=None, employee_no="E002", name="East Rep")
    org.membership_add(actor=None, person=east_manager, unit=east_team, role="manager", valid_from=start)
    org.membership_add(actor=None, person=east_rep, unit=east_team, role="member", valid_from=start)
    return SmallOrg(company, east, west, east_team, west_team, east_manager, east_rep)


@pytest.fixture
def admin_user(db: Any) -> Any:
    return UserFactory(username="boss", admin=True)


@pytest.fixture
def rep_user(db: Any) -> Any:
    return UserFactory(username="rep1", rep=True)
