"""Accessibility anchors measured side by side: urbangeo vs pandana vs cityseer vs networkx (T2-T4).

Run: ``.venv/bin/python benchmarks/bench_acc_anchors.py [--case andorra|grid|all] [--quick]``
(each case runs in a fresh process; ``--case all`` is the default).

pandana 0.8 and cityseer 5.x are not urbangeo dependencies: install them into the benchmark
environment only (``.venv-tools/bin/uv pip install -p .venv/bin/python pandana cityseer``).

Same network, same facilities, same run. Every engine gets the SAME nodes and edges, taken from
urbangeo's ``Network`` (``net.x``, ``net.y``, ``net.edge_u``, ``net.edge_v``, ``net.edge_length_m``,
``net.edges.geometry``), so the comparison is of the engines, not of the OSM readers:

* urbangeo: the CSR graph (``_engine.graph``) and the kernels timed in bench_acc_metrics.py.
* networkx: a DiGraph from the same CSR (bench_acc_metrics.nx_graph), the reference answers.
* pandana 0.8: ``pandana.Network(x, y, u, v, length, twoway=True)`` (contraction hierarchy
  build) + ``precompute(1200)``; T2 ``set_pois`` + ``nearest_pois``; T3 ``set`` + ``aggregate``;
  T4 two ``aggregate`` passes (population summed around every node, read at the facility
  nodes; supply ratios summed around every node).
* cityseer 5.x: a networkx MultiGraph with string keys, ``x``/``y`` and ``geom`` (the edge
  LineStrings), then ``io.network_structure_from_nx`` (NetworkStructure + edge R-tree);
  T3 and a bounded T2 from one ``layers.compute_accessibilities`` call (count and nearest
  within 1,200 m); T4 two ``layers.compute_stats`` sum passes, as for pandana.

Origins are the network nodes (all three libraries compute per node); facilities are network
nodes (seed 42), so every tool places them exactly: pandana snaps POIs to the nearest node
(KD-tree: the node itself, coordinates are unique), cityseer assigns each point to its nearest
edge with an along-edge offset (0 at the node itself). Snapping of points off the network
differs (pandana: nearest node, no offset; cityseer: nearest edge + offset to both ends;
urbangeo: nearest edge + offset, through ``snap_points``); node-located points isolate the
engines.

Times: wall clock (``time.perf_counter``) and process CPU time (``time.process_time``), best of
the repeats. pandana (OpenMP) and cityseer (Rust/rayon) use both cores; urbangeo and networkx
one, so CPU time is the work done and wall time what a user waits on this 2-core machine.
Preparation (graph build, contraction hierarchy, precompute, conversion) is timed separately.
"""

from __future__ import annotations

import argparse
import importlib.metadata as im
import json
import logging
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

os.environ.setdefault("CITYSEER_QUIET_MODE", "true")

from bench_acc_metrics import ANDORRA, LIMIT_M, nx_graph, nx_t2, nx_t3, nx_t4, ug_t2, ug_t3, ug_t4

GRID_SIDE = 317  # 100,489 nodes
HORIZON_M = 100_000.0  # pandana nearest_pois horizon: longer than any path on either network


def timed(fn, repeats=3):
    """Best wall and best CPU time over ``repeats`` calls, and the last result."""
    out, wall, cpu = None, np.inf, np.inf
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu, out


def versions() -> dict:
    out = {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count()}
    for pkg in ("urbangeo", "numpy", "numba", "networkx", "pandana", "cityseer", "pandas", "geopandas"):
        try:
            out[pkg] = im.version(pkg)
        except im.PackageNotFoundError:
            out[pkg] = None
    return out


# --------------------------------------------------------------------------- data
def load_case(case: str):
    from urbangeo.accessibility import grid_network, network_from_osm

    w = time.perf_counter()
    if case == "andorra":
        net = network_from_osm(ANDORRA, mode="walk", simplify=False)
        n_fac = 200
    else:
        net = grid_network(GRID_SIDE, GRID_SIDE, spacing_m=100.0)
        n_fac = 1000
    t_build = time.perf_counter() - w
    rng = np.random.default_rng(42)
    fac = np.sort(rng.choice(net.n_nodes, n_fac, replace=False))
    pop = rng.integers(1, 100, net.n_nodes).astype(float)
    cap = rng.integers(1, 20, n_fac).astype(float)
    return net, fac, pop, cap, t_build


