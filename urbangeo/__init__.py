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
from typing import Any

from . import crs, errors, io
from ._logging import hide_logs, show_logs
from .crs import metric_crs, to_metric
from .errors import UrbangeoError
from .io import read, write
from .settings import settings

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

_LAZY = ("accessibility", "subsidence", "landuse", "datasets", "testing")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'urbangeo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
