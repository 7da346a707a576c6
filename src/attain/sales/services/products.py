"""Reference-data writes: products, aliases and pipeline stages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from attain.core.errors import ConflictError, NotFoundError, ValidationError
from attain.org import selectors as org_selectors
from attain.sales import rules
from attain.sales.choices import DEFAULT_SOURCE, AliasKind
from attain.sales.models import Alias, Customer, PipelineStage, Product, default_currency
from attain.sales.services._common import (
    CREATED,
    UNSET,
    Unset,
    _apply_changes,
    _audit_create,
    _choice,
    _external_key,
    _money,
    _reason,
    _required,
    _text,
)
from attain.sales.services._common import _require_reference_write as _require_reference_write

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import ProductLine


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


@transaction.atomic
def product_update(
    *,
    actor: User | None,
    product: Product,
    reason: str,
    name: str | Unset = UNSET,
    product_line: ProductLine | Unset | None = UNSET,
    list_price: Decimal | str | Unset | None = UNSET,
    cost: Decimal | str | Unset | None = UNSET,
    is_active: bool | Unset = UNSET,
) -> Product:
    """Correct the given fields of a product (audited, with a reason): reference data, so reference roles only."""
    _require_reference_write(actor)
    why = _reason(reason)
    product = Product.objects.select_for_update().get(pk=product.pk)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _text(name, field="name")
    if product_line is not UNSET:
        values["product_line"] = product_line
    if list_price is not UNSET:
        values["list_price"] = None if list_price in (None, "") else _price(list_price, field="list_price")
    if cost is not UNSET:
        values["cost"] = None if cost in (None, "") else _price(cost, field="cost")
    if is_active is not UNSET:
        values["is_active"] = bool(_required(is_active, field="is_active"))
    _apply_changes(actor=actor, instance=product, values=values, reason=why)
    return product


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
