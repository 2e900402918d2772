"""The :class:`Network`: a street network as compact arrays in a metric CRS.

A Network holds nodes and edges as NumPy arrays (no networkx graph inside), so a
whole city fits in a few tens of megabytes and shortest-path searches run on a CSR
adjacency matrix.

Edge records are *street segments*: one record per segment, stored from ``u`` to
``v`` with its geometry in that direction. ``oneway`` tells whether the segment may
only be travelled from ``u`` to ``v`` (driving on one-way streets); otherwise it is
travelled both ways. The CSR matrices are built from these records, taking the
minimum over parallel edges and keeping zero-length edges.

Hills (:mod:`.elevation`) enter as optional per-direction *factors* of the travel
speed: a record is travelled u -> v at ``speed * edge_factor_fwd`` and v -> u at
``speed * edge_factor_rev`` (None = 1 everywhere, 0 = impassable that way). Only
times use them; lengths (``dist_m`` searches) do not.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .._validate import check_choice, check_number
from ..crs import is_metric
from ..errors import CRSError, EmptyDataError, InvalidGeometryError, InvalidOptionError

log = logging.getLogger(__name__)

__all__ = ["Network", "EdgeProfile", "MODES", "network_from_osm", "clip_network", "default_snap_filter"]

MODES = ("walk", "bike", "drive")
Weight = Literal["length_m", "time_s"]
Mode = Literal["walk", "bike", "drive"]

# Zero-length edges must survive the CSR matrix: scipy's csgraph drops explicit zeros,
# so they are stored with this tiny positive length (1 nanometre) in the matrix only.
ZERO_EDGE_M = 1e-9


@dataclass(frozen=True, eq=False)
class EdgeProfile:
    """Elevation profile along every edge record, as sub-segments (CSR over records).

    Record ``e`` is cut into the sub-segments ``ptr[e]:ptr[e+1]``, in order from
    ``u`` to ``v``: ``length_m`` is each piece's horizontal length (they sum to the
    record's ``edge_length_m``) and ``rise_m`` its change of elevation from its
    u-side end to its v-side end (negative downhill). Travelled from v to u, the
    pieces come in reverse order with the opposite rise.
    """

    ptr: np.ndarray
    length_m: np.ndarray
    rise_m: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "ptr", np.ascontiguousarray(self.ptr, dtype=np.int64))
        object.__setattr__(self, "length_m", np.ascontiguousarray(self.length_m, dtype=np.float64))
        object.__setattr__(self, "rise_m", np.ascontiguousarray(self.rise_m, dtype=np.float64))
        k = len(self.length_m)
        if len(self.rise_m) != k or len(self.ptr) < 1 or self.ptr[0] != 0 or self.ptr[-1] != k \
                or (np.diff(self.ptr) < 0).any():
            raise ValueError("EdgeProfile: ptr must run from 0 to len(length_m) == len(rise_m), non-decreasing")

    @property
    def n_edges(self) -> int:
        return len(self.ptr) - 1

    @property
    def edge(self) -> np.ndarray:
        """The record of every sub-segment."""
        return np.repeat(np.arange(self.n_edges), np.diff(self.ptr))

    def take(self, idx: np.ndarray, flip: np.ndarray | None = None) -> EdgeProfile:
        """The profiles of records ``idx`` in that order; ``flip`` (bool per idx) reverses a record."""
        idx = np.asarray(idx, dtype=np.int64)
        counts = np.diff(self.ptr)[idx]
        ptr = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        owner = np.repeat(np.arange(len(idx)), counts)
        local = np.arange(int(ptr[-1])) - ptr[owner]
        pos = self.ptr[idx][owner] + local
        rise = self.rise_m[pos] if len(pos) else np.zeros(0)
        if flip is not None and len(pos):
            fl = np.asarray(flip, dtype=bool)[owner]
            pos = np.where(fl, self.ptr[idx][owner] + counts[owner] - 1 - local, pos)
            rise = np.where(fl, -self.rise_m[pos], self.rise_m[pos])
        return EdgeProfile(ptr, self.length_m[pos] if len(pos) else np.zeros(0), rise)

    def grouped(self, group: np.ndarray, n_groups: int) -> EdgeProfile:
        """Consecutive records joined into ``n_groups`` (``group`` sorted, one label per record)."""
        counts = np.bincount(np.asarray(group, dtype=np.int64), weights=np.diff(self.ptr), minlength=n_groups)
        ptr = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(counts.astype(np.int64), out=ptr[1:])
        return EdgeProfile(ptr, self.length_m, self.rise_m)


@dataclass(eq=False)
class Network:
    """Street network in a metric CRS.

    Attributes
    ----------
    x, y : ndarray (n,)
        Node coordinates in ``crs`` (metres).
    node_id : ndarray (n,) int64
        Source node identifiers (OSM node ids, or graph node labels when integer).
    edge_u, edge_v : ndarray (m,) int64
        Positions (0..n-1) of the start and end node of each segment.
    edge_length_m : ndarray (m,) float64
        Segment length along its geometry, metres.
    edge_geometry : ndarray (m,) of shapely LineString
        Geometry from ``u`` to ``v`` in ``crs``.
    edge_oneway : ndarray (m,) bool
        True: travelled only from u to v.
    edge_speed_kmh : ndarray (m,) float64
        Travel speed on the segment (mode speed for walk/bike; maxspeed or highway
        default for drive).
    crs : pyproj.CRS
        A metric CRS (see :func:`urbangeo.crs.metric_crs`).
    mode : {"walk", "bike", "drive"}
    edge_attrs : DataFrame
        Extra per-edge attributes (e.g. ``osmid``, ``highway``, ``name``), m rows.
    meta : dict
        Provenance: source file, ``simplified``, counts of what was left out
        (``missing_nodes`` of clipped extracts), the speed used. Saved with the network.
    edge_snappable : ndarray (m,) bool, optional
        Edges that points (homes, facilities) may be snapped to; the others are still
        travelled. Default :func:`default_snap_filter`: not tunnels, covered or indoor
        ways, underground layers or levels, private ways, motorways (and trunk roads
        for walking and cycling). Change it with :meth:`with_snap_filter`.
    edge_factor_fwd, edge_factor_rev : ndarray (m,) float64, optional
        Speed factors of each record from u to v and from v to u (hills:
        :func:`~urbangeo.accessibility.hill_times`): the time is
        ``length / (speed * factor)``; 0 means impassable in that direction. None
        (the default) means 1: flat ground. Lengths are never scaled.
    node_z_m : ndarray (n,) float64, optional
        Node elevations, metres (:func:`~urbangeo.accessibility.add_elevation`).
    edge_profile : EdgeProfile, optional
        The elevation profile sampled along each edge (sub-segment lengths and rises).
    """

    x: np.ndarray
    y: np.ndarray
    node_id: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_geometry: np.ndarray
    edge_oneway: np.ndarray
    edge_speed_kmh: np.ndarray
    crs: CRS
    mode: str = "walk"
    edge_attrs: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: dict = field(default_factory=dict)
    edge_snappable: np.ndarray | None = None
    edge_factor_fwd: np.ndarray | None = None
    edge_factor_rev: np.ndarray | None = None
    node_z_m: np.ndarray | None = None
    edge_profile: EdgeProfile | None = None

    def __post_init__(self) -> None:
        self.crs = CRS.from_user_input(self.crs)
        if not is_metric(self.crs):
            raise CRSError(
                f"a Network must be in a metric CRS, got {self.crs.name}; build it with "
                f"network_from_osm/network_from_graph, which choose one with urbangeo.crs.metric_crs."
            )
        if self.mode not in MODES:
            raise InvalidOptionError(f"`mode` must be one of {MODES}; got {self.mode!r}.")
        n, m = len(self.x), len(self.edge_u)
        self.x = np.ascontiguousarray(self.x, dtype=np.float64)
        self.y = np.ascontiguousarray(self.y, dtype=np.float64)
        self.node_id = np.ascontiguousarray(self.node_id, dtype=np.int64)
        self.edge_u = np.ascontiguousarray(self.edge_u, dtype=np.int64)
        self.edge_v = np.ascontiguousarray(self.edge_v, dtype=np.int64)
        self.edge_length_m = np.ascontiguousarray(self.edge_length_m, dtype=np.float64)
        self.edge_oneway = np.ascontiguousarray(self.edge_oneway, dtype=bool)
        self.edge_speed_kmh = np.ascontiguousarray(self.edge_speed_kmh, dtype=np.float64)
        self.edge_geometry = np.asarray(self.edge_geometry, dtype=object)
        for nm, arr, size in [
            ("y", self.y, n),
            ("node_id", self.node_id, n),
            ("edge_v", self.edge_v, m),
            ("edge_length_m", self.edge_length_m, m),
            ("edge_geometry", self.edge_geometry, m),
            ("edge_oneway", self.edge_oneway, m),
            ("edge_speed_kmh", self.edge_speed_kmh, m),
        ]:
            if len(arr) != size:
                raise ValueError(f"Network.{nm} has length {len(arr)}, expected {size}")
        if m and (self.edge_u.min() < 0 or self.edge_u.max() >= n or self.edge_v.min() < 0 or self.edge_v.max() >= n):
            raise ValueError("edge_u/edge_v must be node positions in 0..n-1")
        if len(self.edge_attrs) not in (0, m):
            raise ValueError(f"edge_attrs has {len(self.edge_attrs)} rows, expected {m}")
        if self.edge_snappable is None:
            self.edge_snappable = default_snap_filter(self)
        else:
            self.edge_snappable = np.ascontiguousarray(self.edge_snappable, dtype=bool)
            if len(self.edge_snappable) != m:
                raise ValueError(f"Network.edge_snappable has length {len(self.edge_snappable)}, expected {m}")
        self._check_hills(n, m)

    def _check_hills(self, n: int, m: int) -> None:
        """Validate (and make contiguous) the optional hill arrays."""
        for nm in ("edge_factor_fwd", "edge_factor_rev"):
            arr = getattr(self, nm)
            if arr is None:
                continue
            arr = np.ascontiguousarray(arr, dtype=np.float64)
            if arr.shape != (m,):
                raise ValueError(f"Network.{nm} has shape {arr.shape}, expected ({m},)")
            if not (np.isfinite(arr).all() and (arr >= 0).all()):
                raise ValueError(f"Network.{nm} must hold finite factors >= 0 (0 = impassable in that direction)")
            setattr(self, nm, arr)
        if self.node_z_m is not None:
            self.node_z_m = np.ascontiguousarray(self.node_z_m, dtype=np.float64)
            if self.node_z_m.shape != (n,):
                raise ValueError(f"Network.node_z_m has shape {self.node_z_m.shape}, expected ({n},)")
        if self.edge_profile is not None and self.edge_profile.n_edges != m:
            raise ValueError(f"Network.edge_profile describes {self.edge_profile.n_edges} edges, expected {m}")

    def _snap_mask(self) -> np.ndarray:
        """``edge_snappable`` as the array it always is once built (``None`` only as an argument)."""
        assert self.edge_snappable is not None, "set by __post_init__"
        return self.edge_snappable

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        return len(self.x)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    def __repr__(self) -> str:
        return (
            f"<Network mode={self.mode!r} nodes={self.n_nodes:,} edges={self.n_edges:,} "
            f"components={self.n_components} crs={self.crs.to_string()}>"
        )

    # ------------------------------------------------------------------ costs
    def edge_factor(self, direction: Literal["fwd", "rev"] = "fwd") -> np.ndarray | None:
        """Speed factors of the records travelled u -> v (``"fwd"``) or v -> u (``"rev"``); None = all 1."""
        if direction not in ("fwd", "rev"):
            raise InvalidOptionError(f"`direction` must be 'fwd' or 'rev'; got {direction!r}.")
        return self.edge_factor_fwd if direction == "fwd" else self.edge_factor_rev

    def edge_cost(self, weight: Weight = "length_m", *, speed_kmh: float | None = None,
                  direction: Literal["fwd", "rev"] = "fwd") -> np.ndarray:
        """Cost of each edge record: metres, or seconds at ``speed_kmh`` (or the edge speeds).

        Seconds are ``length / (speed * factor)`` with the record's factor in
        ``direction`` (u -> v ``"fwd"``, v -> u ``"rev"``; inf where the factor is 0);
        metres ignore the factors.
        """
        if weight == "length_m":
            return self.edge_length_m
        if weight == "time_s":
            speed = self.edge_speed_kmh if speed_kmh is None else np.full(self.n_edges, float(speed_kmh))
            factor = self.edge_factor(direction)
            if factor is None:
                return self.edge_length_m / (speed / 3.6)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(factor > 0, self.edge_length_m / (speed * factor / 3.6), np.inf)
        raise InvalidOptionError(f"`weight` must be 'length_m' or 'time_s'; got {weight!r}.")

    def csr(self, weight: Weight = "length_m", *, speed_kmh: float | None = None, reverse: bool = False):
        """Directed adjacency as a ``scipy.sparse.csr_matrix`` (n x n).

        Two-way segments give both directions; one-way segments only u -> v
        (``reverse=True`` transposes, for searches towards a destination). Parallel
        edges keep their minimum cost; zero-length edges are kept with cost
        :data:`ZERO_EDGE_M` (metres) so scipy does not treat them as missing.
        """
        from scipy.sparse import csr_matrix

        cost = self.edge_cost(weight, speed_kmh=speed_kmh)
        back = self.edge_cost(weight, speed_kmh=speed_kmh, direction="rev")
        two = ~self.edge_oneway
        rows = np.concatenate([self.edge_u, self.edge_v[two]])
        cols = np.concatenate([self.edge_v, self.edge_u[two]])
        data = np.concatenate([cost, back[two]])
        if reverse:
            rows, cols = cols, rows
        # minimum over parallel edges: sort by one (row, col) key, take the minimum of each run
        n = self.n_nodes
        keep = (rows != cols) & np.isfinite(data)  # self-loops never shorten a path; factor 0: impassable
        rows, cols, data = rows[keep], cols[keep], data[keep]
        key = rows * n + cols
        order = np.argsort(key, kind="stable")
        key = key[order]
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else np.zeros(0, np.int64)
        data = np.minimum.reduceat(data[order], starts) if len(key) else data
        key = key[starts]
        rows, cols = key // n, key % n
        data = np.maximum(data, ZERO_EDGE_M)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return csr_matrix((data, cols.astype(np.int32 if n < 2**31 else np.int64), indptr), shape=(n, n))

    # ------------------------------------------------------------------ components
    @cached_property
    def component(self) -> np.ndarray:
        """Weakly connected component label of every node (0 = largest)."""
        from scipy.sparse.csgraph import connected_components

        _, labels = connected_components(self.csr(), directed=True, connection="weak")
        counts = np.bincount(labels)
        rank = np.empty_like(counts)
        rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
        return rank[labels]

    @property
    def n_components(self) -> int:
        return int(self.component.max()) + 1 if self.n_nodes else 0

    # ------------------------------------------------------------------ frames
    @property
    def nodes(self) -> gpd.GeoDataFrame:
        """Nodes as a GeoDataFrame (index = position, columns node_id, component, and z_m with elevations)."""
        cols: dict[str, Any] = {"node_id": self.node_id, "component": self.component}
        if self.node_z_m is not None:
            cols["z_m"] = self.node_z_m
        return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(self.x, self.y), crs=self.crs)

    @property
    def edges(self) -> gpd.GeoDataFrame:
        """Edge records as a GeoDataFrame (u, v positions, length_m, oneway, speed_kmh, attrs).

        With hills, also ``factor_fwd`` and ``factor_rev`` (speed factors u -> v and
        v -> u, 0 = impassable that way).
        """
        df = pd.DataFrame(
            {
                "u": self.edge_u,
                "v": self.edge_v,
                "length_m": self.edge_length_m,
                "oneway": self.edge_oneway,
                "speed_kmh": self.edge_speed_kmh,
            }
        )
        if self.edge_factor_fwd is not None or self.edge_factor_rev is not None:
            ones = np.ones(self.n_edges)
            df["factor_fwd"] = ones if self.edge_factor_fwd is None else self.edge_factor_fwd
            df["factor_rev"] = ones if self.edge_factor_rev is None else self.edge_factor_rev
        if len(self.edge_attrs):
            df = pd.concat([df, self.edge_attrs.reset_index(drop=True)], axis=1)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(self.edge_geometry, crs=self.crs), crs=self.crs)

    # ------------------------------------------------------------------ derived networks
    def subnetwork(self, node_mask: np.ndarray) -> Network:
        """New Network with the nodes where ``node_mask`` is true and the edges between them.

        Node positions are renumbered (0..k-1) in their original order; ``node_id``
        keeps the source identifiers.
        """
        node_mask = np.asarray(node_mask, dtype=bool)
        if node_mask.shape != (self.n_nodes,):
            raise ValueError(f"node_mask must have shape ({self.n_nodes},), got {node_mask.shape}")
        new_pos = np.full(self.n_nodes, -1, dtype=np.int64)
        new_pos[node_mask] = np.arange(int(node_mask.sum()))
        keep = node_mask[self.edge_u] & node_mask[self.edge_v]
        attrs = self.edge_attrs.iloc[np.flatnonzero(keep)].reset_index(drop=True) if len(self.edge_attrs) else self.edge_attrs
        return Network(
            x=self.x[node_mask],
            y=self.y[node_mask],
            node_id=self.node_id[node_mask],
            edge_u=new_pos[self.edge_u[keep]],
            edge_v=new_pos[self.edge_v[keep]],
            edge_length_m=self.edge_length_m[keep],
            edge_geometry=self.edge_geometry[keep],
            edge_oneway=self.edge_oneway[keep],
            edge_speed_kmh=self.edge_speed_kmh[keep],
            crs=self.crs,
            mode=self.mode,
            edge_attrs=attrs,
            meta=dict(self.meta),
            edge_snappable=self._snap_mask()[keep],
            edge_factor_fwd=None if self.edge_factor_fwd is None else self.edge_factor_fwd[keep],
            edge_factor_rev=None if self.edge_factor_rev is None else self.edge_factor_rev[keep],
            node_z_m=None if self.node_z_m is None else self.node_z_m[node_mask],
            edge_profile=None if self.edge_profile is None else self.edge_profile.take(np.flatnonzero(keep)),
        )

    def with_snap_filter(self, snap_filter: Any = "default") -> Network:
        """A copy of the network whose points snap only to the edges ``snap_filter`` allows.

        Travel still uses every edge: the filter only decides where homes and
        facilities may join the network.

        Parameters
        ----------
        snap_filter : "default", "all", bool array (m,) or callable
            ``"default"``: :func:`default_snap_filter`; ``"all"`` (or None): every
            edge; a boolean array with one value per edge record; or a callable
            taking the Network and returning such an array, e.g.
            ``lambda net: net.edges["highway"].ne("service").to_numpy()``.

        Returns
        -------
        Network
            A new network sharing the arrays of this one; this one is not modified.
        """
        import dataclasses

        mask = resolve_snap_filter(self, snap_filter)
        out = dataclasses.replace(self, edge_snappable=mask, meta=dict(self.meta))
        out.meta["snap_filter"] = snap_filter if isinstance(snap_filter, str) or snap_filter is None else "custom"
        return out

    def largest_component(self) -> Network:
        """The largest weakly connected component as a new Network (component label 0)."""
        return self.subnetwork(self.component == 0)

    def simplify(self, *, keep_nodes: np.ndarray | None = None, attrs_differ: tuple[str, ...] = ()) -> Network:
        """Merge chains of degree-2 nodes into single segments (geometry kept, lengths summed).

        A node is interior, and disappears, when it touches exactly two segment records
        going to two different neighbours, both two-way or both one-way in one
        direction (one entering, one leaving), with equal ``edge_speed_kmh`` and equal
        values of the ``attrs_differ`` columns. This is osmnx's endpoint rule (rules
        1-3 of ``simplification._is_endpoint``), stricter where the one-way state or
        the speed changes, so travel times stay exact. Self-contained rings keep one
        node (the first in node order) and become a self-loop. ``keep_nodes`` (a
        boolean mask) forces nodes to stay. Merged segments keep the ``edge_attrs`` of
        their first record.

        Shortest-path costs between remaining nodes are unchanged.
        """
        import shapely

        n, m = self.n_nodes, self.n_edges
        u, v, ow = self.edge_u, self.edge_v, self.edge_oneway
        inc_node = np.concatenate([u, v])
        inc_rec = np.concatenate([np.arange(m), np.arange(m)])
        inc_end = np.concatenate([np.zeros(m, np.int64), np.ones(m, np.int64)])
        order = np.argsort(inc_node, kind="stable")
        deg = np.bincount(inc_node, minlength=n)
        start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(deg, out=start[1:])
        x = np.flatnonzero(deg == 2)
        i1, i2 = order[start[x]], order[start[x] + 1]
        r1, r2, e1, e2 = inc_rec[i1], inc_rec[i2], inc_end[i1], inc_end[i2]
        o1 = np.where(e1 == 0, v[r1], u[r1])
        o2 = np.where(e2 == 0, v[r2], u[r2])
        ok = (r1 != r2) & (o1 != o2) & (o1 != x) & (o2 != x)
        ok &= (~ow[r1] & ~ow[r2]) | (ow[r1] & ow[r2] & (e1 != e2))
        ok &= self.edge_speed_kmh[r1] == self.edge_speed_kmh[r2]
        snappable = self._snap_mask()
        ok &= snappable[r1] == snappable[r2]
        ok &= self._same_closure(r1, r2, e1, e2)
        for col in attrs_differ:
            if col not in self.edge_attrs.columns:
                continue
            try:  # equal codes <=> equal values; missing values share the code -1
                vals, _ = pd.factorize(self.edge_attrs[col], use_na_sentinel=True)
            except TypeError:  # unhashable values (lists): compare them as they are
                vals = self.edge_attrs[col].to_numpy()
            ok &= vals[r1] == vals[r2]
        if keep_nodes is not None:
            ok &= ~np.asarray(keep_nodes, dtype=bool)[x]
        interior = np.zeros(n, dtype=bool)
        interior[x[ok]] = True
        x, r1, r2, e1, e2 = x[ok], r1[ok], r2[ok], e1[ok], e2[ok]
        link_rec = np.full((m, 2), -1, dtype=np.int64)
        link_end = np.zeros((m, 2), dtype=np.int64)
        link_rec[r1, e1], link_end[r1, e1] = r2, e2
        link_rec[r2, e2], link_end[r2, e2] = r1, e1

        recs: list[int] = []
        flips: list[bool] = []
        chain_of: list[int] = []
        visited = np.zeros(m, dtype=bool)
        lr, le = link_rec.tolist(), link_end.tolist()
        open_u = (~interior[u]).tolist()
        open_v = (~interior[v]).tolist()
        owl = ow.tolist()
        n_chain = 0

        def walk(r: int, ent: int, ring: bool) -> None:
            nonlocal n_chain
            first = len(recs)
            cur = r
            while True:
                visited[cur] = True
                recs.append(cur)
                flips.append(ent == 1)
                ex = 1 - ent
                nxt = lr[cur][ex]
                if nxt < 0 or (ring and nxt == r):
                    break
                ent = le[cur][ex]
                cur = nxt
            if owl[r] and flips[first]:  # one-way chain entered at its downstream end
                recs[first:] = recs[first:][::-1]
                flips[first:] = [not f for f in flips[first:][::-1]]
            chain_of.extend([n_chain] * (len(recs) - first))
            n_chain += 1

        for r in range(m):
            if visited[r]:
                continue
            if open_u[r]:
                walk(r, 0, False)
            elif open_v[r]:
                walk(r, 1, False)
        ring_start = np.flatnonzero(~visited)
        for r in ring_start.tolist():
            if not visited[r]:
                interior[u[r]] = False  # the ring keeps this node
                walk(r, 0, True)

        rec_a = np.asarray(recs, dtype=np.int64)
        flip_a = np.asarray(flips, dtype=bool)
        cid = np.asarray(chain_of, dtype=np.int64)
        first = np.ones(len(rec_a), dtype=bool)
        first[1:] = cid[1:] != cid[:-1]
        last = np.ones(len(rec_a), dtype=bool)
        last[:-1] = first[1:]
        head = rec_a[first]
        cu = np.where(flip_a[first], v[head], u[head])
        tail = rec_a[last]
        cv = np.where(flip_a[last], u[tail], v[tail])
        length = np.bincount(cid, weights=self.edge_length_m[rec_a], minlength=n_chain)

        coords, idx = shapely.get_coordinates(self.edge_geometry[rec_a], return_index=True)
        cnt = np.bincount(idx, minlength=len(rec_a))
        st = np.zeros(len(rec_a), dtype=np.int64)
        np.cumsum(cnt[:-1], out=st[1:])
        local = np.arange(len(coords)) - st[idx]
        pos = np.where(flip_a[idx], st[idx] + cnt[idx] - 1 - local, np.arange(len(coords)))
        coords = coords[pos]
        keep_c = ~((local == 0) & ~first[idx])
        geoms = shapely.linestrings(coords[keep_c], indices=cid[idx][keep_c])

        kept = ~interior
        new_pos = np.full(n, -1, dtype=np.int64)
        new_pos[kept] = np.arange(int(kept.sum()))
        attrs = self.edge_attrs.iloc[head].reset_index(drop=True) if len(self.edge_attrs) else self.edge_attrs
        meta = dict(self.meta)
        meta["simplified"] = True
        fac_f, fac_r = self._chain_factors(rec_a, flip_a, cid, length, n_chain)
        return Network(
            x=self.x[kept],
            y=self.y[kept],
            node_id=self.node_id[kept],
            edge_u=new_pos[cu],
            edge_v=new_pos[cv],
            edge_length_m=length,
            edge_geometry=np.asarray(geoms, dtype=object),
            edge_oneway=ow[head],
            edge_speed_kmh=self.edge_speed_kmh[head],
            crs=self.crs,
            mode=self.mode,
            edge_attrs=attrs,
            meta=meta,
            edge_snappable=self._snap_mask()[head],
            edge_factor_fwd=fac_f,
            edge_factor_rev=fac_r,
            node_z_m=None if self.node_z_m is None else self.node_z_m[kept],
            edge_profile=None if self.edge_profile is None
            else self.edge_profile.take(rec_a, flip_a).grouped(cid, n_chain),
        )

    def _same_closure(self, r1, r2, e1, e2) -> np.ndarray | bool:
        """Records r1, r2 meeting at their ends e1, e2 are open (or closed) alike through the node.

        Through the node from r1 into r2, and back: a stretch impassable one way (hill
        factor 0) stays its own segment, so a home on its open neighbour keeps its way.
        """
        ff, fr = self.edge_factor_fwd, self.edge_factor_rev
        if ff is None and fr is None:
            return True
        ones = np.ones(self.n_edges)
        blk_f = (ones if ff is None else ff) == 0
        blk_r = (ones if fr is None else fr) == 0
        into1 = np.where(e1 == 1, blk_f[r1], blk_r[r1])
        out2 = np.where(e2 == 0, blk_f[r2], blk_r[r2])
        into2 = np.where(e2 == 1, blk_f[r2], blk_r[r2])
        out1 = np.where(e1 == 0, blk_f[r1], blk_r[r1])
        return (into1 == out2) & (into2 == out1)

    def _chain_factors(self, rec_a, flip_a, cid, length, n_chain):
        """Time-equivalent speed factors of merged chains (times between kept nodes stay exact).

        A chain travelled one way takes ``sum(L_r / f_r)`` (unit speed, each record's
        factor in the chain's direction), so its factor is ``L / sum(L_r / f_r)``; 0
        when a record is impassable that way, 1 for a chain of zero length.
        """
        if self.edge_factor_fwd is None and self.edge_factor_rev is None:
            return None, None
        ones = np.ones(self.n_edges)
        ff = ones if self.edge_factor_fwd is None else self.edge_factor_fwd
        fr = ones if self.edge_factor_rev is None else self.edge_factor_rev
        L = self.edge_length_m[rec_a]
        out = []
        for along, against in ((ff, fr), (fr, ff)):
            f = np.where(flip_a, against[rec_a], along[rec_a])
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(L > 0, np.where(f > 0, L / f, np.inf), 0.0)
                T = np.bincount(cid, weights=t, minlength=n_chain)
                out.append(np.where(np.isinf(T), 0.0, np.where(T > 0, length / T, 1.0)))
        return out[0], out[1]

    def clip(self, polygon: Any, *, buffer_m: float = 0.0) -> Network:
        """Keep the nodes inside ``polygon`` grown by ``buffer_m`` and the segments between them.

        See :func:`clip_network`.
        """
        return clip_network(self, polygon, buffer_m=buffer_m)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write the network to ONE ``.npz`` file (no pickle) and return its path.

        Arrays are stored as they are, geometries as WKB, the CRS as WKT, ``meta`` as
        JSON and ``edge_attrs`` column by column (numbers as arrays, other values as
        JSON with their dtype), so :meth:`load` gives back an identical network.
        """
        import json

        import shapely

        path = Path(path)
        if path.suffix.lower() != ".npz":
            raise InvalidOptionError(f"`path` must end with .npz; got {str(path)!r}.")
        wkb = shapely.to_wkb(self.edge_geometry)
        sizes = np.fromiter((len(b) for b in wkb), dtype=np.int64, count=len(wkb))
        blob = np.frombuffer(b"".join(wkb), dtype=np.uint8)
        arrays = {
            "x": self.x,
            "y": self.y,
            "node_id": self.node_id,
            "edge_u": self.edge_u,
            "edge_v": self.edge_v,
            "edge_length_m": self.edge_length_m,
            "edge_oneway": self.edge_oneway,
            "edge_speed_kmh": self.edge_speed_kmh,
            "edge_snappable": self._snap_mask(),
            "geometry_wkb": blob,
            "geometry_sizes": sizes,
        }
        for nm in ("edge_factor_fwd", "edge_factor_rev", "node_z_m"):
            if getattr(self, nm) is not None:
                arrays[nm] = getattr(self, nm)
        if self.edge_profile is not None:
            arrays["profile_ptr"] = self.edge_profile.ptr
            arrays["profile_length_m"] = self.edge_profile.length_m
            arrays["profile_rise_m"] = self.edge_profile.rise_m
        columns = []
        for i, col in enumerate(self.edge_attrs.columns):
            series = self.edge_attrs[col]
            kind = "array" if (series.dtype.kind in "biuf" and not isinstance(series.dtype, pd.CategoricalDtype)) else "json"
            if kind == "array":
                arrays[f"attr_{i}"] = series.to_numpy()
            else:
                vals = [None if (v is None or (isinstance(v, float) and v != v) or v is pd.NA) else v for v in series.tolist()]
                arrays[f"attr_{i}"] = np.array(json.dumps(vals, ensure_ascii=False, default=str))
            columns.append({"name": str(col), "dtype": str(series.dtype), "kind": kind})
        header = {
            "format": "urbangeo.Network",
            "version": 1,
            "crs_wkt": self.crs.to_wkt(),
            "mode": self.mode,
            "meta": self.meta,
            "columns": columns,
        }
        arrays["header"] = np.array(json.dumps(header, ensure_ascii=False))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            # numpy's stubs: mypy matches **arrays against savez's `allow_pickle: bool` as well
            np.savez(f, **arrays)  # type: ignore[arg-type]
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Network:
        """Read a network written by :meth:`save`."""
        import json

        import shapely

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"`path`: no such file {str(path)!r}; check the path.")
        try:
            z = np.load(path, allow_pickle=False)
            header = json.loads(str(z["header"]))
        except (ValueError, KeyError, OSError) as exc:
            raise InvalidOptionError(f"`path` {str(path)!r} is not a network saved by Network.save: {exc}") from exc
        if header.get("format") != "urbangeo.Network":
            raise InvalidOptionError(f"`path` {str(path)!r} is not a network saved by Network.save.")
        with z:
            sizes = z["geometry_sizes"]
            blob = z["geometry_wkb"].tobytes()
            ends = np.cumsum(sizes)
            wkb = np.array([blob[e - s : e] for s, e in zip(sizes.tolist(), ends.tolist())], dtype=object)
            data = {}
            for i, col in enumerate(header["columns"]):
                raw = z[f"attr_{i}"]
                if col["kind"] == "array":
                    data[col["name"]] = pd.Series(raw, dtype=col["dtype"])
                else:
                    vals = json.loads(str(raw))
                    series = pd.Series(vals, dtype=object)
                    if col["dtype"] != "object":
                        series = series.astype(col["dtype"])
                    data[col["name"]] = series
            return cls(
                x=z["x"],
                y=z["y"],
                node_id=z["node_id"],
                edge_u=z["edge_u"],
                edge_v=z["edge_v"],
                edge_length_m=z["edge_length_m"],
                edge_geometry=np.asarray(shapely.from_wkb(wkb), dtype=object) if len(wkb) else np.empty(0, dtype=object),
                edge_oneway=z["edge_oneway"],
                edge_speed_kmh=z["edge_speed_kmh"],
                crs=CRS.from_wkt(header["crs_wkt"]),
                mode=header["mode"],
                edge_attrs=pd.DataFrame(data) if data else pd.DataFrame(),
                meta=header["meta"],
                edge_snappable=z["edge_snappable"] if "edge_snappable" in z.files else None,
                edge_factor_fwd=z["edge_factor_fwd"] if "edge_factor_fwd" in z.files else None,
                edge_factor_rev=z["edge_factor_rev"] if "edge_factor_rev" in z.files else None,
                node_z_m=z["node_z_m"] if "node_z_m" in z.files else None,
                edge_profile=EdgeProfile(z["profile_ptr"], z["profile_length_m"], z["profile_rise_m"])
                if "profile_ptr" in z.files else None,
            )


