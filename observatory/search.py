"""Place search over every territory.

By name (accent- and case-insensitive, partial, "st" for "saint", the article optional: "havre",
"le havre" and "Le Havre" alike), by the codes the URLs use (INSEE code, "reg-84", EPCI SIREN) or by
postal code, with the level, parent and population to tell homonyms apart.

The index is a few numpy arrays built once per data version (~37,000 territories); a query is a
vectorised substring search, a few milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory import i18n
from observatory import reference as ref

LEVEL_ORDER = {"region": 0, "departement": 1, "epci": 2, "commune": 3}
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
MAX_QUERY = 80  # characters
# The articles of official names (INSEE's TNCC), normalised: "L'Haÿ-les-Roses" → "l hay les roses".
ARTICLES = frozenset({"le", "la", "les", "l", "aux", "las", "los"})
# A région's profile key in the URLs ("reg-84"): its code alone collides with a département's.
REGION_KEY = re.compile(r"reg-([0-9a-z]{1,3})", re.IGNORECASE)
POSTAL_CODE = re.compile(r"\d{5}")


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, 'st' → 'saint': 'St-Étienne' → 'saint etienne'."""
    text = unicodedata.normalize("NFKD", text[:MAX_QUERY]).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def without_article(normalised: str) -> str:
    """A normalised name without its leading article: 'le havre' → 'havre'; 'le' stays 'le'."""
    first, _, rest = normalised.partition(" ")
    return rest if first in ARTICLES and rest else normalised


@dataclass(frozen=True)
class Hit:
    """One search result."""

    level: str
    code: str
    name: str
    parent: str
    population: int


@dataclass(frozen=True)
class SearchResult:
    """The first hits of a search, best first, and how many territories matched in all."""

    hits: list[Hit]
    total: int


class TerritoryIndex:
    """Search index of the territories table (and postal codes)."""

    def __init__(self, territories: pd.DataFrame, postal_codes: pd.DataFrame):
        t = territories.reset_index(drop=True)
        names = t.set_index(["level", "code"])["name"]
        dep = t["departement_code"].map(lambda c: names.get(("departement", c), "") if isinstance(c, str) else "")
        reg = t["region_code"].map(lambda c: names.get(("region", c), "") if isinstance(c, str) else "")
        self.frame = t.assign(parent=np.where(dep != "", dep + (" (" + t["departement_code"].fillna("") + ")"), reg))
        normalised = [normalise(n) for n in t["name"]]
        self.keys = np.array([" " + n + " " for n in normalised], dtype=object)
        self.bare = np.array([without_article(n) for n in normalised], dtype=object)
        self.codes = t["code"].str.upper().to_numpy()
        self.levels = t["level"].to_numpy()
        self.rank = t["level"].map(LEVEL_ORDER).to_numpy() * 1e9 - t["population"].fillna(0).to_numpy()
        self.postal = postal_codes.groupby("postal_code")["commune_code"].apply(list).to_dict()

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """Territories matching ``query``, best first (see :meth:`search_with_total`)."""
        return self.search_with_total(query, limit).hits

    def search_with_total(self, query: str, limit: int = 10) -> SearchResult:
        """The first ``limit`` territories matching ``query`` and the number of all matches.

        Codes come first (a région's by its "reg-" key, a postal code's communes by population);
        then names: the exact full name, the exact name without its article, then every name with
        a word starting with the query (with or without its article), by level and population.
        """
        matches = self._matches((query or "").strip()[:MAX_QUERY])
        return SearchResult([self._hit(int(i)) for i in matches[:limit]], len(matches))

    def _matches(self, q: str) -> np.ndarray:
        """Positions of every territory matching a stripped query, best first, each once."""
        if not q:
            return np.array([], dtype=int)
        by_code = self._code_matches(q)
        if POSTAL_CODE.fullmatch(q) and q in self.postal:
            return _unique(by_code)
        return _unique(np.concatenate([by_code, self._name_matches(normalise(q))]))

    def _code_matches(self, q: str) -> np.ndarray:
        """Territories whose code (or région key, or postal code) is the query, by level and population."""
        region = REGION_KEY.fullmatch(q)
        if region:
            found = (self.levels == "region") & (self.codes == region.group(1).upper())
        else:
            found = self.codes == q.upper()
            if q in self.postal:
                found |= (self.levels == "commune") & np.isin(self.codes, self.postal[q])
        idx = np.flatnonzero(found)
        return idx[np.argsort(self.rank[idx], kind="stable")]

    def _name_matches(self, norm: str) -> np.ndarray:
        """Territories with a word starting with the query, article typed or not, best first."""
        if not norm:
            return np.array([], dtype=int)
        stripped = without_article(norm)
        matched = self._contains(norm)
        loose = self._contains(stripped) & ~matched if stripped != norm else np.zeros_like(matched)
        idx = np.flatnonzero(matched | loose)
        tier = np.select(
            [self.keys[idx] == " " + norm + " ", self.bare[idx] == stripped, matched[idx]], [0, 1, 2], default=3
        )
        return idx[np.lexsort((self.rank[idx], tier))]

    def _contains(self, norm: str) -> np.ndarray:
        """Whether each name has a word starting with ``norm`` (a normalised phrase)."""
        padded = " " + norm
        return np.fromiter((padded in k for k in self.keys), dtype=bool, count=len(self.keys))

    def _hit(self, i: int) -> Hit:
        r = self.frame.iloc[i]
        return Hit(r["level"], r["code"], r["name"], r["parent"], int(r["population"] or 0))


def _unique(idx: np.ndarray) -> np.ndarray:
    """The positions in their order, each kept at its first place."""
    _, first = np.unique(idx, return_index=True)
    return idx[np.sort(first)]


def hit_label(hit: Hit, lang: str = "fr") -> str:
    """'Le Havre — commune 76351, Seine-Maritime (76) · 170 147 hab.' (population left out when unknown)."""
    # "Intercommunalité (EPCI)" would nest parentheses with the parent's "(76)".
    level = re.sub(r"\s*\(.*\)", "", ref.label(hit.level, lang)).lower()
    parent = f", {hit.parent}" if hit.parent else ""
    text = f"{hit.name} — {level} {hit.code}{parent}"
    if hit.population > 0:
        unit = "hab." if lang == "fr" else "inhabitants"
        text += f" · {i18n.number(hit.population, 0, lang)} {unit}"
    return text


def more_results_text(more: int, lang: str = "fr") -> str:
    """The line closing a truncated list: '… et 34 autres résultats : précisez la recherche'."""
    count = i18n.number(more, 0, lang)
    if lang == "fr":
        noun = "autre résultat" if more == 1 else "autres résultats"
        return f"… et {count} {noun}{i18n.colon(lang)}précisez la recherche"
    return f"… and {count} more{i18n.colon(lang)}refine your search"
