"""Park and public-space service areas: the standard's radius reading beside the walking reading.

Planning standards (China: GB/T 51346-2019) give every park a *service radius* by its
size, measured as a straight line. People walk on streets and enter through gates, so
the area a park really serves on foot is smaller, often much smaller. This module
gives both readings side by side:

* :func:`classify_parks` - park area (ha), class and service radius by
  :func:`urbangeo.standards.park_classes` (the library's one park classification, shared
  with :func:`urbangeo.subsidence.park_plan`; table
  ``urbangeo/data/standards/gbt51346_2019_park_service.csv``), or your own radii;
* :func:`park_entrances` - where people enter: points where the boundary meets a
  street plus points along the boundary, snapped to the street network;
* :func:`park_service_areas` - per park class, the radius reading (park polygon
  buffered by the radius) and the network reading (streets within the radius of
  walking from an entrance, buffered by the street width), one row each;
* :func:`park_coverage` - per residence: straight-line and network distance to the
  nearest classified park and whether it is covered in each reading;
* :func:`park_coverage_summary` - share of residential buildings and residents
  covered in each reading.

Every figure of the preset table is marked *unverified* (see the CSV header and
docs/accessibility_lifecircle.md): pass ``radii_m=`` to use checked values. Where the
table gives a range (comprehensive parks: 1,200-3,000 m) the low end is used by default
(``radius="low"``, see :mod:`urbangeo.standards` for why). Parks
smaller than the smallest class get no radius; they are kept and reported
(``park_class`` missing), never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import standards
from .._validate import (
    OnInvalid,
    check_choice,
    check_columns,
    check_geodataframe,
    check_geometries,
    check_geometry_types,
    check_number,
)
from ..crs import get_crs, project
from ..errors import ColumnTypeError, EmptyDataError, InvalidOptionError
from ..settings import settings
from .network import Network

__all__ = [
    "classify_parks",
    "park_entrances",
    "park_service_areas",
    "park_coverage",
    "park_coverage_summary",
]


def _metric(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoSeries:
    return project(gdf.geometry, crs)


def classify_parks(
    parks: gpd.GeoDataFrame,
    *,
    standard: str = "GB/T51346-2019",
    radius: Literal["high", "low"] = standards.PARK_RADIUS_DEFAULT,
    radii_m: Mapping[str, float] | None = None,
    on_invalid: OnInvalid = "fix",
) -> gpd.GeoDataFrame:
    """Area, class and service radius of every park.

    Parameters
    ----------
    parks : GeoDataFrame
        Park polygons, any CRS (areas are computed in a metric CRS).
    standard : {"GB/T51346-2019"}
        Park standard (table read by :func:`urbangeo.standards.standard_table`).
    radius : {"low", "high"}, default "low"
        Which end of a radius range (e.g. 1,200-3,000 m) to use; the low end by default
        (the radius every park of the class reaches: see :mod:`urbangeo.standards`).
    radii_m : mapping, optional
        Override radii (metres) by class name, e.g. ``{"community": 400}``.
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid park polygons, as everywhere in urbangeo: repair with
        ``make_valid`` (a self-intersecting "bow-tie" has a signed area near 0 and would
        fall below every class), raise, drop, or keep them with a warning.

    Returns
    -------
    GeoDataFrame
        Copy of ``parks`` (repaired geometries with ``on_invalid="fix"``) with
        ``area_ha``, ``park_class`` (None below the smallest class, or when the park
        was excluded) and ``radius_m`` (NaN when unclassified). ``attrs["parks"]``
        lists ``unclassified`` parks (below the smallest class) and ``excluded`` ones
        (missing, empty, or invalid with ``on_invalid="drop"``).

    Raises
    ------
    GeometryTypeError
        ``parks`` holds points or lines.
    InvalidGeometryError
        Invalid polygons with ``on_invalid="raise"``.
    EmptyDataError
        No park has a usable polygon.

    Warns
    -----
    GeometryFixedWarning
        Invalid polygons were repaired (or kept, with ``on_invalid="warn"``).
    DroppedRowsWarning
        Parks with a missing or empty polygon (or invalid ones with
        ``on_invalid="drop"``) are excluded: no class, listed in ``attrs["parks"]``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> p = gpd.GeoDataFrame(geometry=[box(0, 0, 400, 400), box(0, 0, 50, 50)], crs=32650)
    >>> classify_parks(p)[["area_ha", "park_class", "radius_m"]].values.tolist()
    [[16.0, 'comprehensive', 1200.0], [0.25, None, nan]]
    """
    from ..crs import metric_crs

    check_geodataframe(parks, "parks")
    check_choice(radius, "radius", ("high", "low"))
    table = standards.standard_table(standard)
    mcrs = metric_crs(parks, name="parks")
    check_geometry_types(parks, "parks", ["polygon"])
    usable, report = check_geometries(parks, "parks", on_invalid=on_invalid)
    excluded = [lab for labs in report.excluded.values() for lab in labs]
    keep = np.flatnonzero(~parks.index.isin(excluded)) if excluded else np.arange(len(parks))
    geoms = np.asarray(parks.geometry.values, dtype=object).copy()
    geoms[keep] = np.asarray(usable.geometry.values, dtype=object)
    area_ha = np.full(len(parks), np.nan)
    area_ha[keep] = _metric(usable, mcrs).area.to_numpy(float) / 10_000.0
    classes = standards.park_classes(area_ha, standard=standard, radius=radius)
    cls = classes.park_class.to_numpy(dtype=object)
    rad = classes.radius_m.to_numpy(dtype=float).copy()
    if radii_m:
        known = set(table.park_class)
        unknown = [k for k in radii_m if k not in known]
        if unknown:
            raise InvalidOptionError(f"`radii_m` names unknown classes {unknown}; classes: {sorted(known)}.")
        for k, v in radii_m.items():
            rad[cls == k] = check_number(v, f"radii_m[{k!r}]", minimum=0)
    out = parks.copy()
    if report.fixed:
        out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=parks.crs)
    out["area_ha"] = area_ha
    out["park_class"] = pd.Series(cls, index=out.index, dtype=object)
    out["radius_m"] = rad
    out.attrs["parks"] = {
        "standard": standard,
        "unclassified": list(out.index[pd.isna(cls) & ~np.isnan(area_ha)]),
        "excluded": list(excluded),
        "fixed": list(report.fixed),
    }
    return out


def park_entrances(
    network: Network,
    parks: gpd.GeoDataFrame,
    *,
    entrance_spacing_m: float = 50.0,
    max_snap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Entrances of each park on the street network.

    Candidate entrances are the points where the park boundary crosses a street and
    points every ``entrance_spacing_m`` along the boundary; each is snapped to the
    nearest street within ``max_snap_m`` (use a small value, e.g. 30 m, for fenced
    parks whose gates open on the street). A park with no entrance within reach keeps
    one row with ``edge = -1`` and a ``note``.

    Parameters
    ----------
    network : Network
        Walking network.
    parks : GeoDataFrame
        Park polygons, any CRS.
    entrance_spacing_m : float, default 50.0
        Spacing of the candidate entrances along the boundary.
    max_snap_m : float, optional
        Longest distance from the boundary to a street; default ``settings.max_snap_m``.

    Returns
    -------
    GeoDataFrame
        One point per entrance (on the street), in the CRS of ``parks``: ``park``
        (label in ``parks.index``), ``edge``, ``access_m`` (from the boundary to the
        street; 0 at crossings) and ``note``.

    Raises
    ------
    EmptyDataError
        ``parks`` has no rows.
    GeometryTypeError
        ``parks`` holds lines.

    Warns
    -----
    GeometryFixedWarning
        Invalid park polygons (self-intersecting rings) were repaired with
        ``make_valid`` before placing entrances (as ``on_invalid="fix"``, the default
        of the other park functions; repair them yourself to choose otherwise).
    DroppedRowsWarning
        Parks without geometry (None or empty) keep one row with ``edge = -1`` and the
        note ``"missing geometry"`` / ``"empty geometry"`` (counted and listed).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(5, 5, spacing_m=100)
    >>> park = gpd.GeoDataFrame(geometry=[box(500_120, 2_500_120, 500_180, 2_500_180)], crs=net.crs)
    >>> e = park_entrances(net, park, entrance_spacing_m=60, max_snap_m=25)
    >>> len(e), float(e.access_m.max())
    (4, 20.0)
    """
    from .snapping import snap_points

    check_geodataframe(parks, "parks")
    get_crs(parks, "parks")
    s = snap_points(network, parks, max_snap_m=max_snap_m, polygons="entrances",
                    entrance_spacing_m=entrance_spacing_m, name="parks")
    geom = gpd.GeoSeries(gpd.points_from_xy(s.x, s.y), crs=network.crs)
    geom[s.edge.to_numpy() < 0] = None
    out = gpd.GeoDataFrame(
        {
            "park": list(parks.index[s.row.to_numpy()]),
            "edge": s.edge.to_numpy(np.int64),
            "access_m": s.dist_m.to_numpy(float),
            "note": s.note.to_numpy(object),
        },
        geometry=geom.values,
        crs=network.crs,
    )
    # an entrance crossing several streets at one point appears once
    key = pd.DataFrame({"p": out.park.astype(str), "x": s.x.round(3), "y": s.y.round(3), "e": out.edge})
    out = out[~key.duplicated()].reset_index(drop=True)
    return out.to_crs(parks.crs)


