"""Land-use change and fragmentation on real data: MODIS land cover over Guangdong.

* REAL first date: MODIS MCD12C1 2019 land cover (IGBP classes, 0.05 degree; NASA,
  public domain) clipped to Guangdong and the Pearl River Delta (109.5-117.5 E,
  20-25.6 N) and reprojected (nearest neighbour) to CGCS2000 / GK CM 114E
  (EPSG:4547) at 5 km; the open sea (water connected to the southern edge) is set to
  nodata, so it counts in no area or edge.
* MODELLED second date "2029": urban land (IGBP 13) spreads into croplands (12),
  cropland/natural mosaics (14) and grasslands (10) near existing urban land, with a
  probability falling with distance; some savanna/forest edge becomes cropland.
* The REAL Prague-Bubenec plots with MODELLED classes and a MODELLED consolidation
  (vector transition matrix and polygon metrics), from examples/demo_landuse_change.py.

Run:  .venv/bin/python examples/landuse_change.py [out_dir]   (needs ../shared/data)
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from affine import Affine
from scipy import ndimage

import urbangeo
from urbangeo.datasets import shared_path
from urbangeo.errors import UrbangeoWarning
from urbangeo.landuse import (
    category_intensity,
    change_components,
    class_metrics,
    interval_intensity,
    landscape_metrics,
    plot_transition_heatmap,
    plot_transition_sankey,
    transition_intensity,
    transition_matrix,
)
from urbangeo.raster import Raster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_landuse_change import vector_case

IGBP = {
    0: "Water", 1: "Evergreen needleleaf", 2: "Evergreen broadleaf", 3: "Deciduous needleleaf",
    4: "Deciduous broadleaf", 5: "Mixed forest", 6: "Closed shrubland", 7: "Open shrubland", 8: "Woody savanna",
    9: "Savanna", 10: "Grassland", 11: "Permanent wetland", 12: "Cropland", 13: "Urban and built-up",
    14: "Cropland/natural mosaic", 15: "Snow and ice", 16: "Barren",
}
BOX = (109.5, 20.0, 117.5, 25.6)  # lon/lat window: Guangdong and the Pearl River Delta
CRS = "EPSG:4547"
CELL_M = 5000.0
NODATA = 255


def modis_guangdong() -> tuple[np.ndarray, dict]:
    """REAL MODIS 2019 over Guangdong, reprojected (nearest) to EPSG:4547 at 5 km."""
    import rasterio
    from rasterio.warp import Resampling, reproject, transform_bounds
    from rasterio.windows import from_bounds

    path = shared_path("raster/modis_landcover_2019_0.05deg.tif")
    if path is None:
        raise SystemExit("this example needs the shared data (../shared/data); run examples/demo_landuse_change.py instead")
    with rasterio.open(path) as src:
        win = from_bounds(*BOX, transform=src.transform).round_offsets().round_lengths()
        data = src.read(1, window=win)
        src_transform = src.window_transform(win)
        src_crs = src.crs
    left, bottom, right, top = transform_bounds("EPSG:4326", CRS, *BOX)
    width, height = int((right - left) // CELL_M), int((top - bottom) // CELL_M)
    transform = Affine(CELL_M, 0, left, 0, -CELL_M, top)
    out = np.full((height, width), NODATA, dtype=np.uint8)
    reproject(data, out, src_transform=src_transform, src_crs=src_crs, src_nodata=NODATA, dst_transform=transform,
              dst_crs=CRS, dst_nodata=NODATA, resampling=Resampling.nearest)
    # the open sea (water connected to the southern edge) is outside a land survey: make it nodata
    water, _ = ndimage.label(out == 0)
    sea = np.setdiff1d(np.unique(water[-1]), [0])
    out[np.isin(water, sea)] = NODATA
    profile = {"driver": "GTiff", "dtype": "uint8", "count": 1, "width": width, "height": height, "nodata": NODATA,
               "crs": CRS, "transform": transform}
    return out, profile


def modelled_2029(lc2019: np.ndarray, seed: int = 29) -> np.ndarray:
    """MODELLED 2029: urban spread near existing urban land, forest edge to cropland."""
    rng = np.random.default_rng(seed)
    out = lc2019.copy()
    dist_km = ndimage.distance_transform_edt(lc2019 != 13) * CELL_M / 1000.0
    u = rng.random(lc2019.shape)
    urbanising = np.isin(lc2019, [10, 12, 14]) & (dist_km <= 15.0) & (u < 0.45 * np.exp(-dist_km / 6.0))
    out[urbanising] = 13
    crop_dist = ndimage.distance_transform_edt(lc2019 != 12) * CELL_M / 1000.0
    clearing = np.isin(lc2019, [2, 8, 9]) & (crop_dist <= 5.0) & (u > 0.96)
    out[clearing] = 12
    return out


def _raster(arr, profile):
    """A categorical urbangeo Raster from an array and its rasterio profile."""
    return Raster(arr, profile["transform"], profile["crs"], nodata=profile["nodata"], categorical=True)


def raster_case(out_dir: Path, lines: list[str]) -> None:
    t = time.perf_counter()
    before, profile = modis_guangdong()
    after = modelled_2029(before)
    valid = before != NODATA
    lines.append(f"[MODIS Guangdong] REAL 2019 grid {before.shape[1]} x {before.shape[0]} cells of 5 km "
                 f"({valid.sum():,} land/water cells) read and reprojected in {time.perf_counter() - t:.1f} s")
    urbangeo.io.write_raster(before, out_dir / "modis_guangdong_2019.tif", profile=profile)
    urbangeo.io.write_raster(after, out_dir / "modelled_guangdong_2029.tif", profile=profile)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UrbangeoWarning)  # same nodata at both dates: nothing may be unmatched
        m = transition_matrix(_raster(before, profile), _raster(after, profile), resolution_m=CELL_M)
    km2 = m / 1e6
    comp = change_components(m, totals=True)
    lines.append(f"[MODIS Guangdong] 2019 -> 2029 (MODELLED): urban land {comp.loc[13, 'size_before'] / 1e6:,.0f} -> "
                 f"{comp.loc[13, 'size_after'] / 1e6:,.0f} km2; from cropland {km2.loc[12, 13]:,.0f} km2, from mosaic "
                 f"{km2.loc[14, 13]:,.0f} km2, from grassland {km2.loc[10, 13]:,.0f} km2")
    tot = comp.loc["(landscape)"]
    lines.append(f"[MODIS Guangdong] overall change {tot['total_change'] / 1e6:,.0f} km2 = net "
                 f"{tot['net_change'] / 1e6:,.0f} + swap {tot['swap'] / 1e6:,.0f} km2")
    iv = interval_intensity(m, years=[2019, 2029]).iloc[0]
    lines.append(f"[intensity] annual change {iv['intensity_pct_per_year']:.3f} % of the region per year")
    cat = category_intensity(m, years=[2019, 2029])
    act = cat[cat["status"] == "active"]
    lines.append("[intensity] active: " + ", ".join(f"{IGBP[c]} {s}" for c, s in zip(act["category"], act["side"])))
    tr = transition_intensity(m, years=[2019, 2029], category=13)
    targ = tr[tr["status"] == "targeted"]
    lines.append("[intensity] urban gain targets " + ", ".join(
        f"{IGBP[o]} ({r:.2f} %/yr vs uniform {w:.2f})" for o, r, w in
        zip(targ["other"], targ["intensity_pct_per_year"], targ["uniform_pct_per_year"])))
    for label, arr in (("2019 REAL", before), ("2029 MODELLED", after)):
        land = landscape_metrics(_raster(arr, profile)).iloc[0]
        urban = class_metrics(_raster(arr, profile)).loc[13]
        lines.append(f"[fragmentation] {label}: {int(land['NP']):,} patches, ED {land['ED_m_per_ha']:.2f} m/ha, "
                     f"SHDI {land['SHDI']:.3f}; urban: NP {int(urban['NP'])}, LPI {urban['LPI_pct']:.2f} %, "
                     f"AI {urban['AI_pct']:.1f} %, COHESION {urban['COHESION_pct']:.1f}")
    fig, axes = plt.subplots(1, 2, figsize=(14, 6))
    cmap = plt.get_cmap("tab20", 17)
    for ax, arr, title in ((axes[0], before, "MODIS 2019 (REAL)"), (axes[1], after, "2029 (MODELLED)")):
        ax.imshow(np.ma.masked_equal(arr, NODATA), cmap=cmap, vmin=-0.5, vmax=16.5, interpolation="nearest")
        ax.set_title(title)
        ax.set_axis_off()
    fig.legend(handles=[matplotlib.patches.Patch(color=cmap(k), label=f"{k} {v}") for k, v in IGBP.items()],
               loc="lower center", ncol=6, fontsize=7)
    fig.suptitle("Guangdong, IGBP classes, 5 km, CGCS2000 GK CM 114E; MODIS MCD12C1 (NASA, public domain)")
    fig.savefig(out_dir / "modis_guangdong_maps.png", dpi=90)
    plt.close(fig)
    keep = [c for c in m.index if m.loc[c].sum() + m[c].sum() > 0.002 * m.to_numpy().sum()]
    sub = m.loc[keep, keep]
    sub.attrs = dict(m.attrs)
    fig, axes = plt.subplots(1, 2, figsize=(17, 7.5))
    sub_km2 = sub / 1e6
    sub_km2.attrs = {"units": "km2"}
    plot_transition_heatmap(sub_km2, ax=axes[0], labels=IGBP, include_persistence=False,
                            title="2019 -> 2029 changes, km2 (classes > 0.2 %; diagonal blank)")
    plot_transition_sankey(sub, ax=axes[1], labels=IGBP, dates=("2019 REAL", "2029 MODELLED"), min_share_pct=0.02)
    fig.tight_layout()
    fig.savefig(out_dir / "modis_guangdong_transitions.png", dpi=90)
    plt.close(fig)


def main(out_dir: Path) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    raster_case(out_dir, lines)
    vector_case(out_dir, lines)
    return lines


if __name__ == "__main__":
    t0 = time.perf_counter()
    for line in main(Path(sys.argv[1] if len(sys.argv) > 1 else "out/landuse_change_real")):
        print(line)
    print(f"done in {time.perf_counter() - t0:.1f} s")
