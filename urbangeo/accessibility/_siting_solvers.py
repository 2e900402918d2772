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

import numpy as np

from ..errors import InvalidOptionError, MissingDependencyError

log = logging.getLogger(__name__)

__all__ = ["SolverResult", "solve_lscp", "solve_mclp", "solve_p_median"]


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


def _solve_ilp(c, a_csc, row_lo, row_hi, col_lo, col_hi, integer, *, maximize, time_limit_s, relax=False):
    """Solve an ILP (or its LP relaxation) with HiGHS; returns (x, objective, bound, status)."""
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
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    if len(x) != n_col:  # no feasible solution found
        return None, math.nan, math.nan, status
    obj = float(info.objective_function_value)
    bound = obj if relax else float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = obj
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
    bound_method = "solver"
    if method == "exact":
        x, obj, bound, status = _solve_ilp(*ilp, maximize=False, time_limit_s=time_limit_s)
        if x is None:
            raise RuntimeError(f"HiGHS found no solution for the LSCP ({status}).")
        new = free[x > 0.5]
        obj = float(len(new))
        bound = float(math.ceil(bound - 1e-9))
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
        status = "Heuristic"
    chosen = np.sort(np.concatenate([np.flatnonzero(fixed), new]))
    return SolverResult(chosen, obj, bound, _gap(obj, bound, "min"), status, method, time.perf_counter() - t0, "min",
                        excluded, bound_method)


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
    bound_method = "solver"
    if method == "exact":
        n_x = len(free)
        x, obj, bound, status = _solve_ilp(*_mclp_model(sub, w_rest, p), maximize=True, time_limit_s=time_limit_s)
        if x is None:
            raise RuntimeError(f"HiGHS found no solution for the MCLP ({status}).")
        pick = np.flatnonzero(x[:n_x] > 0.5)
        if len(pick) != p:  # stopped (time limit) before a feasible solution
            raise RuntimeError(
                f"HiGHS stopped without a feasible MCLP solution ({status}); raise `time_limit_s` or use solver='greedy'."
            )
        new = free[pick]
        # recompute the objective from the chosen sites (robust to LP tolerances)
        covered = np.asarray(sub[:, pick].sum(axis=1)).ravel() > 0
        obj = base + float(w_rest[covered].sum())
        bound = base + max(bound, obj - base)
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
        status = "Heuristic"
    chosen = np.sort(np.concatenate([np.flatnonzero(fixed), new]))
    return SolverResult(chosen, obj, bound, _gap(obj, bound, "max"), status, method, time.perf_counter() - t0, "max",
                        bound_method=bound_method)


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
        x, obj, bound, status = _solve_ilp(
            c, a, row_lo, row_hi, col_lo, col_hi, [True] * n_site + [False] * n_y,
            maximize=False, time_limit_s=time_limit_s,
        )
        if x is None or status not in ("Optimal", "Time limit reached"):
            raise _pmedian_infeasible(p, status)
        open_ = x[:n_site] > 0.5
        obj = _pmedian_cost(cost, w, open_)
        bound = min(max(bound, lower_all), obj)
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
        status = "Heuristic"
    chosen = np.flatnonzero(open_)
    return SolverResult(chosen, obj, bound, _gap(obj, bound, "min"), status, method, time.perf_counter() - t0, "min", excluded)


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


def _pmedian_infeasible(p, status):
    from ..errors import DisconnectedNetworkError

    return DisconnectedNetworkError(
        f"p-median with p={p} new sites cannot serve every demand: some demand is reached only by sites "
        f"that cannot all be opened ({status}). Increase `p`, add candidates in the disconnected parts, "
        f"or drop the unreachable demand first."
    )


def _pmedian_cost(cost, w, open_) -> float:
    if not open_.any():
        return float("inf")
    best = cost[:, open_].min(axis=1)
    return float((w * best).sum())  # inf if some demand is reached by no open site
