"""Shared pipeline of the accessibility metrics: check, snap both sides once, search, write columns.

Every metric of the wing (:mod:`.metrics`, :mod:`.fca`, :mod:`.isochrones`,
:mod:`.lifecircle`, :mod:`.parks`, :mod:`.siting`) runs the same three steps, in this
order and once each:

1. **prepare** -- :func:`check_network`, :func:`check_speed`, :func:`thresholds`;
   :func:`snap_origins` and :func:`snap_facilities` snap each input frame once
   (:func:`urbangeo.accessibility.snap_points`: every warning about its rows comes
   from there, once) and turn the snap into leg costs (a :class:`Side`);
   :func:`facility_groups` / :func:`category_groups` split the facilities by category and
   :func:`subset_legs` selects a category's legs without snapping again;
2. **search** -- :func:`nearest_search` (k nearest per origin) or :func:`pair_search`
   (all pairs within a bound), over the :mod:`._engine` graphs;
3. **write** -- :func:`labels_of` and :func:`snap_columns` (``snap_dist_m``,
   ``snap_note``) on a copy of the primary input.

:func:`nearest` chains the three for :func:`~urbangeo.accessibility.nearest_facilities`
and :func:`~urbangeo.accessibility.park_coverage`; :func:`decay_weights` is the decay
used by gravity access and the 2SFCA family. This module imports only downwards
(:mod:`.snapping`, :mod:`.network`, :mod:`._engine` and the core); the public modules
import from it, never from each other.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._progress import progress_bar
from .._validate import check_choice, check_columns, check_geodataframe, check_number
from ..errors import ColumnTypeError, DroppedRowsWarning, EmptyDataError, InvalidOptionError
from . import _engine, snapping
from .network import Network, Weight
from .snapping import Legs, legs, same_edge_pairs

DECAYS = ("step", "linear", "exponential", "gaussian", "power")


# --------------------------------------------------------------------------- decay
def decay_weights(
    cost,
    *,
    kind: Literal["step", "linear", "exponential", "gaussian", "power"] = "exponential",
    horizon: float,
    beta: float | None = None,
    min_cost: float | None = None,
) -> np.ndarray:
    """Distance-decay weight of travel ``cost`` (minutes or metres), 0 beyond ``horizon``.

    Every kind is 1 at cost 0 and 0 beyond the horizon (``cost > horizon``); at the
    horizon itself (inclusive):

    =========== ================================================== ======================
    kind        weight for ``0 <= c <= horizon``                   value at horizon
    =========== ================================================== ======================
    step        1                                                  1
    linear      ``1 - c / horizon``                                0
    exponential ``exp(-beta * c)``, ``beta`` default ``4/horizon`` ``exp(-4)`` =0.018
    gaussian    ``(exp(-c^2/(2h^2)) - e^-1/2) / (1 - e^-1/2)``     0
    power       ``(min_cost / max(c, min_cost)) ** beta``          ``(min_cost/h)**beta``
    =========== ================================================== ======================

    The Gaussian is the one of Dai (2010, Ga2SFCA); the exponential default follows
    cityseer (weight exp(-4) at the horizon); ``power`` uses ``beta`` (default 1) and a
    minimum cost ``min_cost`` (default ``horizon / 15``, e.g. 1 minute for 15) below
    which the weight stays 1, so a facility next door does not get an infinite weight.
    NaN costs (unreachable) give weight 0.

    Parameters
    ----------
    cost : float or array-like of float
        Travel costs, minutes or metres (the unit of ``horizon``); NaN or inf =
        unreachable.
    kind : {"step", "linear", "exponential", "gaussian", "power"}, default "exponential"
        The decay function (table above).
    horizon : float
        Largest cost with a weight (> 0), in the unit of ``cost``.
    beta : float, optional
        Decay rate: ``exponential`` per unit of cost (default ``4 / horizon``),
        ``power`` exponent (default 1).
    min_cost : float, optional
        ``power`` only: the cost below which the weight stays 1 (default
        ``horizon / 15``).

    Returns
    -------
    ndarray of float
        One weight in [0, 1] per cost.

    Raises
    ------
    ColumnTypeError
        ``cost`` holds text (or anything else that is not a number).
    InvalidOptionError
        Unknown ``kind``; ``horizon``, ``beta`` or ``min_cost`` out of range.

    Examples
    --------
    >>> decay_weights([0, 5, 10, 11], kind="linear", horizon=10).tolist()
    [1.0, 0.5, 0.0, 0.0]
    >>> decay_weights([0, 10], kind="step", horizon=10).tolist()
    [1.0, 1.0]
    """
    check_choice(kind, "decay", DECAYS)
    h = check_number(horizon, "horizon", minimum=0.0, strict=True)
    c = _numeric_costs(cost)
    inside = np.isfinite(c) & (c <= h)
    cc = np.where(inside, np.maximum(c, 0.0), 0.0)
    if kind == "step":
        w = np.ones_like(cc)
    elif kind == "linear":
        w = 1.0 - cc / h
    elif kind == "exponential":
        b = 4.0 / h if beta is None else check_number(beta, "beta", minimum=0.0)
        w = np.exp(-b * cc)
    elif kind == "gaussian":
        e = math.exp(-0.5)
        w = (np.exp(-0.5 * (cc / h) ** 2) - e) / (1.0 - e)
    else:  # power
        b = 1.0 if beta is None else check_number(beta, "beta", minimum=0.0)
        mc = h / 15.0 if min_cost is None else check_number(min_cost, "min_cost", minimum=0.0, strict=True)
        w = (mc / np.maximum(cc, mc)) ** b
    return np.where(inside, w, 0.0)


def _numeric_costs(cost) -> np.ndarray:
    """``cost`` as a float array, or :class:`ColumnTypeError` naming ``cost`` (text is never parsed)."""
    if isinstance(cost, (pd.Series, pd.Index)) and pd.api.types.is_numeric_dtype(cost.dtype):
        return cost.to_numpy(dtype=float, na_value=np.nan)  # nullable Float64/Int64 with <NA> too
    raw = np.asarray(cost)
    is_text = raw.dtype.kind in "USa" or (
        raw.dtype.kind == "O" and any(isinstance(v, (str, bytes)) for v in raw.ravel().tolist())
    )
    if not is_text:
        try:
            return raw.astype(float)
        except (TypeError, ValueError):
            pass
    example = raw.ravel()[:3].tolist()
    raise ColumnTypeError(
        f"`cost` must hold numbers (travel minutes or metres; NaN = unreachable), but it holds "
        f"{'text' if is_text else 'values that are not numbers'} ({raw.dtype}) such as {example}. Convert it first, e.g. "
        f"cost = pandas.to_numeric(cost, errors='coerce') (text that is not a number becomes NaN)."
    )


# --------------------------------------------------------------------------- prepare
def check_network(network: object) -> Network:
    """``network`` itself, or TypeError / EmptyDataError with the fix."""
    if not isinstance(network, Network):
        raise TypeError(
            f"`network` must be an urbangeo Network, got {type(network).__name__}; build one with "
            f"urbangeo.accessibility.network_from_osm(path) or network_from_graph(graph)."
        )
    if network.n_edges == 0:
        raise EmptyDataError("`network` has no edges; check the OSM extract and the mode filter.")
    return network


def check_speed(speed_kmh):
    """None (the network's edge speeds) or a speed > 0."""
    if speed_kmh is None:
        return None
    return check_number(speed_kmh, "speed_kmh", minimum=0.0, strict=True)


def thresholds(minutes, dist_m, *, default=(5.0, 10.0, 15.0), allow_inf=False):
    """-> (weight, thresholds in primary units (s or m), labels, values as given)."""
    if minutes is not None and dist_m is not None:
        raise InvalidOptionError("give either `minutes` or `dist_m`, not both.")
    if minutes is None and dist_m is None:
        minutes = default
    if minutes is not None:
        vals, weight, unit, factor = minutes, "time_s", "min", 60.0
        name = "minutes"
    else:
        vals, weight, unit, factor = dist_m, "length_m", "m", 1.0
        name = "dist_m"
    if np.isscalar(vals):
        vals = (vals,)
    vals = list(vals)
    if not vals:
        raise InvalidOptionError(f"`{name}` is empty; give at least one threshold, e.g. {name}=(5, 10, 15).")
    out = []
    for v in vals:
        if allow_inf and isinstance(v, (int, float)) and v == math.inf:
            out.append(math.inf)
        else:
            out.append(check_number(v, name, minimum=0.0))
    labels = [f"{v:g}{unit}" for v in out]
    return weight, np.array(out) * factor, labels, out


@dataclass
class Side:
    """Snapped rows of one input frame and their leg costs."""

    snap: pd.DataFrame
    legs: Legs
    n: int


def snap_origins(network: Network, origins, *, weight, speed_kmh, max_snap_m, name="origins", polygons="representative",
                 entrance_spacing_m=50.0) -> Side:
    """Snap the primary frame once (:func:`~urbangeo.accessibility.snap_points`) and cost its legs."""
    snap = snapping.snap_points(network, origins, max_snap_m=max_snap_m, name=name, polygons=polygons,
                                entrance_spacing_m=entrance_spacing_m)
    return Side(snap, legs(network, snap, side="origin", weight=weight, speed_kmh=speed_kmh), len(origins))


def snap_facilities(network: Network, facilities, *, weight, speed_kmh, max_snap_m, polygons, entrance_spacing_m,
                    name="facilities") -> Side:
    """Snap the facilities once, warn about those too far from the network, and cost their legs."""
    snap = snapping.snap_points(network, facilities, max_snap_m=max_snap_m, polygons=polygons,
                                entrance_spacing_m=entrance_spacing_m, name=name)
    # rows without geometry were counted by snap_points already; these are the far ones
    lost = snap[(snap.edge < 0) & ~snap.note.isin(("missing geometry", "empty geometry"))]
    if len(lost):
        labels = facilities.index[lost.row.to_numpy()]
        reasons = lost.note.astype(str).to_numpy()
        shown = ", ".join(f"{lab!r} ({r})" for lab, r in list(zip(labels, reasons))[:5])
        warnings.warn(
            f"{len(lost)} of {len(facilities)} {name} could not be snapped to the network and are excluded: "
            f"{shown}{' ...' if len(lost) > 5 else ''}.",
            DroppedRowsWarning,
            stacklevel=snapping._user_stacklevel(),
        )
    return Side(snap, legs(network, snap, side="facility", weight=weight, speed_kmh=speed_kmh), len(facilities))


def snap_columns(out: gpd.GeoDataFrame, side: Side) -> None:
    """Write ``snap_dist_m`` and ``snap_note`` of ``side`` (its best location per row) into ``out``."""
    first = side.snap.drop_duplicates("row").set_index("row").reindex(np.arange(side.n))
    out["snap_dist_m"] = first.dist_m.to_numpy(float)
    out["snap_note"] = pd.Series(
        [None if (isinstance(v, float) and np.isnan(v)) or v is None else str(v) for v in first.note],
        index=out.index,
        dtype=object,
    )


def labels_of(index: pd.Index, pos: np.ndarray):
    """Facility index labels at positions ``pos`` (-1 -> missing), nullable dtype."""
    ok = pos >= 0
    if not len(index):  # no facilities: every label is missing
        return pd.array([pd.NA] * len(pos), dtype="Int64") if pd.api.types.is_integer_dtype(index.dtype) else (
            np.full(len(pos), None, dtype=object))
    vals = index.take(np.where(ok, pos, 0))
    if pd.api.types.is_integer_dtype(index.dtype):
        arr = pd.array(np.asarray(vals, dtype=np.int64), dtype="Int64")
        arr[~ok] = pd.NA
        return arr
    obj = np.asarray(vals, dtype=object)
    obj[~ok] = None
    return obj


def facility_groups(facilities, by, name="facilities"):
    """[(category or None, positions)], warning about rows with a missing category."""
    if by is None:
        return [(None, np.arange(len(facilities)))]
    check_columns(facilities, name, [by])
    col = facilities[by]
    miss = col.isna().to_numpy()
    if miss.any():
        warnings.warn(
            f"{int(miss.sum())} {name} have no value in `{by}` and are excluded: "
            f"{list(facilities.index[miss][:5])}{' ...' if miss.sum() > 5 else ''}.",
            DroppedRowsWarning,
            stacklevel=snapping._user_stacklevel(),
        )
    cats = pd.unique(col[~miss])
    with contextlib.suppress(TypeError):
        cats = sorted(cats)
    arr = col.to_numpy()
    return [(c, np.flatnonzero((arr == c) & ~miss)) for c in cats]


def category_groups(facilities, by, name):
    """Groups of :func:`facility_groups`, plus every declared category of a categorical ``by`` column
    (used or not), or one unprefixed group when no category is known (no facilities): the
    output always has its columns, NaN where nothing is reachable."""
    groups = facility_groups(facilities, by, name)
    if by is None:
        return groups
    col = facilities[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        rows_of = {c: rows for c, rows in groups}
        groups = [(c, rows_of.get(c, np.zeros(0, np.int64))) for c in col.cat.categories]
    return groups or [(None, np.zeros(0, np.int64))]


def subset_legs(lg: Legs, rows: np.ndarray) -> Legs:
    """The legs of facility rows ``rows`` (one category), without snapping again."""
    keep = np.isin(lg.row, rows)
    return Legs(**{k: getattr(lg, k)[keep] for k in lg.__dataclass_fields__})


# --------------------------------------------------------------------------- search
def nearest_search(g, ol: Legs, fl: Legs, *, k: int, limit: float, n_origins: int):
    """(cost, cost2, facility position) arrays of shape (n_origins, k); inf/-1 -> NaN/-1."""
    cost = np.full((n_origins, k), np.nan)
    cost2 = np.full((n_origins, k), np.nan)
    lab = np.full((n_origins, k), -1, dtype=np.int64)
    if not len(ol.row) or not len(fl.row):
        return cost, cost2, lab
    node, c, c2, pos = fl.seeds()
    flab = fl.row[pos]
    if k == 1:
        d, d2, dl = _engine.multi_source(g, node, c, c2, flab, limit=limit)
        d, d2, dl = d[:, None], d2[:, None], dl[:, None]
    else:
        d, d2, dl = _engine.k_nearest(g, node, c, c2, flab, k=k, limit=limit)
    # candidates: via u, via v, and direct along a shared edge
    no = len(ol.row)
    cand_o = [np.repeat(np.arange(no), k), np.repeat(np.arange(no), k)]
    cand_c = [(ol.cu[:, None] + d[ol.u]).ravel(), (ol.cv[:, None] + d[ol.v]).ravel()]
    cand_c2 = [(ol.cu2[:, None] + d2[ol.u]).ravel(), (ol.cv2[:, None] + d2[ol.v]).ravel()]
    cand_l = [dl[ol.u].ravel(), dl[ol.v].ravel()]
    oi, fi, sc, sc2 = same_edge_pairs(ol, fl)
    cand_o.append(oi)
    cand_c.append(sc)
    cand_c2.append(sc2)
    cand_l.append(fl.row[fi])
    co = np.concatenate(cand_o)
    cc = np.concatenate(cand_c)
    cc2 = np.concatenate(cand_c2)
    cl = np.concatenate(cand_l)
    ok = np.isfinite(cc) & (cl >= 0) & (cc <= limit)
    co, cc, cc2, cl = co[ok], cc[ok], cc2[ok], cl[ok]
    # best per (origin, facility), then the k best per origin
    order = np.lexsort((cc2, cc, cl, co))
    co, cc, cc2, cl = co[order], cc[order], cc2[order], cl[order]
    first = np.ones(len(co), bool)
    first[1:] = (co[1:] != co[:-1]) | (cl[1:] != cl[:-1])
    co, cc, cc2, cl = co[first], cc[first], cc2[first], cl[first]
    order = np.lexsort((cl, cc2, cc, co))
    co, cc, cc2, cl = co[order], cc[order], cc2[order], cl[order]
    start = np.searchsorted(co, co, side="left")
    rank = np.arange(len(co)) - start
    keep = rank < k
    rows = ol.row[co[keep]]
    cost[rows, rank[keep]] = cc[keep]
    cost2[rows, rank[keep]] = cc2[keep]
    lab[rows, rank[keep]] = cl[keep]
    return cost, cost2, lab


def pair_search(network: Network, ol: Legs, fl: Legs, *, weight, speed_kmh, limit, progress=None):
    """All (origin row, facility row, cost, metres) pairs with cost <= ``limit``.

    One bounded search per facility over the reversed network (a facility with several
    entrances is one search seeded at all of them), plus the direct moves of pairs on a
    shared edge. Memory grows with the pairs found, never with origins x facilities.
    """
    g = _engine.graph(network, weight=weight, speed_kmh=speed_kmh, reverse=True)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))
    if not len(ol.row) or not len(fl.row):
        return empty
    # sources: facility rows, seeds sorted by facility
    node, c, c2, pos = fl.seeds()
    frow = fl.row[pos]
    order = np.argsort(frow, kind="stable")
    node, c, c2, frow = node[order], c[order], c2[order], frow[order]
    src_rows, starts = np.unique(frow, return_index=True)
    seed_ptr = np.append(starts, len(frow)).astype(np.int64)
    # targets: origin legs attached to nodes (u then v), positions in ol
    tn = np.concatenate([ol.u, ol.v])
    tc = np.concatenate([ol.cu, ol.cv])
    tc2 = np.concatenate([ol.cu2, ol.cv2])
    ti = np.concatenate([np.arange(len(ol.u)), np.arange(len(ol.v))])
    fin = np.isfinite(tc)
    tn, tc, tc2, ti = tn[fin], tc[fin], tc2[fin], ti[fin]
    o2 = np.argsort(tn, kind="stable")
    tn, tc, tc2, ti = tn[o2], tc[o2], tc2[o2], ti[o2]
    tptr = np.zeros(g.n + 1, np.int64)
    np.cumsum(np.bincount(tn, minlength=g.n), out=tptr[1:])
    targets = (tptr, ti, tc, tc2, len(ol.row))
    n_src = len(src_rows)
    chunk = n_src if not (progress if progress is not None else False) else max(1, -(-n_src // 50))
    parts = []
    for lo in progress_bar(range(0, n_src, chunk), progress=progress, total=-(-n_src // chunk), desc="searches"):
        hi = min(lo + chunk, n_src)
        sp = seed_ptr[lo : hi + 1] - seed_ptr[lo]
        sl = slice(seed_ptr[lo], seed_ptr[hi])
        s, t, cst, cst2 = _engine.bounded(g, sp, node[sl], c[sl], c2[sl], limit=limit, targets=targets)
        parts.append((s + lo, t, cst, cst2))
    s = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    cst = np.concatenate([p[2] for p in parts])
    cst2 = np.concatenate([p[3] for p in parts])
    fo = src_rows[s]
    oo = ol.row[t]
    # direct moves along a shared edge
    oi, fi, sc, sc2 = same_edge_pairs(ol, fl)
    if len(oi):
        keep = sc <= limit
        so, sf, sc, sc2 = ol.row[oi[keep]], fl.row[fi[keep]], sc[keep], sc2[keep]
        # only the pairs that also came out of the searches need a minimum of both costs
        n_f = int(max(fo.max(initial=0), sf.max(initial=0))) + 1
        clash = np.isin(oo * n_f + fo, so * n_f + sf)
        mo = np.concatenate([oo[clash], so])
        mf = np.concatenate([fo[clash], sf])
        mc = np.concatenate([cst[clash], sc])
        mc2 = np.concatenate([cst2[clash], sc2])
        order = np.lexsort((mc2, mc, mf, mo))
        mo, mf, mc, mc2 = mo[order], mf[order], mc[order], mc2[order]
        first = np.ones(len(mo), bool)
        first[1:] = (mo[1:] != mo[:-1]) | (mf[1:] != mf[:-1])
        oo = np.concatenate([oo[~clash], mo[first]])
        fo = np.concatenate([fo[~clash], mf[first]])
        cst = np.concatenate([cst[~clash], mc[first]])
        cst2 = np.concatenate([cst2[~clash], mc2[first]])
    return oo, fo, cst, cst2


# --------------------------------------------------------------------------- the whole pass
def nearest(
    network, origins, facilities, *, k=1, by=None, minutes=None, speed_kmh=None, max_snap_m=None,
    facility_polygons="representative", entrance_spacing_m=50.0, progress=None,
    names: tuple[str, str] = ("origins", "facilities"),
) -> gpd.GeoDataFrame:
    """:func:`nearest_facilities`, with the caller's argument ``names`` in every message.

    Life circles pass ``("residences", "facilities")``, parks ``("residences", "parks")``:
    an error then names the argument the user actually passed.
    """
    o_name, f_name = names
    check_network(network)
    check_geodataframe(origins, o_name, allow_empty=True)
    check_geodataframe(facilities, f_name, allow_empty=True)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidOptionError(f"`k` must be an integer >= 1; got {k!r}.")
    speed_kmh = check_speed(speed_kmh)
    limit = np.inf if minutes is None else check_number(minutes, "minutes", minimum=0.0) * 60.0
    groups = category_groups(facilities, by, f_name)
    weight: Weight = "time_s"
    o = snap_origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m, name=o_name)
    f = snap_facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                        polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m, name=f_name)
    g = _engine.graph(network, weight=weight, speed_kmh=speed_kmh, reverse=True)
    out = origins.copy()
    for cat, rows in progress_bar(groups, progress=progress, total=len(groups), desc="nearest"):
        fl = f.legs if by is None else subset_legs(f.legs, rows)
        cost, cost2, lab = nearest_search(g, o.legs, fl, k=int(k), limit=limit, n_origins=len(origins))
        prefix = "" if cat is None else f"{cat}_"
        for r in range(int(k)):
            out[f"{prefix}minutes_{r + 1}"] = cost[:, r] / 60.0
            out[f"{prefix}dist_m_{r + 1}"] = cost2[:, r]
            out[f"{prefix}facility_{r + 1}"] = labels_of(facilities.index, lab[:, r])
    snap_columns(out, o)
    return out
