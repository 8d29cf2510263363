"""The columns of every exported table, in the order the files give them.

A map view's table (direct estimates, the change between two waves, the small-area model's), a
profile's blocks, trends and initiatives, and a comparison's pairwise tests: one list each, read
by :mod:`observatory.exports.export` and :mod:`observatory.exports.tables`.
"""

from __future__ import annotations

from observatory.stats.change import CHANGE_COLUMNS

EXPORT_COLUMNS: tuple[str, ...] = (
    "indicator", "wave", "survey", "level", "size_class", "min_n", "territory_code", "territory_name",
    "measure", "statistic", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "reliability",
    "significance", "p_value",
)  # fmt: skip
CHANGE_EXPORT_COLUMNS: tuple[str, ...] = (*CHANGE_COLUMNS[:6], "min_n", *CHANGE_COLUMNS[6:])
SAE_EXPORT_COLUMNS: tuple[str, ...] = (
    "indicator", "wave", "survey", "level", "territory_code", "territory_name", "measure", "statistic",
    "estimate", "se", "ci_low", "ci_high", "n", "method", "sae_status", "gamma",
)  # fmt: skip
PROFILE_COLUMNS: tuple[str, ...] = ("block", "scope", *EXPORT_COLUMNS)
TREND_COLUMNS: tuple[str, ...] = (
    *PROFILE_COLUMNS, "previous_wave", "change", "change_low", "change_high", "change_significance",
)  # fmt: skip
INITIATIVE_COLUMNS: tuple[str, ...] = (
    "block", "territory_code", "initiative_id", "initiative_name", "initiative_kind", "initiative_level",
    "initiative_scope", "description_fr", "description_en", "source_title", "source_publisher", "source_date",
)  # fmt: skip
PAIRWISE_COLUMNS: tuple[str, ...] = (
    "measure", "statistic", "territory_a", "territory_b", "basis",
    "difference", "se_difference", "ci_low", "ci_high", "p_value", "p_holm", "verdict",
)  # fmt: skip
