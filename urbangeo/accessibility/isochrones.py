"""Isochrones and service areas as polygons built from the reached streets.

Every edge reached within a band contributes the part that can be travelled in
time: whole edges, and the reachable stretch of partially reached edges (from
either end, as one-way rules allow), plus the stretch of the origin's own edge
around its snapped position. The lines are buffered by a street-side width
(``settings.street_width_m``, 25 m by default) and unioned; each band is unioned with
the previous one, so bands are nested by construction (5 min inside 10 min inside 15
min). No convex or concave hulls: a river or a motorway without crossings stays a
gap. An origin that cannot be snapped, or reaches nothing, gets an empty polygon
and a ``note`` -- never an exception (an origin without geometry also with a
:class:`~urbangeo.errors.DroppedRowsWarning`). An empty ``origins``/``facilities``
frame is refused (:class:`~urbangeo.errors.EmptyDataError`); invalid polygons are
repaired with ``make_valid`` and a :class:`~urbangeo.errors.GeometryFixedWarning`
(both when snapping, as everywhere: :func:`~urbangeo.accessibility.snap_points`).
"""

from __future__ import annotations

import logging
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from .._dask import is_dask
from .._progress import progress_bar
from .._validate import check_geodataframe, check_number
from ..crs import project
from ..settings import settings
from . import _common, _distributed, _engine
from .network import Network
from .snapping import Legs, edge_rate

log = logging.getLogger(__name__)

__all__ = ["isochrones", "service_areas"]


def _pieces(network: Network, node_cost: np.ndarray, limit: float, rates: tuple[np.ndarray, np.ndarray], *,
            inbound: bool):
    """Reached lines for one band from node costs (inf = not reached).

    ``inbound=False``: costs *from* the origin (travel u -> v always, v -> u on two-way
    edges). ``inbound=True``: costs *to* the facility (from a point on the edge one
    moves to v always, to u only on two-way edges). ``rates`` are the cost per metre
    with the record (towards v) and against it (towards u), hills included: leaving
    u goes with it, leaving v against it; arriving at u goes against it, at v with it.
    """
    rate_f, rate_r = rates
    rate_a, rate_b = (rate_r, rate_f) if inbound else (rate_f, rate_r)
    u, v = network.edge_u, network.edge_v
    L = network.edge_length_m
    two = ~network.edge_oneway
    cu, cv = node_cost[u], node_cost[v]
    with np.errstate(invalid="ignore"):
        a = np.where(cu <= limit, (limit - cu) / rate_a, -1.0)  # metres reachable from the u end
        b = np.where(cv <= limit, (limit - cv) / rate_b, -1.0)
    if inbound:
        a = np.where(two, a, -1.0)
    else:
        b = np.where(two, b, -1.0)
    full = (a >= L) | (b >= L) | ((a >= 0) & (b >= 0) & (a + b >= L))
    geoms = list(network.edge_geometry[full])
    part_a = ~full & (a > 0)
    part_b = ~full & (b > 0)
    for e in np.flatnonzero(part_a):
        geoms.append(substring(network.edge_geometry[e], 0.0, min(a[e] / L[e], 1.0), normalized=True))
    for e in np.flatnonzero(part_b):
        geoms.append(substring(network.edge_geometry[e], max(1.0 - b[e] / L[e], 0.0), 1.0, normalized=True))
    return geoms


def _own_edge(network: Network, lg: Legs, i: int, limit: float, *, inbound: bool):
    """Stretch of the snapped edge reachable directly from (or towards) location ``i``.

    Hills: outbound, the stretch towards v is travelled with the record and towards u
    against it; inbound (arriving at a facility) the other way round.
    """
    left = limit - lg.access[i]
    if not left >= 0:
        return []
    fwd, rev = left / lg.rate_fwd[i], left / lg.rate_rev[i]  # metres with / against the record
    r_hi, r_lo = (rev, fwd) if inbound else (fwd, rev)
    e = lg.edge[i]
    L = lg.length_m[i]
    t = lg.offset_m[i]
    if L <= 0:
        return [network.edge_geometry[e]]
    lo, hi = max(t - r_lo, 0.0), min(t + r_hi, L)
    if lg.oneway[i]:
        # outbound one can only move towards v (higher offsets); inbound, arrive from u (lower offsets)
        lo, hi = (t, hi) if not inbound else (lo, t)
    if hi <= lo:
        return [shapely.Point(network.edge_geometry[e].interpolate(t / L, normalized=True))]
    return [substring(network.edge_geometry[e], lo / L, hi / L, normalized=True)]


def _polygon(lines, width):
    lines = [g for g in lines if g is not None and not g.is_empty]
    if not lines:
        return shapely.Polygon()
    # buffering each line and unioning the buffers is several times faster in GEOS than
    # buffering one collection
    return shapely.union_all(shapely.buffer(np.array(lines, dtype=object), width))


