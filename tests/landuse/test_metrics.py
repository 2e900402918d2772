"""FRAGSTATS metrics: hand-computed rasters, polygons, and a cross-check against pylandstats."""

from __future__ import annotations

import math

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
    pd.testing.assert_frame_equal(vc10.drop(columns=["AI_pct", "COHESION_pct"]), vc.drop(columns=["AI_pct", "COHESION_pct"]))
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
