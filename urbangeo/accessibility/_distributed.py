"""Dask paths of the accessibility functions (origins as a ``dask_geopandas.GeoDataFrame``).

:func:`~urbangeo.accessibility.nearest_facilities`,
:func:`~urbangeo.accessibility.cumulative_opportunities`,
:func:`~urbangeo.accessibility.two_step_fca`,
:func:`~urbangeo.accessibility.life_circle_audit` and
:func:`~urbangeo.accessibility.isochrones` hand a dask frame of origins (residences,
demand) to the function of the same name here. It returns a lazy dask_geopandas frame
with the columns, dtypes and index of the in-memory result, and computing it gives the
in-memory result.

How
---
* The network travels to the workers once (:func:`urbangeo._dask.broadcast`); so do
  the facilities. Each partition's task takes the handles and clips the network on the
  worker.
* Each partition runs the in-memory function on the network cut to the bounding box
  of its origins (in the network CRS) grown by the *reach*: the largest travel bound
  times the fastest speed any edge allows, plus ``max_snap_m``. The cut keeps every
  node in that box and both ends of every edge whose bounding box meets it, so each
  edge that has a point within the reach is kept whole (:meth:`Network.clip` keeps only
  the segments with both ends inside, which would drop a snapped edge that leaves the
  box: not enough for an exact answer).
* The fastest speed is ``max(speed x hill factor (both directions, at least 1) x
  geometry length / length_m (at least 1))`` over the edges (``speed_kmh`` when given);
  for ``dist_m`` bounds the reach is the bound times the largest geometry stretch.
* Connected components are those of the whole network (the clipped network is told its
  nodes' whole-network labels), so ``settings.snap_component="largest"`` snaps to the
  same edges as in memory.
* The settings of the calling process (``urbangeo.settings``) are applied in every task,
  so workers in other processes use the same ``max_snap_m``, ``snap_component``...

Why the result is exact
-----------------------
Every leg of a path (access leg, offset along an edge, whole edges) is travelled at most
at the fastest speed ``v``, so a path of cost ``c`` never gets further than ``c * v`` in
a straight line from the origin. A path within the bound ``T`` therefore stays within
``T * v`` of its origin, and its facility's point within ``T * v`` too; the edges a point
may snap to lie within ``max_snap_m`` of it. All of them are kept whole, with their
speeds, factors and component labels, and the nodes keep their relative order; so each
partition sees the same snapped edges, the same paths and the same costs as the whole
network, and gives the same rows. Facilities farther away cannot be reached within
``T`` on either network. The costs are equal up to floating-point rounding: the engine adds
edge costs in an order that follows the node numbering, which the cut changes (measured on
20 real cities: at most 3e-10 minutes; 2SFCA's sums over partitions likewise, rtol 1e-12).

No bound, no clip: ``nearest_facilities`` without ``minutes`` and ``life_circle_audit``
(which reports the minutes to the nearest facility however far) search the whole network
in every partition (exact, slower), with a :class:`~urbangeo.errors.UrbangeoWarning`
for ``nearest_facilities`` saying to pass ``minutes``. So do ``minutes=inf`` bounds.

Two-step FCA needs, for each supply site, the demand of every partition in its
catchment: pass 1 gives each partition's weighted demand per supply site, their sum
gives the ratios, pass 2 gives each partition's access from those ratios. The sums run
in another order than in memory: the floats agree to ~1e-15 relative, not bit for bit.

Warnings about the facilities (not snapped, no category...) are given once, at call
time, by the in-memory function run on the whole network with ``origins``' meta rows;
the partitions do not repeat them. Warnings about origin rows are given by the tasks
(seen with dask's default scheduler; with a cluster they go to the worker logs): the
``snap_note`` column says the same per row.

Per-city networks (:func:`~urbangeo.accessibility.per_network`: a dict of networks and a
column naming each row's network) work the same way: every network and every city's
facilities travel once; each task splits its partition by city and runs each city's rows
on that city's network, cut by that network's reach, with that city's facilities; two-step
FCA sums pass 1 per city. Computing gives the in-memory ``per_network`` result.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._dask import broadcast, dask_modules
from ..errors import InvalidOptionError, UrbangeoWarning
from ..settings import settings
from . import _common, snapping
from ._cities import assemble, call_city, city_rows
from .network import Network

__all__ = [
    "nearest_facilities",
    "cumulative_opportunities",
    "two_step_fca",
    "life_circle_audit",
    "isochrones",
    "reach_m",
    "clip_for",
    "per_network",
]

_SETTINGS_LOCK = threading.Lock()
_WARN_LOCK = threading.Lock()  # tasks that touch the warning filters run one at a time per process
_TREES: dict[int, list] = {}  # id(network) -> its snapping STRtrees, while it lives


# --------------------------------------------------------------------------- reach and clip
def _max_speed_mps(network: Network, speed_kmh: float | None) -> float:
    """The fastest straight-line progress any edge allows, metres per second."""
    if network.n_edges == 0:
        return 0.0
    speed = network.edge_speed_kmh if speed_kmh is None else np.full(network.n_edges, float(speed_kmh))
    factor = np.ones(network.n_edges)
    for f in (network.edge_factor_fwd, network.edge_factor_rev):
        if f is not None:
            factor = np.maximum(factor, f)
    return float(np.max(speed * factor * _stretch(network)) / 3.6)


def _stretch(network: Network) -> np.ndarray:
    """Geometry length / ``edge_length_m`` per edge, at least 1 (a shorter length_m makes travel faster)."""
    geo = shapely.length(network.edge_geometry.astype(object))
    geo = np.where(pd.isna(network.edge_geometry), 0.0, geo)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(network.edge_length_m > 0, geo / network.edge_length_m, 1.0)
    return np.maximum(np.nan_to_num(s, nan=1.0, posinf=1.0), 1.0)


def reach_m(network: Network, *, weight: str, bound: float, speed_kmh: float | None, max_snap_m: float) -> float:
    """Straight-line distance around the origins that holds every path within ``bound`` (s or m); inf if unbounded."""
    if not np.isfinite(bound):
        return np.inf
    if weight == "time_s":
        far = bound * _max_speed_mps(network, speed_kmh)
    else:
        far = bound * (float(_stretch(network).max()) if network.n_edges else 1.0)
    return float(far + max_snap_m)


def clip_for(network: Network, part: gpd.GeoDataFrame, reach: float, max_snap_m: float | None = None) -> Network:
    """``network`` cut to the bounding box of ``part`` grown by ``reach`` metres (edges kept whole).

    The whole network when ``reach`` is inf or ``part`` has no geometry. Call it under the
    caller's settings (``snap_component``...): origins that snap nowhere on the cut get their
    nearest edges of the whole network added (see :func:`_add_nearest`).
    """
    if not np.isfinite(reach) or len(part) == 0:
        return network
    geoms = part.geometry
    if part.crs is not None and not network.crs.equals(part.crs):
        geoms = geoms.to_crs(network.crs)
    b = shapely.bounds(np.asarray(geoms.values, dtype=object))
    b = b[np.isfinite(b).all(axis=1)]
    if not len(b):
        return network
    x0, y0 = b[:, 0].min() - reach, b[:, 1].min() - reach
    x1, y1 = b[:, 2].max() + reach, b[:, 3].max() + reach
    eb = shapely.bounds(network.edge_geometry.astype(object))
    ex0 = np.where(np.isnan(eb[:, 0]), np.minimum(network.x[network.edge_u], network.x[network.edge_v]), eb[:, 0])
    ey0 = np.where(np.isnan(eb[:, 1]), np.minimum(network.y[network.edge_u], network.y[network.edge_v]), eb[:, 1])
    ex1 = np.where(np.isnan(eb[:, 2]), np.maximum(network.x[network.edge_u], network.x[network.edge_v]), eb[:, 2])
    ey1 = np.where(np.isnan(eb[:, 3]), np.maximum(network.y[network.edge_u], network.y[network.edge_v]), eb[:, 3])
    meets = (ex0 <= x1) & (ex1 >= x0) & (ey0 <= y1) & (ey1 >= y0)
    keep = (network.x >= x0) & (network.x <= x1) & (network.y >= y0) & (network.y <= y1)
    keep[network.edge_u[meets]] = True
    keep[network.edge_v[meets]] = True
    if keep.all() or not meets.any():  # no edge near these origins: the whole network (they stay unsnapped)
        return network
    out = _cut(network, keep, reach)
    if _add_nearest(network, out, part, geoms, keep, max_snap_m):
        out = _cut(network, keep, reach)
    return out


def _cut(network: Network, keep: np.ndarray, reach: float) -> Network:
    comp = network.component  # the whole network's components (0 = largest), before the cut
    out = network.subnetwork(keep)
    out.__dict__["component"] = comp[keep]  # cached_property: snapping to "the largest" stays the whole one's
    out.meta["clipped_buffer_m"] = float(reach)
    return out


def _add_nearest(network: Network, cut: Network, part: gpd.GeoDataFrame, geoms: Any, keep: np.ndarray,
                 max_snap_m: float | None) -> bool:
    """Mark in ``keep`` the nearest snappable edge, of the whole network and of its largest component,
    of every origin that snaps nowhere on ``cut``; True if that adds an edge.

    An origin that snaps on the cut (within ``max_snap_m``) snaps to the same edge as on the whole
    network: every edge within ``max_snap_m <= reach`` of it is in the cut. One that does not (too
    far from any street, or no piece of the largest component nearby) must report the in-memory
    distance and note, not another edge's, and not an error where the cut holds none of the
    largest component: its nearest edges are added (looked up for those origins only).
    """
    snapped = np.zeros(len(part), bool)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snap = snapping.snap_points(cut, part, max_snap_m=max_snap_m)
        edge, row = snap["edge"].to_numpy(), snap["row"].to_numpy()
        snapped[row[edge >= 0]] = True
    except InvalidOptionError:  # nothing to snap to on the cut (none of the largest component): all far
        pass
    except Exception:  # bad rows: the task's call raises the in-memory error itself
        return False
    far = ~snapped
    if not far.any():
        return False
    pts = np.asarray(geoms.values, dtype=object)[far]
    pts = pts[~(shapely.is_missing(pts) | shapely.is_empty(pts))]
    if not len(pts):
        return False
    areal = shapely.get_type_id(pts) != 0  # polygons snap from a point on them: keep both nearest edges
    pts = np.concatenate([pts, shapely.point_on_surface(pts[areal])])
    u, v = network.edge_u, network.edge_v
    before = int(keep.sum())
    for idx, tree in _trees(network):
        near = idx[np.unique(tree.query_nearest(pts, return_distance=False, all_matches=True)[1])]
        keep[u[near]] = True
        keep[v[near]] = True
    return int(keep.sum()) > before


def _trees(network: Network) -> list:
    """STRtrees of the snappable edges and of those of the largest component (built once per network)."""
    cached = _TREES.get(id(network))
    if cached is not None:
        return cached
    ok = np.ones(network.n_edges, bool) if network.edge_snappable is None else np.asarray(network.edge_snappable, bool)
    u, v = network.edge_u, network.edge_v
    comp = network.component
    lines = network.edge_geometry.astype(object).copy()
    missing = shapely.is_missing(lines)
    if missing.any():
        lines[missing] = shapely.linestrings(
            np.stack([np.c_[network.x[u[missing]], network.y[u[missing]]],
                      np.c_[network.x[v[missing]], network.y[v[missing]]]], axis=1))
    out = []
    for cand in (ok, ok & (comp[u] == 0) & (comp[v] == 0)):
        idx = np.flatnonzero(cand)
        if len(idx):
            out.append((idx, shapely.STRtree(lines[idx])))
    _TREES[id(network)] = out
    weakref.finalize(network, _TREES.pop, id(network), None)  # not on the object: it would travel with it
    return out


# --------------------------------------------------------------------------- tasks
@contextlib.contextmanager
def _settings_as(values: dict) -> Iterator[None]:
    """The caller's settings inside a task (a worker process starts with the defaults)."""
    if settings.to_dict() == values:
        yield
        return
    with _SETTINGS_LOCK, settings.override(**values):
        yield


