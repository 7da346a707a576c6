"""Writes of the sales domain: facts are created, corrected (audited) and reversed, never silently changed.

Every service is keyword-only and atomic. ``actor=None`` is a system action (CLI, demo, importer). Who may
write what: reps may log their own activities, and record collections and feedback for their own orders and
customers; every other role writes facts whose rep (or unit) is inside their data scope; reference data
(products, pipeline stages, aliases) needs an administrator, a director or finance. Validation rules live in
``attain.sales.rules`` so importers apply the same ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from attain.accounts.choices import Role
from attain.core.audit import audit_record, model_snapshot
from attain.core.errors import (
    ApplicationError,
    ConflictError,
    ErrorDetail,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from attain.core.scope import scope_for
from attain.org import selectors as org_selectors
from attain.org.selectors import person_for_user, person_unit_on
from attain.sales import rules
from attain.sales.choices import (
    DEFAULT_SOURCE,
    ActivityKind,
    ActivityOutcome,
    AliasKind,
    FactKind,
    FeedbackKind,
    OrderStatus,
    ReversalKind,
)
from attain.sales.models import (
    Activity,
    Alias,
    Collection,
    Customer,
    CustomerOwnership,
    Deal,
    DealCredit,
    DealStageChange,
    FeedbackResponse,
    Order,
    OrderCredit,
    OrderLine,
    OrderReversal,
    PipelineStage,
    Product,
    TrainingResult,
    default_currency,
    new_external_id,
)

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import Person, ProductLine, Unit


REFERENCE_ROLES = {Role.ADMIN, Role.DIRECTOR, Role.FINANCE}
REP_KINDS = {FactKind.ACTIVITY, FactKind.COLLECTION, FactKind.FEEDBACK}
ORDER_CORRECTABLE = ["status", "note", "payment_terms_days", "due_on", "deal"]
CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"


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
    instance.full_clean(validate_unique=False, validate_constraints=False)
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


# --- customers and products --------------------------------------------------------------------------------


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
    if actor is not None and not _is_admin(actor):
        _require_signed_in(actor)
        if getattr(actor, "role", None) == Role.REP:
            raise PermissionDeniedError(_("Reps may not change customers."))
        allowed = (owner is not None and scope_for(actor).allows_person(owner.pk)) or (
            region is not None and scope_for(actor).allows_unit(region.pk)
        )
        if not allowed:
            raise PermissionDeniedError(_("This customer is outside your data scope."))
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
def product_upsert(
    *,
    actor: User | None,
    code: str,
    name: str,
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
    product_line: ProductLine | None = None,
    list_price: Decimal | str | None = None,
    cost: Decimal | str | None = None,
    currency: str | None = None,
    is_active: bool = True,
) -> tuple[Product, str]:
    """Create or correct a product by (source, external id; the code when none); prices are never negative."""
    _require_reference_write(actor)
    code = _text(code, field="code", max_length=64)
    source, external_id = _external_key(source, external_id or code)
    values = {
        "code": code,
        "name": _text(name, field="name"),
        "product_line": product_line,
        "list_price": None if list_price in (None, "") else _price(list_price, field="list_price"),
        "cost": None if cost in (None, "") else _price(cost, field="cost"),
        "currency": (currency or default_currency()).upper(),
        "is_active": bool(is_active),
    }
    product = Product.objects.select_for_update().filter(source=source, external_id=external_id).first()
    if product is None:
        if Product.objects.filter(code=code).exists():
            raise ConflictError(_("A product with code “%(code)s” already exists.") % {"code": code}, field="code")
        product = Product.objects.create(source=source, external_id=external_id, **values)
        _audit_create(actor, product)
        return product, CREATED
    return product, _apply_changes(actor=actor, instance=product, values=values)


def _price(value: Any, *, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Not a number."), field=field) from exc
    problem = rules.not_negative_error(amount) or rules.money_places_error(amount, places=4)
    if problem:
        raise ValidationError(problem, field=field)
    return amount


@transaction.atomic
def alias_add(*, actor: User | None, kind: str, text: str, target_id: int, source: str = "") -> Alias:
    """Record another spelling of a person, customer or product; the same normalised text maps to one target."""
    _require_reference_write(actor)
    kind = _choice(kind, AliasKind.values, field="kind")
    text = _text(text, field="text")
    key = rules.alias_key(text)
    if not key:
        raise ValidationError(_("The alias has no letters or digits."), field="text")
    targets: dict[str, QuerySet[Any]] = {
        AliasKind.PERSON: org_selectors.person_reference(),
        AliasKind.CUSTOMER: Customer.objects.all(),
        AliasKind.PRODUCT: Product.objects.all(),
    }
    if not targets[kind].filter(pk=target_id).exists():
        raise NotFoundError(_("The alias target does not exist."), field="target_id")
    alias, created = Alias.objects.get_or_create(
        kind=kind, source=source or "", key=key, defaults={"text": text, "target_id": target_id}
    )
    if not created and alias.target_id != target_id:
        raise ConflictError(_("This alias already names something else."), field="text")
    if created:
        _audit_create(actor, alias)
    return alias


# --- pipeline ----------------------------------------------------------------------------------------------


@transaction.atomic
def pipeline_stage_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    position: int = 0,
    probability: Decimal | str = Decimal(0),
    is_won: bool = False,
    is_lost: bool = False,
) -> PipelineStage:
    """Add a pipeline stage; probability is 0–100 and a stage is not both won and lost."""
    _require_reference_write(actor)
    values = _stage_values(name=name, position=position, probability=probability, is_won=is_won, is_lost=is_lost)
    code = _text(code, field="code", max_length=64)
    if PipelineStage.objects.filter(code=code).exists():
        raise ConflictError(_("A stage with this code already exists."), field="code")
    stage = PipelineStage.objects.create(code=code, **values)
    _audit_create(actor, stage)
    return stage


@transaction.atomic
def pipeline_stage_update(
    *,
    actor: User | None,
    stage: PipelineStage,
    name: str,
    position: int,
    probability: Decimal | str,
    is_won: bool,
    is_lost: bool,
    is_active: bool = True,
) -> PipelineStage:
    """Change a stage's name, position, probability or won/lost flags (audited)."""
    _require_reference_write(actor)
    values = _stage_values(name=name, position=position, probability=probability, is_won=is_won, is_lost=is_lost)
    _apply_changes(actor=actor, instance=stage, values={**values, "is_active": bool(is_active)})
    return stage


