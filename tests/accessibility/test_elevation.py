"""Hills: add_elevation / hill_times, and direction-dependent times in every search.

Closed forms on modelled inclined planes (a DEM built in code whose bilinear
interpolation is exact), flat ground giving exactly the flat network's answers, the
wheelchair grade limit, and a real DEM (the Prague-Bubenec 1 m DTM with its real
streets) checked against an independent per-edge computation (scipy's
``map_coordinates`` for the bilinear samples, a Python loop for Tobler's times).
"""

from __future__ import annotations

import dataclasses
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from urbangeo.accessibility import (
    Network,
    add_elevation,
    cost_matrix,
    grid_network,
    hill_times,
    isochrones,
    nearest_facilities,
    service_areas,
    two_step_fca,
)
from urbangeo.accessibility.elevation import WHEELCHAIR_MAX_GRADE, tobler_factor
from urbangeo.errors import CRSError, InvalidOptionError, RasterError, UrbangeoWarning
from urbangeo.raster import Raster

X0, Y0 = 500_000.0, 2_500_000.0
SPEED = 4.8


def plane_dem(slope_x: float, slope_y: float = 0.0, *, z0: float = 100.0, cell: float = 10.0,
              margin: float = 300.0, extent: float = 1000.0, crs="EPSG:32650") -> Raster:
    """z = z0 + slope_x (x - X0) + slope_y (y - Y0), sampled at cell centres (bilinear is exact on it)."""
    west, north = X0 - margin, Y0 + extent + margin
    n = int((extent + 2 * margin) / cell)
    xc = west + cell * (np.arange(n) + 0.5)
    yc = north - cell * (np.arange(n) + 0.5)
    z = z0 + slope_x * (xc[None, :] - X0) + slope_y * (yc[:, None] - Y0)
    return Raster(z, Affine(cell, 0, west, 0, -cell, north), crs, name="plane", units="m")


def pts(xy, crs="EPSG:32650"):
    return gpd.GeoDataFrame(geometry=[shapely.Point(p) for p in xy], crs=crs)


def hilly(net: Network, dem: Raster, **kw) -> Network:
    return hill_times(add_elevation(net, dem), **kw)


def expected_edge_s(net: Network, slope_x: float, slope_y: float = 0.0):
    """Closed-form seconds of every record u -> v and v -> u on the plane."""
    dx = net.x[net.edge_v] - net.x[net.edge_u]
    dy = net.y[net.edge_v] - net.y[net.edge_u]
    L = net.edge_length_m
    s = (slope_x * dx + slope_y * dy) / L
    v = SPEED / 3.6
    return L / (v * tobler_factor(s)), L / (v * tobler_factor(-s))


# --------------------------------------------------------------------------- closed forms
def test_tobler_factor_values():
    assert tobler_factor(0.0) == 1.0
    np.testing.assert_allclose(tobler_factor([-0.05, 0.1, -0.1]), [np.exp(0.175), np.exp(-0.35), 1.0], rtol=1e-15)


def test_plane_edge_times_closed_form():
    net = grid_network(4, 3, speed_kmh=SPEED)
    h = hilly(net, plane_dem(0.06, -0.03))
    fwd, rev = expected_edge_s(net, 0.06, -0.03)
    np.testing.assert_allclose(h.edge_cost("time_s", direction="fwd"), fwd, rtol=1e-12)
    np.testing.assert_allclose(h.edge_cost("time_s", direction="rev"), rev, rtol=1e-12)
    # elevations are the plane's; lengths are untouched
    np.testing.assert_allclose(h.node_z_m, 100 + 0.06 * (net.x - X0) - 0.03 * (net.y - Y0), atol=1e-9)
    np.testing.assert_array_equal(h.edge_cost("length_m"), net.edge_length_m)
    assert {"factor_fwd", "factor_rev"} <= set(h.edges.columns) and "z_m" in h.nodes.columns
    # the profile: 10 pieces of 10 m per 100 m edge, rises summing to z(v) - z(u)
    assert np.all(np.diff(h.edge_profile.ptr) == 10)
    np.testing.assert_allclose(np.add.reduceat(h.edge_profile.rise_m, h.edge_profile.ptr[:-1]),
                               h.node_z_m[h.edge_v] - h.node_z_m[h.edge_u], atol=1e-9)


