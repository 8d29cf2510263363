"""The input data contract: which files a dataset holds, their columns, and how they are read.

A dataset is a folder. Each table is one file named after it (``respondents.csv``,
``fragility.xlsx``, ``partnerships.parquet``...). CSV may be comma- or semicolon-separated, in
UTF-8 (with or without BOM) or Windows-1252; with semicolons, decimal commas are accepted.
Every file is read as text into a DuckDB table ``raw_<table>`` with a ``_row`` column holding
the spreadsheet row number (header = row 1), so that each error can name its row.
"""

from __future__ import annotations

import codecs
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

EXTENSIONS: tuple[str, ...] = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True)
class TableSpec:
    """Columns of one input table."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    mandatory_file: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """All the columns the table may have."""
        return self.required + self.optional


KIND_COLUMNS = ("mecenat", "pratiques_responsables", "cooperation_economique", "innovation_societale")

TABLES: dict[str, TableSpec] = {
    "respondents": TableSpec(
        "respondents",
        ("respondent_id", "wave", "survey", "commune_code", "weight"),
        ("stratum", "size_class"),
        mandatory_file=True,
    ),
    "fragility": TableSpec("fragility", ("respondent_id", "domain", "score")),
    "partnerships": TableSpec("partnerships", ("respondent_id", "partner", *KIND_COLUMNS)),
    "mayors": TableSpec("mayors", ("respondent_id", "q4"), ("q8",)),
    "opinions": TableSpec("opinions", ("respondent_id", "alliances_innovation")),
}


@dataclass
class Problem:
    """One defect of the input: where it is and the first offending values."""

    file: str
    column: str | None
    message: str
    rows: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    count: int = 0

    def __str__(self) -> str:
        where = self.file
        if self.column:
            where += f", column '{self.column}'"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = f" (+{self.count - len(self.rows)} more)" if self.count > len(self.rows) else ""
            where += f", row{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        text = f"{where}: {self.message}"
        if self.values:
            text += "; got " + ", ".join(repr(v) for v in self.values)
        return text


class ContractError(Exception):
    """The dataset breaks the contract; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class SourceFile:
    """A file found for one table, and how it was read."""

    table: str
    path: Path
    delimiter: str | None = None
    encoding: str | None = None

    @property
    def decimal_comma(self) -> bool:
        """Semicolon-separated files may use decimal commas (French Excel)."""
        return self.delimiter == ";"


def find_files(folder: Path) -> dict[str, Path]:
    """The file of each table in a dataset folder; raises ContractError on ambiguity or absence."""
    if not folder.is_dir():
        raise ContractError([Problem(str(folder), None, "dataset folder not found")])
    found: dict[str, Path] = {}
    problems = []
    for spec in TABLES.values():
        candidates = [folder / f"{spec.name}{ext}" for ext in EXTENSIONS]
        present = [p for p in candidates if p.exists()]
        if len(present) > 1:
            names = ", ".join(p.name for p in present)
            problems.append(Problem(str(folder), None, f"several files for table '{spec.name}': {names}"))
        elif present:
            found[spec.name] = present[0]
        elif spec.mandatory_file:
            problems.append(Problem(str(folder), None, f"missing file '{spec.name}' (.csv, .xlsx or .parquet)"))
    if problems:
        raise ContractError(problems)
    return found


def read_sidecar(folder: Path) -> dict:
    """The optional ``dataset.json``: name, source, licence, synthetic (default false)."""
    path = folder / "dataset.json"
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContractError([Problem(path.name, None, f"not valid JSON: {exc}")]) from exc
    if not isinstance(meta, dict):
        raise ContractError([Problem(path.name, None, "must hold a JSON object")])
    return meta


