"""A table as the bytes of a file: CSV (plain, or for French Excel), JSON, Parquet, XLSX.

The French Excel CSV has semicolons, decimal commas, a BOM, and its codes written as text
formulas (``="01001"``) so that Excel keeps their leading zeros.

Shared by the exports (:mod:`observatory.exports.export`) and the data packages
(:mod:`observatory.exports.datapackage`), which therefore do not import each other for it.
"""

from __future__ import annotations

import io
import json
import re

import pandas as pd

from observatory.stats import InvalidQuery

FORMATS: tuple[str, ...] = ("csv", "json", "parquet", "xlsx")
DIALECTS: tuple[str, ...] = ("plain", "excel-fr")


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Columns of codes ("01", "01001", "2A004", a SIREN, "reg-84"): text, though many look like numbers.
CODE_COLUMN = re.compile(r"code|.+_code|territory_key")
# What a code is written as Excel text may hold: never a quote, so it cannot leave the formula's string.
EXCEL_TEXT_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}")


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula (=, +, -, @...) get a leading apostrophe."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col].astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
            out[col] = text.where(~risky, "'" + text.astype(str))
    return out


def excel_text_codes(table: pd.DataFrame) -> pd.DataFrame:
    """Codes as Excel text formulas, for the French Excel CSV: '01001' → '="01001"'.

    Excel reads a CSV cell by its look, quoted or not: '01' becomes the number 1 and '01001' 1001
    (Ain and L'Abergement-Clémenciat lose their codes, and every join on them breaks). A formula
    whose result is a string keeps it as written, in every Excel language (no function name nor
    argument separator). A leading apostrophe would stay in the cell ('01 ≠ 01 in a join: Excel
    honours it only when typed) and a leading tab likewise. Only this project's codes are written
    so (:data:`EXCEL_TEXT_CODE`: letters, digits, _ and -): a user's text beginning with = is still
    neutralised (:func:`neutralise_formulas`), before this runs.
    """
    out = table.copy()
    for col in out.columns:
        if CODE_COLUMN.fullmatch(str(col)) and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            text = out[col].astype(object)
            safe = text.map(lambda v: isinstance(v, str) and EXCEL_TEXT_CODE.fullmatch(v) is not None)
            out[col] = text.where(~safe, '="' + text.astype(str) + '"')
    return out


def render(table: pd.DataFrame, fmt: str = "csv", dialect: str = "plain") -> bytes:
    """The table as a file's bytes (spreadsheet formats with formula-like text neutralised)."""
    if fmt not in FORMATS:
        raise InvalidQuery("format", fmt, FORMATS)
    if dialect not in DIALECTS:
        raise InvalidQuery("dialect", dialect, DIALECTS)
    if fmt in ("csv", "xlsx"):
        table = neutralise_formulas(table)
    if fmt == "csv":
        if dialect == "excel-fr":
            text = excel_text_codes(table).to_csv(index=False, sep=";", decimal=",", float_format="%.10g")
            return "\ufeff".encode() + text.encode("utf-8")
        return table.to_csv(index=False, float_format="%.10g").encode("utf-8")
    if fmt == "json":
        records = json.loads(table.to_json(orient="records", double_precision=10))
        return json.dumps({"rows": records, "count": len(records)}, ensure_ascii=False).encode("utf-8")
    buf = io.BytesIO()
    if fmt == "parquet":
        table.to_parquet(buf, index=False)
    else:
        table.to_excel(buf, index=False, sheet_name="data")
    return buf.getvalue()


__all__ = ["DIALECTS", "FORMATS", "excel_text_codes", "neutralise_formulas", "render"]
