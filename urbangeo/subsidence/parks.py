"""Park planning on restoration zones: park polygons, land cover, ratios, class, entrances, service.

Definitions used (GB 51192-2016 Code for the design of parks; GB/T 51346-2019 Standard
for planning of urban green space; verify the clauses for a statutory plan):

* water surface ratio = water area / park area;
* green-space ratio (绿地率) = green land / park land area (land = park minus water);
* green coverage ratio (绿化覆盖率) = vegetation projection / park area; water is not
  green coverage, so a lake park has a low coverage ratio however green its shores are;
* park class and service radius by park area from
  ``urbangeo/data/standards/gbt51346_2019_park_service.csv``.

The walking service area goes through :func:`urbangeo.accessibility.service_areas`
when a street ``network`` is given (network distance from entrances on the park
boundary); otherwise it is a straight-line buffer of the park by its service radius,
and the ``service_method`` column says so.
"""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import OnInvalid, check_columns, check_geodataframe, check_number, validate_frame
from ..crs import check_same_crs, get_crs, is_metric, metric_crs
from ..errors import (
    ColumnTypeError,
    CRSError,
    DroppedRowsWarning,
    EmptyDataError,
    InvalidOptionError,
    MissingValuesWarning,
)
from ._tables import load_table
from .areas import MU_M2

log = logging.getLogger(__name__)

__all__ = ["park_plan", "park_landcover", "park_entrances", "park_service_areas", "park_class_of"]

SERVICE_BUFFER = "buffer: straight-line service radius from the park boundary (GB/T 51346-2019)"
SERVICE_NETWORK = "network: walking distance on the street network from park entrances (urbangeo.accessibility)"
_DIST_TOL_M = 1e-6  # distances this close to a limit count as on it (floating-point noise of reprojection)


def _park_table() -> pd.DataFrame:
    return load_table("standards/gbt51346_2019_park_service")


def park_class_of(area_ha: float) -> tuple[str | None, float]:
    """Park class and (lower) service radius in metres for a park of ``area_ha`` hectares.

    Parameters
    ----------
    area_ha : float
        Park area in hectares (a finite number >= 0).

    Returns
    -------
    tuple of (str or None, float)
        The class name and its service radius (m); ``(None, nan)`` for a park below
        the smallest class.

    Raises
    ------
    ColumnTypeError
        ``area_ha`` is not a number (e.g. the text ``"5"``).
    InvalidOptionError
        ``area_ha`` is negative, NaN or infinite.

    Examples
    --------
    >>> park_class_of(12.0), park_class_of(0.2)
    (('comprehensive', 1200.0), (None, nan))
    """
    if isinstance(area_ha, bool) or not isinstance(area_ha, (int, float, np.integer, np.floating)):
        raise ColumnTypeError(
            f"`area_ha` must be a number of hectares; got {area_ha!r} ({type(area_ha).__name__}). "
            f"Convert it first, e.g. park_class_of(float(area_ha))."
        )
    area_ha = check_number(area_ha, "area_ha", minimum=0)
    t = _park_table()
    for _, row in t.iterrows():
        hi = row["area_ha_max"]
        if area_ha >= row["area_ha_min"] and (pd.isna(hi) or area_ha < hi):
            return str(row["park_class"]), float(row["service_radius_m_low"])
    return None, float("nan")


def _check_zones(zones, on_invalid: OnInvalid = "raise") -> gpd.GeoDataFrame:
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

    Returns
    -------
    GeoDataFrame
        Rows ``landcover`` = "water" (zones whose use keeps standing water) and
        "green" (the other park zones), with ``area_m2``, in the zones' CRS.
    """
    z = _check_zones(zones)
    park = z[z["in_park"].astype(bool)]
    rows = []
    for name, part in (("water", park[park["water"].astype(bool)]), ("green", park[~park["water"].astype(bool)])):
        g = shapely.union_all(np.asarray(part.geometry.values)) if len(part) else shapely.Polygon()
        rows.append({"landcover": name, "area_m2": float(g.area), "geometry": g})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=z.crs)


def _parks_metric(parks, on_invalid: OnInvalid, *, network=None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Door checks of a ``parks`` layer: ``(checked, checked_in_a_metric_crs)``.

    Polygons only; missing and empty geometries left out with a DroppedRowsWarning,
    invalid ones handled by ``on_invalid``. A geographic layer is reprojected to the
    network's CRS (when given) or to :func:`urbangeo.crs.metric_crs` (CRS contract:
    never measure in degrees); results go back to the input's CRS.
    """
    p, _ = validate_frame(parks, "parks", geometry_types=("polygon",), on_invalid=on_invalid)
    crs = get_crs(p, "parks")
    if is_metric(crs):
        return p, p
    target = network.crs if network is not None else metric_crs(p, name="parks")
    log.info("parks: measuring in %s (the input is in %s)", target.name, crs.name)
    return p, p.to_crs(target)


