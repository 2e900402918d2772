"""Subsidence areas and water bodies: class areas, water depth and volume, shorelines, windowing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from affine import Affine

from urbangeo.errors import CRSError, CRSMismatchError, InvalidOptionError
from urbangeo.subsidence import MU_M2, Raster, restoration_zones, subsidence_areas, water_bodies, water_depth
from urbangeo.testing import assert_not_mutated

from . import _rasters
from ._rasters import CRS, cone


@pytest.fixture(scope="module")
def basin() -> Raster:
    return _rasters.basin()


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