def clip_network(network: Network, polygon: Any, *, buffer_m: float = 0.0) -> Network:
    """Clip a network to a study area grown by ``buffer_m`` metres.

    Keeps the nodes inside ``polygon`` buffered by ``buffer_m`` and the segments whose
    both ends are kept. Grow the area by at least the largest distance you will
    measure (e.g. 1,200 m for a 15-minute walk at 4.8 km/h), so that services just
    outside the study area still serve the people inside it.

    Parameters
    ----------
    network : Network
    polygon : GeoDataFrame, GeoSeries or shapely (Multi)Polygon
        Study area. Frames are reprojected to the network CRS; a bare shapely geometry
        must already be in the network CRS.
    buffer_m : float
        Buffer distance in metres (>= 0).

    Returns
    -------
    Network
        A new network; ``network`` is not modified.

    Raises
    ------
    InvalidGeometryError
        ``polygon`` is not valid (a self-intersecting ring...): a study area is refused,
        not repaired, since a repair can change it; ``polygon.make_valid()`` first.
    InvalidOptionError
        ``polygon`` is not a (Multi)Polygon, or is empty; ``buffer_m`` < 0.
    CRSError
        A ``polygon`` frame has no CRS.
    """
    import shapely

    if not isinstance(network, Network):
        raise InvalidOptionError(f"`network` must be a Network; got {type(network).__name__}.")
    buffer_m = check_number(buffer_m, "buffer_m", minimum=0)
    if isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        from ..crs import get_crs

        get_crs(polygon, "polygon")
        _check_area_valid(polygon)
        geom = shapely.union_all(np.asarray(polygon.to_crs(network.crs).geometry.values, dtype=object))
    else:
        _check_area_valid(polygon)
        geom = polygon
    if not isinstance(geom, shapely.Geometry) or shapely.get_type_id(geom) not in (3, 6) or geom.is_empty:
        raise InvalidOptionError(
            "`polygon` must be a (Multi)Polygon GeoDataFrame/GeoSeries with a CRS, or a shapely "
            "(Multi)Polygon in the network CRS."
        )
    if buffer_m > 0:
        geom = geom.buffer(buffer_m)
    shapely.prepare(geom)
    inside = shapely.contains_xy(geom, network.x, network.y) | shapely.intersects_xy(geom, network.x, network.y)
    out = network.subnetwork(inside)
    out.meta["clipped_buffer_m"] = buffer_m
    return out