def park_entrances(
    parks: gpd.GeoDataFrame,
    *,
    spacing_m: float = 400.0,
    streets: gpd.GeoDataFrame | None = None,
    max_street_dist_m: float = 50.0,
    on_invalid: OnInvalid = "raise",
) -> gpd.GeoDataFrame:
    """Entrance points on each park boundary.

    Without ``streets`` entrances are spaced evenly along the outer boundary (at least
    one). With ``streets`` (lines, same CRS) the candidates are the boundary points
    within ``max_street_dist_m`` of a street (checked every 10 m), thinned to one every
    ``spacing_m`` metres along the boundary; parks with no street nearby fall back to
    even spacing (``on_street`` False).

    Parameters
    ----------
    parks : GeoDataFrame
        Park polygons, any CRS: a geographic layer is measured in a metric CRS
        (:func:`urbangeo.crs.metric_crs`) and the entrances come back in its CRS.
    spacing_m : float
        Distance between entrances along the boundary (m, > 0).
    streets : GeoDataFrame, optional
        Street lines in the CRS of ``parks``.
    max_street_dist_m : float
        How near a street a boundary point must be to be a candidate (m, >= 0).
    on_invalid : {"raise", "fix", "drop", "warn"}
        What to do with invalid park polygons (see :func:`urbangeo._validate.check_geometries`).

    Returns
    -------
    GeoDataFrame
        Points with ``park_id`` (index label of ``parks``), ``position_m`` (along the
        boundary) and ``on_street``, in the CRS of ``parks``.

    Raises
    ------
    CRSError, CRSMismatchError
        ``parks`` or ``streets`` without CRS, or in different CRSs.
    GeometryTypeError
        ``parks`` holds non-polygons.
    InvalidGeometryError
        Invalid park polygons with ``on_invalid="raise"``.
    EmptyDataError
        No park with a usable polygon.
    InvalidOptionError
        ``spacing_m`` not > 0, ``max_street_dist_m`` negative.

    Warns
    -----
    DroppedRowsWarning
        Parks without geometry (None or empty), or invalid ones with
        ``on_invalid="drop"``, are left out: they get no entrance.
    GeometryFixedWarning
        Invalid park polygons repaired (``on_invalid="fix"``) or used as they are (``"warn"``).
    """
    check_geodataframe(parks, "parks")
    spacing_m = check_number(spacing_m, "spacing_m", minimum=0, strict=True)
    max_street_dist_m = check_number(max_street_dist_m, "max_street_dist_m", minimum=0)
    if streets is not None:
        check_geodataframe(streets, "streets")
        check_same_crs(parks=parks, streets=streets)
    checked, work = _parks_metric(parks, on_invalid)
    if streets is not None:
        streets_w = streets if get_crs(streets, "streets").equals(work.crs) else streets.to_crs(work.crs)
        street_union = shapely.union_all(np.asarray(streets_w.geometry.values))
    rows = []
    for pid, geom in zip(work.index, work.geometry.values):
        polys = sorted(shapely.get_parts(geom), key=lambda p: -p.area)
        ring = polys[0].exterior
        length = ring.length
        chosen = []
        if streets is not None:
            pos = np.arange(0, length, 10.0)
            pts = shapely.line_interpolate_point(ring, pos)
            with np.errstate(invalid="ignore"):  # spurious RuntimeWarning in shapely 2.0.x
                # within a micrometre counts as at the limit: a reprojected copy of the same layers
                # (coordinates off by ~1e-9 m) must pick the same entrances
                near = shapely.distance(pts, street_union) <= max_street_dist_m + _DIST_TOL_M
            last = -np.inf
            for p, d in zip(pos[near], pts[near]):
                if p - last >= spacing_m and (not chosen or length - p + chosen[0][0] >= spacing_m):
                    chosen.append((p, d, True))
                    last = p
        if not chosen:
            n = max(1, int(round(length / spacing_m)))
            for p in np.arange(n) * length / n:
                chosen.append((p, shapely.line_interpolate_point(ring, p), False))
        rows += [{"park_id": pid, "position_m": float(p), "on_street": bool(s), "geometry": pt} for p, pt, s in chosen]
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=work.crs)
    return out if work is checked else out.to_crs(checked.crs)


