"""Request and response bodies of the sales API (one ``XxxIn`` / ``XxxOut`` per operation).

Money travels as decimal strings (``"1234.50"``), never as floats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from attain.sales.choices import DEFAULT_SOURCE, ActivityKind, FeedbackKind, OrderStatus, ReversalKind


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _keep() -> Any:
    """The default of a correction field: left out of the body, the stored value stays as it is."""
    return Field(None, json_schema_extra=_drop_default)


class CorrectionIn(Schema):
    """A PATCH body: why (required, kept in the audit log) and only the fields to change; others are refused."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(..., max_length=500)


class CustomerOut(Schema):
    id: int
    source: str
    external_id: str
    name: str
    segment: str
    is_key_account: bool
    region_id: int | None
    first_order_on: dt.date | None


class CustomerIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=128)
    source: str = DEFAULT_SOURCE
    name: str = Field(..., min_length=1, max_length=200)
    segment: str = ""
    is_key_account: bool = False
    region_id: int | None = None
    owner_id: int | None = None
    owned_from: dt.date | None = None


class CustomerUpdateIn(CorrectionIn):
    name: str = _keep()
    segment: str = _keep()
    is_key_account: bool = _keep()
    region_id: int | None = _keep()


class ProductOut(Schema):
    id: int
    source: str
    external_id: str
    code: str
    name: str
    product_line_id: int | None
    list_price: Decimal | None
    cost: Decimal | None
    currency: str
    is_active: bool


class ProductIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    source: str = DEFAULT_SOURCE
    external_id: str | None = None
    product_line_id: int | None = None
    list_price: Decimal | None = None
    cost: Decimal | None = None
    currency: str | None = None
    is_active: bool = True


class ProductUpdateIn(CorrectionIn):
    name: str = _keep()
    product_line_id: int | None = _keep()
    list_price: Decimal | None = _keep()
    cost: Decimal | None = _keep()
    is_active: bool = _keep()


class CreditIn(Schema):
    person_id: int
    percent: Decimal


class CreditOut(Schema):
    person_id: int
    unit_id: int | None
    percent: Decimal


class LineIn(Schema):
    product_id: int
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal | None = None
    cost: Decimal | None = None


class LineOut(Schema):
    line_no: int
    product_id: int
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    cost: Decimal | None


class OrderOut(Schema):
    id: int
    source: str
    external_id: str
    booked_on: dt.date
    customer_id: int
    person_id: int
    unit_id: int | None
    currency: str
    amount: Decimal
    cost: Decimal | None
    payment_terms_days: int
    due_on: dt.date
    status: str
    note: str


class OrderDetailOut(OrderOut):
    lines: list[LineOut]
    credits: list[CreditOut]
    open_amount: Decimal | None = None

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_credits(obj: Any) -> list[Any]:
        return list(obj.credits.all())


class OrderIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=128)
    source: str = DEFAULT_SOURCE
    booked_on: dt.date
    customer_id: int
    person_id: int
    amount: Decimal | None = None
    cost: Decimal | None = None
    currency: str | None = None
    payment_terms_days: int = Field(30, ge=0, le=3650)
    status: OrderStatus = OrderStatus.BOOKED
    note: str = ""
    lines: list[LineIn] = []
    credits: list[CreditIn] = []


class OrderUpdateIn(CorrectionIn):
    status: OrderStatus | None = None
    note: str | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=3650)


class CollectionOut(Schema):
    id: int
    source: str
    external_id: str
    order_id: int
    person_id: int
    unit_id: int | None
    received_on: dt.date
    amount: Decimal
    currency: str
    reference: str
    note: str


class CollectionIn(Schema):
    order_id: int
    amount: Decimal
    received_on: dt.date
    external_id: str | None = None
    source: str = DEFAULT_SOURCE
    reference: str = ""
    note: str = ""


class ReversalOut(Schema):
    id: int
    source: str
    external_id: str
    order_id: int
    kind: str
    reversed_on: dt.date
    amount: Decimal
    currency: str
    reason: str


class ReversalIn(Schema):
    order_id: int
    kind: ReversalKind
    amount: Decimal
    reversed_on: dt.date
    reason: str = ""
    external_id: str | None = None
    source: str = DEFAULT_SOURCE


