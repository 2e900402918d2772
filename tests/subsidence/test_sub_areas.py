"""Subsidence areas, water bodies, restoration zones, terraces, shelves, setbacks, time."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from shapely import box

from urbangeo.errors import CRSError, CRSMismatchError, InvalidOptionError, MissingColumnError
from urbangeo.subsidence import (
    MU_M2,
    Raster,
    damage_grades,
    knothe_rate,
    knothe_subsidence,
    predict_deformation,
    predict_subsidence,
    restoration_zones,
    safety_shelf,
    structure_setbacks,
    subsidence_areas,
    terrace_bands,
    water_bodies,
    water_depth,
)
from urbangeo.testing import assert_not_mutated

CRS = "EPSG:4548"


@pytest.fixture(scope="module")
def basin() -> Raster:
    """Two panels (3 m seam, q 1.0, H 400 m, r 200 m): a basin up to ~3 m deep."""
    p = gpd.GeoDataFrame({"m": [3.2, 2.5], "q": 1.0, "H": 400.0, "tan_beta": 2.0},
                         geometry=[box(0, 0, 600, 1200), box(800, 200, 1300, 900)], crs=CRS)
    return predict_subsidence(p, resolution_m=10.0)


def cone(n=101, cell=10.0, depth=5.0) -> Raster:
    """A conical bowl: W = depth (1 - rho / 400 m); analytic contours are circles."""
    t = Affine(cell, 0, -n * cell / 2, 0, -cell, n * cell / 2)
    x = -n * cell / 2 + cell * (np.arange(n) + 0.5)
    X, Y = np.meshgrid(x, -x)
    return Raster(np.maximum(depth * (1 - np.hypot(X, Y) / 400.0), 0.0), t, CRS, name="subsidence", units="m")


def test_class_areas_sum_to_classified_cells(basin):
    a = subsidence_areas(basin, groundwater_depth_m=1.5, clean_radius_cells=1)
    from urbangeo.subsidence.areas import classify

    cls = classify(basin.array, (0.01, 0.5, 1.5, 3.0), clean_radius_cells=1)
    assert a["area_m2"].sum() == pytest.approx((cls > 0).sum() * basin.cell_area_m2)
    np.testing.assert_allclose(a.geometry.area, a["area_m2"], rtol=1e-9)
    for k in range(1, 5):
        assert a.loc[a["class"] == k, "area_m2"].sum() == pytest.approx((cls == k).sum() * 100.0)
    assert (a["area_mu"] * MU_M2).to_numpy() == pytest.approx(a["area_m2"].to_numpy())
    assert MU_M2 == 10000 / 15
    assert np.allclose(a["area_ha"], a["area_m2"] / 1e4)
    # without cleaning the classes are plain thresholds of W
    raw = subsidence_areas(basin, clean_radius_cells=0)
    for k, (lo, hi) in enumerate([(0.01, 0.5), (0.5, 1.5), (1.5, 3.0), (3.0, np.inf)], start=1):
        n = ((basin.array >= lo) & (basin.array < hi)).sum()
        assert raw.loc[raw["class"] == k, "area_m2"].sum() == pytest.approx(n * 100.0)
    assert raw["water_volume_m3"].isna().all()
    # stats against numpy
    top = raw[raw["class"] == 4]
    assert top["subsidence_max_m"].max() == pytest.approx(basin.array.max())
    assert (raw["subsidence_mean_m"] >= raw["w_lower_m"]).all() and (raw["subsidence_mean_m"] < raw["w_upper_m"]).all()


def test_water_volume_and_depth(basin):
    a = subsidence_areas(basin, groundwater_depth_m=1.5, clean_radius_cells=0)
    d = np.maximum(basin.array - 1.5, 0)
    assert a["water_volume_m3"].sum() == pytest.approx(d.sum() * 100.0)
    assert a["water_area_m2"].sum() == pytest.approx((d > 0).sum() * 100.0)
    assert a["water_depth_max_m"].max() == pytest.approx(d.max())
    wd = water_depth(basin, groundwater_depth_m=basin.with_array(np.full(basin.shape, 1.5)))
    np.testing.assert_allclose(wd.array, d)


def test_holes_kept_and_min_area_merging():
    # a ring of class 2 around a class-1 core with a class-4 island in the middle
    w = np.full((30, 30), 0.2)
    w[5:25, 5:25] = 1.0
    w[10:20, 10:20] = 0.2
    w[14:16, 14:16] = 4.0
    r = Raster(w, Affine(10, 0, 0, 0, -10, 300), CRS)
    a = subsidence_areas(r, clean_radius_cells=0)
    ring = a[a["class"] == 2].geometry.iloc[0]
    assert len(ring.interiors) == 1 and ring.area == pytest.approx(400 * 100 - 100 * 100)
    assert a["area_m2"].sum() == pytest.approx(900 * 100)
    merged = subsidence_areas(r, clean_radius_cells=0, min_area_m2=500)
    assert 4 not in merged["class"].tolist()  # 400 m2 island merged into the class below
    assert merged["area_m2"].sum() == pytest.approx(900 * 100)


def test_water_bodies_shoreline_index_circle():
    c = cone(cell=5.0, n=201)
    lakes = water_bodies(c, groundwater_depth_m=2.5, clean_radius_cells=0)
    assert len(lakes) == 1
    radius = 400.0 * (1 - 2.5 / 5.0)  # 200 m
    assert lakes["area_m2"].iloc[0] == pytest.approx(math.pi * radius**2, rel=0.01)
    assert lakes["shoreline_m"].iloc[0] == pytest.approx(2 * math.pi * radius, rel=0.015)
    assert lakes["shoreline_development_index"].iloc[0] == pytest.approx(1.0, abs=0.02)
    # storage of a cone of height 2.5 m and radius 200 m
    assert lakes["storage_volume_m3"].iloc[0] == pytest.approx(math.pi * radius**2 * 2.5 / 3, rel=0.01)


def test_restoration_areas_sum_to_subsided_area(basin):
    z = restoration_zones(basin, groundwater_depth_m=1.5, clean_radius_cells=0)
    assert z["area_m2"].sum() == pytest.approx((basin.array >= 0.01).sum() * basin.cell_area_m2)
    assert set(z["restoration_use"].str.split().str[0]) == {"level", "drainage", "shallow", "deep"}
    assert z.loc[z["class"] == 1, "water"].eq(False).all() and z.loc[z["class"] == 4, "water"].all()
    assert z["storage_volume_m3"].sum() == pytest.approx(np.maximum(basin.array - 1.5, 0).sum() * 100)
    wet = z[z["water_area_m2"] > 0]
    # zones surrounded by other water have little or no shore of their own: index in [0, inf)
    assert (wet["shoreline_development_index"] >= 0).all()
    assert z["stable"].isna().all()
    assert set(z["damage_grade"]) <= {"slight", "moderate", "severe"}


def test_restoration_custom_table_and_stability(basin):
    uses = pd.DataFrame({"class": [1, 2], "w_lower_m": [0.1, 2.0], "w_upper_m": [2.0, np.nan],
                         "state": ["a", "b"], "restoration_use": ["farm", "lake"], "water": [False, True],
                         "in_park": [False, True], "source": ["test", "test"]})
    rate = knothe_rate(basin, c_per_yr=2.0, t_yr=3.0)
    z = restoration_zones(basin, groundwater_depth_m=1.5, uses=uses, rate=rate, clean_radius_cells=0)
    assert set(z["restoration_use"]) == {"farm", "lake"}
    assert z["area_m2"].sum() == pytest.approx((basin.array >= 0.1).sum() * 100)
    # 6-month subsidence = 0.5 yr x rate; stable where it stays under 30 mm
    expect = 0.5 * 2.0 * math.exp(-6.0) * z["subsidence_max_m"]
    np.testing.assert_allclose(z["subsidence_6mo_max_m"], expect, rtol=1e-9)
    assert (z["stable"] == (expect < 0.03)).all()
    with pytest.raises(MissingColumnError):
        restoration_zones(basin, groundwater_depth_m=1.5, uses=uses.drop(columns="restoration_use"))


def test_knothe():
    r = Raster(np.array([[2.0]]), Affine(10, 0, 0, 0, -10, 0), CRS)
    assert knothe_subsidence(r, c_per_yr=0.5, t_yr=0).array[0, 0] == 0
    assert knothe_subsidence(r, c_per_yr=0.5, t_yr=100).array[0, 0] == pytest.approx(2.0)
    # the rate is the derivative of W(t)
    h = 1e-6
    num = (knothe_subsidence(r, c_per_yr=0.5, t_yr=2 + h).array - knothe_subsidence(r, c_per_yr=0.5, t_yr=2).array) / h
    assert knothe_rate(r, c_per_yr=0.5, t_yr=2).array[0, 0] == pytest.approx(num[0, 0], rel=1e-5)


def test_terrace_bands_sum_to_water():
    c = cone(cell=5.0, n=201)
    t = terrace_bands(c, groundwater_depth_m=0.5, inflow_m3_per_day=1000.0)
    d = np.maximum(c.array - 0.5, 0)
    assert t["area_m2"].sum() == pytest.approx((d > 0).sum() * 25.0)
    assert t["volume_m3"].sum() == pytest.approx(d.sum() * 25.0)
    np.testing.assert_allclose(t.geometry.area, t["area_m2"])
    np.testing.assert_allclose(t["retention_days"], t["volume_m3"] / 1000.0)
    assert t["band"].tolist() == ["0-0.5 m", "0.5-1.5 m", "1.5-3 m", "> 3 m"]
    # band areas of the cone: annuli between depth contours
    for _, row in t.iterrows():
        r_out = 400 * (1 - (0.5 + row.depth_min_m) / 5)
        r_in = 400 * (1 - (0.5 + row.depth_max_m) / 5) if np.isfinite(row.depth_max_m) else 0
        assert row.area_m2 == pytest.approx(math.pi * (r_out**2 - r_in**2), rel=0.03)
    with pytest.raises(InvalidOptionError):
        terrace_bands(c, groundwater_depth_m=0.5, bands=(0.5, 1.0))


def test_safety_shelf_on_cone():
    # cone slope 5 m / 400 m: 2 m from shore the water is 0.025 m deep -> compliant
    c = cone(cell=5.0, n=201)
    s = safety_shelf(c, groundwater_depth_m=2.5, clean_radius_cells=0)
    assert len(s) == 1 and bool(s["compliant"].iloc[0])
    # the shore is located to within a cell (5 m x slope 0.0125 = 0.06 m)
    assert s["depth_at_width_max_m"].iloc[0] == pytest.approx(2 * 5 / 400, abs=0.0625)
    assert s["shelf_area_m2"].iloc[0] == pytest.approx(2 * 2 * math.pi * 200, rel=0.05)
    # a steep pit (1 m per metre): not compliant, needs fill
    steep = cone(cell=1.0, n=61, depth=30.0).with_array(np.maximum(30 * (1 - np.hypot(*np.meshgrid(
        np.arange(61) - 30.0, np.arange(61) - 30.0)) / 30), 0))
    s2 = safety_shelf(steep, groundwater_depth_m=10.0, clean_radius_cells=0)
    assert not bool(s2["compliant"].iloc[0]) and s2["fill_volume_m3"].iloc[0] > 0
    assert s2["noncompliant_shore_m"].iloc[0] > 0


def test_structure_setbacks_match_cell_counts():
    p = gpd.GeoDataFrame({"m": [3.0], "q": 0.8, "H": 400.0}, geometry=[box(0, 0, 1000, 1000)], crs=CRS)
    d = predict_deformation(p, quantities=("tilt_max", "curvature_max", "strain_max"), resolution_m=10.0)
    s = structure_setbacks(d)
    assert s["indicator"].tolist() == ["tilt", "curvature", "strain", "any"]
    for k, th in (("tilt", 0.003), ("curvature", 0.2e-3), ("strain", 0.002)):
        n = (np.abs(d[f"{k}_max"].array) > th).sum()
        row = s[s["indicator"] == k].iloc[0]
        assert row["area_m2"] == pytest.approx(n * 100.0)
        assert row.geometry.area == pytest.approx(n * 100.0)
    assert s.iloc[-1].area_m2 >= s.iloc[:-1]["area_m2"].max()
    # tilt 3 mm/m is reached at |x| where (W0/r) exp(-pi x^2 / r^2) = 0.003 outside the edge
    with pytest.raises(InvalidOptionError):
        structure_setbacks({"subsidence": d["tilt_max"]})
    with pytest.raises(InvalidOptionError):
        structure_setbacks(d, thresholds={"twist": 1.0})


def test_damage_grades_rules():
    w = Raster(np.array([[0.3, 1.2, 2.5, 0.3, 0.3]]), Affine(10, 0, 0, 0, -10, 0), CRS)
    tilt = w.with_array(np.array([[0.001, 0.001, 0.001, 0.03, 0.05]]))
    g = damage_grades(w, groundwater_depth_m=3.0, tilt_max=tilt)
    # W 2.5 -> moderate (2-6 m); tilt 30 mm/m -> moderate; 50 mm/m -> severe
    assert g.array.tolist() == [[1.0, 1.0, 2.0, 2.0, 3.0]]
    assert damage_grades(w, groundwater_depth_m=1.0).array.tolist() == [[2.0, 3.0, 3.0, 2.0, 2.0]]


def test_inputs_not_mutated_and_errors(basin):
    gw = basin.with_array(np.full(basin.shape, 1.5))
    before = basin.array.copy()
    with assert_not_mutated(gw.array):
        restoration_zones(basin, groundwater_depth_m=gw, clean_radius_cells=1)
    np.testing.assert_array_equal(basin.array, before)
    with pytest.raises(InvalidOptionError):
        subsidence_areas(basin, classes=(0.5, 0.2))
    with pytest.raises(InvalidOptionError):
        subsidence_areas(basin, groundwater_depth_m=-1)
    with pytest.raises(TypeError):
        subsidence_areas(basin.array)
    geo = Raster(basin.array, Affine(0.001, 0, 117, 0, -0.001, 33), "EPSG:4326")
    with pytest.raises(CRSError):
        subsidence_areas(geo)
    other = Raster(basin.array, basin.transform, "EPSG:4547")
    with pytest.raises(CRSMismatchError):
        water_depth(basin, groundwater_depth_m=other)


def test_polygons_are_valid(basin):
    a = subsidence_areas(basin, groundwater_depth_m=1.5)
    assert shapely.is_valid(np.asarray(a.geometry.values)).all()
    assert a.crs.equals(basin.crs)


@pytest.mark.parametrize("radius", [0, 1, 2])
def test_windowed_classification_equals_whole_grid(radius):
    from scipy.ndimage import gaussian_filter

    from urbangeo.subsidence.areas import _classify_block, classify

    rng = np.random.default_rng(5)
    spikes = np.zeros((120, 150))
    spikes[rng.integers(0, 120, 25), rng.integers(0, 150, 25)] = rng.uniform(30, 400, 25)
    field = gaussian_filter(spikes, 3)  # separate bumps 0.5-7 m high
    field[rng.uniform(size=field.shape) < 0.01] = np.nan
    classes = (0.01, 0.5, 1.5, 3.0)
    whole = _classify_block(field, classes, radius, 6)
    np.testing.assert_array_equal(classify(field, classes, clean_radius_cells=radius, min_cells=6), whole)
    assert len(np.unique(whole)) == 5


def test_windowed_labels_and_polygons_equal_whole_grid(basin, monkeypatch):
    from urbangeo.subsidence import areas as A

    windowed = restoration_zones(basin, groundwater_depth_m=1.5, min_area_m2=3000)
    monkeypatch.setattr(A, "_MAX_WINDOWS", 0)  # forces whole-grid labelling and polygonising
    whole = restoration_zones(basin, groundwater_depth_m=1.5, min_area_m2=3000)
    assert len(windowed) == len(whole)
    cols = ["class", "area_m2", "subsidence_max_m", "water_volume_m3", "shoreline_m", "damage_grade"]
    assert windowed[cols].equals(whole[cols])
    assert all(a.equals(b) for a, b in zip(windowed.geometry, whole.geometry))


# ------------------------------------------------------------------ issue 12: shoreline = water/land boundary


def test_shoreline_of_nested_rectangular_zones_is_the_outer_water_edge():
    """A rectangular pit, 2 m deep with a 4 m deep middle and a dry island: closed-form shore lengths."""
    w = np.zeros((60, 80))
    w[10:50, 10:70] = 2.0  # 600 m x 400 m at W 2 m: water 1 m deep (class 3)
    w[20:40, 20:60] = 4.0  # 400 m x 200 m at W 4 m: water 3 m deep (class 4)
    w[28:32, 36:44] = 0.2  # 80 m x 40 m island, W 0.2 m: dry (class 1)
    r = Raster(w, Affine(10, 0, 0, 0, -10, 600), CRS)
    z = restoration_zones(r, groundwater_depth_m=1.0, clean_radius_cells=0)
    by_class = z.groupby("class")["shoreline_m"].sum()
    assert by_class[3] == pytest.approx(2 * (600 + 400))  # the outer shore only
    assert by_class[4] == pytest.approx(2 * (80 + 40))  # the island's shore, not the 3 m step
    assert by_class[1] == 0.0
    assert z["shoreline_m"].sum() == pytest.approx(2 * (600 + 400) + 2 * (80 + 40))
    lakes = water_bodies(r, groundwater_depth_m=1.0, clean_radius_cells=0)
    assert z["shoreline_m"].sum() == pytest.approx(lakes["shoreline_m"].sum())


def test_shoreline_of_nested_circular_zones_is_the_lake_circumference():
    c = cone(cell=5.0, n=201)  # W = 5 (1 - rho / 400): classes 0.5/1.5/3 m are circles
    z = restoration_zones(c, groundwater_depth_m=1.0, clean_radius_cells=0)
    radius = 400.0 * (1 - 1.0 / 5.0)  # water edge at W = 1 m: 320 m
    assert z["shoreline_m"].sum() == pytest.approx(2 * math.pi * radius, rel=0.015)
    outer = z[(z["water_area_m2"] > 0) & (z["class"] == 2)]
    assert outer["shoreline_m"].sum() == pytest.approx(2 * math.pi * radius, rel=0.015)
    assert z.loc[z["class"] >= 3, "shoreline_m"].eq(0).all()  # wholly under water
    assert z.loc[z["class"] >= 3, "shoreline_development_index"].eq(0).all()


def test_zone_shorelines_add_up_to_the_lake_shorelines(basin):
    """Worked example (two panels, water table 1.5 m): before the fix zones summed to 10,356 m."""
    z = restoration_zones(basin, groundwater_depth_m=1.5, clean_radius_cells=0)
    lakes = water_bodies(basin, groundwater_depth_m=1.5, clean_radius_cells=0)
    assert lakes["shoreline_m"].sum() == pytest.approx(5400, rel=0.01)
    assert z["shoreline_m"].sum() == pytest.approx(lakes["shoreline_m"].sum(), rel=1e-9)
