"""dask_geopandas plumbing shared by screening, blocks and compensation.

The public functions take a ``dask_geopandas.GeoDataFrame`` as well as a GeoDataFrame.
Each module keeps its own dask path next to its in-memory path (``screening._screen_dask``,
``blocks._membership_dask`` / ``blocks._blocks_dask``, ``compensation._compensation_dask``)
and builds it from the pieces here:

* :func:`is_dask` and :func:`dask_modules` come from the core (:mod:`urbangeo._dask`,
  shared with accessibility and subsidence);
* :func:`global_metric` picks ONE metric CRS from the whole layer's extent, so every
  partition is measured in the same CRS as the in-memory frame would be;
* :func:`map_partitions` runs a row-wise function on every partition where it lives;
  :func:`with_columns` and :func:`from_parts` build the lazy result and its ``meta``.

Imports go one way: screening, blocks and compensation import this module; it imports
only the core (``_dask``, ``crs``), never them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._dask import dask_modules, is_dask
from ..crs import get_crs, metric_crs

__all__ = ["dask_modules", "from_parts", "global_metric", "is_dask", "map_partitions", "with_columns"]


def global_metric(parcels: Any) -> Any:
    """One metric CRS for every partition, from the whole layer's extent."""
    crs = get_crs(parcels, "parcels")
    bounds = np.asarray(parcels.total_bounds.compute(), dtype=float)
    extent = gpd.GeoDataFrame(geometry=[shapely.box(*bounds)], crs=crs)
    return metric_crs(extent, name="parcels")


def with_columns(frame: gpd.GeoDataFrame, extra: dict[str, str]) -> gpd.GeoDataFrame:
    """An empty-valued copy of ``frame`` (a partition or a dask ``_meta``) with the columns ``extra``
    (name -> dtype) added: the shape of a result with no rows."""
    out = frame.copy()
    for col, dtype in extra.items():
        out[col] = pd.Series([], dtype=dtype, index=out.index)
    return out


def from_parts(parts: list, meta: Any) -> Any:
    """A dask frame from delayed partitions."""
    _, dd, _ = dask_modules()
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def map_partitions(
    parcels: Any, func: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], extra: dict[str, str]
) -> Any:
    """``func`` on every partition of ``parcels`` where it lives; ``extra`` names the columns it adds.

    An empty partition skips ``func`` and gets the columns with no rows.
    """
    dask, _, _ = dask_modules()

    def part(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return with_columns(df, extra) if len(df) == 0 else func(df)

    return from_parts([dask.delayed(part)(d) for d in parcels.to_delayed()], with_columns(parcels._meta, extra))
