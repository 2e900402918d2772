"""Subsidence rasters shared by the area and restoration tests: a two-panel basin and a cone."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely import box

from urbangeo.subsidence import Raster, predict_subsidence

CRS = "EPSG:4548"


def basin() -> Raster:
    """Two panels (3 m seam, q 1.0, H 400 m, r 200 m): a basin up to ~3 m deep."""
    p = gpd.GeoDataFrame({"m": [3.2, 2.5], "q": 1.0, "H": 400.0, "tan_beta": 2.0},
                         geometry=[box(0, 0, 600, 1200), box(800, 200, 1300, 900)], crs=CRS)
    return predict_subsidence(p, resolution_m=10.0)


def cone(n=101, cell=10.0, depth=5.0) -> Raster:
    """A conical bowl: W = depth (1 - rho / 400 m); analytic contours are circles."""
    t = Affine(cell, 0, -n * cell / 2, 0, -cell, n * cell / 2)
    x = -n * cell / 2 + cell * (np.arange(n) + 0.5)
    X, Y = np.meshgrid(x, -x)
    return Raster(np.maximum(depth * (1 - np.hypot(X, Y) / 400.0), 0.0), t, CRS, name="subsidence", units="m")
