"""Park planning on restoration zones: park polygons, land cover, ratios, class, entrances, service.

Definitions used (GB 51192-2016 Code for the design of parks; GB/T 51346-2019 Standard
for planning of urban green space; verify the clauses for a statutory plan):

* water surface ratio = water area / park area;
* green-space ratio (绿地率) = green land / park land area (land = park minus water);
* green coverage ratio (绿化覆盖率) = vegetation projection / park area; water is not
  green coverage, so a lake park has a low coverage ratio however green its shores are;
* park class and service radius by park area: :func:`urbangeo.standards.park_classes`,
  the classification the accessibility wing uses too (low end of each radius range by
  default; table ``urbangeo/data/standards/gbt51346_2019_park_service.csv``).

Entrances and the walking service area are those of the accessibility wing
(:func:`urbangeo.accessibility.park_entrances`, :func:`urbangeo.accessibility.park_service_areas`),
called when a street ``network`` is given. Without a network :func:`park_plan` gives the
standard's own radius reading (the park buffered by its service radius) and says so in
``service_method``; it never switches from one reading to the other on its own.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import standards
from .._docs import geometry_fixed_warns, on_invalid_param, shared_doc
from .._validate import OnInvalid, check_columns, check_geodataframe, check_number, validate_frame
from ..crs import check_same_crs, get_crs, is_metric
from ..errors import (
    CRSError,
    DroppedRowsWarning,
    EmptyDataError,
    InvalidOptionError,
    MissingDependencyError,
    MissingValuesWarning,
)
from ..units import HA_M2, MU_M2

if TYPE_CHECKING:  # annotation only: the network is the accessibility wing's
    from ..accessibility import Network

log = logging.getLogger(__name__)

__all__ = ["park_plan", "park_landcover"]

SERVICE_BUFFER = "buffer: straight-line service radius from the park boundary (GB/T 51346-2019)"
SERVICE_NETWORK = "network: walking distance on the street network from park entrances (urbangeo.accessibility)"


def _check_zones(zones, on_invalid: OnInvalid = "fix") -> gpd.GeoDataFrame:
    z, _ = validate_frame(zones, "zones", geometry_types=("polygon",), columns={"water": "any", "in_park": "any"},
                          on_invalid=on_invalid)
    crs = get_crs(z, "zones")
    if not is_metric(crs):
        raise CRSError("`zones` must be in a metric CRS (restoration_zones returns the raster's metric CRS).")
    return z


def _parks_geoms(z: gpd.GeoDataFrame, min_park_area_m2: float) -> list:
    park = z[z["in_park"].astype(bool)]
    if len(park) == 0:
        raise EmptyDataError("no zone has in_park=True; set the `in_park` column (or the uses table) to choose park land.")
    merged = shapely.union_all(np.asarray(park.geometry.values))
    parts = [p for p in shapely.get_parts(merged) if p.area >= min_park_area_m2]
    if not parts:
        raise EmptyDataError(f"no park land part reaches min_park_area_m2={min_park_area_m2}.")
    return sorted(parts, key=lambda p: -p.area)


def park_landcover(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Water and green land of the park zones (zones with ``in_park``), dissolved.

    Parameters
    ----------
    zones : GeoDataFrame
        From :func:`restoration_zones` (columns ``in_park`` and ``water``), metric CRS.

    Returns
    -------
    GeoDataFrame
        Rows ``landcover`` = "water" (zones whose use keeps standing water) and
        "green" (the other park zones), with ``area_m2``, in the zones' CRS.

    Warns
    -----
    GeometryFixedWarning
        Invalid zone polygons repaired with ``make_valid`` (as :func:`park_plan` does
        by default).
    """
    z = _check_zones(zones)
    park = z[z["in_park"].astype(bool)]
    rows = []
    for name, part in (("water", park[park["water"].astype(bool)]), ("green", park[~park["water"].astype(bool)])):
        g = shapely.union_all(np.asarray(part.geometry.values)) if len(part) else shapely.Polygon()
        rows.append({"landcover": name, "area_m2": float(g.area), "geometry": g})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=z.crs)


