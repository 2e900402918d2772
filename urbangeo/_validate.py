"""Validation helpers called at the door of every public function.

They raise urbangeo's errors with messages that name the argument, the problem and
the fix, and they never modify their input: helpers that clean data return a new
frame plus a :class:`Report` of what they changed or excluded.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj import CRS

from .errors import (
    ColumnTypeError,
    CRSError,
    DroppedRowsWarning,
    EmptyDataError,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidGeometryError,
    InvalidOptionError,
    MissingColumnError,
)

log = logging.getLogger(__name__)

OnInvalid = Literal["raise", "fix", "drop", "warn"]

#: Geometry families accepted by ``check_geometry_types``.
GEOMETRY_FAMILIES: dict[str, frozenset[str]] = {
    "point": frozenset({"Point", "MultiPoint"}),
    "line": frozenset({"LineString", "MultiLineString", "LinearRing"}),
    "polygon": frozenset({"Polygon", "MultiPolygon"}),
}

#: Column kinds accepted by ``check_columns``.
COLUMN_KINDS = ("any", "numeric", "integer", "string", "bool")

_SHOW = 5  # how many offending row labels a message lists


@dataclass
class Report:
    """What a cleaning step changed: row labels fixed or excluded, with reasons."""

    fixed: list = field(default_factory=list)
    excluded: dict[str, list] = field(default_factory=dict)

    def exclude(self, reason: str, labels: Iterable) -> None:
        labels = list(labels)
        if labels:
            self.excluded.setdefault(reason, []).extend(labels)

    @property
    def n_excluded(self) -> int:
        return sum(len(v) for v in self.excluded.values())

    def summary(self) -> str:
        parts = []
        if self.fixed:
            parts.append(f"{len(self.fixed)} geometries repaired with make_valid")
        for reason, labels in self.excluded.items():
            parts.append(f"{len(labels)} rows excluded ({reason})")
        return "; ".join(parts) if parts else "nothing changed"


def _labels(index: pd.Index, mask: np.ndarray) -> list:
    return list(index[np.asarray(mask, dtype=bool)])


def _show(labels: Sequence) -> str:
    head = ", ".join(repr(x) for x in labels[:_SHOW])
    return head + (f" and {len(labels) - _SHOW} more" if len(labels) > _SHOW else "")


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise listing the valid ones.

    >>> check_choice("walk", "mode", ("walk", "bike", "drive"))
    'walk'
    """
    choices = tuple(choices)
    if value not in choices:
        raise InvalidOptionError(
            f"`{name}` must be one of {', '.join(repr(c) for c in choices)}; got {value!r}."
        )
    return value


