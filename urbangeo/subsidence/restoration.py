"""Restoration zoning of subsidence land: uses, water, terraces, shelves, setbacks, damage, stability.

Tables with the rule numbers (each row citing its source) live in ``urbangeo/data``:
``subsidence_restoration_uses.csv``, ``subsidence_damage_grades.csv`` and
``subsidence_critical_values.csv``; every function takes its own table instead.
"""

from __future__ import annotations

import logging
import math
from typing import overload

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._docs import shared_doc
from .._validate import check_number
from ..errors import InvalidOptionError
from ..raster import Raster
from . import _docs as _d
from ._tables import critical_values, table_arg
from .areas import (
    MU_M2,
    _check_raster,
    _component_ids,
    _shoreline_length,
    _zone_table,
    classify,
    polygons_by_id,
    water_depth,
)

log = logging.getLogger(__name__)

__all__ = [
    "restoration_zones",
    "terrace_bands",
    "safety_shelf",
    "structure_setbacks",
    "damage_grades",
    "knothe_subsidence",
    "knothe_rate",
]

_USE_COLUMNS = ["class", "w_lower_m", "w_upper_m", "state", "restoration_use", "water", "in_park", "source"]
_GRADE_COLUMNS = ["grade", "rank", "strain_max_mm_per_m", "tilt_max_mm_per_m", "subsidence_max_m", "groundwater_depth_min_m"]


@overload
def _aligned(r: Raster, like: Raster, name: str, like_name: str = ...) -> np.ndarray: ...
@overload
def _aligned(r: None, like: Raster, name: str, like_name: str = ...) -> None: ...
@overload
def _aligned(r: Raster | None, like: Raster, name: str, like_name: str = ...) -> np.ndarray | None: ...


def _aligned(r: Raster | None, like: Raster, name: str, like_name: str = "subsidence") -> np.ndarray | None:
    """``r``'s array on ``like``'s grid (:meth:`Raster.align_to`); None stays None."""
    if r is None:
        return None
    if not isinstance(r, Raster):
        raise TypeError(f"`{name}` must be a Raster; got {type(r).__name__}.")
    return r.align_to(like, label=name, like_label=like_name).array


# ---------------------------------------------------------------------------- time


@shared_doc(knothe=_d.KNOTHE)
def knothe_subsidence(final: Raster, *, c_per_yr: float, t_yr: float) -> Raster:
    """Subsidence reached ``t_yr`` years after mining: W(t) = W_final (1 - exp(-c t)) (Knothe).

    Parameters
    ----------
    {knothe}

    Returns
    -------
    Raster
        Subsidence W(t) in metres on the same grid.

    Examples
    --------
    >>> from affine import Affine
    >>> f = Raster(np.array([[2.0]]), Affine(10, 0, 0, 0, -10, 0), "EPSG:4547")
    >>> round(float(knothe_subsidence(f, c_per_yr=1.0, t_yr=1.0).array[0, 0]), 4)
    1.2642
    """
    _check_raster(final, "final")
    c = check_number(c_per_yr, "c_per_yr", minimum=0, strict=True)
    t = check_number(t_yr, "t_yr", minimum=0)
    return final.with_array(final.array * (1 - math.exp(-c * t)), name="subsidence", units="m")


@shared_doc(knothe=_d.KNOTHE)
def knothe_rate(final: Raster, *, c_per_yr: float, t_yr: float) -> Raster:
    """Subsidence rate (m/yr) at ``t_yr``: dW/dt = c W_final exp(-c t) (Knothe).

    Parameters
    ----------
    {knothe}

    Returns
    -------
    Raster
        Subsidence rate in m/yr on the same grid.
    """
    _check_raster(final, "final")
    c = check_number(c_per_yr, "c_per_yr", minimum=0, strict=True)
    t = check_number(t_yr, "t_yr", minimum=0)
    return final.with_array(final.array * c * math.exp(-c * t), name="subsidence_rate", units="m/yr")


# ---------------------------------------------------------------------------- damage


