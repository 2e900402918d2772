"""Test helpers for urbangeo and for code built on it.

:func:`assert_not_mutated` is the one shared check that a function leaves its inputs
untouched (values, index, columns, dtypes, CRS and ``attrs``):

>>> import geopandas as gpd
>>> from shapely import Point
>>> g = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326)
>>> with assert_not_mutated(g):
...     _ = g.to_crs(3857)

It compares GeoDataFrames, DataFrames, Series, numpy arrays (geometry arrays too),
dicts, lists, tuples and networkx graphs item by item, and dataclass objects such as
:class:`~urbangeo.accessibility.Network` and :class:`~urbangeo.subsidence.Raster`
field by field; anything else with ``==``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = ["assert_not_mutated"]


def _snapshot(obj: Any) -> Any:
    return copy.deepcopy(obj)


def _assert_same(before: Any, after: Any, label: str) -> None:
    if isinstance(before, pd.DataFrame):
        _same_frame(before, after, label)
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(before, after, obj=label)
    elif isinstance(before, dict):
        assert type(before) is type(after) and list(before) == list(after), f"{label}: keys changed"
        for key in before:
            _assert_same(before[key], after[key], f"{label}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert type(before) is type(after) and len(before) == len(after), f"{label}: length changed"
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_same(b, a, f"{label}[{i}]")
    elif all(hasattr(before, a) for a in ("graph", "nodes", "edges", "is_multigraph")):  # networkx graphs
        _same_graph(before, after, label)
    elif dataclasses.is_dataclass(before) and not isinstance(before, type):
        assert type(before) is type(after), f"{label}: type changed"
        for f in dataclasses.fields(before):
            _assert_same(getattr(before, f.name), getattr(after, f.name), f"{label}.{f.name}")
    elif hasattr(before, "__array__") and not isinstance(before, (str, bytes)):
        _same_array(before, after, label)
    elif _is_na(before) and not isinstance(before, (str, bytes)):  # NaN, None, NA: missing stays missing
        assert _is_na(after), f"{label} changed"
    else:
        assert before == after, f"{label} changed"


def _same_frame(before: pd.DataFrame, after: Any, label: str) -> None:
    """A (Geo)DataFrame: type, columns, index, dtypes, CRS, values column by column, attrs."""
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


def _same_graph(before: Any, after: Any, label: str) -> None:
    """A networkx graph: type, graph attributes, nodes and edges with their data."""
    assert type(before) is type(after), f"{label}: type changed"
    _assert_same(dict(before.graph), dict(after.graph), f"{label}.graph")
    _assert_same(dict(before.nodes(data=True)), dict(after.nodes(data=True)), f"{label}.nodes")
    kw = {"keys": True} if before.is_multigraph() else {}
    _assert_same(list(before.edges(data=True, **kw)), list(after.edges(data=True, **kw)), f"{label}.edges")


def _same_array(before: Any, after: Any, label: str) -> None:
    """An array (geometry and object arrays element by element, NaN-aware)."""
    b, a = np.asarray(before), np.asarray(after)
    assert b.shape == a.shape and b.dtype == a.dtype, f"{label}: shape or dtype changed"
    if b.dtype != object:
        np.testing.assert_array_equal(b, a, err_msg=f"{label} changed")
        return
    for i, (x, y) in enumerate(zip(b.ravel(), a.ravel())):  # geometries, labels: NaN/None-aware
        if isinstance(x, shapely.Geometry) and isinstance(y, shapely.Geometry):
            assert shapely.equals_exact(x, y, tolerance=0), f"{label}[{i}] changed"
        else:
            assert (pd.isna(x) and pd.isna(y)) if _is_na(x) else x == y, f"{label}[{i}] changed"


def _is_na(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


@contextlib.contextmanager
def assert_not_mutated(*objs: Any) -> Iterator[None]:
    """Fail if any of ``objs`` differs after the ``with`` block from before it.

    Parameters
    ----------
    *objs : object
        The inputs to watch; each is deep-copied on entry and compared on exit (see the
        module docstring for what is compared).

    Raises
    ------
    AssertionError
        An input changed; the message names its position (``input #0``) and what changed
        (columns, dtypes, CRS, a column's values, ``attrs`` ...).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2]})
    >>> with assert_not_mutated(df):
    ...     df["b"] = 0
    Traceback (most recent call last):
    AssertionError: input #0: columns changed...
    """
    snaps = [_snapshot(o) for o in objs]
    yield
    for i, (before, after) in enumerate(zip(snaps, objs)):
        _assert_same(before, after, f"input #{i}")