def park_service_areas(
    network: Network,
    parks: gpd.GeoDataFrame,
    *,
    standard: str = "GB/T51346-2019",
    radius: Literal["high", "low"] = standards.PARK_RADIUS_DEFAULT,
    radii_m: Mapping[str, float] | None = None,
    street_width_m: float | None = None,
    entrance_spacing_m: float = 50.0,
    max_snap_m: float | None = None,
    on_invalid: OnInvalid = "fix",
) -> gpd.GeoDataFrame:
    """Service area of each park class: the radius reading and the network walking reading.

    Parameters
    ----------
    network : Network
        Walking network.
    parks : GeoDataFrame
        Park polygons, any CRS.
    standard, radius, radii_m, on_invalid
        See :func:`classify_parks` (invalid polygons are repaired by default, missing
        ones excluded, both with a warning).
    street_width_m : float, optional
        Half-width of the band drawn around reached streets (``settings.street_width_m``).
    entrance_spacing_m, max_snap_m
        See :func:`park_entrances`.

    Returns
    -------
    GeoDataFrame
        Two rows per park class present (``reading`` = "radius", then "network"):
        ``park_class``, ``radius_m``, ``n_parks``, ``area_m2`` of the service area
        and its polygon, in the CRS of ``parks``. Radius reading: the parks buffered
        by the radius (straight line from the boundary). Network reading: the streets
        within ``radius_m`` of walking from an entrance, buffered by ``street_width_m``.
        ``attrs["parks"]["unclassified"]`` lists parks below the smallest class,
        ``attrs["parks"]["excluded"]`` parks without a usable polygon.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(21, 21, spacing_m=100)
    >>> park = gpd.GeoDataFrame(geometry=[box(501_000, 2_501_000, 501_110, 2_501_110)], crs=net.crs)
    >>> sa = park_service_areas(net, park, street_width_m=10)  # 1.21 ha -> 500 m
    >>> sa[["reading", "park_class", "radius_m"]].values.tolist()
    [['radius', 'community', 500.0], ['network', 'community', 500.0]]
    >>> bool(sa.area_m2[1] < sa.area_m2[0])
    True
    """
    from .isochrones import service_areas

    cp = classify_parks(parks, standard=standard, radius=radius, radii_m=radii_m, on_invalid=on_invalid)
    mcrs = network.crs
    rows = []
    classes = [c for c in standards.standard_table(standard).park_class if (cp.park_class == c).any()]
    for c in classes:
        sub = cp[cp.park_class == c]
        for r in sorted(set(sub.radius_m)):
            part = sub[sub.radius_m == r]
            buf = shapely.union_all(shapely.buffer(_metric(part, mcrs).values, r))
            rows.append(("radius", c, r, len(part), buf))
            sa = service_areas(network, part, dist_m=r, street_width_m=street_width_m, max_snap_m=max_snap_m,
                               facility_polygons="entrances", entrance_spacing_m=entrance_spacing_m)
            poly = sa.to_crs(mcrs).geometry.iloc[0] if len(sa) else shapely.Polygon()
            rows.append(("network", c, r, len(part), poly))
    geoms = [g for *_, g in rows]
    out = gpd.GeoDataFrame(
        {
            "reading": [r[0] for r in rows],
            "park_class": [r[1] for r in rows],
            "radius_m": np.array([r[2] for r in rows], dtype=float),
            "n_parks": np.array([r[3] for r in rows], dtype=np.int64),
            "area_m2": np.array([0.0 if g is None else shapely.area(g) for g in geoms], dtype=float),
        },
        geometry=geoms,
        crs=mcrs,
    ).to_crs(parks.crs)
    out.attrs["parks"] = {
        "unclassified": cp.attrs["parks"]["unclassified"],
        "excluded": cp.attrs["parks"]["excluded"],
        "standard": standard,
    }
    return out


