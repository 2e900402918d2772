"""Hills: node elevations from a DEM and direction-dependent walking times.

Two steps, each returning a new :class:`~urbangeo.accessibility.Network` (the input
is never modified):

1. :func:`add_elevation` samples a digital elevation model (any CRS; the sample
   points are reprojected into the DEM's CRS) bilinearly at every node and every
   ``sample_m`` metres along every edge geometry, and stores the node elevations
   (``node_z_m``) and each edge's profile (:class:`~urbangeo.accessibility.network.EdgeProfile`:
   sub-segment lengths and rises).
2. :func:`hill_times` turns the profile into speed factors per direction
   (``edge_factor_fwd`` u -> v, ``edge_factor_rev`` v -> u) with Tobler's hiking
   function, optionally with a grade limit for wheelchairs and frail walkers.

Tobler (1993): ``v(S) = 6 exp(-3.5 |S + 0.05|)`` km/h on a grade ``S = dz/dx``
(rise over horizontal run; negative downhill). urbangeo uses it as a factor of the
user's walking speed, ``f(S) = v(S) / v(0) = exp(-3.5 (|S + 0.05| - 0.05))``, so flat
ground keeps exactly the time of a flat network at the network's (or the ``speed_kmh=``)
speed, and the fastest grade is the gentle descent S = -0.05 (f = 1.19). An edge
travelled one way takes ``sum_i l_i / (speed * f(S_i))`` over its sub-segments
(horizontal lengths ``l_i``), i.e. it has the factor ``L / sum_i (l_i / f(S_i))``;
travelled the other way, every grade changes sign.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings
from typing import Any, Literal

import numpy as np
import shapely

from .._validate import check_choice, check_number
from ..errors import CRSError, GeoreferenceError, InvalidOptionError, RasterError, UrbangeoWarning
from ..raster import Raster
from .network import EdgeProfile, Network

log = logging.getLogger(__name__)

__all__ = ["add_elevation", "hill_times", "tobler_factor", "HILL_PROFILES", "WHEELCHAIR_MAX_GRADE"]

HILL_PROFILES = ("tobler", "wheelchair")
#: 1:12, the steepest wheelchair ramp of GB 50763-2012 (Codes for accessibility design, 3.4.4; rise <= 0.75 m)
WHEELCHAIR_MAX_GRADE = 1.0 / 12.0


def tobler_factor(grade) -> np.ndarray:
    """Tobler's hiking speed on ``grade`` relative to flat ground: ``v(S) / v(0)``.

    ``v(S) = 6 exp(-3.5 |S + 0.05|)`` km/h (Tobler 1993), ``S`` = rise / horizontal run
    (negative downhill). The factor is 1 on flat ground, 1.19 at its maximum
    (S = -0.05), 0.84 at +5 %, 0.70 at +10 %, 0.35 at +30 %.

    Parameters
    ----------
    grade : float or array-like
        Grades, rise over run (0.1 = 10 %).

    Returns
    -------
    ndarray
        The speed factors (> 0).

    Examples
    --------
    >>> tobler_factor([0.0, -0.05, 0.1]).round(4).tolist()
    [1.0, 1.1912, 0.7047]
    """
    s = np.asarray(grade, dtype=np.float64)
    # v(S) / v(0) written as one exponential, so flat ground gives exactly 1.0
    return np.exp(-3.5 * (np.abs(s + 0.05) - 0.05))


# --------------------------------------------------------------------------- DEM
def _dem_raster(dem: Any, band: int) -> Raster:
    from ..io import read_raster

    if isinstance(dem, Raster):
        r = dem
    elif isinstance(dem, (str, os.PathLike)):
        try:
            r = read_raster(dem, band=band, categorical=False)
        except GeoreferenceError as exc:
            raise GeoreferenceError(f"`dem` {str(dem)!r}: {exc}") from exc
    else:
        raise InvalidOptionError(
            f"`dem` must be an urbangeo.raster.Raster or the path of a raster file; got {type(dem).__name__}. "
            f"Read it with urbangeo.io.read_raster(path, categorical=False)."
        )
    if r.crs is None:  # pragma: no cover - Raster refuses it when built
        raise GeoreferenceError("`dem` has no CRS; assign one before sampling elevations.")
    arr = r.array.astype(np.float64)
    if r.categorical and np.isfinite(r.nodata):
        arr = np.where(r.array == r.nodata, np.nan, arr)  # integer DEMs read as codes: nodata code -> NaN
    return dataclasses.replace(r, array=arr, categorical=False, nodata=float("nan"))


def _bilinear(r: Raster, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear values of ``r`` at (x, y) in its CRS between cell centres: (z, inside).

    Outside the cell centres but inside the raster (the outer half cells) the value is
    held constant towards the border. NaN where a cell used (weight > 0) has no data.
    """
    t = r.transform
    rows, cols = r.shape
    cf = (x - t.c) / t.a
    rf = (y - t.f) / t.e
    inside = (cf >= 0) & (cf <= cols) & (rf >= 0) & (rf <= rows)
    cf = np.clip(cf - 0.5, 0.0, cols - 1.0)
    rf = np.clip(rf - 0.5, 0.0, rows - 1.0)
    c0 = np.minimum(np.floor(np.where(inside, cf, 0.0)).astype(np.int64), max(cols - 2, 0))
    r0 = np.minimum(np.floor(np.where(inside, rf, 0.0)).astype(np.int64), max(rows - 2, 0))
    c1 = np.minimum(c0 + 1, cols - 1)
    r1 = np.minimum(r0 + 1, rows - 1)
    wx = np.where(inside, cf - c0, 0.0)
    wy = np.where(inside, rf - r0, 0.0)
    a = r.array
    z = np.zeros(len(x))
    for rr, cc, w in ((r0, c0, (1 - wx) * (1 - wy)), (r0, c1, wx * (1 - wy)), (r1, c0, (1 - wx) * wy),
                      (r1, c1, wx * wy)):
        v = a[rr, cc]
        z += np.where(w > 0, w * v, 0.0)
    return np.where(inside, z, np.nan), inside


