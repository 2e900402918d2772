"""Eligibility screening (urbangeo.landuse.screen_conversion): hand-computed cases,
geopandas.overlay as reference, real Prague plots, errors and invariants."""

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from urbangeo.errors import (
    ColumnTypeError,
    CRSMismatchError,
    DroppedRowsWarning,
    EmptyDataError,
    GeometryFixedWarning,
    InvalidOptionError,
    MissingColumnError,
    SkippedTestsWarning,
    UnknownCodeError,
)
from urbangeo.landuse import (
    assign_modelled_attributes,
    conversion_summary,
    load_profile,
    modelled_constraints,
    modelled_parcels,
    screen_conversion,
)
from urbangeo.settings import settings
from urbangeo.testing import assert_not_mutated

CRS = "EPSG:4547"


def screen(parcels, **kw):
    """screen_conversion; a constraint layer left out must be named by a SkippedTestsWarning
    (the warning itself is tested in test_skipped_legal_tests_warn_and_are_listed)."""
    missing = [k for k in ("basic_farmland", "red_line") if kw.get(k) is None]
    if not missing:
        return screen_conversion(parcels, **kw)
    with pytest.warns(SkippedTestsWarning, match="|".join(f"`{k}`" for k in missing)):
        return screen_conversion(parcels, **kw)


def frame(rows, crs=CRS, **cols):
    geoms = [r[0] for r in rows]
    data = {"DLBM": [r[1] for r in rows], "QSXZ": [r[2] for r in rows], **cols}
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs)


def test_hand_computed_case(case):
    parcels, boundary, farmland, red = case
    with assert_not_mutated(parcels, boundary, farmland, red):
        out = screen(
            parcels, development_boundary=boundary, basic_farmland=farmland, red_line=red, profile="national"
        )
    assert out.index.equals(parcels.index) and out.crs == parcels.crs
    assert out.geometry.geom_equals(parcels.geometry).all()
    np.testing.assert_allclose(out.area_m2, 10000.0)
    # farmland box 270..330 x -10..50 covers x 270..300, y 0..50 of parcel 2 and x 300..330 of parcel 3
    np.testing.assert_allclose(out.overlap_basic_farmland_m2, [0, 0, 1500, 1500, 0, 0])
    np.testing.assert_allclose(out.overlap_red_line_m2, [0, 0, 0, 0, 0.25, 0.25])
    np.testing.assert_allclose(out.inside_boundary_m2, [1e4, 1e4, 1e4, 5000, 1e4, 1e4])
    assert out.eligible.tolist() == [True, False, False, False, True, True]
    assert out.failed_tests[1] == "not collectively owned (QSXZ 10)"
    assert out.failed_tests[2] == "overlaps permanent basic farmland (1,500.0 m2)"
    assert out.failed_tests[3] == (
        "outside the urban development boundary (5,000.0 m2); overlaps permanent basic farmland (1,500.0 m2)"
    )
    assert out.n_failed.tolist() == [0, 1, 1, 2, 0, 0]
    assert out.category.tolist() == ["A", "C", "C", "U", "U", "C"]
    np.testing.assert_allclose(out.quota_m2, [1e4, 0, 0, 1e4, 1e4, 0])
    assert out.approval_level.tolist() == ["province", None, None, None, "province", "province"]
    assert "Art. 46" in out.approval_reason[0]
    assert out.attrs["screening"]["tests_not_run"] == []


def test_sliver_tolerance_absolute_and_relative(case):
    parcels, boundary, farmland, red = case
    red_big = gpd.GeoDataFrame(geometry=[shapely.box(90, 150, 100, 160)], crs=CRS)  # 100 m2 on parcel 4
    out = screen(parcels, development_boundary=boundary, red_line=red_big)
    assert not out.eligible[4]
    assert "ecological protection red line (100.0 m2)" in out.failed_tests[4]
    # 100 m2 is 1 % of the parcel: a 2 % relative tolerance accepts it
    prof = load_profile("national", overlap_share_tolerance=0.02)
    assert screen(parcels, development_boundary=boundary, red_line=red_big, profile=prof).eligible[4]
    # an absolute tolerance of 200 m2 too
    with settings.override(sliver_tolerance_m2=200.0):
        assert screen(parcels, development_boundary=boundary, red_line=red_big).eligible[4]
    # zero tolerance: even the 0.25 m2 sliver disqualifies
    prof0 = load_profile("national", overlap_share_tolerance=0.0)
    with settings.override(sliver_tolerance_m2=0.0):
        out0 = screen(parcels, development_boundary=boundary, red_line=red, profile=prof0)
    assert out0.eligible.tolist() == [True, False, True, False, False, False]


