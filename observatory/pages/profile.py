"""``/territoire/<code>``: a territory's profile.

Identity, every indicator against its parent and France with CIs and significance, its
sub-territories, a download and a permalink.
"""

from __future__ import annotations

import datetime
import re

from dash import dcc, html

from observatory import i18n, portrait
from observatory import reference as ref
from observatory.figures import profile as figures
from observatory.figures import svg_charts
from observatory.layout import snippets
from observatory.pages.registry import territory_key
from observatory.service import Observatory
from observatory.views import profile as pv
from observatory.views.comparison import similar

PROFILE_DOWNLOAD = "profile-download"
PROFILE_CSV = "profile-csv"
PROFILE_XLSX = "profile-xlsx"
PROFILE_ZIP = "profile-zip"
PROFILE_KEY = "profile-key"
PROFILE_TRENDS = "profile-trends"  # the trend panels (a test hook)


def _link(level: str, code: str, name: str, lang: str) -> dcc.Link:
    """A profile link that keeps the page's language (issue 27, E5)."""
    return dcc.Link(name, href=f"/territoire/{territory_key(level, code)}" + ("?lang=en" if lang == "en" else ""))


def locator_svg(obs: Observatory, t: pv.Territory, lang: str) -> str:
    """The locator as SVG: France's régions (overseas in insets), the parent outlined, the territory filled."""
    point = (t.lon, t.lat) if t.lon is not None and t.lat is not None else None
    return figures.locator_svg(obs.settings.geo_dir, (t.level, t.code), pv.parent_of(t), point, locator_alt(t, lang))


def locator_alt(t: pv.Territory, lang: str) -> str:
    """The locator's text: where the territory is, in words."""
    parent = pv.parent_name(t)
    if lang == "fr":
        inside = f" dans {parent} (contour noir)" if parent else ""
        return f"Carte de situation : {t.name} (en orange){inside}, en France avec l'outre-mer en encarts."
    inside = f" in {parent} (black outline)" if parent else ""
    return f"Locator map: {t.name} (orange){inside}, in France with the overseas régions in insets."


def locator(obs: Observatory, t: pv.Territory, lang: str = "fr") -> html.Img:
    """The locator map as an image (drawn on the server: light, no map library, prints well)."""
    alt = locator_alt(t, lang)
    return html.Img(src=svg_charts.data_uri(locator_svg(obs, t, lang)), alt=alt, className="locator", id="locator")


def key_findings(p: pv.Portrait, t: pv.Territory, lang: str) -> html.Section:
    """The block at the top of the profile: what differs significantly, in plain words.

    Each statement carries its figures in ``data-*`` attributes (measure, statistic, survey,
    wave, versus, direction, estimate, CI, reference, p-value, rank) for checks against the API.
    """
    fr = lang == "fr"
    parent = pv.parent_name(t)
    kf = p.findings
    label = pv.parent_label(t, lang)
    heads = {
        "france": ("Par rapport au reste de la France", "Compared with the rest of France"),
        "parent": (f"Par rapport au reste {portrait.with_de(label or '')}", f"Compared with the rest of {parent}"),
        "previous_wave": ("Depuis la vague précédente", "Since the previous wave"),
    }
    content: list = [
        html.H2("L'essentiel" if fr else "Key findings"),
        html.P(portrait.headline(kf, t.name, label, lang), className="headline"),
        html.P(portrait.family_text(kf, lang) + ".", className="note family"),
    ]
    for versus in portrait.VERSUS:
        if versus == "parent" and not parent:
            continue
        shown = kf.shown(versus)
        items = [_finding_item(f, "France" if versus == "france" else label or "", t.level, lang) for f in shown]
        notes = []
        if kf.more(versus):
            notes.append(
                f"… et {kf.more(versus)} autres différences significatives fiables (voir le détail ci-dessous)."
                if fr
                else f"… and {kf.more(versus)} more reliable significant differences (see the detail below)."
            )
        if kf.low.get(versus):
            notes.append(
                f"{kf.low[versus]} différence(s) significative(s) sur des cellules de fiabilité faible, non retenues ici."
                if fr
                else f"{kf.low[versus]} significant difference(s) on low-reliability cells, not stated here."
            )
        if not items and not notes:
            notes.append("Aucune différence significative fiable." if fr else "No reliable significant difference.")
        content += [
            html.H3(heads[versus][0 if fr else 1]),
            *([html.Ul(items, className="findings")] if items else []),
            *[html.P(n, className="note") for n in notes],
        ]
    modelled = any(f.source == "model" for f in kf.all_shown())
    content.append(
        html.P(
            [
                "Estimations directes de l'enquête, tests contre le reste de la France, du territoire parent et "
                "la vague précédente, une seule famille sous contrôle du taux de fausses découvertes à 5 % "
                "(Benjamini–Hochberg)"
                + (" ; modèle sur petits domaines là où l'estimation directe n'est pas fiable" if modelled else "")
                + " ; rangs : ensemble de confiance à 95 % (voir la "
                if fr
                else "Direct survey estimates, tests against the rest of France, of the parent and the previous "
                "wave, one family with the false-discovery rate controlled at 5% (Benjamini–Hochberg)"
                + ("; small-area model where the direct estimate is not reliable" if modelled else "")
                + "; ranks: 95% confidence sets (see the ",
                dcc.Link("méthodologie" if fr else "methodology", href="/methodologie" + ("" if fr else "?lang=en")),
                ").",
            ],
            className="note",
        )
    )
    return html.Section(
        content,
        id="key-findings",
        className="key-findings",
        **{"data-family-size": str(kf.family), "data-stated": str(kf.stated)},
    )


