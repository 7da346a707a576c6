"""The demo company's plan: deterministic, the right shape per size, and a consistent story of the year."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from attain.demo.company import SIZES, company_plan

AS_OF = dt.date(2026, 9, 30)


def test_same_seed_gives_the_same_company() -> None:
    first = company_plan(size="medium", seed=7, as_of=AS_OF)
    second = company_plan(size="medium", seed=7, as_of=AS_OF)
    assert first.people == second.people
    assert first.territories == second.territories


def test_another_seed_gives_other_people() -> None:
    first = company_plan(size="small", seed=1, as_of=AS_OF)
    second = company_plan(size="small", seed=2, as_of=AS_OF)
    assert [p.name.display for p in first.people] != [p.name.display for p in second.people]


def test_medium_has_the_named_regions_and_teams() -> None:
    plan = company_plan(size="medium", seed=1, as_of=AS_OF)
    assert plan.company_name == "星辰科技有限公司"
    assert [region.name for region in plan.regions] == ["华东区", "华北区", "华南区"]
    names = {team.name for team in plan.teams}
    assert {"上海一组", "杭州组", "南京组", "北京一组", "天津组", "广州组", "深圳一组"} <= names
    assert len(plan.teams) == 12


@pytest.mark.parametrize(
    ("size", "regions", "teams", "reps"), [("small", 3, 6, 30), ("medium", 3, 12, 100), ("large", 5, 60, 1000)]
)
def test_sizes(size: str, regions: int, teams: int, reps: int) -> None:
    plan = company_plan(size=size, seed=3, as_of=AS_OF)
    roles = Counter(person.role for person in plan.people)
    assert len(plan.regions) == regions
    assert len(plan.teams) == teams
    assert roles["rep"] == reps
    assert roles["manager"] == regions + teams
    assert roles["director"] == roles["hr"] == roles["finance"] == 1
    assert len({team.code for team in plan.teams}) == teams
    assert len({person.employee_no for person in plan.people}) == len(plan.people)
    assert len({person.name.chinese for person in plan.people}) == len(plan.people)
    assert min(Counter(p.unit_code for p in plan.people if p.role == "rep").values()) >= 3


@pytest.mark.parametrize("size", list(SIZES))
def test_events_are_in_the_past_and_do_not_overlap(size: str) -> None:
    plan = company_plan(size=size, seed=11, as_of=AS_OF)
    reps = [person for person in plan.people if person.role == "rep"]
    movers = [rep for rep in reps if rep.transfer_to]
    leavers = [rep for rep in reps if rep.left_on]
    new_hires = [rep for rep in reps if rep.is_new_hire]
    promoted = [rep for rep in reps if rep.promoted_on]
    assert movers
    assert leavers
    assert len(promoted) == 1
    for rep in reps:
        assert sum(bool(flag) for flag in (rep.transfer_to, rep.left_on, rep.is_new_hire, rep.promoted_on)) <= 1
        for day in (rep.transfer_on, rep.left_on, rep.promoted_on):
            assert day is None or rep.hired_on < day < AS_OF
    for rep in movers:
        assert rep.transfer_to != rep.unit_code
    for rep in new_hires:
        assert AS_OF - dt.timedelta(days=366) < rep.hired_on < AS_OF
    outgoing = [p for p in plan.people if p.replaced_on]
    assert len(outgoing) == 1
    assert outgoing[0].unit_code == promoted[0].unit_code
    assert outgoing[0].replaced_on == promoted[0].promoted_on


def test_names_have_pinyin_logins_and_some_english_names() -> None:
    plan = company_plan(size="large", seed=5, as_of=AS_OF)
    assert all(p.name.login_stem.replace(".", "").isascii() for p in plan.people)
    english = [p for p in plan.people if p.name.english]
    assert 0 < len(english) < len(plan.people) / 5
    assert english[0].name.display.endswith(f"({english[0].name.english})")


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown demo size"):
        company_plan(size="huge", seed=1, as_of=AS_OF)