def _detect_encoding(path: Path) -> str:
    """'utf-8' when the whole file decodes as UTF-8 (BOM or not), else 'cp1252'."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _header_line(path: Path, encoding: str) -> str:
    with path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as fh:
        return fh.readline()


def _check_header(table: str, file: str, header: list[str]) -> list[Problem]:
    spec = TABLES[table]
    problems = []
    seen = set()
    for col in header:
        if col in seen:
            problems.append(Problem(file, col, "column appears more than once in the header", [1]))
        seen.add(col)
    missing = [c for c in spec.required if c not in seen]
    unknown = [c for c in header if c not in spec.columns]
    if missing:
        problems.append(
            Problem(file, ", ".join(missing), f"missing required column(s); expected {list(spec.required)}", [1])
        )
    if unknown:
        problems.append(Problem(file, ", ".join(unknown), f"unknown column(s); allowed: {list(spec.columns)}", [1]))
    return problems


def read_table(con: duckdb.DuckDBPyConnection, table: str, path: Path, workdir: Path) -> SourceFile:
    """Read one input file as text into ``raw_<table>`` with a ``_row`` column; check its header.

    ``workdir`` receives a UTF-8 copy of a Windows-1252 CSV (DuckDB reads UTF-8 only).
    """
    ext = path.suffix.lower()
    if path.stat().st_size == 0:
        raise ContractError([Problem(path.name, None, "file is empty")])
    if ext == ".csv":
        source = _read_csv(con, table, path, workdir)
    elif ext == ".xlsx":
        source = _read_frame(con, table, path, _xlsx_frame(path), first_row=2)
    else:
        source = _read_parquet(con, table, path)
    n = con.execute(f"SELECT count(*) FROM raw_{table}").fetchall()[0][0]
    if n == 0:
        raise ContractError([Problem(path.name, None, "file has a header but no data rows")])
    return source


def _read_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path, workdir: Path) -> SourceFile:
    encoding = _detect_encoding(path)
    first = _header_line(path, encoding)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    header = [h.strip() for h in header]
    if problems := _check_header(table, path.name, header):
        raise ContractError(problems)
    target = path
    if encoding == "cp1252":
        target = workdir / f"{table}.utf8.csv"
        with path.open("r", encoding="cp1252", newline="") as src, target.open("w", encoding="utf-8") as dst:
            while chunk := src.read(1 << 22):
                dst.write(chunk)
    columns = "{" + ", ".join(f"'{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE raw_{table} AS "
            f"SELECT * FROM read_csv(?, delim=?, header=false, skip=1, columns={columns}, "
            "quote='\"', escape='\"', strict_mode=true, null_padding=false, auto_detect=false)",
            [str(target), delimiter],
        )
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        raise ContractError([Problem(path.name, None, f"cannot be read as CSV: {message}")]) from exc
    _rename_and_number(con, table, header, first_row=2)
    return SourceFile(table, path, delimiter, encoding)


def _xlsx_frame(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise ContractError([Problem(path.name, None, f"cannot be read as XLSX: {exc}")]) from exc
    return frame


def _read_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> SourceFile:
    try:
        rel = con.sql("SELECT * FROM read_parquet(?)", params=[str(path)])
        header = list(rel.columns)
    except duckdb.Error as exc:
        raise ContractError([Problem(path.name, None, f"cannot be read as Parquet: {exc}")]) from exc
    if problems := _check_header(table, path.name, header):
        raise ContractError(problems)
    casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in header)
    con.execute(f"CREATE OR REPLACE TABLE raw_{table} AS SELECT {casts} FROM read_parquet(?)", [str(path)])
    _add_row_numbers(con, table, first_row=1)
    return SourceFile(table, path)


def _read_frame(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, frame: pd.DataFrame, first_row: int
) -> SourceFile:
    header = [str(c).strip() for c in frame.columns]
    # pandas renames duplicated headers "x.1": read the real header row to catch them.
    real = _xlsx_header(path)
    if problems := _check_header(table, path.name, real or header):
        raise ContractError(problems)
    frame.columns = header
    con.register("frame_view", frame)
    cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in header)
    con.execute(f"CREATE OR REPLACE TABLE raw_{table} AS SELECT {cols} FROM frame_view")
    con.unregister("frame_view")
    _add_row_numbers(con, table, first_row=first_row)
    return SourceFile(table, path)


def _xlsx_header(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        row = next(wb.active.iter_rows(min_row=1, max_row=1, values_only=True), ())
    finally:
        wb.close()
    return [str(c).strip() for c in row if c is not None]


def _rename_and_number(con: duckdb.DuckDBPyConnection, table: str, header: list[str], first_row: int) -> None:
    names = con.sql(f"SELECT * FROM raw_{table} LIMIT 0").columns
    renames = ", ".join(f'"{old}" AS "{new}"' for old, new in zip(names, header, strict=True))
    con.execute(f"CREATE OR REPLACE TABLE raw_{table} AS SELECT {renames} FROM raw_{table}")
    _add_row_numbers(con, table, first_row)


def _add_row_numbers(con: duckdb.DuckDBPyConnection, table: str, first_row: int) -> None:
    # Insertion order is preserved by DuckDB (preserve_insertion_order), so rowid follows the file.
    con.execute(
        f"CREATE OR REPLACE TABLE raw_{table} AS SELECT *, CAST(rowid AS BIGINT) + {first_row} AS _row FROM raw_{table}"
    )
