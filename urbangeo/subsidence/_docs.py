"""Docstring entries shared by several subsidence functions, filled in by :func:`urbangeo._docs.shared_doc`."""

from __future__ import annotations

#: The subsidence raster most functions of the wing start from.
SUBSIDENCE = """\
subsidence : Raster
    Subsidence W in metres, positive down, metric CRS."""

#: The pre-mining water table.
GROUNDWATER_DEPTH = """\
groundwater_depth_m : float or Raster
    Pre-mining depth to the water table (m): a number, or a raster warped to the
    subsidence grid if needed."""

#: The cell size of a geographic raster reprojected to the metric CRS.
METRIC_RESOLUTION = """\
resolution_m : float, optional
    Cell size (m, > 0) when a geographic raster is reprojected to the metric CRS;
    default: the size rasterio derives from the source grid."""

#: The parameters of the two Knothe functions.
KNOTHE = """\
final : Raster
    Final subsidence W_final in metres (e.g. from :func:`predict_subsidence`).
c_per_yr : float
    Knothe time coefficient c (1/yr, > 0).
t_yr : float
    Years since mining (>= 0)."""

#: The panels of the probability integral method.
PANELS = """\
panels : GeoDataFrame
    Plan-view goaf polygons, any CRS, with PIM parameter columns (see the module
    docstring of :mod:`urbangeo.subsidence.pim`); several seams are several rows."""

#: The output grid and the method of the probability integral method.
PIM_GRID = """\
resolution_m : float
    Cell size of the output grid (ignored with ``like``).
extent : tuple, optional
    (minx, miny, maxx, maxy) in the metric CRS; default: the panels padded by
    ``cutoff_r`` x r.
like : Raster, optional
    Predict on this raster's grid and CRS instead.
params : dict, optional
    Values for parameters that are not columns of ``panels``.
method : {"auto", "closed_form", "grid"}
    "auto": erf closed form for rectangles, Gaussian integral on the grid otherwise;
    "grid" forces the Gaussian route for every panel.
cutoff_r : float
    Each panel is evaluated within this many r of its computational edges.
supersample : int
    Sub-cells per cell side when rasterising goaf polygons (grid route)."""

#: What the probability integral method raises.
PIM_RAISES = """\
InvalidOptionError
    Missing or out-of-range parameters, unknown method.
InvalidGeometryError
    Invalid panel polygons with ``on_invalid="raise"``.
ColumnTypeError
    A parameter column of ``panels`` holds text (see :func:`panel_parameters`).
EmptyDataError
    ``panels`` has no rows (or no usable geometry).
GeometryTypeError, CRSError, CRSMismatchError"""

#: What the probability integral method warns about, besides repaired polygons.
PIM_WARNS = """\
MissingValuesWarning
    NaN cells in a parameter column filled with the :data:`PIM_DEFAULTS` value
    (see :func:`panel_parameters`).
DroppedRowsWarning
    Panels without geometry (None or empty) left out."""
