"""Subsidence areas: classes, waterlogging, cleaning, polygons and zonal statistics."""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._docs import shared_doc
from .._validate import check_number
from ..errors import InvalidOptionError
from ..raster import Raster
from ..units import MU_M2
from . import _docs as _d

log = logging.getLogger(__name__)

__all__ = ["subsidence_areas", "water_depth", "water_bodies", "MU_M2", "DEFAULT_CLASSES"]

#: Lower bounds (m) of the subsidence classes: slight, seasonal waterlogging, shallow water, deep water.
DEFAULT_CLASSES = (0.01, 0.5, 1.5, 3.0)


def _check_raster(raster, name: str) -> Raster:
    if not isinstance(raster, Raster):
        raise TypeError(
            f"`{name}` must be a urbangeo.raster.Raster (from predict_subsidence, urbangeo.io.read_raster, "
            f"dem_difference ...); got {type(raster).__name__}."
        )
    raster.require_metric(name)
    return raster


def _gw_array(subsidence: Raster, groundwater_depth_m) -> np.ndarray:
    if isinstance(groundwater_depth_m, Raster):
        gw = groundwater_depth_m.align_to(subsidence, label="groundwater_depth_m", like_label="subsidence")
        arr = gw.array
        if np.nanmin(arr) < 0:
            raise InvalidOptionError("`groundwater_depth_m` has negative depths; depths are metres below ground, >= 0.")
        return arr
    return np.broadcast_to(check_number(groundwater_depth_m, "groundwater_depth_m", minimum=0), subsidence.shape)


@shared_doc(subsidence=_d.SUBSIDENCE, groundwater_depth_m=_d.GROUNDWATER_DEPTH)
def water_depth(subsidence: Raster, *, groundwater_depth_m: float | Raster) -> Raster:
    """Standing water depth (m) after subsidence: max(W - groundwater depth, 0).

    ``groundwater_depth_m`` is the pre-mining depth to the water table (a number or a
    raster, warped to the subsidence grid if needed); NaN cells stay NaN.

    Parameters
    ----------
    {subsidence}
    {groundwater_depth_m}

    Returns
    -------
    Raster
        Water depth in metres on the subsidence grid.

    Examples
    --------
    >>> from affine import Affine
    >>> w = Raster(np.array([[0.5, 2.0, 4.0]]), Affine(10, 0, 0, 0, -10, 0), "EPSG:4547")
    >>> water_depth(w, groundwater_depth_m=1.5).array.tolist()
    [[0.0, 0.5, 2.5]]
    """
    _check_raster(subsidence, "subsidence")
    gw = _gw_array(subsidence, groundwater_depth_m)
    w = subsidence.array
    d = np.where(np.isnan(w) | np.isnan(gw), np.nan, np.maximum(w - gw, 0.0))
    return subsidence.with_array(d, name="water_depth", units="m")


def _disk(radius: int) -> np.ndarray:
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return (x * x + y * y) <= radius * radius


def _clean(mask: np.ndarray, radius: int) -> np.ndarray:
    """Closing then opening with a disk, computed on a padded copy (no edge erosion)."""
    if radius <= 0:
        return mask
    from scipy import ndimage

    st = _disk(radius)
    p = np.pad(mask, radius + 1, mode="edge")
    p = ndimage.binary_closing(p, structure=st)
    p = ndimage.binary_opening(p, structure=st)
    return p[radius + 1 : -(radius + 1), radius + 1 : -(radius + 1)]


_FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def _drop_small(mask: np.ndarray, min_cells: float) -> np.ndarray:
    if min_cells <= 1:
        return mask
    from scipy import ndimage

    lab, n = ndimage.label(mask, structure=_FOUR)
    if n == 0:
        return mask
    counts = np.bincount(lab.ravel())
    small = counts < min_cells
    small[0] = False
    return mask & ~small[lab]


def _classify_block(values: np.ndarray, classes, clean_radius_cells: int, min_cells: float) -> np.ndarray:
    finite = np.isfinite(values)
    masks = []
    prev = None
    for t in classes:
        m = finite & (np.where(finite, values, -np.inf) >= t)
        m = _clean(m, clean_radius_cells) & finite
        if prev is not None:
            m &= prev
        masks.append(m)
        prev = m
    for k in range(len(masks) - 1, -1, -1):
        masks[k] = _drop_small(masks[k], min_cells)
        if k + 1 < len(masks):
            masks[k + 1] &= masks[k]
    out = np.zeros(values.shape, dtype=np.int32)
    for m in masks:
        out += m
    return out


