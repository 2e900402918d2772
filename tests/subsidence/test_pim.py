"""PIM prediction: closed forms of the domain notes, invariants, grid route, errors."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from scipy.special import erf
from shapely import Polygon, affinity, box

from urbangeo.errors import (
    CRSError,
    CRSMismatchError,
    GeometryTypeError,
    InvalidOptionError,
)
from urbangeo.subsidence import Raster, panel_parameters, predict_deformation, predict_subsidence
from urbangeo.subsidence import _kernels as K
from urbangeo.testing import assert_not_mutated

W0, R = 2.4, 200.0  # m = 3, q = 0.8, H = 400, tan_beta = 2
BASE = {"m": 3.0, "q": 0.8, "H": 400.0, "tan_beta": 2.0, "b": 0.3}
CRS = "EPSG:4547"


def panels(*geoms, **cols):
    data = {k: [v] * len(geoms) for k, v in {**BASE, **cols}.items()}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=CRS)


def value_at(r: Raster, x: float, y: float) -> float:
    c, row = (x - r.transform.c) / r.transform.a, (y - r.transform.f) / r.transform.e
    return float(r.array[int(math.floor(row)), int(math.floor(c))])


# ------------------------------------------------------------------ closed forms (kernels)

INF = 1e9


def test_semi_infinite_panel_checks():
    x = np.array([0.0])
    assert K.section(x, INF, R)[0] * W0 == pytest.approx(W0 / 2, abs=1e-12)
    xs = np.linspace(0, 3 * R, 31)
    np.testing.assert_allclose(W0 * K.section(xs, INF, R) + W0 * K.section(-xs, INF, R), W0, atol=1e-12)
    assert W0 * K.section(np.array([-R]), INF, R)[0] / W0 == pytest.approx(0.0061, abs=5e-5)


def test_maxima_of_tilt_curvature_strain_displacement():
    b = 0.3
    x = np.linspace(-2 * R, 2 * R, 400001)
    tilt = W0 * K.section_d1(x, INF, R)
    curv = W0 * K.section_d2(x, INF, R)
    assert tilt.max() == pytest.approx(W0 / R, rel=1e-9)
    assert x[tilt.argmax()] == pytest.approx(0.0, abs=1e-3)
    assert np.abs(curv).max() == pytest.approx(1.5203 * W0 / R**2, rel=1e-4)
    assert abs(x[np.abs(curv).argmax()]) == pytest.approx(0.399 * R, abs=0.001 * R)
    assert (b * R * tilt).max() == pytest.approx(b * W0, rel=1e-9)
    assert np.abs(b * R * curv).max() == pytest.approx(1.52 * b * W0 / R, rel=2e-3)


@pytest.mark.parametrize(("d_over_r", "factor"), [(1.0, 0.7899), (2.0, 0.9878), (2.8, 0.99955)])
def test_centre_factors(d_over_r, factor):
    d = d_over_r * R
    assert K.section(np.array([d / 2]), d, R)[0] == pytest.approx(factor, abs=6e-5)
    assert erf(math.sqrt(math.pi) * d / (2 * R)) == pytest.approx(factor, abs=6e-5)


# ------------------------------------------------------------------ worked numbers on the grid

CENTRED = {"resolution_m": 5.0}


def test_worked_numbers_200x1500():
    p = panels(box(0, 0, 200, 1500))
    w = predict_subsidence(p, extent=(-502.5, -502.5, 702.5, 2002.5), **CENTRED)
    assert value_at(w, 100, 750) == pytest.approx(1.8958, abs=1e-4)
    assert np.nanmax(w.array) == pytest.approx(1.8958, abs=1e-4)
    wa = predict_subsidence(p, resolution_m=5.0)
    assert wa.array.sum() * wa.cell_area_m2 == pytest.approx(7.20e5, rel=1e-6)


def test_worked_numbers_1000_and_300():
    w = predict_subsidence(panels(box(0, 0, 1000, 1000)), extent=(-502.5, -502.5, 1502.5, 1502.5), **CENTRED)
    assert value_at(w, 500, 500) == pytest.approx(2.4000, abs=1e-4)
    assert w.array.sum() * w.cell_area_m2 == pytest.approx(2.40e6, rel=1e-6)
    w3 = predict_subsidence(panels(box(0, 0, 300, 300)), extent=(-502.5, -502.5, 802.5, 802.5), **CENTRED)
    assert value_at(w3, 150, 150) == pytest.approx(2.1201, abs=1e-4)


def test_inflection_point_of_wide_panel():
    # edge of a 4000 m wide square panel: W0/2 at the edge, midway along it
    w = predict_subsidence(panels(box(0, 0, 4000, 4000)), extent=(-502.5, 1497.5, 502.5, 2502.5), **CENTRED)
    assert value_at(w, 0.0, 2000.0) == pytest.approx(W0 / 2, abs=1e-6)
    for x in (50.0, 100.0, 200.0):
        assert value_at(w, x, 2000) + value_at(w, -x, 2000) == pytest.approx(W0, abs=1e-6)


def test_deformation_maxima_on_grid():
    p = panels(box(0, 0, 4000, 4000))
    d = predict_deformation(p, quantities=("tilt_max", "curvature_max", "strain_max", "displacement_max", "tilt_x"),
                            extent=(-602.5, 1497.5, 602.5, 2502.5), resolution_m=1.0)
    assert np.nanmax(d["tilt_max"].array) == pytest.approx(W0 / R, rel=1e-4)
    assert np.nanmax(np.abs(d["curvature_max"].array)) == pytest.approx(1.5203 * W0 / R**2, rel=1e-3)
    assert np.nanmax(np.abs(d["strain_max"].array)) == pytest.approx(1.52 * 0.3 * W0 / R, rel=2e-3)
    assert np.nanmax(d["displacement_max"].array) == pytest.approx(0.3 * W0, rel=1e-4)
    # W positive down rises towards the panel (east): tilt_x positive at the west edge
    assert value_at(d["tilt_x"], 0.2, 2000) == pytest.approx(W0 / R, rel=1e-4)
    assert d["tilt_max"].units == "m/m" and d["curvature_max"].units == "1/m"


# ------------------------------------------------------------------ invariants

L_SHAPE = Polygon([(0, 0), (900, 0), (900, 300), (400, 300), (400, 1000), (0, 1000)])


@pytest.mark.parametrize("geom", [L_SHAPE, affinity.rotate(box(0, 0, 1000, 1000), 27, origin=(0, 0)),
                                  box(0, 0, 1000, 1000).difference(box(400, 400, 600, 600))])
def test_volume_equals_w0_times_computational_area(geom):
    w = predict_subsidence(panels(geom), resolution_m=10.0)
    assert w.array.sum() * w.cell_area_m2 == pytest.approx(W0 * geom.area, rel=2e-4)
    # with an inflection offset s the computational panel shrinks by s on every side
    ws = predict_subsidence(panels(box(0, 0, 1000, 1000), s=30.0), resolution_m=10.0)
    assert ws.array.sum() * ws.cell_area_m2 == pytest.approx(W0 * 940 * 940, rel=1e-6)


@pytest.mark.parametrize("angle", [0.0, 30.0])
def test_grid_route_matches_closed_form_within_1mm(angle):
    geom = affinity.rotate(box(0, 0, 200, 1500), angle, origin=(0, 0))
    p = panels(geom)
    ext = (-1300, -600, 800, 2100)
    a = predict_subsidence(p, resolution_m=5.0, extent=ext, method="closed_form")
    g = predict_subsidence(p, resolution_m=5.0, extent=ext, method="grid")
    assert a.same_grid(g)
    assert np.abs(a.array - g.array).max() < 1e-3


def test_rotation_invariance_of_closed_form():
    # the 300 x 300 panel rotated by 90 degrees about its centre gives the same surface
    p = panels(box(0, 0, 300, 300))
    q = panels(affinity.rotate(box(0, 0, 300, 300), 90, origin=(150, 150)))
    ext = (-600, -600, 900, 900)
    np.testing.assert_allclose(predict_subsidence(p, extent=ext).array, predict_subsidence(q, extent=ext).array,
                               atol=1e-9)


def test_superposition_of_panels_and_seams():
    a = box(0, 0, 200, 1500)
    b = box(400, 0, 600, 1500)
    ext = (-800, -800, 1400, 2300)
    both = gpd.GeoDataFrame({"m": [3.0, 2.0], "H": [400.0, 600.0], "q": 0.8, "tan_beta": 2.0},
                            geometry=[a, b], crs=CRS)
    w = predict_subsidence(both, extent=ext)
    w1 = predict_subsidence(both.iloc[[0]], extent=ext)
    w2 = predict_subsidence(both.iloc[[1]], extent=ext)
    np.testing.assert_allclose(w.array, w1.array + w2.array, atol=1e-12)
    # two seams stacked under the same panel
    seams = gpd.GeoDataFrame({"m": [2.0, 1.0], "H": [400.0, 400.0], "q": 0.8}, geometry=[a, a], crs=CRS)
    single = gpd.GeoDataFrame({"m": [3.0], "H": [400.0], "q": 0.8}, geometry=[a], crs=CRS)
    np.testing.assert_allclose(predict_subsidence(seams, extent=ext).array,
                               predict_subsidence(single, extent=ext).array, atol=1e-12)


def test_dipping_seam_volume_and_shift():
    alpha, theta0 = 15.0, 80.0
    p = panels(box(0, 0, 800, 600), alpha=alpha, theta0=theta0, dip_azimuth_deg=90.0)
    w = predict_subsidence(p, resolution_m=10.0, extent=(-1500, -1000, 2500, 1600))
    t = panel_parameters(p)
    w0 = float(t.W0.iloc[0])
    assert w0 == pytest.approx(3 * 0.8 * math.cos(math.radians(alpha)))
    # dip axis is x (east): L = D1 sin(theta0 + alpha) / sin(theta0), D1 = 800 / cos(alpha)
    big_l = 800 / math.cos(math.radians(alpha)) * math.sin(math.radians(theta0 + alpha)) / math.sin(math.radians(theta0))
    assert w.array.sum() * w.cell_area_m2 == pytest.approx(w0 * 600 * big_l, rel=1e-4)
    # the basin moves down-dip (east) compared with a flat seam
    x, _ = w.xy()
    flat = predict_subsidence(panels(box(0, 0, 800, 600)), resolution_m=10.0, extent=(-1500, -1000, 2500, 1600))
    cx = (w.array.sum(axis=0) * x).sum() / w.array.sum()
    cx_flat = (flat.array.sum(axis=0) * x).sum() / flat.array.sum()
    assert cx > cx_flat + 10


def test_geographic_panels_go_to_metric_crs():
    p = panels(box(500000, 3610000, 500300, 3610300)).set_crs("EPSG:4548", allow_override=True).to_crs(4326)
    w = predict_subsidence(p, resolution_m=20.0)
    assert w.crs.to_epsg() == 4548  # CGCS2000 GK zone 117E (Huainan)
    assert w.array.sum() * w.cell_area_m2 == pytest.approx(W0 * 300 * 300, rel=2e-3)


def test_like_grid_and_geotiff_roundtrip(tmp_path):
    from urbangeo.subsidence import read_raster

    like = Raster(np.zeros((50, 60)), Affine(10, 0, -200, 0, -10, 400), CRS)
    w = predict_subsidence(panels(box(0, 0, 300, 300)), like=like)
    assert w.same_grid(like)
    path = w.to_geotiff(tmp_path / "w.tif")
    back = read_raster(path)
    np.testing.assert_allclose(back.array, w.array)
    assert back.crs.equals(w.crs) and back.units == "m"


def test_inputs_not_mutated():
    p = panels(box(0, 0, 300, 300), L_SHAPE)
    with assert_not_mutated(p):
        predict_deformation(p, quantities=("subsidence", "strain_max"), resolution_m=20.0)


# ------------------------------------------------------------------ errors


def test_errors():
    with pytest.raises(InvalidOptionError, match="'m' is missing"):
        predict_subsidence(gpd.GeoDataFrame({"H": [400.0]}, geometry=[box(0, 0, 1, 1)], crs=CRS))
    with pytest.raises(InvalidOptionError, match="'q' out of range"):
        predict_subsidence(panels(box(0, 0, 300, 300), q=-1.0))
    with pytest.raises(InvalidOptionError, match="dip_azimuth_deg"):
        predict_subsidence(panels(box(0, 0, 300, 300), alpha=10.0))
    with pytest.raises(InvalidOptionError, match="vanishes"):
        predict_subsidence(panels(box(0, 0, 50, 50), s=30.0))
    with pytest.raises(InvalidOptionError, match="not a rectangle"):
        predict_subsidence(panels(L_SHAPE), method="closed_form")
    with pytest.raises(InvalidOptionError, match="method"):
        predict_subsidence(panels(L_SHAPE), method="fft")
    with pytest.raises(InvalidOptionError, match="quantities"):
        predict_deformation(panels(L_SHAPE), quantities=("tilt",))
    with pytest.raises(InvalidOptionError, match="unknown keys"):
        predict_subsidence(panels(L_SHAPE), params={"depth": 3})
    with pytest.raises(GeometryTypeError):
        predict_subsidence(gpd.GeoDataFrame(BASE | {}, index=[0], geometry=[box(0, 0, 1, 1).exterior], crs=CRS))
    with pytest.raises(CRSError):
        predict_subsidence(gpd.GeoDataFrame({"m": [3.0], "H": [400.0]}, geometry=[box(0, 0, 300, 300)]))
    like = Raster(np.zeros((5, 5)), Affine(10, 0, 0, 0, -10, 50), "EPSG:32650")
    with pytest.raises(CRSMismatchError):
        predict_subsidence(panels(box(0, 0, 300, 300)), like=like)
    with pytest.raises(TypeError):
        predict_subsidence(box(0, 0, 1, 1))


def test_signs_of_curvature_and_strain():
    # outside the panel edge the ground is convex and in tension (positive), over the goaf concave (negative)
    d = predict_deformation(panels(box(0, 0, 4000, 4000)), quantities=("curvature_x", "strain_x"),
                            extent=(-602.5, 1497.5, 602.5, 2502.5), resolution_m=5.0)
    assert value_at(d["curvature_x"], -0.399 * R, 2000) > 0 > value_at(d["curvature_x"], 0.399 * R, 2000)
    assert value_at(d["strain_x"], -0.399 * R, 2000) == pytest.approx(
        0.3 * R * value_at(d["curvature_x"], -0.399 * R, 2000))


@pytest.mark.parametrize("seed", range(6))
def test_volume_invariant_random_polygons(seed):
    """Property: for random polygons (convex hulls of random points, rotated) volume = W0 x area."""
    from shapely import MultiPoint

    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 1200, size=(rng.integers(4, 12), 2))
    geom = affinity.rotate(MultiPoint([tuple(p) for p in pts]).convex_hull, rng.uniform(0, 180))
    if geom.area < 1e4:
        geom = geom.buffer(80)
    w = predict_subsidence(panels(geom), resolution_m=10.0)
    assert w.array.sum() * w.cell_area_m2 == pytest.approx(W0 * geom.area, rel=5e-4)


def test_raster_contract(tmp_path):
    from urbangeo.errors import GeoreferenceError, RasterError

    with pytest.raises(GeoreferenceError):
        Raster(np.zeros((2, 2)), Affine(10, 0, 0, 0, -10, 20), None)
    with pytest.raises(GeoreferenceError):
        Raster(np.zeros((2, 2)), Affine.identity(), CRS)
    with pytest.raises(RasterError):
        Raster(np.zeros(4), Affine(10, 0, 0, 0, -10, 20), CRS)
    r = Raster(np.ma.masked_array([[1.0, 2.0]], mask=[[False, True]]), Affine(10, 0, 0, 0, -10, 10), CRS)
    assert np.isnan(r.array[0, 1])
    prof = r.profile
    assert prof["width"] == 2 and prof["height"] == 1 and prof["count"] == 1 and np.isnan(prof["nodata"])
    import rasterio

    with rasterio.open(r.to_geotiff(tmp_path / "r.tif")) as src:
        assert src.crs.to_epsg() == 4547 and src.transform == r.transform and src.read(1, masked=True).mask[0, 1]


# ------------------------------------------------------------------ followable errors, quiet rasters

BOWTIE = Polygon([(0, 0), (300, 300), (300, 0), (0, 300)])  # self-intersecting


@pytest.mark.parametrize("func", [predict_subsidence, predict_deformation])
def test_on_invalid_advice_is_executable(func):
    from urbangeo.errors import GeometryFixedWarning, InvalidGeometryError

    p = panels(BOWTIE)
    with pytest.raises(InvalidGeometryError, match="on_invalid='fix'"):
        func(p, resolution_m=20.0, on_invalid="raise")
    with assert_not_mutated(p), pytest.warns(GeometryFixedWarning, match="repaired 1"):
        out = func(p, resolution_m=20.0, on_invalid="fix")
    w = out if isinstance(out, Raster) else out["subsidence"]
    assert np.nanmax(w.array) > 0
    with pytest.raises(InvalidOptionError, match="on_invalid"):
        func(p, resolution_m=20.0, on_invalid="repair")
    with pytest.raises(TypeError):  # keyword-only
        func(p, 20.0)


def test_raster_without_transform_or_with_bad_crs_says_what_to_do():
    from urbangeo.errors import CRSError, GeoreferenceError

    with pytest.raises(GeoreferenceError, match=r"`transform` is None.*Affine\("):
        Raster(np.zeros((2, 2)), None, CRS)
    with pytest.raises(GeoreferenceError, match="`transform`"):
        Raster(np.zeros((2, 2)), "north-up", CRS)
    with pytest.raises(CRSError, match=r"`crs`.*EPSG:999999.*EPSG:4547") as e:
        Raster(np.zeros((2, 2)), Affine(10, 0, 0, 0, -10, 20), "EPSG:999999")
    assert isinstance(e.value, ValueError)


def test_raster_repr_does_not_print_the_array():
    r = Raster(np.arange(200 * 300, dtype=float).reshape(200, 300), Affine(10, 0, 500000, 0, -10, 3500000), CRS,
               name="subsidence", units="m")
    text = repr(r)
    assert "array(" not in text and "59999" not in text and len(text) < 400
    for part in ("subsidence", "200 x 300", "float64", "EPSG:4547", "10", "500000", "nodata=nan"):
        assert part in text, part


def test_geotiff_is_deflate_compressed_and_float32_when_lossless(tmp_path):
    import rasterio
    from rasterio.enums import Compression

    w = predict_subsidence(panels(box(0, 0, 300, 300)), resolution_m=20.0)
    path = w.to_geotiff(tmp_path / "w.tif")
    with rasterio.open(path) as src:
        assert src.compression == Compression.deflate
        assert src.dtypes[0] == "float32"
        assert src.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == "3"
        back = src.read(1)
    np.testing.assert_allclose(back, w.array, rtol=0, atol=1e-6)
    # values float32 cannot hold to within 1e-6 (here: 1e6 + 1e-3) stay float64
    fine = Raster(np.full((3, 3), 1e6 + 1e-3), Affine(10, 0, 0, 0, -10, 30), CRS)
    with rasterio.open(fine.to_geotiff(tmp_path / "fine.tif")) as src:
        assert src.dtypes[0] == "float64" and src.compression == Compression.deflate
        assert src.read(1)[0, 0] == 1e6 + 1e-3
    # an explicit dtype wins
    with rasterio.open(w.to_geotiff(tmp_path / "w64.tif", dtype="float64")) as src:
        assert src.dtypes[0] == "float64"
    with pytest.raises(InvalidOptionError, match="dtype"):
        w.to_geotiff(tmp_path / "x.tif", dtype="int8")


# ------------------------------------------------------------------ parameter columns checked, gaps told


def test_parameter_columns_text_refused_nan_filled_with_a_warning():
    from urbangeo.errors import ColumnTypeError, EmptyDataError, MissingValuesWarning

    p = panels(box(0, 0, 200, 1500), box(400, 0, 600, 1500))
    text = p.assign(q=["0.8", "0,9"])  # the second would have been coerced to NaN, then to the default
    with pytest.raises(ColumnTypeError, match=r"column 'q' of `panels`.*to_numeric"):
        panel_parameters(text)
    with pytest.raises(ColumnTypeError, match="'q'"):
        predict_subsidence(text, resolution_m=50.0)
    gap = p.assign(q=[0.9, np.nan])
    with assert_not_mutated(gap), pytest.warns(MissingValuesWarning, match=r"1 of 2 rows .*'q'.*q=0.8") as rec:
        t = panel_parameters(gap)
    assert rec[0].filename == __file__  # points at the caller
    assert t["q"].tolist() == [0.9, 0.8]
    with pytest.warns(MissingValuesWarning, match="'q'") as rec:
        predict_subsidence(gap, resolution_m=50.0)
    assert rec[0].filename == __file__
    # params= fills the gaps as documented, without a warning
    assert panel_parameters(gap, params={"q": 0.7})["q"].tolist() == [0.9, 0.7]
    with pytest.raises(EmptyDataError, match="`panels` has no rows"):
        panel_parameters(p.iloc[:0])
