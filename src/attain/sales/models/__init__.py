"""The sales facts Attain measures, and the records of how they arrived.

Summary for readers (importers, demo and benchmark generators):

- Every fact model (``Customer``, ``Product``, ``Deal``, ``Order``, ``Collection``, ``OrderReversal``,
  ``Activity``, ``FeedbackResponse``, ``TrainingResult``) inherits ``Fact``: ``source`` (default
  ``"attain"``) + ``external_id`` unique together (the idempotent upsert key; a UUID hex when none is
  given), ``created_at``, ``updated_at`` and a nullable ``import_batch``.
- Facts that belong to a rep carry ``person`` (the rep) and ``unit`` (the rep's member unit on the fact
  date, denormalised at write time) so that data scope is one indexed filter:
  ``scope.person_q("person_id") | scope.unit_q("unit_id")``. ``unit`` may be NULL when the rep had no
  membership that day.
- Money is ``DecimalField(14, 2)`` with a ``currency`` (default ``settings.ATTAIN_DEFAULT_CURRENCY``);
  unit prices have 4 decimals; percentages ``DecimalField(5, 2)``. Never float.
- An order is never edited financially: cancellations and refunds are ``OrderReversal`` rows referencing it;
  ``open amount = amount − reversals − collections + refunds`` (a refund pays collected money back).
- Credit splits (``OrderCredit``, ``DealCredit``) sum to 100; with no rows the owner has 100 %.
- Customer ownership is effective-dated (``CustomerOwnership``, inclusive ``valid_from``/``valid_to``).
- ``Alias`` maps another spelling ("GTXPro") to a person, customer or product id, matched on a normalised key.
- ``ImportBatch`` records each import, ``MappingProfile`` saved column mappings, ``WebhookEndpoint`` the
  per-source HMAC secret and ``WebhookDelivery`` each received push (unique per source + delivery id).
"""

from attain.sales.models.activities import (
    Activity,
    FeedbackResponse,
    TrainingResult,
)
from attain.sales.models.base import (
    Fact,
    default_currency,
    new_external_id,
)
from attain.sales.models.customers import (
    Customer,
    CustomerOwnership,
)
from attain.sales.models.deals import (
    Deal,
    DealCredit,
    DealStageChange,
    PipelineStage,
)
from attain.sales.models.imports import (
    ImportBatch,
    MappingProfile,
    WebhookDelivery,
    WebhookEndpoint,
)
from attain.sales.models.orders import (
    Collection,
    Order,
    OrderCredit,
    OrderLine,
    OrderReversal,
)
from attain.sales.models.products import (
    Alias,
    Product,
)

__all__ = [
    "Activity",
    "Alias",
    "Collection",
    "Customer",
    "CustomerOwnership",
    "Deal",
    "DealCredit",
    "DealStageChange",
    "Fact",
    "FeedbackResponse",
    "ImportBatch",
    "MappingProfile",
    "Order",
    "OrderCredit",
    "OrderLine",
    "OrderReversal",
    "PipelineStage",
    "Product",
    "TrainingResult",
    "WebhookDelivery",
    "WebhookEndpoint",
    "default_currency",
    "new_external_id",
]
