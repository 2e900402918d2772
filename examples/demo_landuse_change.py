"""Land-use change and fragmentation demo (data a fresh machine has).

Two cases, both run in seconds:

1. MODELLED rasters: a 15 x 15 km Foshan-like landscape at 30 m (CGCS2000 GK CM 114E)
   at three survey dates, 2009, 2014 and 2019, generated in code (cultivated land,
   woodland, water, residential and industrial land; urban growth modelled as a
   spreading front into cultivated land). Transition matrices, Pontius components,
   intensity analysis at the three levels, FRAGSTATS metrics per date, heat map,
   Sankey and maps.
2. The REAL Prague-Bubenec cadastral plots (momepy's data set) with MODELLED Chinese
   land classes (DLBM) at a first date and a MODELLED land-consolidation scenario at
   the second date (a block of plots dissolved into one industrial site that also
   takes the streets between them). Vector transition matrix with the unmatched area
   reported, polygon fragmentation metrics before and after, patches written to the
   GeoPackage.

``run(out_dir)`` writes ``landuse_change.gpkg``, GeoTIFFs and PNG figures into
``out_dir`` and returns the summary lines.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from matplotlib.colors import BoundaryNorm, ListedColormap
from scipy import ndimage

import urbangeo
from urbangeo.datasets import get_path
from urbangeo.errors import UrbangeoWarning
from urbangeo.landuse import (
    category_intensity,
    change_components,
    class_metrics,
    interval_intensity,
    landscape_metrics,
    plot_transition_heatmap,
    plot_transition_sankey,
    polygon_patches,
    transition_intensity,
    transition_matrix,
)
from urbangeo.raster import Raster

CRS = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E (Foshan)
#: GB/T 21010-2017 level-1 codes used as raster values, with English names.
CLASSES = {1: "01 Cultivated", 3: "03 Woodland", 6: "06 Industrial", 7: "07 Residential", 11: "11 Water"}
COLOURS = {1: "#f3e07a", 3: "#2e7d32", 6: "#8e44ad", 7: "#e74c3c", 11: "#3498db"}
BUBENEC_CREDIT = "Plots: Prague-Bubenec cadastre (IPR Praha), momepy data set; land classes MODELLED"


def modelled_rasters(n: int = 500, cell_m: float = 30.0, seed: int = 6) -> tuple[dict[int, np.ndarray], dict]:
    """Three MODELLED survey dates of a Foshan-like landscape (integer GB/T level-1 codes)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n]
    field = ndimage.gaussian_filter(rng.standard_normal((n, n)), 12)
    lc = np.where(field > np.quantile(field, 0.7), 3, 1).astype(np.uint8)  # woodland on the higher ground
    river = np.abs(yy - (0.45 * n + 40 * np.sin(xx / 60.0))) < 6
    lc[river] = 11
    core = np.hypot(xx - 0.35 * n, yy - 0.6 * n) < 0.08 * n
    lc[core] = 7
    pf = ndimage.gaussian_filter(rng.standard_normal((n, n)), 4)
    parks = pf > np.quantile(pf, 0.99)
    lc[parks & (lc == 1)] = 6  # scattered village industrial parks
    dates = {2009: lc}
    for year, reach_m, p in ((2014, 1500.0, 0.5), (2019, 2500.0, 0.8)):
        prev = dates[max(dates)].copy()
        dist = ndimage.distance_transform_edt(prev != 7) * cell_m  # the city grows from the residential core
        dist6 = ndimage.distance_transform_edt(prev != 6) * cell_m  # village parks grow a little
        u = rng.random((n, n))
        grow = (prev == 1) & (dist < reach_m) & (u < p * (1 - dist / reach_m))
        park_growth = (prev == 1) & (dist6 < 150.0) & (u < 0.15)
        prev[grow & (u < 0.12)] = 6
        prev[grow & (u >= 0.12)] = 7
        prev[park_growth & ~grow] = 6
        prev[(prev == 3) & (dist < 90) & (u < 0.3)] = 7  # some woodland edge lost too
        prev[(prev == 6) & (u > 0.97)] = 7  # old village industry redeveloped as housing
        dates[year] = prev
    profile = {
        "driver": "GTiff", "dtype": "uint8", "count": 1, "width": n, "height": n, "nodata": 0, "crs": CRS,
        "transform": Affine(cell_m, 0, 400_000.0, 0, -cell_m, 2_553_000.0),
    }
    return dates, profile