def test_overlapping_constraint_polygons_count_once():
    parcels = frame([(shapely.box(0, 0, 100, 100), "0101", "32")])
    farm = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 60, 100), shapely.box(40, 0, 80, 100)], crs=CRS)
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(-1, -1, 101, 101)], crs=CRS)
    out = screen(parcels, development_boundary=boundary, basic_farmland=farm)
    assert out.overlap_basic_farmland_m2[0] == pytest.approx(8000.0)


def test_approval_level_thresholds():
    # 35 ha of paddy is not "more than 35 ha"; 35.04 ha is (LAL Art. 46(2))
    def run(side, cls="0101"):
        p = frame([(shapely.box(0, 0, side, side), cls, "32")])
        b = gpd.GeoDataFrame(geometry=[shapely.box(-1, -1, side + 1, side + 1)], crs=CRS)
        return screen(p, development_boundary=b)

    p35 = frame([(shapely.box(0, 0, 500, 700), "0101", "32")])
    b35 = gpd.GeoDataFrame(geometry=[shapely.box(-1, -1, 501, 701)], crs=CRS)
    assert screen(p35, development_boundary=b35).approval_level[0] == "province"
    hi = run(592.0)  # 35.05 ha
    assert hi.approval_level[0] == "State Council"
    assert "35.05 ha > 35 ha" in hi.approval_reason[0]
    assert run(830.0, "0601").approval_level[0] == "province"  # 68.9 ha other land
    assert run(840.0, "0601").approval_level[0] == "State Council"  # 70.56 ha
    # a project: two 20 ha paddies together exceed 35 ha; split in two projects they do not
    p = frame(
        [(shapely.box(0, 0, 400, 500), "0101", "32"), (shapely.box(400, 0, 800, 500), "0102", "32")],
        project=["a", "b"],
    )
    b = gpd.GeoDataFrame(geometry=[shapely.box(-1, -1, 801, 501)], crs=CRS)
    assert screen(p, development_boundary=b).approval_level.tolist() == ["State Council"] * 2
    assert screen(p, development_boundary=b, project_col="project").approval_level.tolist() == [
        "province"
    ] * 2
    summ = conversion_summary(screen(p, development_boundary=b), group_by=None)
    assert summ.loc["all", "quota_m2"] == pytest.approx(400_000.0)
    assert summ.loc["all", "agricultural_m2"] == pytest.approx(400_000.0)
    assert summ.loc["all", "approval_level"] == "State Council"


def test_market_entry_route():
    parcels = frame(
        [
            (shapely.box(0, 0, 100, 100), "0601", "32"),
            (shapely.box(100, 0, 200, 100), "0702", "32"),
            (shapely.box(200, 0, 300, 100), "05H1", "32"),
            (shapely.box(300, 0, 400, 100), "0508", "32"),
            (shapely.box(400, 0, 500, 100), "0101", "32"),
        ],
        consent=[0.9, 0.9, 2 / 3, 0.5, 0.9],
    )
    # planning: business (10 industrial) on the west, residential (07) on 460..500
    planning = gpd.GeoDataFrame(
        {"planning_code": ["1001", "0701"]},
        geometry=[shapely.box(-10, -10, 460, 110), shapely.box(460, -10, 510, 110)],
        crs=CRS,
    )
    out = screen(parcels, route="market_entry", planning=planning, consent_col="consent")
    assert out.planned_use.tolist() == ["10", "10", "10", "10", "10"]  # 60 % of parcel 4 is industrial
    assert out.eligible.tolist() == [True, False, True, False, False]
    assert out.failed_tests[1] == "land class 0702 is not collective business construction land"
    assert out.failed_tests[3] == "villager consent 50% < 67%"
    assert out.approval_level.isna().all()  # no approval level on the market-entry route
    assert np.allclose(out.quota_m2, [0, 0, 0, 0, 1e4])
    # planning as a column; a planned residential use fails
    p2 = parcels.assign(plan=["09", "09", "07", "09", "09"])
    out2 = screen(p2, route="market_entry", planning="plan")
    assert out2.failed_tests[2] == "planned use 07 is not business use"
    assert "villager consent >= 2/3" in out2.attrs["screening"]["tests_not_run"]


