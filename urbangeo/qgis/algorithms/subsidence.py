"""Processing algorithms of :mod:`urbangeo.subsidence` (thin wrappers)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ._base import UrbangeoAlgorithm

SUB = "urbangeo.subsidence"
#: optional default PIM parameters: parameter name -> (PIM symbol, label)
PIM_INPUTS = {
    "M": ("m", "Extracted seam thickness m (m), where the panels have no 'm' field"),
    "H": ("H", "Mean mining depth H (m), where the panels have no 'H' field"),
    "Q": ("q", "Subsidence factor q, where the panels have no 'q' field"),
    "TAN_BETA": ("tan_beta", "Tangent of the major influence angle tan(beta), where no 'tan_beta' field"),
}
DEFORMATIONS = {"TILT_MAX": "tilt_max", "CURVATURE_MAX": "curvature_max", "STRAIN_MAX": "strain_max"}


class PredictSubsidence(UrbangeoAlgorithm):
    NAME = "predict_subsidence"
    DISPLAY = "Predict mining subsidence (PIM)"
    GROUP = "subsidence"
    REQUIRES = ((SUB, "predict_subsidence"), (SUB, "predict_deformation"))
    METHODS = ("auto", "closed_form", "grid")
    HELP = (
        "Final subsidence W (m, positive down) of mined panels with the probability integral method "
        "(urbangeo.subsidence.predict_subsidence): exact erf closed form for rectangular panels, the Gaussian "
        "influence integral on the grid for other polygons; panels and seams add up. The panels carry the PIM "
        "parameters as fields (m, H, q, tan_beta, alpha, theta0, s, b); values given here fill missing fields. "
        "Optional outputs: maximum tilt (m/m), curvature (1/m) and horizontal strain (m/m) "
        "(urbangeo.subsidence.predict_deformation). GeoTIFFs in a metric CRS."
    )

    def define(self):
        self.addParameter(QgsProcessingParameterFeatureSource("PANELS", self.tr("Mining panels (goaf polygons)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterNumber("RESOLUTION_M", self.tr("Cell size (m)"), type=QgsProcessingParameterNumber.Double,
                                                       defaultValue=10.0, minValue=0.01))  # fmt: skip
        for name, (_, label) in PIM_INPUTS.items():
            self.addParameter(QgsProcessingParameterNumber(name, self.tr(label), type=QgsProcessingParameterNumber.Double, minValue=0, optional=True))
        self.addParameter(QgsProcessingParameterEnum("METHOD", self.tr("Method"), options=["auto (closed form for rectangles)", "closed form", "grid (Gaussian)"], defaultValue=0))
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT", self.tr("Subsidence W (m)")))
        for name, q in DEFORMATIONS.items():
            self.addParameter(QgsProcessingParameterRasterDestination(name, self.tr(q.replace("_", " ")), optional=True, createByDefault=False))

    def compute(self, parameters, context, feedback):
        panels = self.frame(parameters, "PANELS", context)
        params = {sym: self.parameterAsDouble(parameters, name, context) for name, (sym, _) in PIM_INPUTS.items()
                  if parameters.get(name) not in (None, "")}  # fmt: skip
        wanted = {name: q for name, q in DEFORMATIONS.items() if parameters.get(name) not in (None, "")}
        options = {
            "resolution_m": self.parameterAsDouble(parameters, "RESOLUTION_M", context),
            "params": params or None,
            "method": self.METHODS[self.parameterAsEnum(parameters, "METHOD", context)],
        }
        if wanted:
            rasters = self.function(SUB, "predict_deformation")(panels, quantities=("subsidence", *wanted.values()), **options)
        else:
            rasters = {"subsidence": self.function(SUB, "predict_subsidence")(panels, **options)}
        w = rasters["subsidence"]
        feedback.pushInfo(f"grid {w.shape[1]} x {w.shape[0]} cells of {w.res[0]} m in {w.crs.to_string()}; max W {float(w.array.max()):.3f} m")
        results = {"OUTPUT": str(w.to_geotiff(self.parameterAsOutputLayer(parameters, "OUTPUT", context)))}
        for name, q in wanted.items():
            results[name] = str(rasters[q].to_geotiff(self.parameterAsOutputLayer(parameters, name, context)))
        return results


class RestorationZones(UrbangeoAlgorithm):
    NAME = "restoration_zones"
    DISPLAY = "Restoration zones of a subsidence basin"
    GROUP = "subsidence"
    REQUIRES = ((SUB, "restoration_zones"), (SUB, "read_raster"))
    HELP = (
        "Zones of a subsidence raster with their restoration use (level and return to farmland / drainage and "
        "raised fields / shallow wetland and purification terraces / deep lake, from a table that cites its "
        "source), water at the normal water level (groundwater depth), shoreline length and development index, "
        "storage volume, damage grade (with tilt and strain rasters) and stability (with a subsidence-rate "
        "raster) (urbangeo.subsidence.restoration_zones). Areas in m2, ha and mu."
    )

    def define(self):
        self.addParameter(QgsProcessingParameterRasterLayer("SUBSIDENCE", self.tr("Subsidence W (m, positive down, metric CRS)")))
        self.addParameter(QgsProcessingParameterNumber("GROUNDWATER_DEPTH_M", self.tr("Depth to the water table before mining (m)"),
                                                       type=QgsProcessingParameterNumber.Double, defaultValue=1.5, minValue=0))  # fmt: skip
        self.addParameter(QgsProcessingParameterRasterLayer("GROUNDWATER", self.tr("Depth to the water table as a raster (m; overrides the number)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber("MIN_AREA_M2", self.tr("Smallest zone kept (m2)"), type=QgsProcessingParameterNumber.Double,
                                                       defaultValue=0.0, minValue=0))  # fmt: skip
        self.addParameter(QgsProcessingParameterNumber("CLEAN_RADIUS_CELLS", self.tr("Morphological cleaning radius (cells)"), defaultValue=1, minValue=0))
        self.addParameter(QgsProcessingParameterRasterLayer("TILT_MAX", self.tr("Maximum tilt (m/m), for the damage grade"), optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer("STRAIN_MAX", self.tr("Maximum horizontal strain (m/m), for the damage grade"), optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer("RATE", self.tr("Subsidence rate (m/yr), for stability"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Restoration zones"), QgsProcessing.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        read = self.function(SUB, "read_raster")

        def raster(name, optional=True):
            path = self.raster_path(parameters, name, context, optional=optional)
            return None if path is None else read(path)

        groundwater = raster("GROUNDWATER")
        zones = self.function(SUB, "restoration_zones")(
            raster("SUBSIDENCE", optional=False),
            groundwater_depth_m=groundwater if groundwater is not None else self.parameterAsDouble(parameters, "GROUNDWATER_DEPTH_M", context),
            min_area_m2=self.parameterAsDouble(parameters, "MIN_AREA_M2", context),
            clean_radius_cells=self.parameterAsInt(parameters, "CLEAN_RADIUS_CELLS", context),
            tilt_max=raster("TILT_MAX"),
            strain_max=raster("STRAIN_MAX"),
            rate=raster("RATE"),
        )
        feedback.pushInfo(f"{len(zones)} zones")
        return {"OUTPUT": self.write_frame(zones, parameters, "OUTPUT", context, feedback)}


ALGORITHMS = [PredictSubsidence, RestorationZones]
