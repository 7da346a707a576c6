"""The demo loader step: generate every kind of fact, then bulk-write them parents first; and the unload."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from attain.demo.sales._common import BATCH, DEMO_SOURCE, YEARS, _model
from attain.demo.sales.customers import PRODUCT_ALIASES
from attain.demo.sales.pipeline import _Pipeline

if TYPE_CHECKING:
    from attain.demo.services import DemoContext

# --- the step ----------------------------------------------------------------------------------------------


def sales_facts_step(ctx: DemoContext) -> None:
    """Two years of sales facts up to the plan's ``as_of`` (deterministic for the plan's size and seed)."""
    plan = ctx.plan
    rng = random.Random(f"attain-demo-sales:{plan.size}:{plan.seed}")
    end = plan.as_of
    start = end - dt.timedelta(days=365 * YEARS)
    generator = _Generator(ctx=ctx, rng=rng, start=start, end=end)
    generator.run()
    generator.write()


def sales_facts_unload() -> int:
    """Remove every demo fact (``source="demo"``), dependants first; returns how many rows were removed."""
    removed = 0
    for name in (
        "Collection",
        "OrderReversal",
        "FeedbackResponse",
        "TrainingResult",
        "Activity",
        "Order",
        "Deal",
        "Customer",
        "Product",
    ):
        _count, per_model = _model(name)._default_manager.filter(source=DEMO_SOURCE).delete()
        removed += sum(per_model.values())
    return removed


class _Generator(_Pipeline):
    """One demo company's facts: ``run()`` builds every row, ``write()`` inserts them."""

    # -- generation

    def run(self) -> None:
        self.make_products()
        self.make_stages()
        self.make_customers()
        for seller in self.sellers:
            if seller.start > seller.end:
                continue
            self.make_deals(seller)
            self.make_repeat_orders(seller)
            self.make_activities(seller)
            self.make_training(seller)
        self.make_nps()
        self.finish_customers()

    # -- writing

    def write(self) -> None:
        """Insert everything, parents before children.

        ``bulk_create`` fills in primary keys on PostgreSQL and SQLite (3.35+) and copies a saved parent's key
        into its children's foreign keys, so rows can point at parents that were unsaved when they were built.
        """
        order = (
            "Product",
            "Customer",
            "CustomerOwnership",
            "Deal",
            "DealStageChange",
            "Order",
            "OrderLine",
            "OrderCredit",
            "Collection",
            "OrderReversal",
            "Activity",
            "FeedbackResponse",
            "TrainingResult",
        )
        for name in order:
            rows = self.built.rows.get(name, [])
            _model(name)._default_manager.bulk_create(rows, batch_size=BATCH)
            self.ctx.counts[_COUNT_NAMES[name]] = len(rows)
        aliases = self.built.rows.get("Alias", [])
        for alias in aliases:
            product = next(p for p, _l, _c in self.products if alias.text in PRODUCT_ALIASES.get(p.code[3:], ()))
            setattr(alias, "target_id", product.pk)  # noqa: B010 - a row of a model reached via the registry
        for alias in _model("Alias")._default_manager.bulk_create(aliases):
            self.ctx.record(alias)
        self.ctx.counts["aliases"] = len(aliases)


_COUNT_NAMES = {
    "Product": "products",
    "Customer": "customers",
    "CustomerOwnership": "customer_ownerships",
    "Deal": "deals",
    "DealStageChange": "deal_stage_changes",
    "Order": "orders",
    "OrderLine": "order_lines",
    "OrderCredit": "order_credits",
    "Collection": "collections",
    "OrderReversal": "reversals",
    "Activity": "activities",
    "FeedbackResponse": "feedback",
    "TrainingResult": "training_results",
}
