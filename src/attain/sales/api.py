"""REST endpoints of the sales domain: parse → call a service or selector → serialize.

Lists accept the same query parameters as the web lists (the FilterSets in ``attain.sales.filters``).
``PATCH /<kind>/{id}`` corrects the fields its body gives, with a required ``reason``, audited; money that
changed hands (order amounts, collections, reversals) is corrected by reversals, never edited.
``POST /<kind>/bulk`` upserts up to 1000 rows with per-row results; ``POST /webhooks/{source}`` receives CRM
pushes signed with HMAC-SHA256 (see ``attain.sales.webhooks``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from attain.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from attain.org import selectors as org_selectors
from attain.sales import selectors, services, webhooks
from attain.sales.choices import FactKind
from attain.sales.filters import apply_filter
from attain.sales.models import (
    Activity,
    Collection,
    Customer,
    Deal,
    FeedbackResponse,
    Order,
    OrderReversal,
    PipelineStage,
    Product,
    TrainingResult,
)
from attain.sales.schemas import (
    ActivityIn,
    ActivityOut,
    ActivityUpdateIn,
    AgeingOut,
    BulkIn,
    BulkOut,
    CollectionIn,
    CollectionOut,
    CorrectionIn,
    CustomerIn,
    CustomerOut,
    CustomerUpdateIn,
    DealIn,
    DealMoveIn,
    DealOut,
    DealUpdateIn,
    FeedbackIn,
    FeedbackOut,
    FeedbackUpdateIn,
    OrderDetailOut,
    OrderIn,
    OrderOut,
    OrderUpdateIn,
    ProductIn,
    ProductOut,
    ProductUpdateIn,
    ReversalIn,
    ReversalOut,
    StageIn,
    StageOut,
    TrainingIn,
    TrainingOut,
    TrainingUpdateIn,
)

if TYPE_CHECKING:
    from attain.accounts.models import User
    from attain.org.models import Person, ProductLine

router = Router(tags=["sales"])


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)  # the router's auth admits only signed-in users


def _person(actor: User, pk: int | None) -> Person | None:
    return org_selectors.person_get(actor=actor, pk=pk) if pk is not None else None


def _credits(actor: User, credits: list[Any]) -> list[services.CreditShare]:
    return [
        services.CreditShare(person=org_selectors.person_get(actor=actor, pk=c.person_id), percent=c.percent)
        for c in credits
    ]


def _changes(payload: CorrectionIn, stored: Model, **references: Callable[[int], Any]) -> dict[str, Any]:
    """The fields a PATCH body gives (the rest stay as stored), each changed ``<name>_id`` turned into its object.

    A new reference the actor cannot see is a 400 naming the field (only the path's object answers 404); the
    stored one may be sent back as it is, visible or not.
    """
    changes = payload.dict(exclude_unset=True, exclude={"reason"})
    for name, get in references.items():
        key = f"{name}_id"
        if key not in changes:
            continue
        pk = changes.pop(key)
        if pk == getattr(stored, key):
            continue
        try:
            changes[name] = None if pk is None else get(pk)
        except NotFoundError as exc:
            raise ValidationError(exc.message, field=key) from exc
    return changes


# --- customers and products --------------------------------------------------------------------------------


@router.get("/customers", response=list[CustomerOut])
@paginate(LimitOffsetPagination)
def customer_list(request: HttpRequest) -> Any:
    """Visible customers; filters: q, segment, is_key_account, region."""
    return apply_filter("customer", selectors.customer_list(actor=_actor(request)), request.GET)


@router.get("/customers/{int:pk}", response=CustomerOut)
def customer_get(request: HttpRequest, pk: int) -> Customer:
    return selectors.customer_get(actor=_actor(request), pk=pk)


@router.post("/customers", response={200: CustomerOut, 201: CustomerOut})
def customer_upsert(request: HttpRequest, payload: CustomerIn) -> Status[Customer]:
    """Create or correct a customer by (source, external id); 201 when created."""
    actor = _actor(request)
    region = org_selectors.unit_get(actor=actor, pk=payload.region_id) if payload.region_id else None
    customer, status = services.customer_upsert(
        actor=actor,
        source=payload.source,
        external_id=payload.external_id,
        name=payload.name,
        segment=payload.segment,
        is_key_account=payload.is_key_account,
        region=region,
        owner=_person(actor, payload.owner_id),
        owned_from=payload.owned_from,
    )
    return Status(201 if status == services.CREATED else 200, customer)


@router.patch("/customers/{int:pk}", response=CustomerOut)
def customer_update(request: HttpRequest, pk: int, payload: CustomerUpdateIn) -> Customer:
    """Correct name, segment, key-account flag or region; owners change through the upsert's ``owner_id``."""
    actor = _actor(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    changes = _changes(payload, customer, region=lambda unit_pk: org_selectors.unit_get(actor=actor, pk=unit_pk))
    return services.customer_update(actor=actor, customer=customer, reason=payload.reason, **changes)


@router.get("/products", response=list[ProductOut])
@paginate(LimitOffsetPagination)
def product_list(request: HttpRequest) -> Any:
    return apply_filter("product", selectors.product_list(actor=_actor(request)), request.GET)


@router.get("/products/{int:pk}", response=ProductOut)
def product_get(request: HttpRequest, pk: int) -> Product:
    return selectors.product_get(actor=_actor(request), pk=pk)


@router.post("/products", response={200: ProductOut, 201: ProductOut})
def product_upsert(request: HttpRequest, payload: ProductIn) -> Status[Product]:
    actor = _actor(request)
    services._require_reference_write(actor)
    line = None
    if payload.product_line_id is not None:
        try:
            line = _product_line(actor, payload.product_line_id)
        except NotFoundError as exc:  # an unknown line is bad input, not a missing page
            raise ValidationError(exc.message, field="product_line_id") from exc
    product, status = services.product_upsert(
        actor=actor,
        code=payload.code,
        name=payload.name,
        source=payload.source,
        external_id=payload.external_id,
        product_line=line,
        list_price=payload.list_price,
        cost=payload.cost,
        currency=payload.currency,
        is_active=payload.is_active,
    )
    return Status(201 if status == services.CREATED else 200, product)


@router.patch("/products/{int:pk}", response=ProductOut)
def product_update(request: HttpRequest, pk: int, payload: ProductUpdateIn) -> Product:
    """Correct name, product line, list price, cost or the active flag (reference data: admin, director, finance)."""
    actor = _actor(request)
    product = selectors.product_get(actor=actor, pk=pk)
    changes = _changes(payload, product, product_line=lambda line_pk: _product_line(actor, line_pk))
    return services.product_update(actor=actor, product=product, reason=payload.reason, **changes)


def _product_line(actor: User, pk: int) -> ProductLine:
    line = org_selectors.product_line_list(actor=actor).filter(pk=pk).first()
    if line is None:
        raise NotFoundError(_("Product line not found."))
    return line


@router.get("/pipeline-stages", response=list[StageOut])
def stage_list(request: HttpRequest) -> list[PipelineStage]:
    return list(selectors.pipeline_stage_list(actor=_actor(request)))


@router.post("/pipeline-stages", response={201: StageOut})
def stage_create(request: HttpRequest, payload: StageIn) -> Status[PipelineStage]:
    stage = services.pipeline_stage_create(actor=_actor(request), **payload.dict())
    return Status(201, stage)


# --- orders, collections, reversals ------------------------------------------------------------------------


@router.get("/orders", response=list[OrderOut])
@paginate(LimitOffsetPagination)
def order_list(request: HttpRequest) -> Any:
    """Visible orders; filters: q, person, unit, customer, status, booked_from, booked_to, source."""
    return apply_filter("order", selectors.order_list(actor=_actor(request)), request.GET)


@router.get("/orders/ageing", response=AgeingOut)
def order_ageing(request: HttpRequest, as_of: dt.date | None = None) -> Any:
    """Open receivables by days overdue: current, 1–30, 31–60, 61–90, over 90, per currency."""
    actor = _actor(request)
    orders = apply_filter("order", selectors.order_list(actor=actor), request.GET)
    return selectors.receivable_ageing(actor=actor, as_of=as_of, orders=orders)


@router.get("/orders/{int:pk}", response=OrderDetailOut)
def order_get(request: HttpRequest, pk: int) -> Order:
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=pk)
    order.open_amount = selectors.order_open_amount(actor=actor, order=order)  # type: ignore[attr-defined]
    return order


@router.post("/orders", response={201: OrderDetailOut})
def order_create(request: HttpRequest, payload: OrderIn) -> Status[Order]:
    actor = _actor(request)
    customer = selectors.customer_get(actor=actor, pk=payload.customer_id)
    person = org_selectors.person_get(actor=actor, pk=payload.person_id)
    lines = [
        services.LineInput(
            product=selectors.product_get(actor=actor, pk=line.product_id),
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            cost=line.cost,
        )
        for line in payload.lines
    ]
    order = services.order_create(
        actor=actor,
        source=payload.source,
        external_id=payload.external_id,
        booked_on=payload.booked_on,
        customer=customer,
        person=person,
        amount=payload.amount,
        cost=payload.cost,
        currency=payload.currency,
        payment_terms_days=payload.payment_terms_days,
        status=payload.status,
        note=payload.note,
        lines=lines,
        credits=_credits(actor, payload.credits),
    )
    return Status(201, selectors.order_get(actor=actor, pk=order.pk) if actor else order)


@router.patch("/orders/{int:pk}", response=OrderOut)
def order_update(request: HttpRequest, pk: int, payload: OrderUpdateIn) -> Order:
    """Correct non-financial fields (status, note, payment terms); amounts change only through reversals."""
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=pk)
    return services.order_update(
        actor=actor,
        order=order,
        reason=payload.reason,
        require_reason=True,  # like every other correction
        status=payload.status,
        note=payload.note,
        payment_terms_days=payload.payment_terms_days,
    )


