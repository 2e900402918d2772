"""Observed subsidence: InSAR rasters, DEM differencing and levelling points.

Everything comes out in one convention: **subsidence positive, metres** (m/yr for
velocities), on a grid in a metric CRS.

Sign and unit conventions of the common InSAR products:

======= =========================== ========= ================================
product file                        unit      sign
======= =========================== ========= ================================
MintPy  velocity.h5 / timeseries.h5 m, m/yr   positive = towards the satellite
LiCSBAS cum.h5 / vel                mm, mm/yr positive = uplift (towards)
======= =========================== ========= ================================

Line-of-sight values become vertical by dividing by cos(incidence) (assuming purely
vertical motion, which is the usual simplification over coal-mining basins).
"""

from __future__ import annotations

import logging
import math
import os
from typing import Literal

import geopandas as gpd
import numpy as np

from .. import raster as _raster
from .._docs import shared_doc
from .._validate import check_choice, check_number, validate_frame
from ..crs import is_metric, metric_crs, project
from ..errors import InvalidOptionError
from ..raster import Raster, reproject_raster
from . import _docs as _d

log = logging.getLogger(__name__)

__all__ = ["insar_to_subsidence", "dem_difference", "subsidence_from_points", "INSAR_CONVENTIONS"]

#: convention -> (factor to metres, sign: +1 if positive already means subsidence)
INSAR_CONVENTIONS: dict[str, tuple[float, float]] = {
    "mintpy": (1.0, -1.0),
    "licsbas": (1e-3, -1.0),
    "subsidence_m": (1.0, 1.0),
    "subsidence_mm": (1e-3, 1.0),
}


def _as_raster(obj, name: str) -> Raster:
    if isinstance(obj, Raster):
        # subsidence works on continuous values: class codes (an integer DEM read as categorical) become floats
        return obj.with_array(np.where(obj.valid, obj.array, np.nan)) if obj.categorical else obj
    if isinstance(obj, (str, os.PathLike)):
        # a file without CRS: GeoreferenceError naming `name`
        return _raster._read_raster(obj, categorical=False, arg=name)
    raise TypeError(f"`{name}` must be a urbangeo.raster.Raster or a path to a GeoTIFF; got {type(obj).__name__}.")


def _check_resolution(resolution_m: float | None) -> float | None:
    """``resolution_m`` checked at the door (0 and negative values refused, not ignored)."""
    if resolution_m is None:
        return None
    return check_number(resolution_m, "resolution_m", minimum=0, strict=True)


def _to_metric(r: Raster, name: str, resolution_m: float | None = None) -> Raster:
    if is_metric(r.crs):
        return r
    target = metric_crs(r, name=name)
    log.info("reprojecting %s from %s to %s", name, r.crs.name, target.name)
    return reproject_raster(r, crs=target, resolution_m=resolution_m)


@shared_doc(resolution_m=_d.METRIC_RESOLUTION)
def insar_to_subsidence(
    source: Raster | str | os.PathLike,
    *,
    convention: Literal["mintpy", "licsbas", "subsidence_m", "subsidence_mm"],
    kind: Literal["velocity", "cumulative"] = "velocity",
    incidence_deg: float | Raster | None = None,
    coherence: Raster | str | os.PathLike | None = None,
    min_coherence: float = 0.0,
    resolution_m: float | None = None,
) -> Raster:
    """Turn an InSAR velocity or cumulative-displacement raster into subsidence (m, positive down).

    Parameters
    ----------
    source : Raster or path
        GeoTIFF export of MintPy ``velocity``/``timeseries`` or LiCSBAS ``vel``/``cum``.
    convention : {"mintpy", "licsbas", "subsidence_m", "subsidence_mm"}
        Units and sign of ``source`` (see the module docstring).
    kind : {"velocity", "cumulative"}
        Sets the output units (m/yr or m).
    incidence_deg : float or Raster, optional
        Incidence angle; when given, line-of-sight values are divided by cos(incidence).
        None means the values are already vertical.
    coherence : Raster or path, optional
        Temporal coherence on the same grid; cells below ``min_coherence`` become NaN.
    {resolution_m}

    Returns
    -------
    Raster
        Subsidence (positive down) in m or m/yr, in a metric CRS.

    Raises
    ------
    GeoreferenceError
        ``source`` (or ``coherence``) is a file without CRS or geotransform.
    InvalidOptionError
        Unknown ``convention``/``kind``; ``min_coherence``, ``incidence_deg`` or
        ``resolution_m`` out of range (``resolution_m`` must be > 0).

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> los = Raster(np.array([[-0.02, 0.01]]), Affine(30, 0, 500000, 0, -30, 3600000), "EPSG:4548")
    >>> v = insar_to_subsidence(los, convention="mintpy", incidence_deg=60.0)
    >>> np.round(v.array, 3).tolist(), v.units
    ([[0.04, -0.02]], 'm/yr')
    """
    check_choice(convention, "convention", tuple(INSAR_CONVENTIONS))
    check_choice(kind, "kind", ("velocity", "cumulative"))
    min_coherence = check_number(min_coherence, "min_coherence", minimum=0, maximum=1)
    resolution_m = _check_resolution(resolution_m)
    r = _as_raster(source, "source")
    factor, sign = INSAR_CONVENTIONS[convention]
    values = r.array * (factor * sign)
    if incidence_deg is not None:
        inc: np.ndarray | float
        if isinstance(incidence_deg, Raster):
            # one InSAR product, one grid: an incidence or coherence raster is never resampled silently
            inc = incidence_deg.align_to(r, resampling=None, label="incidence_deg", like_label="source").array
        else:
            inc = check_number(incidence_deg, "incidence_deg", minimum=0, maximum=89.9)
        if np.nanmax(np.asarray(inc)) >= 89.9 or np.nanmin(np.asarray(inc)) < 0:
            raise InvalidOptionError("`incidence_deg` must lie in [0, 89.9) degrees.")
        values = values / np.cos(np.radians(inc))
    if coherence is not None:
        coh = _as_raster(coherence, "coherence").align_to(r, resampling=None, label="coherence", like_label="source")
        values = np.where(coh.array >= min_coherence, values, np.nan)
    out = Raster(values, r.transform, r.crs, name="subsidence_rate" if kind == "velocity" else "subsidence",
                 units="m/yr" if kind == "velocity" else "m")
    return _to_metric(out, "source", resolution_m)


