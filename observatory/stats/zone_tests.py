"""A zone tested against the rest of each département it lies in (its test against France: ``zones``).

A territory's profile tests it against the rest of its parent; a zone has no parent, but lies in one
or more départements. For each département D holding at least ``min_n`` of the zone's respondents in
a cell, the zone Z is compared with D without the zone (D∖Z): its estimate and Taylor variance are
those of any domain (:func:`observatory.stats.zone_moments.raw_cells` over D∖Z's communes), and the
test is the observatory's one z-test, (R_Z − R_{D∖Z}) / √(V_Z + V_{D∖Z}), as the test against the
rest of France (:func:`observatory.stats.finalize.finalize`).

D∖Z is a new set of respondents and its estimate is published with the test (the reference value),
so it goes through the differencing guard (:func:`observatory.stats.zone_guard.check`) like the zone
itself: a département minus a handful of the zone's respondents is "D minus a village", never shown.
The sets it is checked against include, beside the guard's, the rest of D in every zone stored
before (D∖X, published by zone X's portrait).
A test is made only where the zone's cell is shown, D∖Z has at least ``min_n`` respondents and
the guard lets it through; elsewhere its values are blank and ``significance`` is ``not_tested``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from observatory.stats.finalize import z_test
from observatory.stats.zone_guard import Names, PriorZone, check
from observatory.stats.zone_moments import CELL_COLUMNS, ZoneMoments, raw_cells

DEPARTEMENT_TEST_COLUMNS: tuple[str, ...] = (
    *CELL_COLUMNS, "departement_code", "n_inside", "n_rest", "estimate_rest", "se_rest", "difference",
    "se_difference", "p_value", "significance",
)  # fmt: skip


def zone_departements(zm: ZoneMoments, communes: np.ndarray, min_n: int) -> tuple[np.ndarray, np.ndarray]:
    """The départements (positions) holding at least ``min_n`` of the zone's respondents in some cell.

    Returns them and the zone's respondents in each of them per cell (cells × départements).
    """
    rows = zm.rows_of(communes)
    codes = zm.families["departement"].codes
    row_commune = np.searchsorted(zm.offsets, rows, side="right") - 1
    dep = zm.dep_of_commune[row_commune]
    keep = dep >= 0
    key = zm.row_cell[rows][keep].astype(np.int64) * len(codes) + dep[keep]
    inside = np.bincount(key, minlength=len(zm.cells) * len(codes)).reshape(len(zm.cells), len(codes))
    deps = np.flatnonzero((inside >= min_n).any(axis=0))
    return deps, inside[:, deps]


def departement_tests(
    zm: ZoneMoments,
    communes: np.ndarray,
    zone: pd.DataFrame,
    min_n: int,
    guard_n: int | None = None,
    prior: Sequence[PriorZone] = (),
    names: Names | None = None,
) -> pd.DataFrame:
    """Every cell of the zone against the rest of each département it lies in.

    Args:
        zm: the answers arranged for zones.
        communes: the zone's communes (positions, sorted).
        zone: the zone's cells (:func:`observatory.stats.zones.zone_cells`, in ``zm.cells``' order):
            a refused or suppressed cell is not tested.
        min_n: the smallest number of respondents of each side, and inside the département.
        guard_n: the guard's threshold (default ``min_n``).
        prior: the zones stored before this one (published, for the guard).
        names: a territory's name from its level and code (the guard's sentences).

    Returns:
        One row per cell and département (:data:`DEPARTEMENT_TEST_COLUMNS`), départements in code
        order; a cell not tested has blank values and ``significance`` ``not_tested``.
    """
    deps, inside = zone_departements(zm, communes, min_n)
    codes = zm.families["departement"].codes
    in_zone = np.zeros(len(zm.communes), dtype=bool)
    in_zone[communes] = True
    est = zone["estimate"].to_numpy(float)
    se = zone["se"].to_numpy(float)
    shown = zone["reliability"].to_numpy() != "suppressed"
    frames = []
    for j, d in enumerate(deps):
        in_dep = zm.dep_of_commune == d
        rest = np.flatnonzero(in_dep & ~in_zone)
        published = [*prior, *_prior_rests(zm, prior, in_dep, codes[d])]
        testable = shown & (inside[:, j] >= min_n)
        frames.append(
            _against_rest(zm, rest, est, se, testable, min_n, guard_n, published, names).assign(
                departement_code=codes[d], n_inside=inside[:, j]
            )
        )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DEPARTEMENT_TEST_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(DEPARTEMENT_TEST_COLUMNS)]


def _prior_rests(zm: ZoneMoments, prior: Sequence[PriorZone], in_dep: np.ndarray, code: str) -> list[PriorZone]:
    """The rest of the département in each zone stored before: published by that zone's portrait.

    Counted whether or not that zone's test was made (a set that may have been published is one).
    """
    out = []
    for z in prior:
        inside = np.zeros(len(zm.communes), dtype=bool)
        inside[z.communes] = True
        if (inside & in_dep).any():
            out.append(PriorZone(f"{z.key}-{code}", np.flatnonzero(in_dep & ~inside)))
    return out


def published_rests(zm: ZoneMoments, prior: Sequence[PriorZone]) -> list[PriorZone]:
    """The rest of every département each stored zone touches: what that zone's portrait published.

    The zone's own figures count them as published beside the stored zones themselves, so that a
    zone equal to "the rest of D in zone X's portrait, minus a village" is refused too.
    """
    codes = zm.families["departement"].codes
    out = []
    for z in prior:
        inside = np.zeros(len(zm.communes), dtype=bool)
        inside[z.communes] = True
        for d in np.unique(zm.dep_of_commune[z.communes]):
            if d >= 0:
                out.append(PriorZone(f"{z.key}-{codes[d]}", np.flatnonzero((zm.dep_of_commune == d) & ~inside)))
    return out


def _against_rest(zm, rest, est, se, testable, min_n, guard_n, prior, names) -> pd.DataFrame:
    """The zone's cells (estimates ``est``, ``se``) against the domain of the communes ``rest``."""
    rows = zm.rows_of(rest)
    raw = raw_cells(zm, rows)
    n_rest = raw["n"].to_numpy(np.int64)
    big = n_rest >= min_n
    guard = check(zm, rest, rows, min_n if guard_n is None else guard_n, prior, big, names)
    ok = testable & big & ~guard["refused"].to_numpy(bool)
    est_rest = raw["estimate"].to_numpy(float)
    se_rest = np.sqrt(np.clip(raw["var"].to_numpy(float), 0, None))
    diff = est - est_rest
    se_diff = np.hypot(se, se_rest)
    p_value, verdict = z_test(diff, se_diff, testable=ok)
    out = zm.cells.copy()
    out["n_rest"] = np.where(ok, n_rest, 0)
    for name, values in (
        ("estimate_rest", est_rest),
        ("se_rest", se_rest),
        ("difference", diff),
        ("se_difference", se_diff),
        ("p_value", p_value),
    ):
        out[name] = np.where(ok, values, np.nan)
    out["significance"] = verdict
    return out


def france_rest_se(zm: ZoneMoments, communes: np.ndarray) -> np.ndarray:
    """The standard error of the rest of France's estimate per cell: the other side of the zone's test."""
    raw = raw_cells(zm, zm.rows_of(communes))
    return np.sqrt(np.clip(raw["var_rest"].to_numpy(float), 0, None))
