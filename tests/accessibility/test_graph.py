"""network_from_graph / network_to_graph on the Shenzhen (Futian) osmnx graph, and the
online osmnx helpers (skipped offline)."""

from __future__ import annotations

import copy
import socket
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from urbangeo.accessibility import (
    Network,
    network_from_graph,
    network_from_place,
    network_from_polygon,
    network_to_graph,
)
from urbangeo.crs import metric_crs
from urbangeo.errors import CRSError, EmptyDataError, InvalidOptionError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx
    import osmnx as ox


@pytest.fixture(scope="module")
def futian(shared_data):
    """osmnx graph of Futian, Shenzhen (EPSG:4326, simplified, OSMnx 1.2 GraphML)."""
    return ox.load_graphml(shared_data("osm/shenzhen_futian_walk.graphml"))


def canonical(net) -> np.ndarray:
    """Edge order independent of orientation and node order: (min node id, max node id, length)."""
    u, v = net.node_id[net.edge_u], net.node_id[net.edge_v]
    a, b = np.minimum(u, v), np.maximum(u, v)
    return np.lexsort((net.edge_length_m, b, a))


def edge_snapshot(G):
    return copy.deepcopy(sorted((u, v, k, sorted(d.items(), key=lambda kv: kv[0])) for u, v, k, d in G.edges(keys=True, data=True)))


def test_reciprocal_edges_collapse_without_duplicates(futian):
    G = futian
    before = edge_snapshot(G)
    net = network_from_graph(G, mode="drive")
    assert edge_snapshot(G) == before  # the graph is not modified
    n_two, n_one = int((~net.edge_oneway).sum()), int(net.edge_oneway.sum())
    assert 2 * n_two + n_one == G.number_of_edges()  # every directed edge accounted for once
    assert n_one == sum(1 for *_, d in G.edges(keys=True, data=True) if d.get("oneway") is True)
    # pitfall 5: no two-way record has a reverse duplicate of the same length
    key = {}
    for u, v, length, ow in zip(net.edge_u, net.edge_v, np.round(net.edge_length_m, 3), net.edge_oneway):
        key.setdefault((min(u, v), max(u, v), length), []).append((u, v, ow))
    for recs in key.values():
        fw = [r for r in recs if r[0] <= r[1]]
        bw = [r for r in recs if r[0] > r[1]]
        assert not (fw and bw and not all(r[2] for r in recs))
    assert net.crs.to_epsg() == 4547  # CGCS2000 Gauss-Krueger CM 114E for Shenzhen
    assert net.n_nodes == G.number_of_nodes()


def test_drive_distances_equal_networkx_on_the_source_graph(futian):
    G = futian
    net = network_from_graph(G, mode="drive")
    src = np.arange(0, net.n_nodes, 131)
    D = dijkstra(net.csr(), indices=src)
    for row, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(G, int(net.node_id[s]), weight="length")
        want = np.array([ref.get(int(n), np.inf) for n in net.node_id])
        assert np.array_equal(np.isinf(want), np.isinf(D[row]))
        fin = np.isfinite(want)
        np.testing.assert_allclose(D[row][fin], want[fin], rtol=0, atol=1e-6)


def test_walk_is_symmetric_and_graph_round_trip(futian, tmp_path):
    net = network_from_graph(futian, mode="walk")
    # list-valued osmnx attributes (merged ways) survive save/load exactly
    assert any(isinstance(v, list) for v in net.edge_attrs["osmid"])
    back_file = Network.load(net.save(tmp_path / "futian.npz"))
    pd.testing.assert_frame_equal(back_file.edge_attrs, net.edge_attrs)
    assert shapely.equals_exact(back_file.edge_geometry, net.edge_geometry, tolerance=0).all()
    assert not net.edge_oneway.any()
    A = net.csr()
    assert (abs(A - A.T) > 0).nnz == 0
    assert (net.edge_speed_kmh == 4.5).all()
    H = network_to_graph(net)
    assert H.graph["crs"] == net.crs
    for _, _, d in list(H.edges(data=True))[:50]:
        assert {"length", "geometry", "oneway", "speed_kph"} <= set(d)
        assert d["length"] == pytest.approx(d["geometry"].length, rel=5e-3)
    back = network_from_graph(H, mode="walk")
    assert back.crs == net.crs and back.n_edges == net.n_edges
    np.testing.assert_array_equal(back.node_id, net.node_id)
    np.testing.assert_allclose(back.x, net.x, atol=1e-9)
    np.testing.assert_allclose(back.edge_length_m[canonical(back)], net.edge_length_m[canonical(net)], atol=1e-9)


