"""The FRAGSTATS metrics beyond area, edge and shape: distribution, aggregation, diversity.

Private helpers of :mod:`urbangeo.landuse.metrics` (NumPy/SciPy, vectorised): AREA_CV,
FRAC_MN, PARA_MN, ENN_MN, DIVISION, SPLIT, PLADJ, CLUMPY, IJI, CONTAG and SHEI from the
patch areas and perimeters, the class adjacency matrix and the patch labels that the
public functions already compute. Definitions and quirks are in the docstring of
:mod:`urbangeo.landuse.metrics` and in docs/landuse_change.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Class-level columns added by this module, in order.
CLASS_EXTRA = [
    "AREA_CV_pct", "FRAC_MN", "PARA_MN_m_per_m2", "ENN_MN_m", "DIVISION", "SPLIT", "PLADJ_pct", "CLUMPY", "IJI_pct",
]
#: Landscape-level columns added by this module, in order.
LANDSCAPE_EXTRA = [
    "AREA_CV_pct", "FRAC_MN", "PARA_MN_m_per_m2", "ENN_MN_m", "DIVISION", "SPLIT", "PLADJ_pct", "IJI_pct",
    "CONTAG_pct", "SHEI",
]


def _sum(values: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(groups, weights=values, minlength=k) if len(groups) else np.zeros(k)


def _nanmean(values: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    ok = ~np.isnan(values)
    n = np.bincount(groups[ok], minlength=k)
    s = np.bincount(groups[ok], weights=values[ok], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def patch_metrics(area_m2: np.ndarray, perimeter_m: np.ndarray, enn_m: np.ndarray, code: np.ndarray, k: int,
                  total_m2: float) -> tuple[dict, dict]:
    """Patch-distribution metrics per class and for the landscape.

    ``area_m2``, ``perimeter_m``, ``enn_m`` (NaN: no other patch of the class) per patch,
    ``code`` its class index; ``total_m2`` the landscape area A.

    * AREA_CV: population standard deviation / mean of patch areas x 100 (FRAGSTATS; a
      class of one patch has 0);
    * FRAC: 2 ln(0.25 p) / ln(a), p in m, a in m2 (0.25: a square is 1). A patch of 1 m2
      has ln(a) = 0: NaN, left out of the mean;
    * PARA: p / a in m per m2;
    * ENN_MN: mean over the patches that have a neighbour of their class;
    * DIVISION = 1 - sum (a_ij / A)^2, SPLIT = A^2 / sum a_ij^2.
    """
    n = np.bincount(code, minlength=k).astype(float)
    mean = _sum(area_m2, code, k) / n
    var = _sum((area_m2 - mean[code]) ** 2, code, k) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = 2.0 * np.log(0.25 * perimeter_m) / np.log(area_m2)
        frac = np.where(area_m2 == 1.0, np.nan, frac)
        para = perimeter_m / area_m2
        sq = _sum(area_m2**2, code, k)
        cls = {
            "AREA_CV_pct": 100.0 * np.sqrt(var) / mean,
            "FRAC_MN": _nanmean(frac, code, k),
            "PARA_MN_m_per_m2": _sum(para, code, k) / n,
            "ENN_MN_m": _nanmean(enn_m, code, k),
            "DIVISION": 1.0 - sq / total_m2**2,
            "SPLIT": total_m2**2 / sq,
        }
        zero = np.zeros(len(area_m2), dtype=np.int64)
        land = {
            "AREA_CV_pct": float(100.0 * area_m2.std() / area_m2.mean()),
            "FRAC_MN": float(_nanmean(frac, zero, 1)[0]),
            "PARA_MN_m_per_m2": float(para.mean()),
            "ENN_MN_m": float(_nanmean(enn_m, zero, 1)[0]),
            "DIVISION": float(1.0 - (area_m2**2).sum() / total_m2**2),
            "SPLIT": float(total_m2**2 / (area_m2**2).sum()),
        }
    return cls, land


def iji(edges: np.ndarray) -> tuple[np.ndarray, float]:
    """Interspersion and juxtaposition (McGarigal and Marks 1995), class and landscape, in percent.

    ``edges[i, k]`` is the edge length (or face count) between classes i and k
    (symmetric, diagonal ignored, landscape boundary excluded). m = number of classes;
    IJI needs m >= 3 (NaN otherwise, N/A in FRAGSTATS); a class with no edge is NaN.
    """
    m = edges.shape[0]
    e = edges.astype(float).copy()
    np.fill_diagonal(e, 0.0)
    if m < 3:
        return np.full(m, np.nan), np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        q = e / e.sum(axis=1, keepdims=True)
        terms = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)
        cls = np.where(e.sum(axis=1) > 0, -100.0 * terms.sum(axis=1) / np.log(m - 1), np.nan) + 0.0
        upper = e[np.triu_indices(m, 1)]
        total = upper.sum()
        if total <= 0:
            return cls, np.nan
        qq = upper[upper > 0] / total
        land = float(-100.0 * (qq * np.log(qq)).sum() / np.log(0.5 * m * (m - 1)))
    return cls, land


def contag(adjacency: np.ndarray, props: np.ndarray) -> float:
    """Contagion (Li and Reynolds 1993, FRAGSTATS form), percent.

    ``adjacency[i, k]`` is g_ik, the full class adjacency matrix by the double-count
    method (like adjacencies on the diagonal counted twice), landscape boundary
    excluded; ``props`` the class proportions P_i. CONTAG needs m >= 2 classes (NaN).
    """
    m = len(props)
    if m < 2:
        return np.nan
    g = adjacency.astype(float)
    rows = g.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = props[:, None] * np.where(rows > 0, g / np.where(rows > 0, rows, 1.0), 0.0)
        terms = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)
    return float(100.0 * (1.0 + terms.sum() / (2.0 * np.log(m))))


def shei(props: np.ndarray) -> float:
    """Shannon evenness: SHDI / ln(m); 0 for a landscape of one class (FRAGSTATS)."""
    p = props[props > 0]
    if len(p) < 2:
        return 0.0
    return float(-(p * np.log(p)).sum() / np.log(len(p)))


def pladj_clumpy(like: np.ndarray, cells: np.ndarray, max_like: np.ndarray, n_cells: int) -> tuple[dict, dict]:
    """PLADJ (class, landscape) and CLUMPY (class) from like adjacencies (single count).

    Every face of a class cell is an adjacency in the denominator, the landscape
    boundary included (FRAGSTATS and landscapemetrics pad the map with a border class):
    PLADJ_i = 2 g_ii / (4 a_i) x 100. CLUMPY's G_i = g_ii / (sum_k g_ik - min e_i) with
    double counts, which is like / max like (= AI / 100); CLUMPY = (G - P) / P if
    G < P and P < 0.5, else (G - P) / (1 - P) (NaN for a one-cell class or P = 1).
    """
    p = cells / float(n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        pladj = 100.0 * 2.0 * like / (4.0 * cells)
        g = np.where(max_like > 0, like / np.maximum(max_like, 1), np.nan)
        clumpy = np.where((g < p) & (p < 0.5), (g - p) / p, (g - p) / (1.0 - p))
        clumpy = np.where(np.isnan(g) | (p >= 1.0), np.nan, clumpy)
    cls = {"PLADJ_pct": pladj, "CLUMPY": clumpy}
    land = {"PLADJ_pct": float(100.0 * 2.0 * like.sum() / (4.0 * n_cells))}
    return cls, land


def raster_adjacency(idx: np.ndarray, k: int) -> np.ndarray:
    """Full K x K adjacency matrix g_ik (double count, 4 faces), cells with ``idx`` < 0 excluded."""
    g = np.zeros(k * k, dtype=np.int64)
    for f, s in ((idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])):
        ok = (f >= 0) & (s >= 0)
        g += np.bincount(f[ok].astype(np.int64) * k + s[ok], minlength=k * k)
    gm = g.reshape(k, k)
    return gm + gm.T


def _enn_class(pts: np.ndarray, lab: np.ndarray, out: np.ndarray) -> None:
    """Nearest other-patch distance for the patches of one class (``out`` updated in place).

    One KD-tree over the class's edge cells; each cell asks for its k nearest cells and
    keeps the first of another patch. A cell whose k nearest are all of its own patch
    has its k-th distance as a lower bound: it is asked again with 4k neighbours only
    while that bound is below its patch's best distance so far, so the answer is exact.
    Cells still open after k = 512 (a long patch edge far from the rest of its class)
    are answered by a KD-tree of the other patches' cells, one per such patch.
    """
    from scipy.spatial import cKDTree

    n = len(pts)
    tree = cKDTree(pts)
    todo = np.arange(n)
    k = min(8, n)
    while len(todo) and k < n and k <= 512:
        keep = []
        step = max(1, 2_000_000 // k)  # bounded memory: at most 2M neighbours per query
        for lo in range(0, len(todo), step):
            rows = todo[lo : lo + step]
            d, j = tree.query(pts[rows], k=k)
            other = (j < n) & (lab[np.minimum(j, n - 1)] != lab[rows][:, None])
            hit = other.any(axis=1)
            first = other.argmax(axis=1)
            np.minimum.at(out, lab[rows[hit]], d[hit, first[hit]])
            keep.append(rows[~hit & (d[:, -1] < out[lab[rows]])])
        todo = np.concatenate(keep)
        todo = todo[d_last(tree, pts, todo, k) < out[lab[todo]]] if len(keep) > 1 and len(todo) else todo
        k = min(4 * k, n)
    for p in np.unique(lab[todo]):
        rows = todo[lab[todo] == p]
        others = lab != p
        if others.any():
            out[p] = min(out[p], float(cKDTree(pts[others]).query(pts[rows])[0].min()))


def d_last(tree: Any, pts: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Distance to the k-th nearest cell: the lower bound of open rows, re-checked against the
    best distances found in later chunks of the same round."""
    return np.asarray(tree.query(pts[rows], k=[k])[0]).reshape(-1)


