"""Processing algorithms of :mod:`urbangeo.landuse` (thin wrappers)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterMapLayer,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsRasterLayer,
    QgsVectorLayer,
)

from .._convert import layer_to_gdf
from ._base import UrbangeoAlgorithm

LU = "urbangeo.landuse"
PROFILES = ("national", "guangdong", "zhejiang")
POLYGONS = [QgsProcessing.TypeVectorPolygon]


# Field parameters with a default are optional: QGIS 3.22 rejects a missing non-optional
# field parameter even when it has a default value.


class ScreenConversion(UrbangeoAlgorithm):
    NAME = "screen_conversion"
    DISPLAY = "Screen parcels for conversion (collective to state land)"
    GROUP = "landuse"
    REQUIRES = ((LU, "screen_conversion"),)
    ROUTES = ("expropriation", "market_entry")
    HELP = (
        "Screens cadastral parcels for the expropriation or market-entry route under a rule profile "
        "(urbangeo.landuse.screen_conversion): eligibility, the failed tests in words, overlap areas with the "
        "development boundary, basic farmland and the ecological red line (slivers tolerated), approval level and "
        "the construction-land quota needed. Parcels need a GB/T 21010 land-class field (DLBM) and an ownership "
        "field (QSXZ). Constraint layers must be in the parcels' CRS. Invalid geometries are fixed and reported; "
        "nothing is dropped (excluded rows are flagged)."
    )

    def define(self):
        self.addParameter(QgsProcessingParameterFeatureSource("PARCELS", self.tr("Parcels"), POLYGONS))
        self.addParameter(QgsProcessingParameterEnum("ROUTE", self.tr("Route"), options=["expropriation (LAL Art. 45)", "market entry (LAL Art. 63)"], defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource("DEVELOPMENT_BOUNDARY", self.tr("Urban development boundary"), POLYGONS, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource("BASIC_FARMLAND", self.tr("Permanent basic farmland"), POLYGONS, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource("RED_LINE", self.tr("Ecological protection red line"), POLYGONS, optional=True))
        self.addParameter(QgsProcessingParameterField("PLANNING_FIELD", self.tr("Planned-use field of the parcels (2020 planning classes)"),
                                                      parentLayerParameterName="PARCELS", optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterEnum("PROFILE", self.tr("Rule profile"), options=list(PROFILES), defaultValue=0))
        self.addParameter(QgsProcessingParameterField("CLASS_FIELD", self.tr("Land-class field (GB/T 21010)"), defaultValue="DLBM", parentLayerParameterName="PARCELS", optional=True))
        self.addParameter(QgsProcessingParameterField("OWNERSHIP_FIELD", self.tr("Ownership field (QSXZ)"), defaultValue="QSXZ", parentLayerParameterName="PARCELS", optional=True))
        self.addParameter(QgsProcessingParameterField("CONSENT_FIELD", self.tr("Villager consent share field (0-1; market entry)"),
                                                      parentLayerParameterName="PARCELS", type=QgsProcessingParameterField.Numeric, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Screened parcels"), QgsProcessing.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        out = self.function(LU, "screen_conversion")(
            self.frame(parameters, "PARCELS", context),
            route=self.ROUTES[self.parameterAsEnum(parameters, "ROUTE", context)],
            development_boundary=self.frame(parameters, "DEVELOPMENT_BOUNDARY", context, optional=True),
            basic_farmland=self.frame(parameters, "BASIC_FARMLAND", context, optional=True),
            red_line=self.frame(parameters, "RED_LINE", context, optional=True),
            planning=self.field(parameters, "PLANNING_FIELD", context),
            profile=PROFILES[self.parameterAsEnum(parameters, "PROFILE", context)],
            class_col=self.field(parameters, "CLASS_FIELD", context) or "DLBM",
            ownership_col=self.field(parameters, "OWNERSHIP_FIELD", context) or "QSXZ",
            consent_col=self.field(parameters, "CONSENT_FIELD", context),
        )
        info = out.attrs.get("screening", {})
        feedback.pushInfo(f"{int(out['eligible'].sum())} of {len(out)} parcels eligible")
        if info.get("tests_not_run"):
            feedback.pushWarning(f"tests not run (a layer or field was not given): {info['tests_not_run']}")
        return {"OUTPUT": self.write_frame(out, parameters, "OUTPUT", context, feedback)}


class AssembleBlocks(UrbangeoAlgorithm):
    NAME = "assemble_blocks"
    DISPLAY = "Assemble contiguous development blocks"
    GROUP = "landuse"
    REQUIRES = ((LU, "assemble_blocks"), (LU, "block_membership"))
    HELP = (
        "Dissolves touching parcels (or parcels closer than the gap, across roads and ditches) into contiguous "
        "blocks (urbangeo.landuse.assemble_blocks): parcel count, area, Polsby-Popper compactness, ownership mix, "
        "a flag for blocks under the minimum area and, with a planned-use field, the public-interest share check. "
        "The optional second output is every parcel with its block_id (urbangeo.landuse.block_membership)."
    )

    def define(self):
        self.addParameter(QgsProcessingParameterFeatureSource("PARCELS", self.tr("Parcels (e.g. the eligible ones)"), POLYGONS))
        self.addParameter(QgsProcessingParameterNumber("GAP_M", self.tr("Link parcels closer than (m)"), type=QgsProcessingParameterNumber.Double,
                                                       defaultValue=0.0, minValue=0))  # fmt: skip
        self.addParameter(QgsProcessingParameterNumber("MIN_AREA_M2", self.tr("Minimum block area (m2; empty = profile)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterField("BY", self.tr("Only link parcels with the same value of"), parentLayerParameterName="PARCELS", optional=True))
        self.addParameter(QgsProcessingParameterField("OWNERSHIP_FIELD", self.tr("Ownership field (QSXZ)"), parentLayerParameterName="PARCELS", optional=True))
        self.addParameter(QgsProcessingParameterField("PLANNING_FIELD", self.tr("Planned-use field (2020 planning classes)"), parentLayerParameterName="PARCELS", optional=True))
        self.addParameter(QgsProcessingParameterEnum("PROFILE", self.tr("Rule profile"), options=list(PROFILES), defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Blocks"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink("MEMBERSHIP", self.tr("Parcels with block_id"), QgsProcessing.TypeVectorPolygon, optional=True))

    def compute(self, parameters, context, feedback):
        parcels = self.frame(parameters, "PARCELS", context)
        gap = self.parameterAsDouble(parameters, "GAP_M", context)
        by = self.field(parameters, "BY", context)
        min_area = None if parameters.get("MIN_AREA_M2") in (None, "") else self.parameterAsDouble(parameters, "MIN_AREA_M2", context)
        blocks = self.function(LU, "assemble_blocks")(
            parcels, gap_m=gap, min_area_m2=min_area, group_by=by,
            ownership_col=self.field(parameters, "OWNERSHIP_FIELD", context),
            planning_col=self.field(parameters, "PLANNING_FIELD", context),
            profile=PROFILES[self.parameterAsEnum(parameters, "PROFILE", context)],
        )  # fmt: skip
        feedback.pushInfo(f"{len(blocks)} blocks from {len(parcels)} parcels")
        results = {"OUTPUT": self.write_frame(blocks, parameters, "OUTPUT", context, feedback)}
        if parameters.get("MEMBERSHIP") is not None:
            members = self.function(LU, "block_membership")(parcels, gap_m=gap, group_by=by)
            results["MEMBERSHIP"] = self.write_frame(members, parameters, "MEMBERSHIP", context)
        return results


class TransitionMatrix(UrbangeoAlgorithm):
    NAME = "transition_matrix"
    DISPLAY = "Land-use transition matrix"
    GROUP = "landuse"
    REQUIRES = ((LU, "transition_matrix"), (LU, "transitions_long"), (LU, "change_components"))
    HELP = (
        "From -> to amounts of land-use change between two dates (urbangeo.landuse.transition_matrix): two "
        "polygon layers give an area-weighted overlay in m2 (in a metric CRS), two rasters of integer codes give "
        "cell counts (times the cell area when given). Outputs: the matrix (one row per 'from' class, one field per "
        "'to' class), the long form for Sankey diagrams (urbangeo.landuse.transitions_long) and, optionally, gains, "
        "losses, persistence, swap and net change per class (urbangeo.landuse.change_components)."
    )

    def define(self):
        self.addParameter(QgsProcessingParameterMapLayer("BEFORE", self.tr("Land use at the first date (polygons or raster)")))
        self.addParameter(QgsProcessingParameterMapLayer("AFTER", self.tr("Land use at the second date (same kind)")))
        self.addParameter(QgsProcessingParameterString("CLASS_FIELD", self.tr("Class field (polygons)"), defaultValue="DLBM", optional=True))
        self.addParameter(QgsProcessingParameterString("CLASS_FIELD_AFTER", self.tr("Class field at the second date, if different"), optional=True))
        self.addParameter(QgsProcessingParameterNumber("CELL_AREA_M2", self.tr("Cell area (m2; rasters: report m2 instead of cells)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterBoolean("INCLUDE_UNMATCHED", self.tr("Add a row/column for area present at one date only"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Transition matrix"), QgsProcessing.TypeVector))
        self.addParameter(QgsProcessingParameterFeatureSink("LONG", self.tr("Transitions (long form)"), QgsProcessing.TypeVector, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink("COMPONENTS", self.tr("Change components per class"), QgsProcessing.TypeVector, optional=True))

    def flags(self):
        # reads QgsVectorLayer objects (not feature sources): not from a background thread
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def date(self, parameters, name, context):
        layer = self.parameterAsLayer(parameters, name, context)
        if isinstance(layer, QgsRasterLayer):
            return layer.source()
        if isinstance(layer, QgsVectorLayer):
            return layer_to_gdf(layer)
        raise QgsProcessingException(f"{name}: give a polygon layer or a raster of class codes")

    def compute(self, parameters, context, feedback):
        before, after = self.date(parameters, "BEFORE", context), self.date(parameters, "AFTER", context)
        if isinstance(before, str) != isinstance(after, str):
            raise QgsProcessingException("BEFORE and AFTER must both be polygon layers or both be rasters")
        cell_area = None if parameters.get("CELL_AREA_M2") in (None, "") else self.parameterAsDouble(parameters, "CELL_AREA_M2", context)
        matrix = self.function(LU, "transition_matrix")(
            before, after,
            class_col=self.parameterAsString(parameters, "CLASS_FIELD", context) or "DLBM",
            class_col_after=self.parameterAsString(parameters, "CLASS_FIELD_AFTER", context) or None,
            resolution_m=None if cell_area is None else cell_area**0.5,  # square cells of that area
            include_unmatched=self.parameterAsBoolean(parameters, "INCLUDE_UNMATCHED", context),
        )  # fmt: skip
        feedback.pushInfo(f"{matrix.shape[0]} x {matrix.shape[1]} classes, units {matrix.attrs.get('units')}")
        table = matrix.copy()
        table.columns = [str(c) for c in table.columns]
        table.index = [str(i) for i in table.index]
        results = {"OUTPUT": self.write_frame(table.rename_axis("from"), parameters, "OUTPUT", context)}
        if parameters.get("LONG") is not None:
            long = self.function(LU, "transitions_long")(matrix)
            results["LONG"] = self.write_frame(long.astype({"from_class": str, "to_class": str}), parameters, "LONG", context)
        if parameters.get("COMPONENTS") is not None:
            comp = self.function(LU, "change_components")(matrix)
            comp.index = [str(i) for i in comp.index]
            results["COMPONENTS"] = self.write_frame(comp.rename_axis("class"), parameters, "COMPONENTS", context)
        return results


ALGORITHMS = [ScreenConversion, AssembleBlocks, TransitionMatrix]