def _stage_values(
    *, name: str, position: int, probability: Decimal | str, is_won: bool, is_lost: bool
) -> dict[str, Any]:
    chance = _money(probability, field="probability")
    if chance > rules.HUNDRED:
        raise ValidationError(_("A probability is at most 100."), field="probability")
    if is_won and is_lost:
        raise ValidationError(_("A stage cannot be both won and lost."), field="is_lost")
    return {
        "name": _text(name, field="name", max_length=100),
        "position": int(position),
        "probability": chance,
        "is_won": bool(is_won),
        "is_lost": bool(is_lost),
    }


# --- deals -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditShare:
    """One person's share of an order's or deal's credit, in percent."""

    person: Person
    percent: Decimal


def _check_credits(credits: Sequence[CreditShare]) -> None:
    problem = rules.split_sum_error([_money(c.percent, field="credits") for c in credits])
    if problem:
        raise ValidationError(problem, field="credits")
    if len({c.person.pk for c in credits}) != len(credits):
        raise ValidationError(_("A person appears twice in the credit split."), field="credits")


@transaction.atomic
def deal_upsert(
    *,
    actor: User | None,
    external_id: str,
    name: str,
    person: Person,
    stage: PipelineStage,
    amount: Decimal | str,
    source: str = DEFAULT_SOURCE,
    customer: Customer | None = None,
    currency: str | None = None,
    opened_on: dt.date | None = None,
    expected_close_on: dt.date | None = None,
    won_lost_reason: str = "",
    credits: Sequence[CreditShare] = (),
    changed_at: dt.datetime | None = None,
) -> tuple[Deal, str]:
    """Create or correct a deal; a different stage is a stage move with history, credits sum to 100."""
    source, external_id = _external_key(source, external_id)
    on = opened_on or timezone.localdate()
    unit_id = _unit_id_on(person, on)
    _require_fact_write(actor, kind=FactKind.DEAL, person_id=person.pk, unit_id=unit_id)
    _check_credits(credits)
    values = {
        "name": _text(name, field="name"),
        "person": person,
        "unit_id": unit_id,
        "customer": customer,
        "amount": _money(amount, field="amount"),
        "currency": (currency or default_currency()).upper(),
        "opened_on": opened_on,
        "expected_close_on": expected_close_on,
        "won_lost_reason": _text(won_lost_reason, field="won_lost_reason", required=False, max_length=500),
    }
    deal = Deal.objects.select_for_update().filter(source=source, external_id=external_id).first()
    if deal is None:
        now = changed_at or timezone.now()
        deal = Deal.objects.create(source=source, external_id=external_id, stage=stage, stage_changed_at=now, **values)
        if stage.is_closed:
            deal.closed_on = timezone.localdate(now)
            deal.save(update_fields=["closed_on"])
        DealStageChange.objects.create(deal=deal, from_stage=None, to_stage=stage, changed_at=now, changed_by=actor)
        _save_credits(deal, credits, DealCredit, on)
        _audit_create(actor, deal)
        return deal, CREATED
    status = _apply_changes(actor=actor, instance=deal, values=values)
    if deal.stage_id != stage.pk:
        deal_move_stage(actor=actor, deal=deal, stage=stage, changed_at=changed_at)
        status = UPDATED
    if credits and _credit_rows(deal.credits.all()) != _credit_rows(credits):
        before = _credit_rows(deal.credits.all())
        deal.credits.all().delete()
        _save_credits(deal, credits, DealCredit, on)
        audit_record(
            actor=actor, action="sales.credits", instance=deal, before={"credits": before}, after={"credits": credits}
        )
        status = UPDATED
    return deal, status