@router.get("/collections", response=list[CollectionOut])
@paginate(LimitOffsetPagination)
def collection_list(request: HttpRequest) -> Any:
    return apply_filter("collection", selectors.collection_list(actor=_actor(request)), request.GET)


@router.get("/collections/{int:pk}", response=CollectionOut)
def collection_get(request: HttpRequest, pk: int) -> Collection:
    return selectors.collection_get(actor=_actor(request), pk=pk)


@router.post("/collections", response={201: CollectionOut})
def collection_create(request: HttpRequest, payload: CollectionIn) -> Status[Collection]:
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=payload.order_id)
    return Status(
        201,
        services.collection_record(
            actor=actor,
            order=order,
            amount=payload.amount,
            received_on=payload.received_on,
            external_id=payload.external_id,
            source=payload.source,
            reference=payload.reference,
            note=payload.note,
        ),
    )


@router.get("/order-reversals", response=list[ReversalOut])
@paginate(LimitOffsetPagination)
def reversal_list(request: HttpRequest) -> Any:
    return apply_filter("reversal", selectors.reversal_list(actor=_actor(request)), request.GET)


@router.get("/order-reversals/{int:pk}", response=ReversalOut)
def reversal_get(request: HttpRequest, pk: int) -> OrderReversal:
    return selectors.reversal_get(actor=_actor(request), pk=pk)


