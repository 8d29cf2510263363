"""The small-area model's diagnostics of one cell, as R's emdi shows them, without Dash.

A cell is a survey's wave, an indicator, a measure and a statistic (``/modele/diagnostics?survey=
citoyens&wave=2019&indicator=fragility&measure=logement&statistic=mean_score``). Everything is read
from the two tables the load stores (``sae_diagnostics``, ``sae_estimates``):

- the model chosen: link (identity for scores, logit for shares), design (linear or spline of
  log density) with both AICs, σ²ᵤ (REML and used, adjusted or not), R² of the covariates;
- the shape of the standardised residuals and random effects (skewness, kurtosis, Shapiro–Wilk p),
  each with one sentence on how to read it and this cell's reading (:mod:`observatory.views.model_readings`);
- Brown's test of the model against the published direct figures (conservative: said so);
- the direct and model estimates of every EPCI with respondents (the scatter), and the CV of
  both by respondent band (:data:`BANDS`, :func:`cv_bands`).

:func:`href` is the page's address for any cell: the map, the methodology page and the tests
link to it. The page is :mod:`observatory.ui.pages.model_diagnostics`; the figures
:mod:`observatory.figures.diagnostics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.core.urlstate import Notice, Param, parse, raw_values
from observatory.data.service import Observatory
from observatory.stats.measures import INDICATORS, MEASURES, STATISTICS
from observatory.stats.sae import MODEL_STATUSES  # the statuses with a figure
from observatory.views.model_readings import Brown, Shape, brown, model_rows, shapes

PATH = "/modele/diagnostics"
PARAMS: tuple[str, ...] = ("survey", "wave", "indicator", "measure", "statistic")
SURVEY_ORDER: tuple[str, ...] = ("citoyens", "entreprises", "associations", "elus")
# Respondent bands of the CV chart: label, fewest and most respondents (inclusive).
BANDS: tuple[tuple[str, int, float], ...] = (
    ("0", 0, 0), ("1–9", 1, 9), ("10–29", 10, 29), ("30–99", 30, 99), ("≥ 100", 100, math.inf),
)  # fmt: skip
CV_QUANTILES: tuple[float, ...] = (0.10, 0.25, 0.50, 0.75, 0.90)  # the boxes: whiskers at 10 % and 90 %
INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "fragility": ("Fragilité perçue", "Perceived fragility"),
    "partnerships": ("Partenariats", "Partnerships"),
    "mayors": ("Co-construction (maires)", "Co-construction (mayors)"),
    "innovation": ("Innovation", "Innovation"),
}
# The map page of each indicator, for the link back to the model's map.
MAP_PATHS: dict[str, str] = {
    "fragility": "/fragilites", "partnerships": "/partenariats", "mayors": "/co-construction",
    "innovation": "/innovation",
}  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """One modelled cell: what the page shows the diagnostics of."""

    survey: str
    wave: int
    indicator: str
    measure: str
    statistic: str

    def params(self) -> dict[str, str]:
        """The cell's URL parameters."""
        return {
            "survey": self.survey, "wave": str(self.wave), "indicator": self.indicator,
            "measure": self.measure, "statistic": self.statistic,
        }  # fmt: skip


def href(survey: str, wave: int | str, indicator: str, measure: str, statistic: str, lang: str = "fr") -> str:
    """The diagnostics page of a cell, e.g. ``/modele/diagnostics?survey=citoyens&wave=2019&…``.

    For the links from the model's map, the methodology page and elsewhere. A cell that was not
    modelled gives the page's notice and the nearest modelled cell, never an error.
    """
    params = Cell(survey, int(wave), indicator, measure, statistic).params()
    if lang == "en":
        params["lang"] = "en"
    return PATH + "?" + urlencode(params)


def cell_href(cell: Cell, lang: str = "fr") -> str:
    """:func:`href` of a :class:`Cell`."""
    return href(cell.survey, cell.wave, cell.indicator, cell.measure, cell.statistic, lang)


