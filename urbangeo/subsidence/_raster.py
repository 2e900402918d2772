"""A small georeferenced raster: a 2-D float array, its affine transform and a metric CRS."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from affine import Affine
from pyproj import CRS

from ..crs import _read_crs, is_metric
from ..errors import CRSError, GeoreferenceError, RasterError

__all__ = ["Raster", "read_raster"]


_TRANSFORM_FIX = (
    "pass the pixel-to-map transform, e.g. affine.Affine(10, 0, west, 0, -10, north) for 10 m cells "
    "(or rasterio.transform.from_origin(west, north, 10, 10)), or read a georeferenced file with "
    "urbangeo.subsidence.read_raster"
)


def _read_transform(value: Any) -> Affine:
    """An :class:`~affine.Affine` from ``value`` (Affine or its first six coefficients), else GeoreferenceError."""
    if value is None:
        raise GeoreferenceError(f"`transform` is None, so the cells have no map position; {_TRANSFORM_FIX}.")
    try:
        coeffs = [float(v) for v in tuple(value)[:6]]
        if len(coeffs) != 6:
            raise ValueError(f"{len(coeffs)} coefficients")
    except (TypeError, ValueError) as exc:
        raise GeoreferenceError(
            f"`transform` must be an affine.Affine (or its 6 coefficients a, b, c, d, e, f); got {value!r} "
            f"({exc}); {_TRANSFORM_FIX}."
        ) from exc
    return Affine(*coeffs)


@dataclass(frozen=True, repr=False)
class Raster:
    """A single-band georeferenced raster held in memory.

    Parameters
    ----------
    array : ndarray
        2-D float array, rows from north to south; cells without data are NaN.
    transform : affine.Affine
        Pixel-to-map transform (north-up, square or rectangular cells).
    crs : pyproj.CRS
        The raster's CRS (metric for everything urbangeo computes).
    name : str
        What the values are (``"subsidence"``, ``"tilt_x"`` ...).
    units : str
        Units of the values (``"m"``, ``"m/m"``, ``"1/m"``, ``"m/yr"``).
    nodata : float
        Value written for NaN cells in GeoTIFFs (NaN by default).

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> r = Raster(np.zeros((2, 3)), Affine(10, 0, 500000, 0, -10, 3500000), "EPSG:4547", name="subsidence", units="m")
    >>> r.shape, r.cell_area_m2, r.bounds
    ((2, 3), 100.0, (500000.0, 3499980.0, 500030.0, 3500000.0))
    """

    array: np.ndarray
    transform: Affine
    crs: CRS
    name: str = ""
    units: str = ""
    nodata: float = float("nan")
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        arr = np.asarray(self.array)
        if arr.ndim != 2:
            raise RasterError(f"`array` must be 2-D (rows, cols); got shape {arr.shape}.")
        if np.ma.isMaskedArray(self.array):
            arr = np.ma.asarray(self.array).astype(float).filled(np.nan)
        elif not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(float)
        object.__setattr__(self, "array", arr)
        if self.crs is None:
            raise GeoreferenceError("`crs` is None; a Raster needs a CRS, e.g. 'EPSG:4547'.")
        object.__setattr__(self, "crs", _read_crs(self.crs, "crs"))
        t = self.transform
        if not isinstance(t, Affine):
            t = _read_transform(t)
            object.__setattr__(self, "transform", t)
        if t == Affine.identity():
            raise GeoreferenceError("`transform` is the identity (pixel coordinates); georeference the raster first.")
        if t.b != 0 or t.d != 0:
            raise RasterError("rotated rasters are not supported; warp to a north-up grid first.")

    def __repr__(self) -> str:
        rows, cols = self.shape
        epsg = self.crs.to_epsg(min_confidence=70)
        crs = f"EPSG:{epsg}" if epsg else self.crs.name
        rx, ry = self.res
        b = self.bounds
        return (
            f"Raster({self.name or 'unnamed'!r}, {rows} x {cols} {self.array.dtype}, units={self.units!r}, "
            f"crs={crs}, res=({rx:g}, {ry:g}), bounds=({b[0]:.10g}, {b[1]:.10g}, {b[2]:.10g}, {b[3]:.10g}), "
            f"nodata={self.nodata})"
        )

    # ------------------------------------------------------------------ geometry
    @property
    def shape(self) -> tuple[int, int]:
        return self.array.shape  # type: ignore[return-value]

    @property
    def res(self) -> tuple[float, float]:
        """Cell size (x, y) in CRS units (positive)."""
        return abs(self.transform.a), abs(self.transform.e)

    @property
    def cell_area_m2(self) -> float:
        return self.res[0] * self.res[1]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy)."""
        t = self.transform
        rows, cols = self.shape
        xs = (t.c, t.c + t.a * cols)
        ys = (t.f, t.f + t.e * rows)
        return (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates as two 1-D arrays: x of the columns, y of the rows."""
        t = self.transform
        rows, cols = self.shape
        x = t.c + t.a * (np.arange(cols) + 0.5)
        y = t.f + t.e * (np.arange(rows) + 0.5)
        return x, y

    @property
    def profile(self) -> dict[str, Any]:
        """A rasterio profile (GeoTIFF, float32/float64, NaN nodata) for this raster."""
        return {
            "driver": "GTiff",
            "dtype": str(self.array.dtype),
            "count": 1,
            "height": self.shape[0],
            "width": self.shape[1],
            "crs": self.crs.to_wkt(),
            "transform": self.transform,
            "nodata": self.nodata,
        }

    def with_array(self, array: np.ndarray, *, name: str | None = None, units: str | None = None) -> Raster:
        """A new raster on the same grid with other values."""
        return Raster(
            np.asarray(array, dtype=float),
            self.transform,
            self.crs,
            name=self.name if name is None else name,
            units=self.units if units is None else units,
            nodata=self.nodata,
        )

    def same_grid(self, other: Raster) -> bool:
        return (
            self.shape == other.shape
            and self.transform.almost_equals(other.transform, precision=1e-6)
            and self.crs.equals(other.crs, ignore_axis_order=True)
        )

    def to_geotiff(self, path: str | os.PathLike, *, dtype: Literal["auto", "float32", "float64"] = "auto") -> Path:
        """Write the raster to a deflate-compressed GeoTIFF (NaN cells as nodata); return the path.

        Parameters
        ----------
        path : path
            Output file.
        dtype : {"auto", "float32", "float64"}
            Cell type written. ``"auto"`` writes float32 (half the size) when casting
            changes no value by more than :data:`urbangeo.io.FLOAT32_ATOL` (1e-6 in
            the raster's units, 1 micrometre for metres), float64 otherwise.

        Examples
        --------
        >>> import tempfile, os, rasterio
        >>> from affine import Affine
        >>> r = Raster(np.array([[0.5, 1.25]]), Affine(10, 0, 0, 0, -10, 10), "EPSG:4547")
        >>> with rasterio.open(r.to_geotiff(os.path.join(tempfile.mkdtemp(), "r.tif"))) as src:
        ...     src.dtypes[0], src.compression.value
        ('float32', 'DEFLATE')
        """
        from .._validate import check_choice
        from ..io import _float_dtype, write_raster

        check_choice(dtype, "dtype", ("auto", "float32", "float64"))
        prof = self.profile
        prof["crs"] = self.crs
        arr = self.array
        if np.isfinite(self.nodata):
            arr = np.where(np.isnan(arr), self.nodata, arr)
        prof["dtype"] = _float_dtype(arr) if dtype == "auto" else dtype
        path = write_raster(arr, path, profile=prof)
        if self.name or self.units:
            import rasterio

            with rasterio.open(path, "r+") as dst:
                dst.set_band_description(1, self.name)
                dst.update_tags(1, units=self.units)
        return path

    def require_metric(self, name: str = "raster") -> None:
        if not is_metric(self.crs):
            raise CRSError(
                f"`{name}` is in {self.crs.name}, not a metric CRS; reproject it first "
                f"(e.g. urbangeo.subsidence.reproject_raster({name}, crs=urbangeo.metric_crs(...)))."
            )


def read_raster(source: str | os.PathLike, *, band: int = 1, name: str | None = None, units: str = "") -> Raster:
    """Read one band of a GeoTIFF into a :class:`Raster` (nodata -> NaN).

    Raises :class:`~urbangeo.errors.GeoreferenceError` (naming ``source``) for rasters
    without CRS or geotransform.
    """
    return _read_raster(source, band=band, name=name, units=units, arg="source")


def _read_raster(source: str | os.PathLike, *, band: int = 1, name: str | None = None, units: str = "",
                 arg: str = "source") -> Raster:
    """:func:`read_raster`; ``arg`` is the argument the path came in by, named in georeference errors."""
    import warnings

    from rasterio.errors import NotGeoreferencedWarning

    from ..io import read_raster as _read

    with warnings.catch_warnings():
        # a raster without georeferencing is refused just below with GeoreferenceError
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        arr, prof = _read(source, band=band, masked=True, name=arg)
    if units == "":
        try:
            import rasterio

            with rasterio.open(source) as src:
                units = src.tags(band).get("units", "")
                name = name or src.descriptions[band - 1] or None
        except Exception:  # pragma: no cover - tags are optional
            pass
    return Raster(np.ma.asarray(arr).astype(float).filled(np.nan), prof["transform"], prof["crs"],
                  name=name or Path(source).stem, units=units)


def reproject_raster(
    raster: Raster,
    *,
    crs: Any = None,
    like: Raster | None = None,
    resolution_m: float | None = None,
    resampling: str = "bilinear",
) -> Raster:
    """Warp a raster onto another CRS or onto the grid of ``like`` (rasterio.warp.reproject).

    Parameters
    ----------
    raster : Raster
        The raster to warp.
    crs : CRS-like, optional
        Target CRS (needed unless ``like`` is given).
    like : Raster, optional
        Warp onto this raster's grid and CRS instead.
    resolution_m : float, optional
        Cell size in the target CRS units (> 0); default: the size rasterio derives
        from the source grid. Ignored with ``like``.
    resampling : {"nearest", "bilinear", "cubic", "average"}
        Resampling method.

    Raises
    ------
    InvalidOptionError
        ``resolution_m`` not a positive finite number, unknown ``resampling``.
    RasterError
        Neither ``crs`` nor ``like`` given.
    """
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from .._validate import check_choice, check_number

    check_choice(resampling, "resampling", ("nearest", "bilinear", "cubic", "average"))
    if resolution_m is not None:  # 0 is an error, not "not given"
        resolution_m = check_number(resolution_m, "resolution_m", minimum=0, strict=True)
    if like is not None:
        dst_crs, dst_transform, shape = like.crs, like.transform, like.shape
    else:
        if crs is None:
            raise RasterError("pass `crs=` or `like=` to reproject_raster.")
        dst_crs = CRS.from_user_input(crs)
        rows, cols = raster.shape
        kw = {} if resolution_m is None else {"resolution": resolution_m}
        dst_transform, w, h = calculate_default_transform(
            raster.crs, dst_crs, cols, rows, *raster.bounds, **kw
        )
        shape = (h, w)
    out = np.full(shape, np.nan, dtype=float)
    reproject(
        source=raster.array.astype(float),
        destination=out,
        src_transform=raster.transform,
        src_crs=raster.crs,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=getattr(Resampling, resampling),
    )
    return Raster(out, dst_transform, dst_crs, name=raster.name, units=raster.units)
