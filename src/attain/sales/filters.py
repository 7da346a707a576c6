"""One django-filter FilterSet per fact list, shared by the web lists, the API and exports.

The FilterSets only narrow a queryset that a scoped selector produced; they never widen it.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import ActivityKind, FeedbackKind, OrderStatus, ReversalKind
from attain.sales.models import (
    Activity,
    Collection,
    Customer,
    Deal,
    FeedbackResponse,
    Order,
    OrderReversal,
    Product,
    TrainingResult,
)


class _FactFilter(django_filters.FilterSet):
    """Common filters: free text ``q``, ``person`` and ``unit`` ids, a ``source``."""

    person = django_filters.NumberFilter(field_name="person_id", label=_("Rep"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("Org unit"))
    source = django_filters.CharFilter(field_name="source", label=_("Source"))


class OrderFilter(_FactFilter):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    booked_from = django_filters.DateFilter(field_name="booked_on", lookup_expr="gte", label=_("Booked from"))
    booked_to = django_filters.DateFilter(field_name="booked_on", lookup_expr="lte", label=_("Booked to"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("Status"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))

    class Meta:
        model = Order
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(external_id__icontains=value) | Q(customer__name__icontains=value))


class CollectionFilter(_FactFilter):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte", label=_("Received from"))
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte", label=_("Received to"))
    order = django_filters.NumberFilter(field_name="order_id", label=_("Order"))

    class Meta:
        model = Collection
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(
            Q(order__external_id__icontains=value) | Q(reference__icontains=value) | Q(external_id__icontains=value)
        )


class ReversalFilter(_FactFilter):
    kind = django_filters.ChoiceFilter(choices=ReversalKind.choices, label=_("Kind"))
    date_from = django_filters.DateFilter(field_name="reversed_on", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="reversed_on", lookup_expr="lte", label=_("To"))
    order = django_filters.NumberFilter(field_name="order_id", label=_("Order"))

    class Meta:
        model = OrderReversal
        fields: list[str] = []


class DealFilter(_FactFilter):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    stage = django_filters.NumberFilter(field_name="stage_id", label=_("Stage"))
    is_open = django_filters.BooleanFilter(method="open_only", label=_("Open only"))
    close_from = django_filters.DateFilter(field_name="expected_close_on", lookup_expr="gte", label=_("Close from"))
    close_to = django_filters.DateFilter(field_name="expected_close_on", lookup_expr="lte", label=_("Close to"))

    class Meta:
        model = Deal
        fields: list[str] = []

    def open_only(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        closed = Q(stage__is_won=True) | Q(stage__is_lost=True)
        return queryset.exclude(closed) if value else queryset.filter(closed)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    segment = django_filters.CharFilter(field_name="segment", label=_("Segment"))
    is_key_account = django_filters.BooleanFilter(field_name="is_key_account", label=_("Key account"))
    region = django_filters.NumberFilter(field_name="region_id", label=_("Region"))

    class Meta:
        model = Customer
        fields: list[str] = []


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    product_line = django_filters.NumberFilter(field_name="product_line_id", label=_("Product line"))

    class Meta:
        model = Product
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class ActivityFilter(_FactFilter):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Kind"))
    date_from = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte", label=_("To"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))

    class Meta:
        model = Activity
        fields: list[str] = []


class FeedbackFilter(_FactFilter):
    kind = django_filters.ChoiceFilter(choices=FeedbackKind.choices, label=_("Kind"))
    date_from = django_filters.DateFilter(field_name="responded_on", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="responded_on", lookup_expr="lte", label=_("To"))

    class Meta:
        model = FeedbackResponse
        fields: list[str] = []


class TrainingResultFilter(_FactFilter):
    course = django_filters.CharFilter(field_name="course", lookup_expr="icontains", label=_("Course"))
    is_passed = django_filters.BooleanFilter(field_name="is_passed", label=_("Passed"))

    class Meta:
        model = TrainingResult
        fields: list[str] = []


FILTERS: dict[str, type[django_filters.FilterSet]] = {
    "order": OrderFilter,
    "collection": CollectionFilter,
    "reversal": ReversalFilter,
    "deal": DealFilter,
    "customer": CustomerFilter,
    "product": ProductFilter,
    "activity": ActivityFilter,
    "feedback": FeedbackFilter,
    "training": TrainingResultFilter,
}


def apply_filter(kind: str, queryset: QuerySet[Any], params: Any) -> QuerySet[Any]:
    """Narrow a scoped queryset by request parameters; invalid parameters are ignored, not refused."""
    filterset = FILTERS[kind](data=params or None, queryset=queryset)
    if filterset.is_bound and not filterset.is_valid():
        valid = {k: v for k, v in params.items() if k not in filterset.errors}
        filterset = FILTERS[kind](data=valid or None, queryset=queryset)
        filterset.is_valid()
    return filterset.qs
