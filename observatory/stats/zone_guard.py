"""The differencing guard of zones: no figure that isolates fewer than ``min_n`` respondents.

A zone's cell is shown only if its respondents number at least ``min_n`` (the suppression rule of
every figure). It is also *refused* when its respondents differ, by more than none but fewer than
``min_n``, from those of a set of respondents already published for that cell: otherwise the
difference of the two figures describes that handful of respondents (the zone "a département minus
one village" gives the village). The published sets checked:

- every territory of every level (France, région, département, EPCI, commune, commune-size band);
- France without each of them (every figure is tested against the rest of France);
- each département without one of its communes or without the part of an EPCI inside it, and each
  région without one of its départements (the tests against the rest of the parent);
- each zone stored before this one, and France without it.

The zone publishes its own respondents and, through its test, France without them: both are checked
against every set above (|(F∖Z) Δ S| = N − |Z Δ S|, N the respondents of France in the cell, so one
count of each symmetric difference serves both). Counts are per cell: a cell's respondents are those
who answered its question.

A zone whose respondents in a cell are exactly a territory's (or a stored zone's) passes: its figure
is that one, already shown (see :class:`Refusals`).

Every count is a sum over communes: the zone's intersection with a territory is its respondents in
the territory's communes. Every territory of the other levels is checked (a matrix of cells ×
territories); a commune c of département P, and P without c, only where they can be close: their
difference from the zone counts at least the zone's respondents outside P, so only the départements
holding all but fewer than ``min_n`` of the zone's respondents are scanned, and every commune when
the zone covers nearly all of France (France without c, or without P∖c, is then in reach).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from observatory.core import reference as ref
from observatory.stats.zone_moments import EPCI_INSIDE, Family, ZoneMoments

FAMILY_LEVELS = (ref.FRANCE_LEVEL, "region", "departement", "epci", "canton", ref.SIZE_BAND_LEVEL)
# What each kind of refusal says, French then English; {other} is the published set.
REASONS = {
    "territory": ("la zone diffère de {other}", "the zone differs from {other}"),
    "france_without": ("la zone diffère de la France hors {other}", "the zone differs from France without {other}"),
    "rest_of_parent": ("la zone diffère de {parent} hors {other}", "the zone differs from {parent} without {other}"),
    "france_without_rest_of_parent": (
        "la zone diffère de la France hors ({parent} hors {other})",
        "the zone differs from France without ({parent} without {other})",
    ),
}
REASONS["zone"], REASONS["france_without_zone"] = REASONS["territory"], REASONS["france_without"]
QUOTES = (("« ", " »"), ("“", "”"))
Names = Callable[[str, str], str | None]  # (level, code) → the territory's name
EXEMPTING = ("territory", "zone")  # the zone's respondents equal to these: it shows what is shown
SUFFIX = (
    " par moins de {min_n} répondants : la différence des deux chiffres les isolerait.",
    " by fewer than {min_n} respondents: the difference of the two figures would isolate them.",
)


@dataclass(frozen=True)
class PriorZone:
    """A zone stored before the one checked: its id and its communes (positions)."""

    key: str
    communes: np.ndarray


class Refusals:
    """The first reason found for each cell (kind, level, code, parent code); cells without one pass.

    A cell whose respondents are exactly those of a territory or of a stored zone passes whatever
    else it is close to: its figure is that territory's, already published under the same rules
    (the zone of a département's communes is the département, published beside its parts). Not so
    for a complement: the rest of a département without a village is published only through the
    village's test, made when the village has ``min_n`` respondents, so the zone "département minus
    a village of 5" is refused though its respondents are that rest's. A difference that does not
    apply is given as -1.
    """

    def __init__(self, cells: int, shown: np.ndarray, min_n: int):
        self.shown, self.min_n = shown, min_n
        self.same = np.zeros(cells, dtype=bool)
        self.kind = np.full(cells, "", dtype=object)
        self.level = np.full(cells, "", dtype=object)
        self.code = np.full(cells, "", dtype=object)
        self.parent = np.full(cells, "", dtype=object)

    def close(self, diff: np.ndarray) -> np.ndarray:
        """Where a symmetric difference isolates a few respondents: more than none, fewer than min_n."""
        return (diff > 0) & (diff < self.min_n)

    def matrix(self, diff: np.ndarray, kind: str, level: str, codes: np.ndarray, parents=None) -> None:
        """Record refusals from a cells × territories matrix of symmetric differences."""
        if diff.shape[1] == 0:  # a level without territories (a database without cantons)
            return
        if kind in EXEMPTING:
            self.same |= (diff == 0).any(axis=1)
        hit = self.close(diff) & self.shown[:, None] & (self.kind == "")[:, None]
        cells = np.flatnonzero(hit.any(axis=1))
        first = hit[cells].argmax(axis=1)
        self._set(cells, kind, level, codes[first], None if parents is None else parents[first])

    def pairs(self, diff: np.ndarray, cell: np.ndarray, kind: str, level: str, codes, parents=None) -> None:
        """Record refusals from (cell, territory) pairs of symmetric differences."""
        if kind in EXEMPTING:
            self.same[cell[diff == 0]] = True
        hit = self.close(diff) & self.shown[cell] & (self.kind[cell] == "")
        which = np.flatnonzero(hit)
        cells, first = np.unique(cell[which], return_index=True)
        picked = which[first]
        self._set(cells, kind, level, np.asarray(codes)[picked], None if parents is None else parents[picked])

    def _set(self, cells: np.ndarray, kind: str, level: str, codes, parents) -> None:
        self.kind[cells], self.level[cells], self.code[cells] = kind, level, codes
        if parents is not None:
            self.parent[cells] = parents

    def table(self, names: Names | None = None) -> pd.DataFrame:
        """``refused, refused_reason, refused_fr, refused_en`` per cell (``names``: a territory's name)."""
        refused = (self.kind != "") & ~self.same
        rows = list(zip(refused, self.kind, self.level, self.code, self.parent, strict=True))
        reason = [":".join(p for p in (k, lv, c, pa) if p) if r else None for r, k, lv, c, pa in rows]
        texts = [
            [_text(k, lv, c, pa, self.min_n, lang, names) if r else None for r, k, lv, c, pa in rows] for lang in (0, 1)
        ]
        return pd.DataFrame(
            {"refused": refused, "refused_reason": reason, "refused_fr": texts[0], "refused_en": texts[1]}
        )


def _name(level: str, code: str, lang: int, names: Names | None = None) -> str:
    """A published set's name, quoted: « Loire (département 42) », « France », « zone 3f2a… » (enregistrée avant elle).

    ``names(level, code)`` gives a territory's own name (None: the level and code only).
    """
    before, after = QUOTES[lang]
    own = names(level, code) if names is not None and level not in (ref.FRANCE_LEVEL, "zone") else None
    if own:
        label = ref.label(code if level == ref.SIZE_BAND_LEVEL else level, "fr" if lang == 0 else "en")
        return f"{before}{own} ({label.lower()} {code}){after}"
    if level == ref.FRANCE_LEVEL:
        return f"{before}France{after}"
    if level == "zone":
        return f"{before}zone {code}{after} " + ("(enregistrée avant elle)" if lang == 0 else "(stored before it)")
    label = ref.label(code if level == ref.SIZE_BAND_LEVEL else level, "fr" if lang == 0 else "en")
    return f"{before}{label if level == ref.SIZE_BAND_LEVEL else f'{label} {code}'}{after}"


def _text(kind: str, level: str, code: str, parent: str, min_n: int, lang: int, names: Names | None = None) -> str:
    """The sentence of a refusal in French (lang 0) or English (1)."""
    parent_level = "region" if level == "departement" else "departement"
    words = REASONS[kind][lang].format(
        other=_name(level, code, lang, names), parent=_name(parent_level, parent, lang, names)
    )
    text = words + SUFFIX[lang].format(min_n=min_n)
    return text[0].upper() + text[1:]


def check(
    zm: ZoneMoments,
    communes: np.ndarray,
    rows: np.ndarray,
    min_n: int,
    prior: Sequence[PriorZone] = (),
    shown: np.ndarray | None = None,
    names: Names | None = None,
) -> pd.DataFrame:
    """The guard's verdict on every cell of a zone (see the module docstring).

    Args:
        zm: the answers arranged for zones.
        communes: the zone's communes (positions, sorted).
        rows: their answer rows (:meth:`ZoneMoments.rows_of`).
        min_n: the suppression threshold, also the smallest difference allowed.
        prior: the zones stored before this one.
        shown: the cells the zone shows (default: those with at least ``min_n`` respondents);
            only they can be refused.
        names: a territory's name from its level and code, for the sentences (None: codes only).

    Returns:
        One row per cell of ``zm.cells``: refused, refused_reason (kind:level:code[:parent]),
        refused_fr, refused_en.
    """
    cells = len(zm.cells)
    n_zone = zm.counts(rows)
    n_france = zm.family_n[ref.FRANCE_LEVEL][:, 0]
    out = Refusals(cells, n_zone >= min_n if shown is None else np.asarray(shown, dtype=bool), min_n)
    row_commune = np.searchsorted(zm.offsets, rows, side="right") - 1
    inter = {name: _intersections(zm, rows, row_commune, fam) for name, fam in zm.families.items()}
    nz = n_zone[:, None]
    for level in FAMILY_LEVELS:
        fam = zm.families[level]
        diff = nz + zm.family_n[level] - 2 * inter[level]
        out.matrix(diff, "territory", level, fam.codes)
        out.matrix(n_france[:, None] - diff, "france_without", level, fam.codes)
    for inside, level in ((EPCI_INSIDE, "epci"), ("canton", "canton"), ("departement", "departement")):
        fam = zm.families[inside]
        of = np.clip(fam.parent_of, 0, None)
        has = fam.parent_of >= 0
        rest_n = zm.family_n[fam.parent][:, of] - zm.family_n[inside]
        rest_inter = inter[fam.parent][:, of] - inter[inside]
        diff = np.where(has[None, :], nz + rest_n - 2 * rest_inter, -1)
        parents = zm.families[fam.parent].codes[of]
        out.matrix(diff, "rest_of_parent", level, fam.codes, parents)
        out.matrix(
            np.where(has[None, :], n_france[:, None] - diff, -1),
            "france_without_rest_of_parent",
            level,
            fam.codes,
            parents,
        )
    _communes(zm, out, communes, n_zone, n_france, inter["departement"])
    _prior(zm, out, communes, rows, row_commune, n_zone, n_france, prior)
    return out.table(names)


def _intersections(zm: ZoneMoments, rows: np.ndarray, row_commune: np.ndarray, fam: Family) -> np.ndarray:
    """The zone's respondents in each territory of a family, per cell (cells × territories)."""
    k = len(fam.codes)
    of = fam.of_commune[row_commune]
    keep = of >= 0
    key = zm.row_cell[rows][keep].astype(np.int64) * k + of[keep]
    return np.bincount(key, minlength=len(zm.cells) * k).reshape(len(zm.cells), k)


def _communes(zm, out: Refusals, communes, n_zone, n_france, inter_dep) -> None:
    """Each commune, and its département without it, where either can be close to the zone.

    |Z Δ c| and |Z Δ (P∖c)| are at least the zone's respondents outside c's département P: only
    the départements holding all but fewer than ``min_n`` of the zone's respondents (in a shown
    cell) are scanned. France without either is close only to a zone covering nearly all of France
    (less than ``min_n`` from a département's count): then every commune is.
    """
    n_dep = zm.family_n["departement"]
    huge = (out.shown & (n_france - n_zone - out.min_n < n_dep.max(axis=1, initial=0))).any()
    holding = (out.shown[:, None] & (inter_dep > 0) & (n_zone[:, None] - inter_dep < out.min_n)).any(axis=0)
    dep_of = zm.dep_of_commune
    near = np.arange(len(zm.communes)) if huge else np.flatnonzero((dep_of >= 0) & holding[np.clip(dep_of, 0, None)])
    if not len(near):
        return
    rows = zm.rows_of(near)
    commune = np.searchsorted(zm.offsets, rows, side="right") - 1
    key, counts = np.unique(zm.row_cell[rows].astype(np.int64) * len(zm.communes) + commune, return_counts=True)
    cell, commune = key // len(zm.communes), key % len(zm.communes)
    in_zone = np.zeros(len(zm.communes), dtype=bool)
    in_zone[communes] = True
    shared = np.where(in_zone[commune], counts, 0)
    codes = zm.communes.to_numpy()[commune]
    diff = n_zone[cell] + counts - 2 * shared
    out.pairs(diff, cell, "territory", "commune", codes)
    out.pairs(n_france[cell] - diff, cell, "france_without", "commune", codes)
    dep = zm.dep_of_commune[commune]
    has = dep >= 0
    dep = np.clip(dep, 0, None)
    rest = n_zone[cell] + (n_dep[cell, dep] - counts) - 2 * (inter_dep[cell, dep] - shared)
    parents = zm.families["departement"].codes[dep]
    out.pairs(np.where(has, rest, -1), cell, "rest_of_parent", "commune", codes, parents)
    out.pairs(
        np.where(has, n_france[cell] - rest, -1), cell, "france_without_rest_of_parent", "commune", codes, parents
    )


def _prior(zm, out: Refusals, communes, rows, row_commune, n_zone, n_france, prior: Sequence[PriorZone]) -> None:
    """Each zone stored before this one, and France without it.

    The respondents the zone shares with each stored zone: a product of the zone's respondents per
    (commune, cell) with the stored zones' membership of the zone's communes (sparse: one pass).
    """
    if not prior:
        return
    cells = len(zm.cells)
    local = np.full(len(zm.communes), -1, dtype=np.int64)
    local[communes] = np.arange(len(communes))
    per_commune = sparse.csr_matrix(
        (np.ones(len(rows)), (local[row_commune], zm.row_cell[rows].astype(np.int64))), shape=(len(communes), cells)
    )
    members = [local[z.communes] for z in prior]
    which = np.concatenate([np.full(len(m), j) for j, m in enumerate(members)]) if members else np.zeros(0)
    inside = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
    keep = inside >= 0
    membership = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (which[keep], inside[keep])), shape=(len(prior), len(communes))
    )
    shared = np.asarray((membership @ per_commune).todense()).T  # cells × stored zones
    counts = np.stack([zm.zone_counts(z.key, z.communes) for z in prior], axis=1)
    diff = n_zone[:, None] + counts - 2 * np.rint(shared).astype(np.int64)
    keys = np.array([z.key for z in prior], dtype=object)
    out.matrix(diff, "zone", "zone", keys)
    out.matrix(n_france[:, None] - diff, "france_without_zone", "zone", keys)