def test_plane_searches_uphill_downhill():
    """A -> B uphill and B -> A downhill along a row: nearest_facilities and cost_matrix, exact sums."""
    net = grid_network(5, 1, speed_kmh=SPEED)
    s = 0.08
    h = hilly(net, plane_dem(s))
    a, b = pts([(X0, Y0)]), pts([(X0 + 400, Y0)])
    up = 400 / (SPEED / 3.6 * tobler_factor(s)) / 60
    down = 400 / (SPEED / 3.6 * tobler_factor(-s)) / 60
    ab = nearest_facilities(h, a, b).minutes_1.iloc[0]
    ba = nearest_facilities(h, b, a).minutes_1.iloc[0]
    assert ab == pytest.approx(up, rel=1e-12) and ba == pytest.approx(down, rel=1e-12)
    assert ab > ba  # asymmetry
    cm = cost_matrix(h, pd.concat([a, b], ignore_index=True), pd.concat([a, b], ignore_index=True))
    assert cm.iloc[0, 1] == pytest.approx(up, rel=1e-12) and cm.iloc[1, 0] == pytest.approx(down, rel=1e-12)
    # metres ignore the hills; a speed override keeps them
    assert nearest_facilities(h, a, b, speed_kmh=2 * SPEED).minutes_1.iloc[0] == pytest.approx(up / 2, rel=1e-12)


def test_point_in_the_middle_of_an_edge_leaves_each_way_at_its_own_grade():
    net = grid_network(2, 1, speed_kmh=SPEED)  # one 100 m edge, u west, v east
    s = 0.1
    h = hilly(net, plane_dem(s))
    mid = pts([(X0 + 30, Y0)])
    west, east = pts([(X0, Y0)]), pts([(X0 + 100, Y0)])
    v = SPEED / 3.6
    assert nearest_facilities(h, mid, east).minutes_1.iloc[0] * 60 == pytest.approx(70 / (v * tobler_factor(s)))
    assert nearest_facilities(h, mid, west).minutes_1.iloc[0] * 60 == pytest.approx(30 / (v * tobler_factor(-s)))
    # a facility in the middle: reached from the west going uphill, from the east going downhill
    assert nearest_facilities(h, west, mid).minutes_1.iloc[0] * 60 == pytest.approx(30 / (v * tobler_factor(s)))
    assert nearest_facilities(h, east, mid).minutes_1.iloc[0] * 60 == pytest.approx(70 / (v * tobler_factor(-s)))
    # origin and facility on the same edge
    q = pts([(X0 + 80, Y0)])
    assert nearest_facilities(h, mid, q).minutes_1.iloc[0] * 60 == pytest.approx(50 / (v * tobler_factor(s)))
    assert nearest_facilities(h, q, mid).minutes_1.iloc[0] * 60 == pytest.approx(50 / (v * tobler_factor(-s)))


def test_isochrone_reaches_further_downhill():
    net = grid_network(21, 1, speed_kmh=SPEED)  # a 2 km straight street rising eastwards
    s = 0.1
    h = hilly(net, plane_dem(s, extent=2000))
    origin = pts([(X0 + 1000, Y0)])
    iso = isochrones(h, origin, minutes=5, street_width_m=1.0).geometry.iloc[0]
    v = SPEED / 3.6
    minx, _, maxx, _ = iso.bounds
    assert maxx - 1.0 == pytest.approx(X0 + 1000 + 300 * v * tobler_factor(s), abs=1e-6)
    assert minx + 1.0 == pytest.approx(X0 + 1000 - 300 * v * tobler_factor(-s), abs=1e-6)
    # towards a facility (service area): from the west one walks uphill to it, from the east downhill
    sa = service_areas(h, origin, minutes=5, street_width_m=1.0).geometry.iloc[0]
    minx, _, maxx, _ = sa.bounds
    assert minx + 1.0 == pytest.approx(X0 + 1000 - 300 * v * tobler_factor(s), abs=1e-6)
    assert maxx - 1.0 == pytest.approx(X0 + 1000 + 300 * v * tobler_factor(-s), abs=1e-6)
    # an origin in the middle of an edge: its own edge is cut per direction too
    mid = pts([(X0 + 1050, Y0)])
    minx, _, maxx, _ = isochrones(h, mid, minutes=5, street_width_m=1.0).geometry.iloc[0].bounds
    assert maxx - 1.0 == pytest.approx(X0 + 1050 + 300 * v * tobler_factor(s), abs=1e-6)
    assert minx + 1.0 == pytest.approx(X0 + 1050 - 300 * v * tobler_factor(-s), abs=1e-6)


