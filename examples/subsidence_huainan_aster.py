"""Huainan-like subsidence basin over a REAL DEM (ASTER GDEM tile N36E122), taken to a park plan.

Real: the terrain (ASTER GDEM v3, 1 arc-second, tile N36E122, Shandong; a 5.5 km window
is cut out and reprojected to CGCS2000 Gauss-Krueger). MODELLED (generated in code): the
mining panels (two seams laid out like a Huainan mining district), the water table
(a smoothed copy of the terrain 1 m below it, so the water table follows the land as it
does on a plain), and the village houses. Needs the shared development data
(../shared/data/raster/aster_gdem_N36E122.tif).

Run: .venv/bin/python examples/subsidence_huainan_aster.py out
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import rasterio
from rasterio.windows import from_bounds
from scipy.ndimage import gaussian_filter

from urbangeo.crs import metric_crs
from urbangeo.datasets import shared_path
from urbangeo.subsidence import Raster, reproject_raster

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("demo_subsidence", HERE / "demo_subsidence.py")
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)

WINDOW = (122.395, 36.945, 122.455, 36.995)  # lon/lat box of the cut-out (low coastal plain and hills)


def load_dem() -> Raster:
    path = shared_path("raster/aster_gdem_N36E122.tif")
    if path is None:
        raise FileNotFoundError("../shared/data/raster/aster_gdem_N36E122.tif is not available")
    with rasterio.open(path) as src:
        win = from_bounds(*WINDOW, transform=src.transform)
        arr = src.read(1, window=win).astype(float)
        transform = src.window_transform(win)
        crs = src.crs
    dem = Raster(arr, transform, crs, name="elevation_aster_gdem", units="m")
    target = metric_crs(dem, name="dem")  # CGCS2000 GK zone CM 123E
    return reproject_raster(dem, crs=target, resolution_m=15.0, resampling="bilinear")


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir) / "subsidence_aster"
    dem = load_dem()
    finite = np.isfinite(dem.array)
    b = dem.bounds
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    panels = demo.modelled_panels(x0=cx - 2200, y0=cy - 2200).set_crs(dem.crs, allow_override=True)
    # modelled water table: smoothed terrain 1 m below the land (depth 0.3-15 m)
    filled = np.where(finite, dem.array, np.nanmean(dem.array))
    table = gaussian_filter(filled, 400 / 15.0) - 1.0
    gw = dem.with_array(np.where(finite, np.clip(filled - table, 0.3, 15.0), np.nan), name="groundwater_depth_modelled")
    buildings = demo.modelled_villages(b).set_crs(dem.crs, allow_override=True)
    lines = [f"REAL DEM: ASTER GDEM N36E122 window {WINDOW}, {dem.shape[1]} x {dem.shape[0]} cells of 15 m in "
             f"{dem.crs.name}, elevation {np.nanmin(dem.array):.0f}-{np.nanmax(dem.array):.0f} m; panels, water table "
             f"and houses MODELLED; service areas by straight-line buffer (no street network)"]
    return lines + demo.plan_basin(panels, dem, gw, out_dir, name="aster_basin", buildings=buildings)


if __name__ == "__main__":
    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
