"""Array kernels for the Chinese web-map coordinate systems GCJ-02 and BD-09.

GCJ-02 ("Mars coordinates", used by AMap/Gaode, Tencent and Google Maps in China) is
WGS-84 plus a deliberately obfuscating offset of a few hundred metres; BD-09 (Baidu)
is a further rotation/scaling of GCJ-02. The forward formulas are the widely published
ones (e.g. the ``eviltransform`` and ``coordTransform`` projects). The inverse directions
have no closed form: the common one-step inverse (subtract the offset computed at the
*shifted* point) is off by up to a few metres, so the inverses here iterate the forward
formula to a fixed point, to better than 1e-9 degrees.

All functions take and return ``(lon, lat)`` float arrays of any matching shape.
Points outside China's bounding box are returned unchanged, as the public formulas do.
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

_TOL_DEG = 1e-10
_MAX_ITER = 30


def out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where the public formulas leave the point unchanged (outside China's box)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return ~((lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271))


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _where_china(lon, lat, f):
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    outside = out_of_china(lon, lat) | ~np.isfinite(lon) | ~np.isfinite(lat)
    out_lon, out_lat = lon.copy(), lat.copy()
    inside = ~outside
    if inside.any():
        x, y = f(lon[inside], lat[inside])
        out_lon[inside] = x
        out_lat[inside] = y
    return out_lon, out_lat


def _wgs_to_gcj(lon, lat):
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _gcj_to_bd(lon, lat):
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(lon, lat):
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, lon, lat, guess):
    """Solve forward(x) = target by fixed-point iteration x <- x - (forward(x) - target)."""
    x, y = guess
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x = x - ex
        y = y - ey
        if np.all(np.abs(ex) < _TOL_DEG) and np.all(np.abs(ey) < _TOL_DEG):
            break
    return x, y


def wgs84_to_gcj02(lon, lat):
    return _where_china(lon, lat, _wgs_to_gcj)


def gcj02_to_wgs84(lon, lat):
    def inv(lo, la):
        dlon, dlat = _gcj_offset(lo, la)
        return _invert(_wgs_to_gcj, lo, la, (lo - dlon, la - dlat))

    return _where_china(lon, lat, inv)


def gcj02_to_bd09(lon, lat):
    return _where_china(lon, lat, _gcj_to_bd)


def bd09_to_gcj02(lon, lat):
    def inv(lo, la):
        return _invert(_gcj_to_bd, lo, la, _bd_to_gcj_approx(lo, la))

    return _where_china(lon, lat, inv)


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