def classify(values: np.ndarray, classes, *, clean_radius_cells: int = 1, min_cells: float = 0) -> np.ndarray:
    """Class index per cell (0 = below the first class), nested masks cleaned and small parts merged down.

    The work is done window by window: cells of the first class are grouped into
    clusters more than 2 (radius + 1) cells apart (so cleaning cannot join two
    clusters), and each cluster is processed inside its own bounding box. The result
    is identical to processing the whole grid at once.
    """
    from scipy import ndimage

    finite = np.isfinite(values)
    base = finite & (np.where(finite, values, -np.inf) >= classes[0])
    out = np.zeros(values.shape, dtype=np.int32)
    if not base.any():
        return out
    grow = clean_radius_cells + 1
    dil = ndimage.binary_dilation(base, structure=np.ones((3, 3), bool), iterations=grow)
    lab, n = ndimage.label(dil, structure=np.ones((3, 3), bool))
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        if sl is None:
            continue
        sl = tuple(slice(max(s.start - grow, 0), s.stop + grow) for s in sl)
        block = _classify_block(values[sl], classes, clean_radius_cells, min_cells)
        own = lab[sl] == i
        out[sl][own] = block[own]
    return out


_MAX_WINDOWS = 2000  # beyond this many separate clusters, whole-grid passes are cheaper than a Python loop


def _clusters(mask: np.ndarray):
    """8-connected clusters of ``mask``: label raster and bounding-box slices (None if too many)."""
    from scipy import ndimage

    lab, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if n == 0 or n > _MAX_WINDOWS:
        return lab, None
    return lab, ndimage.find_objects(lab)