def park_service_areas(
    parks: gpd.GeoDataFrame,
    *,
    network=None,
    radius_m: float | None = None,
    entrance_spacing_m: float = 100.0,
    on_invalid: OnInvalid = "raise",
) -> gpd.GeoDataFrame:
    """Service area of each park: network walking distance or straight-line buffer.

    Parameters
    ----------
    parks : GeoDataFrame
        Park polygons, any CRS (a geographic layer is measured in a metric CRS and
        the result comes back in its CRS); ``service_radius_m`` column used unless
        ``radius_m`` is given.
    network : urbangeo.accessibility.Network, optional
        Walking network; without it the service area is a buffer (labelled).
    radius_m : float, optional
        One radius for every park (m, > 0).
    entrance_spacing_m : float
        Spacing of the entrances the network walk starts from (m, > 0).
    on_invalid : {"raise", "fix", "drop", "warn"}
        What to do with invalid park polygons (see :func:`urbangeo._validate.check_geometries`).

    Returns
    -------
    GeoDataFrame
        One row per park (same index) with ``service_radius_m``, ``service_method``
        and the service-area polygon, in the CRS of ``parks``. Parks left out (no
        geometry) or without a radius have an empty polygon and say why in
        ``service_method``.

    Raises
    ------
    CRSError
        ``parks`` has no CRS.
    GeometryTypeError
        ``parks`` holds non-polygons.
    InvalidGeometryError
        Invalid park polygons with ``on_invalid="raise"``.
    MissingColumnError, ColumnTypeError
        No numeric ``service_radius_m`` column and no ``radius_m``.
    InvalidOptionError
        ``radius_m``, ``entrance_spacing_m`` or a ``service_radius_m`` value not > 0.

    Warns
    -----
    DroppedRowsWarning
        Parks without geometry (None or empty), or invalid ones with
        ``on_invalid="drop"``: no service area.
    MissingValuesWarning
        Parks with a missing (NaN) ``service_radius_m``: no service area.
    GeometryFixedWarning
        Invalid park polygons repaired (``on_invalid="fix"``) or used as they are (``"warn"``).
    """
    return _service_areas(parks, network=network, radius_m=radius_m, entrance_spacing_m=entrance_spacing_m,
                          on_invalid=on_invalid, warn_missing_radius=True)


#: ``service_method`` of a park that has no service area
NO_RADIUS = "none: park below the smallest class, no service radius"
NO_GEOMETRY = "none: park without usable geometry (left out)"


