"""Two years of believable sales facts for the demo company, written through bulk paths.

``sales_facts_step`` is a demo loader step (see ``attain.demo.services.DEMO_STEPS``). From the plan's
people (hire dates, transfers, leavers, a promotion) and a seed it makes: customers with effective-dated
owners (a few key accounts), products on the company's product lines, a pipeline that converts stage by
stage with its full stage history, orders with lines and occasional credit splits (won deals and repeat
business), collections on 30/60/90-day terms that are sometimes late or partial, a few cancellations and
refunds as reversal facts, activities, CSAT/NPS responses and training results.

The shape of the data:
- **Seasonality**: weekends are quiet, the weeks around Chinese New Year dip hard, and Q4 (December most)
  and each quarter's last ten days get a push.
- **Rep skill** is lognormal (σ 0.45): it scales how much a rep sells, how often their deals advance,
  how their customers rate them and how they score in training.
- **Payers**: most customers pay on time, some late, a few slowly and in parts; nothing after ``as_of``.

Why bulk paths and not the services: the medium demo holds ~100k fact rows, and writing them one service
call at a time would take minutes. Every row is built here already valid (the rules the services enforce
hold by construction and are checked with ``attain.sales.rules`` before writing: credit splits sum to 100,
money has two decimals, quantities are not negative, collections never exceed the open amount), then
inserted with ``bulk_create``. The sales models are reached through the app registry because the demo,
like a fixture loader, writes rows of another app without going through its services; every row gets
``source="demo"``, which is how ``sales_facts_unload`` finds and removes them on ``attain demo --reset``.
"""

from attain.demo.sales._common import (
    BATCH,
    CENT,
    CHINESE_NEW_YEAR,
    DEMO_SOURCE,
    YEARS,
    Book,
    Built,
    Seller,
    aware,
    money,
    poisson,
    season_weight,
)
from attain.demo.sales.activities import (
    ACTIVITY_KINDS,
    ACTIVITY_NOTES,
    COURSES,
)
from attain.demo.sales.customers import (
    CUSTOMER_SUFFIXES,
    CUSTOMER_TRADES,
    CUSTOMER_WORDS,
    PRODUCT_ALIASES,
    PRODUCTS,
    SEGMENTS,
)
from attain.demo.sales.orders import (
    CANCEL_REASONS,
    REFUND_REASONS,
    rules_collection_check,
    rules_line_check,
    rules_split_check,
)
from attain.demo.sales.pipeline import (
    ADVANCE,
    DEFAULT_STAGES,
    LOST_REASONS,
    WON_REASONS,
)
from attain.demo.sales.step import (
    sales_facts_step,
    sales_facts_unload,
)

__all__ = [
    "ACTIVITY_KINDS",
    "ACTIVITY_NOTES",
    "ADVANCE",
    "BATCH",
    "CANCEL_REASONS",
    "CENT",
    "CHINESE_NEW_YEAR",
    "COURSES",
    "CUSTOMER_SUFFIXES",
    "CUSTOMER_TRADES",
    "CUSTOMER_WORDS",
    "DEFAULT_STAGES",
    "DEMO_SOURCE",
    "LOST_REASONS",
    "PRODUCTS",
    "PRODUCT_ALIASES",
    "REFUND_REASONS",
    "SEGMENTS",
    "WON_REASONS",
    "YEARS",
    "Book",
    "Built",
    "Seller",
    "aware",
    "money",
    "poisson",
    "rules_collection_check",
    "rules_line_check",
    "rules_split_check",
    "sales_facts_step",
    "sales_facts_unload",
    "season_weight",
]