def _component_ids(cls: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique id per 4-connected component of each class (0 = none) and the class of each id.

    Labels are computed inside the bounding box of each cluster of classified cells.
    """
    from scipy import ndimage

    ids = np.zeros(cls.shape, dtype=np.int32)
    id_class = [0]
    offset = 0
    lab, objs = _clusters(cls > 0)
    windows = [(slice(None), slice(None))] if objs is None else objs
    for i, sl in enumerate(windows, start=1):
        if sl is None:
            continue
        sub = cls[sl] if objs is None else np.where(lab[sl] == i, cls[sl], 0)
        view = ids[sl]
        for k in range(1, n_classes + 1):
            lk, n = ndimage.label(sub == k, structure=_FOUR)
            if n:
                hit = lk > 0
                view[hit] = lk[hit] + offset
                id_class.extend([k] * n)
                offset += n
    return ids, np.asarray(id_class)


def polygons_by_id(ids: np.ndarray, transform) -> dict[int, object]:
    """Polygon (or MultiPolygon) of the cells of each positive id, holes kept.

    ``rasterio.features.shapes`` runs on the bounding box of each cluster of cells.
    """
    from affine import Affine
    from rasterio.features import shapes

    parts: dict[int, list] = {}
    lab, objs = _clusters(ids > 0)
    if objs is None:
        whole = (slice(0, ids.shape[0]), slice(0, ids.shape[1]))
        windows = [(whole, ids.astype(np.int32))] if ids.any() else []
    else:
        windows = [(sl, np.where(lab[sl] == i, ids[sl], 0).astype(np.int32))
                   for i, sl in enumerate(objs, start=1) if sl is not None]
    for sl, sub in windows:
        wt = transform @ Affine.translation(sl[1].start, sl[0].start)
        for geom, val in shapes(sub, mask=sub > 0, connectivity=4, transform=wt):
            parts.setdefault(int(val), []).append(shapely.geometry.shape(geom))
    return {k: (v[0] if len(v) == 1 else shapely.union_all(v)) for k, v in parts.items()}


def _label(lo: float, hi: float | None) -> str:
    return f">= {lo:g} m" if hi is None else f"{lo:g}-{hi:g} m"


def _check_classes(classes) -> tuple[float, ...]:
    try:
        c = tuple(float(x) for x in classes)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError(f"`classes` must be increasing numbers (m); got {classes!r}.") from exc
    if not c or any(b <= a for a, b in zip(c, c[1:])) or c[0] <= 0 or not all(map(math.isfinite, c)):
        raise InvalidOptionError(f"`classes` must be positive, finite and strictly increasing (m); got {classes!r}.")
    return c


@shared_doc(subsidence=_d.SUBSIDENCE)
def subsidence_areas(
    subsidence: Raster,
    *,
    classes: tuple[float, ...] = DEFAULT_CLASSES,
    groundwater_depth_m: float | Raster | None = None,
    min_area_m2: float = 0.0,
    clean_radius_cells: int = 1,
) -> gpd.GeoDataFrame:
    """Polygons of subsidence classes with zonal statistics.

    Cells are classed by subsidence W against the lower bounds ``classes`` (class k:
    ``classes[k-1] <= W < classes[k]``); the nested masks W >= bound are cleaned
    (morphological closing then opening with a disk of ``clean_radius_cells``), and
    connected parts smaller than ``min_area_m2`` are merged into the class below (the
    lowest class's small parts are left unclassified). Each 4-connected part of a class
    becomes one polygon (holes kept) from ``rasterio.features.shapes``.

    Parameters
    ----------
    {subsidence}
    classes : tuple of float
        Increasing lower bounds (m); default (0.01, 0.5, 1.5, 3.0).
    groundwater_depth_m : float or Raster, optional
        Pre-mining depth to the water table; gives water depth = W - depth where positive.
    min_area_m2 : float
        Parts smaller than this are merged into the class below.
    clean_radius_cells : int
        Radius of the cleaning disk in cells (0: no cleaning).

    Returns
    -------
    GeoDataFrame
        One row per polygon in the raster's CRS, columns ``class`` (1..n),
        ``class_label``, ``w_lower_m``, ``w_upper_m``, ``area_m2``, ``area_ha``,
        ``area_mu``, ``subsidence_max_m``, ``subsidence_mean_m``, ``water_area_m2``,
        ``water_depth_max_m``, ``water_depth_mean_m``, ``water_volume_m3`` (water
        columns NaN without ``groundwater_depth_m``). Areas are exact cell areas and
        equal the polygon areas.

    Examples
    --------
    >>> from affine import Affine
    >>> w = Raster(np.array([[0.0, 0.2, 0.6], [0.0, 0.3, 0.8]]), Affine(10, 0, 0, 0, -10, 20), "EPSG:4547")
    >>> a = subsidence_areas(w, groundwater_depth_m=0.5, clean_radius_cells=0)
    >>> a["class"].tolist(), a["area_m2"].tolist(), a["water_volume_m3"].round(6).tolist()
    ([1, 2], [200.0, 200.0], [0.0, 40.0])
    """
    _check_raster(subsidence, "subsidence")
    classes = _check_classes(classes)
    min_area_m2 = check_number(min_area_m2, "min_area_m2", minimum=0)
    clean_radius_cells = int(check_number(clean_radius_cells, "clean_radius_cells", minimum=0))
    w = subsidence.array
    cell = subsidence.cell_area_m2
    cls = classify(w, classes, clean_radius_cells=clean_radius_cells, min_cells=min_area_m2 / cell)
    ids, id_class = _component_ids(cls, len(classes))
    return _zone_table(subsidence, ids, id_class, classes, groundwater_depth_m).drop(columns="_id")


def _zone_table(subsidence, ids, id_class, classes, groundwater_depth_m) -> gpd.GeoDataFrame:
    cell = subsidence.cell_area_m2
    n = len(id_class)
    sel = np.flatnonzero(ids.ravel())  # only the classified cells are visited
    flat = ids.ravel()[sel]
    w = subsidence.array.ravel()[sel]
    w = np.where(np.isfinite(w), w, 0.0)
    count = np.bincount(flat, minlength=n).astype(float)
    wsum = np.bincount(flat, weights=w, minlength=n)
    wmax = np.full(n, -np.inf)
    np.maximum.at(wmax, flat, w)
    geoms = polygons_by_id(ids, subsidence.transform)
    keys = np.arange(1, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        data = {
            "class": id_class[1:].astype(int),
            "class_label": [_label(classes[k - 1], classes[k] if k < len(classes) else None) for k in id_class[1:]],
            "w_lower_m": [classes[k - 1] for k in id_class[1:]],
            "w_upper_m": [classes[k] if k < len(classes) else np.inf for k in id_class[1:]],
            "area_m2": count[1:] * cell,
        }
        data["area_ha"] = data["area_m2"] / 1e4
        data["area_mu"] = data["area_m2"] / MU_M2
        data["subsidence_max_m"] = wmax[1:]
        data["subsidence_mean_m"] = wsum[1:] / count[1:]
        if groundwater_depth_m is not None:
            gw = (check_number(groundwater_depth_m, "groundwater_depth_m", minimum=0)
                  if not isinstance(groundwater_depth_m, Raster)
                  else _gw_array(subsidence, groundwater_depth_m).ravel()[sel])
            d = np.maximum(w - gw, 0.0)
            d = np.where(np.isfinite(d), d, 0.0)
            wet = np.bincount(flat, weights=(d > 0).astype(float), minlength=n)
            vol = np.bincount(flat, weights=d, minlength=n) * cell
            dmax = np.zeros(n)
            np.maximum.at(dmax, flat, d)
            data["water_area_m2"] = wet[1:] * cell
            data["water_depth_max_m"] = dmax[1:]
            data["water_depth_mean_m"] = np.where(wet[1:] > 0, vol[1:] / cell / np.maximum(wet[1:], 1), 0.0)
            data["water_volume_m3"] = vol[1:]
        else:
            for col in ("water_area_m2", "water_depth_max_m", "water_depth_mean_m", "water_volume_m3"):
                data[col] = np.full(n - 1, np.nan)
    out = gpd.GeoDataFrame(data, geometry=[geoms[int(k)] for k in keys], crs=subsidence.crs)
    out["_id"] = keys
    out = out.sort_values(["class", "area_m2"], ascending=[True, False], kind="stable").reset_index(drop=True)
    out["class"] = out["class"].astype("int64")
    return out


def _shoreline_length(geom, cell: float) -> float:
    """Length of a water polygon's boundary with the raster staircase removed.

    The cell-edge boundary is simplified (Douglas-Peucker, tolerance = one cell), which
    takes a circle's staircase length (4/pi too long) back to within about 1 %.
    """
    simple = shapely.simplify(geom, cell, preserve_topology=True)
    return float(shapely.length(shapely.boundary(simple)))


@shared_doc(subsidence=_d.SUBSIDENCE, groundwater_depth_m=_d.GROUNDWATER_DEPTH)
def water_bodies(
    subsidence: Raster,
    *,
    groundwater_depth_m: float | Raster,
    min_area_m2: float = 0.0,
    clean_radius_cells: int = 1,
) -> gpd.GeoDataFrame:
    """Water bodies at the normal water level (the pre-mining water table).

    Parameters
    ----------
    {subsidence}
    {groundwater_depth_m}
    min_area_m2 : float
        Water bodies smaller than this are left out.
    clean_radius_cells : int
        Radius of the cleaning disk in cells (0: no cleaning), as in
        :func:`subsidence_areas`.

    Returns
    -------
    GeoDataFrame
        One row per connected water body: ``area_m2``, ``area_ha``, ``area_mu``,
        ``shoreline_m`` (outer shore plus island shores), ``shoreline_development_index``
        L / (2 sqrt(pi A)) (1 for a circle), ``depth_max_m``, ``depth_mean_m`` and
        ``storage_volume_m3`` (volume below the normal water level).

    Examples
    --------
    >>> from affine import Affine
    >>> w = Raster(np.array([[0.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0]]), Affine(10, 0, 0, 0, -10, 30), "EPSG:4547")
    >>> b = water_bodies(w, groundwater_depth_m=1.0, clean_radius_cells=0)
    >>> b[["area_m2", "storage_volume_m3", "depth_max_m"]].values.tolist()
    [[100.0, 200.0, 2.0]]
    """
    _check_raster(subsidence, "subsidence")
    min_area_m2 = check_number(min_area_m2, "min_area_m2", minimum=0)
    clean_radius_cells = int(check_number(clean_radius_cells, "clean_radius_cells", minimum=0))
    d = water_depth(subsidence, groundwater_depth_m=groundwater_depth_m).array
    cell = subsidence.cell_area_m2
    wet = classify(np.where(np.isfinite(d), d, 0.0), (1e-9,), clean_radius_cells=clean_radius_cells,
                   min_cells=min_area_m2 / cell)
    ids, id_class = _component_ids(wet, 1)
    n = len(id_class)
    dd = np.where(np.isfinite(d) & (wet > 0), d, 0.0).ravel()
    flat = ids.ravel()
    count = np.bincount(flat, minlength=n).astype(float)
    vol = np.bincount(flat, weights=dd, minlength=n) * cell
    dmax = np.zeros(n)
    np.maximum.at(dmax, flat, dd)
    geoms = polygons_by_id(ids, subsidence.transform)
    area = count[1:] * cell
    shore = np.array([_shoreline_length(geoms[k], subsidence.res[0]) for k in range(1, n)])
    out = gpd.GeoDataFrame(
        {
            "area_m2": area,
            "area_ha": area / 1e4,
            "area_mu": area / MU_M2,
            "shoreline_m": shore,
            "shoreline_development_index": shore / (2 * np.sqrt(np.pi * area)) if n > 1 else np.zeros(0),
            "depth_max_m": dmax[1:],
            "depth_mean_m": vol[1:] / np.maximum(area, 1e-300),
            "storage_volume_m3": vol[1:],
        },
        geometry=[geoms[k] for k in range(1, n)],
        crs=subsidence.crs,
    )
    return out.sort_values("area_m2", ascending=False, kind="stable").reset_index(drop=True)


def _empty_like(crs) -> gpd.GeoDataFrame:  # pragma: no cover - helper for callers
    return gpd.GeoDataFrame(pd.DataFrame(), geometry=[], crs=crs)
