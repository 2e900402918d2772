"""The Network object on real OSM data: simplification, shortest paths vs networkx,
components, CSR rules, save/load, clipping with a buffer, inputs left untouched."""

from __future__ import annotations

import copy
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from urbangeo.accessibility import Network, clip_network, network_from_osm, network_to_graph
from urbangeo.accessibility.network import ZERO_EDGE_M
from urbangeo.errors import CRSError, InvalidGeometryError, InvalidOptionError
from urbangeo.testing import assert_not_mutated

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx

ARRAYS = ("x", "y", "node_id", "edge_u", "edge_v", "edge_length_m", "edge_oneway", "edge_speed_kmh")


@pytest.fixture(scope="module")
def andorra_walk_full(shared_data):
    """The whole Andorra walk network, unsimplified (parsed once for the module)."""
    return network_from_osm(shared_data("osm/andorra_2020.osm.pbf"), mode="walk", simplify=False)


@pytest.fixture(scope="module")
def helsinki_drive(shared_data):
    return network_from_osm(shared_data("osm/helsinki_centre_2019.osm.pbf"), mode="drive")


def snapshot(net: Network) -> dict:
    return {k: getattr(net, k).copy() for k in ARRAYS} | {
        "geom": net.edge_geometry.copy(),
        "attrs": net.edge_attrs.copy(),
        "meta": copy.deepcopy(net.meta),
    }


def assert_same_network(a: Network, snap: dict) -> None:
    for k in ARRAYS:
        np.testing.assert_array_equal(getattr(a, k), snap[k], err_msg=k)
    assert shapely.equals_exact(a.edge_geometry, snap["geom"], tolerance=0).all()
    pd.testing.assert_frame_equal(a.edge_attrs, snap["attrs"])
    assert a.meta == snap["meta"]


def positions(net: Network, ids) -> np.ndarray:
    pos = {int(n): i for i, n in enumerate(net.node_id)}
    return np.array([pos[int(i)] for i in ids])


# --------------------------------------------------------------------------- simplification
def test_andorra_size_and_simplified_distances(andorra_walk_full):
    full = andorra_walk_full
    assert 95_000 < full.n_nodes < 100_000  # ~96.5k nodes: the whole Andorra walk network
    assert not full.edge_oneway.any()
    before = snapshot(full)
    simple = full.simplify()
    assert_same_network(full, before)  # not mutated
    assert simple.n_nodes < full.n_nodes / 10
    assert simple.n_components == full.n_components
    assert simple.edge_length_m.sum() == pytest.approx(full.edge_length_m.sum(), rel=1e-12)
    # every merged geometry runs from its u node to its v node and is as long as edge_length_m
    start = shapely.get_coordinates(shapely.get_point(simple.edge_geometry, 0))
    end = shapely.get_coordinates(shapely.get_point(simple.edge_geometry, -1))
    np.testing.assert_array_equal(start, np.c_[simple.x[simple.edge_u], simple.y[simple.edge_u]])
    np.testing.assert_array_equal(end, np.c_[simple.x[simple.edge_v], simple.y[simple.edge_v]])
    np.testing.assert_allclose(shapely.length(simple.edge_geometry), simple.edge_length_m, rtol=1e-9, atol=1e-9)
    # shortest paths between intersection nodes are the same on both networks
    rng = np.random.default_rng(3)
    src = rng.choice(simple.n_nodes, 15, replace=False)
    in_full = positions(full, simple.node_id)
    d_simple = dijkstra(simple.csr(), indices=src)
    d_full = dijkstra(full.csr(), indices=in_full[src])[:, in_full]
    assert np.array_equal(np.isinf(d_simple), np.isinf(d_full))
    fin = np.isfinite(d_simple)
    np.testing.assert_allclose(d_simple[fin], d_full[fin], rtol=0, atol=1e-6)


