"""The audit log: every change to targets, scores, payouts and settings records who, when, why, before/after.

Services call ``audit_record`` inside their transaction, so the event commits or rolls back with the change.
The table is append-only three times over: the model refuses to save an existing row, the queryset refuses
bulk update/delete, and database triggers (migration ``0003_audit_append_only``) refuse UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.functional import Promise

from attain.core import context
from attain.core.models import AuditEvent

_MAX_ACTOR_LABEL = AuditEvent._meta.get_field("actor_label").max_length or 200
_MAX_REPR = AuditEvent._meta.get_field("object_repr").max_length or 200
_MAX_REASON = AuditEvent._meta.get_field("reason").max_length or 500
SYSTEM_ACTOR_LABEL = "system"


def json_safe(value: Any) -> Any:
    """A JSON-storable copy of ``value``: Decimal → exact string, dates → ISO 8601, UUID/enums → text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        return json_safe(value.pk)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def model_snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's stored field values as a JSON-safe dict (foreign keys as ids), for before/after."""
    wanted = set(fields) if fields is not None else None
    snapshot: dict[str, Any] = {}
    for model_field in instance._meta.concrete_fields:
        if wanted is not None and model_field.name not in wanted and model_field.attname not in wanted:
            continue
        snapshot[model_field.name] = json_safe(getattr(instance, model_field.attname))
    return snapshot


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return SYSTEM_ACTOR_LABEL
    return str(getattr(actor, "get_username", lambda: str(actor))())[:_MAX_ACTOR_LABEL]


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event; the object is ``instance`` or (``object_type``, ``object_id``), never neither.

    The actor's username is snapshotted (it survives renames and deletion), the request id — and, when the call
    gives none, the reason (``context.audit_reason_for``) — come from the current unit of work, and values are
    stored JSON-safe (Decimal as exact strings).
    """
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = instance.pk if object_id is None else object_id
        object_repr = str(instance)[:_MAX_REPR]
    else:
        object_repr = ""
    if not object_type or object_id is None:
        raise ValueError("audit_record() needs an instance or an object_type and object_id")
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr,
        before=json_safe(dict(before)) if before is not None else None,
        after=json_safe(dict(after)) if after is not None else None,
        reason=str(reason or context.audit_reason.get())[:_MAX_REASON],
        request_id=context.request_id.get(),
    )


def audit_record_many(
    *,
    actor: Any,
    action: str,
    object_type: str,
    items: Iterable[tuple[Any, str, Mapping[str, Any] | None, Mapping[str, Any] | None]],
    reason: str = "",
) -> int:
    """Append one event per ``(object_id, object_repr, before, after)`` in bulk (a bulk import's corrections),
    with the same actor, request id and reason; returns how many were written."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    label, request_id = _actor_label(actor), context.request_id.get()
    why = str(reason or context.audit_reason.get())[:_MAX_REASON]
    events = [
        AuditEvent(
            actor_id=actor_id,
            actor_label=label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=str(object_repr)[:_MAX_REPR],
            before=json_safe(dict(before)) if before is not None else None,
            after=json_safe(dict(after)) if after is not None else None,
            reason=why,
            request_id=request_id,
        )
        for object_id, object_repr, before, after in items
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)
