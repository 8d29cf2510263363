"""The portrait of a zone (``/zone/<id>``) as every renderer would draw it; no Dash, no Flask.

A stored zone's communes and départements, its respondents per survey, one table per indicator of
the latest wave of each survey (every measure with its estimate, CI, n, effective n, reliability,
test against the rest of France, or the guard's refusal), and its key findings under the
false-discovery control (:mod:`observatory.views.zone_findings`). Computed once per data version,
zone and threshold (an LRU of the app).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data import zones as dz
from observatory.data.service import Observatory
from observatory.stats import zone_tests
from observatory.stats.change import compare_waves
from observatory.stats.zones import PriorZone
from observatory.views.zone_findings import ZoneFindings, zone_findings
from observatory.views.zone_model import zone_model

PORTRAITS = 16  # zone portraits one app keeps
SIGNIFICANCE = {  # the tables' column against the rest of France, in words (French, English)
    "above": ("supérieur", "higher"),
    "below": ("inférieur", "lower"),
    "not_significant": ("pas d'écart significatif", "no significant difference"),
    "not_tested": ("non testé", "not tested"),
    "not_tested_low": ("non testé (fiabilité faible)", "not tested (low reliability)"),
}
API = "/api/v1/zones"
INDICATOR_NAMES = {
    "fragility": ("Fragilités perçues", "Perceived fragilities"),
    "partnerships": ("Partenariats", "Partnerships"),
    "mayors": ("Co-construction (maires)", "Co-construction (mayors)"),
    "innovation": ("Innovation", "Innovation"),
}


@dataclass(frozen=True)
class IndicatorTable:
    """One indicator of one survey and wave: the zone's cells (:data:`observatory.stats.zones.ZONE_COLUMNS`)."""

    indicator: str
    survey: str
    wave: int
    rows: pd.DataFrame

    def csv_url(self, zone_id: str) -> str:
        """The API's CSV of this table (the same rows, the export's columns)."""
        return f"{API}/{zone_id}/{self.indicator}?survey={self.survey}&wave={self.wave}&format=csv"


@dataclass(frozen=True)
class SurveyBlock:
    """A survey's latest wave: the zone's respondents (``None``: no cell shown) and its tables."""

    survey: str
    wave: int
    respondents: int | None
    tables: tuple[IndicatorTable, ...]
    refused: bool = False  # some cell refused by the differencing guard


@dataclass(frozen=True)
class ZonePortrait:
    """Everything the zone's page shows."""

    zone: dz.ZoneDefinition
    communes: pd.DataFrame  # code, name, departement_code, population
    departements: dict[str, str]  # code → name, of the départements the zone lies in
    surveys: tuple[SurveyBlock, ...]
    findings: ZoneFindings
    min_n: int

    @property
    def name(self) -> str:
        """The name given to the zone, or its id."""
        return self.zone.name or f"Zone {self.zone.id}"

    def definition_csv(self) -> str:
        """The API's CSV of the zone's communes."""
        return f"{API}/{self.zone.id}?format=csv"


def store_of(obs: Observatory) -> dz.ZoneStore:
    """The zone definitions of this app's settings (the folder the API stores them in)."""
    return dz.ZoneStore(dz.zones_folder(obs.settings))


def zone_portrait(obs: Observatory, store: dz.ZoneStore, zone_id: str) -> ZonePortrait | None:
    """The portrait of a stored zone, or None for an unknown id (or one that is no id)."""
    zone = store.get(zone_id) if isinstance(zone_id, str) else None
    if zone is None:
        return None
    key = (obs.db.version, zone.id, obs.settings.min_n)
    return obs.view_cache("zone_portraits", PORTRAITS).get(key, lambda: _portrait(obs, store, zone))


def latest_waves(obs: Observatory) -> dict[str, int]:
    """The latest loaded wave of each survey, in the vocabulary's order of surveys."""
    datasets = obs.datasets()
    latest = datasets.groupby("survey")["wave"].max()
    order = [s.code for s in ref.SURVEYS if s.code in latest.index]
    order += [s for s in sorted(latest.index) if s not in order]
    return {s: int(latest[s]) for s in order}


def _portrait(obs: Observatory, store: dz.ZoneStore, zone: dz.ZoneDefinition) -> ZonePortrait:
    table = dz.zone_table(obs, store, zone)
    zm = dz.zone_moments(obs)
    communes = zm.commune_index(zone.codes)
    min_n = obs.settings.min_n
    prior = [PriorZone(z.id, zm.commune_index(z.codes)) for z in store.before(zone)]
    deps = zone_tests.departement_tests(zm, communes, table, min_n, min_n, prior, dz.name_of(obs))
    latest = latest_waves(obs)
    current, dep_current = _latest(table, latest), _latest(deps, latest)
    se_rest = zone_tests.france_rest_se(zm, communes)
    findings = zone_findings(
        table[current].reset_index(drop=True),
        se_rest[current],
        deps[dep_current].reset_index(drop=True),
        changes(table, obs),
    )
    cells = [(i, s, w) for s, w in latest.items() for i, surveys in ref.SURVEYS_OF.items() if s in surveys]
    model = zone_model(obs, zone.codes, cells)
    names = obs.territories("commune").set_index("code")
    listed = names.reindex(list(zone.codes))[["name", "departement_code", "population"]]
    listed = listed.rename_axis("code").reset_index()
    dep_names = obs.territories("departement").set_index("code")["name"]
    in_deps = sorted(set(listed["departement_code"].dropna()))
    return ZonePortrait(
        zone=zone,
        communes=listed,
        departements={d: str(dep_names.get(d, d)) for d in in_deps},
        surveys=tuple(_survey_block(table, s, w, model) for s, w in latest.items()),
        findings=findings,
        min_n=min_n,
    )


