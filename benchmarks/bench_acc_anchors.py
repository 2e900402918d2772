"""Accessibility anchors measured side by side: urbangeo vs pandana vs cityseer vs networkx (T2-T4).

Run: ``.venv/bin/python benchmarks/bench_acc_anchors.py [--case andorra|grid|all] [--quick]
[--timeout-s 900] [--grid-side 317] [--skip pandana cityseer] [--json out.json]``
(each case runs in a fresh process; ``--case all`` is the default). Prints Markdown tables
(wall (CPU) seconds per step and engine, then the answers against networkx); ``--json``
also writes the raw figures.

Time cap: pandana and cityseer each run in a child process (preparation and the three tasks)
that is stopped after ``--timeout-s`` seconds; the table then says "did not finish in N s"
for that engine instead of hanging (pandana's contraction hierarchy on the 100k grid did not
finish in 66 minutes on the loaded machine). ``--grid-side`` shrinks the grid for a quick check.

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
def load_case(case: str, grid_side: int = GRID_SIDE):
    from urbangeo.accessibility import grid_network, network_from_osm

    w = time.perf_counter()
    if case == "andorra":
        net = network_from_osm(ANDORRA, mode="walk", simplify=False)
        n_fac = 200
    else:
        net = grid_network(grid_side, grid_side, spacing_m=100.0)
        n_fac = min(1000, net.n_nodes // 10)
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


# --------------------------------------------------------------------------- capped anchor runs
def run_pandana(net, fac, pop, cap, quick: bool) -> dict:
    pn, tp = pandana_prepare(net)
    tasks, out = {}, {}
    for task, fn in [("T2", lambda: pandana_t2(pn, net, fac)), ("T3", lambda: pandana_t3(pn, fac)),
                     ("T4", lambda: pandana_t4(pn, net, fac, pop, cap))]:
        wall, cpu, out[task] = timed(fn, 2 if quick else 3)
        tasks[task] = (wall, cpu)
    return {"prep": tp, "tasks": tasks, "answers": out}


def run_cityseer(net, fac, pop, cap, quick: bool) -> dict:
    logging.getLogger("cityseer").setLevel(logging.WARNING)
    cs, tc = cityseer_prepare(net)
    tasks, out = {}, {}
    wall, cpu, (out["T3"], out["T2<=1200"]) = timed(lambda: cityseer_t3(cs, net, fac), 1)
    tasks["T3"] = (wall, cpu)
    wall, cpu, out["T4"] = timed(lambda: cityseer_t4(cs, net, fac, pop, cap), 1)
    tasks["T4"] = (wall, cpu)
    return {"prep": tc, "tasks": tasks, "answers": out}


ANCHORS = {"pandana": run_pandana, "cityseer": run_cityseer}


def _anchor_child(conn, name: str, case: str, grid_side: int, quick: bool) -> None:
    """In a child process: the same case (same seed), one anchor's preparation and tasks, sent back."""
    try:
        net, fac, pop, cap, _ = load_case(case, grid_side)
        conn.send(ANCHORS[name](net, fac, pop, cap, quick))
    except Exception as exc:  # reported in the table, not raised
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def run_capped(name: str, case: str, grid_side: int, quick: bool, timeout_s: float) -> dict:
    """One anchor in a child process, stopped after ``timeout_s`` (its C++/Rust code cannot be interrupted)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_anchor_child, args=(child, name, case, grid_side, quick), daemon=True)
    w = time.perf_counter()
    proc.start()
    child.close()
    ready = parent.poll(timeout_s)
    if not ready:
        proc.kill()
        proc.join()
        return {"unfinished_s": timeout_s}
    try:
        res = parent.recv()
    except EOFError:  # the child died (e.g. out of memory) without sending
        res = {"error": f"the child process ended with exit code {proc.exitcode}"}
    proc.join()
    res["child_wall_s"] = time.perf_counter() - w
    return res


# --------------------------------------------------------------------------- one case
def run_case(case: str, quick: bool = False, skip: tuple = (), timeout_s: float = 900.0,
             grid_side: int = GRID_SIDE) -> dict:
    from urbangeo.accessibility import _engine

    net, fac, pop, cap, t_build = load_case(case, grid_side)
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

    # the anchors, each in a child process stopped after timeout_s
    res["unfinished"], res["errors"] = {}, {}
    for name in ANCHORS:
        if name in skip:
            continue
        print(f"[{case}] {name}: preparing and running T2-T4 (stopped after {timeout_s:g} s) ...", flush=True)
        got = run_capped(name, case, grid_side, quick, timeout_s)
        if "unfinished_s" in got:
            res["unfinished"][name] = got["unfinished_s"]
            print(f"[{case}] {name}: did not finish in {timeout_s:g} s", flush=True)
        elif "error" in got:
            res["errors"][name] = got["error"]
            print(f"[{case}] {name}: failed: {got['error']}", flush=True)
        else:
            res["prep"][name], res["tasks"][name] = got["prep"], got["tasks"]
            ref[name] = got["answers"]

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
    ap.add_argument("--json", type=Path, help="also write the raw figures here (JSON)")
    ap.add_argument("--timeout-s", type=float, default=900.0,
                    help="stop pandana's and cityseer's child process after this long (default 900 s)")
    ap.add_argument("--grid-side", type=int, default=GRID_SIDE, help=f"grid case: nodes per side (default {GRID_SIDE})")
    ap.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)  # one case, JSON on stdout
    a = ap.parse_args()
    if a.case == "all":
        results = []
        for case in ("andorra", "grid"):
            cmd = [sys.executable, __file__, "--case", case, "--_child", "--timeout-s", str(a.timeout_s),
                   "--grid-side", str(a.grid_side)] + (["--quick"] if a.quick else [])
            if a.skip:
                cmd += ["--skip", *a.skip]
            proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    else:
        res = run_case(a.case, a.quick, tuple(a.skip), a.timeout_s, a.grid_side)
        res["versions"] = versions()
        res["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        res["load"] = os.getloadavg()
        if a._child:
            print(json.dumps(res, default=float), flush=True)
            return
        results = [res]
    report(results)
    if a.json:
        a.json.write_text(json.dumps(results, default=float, indent=1))


def _num(val) -> str:
    """Counts with thousands separators, differences with 4 significant digits."""
    if isinstance(val, int) or (isinstance(val, float) and val.is_integer() and abs(val) < 1e15):
        return f"{int(val):,}"
    return f"{val:.4g}"


def _ws(pair) -> str:
    wall, cpu = pair
    return f"{wall:.3g} ({cpu:.3g})"


def _prep_cell(r: dict, name: str) -> str:
    if name in r.get("unfinished", {}):
        return f"**did not finish in {r['unfinished'][name]:g} s**"
    if name in r.get("errors", {}):
        return f"failed: {r['errors'][name]}"
    if name not in r["prep"]:
        return "skipped"
    steps = r["prep"][name]
    total = sum(steps.values())
    return f"{total:.3g}" + (" = " + " + ".join(f"{v:.3g} {k}" for k, v in steps.items()) if len(steps) > 1 else
                             f" ({next(iter(steps))})")


TASKS = {"T2": "T2 nearest facility, every node", "T3": "T3 count within 1,200 m", "T4": "T4 2SFCA 1,200 m"}


def report(results):
    """Markdown tables: wall (CPU) seconds per step and engine, then the answers against networkx."""
    v = results[0]["versions"]
    print(f"machine: {v['machine']}, {v['cores']} cores, Python {v['python']}, numpy {v['numpy']}, "
          f"numba {v['numba']}, pandana {v['pandana']}, cityseer {v['cityseer']}, networkx {v['networkx']}; "
          f"{results[0]['date']}")
    engines = ["urbangeo", "networkx", *ANCHORS]
    for r in results:
        print(f"\n### {r['case']}: {r['nodes']:,} nodes, {r['edges']:,} edges, {r['facilities']} facilities "
              f"(1-minute load {r['load'][0]:.1f}); wall (CPU) seconds\n")
        print("| step | " + " | ".join(engines) + " |")
        print("|---|" + "---:|" * len(engines))
        print("| preparation | " + " | ".join(_prep_cell(r, e) for e in engines) + " |")
        for task, label in TASKS.items():
            cells = []
            for e in engines:
                t = r["tasks"].get(e, {})
                if task in t:
                    cells.append(_ws(t[task]))
                elif e == "cityseer" and task == "T2" and "T3" in t:
                    cells.append("(within 1,200 m only, in the T3 call)")
                else:
                    cells.append("-")
            print(f"| {label} | " + " | ".join(cells) + " |")
        ug = r["tasks"]["urbangeo"]
        cells = []
        for e in engines:
            t = r["tasks"].get(e, {})
            cells.append(" / ".join(f"{t[k][1] / max(ug[k][1], 1e-9):.3g}x" if k in t else "-" for k in TASKS))
        print("| CPU time vs urbangeo, T2 / T3 / T4 | " + " | ".join(cells) + " |")
        print("\nAnswers against networkx:\n")
        for name, a in r["agree"].items():
            if isinstance(a, dict):
                print(f"* {name}: " + "; ".join(f"{k} {_num(val)}" for k, val in a.items()))
            else:
                print(f"* {name}: {_num(a)}")
        for name, secs in r.get("unfinished", {}).items():
            print(f"* {name}: did not finish in {secs:g} s (no answers)")


if __name__ == "__main__":
    main()
