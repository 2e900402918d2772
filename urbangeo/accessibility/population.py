"""Population where people live: district totals and population grids shared out to buildings.

Demand for accessibility measures comes from census or district totals, or from a
gridded population (WorldPop, GHS-POP: people per cell), not from points. Two functions
put those people into buildings, so that :func:`~urbangeo.accessibility.life_circle_audit`,
:func:`~urbangeo.accessibility.access_equity` and the floating catchments can weight each
home by the people in it:

* :func:`disaggregate_population`: dasymetric allocation of zone totals. Every building
  gets a weight ``w_j`` (floor area, footprint or 1) and belongs to a zone (the zone that
  contains its representative point, or, with ``assign="area"``, every zone it overlaps,
  by share of footprint); zone ``i`` with population ``P_i`` gives building ``j``

  ``p_j = sum_i P_i * w_ij / sum_k w_ik``

  so the buildings of each zone sum to its total (to rounding). Optional age-group
  shares (``shares={"children": "share_0_14", "elderly": "share_65plus"}``) are carried
  as columns ``<population_col>_children``, ``<population_col>_elderly``.
* :func:`sample_population_raster`: the same for a population grid: the people of each
  cell are shared among the buildings (or points) whose representative point falls in
  it, by the same weights, so the grid total over cells with buildings is preserved.

Floor area is footprint area (m2, in a metric CRS) times floors: the ``floors_col``
value where it is a positive number, else ``max(1, round(height / floor_height_m))``
from ``height_col``, else 1 floor (a :class:`~urbangeo.errors.MissingValuesWarning`
counts those buildings).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._docs import on_invalid_param, shared_doc
from .._validate import (
    OnInvalid,
    _labels,
    _show,
    check_choice,
    check_columns,
    check_geodataframe,
    check_geometries,
    check_geometry_types,
    check_number,
)
from ..crs import check_same_crs, project, to_metric
from ..errors import (
    ColumnTypeError,
    DroppedRowsWarning,
    GeoreferenceError,
    InvalidOptionError,
    MissingValuesWarning,
    RasterError,
)
from ..raster import Raster

log = logging.getLogger(__name__)

__all__ = ["disaggregate_population", "sample_population_raster", "POPULATION_WEIGHTS", "ZONE_ASSIGN"]

#: building weights of :func:`disaggregate_population` and :func:`sample_population_raster`
POPULATION_WEIGHTS = ("floor_area", "footprint", "count")
#: how a building is placed in the zones
ZONE_ASSIGN = ("point", "area")

_WEIGHT_PARAMS = """\
weight_by : {"floor_area", "footprint", "count"}, default "floor_area"
    Weight of each building: floor area (footprint area x floors, m2), footprint area
    (m2) or 1 per building. Areas are measured in a metric CRS
    (:func:`urbangeo.crs.to_metric` when the buildings are in degrees).
floors_col : str, optional
    Column of ``buildings`` with the number of floors (``weight_by="floor_area"``). Missing,
    zero or negative values fall back to ``height_col``, then to 1 floor.
height_col : str, optional
    Column of ``buildings`` with the height in metres, used where floors are unknown:
    ``floors = max(1, round(height / floor_height_m))``.