def raster_enn(labels: np.ndarray, patch_class: np.ndarray) -> np.ndarray:
    """Edge-to-edge distance (in cells, cell centre to cell centre) from each patch to
    the nearest other patch of its class; NaN for the only patch of a class.

    Only cells on a patch's edge (one of its 4 neighbours outside the patch) can be the
    closest to a cell outside: from any other cell an axis step towards the target stays
    in the patch and is strictly nearer. The nearest other patch is then found among the
    class's edge cells with a KD-tree (:func:`_enn_class`), not one tree per patch.
    """
    padded = np.pad(labels, 1)
    centre = padded[1:-1, 1:-1]
    edge = (
        (padded[:-2, 1:-1] != centre) | (padded[2:, 1:-1] != centre)
        | (padded[1:-1, :-2] != centre) | (padded[1:-1, 2:] != centre)
    ) & (labels > 0)
    ys, xs = np.nonzero(edge)
    lab = labels[ys, xs].astype(np.int64) - 1
    out = np.full(len(patch_class), np.inf)
    cls_of = patch_class[lab]
    order = np.argsort(cls_of, kind="stable")
    bounds = np.flatnonzero(np.diff(cls_of[order])) + 1
    for group in np.split(order, bounds):
        if len(group) and not np.all(lab[group] == lab[group[0]]):
            _enn_class(np.column_stack([ys[group], xs[group]]).astype(float), lab[group], out)
    out[np.isinf(out)] = np.nan
    return out


def polygon_enn(geoms: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Edge-to-edge distance (m) from each patch geometry to the nearest other patch of its class."""
    import shapely

    out = np.full(len(geoms), np.nan)
    for c in np.unique(code):
        members = np.flatnonzero(code == c)
        if len(members) < 2:
            continue
        tree = shapely.STRtree(geoms[members])
        (src, _dst), dist = tree.query_nearest(geoms[members], exclusive=True, return_distance=True, all_matches=False)
        best = np.full(len(members), np.inf)
        np.minimum.at(best, src, dist)
        out[members] = best
    return out
