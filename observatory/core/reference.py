"""Reference vocabularies shared by the ETL and the app: surveys, domains, partnership kinds, answers.

These are the allow-lists every identifier is checked against (columns, levels, domains, kinds),
so that nothing a user types ever reaches SQL as an identifier.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One coded item of a vocabulary, labelled in French and English."""

    code: str
    fr: str
    en: str


@dataclass(frozen=True)
class Domain:
    """One of the 16 fragility domains.

    ``attested`` is True when the label appears in PHARE publications
    (../shared/reference/phare_published_figures.md); False when it is the project's own.
    """

    code: str
    fr: str
    en: str
    espace: str
    attested: bool


LEVELS: tuple[Item, ...] = (
    Item("region", "Région", "Region"),
    Item("departement", "Département", "Département"),
    Item("epci", "Intercommunalité (EPCI)", "Intercommunality (EPCI)"),
    Item("canton", "Canton (ou ville)", "Canton (or city)"),
    Item("commune", "Commune", "Municipality"),
)
FRANCE_LEVEL = "france"
FRANCE_CODE = "FR"

SURVEYS: tuple[Item, ...] = (
    Item("citoyens", "Citoyens", "Citizens"),
    Item("entreprises", "Entreprises", "Companies"),
    Item("associations", "Associations", "Associations"),
    Item("elus", "Maires et élus", "Mayors"),
)

# PHARE-Entreprises grouped the fragilities in three "espaces".
ESPACES: tuple[Item, ...] = (
    Item("vital", "Le vital du citoyen", "Citizens' vital needs"),
    Item("dynamique", "La dynamique du territoire et ses leviers", "The territory's dynamics"),
    Item("socle", "Le socle sociétal", "The societal foundation"),
)

DOMAINS: tuple[Domain, ...] = (
    Domain("emploi", "Emploi, chômage et insertion", "Employment and inclusion", "vital", True),
    Domain(
        "pouvoir_achat",
        "Niveau de vie et pouvoir d'achat",
        "Living standards and purchasing power",
        "vital",
        True,
    ),
    Domain("logement", "Logement", "Housing", "vital", False),
    Domain("sante", "Santé et accès aux soins", "Health and access to care", "vital", True),
    Domain("securite", "Sécurité et délinquance", "Safety and crime", "vital", True),
    Domain("mobilite", "Mobilité et transports", "Mobility and transport", "dynamique", False),
    Domain(
        "developpement_economique",
        "Développement économique du territoire",
        "Economic development",
        "dynamique",
        True,
    ),
    Domain("education", "Éducation et formation", "Education and training", "dynamique", True),
    Domain(
        "environnement",
        "Environnement et transition écologique",
        "Environment and ecological transition",
        "dynamique",
        True,
    ),
    Domain("numerique", "Accès au numérique", "Digital access", "dynamique", False),
    Domain("culture_sport", "Culture, sport et loisirs", "Culture, sport and leisure", "socle", False),
    Domain(
        "pauvrete_exclusion",
        "Pauvreté, précarité et exclusion",
        "Poverty and exclusion",
        "socle",
        True,
    ),
    Domain("vieillissement", "Vieillissement et dépendance", "Ageing and dependency", "socle", True),
    Domain("handicap", "Handicap", "Disability", "socle", True),
    Domain("lien_social", "Lien social et isolement", "Social ties and isolation", "socle", True),
    Domain("jeunesse", "Jeunesse", "Youth", "socle", False),
)
COMPOSITE = Item("composite", "Indice composite (moyenne des 16 domaines)", "Composite index (mean of the 16 domains)")

PARTNERSHIP_KINDS: tuple[Item, ...] = (
    Item("mecenat", "Mécénat", "Corporate philanthropy"),
    Item("pratiques_responsables", "Pratiques responsables", "Responsible practices"),
    Item("cooperation_economique", "Coopération économique", "Economic cooperation"),
    Item("innovation_societale", "Innovation sociétale", "Societal innovation"),
)
PARTNER = Item("partner", "Au moins un partenariat", "At least one partnership")

SIZE_CLASSES: dict[str, tuple[Item, ...]] = {
    "entreprises": (
        Item("tpe", "TPE (moins de 10 salariés)", "Micro (under 10 employees)"),
        Item("pme", "PME (10 à 249 salariés)", "SME (10–249 employees)"),
        Item("eti", "ETI (250 à 4 999 salariés)", "Mid-cap (250–4,999 employees)"),
        Item("ge", "Grande entreprise (5 000 salariés et plus)", "Large company (5,000+ employees)"),
    ),
    "associations": (
        Item("employeur", "Association employeuse", "Employer association"),
        Item("non_employeur", "Association sans salarié", "Non-employer association"),
    ),
}

Q4_ANSWERS: tuple[Item, ...] = (
    Item("oui_tout_a_fait", "Oui, tout à fait", "Yes, definitely"),
    Item("oui_plutot", "Oui, plutôt", "Yes, rather"),
    Item("non_plutot_pas", "Non, plutôt pas", "Rather not"),
    Item("non_pas_du_tout", "Non, pas du tout", "Not at all"),
    Item("ne_sait_pas", "Ne sait pas", "Don't know"),
)
Q4_OUI = Item("q4_oui", "Oui (tout à fait + plutôt)", "Yes (definitely + rather)")
Q4_WORDING = (
    "« Votre territoire est-il porteur d'une dynamique de co-construction entre les différents "
    "acteurs (associations, entreprises et collectivités territoriales) ? »"
)

