"""Subsidence benchmarks: PIM on a 5,000 x 5,000 grid, naive evaluations, zoning that grid.

Run: .venv/bin/python benchmarks/bench_subsidence.py [--quick]

* urbangeo.predict_subsidence: 50 panels (40 rectangles, 10 of them rotated, and 10
  irregular polygons on the Gaussian grid route) on a 5,000 x 5,000 grid of 10 m;
  peak memory traced with tracemalloc (numpy reports its buffers to it).
* naive A: the erf closed form of each panel over the whole grid (timed on a few panels,
  scaled to 50; the full run would hold several 200 MB temporaries per panel).
* naive B: a per-cell Python loop with math.erf on a small grid (100 x 100), beside
  urbangeo on the same small grid.
* plain scipy: rasterise every goaf on the whole grid and run one
  scipy.ndimage.gaussian_filter (only valid when all panels share one r).
* zoning: subsidence_areas (classes, cleaning, polygons, zonal stats) and
  restoration_zones on the 5,000 x 5,000 result.
All modelled data (generated in code).
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely import Polygon, affinity, box

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from urbangeo.subsidence import _kernels as K
from urbangeo.subsidence import predict_subsidence, restoration_zones, subsidence_areas

CRS = "EPSG:4548"
RES = 10.0


def modelled_panels(n=50, size_m=50_000.0, seed=3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        cx, cy = rng.uniform(3000, size_m - 3000, 2)
        w, length = rng.uniform(150, 250), rng.uniform(800, 1800)
        g = box(cx - w / 2, cy - length / 2, cx + w / 2, cy + length / 2)
        if i % 5 == 1:
            g = affinity.rotate(g, rng.uniform(5, 80), origin=(cx, cy))
        if i % 5 == 3:  # irregular polygon: grid route
            g = Polygon([(cx - 300, cy - 400), (cx + 300, cy - 400), (cx + 350, cy + 200), (cx, cy + 450),
                         (cx - 320, cy + 150)])
        rows.append({"m": rng.uniform(2, 4), "H": 500.0, "q": 1.0, "tan_beta": 2.0, "geometry": g})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def naive_full_grid(panels, extent, res, n_panels):
    """Closed form of each rectangular panel over the whole grid (no windows)."""
    xmin, ymin, xmax, ymax = extent
    xs = xmin + res * (np.arange(int((xmax - xmin) / res)) + 0.5)
    ys = ymax - res * (np.arange(int((ymax - ymin) / res)) + 0.5)
    out = np.zeros((len(ys), len(xs)))
    done = 0
    for g, m, h in zip(panels.geometry, panels.m, panels.H):
        if done == n_panels:
            break
        gx0, gy0, gx1, gy1 = g.bounds
        if not math.isclose(g.area, (gx1 - gx0) * (gy1 - gy0)):
            continue
        r = h / 2.0
        X = (xs - gx0)[None, :] + np.zeros((len(ys), 1))
        Y = (ys - gy0)[:, None] + np.zeros((1, len(xs)))
        out += m * K.section(X, gx1 - gx0, r) * K.section(Y, gy1 - gy0, r)
        done += 1
    return out


def per_cell_loop(panels, extent, res):
    xmin, ymin, xmax, ymax = extent
    nx, ny = int((xmax - xmin) / res), int((ymax - ymin) / res)
    out = np.zeros((ny, nx))
    sp = math.sqrt(math.pi)
    rects = [(g.bounds, m, h / 2.0) for g, m, h in zip(panels.geometry, panels.m, panels.H)
             if math.isclose(g.area, (g.bounds[2] - g.bounds[0]) * (g.bounds[3] - g.bounds[1]))]
    for i in range(ny):
        y = ymax - res * (i + 0.5)
        for j in range(nx):
            x = xmin + res * (j + 0.5)
            s = 0.0
            for (x0, y0, x1, y1), m, r in rects:
                cu = 0.5 * (math.erf(sp * (x - x0) / r) - math.erf(sp * (x - x1) / r))
                cv = 0.5 * (math.erf(sp * (y - y0) / r) - math.erf(sp * (y - y1) / r))
                s += m * cu * cv
            out[i, j] = s
    return out, len(rects)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1,000 x 1,000 grid instead of 5,000 x 5,000")
    args = ap.parse_args(argv)
    n_cells = 1000 if args.quick else 5000
    size = n_cells * RES
    panels = modelled_panels(size_m=size)
    extent = (0.0, 0.0, size, size)
    print(f"machine: {platform.machine()}, {platform.python_version()}, numpy {np.__version__}; "
          f"grid {n_cells} x {n_cells} of {RES:g} m, {len(panels)} panels (modelled)")

    import rasterio.features  # noqa: F401  warm-up: imports are not part of the timing
    import scipy.ndimage  # noqa: F401

    predict_subsidence(panels.iloc[:5], resolution_m=RES, extent=(0, 0, 5000, 5000))
    tracemalloc.start()
    t0 = time.perf_counter()
    w = predict_subsidence(panels, resolution_m=RES, extent=extent)
    t_ug = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"urbangeo predict_subsidence: {t_ug:.2f} s, peak traced memory {peak / 2**20:.0f} MiB "
          f"(output array {w.array.nbytes / 2**20:.0f} MiB); W max {np.nanmax(w.array):.3f} m")

    k = 3
    t0 = time.perf_counter()
    naive_full_grid(panels, extent, RES, k)
    t_naive = (time.perf_counter() - t0) / k * 50
    print(f"naive A closed form over the whole grid: {t_naive:.1f} s for 50 panels (timed on {k}, scaled); "
          f"urbangeo is {t_naive / t_ug:.0f}x faster")

    # a 1 km x 1 km window around a rectangular panel
    cx, cy = panels.geometry.iloc[0].centroid.coords[0]
    small = (round(cx) - 500.0, round(cy) - 500.0, round(cx) + 500.0, round(cy) + 500.0)
    sub = panels  # the naive loop visits every panel for every cell
    t0 = time.perf_counter()
    loop, n_rect = per_cell_loop(sub, small, RES)
    t_loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    ws = predict_subsidence(sub.loc[np.array([math.isclose(g.area, box(*g.bounds).area) for g in sub.geometry])],
                            resolution_m=RES, extent=small)
    t_small = time.perf_counter() - t0
    err = np.abs(ws.array - loop).max()
    print(f"naive B per-cell loop on 100 x 100 cells with {n_rect} panels: {t_loop:.2f} s; urbangeo {t_small:.3f} s "
          f"({t_loop / t_small:.0f}x), max difference {err:.2e} m")

    from rasterio.features import rasterize
    from scipy.ndimage import gaussian_filter

    t0 = time.perf_counter()
    t = Affine(RES, 0, 0, 0, -RES, size)
    mask = rasterize([(g, m) for g, m in zip(panels.geometry, panels.m)], out_shape=(n_cells, n_cells),
                     transform=t, dtype="float32", merge_alg=__import__("rasterio").enums.MergeAlg.add)
    gaussian_filter(mask, 250.0 / math.sqrt(2 * math.pi) / RES, mode="constant")
    t_scipy = time.perf_counter() - t0
    print(f"plain scipy whole-grid rasterize + gaussian_filter (one r, float32): {t_scipy:.2f} s "
          f"({t_scipy / t_ug:.1f}x urbangeo's time)")

    t0 = time.perf_counter()
    areas = subsidence_areas(w, groundwater_depth_m=1.5, min_area_m2=5000)
    t_areas = time.perf_counter() - t0
    t0 = time.perf_counter()
    zones = restoration_zones(w, groundwater_depth_m=1.5, min_area_m2=5000)
    t_zones = time.perf_counter() - t0
    print(f"subsidence_areas on the grid: {t_areas:.2f} s ({len(areas)} polygons); restoration_zones: "
          f"{t_zones:.2f} s ({len(zones)} zones, {zones.area_ha.sum():.0f} ha)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
