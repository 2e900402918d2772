"""Land conversion on REAL cadastral plots with MODELLED Chinese attributes (Prague-Bubenec).

The 407 plots are real (Prague-Bubenec cadastre, shipped in the ``momepy`` wheel, BSD-3;
EPSG:3857, which urbangeo does not treat as metric: ``metric_crs`` reprojects to UTM 33N
for every area). Prague has no collective land, so the Chinese survey attributes are
MODELLED, reproducibly from a seed: ownership QSXZ, land class DLBM (GB/T 21010-2017),
village ZLDWDM, official net area TBDLMJ. The constraint layers (development boundary,
basic farmland, red line) and the price zones are MODELLED too.

Run ``python examples/landuse_prague.py [out_dir]``; ``run(out_dir)`` writes
``landuse_prague.gpkg`` and two PNG maps and returns summary lines.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import shapely

import urbangeo
from urbangeo.datasets import get_path
from urbangeo.errors import UrbangeoWarning
from urbangeo.landuse import (
    assemble_blocks,
    assign_modelled_attributes,
    block_membership,
    compensation_by_village,
    conversion_summary,
    estimate_compensation,
    modelled_price_zones,
    screen_conversion,
)
from urbangeo.landuse.plotting import plot_blocks, plot_eligibility

SOURCE = "Plots: Prague-Bubenec cadastre (momepy, BSD-3); attributes, constraints and prices MODELLED"
SEED = 2024


def load_parcels() -> gpd.GeoDataFrame:
    """The real plots with modelled Chinese attributes (same seed, same attributes)."""
    plots = gpd.read_file(get_path("bubenec"), layer="plots")
    return assign_modelled_attributes(plots[["ID", "geometry"]], seed=SEED, county="440604")


def modelled_layers(parcels: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """MODELLED constraint layers in the parcels' CRS, built in metric units."""
    m = parcels.to_crs(urbangeo.metric_crs(parcels))
    x0, y0, x1, y1 = m.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    boundary = shapely.box(x0 - 5, y0 - 5, x1 - (x1 - x0) * 0.2, y1 + 5)  # eastern fifth outside
    farmland = shapely.Point(cx - 250, cy + 150).buffer(120)
    red_line = shapely.LineString([(x0, cy - 300), (x1, cy - 200)]).buffer(25)
    crs = m.crs
    layers = {
        "development_boundary": gpd.GeoDataFrame({"zone": ["集中建设区"]}, geometry=[boundary], crs=crs),
        "basic_farmland": gpd.GeoDataFrame(geometry=[farmland], crs=crs),
        "red_line": gpd.GeoDataFrame(geometry=[red_line], crs=crs),
    }
    # the contract: constraint layers must be in the parcels' CRS
    return {k: v.to_crs(parcels.crs) for k, v in layers.items()}


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parcels = load_parcels()
    layers = modelled_layers(parcels)
    screened = screen_conversion(parcels, **layers, profile="guangdong")
    eligible = screened[screened["eligible"]]
    blocks = assemble_blocks(eligible, gap_m=1.0, min_area_m2=5000.0)
    members = block_membership(eligible, gap_m=1.0)
    zones = modelled_price_zones(parcels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)  # plots outside the modelled zones are reported as NaN
        comp = estimate_compensation(
            eligible, zones, components=["price_per_mu", "resettlement_per_mu", "social_security_per_mu"]
        )
    villages = compensation_by_village(comp)
    summary = conversion_summary(screened)

    gpkg = out_dir / "landuse_prague.gpkg"
    urbangeo.write(screened, gpkg, layer="screened_parcels")
    urbangeo.write(blocks.reset_index(), gpkg, layer="blocks")
    urbangeo.write(members, gpkg, layer="block_membership")
    urbangeo.write(comp, gpkg, layer="compensation")
    for name, layer in layers.items():
        urbangeo.write(layer, gpkg, layer=f"modelled_{name}")

    fig, axes = plt.subplots(1, 2, figsize=(14, 7))
    plot_eligibility(screened, layers=layers, ax=axes[0], title="Prague-Bubenec plots: eligibility (expropriation)")
    plot_blocks(blocks, parcels=parcels, ax=axes[1], title="Contiguous blocks of eligible plots (gap 1 m)",
                attribution=SOURCE)
    fig.tight_layout()
    png = out_dir / "landuse_prague_map.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)

    reasons = screened.loc[~screened["eligible"], "failed_tests"].str.split("; ").explode().str.replace(
        r" \(.*\)$", "", regex=True
    )
    top = reasons.value_counts().head(4)
    lines = [
        f"Prague-Bubenec: {len(parcels)} real plots (EPSG:3857 -> metric {screened.attrs['screening']['metric_crs']})"
        ", MODELLED attributes",
        f"eligible for expropriation: {len(eligible)} plots, {eligible['area_m2'].sum() / 1e4:.2f} ha; "
        f"new construction-land quota {eligible['quota_m2'].sum() / 1e4:.2f} ha; "
        f"approval level: {summary['approval_level'].iloc[0] if len(summary) else 'n/a'}",
        "most frequent failed tests: " + "; ".join(f"{k} ({v})" for k, v in top.items()),
        f"blocks: {len(blocks)} (largest {blocks['area_m2'].max() / 1e4:.2f} ha, "
        f"{int(blocks['under_min_area'].sum())} under 0.5 ha)",
        f"compensation (MODELLED zones): {comp['compensation_yuan'].sum() / 1e6:.2f} million yuan over "
        f"{comp['area_mu'].sum():.1f} mu in {len(villages)} villages",
        f"wrote {gpkg.name}, {png.name}",
    ]
    return lines


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    for line in run(target):
        print(line)
