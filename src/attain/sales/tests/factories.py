"""factory_boy factories for sales facts (built through the services, so units and audits are right)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from attain.org.tests.factories import MembershipFactory, PersonFactory
from attain.sales import services
from attain.sales.choices import ActivityKind, FeedbackKind, ReversalKind
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

D = dt.date


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    segment = "SMB"
    owner = None

    @classmethod
    def _create(cls, model_class: type[Customer], *args: Any, **kwargs: Any) -> Customer:
        customer, _status = services.customer_upsert(actor=None, owned_from=D(2026, 1, 1), **kwargs)
        return customer


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    list_price = Decimal("100.00")
    cost = Decimal("60.00")

    @classmethod
    def _create(cls, model_class: type[Product], *args: Any, **kwargs: Any) -> Product:
        product, _status = services.product_upsert(actor=None, **kwargs)
        return product


class PipelineStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PipelineStage

    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(int)
    probability = Decimal("20")


def _rep() -> Any:
    return MembershipFactory().person


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    external_id = factory.Sequence(lambda n: f"SO{n:06d}")
    booked_on = D(2026, 3, 1)
    customer = factory.SubFactory(CustomerFactory)
    person = factory.LazyFunction(_rep)
    amount = Decimal("1000.00")
    payment_terms_days = 30

    @classmethod
    def _create(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> Order:
        return services.order_create(actor=None, **kwargs)


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collection

    order = factory.SubFactory(OrderFactory)
    amount = Decimal("100.00")
    received_on = D(2026, 3, 10)

    @classmethod
    def _create(cls, model_class: type[Collection], *args: Any, **kwargs: Any) -> Collection:
        return services.collection_record(actor=None, **kwargs)


class OrderReversalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderReversal

    order = factory.SubFactory(OrderFactory)
    kind = ReversalKind.CANCELLATION
    amount = Decimal("100.00")
    reversed_on = D(2026, 3, 5)

    @classmethod
    def _create(cls, model_class: type[OrderReversal], *args: Any, **kwargs: Any) -> OrderReversal:
        return services.order_reverse(actor=None, **kwargs)


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    external_id = factory.Sequence(lambda n: f"D{n:05d}")
    name = factory.Sequence(lambda n: f"Deal {n}")
    person = factory.LazyFunction(_rep)
    stage = factory.SubFactory(PipelineStageFactory)
    amount = Decimal("5000.00")
    opened_on = D(2026, 2, 1)
    expected_close_on = D(2026, 6, 30)

    @classmethod
    def _create(cls, model_class: type[Deal], *args: Any, **kwargs: Any) -> Deal:
        deal, _status = services.deal_upsert(actor=None, **kwargs)
        return deal


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.VISIT
    occurred_on = D(2026, 3, 2)
    person = factory.LazyFunction(_rep)
    customer = factory.SubFactory(CustomerFactory)
    duration_minutes = 30

    @classmethod
    def _create(cls, model_class: type[Activity], *args: Any, **kwargs: Any) -> Activity:
        return services.activity_log(actor=None, **kwargs)


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackResponse

    customer = factory.SubFactory(CustomerFactory)
    person = factory.LazyFunction(_rep)
    kind = FeedbackKind.CSAT
    score = 4
    responded_on = D(2026, 3, 3)

    @classmethod
    def _create(cls, model_class: type[FeedbackResponse], *args: Any, **kwargs: Any) -> FeedbackResponse:
        return services.feedback_record(actor=None, **kwargs)


class TrainingResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingResult

    person = factory.SubFactory(PersonFactory)
    course = "Consultative selling"
    completed_on = D(2026, 2, 20)
    is_passed = True
    score = Decimal("86.50")

    @classmethod
    def _create(cls, model_class: type[TrainingResult], *args: Any, **kwargs: Any) -> TrainingResult:
        result, _status = services.training_result_record(actor=None, **kwargs)
        return result