def _quiet(names: tuple[str, ...]) -> None:
    """Inside a task: drop warnings about the in-memory frames (given once at call time)."""
    for nm in names:
        warnings.filterwarnings("ignore", message=rf"(?s).*\b{nm}\b")


def _run_part(network: Network, part: gpd.GeoDataFrame, fn: Callable, reach: float, snap: dict,
              quiet: tuple[str, ...], args: tuple, kwargs: dict) -> gpd.GeoDataFrame:
    # Python's warning filters are process-wide: two threads (dask's threaded scheduler) entering
    # and leaving catch_warnings in turn would leave one's filters behind for good; one at a time
    with _WARN_LOCK, _settings_as(snap), warnings.catch_warnings():
        net = clip_for(network, part, reach, kwargs.get("max_snap_m"))
        _quiet(quiet)
        return fn(net, part, *args, **kwargs)


def _meta_run(fn: Callable, network: Network, origins: Any, oname: str, *args: Any, **kwargs: Any):
    """The in-memory call on ``origins``' meta rows: checks the arguments now, warns about the
    facilities once, and gives the output's columns and dtypes (no rows)."""
    sample = origins._meta_nonempty.copy()
    sample.attrs = {}  # dask_geopandas.read_parquet puts a GeoSeries there; pandas cannot compare it
    at = gpd.GeoSeries([shapely.Point(network.x[0], network.y[0]) if network.n_nodes else shapely.Point(0, 0)]
                       * len(sample), index=sample.index, crs=network.crs)
    if sample.crs is not None:
        at = at.to_crs(sample.crs)
    sample[sample.geometry.name] = at.values if sample.crs is not None else at.set_crs(None, allow_override=True).values
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(network, sample, *args, **kwargs)
    for w in caught:
        msg = str(w.message)
        if f"`{oname}`" in msg or f" {oname} " in msg or f" {oname}:" in msg or f" {oname}." in msg:
            continue  # about the fake meta rows
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out.iloc[:0]


