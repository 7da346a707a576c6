"""Bulk upsert of sales facts row by row (API and webhooks), with per-row results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from attain.core import context
from attain.core.audit import model_snapshot
from attain.core.errors import ApplicationError, ConflictError, ErrorDetail, PermissionDeniedError, ValidationError
from attain.org import selectors as org_selectors
from attain.sales import rules
from attain.sales.choices import DEFAULT_SOURCE, ActivityKind, AliasKind, FactKind, OrderStatus, ReversalKind
from attain.sales.models import (
    Activity,
    Alias,
    Collection,
    Customer,
    FeedbackResponse,
    Order,
    OrderReversal,
    PipelineStage,
    Product,
)
from attain.sales.services._common import CREATED, ERROR, UNCHANGED, UPDATED, _choice, _money, _text, fact_write_allowed
from attain.sales.services.activities import activity_log, feedback_record, training_result_record
from attain.sales.services.customers import customer_upsert
from attain.sales.services.deals import CreditShare, deal_upsert
from attain.sales.services.orders import LineInput, collection_record, order_create, order_reverse, order_update
from attain.sales.services.products import product_upsert

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import Person

# --- bulk upsert -------------------------------------------------------------------------------------------


@dataclass
class RowResult:
    """The outcome of one bulk row: created / updated / unchanged / error, with the id or the problems."""

    row: int
    status: str
    id: int | None = None
    external_id: str = ""
    errors: list[ErrorDetail] = field(default_factory=list)


@dataclass
class BulkResult:
    """Per-row results of a bulk upsert plus the counts."""

    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def errors(self) -> list[ErrorDetail]:
        return [detail for row in self.rows for detail in row.errors]

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [d.as_dict() for d in self.errors],
            "rows": [{"row": r.row, "status": r.status, "id": r.id, "external_id": r.external_id} for r in self.rows],
        }


REFERENCE_LABELS = {
    "person": _lazy("rep"),
    "customer": _lazy("customer"),
    "product": _lazy("product"),
    "region": _lazy("region"),
    "product_line": _lazy("product line"),
    "stage": _lazy("stage"),
}


def _resolve(model: Any, row: dict[str, Any], name: str, *, lookup: str, alias_kind: str | None) -> Any:
    """The object a row refers to by ``<name>_id`` (primary key) or ``<name>`` (code / external id / alias).

    ``model`` is a model class or a queryset (another app's reference look-up from its selectors).
    """
    objects = model if isinstance(model, QuerySet) else model.objects
    if row.get(f"{name}_id") not in (None, ""):
        obj = objects.filter(pk=row[f"{name}_id"]).first()
    elif row.get(name) not in (None, ""):
        text = str(row[name]).strip()
        obj = objects.filter(**{lookup: text}).first()
        if obj is None and alias_kind is not None:
            target = (
                Alias.objects.filter(kind=alias_kind, key=rules.alias_key(text))
                .values_list("target_id", flat=True)
                .first()
            )
            obj = objects.filter(pk=target).first() if target is not None else None
    else:
        return None
    if obj is None:
        value = row.get(f"{name}_id", row.get(name))
        label = REFERENCE_LABELS.get(name, name)
        raise ValidationError(_("Unknown %(name)s “%(value)s”.") % {"name": label, "value": value}, field=name)
    return obj


def _required(obj: Any, name: str) -> Any:
    if obj is None:
        raise ValidationError(_("This field is required."), field=name)
    return obj


def _date(value: Any, name: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError(_("This field is required."), field=name)
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}, field=name) from exc


def _person(row: dict[str, Any]) -> Person | None:
    return _resolve(org_selectors.person_reference(), row, "person", lookup="employee_no", alias_kind=AliasKind.PERSON)


def _customer(row: dict[str, Any], source: str) -> Customer | None:
    if row.get("customer") not in (None, "") and row.get("customer_id") in (None, ""):
        found = Customer.objects.filter(source=source, external_id=str(row["customer"]).strip()).first()
        if found is not None:
            return found
    return _resolve(Customer, row, "customer", lookup="external_id", alias_kind=AliasKind.CUSTOMER)


def _same_or_conflict(existing: Any, values: dict[str, Any]) -> str:
    """Immutable facts (orders' money, collections, reversals): identical → unchanged, otherwise refused."""
    different = [k for k, v in values.items() if getattr(existing, k) != v]
    if different:
        raise ConflictError(
            _("This fact already exists with other values (%(fields)s); record a reversal instead.")
            % {"fields": ", ".join(sorted(different))},
            field=different[0],
        )
    return UNCHANGED


def _bulk_customer(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    region = _resolve(org_selectors.unit_reference(), row, "region", lookup="code", alias_kind=None)
    owner = _person({"person": row.get("owner"), "person_id": row.get("owner_id")})
    return customer_upsert(
        actor=actor,
        source=source,
        external_id=row.get("external_id", ""),
        name=row.get("name", ""),
        segment=row.get("segment") or "",
        is_key_account=bool(row.get("is_key_account", False)),
        region=region,
        first_order_on=_date(row.get("first_order_on"), "first_order_on", required=False),
        owner=owner,
        owned_from=_date(row.get("owned_from"), "owned_from", required=False),
    )


def _bulk_product(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    line = _resolve(org_selectors.product_line_reference(), row, "product_line", lookup="code", alias_kind=None)
    return product_upsert(
        actor=actor,
        source=source,
        external_id=row.get("external_id") or None,
        code=row.get("code", ""),
        name=row.get("name", ""),
        product_line=line,
        list_price=row.get("list_price"),
        cost=row.get("cost"),
        currency=row.get("currency"),
        is_active=bool(row.get("is_active", True)),
    )


def _bulk_order(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    external_id = _text(row.get("external_id"), field="external_id", max_length=128)
    customer = _required(_customer(row, source), "customer")
    person = _required(_person(row), "person")
    booked_on = _date(row.get("booked_on"), "booked_on")
    assert booked_on is not None
    lines = [
        LineInput(
            product=_required(
                _resolve(Product, line, "product", lookup="code", alias_kind=AliasKind.PRODUCT), "product"
            ),
            quantity=line.get("quantity", "0"),
            unit_price=line.get("unit_price", "0"),
            amount=line.get("amount"),
            cost=line.get("cost"),
        )
        for line in row.get("lines") or []
    ]
    credits = [
        CreditShare(person=_required(_person(c), "person"), percent=_money(c.get("percent"), field="credits"))
        for c in row.get("credits") or []
    ]
    existing = Order.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        if not fact_write_allowed(actor, kind=FactKind.ORDER, person_id=existing.person_id, unit_id=existing.unit_id):
            raise PermissionDeniedError(_("You may not record this for that person."))
        fixed = {"booked_on": booked_on, "customer_id": customer.pk, "person_id": person.pk}
        if row.get("amount") not in (None, ""):
            fixed["amount"] = _money(row["amount"], field="amount")
        _same_or_conflict(existing, fixed)
        status = UNCHANGED
        if row.get("status") or row.get("note") is not None or row.get("payment_terms_days") is not None:
            before = model_snapshot(existing)
            order_update(
                actor=actor,
                order=existing,
                status=row.get("status") or None,
                note=row.get("note"),
                payment_terms_days=row.get("payment_terms_days"),
            )
            existing.refresh_from_db()
            status = UPDATED if model_snapshot(existing) != before else UNCHANGED
        return existing, status
    order = order_create(
        actor=actor,
        source=source,
        external_id=external_id,
        booked_on=booked_on,
        customer=customer,
        person=person,
        amount=row.get("amount"),
        lines=lines,
        credits=credits,
        cost=row.get("cost"),
        currency=row.get("currency"),
        payment_terms_days=int(row.get("payment_terms_days") or 30),
        status=row.get("status") or OrderStatus.BOOKED,
        note=row.get("note") or "",
    )
    return order, CREATED


def _order_ref(row: dict[str, Any], source: str) -> Order:
    if row.get("order_id") not in (None, ""):
        order = Order.objects.filter(pk=row["order_id"]).first()
    else:
        order = Order.objects.filter(source=source, external_id=str(row.get("order") or "").strip()).first()
    if order is None:
        value = row.get("order_id", row.get("order"))
        raise ValidationError(_("Unknown order “%(value)s”.") % {"value": value}, field="order")
    return order


def _bulk_collection(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    external_id = _text(row.get("external_id"), field="external_id", max_length=128)
    order = _order_ref(row, source)
    received_on = _date(row.get("received_on"), "received_on")
    assert received_on is not None
    amount = _money(row.get("amount"), field="amount", positive=True)
    existing = Collection.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        return existing, _same_or_conflict(
            existing, {"order_id": order.pk, "received_on": received_on, "amount": amount}
        )
    return collection_record(
        actor=actor,
        order=order,
        amount=amount,
        received_on=received_on,
        source=source,
        external_id=external_id,
        reference=row.get("reference") or "",
        note=row.get("note") or "",
    ), CREATED


def _bulk_reversal(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    external_id = _text(row.get("external_id"), field="external_id", max_length=128)
    order = _order_ref(row, source)
    reversed_on = _date(row.get("reversed_on"), "reversed_on")
    assert reversed_on is not None
    amount = _money(row.get("amount"), field="amount", positive=True)
    kind = _choice(row.get("kind"), ReversalKind.values, field="kind")
    existing = OrderReversal.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        return existing, _same_or_conflict(
            existing, {"order_id": order.pk, "reversed_on": reversed_on, "amount": amount, "kind": kind}
        )
    return order_reverse(
        actor=actor,
        order=order,
        kind=kind,
        amount=amount,
        reversed_on=reversed_on,
        reason=row.get("reason") or "",
        source=source,
        external_id=external_id,
    ), CREATED


def _bulk_deal(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    stage = _required(_resolve(PipelineStage, row, "stage", lookup="code", alias_kind=None), "stage")
    credits = [
        CreditShare(person=_required(_person(c), "person"), percent=_money(c.get("percent"), field="credits"))
        for c in row.get("credits") or []
    ]
    return deal_upsert(
        actor=actor,
        source=source,
        external_id=_text(row.get("external_id"), field="external_id", max_length=128),
        name=row.get("name", ""),
        person=_required(_person(row), "person"),
        stage=stage,
        amount=row.get("amount", ""),
        customer=_customer(row, source),
        currency=row.get("currency"),
        opened_on=_date(row.get("opened_on"), "opened_on", required=False),
        expected_close_on=_date(row.get("expected_close_on"), "expected_close_on", required=False),
        won_lost_reason=row.get("won_lost_reason") or "",
        credits=credits,
    )


def _simple_fact(model: type[Any], actor: Any, row: dict[str, Any], source: str, create: Callable[[], Any]) -> Any:
    external_id = _text(row.get("external_id"), field="external_id", max_length=128)
    existing = model.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        return existing, UNCHANGED
    return create(), CREATED


def _bulk_activity(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    return _simple_fact(
        Activity,
        actor,
        row,
        source,
        lambda: activity_log(
            actor=actor,
            source=source,
            external_id=row["external_id"],
            kind=row.get("kind") or ActivityKind.VISIT,
            occurred_on=_date(row.get("occurred_on"), "occurred_on"),
            person=_required(_person(row), "person"),
            customer=_customer(row, source),
            outcome=row.get("outcome") or "",
            duration_minutes=row.get("duration_minutes"),
            note=row.get("note") or "",
        ),
    )


def _bulk_feedback(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    def create() -> FeedbackResponse:
        responded_on = _date(row.get("responded_on"), "responded_on")
        assert responded_on is not None
        return feedback_record(
            actor=actor,
            source=source,
            external_id=row["external_id"],
            customer=_required(_customer(row, source), "customer"),
            person=_required(_person(row), "person"),
            kind=row.get("kind", ""),
            score=int(row.get("score", -1)),
            responded_on=responded_on,
            comment=row.get("comment") or "",
        )

    return _simple_fact(FeedbackResponse, actor, row, source, create)


def _bulk_training(actor: Any, row: dict[str, Any], source: str) -> tuple[Any, str]:
    completed_on = _date(row.get("completed_on"), "completed_on")
    assert completed_on is not None
    return training_result_record(
        actor=actor,
        source=source,
        external_id=_text(row.get("external_id"), field="external_id", max_length=128),
        person=_required(_person(row), "person"),
        course=row.get("course", ""),
        completed_on=completed_on,
        is_passed=bool(row.get("is_passed", False)),
        score=row.get("score"),
    )


BULK_HANDLERS: dict[str, Callable[[Any, dict[str, Any], str], tuple[Any, str]]] = {
    FactKind.CUSTOMER: _bulk_customer,
    FactKind.PRODUCT: _bulk_product,
    FactKind.DEAL: _bulk_deal,
    FactKind.ORDER: _bulk_order,
    FactKind.COLLECTION: _bulk_collection,
    FactKind.REVERSAL: _bulk_reversal,
    FactKind.ACTIVITY: _bulk_activity,
    FactKind.FEEDBACK: _bulk_feedback,
    FactKind.TRAINING: _bulk_training,
}


def facts_bulk_upsert(
    *,
    actor: User | None,
    kind: str,
    rows: list[dict[str, Any]],
    source: str = DEFAULT_SOURCE,
    all_or_nothing: bool = False,
    reason: str = "",
) -> BulkResult:
    """Upsert rows of one fact kind by (source, external id), each in its own savepoint, with per-row results.

    Its audit events record ``reason`` (default ``bulk upsert``) where the service gives none of its own (a
    reversal keeps the row's reason).

    Rows refer to others by ``<name>_id`` or by natural key (``customer`` external id, ``person`` employee
    number, ``product`` / ``stage`` / ``region`` code), falling back to aliases. Duplicate external ids in one
    call are errors. With ``all_or_nothing`` any error rolls every row back (and statuses stay as computed).
    """
    handler = BULK_HANDLERS.get(kind)
    if handler is None:
        raise ValidationError(_("Unknown fact kind “%(kind)s”.") % {"kind": kind}, field="kind")
    result = BulkResult()
    seen: set[str] = set()
    with transaction.atomic(), context.audit_reason_for(reason.strip() or "bulk upsert"):
        for number, row in enumerate(rows, start=1):
            key = str(row.get("external_id") or "").strip()
            if key and key in seen:
                detail = ErrorDetail(
                    message=_("Duplicate external id in this batch."), field="external_id", row=number, value=key
                )
                result.rows.append(RowResult(row=number, status=ERROR, external_id=key, errors=[detail]))
                continue
            seen.add(key)
            try:
                with transaction.atomic():
                    obj, status = handler(actor, row, source)
            except ApplicationError as exc:
                details = [
                    ErrorDetail(message=d.message, field=d.field or exc.field, row=number, value=d.value)
                    for d in exc.details
                ] or [ErrorDetail(message=exc.message, field=exc.field, row=number, code=exc.code)]
                result.rows.append(RowResult(row=number, status=ERROR, external_id=key, errors=details))
                continue
            except (IntegrityError, ValueError, TypeError, KeyError) as exc:
                detail = ErrorDetail(message=_("Invalid row: %(error)s") % {"error": exc}, row=number)
                result.rows.append(RowResult(row=number, status=ERROR, external_id=key, errors=[detail]))
                continue
            result.rows.append(RowResult(row=number, status=status, id=obj.pk, external_id=obj.external_id))
        if all_or_nothing and result.errors:
            transaction.set_rollback(True)
    return result
