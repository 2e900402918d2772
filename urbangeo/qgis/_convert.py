"""QGIS vector layers <-> GeoDataFrames through WKB, keeping fields, types and CRS.

Field types (pandas -> QGIS -> pandas)::

    bool / boolean                -> Bool        -> bool (boolean when NULLs)
    int8, int16, int32, uint8/16  -> Int         -> int32 (Int32 when NULLs)
    int64, uint32 (and nullable)  -> LongLong    -> int64 (Int64 when NULLs)
    float16/32/64                 -> Double      -> float64 (NULL -> NaN)
    datetime64 (naive or tz)      -> DateTime    -> datetime64[ns] (tz: stored as UTC)
    object of datetime.date       -> Date        -> object of datetime.date
    object of datetime.time       -> Time        -> object of datetime.time
    object of lists of str        -> StringList  -> object of lists of str
    str, object, category, other  -> String      -> object of str (dict -> JSON text)

Geometry types: a layer holds one geometry type, so Point + MultiPoint becomes a
MultiPoint layer (likewise lines and polygons), Z is kept, and a frame mixing
points, lines and polygons is refused. Missing and empty geometries become NULL
geometries (and come back as None). QGIS M values and curved geometries, which
shapely 2.0 cannot hold, are dropped / segmentized with an :class:`UrbangeoWarning`.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsMemoryProviderUtils,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QByteArray, QDate, QDateTime, Qt, QTime, QVariant

from ..errors import GeometryTypeError, InvalidOptionError, UrbangeoWarning

log = logging.getLogger(__name__)

__all__ = ["layer_to_gdf", "gdf_to_layer", "FIELD_TYPES", "frame_fields", "frame_wkb_type", "qgis_crs", "frame_features"]

#: Which QGIS field type each kind of pandas column becomes (see the module docstring).
FIELD_TYPES: dict[str, str] = {
    "bool": "Bool",
    "int8/int16/int32/uint8/uint16": "Int",
    "int64/uint32/uint64": "LongLong",
    "float": "Double",
    "datetime64": "DateTime",
    "date objects": "Date",
    "time objects": "Time",
    "lists of str": "StringList",
    "str/object/category": "String",
}

_FAMILY = {
    "Point": "Point",
    "MultiPoint": "Point",
    "LineString": "LineString",
    "LinearRing": "LineString",
    "MultiLineString": "LineString",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
    "GeometryCollection": "GeometryCollection",
}


# --------------------------------------------------------------------------------------
# CRS
# --------------------------------------------------------------------------------------
def qgis_crs(crs: Any) -> QgsCoordinateReferenceSystem:
    """Return the QGIS CRS of a pyproj CRS (or anything pyproj accepts); invalid if None."""
    if crs is None:
        return QgsCoordinateReferenceSystem()
    crs = CRS.from_user_input(crs)
    auth = crs.to_authority(min_confidence=100)
    if auth is not None:
        q = QgsCoordinateReferenceSystem(f"{auth[0]}:{auth[1]}")
        if q.isValid():
            return q
    q = QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())
    if not q.isValid():  # pragma: no cover - QGIS and pyproj share PROJ; should not happen
        raise InvalidOptionError(f"QGIS cannot read the CRS {crs.name!r}; reproject the frame with .to_crs(EPSG code) first.")
    return q


def _pyproj_crs(q: QgsCoordinateReferenceSystem) -> CRS | None:
    if not q.isValid():
        return None
    authid = q.authid()
    if authid and not authid.upper().startswith("USER:"):
        try:
            return CRS.from_user_input(authid)
        except Exception:  # pyproj cannot read it: fall back on the WKT below
            log.debug("pyproj cannot read %s; using the WKT", authid)
    return CRS.from_wkt(q.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED))


# --------------------------------------------------------------------------------------
# layer -> GeoDataFrame
# --------------------------------------------------------------------------------------
def _is_null(v: Any) -> bool:
    return v is None or (isinstance(v, QVariant) and v.isNull())


def _py(v: Any) -> Any:
    """A Python value for one QGIS attribute value (NULL -> None)."""
    if _is_null(v):
        return None
    if isinstance(v, QDateTime):
        return v.toPyDateTime() if v.isValid() else None
    if isinstance(v, QDate):
        return v.toPyDate() if v.isValid() else None
    if isinstance(v, QTime):
        return v.toPyTime() if v.isValid() else None
    if isinstance(v, QByteArray):
        return bytes(v)
    if isinstance(v, QVariant):  # pragma: no cover - sip API v2 unwraps values
        return v.value()
    return v


def _column(values: list, field: QgsField) -> pd.Series:
    t = field.type()
    has_null = any(v is None for v in values)
    if t in (QVariant.Int, QVariant.LongLong, QVariant.UInt, QVariant.ULongLong):
        bits = {QVariant.Int: "int32", QVariant.UInt: "uint32", QVariant.LongLong: "int64", QVariant.ULongLong: "uint64"}[t]
        if has_null:
            return pd.Series(pd.array(values, dtype=bits.capitalize().replace("Uint", "UInt")))
        return pd.Series(np.asarray(values, dtype=bits))
    if t == QVariant.Double:
        return pd.Series(np.asarray([np.nan if v is None else v for v in values], dtype="float64"))
    if t == QVariant.Bool:
        return pd.Series(pd.array(values, dtype="boolean")) if has_null else pd.Series(np.asarray(values, dtype=bool))
    if t == QVariant.DateTime:
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]"))
    if t == QVariant.String:
        return pd.Series(values) if values and not all(v is None for v in values) else pd.Series(values, dtype=object)
    return pd.Series(values, dtype=object)  # Date, Time, StringList, Map, ByteArray: Python objects


def layer_to_gdf(layer: Any) -> gpd.GeoDataFrame:
    """Read a QGIS vector layer (or any QgsFeatureSource) into a GeoDataFrame.

    Parameters
    ----------
    layer : QgsVectorLayer or QgsFeatureSource
        E.g. ``iface.activeLayer()``, ``QgsVectorLayer("parcels.gpkg", "parcels")`` or a
        Processing algorithm's source. Every feature is read (use a Processing
        source for "selected features only").

    Returns
    -------
    GeoDataFrame
        One row per feature, in feature order, indexed by the feature ids (QGIS's
        ``$id``; unnamed, so :func:`gdf_to_layer` does not write it back); one column per
        field with the types in :data:`FIELD_TYPES`; a ``geometry`` column of shapely
        geometries (None for NULL or empty geometries) and the layer's CRS (None
        when the layer has none). A table without geometry gives a frame whose
        geometry is all None.

    Raises
    ------
    TypeError
        If ``layer`` is not a vector layer or feature source (e.g. a raster layer).

    Examples
    --------
    In the QGIS Python console:

    >>> from urbangeo.qgis import layer_to_gdf  # doctest: +SKIP
    >>> gdf = layer_to_gdf(iface.activeLayer())  # doctest: +SKIP
    """
    if not (hasattr(layer, "getFeatures") and hasattr(layer, "fields") and hasattr(layer, "sourceCrs")):
        raise TypeError(
            f"`layer` must be a QGIS vector layer or feature source; got {type(layer).__name__}. "
            "For a raster use urbangeo.io.read_raster(layer.source())."
        )
    fields = layer.fields()
    names = [fields.at(i).name() for i in range(fields.count())]
    rows: list[list] = []
    fids: list[int] = []
    wkbs: list[bytes | None] = []
    n_m = n_curved = 0
    for feat in layer.getFeatures():
        rows.append([_py(v) for v in feat.attributes()])
        fids.append(feat.id())
        g = feat.geometry()
        if g is None or g.isNull() or g.isEmpty():
            wkbs.append(None)
            continue
        t = g.wkbType()
        if QgsWkbTypes.isCurvedType(t):
            g = QgsGeometry(g.constGet().segmentize())
            n_curved += 1
            t = g.wkbType()
        if QgsWkbTypes.hasM(t):
            g = QgsGeometry(g.constGet().clone())
            g.get().dropMValue()
            n_m += 1
        wkbs.append(bytes(g.asWkb()))
    if n_m:
        warnings.warn(f"layer_to_gdf: dropped the M values of {n_m} geometries (shapely keeps only X, Y, Z).", UrbangeoWarning, stacklevel=2)
    if n_curved:
        warnings.warn(
            f"layer_to_gdf: segmentized {n_curved} curved geometries into straight segments (shapely has no curves).",
            UrbangeoWarning,
            stacklevel=2,
        )
    index = pd.Index(np.asarray(fids, dtype=np.int64))
    data = {name: _column([r[i] for r in rows], fields.at(i)).set_axis(index) for i, name in enumerate(names)}
    df = pd.DataFrame(data, index=index)
    geoms = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else np.array([], dtype=object)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index), crs=_pyproj_crs(layer.sourceCrs()))
    log.debug("layer_to_gdf: %d features, %d fields", len(gdf), len(names))
    return gdf


# --------------------------------------------------------------------------------------
# GeoDataFrame -> layer
# --------------------------------------------------------------------------------------
def _kind_of_objects(values: pd.Series) -> str:
    present = [v for v in values if not _missing(v)]
    if not present:
        return "String"
    if all(isinstance(v, bool | np.bool_) for v in present):
        return "Bool"
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in present):
        return "LongLong"
    if all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_) for v in present):
        return "Double"
    if all(isinstance(v, _dt.datetime | pd.Timestamp) for v in present):
        return "DateTime"
    if all(isinstance(v, _dt.date) and not isinstance(v, _dt.datetime) for v in present):
        return "Date"
    if all(isinstance(v, _dt.time) for v in present):
        return "Time"
    if all(isinstance(v, list | tuple) and all(isinstance(x, str) for x in v) for v in present):
        return "StringList"
    return "String"


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    return False


def _field_kind(col: pd.Series) -> str:
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _kind_of_objects(col.astype(object))
    if pd.api.types.is_bool_dtype(dtype):
        return "Bool"
    if pd.api.types.is_integer_dtype(dtype):
        np_dtype = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        return "Int" if np_dtype.itemsize <= 2 or np_dtype == np.int32 else "LongLong"
    if pd.api.types.is_float_dtype(dtype):
        return "Double"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "DateTime"
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return "String"
    return _kind_of_objects(col)


_QTYPE = {
    "Bool": (QVariant.Bool, "boolean"),
    "Int": (QVariant.Int, "integer"),
    "LongLong": (QVariant.LongLong, "int8"),
    "Double": (QVariant.Double, "double"),
    "DateTime": (QVariant.DateTime, "datetime"),
    "Date": (QVariant.Date, "date"),
    "Time": (QVariant.Time, "time"),
    "String": (QVariant.String, "string"),
}


def _qfield(name: str, kind: str) -> QgsField:
    if kind == "StringList":
        return QgsField(name, QVariant.StringList, "stringlist", 0, 0, "", QVariant.String)
    qtype, type_name = _QTYPE[kind]
    return QgsField(name, qtype, type_name)


def _attribute_frame(gdf: pd.DataFrame, index: bool | None) -> pd.DataFrame:
    """The attribute columns to write (geometry removed, index added when asked)."""
    geom_name = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns else None
    df = pd.DataFrame(gdf.drop(columns=[geom_name]) if geom_name else gdf)
    if index is None:
        idx = df.index
        index = isinstance(idx, pd.MultiIndex) or any(n is not None for n in idx.names) or not pd.api.types.is_integer_dtype(idx.dtype)
    if index:
        df = df.reset_index()
    names = [str(c) for c in df.columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidOptionError(f"`gdf` has duplicate column names {dupes} (after conversion to text); QGIS fields must be unique. Rename them first.")
    df.columns = names
    return df


def frame_fields(gdf: pd.DataFrame, *, index: bool | None = None) -> tuple[QgsFields, list[str]]:
    """The QgsFields of a frame's attribute columns and the kind of each (see :data:`FIELD_TYPES`)."""
    df = _attribute_frame(gdf, index)
    fields = QgsFields()
    kinds = []
    for name in df.columns:
        kind = _field_kind(df[name])
        kinds.append(kind)
        fields.append(_qfield(name, kind))
    return fields, kinds