def test_against_geopandas_overlay_on_modelled_parcels():
    parcels = modelled_parcels(3000, seed=3)
    layers = modelled_constraints(parcels, seed=3)
    out = screen(parcels, **layers)
    for key, col in [("basic_farmland", "overlap_basic_farmland_m2"), ("red_line", "overlap_red_line_m2"),
                     ("development_boundary", "inside_boundary_m2")]:
        ref = gpd.overlay(parcels.reset_index(), layers[key], how="intersection", keep_geom_type=True)
        ref_area = ref.assign(a=ref.area).groupby("index")["a"].sum().reindex(parcels.index, fill_value=0.0)
        # 1 mm snapping moves curved boundaries by < 0.05 m2 on these parcels
        np.testing.assert_allclose(out[col].to_numpy(), ref_area.to_numpy(), rtol=1e-6, atol=0.05)
    assert out.eligible.sum() > 0 and (~out.eligible).sum() > 0


def test_real_prague_plots_in_web_mercator_are_measured_in_utm(shared_data):
    plots = gpd.read_file(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    parcels = assign_modelled_attributes(plots, seed=7)
    utm = parcels.to_crs(32633)
    centre = shapely.box(*utm.total_bounds).centroid
    boundary = gpd.GeoDataFrame(geometry=[centre.buffer(500)], crs=32633).to_crs(parcels.crs)
    with assert_not_mutated(parcels, boundary):
        out = screen(parcels, development_boundary=boundary)
    assert out.attrs["screening"]["metric_crs"].endswith("32633")
    np.testing.assert_allclose(out.area_m2, utm.area, rtol=1e-4, atol=0.2)  # 1 mm snapping
    ref_inside = utm.intersection(gpd.GeoSeries([centre.buffer(500)], crs=32633).to_crs(parcels.crs).to_crs(32633)[0]).area
    np.testing.assert_allclose(out.inside_boundary_m2, ref_inside, rtol=1e-4, atol=0.05)
    assert len(out) == 407


def test_geographic_input_returns_input_crs():
    # a parcel in Chancheng (113.1 E): metric_crs picks EPSG:4547 (CGCS2000 GK, CM 114 E)
    x, y = 408_000.0, 2_545_000.0
    p = frame([(shapely.box(x, y, x + 100, y + 100), "0101", "32")]).to_crs(4326)
    b = gpd.GeoDataFrame(geometry=[shapely.box(x - 1, y - 1, x + 101, y + 101)], crs=CRS).to_crs(4326)
    out = screen(p, development_boundary=b)
    assert out.crs == p.crs
    assert out.attrs["screening"]["metric_crs"] == "EPSG:4547"
    assert out.area_m2[0] == pytest.approx(10000.0, rel=1e-6)
    assert out.eligible[0]


def test_cleaning_fix_drop_and_conservation():
    bowtie = shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    parcels = frame(
        [
            (shapely.box(0, 0, 100, 100), "0101", "32"),
            (bowtie, "0601", "32"),
            (None, "0601", "32"),
            (shapely.Polygon(), "0601", "32"),
            (shapely.box(300, 0, 400, 100), "0601", "32"),
        ]
    )
    b = gpd.GeoDataFrame(geometry=[shapely.box(-1, -1, 500, 500)], crs=CRS)
    with pytest.warns(GeometryFixedWarning), pytest.warns(DroppedRowsWarning, match="2 rows excluded"):
        out = screen(parcels, development_boundary=b)
    assert len(out) == len(parcels)
    assert out.excluded.tolist() == [False, False, True, True, False]
    assert out.failed_tests[2] == "excluded: missing or empty geometry"
    assert out.attrs["screening"]["n_fixed"] == 1
    assert out.area_m2[1] == pytest.approx(5000.0)  # bow-tie -> two triangles
    # screened + excluded = total (count and area)
    assert (~out.excluded).sum() + out.excluded.sum() == len(parcels)
    with pytest.warns(DroppedRowsWarning, match="1 rows excluded .invalid"):
        dropped = screen(parcels, development_boundary=b, on_invalid="drop")
    assert dropped.excluded.sum() == 3 and not dropped.eligible[1]
    total_raw = gpd.GeoSeries(parcels.geometry).area.fillna(0).sum()
    assert dropped.area_m2.sum() == pytest.approx(total_raw)


def test_errors(case):
    parcels, boundary, farmland, red = case
    with pytest.raises(CRSMismatchError, match="red_line"):
        screen_conversion(parcels, development_boundary=boundary, red_line=red.to_crs(4326))
    with pytest.raises(InvalidOptionError, match="development_boundary"):
        screen_conversion(parcels)
    with pytest.raises(InvalidOptionError, match="'expropriation', 'market_entry'"):
        screen_conversion(parcels, route="sale", development_boundary=boundary)
    with pytest.raises(UnknownCodeError, match="'9999'"):
        screen_conversion(parcels.assign(DLBM=["9999"] + ["0101"] * 5), development_boundary=boundary)
    with pytest.raises(UnknownCodeError, match="level-1"):
        screen_conversion(parcels.assign(DLBM=["04"] + ["0101"] * 5), development_boundary=boundary)
    with pytest.raises(UnknownCodeError, match="QSXZ"):
        screen_conversion(parcels.assign(QSXZ=["99"] * 6), development_boundary=boundary)
    with pytest.raises(MissingColumnError, match="QSXZ"):
        screen_conversion(parcels.drop(columns="QSXZ"), development_boundary=boundary)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        screen_conversion(pd.DataFrame(parcels.drop(columns="geometry")), development_boundary=boundary)
    lines = parcels.assign(geometry=parcels.boundary)
    with pytest.raises(TypeError, match="Polygon"):
        screen_conversion(lines, development_boundary=boundary)
    # the boundary test may be switched off explicitly: listed, not warned about
    prof = load_profile("national", expropriation_requires_development_boundary=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = screen(parcels, profile=prof, basic_farmland=farmland, red_line=red)
    assert out.attrs["screening"]["tests_not_run"] == ["inside the urban development boundary"]


def test_skipped_legal_tests_warn_and_are_listed(case):
    parcels, boundary, farmland, red = case
    with assert_not_mutated(parcels), pytest.warns(SkippedTestsWarning) as rec:
        out = screen_conversion(parcels, development_boundary=boundary)
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "2 legal tests were not run" in msg
    assert "no overlap with permanent basic farmland (pass `basic_farmland`" in msg
    assert "no overlap with the ecological red line (pass `red_line`" in msg
    assert "approval levels assume no permanent basic farmland" in msg
    assert out.attrs["screening"]["tests_not_run"] == [
        "no overlap with permanent basic farmland", "no overlap with the ecological red line"
    ]
    # parcel 2 overlaps basic farmland, which was not given: it passes every test that ran
    assert out.eligible.tolist() == [True, False, True, False, True, True]
    assert out.overlap_basic_farmland_m2.isna().all() and out.overlap_red_line_m2.isna().all()
    # market entry: the planning and consent tests too
    me = parcels.assign(DLBM=["0601"] * 6)
    with pytest.warns(SkippedTestsWarning) as rec:
        out = screen_conversion(me, route="market_entry", basic_farmland=farmland, red_line=red)
    msg = str(rec[0].message)
    assert "2 legal tests were not run" in msg
    assert "planned business use (pass `planning`" in msg and "villager consent >= 2/3 (pass `consent_col`" in msg
    assert out.eligible.tolist() == [True, False, False, False, True, True]  # state-owned; basic farmland
    # every layer given: no warning, nothing listed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = screen_conversion(parcels, development_boundary=boundary, basic_farmland=farmland, red_line=red)
    assert full.attrs["screening"]["tests_not_run"] == []


def test_a_legal_test_is_a_row_of_the_table(case, monkeypatch):
    """Adding a row runs a new test (its reason joins failed_tests) and, when its argument
    is missing, the SkippedTestsWarning names it with that argument."""
    from urbangeo.landuse import screening

    parcels, boundary, farmland, red = case
    rows = screening.LEGAL_TESTS
    assert [t.name for t in rows][:2] == ["collectively owned", "inside the urban development boundary"]
    assert all(t.article and t.routes for t in rows)
    small = screening.LegalTest(
        name="at least 0.5 ha", article="a local rule (for the test)", routes=("expropriation",),
        check=lambda f, prof: (f.area < 5000.0, f.area), reason=lambda a, prof: f"only {a:.0f} m2",
    )
    monkeypatch.setattr(screening, "LEGAL_TESTS", (*rows, small))
    tiny = parcels.copy()
    tiny.loc[0, "geometry"] = shapely.box(0, 0, 50, 50)
    out = screen_conversion(tiny, development_boundary=boundary, basic_farmland=farmland, red_line=red)
    assert out.loc[0, "failed_tests"] == "only 2500 m2" and not out.loc[0, "eligible"]
    assert out.loc[1, "failed_tests"] == "not collectively owned (QSXZ 10)"  # other rows unchanged
    needs_layer = screening.LegalTest(
        name="outside the flood zone", article="a local rule (for the test)", routes=("expropriation",),
        check=lambda f, prof: (np.zeros(len(f.area), bool), f.area), reason=lambda a, prof: "",
        needs="basic_farmland",
    )
    monkeypatch.setattr(screening, "LEGAL_TESTS", (*rows, needs_layer))
    with pytest.warns(SkippedTestsWarning, match=r"outside the flood zone \(pass `basic_farmland`\)"):
        out = screen_conversion(parcels, development_boundary=boundary, red_line=red)
    assert out.attrs["screening"]["tests_not_run"][-1] == "outside the flood zone"


def test_zone_column_filters_the_boundary(case):
    parcels, boundary, _, _ = case
    two = gpd.GeoDataFrame(
        {"zone": ["集中建设区", "弹性发展区"]},
        geometry=[shapely.box(-50, -50, 150, 300), shapely.box(150, -50, 450, 300)],
        crs=CRS,
    )
    prof = load_profile("national", development_zone_values=["集中建设区"])
    out = screen(parcels, development_boundary=two, zone_col="zone", profile=prof)
    np.testing.assert_allclose(out.inside_boundary_m2, [1e4, 5000, 0, 0, 1e4, 5000])


def test_geometry_zoo(zoo_frame):
    from urbangeo.errors import GeometryTypeError

    zoo = zoo_frame.assign(DLBM="0601", QSXZ="32")
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(112, 22, 114, 24)], crs=4326)
    with pytest.raises(GeometryTypeError, match="Polygon"):
        screen_conversion(zoo, development_boundary=boundary)
    polys = zoo[zoo["name"].isin(["polygon", "polygon_hole", "multipolygon", "empty_polygon", "none",
                                   "invalid_bowtie"])]
    with assert_not_mutated(polys), pytest.warns(GeometryFixedWarning), pytest.warns(DroppedRowsWarning):
        out = screen(polys, development_boundary=boundary)
    by_name = out.set_index("name")
    assert by_name.loc[["empty_polygon", "none"], "excluded"].all()
    assert by_name.loc[["polygon", "polygon_hole", "multipolygon", "invalid_bowtie"], "eligible"].all()
    # the hole is not counted: 10x10 minus 2x2 scaled to 0.001 degrees
    ratio = by_name.loc["polygon_hole", "area_m2"] / by_name.loc["polygon", "area_m2"]
    assert ratio == pytest.approx(0.96, rel=1e-6)


