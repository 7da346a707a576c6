"""Money: exact arithmetic, explicit rounding, and largest-remainder splits that always sum exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.core.money import (
    CurrencyMismatchError,
    Money,
    allocate,
    minor_units,
    quantize,
    split_evenly,
    to_decimal,
)


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError):
        to_decimal(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        allocate("1.00", [0.5, 0.5])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        to_decimal(True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.30", Decimal("12.30")),
        (" 1,234.5 ", Decimal("1234.5")),
        (7, Decimal(7)),
        (Decimal("0.01"), Decimal("0.01")),
    ],
)
def test_to_decimal_accepts_exact_inputs(value, expected):
    assert to_decimal(value) == expected


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity"])
def test_to_decimal_rejects_non_numbers(value):
    with pytest.raises(ValueError, match="number"):
        to_decimal(value)


def test_minor_units_per_currency():
    assert minor_units("CNY") == 2
    assert minor_units("usd") == 2
    assert minor_units("JPY") == 0
    assert minor_units("KWD") == 3
    assert minor_units("XYZ") == 2
    with pytest.raises(ValueError, match="ISO 4217"):
        minor_units("yuan")


def test_rounding_is_explicit():
    assert quantize("2.345") == Decimal("2.35")  # half up, as on CNY statements
    assert quantize("2.345", rounding=ROUND_HALF_EVEN) == Decimal("2.34")
    assert quantize("-2.345") == Decimal("-2.35")
    assert Money.of("2.5", "JPY").round() == Money.of("3", "JPY")
    assert Money.of("2.5", "JPY").round(ROUND_HALF_EVEN) == Money.of("2", "JPY")
    assert Money.of("1.005").round().amount == Decimal("1.01")


def test_arithmetic_refuses_mixed_currencies():
    cny, usd = Money.of("10", "CNY"), Money.of("10", "USD")
    with pytest.raises(CurrencyMismatchError):
        cny + usd
    with pytest.raises(CurrencyMismatchError):
        _ = cny < usd
    with pytest.raises(TypeError):
        cny + Decimal(1)  # type: ignore[operator]
    with pytest.raises(TypeError):
        cny * cny  # type: ignore[operator]


def test_arithmetic_and_comparison():
    a, b = Money.of("10.10"), Money.of("0.20")
    assert a + b == Money.of("10.30")
    assert a - b == Money.of("9.90")
    assert -a == Money.of("-10.10")
    assert a * 3 == Money.of("30.30")
    assert 2 * b == Money.of("0.40")
    assert a * Decimal("0.5") == Money.of("5.05")
    assert (a / 4).round() == Money.of("2.53")
    assert b < a
    assert a >= a
    assert sum([a, b, b]) == Money.of("10.50")
    assert a.ratio(Money.of("20.20")) == Decimal("0.5")
    with pytest.raises(ZeroDivisionError):
        a.ratio(Money.zero())
    assert Money.zero("USD").is_zero()


def test_parse_and_format():
    assert Money.parse("CNY 1,234.50") == Money.of("1234.50", "CNY")
    assert Money.parse("99.9 usd") == Money.of("99.9", "USD")
    assert Money.parse("-5", default_currency="JPY") == Money.of("-5", "JPY")
    with pytest.raises(ValueError, match="money"):
        Money.parse("ten yuan")
    with pytest.raises(ValueError, match="different"):
        Money.parse("CNY 5 USD")
    assert Money.of("1234.5").format() == "¥1,234.50"
    assert Money.of("1234.5").format(symbol=False) == "CNY 1,234.50"
    assert Money.of("-1234.5").format(grouping=False) == "-¥1234.50"
    assert Money.of("-3", "CHF").format() == "CHF -3.00"
    assert Money.of("1234.5", "JPY").format() == "¥1,235"
    assert str(Money.of("1.50", "USD")) == "USD 1.50"


def test_allocate_golden_examples():
    assert allocate("100.00", [1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert allocate("0.05", [1, 1, 1, 0]) == [Decimal("0.02"), Decimal("0.02"), Decimal("0.01"), Decimal("0.00")]
    assert allocate("-0.05", [1, 1, 1]) == [Decimal("-0.02"), Decimal("-0.02"), Decimal("-0.01")]
    # Largest remainder wins even when it is not first: shares 3.3333, 6.6666 → 3.33, 6.67.
    assert allocate("10.00", [1, 2]) == [Decimal("3.33"), Decimal("6.67")]
    assert allocate("10", [Decimal("0.3"), Decimal("0.7")], places=0) == [Decimal("3"), Decimal("7")]
    assert allocate("1.000", [1, 2], places=3) == [Decimal("0.333"), Decimal("0.667")]
    assert split_evenly("0.10", 3) == [Decimal("0.04"), Decimal("0.03"), Decimal("0.03")]
    assert Money.of("100", "JPY").split_evenly(3) == [Money.of(34, "JPY"), Money.of(33, "JPY"), Money.of(33, "JPY")]
    assert Money.of("1.00").allocate([1, 1, 1]) == [Money.of("0.34"), Money.of("0.33"), Money.of("0.33")]


def test_allocate_refuses_bad_input():
    with pytest.raises(ValueError, match="all be zero"):
        allocate("1.00", [0, 0])
    with pytest.raises(ValueError, match="at least one"):
        allocate("1.00", [])
    with pytest.raises(ValueError, match="negative"):
        allocate("1.00", [1, -1])
    with pytest.raises(ValueError, match="decimal places"):
        allocate("1.005", [1, 1])
    with pytest.raises(ValueError, match="positive"):
        split_evenly("1.00", 0)


amounts = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2, allow_nan=False)
weight_lists = st.lists(
    st.one_of(st.integers(min_value=0, max_value=1000), st.decimals(min_value=0, max_value=100, places=3)),
    min_size=1,
    max_size=12,
).filter(lambda ws: any(w > 0 for w in ws))


@given(total=amounts, weights=weight_lists)
def test_allocate_parts_sum_exactly_and_stay_within_one_cent(total, weights):
    parts = allocate(total, weights)
    assert sum(parts, Decimal(0)) == total
    weight_sum = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        if weight == 0:
            assert part == 0
        assert part.as_tuple().exponent == -2


@given(total=amounts, weights=weight_lists)
def test_allocate_is_deterministic_and_symmetric(total, weights):
    assert allocate(total, weights) == allocate(total, list(weights))
    assert allocate(-total, weights) == [-p for p in allocate(total, weights)]


@given(total=amounts, n=st.integers(min_value=1, max_value=50))
def test_split_evenly_parts_differ_by_at_most_one_cent_and_extras_come_first(total, n):
    parts = split_evenly(total, n)
    assert sum(parts, Decimal(0)) == total
    assert max(parts) - min(parts) <= Decimal("0.01")
    magnitudes = [abs(p) for p in parts]
    assert magnitudes == sorted(magnitudes, reverse=True)  # ties go to the earlier parts


@given(total=amounts, n=st.integers(min_value=2, max_value=10))
def test_equal_weights_tie_break_by_position(total, n):
    assert allocate(total, [1] * n) == split_evenly(total, n)
