"""Load and remove the demo company, built only through the domains' own services.

``demo_load`` runs the loader steps in ``DEMO_STEPS`` in order inside one transaction; each step turns part
of the ``CompanyPlan`` (see ``attain.demo.company``) into rows by calling ``attain.org.services`` and
``attain.accounts.services``, and records what it created so ``demo_unload`` removes exactly that. Later
features add their demo data by appending a step (a function taking the ``DemoContext``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attain.accounts import services as account_services
from attain.accounts.choices import Role
from attain.core.audit import audit_record
from attain.core.errors import ConflictError, ValidationError
from attain.demo.company import SIZES, CompanyPlan, PersonPlan, company_plan
from attain.demo.models import DemoLoad, DemoObject
from attain.demo.sales import sales_facts_step, sales_facts_unload
from attain.org import services as org_services
from attain.org.choices import MembershipRole, UnitKind

# Every demo login shares this password. It is printed on purpose: the demo is for trying Attain, never
# for real data.
DEMO_PASSWORD = "attain-demo"  # noqa: S105 - a published demo-only password
DEMO_ADMIN_USERNAME = "demo.admin"

SHOWCASE_LABELS = {
    "admin": gettext_lazy("Administrator"),
    "director": gettext_lazy("Sales director"),
    "hr": gettext_lazy("HR"),
    "finance": gettext_lazy("Finance"),
    "region_manager": gettext_lazy("Region manager"),
    "team_manager": gettext_lazy("Team manager"),
    "rep": gettext_lazy("Sales rep"),
    "moved_rep": gettext_lazy("Sales rep (changed team)"),
}
ROLE_BY_PLAN = {
    "director": Role.DIRECTOR,
    "manager": Role.MANAGER,
    "rep": Role.REP,
    "hr": Role.HR,
    "finance": Role.FINANCE,
}


@dataclass(frozen=True)
class DemoLogin:
    """A login to try the demo with, and who it is."""

    kind: str  # admin, director, hr, finance, region_manager, team_manager, rep, moved_rep
    role: str  # the login's role (attain.accounts.choices.Role)
    username: str
    name: str
    unit: str = ""
    note: str = ""

    @property
    def kind_label(self) -> str:
        return str(SHOWCASE_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class DemoSummary:
    """What ``demo_load`` did: whether it created anything, what, and which logins to try."""

    created: bool
    size: str
    seed: int
    as_of: dt.date
    counts: dict[str, int]
    logins: list[DemoLogin]
    password: str = DEMO_PASSWORD
    removed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["seconds"] = round(self.seconds, 2)
        return data


@dataclass
class DemoContext:
    """What the loader steps share: the plan, the rows made so far (by code), counts and showcase logins."""

    plan: CompanyPlan
    rng: random.Random
    password: str = DEMO_PASSWORD
    units: dict[str, Any] = field(default_factory=dict)  # unit code → Unit
    territories: dict[str, Any] = field(default_factory=dict)  # territory code → Territory
    product_lines: dict[str, Any] = field(default_factory=dict)  # product line code → ProductLine
    people: dict[str, Any] = field(default_factory=dict)  # employee number → Person
    memberships: dict[str, Any] = field(default_factory=dict)  # employee number → their current Membership
    users: dict[str, Any] = field(default_factory=dict)  # employee number (or "admin") → User
    counts: Counter[str] = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)
    created: list[tuple[str, int]] = field(default_factory=list)
    password_hash: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Hashed once: argon2 is slow on purpose, and every demo login shares the password.
        self.password_hash = make_password(self.password)

    def record(self, instance: Model) -> None:
        """Remember a created row so ``demo_unload`` removes it (rows are removed in reverse order)."""
        self.created.append((instance._meta.label_lower, int(instance.pk)))


DemoStep = Callable[[DemoContext], None]


# --- loader steps ------------------------------------------------------------------------------------------


def _step_org_units(ctx: DemoContext) -> None:
    """The company at the top, its regions, and their teams."""
    plan = ctx.plan
    company = org_services.unit_create(
        actor=None, code=plan.company_code, name=plan.company_name, kind=UnitKind.COMPANY
    )
    ctx.units[company.code] = company
    ctx.record(company)
    for region_plan in plan.regions:
        region = org_services.unit_create(
            actor=None, code=region_plan.code, name=region_plan.name, kind=UnitKind.REGION, parent=company
        )
        ctx.units[region.code] = region
        ctx.record(region)
        ctx.counts["regions"] += 1
        for team_plan in region_plan.teams:
            team = org_services.unit_create(
                actor=None, code=team_plan.code, name=team_plan.name, kind=UnitKind.TEAM, parent=region
            )
            ctx.units[team.code] = team
            ctx.record(team)
            ctx.counts["teams"] += 1
    ctx.counts["units"] = len(ctx.units)


def _step_product_lines(ctx: DemoContext) -> None:
    """The product lines the company sells."""
    for code, name in ctx.plan.product_lines:
        line = org_services.product_line_create(actor=None, code=code, name=name)
        ctx.product_lines[code] = line
        ctx.record(line)
    ctx.counts["product_lines"] = len(ctx.product_lines)


def _step_territories(ctx: DemoContext) -> None:
    """A territory per region and per city, owned by the unit that covers it."""
    for territory_plan in ctx.plan.territories:
        territory = org_services.territory_create(
            actor=None,
            code=territory_plan.code,
            name=territory_plan.name,
            parent=ctx.territories[territory_plan.parent_code] if territory_plan.parent_code else None,
            unit=ctx.units[territory_plan.unit_code],
        )
        ctx.territories[territory.code] = territory
        ctx.record(territory)
    ctx.counts["territories"] = len(ctx.territories)


def _step_people(ctx: DemoContext) -> None:
    """Everyone in the sales organisation, with the membership they started in (managers manage their unit)."""
    for person_plan in ctx.plan.people:
        if not person_plan.in_org:
            continue
        person = org_services.person_create(
            actor=None,
            employee_no=person_plan.employee_no,
            name=person_plan.name.display,
            email=person_plan.email,
            phone=person_plan.phone,
            hired_on=person_plan.hired_on,
        )
        ctx.people[person.employee_no] = person
        ctx.record(person)
        role = MembershipRole.MEMBER if person_plan.role == "rep" else MembershipRole.MANAGER
        membership = org_services.membership_add(
            actor=None,
            person=person,
            unit=ctx.units[person_plan.unit_code],
            role=role,
            valid_from=person_plan.hired_on,
            note="新入职" if person_plan.is_new_hire else "",
        )
        ctx.memberships[person.employee_no] = membership
        ctx.record(membership)
        ctx.counts[f"{person_plan.role}s"] += 1
        ctx.counts["new_hires"] += person_plan.is_new_hire
    ctx.counts["people"] = len(ctx.people)


def _step_events(ctx: DemoContext) -> None:
    """The year's changes: reps moving team, people leaving, and one team changing manager."""
    for person_plan in ctx.plan.people:
        person = ctx.people.get(person_plan.employee_no)
        if person is None:
            continue
        if person_plan.transfer_to and person_plan.transfer_on:
            membership = org_services.person_transfer(
                actor=None,
                person=person,
                to_unit=ctx.units[person_plan.transfer_to],
                on=person_plan.transfer_on,
                note="调岗",
            )
            ctx.memberships[person.employee_no] = membership
            ctx.record(membership)
            ctx.counts["transfers"] += 1
        if person_plan.promoted_on:
            org_services.membership_end(
                actor=None,
                membership=ctx.memberships[person.employee_no],
                valid_to=person_plan.promoted_on - dt.timedelta(days=1),
            )
            membership = org_services.membership_add(
                actor=None,
                person=person,
                unit=ctx.units[person_plan.unit_code],
                role=MembershipRole.MANAGER,
                valid_from=person_plan.promoted_on,
                note="晋升为团队经理",
            )
            ctx.memberships[person.employee_no] = membership
            ctx.record(membership)
            ctx.counts["promotions"] += 1
        if person_plan.left_on:
            org_services.person_leave(actor=None, person=person, on=person_plan.left_on, note="离职")
            ctx.counts["leavers"] += 1
    ctx.counts["memberships"] = sum(1 for label, _pk in ctx.created if label == "org.membership")


