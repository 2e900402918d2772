# ruff: noqa: E402  (the dependency check must run before the submodules import rasterio/scipy)
"""Subsidence prediction, observed subsidence, restoration zoning and park planning.

* :mod:`~urbangeo.subsidence.pim`: :func:`predict_subsidence`, :func:`predict_deformation`
  (probability integral method);
* :mod:`~urbangeo.subsidence.observed`: :func:`insar_to_subsidence`,
  :func:`dem_difference`, :func:`subsidence_from_points`;
* :mod:`~urbangeo.subsidence.areas`: :func:`subsidence_areas`, :func:`water_depth`,
  :func:`water_bodies`;
* :mod:`~urbangeo.subsidence.restoration`: :func:`restoration_zones`, :func:`terrace_bands`,
  :func:`safety_shelf`, :func:`structure_setbacks`, :func:`damage_grades`,
  :func:`knothe_subsidence`, :func:`knothe_rate`;
* :mod:`~urbangeo.subsidence.parks`: :func:`park_plan`, :func:`park_landcover` (park
  class from :mod:`urbangeo.standards`, entrances and walking service areas from
  :mod:`urbangeo.accessibility`).

Rasters are :class:`urbangeo.raster.Raster` objects (array, transform, metric CRS;
``.to_geotiff``); ``Raster``, ``read_raster`` (:func:`urbangeo.io.read_raster`) and
``reproject_raster`` are the core's, re-exported here for convenience.
"""

import importlib.util as _ilu

from ..errors import MissingDependencyError as _MissingDependencyError

_missing = [_m for _m in ("rasterio", "scipy") if _ilu.find_spec(_m) is None]
if _missing:  # pragma: no cover - the raster extra is part of every documented install
    raise _MissingDependencyError(
        f"urbangeo.subsidence needs {' and '.join(_missing)}: pip install 'urbangeo[raster]'"
    )

from ..io import read_raster
from ..raster import Raster, reproject_raster
from .areas import DEFAULT_CLASSES, MU_M2, subsidence_areas, water_bodies, water_depth
from .observed import INSAR_CONVENTIONS, dem_difference, insar_to_subsidence, subsidence_from_points
from .parks import park_landcover, park_plan
from .pim import PIM_DEFAULTS, QUANTITIES, panel_parameters, predict_deformation, predict_subsidence
from .restoration import (
    damage_grades,
    knothe_rate,
    knothe_subsidence,
    restoration_zones,
    safety_shelf,
    structure_setbacks,
    terrace_bands,
)

__all__ = [
    "Raster",
    "read_raster",
    "reproject_raster",
    "PIM_DEFAULTS",
    "QUANTITIES",
    "panel_parameters",
    "predict_subsidence",
    "predict_deformation",
    "INSAR_CONVENTIONS",
    "insar_to_subsidence",
    "dem_difference",
    "subsidence_from_points",
    "DEFAULT_CLASSES",
    "MU_M2",
    "subsidence_areas",
    "water_depth",
    "water_bodies",
    "restoration_zones",
    "terrace_bands",
    "safety_shelf",
    "structure_setbacks",
    "damage_grades",
    "knothe_subsidence",
    "knothe_rate",
    "park_plan",
    "park_landcover",
]