def _finding_item(f, reference: str, level: str, lang: str) -> html.Li:
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
        data |= {"data-rank": str(f.rank.rank), "data-rank-low": str(f.rank.low), "data-rank-high": str(f.rank.high)}
    kind = f"finding {f.direction}" + (" model" if f.source == "model" else "")
    return html.Li(portrait.finding_text(f, reference, level, lang), className=kind, **data)


def compare_links(obs: Observatory, t: pv.Territory, lang: str) -> html.P:
    """'Comparer avec : son parent · des territoires comparables' (links to the comparison page)."""
    fr = lang == "fr"
    suffix = "" if fr else "&lang=en"
    key = territory_key(t.level, t.code)
    others = [(lv, code, name) for lv, code, name in t.parents[:1]]
    others += [(r.level, r.code, r.name) for r in similar(obs, t, 3).itertuples()]
    links: list = []
    for level, code, name in others:
        href = f"/comparer?territories={key},{territory_key(level, code)}{suffix}"
        links += [*([" · "] if links else []), dcc.Link(name, href=href)]
    if not links:
        return html.P()
    everyone = ",".join([key, *(territory_key(lv, c) for lv, c, _ in others)])
    links += [
        " · ",
        dcc.Link("tous ensemble" if fr else "all together", href=f"/comparer?territories={everyone}{suffix}"),
    ]
    return html.P(
        [("Comparer avec : " if fr else "Compare with: "), *links], className="compare-links", id="profile-compare"
    )


def identity(t: pv.Territory, lang: str) -> html.Div:
    """Name, level, parents with links, population, area, density."""
    fr = lang == "fr"
    facts = [
        html.Dt("Échelon" if fr else "Level"),
        html.Dd(ref.label(t.level, lang)),
        html.Dt(
            ("Code SIREN" if fr else "SIREN code") if t.level == "epci" else ("Code INSEE" if fr else "INSEE code")
        ),
        html.Dd(t.code),
        html.Dt("Population municipale" if fr else "Population"),
        html.Dd(i18n.number(t.population, 0, lang)),
    ]
    if t.area_km2:
        facts += [
            html.Dt("Superficie" if fr else "Area"),
            html.Dd(f"{i18n.number(t.area_km2, 1, lang)} km²"),
            html.Dt("Densité" if fr else "Density"),
            html.Dd(f"{i18n.number(t.population / t.area_km2, 0, lang)} hab./km²"),
        ]
    if t.parents:
        links: list = []
        for level, code, name in t.parents:
            links += [*([" · "] if links else []), _link(level, code, name, lang), f" ({pv.level_name(level, lang)})"]
        facts += [html.Dt("Appartient à" if fr else "Part of"), html.Dd(links, className="parents")]
    return html.Dl(facts, className="facts")


