"""The validation rules of sales facts, as pure functions (no database), shared by services and importers.

Each check returns an error message (an English source string, already translated) or ``None``; callers
attach the row / column / field. Keeping the rules here means the web forms, the API, the bulk upsert and the
set-wise file importer all refuse exactly the same input.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from attain.sales.choices import FeedbackKind

HUNDRED = Decimal(100)
MONEY_PLACES = 2
_ALIAS_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def alias_key(text: str) -> str:
    """The normalised form aliases and names are matched on: NFKC, case-folded, no spaces or punctuation.

    "GTX Pro", "gtx-pro" and "ＧＴＸＰｒｏ" all give ``"gtxpro"``.
    """
    return _ALIAS_DROP.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def money_places_error(amount: Decimal, *, places: int = MONEY_PLACES) -> str | None:
    """Money may have at most ``places`` decimals (no silent rounding)."""
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return _("At most %(places)d decimal places are allowed.") % {"places": places}
    return None


def not_negative_error(value: Decimal | int) -> str | None:
    """Quantities and amounts that may not be negative."""
    return _("Must not be negative.") if value < 0 else None


def positive_error(value: Decimal | int) -> str | None:
    """Amounts that must be greater than zero (collections, reversals)."""
    return _("Must be greater than zero.") if value <= 0 else None


def split_sum_error(percents: Iterable[Decimal]) -> str | None:
    """Credit splits: each share in (0, 100] and the shares summing to exactly 100."""
    values = list(percents)
    if not values:
        return None
    if any(p <= 0 or p > HUNDRED for p in values):
        return _("Each credit share must be more than 0 and at most 100.")
    total = sum(values, Decimal(0))
    if total != HUNDRED:
        return _("Credit shares must sum to 100 (they sum to %(total)s).") % {"total": total}
    return None


def open_amount(*, amount: Decimal, collected: Decimal, cancelled: Decimal, refunded: Decimal = Decimal(0)) -> Decimal:
    """What is still owed on an order: amount − cancellations − collections + refunds (money paid back)."""
    return amount - cancelled - collected + refunded


def collection_exceeds_error(*, amount: Decimal, open_amount: Decimal) -> str | None:
    """A collection may not exceed the order's open amount."""
    if amount > open_amount:
        return _("The amount %(amount)s exceeds the open amount %(open)s of the order.") % {
            "amount": amount,
            "open": open_amount,
        }
    return None


def cancellation_exceeds_error(*, amount: Decimal, open_amount: Decimal) -> str | None:
    """A cancellation takes back unpaid money only: at most the open amount."""
    if amount > open_amount:
        return _("A cancellation may not exceed the open amount %(open)s.") % {"open": open_amount}
    return None


def refund_exceeds_error(*, amount: Decimal, collected: Decimal, refunded: Decimal) -> str | None:
    """A refund pays back collected money: at most what was collected and not yet refunded."""
    available = collected - refunded
    if amount > available:
        return _("A refund may not exceed the collected amount not yet refunded (%(available)s).") % {
            "available": available
        }
    return None


def due_on(booked_on: dt.date, payment_terms_days: int) -> dt.date:
    """The due date of an order: booked date plus payment terms."""
    return booked_on + dt.timedelta(days=payment_terms_days)


def days_overdue(*, due: dt.date, as_of: dt.date) -> int:
    """Whole days past the due date (0 when not yet due)."""
    return max((as_of - due).days, 0)


AGEING_BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")


def ageing_bucket(overdue_days: int) -> str:
    """The receivable ageing bucket of a number of days overdue: current, 1–30, 31–60, 61–90, >90."""
    if overdue_days <= 0:
        return "current"
    if overdue_days <= 30:
        return "1_30"
    if overdue_days <= 60:
        return "31_60"
    if overdue_days <= 90:
        return "61_90"
    return "over_90"


def feedback_score_error(kind: str, score: int) -> str | None:
    """CSAT is scored 1–5 and NPS 0–10."""
    low, high = (1, 5) if kind == FeedbackKind.CSAT else (0, 10)
    if not low <= score <= high:
        return _("A %(kind)s score must be between %(low)d and %(high)d.") % {"kind": kind, "low": low, "high": high}
    return None


def line_amount_error(*, quantity: Decimal, unit_price: Decimal, amount: Decimal) -> str | None:
    """A line amount must equal quantity × unit price, to the cent (discounts belong in the unit price)."""
    expected = (quantity * unit_price).quantize(Decimal("0.01"))
    if abs(expected - amount) > Decimal("0.01"):
        return _("The line amount %(amount)s is not quantity × unit price (%(expected)s).") % {
            "amount": amount,
            "expected": expected,
        }
    return None
