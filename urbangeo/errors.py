"""Exceptions and warnings raised by urbangeo.

Every exception derives from :class:`UrbangeoError` *and* from the builtin that
matches its meaning, so ``except ValueError`` keeps working in user code that does
not know about urbangeo (the pattern of ``rasterio.errors``).

Every message names the argument, the problem and the fix, for example::

    CRSError: `parcels` has no CRS. Set it first, e.g. parcels.set_crs("EPSG:4490")
    if the coordinates are CGCS2000 longitude/latitude.
"""

from __future__ import annotations

__all__ = [
    "UrbangeoError",
    "CRSError",
    "CRSMismatchError",
    "GeometryTypeError",
    "InvalidGeometryError",
    "EmptyDataError",
    "MissingColumnError",
    "ColumnTypeError",
    "UnknownCodeError",
    "InvalidOptionError",
    "DisconnectedNetworkError",
    "RasterError",
    "GeoreferenceError",
    "SettingsError",
    "MissingDependencyError",
    "LayerNotFoundError",
    "UrbangeoWarning",
    "DroppedRowsWarning",
    "GeometryFixedWarning",
    "UnknownCodeWarning",
    "CategoryMismatchWarning",
    "EmptyInputWarning",
    "SkippedTestsWarning",
    "MissingValuesWarning",
    "SnapWarning",
    "TopologyRepairWarning",
]


class UrbangeoError(Exception):
    """Root of every exception raised by urbangeo."""


class CRSError(UrbangeoError, ValueError):
    """A coordinate reference system is missing or unsuitable."""


class CRSMismatchError(CRSError):
    """Two inputs that must share a CRS do not."""


class GeometryTypeError(UrbangeoError, TypeError):
    """A geometry column holds a geometry type the function cannot use."""


class InvalidGeometryError(UrbangeoError, ValueError):
    """Geometries are invalid (self-intersections, bad rings) and policy is 'raise'."""


class EmptyDataError(UrbangeoError, ValueError):
    """An input has no rows, or only empty/missing geometries."""


class MissingColumnError(UrbangeoError, KeyError):
    """A required column is absent."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class ColumnTypeError(UrbangeoError, TypeError):
    """A column exists but holds the wrong kind of values."""


class UnknownCodeError(UrbangeoError, ValueError):
    """Codes (land-use classes, ownership codes, ...) are not in the reference table."""

    def __init__(self, message: str, *, codes=(), rows=()):
        super().__init__(message)
        self.codes = list(codes)
        self.rows = list(rows)


class InvalidOptionError(UrbangeoError, ValueError):
    """An option has a value outside its allowed set or range."""


class DisconnectedNetworkError(UrbangeoError, ValueError):
    """A network is disconnected where the computation needs connectivity."""


class RasterError(UrbangeoError, ValueError):
    """A raster cannot be used as given."""


class GeoreferenceError(RasterError):
    """A raster has no CRS or no geotransform."""


class SettingsError(UrbangeoError, KeyError):
    """Unknown setting or invalid setting value."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingDependencyError(UrbangeoError, ImportError):
    """An optional dependency is needed; the message gives the install command."""


class LayerNotFoundError(UrbangeoError, LookupError):
    """A file has no layer of the requested name or index; the message lists the layers it has."""


class UrbangeoWarning(UserWarning):
    """Root of urbangeo's warnings."""


class DroppedRowsWarning(UrbangeoWarning):
    """Rows were excluded from a computation; the warning says how many and why."""


class GeometryFixedWarning(UrbangeoWarning):
    """Invalid geometries were repaired with ``make_valid``."""


class UnknownCodeWarning(UrbangeoWarning):
    """Codes not in the reference table were kept as they are (e.g. in a summary column)."""


class SnapWarning(UrbangeoWarning):
    """Points were snapped doubtfully: a long access leg, or moved off their own network piece."""


class CategoryMismatchWarning(UrbangeoWarning):
    """Required categories match none of the categories in the data (e.g. a standard's names vs OSM tags)."""


class EmptyInputWarning(UrbangeoWarning):
    """An input has no rows to use, so every result is missing (NaN) or zero."""


class SkippedTestsWarning(UrbangeoWarning):
    """Tests (e.g. legal screening tests) were not run because an input they need was not given."""


class MissingValuesWarning(UrbangeoWarning):
    """Values a result needs are missing (NaN); the affected results are NaN and listed."""


class TopologyRepairWarning(UrbangeoWarning):
    """Line topology was repaired (split at crossings, gaps closed, duplicates dropped); the warning counts each kind."""
