"""The one CRS contract of urbangeo.

Rules, applied at the door of every public function:

1. An input without a CRS is refused (:class:`~urbangeo.errors.CRSError`).
2. Functions that measure distances or areas accept any CRS, work internally in a
   metric CRS chosen by :func:`metric_crs`, and return results in the CRS of their
   primary input.
3. Inputs that must be overlaid but have different CRSs are refused with
   :class:`~urbangeo.errors.CRSMismatchError` naming both CRSs and the fix (urbangeo
   never reprojects a secondary layer behind your back).

:func:`metric_crs` picks a CGCS2000 3-degree Gauss-Krueger zone (EPSG:4534-4554, the
national standard for large-scale mapping in China) for data in China and a UTM zone
elsewhere; ``urbangeo.settings.metric_crs`` or the ``crs=`` argument overrides it.
Web Mercator (EPSG:3857) is *not* treated as metric: its scale error is 1/cos(lat)
(+24 % in Hangzhou, +55 % in Hegang), so it is reprojected like degrees are.

The Chinese web-map coordinate systems GCJ-02 (AMap/Gaode, Tencent) and BD-09 (Baidu)
are not CRSs that PROJ knows; :func:`gcj02_to_wgs84` and its siblings convert them.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj import CRS

from . import _gcj
from ._docs import METRIC_CRS, shared_doc
from ._validate import _CRS_FIX, check_number, get_crs
from .errors import CRSError, CRSMismatchError, GeometryTypeError, InvalidOptionError
from .settings import settings

log = logging.getLogger(__name__)

__all__ = [
    "get_crs",
    "check_same_crs",
    "is_metric",
    "metric_crs",
    "to_metric",
    "project",
    "gk_zone_crs",
    "utm_crs",
    "gcj02_to_wgs84",
    "wgs84_to_gcj02",
    "bd09_to_gcj02",
    "gcj02_to_bd09",
    "bd09_to_wgs84",
    "wgs84_to_bd09",
]

# Longitude/latitude box used to decide "in China" for the choice of Gauss-Krueger zones.
_CHINA_BOX = (73.0, 18.0, 135.5, 53.6)
_GK_FIRST_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E
_GK_FIRST_CM = 75
_GK_LAST_CM = 135

# Projections whose "metres" are not ground metres.
_NOT_METRIC_METHODS = ("mercator_2sp", "popular visualisation pseudo mercator", "pseudo-mercator")


def _describe(crs: CRS | None) -> str:
    if crs is None:
        return "no CRS"
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name




def _read_crs(value: Any, name: str) -> CRS:
    """``pyproj.CRS.from_user_input(value)``, with urbangeo's :class:`CRSError` naming ``name`` and the fix."""
    try:
        return CRS.from_user_input(value)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as exc:
        raise CRSError(f"`{name}`: PROJ cannot read the CRS {value!r} ({exc}); {_CRS_FIX}.") from exc


def check_same_crs(**named: Any) -> CRS:
    """Check that all named inputs share one CRS; return it.

    Parameters
    ----------
    **named : GeoDataFrame, GeoSeries, object with a ``.crs`` attribute, or CRS-like
        The inputs to compare, by the names the caller knows them by (used in the
        error message); ``None`` values are skipped. The first one is the reference.

    Returns
    -------
    pyproj.CRS
        The CRS they share.

    Raises
    ------
    CRSError
        An input has no CRS.
    CRSMismatchError
        Two inputs have different CRSs (axis order ignored); the message names both and
        how to reproject one.
    ValueError
        No input is given (or all are ``None``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> a = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=4326)
    >>> b = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=3857)
    >>> check_same_crs(parcels=a, red_line=b)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    urbangeo.errors.CRSMismatchError: `red_line` is in EPSG:3857 (...) but `parcels` is in EPSG:4326 (...). ...
    """
    items = [(k, v) for k, v in named.items() if v is not None]
    if not items:
        raise ValueError("check_same_crs needs at least one input")
    first_name, first = items[0]
    ref = get_crs(first, first_name)
    for other_name, other in items[1:]:
        crs = get_crs(other, other_name)
        if not crs.equals(ref, ignore_axis_order=True):
            raise CRSMismatchError(
                f"`{other_name}` is in {_describe(crs)} but `{first_name}` is in {_describe(ref)}. "
                f"Reproject one of them first, e.g. {other_name} = {other_name}.to_crs({first_name}.crs)."
            )
    return ref


