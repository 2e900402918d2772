"""Province scale on Dask: a modelled province of 20 cities on a LocalCluster of 1 and 2 workers.

The province is MODELLED on real street networks: the OSM walk networks of Andorra, Porto centre and
Helsinki centre and the Shenzhen Futian graph in ../shared/data (real OSM; (c) OpenStreetMap
contributors, ODbL), each used for several cities. Every city is its network translated (a pure shift of
its metric coordinates, so every length and every travel time stays as measured) onto a 5 x 4 grid of
city centres 60 km apart in one metric CRS (EPSG:32650): the largest city is 34 km across, so cities are
at least 25 km apart and never touch. Buildings and facilities are modelled: points placed at a uniform
position along a street (chosen with probability proportional to its length, snappable streets only) and
moved 5-30 m off it in a random direction, with a fixed seed; ``modelled_buildings`` and
``modelled_facilities`` (one per ``BUILDINGS_PER_FACILITY`` buildings).

What is measured, for ``nearest_facilities(minutes=15)`` and ``cumulative_opportunities(minutes=(5, 10,
15))``:

* the in-memory call on the whole province (one Network of the 20 cities, one GeoDataFrame): the
  reference, and its wall time and peak memory (RSS of this process, sampled every 0.1 s);
* the same call with the buildings as a ``dask_geopandas`` frame read from parquet (one file per
  partition, partitions by city and, within a city, by Hilbert order, <= ``--rows-per-part`` rows), on a
  ``dask.distributed.LocalCluster`` of 1 and of 2 worker processes (threads_per_worker=1): wall time,
  peak RSS of each worker process (psutil, sampled every 0.1 s, above its idle RSS too), and where the
  time went (``get_task_stream``: compute vs worker-to-worker transfer vs deserialisation; plus the
  network broadcast and the gathering of the results back to the client, timed apart); the results either
  gathered to the client (``--sinks client``) or written to parquet by the workers (``parquet``, as a real
  cluster would, read back afterwards for the check);
* every dask result is compared with the in-memory one, row by row: same rows, same missing values and
  labels, numbers within 1e-9 x max(|value|, 1), and how many are not bit-identical (the engine's last
  bits depend on where a city's nodes sit in the network, and each partition works on its city's clip).

Run from the repository root (the machine is shared: the default size runs in a few minutes)::

    .venv/bin/python benchmarks/bench_province.py [--buildings 1000000] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import pickle
import platform
import shutil
import sys
import threading
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from urbangeo.accessibility import (
    Network,
    cumulative_opportunities,
    nearest_facilities,
    network_from_graph,
    network_from_osm,
    per_network,
)
from urbangeo.datasets import OSM_ATTRIBUTION, shared_path
from urbangeo.settings import settings

WORK = Path(__file__).resolve().parent / "_work" / "province"
CRS = "EPSG:32650"
SOURCES = ("andorra_2020.osm.pbf", "porto_centre_2020.osm.pbf", "helsinki_centre_2019.osm.pbf",
           "shenzhen_futian_walk.graphml")
N_CITIES = 20
CITY_SPACING_M = 60_000.0
ORIGIN_XY = (200_000.0, 2_900_000.0)
BUILDINGS_PER_FACILITY = 500
MINUTES_NEAREST = 15.0
MINUTES_CUMULATIVE = (5.0, 10.0, 15.0)


# ---------------------------------------------------------------- the modelled province


def load_source(name: str) -> Network:
    path = shared_path(f"osm/{name}")
    if path is None:
        raise FileNotFoundError(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name.endswith(".graphml"):
            import osmnx

            return network_from_graph(osmnx.load_graphml(path))
        return network_from_osm(path, mode="walk")


def shifted(net: Network, centre_xy: tuple[float, float]) -> Network:
    """``net`` moved so the centre of its bounding box is ``centre_xy``, relabelled into :data:`CRS`.

    A pure translation of metric coordinates: lengths, speeds and therefore every travel time are
    unchanged. Extra edge attributes are dropped (the snappable flags are kept as computed).
    """
    dx = centre_xy[0] - (net.x.min() + net.x.max()) / 2
    dy = centre_xy[1] - (net.y.min() + net.y.max()) / 2
    geoms = shapely.transform(net.edge_geometry, lambda c: c + np.array([dx, dy]))
    return dataclasses.replace(net, x=net.x + dx, y=net.y + dy, edge_geometry=geoms, crs=CRS,
                               edge_attrs=pd.DataFrame(), meta={"modelled": True, "source": net.meta.get("source")})


def combined(nets: list[Network]) -> Network:
    """One Network of several disjoint ones (node ids made unique per city: city * 10**12 + id)."""
    starts = np.cumsum([0] + [n.n_nodes for n in nets[:-1]])
    cat = np.concatenate
    return Network(
        x=cat([n.x for n in nets]), y=cat([n.y for n in nets]),
        node_id=cat([i * 10**12 + np.arange(n.n_nodes) for i, n in enumerate(nets)]),
        edge_u=cat([n.edge_u + s for n, s in zip(nets, starts, strict=True)]),
        edge_v=cat([n.edge_v + s for n, s in zip(nets, starts, strict=True)]),
        edge_length_m=cat([n.edge_length_m for n in nets]), edge_geometry=cat([n.edge_geometry for n in nets]),
        edge_oneway=cat([n.edge_oneway for n in nets]), edge_speed_kmh=cat([n.edge_speed_kmh for n in nets]),
        crs=CRS, mode="walk", edge_snappable=cat([n.edge_snappable for n in nets]),
        meta={"modelled": True, "cities": len(nets)},
    )


def points_near_streets(net: Network, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` modelled points: uniform along snappable streets (by length), 5-30 m off in a random direction."""
    edges = np.flatnonzero(net.edge_snappable)
    p = net.edge_length_m[edges] / net.edge_length_m[edges].sum()
    pick = edges[rng.choice(len(edges), size=n, p=p)]
    on = shapely.line_interpolate_point(net.edge_geometry[pick], rng.random(n), normalized=True)
    r, theta = rng.uniform(5.0, 30.0, n), rng.uniform(0.0, 2 * np.pi, n)
    return shapely.points(shapely.get_x(on) + r * np.cos(theta), shapely.get_y(on) + r * np.sin(theta))


