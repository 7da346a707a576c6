"""Deal writes: upsert with credit splits and audited stage moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.core.audit import audit_record, model_snapshot
from attain.core.errors import ValidationError
from attain.sales import rules
from attain.sales.choices import DEFAULT_SOURCE, FactKind
from attain.sales.models import Customer, Deal, DealCredit, DealStageChange, PipelineStage, default_currency
from attain.sales.services._common import (
    CREATED,
    UNSET,
    UPDATED,
    Unset,
    _apply_changes,
    _audit_create,
    _external_key,
    _money,
    _reason,
    _require_fact_write,
    _required,
    _text,
    _unit_id_on,
)

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import Person

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


@transaction.atomic
def deal_update(
    *,
    actor: User | None,
    deal: Deal,
    reason: str,
    name: str | Unset = UNSET,
    amount: Decimal | str | Unset = UNSET,
    expected_close_on: dt.date | Unset | None = UNSET,
    customer: Customer | Unset | None = UNSET,
    won_lost_reason: str | Unset = UNSET,
) -> Deal:
    """Correct the given fields of a deal (audited, with a reason); its stage moves only with ``deal_move_stage``."""
    _require_fact_write(actor, kind=FactKind.DEAL, person_id=deal.person_id, unit_id=deal.unit_id)
    why = _reason(reason)
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = _text(name, field="name")
    if amount is not UNSET:
        values["amount"] = _money(_required(amount, field="amount"), field="amount")
    if expected_close_on is not UNSET:
        values["expected_close_on"] = expected_close_on
    if customer is not UNSET:
        values["customer"] = customer
    if won_lost_reason is not UNSET:
        values["won_lost_reason"] = _text(won_lost_reason, field="won_lost_reason", required=False, max_length=500)
    _apply_changes(actor=actor, instance=deal, values=values, reason=why)
    return deal


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
