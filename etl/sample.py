"""The synthetic, seeded demonstration sample, drawn over the real geography.

It is written in the input contract (``python -m etl sample --out DIR``) and goes through the
same validation and load as a user's survey. Its weighted national estimates are calibrated on
the published PHARE figures (see :mod:`etl.sample_model`); everything else is plausible, not real.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from etl import sample_model as m
from observatory.core.reference import DOMAIN_CODES, KIND_CODES, PRIORITY_THRESHOLD

SIDECAR = {
    "name": "Échantillon de démonstration synthétique / synthetic demonstration sample",
    "source": "Généré par python -m etl sample, calé sur les chiffres publiés de PHARE (2015-2016) et d'IMPACT (2019-2020)",
    "licence": "Données synthétiques, libres de droits / synthetic data, no rights reserved",
    "synthetic": True,
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _bisect(f, lo: float, hi: float, target: float, steps: int = 60) -> float:
    """X in [lo, hi] with f(x) = target, for f increasing."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _intercept(offsets: np.ndarray, weights: np.ndarray, target: float) -> float:
    """Logit intercept making the weighted expected rate equal ``target``."""
    return _bisect(lambda a: np.average(_sigmoid(a + offsets), weights=weights), -20, 20, target)


def _allocate(total: int, minimum: int, shares: pd.Series) -> pd.Series:
    """Respondents per unit: a minimum each, the rest proportional to ``shares``."""
    rest = max(total - minimum * len(shares), 0)
    return (minimum + np.floor(rest * shares / shares.sum())).astype(int)


