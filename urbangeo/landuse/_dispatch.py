"""dask_geopandas plumbing shared by screening, blocks and compensation.

The public functions take a ``dask_geopandas.GeoDataFrame`` as well as a GeoDataFrame.
Each module keeps its own dask path next to its in-memory path (``screening._screen_dask``,
``blocks._membership_dask`` / ``blocks._blocks_dask``, ``compensation._compensation_dask``)
and builds it from the pieces here:

* :func:`is_dask` tells a dask frame without importing dask (importing it costs seconds);
* :func:`global_metric` picks ONE metric CRS from the whole layer's extent, so every
  partition is measured in the same CRS as the in-memory frame would be;
* :func:`map_partitions` runs a row-wise function on every partition where it lives;
  :func:`with_columns` and :func:`from_parts` build the lazy result and its ``meta``.

Imports go one way: screening, blocks and compensation import this module; it imports
only the core (``crs``, ``errors``), never them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import get_crs, metric_crs
from ..errors import MissingDependencyError


def is_dask(frame: Any) -> bool:
    """True when ``frame`` is a ``dask_geopandas.GeoDataFrame``.

    A dask frame can only exist if dask_geopandas was imported: no import here.
    """
    mod = sys.modules.get("dask_geopandas")
    return mod is not None and isinstance(frame, mod.GeoDataFrame)


def dask_modules() -> tuple[Any, Any, Any]:
    """``(dask, dask.dataframe, dask_geopandas)``, or :class:`MissingDependencyError` with the install command."""
    try:
        import dask
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError as exc:  # pragma: no cover - only reached with a dask frame in hand
        raise MissingDependencyError("dask support needs dask-geopandas: pip install urbangeo[dask]") from exc
    return dask, dd, dask_geopandas


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