# --------------------------------------------------------------------------- flat ground
def test_flat_dem_gives_todays_answers_exactly():
    net = grid_network(6, 5, speed_kmh=SPEED)
    h = hilly(net, plane_dem(0.0))
    assert (h.edge_factor_fwd == 1.0).all() and (h.edge_factor_rev == 1.0).all()
    rng = np.random.default_rng(3)
    homes = pts(np.c_[X0 + rng.uniform(0, 500, 25), Y0 + rng.uniform(0, 400, 25)])
    shops = pts(np.c_[X0 + rng.uniform(0, 500, 4), Y0 + rng.uniform(0, 400, 4)])
    for kw in ({}, {"speed_kmh": 3.0}):
        pd.testing.assert_frame_equal(nearest_facilities(h, homes, shops, k=2, **kw),
                                      nearest_facilities(net, homes, shops, k=2, **kw))
        pd.testing.assert_frame_equal(cost_matrix(h, homes, shops, **kw), cost_matrix(net, homes, shops, **kw))
    homes["pop"], shops["beds"] = 10.0, 5.0
    pd.testing.assert_frame_equal(two_step_fca(h, homes, shops, population_col="pop", capacity_col="beds", minutes=4),
                                  two_step_fca(net, homes, shops, population_col="pop", capacity_col="beds", minutes=4))
    sa_h, sa_f = service_areas(h, shops, minutes=3, street_width_m=5), service_areas(net, shops, minutes=3, street_width_m=5)
    assert sa_h.geometry.geom_equals_exact(sa_f.geometry, tolerance=0).all()
    a = isochrones(h, homes.iloc[:3], minutes=(2, 4), street_width_m=5)
    b = isochrones(net, homes.iloc[:3], minutes=(2, 4), street_width_m=5)
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))


# --------------------------------------------------------------------------- grade limit
def test_wheelchair_closes_steep_edges_both_ways():
    net = grid_network(3, 3, speed_kmh=SPEED)
    with pytest.warns(UrbangeoWarning, match="steeper than max_grade"):
        h = hilly(net, plane_dem(0.10, 0.02), profile="wheelchair")  # x-edges 10 % > 1:12, y-edges 2 %
    along_x = net.y[net.edge_u] == net.y[net.edge_v]
    assert (h.edge_factor_fwd[along_x] == 0).all() and (h.edge_factor_rev[along_x] == 0).all()
    _, rev = expected_edge_s(net, 0.10, 0.02)
    np.testing.assert_allclose(h.edge_cost("time_s", direction="rev")[~along_x], rev[~along_x], rtol=1e-12)
    a = pts([(X0, Y0)])
    same_column, next_column = pts([(X0, Y0 + 200)]), pts([(X0 + 100, Y0 + 200)])
    assert np.isfinite(nearest_facilities(h, a, same_column).minutes_1.iloc[0])
    assert np.isnan(nearest_facilities(h, a, next_column).minutes_1.iloc[0])
    # in metres the hill does not matter
    iso_h = isochrones(h, a, dist_m=250, street_width_m=5).geometry.iloc[0]
    assert iso_h.equals_exact(isochrones(net, a, dist_m=250, street_width_m=5).geometry.iloc[0], 0)
    assert pytest.approx(1 / 12) == WHEELCHAIR_MAX_GRADE