@shared_doc(subsidence=_d.SUBSIDENCE, groundwater_depth_m=_d.GROUNDWATER_DEPTH)
def damage_grades(
    subsidence: Raster,
    *,
    groundwater_depth_m: float | Raster,
    tilt_max: Raster | None = None,
    strain_max: Raster | None = None,
    grades: pd.DataFrame | str | None = None,
) -> Raster:
    """Cultivated-land damage grade per cell (1 slight, 2 moderate, 3 severe; TD/T 1031.3-2011).

    A cell takes the worst grade of its indicators: subsidence, depth to the water
    table after subsidence (pre-mining depth minus W), and, when given, the magnitudes
    of tilt and horizontal strain (SI rasters from :func:`predict_deformation`).

    Parameters
    ----------
    {subsidence}
    {groundwater_depth_m}
    tilt_max, strain_max : Raster, optional
        Magnitudes of tilt and horizontal strain (m/m) on the same grid and CRS.
    grades : DataFrame or str, optional
        Grade table (a DataFrame or a CSV path) with the columns of the shipped
        ``urbangeo/data/subsidence_damage_grades.csv`` (the default).

    Returns
    -------
    Raster
        Grade rank per cell (1 slight, 2 moderate, 3 severe); NaN where W is NaN.

    Examples
    --------
    >>> from affine import Affine
    >>> w = Raster(np.array([[0.3, 1.2, 2.5]]), Affine(10, 0, 0, 0, -10, 0), "EPSG:4547")
    >>> damage_grades(w, groundwater_depth_m=2.0).array.tolist()
    [[1.0, 2.0, 3.0]]
    """
    _check_raster(subsidence, "subsidence")
    t = table_arg(grades, "subsidence_damage_grades", _GRADE_COLUMNS, "grades").sort_values("rank")
    from .areas import _gw_array

    w = subsidence.array
    gw_after = _gw_array(subsidence, groundwater_depth_m) - w
    tilt = _aligned(tilt_max, subsidence, "tilt_max")
    strain = _aligned(strain_max, subsidence, "strain_max")
    grade = _grade_values(t, w, gw_after, tilt, strain)
    grade = np.where(np.isfinite(w), grade, np.nan)
    return subsidence.with_array(grade, name="damage_grade", units="rank")


def _grade_values(t: pd.DataFrame, w, gw_after, tilt=None, strain=None) -> np.ndarray:
    """Worst grade rank over the indicators (arrays of any shape)."""
    worst = float(t["rank"].max())
    rows = t.sort_values("rank", ascending=False)

    def grade_of(values, col, upper=True, scale=1.0):
        g = np.full(np.shape(values), worst)
        for _, row in rows.iterrows():
            lim = row[col]
            if pd.isna(lim):
                continue
            ok = (np.abs(values) <= lim * scale) if upper else (values >= lim * scale)
            g = np.where(ok, float(row["rank"]), g)
        return g

    grade = np.maximum(grade_of(w, "subsidence_max_m"), grade_of(gw_after, "groundwater_depth_min_m", upper=False))
    if tilt is not None:
        grade = np.maximum(grade, grade_of(tilt, "tilt_max_mm_per_m", scale=1e-3))
    if strain is not None:
        grade = np.maximum(grade, grade_of(strain, "strain_max_mm_per_m", scale=1e-3))
    return grade


# ---------------------------------------------------------------------------- zones


