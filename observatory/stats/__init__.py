"""Survey statistics: design-based estimates with CIs, reliability and significance."""

from observatory.stats.engine import ALL_LEVELS, OUTPUT_COLUMNS, InvalidQuery, Query, StatsEngine

__all__ = ["ALL_LEVELS", "OUTPUT_COLUMNS", "InvalidQuery", "Query", "StatsEngine"]