#: ``service_method`` of a park that has no service area
NO_RADIUS = "none: park below the smallest class, no service radius"


def _network_service(parks: gpd.GeoDataFrame, network: Network, *, entrance_spacing_m: float,
                     max_snap_m: float | None) -> tuple[np.ndarray, list]:
    """Entrances per park and walking service areas, by the accessibility park functions.

    Uses :func:`urbangeo.accessibility.park_entrances` and
    :func:`urbangeo.accessibility.park_service_areas` (network reading), one park at a time so
    that each park gets its own service area; the park polygon itself is part of it.
    """
    try:
        from .. import accessibility
    except ImportError as err:  # pragma: no cover - the accessibility wing needs the network extra
        raise MissingDependencyError(
            f"park_plan(network, ...) walks the network with urbangeo.accessibility, which cannot be imported "
            f"({err}); install it with pip install 'urbangeo[network]', or call park_plan(None, zones) "
            f"for the straight-line radius reading."
        ) from err
    ent = accessibility.park_entrances(network, parks, entrance_spacing_m=entrance_spacing_m, max_snap_m=max_snap_m)
    on_net = ent[ent["edge"].to_numpy() >= 0]
    n_entrances = on_net.groupby("park").size().reindex(parks.index, fill_value=0).to_numpy(np.int64)
    geoms = []
    for label, geom, radius in zip(parks.index, parks.geometry.values, parks["service_radius_m"].to_numpy(float)):
        if not np.isfinite(radius):
            geoms.append(shapely.Polygon())
            continue
        sa = accessibility.park_service_areas(network, parks.loc[[label], ["geometry"]],
                                              entrance_spacing_m=entrance_spacing_m, max_snap_m=max_snap_m)
        walk = sa[sa["reading"] == "network"]
        g = walk.geometry.iloc[0] if len(walk) else None
        geoms.append(shapely.union_all([g, geom]) if g is not None and not g.is_empty else geom)
    return n_entrances, geoms


