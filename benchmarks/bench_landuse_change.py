"""Benchmark: land-use transition matrices and FRAGSTATS metrics.

Same data, same run, urbangeo beside the plain approaches and the anchor library:

1. Raster transition matrix on the real MODIS MCD12C1 2019 land-cover grid (7200 x 3600 =
   25.9 M cells, IGBP classes) against a modelled second date, and a 10 M-cell crop:
   urbangeo (one np.bincount) vs pandas.crosstab vs a per-pixel Python loop as in QGIS
   MOLUSCE's cross table. The loop is timed on a 250,000-cell window and extrapolated
   linearly (it is O(cells); running it on 26 M cells would take minutes).
2. Vector transition matrix: urbangeo (STRtree + vectorised intersection) vs
   geopandas.overlay + groupby, on the real Prague-Bubenec plots vs a modelled 50 m
   grid, and on a modelled 40,000-polygon layer pair.
   MOLUSCE also casts both bands to uint8 first (codes above 255 wrap around).
3. Raster FRAGSTATS metrics vs pylandstats 3 (values and times) on a modelled 1000 x
   1000 landscape and on a real MODIS window over South China (cell units).

Run:  .venv/bin/python benchmarks/bench_landuse_change.py
"""

from __future__ import annotations

import platform
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import box

from urbangeo.datasets import get_path, shared_path
from urbangeo.errors import UrbangeoWarning
from urbangeo.landuse import class_metrics, landscape_metrics, transition_matrix

warnings.simplefilter("ignore", UrbangeoWarning)


def best_of(fn, repeat=3):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def molusce_loop(before: np.ndarray, after: np.ndarray) -> dict:
    """The algorithm of MOLUSCE's CrossTable.computeCrosstable (nextgis/qgis_molusce,
    crosstabs/model.py): flatten the unmasked cells, then for each cell look both codes up
    in the lists of classes (list.index) and increment a NumPy table cell."""
    x, y = before.ravel(), after.ravel()
    gx, gy = sorted(set(x.tolist())), sorted(set(y.tolist()))
    table = np.zeros((len(gx), len(gy)), dtype=int)
    for i in range(len(x)):
        table[gx.index(x[i])][gy.index(y[i])] += 1
    return {(gx[i], gy[j]): int(table[i, j]) for i in range(len(gx)) for j in range(len(gy)) if table[i, j]}


def modelled_second_date(before: np.ndarray, seed: int = 0) -> np.ndarray:
    """Modelled 2029 map: 5 % of cropland/grassland/mosaic cells become urban (13), 2 % of forest becomes cropland."""
    rng = np.random.default_rng(seed)
    after = before.copy()
    u = rng.random(before.shape, dtype=np.float32)
    after[(u < 0.05) & np.isin(before, [10, 12, 14])] = 13
    after[(u > 0.98) & np.isin(before, [1, 2, 3, 4, 5])] = 12
    return after


def section_raster_matrix(lines: list[str]) -> None:
    path = shared_path("raster/modis_landcover_2019_0.05deg.tif")
    if path is None:
        rng = np.random.default_rng(0)
        before = rng.integers(0, 17, (3600, 7200)).astype(np.uint8)
        src = "modelled uniform random IGBP codes (shared data absent)"
    else:
        from urbangeo.io import read_raster

        arr = read_raster(path, categorical=True).array  # class codes as stored (nodata code kept)
        before = np.asarray(arr)
        src = "real MODIS MCD12C1 2019 (7200 x 3600)"
    after = modelled_second_date(before)
    lines.append(f"### Raster transition matrix ({src}; second date modelled)")
    lines.append("")
    lines.append("| cells | urbangeo | s per M cells | pandas.crosstab | per-pixel loop (MOLUSCE algorithm) | loop / urbangeo |")
    lines.append("|---|---|---|---|---|---|")
    small = (slice(1000, 1500), slice(3000, 3500))  # 250,000 cells for the loop
    t_loop_small, loop_counts = best_of(lambda: molusce_loop(before[small], after[small]), repeat=1)
    m_small = transition_matrix(before[small], after[small])
    assert all(m_small.loc[f, t] == n for (f, t), n in loop_counts.items())  # same numbers
    loop_per_cell = t_loop_small / before[small].size
    for label, b, a in (
        ("10,000,000", before[:2000, :5000], after[:2000, :5000]),
        (f"{before.size:,}", before, after),
    ):
        t_ours, m = best_of(lambda b=b, a=a: transition_matrix(b, a))
        t_ct, ct = best_of(lambda b=b, a=a: pd.crosstab(b.ravel(), a.ravel()), repeat=1)
        assert np.array_equal(ct.reindex(index=m.index, columns=m.columns, fill_value=0).to_numpy(), m.to_numpy())
        loop = loop_per_cell * b.size
        lines.append(
            f"| {label} | {t_ours:.3f} s | {t_ours / b.size * 1e6:.4f} | {t_ct:.2f} s ({t_ct / t_ours:.0f}x) | "
            f"{loop:.0f} s extrapolated ({t_loop_small:.2f} s timed on 250,000 cells) | {loop / t_ours:,.0f}x |"
        )
    # nodata path: mask 10 % of cells at one date
    mb = np.ma.masked_array(before, mask=np.random.default_rng(1).random(before.shape) < 0.1)
    t_nd, _ = best_of(lambda: transition_matrix(mb, after))
    lines.append("")
    lines.append(
        f"With 10 % of the cells masked at the first date (nodata path, unmatched cells counted): {t_nd:.3f} s for "
        f"{before.size:,} cells ({t_nd / before.size * 1e6:.4f} s per million). Target: <= 0.05 s per million."
    )
    lines.append("")


