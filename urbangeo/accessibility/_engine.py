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

import weakref

import numpy as np

try:  # pragma: no cover - exercised on both branches by the environment
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f


__all__ = [
    "HAVE_NUMBA",
    "Graph",
    "graph",
    "multi_source",
    "k_nearest",
    "bounded",
    "scipy_nearest",
    "scipy_bounded",
]


# --------------------------------------------------------------------------- heap
@njit(cache=True)
def _push(hk, h2, hv, hl, size, key, key2, node, label):
    i = size
    hk[i] = key
    h2[i] = key2
    hv[i] = node
    hl[i] = label
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i], hk[p] = hk[p], hk[i]
        h2[i], h2[p] = h2[p], h2[i]
        hv[i], hv[p] = hv[p], hv[i]
        hl[i], hl[p] = hl[p], hl[i]
        i = p
    return size + 1


@njit(cache=True)
def _pop(hk, h2, hv, hl, size):
    """Move the root's fields to position ``size - 1`` and restore the heap of size - 1."""
    last = size - 1
    hk[0], hk[last] = hk[last], hk[0]
    h2[0], h2[last] = h2[last], h2[0]
    hv[0], hv[last] = hv[last], hv[0]
    hl[0], hl[last] = hl[last], hl[0]
    n = last
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and hk[c + 1] < hk[c]:
            c += 1
        if hk[i] <= hk[c]:
            break
        hk[i], hk[c] = hk[c], hk[i]
        h2[i], h2[c] = h2[c], h2[i]
        hv[i], hv[c] = hv[c], hv[i]
        hl[i], hl[c] = hl[c], hl[i]
        i = c
    return last


# lean heap of (key, node) with hole-based sifts, for the single-label kernels: labels and
# secondary costs live in per-node arrays, set when a settled node relaxes its neighbour
@njit(cache=True, inline="always")
def _hpush(hk, hv, size, key, node):
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        i = p
    hk[i] = key
    hv[i] = node
    return size + 1


