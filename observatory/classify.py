"""Class breaks for choropleth maps, computed on reliable cells only.

Quantiles (default), natural breaks (Jenks, via mapclassify) or equal intervals. A territory's
class is the one its value falls in on the legend: :func:`class_of` is used for both.
"""

from __future__ import annotations

import warnings

import mapclassify
import numpy as np

METHODS: tuple[str, ...] = ("quantiles", "jenks", "equal")
DEFAULT_K = 5


def breaks(values: np.ndarray, method: str = "quantiles", k: int = DEFAULT_K) -> list[float]:
    """Upper bounds of the k classes (the last one is the maximum); [] when there is no value.

    ``values`` should hold the estimates of the ``ok`` cells only.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return []
    unique = np.unique(v)
    k = max(1, min(k, unique.size))
    if k == 1:
        return [float(v.max())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mapclassify warns when classes collapse
        if method == "jenks":
            bins = mapclassify.NaturalBreaks(v, k=k).bins
        elif method == "equal":
            bins = mapclassify.EqualInterval(v, k=k).bins
        else:
            bins = mapclassify.Quantiles(v, k=k).bins
    out = sorted({float(b) for b in bins})
    out[-1] = max(out[-1], float(v.max()))
    return out


def class_of(values: np.ndarray, upper_bounds: list[float]) -> np.ndarray:
    """Class index (0-based) of each value: the first class whose upper bound is ≥ the value.

    Values above the last bound (possible with frozen breaks) go to the last class; NaN → -1.
    """
    v = np.asarray(values, dtype=float)
    if not upper_bounds:
        return np.full(v.shape, -1)
    idx = np.searchsorted(np.asarray(upper_bounds), v, side="left")
    idx = np.minimum(idx, len(upper_bounds) - 1)
    return np.where(np.isfinite(v), idx, -1)


def class_ranges(values_min: float, upper_bounds: list[float]) -> list[tuple[float, float]]:
    """(low, high) of each class for the legend; the first class starts at the minimum."""
    lows = [values_min, *upper_bounds[:-1]]
    return list(zip(lows, upper_bounds, strict=True))
