"""Validation of a dataset read by :mod:`etl.contract`, in SQL over the ``raw_*`` tables.

Every check collects all its offending rows (the first five shown), so that a user fixes a file
in one pass rather than one error at a time. Once everything passes, :func:`clean_tables` turns
the text tables into typed ``clean_*`` tables ready to be inserted.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.contract import KIND_COLUMNS, Problem, SourceFile
from observatory.core.reference import (
    DOMAIN_CODES,
    INNOVATION_SURVEYS,
    PARTNERSHIP_SURVEYS,
    Q4_CODES,
    Q8_CODES,
    SIZE_CLASSES,
    SURVEY_CODES,
)

SHOWN = 5  # offending rows quoted per problem
MAX_WEIGHT = 1e9  # a weight above this is a unit error, not a survey weight
WAVE_RANGE = (1990, 2100)


@dataclass(frozen=True)
class Check:
    """One rule: the rows of ``table`` where ``where`` holds break it."""

    table: str
    column: str
    where: str
    message: str
    value: str | None = None


def _num(column: str, decimal_comma: bool) -> str:
    text = f"trim({column})"
    if decimal_comma:
        text = f"replace({text}, ',', '.')"
    return f"TRY_CAST({text} AS DOUBLE)"


def _blank(column: str) -> str:
    return f"({column} IS NULL OR trim({column}) = '')"


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _respondent_checks(decimal_comma: bool) -> list[Check]:
    weight = _num("weight", decimal_comma)
    wave = _num("wave", False)
    ent = _sql_list([c.code for c in SIZE_CLASSES["entreprises"]])
    asso = _sql_list([c.code for c in SIZE_CLASSES["associations"]])
    return [
        Check("respondents", "respondent_id", _blank("respondent_id"), "respondent_id is empty"),
        Check(
            "respondents",
            "respondent_id",
            "respondent_id IN (SELECT respondent_id FROM raw_respondents GROUP BY 1 HAVING count(*) > 1)",
            "duplicate respondent_id",
        ),
        Check(
            "respondents",
            "wave",
            f"{wave} IS NULL OR {wave} <> floor({wave}) OR {wave} NOT BETWEEN {WAVE_RANGE[0]} AND {WAVE_RANGE[1]}",
            f"wave must be a year between {WAVE_RANGE[0]} and {WAVE_RANGE[1]}",
        ),
        Check(
            "respondents",
            "survey",
            f"coalesce(trim(survey), '') NOT IN {_sql_list(SURVEY_CODES)}",
            f"survey must be one of {list(SURVEY_CODES)}",
        ),
        Check(
            "respondents",
            "commune_code",
            "coalesce(upper(trim(commune_code)), '') NOT IN (SELECT code FROM base.commune_aliases)",
            "unknown commune code (expected a current INSEE code of 5 characters, e.g. 01001, 2A004, 97411)",
        ),
        Check(
            "respondents",
            "weight",
            f"{weight} IS NULL OR NOT isfinite({weight}) OR {weight} <= 0 OR {weight} > {MAX_WEIGHT:.0f}",
            f"weight must be a number > 0 and at most {MAX_WEIGHT:.0e}",
        ),
        Check(
            "respondents",
            "size_class",
            "NOT " + _blank("size_class") + " AND NOT ("
            f"(trim(survey) = 'entreprises' AND trim(size_class) IN {ent}) OR "
            f"(trim(survey) = 'associations' AND trim(size_class) IN {asso}))",
            f"size_class must be empty, or one of {ent} for entreprises, {asso} for associations",
            "coalesce(survey, '') || ': ' || size_class",
        ),
    ]


def _answer_checks(table: str, decimal_comma: bool) -> list[Check]:
    orphan = Check(
        table,
        "respondent_id",
        "coalesce(trim(respondent_id), '') NOT IN "
        "(SELECT trim(respondent_id) FROM raw_respondents WHERE respondent_id IS NOT NULL)",
        "answer for a respondent_id that is not in respondents",
    )
    survey_of = (
        "(SELECT trim(r.survey) FROM raw_respondents r WHERE trim(r.respondent_id) = trim(t.respondent_id) LIMIT 1)"
    )
    if table == "fragility":
        score = _num("score", decimal_comma)
        return [
            orphan,
            Check(
                table,
                "domain",
                f"coalesce(trim(domain), '') NOT IN {_sql_list(DOMAIN_CODES)}",
                f"unknown domain code; allowed: {list(DOMAIN_CODES)}",
            ),
            Check(
                table,
                "score",
                f"{score} IS NULL OR {score} <> floor({score}) OR {score} NOT BETWEEN 0 AND 10",
                "score must be an integer from 0 to 10",
            ),
            Check(
                table,
                "domain",
                "(respondent_id, domain) IN (SELECT (respondent_id, domain) FROM raw_fragility "
                "GROUP BY ALL HAVING count(*) > 1)",
                "several scores for the same respondent and domain",
                "respondent_id || ' / ' || domain",
            ),
        ]
    if table == "partnerships":
        flags = [
            Check(
                table,
                col,
                f"{_num(col, decimal_comma)} IS NULL OR {_num(col, decimal_comma)} NOT IN (0, 1)",
                "must be 0 or 1",
            )
            for col in ("partner", *KIND_COLUMNS)
        ]
        any_kind = " OR ".join(f"{_num(c, decimal_comma)} = 1" for c in KIND_COLUMNS)
        return [
            orphan,
            _duplicate(table),
            Check(
                table,
                "survey",
                f"{survey_of} NOT IN {_sql_list(PARTNERSHIP_SURVEYS)}",
                "partnerships are only for the entreprises and associations surveys",
                f"respondent_id || ': ' || coalesce({survey_of}, '')",
            ),
            *flags,
            Check(
                table,
                "partner",
                f"{_num('partner', decimal_comma)} = 0 AND ({any_kind})",
                "a partnership kind is set while partner is 0",
            ),
        ]
    if table == "opinions":
        value = _num("alliances_innovation", decimal_comma)
        return [
            orphan,
            _duplicate(table),
            Check(
                table,
                "survey",
                f"{survey_of} NOT IN {_sql_list(INNOVATION_SURVEYS)}",
                "opinions (alliances_innovation) are only for the citoyens and elus surveys",
                f"respondent_id || ': ' || coalesce({survey_of}, '')",
            ),
            Check(table, "alliances_innovation", f"{value} IS NULL OR {value} NOT IN (0, 1)", "must be 0 or 1"),
        ]
    roles = "list_filter(string_split(coalesce(q8, ''), ';'), lambda x: trim(x) <> '')"
    return [
        orphan,
        _duplicate(table),
        Check(
            table,
            "survey",
            f"{survey_of} IS DISTINCT FROM 'elus'",
            "mayors' answers are only for the elus survey",
            f"respondent_id || ': ' || coalesce({survey_of}, '')",
        ),
        Check(
            table, "q4", f"coalesce(trim(q4), '') NOT IN {_sql_list(Q4_CODES)}", f"q4 must be one of {list(Q4_CODES)}"
        ),
        Check(
            table,
            "q8",
            f"len(list_filter({roles}, lambda x: trim(x) NOT IN {_sql_list(Q8_CODES)})) > 0",
            f"q8 must be a semicolon-separated subset of {list(Q8_CODES)}",
        ),
        Check(
            table,
            "q8",
            f"list_contains(list_transform({roles}, lambda x: trim(x)), 'aucun_role') AND len({roles}) > 1",
            "q8 'aucun_role' cannot be combined with other roles",
        ),
    ]


def _duplicate(table: str) -> Check:
    return Check(
        table,
        "respondent_id",
        f"respondent_id IN (SELECT respondent_id FROM raw_{table} GROUP BY 1 HAVING count(*) > 1)",
        "several rows for the same respondent_id",
    )


def _run(con: duckdb.DuckDBPyConnection, check: Check, file: str) -> Problem | None:
    if check.column not in ("survey",) and not _has(con, check.table, check.column):
        return None  # an optional column the file does not have
    value = check.value or f"coalesce(CAST({check.column} AS VARCHAR), '<empty>')"
    sql = (
        f"SELECT count(*) OVER () AS n, _row, {value} AS v FROM raw_{check.table} t "
        f"WHERE {check.where} ORDER BY _row LIMIT {SHOWN}"
    )
    rows = con.execute(sql).fetchall()
    if not rows:
        return None
    return Problem(file, check.column, check.message, [r[1] for r in rows], [r[2] for r in rows], rows[0][0])


def validate(con: duckdb.DuckDBPyConnection, sources: dict[str, SourceFile]) -> list[Problem]:
    """All the problems of the dataset read into ``con`` (``base`` = the attached database)."""
    problems: list[Problem] = []
    resp = sources["respondents"]
    for check in _respondent_checks(resp.decimal_comma):
        if problem := _run(con, check, resp.path.name):
            problems.append(problem)
    for table, source in sources.items():
        if table == "respondents":
            continue
        for check in _answer_checks(table, source.decimal_comma):
            if problem := _run(con, check, source.path.name):
                problems.append(problem)
    return problems


def existing_waves(con: duckdb.DuckDBPyConnection, file: str) -> list[Problem]:
    """(wave, survey) pairs of the dataset already in the database: one problem each."""
    rows = con.execute(
        "SELECT min(_row), CAST(TRY_CAST(trim(r.wave) AS DOUBLE) AS INTEGER) AS w, trim(r.survey) AS s "
        "FROM raw_respondents r JOIN base.datasets d "
        "ON d.wave = TRY_CAST(trim(r.wave) AS DOUBLE) AND d.survey = trim(r.survey) GROUP BY ALL ORDER BY 1"
    ).fetchall()
    return [
        Problem(file, "wave", f"wave {w} of survey '{s}' is already loaded; use --replace to replace it", [row])
        for row, w, s in rows
    ]


def clean_tables(con: duckdb.DuckDBPyConnection, sources: dict[str, SourceFile]) -> None:
    """Typed ``clean_*`` tables from the validated ``raw_*`` ones, with territory codes resolved."""
    resp = sources["respondents"]
    con.execute(
        f"""CREATE OR REPLACE TABLE clean_respondents AS
        SELECT CAST(TRY_CAST(trim(r.wave) AS DOUBLE) AS INTEGER) AS wave, trim(r.survey) AS survey,
            trim(r.respondent_id) AS respondent_id, c.code AS commune_code, c.epci_code,
            c.canton_code, c.departement_code, c.region_code, {_num("r.weight", resp.decimal_comma)} AS weight,
            {"nullif(trim(r.stratum), '')" if _has(con, "respondents", "stratum") else "NULL"} AS stratum,
            {"nullif(trim(r.size_class), '')" if _has(con, "respondents", "size_class") else "NULL"} AS size_class
        FROM raw_respondents r
        JOIN base.commune_aliases a ON a.code = upper(trim(r.commune_code))
        JOIN base.territories c ON c.level = 'commune' AND c.code = a.commune_code
        ORDER BY r._row"""
    )
    keys = "r.wave, r.survey, r.respondent_id"
    join = "JOIN clean_respondents r ON r.respondent_id = trim(t.respondent_id)"
    if "fragility" in sources:
        dc = sources["fragility"].decimal_comma
        con.execute(
            f"CREATE OR REPLACE TABLE clean_fragility AS SELECT {keys}, trim(t.domain) AS domain, "
            f"CAST({_num('t.score', dc)} AS TINYINT) AS score FROM raw_fragility t {join} ORDER BY t._row"
        )
    if "partnerships" in sources:
        dc = sources["partnerships"].decimal_comma
        flags = ", ".join(f"CAST({_num('t.' + c, dc)} AS TINYINT) AS {c}" for c in ("partner", *KIND_COLUMNS))
        con.execute(
            f"CREATE OR REPLACE TABLE clean_partnerships AS SELECT {keys}, {flags} "
            f"FROM raw_partnerships t {join} ORDER BY t._row"
        )
    if "mayors" in sources:
        q8 = "t.q8" if _has(con, "mayors", "q8") else "NULL"
        con.execute(
            f"CREATE OR REPLACE TABLE clean_mayors AS SELECT {keys}, trim(t.q4) AS q4, "
            f"nullif(array_to_string(list_transform(list_filter(string_split(coalesce({q8}, ''), ';'), "
            f"lambda x: trim(x) <> ''), lambda x: trim(x)), ';'), '') AS q8 FROM raw_mayors t {join} ORDER BY t._row"
        )
        con.execute(
            "CREATE OR REPLACE TABLE clean_mayor_roles AS SELECT wave, survey, respondent_id, "
            "unnest(string_split(q8, ';')) AS role FROM clean_mayors WHERE q8 IS NOT NULL"
        )
    if "opinions" in sources:
        value = _num("t.alliances_innovation", sources["opinions"].decimal_comma)
        con.execute(
            f"CREATE OR REPLACE TABLE clean_opinions AS SELECT {keys}, CAST({value} AS TINYINT) AS alliances_innovation "
            f"FROM raw_opinions t {join} ORDER BY t._row"
        )


def _has(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return column in con.sql(f"SELECT * FROM raw_{table} LIMIT 0").columns
