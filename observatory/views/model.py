"""Small-area (model) estimates on the map pages: the EPCI map with ``method=sae``.

The rows come from :meth:`observatory.data.service.Observatory.sae` (the Fay–Herriot model of
:mod:`observatory.stats.sae`, stored at load) and are shaped like the direct table, so that the
map, legend, ranking and table draw them the same way, with three differences that keep them
honest: every model row is marked ``model`` (hatched on the map, "modèle" in the table and the
legend), the tooltip gives the interval from the MSE, n, the survey's share γ and the status, and
nothing is tested against France (``significance`` is ``not_tested``). EPCIs the model cannot
estimate (no covariates, no data) are suppressed: no value anywhere.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core.reference import MODEL_LEVEL
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.stats.sae import MODEL_STATUSES  # the statuses with a figure
from observatory.views import model_diagnostics
from observatory.views.mapview import MapView, build_map_view

DIRECT, SAE = "direct", "sae"
ESTIMATIONS: tuple[str, ...] = (DIRECT, SAE)
SAE_LEVEL = MODEL_LEVEL


def applies(values: dict[str, str]) -> bool:
    """Whether a map view shows model estimates: ``method=sae``, the EPCI level, levels not change."""
    return values.get("method") == SAE and values.get("level") == SAE_LEVEL and values.get("compare") in (None, "none")


def diagnostics_href(values: dict[str, str], query: Query, measure: str, statistic: str, lang: str) -> str | None:
    """The model diagnostics page of a map view's cell, when the view shows the model (else None)."""
    if not applies(values):
        return None
    return model_diagnostics.href(query.survey, query.wave, query.indicator, measure, statistic, lang)


def model_table(obs: Observatory, query: Query, measure: str, statistic: str) -> pd.DataFrame:
    """The EPCI model estimates of one measure, in the columns of the direct table (and the model's)."""
    return as_direct_rows(obs.sae(query.survey, query.wave, query.indicator, measure, statistic))


def as_direct_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of :meth:`Observatory.sae` in the columns of the direct table, marked ``model``.

    A model figure is "ok" (drawn and shown in full) and never tested (``not_tested``); an EPCI the
    model cannot estimate is "suppressed", with no value anywhere. The map and the comparison page
    both read model rows through this.
    """
    modelled = rows["sae_status"].isin(MODEL_STATUSES).to_numpy() & rows["estimate"].notna().to_numpy()
    out = rows.assign(
        size_class=None,
        n_eff=np.nan,
        p_value=np.nan,
        estimate_rest=np.nan,
        # "ok": classified and drawn in full colour; the ``model`` column marks them as a model's.
        reliability=np.where(modelled, "ok", "suppressed"),
        significance="not_tested",
        model=modelled,
    )
    for col in ("estimate", "se", "ci_low", "ci_high"):
        out[col] = out[col].where(modelled)  # suppressed cells show no value anywhere
    return out


def model_hover(rows: pd.DataFrame, statistic: str, lang: str) -> list[str]:
    """Tooltip of a model cell: estimate, interval from the MSE, n, γ and status (no test)."""
    c = i18n.colon(lang)
    label = "status_en" if lang == "en" else "status_fr"
    out = []
    for r in rows.itertuples(index=False):
        status = getattr(r, label)
        if not r.model:
            out.append(f"{i18n.t('sae_none', lang)}{c}{status}")
            continue
        out.append(
            "<br>".join(
                [
                    i18n.t("sae_method", lang),
                    f"{i18n.t('value', lang)}{c}{i18n.value(r.estimate, statistic, lang, r.ci_low, r.ci_high)}",
                    f"{i18n.t('sae_interval', lang)}{c}{i18n.interval(r.ci_low, r.ci_high, statistic, lang)}",
                    f"n = {i18n.number(r.n, 0, lang)}",
                    f"{i18n.t('sae_gamma', lang)}{c}{i18n.number(r.gamma, 2, lang)}",
                    f"{i18n.t('sae_status', lang)}{c}{status}",
                    i18n.t("sae_no_test", lang),
                ]
            )
        )
    return out


def build_model_view(
    table: pd.DataFrame,
    measure: str,
    statistic: str,
    method: str,
    min_n: int,
    lang: str,
    frozen: list[float] | None = None,
) -> MapView:
    """The map rows of a model table: classified like a direct map, hatched, with the model's tooltip."""
    view = build_map_view(table, measure, statistic, method, min_n, lang, frozen)
    rows = view.rows.assign(hover=model_hover(view.rows, statistic, lang))
    return dataclasses.replace(view, rows=rows)
