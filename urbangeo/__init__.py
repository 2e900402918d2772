"""urbangeo: geospatial analysis for cities in transformation.

The core (this package's top level) holds what every domain shares: errors, input
validation, the CRS contract, I/O, settings, logging and progress bars. The three
domain subpackages are imported on first use:

* :mod:`urbangeo.landuse`: collective-to-state land conversion, blocks, change;
* :mod:`urbangeo.subsidence`: subsidence prediction and restoration zoning;
* :mod:`urbangeo.accessibility`: street networks from OSM and walking access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import errors
from ._logging import hide_logs, show_logs
from .errors import UrbangeoError
from .settings import settings

if TYPE_CHECKING:  # imported on first use below: geopandas, pyproj and pandas take ~0.7 s to import
    from . import crs, io
    from .crs import metric_crs, to_metric
    from .io import read, write

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "crs",
    "errors",
    "io",
    "read",
    "write",
    "metric_crs",
    "to_metric",
    "settings",
    "show_logs",
    "hide_logs",
    "UrbangeoError",
    "accessibility",
    "subsidence",
    "landuse",
]

_LAZY = ("accessibility", "subsidence", "landuse", "datasets", "testing", "crs", "io")
#: Names re-exported from a core module, imported on first use (``import urbangeo`` stays cheap
#: for the command line's start-up; the first ``urbangeo.read`` imports geopandas).
_LAZY_NAMES = {"metric_crs": "crs", "to_metric": "crs", "read": "io", "write": "io"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'urbangeo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_NAMES))
