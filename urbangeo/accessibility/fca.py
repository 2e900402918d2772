"""Floating catchment area methods: 2SFCA, enhanced 2SFCA, gravity 2SFCA and 3SFCA.

Notation: demand locations ``i`` with population ``P_i``, supply locations ``j`` with
capacity ``S_j``, travel cost ``c_ij`` from demand to supply (the same direction in
both steps, which matters on one-way streets), and a weight ``W_ij = f(c_ij)`` that is
0 outside the catchment:

* step 1, supply-side ratio: ``R_j = S_j / sum_i W_ij P_i``
* step 2, demand-side access: ``A_i = sum_j W_ij R_j``

========================== ============================================================
method                     weight ``W_ij``
========================== ============================================================
2SFCA (Luo & Wang 2003)    1 if ``c_ij <= catchment`` else 0
E2SFCA (Luo & Qi 2009)     step weights per travel-time zone, e.g. {10: 1, 20: 0.68, 30: 0.22}
gravity 2SFCA (Dai 2010)   a decay function (:func:`decay_weights`, Gaussian by default)
3SFCA (Wan et al. 2012)    E2SFCA weights times the selection weight
                           ``G_ij = W_ij / sum_k W_ik`` in both steps
========================== ============================================================

With every supply having some demand in reach, ``sum_i A_i P_i = sum_j S_j``. An
empty catchment gives NaN: ``R_j`` is NaN when no demand is in reach of ``j``, and
``A_i`` is NaN when no supply with a ratio is in reach of ``i`` (``n_supply`` is then
0; ``fillna(0)`` if you want "no access" as zero). Demand rows that cannot be snapped
get NaN (rows without geometry with a :class:`~urbangeo.errors.DroppedRowsWarning`),
supply rows that cannot be snapped are excluded with a warning, and invalid polygons
(self-intersecting rings) are repaired with ``make_valid`` and a
:class:`~urbangeo.errors.GeometryFixedWarning`.

Population can be a head count or any proxy such as residential floor area (m2);
the ratios are then capacity per unit of that proxy.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._dask import is_dask
from .._docs import shared_doc
from .._validate import check_choice, check_columns, check_geodataframe, check_number
from ..errors import DroppedRowsWarning, InvalidOptionError
from . import _common, _distributed
from ._common import DECAYS, decay_weights
from .network import Network

__all__ = [
    "two_step_fca",
    "enhanced_two_step_fca",
    "gravity_two_step_fca",
    "three_step_fca",
    "supply_ratios",
    "FCA_METHODS",
    "E2SFCA_WEIGHTS",
]

FCA_METHODS = ("2sfca", "e2sfca", "g2sfca", "3sfca")
#: travel-time zones (minutes) and weights of Luo & Qi (2009)
E2SFCA_WEIGHTS = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}


def _zones(spec, name):
    """Mapping {threshold: weight} (or one number) -> sorted thresholds and weights."""
    if isinstance(spec, Mapping):
        if not spec:
            raise InvalidOptionError(f"`{name}` is an empty mapping; give zones like {{10: 1, 20: 0.68, 30: 0.22}}.")
        items = sorted((check_number(k, name, minimum=0.0), check_number(v, f"{name} weight", minimum=0.0))
                       for k, v in spec.items())
        return np.array([k for k, _ in items]), np.array([v for _, v in items])
    if isinstance(spec, (int, float, np.number)) and not isinstance(spec, bool):
        v = float(spec)
        if not v >= 0:
            raise InvalidOptionError(f"`{name}` must be >= 0; got {spec!r}.")
        return np.array([v]), np.array([1.0])
    raise InvalidOptionError(f"`{name}` must be a number or a mapping {{threshold: weight}}; got {spec!r}.")


def _check_frames(network: Network | None, demand, supply, costs) -> None:
    if costs is None:
        _common.check_network(network)
        check_geodataframe(demand, "demand")
        check_geodataframe(supply, "supply")
        return
    if network is not None:
        raise InvalidOptionError("give either `network` or `costs`, not both (pass network=None with a cost table).")
    for nm, frame in (("demand", demand), ("supply", supply)):
        if not isinstance(frame, pd.DataFrame):
            raise InvalidOptionError(f"`{nm}` must be a DataFrame or GeoDataFrame; got {type(frame).__name__}.")


def _catchment(method, minutes, dist_m, decay, beta, min_cost):
    """Zones and weights of the catchment, the search weight and the seconds/metres per unit."""
    if minutes is not None and dist_m is not None:
        raise InvalidOptionError("give either `minutes` or `dist_m`, not both.")
    if minutes is None and dist_m is None:
        minutes = E2SFCA_WEIGHTS if method in ("e2sfca", "3sfca") else 30.0
    spec, name = (minutes, "minutes") if minutes is not None else (dist_m, "dist_m")
    weight, factor = ("time_s", 60.0) if minutes is not None else ("length_m", 1.0)
    zones, zw = _zones(spec, name)
    if method in ("2sfca", "g2sfca") and len(zones) > 1:
        raise InvalidOptionError(
            f"`{name}` must be one catchment for method {method!r}; step weights belong to "
            f"enhanced_two_step_fca / three_step_fca."
        )
    if method == "g2sfca":
        check_choice(decay, "decay", DECAYS)
        if beta is not None:  # checked even where the decay kind does not use it
            check_number(beta, "beta", minimum=0.0)
        if min_cost is not None:
            check_number(min_cost, "min_cost", minimum=0.0, strict=True)
        decay_weights(0.0, kind=decay, horizon=zones[0], beta=beta, min_cost=min_cost)
    return zones, zw, weight, factor


def _values(frame, col: str, name: str) -> np.ndarray:
    """Population or capacity values: negative raises, missing are excluded with a warning."""
    arr = frame[col].to_numpy(float)
    if (arr[~np.isnan(arr)] < 0).any():
        raise InvalidOptionError(f"`{name}[{col!r}]` has negative values; population and capacity must be >= 0.")
    if np.isnan(arr).any():
        warnings.warn(
            f"{int(np.isnan(arr).sum())} rows of `{name}` have no `{col}` and are excluded: "
            f"{list(frame.index[np.isnan(arr)][:5])}.",
            DroppedRowsWarning,
            stacklevel=4,
        )
    return arr


def _pairs(network: Network | None, demand, supply, costs, *, weight, factor, limit, speed_kmh, max_snap_m,
           supply_polygons, entrance_spacing_m, progress):
    """(demand pos, supply pos, cost in the catchment's unit, snapping of demand or None, rows with a location)."""
    if costs is not None:
        oi, sj, cu = _cost_pairs(costs, demand, supply)  # already in the unit the catchment names
        keep = cu <= limit / factor
        return oi[keep], sj[keep], cu[keep], None, np.arange(len(demand))
    assert network is not None  # checked by _check_frames
    d = _common.snap_origins(network, demand, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                             name="demand")
    s = _common.snap_facilities(network, supply, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                polygons=supply_polygons, entrance_spacing_m=entrance_spacing_m, name="supply")
    oi, sj, c, _ = _common.pair_search(network, d.legs, s.legs, weight=weight, speed_kmh=speed_kmh, limit=limit,
                                       progress=progress)
    return oi, sj, c / factor, d, d.legs.row


def _fca(network: Network | None, demand, supply, *, method, population_col, capacity_col, minutes, dist_m, decay,
         beta, min_cost, speed_kmh, max_snap_m, supply_polygons, entrance_spacing_m, progress, costs=None):
    _check_frames(network, demand, supply, costs)
    check_choice(method, "method", FCA_METHODS)
    check_columns(demand, "demand", {population_col: "numeric"})
    check_columns(supply, "supply", {capacity_col: "numeric"})
    zones, zw, weight, factor = _catchment(method, minutes, dist_m, decay, beta, min_cost)
    speed_kmh = _common.check_speed(speed_kmh)
    # rows without geometry (kept, NaN) and invalid polygons (repaired) are warned about when snapping
    pop = _values(demand, population_col, "demand")
    cap = _values(supply, capacity_col, "supply")
    oi, sj, cu, d, located = _pairs(network, demand, supply, costs, weight=weight, factor=factor,
                                    limit=float(zones.max()) * factor, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                    supply_polygons=supply_polygons, entrance_spacing_m=entrance_spacing_m,
                                    progress=progress)
    if method == "g2sfca":
        w = decay_weights(cu, kind=decay, horizon=zones[0], beta=beta, min_cost=min_cost)
    else:
        zone = np.searchsorted(zones, cu, side="left")  # c <= zones[z] inclusive
        w = np.where(zone < len(zones), zw[np.minimum(zone, len(zones) - 1)], 0.0)
    ok = (w > 0) & ~np.isnan(pop[oi]) & ~np.isnan(cap[sj])
    oi, sj, w = oi[ok], sj[ok], w[ok]
    nd, ns = len(demand), len(supply)
    if method == "3sfca":
        tot = np.bincount(oi, weights=w, minlength=nd)
        g = w / tot[oi]
        w = w * g
    dem = np.bincount(sj, weights=w * pop[oi], minlength=ns)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(dem > 0, cap / dem, np.nan)
    has_r = ~np.isnan(ratio[sj])
    acc = np.bincount(oi[has_r], weights=(w * ratio[sj])[has_r], minlength=nd)
    n_sup = np.bincount(oi[has_r], minlength=nd)
    acc = np.where(n_sup > 0, acc, np.nan)
    snapped = np.zeros(nd, bool)
    snapped[located] = True
    acc[~snapped | np.isnan(pop)] = np.nan
    n_dem = np.bincount(sj, minlength=ns)
    ratio[np.isnan(cap)] = np.nan
    return acc, n_sup, ratio, dem, n_dem, d


def _demand_frame(demand, acc, n_sup, d):
    out = demand.copy()
    out["access"] = acc
    out["n_supply"] = n_sup
    if d is not None:  # a cost table has no snapping to report
        _common.snap_columns(out, d)
    return out


def _cost_pairs(costs: pd.DataFrame, demand: pd.DataFrame, supply: pd.DataFrame, *,
               name: str = "costs") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (demand row, supply row) and costs of the finite pairs of a cost table.

    Parameters
    ----------
    costs : pandas.DataFrame
        Long: columns ``origin`` (labels of ``demand.index``), ``destination`` (labels of
        ``supply.index``) and ``cost``; missing pairs are unreachable. Wide: index = the
        labels of ``demand``, columns = the labels of ``supply`` (every one of each), NaN
        or inf = unreachable.
    demand, supply : pandas.DataFrame
        The frames whose index labels the table uses.
    name : str, default "costs"
        The argument's name in error messages.

    Returns
    -------
    tuple of ndarray
        Demand positions, supply positions and costs (float) of the reachable pairs.

    Raises
    ------
    InvalidOptionError
        Not a DataFrame, labels that are not in ``demand``/``supply`` (or missing from a
        wide table), repeated pairs, text or negative costs.

    Examples
    --------
    >>> import pandas as pd
    >>> homes, clinics = pd.DataFrame(index=["a", "b"]), pd.DataFrame(index=[10, 20])
    >>> long = pd.DataFrame({"origin": ["a", "b"], "destination": [20, 10], "cost": [4.0, 9.5]})
    >>> [x.tolist() for x in _cost_pairs(long, homes, clinics)]
    [[0, 1], [1, 0], [4.0, 9.5]]
    """
    if not isinstance(costs, pd.DataFrame):
        raise InvalidOptionError(
            f"`{name}` must be a pandas DataFrame: long (columns origin, destination, cost) or wide (index = demand "
            f"labels, columns = supply labels); got {type(costs).__name__}."
        )
    if {"origin", "destination", "cost"} <= set(costs.columns):
        oi = _positions(demand.index, costs["origin"], f"{name}['origin']", "demand")
        sj = _positions(supply.index, costs["destination"], f"{name}['destination']", "supply")
        if pd.MultiIndex.from_arrays([oi, sj]).duplicated().any():
            raise InvalidOptionError(f"`{name}` repeats origin-destination pairs; keep one cost per pair.")
        c = _numeric(costs["cost"], f"{name}['cost']")
    else:
        missing_rows = demand.index.difference(costs.index)
        missing_cols = supply.index.difference(costs.columns)
        if len(missing_rows) or len(missing_cols):
            raise InvalidOptionError(
                f"`{name}` (a wide table: index = demand labels, columns = supply labels) lacks demand rows "
                f"{list(missing_rows[:5])} and supply columns {list(missing_cols[:5])}; or give a long table with "
                f"columns origin, destination, cost."
            )
        wide = costs.loc[demand.index, supply.index]
        mat = np.column_stack([_numeric(wide[col], f"{name}[{col!r}]") for col in wide.columns]) if len(wide.columns) \
            else np.empty((len(wide), 0))
        oi, sj = np.nonzero(np.isfinite(mat))
        c = mat[oi, sj]
    fin = np.isfinite(c)
    if (c[fin] < 0).any():
        raise InvalidOptionError(f"`{name}` has negative costs; travel costs must be >= 0.")
    return oi[fin].astype(np.int64), sj[fin].astype(np.int64), c[fin].astype(float)


def _positions(index: pd.Index, labels: pd.Series, name: str, frame: str) -> np.ndarray:
    pos = index.get_indexer(labels)
    if (pos < 0).any():
        bad = list(pd.unique(labels[pos < 0]))[:5]
        col = name.split("[")[-1].strip("]'")
        raise InvalidOptionError(
            f"`{name}`: labels {bad} are not in the index of `{frame}`; the table refers to rows by their index "
            f"labels ({frame}.index). For a larger table, keep its rows for these frames first: "
            f"costs[costs[{col!r}].isin({frame}.index)]."
        )
    if not index.is_unique:
        raise InvalidOptionError(f"`{frame}` has repeated index labels; a cost table needs unique labels.")
    return pos


def _numeric(values: pd.Series, name: str) -> np.ndarray:
    try:
        return pd.to_numeric(values, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError(f"`{name}` must hold numbers (minutes or metres); {exc}.") from None


# Shared docstring entries of the FCA functions (filled by urbangeo._docs.shared_doc).
_DEMAND_SUPPLY = """\
    network : Network or None
        The street network; ``None`` with ``costs``.
    demand : GeoDataFrame
        Demand locations (points, or polygons such as buildings), any CRS.
    supply : GeoDataFrame
        Supply locations, any CRS.
    population_col : str
        Numeric column of ``demand``: population, or a proxy such as floor area.
    capacity_col : str
        Numeric column of ``supply``: doctors, beds, places, m2 of park."""

_OPTIONS = """\
    speed_kmh : float, optional
        Uniform speed overriding the network's edge speeds.
    max_snap_m : float, optional
        Longest access leg; default ``settings.max_snap_m``.
    supply_polygons : {"representative", "entrances"}, default "representative"
        How polygon supplies (parks) enter the network (several entrances count once).
    entrance_spacing_m : float, default 50.0
        Spacing of the entrances along a polygon's boundary (``"entrances"``).
    progress : bool, optional
        Progress bar over the bounded searches.
    costs : pandas.DataFrame, optional
        A cost table from another router (or the AMap/Baidu APIs) instead of the network
        (pass ``network=None``): long (columns ``origin``, ``destination``, ``cost``, with
        the index labels of ``demand`` and ``supply``) or wide (index = demand labels,
        columns = supply labels). The unit is the one the catchment argument names:
        minutes with ``minutes``, metres with ``dist_m``. Missing pairs, NaN and inf are
        unreachable. ``demand`` and ``supply`` may then be plain DataFrames."""

_ZONES = """\
    minutes : mapping or float, optional
        Zones ``{upper bound in minutes: weight}`` (inclusive upper bounds), default
        :data:`E2SFCA_WEIGHTS`; one number is one zone of weight 1.
    dist_m : mapping or float, optional
        The same zones in network metres instead of minutes."""

_RETURNS = """\
    GeoDataFrame
        Copy of ``demand`` plus ``access`` (A_i, capacity per person), ``n_supply``
        (supplies with a ratio in reach), ``snap_dist_m`` and ``snap_note``."""

_WARNS = """\
    DroppedRowsWarning
        Rows without geometry (None or empty; demand: kept with NaN ``access`` and a
        ``snap_note``), rows with no ``population_col`` / ``capacity_col`` value, and
        supplies that cannot be snapped (counted and listed).
    GeometryFixedWarning
        Invalid polygons in ``demand`` or ``supply`` were repaired with ``make_valid``."""

_RAISES = """\
    InvalidOptionError
        Both ``minutes`` and ``dist_m``; a negative catchment or zone weight; several zones
        where the method takes one catchment; an unknown ``method`` or ``decay``.
    MissingColumnError, ColumnTypeError
        ``population_col`` or ``capacity_col`` missing or not numeric."""

_fca_doc = shared_doc(demand_supply=_DEMAND_SUPPLY, options=_OPTIONS, returns=_RETURNS, raises=_RAISES, warns=_WARNS)
_zones_doc = shared_doc(demand_supply=_DEMAND_SUPPLY, zones=_ZONES, options=_OPTIONS, returns=_RETURNS,
                        raises=_RAISES, warns=_WARNS)


@_fca_doc
def two_step_fca(
    network: Network | None,
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    *,
    population_col: str,
    capacity_col: str,
    minutes: float | None = None,
    dist_m: float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    supply_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
    costs: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Two-step floating catchment area access (Luo & Wang 2003).

    The catchment is ``minutes`` (default 30) or ``dist_m``, inclusive; ``inf`` is
    allowed (every supply in reach: ``A_i = sum(S) / sum(P)``).

    Parameters
    ----------
    {demand_supply}
    minutes : float, optional
        The catchment in minutes, inclusive; default 30.
    dist_m : float, optional
        The catchment in network metres instead of minutes.
    {options}

    Returns
    -------
    {returns}

    Raises
    ------
    {raises}

    Warns
    -----
    {warns}
    """
    if is_dask(demand):
        return _distributed.two_step_fca(
            two_step_fca, (_catchment, _values, _pairs, _demand_frame), network, demand, supply,
            population_col=population_col, capacity_col=capacity_col, minutes=minutes, dist_m=dist_m, speed_kmh=speed_kmh, max_snap_m=max_snap_m, supply_polygons=supply_polygons,
            entrance_spacing_m=entrance_spacing_m, progress=progress, costs=costs)
    acc, n_sup, _, _, _, d = _fca(network, demand, supply, method="2sfca", population_col=population_col,
                                  capacity_col=capacity_col, minutes=minutes, dist_m=dist_m, decay=None, beta=None,
                                  min_cost=None, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                  supply_polygons=supply_polygons, entrance_spacing_m=entrance_spacing_m,
                                  progress=progress, costs=costs)
    return _demand_frame(demand, acc, n_sup, d)


@_zones_doc
def enhanced_two_step_fca(
    network: Network | None,
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    *,
    population_col: str,
    capacity_col: str,
    minutes: Mapping[float, float] | None = None,
    dist_m: Mapping[float, float] | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    supply_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
    costs: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Enhanced 2SFCA (Luo & Qi 2009): step weights per travel-time (or distance) zone.

    ``minutes`` maps each zone's upper bound to its weight, default
    ``{10: 1, 20: 0.68, 30: 0.22}``: a cost of 0-10 minutes weighs 1, (10, 20] 0.68,
    (20, 30] 0.22, beyond 30 nothing. ``dist_m`` takes the same mapping in metres.

    Parameters
    ----------
    {demand_supply}
    {zones}
    {options}

    Returns
    -------
    {returns}

    Raises
    ------
    {raises}

    Warns
    -----
    {warns}
    """
    acc, n_sup, _, _, _, d = _fca(network, demand, supply, method="e2sfca", population_col=population_col,
                                  capacity_col=capacity_col, minutes=minutes, dist_m=dist_m, decay=None, beta=None,
                                  min_cost=None, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                  supply_polygons=supply_polygons, entrance_spacing_m=entrance_spacing_m,
                                  progress=progress, costs=costs)
    return _demand_frame(demand, acc, n_sup, d)


@_fca_doc
def gravity_two_step_fca(
    network: Network | None,
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    *,
    population_col: str,
    capacity_col: str,
    minutes: float | None = None,
    dist_m: float | None = None,
    decay: Literal["step", "linear", "exponential", "gaussian", "power"] = "gaussian",
    beta: float | None = None,
    min_cost: float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    supply_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
    costs: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Gravity (kernel) 2SFCA (Dai 2010): weights from :func:`decay_weights` up to the horizon.

    The horizon is ``minutes`` (default 30) or ``dist_m``; ``decay="gaussian"`` is
    Dai's Ga2SFCA (weight 1 at 0, 0 at the horizon).

    Parameters
    ----------
    {demand_supply}
    minutes : float, optional
        The horizon in minutes; default 30.
    dist_m : float, optional
        The horizon in network metres instead of minutes.
    decay : {"step", "linear", "exponential", "gaussian", "power"}, default "gaussian"
        The decay of :func:`decay_weights` up to the horizon.
    beta, min_cost : float, optional
        Passed to :func:`decay_weights` (same unit as the horizon).
    {options}

    Returns
    -------
    {returns}

    Raises
    ------
    {raises}

    Warns
    -----
    {warns}
    """
    acc, n_sup, _, _, _, d = _fca(network, demand, supply, method="g2sfca", population_col=population_col,
                                  capacity_col=capacity_col, minutes=minutes, dist_m=dist_m, decay=decay, beta=beta,
                                  min_cost=min_cost, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                  supply_polygons=supply_polygons, entrance_spacing_m=entrance_spacing_m,
                                  progress=progress, costs=costs)
    return _demand_frame(demand, acc, n_sup, d)


@_zones_doc
def three_step_fca(
    network: Network | None,
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    *,
    population_col: str,
    capacity_col: str,
    minutes: Mapping[float, float] | float | None = None,
    dist_m: Mapping[float, float] | float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    supply_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
    costs: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Three-step FCA (Wan, Zou & Sternberg 2012): E2SFCA with selection weights.

    The selection weight ``G_ij = W_ij / sum_k W_ik`` shares each demand location
    among the supplies it can reach, so demand is not counted twice in step 1.
    ``minutes`` / ``dist_m`` as in :func:`enhanced_two_step_fca`.

    Parameters
    ----------
    {demand_supply}
    {zones}
    {options}

    Returns
    -------
    {returns}

    Raises
    ------
    {raises}

    Warns
    -----
    {warns}
    """
    acc, n_sup, _, _, _, d = _fca(network, demand, supply, method="3sfca", population_col=population_col,
                                  capacity_col=capacity_col, minutes=minutes, dist_m=dist_m, decay=None, beta=None,
                                  min_cost=None, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                  supply_polygons=supply_polygons, entrance_spacing_m=entrance_spacing_m,
                                  progress=progress, costs=costs)
    return _demand_frame(demand, acc, n_sup, d)


@shared_doc(demand_supply=_DEMAND_SUPPLY, options=_OPTIONS, raises=_RAISES, warns=_WARNS)
def supply_ratios(
    network: Network | None,
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    *,
    population_col: str,
    capacity_col: str,
    method: Literal["2sfca", "e2sfca", "g2sfca", "3sfca"] = "2sfca",
    minutes=None,
    dist_m=None,
    decay: Literal["step", "linear", "exponential", "gaussian", "power"] = "gaussian",
    beta: float | None = None,
    min_cost: float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    supply_polygons: Literal["representative", "entrances"] = "representative",
    entrance_spacing_m: float = 50.0,
    progress: bool | None = None,
    costs: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Supply-side ratios ``R_j`` (step 1 of the FCA family) for every supply location.

    Same options as the method's own function (``decay``, ``beta`` and ``min_cost``
    only for ``method="g2sfca"``).

    Parameters
    ----------
    {demand_supply}
    method : {"2sfca", "e2sfca", "g2sfca", "3sfca"}, default "2sfca"
        The FCA method whose first step is computed.
    minutes : float or mapping, optional
        The catchment in minutes: one number (2sfca, g2sfca; default 30) or zones
        ``{upper bound: weight}`` (e2sfca, 3sfca; default :data:`E2SFCA_WEIGHTS`).
    dist_m : float or mapping, optional
        The same in network metres instead of minutes.
    decay : {"step", "linear", "exponential", "gaussian", "power"}, default "gaussian"
        g2sfca only: the decay of :func:`decay_weights` up to the catchment.
    beta, min_cost : float, optional
        g2sfca only: passed to :func:`decay_weights`.
    {options}

    Returns
    -------
    GeoDataFrame
        Copy of ``supply`` plus ``ratio`` (capacity per weighted person in reach; NaN
        for an empty catchment or a supply not snapped), ``demand_in_reach`` (the
        weighted population ``sum_i W_ij P_i``) and ``n_demand`` (demand rows in reach).

    Raises
    ------
    {raises}

    Warns
    -----
    {warns}

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, supply_ratios
    >>> net = grid_network(5, 5)
    >>> homes = gpd.GeoDataFrame({"pop": [100, 300]}, geometry=[Point(500_000, 2_500_000),
    ...                          Point(500_100, 2_500_000)], crs=net.crs)
    >>> clinic = gpd.GeoDataFrame({"doctors": [2]}, geometry=[Point(500_000, 2_500_100)], crs=net.crs)
    >>> r = supply_ratios(net, homes, clinic, population_col="pop", capacity_col="doctors", dist_m=400)
    >>> float(r.ratio[0]), float(r.demand_in_reach[0])
    (0.005, 400.0)
    """
    _, _, ratio, dem, n_dem, _ = _fca(network, demand, supply, method=method, population_col=population_col,
                                      capacity_col=capacity_col, minutes=minutes, dist_m=dist_m, decay=decay,
                                      beta=beta, min_cost=min_cost, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                      supply_polygons=supply_polygons, entrance_spacing_m=entrance_spacing_m,
                                      progress=progress, costs=costs)
    out = supply.copy()
    out["ratio"] = ratio
    out["demand_in_reach"] = dem
    out["n_demand"] = n_dem
    return out