def section_vector_matrix(lines: list[str]) -> None:
    lines.append("### Vector transition matrix (area-weighted overlay)")
    lines.append("")
    lines.append("| data | polygons before / after | urbangeo | geopandas.overlay + groupby | ratio | max abs diff (m2) |")
    lines.append("|---|---|---|---|---|---|")
    cases = []
    plots = gpd.read_file(get_path("bubenec"), layer="plots")
    rng = np.random.default_rng(2024)
    plots["DLBM"] = rng.choice(["0101", "0301", "0601", "0701", "0810"], len(plots))
    x0, y0, x1, y1 = plots.total_bounds
    cells = [box(x, y, x + 50, y + 50) for x in np.arange(x0, x1, 50.0) for y in np.arange(y0, y1, 50.0)]
    grid = gpd.GeoDataFrame({"DLBM": rng.choice(["0601", "0701", "0810", "1201"], len(cells))}, geometry=cells,
                            crs=plots.crs)
    cases.append(("real Prague plots (modelled classes) vs modelled 50 m grid", plots, grid))
    n = 200
    b = gpd.GeoDataFrame({"DLBM": rng.choice(["01", "03", "06", "07", "08"], n * n)},
                         geometry=[box(i * 30.0, j * 30.0, i * 30.0 + 30, j * 30.0 + 30) for i in range(n) for j in range(n)],
                         crs=4547)
    a = gpd.GeoDataFrame({"DLBM": rng.choice(["01", "03", "06", "07", "08"], n * n)},
                         geometry=[box(i * 30.0 + 11, j * 30.0 + 7, i * 30.0 + 41, j * 30.0 + 37) for i in range(n)
                                   for j in range(n)], crs=4547)
    cases.append(("modelled 30 m parcels vs shifted 30 m parcels (EPSG:4547)", b, a))
    from urbangeo.crs import to_metric

    for label, before, after in cases:
        t_ours, m = best_of(lambda before=before, after=after: transition_matrix(before, after), repeat=2)

        def plain(before=before, after=after):
            o = gpd.overlay(to_metric(before), to_metric(after), how="intersection", keep_geom_type=True)
            return o.assign(a=o.area).groupby(["DLBM_1", "DLBM_2"])["a"].sum().unstack(fill_value=0.0)

        t_plain, ref = best_of(plain, repeat=1)
        ref = ref.reindex(index=m.index, columns=m.columns, fill_value=0.0)
        diff = float(np.abs(ref.to_numpy() - m.to_numpy()).max())
        lines.append(f"| {label} | {len(before):,} / {len(after):,} | {t_ours:.2f} s | {t_plain:.2f} s | "
                     f"{t_plain / t_ours:.1f}x | {diff:.2g} |")
    lines.append("")
    lines.append("### Polygon FRAGSTATS metrics (class + landscape) and patches")
    lines.append("")
    lines.append("| data | polygons | urbangeo metrics | patches (urbangeo.polygon_patches) | "
                 "plain geopandas dissolve + explode (4-rule patches only) |")
    lines.append("|---|---|---|---|---|")
    from urbangeo.landuse import polygon_patches

    for label, layer in ((cases[0][0].split(" vs")[0], cases[0][1]), ("modelled 30 m parcels", cases[1][1])):
        t_m, _ = best_of(lambda layer=layer: (class_metrics(layer, class_col="DLBM"),
                                              landscape_metrics(layer, class_col="DLBM")), repeat=1)
        t_p, p = best_of(lambda layer=layer: polygon_patches(layer, class_col="DLBM", neighbours=4), repeat=1)
        t_d, d = best_of(lambda layer=layer: to_metric(layer).dissolve("DLBM").explode(index_parts=False), repeat=1)
        lines.append(f"| {label} | {len(layer):,} | {t_m:.2f} s | {t_p:.2f} s ({len(p):,} patches) | "
                     f"{t_d:.2f} s ({len(d):,} parts) |")
    lines.append("")


