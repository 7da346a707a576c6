"""Products on the company's product lines, and customers with their effective-dated owners."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from attain.demo.sales._common import DEMO_SOURCE, Book, Seller, _GeneratorBase, _model, _teammates, money, poisson
from attain.sales import rules

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


class _Customers(_GeneratorBase):
    """Products, customers (a few key accounts) and who owns each customer when."""

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
