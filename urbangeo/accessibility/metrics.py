"""Nearest facilities, cumulative opportunities, gravity access and decay functions.

Conventions
-----------
* Travel costs run from each origin *to* the facility (origin -> facility), which
  matters on one-way streets when driving.
* Origins and facilities are snapped to their nearest edge (:func:`snap_points`); the
  cost includes the access leg and the offset along the edge, both travelled at the
  speed of that edge (or ``speed_kmh``).
* Thresholds are inclusive (``cost <= threshold``).
* Unreachable, or not snapped within ``max_snap_m`` -> NaN (never a sentinel); the
  reason is in ``snap_note``. Facilities that cannot be snapped are excluded with a
  :class:`~urbangeo.errors.DroppedRowsWarning` naming them.
* Bad rows are dealt with once, when snapping (:func:`snap_points`), the same way in
  every function: rows without geometry are kept (origins: NaN and a ``snap_note``)
  and counted in a :class:`~urbangeo.errors.DroppedRowsWarning`; invalid polygons are
  repaired with ``make_valid`` and a :class:`~urbangeo.errors.GeometryFixedWarning`;
  an empty frame gives an :class:`~urbangeo.errors.EmptyInputWarning` (the result has
  its columns, with no rows or all NaN / 0).
* Walking speed: the network's edge speeds (``settings.walk_speed_kmh``, 4.5 km/h by
  default, when the network was built) unless ``speed_kmh`` is given.

Output columns
--------------
``nearest_facilities``: ``time_min_{r}``, ``dist_m_{r}``, ``facility_{r}`` for rank
``r = 1..k`` (``facility_r`` holds the facility's index label); with ``by`` every
column is prefixed by the category: ``{category}_time_min_1``.
``cumulative_opportunities``: ``count_{t}`` (or ``{weight_col}_{t}`` with a weight
column), with ``t`` like ``15min`` or ``800m``; prefixed ``{category}_`` with ``by``.
``gravity_access``: ``gravity`` (``{category}_gravity`` with ``by``).
All three add ``snap_dist_m`` (access leg of the origin, metres) and ``snap_note``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._progress import progress_bar
from .._validate import check_choice, check_columns, check_geodataframe, check_number
from ..errors import ColumnTypeError, DroppedRowsWarning, InvalidOptionError
from . import _engine
from .network import Network
from .snapping import Legs, legs, same_edge_pairs, snap_points

log = logging.getLogger(__name__)

__all__ = [
    "nearest_facilities",
    "cumulative_opportunities",
    "gravity_access",
    "decay_weights",
    "DECAYS",
    "pair_costs",
    "PairCosts",
]

DECAYS = ("step", "linear", "exponential", "gaussian", "power")


# --------------------------------------------------------------------------- decay
def decay_weights(
    cost,
    kind: Literal["step", "linear", "exponential", "gaussian", "power"] = "exponential",
    *,
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

    Raises
    ------
    ColumnTypeError
        ``cost`` holds text (or anything else that is not a number).
    InvalidOptionError
        Unknown ``kind``; ``horizon``, ``beta`` or ``min_cost`` out of range.

    Examples
    --------
    >>> decay_weights([0, 5, 10, 11], "linear", horizon=10).tolist()
    [1.0, 0.5, 0.0, 0.0]
    >>> decay_weights([0, 10], "step", horizon=10).tolist()
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


# --------------------------------------------------------------------------- shared preparation
def _check_network(network) -> Network:
    if not isinstance(network, Network):
        raise TypeError(
            f"`network` must be an urbangeo Network, got {type(network).__name__}; build one with "
            f"urbangeo.accessibility.network_from_osm(path) or network_from_graph(G)."
        )
    if network.n_edges == 0:
        from ..errors import EmptyDataError

        raise EmptyDataError("`network` has no edges; check the OSM extract and the mode filter.")
    return network


def _check_speed(speed_kmh):
    if speed_kmh is None:
        return None
    return check_number(speed_kmh, "speed_kmh", minimum=0.0, strict=True)


def _thresholds(minutes, dist_m, *, default=(5.0, 10.0, 15.0), allow_inf=False):
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
class _Side:
    """Snapped rows of one input frame and their leg costs."""

    snap: pd.DataFrame
    legs: Legs
    n: int


def _origins(network, origins, *, weight, speed_kmh, max_snap_m, name="origins", polygons="representative",
             entrance_spacing_m=50.0) -> _Side:
    snap = snap_points(network, origins, max_snap_m=max_snap_m, name=name, polygons=polygons,
                       entrance_spacing_m=entrance_spacing_m)
    return _Side(snap, legs(network, snap, side="origin", weight=weight, speed_kmh=speed_kmh), len(origins))


def _facilities(network, facilities, *, weight, speed_kmh, max_snap_m, polygons, entrance_spacing_m,
                name="facilities") -> _Side:
    snap = snap_points(network, facilities, max_snap_m=max_snap_m, polygons=polygons,
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
            stacklevel=4,
        )
    return _Side(snap, legs(network, snap, side="facility", weight=weight, speed_kmh=speed_kmh), len(facilities))


def _snap_columns(out: gpd.GeoDataFrame, side: _Side) -> None:
    first = side.snap.drop_duplicates("row").set_index("row").reindex(np.arange(side.n))
    out["snap_dist_m"] = first.dist_m.to_numpy(float)
    out["snap_note"] = pd.Series(
        [None if (isinstance(v, float) and np.isnan(v)) or v is None else str(v) for v in first.note],
        index=out.index,
        dtype=object,
    )


def _labels_of(index: pd.Index, pos: np.ndarray):
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


def _groups(facilities, by, name="facilities"):
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
            stacklevel=3,
        )
    cats = pd.unique(col[~miss])
    with contextlib.suppress(TypeError):
        cats = sorted(cats)
    arr = col.to_numpy()
    return [(c, np.flatnonzero((arr == c) & ~miss)) for c in cats]


def _subset(lg: Legs, rows: np.ndarray) -> Legs:
    keep = np.isin(lg.row, rows)
    return Legs(**{k: getattr(lg, k)[keep] for k in lg.__dataclass_fields__})


# --------------------------------------------------------------------------- nearest
def nearest_facilities(
    network: Network,
    origins: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    k: int = 1,
    by: str | None = None,
    max_minutes: float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    facility_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Travel time and distance from every origin to its ``k`` nearest facilities.

    One multi-source search per facility category (k=1) or one k-label search
    (k>1) over the reversed network, seeded with each facility's exact edge
    offsets; mid-edge origins take the better of their two end nodes, and an origin
    and a facility on the same edge also get the direct move along it.

    Parameters
    ----------
    network : Network
    origins : GeoDataFrame
        Points or polygons (representative points), any CRS.
    facilities : GeoDataFrame
        Points or polygons, any CRS. Labels in the output are its index labels.
    k : int, default 1
        Number of nearest facilities (distinct facilities; several entrances of one
        facility count once).
    by : str, optional
        Column of ``facilities`` with categories; results per category, columns
        prefixed ``{category}_``. A categorical column gives columns for every declared
        category, used or not (NaN where it has no facility); with no category at all
        (no facilities) the unprefixed columns are returned, all NaN.
    max_minutes : float, optional
        Search horizon; facilities further away give NaN.
    speed_kmh : float, optional
        Uniform speed overriding the network's edge speeds.
    max_snap_m : float, optional
        Longest access leg; default ``settings.max_snap_m``.
    facility_polygons : {"representative", "entrances"}
        How polygon facilities (parks) enter the network; see :func:`snap_points`.
    entrance_spacing_m : float, default 50.0
    progress : bool, optional
        Show a progress bar over categories.

    Returns
    -------
    GeoDataFrame
        Copy of ``origins`` (same index and CRS) plus ``time_min_{r}``,
        ``dist_m_{r}`` (metres along the fastest path, access legs included),
        ``facility_{r}`` for r = 1..k, ``snap_dist_m`` and ``snap_note``. The columns
        are always there: empty ``facilities`` give them filled with NaN (missing labels).

    Warns
    -----
    DroppedRowsWarning
        Facilities that cannot be snapped to the network, or have no value in ``by``,
        are excluded (counted and listed); origins without geometry (None or empty)
        are kept with NaN and a ``snap_note`` (counted and listed).
    GeometryFixedWarning
        Invalid polygons in ``origins`` or ``facilities`` were repaired with ``make_valid``.
    EmptyInputWarning
        ``origins`` or ``facilities`` has no rows (no rows, or every value NaN).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, nearest_facilities
    >>> net = grid_network(5, 5, spacing_m=100)
    >>> homes = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000)], crs=net.crs)
    >>> shops = gpd.GeoDataFrame({"kind": ["a", "b"]},
    ...     geometry=[Point(500_200, 2_500_100), Point(500_400, 2_500_400)], crs=net.crs)
    >>> out = nearest_facilities(net, homes, shops, speed_kmh=6.0)
    >>> float(out.dist_m_1[0]), float(out.time_min_1[0]), int(out.facility_1[0])
    (300.0, 3.0, 0)
    """
    return _nearest(
        network, origins, facilities, k=k, by=by, max_minutes=max_minutes, speed_kmh=speed_kmh,
        max_snap_m=max_snap_m, facility_polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m,
        progress=progress,
    )


