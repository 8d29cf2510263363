"""The export command: every indicator and level on the demo database, dialects, formats,
suppression, errors; and on a dataset loaded without strata."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The export's columns, written out as the README documents them (a rename in the code is caught).
DOCUMENTED_COLUMNS = [
    "indicator", "wave", "survey", "level", "size_class", "min_n", "territory_code", "territory_name",
    "measure", "statistic", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "reliability",
    "significance", "p_value", "synthetic",
]  # fmt: skip


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "observatory", "export", *args, "--db", str(db)], cwd=ROOT, capture_output=True
    )


@pytest.mark.parametrize(
    "indicator,extra", [("fragility", ["--domain", "emploi"]), ("partnerships", []), ("mayors", [])]
)
@pytest.mark.parametrize("level", ["france", "region", "departement", "epci", "commune"])
def test_every_indicator_and_level(demo_db, indicator, extra, level):
    proc = run(demo_db, indicator, "--level", level, *extra)
    assert proc.returncode == 0, proc.stderr.decode()
    t = pd.read_csv(io.BytesIO(proc.stdout), dtype={"territory_code": str})
    assert list(t.columns) == DOCUMENTED_COLUMNS
    assert t.synthetic.all()  # the demonstration data say so in every file, not only in the ZIP
    expected = {"france": 1, "region": 18, "departement": 101}.get(level)
    if expected:
        assert t.territory_code.nunique() == expected
    supp = t[t.reliability == "suppressed"]
    assert supp[["estimate", "se", "ci_low", "ci_high", "p_value"]].isna().all().all()
    shown = t[t.reliability != "suppressed"]
    assert shown.estimate.notna().all() and (shown.n >= 30).all()
    assert ((shown.ci_low <= shown.estimate) & (shown.estimate <= shown.ci_high)).all()


def test_excel_fr_dialect(demo_db):
    proc = run(demo_db, "partnerships", "--level", "region", "--kind", "partner", "--dialect", "excel-fr")
    assert proc.stdout.startswith("\ufeff".encode())
    text = proc.stdout.decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("indicator;wave;survey")
    plain = pd.read_csv(io.BytesIO(run(demo_db, "partnerships", "--level", "region", "--kind", "partner").stdout))
    fr = pd.read_csv(io.StringIO(text), sep=";", decimal=",")
    pd.testing.assert_series_equal(plain.estimate, fr.estimate, rtol=1e-9)
    assert "," in first.split(";")[10]  # decimal comma in the estimate column


@pytest.mark.parametrize("fmt", ["json", "parquet", "xlsx"])
def test_formats_agree_with_csv(demo_db, tmp_path, fmt):
    args = ["mayors", "--level", "region", "--measure", "q4_oui"]
    csv = pd.read_csv(io.BytesIO(run(demo_db, *args).stdout), dtype={"territory_code": str})
    out = tmp_path / f"x.{fmt}"
    assert run(demo_db, *args, "--format", fmt, "--out", str(out)).returncode == 0
    if fmt == "json":
        other = pd.DataFrame(json.loads(out.read_text())["rows"])
    elif fmt == "parquet":
        other = pd.read_parquet(out)
    else:
        other = pd.read_excel(out, dtype={"territory_code": str})
    pd.testing.assert_series_equal(csv.estimate, other.estimate.astype(float), rtol=1e-9, check_names=False)
    assert list(other.territory_code) == list(csv.territory_code)


def test_min_n_and_territory_filters(demo_db):
    a = pd.read_csv(
        io.BytesIO(run(demo_db, "fragility", "--domain", "emploi", "--min-n", "150").stdout),
        dtype={"territory_code": str},
    )
    b = pd.read_csv(io.BytesIO(run(demo_db, "fragility", "--domain", "emploi").stdout), dtype={"territory_code": str})
    assert (a.reliability == "suppressed").sum() > (b.reliability == "suppressed").sum()
    assert (a.min_n == 150).all()
    c = pd.read_csv(
        io.BytesIO(run(demo_db, "fragility", "--domain", "emploi", "--territory", "75", "13").stdout),
        dtype={"territory_code": str},
    )
    assert sorted(c.territory_code.unique()) == ["13", "75"]


@pytest.mark.parametrize(
    "args,param",
    [
        (["fragility", "--domain", "chomage"], "measure"),
        (["fragility", "--survey", "elus2"], "survey"),
        (["partnerships", "--size-class", "xl"], "size_class"),
        (["mayors", "--wave", "1999"], "wave"),
    ],
)
def test_invalid_parameters_exit_2_with_message(demo_db, args, param):
    proc = run(demo_db, *args)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert f"invalid {param}" in err and "allowed" in err and "Traceback" not in err


def test_export_on_loaded_dataset_without_strata(mini_db, tmp_path):
    from etl.load import load_dataset
    from tests.conftest import random_survey, write_dataset

    tables = random_survey(seed=2, n=600)
    tables["respondents"] = tables["respondents"].drop(columns=["stratum"])
    load_dataset(write_dataset(tables, tmp_path / "ds"), mini_db)
    proc = run(mini_db, "fragility", "--level", "region", "--domain", "emploi", "--min-n", "10")
    assert proc.returncode == 0, proc.stderr.decode()
    t = pd.read_csv(io.BytesIO(proc.stdout), dtype={"territory_code": str})
    assert t.estimate.notna().any() and (t.se > 0).any()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_injection_is_neutralised(fmt):
    from observatory.exports.export import render

    table = pd.DataFrame(
        {
            "territory_name": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "Ain"],
            "estimate": [-0.5, 1.0, 2.0, 3.0, 4.0],
        }
    )
    data = render(table, fmt)
    out = pd.read_csv(io.BytesIO(data)) if fmt == "csv" else pd.read_excel(io.BytesIO(data))
    assert list(out.territory_name) == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "Ain"]
    assert list(out.estimate) == [-0.5, 1.0, 2.0, 3.0, 4.0]  # numbers untouched
