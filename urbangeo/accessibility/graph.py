"""Networks from and to networkx/osmnx graphs, and the online osmnx helpers.

:func:`network_from_graph` turns an osmnx-style ``MultiDiGraph`` (node attributes
``x``, ``y``; graph attribute ``crs``; edge attributes ``length``, optional
``geometry``, ``oneway``) into a :class:`~urbangeo.accessibility.network.Network`,
collapsing each pair of reciprocal directed edges (u->v and v->u with the same length)
into ONE two-way segment, so no street is stored twice. :func:`network_to_graph`
goes back. :func:`network_from_place` and :func:`network_from_polygon` download
through osmnx (internet needed).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import check_choice
from ..crs import get_crs, metric_crs, project
from ..errors import CRSError, EmptyDataError, InvalidOptionError, MissingDependencyError
from .network import MODES, Mode, Network, _check_area_valid, _mode_speed

log = logging.getLogger(__name__)

__all__ = ["network_from_graph", "network_to_graph", "network_from_place", "network_from_polygon"]

#: edge attributes copied into ``Network.edge_attrs`` when the graph has them
GRAPH_EDGE_ATTRS = ("osmid", "highway", "name", "maxspeed", "tunnel", "bridge", "layer", "covered", "access",
                    "indoor", "level", "foot", "bicycle", "motor_vehicle")


def _import_networkx():
    try:
        with warnings.catch_warnings():
            # networkx 3.2 (oldest stack) has invalid escape sequences that warn when first compiled
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import networkx as nx
    except ImportError as exc:  # pragma: no cover - networkx is in the network extra
        raise MissingDependencyError("this needs networkx: pip install 'urbangeo[network]'") from exc
    return nx


def _import_osmnx():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import osmnx as ox
    except ImportError as exc:  # pragma: no cover - osmnx is in the network extra
        raise MissingDependencyError("this needs osmnx: pip install 'urbangeo[network]'") from exc
    return ox


def _graph_speed(data: dict, mode: str, fallback: float) -> float:
    from . import _osm

    if mode != "drive":
        return fallback
    for key in ("speed_kph", "speed_kmh"):
        value = data.get(key)
        if isinstance(value, (int, float)) and value == value and value > 0:
            return float(value)
    highway = data.get("highway")
    if isinstance(highway, list):
        highway = highway[0] if highway else None
    maxspeed = data.get("maxspeed")
    if isinstance(maxspeed, list):
        maxspeed = ";".join(str(m) for m in maxspeed)
    return _osm.drive_speed(highway, maxspeed, fallback)


def network_from_graph(
    graph: Any,
    *,
    mode: Mode = "walk",
    length_attr: str | None = "length",
    crs: Any = None,
    speed_kmh: float | None = None,
) -> Network:
    """Build a :class:`Network` from a networkx/osmnx graph.

    Parameters
    ----------
    graph : networkx.MultiDiGraph (or DiGraph / Graph / MultiGraph)
        Nodes need ``x`` and ``y``; ``graph.graph["crs"]`` gives their CRS (osmnx sets it).
        Edge ``geometry`` (shapely LineStrings in that CRS) is used when present,
        else a straight line between the nodes. The graph is not modified.
    mode : {"walk", "bike", "drive"}
        ``walk`` makes every segment two-way. ``bike``/``drive`` keep a directed edge
        without a reciprocal twin as a one-way segment.
    length_attr : str or None
        Edge attribute holding the length in metres (osmnx: ``"length"``, great-circle
        metres). ``None`` measures each geometry in the metric CRS instead (edges
        without the attribute are always measured).
    crs : CRS-like, optional
        Metric CRS to work in; default :func:`urbangeo.crs.metric_crs` of the nodes.
    speed_kmh : float, optional
        Walk/bike speed, or the drive fallback (defaults from ``urbangeo.settings``).
        Driving speeds come from ``speed_kph`` (osmnx ``add_edge_speeds``), else
        ``maxspeed``, else the highway default.

    Returns
    -------
    Network
        Reciprocal edges (u->v and v->u with lengths equal to 1 mm) become one two-way
        segment. Node ``elevation`` attributes (osmnx's, metres) become ``node_z_m``
        when every node has one; edge ``speed_factor`` attributes (from
        :func:`network_to_graph` of a network with :func:`hill_times`) become the
        directional factors; node ids are the graph's integer node labels (or positions when the
        labels are not integers).

    Raises
    ------
    CRSError
        The graph has no ``crs`` graph attribute.
    EmptyDataError
        The graph has no edges.
    InvalidOptionError
        A node without ``x``/``y``, or with coordinates that are not finite numbers; an
        edge ``speed_factor`` that is not a finite number >= 0.
    GeometryTypeError
        An edge ``geometry`` that is not a LineString (a Point, an empty geometry).

    Warns
    -----
    MissingValuesWarning
        Only some nodes have an ``elevation`` (none is read), or a two-way edge has a
        ``speed_factor`` in one direction only.
    """
    nx = _import_networkx()
    check_choice(mode, "mode", MODES)
    if not isinstance(graph, nx.Graph):
        raise InvalidOptionError(f"`graph` must be a networkx graph; got {type(graph).__name__}.")
    if graph.number_of_edges() == 0:
        raise EmptyDataError("`graph` has no edges; a Network needs at least one street segment.")
    if graph.graph.get("crs") is None:
        raise CRSError(
            "`graph` has no CRS: set graph.graph['crs'] (osmnx graphs carry it, e.g. 'epsg:4326') "
            "to the CRS of the node x/y coordinates."
        )
    src_crs = gpd.GeoSeries([], crs=graph.graph["crs"]).crs
    speed = _mode_speed(mode, speed_kmh)

    labels = list(graph.nodes)
    xs, ys = _node_xy(graph, labels)
    node_z = _node_elevation(graph, labels)
    if all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in labels):
        node_id = np.array(labels, dtype=np.int64)
    else:
        node_id = np.arange(len(labels), dtype=np.int64)
    pos = {n: i for i, n in enumerate(labels)}

    pts = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=src_crs)
    target = metric_crs(pts, crs=crs, name="graph")
    pts = project(pts, target, name="graph")
    x, y = pts.x.to_numpy(), pts.y.to_numpy()

    directed = graph.is_directed()
    edges = list(graph.edges(keys=True, data=True)) if graph.is_multigraph() else [(a, b, 0, d) for a, b, d in graph.edges(data=True)]
    m = len(edges)
    eu = np.fromiter((pos[e[0]] for e in edges), dtype=np.int64, count=m)
    ev = np.fromiter((pos[e[1]] for e in edges), dtype=np.int64, count=m)
    geom_src = np.array([e[3].get("geometry") for e in edges], dtype=object)
    has_geom = np.array([g is not None for g in geom_src])
    _check_edge_geometry(geom_src, has_geom, edges, graph.is_multigraph())
    straight = shapely.linestrings(
        np.stack([np.c_[xs[eu], ys[eu]], np.c_[xs[ev], ys[ev]]], axis=1)
    )
    geom_src = np.where(has_geom, geom_src, straight)
    geoms = np.asarray(project(gpd.GeoSeries(geom_src, crs=src_crs), target, name="graph").values, dtype=object)
    # snap geometry ends onto the (projected) node coordinates, so offsets along edges are exact
    geoms = _pin_ends(geoms, np.c_[x[eu], y[eu]], np.c_[x[ev], y[ev]])
    measured = shapely.length(geoms)
    if length_attr is None:
        length = measured
    else:
        raw = np.array([e[3].get(length_attr, np.nan) for e in edges], dtype=object)
        length = np.array([float(r) if isinstance(r, (int, float, np.number)) else np.nan for r in raw])
        length = np.where(np.isnan(length), measured, length)
        if (length < 0).any():
            raise InvalidOptionError(f"edge attribute {length_attr!r} has negative values; lengths must be >= 0 metres.")
    spd = np.array([_graph_speed(e[3], mode, speed) for e in edges], dtype=np.float64)

    # ---- collapse reciprocal pairs into one two-way record
    if directed:
        a, b = np.minimum(eu, ev), np.maximum(eu, ev)
        key_len = np.round(length, 3)
        forward = eu <= ev  # self-loops count as forward; their twin is another self-loop
        # group by (a, b, length to 1 mm), forward records first within each group
        order = np.lexsort((~forward, key_len, b, a))
        sa, sb, sl, fw = a[order], b[order], key_len[order], forward[order]
        grp_start = np.ones(m, dtype=bool)
        grp_start[1:] = (sa[1:] != sa[:-1]) | (sb[1:] != sb[:-1]) | (sl[1:] != sl[:-1])
        gid = np.cumsum(grp_start) - 1
        rank = np.arange(m) - np.flatnonzero(grp_start)[gid]
        n_f = np.bincount(gid, weights=fw).astype(np.int64)[gid]
        n_b = np.bincount(gid, weights=~fw).astype(np.int64)[gid]
        loop = sa == sb
        # ordinary pairs: the i-th forward record absorbs the i-th backward one
        pairs = np.minimum(n_f, n_b)
        twin_fw = ~loop & fw & (rank < pairs)
        drop = ~loop & ~fw & (rank - n_f < pairs)
        # self-loops (all "forward"): k equal loops -> k // 2 two-way loops (+1 one-way if k is odd)
        half = n_f // 2
        twin_loop = loop & (rank < half)
        drop |= loop & (rank >= half) & (rank < 2 * half)
        keep = np.zeros(m, dtype=bool)
        keep[order] = ~drop
        # the reciprocal record each kept two-way record absorbs (its v -> u direction)
        first = np.flatnonzero(grp_start)[gid]
        twin_pos = np.where(twin_loop, first + half + rank, first + n_f + rank)
        twin = np.full(m, -1, dtype=np.int64)
        paired = twin_fw | twin_loop
        twin[order[paired]] = order[twin_pos[paired]]
        twoway = np.zeros(m, dtype=bool)
        twoway[order] = twin_fw | twin_loop
        oneway = ~twoway
        if mode == "walk":
            oneway[:] = False
        sel = np.flatnonzero(keep)
    else:
        sel = np.arange(m)
        oneway = np.zeros(m, dtype=bool)
        twin = np.arange(m)  # an undirected edge is the same both ways

    attrs = {}
    for col in GRAPH_EDGE_ATTRS:
        vals = [edges[i][3].get(col) for i in sel]
        if any(v is not None for v in vals):
            attrs[col] = pd.Series(vals, dtype=object)
    net = Network(
        x=x,
        y=y,
        node_id=node_id,
        edge_u=eu[sel],
        edge_v=ev[sel],
        edge_length_m=length[sel],
        edge_geometry=geoms[sel],
        edge_oneway=oneway[sel],
        edge_speed_kmh=spd[sel],
        crs=target,
        mode=mode,
        edge_attrs=pd.DataFrame(attrs) if attrs else pd.DataFrame(),
        node_z_m=node_z,
        **_graph_factors(edges, sel, twin, oneway),
        meta={"source": "graph", "simplified": bool(graph.graph.get("simplified", False)), "speed_kmh": speed},
    )
    log.info("network_from_graph: %d directed edges -> %d segments", m, net.n_edges)
    return net


def _node_elevation(graph: Any, labels: list) -> np.ndarray | None:
    """Node ``elevation`` attributes (osmnx's name, metres) when every node has a finite one.

    None when no node has one; a warning (and None) when only some do.
    """
    from ..errors import MissingValuesWarning

    raw = [graph.nodes[n].get("elevation") for n in labels]
    have = np.array([isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and np.isfinite(v)
                     for v in raw])
    if not have.any():
        return None
    if not have.all():
        first = labels[int(np.flatnonzero(~have)[0])]
        warnings.warn(
            f"{int((~have).sum())} of {len(labels)} nodes of `graph` have no finite 'elevation' (e.g. node {first!r}); "
            f"the network is built without node elevations. Give every node one (osmnx.elevation."
            f"add_node_elevations_raster) or sample a DEM with urbangeo.accessibility.add_elevation.",
            MissingValuesWarning,
            stacklevel=3,
        )
        return None
    return np.array(raw, dtype=np.float64)


def _graph_factors(edges: list, sel: np.ndarray, twin: np.ndarray, oneway: np.ndarray) -> dict[str, Any]:
    """``edge_factor_fwd`` / ``_rev`` from the edges' ``speed_factor`` (written by network_to_graph).

    The kept record gives the u -> v factor, its absorbed reciprocal the v -> u one; edges
    without the attribute count as 1 (flat). A two-way record without a reciprocal (walk
    mode) gets 1 back and a warning.
    """
    from ..errors import MissingValuesWarning

    raw = [e[3].get("speed_factor") for e in edges]
    if all(v is None for v in raw):
        return {}
    f = np.array([float(v) if isinstance(v, (int, float, np.number)) else np.nan for v in raw])
    bad = ~np.isfinite(np.where(np.array([v is None for v in raw]), 1.0, f)) | (f < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidOptionError(
            f"edge ({edges[i][0]!r}, {edges[i][1]!r}) of `graph` has speed_factor={raw[i]!r}; speed factors must be "
            f"finite numbers >= 0 (1 = flat ground, 0 = closed in that direction)."
        )
    f = np.where(np.isnan(f), 1.0, f)
    tw = twin[sel]
    lone = (tw < 0) & ~oneway[sel]
    if lone.any():
        warnings.warn(
            f"{int(lone.sum())} two-way edges of `graph` have a speed_factor one way only (no reciprocal edge); their "
            f"other direction gets 1 (flat ground).",
            MissingValuesWarning,
            stacklevel=3,
        )
    return {"edge_factor_fwd": f[sel], "edge_factor_rev": np.where(tw >= 0, f[np.maximum(tw, 0)], 1.0)}


def _node_xy(graph: Any, labels: list) -> tuple[np.ndarray, np.ndarray]:
    """Node coordinates, refusing nodes without x/y or with coordinates that are not finite numbers."""
    xs = np.full(len(labels), np.nan)
    ys = np.full(len(labels), np.nan)
    for i, n in enumerate(labels):
        data = graph.nodes[n]
        if "x" not in data or "y" not in data:
            raise InvalidOptionError(
                f"node {n!r} of `graph` has no {'x' if 'x' not in data else 'y'} attribute; every node needs 'x' and "
                f"'y' coordinates in graph.graph['crs'] (osmnx graphs have them). Set them, or remove the node with "
                f"graph.remove_node({n!r})."
            )
        try:
            xs[i], ys[i] = float(data["x"]), float(data["y"])
        except (TypeError, ValueError) as exc:
            raise InvalidOptionError(
                f"node {n!r} of `graph` has coordinates x={data['x']!r}, y={data['y']!r} that are not numbers; "
                f"convert them to floats (a graph read from GraphML keeps them as text unless loaded with "
                f"osmnx.load_graphml)."
            ) from exc
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    if bad.any():
        first = labels[int(np.flatnonzero(bad)[0])]
        raise InvalidOptionError(
            f"{int(bad.sum())} node(s) of `graph` have NaN or infinite coordinates (e.g. node {first!r}); give every "
            f"node finite x and y, or remove those nodes."
        )
    return xs, ys


def _check_edge_geometry(geoms: np.ndarray, has_geom: np.ndarray, edges: list, multigraph: bool) -> None:
    """Edge ``geometry`` attributes must be non-empty LineStrings."""
    from ..errors import GeometryTypeError

    for i in np.flatnonzero(has_geom):
        g = geoms[i]
        if not isinstance(g, shapely.Geometry) or shapely.get_type_id(g) != 1 or g.is_empty:
            a, b = edges[i][0], edges[i][1]
            ref = f"{a!r}, {b!r}, {edges[i][2]!r}" if multigraph else f"{a!r}, {b!r}"
            kind = type(g).__name__ if not isinstance(g, shapely.Geometry) else (
                "empty " + g.geom_type if g.is_empty else g.geom_type)
            raise GeometryTypeError(
                f"edge ({a!r}, {b!r}) of `graph` has a {kind} `geometry`; edge geometries must be LineStrings from "
                f"u to v (osmnx's). Delete the attribute (del graph.edges[{ref}]['geometry']) "
                f"for a straight line between the nodes, or fix it."
            )


def _pin_ends(geoms: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Set the first/last vertex of each line to the given node coordinates."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    if len(coords) == 0:
        return geoms
    cnt = np.bincount(idx, minlength=len(geoms))
    st = np.zeros(len(geoms), dtype=np.int64)
    np.cumsum(cnt[:-1], out=st[1:])
    coords[st] = start
    coords[st + cnt - 1] = end
    return np.asarray(shapely.linestrings(coords, indices=idx), dtype=object)


def network_to_graph(network: Network) -> Any:
    """Return the network as an osmnx-compatible ``networkx.MultiDiGraph``.

    Nodes are labelled by ``network.node_id`` (positions if ids repeat) with ``x``,
    ``y``; the graph carries ``crs`` (the network's metric CRS). Every two-way
    segment gives two edges (u->v with the stored geometry, v->u with it reversed,
    ``reversed=True``); a one-way segment gives one edge. Edges carry ``length`` (m),
    ``geometry``, ``oneway``, ``speed_kph`` and the ``edge_attrs`` columns.

    A network with hills (:func:`~urbangeo.accessibility.add_elevation`,
    :func:`~urbangeo.accessibility.hill_times`) keeps them under osmnx's names: node
    ``elevation`` (metres), edge ``grade`` (rise over length in the edge's direction,
    ``(elevation_v - elevation_u) / length``, as ``osmnx.elevation.add_edge_grades``) and
    ``grade_abs``; and the directional factor of each edge as ``speed_factor`` (walking
    speed on it relative to flat ground in that direction, 0 = closed; a networkx travel
    time in seconds is ``length / (speed_kph / 3.6 * speed_factor)``). The sampled edge
    profile (:class:`~urbangeo.accessibility.network.EdgeProfile`) is not exported.

    Parameters
    ----------
    network : Network
        The street network; it is not modified.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; :func:`network_from_graph` turns it back into the same network.

    Raises
    ------
    InvalidOptionError
        ``network`` is not a :class:`Network`.
    MissingDependencyError
        networkx is not installed.

    Examples
    --------
    >>> from urbangeo.accessibility import grid_network, network_to_graph
    >>> G = network_to_graph(grid_network(2, 2))  # 4 two-way streets
    >>> G.number_of_nodes(), G.number_of_edges()
    (4, 8)
    """
    nx = _import_networkx()
    if not isinstance(network, Network):
        raise InvalidOptionError(f"`network` must be a Network; got {type(network).__name__}.")
    ids = network.node_id
    labels = ids if len(np.unique(ids)) == len(ids) else np.arange(network.n_nodes)
    G = nx.MultiDiGraph(crs=network.crs, simplified=bool(network.meta.get("simplified", False)), mode=network.mode)
    z = network.node_z_m
    G.add_nodes_from(
        (int(n), {"x": float(xx), "y": float(yy)} if z is None else {"x": float(xx), "y": float(yy), "elevation": zz})
        for n, xx, yy, zz in zip(labels.tolist(), network.x.tolist(), network.y.tolist(),
                                 [None] * network.n_nodes if z is None else z.tolist())
    )
    cols = list(network.edge_attrs.columns) if len(network.edge_attrs) else []
    attr_rows = network.edge_attrs.to_dict("records") if cols else [{}] * network.n_edges
    hills = _edge_hill_attrs(network)
    rev = shapely.reverse(network.edge_geometry)
    lab = labels.tolist()
    for i, (u, v, length, geom, ow, spd) in enumerate(
        zip(
            network.edge_u.tolist(),
            network.edge_v.tolist(),
            network.edge_length_m.tolist(),
            network.edge_geometry,
            network.edge_oneway.tolist(),
            network.edge_speed_kmh.tolist(),
        )
    ):
        data = {k: val for k, val in attr_rows[i].items() if val is not None and not (isinstance(val, float) and val != val)}
        data.update(length=length, geometry=geom, oneway=ow, speed_kph=spd, reversed=False)
        G.add_edge(lab[u], lab[v], **data, **{k: float(val[0][i]) for k, val in hills.items()})
        if not ow:
            G.add_edge(lab[v], lab[u], **{**data, "geometry": rev[i], "reversed": True},
                       **{k: float(val[1][i]) for k, val in hills.items()})
    return G


def _edge_hill_attrs(network: Network) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-direction edge attributes of a hilly network: {name: (u->v values, v->u values)}.

    ``grade`` / ``grade_abs`` as osmnx's ``add_edge_grades`` (``(z_v - z_u) / length``) when
    the nodes have elevations; ``speed_factor`` (urbangeo's ``edge_factor_fwd`` / ``_rev``)
    when the network has directional factors.
    """
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if network.node_z_m is not None:
        length = network.edge_length_m
        rise = network.node_z_m[network.edge_v] - network.node_z_m[network.edge_u]
        grade = np.where(length > 0, rise / np.where(length > 0, length, 1.0), 0.0)
        out["grade"] = (grade, -grade)
        out["grade_abs"] = (np.abs(grade), np.abs(grade))
    if network.edge_factor_fwd is not None or network.edge_factor_rev is not None:
        ones = np.ones(network.n_edges)
        fwd = ones if network.edge_factor_fwd is None else network.edge_factor_fwd
        rev = ones if network.edge_factor_rev is None else network.edge_factor_rev
        out["speed_factor"] = (fwd, rev)
    return out


def _online_graph(fetch, what: str, mode: str):
    check_choice(mode, "mode", MODES)
    ox = _import_osmnx()
    try:
        return fetch(ox)
    except Exception as exc:
        if type(exc).__name__ in {"InsufficientResponseError", "ConnectionError", "ResponseStatusCodeError"} or isinstance(
            exc, OSError
        ):
            raise EmptyDataError(f"osmnx could not fetch a {mode} network for {what}: {exc}") from exc
        raise


def network_from_place(query: str | dict, *, mode: Mode = "walk", simplify: bool = True, retain_all: bool = True) -> Network:
    """Download a network for a place name through osmnx (internet needed).

    ``osmnx.graph_from_place(query, network_type=mode, simplify=False)``, then
    :func:`network_from_graph` and, with ``simplify=True``, :meth:`Network.simplify`
    (urbangeo's rule, identical to :func:`network_from_osm`).

    Parameters
    ----------
    query : str or dict
        The place, as osmnx geocodes it (``"Bubeneč, Prague"`` or a dict of
        address parts).
    mode : {"walk", "bike", "drive"}, default "walk"
        Travel mode: the osmnx ``network_type`` downloaded, and the rules of
        :func:`network_from_graph` (``walk`` makes every segment two-way).
    simplify : bool, default True
        Merge chains of degree-2 nodes (:meth:`Network.simplify`).
    retain_all : bool, default True
        Keep every connected piece; ``False`` keeps only the largest.

    Returns
    -------
    Network

    Raises
    ------
    MissingDependencyError
        osmnx is not installed.

    Examples
    --------
    >>> from urbangeo.accessibility import network_from_place
    >>> net = network_from_place("Bubeneč, Prague", mode="walk")  # doctest: +SKIP
    """
    G = _online_graph(
        lambda ox: ox.graph_from_place(query, network_type=mode, simplify=False, retain_all=retain_all),
        repr(query),
        mode,
    )
    net = network_from_graph(G, mode=mode)
    return net.simplify() if simplify else net


def network_from_polygon(polygon: Any, *, mode: Mode = "walk", simplify: bool = True, retain_all: bool = True) -> Network:
    """Download a network inside a polygon through osmnx (internet needed).

    ``polygon`` is a shapely (Multi)Polygon in lon/lat or a GeoDataFrame/GeoSeries
    with a CRS (reprojected to EPSG:4326). It is checked before anything is
    downloaded.

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon, GeoDataFrame or GeoSeries
        The area: a shapely geometry in lon/lat, or polygons in any CRS (their union,
        reprojected to EPSG:4326).
    mode : {"walk", "bike", "drive"}, default "walk"
        Travel mode: the osmnx ``network_type`` downloaded, and the rules of
        :func:`network_from_graph` (``walk`` makes every segment two-way).
    simplify : bool, default True
        Merge chains of degree-2 nodes (:meth:`Network.simplify`).
    retain_all : bool, default True
        Keep every connected piece; ``False`` keeps only the largest.

    Returns
    -------
    Network

    Raises
    ------
    MissingDependencyError
        osmnx is not installed.
    InvalidGeometryError
        ``polygon`` is not valid (a self-intersecting ring...): a study area is
        refused, not repaired; ``polygon.make_valid()`` first.
    InvalidOptionError
        ``polygon`` is not a (Multi)Polygon.
    CRSError
        A ``polygon`` frame has no CRS.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from urbangeo.accessibility import network_from_polygon
    >>> net = network_from_polygon(box(14.40, 50.10, 14.41, 50.11), mode="walk")  # doctest: +SKIP
    """
    if isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        get_crs(polygon, "polygon")
    _check_area_valid(polygon)
    if isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        polygon = shapely.union_all(polygon.to_crs(4326).geometry.values)
    if not isinstance(polygon, shapely.Geometry) or shapely.get_type_id(polygon) not in (3, 6):
        raise InvalidOptionError("`polygon` must be a (Multi)Polygon in lon/lat or a GeoDataFrame of polygons.")
    G = _online_graph(
        lambda ox: ox.graph_from_polygon(polygon, network_type=mode, simplify=False, retain_all=retain_all),
        "the polygon",
        mode,
    )
    net = network_from_graph(G, mode=mode)
    return net.simplify() if simplify else net
