"""One copy of each rule (STYLE 15): the vocabularies and defaults the statistics share live in core.

The surveys of each indicator, the column of each level, the parent of each level and the default
suppression threshold are written once, in ``observatory/core/reference.py``; a module that needs
them imports them. Checked on the source of every module of ``observatory/`` and ``etl/``.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from observatory.core import reference as ref
from observatory.core.config import get_settings
from observatory.stats import measures as ms
from observatory.stats.change import change
from observatory.stats.engine import StatsEngine
from observatory.stats.pairwise import pairwise

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "observatory" / "core" / "reference.py"
VOCABULARIES = {"SURVEYS_OF": ref.SURVEYS_OF, "LEVEL_COLUMNS": ref.LEVEL_COLUMNS, "PARENT_LEVEL": ref.PARENT_LEVEL}
# Copies still to be replaced by the reference, in files that other changes own (remove each once done).
PENDING_COPIES: set[tuple[str, str]] = set()
PENDING_MIN_N: set[tuple[str, str]] = set()


def sources() -> list[tuple[str, ast.Module]]:
    paths = [*(ROOT / "observatory").rglob("*.py"), *(ROOT / "etl").rglob("*.py")]
    return [(p.relative_to(ROOT).as_posix(), ast.parse(p.read_text(encoding="utf-8"))) for p in paths if p != REFERENCE]


def vocabulary_copies(trees: list[tuple[str, ast.Module]]) -> set[tuple[str, str]]:
    """(file, vocabulary) of every dict written out again: by its name, or by its very content."""
    found = set()
    for path, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                found |= {(path, t.id) for t in targets if isinstance(t, ast.Name) and t.id in VOCABULARIES}
            if isinstance(node, ast.Dict):
                try:
                    value = ast.literal_eval(node)
                except ValueError:
                    continue
                found |= {
                    (path, name) for name, vocab in VOCABULARIES.items() if value == vocab or _part_of(value, vocab)
                }
    return found


def _part_of(value: object, vocab: dict) -> bool:
    """A dict of three entries or more, each one of the vocabulary's (a vocabulary copied in part)."""
    return isinstance(value, dict) and len(value) >= 3 and value.items() <= vocab.items()


def model_level_copies(trees: list[tuple[str, ast.Module]]) -> set[tuple[str, str]]:
    """(file, name) of every ``..._LEVEL = "epci"``: the model's level is ``reference.MODEL_LEVEL``."""
    return {
        (path, t.id)
        for path, tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value == ref.MODEL_LEVEL
        for t in node.targets
        if isinstance(t, ast.Name) and t.id.endswith("LEVEL")
    }


def test_the_shared_vocabularies_are_written_once():
    assert vocabulary_copies(sources()) <= PENDING_COPIES


def test_the_model_level_is_written_once():
    assert model_level_copies(sources()) == set()


def test_the_checkers_find_copies():
    copy = 'PARENT = {"commune": "departement", "epci": "departement", "departement": "region"}\n'
    tree = ast.parse(copy + 'SURVEYS_OF = {"mayors": ("elus",)}\ndef f(a, min_n: int = 30, *, b=1): ...\n')
    assert vocabulary_copies([("x.py", tree)]) == {("x.py", "PARENT_LEVEL"), ("x.py", "SURVEYS_OF")}
    part = ast.parse('c = {"region": "region_code", "departement": "departement_code", "epci": "epci_code"}[x]\n')
    assert vocabulary_copies([("y.py", part)]) == {("y.py", "LEVEL_COLUMNS")}
    assert model_level_copies([("z.py", ast.parse('SAE_LEVEL = "epci"\nOTHER = "epci"\n'))]) == {("z.py", "SAE_LEVEL")}
    assert literal_min_n_defaults([("x.py", tree)]) == {("x.py", "f")}


def test_every_indicator_has_its_surveys_and_its_one_table_builder():
    assert set(ref.SURVEYS_OF) == set(ms.INDICATORS) == set(ms.VALUES) == set(ms.MEASURES)


def defaults(args: ast.arguments) -> dict[str, ast.expr]:
    """The default of each parameter that has one (positional defaults fill the last parameters)."""
    positional = [*args.posonlyargs, *args.args][::-1]
    out = {a.arg: d for a, d in zip(positional, args.defaults[::-1], strict=False)}
    return out | {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}


def literal_min_n_defaults(trees: list[tuple[str, ast.Module]]) -> set[tuple[str, str]]:
    """(file, function) of every ``min_n`` parameter whose default is written as a number."""
    return {
        (path, node.name)
        for path, tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and isinstance(getattr(defaults(node.args).get("min_n"), "value", None), int)
    }


def test_min_n_defaults_are_the_one_constant():
    assert literal_min_n_defaults(sources()) <= PENDING_MIN_N


@pytest.mark.parametrize("function", [change, pairwise, StatsEngine.estimate, StatsEngine.vs_parent])
def test_min_n_defaults_equal_the_configured_default(function, monkeypatch):
    monkeypatch.delenv("OBSERVATORY_MIN_N", raising=False)
    assert inspect.signature(function).parameters["min_n"].default == ref.DEFAULT_MIN_N == get_settings().min_n


def normal_p_copies(trees: list[tuple[str, ast.Module]]) -> set[str]:
    """Files that call the normal CDF themselves (``ndtr``, ``norm.cdf``, ``norm.sf``) for a p-value."""
    found = set()
    for path, tree in trees:
        for node in ast.walk(tree):
            name = node.func.attr if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
            name = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else name
            if name == "ndtr" or (name in {"cdf", "sf"} and "norm" in ast.unparse(node.func)):
                found.add(path)
    return found


def test_the_two_sided_p_value_is_written_once():
    assert normal_p_copies(sources()) == {"observatory/stats/finalize.py"}  # finalize.two_sided_p only
    assert normal_p_copies([("finalize.py", ast.parse(Path(ROOT / "observatory/stats/finalize.py").read_text()))])
    planted = ast.parse("from scipy.stats import norm\np = 2 * norm.sf(abs(z))\nq = 2 * norm.cdf(-z)\n")
    assert normal_p_copies([("x.py", planted)]) == {"x.py"}
