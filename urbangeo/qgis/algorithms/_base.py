"""The base class of urbangeo's Processing algorithms: conversions only, no analysis.

Every algorithm reads its layers into GeoDataFrames (:func:`urbangeo.qgis.layer_to_gdf`),
calls one public urbangeo function, and writes the result to its outputs. urbangeo's
errors become ``QgsProcessingException`` with the library's message, so the user sees
what is wrong and how to fix it in the Processing log.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from qgis.core import (
    QgsFeatureSink,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
)
from qgis.PyQt.QtCore import QCoreApplication

from ...errors import UrbangeoError, UrbangeoWarning
from .._convert import frame_features, frame_fields, frame_wkb_type, layer_to_gdf, qgis_crs

__all__ = ["UrbangeoAlgorithm", "GROUPS"]

#: group id -> display name
GROUPS = {
    "accessibility": "Accessibility",
    "subsidence": "Subsidence restoration",
    "landuse": "Land-use conversion",
}


class _FeedbackHandler(logging.Handler):
    """Forwards urbangeo's log warnings to the Processing feedback."""

    def __init__(self, feedback) -> None:
        super().__init__(level=logging.WARNING)
        self.feedback = feedback

    def emit(self, record: logging.LogRecord) -> None:
        self.feedback.pushWarning(f"{record.name}: {record.getMessage()}")


class UrbangeoAlgorithm(QgsProcessingAlgorithm):
    """Shared plumbing; subclasses set the class attributes and write ``define`` / ``compute``."""

    NAME = ""
    DISPLAY = ""
    GROUP = ""
    HELP = ""
    #: (module, attribute) pairs the algorithm needs; it is listed only when they import.
    REQUIRES: tuple[tuple[str, str], ...] = ()

    # ---- identity ---------------------------------------------------------------
    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:
        return self.tr(self.DISPLAY)

    def group(self) -> str:
        return self.tr(GROUPS[self.GROUP])

    def groupId(self) -> str:
        return self.GROUP

    def shortHelpString(self) -> str:
        return self.tr(self.HELP)

    def createInstance(self):
        return type(self)()

    @staticmethod
    def tr(text: str) -> str:
        return QCoreApplication.translate("urbangeo", text)

    @classmethod
    def available(cls) -> str | None:
        """None when the library functions this algorithm calls import, else the reason."""
        for module, attr in cls.REQUIRES:
            try:
                getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as exc:
                return f"{module}.{attr}: {exc}"
        return None

    @staticmethod
    def function(module: str, attr: str):
        return getattr(importlib.import_module(module), attr)

    # ---- the two halves every algorithm writes ------------------------------------
    def initAlgorithm(self, config=None) -> None:
        self.define()

    def define(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def compute(self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback) -> dict:
        raise NotImplementedError  # pragma: no cover - abstract

    def processAlgorithm(self, parameters, context, feedback):
        # urbangeo's warnings and log warnings go to the Processing log, never lost
        handler = _FeedbackHandler(feedback)
        logger = logging.getLogger("urbangeo")
        logger.addHandler(handler)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", UrbangeoWarning)
                shown = warnings.showwarning

                def show(message, category, filename, lineno, file=None, line=None):
                    if issubclass(category, UrbangeoWarning):
                        feedback.pushWarning(f"{category.__name__}: {message}")
                    else:  # not ours: shown as usual
                        shown(message, category, filename, lineno, file, line)

                warnings.showwarning = show
                try:
                    return self.compute(parameters, context, feedback)
                except UrbangeoError as exc:
                    raise QgsProcessingException(f"{type(exc).__name__}: {exc}") from exc
        finally:
            logger.removeHandler(handler)

    # ---- conversions ----------------------------------------------------------------
    def frame(self, parameters: dict, name: str, context: QgsProcessingContext, *, optional: bool = False) -> gpd.GeoDataFrame | None:
        """The GeoDataFrame of a feature-source parameter (honours "selected features only")."""
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            if optional:
                return None
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        return layer_to_gdf(source)

    def raster_path(self, parameters: dict, name: str, context: QgsProcessingContext, *, optional: bool = False) -> str | None:
        layer = self.parameterAsRasterLayer(parameters, name, context)
        if layer is None:
            if optional:
                return None
            raise QgsProcessingException(self.invalidRasterError(parameters, name))
        return layer.source()

    def field(self, parameters: dict, name: str, context: QgsProcessingContext) -> str | None:
        value = self.parameterAsString(parameters, name, context)
        return value or None

    def write_frame(self, gdf: pd.DataFrame, parameters: dict, name: str, context: QgsProcessingContext, feedback=None) -> str:
        """Write a (Geo)DataFrame to a feature-sink parameter; return the destination id."""
        fields, kinds = frame_fields(gdf)
        wkb_type = frame_wkb_type(gdf)
        crs = qgis_crs(gdf.crs) if isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns else None
        args = (parameters, name, context, fields, wkb_type) + ((crs,) if crs is not None else ())
        sink, dest_id = self.parameterAsSink(*args)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        n = len(gdf)
        for i, feat in enumerate(frame_features(gdf, fields, kinds, wkb_type)):
            if not sink.addFeature(feat, QgsFeatureSink.FastInsert):
                raise QgsProcessingException(f"could not write feature {i} to {name}: {sink.lastError()}")
            if feedback is not None and n and i % 1000 == 0:
                feedback.setProgress(90 + 10 * i / n)
        return dest_id

    @staticmethod
    def file_path(path: str) -> Path:
        return Path(path)

    @staticmethod
    def values(text: str, cast: Any = float) -> tuple:
        """Parse '5, 10, 15' into (5.0, 10.0, 15.0)."""
        try:
            return tuple(cast(v) for v in text.replace(";", ",").split(",") if v.strip())
        except ValueError as exc:
            raise QgsProcessingException(f"expected comma-separated numbers, got {text!r}") from exc
