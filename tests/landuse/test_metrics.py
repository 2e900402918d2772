"""FRAGSTATS metrics: hand-computed rasters, polygons, and a cross-check against pylandstats."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from shapely import box

from urbangeo.errors import CRSError, EmptyDataError, InvalidOptionError, MissingColumnError, RasterError
from urbangeo.landuse import class_metrics, landscape_metrics, polygon_patches
from urbangeo.landuse.metrics import CLASS_COLUMNS, LANDSCAPE_COLUMNS
from urbangeo.raster import Raster
from urbangeo.testing import assert_not_mutated


def square_in_ring():
    """7 x 7 raster, 10 m cells: a 3 x 3 square of class 1 inside class 0."""
    r = np.zeros((7, 7), dtype=np.uint8)
    r[2:5, 2:5] = 1
    return r


# --------------------------------------------------------------------------- hand-computed rasters


def test_single_square_patch_hand_values():
    r = square_in_ring()
    with assert_not_mutated(r):
        c = class_metrics(r, resolution_m=10.0)
    assert list(c.columns) == CLASS_COLUMNS
    sq = c.loc[1]
    ta_ha = 49 * 100 / 10_000  # 0.49 ha
    assert sq["NP"] == 1
    assert sq["CA_ha"] == pytest.approx(0.09)
    assert sq["PLAND_pct"] == pytest.approx(9 / 49 * 100)
    assert sq["PD_per_100ha"] == pytest.approx(1 / ta_ha * 100)
    assert sq["TE_m"] == pytest.approx(120.0)  # 12 faces x 10 m
    assert sq["ED_m_per_ha"] == pytest.approx(120 / ta_ha)
    assert sq["LSI"] == pytest.approx(1.0)  # domain notes: LSI of a square = 1
    assert sq["SHAPE_MN"] == pytest.approx(1.0)
    assert sq["AI_pct"] == pytest.approx(100.0)  # domain notes: AI of a single square patch = 100
    assert sq["MESH_ha"] == pytest.approx(0.09**2 / ta_ha)
    # COHESION: p = 12 faces, a = 9 cells, Z = 49: (1 - 12 / (12 * 3)) / (1 - 1/7)
    assert sq["COHESION_pct"] == pytest.approx(100 * (2 / 3) / (6 / 7))
    ring = c.loc[0]
    # the ring: 40 cells, perimeter 28 outer + 12 inner faces; min perimeter of 40 cells = 4*6 + 2 = 26
    assert ring["LSI"] == pytest.approx(40 / 26)
    # like adjacencies: 84 face pairs - 12 inside the square - 12 square/ring edges = 60; max(40) = 2*6*5 + 2*4 - 1
    assert ring["AI_pct"] == pytest.approx(100 * 60 / 67)
    assert ring["TE_m"] == pytest.approx(120.0)  # the raster border is not edge
    land = landscape_metrics(r, resolution_m=10.0)
    assert list(land.columns) == LANDSCAPE_COLUMNS
    row = land.loc["landscape"]
    assert row["NP"] == 2 and row["TE_m"] == pytest.approx(120.0)
    assert row["LSI"] == pytest.approx((12 + 28) / 28)  # edges + boundary over min perimeter of 49 cells
    p = np.array([40, 9]) / 49
    assert row["SHDI"] == pytest.approx(-(p * np.log(p)).sum())
    assert row["SIDI"] == pytest.approx(720 / 2401)
    assert row["AI_pct"] == pytest.approx((100 * 9 + 100 * 60 / 67 * 40) / 49)
    assert row["MESH_ha"] == pytest.approx((0.09**2 + 0.40**2) / ta_ha)
    assert row["LPI_pct"] == pytest.approx(40 / 49 * 100)
    assert row["AREA_MN_ha"] == pytest.approx(ta_ha / 2)


def test_whole_landscape_one_square():
    r = np.full((4, 4), 3, dtype=np.int16)
    c = class_metrics(r, resolution_m=1.0).loc[3]
    assert c["TE_m"] == 0 and c["LSI"] == 1.0 and c["AI_pct"] == 100.0 and c["COHESION_pct"] == pytest.approx(100.0)
    land = landscape_metrics(r, resolution_m=1.0).loc["landscape"]
    assert land["SHDI"] == 0 and land["SIDI"] == 0 and land["LSI"] == 1.0 and land["PD_per_100ha"] == 1e6 / 16


@pytest.mark.parametrize("neighbours", [8, 4])
def test_checkerboard(neighbours):
    r = (np.indices((4, 4)).sum(axis=0) % 2).astype(np.uint8)
    c = class_metrics(r, resolution_m=1.0, neighbours=neighbours)
    assert (c["AI_pct"] == 0).all()  # domain notes: AI of a checkerboard = 0
    assert (c["TE_m"] == 24).all()  # every one of the 24 inner face pairs is an edge
    assert c["LSI"].tolist() == pytest.approx([32 / 12, 32 / 12])  # 8 cells: min perimeter 4*2 + 4
    if neighbours == 8:
        # FRAGSTATS quirk: diagonal cells form one patch under the 8 rule, so COHESION is high
        assert (c["NP"] == 1).all()
        assert c["COHESION_pct"].tolist() == pytest.approx([100 * (1 - 1 / math.sqrt(8)) / 0.75] * 2)
    else:
        assert (c["NP"] == 8).all()
        assert c["COHESION_pct"].tolist() == pytest.approx([0.0, 0.0])
        assert c["MESH_ha"].tolist() == pytest.approx([8 * 1e-8 / 16e-4] * 2)
    land = landscape_metrics(r, resolution_m=1.0, neighbours=neighbours).loc["landscape"]
    assert land["TE_m"] == 24 and land["SHDI"] == pytest.approx(math.log(2)) and land["SIDI"] == 0.5


def test_two_patches_pd_mesh_lpi_shape():
    # class 1: a 2 x 2 block and a separate 1 x 3 bar; 30 m cells; 6 x 6 landscape
    r = np.zeros((6, 6), dtype=np.uint8)
    r[0:2, 0:2] = 1
    r[4, 2:5] = 1
    c = class_metrics(r, resolution_m=30.0).loc[1]
    ta_ha = 36 * 900 / 1e4
    assert c["NP"] == 2
    assert c["PD_per_100ha"] == pytest.approx(2 / ta_ha * 100)
    assert c["AREA_MN_ha"] == pytest.approx(7 * 900 / 1e4 / 2)
    assert c["LPI_pct"] == pytest.approx(4 / 36 * 100)
    assert c["MESH_ha"] == pytest.approx(((4 * 0.09) ** 2 + (3 * 0.09) ** 2) / ta_ha)
    # SHAPE: block 8/8 = 1, bar 8 faces / min perimeter of 3 cells (8) = 1
    assert c["SHAPE_MN"] == pytest.approx(1.0)
    # TE: block has 4 inner faces (2 on the border), bar has 8: (4 + 8) * 30 m
    assert c["TE_m"] == pytest.approx(12 * 30.0)
    assert class_metrics(r, resolution_m=30.0, boundary_edge=True).loc[1, "TE_m"] == pytest.approx(16 * 30.0)
    # ED in m/ha
    assert c["ED_m_per_ha"] == pytest.approx(360 / ta_ha)
    # AI: like adjacencies 4 (block) + 2 (bar) = 6, max for 7 cells = 2*2*1 + 2*3 - 2 = 8
    assert c["AI_pct"] == pytest.approx(75.0)


def test_nodata_is_outside_the_landscape():
    r = np.full((5, 5), 255, dtype=np.uint8)
    r[1:4, 1:4] = 2
    c = class_metrics(r, resolution_m=1.0, nodata=255)
    assert c.index.tolist() == [2]
    assert c.loc[2, "TE_m"] == 0 and c.loc[2, "LSI"] == 1.0 and c.loc[2, "PLAND_pct"] == 100.0
    assert class_metrics(r, resolution_m=1.0, nodata=255, boundary_edge=True).loc[2, "TE_m"] == 12
    masked = np.ma.masked_equal(r, 255)
    pd.testing.assert_frame_equal(class_metrics(masked, resolution_m=1.0), c)


def test_single_cell_class_ai_undefined():
    r = np.zeros((3, 3), dtype=np.uint8)
    r[1, 1] = 1
    c = class_metrics(r, resolution_m=1.0)
    assert np.isnan(c.loc[1, "AI_pct"])  # FRAGSTATS: N/A (max like adjacencies = 0)
    land = landscape_metrics(r, resolution_m=1.0).loc["landscape"]
    # landscape AI is the area-weighted mean over classes where AI is defined
    assert land["AI_pct"] == pytest.approx(c.loc[0, "AI_pct"] * 8 / 9)


def _most_compact(a):
    """Brute force over the compact shapes of ``a`` cells (rows of a square-ish block filled in
    order): ``(smallest perimeter, most like adjacencies, the shape)``."""
    best = None
    for w in range(1, a + 1):
        h, rem = divmod(a, w)
        grid = np.zeros((h + 1, w), dtype=bool)
        grid[:h] = True
        grid[h, :rem] = True
        g = (grid[:, 1:] & grid[:, :-1]).sum() + (grid[1:] & grid[:-1]).sum()
        p = 4 * a - 2 * g
        if best is None or p < best[0]:
            best = (p, g, grid)
    return best


def test_min_perimeter_and_max_adjacency_formulas_brute_force():
    # LSI divides the perimeter by the smallest perimeter of as many cells, AI the like
    # adjacencies by the most possible: the most compact shape has LSI 1 and AI 100 %
    for a in range(1, 60):
        _p, _g, grid = _most_compact(a)
        r = np.ma.masked_array(grid.astype(np.uint8), mask=~grid)
        c = class_metrics(r, resolution_m=1.0).loc[1]
        assert c["LSI"] == pytest.approx(1.0, abs=1e-12), a
        if a > 1:
            assert c["AI_pct"] == pytest.approx(100.0, abs=1e-9), a


def test_profile_cell_size_and_crs_rules():
    r = square_in_ring()
    t = (30.0, 0, 500000.0, 0, -30.0, 2500000.0)
    c = class_metrics(Raster(r, t, "EPSG:4547", categorical=True))
    assert c.loc[1, "CA_ha"] == pytest.approx(9 * 900 / 1e4)
    with pytest.raises(CRSError, match="not a projected CRS"):
        class_metrics(Raster(r, t, "EPSG:4326", categorical=True))
    with pytest.raises(RasterError, match="square"):
        class_metrics(Raster(r, (30.0, 0, 0, 0, -20.0, 0), "EPSG:4547", categorical=True))
    with pytest.raises(InvalidOptionError, match="resolution_m"):
        class_metrics(r)
    with pytest.raises(InvalidOptionError, match="neighbours"):
        class_metrics(r, resolution_m=1.0, neighbours=6)
    with pytest.raises(InvalidOptionError, match="class_col"):
        class_metrics(r, resolution_m=1.0, class_col="DLBM")
    with pytest.raises(EmptyDataError):
        class_metrics(np.ma.masked_all((3, 3), dtype=np.uint8), resolution_m=1.0)


# --------------------------------------------------------------------------- pylandstats cross-check

PLS_CLASS = {
    "NP": "number_of_patches",
    "PD_per_100ha": "patch_density",
    "CA_ha": "total_area",
    "PLAND_pct": "proportion_of_landscape",
    "AREA_MN_ha": "area_mn",
    "LPI_pct": "largest_patch_index",
    "TE_m": "total_edge",
    "ED_m_per_ha": "edge_density",
    "LSI": "landscape_shape_index",
    "SHAPE_MN": "shape_index_mn",
    "MESH_ha": "effective_mesh_size",
}
PLS_LAND = {k: v for k, v in PLS_CLASS.items() if k not in ("CA_ha", "PLAND_pct")} | {"TA_ha": "total_area"}


def smooth_landscape(seed, shape=(80, 70), k=4, nodata_frac=0.0):
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    r = ndimage.median_filter(rng.integers(0, k, shape), size=5).astype(np.int32)
    noise = rng.random(shape) < 0.05
    r[noise] = rng.integers(0, k, noise.sum())
    if nodata_frac:
        r[rng.random(shape) < nodata_frac] = 99
        r[:5, :9] = 99
    return r


@pytest.mark.parametrize("neighbours", [8, 4])
@pytest.mark.parametrize("nodata_frac", [0.0, 0.02])
def test_matches_pylandstats(neighbours, nodata_frac):
    pls = pytest.importorskip("pylandstats")
    r = smooth_landscape(7, nodata_frac=nodata_frac)
    ours_c = class_metrics(r, resolution_m=30.0, nodata=99, neighbours=neighbours)
    ours_l = landscape_metrics(r, resolution_m=30.0, nodata=99, neighbours=neighbours).iloc[0]
    ls = pls.Landscape(r, res=(30, 30), nodata=99, neighborhood_rule=str(neighbours))
    ref_c = ls.compute_class_metrics_df(metrics=list(PLS_CLASS.values()))
    ref_l = ls.compute_landscape_metrics_df(metrics=list(PLS_LAND.values())).iloc[0]
    assert ours_c.index.tolist() == ref_c.index.tolist()
    for ours, theirs in PLS_CLASS.items():
        np.testing.assert_allclose(ours_c[ours].to_numpy(float), ref_c[theirs].to_numpy(float), rtol=1e-9,
                                   err_msg=ours)
    for ours, theirs in PLS_LAND.items():
        assert ours_l[ours] == pytest.approx(float(ref_l[theirs]), rel=1e-9), ours


# --------------------------------------------------------------------------- polygons


def gdf(classes, boxes, crs=32650):
    return gpd.GeoDataFrame({"DLBM": classes}, geometry=[box(*b) for b in boxes], crs=crs)


def test_polygons_two_squares_hand_values():
    g = gdf(["0101", "0601"], [(0, 0, 10, 10), (10, 0, 20, 10)])
    with assert_not_mutated(g):
        c = class_metrics(g, class_col="DLBM")
        land = landscape_metrics(g, class_col="DLBM").iloc[0]
    assert c.loc["0101", "TE_m"] == pytest.approx(10.0) and c.loc["0601", "TE_m"] == pytest.approx(10.0)
    assert c.loc["0101", "LSI"] == pytest.approx(1.0) and c.loc["0101", "SHAPE_MN"] == pytest.approx(1.0)
    assert c.loc["0101", "PLAND_pct"] == pytest.approx(50.0)
    assert c["AI_pct"].isna().all() and c["COHESION_pct"].isna().all()  # cell metrics: rasters only
    assert land["TE_m"] == pytest.approx(10.0)
    assert land["TA_ha"] == pytest.approx(0.02)
    assert land["LSI"] == pytest.approx(0.25 * (10 + 60) / math.sqrt(200))
    assert land["SHDI"] == pytest.approx(math.log(2))
    assert landscape_metrics(g, class_col="DLBM", boundary_edge=True).iloc[0]["TE_m"] == pytest.approx(70.0)
    circ = class_metrics(g, class_col="DLBM", shape_standard="circle")
    assert circ.loc["0101", "SHAPE_MN"] == pytest.approx(40 / (2 * math.sqrt(math.pi * 100)))


def test_polygon_neighbour_rule_and_dissolve():
    g = gdf(["a", "a", "a", "b"], [(0, 0, 1, 1), (1, 0, 2, 1), (2, 1, 3, 2), (5, 5, 6, 6)])
    p8 = polygon_patches(g, class_col="DLBM")
    p4 = polygon_patches(g, class_col="DLBM", neighbours=4)
    assert sorted(p8["n_polygons"]) == [1, 3] and sorted(p4["n_polygons"]) == [1, 1, 2]
    assert p8["area_m2"].sum() == pytest.approx(4.0)
    assert p8.loc[p8["class"] == "a", "perimeter_m"].iloc[0] == pytest.approx(6 + 4)  # 2x1 bar + 1 cell
    assert class_metrics(g, class_col="DLBM").loc["a", "NP"] == 1
    assert class_metrics(g, class_col="DLBM", neighbours=4).loc["a", "NP"] == 2
    assert p8.crs == g.crs


def test_polygons_equal_raster_when_polygons_are_cells():
    r = smooth_landscape(11, shape=(20, 16), k=3)
    rows, cols = np.indices(r.shape)
    boxes = [(c * 10.0, -(rw + 1) * 10.0, (c + 1) * 10.0, -rw * 10.0) for rw, c in zip(rows.ravel(), cols.ravel())]
    g = gpd.GeoDataFrame({"k": r.ravel()}, geometry=[box(*b) for b in boxes], crs=32650)
    rc = class_metrics(r, resolution_m=10.0)
    vc = class_metrics(g, class_col="k")
    for col in ("NP", "PD_per_100ha", "CA_ha", "PLAND_pct", "AREA_MN_ha", "LPI_pct", "TE_m", "ED_m_per_ha", "MESH_ha"):
        np.testing.assert_allclose(vc[col].to_numpy(float), rc[col].to_numpy(float), rtol=1e-9, err_msg=col)
    rl = landscape_metrics(r, resolution_m=10.0).iloc[0]
    vl = landscape_metrics(g, class_col="k").iloc[0]
    for col in ("NP", "TA_ha", "TE_m", "MESH_ha", "SHDI", "SIDI", "LPI_pct"):
        assert vl[col] == pytest.approx(rl[col], rel=1e-9), col
    # AI and COHESION (cell metrics) on polygons burnt into the same 10 m cells equal the raster values
    vc10 = class_metrics(g, class_col="k", resolution_m=10.0)
    vl10 = landscape_metrics(g, class_col="k", resolution_m=10.0).iloc[0]
    for col in ("AI_pct", "COHESION_pct"):
        np.testing.assert_allclose(vc10[col].to_numpy(float), rc[col].to_numpy(float), rtol=1e-12, err_msg=col)
        assert vl10[col] == pytest.approx(rl[col], rel=1e-12)
    cell_cols = ["AI_pct", "COHESION_pct", "PLADJ_pct", "CLUMPY"]  # the cell-count metrics
    pd.testing.assert_frame_equal(vc10.drop(columns=cell_cols), vc.drop(columns=cell_cols))
    # LSI: the vector 0.25 P / sqrt(A) equals the raster P / min-perimeter when the area is a square number
    assert vl["LSI"] == pytest.approx(rl["LSI"] * _most_compact(320)[0] / (4 * math.sqrt(320)))


def test_polygon_errors():
    g = gdf(["a"], [(0, 0, 1, 1)])
    with pytest.raises(InvalidOptionError, match="class_col"):
        class_metrics(g)
    with pytest.raises(MissingColumnError):
        class_metrics(g, class_col="nope")
    with pytest.raises(InvalidOptionError):
        class_metrics(g, class_col="DLBM", nodata=0)
    with pytest.raises(InvalidOptionError, match="coarser"):
        class_metrics(gdf(["a"], [(0, 0, 100_000, 100_000)]), class_col="DLBM", resolution_m=1.0)
    with pytest.raises(InvalidOptionError):
        class_metrics(g, class_col="DLBM", shape_standard="hexagon")


def test_polygons_real_prague_plots(shared_data):
    """Real Bubenec plots, modelled classes: invariants and reference dissolve."""
    from urbangeo.crs import to_metric

    plots = gpd.read_file(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    rng = np.random.default_rng(7)
    plots["DLBM"] = rng.choice(["0601", "0701", "0810"], len(plots))
    with assert_not_mutated(plots):
        c = class_metrics(plots, class_col="DLBM")
        land = landscape_metrics(plots, class_col="DLBM").iloc[0]
        p4 = polygon_patches(plots, class_col="DLBM", neighbours=4)
    m = to_metric(plots)
    # reference: geopandas dissolve + explode gives the 4-rule patches
    ref = m.dissolve("DLBM").explode(index_parts=False)
    assert len(p4) == len(ref)
    assert class_metrics(plots, class_col="DLBM", neighbours=4)["NP"].sum() == len(ref)
    assert c["CA_ha"].sum() == pytest.approx(m.geometry.union_all().area / 1e4, rel=1e-3)
    assert c["PLAND_pct"].sum() == pytest.approx(100.0, rel=1e-3)
    assert (c["LSI"] >= 1.0).all() and (c["SHAPE_MN"] >= 0.886).all()
    # TE: each inner edge between two classes belongs to both: sum of class TE = 2 x landscape TE
    assert c["TE_m"].sum() == pytest.approx(2 * land["TE_m"])
    # and it is close to the length shared by the dissolved classes pairwise (plots are not a clean coverage)
    classes = m.dissolve("DLBM").geometry
    shared = sum(
        classes.iloc[i].boundary.intersection(classes.iloc[j].boundary).length
        for i in range(3)
        for j in range(i + 1, 3)
    )
    assert land["TE_m"] == pytest.approx(shared, rel=0.01)
    assert land["SHDI"] <= math.log(3) and land["NP"] == c["NP"].sum()
    # the distribution / diversity metrics on real plots: Jaeger's identities, ranges, ENN against a dissolve
    np.testing.assert_allclose(c["DIVISION"], 1 - c["MESH_ha"] / land["TA_ha"], rtol=1e-12)
    assert land["SPLIT"] == pytest.approx(land["TA_ha"] / land["MESH_ha"], rel=1e-12)
    assert 0 < land["SHEI"] <= 1 and 0 < land["IJI_pct"] <= 100 and (c["FRAC_MN"] >= 1 - 1e-9).all()
    patches = polygon_patches(plots, class_col="DLBM").to_crs(m.crs)
    first = patches[patches["class"] == "0601"].geometry.to_numpy()
    ref_enn = np.mean([min(g.distance(h) for j, h in enumerate(first) if j != i) for i, g in enumerate(first)])
    assert c.loc["0601", "ENN_MN_m"] == pytest.approx(ref_enn, rel=1e-9)


def test_polygons_gap_is_boundary_and_overlap_warns():
    from urbangeo.errors import UrbangeoWarning

    g = gdf(["a", "b"], [(0, 0, 10, 10), (11, 0, 21, 10)])  # a 1 m street between the plots
    land = landscape_metrics(g, class_col="DLBM").iloc[0]
    assert land["TE_m"] == 0.0 and land["TA_ha"] == pytest.approx(0.02)
    assert land["LSI"] == pytest.approx(0.25 * 80 / math.sqrt(200))  # all 80 m of perimeter are boundary
    # a class split by a shared boundary between two of its own polygons: that boundary is not perimeter
    two = gdf(["a", "a"], [(0, 0, 10, 10), (10, 0, 20, 10)])
    p = polygon_patches(two, class_col="DLBM")
    assert len(p) == 1 and p["perimeter_m"].iloc[0] == pytest.approx(60.0) and p["area_m2"].iloc[0] == 200.0
    assert class_metrics(two, class_col="DLBM").loc["a", "LSI"] == pytest.approx(0.25 * 60 / math.sqrt(200))
    over = gdf(["a", "b"], [(0, 0, 10, 10), (5, 0, 15, 10)])
    with pytest.warns(UrbangeoWarning, match="overlap"):
        class_metrics(over, class_col="DLBM")


# --------------------------------------------------------------------------- properties (hypothesis)

@settings(max_examples=60, deadline=None)
@given(
    arrays(np.int16, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.integers(-1, 3)),
    st.sampled_from([4, 8]),
)
def test_metric_invariants(r, neighbours):
    """On any raster (-1 = nodata): areas add up, edges are shared by two classes, indices in range."""
    if (r == -1).all():
        return
    c = class_metrics(r, resolution_m=2.0, nodata=-1, neighbours=neighbours)
    land = landscape_metrics(r, resolution_m=2.0, nodata=-1, neighbours=neighbours).iloc[0]
    valid = int((r != -1).sum())
    assert c["PLAND_pct"].sum() == pytest.approx(100.0)
    assert c["CA_ha"].sum() == pytest.approx(land["TA_ha"]) == pytest.approx(valid * 4 / 1e4)
    assert c["TE_m"].sum() == pytest.approx(2 * land["TE_m"])
    assert c["NP"].sum() == land["NP"]
    assert (c["LSI"] >= 1 - 1e-12).all() and (c["SHAPE_MN"] >= 1 - 1e-12).all() and land["LSI"] >= 1 - 1e-12
    ai = c["AI_pct"].dropna()
    assert ((ai >= 0) & (ai <= 100 + 1e-9)).all()
    assert c["MESH_ha"].sum() == pytest.approx(land["MESH_ha"])
    assert (c["LPI_pct"] <= c["PLAND_pct"] + 1e-9).all()
    assert 0 <= land["SIDI"] < 1 and 0 <= land["SHDI"] <= math.log(len(c)) + 1e-12
    if neighbours == 4:  # every 4-patch is inside one 8-patch
        assert (class_metrics(r, resolution_m=2.0, nodata=-1, neighbours=8)["NP"] <= c["NP"]).all()


# --------------------------------------------------------------------------- brute-force reference for AI / COHESION


def brute_force(r: np.ndarray, nodata: int, neighbours: int) -> dict:
    """Cell-by-cell reference: BFS patches, faces counted one cell at a time (no NumPy tricks)."""
    h, w = r.shape
    valid = r != nodata

    def val(y, x):
        return r[y, x] if 0 <= y < h and 0 <= x < w and valid[y, x] else None

    steps4 = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    steps = steps4 + ([(-1, -1), (-1, 1), (1, -1), (1, 1)] if neighbours == 8 else [])
    seen = np.zeros(r.shape, bool)
    patches = []  # (class, cells, perimeter faces)
    for y in range(h):
        for x in range(w):
            if not valid[y, x] or seen[y, x]:
                continue
            c, stack, cells, perim = r[y, x], [(y, x)], 0, 0
            seen[y, x] = True
            while stack:
                cy, cx = stack.pop()
                cells += 1
                perim += sum(val(cy + dy, cx + dx) != c for dy, dx in steps4)
                for dy, dx in steps:
                    ny, nx = cy + dy, cx + dx
                    if val(ny, nx) == c and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
            patches.append((c, cells, perim))
    like = {}
    for y in range(h):
        for x in range(w):
            for dy, dx in ((0, 1), (1, 0)):  # single count
                if valid[y, x] and val(y + dy, x + dx) == r[y, x]:
                    like[r[y, x]] = like.get(r[y, x], 0) + 1
    z = int(valid.sum())
    out = {}
    for c in sorted({p[0] for p in patches}):
        mine = [p for p in patches if p[0] == c]
        a = sum(p[1] for p in mine)
        n = math.isqrt(a)
        m = a - n * n
        gmax = 2 * n * (n - 1) + (0 if m == 0 else (2 * m - 1 if m <= n else 2 * m - 2))
        sum_p = sum(p[2] for p in mine)
        sum_pa = sum(p[2] * math.sqrt(p[1]) for p in mine)
        out[c] = {
            "NP": len(mine),
            "AI_pct": 100.0 * like.get(c, 0) / gmax if gmax else np.nan,
            "COHESION_pct": 100.0 * (1 - sum_p / sum_pa) / (1 - 1 / math.sqrt(z)),
        }
    return out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("neighbours", [4, 8])
def test_ai_cohesion_match_brute_force(seed, neighbours):
    rng = np.random.default_rng(seed)
    r = rng.integers(0, 3, (13, 11))
    r[rng.random(r.shape) < 0.1] = 9
    c = class_metrics(r, resolution_m=1.0, nodata=9, neighbours=neighbours)
    ref = brute_force(r, 9, neighbours)
    for k, vals in ref.items():
        assert c.loc[k, "NP"] == vals["NP"]
        for col in ("AI_pct", "COHESION_pct"):
            np.testing.assert_allclose(c.loc[k, col], vals[col], rtol=1e-12, err_msg=f"{col} class {k}")


# --------------------------------------------------------------------------- distribution, aggregation, diversity

NEW_CLASS = ["AREA_CV_pct", "FRAC_MN", "PARA_MN_m_per_m2", "ENN_MN_m", "DIVISION", "SPLIT", "PLADJ_pct", "CLUMPY", "IJI_pct"]
NEW_LAND = ["AREA_CV_pct", "FRAC_MN", "PARA_MN_m_per_m2", "ENN_MN_m", "DIVISION", "SPLIT", "PLADJ_pct", "IJI_pct",
            "CONTAG_pct", "SHEI"]


def _h(q):
    """Shannon entropy of proportions (natural log)."""
    q = np.asarray(q, float)
    return float(-(q * np.log(q)).sum())


def test_scattered_class_hand_values():
    # 4 x 4, 10 m cells          class 1: three single cells, no two touching (3 patches)
    #   1 0 0 1                   class 0: the other 13 cells, one patch
    #   0 0 0 0                   24 face pairs: 8 unlike (2 + 2 + 4 around the 1s), 16 like 0-0
    #   0 0 1 0
    #   0 0 0 0
    r = np.zeros((4, 4), dtype=np.uint8)
    r[0, 0] = r[0, 3] = r[2, 2] = 1
    c = class_metrics(r, resolution_m=10.0)
    land = landscape_metrics(r, resolution_m=10.0).iloc[0]
    assert list(c.columns[-len(NEW_CLASS):]) == NEW_CLASS and list(land.index[-len(NEW_LAND):]) == NEW_LAND
    one, zero = c.loc[1], c.loc[0]
    assert one["AREA_CV_pct"] == 0.0  # three equal patches
    assert one["PARA_MN_m_per_m2"] == pytest.approx(40 / 100)  # 40 m perimeter / 100 m2
    assert one["FRAC_MN"] == pytest.approx(1.0)  # 2 ln(0.25 * 40) / ln(100) = 2 ln 10 / ln 100
    # ENN, cell centre to cell centre: (0,0)-(2,2) sqrt 8 cells, (0,3)-(2,2) sqrt 5, (0,3)-(0,0) 3
    # nearest: (0,0) -> sqrt 8, (0,3) -> sqrt 5, (2,2) -> sqrt 5
    assert one["ENN_MN_m"] == pytest.approx(10 * (math.sqrt(8) + 2 * math.sqrt(5)) / 3)
    assert np.isnan(zero["ENN_MN_m"])  # the only patch of its class
    assert one["DIVISION"] == pytest.approx(1 - 3 / 256) and one["SPLIT"] == pytest.approx(256 / 3)
    assert one["PLADJ_pct"] == 0.0
    # CLUMPY: G = 0 like / (12 faces - min perimeter 8) = 0 < P = 3/16 < 0.5: (G - P) / P = -1 (maximally disaggregated)
    assert one["CLUMPY"] == pytest.approx(-1.0)
    # class 0: 52 faces, 32 of them like (16 pairs double counted): PLADJ = 32 / 52
    assert zero["PLADJ_pct"] == pytest.approx(100 * 32 / 52)
    # max like adjacencies of 13 cells (n = 3, m = 4 > n): 2*3*2 + 2*4 - 2 = 18; G = 16/18 >= P = 13/16
    assert zero["CLUMPY"] == pytest.approx((16 / 18 - 13 / 16) / (3 / 16))
    # perimeter of class 0: 12 border faces + 8 edges = 20 faces = 200 m, area 1300 m2
    assert zero["FRAC_MN"] == pytest.approx(2 * math.log(50) / math.log(1300))
    assert zero["PARA_MN_m_per_m2"] == pytest.approx(200 / 1300)
    assert np.isnan(c["IJI_pct"]).all() and np.isnan(land["IJI_pct"])  # IJI needs >= 3 classes
    # landscape: patch areas 1300, 100, 100, 100 m2: mean 400, population SD sqrt(270000)
    assert land["AREA_CV_pct"] == pytest.approx(100 * math.sqrt(270_000) / 400)
    assert land["PLADJ_pct"] == pytest.approx(100 * 32 / 64)
    assert land["ENN_MN_m"] == pytest.approx(one["ENN_MN_m"])  # patches without a neighbour are left out
    assert land["DIVISION"] == pytest.approx(1 - 172 / 256) and land["SPLIT"] == pytest.approx(256 / 172)
    assert land["FRAC_MN"] == pytest.approx((3 + 2 * math.log(50) / math.log(1300)) / 4)
    # CONTAG: g00 = 32, g01 = g10 = 8, g11 = 0 (double count); P = 13/16, 3/16
    # P_i g_ik / sum_k g_ik: 13/16 * 32/40 = 0.65, 13/16 * 8/40 = 0.1625, 3/16 * 8/8 = 0.1875
    assert land["CONTAG_pct"] == pytest.approx(100 * (1 - _h([0.65, 0.1625, 0.1875]) / (2 * math.log(2))))
    assert land["SHEI"] == pytest.approx(_h([13 / 16, 3 / 16]) / math.log(2))
    # FRAGSTATS' second CLUMPY branch can fall below -1: [1 0 1] has G = 0 < P = 2/3 >= 0.5: (0 - 2/3) / (1/3)
    assert class_metrics(np.array([[1, 0, 1]]), resolution_m=1.0).loc[1, "CLUMPY"] == pytest.approx(-2.0)


def test_three_classes_iji_contag_hand_values():
    # 3 x 3, 1 m cells           face pairs (single count): like 1-1: 2, 2-2: 2, 3-3: 2
    #   1 1 2                     edges: 1-2: 1, 1-3: 3, 2-3: 2   (12 pairs in all)
    #   1 3 2
    #   3 3 2
    r = np.array([[1, 1, 2], [1, 3, 2], [3, 3, 2]], dtype=np.int32)
    c = class_metrics(r, resolution_m=1.0)
    land = landscape_metrics(r, resolution_m=1.0).iloc[0]
    # IJI_i = H(e_ik / E_i) / ln(m - 1): class 1 edges 1 and 3, class 2 1 and 2, class 3 3 and 2
    assert c.loc[1, "IJI_pct"] == pytest.approx(100 * _h([1 / 4, 3 / 4]) / math.log(2))
    assert c.loc[2, "IJI_pct"] == pytest.approx(100 * _h([1 / 3, 2 / 3]) / math.log(2))
    assert c.loc[3, "IJI_pct"] == pytest.approx(100 * _h([3 / 5, 2 / 5]) / math.log(2))
    assert land["IJI_pct"] == pytest.approx(100 * _h([1 / 6, 3 / 6, 2 / 6]) / math.log(3))  # ln(m(m-1)/2)
    # CONTAG: double-count matrix [[4, 1, 3], [1, 4, 2], [3, 2, 4]], row sums 8, 7, 9, P_i = 1/3 each
    g = np.array([[4, 1, 3], [1, 4, 2], [3, 2, 4]], float)
    q = (1 / 3) * g / g.sum(axis=1, keepdims=True)
    assert land["CONTAG_pct"] == pytest.approx(100 * (1 - _h(q.ravel()) / (2 * math.log(3))))
    assert land["SHEI"] == pytest.approx(1.0)  # equal proportions
    # PLADJ class 1: 2 like pairs double counted over 3 cells x 4 faces (border faces included)
    assert c.loc[1, "PLADJ_pct"] == pytest.approx(100 * 4 / 12)
    assert land["PLADJ_pct"] == pytest.approx(100 * 12 / 36)
    assert c["ENN_MN_m"].isna().all()  # one patch per class
    # a single class: CONTAG undefined (needs 2 classes), SHEI 0; FRAC of a 1 m2 cell is 0/0
    one = landscape_metrics(np.ones((3, 3), np.uint8), resolution_m=1.0).iloc[0]
    assert np.isnan(one["CONTAG_pct"]) and one["SHEI"] == 0.0 and one["DIVISION"] == 0.0 and one["SPLIT"] == 1.0
    assert np.isnan(class_metrics(np.eye(3, dtype=np.uint8) * 0 + np.eye(3, dtype=np.uint8), resolution_m=1.0,
                                  neighbours=4).loc[1, "FRAC_MN"])


def _enn_brute_force(r, neighbours):
    """Per class: the patches (scipy label), and for each the smallest centre-to-centre
    distance from any of its cells to any cell of another patch of the class (all pairs)."""
    from scipy import ndimage
    from scipy.spatial.distance import cdist

    structure = np.ones((3, 3)) if neighbours == 8 else None
    out = {}
    for k in np.unique(r):
        lab, n = ndimage.label(r == k, structure=structure)
        cells = [np.argwhere(lab == i + 1) for i in range(n)]
        enn = [min((cdist(a, b).min() for j, b in enumerate(cells) if j != i), default=np.nan)
               for i, a in enumerate(cells)]
        out[k] = np.nanmean(enn) if n > 1 else np.nan
    return out


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("neighbours", [4, 8])
def test_enn_matches_all_pairs_brute_force(seed, neighbours):
    rng = np.random.default_rng(seed)
    r = rng.integers(0, 3, (12, 14))
    r[3, :] = 5  # a one-row class: collinear cells
    c = class_metrics(r, resolution_m=2.0, neighbours=neighbours)
    for k, v in _enn_brute_force(r, neighbours).items():
        if np.isnan(v):
            assert np.isnan(c.loc[k, "ENN_MN_m"])
        else:
            assert c.loc[k, "ENN_MN_m"] == pytest.approx(2.0 * v, rel=1e-12), k


def test_enn_long_patches_far_apart():
    # two 1,500-cell lines 200 rows apart: every edge cell's nearest 512 cells are its own line,
    # so the search falls back to a tree of the other patch; centre to centre: 200 cells
    r = np.zeros((210, 1500), dtype=np.uint8)
    r[5, :] = r[205, :] = 1
    c = class_metrics(r, resolution_m=1.0)
    assert c.loc[1, "ENN_MN_m"] == pytest.approx(200.0)
    assert c.loc[0, "ENN_MN_m"] == pytest.approx(2.0)  # the lines cut class 0 into 3 bands, 2 centres apart


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.int16, st.tuples(st.integers(1, 10), st.integers(1, 10)), elements=st.integers(-1, 3)),
    st.sampled_from([4, 8]),
)
def test_new_metric_invariants(r, neighbours):
    """DIVISION = 1 - sum (a_ij / A)^2 = 1 - MESH / A, SPLIT = A^2 / sum a_ij^2 = A / MESH; ranges."""
    if (r == -1).all():
        return
    c = class_metrics(r, resolution_m=3.0, nodata=-1, neighbours=neighbours)
    land = landscape_metrics(r, resolution_m=3.0, nodata=-1, neighbours=neighbours).iloc[0]
    ta = land["TA_ha"]
    np.testing.assert_allclose(c["DIVISION"], 1 - c["MESH_ha"] / ta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c["SPLIT"], ta / c["MESH_ha"], rtol=1e-12)
    assert land["DIVISION"] == pytest.approx(1 - land["MESH_ha"] / ta, abs=1e-12)
    assert land["SPLIT"] == pytest.approx(ta / land["MESH_ha"], rel=1e-12)
    assert 0 <= land["SHEI"] <= 1 + 1e-12
    assert ((c["PLADJ_pct"] >= 0) & (c["PLADJ_pct"] <= 100)).all() and 0 <= land["PLADJ_pct"] <= 100
    clumpy = c["CLUMPY"].dropna()
    assert (clumpy <= 1 + 1e-12).all()
    # >= -1 only for classes under half the landscape: FRAGSTATS' second branch (G - P) / (1 - P) goes below -1
    # when P >= 0.5 and G < P (e.g. [1 0 1]: G = 0, P = 2/3, CLUMPY = -2), possible on tiny maps only
    small = c.loc[c["PLAND_pct"] < 50, "CLUMPY"].dropna()
    assert (small >= -1 - 1e-12).all()
    # with the boundary counted as adjacency, CLUMPY's G_i is AI / 100
    ok = c["AI_pct"].notna() & (c["PLAND_pct"] < 100)
    g, p = c.loc[ok, "AI_pct"] / 100, c.loc[ok, "PLAND_pct"] / 100
    np.testing.assert_allclose(c.loc[ok, "CLUMPY"], np.where((g < p) & (p < 0.5), (g - p) / p, (g - p) / (1 - p)),
                               atol=1e-12)
    for col in ("IJI_pct", "AREA_CV_pct"):
        v = c[col].dropna()
        assert (v >= -1e-9).all() and (col != "IJI_pct" or (v <= 100 + 1e-9).all())
    if len(c) >= 2 and not np.isnan(land["CONTAG_pct"]):
        assert -1e-9 <= land["CONTAG_pct"] <= 100 + 1e-9
    enn = c["ENN_MN_m"].dropna()
    assert (enn >= 3.0 - 1e-12).all()  # at least one cell apart, centre to centre


# pylandstats names of the metrics it has (PARA in m per m2: hectares=False)
PLS_NEW = {
    "AREA_CV_pct": "area_cv",
    "FRAC_MN": "fractal_dimension_mn",
    "PARA_MN_m_per_m2": "perimeter_area_ratio_mn",
    "ENN_MN_m": "euclidean_nearest_neighbor_mn",
}


def _pls_contag(r, nodata, classes):
    """pylandstats' CONTAG: 1 - joint entropy of the adjacency proportions g_ik / sum g / (2 ln m)."""
    k = len(classes)
    idx = np.searchsorted(classes, r)
    idx[r == nodata] = -1
    g = np.zeros((k, k))
    for f, s in ((idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])):
        ok = (f >= 0) & (s >= 0)
        np.add.at(g, (f[ok], s[ok]), 1)
    g = g + g.T
    q = g[g > 0] / g.sum()
    return 100 * (1 - _h(q) / (2 * math.log(k)))