def changes(table: pd.DataFrame, obs: Observatory) -> pd.DataFrame | None:
    """The zone's change since the previous wave of each survey with several, cell by cell.

    The observatory's test of a change (:func:`observatory.stats.change.compare_waves`: two
    independent samples, the variances added); a cell suppressed or refused at either wave is not
    tested. Both figures are shown in the zone's tables: the change publishes nothing new.
    """
    frames = []
    for survey in table["survey"].unique():
        waves = obs.waves(survey)
        if len(waves) < 2:
            continue
        for indicator in table.loc[table["survey"] == survey, "indicator"].unique():
            part = table[(table["survey"] == survey) & (table["indicator"] == indicator)].assign(size_class=None)
            before, after = part[part["wave"] == waves[-2]], part[part["wave"] == waves[-1]]
            if len(before) and len(after):
                frames.append(compare_waves(before, after))
    return pd.concat(frames, ignore_index=True) if frames else None


def _latest(frame: pd.DataFrame, latest: dict[str, int]) -> np.ndarray:
    """Which rows are of the latest wave of their survey (a boolean mask, empty for an empty frame)."""
    waves = frame["survey"].map(latest)
    return (waves.notna() & (waves == pd.to_numeric(frame["wave"]))).to_numpy(bool)


def _survey_block(table: pd.DataFrame, survey: str, wave: int, model: pd.DataFrame) -> SurveyBlock:
    """A survey's tables (one per indicator asked of it) and its respondents in the zone.

    The respondents are the largest n of the cells shown: a refused cell's n is no more shown here
    than in its table. Each table's rows carry the zone's model figure (:mod:`observatory.views.zone_model`)
    where the survey's own estimate is not reliable (blank elsewhere).
    """
    tables = []
    for indicator, surveys in ref.SURVEYS_OF.items():
        if survey not in surveys:
            continue
        rows = dz.zone_cells_of(table, indicator, survey, wave)
        part = model[(model["indicator"] == indicator) & (model["survey"] == survey) & (model["wave"] == wave)]
        rows = rows.merge(part.drop(columns=["indicator", "survey", "wave"]), on=["measure", "statistic"], how="left")
        thin = (rows["reliability"] != "ok").to_numpy()
        for col in ("model_estimate", "model_ci_low", "model_ci_high", "model_rmse_bound"):
            rows[col] = rows[col].where(thin)
        if len(rows):
            tables.append(IndicatorTable(indicator, survey, wave, rows))
    rows = pd.concat([t.rows for t in tables]) if tables else table.iloc[:0]
    shown = rows[rows["reliability"] != "suppressed"]
    respondents = int(shown["n"].max()) if len(shown) else None
    return SurveyBlock(survey, wave, respondents, tuple(tables), bool(rows["refused_reason"].notna().any()))


def verdict_of(r: dict, t: IndicatorTable, decided: dict) -> str:
    """A table row's verdict against the rest of France: the family's (the key findings'), not the test alone.

    ``decided``: :meth:`ZoneFindings.france_verdicts`. A cell of low reliability is outside the
    family: its apparent difference is counted, not stated, and the table says it is not tested.
    """
    raw = r["significance"]
    if r["reliability"] == "low" and raw in ("above", "below", "not_significant"):
        return "not_tested_low"
    return decided.get((t.indicator, t.survey, r["measure"], r["statistic"]), raw)


def has_model(t: IndicatorTable) -> bool:
    """Whether a table shows the model's figure in some row (a thin cell with one)."""
    return "model_estimate" in t.rows and bool(t.rows["model_estimate"].notna().any())


def model_text(r: dict, lang: str) -> str:
    """'6,1 / 10 [5,2 – 7,0]' for a row with the model's figure, '' otherwise."""
    if not isinstance(r.get("model_estimate"), float) or np.isnan(r["model_estimate"]):
        return ""
    stat, lo, hi = r["statistic"], r["model_ci_low"], r["model_ci_high"]
    return f"{i18n.value(r['model_estimate'], stat, lang, lo, hi)} [{i18n.interval(lo, hi, stat, lang)}]"


def indicator_name(indicator: str, lang: str) -> str:
    """An indicator's name in the page's language."""
    fr, en = INDICATOR_NAMES.get(indicator, (indicator, indicator))
    return fr if lang == "fr" else en
