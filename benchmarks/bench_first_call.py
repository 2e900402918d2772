"""First call of each public accessibility metric: cold (empty numba cache) and warm, before and after.

Every figure is one fresh ``python`` process with ``NUMBA_CACHE_DIR`` pointing to its own
directory. "cold" starts with that directory empty; "warm" runs again once the cold
process's background thread has compiled the kernels into it. "compile on call" is the
behaviour before plain-Python first calls (``URBANGEO_PLAIN_FIRST_CALL=0``: the first call
waits for numba), "plain first call" the default now. Reported: wall and CPU seconds
(all threads of the process) of the first call itself, the seconds the background
compilation took after it, and whether the cold answer equals the warm one.

    python benchmarks/bench_first_call.py                # modelled 11 x 11 grid
    python benchmarks/bench_first_call.py --compile      # cold vs after `python -m urbangeo compile`

``--compile`` times ``python -m urbangeo compile`` into an empty cache (and again, the cache
full), then the first call of each metric and of a big call (``nearest_facilities(k=3)`` on a
60 x 60 grid: 6 x k x edges = 255,000 > PLAIN_WORK, so a cold process compiles it) in a process
with an empty cache ("cold") and in one with the cache ``compile`` filled ("after compile").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_cold_start import CASES, SETUP, _env

ACC = [c for c, (wing, _) in CASES.items() if wing == "acc"]

#: a search too big for plain Python (work above _engine.PLAIN_WORK): a cold process compiles it
BIG_SETUP = """
import geopandas as gpd, numpy as np
from urbangeo.accessibility import grid_network
net = grid_network(60, 60, spacing_m=50, speed_kmh=4.5)
rng = np.random.default_rng(3)
i = rng.choice(net.n_nodes, 200, replace=False)
pts = gpd.points_from_xy(net.x[i] + rng.uniform(-20, 20, 200), net.y[i] + rng.uniform(-20, 20, 200))
homes = gpd.GeoDataFrame(geometry=pts[:180], crs=net.crs)
fac = gpd.GeoDataFrame(geometry=pts[180:], crs=net.crs)
"""
BIG = "nearest_facilities k=3 big"
BIG_CALL = "from urbangeo.accessibility import nearest_facilities as f; f(net, homes, fac, k=3)"


PROBE = """
import time, json, hashlib, threading, pickle
{setup}
c0, t0 = time.process_time(), time.perf_counter()
res = ({call_expr})
c1, t1 = time.process_time(), time.perf_counter()
for t in threading.enumerate():
    if t.name == "urbangeo-numba-compile":
        t.join()
t2 = time.perf_counter()
frame = res.drop(columns="geometry", errors="ignore")
digest = hashlib.sha256(pickle.dumps(frame.to_dict("list"))).hexdigest()[:12]
print(json.dumps({{"call": t1 - t0, "cpu": c1 - c0, "background": t2 - t1, "digest": digest}}))
"""


def probe(case: str, cache: str, plain: bool) -> dict:
    setup, call = (BIG_SETUP, BIG_CALL) if case == BIG else (SETUP[CASES[case][0]], CASES[case][1])
    imp, expr = call.split("; ", 1)
    code = PROBE.format(setup=setup + "\n" + imp, call_expr=expr)
    env = _env(cache, None)
    env["URBANGEO_PLAIN_FIRST_CALL"] = "1" if plain else "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compile_step(cache: str) -> float:
    """Wall seconds of ``python -m urbangeo compile`` into ``cache``."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "urbangeo", "--no-progress", "compile"], env=_env(cache, None),
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - t0


def after_compile(cases: list[str]) -> None:
    print(f"{'case':26s} {'cold wall':>9s} {'cold cpu':>8s} {'after compile wall':>18s} {'cpu':>6s}  same answer")
    with tempfile.TemporaryDirectory() as base:
        compiled = os.path.join(base, "compiled")
        probe(ACC[0], os.path.join(base, "prime"), True)  # byte code of urbangeo and its stack
        print(f"python -m urbangeo compile: {compile_step(compiled):.1f} s wall into an empty cache, "
              f"{compile_step(compiled):.1f} s again (cache full)")
        for case in [*cases, BIG]:
            cold = probe(case, os.path.join(base, f"{case}-cold"), True)
            warm = probe(case, compiled, True)
            print(f"{case:26s} {cold['call']:9.2f} {cold['cpu']:8.2f} {warm['call']:18.2f} {warm['cpu']:6.2f}  "
                  f"{cold['digest'] == warm['digest']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=ACC)
    ap.add_argument("--compile", action="store_true", help="cold vs after `python -m urbangeo compile`")
    a = ap.parse_args()
    print(f"python {sys.version.split()[0]}; {platform.machine()}, {os.cpu_count()} cores")
    if a.compile:
        after_compile(a.cases)
        return
    print(f"{'case':26s} {'mode':18s} {'cold wall':>9s} {'cold cpu':>8s} {'bg compile':>10s} "
          f"{'warm wall':>9s} {'warm cpu':>8s}  cold == warm")
    with tempfile.TemporaryDirectory() as base:
        probe(ACC[0], os.path.join(base, "prime"), True)  # byte code of urbangeo and its stack
        for case in a.cases:
            for mode, plain in (("compile on call", False), ("plain first call", True)):
                cache = os.path.join(base, f"{case}-{mode[0]}")
                cold = probe(case, cache, plain)
                warm = probe(case, cache, plain)
                print(f"{case:26s} {mode:18s} {cold['call']:9.2f} {cold['cpu']:8.2f} {cold['background']:10.2f} "
                      f"{warm['call']:9.2f} {warm['cpu']:8.2f}  {cold['digest'] == warm['digest']}")


if __name__ == "__main__":
    main()