def _check_against_pylandstats(pls, r, nodata, resolution_m, neighbours):
    ours_c = class_metrics(r, resolution_m=resolution_m, nodata=nodata, neighbours=neighbours)
    ours_l = landscape_metrics(r, resolution_m=resolution_m, nodata=nodata, neighbours=neighbours).iloc[0]
    ls = pls.Landscape(np.ma.getdata(r), res=(resolution_m, resolution_m), nodata=nodata,
                       neighborhood_rule=str(neighbours))
    kw = {"perimeter_area_ratio_mn": {"hectares": False}}
    with warnings.catch_warnings():  # pylandstats warns about classes of one patch (ENN NaN, as ours)
        warnings.simplefilter("ignore", RuntimeWarning)
        ref_c = ls.compute_class_metrics_df(metrics=list(PLS_NEW.values()), metrics_kwargs=kw)
        ref_l = ls.compute_landscape_metrics_df(metrics=[*PLS_NEW.values(), "contagion"], metrics_kwargs=kw).iloc[0]
    for ours, theirs in PLS_NEW.items():
        np.testing.assert_allclose(ours_c[ours].to_numpy(float), ref_c[theirs].to_numpy(float), rtol=1e-9,
                                   err_msg=ours)
        assert ours_l[ours] == pytest.approx(float(ref_l[theirs]), rel=1e-9), ours
    # CONTAG: pylandstats uses the joint entropy of g_ik / sum g instead of FRAGSTATS' P_i g_ik / sum_k g_ik;
    # its value is reproduced from the same adjacency matrix, and ours differs from it
    classes = np.asarray(ours_c.index)
    assert float(ref_l["contagion"]) == pytest.approx(_pls_contag(np.ma.getdata(r), nodata, classes), rel=1e-9)
    assert abs(ours_l["CONTAG_pct"] - float(ref_l["contagion"])) < 2.0
    return ours_c, ours_l


