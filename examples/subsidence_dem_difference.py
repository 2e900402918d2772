"""Subsidence from DEM differencing on a REAL 1 m lidar DEM (Minnesota), checked against the truth.

Real: the pre-mining surface (../shared/data/raster/minnesota_dem_1m.tif, 400 m x 400 m
lidar DEM, EPSG:26915). MODELLED: a shallow longwall panel (H 80 m, r 40 m) whose PIM
subsidence is taken off the DEM to make the post-mining survey, which is resampled onto a
2 m grid shifted by half a metre and given 5 cm of survey noise, as a second survey
would be. dem_difference warps it back onto the 1 m grid and differences; the result
is compared with the modelled truth.

Run: .venv/bin/python examples/subsidence_dem_difference.py out
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
from affine import Affine
from shapely import box

import urbangeo
from urbangeo.datasets import shared_path
from urbangeo.subsidence import (
    Raster,
    dem_difference,
    predict_subsidence,
    read_raster,
    reproject_raster,
    subsidence_areas,
)
from urbangeo.subsidence.plotting import plot_raster, plot_zones


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir) / "subsidence_dem_difference"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = shared_path("raster/minnesota_dem_1m.tif")
    if path is None:
        raise FileNotFoundError("../shared/data/raster/minnesota_dem_1m.tif is not available")
    pre = read_raster(path)
    b = pre.bounds
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    panel = gpd.GeoDataFrame({"m": [2.0], "q": [0.8], "H": [80.0], "tan_beta": [2.0]},
                             geometry=[box(cx - 60, cy - 100, cx + 60, cy + 100)], crs=pre.crs)  # MODELLED
    truth = predict_subsidence(panel, like=pre)
    post_1m = pre.with_array(pre.array - truth.array)
    rng = np.random.default_rng(42)
    shifted = Raster(np.zeros((199, 199)), Affine(2.0, 0, b[0] + 0.5, 0, -2.0, b[3] - 0.5), pre.crs)
    post = reproject_raster(post_1m, like=shifted, resampling="average")
    post = post.with_array(post.array + rng.normal(0, 0.05, post.shape), name="elevation_post_modelled")
    d = dem_difference(pre, post)
    ok = np.isfinite(d.array) & np.isfinite(truth.array)
    err = d.array[ok] - truth.array[ok]
    areas = subsidence_areas(d, classes=(0.1, 0.5, 1.0), min_area_m2=200.0, clean_radius_cells=2)
    true_areas = subsidence_areas(truth, classes=(0.1, 0.5, 1.0), clean_radius_cells=0)
    urbangeo.write(areas, out_dir / "dem_difference.gpkg", layer="subsidence_areas")
    urbangeo.write(panel, out_dir / "dem_difference.gpkg", layer="panel_modelled")
    d.to_geotiff(out_dir / "subsidence_from_dem_difference.tif")
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    plot_raster(pre, ax=axes[0], cmap="terrain", label="pre-mining elevation (m, real lidar)")
    axes[0].set_title("real DEM (Minnesota 1 m lidar)")
    plot_raster(d, ax=axes[1], cmap="viridis_r", vmin=-0.2, vmax=1.4, contours=(0.1, 0.5, 1.0),
                label="pre minus post (m)")
    panel.boundary.plot(ax=axes[1], color="red")
    axes[1].set_title("DEM difference (modelled panel, noisy resampled survey)")
    plot_zones(areas.assign(restoration_use=areas.class_label), ax=axes[2])
    axes[2].set_title("cleaned subsidence classes")
    fig.tight_layout()
    fig.savefig(out_dir / "dem_difference.png", dpi=110)
    plt.close(fig)
    lines = [
        f"pre: real lidar DEM {pre.shape[1]} x {pre.shape[0]} m in {pre.crs.name}; post: MODELLED survey "
        f"(PIM panel 120 x 200 m at 80 m depth, 2 m grid shifted 0.5 m, noise 5 cm)",
        f"difference vs truth: bias {err.mean() * 1000:+.1f} mm, RMSE {np.sqrt((err**2).mean()) * 1000:.1f} mm, "
        f"max W {np.nanmax(d.array):.2f} m (truth {np.nanmax(truth.array):.2f} m)",
        f"volume within the classes: {np.nansum(np.where(d.array >= 0.1, d.array, 0)) * d.cell_area_m2:,.0f} m3 "
        f"(truth {np.nansum(np.where(truth.array >= 0.1, truth.array, 0)) * truth.cell_area_m2:,.0f} m3)",
    ]
    for k in (1, 2, 3):
        a = areas.loc[areas["class"] == k, "area_m2"].sum()
        t = true_areas.loc[true_areas["class"] == k, "area_m2"].sum()
        lines.append(f"class {k}: {a:,.0f} m2 from the DEMs vs {t:,.0f} m2 true")
    return lines


if __name__ == "__main__":
    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
