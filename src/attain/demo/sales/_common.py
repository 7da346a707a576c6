"""The generator's shared kernel: constants, calendar and randomness, sellers and books, and its base state."""

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


class _GeneratorBase:
    """The generator's state (context, seed, window, rows built so far) and the helpers every part uses."""

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

    def selling_days(self, seller: Seller, rate: float) -> Iterable[tuple[dt.date, int]]:
        for day in self.days:
            if seller.active_on(day):
                count = poisson(self.rng, rate * self.weights[day])
                if count:
                    yield day, count
