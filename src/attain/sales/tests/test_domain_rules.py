from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from attain.sales import rules

D = Decimal


def test_alias_key_matches_spellings() -> None:
    assert rules.alias_key("GTX Pro") == rules.alias_key("GTXPro") == rules.alias_key("ＧＴＸ-pro") == "gtxpro"


def test_money_places() -> None:
    assert rules.money_places_error(D("1.23")) is None
    assert rules.money_places_error(D("1.230")) is None  # trailing zero is not a third decimal
    assert rules.money_places_error(D("1.234")) is not None


def test_split_sums() -> None:
    assert rules.split_sum_error([D("60"), D("40")]) is None
    assert rules.split_sum_error([]) is None
    assert rules.split_sum_error([D("60"), D("30")]) is not None
    assert rules.split_sum_error([D("120"), D("-20")]) is not None


def test_ageing_bucket_boundaries() -> None:
    assert [rules.ageing_bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current",
        "1_30",
        "1_30",
        "31_60",
        "31_60",
        "61_90",
        "61_90",
        "over_90",
    ]


def test_days_overdue() -> None:
    assert rules.days_overdue(due=dt.date(2026, 1, 1), as_of=dt.date(2026, 1, 1)) == 0
    assert rules.days_overdue(due=dt.date(2026, 1, 1), as_of=dt.date(2026, 1, 31)) == 30


def test_feedback_scores() -> None:
    assert rules.feedback_score_error("csat", 5) is None
    assert rules.feedback_score_error("csat", 0) is not None
    assert rules.feedback_score_error("nps", 0) is None
    assert rules.feedback_score_error("nps", 11) is not None


@given(
    amount=st.decimals(min_value=0, max_value=10**6, places=2),
    paid=st.decimals(min_value=0, max_value=10**6, places=2),
)
def test_collection_never_exceeds_open(amount: Decimal, paid: Decimal) -> None:
    open_amount = rules.open_amount(amount=amount, collected=Decimal(0), cancelled=Decimal(0))
    error = rules.collection_exceeds_error(amount=paid, open_amount=open_amount)
    assert (error is None) == (paid <= amount)