def is_metric(crs: Any) -> bool:
    """True if ``crs`` is projected in metres with ground-true scale (not Web Mercator).

    Parameters
    ----------
    crs : pyproj.CRS, str or int
        Anything :meth:`pyproj.CRS.from_user_input` reads.

    Returns
    -------
    bool

    Raises
    ------
    CRSError
        ``crs`` is not a CRS that PROJ can read.

    Examples
    --------
    >>> is_metric("EPSG:4547"), is_metric("EPSG:32650"), is_metric("EPSG:4326"), is_metric("EPSG:3857")
    (True, True, False, False)
    """
    crs = _read_crs(crs, "crs")
    if not crs.is_projected:
        return False
    units = {ax.unit_name.lower() for ax in crs.axis_info}
    if not units <= {"metre", "meter"}:
        return False
    method = (crs.coordinate_operation.method_name if crs.coordinate_operation else "").lower()
    return not any(m in method for m in _NOT_METRIC_METHODS)


def gk_zone_crs(lon: float) -> CRS:
    """CGCS2000 3-degree Gauss-Krueger CRS (no zone prefix) for longitude ``lon``.

    Parameters
    ----------
    lon : float
        Longitude in degrees, -180 to 180. Longitudes west of 73.5E or east of 136.5E
        get the outermost zone (CM 75E or 135E); outside China use :func:`utm_crs`.

    Returns
    -------
    pyproj.CRS
        One of EPSG:4534-4554 (CM 75E to 135E).

    Raises
    ------
    InvalidOptionError
        ``lon`` is not a finite number between -180 and 180.

    Examples
    --------
    >>> gk_zone_crs(113.1).to_epsg(), gk_zone_crs(130.3).to_epsg()
    (4547, 4552)
    """
    lon = _check_lon_lat(lon, "lon")
    cm = int(3 * round(lon / 3.0))
    cm = min(max(cm, _GK_FIRST_CM), _GK_LAST_CM)
    return CRS.from_epsg(_GK_FIRST_EPSG + (cm - _GK_FIRST_CM) // 3)


def utm_crs(lon: float, lat: float) -> CRS:
    """WGS-84 UTM zone CRS for a longitude/latitude.

    Parameters
    ----------
    lon, lat : float
        Longitude (-180 to 180) and latitude (-90 to 90) in degrees.

    Returns
    -------
    pyproj.CRS
        EPSG:326xx (northern hemisphere) or EPSG:327xx (southern).

    Raises
    ------
    InvalidOptionError
        ``lon`` or ``lat`` is not a finite number in its range (e.g. swapped, or NaN).

    Examples
    --------
    >>> utm_crs(24.94, 60.17).to_epsg(), utm_crs(-58.4, -34.6).to_epsg()
    (32635, 32721)
    """
    lon = _check_lon_lat(lon, "lon")
    lat = _check_lon_lat(lat, "lat")
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _check_lon_lat(value: Any, name: str) -> float:
    """``value`` as a float longitude (``name="lon"``, -180..180) or latitude (``"lat"``, -90..90), else raise."""
    limit = 180.0 if name == "lon" else 90.0
    try:
        return check_number(value, name, minimum=-limit, maximum=limit)
    except InvalidOptionError as exc:
        raise InvalidOptionError(
            f"{exc} `{name}` is a {'longitude' if name == 'lon' else 'latitude'} in degrees, -{limit:g} to "
            f"{limit:g} (e.g. the centre of the data in EPSG:4326); check that lon and lat are not swapped, or "
            f"still in metres."
        ) from None


def _lonlat_center(obj: Any, name: str) -> tuple[float, float]:
    crs = get_crs(obj, name)
    to_ll = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    if isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries)):
        geoms = np.asarray(obj.geometry.values, dtype=object)
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if len(geoms) == 0:
            raise CRSError(
                f"`{name}` has no non-empty geometry, so no metric CRS can be chosen for it; "
                f"pass crs= explicitly."
            )
        if len(geoms) > 10_000:  # the centre of a sample is enough to pick a zone
            geoms = geoms[np.linspace(0, len(geoms) - 1, 10_000).astype(int)]
        b = shapely.bounds(geoms)
        x, y = (b[:, 0] + b[:, 2]) / 2.0, (b[:, 1] + b[:, 3]) / 2.0
    elif hasattr(obj, "bounds") and len(obj.bounds) == 4:  # rasterio dataset or BoundingBox
        w, s, e, n = tuple(obj.bounds)
        x, y = np.array([(w + e) / 2.0]), np.array([(s + n) / 2.0])
    else:
        raise CRSError(f"`{name}`: cannot read an extent from {type(obj).__name__}; pass crs= explicitly.")
    lon, lat = to_ll.transform(x, y)
    lon_r = np.radians(np.asarray(lon, dtype=float))
    # circular mean, so data straddling the antimeridian gets a centre near 180, not 0
    mean_lon = float(np.degrees(np.arctan2(np.sin(lon_r).mean(), np.cos(lon_r).mean())))
    return mean_lon, float(np.mean(lat))


