"""Benchmark: the distribution, aggregation and diversity FRAGSTATS metrics vs pylandstats.

urbangeo's class_metrics + landscape_metrics (all 22 + 24 columns, including AREA_CV,
FRAC_MN, PARA_MN, ENN_MN, DIVISION, SPLIT, PLADJ, CLUMPY, IJI, CONTAG, SHEI) beside
pylandstats computing the five of them it has (AREA_CV, FRAC_MN, PARA_MN, ENN_MN at class
and landscape level, CONTAG) on the same rasters, same run:

* a modelled 1000 x 1000 landscape (median-filtered noise, 6 classes, 30 m cells);
* a real MODIS 2019 window over South China (cell units), when ../shared is present.

pylandstats' ENN is a KD-tree per patch (the plain approach); urbangeo's is one Delaunay
triangulation of the edge cells per class. Values are compared (max relative difference);
CONTAG differs by formula (see docs/landuse_change.md), so both values are printed.
Also the cost of the new metrics on polygons (real Prague plots, modelled classes).

Run:  .venv/bin/python benchmarks/bench_fragstats.py
"""

from __future__ import annotations

import platform
import time
import warnings

import numpy as np

from urbangeo.datasets import shared_path
from urbangeo.landuse import class_metrics, landscape_metrics

PLS = {
    "AREA_CV_pct": "area_cv",
    "FRAC_MN": "fractal_dimension_mn",
    "PARA_MN_m_per_m2": "perimeter_area_ratio_mn",
    "ENN_MN_m": "euclidean_nearest_neighbor_mn",
}
PLS_METRICS = tuple(PLS.values())
KW = {"perimeter_area_ratio_mn": {"hectares": False}}


def best_of(fn, repeat=2):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def cases() -> list:
    from scipy import ndimage

    rng = np.random.default_rng(0)
    modelled = ndimage.median_filter(rng.integers(0, 6, (1000, 1000)), size=7).astype(np.int32)
    out = [("modelled (median-filtered noise), 30 m", modelled, 30.0, 255)]
    path = shared_path("raster/modis_landcover_2019_0.05deg.tif")
    if path is not None:
        from urbangeo.io import read_raster

        arr = np.asarray(read_raster(path, categorical=True).array)
        win = arr[int((90 - 32) / 0.05) : int((90 - 20) / 0.05), int((180 + 100) / 0.05) : int((180 + 122) / 0.05)]
        out.append(("real MODIS 2019, South China 100-122 E 20-32 N (cell units)", win.astype(np.int32), 1.0, 255))
    return out


def _compare(oc, ol, pc, plm, names) -> float:
    rel = 0.0
    for k in names:
        v = PLS[k]
        a, b = oc[k].to_numpy(float), pc.loc[oc.index, v].to_numpy(float)
        ok = ~(np.isnan(a) & np.isnan(b))
        with np.errstate(invalid="ignore", divide="ignore"):  # FRAC of 1 m2 cells: 0/0 in both
            rel = max(rel, float(np.nanmax(np.abs(a[ok] - b[ok]) / np.abs(b[ok]))))
        rel = max(rel, abs(float(ol.iloc[0][k]) - float(plm.iloc[0][v])) / abs(float(plm.iloc[0][v])))
    return rel