@router.post("/order-reversals", response={201: ReversalOut})
def reversal_create(request: HttpRequest, payload: ReversalIn) -> Status[OrderReversal]:
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=payload.order_id)
    return Status(
        201,
        services.order_reverse(
            actor=actor,
            order=order,
            kind=payload.kind,
            amount=payload.amount,
            reversed_on=payload.reversed_on,
            reason=payload.reason,
            external_id=payload.external_id,
            source=payload.source,
        ),
    )


# --- deals -------------------------------------------------------------------------------------------------


@router.get("/deals", response=list[DealOut])
@paginate(LimitOffsetPagination)
def deal_list(request: HttpRequest) -> Any:
    return apply_filter("deal", selectors.deal_list(actor=_actor(request)), request.GET)


@router.get("/deals/{int:pk}", response=DealOut)
def deal_get(request: HttpRequest, pk: int) -> Deal:
    return selectors.deal_get(actor=_actor(request), pk=pk)


@router.post("/deals", response={200: DealOut, 201: DealOut})
def deal_upsert(request: HttpRequest, payload: DealIn) -> Status[Deal]:
    actor = _actor(request)
    person = org_selectors.person_get(actor=actor, pk=payload.person_id)
    stage = selectors.pipeline_stage_get(actor=actor, pk=payload.stage_id)
    customer = selectors.customer_get(actor=actor, pk=payload.customer_id) if payload.customer_id else None
    deal, status = services.deal_upsert(
        actor=actor,
        source=payload.source,
        external_id=payload.external_id,
        name=payload.name,
        person=person,
        stage=stage,
        amount=payload.amount,
        customer=customer,
        currency=payload.currency,
        opened_on=payload.opened_on,
        expected_close_on=payload.expected_close_on,
        won_lost_reason=payload.won_lost_reason,
        credits=_credits(actor, payload.credits),
    )
    return Status(201 if status == services.CREATED else 200, deal)


