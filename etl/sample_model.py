"""Parameters of the synthetic demonstration sample.

Targets marked "published" come from data/reference/published_figures.csv (PHARE 2015-2016);
every other value is the project's own plausible assumption, used only to make the
demonstration data look like a real survey. None of them is a PHARE result.
"""

from __future__ import annotations

# Respondents per survey at scale 1. The real PHARE samples were smaller (citizens: a little over
# 2,000; mayors: 304): ours are larger so that most départements reach 30 respondents.
SAMPLE_SIZES: dict[str, int] = {"citoyens": 20_000, "entreprises": 12_000, "associations": 10_000, "elus": 4_000}
# Minimum respondents allocated to each département before the proportional share.
MIN_PER_DEPARTEMENT: dict[str, int] = {"citoyens": 45, "entreprises": 40, "associations": 35, "elus": 30}
# The PHARE / IMPACT calendar: PHARE 2015-2016, then IMPACT (citizens 2019, elected officials
# 2020 and 2024, associations 2021). Companies 2020 is the project's assumption (no IMPACT wave
# of companies was found). The first wave of each survey is the base; later ones drift (DRIFT).
WAVES: dict[str, tuple[int, ...]] = {
    "citoyens": (2015, 2019),
    "entreprises": (2015, 2020),
    "associations": (2015, 2021),
    "elus": (2016, 2020, 2024),
}

# Population the weights add up to (unit: people, companies, associations, communes).
# Companies with 10+ employees: 89,000 partnering companies are 37 % (published) → ~240,500.
# Associations: ~267,000 partnering associations are 38 % (published) → ~703,000.
POPULATION_TOTALS: dict[str, float] = {"entreprises": 240_500.0, "associations": 703_000.0}

# Companies of 10+ employees by size class: population shares (approximate INSEE orders of
# magnitude) and the share of the sample allocated to each class (large ones oversampled).
COMPANY_SIZES: dict[str, tuple[float, float]] = {"pme": (0.970, 0.75), "eti": (0.028, 0.18), "ge": (0.002, 0.07)}
# Employer associations: 53 % and 35 % partner rates (published) give 38 % overall
# (published) only if 1/6 of associations employ staff.
EMPLOYER_SHARE = 1 / 6
EMPLOYER_SAMPLE_SHARE = 0.30

# Mean fragility scores (0-10) of the citizens; emploi 7.1 and securite 6.6 are published.
CITIZEN_MEANS: dict[str, float] = {
    "emploi": 7.1, "pouvoir_achat": 6.8, "logement": 5.7, "sante": 6.2, "securite": 6.6,
    "mobilite": 5.5, "developpement_economique": 6.0, "education": 5.2, "environnement": 5.5,
    "numerique": 4.6, "culture_sport": 4.4, "pauvrete_exclusion": 6.5, "vieillissement": 6.3,
    "handicap": 5.0, "lien_social": 5.8, "jeunesse": 5.3,
}  # fmt: skip
# Companies: mean scores (project's assumption; PHARE: emploi is their first priority).
COMPANY_MEANS: dict[str, float] = {
    "emploi": 7.0, "pouvoir_achat": 5.6, "logement": 5.0, "sante": 5.4, "securite": 5.2,
    "mobilite": 6.2, "developpement_economique": 6.6, "education": 6.0, "environnement": 5.8,
    "numerique": 5.5, "culture_sport": 4.2, "pauvrete_exclusion": 5.6, "vieillissement": 5.5,
    "handicap": 4.8, "lien_social": 5.0, "jeunesse": 5.4,
}  # fmt: skip
# Associations: share judging each domain a priority (score >= 7); the first three are
# published ("top fragilities cited": emploi 60 %, vieillissement 60 %, lien social 51 %).
ASSOCIATION_PRIORITY: dict[str, float] = {
    "emploi": 0.60, "vieillissement": 0.60, "lien_social": 0.51, "pauvrete_exclusion": 0.48,
    "pouvoir_achat": 0.42, "sante": 0.45, "jeunesse": 0.40, "handicap": 0.38, "logement": 0.36,
    "mobilite": 0.37, "education": 0.33, "developpement_economique": 0.35, "environnement": 0.32,
    "securite": 0.30, "numerique": 0.27, "culture_sport": 0.25,
}  # fmt: skip

