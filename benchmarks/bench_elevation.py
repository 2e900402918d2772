"""Hills: urbangeo add_elevation + hill_times vs a plain per-edge loop and osmnx's elevation module.

No DEM in ../shared/data covers Andorra (the ASTER tile is N36E122, Shandong; the 1 m DTM is
Prague-Bubenec). So the Andorra walk network is placed on MODELLED terrain: the real ASTER GDEM
relief of tile N36E122, re-georeferenced (the same cells, shifted by -120.78 E, +5.70 N) so that its
hilly north-west corner (up to 506 m; most of the tile is sea, flat at 0 m) lies under Andorra, in
EPSG:4326 like the original tile. The real pair (Prague streets on the Prague DTM) is
the small second case. Same data, same run:

* urbangeo: ``hill_times(add_elevation(network, dem, sample_m=10))``: bilinear samples every 10 m
  along every edge, reprojected into the DEM's CRS, Tobler factors both ways.
* plain: a Python loop over the edges: shapely ``interpolate`` every 10 m, pyproj per edge,
  ``rasterio`` ``DatasetReader.sample`` (nearest cell), Tobler summed per piece.
* osmnx 2.x: ``add_node_elevations_raster`` (nearest cell at the nodes, raster in the graph's CRS)
  + ``add_edge_grades`` (one node-to-node grade per edge), on the graph of the same network
  (``network_to_graph``); the raster is the DEM warped into the network's CRS first (not timed).

Then the cost of hills in the searches: ``nearest_facilities`` (5,000 homes, 30 shops) and
``isochrones`` (10 origins) on the flat and the hilly network, first call (graph built) and again.
Run: ``.venv/bin/python benchmarks/bench_elevation.py``.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

from urbangeo.accessibility import (
    add_elevation,
    hill_times,
    isochrones,
    nearest_facilities,
    network_from_lines,
    network_from_osm,
    network_to_graph,
)
from urbangeo.datasets import shared_path
from urbangeo.io import read_raster
from urbangeo.raster import reproject_raster


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def plain_loop(net, dem_path, sample_m=10.0):
    """Per-edge Python loop with rasterio (nearest cell) and Tobler: seconds u->v and v->u."""
    import rasterio
    from pyproj import Transformer

    with rasterio.open(dem_path) as src:
        tr = Transformer.from_crs(net.crs, src.crs, always_xy=True)
        fwd = np.empty(net.n_edges)
        rev = np.empty(net.n_edges)
        for e in range(net.n_edges):
            v = net.edge_speed_kmh[e] / 3.6
            g = net.edge_geometry[e]
            k = max(int(np.ceil(g.length / sample_m)), 1)
            p = [g.interpolate(i / k, normalized=True) for i in range(k + 1)]
            xs, ys = tr.transform([q.x for q in p], [q.y for q in p])
            z = np.array([s[0] for s in src.sample(zip(xs, ys))], float)
            piece = net.edge_length_m[e] / k
            dz = np.diff(z)
            fwd[e] = sum(piece / (v * np.exp(-3.5 * (abs(d / piece + 0.05) - 0.05))) for d in dz)
            rev[e] = sum(piece / (v * np.exp(-3.5 * (abs(-d / piece + 0.05) - 0.05))) for d in dz)
    return fwd, rev


def osmnx_anchor(net, dem, tmp):
    import osmnx as ox

    warped = reproject_raster(dem, crs=net.crs, resolution_m=30.0)
    path = warped.to_geotiff(Path(tmp) / "dem_net_crs.tif")
    graph = network_to_graph(net)
    t = time.perf_counter()
    graph = ox.elevation.add_node_elevations_raster(graph, str(path))
    graph = ox.elevation.add_edge_grades(graph, add_absolute=True)
    secs = time.perf_counter() - t
    ids = net.node_id if len(np.unique(net.node_id)) == net.n_nodes else np.arange(net.n_nodes)
    z = np.array([graph.nodes[int(n)]["elevation"] for n in ids], float)  # in node position order
    return secs, z


def case(label, net, dem, tmp, *, osm=True):
    print(f"\n### {label}: {net!r}")
    print(f"DEM: {dem!r}")
    h_elev, t_elev = timed(add_elevation, net, dem, sample_m=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hilly, t_hill = timed(hill_times, h_elev)
    dem_path = dem.to_geotiff(Path(tmp) / f"{label.split()[0]}_dem.tif")
    (pf, pr), t_plain = timed(plain_loop, net, dem_path)
    uf = hilly.edge_cost("time_s", direction="fwd")
    ur = hilly.edge_cost("time_s", direction="rev")
    rel = np.abs(np.r_[uf - pf, ur - pr]) / np.r_[pf, pr]
    print("| step | time s | ratio |")
    print("|---|---|---|")
    print(f"| urbangeo add_elevation (sample_m=10, {len(h_elev.edge_profile.rise_m):,} pieces) | {t_elev:.2f} | 1 |")
    print(f"| urbangeo hill_times | {t_hill:.3f} | |")
    print(f"| plain per-edge loop (rasterio nearest cell) | {t_plain:.2f} | {t_plain / (t_elev + t_hill):.0f}x |")
    if osm:
        try:
            t_ox, z_ox = osmnx_anchor(net, dem, tmp)
            dz = np.abs(z_ox - h_elev.node_z_m)
            print(f"| osmnx add_node_elevations_raster + add_edge_grades (nodes only) | {t_ox:.2f} | "
                  f"{t_ox / (t_elev + t_hill):.1f}x |")
            print(f"\nnode z: urbangeo bilinear vs osmnx nearest cell (DEM warped to the network CRS): median "
                  f"{np.median(dz):.2f} m, 95th pct {np.percentile(dz, 95):.2f} m")
        except ImportError as exc:
            print(f"| osmnx | not installed ({exc}) | |")
    print(f"edge times vs the plain loop (bilinear vs nearest cell): median rel. diff {np.median(rel):.4f}, "
          f"95th pct {np.percentile(rel, 95):.4f}")
    f = hilly.edge_factor_fwd
    print(f"factors u->v: min {f.min():.3f}, median {np.median(f):.3f}, max {f.max():.3f}; "
          f"mean |up - down| time difference {np.mean(np.abs(uf - ur) / np.minimum(uf, ur)) * 100:.1f} %")
    return hilly


def searches(net, hilly, n_homes=5000, n_shops=30, seed=0):
    rng = np.random.default_rng(seed)
    e = rng.integers(0, net.n_edges, n_homes + n_shops)
    p = shapely.line_interpolate_point(net.edge_geometry[e], rng.uniform(0, 1, len(e)), normalized=True)
    homes = gpd.GeoDataFrame(geometry=p[:n_homes], crs=net.crs)
    shops = gpd.GeoDataFrame(geometry=p[n_homes:], crs=net.crs)
    print("\n| search | flat first s | flat again s | hilly first s | hilly again s | median minutes flat / hilly |")
    print("|---|---|---|---|---|---|")
    res = {}
    for name, fn, kw in (("nearest_facilities 5,000 x 30", nearest_facilities, {"facilities": shops}),
                         ("isochrones 10 origins (5, 10 min)", isochrones, {"minutes": (5, 10)})):
        row = []
        for which in (net, hilly):
            args = (homes,) if fn is nearest_facilities else (homes.iloc[:10],)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # homes off the largest piece: reported by SnapWarning, same both
                out, t1 = timed(fn, which, *args, **kw)
                _, t2 = timed(fn, which, *args, **kw)
            row += [t1, t2]
            res[(name, which is hilly)] = out
        med = ""
        if fn is nearest_facilities:
            a, b = res[(name, False)].minutes_1, res[(name, True)].minutes_1
            med = f"{np.nanmedian(a):.2f} / {np.nanmedian(b):.2f}"
        print(f"| {name} | {row[0]:.2f} | {row[1]:.2f} | {row[2]:.2f} | {row[3]:.2f} | {med} |")


def main():
    andorra = shared_path("osm/andorra_2020.osm.pbf")
    aster = shared_path("raster/aster_gdem_N36E122.tif")
    gpkg = shared_path("vector/prague_bubenec.gpkg")
    if andorra is None or aster is None or gpkg is None:
        sys.exit("../shared/data is needed (Andorra PBF, ASTER tile, Prague GeoPackage)")
    from urbangeo.accessibility import grid_network

    warm = grid_network(3, 3)  # compile the kernels first: "first" below is the graph build, not numba
    one = gpd.GeoDataFrame(geometry=[shapely.Point(500_050, 2_500_050)], crs=warm.crs)
    nearest_facilities(warm, one, one)
    with tempfile.TemporaryDirectory() as tmp:
        net = network_from_osm(andorra, mode="walk")
        real = read_raster(aster, categorical=False)
        t = real.transform
        # the tile's hilly north-west corner (Rushan-Wendeng hills, up to 506 m; the rest is sea) under Andorra
        shifted = dataclasses.replace(real, transform=Affine(t.a, 0, t.c - 120.78, 0, t.e, t.f + 5.7),
                                      name="ASTER N36E122 relief shifted under Andorra (MODELLED)")
        hilly = case("Andorra walk (modelled terrain)", net, shifted, tmp)
        searches(net, hilly)
        streets = gpd.read_file(gpkg, layer="streets")
        pnet = network_from_lines(streets)
        dtm = dataclasses.replace(read_raster(f"GPKG:{gpkg}:dtm", categorical=False), crs="EPSG:5514")
        case("Prague-Bubenec streets on the 1 m DTM (real)", pnet, dtm, tmp, osm=False)


if __name__ == "__main__":
    main()
