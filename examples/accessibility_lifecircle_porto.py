"""Porto centre: life-circle audit, park service areas and siting on real OSM data.

Real data: ``../shared/data/osm/porto_centre_2020.osm.pbf`` ((c) OpenStreetMap
contributors, ODbL): the walking network, every building as a residence (no
population data: each building counts once, and its footprint area is used as a
population proxy for siting, named ``footprint_m2``), real amenities (schools,
kindergartens, doctors/clinics, pharmacies, social facilities) and parks as facilities.

The walking times are judged against the GB 50180-2018 life circles (5/10/15 minutes
at 4.5 km/h) to show the method on a European city; the categories are mapped by hand
(``REQUIRED``), not taken from the Chinese facility list.

Run: ``.venv/bin/python examples/accessibility_lifecircle_porto.py [out_dir]``.
Writes ``porto_lifecircle.gpkg`` and ``porto_*.png``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from demo_lifecircle import read_osm_layers  # the same buildings/parks/amenities split as the demo

from urbangeo.datasets import shared_path

HERE = Path(__file__).resolve().parent
PBF = shared_path("osm/porto_centre_2020.osm.pbf")  # ../shared/data (development data)

TAGS = {
    "school": ["school"],
    "kindergarten": ["kindergarten", "childcare"],
    "clinic": ["doctors", "clinic", "hospital"],
    "pharmacy": ["pharmacy"],
    "social_facility": ["social_facility"],
}
REQUIRED = {"kindergarten": 5, "school": 10, "pharmacy": 10, "park": 10, "clinic": 15, "social_facility": 15}



def run(out_dir: Path) -> list[str]:
    from urbangeo import io
    from urbangeo.accessibility import (
        access_equity,
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
    from urbangeo.accessibility.plotting import plot_gaps, plot_service_areas, plot_sites

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gpkg = out_dir / "porto_lifecircle.gpkg"
    net = network_from_osm(PBF, mode="walk")
    buildings, parks, amenities = read_osm_layers(PBF)
    buildings["footprint_m2"] = buildings.to_crs(net.crs).area
    fac = [amenities[amenities.amenity.isin(t)].assign(category=c) for c, t in TAGS.items()]
    fac.append(parks[["geometry"]].assign(amenity="park", category="park"))
    facilities = gpd.GeoDataFrame(pd.concat(fac, ignore_index=True), geometry="geometry", crs=4326)
    lines = [f"Porto centre (real OSM): {net}; {len(buildings):,} buildings; facilities "
             f"{facilities.category.value_counts().to_dict()}"]

    audit = life_circle_audit(net, buildings, facilities, required=REQUIRED, facility_polygons="entrances")
    io.write(audit, gpkg, layer="audit")
    s = life_circle_summary(audit)
    lines.append(f"buildings reaching all 6 categories within their circle: {s.loc['all', 'share_all']:.1%}; "
                 + ", ".join(f"{c} {s.loc['all', f'share_{c}']:.0%}" for c in REQUIRED))
    eq = access_equity(audit, value_col="pharmacy_minutes_1", threshold=10)
    lines.append(f"pharmacy minutes: p50 {eq.loc['all', 'p50']:.1f}, p90 {eq.loc['all', 'p90']:.1f}, "
                 f"Gini {eq.loc['all', 'gini']:.2f}, Theil {eq.loc['all', 'theil']:.2f}, "
                 f"{eq.loc['all', 'n_unreachable']} buildings unreachable (not snapped or other component)")
    ax = plot_gaps(audit, network=net, title="Porto centre: missing life-circle categories per building")
    ax.figure.savefig(out_dir / "porto_gaps.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)

    cov = park_coverage(net, buildings, parks)
    pcs = park_coverage_summary(cov)
    sa = park_service_areas(net, parks)
    io.write(cov, gpkg, layer="park_coverage")
    io.write(sa, gpkg, layer="park_service_areas")
    lines.append(f"parks ({len(parks)}; GB/T 51346 radii, unverified preset): radius reading covers "
                 f"{pcs.loc['radius', 'share_buildings']:.0%} of buildings, walking "
                 f"{pcs.loc['network', 'share_buildings']:.0%} "
                 f"({int(cov.covered_radius_only.sum()):,} buildings only covered 'on paper')")
    ax = plot_service_areas(sa, parks=parks, network=net)
    ax.figure.savefig(out_dir / "porto_park_service_areas.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)

    # where would 3 new kindergartens (5-minute circle) help most? existing kept; footprint as weight
    existing = facilities[facilities.category == "kindergarten"]
    cand = network_candidates(net)
    sites = site_facilities(net, buildings, candidates=cand, model="mclp", p=3, minutes=5, existing=existing,
                            population_col="footprint_m2", time_limit_s=120)  # exact, capped: gap reported
    demand = assign_demand(net, buildings, sites, minutes=5)
    io.write(sites, gpkg, layer="sites")
    io.write(demand, gpkg, layer="demand")
    info = sites.attrs["siting"]
    lines.append(f"3 new kindergartens (MCLP exact, {info['status']}): buildings with a kindergarten within 5 min "
                 f"{float(audit.kindergarten_ok.mean()):.0%} -> {float(demand.covered.mean()):.0%} "
                 f"(objective {info['objective']:,.0f} m2, gap {info['gap']:.1%}, {info['runtime_s']:.2f} s)")
    ax = plot_sites(demand, sites, network=net, title="Porto: 3 new kindergarten sites (MCLP, 5 min)")
    ax.figure.savefig(out_dir / "porto_sites.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    lines.append(f"wrote {gpkg}")
    return lines


if __name__ == "__main__":
    if PBF is None:
        sys.exit("this example reads ../shared/data/osm/porto_centre_2020.osm.pbf, which is not here")
    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