def _check_area_valid(polygon: Any, name: str = "polygon") -> None:
    """Refuse an invalid study-area polygon (self-intersecting ring...) before anything is clipped or downloaded.

    A study area is one boundary drawn on purpose: repairing it silently could change
    the area (``make_valid`` splits a bow-tie, drops zero-area spikes), and a download
    or a clip on the wrong area is expensive to notice. So it is refused with
    :class:`InvalidGeometryError` and the repair to make. (Data layers -- origins,
    facilities, parks -- are repaired with a warning instead: ``on_invalid="fix"``.)
    Missing, empty and non-polygon geometries are left to the type checks that follow.
    """
    import shapely

    if isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        geoms = np.asarray(polygon.geometry.values if isinstance(polygon, gpd.GeoDataFrame) else polygon.values,
                           dtype=object)
        labels = list(polygon.index)
        fix = f"{name} = {name}.make_valid()"
    elif isinstance(polygon, shapely.Geometry):
        geoms, labels = np.array([polygon], dtype=object), None
        fix = f"{name} = shapely.make_valid({name})"
    else:
        return
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bad = np.zeros(len(geoms), bool)
    bad[present] = ~shapely.is_valid(geoms[present])
    if not bad.any():
        return
    reasons = shapely.is_valid_reason(geoms[bad])
    where = ("; ".join(f"row {lab!r}: {r}" for lab, r in list(zip(np.asarray(labels, dtype=object)[bad], reasons))[:3])
             if labels is not None else reasons[0])
    raise InvalidGeometryError(
        f"`{name}` is not a valid polygon ({where}): a self-intersecting study area is ambiguous, so nothing "
        f"was clipped or downloaded. Repair it first, e.g. {fix}, and check the result on a map (or redraw it)."
    )