def test_duplicate_index_labels_are_handled_by_position(case):
    parcels, boundary, farmland, red = case
    dup = parcels.set_axis([7, 7, 8, 8, 9, 9])
    dup.loc[:, "geometry"] = [None, *parcels.geometry.iloc[1:]]
    with pytest.warns(DroppedRowsWarning):
        out = screen(dup, development_boundary=boundary, basic_farmland=farmland, red_line=red)
    assert out.index.tolist() == [7, 7, 8, 8, 9, 9]
    assert out.excluded.tolist() == [True, False, False, False, False, False]
    assert out.eligible.tolist() == [False, False, False, False, True, True]
    assert out.failed_tests.iloc[0] == "excluded: missing or empty geometry"


def test_basic_farmland_in_approval_level_when_allowed():
    # a key state project may include basic farmland (Art. 35): switch the exclusion off
    prof = load_profile("national", exclude_basic_farmland=False)
    parcels = frame([(shapely.box(x, 0, x + 100, 100), "0101", "32") for x in range(0, 1000, 100)])
    b = gpd.GeoDataFrame(geometry=[shapely.box(-1, -1, 1001, 101)], crs=CRS)
    # 0.5 m2 slivers on every parcel: below tolerance, they never add up to "basic farmland"
    slivers = gpd.GeoDataFrame(geometry=[shapely.box(x + 50, 0, x + 51, 0.5) for x in range(0, 1000, 100)], crs=CRS)
    out = screen(parcels, development_boundary=b, basic_farmland=slivers, profile=prof)
    assert out.approval_level.tolist() == ["province"] * 10
    real = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 30, 100)], crs=CRS)  # 3,000 m2 on parcel 0
    out = screen(parcels, development_boundary=b, basic_farmland=real, profile=prof)
    assert out.eligible.all()
    assert out.approval_level.tolist() == ["State Council"] * 10
    assert "basic farmland (0.30 ha; LAL 2019 Art. 46(1))" in out.approval_reason[0]
    s = conversion_summary(out, profile=prof)
    assert s.approval_level.tolist() == ["State Council"]


