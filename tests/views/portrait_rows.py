"""Hand-made estimate rows of a territory (a département of Bretagne) for the key-findings tests.

Each cell: measure, estimate, n, reliability, and its test (verdict, p) against the rest of France
and against the rest of its parent; the parent's (5.5) and France's (6.0) rows beside them.
"""

from __future__ import annotations

import pandas as pd

BASE = {"indicator": "fragility", "wave": 2019, "survey": "citoyens", "statistic": "mean_score"}

# measure, estimate, n, reliability, (verdict, p) against the rest of France, the same against the rest of the parent
CELLS = [
    ("emploi", 7.0, 200, "ok", ("above", 0.001), ("above", 0.002)),
    ("sante", 5.0, 200, "ok", ("not_significant", 0.5), ("above", 0.003)),
    ("logement", 4.0, 60, "low", ("below", 0.01), ("below", 0.02)),
]


def rows(cells=CELLS) -> pd.DataFrame:
    """A territory's cells, and its parent's (5.5) and France's (6.0) for every measure (and their rests')."""
    out = [
        {**BASE, "scope": "territory", "measure": m, "estimate": e, "ci_low": e - 0.2, "ci_high": e + 0.2, "n": n,
         "reliability": rel, "significance": sig, "p_value": p, "vs_parent": vp, "p_value_parent": pp,
         "se": 0.1, "estimate_rest": 6.0, "estimate_rest_parent": 5.5}
        for m, e, n, rel, (sig, p), (vp, pp) in cells
    ]  # fmt: skip
    for scope, value in (("parent", 5.5), ("france", 6.0)):
        out += [
            {**BASE, "scope": scope, "measure": c[0], "estimate": value, "ci_low": value - 0.1,
             "ci_high": value + 0.1, "n": 5000, "reliability": "ok", "significance": None, "p_value": None}
            for c in cells
        ]  # fmt: skip
    return pd.DataFrame(out)


LOW_ONLY = [
    ("emploi", 7.0, 60, "low", ("above", 0.01), ("not_significant", 0.3)),
    ("sante", 5.0, 60, "low", ("below", 0.02), ("below", 0.04)),
    ("logement", 4.0, 60, "low", ("not_significant", 0.2), ("not_significant", 0.6)),
]
