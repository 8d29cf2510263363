"""One export path for everybody: the CLI, the page downloads and (later) the HTTP API.

``export_table`` turns filters into the tidy table of the statistics layer; ``render`` writes it
as CSV (plain or French Excel), JSON, Parquet or XLSX. Suppressed cells carry no value.

The profile's and the comparison's tables are in :mod:`observatory.exports.tables`, the columns of
every file in :mod:`observatory.exports.columns`; both are importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd

from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.exports.columns import (
    CHANGE_EXPORT_COLUMNS,
    EXPORT_COLUMNS,
    INITIATIVE_COLUMNS,
    PAIRWISE_COLUMNS,
    PROFILE_COLUMNS,
    SAE_EXPORT_COLUMNS,
    TREND_COLUMNS,
)
from observatory.exports.datapackage import package
from observatory.exports.formats import DIALECTS, FORMATS, neutralise_formulas, render
from observatory.exports.tables import (
    COMPARISON_ROW_TYPES,
    comparison_csv,
    comparison_tables,
    profile_tables,
    render_profile,
)
from observatory.stats import InvalidQuery, Query
from observatory.stats.measures import MEASURES, STATISTICS
from observatory.views import mapspec, model, profile

__all__ = [
    "API_PREFIX", "CHANGE_EXPORT_COLUMNS", "COMPARISON_ROW_TYPES", "DEFAULT_SURVEY", "DIALECTS", "EXPORT_COLUMNS",
    "FILE_FORMATS", "FORMATS", "INDICATOR_SURVEYS", "INITIATIVE_COLUMNS", "LEVELS_FOR_EXPORT", "MEASURE_PARAM",
    "MEDIA_TYPES", "METHODS", "PAIRWISE_COLUMNS", "PROFILE_COLUMNS", "SAE_EXPORT_COLUMNS", "SAE_LEVEL", "TITLES",
    "TREND_COLUMNS", "ExportRequest", "api_url", "check_method", "checked", "comparison_csv", "comparison_tables",
    "download_request", "export_file", "export_table", "filename", "neutralise_formulas", "profile_tables",
    "rank_table", "render", "render_profile", "unknown_territories",
]  # fmt: skip

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
FILE_FORMATS: tuple[str, ...] = (*FORMATS, "zip")  # zip: CSV + Frictionless datapackage.json
DEFAULT_SURVEY = {"fragility": "citoyens", "partnerships": "entreprises", "mayors": "elus", "innovation": "citoyens"}
# The surveys that ask each indicator's questions, as the pages and profiles offer them (the mayors
# were not asked the fragility questions: their table would be all n = 0).
INDICATOR_SURVEYS: dict[str, tuple[str, ...]] = {
    indicator: surveys for _block, indicator, surveys, _statistic in profile.BLOCKS
}
METHODS: tuple[str, ...] = ("direct", "sae")  # sae: small-area (Fay–Herriot) estimates, EPCI level only
SAE_LEVEL = ref.MODEL_LEVEL


@dataclass(frozen=True)
class ExportRequest:
    """The filters of an export, as the CLI, the pages and the API take them.

    With ``wave_to``, the export is the change from ``wave`` (default: the first wave loaded) to
    ``wave_to`` (see :mod:`observatory.stats.change`).
    """

    indicator: str
    wave: int | None = None
    survey: str | None = None
    level: str = "departement"
    measures: tuple[str, ...] | None = None
    statistic: str | None = None
    size_class: str | None = None
    territories: tuple[str, ...] | None = None
    min_n: int | None = None
    wave_to: int | None = None
    method: str = "direct"


def check_method(req: ExportRequest) -> None:
    """Raise InvalidQuery unless the method is known and, for ``sae``, the request can have it.

    Small-area estimates exist for the EPCI level, over all sizes, for one wave (the change between
    two waves would need the correlation of the model errors): any other request says so.
    """
    if req.method not in METHODS:
        raise InvalidQuery("method", req.method, METHODS)
    if req.method != "sae":
        return
    if req.level != SAE_LEVEL:
        raise InvalidQuery(
            "method", "sae", (f"sae with level={SAE_LEVEL} only (the model is fitted for EPCIs)", "direct")
        )
    if req.wave_to is not None:
        raise InvalidQuery("method", "sae", ("sae for one wave (no wave_to)", "direct"))
    if req.size_class is not None:
        raise InvalidQuery("method", "sae", ("sae over all sizes (no size_class)", "direct"))


def export_table(obs: Observatory, req: ExportRequest) -> pd.DataFrame:
    """The tidy table behind a view; raises InvalidQuery on a parameter outside its allow-list."""
    survey, wave, min_n = checked(obs, req)
    query = Query(req.indicator, wave, survey, req.level, req.measures, req.size_class)
    if req.method == "sae":
        return _sae_table(obs, query, req.statistic, req.territories).assign(synthetic=obs.is_synthetic(survey))
    if req.wave_to is not None:
        table = obs.change(query, req.wave_to, min_n, req.territories)
        columns = CHANGE_EXPORT_COLUMNS
    else:
        table = obs.estimate(query, min_n, req.territories)
        columns = EXPORT_COLUMNS
    if req.statistic is not None:
        table = table[table["statistic"] == req.statistic]
    table = table.assign(min_n=min_n)[list(columns)].reset_index(drop=True)
    # Every file says whether its figures are demonstration data, not only the ZIP's descriptor.
    return table.assign(synthetic=obs.is_synthetic(survey))


def checked(obs: Observatory, req: ExportRequest) -> tuple[str, int, int]:
    """The request's survey, wave and ``min_n`` (defaults filled in); InvalidQuery on a bad one."""
    if req.indicator not in MEASURES:
        raise InvalidQuery("indicator", req.indicator, tuple(MEASURES))
    survey = req.survey if req.survey is not None else DEFAULT_SURVEY[req.indicator]  # "" is not "default"
    surveys = INDICATOR_SURVEYS[req.indicator]
    if survey not in surveys:
        raise InvalidQuery("survey", survey, surveys)
    waves = obs.waves(survey)
    if not waves:
        raise InvalidQuery("survey", survey, tuple(s for s in surveys if obs.waves(s)))
    if req.wave_to is not None and req.wave_to not in waves:
        raise InvalidQuery("wave_to", req.wave_to, tuple(waves))
    default = (waves[0] if waves[0] != req.wave_to else waves[-1]) if req.wave_to is not None else waves[-1]
    wave = req.wave if req.wave is not None else default
    if wave not in waves:
        raise InvalidQuery("wave", wave, tuple(waves))
    if req.statistic is not None and req.statistic not in STATISTICS[req.indicator]:
        raise InvalidQuery("statistic", req.statistic, STATISTICS[req.indicator])
    min_n = obs.settings.min_n if req.min_n is None else req.min_n
    if min_n < 1:
        raise InvalidQuery("min_n", min_n, ("an integer ≥ 1",))
    check_method(req)
    Query(req.indicator, wave, survey, req.level, req.measures, req.size_class).check()
    return survey, wave, min_n


