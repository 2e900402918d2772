"""Processing algorithms of :mod:`urbangeo.accessibility` (thin wrappers)."""

from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ._base import UrbangeoAlgorithm

ACC = "urbangeo.accessibility"
MODES = ("walk", "bike", "drive")
NETWORK_HELP = (
    "<b>Street network</b>: an OpenStreetMap file (.osm.pbf, .osm, .osm.bz2, .osm.gz), read offline, "
    "or a network saved by <i>Street network from OSM file</i> (.npz, faster). "
    "Mode and extent apply only when reading an OSM file; give an extent a little larger than the study "
    "area so that services just outside it still count."
)


class _NetworkAlgorithm(UrbangeoAlgorithm):
    """Adds the NETWORK / MODE / EXTENT inputs and turns them into a Network."""

    GROUP = "accessibility"

    def add_network_inputs(self) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                "NETWORK", self.tr("Street network (OSM file or saved .npz network)"),
                behavior=QgsProcessingParameterFile.File, fileFilter="OSM or network (*.pbf *.osm *.bz2 *.gz *.npz)",
            )
        )  # fmt: skip
        self.addParameter(QgsProcessingParameterEnum("MODE", self.tr("Travel mode (OSM file only)"), options=list(MODES), defaultValue=0))
        self.addParameter(QgsProcessingParameterExtent("EXTENT", self.tr("Read only this extent of the OSM file"), optional=True))

    def network(self, parameters, context, feedback):
        path = self.parameterAsFile(parameters, "NETWORK", context)
        if not path:
            raise QgsProcessingException("give a street network: an OSM file or a saved .npz network")
        if path.lower().endswith(".npz"):
            network = self.function(f"{ACC}.network", "Network").load(path)
        else:
            bbox = self.bbox(parameters, context)
            mode = MODES[self.parameterAsEnum(parameters, "MODE", context)]
            feedback.pushInfo(f"reading the {mode} network of {path}" + (f" within {bbox}" if bbox else ""))
            network = self.function(ACC, "network_from_osm")(path, mode=mode, bbox=bbox)
        feedback.pushInfo(f"network: {network.n_nodes} nodes, {network.n_edges} edges, {network.mode}, CRS {network.crs.to_string()}")
        return network

    def bbox(self, parameters, context) -> tuple[float, float, float, float] | None:
        """The EXTENT parameter as a (west, south, east, north) lon/lat box, or None."""
        if not parameters.get("EXTENT"):
            return None
        ext = self.parameterAsExtent(parameters, "EXTENT", context, QgsCoordinateReferenceSystem("EPSG:4326"))
        if ext.isNull() or ext.isEmpty():
            return None
        return (ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum())

    def number(self, parameters, name, context) -> float | None:
        """An optional number: None when left empty."""
        if parameters.get(name) in (None, ""):
            return None
        return self.parameterAsDouble(parameters, name, context)


