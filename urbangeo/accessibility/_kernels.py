"""numba kernels of :mod:`urbangeo.accessibility._engine` (imported on first use).

Compiled with ``@njit(cache=True)`` when numba is installed; without numba the same
functions run as plain Python (correct, slow). :func:`plain_kernels` gives the same
functions as plain Python even when numba is installed: the engine runs them while the
compiled versions are not in numba's cache yet (see ``_engine``), so a first call does
not wait for compilation.
"""

import types

import numpy as np


def _plain(*args, **kwargs):
    """Stand-in for ``numba.njit`` without numba: the function itself, run as plain Python."""
    if args and callable(args[0]):
        return args[0]
    return lambda f: f


try:  # pragma: no cover - exercised on both branches by the environment
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False
    njit = _plain


# --------------------------------------------------------------------------- heap
@njit(cache=True, error_model="numpy")
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


@njit(cache=True, error_model="numpy")
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
@njit(cache=True, inline="always", error_model="numpy")
def _hpush(hk, hv, size, key, node):
    i = size
    while i > 0:
        p = (i - 1) >> 2  # 4-ary heap: shallower than binary, children share a cache line
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        i = p
    hk[i] = key
    hv[i] = node
    return size + 1


@njit(cache=True, inline="always", error_model="numpy")
def _hpop(hk, hv, size):
    """Remove the root; returns (key, node, new size)."""
    key = hk[0]
    node = hv[0]
    size -= 1
    lk = hk[size]
    lv = hv[size]
    i = 0
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        end = c + 4
        if end > size:
            end = size
        m = c
        mk = hk[c]
        for q in range(c + 1, end):
            if hk[q] < mk:
                mk = hk[q]
                m = q
        if lk <= mk:
            break
        hk[i] = mk
        hv[i] = hv[m]
        i = m
    if size > 0:
        hk[i] = lk
        hv[i] = lv
    return key, node, size


# --------------------------------------------------------------------------- kernels
@njit(cache=True, error_model="numpy")
def _multi_source(indptr, indices, w, w2, seed_node, seed_cost, seed_cost2, seed_label, limit, track2):
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    dist2 = np.full(n if track2 else 0, np.inf)  # callers add it for every node: no garbage where unreached
    label = np.full(n, -1, dtype=np.int64)
    cap = len(indices) + len(seed_node) + 1
    hk = np.empty(cap)
    hv = np.empty(cap, dtype=indices.dtype)  # node positions: 32-bit when the CSR is
    size = 0
    for i in range(len(seed_node)):
        s = seed_node[i]
        c = seed_cost[i]
        if c <= limit and c < dist[s]:
            dist[s] = c
            if track2:
                dist2[s] = seed_cost2[i]
            label[s] = seed_label[i]
            size = _hpush(hk, hv, size, c, s)
    while size > 0:
        d, u, size = _hpop(hk, hv, size)
        if d > dist[u]:
            continue  # stale entry (a node is only pushed again with a strictly smaller key)
        lab = label[u]
        if track2:
            d2 = dist2[u]
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                nd = d + w[j]
                if nd < dist[v] and nd <= limit:
                    dist[v] = nd
                    dist2[v] = d2 + w2[j]
                    label[v] = lab
                    size = _hpush(hk, hv, size, nd, v)
        else:
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                nd = d + w[j]
                if nd < dist[v] and nd <= limit:
                    dist[v] = nd
                    label[v] = lab
                    size = _hpush(hk, hv, size, nd, v)
    if not track2:
        return dist, dist.copy(), label
    return dist, dist2, label