def _nearest(
    network, origins, facilities, *, k=1, by=None, max_minutes=None, speed_kmh=None, max_snap_m=None,
    facility_polygons="representative", entrance_spacing_m=50.0, progress=None,
    names: tuple[str, str] = ("origins", "facilities"),
) -> gpd.GeoDataFrame:
    """:func:`nearest_facilities`, with the caller's argument ``names`` in every message.

    Life circles pass ``("residences", "facilities")``, parks ``("residences", "parks")``:
    an error then names the argument the user actually passed.
    """
    o_name, f_name = names
    _check_network(network)
    check_geodataframe(origins, o_name, allow_empty=True)
    check_geodataframe(facilities, f_name, allow_empty=True)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidOptionError(f"`k` must be an integer >= 1; got {k!r}.")
    speed_kmh = _check_speed(speed_kmh)
    limit = np.inf if max_minutes is None else check_number(max_minutes, "max_minutes", minimum=0.0) * 60.0
    groups = _category_groups(facilities, by, f_name)
    weight = "time_s"
    o = _origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m, name=o_name)
    f = _facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                    polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m, name=f_name)
    g = _engine.graph(network, weight=weight, speed_kmh=speed_kmh, reverse=True)
    out = origins.copy()
    for cat, rows in progress_bar(groups, progress=progress, total=len(groups), desc="nearest"):
        fl = f.legs if by is None else _subset(f.legs, rows)
        cost, cost2, lab = _nearest_core(g, o.legs, fl, k=int(k), limit=limit, n_origins=len(origins))
        prefix = "" if cat is None else f"{cat}_"
        for r in range(int(k)):
            out[f"{prefix}time_min_{r + 1}"] = cost[:, r] / 60.0
            out[f"{prefix}dist_m_{r + 1}"] = cost2[:, r]
            out[f"{prefix}facility_{r + 1}"] = _labels_of(facilities.index, lab[:, r])
    _snap_columns(out, o)
    return out


