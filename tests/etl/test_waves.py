"""Several waves of a user's survey through the same contract: one folder per wave, or several
waves in one folder; the opinions table (alliances_innovation); a second wave's change is then
available to the statistics layer."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.contract import ContractError
from etl.load import load_dataset
from observatory.data.db import Database
from observatory.stats import Query, StatsEngine
from observatory.stats.change import change
from tests.conftest import random_survey, write_dataset


def _wave(seed: int, wave: int, prefix: str) -> dict[str, pd.DataFrame]:
    """The random survey's citizens as one wave, with the innovation item."""
    t = random_survey(seed)
    resp = t["respondents"][t["respondents"].survey == "citoyens"].copy()
    resp["wave"] = wave
    resp["respondent_id"] = prefix + resp["respondent_id"]
    rng = np.random.default_rng(seed)
    frag = t["fragility"][t["fragility"].respondent_id.isin(resp.respondent_id.str[len(prefix) :])].copy()
    frag["respondent_id"] = prefix + frag["respondent_id"]
    opinions = pd.DataFrame(
        {"respondent_id": resp["respondent_id"], "alliances_innovation": (rng.random(len(resp)) < 0.7).astype(int)}
    )
    return {"respondents": resp, "fragility": frag, "opinions": opinions}


def _waves(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT survey, wave, respondents FROM datasets ORDER BY ALL").fetchall()


def test_one_folder_per_wave(mini_db, tmp_path):
    first = write_dataset(_wave(1, 2015, "A"), tmp_path / "enquete_2015")
    second = write_dataset(_wave(2, 2019, "B"), tmp_path / "enquete_2019")
    load_dataset(first, mini_db)
    load_dataset(second, mini_db)
    waves = _waves(mini_db)
    assert [(s, w) for s, w, _n in waves] == [("citoyens", 2015), ("citoyens", 2019)]
    engine = StatsEngine(Database(mini_db))
    t = change(engine, Query("innovation", 2015, "citoyens", "france"), 2019, min_n=30)
    assert t.iloc[0]["reliability"] != "suppressed" and np.isfinite(t.iloc[0]["difference"])
    # loading the 2019 folder again is refused without --replace, and leaves both waves
    with pytest.raises(ContractError, match="wave 2019 of survey 'citoyens' is already loaded"):
        load_dataset(second, mini_db)
    assert _waves(mini_db) == waves


def test_several_waves_in_one_folder(mini_db, tmp_path):
    a, b = _wave(3, 2015, "A"), _wave(4, 2019, "B")
    both = {name: pd.concat([a[name], b[name]], ignore_index=True) for name in a}
    load_dataset(write_dataset(both, tmp_path / "enquete"), mini_db)
    assert [(s, w) for s, w, _n in _waves(mini_db)] == [("citoyens", 2015), ("citoyens", 2019)]
    with duckdb.connect(str(mini_db), read_only=True) as con:
        counts = con.execute("SELECT wave, count(*) FROM opinions GROUP BY 1 ORDER BY 1").fetchall()
    assert counts == [(2015, len(a["opinions"])), (2019, len(b["opinions"]))]


@pytest.mark.parametrize(
    "defect,column,message",
    [
        ({"alliances_innovation": 2}, "alliances_innovation", "must be 0 or 1"),
        ({"alliances_innovation": "oui"}, "alliances_innovation", "must be 0 or 1"),
        ({"respondent_id": "ZZZ"}, "respondent_id", "not in respondents"),
    ],
)
def test_bad_opinions_are_refused_with_file_row_and_column(mini_db, tmp_path, defect, column, message):
    tables = _wave(5, 2015, "A")
    opinions = tables["opinions"].reset_index(drop=True).astype(object)
    for col, value in defect.items():
        opinions.loc[3, col] = value
    tables["opinions"] = opinions
    before = _waves(mini_db)
    with pytest.raises(ContractError) as err:
        load_dataset(write_dataset(tables, tmp_path / "bad"), mini_db)
    problem = next(p for p in err.value.problems if p.column == column)
    assert problem.file == "opinions.csv" and 5 in problem.rows and message in problem.message
    assert _waves(mini_db) == before


def test_opinions_of_companies_are_refused(mini_db, tmp_path):
    t = random_survey(6)
    companies = t["respondents"][t["respondents"].survey == "entreprises"]
    opinions = pd.DataFrame({"respondent_id": companies["respondent_id"], "alliances_innovation": 1})
    with pytest.raises(ContractError, match="only for the citoyens and elus surveys"):
        load_dataset(write_dataset({**t, "opinions": opinions}, tmp_path / "bad"), mini_db)
