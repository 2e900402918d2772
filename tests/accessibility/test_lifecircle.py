"""Life-circle audit and summary: analytic grids, presets, real Helsinki amenities vs networkx."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from tests.accessibility._reference import people_nodes
from urbangeo.accessibility import (
    grid_network,
    life_circle_audit,
    life_circle_standard,
    life_circle_summary,
    network_from_osm,
    snap_points,
)
from urbangeo.errors import (
    CategoryMismatchWarning,
    CRSMismatchError,
    DroppedRowsWarning,
    EmptyInputWarning,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidGeometryError,
    InvalidOptionError,
    MissingColumnError,
)
from urbangeo.settings import settings
from urbangeo.testing import assert_not_mutated

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx

SPEED = 4.5  # km/h -> 75 m per minute
X0, Y0 = 500_000.0, 2_500_000.0


@pytest.fixture(scope="module")
def grid():
    return grid_network(15, 15, spacing_m=75, speed_kmh=SPEED)


def _pts(xy, crs, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=crs)


def test_audit_matches_manhattan_on_grid(grid):
    rng = np.random.default_rng(0)
    homes_xy = rng.integers(0, 15, (40, 2)) * 75.0
    fac_xy = rng.integers(0, 15, (9, 2)) * 75.0
    cats = np.array(["kindergarten", "primary_school", "health_center"] * 3)
    homes = _pts(homes_xy, grid.crs, population=rng.integers(1, 100, 40).astype(float))
    fac = _pts(fac_xy, grid.crs, category=cats)
    req = {"kindergarten": 5, "primary_school": 10, "health_center": 15}
    with assert_not_mutated(homes, fac):
        out = life_circle_audit(grid, homes, fac, required=req)
    assert out.index.equals(homes.index) and out.crs == homes.crs
    all_ok = np.ones(40, bool)
    for cat, circle in req.items():
        f = fac_xy[cats == cat]
        manhattan = np.abs(homes_xy[:, None, :] - f[None, :, :]).sum(axis=2).min(axis=1)
        np.testing.assert_allclose(out[f"{cat}_minutes_1"], manhattan / 75.0, atol=1e-9)
        np.testing.assert_allclose(out[f"{cat}_dist_m_1"], manhattan, atol=1e-6)
        ok = manhattan / 75.0 <= circle
        assert (out[f"{cat}_ok"].to_numpy() == ok).all()
        all_ok &= ok
        # smallest standard circle containing the nearest facility
        m = manhattan / 75.0
        expect = np.where(m <= 5, 5.0, np.where(m <= 10, 10.0, np.where(m <= 15, 15.0, np.nan)))
        np.testing.assert_array_equal(out[f"{cat}_circle"].to_numpy(), expect)
    assert (out.compliant.to_numpy() == all_ok).all()
    for _, row in out.iterrows():
        expected = [c for c in req if not row[f"{c}_ok"]]
        assert row.missing == ";".join(expected)
        assert row.n_missing == len(expected)
    info = out.attrs["life_circle"]
    assert info["required"] == {k: float(v) for k, v in req.items()}
    # summary: population-weighted shares by hand
    out["block"] = np.where(homes_xy[:, 0] < 500, "west", "east")
    s = life_circle_summary(out, group_by="block")
    w = homes.population.to_numpy()
    for lab in ("west", "east"):
        m = out.block.to_numpy() == lab
        for cat in req:
            assert s.loc[lab, f"share_{cat}"] == pytest.approx(w[m & out[f"{cat}_ok"].to_numpy()].sum() / w[m].sum())
        assert s.loc[lab, "share_all"] == pytest.approx(w[m & all_ok].sum() / w[m].sum())
    assert s.loc["all", "population"] == pytest.approx(w.sum())
    assert s.loc["all", "share_all"] == pytest.approx(w[all_ok].sum() / w.sum())


def test_threshold_is_inclusive_and_distance_measure(grid):
    # facility exactly 5 minutes (375 m) away: within the 5-minute circle
    homes = _pts([(0, 0)], grid.crs)
    fac = _pts([(375, 0), (0, 525)], grid.crs, category=["kindergarten", "primary_school"])
    out = life_circle_audit(grid, homes, fac, required=["kindergarten", "primary_school"])
    assert out.kindergarten_minutes_1.iloc[0] == pytest.approx(5.0)
    assert bool(out.kindergarten_ok.iloc[0])
    # distance reading: GB 50180 preset 300 m (5 min) and 500 m (10 min) -> both fail
    d = life_circle_audit(grid, homes, fac, required=["kindergarten", "primary_school"], measure="dist_m")
    assert not d.kindergarten_ok.iloc[0] and not d.primary_school_ok.iloc[0]
    assert d.attrs["life_circle"]["limits"] == {5.0: 300.0, 10.0: 500.0, 15.0: 1000.0}
    # limits override
    d2 = life_circle_audit(grid, homes, fac, required=["kindergarten", "primary_school"], measure="dist_m",
                           limits={5: 400, 10: 600})
    assert d2.kindergarten_ok.iloc[0] and d2.primary_school_ok.iloc[0]


def test_missing_category_and_unsnapped_home(grid):
    homes = _pts([(0, 0), (5000, 5000)], grid.crs)  # the second is 4 km off the grid
    fac = _pts([(75, 0)], grid.crs, category=["kindergarten"])
    out = life_circle_audit(grid, homes, fac, required={"kindergarten": 5, "elderly_day_care": 5}, max_snap_m=100)
    assert out.elderly_day_care_minutes_1.isna().all()
    assert out.elderly_day_care_ok.tolist() == [False, False]
    assert out.missing.tolist() == ["elderly_day_care", "kindergarten;elderly_day_care"]
    assert np.isnan(out.kindergarten_minutes_1.iloc[1])
    assert out.snap_note.iloc[1] is not None and "max_snap_m" in out.snap_note.iloc[1]
    assert out.attrs["life_circle"]["categories_without_facilities"] == ["elderly_day_care"]


def test_facilities_without_category_are_warned_about(grid):
    homes = _pts([(0, 0)], grid.crs)
    fac = _pts([(75, 0), (150, 0)], grid.crs, category=[None, "kindergarten"]).set_index(pd.Index(["x", "y"]))
    with assert_not_mutated(fac), pytest.warns(DroppedRowsWarning, match=r"1 of 2 rows of `facilities` have no "
                                                                   r"category in `category` \(rows 'x'\)"):
        out = life_circle_audit(grid, homes, fac, required={"kindergarten": 5})
    assert out.kindergarten_facility_1.tolist() == ["y"] and out.kindergarten_minutes_1.tolist() == [2.0]


def test_summary_refuses_areas_in_another_crs(grid):
    audit = _audit_frame([(90, 50)], grid.crs, [True])
    areas = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 200, Y0 + 200)], crs=grid.crs)
    assert life_circle_summary(audit, areas=areas).loc["all", "n_residences"] == 1
    with pytest.raises(CRSMismatchError, match=r"`areas` is in EPSG:4326 .* areas = areas.to_crs\(audit.crs\)"):
        life_circle_summary(audit, areas=areas.to_crs(4326))


def test_default_required_is_the_standard(grid):
    homes = _pts([(0, 0)], grid.crs)
    fac = _pts([(75, 0)], grid.crs, category=["kindergarten"])
    out = life_circle_audit(grid, homes, fac)
    t = life_circle_standard()
    assert set(out.attrs["life_circle"]["required"]) == set(t.facility)
    assert out.n_missing.iloc[0] == len(t) - 1
    assert out.kindergarten_ok.iloc[0]


def test_standard_table_status_columns():
    t = life_circle_standard()
    assert {"distance_status", "population_status", "facility_status", "source"} <= set(t.columns)
    assert set(t.circle_minutes) == {5, 10, 15}
    ten = t[t.circle_minutes == 10].iloc[0]
    assert ten.walk_distance_m_high == 500 and ten.population_low == 15000 and ten.population_high == 25000
    assert ten.distance_status.startswith("verified-secondary")
    fifteen = t[t.circle_minutes == 15].iloc[0]
    assert (fifteen.population_low, fifteen.population_high) == (50000, 100000)
    assert fifteen.distance_status == "unverified"
    assert (t.facility_status == "unverified").all()


def test_summary_areas_and_outside(grid):
    homes = _pts([(0, 0), (600, 0), (9000, 9000)], grid.crs, population=[1.0, 3.0, 2.0])
    fac = _pts([(75, 0)], grid.crs, category=["kindergarten"])
    with settings.override(snap_warn_m=20000):  # the far home is on purpose
        out = life_circle_audit(grid, homes, fac, required={"kindergarten": 5}, max_snap_m=20000)
    areas = gpd.GeoDataFrame(geometry=[box(X0 - 10, Y0 - 10, X0 + 300, Y0 + 10),
                                       box(X0 + 301, Y0 - 10, X0 + 700, Y0 + 10)], crs=grid.crs,
                             index=pd.Index(["A", "B"], name="community"))
    s = life_circle_summary(out, areas=areas)
    assert list(s.index) == ["A", "B", "outside", "all"]
    assert s.loc["A", "share_all"] == 1.0 and s.loc["B", "share_all"] == 0.0
    assert s.loc["outside", "n_residences"] == 1
    assert s.loc["all", "share_kindergarten"] == pytest.approx(1 / 6)


def test_bad_inputs(grid):
    homes = _pts([(0, 0)], grid.crs)
    fac = _pts([(75, 0)], grid.crs, category=["kindergarten"])
    with pytest.raises(MissingColumnError):
        life_circle_audit(grid, homes, fac, by="kind")
    with pytest.raises(InvalidOptionError, match="standard"):
        life_circle_audit(grid, homes, fac, standard="GB 50180")
    with pytest.raises(InvalidOptionError, match="not in GB50180-2018"):
        life_circle_audit(grid, homes, fac, required=["pharmacy"])
    with pytest.raises(InvalidOptionError, match="measure"):
        life_circle_audit(grid, homes, fac, required={"kindergarten": 5}, measure="metres")
    with pytest.raises(InvalidOptionError):
        life_circle_audit(grid, homes, fac, required={"kindergarten": -5})
    with pytest.raises(InvalidOptionError, match="walking distance"):
        life_circle_audit(grid, homes, fac, required={"kindergarten": 20}, measure="dist_m")
    with pytest.raises(InvalidOptionError):
        life_circle_summary(homes)
    out = life_circle_audit(grid, homes, fac, required={"kindergarten": 5})
    with pytest.raises(InvalidOptionError, match="not both"):
        life_circle_summary(out, group_by="x", areas=homes)


# ----------------------------------------------------------------------------- no silent misleading results
def test_preset_against_osm_categories_warns(grid):
    # OSM-style categories against the GB 50180 preset: no category matches, every home "misses 17 of 17"
    homes = _pts([(0, 0), (150, 0)], grid.crs)
    fac = _pts([(75, 0), (0, 75)], grid.crs, category=["clinic", "school"])
    with pytest.warns(CategoryMismatchWarning) as rec:
        out = life_circle_audit(grid, homes, fac)
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "none of the 17 required categories" in msg and "'clinic', 'school'" in msg
    # the fix is executable: the standard's names for these OSM values, or your own categories
    assert "'clinic': 'health_center'" in msg and "'school': 'middle_school'" in msg
    assert "required={'clinic': 15, 'school': 15}" in msg
    assert out.n_missing.tolist() == [17, 17] and not out.compliant.any()
    assert len(out.attrs["life_circle"]["categories_without_facilities"]) == 17
    # the suggested renaming works: health_center (15 min) is then 1 and 3 minutes away
    renamed = fac.assign(category=fac["category"].replace({"clinic": "health_center", "school": "middle_school"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = life_circle_audit(grid, homes, renamed)
    np.testing.assert_allclose(ok.health_center_minutes_1, [1.0, 1.0])
    np.testing.assert_allclose(ok.middle_school_minutes_1, [1.0, 3.0])
    assert ok.n_missing.tolist() == [15, 15]


def test_empty_facilities_warn_and_give_nan(grid):
    homes = _pts([(0, 0), (150, 0)], grid.crs)
    none = _pts([(75, 0)], grid.crs, category=["clinic"]).iloc[:0]
    with pytest.warns(EmptyInputWarning) as rec:
        out = life_circle_audit(grid, homes, none, required={"kindergarten": 5, "clinic": 15})
    assert [w.category for w in rec] == [EmptyInputWarning]
    msg = str(rec[0].message)
    assert "`facilities` has no rows" in msg and "all 2 required categories" in msg
    assert out.n_missing.tolist() == [2, 2] and out.missing.tolist() == ["kindergarten;clinic"] * 2
    assert out.clinic_minutes_1.isna().all() and not out.clinic_ok.any() and not out.compliant.any()
    np.testing.assert_allclose(out.snap_dist_m, [0.0, 0.0])


def test_messages_name_the_residences_argument(grid):
    lines = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 50, Y0)])], crs=grid.crs)
    fac = _pts([(75, 0)], grid.crs, category=["kindergarten"])
    with pytest.raises(GeometryTypeError, match="`residences` must hold points or polygons") as err:
        life_circle_audit(grid, lines, fac, required={"kindergarten": 5})
    assert "origins" not in str(err.value) and "residences.assign(" in str(err.value)


def _audit_frame(xy, crs, ok):
    return gpd.GeoDataFrame(
        {"a_ok": ok, "n_missing": [0 if v else 1 for v in ok], "compliant": ok},
        geometry=[None if p is None else Point(X0 + p[0], Y0 + p[1]) for p in xy], crs=crs,
    )


def test_summary_validates_area_polygons(grid):
    audit = _audit_frame([(90, 50), (10, 50), (500, 500)], grid.crs, [True, False, True])
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])  # two triangles
    areas = gpd.GeoDataFrame(geometry=[bowtie, box(X0 + 400, Y0 + 400, X0 + 600, Y0 + 600)], crs=grid.crs,
                             index=pd.Index(["A", "B"], name="community"))
    # default on_invalid="fix": the bow-tie is repaired (and said so); its two homes stay in "A"
    with assert_not_mutated(audit, areas), pytest.warns(GeometryFixedWarning, match="`areas`: repaired 1"):
        s = life_circle_summary(audit, areas=areas)
    assert list(s.index) == ["A", "B", "all"]
    assert s.loc["A", "n_residences"] == 2 and s.loc["A", "share_a"] == 0.5 and s.loc["B", "share_a"] == 1.0
    with pytest.raises(InvalidGeometryError, match="`areas` has 1 invalid geometries"):
        life_circle_summary(audit, areas=areas, on_invalid="raise")
    # a missing area polygon is reported; its homes are "outside" with the warning, not silently
    holed = areas.assign(geometry=[None, areas.geometry.iloc[1]])
    with pytest.warns(DroppedRowsWarning, match="`areas`: 1 rows excluded .missing or empty geometry"):
        s2 = life_circle_summary(audit, areas=holed)
    assert s2.loc["outside", "n_residences"] == 2 and s2.loc["B", "n_residences"] == 1
    with pytest.raises(GeometryTypeError, match="`areas` must hold"):
        life_circle_summary(audit, areas=areas.assign(geometry=areas.boundary))
    # a home without geometry is its own group, not "outside"
    nogeom = _audit_frame([(500, 500), None], grid.crs, [True, False])
    s3 = life_circle_summary(nogeom, areas=areas.iloc[[1]])
    assert s3.loc["missing", "n_residences"] == 1 and "outside" not in s3.index


# ----------------------------------------------------------------------------- real data
def _helsinki_amenities(path):
    import osmium

    rows = []
    wanted = {"cafe", "restaurant", "pharmacy", "doctors", "clinic", "library"}
    for obj in osmium.FileProcessor(str(path)).with_filter(osmium.filter.KeyFilter("amenity")):
        if obj.is_node() and obj.tags.get("amenity") in wanted:
            rows.append((obj.tags["amenity"], obj.location.lon, obj.location.lat))
    df = pd.DataFrame(rows, columns=["category", "lon", "lat"])
    return gpd.GeoDataFrame(df[["category"]], geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)


@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")  # real data: doubtful snaps are expected; tested in test_snapping
def test_real_helsinki_audit_matches_networkx(shared_data):
    """Real amenities as facilities, residences at real network nodes; reference = networkx."""
    path = shared_data("osm/helsinki_centre_2019.osm.pbf")
    net = network_from_osm(path, mode="walk")
    fac = _helsinki_amenities(path)
    assert len(fac) > 20
    rng = np.random.default_rng(11)
    main = np.flatnonzero(people_nodes(net))  # homes at nodes where people can be
    pick = rng.choice(main, 60, replace=False)
    homes = gpd.GeoDataFrame(geometry=net.nodes.geometry.iloc[pick].values, crs=net.crs).to_crs(4326)
    req = {"cafe": 5, "restaurant": 5, "pharmacy": 10, "library": 15}
    out = life_circle_audit(net, homes, fac, required=req, speed_kmh=SPEED)
    # reference: networkx multi-source Dijkstra from the snapped facility positions
    g = nx.Graph()
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length_m):
        if not g.has_edge(u, v) or g[u][v]["w"] > length:
            g.add_edge(int(u), int(v), w=float(length))
    mpm = SPEED * 1000 / 60
    for cat in req:
        f = fac[fac.category == cat].reset_index(drop=True)
        s = snap_points(net, f)
        s = s[s.edge >= 0]
        ref = np.full(len(pick), np.inf)
        for _, r in s.iterrows():
            e = int(r.edge)
            u, v, L = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length_m[e])
            g.add_edge("F", u, w=r.dist_m + r.offset_m)
            g.add_edge("F", v, w=r.dist_m + (L - r.offset_m))
            d = nx.single_source_dijkstra_path_length(g, "F", weight="w")
            g.remove_node("F")
            ref = np.minimum(ref, [d.get(int(i), np.inf) for i in pick])
        ref_min = np.where(np.isfinite(ref), ref / mpm, np.nan)
        np.testing.assert_allclose(out[f"{cat}_minutes_1"].to_numpy(), ref_min, atol=1e-6)
        assert (out[f"{cat}_ok"].to_numpy() == (np.nan_to_num(ref_min, nan=np.inf) <= req[cat])).all()
    s = life_circle_summary(out)
    assert 0.0 <= s.loc["all", "share_all"] <= 1.0
    assert s.loc["all", "n_residences"] == 60


def test_maps_carry_attribution_and_results_are_explore_friendly(grid):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from urbangeo.accessibility import assign_demand, park_service_areas, site_facilities
    from urbangeo.accessibility.plotting import plot_access, plot_gaps, plot_service_areas, plot_sites
    from urbangeo.datasets import OSM_ATTRIBUTION

    rng = np.random.default_rng(2)
    homes = _pts(rng.uniform(0, 1000, (30, 2)), grid.crs)
    fac = _pts([(75, 75), (900, 900)], grid.crs, category=["kindergarten", "health_center"])
    audit = life_circle_audit(grid, homes, fac, required={"kindergarten": 5, "health_center": 15})
    # plain columns only (GeoPackage / explore() friendly)
    for col in audit.columns.drop("geometry"):
        assert not audit[col].map(lambda v: isinstance(v, (list, dict, set))).any(), col
    sites = site_facilities(grid, homes, candidates=None, model="mclp", p=1, minutes=4)
    demand = assign_demand(grid, homes, sites, minutes=4)
    parks = gpd.GeoDataFrame(geometry=[box(X0 + 300, Y0 + 300, X0 + 450, Y0 + 450)], crs=grid.crs)
    sa = park_service_areas(grid, parks)
    axes = [
        plot_gaps(audit, network=grid),
        plot_access(audit, "kindergarten_minutes_1", network=grid),
        plot_sites(demand, sites, network=grid),
        plot_service_areas(sa, parks=parks, network=grid),
    ]
    for ax in axes:
        assert OSM_ATTRIBUTION in [t.get_text() for t in ax.texts]
    assert "compliant" in axes[0].get_title()
    plt.close("all")