def check_number(
    value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None, strict: bool = False
) -> float:
    """Return ``value`` as float if it is a finite number in range, else raise.

    >>> check_number(5, "minutes", minimum=0, strict=True)
    5.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidOptionError(f"`{name}` must be a number; got {value!r} ({type(value).__name__}).")
    v = float(value)
    if not np.isfinite(v):
        raise InvalidOptionError(f"`{name}` must be finite; got {value!r}.")
    if minimum is not None and (v <= minimum if strict else v < minimum):
        raise InvalidOptionError(f"`{name}` must be {'>' if strict else '>='} {minimum}; got {value!r}.")
    if maximum is not None and v > maximum:
        raise InvalidOptionError(f"`{name}` must be <= {maximum}; got {value!r}.")
    return v


def check_geodataframe(obj: Any, name: str, *, allow_empty: bool = False) -> gpd.GeoDataFrame:
    """Raise unless ``obj`` is a GeoDataFrame (with rows, unless ``allow_empty``)."""
    if isinstance(obj, gpd.GeoSeries):
        raise TypeError(
            f"`{name}` must be a GeoDataFrame, got a GeoSeries; use {name}.to_frame() "
            f"or geopandas.GeoDataFrame(geometry={name})."
        )
    if not isinstance(obj, gpd.GeoDataFrame):
        hint = (
            " Build one with geopandas.GeoDataFrame(df, geometry=geopandas.points_from_xy(df.x, df.y), crs=...)."
            if isinstance(obj, pd.DataFrame)
            else ""
        )
        raise TypeError(f"`{name}` must be a geopandas GeoDataFrame, got {type(obj).__name__}.{hint}")
    if not allow_empty and len(obj) == 0:
        raise EmptyDataError(f"`{name}` has no rows; pass a GeoDataFrame with at least one feature.")
    return obj


def check_columns(gdf: pd.DataFrame, name: str, columns: Mapping[str, str] | Iterable[str]) -> None:
    """Check that required columns exist and hold the expected kind of values.

    ``columns`` is a list of names, or a mapping name -> kind with kind one of
    ``"any"``, ``"numeric"``, ``"integer"``, ``"string"``, ``"bool"``.
    """
    spec = dict(columns) if isinstance(columns, Mapping) else {c: "any" for c in columns}
    missing = [c for c in spec if c not in gdf.columns]
    if missing:
        available = [str(c) for c in gdf.columns if c != getattr(gdf, "_geometry_column_name", None)]
        raise MissingColumnError(
            f"`{name}` has no column {', '.join(repr(c) for c in missing)}. "
            f"Available columns: {', '.join(available) or '(none)'}. Rename the column or pass the "
            f"right name to the function's column argument."
        )
    for col, kind in spec.items():
        if kind not in COLUMN_KINDS:
            raise ValueError(f"unknown column kind {kind!r}; use one of {COLUMN_KINDS}")
        s = gdf[col]
        ok = {
            "any": True,
            "numeric": pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
            "integer": pd.api.types.is_integer_dtype(s),
            "string": pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
            "bool": pd.api.types.is_bool_dtype(s),
        }[kind]
        if not ok:
            fix = {
                "numeric": f"convert it, e.g. {name}['{col}'] = pandas.to_numeric({name}['{col}'])",
                "integer": f"convert it, e.g. {name}['{col}'] = {name}['{col}'].astype('Int64')",
                "string": f"convert it, e.g. {name}['{col}'] = {name}['{col}'].astype(str)",
                "bool": f"convert it, e.g. {name}['{col}'] = {name}['{col}'].astype(bool)",
            }[kind]
            raise ColumnTypeError(
                f"column '{col}' of `{name}` must be {kind}, but has dtype {s.dtype}; {fix}."
            )


def check_geometry_types(gdf: gpd.GeoDataFrame, name: str, allowed: Iterable[str]) -> None:
    """Raise :class:`GeometryTypeError` if a non-missing geometry is not of an allowed family.

    ``allowed`` holds families ``"point"``, ``"line"``, ``"polygon"`` or exact type names.
    Missing and empty geometries are not checked here (see :func:`check_geometries`).
    """
    allowed_types: set[str] = set()
    for a in allowed:
        allowed_types |= GEOMETRY_FAMILIES.get(a, {a})
    geoms = gdf.geometry
    present = ~(geoms.isna() | geoms.is_empty)
    types = geoms[present].geom_type
    bad = types[~types.isin(allowed_types)]
    if len(bad):
        found = ", ".join(sorted(bad.unique()))
        fix = (
            f"use {name}.representative_point() for polygons, or explode multi-part geometries"
            if "Point" in allowed_types
            else f"keep only {'/'.join(sorted(allowed_types))} rows"
        )
        raise GeometryTypeError(
            f"`{name}` must hold {'/'.join(sorted(allowed_types))} geometries, but rows "
            f"{_show(list(bad.index))} are {found}; {fix}."
        )


def check_geometries(
    gdf: gpd.GeoDataFrame,
    name: str,
    *,
    on_invalid: OnInvalid = "raise",
    drop_missing: bool = True,
) -> tuple[gpd.GeoDataFrame, Report]:
    """Apply the invalid-geometry policy and exclude missing/empty geometries.

    Returns a new frame (the input is never modified) and a :class:`Report`.

    ``on_invalid``:
      * ``"raise"``: raise :class:`InvalidGeometryError` listing the rows and reasons;
      * ``"fix"``: repair with ``shapely.make_valid`` (a :class:`GeometryFixedWarning`
        says how many), keeping the geometry family (collections are reduced to the
        polygonal/lineal/puntal part of the original type);
      * ``"drop"``: exclude invalid rows (counted, :class:`DroppedRowsWarning`);
      * ``"warn"``: keep them as they are, with a warning.

    Missing (None) and empty geometries are excluded when ``drop_missing`` and counted
    in the report with a :class:`DroppedRowsWarning`; nothing disappears silently.
    """
    check_choice(on_invalid, "on_invalid", ("raise", "fix", "drop", "warn"))
    report = Report()
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~missing & ~shapely.is_valid(geoms)
    out = gdf
    if invalid.any():
        labels = _labels(gdf.index, invalid)
        if on_invalid == "raise":
            reasons = shapely.is_valid_reason(geoms[invalid])
            detail = "; ".join(f"row {lab!r}: {r}" for lab, r in list(zip(labels, reasons))[:_SHOW])
            raise InvalidGeometryError(
                f"`{name}` has {len(labels)} invalid geometries ({detail}"
                f"{' ...' if len(labels) > _SHOW else ''}). Pass on_invalid='fix' to repair them "
                f"with make_valid, 'drop' to exclude them (they are reported), or repair them "
                f"yourself with {name}.make_valid()."
            )
        if on_invalid == "fix":
            fixed = shapely.make_valid(geoms[invalid])
            fixed = _keep_family(fixed, geoms[invalid])
            new = geoms.copy()
            new[invalid] = fixed
            out = gdf.copy()
            out[out.geometry.name] = gpd.GeoSeries(new, index=gdf.index, crs=gdf.crs)
            report.fixed.extend(labels)
            warnings.warn(
                f"`{name}`: repaired {len(labels)} invalid geometries with make_valid (rows {_show(labels)}).",
                GeometryFixedWarning,
                stacklevel=3,
            )
        elif on_invalid == "drop":
            report.exclude("invalid geometry", labels)
        else:
            warnings.warn(
                f"`{name}` has {len(labels)} invalid geometries (rows {_show(labels)}); results "
                f"involving them may be wrong. Use on_invalid='fix' to repair them.",
                GeometryFixedWarning,
                stacklevel=3,
            )
    if drop_missing and missing.any():
        report.exclude("missing or empty geometry", _labels(gdf.index, missing))
    if report.n_excluded:
        keep = ~gdf.index.isin([lab for labs in report.excluded.values() for lab in labs])
        out = out.loc[keep].copy()
        warnings.warn(
            f"`{name}`: {report.summary()}; {int(keep.sum())} of {len(gdf)} rows used.",
            DroppedRowsWarning,
            stacklevel=3,
        )
        log.info("%s: %s", name, report.summary())
    if len(out) == 0:
        raise EmptyDataError(
            f"`{name}` has no usable geometry left ({report.summary()}); check the input layer."
        )
    return out, report


def _keep_family(fixed: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Reduce GeometryCollections from make_valid to the family of the original geometry."""
    out = fixed.copy()
    dims = shapely.get_dimensions(original)
    for i, (g, d) in enumerate(zip(fixed, dims)):
        if shapely.get_type_id(g) == 7:  # GeometryCollection
            parts = [p for p in shapely.get_parts(g) if shapely.get_dimensions(p) == d]
            out[i] = shapely.union_all(parts) if parts else shapely.from_wkt("GEOMETRYCOLLECTION EMPTY")
    return out


