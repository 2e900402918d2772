"""Array solvers for facility siting: exact ILPs (HiGHS via ``highspy``) and greedy heuristics.

Inputs are plain arrays, so the solvers can be tested and benchmarked without any
GeoDataFrame:

* ``cover``: boolean ``scipy.sparse`` matrix (n_demand x n_sites), True where the
  site serves the demand within the threshold (``cost <= threshold``, inclusive);
* ``cost``: dense float array (n_demand x n_sites), ``inf`` where unreachable;
* ``weights``: demand weights (population), ``fixed``: boolean mask of sites that
  are already open (existing facilities; they are never dropped).

Every solver returns a :class:`SolverResult` whose ``bound`` is a proven bound on the
optimum (upper for maximisation, lower for minimisation) and whose ``gap`` is the
relative distance between the objective and that bound. For greedy runs the bounds
are the classical ones (see each function); for the exact runs they come from HiGHS.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import DisconnectedNetworkError, InvalidOptionError, MissingDependencyError

log = logging.getLogger(__name__)

__all__ = [
    "SolverResult",
    "solve_capacitated_mclp",
    "solve_capacitated_p_median",
    "solve_lscp",
    "solve_mclp",
    "solve_p_center",
    "solve_p_median",
]


@dataclass
class SolverResult:
    """Outcome of one siting run (positions refer to the columns of the input)."""

    chosen: np.ndarray  # positions of all open sites (fixed ones included), sorted
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    runtime_s: float
    sense: str  # "min" or "max"
    excluded_demand: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bound_method: str = "solver"
    # capacitated models: share of each demand row (of the full input) served by each site (sparse n x m)
    assignment: object = None
    # where the returned solution comes from: "highs" (the solver's optimum or incumbent) or "greedy"
    # (a greedy run, or an exact run stopped at its time limit whose incumbent was no better than the greedy's)
    solution_from: str = "highs"
    time_limit_s: float | None = None


TIME_LIMIT = "Time limit reached"


def _limited(sense, obj, bound, greedy_obj, greedy_bound):
    """An exact run stopped at its time limit: keep its incumbent or the greedy's solution, whichever is better.

    ``obj`` is the incumbent's objective (``nan``/``inf`` when HiGHS has none), ``bound`` the
    solver's proven bound (``nan`` when it has none), ``greedy_obj`` / ``greedy_bound`` the
    greedy's (``nan`` without a greedy run). Returns ``(use_greedy, bound)``: the bound is
    the tighter of the solver's and the greedy's (both are proven).
    """
    if not np.isfinite(greedy_obj):
        return False, bound
    # a tie goes to the greedy: HiGHS started from it and found nothing better
    use_greedy = not np.isfinite(obj) or (greedy_obj >= obj if sense == "max" else greedy_obj <= obj)
    if not np.isfinite(bound):
        bound = greedy_bound
    elif np.isfinite(greedy_bound):
        bound = min(bound, greedy_bound) if sense == "max" else max(bound, greedy_bound)
    return use_greedy, bound


def _greedy_start(run, time_limit_s):
    """The greedy's result for an exact run with a time limit (its start and fallback), else None."""
    if time_limit_s is None:
        return None
    try:
        return run()
    except (InvalidOptionError, DisconnectedNetworkError):  # e.g. the greedy single assignment misses a
        return None  # tight packing that HiGHS may still fit: HiGHS alone then


def _gap(obj: float, bound: float, sense: str) -> float:
    if sense == "max":
        return 0.0 if bound <= 0 else max(0.0, (bound - obj) / abs(bound))
    return 0.0 if obj <= 0 else max(0.0, (obj - bound) / abs(obj))


# ---------------------------------------------------------------------- HiGHS
def _highs():
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - highspy is in the optimize extra
        raise MissingDependencyError(
            "exact siting needs the HiGHS solver: pip install highspy (or pip install 'urbangeo[optimize]'), "
            "or pass solver='greedy'."
        ) from exc
    return highspy


def _have_highs() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


_FD_LOCK = threading.Lock()


@contextlib.contextmanager
def _stdout_fd_silenced():
    """Send file descriptor 1 to the null device for the duration (C-level prints included).

    ``contextlib.redirect_stdout`` only swaps ``sys.stdout``; HiGHS writes with C stdio,
    so the descriptor itself is redirected and restored. Does nothing where stdout has
    no usable descriptor (some GUI hosts).
    """
    with _FD_LOCK:
        with contextlib.suppress(AttributeError, OSError, ValueError):  # no (or a closed) sys.stdout
            sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # pragma: no cover - no descriptor 1
            yield
            return
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                try:
                    yield
                finally:
                    os.dup2(saved, 1)
        finally:
            os.close(saved)


def _forward_log(event) -> None:
    for line in str(event.message).splitlines():
        if line.strip():
            log.info("HiGHS: %s", line)


def _new_highs(highspy):
    """A HiGHS instance that prints nothing.

    highspy's ``Highs()`` prints the "Running HiGHS ..." banner while it is being built
    (before any option can be set), once per process, so it is built with stdout
    silenced at the descriptor level; the solver log is then switched off, or, when
    urbangeo's logging is on (``urbangeo.show_logs()``, INFO), forwarded to the
    ``urbangeo.accessibility._siting_solvers`` logger instead of the console.
    """
    with _stdout_fd_silenced():
        h = highspy.Highs()
    h.setOptionValue("log_to_console", False)
    if log.isEnabledFor(logging.INFO) and hasattr(h, "cbLogging"):
        h.cbLogging.subscribe(_forward_log)
    else:
        h.setOptionValue("output_flag", False)
    return h


def _solve_ilp(c, a_csc, row_lo, row_hi, col_lo, col_hi, integer, *, maximize, time_limit_s, relax=False,
               start=None):
    """Solve an ILP (or its LP relaxation) with HiGHS; returns (x, objective, bound, status).

    ``start``: a feasible solution (all columns) given to HiGHS as its first incumbent.
    ``bound`` is ``nan`` when the run stopped before proving any bound.
    """
    highspy = _highs()
    h = _new_highs(highspy)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    lp = highspy.HighsLp()
    n_col = len(c)
    lp.num_col_ = n_col
    lp.num_row_ = a_csc.shape[0]
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lo, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_hi, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_hi, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a_csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a_csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = a_csc.data.astype(np.float64)
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    if not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64).tolist()
        h.setSolution(sol)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    if len(x) != n_col:  # no feasible solution found
        return None, math.nan, math.nan, status
    obj = float(info.objective_function_value)
    bound = obj if relax else float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = obj if status == "Optimal" else math.nan
    return x, obj, bound, status


def _check_method(method: str) -> None:
    if method not in ("exact", "greedy"):
        raise InvalidOptionError(f"`solver` must be 'exact' or 'greedy'; got {method!r}.")


