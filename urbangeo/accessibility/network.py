"""The :class:`Network`: a street network as compact arrays in a metric CRS.

A Network holds nodes and edges as NumPy arrays (no networkx graph inside), so a
whole city fits in a few tens of megabytes and shortest-path searches run on a CSR
adjacency matrix.

Edge records are *street segments*: one record per segment, stored from ``u`` to
``v`` with its geometry in that direction. ``oneway`` tells whether the segment may
only be travelled from ``u`` to ``v`` (driving on one-way streets); otherwise it is
travelled both ways. The CSR matrices are built from these records, taking the
minimum over parallel edges and keeping zero-length edges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..crs import is_metric
from ..errors import CRSError, InvalidOptionError

log = logging.getLogger(__name__)

__all__ = ["Network", "MODES"]

MODES = ("walk", "bike", "drive")
Weight = Literal["length_m", "time_s"]

# Zero-length edges must survive the CSR matrix: scipy's csgraph drops explicit zeros,
# so they are stored with this tiny positive length (1 nanometre) in the matrix only.
ZERO_EDGE_M = 1e-9


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
    def edge_cost(self, weight: Weight = "length_m", *, speed_kmh: float | None = None) -> np.ndarray:
        """Cost of each edge record: metres, or seconds at ``speed_kmh`` (or the edge speeds)."""
        if weight == "length_m":
            return self.edge_length_m
        if weight == "time_s":
            speed = self.edge_speed_kmh if speed_kmh is None else np.full(self.n_edges, float(speed_kmh))
            return self.edge_length_m / (speed / 3.6)
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
        two = ~self.edge_oneway
        rows = np.concatenate([self.edge_u, self.edge_v[two]])
        cols = np.concatenate([self.edge_v, self.edge_u[two]])
        data = np.concatenate([cost, cost[two]])
        if reverse:
            rows, cols = cols, rows
        # minimum over parallel edges: sort by (row, col, cost) and keep the first of each pair
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        keep = first & (rows != cols)  # self-loops never shorten a path
        rows, cols, data = rows[keep], cols[keep], np.maximum(data[keep], ZERO_EDGE_M)
        n = self.n_nodes
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
        """Nodes as a GeoDataFrame (index = position, columns node_id, component)."""
        return gpd.GeoDataFrame(
            {"node_id": self.node_id, "component": self.component},
            geometry=gpd.points_from_xy(self.x, self.y),
            crs=self.crs,
        )

    @property
    def edges(self) -> gpd.GeoDataFrame:
        """Edge records as a GeoDataFrame (u, v positions, length_m, oneway, speed_kmh, attrs)."""
        df = pd.DataFrame(
            {
                "u": self.edge_u,
                "v": self.edge_v,
                "length_m": self.edge_length_m,
                "oneway": self.edge_oneway,
                "speed_kmh": self.edge_speed_kmh,
            }
        )
        if len(self.edge_attrs):
            df = pd.concat([df, self.edge_attrs.reset_index(drop=True)], axis=1)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(self.edge_geometry, crs=self.crs), crs=self.crs)
