"""The profile's indicator blocks: a dot plot and a table per survey, and the small-area model's block."""

from __future__ import annotations

from dash import html

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.figures import svg_charts
from observatory.ui.pages import profile_folds as folds
from observatory.views import profile as pv


def indicator_sections(
    obs: Observatory,
    t: pv.Territory,
    lang: str,
    rows=None,
    ranks=None,
    blocks: tuple[str, ...] | None = None,
    findings=None,
) -> list:
    """For each block and survey: a dot plot (territory, parent, France) and a table, in a closed fold.

    The fold's line counts the block's measures, the reliable ones, and the cells the key findings
    (``findings``, the portrait's) state against the rest of France or of the parent.
    """
    fr = lang == "fr"
    rows = pv.indicator_rows(obs, t) if rows is None else rows
    model = pv.model_comparison(obs, t)
    parent_name = pv.parent_name(t)
    series = [("territory", t.name)] + ([("parent", parent_name)] if parent_name else []) + [("france", "France")]
    titles = {
        "fragilite": ("Fragilités perçues", "Perceived fragilities"),
        "partenariats": ("Partenariats", "Partnerships"),
        "maires": ("Co-construction (maires)", "Co-construction (mayors)"),
        "innovation": ("Les alliances, source d'innovation", "Alliances as a source of innovation"),
    }
    out = []
    for block, indicator, surveys, statistic in pv.BLOCKS:
        if blocks is not None and block not in blocks:
            continue
        section, shown, statuses = [], [], []
        for survey, table, labels, stat, title in pv.survey_tables(obs, rows, block, surveys, statistic, lang):
            plotted, names = _with_reference(obs, table, series, survey, lang)
            section.append(dotplot(plotted, names, labels, stat, title, lang))
            view = pv.table_view(
                table, labels, stat, t, obs.settings.min_n, lang, _survey_ranks(ranks, survey),
                pv.survey_model(model, survey), pv.family_verdicts(findings, survey) if findings else None,
            )  # fmt: skip
            section.append(table_block(view, title, f"{titles[block][0 if fr else 1]} — {title}"))
            shown.append(ref.label(survey, lang))
            statuses += [r["status"] for r in view.records]
        significant = folds.significant_cells(findings, indicator, folds.TERRITORIAL)
        line = folds.block_line(shown, statuses, significant, lang)
        out.append(folds.fold(f"block-{block}", titles[block][0 if fr else 1], line, section))
    return out


def dotplot(table, series: list, labels: dict, statistic: str, title: str, lang: str) -> html.Img | html.Div:
    """A survey's dot plot (territory, parent, France, published figure), drawn on the server."""
    drawn = svg_charts.dotplot_rows(table, labels, series, statistic)
    if drawn is None:
        return html.Div()
    rows, lo, hi = drawn
    unit = "" if statistic == "mean_score" else " %"
    svg = svg_charts.dotplot_svg(rows, series, title, lo, hi, lang, unit=unit)
    alt = (
        f"{title} : chaque estimation avec son intervalle de confiance à 95 % ; les valeurs sont dans le tableau"
        if lang == "fr"
        else f"{title}: each estimate with its 95% confidence interval; the values are in the table"
    )
    return html.Img(src=svg_charts.data_uri(svg), alt=alt, className="dotplot chart")


def _survey_ranks(ranks, survey: str):
    if ranks is None or len(ranks) == 0:
        return None
    return ranks[ranks["survey"] == survey]


def _with_reference(obs: Observatory, table, series: list, survey: str, lang: str):
    plotted, extra = with_published(obs, table, survey, lang)
    return plotted, series + extra


def with_published(obs: Observatory, table, survey: str, lang: str):
    """Add the national figures PHARE / IMPACT published for the wave shown, if any.

    Figures of other waves are not set beside these estimates: the trend charts show them at
    their own waves.
    """
    pub = obs.published_figures()
    waves = set(table["wave"]) if "wave" in table else {obs.waves(survey)[-1]}
    pub = pub[
        (pub["survey"] == survey) & pub["region_code"].isna() & pub["size_class"].isna() & pub["wave"].isin(waves)
    ]
    if pub.empty:
        return table, []
    stat = pub["statistic"].where(pub["base"] != "partners", "share_among_partners")
    values = dict(zip(zip(pub["measure"], stat, strict=True), pub["value"], strict=True))
    keys = list(zip(table["measure"], table["statistic"], strict=True))
    published = [values.get(k) for k in keys]
    if all(v is None for v in published):
        return table, []
    out = table.assign(
        estimate_published=published, ci_low_published=published, ci_high_published=published, n_published=None
    )
    out[["estimate_published", "ci_low_published", "ci_high_published"]] = out[
        ["estimate_published", "ci_low_published", "ci_high_published"]
    ].astype(float)
    waves = sorted({int(w) for w in pub["wave"]})
    name = (
        f"PHARE {', '.join(map(str, waves))} (publié)"
        if lang == "fr"
        else f"PHARE {', '.join(map(str, waves))} (published)"
    )
    return out, [("published", name)]


