"""Admin for the sales models.

Facts are read-only here: a correction must be audited and a removal is a reversal, so both go through the
services (web, API, import). Reference data (pipeline stages, mapping profiles, webhook endpoints) is editable.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
    ImportBatch,
    MappingProfile,
    Order,
    OrderCredit,
    OrderLine,
    OrderReversal,
    PipelineStage,
    Product,
    TrainingResult,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows facts without letting the admin site change or delete them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "source", "booked_on", "customer", "person", "amount", "currency", "status"]
    list_filter = ["status", "source"]
    search_fields = ["external_id", "customer__name"]
    date_hierarchy = "booked_on"


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "order", "received_on", "amount", "currency"]
    search_fields = ["external_id", "order__external_id", "reference"]


@admin.register(OrderReversal)
class OrderReversalAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "order", "kind", "reversed_on", "amount"]
    list_filter = ["kind"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["name", "external_id", "source", "segment", "is_key_account", "first_order_on"]
    search_fields = ["name", "external_id"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "product_line", "list_price", "cost", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    list_display = ["name", "external_id", "person", "stage", "amount", "expected_close_on"]
    search_fields = ["name", "external_id"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["occurred_on", "kind", "person", "customer", "outcome"]
    list_filter = ["kind"]


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(ReadOnlyAdmin):
    list_display = ["responded_on", "kind", "score", "customer", "person"]


@admin.register(TrainingResult)
class TrainingResultAdmin(ReadOnlyAdmin):
    list_display = ["completed_on", "course", "person", "score", "is_passed"]


@admin.register(Alias)
class AliasAdmin(ReadOnlyAdmin):
    list_display = ["kind", "source", "text", "key", "target_id"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "filename", "status", "created_count", "updated_count", "error_count"]
    list_filter = ["kind", "status"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "source", "delivery_id", "kind", "status"]


@admin.register(PipelineStage)
class PipelineStageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "position", "probability", "is_won", "is_lost", "is_active"]


@admin.register(MappingProfile)
class MappingProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_builtin", "updated_at"]
    list_filter = ["kind", "is_builtin"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["source", "is_active", "created_at"]


@admin.register(CustomerOwnership)
class CustomerOwnershipAdmin(ReadOnlyAdmin):
    list_display = ["customer", "person", "valid_from", "valid_to"]


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "line_no", "product", "quantity", "unit_price", "amount"]


@admin.register(OrderCredit)
class OrderCreditAdmin(ReadOnlyAdmin):
    list_display = ["order", "person", "unit", "percent"]


@admin.register(DealCredit)
class DealCreditAdmin(ReadOnlyAdmin):
    list_display = ["deal", "person", "unit", "percent"]


@admin.register(DealStageChange)
class DealStageChangeAdmin(ReadOnlyAdmin):
    list_display = ["deal", "from_stage", "to_stage", "changed_at"]