# --------------------------------------------------------------------------- builders
def _mode_speed(mode: str, speed_kmh: float | None) -> float:
    from ..settings import settings

    if speed_kmh is not None:
        return check_number(speed_kmh, "speed_kmh", minimum=0, strict=True)
    return float({"walk": settings.walk_speed_kmh, "bike": settings.bike_speed_kmh, "drive": settings.drive_speed_kmh}[mode])


def _metric_override(crs: Any) -> CRS:
    """The ``crs=`` argument of a builder as a metric CRS, or a :class:`CRSError` naming ``crs``."""
    from ..crs import get_crs

    out = get_crs(crs, "crs")
    if not is_metric(out):
        raise CRSError(
            f"`crs` must be a projected CRS in metres (a network is measured in metres); got {crs!r} "
            f"({out.name}). Leave crs=None to let urbangeo pick the UTM or CGCS2000 Gauss-Krueger zone of the "
            f"data, or pass one, e.g. crs='EPSG:4547' or urbangeo.crs.utm_crs(lon, lat)."
        )
    return out


def _area_lonlat(bbox: Any, polygon: Any):
    """The area filter as a shapely geometry in lon/lat (EPSG:4326), or None."""
    import shapely

    if bbox is not None and polygon is not None:
        raise InvalidOptionError("pass either `bbox` or `polygon`, not both.")
    if bbox is not None:
        try:
            west, south, east, north = (float(b) for b in bbox)
        except (TypeError, ValueError) as exc:
            raise InvalidOptionError(
                f"`bbox` must be (west, south, east, north) in degrees (lon/lat); got {bbox!r}."
            ) from exc
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise InvalidOptionError(
                f"`bbox` must be (west, south, east, north) in lon/lat degrees with west < east and "
                f"south < north; got {bbox!r} (check the axis order)."
            )
        return shapely.box(west, south, east, north)
    if polygon is None:
        return None
    if isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        from ..crs import get_crs

        get_crs(polygon, "polygon")
        _check_area_valid(polygon)
        geom = shapely.union_all(polygon.to_crs(4326).geometry.values)
    else:
        _check_area_valid(polygon)
        geom = polygon  # a bare shapely geometry is taken as lon/lat
    if not isinstance(geom, shapely.Geometry) or shapely.get_type_id(geom) not in (3, 6) or geom.is_empty:
        raise InvalidOptionError(
            "`polygon` must be a (Multi)Polygon in lon/lat, or a GeoDataFrame/GeoSeries of polygons with a CRS."
        )
    return geom


