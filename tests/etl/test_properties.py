"""Property-based tests of the ETL validation (hypothesis).

A dataset with a random defect of any kind is refused with a problem naming the file, row and
column, and the database is identical afterwards (same tables, same checksums, no temporary file).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.contract import ContractError
from etl.load import load_dataset
from tests.conftest import random_survey, write_dataset
from tests.etl.test_contract import digest

pytestmark = pytest.mark.slow  # 112 generated datasets, each loaded

TRIED: Counter = Counter()  # how many generated datasets of each kind were tried (for the note)


def _row(draw, frame: pd.DataFrame) -> int:
    return draw(st.integers(0, len(frame) - 1))


# Each defect breaks the tables (or the written files) and returns (file, column, row) expected in
# the error; row is the 1-based data row (the header is row 1, so data row i is i + 2), or None
# when the problem concerns the whole file.
def missing_column(draw, t, folder):
    table = draw(st.sampled_from(["respondents", "fragility"]))
    required = {
        "respondents": ["respondent_id", "commune_code", "weight", "survey", "wave"],
        "fragility": ["domain", "score"],
    }
    col = draw(st.sampled_from(required[table]))
    t[table] = t[table].drop(columns=[col])
    return f"{table}.csv", col, None


def unknown_commune(draw, t, folder):
    r = _row(draw, t["respondents"])
    t["respondents"].loc[r, "commune_code"] = draw(st.sampled_from(["00000", "99999", "96001", "20001"]))
    return "respondents.csv", "commune_code", r + 2


def letter_in_code(draw, t, folder):
    r = _row(draw, t["respondents"])
    code = str(t["respondents"].loc[r, "commune_code"])
    pos = draw(st.sampled_from([0, 2, 3, 4]))  # 2A/2B (Corsica) is the only letter allowed, at [1]
    letter = draw(st.sampled_from("ABXZé"))
    t["respondents"].loc[r, "commune_code"] = code[:pos] + letter + code[pos + 1 :]
    return "respondents.csv", "commune_code", r + 2


def bad_weight(draw, t, folder):
    r = _row(draw, t["respondents"])
    t["respondents"]["weight"] = t["respondents"]["weight"].astype(object)
    t["respondents"].loc[r, "weight"] = draw(st.sampled_from(["-1", "0", "abc", "1e12", "inf", "nan", ""]))
    return "respondents.csv", "weight", r + 2


def score_out_of_range(draw, t, folder):
    r = _row(draw, t["fragility"])
    t["fragility"]["score"] = t["fragility"]["score"].astype(object)
    t["fragility"].loc[r, "score"] = draw(st.sampled_from(["11", "-1", "4.5", "dix", "100"]))
    return "fragility.csv", "score", r + 2


def duplicate_id(draw, t, folder):
    resp = t["respondents"]
    a, b = sorted(draw(st.lists(st.integers(0, len(resp) - 1), min_size=2, max_size=2, unique=True)))
    resp.loc[b, "respondent_id"] = resp.loc[a, "respondent_id"]
    return "respondents.csv", "respondent_id", None


def unknown_respondent(draw, t, folder):
    r = _row(draw, t["fragility"])
    t["fragility"].loc[r, "respondent_id"] = "NOBODY-" + str(draw(st.integers(0, 999)))
    return "fragility.csv", "respondent_id", r + 2


def unknown_domain(draw, t, folder):
    r = _row(draw, t["fragility"])
    t["fragility"].loc[r, "domain"] = draw(st.sampled_from(["chomage", "EMPLOI", "'; DROP TABLE x;--", ""]))
    return "fragility.csv", "domain", r + 2


def bad_survey(draw, t, folder):
    r = _row(draw, t["respondents"])
    t["respondents"].loc[r, "survey"] = draw(st.sampled_from(["citoyen", "mairie", "ELUS"]))
    return "respondents.csv", "survey", r + 2


def header_only(draw, t, folder):
    table = draw(st.sampled_from(["respondents", "fragility", "partnerships"]))
    t[table] = t[table].iloc[0:0]
    return f"{table}.csv", None, None


# The defects below damage the written files themselves.
def truncated_file(draw, t, folder):
    path = folder / "respondents.csv"
    text = path.read_bytes()
    cut = draw(st.integers(len(text) // 3, len(text) - 20))
    while text[cut - 1 : cut] in (b"\n", b","):  # cut inside a value, not at a boundary
        cut -= 1
    path.write_bytes(text[:cut])
    return "respondents.csv", None, None


def wrong_encoding(draw, t, folder):
    path = folder / "respondents.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode(draw(st.sampled_from(["utf-16", "utf-32"]))))
    return "respondents.csv", None, None


def empty_file(draw, t, folder):
    name = draw(st.sampled_from(["respondents.csv", "fragility.csv", "mayors.csv"]))
    (folder / name).write_bytes(b"")
    return name, None, None


def duplicated_column(draw, t, folder):
    path = folder / "respondents.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    col = draw(st.sampled_from(lines[0].split(",")))
    lines = [lines[0] + "," + col] + [line + "," + line.split(",")[0] for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "respondents.csv", col, None


TABLE_DEFECTS = [missing_column, unknown_commune, letter_in_code, bad_weight, score_out_of_range, duplicate_id,
                 unknown_respondent, unknown_domain, bad_survey, header_only]  # fmt: skip
FILE_DEFECTS = [truncated_file, wrong_encoding, empty_file, duplicated_column]


@pytest.fixture(scope="module")
def loaded_template(mini_db_template, tmp_path_factory) -> Path:
    """The mini database with one valid wave already loaded (so that a replacement can be tried)."""
    path = tmp_path_factory.mktemp("loaded") / "observatory.duckdb"
    shutil.copy(mini_db_template, path)
    load_dataset(write_dataset(random_survey(seed=11, n=200), path.parent / "first"), path)
    return path


@pytest.mark.parametrize("defect", TABLE_DEFECTS + FILE_DEFECTS, ids=lambda d: d.__name__)
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_any_defect_is_refused_and_leaves_the_database_identical(loaded_template, tmp_path_factory, defect, data):
    """For each kind of defect, hypothesis draws the dataset, the row and the bad value."""
    draw = data.draw
    TRIED[defect.__name__] += 1
    work = tmp_path_factory.mktemp("case")
    db = work / "observatory.duckdb"
    shutil.copy(loaded_template, db)
    tables = random_survey(seed=draw(st.integers(0, 10_000)), n=draw(st.integers(60, 160)))
    folder = work / "dataset"
    if defect in TABLE_DEFECTS:
        expected = defect(draw, tables, folder)
        write_dataset(tables, folder)
    else:
        write_dataset(tables, folder)
        expected = defect(draw, tables, folder)
    before = digest(db)
    with pytest.raises(ContractError) as info:
        load_dataset(folder, db, replace=True)
    assert digest(db) == before
    leftovers = [p.name for p in db.parent.iterdir() if p.name not in ("observatory.duckdb", "dataset")]
    assert leftovers in ([], ["observatory.duckdb.lock"]), leftovers
    file, column, row = expected
    problems = info.value.problems
    hits = [p for p in problems if p.file == file and (column is None or p.column == column)]
    assert hits, f"{defect.__name__}: expected a problem on {file}:{column}, got {[str(p) for p in problems]}"
    if row is not None:
        assert any(row in p.rows for p in hits), (defect.__name__, row, [str(p) for p in hits])
    assert all(str(p) for p in problems)


def test_a_wave_already_loaded_is_refused_without_replace(loaded_template, tmp_path):
    db = tmp_path / "observatory.duckdb"
    shutil.copy(loaded_template, db)
    before = digest(db)
    with pytest.raises(ContractError) as info:
        load_dataset(write_dataset(random_survey(seed=11, n=200), tmp_path / "again"), db)
    assert "--replace" in str(info.value)
    assert digest(db) == before


def test_every_kind_of_defect_was_generated():
    """Runs after the property test (same module, file order): each kind was tried."""
    kinds = {d.__name__ for d in TABLE_DEFECTS + FILE_DEFECTS}
    assert set(TRIED) == kinds, kinds - set(TRIED)
    print(f"generated bad datasets: {sum(TRIED.values())} ({dict(TRIED)})")
