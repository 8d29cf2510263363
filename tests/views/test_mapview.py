"""Map rows, classes and legend counts, on small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory.views.mapview import build_change_view, build_map_view, change_breaks


def table(estimates, reliability, statistic="share"):
    n = len(estimates)
    return pd.DataFrame(
        {
            "territory_code": [f"{i:02d}" for i in range(n)],
            "territory_name": [f"T{i}" for i in range(n)],
            "measure": "m",
            "statistic": statistic,
            "estimate": estimates,
            "ci_low": np.array(estimates) - 0.01,
            "ci_high": np.array(estimates) + 0.01,
            "n": [200 if r == "ok" else 50 if r == "low" else 3 for r in reliability],
            "n_eff": 100.0,
            "reliability": reliability,
            "significance": "not_significant",
            "p_value": 0.5,
        }
    )


def test_counts_add_up_to_the_territories():
    rel = ["ok"] * 8 + ["low"] * 3 + ["suppressed"] * 2
    est = list(np.linspace(0.2, 0.6, 11)) + [np.nan, np.nan]
    v = build_map_view(table(est, rel), "m", "share", "quantiles", 30, "fr")
    counts = v.counts()
    assert counts == {"strong": 8, "faded": 3, "suppressed": 2, "total": 13}
    legend = v.legend()
    assert sum(e["count"] for e in legend) == 8
    assert sum(e["faded"] for e in legend) == 3


def test_no_published_cell_has_no_classes_and_says_so():
    v = build_map_view(table([np.nan] * 4, ["suppressed"] * 4), "m", "share", "quantiles", 30, "fr")
    assert v.upper_bounds == [] and v.legend() == [] and v.breaks_basis == "none"


def test_few_reliable_cells_use_the_low_ones_and_say_so():
    rel = ["ok"] * 2 + ["low"] * 10
    v = build_map_view(table(list(np.linspace(0.1, 0.9, 12)), rel), "m", "share", "quantiles", 30, "fr")
    assert v.breaks_basis == "low" and len(v.upper_bounds) == 5


def test_change_classes_are_symmetric_around_zero():
    bounds = change_breaks(np.array([-0.07, 0.02, 0.05]))
    assert bounds[2] == 0 and bounds[1] == -bounds[3] and bounds[0] == -bounds[4]


def test_change_view_fades_what_is_not_reliable_and_significant():
    rows = pd.DataFrame(
        {
            "territory_code": ["a", "b", "c"],
            "territory_name": ["A", "B", "C"],
            "measure": "m",
            "statistic": "share",
            "wave_from": 2015,
            "wave_to": 2019,
            "difference": [0.05, 0.04, np.nan],
            "estimate_from": [0.4, 0.4, np.nan],
            "estimate_to": [0.45, 0.44, np.nan],
            "ci_low": [0.02, -0.01, np.nan],
            "ci_high": [0.08, 0.09, np.nan],
            "n_from": [300, 40, 2],
            "n_to": [300, 40, 2],
            "reliability": ["ok", "low", "suppressed"],
            "significance": ["increase", "increase", "not_tested"],
            "p_value": [0.001, 0.04, np.nan],
        }
    )
    v = build_change_view(rows, "m", "share", 30, "fr")
    assert list(v.rows["opacity"]) == [0.95, 0.3, 0.55]
    assert v.counts() == {"strong": 1, "faded": 1, "suppressed": 1, "total": 3}
