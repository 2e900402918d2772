"""First call of each public accessibility metric: cold (empty numba cache) and warm, before and after.

Every figure is one fresh ``python`` process with ``NUMBA_CACHE_DIR`` pointing to its own
directory. "cold" starts with that directory empty; "warm" runs again once the cold
process's background thread has compiled the kernels into it. "compile on call" is the
behaviour before plain-Python first calls (``URBANGEO_PLAIN_FIRST_CALL=0``: the first call
waits for numba), "plain first call" the default now. Reported: wall and CPU seconds
(all threads of the process) of the first call itself, the seconds the background
compilation took after it, and whether the cold answer equals the warm one.

    python benchmarks/bench_first_call.py                # modelled 11 x 11 grid
    python benchmarks/bench_first_call.py --andorra      # also the Andorra walk network (../shared)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_cold_start import CASES, SETUP, _env

ACC = [c for c, (wing, _) in CASES.items() if wing == "acc"]


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
    wing, call = CASES[case]
    imp, expr = call.split("; ", 1)
    code = PROBE.format(setup=SETUP[wing] + "\n" + imp, call_expr=expr)
    env = _env(cache, None)
    env["URBANGEO_PLAIN_FIRST_CALL"] = "1" if plain else "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=ACC)
    a = ap.parse_args()
    print(f"python {sys.version.split()[0]}; {platform.machine()}, {os.cpu_count()} cores")
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
