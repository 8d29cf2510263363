"""E11 (UX audit 2026-12b): the French Excel CSV keeps the codes' leading zeros.

Excel types a CSV cell by its look, quoted or not ("01001" and 01001 both become 1001); a cell
holding the formula ="01001" is the text 01001. The tests read the written bytes back as CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import pandas as pd
import pytest

from observatory.exports.formats import excel_text_codes, render

BOM = "\ufeff"


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "territory_code": ["01", "01001", "2A004", "200069193", None],
            "territory_name": ["Ain", "L'Abergement-Clémenciat", '=HYPERLINK("http://x")', "-2", "@SUM(A1)"],
            "departement_code": ["01", "01", "2A", "01", "75"],
            "estimate": [5.25, 6.0, None, 4.5, 7.0],
        }
    )


def cells(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=";"))


def test_codes_are_excel_text_in_the_excel_fr_csv() -> None:
    data = render(table(), "csv", "excel-fr")
    header, *rows = cells(data)
    assert header == ["territory_code", "territory_name", "departement_code", "estimate"]
    assert [r[0] for r in rows] == ['="01"', '="01001"', '="2A004"', '="200069193"', ""]
    assert [r[2] for r in rows] == ['="01"', '="01"', '="2A"', '="01"', '="75"']
    # RFC 4180 quoting of the formula's quotes, which Excel reads back as ="01001"
    assert b'"=""01001"""' in data
    assert [r[3] for r in rows] == ["5,25", "6", "", "4,5", "7"]  # numbers stay numbers, decimal commas


def test_user_text_starting_with_a_formula_sign_is_still_neutralised() -> None:
    rows = cells(render(table(), "csv", "excel-fr"))[1:]
    assert [r[1] for r in rows] == ["Ain", "L'Abergement-Clémenciat", '\'=HYPERLINK("http://x")', "'-2", "'@SUM(A1)"]


@pytest.mark.parametrize(
    "code,written",
    [
        ('01" & HYPERLINK("http://x") & "', '01" & HYPERLINK("http://x") & "'),  # a quote: left as text
        ("=1+1", "'=1+1"),  # a formula sign: neutralised, never wrapped
        ("01 001", "01 001"),  # a space: no code of ours
    ],
)
def test_only_codes_are_written_as_formulas(code: str, written: str) -> None:
    out = excel_text_codes(pd.DataFrame({"territory_code": [code]}))
    assert out["territory_code"].iloc[0] == code  # not wrapped
    rows = cells(render(pd.DataFrame({"territory_code": [code]}), "csv", "excel-fr"))
    assert rows[1] == [written]


def test_the_plain_csv_is_unchanged() -> None:
    rows = list(csv.reader(io.StringIO(render(table(), "csv").decode("utf-8"))))
    assert [r[0] for r in rows[1:]] == ["01", "01001", "2A004", "200069193", ""]


def test_the_api_and_the_command_write_codes_as_text(demo_db, tmp_path) -> None:
    from flask import Flask

    from observatory.__main__ import main
    from observatory.core.config import get_settings
    from observatory.data.service import Observatory
    from observatory.web.api import register_api

    obs = Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))
    server = Flask(__name__)
    register_api(server, obs)
    client = server.test_client()
    url = "/api/v1/fragility?level=departement&domain=emploi&statistic=mean_score&format=csv&dialect=excel-fr"
    header, *rows = cells(client.get(url).data)
    codes = [r[header.index("territory_code")] for r in rows]
    assert codes[:2] == ['="01"', '="02"'] and '="2A"' in codes and len(codes) == 101
    # a page of the streamed CSV too
    header, *rows = cells(client.get(url + "&page_size=5&page=2").data)
    assert [r[header.index("territory_code")] for r in rows] == ['="06"', '="07"', '="08"', '="09"', '="10"']
    out = tmp_path / "ain.csv"
    args = ["export", "fragility", "--level", "commune", "--territory", "01001", "--domain", "emploi"]
    assert main([*args, "--dialect", "excel-fr", "--db", str(demo_db), "--out", str(out)]) == 0
    header, *rows = cells(out.read_bytes())
    assert {r[header.index("territory_code")] for r in rows} == {'="01001"'}
