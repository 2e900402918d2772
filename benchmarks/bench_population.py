"""Population to buildings: urbangeo disaggregate_population vs tobler and a per-zone geopandas loop.

Data: the real Suzhou building footprints of ../shared/data (3,076, with floors), in CGCS2000 / GK
CM 120E, and MODELLED districts: a regular grid of zones over the buildings' extent with modelled
totals (no census figures ship with the data). A second, modelled, larger case tiles the same
buildings 4 x 4 (49,216 buildings) under a 12 x 12 grid of zones. Same data, same run:

* urbangeo ``disaggregate_population`` with ``weight_by="floor_area"`` (representative point), and
  with ``weight_by="footprint", assign="area"`` (split by footprint share);
* tobler 0.14 ``area_interpolate(zones, buildings, extensive_variables=[...])``: areal weighting
  with the buildings as targets, the same numbers as ``weight_by="footprint", assign="area"``;
* a per-zone loop a user would write with geopandas: for each zone, the buildings whose
  representative point lies within it, floor area = area x floors, the zone's people shared out.

Run: ``.venv/bin/python benchmarks/bench_population.py``.
"""

from __future__ import annotations

import sys
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.affinity import translate
from shapely.geometry import box

from urbangeo.accessibility import disaggregate_population
from urbangeo.datasets import shared_data_dir

REPEAT = 3


def best(fn, repeat=REPEAT):
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def zones_over(bld: gpd.GeoDataFrame, n: int, seed: int) -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = bld.total_bounds
    xs, ys = np.linspace(x0 - 1, x1 + 1, n + 1), np.linspace(y0 - 1, y1 + 1, n + 1)
    cells = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(n) for j in range(n)]
    pop = np.random.default_rng(seed).uniform(2_000, 25_000, len(cells)).round()
    return gpd.GeoDataFrame({"modelled_pop": pop}, geometry=cells, crs=bld.crs)


def tiled(bld: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = bld.total_bounds
    dx, dy = x1 - x0 + 50, y1 - y0 + 50
    parts = [bld.assign(geometry=bld.geometry.apply(translate, xoff=i * dx, yoff=j * dy)) for i in range(k) for j in range(k)]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=bld.crs)


def user_loop(zones: gpd.GeoDataFrame, bld: gpd.GeoDataFrame) -> pd.Series:
    pts = bld.representative_point()
    fa = bld.area * bld["Floor"]
    out = pd.Series(np.nan, index=bld.index)
    for _, z in zones.iterrows():
        inside = pts.within(z.geometry)
        w = fa[inside]
        if w.sum() > 0:
            out[inside] = z["modelled_pop"] * w / w.sum()
    return out


def run(label: str, zones: gpd.GeoDataFrame, bld: gpd.GeoDataFrame) -> None:
    from tobler.area_weighted import area_interpolate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_fa, fa = best(lambda: disaggregate_population(zones, bld, population_col="modelled_pop", floors_col="Floor"))
        t_ar, ar = best(lambda: disaggregate_population(zones, bld, population_col="modelled_pop",
                                                        weight_by="footprint", assign="area"))
        t_tb, tb = best(lambda: area_interpolate(zones, bld, extensive_variables=["modelled_pop"]))
        t_lp, lp = best(lambda: user_loop(zones, bld), repeat=1)
    d_tb = np.max(np.abs(ar["modelled_pop"].to_numpy() / tb["modelled_pop"].to_numpy() - 1))
    d_lp = np.max(np.abs(fa["modelled_pop"].to_numpy() / lp.to_numpy() - 1))
    total = zones["modelled_pop"].sum()
    print(f"\n### {label}: {len(bld):,} buildings, {len(zones)} zones\n")
    print("| method | time s | vs urbangeo floor_area |")
    print("|---|---|---|")
    print(f"| urbangeo `weight_by='floor_area'` (point) | {t_fa:.3f} | 1 |")
    print(f"| urbangeo `weight_by='footprint', assign='area'` | {t_ar:.3f} | {t_ar / t_fa:.1f}x |")
    print(f"| tobler `area_interpolate` (buildings as targets) | {t_tb:.3f} | {t_tb / t_fa:.1f}x |")
    print(f"| per-zone geopandas loop (floor area, point within) | {t_lp:.3f} | {t_lp / t_fa:.1f}x |")
    print(f"\nanswers: urbangeo area split vs tobler max relative difference {d_tb:.1e}; "
          f"urbangeo floor area vs the loop {d_lp:.1e}. Totals: zones {total:,.0f}, urbangeo "
          f"{fa['modelled_pop'].sum():,.6f} (rel. error {abs(fa['modelled_pop'].sum() / total - 1):.1e}), "
          f"tobler {tb['modelled_pop'].sum():,.6f} (rel. error {abs(tb['modelled_pop'].sum() / total - 1):.1e}).")


def main() -> int:
    base = shared_data_dir()
    path = base / "vector" / "suzhou_buildings.geojson" if base else None
    if path is None or not path.exists():
        print("../shared/data/vector/suzhou_buildings.geojson not found; nothing to measure.")
        return 0
    bld = gpd.read_file(path).to_crs("EPSG:4549")
    run("Suzhou (real buildings, modelled 6 x 6 zones)", zones_over(bld, 6, 0), bld)
    big = tiled(bld, 4)
    run("Suzhou tiled 4 x 4 (modelled), 12 x 12 zones", zones_over(big, 12, 1), big)
    return 0


if __name__ == "__main__":
    sys.exit(main())