# --------------------------------------------------------------------------- pandana
def pandana_prepare(net):
    import pandana as pdna
    import pandas as pd

    t = {}
    w = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pn = pdna.Network(pd.Series(net.x), pd.Series(net.y), pd.Series(net.edge_u), pd.Series(net.edge_v),
                          pd.DataFrame({"length": net.edge_length_m}), twoway=True)
    t["build (CH)"] = time.perf_counter() - w
    w = time.perf_counter()
    pn.precompute(LIMIT_M)  # call once: a second call doubles later aggregates (pandana 0.8)
    t["precompute 1,200 m"] = time.perf_counter() - w
    return pn, t


def pandana_t2(pn, net, fac):
    import pandas as pd

    pn.set_pois("fac", maxdist=HORIZON_M, maxitems=1, x_col=pd.Series(net.x[fac]), y_col=pd.Series(net.y[fac]))
    d = pn.nearest_pois(HORIZON_M, "fac", num_pois=1, max_distance=np.inf)[1].to_numpy()
    return d


def pandana_t3(pn, fac):
    import pandas as pd

    pn.set(pd.Series(fac), variable=np.ones(len(fac)), name="fac")
    return pn.aggregate(LIMIT_M, type="sum", decay="flat", name="fac").to_numpy()


def pandana_t4(pn, net, fac, pop, cap):
    import pandas as pd

    pn.set(pd.Series(np.arange(net.n_nodes)), variable=pop, name="pop")
    dem = pn.aggregate(LIMIT_M, type="sum", decay="flat", name="pop").to_numpy()[fac]
    ratio = np.where(dem > 0, cap / np.where(dem > 0, dem, 1), 0.0)
    pn.set(pd.Series(fac), variable=ratio, name="ratio")
    return pn.aggregate(LIMIT_M, type="sum", decay="flat", name="ratio").to_numpy()


# --------------------------------------------------------------------------- cityseer
def cityseer_prepare(net):
    import networkx as nx
    from cityseer.tools import io

    t = {}
    w = time.perf_counter()
    G = nx.MultiGraph()
    G.graph["crs"] = net.crs
    keys = [str(i) for i in range(net.n_nodes)]
    G.add_nodes_from((k, {"x": float(x), "y": float(y)}) for k, x, y in zip(keys, net.x, net.y))
    geoms = net.edges.geometry.to_numpy()
    G.add_edges_from((keys[u], keys[v], {"geom": g}) for u, v, g in zip(net.edge_u, net.edge_v, geoms))
    t["networkx MultiGraph"] = time.perf_counter() - w
    w = time.perf_counter()
    nodes_gdf, _, ns = io.network_structure_from_nx(G)
    t["network_structure_from_nx"] = time.perf_counter() - w
    return (nodes_gdf, ns), t


def _points(net, idx, **cols):
    import geopandas as gpd

    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(net.x[idx], net.y[idx]), crs=net.crs,
                            index=[f"p{i}" for i in idx])


def _node_order(nodes_gdf):
    return nodes_gdf.index.astype(int).to_numpy()


def cityseer_t3(cs, net, fac):
    """Count within 1,200 m and nearest within 1,200 m, one traversal (compute_accessibilities)."""
    from cityseer.metrics import layers

    nodes_gdf, ns = cs
    data = _points(net, fac, cat=["fac"] * len(fac))
    out = layers.compute_accessibilities(data, "cat", ["fac"], nodes_gdf, ns, distances=[int(LIMIT_M)], decay_fn="1")
    order = _node_order(out)
    cnt = np.zeros(net.n_nodes)
    near = np.full(net.n_nodes, np.nan)
    cnt[order] = out[f"cc_fac_{int(LIMIT_M)}"].to_numpy(float)
    near[order] = out[f"cc_fac_nearest_max_{int(LIMIT_M)}"].to_numpy(float)
    return cnt, near


def _cityseer_sum(cs, net, idx, values):
    from cityseer.metrics import layers

    nodes_gdf, ns = cs
    data = _points(net, idx, val=values)
    out = layers.compute_stats(data, ["val"], nodes_gdf, ns, distances=[int(LIMIT_M)], decay_fn="1", measures=["sum"])
    col = [c for c in out.columns if c.startswith("cc_val_sum")][0]
    res = np.zeros(net.n_nodes)
    res[_node_order(out)] = np.nan_to_num(out[col].to_numpy(float))
    return res