@shared_doc(crs=METRIC_CRS)
def metric_crs(obj: Any, *, crs: Any = None, name: str = "data") -> CRS:
    """Choose the metric CRS urbangeo computes in for ``obj``.

    Order of precedence: the ``crs`` argument, ``urbangeo.settings.metric_crs``, the
    object's own CRS when it is already metric (not Web Mercator), then a CGCS2000
    3-degree Gauss-Krueger zone if the centre of the data lies in China, else UTM.

    Parameters
    ----------
    obj : GeoDataFrame, GeoSeries or rasterio dataset
        The data; its CRS and the centre of its extent decide the zone.
    {crs}
    name : str, default "data"
        The argument's name in the caller, used in error messages.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        ``obj`` has no CRS or no non-empty geometry; its coordinates are not where its
        CRS says; or the override (``crs``, or ``urbangeo.settings.metric_crs``) is
        not a projected CRS in metres (the message names which).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> foshan = gpd.GeoDataFrame(geometry=[Point(113.1, 23.0)], crs=4326)
    >>> metric_crs(foshan).to_epsg()
    4547
    >>> helsinki = gpd.GeoDataFrame(geometry=[Point(24.94, 60.17)], crs=4326)
    >>> metric_crs(helsinki).to_epsg()
    32635
    """
    if crs is not None:
        chosen, source = crs, "crs"
    else:
        chosen, source = settings.metric_crs, "urbangeo.settings.metric_crs"
    if chosen is not None:
        out = _read_crs(chosen, source)
        if not is_metric(out):
            fix = ("pass crs=None to let urbangeo choose" if source == "crs"
                   else "reset it with urbangeo.settings.metric_crs = None to let urbangeo choose")
            raise CRSError(
                f"`{source}`: the metric CRS override {_describe(out)} is not a projected CRS in metres (distances "
                f"and areas would be in degrees or distorted); use a UTM or CGCS2000 Gauss-Krueger zone such as "
                f"'EPSG:4547', or {fix}."
            )
        return out
    own = get_crs(obj, name)
    if is_metric(own):
        return own
    lon, lat = _lonlat_center(obj, name)
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise CRSError(
            f"`{name}` is labelled {_describe(own)}, but the centre of its data ({lon:g}, {lat:g}) is not a "
            f"longitude/latitude there, so no metric CRS can be chosen; the label is probably wrong. Set the right "
            f"CRS with {name}.set_crs(..., allow_override=True), or pass crs= explicitly."
        )
    w, s, e, n = _CHINA_BOX
    if w <= lon <= e and s <= lat <= n:
        return gk_zone_crs(lon)
    return utm_crs(lon, lat)


@shared_doc(crs=METRIC_CRS)
def to_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, crs: Any = None, name: str = "gdf"):
    """Return a copy of ``gdf`` in the metric CRS chosen by :func:`metric_crs`.

    The input is never modified. A frame that is already metric is copied unchanged.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        The data; it must have a CRS.
    {crs}
    name : str, default "gdf"
        The argument's name in the caller, used in error messages.

    Returns
    -------
    GeoDataFrame or GeoSeries
        A copy in the metric CRS.

    Raises
    ------
    CRSError
        ``gdf`` has no CRS, or no metric CRS can be chosen for it (see :func:`metric_crs`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(113.1, 23.0)], crs=4326)
    >>> to_metric(g).crs.to_epsg()
    4547
    """
    out = project(gdf, metric_crs(gdf, crs=crs, name=name), name=name)
    return out.copy() if out is gdf else out


def project(gdf: gpd.GeoDataFrame | gpd.GeoSeries, target: Any, *, name: str = "gdf"):
    """``gdf`` in the CRS ``target``: the input itself when it is already there, else a reprojected copy.

    The one spelling of "reproject unless already equal" in urbangeo. CRSs are compared
    with :meth:`pyproj.CRS.equals` (axis order ignored), so an EPSG code and the same CRS as
    WKT count as equal and cost nothing. The input is never modified.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        The data to reproject; it must have a CRS.
    target : pyproj.CRS, str or int
        The CRS to return the data in (anything :meth:`pyproj.CRS.from_user_input` reads).
    name : str, default "gdf"
        The argument's name in the caller, used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        ``gdf`` unchanged (the same object) when its CRS equals ``target``, else a copy in ``target``.

    Raises
    ------
    CRSError
        ``gdf`` has no CRS, or ``target`` is not a CRS that PROJ can read.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(113.1, 23.0)], crs=4326)
    >>> project(g, "EPSG:4326") is g, project(g, 4547).crs.to_epsg()
    (True, 4547)
    """
    src = get_crs(gdf, name)
    dst = _read_crs(target, "target")
    if src.equals(dst, ignore_axis_order=True):
        return gdf
    log.debug("reprojecting %s from %s to %s", name, _describe(src), _describe(dst))
    return gdf.to_crs(dst)