Q8_ROLES: tuple[Item, ...] = (
    Item("faciliter_mise_en_relation", "Faciliter la mise en relation", "Bring actors together"),
    Item("financer_ingenierie", "Financer l'ingénierie", "Fund the engineering"),
    Item("porter_politiquement", "Porter politiquement", "Give political backing"),
    Item("mettre_a_disposition_moyens", "Mettre des moyens à disposition", "Provide resources"),
    Item("commande_publique", "Par la commande publique", "Through public procurement"),
    Item("aucun_role", "Aucun rôle", "No role"),
)
Q8_WORDING = "« Selon vous, quel est / serait le rôle des collectivités pour développer des alliances en territoire ? »"

# "Alliances are a source of innovation": asked to citizens (PHARE 2015, IMPACT 2019) and to
# mayors (PHARE 2016, IMPACT 2020), 0/1.
INNOVATION = Item(
    "alliances_innovation",
    "Les alliances (partenariats) sont source d'innovation",
    "Alliances (partnerships) are a source of innovation",
)
INNOVATION_SURVEYS: tuple[str, ...] = ("citoyens", "elus")

# Bands of commune population (inhabitants) for breakdowns of the mayors' answers.
SIZE_BAND_LEVEL = "taille_commune"
SIZE_BANDS: tuple[tuple[Item, int, int], ...] = (
    (Item("moins_1000", "Moins de 1 000 habitants", "Under 1,000 inhabitants"), 0, 999),
    (Item("1000_9999", "1 000 à 9 999 habitants", "1,000 to 9,999 inhabitants"), 1_000, 9_999),
    (Item("10000_plus", "10 000 habitants et plus", "10,000 inhabitants and more"), 10_000, 10**9),
)

# A score at or above this threshold (out of 10) counts as a "priority fragility".
PRIORITY_THRESHOLD = 7

DOMAIN_CODES: tuple[str, ...] = tuple(d.code for d in DOMAINS)
SURVEY_CODES: tuple[str, ...] = tuple(s.code for s in SURVEYS)
LEVEL_CODES: tuple[str, ...] = tuple(level.code for level in LEVELS)
KIND_CODES: tuple[str, ...] = tuple(k.code for k in PARTNERSHIP_KINDS)
Q4_CODES: tuple[str, ...] = tuple(a.code for a in Q4_ANSWERS)
Q8_CODES: tuple[str, ...] = tuple(r.code for r in Q8_ROLES)
ESPACE_CODES: tuple[str, ...] = tuple(e.code for e in ESPACES)
PARTNERSHIP_SURVEYS: tuple[str, ...] = ("entreprises", "associations")

# The surveys that ask each indicator's questions (the indicators of observatory/stats/measures.py).
SURVEYS_OF: dict[str, tuple[str, ...]] = {
    "fragility": ("citoyens", "entreprises", "associations", "elus"),
    "partnerships": PARTNERSHIP_SURVEYS,
    "mayors": ("elus",),
    "innovation": INNOVATION_SURVEYS,
}
# The column holding each level's code, in ``respondents`` and ``territories``.
LEVEL_COLUMNS: dict[str, str] = {
    "region": "region_code",
    "departement": "departement_code",
    "epci": "epci_code",
    "canton": "canton_code",
    "commune": "commune_code",
}
# The parent a territory is compared with ("vs the rest of the parent"); an EPCI's is the
# département of most of its communes (``territories.departement_code``).
# A canton (INSEE's "canton-ou-ville", etl/cantons.py) lies inside one département.
PARENT_LEVEL: dict[str, str] = {
    "commune": "departement", "canton": "departement", "epci": "departement", "departement": "region",
}  # fmt: skip
# The one level the small-area model estimates (the model is fitted over the EPCIs; a commune's
# profile shows its EPCI's, départements and régions have direct estimates enough).
MODEL_LEVEL = "epci"
# Cells with fewer respondents are suppressed: the default of OBSERVATORY_MIN_N (core/config.py)
# and of every statistics function's ``min_n``.
DEFAULT_MIN_N = 30


def domains_of_espace(espace: str) -> tuple[str, ...]:
    """The domain codes grouped in one espace."""
    return tuple(d.code for d in DOMAINS if d.espace == espace)


def territory_key(level: str, code: str) -> str:
    """The profile URL key of a territory.

    Régions and cantons are prefixed: their codes collide with départements' and communes' ("11" is
    Île-de-France and Aude; a city's canton-ou-ville bears the city's code).
    """
    return f"{KEY_PREFIXES[level]}{code}" if level in KEY_PREFIXES else code


# The prefix of the profile URL key of the levels whose codes collide with another level's.
KEY_PREFIXES: dict[str, str] = {"region": "reg-", "canton": "can-"}


def label(code: str, lang: str = "fr") -> str:
    """The label of any coded item in French or English; the code itself when unknown."""
    for item in _ALL_ITEMS:
        if item.code == code:
            return item.fr if lang == "fr" else item.en
    return code


_ALL_ITEMS: tuple[Item | Domain, ...] = (
    *LEVELS,
    *SURVEYS,
    *ESPACES,
    *DOMAINS,
    COMPOSITE,
    *PARTNERSHIP_KINDS,
    PARTNER,
    *SIZE_CLASSES["entreprises"],
    *SIZE_CLASSES["associations"],
    *Q4_ANSWERS,
    Q4_OUI,
    *Q8_ROLES,
    INNOVATION,
    *(band for band, _lo, _hi in SIZE_BANDS),
    Item(FRANCE_LEVEL, "France", "France"),
)


# The deepest zoom of each level's vector tiles (observatory/data/tiles.py; the map's maxzoom).
MAX_ZOOM: dict[str, int] = {"region": 6, "departement": 7, "epci": 8, "canton": 8, "commune": 8}

# The database schema's version, written by the ETL in ``meta`` (etl/build.py); the app reads
# databases of this version only (observatory/web/health.py).
SCHEMA_VERSION = "2"  # 2: the cantons (territories and respondents carry canton_code)