def index_href(lang: str = "fr") -> str:
    """The page without parameters: the first modelled cell (citizens, latest wave, composite index)."""
    return PATH + ("?lang=en" if lang == "en" else "")


# --- which cells exist, and the URL → cell ------------------------------------------------------
def measure_order(indicator: str) -> tuple[str, ...]:
    """The measures of an indicator as the map pages list them (fragility: composite, each espace and its domains)."""
    if indicator != "fragility":
        return MEASURES.get(indicator, ())
    out = [ref.COMPOSITE.code]
    for e in ref.ESPACES:
        out += [e.code, *ref.domains_of_espace(e.code)]
    return (*out, *(m for m in MEASURES["fragility"] if m not in out))


def _ordered(values, order: tuple) -> tuple[str, ...]:
    present = {str(v) for v in values}
    known = [str(o) for o in order if str(o) in present]
    return (*known, *sorted(present - set(known)))


def cells(obs: Observatory) -> pd.DataFrame:
    """The cells with diagnostics (survey, wave as text, indicator, measure, statistic)."""
    table = obs.sae_diagnostics()
    out = table[list(PARAMS)].dropna().astype({"wave": "int64"}).astype(str)
    return out.drop_duplicates().reset_index(drop=True)


def params(available: pd.DataFrame, given: dict[str, str]) -> list[Param]:
    """The URL parameters, each allowed value depending on the ones before (as the map pages' waves)."""
    out: list[Param] = []
    rows = available
    chosen: dict[str, str] = {}
    for name in PARAMS:
        if name == "wave":  # the latest wave by default
            allowed = tuple(sorted(set(rows[name]), key=int))
            default = allowed[-1] if allowed else ""
        else:
            order = {
                "survey": SURVEY_ORDER,
                "indicator": INDICATORS,
                "measure": measure_order(chosen.get("indicator", "")),
                "statistic": STATISTICS.get(chosen.get("indicator", ""), ()),
            }[name]
            allowed = _ordered(rows[name], order)
            default = allowed[0] if allowed else ""
        out.append(Param(name, allowed, default))
        chosen[name] = given.get(name) if given.get(name) in allowed else default
        rows = rows[rows[name] == chosen[name]]
    return out


def resolve(obs: Observatory, search: str | None) -> tuple[Cell | None, list[Notice]]:
    """The cell a query string asks for, and a notice for each parameter replaced.

    None when the database has no diagnostics at all (built before the model's tables).
    """
    available = cells(obs)
    if available.empty:
        return None, []
    values, notices = parse(search, params(available, raw_values(search)))
    return _cell(values), notices


def resolve_given(obs: Observatory, given: dict[str, object]) -> Cell | None:
    """The cell of the page's controls: a value no longer valid (the survey changed) falls back silently."""
    available = cells(obs)
    if available.empty:
        return None
    text = {k: v for k, v in given.items() if isinstance(v, str)}
    values, _notices = parse("?" + urlencode(text), params(available, text))
    return _cell(values)


def _cell(values: dict[str, str]) -> Cell:
    return Cell(values["survey"], int(values["wave"]), values["indicator"], values["measure"], values["statistic"])


def options(obs: Observatory, cell: Cell, lang: str) -> dict[str, list[tuple[str, str]]]:
    """The choices of each control (value, label) given the cell shown."""
    available = cells(obs)
    out = {}
    for p in params(available, cell.params()):
        out[p.name] = [(v, option_label(p.name, v, lang)) for v in p.allowed]
    return out


def option_label(name: str, value: str, lang: str) -> str:
    """The label of a control's value."""
    if name == "indicator":
        return INDICATOR_LABELS.get(value, (value, value))[0 if lang == "fr" else 1]
    if name == "statistic":
        return i18n.t(value, lang) if value in i18n.STRINGS else value
    if name == "wave":
        return value
    return ref.label(value, lang)