@njit(cache=True, inline="always")
def _hpop(hk, hv, size):
    """Remove the root; returns (key, node, new size)."""
    key = hk[0]
    node = hv[0]
    size -= 1
    lk = hk[size]
    lv = hv[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if lk <= hk[c]:
            break
        hk[i] = hk[c]
        hv[i] = hv[c]
        i = c
    if size > 0:
        hk[i] = lk
        hv[i] = lv
    return key, node, size


# --------------------------------------------------------------------------- kernels
@njit(cache=True)
def _multi_source(indptr, indices, w, w2, seed_node, seed_cost, seed_cost2, seed_label, limit):
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    dist2 = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    cap = len(indices) + len(seed_node) + 1
    hk = np.empty(cap)
    hv = np.empty(cap, dtype=np.int64)
    size = 0
    for i in range(len(seed_node)):
        s = seed_node[i]
        c = seed_cost[i]
        if c <= limit and c < dist[s]:
            dist[s] = c
            dist2[s] = seed_cost2[i]
            label[s] = seed_label[i]
            size = _hpush(hk, hv, size, c, s)
    while size > 0:
        d, u, size = _hpop(hk, hv, size)
        if d > dist[u]:
            continue  # stale entry (a node is only pushed again with a strictly smaller key)
        d2 = dist2[u]
        lab = label[u]
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            nd = d + w[j]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                dist2[v] = d2 + w2[j]
                label[v] = lab
                size = _hpush(hk, hv, size, nd, v)
    return dist, dist2, label


@njit(cache=True)
def _k_nearest(indptr, indices, w, w2, seed_node, seed_cost, seed_cost2, seed_label, k, limit):
    n = len(indptr) - 1
    dist = np.full((n, k), np.inf)
    dist2 = np.full((n, k), np.inf)
    label = np.full((n, k), -1, dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    cap = k * len(indices) + len(seed_node) + 1
    hk = np.empty(cap)
    h2 = np.empty(cap)
    hv = np.empty(cap, dtype=np.int64)
    hl = np.empty(cap, dtype=np.int64)
    size = 0
    for i in range(len(seed_node)):
        if seed_cost[i] <= limit:
            size = _push(hk, h2, hv, hl, size, seed_cost[i], seed_cost2[i], seed_node[i], seed_label[i])
    while size > 0:
        size = _pop(hk, h2, hv, hl, size)
        d = hk[size]
        u = hv[size]
        lab = hl[size]
        c = cnt[u]
        if c >= k:
            continue
        seen = False
        for r in range(c):
            if label[u, r] == lab:
                seen = True
                break
        if seen:
            continue
        d2 = h2[size]
        dist[u, c] = d
        dist2[u, c] = d2
        label[u, c] = lab
        cnt[u] = c + 1
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            nd = d + w[j]
            if cnt[v] < k and nd <= limit:
                dup = False
                for r in range(cnt[v]):
                    if label[v, r] == lab:
                        dup = True
                        break
                if not dup:
                    if size >= len(hk):  # cannot happen with cap = k * nnz + seeds; guard anyway
                        continue
                    size = _push(hk, h2, hv, hl, size, nd, d2 + w2[j], v, lab)
    return dist, dist2, label


@njit(cache=True)
def _grow(a, n_used, need):
    if need <= len(a):
        return a
    b = np.empty(max(2 * len(a), need), dtype=a.dtype)
    b[:n_used] = a[:n_used]
    return b


@njit(cache=True)
def _bounded(
    indptr, indices, w, w2, seed_ptr, seed_node, seed_cost, seed_cost2, limit, tgt_ptr, tgt_idx, tgt_cost, tgt_cost2,
    n_targets, node_targets,
):
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    dist2 = np.empty(n)
    touched = np.empty(n, dtype=np.int64)
    if node_targets:
        n_targets = 0
    best = np.full(n_targets, np.inf)
    best2 = np.empty(n_targets)
    hit = np.empty(n_targets, dtype=np.int64)
    cap = len(indices) + len(seed_node) + 1
    hk = np.empty(cap)
    hv = np.empty(cap, dtype=np.int64)
    o_src = np.empty(1024, dtype=np.int64)
    o_tgt = np.empty(1024, dtype=np.int64)
    o_c = np.empty(1024)
    o_c2 = np.empty(1024)
    n_out = 0
    for s in range(len(seed_ptr) - 1):
        n_touch = 0
        n_hit = 0
        size = 0
        for i in range(seed_ptr[s], seed_ptr[s + 1]):
            a = seed_node[i]
            c = seed_cost[i]
            if c <= limit and c < dist[a]:
                if dist[a] == np.inf:
                    touched[n_touch] = a
                    n_touch += 1
                dist[a] = c
                dist2[a] = seed_cost2[i]
                size = _hpush(hk, hv, size, c, a)
        while size > 0:
            d, u, size = _hpop(hk, hv, size)
            if d > dist[u]:
                continue
            d2 = dist2[u]
            if node_targets:
                if n_out >= len(o_src):
                    o_src = _grow(o_src, n_out, n_out + 1)
                    o_tgt = _grow(o_tgt, n_out, n_out + 1)
                    o_c = _grow(o_c, n_out, n_out + 1)
                    o_c2 = _grow(o_c2, n_out, n_out + 1)
                o_src[n_out] = s
                o_tgt[n_out] = u
                o_c[n_out] = d
                o_c2[n_out] = d2
                n_out += 1
            else:
                for j in range(tgt_ptr[u], tgt_ptr[u + 1]):
                    t = tgt_idx[j]
                    ct = d + tgt_cost[j]
                    if ct <= limit and ct < best[t]:
                        if best[t] == np.inf:
                            hit[n_hit] = t
                            n_hit += 1
                        best[t] = ct
                        best2[t] = d2 + tgt_cost2[j]
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                nd = d + w[j]
                if nd <= limit and nd < dist[v]:
                    if dist[v] == np.inf:
                        touched[n_touch] = v
                        n_touch += 1
                    dist[v] = nd
                    dist2[v] = d2 + w2[j]
                    size = _hpush(hk, hv, size, nd, v)
        if not node_targets:
            need = n_out + n_hit
            o_src = _grow(o_src, n_out, need)
            o_tgt = _grow(o_tgt, n_out, need)
            o_c = _grow(o_c, n_out, need)
            o_c2 = _grow(o_c2, n_out, need)
            for i in range(n_hit):
                t = hit[i]
                o_src[n_out] = s
                o_tgt[n_out] = t
                o_c[n_out] = best[t]
                o_c2[n_out] = best2[t]
                n_out += 1
                best[t] = np.inf
        for i in range(n_touch):
            dist[touched[i]] = np.inf
    return o_src[:n_out], o_tgt[:n_out], o_c[:n_out], o_c2[:n_out]


# --------------------------------------------------------------------------- graph cache
class Graph:
    """CSR arrays of a Network for one cost (primary ``w``, secondary metres ``w2``)."""

    __slots__ = ("indptr", "indices", "w", "w2", "n")

    def __init__(self, indptr, indices, w, w2):
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        self.w2 = np.ascontiguousarray(w2, dtype=np.float64)
        self.n = len(self.indptr) - 1


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def graph(network, *, weight: str = "time_s", speed_kmh: float | None = None, reverse: bool = False) -> Graph:
    """CSR of ``network`` for ``weight`` with metres as the secondary cost (cached per Network).

    Parallel edges keep the minimum primary cost, as :meth:`Network.csr` does; the
    secondary cost is the length of that same edge record.
    """
    key = (weight, None if speed_kmh is None else float(speed_kmh), bool(reverse))
    per_net = _CACHE.setdefault(network, {})
    if key in per_net:
        return per_net[key]
    cost = network.edge_cost(weight, speed_kmh=speed_kmh)
    length = network.edge_length_m
    two = ~network.edge_oneway
    rows = np.concatenate([network.edge_u, network.edge_v[two]])
    cols = np.concatenate([network.edge_v, network.edge_u[two]])
    data = np.concatenate([cost, cost[two]])
    data2 = np.concatenate([length, length[two]])
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
    return _multi_source(g.indptr, g.indices, g.w, g.w2, sn, sc, sc2, sl, float(limit))


def k_nearest(g: Graph, seed_node, seed_cost, seed_cost2=None, seed_label=None, *, k=1, limit=np.inf):
    """The ``k`` nearest distinct seed labels of every node: (dist, dist2, label) of shape (n, k)."""
    sn, sc, sc2, sl = _seeds(seed_node, seed_cost, seed_cost2, seed_label)
    return _k_nearest(g.indptr, g.indices, g.w, g.w2, sn, sc, sc2, sl, int(k), float(limit))


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
    if targets is None:
        e = np.zeros(1, np.int64)
        return _bounded(g.indptr, g.indices, g.w, g.w2, seed_ptr, sn, sc, sc2, float(limit), e, e, np.zeros(1),
                        np.zeros(1), 0, True)
    tp, ti, tc, tc2, nt = targets
    return _bounded(
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
        np.ascontiguousarray(tc, dtype=np.float64),
        np.ascontiguousarray(tc2, dtype=np.float64),
        int(nt),
        False,
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
