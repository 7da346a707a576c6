"""The canonical columns of each importable fact kind, with the headers (English and Chinese) that name them.

A file's headers are matched case- and spacing-insensitively against each field's ``headers``; a mapping
profile can name any other header. The first header is the English one used in exports and templates, the
second the Simplified Chinese one used in zh-Hans templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from attain.sales.choices import ActivityKind, ActivityOutcome, FactKind, FeedbackKind, OrderStatus, ReversalKind

TEXT = "text"
DATE = "date"
MONEY = "money"
PRICE = "price"  # 4 decimals
QUANTITY = "quantity"  # 3 decimals, never negative
INTEGER = "integer"
BOOLEAN = "boolean"
PERCENT = "percent"
CHOICE = "choice"
SPLITS = "splits"  # "E001:60; E002:40"
PERSON = "person"
CUSTOMER = "customer"
PRODUCT = "product"
STAGE = "stage"
ORDER = "order"
UNIT = "unit"
PRODUCT_LINE = "product_line"
REFERENCES = (PERSON, CUSTOMER, PRODUCT, STAGE, ORDER, UNIT, PRODUCT_LINE)


@dataclass(frozen=True)
class Field:
    """One canonical column of an import file."""

    key: str
    label: str | Promise
    type: str
    headers: tuple[str, ...]
    required: bool = False
    max_length: int = 200
    choices: dict[str, str] = field(default_factory=dict)  # accepted word (lower case) → stored value
    help: str | Promise = ""


@dataclass(frozen=True)
class KindSpec:
    """An importable kind: its fields; ``external_id`` is always the upsert key."""

    kind: str
    label: str | Promise
    fields: tuple[Field, ...]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]


def _choices(enum: type, extra: dict[str, str]) -> dict[str, str]:
    words = {str(value).lower(): str(value) for value in enum.values}  # type: ignore[attr-defined]
    words.update({str(label).lower(): str(value) for value, label in enum.choices})  # type: ignore[attr-defined]
    words.update({key.lower(): value for key, value in extra.items()})
    return words


_ACTIVITY_KINDS = _choices(
    ActivityKind,
    {
        "拜访": "visit",
        "拜訪": "visit",
        "电话": "call",
        "電話": "call",
        "会议": "meeting",
        "會議": "meeting",
        "演示": "demo",
        "demo": "demo",
    },
)
_OUTCOMES = _choices(
    ActivityOutcome,
    {
        "积极": "positive",
        "正面": "positive",
        "一般": "neutral",
        "中性": "neutral",
        "消极": "negative",
        "负面": "negative",
        "未联系上": "no_contact",
    },
)
_FEEDBACK_KINDS = _choices(FeedbackKind, {"满意度": "csat", "滿意度": "csat", "净推荐值": "nps", "淨推薦值": "nps"})
_STATUSES = _choices(
    OrderStatus,
    {
        "已下单": "booked",
        "已发货": "delivered",
        "已开票": "invoiced",
        "已关闭": "closed",
        "已取消": "cancelled",
        "作废": "cancelled",
        # Odoo sale.order states as exported (labels): confirmed orders only; quotations are not bookings.
        "sales order": "booked",
        "sale": "booked",
        "locked": "closed",
        "done": "closed",
        "cancel": "cancelled",
    },
)
_REVERSALS = _choices(ReversalKind, {"取消": "cancellation", "退款": "refund", "退貨": "refund", "退货": "refund"})


def _f(key: str, label: str | Promise, type_: str, *headers: str, **options: object) -> Field:
    return Field(key=key, label=label, type=type_, headers=headers, **options)  # type: ignore[arg-type]


EXTERNAL_ID = "external_id"


def _external(*headers: str) -> Field:
    return _f(EXTERNAL_ID, _("External id"), TEXT, "external_id", "外部编号", *headers, required=True, max_length=128)


_REP = (
    "rep",
    "销售代表",
    "業務代表",
    "sales rep",
    "owner",
    "负责人",
    "負責人",
    "employee_no",
    "工号",
    "销售员",
    "sales_agent",
)

SPECS: dict[str, KindSpec] = {
    FactKind.CUSTOMER: KindSpec(
        FactKind.CUSTOMER,
        _("Customers"),
        (
            _external("customer id", "customer_id", "客户编号", "客戶編號", "客户编码"),
            _f(
                "name",
                _("Name"),
                TEXT,
                "name",
                "客户名称",
                "客戶名稱",
                "customer name",
                "customer",
                "account",
                required=True,
            ),
            _f("segment", _("Segment"), TEXT, "segment", "客户分类", "客戶分類", "sector", "行业", max_length=64),
            _f("is_key_account", _("Key account"), BOOLEAN, "key account", "重点客户", "重點客戶", "is_key_account"),
            _f("region", _("Region (unit code)"), UNIT, "region", "区域", "區域"),
            _f(
                "first_order_on",
                _("First order date"),
                DATE,
                "first order date",
                "首单日期",
                "首單日期",
                "first_order_on",
            ),
            _f("owner", _("Owner rep"), PERSON, *_REP),
        ),
    ),
    FactKind.PRODUCT: KindSpec(
        FactKind.PRODUCT,
        _("Products"),
        (
            _external("product code", "code", "产品编码", "產品編碼", "product id", "product_id", "产品编号"),
            _f("name", _("Name"), TEXT, "name", "产品名称", "產品名稱", "product name", "product", required=True),
            _f("product_line", _("Product line (code)"), PRODUCT_LINE, "product line", "产品线", "產品線", "series"),
            _f(
                "list_price",
                _("List price"),
                PRICE,
                "list price",
                "标准价格",
                "標準價格",
                "价格",
                "sales_price",
                "price",
            ),
            _f("cost", _("Cost"), PRICE, "cost", "成本"),
            _f("currency", _("Currency"), TEXT, "currency", "币种", "幣別", max_length=3),
        ),
    ),
    FactKind.ORDER: KindSpec(
        FactKind.ORDER,
        _("Order lines"),
        (
            _external("order no", "order id", "order_id", "订单编号", "訂單編號", "订单号", "单号"),
            _f(
                "booked_on",
                _("Order date"),
                DATE,
                "order date",
                "下单日期",
                "訂單日期",
                "booked_on",
                "签约日期",
                required=True,
            ),
            _f(
                "customer",
                _("Customer"),
                CUSTOMER,
                "customer",
                "客户",
                "客戶",
                "customer id",
                "客户名称",
                required=True,
            ),
            _f("rep", _("Rep"), PERSON, *_REP, required=True),
            _f("line_no", _("Line"), INTEGER, "line", "line no", "行号", "行號"),
            _f("product", _("Product"), PRODUCT, "product", "产品", "產品", "product code", "产品编码", "product id"),
            _f("quantity", _("Quantity"), QUANTITY, "quantity", "数量", "數量", "qty"),
            _f("unit_price", _("Unit price"), PRICE, "unit price", "单价", "單價"),
            _f("amount", _("Amount"), MONEY, "amount", "金额", "金額", "sales", "销售额", "line amount", required=True),
            _f("cost", _("Cost"), MONEY, "cost", "成本"),
            _f("currency", _("Currency"), TEXT, "currency", "币种", "幣別", max_length=3),
            _f("payment_terms_days", _("Payment terms (days)"), INTEGER, "payment terms", "账期", "帳期", "账期天数"),
            _f("status", _("Status"), CHOICE, "status", "状态", "狀態", choices=_STATUSES),
            _f(
                "credits",
                _("Credit splits"),
                SPLITS,
                "credit splits",
                "业绩分配",
                "業績分配",
                "splits",
                help=_("Employee number:percent pairs, e.g. E001:60; E002:40 (sum 100). Empty: the rep gets 100%."),
            ),
        ),
    ),
    FactKind.COLLECTION: KindSpec(
        FactKind.COLLECTION,
        _("Collections"),
        (
            _external("collection no", "回款明细编号", "回款編號", "回款编号", "payment id", "receipt no"),
            _f(
                "order",
                _("Order no"),
                ORDER,
                "order no",
                "order",
                "订单编号",
                "訂單編號",
                "订单号",
                "销售订单编号",
                required=True,
            ),
            _f("received_on", _("Received on"), DATE, "received on", "回款日期", "received_on", "date", required=True),
            _f(
                "amount",
                _("Amount"),
                MONEY,
                "amount",
                "回款金额",
                "回款金額",
                "本次回款金额（元）",
                "本次回款金额",
                "金额",
                required=True,
            ),
            _f("reference", _("Payment reference"), TEXT, "reference", "付款参考", "流水号", max_length=100),
            _f("note", _("Note"), TEXT, "note", "备注", "備註", max_length=500),
        ),
    ),
    FactKind.DEAL: KindSpec(
        FactKind.DEAL,
        _("Deals"),
        (
            _external("deal id", "opportunity id", "opportunity_id", "商机编号", "商機編號", "hs_object_id"),
            _f("name", _("Name"), TEXT, "name", "商机名称", "商機名稱", "deal name", "opportunity name", "dealname"),
            _f("customer", _("Customer"), CUSTOMER, "customer", "客户", "客戶", "account", "客户名称"),
            _f("rep", _("Rep"), PERSON, *_REP, required=True),
            _f("amount", _("Amount"), MONEY, "amount", "金额", "商机金额", "close_value", "close value"),
            _f(
                "stage",
                _("Stage"),
                STAGE,
                "stage",
                "阶段",
                "階段",
                "deal_stage",
                "销售阶段",
                "dealstage",
                "stagename",
                required=True,
            ),
            _f("opened_on", _("Opened on"), DATE, "opened on", "创建日期", "engage_date", "created date", "createdate"),
            _f("expected_close_on", _("Expected close"), DATE, "expected close", "预计成交日期", "close date"),
            _f("closed_on", _("Closed on"), DATE, "closed on", "成交日期", "close_date"),
            _f("product", _("Product"), PRODUCT, "product", "产品", "產品"),
            _f(
                "won_lost_reason",
                _("Won/lost reason"),
                TEXT,
                "won/lost reason",
                "输赢原因",
                "赢单/输单原因",
                max_length=500,
            ),
        ),
    ),
    FactKind.ACTIVITY: KindSpec(
        FactKind.ACTIVITY,
        _("Activities"),
        (
            _external("activity id", "活动编号", "活動編號"),
            _f(
                "kind",
                _("Kind"),
                CHOICE,
                "kind",
                "类型",
                "類型",
                "activity type",
                required=True,
                choices=_ACTIVITY_KINDS,
            ),
            _f("occurred_on", _("Date"), DATE, "date", "日期", "occurred on", required=True),
            _f("rep", _("Rep"), PERSON, *_REP, required=True),
            _f("customer", _("Customer"), CUSTOMER, "customer", "客户", "客戶"),
            _f("outcome", _("Outcome"), CHOICE, "outcome", "结果", "結果", choices=_OUTCOMES),
            _f("duration_minutes", _("Duration (minutes)"), INTEGER, "duration", "时长", "時長", "duration_minutes"),
            _f("note", _("Note"), TEXT, "note", "备注", "備註", max_length=5000),
        ),
    ),
    FactKind.FEEDBACK: KindSpec(
        FactKind.FEEDBACK,
        _("Customer feedback"),
        (
            _external("response id", "反馈编号", "回饋編號"),
            _f("customer", _("Customer"), CUSTOMER, "customer", "客户", "客戶", required=True),
            _f("rep", _("Rep"), PERSON, *_REP, required=True),
            _f("responded_on", _("Date"), DATE, "date", "日期", "responded on", required=True),
            _f("kind", _("Kind"), CHOICE, "kind", "类型", "類型", required=True, choices=_FEEDBACK_KINDS),
            _f("score", _("Score"), INTEGER, "score", "评分", "評分", required=True),
            _f("comment", _("Comment"), TEXT, "comment", "评论", "評論", max_length=5000),
        ),
    ),
    FactKind.TRAINING: KindSpec(
        FactKind.TRAINING,
        _("Training results"),
        (
            _external("result id", "成绩编号", "成績編號"),
            _f("person", _("Person"), PERSON, "person", "人员", "人員", *_REP, required=True),
            _f("course", _("Course"), TEXT, "course", "课程", "課程", required=True),
            _f("score", _("Score"), MONEY, "score", "分数", "分數", "成绩"),
            _f("is_passed", _("Passed"), BOOLEAN, "passed", "是否通过", "是否通過", "pass"),
            _f("completed_on", _("Completed on"), DATE, "completed on", "完成日期", "date", required=True),
        ),
    ),
    FactKind.REVERSAL: KindSpec(
        FactKind.REVERSAL,
        _("Cancellations and refunds"),
        (
            _external("reversal no", "冲销编号", "沖銷編號"),
            _f("order", _("Order no"), ORDER, "order no", "order", "订单编号", "訂單編號", required=True),
            _f("kind", _("Kind"), CHOICE, "kind", "类型", "類型", required=True, choices=_REVERSALS),
            _f("reversed_on", _("Date"), DATE, "date", "日期", "reversed on", required=True),
            _f("amount", _("Amount"), MONEY, "amount", "金额", "金額", required=True),
            _f("reason", _("Reason"), TEXT, "reason", "原因", max_length=500),
        ),
    ),
}
IMPORT_KINDS = tuple(SPECS)


def normalise_header(value: str) -> str:
    """Header text compared case-, spacing- and underscore-insensitively."""
    text = str(value).strip().lower().replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text)


def auto_mapping(spec: KindSpec, headers: list[str]) -> dict[str, str]:
    """Field key → file header, for the headers this kind knows (first match wins)."""
    by_header = {normalise_header(h): h for h in reversed(headers) if h}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for item in spec.fields:
        for alias in (item.key, *item.headers, str(item.label)):
            header = by_header.get(normalise_header(alias))
            if header is not None and header not in used:
                mapping[item.key] = header
                used.add(header)
                break
    return mapping
