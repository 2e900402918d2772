"""Reading and writing vector layers and rasters without losing anything.

Vector I/O goes through pyogrio (GDAL) for GeoPackage (the default), GeoJSON,
Shapefile and FlatGeobuf, and through pyarrow for GeoParquet; the format follows the
file extension or ``driver=``.

What survives a round trip:

* GeoPackage and GeoParquet: geometry, CRS, every dtype (nullable integers and
  booleans, categoricals, strings), None values, the index and the geometry column
  name. For GeoPackage urbangeo stores the pandas dtypes in the layer's metadata and
  restores them on :func:`read`; many layers live in one file (``layer=``).
* GeoJSON, FlatGeobuf: geometry, CRS, values, text and row order; nullable integer
  columns come back as floats because these formats keep no dtype metadata.
* Shapefile: as GeoJSON, but field names longer than 10 characters are refused (the
  format would truncate them), text is written as UTF-8 with a ``.cpg`` file, and a
  frame mixing points, lines and polygons is refused (one geometry type per file).

Rasters go through rasterio: :func:`read_raster` returns a :class:`~urbangeo.raster.Raster`
(the one raster of urbangeo); :func:`write_raster` writes one (or an array with a
rasterio profile) to a deflate-compressed GeoTIFF (float64 data as float32 when nothing
meaningful is lost, see :data:`FLOAT32_ATOL`). Rasters
without a CRS or geotransform are refused with :class:`~urbangeo.errors.GeoreferenceError`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import warnings
from pathlib import Path
from typing import Any, Literal, TypeGuard

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _postgis, _schema
from . import raster as _raster
from ._validate import check_geodataframe
from .errors import (
    CRSError,
    GeometryTypeError,
    InvalidOptionError,
    LayerNotFoundError,
    MissingColumnError,
    MissingDependencyError,
    UrbangeoWarning,
)
from .raster import FLOAT32_ATOL, Raster, check_georeferenced  # noqa: F401  (FLOAT32_ATOL: documented here)

log = logging.getLogger(__name__)

__all__ = ["read", "write", "list_layers", "read_raster", "write_raster", "check_georeferenced", "DRIVERS"]

#: File extension -> driver name.
DRIVERS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
    ".parquet": "Parquet",
    ".geoparquet": "Parquet",
}
_PG_PREFIXES = ("postgresql://", "postgres://", "PG:")


def _driver_for(path: str | os.PathLike, driver: str | None) -> str:
    if driver is not None:
        valid = sorted(set(DRIVERS.values()))
        if driver not in valid:
            raise InvalidOptionError(f"`driver` must be one of {valid}; got {driver!r}.")
        return driver
    suffix = Path(path).suffix.lower()
    if suffix not in DRIVERS:
        raise InvalidOptionError(
            f"cannot tell the format of {str(path)!r} from its extension {suffix!r}; use one of "
            f"{', '.join(sorted(DRIVERS))} or pass driver=."
        )
    return DRIVERS[suffix]


def _is_postgis(source: Any) -> TypeGuard[str]:
    """True for a PostGIS connection string (so ``source`` is a ``str``, not a path)."""
    return isinstance(source, str) and source.startswith(_PG_PREFIXES)


def _numbers_as_numbers(df: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Object columns holding only numbers (and None) are written as numbers, not text.

    GDAL would otherwise write them as strings (``[3, None, 7]`` -> ``"3", NULL, "7"``).
    Returns the frame to write and the converted columns.
    """
    out, converted = df, []
    for col in df.columns:
        s = df[col]
        if col == df.geometry.name or not pd.api.types.is_object_dtype(s):
            continue
        vals = s.dropna()
        if len(vals) == 0 or not all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            for v in vals
        ):
            continue
        ints = all(isinstance(v, (int, np.integer)) for v in vals)
        if out is df:
            out = df.copy()
        out[col] = s.astype("Int64" if ints else "float64")
        converted.append(str(col))
    return out, converted