class SampleBuilder:
    """Draws the surveys' waves from one seeded generator.

    The territorial effects (départements' fragility, regions' partnership propensity) are drawn
    once and persist from wave to wave, each later wave adding a little drift (:meth:`drift`).
    """

    def __init__(self, communes: pd.DataFrame, seed: int, scale: float = 1.0):
        self.rng = np.random.default_rng(seed)
        self.scale = scale
        c = communes[communes["population"] > 0].copy()
        c["log_density"] = np.log1p(c["population"] / c["area_km2"].fillna(c["area_km2"].median()))
        c["z_density"] = (c["log_density"] - c["log_density"].mean()) / c["log_density"].std()
        c["z_logpop"] = np.log(c["population"]).sub(np.log(c["population"]).mean()) / np.log(c["population"]).std()
        c["urban"] = (c["population"] >= 10_000) | (c["log_density"] > np.log1p(300))
        self.communes = c.reset_index(drop=True)
        deps = sorted(c["departement_code"].unique())
        self.dep_effect = pd.DataFrame(
            self.rng.normal(0, m.DEPARTEMENT_EFFECT_SD, (len(deps), len(DOMAIN_CODES))),
            index=deps,
            columns=list(DOMAIN_CODES),
        )
        regions = sorted(c["region_code"].unique())
        self.region_logit = pd.Series(self.rng.normal(0, m.REGIONAL_LOGIT_SD, len(regions)), index=regions)

    def drift(self) -> None:
        """Move the territorial effects a little, as between two waves a few years apart."""
        self.dep_effect = self.dep_effect + self.rng.normal(0, m.DEPARTEMENT_DRIFT_SD, self.dep_effect.shape)
        self.region_logit = self.region_logit + self.rng.normal(0, m.REGIONAL_LOGIT_DRIFT_SD, len(self.region_logit))

    def _innovation(self, resp: pd.DataFrame, w: np.ndarray, offsets: np.ndarray, rate: float) -> pd.DataFrame:
        """The 0/1 item "alliances are a source of innovation", calibrated on ``rate``."""
        yes = self.rng.random(len(resp)) < _sigmoid(_intercept(offsets, w, rate) + offsets)
        return pd.DataFrame({"respondent_id": resp["respondent_id"], "alliances_innovation": yes.astype(np.int8)})

    # --- where respondents live -------------------------------------------------------------
    def _draw_places(self, survey: str, size_power: float) -> pd.DataFrame:
        """Communes of the respondents: a minimum per département, then by population."""
        n_total = int(round(m.SAMPLE_SIZES[survey] * self.scale))
        c = self.communes
        mass = c["population"] ** size_power
        dep_mass = mass.groupby(c["departement_code"]).sum()
        per_dep = _allocate(n_total, int(round(m.MIN_PER_DEPARTEMENT[survey] * min(self.scale, 4))), dep_mass)
        picks = []
        for dep, n in per_dep.items():
            idx = np.flatnonzero(c["departement_code"].to_numpy() == dep)
            p = mass.to_numpy()[idx] / mass.to_numpy()[idx].sum()
            picks.append(self.rng.choice(idx, size=n, replace=True, p=p))
        out = c.iloc[np.concatenate(picks)].reset_index(drop=True)
        out["dep_mass"] = out["departement_code"].map(dep_mass / dep_mass.sum())
        return out

    def _weights(self, frame: pd.DataFrame, cell: pd.Series, cell_total: pd.Series) -> np.ndarray:
        """Weights summing to each cell's population total, with raking-like spread."""
        noise = self.rng.lognormal(0, m.WEIGHT_NOISE_SD, len(frame))
        sums = pd.Series(noise).groupby(cell.to_numpy()).transform("sum").to_numpy()
        return noise / sums * cell.map(cell_total).to_numpy()

    # --- fragility scores -------------------------------------------------------------------
    def _latent(self, places: pd.DataFrame) -> np.ndarray:
        """Respondent × domain latent fragility (before the domain means), correlated domains."""
        n, k = len(places), len(DOMAIN_CODES)
        x = self.dep_effect.loc[places["departement_code"]].to_numpy().copy()
        for j, d in enumerate(DOMAIN_CODES):
            x[:, j] += m.DENSITY_EFFECT.get(d, 0.0) * places["z_density"].to_numpy()
            x[:, j] += m.OVERSEAS_EFFECT.get(d, 0.0) * places["departement_code"].str.startswith("97").to_numpy()
            for region, effects in m.REGION_EFFECT.items():
                x[:, j] += effects.get(d, 0.0) * (places["region_code"].to_numpy() == region)
        factor = self.rng.normal(0, m.FACTOR_LOADING, (n, 1))
        return x + factor + self.rng.normal(0, m.NOISE_SD, (n, k))

    @staticmethod
    def _scores(latent: np.ndarray, mu: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(latent + mu), 0, 10).astype(np.int8)

    def _calibrate_means(self, latent: np.ndarray, w: np.ndarray, targets: dict[str, float]) -> np.ndarray:
        mu = np.array([targets[d] for d in DOMAIN_CODES]) - np.average(latent, axis=0, weights=w)
        for _ in range(8):  # rounding and clipping bend the mean: a few fixed-point steps
            mu += np.array([targets[d] for d in DOMAIN_CODES]) - np.average(self._scores(latent, mu), axis=0, weights=w)
        return mu

    def _calibrate_priority(self, latent: np.ndarray, w: np.ndarray, targets: dict[str, float]) -> np.ndarray:
        mu = np.empty(len(DOMAIN_CODES))
        for j, d in enumerate(DOMAIN_CODES):
            col = latent[:, j]
            share = lambda a, col=col: np.average(np.rint(col + a) >= PRIORITY_THRESHOLD, weights=w)  # noqa: E731
            mu[j] = _bisect(share, -10, 20, targets[d])
        return mu

    @staticmethod
    def _long_scores(ids: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "respondent_id": np.repeat(ids, len(DOMAIN_CODES)),
                "domain": np.tile(np.array(DOMAIN_CODES, dtype=object), len(ids)),
                "score": scores.reshape(-1),
            }
        )

    # --- the four surveys -------------------------------------------------------------------
    def citizens(self, wave: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        p = m.parameters("citoyens", wave)
        places = self._draw_places("citoyens", 1.0)
        dep_pop = self.communes.groupby("departement_code")["population"].sum()
        w = self._weights(places, places["departement_code"], dep_pop)
        resp = self._respondents(
            places, "citoyens", wave, w, places["region_code"] + "-" + np.where(places["urban"], "urbain", "rural")
        )
        latent = self._latent(places)
        scores = self._scores(latent, self._calibrate_means(latent, w, p["means"]))
        offsets = places["region_code"].map(self.region_logit).to_numpy()
        offsets = offsets + m.INNOVATION_URBAN_EFFECT * places["z_density"].to_numpy()
        opinions = self._innovation(resp, w, offsets, p["innovation"])
        return resp, self._long_scores(resp["respondent_id"].to_numpy(), scores), opinions

    def companies(self, wave: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        p = m.parameters("entreprises", wave)
        places = self._draw_places("entreprises", 1.1)
        sizes = list(m.COMPANY_SIZES)
        size = self.rng.choice(sizes, size=len(places), p=[m.COMPANY_SIZES[s][1] for s in sizes])
        cell = places["departement_code"] + "|" + size
        totals = {
            f"{dep}|{s}": m.POPULATION_TOTALS["entreprises"] * share * m.COMPANY_SIZES[s][0]
            for dep, share in places.groupby("departement_code")["dep_mass"].first().items()
            for s in sizes
        }
        w = self._weights(places, cell, pd.Series(totals))
        resp = self._respondents(places, "entreprises", wave, w, places["region_code"] + "-" + size, size)
        offsets = np.array([m.COMPANY_SIZE_EFFECT[s] for s in size])
        offsets += places["region_code"].map(self.region_logit).to_numpy()
        offsets += places["region_code"].map(m.COMPANY_REGION_PARTNER).fillna(0).to_numpy()
        partners = self._partners(resp, w, offsets, p["partner"], p["kinds"], p["region_kinds"])
        latent = self._latent(places)
        scores = self._scores(latent, self._calibrate_means(latent, w, p["means"]))
        return resp, self._long_scores(resp["respondent_id"].to_numpy(), scores), partners

    def associations(self, wave: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        p = m.parameters("associations", wave)
        places = self._draw_places("associations", 1.0)
        employer = self.rng.random(len(places)) < m.EMPLOYER_SAMPLE_SHARE
        size = np.where(employer, "employeur", "non_employeur")
        cell = places["departement_code"] + "|" + size
        totals = {}
        for dep, share in places.groupby("departement_code")["dep_mass"].first().items():
            totals[f"{dep}|employeur"] = m.POPULATION_TOTALS["associations"] * share * m.EMPLOYER_SHARE
            totals[f"{dep}|non_employeur"] = m.POPULATION_TOTALS["associations"] * share * (1 - m.EMPLOYER_SHARE)
        w = self._weights(places, cell, pd.Series(totals))
        resp = self._respondents(places, "associations", wave, w, places["region_code"] + "-" + size, size)
        offsets = places["region_code"].map(self.region_logit).to_numpy()
        partner = np.zeros(len(places), dtype=np.int8)
        for cls, rate in p["partner"].items():
            sel = size == cls
            a = _intercept(offsets[sel], w[sel], rate)
            partner[sel] = self.rng.random(sel.sum()) < _sigmoid(a + offsets[sel])
        partners = self._kinds(resp, w, partner, offsets, p["kinds"], {})
        latent = self._latent(places)
        scores = self._scores(latent, self._calibrate_priority(latent, w, p["priority"]))
        return resp, self._long_scores(resp["respondent_id"].to_numpy(), scores), partners

    def mayors(self, wave: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        params = m.parameters("elus", wave)
        c = self.communes
        band = pd.cut(c["population"], [0, 999, 9_999, np.inf], labels=["moins_1000", "1000_9999", "10000_plus"])
        c = c.assign(band=band.astype(str), cell=c["departement_code"] + "-" + band.astype(str))
        n_total = min(int(round(m.SAMPLE_SIZES["elus"] * self.scale)), len(c))
        per_dep = _allocate(n_total, m.MIN_PER_DEPARTEMENT["elus"], c.groupby("departement_code").size())
        chosen = []
        for dep, n in per_dep.items():
            idx = np.flatnonzero(c["departement_code"].to_numpy() == dep)
            # Larger communes are drawn more often (probability ∝ √population), as in most mayor panels.
            p = np.sqrt(c["population"].to_numpy()[idx])
            chosen.append(self.rng.choice(idx, size=min(n, len(idx)), replace=False, p=p / p.sum()))
        places = c.iloc[np.concatenate(chosen)].reset_index(drop=True)
        w = (places["cell"].map(c["cell"].value_counts()) / places["cell"].map(places["cell"].value_counts())).to_numpy(
            float
        )
        resp = self._respondents(places, "elus", wave, w, places["cell"])
        offsets = (
            m.Q4_URBAN_EFFECT * places["z_logpop"].to_numpy() + places["region_code"].map(self.region_logit).to_numpy()
        )
        target = params["q4_oui"] / (1 - m.Q4_DONT_KNOW)
        oui = self.rng.random(len(places)) < _sigmoid(_intercept(offsets, w, target) + offsets)
        u = self.rng.random(len(places))
        q4 = np.where(
            oui,
            np.where(u < m.Q4_TOUT_A_FAIT_AMONG_OUI, "oui_tout_a_fait", "oui_plutot"),
            np.where(u < m.Q4_PLUTOT_PAS_AMONG_NON, "non_plutot_pas", "non_pas_du_tout"),
        )
        q4 = np.where(self.rng.random(len(places)) < m.Q4_DONT_KNOW, "ne_sait_pas", q4)
        roles = {r: self.rng.random(len(places)) < rate for r, rate in params["q8"].items()}
        q8 = [";".join(r for r in roles if roles[r][i]) or "aucun_role" for i in range(len(places))]
        mayors = pd.DataFrame({"respondent_id": resp["respondent_id"], "q4": q4, "q8": q8})
        offsets = (
            m.INNOVATION_URBAN_EFFECT * places["z_logpop"].to_numpy()
            + places["region_code"].map(self.region_logit).to_numpy()
        )
        return resp, mayors, self._innovation(resp, w, offsets, params["innovation"])

    # --- helpers ------------------------------------------------------------------------------
    def _respondents(
        self, places: pd.DataFrame, survey: str, wave: int, w: np.ndarray, stratum: pd.Series, size=None
    ) -> pd.DataFrame:
        n = len(places)
        return pd.DataFrame(
            {
                "respondent_id": [f"{survey[:3].upper()}{wave}-{i:07d}" for i in range(1, n + 1)],
                "wave": wave,
                "survey": survey,
                "commune_code": places["code"].to_numpy(),
                "weight": np.round(w, 6),
                "stratum": np.asarray(stratum),
                "size_class": size if size is not None else None,
            }
        )

    def _partners(self, resp, w, offsets, rate, kind_rates, regional_kind_rates) -> pd.DataFrame:
        partner = (self.rng.random(len(resp)) < _sigmoid(_intercept(offsets, w, rate) + offsets)).astype(np.int8)
        return self._kinds(resp, w, partner, offsets, kind_rates, regional_kind_rates)

    def _kinds(self, resp, w, partner, offsets, kind_rates, regional_kind_rates) -> pd.DataFrame:
        out = pd.DataFrame({"respondent_id": resp["respondent_id"], "partner": partner})
        region = resp["commune_code"].map(self.communes.set_index("code")["region_code"]).to_numpy()
        is_p = partner == 1
        for kind in KIND_CODES:
            p = np.zeros(len(resp))
            special = np.zeros(len(resp), dtype=bool)
            for reg, rates in regional_kind_rates.items():
                if kind in rates:
                    sel = is_p & (region == reg)
                    p[sel] = _sigmoid(_intercept(offsets[sel], w[sel], rates[kind]) + offsets[sel])
                    special |= region == reg
            # the national rate, reached with the special regions at their own rate
            rest = is_p & ~special
            share_special = w[is_p & special].sum() / w[is_p].sum()
            target_rest = (
                (kind_rates[kind] - share_special * np.average(p[is_p & special], weights=w[is_p & special]))
                / (1 - share_special)
                if share_special > 0
                else kind_rates[kind]
            )
            p[rest] = _sigmoid(_intercept(offsets[rest], w[rest], target_rest) + offsets[rest])
            out[kind] = ((self.rng.random(len(resp)) < p) & is_p).astype(np.int8)
        return out


def generate_sample(communes: pd.DataFrame, seed: int = 2015, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """The contract tables of the demonstration sample: every survey and wave in each table.

    Waves are drawn in calendar rank (every survey's first wave, then the second ones...), each
    an independent sample; the territorial effects drift between ranks.
    """
    b = SampleBuilder(communes, seed, scale)
    parts: dict[str, list[pd.DataFrame]] = {
        t: [] for t in ("respondents", "fragility", "partnerships", "mayors", "opinions")
    }
    for rank in range(max(len(w) for w in m.WAVES.values())):
        if rank:
            b.drift()
        for survey, waves in m.WAVES.items():
            if rank >= len(waves):
                continue
            wave = waves[rank]
            if survey == "citoyens":
                resp, frag, opinions = b.citizens(wave)
                parts["fragility"].append(frag)
                parts["opinions"].append(opinions)
            elif survey == "entreprises":
                resp, frag, partners = b.companies(wave)
                parts["fragility"].append(frag)
                parts["partnerships"].append(partners)
            elif survey == "associations":
                resp, frag, partners = b.associations(wave)
                parts["fragility"].append(frag)
                parts["partnerships"].append(partners)
            else:
                resp, mayors, opinions = b.mayors(wave)
                parts["mayors"].append(mayors)
                parts["opinions"].append(opinions)
            parts["respondents"].append(resp)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def write_sample(
    tables: dict[str, pd.DataFrame], out: Path, fmt: str = "parquet", seed: int | None = None
) -> list[Path]:
    """Write the tables in the contract's file layout, with the ``dataset.json`` sidecar."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        paths.append(path)
    (out / "dataset.json").write_text(
        json.dumps({**SIDECAR, "seed": seed}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return paths
