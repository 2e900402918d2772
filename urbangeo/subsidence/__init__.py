"""Subsidence prediction, observed subsidence and restoration zoning."""

from ._raster import Raster, read_raster, reproject_raster
from .pim import PIM_DEFAULTS, QUANTITIES, panel_parameters, predict_deformation, predict_subsidence

__all__ = [
    "Raster",
    "read_raster",
    "reproject_raster",
    "PIM_DEFAULTS",
    "QUANTITIES",
    "panel_parameters",
    "predict_subsidence",
    "predict_deformation",
]
