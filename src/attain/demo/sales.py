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

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils import timezone

from attain.core.errors import ValidationError
from attain.sales import rules
from attain.sales.choices import (
    ActivityKind,
    ActivityOutcome,
    FeedbackKind,
    OrderStatus,
    ReversalKind,
)

if TYPE_CHECKING:
    from attain.demo.company import PersonPlan
    from attain.demo.services import DemoContext

DEMO_SOURCE = "demo"
YEARS = 2
CENT = Decimal("0.01")
BATCH = 2000

# Chinese New Year (正月初一) of the years a demo may cover; the weeks around it are quiet.
CHINESE_NEW_YEAR = {
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}

# product line code → products: (code suffix, name, list price, cost as a share of list price)
PRODUCTS: dict[str, tuple[tuple[str, str, int, float], ...]] = {
    "XC-PL-SW": (
        ("ERP-STD", "星辰ERP 标准版", 48_000, 0.12),
        ("ERP-PRO", "星辰ERP 专业版", 128_000, 0.12),
        ("CRM-STD", "星辰CRM 标准版", 36_000, 0.10),
        ("BI-PRO", "星辰BI 分析平台", 86_000, 0.15),
        ("HR-STD", "星辰HR 人事系统", 28_000, 0.10),
    ),
    "XC-PL-CLOUD": (
        ("CLD-S", "云主机 S 型（年）", 6_800, 0.38),
        ("CLD-M", "云主机 M 型（年）", 15_600, 0.36),
        ("CLD-DB", "云数据库（年）", 22_000, 0.34),
        ("CLD-STOR", "对象存储 10TB（年）", 9_600, 0.40),
    ),
    "XC-PL-HW": (
        ("HW-SRV", "机架服务器 2U", 42_000, 0.72),
        ("HW-GTX", "GTX Pro 工作站", 26_000, 0.70),
        ("HW-NET", "千兆交换机", 5_800, 0.66),
        ("HW-TAB", "行业平板终端", 3_200, 0.68),
    ),
    "XC-PL-SVC": (
        ("SVC-IMPL", "实施服务（人天）", 2_400, 0.55),
        ("SVC-TRAIN", "用户培训（场）", 6_000, 0.45),
        ("SVC-MAINT", "年度运维服务", 18_000, 0.50),
    ),
}
# Other spellings imports meet, resolved through aliases (product code suffix → alias texts).
PRODUCT_ALIASES = {"HW-GTX": ("GTXPro", "GTX-Pro 工作站"), "ERP-PRO": ("ERP Professional",)}

CUSTOMER_WORDS = (
    "华信", "恒达", "金石", "宏远", "瑞丰", "鼎盛", "新锐", "博远", "中天", "海诚", "正泰", "天成", "永安",
    "万通", "德润", "嘉禾", "汇通", "启明", "盛世", "联创", "东升", "长河", "国泰", "明阳", "安捷", "佳和",
)  # fmt: skip
CUSTOMER_TRADES = ("科技", "电子", "制造", "医药", "物流", "贸易", "能源", "建设", "食品", "教育", "汽车零部件")
CUSTOMER_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
SEGMENTS = (("大型企业", 0.2), ("中型企业", 0.45), ("小微企业", 0.35))

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
REFUND_REASONS = ("部分退货", "服务未达标准，协商退款", "重复付款退回")
CANCEL_REASONS = ("客户取消采购", "预算冻结", "下错订单")

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


# --- calendar and randomness -----------------------------------------------------------------------------


def season_weight(day: dt.date) -> float:
    """How busy selling is on ``day`` relative to an ordinary weekday (0.1 on Sundays … 1.6 in December)."""
    if day.weekday() >= 5:
        return 0.12
    weight = 1.0
    cny = CHINESE_NEW_YEAR.get(day.year)
    if cny is not None and -10 <= (day - cny).days <= 14:
        weight *= 0.2
    if day.month in (10, 11):
        weight *= 1.3
    elif day.month == 12:
        weight *= 1.6
    if day.month in (3, 6, 9, 12) and day.day > 20:
        weight *= 1.25
    return weight


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- who sells where, when ---------------------------------------------------------------------------------


