"""Activities, CSAT/NPS feedback and training results."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from attain.demo.sales._common import DEMO_SOURCE, Seller, _model, money
from attain.demo.sales.customers import _Customers
from attain.sales.choices import ActivityKind, ActivityOutcome, FeedbackKind

COURSES = ("产品知识认证", "顾问式销售", "商务谈判技巧", "合规与反商业贿赂", "大客户管理", "CRM 使用")
ACTIVITY_KINDS = (
    (ActivityKind.VISIT, 0.4, (30, 120)),
    (ActivityKind.CALL, 0.35, (5, 30)),
    (ActivityKind.MEETING, 0.15, (30, 90)),
    (ActivityKind.DEMO, 0.1, (45, 120)),
)
ACTIVITY_NOTES = {
    ActivityKind.VISIT: ("上门拜访，了解需求", "拜访采购负责人", "回访使用情况"),
    ActivityKind.CALL: ("电话跟进报价", "电话确认交付时间", "电话沟通续费"),
    ActivityKind.MEETING: ("与IT部门开会", "方案讨论会", "季度业务回顾"),
    ActivityKind.DEMO: ("产品演示", "现场演示新版本", "线上演示"),
}


class _Engagement(_Customers):
    """What a rep does besides selling: activities, customers' CSAT/NPS answers, training."""

    # -- activities, feedback, training

    def make_activities(self, seller: Seller) -> None:
        activity_model = _model("Activity")
        kinds = [k for k, _w, _d in ACTIVITY_KINDS]
        kind_weights = [w for _k, w, _d in ACTIVITY_KINDS]
        durations = {k: d for k, _w, d in ACTIVITY_KINDS}
        positive = min(0.8, 0.35 * seller.skill**0.5)
        for day, count in self.selling_days(seller, 0.25 + 0.1 * seller.skill):
            for _index in range(count):
                book = self.pick_customer(seller, day)
                kind = self.rng.choices(kinds, weights=kind_weights)[0]
                low, high = durations[kind]
                roll = self.rng.random()
                if roll < positive:
                    outcome = ActivityOutcome.POSITIVE
                elif roll < positive + 0.35:
                    outcome = ActivityOutcome.NEUTRAL
                elif roll < positive + 0.5:
                    outcome = ActivityOutcome.NEGATIVE
                else:
                    outcome = ActivityOutcome.NO_CONTACT
                self.built.add(
                    "Activity",
                    activity_model(
                        source=DEMO_SOURCE,
                        external_id=self.external_id("XC-AC"),
                        kind=kind,
                        occurred_on=day,
                        person=seller.person,
                        unit=self.unit_of(seller, day),
                        customer=book.customer if book else None,
                        outcome=outcome,
                        duration_minutes=self.rng.randrange(low, high + 1, 5),
                        note=self.rng.choice(ACTIVITY_NOTES[kind]),
                    ),
                )

    def make_csat(self, order: Any, seller: Seller, day: dt.date) -> None:
        responded_on = day + dt.timedelta(days=self.rng.randint(7, 21))
        if responded_on > self.end:
            return
        score = round(self.rng.gauss(3.9 + 0.7 * math.log(seller.skill), 0.8))
        self.feedback(order.customer, seller, responded_on, FeedbackKind.CSAT, max(1, min(5, score)))

    def make_nps(self) -> None:
        quarter_ends = [
            dt.date(year, month, 28) for year in range(self.start.year, self.end.year + 1) for month in (3, 6, 9, 12)
        ]
        for book in self.books:
            if not book.is_key and self.rng.random() > 0.2:
                continue
            for quarter_end in quarter_ends:
                owner = next((o for o, frm, to in book.owners if frm <= quarter_end <= to), None)
                if owner is None or quarter_end < self.start or quarter_end > self.end or self.rng.random() < 0.3:
                    continue
                score = round(self.rng.gauss(7.2 + 1.5 * math.log(owner.skill), 1.8))
                self.feedback(book.customer, owner, quarter_end, FeedbackKind.NPS, max(0, min(10, score)))

    def feedback(self, customer: Any, seller: Seller, day: dt.date, kind: str, score: int) -> None:
        self.built.add(
            "FeedbackResponse",
            _model("FeedbackResponse")(
                source=DEMO_SOURCE,
                external_id=self.external_id("XC-FB"),
                customer=customer,
                person=seller.person,
                unit=self.unit_of(seller, day),
                responded_on=day,
                kind=kind,
                score=score,
            ),
        )

    def make_training(self, seller: Seller) -> None:
        training_model = _model("TrainingResult")
        span = (seller.end - seller.start).days
        for course in COURSES:
            if self.rng.random() > 0.7:
                continue
            day = seller.start + dt.timedelta(days=self.rng.randint(0, span))
            while day.weekday() >= 5 and day < seller.end:
                day += dt.timedelta(days=1)
            score = max(0.0, min(100.0, self.rng.gauss(74 + 12 * math.log(seller.skill), 9)))
            self.built.add(
                "TrainingResult",
                training_model(
                    source=DEMO_SOURCE,
                    external_id=self.external_id("XC-TR"),
                    person=seller.person,
                    unit=self.unit_of(seller, day),
                    course=course,
                    score=money(score),
                    is_passed=score >= 60,
                    completed_on=day,
                ),
            )