def _refuse(what: str, bad: np.ndarray, labels: np.ndarray, dem: Raster, network: Network, kind: str) -> None:
    idx = np.flatnonzero(bad)
    shown = ", ".join(repr(v) for v in labels[idx[:5]].tolist()) + (f" and {len(idx) - 5} more" if len(idx) > 5 else "")
    if kind == "outside":
        raise RasterError(
            f"`dem` does not cover the network: {len(idx)} {what} lie outside it ({shown}); DEM bounds "
            f"{tuple(round(b, 6) for b in dem.bounds)} in {dem.crs.to_string()}. Use a DEM that covers the whole "
            f"network, or clip the network to the DEM first, e.g. clip_network(network, dem_footprint, buffer_m=0)."
        )
    raise RasterError(
        f"`dem` has no data (nodata/NaN) under {len(idx)} {what} ({shown}). Fill the DEM's holes first "
        f"(e.g. rasterio.fill.fillnodata), or clip the network to where the DEM has data."
    )


def add_elevation(
    network: Network,
    dem: Any,
    *,
    sample_m: float = 10.0,
    band: int = 1,
) -> Network:
    """Node elevations and edge profiles sampled from a digital elevation model.

    Every node, and points every ``sample_m`` metres along every edge geometry (at
    least one piece per edge, equal pieces), are reprojected into the DEM's CRS and
    sampled bilinearly between cell centres. The edge profile is kept as sub-segments
    (horizontal length, rise) whose ends are the nodes' own elevations, so the rises
    of an edge sum to ``z(v) - z(u)``. Use :func:`hill_times` next for walking times.

    Parameters
    ----------
    network : Network
        Any street network (its CRS is metric; the DEM may be in another CRS).
    dem : Raster or path
        The elevation model, metres: an :class:`urbangeo.raster.Raster` or a raster
        file (read with :func:`urbangeo.io.read_raster`, ``categorical=False``; a
        GeoPackage raster as ``"GPKG:path.gpkg:layer"``). Integer DEMs are read as
        numbers; cells without data are NaN.
    sample_m : float, default 10.0
        Spacing of the samples along the edges, metres (> 0). Near the DEM's cell
        size or coarser: finer sampling of a 30 m DEM adds points, not information.
    band : int, default 1
        Band of a DEM file (1-based).

    Returns
    -------
    Network
        A copy with ``node_z_m`` and ``edge_profile`` (and ``meta["elevation"]``:
        DEM name, CRS, ``sample_m``); its times are still flat until
        :func:`hill_times`.

    Raises
    ------
    RasterError
        Nodes or sample points outside the DEM, or on cells without data (the
        message counts them and names the first nodes or edges).
    GeoreferenceError
        A DEM file without CRS or geotransform.
    CRSError
        The DEM's CRS cannot be transformed to the network's (a local CRS known only by name).
    InvalidOptionError
        ``dem`` is neither a Raster nor a path; ``sample_m`` <= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> from urbangeo.raster import Raster
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(3, 1)
    >>> xs = np.arange(-100, 400, 10.0) + 5  # a plane rising 5 % eastwards
    >>> dem = Raster(np.tile(0.05 * xs, (30, 1)), Affine(10, 0, 499_900, 0, -10, 2_500_150), net.crs)
    >>> hilly = add_elevation(net, dem)
    >>> hilly.node_z_m.round(6).tolist()
    [0.0, 5.0, 10.0]
    """
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    from ._common import check_network

    check_network(network)
    sample_m = check_number(sample_m, "sample_m", minimum=0.0, strict=True)
    band = int(check_number(band, "band", minimum=1))
    r = _dem_raster(dem, band)
    geoms = network.edge_geometry
    if np.any(shapely.is_missing(geoms)):
        raise InvalidOptionError(
            "`network` has edges without geometry; add_elevation samples along the edge lines "
            "(build grids with grid_network(..., geometry=True))."
        )
    glen = shapely.length(geoms)
    n_pieces = np.maximum(np.ceil(glen / sample_m).astype(np.int64), 1)
    ptr = np.zeros(network.n_edges + 1, dtype=np.int64)
    np.cumsum(n_pieces, out=ptr[1:])
    owner = np.repeat(np.arange(network.n_edges), n_pieces + 1)
    local = np.arange(len(owner)) - (ptr[owner] + owner)  # 0..n_pieces per edge
    frac = local / n_pieces[owner]
    inner = (local > 0) & (local < n_pieces[owner])
    pts = shapely.line_interpolate_point(geoms[owner[inner]], frac[inner], normalized=True)
    px, py = shapely.get_x(pts), shapely.get_y(pts)
    try:
        tr = Transformer.from_crs(network.crs, r.crs, always_xy=True)
    except ProjError as exc:
        raise CRSError(
            f"`dem` has the CRS {r.crs.name!r}, which cannot be transformed to the network's CRS "
            f"({network.crs.to_string()}): {exc}. A local or engineering CRS known only by its name (as some "
            f"GeoPackage rasters carry) has no datum; assign the real one, e.g. "
            f"dataclasses.replace(dem, crs='EPSG:5514') for S-JTSK / Krovak East North."
        ) from exc
    nx, ny = tr.transform(network.x, network.y)
    ex, ey = tr.transform(px, py)
    node_z, node_in = _bilinear(r, np.asarray(nx, float), np.asarray(ny, float))
    if not node_in.all():
        _refuse("nodes", ~node_in, network.node_id, r, network, "outside")
    if np.isnan(node_z).any():
        _refuse("nodes", np.isnan(node_z), network.node_id, r, network, "nodata")
    inner_z, inner_in = _bilinear(r, np.asarray(ex, float), np.asarray(ey, float))
    edge_no = np.arange(network.n_edges)
    for bad, kind in ((~inner_in, "outside"), (np.isnan(inner_z) & inner_in, "nodata")):
        if bad.any():
            per_edge = np.zeros(network.n_edges, bool)
            per_edge[owner[inner][bad]] = True
            _refuse("edge samples (on edges)", per_edge, edge_no, r, network, kind)
    z = np.empty(len(owner))
    z[inner] = inner_z
    first = local == 0
    z[first] = node_z[network.edge_u]
    z[local == n_pieces[owner]] = node_z[network.edge_v]
    # pieces: between consecutive samples of one edge
    a = np.flatnonzero(local < n_pieces[owner])
    rise = z[a + 1] - z[a]
    length = (network.edge_length_m / n_pieces)[owner[a]]
    prof = EdgeProfile(ptr, length, rise)
    meta = dict(network.meta)
    meta["elevation"] = {"dem": r.name or "dem", "dem_crs": r.crs.to_string(), "sample_m": sample_m,
                         "dem_res": list(r.res)}
    out = dataclasses.replace(network, node_z_m=node_z, edge_profile=prof, meta=meta)
    log.info("add_elevation: %d nodes, %d profile pieces, z %.1f..%.1f m", network.n_nodes, len(rise),
             float(node_z.min()) if len(node_z) else np.nan, float(node_z.max()) if len(node_z) else np.nan)
    return out


