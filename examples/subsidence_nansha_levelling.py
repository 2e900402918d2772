"""Levelling points to a subsidence surface: the REAL Nansha (Guangzhou) point set.

../shared/data/subsidence/nansha_2000.csv holds 2,000 measured points (longitude,
latitude, year 2015-2022, groundwater level, geology, ... and ``subsidence`` in
millimetres (per ../shared/data/SOURCES.md; the CSV itself has no unit). Groundwater-driven
subsidence, not mining subsidence. All years are pooled. Points are
interpolated linearly to a 250 m grid (CGCS2000 GK zone 114E), cells outside the convex
hull or farther than 2 km from a point are left empty (no extrapolation), and the
surface is classed at 5, 10, 20 and 50 mm.

Run: .venv/bin/python examples/subsidence_nansha_levelling.py out
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import urbangeo
from urbangeo.datasets import shared_path
from urbangeo.subsidence import subsidence_areas, subsidence_from_points
from urbangeo.subsidence.plotting import plot_raster, plot_zones


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir) / "subsidence_nansha"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = shared_path("subsidence/nansha_2000.csv")
    if path is None:
        raise FileNotFoundError("../shared/data/subsidence/nansha_2000.csv is not available")
    df = pd.read_csv(path)
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs="EPSG:4326")
    surface = subsidence_from_points(pts, value_col="subsidence", units="mm", resolution_m=250.0,
                                     method="linear", mask="both", max_distance_m=2000.0)
    areas = subsidence_areas(surface, classes=(0.005, 0.01, 0.02, 0.05), min_area_m2=250_000.0)
    areas["class_label"] = [f"{lo * 1000:g}-{hi * 1000:g} mm" if np.isfinite(hi) else f">= {lo * 1000:g} mm"
                            for lo, hi in zip(areas.w_lower_m, areas.w_upper_m)]
    gpkg = out_dir / "nansha_levelling.gpkg"
    urbangeo.write(pts.to_crs(surface.crs), gpkg, layer="levelling_points")
    urbangeo.write(areas, gpkg, layer="subsidence_areas")
    surface.to_geotiff(out_dir / "nansha_subsidence_m.tif")
    fig, axes = plt.subplots(1, 2, figsize=(13, 6))
    plot_raster(surface.with_array(surface.array * 1000), ax=axes[0], cmap="magma_r",
                label="interpolated subsidence (mm)")
    pts.to_crs(surface.crs).plot(ax=axes[0], markersize=1, color="k")
    axes[0].set_title("Nansha levelling points (real) and linear surface")
    plot_zones(areas.assign(restoration_use=areas.class_label), ax=axes[1])
    axes[1].set_title("subsidence classes (cleaned, >= 25 ha parts)")
    fig.tight_layout()
    fig.savefig(out_dir / "nansha_levelling.png", dpi=110)
    plt.close(fig)
    covered = np.isfinite(surface.array).sum() * surface.cell_area_m2
    lines = [f"{len(pts)} real points (years {df.year.min()}-{df.year.max()}, pooled), subsidence 0-"
             f"{df.subsidence.max():.0f} mm -> {surface.shape[1]} x {surface.shape[0]} grid of 250 m in "
             f"{surface.crs.name}; {covered / 1e6:.0f} km2 covered, rest masked (hull and 2 km)"]
    summary = areas.groupby(["class", "class_label"], as_index=False)["area_ha"].sum()
    lines += [f"class {r.class_label:>9}: {r.area_ha / 100:6.1f} km2" for r in summary.itertuples()]
    return lines


if __name__ == "__main__":
    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
