"""Parks: classes by size, entrances, radius vs network service areas, coverage (grid analytic + real)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from urbangeo.accessibility import (
    classify_parks,
    grid_network,
    network_from_osm,
    park_coverage,
    park_coverage_summary,
    park_entrances,
    park_service_areas,
)
from urbangeo.errors import (
    DroppedRowsWarning,
    EmptyDataError,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidGeometryError,
    InvalidOptionError,
    MissingColumnError,
)
from urbangeo.standards import park_classes, standard_table
from urbangeo.testing import assert_not_mutated

X0, Y0 = 500_000.0, 2_500_000.0


def _box_ha(ha, x=0.0, y=0.0):
    side = np.sqrt(ha * 10_000.0)
    return box(X0 + x, Y0 + y, X0 + x + side, Y0 + y + side)


def test_classify_by_area_and_boundaries():
    parks = gpd.GeoDataFrame(
        geometry=[_box_ha(a) for a in (12, 10, 7, 5, 2, 1, 0.5, 0.4, 0.1)], crs=32650
    )
    with assert_not_mutated(parks):
        out = classify_parks(parks)
    np.testing.assert_allclose(out.area_ha, [12, 10, 7, 5, 2, 1, 0.5, 0.4, 0.1], rtol=1e-9)
    assert out.park_class.tolist() == [
        "comprehensive", "comprehensive", "community_large", "community_large", "community", "community",
        "garden", "garden", None,
    ]
    # the default is the low end of each range (issue 13: one classification with subsidence.park_plan)
    np.testing.assert_array_equal(out.radius_m.to_numpy()[:8], [1200, 1200, 800, 800, 500, 500, 300, 300])
    assert np.isnan(out.radius_m.iloc[8])
    high = classify_parks(parks, radius="high")
    np.testing.assert_array_equal(high.radius_m.to_numpy()[:8], [3000, 3000, 1000, 1000, 500, 500, 300, 300])
    # the same classification as the core function both wings call
    core = park_classes(out.area_ha)
    assert core.park_class.tolist() == out.park_class.tolist()
    np.testing.assert_array_equal(core.radius_m, out.radius_m)
    over = classify_parks(parks, radii_m={"garden": 250})
    assert over.radius_m.iloc[6] == 250
    # geographic input: areas computed in a metric CRS
    geo = classify_parks(parks.to_crs(4326))
    np.testing.assert_allclose(geo.area_ha, out.area_ha, rtol=1e-3)
    assert (standard_table("GB/T51346-2019").status == "unverified").all()


def test_classify_errors():
    parks = gpd.GeoDataFrame(geometry=[_box_ha(2)], crs=32650)
    with pytest.raises(InvalidOptionError, match="unknown classes"):
        classify_parks(parks, radii_m={"pocket": 100})
    with pytest.raises(GeometryTypeError, match="`parks` must hold MultiPolygon/Polygon geometries"):
        classify_parks(gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=32650))
    with pytest.raises(InvalidOptionError, match="standard"):
        classify_parks(parks, standard="GB51346")
    with pytest.raises(InvalidOptionError, match="radius"):
        classify_parks(parks, radius="mid")


@pytest.fixture(scope="module")
def grid():
    return grid_network(31, 31, spacing_m=100, speed_kmh=4.5)


@pytest.fixture(scope="module")
def block_park(grid):
    # exactly one 1 ha block bounded by four streets -> "community", 500 m
    return gpd.GeoDataFrame({"name": ["block park"]},
                            geometry=[box(X0 + 1500, Y0 + 1500, X0 + 1600, Y0 + 1600)], crs=grid.crs)


def test_entrances_lie_on_the_park_boundary(grid, block_park):
    e = park_entrances(grid, block_park, entrance_spacing_m=50, max_snap_m=5)
    assert len(e) >= 8 and (e.park == 0).all()
    np.testing.assert_allclose(e.access_m, 0.0, atol=1e-9)
    d = shapely.distance(e.geometry.values, block_park.geometry.iloc[0].boundary)
    assert np.max(d) < 1e-6


def test_coverage_matches_manhattan_to_corners(grid, block_park):
    rng = np.random.default_rng(4)
    xy = rng.integers(5, 26, (80, 2)) * 100.0
    homes = gpd.GeoDataFrame({"population": rng.integers(1, 30, 80).astype(float)},
                             geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=grid.crs)
    with assert_not_mutated(homes, block_park):
        cov = park_coverage(grid, homes, block_park, max_snap_m=5)
    corners = np.array([[1500, 1500], [1600, 1500], [1500, 1600], [1600, 1600]], float)
    manhattan = np.abs(xy[:, None, :] - corners[None]).sum(axis=2).min(axis=1)
    np.testing.assert_allclose(cov.park_network_m, manhattan, atol=1e-6)
    park = block_park.geometry.iloc[0]
    straight = shapely.distance(homes.geometry.values, park)
    np.testing.assert_allclose(cov.park_straight_m, straight, atol=1e-6)
    assert (cov.covered_radius.to_numpy() == (straight <= 500)).all()
    assert (cov.covered_network.to_numpy() == (manhattan <= 500)).all()
    assert (cov.covered_radius_only.to_numpy() == ((straight <= 500) & (manhattan > 500))).all()
    assert cov.covered_radius_only.any()  # the radius reading claims more than people can walk
    s = park_coverage_summary(cov)
    w = homes.population.to_numpy()
    assert s.loc["radius", "share_population"] == pytest.approx(w[straight <= 500].sum() / w.sum())
    assert s.loc["network", "share_population"] == pytest.approx(w[manhattan <= 500].sum() / w.sum())
    assert s.loc["network", "n_covered"] == int((manhattan <= 500).sum())


def test_service_areas_radius_vs_network(grid, block_park):
    sa = park_service_areas(grid, block_park, street_width_m=10, max_snap_m=5)
    assert sa.reading.tolist() == ["radius", "network"]
    assert (sa.park_class == "community").all() and (sa.radius_m == 500).all()
    expected = shapely.buffer(block_park.geometry.iloc[0], 500).area
    assert sa.area_m2.iloc[0] == pytest.approx(expected)
    assert sa.area_m2.iloc[1] < sa.area_m2.iloc[0]
    # nodes within 500 network metres are inside the network reading, nodes at >= 600 m are outside
    net_poly = sa.geometry.iloc[1]
    nodes = grid.nodes
    xy = np.c_[nodes.geometry.x - X0, nodes.geometry.y - Y0]
    corners = np.array([[1500, 1500], [1600, 1500], [1500, 1600], [1600, 1600]], float)
    manhattan = np.abs(xy[:, None, :] - corners[None]).sum(axis=2).min(axis=1)
    inside = shapely.covers(net_poly, nodes.geometry.values)
    assert inside[manhattan <= 500].all()
    assert not inside[manhattan >= 600].any()


def test_unclassified_parks_reported_not_dropped(grid):
    tiny = gpd.GeoDataFrame(geometry=[box(X0 + 1510, Y0 + 1510, X0 + 1530, Y0 + 1530)], crs=grid.crs)
    sa = park_service_areas(grid, tiny)
    assert len(sa) == 0 and sa.attrs["parks"]["unclassified"] == [0]
    homes = gpd.GeoDataFrame(geometry=[Point(X0 + 1500, Y0 + 1500)], crs=grid.crs)
    cov = park_coverage(grid, homes, tiny)
    assert cov.attrs["parks"]["unclassified"] == [0]
    assert not cov.covered_radius.iloc[0] and np.isnan(cov.park_straight_m.iloc[0])


def test_summary_errors():
    with pytest.raises(MissingColumnError):
        park_coverage_summary(pd.DataFrame({"covered_radius": [True]}))
    with pytest.raises(TypeError):
        park_coverage_summary([1, 2])
    with pytest.raises(EmptyDataError, match="`coverage` has no rows"):
        park_coverage_summary(pd.DataFrame({"covered_radius": [True], "covered_network": [False]}).iloc[:0])


def test_entrances_of_invalid_or_missing_parks_are_warned(grid, block_park):
    x, y = X0 + 1500, Y0 + 1500
    bowtie = Polygon([(x, y), (x + 200, y + 200), (x + 200, y), (x, y + 200)])
    parks = gpd.GeoDataFrame(geometry=[bowtie, None], crs=grid.crs, index=["bow", "gone"])
    with assert_not_mutated(parks), pytest.warns(GeometryFixedWarning, match="`parks`: repaired 1"), \
            pytest.warns(DroppedRowsWarning, match=r"1 of 2 rows of `parks` have no geometry .*rows 'gone'"):
        e = park_entrances(grid, parks, entrance_spacing_m=50, max_snap_m=30)
    # the repaired bow-tie (two triangles) gets entrances on its boundary; the missing park one row with its note
    on = e[e.park == "bow"]
    assert len(on) > 0 and (on.edge >= 0).all()
    assert e[e.park == "gone"].note.tolist() == ["missing geometry"]


def test_coverage_validates_park_polygons(grid):
    # a 200 m x 200 m bow-tie: two 1 ha triangles; as drawn its signed area is 0 ha (no class, no coverage)
    x, y = X0 + 1500, Y0 + 1500
    bowtie = Polygon([(x, y), (x + 200, y + 200), (x + 200, y), (x, y + 200)])
    parks = gpd.GeoDataFrame({"name": ["bow-tie"]}, geometry=[bowtie], crs=grid.crs)
    homes = gpd.GeoDataFrame(geometry=[Point(x + 300, y + 100), Point(x - 2000, y)], crs=grid.crs)
    with assert_not_mutated(homes, parks), pytest.warns(GeometryFixedWarning, match="`parks`: repaired 1"):
        cov = park_coverage(grid, homes, parks, max_snap_m=5)
    fixed = shapely.make_valid(bowtie)
    assert fixed.area == pytest.approx(20_000.0)  # 2 ha: "community", 500 m
    assert cov.attrs["parks"]["radii"] == {"community": 500.0}
    np.testing.assert_allclose(cov.park_straight_m, shapely.distance(homes.geometry.values, fixed), atol=1e-6)
    assert cov.park_straight_m.iloc[0] == pytest.approx(100.0)
    # on foot: to the nearest entrance on the triangle's street side (entrances every 50 m)
    assert 100.0 - 1e-6 <= cov.park_network_m.iloc[0] <= 150.0
    assert cov.covered_radius.tolist() == [True, False] and cov.covered_network.tolist() == [True, False]
    with pytest.raises(InvalidGeometryError, match="`parks` has 1 invalid geometries"):
        park_coverage(grid, homes, parks, on_invalid="raise")
    # missing and empty parks are excluded with a warning and listed, never a silent "not covered"
    two = gpd.GeoDataFrame(geometry=[None, Polygon(), box(x, y, x + 100, y + 100)], crs=grid.crs)
    with pytest.warns(DroppedRowsWarning, match="`parks`: 2 rows excluded .missing or empty geometry"):
        cov2 = park_coverage(grid, homes, two, max_snap_m=5)
    assert cov2.attrs["parks"]["excluded"] == [0, 1] and cov2.attrs["parks"]["unclassified"] == []
    np.testing.assert_allclose(cov2.park_straight_m.iloc[0], 200.0)
    with pytest.raises(GeometryTypeError, match="`parks` must hold"):
        park_coverage(grid, homes, gpd.GeoDataFrame(geometry=[LineString([(x, y), (x + 100, y)])], crs=grid.crs))


def test_messages_name_residences_and_parks(grid, block_park):
    lines = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 50, Y0)])], crs=grid.crs)
    with pytest.raises(GeometryTypeError, match="`residences` must hold points or polygons"):
        park_coverage(grid, lines, block_park)
    far = gpd.GeoDataFrame(geometry=[block_park.geometry.iloc[0], box(X0 + 9000, Y0 + 9000, X0 + 9200, Y0 + 9200)],
                           crs=grid.crs, index=["near", "far"])
    homes = gpd.GeoDataFrame(geometry=[Point(X0 + 1500, Y0 + 1400)], crs=grid.crs)
    with pytest.warns(DroppedRowsWarning, match="1 of 2 parks could not be snapped .* 'far'"):
        cov = park_coverage(grid, homes, far, max_snap_m=5)
    assert cov.park_network_m.iloc[0] == pytest.approx(100.0)


# ----------------------------------------------------------------------------- real data
def _areas(path, key, values=None):
    import osmium

    fab = osmium.geom.WKBFactory()
    vals, geoms = [], []
    for obj in osmium.FileProcessor(str(path)).with_areas().with_filter(osmium.filter.KeyFilter(key)):
        if obj.is_area() and (values is None or obj.tags.get(key) in values):
            try:
                geoms.append(shapely.from_wkb(fab.create_multipolygon(obj)))
            except RuntimeError:  # broken multipolygon in a clipped extract
                continue
            vals.append(obj.tags.get(key))
    return gpd.GeoDataFrame({key: vals}, geometry=geoms, crs=4326)


@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")  # real data: doubtful snaps are expected; tested in test_snapping
def test_real_porto_parks_radius_vs_network(shared_data):
    """Porto: real parks and buildings; walking can never beat the straight line."""
    path = shared_data("osm/porto_centre_2020.osm.pbf")
    net = network_from_osm(path, mode="walk")
    parks = _areas(path, "leisure", {"park"})
    buildings = _areas(path, "building")
    assert len(parks) >= 10 and len(buildings) > 10_000
    sample = buildings.sample(1500, random_state=0)
    cov = park_coverage(net, sample, parks)
    ok = cov.park_network_m.notna().to_numpy()
    assert ok.mean() > 0.9
    # network distance >= straight-line distance (triangle inequality through the entrance)
    assert (cov.park_network_m[ok] >= cov.park_straight_m[ok] - 1e-6).all()
    assert not (cov.covered_network & ~cov.covered_radius).any()
    s = park_coverage_summary(cov)
    assert s.loc["network", "share_buildings"] <= s.loc["radius", "share_buildings"]
    sa = park_service_areas(net, parks)
    for cls, grp in sa.groupby("park_class"):
        r = grp.set_index("reading").area_m2
        assert r["network"] <= r["radius"], cls