def _login_role(person_plan: PersonPlan) -> str:
    return Role.MANAGER if person_plan.promoted_on else ROLE_BY_PLAN[person_plan.role]


def _unique_username(stem: str, taken: set[str]) -> str:
    username, number = stem, 1
    while username in taken:
        number += 1
        username = f"{stem}{number}"
    taken.add(username)
    return username


def _user_create(ctx: DemoContext, **kwargs: Any) -> Any:
    try:
        user = account_services.user_create(actor=None, password_hash=ctx.password_hash, **kwargs)
    except ConflictError as exc:
        message = _("The demo cannot create the login “%(username)s”: %(reason)s") % {
            "username": kwargs["username"],
            "reason": exc.message,
        }
        raise ConflictError(message, field="username", code=exc.code) from exc
    ctx.record(user)
    ctx.counts["users"] += 1
    return user


def _step_logins(ctx: DemoContext) -> None:
    """Logins with the shared demo password for the administrator and everyone in post (leavers get none)."""
    taken: set[str] = {DEMO_ADMIN_USERNAME}
    admin = _user_create(ctx, username=DEMO_ADMIN_USERNAME, role=Role.ADMIN, first_name="Admin", last_name="Demo")
    ctx.users["admin"] = admin
    showcase: dict[str, DemoLogin] = {
        "admin": DemoLogin(kind="admin", role=str(Role.ADMIN), username=admin.username, name="Admin Demo"),
    }
    units = {unit.code: unit for unit in ctx.units.values()}
    for person_plan in ctx.plan.people:
        if not person_plan.has_login and person_plan.left_on is not None:
            continue
        role = _login_role(person_plan)
        user = _user_create(
            ctx,
            username=_unique_username(person_plan.name.login_stem, taken),
            role=role,
            email=person_plan.email,
            first_name=person_plan.name.english or person_plan.name.given,
            last_name=person_plan.name.surname_pinyin.title() if person_plan.name.english else person_plan.name.surname,
            person=ctx.people.get(person_plan.employee_no),
        )
        ctx.users[person_plan.employee_no] = user
        unit = units.get(person_plan.transfer_to or person_plan.unit_code)
        unit_name = unit.name if unit is not None and person_plan.in_org else ""
        key = _showcase_key(person_plan, ctx)
        if key and key not in showcase:
            showcase[key] = DemoLogin(
                kind=key,
                role=str(role),
                username=user.username,
                name=person_plan.name.display,
                unit=unit_name,
                note=_showcase_note(key, person_plan),
            )
    order = ["admin", "director", "hr", "finance", "region_manager", "team_manager", "rep", "moved_rep"]
    ctx.logins.extend(showcase[key] for key in order if key in showcase)