def _collection(parts: list, meta: Any, divisions: Any) -> Any:
    _, dd, _ = dask_modules()
    return dd.from_delayed(parts, meta=meta, divisions=divisions, verify_meta=False)


def _map(fn: Callable, network: Network, origins: Any, *, reach: float, quiet: tuple[str, ...],
         shared: tuple, kwargs: dict, meta: Any) -> Any:
    """One task per partition of ``origins``: ``fn(clipped network, partition, *shared, **kwargs)``."""
    dask, _, _ = dask_modules()
    net = broadcast(network)
    shared_h = tuple(broadcast(s) for s in shared)
    snap = settings.to_dict()
    tasks = [dask.delayed(_run_part, pure=True)(net, p, fn, reach, snap, quiet, shared_h, kwargs)
             for p in origins.to_delayed()]
    return _collection(tasks, meta, origins.divisions)


def _unbounded_warning(fname: str, what: str) -> None:
    warnings.warn(
        f"{fname} on a dask frame without a travel bound: every partition searches the whole network "
        f"(exact, but each task does the work of the whole area). {what}",
        UrbangeoWarning,
        stacklevel=3,
    )


def _max_snap(max_snap_m: float | None) -> float:
    return float(settings.max_snap_m if max_snap_m is None else max_snap_m)


