"""The methodology page's small-area section: FR and EN text, and the benchmark's own table."""

from __future__ import annotations

import json

from observatory.ui.pages import methodology_sae


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
    assert fr.children[2].children.href == "/modele/diagnostics"  # the diagnostics, cell by cell
    assert en.children[2].children.href == "/modele/diagnostics?lang=en"
    row_fr, row_en = fr.children[3].data[0], en.children[3].data[0]
    assert (row_fr["model_coverage"], row_fr["model_rmse"], row_fr["direct_coverage"]) == (
        "95\u00a0%",
        "0,344",
        "84\u00a0%",
    )
    assert (row_en["model_coverage"], row_en["model_rmse"]) == ("95%", "0.344")
    assert row_fr["label"].startswith("Note") and row_en["label"].startswith("citizens")
    assert "276 modèles en 1,9 s" in fr.children[4].children


def test_section_without_the_benchmark_files_says_how_to_make_them(tmp_path):
    section = methodology_sae.section("en", tmp_path / "missing.json", tmp_path / "missing_offmodel.json")
    texts = [c.children for c in section.children if isinstance(c.children, str)]
    assert any("python -m benchmarks.sae." in t for t in texts)
    assert any("python -m benchmarks.sae_offmodel" in t for t in texts)


def test_offmodel_targets_are_shown_with_their_verdicts(tmp_path):
    target = {"survey": "citoyens", "measure": "rare", "variant": "benchmarked", "where": "decile 9",
              "target": "coverage ≥ 0.90 in every density decile", "measured": 0.871, "pass": False}  # fmt: skip
    hidden = target | {"variant": "unbenchmarked", "measured": 0.5}
    path = tmp_path / "offmodel.json"
    path.write_text(json.dumps({"surveys": {"citoyens": {"targets": [target, hidden]}}, "seeds": [1, 2],
                                "replicates": 5, "measured_at": "2026-12-06"}), encoding="utf-8")  # fmt: skip
    fr = methodology_sae.section("fr", tmp_path / "missing.json", path)
    table = next(c for c in fr.children if getattr(c, "id", None) == "sae-offmodel-table")
    assert table.data == [{"survey": "Citoyens", "measure": "proportion rare (≈ 2 %)",
                           "target": "Couverture ≥ 0,90 dans chaque décile de densité",
                           "measured": "0,871 (decile 9)", "verdict": "manquée"}]  # fmt: skip
    assert "2 graines × 5 répliques" in fr.children[-1].children


def test_the_committed_results_have_the_three_indicators():
    results = json.loads(methodology_sae.RESULTS.read_text(encoding="utf-8"))
    assert [c["indicator"] for c in results["validation"]] == ["fragility", "partnerships", "mayors"]
    # What the methodology page claims of the committed run: every group of EPCIs covered ≥ 90 %.
    assert all(g["model_coverage"] >= 0.90 for c in results["validation"] for g in c["groups"].values())
