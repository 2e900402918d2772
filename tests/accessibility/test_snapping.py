"""Edge snapping: projection, offsets, legs, limits, CRS handling, polygons and entrances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from urbangeo.accessibility import Network, grid_network, network_from_osm, snap_points
from urbangeo.accessibility.snapping import legs, same_edge_pairs
from urbangeo.errors import (
    CRSError,
    DroppedRowsWarning,
    EmptyInputWarning,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidOptionError,
    SnapWarning,
    UrbangeoWarning,
)
from urbangeo.testing import assert_not_mutated

X0, Y0 = 500_000.0, 2_500_000.0


def pts(xy, crs="EPSG:32650"):
    return gpd.GeoDataFrame(geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=crs)


def test_projection_onto_nearest_edge():
    net = grid_network(3, 3, spacing_m=100)
    p = pts([(30, 10), (200, 140), (55, 55)])
    with assert_not_mutated(p):
        s = snap_points(net, p)
    assert s.row.tolist() == [0, 1, 2]
    np.testing.assert_allclose(s.dist_m, [10.0, 0.0, 45.0])
    e = net.edges.loc[s.edge]
    # the snapped point is on the edge, at offset_m from u
    for (_, r), (_, ed) in zip(s.iterrows(), e.iterrows()):
        assert ed.geometry.distance(Point(r.x, r.y)) < 1e-9
        assert Point(net.x[ed.u], net.y[ed.u]).distance(Point(r.x, r.y)) == pytest.approx(r.offset_m)
    assert s.note.isna().all()


def test_matches_shapely_brute_force_on_real_network(shared_data):
    net = network_from_osm(shared_data("osm/andorra_2020.osm.pbf"), mode="walk")
    rng = np.random.default_rng(0)
    i = rng.integers(0, net.n_nodes, 200)
    p = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.x[i] + rng.normal(0, 40, 200),
                                                     net.y[i] + rng.normal(0, 40, 200)), crs=net.crs)
    assert not net.edge_snappable.all()  # Andorra has road tunnels: never snapped to
    s = snap_points(net, p, component="any", snap_warn_m=1000)
    d = shapely.distance(np.asarray(p.geometry)[:, None], net.edge_geometry[None, :])
    d[:, ~net.edge_snappable] = np.inf
    np.testing.assert_allclose(s.dist_m, d.min(axis=1), atol=1e-9)
    assert net.edge_snappable[s.edge].all()
    main = net.component[net.edge_u] == 0
    with pytest.warns(SnapWarning, match="moved off their own street network piece"):
        s_main = snap_points(net, p, snap_warn_m=1000)  # default: the largest component only
    np.testing.assert_allclose(s_main.dist_m, d[:, main].min(axis=1), atol=1e-9)
    assert (net.component[net.edge_u[s_main.edge]] == 0).all()
    moved = s_main.note.notna().to_numpy()
    assert (s_main.dist_m[moved] > s.dist_m[moved]).all() and (s_main.dist_m[~moved] == s.dist_m[~moved]).all()
    # the same points in EPSG:4326 snap to the same places (within float round trips)
    s2 = snap_points(net, p.to_crs(4326), component="any", snap_warn_m=1000)
    np.testing.assert_allclose(s2.dist_m, s.dist_m, atol=1e-6)
    np.testing.assert_allclose(s2.offset_m, s.offset_m, atol=1e-6)


def test_legs_respect_one_way():
    line = LineString([(X0, Y0), (X0 + 100, Y0)])
    net = Network(x=np.array([X0, X0 + 100]), y=np.array([Y0, Y0]), node_id=[0, 1], edge_u=np.array([0]),
                  edge_v=np.array([1]), edge_length_m=np.array([100.0]), edge_geometry=np.array([line], dtype=object),
                  edge_oneway=np.array([True]), edge_speed_kmh=np.array([36.0]), crs="EPSG:32650", mode="drive")
    s = snap_points(net, pts([(30, 4)]))
    o = legs(net, s, side="origin", weight="length_m", speed_kmh=None)
    f = legs(net, s, side="facility", weight="length_m", speed_kmh=None)
    assert np.isinf(o.cu[0]) and o.cv[0] == pytest.approx(74.0)  # leaves towards v only
    assert f.cu[0] == pytest.approx(34.0) and np.isinf(f.cv[0])  # reached from u only
    t = legs(net, s, side="origin", weight="time_s", speed_kmh=None)
    assert t.cv[0] == pytest.approx(7.4)  # 74 m at 10 m/s
    # direct moves along the edge follow the direction
    s2 = snap_points(net, pts([(10, 0), (60, 0)]))
    oo = legs(net, s2, side="origin", weight="length_m", speed_kmh=None)
    ff = legs(net, s2, side="facility", weight="length_m", speed_kmh=None)
    oi, fi, c, _ = same_edge_pairs(oo, ff)
    pairs = {(int(a), int(b)): float(x) for a, b, x in zip(oi, fi, c)}
    assert pairs == {(0, 0): 0.0, (0, 1): 50.0, (1, 1): 0.0}


def test_max_snap_and_notes():
    net = grid_network(3, 3)
    p = gpd.GeoDataFrame(geometry=[Point(X0 + 50, Y0 - 120), None, Point()], crs="EPSG:32650")
    with pytest.warns(UrbangeoWarning, match="none of the 1 rows"), \
            pytest.warns(DroppedRowsWarning, match=r"2 of 3 rows of `points` have no geometry \(None or empty; rows 1, 2\)"):
        s = snap_points(net, p, max_snap_m=100)
    assert s.edge.tolist() == [-1, -1, -1]
    assert s.dist_m[0] == pytest.approx(120.0)
    assert s.note.tolist() == ["beyond max_snap_m (120.0 m > 100 m)", "missing geometry", "empty geometry"]
    with pytest.warns(SnapWarning, match=r"1 of 1 rows of `points` were snapped doubtfully: 1 with an access leg"):
        s = snap_points(net, p.iloc[:1], max_snap_m=150)
    assert s.edge[0] >= 0 and s.offset_m[0] == pytest.approx(50.0)
    assert s.note[0] == "access leg 120 m > snap_warn_m (100 m)"
    s = snap_points(net, p.iloc[:1], max_snap_m=150, snap_warn_m=130)  # quiet under a larger threshold
    assert s.note[0] is None


def test_far_points_warn_about_axis_order():
    net = grid_network(3, 3)
    with pytest.warns(UrbangeoWarning, match="coordinate order"):
        snap_points(net, gpd.GeoDataFrame(geometry=[Point(2_500_000, 500_000)], crs="EPSG:32650"))


def test_polygons_representative_and_entrances():
    net = grid_network(5, 5, spacing_m=100)
    park = shapely.box(X0 + 110, Y0 + 110, X0 + 190, Y0 + 190)
    crossing = shapely.box(X0 + 150, Y0 + 50, X0 + 250, Y0 + 150)  # a street runs through it
    g = gpd.GeoDataFrame(geometry=[park, crossing], crs="EPSG:32650")
    rep = snap_points(net, g)
    assert len(rep) == 2 and rep.dist_m[0] == pytest.approx(g.geometry[0].representative_point().distance(
        shapely.union_all(net.edge_geometry)))
    ent = snap_points(net, g, polygons="entrances", entrance_spacing_m=20)
    assert set(ent.row) == {0, 1}
    assert (ent[ent.row == 0].dist_m.min()) == pytest.approx(10.0)  # the park boundary is 10 m from streets
    assert (ent[ent.row == 1].dist_m == 0).sum() >= 2  # where the boundary crosses the street
    assert len(ent[ent.row == 0]) > 10


def test_errors():
    net = grid_network(3, 3)
    with pytest.raises(CRSError, match="no CRS"):
        snap_points(net, gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    with pytest.raises(GeometryTypeError, match="LineString"):
        snap_points(net, gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:32650"))
    with pytest.raises(InvalidOptionError):
        snap_points(net, pts([(0, 0)]), max_snap_m=-1)
    with pytest.raises(InvalidOptionError):
        snap_points(net, pts([(0, 0)]), polygons="centroid")
    with pytest.raises(TypeError):
        snap_points(net, pts([(0, 0)]).geometry)
    with pytest.warns(EmptyInputWarning, match="`points` has no rows"):
        assert len(snap_points(net, pts([]))) == 0
    with pytest.raises(ValueError, match="without geometry"):
        snap_points(grid_network(3, 3, geometry=False), pts([(0, 0)]))


def test_invalid_polygons_are_repaired_once_for_every_snapping_function():
    from urbangeo.accessibility import cumulative_opportunities

    net = grid_network(5, 5)
    bowtie = shapely.Polygon([(X0 + 120, Y0 + 20), (X0 + 180, Y0 + 80), (X0 + 180, Y0 + 20), (X0 + 120, Y0 + 80)])
    p = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[bowtie, Point(X0 + 30, Y0 + 10)], crs="EPSG:32650")
    fixed = p.assign(geometry=[shapely.make_valid(bowtie), p.geometry.iloc[1]])
    for polygons in ("representative", "entrances"):
        with assert_not_mutated(p), pytest.warns(GeometryFixedWarning, match="`points`: repaired 1 invalid") as rec:
            s = snap_points(net, p, polygons=polygons)
        assert [w.category for w in rec] == [GeometryFixedWarning]
        assert "Self-intersection" in str(rec[0].message) and "points.make_valid()" in str(rec[0].message)
        want = snap_points(net, fixed, polygons=polygons)
        np.testing.assert_allclose(s[["offset_m", "dist_m", "x", "y"]], want[["offset_m", "dist_m", "x", "y"]])
    # the metrics snap through the same door: one warning naming the argument the user passed
    with pytest.warns(GeometryFixedWarning, match="`facilities`: repaired 1") as rec:
        out = cumulative_opportunities(net, pts([(0, 0)]), p, dist_m=400)
    assert [w.category for w in rec] == [GeometryFixedWarning]
    assert out["count_400m"].tolist() == [2.0]


def test_grid_search_equals_brute_force_on_awkward_geometry():
    # long diagonal and short zig-zag edges, points inside, outside and far outside the extent
    rng = np.random.default_rng(1)
    xy = [(0, 0), (5000, 4000), (5010, 4000), (5010, 4010), (-300, 2000), (-310, 2600)]
    edges = [(0, 1), (1, 2), (2, 3), (4, 5), (0, 4)]
    x = np.array([X0 + p[0] for p in xy])
    y = np.array([Y0 + p[1] for p in xy])
    geoms = np.array([LineString([(x[a], y[a]), (x[b], y[b])]) for a, b in edges], dtype=object)
    net = Network(x=x, y=y, node_id=np.arange(6), edge_u=np.array([e[0] for e in edges]),
                  edge_v=np.array([e[1] for e in edges]), edge_length_m=shapely.length(geoms), edge_geometry=geoms,
                  edge_oneway=np.zeros(5, bool), edge_speed_kmh=np.full(5, 4.5), crs="EPSG:32650")
    p = gpd.GeoDataFrame(geometry=gpd.points_from_xy(X0 + rng.uniform(-800, 5800, 300),
                                                     Y0 + rng.uniform(-800, 4800, 300)), crs="EPSG:32650")
    s = snap_points(net, p, max_snap_m=1e6, component="any", snap_warn_m=1e6)
    d = shapely.distance(np.asarray(p.geometry)[:, None], geoms[None, :])
    np.testing.assert_allclose(s.dist_m, d.min(axis=1), atol=1e-6)
    assert (d[np.arange(300), s.edge] - d.min(axis=1) < 1e-6).all()
    along = shapely.line_locate_point(geoms[s.edge], np.asarray(p.geometry))
    np.testing.assert_allclose(s.offset_m, along, atol=1e-6)
