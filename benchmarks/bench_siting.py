"""Benchmark: p-center and capacitated p-median / MCLP, urbangeo against PySAL spopt on the same matrices.

Run from the repository root (spopt and PuLP are installed into .venv for this run only;
they are not dependencies)::

    .venv-tools/bin/uv pip install -p .venv/bin/python spopt pulp
    .venv/bin/python benchmarks/bench_siting.py [--time-limit 300] [--skip-sf]

Cases (costs are the SAME arrays for every solver):

* San Francisco, 205 census tracts x 16 stores: spopt's own test data (network metres,
  POP2000 weights; shipped inside the spopt wheel). Capacities are MODELLED (seeded).
* MODELLED 2,000 x 100: 2,000 homes in 8 seeded clusters over an 8 km square (weights
  20-400 people), 100 uniform candidate sites, Manhattan walking minutes (75 m/min),
  capacities 0.8-2.0 x (total demand / 10). p = 10; MCLP threshold 20 minutes.

Models: p-median (spopt ``PMedian``), MCLP (spopt ``MCLP``), p-center (spopt ``PCenter``), capacitated p-median with single assignment
(spopt ``PMedian(facility_capacities=...)``), capacitated MCLP (spopt has none: an
equivalent PuLP model written here, the same formulation as urbangeo's). spopt runs
with PuLP's default solver (CBC) under ``--time-limit``; urbangeo exact with HiGHS
under the same limit; urbangeo greedy reports its proven bound.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd

from urbangeo.accessibility import _siting_solvers as S  # the array solvers behind site_facilities


def sf_case():
    import spopt

    path = os.path.join(os.path.dirname(spopt.__file__), "tests", "test_locate", "data",
                        "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    df = pd.read_csv(path)
    mat = df.pivot_table(index="DestinationName", columns="name", values="distance")
    w = df.groupby("DestinationName")["demand"].first().reindex(mat.index).to_numpy(float)
    cap = np.round(np.random.default_rng(0).uniform(0.5, 1.5, 16) * w.sum() / 4)
    ps = {"p_median": 5, "mclp": 5, "p_center": 4, "cpm": 5, "cmclp": 5}
    return "San Francisco 205 x 16", mat.to_numpy(), w, cap, ps, 3000.0


def modelled_case():
    rng = np.random.default_rng(14)
    centres = rng.uniform(0, 8000, (8, 2))
    d = np.clip(centres[rng.integers(0, 8, 2000)] + rng.normal(0, 900, (2000, 2)), 0, 8000)
    s = rng.uniform(0, 8000, (100, 2))
    c = (np.abs(d[:, None, 0] - s[None, :, 0]) + np.abs(d[:, None, 1] - s[None, :, 1])) / 75.0
    w = rng.integers(20, 400, 2000).astype(float)
    cap = np.round(rng.uniform(0.8, 2.0, 100) * w.sum() / 10)
    ps = {"p_median": 10, "mclp": 10, "p_center": 10, "cpm": 10, "cmclp": 10}
    return "MODELLED 2,000 x 100", c, w, cap, ps, 20.0


def pulp_cmclp(cover, w, cap, p):
    """The capacitated MCLP (single assignment) as a PuLP model: spopt has no capacitated MCLP."""
    import pulp

    prob = pulp.LpProblem("cmclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(cover.shape[1])]
    pairs = list(zip(*np.nonzero(cover)))
    y = {(i, j): pulp.LpVariable(f"y{i}_{j}", cat="Binary") for i, j in pairs}
    prob += pulp.lpSum(w[i] * v for (i, j), v in y.items())
    by_i, by_j = {}, {}
    for (i, j), v in y.items():
        by_i.setdefault(i, []).append(v)
        by_j.setdefault(j, []).append((i, v))
        prob += v <= x[j]
    for vs in by_i.values():
        prob += pulp.lpSum(vs) <= 1
    for j, ivs in by_j.items():
        prob += pulp.lpSum(w[i] * v for i, v in ivs) <= cap[j] * x[j]
    prob += pulp.lpSum(x) == p
    return prob


def spopt_runs(c, w, cap, ps, thr, limit):
    import pulp
    from spopt.locate import MCLP, PCenter, PMedian

    def solver():
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)

    def pmedian():
        return PMedian.from_cost_matrix(c, w, p_facilities=ps["p_median"]).solve(solver()).problem

    def mclp():
        return MCLP.from_cost_matrix(c, w, service_radius=thr, p_facilities=ps["mclp"]).solve(solver()).problem

    def pcenter():
        m = PCenter.from_cost_matrix(c, p_facilities=ps["p_center"]).solve(solver())
        return m.problem

    def cpm():
        return PMedian.from_cost_matrix(c, w, p_facilities=ps["cpm"], facility_capacities=cap).solve(solver()).problem

    def cmclp():
        prob = pulp_cmclp(c <= thr, w, cap, ps["cmclp"])
        prob.solve(solver())
        return prob

    out = {}
    for key, run in [("p_median", pmedian), ("mclp", mclp), ("p_center", pcenter), ("cpm", cpm), ("cmclp", cmclp)]:
        t = time.perf_counter()
        try:
            prob = run()
            out[key] = (time.perf_counter() - t, pulp.value(prob.objective), pulp.LpStatus[prob.status])
        except RuntimeError as exc:  # spopt raises when CBC stops without a solution
            out[key] = (time.perf_counter() - t, None, f"no solution: {exc}"[:60])
        print(f"  [{key}] {out[key]}", flush=True)
    return out


def ours(c, w, cap, ps, thr, limit):
    fixed = np.zeros(c.shape[1], dtype=bool)
    from scipy.sparse import csr_matrix

    runs = {
        "p_median": lambda m: S.solve_p_median(c, w, ps["p_median"], fixed, method=m, time_limit_s=limit),
        "mclp": lambda m: S.solve_mclp(csr_matrix(c <= thr), w, ps["mclp"], fixed, method=m, time_limit_s=limit),
        "p_center": lambda m: S.solve_p_center(c, w, ps["p_center"], fixed, method=m, time_limit_s=limit),
        "cpm": lambda m: S.solve_capacitated_p_median(c, w, cap, ps["cpm"], fixed, method=m, time_limit_s=limit),
        "cmclp": lambda m: S.solve_capacitated_mclp(c <= thr, w, cap, ps["cmclp"], fixed, method=m,
                                                    time_limit_s=limit),
    }
    out = {}
    for key, run in runs.items():
        for method in ("exact", "greedy"):
            t = time.perf_counter()
            r = run(method)
            out[key, method] = (time.perf_counter() - t, r)
    return out


NAMES = {"p_median": "p-median", "mclp": "MCLP", "p_center": "p-center (worst cost)", "cpm": "capacitated p-median (single)",
         "cmclp": "capacitated MCLP (single)"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--skip-sf", action="store_true")
    ap.add_argument("--skip-spopt", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.3 about its 4.0 API, inside spopt
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    cases = ([] if args.skip_sf else [sf_case()]) + [modelled_case()]
    for name, c, w, cap, ps, thr in cases:
        print(f"\n{name}: demand {w.sum():,.0f}, capacity {cap.sum():,.0f}, p {ps}, MCLP threshold {thr:g}")
        mine = ours(c, w, cap, ps, thr, args.time_limit)
        for (key, method), (t, r) in mine.items():
            print(f"  [{key} {method}] {t:.2f} s {r.objective:,.4f} bound {r.bound:,.4f} {r.status}", flush=True)
        theirs = {} if args.skip_spopt else spopt_runs(c, w, cap, ps, thr, args.time_limit)
        for key in NAMES:
            te, ex = mine[key, "exact"]
            tg, gr = mine[key, "greedy"]
            line = (f"  {NAMES[key]:31s} urbangeo exact {te:8.2f} s {ex.objective:,.4f} ({ex.status}, bound "
                    f"{ex.bound:,.4f}) | greedy {tg:6.2f} s {gr.objective:,.4f} bound {gr.bound:,.4f} "
                    f"({gr.bound_method}, gap {100 * gr.gap:.2f} %)")
            if key in theirs:
                ts, obj, st = theirs[key]
                same = obj is not None and abs(obj - ex.objective) <= 1e-6 * max(abs(obj), 1.0)
                who = "spopt" if key != "cmclp" else "PuLP model"
                proven = st == "Optimal" and ex.status == "Optimal"
                if obj is None:
                    verdict = "no answer"
                elif same:
                    verdict = "same optimum" if proven else "same value (not proven optimal by both)"
                else:
                    verdict = "DIFFERENT OPTIMA" if proven else f"differs (not proven: {st} / {ex.status})"
                line += f"\n  {'':31s} {who} + CBC {ts:8.2f} s {obj if obj is None else f'{obj:,.4f}'} ({st}) " \
                        f"-> {verdict}, urbangeo {ts / te:.1f}x faster"
            print(line, flush=True)


if __name__ == "__main__":
    main()