# ---------------------------------------------------------------------- LSCP
def solve_lscp(cover, fixed, *, method="exact", time_limit_s=None, lp_bound=True) -> SolverResult:
    """Location-set covering: fewest new sites so that every coverable demand is covered.

    Demand that no site can cover is excluded and listed in ``excluded_demand``;
    demand already covered by a fixed site needs nothing. The objective is the
    number of NEW sites. Greedy: most-uncovered-first, then redundant sites removed.
    Greedy bound: ``ceil`` of the LP relaxation (HiGHS, when installed and
    ``lp_bound``), else ``max(ceil(n / D), ceil(k / H(D)))`` where ``n`` is the demand
    to cover, ``D`` the largest number of it one site covers, ``k`` the greedy count
    and ``H`` the harmonic number (Chvatal's ln-n guarantee).
    """
    _check_method(method)
    t0 = time.perf_counter()
    cover = cover.tocsr().astype(bool)
    fixed = np.asarray(fixed, dtype=bool)
    n_dem, n_site = cover.shape
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0
    by_fixed = np.asarray(cover[:, np.flatnonzero(fixed)].sum(axis=1)).ravel() > 0 if fixed.any() else np.zeros(n_dem, bool)
    todo = np.flatnonzero(coverable & ~by_fixed)
    excluded = np.flatnonzero(~coverable)
    free = np.flatnonzero(~fixed)
    sub = cover[todo][:, free].tocsc().astype(np.float64)  # demand-to-cover x free sites
    if len(todo) == 0:
        chosen = np.flatnonzero(fixed)
        return SolverResult(chosen, 0.0, 0.0, 0.0, "Optimal", method, time.perf_counter() - t0, "min", excluded)
    n = len(free)
    ilp = (np.ones(n), sub, np.ones(len(todo)), np.full(len(todo), np.inf), np.zeros(n), np.ones(n), [True] * n)
    bound_method, solution_from = "solver", "highs"
    if method == "exact":
        greedy = _greedy_start(lambda: solve_lscp(cover, fixed, method="greedy", lp_bound=False), time_limit_s)
        g_new: Any = None if greedy is None else free[np.isin(free, greedy.chosen)]
        start = None if greedy is None else np.isin(free, g_new).astype(np.float64)
        x, obj, bound, status = _solve_ilp(*ilp, maximize=False, time_limit_s=time_limit_s, start=start)
        if x is None and (greedy is None or status != TIME_LIMIT):
            raise RuntimeError(f"HiGHS found no solution for the LSCP ({status}).")
        new = free[x > 0.5] if x is not None else None
        obj = float(len(new)) if new is not None else math.inf
        if status == TIME_LIMIT:
            use_greedy, bound = _limited("min", obj, bound, *((greedy.objective, greedy.bound) if greedy else (
                math.nan, math.nan)))
            if use_greedy:
                new, obj, solution_from = g_new, float(len(g_new)), "greedy"
        bound = float(math.ceil(bound - 1e-9)) if np.isfinite(bound) else 0.0
        bound = min(bound, obj)
    else:
        sub_c = sub.tocsc()
        uncovered = np.ones(len(todo), dtype=bool)
        picks = []
        first_max = None
        while uncovered.any():
            gain = sub_c.T @ uncovered.astype(np.float64)
            j = int(np.argmax(gain))
            if first_max is None:
                first_max = float(gain[j])
            picks.append(j)
            rows = sub_c.indices[sub_c.indptr[j]:sub_c.indptr[j + 1]]
            uncovered[rows] = False
        # drop redundant sites (latest first): everything they cover is covered twice
        cnt = np.asarray(sub_c[:, picks].sum(axis=1)).ravel()
        kept = []
        for j in reversed(picks):
            rows = sub_c.indices[sub_c.indptr[j]:sub_c.indptr[j + 1]]
            if (cnt[rows] >= 2).all():
                cnt[rows] -= 1
            else:
                kept.append(j)
        new = free[np.sort(np.array(kept, dtype=np.int64))]
        obj = float(len(new))
        d = max(first_max or 1.0, 1.0)
        harmonic = sum(1.0 / k for k in range(1, int(d) + 1))
        bound = float(max(math.ceil(len(todo) / d - 1e-9), math.ceil(len(picks) / harmonic - 1e-9)))
        bound_method = "combinatorial"
        if lp_bound and _have_highs():
            xl, lp_obj, _, lp_status = _solve_ilp(*ilp, maximize=False, time_limit_s=time_limit_s, relax=True)
            if xl is not None and lp_status == "Optimal":
                bound = max(bound, float(math.ceil(lp_obj - 1e-7)))
                bound_method = "lp"
        bound = min(bound, obj)
        status, solution_from = "Heuristic", "greedy"
    chosen = np.sort(np.concatenate([np.flatnonzero(fixed), new]))
    return SolverResult(chosen, obj, bound, _gap(obj, bound, "min"), status, method, time.perf_counter() - t0, "min",
                        excluded, bound_method, solution_from=solution_from, time_limit_s=time_limit_s)


# ---------------------------------------------------------------------- MCLP
def _mclp_model(sub, w_rest, p):
    """ILP arrays of the MCLP on free sites: x_j binary, z_i in [0, 1] continuous."""
    from scipy.sparse import csr_matrix, eye, hstack, vstack

    n_x, n_z = sub.shape[1], sub.shape[0]
    # rows: z_i - sum_j a_ij x_j <= 0  (n_z rows);  sum_j x_j == p  (1 row)
    top = hstack([-sub, eye(n_z, format="csr")])
    card = hstack([csr_matrix(np.ones((1, n_x))), csr_matrix((1, n_z))])
    a = vstack([top, card]).tocsc()
    c = np.concatenate([np.zeros(n_x), w_rest])
    row_lo = np.concatenate([np.full(n_z, -np.inf), [p]])
    row_hi = np.concatenate([np.zeros(n_z), [p]])
    return c, a, row_lo, row_hi, np.zeros(n_x + n_z), np.ones(n_x + n_z), [True] * n_x + [False] * n_z


def _mclp_interchange(sub_c, w, open_idx, *, max_passes=200):
    """Vertex substitution: swap an open site for a closed one while coverage improves."""
    open_idx = [int(j) for j in open_idx]
    cnt = np.asarray(sub_c[:, open_idx].sum(axis=1)).ravel()
    site_rows = sub_c.T.tocsr()
    tol = 1e-9 * max(float(w.sum()), 1.0)
    for _ in range(max_passes):
        is_open = np.zeros(sub_c.shape[1], dtype=bool)
        is_open[open_idx] = True
        best_delta, best_pos, best_k = tol, None, None
        for pos, j in enumerate(open_idx):
            rows = sub_c.indices[sub_c.indptr[j]:sub_c.indptr[j + 1]]
            cnt_j = cnt.copy()
            cnt_j[rows] -= 1
            loss = float(w[rows][cnt_j[rows] == 0].sum())
            gains = site_rows @ np.where(cnt_j == 0, w, 0.0)
            gains[is_open] = -np.inf
            k = int(np.argmax(gains))
            delta = float(gains[k]) - loss
            if delta > best_delta:
                best_delta, best_pos, best_k = delta, pos, k
        if best_pos is None:
            break
        j = open_idx[best_pos]
        cnt[sub_c.indices[sub_c.indptr[j]:sub_c.indptr[j + 1]]] -= 1
        cnt[sub_c.indices[sub_c.indptr[best_k]:sub_c.indptr[best_k + 1]]] += 1
        open_idx[best_pos] = best_k
    return np.array(open_idx, dtype=np.int64)


