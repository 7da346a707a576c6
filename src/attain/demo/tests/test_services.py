"""Loading, re-loading and resetting the demo company through the domain services."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO
from itertools import combinations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from attain.accounts.choices import Role
from attain.accounts.models import User
from attain.core.errors import ConflictError, ValidationError
from attain.core.models import AuditEvent
from attain.core.scope import scope_for
from attain.demo.models import DemoLoad, DemoObject
from attain.demo.services import DEMO_PASSWORD, DEMO_STEPS, demo_load, demo_unload
from attain.org import services as org_services
from attain.org.choices import MembershipRole, UnitKind
from attain.org.models import Membership, Person, ProductLine, Territory, Unit

AS_OF = dt.date(2026, 9, 30)

pytestmark = pytest.mark.django_db


def _overlaps(a: Membership, b: Membership) -> bool:
    a_end = a.valid_to or dt.date.max
    b_end = b.valid_to or dt.date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


@pytest.fixture
def small_demo():
    return demo_load(size="small", seed=42, as_of=AS_OF)


def test_small_demo_structure(small_demo) -> None:
    assert small_demo.created
    company = Unit.objects.get(kind=UnitKind.COMPANY)
    assert company.name == "星辰科技有限公司"
    assert Unit.objects.filter(kind=UnitKind.REGION, parent=company).count() == 3
    teams = Unit.objects.filter(kind=UnitKind.TEAM)
    assert teams.count() == 6
    assert all(team.path.startswith(company.path) and team.depth == 2 for team in teams)
    assert set(ProductLine.objects.values_list("name", flat=True)) == {"企业软件", "云服务", "硬件", "实施服务"}
    assert Territory.objects.filter(parent__isnull=True).count() == 3
    assert Territory.objects.filter(parent__isnull=False).exists()
    counts = small_demo.counts
    assert counts["regions"] == 3
    assert counts["teams"] == 6
    assert counts["reps"] == 30
    assert counts["people"] == Person.objects.count()
    assert counts["memberships"] == Membership.objects.count()


def test_users_per_role(small_demo) -> None:
    roles = Counter(User.objects.values_list("role", flat=True))
    assert roles[Role.ADMIN] == 1
    assert roles[Role.DIRECTOR] == 1
    assert roles[Role.HR] == 1
    assert roles[Role.FINANCE] == 1
    # every manager in post: 3 region managers + 6 team managers (one of them promoted during the year)
    assert roles[Role.MANAGER] == 9
    assert roles[Role.REP] >= 3
    linked = User.objects.exclude(role__in=[Role.ADMIN, Role.HR, Role.FINANCE])
    assert all(Person.objects.filter(user=user).exists() for user in linked)
    assert small_demo.counts["users"] == User.objects.count()


def test_managers_in_post_on_the_demo_date(small_demo) -> None:
    for unit in Unit.objects.all():
        managers = Membership.objects.filter(unit=unit, role=MembershipRole.MANAGER, valid_from__lte=AS_OF).exclude(
            valid_to__lt=AS_OF
        )
        assert managers.count() == 1, unit


def test_memberships_never_overlap(small_demo) -> None:
    memberships: dict[int, list[Membership]] = {}
    for membership in Membership.objects.all():
        memberships.setdefault(membership.person_id, []).append(membership)
    for rows in memberships.values():
        members = [row for row in rows if row.role == MembershipRole.MEMBER]
        for a, b in combinations(members, 2):
            assert not _overlaps(a, b), (a, b)
        for a, b in combinations(rows, 2):
            if a.unit_id == b.unit_id and a.role == b.role:
                assert not _overlaps(a, b), (a, b)


def test_transfers_are_consistent(small_demo) -> None:
    moved = Person.objects.filter(memberships__note="调岗").distinct()
    assert moved.count() == small_demo.counts["transfers"] > 0
    for person in moved:
        old, new = Membership.objects.filter(person=person, role=MembershipRole.MEMBER).order_by("valid_from")
        assert old.unit_id != new.unit_id
        assert old.valid_to == new.valid_from - dt.timedelta(days=1)
        assert new.valid_to is None
        assert new.valid_from < AS_OF


def test_leavers_and_new_hires(small_demo) -> None:
    leavers = Person.objects.filter(left_on__isnull=False)
    assert leavers.count() == small_demo.counts["leavers"] > 0
    for person in leavers:
        assert person.left_on < AS_OF
        assert not Membership.objects.filter(person=person, valid_to__isnull=True).exists()
        assert all(m.valid_to <= person.left_on for m in person.memberships.all())
    new_hires = Person.objects.filter(hired_on__gt=AS_OF - dt.timedelta(days=366))
    assert new_hires.count() == small_demo.counts["new_hires"] > 0
    for person in new_hires:
        assert person.memberships.get().valid_from == person.hired_on


def test_one_team_changed_manager(small_demo) -> None:
    promoted = Membership.objects.get(note="晋升为团队经理")
    previous = Membership.objects.filter(unit=promoted.unit, role=MembershipRole.MANAGER).exclude(pk=promoted.pk).get()
    assert previous.valid_to == promoted.valid_from - dt.timedelta(days=1)
    assert previous.person.left_on == previous.valid_to
    member = Membership.objects.get(person=promoted.person, role=MembershipRole.MEMBER)
    assert member.valid_to == promoted.valid_from - dt.timedelta(days=1)


def test_logins_authenticate_with_the_demo_password(small_demo) -> None:
    kinds = [login.kind for login in small_demo.logins]
    assert kinds == ["admin", "director", "hr", "finance", "region_manager", "team_manager", "rep", "moved_rep"]
    for login in small_demo.logins:
        user = authenticate(None, username=login.username, password=DEMO_PASSWORD)
        assert user is not None, login
        assert user.role == login.role
    assert authenticate(None, username=small_demo.logins[0].username, password="wrong-password") is None


def test_scopes_of_the_showcase_logins(small_demo) -> None:
    by_kind = {login.kind: User.objects.get(username=login.username) for login in small_demo.logins}
    assert scope_for(by_kind["admin"], on=AS_OF).is_all
    assert scope_for(by_kind["director"], on=AS_OF).is_all
    region_scope = scope_for(by_kind["region_manager"], on=AS_OF)
    region = Unit.objects.get(name=small_demo.logins[4].unit)
    assert region_scope.unit_ids == set(Unit.objects.filter(path__startswith=region.path).values_list("pk", flat=True))
    team_scope = scope_for(by_kind["team_manager"], on=AS_OF)
    assert len(team_scope.unit_ids) == 1
    rep = by_kind["rep"]
    assert scope_for(rep, on=AS_OF).person_ids == {rep.person.pk}


def test_loading_twice_does_nothing(small_demo) -> None:
    people, events = Person.objects.count(), AuditEvent.objects.count()
    again = demo_load(size="small", seed=42, as_of=AS_OF)
    assert not again.created
    assert again.counts == small_demo.counts
    assert again.logins == small_demo.logins
    assert Person.objects.count() == people
    assert AuditEvent.objects.count() == events
    assert DemoLoad.objects.count() == 1


def test_reset_replaces_only_the_demo_rows(small_demo) -> None:
    own_unit = org_services.unit_create(actor=None, code="OWN", name="Our own unit", kind=UnitKind.TEAM)
    own_person = org_services.person_create(actor=None, employee_no="OWN-1", name="自己人")
    old_names = set(Person.objects.exclude(pk=own_person.pk).values_list("name", flat=True))

    summary = demo_load(size="small", seed=43, reset=True, as_of=AS_OF)

    assert summary.created
    assert summary.removed > DemoObject.objects.count()  # recorded rows plus the bulk-written demo facts
    assert Unit.objects.filter(pk=own_unit.pk).exists()
    assert Person.objects.filter(pk=own_person.pk).exists()
    new_names = set(Person.objects.exclude(pk=own_person.pk).values_list("name", flat=True))
    assert new_names != old_names
    assert Person.objects.count() == summary.counts["people"] + 1
    assert DemoLoad.objects.get().seed == 43


def test_reset_refuses_when_other_data_uses_the_demo(small_demo) -> None:
    team = Unit.objects.filter(kind=UnitKind.TEAM).first()
    outsider = org_services.person_create(actor=None, employee_no="OWN-2", name="外人")
    org_services.membership_add(
        actor=None, person=outsider, unit=team, role=MembershipRole.MEMBER, valid_from=dt.date(2026, 1, 1)
    )
    people = Person.objects.count()
    with pytest.raises(ConflictError, match="refers to it"):
        demo_load(size="small", seed=42, reset=True, as_of=AS_OF)
    assert Person.objects.count() == people
    assert DemoLoad.objects.get().seed == 42


def test_unload(small_demo) -> None:
    removed = demo_unload()
    assert removed > 0
    assert not Person.objects.exists()
    assert not Unit.objects.exists()
    assert not User.objects.exists()
    assert not DemoLoad.objects.exists()
    assert demo_unload() == 0
    assert AuditEvent.objects.filter(action="demo.unload").count() == 1


def test_failure_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_step(ctx: object) -> None:
        raise ConflictError("boom")

    monkeypatch.setattr("attain.demo.services.DEMO_STEPS", [*DEMO_STEPS, broken_step])
    with pytest.raises(ConflictError):
        demo_load(size="small", seed=1, as_of=AS_OF)
    assert not Unit.objects.exists()
    assert not DemoLoad.objects.exists()


def test_login_name_clash_is_reported() -> None:
    User.objects.create_user(username="demo.admin", password="x")
    with pytest.raises(ConflictError, match=r"demo\.admin"):
        demo_load(size="small", seed=1, as_of=AS_OF)
    assert not Unit.objects.exists()


def test_unknown_size() -> None:
    with pytest.raises(ValidationError):
        demo_load(size="huge")


def test_command_json_then_text() -> None:
    out = StringIO()
    call_command("demo", size="small", seed=5, format="json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["created"] is True
    assert payload["password"] == DEMO_PASSWORD
    assert {login["kind"] for login in payload["logins"]} >= {"admin", "director", "hr", "finance", "rep"}
    assert payload["counts"]["teams"] == 6

    out = StringIO()
    call_command("demo", size="small", seed=5, stdout=out)
    text = out.getvalue()
    assert "--reset" in text
    assert DEMO_PASSWORD in text
    assert payload["logins"][1]["username"] in text