floor_height_m : float, default 3.0
    Storey height for floors from heights (> 0)."""

_WEIGHT_WARNS = """\
MissingValuesWarning
    ``weight_by="floor_area"`` and buildings with neither floors nor a height: counted as
    one floor (the warning says how many)."""


def _check_col_name(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidOptionError(f"`{name}` must be a column name (str) or None; got {value!r}.")


def _numeric(frame: pd.DataFrame, col: str, name: str) -> np.ndarray:
    check_columns(frame, name, {col: "numeric"})
    return frame[col].to_numpy(dtype=np.float64, na_value=np.nan)


def _floors(b: pd.DataFrame, floors_col: str | None, height_col: str | None, floor_height_m: float) -> tuple[np.ndarray, int]:
    """Floors per building and how many had neither floors nor a height (set to 1)."""
    floors = np.full(len(b), np.nan)
    if floors_col is not None:
        f = _numeric(b, floors_col, "buildings")
        floors = np.where(np.isfinite(f) & (f > 0), f, np.nan)
    if height_col is not None:
        h = _numeric(b, height_col, "buildings")
        from_h = np.where(np.isfinite(h) & (h > 0), np.maximum(1.0, np.round(h / floor_height_m)), np.nan)
        floors = np.where(np.isnan(floors), from_h, floors)
    unknown = np.isnan(floors)
    return np.where(unknown, 1.0, floors), int(unknown.sum())


def _weights(
    b: gpd.GeoDataFrame, metric: gpd.GeoSeries, *, by: str, floors_col: str | None, height_col: str | None,
    floor_height_m: float,
) -> tuple[np.ndarray, dict]:
    """Weight per building (footprint m2 x floors, footprint m2 or 1) and what was assumed."""
    info: dict[str, Any] = {"weight_by": by}
    if by == "count":
        return np.ones(len(b)), info
    area = shapely.area(np.asarray(metric.values, dtype=object))
    if by == "footprint":
        return area, info
    floors, n_default = _floors(b, floors_col, height_col, floor_height_m)
    info.update(floors_col=floors_col, height_col=height_col, floor_height_m=floor_height_m, buildings_one_floor=n_default)
    if n_default:
        known = "no floors_col or height_col was given" if floors_col is None and height_col is None else (
            f"no usable value in {' or '.join(repr(c) for c in (floors_col, height_col) if c)}")
        warnings.warn(
            f"`buildings`: {n_default} of {len(b)} buildings have no number of floors ({known}); counted as one "
            f"floor each, so their floor area is their footprint. Pass floors_col= or height_col=, or weight_by='footprint'.",
            MissingValuesWarning,
            stacklevel=3,
        )
    return area * floors, info


def _check_weight_args(by: str, floors_col: Any, height_col: Any, floor_height_m: Any) -> float:
    check_choice(by, "weight_by", POPULATION_WEIGHTS)
    _check_col_name(floors_col, "floors_col")
    _check_col_name(height_col, "height_col")
    return check_number(floor_height_m, "floor_height_m", minimum=0, strict=True)


def _check_output_cols(buildings: pd.DataFrame, cols: list[str], population_col: str) -> None:
    clash = [c for c in cols if c in buildings.columns]
    if clash:
        raise InvalidOptionError(
            f"`buildings` already has the column(s) {', '.join(repr(c) for c in clash)} that the result would "
            f"write (named after population_col={population_col!r}); rename or drop them first, e.g. "
            f"buildings.rename(columns={{{clash[0]!r}: {clash[0] + '_old'!r}}})."
        )


def _shares(zones: pd.DataFrame, shares: Any) -> dict[str, np.ndarray]:
    """``{group: share per zone}`` from column names or fixed numbers in [0, 1]."""
    if shares is None:
        return {}
    if not isinstance(shares, Mapping) or not shares:
        raise InvalidOptionError(
            f"`shares` must be a non-empty mapping {{group: zones column or fixed share}}, e.g. "
            f"{{'children': 'share_0_14', 'elderly': 0.18}}; got {shares!r}."
        )
    out = {}
    for group, spec in shares.items():
        if not isinstance(group, str) or not group.isidentifier():
            raise InvalidOptionError(f"`shares`: group names must be identifiers such as 'elderly'; got {group!r}.")
        if isinstance(spec, str):
            s = _numeric(zones, spec, "zones")
            where = f"column {spec!r} of `zones`"
        else:
            s = np.full(len(zones), check_number(spec, f"shares[{group!r}]", minimum=0, maximum=1))
            where = f"shares[{group!r}]"
        bad = ~np.isfinite(s) | (s < 0) | (s > 1)
        if bad.any():
            raise ColumnTypeError(
                f"{where} must hold shares between 0 and 1 (0.18 for 18 %), but zones {_show(_labels(zones.index, bad))} "
                f"hold {s[bad][:3].tolist()}; fill or correct them (percentages: divide by 100)."
            )
        out[group] = s
    return out


def _point_pairs(bgeoms: np.ndarray, zgeoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(building, zone) pairs: the zone containing each building's representative point (first if several)."""
    pts = shapely.point_on_surface(bgeoms)
    bi, zi = shapely.STRtree(zgeoms).query(pts, predicate="intersects")
    order = np.lexsort((zi, bi))
    bi, zi = bi[order], zi[order]
    first = np.ones(len(bi), dtype=bool)
    first[1:] = bi[1:] != bi[:-1]
    n_multi = len(np.unique(bi[~first]))
    return bi[first], zi[first], n_multi