def test_wheelchair_penalty_and_gentle_slopes():
    net = grid_network(3, 1, speed_kmh=SPEED)
    dem = plane_dem(0.10)
    h = hilly(net, dem, profile="wheelchair", steep="penalty", steep_penalty=3.0)
    fwd, rev = expected_edge_s(net, 0.10)
    np.testing.assert_allclose(h.edge_cost("time_s", direction="fwd"), 3 * fwd, rtol=1e-12)
    np.testing.assert_allclose(h.edge_cost("time_s", direction="rev"), 3 * rev, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gentle = hilly(net, plane_dem(0.05), profile="wheelchair")  # 5 % < 1:12: open, Tobler times
    np.testing.assert_allclose(gentle.edge_factor_fwd, tobler_factor(0.05), rtol=1e-12)


# --------------------------------------------------------------------------- derived networks
def test_simplify_subnetwork_save_load_keep_the_hills(tmp_path):
    net = grid_network(6, 1, speed_kmh=SPEED)
    # a valley: down 10 % then up 4 %
    west, north = X0 - 300, Y0 + 300
    xc = west + 10 * (np.arange(120) + 0.5)
    z = np.where(xc < X0 + 200, 100 - 0.1 * (xc - X0), 80 + 0.04 * (xc - X0 - 200))
    dem = Raster(np.tile(z, (60, 1)), Affine(10, 0, west, 0, -10, north), "EPSG:32650")
    h = hilly(net, dem, max_grade=0.2)
    s = h.simplify()
    assert s.n_edges == 1
    t_fwd = h.edge_cost("time_s", direction="fwd").sum()
    t_rev = h.edge_cost("time_s", direction="rev").sum()
    assert s.edge_cost("time_s", direction="fwd")[0] == pytest.approx(t_fwd, rel=1e-12)
    assert s.edge_cost("time_s", direction="rev")[0] == pytest.approx(t_rev, rel=1e-12)
    # the merged profile gives the same factors again
    again = hill_times(s, max_grade=0.2)
    np.testing.assert_allclose(again.edge_factor_fwd, s.edge_factor_fwd, rtol=1e-12)
    # an impassable stretch is not merged with an open one
    with pytest.warns(UrbangeoWarning):
        closed = hilly(net, dem, max_grade=0.05)
    assert closed.simplify().n_edges == 2
    sub = h.subnetwork(np.arange(6) < 4)
    np.testing.assert_array_equal(sub.edge_factor_fwd, h.edge_factor_fwd[:3])
    assert sub.edge_profile.n_edges == 3 and len(sub.node_z_m) == 4
    back = Network.load(h.save(tmp_path / "h.npz"))
    for nm in ("edge_factor_fwd", "edge_factor_rev", "node_z_m"):
        np.testing.assert_array_equal(getattr(back, nm), getattr(h, nm))
    np.testing.assert_array_equal(back.edge_profile.rise_m, h.edge_profile.rise_m)


def test_inputs_not_mutated_and_reprojected_dem():
    net = grid_network(3, 2, speed_kmh=SPEED)
    before = (net.x.copy(), net.edge_length_m.copy())
    dem = plane_dem(0.05)
    h = hilly(net, dem)
    assert net.node_z_m is None and net.edge_factor_fwd is None and net.edge_profile is None
    np.testing.assert_array_equal(net.x, before[0])
    # the same plane in a DEM of another CRS (UTM 49N, the neighbouring zone): same elevations within 5 cm
    from urbangeo.raster import reproject_raster

    other = reproject_raster(dem, crs="EPSG:32649", resolution_m=10.0)
    h2 = add_elevation(net, other)
    np.testing.assert_allclose(h2.node_z_m, h.node_z_m, atol=0.05)


# --------------------------------------------------------------------------- bad input
def test_bad_input():
    net = grid_network(3, 2, speed_kmh=SPEED)
    dem = plane_dem(0.05)
    with pytest.raises(InvalidOptionError, match="sample_m"):
        add_elevation(net, dem, sample_m=-1)
    with pytest.raises(InvalidOptionError, match="`dem`"):
        add_elevation(net, dem.array)
    far = grid_network(3, 2, origin_xy=(600_000.0, 2_500_000.0))
    with pytest.raises(RasterError, match="does not cover the network"):
        add_elevation(far, dem)
    holes = dem.array.copy()
    holes[:, 30:32] = np.nan  # x = X0 + 5 .. X0 + 15: under the first edges
    with pytest.raises(RasterError, match="no data"):
        add_elevation(net, dem.with_array(holes))
    local = dataclasses.replace(dem, crs='LOCAL_CS["local",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]')
    with pytest.raises(CRSError, match="`dem`"):
        add_elevation(net, local)
    with pytest.raises(InvalidOptionError, match="add_elevation"):
        hill_times(net)
    h = add_elevation(net, dem)
    with pytest.raises(InvalidOptionError, match="profile"):
        hill_times(h, profile="bike")
    with pytest.raises(InvalidOptionError, match="max_grade"):
        hill_times(h, max_grade=0)
    with pytest.raises(InvalidOptionError, match="steep"):
        hill_times(h, steep="forbid")
    drive = add_elevation(grid_network(3, 2, mode="drive"), dem)
    with pytest.raises(InvalidOptionError, match="walk"):
        hill_times(drive)


def test_dem_file_without_crs(tmp_path):
    import rasterio

    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       transform=Affine(10, 0, 0, 0, -10, 40)) as dst:
        dst.write(np.ones((1, 4, 4), "float32"))
    from urbangeo.errors import GeoreferenceError

    with pytest.raises(GeoreferenceError):
        add_elevation(grid_network(2, 1), path)