def frame_wkb_type(gdf: pd.DataFrame) -> int:
    """The QGIS WKB type a layer needs to hold all of a frame's geometries."""
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf._geometry_column_name not in gdf.columns:
        return QgsWkbTypes.NoGeometry
    geoms = gdf.geometry.values
    present = ~(shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms)))
    if not present.any():
        return QgsWkbTypes.NoGeometry
    types = set(shapely.get_type_id(np.asarray(geoms)[present]).tolist())
    names = {shapely.GeometryType(t).name for t in types}
    pretty = {"POINT": "Point", "MULTIPOINT": "MultiPoint", "LINESTRING": "LineString", "LINEARRING": "LinearRing",
              "MULTILINESTRING": "MultiLineString", "POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon",
              "GEOMETRYCOLLECTION": "GeometryCollection"}  # fmt: skip
    names = {pretty[n] for n in names}
    families = {_FAMILY[n] for n in names}
    if len(families) > 1:
        raise GeometryTypeError(
            f"`gdf` mixes geometry types {sorted(names)}, but a QGIS layer holds one geometry type. "
            "Split it first, e.g. one layer per family: gdf[gdf.geom_type.isin(['Polygon', 'MultiPolygon'])]."
        )
    family = families.pop()
    multi = family != "GeometryCollection" and any(n.startswith("Multi") for n in names)
    base = ("Multi" + family) if multi else family
    if shapely.has_z(np.asarray(geoms)[present]).any():
        base += "Z"
    return QgsWkbTypes.parseType(base)


