"""The methodology page's small-area section: FR and EN text, and the benchmark's own table."""

from __future__ import annotations

import json

from observatory.pages import methodology_sae


def result(coverage: float) -> dict:
    group = {"areas_per_replicate": 1107.0, "direct_rmse": 0.9, "direct_coverage": 0.845, "model_rmse": 0.3441,
             "model_coverage": coverage, "model_adjusted_share": 0.0}  # fmt: skip
    cell = {"indicator": "fragility", "label": "citizens' logement score (0–10)", "groups": {"n 1–29": group}}
    return {"validation": [cell], "replicates": 20, "measured_at": "2026-12-01",
            "fit_time": {"total_s": 1.93, "fits": {"fragility": 240, "mayors": 36}}}  # fmt: skip


def test_section_shows_the_benchmark_file(tmp_path):
    path = tmp_path / "sae.json"
    path.write_text(json.dumps(result(0.951)), encoding="utf-8")
    fr = methodology_sae.section("fr", path)
    en = methodology_sae.section("en", path)
    assert fr.children[0].children == "Estimation sur petits domaines"
    assert en.children[0].children == "Small-area estimation"
    assert "84 à 88 %" in fr.children[1].children and "4,6 points" in fr.children[1].children
    assert "84 to 88%" in en.children[1].children
    row_fr, row_en = fr.children[2].data[0], en.children[2].data[0]
    assert (row_fr["model_coverage"], row_fr["model_rmse"], row_fr["direct_coverage"]) == (
        "95\u00a0%",
        "0,344",
        "84\u00a0%",
    )
    assert (row_en["model_coverage"], row_en["model_rmse"]) == ("95%", "0.344")
    assert row_fr["label"].startswith("Note") and row_en["label"].startswith("citizens")
    assert "276 modèles en 1,9 s" in fr.children[3].children


def test_section_without_the_benchmark_file_says_how_to_make_it(tmp_path):
    section = methodology_sae.section("en", tmp_path / "missing.json")
    assert "python -m benchmarks.sae" in section.children[-1].children


def test_the_committed_results_have_the_three_indicators():
    results = json.loads(methodology_sae.RESULTS.read_text(encoding="utf-8"))
    assert [c["indicator"] for c in results["validation"]] == ["fragility", "partnerships", "mayors"]
    assert results["fit_time"]["total_s"] <= 5