def _class_map(ax, arr, title):
    codes = sorted(CLASSES)
    cmap = ListedColormap([COLOURS[c] for c in codes])
    norm = BoundaryNorm([c - 0.5 for c in codes] + [codes[-1] + 0.5], cmap.N)
    ax.imshow(np.ma.masked_equal(arr, 0), cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()


def _raster(arr, profile):
    """A categorical urbangeo Raster from an array and its rasterio profile."""
    return Raster(arr, profile["transform"], profile["crs"], nodata=profile["nodata"], categorical=True)


def raster_case(out_dir: Path, lines: list[str]) -> None:
    dates, profile = modelled_rasters()
    years = sorted(dates)
    for y in years:
        urbangeo.io.write_raster(dates[y], out_dir / f"landuse_modelled_{y}.tif", profile=profile)
    t = time.perf_counter()
    mats = [transition_matrix(_raster(dates[a], profile), _raster(dates[b], profile)) for a, b in zip(years, years[1:])]
    lines.append(f"[modelled raster] {dates[years[0]].size:,} cells x {len(years)} dates; matrices in "
                 f"{time.perf_counter() - t:.3f} s")
    cell_ha = 30.0 * 30.0 / 1e4
    comp = change_components(mats[-1], totals=True)
    gain7 = comp.loc[7, "gain"] * cell_ha
    lines.append(f"[modelled raster] 2014-2019: residential gains {gain7:,.0f} ha, overall change "
                 f"{comp.loc['(landscape)', 'total_change'] * cell_ha:,.0f} ha "
                 f"(swap {comp.loc['(landscape)', 'swap'] * cell_ha:,.0f} ha, net {comp.loc['(landscape)', 'net_change'] * cell_ha:,.0f} ha)")
    iv = interval_intensity(mats, years=years)
    for r in iv.itertuples():
        lines.append(f"[intensity] {r.interval}: {r.intensity_pct_per_year:.2f} %/yr vs uniform "
                     f"{r.uniform_pct_per_year:.2f} %/yr -> {r.status}")
    cat = category_intensity(mats, years=years)
    active = cat[(cat["status"] == "active")]
    lines.append("[intensity] active categories: " + ", ".join(
        f"{CLASSES[c]} {s} {i}" for c, s, i in zip(active["category"], active["side"], active["interval"])))
    tr = transition_intensity(mats, years=years, category=7)
    targ = tr[tr["status"] == "targeted"]
    lines.append("[intensity] residential gain targets: " + ", ".join(
        f"{CLASSES[o]} ({i})" for o, i in zip(targ["other"], targ["interval"])))
    rows = []
    for y in years:
        land = landscape_metrics(_raster(dates[y], profile), nodata=0).iloc[0]
        cls = class_metrics(_raster(dates[y], profile), nodata=0)
        rows.append({"year": y, **land.to_dict(), "NP_cultivated": cls.loc[1, "NP"],
                     "MESH_cultivated_ha": cls.loc[1, "MESH_ha"], "AI_cultivated_pct": cls.loc[1, "AI_pct"]})
    frag = pd.DataFrame(rows).set_index("year")
    for y, r in frag.iterrows():
        lines.append(f"[fragmentation] {y}: NP {int(r['NP'])}, ED {r['ED_m_per_ha']:.1f} m/ha, SHDI {r['SHDI']:.3f}, "
                     f"cultivated land: {int(r['NP_cultivated'])} patches, MESH {r['MESH_cultivated_ha']:.0f} ha, "
                     f"AI {r['AI_cultivated_pct']:.1f} %")
    frag.reset_index().to_csv(out_dir / "landuse_modelled_fragmentation.csv", index=False)
    labels = {k: v for k, v in CLASSES.items()}
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.2))
    for ax, y in zip(axes, years):
        _class_map(ax, dates[y], f"{y} (MODELLED)")
    handles = [matplotlib.patches.Patch(color=COLOURS[c], label=CLASSES[c]) for c in sorted(CLASSES)]
    fig.legend(handles=handles, loc="lower center", ncol=5)
    fig.suptitle("Modelled Foshan-like landscape, 30 m, CGCS2000 GK CM 114E")
    fig.savefig(out_dir / "landuse_modelled_maps.png", dpi=90)
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(16, 7.5))
    plot_transition_heatmap(mats[-1], ax=axes[0], normalize="row", labels=labels, title="2014 -> 2019 (row %)")
    plot_transition_sankey(mats[-1], ax=axes[1], labels=labels, colors={k: COLOURS[k] for k in CLASSES},
                           dates=("2014", "2019"), min_share_pct=0.05)
    fig.tight_layout()
    fig.savefig(out_dir / "landuse_modelled_transitions.png", dpi=90)
    plt.close(fig)


def modelled_plot_classes(plots: gpd.GeoDataFrame, seed: int = 2024) -> gpd.GeoDataFrame:
    """Real Bubenec plots with MODELLED GB/T 21010 classes at the first date."""
    rng = np.random.default_rng(seed)
    out = plots[["ID", "geometry"]].copy()
    out["DLBM"] = rng.choice(["0701", "0702", "0101", "0601", "0810", "0809"], len(out),
                             p=[0.4, 0.15, 0.1, 0.1, 0.15, 0.1])
    return out