def _category_groups(facilities, by, name):
    """Groups of :func:`_groups`, plus every declared category of a categorical ``by`` column
    (used or not), or one unprefixed group when no category is known (no facilities): the
    output always has its columns, NaN where nothing is reachable."""
    groups = _groups(facilities, by, name)
    if by is None:
        return groups
    col = facilities[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        rows_of = {c: rows for c, rows in groups}
        groups = [(c, rows_of.get(c, np.zeros(0, np.int64))) for c in col.cat.categories]
    return groups or [(None, np.zeros(0, np.int64))]


def _nearest_core(g, ol: Legs, fl: Legs, *, k: int, limit: float, n_origins: int):
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


# --------------------------------------------------------------------------- pair costs (bounded)
@dataclass
class PairCosts:
    """Sparse origin -> facility costs within a limit (every pair with cost <= limit).

    ``origin`` and ``facility`` are row positions in the inputs; ``cost`` is in the
    primary unit (seconds for ``weight="time_s"``, metres for ``"length_m"``) and
    ``dist_m`` the length of that path. ``origins_snap`` / ``facilities_snap`` are the
    :func:`snap_points` frames (``edge == -1`` rows were not snapped).
    """

    origin: np.ndarray
    facility: np.ndarray
    cost: np.ndarray
    dist_m: np.ndarray
    weight: str
    origins_snap: pd.DataFrame
    facilities_snap: pd.DataFrame
    n_origins: int
    n_facilities: int

    @property
    def origin_snapped(self) -> np.ndarray:
        """Boolean per origin row: snapped within ``max_snap_m``."""
        ok = np.zeros(self.n_origins, bool)
        ok[self.origins_snap.row[self.origins_snap.edge >= 0].to_numpy()] = True
        return ok

    @property
    def facility_snapped(self) -> np.ndarray:
        ok = np.zeros(self.n_facilities, bool)
        ok[self.facilities_snap.row[self.facilities_snap.edge >= 0].to_numpy()] = True
        return ok


def pair_costs(
    network: Network,
    origins: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    limit: float,
    weight: Literal["time_s", "length_m"] = "time_s",
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    facility_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
) -> PairCosts:
    """All origin -> facility pairs with cost <= ``limit`` (seconds or metres).

    One bounded search per facility over the reversed network (a facility with
    several entrances is one search seeded at all of them), reaching the origins
    through their snapped edges; pairs on a shared edge also get the direct move.
    Memory grows with the number of pairs found, never with origins x facilities.
    This is the building block of cumulative counts, gravity access and the 2SFCA
    family; it is public so other modules (life circles, siting) can reuse it.

    Returns
    -------
    PairCosts

    Warns
    -----
    DroppedRowsWarning
        Rows without geometry (None or empty: no pair, ``edge == -1`` in the snap
        frames), and facilities that cannot be snapped (counted and listed).
    GeometryFixedWarning
        Invalid polygons in ``origins`` or ``facilities`` were repaired with ``make_valid``.
    EmptyInputWarning
        ``origins`` or ``facilities`` has no rows (no pair).
    """
    _check_network(network)
    check_choice(weight, "weight", ("time_s", "length_m"))
    speed_kmh = _check_speed(speed_kmh)
    if not (isinstance(limit, (int, float, np.number)) and limit >= 0):
        raise InvalidOptionError(f"`limit` must be a number >= 0 (inf allowed); got {limit!r}.")
    o = _origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    f = _facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                    polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m)
    oo, ff, cc, cc2 = _pairs_core(network, o.legs, f.legs, weight=weight, speed_kmh=speed_kmh, limit=float(limit),
                                  progress=progress)
    return PairCosts(oo, ff, cc, cc2, weight, o.snap, f.snap, len(origins), len(facilities))