def _service_areas(parks, *, network, radius_m, entrance_spacing_m, on_invalid, warn_missing_radius):
    check_geodataframe(parks, "parks")
    entrance_spacing_m = check_number(entrance_spacing_m, "entrance_spacing_m", minimum=0, strict=True)
    if radius_m is not None:
        radii = pd.Series(check_number(radius_m, "radius_m", minimum=0, strict=True), index=parks.index)
    else:
        check_columns(parks, "parks", {"service_radius_m": "numeric"})
        radii = parks["service_radius_m"].astype(float)
        bad = radii.notna() & ~(np.isfinite(radii) & (radii > 0))
        if bad.any():
            labels = list(parks.index[bad])
            raise InvalidOptionError(
                f"`parks['service_radius_m']` must be > 0 m; rows {labels[:5]} have {list(radii[bad])[:5]}. "
                f"Correct them, or pass one radius for every park with radius_m=."
            )
        gaps = radii.isna()
        if warn_missing_radius and gaps.any():
            labels = list(parks.index[gaps])
            warnings.warn(
                f"`parks`: {len(labels)} of {len(parks)} rows have no value in 'service_radius_m' (rows "
                f"{', '.join(repr(x) for x in labels[:5])}{' ...' if len(labels) > 5 else ''}); they get no service "
                f"area (empty polygon). Give them a radius (e.g. from park_class_of(area_ha)) or pass radius_m=.",
                MissingValuesWarning,
                stacklevel=3,
            )
    checked, work = _parks_metric(parks, on_invalid, network=network)
    # rows kept at the door, by position (check_geometries leaves rows out by label, in order)
    kept = parks.index.isin(checked.index)
    geoms, methods = [], []
    use_network = network is not None
    if use_network:
        try:
            from ..accessibility import service_areas
        except ImportError:  # pragma: no cover - accessibility wing missing
            use_network = False
            log.warning("urbangeo.accessibility.service_areas not available; using buffers")
    for geom, r in zip(work.geometry.values, radii.to_numpy()[kept]):
        if not np.isfinite(r) or r <= 0:
            geoms.append(shapely.Polygon())
            methods.append(NO_RADIUS)
            continue
        if use_network:
            one = gpd.GeoDataFrame(geometry=[geom], crs=work.crs)
            sa = service_areas(network, one, dist_m=float(r), facility_polygons="entrances",
                               entrance_spacing_m=entrance_spacing_m)
            g = sa.geometry.iloc[0]
            geoms.append(shapely.union_all([g, geom]) if g is not None and not g.is_empty else geom)
            methods.append(SERVICE_NETWORK)
        else:
            geoms.append(geom.buffer(float(r)))
            methods.append(SERVICE_BUFFER)
    if work is not checked:  # back to the input's CRS
        geoms = list(gpd.GeoSeries(geoms, crs=work.crs).to_crs(checked.crs).values)
    # parks left out at the door keep their row (same index), with an empty polygon and the reason
    all_geoms = np.full(len(parks), shapely.Polygon(), dtype=object)
    all_methods = np.full(len(parks), NO_GEOMETRY, dtype=object)
    all_geoms[kept] = np.asarray(geoms, dtype=object)
    all_methods[kept] = methods
    return gpd.GeoDataFrame({"service_radius_m": radii.to_numpy(), "service_method": all_methods},
                            geometry=list(all_geoms), index=parks.index, crs=parks.crs)


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