@dataclass
class Seller:
    """A rep as the fact generator sees them: person, skill and the days they sold in which team."""

    plan: PersonPlan
    person: Any
    skill: float
    start: dt.date
    end: dt.date  # inclusive; start > end means the rep never sold in the window

    def team_on(self, day: dt.date) -> str:
        if self.plan.transfer_to and self.plan.transfer_on and day >= self.plan.transfer_on:
            return self.plan.transfer_to
        return self.plan.unit_code

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass
class Book:
    """A customer and the reps who own it in turn: [(seller, valid_from, valid_to)]."""

    customer: Any
    payer: str  # punctual, late, slow
    is_key: bool
    owners: list[tuple[Seller, dt.date, dt.date]] = field(default_factory=list)


@dataclass
class Built:
    """Rows made so far, by model name, in insertion order."""

    rows: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, row: Any) -> Any:
        self.rows[name].append(row)
        return row


def _model(name: str) -> Any:
    """A sales model class, reached through the app registry (see the module docstring)."""
    return apps.get_model("sales", name)


def _sellers(ctx: DemoContext, rng: random.Random, start: dt.date, end: dt.date) -> list[Seller]:
    sellers = []
    for plan in ctx.plan.people:
        if plan.role != "rep" or plan.employee_no not in ctx.people:
            continue
        last = end
        if plan.left_on:
            last = min(last, plan.left_on)
        if plan.promoted_on:
            last = min(last, plan.promoted_on - dt.timedelta(days=1))
        sellers.append(
            Seller(
                plan=plan,
                person=ctx.people[plan.employee_no],
                skill=rng.lognormvariate(0.0, 0.45),
                start=max(start, plan.hired_on),
                end=last,
            )
        )
    return sellers


def _teammates(sellers: Sequence[Seller], team: str, day: dt.date, exclude: Seller) -> list[Seller]:
    return [s for s in sellers if s is not exclude and s.active_on(day) and s.team_on(day) == team]


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