@njit(cache=True, error_model="numpy")
def _k_nearest(indptr, indices, w, w2, seed_node, seed_cost, seed_cost2, seed_label, k, limit):
    n = len(indptr) - 1
    dist = np.full((n, k), np.inf)
    dist2 = np.full((n, k), np.inf)
    label = np.full((n, k), -1, dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    cap = k * len(indices) + len(seed_node) + 1
    hk = np.empty(cap)
    h2 = np.empty(cap)
    hv = np.empty(cap, dtype=indices.dtype)  # node positions: 32-bit when the CSR is
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


@njit(cache=True, error_model="numpy")
def _grow(a, n_used, need):
    if need <= len(a):
        return a
    b = np.empty(max(2 * len(a), need), dtype=a.dtype)
    b[:n_used] = a[:n_used]
    return b


@njit(cache=True, error_model="numpy")
def _search_one(indptr, indices, w, w2, seed_node, seed_cost, seed_cost2, lo, hi, limit, dist, dist2, touched, hk,
                hv, node_targets, tgt_ptr, tgt_idx, tgt_cost, tgt_cost2, best, best2, hit, track2):
    """One bounded search (seeds lo:hi); returns (touched nodes, targets hit).

    ``track2=False`` (secondary cost identical to the primary) skips the dist2 array.
    """
    n_touch = 0
    n_hit = 0
    size = 0
    for i in range(lo, hi):
        a = seed_node[i]
        c = seed_cost[i]
        if c <= limit and c < dist[a]:
            if dist[a] == np.inf:
                touched[n_touch] = a
                n_touch += 1
            dist[a] = c
            if track2:
                dist2[a] = seed_cost2[i]
            size = _hpush(hk, hv, size, c, a)
    while size > 0:
        d, u, size = _hpop(hk, hv, size)
        if d > dist[u]:
            continue
        d2 = dist2[u] if track2 else d
        if not node_targets:
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
                if track2:
                    dist2[v] = d2 + w2[j]
                size = _hpush(hk, hv, size, nd, v)
    return n_touch, n_hit


@njit(cache=True, error_model="numpy")
def _bounded(
    indptr, indices, w, w2, seed_ptr, seed_node, seed_cost, seed_cost2, limit, tgt_ptr, tgt_idx, tgt_cost, tgt_cost2,
    n_targets, node_targets, track2,
):
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    dist2 = np.empty(n if track2 else 0)
    touched = np.empty(n, dtype=np.int64)
    if node_targets:
        n_targets = 0
    best = np.full(n_targets, np.inf)
    best2 = np.empty(n_targets)
    hit = np.empty(n_targets, dtype=np.int64)
    cap = len(indices) + len(seed_node) + 1
    hk = np.empty(cap)
    hv = np.empty(cap, dtype=indices.dtype)  # node positions: 32-bit when the CSR is
    o_src = np.empty(1024, dtype=np.int64)
    o_tgt = np.empty(1024, dtype=np.int64)
    o_c = np.empty(1024)
    o_c2 = np.empty(1024)
    n_out = 0
    for s in range(len(seed_ptr) - 1):
        n_touch, n_hit = _search_one(indptr, indices, w, w2, seed_node, seed_cost, seed_cost2, seed_ptr[s],
                                     seed_ptr[s + 1], limit, dist, dist2, touched, hk, hv, node_targets, tgt_ptr,
                                     tgt_idx, tgt_cost, tgt_cost2, best, best2, hit, track2)
        need = n_out + (n_touch if node_targets else n_hit)
        o_src = _grow(o_src, n_out, need)
        o_tgt = _grow(o_tgt, n_out, need)
        o_c = _grow(o_c, n_out, need)
        o_c2 = _grow(o_c2, n_out, need)
        if node_targets:
            # every touched node was settled (the heap is drained): emit them all at once
            for i in range(n_touch):
                a = touched[i]
                o_src[n_out] = s
                o_tgt[n_out] = a
                o_c[n_out] = dist[a]
                o_c2[n_out] = dist2[a] if track2 else dist[a]
                n_out += 1
        else:
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


# --------------------------------------------------------------------------- nearest segment (snapping)
@njit(cache=True, error_model="numpy")
def _seg_dist2(px, py, x1, y1, x2, y2):
    dx = x2 - x1
    dy = y2 - y1
    ll = dx * dx + dy * dy
    t = 0.0
    if ll > 0.0:
        t = ((px - x1) * dx + (py - y1) * dy) / ll
        if t < 0.0:
            t = 0.0
        elif t > 1.0:
            t = 1.0
    qx = x1 + t * dx
    qy = y1 + t * dy
    return (px - qx) * (px - qx) + (py - qy) * (py - qy), t, qx, qy


@njit(cache=True, error_model="numpy")
def _nearest_segments(px, py, x1, y1, x2, y2, cell_ptr, cell_seg, x0, y0, size, nx, ny, max_dist):
    """Nearest segment of every point through a uniform grid of cells (ring search).

    Returns (segment or -1 beyond ``max_dist``, distance, t along the segment, qx, qy).
    Ties go to the lower segment number.
    """
    m = len(px)
    best_s = np.full(m, -1, dtype=np.int64)
    best_d = np.full(m, np.inf)
    best_t = np.zeros(m)
    best_x = np.zeros(m)
    best_y = np.zeros(m)
    max_ring = int(max_dist / size) + 2
    for i in range(m):
        cx = int(np.floor((px[i] - x0) / size))
        cy = int(np.floor((py[i] - y0) / size))
        bd2 = np.inf
        bs = -1
        bt = 0.0
        bx = 0.0
        by = 0.0
        r = 0
        while r <= max_ring:
            for gy in range(cy - r, cy + r + 1):
                if gy < 0 or gy >= ny:
                    continue
                ring_row = gy == cy - r or gy == cy + r
                step = 1 if ring_row else 2 * r
                gx = cx - r
                while gx <= cx + r:
                    if 0 <= gx < nx:
                        c = gy * nx + gx
                        for k in range(cell_ptr[c], cell_ptr[c + 1]):
                            s = cell_seg[k]
                            d2, t, qx, qy = _seg_dist2(px[i], py[i], x1[s], y1[s], x2[s], y2[s])
                            if d2 < bd2 or (d2 == bd2 and s < bs):
                                bd2 = d2
                                bs = s
                                bt = t
                                bx = qx
                                by = qy
                    if step == 0:
                        break
                    gx += step
            # every segment not yet seen is at least r * size away
            if bs >= 0 and np.sqrt(bd2) <= r * size:
                break
            r += 1
        if bs >= 0 and np.sqrt(bd2) <= max_dist:
            best_s[i] = bs
            best_d[i] = np.sqrt(bd2)
            best_t[i] = bt
            best_x[i] = bx
            best_y[i] = by
    return best_s, best_d, best_t, best_x, best_y


@njit(cache=True, error_model="numpy")
def _build_cells(x1, y1, x2, y2, x0, y0, size, nx, ny):
    """CSR of the segments registered in every grid cell their bounding box overlaps."""
    n = len(x1)
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    for s in range(n):
        ax = int((min(x1[s], x2[s]) - x0) / size)
        bx = int((max(x1[s], x2[s]) - x0) / size)
        ay = int((min(y1[s], y2[s]) - y0) / size)
        by = int((max(y1[s], y2[s]) - y0) / size)
        for gy in range(ay, by + 1):
            for gx in range(ax, bx + 1):
                counts[gy * nx + gx + 1] += 1
    ptr = np.cumsum(counts)
    fill = ptr[:-1].copy()
    seg = np.empty(ptr[-1], dtype=np.int64)
    for s in range(n):
        ax = int((min(x1[s], x2[s]) - x0) / size)
        bx = int((max(x1[s], x2[s]) - x0) / size)
        ay = int((min(y1[s], y2[s]) - y0) / size)
        by = int((max(y1[s], y2[s]) - y0) / size)
        for gy in range(ay, by + 1):
            for gx in range(ax, bx + 1):
                c = gy * nx + gx
                seg[fill[c]] = s
                fill[c] += 1
    return ptr, seg


# --------------------------------------------------------------------------- plain Python twins
#: the kernels the engine calls (each compiles together with the helpers it calls)
KERNELS = ("_build_cells", "_nearest_segments", "_multi_source", "_k_nearest", "_bounded")


def plain_kernels() -> types.SimpleNamespace:
    """Every kernel of this module as a plain Python function (the same code, not compiled).

    Each function is rebuilt from its own code object with globals in which the helpers it
    calls (``_hpush``, ``_search_one``, ...) are plain too, so nothing is compiled. Same
    operations in the same order on IEEE doubles: the same results as the compiled kernels
    (numba compiles without fastmath, so no reassociation or fused multiply-add).
    """
    ns = dict(globals())
    for name, f in list(ns.items()):
        py = getattr(f, "py_func", None)
        if isinstance(py, types.FunctionType) and py.__module__ == __name__:
            ns[name] = types.FunctionType(py.__code__, ns, name, py.__defaults__, py.__closure__)
    return types.SimpleNamespace(**{n: ns[n] for n in KERNELS})
