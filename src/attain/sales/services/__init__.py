"""Writes of the sales domain: facts are created, corrected (audited) and reversed, never silently changed.

Every service is keyword-only and atomic. ``actor=None`` is a system action (CLI, demo, importer). Who may
write what: reps may log their own activities, and record collections and feedback for their own orders and
customers; every other role writes facts whose rep (or unit) is inside their data scope; reference data
(products, pipeline stages, aliases) needs an administrator, a director or finance. Validation rules live in
``attain.sales.rules`` so importers apply the same ones.
"""

from attain.sales.services._common import (
    CREATED,
    ERROR,
    REFERENCE_ROLES,
    REP_KINDS,
    UNCHANGED,
    UNSET,
    UPDATED,
    Unset,
    fact_write_allowed,
)
from attain.sales.services._common import (
    _require_reference_write as _require_reference_write,
)
from attain.sales.services.activities import (
    activity_log,
    activity_update,
    feedback_record,
    feedback_update,
    training_result_record,
    training_result_update,
)
from attain.sales.services.bulk import (
    BULK_HANDLERS,
    REFERENCE_LABELS,
    BulkResult,
    RowResult,
    facts_bulk_upsert,
)
from attain.sales.services.customers import (
    customer_owner_assign,
    customer_update,
    customer_upsert,
)
from attain.sales.services.deals import (
    CreditShare,
    deal_move_stage,
    deal_update,
    deal_upsert,
)
from attain.sales.services.orders import (
    ORDER_CORRECTABLE,
    LineInput,
    OrderTotals,
    collection_record,
    order_create,
    order_reverse,
    order_totals,
    order_update,
    rules_quantize,
)
from attain.sales.services.products import (
    alias_add,
    pipeline_stage_create,
    pipeline_stage_update,
    product_update,
    product_upsert,
)

__all__ = [
    "BULK_HANDLERS",
    "CREATED",
    "ERROR",
    "ORDER_CORRECTABLE",
    "REFERENCE_LABELS",
    "REFERENCE_ROLES",
    "REP_KINDS",
    "UNCHANGED",
    "UNSET",
    "UPDATED",
    "BulkResult",
    "CreditShare",
    "LineInput",
    "OrderTotals",
    "RowResult",
    "Unset",
    "activity_log",
    "activity_update",
    "alias_add",
    "collection_record",
    "customer_owner_assign",
    "customer_update",
    "customer_upsert",
    "deal_move_stage",
    "deal_update",
    "deal_upsert",
    "fact_write_allowed",
    "facts_bulk_upsert",
    "feedback_record",
    "feedback_update",
    "order_create",
    "order_reverse",
    "order_totals",
    "order_update",
    "pipeline_stage_create",
    "pipeline_stage_update",
    "product_update",
    "product_upsert",
    "rules_quantize",
    "training_result_record",
    "training_result_update",
]