def test_geographic_and_projected_graph_give_same_lengths(futian):
    G = futian
    target = metric_crs(None, crs="EPSG:4547")
    Gp = ox.project_graph(G, to_crs=target)
    for weight in ("length", None):
        a = network_from_graph(G, mode="drive", length_attr=weight)
        b = network_from_graph(Gp, mode="drive", length_attr=weight)
        assert a.crs == b.crs
        np.testing.assert_array_equal(np.sort(a.node_id), np.sort(b.node_id))
        np.testing.assert_allclose(a.edge_length_m[canonical(a)], b.edge_length_m[canonical(b)], rtol=0, atol=1e-6)
    # the osmnx (spherical great-circle) lengths are within 0.5 % of lengths measured in the
    # Gauss-Krueger CRS at 22.5 deg N (sphere radius 6,371 km vs meridian radius ~6,343 km)
    measured = network_from_graph(G, mode="drive", length_attr=None)
    osmnx_len = network_from_graph(G, mode="drive")
    assert np.allclose(measured.edge_length_m, osmnx_len.edge_length_m, rtol=5e-3, atol=0.01)
    assert np.allclose(shapely.length(measured.edge_geometry), measured.edge_length_m, rtol=1e-9)


def test_graph_errors(futian):
    G = futian.copy()
    G.graph.pop("crs")
    with pytest.raises(CRSError, match="crs"):
        network_from_graph(G)
    with pytest.raises(EmptyDataError):
        network_from_graph(nx.MultiDiGraph(crs="epsg:4326"))
    with pytest.raises(InvalidOptionError, match="networkx graph"):
        network_from_graph({"a": 1})
    with pytest.raises(InvalidOptionError, match="mode"):
        network_from_graph(futian, mode="tram")
    with pytest.raises(InvalidOptionError, match="Network"):
        network_to_graph(futian)