def park_coverage(
    network: Network,
    residences: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    *,
    standard: str = "GB/T51346-2019",
    radius: Literal["high", "low"] = standards.PARK_RADIUS_DEFAULT,
    radii_m: Mapping[str, float] | None = None,
    speed_kmh: float | None = None,
    entrance_spacing_m: float = 50.0,
    max_snap_m: float | None = None,
    on_invalid: OnInvalid = "fix",
) -> gpd.GeoDataFrame:
    """Whether each residence is served by a park, by the radius reading and on foot.

    A residence is covered by a park class if it lies within that class's radius of
    a park of the class: straight-line distance from the residence (representative
    point) to the park polygon in the radius reading, network walking distance to
    the nearest entrance (access legs included) in the network reading. Inclusive.

    Parameters
    ----------
    network : Network
        Walking network.
    residences : GeoDataFrame
        Homes (points or building polygons), any CRS.
    parks : GeoDataFrame
        Park polygons, any CRS.
    standard, radius, radii_m, on_invalid
        See :func:`classify_parks`: invalid park polygons are repaired by default
        (``on_invalid="fix"``), missing or empty ones excluded, both with a warning, so
        no home is reported "not covered" because of a broken polygon without a word.
    speed_kmh, entrance_spacing_m, max_snap_m
        Walking speed (default ``settings.walk_speed_kmh``), entrance spacing and
        longest access leg, as in :func:`park_entrances`.

    Returns
    -------
    GeoDataFrame
        Copy of ``residences`` with ``park_straight_m`` and ``park_network_m``
        (distances to the nearest classified park; NaN if none reachable),
        ``covered_radius``, ``covered_network`` (bool) and ``covered_radius_only``
        (covered by the radius but not on foot: the gap planners miss).
        ``attrs["parks"]`` records the radii used, ``unclassified`` parks (below the
        smallest class) and ``excluded`` ones (no usable polygon).

    Raises
    ------
    GeometryTypeError
        ``parks`` holds points or lines, or ``residences`` lines.
    InvalidGeometryError
        Invalid park polygons with ``on_invalid="raise"``.

    Warns
    -----
    GeometryFixedWarning, DroppedRowsWarning
        Park polygons repaired, or excluded (see :func:`classify_parks`); parks that
        cannot be snapped to the network are excluded from the network reading;
        residences without geometry (None or empty) are kept, covered by nothing
        (counted and listed); invalid residence polygons are repaired.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(21, 3, spacing_m=100)
    >>> park = gpd.GeoDataFrame(geometry=[box(500_000, 2_500_210, 500_110, 2_500_320)], crs=net.crs)
    >>> homes = gpd.GeoDataFrame(geometry=[Point(500_400, 2_500_200), Point(501_000, 2_500_000)], crs=net.crs)
    >>> c = park_coverage(net, homes, park, max_snap_m=20)
    >>> c[["covered_radius", "covered_network"]].values.tolist()
    [[True, True], [False, False]]
    """
    from ..crs import metric_crs
    from ._common import nearest as _nearest

    check_geodataframe(residences, "residences")
    get_crs(residences, "residences")
    cp = classify_parks(parks, standard=standard, radius=radius, radii_m=radii_m, on_invalid=on_invalid)
    if speed_kmh is None:
        speed_kmh = settings.walk_speed_kmh  # uniform: the fastest path is the shortest
    mcrs = network.crs if network is not None else metric_crs(residences)
    pts = residences.geometry.representative_point()
    pts = gpd.GeoSeries(pts.values, crs=residences.crs)
    pts_m = project(pts, mcrs, name="residences")
    n = len(residences)
    straight = np.full(n, np.nan)
    net_m = np.full(n, np.nan)
    cov_r = np.zeros(n, bool)
    cov_n = np.zeros(n, bool)
    cls_ok = cp[cp.park_class.notna()]
    valid = ~(pts_m.isna().to_numpy() | pts_m.is_empty.to_numpy())
    for r in sorted(set(cls_ok.radius_m)):
        part = cls_ok[cls_ok.radius_m == r]
        pg = _metric(part, mcrs).values
        tree = shapely.STRtree(pg)
        (qi, _), d = tree.query_nearest(pts_m.values[valid], return_distance=True, all_matches=False)
        dist = np.full(n, np.inf)
        dist[np.flatnonzero(valid)[qi]] = d
        straight = np.fmin(straight, np.where(np.isfinite(dist), dist, np.nan))
        cov_r |= dist <= r
    if len(cls_ok):
        # on foot: one search per park class (its radius), homes and parks snapped once, so every
        # warning about them (no geometry, not snapped, repaired) comes once
        near = _nearest(network, residences, cls_ok, by="park_class", speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                        facility_polygons="entrances", entrance_spacing_m=entrance_spacing_m,
                        names=("residences", "parks"))
        for c, r in cls_ok.groupby("park_class").radius_m.first().items():
            dn = near[f"{c}_dist_m_1"].to_numpy(float)
            net_m = np.fmin(net_m, dn)
            cov_n |= np.nan_to_num(dn, nan=np.inf) <= r
    out = residences.copy()
    out["park_straight_m"] = straight
    out["park_network_m"] = net_m
    out["covered_radius"] = cov_r
    out["covered_network"] = cov_n
    out["covered_radius_only"] = cov_r & ~cov_n
    out.attrs["parks"] = {
        "standard": standard,
        "radius": radius,
        "radii": {str(c): float(v) for c, v in cls_ok.groupby("park_class").radius_m.first().items()},
        "unclassified": cp.attrs["parks"]["unclassified"],
        "excluded": cp.attrs["parks"]["excluded"],
        "speed_kmh": float(speed_kmh),
    }
    return out


