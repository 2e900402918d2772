"""One georeferenced raster for every wing: :class:`Raster` and its alignment rule.

A :class:`Raster` is a single band held in memory with its affine transform and CRS.
Two kinds of values:

* continuous (the default: elevations, subsidence, velocities, depths): a float array
  with NaN for cells without data;
* categorical (``categorical=True``: land-use or land-cover class codes): the integer
  array as read, with the ``nodata`` code marking cells without data (or a float array
  with NaN when the codes came as floats).

:func:`urbangeo.io.read_raster` reads one, :func:`urbangeo.io.write_raster` (or
:meth:`Raster.to_geotiff`) writes one.

Alignment, the same everywhere
------------------------------
Whenever a function combines two rasters it calls :meth:`Raster.align_to`:

* different CRSs -> :class:`~urbangeo.errors.CRSMismatchError` naming both CRSs and the
  fix (:func:`reproject_raster` onto the other's grid): urbangeo never guesses which of
  two CRSs is right;
* the same grid -> the raster itself, untouched;
* another grid in the same CRS -> resampled onto ``like``'s grid with
  ``resampling="auto"``: **bilinear for continuous values, nearest neighbour for
  categorical ones** (interpolating class codes would invent classes; bilinear is
  refused for them). ``resampling=None`` refuses another grid with a
  :class:`~urbangeo.errors.RasterError` instead; functions that count cells (land-use
  transition matrices) or pair cells of one product (InSAR coherence) use it, since
  resampling would change what they count;
* grids that do not overlap -> :class:`~urbangeo.errors.RasterError`.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from affine import Affine
from pyproj import CRS

from ._validate import check_choice, check_number
from .crs import _read_crs, is_metric
from .errors import CRSError, CRSMismatchError, EmptyDataError, GeoreferenceError, InvalidOptionError, RasterError

__all__ = ["Raster", "reproject_raster", "check_georeferenced", "FLOAT32_ATOL", "RESAMPLING"]

#: Resampling methods of :meth:`Raster.align_to` and :func:`reproject_raster`; ``"auto"`` is
#: bilinear for continuous rasters and nearest neighbour for categorical ones.
RESAMPLING = ("auto", "nearest", "bilinear", "cubic", "average", "mode")
Resampling = Literal["auto", "nearest", "bilinear", "cubic", "average", "mode"]
_CATEGORICAL_OK = ("auto", "nearest", "mode")

_TRANSFORM_FIX = (
    "pass the pixel-to-map transform, e.g. affine.Affine(10, 0, west, 0, -10, north) for 10 m cells "
    "(or rasterio.transform.from_origin(west, north, 10, 10)), or read a georeferenced file with "
    "urbangeo.io.read_raster"
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


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


@dataclass(frozen=True, repr=False)
class Raster:
    """A single-band georeferenced raster held in memory.

    Parameters
    ----------
    array : ndarray
        2-D array, rows from north to south. Continuous rasters hold floats (other
        numbers are converted, masked cells become NaN); categorical rasters keep
        their integer codes.
    transform : affine.Affine
        Pixel-to-map transform (north-up, square or rectangular cells).
    crs : pyproj.CRS
        The raster's CRS (metric for everything urbangeo measures).
    name : str
        What the values are (``"subsidence"``, ``"tilt_x"``, ``"landcover"`` ...).
    units : str
        Units of the values (``"m"``, ``"m/m"``, ``"1/m"``, ``"m/yr"``).
    nodata : float
        Value written for cells without data in GeoTIFFs (NaN by default); for an
        integer categorical raster, the code of cells without data.
    categorical : bool
        True for class codes: kept as integers, resampled with nearest neighbour.

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> r = Raster(np.zeros((2, 3)), Affine(10, 0, 500000, 0, -10, 3500000), "EPSG:4547", name="subsidence", units="m")
    >>> r.shape, r.cell_area_m2, r.bounds
    ((2, 3), 100.0, (500000.0, 3499980.0, 500030.0, 3500000.0))
    >>> lc = Raster(np.array([[1, 2], [0, 2]], dtype="uint8"), Affine(30, 0, 0, 0, -30, 60), "EPSG:4547",
    ...             nodata=0, categorical=True)
    >>> lc.array.dtype, lc.valid.tolist()
    (dtype('uint8'), [[True, True], [False, True]])
    """

    array: np.ndarray
    transform: Affine
    crs: CRS
    name: str = ""
    units: str = ""
    nodata: float = float("nan")
    categorical: bool = False
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        arr = np.asarray(self.array)
        if arr.ndim != 2:
            raise RasterError(f"`array` must be 2-D (rows, cols); got shape {arr.shape}.")
        masked = np.ma.isMaskedArray(self.array)
        keep_ints = bool(self.categorical) and arr.dtype.kind in "biu"
        if keep_ints and masked and np.ma.getmaskarray(self.array).any():
            keep_ints = np.isfinite(self.nodata)  # masked codes need a nodata code, else NaN in floats
        if keep_ints:
            arr = np.ma.getdata(self.array).view(np.uint8) if arr.dtype.kind == "b" else np.ma.getdata(self.array)
            if masked and np.ma.getmaskarray(self.array).any():
                arr = np.where(np.ma.getmaskarray(self.array), arr.dtype.type(self.nodata), arr)
        elif masked:
            arr = np.ma.filled(np.ma.asarray(self.array).astype(float), np.nan)
        elif not np.issubdtype(arr.dtype, np.floating):
            if arr.dtype.kind not in "biuf":
                raise RasterError(f"`array` must hold numbers; got dtype {arr.dtype}. Convert it, e.g. array.astype(float).")
            arr = arr.astype(float)
        object.__setattr__(self, "array", arr)
        object.__setattr__(self, "categorical", bool(self.categorical))
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
        rx, ry = self.res
        b = self.bounds
        kind = ", categorical" if self.categorical else ""
        return (
            f"Raster({self.name or 'unnamed'!r}, {rows} x {cols} {self.array.dtype}{kind}, units={self.units!r}, "
            f"crs={_crs_label(self.crs)}, res=({rx:g}, {ry:g}), bounds=({b[0]:.10g}, {b[1]:.10g}, {b[2]:.10g}, "
            f"{b[3]:.10g}), nodata={self.nodata})"
        )

    # ------------------------------------------------------------------ geometry
    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.array.shape
        return rows, cols

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

    @property
    def valid(self) -> np.ndarray:
        """Boolean array: True where the cell has data (not NaN, not the nodata code)."""
        a = self.array
        ok = np.isfinite(a) if a.dtype.kind == "f" else np.ones(a.shape, dtype=bool)
        if np.isfinite(self.nodata):
            ok &= a != self.nodata
        return ok

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates as two 1-D arrays: x of the columns, y of the rows."""
        t = self.transform
        rows, cols = self.shape
        x = t.c + t.a * (np.arange(cols) + 0.5)
        y = t.f + t.e * (np.arange(rows) + 0.5)
        return x, y

    @property
    def profile(self) -> dict[str, Any]:
        """A rasterio profile (GeoTIFF, the array's cell type, its nodata) for this raster."""
        nodata: float | None = self.nodata
        if self.array.dtype.kind != "f" and not np.isfinite(self.nodata):
            nodata = None
        return {
            "driver": "GTiff",
            "dtype": str(self.array.dtype),
            "count": 1,
            "height": self.shape[0],
            "width": self.shape[1],
            "crs": self.crs.to_wkt(),
            "transform": self.transform,
            "nodata": nodata,
        }

    def with_array(self, array: np.ndarray, *, name: str | None = None, units: str | None = None) -> Raster:
        """A new continuous (float) raster on the same grid with other values."""
        return Raster(
            np.asarray(array, dtype=float),
            self.transform,
            self.crs,
            name=self.name if name is None else name,
            units=self.units if units is None else units,
            nodata=self.nodata,
        )

    def same_grid(self, other: Raster) -> bool:
        """True if ``other`` has the same shape, transform (to 1e-6 of a cell) and CRS."""
        return (
            self.shape == other.shape
            and self.transform.almost_equals(other.transform, precision=1e-6 * max(self.res))
            and self.crs.equals(other.crs, ignore_axis_order=True)
        )

    def align_to(
        self,
        like: Raster,
        *,
        resampling: Resampling | None = "auto",
        label: str = "raster",
        like_label: str = "like",
    ) -> Raster:
        """This raster on the grid of ``like``: the one alignment rule of urbangeo.

        Parameters
        ----------
        like : Raster
            The raster whose grid (CRS, transform, shape) the result takes.
        resampling : {"auto", "nearest", "bilinear", "cubic", "average", "mode"} or None, default "auto"
            How to resample onto another grid in the same CRS. ``"auto"``: bilinear for
            continuous rasters, nearest neighbour for categorical ones (which refuse
            ``"bilinear"``, ``"cubic"`` and ``"average"``). None: another grid is an error.
        label, like_label : str
            The arguments the two rasters came in by, named in error messages.

        Returns
        -------
        Raster
            ``self`` when already on ``like``'s grid, else a resampled copy.

        Raises
        ------
        CRSMismatchError
            The two rasters are in different CRSs (reproject one first, see the message).
        RasterError
            Another grid with ``resampling=None``, or grids that do not overlap.

        Examples
        --------
        >>> from affine import Affine
        >>> a = Raster(np.zeros((2, 2)), Affine(10, 0, 0, 0, -10, 20), "EPSG:4547")
        >>> b = Raster(np.arange(16.0).reshape(4, 4), Affine(5, 0, 0, 0, -5, 20), "EPSG:4547")
        >>> b.align_to(a).shape
        (2, 2)
        >>> b.align_to(Raster(np.zeros((2, 2)), a.transform, "EPSG:4548"))
        Traceback (most recent call last):
        ...
        urbangeo.errors.CRSMismatchError: `raster` is in EPSG:4547 but `like` is in EPSG:4548; ...
        """
        if not isinstance(like, Raster):
            raise TypeError(f"`{like_label}` must be a urbangeo.raster.Raster; got {type(like).__name__}.")
        if resampling is not None:
            check_choice(resampling, "resampling", RESAMPLING)
        if not self.crs.equals(like.crs, ignore_axis_order=True):
            raise CRSMismatchError(
                f"`{label}` is in {_crs_label(self.crs)} but `{like_label}` is in {_crs_label(like.crs)}; "
                f"reproject it onto the other's grid first: "
                f"urbangeo.raster.reproject_raster({label}, like={like_label})."
            )
        if self.same_grid(like):
            return self
        if resampling is None:
            raise RasterError(
                f"`{label}` and `{like_label}` are not on the same grid (shapes {self.shape} vs {like.shape}, "
                f"geotransforms {tuple(self.transform)[:6]} vs {tuple(like.transform)[:6]}); resample one onto "
                f"the other first: {label}.align_to({like_label}, resampling="
                f"'{'nearest' if self.categorical else 'bilinear'}')."
            )
        a, b = self.bounds, like.bounds
        if a[0] >= b[2] or b[0] >= a[2] or a[1] >= b[3] or b[1] >= a[3]:
            raise RasterError(
                f"`{label}` (bounds {a}) does not overlap `{like_label}` (bounds {b}); nothing to align. "
                f"Check that both cover the same area."
            )
        return reproject_raster(self, like=like, resampling=resampling)

    def to_geotiff(self, path: str | os.PathLike, *, dtype: Literal["auto", "float32", "float64"] = "auto") -> Path:
        """Write the raster to a deflate-compressed GeoTIFF (cells without data as nodata); return the path.

        Parameters
        ----------
        path : path
            Output file.
        dtype : {"auto", "float32", "float64"}
            Cell type written. ``"auto"`` keeps an integer categorical raster's type and
            writes floats as float32 (half the size) when casting changes no value by
            more than :data:`FLOAT32_ATOL` (1e-6 in the raster's units, 1 micrometre
            for metres), float64 otherwise.

        Examples
        --------
        >>> import tempfile, os, rasterio
        >>> from affine import Affine
        >>> r = Raster(np.array([[0.5, 1.25]]), Affine(10, 0, 0, 0, -10, 10), "EPSG:4547")
        >>> with rasterio.open(r.to_geotiff(os.path.join(tempfile.mkdtemp(), "r.tif"))) as src:
        ...     src.dtypes[0], src.compression.value
        ('float32', 'DEFLATE')
        """
        check_choice(dtype, "dtype", ("auto", "float32", "float64"))
        return _write_raster_object(self, path, {} if dtype == "auto" else {"dtype": dtype})

    def require_metric(self, name: str = "raster") -> None:
        """Raise :class:`~urbangeo.errors.CRSError` unless the raster's CRS is projected in metres."""
        if not is_metric(self.crs):
            raise CRSError(
                f"`{name}` is in {self.crs.name}, not a metric CRS; reproject it first "
                f"(e.g. urbangeo.raster.reproject_raster({name}, crs=urbangeo.metric_crs(...)))."
            )