# --------------------------------------------------------------------------- the five functions
# Each takes the in-memory function as ``in_memory`` (this module never imports the public
# modules: they import it); tasks call it by reference on the workers.
def nearest_facilities(in_memory: Callable, network: Network, origins: Any, facilities: gpd.GeoDataFrame,
                       **kw: Any) -> Any:
    """Dask path of :func:`~urbangeo.accessibility.nearest_facilities` (same keywords)."""
    _common.check_network(network)
    meta = _meta_run(in_memory, network, origins, "origins", facilities, **kw)
    if kw.get("minutes") is None:
        _unbounded_warning("nearest_facilities", "Pass `minutes=` (the longest trip of interest) to clip it.")
    reach = _reach_of("nearest_facilities", network, kw, ())
    kwargs = {**kw, "max_snap_m": _max_snap(kw.get("max_snap_m")), "progress": False}
    return _map(in_memory, network, origins, reach=reach, quiet=("facilities",), shared=(facilities,),
                kwargs=kwargs, meta=meta)


def cumulative_opportunities(in_memory: Callable, network: Network, origins: Any, facilities: gpd.GeoDataFrame,
                             **kw: Any) -> Any:
    """Dask path of :func:`~urbangeo.accessibility.cumulative_opportunities` (same keywords)."""
    _common.check_network(network)
    meta = _meta_run(in_memory, network, origins, "origins", facilities, **kw)
    reach = _reach_of("cumulative_opportunities", network, kw, ())
    kwargs = {**kw, "max_snap_m": _max_snap(kw.get("max_snap_m")), "progress": False}
    return _map(in_memory, network, origins, reach=reach, quiet=("facilities",), shared=(facilities,),
                kwargs=kwargs, meta=meta)