def test_drive_simplification_keeps_direction(shared_data):
    full = network_from_osm(shared_data("osm/porto_centre_2020.osm.pbf"), mode="drive", simplify=False)
    simple = full.simplify()
    assert full.edge_oneway.any() and simple.edge_oneway.any()
    # speeds are constant along merged segments, so times are exact too
    in_full = positions(full, simple.node_id)
    src = np.arange(0, simple.n_nodes, max(1, simple.n_nodes // 12))
    for weight in ("length_m", "time_s"):
        for rev in (False, True):
            a = dijkstra(simple.csr(weight, reverse=rev), indices=src)
            b = dijkstra(full.csr(weight, reverse=rev), indices=in_full[src])[:, in_full]
            assert np.array_equal(np.isinf(a), np.isinf(b))
            np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=0, atol=1e-6)
    A = simple.csr()
    assert (abs(A - A.T) > 0).nnz > 0  # asymmetric


# --------------------------------------------------------------------------- vs networkx
@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_distances_equal_networkx_dijkstra(shared_data, mode):
    net = network_from_osm(shared_data("osm/helsinki_centre_2019.osm.pbf"), mode=mode)
    G = network_to_graph(net)
    assert G.graph["crs"] == net.crs and G.number_of_nodes() == net.n_nodes
    assert G.number_of_edges() == int(2 * (~net.edge_oneway).sum() + net.edge_oneway.sum())
    D = dijkstra(net.csr(), indices=np.arange(0, net.n_nodes, 97))
    for row, s in enumerate(range(0, net.n_nodes, 97)):
        ref = nx.single_source_dijkstra_path_length(G, int(net.node_id[s]), weight="length")
        want = np.array([ref.get(int(n), np.inf) for n in net.node_id])
        assert np.array_equal(np.isinf(want), np.isinf(D[row]))
        fin = np.isfinite(want)
        np.testing.assert_allclose(D[row][fin], want[fin], rtol=0, atol=1e-6)


def test_components_match_networkx(helsinki_drive):
    net = helsinki_drive
    G = network_to_graph(net)
    comps = sorted(nx.weakly_connected_components(G), key=len, reverse=True)
    assert net.n_components == len(comps) > 1  # a clipped city centre has fragments
    pos = {int(n): i for i, n in enumerate(net.node_id)}
    assert {pos[n] for n in comps[0]} == set(np.flatnonzero(net.component == 0).tolist())
    sizes = np.bincount(net.component)
    assert sorted(sizes.tolist(), reverse=True) == [len(c) for c in comps]
    big = net.largest_component()
    assert big.n_components == 1 and big.n_nodes == len(comps[0])
    # unreachable across components is inf in the CSR search (NaN in the metrics), never a sentinel
    other = int(np.flatnonzero(net.component == 1)[0])
    d = dijkstra(net.csr(), indices=other)
    assert np.isinf(d[net.component == 0]).all()


# --------------------------------------------------------------------------- CSR rules
def _toy(lengths, oneway, u, v, n=3, mode="walk") -> Network:
    x = np.arange(n, dtype=float) * 100.0
    geoms = shapely.linestrings(np.stack([np.c_[x[u], np.zeros(len(u))], np.c_[x[v], np.zeros(len(v))]], axis=1))
    return Network(
        x=x, y=np.zeros(n), node_id=np.arange(n) + 10, edge_u=np.array(u), edge_v=np.array(v),
        edge_length_m=np.array(lengths, dtype=float), edge_geometry=geoms, edge_oneway=np.array(oneway),
        edge_speed_kmh=np.full(len(u), 4.5), crs="EPSG:32631", mode=mode,
    )  # fmt: skip


def test_csr_parallel_minimum_zero_length_and_oneway():
    # two parallel 0-1 edges (100 m, 30 m), a zero-length 1-2 edge, a one-way 2 -> 0 of 5 m
    net = _toy([100.0, 30.0, 0.0, 5.0], [False, False, False, True], [0, 0, 1, 2], [1, 1, 2, 0])
    A = net.csr()
    assert A[0, 1] == 30.0 and A[1, 0] == 30.0  # minimum, not the 130 m sum
    assert A[1, 2] == ZERO_EDGE_M and A[2, 1] == ZERO_EDGE_M  # zero-length edge survives
    assert A[2, 0] == 5.0 and A[0, 2] == 0.0  # one-way
    d = dijkstra(A, indices=0)
    assert d[2] == pytest.approx(30.0, abs=1e-6)
    R = net.csr(reverse=True)
    assert R[0, 2] == 5.0 and R[2, 0] == 0.0
    t = net.csr("time_s", speed_kmh=3.6)
    assert t[0, 1] == pytest.approx(30.0)
    assert net.n_components == 1
    with pytest.raises(InvalidOptionError, match="weight"):
        net.csr("hours")


def test_network_validation():
    with pytest.raises(CRSError, match="metric"):
        Network(
            x=np.zeros(1), y=np.zeros(1), node_id=np.zeros(1), edge_u=np.zeros(0), edge_v=np.zeros(0),
            edge_length_m=np.zeros(0), edge_geometry=np.zeros(0, dtype=object), edge_oneway=np.zeros(0, bool),
            edge_speed_kmh=np.zeros(0), crs=4326,
        )  # fmt: skip
    with pytest.raises(InvalidOptionError, match="mode"):
        _toy([1.0], [False], [0], [1], mode="boat")


def test_study_areas_must_be_valid_and_crs_overrides_metric(shared_data):
    net = Network(
        x=np.array([500_000.0, 500_100.0]), y=np.array([2_500_000.0, 2_500_000.0]), node_id=np.array([0, 1]),
        edge_u=np.array([0]), edge_v=np.array([1]), edge_length_m=np.array([100.0]),
        edge_geometry=np.array([shapely.LineString([(500_000, 2_500_000), (500_100, 2_500_000)])], dtype=object),
        edge_oneway=np.array([False]), edge_speed_kmh=np.array([4.5]), crs="EPSG:32650",
    )  # fmt: skip
    bowtie = shapely.Polygon([(499_950, 2_499_950), (500_150, 2_500_050), (500_150, 2_499_950), (499_950, 2_500_050)])
    frame = gpd.GeoDataFrame(geometry=[bowtie], crs=net.crs)
    for polygon in (frame, frame.geometry, bowtie):
        with assert_not_mutated(frame), pytest.raises(InvalidGeometryError, match=r"`polygon` is not a valid polygon "
                                                                                  r"\(.*Self-intersection"):
            clip_network(net, polygon)
    assert clip_network(net, frame.make_valid()).n_nodes == 2  # the fix the message gives works
    pbf = shared_data("osm/helsinki_centre_2019.osm.pbf")
    with pytest.raises(InvalidGeometryError, match="`polygon`.*make_valid"):
        network_from_osm(pbf, polygon=frame.to_crs(4326))
    with pytest.raises(CRSError, match="`crs` must be a projected CRS in metres"):
        network_from_osm(pbf, crs="EPSG:4326")


# --------------------------------------------------------------------------- save / load
def test_save_load_exact_round_trip(helsinki_drive, tmp_path):
    net = helsinki_drive
    snap = snapshot(net)
    path = net.save(tmp_path / "helsinki.npz")
    assert path.exists() and len(list(tmp_path.iterdir())) == 1  # one file
    back = Network.load(path)
    assert_same_network(back, snap)
    assert back.crs == net.crs and back.mode == "drive"
    for k in ARRAYS:
        assert getattr(back, k).dtype == getattr(net, k).dtype
    assert_same_network(net, snap)  # saving did not touch the network
    with pytest.raises(InvalidOptionError, match=".npz"):
        net.save(tmp_path / "x.gpkg")
    with pytest.raises(FileNotFoundError):
        Network.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(InvalidOptionError, match="not a network"):
        Network.load(tmp_path / "other.npz")


# --------------------------------------------------------------------------- clip
def test_clip_with_buffer_keeps_services_outside(shared_data):
    net = network_from_osm(shared_data("osm/porto_centre_2020.osm.pbf"), mode="walk")
    cx, cy = np.median(net.x), np.median(net.y)
    area = gpd.GeoDataFrame(geometry=[shapely.box(cx - 400, cy - 400, cx + 400, cy + 400)], crs=net.crs).to_crs(4326)
    radius = 600.0
    snap = snapshot(net)
    with assert_not_mutated(area):
        clipped = clip_network(net, area, buffer_m=radius)
        bare = net.clip(area.to_crs(net.crs).geometry.iloc[0])  # a bare geometry is in the network CRS
    assert_same_network(net, snap)
    assert bare.n_nodes < clipped.n_nodes < net.n_nodes
    assert clipped.meta["clipped_buffer_m"] == radius
    # every path of length <= radius from a node inside the area stays in area + radius,
    # so those distances are exactly the unclipped ones (pitfall 8: boundary effects)
    inside = shapely.contains_xy(area.to_crs(net.crs).geometry.iloc[0], clipped.x, clipped.y)
    src = np.flatnonzero(inside)[::25]
    in_full = positions(net, clipped.node_id)
    d_clip = dijkstra(clipped.csr(), indices=src, limit=radius)
    d_full = dijkstra(net.csr(), indices=in_full[src], limit=radius)
    reach_full = np.isfinite(d_full).sum(axis=1)
    assert np.array_equal(np.isfinite(d_clip).sum(axis=1), reach_full)  # nothing within reach is lost
    d_full_sub = d_full[:, in_full]
    np.testing.assert_allclose(d_clip[np.isfinite(d_clip)], d_full_sub[np.isfinite(d_clip)], atol=1e-6, rtol=0)
    # facilities just outside the area (within the buffer) are kept
    assert (~inside).sum() > 0
    with pytest.raises(InvalidOptionError, match="buffer_m"):
        clip_network(net, area, buffer_m=-5)
    with pytest.raises(InvalidOptionError, match="polygon"):
        clip_network(net, shapely.Point(0, 0))
    with pytest.raises(CRSError):
        clip_network(net, gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]))


def test_frames(helsinki_drive):
    net = helsinki_drive
    nodes, edges = net.nodes, net.edges
    assert len(nodes) == net.n_nodes and len(edges) == net.n_edges
    assert nodes.crs == net.crs == edges.crs
    assert {"u", "v", "length_m", "oneway", "speed_kmh", "osmid", "highway"} <= set(edges.columns)
    np.testing.assert_allclose(edges.length, edges["length_m"], rtol=1e-9)