# --------------------------------------------------------------------------- GCJ-02 / BD-09


def _apply(geo, func, name: str):
    """Apply a (lon, lat) -> (lon, lat) array function to every coordinate of ``geo``."""
    if not isinstance(geo, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise GeometryTypeError(
            f"`{name}` must be a GeoDataFrame or GeoSeries, got {type(geo).__name__}; "
            f"wrap geometries with geopandas.GeoSeries(geoms, crs='EPSG:4326')."
        )
    if geo.crs is not None:
        crs = CRS.from_user_input(geo.crs)
        if not crs.is_geographic:
            raise CRSError(
                f"`{name}` is in {_describe(crs)}, but GCJ-02/BD-09 conversions work on "
                f"longitude/latitude. Convert with {name}.to_crs('EPSG:4326') first, or set the "
                f"CRS to EPSG:4326 if the numbers are lon/lat already."
            )

    def xy(coords: np.ndarray) -> np.ndarray:
        out = coords.copy()
        out[:, 0], out[:, 1] = func(coords[:, 0], coords[:, 1])
        return out

    geoms = np.asarray(geo.geometry.values, dtype=object) if isinstance(geo, gpd.GeoDataFrame) else np.asarray(
        geo.values, dtype=object
    )
    result = geoms.copy()
    has_z = shapely.has_z(geoms)
    flat = ~has_z
    if flat.any():
        result[flat] = shapely.transform(geoms[flat], xy, include_z=False)
    if has_z.any():
        result[has_z] = shapely.transform(geoms[has_z], xy, include_z=True)
    out = geo.copy()
    if isinstance(out, gpd.GeoDataFrame):
        out[out.geometry.name] = gpd.GeoSeries(result, index=out.index, crs=out.crs)
    else:
        out = gpd.GeoSeries(result, index=geo.index, crs=geo.crs, name=geo.name)
    return out


def _make(func, doc: str):
    def convert(geo):
        return _apply(geo, func, "geo")

    convert.__doc__ = doc
    return convert


_DOC = """Convert every coordinate of a GeoDataFrame/GeoSeries from {src} to {dst}.

Works on every geometry type (Z kept, empty and None geometries passed through) and
returns a new object; the input is not modified. {inverse}Points outside China are
returned unchanged, as the published formulas do. The CRS label stays as it was
(EPSG:4326 if set): GCJ-02 and BD-09 have no EPSG code.

Parameters
----------
geo : GeoDataFrame or GeoSeries
    Longitude/latitude geometries (CRS None or geographic).

Returns
-------
GeoDataFrame or GeoSeries
    Same type, index and columns as ``geo``.

Raises
------
GeometryTypeError
    ``geo`` is not a GeoDataFrame or GeoSeries (e.g. a list of geometries); it is a
    ``TypeError`` too.
CRSError
    ``geo`` is in a projected CRS, not longitude/latitude.
"""
_INV = "This direction has no closed form; it iterates the forward formula to better than 1e-9 degrees. "

gcj02_to_wgs84 = _make(_gcj.gcj02_to_wgs84, _DOC.format(src="GCJ-02", dst="WGS-84", inverse=_INV))
wgs84_to_gcj02 = _make(_gcj.wgs84_to_gcj02, _DOC.format(src="WGS-84", dst="GCJ-02", inverse=""))
bd09_to_gcj02 = _make(_gcj.bd09_to_gcj02, _DOC.format(src="BD-09", dst="GCJ-02", inverse=_INV))
gcj02_to_bd09 = _make(_gcj.gcj02_to_bd09, _DOC.format(src="GCJ-02", dst="BD-09", inverse=""))
bd09_to_wgs84 = _make(_gcj.bd09_to_wgs84, _DOC.format(src="BD-09", dst="WGS-84", inverse=_INV))
wgs84_to_bd09 = _make(_gcj.wgs84_to_bd09, _DOC.format(src="WGS-84", dst="BD-09", inverse=""))
for _f, _n in [
    (gcj02_to_wgs84, "gcj02_to_wgs84"),
    (wgs84_to_gcj02, "wgs84_to_gcj02"),
    (bd09_to_gcj02, "bd09_to_gcj02"),
    (gcj02_to_bd09, "gcj02_to_bd09"),
    (bd09_to_wgs84, "bd09_to_wgs84"),
    (wgs84_to_bd09, "wgs84_to_bd09"),
]:
    _f.__name__ = _f.__qualname__ = _n
del _f, _n