def network_from_osm(
    path: str | os.PathLike,
    *,
    mode: Mode = "walk",
    simplify: bool = True,
    crs: Any = None,
    bbox: tuple[float, float, float, float] | None = None,
    polygon: Any = None,
    retain_all: bool = True,
    speed_kmh: float | None = None,
    progress: bool | None = False,
) -> Network:
    """Build a street :class:`Network` from an OpenStreetMap file, offline.

    Reads ``.osm.pbf``, ``.osm``, ``.osm.bz2`` and ``.osm.gz`` with pyosmium straight
    into arrays (about 1 s for the 96.5k-node Andorra walk network). Ways are chosen
    with osmnx's ``network_type`` filters for ``mode``; one-way rules and speeds are
    described in :mod:`urbangeo.accessibility._osm` and docs/accessibility_network.md.

    Parameters
    ----------
    path : str or path-like
        OSM file (PBF or XML, optionally bz2/gzip compressed).
    mode : {"walk", "bike", "drive"}
        Network type. Walking ignores one-way tags; cycling and driving respect them.
    simplify : bool
        Merge chains of degree-2 nodes into one segment (geometry kept, lengths
        summed); see :meth:`Network.simplify`. ``False`` keeps every OSM node.
    crs : CRS-like, optional
        Metric CRS to build in; default :func:`urbangeo.crs.metric_crs` of the data
        (UTM, or CGCS2000 Gauss-Krueger in China).
    bbox : (west, south, east, north), optional
        Keep segments with both end nodes inside this lon/lat box.
    polygon : Polygon or GeoDataFrame, optional
        Keep segments with both end nodes inside it (a bare shapely geometry is lon/lat).
    retain_all : bool
        Keep every connected component (default); ``False`` keeps the largest one.
    speed_kmh : float, optional
        Speed for walk/bike (default ``settings.walk_speed_kmh`` / ``bike_speed_kmh``);
        for drive the fallback where neither ``maxspeed`` nor a highway default applies
        (default ``settings.drive_speed_kmh``).
    progress : bool, optional
        Show a progress bar while reading.

    Returns
    -------
    Network

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    InvalidOptionError
        Unknown ``mode``, bad ``bbox``/``polygon``, a file that is not OSM.
    InvalidGeometryError
        ``polygon`` is not valid (a self-intersecting ring...); checked before reading.
    CRSError
        ``polygon`` has no CRS, or ``crs`` is not a metric (projected, metres) CRS.
    EmptyDataError
        No way in the file (or area) belongs to the ``mode`` network.

    Examples
    --------
    >>> from urbangeo.datasets import get_path
    >>> net = network_from_osm(get_path("helsinki_pbf"), mode="walk")
    >>> net.crs.to_epsg(), net.n_nodes > 1000, bool(net.edge_oneway.any())
    (32635, True, False)
    """
    import shapely
    from pyproj import Transformer

    from ..crs import metric_crs
    from . import _osm

    check_choice(mode, "mode", MODES)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"`path`: no such file {str(path)!r}; check the path.")
    if path.is_dir():
        raise InvalidOptionError(f"`path` {str(path)!r} is a directory; pass an OSM file.")
    target = None if crs is None else _metric_override(crs)
    area = _area_lonlat(bbox, polygon)
    speed = _mode_speed(mode, speed_kmh)
    ways = _osm.read_ways(path, mode, speed_kmh=speed, progress=progress)
    a, b, w = _osm.way_segments(ways)
    if area is not None:
        inside = np.zeros(len(ways.refs), dtype=bool)
        ok = ~np.isnan(ways.lon)
        inside[ok] = shapely.contains_xy(area, ways.lon[ok], ways.lat[ok])
        keep = inside[a] & inside[b]
        a, b, w = a[keep], b[keep], w[keep]
    if len(a) == 0:
        raise EmptyDataError(
            f"`path` {str(path)!r}: no street segment for mode={mode!r}"
            + (" inside the bbox/polygon; check it is in lon/lat (west, south, east, north)." if area is not None else ".")
        )
    k = len(a)
    ends = np.concatenate([a, b])
    node_id, first, inv = np.unique(ways.refs[ends], return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    lon = ways.lon[ends[first]]
    lat = ways.lat[ends[first]]
    if target is None:
        centre = gpd.GeoSeries(
            gpd.points_from_xy([(lon.min() + lon.max()) / 2], [(lat.min() + lat.max()) / 2]), crs=4326
        )
        target = metric_crs(centre, name="path")
    x, y = Transformer.from_crs(4326, target, always_xy=True).transform(lon, lat)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    eu, ev = inv[:k], inv[k:]
    seg = np.empty((k, 2, 2))
    seg[:, 0, 0], seg[:, 0, 1], seg[:, 1, 0], seg[:, 1, 1] = x[eu], y[eu], x[ev], y[ev]
    length = np.hypot(seg[:, 1, 0] - seg[:, 0, 0], seg[:, 1, 1] - seg[:, 0, 1])
    attrs = {"osmid": ways.way_id[w], "highway": ways.highway[w], "name": ways.name[w]}
    if mode == "drive":
        attrs["maxspeed"] = ways.maxspeed[w]
    for key, values in (ways.tags or {}).items():
        attrs[key] = values[w]
    net = Network(
        x=x,
        y=y,
        node_id=node_id,
        edge_u=eu,
        edge_v=ev,
        edge_length_m=length,
        edge_geometry=shapely.linestrings(seg),
        edge_oneway=ways.oneway[w],
        edge_speed_kmh=ways.speed_kmh[w],
        crs=target,
        mode=mode,
        edge_attrs=pd.DataFrame(attrs),
        meta={
            "source": path.name,
            "simplified": False,
            "missing_nodes": ways.n_missing_nodes,
            "speed_kmh": speed,
        },
    )
    if not retain_all:
        net = net.largest_component()
    if simplify:
        from ._osm import SNAP_TAGS

        net = net.simplify(attrs_differ=SNAP_TAGS)
    log.info("network_from_osm(%s, mode=%r): %r", path.name, mode, net)
    return net


# --------------------------------------------------------------------------- where points may join
#: ``highway`` values never snapped to, per mode (R5 never links origins to motorways)
NO_SNAP_HIGHWAY = {
    "walk": frozenset({"motorway", "motorway_link", "trunk", "trunk_link"}),
    "bike": frozenset({"motorway", "motorway_link", "trunk", "trunk_link"}),
    "drive": frozenset({"motorway", "motorway_link"}),
}
_MODE_ACCESS_KEY = {"walk": "foot", "bike": "bicycle", "drive": "motor_vehicle"}
_PERMIT = frozenset({"yes", "designated", "permissive", "destination"})


def _tag_rule(attrs: pd.DataFrame, key: str, rule, m: int) -> np.ndarray:
    """``rule(value)`` for every edge's value of tag ``key`` (str, or None when absent).

    Evaluated once per distinct value (tags repeat a lot), then spread to the edges.
    """
    if key not in attrs.columns:
        return np.full(m, bool(rule(None)))
    col = attrs[key]
    try:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
    except TypeError:  # lists (osmnx merges the tags of simplified edges into lists)
        codes, uniques = pd.factorize(col.map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v),
                                      use_na_sentinel=True)
    table = np.array([bool(rule(str(u))) for u in uniques] + [bool(rule(None))], dtype=bool)
    return table[np.where(codes < 0, len(uniques), codes)]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _min_number(value: str | None) -> float:
    """Smallest number in a tag value (``"-1;0"`` -> -1); NaN when there is none."""
    found = [float(t) for t in _NUMBER.findall(value)] if value else []
    return min(found) if found else np.nan