def cityseer_t4(cs, net, fac, pop, cap):
    dem = _cityseer_sum(cs, net, np.arange(net.n_nodes), pop)[fac]
    ratio = np.where(dem > 0, cap / np.where(dem > 0, dem, 1), 0.0)
    return _cityseer_sum(cs, net, fac, ratio)


# --------------------------------------------------------------------------- one case
def run_case(case: str, quick: bool = False, skip: tuple = ()) -> dict:
    from urbangeo.accessibility import _engine

    logging.getLogger("cityseer").setLevel(logging.WARNING)
    net, fac, pop, cap, t_build = load_case(case)
    res = {"case": case, "nodes": net.n_nodes, "edges": net.n_edges, "facilities": len(fac),
           "network_build_s": t_build, "prep": {}, "tasks": {}, "agree": {}}
    print(f"[{case}] {net.n_nodes:,} nodes, {net.n_edges:,} edges, {len(fac)} facilities", flush=True)
    rep = 2 if quick else 5

    # urbangeo
    w = time.perf_counter()
    g = _engine.graph(net, weight="length_m")
    res["prep"]["urbangeo"] = {"CSR graph": time.perf_counter() - w}
    ug_t2(g, fac[:2])
    ug_t3(g, fac[:2], LIMIT_M)  # numba kernels loaded from the on-disk cache
    res["tasks"]["urbangeo"] = {}
    out = {}
    for task, fn in [("T2", lambda: ug_t2(g, fac)[0]), ("T3", lambda: ug_t3(g, fac, LIMIT_M)),
                     ("T4", lambda: ug_t4(g, fac, pop, cap, LIMIT_M))]:
        wall, cpu, out[task] = timed(fn, rep)
        res["tasks"]["urbangeo"][task] = (wall, cpu)
    ref = {"urbangeo": out}
    # cityseer's thresholds are exclusive (cost < 1,200 m); the same answers with a strict limit
    strict = np.nextafter(LIMIT_M, 0.0)
    ref["strict"] = {"T3": ug_t3(g, fac, strict), "T4": ug_t4(g, fac, pop, cap, strict)}

    # networkx (the reference answers)
    w = time.perf_counter()
    G = nx_graph(g)
    res["prep"]["networkx"] = {"DiGraph from CSR": time.perf_counter() - w}
    res["tasks"]["networkx"] = {}
    nxo = {}
    wall, cpu, d = timed(lambda: nx_t2(G, fac), 1)
    r = np.full(net.n_nodes, np.inf)
    r[list(d)] = list(d.values())
    nxo["T2"] = r
    res["tasks"]["networkx"]["T2"] = (wall, cpu)
    for task, fn in [("T3", lambda: nx_t3(G, fac, LIMIT_M)), ("T4", lambda: nx_t4(G, fac, pop, cap, LIMIT_M))]:
        wall, cpu, nxo[task] = timed(fn, 1)
        res["tasks"]["networkx"][task] = (wall, cpu)
    ref["networkx"] = nxo

    # pandana
    if "pandana" not in skip:
        print(f"[{case}] pandana: building the contraction hierarchy ...", flush=True)
        pn, tp = pandana_prepare(net)
        res["prep"]["pandana"] = tp
        po = {}
        res["tasks"]["pandana"] = {}
        for task, fn in [("T2", lambda: pandana_t2(pn, net, fac)), ("T3", lambda: pandana_t3(pn, fac)),
                         ("T4", lambda: pandana_t4(pn, net, fac, pop, cap))]:
            wall, cpu, po[task] = timed(fn, 2 if quick else 3)
            res["tasks"]["pandana"][task] = (wall, cpu)
        ref["pandana"] = po
        del pn

    # cityseer
    if "cityseer" not in skip:
        print(f"[{case}] cityseer: converting ...", flush=True)
        cs, tc = cityseer_prepare(net)
        res["prep"]["cityseer"] = tc
        co = {}
        res["tasks"]["cityseer"] = {}
        wall, cpu, (co["T3"], co["T2<=1200"]) = timed(lambda: cityseer_t3(cs, net, fac), 1)
        res["tasks"]["cityseer"]["T3"] = (wall, cpu)
        wall, cpu, co["T4"] = timed(lambda: cityseer_t4(cs, net, fac, pop, cap), 1)
        res["tasks"]["cityseer"]["T4"] = (wall, cpu)
        ref["cityseer"] = co

    res["agree"] = compare(ref, net.n_nodes)
    return res