def control_label(name: str, lang: str) -> str:
    """The label of a control."""
    fr = lang == "fr"
    return {
        "survey": i18n.t("survey", lang), "wave": i18n.t("wave", lang),
        "indicator": "Indicateur" if fr else "Indicator", "measure": "Mesure" if fr else "Measure",
        "statistic": "Statistique" if fr else "Statistic",
    }[name]  # fmt: skip


def describe(lang: str):
    """Words for a notice: a parameter's control label, a value's label (« … »)."""
    quote = "“{}”" if lang == "en" else "« {} »"

    def words(param: str, value: str | None) -> str:
        if value is None:
            return quote.format(control_label(param, lang) if param in PARAMS else param)
        return quote.format(option_label(param, value, lang) if param in PARAMS else value)

    return words


def title(cell: Cell, lang: str) -> str:
    """'Fragilité perçue : Logement, note moyenne (sur 10) — Citoyens, 2019'."""
    head = INDICATOR_LABELS.get(cell.indicator, (cell.indicator, cell.indicator))[0 if lang == "fr" else 1]
    measure = ref.label(cell.measure, lang)
    statistic = option_label("statistic", cell.statistic, lang)
    return f"{head}{i18n.colon(lang)}{measure}, {statistic.lower()} — {ref.label(cell.survey, lang)}, {cell.wave}"


def map_href(cell: Cell, lang: str = "fr") -> str:
    """The model's EPCI map of the cell (``method=sae``) on its indicator's map page."""
    params: dict[str, str] = {"level": ref.MODEL_LEVEL, "method": "sae"}
    if cell.indicator == "fragility":
        params = {
            "survey": cell.survey,
            "wave": str(cell.wave),
            **params,
            "domain": cell.measure,
            "stat": cell.statistic,
        }
    elif cell.indicator == "partnerships":
        base = "partners" if cell.statistic == "share_among_partners" else "all"
        params = {"survey": cell.survey, "wave": str(cell.wave), **params, "kind": cell.measure, "base": base}
    elif cell.indicator == "mayors":
        params = {"wave": str(cell.wave), **params, "measure": cell.measure}
    else:
        params = {"survey": cell.survey, "wave": str(cell.wave), **params}
    if lang == "en":
        params["lang"] = "en"
    return MAP_PATHS.get(cell.indicator, "/fragilites") + "?" + urlencode(params)


# --- what the page shows ------------------------------------------------------------------------
@dataclass(frozen=True)
class DiagnosticsView:
    """Everything the diagnostics page shows for one cell."""

    cell: Cell
    title: str
    diagnostics: dict  # the cell's row of sae_diagnostics
    model: list[tuple[str, str]]  # (label, value): the model chosen, as a definition list
    shapes: tuple[Shape, Shape]
    brown: Brown
    points: pd.DataFrame  # the EPCIs with respondents: direct and model estimates (the scatter)
    bands: pd.DataFrame  # CV of direct and model estimates by respondent band
    zero_variance: int  # EPCIs with respondents whose direct variance is 0 (no direct CV)


def diagnostics_view(obs: Observatory, cell: Cell, lang: str) -> DiagnosticsView:
    """The view of one cell, from the stored diagnostics and estimates."""
    table = obs.sae_diagnostics()
    keys = (
        (table["survey"] == cell.survey) & (table["wave"].astype("int64") == cell.wave)
        & (table["indicator"] == cell.indicator) & (table["measure"] == cell.measure)
        & (table["statistic"] == cell.statistic)
    )  # fmt: skip
    row = table[keys.to_numpy()].iloc[0].to_dict()
    rows = obs.sae(cell.survey, cell.wave, cell.indicator, cell.measure, cell.statistic)
    bands = cv_bands(rows)
    sampled = rows[rows["n"] > 0]
    zero = int(((sampled["direct_se"] == 0) & sampled["direct_estimate"].notna()).sum())
    return DiagnosticsView(
        cell=cell,
        title=title(cell, lang),
        diagnostics=row,
        model=model_rows(row, lang),
        shapes=shapes(row, lang),
        brown=brown(row, lang),
        points=scatter_points(rows),
        bands=bands,
        zero_variance=zero,
    )


