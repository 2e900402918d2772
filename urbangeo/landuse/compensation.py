"""Compensation from zone-based integrated land prices (区片综合地价).

Prices are set per mu for price-zone polygons (LAL 2019, Art. 48; revised at least
every three years). :func:`estimate_compensation` joins them to parcels, weighting by
the area of each zone a parcel straddles, and multiplies by the parcel's area in mu;
:func:`compensation_by_village` sums the result per village (first 12 digits of the
located-in unit code ``ZLDWDM``).

One mu is exactly 10000/15 m2 (666.666... m2; 666.7 is wrong by 0.005 %; :mod:`urbangeo.units`):

>>> from urbangeo.units import MU_M2
>>> MU_M2
666.6666666666666
>>> round(15000 / MU_M2, 12)
22.5
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import check_columns, check_geodataframe, check_geometries, check_number
from ..crs import check_same_crs, metric_crs, project
from ..errors import (
    EmptyDataError,
    GeometryTypeError,
    InvalidOptionError,
    MissingValuesWarning,
    UrbangeoWarning,
)
from ..units import m2_to_mu
from . import _dispatch, _overlay

__all__ = ["estimate_compensation", "compensation_by_village"]


def _stem(component: str) -> str:
    return component[: -len("_per_mu")] if component.endswith("_per_mu") else component


def _show(labels: Sequence) -> str:
    labels = list(labels)
    return ", ".join(repr(x) for x in labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")


def _check_price_zones(price_zones: Any, comps: list[str]) -> None:
    """Zones are polygons with non-negative rates (NaN rates are allowed and reported later)."""
    check_geodataframe(price_zones, "price_zones")
    geoms = price_zones.geometry
    types = geoms[~(geoms.isna() | geoms.is_empty)].geom_type
    bad = types[~types.isin(["Polygon", "MultiPolygon"])]
    if len(bad):
        raise GeometryTypeError(
            f"`price_zones` must hold MultiPolygon/Polygon geometries, but rows {_show(bad.index)} are "
            f"{', '.join(sorted(bad.unique()))}: the geometry type is wrong, not the prices. A price zone is an "
            f"area; turn closed zone outlines into polygons first, e.g. "
            f"price_zones.assign(geometry=price_zones.geometry.map(shapely.Polygon))."
        )
    check_columns(price_zones, "price_zones", {c: "numeric" for c in comps})
    for c in comps:
        v = pd.to_numeric(price_zones[c]).to_numpy(dtype=float, na_value=np.nan)
        neg = v < 0
        if neg.any():
            rows = list(price_zones.index[neg])
            vals = ", ".join(f"{x:g}" for x in v[neg][:5])
            raise InvalidOptionError(
                f"`price_zones[{c!r}]` has {int(neg.sum())} negative rates (rows {_show(rows)}: {vals}); rates "
                f"are yuan per mu and cannot be negative. Correct them in the price table."
            )


def estimate_compensation(
    parcels: gpd.GeoDataFrame,
    price_zones: gpd.GeoDataFrame,
    *,
    price_col: str = "price_per_mu",
    components: Sequence[str] | None = None,
    area_col: str | None = "TBDLMJ",
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
    precision_m: float = 0.001,
) -> gpd.GeoDataFrame:
    """Compensation per parcel from price-zone polygons, area-weighted across zones.

    Parameters
    ----------
    parcels : GeoDataFrame or dask_geopandas.GeoDataFrame
        Polygon parcels in any CRS.
    price_zones : GeoDataFrame
        Price-zone polygons in the parcels' CRS with the rates (yuan per mu) as columns.
        Zones should not overlap (a parcel part covered twice is weighted twice).
    price_col : str, default "price_per_mu"
        The zone-based integrated land price (yuan per mu).
    components : sequence of str, optional
        Rate columns (yuan per mu) to apply, e.g. ``["price_per_mu",
        "resettlement_per_mu", "social_security_per_mu"]``; default ``[price_col]``.
    area_col : str or None, default "TBDLMJ"
        Official net area (m2) used instead of the geometric area when the column exists
        and the value is present (the third-survey net land area already deducts field
        ridges); ``None`` always uses the geometric area in the metric CRS.
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid geometries of ``parcels`` *and* ``price_zones``, as in
        :func:`screen_conversion` (``make_valid`` by default, reported with a
        :class:`~urbangeo.errors.GeometryFixedWarning` naming the layer).
    precision_m : float, default 0.001
        Coordinates are snapped to this grid (in the metric CRS) before overlaying.

    Returns
    -------
    GeoDataFrame
        A copy of ``parcels`` with ``area_m2`` (the area paid for), ``area_source``
        (``area_col`` or ``"geometry"``), ``area_mu`` (exactly ``area_m2 * 15 / 10000``),
        ``zone_share`` (share of the parcel's geometry inside any zone), one column per
        component with its area-weighted rate (same name), one ``<stem>_yuan`` column per
        component (``price_per_mu`` -> ``price_yuan``) and ``compensation_yuan`` (their
        sum). The rate of a parcel partly outside every zone is the weighted mean over
        the covered part; a parcel outside every zone gets NaN (with a warning).

        A zone without a rate (NaN) gives NaN to every parcel it overlaps (for that
        component, its ``_yuan`` column and ``compensation_yuan``), with a warning;
        ``attrs["compensation"]`` lists ``zones_missing_values`` (per component) and
        ``parcels_missing_price``. A missing official area (``area_col`` NaN) falls
        back to the geometric area, row by row, as ``area_source`` records.

    Raises
    ------
    CRSMismatchError, MissingColumnError, ColumnTypeError
        Inputs in different CRSs; missing or non-numeric rate/area columns.
    GeometryTypeError
        ``price_zones`` holds lines or points instead of polygons.
    InvalidGeometryError
        Invalid (e.g. self-intersecting) parcels or price zones with ``on_invalid="raise"``.
    InvalidOptionError
        Negative rates in ``price_zones`` or negative official areas in ``area_col``.

    Warns
    -----
    GeometryFixedWarning, DroppedRowsWarning
        Invalid parcels or price zones repaired (``on_invalid="fix"``), dropped
        (``"drop"``, their parcels are then outside every zone) or kept (``"warn"``).
    MissingValuesWarning
        Zones without a rate overlap some parcels (their results are NaN).
    UrbangeoWarning
        Parcels outside every price zone (NaN).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> p = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 150)], crs="EPSG:4547")
    >>> z = gpd.GeoDataFrame({"price_per_mu": [60030.0, 41354.0]},
    ...     geometry=[shapely.box(-1, -1, 50, 200), shapely.box(50, -1, 200, 200)], crs="EPSG:4547")
    >>> out = estimate_compensation(p, z)
    >>> out[["area_mu", "price_per_mu", "compensation_yuan"]]
       area_mu  price_per_mu  compensation_yuan
    0     22.5       50692.0          1140570.0
    """
    comps = [price_col] if components is None else list(components)
    if not comps:
        raise InvalidOptionError("`components` is empty; pass at least the price column, e.g. ['price_per_mu'].")
    if price_col not in comps:
        comps = [price_col, *comps]
    if len(set(comps)) != len(comps):
        raise InvalidOptionError(f"`components` lists a column twice: {comps}.")
    _check_price_zones(price_zones, comps)
    # invalid zones follow the same policy as invalid parcels (never overlaid silently as given);
    # missing and empty zones are skipped below, as documented
    price_zones, _zone_report = check_geometries(price_zones, "price_zones", on_invalid=on_invalid,
                                                 drop_missing=False)
    if _dispatch.is_dask(parcels):
        return _compensation_dask(
            parcels, price_zones, price_col=price_col, components=comps, area_col=area_col,
            on_invalid=on_invalid, precision_m=precision_m,
        )
    check_geodataframe(parcels, "parcels")
    check_same_crs(parcels=parcels, price_zones=price_zones)
    check_number(precision_m, "precision_m", minimum=0)
    official_col = area_col if area_col is not None and area_col in parcels.columns else None
    use_official = official_col is not None
    if official_col is not None:
        check_columns(parcels, "parcels", {official_col: "numeric"})
        off_all = pd.to_numeric(parcels[area_col]).to_numpy(dtype=float, na_value=np.nan)
        neg = off_all < 0
        if neg.any():
            raise InvalidOptionError(
                f"`parcels[{area_col!r}]` has {int(neg.sum())} negative areas (rows {_show(parcels.index[neg])}: "
                f"{', '.join(f'{x:g}' for x in off_all[neg][:5])}); areas are m2 and cannot be negative. Correct "
                f"them, or set them to NaN to use the geometric area: "
                f"parcels.assign({area_col}=parcels[{area_col!r}].where(parcels[{area_col!r}] >= 0))."
            )
    target = metric_crs(parcels, name="parcels")
    geoms, usable, _report, raw_area, _why = _overlay.clean_polygons(
        parcels, "parcels", target_crs=target, on_invalid=on_invalid, grid_m=precision_m
    )
    n = len(parcels)
    geo_area = np.where(usable, shapely.area(geoms), raw_area)
    idx = np.flatnonzero(usable)
    g, a = geoms[idx], geo_area[idx]
    zones = price_zones[~(price_zones.geometry.isna() | price_zones.geometry.is_empty)]
    zg = gpd.GeoSeries(zones.geometry.values, crs=zones.crs)
    zg = project(zg, target, name="price_zones")
    zarr = np.asarray(zg.values, dtype=object)
    bad = ~shapely.is_valid(zarr)
    if bad.any():
        zarr = zarr.copy()
        zarr[bad] = _overlay.polygonal(shapely.make_valid(zarr[bad]))
    tree = shapely.STRtree(g)
    pi, zi, pa = _overlay.pair_areas(tree, g, a, zarr)
    covered = np.bincount(pi, weights=pa, minlength=len(idx))
    rates = {}
    zones_missing: dict[str, list] = {}
    touched_missing = np.zeros(len(idx), dtype=bool)
    for c in comps:
        zval = pd.to_numeric(zones[c]).to_numpy(dtype=float, na_value=np.nan)
        # pairs that only touch (area 0) must not spread a missing rate: 0 * NaN is NaN
        num = np.bincount(pi, weights=np.where(pa > 0, pa * zval[zi], 0.0), minlength=len(idx))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(covered > 0, num / covered, np.nan)
        nan_zone = np.isnan(zval)
        if nan_zone.any():
            zones_missing[c] = list(zones.index[nan_zone])
            hit = (pa > 0) & nan_zone[zi]
            touched_missing |= np.bincount(pi[hit], minlength=len(idx)) > 0
        full = np.full(n, np.nan)
        full[idx] = r
        rates[c] = full
    share = np.zeros(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share[idx] = np.where(a > 0, np.minimum(covered / a, 1.0), 0.0)

    area_pay = geo_area.copy()
    source = np.full(n, "geometry", dtype=object)
    if use_official:
        has = ~np.isnan(off_all)
        area_pay[has] = off_all[has]
        source[has] = area_col
    out = parcels.copy()
    out["area_m2"] = area_pay
    out["area_source"] = pd.Series(source, index=out.index, dtype=object)
    out["area_mu"] = m2_to_mu(area_pay)
    out["zone_share"] = share
    total = np.zeros(n)
    for c in comps:
        out[c] = rates[c]
        yuan = out["area_mu"].to_numpy() * rates[c]
        out[f"{_stem(c)}_yuan"] = yuan
        total = total + yuan
    out["compensation_yuan"] = total
    none = usable & (share == 0)
    if none.any():
        warnings.warn(
            f"estimate_compensation: {int(none.sum())} parcels lie outside every price zone (rows "
            f"{list(parcels.index[none][:5])}); their compensation is NaN. Extend `price_zones` to cover them.",
            UrbangeoWarning,
            stacklevel=2,
        )
    missing_parcels = list(parcels.index[idx[touched_missing]])
    if missing_parcels:
        parts = [f"{len(labs)} price zones have no {c!r} (rows {_show(labs)})" for c, labs in zones_missing.items()]
        warnings.warn(
            f"estimate_compensation: {'; '.join(parts)}. The {len(missing_parcels)} parcels that overlap them "
            f"(rows {_show(missing_parcels)}) get NaN for that rate, its _yuan column and compensation_yuan, never "
            f"a rate from their priced part only (listed in attrs['compensation']['parcels_missing_price']). Fill "
            f"the missing rates, or drop those zones first: price_zones.dropna(subset={list(zones_missing)!r}).",
            MissingValuesWarning,
            stacklevel=2,
        )
    out.attrs = {
        **parcels.attrs,
        "compensation": {
            "components": comps,
            "metric_crs": target.to_string(),
            "zones_missing_values": zones_missing,
            "parcels_missing_price": missing_parcels,
        },
    }
    return out


def _compensation_dask(parcels: Any, price_zones: gpd.GeoDataFrame, *, components: list[str], **kw: Any) -> Any:
    """:func:`estimate_compensation` of a dask frame: row-wise, on every partition where it lives."""
    check_same_crs(parcels=parcels, price_zones=price_zones)
    extra = {"area_m2": "float64", "area_source": "object", "area_mu": "float64", "zone_share": "float64"}
    for c in components:
        extra[c] = "float64"
        extra[f"{_stem(c)}_yuan"] = "float64"
    extra["compensation_yuan"] = "float64"
    return _dispatch.map_partitions(
        parcels, lambda df: estimate_compensation(df, price_zones, components=components, **kw), extra
    )


def compensation_by_village(
    compensated: pd.DataFrame, *, village_col: str = "ZLDWDM", digits: int = 12
) -> pd.DataFrame:
    """Sum compensation per village (first ``digits`` characters of ``village_col``).

    Parameters
    ----------
    compensated : DataFrame
        Output of :func:`estimate_compensation`.
    village_col : str, default "ZLDWDM"
        Located-in unit code; its first 12 digits are the village (administrative
        village); the rest is the villager group.
    digits : int, default 12

    Returns
    -------
    pandas.DataFrame
        Index ``village`` (the code prefix); columns ``n_parcels``, ``area_m2``,
        ``area_mu`` and every ``*_yuan`` column, summed.

    Raises
    ------
    EmptyDataError
        ``compensated`` has no rows.
    MissingColumnError, InvalidOptionError
        A needed column is absent; ``digits`` is not a positive integer.

    Warns
    -----
    UrbangeoWarning
        Rows without ``village_col`` are summed under village ``'<missing>'``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ZLDWDM": ["4406040010010000001", "4406040010010000002", "4406040010020000001"],
    ...     "area_m2": [1000.0, 2000.0, 500.0], "area_mu": [1.5, 3.0, 0.75], "compensation_yuan": [1.0, 2.0, 3.0]})
    >>> compensation_by_village(df)
                  n_parcels  area_m2  area_mu  compensation_yuan
    village
    440604001001          2   3000.0     4.50                3.0
    440604001002          1    500.0     0.75                3.0
    """
    check_columns(compensated, "compensated", [village_col, "area_m2", "area_mu", "compensation_yuan"])
    if len(compensated) == 0:
        raise EmptyDataError(
            "`compensated` has no rows, so there is no village to sum (an empty table would read as 'no "
            "compensation due'). Pass the result of estimate_compensation on a non-empty parcel layer."
        )
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise InvalidOptionError(f"`digits` must be a positive integer; got {digits!r}.")
    codes = compensated[village_col].astype(object)
    missing = codes.isna()
    village = codes.where(missing, codes.astype(str).str.strip().str[:digits])
    if missing.any():
        warnings.warn(
            f"compensation_by_village: {int(missing.sum())} rows have no {village_col}; they are summed under "
            f"village '<missing>'.",
            UrbangeoWarning,
            stacklevel=2,
        )
        village = village.where(~missing, "<missing>")
    cols = ["area_m2", "area_mu"] + [c for c in compensated.columns if str(c).endswith("_yuan") and c != "compensation_yuan"]
    cols.append("compensation_yuan")
    frame = pd.DataFrame({"village": village.to_numpy(), "n_parcels": 1})
    for c in cols:
        frame[c] = pd.to_numeric(compensated[c]).to_numpy()
    out = frame.groupby("village", sort=True).sum(min_count=1)
    return out
