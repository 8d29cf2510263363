"""What the zone builder (``/zone``) does with what a person gives it, without Dash.

A selection is a sorted tuple of INSEE commune codes. It grows by a click on the map (a commune in
or out), a box drawn on the map (its communes in), codes pasted or uploaded (resolved by
:func:`observatory.data.zones.resolve_codes`: postal codes, arrondissements and codes that lost
their leading zero are read as their communes, and said so) and a territory's communes (an EPCI, a
département, a région, a canton or a legislative constituency: :mod:`observatory.data.zonings`; a
commune divided between several cantons or constituencies is added whole, and said so). Each step
answers the new selection and its messages (French and English).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from observatory.core import reference as ref
from observatory.data import zonings as zn
from observatory.data.search import Hit
from observatory.data.service import Observatory
from observatory.data.zones import MAX_CODES, ZoneError, csv_codes, resolve_codes

MAX_LISTED = 200  # communes listed with a remove button (the rest are counted)
MAX_UPLOAD = 2_000_000  # bytes of an uploaded CSV (a column of 40,000 codes is ~300 kB)
TOKEN = re.compile(r"[0-9A-Za-z]{1,10}")
SEPARATORS = re.compile(r"[\s,;]+")
LEVELS = ref.LEVEL_CODES  # a zone may start from any territory, a canton-ou-ville included
LEVEL_WORDS = {
    "region": ("région", "région"),
    "departement": ("département", "département"),
    "epci": ("intercommunalité", "intercommunality"),
    "commune": ("commune", "municipality"),
    "canton": ("canton", "canton"),
    "circonscription": ("circonscription", "constituency"),
}
MAX_RETRIES = 10  # resolutions tried, each leaving out the unknown codes named by the last one


@dataclass(frozen=True)
class Message:
    """A line under the builder: ``kind`` is info, warning or error."""

    kind: str
    fr: str
    en: str

    def text(self, lang: str) -> str:
        """The message in the page's language."""
        return self.fr if lang == "fr" else self.en


def clean_selection(codes: object, known: Iterable[str] | None = None) -> tuple[str, ...]:
    """A selection from a browser store: sorted unique codes of the right shape (others dropped)."""
    if not isinstance(codes, list | tuple):
        return ()
    kept = {c for c in codes if isinstance(c, str) and TOKEN.fullmatch(c)}
    if known is not None:
        kept &= set(known)
    return tuple(sorted(kept))[:MAX_CODES]


def commune_codes(obs: Observatory) -> set[str]:
    """Every commune's INSEE code."""
    return set(obs.territories("commune")["code"])


def toggle(selection: tuple[str, ...], code: str) -> tuple[str, ...]:
    """The selection with ``code`` added, or removed if it was in it."""
    current = set(selection)
    current ^= {code}
    return tuple(sorted(current))


def add(selection: tuple[str, ...], codes: Iterable[str]) -> tuple[str, ...]:
    """The selection with ``codes`` added (at most :data:`MAX_CODES` in all)."""
    return tuple(sorted(set(selection) | set(codes)))[:MAX_CODES]


def map_click(obs: Observatory, selection: tuple[str, ...], click: object) -> tuple[str, ...]:
    """The selection after a map event ``{codes, mode}``: one commune toggled, or a box's communes added."""
    if not isinstance(click, dict) or not isinstance(click.get("codes"), list):
        return selection
    codes = clean_selection(click["codes"], commune_codes(obs))
    if click.get("mode") == "add":
        return add(selection, codes)
    return toggle(selection, codes[0]) if len(codes) == 1 else selection


def split_codes(text: object) -> list[str]:
    """The codes of a pasted text: separated by spaces, new lines, commas or semicolons."""
    if not isinstance(text, str):
        return []
    return [t.strip("\"'") for t in SEPARATORS.split(text) if t.strip("\"'")]


def upload_codes(contents: object) -> list[str]:
    """The first column of an uploaded CSV (a ``data:`` URL from the browser), without its header.

    The delimiter is the first line's commonest of comma, semicolon and tab; a first line whose
    first field has no digit is a header (every INSEE or postal code has one), as the API reads it.
    """
    if not isinstance(contents, str) or "," not in contents:
        return []
    data = base64.b64decode(contents.split(",", 1)[1] + "==", validate=False)[:MAX_UPLOAD]
    return csv_codes(data)


def add_codes(obs: Observatory, selection: tuple[str, ...], tokens: list[str]) -> tuple[tuple[str, ...], list[Message]]:
    """The selection with the communes of ``tokens`` added, and how they were read.

    Codes that are no commune (nor postal code, arrondissement…) are named and left out; the others
    are added.
    """
    if not tokens:
        return selection, [Message("warning", "Aucun code lu.", "No code read.")]
    bad = [t for t in tokens if not TOKEN.fullmatch(t)]
    good = list(dict.fromkeys(t.upper() for t in tokens if TOKEN.fullmatch(t)))[:MAX_CODES]
    unknown: list[str] = list(bad)
    resolution = None
    for _attempt in range(MAX_RETRIES):
        if not good:
            break
        try:
            resolution = resolve_codes(obs, good)
            break
        except ZoneError as err:  # it names (the first 20 of) the codes that are no commune
            named = set(str(err.value).split(" … ")[0].split(", ")) & set(good)
            if not named:
                return selection, [_refused([str(err.value)])]
            unknown += sorted(named)
            good = [c for c in good if c not in named]
    else:
        return selection, [_refused(unknown), Message("error", "Rien n'a été ajouté.", "Nothing was added.")]
    messages = [_note(obs, n) for n in resolution.notes] if resolution else []
    if unknown:
        messages.append(_refused(unknown))
    added = resolution.codes if resolution else ()
    new = add(selection, added)
    count = len(new) - len(selection)
    messages.insert(
        0,
        Message(
            "info",
            f"{count} commune{'s' if count > 1 else ''} ajoutée{'s' if count > 1 else ''}.",
            f"{count} municipalit{'ies' if count != 1 else 'y'} added.",
        ),
    )
    return new, messages