def sub_territories(obs: Observatory, t: pv.Territory, lang: str) -> list:
    """Lists of sub-territories with links."""
    out = []
    for level, (rows, total) in pv.children(obs, t).items():
        plural = portrait.LEVEL_PLURALS.get(level, (level, level))[0 if lang == "fr" else 1]
        head = f"{plural[:1].upper()}{plural[1:]} : {i18n.count(total, lang)}"
        if lang != "fr":
            head = head.replace(" :", ":")
        items = [html.Li(_link(level, r.code, r.name, lang)) for r in rows.itertuples()]
        more = (
            []
            if total <= len(rows)
            else [html.Li(f"… {total - len(rows)} autres" if lang == "fr" else f"… {total - len(rows)} more")]
        )
        out.append(html.Details([html.Summary(head), html.Ul(items + more, className="children")]))
    return out


def indicator_sections(
    obs: Observatory, t: pv.Territory, lang: str, rows=None, ranks=None, blocks: tuple[str, ...] | None = None
) -> list:
    """For each block and survey: a dot plot (territory, parent, France) and a table, in a fold."""
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
    for block, _indicator, surveys, statistic in pv.BLOCKS:
        if blocks is not None and block not in blocks:
            continue
        section = []
        for survey, table, labels, stat, title in pv.survey_tables(obs, rows, block, surveys, statistic, lang):
            plotted, names = _with_reference(obs, table, series, survey, lang)
            section.append(dotplot(plotted, names, labels, stat, title, lang))
            view = pv.table_view(
                table, labels, stat, t, obs.settings.min_n, lang, _survey_ranks(ranks, survey),
                pv.survey_model(model, survey),
            )  # fmt: skip
            section.append(table_block(view, title, f"{titles[block][0 if fr else 1]} — {title}"))
        summary = html.Summary(html.H2(titles[block][0 if fr else 1]))
        out.append(
            html.Section(html.Details([summary, *section], open=True), className="profile-block", id=f"block-{block}")
        )
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


def trend_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section:
    """The "change between waves" section: for each survey with several waves, one panel per measure."""
    fr = lang == "fr"
    intro = (
        "Chaque point est l'estimation d'une vague avec son intervalle de confiance à 95 % (points, pas de "
        "ligne : les vagues sont espacées de plusieurs années). Points évidés : fiabilité faible. Losanges "
        "noirs : chiffres nationaux publiés. Les évolutions significatives sont dans l'essentiel, en haut."
        if fr
        else "Each point is one wave's estimate with its 95% confidence interval (points, not lines: waves "
        "are years apart). Open points: low reliability. Black diamonds: published national figures. The "
        "significant changes are in the key findings, at the top."
    )
    return html.Section(
        html.Details(
            [
                html.Summary(html.H2(i18n.t("trend_title", lang))),
                html.P(intro, className="note"),
                html.Div(trend_blocks(obs, t, lang), id=PROFILE_TRENDS),
            ],
            open=True,
        ),
        className="profile-block",
        id="trends",
    )


def trend_blocks(obs: Observatory, t: pv.Territory, lang: str) -> list:
    """For each survey with several waves: its title, its legend and a panel per measure (SVG images)."""
    fr = lang == "fr"
    out = []
    for tb in pv.trend_blocks(obs, t):
        labels = {m: ref.label(m, lang) for m in tb.measures}
        drawn = svg_charts.trend_panels(tb.rows, tb.published, labels, tb.statistic or "share", lang)
        if not drawn:
            continue
        panels = [
            html.Img(src=svg_charts.data_uri(svg), alt=labels[m], className="trend-panel", **{"data-measure": m})
            for m, svg in drawn
        ]
        series = list(dict.fromkeys(zip(tb.rows["series"], tb.rows["series_label"], strict=True)))
        if len(tb.published):
            series.append(
                ("published", "Chiffre publié (PHARE / IMPACT)" if fr else "Published figure (PHARE / IMPACT)")
            )
        out.append(
            html.Div(
                [html.H3(pv.trend_title(tb, lang)), series_legend(series), html.Div(panels, className="trend-panels")],
                className="trend",
                **{"data-survey": tb.survey},
            )
        )
    return out or [html.P("Une seule vague par enquête." if fr else "One wave per survey.", className="note")]