def test_modelled_parcels_on_the_real_chancheng_boundary(shared_data):
    from urbangeo.crs import gcj02_to_wgs84

    gcj = gpd.read_file(shared_data("admin_cn/440604.geojson"))
    wgs = gcj02_to_wgs84(gcj)
    # GCJ-02 -> WGS-84 moves Foshan by a few hundred metres
    shift = gcj.to_crs(4547).centroid.distance(wgs.to_crs(4547).centroid).iloc[0]
    assert 200 < shift < 800
    boundary = wgs.to_crs(4547)
    x0, y0, _, _ = boundary.total_bounds
    grid = modelled_parcels(2500, seed=4, origin=(x0, y0), plot_m=(400.0, 300.0), village_cells=5, road_m=20.0)
    inside = grid.representative_point().within(boundary.geometry.iloc[0]).to_numpy()
    parcels = grid[inside].to_crs(4326)  # any CRS in: degrees here
    layers = {k: v.to_crs(4326) for k, v in modelled_constraints(grid[inside], seed=4).items()}
    out = screen(parcels, **layers, profile="guangdong")
    assert out.attrs["screening"]["metric_crs"] == "EPSG:4547"
    assert out.crs == parcels.crs
    np.testing.assert_allclose(out.area_m2, grid[inside].area, rtol=1e-6)
    assert 0 < out.eligible.sum() < len(out)
    np.testing.assert_allclose(out.quota_m2.sum(), out.area_m2[out.category.isin(["A", "U"])].sum())