@router.patch("/deals/{int:pk}", response=DealOut)
def deal_update(request: HttpRequest, pk: int, payload: DealUpdateIn) -> Deal:
    """Correct name, amount, expected close, customer or won/lost reason; stages move with ``POST …/stage``."""
    actor = _actor(request)
    deal = selectors.deal_get(actor=actor, pk=pk)
    changes = _changes(payload, deal, customer=lambda customer_pk: selectors.customer_get(actor=actor, pk=customer_pk))
    return services.deal_update(actor=actor, deal=deal, reason=payload.reason, **changes)


@router.post("/deals/{int:pk}/stage", response=DealOut)
def deal_move_stage(request: HttpRequest, pk: int, payload: DealMoveIn) -> Deal:
    """Move a deal to another stage; the change is kept in its stage history with a timestamp."""
    actor = _actor(request)
    deal = selectors.deal_get(actor=actor, pk=pk)
    stage = selectors.pipeline_stage_get(actor=actor, pk=payload.stage_id)
    services.deal_move_stage(actor=actor, deal=deal, stage=stage, won_lost_reason=payload.won_lost_reason)
    return selectors.deal_get(actor=actor, pk=pk)


# --- activities, feedback, training ------------------------------------------------------------------------


@router.get("/activities", response=list[ActivityOut])
@paginate(LimitOffsetPagination)
def activity_list(request: HttpRequest) -> Any:
    return apply_filter("activity", selectors.activity_list(actor=_actor(request)), request.GET)


@router.get("/activities/{int:pk}", response=ActivityOut)
def activity_get(request: HttpRequest, pk: int) -> Activity:
    return selectors.activity_get(actor=_actor(request), pk=pk)


@router.post("/activities", response={201: ActivityOut})
def activity_create(request: HttpRequest, payload: ActivityIn) -> Status[Activity]:
    """Log an activity; ``person_id`` defaults to the caller, ``occurred_on`` to today."""
    actor = _actor(request)
    customer = selectors.customer_get(actor=actor, pk=payload.customer_id) if payload.customer_id else None
    return Status(
        201,
        services.activity_log(
            actor=actor,
            kind=payload.kind,
            occurred_on=payload.occurred_on,
            person=_person(actor, payload.person_id),
            customer=customer,
            outcome=payload.outcome,
            duration_minutes=payload.duration_minutes,
            note=payload.note,
            external_id=payload.external_id,
            source=payload.source,
        ),
    )


@router.patch("/activities/{int:pk}", response=ActivityOut)
def activity_update(request: HttpRequest, pk: int, payload: ActivityUpdateIn) -> Activity:
    """Correct kind, outcome, duration, note, customer or date; reps correct only their own activities."""
    actor = _actor(request)
    activity = selectors.activity_get(actor=actor, pk=pk)
    changes = _changes(
        payload, activity, customer=lambda customer_pk: selectors.customer_get(actor=actor, pk=customer_pk)
    )
    return services.activity_update(actor=actor, activity=activity, reason=payload.reason, **changes)


@router.get("/feedback-responses", response=list[FeedbackOut])
@paginate(LimitOffsetPagination)
def feedback_list(request: HttpRequest) -> Any:
    return apply_filter("feedback", selectors.feedback_list(actor=_actor(request)), request.GET)


@router.get("/feedback-responses/{int:pk}", response=FeedbackOut)
def feedback_get(request: HttpRequest, pk: int) -> FeedbackResponse:
    return selectors.feedback_get(actor=_actor(request), pk=pk)


@router.post("/feedback-responses", response={201: FeedbackOut})
def feedback_create(request: HttpRequest, payload: FeedbackIn) -> Status[FeedbackResponse]:
    actor = _actor(request)
    return Status(
        201,
        services.feedback_record(
            actor=actor,
            customer=selectors.customer_get(actor=actor, pk=payload.customer_id),
            person=org_selectors.person_get(actor=actor, pk=payload.person_id),
            kind=payload.kind,
            score=payload.score,
            responded_on=payload.responded_on,
            comment=payload.comment,
            external_id=payload.external_id,
            source=payload.source,
        ),
    )