def park_coverage_summary(coverage: pd.DataFrame, *, population_col: str | None = None) -> pd.DataFrame:
    """Share of residential buildings and residents covered, radius reading vs network reading.

    Parameters
    ----------
    coverage : DataFrame
        Output of :func:`park_coverage`.
    population_col : str, optional
        Residents per row; default the column ``"population"`` if present.

    Returns
    -------
    pandas.DataFrame
        Index ``["radius", "network"]``; columns ``n_buildings``, ``n_covered``,
        ``share_buildings``, ``population``, ``population_covered``,
        ``share_population``.

    Raises
    ------
    EmptyDataError
        ``coverage`` has no rows.
    MissingColumnError, ColumnTypeError
        A ``covered_*`` or ``population`` column is missing, or the population is not
        numeric or has missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"covered_radius": [True, True, False], "covered_network": [True, False, False],
    ...                   "population": [10, 30, 60]})
    >>> park_coverage_summary(c)["share_population"].tolist()
    [0.4, 0.1]
    """
    if not isinstance(coverage, pd.DataFrame):
        raise TypeError(f"`coverage` must be a DataFrame, got {type(coverage).__name__}.")
    check_columns(coverage, "coverage", {"covered_radius": "any", "covered_network": "any"})
    if len(coverage) == 0:
        raise EmptyDataError(
            "`coverage` has no rows, so there is no share to compute; pass the output of park_coverage on a "
            "residences layer with rows (check the layer, or the filter that produced it)."
        )
    if population_col is None and "population" in coverage.columns:
        population_col = "population"
    if population_col is not None:
        check_columns(coverage, "coverage", {population_col: "numeric"})
        w = coverage[population_col].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(w).any():
            raise ColumnTypeError(f"`coverage[{population_col!r}]` has missing values; fill them first.")
    else:
        w = np.ones(len(coverage))
    rows = []
    for reading in ("radius", "network"):
        cov = coverage[f"covered_{reading}"].to_numpy(bool)
        tot = float(w.sum())
        rows.append(
            {
                "n_buildings": len(coverage),
                "n_covered": int(cov.sum()),
                "share_buildings": float(cov.mean()) if len(cov) else np.nan,
                "population": tot,
                "population_covered": float(w[cov].sum()),
                "share_population": float(w[cov].sum()) / tot if tot > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows, index=pd.Index(["radius", "network"], name="reading"))
