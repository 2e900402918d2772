"""The schema urbangeo records beside a written frame, and how a read frame gets it back.

A GeoPackage layer (in its metadata, :mod:`urbangeo.io`) and a PostGIS table (in its
comment, :mod:`urbangeo._postgis`) keep the same JSON record under the one key
:data:`META_KEY`: the pandas dtype of every column, the categories of categoricals, the
geometry column's name, the column order and the columns that hold the index. Both
writers build it with :func:`schema_of` after :func:`index_as_columns`; both readers give
it to :func:`restore`.

This module imports nothing else from urbangeo, so ``io`` and ``_postgis`` can both use it
without importing each other (``io -> _postgis -> _schema``, ``io -> _schema``).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Key of the schema record in a GeoPackage layer's metadata and in a PostGIS table's comment.
#: No ":" in it: GDAL reads "domain:key" as a metadata domain.
META_KEY = "URBANGEO_SCHEMA"

#: Column name of an unnamed index level ``i`` (pandas' own spelling).
UNNAMED_INDEX = "__index_level_{i}__"


def index_names(frame: pd.DataFrame, *, unnamed: str = UNNAMED_INDEX) -> list[str]:
    """Column names under which ``frame``'s index is written; ``[]`` for a default RangeIndex.

    Unnamed levels are called ``unnamed.format(i=level)``.
    """
    if isinstance(frame.index, pd.RangeIndex) and all(n is None for n in frame.index.names):
        return []
    return [n if n is not None else unnamed.format(i=i) for i, n in enumerate(frame.index.names)]


def index_as_columns(frame: Any, names: list[str]) -> Any:
    """A copy of ``frame`` with its index moved into the columns ``names`` (``frame`` itself when none)."""
    if not names:
        return frame
    out = frame.copy()
    out.index.names = names
    return out.reset_index()


def schema_of(gdf: gpd.GeoDataFrame, index_cols: list[str]) -> dict:
    """The schema record of ``gdf`` (index already moved into ``index_cols``)."""
    return {
        "dtypes": {str(c): str(t) for c, t in gdf.dtypes.items() if c != gdf.geometry.name},
        "categories": {
            str(c): [None if pd.isna(v) else v for v in gdf[c].cat.categories.tolist()]
            for c in gdf.columns
            if isinstance(gdf[c].dtype, pd.CategoricalDtype)
        },
        "geometry": gdf.geometry.name,
        "index": index_cols,
        "columns": [str(c) for c in gdf.columns],
    }


def restore(gdf: gpd.GeoDataFrame, schema: dict) -> gpd.GeoDataFrame:
    """``gdf`` as read, with the dtypes, geometry name, column order and index of ``schema``.

    A dtype that cannot be restored is logged and the column kept as read: a read never
    fails on this.
    """
    for col, dtype in schema.get("dtypes", {}).items():
        if col not in gdf.columns or str(gdf[col].dtype) == dtype:
            continue
        try:
            if dtype == "object":  # numbers held in an object column: back to Python objects, None for missing
                s = gdf[col]
                if col in schema.get("object_ints", ()):
                    s = s.astype("Int64")
                gdf[col] = pd.Series([None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v for v in s.astype(object)], index=s.index, dtype=object)
            elif dtype == "category":
                cats = schema.get("categories", {}).get(col)
                gdf[col] = pd.Categorical(gdf[col], categories=cats)
            elif dtype.startswith("datetime64"):
                gdf[col] = pd.to_datetime(gdf[col]).astype(dtype)
            else:
                gdf[col] = gdf[col].astype(dtype)
        except (TypeError, ValueError) as exc:  # keep what was read, never fail a read on this
            log.warning("could not restore dtype %s of column %s: %s", dtype, col, exc)
    geom_name = schema.get("geometry")
    if geom_name and geom_name != gdf.geometry.name:
        gdf = gdf.rename_geometry(geom_name)
    order = schema.get("columns")
    if order and set(order) == {str(c) for c in gdf.columns}:  # GDAL puts the geometry last
        gdf = gdf[order]
    index_cols = [c for c in schema.get("index", []) if c in gdf.columns]
    if index_cols:
        gdf = gdf.set_index(index_cols)
        gdf.index.names = [None if n.startswith("__index_level_") else n for n in index_cols]
    return gdf