def park_plan(
    zones: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None = None,
    population_column: str | None = None,
    network=None,
    streets: gpd.GeoDataFrame | None = None,
    paved_share: float = 0.15,
    vegetation_cover: float = 0.95,
    min_park_area_m2: float = 4000.0,
    entrance_spacing_m: float = 400.0,
    on_invalid: OnInvalid = "raise",
) -> gpd.GeoDataFrame:
    """Turn restoration zones into parks with their ratios, class, entrances and people served.

    Parameters
    ----------
    zones : GeoDataFrame
        From :func:`restoration_zones` (columns ``in_park``, ``water`` and, if present,
        ``water_area_m2``), metric CRS. Connected park zones make one park.
    buildings : GeoDataFrame, optional
        Buildings or residential points (same CRS); counted when their representative
        point lies in a park's service area. Buildings without geometry (None or
        empty) are left out with a :class:`~urbangeo.errors.DroppedRowsWarning`.
    population_column : str, optional
        Residents per building; summed into ``residents_served``. Buildings with a
        missing value (NaN/None) make the total unknown: ``residents_served`` is NaN for
        the parks that serve them, and a
        :class:`~urbangeo.errors.MissingValuesWarning` says how many there are and how to
        fill or drop them (``buildings_served`` still counts them).
    network : urbangeo.accessibility.Network, optional
        Walking network for network service areas (else straight-line buffers).
    streets : GeoDataFrame, optional
        Street lines to put entrances where streets meet the park.
    paved_share : float
        Share of park land taken by paths, plazas and buildings (not green land).
    vegetation_cover : float
        Vegetation projection per unit green land.
    min_park_area_m2 : float
        Park land parts smaller than this are left out (reported in the log).
    entrance_spacing_m : float
        Spacing of entrances along the boundary (m, > 0).
    on_invalid : {"raise", "fix", "drop", "warn"}
        What to do with invalid zone polygons: ``"raise"`` (default) an
        :class:`~urbangeo.errors.InvalidGeometryError` listing them, ``"fix"`` repair
        them with ``make_valid``, ``"drop"`` leave them out, ``"warn"`` use them as they
        are (see :func:`urbangeo._validate.check_geometries`).

    Returns
    -------
    GeoDataFrame
        One row per park (``park_id`` 1..n, largest first): ``area_m2``, ``area_ha``,
        ``area_mu``, ``water_area_m2``, ``land_area_m2``, ``green_area_m2``,
        ``water_surface_ratio``, ``green_space_ratio``, ``green_coverage_ratio``,
        ``park_class``, ``service_radius_m``, ``n_entrances``, ``buildings_served``,
        ``residents_served``, ``service_method``; park polygons in the zones' CRS.

    Raises
    ------
    CRSError, CRSMismatchError
        ``zones`` without CRS or geographic; ``buildings`` in another CRS.
    MissingColumnError, ColumnTypeError
        ``zones`` without ``in_park``/``water``; ``population_column`` absent or not numeric.
    EmptyDataError
        No park land (no ``in_park`` zone, or none reaching ``min_park_area_m2``).
    InvalidOptionError
        ``paved_share``, ``vegetation_cover``, ``min_park_area_m2`` or
        ``entrance_spacing_m`` out of range; ``population_column`` without ``buildings``.

    Warns
    -----
    DroppedRowsWarning
        Zones or buildings without geometry left out.
    MissingValuesWarning
        Buildings with no value in ``population_column``.
    GeometryFixedWarning
        Invalid zone polygons repaired (``on_invalid="fix"``) or used as they are (``"warn"``).
    """
    z = _check_zones(zones, on_invalid)
    paved_share = check_number(paved_share, "paved_share", minimum=0, maximum=1)
    vegetation_cover = check_number(vegetation_cover, "vegetation_cover", minimum=0, maximum=1)
    min_park_area_m2 = check_number(min_park_area_m2, "min_park_area_m2", minimum=0)
    entrance_spacing_m = check_number(entrance_spacing_m, "entrance_spacing_m", minimum=0, strict=True)
    if buildings is not None:
        check_geodataframe(buildings, "buildings")
        check_same_crs(zones=z, buildings=buildings)
        if population_column is not None:
            check_columns(buildings, "buildings", {population_column: "numeric"})
        buildings = _drop_missing_buildings(buildings)
        if population_column is not None:
            _warn_missing_population(buildings, population_column)
    elif population_column is not None:
        raise InvalidOptionError("`population_column` needs `buildings`.")
    parts = _parks_geoms(z, min_park_area_m2)
    park_zones = z[z["in_park"].astype(bool)]
    zone_geoms = np.asarray(park_zones.geometry.values)
    if "water_area_m2" in park_zones.columns and park_zones["water_area_m2"].notna().all():
        zone_water = park_zones["water_area_m2"].to_numpy(dtype=float)
    else:
        zone_water = np.where(park_zones["water"].astype(bool), shapely.area(zone_geoms), 0.0)
    zone_rep = shapely.point_on_surface(zone_geoms)
    rows = []
    for i, g in enumerate(parts, start=1):
        inside = shapely.contains(g, zone_rep) | shapely.intersects(g, zone_rep)
        area = float(g.area)
        water = float(zone_water[inside].sum())
        land = max(area - water, 0.0)
        green = land * (1 - paved_share)
        cls, radius = park_class_of(area / 1e4)
        rows.append({
            "park_id": i,
            "area_m2": area,
            "area_ha": area / 1e4,
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
    ent = park_entrances(parks, spacing_m=entrance_spacing_m, streets=streets)
    parks["n_entrances"] = ent.groupby("park_id").size().reindex(parks.index, fill_value=0).to_numpy()
    # parks below the smallest class have no radius by design (park_class None): no warning
    sa = _service_areas(parks, network=network, radius_m=None, entrance_spacing_m=100.0, on_invalid="raise",
                        warn_missing_radius=False)
    parks["service_method"] = sa["service_method"].to_numpy()
    if buildings is not None:
        pts = buildings.geometry.representative_point()
        pop = buildings[population_column].astype(float) if population_column else None
        counts, residents = [], []
        tree = shapely.STRtree(np.asarray(pts.values))
        for g in sa.geometry.values:
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