def _refused(codes: list[str]) -> Message:
    shown = ", ".join(codes[:20]) + (f" … (+{len(codes) - 20})" if len(codes) > 20 else "")
    return Message(
        "error",
        f"Codes non reconnus (ni code INSEE de commune, ni code postal) : {shown}.",
        f"Codes not recognised (neither an INSEE municipality code nor a postal code): {shown}.",
    )


def _note(obs: Observatory, note: dict) -> Message:
    """How a code that was not an INSEE commune code was read."""
    names = obs.territories("commune").set_index("code")["name"]
    communes = note["communes"]
    listed = ", ".join(f"{names.get(c, c)} ({c})" for c in communes[:8]) + (" …" if len(communes) > 8 else "")
    token, how = note["input"], note["read_as"]
    if how.endswith("postal_code"):
        s = "s" if len(communes) > 1 else ""
        return Message(
            "warning",
            f"Code postal {token} : {len(communes)} commune{s} ajoutée{s} ({listed}).",
            f"Postal code {token}: {len(communes)} municipalit{'ies' if s else 'y'} added ({listed}).",
        )
    if how.endswith("commune_alias"):
        return Message(
            "warning",
            f"{token} : arrondissement ou commune déléguée, lu comme sa commune {listed}.",
            f"{token}: an arrondissement or former municipality, read as its municipality {listed}.",
        )
    return Message(
        "warning",
        f"{token} lu comme {listed} (zéro initial rétabli).",
        f"{token} read as {listed} (leading zero restored).",
    )


def territory_communes(obs: Observatory, level: str, code: str) -> tuple[str, ...]:
    """The communes of a territory (any level); () for an unknown one."""
    if level not in LEVELS or not isinstance(code, str):
        return ()
    communes = obs.territories("commune")
    if level == "commune":
        return (code,) if code in set(communes["code"]) else ()
    return tuple(sorted(communes.loc[communes[ref.LEVEL_COLUMNS[level]] == code, "code"]))


def add_territory(
    obs: Observatory, selection: tuple[str, ...], level: str, code: str
) -> tuple[tuple[str, ...], list[Message]]:
    """The selection with a territory's communes added, and a line saying which."""
    if level in zn.KINDS:
        return add_zoning(obs, selection, level, code)
    codes = territory_communes(obs, level, code)
    row = obs.territory(level, code) if codes else None
    if row is None:
        return selection, [Message("error", "Territoire inconnu.", "Unknown territory.")]
    new = add(selection, codes)
    count = len(new) - len(selection)
    lv_fr, lv_en = LEVEL_WORDS[level]
    return new, [
        Message(
            "info",
            f"{row['name']} ({lv_fr} {code}) : {len(codes)} communes, dont {count} ajoutées.",
            f"{row['name']} ({lv_en} {code}): {len(codes)} municipalities, {count} of them added.",
        )
    ]


def zoning_hits(obs: Observatory, query: str, limit: int) -> list[Hit]:
    """The cantons and constituencies matching a search, as search hits (the département as parent)."""
    names = obs.territories("departement").set_index("code")["name"]
    return [
        Hit(z.kind, z.code, z.name, names.get(z.departement, "") if z.departement else "", 0)
        for z in zn.find(obs, query, limit)
    ]


def add_zoning(
    obs: Observatory, selection: tuple[str, ...], kind: str, code: str
) -> tuple[tuple[str, ...], list[Message]]:
    """The selection with a canton's or constituency's communes added, and what was done.

    A line saying which, and one for each commune divided between several of them (added whole).
    """
    rows = zn.zoning_communes(obs, kind, code)
    if rows.empty:
        return selection, [Message("error", "Territoire inconnu.", "Unknown territory.")]
    new = add(selection, rows["commune_code"])
    count = len(new) - len(selection)
    name, (_one_fr, many_fr, _one_en, many_en) = rows["zoning_name"].iloc[0], zn.KIND_WORDS[kind]
    said = [
        Message(
            "info",
            f"{name} ({code}) : {len(rows)} communes, dont {count} ajoutées.",
            f"{name} ({code}): {len(rows)} municipalities, {count} of them added.",
        )
    ]
    for r in rows[rows["split"]].itertuples(index=False):
        said.append(
            Message(
                "warning",
                f"{r.commune_name} ({r.commune_code}) : commune partagée entre {r.zonings} {many_fr} : "
                "toute la commune est comptée.",
                f"{r.commune_name} ({r.commune_code}): municipality shared between {r.zonings} {many_en}: "
                "the whole municipality is counted.",
            )
        )
    return new, said


def level_word(level: str, lang: str) -> str:
    """A level's name in a sentence ('intercommunalité', 'municipality')."""
    fr, en = LEVEL_WORDS.get(level, (level, level))
    return fr if lang == "fr" else en


def selection_rows(obs: Observatory, selection: tuple[str, ...]) -> pd.DataFrame:
    """code, name, departement_code of the first :data:`MAX_LISTED` communes of a selection."""
    communes = obs.territories("commune").set_index("code")
    shown = [c for c in selection[:MAX_LISTED] if c in communes.index]
    rows = communes.loc[shown, ["name", "departement_code"]].reset_index()
    return rows.rename(columns={"index": "code"})