def solve_mclp(cover, weights, p, fixed, *, method="exact", time_limit_s=None, lp_bound=True) -> SolverResult:
    """Maximal covering: open exactly ``p`` new sites (fixed sites stay) to cover most weight.

    The objective is the total covered weight, including what the fixed sites cover.
    Greedy: largest marginal gain first, then vertex substitution (swap an open for a
    closed site while coverage improves). Greedy bound: the LP relaxation (HiGHS,
    when installed and ``lp_bound``) or, if smaller, the combinatorial bounds
    ``f(F) + g(S)/(1-(1-1/p)^p)`` (Nemhauser-Wolsey-Fisher) and, over every greedy
    step ``t``, ``f(S_t) + (sum of the p largest marginal gains at S_t)`` (valid by
    submodularity).
    """
    _check_method(method)
    t0 = time.perf_counter()
    cover = cover.tocsr().astype(bool)
    fixed = np.asarray(fixed, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    n_dem, n_site = cover.shape
    free = np.flatnonzero(~fixed)
    p = int(min(p, len(free)))
    by_fixed = np.asarray(cover[:, np.flatnonzero(fixed)].sum(axis=1)).ravel() > 0 if fixed.any() else np.zeros(n_dem, bool)
    base = float(w[by_fixed].sum())
    sub = cover[~by_fixed][:, free].astype(np.float64).tocsr()
    # keep only demand some free site can cover, with positive weight
    w_rest = w[~by_fixed]
    keep = (np.asarray(sub.sum(axis=1)).ravel() > 0) & (w_rest > 0)
    sub = sub[keep]
    w_rest = w_rest[keep]
    if p == 0 or sub.shape[0] == 0:
        # nothing to gain: open the first p free sites (exactly p, as asked)
        new = free[:p]
        chosen = np.sort(np.concatenate([np.flatnonzero(fixed), new]))
        return SolverResult(chosen, base, base, 0.0, "Optimal", method, time.perf_counter() - t0, "max")
    # merge demand rows with identical coverage sets (same constraint): sum weights
    sub, w_rest = _merge_identical_rows(sub, w_rest)
    bound_method, solution_from = "solver", "highs"
    if method == "exact":
        n_x = len(free)
        greedy = _greedy_start(lambda: solve_mclp(cover, w, p, fixed, method="greedy", lp_bound=False), time_limit_s)
        start = None
        if greedy is not None:
            g_pick = np.flatnonzero(np.isin(free, greedy.chosen))
            start = np.concatenate([np.isin(np.arange(n_x), g_pick), np.asarray(sub[:, g_pick].sum(axis=1)).ravel() > 0])
        x, obj, bound, status = _solve_ilp(*_mclp_model(sub, w_rest, p), maximize=True, time_limit_s=time_limit_s,
                                           start=start)
        pick = np.flatnonzero(x[:n_x] > 0.5) if x is not None else np.zeros(0, dtype=np.int64)
        if len(pick) != p and (greedy is None or status != TIME_LIMIT):  # stopped before a feasible solution
            raise RuntimeError(
                f"HiGHS stopped without a feasible MCLP solution ({status}); raise `time_limit_s` or use solver='greedy'."
            )
        # recompute the objective from the chosen sites (robust to LP tolerances)
        covered = np.asarray(sub[:, pick].sum(axis=1)).ravel() > 0
        obj = base + float(w_rest[covered].sum()) if len(pick) == p else math.nan
        bound = base + bound
        if status == TIME_LIMIT:
            use_greedy, bound = _limited("max", obj, bound, *((greedy.objective, greedy.bound) if greedy else (
                math.nan, math.nan)))
            if use_greedy:
                pick, obj, solution_from = g_pick, greedy.objective, "greedy"
        new = free[pick]
        bound = max(bound, obj)
    else:
        sub_c = sub.tocsc()
        uncovered_w = w_rest.copy()
        open_mask = np.zeros(len(free), dtype=bool)
        gained = 0.0
        best_bound = math.inf
        picks = []
        for _ in range(p):
            gain = sub_c.T @ uncovered_w
            gain[open_mask] = -1.0
            top = np.sort(gain[~open_mask])[::-1][:p]
            best_bound = min(best_bound, base + gained + float(np.clip(top, 0, None).sum()))
            j = int(np.argmax(gain))
            picks.append(j)
            open_mask[j] = True
            rows = sub_c.indices[sub_c.indptr[j]:sub_c.indptr[j + 1]]
            gained += float(uncovered_w[rows].sum())
            uncovered_w[rows] = 0.0
        gain = sub_c.T @ uncovered_w
        gain[open_mask] = 0.0
        best_bound = min(best_bound, base + gained + float(np.sort(np.clip(gain, 0, None))[::-1][:p].sum()))
        factor = 1.0 - (1.0 - 1.0 / p) ** p
        best_bound = min(best_bound, base + gained / factor)
        bound_method = "combinatorial"
        picks = _mclp_interchange(sub_c, w_rest, picks)
        covered = np.asarray(sub_c[:, picks].sum(axis=1)).ravel() > 0
        obj = base + float(w_rest[covered].sum())
        if lp_bound and _have_highs():
            xl, lp_obj, _, lp_status = _solve_ilp(*_mclp_model(sub, w_rest, p), maximize=True,
                                                  time_limit_s=time_limit_s, relax=True)
            if xl is not None and lp_status == "Optimal" and base + lp_obj < best_bound:
                best_bound = base + lp_obj
                bound_method = "lp"
        new = free[np.sort(picks)]
        bound = max(best_bound, obj)
        status, solution_from = "Heuristic", "greedy"
    chosen = np.sort(np.concatenate([np.flatnonzero(fixed), new]))
    return SolverResult(chosen, obj, bound, _gap(obj, bound, "max"), status, method, time.perf_counter() - t0, "max",
                        bound_method=bound_method, solution_from=solution_from, time_limit_s=time_limit_s)


def _merge_identical_rows(sub, w):
    """Merge rows of a sparse 0/1 matrix that are identical, summing their weights."""
    sub = sub.tocsr()
    sub.sort_indices()
    keys = {}
    order = np.empty(sub.shape[0], dtype=np.int64)
    for i in range(sub.shape[0]):
        key = sub.indices[sub.indptr[i]:sub.indptr[i + 1]].tobytes()
        order[i] = keys.setdefault(key, len(keys))
    if len(keys) == sub.shape[0]:
        return sub, w
    first = np.full(len(keys), -1, dtype=np.int64)
    for i in range(sub.shape[0] - 1, -1, -1):
        first[order[i]] = i
    merged_w = np.bincount(order, weights=w, minlength=len(keys))
    return sub[first], merged_w


# ---------------------------------------------------------------------- p-median
def solve_p_median(cost, weights, p, fixed, *, method="exact", time_limit_s=None) -> SolverResult:
    """p-median: open exactly ``p`` new sites (fixed stay) minimising total weighted cost.

    Greedy: cheapest addition first, then vertex substitution (Teitz-Bart swaps).

    Each demand is served by its nearest open site. Demand that no site reaches
    (all costs infinite) is excluded and listed in ``excluded_demand``. Greedy bound:
    ``sum_i w_i min_j c_ij`` over all sites (every site open), a valid but loose
    lower bound. The exact model has one assignment variable per finite
    (demand, site) pair, so it suits problems up to a few hundred thousand pairs.
    """
    _check_method(method)
    t0 = time.perf_counter()
    cost = np.asarray(cost, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    finite = np.isfinite(cost)
    reach = finite.any(axis=1)
    excluded = np.flatnonzero(~reach)
    cost = cost[reach]
    w = w[reach]
    finite = finite[reach]
    n_dem, n_site = cost.shape
    free = np.flatnonzero(~fixed)
    p = int(min(p, len(free)))
    lower_all = float((w * np.where(finite, cost, np.inf).min(axis=1)).sum()) if n_dem else 0.0
    if n_dem == 0:
        new = free[:p]
        chosen = np.sort(np.concatenate([np.flatnonzero(fixed), new]))
        return SolverResult(chosen, 0.0, 0.0, 0.0, "Optimal", method, time.perf_counter() - t0, "min", excluded)
    bound_method, solution_from = "solver", "highs"
    if method == "exact":
        from scipy.sparse import coo_matrix

        ii, jj = np.nonzero(finite)
        n_y = len(ii)
        # columns: x_0..x_{m-1}, then y_k for each finite pair k=(ii[k], jj[k])
        n_col = n_site + n_y
        c = np.concatenate([np.zeros(n_site), w[ii] * cost[ii, jj]])
        k = np.arange(n_y)
        # rows 0..n_dem-1: sum_j y_ij == 1
        r1, c1, v1 = ii, n_site + k, np.ones(n_y)
        # rows n_dem..n_dem+n_y-1: y_ij - x_j <= 0
        r2 = np.concatenate([n_dem + k, n_dem + k])
        c2 = np.concatenate([n_site + k, jj])
        v2 = np.concatenate([np.ones(n_y), -np.ones(n_y)])
        # last row: sum over free x == p
        r3 = np.full(len(free), n_dem + n_y)
        rows = np.concatenate([r1, r2, r3])
        cols = np.concatenate([c1, c2, free])
        vals = np.concatenate([v1, v2, np.ones(len(free))])
        a = coo_matrix((vals, (rows, cols)), shape=(n_dem + n_y + 1, n_col)).tocsc()
        row_lo = np.concatenate([np.ones(n_dem), np.full(n_y, -np.inf), [p]])
        row_hi = np.concatenate([np.ones(n_dem), np.zeros(n_y), [p]])
        col_lo = np.zeros(n_col)
        col_lo[:n_site][fixed] = 1.0
        col_hi = np.ones(n_col)
        greedy = _greedy_start(lambda: solve_p_median(cost, w, p, fixed, method="greedy"), time_limit_s)
        start = None
        if greedy is not None:
            g_open = np.isin(np.arange(n_site), greedy.chosen)
            nearest = np.flatnonzero(g_open)[np.argmin(np.where(finite, cost, np.inf)[:, g_open], axis=1)]
            start = np.concatenate([g_open, nearest[ii] == jj])
        x, obj, bound, status = _solve_ilp(
            c, a, row_lo, row_hi, col_lo, col_hi, [True] * n_site + [False] * n_y,
            maximize=False, time_limit_s=time_limit_s, start=start,
        )
        if status != TIME_LIMIT and (x is None or status != "Optimal"):
            raise _pmedian_infeasible(p, status)
        open_ = x[:n_site] > 0.5 if x is not None else np.zeros(n_site, dtype=bool)
        obj = _pmedian_cost(cost, w, open_)
        if status == TIME_LIMIT:
            use_greedy, bound = _limited("min", obj, bound, *((greedy.objective, greedy.bound) if greedy else (
                math.nan, math.nan)))
            if use_greedy:
                open_, obj, solution_from = g_open, greedy.objective, "greedy"
            if not np.isfinite(obj):
                raise _pmedian_infeasible(p, status)
        bound = min(max(bound, lower_all), obj) if np.isfinite(bound) else lower_all
    else:
        open_ = fixed.copy()
        big = np.nanmax(np.where(finite, cost, np.nan)) * (n_dem + 1.0) + 1.0
        c_big = np.where(finite, cost, big)
        current = c_big[:, open_].min(axis=1) if open_.any() else np.full(n_dem, big * 10)
        for _ in range(p):
            totals = (w[:, None] * np.minimum(current[:, None], c_big)).sum(axis=0)
            totals[open_] = np.inf
            j = int(np.argmin(totals))
            open_[j] = True
            current = np.minimum(current, c_big[:, j])
        open_ = _pmedian_interchange(c_big, w, open_, fixed)
        obj = _pmedian_cost(cost, w, open_)
        if not np.isfinite(obj):
            raise _pmedian_infeasible(p, "greedy left demand unserved")
        bound = min(lower_all, obj)
        status, solution_from, bound_method = "Heuristic", "greedy", "combinatorial"
    chosen = np.flatnonzero(open_)
    return SolverResult(chosen, obj, bound, _gap(obj, bound, "min"), status, method, time.perf_counter() - t0, "min",
                        excluded, bound_method, solution_from=solution_from, time_limit_s=time_limit_s)


def _pmedian_interchange(c, w, open_, fixed, *, max_passes=100, max_cells=20_000_000):
    """Vertex substitution for the p-median: swap an open free site for a closed one while the cost drops."""
    n, m = c.shape
    if n * m > max_cells:  # each pass is O(p * n * m); skip on very large problems
        return open_
    open_ = open_.copy()
    total = float((w * c[:, open_].min(axis=1)).sum())
    for _ in range(max_passes):
        idx = np.flatnonzero(open_)
        sub = c[:, idx]
        order = np.argsort(sub, axis=1)
        best1 = sub[np.arange(n), order[:, 0]]
        best2 = sub[np.arange(n), order[:, 1]] if len(idx) > 1 else np.full(n, np.inf)
        arg1 = idx[order[:, 0]]
        best = (total * (1 - 1e-12), None, None)
        for j in idx[~fixed[idx]]:
            after = np.where(arg1 == j, best2, best1)  # cost without j
            totals = (w[:, None] * np.minimum(after[:, None], c)).sum(axis=0)
            totals[open_] = np.inf
            k = int(np.argmin(totals))
            if totals[k] < best[0]:
                best = (float(totals[k]), int(j), k)
        if best[1] is None:
            break
        open_[best[1]] = False
        open_[best[2]] = True
        total = best[0]
    return open_


def _pmedian_infeasible(p, status, *, model="p-median"):
    from ..errors import DisconnectedNetworkError

    return DisconnectedNetworkError(
        f"{model} with p={p} new sites cannot serve every demand: some demand is reached only by sites "
        f"that cannot all be opened ({status}). Increase `p`, add candidates in the disconnected parts, "
        f"or drop the unreachable demand first."
    )


def _pmedian_cost(cost, w, open_) -> float:
    if not open_.any():
        return float("inf")
    best = cost[:, open_].min(axis=1)
    return float((w * best).sum())  # inf if some demand is reached by no open site


# ---------------------------------------------------------------------- p-center
def _cover_count(cover, fixed, *, relax, time_limit_s):
    """Fewest new sites covering every row of the boolean ``cover`` (fixed sites are open).

    Returns ``(count, x_free or None, proven)``: ``count`` is ``inf`` when some row is
    covered by no site (or, for the ILP, the smallest count HiGHS proved when it
    stopped early; ``proven`` False then).
    """
    free = np.flatnonzero(~fixed)
    by_fixed = cover[:, fixed].any(axis=1) if fixed.any() else np.zeros(cover.shape[0], dtype=bool)
    todo = cover[~by_fixed][:, free]
    if todo.shape[0] == 0:
        return 0.0, np.zeros(len(free), dtype=bool), True
    if not todo.any(axis=1).all():
        return math.inf, None, True
    from scipy.sparse import csc_matrix

    n = len(free)
    a = csc_matrix(todo.astype(np.float64))
    rows = todo.shape[0]
    x, obj, bound, status = _solve_ilp(np.ones(n), a, np.ones(rows), np.full(rows, np.inf), np.zeros(n), np.ones(n),
                                       [True] * n, maximize=False, time_limit_s=time_limit_s, relax=relax)
    if relax:
        return (obj if x is not None else math.inf), None, x is not None
    if x is None or status != "Optimal":
        return float(math.ceil(bound - 1e-9)) if np.isfinite(bound) else 0.0, None, False
    return float(round(obj)), x > 0.5, True


def _worst(cost, open_) -> float:
    return float(cost[:, open_].min(axis=1).max()) if open_.any() else math.inf


def _pcenter_greedy(c, w, p, fixed, *, max_passes=50):
    """Greedy addition (smallest worst cost, ties by total weighted cost), then swaps while the worst drops."""
    open_ = fixed.copy()
    current = c[:, open_].min(axis=1) if open_.any() else np.full(len(c), np.inf)
    for _ in range(p):
        cand = np.minimum(current[:, None], c)
        key = cand.max(axis=0) + 1e-12 * (w[:, None] * np.where(np.isfinite(cand), cand, 0.0)).sum(axis=0)
        key[open_] = np.inf
        j = int(np.argmin(key))
        open_[j] = True
        current = np.minimum(current, c[:, j])
    for _ in range(max_passes):
        worst = _worst(c, open_)
        best = (worst, None, None)
        idx = np.flatnonzero(open_)
        for j in idx[~fixed[idx]]:
            trial = open_.copy()
            trial[j] = False
            after = c[:, trial].min(axis=1) if trial.any() else np.full(len(c), np.inf)
            vals = np.minimum(after[:, None], c).max(axis=0)
            vals[open_] = np.inf
            k = int(np.argmin(vals))
            if vals[k] < best[0] - 1e-12 * max(abs(best[0]), 1.0):
                best = (float(vals[k]), int(j), k)
        if best[1] is None:
            break
        open_[best[1]] = False
        open_[best[2]] = True
    return open_


def _pcenter_pad(c, w, open_, fixed, p):
    """Open more free sites until exactly ``p`` are new (cheapest total weighted cost first)."""
    current = c[:, open_].min(axis=1)
    while int((open_ & ~fixed).sum()) < p:
        totals = (w[:, None] * np.minimum(current[:, None], c)).sum(axis=0)
        totals[open_] = np.inf
        j = int(np.argmin(totals))
        open_[j] = True
        current = np.minimum(current, c[:, j])
    return open_


def _pcenter_lp_bound(c, fixed, p, values, lo, hi, time_limit_s):
    """Smallest cost value whose set-cover LP relaxation needs at most ``p`` new sites (a lower bound)."""
    while lo < hi:
        mid = (lo + hi) // 2
        count, _, _ = _cover_count(c <= values[mid], fixed, relax=True, time_limit_s=time_limit_s)
        if count <= p + 1e-7:
            hi = mid
        else:
            lo = mid + 1
    return lo


def solve_p_center(cost, weights, p, fixed, *, method="exact", time_limit_s=None, lp_bound=True) -> SolverResult:
    """p-center: open exactly ``p`` new sites (fixed stay) minimising the worst cost of any demand.

    Only demand with positive weight counts (nobody lives in a zero-weight row); demand
    that no site reaches is excluded and listed in ``excluded_demand``. The optimum is
    one of the cost values, so the exact method is a binary search over the sorted
    distinct costs ``r``: ``r`` is feasible when a set cover of the demand by the sites
    within ``r`` needs at most ``p`` new sites (an LSCP solved exactly with HiGHS, the
    fixed sites open). The search starts between the lower bound
    ``max_i min_j c_ij`` (every site open) and the greedy's worst cost; the result
    is the smallest feasible ``r``, with the cover padded to exactly ``p`` new sites.
    Greedy: smallest-worst-cost addition, then swaps while the worst cost drops.
    Greedy bound: ``max_i min_j c_ij`` ("combinatorial") or, with HiGHS and
    ``lp_bound``, the smallest ``r`` whose set-cover LP relaxation needs at most ``p``
    new sites ("lp"; every smaller ``r`` is proven infeasible, the LP being monotone in ``r``).
    """
    _check_method(method)
    t0 = time.perf_counter()
    cost = np.asarray(cost, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    reach = np.isfinite(cost).any(axis=1)
    excluded = np.flatnonzero(~reach)
    c = cost[reach & (w > 0)]
    wc = w[reach & (w > 0)]
    free = np.flatnonzero(~fixed)
    p = int(min(p, len(free)))
    if len(c) == 0:
        chosen = np.sort(np.concatenate([np.flatnonzero(fixed), free[:p]]))
        return SolverResult(chosen, 0.0, 0.0, 0.0, "Optimal", method, time.perf_counter() - t0, "min", excluded)
    open_ = _pcenter_greedy(c, wc, p, fixed)
    obj = _worst(c, open_)
    if not np.isfinite(obj):
        raise _pmedian_infeasible(p, "no choice of sites reaches every demand", model="p-center")
    values = np.unique(c[np.isfinite(c)])
    lo = int(np.searchsorted(values, c.min(axis=1).max()))
    hi = int(np.searchsorted(values, obj))
    status, bound_method = "Heuristic", "combinatorial"
    g_open = open_
    if method == "exact":
        lo, open_, status = _pcenter_search(c, wc, fixed, p, values, lo, hi, open_, t0, time_limit_s)
        bound_method = "solver"
    elif lp_bound and _have_highs() and lo < hi:
        lo = _pcenter_lp_bound(c, fixed, p, values, lo, hi, time_limit_s)
        bound_method = "lp"
    obj = _worst(c, open_)
    bound = min(float(values[lo]), obj)
    chosen = np.flatnonzero(open_)
    # the search starts from the greedy's sites and only replaces them by a cover with a smaller worst cost
    return SolverResult(chosen, obj, bound, _gap(obj, bound, "min"), status, method, time.perf_counter() - t0, "min",
                        excluded, bound_method, solution_from="greedy" if open_ is g_open else "highs",
                        time_limit_s=time_limit_s)


def _pcenter_search(c, w, fixed, p, values, lo, hi, open_, t0, time_limit_s):
    """Binary search for the smallest feasible cost value (exact p-center); returns ``(lo, open, status)``."""
    free = np.flatnonzero(~fixed)
    status = "Optimal"
    while lo < hi:
        mid = (lo + hi) // 2
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            return lo, open_, "Time limit reached"
        count, x, proven = _cover_count(c <= values[mid], fixed, relax=False, time_limit_s=left)
        if count <= p and x is not None:
            hi = mid
            trial = fixed.copy()
            trial[free[x]] = True
            open_ = _pcenter_pad(c, w, trial, fixed, p)
        elif proven or count > p:
            lo = mid + 1
        else:  # stopped early without an answer for this radius
            return lo, open_, "Time limit reached"
    return lo, open_, status


# ---------------------------------------------------------------------- capacitated models
# the greedy's LP-relaxation bound of a capacitated model is skipped above this many (demand, site) pairs:
# its simplex takes longer than the greedy itself (100 s for 2,000 x 100 pairs); the combinatorial bound remains
_CAP_LP_PAIRS = 50_000


class CapacityError(InvalidOptionError):
    """The capacities cannot serve the demand (raised with the public argument named)."""


def _capacity_check(cap, w_total, p, fixed, *, what):
    free_cap = np.sort(cap[~fixed])[::-1][:p]
    most = float(cap[fixed].sum() + free_cap.sum())
    if most < w_total * (1 - 1e-12):
        raise CapacityError(
            f"{what}: the capacities (`capacity_col`) cannot serve the demand: the existing sites and the {p} "
            f"largest candidates hold {most:,.6g} but the demand weighs {w_total:,.6g}. Raise the capacities, "
            f"raise `p`, or add candidates."
        )


def _cap_model(pair_i, pair_j, pair_c, w, cap, p, fixed, *, split, maximize, n_dem):
    """ILP arrays of the capacitated p-median (``maximize`` False) or MCLP (True) on the given pairs.

    Columns: ``x_j`` (site open, binary), then ``y_k`` per pair k = (i, j): share of demand
    i served by site j (binary unless ``split``). Rows: assignment (p-median ``= 1``,
    MCLP ``<= 1``), ``y_k <= x_j``, capacity ``sum_i w_i y_ij <= C_j x_j``, ``sum x_free = p``.
    """
    from scipy.sparse import coo_matrix

    m, n_y = len(cap), len(pair_i)
    k = np.arange(n_y)
    free = np.flatnonzero(~fixed)
    r_assign, r_open, r_cap, r_p = 0, n_dem, n_dem + n_y, n_dem + n_y + m
    rows = np.concatenate([r_assign + pair_i, r_open + k, r_open + k, r_cap + pair_j, r_cap + np.arange(m),
                           np.full(len(free), r_p)])
    cols = np.concatenate([m + k, m + k, pair_j, m + k, np.arange(m), free])
    vals = np.concatenate([np.ones(n_y), np.ones(n_y), -np.ones(n_y), w[pair_i], -cap, np.ones(len(free))])
    a = coo_matrix((vals, (rows, cols)), shape=(r_p + 1, m + n_y)).tocsc()
    row_lo = np.concatenate([np.full(n_dem, -np.inf if maximize else 1.0), np.full(n_y + m, -np.inf), [p]])
    row_hi = np.concatenate([np.ones(n_dem), np.zeros(n_y + m), [p]])
    col_lo = np.zeros(m + n_y)
    col_lo[:m][fixed] = 1.0
    c = np.concatenate([np.zeros(m), w[pair_i] * (1.0 if maximize else pair_c)])
    return c, a, row_lo, row_hi, col_lo, np.ones(m + n_y), [True] * m + [not split] * n_y


def _cap_result(x, pair_i, pair_j, m, n_dem):
    from scipy.sparse import csr_matrix

    y = np.clip(x[m:], 0.0, 1.0)
    keep = y > 1e-9
    return x[:m] > 0.5, csr_matrix((y[keep], (pair_i[keep], pair_j[keep])), shape=(n_dem, m))


def _cap_assign(c, w, cap, open_, *, split, within=None):
    """Greedy assignment under capacities: demand by decreasing regret, each to its cheapest open site with room.

    ``c``: cost (inf = unreachable); ``within``: optional boolean of allowed pairs. Returns
    a sparse share matrix (n_dem x n_site). Single assignment takes a demand only where
    all of it fits; split fills sites in cost order.
    """
    from scipy.sparse import csr_matrix

    idx = np.flatnonzero(open_)
    sub = c[:, idx] if within is None else np.where(within[:, idx], c[:, idx], np.inf)
    order_s = np.argsort(sub, axis=1, kind="stable")
    srt = np.take_along_axis(sub, order_s, axis=1)
    second = srt[:, 1] if srt.shape[1] > 1 else np.full(len(c), np.inf)
    with np.errstate(invalid="ignore"):  # inf - inf where a row reaches no open site
        regret = np.where(np.isfinite(second), second - srt[:, 0], np.inf)
    left = cap[idx].astype(np.float64).copy()
    rows, cols, vals = [], [], []  # (demand, site, share) of each assignment
    for i in np.lexsort((-w, -regret)):
        if not np.isfinite(srt[i, 0]):
            continue
        if w[i] <= 0:  # nobody to serve: the nearest open site, no capacity used
            rows.append(int(i))
            cols.append(int(idx[order_s[i, 0]]))
            vals.append(1.0)
            continue
        need, tol = float(w[i]), 1e-12 * float(w[i])
        for pos in order_s[i]:
            if not np.isfinite(sub[i, pos]):
                break
            take = min(need, left[pos]) if split else (need if left[pos] >= need - tol else 0.0)
            if take > 0:
                rows.append(int(i))
                cols.append(int(idx[pos]))
                vals.append(take / w[i])
                left[pos] -= take
                need -= take
            if need <= tol:
                break
    return csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)), shape=c.shape)