def read(
    source: str | os.PathLike,
    *,
    layer: str | int | None = None,
    columns: list[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    where: str | None = None,
    **kwargs: Any,
) -> gpd.GeoDataFrame:
    """Read a vector layer into a GeoDataFrame.

    Parameters
    ----------
    source : path or str
        A GeoPackage, GeoJSON, Shapefile, FlatGeobuf or GeoParquet file, a PostGIS
        connection string (``postgresql://user@host/db``) with ``layer="schema.table"``,
        or anything GDAL reads.
    layer : str or int, optional
        Layer name or index for multi-layer sources (GeoPackage, PostGIS).
    columns : list of str, optional
        Read only these attribute columns (each must exist in the layer).
    bbox : tuple, optional
        (minx, miny, maxx, maxy) in the layer's CRS: four finite numbers with
        ``minx <= maxx`` and ``miny <= maxy``.
    where : str, optional
        SQL WHERE clause on attributes.
    **kwargs
        Passed to :func:`pyogrio.read_dataframe`.

    Returns
    -------
    GeoDataFrame
        With the dtypes, index and geometry name restored when urbangeo wrote the
        GeoPackage.

    Raises
    ------
    FileNotFoundError
        ``source`` does not exist.
    LayerNotFoundError
        ``layer`` is not a layer of the file; the message lists the layers it has.
    MissingColumnError
        A name in ``columns`` is not a column of the layer; the message lists those it has.
    InvalidOptionError
        ``bbox`` is not four finite numbers with min <= max, or ``columns`` is not a
        list of names.

    Warns
    -----
    UrbangeoWarning
        The layer has geometries but no CRS: it is returned with ``crs=None``, and every
        urbangeo function refuses it until the CRS is set, e.g.
        ``gdf = gdf.set_crs("EPSG:4490")``.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, os
    >>> from shapely import Point
    >>> g = gpd.GeoDataFrame({"名称": ["公园"], "n": pd.array([None], dtype="Int64")},
    ...                      geometry=[Point(113.1, 23.0)], crs=4490)
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.gpkg")
    >>> _ = write(g, path, layer="parks")
    >>> back = read(path, layer="parks")
    >>> back["名称"].iloc[0], back["n"].dtype, back.crs.to_epsg()
    ('公园', Int64Dtype(), 4490)
    """
    if bbox is not None:
        bbox = _check_bbox(bbox)
    if columns is not None and (isinstance(columns, str) or not all(isinstance(c, str) for c in columns)):
        raise InvalidOptionError(f"`columns` must be a list of column names; got {columns!r}, e.g. columns=['pop'].")
    if _is_postgis(source):
        return _warn_no_crs(_postgis.read_postgis(source, layer=layer, columns=columns, where=where, bbox=bbox, **kwargs),
                            source, layer)
    path = Path(source)
    if not path.exists() and "://" not in str(source) and not str(source).startswith("/vsi"):
        raise FileNotFoundError(f"`source`: no such file {str(source)!r}; check the path.")
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        _need("pyarrow", "GeoParquet")
        if columns is not None:
            import pyarrow.parquet as pq

            _check_read_columns(columns, [str(n) for n in pq.read_schema(path).names], path, None)
        return _warn_no_crs(gpd.read_parquet(path, columns=columns, bbox=bbox), source, None)
    import pyogrio

    if layer is not None:
        _check_layer(path, layer)
    if columns is not None:
        try:
            info = pyogrio.read_info(path, layer=layer)
            names = [str(f) for f in info["fields"]] + [str(info.get("geometry_name") or "geometry")]
        except Exception:  # pragma: no cover - sources that cannot describe themselves: let GDAL decide
            names = None
        if names is not None:
            _check_read_columns(columns, names, path, layer)
    gdf = pyogrio.read_dataframe(path, layer=layer, columns=columns, bbox=bbox, where=where, **kwargs)
    try:
        meta = pyogrio.read_info(path, layer=layer).get("layer_metadata") or {}
    except Exception:  # pragma: no cover - formats without metadata support
        meta = {}
    if _schema.META_KEY in meta:
        gdf = _schema.restore(gdf, json.loads(meta[_schema.META_KEY]))
    return _warn_no_crs(gdf, source, layer)


def _check_bbox(bbox: Any) -> tuple[float, float, float, float]:
    """``bbox`` as four floats (minx, miny, maxx, maxy), or :class:`InvalidOptionError`."""
    fix = "pass (minx, miny, maxx, maxy) in the layer's CRS, e.g. bbox=(113.0, 22.9, 113.2, 23.1)"
    try:
        values = tuple(float(v) for v in bbox)
        if any(isinstance(v, (str, bytes)) for v in bbox):
            raise TypeError
    except (TypeError, ValueError):
        raise InvalidOptionError(f"`bbox` must be four numbers; got {bbox!r}; {fix}.") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidOptionError(f"`bbox` must be four finite numbers; got {bbox!r}; {fix}.")
    minx, miny, maxx, maxy = values
    if minx > maxx or miny > maxy:
        raise InvalidOptionError(
            f"`bbox` {bbox!r} has min > max ({'minx > maxx' if minx > maxx else 'miny > maxy'}), so it selects "
            f"nothing; {fix} (swap the values if they were given as (maxx, ...) or (x, y) pairs)."
        )
    return values


def _check_read_columns(columns: list[str], available: list[str], path: Path, layer: Any) -> None:
    """Raise :class:`MissingColumnError` if a requested column is not in the layer (GDAL would skip it)."""
    missing = [c for c in columns if c not in available]
    if missing:
        where = f"layer {layer!r} of {str(path)!r}" if layer is not None else repr(str(path))
        raise MissingColumnError(
            f"`columns`: {', '.join(repr(c) for c in missing)} {'is' if len(missing) == 1 else 'are'} not a "
            f"column of {where}. Available columns: {', '.join(available) or '(none)'}. Pass names from that "
            f"list, or columns=None to read them all."
        )


def _warn_no_crs(gdf: Any, source: Any, layer: Any) -> Any:
    """Warn (at the caller of :func:`read`) when a layer with geometries comes without a CRS."""
    if isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns and gdf.crs is None:
        what = f"layer {layer!r} of `source` {str(source)!r}" if layer is not None else f"`source` {str(source)!r}"
        warnings.warn(
            f"{what} has no CRS, so the frame comes back with crs=None and urbangeo functions will refuse it. "
            f"Set the CRS the coordinates are in, e.g. gdf = gdf.set_crs('EPSG:4490') for CGCS2000 "
            f"longitude/latitude (or 'EPSG:4326' for WGS-84); for a Shapefile, a missing .prj file is the usual "
            f"cause.",
            UrbangeoWarning,
            stacklevel=3,
        )
    return gdf


def _check_layer(path: Path, layer: str | int) -> None:
    """Raise :class:`LayerNotFoundError` listing the layers if ``layer`` is not one of them."""
    import pyogrio

    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception:  # pragma: no cover - sources that cannot list layers: let GDAL decide
        return
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        if 0 <= int(layer) < len(names):
            return
        problem = f"layer index {layer} is out of range (the file has {len(names)} layers, 0 to {len(names) - 1})"
    elif str(layer) in names:
        return
    else:
        problem = f"{str(layer)!r} is not in {str(path)!r}"
    raise LayerNotFoundError(
        f"`layer`: {problem}. Available layers: {', '.join(repr(n) for n in names) or '(none)'}; pass one of "
        f"them as layer=..., e.g. urbangeo.io.read({str(path)!r}, layer={names[0] if names else ''!r}) "
        f"(urbangeo.io.list_layers(path) lists them with their geometry types)."
    )


#: Shapefile shape types: geometry types that can share one Shapefile.
_SHP_FAMILIES = {
    "Point": "point",
    "MultiPoint": "multipoint",
    "LineString": "line",
    "MultiLineString": "line",
    "LinearRing": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}


def _check_shapefile_geometry(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """A Shapefile holds one shape type: refuse mixed geometry types before GDAL half-writes the file."""
    geoms = gdf.geometry
    types = geoms[~(geoms.isna() | geoms.is_empty)].geom_type
    present = sorted(set(types))
    families = {_SHP_FAMILIES.get(t, t) for t in present}
    if len(families) <= 1:
        return
    counts = ", ".join(f"{int((types == t).sum())} {t}" for t in present)
    gpkg = path.with_suffix(".gpkg")
    raise GeometryTypeError(
        f"`gdf` holds several geometry types ({counts}), but a Shapefile holds one geometry type "
        f"(Polygon and MultiPolygon count as one, as do LineString and MultiLineString). Write a GeoPackage, "
        f"which takes them all: urbangeo.io.write(gdf, {str(gpkg)!r}); or split by type, one Shapefile each: "
        f"for kind, part in gdf.groupby(gdf.geom_type): urbangeo.io.write(part, f'{path.stem}_{{kind}}.shp')."
    )


def write(
    gdf: gpd.GeoDataFrame,
    target: str | os.PathLike,
    *,
    layer: str | None = None,
    driver: str | None = None,
    mode: Literal["w", "a"] = "w",
    **kwargs: Any,
) -> Path | str:
    """Write a GeoDataFrame; return the path written.

    Parameters
    ----------
    gdf : GeoDataFrame
        The data to write (not modified).
    target : path or str
        Output file; the extension picks the format (``.gpkg`` by default when there
        is none), or a PostGIS connection string with ``layer="schema.table"``.
    layer : str, optional
        Layer name; a GeoPackage holds many layers: writing a new layer keeps the
        others, writing an existing one replaces it (``mode="a"`` appends rows).
    driver : str, optional
        Force a driver (see :data:`DRIVERS`).
    mode : {"w", "a"}
        Replace the layer or append to it.

    Raises
    ------
    CRSError
        ``gdf`` has no CRS: a file without one is read back as coordinates nobody can
        place; nothing is written. Set it first, e.g. ``gdf.set_crs("EPSG:4490")``.
    GeometryTypeError
        Mixed geometry types (points, lines, polygons) for a Shapefile, which holds
        one; nothing is written. Write a GeoPackage, or one Shapefile per type.
    InvalidOptionError
        Unknown format or driver, Shapefile field names over 10 bytes.
    """
    check_geodataframe(gdf, "gdf", allow_empty=True)
    if gdf._geometry_column_name in gdf.columns and gdf.crs is None:
        raise CRSError(
            "`gdf` has no CRS, and a file without one is a trap: whoever reads it cannot tell where the "
            "coordinates are. Set the CRS they are in before writing, e.g. gdf = gdf.set_crs('EPSG:4490') for "
            "CGCS2000 longitude/latitude, gdf.set_crs('EPSG:4326') for WGS-84, or gdf.set_crs('EPSG:4547') for a "
            "CGCS2000 Gauss-Krueger zone (convert AMap/Baidu coordinates first with urbangeo.crs.gcj02_to_wgs84 "
            "/ bd09_to_wgs84)."
        )
    if mode not in ("w", "a"):
        raise InvalidOptionError(f"`mode` must be 'w' or 'a'; got {mode!r}.")
    if _is_postgis(target):
        return _postgis.write_postgis(gdf, target, layer=layer, mode=mode, **kwargs)
    path = Path(target)
    if not path.suffix and driver is None:
        path = path.with_suffix(".gpkg")
    drv = _driver_for(path, driver)
    path.parent.mkdir(parents=True, exist_ok=True)
    if drv == "Parquet":
        _need("pyarrow", "GeoParquet")
        if mode == "a":
            raise InvalidOptionError("`mode='a'` is not supported for GeoParquet; concatenate and rewrite.")
        gdf.to_parquet(path)
        return path
    import pyogrio

    out, numeric_objects = _numbers_as_numbers(gdf)
    # Shapefile field names hold 10 bytes: there an unnamed index is written as "index"
    index_cols = _schema.index_names(out, unnamed="index_{i}" if drv == "ESRI Shapefile" else _schema.UNNAMED_INDEX)
    if drv == "ESRI Shapefile" and index_cols == ["index_0"] and "index" not in out.columns:
        index_cols = ["index"]
    out = _schema.index_as_columns(out, index_cols)
    if drv == "ESRI Shapefile":
        _check_shapefile_geometry(gdf, path)
        long = [str(c) for c in out.columns if c != out.geometry.name and len(str(c).encode()) > 10]
        if long:
            raise InvalidOptionError(
                f"Shapefile field names are limited to 10 bytes; {', '.join(long)} would be truncated. "
                f"Rename them or write a GeoPackage (.gpkg) instead."
            )
        kwargs.setdefault("encoding", "UTF-8")
    if drv == "FlatGeobuf":
        kwargs.setdefault("SPATIAL_INDEX", "NO")  # a spatial index would reorder the rows
    if drv == "GPKG":
        schema = _schema.schema_of(out.set_geometry(out.geometry.name), index_cols)
        schema["dtypes"].update(dict.fromkeys(numeric_objects, "object"))
        schema["object_ints"] = [c for c in numeric_objects if str(out[c].dtype) == "Int64"]
        kwargs["layer_metadata"] = {_schema.META_KEY: json.dumps(schema)}
        kwargs.setdefault("geometry_name", gdf.geometry.name)
    # Shapefile and GeoJSON have no boolean/nullable types: write plain values.
    pyogrio.write_dataframe(out, path, layer=layer, driver=drv, append=(mode == "a"), **kwargs)
    return path


def list_layers(source: str | os.PathLike) -> pd.DataFrame:
    """Layers of a multi-layer file as a DataFrame (name, geometry_type).

    Parameters
    ----------
    source : path or str
        A GeoPackage or any file GDAL reads.

    Returns
    -------
    pandas.DataFrame
        One row per layer, columns ``name`` and ``geometry_type`` (None for a table
        without geometry).

    Examples
    --------
    >>> import geopandas as gpd, tempfile, os
    >>> from shapely import Point
    >>> path = os.path.join(tempfile.mkdtemp(), "two.gpkg")
    >>> g = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326)
    >>> _ = write(g, path, layer="a"); _ = write(g, path, layer="b")
    >>> sorted(list_layers(path)["name"])
    ['a', 'b']
    """
    import pyogrio

    arr = pyogrio.list_layers(source)
    return pd.DataFrame(arr, columns=["name", "geometry_type"])


def _need(module: str, what: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(f"{what} needs the '{module}' package: pip install {module}")


# --------------------------------------------------------------------------- rasters
# The GeoTIFF code lives in urbangeo.raster (next to Raster, which io imports; nothing imports back).


def read_raster(
    source: str | os.PathLike,
    *,
    band: int = 1,
    name: str | None = None,
    units: str | None = None,
    categorical: bool | None = None,
) -> Raster:
    """Read one band of a GeoTIFF (or any GDAL raster) into a :class:`~urbangeo.raster.Raster`.

    The one raster reader of urbangeo: every wing reads through it.

    Parameters
    ----------
    source : path
        The raster file.
    band : int, default 1
        Band to read (1-based).
    name : str, optional
        What the values are; default the band description, else the file name.
    units : str, optional
        Units of the values; default the band's ``units`` tag (as written by
        :func:`write_raster`), else ``""``.
    categorical : bool, optional
        True for class codes (kept as integers, the file's nodata code marks cells
        without data, resampled with nearest neighbour); False for continuous values
        (floats, NaN for cells without data). Default: True for integer cell types.
        An elevation model stored as integers is continuous: pass ``categorical=False``.

    Returns
    -------
    Raster

    Raises
    ------
    GeoreferenceError
        The file has no CRS or geotransform (the message names ``source`` and the path).
    InvalidOptionError
        ``band`` is not a band of the file.

    Examples
    --------
    >>> import tempfile, os
    >>> from affine import Affine
    >>> from urbangeo.raster import Raster
    >>> path = os.path.join(tempfile.mkdtemp(), "lc.tif")
    >>> r = Raster(np.array([[1, 2], [0, 2]], dtype="uint8"), Affine(30, 0, 0, 0, -30, 60), "EPSG:4547",
    ...            nodata=0, categorical=True)
    >>> back = read_raster(write_raster(r, path))
    >>> back.categorical, back.array.dtype, int(back.valid.sum())
    (True, dtype('uint8'), 3)
    """
    return _raster._read_raster(source, band=band, name=name, units=units, categorical=categorical)


def write_raster(
    raster: Raster | np.ndarray,
    target: str | os.PathLike,
    *,
    profile: dict | None = None,
    **overrides: Any,
) -> Path:
    """Write a :class:`~urbangeo.raster.Raster` (or an array with a rasterio ``profile``) to a compressed GeoTIFF.

    A Raster brings its own grid, nodata, name (band description) and units (band tag);
    a 2-D (or 3-D band-first) array needs ``profile`` (crs, transform, ...). Masked
    values are written as the profile's nodata (NaN for float rasters without one).

    The cell type is ``dtype`` from ``profile`` or ``overrides``; without one it is the
    array's, except that float64 arrays are written as float32 when the cast changes no
    value by more than :data:`FLOAT32_ATOL` (pass ``dtype="float64"`` to keep float64).
    Files are deflate-compressed with the predictor that suits the type (2, horizontal
    differencing, for integers; 3, floating point, for floats); pass ``compress=`` (e.g.
    ``"lzw"`` or ``"none"``) and ``predictor=`` to choose otherwise.

    Parameters
    ----------
    raster : Raster or ndarray
        What to write.
    target : path
        Output file; its folder is created.
    profile : dict, optional
        rasterio profile for an array (refused with a Raster, which has its own).
    **overrides
        Profile keys to change (``dtype``, ``compress``, ``predictor``, ``nodata`` ...).

    Returns
    -------
    Path

    Raises
    ------
    GeoreferenceError
        ``profile`` has no CRS or geotransform.
    RasterError
        ``raster`` is not 2-D or 3-D, or holds text or objects instead of numbers
        (booleans need a ``dtype``, e.g. ``"uint8"``); nothing is written.
    EmptyDataError
        ``raster`` has no cells.
    InvalidOptionError
        An array without ``profile``, or a Raster with one.
    """
    if isinstance(raster, Raster):
        if profile is not None:
            raise InvalidOptionError(
                "`profile` is for arrays: a Raster brings its own grid and CRS. Drop profile=, or pass the "
                "changes as keywords, e.g. write_raster(raster, path, dtype='float64')."
            )
        return _raster._write_raster_object(raster, target, overrides)
    if profile is None:
        raise InvalidOptionError(
            "`profile` is needed to write an array (crs, transform, ...); pass profile=, or wrap the array in "
            "a urbangeo.raster.Raster(array, transform, crs)."
        )
    return _raster._write_geotiff(raster, target, profile, overrides)