def _pairs_core(network, ol: Legs, fl: Legs, *, weight, speed_kmh, limit, progress=None):
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


# --------------------------------------------------------------------------- cumulative & gravity
def _weights_col(facilities, weight_col):
    if weight_col is None:
        return np.ones(len(facilities))
    check_columns(facilities, "facilities", {weight_col: "numeric"})
    w = facilities[weight_col].to_numpy(float)
    if np.isnan(w).any():
        bad = facilities.index[np.isnan(w)]
        warnings.warn(
            f"{len(bad)} facilities have no value in `{weight_col}`; they count as 0: {list(bad[:5])}.",
            DroppedRowsWarning,
            stacklevel=3,
        )
        w = np.nan_to_num(w)
    return w


def cumulative_opportunities(
    network: Network,
    origins: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float | Sequence[float] | None = None,
    dist_m: float | Sequence[float] | None = None,
    weight_col: str | None = None,
    by: str | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    facility_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Count (or sum ``weight_col`` of) the facilities within each threshold, in one pass.

    Parameters
    ----------
    network : Network
    origins, facilities : GeoDataFrame
    minutes : float or sequence, default (5, 10, 15)
        Travel-time thresholds (inclusive).
    dist_m : float or sequence, optional
        Network-distance thresholds instead of minutes.
    weight_col : str, optional
        Numeric column of ``facilities`` to sum (jobs, beds) instead of counting.
    by : str, optional
        Category column of ``facilities``; one set of columns per category.
    speed_kmh, max_snap_m, facility_polygons, entrance_spacing_m, progress
        As in :func:`nearest_facilities`.

    Returns
    -------
    GeoDataFrame
        Copy of ``origins`` plus ``[{category}_]count_{t}`` (or
        ``[{category}_]{weight_col}_{t}``) for each threshold ``t`` (``15min``,
        ``800m``), ``snap_dist_m`` and ``snap_note``. Origins that could not be
        snapped get NaN; snapped origins with nothing in reach get 0.

    Warns
    -----
    DroppedRowsWarning
        Origins without geometry (None or empty; NaN, with a ``snap_note``);
        facilities that cannot be snapped or have no ``by`` value (left out) or no
        ``weight_col`` value (counted as 0). All counted and listed.
    GeometryFixedWarning
        Invalid polygons in ``origins`` or ``facilities`` were repaired with ``make_valid``.
    EmptyInputWarning
        ``origins`` or ``facilities`` has no rows.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, cumulative_opportunities
    >>> net = grid_network(5, 5)
    >>> homes = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000)], crs=net.crs)
    >>> shops = gpd.GeoDataFrame(geometry=[Point(500_100, 2_500_000), Point(500_400, 2_500_400)], crs=net.crs)
    >>> cumulative_opportunities(net, homes, shops, dist_m=(100, 800)).filter(like="count").iloc[0].tolist()
    [1.0, 2.0]
    """
    _check_network(network)
    check_geodataframe(origins, "origins", allow_empty=True)
    check_geodataframe(facilities, "facilities", allow_empty=True)
    weight, thr, labels, _ = _thresholds(minutes, dist_m)
    speed_kmh = _check_speed(speed_kmh)
    wcol = _weights_col(facilities, weight_col)
    o = _origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    f = _facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                    polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m)
    oo, ff, cc, _ = _pairs_core(network, o.legs, f.legs, weight=weight, speed_kmh=speed_kmh,
                                limit=float(thr.max()), progress=progress)
    snapped = np.zeros(len(origins), bool)
    snapped[o.legs.row] = True
    out = origins.copy()
    groups = _groups(facilities, by)
    cat_of = np.full(len(facilities), -1)
    for gi, (_, rows) in enumerate(groups):
        cat_of[rows] = gi
    stem = "count" if weight_col is None else weight_col
    for gi, (cat, _) in enumerate(groups):
        prefix = "" if cat is None else f"{cat}_"
        sel = cat_of[ff] == gi
        for t, lab in zip(thr, labels):
            m = sel & (cc <= t)
            val = np.bincount(oo[m], weights=wcol[ff[m]], minlength=len(origins)).astype(float)
            val[~snapped] = np.nan
            out[f"{prefix}{stem}_{lab}"] = val
    _snap_columns(out, o)
    return out


def gravity_access(
    network: Network,
    origins: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    decay: Literal["step", "linear", "exponential", "gaussian", "power"] = "exponential",
    minutes: float | None = None,
    dist_m: float | None = None,
    beta: float | None = None,
    min_cost: float | None = None,
    weight_col: str | None = None,
    by: str | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    facility_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Gravity (potential) access: sum of facility weights times a decay of the cost.

    ``A_i = sum_j W_j * f(c_ij)`` over facilities with ``c_ij <= horizon``, where
    ``f`` is :func:`decay_weights` of kind ``decay`` and the horizon is ``minutes``
    (default 30) or ``dist_m``; ``beta`` and ``min_cost`` are in the same unit.

    Returns
    -------
    GeoDataFrame
        Copy of ``origins`` plus ``gravity`` (``{category}_gravity`` with ``by``),
        ``snap_dist_m`` and ``snap_note``; NaN for origins not snapped.

    Warns
    -----
    DroppedRowsWarning
        Origins without geometry (None or empty; NaN, with a ``snap_note``);
        facilities that cannot be snapped or have no ``by`` value (left out) or no
        ``weight_col`` value (counted as 0). All counted and listed.
    GeometryFixedWarning
        Invalid polygons in ``origins`` or ``facilities`` were repaired with ``make_valid``.
    EmptyInputWarning
        ``origins`` or ``facilities`` has no rows.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, gravity_access
    >>> net = grid_network(5, 5)
    >>> homes = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000)], crs=net.crs)
    >>> jobs = gpd.GeoDataFrame(geometry=[Point(500_100, 2_500_000)], crs=net.crs)
    >>> float(gravity_access(net, homes, jobs, decay="linear", dist_m=400).gravity[0])
    0.75
    """
    _check_network(network)
    check_geodataframe(origins, "origins", allow_empty=True)
    check_geodataframe(facilities, "facilities", allow_empty=True)
    check_choice(decay, "decay", DECAYS)
    if minutes is None and dist_m is None:
        minutes = 30.0
    for nm, v in (("minutes", minutes), ("dist_m", dist_m)):
        if v is not None and not np.isscalar(v):
            raise InvalidOptionError(f"`{nm}` is the single horizon of the decay; got {v!r}.")
    weight, thr, _, vals = _thresholds(minutes, dist_m)
    horizon = vals[0]
    decay_weights(0.0, decay, horizon=horizon, beta=beta, min_cost=min_cost)  # validate options early
    speed_kmh = _check_speed(speed_kmh)
    wcol = _weights_col(facilities, weight_col)
    o = _origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    f = _facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                    polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m)
    oo, ff, cc, _ = _pairs_core(network, o.legs, f.legs, weight=weight, speed_kmh=speed_kmh,
                                limit=float(thr[0]), progress=progress)
    unit_cost = cc / (60.0 if weight == "time_s" else 1.0)
    wd = decay_weights(unit_cost, decay, horizon=horizon, beta=beta, min_cost=min_cost)
    snapped = np.zeros(len(origins), bool)
    snapped[o.legs.row] = True
    out = origins.copy()
    for cat, rows in _groups(facilities, by):
        sel = np.isin(ff, rows) if cat is not None else np.ones(len(ff), bool)
        val = np.bincount(oo[sel], weights=(wd * wcol[ff])[sel], minlength=len(origins)).astype(float)
        val[~snapped] = np.nan
        out["gravity" if cat is None else f"{cat}_gravity"] = val
    _snap_columns(out, o)
    return out
