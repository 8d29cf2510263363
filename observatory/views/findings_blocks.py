"""The key-findings block of a profile as every renderer draws it: the page, the PDF and the embeds.

One description, built once from the :class:`~observatory.views.portrait_findings.KeyFindings`:
the title, the headline, the family of tests, a group per comparison (its heading, its statements
with their data, its notes) and, when nothing reliable is stated, the apparent differences of
low-reliability cells as a middle ground that is not a finding. The renderers only lay it out.
Pure functions; no Dash, no HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from observatory.views.portrait_findings import VERSUS, Finding, KeyFindings
from observatory.views.portrait_words import family_text, finding_text, headline, with_de


def finding_record(f: Finding) -> dict[str, object]:
    """The fields of one test as every table and answer gives them (the downloads, the findings API)."""
    return {
        "versus": f.versus,
        "direction": f.direction,
        "indicator": f.indicator,
        "survey": f.survey,
        "wave": f.wave,
        "wave_from": f.wave_from,
        "measure": f.measure,
        "statistic": f.statistic,
        "estimate": f.estimate,
        "ci_low": f.ci_low,
        "ci_high": f.ci_high,
        "reference": f.reference,
        "reference_ci_low": f.reference_low,
        "reference_ci_high": f.reference_high,
        "difference": f.difference,
        "difference_ci_low": f.difference_low,
        "difference_ci_high": f.difference_high,
        "n": f.n,
        "reliability": f.reliability,
        "p_value": f.p_value,
        "p_adjusted": f.p_adjusted,
        "source": f.source,
    }


@dataclass(frozen=True)
class Statement:
    """A sentence of the block and the tests it states: a finding, and the parent's said with it."""

    text: str
    finding: Finding
    joint: Finding | None = None  # the parent's statement on the same cell, the same way

    @property
    def kind(self) -> str:
        """Its classes ('finding above', 'finding below model', 'finding above joint')."""
        f = self.finding
        return f"finding {f.direction}" + (" model" if f.source == "model" else "") + (" joint" if self.joint else "")

    def attributes(self) -> dict[str, str]:
        """Its figures as ``data-*`` attributes, for checks against the API (the page's test hooks)."""
        f = self.finding
        data = {
            "data-indicator": f.indicator,
            "data-measure": f.measure,
            "data-statistic": f.statistic,
            "data-survey": f.survey,
            "data-wave": str(f.wave),
            "data-versus": f.versus,
            "data-direction": f.direction,
            "data-estimate": repr(f.estimate),
            "data-reliability": f.reliability,
            "data-source": f.source,
            "data-p-value": repr(f.p_value),
        }
        if f.reference is not None:
            data["data-reference"] = repr(f.reference)
        if f.versus == "previous_wave":
            data |= {"data-wave-from": str(f.wave_from), "data-difference": repr(f.difference)}
        else:
            data |= {"data-ci-low": repr(f.ci_low), "data-ci-high": repr(f.ci_high)}
        if f.rank:
            r = f.rank
            data |= {"data-rank": str(r.rank), "data-rank-low": str(r.low), "data-rank-high": str(r.high)}
        if self.joint:
            j = self.joint
            data |= {"data-also-versus": j.versus, "data-also-p-value": repr(j.p_value)}
            if j.reference is not None:
                data["data-also-reference"] = repr(j.reference)
        return data


@dataclass(frozen=True)
class Note:
    """A line under a group or the headline: 'more', 'besides', 'none', 'untested' or 'apparent'."""

    kind: str
    text: str