def compare(ref: dict, n: int) -> dict:
    """Differences of every engine's answers against networkx (the reference)."""
    nx_ = ref["networkx"]
    d_ref = nx_["T2"]
    reach = np.isfinite(d_ref)
    within = reach & (d_ref <= LIMIT_M)
    out = {}
    for name, o in ref.items():
        if name in ("networkx", "strict"):
            continue
        a = {}
        if "T2" in o:
            d = np.asarray(o["T2"], float)
            fin = np.isfinite(d) & (d < HORIZON_M)
            a["T2 reachability mismatches"] = int((fin != reach).sum())
            both = fin & reach
            a["T2 max |diff| m"] = float(np.abs(d[both] - d_ref[both]).max())
            a["T2 nodes"] = int(both.sum())
        if "T2<=1200" in o:
            d = np.asarray(o["T2<=1200"], float)
            fin = np.isfinite(d) & (d <= LIMIT_M)
            a["T2<=1200 presence mismatches"] = int((fin != within).sum())
            both = fin & within
            a["T2<=1200 max |diff| m"] = float(np.abs(d[both] - d_ref[both]).max()) if both.any() else 0.0
            a["T2<=1200 nodes"] = int(both.sum())
        if "T3" in o:
            c = np.asarray(o["T3"], float)
            diff = c - nx_["T3"]
            a["T3 nodes differing"] = int((diff != 0).sum())
            a["T3 max |diff|"] = float(np.abs(diff).max())
            a["T3 total"] = float(c.sum())
        if "T4" in o:
            v = np.asarray(o["T4"], float)
            r = nx_["T4"]
            rel = np.abs(v - r) / np.maximum(np.abs(r), 1e-12)
            a["T4 max rel diff"] = float(np.nanmax(np.where(r == 0, np.abs(v - r), rel)))
            a["T4 nodes rel>1e-6"] = int((np.where(r == 0, np.abs(v - r), rel) > 1e-6).sum())
        if name == "cityseer":  # exclusive thresholds: compare with the strict (< 1,200 m) answers too
            c = np.asarray(o["T3"], float)
            a["T3 nodes differing from strict (<1200)"] = int((c != ref["strict"]["T3"]).sum())
            r = ref["strict"]["T4"]
            rel = np.abs(np.asarray(o["T4"]) - r) / np.maximum(np.abs(r), 1e-12)
            a["T4 max rel diff vs strict"] = float(np.nanmax(np.where(r == 0, np.abs(o["T4"] - r), rel)))
        out[name] = a
    out["networkx T3 total"] = float(np.asarray(nx_["T3"]).sum())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", default="all", choices=["andorra", "grid", "all"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip", nargs="*", default=[], choices=["pandana", "cityseer"])
    ap.add_argument("--json", type=Path, help="write the raw figures here")
    a = ap.parse_args()
    if a.case == "all":
        results = []
        for case in ("andorra", "grid"):
            cmd = [sys.executable, __file__, "--case", case, "--json", "/dev/stdout"] + (["--quick"] if a.quick else [])
            if a.skip:
                cmd += ["--skip", *a.skip]
            txt = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            results.append(json.loads(txt.strip().splitlines()[-1]))
        report(results)
        return
    res = run_case(a.case, a.quick, tuple(a.skip))
    res["versions"] = versions()
    res["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    res["load"] = os.getloadavg()
    if a.json:
        print(json.dumps(res, default=float), flush=True)
    else:
        report([res])


def report(results):
    v = results[0]["versions"]
    print(f"machine: {v['machine']}, {v['cores']} cores, Python {v['python']}, numpy {v['numpy']}, "
          f"numba {v['numba']}, pandana {v['pandana']}, cityseer {v['cityseer']}, networkx {v['networkx']}; "
          f"{results[0]['date']}")
    for r in results:
        print(f"\n### {r['case']}: {r['nodes']:,} nodes, {r['edges']:,} edges, {r['facilities']} facilities "
              f"(load {r['load'][0]:.1f})")
        print(json.dumps(r["prep"], indent=1, default=float))
        print(json.dumps(r["tasks"], indent=1, default=float))
        print(json.dumps(r["agree"], indent=1, default=float))


if __name__ == "__main__":
    main()