PLS = {
    "NP": "number_of_patches", "PD_per_100ha": "patch_density", "CA_ha": "total_area",
    "PLAND_pct": "proportion_of_landscape", "AREA_MN_ha": "area_mn", "LPI_pct": "largest_patch_index",
    "TE_m": "total_edge", "ED_m_per_ha": "edge_density", "LSI": "landscape_shape_index",
    "SHAPE_MN": "shape_index_mn", "MESH_ha": "effective_mesh_size",
}


def section_metrics(lines: list[str]) -> None:
    try:
        import pylandstats as pls
    except ImportError:
        lines.append("pylandstats is not installed: `pip install pylandstats` to compare.")
        return
    from scipy import ndimage

    lines.append(f"### Raster FRAGSTATS metrics vs pylandstats {pls.__version__}")
    lines.append("")
    lines.append("| landscape | cells | classes | patches | urbangeo (class + landscape, all 13 + 14 metrics) | "
                 "pylandstats (the 11 + 10 shared metrics) | ratio | max rel. diff, shared metrics | SHDI urbangeo / pylandstats |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    modelled = ndimage.median_filter(rng.integers(0, 6, (1000, 1000)), size=7).astype(np.int32)
    cases = [("modelled (median-filtered noise), 30 m", modelled, 30.0, 255)]
    path = shared_path("raster/modis_landcover_2019_0.05deg.tif")
    if path is not None:
        from urbangeo.io import read_raster

        arr = read_raster(path, categorical=True).array  # class codes as stored (nodata code kept)
        win = np.asarray(arr)[int((90 - 32) / 0.05) : int((90 - 20) / 0.05), int((180 + 100) / 0.05) : int((180 + 122) / 0.05)]
        cases.append(("real MODIS 2019, South China 100-122 E 20-32 N (cell units)", win.astype(np.int32), 1.0, 255))
    land_map = {k: v for k, v in PLS.items() if k not in ("CA_ha", "PLAND_pct")} | {"TA_ha": "total_area"}
    for label, r, cell, nd in cases:
        def ours(r=r, cell=cell, nd=nd):
            return (class_metrics(r, resolution_m=cell, nodata=nd), landscape_metrics(r, resolution_m=cell, nodata=nd))

        def theirs(r=r, cell=cell, nd=nd):
            ls = pls.Landscape(r, res=(cell, cell), nodata=nd)
            return (ls.compute_class_metrics_df(metrics=list(PLS.values())),
                    ls.compute_landscape_metrics_df(metrics=list(land_map.values()) + ["shannon_diversity_index"]))

        theirs()  # warm-up (numba / caches)
        t_ours, (oc, ol) = best_of(ours, repeat=2)
        t_pls, (pc, plm) = best_of(theirs, repeat=2)
        rel = 0.0
        for k, v in PLS.items():
            a, b = oc[k].to_numpy(float), pc.loc[oc.index, v].to_numpy(float)
            rel = max(rel, float(np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))))
        for k, v in land_map.items():
            a, b = float(ol.iloc[0][k]), float(plm.iloc[0][v])
            rel = max(rel, abs(a - b) / max(abs(b), 1e-300))
        lines.append(
            f"| {label} | {r.size:,} | {len(oc)} | {int(ol.iloc[0]['NP']):,} | {t_ours:.2f} s | {t_pls:.2f} s | "
            f"{t_pls / t_ours:.1f}x | {rel:.1e} | {ol.iloc[0]['SHDI']:.4f} / {float(plm.iloc[0]['shannon_diversity_index']):.4f} |"
        )
    lines.append("")
    lines.append("pylandstats has no AI or COHESION. Its SHDI is the entropy of the class adjacency counts "
                 "(pylandstats 3.1 `shannon_diversity_index` -> `entropy` over `compute_total_adjacency_df`), "
                 "not of the cell proportions P_i as in FRAGSTATS, hence the small SHDI difference; urbangeo "
                 "follows FRAGSTATS.")
    lines.append("")


def main() -> None:
    lines = [
        f"Machine: {platform.machine()}, 2 cores, Python {platform.python_version()}, numpy {np.__version__}; "
        f"run {time.strftime('%Y-%m-%d')}; best of 2-3 runs unless stated.",
        "",
    ]
    section_raster_matrix(lines)
    section_vector_matrix(lines)
    section_metrics(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