def _online(host: str = "overpass-api.de") -> bool:
    try:
        socket.create_connection((host, 443), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.mark.internet
def test_network_from_place_online():
    if not _online():
        pytest.skip("offline: overpass-api.de:443 is not reachable")
    net = network_from_place("Piedmont, California, USA", mode="drive")
    assert net.n_nodes > 100 and net.edge_oneway.any()


@pytest.mark.internet
def test_network_from_polygon_online():
    if not _online():
        pytest.skip("offline: overpass-api.de:443 is not reachable")
    net = network_from_polygon(shapely.box(-122.2350, 37.8220, -122.2250, 37.8300), mode="walk")
    assert net.n_nodes > 10 and not net.edge_oneway.any()


def test_plain_networkx_graphs_without_geometry():
    """Undirected and string-labelled graphs in a metric CRS: straight segments, two-way."""
    G = nx.Graph(crs="EPSG:32631")
    for name, (x, y) in {"a": (500000, 4500000), "b": (500300, 4500000), "c": (500300, 4500400)}.items():
        G.add_node(name, x=x, y=y)
    G.add_edge("a", "b", length=300.0)
    G.add_edge("b", "c")  # no length: measured from the straight line
    net = network_from_graph(G, mode="drive")
    assert net.crs.to_epsg() == 32631 and net.n_edges == 2 and not net.edge_oneway.any()
    np.testing.assert_array_equal(net.node_id, [0, 1, 2])  # positions for non-integer labels
    np.testing.assert_allclose(np.sort(net.edge_length_m), [300.0, 400.0])
    assert dijkstra(net.csr(), indices=0)[2] == pytest.approx(700.0)
    # a directed graph with one edge only: one-way for drive, two-way for walk
    D = nx.MultiDiGraph(crs="EPSG:32631")
    D.add_node(1, x=500000.0, y=4500000.0)
    D.add_node(2, x=500100.0, y=4500000.0)
    D.add_edge(1, 2, length=100.0)
    assert network_from_graph(D, mode="drive").edge_oneway.all()
    assert not network_from_graph(D, mode="walk").edge_oneway.any()


def test_hills_round_trip_under_osmnx_names():
    """Elevation, grades and directional factors survive network_to_graph / network_from_graph.

    A plane rising 6 % eastwards and falling 3 % northwards: grades are closed forms, the
    networkx shortest travel times on `length / (speed_kph / 3.6 * speed_factor)` equal
    urbangeo's uphill and downhill costs, and osmnx's own add_edge_grades gives the same grades.
    """
    from affine import Affine

    from urbangeo.accessibility import add_elevation, cost_matrix, grid_network, hill_times
    from urbangeo.raster import Raster

    net = grid_network(4, 3, speed_kmh=4.8)
    x0, y0 = net.x.min(), net.y.min()
    cell, west, north = 10.0, x0 - 300, y0 + 600
    xc = west + cell * (np.arange(120) + 0.5)
    yc = north - cell * (np.arange(90) + 0.5)
    dem = Raster(100 + 0.06 * (xc[None, :] - x0) - 0.03 * (yc[:, None] - y0),
                 Affine(cell, 0, west, 0, -cell, north), net.crs, name="plane", units="m")
    h = hill_times(add_elevation(net, dem))
    G = network_to_graph(h)
    z = nx.get_node_attributes(G, "elevation")
    np.testing.assert_allclose([z[int(i)] for i in h.node_id], 100 + 0.06 * (h.x - x0) - 0.03 * (h.y - y0),
                               atol=1e-9)
    for u, v, d in G.edges(data=True):
        dx = G.nodes[v]["x"] - G.nodes[u]["x"]
        dy = G.nodes[v]["y"] - G.nodes[u]["y"]
        s = (0.06 * dx - 0.03 * dy) / d["length"]
        assert d["grade"] == pytest.approx(s, abs=1e-12) and d["grade_abs"] == pytest.approx(abs(s), abs=1e-12)
        assert d["speed_factor"] == pytest.approx(np.exp(-3.5 * (abs(s + 0.05) - 0.05)), rel=1e-12)
    # osmnx computes the same grades from the exported elevations
    ref = ox.elevation.add_edge_grades(G.copy())
    for (*_, d), (*_, r) in zip(G.edges(keys=True, data=True), ref.edges(keys=True, data=True)):
        assert d["grade"] == pytest.approx(r["grade"], abs=1e-12)
    # networkx travel times on the exported factors = urbangeo's directional times
    for _, _, d in G.edges(data=True):
        d["travel_time"] = d["length"] / (d["speed_kph"] / 3.6 * d["speed_factor"])
    ends = [int(h.node_id[np.argmin(h.x + h.y)]), int(h.node_id[np.argmax(h.x + h.y)])]
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(
        [G.nodes[n]["x"] for n in ends], [G.nodes[n]["y"] for n in ends]), crs=h.crs)
    cm = cost_matrix(h, pts, pts)
    up = nx.shortest_path_length(G, ends[0], ends[1], weight="travel_time") / 60
    down = nx.shortest_path_length(G, ends[1], ends[0], weight="travel_time") / 60
    assert up > down
    assert cm.iloc[0, 1] == pytest.approx(up, rel=1e-12) and cm.iloc[1, 0] == pytest.approx(down, rel=1e-12)
    # and back: elevations and factors read into the network (orientation may flip: compare per direction)
    back = network_from_graph(G, mode="walk", speed_kmh=4.8)  # walk speeds are not read from speed_kph
    np.testing.assert_array_equal(back.node_z_m, h.node_z_m)
    fwd = {(int(h.node_id[u]), int(h.node_id[v])): f for u, v, f in zip(h.edge_u, h.edge_v, h.edge_factor_fwd)}
    fwd |= {(int(h.node_id[v]), int(h.node_id[u])): f for u, v, f in zip(h.edge_u, h.edge_v, h.edge_factor_rev)}
    for u, v, ff, fr in zip(back.edge_u, back.edge_v, back.edge_factor_fwd, back.edge_factor_rev):
        a, b = int(back.node_id[u]), int(back.node_id[v])
        assert (ff, fr) == (fwd[(a, b)], fwd[(b, a)])
    cm_back = cost_matrix(back, pts, pts)
    np.testing.assert_allclose(cm_back.to_numpy(), cm.to_numpy(), rtol=1e-12)
    # a flat network exports none of these attributes
    G0 = network_to_graph(net)
    assert not any("elevation" in d for _, d in G0.nodes(data=True))
    assert not any({"grade", "grade_abs", "speed_factor"} & set(d) for *_, d in G0.edges(data=True))
    assert network_from_graph(G0).node_z_m is None and network_from_graph(G0).edge_factor_fwd is None


def test_partial_elevation_and_bad_speed_factor():
    from urbangeo.accessibility import grid_network
    from urbangeo.errors import MissingValuesWarning

    G = network_to_graph(grid_network(3, 2))
    nodes = list(G.nodes)
    for n in nodes[1:]:
        G.nodes[n]["elevation"] = 10.0
    with pytest.warns(MissingValuesWarning, match="1 of 6 nodes"):
        assert network_from_graph(G).node_z_m is None
    G.nodes[nodes[0]]["elevation"] = 12.5
    assert network_from_graph(G).node_z_m[0] == 12.5
    u, v, k = next(iter(G.edges(keys=True)))
    G.edges[u, v, k]["speed_factor"] = -1.0
    with pytest.raises(InvalidOptionError, match="speed_factor"):
        network_from_graph(G)