def default_snap_filter(network: Network) -> np.ndarray:
    """Edges that homes and facilities may be snapped to (True), by their OSM tags.

    Like R5, which never links origins or destinations to tunnels, covered ways or
    motorways, an edge is skipped when it is

    * a tunnel (``tunnel`` other than ``no``; ``building_passage`` at street level is kept),
    * covered (``covered=yes``) or indoor (``indoor`` other than ``no``),
    * below ground (``layer`` < 0 or ``level`` < 0),
    * private (``access=private`` / ``no`` unless the mode's own tag, ``foot`` for
      walking, ``bicycle``, ``motor_vehicle``, permits it),
    * a motorway (any mode) or a trunk road (walking and cycling).

    Tags a network does not carry are not tested (a network from a graph without
    ``tunnel`` snaps to every edge). The search itself still travels every edge.

    Parameters
    ----------
    network : Network

    Returns
    -------
    ndarray (m,) bool

    Examples
    --------
    >>> import pandas as pd
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(2, 1)
    >>> net.edge_attrs = pd.DataFrame({"highway": ["service"], "tunnel": ["yes"]})
    >>> default_snap_filter(net).tolist()
    [False]
    """
    m = len(network.edge_u)
    attrs = network.edge_attrs
    ok = np.ones(m, dtype=bool)
    if m == 0 or len(attrs) != m or not len(attrs.columns):
        return ok
    ok &= _tag_rule(attrs, "tunnel", lambda t: t is None or t in ("no", "building_passage"), m)
    ok &= _tag_rule(attrs, "covered", lambda c: c != "yes", m)
    ok &= _tag_rule(attrs, "indoor", lambda i: i is None or i == "no", m)
    for key in ("layer", "level"):
        ok &= _tag_rule(attrs, key, lambda v: not _min_number(v) < 0, m)
    private = _tag_rule(attrs, "access", lambda a: a in ("private", "no"), m)
    permit = _tag_rule(attrs, _MODE_ACCESS_KEY.get(network.mode, "foot"), lambda p: p in _PERMIT, m)
    ok &= ~private | permit
    banned = NO_SNAP_HIGHWAY.get(network.mode, frozenset())
    ok &= _tag_rule(attrs, "highway", lambda h: h is None or not (set(h.split(";")) & banned), m)
    return ok


