"""Park planning: ratios by hand, park class, entrances, service areas (buffer vs plain shapely, network)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely import Point, box

from urbangeo.errors import CRSError, CRSMismatchError, EmptyDataError, InvalidOptionError, MissingColumnError
from urbangeo.standards import park_class
from urbangeo.subsidence import park_landcover, park_plan, predict_subsidence, restoration_zones
from urbangeo.subsidence.parks import SERVICE_BUFFER, SERVICE_NETWORK
from urbangeo.testing import assert_not_mutated

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0


def zones():
    return gpd.GeoDataFrame(
        {
            "water": [True, False, False, True],
            "in_park": [True, True, True, False],
            "water_area_m2": [10000.0, 0.0, 2000.0, 500.0],
        },
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100),
                  box(X0 + 1000, Y0, X0 + 1100, Y0 + 100), box(X0 + 3000, Y0, X0 + 3100, Y0 + 100)],
        crs=CRS,
    )


def buildings():
    rng = np.random.default_rng(1)
    xy = rng.uniform([X0 - 800, Y0 - 800], [X0 + 2000, Y0 + 900], size=(300, 2))
    return gpd.GeoDataFrame({"residents": rng.integers(1, 50, 300).astype(float)},
                            geometry=[Point(p) for p in xy], crs=CRS)


def test_ratios_by_hand():
    z = zones()
    with assert_not_mutated(z):
        p = park_plan(None, z, paved_share=0.15, vegetation_cover=0.95)
    assert p["park_id"].tolist() == [1, 2]
    a, b = p.iloc[0], p.iloc[1]
    assert a.area_m2 == pytest.approx(20000) and b.area_m2 == pytest.approx(10000)
    assert a.water_area_m2 == 10000 and a.water_surface_ratio == pytest.approx(0.5)
    assert a.green_area_m2 == pytest.approx(8500)
    assert a.green_space_ratio == pytest.approx(0.85)
    assert a.green_coverage_ratio == pytest.approx(8500 * 0.95 / 20000)
    assert b.water_surface_ratio == pytest.approx(0.2)
    assert a.area_mu == pytest.approx(20000 * 15 / 10000)
    assert a.park_class == "community" and a.service_radius_m == 500
    assert (p["service_method"] == SERVICE_BUFFER).all()
    assert p["buildings_served"].isna().all()


def test_park_classes():
    # one classification for both wings (urbangeo.standards), low end of each radius range by default
    assert park_class(12.0) == ("comprehensive", 1200.0)
    assert park_class(5.0) == ("community_large", 800.0)
    assert park_class(0.5) == ("garden", 300.0)
    assert park_class(0.1)[0] is None


def test_buffer_service_counts_match_shapely():
    z, bl = zones(), buildings()
    with assert_not_mutated(z, bl):
        p = park_plan(None, z, buildings=bl, population_col="residents")
    for _, row in p.iterrows():
        d = bl.distance(row.geometry)
        inside = d <= row.service_radius_m
        assert row.buildings_served == int(inside.sum())
        assert row.residents_served == pytest.approx(bl.loc[inside, "residents"].sum())


def _grid():
    from urbangeo.accessibility import grid_network

    return grid_network(31, 21, spacing_m=100.0, crs=CRS, origin_xy=(X0 - 1000, Y0 - 1000))


def test_network_service_area():
    from urbangeo.accessibility import park_service_areas

    net = _grid()
    z, bl = zones(), buildings()
    p = park_plan(net, z, buildings=bl, entrance_spacing_m=400)
    assert (p["service_method"] == SERVICE_NETWORK).all()
    # the accessibility wing's readings of the same parks: walking 500 m along a grid reaches less
    # than the 500 m straight-line buffer (plus street width)
    sa = park_service_areas(net, p[["geometry"]])
    g_buf, g_net = sa.geometry.iloc[0], sa.geometry.iloc[1]
    assert sa.reading.tolist() == ["radius", "network"] and (sa.radius_m == 500).all()
    assert g_net.area < g_buf.buffer(30).area
    assert g_net.difference(g_buf.buffer(30)).area < 1e-6 * g_net.area + 1
    assert (p["buildings_served"] > 0).all()
    # and fewer buildings served on foot than by the radius reading
    assert (p["buildings_served"] <= park_plan(None, z, buildings=bl)["buildings_served"]).all()


def test_entrances():
    from urbangeo.accessibility import park_entrances

    z, net = zones(), _grid()
    p = park_plan(net, z, entrance_spacing_m=150)
    e = park_entrances(net, p, entrance_spacing_m=150)
    assert set(e["park"]) == set(p.index)
    assert p["n_entrances"].tolist() == e[e.edge >= 0].groupby("park").size().reindex(p.index).tolist()
    assert (p["n_entrances"] > 0).all()
    # without a network there are no entrances to count: missing, never a made-up number
    assert park_plan(None, z)["n_entrances"].isna().all()


def test_landcover_and_from_raster_zones():
    p = gpd.GeoDataFrame({"m": [4.0], "q": 1.0, "H": 300.0}, geometry=[box(0, 0, 800, 800)], crs="EPSG:4548")
    w = predict_subsidence(p, resolution_m=10.0)
    z = restoration_zones(w, groundwater_depth_m=1.5)
    lc = park_landcover(z)
    assert lc["landcover"].tolist() == ["water", "green"]
    park = z[z["in_park"]]
    assert lc["area_m2"].sum() == pytest.approx(park.area.sum())
    plan = park_plan(None, z)
    assert plan["area_m2"].sum() == pytest.approx(park["area_m2"].sum())
    assert plan["water_area_m2"].sum() == pytest.approx(park["water_area_m2"].sum())
    assert (plan["green_coverage_ratio"] <= 1 - plan["water_surface_ratio"] + 1e-12).all()


def test_errors():
    z = zones()
    with pytest.raises(MissingColumnError):
        park_plan(None, z.drop(columns="in_park"))
    with pytest.raises(EmptyDataError):
        park_plan(None, z.assign(in_park=False))
    with pytest.raises(CRSError):
        park_plan(None, z.to_crs(4326))
    with pytest.raises(CRSMismatchError):
        park_plan(None, z, buildings=buildings().to_crs(4326))
    with pytest.raises(InvalidOptionError):
        park_plan(None, z, paved_share=1.5)
    with pytest.raises(InvalidOptionError):
        park_plan(None, z, population_col="residents")


# ------------------------------------------------------------------ followable errors, no silent NaN


def test_park_plan_on_invalid_advice_is_executable():
    from shapely import Polygon

    from urbangeo.errors import GeometryFixedWarning, InvalidGeometryError

    z = zones()
    bowtie = Polygon([(X0 + 1000, Y0), (X0 + 1100, Y0 + 100), (X0 + 1100, Y0), (X0 + 1000, Y0 + 100)])
    z.loc[2, "geometry"] = bowtie
    with pytest.raises(InvalidGeometryError, match="on_invalid='fix'"):
        park_plan(None, z, on_invalid="raise")
    with assert_not_mutated(z), pytest.warns(GeometryFixedWarning):
        p = park_plan(None, z, on_invalid="fix", min_park_area_m2=1000.0)
    assert p["area_m2"].sum() == pytest.approx(20000 + 5000)
    with pytest.raises(TypeError):
        park_plan(None, z, None)


def test_nan_residents_warn_and_do_not_undercount():
    from urbangeo.errors import MissingValuesWarning

    z, bl = zones(), buildings()
    clean = park_plan(None, z, buildings=bl, population_col="residents")
    bl.loc[bl.index[:7], "residents"] = np.nan
    with assert_not_mutated(bl), pytest.warns(MissingValuesWarning, match=r"7 of 300 .*'residents'.*fillna") as rec:
        p = park_plan(None, z, buildings=bl, population_col="residents")
    assert "dropna" in str(rec[0].message)
    for (_, row), (_, ref) in zip(p.iterrows(), clean.iterrows()):
        inside = bl.distance(row.geometry) <= row.service_radius_m
        assert row.buildings_served == ref.buildings_served
        if bl.loc[inside, "residents"].isna().any():
            assert np.isnan(row.residents_served)  # unknown, not an undercount
        else:
            assert row.residents_served == ref.residents_served
    # the advice works: fill (or drop) and the warning is gone
    filled = park_plan(None, z, buildings=bl.fillna({"residents": 0.0}), population_col="residents")
    assert filled["residents_served"].notna().all()


# ------------------------------------------------------------------ parks checked at the door, metres only
# (entrances and service areas are the accessibility wing's: their door checks are in
# tests/accessibility/test_parks.py and the bad-input matrix)


def test_park_plan_counts_only_located_buildings_and_checks_spacing():
    from urbangeo.errors import DroppedRowsWarning

    z, bl = zones(), buildings()
    clean = park_plan(None, z, buildings=bl, population_col="residents")
    inside = bl.distance(clean.geometry.iloc[0]) <= clean.service_radius_m.iloc[0]
    first = bl.index[inside][0]
    bl.loc[first, "geometry"] = None
    with assert_not_mutated(bl), pytest.warns(DroppedRowsWarning, match=r"`buildings`: 1 of 300 rows have no geometry"):
        p = park_plan(None, z, buildings=bl, population_col="residents")
    assert p["buildings_served"].iloc[0] == clean["buildings_served"].iloc[0] - 1
    with pytest.raises(InvalidOptionError, match="`entrance_spacing_m`"):
        park_plan(None, z, entrance_spacing_m=0)
    with pytest.raises(InvalidOptionError, match="`max_snap_m`"):
        park_plan(None, z, max_snap_m=-1.0)


def test_park_class_checks_its_input():
    from urbangeo.errors import ColumnTypeError

    with pytest.raises(ColumnTypeError, match=r"`area_ha`.*float\(area_ha\)"):
        park_class("5")
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(InvalidOptionError, match="`area_ha`"):
            park_class(bad)
    assert park_class(np.float64(12.0)) == ("comprehensive", 1200.0)