def _area_pairs(bgeoms: np.ndarray, zgeoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(building, zone, share of the building's footprint in the zone) for every overlap."""
    tree = shapely.STRtree(zgeoms)
    # most buildings lie inside one zone: share 1 without computing an intersection
    wi, wz = tree.query(bgeoms, predicate="within")
    inside = np.zeros(len(bgeoms), dtype=bool)
    inside[wi] = True
    rest = np.flatnonzero(~inside)
    bi, zi = tree.query(bgeoms[rest], predicate="intersects")
    bi = rest[bi]
    inter = shapely.area(shapely.intersection(bgeoms[bi], zgeoms[zi]))
    full = shapely.area(bgeoms[bi])
    frac = np.divide(inter, full, out=np.zeros(len(bi)), where=full > 0)
    keep = frac > 0
    return (np.concatenate([wi, bi[keep]]), np.concatenate([wz, zi[keep]]),
            np.concatenate([np.ones(len(wi)), frac[keep]]))


@shared_doc(weights=_WEIGHT_PARAMS, weights_warns=_WEIGHT_WARNS, on_invalid=on_invalid_param("zone or building polygons"))
def disaggregate_population(
    zones: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    population_col: str,
    weight_by: Literal["floor_area", "footprint", "count"] = "floor_area",
    floors_col: str | None = None,
    height_col: str | None = None,
    floor_height_m: float = 3.0,
    shares: Mapping[str, str | float] | None = None,
    assign: Literal["point", "area"] = "point",
    on_invalid: OnInvalid = "fix",
) -> gpd.GeoDataFrame:
    """Census or district totals shared out to the buildings in each zone (dasymetric mapping).

    Zone ``i`` with population ``P_i`` gives each of its buildings ``j`` the share
    ``P_i * w_j / sum_k w_k`` of the buildings ``k`` in the zone, with ``w`` the floor
    area, the footprint or 1 (``weight_by``). The buildings of every zone sum to its total
    (to floating-point rounding, ~1e-12 relative).

    With ``assign="point"`` (the default) a building belongs to the zone containing its
    representative point (``shapely.point_on_surface``: always inside the footprint;
    a point on a shared border goes to the first zone in ``zones``' order). With
    ``assign="area"`` a building straddling zones is split by the share of its footprint
    in each, ``w_ij = w_j * area(j & i) / area(j)``; the part outside every zone holds
    nobody. ``assign="area", weight_by="footprint"`` is areal interpolation with the buildings
    as targets (tobler's ``area_interpolate``, ``allocate_total=True``).

    Parameters
    ----------
    zones : GeoDataFrame
        Census tracts, districts or communities (polygons) with their population.
    buildings : GeoDataFrame
        Building footprints (polygons; points only with ``weight_by="count"`` and
        ``assign="point"``), in the CRS of ``zones``.
    population_col : str
        Column of ``zones`` with the number of people (>= 0). The result's column of
        the same name holds each building's people.
    {weights}
    shares : mapping, optional
        Age (or other) groups as ``{group: share}``, a share being a column of ``zones``
        holding shares between 0 and 1 or one fixed share for every zone:
        ``{"children": "share_0_14", "elderly": "share_65plus"}``. Each group gets a
        column ``<population_col>_<group>`` = building population x its zone's share
        (the "one old, one young" services: run the audits with these columns as weights).
    assign : {"point", "area"}, default "point"
        How a building is placed in the zones (see above).
    {on_invalid}

    Returns
    -------
    GeoDataFrame
        A copy of ``buildings`` (same index, CRS and rows) with the column
        ``population_col`` (people per building; NaN for buildings outside every zone
        and rows left out for their geometry) and one ``<population_col>_<group>``
        column per group. ``attrs["population"]`` records the method, the weights, the
        zones without buildings and their ``unallocated_population``, and the buildings
        outside every zone.

    Raises
    ------
    CRSMismatchError
        ``zones`` and ``buildings`` are in different CRSs (reproject one; the message says how).
    MissingColumnError, ColumnTypeError
        ``population_col``, ``floors_col``, ``height_col`` or a share column is missing
        or not numeric; a population is missing or negative; a share is outside [0, 1].
    GeometryTypeError
        ``zones`` are not polygons; ``buildings`` are not polygons (or points, for counts).
    InvalidOptionError
        Unknown ``weight_by`` or ``assign``, ``floor_height_m`` <= 0, ``buildings`` already holds
        an output column, or its index has duplicates.

    Warns
    -----
    DroppedRowsWarning
        Zones without any building: their people are not allocated (counted, with the
        total, in the message and in ``attrs["population"]["unallocated_population"]``).
    MissingValuesWarning
        Buildings outside every zone (population NaN; counted).
    {weights_warns}
    UrbangeoWarning
        Buildings whose representative point lies in more than one zone (overlapping
        zones or a shared border): each goes to the first zone.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"pop": [100.0], "share_65": [0.2]}, geometry=[box(0, 0, 100, 100)], crs="EPSG:4547")
    >>> homes = gpd.GeoDataFrame({"floors": [1, 3]}, geometry=[box(10, 10, 20, 20), box(50, 50, 60, 60)],
    ...                          crs="EPSG:4547")
    >>> out = disaggregate_population(zones, homes, population_col="pop", floors_col="floors",
    ...                               shares={"elderly": "share_65"})
    >>> out[["pop", "pop_elderly"]].to_numpy().tolist()
    [[25.0, 5.0], [75.0, 15.0]]
    """
    check_geodataframe(zones, "zones")
    check_geodataframe(buildings, "buildings")
    if not isinstance(population_col, str):
        raise InvalidOptionError(f"`population_col` must be the name of a column of `zones`; got {population_col!r}.")
    floor_height_m = _check_weight_args(weight_by, floors_col, height_col, floor_height_m)
    check_choice(assign, "assign", ZONE_ASSIGN)
    check_same_crs(zones=zones, buildings=buildings)
    for frame, name in ((zones, "zones"), (buildings, "buildings")):
        if not frame.index.is_unique:
            raise InvalidOptionError(f"`{name}` has duplicate index labels; give every row its own, e.g. "
                                     f"{name}.reset_index(drop=True).")
    pop = _numeric(zones, population_col, "zones")
    bad = ~np.isfinite(pop) | (pop < 0)
    if bad.any():
        raise ColumnTypeError(
            f"column {population_col!r} of `zones` must hold populations >= 0, but zones "
            f"{_show(_labels(zones.index, bad))} hold {pop[bad][:3].tolist()}; fill or correct them "
            f"(e.g. zones['{population_col}'].fillna(0) if they are empty)."
        )
    share = _shares(zones, shares)
    out_cols = [population_col] + [f"{population_col}_{g}" for g in share]
    _check_output_cols(buildings, out_cols, population_col)
    check_geometry_types(zones, "zones", ["polygon"])
    points_ok = weight_by == "count" and assign == "point"
    check_geometry_types(buildings, "buildings", ["polygon", "point"] if points_ok else ["polygon"])

    z, _ = check_geometries(zones, "zones", on_invalid=on_invalid)
    b, _ = check_geometries(buildings, "buildings", on_invalid=on_invalid)
    zpos = zones.index.get_indexer_for(z.index)
    pop_z, share_z = pop[zpos], {g: s[zpos] for g, s in share.items()}

    bm = to_metric(b.geometry, name="buildings")
    zm = project(z.geometry, bm.crs, name="zones")
    bgeoms = np.asarray(bm.values, dtype=object)
    zgeoms = np.asarray(zm.values, dtype=object)
    w, winfo = _weights(b, bm, by=weight_by, floors_col=floors_col, height_col=height_col, floor_height_m=floor_height_m)
    n_multi = 0
    if assign == "point":
        bi, zi, n_multi = _point_pairs(bgeoms, zgeoms)
        wp = w[bi]
    else:
        bi, zi, frac = _area_pairs(bgeoms, zgeoms)
        wp = w[bi] * frac
    zone_w = np.bincount(zi, weights=wp, minlength=len(z))
    share_pair = np.divide(wp, zone_w[zi], out=np.zeros(len(wp)), where=zone_w[zi] > 0)
    pair_pop = pop_z[zi] * share_pair

    placed = np.bincount(bi, minlength=len(b)) > 0
    cols = {population_col: np.where(placed, np.bincount(bi, weights=pair_pop, minlength=len(b)), np.nan)}
    for g, s in share_z.items():
        cols[f"{population_col}_{g}"] = np.where(placed, np.bincount(bi, weights=pair_pop * s[zi], minlength=len(b)),
                                                 np.nan)

    empty = zone_w <= 0
    unallocated = float(pop_z[empty].sum())
    outside = _labels(b.index, ~placed)
    if n_multi:
        from ..errors import UrbangeoWarning

        warnings.warn(
            f"`buildings`: the representative points of {n_multi} buildings lie in more than one zone (overlapping "
            f"zones, or a point on a shared border); each was given to the first of them in `zones`' order. "
            f"Check that the zones do not overlap (zones.overlay(zones, how='intersection')).",
            UrbangeoWarning,
            stacklevel=2,
        )
    if empty.any():
        warnings.warn(
            f"`zones`: {int(empty.sum())} of {len(z)} zones contain no building ({_show(_labels(z.index, empty))}); "
            f"their {unallocated:g} people are not allocated (attrs['population']['unallocated_population']). "
            f"Check that the buildings cover the zones, or pass assign='area' to count buildings that only overlap them.",
            DroppedRowsWarning,
            stacklevel=2,
        )
    if outside:
        warnings.warn(
            f"`buildings`: {len(outside)} of {len(b)} buildings lie outside every zone ({_show(outside)}); "
            f"their population is NaN. Add the zones that hold them, or clip the buildings to the zones.",
            MissingValuesWarning,
            stacklevel=2,
        )

    result = buildings.copy()
    for col, values in cols.items():
        result[col] = pd.Series(values, index=b.index).reindex(buildings.index)
    result.attrs["population"] = {
        "method": "zones",
        **winfo,
        "assign": assign,
        "population_col": population_col,
        "groups": {g: (s if isinstance(s, str) else float(s)) for g, s in (shares or {}).items()},
        "zones_total": float(pop_z.sum()),
        "allocated": float(np.nansum(cols[population_col])),
        "zones_without_buildings": _labels(z.index, empty),
        "unallocated_population": unallocated,
        "buildings_outside": outside,
        "metric_crs": bm.crs.to_string(),
    }
    return result


# --------------------------------------------------------------------------- population grids
def _population_raster(raster: Any, band: int) -> Raster:
    from ..io import read_raster

    if isinstance(raster, Raster):
        r = raster
    elif isinstance(raster, (str, os.PathLike)):
        try:
            r = read_raster(raster, band=band, categorical=False)
        except GeoreferenceError as exc:
            raise GeoreferenceError(f"`raster` {str(raster)!r}: {exc}") from exc
    else:
        raise InvalidOptionError(
            f"`raster` must be an urbangeo.raster.Raster or the path of a raster file; got {type(raster).__name__}. "
            f"Read it with urbangeo.io.read_raster(path, categorical=False)."
        )
    arr = r.array.astype(np.float64)
    if r.categorical and np.isfinite(r.nodata):
        arr = np.where(r.array == r.nodata, np.nan, arr)  # integer counts read as codes: nodata code -> NaN
    neg = np.isfinite(arr) & (arr < 0)
    if neg.any():
        raise RasterError(
            f"`raster` holds {int(neg.sum())} negative cells (min {float(np.min(arr[neg])):g}); a population grid holds "
            f"people per cell (>= 0). If negative values mark cells without data, set them as nodata, e.g. "
            f"Raster(np.where(a < 0, np.nan, a), ...)."
        )
    return r.with_array(arr)


@shared_doc(weights=_WEIGHT_PARAMS, weights_warns=_WEIGHT_WARNS, on_invalid=on_invalid_param("building polygons"))
def sample_population_raster(
    raster: Any,
    buildings: gpd.GeoDataFrame,
    *,
    population_col: str = "population",
    weight_by: Literal["floor_area", "footprint", "count"] = "floor_area",
    floors_col: str | None = None,
    height_col: str | None = None,
    floor_height_m: float = 3.0,
    band: int = 1,
    on_invalid: OnInvalid = "fix",
) -> gpd.GeoDataFrame:
    """A population grid (people per cell) shared out to the buildings or points in each cell.

    Each cell's count ``C`` goes to the buildings whose representative point falls in
    the cell, ``C * w_j / sum_k w_k`` (weights ``weight_by``), so the buildings sum to the grid
    total over the cells that hold a building. Cells with people but no building are
    counted in a warning and in ``attrs``: with a coarse grid (100 m WorldPop, GHS-POP)
    and scattered buildings, part of the total is lost unless every populated cell
    holds a building. Points are counted (``weight_by="count"``) or given the weight of a
    point, 0 footprint: use ``weight_by="count"`` for points.

    Parameters
    ----------
    raster : Raster or path
        The population grid, any CRS: an :class:`urbangeo.raster.Raster` or a raster
        file (read with :func:`urbangeo.io.read_raster`, ``categorical=False``). Cells
        without data (NaN or the file's nodata) hold nobody; negative cells are refused.
    buildings : GeoDataFrame
        Building footprints (polygons) or residence points, any CRS (reprojected to the
        raster's to find the cells).
    population_col : str, default "population"
        Name of the result's column of people per building.
    {weights}
    band : int, default 1
        Band of a raster file (1-based).
    {on_invalid}

    Returns
    -------
    GeoDataFrame
        A copy of ``buildings`` with ``population_col``: people per building, NaN for
        buildings outside the grid or on cells without data (and rows left out for
        their geometry). ``attrs["population"]`` records the grid total, the total
        allocated and the cells with people but no building.

    Raises
    ------
    InvalidOptionError
        ``raster`` is neither a Raster nor a path; unknown ``weight_by``; ``floor_height_m`` <= 0;
        ``buildings`` already has ``population_col``.
    RasterError
        Negative cells.
    GeoreferenceError
        A raster file without CRS or geotransform.
    CRSError
        ``buildings`` has no CRS.

    Warns
    -----
    DroppedRowsWarning
        Cells with people but no building (their count and people).
    MissingValuesWarning
        Buildings outside the grid or on cells without data (population NaN).
    {weights_warns}

    Examples
    --------
    >>> import numpy as np, geopandas as gpd
    >>> from affine import Affine
    >>> from shapely import box
    >>> from urbangeo.raster import Raster
    >>> grid = Raster(np.array([[60.0, 0.0]]), Affine(100, 0, 0, 0, -100, 100), "EPSG:4547")
    >>> homes = gpd.GeoDataFrame(geometry=[box(10, 10, 20, 20), box(40, 40, 60, 60)], crs="EPSG:4547")
    >>> sample_population_raster(grid, homes, weight_by="footprint")["population"].tolist()
    [12.0, 48.0]
    """
    check_geodataframe(buildings, "buildings")
    if not isinstance(population_col, str):
        raise InvalidOptionError(f"`population_col` must be a column name (str); got {population_col!r}.")
    floor_height_m = _check_weight_args(weight_by, floors_col, height_col, floor_height_m)
    r = _population_raster(raster, band)
    if not buildings.index.is_unique:
        raise InvalidOptionError("`buildings` has duplicate index labels; give every building its own, e.g. "
                                 "buildings.reset_index(drop=True).")
    _check_output_cols(buildings, [population_col], population_col)
    check_geometry_types(buildings, "buildings", ["polygon", "point"])
    b, _ = check_geometries(buildings, "buildings", on_invalid=on_invalid)
    bm = to_metric(b.geometry, name="buildings")
    w, winfo = _weights(b, bm, by=weight_by, floors_col=floors_col, height_col=height_col, floor_height_m=floor_height_m)

    pts = project(gpd.GeoSeries(shapely.point_on_surface(np.asarray(b.geometry.values, dtype=object)),
                                index=b.index, crs=b.crs), r.crs, name="buildings")
    t = r.transform
    rows, ncols = r.shape
    col = np.floor((pts.x.to_numpy() - t.c) / t.a).astype(np.int64)
    row = np.floor((pts.y.to_numpy() - t.f) / t.e).astype(np.int64)
    inside = (col >= 0) & (col < ncols) & (row >= 0) & (row < rows)
    cell = np.where(inside, row * ncols + col, -1)
    counts = r.array.ravel()
    on_data = inside & np.isfinite(counts[np.where(inside, cell, 0)])
    ok = np.flatnonzero(on_data)
    cell_w = np.bincount(cell[ok], weights=w[ok], minlength=counts.size)
    cell_n = np.bincount(cell[ok], minlength=counts.size)
    pop = np.full(len(b), np.nan)
    denom = cell_w[cell[ok]]
    # a cell whose buildings all weigh 0 (points with weight_by="footprint") shares its people equally
    share = np.where(denom > 0, np.divide(w[ok], denom, out=np.zeros(len(ok)), where=denom > 0),
                     1.0 / np.maximum(cell_n[cell[ok]], 1))
    pop[ok] = counts[cell[ok]] * share

    finite = np.isfinite(counts)
    people = finite & (counts > 0)
    lost = people & (cell_n == 0)
    total = float(counts[finite].sum())
    lost_people = float(counts[lost].sum())
    if lost.any():
        warnings.warn(
            f"`raster`: {int(lost.sum())} of {int(people.sum())} cells with people hold no building; their "
            f"{lost_people:g} people ({100 * lost_people / total:.1f} % of the grid's {total:g}) are not allocated "
            f"(attrs['population']['unallocated_population']). Check the buildings cover the grid, or use points.",
            DroppedRowsWarning,
            stacklevel=2,
        )
    missing = _labels(b.index, ~on_data)
    if missing:
        warnings.warn(
            f"`buildings`: {len(missing)} of {len(b)} buildings lie outside the grid or on cells without data "
            f"({_show(missing)}); their population is NaN.",
            MissingValuesWarning,
            stacklevel=2,
        )
    result = buildings.copy()
    result[population_col] = pd.Series(pop, index=b.index).reindex(buildings.index)
    result.attrs["population"] = {
        "method": "raster",
        **winfo,
        "population_col": population_col,
        "raster_total": total,
        "allocated": float(np.nansum(pop)),
        "cells_with_people": int(people.sum()),
        "cells_without_buildings": int(lost.sum()),
        "unallocated_population": lost_people,
        "buildings_outside": missing,
        "raster": r.name,
    }
    return result
