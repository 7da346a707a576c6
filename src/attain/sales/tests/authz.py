"""Out-of-scope sales facts for the authorization matrix (tests/test_authorization_matrix.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from attain.org.models import Person
from attain.sales import services
from attain.sales.choices import ActivityKind, FactKind, FeedbackKind, ReversalKind
from attain.sales.models import ImportBatch, WebhookEndpoint

MARKER = "OUTSIDE-SCOPE"
MARKERS = [f"{MARKER}-SO", f"{MARKER}-客户"]


def outside_objects(world: Any) -> dict[type[models.Model], models.Model]:
    """Facts of the OUTSIDE-SCOPE rep, on a customer only they own; reference data carries no marker."""
    person = Person.objects.get(employee_no=f"{MARKER}-E999")
    today = timezone.localdate()
    booked = today - dt.timedelta(days=40)
    customer, _ = services.customer_upsert(
        actor=None, external_id=f"{MARKER}-C1", name=f"{MARKER}-客户", owner=person, owned_from=booked
    )
    product, _ = services.product_upsert(actor=None, code="AUTHZ-P1", name="Probe product", list_price="10")
    stage = services.pipeline_stage_create(actor=None, code="authz-qualify", name="Qualify", probability="20")
    order = services.order_create(
        actor=None,
        external_id=f"{MARKER}-SO1",
        booked_on=booked,
        customer=customer,
        person=person,
        lines=[services.LineInput(product=product, quantity="10", unit_price="10")],
        note=f"{MARKER}-note",
    )
    collection = services.collection_record(
        actor=None, order=order, amount="20", received_on=booked, reference=f"{MARKER}-REF"
    )
    reversal = services.order_reverse(
        actor=None,
        order=order,
        kind=ReversalKind.CANCELLATION,
        amount="10",
        reversed_on=booked,
        reason=f"{MARKER}-reason",
    )
    deal, _ = services.deal_upsert(
        actor=None,
        external_id=f"{MARKER}-D1",
        name=f"{MARKER}-商机",
        person=person,
        stage=stage,
        amount=Decimal("500"),
        customer=customer,
        opened_on=booked,
    )
    activity = services.activity_log(
        actor=None,
        kind=ActivityKind.VISIT,
        occurred_on=booked,
        person=person,
        customer=customer,
        note=f"{MARKER}-visit",
    )
    feedback = services.feedback_record(
        actor=None,
        customer=customer,
        person=person,
        kind=FeedbackKind.NPS,
        score=9,
        responded_on=booked,
        comment=f"{MARKER}-comment",
    )
    training, _ = services.training_result_record(
        actor=None, person=person, course=f"{MARKER}-course", completed_on=booked, is_passed=True
    )
    endpoint = WebhookEndpoint.objects.create(source="authz-crm", secret="authz-secret")
    batch = ImportBatch.objects.create(kind=FactKind.ORDER, filename=f"{MARKER}-SO-file.csv", actor=None)
    return {
        type(customer): customer,
        type(product): product,
        type(stage): stage,
        type(order): order,
        type(collection): collection,
        type(reversal): reversal,
        type(deal): deal,
        type(activity): activity,
        type(feedback): feedback,
        type(training): training,
        type(endpoint): endpoint,
        type(batch): batch,
    }
