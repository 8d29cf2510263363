"""The ranking panel: the highest values, or the largest changes, at the top of the chart."""

from __future__ import annotations

import pandas as pd

from observatory.figures.ranking import draw_ranking


def rows(estimates: list[float]) -> pd.DataFrame:
    k = len(estimates)
    est = pd.Series(estimates, dtype=float)
    return pd.DataFrame(
        {
            "territory_code": [f"{i:02d}" for i in range(k)],
            "territory_name": [f"T{i}" for i in range(k)],
            "estimate": est,
            "ci_low": est - 0.1,
            "ci_high": est + 0.1,
            "n": 200,
            "reliability": "ok",
            "significance": ["increase" if e > 0 else "decrease" for e in estimates],
        }
    )


def top_to_bottom(fig: dict) -> list[str]:
    return list(reversed(fig["data"][0]["y"]))  # plotly draws the first category at the bottom


def test_the_largest_changes_come_first_whatever_their_sign():
    fig = draw_ranking(rows([0.2, -0.9, 0.5, -0.1, 0.7]), "mean_score", "fr", change=True)
    assert top_to_bottom(fig) == ["T1 (01)", "T4 (04)", "T2 (02)", "T0 (00)", "T3 (03)"]
    assert "plus fortes évolutions" in fig["layout"]["title"]["text"]


def test_all_decreases_the_largest_first():
    fig = draw_ranking(rows([-0.2, -0.9, -0.5]), "mean_score", "en", change=True)
    assert top_to_bottom(fig) == ["T1 (01)", "T2 (02)", "T0 (00)"]


def test_levels_the_highest_first():
    fig = draw_ranking(rows([5.0, 7.0, 6.0]), "mean_score", "fr")
    assert top_to_bottom(fig) == ["T1 (01)", "T2 (02)", "T0 (00)"]