def resolve_snap_filter(network: Network, snap_filter: Any) -> np.ndarray:
    """The boolean edge mask that ``snap_filter`` describes (see :meth:`Network.with_snap_filter`)."""
    m = network.n_edges
    if snap_filter is None or (isinstance(snap_filter, str) and snap_filter == "all"):
        return np.ones(m, dtype=bool)
    if isinstance(snap_filter, str):
        if snap_filter == "default":
            return default_snap_filter(network)
        raise InvalidOptionError(
            f"`snap_filter` must be 'default', 'all', a boolean array with one value per edge or a "
            f"callable(network) -> such an array; got {snap_filter!r}."
        )
    what = "the array"
    if callable(snap_filter):
        snap_filter = snap_filter(network)
        what = "the array returned by the callable"
    try:
        arr = np.asarray(snap_filter)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise InvalidOptionError(f"`snap_filter`: {what} cannot be read as booleans ({exc}).") from exc
    if arr.shape != (m,):
        raise InvalidOptionError(
            f"`snap_filter`: {what} has shape {arr.shape}; it needs one boolean per edge record "
            f"({m}, as network.edges has rows)."
        )
    if arr.dtype != bool:
        raise InvalidOptionError(
            f"`snap_filter`: {what} has dtype {arr.dtype}; it must be boolean (True = points may snap "
            f"to the edge), e.g. network.edges['tunnel'].isna().to_numpy()."
        )
    if not arr.any():
        raise InvalidOptionError(
            "`snap_filter` allows no edge at all: no point could join the network. Allow at least "
            "the ordinary streets."
        )
    return arr.copy()
