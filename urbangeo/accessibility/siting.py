"""Facility siting: where a few new facilities close the most gaps.

Three classical models, solved exactly (integer programme, HiGHS through ``highspy``)
or greedily with a proven bound on the optimum:

* ``"lscp"`` location-set covering: the fewest new sites such that every demand that
  any site can reach within ``minutes`` is covered;
* ``"mclp"`` maximal covering: ``p`` new sites covering the most demand weight
  (population) within ``minutes``;
* ``"p_median"``: ``p`` new sites minimising the total weighted travel time of every
  demand to its nearest open site;
* ``"p_center"``: ``p`` new sites minimising the worst travel time of any demand to
  its nearest open site.

With ``capacity_col``, MCLP and p-median become capacitated: each open site serves at
most its capacity (people), demand goes to a site with room (one site per demand row,
or shared among sites with ``split_demand=True``).

Existing facilities (``existing=``) are always kept open and count in the objective;
``p`` is the number of NEW sites. Costs are walking times on a :class:`Network`, from
each demand point to each site (snapped to edges, with the access legs), or any cost
matrix you pass (``costs=``). Coverage is inclusive: ``cost <= threshold``.

Outputs
-------
:func:`site_facilities` returns the open sites (existing first, then the chosen
candidates) as one GeoDataFrame; the run's objective, bound, gap and solver status
are in ``result.attrs["siting"]``. :func:`assign_demand` returns a copy of the demand
with its nearest open site, the travel time and whether it is covered.
:func:`cost_matrix` gives the demand x site matrix in minutes, and
:func:`network_candidates` turns street intersections into candidate sites.
"""

from __future__ import annotations

import logging
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._validate import check_choice, check_columns, check_geodataframe, check_geometry_types, check_number
from ..crs import get_crs
from ..errors import (
    ColumnTypeError,
    DroppedRowsWarning,
    EmptyDataError,
    GeometryTypeError,
    InvalidOptionError,
    UrbangeoWarning,
)
from . import _common
from . import _siting_solvers as _solvers
from .network import Network

log = logging.getLogger(__name__)

__all__ = ["site_facilities", "assign_demand", "cost_matrix", "network_candidates"]

MODELS = ("lscp", "mclp", "p_median", "p_center")
SOLVERS = ("exact", "greedy")


# --------------------------------------------------------------------------- network costs
def _od_costs(
    network: Network,
    origins: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    weight: Literal["time_s", "length_m"] = "time_s",
    limit: float = np.inf,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    target_polygons: Literal["representative", "entrances"] = "representative",
    names: tuple[str, str] = ("demand", "sites"),
):
    """Sparse origin -> target costs on ``network`` within ``limit`` (seconds or metres).

    The pipeline of :func:`urbangeo.accessibility.metrics.pair_costs` (edge
    snapping with access legs and offsets; a target with several entrances counts
    once, at its best entrance), with the caller's argument ``names`` in every
    message. Returns ``(origin_pos, target_pos, cost, metres)``.
    """
    _common.check_network(network)
    speed_kmh = _common.check_speed(speed_kmh)
    o = _common.snap_origins(network, origins, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                             name=names[0])
    f = _common.snap_facilities(network, targets, weight=weight, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                polygons=target_polygons, entrance_spacing_m=50.0, name=names[1])
    return _common.pair_search(network, o.legs, f.legs, weight=weight, speed_kmh=speed_kmh, limit=float(limit))


