"""Nearest facilities, cumulative opportunities, gravity access and decay functions."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from tests.accessibility._reference import point_costs
from urbangeo.accessibility import (
    Network,
    _engine,
    cumulative_opportunities,
    decay_weights,
    gravity_access,
    grid_network,
    nearest_facilities,
    network_from_osm,
    pair_costs,
    snap_points,
)
from urbangeo.errors import (
    CRSError,
    DroppedRowsWarning,
    EmptyDataError,
    EmptyInputWarning,
    InvalidOptionError,
    MissingColumnError,
    SnapWarning,
)
from urbangeo.settings import settings
from urbangeo.testing import assert_not_mutated

X0, Y0 = 500_000.0, 2_500_000.0


def pts(xy, crs="EPSG:32650", **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=crs)


def manual_network(nodes, edges, *, oneway=None, mode="walk", speed=3.6):
    """Network from node coordinates (offsets) and (u, v) pairs; straight edges."""
    x = np.array([X0 + p[0] for p in nodes], float)
    y = np.array([Y0 + p[1] for p in nodes], float)
    u = np.array([e[0] for e in edges])
    v = np.array([e[1] for e in edges])
    geoms = [LineString([(x[a], y[a]), (x[b], y[b])]) for a, b in zip(u, v)]
    length = np.array([g.length for g in geoms])
    return Network(
        x=x, y=y, node_id=np.arange(len(x)), edge_u=u, edge_v=v, edge_length_m=length,
        edge_geometry=np.array(geoms, dtype=object),
        edge_oneway=np.zeros(len(u), bool) if oneway is None else np.asarray(oneway, bool),
        edge_speed_kmh=np.full(len(u), speed), crs="EPSG:32650", mode=mode,
    )


# --------------------------------------------------------------------------- real networks
@pytest.fixture(scope="module")
def helsinki(shared_data):
    return network_from_osm(shared_data("osm/helsinki_centre_2019.osm.pbf"), mode="walk")


@pytest.fixture(scope="module")
def porto_drive(shared_data):
    return network_from_osm(shared_data("osm/porto_centre_2020.osm.pbf"), mode="drive")


def _random_points(net, n, seed, spread=30.0):
    rng = np.random.default_rng(seed)
    e = rng.integers(0, net.n_edges, n)
    p = shapely.line_interpolate_point(net.edge_geometry[e], rng.random(n), normalized=True)
    xy = shapely.get_coordinates(p) + rng.normal(0, spread, (n, 2))
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=net.crs)


@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")  # real data: doubtful snaps are expected; tested in test_snapping
@pytest.mark.parametrize("weight", ["length_m", "time_s"])
def test_nearest_matches_networkx_on_helsinki(helsinki, weight):
    net = helsinki
    origins = _random_points(net, 25, 1)
    fac = _random_points(net, 12, 2)
    ref = point_costs(net, snap_points(net, origins), snap_points(net, fac), weight=weight)
    best = ref.min(axis=1)
    out = nearest_facilities(net, origins, fac, k=3)
    got = out.minutes_1.to_numpy() * 60 if weight == "time_s" else out.dist_m_1.to_numpy()
    np.testing.assert_allclose(np.where(np.isinf(best), np.nan, best), got, atol=1e-6, equal_nan=True)
    # the facility reported is one at the optimum, and ranks 2, 3 follow the sorted costs
    lab = out.facility_1.to_numpy(dtype=float, na_value=np.nan)
    fin = ~np.isnan(lab)
    np.testing.assert_allclose(ref[np.flatnonzero(fin), lab[fin].astype(int)], best[fin], atol=1e-6)
    srt = np.sort(ref, axis=1)
    key = "minutes" if weight == "time_s" else "dist_m"
    scale = 60.0 if weight == "time_s" else 1.0
    for r in (2, 3):
        np.testing.assert_allclose(
            np.where(np.isinf(srt[:, r - 1]), np.nan, srt[:, r - 1]), out[f"{key}_{r}"] * scale,
            atol=1e-6, equal_nan=True,
        )


def test_node_costs_match_networkx_and_scipy_on_helsinki(helsinki):
    from tests.accessibility._reference import nx, nx_graph

    net = helsinki
    g = _engine.graph(net, weight="length_m")
    rng = np.random.default_rng(5)
    src = rng.choice(net.n_nodes, 40, replace=False)
    d, _, lab = _engine.multi_source(g, src, np.zeros(len(src)))
    G, _ = nx_graph(net)
    ref = nx.multi_source_dijkstra_path_length(G, set(src.tolist()), weight="c")
    r = np.full(net.n_nodes, np.inf)
    r[list(ref)] = list(ref.values())
    np.testing.assert_allclose(d, r, atol=1e-6)
    ds, _ = _engine.scipy_nearest(g, src, np.zeros(len(src)))
    np.testing.assert_allclose(d, ds, atol=1e-6)
    # bounded searches: the same triples as scipy's dense bounded search
    s, t, c, _ = _engine.bounded(g, np.arange(41), src, np.zeros(40), limit=800.0)
    ss, st, sc = _engine.scipy_bounded(g, src, np.zeros(40), limit=800.0 + 1e-6)
    a = pd.Series(c, index=pd.MultiIndex.from_arrays([s, t])).sort_index()
    b = pd.Series(sc, index=pd.MultiIndex.from_arrays([ss, st])).sort_index()
    b = b[b <= 800.0]
    assert a.index.equals(b.index)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-6)


@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")  # real data: doubtful snaps are expected; tested in test_snapping
def test_drive_one_way_matches_networkx_and_differs_from_walk(porto_drive, shared_data):
    net = porto_drive
    assert net.edge_oneway.any()
    origins = _random_points(net, 15, 3, spread=5.0)
    fac = _random_points(net, 8, 4, spread=5.0)
    ref = point_costs(net, snap_points(net, origins), snap_points(net, fac), weight="time_s")
    out = nearest_facilities(net, origins, fac)
    best = ref.min(axis=1)
    np.testing.assert_allclose(np.where(np.isinf(best), np.nan, best), out.minutes_1 * 60, atol=1e-6, equal_nan=True)
    # reversing origins and facilities changes the answer somewhere on a one-way network
    rev = point_costs(net, snap_points(net, fac), snap_points(net, origins), weight="time_s").T
    both = np.isfinite(ref) & np.isfinite(rev)
    assert np.abs(np.where(both, ref, 0) - np.where(both, rev, 0)).max() > 1.0
    # walking ignores one-way
    walk = network_from_osm(shared_data("osm/porto_centre_2020.osm.pbf"), mode="walk")
    assert not walk.edge_oneway.any()


# --------------------------------------------------------------------------- analytic grids
def test_grid_manhattan_mid_edge():
    net = grid_network(6, 6, spacing_m=100)
    origins = pts([(30, 0), (250, 310), (500, 500)])
    fac = pts([(400, 270)])
    out = nearest_facilities(net, origins, fac, speed_kmh=6.0)  # 100 m per minute
    # (30,0) -> (400,270): along the bottom street to x=400, up 270: 370 + 270
    # (250,310) snaps to (250,300) with a 10 m leg: 10 + 50 + 100 + 30 + ... Manhattan via nodes
    exp = [370 + 270, 10 + 50 + 100 + 30, 100 + 230]
    np.testing.assert_allclose(out.dist_m_1, exp)
    np.testing.assert_allclose(out.minutes_1, np.array(exp) / 100.0)
    assert out.facility_1.tolist() == [0, 0, 0]
    assert out.snap_dist_m.tolist() == [0.0, 10.0, 0.0]


def test_same_edge_direct_and_node_snapping_error():
    net = grid_network(2, 1, spacing_m=400)  # one 400 m edge
    origins = pts([(190, 0)])
    fac = pts([(210, 0)])
    out = nearest_facilities(net, origins, fac)
    assert out.dist_m_1[0] == pytest.approx(20.0)  # not 190 + 210 through a node


def test_same_edge_one_way_goes_around():
    # square 0-1-2-3 with a one-way 0 -> 1 bottom edge; facility behind the origin
    net = manual_network([(0, 0), (100, 0), (100, 100), (0, 100)], [(0, 1), (1, 2), (2, 3), (3, 0)],
                         oneway=[True, False, False, False], mode="drive")
    origins = pts([(60, 0)])
    fac = pts([(40, 0)])
    out = nearest_facilities(net, origins, fac, speed_kmh=3.6)
    # forward to node 1 (40), around 1-2-3-0 (300), then 40 along the edge
    assert out.dist_m_1[0] == pytest.approx(380.0)
    walk = manual_network([(0, 0), (100, 0), (100, 100), (0, 100)], [(0, 1), (1, 2), (2, 3), (3, 0)])
    assert nearest_facilities(walk, origins, fac).dist_m_1[0] == pytest.approx(20.0)


def test_parallel_and_zero_length_edges():
    # two parallel edges 0-1 (100 m straight, 300 m detour) and a zero-length edge 1-2
    nodes = [(0, 0), (100, 0), (100, 0)]
    x = np.array([X0, X0 + 100, X0 + 100])
    y = np.array([Y0, Y0, Y0])
    straight = LineString([(X0, Y0), (X0 + 100, Y0)])
    detour = LineString([(X0, Y0), (X0, Y0 + 100), (X0 + 100, Y0 + 100), (X0 + 100, Y0)])
    zero = LineString([(X0 + 100, Y0), (X0 + 100, Y0)])
    net = Network(x=x, y=y, node_id=np.arange(3), edge_u=np.array([0, 0, 1]), edge_v=np.array([1, 1, 2]),
                  edge_length_m=np.array([100.0, 300.0, 0.0]), edge_geometry=np.array([straight, detour, zero]),
                  edge_oneway=np.zeros(3, bool), edge_speed_kmh=np.full(3, 3.6), crs="EPSG:32650")
    assert len(nodes) == 3
    g = _engine.graph(net, weight="length_m")
    d, _, _ = _engine.multi_source(g, [0], [0.0])
    np.testing.assert_allclose(d, [0.0, 100.0, 100.0])  # min, not the sum 400, zero edge kept


def test_disconnected_components_are_nan():
    net = manual_network([(0, 0), (100, 0), (1000, 0), (1100, 0)], [(0, 1), (2, 3)])
    origins = pts([(50, 0), (1050, 0)])
    fac = pts([(10, 0)])
    with settings.override(snap_component="any"):
        out = nearest_facilities(net, origins, fac, k=2)
        cum = cumulative_opportunities(net, origins, fac, dist_m=5000)
    assert out.dist_m_1[0] == pytest.approx(40.0)
    assert np.isnan(out.dist_m_1[1]) and np.isnan(out.minutes_1[1])
    assert out.facility_1.isna().tolist() == [False, True]
    assert np.isnan(out.dist_m_2).all()  # only one facility exists
    assert cum["count_5000m"].tolist() == [1.0, 0.0]  # reached nothing = 0, not NaN


def test_snapping_avoids_isolated_fragments_by_default():
    # main street 0-1-2 (3 nodes) and an isolated 10 m footway fragment 3-4 next to the origin
    net = manual_network([(0, 0), (200, 0), (400, 0), (300, 40), (310, 40)], [(0, 1), (1, 2), (3, 4)])
    origins = pts([(305, 45)])
    fac = pts([(0, 0)])
    with pytest.warns(SnapWarning, match="1 moved off their own street network piece"):
        out = nearest_facilities(net, origins, fac)
    assert out.dist_m_1[0] == pytest.approx(45.0 + 305.0)  # snapped to the main street
    assert out.snap_note[0].startswith("moved off its own street network piece (5 m away")
    with settings.override(snap_component="any"):
        stranded = nearest_facilities(net, origins, fac)
    assert np.isnan(stranded.dist_m_1[0])  # stuck on the fragment: honest NaN


def test_k_nearest_distinct_and_ordered():
    net = grid_network(10, 1, spacing_m=100)
    origins = pts([(0, 0)])
    fac = pts([(300, 0), (100, 0), (700, 0), (500, 0)])
    out = nearest_facilities(net, origins, fac, k=3)
    assert out[["dist_m_1", "dist_m_2", "dist_m_3"]].iloc[0].tolist() == [100.0, 300.0, 500.0]
    assert [out[f"facility_{r}"][0] for r in (1, 2, 3)] == [1, 0, 3]


def test_by_category_and_labels():
    net = grid_network(10, 1, spacing_m=100)
    origins = pts([(0, 0), (900, 0)])
    fac = pts([(300, 0), (100, 0), (800, 0)], kind=["school", "clinic", "school"])
    fac.index = ["s1", "c1", "s2"]
    with assert_not_mutated(origins, fac):
        out = nearest_facilities(net, origins, fac, by="kind")
    assert out.school_dist_m_1.tolist() == [300.0, 100.0]
    assert out.school_facility_1.tolist() == ["s1", "s2"]
    assert out.clinic_facility_1.tolist() == ["c1", "c1"]
    assert out.index.equals(origins.index) and out.crs == origins.crs


def test_max_minutes_gives_nan_beyond():
    net = grid_network(10, 1, spacing_m=100)
    out = nearest_facilities(net, pts([(0, 0)]), pts([(500, 0)]), speed_kmh=6.0, minutes=4)
    assert np.isnan(out.minutes_1[0])
    out = nearest_facilities(net, pts([(0, 0)]), pts([(500, 0)]), speed_kmh=6.0, minutes=5)
    assert out.minutes_1[0] == pytest.approx(5.0)  # inclusive


def test_geographic_and_utm_inputs_agree():
    net = grid_network(8, 8, spacing_m=100, crs="EPSG:32650")
    o = pts([(123, 40), (510, 333), (20, 690)])
    f = pts([(300, 300), (650, 100)])
    a = nearest_facilities(net, o, f)
    b = nearest_facilities(net, o.to_crs(4326), f.to_crs(4326))
    np.testing.assert_allclose(a.dist_m_1, b.dist_m_1, atol=1e-6)
    assert b.crs.to_epsg() == 4326  # results in the input CRS
    assert b.geometry.geom_equals_exact(o.to_crs(4326).geometry, 0).all()


def test_swapped_axes_warn_and_give_nan():
    net = grid_network(5, 5)
    o = pts([(100, 100)]).to_crs(4326)
    swapped = o.set_geometry(gpd.points_from_xy(o.geometry.y, o.geometry.x), crs=4326)
    with pytest.warns(UserWarning, match="coordinate order"):
        out = nearest_facilities(net, swapped, pts([(0, 0)]))
    assert np.isnan(out.dist_m_1[0]) and "beyond max_snap_m" in out.snap_note[0]


def test_snap_limit_gives_nan_not_zero():
    net = grid_network(3, 3)
    o = pts([(100, 100), (100, 900)])
    out = nearest_facilities(net, o, pts([(0, 0)]), max_snap_m=300)
    assert out.dist_m_1[0] == 200.0 and np.isnan(out.dist_m_1[1])
    assert out.snap_dist_m[1] == pytest.approx(700.0)
    assert out.snap_note[0] is None and "700.0 m > 300 m" in out.snap_note[1]


def test_facility_not_snapped_warns():
    net = grid_network(3, 3)
    f = pts([(0, 0), (5000, 5000)])
    with pytest.warns(DroppedRowsWarning, match="1 of 2 facilities"):
        out = nearest_facilities(net, pts([(100, 100)]), f)
    assert out.facility_1[0] == 0


def test_errors():
    net = grid_network(3, 3)
    o, f = pts([(0, 0)]), pts([(100, 0)])
    with pytest.raises(CRSError):
        nearest_facilities(net, o.set_crs(None, allow_override=True), f)
    with pytest.raises(TypeError, match="Network"):
        nearest_facilities("graph", o, f)
    with pytest.raises(InvalidOptionError, match="k"):
        nearest_facilities(net, o, f, k=0)
    with pytest.raises(InvalidOptionError, match="speed_kmh"):
        nearest_facilities(net, o, f, speed_kmh=-1)
    with pytest.raises(MissingColumnError):
        nearest_facilities(net, o, f, by="kind")
    with pytest.raises(InvalidOptionError, match="either"):
        cumulative_opportunities(net, o, f, minutes=5, dist_m=100)
    with pytest.raises(InvalidOptionError, match="decay"):
        gravity_access(net, o, f, decay="cubic")
    with pytest.raises(TypeError):
        nearest_facilities(net, o.drop(columns="geometry"), f)
    empty = Network(x=np.zeros(1), y=np.zeros(1), node_id=[0], edge_u=np.zeros(0, int), edge_v=np.zeros(0, int),
                    edge_length_m=[], edge_geometry=[], edge_oneway=[], edge_speed_kmh=[], crs="EPSG:32650")
    with pytest.raises(EmptyDataError):
        nearest_facilities(empty, o, f)


def test_missing_and_polygon_origins():
    net = grid_network(5, 5)
    o = gpd.GeoDataFrame(geometry=[None, shapely.box(X0 + 120, Y0 + 20, X0 + 180, Y0 + 60)], crs="EPSG:32650")
    with pytest.warns(DroppedRowsWarning, match="1 of 2 rows of `origins` have no geometry") as rec:
        out = nearest_facilities(net, o, pts([(0, 0)]))
    assert [w.category for w in rec] == [DroppedRowsWarning]
    assert np.isnan(out.dist_m_1[0]) and out.snap_note[0] == "missing geometry"
    rp = o.geometry[1].representative_point()
    assert out.dist_m_1[1] == pytest.approx(rp.x - X0 + (rp.y - Y0))  # leg down to y=0 then along
    assert len(out) == 2  # nothing dropped


def test_park_entrances_count_once():
    net = grid_network(11, 11, spacing_m=100)
    park = gpd.GeoDataFrame({"capacity": [1.0]}, geometry=[shapely.box(X0 + 310, Y0 + 310, X0 + 690, Y0 + 690)],
                            crs="EPSG:32650")
    o = pts([(500, 0), (0, 500)])
    a = cumulative_opportunities(net, o, park, dist_m=2000, facility_polygons="entrances")
    assert a["count_2000m"].tolist() == [1.0, 1.0]  # dozens of entrances, one park
    n = nearest_facilities(net, o, park, facility_polygons="entrances", k=2)
    assert np.isnan(n.dist_m_2).all()  # a second "nearest" would be the same park
    # nearest entrance: walk up x=500 to y=300, then the 10 m leg to the park edge at y=310
    assert n.dist_m_1[0] == pytest.approx(310.0)


@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")  # real data: doubtful snaps are expected; tested in test_snapping
# --------------------------------------------------------------------------- cumulative / gravity
def test_cumulative_matches_networkx_on_helsinki(helsinki):
    net = helsinki
    origins = _random_points(net, 20, 7)
    fac = _random_points(net, 60, 8)
    fac["jobs"] = np.arange(60, dtype=float)
    ref = point_costs(net, snap_points(net, origins), snap_points(net, fac), weight="time_s")
    with assert_not_mutated(origins, fac):
        out = cumulative_opportunities(net, origins, fac, minutes=(5, 10, 15))
        jobs = cumulative_opportunities(net, origins, fac, minutes=(10,), weight_col="jobs")
    for m in (5, 10, 15):
        np.testing.assert_array_equal(out[f"count_{m}min"], (ref <= m * 60).sum(axis=1))
    np.testing.assert_allclose(jobs["jobs_10min"], ((ref <= 600) * fac.jobs.to_numpy()).sum(axis=1))
    pc = pair_costs(net, origins, fac, minutes=15.0)
    assert (pc.cost <= 900).all()
    np.testing.assert_allclose(np.sort(pc.cost), np.sort(ref[ref <= 900]), atol=1e-6)


def test_cumulative_thresholds_inclusive_and_by():
    net = grid_network(10, 1, spacing_m=100)
    f = pts([(100, 0), (200, 0), (300, 0)], kind=["a", "b", "a"])
    out = cumulative_opportunities(net, pts([(0, 0)]), f, dist_m=(100, 250, 300), by="kind")
    assert out[["a_count_100m", "a_count_250m", "a_count_300m"]].iloc[0].tolist() == [1, 1, 2]
    assert out[["b_count_100m", "b_count_250m", "b_count_300m"]].iloc[0].tolist() == [0, 1, 1]


@pytest.mark.parametrize(
    "kind, at0, at_h",
    [("step", 1, 1), ("linear", 1, 0), ("exponential", 1, math.exp(-4)), ("gaussian", 1, 0), ("power", 1, 1 / 15)],
)
def test_decay_values_at_zero_and_horizon(kind, at0, at_h):
    w = decay_weights([0.0, 30.0, 30.0001, np.nan, np.inf], kind=kind, horizon=30)
    np.testing.assert_allclose(w, [at0, at_h, 0, 0, 0], atol=1e-12)
    mid = decay_weights(np.linspace(0, 30, 31), kind=kind, horizon=30)
    assert (np.diff(mid) <= 1e-15).all()  # non-increasing


def test_decay_parameters():
    assert decay_weights([10.0], kind="exponential", horizon=30, beta=0.1)[0] == pytest.approx(math.exp(-1))
    assert decay_weights([1.0, 4.0], kind="power", horizon=30, beta=2, min_cost=2)[1] == pytest.approx(0.25)
    assert decay_weights([1.0], kind="power", horizon=30, beta=2, min_cost=2)[0] == 1.0
    e = math.exp(-0.5)
    assert decay_weights([15.0], kind="gaussian", horizon=30)[0] == pytest.approx((math.exp(-0.125) - e) / (1 - e))


def test_gravity_access_closed_form():
    net = grid_network(10, 1, spacing_m=100)
    f = pts([(100, 0), (300, 0), (2000, 0)], jobs=[10.0, 20.0, 5.0])
    f = f.iloc[:2]
    out = gravity_access(net, pts([(0, 0)]), f, decay="exponential", dist_m=400, beta=0.01, weight_col="jobs")
    assert out.gravity[0] == pytest.approx(10 * math.exp(-1) + 20 * math.exp(-3))
    out = gravity_access(net, pts([(0, 0)]), f, decay="linear", dist_m=200)
    assert out.gravity[0] == pytest.approx(0.5)


def test_progress_runs_quietly():
    net = grid_network(5, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cumulative_opportunities(net, pts([(0, 0)]), pts([(100, 0)]), dist_m=200, progress=False)
    assert out["count_200m"][0] == 1


def test_empty_inputs_give_empty_or_nan_results():
    net = grid_network(5, 5)
    o = pts([(0, 0), (100, 100)])
    none = o.iloc[:0]
    # accepted (the result keeps its rows and columns), and said: nothing can be reached
    with pytest.warns(EmptyInputWarning, match="`facilities` has no rows"):
        out = nearest_facilities(net, o, none)
    assert out.dist_m_1.isna().all() and out.facility_1.isna().all() and len(out) == 2
    with pytest.warns(EmptyInputWarning, match="`origins` has no rows"):
        assert len(nearest_facilities(net, none, o)) == 0
    with pytest.warns(EmptyInputWarning, match="`facilities` has no rows"):
        assert cumulative_opportunities(net, o, none, dist_m=100)["count_100m"].tolist() == [0.0, 0.0]


def test_nearest_by_category_on_empty_facilities_keeps_the_columns():
    net = grid_network(5, 5)
    o = pts([(0, 0), (100, 100)])
    none = pts([(0, 0)]).assign(kind=["a"]).iloc[:0]
    with pytest.warns(EmptyInputWarning, match="`facilities` has no rows") as rec:
        out = nearest_facilities(net, o, none, by="kind", k=2)
    assert [w.category for w in rec] == [EmptyInputWarning]  # nothing else to say
    # no category is known: the unprefixed columns, all missing (not no columns at all)
    for col in ("minutes_1", "dist_m_1", "facility_1", "minutes_2", "dist_m_2", "facility_2"):
        assert col in out.columns and out[col].isna().all(), col
    np.testing.assert_allclose(out.snap_dist_m, [0.0, 0.0])
    # a categorical column declares its categories: one NaN set per category, used or not
    cats = none.assign(kind=pd.Categorical([], categories=["clinic", "school"]))
    with pytest.warns(EmptyInputWarning, match="`facilities` has no rows"):
        out = nearest_facilities(net, o, cats, by="kind")
    for col in ("clinic_minutes_1", "clinic_dist_m_1", "clinic_facility_1", "school_minutes_1"):
        assert col in out.columns and out[col].isna().all(), col
    assert "minutes_1" not in out.columns
    one = pts([(100, 0)]).assign(kind=pd.Categorical(["clinic"], categories=["clinic", "school"]))
    out = nearest_facilities(net, o, one, by="kind", speed_kmh=6.0)
    np.testing.assert_allclose(out.clinic_dist_m_1, [100.0, 100.0])
    assert out.school_dist_m_1.isna().all()


@pytest.mark.parametrize("source", ["west_oakland_drive", "shenzhen_graphml_walk"])
def test_nearest_matches_networkx_on_more_networks(shared_data, source):
    if source == "west_oakland_drive":
        net = network_from_osm(shared_data("osm/west_oakland.osm.bz2"), mode="drive")
    else:
        import warnings as _w

        with _w.catch_warnings():
            _w.simplefilter("ignore")
            import osmnx as ox

            from urbangeo.accessibility import network_from_graph

            net = network_from_graph(ox.load_graphml(shared_data("osm/shenzhen_futian_walk.graphml")), mode="walk")
    origins = _random_points(net, 12, 11, spread=10.0)
    fac = _random_points(net, 6, 12, spread=10.0)
    ref = point_costs(net, snap_points(net, origins), snap_points(net, fac), weight="time_s")
    out = nearest_facilities(net, origins, fac)
    best = ref.min(axis=1)
    np.testing.assert_allclose(np.where(np.isinf(best), np.nan, best), out.minutes_1 * 60, atol=1e-6, equal_nan=True)
    assert np.isfinite(best).sum() >= 6  # the comparison is not vacuous
