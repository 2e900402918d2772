"""Shenzhen Futian: life-circle audit, equity and siting on a real street network with MODELLED homes and services.

The street network is real: ``../shared/data/osm/shenzhen_futian_walk.graphml`` (an
osmnx graph of Futian/Nanshan, (c) OpenStreetMap contributors, ODbL), loaded with
``osmnx.load_graphml`` and converted with :func:`network_from_graph`.

Residences and facilities are MODELLED in code (no open Chinese building or POI data
ships with the project): residential blocks are placed along the real streets with a
modelled population and a modelled elderly share; the "one old, one young" services
of Zhejiang's future-community matrix (kindergarten, elderly day care, community
canteen, health station) are placed at a modelled density. Every layer and column
derived from them is named ``modelled``. The numbers therefore illustrate the
workflow, not Futian's real provision.

Run: ``.venv/bin/python examples/accessibility_shenzhen_modelled.py [out_dir]``.
Writes ``shenzhen_modelled.gpkg`` and ``shenzhen_modelled_*.png``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
GRAPHML = HERE.parent.parent / "shared" / "data" / "osm" / "shenzhen_futian_walk.graphml"

# required services and their GB 50180-2018 life circle (minutes); names follow the preset table
REQUIRED = {"kindergarten": 5, "elderly_day_care": 5, "community_canteen": 5, "health_station": 5,
            "primary_school": 10, "health_center": 15}
# modelled supply: how many of each to scatter over the network
MODELLED_SUPPLY = {"kindergarten": 14, "elderly_day_care": 6, "community_canteen": 8, "health_station": 10,
                   "primary_school": 8, "health_center": 3}


def modelled_points(net, n, rng, *, jitter_m=30.0):
    """Points near random street segments of ``net`` (modelled locations), in the network CRS."""
    import shapely

    e = rng.choice(net.n_edges, n, replace=True, p=net.edge_length_m / net.edge_length_m.sum())
    pts = shapely.line_interpolate_point(net.edge_geometry[e], rng.uniform(0, 1, n), normalized=True)
    xy = shapely.get_coordinates(pts) + rng.normal(0, jitter_m, (n, 2))
    return gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=net.crs)


def run(out_dir: Path) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import osmnx as ox

    from urbangeo import io
    from urbangeo.accessibility import (
        access_equity,
        assign_demand,
        life_circle_audit,
        life_circle_summary,
        network_candidates,
        network_from_graph,
        site_facilities,
    )
    from urbangeo.accessibility.plotting import plot_gaps, plot_sites

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gpkg = out_dir / "shenzhen_modelled.gpkg"
    G = ox.load_graphml(GRAPHML)
    net = network_from_graph(G, mode="walk")
    rng = np.random.default_rng(2024)
    lines = [f"Shenzhen Futian walk network (real, osmnx graphml): {net}"]

    # modelled residences: 1,500 blocks with population and elderly share
    homes = gpd.GeoDataFrame(
        {
            "population_modelled": rng.integers(50, 600, 1500).astype(float),
            "elderly_share_modelled": np.clip(rng.beta(2, 7, 1500), 0, 1),
        },
        geometry=modelled_points(net, 1500, rng),
    ).to_crs(4326)
    homes["elderly_group_modelled"] = pd.cut(homes.elderly_share_modelled, [0, 0.15, 0.3, 1.0],
                                             labels=["<15%", "15-30%", ">30%"], include_lowest=True).astype(str)
    fac = []
    for cat, n in MODELLED_SUPPLY.items():
        fac.append(gpd.GeoDataFrame({"category": [cat] * n}, geometry=modelled_points(net, n, rng, jitter_m=10)))
    facilities = gpd.GeoDataFrame(pd.concat(fac, ignore_index=True), crs=net.crs)
    facilities["modelled"] = True
    io.write(homes, gpkg, layer="residences_modelled")
    io.write(facilities, gpkg, layer="facilities_modelled")

    # life-circle audit (GB 50180-2018 circles, walking 4.5 km/h)
    audit = life_circle_audit(net, homes, facilities, required=REQUIRED)
    io.write(audit, gpkg, layer="audit_modelled")
    s = life_circle_summary(audit, group_by="elderly_group_modelled", population_col="population_modelled")
    lines.append("share of modelled residents reaching every required service in its circle, by elderly share: "
                 + ", ".join(f"{g} {s.loc[g, 'share_all']:.0%}" for g in s.index))
    for cat in ("elderly_day_care", "kindergarten"):
        lines.append(f"  {cat}: " + ", ".join(f"{g} {s.loc[g, f'share_{cat}']:.0%}" for g in s.index))

    # equity of walking time to elderly day care across elderly-share groups
    eq = access_equity(audit, value_col="elderly_day_care_minutes_1", threshold=5, group_by="elderly_group_modelled",
                       population_col="population_modelled")
    lines.append("elderly day care, minutes: " + "; ".join(
        f"{g}: p50 {eq.loc[g, 'p50']:.1f}, p90 {eq.loc[g, 'p90']:.1f}, beyond 5 min {eq.loc[g, 'share_beyond']:.0%}, "
        f"Gini {eq.loc[g, 'gini']:.2f}" for g in eq.index))

    # siting: where would 5 new elderly day-care stations close most of the 5-minute gap?
    # demand weighted by the modelled number of older residents
    homes["elderly_modelled"] = homes.population_modelled * homes.elderly_share_modelled
    existing = facilities[facilities.category == "elderly_day_care"]
    cand = network_candidates(net)
    for solver in ("exact", "greedy"):
        sites = site_facilities(net, homes, candidates=cand, model="mclp", p=5, minutes=5, existing=existing,
                                population_col="elderly_modelled", solver=solver)
        info = sites.attrs["siting"]
        lines.append(f"MCLP {solver}: 5 new stations cover {info['objective'] / info['total_weight']:.0%} of modelled "
                     f"older residents within 5 min (bound {info['bound'] / info['total_weight']:.0%}, "
                     f"{info['runtime_s']:.2f} s)")
    demand = assign_demand(net, homes, sites, minutes=5)
    io.write(sites, gpkg, layer="sites_modelled")
    io.write(demand, gpkg, layer="demand_modelled")
    lscp = site_facilities(net, homes, candidates=cand, model="lscp", minutes=5, existing=existing)
    lines.append(f"LSCP: {lscp.attrs['siting']['n_new']} new stations would put every reachable modelled home "
                 f"within 5 min of elderly day care ({lscp.attrs['siting']['status']})")

    attribution = "network (c) OpenStreetMap contributors, ODbL; homes and services modelled"
    ax = plot_gaps(audit, network=net, attribution=attribution,
                   title="Futian (modelled homes/services): missing 5/10/15-minute services")
    ax.figure.savefig(out_dir / "shenzhen_modelled_gaps.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    ax = plot_sites(demand, sites, network=net, attribution=attribution,
                    title="elderly day care: existing (modelled) and 5 new sites (MCLP)")
    ax.figure.savefig(out_dir / "shenzhen_modelled_sites.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    lines.append(f"wrote {gpkg}")
    return lines


if __name__ == "__main__":
    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
