"""urbangeo.landuse.change: transition matrices (vector and raster), change components, long form,
intensity analysis (Aldwaik & Pontius 2012) and the change plots."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from shapely import box

from urbangeo.errors import (
    CRSError,
    CRSMismatchError,
    DroppedRowsWarning,
    EmptyDataError,
    InvalidOptionError,
    MissingColumnError,
    RasterError,
    UrbangeoWarning,
)
from urbangeo.landuse import (
    UNMATCHED,
    category_intensity,
    change_components,
    interval_intensity,
    markov_matrix,
    raster_transition_matrix,
    transition_intensity,
    transition_matrix,
    transitions_long,
)
from urbangeo.raster import Raster
from urbangeo.testing import assert_not_mutated

NINE = pd.DataFrame([[2, 2, 1], [0, 0, 2], [1, 1, 0]], index=list("abc"), columns=list("abc"))


def crosstab(b, a):
    """Reference: pandas.crosstab over cells (the plain approach)."""
    return pd.crosstab(pd.Series(b.ravel(), name="from"), pd.Series(a.ravel(), name="to"))


# --------------------------------------------------------------------------- rasters


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.int64, np.uint16])
def test_raster_matrix_equals_crosstab(dtype):
    rng = np.random.default_rng(3)
    b = rng.integers(1, 7, (50, 40)).astype(dtype)
    a = rng.integers(2, 9, (50, 40)).astype(dtype)
    with assert_not_mutated(b, a):
        m = transition_matrix(b, a)
    ref = crosstab(b, a)
    labels = sorted(set(ref.index) | set(ref.columns))
    ref = ref.reindex(index=labels, columns=labels, fill_value=0)
    assert m.index.tolist() == labels and m.columns.tolist() == labels  # union of both dates' classes
    np.testing.assert_array_equal(m.to_numpy(), ref.to_numpy())
    assert m.to_numpy().sum() == b.size
    assert m.attrs["units"] == "cells" and m.attrs["kind"] == "raster"


@pytest.mark.parametrize("offset", [100_000, 3_000_000_000, -3_000_000_000])
def test_raster_matrix_large_codes_with_a_small_range(offset):
    """Codes far from 0 but close together take the bincount path: the shift must not overflow."""
    rng = np.random.default_rng(9)
    b = rng.integers(0, 4, (20, 20)).astype(np.int64) + offset
    a = rng.integers(0, 4, (20, 20)).astype(np.int64) + offset
    for nodata in (None, offset + 3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UrbangeoWarning)
            m = raster_transition_matrix(b, a, nodata=nodata)
        keep = np.ones(b.shape, bool) if nodata is None else (b != nodata) & (a != nodata)
        ref = crosstab(b[keep], a[keep])
        assert m.index.tolist() == ref.index.tolist()
        np.testing.assert_array_equal(m.reindex(index=ref.index, columns=ref.columns).to_numpy(), ref.to_numpy())


def test_raster_matrix_wide_and_negative_codes_use_unique_path():
    rng = np.random.default_rng(4)
    codes = np.array([-5, 0, 7, 10_000, 65_000])
    b = rng.choice(codes, (30, 30))
    a = rng.choice(codes, (30, 30))
    m = raster_transition_matrix(b, a)
    ref = crosstab(b, a).reindex(index=m.index, columns=m.columns, fill_value=0)
    np.testing.assert_array_equal(m.to_numpy(), ref.to_numpy())


@pytest.mark.parametrize("nodata", [255, -9999])
def test_raster_nodata_bookkeeping_both_kernel_paths(nodata):
    """Narrow codes (one bincount with nodata as a code) and wide codes (np.unique) agree with crosstab."""
    rng = np.random.default_rng(8)
    b = rng.choice([1, 2, 3, 5], (40, 30)).astype(np.int32)
    a = rng.choice([1, 2, 4, 5], (40, 30)).astype(np.int32)
    b[rng.random(b.shape) < 0.1] = nodata
    a[rng.random(a.shape) < 0.1] = nodata
    with pytest.warns(UrbangeoWarning):
        m = raster_transition_matrix(b, a, nodata=nodata, include_unmatched=True)
    vb, va = b != nodata, a != nodata
    ref = crosstab(b[vb & va], a[vb & va])
    core = m.drop(index=UNMATCHED, columns=UNMATCHED)
    np.testing.assert_array_equal(core.reindex(index=ref.index, columns=ref.columns).to_numpy(), ref.to_numpy())
    lost = pd.Series(b[vb & ~va]).value_counts()
    new = pd.Series(a[va & ~vb]).value_counts()
    for k, n in lost.items():
        assert m.loc[k, UNMATCHED] == n
    for k, n in new.items():
        assert m.loc[UNMATCHED, k] == n
    assert m.attrs["nodata_both_cells"] == int((~vb & ~va).sum())
    assert m.to_numpy().sum() + m.attrs["nodata_both_cells"] == b.size


def test_raster_nodata_reported_not_dropped():
    b = np.array([[1, 1, 2], [2, 255, 3], [3, 3, 255]], dtype=np.uint8)
    a = np.array([[1, 2, 2], [255, 1, 3], [3, 255, 255]], dtype=np.uint8)
    with pytest.warns(UrbangeoWarning, match="no counterpart"):
        m = raster_transition_matrix(b, a, nodata=255)
    # valid at both dates: 5 cells
    assert m.to_numpy().sum() == 5
    assert m.loc[1, 1] == 1 and m.loc[1, 2] == 1 and m.loc[2, 2] == 1 and m.loc[3, 3] == 2
    assert m.attrs["unmatched_before"] == 2  # (1,0) class 2 and (2,1) class 3 have nodata after
    assert m.attrs["unmatched_after"] == 1  # (1,1) class 1 has nodata before
    assert m.attrs["nodata_both_cells"] == 1
    with pytest.warns(UrbangeoWarning):
        mu = raster_transition_matrix(b, a, nodata=255, include_unmatched=True)
    assert mu.loc[2, UNMATCHED] == 1 and mu.loc[3, UNMATCHED] == 1 and mu.loc[UNMATCHED, 1] == 1
    # everything valid at either date is in the table: 9 cells - 1 nodata at both
    assert mu.to_numpy().sum() == 8
    # the unmatched row/column is ignored by the components
    pd.testing.assert_frame_equal(change_components(mu), change_components(m))


def test_raster_masked_and_profile_nodata():
    b = np.ma.masked_array([[1, 2], [3, 4]], mask=[[0, 0], [0, 1]])
    a = np.array([[1, 1], [3, 4]])
    with pytest.warns(UrbangeoWarning):
        m = transition_matrix(b, a)
    assert m.to_numpy().sum() == 3 and m.attrs["unmatched_after"] == 1
    t = (1.0, 0, 0, 0, -1.0, 2.0)
    c = np.array([[1, 9], [3, 4]])
    with pytest.warns(UrbangeoWarning):
        m2 = transition_matrix(Raster(c, t, "EPSG:4547", nodata=9, categorical=True),
                               Raster(a, t, "EPSG:4547", nodata=9, categorical=True))
    assert m2.to_numpy().sum() == 3 and 9 not in m2.index


def test_raster_float_with_nan_and_cell_area():
    b = np.array([[1.0, 2.0], [np.nan, 2.0]])
    a = np.array([[1.0, 1.0], [2.0, 2.0]])
    with pytest.warns(UrbangeoWarning):
        m = raster_transition_matrix(b, a, resolution_m=30.0)
    assert m.attrs["units"] == "m2"
    assert m.loc[1, 1] == 900.0 and m.loc[2, 1] == 900.0 and m.loc[2, 2] == 900.0
    assert m.attrs["unmatched_after"] == 900.0


def test_raster_m2_from_the_raster_grid_or_resolution_m():
    t = (30.0, 0, 0, 0, -30.0, 0)
    b = Raster(np.array([[1, 2], [2, 2]]), t, "EPSG:4547", categorical=True)
    a = Raster(np.array([[1, 1], [2, 2]]), t, "EPSG:4547", categorical=True)
    cells = raster_transition_matrix(b, a)
    assert cells.attrs["units"] == "cells"
    m = raster_transition_matrix(b, a, units="m2")
    assert m.attrs["units"] == "m2"
    pd.testing.assert_frame_equal(m, cells.astype(float) * 900.0, check_like=True)
    pd.testing.assert_frame_equal(raster_transition_matrix(b.array, a.array, resolution_m=30.0), m)
    with pytest.raises(InvalidOptionError, match="resolution_m"):
        raster_transition_matrix(b.array, a.array, units="m2")
    with pytest.raises(InvalidOptionError, match="units='cells'"):
        raster_transition_matrix(b, a, resolution_m=30.0, units="cells")
    geo = Raster(b.array, (0.01, 0, 113.0, 0, -0.01, 23.0), "EPSG:4326", categorical=True)
    with pytest.raises(CRSError):
        raster_transition_matrix(geo, geo, units="m2")
    pd.testing.assert_frame_equal(transition_matrix(b, a, units="m2"), m)  # passed through for rasters
    polys = gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[box(0, 0, 10, 10)], crs=4547)
    for kw in ({"units": "cells"}, {"resolution_m": 30.0}):  # vector layers are always in m2
        with pytest.raises(InvalidOptionError, match="rasters only"):
            transition_matrix(polys, polys, **kw)
    assert transition_matrix(polys, polys, units="m2").attrs["units"] == "m2"


def test_raster_classes_option_keeps_legend():
    m = raster_transition_matrix(np.array([[1, 2]]), np.array([[2, 2]]), classes=[1, 2, 3, 17])
    assert m.index.tolist() == [1, 2, 3, 17] and m.loc[17].sum() == 0


def test_raster_errors():
    a = np.zeros((3, 3), dtype=np.uint8)
    with pytest.raises(RasterError, match="same grid"):
        raster_transition_matrix(a, np.zeros((3, 4), dtype=np.uint8))
    with pytest.raises(RasterError, match="non-integer"):
        raster_transition_matrix(a + 0.5, a)
    with pytest.raises(RasterError, match="2-D"):
        raster_transition_matrix(np.zeros((2, 3, 3)), np.zeros((2, 3, 3)))
    with pytest.raises(RasterError):
        raster_transition_matrix([[1, 2]], [[1, 2]])
    t1, t2 = (30.0, 0, 0, 0, -30.0, 0), (30.0, 0, 15.0, 0, -30.0, 0)
    with pytest.raises(RasterError, match="geotransforms"):
        raster_transition_matrix(Raster(a, t1, "EPSG:4547", categorical=True), Raster(a, t2, "EPSG:4547", categorical=True))
    with pytest.raises(CRSMismatchError):
        raster_transition_matrix(Raster(a, t1, "EPSG:4547", categorical=True), Raster(a, t1, "EPSG:4548", categorical=True))
    with pytest.raises(InvalidOptionError):
        raster_transition_matrix(a, a, resolution_m=-1)


def test_raster_matrix_on_real_modis(shared_data):
    """Real MODIS IGBP classes over the Pearl River Delta against a modelled second date."""
    from urbangeo.io import read_raster

    modis = read_raster(shared_data("raster/modis_landcover_2019_0.05deg.tif"))
    arr = np.ma.masked_array(modis.array, mask=~modis.valid)
    # window 112-115.5 E, 21.5-24.5 N
    r0, c0 = int((90 - 24.5) / 0.05), int((180 + 112) / 0.05)
    before = arr[r0 : r0 + 60, c0 : c0 + 70]
    rng = np.random.default_rng(0)
    data = np.ma.getdata(before).copy()
    grow = (rng.random(data.shape) < 0.1) & np.isin(data, [10, 12, 14])  # modelled: cropland/grass -> urban
    data[grow] = 13
    after = np.ma.masked_array(data, mask=np.ma.getmaskarray(before))
    m = transition_matrix(before, after)
    valid = ~np.ma.getmaskarray(before)
    ref = crosstab(np.ma.getdata(before)[valid], data[valid]).reindex(index=m.index, columns=m.columns, fill_value=0)
    np.testing.assert_array_equal(m.to_numpy(), ref.to_numpy())
    comp = change_components(m)
    assert comp.loc[13, "gain"] == grow.sum() - (np.ma.getdata(before)[grow] == 13).sum()
    assert comp["gain"].sum() == comp["loss"].sum()


# --------------------------------------------------------------------------- vector


def layer(classes, boxes, crs=32650, col="DLBM"):
    return gpd.GeoDataFrame({col: classes}, geometry=[box(*b) for b in boxes], crs=crs)


def test_vector_matrix_hand_case():
    before = layer(["0101", "0601"], [(0, 0, 10, 10), (10, 0, 20, 10)])
    after = layer(["0601", "0701"], [(0, 0, 15, 10), (15, 0, 20, 10)])
    with assert_not_mutated(before, after):
        m = transition_matrix(before, after)
    assert m.index.tolist() == ["0101", "0601", "0701"] == m.columns.tolist()
    assert m.loc["0101", "0601"] == pytest.approx(100.0)
    assert m.loc["0601", "0601"] == pytest.approx(50.0)
    assert m.loc["0601", "0701"] == pytest.approx(50.0)
    assert m.to_numpy().sum() == pytest.approx(200.0)
    assert m.loc["0701"].sum() == 0 and m["0101"].sum() == 0
    assert m.attrs["units"] == "m2" and m.attrs["unmatched_before"] == pytest.approx(0.0, abs=1e-9)


def test_vector_identical_polygons_shortcut_matches_overlay():
    before = layer(["a", "b", "c"], [(0, 0, 10, 10), (10, 0, 20, 10), (0, 10, 20, 20)])
    after = layer(["a", "d", "c"], [(0, 0, 10, 10), (10, 0, 20, 10), (0, 10, 20, 20.5)])  # 2 unchanged
    with pytest.warns(UrbangeoWarning):  # 10 m2 of after beyond before
        m = transition_matrix(before, after)
    assert m.loc["a", "a"] == 100.0 and m.loc["b", "d"] == 100.0 and m.loc["c", "c"] == pytest.approx(200.0)
    assert m.to_numpy().sum() == pytest.approx(400.0) and m.attrs["unmatched_after"] == pytest.approx(10.0)


def test_vector_unmatched_area_is_reported():
    before = layer(["0101", "0601"], [(0, 0, 10, 10), (10, 0, 20, 10)])
    after = layer(["0701", "0701"], [(5, 0, 20, 10), (20, 0, 30, 10)])
    with pytest.warns(UrbangeoWarning, match="no counterpart"):
        m = transition_matrix(before, after, include_unmatched=True)
    assert m.attrs["unmatched_before"] == pytest.approx(50.0)
    assert m.attrs["unmatched_after"] == pytest.approx(100.0)
    assert m.loc["0101", UNMATCHED] == pytest.approx(50.0)
    assert m.loc[UNMATCHED, "0701"] == pytest.approx(100.0)
    # conservation: every m2 of the union of both layers is in the table exactly once
    assert m.to_numpy().sum() == pytest.approx(300.0)
    assert m.drop(index=UNMATCHED).to_numpy().sum() == pytest.approx(before.area.sum())
    assert m.drop(columns=UNMATCHED).to_numpy().sum() == pytest.approx(after.area.sum())


def test_vector_sliver_below_tolerance_is_silent_but_in_attrs():
    before = layer(["a"], [(0, 0, 100, 100)])
    after = layer(["b"], [(0, 0, 100, 99.995)])  # 0.5 m2 sliver < settings.sliver_tolerance_m2 (1 m2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = transition_matrix(before, after, class_col="DLBM")
    assert m.attrs["unmatched_before"] == pytest.approx(0.5)


def test_vector_overlapping_polygons_warn():
    before = layer(["a", "a"], [(0, 0, 10, 10), (5, 0, 15, 10)])
    after = layer(["b"], [(0, 0, 15, 10)])
    with pytest.warns(UrbangeoWarning, match="overlap"):
        transition_matrix(before, after)


def test_vector_geographic_crs_measured_in_metric_crs():
    from urbangeo.crs import to_metric

    before = layer(["a", "b"], [(113.10, 23.00, 113.11, 23.01), (113.11, 23.00, 113.12, 23.01)], crs=4326)
    after = layer(["b", "c"], [(113.10, 23.00, 113.115, 23.01), (113.115, 23.00, 113.12, 23.01)], crs=4326)
    # straight edges of boxes with different vertices project to slightly different curves: ~15 m2 slivers
    with pytest.warns(UrbangeoWarning, match="no counterpart"):
        m = transition_matrix(before, after)
    assert m.attrs["unmatched_before"] < 1e-4 * m.to_numpy().sum()
    assert m.attrs["crs"] == "EPSG:4547"
    ref = gpd.overlay(to_metric(before), to_metric(after), how="intersection")
    ref = ref.assign(area=ref.area).groupby(["DLBM_1", "DLBM_2"])["area"].sum()
    for (f, t), v in ref.items():
        assert m.loc[f, t] == pytest.approx(v, rel=1e-9)


def test_vector_class_col_after_and_missing_class():
    before = layer(["a", None], [(0, 0, 10, 10), (10, 0, 20, 10)])
    after = layer(["x", "y"], [(0, 0, 10, 10), (10, 0, 20, 10)], col="CLASS19")
    with pytest.warns(DroppedRowsWarning, match="no value"), pytest.warns(UrbangeoWarning, match="no counterpart"):
        m = transition_matrix(before, after, class_col_after="CLASS19")
    assert m.attrs["excluded_before"] == pytest.approx(100.0)
    assert m.loc["a", "x"] == pytest.approx(100.0)


def test_vector_errors():
    a = layer(["a"], [(0, 0, 1, 1)])
    with pytest.raises(CRSMismatchError):
        transition_matrix(a, a.to_crs(3857))
    with pytest.raises(MissingColumnError):
        transition_matrix(a, a, class_col="nope")
    with pytest.raises(TypeError, match="both"):
        transition_matrix(a, np.zeros((2, 2)))
    with pytest.raises(InvalidOptionError):
        transition_matrix(a, a, nodata=0)
    with pytest.raises(EmptyDataError):
        transition_matrix(a.iloc[:0], a)


@pytest.fixture(scope="module")
def prague(shared_data):
    """Real Prague-Bubenec plots with modelled classes at two dates (named modelled)."""
    plots = gpd.read_file(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    rng = np.random.default_rng(2024)
    plots["DLBM"] = rng.choice(["0101", "0301", "0601", "0701", "0810"], len(plots))
    # modelled second date on a different partition: a 50 m grid over the plots
    x0, y0, x1, y1 = plots.total_bounds
    xs, ys = np.arange(x0, x1, 50.0), np.arange(y0, y1, 50.0)
    cells = [box(x, y, x + 50, y + 50) for x in xs for y in ys]
    after = gpd.GeoDataFrame({"DLBM": rng.choice(["0601", "0701", "0810", "1201"], len(cells))}, geometry=cells,
                             crs=plots.crs)
    return plots, after


def test_vector_matrix_real_plots_against_overlay(prague):
    from urbangeo.crs import to_metric

    before, after = prague
    with assert_not_mutated(before, after), pytest.warns(UrbangeoWarning, match="no counterpart"):
        m = transition_matrix(before, after)  # the grid also covers the streets: unmatched after-area
    ref = gpd.overlay(to_metric(before), to_metric(after), how="intersection", keep_geom_type=True)
    ref = ref.assign(a=ref.area).groupby(["DLBM_1", "DLBM_2"])["a"].sum().unstack(fill_value=0.0)
    ref = ref.reindex(index=m.index, columns=m.columns, fill_value=0.0)
    np.testing.assert_allclose(m.to_numpy(), ref.to_numpy(), rtol=1e-7, atol=1e-6)
    # area conservation: the grid covers every plot, so all plot area is matched
    assert m.to_numpy().sum() + m.attrs["unmatched_before"] == pytest.approx(to_metric(before).area.sum(), rel=1e-9)
    assert m.attrs["unmatched_before"] < 1.0


# --------------------------------------------------------------------------- components, long form, plots


def test_components_nine_pixel_example():
    with assert_not_mutated(NINE):
        c = change_components(NINE, totals=True)
    np.testing.assert_array_equal(c.loc[list("abc"), "gain"], [1, 3, 3])
    np.testing.assert_array_equal(c.loc[list("abc"), "loss"], [3, 2, 2])
    np.testing.assert_array_equal(c.loc[list("abc"), "persistence"], [2, 0, 0])
    np.testing.assert_array_equal(c.loc[list("abc"), "swap"], [2, 4, 4])
    np.testing.assert_array_equal(c.loc[list("abc"), "net_change"], [2, 1, 1])
    np.testing.assert_array_equal(c.loc[list("abc"), "net_gain"], [-2, 1, 1])
    tot = c.loc["(landscape)"]
    assert tot["total_change"] == 7 and tot["swap"] == 5 and tot["net_change"] == 2
    assert tot["swap"] + tot["net_change"] == tot["total_change"]
    assert (c["total_change"] == c["swap"] + c["net_change"]).all()
    assert c.loc["b", "gain_pct"] == pytest.approx(100 * 3 / 9)


def test_markov_rows_sum_to_one():
    with assert_not_mutated(NINE):
        p = markov_matrix(NINE)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p.loc["a", "b"] == pytest.approx(0.4)
    z = NINE.copy()
    z.loc["b"] = 0
    assert markov_matrix(z).loc["b"].isna().all()


def test_transitions_long_conserves_amounts():
    rng = np.random.default_rng(1)
    m = raster_transition_matrix(rng.integers(0, 5, (40, 40)), rng.integers(0, 5, (40, 40)))
    with assert_not_mutated(m):
        long = transitions_long(m)
    assert list(long.columns[:3]) == ["from_class", "to_class", "cells"]
    assert long["cells"].sum() == m.to_numpy().sum()
    assert long["share_of_total_pct"].sum() == pytest.approx(100.0)
    change_only = transitions_long(m, include_persistence=False)
    assert change_only["cells"].sum() == m.to_numpy().sum() - np.trace(m.to_numpy())
    assert (long["cells"].diff().dropna() <= 0).all()
    for r in long.itertuples():
        assert m.loc[r.from_class, r.to_class] == r.cells


def test_matrix_checks():
    with pytest.raises(TypeError):
        change_components(np.eye(2))
    with pytest.raises(InvalidOptionError):
        change_components(pd.DataFrame([[1, -1], [0, 1]]))
    with pytest.raises(EmptyDataError):
        change_components(pd.DataFrame())


def test_geometry_zoo_is_refused_or_reported(zoo_frame):
    """Every geometry type: non-polygons are refused with GeometryTypeError, naming the rows."""
    from urbangeo.errors import GeometryTypeError

    zoo = zoo_frame.assign(DLBM="0101")
    with pytest.raises(GeometryTypeError, match="Polygon"):
        transition_matrix(zoo, zoo)
    polys = zoo[zoo.geom_type.isin(["Polygon", "MultiPolygon"]) | zoo.geometry.isna() | zoo.geometry.is_empty]
    with pytest.raises(Exception, match="invalid"):  # the bowtie, with on_invalid="raise"
        transition_matrix(polys, polys, on_invalid="raise")
    # missing / empty geometries are excluded and reported; the zoo's polygons overlap each other: warned
    with pytest.warns(DroppedRowsWarning), pytest.warns(UrbangeoWarning, match="overlap"):
        transition_matrix(polys, polys, on_invalid="drop")


# --------------------------------------------------------------------------- properties (hypothesis)

@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 10).flatmap(
        lambda n: st.tuples(
            arrays(np.int32, (n, 7), elements=st.sampled_from([0, 1, 2, 5, 99])),
            arrays(np.int32, (n, 7), elements=st.sampled_from([0, 1, 3, 5, 99])),
        )
    ),
    st.sampled_from([99, 100_000]),
)
def test_raster_matrix_conserves_cells(pair, big):
    """Any pair of rasters (99 = nodata, or a wide code range): every cell counted once, as crosstab does."""
    b, a = pair
    b = np.where(b == 0, big, b) if big != 99 else b  # wide codes exercise the np.unique path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        m = raster_transition_matrix(b, a, nodata=99, include_unmatched=True)
    vb, va = b != 99, a != 99
    assert m.to_numpy().sum() + m.attrs["nodata_both_cells"] == b.size
    both = vb & va
    if both.any():
        ref = crosstab(b[both], a[both])
        core = m.drop(index=UNMATCHED, columns=UNMATCHED)
        np.testing.assert_array_equal(core.reindex(index=ref.index, columns=ref.columns).to_numpy(), ref.to_numpy())
        assert core.to_numpy().sum() == both.sum()
    comp = change_components(m)
    assert comp["gain"].sum() == comp["loss"].sum()


# --------------------------------------------------------------------------- intensity analysis
# Aldwaik & Pontius (2012), against the 9-pixel example of the domain notes (NINE above:
# crosstab [[2,2,1],[0,0,2],[1,1,0]] over 5 years of 9 pixels -> S = 15.56 %/yr) and hand computations.


def test_interval_level_nine_pixel_example():
    with assert_not_mutated(NINE):
        t = interval_intensity(NINE, years=[2000, 2005])
    row = t.iloc[0]
    assert row["interval"] == "2000-2005" and row["duration_years"] == 5
    assert row["change"] == 7  # 9 pixels - 2 persisting
    assert row["intensity_pct_per_year"] == pytest.approx(7 / 9 / 5 * 100)  # 15.555...
    assert round(row["intensity_pct_per_year"], 2) == 15.56
    assert row["uniform_pct_per_year"] == pytest.approx(row["intensity_pct_per_year"])  # one interval: S = U
    assert row["status"] == "uniform"


def test_category_level_nine_pixel_example():
    with assert_not_mutated(NINE):
        c = category_intensity(NINE, years=[2000, 2005]).set_index(["side", "category"])
    # sizes: start (rows) a5 b2 c2, end (columns) a3 b3 c3; gains 1/3/3, losses 3/2/2
    expected_gain = {"a": 1 / 3 / 5 * 100, "b": 3 / 3 / 5 * 100, "c": 3 / 3 / 5 * 100}
    expected_loss = {"a": 3 / 5 / 5 * 100, "b": 2 / 2 / 5 * 100, "c": 2 / 2 / 5 * 100}
    for k, v in expected_gain.items():
        assert c.loc[("gain", k), "intensity_pct_per_year"] == pytest.approx(v)
        assert c.loc[("gain", k), "size"] == 3
    for k, v in expected_loss.items():
        assert c.loc[("loss", k), "intensity_pct_per_year"] == pytest.approx(v)
    assert c.loc[("gain", "a"), "status"] == "dormant"  # 6.67 < 15.56
    assert c.loc[("gain", "b"), "status"] == "active"  # 20 > 15.56
    assert c.loc[("loss", "a"), "status"] == "dormant"  # 12 < 15.56
    np.testing.assert_allclose(c["uniform_pct_per_year"], 7 / 45 * 100)


def test_transition_level_gain_nine_pixel_example():
    with assert_not_mutated(NINE):
        t = transition_intensity(NINE, years=[2000, 2005])
    t = t.set_index(["category", "other"])
    # gain of b: from a 2/5 px, from c 1/2 px; W_b = 3 / (9 - 2) px
    assert t.loc[("b", "a"), "intensity_pct_per_year"] == pytest.approx(2 / 5 / 5 * 100)
    assert t.loc[("b", "c"), "intensity_pct_per_year"] == pytest.approx(1 / 2 / 5 * 100)
    assert t.loc[("b", "a"), "uniform_pct_per_year"] == pytest.approx(3 / 7 / 5 * 100)
    assert t.loc[("b", "a"), "status"] == "avoided" and t.loc[("b", "c"), "status"] == "targeted"
    # gain of a (1 pixel, from c): W_a = 1 / (9 - 5) px
    assert t.loc[("a", "b"), "intensity_pct_per_year"] == 0.0
    assert t.loc[("a", "c"), "intensity_pct_per_year"] == pytest.approx(1 / 2 / 5 * 100)
    assert t.loc[("a", "c"), "uniform_pct_per_year"] == pytest.approx(1 / 4 / 5 * 100)
    # the gain of n from all others, weighted by their sizes, is n's total gain
    for n in "abc":
        sub = t.loc[n]
        sizes = NINE.sum(axis=1)[sub.index]
        assert (sub["intensity_pct_per_year"] * sizes * 5 / 100).sum() == pytest.approx(
            NINE[n].sum() - NINE.loc[n, n]
        )


def test_transition_level_loss_nine_pixel_example():
    t = transition_intensity(NINE, years=[2000, 2005], perspective="loss").set_index(["category", "other"])
    # loss of a: to b 2 px (b has 3 at the end), to c 1 px (c has 3); V_a = 3 / (9 - 3)
    assert t.loc[("a", "b"), "intensity_pct_per_year"] == pytest.approx(2 / 3 / 5 * 100)
    assert t.loc[("a", "c"), "intensity_pct_per_year"] == pytest.approx(1 / 3 / 5 * 100)
    assert t.loc[("a", "b"), "uniform_pct_per_year"] == pytest.approx(3 / 6 / 5 * 100)
    assert t.loc[("a", "b"), "status"] == "targeted" and t.loc[("a", "c"), "status"] == "avoided"
    # loss of c to a and b: 1/3 each = V_c = 2/6 -> exactly uniform
    assert (t.loc["c", "status"] == "uniform").all()


def test_transition_single_category():
    t = transition_intensity(NINE, years=[0, 5], category="c")
    assert set(t["category"]) == {"c"} and set(t["other"]) == {"a", "b"}
    with pytest.raises(InvalidOptionError, match="not a class"):
        transition_intensity(NINE, years=[0, 5], category="z")
    with pytest.raises(InvalidOptionError):
        transition_intensity(NINE, years=[0, 5], perspective="both")


def test_two_intervals_fast_and_slow():
    m1 = pd.DataFrame([[8, 2], [0, 10]], index=["A", "B"], columns=["A", "B"])  # 2 of 20 change in 5 yr
    m2 = pd.DataFrame([[4, 2], [4, 10]], index=["A", "B"], columns=["A", "B"])  # 6 of 20 change in 10 yr
    t = interval_intensity([m1, m2], years=[2000, 2005, 2015])
    assert t["intensity_pct_per_year"].tolist() == pytest.approx([2 / 20 / 5 * 100, 6 / 20 / 10 * 100])
    u = (2 + 6) / 20 / 15 * 100
    assert t["uniform_pct_per_year"].tolist() == pytest.approx([u, u])
    assert t["status"].tolist() == ["slow", "fast"]  # 2.0 and 3.0 %/yr around U = 2.67 %/yr
    c = category_intensity([m1, m2], years=[2000, 2005, 2015])
    assert set(c["interval"]) == {"2000-2005", "2005-2015"}
    assert len(c) == 2 * 2 * 2


def test_interval_uniform_weights_by_duration():
    # same annual intensity in both intervals -> both uniform
    m1 = pd.DataFrame([[9, 1], [0, 10]], index=[1, 2], columns=[1, 2])  # 1/20 in 5 yr = 1 %/yr
    m2 = pd.DataFrame([[8, 2], [0, 10]], index=[1, 2], columns=[1, 2])  # 2/20 in 10 yr = 1 %/yr
    t = interval_intensity([m1, m2], years=[0, 5, 15])
    assert t["intensity_pct_per_year"].tolist() == pytest.approx([1.0, 1.0])
    assert t["status"].tolist() == ["uniform", "uniform"]


def test_intensity_from_raster_matrices_union_of_classes():
    rng = np.random.default_rng(5)
    r0 = rng.integers(1, 4, (30, 30))
    r1 = np.where(rng.random((30, 30)) < 0.2, 4, r0)  # class 4 appears only later
    r2 = np.where(rng.random((30, 30)) < 0.1, 5, r1)
    m1, m2 = raster_transition_matrix(r0, r1), raster_transition_matrix(r1, r2)
    t = interval_intensity([m1, m2], years=[2009, 2014, 2019])
    ch1 = (r0 != r1).sum() / r0.size / 5 * 100
    ch2 = (r1 != r2).sum() / r0.size / 5 * 100
    assert t["intensity_pct_per_year"].tolist() == pytest.approx([ch1, ch2])
    c = category_intensity([m1, m2], years=[2009, 2014, 2019])
    # class 5 is absent at the end of the first interval: its gain intensity there is undefined
    first5 = c[(c["interval"] == "2009-2014") & (c["category"] == 5) & (c["side"] == "gain")].iloc[0]
    assert np.isnan(first5["intensity_pct_per_year"]) and pd.isna(first5["status"])


def test_intensity_input_errors():
    with pytest.raises(InvalidOptionError, match="one time point more"):
        interval_intensity(NINE, years=[2000])
    with pytest.raises(InvalidOptionError, match="increase"):
        interval_intensity(NINE, years=[2005, 2000])
    with pytest.raises(InvalidOptionError, match="different extents"):
        interval_intensity([NINE, NINE * 2], years=[0, 1, 2])
    with pytest.raises(TypeError):
        interval_intensity("matrix", years=[0, 1])
