"""One call over several networks: each origin on the network of its city.

A province is many cities, each with its own street network. :func:`per_network` runs
one of the accessibility functions with a dict of networks and a column (``key``) that
names each origin's network, and each facility's: the rows of each city go to its own
network with its own facilities, and the results come back as one frame in the order of
the origins, as if the function had been called once. Origins may be a
``dask_geopandas.GeoDataFrame``: each partition then works on the networks of the cities
it holds (each cut to the partition's area plus the travel bound), and computing the
result gives the in-memory result.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from .._dask import is_dask
from .._validate import _show, check_columns
from ..errors import DroppedRowsWarning, InvalidOptionError, MissingColumnError
from . import _distributed
from ._cities import assemble, call_city, city_rows
from .fca import _catchment, _demand_frame, _pairs, _values
from .network import Network

__all__ = ["per_network"]

#: (module, name) of each function -> (name of its origins argument, of its facilities argument or None);
#: told by name, not imported (the metrics are imported by the package only)
_FUNCTIONS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("urbangeo.accessibility.metrics", "nearest_facilities"): ("origins", "facilities"),
    ("urbangeo.accessibility.metrics", "cumulative_opportunities"): ("origins", "facilities"),
    ("urbangeo.accessibility.fca", "two_step_fca"): ("demand", "supply"),
    ("urbangeo.accessibility.lifecircle", "life_circle_audit"): ("residences", "facilities"),
    ("urbangeo.accessibility.isochrones", "isochrones"): ("origins", None),
}


def per_network(
    function: Callable,
    networks: Mapping[Any, Network],
    origins: Any,
    *,
    key: str,
    facilities: gpd.GeoDataFrame | None = None,
    **kwargs: Any,
) -> Any:
    """Run an accessibility function with one network per city (or district, or any region).

    Each origin row is routed on ``networks[origins[key]]`` and reaches only the
    facilities with the same ``key``: the result equals calling ``function`` once per
    city and putting the rows back in the order of ``origins``.

    Parameters
    ----------
    function : callable
        One of :func:`nearest_facilities`, :func:`cumulative_opportunities`,
        :func:`two_step_fca`, :func:`life_circle_audit`, :func:`isochrones`.
    networks : mapping
        ``{city: Network}``; the keys are the values of the ``key`` column.
    origins : GeoDataFrame or dask_geopandas.GeoDataFrame
        The function's origins (``demand`` for two-step FCA, ``residences`` for the audit).
    key : str
        Column of ``origins`` and ``facilities`` naming each row's network.
    facilities : GeoDataFrame, optional
        The function's facilities (``supply`` for two-step FCA); not for isochrones.
        Facilities whose ``key`` names no network are excluded, with a warning.
    **kwargs
        The function's other keywords (``minutes=``, ``by=``, ``population_col=``...).

    Returns
    -------
    GeoDataFrame or dask_geopandas.GeoDataFrame
        The function's result, rows in the order of ``origins`` (isochrones: one row per
        origin and band, numbered 0..n-1). With ``by=`` on a non-categorical column the
        category columns are those of all facilities, in every city.

    Raises
    ------
    InvalidOptionError
        ``function`` is not one of the five; ``networks`` is empty or holds a value that
        is not a Network; ``facilities`` missing or given where not taken.
    MissingColumnError
        ``key`` is not a column of ``origins`` or ``facilities``.
    UnknownCodeError
        Origins whose ``key`` is missing or names no network (with a dask frame: at
        compute time).

    Warns
    -----
    DroppedRowsWarning
        Facilities whose ``key`` names no network (or is missing) are excluded.
    UrbangeoWarning and others
        The function's own warnings, prefixed with the city they are about.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network, nearest_facilities, per_network
    >>> a = grid_network(3, 3, spacing_m=100)
    >>> b = grid_network(3, 3, spacing_m=100, origin_xy=(600_000.0, 2_500_000.0))
    >>> homes = gpd.GeoDataFrame({"city": ["b", "a"]},
    ...     geometry=[Point(600_000, 2_500_000), Point(500_000, 2_500_000)], crs=a.crs)
    >>> shops = gpd.GeoDataFrame({"city": ["a", "b"]},
    ...     geometry=[Point(500_100, 2_500_000), Point(600_200, 2_500_000)], crs=a.crs)
    >>> out = per_network(nearest_facilities, {"a": a, "b": b}, homes, key="city", facilities=shops)
    >>> out.dist_m_1.tolist(), out.facility_1.tolist()
    ([200.0, 100.0], [1, 0])
    """
    fname, oname, fac_name = _check(function, networks, origins, facilities, key)
    if fac_name is not None:
        facilities = _facilities_by_city(facilities, fac_name, networks, key, kwargs.get("by"), fname)
    if is_dask(origins):
        return _distributed.per_network(function, fname, oname, fac_name, networks, origins, facilities, key,
                                        (_catchment, _values, _pairs, _demand_frame), kwargs)
    return _in_memory(function, fname, oname, fac_name, networks, origins, facilities, key, kwargs)


def _check(function, networks, origins, facilities, key):
    ident = (getattr(function, "__module__", None), getattr(function, "__name__", None))
    if ident not in _FUNCTIONS:
        names = ", ".join(n for _, n in _FUNCTIONS)
        raise InvalidOptionError(f"`function` must be one of {names} (urbangeo.accessibility); got {function!r}.")
    oname, fac_name = _FUNCTIONS[ident]
    fname = function.__name__
    if not isinstance(networks, Mapping) or not networks:
        raise InvalidOptionError(
            f"`networks` must be a non-empty dict {{city: Network}}; got {type(networks).__name__}"
            f"{' (empty)' if isinstance(networks, Mapping) else ''}. Build one network per city "
            "(network_from_osm, network_from_lines...) and pass them keyed by the values of `key`.")
    bad = [k for k, v in networks.items() if not isinstance(v, Network)]
    if bad:
        raise InvalidOptionError(
            f"`networks` values must be Network objects; not for {_show(bad)} "
            f"({type(networks[bad[0]]).__name__}). Build them with network_from_osm or network_from_graph.")
    if fac_name is None and facilities is not None:
        raise InvalidOptionError(f"{fname} takes no facilities: leave `facilities` out.")
    if fac_name is not None and facilities is None:
        raise InvalidOptionError(f"{fname} needs `facilities` (its `{fac_name}`), with a `{key}` column.")
    if key not in origins.columns:
        check_columns(origins._meta if is_dask(origins) else origins, "origins", [key])
    if facilities is not None:
        if not isinstance(facilities, pd.DataFrame):
            raise InvalidOptionError(f"`facilities` must be a GeoDataFrame; got {type(facilities).__name__}.")
        if key not in facilities.columns:
            raise MissingColumnError(
                f"`facilities` has no column '{key}': per_network needs each facility's network too. "
                f"Add the column (e.g. a spatial join with the city boundaries).")
    return fname, oname, fac_name


def _facilities_by_city(facilities, fac_name, networks, key, by, fname):
    """``facilities`` with the rows of unknown cities excluded (with a warning) and, with ``by``
    on a plain column, ``by`` made categorical on all categories, so every city gets the same columns."""
    known = facilities[key].isin(list(networks)).to_numpy()
    if not known.all():
        vals = pd.unique(facilities[key][~known].astype(object))
        warnings.warn(
            f"{int((~known).sum())} {fac_name} have a `{key}` that names no network "
            f"({_show(list(vals))}) and are excluded: {_show(list(facilities.index[~known]))}.",
            DroppedRowsWarning, stacklevel=3)
        facilities = facilities[known]
    by = "category" if by is None and fname == "life_circle_audit" else by
    if by is not None and by in facilities.columns and not isinstance(facilities[by].dtype, pd.CategoricalDtype):
        col = facilities[by]
        cats = pd.unique(col.dropna())
        with contextlib.suppress(TypeError):
            cats = sorted(cats)
        facilities = facilities.copy()
        facilities[by] = pd.Categorical(col, categories=cats)
    return facilities


def _in_memory(function, fname, oname, fac_name, networks, origins, facilities, key, kwargs):
    groups = city_rows(origins[key], networks, oname)
    if not groups:  # no rows: the function's own answer on the first network
        net = next(iter(networks.values()))
        return function(net, origins, *(() if fac_name is None else (facilities,)), **kwargs)
    fkey = None if facilities is None else facilities[key].to_numpy()
    results, positions = [], []
    for city, rows in groups:
        args: tuple = (origins.iloc[rows],)
        if facilities is not None:
            args += (facilities[fkey == city],)
        results.append(call_city(function, city, networks[city], *args, **kwargs))
        positions.append(rows)
    n_bands = None
    if fname == "isochrones":
        n_bands = len(results[0]) // max(len(positions[0]), 1)
    return assemble(results, positions, n_bands)
