"""Benchmark: p-center and capacitated p-median / MCLP, urbangeo against PySAL spopt on the same matrices.

Run from the repository root (spopt and PuLP are installed into .venv for this run only;
they are not dependencies)::

    .venv-tools/bin/uv pip install -p .venv/bin/python spopt pulp highspy
    .venv/bin/python benchmarks/bench_siting.py [--time-limit 300] [--skip-sf | --skip-modelled] [--spopt-solver highs]
        [--models p_median,cpm] [--skip-urbangeo | --skip-spopt]

Cases (costs are the SAME arrays for every solver):

* San Francisco, 205 census tracts x 16 stores: spopt's own test data (network metres,
  POP2000 weights; shipped inside the spopt wheel). Capacities are MODELLED (seeded).
* MODELLED 2,000 x 100: 2,000 homes in 8 seeded clusters over an 8 km square (weights
  20-400 people), 100 uniform candidate sites, Manhattan walking minutes (75 m/min),
  capacities 0.8-2.0 x (total demand / 10). p = 10; MCLP threshold 20 minutes.

Models: p-median (spopt ``PMedian``), MCLP (spopt ``MCLP``), p-center (spopt ``PCenter``), capacitated p-median with single assignment
(spopt ``PMedian(facility_capacities=...)``), capacitated MCLP (spopt has none: an
equivalent PuLP model written here, the same formulation as urbangeo's). spopt runs
with PuLP's default solver (CBC) under ``--time-limit``, or with ``--spopt-solver highs``
through PuLP's HiGHS interface (``pulp.HiGHS``: spopt's own formulation on the same
arrays, solved by HiGHS with urbangeo's options: ``mip_rel_gap`` 0, one thread);
urbangeo exact with HiGHS under the same limit; urbangeo greedy reports its proven bound.

spopt's result counts as proven only when PuLP's *solution* status is optimal
(``prob.sol_status == 1``): PuLP reports the problem status "Optimal" also when CBC or
HiGHS stopped at the time limit with an incumbent (solution status "integer feasible").
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


def spopt_runs(c, w, cap, ps, thr, limit, solver_name="cbc", models=None):
    import pulp
    from spopt.locate import MCLP, PCenter, PMedian

    def solver():
        if solver_name == "highs":
            return pulp.HiGHS(msg=False, timeLimit=limit, gapRel=0.0, threads=1)
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
        if models is not None and key not in models:
            continue
        t = time.perf_counter()
        try:
            prob = run()
            # the problem status says "Optimal" also for a time-limited incumbent: the solution status tells
            st = "Optimal" if prob.sol_status == pulp.LpSolutionOptimal else pulp.LpSolution[prob.sol_status]
            extra = ""
            hm = getattr(prob, "solverModel", None)
            if solver_name == "highs" and hm is not None:
                info = hm.getInfo()
                extra = (f"HiGHS {hm.modelStatusToString(hm.getModelStatus())}, run {hm.getRunTime():.2f} s, "
                         f"dual bound {info.mip_dual_bound * (-1 if prob.sense == pulp.LpMaximize else 1):,.4f}, "
                         f"gap {info.mip_gap:.3g}, nodes {info.mip_node_count}")
            out[key] = (time.perf_counter() - t, pulp.value(prob.objective), st, extra)
        except RuntimeError as exc:  # spopt raises when the solver stops without a solution
            out[key] = (time.perf_counter() - t, None, f"no solution: {exc}"[:60], "")
        print(f"  [{key}] {out[key]}", flush=True)
    return out


def ours(c, w, cap, ps, thr, limit, models=None, greedy=True):
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
        if models is not None and key not in models:
            continue
        for method in ("exact", "greedy") if greedy else ("exact",):
            t = time.perf_counter()
            r = run(method)
            out[key, method] = (time.perf_counter() - t, r)
            print(f"  [{key} {method}] {out[key, method][0]:.2f} s {r.objective:,.4f} bound {r.bound:,.4f} "
                  f"{r.status} (from {r.solution_from})", flush=True)
    return out


NAMES = {"p_median": "p-median", "mclp": "MCLP", "p_center": "p-center (worst cost)", "cpm": "capacitated p-median (single)",
         "cmclp": "capacitated MCLP (single)"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--skip-sf", action="store_true")
    ap.add_argument("--skip-modelled", action="store_true")
    ap.add_argument("--skip-spopt", action="store_true")
    ap.add_argument("--skip-urbangeo", action="store_true")
    ap.add_argument("--skip-greedy", action="store_true", help="urbangeo exact only")
    ap.add_argument("--spopt-solver", choices=("cbc", "highs"), default="cbc",
                    help="PuLP solver for spopt's models: CBC (PuLP's default) or HiGHS (pulp.HiGHS, highspy)")
    ap.add_argument("--models", default=None,
                    help=f"comma-separated subset of {','.join(NAMES)} (default: all)")
    args = ap.parse_args()
    models = None if args.models is None else set(args.models.split(","))
    if models is not None and not models <= set(NAMES):
        ap.error(f"--models: unknown {sorted(models - set(NAMES))}")
    import highspy
    import pulp

    print(f"PuLP {pulp.__version__}, highspy {highspy.Highs().version()}, spopt solver {args.spopt_solver}")
    warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.3 about its 4.0 API, inside spopt
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    cases = ([] if args.skip_sf else [sf_case()]) + ([] if args.skip_modelled else [modelled_case()])
    for name, c, w, cap, ps, thr in cases:
        print(f"\n{name}: demand {w.sum():,.0f}, capacity {cap.sum():,.0f}, p {ps}, MCLP threshold {thr:g}")
        mine = {} if args.skip_urbangeo else ours(c, w, cap, ps, thr, args.time_limit, models, not args.skip_greedy)
        theirs = {} if args.skip_spopt else spopt_runs(c, w, cap, ps, thr, args.time_limit, args.spopt_solver,
                                                        models)
        for key in NAMES:
            if (key, "exact") not in mine:
                continue
            te, ex = mine[key, "exact"]
            line = (f"  {NAMES[key]:31s} urbangeo exact {te:8.2f} s {ex.objective:,.4f} ({ex.status}, bound "
                    f"{ex.bound:,.4f})")
            if (key, "greedy") in mine:
                tg, gr = mine[key, "greedy"]
                line += (f" | greedy {tg:6.2f} s {gr.objective:,.4f} bound {gr.bound:,.4f} "
                         f"({gr.bound_method}, gap {100 * gr.gap:.2f} %)")
            if key in theirs:
                ts, obj, st, extra = theirs[key]
                # objectives are float sums: equal within a relative 1e-6
                same = obj is not None and abs(obj - ex.objective) <= 1e-6 * max(abs(obj), 1.0)
                who = "spopt" if key != "cmclp" else "PuLP model"
                proven = st == "Optimal" and ex.status == "Optimal"
                if obj is None:
                    verdict = "no answer"
                elif same:
                    verdict = "same optimum" if proven else "same value (not proven optimal by both)"
                else:
                    verdict = "DIFFERENT OPTIMA" if proven else f"differs (not proven: {st} / {ex.status})"
                line += f"\n  {'':31s} {who} + {args.spopt_solver.upper()} {ts:8.2f} s {obj if obj is None else f'{obj:,.4f}'} ({st}) " \
                        f"-> {verdict}, urbangeo {ts / te:.1f}x faster" + (f"\n  {'':31s} {extra}" if extra else "")
            print(line, flush=True)


if __name__ == "__main__":
    main()
