"""Checks of the operator-edited catalogue of initiatives (``data/reference/initiatives.csv``).

The pages trust this file: a malformed date or an unknown territory code would only show up as an
error on the profiles that list the initiative. :func:`check_initiatives` finds such problems
before the build loads the file, each named by its row as a spreadsheet shows it (header = row 1)
and its column.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pandas as pd

from observatory.core import reference as ref

COLUMNS: tuple[str, ...] = (
    "initiative_id", "name", "description_fr", "description_en", "level", "territory_codes", "kind", "role",
    "actors", "figures", "source_document", "source_title", "source_publisher", "source_date",
)  # fmt: skip
OPTIONAL: frozenset[str] = frozenset({"role", "actors", "figures", "source_date"})  # may be left empty
LEVELS: tuple[str, ...] = (*ref.LEVEL_CODES, ref.FRANCE_LEVEL)
# A year, a year-month or a full date, as the sources give them ("2019", "2019-02", "2018-04-05").
ISO_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
URL_SCHEMES = ("http", "https")


def check_initiatives(frame: pd.DataFrame, territories: pd.DataFrame, path: str) -> list[str]:
    """The problems of the initiatives file ``path`` read as ``frame``; an empty list when it is sound.

    ``territories`` is the build's territories table (``level``, ``code``). Each problem is a
    sentence naming the file, the row (header = row 1) and the column.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    problems = [f"{path}, row 1: column '{c}' is missing from the header" for c in missing]
    codes = _codes_by_level(territories)
    seen: dict[str, int] = {}
    for position, record in enumerate(frame.to_dict("records")):
        row = position + 2  # header = row 1
        values = {c: _text(v) for c, v in record.items()}
        problems += [
            f"{path}, row {row}, column '{c}': empty, a value is required"
            for c in COLUMNS
            if c not in OPTIONAL and c in values and not values[c]
        ]
        ident = values.get("initiative_id", "")
        if ident and ident in seen:
            problems.append(f"{path}, row {row}, column 'initiative_id': '{ident}' repeats row {seen[ident]}")
        seen.setdefault(ident, row)
        if values.get("source_date") and not valid_date(values["source_date"]):
            problems.append(
                f"{path}, row {row}, column 'source_date': '{values['source_date'][:40]}' is not a date "
                "(YYYY, YYYY-MM or YYYY-MM-DD)"
            )
        problems += _place_problems(values, codes, path, row)
        problems += [
            f"{path}, row {row}, column '{c}': '{values[c][:80]}' is not an http(s) address"
            for c in values
            if _is_url_column(c) and values[c] and not valid_url(values[c])
        ]
    return problems


def valid_date(text: str) -> bool:
    """Whether ``text`` is a real ISO year, year-month or date ('2019', '2019-02', '2018-04-05')."""
    match = ISO_DATE.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(p) if p else 1 for p in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def valid_url(text: str) -> bool:
    """Whether ``text`` is an absolute http or https address."""
    parts = urlsplit(text)
    return parts.scheme.lower() in URL_SCHEMES and bool(parts.netloc)


def _place_problems(values: dict[str, str], codes: dict[str, set[str]], path: str, row: int) -> list[str]:
    """The level must be known and each ';'-separated territory code exist at that level."""
    level, listed = values.get("level", ""), values.get("territory_codes", "")
    if not level:
        return []  # reported as empty
    if level not in LEVELS:
        return [f"{path}, row {row}, column 'level': '{level[:40]}' is not a level ({', '.join(LEVELS)})"]
    if not listed:
        return []
    problems = []
    for code in (c.strip() for c in listed.split(";")):
        if not code:
            problems.append(f"{path}, row {row}, column 'territory_codes': an empty code in '{listed[:80]}'")
        elif code not in codes.get(level, set()):
            problems.append(f"{path}, row {row}, column 'territory_codes': '{code[:40]}' is not a {level} code")
    return problems


def _codes_by_level(territories: pd.DataFrame) -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {level: set(group) for level, group in territories.groupby("level")["code"]}
    codes[ref.FRANCE_LEVEL] = {ref.FRANCE_CODE}
    return codes


def _is_url_column(name: object) -> bool:
    return isinstance(name, str) and (name == "url" or name.endswith("_url"))


def _text(value: object) -> str:
    """A cell as stripped text; '' for an empty or missing one."""
    if isinstance(value, str):
        return value.strip()
    return "" if value is None or pd.isna(value) else str(value).strip()