# How much more fragile a domain looks per standard deviation of log population density
# (positive: more fragile in dense urban areas; negative: in rural areas).
DENSITY_EFFECT: dict[str, float] = {
    "logement": 0.6, "securite": 0.6, "pauvrete_exclusion": 0.25, "environnement": 0.2,
    "jeunesse": 0.1, "mobilite": -0.7, "sante": -0.5, "numerique": -0.5, "vieillissement": -0.5,
    "culture_sport": -0.4, "developpement_economique": -0.3, "lien_social": -0.2,
}  # fmt: skip
# Overseas départements: higher unemployment, poverty and cost of living.
OVERSEAS_EFFECT: dict[str, float] = {
    "emploi": 1.5, "pauvrete_exclusion": 1.4, "pouvoir_achat": 1.0, "sante": 0.8, "securite": 0.5,
    "jeunesse": 0.6,
}  # fmt: skip
# Regional effects (région INSEE code → domain → score points).
REGION_EFFECT: dict[str, dict[str, float]] = {
    "32": {"emploi": 0.6, "pauvrete_exclusion": 0.5, "sante": 0.3},  # Hauts-de-France
    "76": {"emploi": 0.3, "pauvrete_exclusion": 0.3},  # Occitanie
    "93": {"securite": 0.5, "logement": 0.4},  # Provence-Alpes-Côte d'Azur
    "11": {"logement": 1.0, "securite": 0.3, "mobilite": -0.4, "environnement": 0.3},  # Île-de-France
    "24": {"sante": 0.4, "vieillissement": 0.3},  # Centre-Val de Loire
    "94": {"mobilite": 0.5, "pouvoir_achat": 0.6},  # Corse
}
DEPARTEMENT_EFFECT_SD = 0.35  # score points: unexplained département differences
FACTOR_LOADING = 1.0  # common "pessimism" factor shared by all domains of a respondent
NOISE_SD = 1.7  # respondent-specific noise per domain

# Partnerships: published national rates; regional effects on the logit scale.
COMPANY_PARTNER_RATE = 0.37
COMPANY_SIZE_EFFECT: dict[str, float] = {"pme": 0.0, "eti": 0.8, "ge": 1.4}
COMPANY_REGION_PARTNER: dict[str, float] = {"75": 0.45}  # Nouvelle-Aquitaine: "près de la moitié"
COMPANY_KIND_RATES: dict[str, float] = {
    "pratiques_responsables": 0.45, "mecenat": 0.30, "cooperation_economique": 0.25, "innovation_societale": 0.16,
}  # fmt: skip
# Bourgogne-Franche-Comté (27): published 44 % and 34 % for these two kinds.
COMPANY_REGION_KIND_RATES: dict[str, dict[str, float]] = {
    "27": {"cooperation_economique": 0.44, "innovation_societale": 0.34}
}
ASSOCIATION_PARTNER_RATES: dict[str, float] = {"employeur": 0.53, "non_employeur": 0.35}
ASSOCIATION_KIND_RATES: dict[str, float] = {
    "mecenat": 0.67, "pratiques_responsables": 0.29, "cooperation_economique": 0.26, "innovation_societale": 0.25,
}  # fmt: skip
REGIONAL_LOGIT_SD = 0.15  # unexplained regional differences in partnership rates