def restoration_zones(
    subsidence: Raster,
    *,
    groundwater_depth_m: float | Raster,
    uses: pd.DataFrame | str | None = None,
    min_area_m2: float = 0.0,
    clean_radius_cells: int = 1,
    tilt_max: Raster | None = None,
    strain_max: Raster | None = None,
    rate: Raster | None = None,
    grades: pd.DataFrame | str | None = None,
) -> gpd.GeoDataFrame:
    """Restoration zones: subsidence classes with their use, water, damage grade and stability.

    Parameters
    ----------
    subsidence : Raster
        Final (or current) subsidence, m, positive down, metric CRS.
    groundwater_depth_m : float or Raster
        Pre-mining depth to the water table; the normal water level of the new lakes.
    uses : DataFrame or path, optional
        Class table (``urbangeo/data/subsidence_restoration_uses.csv`` by default): its
        ``w_lower_m`` are the class bounds, ``restoration_use`` the use of each class.
    min_area_m2, clean_radius_cells
        As in :func:`subsidence_areas`.
    tilt_max, strain_max : Raster, optional
        Deformation magnitudes (SI) used for the damage grade.
    rate : Raster, optional
        Subsidence rate (m/yr, positive down), observed (InSAR) or from
        :func:`knothe_rate`; a zone is stable when its largest 6-month subsidence
        (rate x 0.5 yr, conservative for a decaying rate) stays under 30 mm.
    grades : DataFrame or path, optional
        Damage grade table (default TD/T 1031.3-2011 values).

    Returns
    -------
    GeoDataFrame
        The columns of :func:`subsidence_areas` plus ``state``, ``restoration_use``,
        ``restoration_use_zh``, ``water``, ``in_park``, ``use_source``, ``shoreline_m``
        (the zone's share of the water/land boundary at the normal water level: the
        underwater boundary between two depth zones is not shoreline, so a deep zone
        surrounded by shallower water has 0 and the zones of a lake add up to the
        lake's ``shoreline_m`` in :func:`water_bodies`), ``shoreline_development_index``
        (``shoreline_m / (2 sqrt(pi water_area_m2))``: the zone's own shore only, 0 for
        a zone wholly under water; the lake's index is in :func:`water_bodies`),
        ``storage_volume_m3``, ``damage_grade`` (the grade covering most of the
        zone), ``severe_share``, ``rate_max_m_per_yr``, ``subsidence_6mo_max_m`` and
        ``stable`` (NaN / NA without ``rate``). Zone areas sum to the subsided area
        (W >= the first class bound, after cleaning).

    Examples
    --------
    >>> from affine import Affine
    >>> w = Raster(np.array([[0.2, 1.0, 2.0, 4.0]]), Affine(10, 0, 0, 0, -10, 0), "EPSG:4547")
    >>> z = restoration_zones(w, groundwater_depth_m=1.0, clean_radius_cells=0)
    >>> z["restoration_use"].str.split().str[0].tolist(), z["storage_volume_m3"].tolist()
    (['level', 'drainage', 'shallow', 'deep'], [0.0, 0.0, 100.0, 300.0])
    """
    _check_raster(subsidence, "subsidence")
    table = table_arg(uses, "subsidence_restoration_uses", _USE_COLUMNS, "uses").sort_values("w_lower_m")
    bounds = tuple(float(v) for v in table["w_lower_m"])
    if any(b <= a for a, b in zip(bounds, bounds[1:])) or bounds[0] <= 0:
        raise InvalidOptionError(f"`uses` w_lower_m must be positive and increasing; got {bounds}.")
    min_area_m2 = check_number(min_area_m2, "min_area_m2", minimum=0)
    clean_radius_cells = int(check_number(clean_radius_cells, "clean_radius_cells", minimum=0))
    cell = subsidence.cell_area_m2
    cls = classify(subsidence.array, bounds, clean_radius_cells=clean_radius_cells, min_cells=min_area_m2 / cell)
    ids, id_class = _component_ids(cls, len(bounds))
    zones = _zone_table(subsidence, ids, id_class, bounds, groundwater_depth_m)
    geoms_ids = zones.pop("_id").to_numpy()
    n = len(id_class)
    # everything below visits the classified cells only
    sel = np.flatnonzero(ids.ravel())
    flat = ids.ravel()[sel]
    w_sel = subsidence.array.ravel()[sel]
    gw_sel: np.ndarray | float
    if isinstance(groundwater_depth_m, Raster):
        from .areas import _gw_array

        gw_sel = _gw_array(subsidence, groundwater_depth_m).ravel()[sel]
    else:
        gw_sel = check_number(groundwater_depth_m, "groundwater_depth_m", minimum=0)
    wet_sel = (w_sel - gw_sel) > 0
    shore = _zone_shorelines(ids.shape, sel[wet_sel], flat[wet_sel], n, subsidence)[geoms_ids]
    warea = zones["water_area_m2"].to_numpy()
    info = table.reset_index(drop=True)
    rows = [info.iloc[int(k) - 1] for k in zones["class"]]
    out = zones.copy()
    out["state"] = [r["state"] for r in rows]
    out["restoration_use"] = [r["restoration_use"] for r in rows]
    out["restoration_use_zh"] = [r.get("restoration_use_zh", "") for r in rows]
    out["water"] = np.array([str(r["water"]).lower() in ("true", "1") for r in rows], dtype=bool)
    out["in_park"] = np.array([str(r["in_park"]).lower() in ("true", "1") for r in rows], dtype=bool)
    out["use_source"] = [r["source"] for r in rows]
    out["shoreline_m"] = shore
    with np.errstate(invalid="ignore", divide="ignore"):
        out["shoreline_development_index"] = np.where(warea > 0, shore / (2 * np.sqrt(np.pi * warea)), np.nan)
    out["storage_volume_m3"] = out["water_volume_m3"]
    # damage grade: the grade covering most of the zone
    gtab = table_arg(grades, "subsidence_damage_grades", _GRADE_COLUMNS, "grades")
    tilt = _aligned(tilt_max, subsidence, "tilt_max")
    strain = _aligned(strain_max, subsidence, "strain_max")
    g = _grade_values(gtab, w_sel, gw_sel - w_sel,
                      None if tilt is None else tilt.ravel()[sel], None if strain is None else strain.ravel()[sel])
    gtab = gtab.set_index("rank")
    ranks = sorted(int(r) for r in gtab.index)
    gi = g.astype(int)
    counts = np.stack([np.bincount(flat, weights=(gi == r).astype(float), minlength=n) for r in ranks], axis=1)
    per_id = counts[geoms_ids]
    out["damage_grade"] = [str(gtab.loc[ranks[int(np.argmax(c))], "grade"]) for c in per_id]
    out["severe_share"] = per_id[:, -1] / np.maximum(per_id.sum(axis=1), 1)
    if rate is not None:
        crit = critical_values()
        rv = _aligned(rate, subsidence, "rate").ravel()[sel]
        rv = np.where(np.isfinite(rv), rv, 0.0)
        rmax = np.full(n, -np.inf)
        np.maximum.at(rmax, flat, rv)
        out["rate_max_m_per_yr"] = rmax[geoms_ids]
        out["subsidence_6mo_max_m"] = np.maximum(out["rate_max_m_per_yr"], 0) * crit["stable_window"]
        out["stable"] = pd.array(out["subsidence_6mo_max_m"] < crit["stable_subsidence"], dtype="boolean")
    else:
        out["rate_max_m_per_yr"] = np.nan
        out["subsidence_6mo_max_m"] = np.nan
        out["stable"] = pd.array([pd.NA] * len(out), dtype="boolean")
    geom = out.pop("geometry")
    out["geometry"] = geom
    return gpd.GeoDataFrame(out, geometry="geometry", crs=subsidence.crs)


