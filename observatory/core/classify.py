"""Class breaks for choropleth maps, computed on reliable cells only.

Quantiles (default), natural breaks (Jenks, via mapclassify) or equal intervals. A territory's
class is the one its value falls in on the legend: :func:`class_of` is used for both.
"""

from __future__ import annotations

import warnings

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
    if method == "jenks":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns when classes collapse
            # Imported here: it brings scipy.stats, scikit-learn and matplotlib (~120 MB, 1 s)
            # into every process; quantiles and equal intervals need none of it.
            import mapclassify

            bins = mapclassify.NaturalBreaks(v, k=k).bins
    elif method == "equal":
        bins = equal_interval_bins(v, k)
    else:
        bins = quantile_bins(v, k)
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


def quantile_bins(v: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` quantile classes: mapclassify's ``Quantiles`` (linear percentiles, ties collapsed)."""
    w = 100.0 / k
    p = np.minimum(np.arange(w, 100 + w, w), 100.0)[:k]
    return np.unique(np.percentile(v, p))


def equal_interval_bins(v: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` classes of equal width (mapclassify's ``EqualInterval``)."""
    lo, hi = float(v.min()), float(v.max())
    width = (hi - lo) / k
    cuts = np.arange(lo + width, hi + width, width)[:k]
    cuts[-1] = hi
    return cuts