def series_legend(series: list[tuple[str, str]]) -> html.Ul:
    """The series' names beside their colours (the same colours in every chart of the profile)."""
    return html.Ul(
        [
            html.Li(
                [html.Span(className=f"swatch swatch-{key}", **{"aria-hidden": "true"}), name],
                **{"data-series": key},
            )
            for key, name in series
        ],
        className="series-legend",
    )


def stored_territory(obs: Observatory, key: object) -> pv.Territory | None:
    """The territory of a profile's store (``{"level", "code", "lang"}``); None for a forged or malformed one."""
    if not isinstance(key, dict):
        return None
    level, code = key.get("level"), key.get("code")
    if not isinstance(level, str) or not isinstance(code, str):
        return None
    t = pv.resolve(obs, territory_key(level, code))
    return t if t is not None and t.level == level else None


KIND_LABELS = {
    "label_territoire": ("Label « Territoire French Impact »", "'Territoire French Impact' label"),
    "pionnier_co_construction": ("Pionnier de la co-construction", "Co-construction pioneer"),
    "laureat_innovation_sociale": (
        "Lauréat innovation sociale (Nouvelle-Aquitaine)",
        "Social-innovation laureate (Nouvelle-Aquitaine)",
    ),
    "entrepreneuriat_territoire": ("Entrepreneuriat de territoire", "Territorial entrepreneurship"),
    "fabrique_initiatives": ("Fabrique à initiatives", "Fabrique à initiatives"),
    "autre": ("Autre initiative", "Other initiative"),
}


MONTHS = (
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
     "novembre", "décembre"),
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"),
)  # fmt: skip
ISO_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # '2019', '2019-02', '2018-04-05'


def source_date(date: str, lang: str) -> str:
    """An ISO date of a source, in words: '2019', 'février 2019', '5 avril 2018'; 'non daté' when empty.

    Text that is not an ISO year, year-month or date (a slip in the operator's file) is shown as written.
    """
    if not date:
        return "non daté" if lang == "fr" else "undated"
    match = ISO_DATE.fullmatch(date)
    try:
        day = datetime.date(*(int(p or 1) for p in match.groups())) if match else None
    except ValueError:  # a month 13, a 30 February
        day = None
    if match is None or day is None:
        return date
    months = MONTHS[0 if lang == "fr" else 1]
    if match[3]:
        return f"{day.day} {months[day.month - 1]} {day.year}"
    if match[2]:
        return f"{months[day.month - 1]} {day.year}"
    return str(day.year)


def _initiative(r, lang: str) -> html.Li:
    fr = lang == "fr"
    kind = KIND_LABELS.get(r.kind, (r.kind, r.kind))[0 if fr else 1]
    details = [html.Strong(r.name), f" — {kind}", html.Br(), r.description_fr if fr else r.description_en]
    if r.role:
        details += [html.Br(), ("Rôle : " if fr else "Role: ") + r.role.replace(";", ", ")]
    if r.actors:
        details += [html.Br(), ("Acteurs : " if fr else "Actors: ") + r.actors.replace(";", ", ")]
    if r.figures:
        details += [html.Br(), ("Chiffres : " if fr else "Figures: ") + r.figures.replace(";", ", ")]
    source = f"« {r.source_title} »" if fr else f"'{r.source_title}'"
    cited = ", ".join(p for p in (source, r.source_publisher, source_date(r.source_date, lang)) if p)
    details += [html.Br(), html.Small(("Source : " if fr else "Source: ") + cited, className="source")]
    return html.Li(details, className="initiative")


def initiatives_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section:
    """Real initiatives from the source documents (never synthetic).

    The territory's own (located here, below or above it), and apart the national programmes
    open to it.
    """
    fr = lang == "fr"
    own, national = pv.initiatives(obs, t)
    content: list = [html.H2("Initiatives (données réelles)" if fr else "Initiatives (real data)")]
    content.append(html.H3("Initiatives du territoire" if fr else "Initiatives in the territory"))
    if own.empty:
        content.append(html.P("Aucune initiative du catalogue ici." if fr else "No catalogued initiative here."))
    else:
        content.append(html.Ul([_initiative(r, lang) for r in own.itertuples()], className="initiatives local"))
    if not national.empty:
        content += [
            html.H3("Programmes nationaux accessibles à ce territoire" if fr else "National programmes open to it"),
            html.Ul([_initiative(r, lang) for r in national.itertuples()], className="initiatives national"),
        ]
    return html.Section(content, className="profile-block", id="initiatives")