def _zone_shorelines(shape, wet_cells: np.ndarray, wet_zone: np.ndarray, n: int, subsidence: Raster) -> np.ndarray:
    """Shoreline length per zone id: the zone's share of the water/land boundary.

    ``wet_cells`` are the flat indices of the cells under water (in a zone), ``wet_zone``
    their zone ids. A cell edge is shore when it separates a wet cell from a dry cell or
    from the outside of the grid; edges between two wet cells (the underwater boundary
    between depth zones) are not. Each water body's staircase shore is scaled to the
    length of its one-cell Douglas-Peucker simplified boundary (as in
    :func:`water_bodies`), so the zones of a lake add up to the lake's shoreline.
    """
    rows, cols = shape
    out = np.zeros(n)
    if len(wet_cells) == 0:
        return out
    wet = np.zeros(rows * cols, dtype=bool)
    wet[wet_cells] = True
    wet = wet.reshape(shape)
    r, c = np.divmod(wet_cells, cols)
    rx, ry = subsidence.res

    def dry(rr, cc):
        inside = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        return ~inside | ~wet[np.clip(rr, 0, rows - 1), np.clip(cc, 0, cols - 1)]

    # west/east neighbours share a vertical edge (length ry), north/south a horizontal one (rx)
    edge = (dry(r, c - 1).astype(float) + dry(r, c + 1)) * ry + (dry(r - 1, c).astype(float) + dry(r + 1, c)) * rx
    body_ids, _ = _component_ids(wet.astype(np.int32), 1)
    body = body_ids.ravel()[wet_cells]
    n_body = int(body.max()) + 1
    staircase = np.bincount(body, weights=edge, minlength=n_body)
    bodies = polygons_by_id(body_ids, subsidence.transform)
    factor = np.zeros(n_body)
    for k, geom in bodies.items():
        if staircase[k] > 0:
            factor[k] = _shoreline_length(geom, rx) / staircase[k]
    return np.bincount(wet_zone, weights=edge * factor[body], minlength=n)