# --------------------------------------------------------------------------- real DEM
def _bilinear_reference(arr, transform, x, y):
    """Independent bilinear sampling: scipy.ndimage.map_coordinates between cell centres."""
    from scipy.ndimage import map_coordinates

    col = (np.asarray(x) - transform.c) / transform.a - 0.5
    row = (np.asarray(y) - transform.f) / transform.e - 0.5
    return map_coordinates(arr, [row, col], order=1, mode="nearest")


def test_prague_dtm_real_streets(shared_data):
    """Prague-Bubenec: real streets on the real 1 m DTM, against a per-edge reference loop."""
    import rasterio
    from pyproj import Transformer

    from urbangeo.accessibility import network_from_lines
    from urbangeo.io import read_raster

    gpkg = shared_data("vector/prague_bubenec.gpkg")
    streets = gpd.read_file(gpkg, layer="streets")
    net = network_from_lines(streets, speed_kmh=SPEED)
    # the GeoPackage stores the DTM's CRS as a local CRS named S-JTSK_Krovak_East_North (no datum);
    # its coordinates are EPSG:5514
    dem = read_raster(f"GPKG:{gpkg}:dtm", categorical=False)
    with pytest.raises(CRSError, match="EPSG:5514"):
        add_elevation(net, dem)
    dem = dataclasses.replace(dem, crs="EPSG:5514")
    h = hill_times(add_elevation(net, dem, sample_m=5.0))
    # node elevations: the bilinear reference, and rasterio's nearest-cell sample within the cell's relief
    tr = Transformer.from_crs(net.crs, "EPSG:5514", always_xy=True)
    nx, ny = tr.transform(net.x, net.y)
    np.testing.assert_allclose(h.node_z_m, _bilinear_reference(dem.array, dem.transform, nx, ny), atol=1e-6)
    with rasterio.open(f"GPKG:{gpkg}:dtm") as src:
        nearest = np.array([v[0] for v in src.sample(zip(nx, ny))], float)
    assert np.abs(h.node_z_m - nearest).max() < 1.0
    assert h.node_z_m.min() > 185 and h.node_z_m.max() < 225
    # per-edge reference: points every <= 5 m, Tobler time summed piece by piece, both ways
    v = SPEED / 3.6
    for e in range(net.n_edges):
        g = net.edge_geometry[e]
        k = max(int(np.ceil(g.length / 5.0)), 1)
        p = [g.interpolate(i / k, normalized=True) for i in range(k + 1)]
        px, py = tr.transform([q.x for q in p], [q.y for q in p])
        z = _bilinear_reference(dem.array, dem.transform, px, py)
        z[0], z[-1] = h.node_z_m[net.edge_u[e]], h.node_z_m[net.edge_v[e]]
        piece = net.edge_length_m[e] / k
        up = sum(piece / (v * np.exp(-3.5 * abs(dz / piece + 0.05)) / np.exp(-0.175)) for dz in np.diff(z))
        down = sum(piece / (v * np.exp(-3.5 * abs(-dz / piece + 0.05)) / np.exp(-0.175)) for dz in np.diff(z))
        assert h.edge_cost("time_s", direction="fwd")[e] == pytest.approx(up, rel=1e-9)
        assert h.edge_cost("time_s", direction="rev")[e] == pytest.approx(down, rel=1e-9)
    # plausibility: streets of a 35 m-relief district, no street steeper than 15 %
    grade = h.edge_profile.rise_m / h.edge_profile.length_m
    assert 0.02 < np.abs(grade).max() < 0.15
    # a walk across the district: the hill adds time one way and saves some the other way
    lo, hi = int(np.argmin(h.node_z_m)), int(np.argmax(h.node_z_m))
    a, b = pts([(net.x[lo], net.y[lo])], net.crs), pts([(net.x[hi], net.y[hi])], net.crs)
    flat = nearest_facilities(net, a, b).minutes_1.iloc[0]
    up_t, down_t = nearest_facilities(h, a, b).minutes_1.iloc[0], nearest_facilities(h, b, a).minutes_1.iloc[0]
    assert down_t < flat < up_t < 1.5 * flat
