"""Shortest-path kernels: seeded multi-source, k-nearest and bounded Dijkstra.

All kernels work on a CSR adjacency (``indptr``, ``indices``, primary cost ``w``,
secondary cost ``w2`` carried along the chosen paths, e.g. metres when the search
minimises seconds). Sources are *seeds*: (node, initial cost) pairs, so a point in the
middle of an edge enters the search at both end nodes with its exact offsets, and a
facility with several entrances is one source with several seeds.

The kernels are compiled with numba when it is installed (``pip install numba``,
part of the ``network`` extra); without numba the same code runs as plain Python,
correct but slow. :func:`scipy_nearest` and :func:`scipy_bounded` are independent
implementations on :mod:`scipy.sparse.csgraph`, used to cross-check the kernels.

Bounded searches return *sparse* triples (source, target, cost, cost2): only what is
reached is touched, so memory grows with the answer, not with sources x nodes.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import types
import weakref
from functools import lru_cache, partial

import numpy as np

from .network import Network, Weight

__all__ = [
    "have_numba",
    "Graph",
    "graph",
    "multi_source",
    "k_nearest",
    "bounded",
    "scipy_nearest",
    "scipy_bounded",
]


# --------------------------------------------------------------------------- first calls
# A kernel neither compiled in this process nor in numba's on-disk cache would compile
# for seconds. Small searches run the same code as plain Python instead (same results:
# _kernels.plain_kernels) while a daemon thread compiles the kernel into the cache, so
# later calls, and later processes, use the compiled one. Big searches compile at once.

#: plain-Python work allowed for one call (about edges relaxed; ~1 us each); beyond it: compile
PLAIN_WORK = 150_000
#: plain-Python seconds allowed per process; beyond them every call waits for compilation
PLAIN_SECONDS = 1.0
#: seconds the background compilation waits first, so that it does not slow the first call
COMPILE_DELAY_S = float(os.environ.get("URBANGEO_COMPILE_DELAY_S", "1.0"))

_STATE = threading.Lock()  # guards _PENDING, _THREAD, _SPENT
_BUSY = threading.Lock()  # held while the background thread compiles (fork waits for it)
_PENDING: dict = {}
_THREAD: list = []
_SPENT = [0.0]


def _work(name: str, args: tuple) -> float:
    """Rough plain-Python cost of one kernel call (edges relaxed, points or segments handled)."""
    if name == "_build_cells":
        return 4.0 * len(args[0])
    if name == "_nearest_segments":
        return 30.0 * len(args[0])
    if name == "_k_nearest":
        return 6.0 * max(int(args[8]), 1) * (len(args[1]) + len(args[4]))
    return float(len(args[1]) + len(args[4]))  # _multi_source: edges + seeds


def _signature(args: tuple):
    from numba import typeof

    return tuple(typeof(a) for a in args)


def _compiled(disp, sig) -> bool:
    """True when ``disp`` has ``sig`` compiled in this process or in numba's on-disk cache."""
    if sig in disp.overloads:
        return True
    try:  # numba internals (0.5x-0.6x): the index of the function's cache file
        cache = disp._cache
        key = cache._index_key(sig, disp.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:
        return True


def _background() -> None:
    time.sleep(COMPILE_DELAY_S)
    while True:
        with _STATE:
            if not _PENDING:
                _THREAD.clear()
                return
            (disp, sig) = next(iter(_PENDING))
        with _BUSY, contextlib.suppress(Exception):  # a failed compile shows again in the caller's next call
            disp.compile(sig)
        with _STATE:
            _PENDING.pop((disp, sig), None)


def _compile_later(disp, sig) -> None:
    # Off unless asked for: numba's compiler enters warnings.catch_warnings(), which saves and
    # restores the PROCESS-wide warning filters; from a second thread that races the caller's own
    # catch_warnings and can lose or turn into errors the caller's warnings (seen in CI).
    if os.environ.get("URBANGEO_BACKGROUND_COMPILE", "0") != "1":
        return
    with _STATE:
        _PENDING[(disp, sig)] = None
        if not _THREAD:
            t = threading.Thread(target=_background, name="urbangeo-numba-compile", daemon=True)
            _THREAD.append(t)
            t.start()


def _after_fork_in_child() -> None:
    global _STATE, _BUSY
    _STATE, _BUSY = threading.Lock(), threading.Lock()
    _PENDING.clear()
    _THREAD.clear()


if hasattr(os, "register_at_fork"):
    # a fork while the thread holds numba's compiler lock would leave it locked in the child
    os.register_at_fork(before=lambda: _BUSY.acquire(), after_in_parent=lambda: _BUSY.release(),
                        after_in_child=_after_fork_in_child)


_COMPILED_ONLY = [0]  # > 0 inside compiled_only(): every kernel call compiles (or loads from the cache)


def _plain_first_call() -> bool:
    """May a kernel not compiled yet run as plain Python? (no: ``URBANGEO_PLAIN_FIRST_CALL=0``, compiled_only())"""
    return not _COMPILED_ONLY[0] and os.environ.get("URBANGEO_PLAIN_FIRST_CALL", "1") != "0"


@contextlib.contextmanager
def compiled_only():
    """Within the block, kernels compile on their first call (into numba's cache) instead of running plain."""
    _COMPILED_ONLY[0] += 1
    try:
        yield
    finally:
        _COMPILED_ONLY[0] -= 1


def _plain_allowed(name: str, args: tuple, disp) -> bool:
    """Run plain Python this time? (small call, kernel not compiled yet; queues compilation)."""
    if not _plain_first_call():
        return False
    sig = _signature(args)
    if _compiled(disp, sig):
        return False
    if _work(name, args) <= PLAIN_WORK and _SPENT[0] < PLAIN_SECONDS:
        _compile_later(disp, sig)
        return True
    return False


def _build_cells_numpy(x1, y1, x2, y2, x0, y0, size, nx, ny):
    """``_kernels._build_cells`` with numpy: the same (ptr, seg), segments in order within a cell."""
    ax = ((np.minimum(x1, x2) - x0) / size).astype(np.int64)  # int() of the kernel: truncation
    bx = ((np.maximum(x1, x2) - x0) / size).astype(np.int64)
    ay = ((np.minimum(y1, y2) - y0) / size).astype(np.int64)
    by = ((np.maximum(y1, y2) - y0) / size).astype(np.int64)
    wide = bx - ax + 1
    cnt = wide * (by - ay + 1)
    seg = np.repeat(np.arange(len(x1), dtype=np.int64), cnt)
    q = np.arange(len(seg), dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    cell = (np.repeat(ay, cnt) + q // np.repeat(wide, cnt)) * nx + np.repeat(ax, cnt) + q % np.repeat(wide, cnt)
    ptr = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell, minlength=nx * ny), out=ptr[1:])
    return ptr, seg[np.argsort(cell, kind="stable")]


def _run(name: str, *args):
    mod = _kernels()
    disp = getattr(mod, name)
    if not mod.HAVE_NUMBA:
        return disp(*args)
    if name == "_bounded":
        return _run_bounded(disp, args)
    if name == "_build_cells" and _plain_first_call():
        sig = _signature(args)
        if not _compiled(disp, sig):
            _compile_later(disp, sig)
            return _build_cells_numpy(*args)
        return disp(*args)
    if not _plain_allowed(name, args, disp):
        return disp(*args)
    t0 = time.perf_counter()
    try:
        with np.errstate(all="ignore"):  # as compiled: numpy scalars would warn where numba does not
            return getattr(_plain(), name)(*args)
    finally:
        _SPENT[0] += time.perf_counter() - t0


def _run_bounded(disp, args):
    """``_bounded`` source by source in plain Python while within :data:`PLAIN_SECONDS`, the rest compiled.

    Every source is an independent search and the output lists sources in order, so the
    pieces concatenate to exactly what one call returns.
    """
    sig = _signature(args)
    seed_ptr = args[4]
    n_src = len(seed_ptr) - 1
    if (not _plain_first_call() or _compiled(disp, sig) or n_src < 1
            or _SPENT[0] >= PLAIN_SECONDS):
        return disp(*args)
    _compile_later(disp, sig)
    plain = _plain()._bounded
    parts = []
    lo, step = 0, 1
    while lo < n_src:
        if _SPENT[0] >= PLAIN_SECONDS:  # too big for plain Python: the rest compiled (waits for the thread)
            hi = n_src
            out = disp(*args[:4], seed_ptr[lo:], *args[5:])
        else:
            hi = min(lo + step, n_src)
            t0 = time.perf_counter()
            with np.errstate(all="ignore"):
                out = plain(*args[:4], seed_ptr[lo : hi + 1], *args[5:])
            _SPENT[0] += time.perf_counter() - t0
            step *= 2
        parts.append((out[0] + lo, *out[1:]))
        lo = hi
    return tuple(np.concatenate(a) for a in zip(*parts))


@lru_cache(maxsize=1)
def _kernels():
    """The kernels module (numba is imported here, not when urbangeo is imported)."""
    from . import _kernels

    return _kernels


@lru_cache(maxsize=1)
def _plain():
    return _kernels().plain_kernels()


@lru_cache(maxsize=1)
def _k():
    """The kernels: compiled, or plain Python for a small first call (see :data:`PLAIN_WORK`)."""
    mod = _kernels()
    return types.SimpleNamespace(HAVE_NUMBA=mod.HAVE_NUMBA, **{n: partial(_run, n) for n in mod.KERNELS})


def have_numba() -> bool:
    """True when the kernels are compiled with numba (False: pure-Python fallback)."""
    return _kernels().HAVE_NUMBA


# --------------------------------------------------------------------------- graph cache
class Graph:
    """CSR arrays of a Network for one cost (primary ``w``, secondary metres ``w2``)."""

    __slots__ = ("indptr", "indices", "w", "w2", "n")

    def __init__(self, indptr, indices, w, w2):
        # 32-bit positions when they fit: half the memory traffic, about 2x faster searches
        small = len(indptr) < 2**31 - 1 and len(indices) < 2**31 - 1
        dt = np.int32 if small else np.int64
        self.indptr = np.ascontiguousarray(indptr, dtype=dt)
        self.indices = np.ascontiguousarray(indices, dtype=dt)
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        self.w2 = np.ascontiguousarray(w2, dtype=np.float64)
        self.n = len(self.indptr) - 1


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def graph(network: Network, *, weight: Weight = "time_s", speed_kmh: float | None = None, reverse: bool = False) -> Graph:
    """CSR of ``network`` for ``weight`` with metres as the secondary cost (cached per Network).

    Parallel edges keep the minimum primary cost, as :meth:`Network.csr` does; the
    secondary cost is the length of that same edge record. Times follow the
    direction factors of hills: a record's own direction (u -> v) costs
    ``edge_cost(direction="fwd")``, the way back of a two-way record
    ``direction="rev"``; a direction with factor 0 is left out.
    """
    key = (weight, None if speed_kmh is None else float(speed_kmh), bool(reverse))
    per_net = _CACHE.setdefault(network, {})
    if key in per_net:
        return per_net[key]
    cost = network.edge_cost(weight, speed_kmh=speed_kmh)
    back = network.edge_cost(weight, speed_kmh=speed_kmh, direction="rev")
    length = network.edge_length_m
    two = ~network.edge_oneway
    rows = np.concatenate([network.edge_u, network.edge_v[two]])
    cols = np.concatenate([network.edge_v, network.edge_u[two]])
    data = np.concatenate([cost, back[two]])
    data2 = np.concatenate([length, length[two]])
    passable = np.isfinite(data)
    if not passable.all():
        rows, cols, data, data2 = rows[passable], cols[passable], data[passable], data2[passable]
    if reverse:
        rows, cols = cols, rows
    order = np.lexsort((data2, data, cols, rows))
    rows, cols, data, data2 = rows[order], cols[order], data[order], data2[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    keep = first & (rows != cols)
    rows, cols = rows[keep], cols[keep]
    # zero-length edges: kept (as in Network.csr); the kernels accept exact zeros, the
    # scipy cross-check paths replace them with ZERO_EDGE_M
    data, data2 = data[keep], data2[keep]
    n = network.n_nodes
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    g = Graph(indptr, cols, data, data2)
    per_net[key] = g
    return g


# --------------------------------------------------------------------------- wrappers
def _seeds(seed_node, seed_cost, seed_cost2=None, seed_label=None):
    seed_node = np.ascontiguousarray(seed_node, dtype=np.int64)
    seed_cost = np.ascontiguousarray(seed_cost, dtype=np.float64)
    seed_cost2 = seed_cost if seed_cost2 is None else np.ascontiguousarray(seed_cost2, dtype=np.float64)
    if seed_label is None:
        seed_label = np.arange(len(seed_node), dtype=np.int64)
    seed_label = np.ascontiguousarray(seed_label, dtype=np.int64)
    return seed_node, seed_cost, seed_cost2, seed_label


def multi_source(g: Graph, seed_node, seed_cost, seed_cost2=None, seed_label=None, *, limit=np.inf):
    """Cost from the nearest seed to every node: (dist, dist2, label); unreached inf / -1."""
    sn, sc, sc2, sl = _seeds(seed_node, seed_cost, seed_cost2, seed_label)
    track2 = not (g.w2 is g.w or np.array_equal(g.w2, g.w)) or not np.array_equal(sc2, sc)
    return _k()._multi_source(g.indptr, g.indices, g.w, g.w2, sn, sc, sc2, sl, float(limit), track2)


def k_nearest(g: Graph, seed_node, seed_cost, seed_cost2=None, seed_label=None, *, k=1, limit=np.inf):
    """The ``k`` nearest distinct seed labels of every node: (dist, dist2, label) of shape (n, k)."""
    sn, sc, sc2, sl = _seeds(seed_node, seed_cost, seed_cost2, seed_label)
    return _k()._k_nearest(g.indptr, g.indices, g.w, g.w2, sn, sc, sc2, sl, int(k), float(limit))


def bounded(
    g: Graph,
    seed_ptr,
    seed_node,
    seed_cost,
    seed_cost2=None,
    *,
    limit: float,
    targets=None,
):
    """One bounded search per source (seeds ``seed_ptr[s]:seed_ptr[s+1]``).

    ``targets`` is ``(tgt_ptr, tgt_idx, tgt_cost, tgt_cost2, n_targets)``: targets
    attached to each node with an extra cost (CSR over nodes); ``None`` means the nodes
    themselves. Returns sparse triples ``(source, target, cost, cost2)`` with
    ``cost <= limit``, the cost of a target being the minimum over its attachments.
    """
    sn, sc, sc2, _ = _seeds(seed_node, seed_cost, seed_cost2)
    seed_ptr = np.ascontiguousarray(seed_ptr, dtype=np.int64)
    # the secondary cost only needs tracking when it differs from the primary one
    track2 = not (g.w2 is g.w or np.array_equal(g.w2, g.w)) or not np.array_equal(sc2, sc)
    if targets is None:
        e = np.zeros(1, np.int64)
        return _k()._bounded(g.indptr, g.indices, g.w, g.w2, seed_ptr, sn, sc, sc2, float(limit), e, e, np.zeros(1),
                             np.zeros(1), 0, True, track2)
    tp, ti, tc, tc2, nt = targets
    tc = np.ascontiguousarray(tc, dtype=np.float64)
    tc2 = np.ascontiguousarray(tc2, dtype=np.float64)
    track2 = track2 or not np.array_equal(tc, tc2)
    return _k()._bounded(
        g.indptr,
        g.indices,
        g.w,
        g.w2,
        seed_ptr,
        sn,
        sc,
        sc2,
        float(limit),
        np.ascontiguousarray(tp, dtype=np.int64),
        np.ascontiguousarray(ti, dtype=np.int64),
        tc,
        tc2,
        int(nt),
        False,
        track2,
    )


# --------------------------------------------------------------------------- scipy cross-checks
def _with_virtual(g: Graph, seed_node, seed_cost):
    """CSR with one virtual node per seed joined to its node at the seed cost (scipy)."""
    from scipy.sparse import csr_matrix

    from .network import ZERO_EDGE_M

    n, s = g.n, len(seed_node)
    rows = np.concatenate([np.repeat(np.arange(n), np.diff(g.indptr)), n + np.arange(s)])
    cols = np.concatenate([g.indices, np.asarray(seed_node, dtype=np.int64)])
    data = np.maximum(np.concatenate([g.w, np.asarray(seed_cost, dtype=float)]), ZERO_EDGE_M)
    return csr_matrix((data, (rows, cols)), shape=(n + s, n + s))


def scipy_nearest(g: Graph, seed_node, seed_cost, seed_label=None):
    """scipy ``dijkstra(min_only=True)`` over virtual seed nodes: (dist, label)."""
    from scipy.sparse.csgraph import dijkstra

    seed_node = np.asarray(seed_node, dtype=np.int64)
    if seed_label is None:
        seed_label = np.arange(len(seed_node))
    mat = _with_virtual(g, seed_node, seed_cost)
    dist, _, src = dijkstra(mat, directed=True, indices=g.n + np.arange(len(seed_node)), min_only=True,
                            return_predecessors=True)
    dist = dist[: g.n]
    src = src[: g.n]
    label = np.where(src >= 0, np.asarray(seed_label)[np.clip(src - g.n, 0, None)], -1)
    # tiny stand-ins for zero costs are at most ZERO_EDGE_M per edge: negligible at 1e-6 m
    return dist, label


def scipy_bounded(g: Graph, seed_node, seed_cost, *, limit: float, chunk: int = 64):
    """Per-seed bounded costs to every node with scipy, streamed in chunks: (seed, node, cost)."""
    from scipy.sparse.csgraph import dijkstra

    seed_node = np.asarray(seed_node, dtype=np.int64)
    mat = _with_virtual(g, seed_node, seed_cost)
    out = []
    for lo in range(0, len(seed_node), chunk):
        idx = g.n + np.arange(lo, min(lo + chunk, len(seed_node)))
        d = dijkstra(mat, directed=True, indices=idx, limit=limit)[:, : g.n]
        r, c = np.nonzero(np.isfinite(d) & (d <= limit))
        out.append((r + lo, c, d[r, c]))
    if not out:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return tuple(np.concatenate(a) for a in zip(*out))
