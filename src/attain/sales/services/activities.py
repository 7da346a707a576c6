"""Activity, customer feedback and training result writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.core.errors import ValidationError
from attain.org.selectors import person_for_user
from attain.sales import rules
from attain.sales.choices import DEFAULT_SOURCE, ActivityKind, ActivityOutcome, FactKind, FeedbackKind
from attain.sales.models import Activity, Customer, Deal, FeedbackResponse, TrainingResult
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
    _refuse_duplicate,
    _require_fact_write,
    _required,
    _text,
    _unit_id_on,
)

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import Person

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
def activity_update(
    *,
    actor: User | None,
    activity: Activity,
    reason: str,
    kind: str | Unset = UNSET,
    outcome: str | Unset = UNSET,
    duration_minutes: int | Unset | None = UNSET,
    note: str | Unset = UNSET,
    customer: Customer | Unset | None = UNSET,
    occurred_on: dt.date | Unset = UNSET,
) -> Activity:
    """Correct the given fields of an activity (audited, with a reason); reps correct only their own.

    A new date moves the activity to the rep's unit on that date, which must be in the actor's scope too.
    """
    _require_fact_write(actor, kind=FactKind.ACTIVITY, person_id=activity.person_id, unit_id=activity.unit_id)
    why = _reason(reason)
    activity = Activity.objects.select_for_update().select_related("person").get(pk=activity.pk)
    values: dict[str, Any] = {}
    if kind is not UNSET:
        values["kind"] = _choice(_required(kind, field="kind"), ActivityKind.values, field="kind")
    if outcome is not UNSET:
        values["outcome"] = _choice(outcome or "", ["", *ActivityOutcome.values], field="outcome")
    if duration_minutes is not UNSET:
        if duration_minutes is not None and duration_minutes < 0:
            raise ValidationError(_("Must not be negative."), field="duration_minutes")
        values["duration_minutes"] = duration_minutes
    if note is not UNSET:
        values["note"] = _text(note, field="note", required=False, max_length=5000)
    if customer is not UNSET:
        values["customer"] = customer
    if occurred_on is not UNSET:
        day = _required(occurred_on, field="occurred_on")
        if day > timezone.localdate() + dt.timedelta(days=1):
            raise ValidationError(_("An activity cannot be logged in the future."), field="occurred_on")
        unit_id = _unit_id_on(activity.person, day)
        _require_fact_write(actor, kind=FactKind.ACTIVITY, person_id=activity.person_id, unit_id=unit_id)
        values["occurred_on"] = day
        values["unit_id"] = unit_id
    _apply_changes(actor=actor, instance=activity, values=values, reason=why)
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
def feedback_update(
    *, actor: User | None, response: FeedbackResponse, reason: str, comment: str | Unset = UNSET
) -> FeedbackResponse:
    """Correct the comment of a feedback response (audited, with a reason).

    The kind and the score are not editable: a customer's score is what the customer said.
    """
    _require_fact_write(actor, kind=FactKind.FEEDBACK, person_id=response.person_id, unit_id=response.unit_id)
    why = _reason(reason)
    response = FeedbackResponse.objects.select_for_update().get(pk=response.pk)
    values: dict[str, Any] = {}
    if comment is not UNSET:
        values["comment"] = _text(comment, field="comment", required=False, max_length=5000)
    _apply_changes(actor=actor, instance=response, values=values, reason=why)
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


@transaction.atomic
def training_result_update(
    *,
    actor: User | None,
    result: TrainingResult,
    reason: str,
    score: Decimal | str | Unset | None = UNSET,
    is_passed: bool | Unset = UNSET,
    completed_on: dt.date | Unset = UNSET,
) -> TrainingResult:
    """Correct the score, pass/fail or date of a training result (audited, with a reason).

    A new date moves the result to the person's unit on that date, which must be in the actor's scope too.
    """
    _require_fact_write(actor, kind=FactKind.TRAINING, person_id=result.person_id, unit_id=result.unit_id)
    why = _reason(reason)
    result = TrainingResult.objects.select_for_update().select_related("person").get(pk=result.pk)
    values: dict[str, Any] = {}
    if score is not UNSET:
        values["score"] = None if score in (None, "") else _money(score, field="score")
    if is_passed is not UNSET:
        values["is_passed"] = bool(_required(is_passed, field="is_passed"))
    if completed_on is not UNSET:
        day = _required(completed_on, field="completed_on")
        unit_id = _unit_id_on(result.person, day)
        _require_fact_write(actor, kind=FactKind.TRAINING, person_id=result.person_id, unit_id=unit_id)
        values["completed_on"] = day
        values["unit_id"] = unit_id
    _apply_changes(actor=actor, instance=result, values=values, reason=why)
    return result