def _qvalue(v: Any, kind: str) -> Any:
    if _missing(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if kind == "DateTime":
        ts = pd.Timestamp(v)
        if ts.tzinfo is not None:
            return QDateTime(ts.tz_convert("UTC").tz_localize(None).to_pydatetime(), Qt.UTC)
        return QDateTime(ts.to_pydatetime())
    if kind == "Date":
        return QDate(v.year, v.month, v.day)
    if kind == "Time":
        return QTime(v.hour, v.minute, v.second, v.microsecond // 1000)
    if kind == "StringList":
        return list(v)
    if kind == "Bool":
        return bool(v)
    if kind in ("Int", "LongLong"):
        return int(v)
    if kind == "Double":
        return float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict | list | tuple):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def frame_features(gdf: pd.DataFrame, fields: QgsFields, kinds: list[str], wkb_type: int, *, index: bool | None = None) -> Iterator[QgsFeature]:
    """Yield one QgsFeature per row of ``gdf``, shaped for a layer of ``fields`` and ``wkb_type``."""
    df = _attribute_frame(gdf, index)
    columns = [[_qvalue(v, kind) for v in df[name].tolist()] for name, kind in zip(df.columns, kinds)]
    spatial = wkb_type != QgsWkbTypes.NoGeometry
    if spatial:
        geoms = np.asarray(gdf.geometry.values)
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        wkbs = np.full(len(geoms), None, dtype=object)
        if keep.any():
            wkbs[keep] = shapely.to_wkb(geoms[keep], output_dimension=3 if QgsWkbTypes.hasZ(wkb_type) else 2)
        multi = QgsWkbTypes.isMultiType(wkb_type)
        z = QgsWkbTypes.hasZ(wkb_type)
    for i in range(len(df)):
        feat = QgsFeature(fields)
        feat.setAttributes([col[i] for col in columns])
        if spatial and wkbs[i] is not None:
            g = QgsGeometry()
            g.fromWkb(wkbs[i])
            if multi and not g.isMultipart():
                g.convertToMultiType()
            if z and not QgsWkbTypes.hasZ(g.wkbType()):
                g.get().addZValue(float("nan"))
            feat.setGeometry(g)
        yield feat


def gdf_to_layer(gdf: pd.DataFrame, *, name: str = "urbangeo", index: bool | None = None) -> QgsVectorLayer:
    """Turn a GeoDataFrame into a QGIS memory layer, keeping fields, types, CRS and geometry type.

    Parameters
    ----------
    gdf : GeoDataFrame or DataFrame
        The frame to convert (not modified). A DataFrame without geometry gives a
        table layer (no geometry).
    name : str, default "urbangeo"
        Layer name shown in the QGIS layer panel.
    index : bool or None, default None
        Write the index as field(s): None does so when it is named, a MultiIndex,
        or not integer (as geopandas' ``to_file`` does).

    Returns
    -------
    QgsVectorLayer
        A valid memory layer with one feature per row in row order, the frame's CRS,
        and the geometry type of its geometries (see the module notes: single and
        multi parts of one family share a multi layer, Z is kept).

    Raises
    ------
    GeometryTypeError
        If the frame mixes points, lines and polygons.
    InvalidOptionError
        If two columns have the same name.

    Examples
    --------
    In the QGIS Python console:

    >>> from urbangeo.qgis import gdf_to_layer  # doctest: +SKIP
    >>> QgsProject.instance().addMapLayer(gdf_to_layer(result, name="walk times"))  # doctest: +SKIP
    """
    if not isinstance(gdf, pd.DataFrame):
        raise TypeError(f"`gdf` must be a GeoDataFrame or DataFrame; got {type(gdf).__name__}.")
    if not isinstance(name, str) or not name:
        raise InvalidOptionError(f"`name` must be a non-empty layer name; got {name!r}.")
    fields, kinds = frame_fields(gdf, index=index)
    wkb_type = frame_wkb_type(gdf)
    crs = qgis_crs(gdf.crs) if isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns else QgsCoordinateReferenceSystem()
    layer = QgsMemoryProviderUtils.createMemoryLayer(name, fields, wkb_type, crs)
    if not crs.isValid():
        layer.setCrs(crs)  # QGIS would otherwise default to EPSG:4326
    if not layer.isValid():  # pragma: no cover - memory layers are always valid
        raise RuntimeError("QGIS could not create a memory layer")
    ok, _ = layer.dataProvider().addFeatures(list(frame_features(gdf, fields, kinds, wkb_type, index=index)))
    if not ok:
        errors = layer.dataProvider().errors()
        raise RuntimeError(f"QGIS refused the features of {name!r}: {errors[-3:]}")
    layer.updateExtents()
    return layer
