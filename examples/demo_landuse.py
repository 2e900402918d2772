"""Land-conversion demo step (``make demo``): data every fresh machine has.

1. REAL Prague-Bubenec cadastral plots (``momepy`` wheel) with MODELLED Chinese attributes
   and MODELLED constraint layers: screening (expropriation route, Guangdong profile),
   contiguous blocks, compensation; see examples/landuse_prague.py.
2. A MODELLED Pearl River Delta village district (20,000 plots generated in code near
   Foshan, EPSG:4547): both legal routes, blocks with the public-interest share check,
   compensation per village, and the 1-million-parcel timing left to
   benchmarks/bench_landuse_screening.py.

``run(out_dir)`` writes ``landuse_prague.gpkg``, ``landuse_modelled.gpkg`` and PNG maps,
and returns the summary lines.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import urbangeo
from urbangeo.errors import UrbangeoWarning
from urbangeo.landuse import (
    assemble_blocks,
    compensation_by_village,
    conversion_summary,
    estimate_compensation,
    load_profile,
    modelled_constraints,
    modelled_parcels,
    modelled_price_zones,
    screen_conversion,
)
from urbangeo.landuse.plotting import plot_blocks, plot_eligibility

HERE = Path(__file__).resolve().parent


def _prague():
    spec = importlib.util.spec_from_file_location("urbangeo_example_landuse_prague", HERE / "landuse_prague.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def modelled_case(out_dir: Path) -> list[str]:
    t0 = time.perf_counter()
    parcels = modelled_parcels(20_000, seed=6)
    layers = modelled_constraints(parcels, seed=6)
    screened = screen_conversion(parcels, **layers, profile="guangdong")
    rng = np.random.default_rng(6)
    lvl = parcels["DLBM"].str[:2]
    planned = np.where(rng.random(len(parcels)) < 0.25, "14", np.select([lvl == "05", lvl == "06"], ["09", "10"], "07"))
    market = screen_conversion(
        parcels.assign(planned=planned), route="market_entry", planning="planned", consent_col="consent_share",
        basic_farmland=layers["basic_farmland"], red_line=layers["red_line"],
    )
    eligible = screened[screened["eligible"]]
    eligible = eligible.assign(planned=np.where(eligible["DLBM"].isin(["1004", "0809", "0810"]), "12", "10"))
    prof = load_profile("guangdong", public_interest_share_min=0.30)  # outside the four central cities
    blocks = assemble_blocks(eligible, min_area_m2=100 * 10000 / 15, planning_col="planned", profile=prof)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        comp = estimate_compensation(eligible, modelled_price_zones(parcels))
    villages = compensation_by_village(comp)
    summary = conversion_summary(screened)
    elapsed = time.perf_counter() - t0
    gpkg = out_dir / "landuse_modelled.gpkg"
    urbangeo.write(screened, gpkg, layer="modelled_screened_parcels")
    urbangeo.write(blocks.reset_index(), gpkg, layer="modelled_blocks")
    fig, axes = plt.subplots(1, 2, figsize=(14, 7))
    plot_eligibility(screened, layers=layers, ax=axes[0], title="MODELLED village district: eligibility")
    plot_blocks(blocks, ax=axes[1], title="Blocks of eligible plots (red: under 100 mu)",
                attribution="All data MODELLED (urbangeo.landuse.modelled_parcels)")
    fig.tight_layout()
    png = out_dir / "landuse_modelled_map.png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return [
        f"MODELLED district: {len(parcels)} plots; screening x2 + blocks + compensation in {elapsed:.1f} s",
        f"expropriation: {len(eligible)} eligible, quota {eligible['quota_m2'].sum() / 1e4:.1f} ha, "
        f"approval {summary['approval_level'].iloc[0]}; market entry: {int(market['eligible'].sum())} eligible",
        f"blocks: {len(blocks)}, {int((~blocks['under_min_area']).sum())} >= 100 mu, "
        f"{int(blocks['public_interest_ok'].sum())} meet the 30 % public-interest share",
        f"compensation: {comp['compensation_yuan'].sum() / 1e6:.1f} million yuan in {len(villages)} villages",
        f"wrote {gpkg.name}, {png.name}",
    ]


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _prague().run(out_dir)
    lines += modelled_case(out_dir)
    return lines


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    for line in run(target):
        print(line)
