"""Place search over every territory.

By name, accent- and case-insensitive, partial, with the words that count only: the small words
(de, du, la, l'...) may be left out or added ("communaute de communes pays dunois" for the
Communauté de communes du Pays Dunois, "havre" for Le Havre), the usual abbreviations are known
("st" for saint, "CC", "CA", "CU", "ME" for an EPCI's legal form, "PACA", "IdF"), and a municipal
arrondissement finds its commune ("Lyon 3e"). By the codes the URLs use (INSEE code, "reg-84",
EPCI SIREN) or by postal code. Hits carry the level, parent and population to tell homonyms apart.

Ranking: codes first; then names by how well they match (the whole name; the name without its
article; the same words that count; the same words but for the legal form; the typed phrase; the
phrase without its article; every word somewhere), then by level and population. A query naming a
legal form ("CC ...", "métropole ...") puts the EPCIs first.

The index is a few numpy arrays built once per data version (~37,000 territories); a query is a
few substring scans narrowed word by word, a few milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref

LEVEL_ORDER = {"region": 0, "departement": 1, "epci": 2, "commune": 3, "canton": 4}
# Abbreviations in names and queries alike ("St-Étienne", "Ste-Foy").
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# What people type for an EPCI's legal form (CGCT, art. L5214-1, L5216-1, L5215-1, L5217-1) and for
# two régions; in queries only (no name holds these words, but "(CC VBA)").
QUERY_ABBREVIATIONS = {
    "cc": "communaute de communes",
    "cdc": "communaute de communes",
    "comcom": "communaute de communes",
    "ca": "communaute d agglomeration",
    "cu": "communaute urbaine",
    "me": "metropole",
    "metro": "metropole",
    "paca": "provence alpes cote d azur",
    "idf": "ile de france",
}
# Words of a legal form: a query may leave them out, and a query naming one wants an EPCI.
FORM_WORDS = frozenset(
    {"communaute", "communes", "agglomeration", "agglo", "urbaine", "metropole", "eurometropole", "europeenne"}
)
# Words that do not tell places apart: left out when matching word by word.
SMALL_WORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "a", "au", "aux", "en", "et"})
MAX_QUERY = 80  # characters
# The articles of official names (INSEE's TNCC), normalised: "L'Haÿ-les-Roses" → "l hay les roses".
ARTICLES = frozenset({"le", "la", "les", "l", "aux", "las", "los"})
# The three communes divided into municipal arrondissements (loi PLM of 31 December 1982):
# Paris, Marseille, Lyon. An arrondissement's figures are its commune's.
ARRONDISSEMENT_COMMUNES = ("75056", "13055", "69123")
# "3e", "1er", "3eme", "3ème", "15" (after normalisation) and the word itself, abbreviated or not.
ORDINAL = re.compile(r"\d{1,2}(?:e|er|re|eme|ieme|em|me|nd|nde)?")
ARRONDISSEMENT_WORDS = frozenset({"arrondissement", "arrondissements", "arr", "arrt", "arrdt", "arrond"})
# A région's or canton's profile key in the URLs ("reg-84", "can-4205", "can-V42218"): their codes
# alone collide with a département's or a commune's.
PREFIXED_KEY = re.compile(r"(reg|can)-([0-9a-z]{1,6})", re.IGNORECASE)
KEY_LEVELS = {"reg": "region", "can": "canton"}
POSTAL_CODE = re.compile(r"\d{5}")
LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, 'st' → 'saint': 'St-Étienne' → 'saint etienne'.

    Ligatures become two letters ('Cœur' → 'coeur') and any apostrophe a space ('l’Haÿ' → 'l hay').
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def without_article(normalised: str) -> str:
    """A normalised name without its leading article: 'le havre' → 'havre'; 'le' stays 'le'."""
    first, _, rest = normalised.partition(" ")
    return rest if first in ARTICLES and rest else normalised


def content_words(normalised: str) -> str:
    """The words that count: 'communaute de communes du pays dunois' → 'communaute communes pays dunois'.

    A name made of small words only keeps them.
    """
    words = normalised.split()
    return " ".join(w for w in words if w not in SMALL_WORDS) or normalised


def core_words(content: str) -> str:
    """The words that count but for a legal form: 'communaute communes pays dunois' → 'pays dunois'."""
    return " ".join(w for w in content.split() if w not in FORM_WORDS)


@dataclass(frozen=True)
class Query:
    """A name query, normalised: the typed phrase and the words that must match."""

    phrase: str  # abbreviations expanded: compared with whole names
    words: tuple[str, ...]  # the words that count, each starting a word of the name
    core: tuple[str, ...]  # the same without the legal form's words (the form may be left out)
    form: bool  # whether the query names a legal form (an EPCI is meant)

    @classmethod
    def parse(cls, normalised: str) -> Query:
        """The query of a normalised text ('cc pays dunois')."""
        phrase = " ".join(QUERY_ABBREVIATIONS.get(w, w) for w in normalised.split())
        words = tuple(content_words(phrase).split())
        core = tuple(w for w in words if w not in FORM_WORDS)
        return cls(phrase, words, core or words, len(core) < len(words))


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
        parents = np.where(dep != "", dep + (" (" + t["departement_code"].fillna("") + ")"), reg)
        normalised = [normalise(n) for n in t["name"]]
        self._key_list = [" " + n + " " for n in normalised]
        self.keys = np.array(self._key_list, dtype=object)
        self.bare = np.array([without_article(n) for n in normalised], dtype=object)
        self.content = np.array([content_words(n) for n in normalised], dtype=object)
        self.core = np.array([core_words(c) for c in self.content], dtype=object)
        self.codes = t["code"].str.upper().to_numpy()
        self.levels = t["level"].to_numpy()
        population = t["population"].fillna(0).to_numpy()
        self.rank = t["level"].map(LEVEL_ORDER).to_numpy() * 1e9 - population
        self.postal = postal_codes.groupby("postal_code")["commune_code"].apply(list).to_dict()
        self._hits = list(zip(t["level"], t["code"], t["name"], parents, population.astype(int).tolist(), strict=True))

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """Territories matching ``query``, best first (see :meth:`search_with_total`)."""
        return self.search_with_total(query, limit).hits

    def search_with_total(self, query: str, limit: int = 10) -> SearchResult:
        """The first ``limit`` territories matching ``query`` and the number of all matches.

        Codes come first (a région's by its "reg-" key, a postal code's communes by population);
        then names, best match first (see the module's description).
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
        norm = normalise(q)
        by_name = self._arrondissement_matches(norm)
        if by_name is None:
            by_name = self._name_matches(norm)
        return _unique(np.concatenate([by_code, by_name]))

    def _code_matches(self, q: str) -> np.ndarray:
        """Territories whose code (or région key, or postal code) is the query, by level and population."""
        prefixed = PREFIXED_KEY.fullmatch(q)
        if prefixed:
            level = KEY_LEVELS[prefixed.group(1).lower()]
            found = (self.levels == level) & (self.codes == prefixed.group(2).upper())
        else:
            found = self.codes == q.upper()
            if q in self.postal:
                found |= (self.levels == "commune") & np.isin(self.codes, self.postal[q])
        idx = np.flatnonzero(found)
        return idx[np.argsort(self.rank[idx], kind="stable")]

    def _arrondissement_matches(self, norm: str) -> np.ndarray | None:
        """'Lyon 3e', 'paris 15eme arrondissement': the commune first; None for any other query."""
        words = norm.split()
        rest = [w for w in words if not ORDINAL.fullmatch(w) and w not in ARRONDISSEMENT_WORDS]
        if not rest or len(rest) == len(words):
            return None
        found = self._name_matches(" ".join(rest))
        divided = (self.levels[found] == "commune") & np.isin(self.codes[found], ARRONDISSEMENT_COMMUNES)
        return np.concatenate([found[divided], found[~divided]]) if divided.any() else None

    def _name_matches(self, norm: str) -> np.ndarray:
        """Territories whose name has every word that counts (each starting one of its words), best first."""
        if not norm:
            return np.array([], dtype=int)
        query = Query.parse(norm)
        # Every word starting a word of the name (the legal form's words may be left out) ...
        idx = np.arange(len(self.keys))
        for word in query.core:
            idx = idx[self._starts_a_word(" " + word, idx)]
        epci = self.levels[idx] == "epci"
        if query.form:  # ... but only an EPCI may leave out the legal form a query names.
            named = np.ones(len(idx), dtype=bool)
            for word in set(query.words) - set(query.core):
                named &= self._starts_a_word(" " + word, idx)
            idx, epci = idx[epci | named], epci[epci | named]
        phrase, stripped = query.phrase, without_article(query.phrase)
        # A one-word phrase was checked above (the typed letters, as one types them: the common case).
        checked = " ".join(query.core) if len(query.core) == 1 else None
        every = np.ones(len(idx), dtype=bool)
        in_phrase = every if phrase == checked else self._starts_a_word(" " + phrase, idx)
        in_stripped = every if stripped == checked else self._starts_a_word(" " + stripped, idx)
        tier = np.select(
            [
                self.keys[idx] == " " + phrase + " ",
                self.bare[idx] == stripped,
                self.content[idx] == " ".join(query.words),
                self.core[idx] == " ".join(query.core),
                in_phrase,
                in_stripped,
            ],
            [0, 1, 2, 3, 4, 5],
            default=6,
        )
        not_meant = ~epci if query.form else np.zeros(len(idx), dtype=bool)
        return idx[np.lexsort((self.rank[idx], tier, not_meant))]

    def _starts_a_word(self, padded: str, idx: np.ndarray) -> np.ndarray:
        """Whether each name of ``idx`` has ``padded`` (' ' + normalised text) at the start of a word."""
        keys = self._key_list
        return np.fromiter((padded in keys[i] for i in idx.tolist()), dtype=bool, count=len(idx))

    def _hit(self, i: int) -> Hit:
        return Hit(*self._hits[i])


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
