"""Street networks from damaged line layers: urbangeo.network_from_lines vs the momepy and neatnet pipelines.

The bureau layer of the issue's test: the OSM walk streets of a city in ../shared/data exported as
lines (the reference is that export rebuilt with the same tolerance), damaged reproducibly by
urbangeo.accessibility.damage_street_lines (merged straight through crossings, ends cut 0.5-2 m short,
ends shifted 0.3 m, lines duplicated). Each pipeline turns the damaged lines into a graph; answers are
junction-to-junction network distances on 250 sampled junctions of the reference, compared with the
reference's. Pipelines:

* urbangeo: ``network_from_lines(lines, snap_tolerance_m=2.5)`` (split, gaps, duplicates, levels).
* momepy (plain): ``momepy.gdf_to_nx`` on the lines as drawn (what a user gets without repair).
* momepy (repair): ``momepy.extend_lines(tolerance)`` + ``momepy.close_gaps(tolerance)``, lines noded
  with ``shapely.union_all`` (momepy has no noding step), then ``gdf_to_nx``.
* neatnet: ``neatnet.fix_topology`` (dedupe, split at intersections) after ``neatnet.extend_lines`` and
  ``neatnet.close_gaps``, then ``momepy.gdf_to_nx``.

Levels are given to urbangeo only (layer, bridge, tunnel columns); momepy and neatnet have no level
rule, so bridges meet the streets they cross there. Run:
``.venv/bin/python benchmarks/bench_lines.py [andorra_2020.osm.pbf porto_centre_2020.osm.pbf]``.
"""

from __future__ import annotations

import sys
import time
import warnings

import geopandas as gpd
import numpy as np
import shapely

from urbangeo.accessibility import damage_street_lines, network_from_lines, network_from_osm
from urbangeo.datasets import shared_path

TOL = 2.5
LEVELS = dict(level_col="layer", bridge_col="bridge", tunnel_col="tunnel")


def nx_distances(graph, xy, nx):
    """Network distances between the graph nodes nearest to the points ``xy`` (metres)."""
    nodes = np.array(list(graph.nodes))
    coords = np.array([[n[0], n[1]] for n in nodes])
    near = [tuple(nodes[int(np.argmin(np.hypot(*(coords - p).T)))]) for p in xy]
    offs = [float(np.min(np.hypot(*(coords - p).T))) for p in xy]
    out = np.full((len(xy), len(xy)), np.inf)
    for i, s in enumerate(near):
        lengths = nx.single_source_dijkstra_path_length(graph, s, weight="mm_len")
        out[i] = [lengths.get(t, np.inf) for t in near]
    return out, max(offs)


def net_distances(net, xy):
    from scipy.sparse.csgraph import dijkstra

    coords = np.c_[net.x, net.y]
    idx = [int(np.argmin(np.hypot(*(coords - p).T))) for p in xy]
    offs = [float(np.min(np.hypot(*(coords - p).T))) for p in xy]
    return dijkstra(net.csr("length_m"), indices=idx)[:, idx], max(offs)


def compare(ref, got):
    fin = np.isfinite(ref) & np.isfinite(got)
    diff = np.abs(ref - got)[fin]
    return {
        "pairs": int(np.isfinite(ref).sum()),
        "reach_mismatch": int((np.isfinite(ref) != np.isfinite(got)).sum()),
        "within_1m": float((diff <= 1.0).sum() / max(np.isfinite(ref).sum(), 1)),
        "max_err_m": float(diff.max()) if len(diff) else float("nan"),
    }


def run(name: str) -> None:
    import momepy
    import networkx as nx

    osm = network_from_osm(shared_path(f"osm/{name}"), mode="walk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        undamaged = damage_street_lines(osm, merge_share=0, gap_share=0, duplicate_share=0, shift_share=0)
        reference = network_from_lines(undamaged, snap_tolerance_m=TOL, **LEVELS)
        lines = damage_street_lines(reference, seed=3)
    deg = np.bincount(np.r_[reference.edge_u, reference.edge_v], minlength=reference.n_nodes)
    pick = np.random.default_rng(0).choice(np.flatnonzero((deg >= 3) & (reference.component == 0)), 250, replace=False)
    xy = np.c_[reference.x[pick], reference.y[pick]]
    ref, _ = net_distances(reference, xy)
    print(f"\n{name}: {len(lines):,} damaged lines {lines.attrs['damage']}")
    rows = []

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = network_from_lines(lines, snap_tolerance_m=TOL, **LEVELS)
    rows.append(("urbangeo network_from_lines", time.perf_counter() - t, *net_distances(net, xy)))

    plain = lines[["geometry"]].copy()
    t = time.perf_counter()
    g = momepy.gdf_to_nx(plain, approach="primal")
    rows.append(("momepy gdf_to_nx, lines as drawn", time.perf_counter() - t, *nx_distances(g, xy, nx)))

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ext = momepy.extend_lines(plain, TOL)
        closed = momepy.close_gaps(ext, TOL)
        noded = gpd.GeoDataFrame(geometry=shapely.get_parts(shapely.union_all(closed.geometry.values, grid_size=1e-3)),
                                 crs=lines.crs)
        g = momepy.gdf_to_nx(noded, approach="primal")
    rows.append(("momepy extend_lines+close_gaps+union noding", time.perf_counter() - t, *nx_distances(g, xy, nx)))

    try:
        import neatnet
    except ImportError:
        print("neatnet not installed: skipped")
    else:
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ext = neatnet.extend_lines(plain, TOL)
            closed = neatnet.close_gaps(ext, TOL)
            fixed = neatnet.fix_topology(gpd.GeoDataFrame(geometry=closed.geometry, crs=lines.crs))
            g = momepy.gdf_to_nx(fixed[["geometry"]].copy(), approach="primal")
        rows.append((f"neatnet {neatnet.__version__} extend+close_gaps+fix_topology", time.perf_counter() - t,
                     *nx_distances(g, xy, nx)))

    print("| pipeline | time s | pairs within 1 m | reach mismatches | max error m | farthest sample from a node m |")
    print("|---|---|---|---|---|---|")
    for label, secs, dist, off in rows:
        c = compare(ref, dist)
        print(f"| {label} | {secs:.2f} | {c['within_1m']:.1%} | {c['reach_mismatch']:,} of {c['pairs']:,} | "
              f"{c['max_err_m']:.2f} | {off:.2f} |")


if __name__ == "__main__":
    for n in sys.argv[1:] or ["andorra_2020.osm.pbf", "porto_centre_2020.osm.pbf"]:
        run(n)
