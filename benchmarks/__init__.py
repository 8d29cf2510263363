"""Benchmarks: measured with medians, not timed tests.

Each writes its results beside the others, in ``benchmarks/results/``: ``<name>.json`` (every
measure) and ``<name>.md`` (the table the docs quote), through :func:`write_results`.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path


def provenance() -> dict[str, str]:
    """When and on what a benchmark ran: the first fields of its results."""
    return {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }


def write_results(out: Path, name: str, results: dict, text: str, default: Callable | None = None) -> None:
    """Write ``<name>.json`` and ``<name>.md`` in ``out`` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    data = json.dumps(results, indent=2, ensure_ascii=False, default=default) + "\n"
    (out / f"{name}.json").write_text(data, encoding="utf-8")
    (out / f"{name}.md").write_text(text, encoding="utf-8")
