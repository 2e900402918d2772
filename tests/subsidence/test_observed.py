"""Observed subsidence: InSAR conventions, DEM differencing, levelling points (real Nansha data)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely import Point

from urbangeo.errors import GeometryTypeError, GeoreferenceError, InvalidOptionError, MissingColumnError, RasterError
from urbangeo.subsidence import Raster, dem_difference, insar_to_subsidence, read_raster, subsidence_from_points
from urbangeo.testing import assert_not_mutated

CRS = "EPSG:4548"
T = Affine(30, 0, 500000, 0, -30, 3600000)


def test_mintpy_and_licsbas_agree():
    los_m = np.array([[-0.020, 0.005], [np.nan, -0.1]])  # MintPy: towards the satellite positive
    mint = insar_to_subsidence(Raster(los_m, T, CRS), convention="mintpy", incidence_deg=39.0)
    lics = insar_to_subsidence(Raster(los_m * 1000, T, CRS), convention="licsbas", incidence_deg=39.0)
    np.testing.assert_allclose(mint.array, lics.array, equal_nan=True)
    np.testing.assert_allclose(mint.array, -los_m / np.cos(np.radians(39.0)), equal_nan=True)
    assert mint.units == "m/yr" and mint.array[0, 0] > 0  # moving away = subsidence positive
    cum = insar_to_subsidence(Raster(los_m, T, CRS), convention="mintpy", kind="cumulative")
    assert cum.units == "m" and cum.array[0, 0] == pytest.approx(0.02)


def test_incidence_raster_and_coherence_mask():
    v = Raster(np.full((2, 2), -10.0), T, CRS)
    inc = v.with_array(np.array([[0.0, 60.0], [30.0, 45.0]]))
    coh = v.with_array(np.array([[0.9, 0.2], [0.8, 0.7]]))
    out = insar_to_subsidence(v, convention="licsbas", incidence_deg=inc, coherence=coh, min_coherence=0.7)
    assert out.array[0, 0] == pytest.approx(0.01)
    assert np.isnan(out.array[0, 1])
    assert out.array[1, 0] == pytest.approx(0.01 / np.cos(np.radians(30)))


def test_insar_geotiff_geographic_is_reprojected(tmp_path):
    r = Raster(np.full((20, 20), -0.01), Affine(0.0003, 0, 117.0, 0, -0.0003, 32.6), "EPSG:4326")
    path = r.to_geotiff(tmp_path / "vel.tif")
    out = insar_to_subsidence(path, convention="mintpy")
    assert out.crs.to_epsg() == 4548
    assert np.nanmax(out.array) == pytest.approx(0.01)


def test_insar_errors(tmp_path):
    v = Raster(np.zeros((2, 2)), T, CRS)
    with pytest.raises(InvalidOptionError, match="convention"):
        insar_to_subsidence(v, convention="gamma")
    with pytest.raises(InvalidOptionError):
        insar_to_subsidence(v, convention="mintpy", incidence_deg=95)
    with pytest.raises(RasterError):
        insar_to_subsidence(v, convention="mintpy", coherence=Raster(np.zeros((3, 3)), T, CRS))
    import warnings

    import rasterio

    bad = tmp_path / "nogeo.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(bad, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32") as dst:
            dst.write(np.zeros((1, 2, 2), dtype="float32"))
    with pytest.raises(GeoreferenceError):
        insar_to_subsidence(bad, convention="mintpy")
    with pytest.raises(TypeError):
        insar_to_subsidence(np.zeros((2, 2)), convention="mintpy")


def test_dem_difference_aligns_grids():
    # plane z = 10 + 0.01 x - 0.02 y (map coords); post = plane - 1.5 on a shifted, coarser grid
    t_pre = Affine(10, 0, 500000, 0, -10, 3600000)
    x = 500000 + 10 * (np.arange(40) + 0.5)
    y = 3600000 - 10 * (np.arange(30) + 0.5)
    X, Y = np.meshgrid(x, y)
    pre = Raster(10 + 0.01 * (X - 500000) - 0.02 * (Y - 3600000), t_pre, CRS)
    t_post = Affine(15, 0, 499990, 0, -15, 3600010)
    xp = 499990 + 15 * (np.arange(30) + 0.5)
    yp = 3600010 - 15 * (np.arange(24) + 0.5)
    Xp, Yp = np.meshgrid(xp, yp)
    post = Raster(10 + 0.01 * (Xp - 500000) - 0.02 * (Yp - 3600000) - 1.5, t_post, CRS)
    with assert_not_mutated(pre.array, post.array):
        d = dem_difference(pre, post)
    assert d.same_grid(pre)
    inner = d.array[2:-2, 2:-2]
    assert np.isfinite(inner).all()
    np.testing.assert_allclose(inner, 1.5, atol=1e-6)  # bilinear is exact on a plane


def test_points_linear_field_reproduced_and_masked():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1000, size=(200, 2)) + [500000, 3600000]
    val = 5 + 0.01 * (xy[:, 0] - 500000) + 0.02 * (xy[:, 1] - 3600000)  # mm
    pts = gpd.GeoDataFrame({"s_mm": val}, geometry=[Point(p) for p in xy], crs=CRS)
    with assert_not_mutated(pts):
        r = subsidence_from_points(pts, value_col="s_mm", units="mm", resolution_m=50)
    x, y = r.xy()
    X, Y = np.meshgrid(x, y)
    expect = (5 + 0.01 * (X - 500000) + 0.02 * (Y - 3600000)) / 1000
    ok = np.isfinite(r.array)
    np.testing.assert_allclose(r.array[ok], expect[ok], atol=1e-11)
    # cells outside the convex hull are NaN
    from shapely import MultiPoint, points

    hull = MultiPoint([tuple(p) for p in xy]).convex_hull
    inside = hull.contains(points(X.ravel(), Y.ravel())).reshape(X.shape)
    assert (ok == inside).mean() > 0.99 and not ok[~inside].any()
    rbf = subsidence_from_points(pts, value_col="s_mm", units="mm", resolution_m=50, method="rbf")
    np.testing.assert_allclose(rbf.array[ok], expect[ok], atol=1e-6)


def test_points_errors():
    pts = gpd.GeoDataFrame({"s": [1.0, 2.0, np.nan]}, geometry=[Point(0, 0), Point(1, 0), Point(0, 1)], crs=CRS)
    with pytest.raises(InvalidOptionError, match="missing"):
        subsidence_from_points(pts, value_col="s")
    with pytest.raises(MissingColumnError):
        subsidence_from_points(pts, value_col="w")
    with pytest.raises(InvalidOptionError, match="max_distance_m"):
        subsidence_from_points(pts.fillna(0), value_col="s", mask="distance")
    with pytest.raises(GeometryTypeError):
        subsidence_from_points(pts.set_geometry(pts.buffer(1)), value_col="s")


def test_nansha_levelling_points(shared_data):
    df = pd.read_csv(shared_data("subsidence/nansha_2000.csv"))
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs=4326)
    r = subsidence_from_points(pts, value_col="subsidence", units="mm", resolution_m=500,
                               mask="both", max_distance_m=3000)
    assert r.crs.to_epsg() == 4547  # CGCS2000 GK zone 114E (Guangzhou Nansha)
    ok = np.isfinite(r.array)
    assert 0.3 < ok.mean() < 1.0
    # linear interpolation never leaves the range of the data (converted to metres)
    assert np.nanmin(r.array) >= df.subsidence.min() / 1000 - 1e-12
    assert np.nanmax(r.array) <= df.subsidence.max() / 1000 + 1e-12
    # reference: plain scipy nearest neighbour on the (duplicate-averaged) points at the cell centres
    from scipy.spatial import cKDTree

    near = subsidence_from_points(pts, value_col="subsidence", units="mm", resolution_m=500, method="nearest")
    g = pts.to_crs(near.crs)
    tab = pd.DataFrame({"x": g.geometry.x.round(3), "y": g.geometry.y.round(3), "v": df.subsidence})
    tab = tab.groupby(["x", "y"], as_index=False)["v"].mean()
    x, y = near.xy()
    X, Y = np.meshgrid(x, y)
    _, idx = cKDTree(tab[["x", "y"]].to_numpy()).query(np.column_stack([X.ravel(), Y.ravel()]))
    ref = tab["v"].to_numpy()[idx].reshape(X.shape) / 1000
    okn = np.isfinite(near.array)
    assert okn.mean() > 0.3
    np.testing.assert_allclose(near.array[okn], ref[okn], atol=1e-12)


def test_read_raster_real_dem(shared_data):
    r = read_raster(shared_data("raster/minnesota_dem_1m.tif"))
    assert r.shape == (400, 400) and r.crs.to_epsg() == 26915
    assert np.isfinite(r.array).mean() > 0.9


def test_zhongshan_points_distance_mask(shared_data):
    df = pd.read_csv(shared_data("subsidence/zhongshan_2000.csv"), encoding="utf-8-sig")
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs=4326)
    lin = subsidence_from_points(pts, value_col="subsidence", units="mm", resolution_m=500, mask="distance",
                                 max_distance_m=1000)
    # every kept cell centre lies within 1 km of a point (plain shapely check on a sample)
    x, y = lin.xy()
    X, Y = np.meshgrid(x, y)
    keep = np.isfinite(lin.array)
    g = pts.to_crs(lin.crs)
    from shapely import MultiPoint, points

    mp = MultiPoint(list(zip(g.geometry.x, g.geometry.y)))
    sample = np.flatnonzero(keep.ravel())[::50]
    d = np.array([mp.distance(p) for p in points(X.ravel()[sample], Y.ravel()[sample])])
    assert (d <= 1000 + 1e-6).all()
    assert np.nanmax(lin.array) <= df.subsidence.max() / 1000 + 1e-12


# ------------------------------------------------------------------ the argument named, resolution checked


def _tif_without_crs(path):
    import rasterio

    with rasterio.open(path, "w", driver="GTiff", dtype="float64", count=1, height=2, width=2, transform=T) as dst:
        dst.write(np.zeros((1, 2, 2)))
    return path


def test_file_without_crs_names_the_argument(tmp_path):
    bad = _tif_without_crs(tmp_path / "no_crs.tif")
    good = Raster(np.zeros((2, 2)), T, CRS).to_geotiff(tmp_path / "ok.tif")
    # one reader (urbangeo.io.read_raster): its message names the argument and the file
    with pytest.raises(GeoreferenceError, match=r"^`source '.*no_crs.tif'` has no CRS"):
        read_raster(bad)
    with pytest.raises(GeoreferenceError, match=r"^`source` has no CRS"):
        insar_to_subsidence(bad, convention="mintpy")
    with pytest.raises(GeoreferenceError, match=r"^`post` has no CRS"):
        dem_difference(good, bad)
    with pytest.raises(GeoreferenceError, match=r"^`pre` has no CRS"):
        dem_difference(bad, good)


@pytest.mark.parametrize("resolution_m", [0, -20.0, float("nan")])
def test_resolution_must_be_positive(resolution_m):
    from urbangeo.subsidence import reproject_raster

    r = Raster(np.ones((3, 3)), T, CRS)
    for call in (lambda: reproject_raster(r, crs="EPSG:32650", resolution_m=resolution_m),
                 lambda: insar_to_subsidence(r, convention="subsidence_m", resolution_m=resolution_m),
                 lambda: dem_difference(r, r, resolution_m=resolution_m)):
        with pytest.raises(InvalidOptionError, match="`resolution_m` must be"):
            call()
    assert reproject_raster(r, crs="EPSG:32650", resolution_m=15.0).res == (15.0, 15.0)