def table_block(view: pv.TableView, caption: str, region_name: str | None = None) -> html.Div:
    """The table of a block, in a container that scrolls sideways on a narrow screen.

    The reason for suppressed values comes once, above the table. ``region_name`` names the
    scrolling region (the caption when None): it must differ between blocks, two of which may show
    the same survey (axe: landmark-unique).
    """
    head = html.Thead(html.Tr([html.Th(name, scope="col") for _id, name in view.columns]))
    body = html.Tbody(
        [
            html.Tr(
                [html.Th(r["measure"], scope="row")]
                + [html.Td(r[c], className=f"col-{c}") for c, _name in view.columns[1:]],
                className=f"reliability-{r['status']}",
            )
            for r in view.records
        ]
    )
    note = [html.P(view.suppressed_note, className="suppressed-note")] if view.suppressed_note else []
    scroller = html.Div(
        html.Table([html.Caption(caption), head, body], className="profile-table"),
        className="table-scroll",
        tabIndex="0",  # a scrolling region must be reachable with the keyboard
        role="region",
        **{"aria-label": region_name or caption},
    )
    return html.Div([*note, scroller], className="profile-table-block")


def model_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section | None:
    """Direct and small-area model estimates of the EPCI side by side (folded; EPCI and commune).

    The fold's line counts the cells, and those whose direct estimate is not reliable (where the
    model matters).
    """
    table = pv.model_comparison(obs, t)
    if table is None or table.empty:
        return None
    fr = lang == "fr"
    name = table["epci_name"].iloc[0]
    title = "Estimation sur petits domaines (modèle)" if fr else "Small-area estimation (model)"
    if t.level == "commune":
        note = (
            f"Les communes ne sont pas modélisées : ces estimations sont celles de l'intercommunalité ({name}). "
            if fr
            else f"Communes are not modelled: these are the estimates of the intercommunality ({name}). "
        )
    else:
        note = ""
    note += (
        "Modèle de Fay–Herriot : l'estimation directe de l'enquête combinée à une prédiction par les "
        "covariables (région, densité, population, nature de l'EPCI) ; γ est la part de l'enquête. "
        "Pas de test de significativité sur une estimation par modèle."
        if fr
        else "Fay–Herriot model: the survey's direct estimate combined with a prediction from covariates "
        "(région, density, population, EPCI nature); γ is the survey's share. No significance test on a "
        "model estimate."
    )
    head = (
        ["Enquête", "Mesure", "Directe [IC 95 %]", "n", "Fiabilité", "Modèle [IC 95 %, EQM]", "γ", "Statut"]
        if fr
        else ["Survey", "Measure", "Direct [95% CI]", "n", "Reliability", "Model [95% CI, MSE]", "γ", "Status"]
    )
    body = []
    for r in table.itertuples(index=False):
        suppressed = r.reliability == "suppressed"
        direct = (
            "—"
            if suppressed
            else i18n.value(r.estimate, r.statistic, lang, r.ci_low, r.ci_high)
            + (" [" + i18n.interval(r.ci_low, r.ci_high, r.statistic, lang) + "]")
        )
        has_model = r.sae_status in ("model", "model_adjusted", "synthetic") and r.model_estimate == r.model_estimate
        modelled = (
            i18n.value(r.model_estimate, r.statistic, lang, r.model_ci_low, r.model_ci_high)
            + " ["
            + i18n.interval(r.model_ci_low, r.model_ci_high, r.statistic, lang)
            + "]"
            if has_model
            else "—"
        )
        cells = [
            ref.label(r.survey, lang),
            ref.label(r.measure, lang),
            direct,
            i18n.number(r.n, 0, lang),
            i18n.t(r.reliability, lang),
            modelled,
            i18n.number(r.gamma, 2, lang) if has_model else "—",
            r.status_fr if fr else r.status_en,
        ]
        body.append(html.Tr([html.Td(c) for c in cells]))
    measures = folds.counted(len(table), "mesure", "mesures", "measure", "measures", lang)
    unreliable = int((table["reliability"] != "ok").sum())
    line = (
        f"{measures} : directe et modèle côte à côte{folds.SEP}{unreliable} sans estimation directe fiable"
        if fr
        else f"{measures}: direct and model side by side{folds.SEP}{unreliable} without a reliable direct estimate"
    )
    content = [
        html.P(note, className="note"),
        html.Div(
            html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)]),
            className="table-scroll",
            tabIndex="0",  # a scrolling region must be reachable with the keyboard (axe, once opened)
            role="region",
            **{"aria-label": f"{title} — {name}"},
        ),
    ]
    return folds.fold("block-model", f"{title} — {name}", line, content)
