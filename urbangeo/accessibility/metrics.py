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
``nearest_facilities``: ``minutes_{r}``, ``dist_m_{r}``, ``facility_{r}`` for rank
``r = 1..k`` (``facility_r`` holds the facility's index label); with ``by`` every
column is prefixed by the category: ``{category}_minutes_1``.
``cumulative_opportunities``: ``count_{t}`` (or ``{weight_col}_{t}`` with a weight
column), with ``t`` like ``15min`` or ``800m``; prefixed ``{category}_`` with ``by``.
``gravity_access``: ``gravity`` (``{category}_gravity`` with ``by``).
All three add ``snap_dist_m`` (access leg of the origin, metres) and ``snap_note``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._dask import is_dask
from .._validate import check_choice, check_columns, check_geodataframe
from ..errors import DroppedRowsWarning, InvalidOptionError
from . import _common, _distributed
from ._common import DECAYS, decay_weights
from .network import Network

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

# --------------------------------------------------------------------------- nearest
def nearest_facilities(
    network: Network,
    origins: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    k: int = 1,
    by: str | None = None,
    minutes: float | None = None,
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
    minutes : float, optional
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
        Copy of ``origins`` (same index and CRS) plus ``minutes_{r}``,
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
    >>> float(out.dist_m_1[0]), float(out.minutes_1[0]), int(out.facility_1[0])
    (300.0, 3.0, 0)
    """
    if is_dask(origins):
        return _distributed.nearest_facilities(
            nearest_facilities, network, origins, facilities, k=k, by=by, minutes=minutes, speed_kmh=speed_kmh,
            max_snap_m=max_snap_m, facility_polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m,
            progress=progress)
    return _common.nearest(
        network, origins, facilities, k=k, by=by, minutes=minutes, speed_kmh=speed_kmh,
        max_snap_m=max_snap_m, facility_polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m,
        progress=progress,
    )


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
    minutes: float | None = None,
    dist_m: float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    facility_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
) -> PairCosts:
    """All origin -> facility pairs within ``minutes`` (or ``dist_m``) of each other.

    One bounded search per facility over the reversed network (a facility with
    several entrances is one search seeded at all of them), reaching the origins
    through their snapped edges; pairs on a shared edge also get the direct move.
    Memory grows with the number of pairs found, never with origins x facilities.
    This is the building block of cumulative counts, gravity access and the 2SFCA
    family; it is public so other modules (life circles, siting) can reuse it.

    Parameters
    ----------
    network : Network
    origins, facilities : GeoDataFrame
        Points or polygons, any CRS.
    minutes : float
        Travel-time bound (``inf`` allowed): pairs with time <= ``minutes`` are kept and
        ``cost`` is in seconds (``weight="time_s"``).
    dist_m : float
        Network-distance bound instead of ``minutes`` (give exactly one): ``cost`` is
        in metres (``weight="length_m"``).
    speed_kmh : float, optional
        Uniform speed overriding the network's edge speeds.
    max_snap_m : float, optional
        Longest access leg; default ``settings.max_snap_m``.
    facility_polygons : {"representative", "entrances"}
        How polygon facilities enter the network; see :func:`snap_points`.
    entrance_spacing_m : float, default 50.0
    progress : bool, optional
        Show a progress bar over facilities.

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
    _common.check_network(network)
    if (minutes is None) == (dist_m is None):
        raise InvalidOptionError("give one bound: `minutes` (travel time) or `dist_m` (network distance).")
    name, bound = ("minutes", minutes) if dist_m is None else ("dist_m", dist_m)
    if isinstance(bound, bool) or not (isinstance(bound, (int, float, np.number)) and bound >= 0):
        raise InvalidOptionError(f"`{name}` must be a number >= 0 (inf allowed); got {bound!r}.")
    weight: Literal["time_s", "length_m"] = "time_s" if dist_m is None else "length_m"
    limit = 60.0 * float(bound) if dist_m is None else float(bound)
    speed_kmh = _common.check_speed(speed_kmh)
    o = _common.snap_origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    f = _common.snap_facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m)
    oo, ff, cc, cc2 = _common.pair_search(network, o.legs, f.legs, weight=weight, speed_kmh=speed_kmh,
                                          limit=float(limit), progress=progress)
    return PairCosts(oo, ff, cc, cc2, weight, o.snap, f.snap, len(origins), len(facilities))


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
    if is_dask(origins):
        return _distributed.cumulative_opportunities(
            cumulative_opportunities, network, origins, facilities, minutes=minutes, dist_m=dist_m,
            weight_col=weight_col, by=by, speed_kmh=speed_kmh, max_snap_m=max_snap_m, facility_polygons=facility_polygons,
            entrance_spacing_m=entrance_spacing_m, progress=progress)
    _common.check_network(network)
    check_geodataframe(origins, "origins", allow_empty=True)
    check_geodataframe(facilities, "facilities", allow_empty=True)
    weight, thr, labels, _ = _common.thresholds(minutes, dist_m)
    speed_kmh = _common.check_speed(speed_kmh)
    wcol = _weights_col(facilities, weight_col)
    o = _common.snap_origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    f = _common.snap_facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m)
    oo, ff, cc, _ = _common.pair_search(network, o.legs, f.legs, weight=weight, speed_kmh=speed_kmh,
                                        limit=float(thr.max()), progress=progress)
    snapped = np.zeros(len(origins), bool)
    snapped[o.legs.row] = True
    out = origins.copy()
    groups = _common.facility_groups(facilities, by)
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
    _common.snap_columns(out, o)
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

    Parameters
    ----------
    network : Network
    origins, facilities : GeoDataFrame
        Points or polygons, any CRS.
    decay : {"step", "linear", "exponential", "gaussian", "power"}, default "exponential"
        The decay function ``f`` (see :func:`decay_weights`).
    minutes : float, optional
        The horizon in minutes: facilities farther away weigh 0. Default 30 when
        ``dist_m`` is not given.
    dist_m : float, optional
        The horizon in network metres instead of minutes.
    beta : float, optional
        Decay rate (exponential) or exponent (power), per minute or metre; see
        :func:`decay_weights` for the defaults.
    min_cost : float, optional
        ``decay="power"``: the cost below which the weight stays 1.
    weight_col : str, optional
        Numeric column of ``facilities`` (jobs, beds) giving ``W_j``; default 1 each.
    by : str, optional
        Category column of ``facilities``; one ``{category}_gravity`` column each.
    speed_kmh, max_snap_m, facility_polygons, entrance_spacing_m, progress
        As in :func:`nearest_facilities`.

    Returns
    -------
    GeoDataFrame
        Copy of ``origins`` plus ``gravity`` (``{category}_gravity`` with ``by``),
        ``snap_dist_m`` and ``snap_note``; NaN for origins not snapped.

    Raises
    ------
    InvalidOptionError
        Both ``minutes`` and ``dist_m``; a horizon that is not one number > 0; an
        unknown ``decay``; ``beta`` or ``min_cost`` out of range.

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
    _common.check_network(network)
    check_geodataframe(origins, "origins", allow_empty=True)
    check_geodataframe(facilities, "facilities", allow_empty=True)
    check_choice(decay, "decay", DECAYS)
    if minutes is None and dist_m is None:
        minutes = 30.0
    for nm, v in (("minutes", minutes), ("dist_m", dist_m)):
        if v is not None and not np.isscalar(v):
            raise InvalidOptionError(f"`{nm}` is the single horizon of the decay; got {v!r}.")
    weight, thr, _, vals = _common.thresholds(minutes, dist_m)
    horizon = vals[0]
    decay_weights(0.0, kind=decay, horizon=horizon, beta=beta, min_cost=min_cost)  # validate options early
    speed_kmh = _common.check_speed(speed_kmh)
    wcol = _weights_col(facilities, weight_col)
    o = _common.snap_origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    f = _common.snap_facilities(network, facilities, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                polygons=facility_polygons, entrance_spacing_m=entrance_spacing_m)
    oo, ff, cc, _ = _common.pair_search(network, o.legs, f.legs, weight=weight, speed_kmh=speed_kmh,
                                        limit=float(thr[0]), progress=progress)
    unit_cost = cc / (60.0 if weight == "time_s" else 1.0)
    wd = decay_weights(unit_cost, kind=decay, horizon=horizon, beta=beta, min_cost=min_cost)
    snapped = np.zeros(len(origins), bool)
    snapped[o.legs.row] = True
    out = origins.copy()
    for cat, rows in _common.facility_groups(facilities, by):
        sel = np.isin(ff, rows) if cat is not None else np.ones(len(ff), bool)
        val = np.bincount(oo[sel], weights=(wd * wcol[ff])[sel], minlength=len(origins)).astype(float)
        val[~snapped] = np.nan
        out["gravity" if cat is None else f"{cat}_gravity"] = val
    _common.snap_columns(out, o)
    return out
