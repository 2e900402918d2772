"""Snapping points and polygons to the nearest street *edge* (not node).

A point is projected onto its nearest edge (an exact compiled search over the edge
segments on a uniform grid; shapely's STRtree for diagnostics of far points). Its
travel cost to the network is the straight *access leg* from the point to the street
plus the offset along the edge to each end node, so a house in the middle of a 400 m
block is not moved 200 m to a corner. One-way edges (driving) are left only in
their direction of travel.

Polygons enter through their representative point, or through *entrances*: points
every ``entrance_spacing_m`` along the boundary plus the points where the boundary
crosses a street. All entrances of one polygon keep the polygon's row, so a park with
twenty gates is still one facility.

Every input frame is checked here, once, for every function that snaps (metrics,
FCA, isochrones, life circles, parks, siting), with one rule:

* invalid polygons (self-intersecting rings) are repaired with ``make_valid`` and a
  :class:`~urbangeo.errors.GeometryFixedWarning` (the library's default
  ``on_invalid="fix"``); the caller's frame is not modified;
* rows without geometry (None or empty) are kept, not snapped (``edge = -1``, note
  ``"missing geometry"`` / ``"empty geometry"``, so their results are NaN) and
  counted in a :class:`~urbangeo.errors.DroppedRowsWarning`;
* an empty frame gives an empty snap and an :class:`~urbangeo.errors.EmptyInputWarning`.
"""

from __future__ import annotations

import logging
import sys
import types
import warnings
import weakref
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import _keep_family, check_choice, check_geodataframe, check_number
from ..crs import project
from ..errors import (
    DroppedRowsWarning,
    EmptyInputWarning,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidOptionError,
    SnapWarning,
    UrbangeoWarning,
)
from ..settings import settings
from .network import Network, default_snap_filter

log = logging.getLogger(__name__)

__all__ = ["snap_points", "SNAP_COLUMNS", "default_snap_filter"]

#: columns of the frame returned by :func:`snap_points`
SNAP_COLUMNS = ("row", "edge", "offset_m", "dist_m", "x", "y", "note")

#: a snapped point this close (metres along the edge) to an end node is at that node
NODE_TOLERANCE_M = 0.5

_TREES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tree(network: Network, component: str = "any") -> tuple[shapely.STRtree, np.ndarray]:
    """STRtree over the edges allowed for snapping, and their edge record numbers."""
    per_net = _TREES.setdefault(network, {})
    if component not in per_net:
        geoms = network.edge_geometry
        if np.any(pd.isna(geoms)):
            raise ValueError(
                "the network has edges without geometry; snapping needs edge LineStrings "
                "(build grids with grid_network(..., geometry=True))."
            )
        allowed = network.edge_snappable
        if component == "largest":
            allowed = allowed & (network.component[network.edge_u] == 0)
        ids = np.flatnonzero(allowed)
        per_net[component] = (shapely.STRtree(geoms[ids]), ids)
    return per_net[component]