@shared_doc(resolution_m=_d.METRIC_RESOLUTION)
def dem_difference(
    pre: Raster | str | os.PathLike,
    post: Raster | str | os.PathLike,
    *,
    resampling: Literal["nearest", "bilinear", "cubic", "average"] = "bilinear",
    resolution_m: float | None = None,
) -> Raster:
    """Subsidence from two DEMs: ``pre`` minus ``post`` (m, positive down), on ``pre``'s grid.

    ``post`` is warped onto ``pre``'s grid (``rasterio.warp.reproject``) whatever its CRS
    and cell size; ``pre`` is reprojected to a metric CRS first if it is geographic.
    Cells missing in either DEM are NaN.

    Parameters
    ----------
    pre, post : Raster or path
        DEMs before and after subsidence (m).
    resampling : {"nearest", "bilinear", "cubic", "average"}
        How ``post`` is warped onto ``pre``'s grid.
    {resolution_m}

    Returns
    -------
    Raster
        Subsidence (m, positive down) on ``pre``'s (metric) grid.

    Raises
    ------
    GeoreferenceError
        ``pre`` or ``post`` is a file without CRS or geotransform (the message names it).
    InvalidOptionError
        ``resolution_m`` not > 0, unknown ``resampling``.

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> t = Affine(10, 0, 500000, 0, -10, 3600000)
    >>> pre = Raster(np.full((3, 3), 20.0), t, "EPSG:4548")
    >>> post = Raster(np.array([[20, 19.5, 20], [19, 18, 19], [20, 19.5, 20.]]), t, "EPSG:4548")
    >>> dem_difference(pre, post).array[1].tolist()
    [1.0, 2.0, 1.0]
    """
    check_choice(resampling, "resampling", ("nearest", "bilinear", "cubic", "average"))
    resolution_m = _check_resolution(resolution_m)
    a = _to_metric(_as_raster(pre, "pre"), "pre", resolution_m)
    b = _as_raster(post, "post")
    if b.crs.equals(a.crs, ignore_axis_order=True):
        b = b.align_to(a, resampling=resampling, label="post", like_label="pre")
    else:  # two surveys in two CRSs are the rule, not a mistake: post is warped once onto pre's grid
        log.info("warping post from %s onto the grid of pre (%s)", b.crs.name, a.crs.name)
        b = reproject_raster(b, like=a, resampling=resampling)
    return a.with_array(a.array - b.array, name="subsidence", units="m")