def life_circle_audit(in_memory: Callable, network: Network, residences: Any, facilities: gpd.GeoDataFrame,
                      **kw: Any) -> Any:
    """Dask path of :func:`~urbangeo.accessibility.life_circle_audit` (same keywords).

    The audit reports the minutes to the nearest facility of each category however far,
    so each partition searches the whole network (no clip), with a warning.
    """
    _common.check_network(network)
    meta = _meta_run(in_memory, network, residences, "residences", facilities, **kw)
    _unbounded_warning("life_circle_audit", "The audit reports the minutes to the nearest facility however far.")
    kwargs = {**kw, "max_snap_m": _max_snap(kw.get("max_snap_m"))}
    return _map(in_memory, network, residences, reach=np.inf, quiet=("facilities",), shared=(facilities,),
                kwargs=kwargs, meta=meta)


def isochrones(in_memory: Callable, network: Network, origins: Any, **kw: Any) -> Any:
    """Dask path of :func:`~urbangeo.accessibility.isochrones` (same keywords).

    The rows (one per origin and band, numbered 0..n-1 in memory) keep their in-memory
    index: each partition's rows are shifted by the rows of the partitions before it.
    """
    _common.check_network(network)
    meta = _meta_run(in_memory, network, origins, "origins", **kw)
    n_bands = len(_common.thresholds(kw.get("minutes"), kw.get("dist_m"))[1])
    reach = _reach_of("isochrones", network, kw, ())
    kwargs = {**kw, "max_snap_m": _max_snap(kw.get("max_snap_m")), "progress": False}
    dask, _, _ = dask_modules()
    net = broadcast(network)
    snap = settings.to_dict()
    parts = origins.to_delayed()
    lens = [dask.delayed(len, pure=True)(p) for p in parts]
    tasks = []
    for i, p in enumerate(parts):
        before = dask.delayed(sum, pure=True)(lens[:i]) if i else 0
        res = dask.delayed(_run_part, pure=True)(net, p, in_memory, reach, snap, (), (), kwargs)
        tasks.append(dask.delayed(_renumber, pure=True)(res, before, n_bands))
    return _collection(tasks, meta, None)


def _renumber(frame: gpd.GeoDataFrame, n_before: int, n_bands: int) -> gpd.GeoDataFrame:
    out = frame.copy()
    out.index = pd.RangeIndex(n_before * n_bands, n_before * n_bands + len(out))
    return out


# --------------------------------------------------------------------------- two-step FCA
def two_step_fca(in_memory: Callable, steps: tuple[Callable, ...], network: Network | None, demand: Any,
                 supply: gpd.GeoDataFrame, **kw: Any) -> Any:
    """Dask path of :func:`~urbangeo.accessibility.two_step_fca` (same keywords; no ``costs`` table).

    Pass 1 per partition: the weighted demand of the partition in each supply site's
    catchment; their sum gives the ratios ``R_j = S_j / sum_i W_ij P_i``; pass 2 per
    partition: ``A_i = sum_j W_ij R_j``. The pairs of pass 1 stay on the worker for pass 2.
    ``steps`` are fca's ``(_catchment, _values, _pairs, _demand_frame)``: the same steps as in memory.
    """
    if kw.get("costs") is not None:
        raise InvalidOptionError(
            "`costs` with a dask `demand` is not supported: pass a network (or compute `demand` first)."
        )
    _common.check_network(network)
    assert network is not None
    meta = _meta_run(in_memory, network, demand, "demand", supply, **kw)
    reach = _reach_of("two_step_fca", network, kw, steps)
    opts = _fca_options(steps, kw, _max_snap(kw.get("max_snap_m")))
    dask, _, _ = dask_modules()
    net = broadcast(network)
    sup = broadcast(supply)
    snap = settings.to_dict()
    parts = demand.to_delayed()
    firsts = [dask.delayed(_fca_pass1, pure=True)(steps, net, p, sup, reach, snap, opts) for p in parts]
    ratio = dask.delayed(_fca_ratios, pure=True)(sup, kw["capacity_col"], *firsts)
    tasks = [dask.delayed(_fca_pass2, pure=True)(steps, st, ratio, p) for st, p in zip(firsts, parts)]
    return _collection(tasks, meta, demand.divisions)