def _pls(pls, r, cell, nd, metrics, landscape_extra=()):
    ls = pls.Landscape(r, res=(cell, cell), nodata=nd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (ls.compute_class_metrics_df(metrics=list(metrics), metrics_kwargs=KW),
                ls.compute_landscape_metrics_df(metrics=[*metrics, *landscape_extra], metrics_kwargs=KW))


def raster_section(lines: list[str]) -> None:
    import pylandstats as pls

    no_enn = [k for k in PLS if k != "ENN_MN_m"]
    _pls(pls, np.array([[1, 2], [2, 1]]), 1.0, 255, PLS_METRICS, ("contagion",))  # warm-up (numba)
    lines.append(f"#### Raster: urbangeo vs pylandstats {pls.__version__}")
    lines.append("")
    lines.append("urbangeo: class_metrics + landscape_metrics, all columns (the 11 new metrics included). "
                 "pylandstats: AREA_CV, FRAC_MN, PARA_MN (class + landscape) and CONTAG, the metrics of the 11 "
                 "it has besides ENN (its ENN builds one KD-tree per patch; on the 1M-cell raster a run was stopped "
                 "unfinished after 6.5 minutes, on a loaded machine, so it is timed on crops below). urbangeo's "
                 "two calls each compute the whole table, ENN included (about 1 s per call here).")
    lines.append("")
    lines.append("| landscape | cells | classes | patches | urbangeo, all metrics | pylandstats AREA_CV, FRAC_MN, "
                 "PARA_MN, CONTAG | ratio | max rel. diff AREA_CV/FRAC/PARA | CONTAG urbangeo (FRAGSTATS) / pylandstats |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for label, r, cell, nd in cases():
        def ours(r=r, cell=cell, nd=nd):
            return class_metrics(r, resolution_m=cell, nodata=nd), landscape_metrics(r, resolution_m=cell, nodata=nd)

        t_ours, (oc, ol) = best_of(ours)
        t_pls, (pc, plm) = best_of(lambda r=r, cell=cell, nd=nd: _pls(
            pls, r, cell, nd, [PLS[k] for k in no_enn], ("contagion",)), repeat=1)
        rel = _compare(oc, ol, pc, plm, no_enn)
        lines.append(
            f"| {label} | {r.size:,} | {len(oc)} | {int(ol.iloc[0]['NP']):,} | {t_ours:.2f} s | {t_pls:.2f} s | "
            f"{t_pls / t_ours:.1f}x | {rel:.1e} | "
            f"{ol.iloc[0]['CONTAG_pct']:.4f} / {float(plm.iloc[0]['contagion']):.4f} |"
        )
        print(lines[-1], flush=True)
    lines.append("")
    lines.append("ENN_MN (class + landscape) alone, urbangeo (one KD-tree over a class's edge cells) vs "
                 "pylandstats (one KD-tree per patch), modelled landscape crops:")
    lines.append("")
    lines.append("| crop | cells | patches | urbangeo, all metrics | pylandstats ENN_MN only | ratio | max rel. diff ENN_MN |")
    lines.append("|---|---|---|---|---|---|---|")
    full = cases()[0][1]
    for side in (125, 250):
        r = full[:side, :side]
        t_ours, (oc, ol) = best_of(lambda r=r: (class_metrics(r, resolution_m=30.0), landscape_metrics(r, resolution_m=30.0)))
        t_pls, (pc, plm) = best_of(lambda r=r: _pls(pls, r, 30.0, 255, [PLS["ENN_MN_m"]]), repeat=1)
        rel = _compare(oc, ol, pc, plm, ["ENN_MN_m"])
        lines.append(f"| {side} x {side} | {r.size:,} | {int(ol.iloc[0]['NP']):,} | {t_ours:.2f} s | {t_pls:.2f} s | "
                     f"{t_pls / t_ours:.0f}x | {rel:.1e} |")
        print(lines[-1], flush=True)
    lines.append("")


def polygon_section(lines: list[str]) -> None:
    import geopandas as gpd

    path = shared_path("vector/prague_bubenec.gpkg")
    if path is None:
        return
    plots = gpd.read_file(path, layer="plots")
    plots["DLBM"] = np.random.default_rng(7).choice(["0601", "0701", "0810"], len(plots))
    t, (c, land) = best_of(lambda: (class_metrics(plots, class_col="DLBM"), landscape_metrics(plots, class_col="DLBM")))
    row = land.iloc[0]
    lines.append("#### Polygons (real Prague-Bubenec plots, modelled classes)")
    lines.append("")
    lines.append(f"{len(plots)} plots, {int(row['NP'])} patches: class + landscape metrics (all columns) "
                 f"{t:.2f} s; ENN_MN {row['ENN_MN_m']:.1f} m, IJI {row['IJI_pct']:.1f} %, SHEI {row['SHEI']:.4f}, "
                 f"DIVISION {row['DIVISION']:.4f}. pylandstats and landscapemetrics take rasters only.")
    lines.append("")


def main() -> None:
    lines = [
        f"Machine: {platform.machine()}, 2 cores, Python {platform.python_version()}, numpy {np.__version__}; "
        f"run {time.strftime('%Y-%m-%d %H:%M')}; best of 2 runs (pylandstats: 1 run after a warm-up).",
        "",
    ]
    raster_section(lines)
    polygon_section(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
