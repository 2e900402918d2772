"""Array kernels shared by screening, blocks and compensation.

Inputs are numpy arrays of shapely geometries already in one metric CRS; outputs are
numpy arrays. No per-row Python loops except over the (rare) parcels that overlap
several polygons of one layer.
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import OnInvalid, Report, check_geometries, check_geometry_types
from ..crs import get_crs, metric_crs, project
from ..errors import DroppedRowsWarning


def geoms_of(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(gdf.geometry.values, dtype=object)


def snap(geoms: np.ndarray, grid_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Snap coordinates to a ``grid_m`` grid; repair what snapping broke.

    Returns the new geometries and a boolean mask of those repaired after snapping.
    ``set_precision(mode="valid_output")`` is ~15x slower than pointwise snapping plus a
    validity check, so only geometries that became invalid are made valid.
    """
    if grid_m <= 0 or len(geoms) == 0:
        return geoms, np.zeros(len(geoms), dtype=bool)
    inv = 1.0 / grid_m
    if abs(inv - round(inv)) < 1e-9:
        inv = float(round(inv))  # 0.001 m -> x * 1000 / 1000 is exact for coordinates on the grid
    coords = shapely.get_coordinates(geoms)
    if np.array_equal(coords, np.round(coords * inv) / inv):
        return geoms, np.zeros(len(geoms), dtype=bool)  # already on the grid (e.g. cleaned before)
    out = shapely.transform(geoms, lambda xy: np.round(xy * inv) / inv)
    bad = ~shapely.is_valid(out) & ~shapely.is_missing(out)
    if bad.any():
        out[bad] = shapely.set_precision(geoms[bad], grid_m)  # valid_output mode
        still = ~shapely.is_valid(out[bad])
        if still.any():
            idx = np.flatnonzero(bad)[still]
            out[idx] = shapely.make_valid(out[idx])
        out[bad] = polygonal(out[bad])
    return out, bad


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal part of each geometry (collections from make_valid)."""
    out = np.asarray(geoms, dtype=object).copy()
    coll = shapely.get_type_id(out) == 7
    for i in np.flatnonzero(coll):
        parts = shapely.get_parts(out[i])
        parts = parts[shapely.get_dimensions(parts) == 2]
        out[i] = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    return out


def clean_polygons(
    gdf: gpd.GeoDataFrame,
    name: str,
    *,
    target_crs: Any,
    on_invalid: OnInvalid,
    grid_m: float,
) -> tuple[np.ndarray, np.ndarray, Report, np.ndarray, np.ndarray]:
    """Validate, repair, reproject to ``target_crs`` and snap polygon geometries.

    Returns ``(geoms, usable, report, raw_area_m2, why)`` for *every* row of ``gdf``:
    ``geoms`` holds the cleaned metric geometry (None where excluded), ``usable`` is
    False for rows excluded (missing/empty, invalid under ``on_invalid='drop'``, or
    collapsed by snapping), ``raw_area_m2`` the metric area of the input geometry (0 for
    missing ones), so that kept + excluded areas add up to the total, and ``why`` the
    reason each excluded row was excluded ("" for kept rows). Report labels are the
    frame's index labels (row positions when the index has duplicates).
    """
    check_geometry_types(gdf, name, ("polygon",))
    labels = gdf.index
    if not labels.is_unique:  # the row bookkeeping below is by label: use positions instead
        gdf = gdf.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)  # re-issued below with the full count
        clean, report = check_geometries(gdf, name, on_invalid=on_invalid)
    src = get_crs(gdf, name)
    raw = gpd.GeoSeries(gdf.geometry.values, crs=src)
    raw_m = project(raw, target_crs, name=name)
    raw_area = np.nan_to_num(shapely.area(np.asarray(raw_m.values, dtype=object)), nan=0.0)
    usable = gdf.index.isin(clean.index) if len(clean) != len(gdf) else np.ones(len(gdf), dtype=bool)
    usable = np.asarray(usable, dtype=bool)
    cg = gpd.GeoSeries(clean.geometry.values, crs=src)
    cg = project(cg, target_crs, name=name)
    snapped, repaired = snap(np.asarray(cg.values, dtype=object), grid_m)
    if repaired.any():
        report.fixed.extend(list(clean.index[repaired]))
    collapsed = shapely.is_empty(snapped) | (shapely.area(snapped) <= 0)
    geoms = np.full(len(gdf), None, dtype=object)
    pos = np.flatnonzero(usable)
    geoms[pos] = snapped
    if collapsed.any():
        report.exclude(f"collapsed to nothing at the {grid_m} m precision grid", list(clean.index[collapsed]))
        usable[pos[collapsed]] = False
        geoms[pos[collapsed]] = None
    why = np.full(len(gdf), "", dtype=object)
    for reason, labs in report.excluded.items():
        why[gdf.index.get_indexer(labs)] = f"excluded: {reason}"
    if report.n_excluded:
        warnings.warn(
            f"`{name}`: {report.summary()}; {int(usable.sum())} of {len(gdf)} rows used "
            f"(the excluded rows are kept in the output, flagged).",
            DroppedRowsWarning,
            stacklevel=4,
        )
    return geoms, usable, report, raw_area, why


def layer_geoms(layer: gpd.GeoDataFrame, name: str, *, target_crs: Any, grid_m: float) -> np.ndarray:
    """Metric, valid, snapped, non-empty polygon geometries of a constraint layer."""
    check_geometry_types(layer, name, ("polygon",))
    geoms = geoms_of(layer)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    src = get_crs(layer, name)
    g = gpd.GeoSeries(geoms[keep], crs=src)
    g = project(g, target_crs, name=name)
    arr = np.asarray(g.values, dtype=object)
    bad = ~shapely.is_valid(arr)
    if bad.any():
        arr = arr.copy()
        arr[bad] = polygonal(shapely.make_valid(arr[bad]))
    arr, _ = snap(arr, grid_m)
    return arr[~shapely.is_empty(arr)]


def pick_metric_crs(gdf: Any, name: str):
    return metric_crs(gdf, name=name)


def pair_areas(
    tree: shapely.STRtree, geoms: np.ndarray, areas: np.ndarray, layer: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection areas of every (parcel, layer polygon) pair that intersects.

    ``tree`` indexes ``geoms``. Layer polygons are prepared, and pairs where the layer
    polygon contains the parcel take the parcel's area without an intersection.
    Returns ``(parcel_idx, layer_idx, area_m2)``.
    """
    if len(layer) == 0:
        e = np.empty(0, dtype=np.intp)
        return e, e, np.empty(0)
    # prepare private copies: preparing is in place, and the caller's geometries may be
    # shared with the user or with other threads (dask partitions)
    layer = shapely.from_wkb(shapely.to_wkb(layer))
    shapely.prepare(layer)
    li, pi = tree.query(layer, predicate="intersects")
    inside = shapely.contains_properly(layer[li], geoms[pi])
    a = np.empty(len(pi))
    a[inside] = areas[pi[inside]]
    part = ~inside
    if part.any():
        a[part] = shapely.area(shapely.intersection(geoms[pi[part]], layer[li[part]]))
    return pi, li, a