def test_area_statistics_by_village_ownership_class():
    from urbangeo.landuse import area_statistics

    parcels = modelled_parcels(1500, seed=9)
    with assert_not_mutated(parcels):
        st = area_statistics(parcels)
    assert st.index.names == ["village", "QSXZ", "category"]
    assert st.n_parcels.sum() == len(parcels)
    np.testing.assert_allclose(st.area_m2.sum(), parcels.TBDLMJ.sum())  # official area used
    np.testing.assert_allclose(st.area_mu, st.area_m2 * 15 / 10000)
    np.testing.assert_allclose(st.share.sum(), 1.0)
    # reference: a plain pandas groupby
    ref = parcels.assign(v=parcels.ZLDWDM.str[:12]).groupby(["v", "QSXZ"])["TBDLMJ"].sum()
    np.testing.assert_allclose(st.groupby(level=[0, 1]).area_m2.sum().to_numpy(), ref.to_numpy())
    geo = area_statistics(parcels, group_by=["level1"], area_col=None)
    np.testing.assert_allclose(geo.area_m2.sum(), parcels.area.sum())
    with pytest.raises(MissingColumnError, match="ZLDWDM"):
        area_statistics(parcels.drop(columns="ZLDWDM"))
    with pytest.raises(MissingColumnError, match="nope"):
        area_statistics(parcels, group_by=["nope"])


