"""REST endpoints of the org domain: parse → call a service or selector → serialize."""

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from attain.accounts.selectors import user_can
from attain.core.errors import PermissionDeniedError, ValidationError
from attain.org import selectors, services
from attain.org.filters import PersonFilter
from attain.org.models import Membership, Person, Unit
from attain.org.schemas import (
    ImportOut,
    MembershipIn,
    MembershipOut,
    PersonIn,
    PersonOut,
    TransferIn,
    UnitIn,
    UnitOut,
)

if TYPE_CHECKING:
    from attain.accounts.models import User

router = Router(tags=["org"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _actor(request: HttpRequest) -> "User":
    user = request.user
    # the router's auth admits only signed-in users (accounts.User, typed here without importing its models)
    return cast("User", user)


def _require_view(request: HttpRequest) -> "User":
    user = _actor(request)
    if not user_can(user, "org.view"):
        raise PermissionDeniedError(_("You may not view the organisation."))
    return user


@router.get("/units", response=list[UnitOut])
def unit_list(request: HttpRequest, as_of: dt.date | None = None) -> list[Unit]:
    """Visible units in tree order, with member and manager counts on ``as_of`` (today by default)."""
    return selectors.unit_tree_list(actor=_require_view(request), on=as_of)


@router.get("/units/{pk}", response=UnitOut)
def unit_get(request: HttpRequest, pk: int) -> Unit:
    return selectors.unit_get(actor=_require_view(request), pk=pk)


@router.get("/units/{pk}/subtree", response=list[UnitOut])
def unit_subtree(request: HttpRequest, pk: int) -> list[Unit]:
    """The unit and every unit under it (one indexed query), limited to the actor's scope."""
    actor = _require_view(request)
    unit = selectors.unit_get(actor=actor, pk=pk)
    return list(selectors.unit_subtree(unit=unit).filter(pk__in=selectors.unit_list(actor=actor).values("pk")))


@router.get("/units/{pk}/members", response=list[PersonOut])
def unit_members(
    request: HttpRequest,
    pk: int,
    on: dt.date | None = None,
    role: str | None = None,
    include_subtree: bool = False,
) -> list[Person]:
    """Who belonged to the unit on a date (``on``, today by default)."""
    actor = _require_view(request)
    unit = selectors.unit_get(actor=actor, pk=pk)
    members = selectors.unit_members_on(
        unit=unit, on=on or timezone.localdate(), role=role, include_subtree=include_subtree
    )
    return list(members.filter(pk__in=selectors.person_list(actor=actor).values("pk")))


@router.post("/units", response={201: UnitOut})
def unit_create(request: HttpRequest, payload: UnitIn) -> Status[Unit]:
    actor = _actor(request)
    parent = selectors.unit_get(actor=actor, pk=payload.parent_id) if payload.parent_id else None
    unit = services.unit_create(actor=actor, code=payload.code, name=payload.name, kind=payload.kind, parent=parent)
    return Status(201, unit)


@router.get("/people", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def person_list(request: HttpRequest, q: str = "", unit: int | None = None, on: dt.date | None = None) -> Any:
    """People the actor may see; ``q`` searches name / employee number / email, ``unit`` + ``on`` filter."""
    person_filter = PersonFilter(q=q.strip()[:100], unit=unit, on=on)
    return person_filter.apply(actor=_actor(request))


@router.get("/people/{pk}", response=PersonOut)
def person_get(request: HttpRequest, pk: int) -> Person:
    return selectors.person_get(actor=_actor(request), pk=pk)


@router.get("/people/{pk}/memberships", response=list[MembershipOut])
def person_memberships(request: HttpRequest, pk: int) -> list[Membership]:
    person = selectors.person_get(actor=_actor(request), pk=pk)
    return list(selectors.membership_history(actor=_actor(request), person=person))


@router.post("/people", response={201: PersonOut})
def person_create(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    person = services.person_create(
        actor=_actor(request),
        employee_no=payload.employee_no,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        hired_on=payload.hired_on,
    )
    return Status(201, person)


@router.post("/memberships", response={201: MembershipOut})
def membership_add(request: HttpRequest, payload: MembershipIn) -> Status[Membership]:
    actor = _actor(request)
    person = selectors.person_get_placeable(actor=actor, pk=payload.person_id)
    unit = selectors.unit_get(actor=actor, pk=payload.unit_id)
    membership = services.membership_add(
        actor=actor,
        person=person,
        unit=unit,
        role=payload.role,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        note=payload.note,
    )
    return Status(201, membership)


@router.post("/people/{pk}/transfer", response={201: MembershipOut})
def person_transfer(request: HttpRequest, pk: int, payload: TransferIn) -> Status[Membership]:
    """Move the person to another unit from ``on``; their current membership ends the day before."""
    actor = _actor(request)
    person = selectors.person_get(actor=actor, pk=pk)
    to_unit = selectors.unit_get(actor=actor, pk=payload.to_unit_id)
    membership = services.person_transfer(actor=actor, person=person, to_unit=to_unit, on=payload.on, note=payload.note)
    return Status(201, membership)


@router.post("/import", response=ImportOut)
def org_import(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    encoding: Form[str] = "",
) -> dict[str, Any]:
    """Import an XLSX / CSV / zip of CSVs; all or nothing. Validation problems come back as 400 with every error."""
    data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), field="file")
    result = services.org_import(
        actor=_actor(request), data=data, filename=file.name or "", encoding=encoding or None, dry_run=dry_run
    )
    return result.as_dict()