def _cap_cost(c, w, share) -> float:
    """Total weighted cost of a share matrix (inf when some weighted demand is not fully served)."""
    coo = share.tocoo()
    served = np.bincount(coo.row, weights=coo.data, minlength=len(w))
    if (w > 0).any() and (served[w > 0] < 1 - 1e-9).any():
        return math.inf
    return float((w[coo.row] * coo.data * c[coo.row, coo.col]).sum())


def _full_rows(share, rows, n_full):
    """Lift a share matrix on a subset of demand rows to all ``n_full`` rows."""
    from scipy.sparse import csr_matrix

    coo = share.tocoo()
    return csr_matrix((coo.data, (rows[coo.row], coo.col)), shape=(n_full, share.shape[1]))


def _cpm_greedy(c, w, cap, p, fixed):
    """Greedy capacitated p-median sites: cheapest uncapacitated addition first, among the sites
    that keep enough capacity reachable (opened + this one + the largest still closed >= demand)."""
    finite = np.isfinite(c)
    big = (np.nanmax(np.where(finite, c, np.nan)) + 1.0) * 1e3
    c_big = np.where(finite, c, big)
    open_ = fixed.copy()
    current = c_big[:, open_].min(axis=1) if open_.any() else np.full(len(c), big * 10)
    total = float(w.sum())
    for step in range(p):
        totals = (w[:, None] * np.minimum(current[:, None], c_big)).sum(axis=0)
        totals[open_] = np.inf
        closed = np.sort(cap[~open_])[::-1]
        later = p - step - 1  # sites still to open after this one
        top = closed[:later].sum()
        nxt = closed[later] if later < len(closed) else 0.0
        thresh = closed[later - 1] if later > 0 else np.inf
        # capacity within reach if j opens now: the open sites, j, and the `later` largest other closed sites
        reach = cap[open_].sum() + cap + np.where(cap >= thresh, top - cap + nxt, top)
        ok = reach >= total * (1 - 1e-12)
        j = int(np.argmin(np.where(ok, totals, np.inf))) if (ok & ~open_).any() else int(np.argmin(totals))
        open_[j] = True
        current = np.minimum(current, c_big[:, j])
    return open_


