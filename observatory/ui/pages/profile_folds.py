"""The profile's folds (audit E12): each detail section closed under a line that says what it holds.

A section is an ``html.Section`` (its id kept: links and outside checks use it) holding a closed
``<details>`` whose ``<summary>`` is the section's title and one line of counts ("Citoyens,
entreprises, associations · 60 mesures, 60 fiables · 31 écarts significatifs"). The counts are read
from what the section shows (its tables' rows, its pictures) and from the key findings (the one
verdict of the page), never re-derived. ``assets/profile.js`` opens every section at once ("Tout
déplier"), the one an address or a link names (``#block-fragilite``), and all of them for printing.
"""

from __future__ import annotations

from collections.abc import Iterable

from dash import html

EXPAND_ALL = "profile-expand-all"  # the "Tout déplier / Expand all" button (assets/profile.js)
FOLD_LINE = "fold-line"  # the summary's line of counts
TERRITORIAL = ("france", "parent")  # the key findings' comparisons of a block's cells
SEP = "\u00a0· "  # between a line's parts: the dot stays at the end of a line when it wraps (a phone)


def fold(section_id: str, title: str, line: str, content: list) -> html.Section:
    """A detail section, closed: its title and line of counts, then its content."""
    summary = html.Summary([html.H2(title), html.Span(line, className=FOLD_LINE)])
    return html.Section(html.Details([summary, *content]), className="profile-block", id=section_id)


def expand_all(lang: str) -> html.Div:
    """The line above the sections: they are folded, and a button opens (then folds) them all."""
    fr = lang == "fr"
    labels = ("Tout déplier", "Tout replier") if fr else ("Expand all", "Collapse all")
    return html.Div(
        [
            html.P(
                "Le détail est replié : ouvrez une section par son titre, ou toutes à la fois."
                if fr
                else "The detail is folded: open a section by its title, or all of them at once.",
                className="note",
            ),
            html.Button(
                labels[0],
                id=EXPAND_ALL,
                type="button",
                className="button secondary",
                **{"aria-expanded": "false", "data-open-label": labels[0], "data-close-label": labels[1]},
            ),
        ],
        className="profile-outline",
    )


def significant_cells(findings: object, indicator: str | None, versus: Iterable[str]) -> int:
    """How many cells of ``indicator`` (None: any) the key findings state against ``versus``.

    A cell stated against France and against its parent counts once. ``findings`` is the
    portrait's :class:`~observatory.views.portrait.KeyFindings` (None: nothing stated).
    """
    stated = getattr(findings, "findings", None) or {}
    return len(
        {
            (f.indicator, f.survey, f.measure, f.statistic)
            for v in versus
            for f in stated.get(v, [])
            if indicator is None or f.indicator == indicator
        }
    )


def block_line(surveys: list[str], statuses: list[str], significant: int, lang: str) -> str:
    """'Citoyens, entreprises · 40 mesures, 12 fiables · 3 écarts significatifs'.

    ``surveys``: the names of the surveys shown; ``statuses``: the reliability of each row of the
    block's tables (ok, low, suppressed); ``significant``: the cells the key findings state.
    """
    fr = lang == "fr"
    if not statuses:
        return "Pas de données pour ce territoire." if fr else "No data for this territory."
    who = ", ".join([surveys[0], *(s[:1].lower() + s[1:] for s in surveys[1:])])
    reliable = sum(s == "ok" for s in statuses)
    measures = counted(len(statuses), "mesure", "mesures", "measure", "measures", lang)
    ok = counted(reliable, "fiable", "fiables", "reliable", "reliable", lang)
    differences = counted(
        significant, "écart significatif", "écarts significatifs", "significant difference",
        "significant differences", lang,
    )  # fmt: skip
    return SEP.join([who, f"{measures}, {ok}", differences])


def trend_line(panels: int, findings: object, lang: str) -> str:
    """'64 graphiques · 10 évolutions significatives'.

    The trend section's panels (``panels``), and the cells whose change since the previous wave the
    key findings state.
    """
    changes = significant_cells(findings, None, ("previous_wave",))
    return SEP.join(
        [
            counted(panels, "graphique", "graphiques", "chart", "charts", lang),
            counted(
                changes, "évolution significative", "évolutions significatives", "significant change",
                "significant changes", lang,
            ),
        ]
    )  # fmt: skip


def counted(n: int, fr_one: str, fr_many: str, en_one: str, en_many: str, lang: str) -> str:
    """'0 écart', '2 écarts'; '0 differences', '1 difference' (French takes the singular below 2).

    A no-break space holds the count to its noun when the line wraps (a phone).
    """
    if lang == "fr":
        return f"{n}\u00a0{fr_one if n < 2 else fr_many}"
    return f"{n}\u00a0{en_one if n == 1 else en_many}"