def modelled_province(n_buildings: int, *, seed: int = 0):
    """(network, cities, modelled_buildings, modelled_facilities) of a modelled province.

    Each city is the LARGEST connected component of its source network, and the calls snap with
    ``settings.snap_component="any"``: with the default ``"largest"`` a province of disjoint cities would
    snap every building to the one largest city (all the others NaN).
    Buildings are shared out in proportion to each city's length of snappable street (one density
    everywhere); they are ordered by city then Hilbert distance, and indexed 0..n-1 in that order.
    """
    sources = [load_source(s).largest_component() for s in SOURCES]
    cols = 5
    cities = [shifted(sources[i % len(sources)],
                      (ORIGIN_XY[0] + (i % cols) * CITY_SPACING_M, ORIGIN_XY[1] + (i // cols) * CITY_SPACING_M))
              for i in range(N_CITIES)]
    street = np.array([c.edge_length_m[c.edge_snappable].sum() for c in cities])
    share = np.floor(n_buildings * street / street.sum()).astype(int)
    share[np.argmax(share)] += n_buildings - share.sum()
    rng = np.random.default_rng(seed)
    b_parts, f_parts = [], []
    for i, (c, nb) in enumerate(zip(cities, share, strict=True)):
        b_parts.append(gpd.GeoDataFrame({"city": np.full(int(nb), i)}, geometry=points_near_streets(c, int(nb), rng), crs=CRS))
        nf = max(1, int(nb) // BUILDINGS_PER_FACILITY)
        f_parts.append(gpd.GeoDataFrame({"city": np.full(nf, i), "capacity": rng.integers(20, 200, nf)},
                                        geometry=points_near_streets(c, nf, rng), crs=CRS))
    buildings = pd.concat(b_parts, ignore_index=True)
    buildings["hilbert"] = buildings.hilbert_distance(total_bounds=None)
    buildings = buildings.sort_values(["city", "hilbert"], kind="stable").reset_index(drop=True)
    buildings.index.name = "building"
    facilities = pd.concat(f_parts, ignore_index=True)
    facilities.index = pd.RangeIndex(len(facilities), name="facility")
    return combined(cities), cities, buildings, facilities


def write_partitions(buildings: gpd.GeoDataFrame, rows_per_part: int, folder: Path) -> int:
    """One parquet file per partition: each city cut into equal runs of its Hilbert order."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    k = 0
    for _, city in buildings.groupby("city", sort=True):
        n_parts = max(1, -(-len(city) // rows_per_part))
        for part in np.array_split(np.arange(len(city)), n_parts):
            city.iloc[part].reset_index().to_parquet(folder / f"part.{k:04d}.parquet")
            k += 1
    return k


# ---------------------------------------------------------------- measuring


class PeakRSS:
    """Peak resident memory of some processes, sampled every ``interval`` seconds in a thread, and the
    CPU seconds (user + system) they used meanwhile (the machine is shared: CPU time shows the work when
    the wall time also counts waiting for a core)."""

    def __init__(self, pids: dict[str, int], interval: float = 0.1):
        import psutil

        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.base = {name: p.memory_info().rss for name, p in self.procs.items()}
        self.peak = dict(self.base)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, p in self.procs.items():
                with contextlib.suppress(Exception):  # a worker restarting: keep what was seen
                    self.peak[name] = max(self.peak[name], p.memory_info().rss)
            self._stop.wait(self.interval)

    def _cpu(self) -> dict[str, float]:
        out = {}
        for name, p in self.procs.items():
            try:
                t = p.cpu_times()
                out[name] = t.user + t.system
            except Exception:  # a worker gone
                out[name] = float("nan")
        return out

    def __enter__(self) -> PeakRSS:
        self._cpu0 = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        end = self._cpu()
        self.cpu = {name: end[name] - self._cpu0[name] for name in end}


def mb(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.0f} MB"


def same(a: pd.DataFrame, b: pd.DataFrame, cols: list[str], tol: float = 1e-9) -> tuple[bool, str]:
    """Row-by-row comparison of ``cols`` (aligned on the index; missing equal to missing, whatever the dtype).

    True when the rows, the missing values and the labels are the same and every number agrees to
    ``tol * max(|value|, 1)`` (relative above 1 minute or metre, absolute below); the text says how many
    numbers are not bit-identical and the largest differences.
    """
    if len(a) != len(b) or not a.index.sort_values().equals(b.index.sort_values()):
        return False, f"rows differ: {len(a)} vs {len(b)}"
    b = b.loc[a.index]
    bad, notes = [], []
    for c in cols:
        x, y = a[c], b[c]
        miss_x, miss_y = x.isna().to_numpy(), y.isna().to_numpy()
        if (miss_x != miss_y).any():
            bad.append(f"{c}: missing in {int((miss_x != miss_y).sum())} rows of one only")
            continue
        xv, yv = x[~miss_x], y[~miss_y]
        if xv.dtype.kind in "fiu" and yv.dtype.kind in "fiu":
            xf, yf = xv.to_numpy(float), yv.to_numpy(float)
            diff = np.abs(xf - yf)
            scaled = float(np.max(diff / np.maximum(np.abs(xf), 1.0))) if len(diff) else 0.0
            if (diff > 0).any():
                notes.append(f"{c} {int((diff > 0).sum())}/{len(diff)} not bit-identical (max abs "
                             f"{diff.max():.1e}, scaled {scaled:.1e})")
            if scaled > tol:
                bad.append(f"{c}: max difference {diff.max():.1e} (scaled {scaled:.1e})")
        elif not (xv.astype(str).to_numpy() == yv.astype(str).to_numpy()).all():
            bad.append(f"{c}: {int((xv.astype(str).to_numpy() != yv.astype(str).to_numpy()).sum())} labels differ")
    if bad:
        return False, "DIFFERENT: " + "; ".join(bad)
    return True, ("equal, " + "; ".join(notes)) if notes else "bit-identical"


def _nearest(network, origins, facilities):
    with settings.override(snap_component="any"):  # each city is its own largest component
        return nearest_facilities(network, origins, facilities, minutes=MINUTES_NEAREST)


def _cumulative(network, origins, facilities):
    with settings.override(snap_component="any"):
        return cumulative_opportunities(network, origins, facilities, minutes=MINUTES_CUMULATIVE)


CALLS = {"nearest_facilities": _nearest, "cumulative_opportunities": _cumulative}
KW = {"nearest_facilities": dict(minutes=MINUTES_NEAREST), "cumulative_opportunities": dict(minutes=MINUTES_CUMULATIVE)}
FUNCS = {"nearest_facilities": nearest_facilities, "cumulative_opportunities": cumulative_opportunities}


def per_city(name: str, cities: list[Network], origins, facilities):
    """The same call with one network per city (``per_network``, key "city"; default snapping:
    each city is its own largest component)."""
    return per_network(FUNCS[name], dict(enumerate(cities)), origins, key="city", facilities=facilities, **KW[name])


def _quiet(part: gpd.GeoDataFrame, name: str, network: Network, facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CALLS[name](network, part, facilities)


def plain(name: str, network: Network, origins, facilities, meta: gpd.GeoDataFrame):
    """The do-it-yourself approach: the in-memory call on every partition with the WHOLE network.

    ``map_partitions`` with the network as an argument (dask puts it in the graph: it travels from
    the client through the scheduler to the workers, and no partition is clipped).
    """
    return origins.map_partitions(_quiet, name, network, facilities=facilities, meta=meta)


def in_memory(network, buildings, facilities, cities=None) -> dict:
    out = {}
    for name, call in CALLS.items():
        if cities is not None:  # per_network in memory: timed, and checked against the merged network
            with PeakRSS({"client": os.getpid()}) as rss, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = time.perf_counter()
                res = per_city(name, cities, buildings, facilities)
                wall = time.perf_counter() - t
            out[name, "per-city"] = {"wall": wall, "peak": rss.peak["client"], "cpu": rss.cpu["client"], "result": res}
            print(f"  in-memory per_network {name}: {wall:.1f} s (CPU {rss.cpu['client']:.1f} s), peak RSS "
                  f"{mb(rss.peak['client'])}", flush=True)
        with PeakRSS({"client": os.getpid()}) as rss, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            res = call(network, buildings, facilities)
            wall = time.perf_counter() - t
        out[name] = {"wall": wall, "peak": rss.peak["client"], "base": rss.base["client"], "result": res,
                     "cpu": rss.cpu["client"]}
        print(f"  in-memory {name}: {wall:.1f} s (CPU {rss.cpu['client']:.1f} s), peak RSS {mb(rss.peak['client'])} "
              f"(+{mb(rss.peak['client'] - rss.base['client'])})", flush=True)
        if cities is not None:
            ok, why = same(res, out[name, "per-city"]["result"], [c for c in res.columns if c != "geometry"])
            print(f"  in-memory per_network {name} vs one merged network: {why}", flush=True)
    return out


def stream_split(records: list[dict]) -> dict[str, float]:
    """Seconds per action of a task stream (compute, transfer, deserialize, disk-read...), summed over tasks."""
    tot: dict[str, float] = {}
    for r in records:
        for s in r.get("startstops", ()):
            tot[s["action"]] = tot.get(s["action"], 0.0) + s["stop"] - s["start"]
    return tot


def measure(client, pids: dict, make, reference: gpd.GeoDataFrame, sink: str, out_dir: Path) -> dict:
    """Run ``make()`` (a lazy dask frame) on ``client`` and measure it.

    ``sink="client"``: persist on the workers, then gather to this process (timed apart);
    ``sink="parquet"``: the workers write the result to ``out_dir`` (one file per partition), as on a real
    cluster; it is read back here afterwards, untimed, for the comparison.
    """
    from distributed import get_task_stream, wait

    with PeakRSS(pids) as rss, get_task_stream(client) as ts, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        lazy = make()
        t1 = time.perf_counter()
        if sink == "parquet":
            if out_dir.exists():
                shutil.rmtree(out_dir)
            lazy.to_parquet(str(out_dir))
            t2 = t3 = time.perf_counter()
        else:
            lazy = lazy.persist()
            wait(lazy)
            t2 = time.perf_counter()
            res = lazy.compute()
            t3 = time.perf_counter()
    if sink == "parquet":
        import dask_geopandas

        res = dask_geopandas.read_parquet(str(out_dir), gather_spatial_partitions=False).compute()
    ok, why = same(reference, res, [c for c in reference.columns if c != "geometry"])
    return {"wall": t3 - t0, "graph_s": t1 - t0, "compute_s": t2 - t1, "gather_s": t3 - t2,
            "split": stream_split(ts.data), "tasks": len(ts.data), "peak": dict(rss.peak), "base": dict(rss.base),
            "cpu": dict(rss.cpu), "equal": ok, "why": why, "result_bytes": int(res.memory_usage(deep=True).sum())}


def report(label: str, r: dict) -> None:
    if "error" in r:
        print(f"  {label}: not run: {r['error']}", flush=True)
        return
    peaks = ", ".join(f"{mb(r['peak'][w])} (+{mb(r['peak'][w] - r['base'][w])}, CPU {r['cpu'][w]:.1f} s)"
                      for w in sorted(r["peak"]))
    print(f"  {label}: {r['wall']:.1f} s (graph+broadcast {r['graph_s']:.1f}, compute{'+write' * (r['gather_s'] == 0)} "
          f"{r['compute_s']:.1f}, gather {r['gather_s']:.1f}); {r['tasks']} tasks: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(r["split"].items()))
          + f"; peak RSS per worker {peaks}; result {mb(r['result_bytes'])}; equal to in-memory: {r['why']}",
          flush=True)


def on_cluster(n_workers: int, network: Network, folder: Path, facilities, reference: dict, modes, sinks,
               cities: list[Network]) -> dict:
    import dask_geopandas
    from distributed import Client, LocalCluster, wait

    out: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               memory_limit="8GiB", silence_logs=logging.CRITICAL)
        client = Client(cluster)
    try:
        pids = client.run(os.getpid)
        t = time.perf_counter()
        probe = client.scatter(network, broadcast=True, hash=False)
        wait(probe)
        out["broadcast_s"] = time.perf_counter() - t
        print(f"  {n_workers} worker(s): the province network scattered to every worker in {out['broadcast_s']:.2f} s",
              flush=True)
        del probe
        for name, call in CALLS.items():
            ref = reference[name]["result"]
            for mode in modes:
                origins = dask_geopandas.read_parquet(str(folder), index="building", gather_spatial_partitions=False)
                if mode == "urbangeo":
                    def make(origins=origins, call=call):
                        return call(network, origins, facilities)
                elif mode == "per-city":
                    def make(origins=origins, name=name):
                        return per_city(name, cities, origins, facilities)
                else:
                    def make(origins=origins, name=name, ref=ref):
                        return plain(name, network, origins, facilities, ref.iloc[:0])
                for sink in sinks:
                    try:
                        out[name, mode, sink] = measure(client, pids, make, ref, sink, folder.with_name(f"out_{name}"))
                    except Exception as exc:  # recorded and printed: the dask path may not exist yet
                        out[name, mode, sink] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
                    report(f"{n_workers} worker(s) {name} [{mode}, results to {sink}]", out[name, mode, sink])
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.close()
            cluster.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--buildings", type=int, default=1_000_000)
    ap.add_argument("--rows-per-part", type=int, default=50_000)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--modes", nargs="+", default=["urbangeo"], choices=["urbangeo", "per-city", "plain"],
                    help="urbangeo: the public call on the dask frame (one merged network); per-city: per_network with the "
                         "20 city networks; plain: map_partitions with the whole network")
    ap.add_argument("--sinks", nargs="+", default=["client", "parquet"], choices=["client", "parquet"],
                    help="client: results gathered to this process; parquet: written by the workers")
    args = ap.parse_args(argv)
    missing = [s for s in SOURCES if shared_path(f"osm/{s}") is None]
    if missing:
        print(f"SKIP: the real networks {missing} are not in ../shared/data (urbangeo.datasets.shared_path)")
        return 0
    print(f"# province scale on dask ({platform.machine()}, {os.cpu_count()} cores, python {sys.version.split()[0]}); "
          f"data {OSM_ATTRIBUTION}, buildings and facilities modelled")
    t = time.perf_counter()
    network, cities, buildings, facilities = modelled_province(args.buildings, seed=args.seed)
    folder = WORK / f"buildings_{args.buildings}"
    n_parts = write_partitions(buildings, args.rows_per_part, folder)
    print(f"province: {len(cities)} cities, {network.n_nodes:,} nodes, {network.n_edges:,} edges, "
          f"{network.edge_length_m.sum() / 1000:,.0f} km of street; {len(buildings):,} modelled buildings in "
          f"{n_parts} partitions; {len(facilities):,} modelled facilities; network pickled "
          f"{mb(len(pickle.dumps(network)))}; built in {time.perf_counter() - t:.1f} s", flush=True)
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    reference = in_memory(network, buildings, facilities, cities if "per-city" in args.modes else None)
    runs = {w: on_cluster(w, network, folder, facilities, reference, args.modes, args.sinks, cities)
            for w in args.workers}
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("\nsummary: wall s (ratio to in-memory); transfer share = (call checks + graph submission with the "
          "network + worker-to-worker transfer + gather to the client) / wall")
    for name in CALLS:
        ref = reference[name]["wall"]
        row = [f"in-memory {ref:.1f}"]
        for w, r in runs.items():
            for mode in args.modes:
                for sink in args.sinks:
                    m = r[name, mode, sink]
                    if "error" in m:
                        row.append(f"{w}w {mode}->{sink} not run")
                        continue
                    # the network is a key of the graph (sent with it, then worker to worker): graph_s holds the
                    # call's checks and the graph's submission, an upper bound of the network's travel
                    moving = m["graph_s"] * (mode != "plain") + m["split"].get("transfer", 0.0) + m["gather_s"]
                    row.append(f"{w}w {mode}->{sink} {m['wall']:.1f} ({m['wall'] / ref:.2f}x, transfer share "
                               f"{moving / m['wall']:.0%}, {'equal' if m['equal'] else 'DIFFERENT'})")
        print(f"  {name}: " + "; ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
