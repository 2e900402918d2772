"""Helpers of :func:`~urbangeo.accessibility.per_network`, shared with its dask path."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validate import _show
from ..errors import UnknownCodeError

__all__ = ["assemble", "call_city", "city_rows"]


def city_rows(values: pd.Series, networks: Mapping, oname: str) -> list[tuple[Any, np.ndarray]]:
    """[(city, row positions)] in the order of ``networks``; raises on rows with no network."""
    miss = values.isna().to_numpy()
    known = values.isin(list(networks)).to_numpy()
    if (~known).any():
        unknown = list(pd.unique(values[~known & ~miss].astype(object)))
        what = []
        if unknown:
            what.append(f"values with no network: {_show(unknown)}")
        if miss.any():
            what.append(f"{int(miss.sum())} rows without a value")
        raise UnknownCodeError(
            f"`{oname}` has {' and '.join(what)} in its `{values.name}` column (the `key`) "
            f"(rows {_show(list(values.index[~known]))}). Add their networks to `networks` or "
            f"drop these rows.", codes=unknown, rows=list(values.index[~known]))
    arr = values.to_numpy()
    return [(c, np.flatnonzero(arr == c)) for c in networks if (arr == c).any()]


def call_city(function: Callable, city: Any, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` with its warnings said again, prefixed with the city."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = function(*args, **kwargs)
    for w in caught:
        msg = w.message
        if isinstance(msg, Warning):
            with contextlib.suppress(Exception):  # a warning class with another constructor: as it came
                msg = type(msg)(f"network {city!r}: {msg}")
        warnings.warn_explicit(msg, w.category, w.filename, w.lineno)
    return out


def assemble(results: list, positions: list[np.ndarray], n_bands: int | None = None) -> Any:
    """The per-city results as one frame in the origins' order (isochrones: renumbered 0..n-1)."""
    if n_bands is not None:
        positions = [np.repeat(p, n_bands) for p in positions]
    pos = np.concatenate(positions) if positions else np.zeros(0, np.int64)
    out = pd.concat(results) if len(results) > 1 else results[0].copy()
    out = out.iloc[np.argsort(pos, kind="stable")]
    if n_bands is not None:
        out.index = pd.RangeIndex(len(out))
    return out