class _Generator:
    def __init__(self, *, ctx: DemoContext, rng: random.Random, start: dt.date, end: dt.date) -> None:
        self.ctx = ctx
        self.rng = rng
        self.start = start
        self.end = end
        self.built = Built()
        self.serial: dict[str, int] = defaultdict(int)
        self.sellers = _sellers(ctx, rng, start, end)
        self.days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        self.weights = {day: season_weight(day) for day in self.days}
        self.products: list[tuple[Any, Decimal, Decimal]] = []  # (product, list price, unit cost)
        self.books: list[Book] = []
        self.book_of: dict[int, list[Book]] = defaultdict(list)  # id(seller) → books they ever own
        self.stages: list[Any] = []
        self.won_stage: Any = None
        self.lost_stage: Any = None
        self.customer_names: set[str] = set()

    # -- helpers

    def external_id(self, prefix: str) -> str:
        self.serial[prefix] += 1
        return f"{prefix}-{self.serial[prefix]:06d}"

    def unit_of(self, seller: Seller, day: dt.date) -> Any:
        return self.ctx.units[seller.team_on(day)]

    def owned(self, seller: Seller, day: dt.date) -> list[Book]:
        return [
            book
            for book in self.book_of[id(seller)]
            if any(owner is seller and frm <= day <= to for owner, frm, to in book.owners)
        ]

    def pick_customer(self, seller: Seller, day: dt.date) -> Book | None:
        books = self.owned(seller, day)
        if not books:
            return None
        return self.rng.choices(books, weights=[4.0 if b.is_key else 1.0 for b in books])[0]

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

    def make_products(self) -> None:
        product_model = _model("Product")
        alias_model = _model("Alias")
        for line_code, products in PRODUCTS.items():
            line = self.ctx.product_lines.get(line_code)
            if line is None:
                continue
            for suffix, name, price, cost_share in products:
                list_price = Decimal(price)
                cost = money(price * cost_share)
                product = product_model(
                    source=DEMO_SOURCE,
                    external_id=f"XC-{suffix}",
                    code=f"XC-{suffix}",
                    name=name,
                    product_line=line,
                    list_price=list_price,
                    cost=cost,
                )
                self.built.add("Product", product)
                self.products.append((product, list_price, cost))
                for text in PRODUCT_ALIASES.get(suffix, ()):
                    self.built.add(
                        "Alias", alias_model(kind="product", source="", text=text, key=rules.alias_key(text))
                    )

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

    def customer_name(self, city: str) -> str:
        for _attempt in range(50):
            name = (
                city
                + self.rng.choice(CUSTOMER_WORDS)
                + self.rng.choice(CUSTOMER_TRADES)
                + self.rng.choice(CUSTOMER_SUFFIXES)
            )
            if name not in self.customer_names:
                self.customer_names.add(name)
                return name
        name = f"{city}{self.rng.choice(CUSTOMER_WORDS)}{len(self.customer_names)}号商贸有限公司"
        self.customer_names.add(name)
        return name

    def new_book(self, seller: Seller, day: dt.date) -> Book:
        customer_model = _model("Customer")
        team = seller.team_on(day)
        team_unit = self.ctx.units[team]
        segment = self.rng.choices([s for s, _w in SEGMENTS], weights=[w for _s, w in SEGMENTS])[0]
        is_key = segment == "大型企业" and self.rng.random() < 0.3
        city = team_unit.name.rstrip("一二三四五六七八九十组")
        customer = customer_model(
            source=DEMO_SOURCE,
            external_id=self.external_id("XC-C"),
            name=self.customer_name(city),
            segment=segment,
            is_key_account=is_key,
            region=self.ctx.units.get(team.rsplit("-", 1)[0]),
        )
        self.built.add("Customer", customer)
        payer = self.rng.choices(("punctual", "late", "slow"), weights=(0.55, 0.3, 0.15))[0]
        book = Book(customer=customer, payer=payer, is_key=is_key)
        self.books.append(book)
        return book

    def hand_over(self, book: Book, seller: Seller, start: dt.date) -> None:
        """``seller`` owns ``book`` from ``start`` until they leave or move; then a teammate takes it over."""
        day = start
        owner: Seller | None = seller
        while owner is not None and day <= self.end:
            last = owner.end
            if owner.plan.transfer_on and day < owner.plan.transfer_on <= last:
                last = owner.plan.transfer_on - dt.timedelta(days=1)
            book.owners.append((owner, day, last))
            self.book_of[id(owner)].append(book)
            if last >= self.end:
                return
            team = owner.team_on(day)
            day = last + dt.timedelta(days=1)
            successors = _teammates(self.sellers, team, day, exclude=owner)
            owner = self.rng.choice(successors) if successors else None

    def make_customers(self) -> None:
        for seller in self.sellers:
            if seller.start > seller.end:
                continue
            existing = 5 + round(4 * seller.skill)
            for _index in range(existing):
                book = self.new_book(seller, seller.start)
                book.customer.first_order_on = self.start - dt.timedelta(days=self.rng.randint(60, 2000))
                self.hand_over(book, seller, seller.start)
            # New accounts won over the two years (a mover also picks some up in their new team).
            for _index in range(poisson(self.rng, 3 + 3 * seller.skill)):
                day = seller.start + dt.timedelta(days=self.rng.randint(0, (seller.end - seller.start).days))
                book = self.new_book(seller, day)
                self.hand_over(book, seller, day)

    def finish_customers(self) -> None:
        ownership_model = _model("CustomerOwnership")
        first_orders: dict[int, dt.date] = {}
        for order in self.built.rows["Order"]:
            key = id(order.customer)
            if key not in first_orders or order.booked_on < first_orders[key]:
                first_orders[key] = order.booked_on
        for book in self.books:
            if book.customer.first_order_on is None:
                book.customer.first_order_on = first_orders.get(id(book.customer))
            for index, (owner, frm, to) in enumerate(book.owners):
                is_last = index == len(book.owners) - 1
                self.built.add(
                    "CustomerOwnership",
                    ownership_model(
                        customer=book.customer,
                        person=owner.person,
                        valid_from=frm,
                        valid_to=None if is_last and to >= self.end else to,
                    ),
                )

    # -- deals and orders

    def selling_days(self, seller: Seller, rate: float) -> Iterable[tuple[dt.date, int]]:
        for day in self.days:
            if seller.active_on(day):
                count = poisson(self.rng, rate * self.weights[day])
                if count:
                    yield day, count

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

    def make_repeat_orders(self, seller: Seller) -> None:
        for day, count in self.selling_days(seller, 0.1 * seller.skill):
            for _index in range(count):
                book = self.pick_customer(seller, day)
                if book is not None:
                    target = Decimal(round(self.rng.lognormvariate(math.log(15_000), 0.7)))
                    self.make_order(seller, book, day, target_amount=target, deal=None)

    def make_order(self, seller: Seller, book: Book, day: dt.date, *, target_amount: Decimal, deal: Any) -> Any:
        order_model, line_model, credit_model = _model("Order"), _model("OrderLine"), _model("OrderCredit")
        terms = 90 if book.is_key else self.rng.choice((30, 30, 60, 60, 90))
        unit = self.unit_of(seller, day)
        order = order_model(
            source=DEMO_SOURCE,
            external_id=self.external_id(f"SO{day:%Y%m}"),
            booked_on=day,
            customer=book.customer,
            person=seller.person,
            unit=unit,
            deal=deal,
            payment_terms_days=terms,
            due_on=day + dt.timedelta(days=terms),
            status=OrderStatus.BOOKED,
        )
        lines, total, cost_total = [], Decimal(0), Decimal(0)
        remaining = target_amount
        for line_no in range(1, self.rng.choice((1, 1, 2, 2, 3)) + 1):
            product, list_price, unit_cost = self.rng.choice(self.products)
            share = remaining if line_no == 3 else remaining * Decimal(self.rng.choice(("0.5", "0.7", "1")))
            quantity = Decimal(max(1, round(share / list_price)))
            discount = Decimal(self.rng.choice(("1", "0.95", "0.9", "0.85", "0.8")))
            unit_price = (list_price * discount).quantize(Decimal("0.0001"))
            amount = money(quantity * unit_price)
            cost = money(quantity * unit_cost)
            rules_line_check(quantity=quantity, unit_price=unit_price, amount=amount)
            lines.append(
                line_model(
                    order=order,
                    line_no=line_no,
                    product=product,
                    quantity=quantity,
                    unit_price=unit_price,
                    amount=amount,
                    cost=cost,
                )
            )
            total += amount
            cost_total += cost
            remaining = max(Decimal(0), remaining - amount)
            if remaining <= 0:
                break
        order.amount, order.cost = total, cost_total
        self.built.add("Order", order)
        for line in lines:
            self.built.add("OrderLine", line)
        if self.rng.random() < 0.07:
            mates = _teammates(self.sellers, seller.team_on(day), day, exclude=seller)
            if mates:
                mate = self.rng.choice(mates)
                own, other = self.rng.choice(((70, 30), (60, 40), (50, 50), (80, 20)))
                shares = [Decimal(own), Decimal(other)]
                rules_split_check(shares)
                self.built.add(
                    "OrderCredit", credit_model(order=order, person=seller.person, unit=unit, percent=shares[0])
                )
                self.built.add(
                    "OrderCredit",
                    credit_model(order=order, person=mate.person, unit=self.unit_of(mate, day), percent=shares[1]),
                )
        self.settle(order, book, seller)
        if self.rng.random() < 0.25:
            self.make_csat(order, seller, day)
        return order

    def settle(self, order: Any, book: Book, seller: Seller) -> None:
        """Collections (on time, late or in parts), a cancellation now and then, an occasional refund."""
        collection_model, reversal_model = _model("Collection"), _model("OrderReversal")
        rng = self.rng
        if rng.random() < 0.02:
            cancel_on = order.booked_on + dt.timedelta(days=rng.randint(2, 15))
            if cancel_on <= self.end:
                self.built.add(
                    "OrderReversal",
                    reversal_model(
                        source=DEMO_SOURCE,
                        external_id=self.external_id("XC-RV"),
                        order=order,
                        kind=ReversalKind.CANCELLATION,
                        reversed_on=cancel_on,
                        amount=order.amount,
                        person=order.person,
                        unit=order.unit,
                        reason=rng.choice(CANCEL_REASONS),
                    ),
                )
                order.status = OrderStatus.CANCELLED
                return
        if book.payer == "punctual":
            plan = [(rng.randint(-15, 3), Decimal(1))]
        elif book.payer == "late":
            plan = [(rng.randint(5, 60), Decimal(1))]
        else:
            first = Decimal(rng.choice(("0.3", "0.5", "0.6")))
            plan = [(rng.randint(0, 30), first), (rng.randint(35, 120), Decimal(1) - first)]
        collected = Decimal(0)
        paid_on = order.booked_on
        for days_after_due, share in plan:
            received_on = max(order.booked_on + dt.timedelta(days=1), order.due_on + dt.timedelta(days=days_after_due))
            if received_on > self.end:
                break
            amount = (
                order.amount - collected
                if share == 1 or collected + money(order.amount * share) > order.amount
                else money(order.amount * share)
            )
            if amount <= 0:
                break
            rules_collection_check(amount=amount, open_amount=order.amount - collected)
            self.built.add(
                "Collection",
                collection_model(
                    source=DEMO_SOURCE,
                    external_id=self.external_id("XC-RC"),
                    order=order,
                    person=order.person,
                    unit=order.unit,
                    received_on=received_on,
                    amount=amount,
                    reference=f"银行转账 {received_on:%Y%m%d}{rng.randrange(10_000):04d}",
                ),
            )
            collected += amount
            paid_on = received_on
        if collected == order.amount:
            order.status = OrderStatus.CLOSED
            refund_on = paid_on + dt.timedelta(days=rng.randint(5, 40))
            if rng.random() < 0.015 and refund_on <= self.end:
                refund = money(order.amount * Decimal(rng.choice(("0.1", "0.2", "0.5"))))
                self.built.add(
                    "OrderReversal",
                    reversal_model(
                        source=DEMO_SOURCE,
                        external_id=self.external_id("XC-RV"),
                        order=order,
                        kind=ReversalKind.REFUND,
                        reversed_on=refund_on,
                        amount=refund,
                        person=order.person,
                        unit=order.unit,
                        reason=rng.choice(REFUND_REASONS),
                    ),
                )
        elif (self.end - order.booked_on).days > 14:
            order.status = OrderStatus.INVOICED if collected == 0 else OrderStatus.DELIVERED

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


# --- validation by the sales rules ---------------------------------------------------------------------------


def _refuse(error: str | None) -> None:
    if error is not None:
        raise ValidationError(error, code="demo_invalid_fact")


def rules_split_check(shares: Sequence[Decimal]) -> None:
    """Credit splits sum to exactly 100, each share in (0, 100]."""
    _refuse(rules.split_sum_error(shares))


def rules_line_check(*, quantity: Decimal, unit_price: Decimal, amount: Decimal) -> None:
    """Quantities are not negative; money has two decimals; amount = quantity × unit price."""
    _refuse(rules.not_negative_error(quantity))
    _refuse(rules.money_places_error(amount))
    _refuse(rules.line_amount_error(quantity=quantity, unit_price=unit_price, amount=amount))


def rules_collection_check(*, amount: Decimal, open_amount: Decimal) -> None:
    """A collection is positive, has two decimals and never exceeds the order's open amount."""
    _refuse(rules.positive_error(amount))
    _refuse(rules.money_places_error(amount))
    _refuse(rules.collection_exceeds_error(amount=amount, open_amount=open_amount))