def _drop_missing_buildings(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``buildings`` without the rows that have no geometry (None or empty), with a DroppedRowsWarning."""
    geoms = np.asarray(buildings.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    n = int(missing.sum())
    if not n:
        return buildings
    rows = ", ".join(repr(x) for x in list(buildings.index[missing])[:5]) + (" ..." if n > 5 else "")
    warnings.warn(
        f"`buildings`: {n} of {len(buildings)} rows have no geometry (rows {rows}); they cannot lie in a "
        f"service area and are left out of buildings_served and residents_served. Give them a location "
        f"(e.g. from their address) or drop them: buildings[~buildings.geometry.is_empty & "
        f"buildings.geometry.notna()].",
        DroppedRowsWarning,
        stacklevel=3,
    )
    return buildings.loc[~missing]


def _warn_missing_population(buildings: gpd.GeoDataFrame, column: str) -> None:
    missing = buildings[column].isna()
    n = int(missing.sum())
    if n:
        rows = ", ".join(repr(x) for x in list(buildings.index[missing])[:5]) + (" ..." if n > 5 else "")
        warnings.warn(
            f"`buildings`: {n} of {len(buildings)} rows have no value in {column!r} (rows {rows}); "
            f"residents_served is NaN for the parks that serve them. Fill them, e.g. "
            f"buildings.fillna({{{column!r}: 0}}) (or an estimate), or leave them out with "
            f"buildings.dropna(subset=[{column!r}]).",
            MissingValuesWarning,
            stacklevel=3,
        )


@shared_doc(on_invalid=on_invalid_param("zone polygons"), warns_geometry_fixed=geometry_fixed_warns("zone polygons"))
def park_plan(
    network: Network | None,
    zones: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None = None,
    population_col: str | None = None,
    paved_share: float = 0.15,
    vegetation_cover: float = 0.95,
    min_park_area_m2: float = 4000.0,
    entrance_spacing_m: float = 50.0,
    max_snap_m: float | None = None,
    on_invalid: OnInvalid = "fix",
) -> gpd.GeoDataFrame:
    """Turn restoration zones into parks with their ratios, class, entrances and people served.

    Parameters
    ----------
    network : urbangeo.accessibility.Network or None
        Walking network. Given: entrances and the walking service area come from
        :func:`urbangeo.accessibility.park_entrances` and
        :func:`urbangeo.accessibility.park_service_areas` (network reading, plus the park
        itself). ``None``: the radius reading of the standard (the park buffered by its
        service radius) and no entrances (``n_entrances`` missing); ``service_method``
        says which reading each row uses.
    zones : GeoDataFrame
        From :func:`restoration_zones` (columns ``in_park``, ``water`` and, if present,
        ``water_area_m2``), metric CRS. Connected park zones make one park.
    buildings : GeoDataFrame, optional
        Buildings or residential points (same CRS); counted when their representative
        point lies in a park's service area. Buildings without geometry (None or
        empty) are left out with a :class:`~urbangeo.errors.DroppedRowsWarning`.
    population_col : str, optional
        Residents per building; summed into ``residents_served``. Buildings with a
        missing value (NaN/None) make the total unknown: ``residents_served`` is NaN for
        the parks that serve them, and a
        :class:`~urbangeo.errors.MissingValuesWarning` says how many there are and how to
        fill or drop them (``buildings_served`` still counts them).
    paved_share : float
        Share of park land taken by paths, plazas and buildings (not green land).
    vegetation_cover : float
        Vegetation projection per unit green land.
    min_park_area_m2 : float
        Park land parts smaller than this are left out (reported in the log).
    entrance_spacing_m : float
        Spacing of entrances along the boundary (m, > 0), besides the points where
        streets cross it (see :func:`urbangeo.accessibility.park_entrances`). The default
        50 m samples where the park's edge meets the streets, to measure access; for the
        spacing of gates to build in a new park pass the design spacing, e.g.
        ``entrance_spacing_m=400`` (docs/conventions.md).
    max_snap_m : float, optional
        Longest access leg from the boundary to a street (default
        ``settings.max_snap_m``), as in :func:`urbangeo.accessibility.park_entrances`.
    {on_invalid}

    Returns
    -------
    GeoDataFrame
        One row per park (``park_id`` 1..n, largest first): ``area_m2``, ``area_ha``,
        ``area_mu``, ``water_area_m2``, ``land_area_m2``, ``green_area_m2``,
        ``water_surface_ratio``, ``green_space_ratio``, ``green_coverage_ratio``,
        ``park_class``, ``service_radius_m`` (:func:`urbangeo.standards.park_classes`,
        low end of each range), ``n_entrances`` (entrances on the network; missing
        without ``network``), ``buildings_served``, ``residents_served``,
        ``service_method``; park polygons in the zones' CRS.

    Raises
    ------
    CRSError, CRSMismatchError
        ``zones`` without CRS or geographic; ``buildings`` in another CRS.
    MissingColumnError, ColumnTypeError
        ``zones`` without ``in_park``/``water``; ``population_col`` absent or not numeric.
    EmptyDataError
        No park land (no ``in_park`` zone, or none reaching ``min_park_area_m2``).
    InvalidOptionError
        ``paved_share``, ``vegetation_cover``, ``min_park_area_m2`` or
        ``entrance_spacing_m`` out of range; ``population_col`` without ``buildings``.
    MissingDependencyError
        ``network`` given but :mod:`urbangeo.accessibility` cannot be imported (no
        silent fallback to the radius reading).

    Warns
    -----
    DroppedRowsWarning
        Zones or buildings without geometry left out.
    MissingValuesWarning
        Buildings with no value in ``population_col``.
    {warns_geometry_fixed}
    """
    z = _check_zones(zones, on_invalid)
    paved_share = check_number(paved_share, "paved_share", minimum=0, maximum=1)
    vegetation_cover = check_number(vegetation_cover, "vegetation_cover", minimum=0, maximum=1)
    min_park_area_m2 = check_number(min_park_area_m2, "min_park_area_m2", minimum=0)
    entrance_spacing_m = check_number(entrance_spacing_m, "entrance_spacing_m", minimum=0, strict=True)
    if max_snap_m is not None:
        max_snap_m = check_number(max_snap_m, "max_snap_m", minimum=0)
    if buildings is not None:
        check_geodataframe(buildings, "buildings")
        check_same_crs(zones=z, buildings=buildings)
        if population_col is not None:
            check_columns(buildings, "buildings", {population_col: "numeric"})
        buildings = _drop_missing_buildings(buildings)
        if population_col is not None:
            _warn_missing_population(buildings, population_col)
    elif population_col is not None:
        raise InvalidOptionError("`population_col` needs `buildings`.")
    parts = _parks_geoms(z, min_park_area_m2)
    park_zones = z[z["in_park"].astype(bool)]
    zone_geoms = np.asarray(park_zones.geometry.values)
    if "water_area_m2" in park_zones.columns and park_zones["water_area_m2"].notna().all():
        zone_water = park_zones["water_area_m2"].to_numpy(dtype=float)
    else:
        zone_water = np.where(park_zones["water"].astype(bool), shapely.area(zone_geoms), 0.0)
    zone_rep = shapely.point_on_surface(zone_geoms)
    classes = standards.park_classes([float(g.area) / HA_M2 for g in parts])
    rows = []
    for i, g in enumerate(parts, start=1):
        inside = shapely.contains(g, zone_rep) | shapely.intersects(g, zone_rep)
        area = float(g.area)
        water = float(zone_water[inside].sum())
        land = max(area - water, 0.0)
        green = land * (1 - paved_share)
        cls, radius = classes.park_class.iloc[i - 1], float(classes.radius_m.iloc[i - 1])
        rows.append({
            "park_id": i,
            "area_m2": area,
            "area_ha": area / HA_M2,
            "area_mu": area / MU_M2,
            "water_area_m2": water,
            "land_area_m2": land,
            "green_area_m2": green,
            "water_surface_ratio": water / area,
            "green_space_ratio": green / land if land > 0 else np.nan,
            "green_coverage_ratio": green * vegetation_cover / area,
            "park_class": cls,
            "service_radius_m": radius,
            "geometry": g,
        })
    parks = gpd.GeoDataFrame(rows, geometry="geometry", crs=z.crs)
    radii = parks["service_radius_m"].to_numpy(float)
    has_radius = np.isfinite(radii)
    # parks below the smallest class have no radius by design (park_class None): no service area, no warning
    if network is not None:
        n_entrances, service = _network_service(parks, network, entrance_spacing_m=entrance_spacing_m,
                                                max_snap_m=max_snap_m)
        parks["n_entrances"] = n_entrances
        method = SERVICE_NETWORK
    else:
        service = [g.buffer(r) if ok else shapely.Polygon()
                   for g, r, ok in zip(parks.geometry.values, radii, has_radius)]
        parks["n_entrances"] = pd.array([pd.NA] * len(parks), dtype="Int64")
        method = SERVICE_BUFFER
    parks["service_method"] = np.where(has_radius, method, NO_RADIUS).astype(object)
    if buildings is not None:
        pts = buildings.geometry.representative_point()
        pop = buildings[population_col].astype(float) if population_col else None
        counts, residents = [], []
        tree = shapely.STRtree(np.asarray(pts.values))
        for g in service:
            hit = tree.query(g, predicate="contains") if g is not None and not g.is_empty else np.array([], dtype=int)
            counts.append(len(hit))
            # a park serving a building of unknown population has an unknown total (NaN), not an undercount
            residents.append(float(pop.iloc[hit].sum(skipna=False)) if pop is not None else np.nan)
        parks["buildings_served"] = counts
        parks["residents_served"] = residents
    else:
        parks["buildings_served"] = pd.array([pd.NA] * len(parks), dtype="Int64")
        parks["residents_served"] = np.nan
    geom = parks.pop("geometry")
    parks["geometry"] = geom
    return gpd.GeoDataFrame(parks, geometry="geometry", crs=z.crs)