def consolidation_scenario(before: gpd.GeoDataFrame, seed: int = 7) -> gpd.GeoDataFrame:
    """MODELLED second date: plots near the south-west corner dissolved into one industrial site
    (closing the streets between them), 10 % of the other plots reclassified."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = before.total_bounds
    corner = gpd.points_from_xy([x0 + 0.3 * (x1 - x0)], [y0 + 0.3 * (y1 - y0)])[0]
    d = before.geometry.centroid.distance(corner)
    take = d < np.quantile(d, 0.15)
    site = before.loc[take].geometry.union_all().buffer(15).buffer(-15)  # closes streets < 30 m wide
    rest = before.loc[~take].copy()
    rest["geometry"] = rest.geometry.difference(site)
    rest = rest[~rest.geometry.is_empty]
    change = rng.random(len(rest)) < 0.1
    rest.loc[change, "DLBM"] = rng.choice(["0701", "0810", "0805"], int(change.sum()))
    block = gpd.GeoDataFrame({"ID": [-1], "DLBM": ["0601"]}, geometry=[site], crs=before.crs)
    return pd.concat([rest, block], ignore_index=True)


def _multi(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy with every polygon as a MultiPolygon (one geometry type per GeoPackage layer)."""
    out = gdf.copy()
    parts, index = shapely.get_parts(np.asarray(out.geometry.values, dtype=object), return_index=True)
    out[out.geometry.name] = gpd.GeoSeries(shapely.multipolygons(parts, indices=index), index=out.index, crs=out.crs)
    return out


def vector_case(out_dir: Path, lines: list[str]) -> None:
    (out_dir / "landuse_change.gpkg").unlink(missing_ok=True)
    plots = urbangeo.to_metric(urbangeo.read(get_path("bubenec"), layer="plots"))  # EPSG:3857 -> UTM 33N
    before = modelled_plot_classes(plots)
    after = consolidation_scenario(before)
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UrbangeoWarning)
        m = transition_matrix(before, after, include_unmatched=True)
    lines.append(f"[Prague plots] {len(before)} real plots (classes MODELLED) -> {len(after)} parcels after a "
                 f"MODELLED consolidation; matrix in {time.perf_counter() - t:.2f} s ({m.attrs['crs']})")
    for w in caught:
        lines.append(f"[Prague plots] reported: {str(w.message).split(' (')[0]}")
    lines.append(f"[Prague plots] new industrial site takes {m['0601'].drop('(unmatched)').sum() - m.loc['0601', '0601']:,.0f} m2 "
                 f"of other classes and {m.loc['(unmatched)', '0601']:,.0f} m2 of former streets (unmatched)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        core = transition_matrix(before, after)
    comp = change_components(core)
    comp.to_csv(out_dir / "prague_change_components.csv")
    for label, layer in (("before", before), ("after", after)):
        land = landscape_metrics(layer, class_col="DLBM").iloc[0]
        lines.append(f"[Prague plots] {label}: {int(land['NP'])} patches, TE {land['TE_m']:,.0f} m, "
                     f"LSI {land['LSI']:.2f}, MESH {land['MESH_ha']:.2f} ha, SHDI {land['SHDI']:.3f}")
        patches = polygon_patches(layer, class_col="DLBM")
        urbangeo.write(_multi(patches), out_dir / "landuse_change.gpkg", layer=f"prague_patches_{label}",
                       mode="w" if label == "before" else "a")
    urbangeo.write(_multi(before), out_dir / "landuse_change.gpkg", layer="prague_plots_before_modelled", mode="a")
    urbangeo.write(_multi(after), out_dir / "landuse_change.gpkg", layer="prague_parcels_after_modelled", mode="a")
    codes = sorted(set(before["DLBM"]) | set(after["DLBM"]))
    colour = {c: plt.get_cmap("tab10")(k % 10) for k, c in enumerate(codes)}
    fig, axes = plt.subplots(1, 3, figsize=(18, 6))
    for ax, layer in ((axes[0], before), (axes[1], after)):
        layer.plot(color=[colour[c] for c in layer["DLBM"]], ax=ax, edgecolor="white", linewidth=0.3)
    axes[1].legend(handles=[matplotlib.patches.Patch(color=colour[c], label=c) for c in codes], loc="upper right",
                   fontsize=8, title="DLBM")
    axes[0].set_title("before (real plots, MODELLED classes)")
    axes[1].set_title("after (MODELLED consolidation)")
    for ax in axes[:2]:
        ax.set_axis_off()
    plot_transition_sankey(m, ax=axes[2], dates=("before", "after"), colors=colour)
    fig.text(0.01, 0.01, BUBENEC_CREDIT, fontsize=8)
    fig.savefig(out_dir / "prague_change.png", dpi=90)
    plt.close(fig)


def run(out_dir: Path) -> list[str]:
    """Run both cases into ``out_dir``; return the summary lines."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    raster_case(out_dir, lines)
    vector_case(out_dir, lines)
    return lines


if __name__ == "__main__":
    import sys

    t0 = time.perf_counter()
    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out/landuse_change")):
        print(line)
    print(f"done in {time.perf_counter() - t0:.1f} s")
