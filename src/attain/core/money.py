"""Money: exact Decimal amounts in one currency, explicit rounding, and exact largest-remainder splits.

Pure Python (no Django): the calculation engine imports it. Floats are refused everywhere, because a float
cannot represent most cent amounts exactly; pass ``Decimal``, ``int`` or a ``str`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

__all__ = [
    "CURRENCY_MINOR_UNITS",
    "DEFAULT_CURRENCY",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "CurrencyMismatchError",
    "Money",
    "allocate",
    "minor_units",
    "quantize",
    "split_evenly",
    "to_decimal",
]

DEFAULT_CURRENCY = "CNY"

# ISO 4217 minor units of the currencies Attain is expected to meet; any other valid code uses 2.
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "SGD": 2,
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "MYR": 2,
    "THB": 2,
    "INR": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "IDR": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
}

CURRENCY_SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "JPY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "HKD": "HK$",
    "TWD": "NT$",
    "KRW": "₩",
}

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_MONEY_TEXT = re.compile(
    r"^\s*(?:([A-Za-z]{3})\s*)?([-+]?[0-9][0-9,]*(?:\.[0-9]+)?|[-+]?\.[0-9]+)\s*(?:([A-Za-z]{3}))?\s*$"
)


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies were combined; convert one first."""


def _check_currency(currency: str) -> str:
    code = str(currency).strip().upper()
    if not _CURRENCY_CODE.match(code):
        raise ValueError(f"not an ISO 4217 currency code: {currency!r}")
    return code


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit (CNY 2, JPY 0, KWD 3); unknown valid codes use 2."""
    return CURRENCY_MINOR_UNITS.get(_check_currency(currency), 2)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """An exact Decimal from a Decimal, int or numeric string; floats and bools raise TypeError."""
    if isinstance(value, bool):
        raise TypeError("booleans are not amounts")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    else:
        raise TypeError(f"amounts must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def quantize(amount: Decimal | int | str, places: int = 2, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to ``places`` decimals with an explicit rule (half-up by default, as on CNY statements)."""
    return to_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=rounding)


def allocate(total: Decimal | int | str, weights: Sequence[Decimal | int], *, places: int = 2) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so the parts sum exactly to it (largest remainder).

    Each part is its exact share rounded down to ``places`` decimals; the minor units left over go one each
    to the parts with the largest remainders, ties going to the earlier position in ``weights``. A negative
    total is split as its absolute value and negated, so the rule is symmetric. Zero weights receive zero.
    ``total`` must already be a whole number of minor units (e.g. cents): otherwise no split can sum to it.
    """
    amount = to_decimal(total)
    if not weights:
        raise ValueError("allocate() needs at least one weight")
    exact_weights = [Fraction(to_decimal(w)) for w in weights]
    if any(w < 0 for w in exact_weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    scaled = Fraction(amount) * 10**places
    if scaled.denominator != 1:
        raise ValueError(f"total {amount} has more than {places} decimal places")
    sign = -1 if scaled < 0 else 1
    units = abs(scaled.numerator)
    shares = [units * w / weight_sum for w in exact_weights]
    parts = [share.numerator // share.denominator for share in shares]
    leftover = units - sum(parts)
    # Largest remainder first; equal remainders keep input order (stable sort), so ties go to the earlier part.
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - parts[i], reverse=True)
    for i in by_remainder[:leftover]:
        parts[i] += 1
    exponent = Decimal(1).scaleb(-places)
    return [(Decimal(sign * part).scaleb(-places)).quantize(exponent) for part in parts]


def split_evenly(total: Decimal | int | str, n: int, *, places: int = 2) -> list[Decimal]:
    """Split ``total`` into ``n`` parts differing by at most one minor unit; the first parts get the extra."""
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError("split_evenly() needs a positive number of parts")
    return allocate(total, [1] * n, places=places)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency; arithmetic refuses to mix currencies and never uses floats."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        object.__setattr__(self, "currency", _check_currency(self.currency))

    # --- construction
    @classmethod
    def of(cls, value: Decimal | int | str, currency: str = DEFAULT_CURRENCY) -> Money:
        """Money from a Decimal, int or numeric string (``"1,234.50"``); floats raise TypeError."""
        return cls(to_decimal(value), currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def parse(cls, text: str, default_currency: str = DEFAULT_CURRENCY) -> Money:
        """Parse ``"CNY 1,234.50"``, ``"1234.5 USD"`` or ``"99"`` (in ``default_currency``)."""
        if not isinstance(text, str):
            raise TypeError("Money.parse() takes a string")
        match = _MONEY_TEXT.match(text)
        if match is None:
            raise ValueError(f"not a money amount: {text!r}")
        before, number, after = match.groups()
        if before and after and before.upper() != after.upper():
            raise ValueError(f"two different currencies in {text!r}")
        return cls(to_decimal(number), before or after or default_currency)

    # --- properties
    @property
    def minor_units(self) -> int:
        return minor_units(self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    # --- rounding
    def round(self, rounding: str = ROUND_HALF_UP, places: int | None = None) -> Money:
        """Round to the currency's minor unit (or ``places``), half-up unless told otherwise."""
        return Money(quantize(self.amount, self.minor_units if places is None else places, rounding), self.currency)

    # --- arithmetic
    def _same(self, other: Any) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __radd__(self, other: Any) -> Money:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:  # lets sum() start from 0
            return self
        return self.__add__(other)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, Money):
            raise TypeError("cannot multiply Money by Money")
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: Decimal | int) -> Money:
        """Divide by a number (unrounded); dividing Money by Money is a ratio, use ``ratio()``."""
        if isinstance(divisor, Money):
            raise TypeError("use Money.ratio() to divide Money by Money")
        return Money(self.amount / to_decimal(divisor), self.currency)

    def ratio(self, other: Money) -> Decimal:
        """``self / other`` as a plain Decimal (e.g. attainment); dividing by zero raises ZeroDivisionError."""
        denominator = self._same(other).amount
        if denominator == 0:
            raise ZeroDivisionError("ratio to a zero amount")
        return self.amount / denominator

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    # --- splitting
    def allocate(self, weights: Sequence[Decimal | int]) -> list[Money]:
        """Split by weights to the currency's minor unit; the parts sum exactly to ``self`` (see ``allocate``)."""
        return [Money(part, self.currency) for part in allocate(self.amount, weights, places=self.minor_units)]

    def split_evenly(self, n: int) -> list[Money]:
        """Split into ``n`` parts differing by at most one minor unit; the first parts get the extra."""
        return [Money(part, self.currency) for part in split_evenly(self.amount, n, places=self.minor_units)]

    # --- formatting
    def format(self, *, symbol: bool = True, grouping: bool = True, rounding: str = ROUND_HALF_UP) -> str:
        """Display text, rounded to the minor unit: ``¥1,234.50`` or ``CNY 1,234.50`` (``symbol=False``)."""
        rounded = quantize(self.amount, self.minor_units, rounding)
        number = f"{abs(rounded):,f}" if grouping else f"{abs(rounded):f}"
        sign = "-" if rounded < 0 else ""
        prefix = CURRENCY_SYMBOLS.get(self.currency) if symbol else None
        return f"{sign}{prefix}{number}" if prefix else f"{self.currency} {sign}{number}"

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:f}"