def _sae_table(
    obs: Observatory, query: Query, statistic: str | None, territories: tuple[str, ...] | None
) -> pd.DataFrame:
    """The model estimates of a query's EPCIs, measures in the query's order (as the direct table)."""
    query.check()
    measures = query.measures or (None,)
    parts = [obs.sae(query.survey, query.wave, query.indicator, m, statistic, territories) for m in measures]
    return pd.concat(parts, ignore_index=True)[list(SAE_EXPORT_COLUMNS)]


def rank_table(obs: Observatory, req: ExportRequest) -> pd.DataFrame:
    """The ranks of every ranked territory of an export's table (:mod:`observatory.stats.rank_table`).

    Cached per data version: the sets of a level take a second or two.
    """
    from observatory.stats.rank_table import rank_rows

    survey, wave, min_n = checked(obs, req)
    stored = _stored_ranks(obs, req, survey, wave, min_n)
    if stored is not None:
        return stored
    cache = obs.view_cache("ranks", 64)
    key = (obs.db.version, req)
    return cache.get(key, lambda: rank_rows(export_table(obs, req), req.method))


def _stored_ranks(obs: Observatory, req: ExportRequest, survey: str, wave: int, min_n: int) -> pd.DataFrame | None:
    """The request's ranks as stored at load (``rank_sets``); None when they are not the request's.

    Stored: every territory of a level, over all sizes, each survey's latest wave, the app's
    suppression rule, the cells the portraits show (one statistic asked for).
    """
    from observatory.stats.blocks import is_portrait_cell
    from observatory.stats.rank_table import RANK_COLUMNS, STORED_LEVELS, stored_valid_for

    if req.level not in STORED_LEVELS or req.size_class is not None or req.territories or req.wave_to is not None:
        return None
    if not stored_valid_for(min_n) or wave != obs.waves(survey)[-1]:  # stored: each survey's latest wave
        return None
    measures = req.measures or MEASURES[req.indicator]  # stored: the cells the portraits show
    if not all(is_portrait_cell(req.indicator, survey, m, req.statistic) for m in measures):
        return None
    rows = obs.stored_ranks(req.level, indicator=req.indicator, survey=survey, wave=wave, method=req.method)
    if rows is None:
        return None
    if req.measures:
        rows = rows[rows["measure"].isin(req.measures)]
    if req.statistic is not None:
        rows = rows[rows["statistic"] == req.statistic]
    names = obs.territories(req.level)[["code", "name"]].rename(
        columns={"code": "territory_code", "name": "territory_name"}
    )
    rows = rows.merge(names, on="territory_code", how="left")
    return rows.sort_values(["measure", "statistic", "rank", "territory_code"], ignore_index=True)[list(RANK_COLUMNS)]