class StageOut(Schema):
    id: int
    code: str
    name: str
    position: int
    probability: Decimal
    is_won: bool
    is_lost: bool
    is_active: bool


class StageIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=100)
    position: int = 0
    probability: Decimal = Decimal(0)
    is_won: bool = False
    is_lost: bool = False


class DealOut(Schema):
    id: int
    source: str
    external_id: str
    name: str
    customer_id: int | None
    person_id: int
    unit_id: int | None
    amount: Decimal
    currency: str
    stage_id: int
    opened_on: dt.date | None
    expected_close_on: dt.date | None
    closed_on: dt.date | None
    won_lost_reason: str


class DealIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=128)
    source: str = DEFAULT_SOURCE
    name: str = Field(..., min_length=1, max_length=200)
    person_id: int
    stage_id: int
    amount: Decimal
    customer_id: int | None = None
    currency: str | None = None
    opened_on: dt.date | None = None
    expected_close_on: dt.date | None = None
    won_lost_reason: str = ""
    credits: list[CreditIn] = []


class DealUpdateIn(CorrectionIn):
    """Stage changes have their own endpoint (``POST /deals/{id}/stage``)."""

    name: str = _keep()
    amount: Decimal = _keep()
    expected_close_on: dt.date | None = _keep()
    customer_id: int | None = _keep()
    won_lost_reason: str = _keep()


class DealMoveIn(Schema):
    stage_id: int
    won_lost_reason: str | None = None


class ActivityOut(Schema):
    id: int
    source: str
    external_id: str
    kind: str
    occurred_on: dt.date
    person_id: int
    unit_id: int | None
    customer_id: int | None
    outcome: str
    duration_minutes: int | None
    note: str


class ActivityIn(Schema):
    kind: ActivityKind = ActivityKind.VISIT
    occurred_on: dt.date | None = None
    person_id: int | None = None
    customer_id: int | None = None
    outcome: str = ""
    duration_minutes: int | None = Field(None, ge=0)
    note: str = ""
    external_id: str | None = None
    source: str = DEFAULT_SOURCE


class ActivityUpdateIn(CorrectionIn):
    kind: ActivityKind = _keep()
    outcome: str = _keep()
    duration_minutes: int | None = _keep()
    note: str = _keep()
    customer_id: int | None = _keep()
    occurred_on: dt.date = _keep()


class FeedbackOut(Schema):
    id: int
    source: str
    external_id: str
    customer_id: int
    person_id: int
    responded_on: dt.date
    kind: str
    score: int
    comment: str


class FeedbackIn(Schema):
    customer_id: int
    person_id: int
    kind: FeedbackKind
    score: int
    responded_on: dt.date
    comment: str = ""
    external_id: str | None = None
    source: str = DEFAULT_SOURCE


class FeedbackUpdateIn(CorrectionIn):
    """Only the comment: a customer's score is what the customer said and is not editable."""

    comment: str = _keep()


class TrainingOut(Schema):
    id: int
    source: str
    external_id: str
    person_id: int
    course: str
    score: Decimal | None
    is_passed: bool
    completed_on: dt.date


class TrainingIn(Schema):
    person_id: int
    course: str = Field(..., min_length=1, max_length=200)
    completed_on: dt.date
    is_passed: bool
    score: Decimal | None = None
    external_id: str | None = None
    source: str = DEFAULT_SOURCE


class TrainingUpdateIn(CorrectionIn):
    score: Decimal | None = _keep()
    is_passed: bool = _keep()
    completed_on: dt.date = _keep()


class BulkIn(Schema):
    source: str = DEFAULT_SOURCE
    all_or_nothing: bool = False
    reason: str = Field("", max_length=500, description="Why, recorded on every correction (default: bulk upsert)")
    rows: list[dict[str, Any]] = Field(..., min_length=1, max_length=1000)


class BulkRowOut(Schema):
    row: int
    status: str
    id: int | None
    external_id: str


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]]
    rows: list[BulkRowOut]


class AgeingOut(Schema):
    as_of: dt.date
    totals: dict[str, dict[str, Decimal]]
    counts: dict[str, int]
