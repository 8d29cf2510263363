"""Place search over every territory.

By name (accent- and case-insensitive, partial, "st" for "saint"), by INSEE code or by postal
code, with the level and parent to tell homonyms apart.

The index is a few numpy arrays built once per data version (~37,000 territories); a query is a
vectorised substring search, a few milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVEL_ORDER = {"region": 0, "departement": 1, "epci": 2, "commune": 3}
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
MAX_QUERY = 80  # characters


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, 'st' → 'saint': 'St-Étienne' → 'saint etienne'."""
    text = unicodedata.normalize("NFKD", text[:MAX_QUERY]).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


@dataclass(frozen=True)
class Hit:
    """One search result."""

    level: str
    code: str
    name: str
    parent: str
    population: int


class TerritoryIndex:
    """Search index of the territories table (and postal codes)."""

    def __init__(self, territories: pd.DataFrame, postal_codes: pd.DataFrame):
        t = territories.reset_index(drop=True)
        names = t.set_index(["level", "code"])["name"]
        dep = t["departement_code"].map(lambda c: names.get(("departement", c), "") if isinstance(c, str) else "")
        reg = t["region_code"].map(lambda c: names.get(("region", c), "") if isinstance(c, str) else "")
        self.frame = t.assign(parent=np.where(dep != "", dep + (" (" + t["departement_code"].fillna("") + ")"), reg))
        self.keys = np.array([" " + normalise(n) + " " for n in t["name"]], dtype=object)
        self.codes = t["code"].str.upper().to_numpy()
        self.rank = t["level"].map(LEVEL_ORDER).to_numpy() * 1e9 - t["population"].fillna(0).to_numpy()
        self.postal = postal_codes.groupby("postal_code")["commune_code"].apply(list).to_dict()

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """Territories matching ``query``, best first (exact names, then by level and population)."""
        q = (query or "").strip()[:MAX_QUERY]
        if not q:
            return []
        if re.fullmatch(r"\d{5}", q) and q in self.postal:
            idx = np.flatnonzero((self.frame["level"].to_numpy() == "commune") & np.isin(self.codes, self.postal[q]))
            code_hits = np.flatnonzero(self.codes == q)
            return self._hits(np.concatenate([code_hits, idx]), limit)
        code_hits = np.flatnonzero(self.codes == q.upper())
        norm = normalise(q)
        if not norm:
            return self._hits(code_hits, limit)
        padded = " " + norm
        contains = np.fromiter((padded in k for k in self.keys), dtype=bool, count=len(self.keys))
        idx = np.flatnonzero(contains)
        exact = np.array([self.keys[i] == padded + " " for i in idx], dtype=bool)
        order = np.lexsort((self.rank[idx], ~exact))
        return self._hits(np.concatenate([code_hits, idx[order]]), limit)

    def _hits(self, idx: np.ndarray, limit: int) -> list[Hit]:
        seen, out = set(), []
        for i in idx:
            if i in seen:
                continue
            seen.add(i)
            r = self.frame.iloc[int(i)]
            out.append(Hit(r["level"], r["code"], r["name"], r["parent"], int(r["population"] or 0)))
            if len(out) >= limit:
                break
        return out