@dataclass(frozen=True)
class Group:
    """One comparison (france, parent or previous_wave): its heading, statements and notes."""

    versus: str
    heading: str
    statements: tuple[Statement, ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class FindingsBlock:
    """The key-findings block: what the page and the PDF say, in one language.

    ``family``: the family of tests in words (empty when nothing could be tested); ``notes``: the
    block's own notes (the middle ground when nothing reliable is stated); ``groups``: one per
    comparison, none when nothing is stated; ``method``: how the statements are chosen.
    """

    title: str
    headline: str
    family: str
    family_size: int
    stated: int
    notes: tuple[Note, ...]
    groups: tuple[Group, ...]
    method: str

    def statements(self) -> list[Statement]:
        """Every statement of the block, in its order."""
        return [s for g in self.groups for s in g.statements]


def findings_block(kf: KeyFindings, name: str, level: str, parent: str | None, lang: str) -> FindingsBlock:
    """The key-findings block of a territory (``name``, ``level``) from its key findings.

    ``parent``: the parent as the statements name it ('région (Auvergne-Rhône-Alpes)' in French,
    'Auvergne-Rhône-Alpes' in English: :func:`~observatory.views.profile.parent_label`), or None.
    """
    fr = lang == "fr"
    groups = ()
    if kf.stated:
        names = {"france": "France", "parent": parent or "", "previous_wave": ""}
        groups = tuple(_group(kf, v, names, level, lang) for v in VERSUS if v != "parent" or parent)
    return FindingsBlock(
        title="L'essentiel" if fr else "Key findings",
        headline=headline(kf, name, parent, lang),
        family=family_text(kf, lang) + "." if kf.family else "",
        family_size=kf.family,
        stated=kf.stated,
        notes=() if kf.stated else _apparent(kf, parent, lang),
        groups=groups,
        method=_method(any(f.source == "model" for f in kf.all_shown()), lang),
    )


def _heading(versus: str, parent: str, lang: str) -> str:
    fr = lang == "fr"
    if versus == "france":
        return "Par rapport au reste de la France" if fr else "Compared with the rest of France"
    if versus == "parent":
        return f"Par rapport au reste {with_de(parent)}" if fr else f"Compared with the rest of {parent}"
    return "Depuis la vague précédente" if fr else "Since the previous wave"


def _group(kf: KeyFindings, versus: str, names: dict[str, str], level: str, lang: str) -> Group:
    """A comparison's heading, its statements (the parent's said with France's) and its notes."""
    statements = tuple(
        _statement(f, j if names["parent"] else None, names, level, lang) for f, j in kf.statements(versus)
    )
    notes = []
    if kf.more(versus):
        notes.append(Note("more", _more(kf.more(versus), lang)))
    if not statements:
        notes.append(_nothing_more(kf, versus, lang))
    if kf.low.get(versus):
        notes.append(Note("apparent", _apparent_count(kf.low[versus], lang)))
    return Group(versus, _heading(versus, names["parent"], lang), statements, tuple(notes))


def _statement(f: Finding, joint: Finding | None, names: dict[str, str], level: str, lang: str) -> Statement:
    text = finding_text(f, names[f.versus], level, lang, (joint, names["parent"]) if joint else None)
    return Statement(text, f, joint)


def _more(n: int, lang: str) -> str:
    s = "s" if n > 1 else ""
    if lang == "fr":
        return f"… et {n} autre{s} écart{s} significatif{s} (voir les tableaux détaillés)."
    return f"… and {n} more significant difference{s} (see the detailed tables)."


def _nothing_more(kf: KeyFindings, versus: str, lang: str) -> Note:
    """Why a comparison has no statement: all said above, none significant, or nothing to compare."""
    fr = lang == "fr"
    if kf.joined(versus):
        return Note(
            "besides",
            "Pas d'autre écart significatif que ceux énoncés ci-dessus."
            if fr
            else "No significant difference besides those stated above.",
        )
    if kf.tested.get(versus, 0) + kf.modelled.get(versus, 0):
        return Note("none", "Aucun écart significatif." if fr else "No significant difference.")
    return Note("untested", "Aucune comparaison fiable possible." if fr else "No reliable comparison possible.")


def _apparent_count(n: int, lang: str) -> str:
    """How many apparent differences of low-reliability cells a comparison has, to be confirmed."""
    s = "s" if n > 1 else ""
    if lang == "fr":
        return f"{n} écart{s} apparent{s} sur des estimations peu fiables, à confirmer par une enquête plus large."
    return f"{n} apparent difference{s} on estimates of low reliability, to be confirmed by a larger survey."


def _apparent(kf: KeyFindings, parent: str | None, lang: str) -> tuple[Note, ...]:
    """Nothing reliable stated: the apparent differences of low-reliability cells, which are not findings.

    'Des écarts apparaissent sur des estimations peu fiables, à confirmer par une enquête plus
    large (ce ne sont pas des constats) : 32 avec le reste de la France, 28 avec le reste de la
    région (Nouvelle-Aquitaine), 12 depuis la vague précédente.'
    """
    fr = lang == "fr"
    where = {
        "france": "avec le reste de la France" if fr else "with the rest of France",
        "parent": (f"avec le reste {with_de(parent)}" if fr else f"with the rest of {parent}") if parent else "",
        "previous_wave": "depuis la vague précédente" if fr else "since the previous wave",
    }
    counts = [f"{kf.low[v]} {where[v]}" for v in VERSUS if kf.low.get(v) and where[v]]
    if not counts:
        return ()
    text = (
        "Des écarts apparaissent sur des estimations peu fiables, à confirmer par une enquête plus large "
        "(ce ne sont pas des constats) : "
        if fr
        else "Differences appear on estimates of low reliability, to be confirmed by a larger survey "
        "(they are not findings): "
    )
    return (Note("apparent", text + ", ".join(counts) + "."),)


def _method(modelled: bool, lang: str) -> str:
    """How the statements are chosen, in one sentence (the renderers add the link to the methodology)."""
    if lang == "fr":
        return (
            "Estimations directes de l'enquête, comparées au reste de la France, au reste du territoire parent "
            "et à la vague précédente, toutes ensemble sous contrôle du taux de fausses découvertes à 5 % "
            "(Benjamini–Hochberg)"
            + (" ; modèle sur petits domaines là où l'estimation directe n'est pas fiable" if modelled else "")
            + " ; rangs : ensemble de confiance à 95 %"
        )
    return (
        "Direct survey estimates, compared with the rest of France, the rest of the parent and the previous "
        "wave, all together with the false-discovery rate controlled at 5% (Benjamini–Hochberg)"
        + ("; small-area model where the direct estimate is not reliable" if modelled else "")
        + "; ranks: 95% confidence sets"
    )