def model_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section | None:
    """Direct and small-area model estimates of the EPCI side by side (folded; EPCI and commune)."""
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
    return html.Section(
        html.Details(
            [
                html.Summary(html.H2(f"{title} — {name}")),
                html.P(note, className="note"),
                html.Div(
                    html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)]),
                    className="table-scroll",
                ),
            ]
        ),
        className="profile-block",
        id="block-model",
    )


LAYOUT_CACHE = 16  # rendered profiles one app keeps (each a few hundred kB of pictures)


def layout(obs: Observatory, key: str, lang: str) -> html.Div:
    """The profile page, or a not-found message with a hint to use the search.

    Rendered once per territory, language and data version (an LRU per app): the pictures are
    drawn once, and a second visit costs only the page's serialisation.
    """
    t = pv.resolve(obs, key)
    if t is None:
        return not_found(key, lang)
    cache_key = (obs.db.version, obs.settings.min_n, t.level, t.code, lang)
    return obs.view_cache("profile_layout", LAYOUT_CACHE).get(cache_key, lambda: _layout(obs, t, lang))


def not_found(key: str, lang: str) -> html.Div:
    """The profile of a territory that does not exist: say so, and point to the search."""
    fr = lang == "fr"
    return html.Div(
        [
            html.H1("Territoire introuvable" if fr else "Territory not found"),
            html.P(
                f"Aucun territoire ne correspond à « {key[:40]} ». Utilisez la recherche en haut de la page."
                if fr
                else f"No territory matches '{key[:40]}'. Use the search at the top of the page."
            ),
        ],
        className="not-found",
    )


def _layout(obs: Observatory, t: pv.Territory, lang: str) -> html.Div:
    fr = lang == "fr"
    key = territory_key(t.level, t.code)
    permalink = f"/territoire/{key}"
    suffix = "" if fr else "?lang=en"
    rows, p = pv.profile_model(obs, t)
    return html.Div(
        [
            dcc.Store(id=PROFILE_KEY, data={"level": t.level, "code": t.code, "lang": lang}),
            html.H1(t.name, id="profile-title"),
            key_findings(p, t, lang),
            html.Div(
                [
                    html.Div([identity(t, lang), *sub_territories(obs, t, lang)], className="profile-identity"),
                    locator(obs, t, lang),
                ],
                className="profile-head",
            ),
            html.Div(
                [
                    html.Button(
                        "Télécharger le profil (CSV)" if fr else "Download the profile (CSV)",
                        id=PROFILE_CSV,
                        className="button",
                    ),
                    html.Button(
                        "Profil (XLSX, une feuille par bloc)" if fr else "Profile (XLSX, one sheet per block)",
                        id=PROFILE_XLSX,
                        className="button secondary",
                    ),
                    html.Button(
                        "ZIP avec description (datapackage)" if fr else "ZIP with description (datapackage)",
                        id=PROFILE_ZIP,
                        className="button secondary",
                    ),
                    html.A(
                        "Portrait imprimable (PDF)" if fr else "Printable portrait (PDF)",
                        href=f"{permalink}.pdf{suffix}",
                        className="button secondary",
                        id="profile-pdf",
                    ),
                    dcc.Download(id=PROFILE_DOWNLOAD),
                    html.Span(
                        ["Lien permanent : " if fr else "Permalink: ", dcc.Link(permalink, href=permalink + suffix)],
                        className="permalink",
                    ),
                ],
                className="actions",
            ),
            compare_links(obs, t, lang),
            snippets.snippet_block(f"/embed/territoire/{key}", {"block": "key-findings", "lang": lang}, lang),
            *indicator_sections(obs, t, lang, rows, p.ranks),
            *([section] if (section := model_section(obs, t, lang)) is not None else []),
            trend_section(obs, t, lang),
            initiatives_section(obs, t, lang),
        ],
        className="profile",
    )