@router.patch("/feedback-responses/{int:pk}", response=FeedbackOut)
def feedback_update(request: HttpRequest, pk: int, payload: FeedbackUpdateIn) -> FeedbackResponse:
    """Correct the comment only: a customer's score is what the customer said and is not editable."""
    actor = _actor(request)
    response = selectors.feedback_get(actor=actor, pk=pk)
    return services.feedback_update(
        actor=actor, response=response, reason=payload.reason, **_changes(payload, response)
    )


@router.get("/training-results", response=list[TrainingOut])
@paginate(LimitOffsetPagination)
def training_list(request: HttpRequest) -> Any:
    return apply_filter("training", selectors.training_result_list(actor=_actor(request)), request.GET)


@router.get("/training-results/{int:pk}", response=TrainingOut)
def training_get(request: HttpRequest, pk: int) -> TrainingResult:
    return selectors.training_result_get(actor=_actor(request), pk=pk)


@router.post("/training-results", response={200: TrainingOut, 201: TrainingOut})
def training_create(request: HttpRequest, payload: TrainingIn) -> Status[TrainingResult]:
    actor = _actor(request)
    result, status = services.training_result_record(
        actor=actor,
        person=org_selectors.person_get(actor=actor, pk=payload.person_id),
        course=payload.course,
        completed_on=payload.completed_on,
        is_passed=payload.is_passed,
        score=payload.score,
        external_id=payload.external_id,
        source=payload.source,
    )
    return Status(201 if status == services.CREATED else 200, result)


@router.patch("/training-results/{int:pk}", response=TrainingOut)
def training_update(request: HttpRequest, pk: int, payload: TrainingUpdateIn) -> TrainingResult:
    """Correct the score, pass/fail or completion date of a training result."""
    actor = _actor(request)
    result = selectors.training_result_get(actor=actor, pk=pk)
    return services.training_result_update(
        actor=actor, result=result, reason=payload.reason, **_changes(payload, result)
    )


# --- bulk upsert and webhooks ------------------------------------------------------------------------------

BULK_PATHS = {
    "customers": FactKind.CUSTOMER,
    "products": FactKind.PRODUCT,
    "deals": FactKind.DEAL,
    "orders": FactKind.ORDER,
    "collections": FactKind.COLLECTION,
    "order-reversals": FactKind.REVERSAL,
    "activities": FactKind.ACTIVITY,
    "feedback-responses": FactKind.FEEDBACK,
    "training-results": FactKind.TRAINING,
}


def _bulk_endpoint(kind: str) -> Callable[[HttpRequest, BulkIn], dict[str, Any]]:
    def bulk(request: HttpRequest, payload: BulkIn) -> dict[str, Any]:
        actor = _actor(request)
        if not getattr(actor, "is_authenticated", False):
            raise PermissionDeniedError("")
        result = services.facts_bulk_upsert(
            actor=actor,
            kind=kind,
            rows=payload.rows,
            source=payload.source,
            all_or_nothing=payload.all_or_nothing,
            reason=payload.reason,
        )
        return result.as_dict()

    bulk.__name__ = f"{kind}_bulk_upsert"
    bulk.__doc__ = (
        f"Upsert up to 1000 {kind} rows by (source, external id); per-row results (created / updated / "
        "unchanged / error). With all_or_nothing, any error writes nothing. Corrections are audited with "
        "reason (default: bulk upsert)."
    )
    return bulk


for _path, _kind in BULK_PATHS.items():
    router.post(f"/{_path}/bulk", response=BulkOut, url_name=f"{_kind}_bulk")(_bulk_endpoint(_kind))


@router.post("/webhooks/{source}", auth=None, response={200: BulkOut})
def webhook_receive(request: HttpRequest, source: str) -> Any:
    """A CRM push: ``X-Attain-Signature: sha256=<hex>`` of ``<timestamp>.<raw body>``, timestamp ≤ 5 min old.

    Body: ``{"kind": "order", "rows": [...]}``. A delivery (``X-Attain-Delivery``, else the signature) is
    applied once; a replay answers 409.
    """
    return webhooks.webhook_receive(
        source=source,
        body=request.body,
        signature=request.headers.get("X-Attain-Signature", ""),
        timestamp=request.headers.get("X-Attain-Timestamp", ""),
        delivery_id=request.headers.get("X-Attain-Delivery", ""),
    )