def _fca_pass1(steps: tuple[Callable, ...], network: Network, part: gpd.GeoDataFrame, supply: gpd.GeoDataFrame,
               reach: float, snap: dict, o: dict) -> dict:
    _, values, pairs, _ = steps
    with _WARN_LOCK, _settings_as(snap), warnings.catch_warnings():
        net = clip_for(network, part, reach, o["max_snap_m"])
        _quiet(("supply",))
        pop = values(part, o["population_col"], "demand")
        cap = supply[o["capacity_col"]].to_numpy(float)
        oi, sj, cu, d, located = pairs(net, part, supply, None, weight=o["weight"], factor=o["factor"],
                                            limit=o["limit"], speed_kmh=o["speed_kmh"], max_snap_m=o["max_snap_m"],
                                            supply_polygons=o["supply_polygons"],
                                            entrance_spacing_m=o["entrance_spacing_m"], progress=False)
    zones, zw = o["zones"], o["zw"]
    zone = np.searchsorted(zones, cu, side="left")  # as fca._fca: c <= zones[z] inclusive
    w = np.where(zone < len(zones), zw[np.minimum(zone, len(zones) - 1)], 0.0)
    ok = (w > 0) & ~np.isnan(pop[oi]) & ~np.isnan(cap[sj])
    oi, sj, w = oi[ok], sj[ok], w[ok]
    dem = np.bincount(sj, weights=w * pop[oi], minlength=len(supply))
    return {"oi": oi, "sj": sj, "w": w, "pop": pop, "located": located, "d": d, "dem": dem}


def _fca_ratios(supply: gpd.GeoDataFrame, capacity_col: str, *firsts: dict) -> np.ndarray:
    cap = supply[capacity_col].to_numpy(float)
    dem = np.zeros(len(supply))
    for st in firsts:
        dem = dem + st["dem"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dem > 0, cap / dem, np.nan)