def _showcase_key(person_plan: PersonPlan, ctx: DemoContext) -> str:
    if person_plan.role == "manager":
        return "region_manager" if any(person_plan.unit_code == r.code for r in ctx.plan.regions) else "team_manager"
    if person_plan.role == "rep":
        if person_plan.transfer_to:
            return "moved_rep"
        return "" if person_plan.promoted_on else "rep"
    return person_plan.role


def _showcase_note(key: str, person_plan: PersonPlan) -> str:
    if key == "moved_rep" and person_plan.transfer_on:
        return _("changed team on %(date)s") % {"date": person_plan.transfer_on.isoformat()}
    return {
        "director": _("sees the whole company"),
        "hr": _("HR, whole company"),
        "finance": _("finance, whole company"),
        "region_manager": _("sees the region's teams"),
        "team_manager": _("sees one team"),
        "rep": _("sees only themselves"),
    }.get(key, "")


DEMO_STEPS: list[DemoStep] = [
    _step_org_units,
    _step_product_lines,
    _step_territories,
    _step_people,
    _step_events,
    _step_logins,
    sales_facts_step,
]


# --- load and unload ---------------------------------------------------------------------------------------


def _summary_from_load(load: DemoLoad, *, created: bool, removed: int = 0, seconds: float = 0.0) -> DemoSummary:
    stored = load.summary or {}
    return DemoSummary(
        created=created,
        size=load.size,
        seed=load.seed,
        as_of=load.as_of,
        counts=dict(stored.get("counts", {})),
        logins=[DemoLogin(**login) for login in stored.get("logins", [])],
        password=stored.get("password", DEMO_PASSWORD),
        removed=removed,
        seconds=seconds,
    )