# Mayors: Q4 "oui" 76 % is published; the split between answers and the Q8 role rates are not
# (the project's assumptions). Co-construction is reported more in urban territories (published,
# qualitatively).
Q4_OUI_RATE = 0.76
Q4_DONT_KNOW = 0.05
Q4_TOUT_A_FAIT_AMONG_OUI = 0.30
Q4_PLUTOT_PAS_AMONG_NON = 0.75
Q4_URBAN_EFFECT = 0.35  # logit points per SD of log commune population
Q8_ROLE_RATES: dict[str, float] = {
    "faciliter_mise_en_relation": 0.58, "porter_politiquement": 0.42,
    "mettre_a_disposition_moyens": 0.37, "financer_ingenierie": 0.26, "commande_publique": 0.17,
}  # fmt: skip
WEIGHT_NOISE_SD = 0.25  # log-normal spread of weights within a stratum, as after raking

# "Alliances (partnerships) are a source of innovation": citizens 69 % in 2015 and 74 % in 2019,
# mayors 87 % in 2016 and 92 % in 2020 (all published). Mayors 2024: the project's assumption.
INNOVATION_RATE: dict[str, float] = {"citoyens": 0.69, "elus": 0.87}
INNOVATION_URBAN_EFFECT = 0.15  # logit points per SD of log density: a little more in towns (assumed)

# How the territorial effects move between two waves (they persist, with this much drift).
DEPARTEMENT_DRIFT_SD = 0.12  # score points
REGIONAL_LOGIT_DRIFT_SD = 0.06  # logit points

# What changes at each later wave. "means" and "priority" add to the base values (score points,
# shares); the other entries replace them. Only the innovation rates of citizens 2019 and mayors
# 2020 are published; every other change is the project's plausible assumption (e.g. purchasing
# power and environment more worrying in 2019, health after 2020), not a result.
DRIFT: dict[tuple[str, int], dict] = {
    ("citoyens", 2019): {
        "means": {"emploi": -0.4, "pouvoir_achat": 0.5, "environnement": 0.7, "sante": 0.3, "numerique": 0.3,
                  "securite": -0.1, "mobilite": 0.2},
        "innovation": 0.74,
    },
    ("entreprises", 2020): {
        "means": {"emploi": 0.3, "sante": 0.8, "developpement_economique": 0.4, "numerique": 0.4, "lien_social": 0.3},
        "partner": 0.41,
        "kinds": {"pratiques_responsables": 0.47, "mecenat": 0.30, "cooperation_economique": 0.28,
                  "innovation_societale": 0.20},
    },
    ("associations", 2021): {
        "priority": {"lien_social": 0.08, "sante": 0.07, "emploi": -0.04, "pauvrete_exclusion": 0.05,
                     "jeunesse": 0.04},
        "partner": {"employeur": 0.56, "non_employeur": 0.36},
        "kinds": {"mecenat": 0.64, "pratiques_responsables": 0.31, "cooperation_economique": 0.28,
                  "innovation_societale": 0.29},
    },
    ("elus", 2020): {"q4_oui": 0.79, "innovation": 0.92},
    ("elus", 2024): {"q4_oui": 0.81, "innovation": 0.93},
}  # fmt: skip


def parameters(survey: str, wave: int) -> dict:
    """The targets of one survey's wave: the base values with the wave's drift applied."""
    base: dict = {
        "citoyens": {"means": CITIZEN_MEANS, "innovation": INNOVATION_RATE["citoyens"]},
        "entreprises": {
            "means": COMPANY_MEANS, "partner": COMPANY_PARTNER_RATE, "kinds": COMPANY_KIND_RATES,
            "region_kinds": COMPANY_REGION_KIND_RATES,
        },
        "associations": {
            "priority": ASSOCIATION_PRIORITY, "partner": ASSOCIATION_PARTNER_RATES, "kinds": ASSOCIATION_KIND_RATES,
        },
        "elus": {"q4_oui": Q4_OUI_RATE, "innovation": INNOVATION_RATE["elus"], "q8": Q8_ROLE_RATES},
    }[survey]  # fmt: skip
    out = dict(base)
    for key, change in DRIFT.get((survey, wave), {}).items():
        if key in ("means", "priority"):
            out[key] = {d: v + change.get(d, 0.0) for d, v in base[key].items()}
        else:
            out[key] = change
    return out
