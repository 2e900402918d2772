"""Benchmark: eligibility screening and contiguous blocks.

1. Same data, same run: urbangeo.landuse (STRtree + vectorised shapely) against the plain
   approach (geopandas.overlay per constraint layer, then a per-row loop for the tests
   and reasons; blocks with geopandas.sjoin + networkx components + GeoDataFrame.dissolve),
   on MODELLED village plots. Results are checked to agree before timing is reported.
2. Scale: screening + blocks on 1,000,000 MODELLED plots (the issue's target: <= 60 s on
   this 2-core machine). Wall and CPU time are both printed, with the load average, because
   the machine is shared.
3. The same 1M run through dask_geopandas (4 partitions, threaded scheduler).

Run: ``.venv/bin/python benchmarks/bench_landuse_screening.py [--n-plain 20000] [--n-scale 1000000]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import networkx as nx
    import scipy.sparse.csgraph  # noqa: F401  (imported up front, as networkx is: not timed)

from urbangeo.landuse import assemble_blocks, modelled_constraints, modelled_parcels, screen_conversion
from urbangeo.settings import settings


class Timer:
    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w
        self.cpu = time.process_time() - self.c


def plain_screening(parcels: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """What an analyst writes with geopandas alone: overlay per layer, then a loop per row."""
    parcels = parcels.copy()
    parcels["pid"] = np.arange(len(parcels))
    parcels["area_m2"] = parcels.area
    overlaps = {}
    for name, layer in layers.items():
        ov = gpd.overlay(parcels[["pid", "geometry"]], layer[["geometry"]], how="intersection", keep_geom_type=True)
        overlaps[name] = ov.assign(a=ov.area).groupby("pid")["a"].sum()
    tol_abs = settings.sliver_tolerance_m2
    rows = []
    for _, row in parcels.iterrows():
        tol = max(tol_abs, 0.001 * row["area_m2"])
        reasons = []
        if str(row["QSXZ"]) not in ("30", "31", "32", "33", "34"):
            reasons.append(f"not collectively owned (QSXZ {row['QSXZ']})")
        inside = overlaps["development_boundary"].get(row["pid"], 0.0)
        if row["area_m2"] - inside > tol:
            reasons.append("outside the urban development boundary")
        if overlaps["basic_farmland"].get(row["pid"], 0.0) > tol:
            reasons.append("overlaps permanent basic farmland")
        if overlaps["red_line"].get(row["pid"], 0.0) > tol:
            reasons.append("overlaps the ecological protection red line")
        rows.append((row["pid"], not reasons, len(reasons)))
    return pd.DataFrame(rows, columns=["pid", "eligible", "n_failed"])


def plain_blocks(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    p = parcels[["geometry"]].reset_index(drop=True)
    pairs = gpd.sjoin(p, p, predicate="intersects")
    g = nx.Graph()
    g.add_nodes_from(range(len(p)))
    g.add_edges_from(zip(pairs.index, pairs["index_right"]))
    label = np.empty(len(p), dtype=np.int64)
    for i, comp in enumerate(nx.connected_components(g)):
        label[list(comp)] = i
    return p.assign(block=label).dissolve("block")


def compare(n: int) -> list[str]:
    parcels = modelled_parcels(n, seed=1)
    layers = modelled_constraints(parcels, seed=1)
    with Timer() as t_u:
        ours = screen_conversion(parcels, **layers)
    with Timer() as t_p:
        ref = plain_screening(parcels, layers)
    assert ours["eligible"].tolist() == ref["eligible"].tolist(), "screening results differ"
    assert ours["n_failed"].tolist() == ref["n_failed"].tolist()
    el = ours[ours["eligible"]]
    with Timer() as t_ub:
        blocks = assemble_blocks(el)
    with Timer() as t_pb:
        ref_b = plain_blocks(el)
    assert len(blocks) == len(ref_b), "block counts differ"
    assert abs(blocks.area_m2.sum() - ref_b.area.sum()) < 1e-6 * ref_b.area.sum()
    return [
        f"| screening, {n:,} plots, 3 layers | {t_u.wall:.2f} s | {t_p.wall:.2f} s | {t_p.wall / t_u.wall:.0f}x |",
        f"| blocks, {len(el):,} eligible plots -> {len(blocks):,} blocks | {t_ub.wall:.2f} s | {t_pb.wall:.2f} s | "
        f"{t_pb.wall / t_ub.wall:.0f}x |",
    ]


def scale(n: int, *, dask_partitions: int = 0) -> list[str]:
    with Timer() as t_gen:
        parcels = modelled_parcels(n, seed=0)
        layers = modelled_constraints(parcels, seed=0)
    data = parcels
    if dask_partitions:
        import dask
        import dask_geopandas

        data = dask_geopandas.from_geopandas(parcels, npartitions=dask_partitions)
    with Timer() as t_s:
        screened = screen_conversion(data, **layers)
        if dask_partitions:
            with dask.config.set(scheduler="threads"):
                screened = screened.persist()
    el = screened[screened["eligible"]]
    with Timer() as t_b:
        blocks = assemble_blocks(el)
    label = f"dask ({dask_partitions} partitions)" if dask_partitions else "in memory"
    total_w, total_c = t_s.wall + t_b.wall, t_s.cpu + t_b.cpu
    n_el = len(el) if not dask_partitions else int(blocks["n_parcels"].sum())
    return [
        f"| {label}: {len(parcels):,} plots (generated in {t_gen.wall:.1f} s) | screening {t_s.wall:.1f} s "
        f"(CPU {t_s.cpu:.1f} s) | blocks of {n_el:,} eligible -> {len(blocks):,} blocks {t_b.wall:.1f} s "
        f"(CPU {t_b.cpu:.1f} s) | total {total_w:.1f} s wall, {total_c:.1f} s CPU | load avg {os.getloadavg()[0]:.1f} |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-plain", type=int, default=20_000)
    ap.add_argument("--n-scale", type=int, default=1_000_000)
    ap.add_argument("--dask-partitions", type=int, default=4)
    args = ap.parse_args()
    print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| task | urbangeo | geopandas.overlay + per-row loop / sjoin + networkx + dissolve | ratio |")
    print("|---|---|---|---|")
    for line in compare(args.n_plain):
        print(line, flush=True)
    print()
    print("| scale run | screening | blocks | total | machine load |")
    print("|---|---|---|---|---|")
    for line in scale(args.n_scale):
        print(line, flush=True)
    if args.dask_partitions:
        for line in scale(args.n_scale, dask_partitions=args.dask_partitions):
            print(line, flush=True)


if __name__ == "__main__":
    main()