def reproject_raster(
    raster: Raster,
    *,
    crs: Any = None,
    like: Raster | None = None,
    resolution_m: float | None = None,
    resampling: Resampling = "auto",
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
    resampling : {"auto", "nearest", "bilinear", "cubic", "average", "mode"}, default "auto"
        Resampling method; ``"auto"`` is bilinear for continuous rasters and nearest
        neighbour for categorical ones.

    Returns
    -------
    Raster
        Same name, units and kind; cells outside ``raster`` have no data.

    Raises
    ------
    InvalidOptionError
        ``resolution_m`` not a positive finite number, unknown ``resampling``, or an
        interpolating method for a categorical raster.
    RasterError
        Neither ``crs`` nor ``like`` given.

    See Also
    --------
    Raster.align_to : the alignment rule for two rasters in one CRS.
    """
    from rasterio.warp import Resampling as _Resampling
    from rasterio.warp import calculate_default_transform, reproject

    check_choice(resampling, "resampling", RESAMPLING)
    if raster.categorical and resampling not in _CATEGORICAL_OK:
        raise InvalidOptionError(
            f"`resampling`={resampling!r} would interpolate class codes of the categorical raster "
            f"{raster.name or 'raster'!r} into classes that do not exist; use 'nearest' (or 'mode')."
        )
    method = ("nearest" if raster.categorical else "bilinear") if resampling == "auto" else resampling
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
        dst_transform, w, h = calculate_default_transform(raster.crs, dst_crs, cols, rows, *raster.bounds, **kw)
        shape = (h, w)
    src = raster.array
    if src.dtype.kind == "f" or not np.isfinite(raster.nodata):
        src, nodata = src.astype(float), np.nan  # integer codes without a nodata code: NaN outside
    else:
        nodata = raster.nodata
    out = np.full(shape, nodata, dtype=src.dtype)
    reproject(
        source=src,
        destination=out,
        src_transform=raster.transform,
        src_crs=raster.crs,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        src_nodata=nodata,
        dst_nodata=nodata,
        resampling=getattr(_Resampling, method),
    )
    return Raster(out, dst_transform, dst_crs, name=raster.name, units=raster.units,
                  nodata=raster.nodata, categorical=raster.categorical)


# --------------------------------------------------------------------------- GeoTIFF files
# The file side of urbangeo.io.read_raster / write_raster (kept here so that io imports raster, not back).

#: Largest absolute change the float32 cast may make to a value for float64 data to be written as float32
#: (1e-6 in the data's units: 1 micrometre for metres, far below any survey's or model's precision).
FLOAT32_ATOL = 1e-6


def check_georeferenced(profile: dict, *, name: str = "raster") -> None:
    """Raise :class:`GeoreferenceError` if a rasterio profile has no CRS or geotransform.

    Parameters
    ----------
    profile : dict
        A rasterio profile (or any mapping with ``crs`` and ``transform``).
    name : str, default "raster"
        What the profile belongs to, named in the error message.

    Raises
    ------
    GeoreferenceError
        ``profile`` has no CRS, or no geotransform (none, or the identity: pixel
        coordinates only).

    Examples
    --------
    >>> from affine import Affine
    >>> check_georeferenced({"crs": "EPSG:4547", "transform": Affine(30, 0, 0, 0, -30, 60)})
    >>> check_georeferenced({"crs": None, "transform": Affine.identity()}, name="dem")
    Traceback (most recent call last):
    urbangeo.errors.GeoreferenceError: `dem` has no CRS; ...
    """
    if profile.get("crs") is None:
        raise GeoreferenceError(
            f"`{name}` has no CRS; set one when writing it (e.g. profile['crs'] = 'EPSG:4547') or "
            f"assign it with `gdal_edit.py -a_srs EPSG:4547 file.tif`."
        )
    transform = profile.get("transform")
    if transform is None or Affine(*tuple(transform)[:6]) == Affine.identity():
        raise GeoreferenceError(
            f"`{name}` has no geotransform (pixel coordinates only); georeference it first, "
            f"e.g. with rasterio.transform.from_origin(west, north, xres, yres)."
        )


def _float_dtype(arr: np.ndarray) -> str:
    """Smallest float type holding ``arr``: "float32" if the cast moves no finite value by more than
    :data:`FLOAT32_ATOL` (NaN stays NaN, nothing overflows to inf), else "float64"."""
    if np.asarray(arr).dtype == np.float32:
        return "float32"
    a = np.ma.getdata(arr).astype(float, copy=False)
    if np.ma.isMaskedArray(arr):
        a = a[~np.ma.getmaskarray(arr)]
    with np.errstate(over="ignore", invalid="ignore"):
        b = a.astype(np.float32)
    finite = np.isfinite(a)
    if not np.array_equal(np.isfinite(b), finite):  # overflow to inf
        return "float64"
    if not finite.any():
        return "float32"
    err = np.abs(a[finite] - b[finite].astype(float))
    return "float32" if float(err.max()) <= FLOAT32_ATOL else "float64"


def _check_raster_array(data: np.ndarray, dtype: Any, name: str = "raster") -> None:
    """Refuse what GDAL cannot write as cells before a file is opened (text, objects, no cells).

    Booleans are written only with a cell type given (``dtype="uint8"``): GDAL has no boolean type.
    """
    if data.ndim not in (2, 3):
        raise RasterError(
            f"`{name}` must be 2-D (rows, columns) or 3-D (bands, rows, columns); got {data.ndim}-D with shape "
            f"{data.shape}; reshape it, e.g. array.reshape(height, width)."
        )
    if data.dtype.kind not in "iufc" and not (data.dtype.kind == "b" and dtype is not None):
        fix = ("GeoTIFF has no boolean cells: pass dtype='uint8', or convert it, e.g. array.astype('uint8')"
               if data.dtype.kind == "b"
               else "convert it to numbers first, e.g. array.astype(float) (text that is not a number cannot be a "
                    "raster cell)")
        raise RasterError(f"`{name}` must hold numbers, but has dtype {data.dtype}; {fix}.")
    if data.size == 0:
        raise EmptyDataError(
            f"`{name}` has no cells (shape {data.shape}); a GeoTIFF needs at least one row and one column. Check "
            f"the step that produced it (e.g. a clip outside the raster)."
        )


def _write_geotiff(array: np.ndarray, target: str | os.PathLike, profile: dict, overrides: dict) -> Path:
    """:func:`urbangeo.io.write_raster` for an array and a rasterio profile."""
    import rasterio

    prof = dict(profile)
    prof.update(overrides)
    check_georeferenced(prof, name="profile")
    data = np.asarray(array) if not np.ma.isMaskedArray(array) else array
    _check_raster_array(data, prof.get("dtype"))
    if data.ndim == 2:
        data = data[np.newaxis]
    prof.update(driver="GTiff", count=data.shape[0], height=data.shape[1], width=data.shape[2])
    if prof.get("dtype") is None:
        prof["dtype"] = _float_dtype(data) if data.dtype == np.float64 else str(data.dtype)
    prof["dtype"] = str(np.dtype(prof["dtype"]))
    if prof.get("compress") is None:
        prof["compress"] = "deflate"
    if str(prof["compress"]).lower() == "none":
        prof.pop("compress")
        prof.pop("predictor", None)
    elif "predictor" not in overrides:
        kind = np.dtype(prof["dtype"]).kind
        if str(prof["compress"]).lower() in ("deflate", "lzw", "zstd", "lzma") and kind in "fiu":
            prof["predictor"] = 3 if kind == "f" else 2
        else:  # predictors apply to these codecs and number types only
            prof.pop("predictor", None)
    if np.ma.isMaskedArray(data):
        nodata = prof.get("nodata")
        if nodata is None:
            nodata = np.nan if np.issubdtype(np.dtype(prof["dtype"]), np.floating) else 0
            prof["nodata"] = nodata
        data = data.filled(nodata)
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(data.astype(prof["dtype"], copy=False))
    return path


def _write_raster_object(raster: Raster, target: str | os.PathLike, overrides: dict) -> Path:
    """Write a :class:`Raster` (band description = name, ``units`` tag) with its own profile."""
    import rasterio

    prof = raster.profile
    prof["crs"] = raster.crs
    arr = raster.array
    if arr.dtype.kind == "f" and np.isfinite(raster.nodata):
        arr = np.where(np.isnan(arr), raster.nodata, arr)
    if arr.dtype.kind == "f":
        prof["dtype"] = None  # float32 when lossless, see _float_dtype
    path = _write_geotiff(arr, target, prof, overrides)
    if raster.name or raster.units:
        with rasterio.open(path, "r+") as dst:
            dst.set_band_description(1, raster.name)
            dst.update_tags(1, units=raster.units)
    return path


def _read_raster(
    source: str | os.PathLike,
    *,
    band: int = 1,
    name: str | None = None,
    units: str | None = None,
    categorical: bool | None = None,
    arg: str | None = None,
) -> Raster:
    """:func:`urbangeo.io.read_raster`; ``arg`` is the argument the path came in by, named in
    georeference errors (default ``source`` and the path)."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    label = f"source {str(source)!r}" if arg is None else arg
    with warnings.catch_warnings():
        if arg is not None:  # a wing's door: refused just below with GeoreferenceError naming the argument
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(source) as src:
            check_georeferenced({"crs": src.crs, "transform": src.transform}, name=label)
            if not isinstance(band, (int, np.integer)) or isinstance(band, bool) or not 1 <= band <= src.count:
                raise InvalidOptionError(
                    f"`band` must be between 1 and {src.count} for {str(source)!r}; got {band!r}."
                )
            arr = src.read(band, masked=True)
            dtype, nodata, transform, crs = src.dtypes[band - 1], src.nodata, src.transform, src.crs
            tag_units = src.tags(band).get("units", "")
            description = src.descriptions[band - 1]
    if categorical is None:
        categorical = np.dtype(dtype).kind in "iu"
    # continuous values mark cells without data with NaN; class codes keep the file's nodata code
    nd = float(nodata) if nodata is not None and categorical else float("nan")
    return Raster(arr, transform, crs, name=name or description or Path(source).stem,
                  units=tag_units if units is None else units, nodata=nd, categorical=categorical,
                  meta={"source": str(source), "dtype": dtype})


def _as_raster(obj: Any, arg: str, *, categorical: bool | None = None) -> Any:
    """A wing's door for a raster argument: a path is read (errors name ``arg``); anything else is returned as is."""
    if isinstance(obj, (str, os.PathLike)):
        return _read_raster(obj, categorical=categorical, arg=arg)
    return obj
