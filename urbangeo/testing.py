"""Test helpers for urbangeo and for code built on it.

:func:`assert_not_mutated` is the one shared check that a function leaves its inputs
untouched (values, index, columns, dtypes, CRS and ``attrs``):

>>> import geopandas as gpd
>>> from shapely import Point
>>> g = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326)
>>> with assert_not_mutated(g):
...     _ = g.to_crs(3857)
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import pandas as pd

__all__ = ["assert_not_mutated"]


def _snapshot(obj: Any) -> Any:
    return copy.deepcopy(obj)


def _assert_same(before: Any, after: Any, label: str) -> None:
    if isinstance(before, pd.DataFrame):
        assert type(before) is type(after), f"{label}: type changed"
        assert list(before.columns) == list(after.columns), f"{label}: columns changed"
        pd.testing.assert_index_equal(before.index, after.index, obj=f"{label}.index")
        assert before.dtypes.astype(str).tolist() == after.dtypes.astype(str).tolist(), f"{label}: dtypes changed"
        if hasattr(before, "crs"):
            assert before.crs == after.crs, f"{label}: CRS changed"
            assert before.geometry.name == after.geometry.name, f"{label}: active geometry changed"
        for col in before.columns:
            b, a = before[col], after[col]
            if hasattr(b, "geom_equals_exact"):
                same = (b.isna() & a.isna()) | b.geom_equals_exact(a, tolerance=0)
                assert bool(same.all()), f"{label}: geometry column {col!r} changed"
            else:
                pd.testing.assert_series_equal(b, a, obj=f"{label}[{col!r}]")
        assert before.attrs == after.attrs, f"{label}: attrs changed"
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(before, after, obj=label)
    elif hasattr(before, "__array__") and not isinstance(before, (str, bytes)):
        import numpy as np

        np.testing.assert_array_equal(np.asarray(before), np.asarray(after), err_msg=f"{label} changed")
    else:
        assert before == after, f"{label} changed"


@contextlib.contextmanager
def assert_not_mutated(*objs: Any) -> Iterator[None]:
    """Fail if any of ``objs`` differs after the ``with`` block from before it."""
    snaps = [_snapshot(o) for o in objs]
    yield
    for i, (before, after) in enumerate(zip(snaps, objs)):
        _assert_same(before, after, f"input #{i}")
