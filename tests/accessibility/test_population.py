"""Population to buildings: hand-computed cases, sums per zone, tobler on the Suzhou buildings, audits per age group."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import Point, box

from urbangeo.accessibility import (
    access_equity,
    disaggregate_population,
    grid_network,
    life_circle_audit,
    sample_population_raster,
)
from urbangeo.errors import (
    ColumnTypeError,
    CRSMismatchError,
    DroppedRowsWarning,
    GeometryTypeError,
    InvalidOptionError,
    MissingColumnError,
    MissingValuesWarning,
    RasterError,
)
from urbangeo.io import write_raster
from urbangeo.raster import Raster
from urbangeo.testing import assert_not_mutated

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_500_000.0


def _boxes(bounds, **cols):
    return gpd.GeoDataFrame(cols, geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in bounds], crs=CRS)


def _zones():
    # two 100 m x 100 m zones side by side
    return _boxes([(0, 0, 100, 100), (100, 0, 200, 100)], pop=[120.0, 50.0], kids=[0.1, 0.3], old=[0.25, 0.5])


def _buildings():
    # zone 0: 10x10 (2 floors), 20x10 (1 floor); zone 1: 10x10 (height 9 m -> 3 floors), 10x20 (no floors)
    return _boxes([(10, 10, 20, 20), (40, 40, 60, 50), (110, 10, 120, 20), (150, 50, 160, 70)],
                  floors=[2.0, 1.0, np.nan, np.nan], h=[6.0, 3.0, 9.0, np.nan])


def test_floor_area_hand_computed():
    zones, bld = _zones(), _buildings()
    with assert_not_mutated(zones, bld), pytest.warns(MissingValuesWarning, match="1 of 4 buildings"):
        out = disaggregate_population(zones, bld, population_col="pop", floors_col="floors", height_col="h")
    # zone 0: weights 200, 200 -> 60, 60; zone 1: weights 300 (3 floors from 9 m), 200 (1 floor) -> 30, 20
    np.testing.assert_allclose(out["pop"], [60.0, 60.0, 30.0, 20.0], rtol=1e-12)
    assert out.index.equals(bld.index) and out.crs == bld.crs
    assert out.attrs["population"]["buildings_one_floor"] == 1
    assert list(out.columns) == [*bld.columns, "pop"]


def test_footprint_count_and_floor_height():
    zones, bld = _zones(), _buildings()
    fp = disaggregate_population(zones, bld, population_col="pop", weight_by="footprint")
    np.testing.assert_allclose(fp["pop"], [40.0, 80.0, 50 / 3, 100 / 3], rtol=1e-12)
    n = disaggregate_population(zones, bld, population_col="pop", weight_by="count")
    np.testing.assert_allclose(n["pop"], [60.0, 60.0, 25.0, 25.0], rtol=1e-12)
    # floors from heights only, 4.5 m storeys: 6 -> 1 (round 1.33), 3 -> 1 (at least 1), 9 -> 2, none -> 1
    with pytest.warns(MissingValuesWarning, match="1 of 4"):
        h = disaggregate_population(zones, bld, population_col="pop", height_col="h", floor_height_m=4.5)
    np.testing.assert_allclose(h["pop"], [40.0, 80.0, 50 * 200 / 400, 50 * 200 / 400], rtol=1e-12)
    with pytest.warns(MissingValuesWarning, match="no floors_col or height_col"):
        disaggregate_population(zones, bld, population_col="pop")


def test_age_group_shares_from_columns_and_fixed():
    out = disaggregate_population(_zones(), _buildings(), population_col="pop", weight_by="count",
                                  shares={"children": "kids", "elderly": "old", "fixed": 0.5})
    np.testing.assert_allclose(out["pop_children"], [6.0, 6.0, 7.5, 7.5])
    np.testing.assert_allclose(out["pop_elderly"], [15.0, 15.0, 12.5, 12.5])
    np.testing.assert_allclose(out["pop_fixed"], out["pop"] * 0.5)
    assert out.attrs["population"]["groups"] == {"children": "kids", "elderly": "old", "fixed": 0.5}
    with pytest.raises(ColumnTypeError, match="between 0 and 1"):
        disaggregate_population(_zones().assign(old=[25.0, 50.0]), _buildings(), population_col="pop", weight_by="count",
                                shares={"elderly": "old"})


def test_sums_preserved_per_zone_random():
    rng = np.random.default_rng(3)
    zones = _boxes([(i * 100, j * 100, i * 100 + 100, j * 100 + 100) for i in range(4) for j in range(3)],
                   pop=rng.uniform(0, 5e4, 12), s=rng.uniform(0, 1, 12))
    xy = rng.uniform(0, 1, (500, 2)) * [390, 290]
    size = rng.uniform(2, 9, (500, 2))
    bld = _boxes([(x, y, x + dx, y + dy) for (x, y), (dx, dy) in zip(xy, size)], floors=rng.integers(1, 30, 500))
    for assign in ("point", "area"):
        for by in ("floor_area", "footprint", "count"):
            out = disaggregate_population(zones, bld, population_col="pop", weight_by=by, floors_col="floors",
                                          assign=assign, shares={"old": "s"})
            if assign == "point":
                zone = gpd.sjoin(gpd.GeoDataFrame(geometry=out.representative_point(), crs=CRS), zones,
                                 predicate="within")["index_right"]
                got = out["pop"].groupby(zone).sum().reindex(zones.index, fill_value=0.0)
                np.testing.assert_allclose(got, zones["pop"], rtol=1e-9)
                got_old = out["pop_old"].groupby(zone).sum().reindex(zones.index, fill_value=0.0)
                np.testing.assert_allclose(got_old, zones["pop"] * zones["s"], rtol=1e-9)
            assert out["pop"].sum() == pytest.approx(zones["pop"].sum(), rel=1e-9)
            assert out["pop"].notna().all()


def test_assign_area_splits_straddling_buildings():
    zones = _zones()
    # one 20 x 10 building across the border (60 % in zone 0), one inside zone 1
    bld = _boxes([(88, 10, 108, 20), (150, 50, 160, 60)])
    out = disaggregate_population(zones, bld, population_col="pop", weight_by="footprint", assign="area")
    # zone 0 -> all 120 to the building; zone 1: weights 80 (its 40 % of 200) and 100 -> 50 * 80/180, 50 * 100/180
    np.testing.assert_allclose(out["pop"], [120 + 50 * 80 / 180, 50 * 100 / 180], rtol=1e-12)
    pt = disaggregate_population(zones, bld, population_col="pop", weight_by="footprint")  # point in zone 0
    np.testing.assert_allclose(pt["pop"], [120.0, 50.0])


def test_empty_zones_and_buildings_outside_are_reported():
    zones = _boxes([(0, 0, 100, 100), (100, 0, 200, 100), (300, 0, 400, 100)], pop=[10.0, 20.0, 30.0])
    bld = _boxes([(10, 10, 20, 20), (110, 10, 120, 20), (500, 500, 510, 510)], floors=[1, 1, 1])
    with pytest.warns(DroppedRowsWarning, match="1 of 3 zones contain no building.*30 people") as rec, \
            pytest.warns(MissingValuesWarning, match="1 of 3 buildings lie outside"):
        out = disaggregate_population(zones, bld, population_col="pop", floors_col="floors")
    assert rec
    assert out["pop"].tolist()[:2] == [10.0, 20.0] and np.isnan(out["pop"].iloc[2])
    info = out.attrs["population"]
    assert info["unallocated_population"] == 30.0 and info["zones_without_buildings"] == [2]
    assert info["buildings_outside"] == [2] and info["allocated"] == 30.0


def test_crs_contract_and_bad_input():
    zones, bld = _zones(), _buildings()
    with pytest.raises(CRSMismatchError, match="buildings"):
        disaggregate_population(zones, bld.to_crs(4326), population_col="pop", weight_by="count")
    # geographic inputs: areas measured in a metric CRS, the same answer (to the projection's area distortion)
    want = disaggregate_population(zones, bld, population_col="pop", weight_by="footprint")
    got = disaggregate_population(zones.to_crs(4326), bld.to_crs(4326), population_col="pop", weight_by="footprint")
    np.testing.assert_allclose(got["pop"], want["pop"], rtol=1e-6)
    assert got.crs.to_epsg() == 4326
    with pytest.raises(MissingColumnError, match="zones"):
        disaggregate_population(zones, bld, population_col="people")
    with pytest.raises(ColumnTypeError, match="pop"):
        disaggregate_population(zones.assign(pop=[-1.0, 5.0]), bld, population_col="pop", weight_by="count")
    with pytest.raises(InvalidOptionError, match="already has"):
        disaggregate_population(zones, bld.assign(pop=1.0), population_col="pop", weight_by="count")
    with pytest.raises(InvalidOptionError, match="weight_by"):
        disaggregate_population(zones, bld, population_col="pop", weight_by="volume")
    with pytest.raises(InvalidOptionError, match="floor_height_m"):
        disaggregate_population(zones, bld, population_col="pop", floor_height_m=0)
    pts = gpd.GeoDataFrame(geometry=[Point(X0 + 5, Y0 + 5)], crs=CRS)
    with pytest.raises(GeometryTypeError, match="buildings"):
        disaggregate_population(zones, pts, population_col="pop", weight_by="footprint")
    with pytest.warns(DroppedRowsWarning, match="1 of 2 zones"):
        assert disaggregate_population(zones, pts, population_col="pop", weight_by="count")["pop"].tolist() == [120.0]


# --------------------------------------------------------------------------- rasters
def _grid(values, x0=X0, y0=Y0 + 200, res=100.0):
    return Raster(np.asarray(values, dtype=float), Affine(res, 0, x0, 0, -res, y0), CRS, name="people")


def test_raster_hand_computed_and_totals(tmp_path):
    # 2 x 2 cells of 100 m; bottom-right cell empty of buildings, top-right without data
    r = _grid([[100.0, np.nan], [40.0, 7.0]])
    bld = _boxes([(10, 110, 20, 120), (30, 130, 50, 140), (10, 10, 30, 30), (150, 150, 160, 160)],
                 floors=[1, 1, 2, 5])
    with assert_not_mutated(bld), pytest.warns(DroppedRowsWarning, match="1 of 3 cells with people.*7 people"), \
            pytest.warns(MissingValuesWarning, match="1 of 4 buildings"):
        out = sample_population_raster(r, bld, weight_by="footprint")
    np.testing.assert_allclose(out["population"].iloc[:3], [100 / 3, 200 / 3, 40.0])
    assert np.isnan(out["population"].iloc[3])
    info = out.attrs["population"]
    assert info["raster_total"] == 147.0 and info["unallocated_population"] == 7.0
    assert out["population"].sum() == pytest.approx(140.0, rel=1e-12)
    with pytest.warns(DroppedRowsWarning), pytest.warns(MissingValuesWarning):
        fl = sample_population_raster(r, bld, weight_by="floor_area", floors_col="floors", population_col="people")
    np.testing.assert_allclose(fl["people"].iloc[:3], [100 / 3, 200 / 3, 40.0])
    # a file, and buildings in another CRS: the same
    path = write_raster(r, tmp_path / "pop.tif")
    with pytest.warns(DroppedRowsWarning), pytest.warns(MissingValuesWarning):
        again = sample_population_raster(path, bld.to_crs(4326), weight_by="count")
    np.testing.assert_allclose(again["population"].iloc[:3], [50.0, 50.0, 40.0], rtol=1e-9)
    with pytest.raises(RasterError, match="negative"):
        sample_population_raster(_grid([[-1.0]]), bld, weight_by="count")
    with pytest.raises(InvalidOptionError, match="raster"):
        sample_population_raster(np.zeros((2, 2)), bld)


def test_raster_total_preserved_random():
    rng = np.random.default_rng(5)
    counts = rng.uniform(0, 300, (8, 8))
    xy = rng.uniform(0, 790, (400, 2))
    bld = _boxes([(x, y, x + 5, y + 8) for x, y in xy], floors=rng.integers(1, 12, 400))
    r = _grid(counts, y0=Y0 + 800)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        out = sample_population_raster(r, bld, weight_by="floor_area", floors_col="floors")
    info = out.attrs["population"]
    assert out["population"].sum() == pytest.approx(info["raster_total"] - info["unallocated_population"], rel=1e-12)
    col = ((out.representative_point().x - X0) // 100).astype(int)
    row = ((Y0 + 800 - out.representative_point().y) // 100).astype(int)
    per_cell = out["population"].groupby([row, col]).sum()
    for (i, j), v in per_cell.items():
        assert v == pytest.approx(counts[i, j], rel=1e-12)


# --------------------------------------------------------------------------- Suzhou buildings (real) + modelled zones
@pytest.fixture(scope="module")
def suzhou(shared_data):
    bld = gpd.read_file(shared_data("vector/suzhou_buildings.geojson"))
    bld = bld.to_crs("EPSG:4549")  # CGCS2000 / GK CM 120E
    x0, y0, x1, y1 = bld.total_bounds
    # MODELLED districts: a 3 x 3 grid over the buildings' extent with modelled totals (not census figures)
    xs, ys = np.linspace(x0 - 1, x1 + 1, 4), np.linspace(y0 - 1, y1 + 1, 4)
    cells = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(3) for j in range(3)]
    pop = np.array([8200.0, 15400.0, 6100.0, 12900.0, 21000.0, 9800.0, 4300.0, 11700.0, 7600.0])
    zones = gpd.GeoDataFrame({"modelled_pop": pop, "modelled_share_65": np.linspace(0.12, 0.28, 9)},
                             geometry=cells, crs=bld.crs)
    return zones, bld


def test_suzhou_floors_sums_per_zone(suzhou):
    zones, bld = suzhou
    with assert_not_mutated(zones, bld):
        out = disaggregate_population(zones, bld, population_col="modelled_pop", floors_col="Floor",
                                      shares={"elderly": "modelled_share_65"})
    zone = gpd.sjoin(gpd.GeoDataFrame(geometry=bld.representative_point(), crs=bld.crs), zones,
                     predicate="within")["index_right"]
    assert zone.index.is_unique and len(zone) == len(bld)
    np.testing.assert_allclose(out["modelled_pop"].groupby(zone).sum(), zones["modelled_pop"], rtol=1e-9)
    np.testing.assert_allclose(out["modelled_pop_elderly"].groupby(zone).sum(),
                               zones["modelled_pop"] * zones["modelled_share_65"], rtol=1e-9)
    # people per m2 of floor area is one constant per zone
    dens = out["modelled_pop"] / (bld.area * bld["Floor"])
    assert (dens.groupby(zone).std() / dens.groupby(zone).mean()).max() < 1e-9


def test_suzhou_against_tobler(suzhou):
    tobler = pytest.importorskip("tobler", reason="tobler (PySAL) is the reference: pip install tobler")
    zones, bld = suzhou
    ref = tobler.area_weighted.area_interpolate(zones, bld, extensive_variables=["modelled_pop"])
    # areal interpolation with the buildings as targets == footprint weights split by area share;
    # to float32: tobler keeps its table of intersection areas as float32 (area_interpolate.py, _area_tables_binning)
    ours = disaggregate_population(zones, bld, population_col="modelled_pop", weight_by="footprint", assign="area")
    np.testing.assert_allclose(ours["modelled_pop"], ref["modelled_pop"], rtol=1e-6)
    assert ours["modelled_pop"].sum() == pytest.approx(zones["modelled_pop"].sum(), rel=1e-12)
    # and == the representative-point rule for the buildings inside one zone, once straddlers are left out
    inside = gpd.sjoin(bld, zones, predicate="within").index
    sub = bld.loc[inside]
    ref_in = tobler.area_weighted.area_interpolate(zones, sub, extensive_variables=["modelled_pop"])
    pt = disaggregate_population(zones, sub, population_col="modelled_pop", weight_by="footprint")
    np.testing.assert_allclose(pt["modelled_pop"], ref_in["modelled_pop"], rtol=1e-6)
    assert len(inside) < len(bld)  # some buildings do straddle the modelled borders


# --------------------------------------------------------------------------- end to end: audits per age group
def test_population_to_audit_per_age_group():
    net = grid_network(8, 8, spacing_m=100, crs=CRS, origin_xy=(X0, Y0), speed_kmh=4.5)
    zones = _boxes([(0, 0, 350, 700), (350, 0, 700, 700)], population=[3000.0, 1000.0], kids=[0.10, 0.20],
                   old=[0.30, 0.15])
    rng = np.random.default_rng(1)
    xy = rng.uniform(20, 680, (60, 2))
    bld = _boxes([(x, y, x + 12, y + 12) for x, y in xy], floors=rng.integers(1, 18, 60))
    homes = disaggregate_population(zones, bld, population_col="population", floors_col="floors",
                                    shares={"children": "kids", "elderly": "old"})
    fac = gpd.GeoDataFrame({"category": ["kindergarten", "elderly_day_care"]},
                           geometry=[Point(X0 + 100, Y0 + 100), Point(X0 + 600, Y0 + 600)], crs=CRS)
    audit = life_circle_audit(net, homes, fac, required={"kindergarten": 5, "elderly_day_care": 10})
    young = access_equity(audit, value_col="kindergarten_minutes_1", threshold=5, population_col="population_children")
    old = access_equity(audit, value_col="elderly_day_care_minutes_1", threshold=10,
                        population_col="population_elderly")
    assert young.loc["all", "population"] == pytest.approx(3000 * 0.10 + 1000 * 0.20, rel=1e-9)
    assert old.loc["all", "population"] == pytest.approx(3000 * 0.30 + 1000 * 0.15, rel=1e-9)
    within = audit["kindergarten_minutes_1"] <= 5
    assert young.loc["all", "share_within"] == pytest.approx(
        audit.loc[within, "population_children"].sum() / audit["population_children"].sum())
    assert isinstance(audit, pd.DataFrame) and len(audit) == 60


def test_overlapping_zones_border_points_and_duplicate_labels():
    from urbangeo.errors import UrbangeoWarning

    zones = _boxes([(0, 0, 100, 100), (50, 0, 150, 100)], pop=[10.0, 20.0])  # overlap 50..100
    bld = _boxes([(10, 10, 20, 20), (70, 10, 80, 20), (120, 10, 130, 20)])
    with pytest.warns(UrbangeoWarning, match="1 buildings lie in more than one zone"):
        out = disaggregate_population(zones, bld, population_col="pop", weight_by="count")
    np.testing.assert_allclose(out["pop"], [5.0, 5.0, 20.0])  # the middle one goes to the first zone
    with pytest.raises(InvalidOptionError, match="duplicate index"):
        disaggregate_population(zones, pd.concat([bld, bld]), population_col="pop", weight_by="count")
    with pytest.raises(InvalidOptionError, match="duplicate index"):
        disaggregate_population(pd.concat([zones, zones]), bld, population_col="pop", weight_by="count")


def test_raster_to_points_and_integer_grids():
    r = Raster(np.array([[30, 0], [0, 9]], dtype="int32"), Affine(100, 0, X0, 0, -100, Y0 + 200), CRS)
    pts = gpd.GeoDataFrame(geometry=[Point(X0 + 10, Y0 + 150), Point(X0 + 60, Y0 + 190), Point(X0 + 20, Y0 + 180),
                                     Point(X0 + 150, Y0 + 50)], crs=CRS)
    out = sample_population_raster(r, pts, weight_by="count")
    np.testing.assert_allclose(out["population"], [10.0, 10.0, 10.0, 9.0])
    assert out.attrs["population"]["raster_total"] == 39.0 and out.attrs["population"]["unallocated_population"] == 0
    # points have no footprint: with weight_by="footprint" each cell's people are shared equally
    np.testing.assert_allclose(sample_population_raster(r, pts, weight_by="footprint")["population"], out["population"])