def overlap_area(tree: shapely.STRtree, geoms: np.ndarray, areas: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Area of each parcel covered by the union of ``layer`` (overlapping layer polygons counted once)."""
    n = len(geoms)
    pi, li, a = pair_areas(tree, geoms, areas, layer)
    out = np.zeros(n)
    if len(pi) == 0:
        return out
    counts = np.bincount(pi, minlength=n)
    single = counts[pi] == 1
    np.add.at(out, pi[single], a[single])
    multi = ~single
    if multi.any():
        mp, ml, ma = pi[multi], li[multi], a[multi]
        order = np.argsort(mp, kind="stable")
        mp, ml, ma = mp[order], ml[order], ma[order]
        starts = np.flatnonzero(np.r_[True, mp[1:] != mp[:-1]])
        ends = np.r_[starts[1:], len(mp)]
        for s, e in zip(starts, ends):
            p = mp[s]
            if np.any(ma[s:e] >= areas[p] * (1 - 1e-12)):
                out[p] = areas[p]
                continue
            # the layer's polygons may overlap each other: union them inside the parcel
            pieces = shapely.intersection(geoms[p], layer[ml[s:e]])
            out[p] = shapely.area(shapely.union_all(pieces))
    return np.minimum(out, areas)


def largest_overlap(
    tree: shapely.STRtree, geoms: np.ndarray, areas: np.ndarray, layer: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each parcel, the layer value with the largest overlap and that overlap's area.

    Parcels touching no layer polygon get ``None`` and 0.
    """
    n = len(geoms)
    val = np.full(n, None, dtype=object)
    best = np.zeros(n)
    pi, li, a = pair_areas(tree, geoms, areas, layer)
    keep = a > 0
    pi, li, a = pi[keep], li[keep], a[keep]
    if len(pi) == 0:
        return val, best
    # sum areas per (parcel, value) so a class split over several polygons counts once
    frame = pd.DataFrame({"p": pi, "v": values[li], "a": a})
    agg = frame.groupby(["p", "v"], sort=False)["a"].sum().reset_index()
    agg = agg.sort_values(["p", "a"], kind="stable").drop_duplicates("p", keep="last")
    val[agg["p"].to_numpy()] = agg["v"].to_numpy()
    best[agg["p"].to_numpy()] = agg["a"].to_numpy()
    return val, best