class _SegmentGrid:
    """Edge geometries cut into straight segments, registered in a uniform grid of cells."""

    def __init__(self, network: Network, ids: np.ndarray):
        from ._engine import _k

        coords, owner = shapely.get_coordinates(network.edge_geometry[ids], return_index=True)
        same = owner[1:] == owner[:-1]
        a = np.flatnonzero(same)
        self.edge = ids[owner[a]]
        self.x1, self.y1 = coords[a, 0].copy(), coords[a, 1].copy()
        self.x2, self.y2 = coords[a + 1, 0].copy(), coords[a + 1, 1].copy()
        seglen = np.hypot(self.x2 - self.x1, self.y2 - self.y1)
        # distance along the edge geometry at the start of each segment
        cum = np.cumsum(seglen)
        first = np.ones(len(a), bool)
        first[1:] = owner[a[1:]] != owner[a[:-1]]
        base = np.maximum.accumulate(np.where(first, cum - seglen, -np.inf)) if len(a) else cum
        self.along0 = cum - seglen - base
        self.seglen = seglen
        if len(a):
            self.x0 = float(min(self.x1.min(), self.x2.min())) - 1.0
            self.y0 = float(min(self.y1.min(), self.y2.min())) - 1.0
            w = float(max(self.x1.max(), self.x2.max())) - self.x0 + 2.0
            h = float(max(self.y1.max(), self.y2.max())) - self.y0 + 2.0
            self.size = float(np.clip(np.sqrt(w * h / len(a)), 10.0, 1000.0))
            self.nx = int(w // self.size) + 1
            self.ny = int(h // self.size) + 1
            self.ptr, self.seg = _k()._build_cells(self.x1, self.y1, self.x2, self.y2, self.x0, self.y0, self.size,
                                                   self.nx, self.ny)
        else:  # pragma: no cover - networks without edges are rejected earlier
            self.x0 = self.y0 = 0.0
            self.size, self.nx, self.ny = 1.0, 1, 1
            self.ptr, self.seg = np.zeros(2, np.int64), np.zeros(0, np.int64)

    def nearest(self, x: np.ndarray, y: np.ndarray, max_dist: float):
        """(edge or -1, distance, along the edge geometry, snapped x, snapped y) per point."""
        from ._engine import _k

        x, y = np.asarray(x, float), np.asarray(y, float)
        fin = np.isfinite(x) & np.isfinite(y)  # a point projected to inf (lat/lon swapped) finds no edge
        s, d, t = np.full(len(x), -1, np.int64), np.full(len(x), np.inf), np.zeros(len(x))
        qx, qy = np.zeros(len(x)), np.zeros(len(x))
        if fin.any():
            s[fin], d[fin], t[fin], qx[fin], qy[fin] = _k()._nearest_segments(
                np.ascontiguousarray(x[fin]), np.ascontiguousarray(y[fin]), self.x1, self.y1, self.x2, self.y2,
                self.ptr, self.seg, self.x0, self.y0, self.size, self.nx, self.ny, float(max_dist),
            )
        ok = s >= 0
        edge = np.where(ok, self.edge[np.where(ok, s, 0)], -1)
        along = np.where(ok, self.along0[np.where(ok, s, 0)] + t * self.seglen[np.where(ok, s, 0)], np.nan)
        return edge, d, along, qx, qy


_GRIDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _grid(network: Network, component: str) -> _SegmentGrid:
    per_net = _GRIDS.setdefault(network, {})
    if component not in per_net:
        _, ids = _tree(network, component)
        per_net[component] = _SegmentGrid(network, ids)
    return per_net[component]


def _network_points(network: Network, gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoSeries:
    """Geometries of ``gdf`` in the network CRS (reprojected when the CRS differs)."""
    return project(gdf.geometry, network.crs, name=name)


def snap_points(
    network: Network,
    points: gpd.GeoDataFrame,
    *,
    max_snap_m: float | None = None,
    polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    component: Literal["largest", "any"] | None = None,
    snap_filter: Any = None,
    snap_warn_m: float | None = None,
    name: str = "points",
) -> pd.DataFrame:
    """Snap every row of ``points`` to its nearest edge of ``network``.

    Parameters
    ----------
    network : Network
    points : GeoDataFrame
        Points or polygons, in any CRS (reprojected to the network CRS internally).
    max_snap_m : float, optional
        Longest accepted access leg; default ``settings.max_snap_m``. Rows beyond it
        keep their ``dist_m`` but get ``edge = -1`` and a ``note``.
    polygons : {"representative", "entrances"}, default "representative"
        How polygons enter the network: one representative point, or entrances
        along the boundary (every ``entrance_spacing_m`` metres plus every crossing
        with a street; a crossing has an access leg of 0).
    entrance_spacing_m : float, default 50.0
    component : {"largest", "any"}, optional
        Snap only to edges of the largest connected component (default, from
        ``settings.snap_component``), so a building next to an isolated footway
        fragment is not stranded on it; ``"any"`` snaps to every edge.
    snap_filter : "default", "all", bool array or callable, optional
        Edges points may be snapped to; default: the network's own
        ``edge_snappable`` (see :func:`default_snap_filter` and
        :meth:`Network.with_snap_filter`: no tunnels, covered or indoor ways,
        underground levels, private ways or motorways). The search still travels
        every edge.
    snap_warn_m : float, optional
        Access legs longer than this (default ``settings.snap_warn_m``, 100 m) are
        noted in ``note`` and counted in a :class:`~urbangeo.errors.SnapWarning`;
        so are points moved off their own network piece onto the largest one.
    name : str
        Argument name used in error messages.

    Returns
    -------
    DataFrame
        One row per snapped location (one per input row, or one per entrance), with
        ``row`` (position in ``points``), ``edge`` (edge record, -1 if not snapped),
        ``offset_m`` (metres from the edge's ``u`` node along the edge), ``dist_m``
        (access leg, metres; NaN for missing geometry), ``x``, ``y`` (snapped
        location in the network CRS) and ``note`` (None, or why the row is not
        snapped, or why its snap deserves a look: a long access leg, a move to
        another network piece). Rows not snapped appear once with ``edge = -1``.

    Warns
    -----
    SnapWarning
        Some rows were snapped with an access leg longer than ``snap_warn_m``, or
        moved off their own network piece; their ``note`` says which and how far.
    GeometryFixedWarning
        Invalid polygons (self-intersecting rings) were repaired with ``make_valid``
        before snapping; ``points`` itself is not modified.
    DroppedRowsWarning
        Rows without geometry (None or empty) are not snapped: they keep one row with
        ``edge = -1`` and the note ``"missing geometry"`` / ``"empty geometry"``.
    EmptyInputWarning
        ``points`` has no rows: the result has none either.

    Raises
    ------
    CRSError
        ``points`` has no CRS.
    GeometryTypeError
        Lines or other non point/polygon geometries.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, snap_points
    >>> net = grid_network(3, 3)
    >>> pts = gpd.GeoDataFrame(geometry=[Point(500_030, 2_500_010)], crs=net.crs)
    >>> s = snap_points(net, pts)
    >>> float(s.offset_m[0]), float(s.dist_m[0])
    (30.0, 10.0)
    """
    opts = _check_options(points, max_snap_m=max_snap_m, polygons=polygons, entrance_spacing_m=entrance_spacing_m,
                          component=component, snap_warn_m=snap_warn_m, name=name)
    network = _snappable_network(network, snap_filter, opts.component)
    geoms = _prepare_geometries(network, points, opts.name)
    rows, locs, forced0 = _candidate_locations(network, geoms, opts)
    out = _snap_locations(network, rows, locs, forced0, opts)
    out = _one_row_per_unsnapped(out, geoms, opts)
    _warn_doubtful(out, points.index, opts)
    _warn_none_snapped(out, geoms, opts)
    return out.drop(columns=["_far", "_moved"])


# --------------------------------------------------------------------------- the steps of snap_points
@dataclass(frozen=True)
class _Options:
    """The validated options of one :func:`snap_points` call (defaults resolved from settings)."""

    max_snap_m: float
    polygons: str
    entrance_spacing_m: float
    component: str
    snap_warn_m: float
    name: str


@dataclass
class _Geometries:
    """Each row's geometry in the network CRS (None when missing) and what it holds.

    ``gtype`` is shapely's type id (0 point, 3 polygon, 4 multipoint, 6 multipolygon;
    -1 without geometry); ``ok`` marks the rows that can be snapped.
    """

    garr: np.ndarray
    missing: np.ndarray
    empty: np.ndarray
    ok: np.ndarray
    gtype: np.ndarray


def _check_options(points, *, max_snap_m, polygons, entrance_spacing_m, component, snap_warn_m, name) -> _Options:
    """Step 1, validate: ``points`` is a GeoDataFrame and every option is legal; defaults from settings."""
    check_geodataframe(points, name, allow_empty=True)
    if max_snap_m is None:
        max_snap_m = settings.max_snap_m
    max_snap_m = check_number(max_snap_m, "max_snap_m", minimum=0.0)
    check_choice(polygons, "polygons", ("representative", "entrances"))
    component = settings.snap_component if component is None else component
    check_choice(component, "component", ("largest", "any"))
    entrance_spacing_m = check_number(entrance_spacing_m, "entrance_spacing_m", minimum=0.0, strict=True)
    snap_warn_m = settings.snap_warn_m if snap_warn_m is None else snap_warn_m
    snap_warn_m = check_number(snap_warn_m, "snap_warn_m", minimum=0.0)
    return _Options(max_snap_m, polygons, entrance_spacing_m, component, snap_warn_m, name)


def _snappable_network(network: Network, snap_filter: Any, component: str) -> Network:
    """Step 2, prepare the network: apply ``snap_filter``; refuse a network with no edge to snap to."""
    if snap_filter is not None:
        network = network.with_snap_filter(snap_filter)
    if network.n_edges and not len(_tree(network, component)[1]):
        raise InvalidOptionError(
            f"no edge of `network` may be snapped to ({'in its largest component ' if component == 'largest' else ''}"
            f"with the snap filter {network.meta.get('snap_filter', 'default')!r}); points cannot join it. "
            f"Use network.with_snap_filter('all') or a looser filter."
        )
    return network


def _prepare_geometries(network: Network, points: gpd.GeoDataFrame, name: str) -> _Geometries:
    """Step 3, prepare the rows: in the network CRS, points or polygons only, invalid polygons repaired.

    Warns about repaired polygons and rows without geometry (see the module docstring).
    """
    geom = _network_points(network, points, name)
    garr = np.asarray(geom.values, dtype=object) if len(geom) else np.empty(0, dtype=object)
    n = len(garr)
    missing = pd.isna(garr) if n else np.zeros(0, bool)
    garr = np.where(missing, None, garr)
    empty = np.zeros(n, bool)
    empty[~missing] = shapely.is_empty(garr[~missing])
    gtype = np.full(n, -1)
    ok = ~missing & ~empty
    gtype[ok] = shapely.get_type_id(garr[ok])
    _check_point_or_polygon(garr, ok, gtype, points.index, name)
    garr, ok, empty, gtype = _repair_polygons(garr, ok, empty, gtype, points.index, name)
    _warn_unlocated(points, name, missing, empty)
    return _Geometries(garr=garr, missing=missing, empty=empty, ok=ok, gtype=gtype)


def _check_point_or_polygon(garr, ok, gtype, index, name) -> None:
    """GeometryTypeError for rows holding lines (or anything but points and polygons)."""
    # 0 point, 3 polygon, 4 multipoint, 6 multipolygon
    bad = ok & ~np.isin(gtype, (0, 3, 4, 6))
    if bad.any():
        kinds = sorted({shapely.get_type_id(g) for g in garr[bad]})
        names = {1: "LineString", 2: "LinearRing", 5: "MultiLineString", 7: "GeometryCollection"}
        raise GeometryTypeError(
            f"`{name}` must hold points or polygons; {int(bad.sum())} rows hold "
            f"{', '.join(names.get(k, str(k)) for k in kinds)} (e.g. row {index[np.flatnonzero(bad)[0]]!r}). "
            f"Convert them first, e.g. {name}.assign(geometry={name}.representative_point())."
        )


def _candidate_locations(network: Network, geoms: _Geometries, opts: _Options):
    """Step 4, the locations to snap: ``(rows, points, access leg forced to 0)``.

    One point per row (a polygon's point on its surface), or, with
    ``polygons="entrances"``, the entrances of each polygon (:func:`_entrances`).
    """
    cands: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    is_poly = geoms.ok & np.isin(geoms.gtype, (3, 6))
    simple = geoms.ok & ~(is_poly & (opts.polygons == "entrances"))
    idx = np.flatnonzero(simple)
    if len(idx):
        pts = geoms.garr[idx]
        need = geoms.gtype[idx] != 0
        if need.any():
            pts = pts.copy()
            pts[need] = shapely.point_on_surface(pts[need])
        cands.append((idx, pts, np.zeros(len(idx), bool)))
    if opts.polygons == "entrances" and is_poly.any():
        cands.append(_entrances(network, geoms.garr, np.flatnonzero(is_poly), opts.entrance_spacing_m, opts.component))
    if not cands:
        return np.empty(0, np.int64), np.empty(0, object), np.empty(0, bool)
    return (np.concatenate([c[0] for c in cands]), np.concatenate([c[1] for c in cands]),
            np.concatenate([c[2] for c in cands]))


def _snap_locations(network: Network, rows, locs, forced0, opts: _Options) -> pd.DataFrame:
    """Step 5, snap: one row per location with its edge, offset, access leg, snapped point and note.

    The private columns ``_far`` and ``_moved`` mark doubtful snaps (for the warning).
    """
    edge, dist, offset, sx, sy = _nearest_edges(network, locs, opts)
    dist[forced0 & (edge >= 0)] = 0.0
    note, far, moved = _notes(network, locs, edge, dist, opts)
    return pd.DataFrame(
        {"row": rows.astype(np.int64), "edge": edge, "offset_m": offset, "dist_m": dist, "x": sx, "y": sy,
         "note": note, "_far": far & ~moved, "_moved": moved}
    )


def _nearest_edges(network: Network, locs, opts: _Options):
    """``(edge or -1, access leg, offset from u, snapped x, snapped y)`` per location.

    Locations beyond ``max_snap_m`` get ``edge = -1`` but keep their distance to the
    nearest edge, for the diagnostics.
    """
    m = len(locs)
    edge = np.full(m, -1, dtype=np.int64)
    dist = np.full(m, np.nan)
    offset = np.full(m, np.nan)
    sx = np.full(m, np.nan)
    sy = np.full(m, np.nan)
    if not (m and network.n_edges):
        return edge, dist, offset, sx, sy
    # compiled grid search for the nearest segment (exact; ~20x faster than GEOS' STRtree)
    xy = shapely.get_coordinates(locs)
    e, d, along, qx, qy = _grid(network, opts.component).nearest(xy[:, 0], xy[:, 1], opts.max_snap_m)
    good = e >= 0
    edge[good] = e[good]
    dist[good] = d[good]
    sx[good], sy[good] = qx[good], qy[good]
    far = np.flatnonzero(~good)
    if len(far):  # measure how far the rejected ones are, for the diagnostics
        tree, _ = _tree(network, opts.component)
        (qj, _), d2 = tree.query_nearest(locs[far], return_distance=True, all_matches=False)
        dist[far[qj]] = d2
    if good.any():
        ge = edge[good]
        glen = shapely.length(network.edge_geometry[ge])
        elen = network.edge_length_m[ge]
        with np.errstate(invalid="ignore", divide="ignore"):
            offset[good] = np.where(glen > 0, np.clip(along[good] / glen, 0.0, 1.0) * elen, 0.0)
    return edge, dist, offset, sx, sy


def _notes(network: Network, locs, edge, dist, opts: _Options):
    """``(note, far, moved)`` per location: why it is not snapped, or why its snap deserves a look."""
    m = len(edge)
    good = edge >= 0
    note = np.full(m, None, dtype=object)
    beyond = ~good
    if beyond.any():
        if network.n_edges == 0:
            note[beyond] = "network has no edges"
        else:
            note[beyond] = [f"beyond max_snap_m ({d:.1f} m > {opts.max_snap_m:g} m)" for d in dist[beyond]]
    far = moved = np.zeros(m, bool)
    if good.any():
        far, moved = _note_doubtful(network, locs, edge, dist, note, opts.component, opts.snap_warn_m,
                                    opts.max_snap_m)
    return note, far, moved


def _one_row_per_unsnapped(out: pd.DataFrame, geoms: _Geometries, opts: _Options) -> pd.DataFrame:
    """Step 6, the rows of the result, sorted by input row and access leg.

    A polygon with at least one snapped entrance keeps only its snapped entrances; one
    that has none keeps a single row with its note; a row without geometry gets one row
    with ``edge = -1`` and the note ``"missing geometry"`` / ``"empty geometry"``.
    """
    if opts.polygons == "entrances" and len(out):
        has = out.groupby("row")["edge"].transform("max") >= 0
        out = out[(out.edge >= 0) | ~has]
        out = out[(out.edge >= 0) | ~out.row.duplicated(keep="first")]
    lost = np.flatnonzero(~geoms.ok)
    if len(lost):
        unlocated = pd.DataFrame(
            {
                "row": lost.astype(np.int64),
                "edge": -1,
                "offset_m": np.nan,
                "dist_m": np.nan,
                "x": np.nan,
                "y": np.nan,
                "note": np.where(geoms.missing[lost], "missing geometry", "empty geometry").astype(object),
                "_far": False,
                "_moved": False,
            }
        )
        out = pd.concat([out, unlocated], ignore_index=True)
    return out.sort_values(["row", "dist_m"], kind="stable").reset_index(drop=True)


def _warn_doubtful(out: pd.DataFrame, index: pd.Index, opts: _Options) -> None:
    """Step 7, warn: one SnapWarning for the rows whose best location has a long leg or was moved."""
    # one location per input row decides (the best entrance of a polygon)
    best = out[out.edge >= 0].drop_duplicates("row")
    flagged = best[best._far | best._moved]
    if not len(flagged):
        return
    snap_warn_m, name = opts.snap_warn_m, opts.name
    parts = []
    if flagged._far.any():
        parts.append(f"{int(flagged._far.sum())} with an access leg longer than snap_warn_m={snap_warn_m:g} m "
                     f"(longest {flagged.dist_m[flagged._far].max():.0f} m)")
    if flagged._moved.any():
        parts.append(f"{int(flagged._moved.sum())} moved off their own street network piece onto the largest one")
    labels = list(index[flagged.row.to_numpy()[:5]])
    warnings.warn(
        f"{len(flagged)} of {len(index)} rows of `{name}` were snapped doubtfully: {'; '.join(parts)} "
        f"(e.g. rows {labels}). Their `snap_note` says why: check them on a map and add the "
        f"missing streets. If this is expected, set snap_component='any' to keep points on "
        f"their own piece, or a threshold above snap_warn_m={snap_warn_m:g} (urbangeo settings).",
        SnapWarning,
        stacklevel=_user_stacklevel(),
    )


def _warn_none_snapped(out: pd.DataFrame, geoms: _Geometries, opts: _Options) -> None:
    """A warning when rows have a geometry but none of them lies within ``max_snap_m`` of the network."""
    if len(geoms.garr) and not (out.edge >= 0).any() and geoms.ok.any():
        warnings.warn(
            f"none of the {int(geoms.ok.sum())} rows of `{opts.name}` lies within max_snap_m={opts.max_snap_m:g} m "
            f"of the network; check the CRS and the coordinate order (longitude first), or raise max_snap_m.",
            UrbangeoWarning,
            stacklevel=_user_stacklevel(),
        )


def _shown(labels) -> str:
    labels = list(labels)
    return ", ".join(repr(x) for x in labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")


def _repair_polygons(garr, ok, empty, gtype, index, name):
    """Invalid polygons repaired with ``make_valid`` (keeping the polygons), with a GeometryFixedWarning.

    Works on the snapping copy of the geometries: the caller's frame is not modified.
    Returns the updated ``(garr, ok, empty, gtype)``.
    """
    poly = ok & np.isin(gtype, (3, 6))
    if not poly.any():
        return garr, ok, empty, gtype
    invalid = np.zeros(len(garr), bool)
    invalid[poly] = ~shapely.is_valid(garr[poly])
    if not invalid.any():
        return garr, ok, empty, gtype
    idx = np.flatnonzero(invalid)
    reasons = shapely.is_valid_reason(garr[idx])
    garr = garr.copy()
    garr[idx] = _keep_family(shapely.make_valid(garr[idx]), garr[idx])
    # a ring with no area at all repairs to nothing: it is then a row without geometry
    gone = idx[shapely.is_empty(garr[idx])]
    empty = empty.copy()
    empty[gone] = True
    ok = ok & ~empty
    gtype = gtype.copy()
    gtype[gone] = -1
    gtype[idx[~np.isin(idx, gone)]] = shapely.get_type_id(garr[idx[~np.isin(idx, gone)]])
    detail = "; ".join(f"row {lab!r}: {r}" for lab, r in list(zip(index[idx], reasons))[:3])
    fix = f" (or repair them yourself first: {name} = {name}.make_valid())" if name.isidentifier() else ""
    warnings.warn(
        f"`{name}`: repaired {len(idx)} invalid polygons with make_valid before snapping ({detail}"
        f"{' ...' if len(idx) > 3 else ''}); check them on a map{fix}.",
        GeometryFixedWarning,
        stacklevel=_user_stacklevel(),
    )
    return garr, ok, empty, gtype


def _warn_unlocated(points, name, missing, empty) -> None:
    """DroppedRowsWarning for rows without geometry; EmptyInputWarning for a frame without rows."""
    n = len(points)
    if n == 0:
        warnings.warn(
            f"`{name}` has no rows: nothing is snapped to the network, so every result that depends on "
            f"`{name}` is empty, NaN or 0. Check the layer, or the filter that produced it.",
            EmptyInputWarning,
            stacklevel=_user_stacklevel(),
        )
        return
    lost = missing | empty
    if lost.any():
        drop = (f" Give them a location, or drop them first: "
                f"{name}[~({name}.geometry.isna() | {name}.geometry.is_empty)].") if name.isidentifier() else ""
        warnings.warn(
            f"{int(lost.sum())} of {n} rows of `{name}` have no geometry (None or empty; rows "
            f"{_shown(points.index[lost])}) and cannot be snapped to the network: they are kept with the note "
            f"'missing geometry' or 'empty geometry' and get no travel cost (NaN).{drop}",
            DroppedRowsWarning,
            stacklevel=_user_stacklevel(),
        )


def _user_stacklevel() -> int:
    """Stack level of the first frame outside urbangeo (so warnings point at the user's call)."""
    level = 1
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("urbangeo."):
        frame = frame.f_back
        level += 1
    return level


def _note_doubtful(network: Network, locs, edge, dist, note, component, snap_warn_m, max_snap_m):
    """Notes for snapped locations with a long access leg, or moved off their own network piece.

    Writes into ``note`` and returns the two masks ``(far, moved)`` over the locations.
    """
    good = edge >= 0
    far = good & (dist > snap_warn_m)
    moved = np.zeros(len(edge), bool)
    for i in np.flatnonzero(far):
        note[i] = f"access leg {dist[i]:.0f} m > snap_warn_m ({snap_warn_m:g} m)"
    if component != "largest" or network.n_components < 2:
        return far, moved
    idx = np.flatnonzero(good)
    xy = shapely.get_coordinates(locs[idx])
    e_any, d_any, _, _, _ = _grid(network, "any").nearest(xy[:, 0], xy[:, 1], max_snap_m)
    comp = network.component[network.edge_u]
    off = (e_any >= 0) & (comp[np.where(e_any >= 0, e_any, 0)] != 0) & (d_any < dist[idx] - 0.01)
    moved[idx[off]] = True
    for j in np.flatnonzero(off):
        i = idx[j]
        extra = f"; access leg {dist[i]:.0f} m" if note[i] is None else ""
        note[i] = (f"moved off its own street network piece ({d_any[j]:.0f} m away, not connected to the "
                   f"rest) onto the largest one{extra}") + (f"; {note[i]}" if note[i] else "")
    return far, moved


def _entrances(network: Network, garr, idx, spacing, component):
    """Entrance points of polygons ``garr[idx]``: along the boundary and at street crossings."""
    rows, pts, zero = [], [], []
    bnd = shapely.boundary(garr[idx])
    lens = shapely.length(bnd)
    for r, b, L in zip(idx, bnd, lens):
        k = max(int(np.ceil(L / spacing)), 1)
        p = shapely.line_interpolate_point(b, np.linspace(0.0, L, k, endpoint=False))
        rows.append(np.full(len(p), r))
        pts.append(p)
        zero.append(np.zeros(len(p), bool))
    if network.n_edges:
        tree, ids = _tree(network, component)
        bi, ei = tree.query(bnd, predicate="intersects")
        ei = ids[ei]
        if len(bi):
            inter = shapely.intersection(bnd[bi], network.edge_geometry[ei])
            parts, part_idx = shapely.get_parts(inter, return_index=True)
            is_pt = shapely.get_type_id(parts) == 0
            if is_pt.any():
                rows.append(idx[bi[part_idx[is_pt]]])
                pts.append(parts[is_pt])
                zero.append(np.ones(int(is_pt.sum()), bool))
    return np.concatenate(rows), np.concatenate(pts), np.concatenate(zero)


# --------------------------------------------------------------------------- costs of snapped rows
@dataclass
class Legs:
    """Costs from snapped locations to the end nodes of their edges.

    Attributes are arrays over snapped rows ``i`` (those with ``edge >= 0``): ``row``
    (input position), ``edge``, ``offset_m``, ``u``, ``v``, primary/secondary costs
    ``cu, cu2`` (to or from node u) and ``cv, cv2``; ``inf`` where a one-way edge
    (or a hill factor of 0) forbids that direction. ``rate`` converts metres of the
    access leg into primary cost (flat ground); ``rate_fwd`` / ``rate_rev`` convert
    metres on the edge travelled towards v / towards u (``inf``: impassable).
    """

    row: np.ndarray
    edge: np.ndarray
    offset_m: np.ndarray
    access: np.ndarray
    access2: np.ndarray
    u: np.ndarray
    v: np.ndarray
    cu: np.ndarray
    cu2: np.ndarray
    cv: np.ndarray
    cv2: np.ndarray
    rate: np.ndarray
    length_m: np.ndarray
    oneway: np.ndarray
    rate_fwd: np.ndarray
    rate_rev: np.ndarray

    def seeds(self):
        """(node, cost, cost2, position in this Legs) for the finite legs, u then v."""
        node = np.concatenate([self.u, self.v])
        c = np.concatenate([self.cu, self.cv])
        c2 = np.concatenate([self.cu2, self.cv2])
        pos = np.concatenate([np.arange(len(self.u)), np.arange(len(self.v))])
        fin = np.isfinite(c)
        return node[fin], c[fin], c2[fin], pos[fin]


def edge_rate(network: Network, weight: str, speed_kmh: float | None,
              direction: Literal["flat", "fwd", "rev"] = "flat") -> np.ndarray:
    """Primary cost per metre of each edge record (1 for metres, s/m for seconds).

    ``direction``: ``"flat"`` ignores hill factors (access legs), ``"fwd"`` / ``"rev"``
    divide by the record's factor towards v / towards u (``inf`` where it is 0).
    Metres ignore the factors.
    """
    if weight == "length_m":
        return np.ones(network.n_edges)
    speed = network.edge_speed_kmh if speed_kmh is None else np.full(network.n_edges, float(speed_kmh))
    rate = 3.6 / speed
    factor = None if direction == "flat" else network.edge_factor(direction)
    if factor is None:
        return rate
    with np.errstate(divide="ignore"):
        return np.where(factor > 0, rate / np.where(factor > 0, factor, 1.0), np.inf)


def legs(network: Network, snap: pd.DataFrame, *, side: Literal["origin", "facility"], weight: str,
         speed_kmh: float | None) -> Legs:
    """Leg costs of the snapped rows of ``snap``.

    ``side="origin"``: cost from the point to each end node (leaving along the edge);
    ``side="facility"``: cost from each end node to the point. On a one-way edge
    (u -> v) an origin can only leave towards v and a facility is only reached from u,
    except at the edge's ends: a point within :data:`NODE_TOLERANCE_M` of node u (or
    v) is at that node and uses it in both directions (a home at a corner of a
    one-way street can drive off along the other street).

    Hills: along the edge, an origin leaving towards u travels against the record
    (``rate_rev``) and towards v with it (``rate_fwd``); a facility is reached from u
    with the record and from v against it. The access leg is flat. A direction
    with factor 0 is blocked like a one-way street (the same node tolerance).
    """
    s = snap[snap.edge >= 0]
    e = s.edge.to_numpy(np.int64)
    t = s.offset_m.to_numpy(float)
    acc = s.dist_m.to_numpy(float)
    L = network.edge_length_m[e]
    one = network.edge_oneway[e]
    rate = edge_rate(network, weight, speed_kmh)[e]
    rate_f = edge_rate(network, weight, speed_kmh, "fwd")[e]
    rate_r = edge_rate(network, weight, speed_kmh, "rev")[e]
    to_u, to_v = t, np.maximum(L - t, 0.0)
    cu2 = acc + to_u
    cv2 = acc + to_v
    # along the edge: origin -> u and v -> facility travel against the record, the others with it
    r_u, r_v = (rate_r, rate_f) if side == "origin" else (rate_f, rate_r)
    hill_u, hill_v = np.isinf(r_u), np.isinf(r_v)
    with np.errstate(invalid="ignore"):  # flat ground: exactly rate * (access + along), as without hills
        cu = np.where(r_u == rate, rate * cu2, rate * acc + np.where(hill_u, rate, r_u) * to_u)
        cv = np.where(r_v == rate, rate * cv2, rate * acc + np.where(hill_v, rate, r_v) * to_v)
    # a point at (within NODE_TOLERANCE_M of) an end node IS at that node: it enters and
    # leaves it in every direction, whatever the one-way (or too steep) edge it was snapped to
    if side == "origin":
        block_u = (one | hill_u) & (to_u > NODE_TOLERANCE_M)
        block_v = hill_v & (to_v > NODE_TOLERANCE_M)
    else:
        block_u = hill_u & (to_u > NODE_TOLERANCE_M)
        block_v = (one | hill_v) & (to_v > NODE_TOLERANCE_M)
    cu = np.where(block_u, np.inf, cu)
    cu2 = np.where(block_u, np.inf, cu2)
    cv = np.where(block_v, np.inf, cv)
    cv2 = np.where(block_v, np.inf, cv2)
    return Legs(
        row=s.row.to_numpy(np.int64), edge=e, offset_m=t, access=rate * acc, access2=acc,
        u=network.edge_u[e], v=network.edge_v[e], cu=cu, cu2=cu2, cv=cv, cv2=cv2, rate=rate,
        length_m=L, oneway=one, rate_fwd=rate_f, rate_rev=rate_r,
    )


def same_edge_pairs(o: Legs, f: Legs):
    """Direct costs between origins and facilities snapped to the same edge record.

    Returns (origin position in ``o``, facility position in ``f``, cost, cost2); the
    move along the edge respects one-way (from smaller to larger offset only).
    """
    if not len(o.edge) or not len(f.edge):
        e = np.empty(0, np.int64)
        return e, e, np.empty(0), np.empty(0)
    fo = pd.DataFrame({"edge": f.edge, "fi": np.arange(len(f.edge))})
    common = np.intersect1d(o.edge, f.edge)
    if not len(common):
        e = np.empty(0, np.int64)
        return e, e, np.empty(0), np.empty(0)
    oo = pd.DataFrame({"edge": o.edge, "oi": np.arange(len(o.edge))})
    oo = oo[oo.edge.isin(common)]
    pr = oo.merge(fo[fo.edge.isin(common)], on="edge")
    oi = pr.oi.to_numpy(np.int64)
    fi = pr.fi.to_numpy(np.int64)
    delta = f.offset_m[fi] - o.offset_m[oi]
    along = np.where(o.oneway[oi], np.where(delta >= 0, delta, np.inf), np.abs(delta))
    # with the record (towards v) when the facility lies further along, else against it
    r = np.where(delta >= 0, o.rate_fwd[oi], o.rate_rev[oi])
    with np.errstate(invalid="ignore"):
        move = np.where(along > 0, r * along, 0.0)
    c2 = np.where(np.isfinite(move), o.access2[oi] + along + f.access2[fi], np.inf)
    c = o.access[oi] + move + f.access[fi]
    fin = np.isfinite(c)
    return oi[fin], fi[fin], c[fin], c2[fin]
