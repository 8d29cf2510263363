"""A zone's key findings: its differences from the rest of France and of each département, under BH.

The family is every test the zone's portrait could state: each reliable cell of the latest wave of
each survey against the rest of France (the test of :func:`observatory.stats.zones.zone_cells`) and
against the rest of each département the zone lies in (:mod:`observatory.stats.zone_tests`). Only
the tests that survive Benjamini–Hochberg at 5 % over the whole family are stated, with both values,
the difference and its interval; the family's size is said. Significant differences of cells of low
reliability are counted, never stated. The words are the profile's (:mod:`observatory.views.portrait_words`).
Pure functions; no Dash.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.stats.finalize import Z95
from observatory.stats.pairwise import benjamini_hochberg
from observatory.views.portrait_findings import FDR, Finding, KeyFindings, change_findings
from observatory.views.portrait_words import finding_text, reference_label

TESTED = ("above", "below", "not_significant")
MAX_PER_GROUP = 5  # statements shown per comparison; the others are counted (the tables show them all)


@dataclass(frozen=True)
class ZoneFinding(Finding):
    """A test of the zone: against the rest of France, or of a département (``departement``, its code)."""

    departement: str | None = None


@dataclass(frozen=True)
class ZoneFindings:
    """Every test of the family, with its adjusted p-value, and the apparent differences not tested."""

    tests: tuple[ZoneFinding, ...] = ()
    low: int = 0  # significant differences on cells of low reliability (counted, not stated)
    q: float = FDR

    @property
    def family(self) -> int:
        """The number of comparisons in the family."""
        return len(self.tests)

    def stated(self) -> list[ZoneFinding]:
        """The tests that survive the procedure, France's first, then each département's, smallest p first."""
        kept = [f for f in self.tests if KeyFindings.is_stated(f, self.q)]
        order = {"france": 0, "parent": 1, "previous_wave": 2}
        return sorted(kept, key=lambda f: (order[f.versus], f.departement or "", f.p_value, f.measure))

    def france_verdicts(self) -> dict[tuple[str, str, str, str], str]:
        """(indicator, survey, measure, statistic) → the family's decision against the rest of France.

        'above' or 'below' where the test survives the procedure, else 'not_significant': what the
        tables may say is what the key findings say.
        """
        return {
            (f.indicator, f.survey, f.measure, f.statistic): f.direction
            if KeyFindings.is_stated(f, self.q)
            else "not_significant"
            for f in self.tests
            if f.versus == "france"
        }

    def groups(self) -> list[tuple[str | None, list[ZoneFinding]]]:
        """The stated tests by comparison: (None for France, a département's code, or "previous_wave"; its statements)."""
        out: dict[str | None, list[ZoneFinding]] = {}
        for f in self.stated():
            out.setdefault("previous_wave" if f.versus == "previous_wave" else f.departement, []).append(f)
        return list(out.items())


def zone_findings(
    cells: pd.DataFrame, france_se_rest: np.ndarray, departements: pd.DataFrame, changes: pd.DataFrame | None = None
) -> ZoneFindings:
    """The family of a zone's tests under Benjamini–Hochberg.

    Args:
        cells: the zone's cells shown (its table restricted to the latest wave of each survey).
        france_se_rest: the rest of France's standard error for each row of ``cells``.
        departements: the tests against the rest of each département
            (:func:`observatory.stats.zone_tests.departement_tests`), for the same waves.
        changes: the zone's changes since the previous wave of each survey
            (:func:`observatory.stats.change.compare_waves` of its cells), or None.
    """
    france = cells.assign(se_rest=np.asarray(france_se_rest, dtype=float), departement_code=None)
    france = france.assign(difference=france["estimate"] - france["estimate_rest"])
    france["se_difference"] = np.hypot(france["se"], france["se_rest"])
    keys = ["indicator", "survey", "wave", "measure", "statistic"]
    zone_side = cells[[*keys, "estimate", "ci_low", "ci_high", "n", "reliability"]]
    dep = departements.drop(columns=["n_rest"], errors="ignore").merge(zone_side, on=keys, how="inner")
    tested = pd.concat([france, dep], ignore_index=True)
    tested = tested[tested["significance"].isin(TESTED) & tested["p_value"].notna()]
    low = int(((tested["reliability"] == "low") & tested["significance"].isin(("above", "below"))).sum())
    reliable = tested[tested["reliability"] == "ok"]
    family = [_finding(r) for r in reliable.to_dict("records")]
    changed, low_changes = change_findings(changes)
    family += [ZoneFinding(**{k.name: getattr(f, k.name) for k in dataclasses.fields(Finding)}) for f in changed]
    low += low_changes
    adjusted = benjamini_hochberg([f.p_value for f in family])
    tests = tuple(dataclasses.replace(f, p_adjusted=float(a)) for f, a in zip(family, adjusted, strict=True))
    return ZoneFindings(tests, low)


def _finding(r: dict) -> ZoneFinding:
    d, se_d, rest, se_rest = r["difference"], r["se_difference"], r["estimate_rest"], r["se_rest"]
    dep = r["departement_code"]
    return ZoneFinding(
        versus="france" if dep is None else "parent",
        direction=r["significance"],
        indicator=r["indicator"],
        survey=r["survey"],
        wave=int(r["wave"]),
        measure=r["measure"],
        statistic=r["statistic"],
        estimate=float(r["estimate"]),
        ci_low=float(r["ci_low"]),
        ci_high=float(r["ci_high"]),
        n=int(r["n"]),
        reliability=r["reliability"],
        p_value=float(r["p_value"]),
        reference=float(rest),
        reference_low=float(rest - Z95 * se_rest),
        reference_high=float(rest + Z95 * se_rest),
        difference=float(d),
        difference_low=float(d - Z95 * se_d),
        difference_high=float(d + Z95 * se_d),
        rest=True,
        departement=dep,
    )


def family_sentence(zf: ZoneFindings, lang: str) -> str:
    """'3 écarts significatifs sur 120 comparaisons (taux de fausses découvertes contrôlé à 5 %)'."""
    n, m = len(zf.stated()), zf.family
    if not m:
        if lang == "fr":
            return "Aucune comparaison possible : aucune estimation de la zone n'est assez fiable"
        return "No comparison possible: no estimate of the zone is reliable enough"
    if lang == "fr":
        s, t = ("s" if n > 1 else ""), ("s" if m > 1 else "")
        return (
            f"{n} écart{s} significatif{s} sur {m} comparaison{t} "
            f"(taux de fausses découvertes contrôlé à {i18n.number(100 * zf.q, 0, lang)} %)"
        )
    return (
        f"{n} significant difference{'s' if n != 1 else ''} out of {m} comparison{'s' if m != 1 else ''} "
        f"(false discovery rate controlled at {100 * zf.q:.0f}%)"
    )


def heading(departement: str | None, names: dict[str, str], lang: str) -> str:
    """A comparison's heading: the rest of France, the rest of a département, or the previous wave."""
    fr = lang == "fr"
    if departement == "previous_wave":
        return "Depuis la vague précédente" if fr else "Since the previous wave"
    if departement is None:
        return "Par rapport au reste de la France" if fr else "Compared with the rest of France"
    name = f"{names.get(departement, departement)} ({departement})"
    return f"Par rapport au reste du département {name}" if fr else f"Compared with the rest of {name}"


def statement(f: ZoneFinding, names: dict[str, str], lang: str) -> str:
    """A finding in words, the profile's sentence: both values, the difference and its interval."""
    if f.departement is None:  # the rest of France, or the previous wave (its own sentence)
        return finding_text(f, "France", "zone", lang)
    name = names.get(f.departement, f.departement)
    return finding_text(f, reference_label("departement", name, lang), "zone", lang)


def apparent(zf: ZoneFindings, lang: str) -> str:
    """The apparent differences of low-reliability cells, which are not findings ('' when none)."""
    if not zf.low:
        return ""
    s = "s" if zf.low > 1 else ""
    if lang == "fr":
        return f"{zf.low} écart{s} apparent{s} sur des estimations peu fiables, à confirmer par une enquête plus large."
    return f"{zf.low} apparent difference{s} on estimates of low reliability, to be confirmed by a larger survey."
