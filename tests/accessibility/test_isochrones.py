"""Isochrones and service areas: partial edges, nesting, one-way, isolated origins."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from tests.accessibility._reference import people_nodes
from urbangeo.accessibility import Network, grid_network, isochrones, network_from_osm, service_areas
from urbangeo.errors import DroppedRowsWarning, InvalidOptionError
from urbangeo.testing import assert_not_mutated

X0, Y0 = 500_000.0, 2_500_000.0


def pts(xy, crs="EPSG:32650", **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=crs)


def P(x, y):
    return Point(X0 + x, Y0 + y)


def test_partial_edges_reached_exactly():
    net = grid_network(11, 11, spacing_m=100)
    home = pts([(500, 500)])
    with assert_not_mutated(home):
        iso = isochrones(net, home, dist_m=250, street_width_m=5)
    poly = iso.geometry[0]
    # 250 m along the street from the centre: up to 250 m straight, 200 + 50 round a corner
    assert poly.covers(P(500, 745)) and poly.covers(P(745, 500)) and poly.covers(P(600, 645))
    # ... but not 260 m (beyond the buffer too) and not across blocks
    assert not poly.covers(P(500, 760)) and not poly.covers(P(600, 660))
    assert not poly.covers(P(550, 550))  # block interior, 50 m from any street
    # on a full grid every street point within Manhattan distance 250 is reached: the
    # streets cut by the L1 ball (a diamond) around the origin, buffered
    diamond = shapely.Polygon([(X0 + 250, Y0 + 500), (X0 + 500, Y0 + 750), (X0 + 750, Y0 + 500), (X0 + 500, Y0 + 250)])
    streets = shapely.union_all(net.edge_geometry)
    lines = streets.intersection(diamond)
    expected = lines.buffer(5)
    assert poly.symmetric_difference(expected).area < 1e-3 * expected.area  # arc approximations only


def test_bands_nested_and_ordered():
    net = grid_network(15, 15, spacing_m=80)
    homes = pts([(560, 560), (30, 0)])
    iso = isochrones(net, homes, minutes=(15, 5, 10))
    assert iso.minutes.tolist() == [5.0, 10.0, 15.0, 5.0, 10.0, 15.0]
    assert iso.origin.tolist() == [0, 0, 0, 1, 1, 1]
    for o in (0, 1):
        g = iso[iso.origin == o].geometry.tolist()
        assert g[1].covers(g[0]) and g[2].covers(g[1])
        assert g[0].area < g[1].area < g[2].area


def test_one_way_drive_isochrone():
    x = np.array([X0, X0 + 1000])
    y = np.array([Y0, Y0])
    line = LineString([(X0, Y0), (X0 + 1000, Y0)])
    net = Network(x=x, y=y, node_id=[0, 1], edge_u=np.array([0]), edge_v=np.array([1]),
                  edge_length_m=np.array([1000.0]), edge_geometry=np.array([line], dtype=object),
                  edge_oneway=np.array([True]), edge_speed_kmh=np.array([6.0]), crs="EPSG:32650", mode="drive")
    iso = isochrones(net, pts([(500, 0)]), dist_m=200, street_width_m=1)
    poly = iso.geometry[0]
    assert poly.covers(P(690, 0)) and not poly.covers(P(450, 0))  # only downstream
    sa = service_areas(net, pts([(500, 0)]), dist_m=200, street_width_m=1)
    poly = sa.geometry[0]
    assert poly.covers(P(310, 0)) and not poly.covers(P(550, 0))  # only upstream can reach it


def test_isolated_and_unsnapped_origins_do_not_crash():
    net = grid_network(3, 3)
    homes = gpd.GeoDataFrame(geometry=[P(100, 100), P(100, 5000), None], crs="EPSG:32650")
    # the origin without geometry is kept (empty polygons, a note) and counted in a warning
    with pytest.warns(DroppedRowsWarning, match=r"1 of 3 rows of `origins` have no geometry .*rows 2\)") as rec:
        iso = isochrones(net, homes, dist_m=(100, 200), max_snap_m=200)
    assert [w.category for w in rec] == [DroppedRowsWarning]  # once, not per band
    assert len(iso) == 6
    assert iso.geometry.iloc[2].is_empty and "beyond max_snap_m" in iso.note.iloc[2]
    assert iso.geometry.iloc[4].is_empty and iso.note.iloc[4] == "missing geometry"
    assert not iso.geometry.iloc[0].is_empty and iso.note.iloc[0] is None
    # access leg longer than the band: empty with a note
    far = isochrones(net, pts([(150, 180)]), dist_m=15, street_width_m=5)  # leg 20 m
    assert far.geometry[0].is_empty and "access leg" in far.note[0]
    # an origin on a tiny isolated edge gets a small polygon
    tiny = Network(x=np.array([X0, X0 + 10]), y=np.array([Y0, Y0]), node_id=[0, 1], edge_u=np.array([0]),
                   edge_v=np.array([1]), edge_length_m=np.array([10.0]),
                   edge_geometry=np.array([LineString([(X0, Y0), (X0 + 10, Y0)])], dtype=object),
                   edge_oneway=np.array([False]), edge_speed_kmh=np.array([4.5]), crs="EPSG:32650")
    t = isochrones(tiny, pts([(5, 0)]), minutes=15, street_width_m=5)
    assert t.geometry[0].area == pytest.approx(10 * 10 + np.pi * 25, rel=0.01)


def test_crs_round_trip_and_service_area_union():
    net = grid_network(11, 11)
    fac = pts([(100, 100), (900, 900)], kind=["a", "b"])
    sa = service_areas(net, fac.to_crs(4326), dist_m=(100, 300), by="kind")
    assert sa.crs.to_epsg() == 4326
    assert sa.category.tolist() == ["a", "a", "b", "b"]
    both = service_areas(net, fac, dist_m=300)
    a = sa.to_crs(net.crs)
    union = a.geometry[1].union(a.geometry[3])
    assert both.geometry[0].symmetric_difference(union).area < 1.0
    iso = isochrones(net, fac, dist_m=300)
    assert both.geometry[0].symmetric_difference(iso.geometry[0].union(iso.geometry[1])).area < 1.0


def test_isochrone_on_real_network_covers_reached_nodes(shared_data):
    from urbangeo.accessibility import _engine
    from urbangeo.accessibility.snapping import legs, snap_points

    net = network_from_osm(shared_data("osm/helsinki_centre_2019.osm.pbf"), mode="walk")
    i = np.flatnonzero(people_nodes(net) & (np.arange(net.n_nodes) >= 100))[0]  # on a street people can be on
    home = gpd.GeoDataFrame(geometry=[Point(net.x[i] + 5, net.y[i] + 5)], crs=net.crs)
    iso = isochrones(net, home, minutes=(5, 10), street_width_m=10)
    lg = legs(net, snap_points(net, home), side="origin", weight="time_s", speed_kmh=None)
    node, c, c2, _ = lg.seeds()
    d, _, _ = _engine.multi_source(_engine.graph(net), node, c, c2)
    for band, geom in zip((5, 10), iso.geometry):
        inside = d <= band * 60
        assert shapely.covers(geom, shapely.points(net.x[inside], net.y[inside])).all()
        outside = (d > band * 60 + 60) & np.isfinite(d)  # a minute (75 m) beyond
        far = shapely.points(net.x[outside], net.y[outside])
        # nodes a minute beyond the band are outside unless another reached street passes close by
        assert shapely.covers(geom, far).mean() < 0.1


def test_isochrone_errors():
    net = grid_network(3, 3)
    with pytest.raises(InvalidOptionError):
        isochrones(net, pts([(0, 0)]), minutes=-5)
    with pytest.raises(InvalidOptionError):
        isochrones(net, pts([(0, 0)]), street_width_m=0)