def _credit_rows(credits: Any) -> list[tuple[int, Decimal]]:
    return sorted((c.person_id if hasattr(c, "person_id") else c.person.pk, Decimal(c.percent)) for c in credits)


def _save_credits(parent: Any, credits: Sequence[CreditShare], model: type[Any], on: dt.date) -> None:
    link = "deal" if model is DealCredit else "order"
    model.objects.bulk_create(
        [
            model(**{link: parent}, person=c.person, unit_id=_unit_id_on(c.person, on), percent=Decimal(c.percent))
            for c in credits
        ]
    )


@transaction.atomic
def deal_move_stage(
    *,
    actor: User | None,
    deal: Deal,
    stage: PipelineStage,
    changed_at: dt.datetime | None = None,
    won_lost_reason: str | None = None,
) -> DealStageChange:
    """Move a deal to another stage, recording the change with its timestamp; won/lost stages close it."""
    _require_fact_write(actor, kind=FactKind.DEAL, person_id=deal.person_id, unit_id=deal.unit_id)
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if deal.stage_id == stage.pk:
        raise ValidationError(_("The deal is already in this stage."), field="stage")
    when = changed_at or timezone.now()
    change = DealStageChange.objects.create(
        deal=deal, from_stage_id=deal.stage_id, to_stage=stage, changed_at=when, changed_by=actor
    )
    before = model_snapshot(deal, fields=["stage", "closed_on", "won_lost_reason"])
    deal.stage = stage
    deal.stage_changed_at = when
    deal.closed_on = timezone.localdate(when) if stage.is_closed else None
    if won_lost_reason is not None:
        deal.won_lost_reason = _text(won_lost_reason, field="won_lost_reason", required=False, max_length=500)
    deal.save(update_fields=["stage", "stage_changed_at", "closed_on", "won_lost_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="sales.stage",
        instance=deal,
        before=before,
        after=model_snapshot(deal, fields=["stage", "closed_on", "won_lost_reason"]),
    )
    return change


# --- orders ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One order line as given: product, quantity, unit price, and (optionally) amount and cost."""

    product: Product
    quantity: Decimal | str
    unit_price: Decimal | str
    amount: Decimal | str | None = None
    cost: Decimal | str | None = None


@transaction.atomic
def order_create(
    *,
    actor: User | None,
    external_id: str,
    booked_on: dt.date,
    customer: Customer,
    person: Person,
    amount: Decimal | str | None = None,
    source: str = DEFAULT_SOURCE,
    lines: Sequence[LineInput] = (),
    credits: Sequence[CreditShare] = (),
    cost: Decimal | str | None = None,
    currency: str | None = None,
    payment_terms_days: int = 30,
    status: str = OrderStatus.BOOKED,
    deal: Deal | None = None,
    note: str = "",
) -> Order:
    """Book an order: lines never negative, money ≤ 2 decimals, credits sum to 100, unit = the rep's on booking."""
    source, external_id = _external_key(source, external_id)
    unit_id = _unit_id_on(person, booked_on)
    _require_fact_write(actor, kind=FactKind.ORDER, person_id=person.pk, unit_id=unit_id)
    _refuse_duplicate(Order, source, external_id)
    errors: list[ErrorDetail] = []
    line_rows: list[OrderLine] = []
    for number, line in enumerate(lines, start=1):
        try:
            quantity = _decimal(line.quantity, field="quantity", places=3)
            unit_price = _price(line.unit_price, field="unit_price")
            line_amount = (
                _money(line.amount, field="amount")
                if line.amount not in (None, "")
                else rules_quantize(quantity * unit_price)
            )
            line_cost = None if line.cost in (None, "") else _money(line.cost, field="cost")
        except ValidationError as exc:
            errors.append(ErrorDetail(message=exc.message, field=f"lines.{number}.{exc.field}", row=number))
            continue
        line_rows.append(
            OrderLine(
                line_no=number,
                product=line.product,
                quantity=quantity,
                unit_price=unit_price,
                amount=line_amount,
                cost=line_cost,
            )
        )
    if errors:
        raise ValidationError(_("Some order lines are invalid."), field="lines", details=errors)
    if amount in (None, ""):
        if not line_rows:
            raise ValidationError(_("Give an amount or order lines."), field="amount")
        total = sum((row.amount for row in line_rows), Decimal(0))
    else:
        total = _money(amount, field="amount")
        if line_rows and sum((row.amount for row in line_rows), Decimal(0)) != total:
            raise ValidationError(_("The order amount is not the sum of its lines."), field="amount")
    order_cost = None if cost in (None, "") else _money(cost, field="cost")
    if order_cost is None and line_rows and all(row.cost is not None for row in line_rows):
        order_cost = sum((row.cost or Decimal(0) for row in line_rows), Decimal(0))
    _check_credits(credits)
    if payment_terms_days < 0:
        raise ValidationError(_("Must not be negative."), field="payment_terms_days")
    order = Order.objects.create(
        source=source,
        external_id=external_id,
        booked_on=booked_on,
        customer=customer,
        person=person,
        unit_id=unit_id,
        deal=deal,
        currency=(currency or default_currency()).upper(),
        amount=total,
        cost=order_cost,
        payment_terms_days=payment_terms_days,
        due_on=rules.due_on(booked_on, payment_terms_days),
        status=_choice(status, OrderStatus.values, field="status"),
        note=_text(note, field="note", required=False, max_length=500),
    )
    for row in line_rows:
        row.order = order
    OrderLine.objects.bulk_create(line_rows)
    _save_credits(order, credits, OrderCredit, booked_on)
    if customer.first_order_on is None or customer.first_order_on > booked_on:
        Customer.objects.filter(pk=customer.pk).update(first_order_on=booked_on)
    _audit_create(actor, order)
    return order


def rules_quantize(value: Decimal) -> Decimal:
    """Line amounts computed from quantity × price are rounded half-up to the cent."""
    from attain.core.money import quantize

    return quantize(value, 2)


def _decimal(value: Any, *, field: str, places: int) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Not a number."), field=field) from exc
    problem = rules.not_negative_error(number) or rules.money_places_error(number, places=places)
    if problem:
        raise ValidationError(problem, field=field)
    return number


@transaction.atomic
def order_update(
    *,
    actor: User | None,
    order: Order,
    reason: str = "",
    status: str | None = None,
    note: str | None = None,
    payment_terms_days: int | None = None,
    deal: Deal | None = None,
) -> Order:
    """Correct an order's non-financial fields (audited); amounts change only through reversals."""
    _require_fact_write(actor, kind=FactKind.ORDER, person_id=order.person_id, unit_id=order.unit_id)
    order = Order.objects.select_for_update().get(pk=order.pk)
    values: dict[str, Any] = {}
    if status is not None:
        values["status"] = _choice(status, OrderStatus.values, field="status")
    if note is not None:
        values["note"] = _text(note, field="note", required=False, max_length=500)
    if payment_terms_days is not None:
        if payment_terms_days < 0:
            raise ValidationError(_("Must not be negative."), field="payment_terms_days")
        values["payment_terms_days"] = payment_terms_days
        values["due_on"] = rules.due_on(order.booked_on, payment_terms_days)
    if deal is not None:
        values["deal"] = deal
    _apply_changes(actor=actor, instance=order, values=values, reason=reason)
    return order


@dataclass(frozen=True)
class OrderTotals:
    """What happened to an order's money: collected, cancelled, refunded, and what is still open."""

    amount: Decimal
    collected: Decimal
    cancelled: Decimal
    refunded: Decimal

    @property
    def open_amount(self) -> Decimal:
        return rules.open_amount(
            amount=self.amount, collected=self.collected, cancelled=self.cancelled, refunded=self.refunded
        )

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.cancelled - self.refunded


def order_totals(order: Order) -> OrderTotals:
    """Totals of one order, summed in Python (exact Decimals on every database)."""
    collected = sum(Collection.objects.filter(order=order).values_list("amount", flat=True), Decimal(0))
    cancelled = Decimal(0)
    refunded = Decimal(0)
    for kind, value in OrderReversal.objects.filter(order=order).values_list("kind", "amount"):
        if kind == ReversalKind.REFUND:
            refunded += value
        else:
            cancelled += value
    return OrderTotals(amount=order.amount, collected=collected, cancelled=cancelled, refunded=refunded)


@transaction.atomic
def collection_record(
    *,
    actor: User | None,
    order: Order,
    amount: Decimal | str,
    received_on: dt.date,
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
    reference: str = "",
    note: str = "",
) -> Collection:
    """Record money received against an order (partial payments allowed); never more than the open amount."""
    _require_fact_write(actor, kind=FactKind.COLLECTION, person_id=order.person_id, unit_id=order.unit_id)
    source, external_id = _external_key(source, external_id)
    _refuse_duplicate(Collection, source, external_id)
    value = _money(amount, field="amount", positive=True)
    order = Order.objects.select_for_update().get(pk=order.pk)  # serialise payments against the same order
    if received_on < order.booked_on:
        raise ValidationError(_("Money cannot be received before the order was booked."), field="received_on")
    problem = rules.collection_exceeds_error(amount=value, open_amount=order_totals(order).open_amount)
    if problem:
        raise ValidationError(problem, field="amount")
    collection = Collection.objects.create(
        source=source,
        external_id=external_id,
        order=order,
        person_id=order.person_id,
        unit_id=order.unit_id,
        received_on=received_on,
        amount=value,
        currency=order.currency,
        reference=_text(reference, field="reference", required=False, max_length=100),
        note=_text(note, field="note", required=False, max_length=500),
    )
    _audit_create(actor, collection)
    return collection


@transaction.atomic
def order_reverse(
    *,
    actor: User | None,
    order: Order,
    kind: str,
    amount: Decimal | str,
    reversed_on: dt.date,
    reason: str = "",
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
) -> OrderReversal:
    """Cancel (≤ open amount) or refund (≤ collected − refunded) part of an order, referencing it; never edit it."""
    _require_fact_write(actor, kind=FactKind.REVERSAL, person_id=order.person_id, unit_id=order.unit_id)
    source, external_id = _external_key(source, external_id)
    _refuse_duplicate(OrderReversal, source, external_id)
    kind = _choice(kind, ReversalKind.values, field="kind")
    value = _money(amount, field="amount", positive=True)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if reversed_on < order.booked_on:
        raise ValidationError(_("An order cannot be reversed before it was booked."), field="reversed_on")
    totals = order_totals(order)
    if kind == ReversalKind.REFUND:
        problem = rules.refund_exceeds_error(amount=value, collected=totals.collected, refunded=totals.refunded)
    else:
        problem = rules.cancellation_exceeds_error(amount=value, open_amount=totals.open_amount)
    if problem:
        raise ValidationError(problem, field="amount")
    reversal = OrderReversal.objects.create(
        source=source,
        external_id=external_id,
        order=order,
        kind=kind,
        reversed_on=reversed_on,
        amount=value,
        currency=order.currency,
        person_id=order.person_id,
        unit_id=order.unit_id,
        reason=_text(reason, field="reason", required=False, max_length=500),
    )
    _audit_create(actor, reversal)
    return reversal


# --- activities, feedback, training ------------------------------------------------------------------------


def _default_person(actor: Any, person: Person | None) -> Person:
    if person is not None:
        return person
    own = person_for_user(user=actor) if actor is not None else None
    if own is None:
        raise ValidationError(_("Choose the rep."), field="person")
    return own


@transaction.atomic
def activity_log(
    *,
    actor: User | None,
    kind: str = ActivityKind.VISIT,
    occurred_on: dt.date | None = None,
    person: Person | None = None,
    customer: Customer | None = None,
    deal: Deal | None = None,
    outcome: str = "",
    duration_minutes: int | None = None,
    note: str = "",
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
) -> Activity:
    """Log a visit, call, meeting or demo; defaults: today, the actor themself. Reps log only their own."""
    rep = _default_person(actor, person)
    day = occurred_on or timezone.localdate()
    unit_id = _unit_id_on(rep, day)
    _require_fact_write(actor, kind=FactKind.ACTIVITY, person_id=rep.pk, unit_id=unit_id)
    source, external_id = _external_key(source, external_id)
    _refuse_duplicate(Activity, source, external_id)
    if duration_minutes is not None and duration_minutes < 0:
        raise ValidationError(_("Must not be negative."), field="duration_minutes")
    if day > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError(_("An activity cannot be logged in the future."), field="occurred_on")
    activity = Activity.objects.create(
        source=source,
        external_id=external_id,
        kind=_choice(kind, ActivityKind.values, field="kind"),
        occurred_on=day,
        person=rep,
        unit_id=unit_id,
        customer=customer,
        deal=deal,
        outcome=_choice(outcome or "", ["", *ActivityOutcome.values], field="outcome"),
        duration_minutes=duration_minutes,
        note=_text(note, field="note", required=False, max_length=5000),
    )
    _audit_create(actor, activity)
    return activity


@transaction.atomic
def feedback_record(
    *,
    actor: User | None,
    customer: Customer,
    person: Person,
    kind: str,
    score: int,
    responded_on: dt.date,
    comment: str = "",
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
) -> FeedbackResponse:
    """Record a CSAT (1–5) or NPS (0–10) response about a rep."""
    unit_id = _unit_id_on(person, responded_on)
    _require_fact_write(actor, kind=FactKind.FEEDBACK, person_id=person.pk, unit_id=unit_id)
    source, external_id = _external_key(source, external_id)
    _refuse_duplicate(FeedbackResponse, source, external_id)
    kind = _choice(kind, FeedbackKind.values, field="kind")
    problem = rules.feedback_score_error(kind, int(score))
    if problem:
        raise ValidationError(problem, field="score")
    response = FeedbackResponse.objects.create(
        source=source,
        external_id=external_id,
        customer=customer,
        person=person,
        unit_id=unit_id,
        responded_on=responded_on,
        kind=kind,
        score=int(score),
        comment=_text(comment, field="comment", required=False, max_length=5000),
    )
    _audit_create(actor, response)
    return response


@transaction.atomic
def training_result_record(
    *,
    actor: User | None,
    person: Person,
    course: str,
    completed_on: dt.date,
    is_passed: bool,
    score: Decimal | str | None = None,
    external_id: str | None = None,
    source: str = DEFAULT_SOURCE,
) -> tuple[TrainingResult, str]:
    """Record (or correct, audited) a training or assessment result."""
    unit_id = _unit_id_on(person, completed_on)
    _require_fact_write(actor, kind=FactKind.TRAINING, person_id=person.pk, unit_id=unit_id)
    source, external_id = _external_key(source, external_id)
    values = {
        "person": person,
        "unit_id": unit_id,
        "course": _text(course, field="course"),
        "completed_on": completed_on,
        "is_passed": bool(is_passed),
        "score": None if score in (None, "") else _money(score, field="score"),
    }
    result = TrainingResult.objects.select_for_update().filter(source=source, external_id=external_id).first()
    if result is None:
        result = TrainingResult.objects.create(source=source, external_id=external_id, **values)
        _audit_create(actor, result)
        return result, CREATED
    return result, _apply_changes(actor=actor, instance=result, values=values)


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
) -> BulkResult:
    """Upsert rows of one fact kind by (source, external id), each in its own savepoint, with per-row results.

    Rows refer to others by ``<name>_id`` or by natural key (``customer`` external id, ``person`` employee
    number, ``product`` / ``stage`` / ``region`` code), falling back to aliases. Duplicate external ids in one
    call are errors. With ``all_or_nothing`` any error rolls every row back (and statuses stay as computed).
    """
    handler = BULK_HANDLERS.get(kind)
    if handler is None:
        raise ValidationError(_("Unknown fact kind “%(kind)s”.") % {"kind": kind}, field="kind")
    result = BulkResult()
    seen: set[str] = set()
    with transaction.atomic():
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