@pytest.mark.parametrize("neighbours", [8, 4])
@pytest.mark.parametrize("nodata_frac", [0.0, 0.02])
def test_new_metrics_match_pylandstats(neighbours, nodata_frac):
    pls = pytest.importorskip("pylandstats")
    _check_against_pylandstats(pls, smooth_landscape(7, nodata_frac=nodata_frac), 99, 30.0, neighbours)


def test_new_metrics_match_pylandstats_on_real_modis(shared_data):
    """Real MODIS 2019 IGBP classes, Pearl River Delta window (cells taken as 5 km squares)."""
    pls = pytest.importorskip("pylandstats")
    from urbangeo.io import read_raster

    modis = read_raster(shared_data("raster/modis_landcover_2019_0.05deg.tif"))
    r0, c0 = int((90 - 24.5) / 0.05), int((180 + 112) / 0.05)
    window = np.where(modis.valid, modis.array, 255)[r0 : r0 + 60, c0 : c0 + 70].astype(np.int32)
    c, land = _check_against_pylandstats(pls, window, 255, 5000.0, 8)
    assert len(c) >= 3 and not np.isnan(land["IJI_pct"]) and 0 < land["SHEI"] < 1


def test_new_metrics_on_polygons():
    # two 10 x 10 plots of class a, 20 m apart, b between them touching the first, c a 40 x 10 strip above
    g = gdf(["a", "b", "a", "c"], [(0, 0, 10, 10), (10, 0, 20, 10), (30, 0, 40, 10), (0, 10, 40, 20)])
    c = class_metrics(g, class_col="DLBM")
    land = landscape_metrics(g, class_col="DLBM").iloc[0]
    assert c.loc["a", "ENN_MN_m"] == pytest.approx(20.0)  # edge to edge, shapely distance
    assert np.isnan(c.loc["b", "ENN_MN_m"])
    assert c.loc["c", "FRAC_MN"] == pytest.approx(2 * math.log(0.25 * 100) / math.log(400))
    assert c.loc["a", "FRAC_MN"] == pytest.approx(1.0) and c.loc["a", "PARA_MN_m_per_m2"] == pytest.approx(0.4)
    # shared boundaries: a-b 10, a-c 20, b-c 10 (m)
    assert c.loc["a", "IJI_pct"] == pytest.approx(100 * _h([1 / 3, 2 / 3]) / math.log(2))
    assert land["IJI_pct"] == pytest.approx(100 * _h([0.25, 0.5, 0.25]) / math.log(3))
    ta = 700.0
    assert c.loc["a", "DIVISION"] == pytest.approx(1 - 2 * (100 / ta) ** 2)
    assert land["SPLIT"] == pytest.approx(ta**2 / (3 * 100**2 + 400**2))
    assert land["SHEI"] == pytest.approx(_h(np.array([200, 100, 400]) / 700) / math.log(3))
    assert land["AREA_CV_pct"] == pytest.approx(100 * np.std([100, 100, 100, 400]) / 175)
    # cell-count metrics are NaN on polygons unless resolution_m burns the layer into cells
    assert c[["PLADJ_pct", "CLUMPY"]].isna().all().all() and np.isnan(land["CONTAG_pct"])
    land1 = landscape_metrics(g, class_col="DLBM", resolution_m=1.0).iloc[0]
    assert 0 < land1["CONTAG_pct"] < 100 and 0 < land1["PLADJ_pct"] < 100


