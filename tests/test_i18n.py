"""Number formatting: one precision rule per unit, intervals that never collapse, plurals, colons."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from observatory.core import i18n


def _decimals(text: str) -> list[int]:
    return [len(m) for m in re.findall(r"[.,](\d+)", text)]


def test_a_narrow_national_interval_does_not_read_as_zero_width():
    # The audit's case: an estimate of 5.9 with a half-width of 0.03 printed as "5,9 – 5,9".
    text = i18n.interval(5.87, 5.93, "mean_score", "fr")
    low, high = text.split(" – ")
    assert low != high
    assert text == "5,87 – 5,93"


def test_value_and_interval_share_one_precision_rule():
    # the unit's precision (0.1 for scores, 1 % for shares) for the estimate and its CI alike...
    assert _decimals(i18n.value(7.1234, "mean_score")) == [1]
    assert _decimals(i18n.interval(6.91, 7.32, "mean_score")) == [1, 1]
    assert i18n.value(0.3712, "share") == "37\u202f%"
    assert i18n.interval(0.33, 0.41, "share") == "33 – 41\u202f%"
    # ...and one decimal more for both when the CI would collapse: the estimate stays inside it
    assert i18n.interval(0.3581, 0.3622, "share") == "35,8 – 36,2\u202f%"
    assert i18n.value(0.3604, "share", lo=0.3581, hi=0.3622) == "36,0\u202f%"
    assert i18n.value(5.875, "mean_score", "fr", 5.86, 5.89) == "5,88 / 10"


@given(
    centre=st.floats(0.01, 0.99),
    half=st.floats(1e-4, 0.2),
    statistic=st.sampled_from(["mean_score", "share", "priority_share"]),
)
def test_an_interval_of_positive_width_never_prints_equal_bounds(centre, half, statistic):
    scale = 10 if statistic == "mean_score" else 1
    lo, hi = (centre - half) * scale, (centre + half) * scale
    text = i18n.interval(lo, hi, statistic, "fr").replace("\u202f%", "")
    a, b = text.split(" – ")
    assert a != b


def test_french_and_english_marks():
    assert i18n.number(1234.5, 1, "fr") == "1\u202f234,5"
    assert i18n.number(1234.5, 1, "en") == "1,234.5"
    assert i18n.value(0.37, "share", "en") == "37%"
    assert i18n.colon("en") == ": " and i18n.colon("fr") == " : "


@pytest.mark.parametrize(
    "count,expected", [(0, "0 non diffusé"), (1, "1 non diffusé"), (2, "2 non diffusés"), (17, "17 non diffusés")]
)
def test_plural_agrees(count, expected):
    assert i18n.plural(count, "non diffusé", "non diffusés") == expected


def test_changes_are_signed_and_zero_is_plus_minus():
    assert i18n.signed(0.051, "share", "fr") == "+5,1\u202fpts"
    assert i18n.signed(-0.4, "mean_score", "en") == "−0.40"
    assert i18n.signed(0.0001, "mean_score") == "±0,00"
    assert i18n.signed_interval(-0.012, 0.08, "share", "fr") == "[−1,2 ; +8,0\u202fpts]"