_CRS_FIX = (
    "pass an EPSG code such as 'EPSG:4547' (CGCS2000 / 3-degree Gauss-Krueger CM 114E), 'EPSG:4490' "
    "(CGCS2000 longitude/latitude) or 'EPSG:4326' (WGS-84), a WKT string or a pyproj.CRS; look codes up "
    "with pyproj.database.query_crs_info() or https://epsg.io"
)


def get_crs(obj: Any, name: str) -> CRS:
    """Return the CRS of ``obj`` or raise :class:`CRSError` naming the argument.

    Parameters
    ----------
    obj : GeoDataFrame, GeoSeries, object with a ``.crs`` attribute, or CRS-like
        The input whose CRS is wanted; anything :meth:`pyproj.CRS.from_user_input` reads
        (a ``pyproj.CRS``, ``"EPSG:4547"``, ``4547``, WKT) is taken as the CRS itself.
    name : str
        The argument's name in the caller, used in the error message.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        ``obj`` has no CRS, or one that PROJ cannot read; the message names ``name``
        and shows how to set it.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> get_crs(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326), "points").to_epsg()
    4326
    """
    crs = getattr(obj, "crs", obj)
    if crs is None:
        raise CRSError(
            f"`{name}` has no CRS. Set it before calling, e.g. {name}.set_crs('EPSG:4326') "
            f"if the coordinates are WGS-84 longitude/latitude, or {name}.set_crs('EPSG:4490') "
            f"for CGCS2000; if they come from AMap/Baidu, convert them first with "
            f"urbangeo.crs.gcj02_to_wgs84 / bd09_to_wgs84."
        )
    try:
        return CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as exc:
        raise CRSError(
            f"`{name}` has a CRS PROJ cannot read ({crs!r}): {exc}. Set a valid one, e.g. "
            f"{name} = {name}.set_crs('EPSG:4326', allow_override=True) if the coordinates are WGS-84 "
            f"longitude/latitude; {_CRS_FIX}."
        ) from exc


def validate_frame(
    gdf: Any,
    name: str,
    *,
    geometry_types: Iterable[str] | None = None,
    columns: Mapping[str, str] | Iterable[str] | None = None,
    on_invalid: OnInvalid = "raise",
    require_crs: bool = True,
) -> tuple[gpd.GeoDataFrame, Report]:
    """All the door checks in one call: type, rows, CRS, columns, geometry types, validity.

    Returns ``(clean_copy_or_same_frame, report)``; the input is never modified.
    """
    check_geodataframe(gdf, name)
    if require_crs:
        get_crs(gdf, name)
    if columns:
        check_columns(gdf, name, columns)
    if geometry_types:
        check_geometry_types(gdf, name, geometry_types)
    return check_geometries(gdf, name, on_invalid=on_invalid)
