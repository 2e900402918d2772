"""First-call cost of urbangeo: import, each public metric and the CLI, cold and warm.

Every figure is one fresh ``python`` process. "cold" runs with an empty numba cache
(``NUMBA_CACHE_DIR`` pointing to a new temporary directory, so every kernel compiles),
"warm" runs again with the cache the cold run left. Reported: the seconds of
``import urbangeo`` + building tiny inputs (setup, includes geopandas) and the seconds
of the first call itself, which is what the issue bounds (<= 1 s per metric, CLI
start-up <= 1.5 s).

    python benchmarks/bench_cold_start.py            # this checkout
    python benchmarks/bench_cold_start.py --path DIR # a copy of urbangeo/ on PYTHONPATH (e.g. read-only)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SETUP = {
    "acc": """
import geopandas as gpd
from shapely.geometry import Point
from urbangeo.accessibility import grid_network
net = grid_network(11, 11, spacing_m=75, speed_kmh=4.5)
homes = gpd.GeoDataFrame({"pop": [100, 300]}, geometry=[Point(500_000, 2_500_000), Point(500_300, 2_500_300)],
                         crs=net.crs)
fac = gpd.GeoDataFrame({"category": ["kindergarten", "clinic"], "doctors": [2, 3]},
                       geometry=[Point(500_450, 2_500_000), Point(500_750, 2_500_150)], crs=net.crs)
""",
    "sub": """
import geopandas as gpd
from shapely import box
p = gpd.GeoDataFrame({"m": [3.0], "q": [0.8], "H": [400.0], "tan_beta": [2.0]},
                     geometry=[box(0, 0, 1000, 1000)], crs=4547)
from urbangeo.subsidence import predict_subsidence
""",
    "land": """
import numpy as np, geopandas as gpd, shapely
from urbangeo.landuse import landscape_metrics, screen_conversion
r = np.array([[1, 1, 2], [2, 2, 3], [3, 1, 1]])
parcels = gpd.GeoDataFrame({"DLBM": ["0101", "0601"], "QSXZ": ["32", "10"]},
    geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs="EPSG:4547")
boundary = gpd.GeoDataFrame(geometry=[shapely.box(-10, -10, 300, 300)], crs="EPSG:4547")
far = gpd.GeoDataFrame(geometry=[shapely.box(500, 0, 600, 100)], crs="EPSG:4547")
""",
}

CASES = {
    "nearest_facilities": ("acc", "from urbangeo.accessibility import nearest_facilities as f; f(net, homes, fac)"),
    "cumulative_opportunities": (
        "acc",
        "from urbangeo.accessibility import cumulative_opportunities as f; f(net, homes, fac, minutes=10)",
    ),
    "two_step_fca": (
        "acc",
        "from urbangeo.accessibility import two_step_fca as f; "
        "f(net, homes, fac, population_col='pop', capacity_col='doctors', minutes=10)",
    ),
    "isochrones": ("acc", "from urbangeo.accessibility import isochrones as f; f(net, homes, minutes=(5, 10))"),
    "life_circle_audit": (
        "acc",
        "from urbangeo.accessibility import life_circle_audit as f; "
        "f(net, homes, fac, required={'kindergarten': 5, 'clinic': 15})",
    ),
    "predict_subsidence": ("sub", "predict_subsidence(p, resolution_m=20.0)"),
    "landscape_metrics": ("land", "landscape_metrics(r, resolution_m=1.0)"),
    "screen_conversion": (
        "land",
        "screen_conversion(parcels, development_boundary=boundary, basic_farmland=far, red_line=far)",
    ),
}

PROBE = """
import time, json
c0, t0 = time.process_time(), time.perf_counter()
import urbangeo
c1, t1 = time.process_time(), time.perf_counter()
{setup}
c2, t2 = time.process_time(), time.perf_counter()
{call}
c3, t3 = time.process_time(), time.perf_counter()
print(json.dumps({{"import": t1 - t0, "setup": t2 - t1, "call": t3 - t2, "cpu_call": c3 - c2, "cpu_setup": c2 - c1}}))
"""


PYC = os.path.join(tempfile.gettempdir(), "urbangeo-bench-pyc")


def _env(cache: str, path: str | None) -> dict[str, str]:
    # byte code as an installed package has it (pip compiles .pyc at install; this
    # environment may set PYTHONDONTWRITEBYTECODE, which would time the parser instead)
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPYCACHEPREFIX=PYC)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if path:
        env["PYTHONPATH"] = path + os.pathsep + env.get("PYTHONPATH", "")
    return env


def probe(case: str, cache: str, path: str | None) -> dict[str, float]:
    wing, call = CASES[case]
    code = PROBE.format(setup=SETUP[wing], call=call)
    out = subprocess.run([sys.executable, "-c", code], env=_env(cache, path), capture_output=True, text=True,
                         check=True, cwd=path or None)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wall(cmd: list[str], cache: str, path: str | None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=_env(cache, path), capture_output=True, check=True, cwd=path or None)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", help="directory holding a copy of urbangeo/ to put first on PYTHONPATH")
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    a = ap.parse_args()
    py = sys.executable
    print(f"python {sys.version.split()[0]}; path={a.path or '(installed)'}")
    with tempfile.TemporaryDirectory() as base:
        for case in ("nearest_facilities", "predict_subsidence", "landscape_metrics"):  # prime the byte code
            probe(case, os.path.join(base, "prime"), a.path)
        shutil.rmtree(os.path.join(base, "prime"))
        t_bare = wall([py, "-c", "pass"], os.path.join(base, "bare"), a.path)
        t_imp = wall([py, "-c", "import urbangeo"], os.path.join(base, "imp"), a.path)
        print(f"{'python -c pass':32s} {t_bare:6.2f} s")
        print(f"{'import urbangeo (wall)':32s} {t_imp:6.2f} s")
        print(f"{'case':32s} {'cold call':>9s} {'warm call':>9s} {'cold setup':>10s} {'warm setup':>10s}")
        for case in a.cases:
            cache = os.path.join(base, case)  # empty: every kernel compiles
            cold = probe(case, cache, a.path)
            warm = probe(case, cache, a.path)
            print(f"{case:32s} {cold['call']:9.2f} {warm['call']:9.2f} {cold['setup']:10.2f} {warm['setup']:10.2f}"
                  f"   cpu call {cold['cpu_call']:.2f} / {warm['cpu_call']:.2f}")
        cache = os.path.join(base, "cli")
        for label, cmd in (
            ("python -m urbangeo --help", [py, "-m", "urbangeo", "--help"]),
            ("python -m urbangeo accessibility --help", [py, "-m", "urbangeo", "accessibility", "--help"]),
        ):
            try:
                cold, warm = wall(cmd, cache, a.path), wall(cmd, cache, a.path)
            except subprocess.CalledProcessError as e:
                print(f"{label:32s} failed: {e.stderr[-200:]!r}")
                continue
            print(f"{label:32s} {cold:9.2f} {warm:9.2f}   (wall, whole process)")


if __name__ == "__main__":
    main()
