"""Restoration: zones and their uses, Knothe time functions, terraces, safety shelves, setbacks, damage grades."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely import box

from urbangeo.errors import InvalidOptionError, MissingColumnError
from urbangeo.subsidence import (
    Raster,
    damage_grades,
    knothe_rate,
    knothe_subsidence,
    predict_deformation,
    restoration_zones,
    safety_shelf,
    structure_setbacks,
    terrace_bands,
    water_bodies,
)

from . import _rasters
from ._rasters import CRS, cone


@pytest.fixture(scope="module")
def basin() -> Raster:
    return _rasters.basin()


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


# ------------------------------------------------------------------ shoreline = the water/land boundary


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
