"""Component ids of the app, in one place (tests and callbacks use the same names)."""

URL = "url"
PAGE = "page"
NOTICES = "notices"
BANNER = "synthetic-banner"
LANG_LINK = "lang-link"

MAP = "map"
LEGEND = "legend"
RANKING = "ranking"
TABLE = "table"
TITLE = "view-title"
SUMMARY = "view-summary"
DOWNLOAD_CSV = "download-csv"
DOWNLOAD_EXCEL = "download-excel-fr"
DOWNLOAD_XLSX = "download-xlsx"
DOWNLOAD = "download"
DOWNLOAD_ZIP = "download-zip"
BREAKS_STORE = "breaks-store"
PANELS_GO = "panels-go"  # the map state, passed on once the browser has drawn the map
MAP_META = "map-meta"  # what the drawn map is (page, level, traces) and the view it shows
MAP_SPEC = "map-spec"  # the level's tiles and view, in the layout: MapLibre starts before the values
MAP_DATA = "map-data"  # the values MapLibre applies (figures.choropleth.map_data)
MAP_CLICK = "map-click"  # {code, at}: written by assets/map.js when a territory is clicked
MAP_APPLIED = "map-applied"  # the values id the map applied (output of the clientside callback)
RANKING_PANEL = "ranking-panel"  # holds the ranking chart, mounted once the map is drawn
SELECTED = "selected-territory"
VIEWPORT = "viewport"
FREEZE = "control-freeze"  # the "freeze the classes" toggle (the other controls: f"control-{name}")

HEATMAP = "heatmap"
EXTRAS = "page-extras"
SEARCH = "place-search"
API_LINK = "api-link"
MAP_EMBED_CODE = "map-embed-code"  # the iframe code of the current map view
SEARCH_RESULTS = "place-search-results"
INITIATIVES_TOGGLE = "control-initiatives"
MAP_IMAGE = "map-image"  # composes a PNG of the map with its title, legend, source and notice
MAP_ROW = "map-row"  # carries the class map-drawing until MapLibre has drawn the map
CONTROLS = "map-controls"
CONTROLS_TOGGLE = "map-controls-toggle"  # folds the controls on a phone

SAE_DIAGNOSTICS = "sae-diagnostics"  # the model's diagnostics page (data-* hooks: the cell, Brown's test...)
SAE_SCATTER = "sae-diagnostics-scatter"  # its direct-against-model chart
SAE_CV = "sae-diagnostics-cv"  # its CVs by respondent band