def export_file(obs: Observatory, req: ExportRequest, fmt: str = "csv", dialect: str = "plain") -> bytes:
    """The file of an export request in any format; ``zip`` is the self-describing data package."""
    table = export_table(obs, req)
    if fmt != "zip":
        return render(table, fmt, dialect)
    from dataclasses import asdict

    wave_col = "wave_from" if req.wave_to is not None else "wave"
    wave = int(table[wave_col].iloc[0]) if len(table) else req.wave
    survey = req.survey or DEFAULT_SURVEY[req.indicator]
    waves = f"{wave} → {req.wave_to}" if req.wave_to is not None else f"{wave or ''}"
    title = f"{TITLES[req.indicator]} — {survey} {waves} — {ref.label(req.level) if req.level in ref.LEVEL_CODES else req.level}"
    filters = {**asdict(req), "survey": survey, "wave": wave, "min_n": req.min_n or obs.settings.min_n}
    if req.method == "sae":  # no suppression threshold: every EPCI with covariates has a figure
        filters.pop("min_n")
    if req.wave_to is not None:  # a change: say which wave it is from ("wave" would read as the one shown)
        filters["wave_from"] = filters.pop("wave")
    return package(obs, {"data": table}, title, filters)


TITLES = {
    "fragility": "Fragilités perçues / perceived fragilities",
    "partnerships": "Pratiques partenariales / partnership practices",
    "mayors": "Co-construction selon les maires / co-construction according to mayors",
    "innovation": "Les alliances, source d'innovation / alliances as a source of innovation",
}


def filename(req: ExportRequest, fmt: str, wave: int | None = None) -> str:
    """A descriptive file name: observatoire_fragility_citoyens_2015_departement.csv."""
    parts = ["observatoire", req.indicator, req.survey or DEFAULT_SURVEY[req.indicator]]
    waves = str(wave or req.wave or "")
    if req.wave_to is not None:
        waves = f"{waves}-{req.wave_to}" if waves else f"vers-{req.wave_to}"
    parts += [waves, req.level]
    if req.measures and len(req.measures) == 1:
        parts.append(req.measures[0])
    if req.size_class:
        parts.append(req.size_class)
    if req.method != "direct":
        parts.append(req.method)
    return "_".join(p for p in parts if p) + f".{fmt}"


LEVELS_FOR_EXPORT: tuple[str, ...] = (ref.FRANCE_LEVEL, *ref.LEVEL_CODES)


# --- the pages' view as an export request, and its API address -------------------------------------
MEASURE_PARAM = {"fragility": "domain", "partnerships": "kind", "mayors": "measure", "innovation": "measure"}
API_PREFIX = "/api/v1"


def download_request(page: mapspec.MapPage, values: dict[str, str]) -> ExportRequest:
    """The export request of the rows behind a page's current view."""
    query, measure, statistic = page.query(values)
    since = mapspec.compare_wave(values)
    return ExportRequest(
        indicator=query.indicator,
        wave=query.wave if since is None else since,
        wave_to=None if since is None else query.wave,
        survey=query.survey,
        level=query.level,
        measures=(measure,),
        statistic=statistic,
        size_class=query.size_class,
        method=model.SAE if model.applies(values) else model.DIRECT,
    )


def api_url(req: ExportRequest) -> str:
    """The API URL that returns the same table as an export request (for the pages' "API" link)."""
    params: list[tuple[str, object]] = [("level", req.level)]
    for name, value in (
        ("wave", req.wave if req.wave_to is None else None),
        ("wave_from", req.wave if req.wave_to is not None else None),
        ("wave_to", req.wave_to),
        ("survey", req.survey),
        ("statistic", req.statistic),
        ("size_class", req.size_class),
        ("min_n", req.min_n),
        ("method", req.method if req.method != "direct" else None),
    ):
        if value is not None:
            params.append((name, value))
    params += [(MEASURE_PARAM[req.indicator], m) for m in req.measures or ()]
    params += [("territory", t) for t in req.territories or ()]
    return f"{API_PREFIX}/{req.indicator}?" + urlencode(params)


def unknown_territories(obs: Observatory, req: ExportRequest) -> list[str]:
    """The requested territory codes that name no territory of the level (as the error lists them).

    A commune déléguée or an arrondissement is named with the commune it belongs to
    ('75101 → 75056'): its figures are the commune's.
    """
    if not req.territories or req.level not in ref.LEVEL_CODES:
        return []
    codes = set(obs.territories(req.level)["code"])
    out = []
    for code in req.territories:
        if code in codes:
            continue
        alias = obs.commune_alias(code) if req.level == "commune" else code
        out.append(f"{code} → {alias}" if alias != code and alias in codes else code)
    return out