def subsidence_from_points(
    points: gpd.GeoDataFrame,
    *,
    value_col: str = "subsidence",
    units: Literal["m", "mm"] = "m",
    resolution_m: float = 100.0,
    method: Literal["linear", "cubic", "nearest", "rbf"] = "linear",
    mask: Literal["hull", "distance", "both"] = "hull",
    max_distance_m: float | None = None,
    extent: tuple[float, float, float, float] | None = None,
) -> Raster:
    """Interpolate levelling (or other point) measurements of subsidence to a grid.

    Parameters
    ----------
    points : GeoDataFrame
        Point measurements, any CRS; values in ``value_col`` (positive = subsidence).
        Points at the same location are averaged.
    value_col : str
        Column of ``points`` with the measured subsidence.
    units : {"m", "mm"}
        Units of ``value_col``; the output is in metres.
    resolution_m : float
        Cell size of the grid.
    method : {"linear", "cubic", "nearest", "rbf"}
        ``scipy.interpolate.griddata`` method, or a thin-plate-spline
        ``RBFInterpolator`` (50 nearest neighbours).
    mask : {"hull", "distance", "both"}
        Cells outside the convex hull of the points, farther than ``max_distance_m``
        from the nearest point, or both, are NaN: no extrapolation.
    max_distance_m : float, optional
        Needed for ``mask="distance"``/``"both"``.
    extent : tuple, optional
        (minx, miny, maxx, maxy) in the metric CRS; default the points' bounds.

    Returns
    -------
    Raster
        Subsidence (m) in the metric CRS of the points.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> pts = gpd.GeoDataFrame({"subsidence": [0.0, 10.0, 0.0, 10.0]},
    ...     geometry=[Point(0, 0), Point(100, 0), Point(0, 100), Point(100, 100)], crs=4547)
    >>> r = subsidence_from_points(pts, units="mm", resolution_m=50)
    >>> np.round(r.array, 4).tolist()
    [[0.0025, 0.0075], [0.0025, 0.0075]]
    """
    from scipy.interpolate import griddata

    gdf, report = validate_frame(points, "points", geometry_types=("Point",), columns={value_col: "numeric"})
    check_choice(units, "units", ("m", "mm"))
    check_choice(method, "method", ("linear", "cubic", "nearest", "rbf"))
    check_choice(mask, "mask", ("hull", "distance", "both"))
    resolution_m = check_number(resolution_m, "resolution_m", minimum=0, strict=True)
    if mask in ("distance", "both"):
        if max_distance_m is None:
            raise InvalidOptionError(f"mask={mask!r} needs `max_distance_m` (e.g. 2-3 times the point spacing).")
        max_distance_m = check_number(max_distance_m, "max_distance_m", minimum=0, strict=True)
    crs = metric_crs(gdf, name="points")
    g = project(gdf, crs, name="points")
    vals = g[value_col].astype(float).to_numpy()
    ok = np.isfinite(vals)
    if not ok.all():
        raise InvalidOptionError(
            f"`points['{value_col}']` has {int((~ok).sum())} missing or infinite values (rows "
            f"{list(g.index[~ok])[:5]}); drop or fill them first."
        )
    xy = np.column_stack([g.geometry.x.to_numpy(), g.geometry.y.to_numpy()])
    # average duplicates: griddata's triangulation cannot take them
    uniq, inv = np.unique(np.round(xy, 3), axis=0, return_inverse=True)
    inv = inv.ravel()
    if len(uniq) < len(xy):
        log.info("points: %d duplicate locations averaged", len(xy) - len(uniq))
    cnt = np.bincount(inv)
    v = np.bincount(inv, weights=vals) / cnt
    xy = np.column_stack([np.bincount(inv, weights=xy[:, 0]) / cnt, np.bincount(inv, weights=xy[:, 1]) / cnt])
    if len(xy) < 3 and method != "nearest":
        raise InvalidOptionError(f"`points` needs at least 3 distinct locations for method={method!r}; got {len(xy)}.")
    factor = 1e-3 if units == "mm" else 1.0
    if extent is None:
        xmin, ymin = xy.min(axis=0)
        xmax, ymax = xy.max(axis=0)
        xmin = math.floor(xmin / resolution_m) * resolution_m
        ymin = math.floor(ymin / resolution_m) * resolution_m
        xmax = max(math.ceil(xmax / resolution_m) * resolution_m, xmin + resolution_m)
        ymax = max(math.ceil(ymax / resolution_m) * resolution_m, ymin + resolution_m)
    else:
        xmin, ymin, xmax, ymax = extent
    from affine import Affine

    cols = max(1, round((xmax - xmin) / resolution_m))
    rows = max(1, round((ymax - ymin) / resolution_m))
    transform = Affine(resolution_m, 0, xmin, 0, -resolution_m, ymax)
    xs = xmin + resolution_m * (np.arange(cols) + 0.5)
    ys = ymax - resolution_m * (np.arange(rows) + 0.5)
    X, Y = np.meshgrid(xs, ys)
    # work in coordinates centred on the data (better conditioned triangulation / RBF)
    centre = xy.mean(axis=0)
    xy = xy - centre
    cells = np.column_stack([X.ravel(), Y.ravel()]) - centre
    if method == "rbf":
        from scipy.interpolate import RBFInterpolator

        interp = RBFInterpolator(xy, v, neighbors=min(50, len(xy)), kernel="thin_plate_spline")
        z = interp(cells)
    else:
        z = griddata(xy, v, cells, method=method)
    z = z.reshape(rows, cols) * factor
    keep = np.ones(z.shape, dtype=bool)
    if mask in ("hull", "both"):
        from scipy.spatial import Delaunay

        keep &= (Delaunay(xy).find_simplex(cells) >= 0).reshape(z.shape)
    if mask in ("distance", "both"):
        from scipy.spatial import cKDTree

        d, _ = cKDTree(xy).query(cells)
        keep &= (d <= max_distance_m).reshape(z.shape)
    z = np.where(keep, z, np.nan)
    return Raster(z, transform, crs, name="subsidence", units="m")
