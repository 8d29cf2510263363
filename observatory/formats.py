"""A table as the bytes of a file: CSV (plain, or for French Excel), JSON, Parquet, XLSX.

Shared by the exports (:mod:`observatory.export`) and the data packages
(:mod:`observatory.datapackage`), which therefore do not import each other for it.
"""

from __future__ import annotations

import io
import json

import pandas as pd

from observatory.stats import InvalidQuery

FORMATS: tuple[str, ...] = ("csv", "json", "parquet", "xlsx")
DIALECTS: tuple[str, ...] = ("plain", "excel-fr")


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula (=, +, -, @...) get a leading apostrophe."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col].astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
            out[col] = text.where(~risky, "'" + text.astype(str))
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
            text = table.to_csv(index=False, sep=";", decimal=",", float_format="%.10g")
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


__all__ = ["DIALECTS", "FORMATS", "neutralise_formulas", "render"]