def _bands(minutes, dist_m):
    weight, thr, labels, vals = _common.thresholds(minutes, dist_m)
    order = np.argsort(thr)
    return weight, thr[order], [vals[i] for i in order], ("minutes" if weight == "time_s" else "dist_m")


def isochrones(
    network: Network,
    origins: gpd.GeoDataFrame,
    *,
    minutes: float | tuple[float, ...] | None = None,
    dist_m: float | tuple[float, ...] | None = None,
    speed_kmh: float | None = None,
    street_width_m: float | None = None,
    max_snap_m: float | None = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Areas reachable from each origin within each time (or distance) band.

    Parameters
    ----------
    network : Network
    origins : GeoDataFrame
        Points (polygons enter through a representative point), any CRS.
    minutes : float or tuple, default (5, 10, 15)
        Bands in minutes (inclusive).
    dist_m : float or tuple, optional
        Bands in network metres instead of minutes.
    speed_kmh : float, optional
        Uniform speed overriding the network's edge speeds.
    street_width_m : float, optional
        Buffer around the reached street lines; default ``settings.street_width_m``.
    max_snap_m : float, optional
    progress : bool, optional

    Returns
    -------
    GeoDataFrame
        One row per origin and band, ordered by origin then band: ``origin`` (index
        label of the origin), ``minutes`` (or ``dist_m``), ``note`` (None, or why the
        polygon is empty) and the polygon, in the CRS of ``origins``.

    Raises
    ------
    EmptyDataError
        ``origins`` has no rows.

    Warns
    -----
    DroppedRowsWarning
        Origins without geometry (None or empty) get empty polygons and the note
        ``"missing geometry"`` / ``"empty geometry"`` (counted and listed).
    GeometryFixedWarning
        Invalid origin polygons were repaired with ``make_valid`` before snapping.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, isochrones
    >>> net = grid_network(11, 11)
    >>> home = gpd.GeoDataFrame(geometry=[Point(500_500, 2_500_500)], crs=net.crs)
    >>> iso = isochrones(net, home, dist_m=(100, 200), street_width_m=10)
    >>> iso.origin.tolist(), iso.dist_m.tolist()
    ([0, 0], [100.0, 200.0])
    >>> bool(iso.geometry[1].covers(iso.geometry[0]))
    True
    """
    if is_dask(origins):
        return _distributed.isochrones(isochrones, network, origins, minutes=minutes, dist_m=dist_m,
                                       speed_kmh=speed_kmh, street_width_m=street_width_m, max_snap_m=max_snap_m,
                                       progress=progress)
    _common.check_network(network)
    check_geodataframe(origins, "origins")
    weight, thr, vals, col = _bands(minutes, dist_m)
    speed_kmh = _common.check_speed(speed_kmh)
    width = settings.street_width_m if street_width_m is None else street_width_m
    width = check_number(width, "street_width_m", minimum=0.0, strict=True)
    o = _common.snap_origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    lg = o.legs
    g = _engine.graph(network, weight=weight, speed_kmh=speed_kmh)
    rate = edge_rate(network, weight, speed_kmh, "fwd"), edge_rate(network, weight, speed_kmh, "rev")
    # one bounded search per snapped origin, seeded at both ends of its edge
    node, c, c2, pos = lg.seeds()
    order = np.argsort(pos, kind="stable")
    node, c, c2, pos = node[order], c[order], c2[order], pos[order]
    seed_ptr = np.searchsorted(pos, np.arange(len(lg.row) + 1))
    src, tgt, cost, _ = _engine.bounded(g, seed_ptr, node, c, c2, limit=float(thr[-1]))
    by_src = np.searchsorted(src, np.arange(len(lg.row) + 1))  # src is sorted (emitted per source)
    pos_of_row = np.full(len(origins), -1)
    pos_of_row[lg.row] = np.arange(len(lg.row))
    notes = o.snap.drop_duplicates("row").set_index("row").note.reindex(np.arange(len(origins)))
    rows: list[tuple] = []
    node_cost = np.full(network.n_nodes, np.inf)
    for r in progress_bar(range(len(origins)), progress=progress, total=len(origins), desc="isochrones"):
        p = pos_of_row[r]
        prev = None
        if p < 0:
            note = notes.iloc[r]
            note = "not snapped" if note is None or (isinstance(note, float) and np.isnan(note)) else str(note)
            for val in vals:
                rows.append((origins.index[r], val, note, shapely.Polygon()))
            continue
        sl = slice(by_src[p], by_src[p + 1])
        node_cost[tgt[sl]] = cost[sl]
        for t, val in zip(thr, vals):
            lines = _pieces(network, node_cost, t, rate, inbound=False) + _own_edge(network, lg, p, t, inbound=False)
            poly = _polygon(lines, width)
            if prev is not None and not prev.is_empty:
                poly = shapely.union(prev, poly)
            note = None if not poly.is_empty else "access leg longer than the band"
            rows.append((origins.index[r], val, note, poly))
            prev = poly
        node_cost[tgt[sl]] = np.inf
    return _frame(rows, ["origin", col, "note"], network, origins)


def _frame(rows, cols, network: Network, like):
    df = pd.DataFrame([r[:-1] for r in rows], columns=cols)
    if len(df) and "note" in df:
        df["note"] = df["note"].astype(object).where(df["note"].notna(), None)
    geom = gpd.GeoSeries([r[-1] for r in rows], crs=network.crs)
    out = gpd.GeoDataFrame(df, geometry=geom, crs=network.crs)
    return project(out, like.crs)


def service_areas(
    network: Network,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float | tuple[float, ...] | None = None,
    dist_m: float | tuple[float, ...] | None = None,
    by: str | None = None,
    speed_kmh: float | None = None,
    street_width_m: float | None = None,
    max_snap_m: float | None = None,
    facility_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Areas from which at least one facility (of each category) is reached within each band.

    Costs run *towards* the facilities (resident -> facility), one multi-source
    search per category over the reversed network.

    Parameters
    ----------
    network : Network
    facilities : GeoDataFrame
        Points or polygons, any CRS.
    minutes : float or tuple, default (5, 10, 15)
        Bands in minutes (inclusive).
    dist_m : float or tuple, optional
        Bands in network metres instead of minutes.
    by : str, optional
        Category column of ``facilities``; one row per category and band.
    speed_kmh : float, optional
        Uniform speed overriding the network's edge speeds.
    street_width_m : float, optional
        Buffer around the reached street lines; default ``settings.street_width_m``.
    max_snap_m : float, optional
        Longest distance from a facility to a street; default ``settings.max_snap_m``.
    facility_polygons : {"representative", "entrances"}, default "representative"
        How polygon facilities (parks) enter the network; see :func:`snap_points`.
    entrance_spacing_m : float, default 50.0
        Spacing of the entrances along a polygon's boundary (``"entrances"``).
    progress : bool, optional
        Show a progress bar over categories.

    Returns
    -------
    GeoDataFrame
        One row per category and band: ``category`` (with ``by``; None otherwise),
        ``minutes`` (or ``dist_m``), ``n_facilities`` (facilities snapped), ``note``
        and the polygon (union over the facilities), in the CRS of ``facilities``.

    Raises
    ------
    EmptyDataError
        ``facilities`` has no rows.

    Warns
    -----
    DroppedRowsWarning
        Facilities without geometry, that cannot be snapped, or with no value in
        ``by`` are left out (counted and listed).
    GeometryFixedWarning
        Invalid facility polygons were repaired with ``make_valid`` before snapping.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, service_areas
    >>> net = grid_network(11, 11)
    >>> clinics = gpd.GeoDataFrame(geometry=[Point(500_100, 2_500_100), Point(500_900, 2_500_900)], crs=net.crs)
    >>> sa = service_areas(net, clinics, dist_m=150, street_width_m=10)
    >>> int(sa.n_facilities[0]), sa.geometry[0].geom_type
    (2, 'MultiPolygon')
    """
    _common.check_network(network)
    check_geodataframe(facilities, "facilities")
    weight, thr, vals, col = _bands(minutes, dist_m)
    speed_kmh = _common.check_speed(speed_kmh)
    width = settings.street_width_m if street_width_m is None else street_width_m
    width = check_number(width, "street_width_m", minimum=0.0, strict=True)
    f = _common.snap_facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m)
    g = _engine.graph(network, weight=weight, speed_kmh=speed_kmh, reverse=True)
    rate = edge_rate(network, weight, speed_kmh, "fwd"), edge_rate(network, weight, speed_kmh, "rev")
    rows: list[tuple] = []
    groups = _common.facility_groups(facilities, by)
    for cat, grow in progress_bar(groups, progress=progress, total=len(groups), desc="service areas"):
        fl = f.legs if by is None else _common.subset_legs(f.legs, grow)
        n_fac = len(np.unique(fl.row))
        if not len(fl.row):
            for val in vals:
                rows.append((cat, val, 0, "no facility snapped", shapely.Polygon()))
            continue
        node, c, c2, pos = fl.seeds()
        d, _, _ = _engine.multi_source(g, node, c, c2, pos, limit=float(thr[-1]))
        prev = None
        for t, val in zip(thr, vals):
            lines = _pieces(network, d, t, rate, inbound=True)
            for i in range(len(fl.row)):
                lines += _own_edge(network, fl, i, t, inbound=True)
            poly = _polygon(lines, width)
            if prev is not None and not prev.is_empty:
                poly = shapely.union(prev, poly)
            rows.append((cat, val, n_fac, None if not poly.is_empty else "nothing reached", poly))
            prev = poly
    return _frame(rows, ["category", col, "n_facilities", "note"], network, facilities)