def cost_matrix(
    network: Network,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    minutes: float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
) -> pd.DataFrame:
    """Walking time in minutes from every demand row to every site, on ``network``.

    Both inputs are snapped to the nearest street edge (access leg plus offset along
    the edge, see :func:`urbangeo.accessibility.snap_points`); polygon sites enter
    through their entrances and count once.

    Parameters
    ----------
    network : Network
    demand, sites : GeoDataFrame
        Points or polygons in any CRS.
    minutes : float, optional
        Search horizon; pairs beyond it are NaN (faster on large problems).
    speed_kmh : float, optional
        Walking speed; default the network's edge speeds.
    max_snap_m : float, optional
        Default ``settings.max_snap_m``; rows farther from any street are all-NaN.

    Returns
    -------
    DataFrame
        Index = ``demand.index``, columns = ``sites.index``; NaN = not reached
        (within ``minutes``), never a sentinel.

    Warns
    -----
    DroppedRowsWarning
        Rows without geometry (None or empty: an all-NaN row or column), and sites
        that cannot be snapped (counted and listed).
    GeometryFixedWarning
        Invalid polygons in ``demand`` or ``sites`` were repaired with ``make_valid``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(3, 1, spacing_m=75, speed_kmh=4.5)  # 75 m = 1 minute
    >>> pts = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000), Point(500_150, 2_500_000)], crs=net.crs)
    >>> cost_matrix(net, pts, pts).round(6).to_numpy().tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    check_geodataframe(demand, "demand")
    check_geodataframe(sites, "sites")
    limit = np.inf if minutes is None else 60.0 * check_number(minutes, "minutes", minimum=0)
    o, t, c, _ = _od_costs(network, demand, sites, limit=limit, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    mat = np.full((len(demand), len(sites)), np.nan)
    mat[o, t] = c / 60.0
    return pd.DataFrame(mat, index=demand.index.copy(), columns=sites.index.copy())


def network_candidates(network: Network, *, min_degree: int = 3, crs=None) -> gpd.GeoDataFrame:
    """Candidate sites generated on the network: its intersections (nodes of degree >= ``min_degree``).

    Parameters
    ----------
    network : Network
    min_degree : int, default 3
        1 keeps every node (dead ends too); 3 keeps intersections.
    crs : optional
        Return the points in this CRS (default the network's metric CRS).

    Returns
    -------
    GeoDataFrame
        One point per node kept, columns ``node`` (position) and ``node_id``.

    Examples
    --------
    >>> from urbangeo.accessibility import grid_network
    >>> len(network_candidates(grid_network(3, 3)))  # the 4 edge midpoints + centre
    5
    """
    min_degree = int(check_number(min_degree, "min_degree", minimum=0))
    deg = np.bincount(network.edge_u, minlength=network.n_nodes) + np.bincount(network.edge_v, minlength=network.n_nodes)
    keep = np.flatnonzero(deg >= min_degree)
    out = gpd.GeoDataFrame(
        {"node": keep, "node_id": network.node_id[keep]},
        geometry=gpd.points_from_xy(network.x[keep], network.y[keep]),
        crs=network.crs,
    )
    if len(out) == 0:
        raise EmptyDataError(f"the network has no node of degree >= {min_degree}; lower `min_degree`.")
    return out if crs is None else out.to_crs(crs)


# --------------------------------------------------------------------------- helpers
def _weights(demand: gpd.GeoDataFrame, weight: str | None) -> np.ndarray:
    if weight is None:
        return np.ones(len(demand))
    check_columns(demand, "demand", {weight: "numeric"})
    w = demand[weight].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(w).any():
        raise ColumnTypeError(f"`demand[{weight!r}]` has missing values; fill them (e.g. with 0) first.")
    if (w < 0).any():
        raise InvalidOptionError(f"`demand[{weight!r}]` has negative values; weights are people (>= 0).")
    return w


def _costs_from_frame(costs, demand, site_labels: list, name="costs") -> np.ndarray:
    """Dense minutes (inf = unreachable) from a user cost matrix."""
    if isinstance(costs, pd.DataFrame):
        missing_rows = demand.index.difference(costs.index)
        if len(missing_rows):
            raise InvalidOptionError(
                f"`{name}` has no row for {len(missing_rows)} demand labels (e.g. {missing_rows[0]!r}); "
                f"its index must contain demand.index."
            )
        missing = [lab for lab in site_labels if lab not in costs.columns]
        if missing:
            raise InvalidOptionError(
                f"`{name}` has no column for {len(missing)} site labels (e.g. {missing[0]!r}); its columns must "
                f"contain existing.index and candidates.index (give them distinct labels)."
            )
        mat = costs.loc[demand.index, site_labels].to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        mat = np.asarray(costs, dtype=np.float64)
        if mat.shape != (len(demand), len(site_labels)):
            raise InvalidOptionError(
                f"`{name}` has shape {mat.shape}; expected (n_demand, n_existing + n_candidates) = "
                f"({len(demand)}, {len(site_labels)})."
            )
    if (mat < 0).any():
        raise InvalidOptionError(f"`{name}` has negative costs.")
    return np.where(np.isnan(mat), np.inf, mat)


def _network_costs(network: Network, demand, sites, *, limit_minutes, speed_kmh, max_snap_m,
                   names=("demand", "sites")) -> np.ndarray:
    limit = np.inf if limit_minutes is None else 60.0 * limit_minutes
    o, t, c, _ = _od_costs(
        network, demand, sites, limit=limit, speed_kmh=speed_kmh, max_snap_m=max_snap_m, target_polygons="entrances",
        names=names,
    )
    mat = np.full((len(demand), len(sites)), np.inf)
    mat[o, t] = c / 60.0
    return mat


def _check_locations(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Points or polygons (missing and empty geometries are dealt with elsewhere)."""
    try:
        check_geometry_types(gdf, name, ["point", "polygon"])
    except GeometryTypeError:
        geoms = gdf.geometry
        types = geoms[~(geoms.isna() | geoms.is_empty)].geom_type
        bad = types[~types.isin(["Point", "MultiPoint", "Polygon", "MultiPolygon"])]
        raise GeometryTypeError(
            f"`{name}` must hold points or polygons; {len(bad)} rows hold {', '.join(sorted(bad.unique()))} "
            f"(e.g. row {bad.index[0]!r}). Convert them first, e.g. "
            f"{name}.assign(geometry={name}.representative_point())."
        ) from None


def _sites_frame(existing, candidates, crs) -> gpd.GeoDataFrame:
    parts = []
    if existing is not None and len(existing):
        parts.append(
            gpd.GeoDataFrame(
                {"source": "existing", "source_index": list(existing.index)},
                geometry=existing.geometry.to_crs(crs).values,
                crs=crs,
            )
        )
    parts.append(
        gpd.GeoDataFrame(
            {"source": "candidate", "source_index": list(candidates.index)},
            geometry=candidates.geometry.to_crs(crs).values,
            crs=crs,
        )
    )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


# --------------------------------------------------------------------------- public
def site_facilities(
    network: Network | None,
    demand: gpd.GeoDataFrame,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    model: Literal["lscp", "mclp", "p_median", "p_center"] = "mclp",
    p: int | None = None,
    minutes: float | None = None,
    existing: gpd.GeoDataFrame | None = None,
    costs: pd.DataFrame | np.ndarray | None = None,
    population_col: str | None = None,
    solver: Literal["exact", "greedy"] = "exact",
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    time_limit_s: float | None = None,
    capacity_col: str | None = None,
    split_demand: bool = False,
) -> gpd.GeoDataFrame:
    """Choose new facility sites (LSCP, MCLP, p-median or p-center), keeping existing facilities.

    Parameters
    ----------
    network : Network or None
        Street network for walking times; ``None`` when ``costs`` is given.
    demand : GeoDataFrame
        Residences (points or polygons), any CRS.
    candidates : GeoDataFrame, optional
        Possible new sites (vacant parcels, a park's entrances...). ``None``: the
        intersections of ``network`` (:func:`network_candidates`).
    model : {"lscp", "mclp", "p_median", "p_center"}, default "mclp"
        "p_center" minimises the worst minutes of any demand row with a positive
        weight (demand no site reaches is left out, as for p_median).
    p : int
        Number of NEW sites (mclp, p_median, p_center). Existing facilities come on top.
    minutes : float
        Coverage standard (lscp, mclp), inclusive: ``minutes <= threshold``.
    existing : GeoDataFrame, optional
        Facilities already open; never dropped, and they count in the objective.
    costs : DataFrame or ndarray, optional
        Minutes from each demand row to each site, NaN = unreachable: a DataFrame
        indexed by ``demand.index`` with columns for every label of ``existing``
        and ``candidates`` (distinct labels), or an array of shape
        (n_demand, n_existing + n_candidates), existing first.
    population_col : str, optional
        Demand column of people (or any non-negative weight); default 1 per row.
    solver : {"exact", "greedy"}, default "exact"
        "exact": integer programme with HiGHS (``pip install highspy``); "greedy":
        fast heuristic with a proven bound (see ``attrs["siting"]["bound"]``).
    speed_kmh, max_snap_m : float, optional
        Passed to the network costs (default: the network's speeds,
        ``settings.max_snap_m``).
    time_limit_s : float, optional
        Time limit for the exact solver (seconds). The greedy runs first and is given to
        HiGHS as its starting solution; when HiGHS stops at the limit, the better of its
        best solution and the greedy's is returned (never worse than ``solver="greedy"``),
        with status "Time limit reached", the proven bound and gap, ``solution_from``
        ("highs" or "greedy") in ``attrs["siting"]``, and a warning.
    capacity_col : str, optional
        Column of ``candidates`` (and of ``existing``, when given) with each site's
        capacity in the unit of ``population_col`` (people; default 1 per demand row):
        makes mclp and p_median capacitated (no other model). p_median must then serve
        every reachable demand within the capacities; mclp counts demand as covered only
        when it is assigned to an open site within ``minutes`` that has room for it.
    split_demand : bool, default False
        With ``capacity_col``: False assigns each demand row whole to one site (spopt's
        capacitated p-median); True lets several sites share a row (fractional assignment).

    Returns
    -------
    GeoDataFrame
        The open sites in ``demand``'s CRS, existing first, then chosen candidates;
        columns ``source`` ("existing" / "candidate"), ``source_index`` (label in its
        input frame), ``new`` (bool), ``n_assigned`` and ``weight_assigned`` (demand
        whose nearest open site it is; for lscp/mclp on a ``network`` only pairs within
        the threshold are searched, so demand beyond it from every site is not
        assigned: use :func:`assign_demand` for everyone's nearest site), ``weight_covered`` (of that, within the
        threshold; lscp/mclp) and ``mean_minutes`` (weighted). ``attrs["siting"]``
        holds ``model``, ``solver``, ``status``, ``objective`` (lscp: number of new
        sites; mclp: covered weight incl. existing; p_median: total weighted minutes;
        p_center: the worst minutes; with ``capacity_col``: the covered (mclp) or the
        total weighted minutes (p_median) of the capacitated assignment),
        ``bound`` (proven bound on the optimum), ``gap``, ``bound_method``
        ("solver", "lp" = LP relaxation, "combinatorial"), ``runtime_s``, ``solution_from``
        ("highs", or "greedy": a greedy run, or an exact run stopped at ``time_limit_s`` whose
        best was no better than the greedy's), ``time_limit_s``, ``p``, ``minutes``,
        ``covered_weight``, ``total_weight`` and ``excluded_demand`` (labels no site
        can reach, left out of lscp/p_median, and, with network costs, demand rows
        without geometry, left out of every model; reported, never silently; their
        weight stays in ``total_weight`` and is never covered), ``capacity_col`` and
        ``split_demand``. With ``capacity_col`` the columns follow the capacitated
        assignment (not the nearest site): ``capacity`` is added, ``n_assigned`` counts
        the demand rows with a share at the site, ``weight_assigned`` the people it serves.

    Raises
    ------
    InvalidOptionError
        Unknown model/solver, missing ``p`` or ``minutes``, neither
        ``network`` nor ``costs``, malformed ``costs``; ``capacity_col`` with another
        model than mclp/p_median, or capacities that cannot serve the demand (p_median:
        the existing sites and the ``p`` largest candidates hold less than the demand, or
        no assignment fits).
    MissingColumnError, ColumnTypeError
        ``capacity_col`` missing from ``candidates``/``existing``, not numeric, negative
        or missing values.
    DisconnectedNetworkError
        p-median or p-center cannot serve some demand with ``p`` new sites.
    GeometryTypeError
        ``demand``, ``candidates`` or ``existing`` hold lines (give points or polygons).

    Warns
    -----
    DroppedRowsWarning
        Demand rows without geometry (network costs): counted, listed in
        ``excluded_demand``; candidates or existing sites that cannot be snapped to
        the network (they reach nobody).
    GeometryFixedWarning
        Invalid polygons in ``demand``, ``candidates`` or ``existing`` were repaired
        with ``make_valid`` before snapping (network costs).
    UrbangeoWarning
        Demand no site can reach (lscp, p_median, p_center), listed in ``excluded_demand``;
        an exact run stopped at ``time_limit_s`` (optimality not proven: the objective,
        bound and gap are named).

    See Also
    --------
    assign_demand : nearest open site, minutes and coverage per demand row.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from shapely.geometry import Point
    >>> demand = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(10, 0), Point(20, 0)], crs=3857)
    >>> cand = gpd.GeoDataFrame(geometry=[Point(0, 1), Point(10, 1), Point(20, 1)], crs=3857)
    >>> costs = np.array([[1, 4, 9], [4, 1, 4], [9, 4, 1]], dtype=float)
    >>> sites = site_facilities(None, demand, candidates=cand, model="mclp", p=1, minutes=5, costs=costs)
    >>> sites.source_index.tolist(), sites.attrs["siting"]["objective"]
    ([1], 3.0)
    """
    crs, candidates = _check_inputs(network, demand, candidates, existing, model=model, solver=solver)
    minutes, time_limit_s = _check_model_options(model, p=p, minutes=minutes, time_limit_s=time_limit_s,
                                                 n_candidates=len(candidates))
    capacity = _capacities(existing, candidates, capacity_col, model=model, split_demand=split_demand)
    w = _weights(demand, population_col)
    sites = _sites_frame(existing, candidates, crs)
    n_exist = 0 if existing is None else len(existing)
    mat, gone = _site_costs(network, demand, sites, costs=costs, existing=existing, candidates=candidates,
                            model=model, minutes=minutes, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    res = _solve(model, mat, w, p=p, minutes=minutes, n_exist=n_exist, solver=solver, time_limit_s=time_limit_s,
                 capacity=capacity, split=split_demand)
    out, covered_weight = _open_sites(sites, res, mat, w, model=model, minutes=minutes, capacity=capacity)
    excluded = _excluded_demand(demand, res, gone, model)
    if solver == "exact" and res.status == _solvers.TIME_LIMIT:
        _warn_not_proven(res, model, time_limit_s)
    out.attrs["siting"] = {
        "model": model,
        "solver": solver,
        "status": res.status,
        "objective": float(res.objective),
        "bound": float(res.bound),
        "gap": float(res.gap),
        "bound_method": res.bound_method,
        "runtime_s": float(res.runtime_s),
        "solution_from": res.solution_from if solver == "exact" else "greedy",
        "time_limit_s": time_limit_s,
        "p": None if p is None else int(p),
        "minutes": minutes,
        "n_existing": int(n_exist),
        "n_candidates": int(len(candidates)),
        "n_new": int(out["new"].sum()),
        "covered_weight": covered_weight,
        "total_weight": float(w.sum()),
        "excluded_demand": excluded,
        "capacity_col": capacity_col,
        "split_demand": bool(split_demand),
    }
    return out


# --------------------------------------------------------------------------- the steps of site_facilities
def _check_inputs(network: Network | None, demand, candidates, existing, *, model, solver):
    """Step 1, validate the frames: points or polygons with a CRS; candidates default to intersections.

    Returns ``(crs of demand, candidates)``.
    """
    check_choice(model, "model", MODELS)
    check_choice(solver, "solver", SOLVERS)
    check_geodataframe(demand, "demand")
    crs = get_crs(demand, "demand")
    _check_locations(demand, "demand")
    if existing is not None:
        check_geodataframe(existing, "existing", allow_empty=True)
        get_crs(existing, "existing")
        _check_locations(existing, "existing")
    if candidates is None:
        if network is None:
            raise InvalidOptionError("give `candidates`, or a `network` whose intersections become candidates.")
        candidates = network_candidates(network)
    check_geodataframe(candidates, "candidates")
    get_crs(candidates, "candidates")
    _check_locations(candidates, "candidates")
    return crs, candidates


def _check_model_options(model, *, p, minutes, time_limit_s, n_candidates):
    """Step 1, validate the options each model needs: ``p`` (mclp, p_median), ``minutes`` (lscp, mclp).

    Returns the checked ``(minutes, time_limit_s)``.
    """
    if model in ("mclp", "p_median", "p_center"):
        if p is None:
            raise InvalidOptionError(f"model={model!r} needs `p`, the number of new sites to open.")
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 0:
            raise InvalidOptionError(f"`p` must be an integer >= 0; got {p!r}.")
        if p > n_candidates:
            raise InvalidOptionError(f"`p`={p} is more than the {n_candidates} candidates.")
    if model in ("lscp", "mclp"):
        if minutes is None:
            raise InvalidOptionError(f"model={model!r} needs `minutes`, the coverage standard.")
        minutes = check_number(minutes, "minutes", minimum=0)
    if time_limit_s is not None:
        time_limit_s = check_number(time_limit_s, "time_limit_s", minimum=0, strict=True)
    return minutes, time_limit_s


def _capacities(existing, candidates, capacity_col, *, model, split_demand):
    """Step 1, the site capacities (existing first, then candidates), or None without ``capacity_col``."""
    if not isinstance(split_demand, (bool, np.bool_)):
        raise InvalidOptionError(f"`split_demand` must be True or False; got {split_demand!r}.")
    if capacity_col is None:
        return None
    if model not in ("mclp", "p_median"):
        raise InvalidOptionError(
            f"`capacity_col` works with model='mclp' or 'p_median' (capacitated); model={model!r} has no "
            f"capacities. Drop `capacity_col` or change `model`."
        )
    if not isinstance(capacity_col, str):
        raise InvalidOptionError(f"`capacity_col` must be a column name (str); got {capacity_col!r}.")
    frames = ([("existing", existing)] if existing is not None and len(existing) else []) + [("candidates", candidates)]
    parts = []
    for name, frame in frames:
        check_columns(frame, name, {capacity_col: "numeric"})
        cap = frame[capacity_col].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(cap).any() or (cap < 0).any() or np.isinf(cap).any():
            raise ColumnTypeError(
                f"`{name}[{capacity_col!r}]` (capacity_col) has missing, infinite or negative values; capacities are "
                f"people a site can serve (>= 0): fill or fix them first."
            )
        parts.append(cap)
    return np.concatenate(parts)


def _site_costs(network: Network | None, demand, sites, *, costs, existing, candidates, model, minutes, speed_kmh, max_snap_m):
    """Step 2, prepare the costs: minutes from each demand row to each site (inf = unreachable).

    From the user's ``costs``, or walking times on ``network`` (demand rows without
    geometry are left out, with a warning). Returns ``(matrix, rows left out)``.
    """
    gone = np.zeros(len(demand), dtype=bool)
    if costs is not None:
        labels = (list(existing.index) if existing is not None else []) + list(candidates.index)
        shared = existing is not None and len(existing) and len(set(labels)) != len(labels)
        if shared and isinstance(costs, pd.DataFrame):
            raise InvalidOptionError(
                "`existing` and `candidates` share index labels, so `costs` columns are ambiguous; give them "
                "distinct labels (e.g. candidates.index = 'c' + candidates.index.astype(str)) or pass an array."
            )
        return _costs_from_frame(costs, demand, labels), gone
    if network is None:
        raise InvalidOptionError("give a `network` (walking times are computed on it) or a `costs` matrix.")
    geo = demand.geometry
    gone = (geo.isna() | geo.is_empty).to_numpy()
    if gone.any():
        _warn_no_geometry(demand, gone, model)
    # site labels that mean something in messages: the candidates' own, or "existing 'x'"/"candidate 'y'"
    if existing is not None and len(existing):
        site_labels = [f"{src} {lab!r}" for src, lab in zip(sites["source"], sites["source_index"])]
        site_name = "existing + candidates"
    else:
        site_labels, site_name = list(candidates.index), "candidates"
    mat = np.full((len(demand), len(sites)), np.inf)
    limit = minutes if model in ("lscp", "mclp") else None
    mat[~gone] = _network_costs(
        network, demand[~gone], sites.set_axis(site_labels), limit_minutes=limit, speed_kmh=speed_kmh,
        max_snap_m=max_snap_m, names=("demand", site_name),
    )
    return mat, gone


def _warn_no_geometry(demand, gone, model) -> None:
    labels = list(demand.index[gone])
    shown = ", ".join(repr(x) for x in labels[:5]) + (" ..." if len(labels) > 5 else "")
    warnings.warn(
        f"site_facilities: {len(labels)} of {len(demand)} rows of `demand` have no geometry (rows {shown}); "
        f"they cannot be placed on the network, are left out of the {model} model (their weight counts in "
        f"total_weight, never as covered) and are listed in attrs['siting']['excluded_demand']. Give them "
        f"a location, or drop them first: demand[~(demand.geometry.isna() | demand.geometry.is_empty)].",
        DroppedRowsWarning,
        stacklevel=4,  # the caller of site_facilities (site_facilities -> _site_costs -> here)
    )


def _solve(model, mat, w, *, p, minutes, n_exist, solver, time_limit_s, capacity=None, split=False):
    """Step 3, solve the model; the existing sites (the first ``n_exist``) stay open."""
    from scipy.sparse import csr_matrix

    fixed = np.zeros(mat.shape[1], dtype=bool)
    fixed[:n_exist] = True
    opts = {"method": solver, "time_limit_s": time_limit_s}
    if capacity is not None and model == "mclp":
        return _solvers.solve_capacitated_mclp(mat <= minutes, w, capacity, p, fixed, split=split, **opts)
    if capacity is not None:
        return _solvers.solve_capacitated_p_median(mat, w, capacity, p, fixed, split=split, **opts)
    if model == "p_center":
        return _solvers.solve_p_center(mat, w, p, fixed, **opts)
    if model == "lscp":
        return _solvers.solve_lscp(csr_matrix(mat <= minutes), fixed, method=solver, time_limit_s=time_limit_s)
    if model == "mclp":
        return _solvers.solve_mclp(csr_matrix(mat <= minutes), w, p, fixed, method=solver, time_limit_s=time_limit_s)
    return _solvers.solve_p_median(mat, w, p, fixed, method=solver, time_limit_s=time_limit_s)


def _open_sites(sites, res, mat, w, *, model, minutes, capacity=None):
    """Step 4, write the columns of the open sites: demand assigned to each, covered, mean minutes.

    Returns ``(open sites, covered weight)``.
    """
    out = sites.iloc[res.chosen].reset_index(drop=True)
    out["new"] = out["source"].eq("candidate")
    if res.assignment is not None:
        return _capacitated_columns(out, res, mat, w, model=model, capacity=capacity)
    sub = mat[:, res.chosen]
    best = sub.min(axis=1) if len(res.chosen) else np.full(len(mat), np.inf)
    reach = np.isfinite(best)
    nearest = np.where(reach, sub.argmin(axis=1) if len(res.chosen) else 0, -1)
    k = len(out)
    out["n_assigned"] = np.bincount(nearest[reach], minlength=k).astype(np.int64)
    out["weight_assigned"] = np.bincount(nearest[reach], weights=w[reach], minlength=k)
    if model in ("lscp", "mclp"):
        cov = reach & (best <= minutes)
        out["weight_covered"] = np.bincount(nearest[cov], weights=w[cov], minlength=k)
        covered_weight = float(w[cov].sum())
    else:
        covered_weight = float(w[reach].sum())
    wm = np.bincount(nearest[reach], weights=(w * np.where(reach, best, 0.0))[reach], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_minutes"] = np.where(out["weight_assigned"] > 0, wm / out["weight_assigned"].to_numpy(), np.nan)
    return out, covered_weight


def _capacitated_columns(out, res, mat, w, *, model, capacity):
    """Step 4 with capacities: the columns follow the solver's assignment (shares of demand rows)."""
    share = res.assignment.tocsc()[:, res.chosen]
    coo = share.tocoo()
    minutes_served = np.where(coo.data > 0, mat[coo.row, res.chosen[coo.col]], 0.0)
    k = len(out)
    out["capacity"] = capacity[res.chosen]
    out["n_assigned"] = np.bincount(coo.col[coo.data > 0], minlength=k).astype(np.int64)
    served = np.bincount(coo.col, weights=w[coo.row] * coo.data, minlength=k)
    out["weight_assigned"] = served
    if model == "mclp":
        out["weight_covered"] = served
    wm = np.bincount(coo.col, weights=w[coo.row] * coo.data * minutes_served, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_minutes"] = np.where(served > 0, wm / served, np.nan)
    return out, float(served.sum())


def _warn_not_proven(res, model, time_limit_s) -> None:
    """Step 5, an exact run stopped at ``time_limit_s``: say that the optimum is not proven, and by how much."""
    source = {"highs": "HiGHS's best solution (better than the greedy's)",
              "greedy": "the greedy's solution (HiGHS found none better)"}[res.solution_from]
    warnings.warn(
        f"site_facilities: HiGHS stopped at the time limit (time_limit_s={time_limit_s:g}) before proving the "
        f"{model} optimum. The result is {source}: objective {res.objective:,.6g}, proven bound {res.bound:,.6g} "
        f"(gap {100 * res.gap:.2f} %), in attrs['siting'] (solution_from={res.solution_from!r}). Raise "
        f"`time_limit_s` (or leave it None) for a proven optimum.",
        UrbangeoWarning,
        stacklevel=3,  # the caller of site_facilities
    )


def _excluded_demand(demand, res, gone, model) -> list:
    """Step 5, the demand left out: rows without geometry and rows no site can reach (with a warning)."""
    unreachable = np.zeros(len(demand), dtype=bool)
    unreachable[np.asarray(res.excluded_demand, dtype=np.int64)] = True
    unreachable &= ~gone
    if unreachable.any():
        warnings.warn(
            f"{int(unreachable.sum())} demand rows cannot be reached by any site within the threshold/network and "
            f"are left out of the {model} model (listed in attrs['siting']['excluded_demand']).",
            UrbangeoWarning,
            stacklevel=3,  # the caller of site_facilities
        )
    return list(demand.index[gone | unreachable])


def assign_demand(
    network: Network | None,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    costs: pd.DataFrame | None = None,
    minutes: float | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Nearest open site of every demand row, its walking time, and coverage.

    Parameters
    ----------
    network : Network or None
        Walking times on it; ``None`` when ``costs`` is given.
    demand : GeoDataFrame
    sites : GeoDataFrame
        Open sites, e.g. the output of :func:`site_facilities`.
    costs : DataFrame, optional
        Minutes, index ``demand.index``, columns ``sites.index``; NaN = unreachable.
    minutes : float, optional
        Adds ``covered`` (``site_minutes <= threshold``, inclusive).

    Returns
    -------
    GeoDataFrame
        Copy of ``demand`` with ``site`` (label in ``sites.index``, missing when no
        site is reached), ``site_minutes`` (NaN when unreachable) and, with a
        threshold, ``covered`` (bool).

    Warns
    -----
    DroppedRowsWarning
        With a ``network``: demand rows without geometry (None or empty; no site,
        NaN minutes), and sites that cannot be snapped (counted and listed).
    GeometryFixedWarning
        With a ``network``: invalid polygons in ``demand`` or ``sites`` were repaired
        with ``make_valid``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> d = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(5, 0)], crs=3857)
    >>> s = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=3857)
    >>> c = pd.DataFrame({0: [1.0, 12.0]})
    >>> assign_demand(None, d, s, costs=c, minutes=10)[["site", "site_minutes", "covered"]].values.tolist()
    [[0, 1.0, True], [0, 12.0, False]]
    """
    check_geodataframe(demand, "demand")
    check_geodataframe(sites, "sites")
    if minutes is not None:
        minutes = check_number(minutes, "minutes", minimum=0)
    if costs is not None:
        if not isinstance(costs, pd.DataFrame):
            raise InvalidOptionError("`costs` must be a DataFrame indexed by demand.index with columns sites.index.")
        mat = _costs_from_frame(costs, demand, list(sites.index))
    elif network is not None:
        mat = _network_costs(network, demand, sites, limit_minutes=None, speed_kmh=speed_kmh, max_snap_m=max_snap_m)
    else:
        raise InvalidOptionError("give a `network` (walking times are computed on it) or a `costs` matrix.")
    best = mat.min(axis=1)
    reach = np.isfinite(best)
    arg = mat.argmin(axis=1)
    out = demand.copy()
    labels = np.asarray(sites.index, dtype=object)[arg]
    out["site"] = pd.array(np.where(reach, labels, None), dtype=object)
    if reach.all():
        out["site"] = pd.Series(list(labels), index=out.index).infer_objects()
    out["site_minutes"] = np.where(reach, best, np.nan)
    if minutes is not None:
        out["covered"] = reach & (best <= minutes)
    return out