class NetworkFromOsm(_NetworkAlgorithm):
    NAME = "network_from_osm"
    DISPLAY = "Street network from OSM file"
    REQUIRES = ((ACC, "network_from_osm"),)
    HELP = (
        "Builds a walk, bike or drive street network from an OpenStreetMap file, offline "
        "(urbangeo.accessibility.network_from_osm), and writes its edges and nodes in a metric CRS "
        "(UTM, or CGCS2000 Gauss-Krueger in China). Optionally saves the network as one .npz file that the "
        "other accessibility algorithms read much faster than the OSM file."
    )

    def define(self):
        self.addParameter(QgsProcessingParameterFile("INPUT", self.tr("OSM file"), fileFilter="OSM (*.pbf *.osm *.bz2 *.gz)"))
        self.addParameter(QgsProcessingParameterEnum("MODE", self.tr("Travel mode"), options=list(MODES), defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean("SIMPLIFY", self.tr("Merge degree-2 nodes (simplify)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterExtent("EXTENT", self.tr("Only this extent"), optional=True))
        self.addParameter(QgsProcessingParameterNumber("SPEED_KMH", self.tr("Speed (km/h; walk/bike speed, drive fallback)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0.1, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSink("EDGES", self.tr("Network edges"), QgsProcessing.TypeVectorLine))
        self.addParameter(QgsProcessingParameterFeatureSink("NODES", self.tr("Network nodes"), QgsProcessing.TypeVectorPoint, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination("NETWORK_FILE", self.tr("Saved network (.npz)"),
                                                                fileFilter="urbangeo network (*.npz)", optional=True))  # fmt: skip

    def compute(self, parameters, context, feedback):
        network = self.function(ACC, "network_from_osm")(
            self.parameterAsFile(parameters, "INPUT", context),
            mode=MODES[self.parameterAsEnum(parameters, "MODE", context)],
            simplify=self.parameterAsBoolean(parameters, "SIMPLIFY", context),
            bbox=self.bbox(parameters, context),
            speed_kmh=self.number(parameters, "SPEED_KMH", context),
        )
        feedback.pushInfo(f"network: {network.n_nodes} nodes, {network.n_edges} edges, CRS {network.crs.to_string()}")
        results = {"EDGES": self.write_frame(network.edges, parameters, "EDGES", context, feedback)}
        if parameters.get("NODES") is not None:
            results["NODES"] = self.write_frame(network.nodes, parameters, "NODES", context, feedback)
        target = self.parameterAsFileOutput(parameters, "NETWORK_FILE", context)
        if target:
            results["NETWORK_FILE"] = str(network.save(target))
        return results


class NearestFacilities(_NetworkAlgorithm):
    NAME = "nearest_facilities"
    DISPLAY = "Nearest facilities (travel time)"
    REQUIRES = ((ACC, "nearest_facilities"), (ACC, "network_from_osm"))
    HELP = (
        "Travel time and network distance from every origin to its k nearest facilities, per category when a "
        "category field is given (urbangeo.accessibility.nearest_facilities). Points are snapped to the nearest "
        "street edge; the access leg counts. Output: the origins with minutes_{r}, dist_m_{r} and facility_{r} "
        "(the facility's feature id), prefixed by the category with a category field; unreachable = NULL.<br>"
        + NETWORK_HELP
    )

    def define(self):
        self.add_network_inputs()
        self.addParameter(QgsProcessingParameterFeatureSource("ORIGINS", self.tr("Origins (homes, buildings)"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSource("FACILITIES", self.tr("Facilities"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))  # fmt: skip
        self.addParameter(QgsProcessingParameterNumber("K", self.tr("Number of nearest facilities (k)"), defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterField("BY", self.tr("Facility category field"), parentLayerParameterName="FACILITIES", optional=True))
        self.addParameter(QgsProcessingParameterNumber("MINUTES", self.tr("Search horizon (minutes)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterNumber("SPEED_KMH", self.tr("Uniform speed (km/h; empty = network speeds)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0.1, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterNumber("MAX_SNAP_M", self.tr("Longest access leg to the street (m)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Origins with nearest facilities")))

    def compute(self, parameters, context, feedback):
        network = self.network(parameters, context, feedback)
        out = self.function(ACC, "nearest_facilities")(
            network,
            self.frame(parameters, "ORIGINS", context),
            self.frame(parameters, "FACILITIES", context),
            k=self.parameterAsInt(parameters, "K", context),
            by=self.field(parameters, "BY", context),
            minutes=self.number(parameters, "MINUTES", context),
            speed_kmh=self.number(parameters, "SPEED_KMH", context),
            max_snap_m=self.number(parameters, "MAX_SNAP_M", context),
        )
        return {"OUTPUT": self.write_frame(out, parameters, "OUTPUT", context, feedback)}


class Isochrones(_NetworkAlgorithm):
    NAME = "isochrones"
    DISPLAY = "Isochrones"
    REQUIRES = ((ACC, "isochrones"), (ACC, "network_from_osm"))
    HELP = (
        "Areas reachable from each origin within each time band (urbangeo.accessibility.isochrones): every "
        "reached street, including the reached part of partly reached edges, buffered by the street-side width. "
        "Bands are nested. Output: one polygon per origin and band with origin (the origin's feature id), "
        "minutes and note.<br>" + NETWORK_HELP
    )

    def define(self):
        self.add_network_inputs()
        self.addParameter(QgsProcessingParameterFeatureSource("ORIGINS", self.tr("Origins"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))  # fmt: skip
        self.addParameter(QgsProcessingParameterString("MINUTES", self.tr("Time bands (minutes, comma-separated)"), defaultValue="5, 10, 15"))
        self.addParameter(QgsProcessingParameterNumber("SPEED_KMH", self.tr("Uniform speed (km/h; empty = network speeds)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0.1, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterNumber("STREET_WIDTH_M", self.tr("Street-side buffer width (m; empty = settings)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0.1, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterNumber("MAX_SNAP_M", self.tr("Longest access leg to the street (m)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Isochrones"), QgsProcessing.TypeVectorPolygon))

    def compute(self, parameters, context, feedback):
        network = self.network(parameters, context, feedback)
        out = self.function(ACC, "isochrones")(
            network,
            self.frame(parameters, "ORIGINS", context),
            minutes=self.values(self.parameterAsString(parameters, "MINUTES", context)),
            speed_kmh=self.number(parameters, "SPEED_KMH", context),
            street_width_m=self.number(parameters, "STREET_WIDTH_M", context),
            max_snap_m=self.number(parameters, "MAX_SNAP_M", context),
        )
        return {"OUTPUT": self.write_frame(out, parameters, "OUTPUT", context, feedback)}


class LifeCircleAudit(_NetworkAlgorithm):
    NAME = "life_circle_audit"
    DISPLAY = "Life-circle audit (GB 50180-2018)"
    REQUIRES = ((ACC, "life_circle_audit"), (ACC, "life_circle_summary"), (ACC, "network_from_osm"))
    STANDARDS = ("GB50180-2018", "none (give the required categories)")
    MEASURES = ("minutes", "dist_m")
    HELP = (
        "Walking access of every residence to each required facility category against the 5/10/15-minute "
        "life circles (urbangeo.accessibility.life_circle_audit): per category the minutes, metres, nearest "
        "facility, circle and an _ok flag; n_missing, missing (categories separated by ';') and compliant. "
        "Required categories: empty = every facility of the standard, or 'kindergarten:5, clinic:15'. "
        "The optional summary table gives covered shares per community field and for all residences "
        "(population-weighted with a population field).<br>" + NETWORK_HELP
    )

    def define(self):
        self.add_network_inputs()
        self.addParameter(QgsProcessingParameterFeatureSource("RESIDENCES", self.tr("Residences (buildings or points)"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSource("FACILITIES", self.tr("Facilities"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))  # fmt: skip
        self.addParameter(QgsProcessingParameterField("BY", self.tr("Facility category field"), defaultValue="category",
                                                      parentLayerParameterName="FACILITIES", optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterEnum("STANDARD", self.tr("Standard"), options=list(self.STANDARDS), defaultValue=0))
        self.addParameter(QgsProcessingParameterString("REQUIRED", self.tr("Required categories (category:circle minutes, ...)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum("MEASURE", self.tr("Judge circles by"), options=["walking time (minutes)", "walking distance (m)"], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber("SPEED_KMH", self.tr("Walking speed (km/h; empty = network speeds)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0.1, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterField("COMMUNITY", self.tr("Community field of residences (summary)"),
                                                      parentLayerParameterName="RESIDENCES", optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterField("POPULATION", self.tr("Population field of residences (summary)"),
                                                      parentLayerParameterName="RESIDENCES", type=QgsProcessingParameterField.Numeric, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Audited residences")))
        self.addParameter(QgsProcessingParameterFeatureSink("SUMMARY", self.tr("Coverage summary"), QgsProcessing.TypeVector, optional=True))

    def required(self, parameters, context):
        text = self.parameterAsString(parameters, "REQUIRED", context).strip()
        if not text:
            return None
        items = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        if all(":" in p for p in items):
            try:
                return {k.strip(): float(v) for k, v in (p.split(":", 1) for p in items)}
            except ValueError as exc:
                raise QgsProcessingException(f"required categories must look like 'kindergarten:5, clinic:15'; got {text!r}") from exc
        return items

    def compute(self, parameters, context, feedback):
        network = self.network(parameters, context, feedback)
        standard = self.parameterAsEnum(parameters, "STANDARD", context)
        audit = self.function(ACC, "life_circle_audit")(
            network,
            self.frame(parameters, "RESIDENCES", context),
            self.frame(parameters, "FACILITIES", context),
            by=self.field(parameters, "BY", context) or "category",
            standard=self.STANDARDS[standard] if standard == 0 else None,
            required=self.required(parameters, context),
            measure=self.MEASURES[self.parameterAsEnum(parameters, "MEASURE", context)],
            speed_kmh=self.number(parameters, "SPEED_KMH", context),
        )
        feedback.pushInfo(f"{int(audit['compliant'].sum())} of {len(audit)} residences reach every required category")
        results = {"OUTPUT": self.write_frame(audit, parameters, "OUTPUT", context, feedback)}
        if parameters.get("SUMMARY") is not None:
            summary = self.function(ACC, "life_circle_summary")(
                audit, group_by=self.field(parameters, "COMMUNITY", context),
                population_col=self.field(parameters, "POPULATION", context),
            )
            results["SUMMARY"] = self.write_frame(summary.rename_axis("group"), parameters, "SUMMARY", context)
        return results


class SiteFacilities(_NetworkAlgorithm):
    NAME = "site_facilities"
    DISPLAY = "Facility siting (LSCP, MCLP, p-median)"
    REQUIRES = ((ACC, "site_facilities"), (ACC, "assign_demand"), (ACC, "network_from_osm"))
    MODELS = ("mclp", "lscp", "p_median")
    SOLVERS = ("exact", "greedy")
    HELP = (
        "Chooses new facility sites on the street network, keeping existing facilities "
        "(urbangeo.accessibility.site_facilities): MCLP covers the most demand within the threshold with p new "
        "sites; LSCP covers all demand with the fewest; p-median minimises total walking time. Exact integer "
        "programme (HiGHS) or a greedy heuristic with a proven bound. Candidates default to the street "
        "intersections. Outputs: the open sites (source, source_index = feature id, new, demand assigned and "
        "covered) and, optionally, each demand feature's nearest open site and minutes.<br>" + NETWORK_HELP
    )

    def define(self):
        self.add_network_inputs()
        self.addParameter(QgsProcessingParameterFeatureSource("DEMAND", self.tr("Demand (residences)"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))  # fmt: skip
        self.addParameter(QgsProcessingParameterField("POPULATION", self.tr("Demand population field (people)"), parentLayerParameterName="DEMAND",
                                                      type=QgsProcessingParameterField.Numeric, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSource("CANDIDATES", self.tr("Candidate sites (empty = street intersections)"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon], optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSource("EXISTING", self.tr("Existing facilities (kept)"),
                                                              [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon], optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterEnum("MODEL", self.tr("Model"), options=["MCLP: maximal covering", "LSCP: set covering", "p-median"], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber("P", self.tr("Number of new sites p (MCLP, p-median)"), minValue=1, optional=True))
        self.addParameter(QgsProcessingParameterNumber("MINUTES", self.tr("Coverage threshold (minutes; MCLP, LSCP)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterEnum("SOLVER", self.tr("Solver"), options=list(self.SOLVERS), defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber("SPEED_KMH", self.tr("Walking speed (km/h; empty = network speeds)"),
                                                       type=QgsProcessingParameterNumber.Double, minValue=0.1, optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", self.tr("Open sites"), QgsProcessing.TypeVectorAnyGeometry))
        self.addParameter(QgsProcessingParameterFeatureSink("ASSIGNMENT", self.tr("Demand with nearest open site"), optional=True))

    def compute(self, parameters, context, feedback):
        network = self.network(parameters, context, feedback)
        demand = self.frame(parameters, "DEMAND", context)
        p = None if parameters.get("P") in (None, "") else self.parameterAsInt(parameters, "P", context)
        minutes = self.number(parameters, "MINUTES", context)
        speed = self.number(parameters, "SPEED_KMH", context)
        sites = self.function(ACC, "site_facilities")(
            network,
            demand,
            candidates=self.frame(parameters, "CANDIDATES", context, optional=True),
            model=self.MODELS[self.parameterAsEnum(parameters, "MODEL", context)],
            p=p,
            minutes=minutes,
            existing=self.frame(parameters, "EXISTING", context, optional=True),
            population_col=self.field(parameters, "POPULATION", context),
            solver=self.SOLVERS[self.parameterAsEnum(parameters, "SOLVER", context)],
            speed_kmh=speed,
        )
        info = sites.attrs.get("siting", {})
        feedback.pushInfo(", ".join(f"{k}={info[k]}" for k in ("model", "solver", "status", "objective", "gap", "covered_weight", "total_weight") if k in info))
        results = {"OUTPUT": self.write_frame(sites, parameters, "OUTPUT", context, feedback)}
        if parameters.get("ASSIGNMENT") is not None:
            assigned = self.function(ACC, "assign_demand")(network, demand, sites, minutes=minutes, speed_kmh=speed)
            results["ASSIGNMENT"] = self.write_frame(assigned, parameters, "ASSIGNMENT", context)
        return results


ALGORITHMS = [NetworkFromOsm, NearestFacilities, Isochrones, LifeCircleAudit, SiteFacilities]