def test_new_metrics_polygons_equal_raster_when_polygons_are_cells():
    r = smooth_landscape(3, shape=(14, 12), k=3)
    rows, cols = np.indices(r.shape)
    boxes = [(c * 10.0, -(rw + 1) * 10.0, (c + 1) * 10.0, -rw * 10.0) for rw, c in zip(rows.ravel(), cols.ravel())]
    g = gpd.GeoDataFrame({"k": r.ravel()}, geometry=[box(*b) for b in boxes], crs=32650)
    rc, rl = class_metrics(r, resolution_m=10.0), landscape_metrics(r, resolution_m=10.0).iloc[0]
    vc, vl = class_metrics(g, class_col="k", resolution_m=10.0), landscape_metrics(g, class_col="k", resolution_m=10.0).iloc[0]
    same = ["AREA_CV_pct", "FRAC_MN", "PARA_MN_m_per_m2", "DIVISION", "SPLIT", "PLADJ_pct", "CLUMPY", "IJI_pct"]
    for col in same:
        np.testing.assert_allclose(vc[col].to_numpy(float), rc[col].to_numpy(float), rtol=1e-9, err_msg=col)
    for col in [*same[:-2], "IJI_pct", "CONTAG_pct", "SHEI"]:
        assert vl[col] == pytest.approx(rl[col], rel=1e-9), col
    # ENN: polygons measure edge to edge, rasters cell centre to cell centre (one cell more across a gap)
    assert (vc["ENN_MN_m"].dropna() < rc["ENN_MN_m"].dropna() + 1e-9).all()