def demo_loaded() -> DemoLoad | None:
    """The demo load present in the database, if any."""
    return DemoLoad.objects.first()


@transaction.atomic
def demo_unload() -> int:
    """Remove every row the demo created (newest first) and its records; returns how many rows were removed.

    Rows other data still refers to (say, a membership someone added to a demo team) stop the removal with a
    ConflictError, and nothing is removed. Audit events of the demo stay: the audit log is append-only.
    """
    load = DemoLoad.objects.select_for_update().first()
    if load is None:
        return 0
    records = list(load.records.order_by("-id").values_list("model", "object_id"))
    # Facts written through bulk paths are not recorded one by one: they carry source="demo" and go first.
    removed = sales_facts_unload()
    # Delete model by model in reverse creation order; within a model, newest first and one at a time for
    # self-referencing trees (a child unit or territory is always newer than its parent).
    by_model: dict[str, list[int]] = {}
    for label, object_id in records:
        by_model.setdefault(label, []).append(object_id)
    try:
        for label, object_ids in by_model.items():
            model = apps.get_model(label)
            if any(f.remote_field and f.remote_field.model is model for f in model._meta.concrete_fields):
                for object_id in object_ids:
                    removed += model._default_manager.filter(pk=object_id).delete()[1].get(model._meta.label, 0)
            else:
                removed += model._default_manager.filter(pk__in=object_ids).delete()[1].get(model._meta.label, 0)
    except ProtectedError as exc:
        blockers = ", ".join(sorted({str(obj) for obj in list(exc.protected_objects)[:5]}))
        message = _("The demo data cannot be removed: other data refers to it (%(objects)s).") % {"objects": blockers}
        raise ConflictError(message, code="demo_in_use") from exc
    audit_record(
        actor=None,
        action="demo.unload",
        object_type="demo.demoload",
        object_id=load.pk,
        before={"size": load.size, "seed": load.seed, "rows": len(records)},
    )
    load.delete()
    return removed


@transaction.atomic
def demo_load(
    *, size: str = "medium", seed: int = 2026, reset: bool = False, as_of: dt.date | None = None
) -> DemoSummary:
    """Load the demo company once: again without ``reset`` does nothing; with it, the old demo is replaced.

    Everything is created through the domain services (``actor=None``, a system action) in one transaction,
    so a failure leaves the database as it was.
    """
    if size not in SIZES:
        message = _("Unknown demo size “%(size)s”; choose one of: %(sizes)s.") % {
            "size": size,
            "sizes": ", ".join(SIZES),
        }
        raise ValidationError(message, field="size")
    started = time.perf_counter()
    existing = DemoLoad.objects.select_for_update().first()
    if existing is not None and not reset:
        return _summary_from_load(existing, created=False)
    removed = demo_unload() if existing is not None else 0

    as_of = as_of or timezone.localdate()
    plan = company_plan(size=size, seed=seed, as_of=as_of)
    ctx = DemoContext(plan=plan, rng=random.Random(f"attain-demo-steps:{size}:{seed}"))
    for step in DEMO_STEPS:
        step(ctx)

    counts = dict(sorted(ctx.counts.items()))
    load = DemoLoad.objects.create(
        size=size,
        seed=seed,
        as_of=as_of,
        summary={
            "counts": counts,
            "logins": [asdict(login) for login in ctx.logins],
            "password": ctx.password,
        },
    )
    DemoObject.objects.bulk_create(
        [DemoObject(load=load, model=label, object_id=object_id) for label, object_id in ctx.created],
        batch_size=500,
    )
    audit_record(actor=None, action="demo.load", instance=load, after={"size": size, "seed": seed, **counts})
    return _summary_from_load(load, created=True, removed=removed, seconds=time.perf_counter() - started)
