"""The baseline: the fragility map built "the Dash tutorial way", on the same database.

A plotly-express figure with the whole GeoJSON embedded, rebuilt by each callback from a pandas
group-by (weighted means only: no variance, no CI, no suppression), served by the Flask development
server. It is what a user would otherwise build; the benchmark suite measures it in the same run as
the observatory.

Usage: ``python -m benchmarks.naive_app --db PATH --port N``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pandas as pd
import plotly.express as px
from dash import Dash, Input, Output, dcc, html

from observatory.core import reference as ref

LEVEL_COLUMN = {"departement": "departement_code", "epci": "epci_code", "commune": "commune_code"}


def create(db: Path, geo_dir: Path) -> Dash:
    """The naive app: all citizens' answers in memory, the GeoJSON embedded in each figure."""
    con = duckdb.connect(str(db), read_only=True)
    answers = con.execute(
        """SELECT r.departement_code, r.epci_code, r.commune_code, r.weight, f.domain, f.score
           FROM respondents r JOIN fragility f USING (wave, survey, respondent_id)
           WHERE r.survey = 'citoyens'"""
    ).df()
    con.close()
    geometry = {level: json.loads((geo_dir / f"{level}.geojson").read_text()) for level in LEVEL_COLUMN}
    app = Dash(__name__)
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            html.H1("Fragilités (baseline)"),
            html.Div(
                dcc.Dropdown(
                    id="domain",
                    options=[{"label": d.fr, "value": d.code} for d in ref.DOMAINS],
                    value="emploi",
                    clearable=False,
                ),
                id="control-domain",
            ),
            dcc.Graph(id="map", style={"height": "640px"}),
        ]
    )

    @app.callback(Output("map", "figure"), Input("url", "search"), Input("domain", "value"))
    def update(search, domain):
        level = parse_qs((search or "").lstrip("?")).get("level", ["departement"])[0]
        col = LEVEL_COLUMN.get(level, "departement_code")
        d = answers[answers["domain"] == domain]
        g = (
            d.assign(ws=d["weight"] * d["score"])
            .groupby(col)
            .agg(ws=("ws", "sum"), w=("weight", "sum"), n=("score", "size"))
            .reset_index()
        )
        g["score"] = g["ws"] / g["w"]
        fig = px.choropleth_map(
            g,
            geojson=geometry[level],
            locations=col,
            featureidkey="properties.code",
            color="score",
            hover_data={"n": True},
            map_style="white-bg",
            center={"lon": 0.4, "lat": 46.2},
            zoom=4.5,
            color_continuous_scale="YlOrRd",
        )
        fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0})
        return fig

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--geo-dir", type=Path)
    parser.add_argument("--port", type=int, default=8060)
    args = parser.parse_args()
    app = create(args.db, args.geo_dir or args.db.parent / "geo")
    pd.options.mode.copy_on_write = True
    app.run(host="127.0.0.1", port=args.port, debug=False)


if __name__ == "__main__":
    main()