def band_label(band: str) -> str:
    """How a band is shown: 'n = 0', 'n = 1–9', 'n ≥ 100'."""
    return f"n {band}" if band.startswith("≥") else f"n = {band}"


def band_of(n: pd.Series) -> pd.Series:
    """The respondent band (:data:`BANDS`' label) of each count."""
    labels = pd.Series(pd.NA, index=n.index, dtype="object")
    for label, low, high in BANDS:
        labels[(n >= low) & (n <= high)] = label
    return labels


def scatter_points(rows: pd.DataFrame) -> pd.DataFrame:
    """The EPCIs with respondents and both a direct and a model estimate, with their band.

    Columns: territory_code, territory_name, n, band, band_label, direct, model, gamma, sae_status.
    """
    keep = (
        (rows["n"] > 0) & rows["direct_estimate"].notna() & rows["estimate"].notna()
        & rows["sae_status"].isin(MODEL_STATUSES)
    )  # fmt: skip
    out = rows[keep.to_numpy()]
    return pd.DataFrame(
        {
            "territory_code": out["territory_code"].to_numpy(),
            "territory_name": out["territory_name"].to_numpy(),
            "n": out["n"].to_numpy("int64"),
            "band": band_of(out["n"]).to_numpy(),
            "band_label": band_of(out["n"]).map(band_label).to_numpy(),
            "direct": out["direct_estimate"].to_numpy(float),
            "model": out["estimate"].to_numpy(float),
            "gamma": out["gamma"].to_numpy(float),
            "sae_status": out["sae_status"].to_numpy(),
        }
    )


def coefficients_of_variation(rows: pd.DataFrame) -> pd.DataFrame:
    """Each EPCI's CV (%) of its direct and model estimates, with its band.

    The direct CV is the survey's own: √(direct variance) / |direct estimate|, for an EPCI with
    respondents whose variance and estimate are not 0 (three respondents who answered alike have
    a variance of 0: no CV); the model's is √MSE / |estimate|.
    """
    direct_ok = (rows["n"] > 0) & (rows["direct_se"] > 0) & (rows["direct_estimate"].abs() > 0)
    model_ok = rows["sae_status"].isin(MODEL_STATUSES) & rows["estimate"].notna() & (rows["estimate"].abs() > 0)
    return pd.DataFrame(
        {
            "band": band_of(rows["n"]).to_numpy(),
            "cv_direct": (100 * rows["direct_se"] / rows["direct_estimate"].abs()).where(direct_ok).to_numpy(float),
            "cv_model": (100 * rows["se"] / rows["estimate"].abs()).where(model_ok).to_numpy(float),
        }
    )


def cv_bands(rows: pd.DataFrame) -> pd.DataFrame:
    """The CV (%) of direct and model estimates by respondent band, as emdi's boxplots.

    One row per band of :data:`BANDS` (in order): ``label`` (as shown), ``areas`` (EPCIs of the band), ``direct_areas``
    and ``model_areas`` (those with a CV), and for ``direct`` and ``model`` the quantiles
    :data:`CV_QUANTILES` (columns ``direct_q10`` … ``model_q90``; NaN without any CV, as the direct
    CV of the band 0).
    """
    cv = coefficients_of_variation(rows)
    records = []
    for label, _low, _high in BANDS:
        inside = cv[cv["band"] == label]
        record: dict[str, object] = {"band": label, "label": band_label(label), "areas": len(inside)}
        for kind in ("direct", "model"):
            values = inside[f"cv_{kind}"].dropna().to_numpy(float)
            record[f"{kind}_areas"] = len(values)
            for q in CV_QUANTILES:
                record[f"{kind}_q{round(100 * q)}"] = float(np.quantile(values, q)) if len(values) else np.nan
        records.append(record)
    return pd.DataFrame(records)


# --- the readings: one copy, read by the page (and anything else that states them) -------------
