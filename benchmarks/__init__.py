"""Benchmarks: measured with medians, not timed tests.

Each writes its results beside the others, in ``benchmarks/results/``: ``<name>.json`` (every
measure) and ``<name>.md`` (the table the docs quote), through :func:`write_results`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def write_results(out: Path, name: str, results: dict, text: str, default: Callable | None = None) -> None:
    """Write ``<name>.json`` and ``<name>.md`` in ``out`` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    data = json.dumps(results, indent=2, ensure_ascii=False, default=default) + "\n"
    (out / f"{name}.json").write_text(data, encoding="utf-8")
    (out / f"{name}.md").write_text(text, encoding="utf-8")