def _fca_pass2(steps: tuple[Callable, ...], st: dict, ratio: np.ndarray, part: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    demand_frame = steps[3]
    oi, sj, w, pop = st["oi"], st["sj"], st["w"], st["pop"]
    nd = len(part)
    has_r = ~np.isnan(ratio[sj])
    acc = np.bincount(oi[has_r], weights=(w * ratio[sj])[has_r], minlength=nd)
    n_sup = np.bincount(oi[has_r], minlength=nd)
    acc = np.where(n_sup > 0, acc, np.nan)
    snapped = np.zeros(nd, bool)
    snapped[st["located"]] = True
    acc[~snapped | np.isnan(pop)] = np.nan
    return demand_frame(part, acc, n_sup, st["d"])


# --------------------------------------------------------------------------- per-city networks
def _reach_of(fname: str, network: Network, kw: dict, steps: tuple) -> float:
    """The reach of one network for ``fname`` called with ``kw`` (inf: no cut)."""
    max_snap = _max_snap(kw.get("max_snap_m"))
    if fname == "life_circle_audit" or (fname == "nearest_facilities" and kw.get("minutes") is None):
        return np.inf
    if fname == "nearest_facilities":
        return reach_m(network, weight="time_s", bound=60.0 * float(kw["minutes"]), speed_kmh=kw.get("speed_kmh"),
                       max_snap_m=max_snap)
    if fname == "two_step_fca":
        zones, _, weight, factor = steps[0]("2sfca", kw.get("minutes"), kw.get("dist_m"), None, None, None)
        return reach_m(network, weight=weight, bound=float(zones.max()) * factor, speed_kmh=kw.get("speed_kmh"),
                       max_snap_m=max_snap)
    weight, thr, _, _ = _common.thresholds(kw.get("minutes"), kw.get("dist_m"))
    return reach_m(network, weight=weight, bound=float(thr.max()), speed_kmh=kw.get("speed_kmh"), max_snap_m=max_snap)


def per_network(function: Callable, fname: str, oname: str, fac_name: str | None, networks: Mapping, origins: Any,
                facilities: gpd.GeoDataFrame | None, key: str, steps: tuple, kw: dict) -> Any:
    """Dask path of :func:`~urbangeo.accessibility.per_network` (checked by it)."""
    if fname == "two_step_fca" and kw.get("costs") is not None:
        raise InvalidOptionError(
            "`costs` with a dask `demand` is not supported: pass networks (or compute `demand` first).")
    for net in networks.values():
        _common.check_network(net)
    fkey = None if facilities is None else facilities[key].to_numpy()
    facs = None if facilities is None else {c: facilities[fkey == c] for c in networks}
    # argument checks and facility warnings now, once per city (the warnings name their city)
    metas = [call_city(_meta_run, c, function, net, origins, oname, *(() if facs is None else (facs[c],)), **kw)
             for c, net in networks.items()]
    meta = metas[0]
    reaches = {c: _reach_of(fname, net, kw, steps) for c, net in networks.items()}
    if fname in ("life_circle_audit", "nearest_facilities") and not all(np.isfinite(list(reaches.values()))):
        _unbounded_warning(fname, "Pass `minutes=` (the longest trip of interest) to clip it."
                           if fname == "nearest_facilities" else
                           "The audit reports the minutes to the nearest facility however far.")
    dask, _, _ = dask_modules()
    nets = {c: broadcast(net) for c, net in networks.items()}
    shared = None if facs is None else {c: broadcast(f) for c, f in facs.items()}
    snap = settings.to_dict()
    kwargs = {**kw, "max_snap_m": _max_snap(kw.get("max_snap_m"))}
    if fname != "life_circle_audit":
        kwargs["progress"] = False
    parts = origins.to_delayed()
    if fname == "two_step_fca":
        opts = _fca_options(steps, kw, _max_snap(kw.get("max_snap_m")))
        firsts = [dask.delayed(_fca_pass1_cities, pure=True)(steps, nets, p, shared, reaches, snap, opts, key, oname)
                  for p in parts]
        ratios = dask.delayed(_fca_ratios_cities, pure=True)(shared, kw["capacity_col"], *firsts)
        tasks = [dask.delayed(_fca_pass2_cities, pure=True)(steps, st, ratios, p, meta)
                 for st, p in zip(firsts, parts)]
        return _collection(tasks, meta, origins.divisions)
    quiet = ("facilities",) if facs is not None else ()
    n_bands = len(_common.thresholds(kw.get("minutes"), kw.get("dist_m"))[1]) if fname == "isochrones" else None
    tasks = [dask.delayed(_run_cities, pure=True)(nets, p, function, reaches, snap, quiet, shared, kwargs, key,
                                                  oname, meta, n_bands) for p in parts]
    if n_bands is None:
        return _collection(tasks, meta, origins.divisions)
    lens = [dask.delayed(len, pure=True)(p) for p in parts]
    tasks = [dask.delayed(_renumber, pure=True)(t, dask.delayed(sum, pure=True)(lens[:i]) if i else 0, n_bands)
             for i, t in enumerate(tasks)]
    return _collection(tasks, meta, None)


def _run_cities(nets: dict, part: gpd.GeoDataFrame, fn: Callable, reaches: dict, snap: dict, quiet: tuple,
                facs: dict | None, kwargs: dict, key: str, oname: str, meta: Any, n_bands: int | None) -> Any:
    groups = city_rows(part[key], nets, oname)
    if not groups:
        return meta
    results, positions = [], []
    for c, rows in groups:
        shared = () if facs is None else (facs[c],)
        results.append(_run_part(nets[c], part.iloc[rows], fn, reaches[c], snap, quiet, shared, kwargs))
        positions.append(rows)
    return assemble(results, positions, n_bands)


def _fca_options(steps: tuple, kw: dict, max_snap: float) -> dict:
    zones, zw, weight, factor = steps[0]("2sfca", kw.get("minutes"), kw.get("dist_m"), None, None, None)
    return dict(population_col=kw["population_col"], capacity_col=kw["capacity_col"], zones=zones, zw=zw,
                weight=weight, factor=factor, limit=float(zones.max()) * factor,
                speed_kmh=_common.check_speed(kw.get("speed_kmh")), max_snap_m=max_snap,
                supply_polygons=kw.get("supply_polygons", "representative"),
                entrance_spacing_m=kw.get("entrance_spacing_m", 50.0))


def _fca_pass1_cities(steps: tuple, nets: dict, part: gpd.GeoDataFrame, sups: dict, reaches: dict, snap: dict,
                      o: dict, key: str, oname: str) -> dict:
    return {c: (rows, _fca_pass1(steps, nets[c], part.iloc[rows], sups[c], reaches[c], snap, o))
            for c, rows in city_rows(part[key], nets, oname)}


def _fca_ratios_cities(sups: dict, capacity_col: str, *firsts: dict) -> dict:
    return {c: _fca_ratios(sup, capacity_col, *[f[c][1] for f in firsts if c in f]) for c, sup in sups.items()}


def _fca_pass2_cities(steps: tuple, st: dict, ratios: dict, part: gpd.GeoDataFrame, meta: Any) -> Any:
    if not st:
        return meta
    results = [_fca_pass2(steps, s, ratios[c], part.iloc[rows]) for c, (rows, s) in st.items()]
    return assemble(results, [rows for rows, _ in st.values()])
