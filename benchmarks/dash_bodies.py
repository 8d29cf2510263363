"""The map page's callback request, as the browser sends it, for the load benchmarks.

One copy for ``locustfile.py``, ``heavy.py`` and ``mixed.py``: the body of
``POST /_dash-update-component`` that recolours the map after a control change.
"""

from __future__ import annotations

from collections.abc import Sequence


def map_outputs(output: str, names: Sequence[str]) -> list:
    """The ``outputs`` of the map callback's ``output`` string (pattern-matching: one per control).

    ``"..map-data.data...legend.children.."`` gives ``[{"id": "map-data", "property": "data"}, …]``.
    """
    outputs: list = []
    for part in output.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        if cid.startswith("{"):  # pattern-matching output (ALL): one entry per control on the page
            outputs.append([{"id": {"name": k, "type": "control"}, "property": prop} for k in names])
        else:
            outputs.append({"id": cid, "property": prop})
    return outputs


def map_body(output: str, values: Sequence[tuple[str, str]], changed: str = "domain") -> dict:
    """The map callback's body with the controls at ``values`` ((name, value) in page order)."""
    return {
        "output": output,
        "outputs": map_outputs(output, [k for k, _v in values]),
        "inputs": [
            [{"id": {"name": k, "type": "control"}, "property": "value", "value": v} for k, v in values],
            {"id": "control-freeze", "property": "n_clicks", "value": None},
            {"id": "control-initiatives", "property": "n_clicks", "value": None},
            {"id": "map-click", "property": "data", "value": None},
        ],
        "state": [
            {"id": "url", "property": "pathname", "value": "/fragilites"},
            {"id": "url", "property": "search", "value": ""},
            {"id": "breaks-store", "property": "data", "value": None},
            {"id": "viewport", "property": "data", "value": {"width": 1280, "height": 800}},
        ],
        "changedPropIds": [f'{{"name":"{changed}","type":"control"}}.value'],
    }


def page_controls(node, found: list) -> list[tuple[str, object]]:
    """The page's controls (name, value), in the layout's order (the order the browser lists them)."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), dict) and props["id"].get("type") == "control":
            found.append((props["id"]["name"], props.get("value")))
        for value in node.values():
            page_controls(value, found)
    elif isinstance(node, list):
        for value in node:
            page_controls(value, found)
    return found