# --------------------------------------------------------------------------- times
def hill_times(
    network: Network,
    *,
    profile: Literal["tobler", "wheelchair"] = "tobler",
    max_grade: float | None = None,
    steep: Literal["impassable", "penalty"] = "impassable",
    steep_penalty: float = 3.0,
) -> Network:
    """Direction-dependent walking times on hills (Tobler), optionally grade-limited.

    Each sub-segment of an edge's profile (from :func:`add_elevation`) is walked at
    ``speed * f(S)`` with ``f`` = :func:`tobler_factor` and ``S`` its grade in the
    direction of travel; the edge gets the factor ``L / sum_i (l_i / f(S_i))`` from u to
    v and the same with ``-S_i`` from v to u (exactly ``f(S)`` on a constant grade,
    exactly 1 on flat ground). Every time-based function then takes
    ``length / (speed * factor)`` per direction, with the network's speeds or
    ``speed_kmh=``; distance searches (``dist_m``) ignore the factors.

    A grade limit (``max_grade``) treats a sub-segment steeper than it, uphill or
    downhill (``|S| > max_grade``: a wheelchair needs the limit both ways), as
    ``steep``: ``"impassable"`` closes the edge in that direction (factor 0), so a
    steep edge is closed both ways; ``"penalty"`` walks the steep pieces
    ``steep_penalty`` times slower than Tobler's speed.

    Parameters
    ----------
    network : Network
        A walking network with elevations (:func:`add_elevation`).
    profile : {"tobler", "wheelchair"}, default "tobler"
        ``"tobler"``: Tobler's hiking function, no grade limit unless ``max_grade`` is
        given. ``"wheelchair"``: Tobler's function with ``max_grade`` (default 1:12,
        :data:`WHEELCHAIR_MAX_GRADE`, the steepest ramp of China's GB 50763-2012
        *Codes for accessibility design*, 3.4.4, also ADA 2010 405.2), for wheelchair
        users and frail elderly walkers.
    max_grade : float, optional
        Grade limit (rise over run, > 0), e.g. 0.05 for the 1:20 of a long ramp.
    steep : {"impassable", "penalty"}, default "impassable"
        What a piece steeper than ``max_grade`` does.
    steep_penalty : float, default 3.0
        ``steep="penalty"``: the time on steep pieces is multiplied by this (>= 1).

    Returns
    -------
    Network
        A copy with ``edge_factor_fwd`` / ``edge_factor_rev`` (columns ``factor_fwd`` /
        ``factor_rev`` of ``.edges``) and ``meta["hills"]`` (profile, limit, counts of
        closed edge directions).

    Raises
    ------
    InvalidOptionError
        No elevation profile (call :func:`add_elevation` first); not a walking
        network; unknown ``profile`` or ``steep``; ``max_grade`` <= 0;
        ``steep_penalty`` < 1.

    Warns
    -----
    UrbangeoWarning
        Edge directions closed as too steep (counted): homes on them reach only what
        their open direction allows.

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> from urbangeo.raster import Raster
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(3, 1)
    >>> xs = np.arange(-100, 400, 10.0) + 5  # a plane rising 5 % eastwards
    >>> dem = Raster(np.tile(0.05 * xs, (30, 1)), Affine(10, 0, 499_900, 0, -10, 2_500_150), net.crs)
    >>> hilly = hill_times(add_elevation(net, dem))
    >>> hilly.edge_factor_fwd.round(4).tolist(), hilly.edge_factor_rev.round(4).tolist()
    ([0.8395, 0.8395], [1.1912, 1.1912])
    """
    from ._common import check_network

    check_network(network)
    check_choice(profile, "profile", HILL_PROFILES)
    check_choice(steep, "steep", ("impassable", "penalty"))
    steep_penalty = check_number(steep_penalty, "steep_penalty", minimum=1.0)
    if max_grade is None and profile == "wheelchair":
        max_grade = WHEELCHAIR_MAX_GRADE
    if max_grade is not None:
        max_grade = check_number(max_grade, "max_grade", minimum=0.0, strict=True)
    if network.mode != "walk":
        raise InvalidOptionError(
            f"`network` is a {network.mode!r} network; hill_times models walking (Tobler's hiking function). "
            f"Build a walking network (mode='walk')."
        )
    prof = network.edge_profile
    if prof is None:
        raise InvalidOptionError(
            "`network` has no elevation profile; sample one first: network = add_elevation(network, dem)."
        )
    m = network.n_edges
    owner = prof.edge
    with np.errstate(divide="ignore", invalid="ignore"):
        grade = np.where(prof.length_m > 0, prof.rise_m / prof.length_m, 0.0)
    too_steep = np.zeros(len(grade), bool) if max_grade is None else np.abs(grade) > max_grade
    factors = []
    closed = []
    for sign in (1.0, -1.0):
        f = tobler_factor(sign * grade)
        if max_grade is not None and steep == "penalty":
            f = np.where(too_steep, f / steep_penalty, f)
        t = np.bincount(owner, weights=prof.length_m / f, minlength=m)
        fac = np.where(t > 0, network.edge_length_m / np.where(t > 0, t, 1.0), 1.0)
        # a constant factor along the edge is that factor exactly (flat ground: 1, a plane: f(S))
        counts = np.diff(prof.ptr)
        has = counts > 0
        if has.any():
            starts = prof.ptr[:-1][has]
            fmin = np.minimum.reduceat(f, starts)
            fmax = np.maximum.reduceat(f, starts)
            same = fmin == fmax
            idx = np.flatnonzero(has)[same]
            fac[idx] = fmin[same]
        fac = np.where(network.edge_length_m > 0, fac, 1.0)
        if max_grade is not None and steep == "impassable":
            shut = np.bincount(owner, weights=too_steep.astype(float), minlength=m) > 0
            fac = np.where(shut & (network.edge_length_m > 0), 0.0, fac)
            closed.append(int(shut.sum()))
        factors.append(fac)
    meta = dict(network.meta)
    meta["hills"] = {"profile": profile, "max_grade": max_grade, "steep": steep,
                     "steep_penalty": steep_penalty if steep == "penalty" else None,
                     "closed_fwd": closed[0] if closed else 0, "closed_rev": closed[1] if closed else 0}
    if closed and (closed[0] or closed[1]):
        warnings.warn(
            f"hill_times: {closed[0]} of {m} edges are closed u->v and {closed[1]} v->u as steeper than "
            f"max_grade={max_grade:g} (profile={profile!r}); homes and facilities on them only use their open "
            f"direction. Use steep='penalty' to keep them walkable, slowly.",
            UrbangeoWarning,
            stacklevel=2,
        )
    return dataclasses.replace(network, edge_factor_fwd=factors[0], edge_factor_rev=factors[1], meta=meta)
