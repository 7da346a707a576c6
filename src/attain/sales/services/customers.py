"""Customer writes: upsert by external key and effective-dated ownership."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.accounts.choices import Role
from attain.core.audit import audit_record, model_snapshot
from attain.core.errors import PermissionDeniedError
from attain.core.scope import scope_for
from attain.sales.choices import DEFAULT_SOURCE
from attain.sales.models import Customer, CustomerOwnership
from attain.sales.services._common import (
    CREATED,
    UNCHANGED,
    UNSET,
    UPDATED,
    Unset,
    _apply_changes,
    _audit_create,
    _external_key,
    _is_admin,
    _reason,
    _require_signed_in,
    _required,
    _text,
)

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import Person, Unit

# --- customers and products --------------------------------------------------------------------------------


def _require_customer_write(actor: User | None, *, owner_id: int | None, region_id: int | None) -> None:
    """Administrators always; reps never; other roles when the owner rep or the region is in their data scope."""
    if actor is None or _is_admin(actor):
        return
    _require_signed_in(actor)
    if getattr(actor, "role", None) == Role.REP:
        raise PermissionDeniedError(_("Reps may not change customers."))
    scope = scope_for(actor)
    allowed = (owner_id is not None and scope.allows_person(owner_id)) or (
        region_id is not None and scope.allows_unit(region_id)
    )
    if not allowed:
        raise PermissionDeniedError(_("This customer is outside your data scope."))


@transaction.atomic
def customer_upsert(
    *,
    actor: User | None,
    external_id: str,
    name: str,
    source: str = DEFAULT_SOURCE,
    segment: str = "",
    is_key_account: bool = False,
    region: Unit | None = None,
    first_order_on: dt.date | None = None,
    owner: Person | None = None,
    owned_from: dt.date | None = None,
) -> tuple[Customer, str]:
    """Create or correct a customer by (source, external id); a new ``owner`` starts an ownership period."""
    source, external_id = _external_key(source, external_id)
    _require_customer_write(
        actor, owner_id=owner.pk if owner is not None else None, region_id=region.pk if region is not None else None
    )
    values = {
        "name": _text(name, field="name"),
        "segment": _text(segment, field="segment", required=False, max_length=64),
        "is_key_account": bool(is_key_account),
        "region": region,
        "first_order_on": first_order_on,
    }
    customer = Customer.objects.select_for_update().filter(source=source, external_id=external_id).first()
    if customer is None:
        customer = Customer.objects.create(source=source, external_id=external_id, **values)
        _audit_create(actor, customer)
        status = CREATED
    else:
        status = _apply_changes(actor=actor, instance=customer, values=values)
    if owner is not None and customer_owner_assign(
        actor=actor, customer=customer, person=owner, valid_from=owned_from or first_order_on or timezone.localdate()
    ):
        status = UPDATED if status == UNCHANGED else status
    return customer, status


@transaction.atomic
def customer_owner_assign(*, actor: User | None, customer: Customer, person: Person, valid_from: dt.date) -> bool:
    """Make ``person`` the owner from ``valid_from`` (ending the current period the day before); False if already."""
    current = (
        CustomerOwnership.objects.select_for_update()
        .filter(customer=customer, valid_from__lte=valid_from)
        .order_by("-valid_from")
        .first()
    )
    if (
        current is not None
        and current.person_id == person.pk
        and (current.valid_to is None or current.valid_to >= valid_from)
    ):
        return False
    if current is not None and current.valid_from == valid_from:
        before = model_snapshot(current)
        current.person = person
        current.valid_to = None
        current.save(update_fields=["person", "valid_to"])
        audit_record(actor=actor, action="sales.owner", instance=current, before=before, after=model_snapshot(current))
        return True
    if current is not None and (current.valid_to is None or current.valid_to >= valid_from):
        before = model_snapshot(current)
        current.valid_to = valid_from - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
        audit_record(actor=actor, action="sales.owner", instance=current, before=before, after=model_snapshot(current))
    later = (
        CustomerOwnership.objects.filter(customer=customer, valid_from__gt=valid_from).order_by("valid_from").first()
    )
    ownership = CustomerOwnership.objects.create(
        customer=customer,
        person=person,
        valid_from=valid_from,
        valid_to=later.valid_from - dt.timedelta(days=1) if later else None,
    )
    _audit_create(actor, ownership)
    return True


@transaction.atomic
def customer_update(
    *,
    actor: User | None,
    customer: Customer,
    reason: str,
    name: str | Unset = UNSET,
    segment: str | Unset = UNSET,
    is_key_account: bool | Unset = UNSET,
    region: Unit | Unset | None = UNSET,
) -> Customer:
    """Correct the given fields of a customer (audited, with a reason); who may: as for ``customer_upsert``.

    The customer's current owner or its region (before and after the correction) must be in the actor's scope.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    today = timezone.localdate()
    owner_id = (
        CustomerOwnership.objects.filter(customer=customer, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("person_id", flat=True)
        .first()
    )
    _require_customer_write(actor, owner_id=owner_id, region_id=customer.region_id)
    if region is not UNSET:
        _require_customer_write(actor, owner_id=owner_id, region_id=region.pk if region is not None else None)
    why = _reason(reason)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _text(name, field="name")
    if segment is not UNSET:
        values["segment"] = _text(segment, field="segment", required=False, max_length=64)
    if is_key_account is not UNSET:
        values["is_key_account"] = bool(_required(is_key_account, field="is_key_account"))
    if region is not UNSET:
        values["region"] = region
    _apply_changes(actor=actor, instance=customer, values=values, reason=why)
    return customer
