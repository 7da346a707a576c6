"""Shared permission checks, value parsers and audit helpers of the sales services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING, Any, Final, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from attain.accounts.choices import Role
from attain.core.audit import audit_record, model_snapshot
from attain.core.errors import ConflictError, ErrorDetail, PermissionDeniedError, ValidationError
from attain.core.scope import scope_for
from attain.org.selectors import person_unit_on
from attain.sales import rules
from attain.sales.choices import DEFAULT_SOURCE, FactKind
from attain.sales.models import new_external_id

if TYPE_CHECKING:
    from attain.org.models import Person


REFERENCE_ROLES = {Role.ADMIN, Role.DIRECTOR, Role.FINANCE}
REP_KINDS = {FactKind.ACTIVITY, FactKind.COLLECTION, FactKind.FEEDBACK}
CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"
T = TypeVar("T")


class Unset(Enum):
    """The type of ``UNSET``: a correction's argument the caller left out (``None`` may be a value to set)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


# --- permissions -------------------------------------------------------------------------------------------


def _is_admin(actor: Any) -> bool:
    return bool(getattr(actor, "is_superuser", False)) or getattr(actor, "role", None) == Role.ADMIN


def _require_signed_in(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise PermissionDeniedError(_("Sign in first."))


def fact_write_allowed(actor: Any, *, kind: str, person_id: int | None, unit_id: int | None = None) -> bool:
    """Whether ``actor`` may write a fact of ``kind`` about the rep ``person_id`` (in unit ``unit_id``)."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    if _is_admin(actor):
        return True
    scope = scope_for(actor)
    if getattr(actor, "role", None) == Role.REP:
        return kind in REP_KINDS and person_id is not None and person_id in scope.person_ids
    return scope.allows_person(person_id) or (unit_id is not None and scope.allows_unit(unit_id))


def _require_fact_write(actor: Any, *, kind: str, person_id: int | None, unit_id: int | None = None) -> None:
    if actor is not None:
        _require_signed_in(actor)
    if not fact_write_allowed(actor, kind=kind, person_id=person_id, unit_id=unit_id):
        raise PermissionDeniedError(_("You may not record this for that person."))


def _require_reference_write(actor: Any) -> None:
    if actor is None:
        return
    _require_signed_in(actor)
    if not (_is_admin(actor) or getattr(actor, "role", None) in REFERENCE_ROLES):
        raise PermissionDeniedError(_("You may not change sales reference data."))


# --- helpers -----------------------------------------------------------------------------------------------


def _money(value: Any, *, field: str, positive: bool = False, allow_negative: bool = False) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationError(_("Give amounts as text or Decimal, not floating point."), field=field)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Not a number."), field=field) from exc
    if not amount.is_finite():
        raise ValidationError(_("Not a number."), field=field)
    problem = rules.money_places_error(amount)
    if problem is None and positive:
        problem = rules.positive_error(amount)
    if problem is None and not allow_negative:
        problem = rules.not_negative_error(amount)
    if problem:
        raise ValidationError(problem, field=field)
    return amount


def _text(value: Any, *, field: str, required: bool = True, max_length: int = 200) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationError(_("At most %(limit)d characters.") % {"limit": max_length}, field=field)
    return text


def _required(value: T | None, *, field: str) -> T:
    """``value``, which a correction may change but not clear."""
    if value is None:
        raise ValidationError(_("This field is required."), field=field)
    return value


def _reason(reason: str) -> str:
    """Why a fact is corrected: required, kept in the audit log."""
    return _text(reason, field="reason", max_length=500)


def _choice(value: Any, choices: list[str], *, field: str) -> str:
    if value not in choices:
        raise ValidationError(_("Unknown value “%(value)s”.") % {"value": value}, field=field)
    return str(value)


def _unit_id_on(person: Person, on: dt.date) -> int | None:
    unit = person_unit_on(person=person, on=on)
    return unit.pk if unit is not None else None


def _external_key(source: str | None, external_id: str | None) -> tuple[str, str]:
    src = _text(source or DEFAULT_SOURCE, field="source", max_length=32)
    ext = _text(external_id, field="external_id", required=False, max_length=128) or new_external_id()
    return src, ext


def _refuse_duplicate(model: type[Any], source: str, external_id: str) -> None:
    if model.objects.filter(source=source, external_id=external_id).exists():
        raise ConflictError(
            _("A record with external id “%(id)s” from “%(source)s” already exists.")
            % {"id": external_id, "source": source},
            field="external_id",
        )


def _apply_changes(*, actor: Any, instance: Any, values: dict[str, Any], reason: str = "") -> str:
    """Set ``values`` on ``instance``; save and audit the correction if anything changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return UNCHANGED
    before = model_snapshot(instance, fields=changed)
    for name in changed:
        setattr(instance, name, values[name])
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:  # a bound only the model states (max digits …): a 400, never a 500
        details = [
            ErrorDetail(message=str(message), field=None if name == NON_FIELD_ERRORS else name)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
        raise ValidationError(details[0].message, field=details[0].field, details=details) from exc
    instance.save(update_fields=[*changed, "updated_at"] if hasattr(instance, "updated_at") else changed)
    audit_record(
        actor=actor,
        action="sales.correct",
        instance=instance,
        before=before,
        after=model_snapshot(instance, fields=changed),
        reason=reason,
    )
    return UPDATED


def _audit_create(actor: Any, instance: Any, fields: list[str] | None = None) -> None:
    audit_record(actor=actor, action="sales.create", instance=instance, after=model_snapshot(instance, fields=fields))
