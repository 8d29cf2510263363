"""A territory's portrait in words: the key findings and the rank among its peers.

Pure functions of the estimates (tidy frames of :mod:`observatory.stats`); no Dash, no database.

- **Key findings** (:mod:`observatory.views.portrait_findings`): every test the portrait could state is
  one family — each reliable cell against the rest of France and against the rest of its parent,
  each reliable change since the previous wave, and, for an EPCI, each small-area model cell
  against France (a z-test whose variance counts the model's MSE) — and only the tests that
  survive Benjamini–Hochberg at 5 % over the whole family are stated, each with its value,
  interval, n, reliability and raw and adjusted p-values. The family's size is said. The
  significant differences of low-reliability cells are counted, not stated.
- **Rank with its uncertainty** (:mod:`observatory.views.portrait_ranks`): the rank of the territory's
  estimate among the reliable cells of its level, and the 95 % confidence set of that rank
  (Mogstad, Romano, Shaikh & Wilhelm 2024: :mod:`observatory.stats.ranks`), which covers the true
  rank with a guarantee; the parametric bootstrap of the ranks used before
  (:func:`bootstrap_rank_interval`) is kept for comparison.
- **In words** (:mod:`observatory.views.portrait_words`): the statements, the headline and the family
  of tests in French and English; a cell stated against both rests the same way is one sentence.
- **The block as drawn** (:mod:`observatory.views.findings_blocks`, imported from there): headings,
  statements with their data, notes and counts, which the page, the PDF and the embeds lay out.

This module gathers their public names: ``portrait.key_findings``, ``portrait.rank_text``, … (the
parts import each other bottom up, ranks ← findings ← words, and never this module).
"""

from __future__ import annotations

from observatory.views.portrait_findings import (
    FDR,
    MAX_PER_GROUP,
    PROCEDURE,
    VERSUS,
    Z_UNDERFLOW,
    Finding,
    KeyFindings,
    key_findings,
    p_column_of,
)
from observatory.views.portrait_ranks import (
    JOINT_COLUMNS,
    LEVEL_PLURALS,
    RANK_DRAWS,
    RANK_LEVEL,
    RANK_SEED,
    Rank,
    bootstrap_rank_interval,
    joint_sets,
    model_ranks,
    ordinal,
    rank_interval,
    rank_text,
    ranks,
)
from observatory.views.portrait_words import (
    ACTORS,
    DIRECTION_WORDS,
    MODEL_WORDS,
    family_text,
    finding_text,
    headline,
    meaning,
    measure_name,
    reference_label,
    with_a,
    with_a_rest,
    with_de,
)

__all__ = [
    "ACTORS",
    "DIRECTION_WORDS",
    "FDR",
    "JOINT_COLUMNS",
    "LEVEL_PLURALS",
    "MAX_PER_GROUP",
    "MODEL_WORDS",
    "PROCEDURE",
    "RANK_DRAWS",
    "RANK_LEVEL",
    "RANK_SEED",
    "VERSUS",
    "Z_UNDERFLOW",
    "Finding",
    "KeyFindings",
    "Rank",
    "bootstrap_rank_interval",
    "joint_sets",
    "family_text",
    "finding_text",
    "headline",
    "key_findings",
    "meaning",
    "measure_name",
    "model_ranks",
    "ordinal",
    "p_column_of",
    "rank_interval",
    "rank_text",
    "ranks",
    "reference_label",
    "with_a",
    "with_a_rest",
    "with_de",
]
