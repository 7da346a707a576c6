"""The pipeline stages and deals that advance stage by stage with their full stage history."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from attain.demo.sales._common import DEMO_SOURCE, Book, Seller, _model, aware, money
from attain.demo.sales.orders import _Orders

# The pipeline used when none is configured: (code, name, probability, is_won, is_lost).
DEFAULT_STAGES = (
    ("lead", "线索", 10, False, False),
    ("qualified", "需求确认", 25, False, False),
    ("proposal", "方案报价", 50, False, False),
    ("negotiation", "商务谈判", 75, False, False),
    ("won", "赢单", 100, True, False),
    ("lost", "输单", 0, False, True),
)
# Chance an average rep's deal moves on from each open stage (the rest are lost there).
ADVANCE = (0.62, 0.6, 0.58, 0.68)
LOST_REASONS = ("价格高于竞品", "客户预算取消", "选择了竞争对手", "需求不匹配", "决策延期")
WON_REASONS = ("产品功能匹配", "价格有竞争力", "长期合作客户", "实施方案认可")


class _Pipeline(_Orders):
    """Deals on the pipeline; a won deal books an order."""

    def make_stages(self) -> None:
        stage_model = _model("PipelineStage")
        existing = list(stage_model._default_manager.filter(is_active=True).order_by("position", "code"))
        won = [s for s in existing if getattr(s, "is_won", False)]
        lost = [s for s in existing if getattr(s, "is_lost", False)]
        open_stages = [s for s in existing if not getattr(s, "is_won", False) and not getattr(s, "is_lost", False)]
        if won and lost and open_stages:
            self.stages, self.won_stage, self.lost_stage = open_stages, won[0], lost[0]
            return
        created = []
        for position, (code, name, probability, is_won, is_lost) in enumerate(DEFAULT_STAGES, start=1):
            stage, was_created = stage_model._default_manager.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "position": position * 10,
                    "probability": Decimal(probability),
                    "is_won": is_won,
                    "is_lost": is_lost,
                },
            )
            if was_created:
                self.ctx.record(stage)
            created.append(stage)
        self.stages = [s for s in created if not getattr(s, "is_won", False) and not getattr(s, "is_lost", False)]
        self.won_stage = next(s for s in created if getattr(s, "is_won", False))
        self.lost_stage = next(s for s in created if getattr(s, "is_lost", False))

    # -- deals and orders

    def make_deals(self, seller: Seller) -> None:
        deal_model = _model("Deal")
        change_model = _model("DealStageChange")
        for day, count in self.selling_days(seller, 0.045 * seller.skill**0.5):
            for _index in range(count):
                book = self.pick_customer(seller, day)
                if book is None:
                    continue
                size = 3.0 if book.is_key else 1.0
                estimate = money(self.rng.lognormvariate(math.log(60_000 * size), 0.6))
                deal = deal_model(
                    source=DEMO_SOURCE,
                    external_id=self.external_id("XC-D"),
                    name=f"{book.customer.name} · {self.rng.choice(('新购', '扩容', '升级', '续约', '信息化项目'))}",
                    customer=book.customer,
                    person=seller.person,
                    unit=self.unit_of(seller, day),
                    amount=estimate,
                    stage=self.stages[0],
                    opened_on=day,
                    expected_close_on=day + dt.timedelta(days=self.rng.randint(45, 120)),
                )
                self.built.add("Deal", deal)
                moved_at = aware(day, self.rng.randint(9, 17), self.rng.randint(0, 59))
                self.built.add(
                    "DealStageChange",
                    change_model(deal=deal, from_stage=None, to_stage=self.stages[0], changed_at=moved_at),
                )
                self.advance_deal(deal, seller, book, moved_at)

    def advance_deal(self, deal: Any, seller: Seller, book: Book, moved_at: dt.datetime) -> None:
        change_model = _model("DealStageChange")
        stage_index = 0
        while True:
            step_day = moved_at.date() + dt.timedelta(days=self.rng.randint(4, 24))
            if step_day > self.end or step_day > seller.end:
                break  # still open at as_of (or left with the rep's customer book)
            chance = min(0.95, ADVANCE[min(stage_index, len(ADVANCE) - 1)] * seller.skill**0.35)
            if self.rng.random() < chance:
                target = self.stages[stage_index + 1] if stage_index + 1 < len(self.stages) else self.won_stage
            else:
                target = self.lost_stage
            new_at = aware(step_day, self.rng.randint(9, 18), self.rng.randint(0, 59))
            self.built.add(
                "DealStageChange", change_model(deal=deal, from_stage=deal.stage, to_stage=target, changed_at=new_at)
            )
            deal.stage = target
            deal.stage_changed_at = new_at
            moved_at = new_at
            if target is self.won_stage:
                deal.closed_on = step_day
                deal.won_lost_reason = self.rng.choice(WON_REASONS)
                order = self.make_order(seller, book, step_day, target_amount=deal.amount, deal=deal)
                deal.amount = order.amount
                return
            if target is self.lost_stage:
                deal.closed_on = step_day
                deal.won_lost_reason = self.rng.choice(LOST_REASONS)
                return
            stage_index += 1