def _transport(c, w, cap, open_):
    """Optimal split assignment to the open sites (a transportation LP, scipy's HiGHS); None if infeasible."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, csr_matrix

    ii, jj = np.nonzero(np.isfinite(c) & open_[None, :])
    k = np.arange(len(ii))
    a_eq = coo_matrix((np.ones(len(ii)), (ii, k)), shape=(len(w), len(ii))).tocsr()
    a_ub = coo_matrix((w[ii], (jj, k)), shape=(c.shape[1], len(ii))).tocsr()
    res = linprog(w[ii] * c[ii, jj], A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=np.ones(len(w)), bounds=(0, 1),
                  method="highs")
    if res.status != 0:
        return None
    y = res.x
    keep = y > 1e-9
    return csr_matrix((y[keep], (ii[keep], jj[keep])), shape=c.shape)


def solve_capacitated_p_median(cost, weights, capacity, p, fixed, *, split=False, method="exact",
                               time_limit_s=None, lp_bound=True) -> SolverResult:
    """Capacitated p-median: ``p`` new sites (fixed stay); every demand served within the site capacities.

    Minimise ``sum_ij w_i c_ij y_ij`` subject to ``sum_j y_ij = 1`` (every reachable demand
    served), ``y_ij <= x_j``, ``sum_i w_i y_ij <= C_j x_j`` and ``sum_{j free} x_j = p``;
    ``y`` binary (single assignment, spopt's formulation) or in ``[0, 1]`` with ``split``
    (a demand row may be shared among sites). Demand no site reaches is excluded
    (``excluded_demand``). The capacities must hold the demand: the existing sites and
    the ``p`` largest candidates together, else :class:`CapacityError`.
    When the exact run stops at ``time_limit_s`` before HiGHS has a feasible solution, the
    greedy's solution is returned (status "Time limit reached").
    Greedy: cheapest uncapacitated addition among the sites that keep enough capacity
    within reach (:func:`_cpm_greedy`), then the optimal
    transportation assignment (split) or a greedy regret assignment (single).
    Greedy bound: ``sum_i w_i min_j c_ij`` (capacities and ``p`` relaxed) or, when
    larger, the LP relaxation (HiGHS, ``lp_bound``, up to ``_CAP_LP_PAIRS`` pairs).
    """
    _check_method(method)
    t0 = time.perf_counter()
    cost = np.asarray(cost, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    n_full = len(cost)
    reach = np.isfinite(cost).any(axis=1)
    rows = np.flatnonzero(reach)
    c, wr = cost[reach], w[reach]
    free = np.flatnonzero(~fixed)
    p = int(min(p, len(free)))
    _capacity_check(cap, float(wr.sum()), p, fixed, what="capacitated p-median")
    lower_all = float((wr * c.min(axis=1)).sum()) if len(c) else 0.0
    ii, jj = np.nonzero(np.isfinite(c))
    model = _cap_model(ii, jj, c[ii, jj], wr, cap, p, fixed, split=split, maximize=False, n_dem=len(c))
    bound_method = "solver"
    solution_from = "highs"
    if method == "exact":
        greedy: Any = _greedy_start(lambda: _cpm_greedy_solution(c, wr, cap, p, fixed, split=split), time_limit_s)
        x, _, bound, status = _solve_ilp(*model, maximize=False, time_limit_s=time_limit_s,
                                         start=None if greedy is None else _cap_start(greedy[0], greedy[1], ii, jj))
        if status != TIME_LIMIT and (x is None or status != "Optimal"):
            raise _capacity_infeasible("capacitated p-median", status, split)
        open_, share = _cap_result(x, ii, jj, len(cap), len(c)) if x is not None else (None, None)
        obj = _cap_cost(c, wr, share) if share is not None else math.inf
        if status == TIME_LIMIT:
            g_obj = _cap_cost(c, wr, greedy[1]) if greedy is not None else math.nan
            use_greedy, bound = _limited("min", obj, bound, g_obj, lower_all)
            if use_greedy:
                (open_, share), solution_from = greedy, "greedy"
            elif not np.isfinite(obj):
                raise _stopped_empty("capacitated p-median", time_limit_s)
        bound = bound if np.isfinite(bound) else lower_all
    else:
        open_, share = _cpm_greedy_solution(c, wr, cap, p, fixed, split=split)
        bound, bound_method, status, solution_from = lower_all, "combinatorial", "Heuristic", "greedy"
        if lp_bound and _have_highs() and len(ii) <= _CAP_LP_PAIRS:
            xl, lp_obj, _, lp_status = _solve_ilp(*model, maximize=False, time_limit_s=time_limit_s, relax=True)
            if xl is not None and lp_status == "Optimal" and lp_obj > bound:
                bound, bound_method = lp_obj, "lp"
    obj = _cap_cost(c, wr, share)
    bound = min(max(bound, lower_all), obj)
    return SolverResult(np.flatnonzero(open_), obj, bound, _gap(obj, bound, "min"), status, method,
                        time.perf_counter() - t0, "min", np.flatnonzero(~reach), bound_method,
                        assignment=_full_rows(share, rows, n_full), solution_from=solution_from,
                        time_limit_s=time_limit_s)


def _cap_start(open_, share, ii, jj):
    """A capacitated model's start vector (sites open, then the share of each pair) from a greedy solution."""
    return np.concatenate([open_.astype(np.float64), np.asarray(share.tocsr()[ii, jj]).ravel()])


def _stopped_empty(what, time_limit_s):
    return RuntimeError(
        f"{what}: HiGHS stopped at the time limit (time_limit_s={time_limit_s:g}) without a feasible solution, "
        f"and the greedy found none either; raise `time_limit_s`."
    )


def _cpm_greedy_solution(c, w, cap, p, fixed, *, split):
    open_ = _cpm_greedy(c, w, cap, p, fixed)
    share = _transport(c, w, cap, open_) if split else _cap_assign(c, w, cap, open_, split=False)
    if share is None or not np.isfinite(_cap_cost(c, w, share)):
        raise _capacity_infeasible("capacitated p-median (greedy)", "no assignment found", split)
    return open_, share


def _capacity_infeasible(what, status, split):
    hint = "" if split else " (each demand row goes to one site whole; split_demand=True lets sites share it)"
    return CapacityError(
        f"{what}: no assignment of the demand fits the capacities (`capacity_col`) ({status}){hint}. "
        f"Raise the capacities or `p`, or add candidates near the demand."
    )


def _cmclp_greedy(cover, w, cap, p, fixed, *, split):
    """Greedy capacitated MCLP: open the site adding the most coverable weight (up to its capacity)."""
    open_ = fixed.copy()
    for _ in range(p):
        share = _cap_assign(np.where(cover, 1.0, np.inf), w, cap, open_, split=split) if open_.any() else None
        served = np.zeros(len(w)) if share is None else np.asarray(share.sum(axis=1)).ravel()
        left_w = w * np.clip(1 - served, 0, 1)
        gain = np.minimum(cover.T.astype(np.float64) @ left_w, cap)
        gain[open_] = -1.0
        open_[int(np.argmax(gain))] = True
    return open_


def _cmclp_lp_bound(cv, w, cap, p, fixed, time_limit_s) -> float:
    """LP relaxation of the capacitated MCLP (an upper bound), ``inf`` when skipped or not solved.

    Demand rows with the same set of covering sites are merged first (weights summed):
    the relaxation is unchanged (a merged row's share ``Y_j = sum_i w_i y_ij / W`` meets
    every constraint, and ``y_ij = Y_j`` maps back), and it is several times smaller
    (2,000 rows -> 662 on the modelled 2,000 x 100 case: 3.6 s instead of 44 s).
    Skipped without HiGHS or above ``_CAP_LP_PAIRS`` merged pairs.
    """
    from scipy.sparse import csr_matrix

    if not _have_highs():
        return math.inf
    sub, wm = _merge_identical_rows(csr_matrix(cv), w)
    sub = sub.tocoo()
    if sub.nnz > _CAP_LP_PAIRS:
        return math.inf
    model = _cap_model(sub.row, sub.col, np.zeros(sub.nnz), wm, cap, p, fixed, split=True, maximize=True,
                       n_dem=len(wm))
    xl, lp_obj, _, lp_status = _solve_ilp(*model, maximize=True, time_limit_s=time_limit_s, relax=True)
    return lp_obj if xl is not None and lp_status == "Optimal" else math.inf


def solve_capacitated_mclp(cover, weights, capacity, p, fixed, *, split=False, method="exact",
                           time_limit_s=None, lp_bound=True) -> SolverResult:
    """Capacitated maximal covering: ``p`` new sites (fixed stay); demand counts as covered only
    when it is assigned, within the threshold, to an open site with room for it.

    Maximise ``sum_ij w_i y_ij`` subject to ``sum_j y_ij <= 1``, ``y_ij <= x_j`` (only
    pairs within the threshold), ``sum_i w_i y_ij <= C_j x_j`` and ``sum_{j free} x_j = p``;
    ``y`` binary (single) or in ``[0, 1]`` (``split``). Greedy: the site adding the most
    weight it can take (``min(C_j, uncovered weight it reaches)``) first, with a greedy
    regret assignment. Greedy bound (an upper bound): the smallest of the total coverable
    weight, the existing plus the ``p`` largest candidate capacities, the uncapacitated
    MCLP greedy bound, and the LP relaxation (HiGHS, ``lp_bound``, up to ``_CAP_LP_PAIRS`` pairs).
    """
    _check_method(method)
    t0 = time.perf_counter()
    cover = np.asarray(cover.toarray() if hasattr(cover, "toarray") else cover, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    n_full = len(cover)
    free = np.flatnonzero(~fixed)
    p = int(min(p, len(free)))
    rows = np.flatnonzero(cover.any(axis=1) & (w > 0))
    cv, wr = cover[rows], w[rows]
    ii, jj = np.nonzero(cv)
    model = _cap_model(ii, jj, np.zeros(len(ii)), wr, cap, p, fixed, split=split, maximize=True, n_dem=len(rows))
    bound_method = "solver"
    solution_from = "highs"
    if method == "exact":
        greedy: Any = None
        if time_limit_s is not None:
            g_open = _cmclp_greedy(cv, wr, cap, p, fixed, split=split)
            greedy = g_open, _cap_assign(np.where(cv, 1.0, np.inf), wr, cap, g_open, split=split)
        x, _, bound, status = _solve_ilp(*model, maximize=True, time_limit_s=time_limit_s,
                                         start=None if greedy is None else _cap_start(greedy[0], greedy[1], ii, jj))
        if (x is None and status != TIME_LIMIT) or status not in ("Optimal", TIME_LIMIT):
            raise RuntimeError(f"HiGHS found no solution for the capacitated MCLP ({status}).")
        share: Any
        open_, share = _cap_result(x, ii, jj, len(cap), len(rows)) if x is not None else (None, None)
        if status == TIME_LIMIT:
            obj = float(wr @ np.asarray(share.sum(axis=1)).ravel()) if share is not None else math.nan
            g_obj = float(wr @ np.asarray(greedy[1].sum(axis=1)).ravel())
            most = min(float(wr.sum()), float(cap[fixed].sum() + np.sort(cap[free])[::-1][:p].sum()))
            use_greedy, bound = _limited("max", obj, bound, g_obj, most)
            if use_greedy:
                (open_, share), solution_from = greedy, "greedy"
    else:
        open_ = _cmclp_greedy(cv, wr, cap, p, fixed, split=split)
        share = _cap_assign(np.where(cv, 1.0, np.inf), wr, cap, open_, split=split)
        solution_from = "greedy"
        from scipy.sparse import csr_matrix

        uncap = solve_mclp(csr_matrix(cover), w, p, fixed, method="greedy", lp_bound=False).bound
        bound = min(float(wr.sum()), float(cap[fixed].sum() + np.sort(cap[free])[::-1][:p].sum()), uncap)
        bound_method, status = "combinatorial", "Heuristic"
        lp_obj = _cmclp_lp_bound(cv, wr, cap, p, fixed, time_limit_s) if lp_bound and len(rows) else math.inf
        if lp_obj < bound:
            bound, bound_method = lp_obj, "lp"
    coo = share.tocoo()
    obj = float((wr[coo.row] * coo.data).sum())
    bound = max(bound, obj)
    return SolverResult(np.flatnonzero(open_), obj, bound, _gap(obj, bound, "max"), status, method,
                        time.perf_counter() - t0, "max", bound_method=bound_method,
                        assignment=_full_rows(share, rows, n_full), solution_from=solution_from,
                        time_limit_s=time_limit_s)