# ---------------------------------------------------------------------------- terraces


@shared_doc(subsidence=_d.SUBSIDENCE, groundwater_depth_m=_d.GROUNDWATER_DEPTH)
def terrace_bands(
    subsidence: Raster,
    *,
    groundwater_depth_m: float | Raster,
    bands: tuple[float, ...] = (0.0, 0.5, 1.5, 3.0),
    inflow_m3_per_day: float | None = None,
) -> gpd.GeoDataFrame:
    """Purification terrace bands by water depth at the normal water level.

    Bands are ``(bands[k], bands[k+1]]`` m of water depth, the last one open-ended
    (default 0-0.5 emergent-plant shallows, 0.5-1.5 submerged-plant terraces, 1.5-3
    open-water purification, > 3 m deep lake). One (multi)polygon per band.

    Parameters
    ----------
    {subsidence}
    {groundwater_depth_m}
    bands : tuple of float
        Increasing lower bounds of water depth (m).
    inflow_m3_per_day : float, optional
        Inflow through the wetland; gives ``retention_days``.

    Returns
    -------
    GeoDataFrame
        ``band``, ``depth_min_m``, ``depth_max_m``, ``area_m2``, ``area_mu``,
        ``volume_m3`` and ``retention_days`` (volume / inflow when
        ``inflow_m3_per_day`` is given). Band areas sum to the water area.

    Examples
    --------
    >>> from affine import Affine
    >>> w = Raster(np.array([[1.2, 2.0, 3.0, 5.0]]), Affine(10, 0, 0, 0, -10, 0), "EPSG:4547")
    >>> t = terrace_bands(w, groundwater_depth_m=1.0, inflow_m3_per_day=100.0)
    >>> t["area_m2"].tolist(), t["volume_m3"].round(6).tolist(), t["retention_days"].round(2).tolist()
    ([100.0, 100.0, 100.0, 100.0], [20.0, 100.0, 200.0, 400.0], [0.2, 1.0, 2.0, 4.0])
    """
    _check_raster(subsidence, "subsidence")
    b = tuple(float(x) for x in bands)
    if len(b) < 1 or b[0] != 0.0 or any(y <= x for x, y in zip(b, b[1:])):
        raise InvalidOptionError(f"`bands` must start at 0 and increase (m of water depth); got {bands!r}.")
    if inflow_m3_per_day is not None:
        inflow_m3_per_day = check_number(inflow_m3_per_day, "inflow_m3_per_day", minimum=0, strict=True)
    d = water_depth(subsidence, groundwater_depth_m=groundwater_depth_m).array
    d = np.where(np.isfinite(d), d, 0.0)
    cell = subsidence.cell_area_m2
    band_idx = np.zeros(d.shape, dtype=np.int32)
    for k, lo in enumerate(b):
        band_idx[d > lo] = k + 1
    geoms = polygons_by_id(band_idx, subsidence.transform)
    rows = []
    for k, lo in enumerate(b):
        hi = b[k + 1] if k + 1 < len(b) else np.inf
        m = band_idx == k + 1
        area = float(m.sum()) * cell
        vol = float(d[m].sum()) * cell
        rows.append({
            "band": f"{lo:g}-{hi:g} m" if np.isfinite(hi) else f"> {lo:g} m",
            "depth_min_m": lo,
            "depth_max_m": hi,
            "area_m2": area,
            "area_mu": area / MU_M2,
            "volume_m3": vol,
            "retention_days": vol / inflow_m3_per_day if inflow_m3_per_day else np.nan,
            "geometry": geoms.get(k + 1, shapely.Polygon()),
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=subsidence.crs)


# ---------------------------------------------------------------------------- safety shelf


def _bilinear(arr: np.ndarray, transform, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    from scipy.ndimage import map_coordinates

    cols = (np.asarray(xs) - transform.c) / transform.a  # north-up grid
    rows = (np.asarray(ys) - transform.f) / transform.e
    return map_coordinates(np.where(np.isfinite(arr), arr, 0.0), [rows - 0.5, cols - 0.5], order=1, mode="nearest")


@shared_doc(subsidence=_d.SUBSIDENCE, groundwater_depth_m=_d.GROUNDWATER_DEPTH)
def safety_shelf(
    subsidence: Raster,
    *,
    groundwater_depth_m: float | Raster,
    width_m: float | None = None,
    max_depth_m: float | None = None,
    min_area_m2: float = 0.0,
    clean_radius_cells: int = 1,
) -> gpd.GeoDataFrame:
    """Safety shelves along the shore of each water body (GB 51192-2016: 2 m, <= 0.7 m deep).

    The shelf is the strip of water within ``width_m`` of the shoreline. The natural
    water depth is read (bilinear) along the shelf's inner edge every cell width; where
    it exceeds ``max_depth_m`` a shelf must be built (or a railing put up).

    Parameters
    ----------
    {subsidence}
    {groundwater_depth_m}
    width_m : float, optional
        Shelf width (m, > 0); default ``safety_shelf_width`` of
        ``urbangeo/data/subsidence_critical_values.csv`` (2.0 m).
    max_depth_m : float, optional
        Largest water depth on the shelf (m); default ``safety_shelf_max_depth`` of the
        same table (0.7 m).
    min_area_m2, clean_radius_cells
        Which water bodies, as in :func:`water_bodies`.

    Returns
    -------
    GeoDataFrame
        One row per water body with its shelf strip as geometry: ``width_m``,
        ``max_depth_m``, ``shelf_area_m2``, ``shoreline_m``, ``depth_at_width_max_m``,
        ``noncompliant_shore_m`` (shore length where the natural depth at ``width_m``
        exceeds ``max_depth_m``), ``compliant`` and ``fill_volume_m3`` (earth needed to
        raise the strip to ``max_depth_m``, trapezoid estimate).
    """
    from .areas import water_bodies

    crit = critical_values()
    width_m = check_number(crit["safety_shelf_width"] if width_m is None else width_m, "width_m", minimum=0, strict=True)
    max_depth_m = check_number(crit["safety_shelf_max_depth"] if max_depth_m is None else max_depth_m,
                               "max_depth_m", minimum=0)
    lakes = water_bodies(subsidence, groundwater_depth_m=groundwater_depth_m, min_area_m2=min_area_m2,
                         clean_radius_cells=clean_radius_cells)
    d = water_depth(subsidence, groundwater_depth_m=groundwater_depth_m).array
    step = min(subsidence.res)
    rows = []
    for lake, shore_len in zip(lakes.geometry.values, lakes["shoreline_m"]):
        smooth = shapely.simplify(lake, step, preserve_topology=True)
        inner = smooth.buffer(-width_m)
        strip = smooth.difference(inner)
        line = shapely.boundary(inner) if not inner.is_empty else shapely.boundary(smooth)
        n = max(int(line.length / step), 1)
        pts = shapely.line_interpolate_point(line, np.linspace(0, line.length, n, endpoint=False)) if line.length > 0 else []
        if len(pts):
            xs = shapely.get_x(pts)
            ys = shapely.get_y(pts)
            depth = _bilinear(d, subsidence.transform, xs, ys)
        else:
            depth = np.array([0.0])
        excess = np.maximum(depth - max_depth_m, 0.0)
        bad_share = float((excess > 0).mean())
        rows.append({
            "width_m": width_m,
            "max_depth_m": max_depth_m,
            "shelf_area_m2": float(strip.area),
            "shoreline_m": float(shore_len),
            "depth_at_width_max_m": float(depth.max()),
            "noncompliant_shore_m": bad_share * float(shore_len),
            "compliant": bool(bad_share == 0),
            "fill_volume_m3": float(excess.mean()) * 0.5 * width_m * float(shore_len),
            "geometry": strip,
        })
    if not rows:
        return gpd.GeoDataFrame(
            {k: [] for k in ("width_m", "max_depth_m", "shelf_area_m2", "shoreline_m", "depth_at_width_max_m",
                             "noncompliant_shore_m", "compliant", "fill_volume_m3")},
            geometry=[], crs=subsidence.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=subsidence.crs)


# ---------------------------------------------------------------------------- setbacks


def structure_setbacks(
    deformation: dict[str, Raster],
    *,
    thresholds: dict[str, float] | None = None,
    clean_radius_cells: int = 0,
) -> gpd.GeoDataFrame:
    """Areas where structures should not stand: absolute deformation above the critical values.

    Parameters
    ----------
    deformation : dict of str to Raster
        From :func:`predict_deformation`; the keys ``tilt_max``, ``curvature_max`` and
        ``strain_max`` present are used (at least one).
    thresholds : dict, optional
        SI critical values by indicator (``{"tilt": 0.003, "curvature": 0.2e-3,
        "strain": 0.002}``, building damage grade I, from
        ``urbangeo/data/subsidence_critical_values.csv``).
    clean_radius_cells : int
        Radius (cells, >= 0) of the morphological closing/opening that cleans each
        exceedance mask; 0 keeps the cells as computed.

    Returns
    -------
    GeoDataFrame
        One row per indicator plus ``"any"`` (their union): ``indicator``,
        ``threshold_si``, ``unit_si``, ``area_m2`` and the area beyond the critical
        contour as geometry; the boundary of ``"any"`` is the setback line.

    Raises
    ------
    InvalidOptionError
        ``deformation`` empty or without any of the three rasters; unknown or
        non-positive ``thresholds``; negative ``clean_radius_cells``.
    """
    if not isinstance(deformation, dict) or not deformation:
        raise InvalidOptionError("`deformation` must be a non-empty dict of rasters from predict_deformation.")
    clean_radius_cells = int(check_number(clean_radius_cells, "clean_radius_cells", minimum=0))
    crit = critical_values()
    th = {k: crit[k] for k in ("tilt", "curvature", "strain")}
    if thresholds is not None:
        unknown = set(thresholds) - set(th)
        if unknown:
            raise InvalidOptionError(f"`thresholds` keys must be among {sorted(th)}; got {sorted(unknown)}.")
        th.update({k: check_number(v, f"thresholds[{k!r}]", minimum=0, strict=True) for k, v in thresholds.items()})
    keys = [k for k in ("tilt", "curvature", "strain") if f"{k}_max" in deformation]
    if not keys:
        raise InvalidOptionError(
            "`deformation` has none of 'tilt_max', 'curvature_max', 'strain_max'; call predict_deformation("
            "panels, quantities=('tilt_max', 'curvature_max', 'strain_max'))."
        )
    ref = deformation[f"{keys[0]}_max"]
    _check_raster(ref, "deformation")
    units = {"tilt": "m/m", "curvature": "1/m", "strain": "m/m"}
    rows = []
    union = np.zeros(ref.shape, dtype=bool)
    for k in keys:
        arr = _aligned(deformation[f"{k}_max"], ref, f"deformation['{k}_max']", f"deformation['{keys[0]}_max']")
        m = np.isfinite(arr) & (np.abs(arr) > th[k])
        m = classify(m.astype(float), (0.5,), clean_radius_cells=clean_radius_cells) > 0
        union |= m
        g = polygons_by_id(m.astype(np.int32), ref.transform).get(1, shapely.Polygon())
        rows.append({"indicator": k, "threshold_si": th[k], "unit_si": units[k], "area_m2": float(m.sum()) * ref.cell_area_m2,
                     "geometry": g})
    g = polygons_by_id(union.astype(np.int32), ref.transform).get(1, shapely.Polygon())
    rows.append({"indicator": "any", "threshold_si": np.nan, "unit_si": "", "area_m2": float(union.sum()) * ref.cell_area_m2,
                 "geometry": g})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=ref.crs)
