"""Plain networkx references for the accessibility tests (independent of the kernels)."""

from __future__ import annotations

import warnings

import numpy as np

from urbangeo.accessibility.snapping import NODE_TOLERANCE_M

with warnings.catch_warnings():
    # networkx 3.2 (oldest stack) has invalid escape sequences that warn when first compiled
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx


def nx_graph(net, weight="length_m", speed_kmh=None):
    """DiGraph of ``net`` with the minimum over parallel edges (and length along it)."""
    rate = np.ones(net.n_edges) if weight == "length_m" else 3.6 / (
        net.edge_speed_kmh if speed_kmh is None else np.full(net.n_edges, speed_kmh)
    )
    G = nx.DiGraph()
    G.add_nodes_from(range(net.n_nodes))
    for e in range(net.n_edges):
        u, v = int(net.edge_u[e]), int(net.edge_v[e])
        L = float(net.edge_length_m[e])
        c = L * rate[e]
        pairs = [(u, v)] if net.edge_oneway[e] else [(u, v), (v, u)]
        for a, b in pairs:
            if a == b:
                continue
            if not G.has_edge(a, b) or G[a][b]["c"] > c:
                G.add_edge(a, b, c=c, m=L)
    return G, rate


def point_costs(net, osnap, fsnap, *, weight="length_m", speed_kmh=None, limit=np.inf):
    """Cost matrix (origin row x facility row) through virtual nodes, with networkx.

    Origins leave their edge towards u (two-way only) and v; facilities are reached
    from u (always) and v (two-way only); an origin and a facility on the same edge
    also get the direct move (forward only on one-way edges). A point within ``tol``
    metres of an end node is at that node: it leaves or is reached through it even
    against a one-way edge. Facility rows with several entrances take the minimum.
    """
    tol = NODE_TOLERANCE_M
    G, rate = nx_graph(net, weight, speed_kmh)
    n = net.n_nodes
    n_o = int(osnap.row.max()) + 1 if len(osnap) else 0
    n_f = int(fsnap.row.max()) + 1 if len(fsnap) else 0
    out = np.full((n_o, n_f), np.inf)
    fs = fsnap[fsnap.edge >= 0]
    for k, (e, t, d) in enumerate(zip(fs.edge, fs.offset_m, fs.dist_m)):
        node = ("F", k)
        L = net.edge_length_m[e]
        G.add_edge(int(net.edge_u[e]), node, c=(t + d) * rate[e])
        if not net.edge_oneway[e] or L - t <= tol:
            G.add_edge(int(net.edge_v[e]), node, c=(L - t + d) * rate[e])
    for orow, e, t, d in zip(osnap.row, osnap.edge, osnap.offset_m, osnap.dist_m):
        if e < 0:
            continue
        L = net.edge_length_m[e]
        src = ("O", int(orow))
        G.add_edge(src, int(net.edge_v[e]), c=(L - t + d) * rate[e])
        if not net.edge_oneway[e] or t <= tol:
            G.add_edge(src, int(net.edge_u[e]), c=(t + d) * rate[e])
        for k, (fe, ft, fd) in enumerate(zip(fs.edge, fs.offset_m, fs.dist_m)):
            if fe == e:
                delta = ft - t
                if net.edge_oneway[e] and delta < 0:
                    continue
                G.add_edge(src, ("F", k), c=(abs(delta) + d + fd) * rate[e])
        dist = nx.single_source_dijkstra_path_length(G, src, cutoff=None if np.isinf(limit) else limit, weight="c")
        for k, fr in enumerate(fs.row):
            c = dist.get(("F", k), np.inf)
            out[orow, fr] = min(out[orow, fr], c)
        G.remove_node(src)
    assert n == net.n_nodes
    return out


def people_nodes(net):
    """Nodes where people can be: on the largest piece, at the end of an edge points may snap to.

    Homes and shops placed at other nodes (inside a tunnel, on an isolated footway) are
    moved by snapping, so a node-to-node reference would not apply to them.
    """
    ok = np.zeros(net.n_nodes, bool)
    ok[net.edge_u[net.edge_snappable]] = True
    ok[net.edge_v[net.edge_snappable]] = True
    return ok & (net.component == 0)