_box = st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 30), st.integers(1, 30)).map(
    lambda t: shapely.box(t[0] * 10.0, t[1] * 10.0, t[0] * 10.0 + t[2] * 7.0, t[1] * 10.0 + t[3] * 7.0)
)


@hsettings(max_examples=25, deadline=None)
@given(parcel_boxes=st.lists(_box, min_size=1, max_size=12), farm_boxes=st.lists(_box, min_size=0, max_size=4))
def test_property_overlaps_match_shapely_and_areas_add_up(parcel_boxes, farm_boxes):
    parcels = frame([(g, "0101", "32") for g in parcel_boxes])
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 400, 400)], crs=CRS)
    farm = gpd.GeoDataFrame(geometry=farm_boxes, crs=CRS) if farm_boxes else None
    out = screen(parcels, development_boundary=boundary, basic_farmland=farm)
    if farm is not None:
        union = shapely.union_all(farm_boxes)
        # (shapely 2.0.1 warns on an empty intersection: skip disjoint pairs)
        ref = np.array([g.intersection(union).area if g.intersects(union) else 0.0 for g in parcel_boxes])
        np.testing.assert_allclose(out.overlap_basic_farmland_m2, ref, atol=1e-6)
    else:
        assert out.overlap_basic_farmland_m2.isna().all()
    bnd = boundary.geometry[0]
    ref_in = np.array([g.intersection(bnd).area if g.intersects(bnd) else 0.0 for g in parcel_boxes])
    np.testing.assert_allclose(out.inside_boundary_m2, ref_in, atol=1e-6)
    assert (out.inside_boundary_m2 <= out.area_m2 + 1e-9).all()
    assert (~out.excluded).sum() + out.excluded.sum() == len(parcels)
    assert not (out.eligible & out.excluded).any()
    np.testing.assert_allclose(out.quota_m2.sum(), out.area_m2.sum())  # all paddy


def test_area_statistics_missing_or_text_official_area():
    from urbangeo.landuse import area_statistics

    parcels = modelled_parcels(40, seed=9)
    with pytest.raises(ColumnTypeError, match="column 'TBDLMJ' of `parcels` must be numeric"):
        area_statistics(parcels.assign(TBDLMJ=parcels.TBDLMJ.astype(str)))
    holes = parcels.copy()
    holes.loc[holes.index[:2], "TBDLMJ"] = np.nan
    holes.loc[holes.index[1], "geometry"] = None
    with assert_not_mutated(holes), pytest.warns(DroppedRowsWarning, match=r"`parcels`: 1 rows have no official "
                                                 r"area in 'TBDLMJ'.*1 rows have neither"):
        out = area_statistics(holes, group_by=["QSXZ"])
    info = out.attrs["area_statistics"]
    assert info == {"rows_without_official_area": [holes.index[0]], "rows_without_area": [holes.index[1]]}
    want = holes.TBDLMJ.iloc[2:].sum() + holes.to_crs(holes.estimate_utm_crs()).area.iloc[0]
    np.testing.assert_allclose(out.area_m2.sum(), want, rtol=1e-3)
    assert out.n_parcels.sum() == len(holes)  # nothing left out


def test_conversion_summary_refuses_an_empty_frame(case):
    parcels, boundary, farmland, red = case
    out = screen(parcels, development_boundary=boundary, basic_farmland=farmland, red_line=red)
    with pytest.raises(EmptyDataError, match="`screened` has no rows"):
        conversion_summary(out.iloc[:0])
    assert len(conversion_summary(out[~out.eligible])) == 0  # nothing eligible: a table without rows
