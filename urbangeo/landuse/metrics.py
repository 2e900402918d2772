"""Fragmentation metrics with FRAGSTATS definitions, on rasters and directly on polygons.

:func:`class_metrics` and :func:`landscape_metrics` take either a categorical raster
(:class:`urbangeo.raster.Raster` from :func:`urbangeo.io.read_raster`, a path, or a
plain or masked array) or a polygon GeoDataFrame with a class column; the kind of input decides the
path and both return a DataFrame with the same columns. :func:`polygon_patches` returns
the patches of a polygon layer (touching polygons of one class dissolved).

Column names are the FRAGSTATS acronyms with their unit:

========================= ====================================================
``NP``                    number of patches
``PD_per_100ha``          patches per 100 ha of landscape
``CA_ha``                 class area (``TA_ha`` total area at landscape level)
``PLAND_pct``             percent of landscape
``AREA_MN_ha``            mean patch area
``LPI_pct``               largest patch, percent of landscape
``TE_m``, ``ED_m_per_ha`` total edge and edge density
``LSI``                   landscape shape index (1 = maximally compact)
``SHAPE_MN``              mean patch shape index (1 = maximally compact)
``MESH_ha``               effective mesh size (Jaeger 2000)
``AI_pct``                aggregation index (He et al. 2000), rasters only
``COHESION_pct``          patch cohesion index (Schumaker 1996), rasters only
``SHDI``, ``SIDI``        Shannon and Simpson diversity (landscape level)
``AREA_CV_pct``           coefficient of variation of patch area (population SD)
``FRAC_MN``               mean fractal dimension 2 ln(0.25 p) / ln(a), p in m, a in m2
``PARA_MN_m_per_m2``      mean perimeter-area ratio
``ENN_MN_m``              mean Euclidean nearest-neighbour distance (same class)
``DIVISION``, ``SPLIT``   landscape division and splitting index (Jaeger 2000)
``PLADJ_pct``             percentage of like adjacencies (cell metric)
``CLUMPY``                clumpiness index, class level only (cell metric)
``IJI_pct``               interspersion and juxtaposition (>= 3 classes)
``CONTAG_pct``            contagion, landscape level only (cell metric, >= 2 classes)
``SHEI``                  Shannon evenness, landscape level only
========================= ====================================================

Conventions (FRAGSTATS 4.2 defaults, McGarigal et al. 2012), and where FRAGSTATS has quirks:

* **Nodata / outside cells** are outside the landscape: they count in no area. Cell
  faces between the landscape and the outside (the raster border, nodata holes) are
  the *landscape boundary*: they are **not** edge in TE/ED (FRAGSTATS' default "count
  no boundary/background as edge"; ``boundary_edge=True`` counts them), but they
  **are** in the perimeters behind LSI, SHAPE and COHESION (FRAGSTATS always counts
  them there). So a class filling the whole landscape has TE = 0 but LSI = 1.
  FRAGSTATS' separate *background* class (inside the landscape, in total area, but
  not a class) is not modelled: recode background to its own class or to nodata.
* **Neighbour rule**: patches join across corners with the 8-neighbour rule (the
  FRAGSTATS and pylandstats default, ``neighbours=8``); ``neighbours=4`` needs a
  shared face. Edges, perimeters and like adjacencies always use the 4 faces of a
  cell, whatever the rule: a checkerboard is one patch per class under the 8 rule,
  yet AI = 0 (no like face).
* **Cells vs area**: LSI, SHAPE, AI and COHESION are computed in cell units
  (perimeter in cell faces, area in cells) and are scale-free; CA, AREA_MN, MESH are
  in ha, TE in m, ED in m/ha, PD per 100 ha (FRAGSTATS' units). Square cells only.
* **LSI and SHAPE** divide the perimeter by the smallest perimeter the same number of
  cells can have (4n, 4n + 2 or 4n + 4 faces, n = floor(sqrt(cells)); FRAGSTATS 4),
  not by 4 sqrt(area) (FRAGSTATS 3): a 2 x 3 block has SHAPE 1 here, 1.02 with the
  old formula.
* **AI** divides the like adjacencies g_ii (single count) by the largest possible
  number for the class area (He et al. 2000: 2n(n-1), + 2m - 1 if m <= n, + 2m - 2
  if m > n, with n = floor(sqrt(a)), m = a - n^2). A class of one cell has max 0:
  AI is undefined (NaN here, "N/A" in FRAGSTATS) and left out of the landscape AI,
  which is the area-weighted mean of the class AIs.
* **COHESION** uses Z = number of cells in the landscape (nodata excluded).
* **Distribution metrics** (AREA_CV, FRAC_MN, PARA_MN, ENN_MN) are over the patches of a
  class (class level) or all patches (landscape level). AREA_CV uses the population SD
  (FRAGSTATS, pylandstats; R landscapemetrics uses the sample SD). FRAC is in metre units,
  so it depends on the cell size: a one-cell patch of 1 m2 is 0/0 (NaN, left out of the
  mean) and cells under 1 m can give FRAC < 1. ENN on rasters is the distance between
  cell centres of the two patches' closest cells (edge to edge, so adjacent-but-separate
  cells are one cell apart, never 0); the only patch of a class has none (NaN, left out).
* **DIVISION** = 1 - sum (a_ij / A)^2 and **SPLIT** = A^2 / sum a_ij^2 (class level: the
  class's patches, A the whole landscape), so DIVISION = 1 - MESH / A and SPLIT = A / MESH.
* **Adjacency metrics** count cell faces (4 per cell). PLADJ = like faces (double count) /
  all faces of the class x 100, the landscape boundary counted as a face (FRAGSTATS and
  landscapemetrics pad the map). CLUMPY's G_i = g_ii / (sum_k g_ik - min e_i) with the
  same faces equals AI / 100; CLUMPY = (G - P) / P if G < P and P < 0.5, else
  (G - P) / (1 - P): the second branch goes below -1 for a class over half the map that
  is less clumped than random (possible on tiny maps only); NaN for a one-cell class or a
  class that fills the map. CONTAG uses the full adjacency matrix g_ik by the double-count
  method (like adjacencies twice) without the boundary, weighted by P_i:
  1 + sum_i sum_k q ln q / (2 ln m) with q = P_i g_ik / sum_k g_ik; it needs m >= 2 classes
  (NaN). IJI uses the edges e_ik between classes (boundary excluded): class
  -sum_k q ln q / ln(m - 1), landscape over the m(m - 1)/2 class pairs; it needs m >= 3
  classes (NaN, N/A in FRAGSTATS). SHEI = SHDI / ln m, 0 for one class.

On polygons (no cells), patches are touching polygons of a class dissolved
(``neighbours=8``: touching at a point suffices, the 8-rule analogue; ``4``: a shared
boundary of positive length), areas and perimeters are measured in the metric CRS.
The layer is taken as a planar partition (overlaps are warned about): the total area is
the sum of the polygon areas, edge is boundary shared by polygons of two different
classes (measured pair by pair from one STRtree query), a patch's perimeter is its
polygons' perimeters minus twice the boundary they share, and whatever perimeter is
not shared (the outer boundary, holes, gaps such as the streets between plots) is
landscape boundary. SHAPE/LSI use the vector
analogue ``0.25 P / sqrt(A)`` (square standard: a square is 1, so values are close to
the raster ones; a circle is 0.886) or ``P / (2 sqrt(pi A))`` with
``shape_standard="circle"`` (FRAGSTATS' vector formula: a circle is 1, a square
1.128). AI and COHESION are cell counts: on polygons their continuous limit is 100
for every shape, so they are NaN unless ``resolution_m=`` is given: then they are
computed on the layer burnt into cells of that side (the other metrics stay vector).
The same holds for the other cell metrics PLADJ, CLUMPY and CONTAG. On polygons FRAC is
2 ln(0.25 P) / ln(A) (a square is 1), PARA is P / A, ENN the shortest distance between
two patches' boundaries (shapely; 0 for patches of one class touching at a corner under
``neighbours=4``, where a raster gives one diagonal cell step), IJI uses the shared
boundary lengths between classes as e_ik, and AREA_CV, DIVISION, SPLIT and SHEI use the
patch and class areas.

References
----------
McGarigal, K., Cushman, S. A., Ene, E. (2012). FRAGSTATS v4: Spatial Pattern Analysis
Program for Categorical and Continuous Maps. University of Massachusetts, Amherst.

He, H. S., DeZonia, B. E., Mladenoff, D. J. (2000). An aggregation index (AI) to
quantify spatial patterns of landscapes. Landscape Ecology 15, 591-601.

Jaeger, J. A. G. (2000). Landscape division, splitting index, and effective mesh size.
Landscape Ecology 15, 115-130.

Li, H., Reynolds, J. F. (1993). A new contagion index to quantify spatial patterns of
landscapes. Landscape Ecology 8, 155-162.

McGarigal, K., Marks, B. J. (1995). FRAGSTATS: spatial pattern analysis program for
quantifying landscape structure. USDA Forest Service GTR PNW-351 (IJI).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import raster as _raster
from .._validate import check_choice, check_number, validate_frame
from ..crs import get_crs, is_metric, metric_crs, project
from ..errors import CRSError, DroppedRowsWarning, EmptyDataError, InvalidOptionError, RasterError, UrbangeoWarning
from ..raster import Raster
from ..settings import settings
from . import _fragstats, _kernels

log = logging.getLogger(__name__)

__all__ = ["class_metrics", "landscape_metrics", "polygon_patches", "CLASS_COLUMNS", "LANDSCAPE_COLUMNS"]

#: Columns of :func:`class_metrics`, in order.
CLASS_COLUMNS = [
    "NP", "PD_per_100ha", "CA_ha", "PLAND_pct", "AREA_MN_ha", "LPI_pct", "TE_m", "ED_m_per_ha",
    "LSI", "SHAPE_MN", "MESH_ha", "AI_pct", "COHESION_pct", *_fragstats.CLASS_EXTRA,
]
#: Columns of :func:`landscape_metrics`, in order.
LANDSCAPE_COLUMNS = [
    "TA_ha", "NP", "PD_per_100ha", "AREA_MN_ha", "LPI_pct", "TE_m", "ED_m_per_ha", "LSI", "SHAPE_MN",
    "MESH_ha", "AI_pct", "COHESION_pct", "SHDI", "SIDI", *_fragstats.LANDSCAPE_EXTRA,
]

_HA = 10_000.0


# --------------------------------------------------------------------------- shared pieces


def _group_sum(values: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(groups, weights=values, minlength=k) if len(groups) else np.zeros(k)


def _group_max(values: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros(k)
    if len(groups):
        np.maximum.at(out, groups, values)
    return out


def _diversity(props: np.ndarray) -> tuple[float, float]:
    p = props[props > 0]
    return float(-(p * np.log(p)).sum()), float(1.0 - (p * p).sum())


def _check_neighbours(neighbours: Any) -> int:
    if neighbours not in (4, 8):
        raise InvalidOptionError(f"`neighbours` must be 4 or 8 (the FRAGSTATS neighbourhood rule); got {neighbours!r}.")
    return int(neighbours)


# --------------------------------------------------------------------------- rasters


def class_raster(obj: Any, name: str, *, nodata: float | None = None) -> tuple[np.ndarray, np.ndarray | None, Raster | None]:
    """The door for a land-use raster argument: ``(codes, valid, raster or None)``.

    A path is read with :func:`urbangeo.io.read_raster` as categorical (errors name
    ``name``); a :class:`~urbangeo.raster.Raster` gives its array and nodata code; a plain
    or masked array has no grid (None). ``nodata`` overrides the raster's code.
    """
    if isinstance(obj, (str, os.PathLike)):
        obj = _raster._read_raster(obj, categorical=True, arg=name)
    if isinstance(obj, Raster):
        codes, valid = _kernels.class_codes(obj.array, name, nodata=obj.nodata if nodata is None else nodata)
        return codes, valid, obj
    if isinstance(obj, tuple):
        raise RasterError(
            f"`{name}` is a tuple; pass a urbangeo.raster.Raster (urbangeo.io.read_raster returns one, or "
            f"Raster(array, transform, crs, nodata=..., categorical=True)), or the array alone."
        )
    codes, valid = _kernels.class_codes(obj, name, nodata=nodata)
    return codes, valid, None


def _cell_size(raster: Raster | None, resolution_m: float | None, name: str = "landscape") -> float:
    if resolution_m is not None:
        return check_number(resolution_m, "resolution_m", minimum=0, strict=True)
    if raster is None:
        raise InvalidOptionError(
            "`resolution_m` is needed for a bare array: pass the cell side in metres, e.g. resolution_m=30.0, "
            "or pass a urbangeo.raster.Raster (from urbangeo.io.read_raster)."
        )
    dx, dy = raster.res
    crs = raster.crs
    if not is_metric(crs):
        raise CRSError(
            f"`{name}` is in {crs.name!r}, not a projected CRS in metres, so its cells have no fixed size in "
            f"metres. Reproject it (nearest neighbour) to a metric CRS such as a CGCS2000 Gauss-Krueger zone, "
            f"or pass resolution_m= to treat the cells as squares of that side."
        )
    if not np.isclose(dx, dy, rtol=1e-6):
        raise RasterError(
            f"`{name}` has cells {dx} x {dy}; FRAGSTATS metrics need square cells. Resample it to square cells."
        )
    return float(dx)


def _raster_tables(landscape, *, resolution_m, nodata, neighbours, boundary_edge):
    data, valid, raster = class_raster(landscape, "landscape", nodata=nodata)
    c = _cell_size(raster, resolution_m)
    rc = _kernels.raster_counts(data, valid, neighbours=_check_neighbours(neighbours))
    if rc.n_cells == 0:
        raise EmptyDataError("`landscape` has no valid cells (all nodata).")
    k = len(rc.classes)
    z = rc.n_cells
    cell_ha = c * c / _HA
    ta_ha = z * cell_ha
    np_k = np.bincount(rc.patch_class, minlength=k)
    pcells = rc.patch_cells.astype(float)
    pperim = rc.patch_perimeter.astype(float)
    pshape = pperim / _kernels.min_perimeter(rc.patch_cells)
    boundary_k = rc.perimeter - rc.edge
    te_k = (rc.edge + (boundary_k if boundary_edge else 0)) * c
    ca_k = rc.cells * cell_ha
    max_like = _kernels.max_like_adjacencies(rc.cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        ai_k = np.where(max_like > 0, 100.0 * rc.like / np.maximum(max_like, 1), np.nan)
        sum_p = _group_sum(pperim, rc.patch_class, k)
        sum_pa = _group_sum(pperim * np.sqrt(pcells), rc.patch_class, k)
        corr = 1.0 - 1.0 / np.sqrt(z)
        coh_k = np.where(corr > 0, 100.0 * (1.0 - sum_p / sum_pa) / corr, np.nan)
    cls = pd.DataFrame(
        {
            "NP": np_k,
            "PD_per_100ha": np_k / ta_ha * 100.0,
            "CA_ha": ca_k,
            "PLAND_pct": 100.0 * rc.cells / z,
            "AREA_MN_ha": ca_k / np_k,
            "LPI_pct": 100.0 * _group_max(pcells, rc.patch_class, k) / z,
            "TE_m": te_k.astype(float),
            "ED_m_per_ha": te_k / ta_ha,
            "LSI": rc.perimeter / _kernels.min_perimeter(rc.cells),
            "SHAPE_MN": _group_sum(pshape, rc.patch_class, k) / np_k,
            "MESH_ha": _group_sum((pcells * cell_ha) ** 2, rc.patch_class, k) / ta_ha,
            "AI_pct": ai_k,
            "COHESION_pct": coh_k,
        },
        index=pd.Index(rc.classes.tolist(), name="class"),
    )
    props = rc.cells / z
    te = (rc.total_edge + (rc.boundary if boundary_edge else 0)) * c
    n_patches = len(pcells)
    ai_ok = ~np.isnan(ai_k)
    shdi, sidi = _diversity(props)
    with np.errstate(invalid="ignore", divide="ignore"):
        coh = 100.0 * (1.0 - pperim.sum() / (pperim * np.sqrt(pcells)).sum()) / (1.0 - 1.0 / np.sqrt(z))
    land = pd.DataFrame(
        {
            "TA_ha": [ta_ha],
            "NP": [n_patches],
            "PD_per_100ha": [n_patches / ta_ha * 100.0],
            "AREA_MN_ha": [ta_ha / n_patches],
            "LPI_pct": [100.0 * pcells.max() / z],
            "TE_m": [float(te)],
            "ED_m_per_ha": [te / ta_ha],
            "LSI": [(rc.total_edge + rc.boundary) / float(_kernels.min_perimeter(np.array([z]))[0])],
            "SHAPE_MN": [float(pshape.mean())],
            "MESH_ha": [float(((pcells * cell_ha) ** 2).sum() / ta_ha)],
            "AI_pct": [float((ai_k[ai_ok] * props[ai_ok]).sum()) if ai_ok.any() else np.nan],
            "COHESION_pct": [coh],
            "SHDI": [shdi],
            "SIDI": [sidi],
        },
        index=pd.Index(["landscape"]),
    )
    idx = np.where(rc.labels > 0, rc.patch_class[rc.labels - 1], -1)
    enn = _fragstats.raster_enn(rc.labels, rc.patch_class) * c
    pc, pl = _fragstats.patch_metrics(pcells * c * c, pperim * c, enn, rc.patch_class, k, z * c * c)
    ac, al = _fragstats.pladj_clumpy(rc.like, rc.cells, max_like, z)
    g = _fragstats.raster_adjacency(idx, k)
    ic, il = _fragstats.iji(g)
    _add(cls, pc | ac | {"IJI_pct": ic}, _fragstats.CLASS_EXTRA)
    _add(land, pl | al | {"IJI_pct": il, "CONTAG_pct": _fragstats.contag(g, props), "SHEI": _fragstats.shei(props)},
         _fragstats.LANDSCAPE_EXTRA)
    return cls, land


def _add(frame: pd.DataFrame, values: dict, columns: list[str]) -> None:
    """Put the extra metrics into a table, in the order of ``columns`` (NaN where a value is missing)."""
    for col in columns:
        v = values.get(col, np.nan)
        frame[col] = v if np.ndim(v) else float(v)


# --------------------------------------------------------------------------- polygons


def _polygon_input(landscape, class_col, on_invalid):
    if class_col is None:
        raise InvalidOptionError(
            "`class_col` is needed for a polygon layer: pass the column with the land-use class, e.g. class_col='DLBM'."
        )
    frame, _ = validate_frame(landscape, "landscape", geometry_types=("polygon",), columns=[class_col],
                              on_invalid=on_invalid)
    missing = frame[class_col].isna().to_numpy()
    if missing.any():
        import warnings

        warnings.warn(
            f"`landscape`: {int(missing.sum())} rows have no value in '{class_col}' (rows "
            f"{list(frame.index[missing])[:5]}); they are left out of the landscape.",
            DroppedRowsWarning,
            stacklevel=4,
        )
        frame = frame.loc[~missing]
        if len(frame) == 0:
            raise EmptyDataError(f"`landscape` has no row with a value in '{class_col}'.")
    crs = metric_crs(frame, name="landscape")
    return project(frame, crs, name="landscape"), crs


@dataclass
class _Pairs:
    """Touching polygon pairs of a layer and the length of boundary they share."""

    i: np.ndarray
    j: np.ndarray
    shared_m: np.ndarray  # length of boundary shared (0 for a touch at points only)
    overlap: np.ndarray  # interiors intersect (the layer is not a planar partition there)


def _pairs(geoms: np.ndarray) -> _Pairs:
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[j])))
    overlap = shapely.relate_pattern(geoms[i], geoms[j], "T********") if len(i) else np.zeros(0, dtype=bool)
    return _Pairs(i, j, np.asarray(shared, dtype=float), np.asarray(overlap, dtype=bool))


def _patch_ids(n: int, values: np.ndarray, pairs: _Pairs, neighbours: int) -> np.ndarray:
    """Patch id of each polygon: connected components of same-class touching polygons."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    link = values[pairs.i] == values[pairs.j]
    if neighbours == 4:  # a shared boundary of positive length (or overlapping interiors) is needed
        link &= (pairs.shared_m > 0) | pairs.overlap
    graph = coo_matrix((np.ones(int(link.sum())), (pairs.i[link], pairs.j[link])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


@dataclass
class _PolygonLayer:
    frame: gpd.GeoDataFrame  # metric CRS, classes present
    values: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray
    pairs: _Pairs
    patch: np.ndarray


def _polygon_layer(landscape, class_col, on_invalid, neighbours) -> _PolygonLayer:
    frame, _ = _polygon_input(landscape, class_col, on_invalid)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    values = frame[class_col].to_numpy()
    pairs = _pairs(geoms)
    if pairs.overlap.any():
        over = shapely.area(shapely.intersection(geoms[pairs.i[pairs.overlap]], geoms[pairs.j[pairs.overlap]])).sum()
        if over > float(settings.sliver_tolerance_m2):
            import warnings

            warnings.warn(
                f"`landscape`: {int(pairs.overlap.sum())} pairs of polygons overlap ({over:.6g} m2 in all); "
                f"metrics assume a planar partition, so overlapping area is counted twice. Clean the layer "
                f"first (e.g. geopandas.overlay(layer, layer, how='union') keeping one class per piece).",
                UrbangeoWarning,
                stacklevel=4,
            )
    patch = _patch_ids(len(geoms), values, pairs, _check_neighbours(neighbours))
    return _PolygonLayer(frame, values, shapely.area(geoms), shapely.length(geoms), pairs, patch)


def polygon_patches(
    landscape: gpd.GeoDataFrame,
    *,
    class_col: str,
    neighbours: int = 8,
    shape_standard: Literal["square", "circle"] = "square",
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
) -> gpd.GeoDataFrame:
    """Patches of a polygon land-use layer: touching polygons of one class, dissolved.

    Parameters
    ----------
    landscape : GeoDataFrame
        Polygons with a class column, in any CRS (measured in
        :func:`urbangeo.crs.metric_crs`).
    class_col : str
        Column with the class.
    neighbours : {8, 4}, default 8
        8: polygons touching at a single point join (the raster 8-neighbour rule); 4:
        they must share a boundary of positive length.
    shape_standard : {"square", "circle"}, default "square"
        ``SHAPE = 0.25 P / sqrt(A)`` (square = 1) or ``P / (2 sqrt(pi A))`` (circle = 1).
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid polygons (see :func:`urbangeo._validate.check_geometries`): a repair
        raises a :class:`~urbangeo.errors.GeometryFixedWarning` naming the rows.

    Returns
    -------
    GeoDataFrame
        One row per patch in the CRS of ``landscape``: ``class``, ``n_polygons``,
        ``area_m2``, ``perimeter_m``, ``shape``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"c": [1, 1, 1]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)],
    ...                      crs=32650)
    >>> polygon_patches(g, class_col="c")[["class", "n_polygons", "area_m2", "perimeter_m"]]
       class  n_polygons  area_m2  perimeter_m
    0      1           3      3.0         10.0
    >>> len(polygon_patches(g, class_col="c", neighbours=4))
    2
    """
    check_choice(shape_standard, "shape_standard", ("square", "circle"))
    layer = _polygon_layer(landscape, class_col, on_invalid, neighbours)
    geoms = np.asarray(layer.frame.geometry.values, dtype=object)
    groups, patch_geoms = _patch_geometries(layer.patch, geoms)
    area, perim = _patch_area_perimeter(layer)
    patches = gpd.GeoDataFrame(
        {
            "class": [layer.values[g[0]] for g in groups],
            "n_polygons": [len(g) for g in groups],
            "area_m2": area,
            "perimeter_m": perim,
        },
        geometry=patch_geoms,
        crs=layer.frame.crs,
    )
    patches["shape"] = _shape(patches["perimeter_m"].to_numpy(), patches["area_m2"].to_numpy(), shape_standard)
    return project(patches, get_crs(landscape, "landscape"), name="landscape")


def _patch_geometries(patch: np.ndarray, geoms: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Members of each patch (in patch-id order) and the patch geometries (their union)."""
    order = np.argsort(patch, kind="stable")
    bounds = np.flatnonzero(np.diff(patch[order])) + 1
    groups = np.split(order, bounds)
    out = np.empty(len(groups), dtype=object)
    out[:] = [geoms[g[0]] if len(g) == 1 else shapely.union_all(geoms[g]) for g in groups]
    return groups, out


def _patch_area_perimeter(layer: _PolygonLayer) -> tuple[np.ndarray, np.ndarray]:
    """Patch area and perimeter from the polygons: perimeter minus twice the boundary shared inside the patch."""
    k = int(layer.patch.max()) + 1
    area = np.bincount(layer.patch, weights=layer.area, minlength=k)
    inside = layer.patch[layer.pairs.i] == layer.patch[layer.pairs.j]
    perim = np.bincount(layer.patch, weights=layer.perimeter, minlength=k) - 2.0 * np.bincount(
        layer.patch[layer.pairs.i[inside]], weights=layer.pairs.shared_m[inside], minlength=k
    )
    return area, perim


def _shape(perimeter: np.ndarray, area: np.ndarray, standard: str) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        if standard == "square":
            return 0.25 * perimeter / np.sqrt(area)
        return perimeter / (2.0 * np.sqrt(np.pi * area))


def _polygon_tables(landscape, *, class_col, neighbours, boundary_edge, shape_standard, on_invalid):
    check_choice(shape_standard, "shape_standard", ("square", "circle"))
    layer = _polygon_layer(landscape, class_col, on_invalid, neighbours)
    area, perim = _patch_area_perimeter(layer)
    first = np.zeros(len(area), dtype=np.int64)
    first[layer.patch[::-1]] = np.arange(len(layer.patch))[::-1]  # a member of each patch
    patch_values = layer.values[first]
    try:
        classes = sorted(pd.unique(layer.values))
    except TypeError:
        classes = sorted(pd.unique(layer.values), key=str)
    index = pd.Index(classes)
    code = index.get_indexer(patch_values)
    poly_code = index.get_indexer(layer.values)
    k = len(classes)
    pr = layer.pairs
    ci, cj = poly_code[pr.i], poly_code[pr.j]
    between = ci != cj  # boundary shared by two classes: edge
    edge_k = _group_sum(pr.shared_m[between], ci[between], k) + _group_sum(pr.shared_m[between], cj[between], k)
    perim_k = _group_sum(perim, code, k)
    boundary_k = np.clip(perim_k - edge_k, 0.0, None)  # on the landscape boundary (outside, holes, gaps)
    te_k = perim_k if boundary_edge else edge_k
    ca_m2 = _group_sum(area, code, k)
    ta = float(layer.area.sum())
    np_k = np.bincount(code, minlength=k)
    ta_ha = ta / _HA
    pshape = _shape(perim, area, shape_standard)
    cls = pd.DataFrame(
        {
            "NP": np_k,
            "PD_per_100ha": np_k / ta_ha * 100.0,
            "CA_ha": ca_m2 / _HA,
            "PLAND_pct": 100.0 * ca_m2 / ta,
            "AREA_MN_ha": ca_m2 / _HA / np_k,
            "LPI_pct": 100.0 * _group_max(area, code, k) / ta,
            "TE_m": te_k,
            "ED_m_per_ha": te_k / ta_ha,
            "LSI": _shape(perim_k, ca_m2, shape_standard),
            "SHAPE_MN": _group_sum(pshape, code, k) / np_k,
            "MESH_ha": _group_sum(area**2, code, k) / ta / _HA,
            "AI_pct": np.nan,
            "COHESION_pct": np.nan,
        },
        index=pd.Index(classes, name="class"),
    )
    te_inner = float(pr.shared_m[between].sum())
    boundary_len = float(boundary_k.sum())
    te = te_inner + (boundary_len if boundary_edge else 0.0)
    shdi, sidi = _diversity(ca_m2 / ca_m2.sum())
    landdf = pd.DataFrame(
        {
            "TA_ha": [ta_ha],
            "NP": [len(area)],
            "PD_per_100ha": [len(area) / ta_ha * 100.0],
            "AREA_MN_ha": [ta_ha / len(area)],
            "LPI_pct": [100.0 * area.max() / ta],
            "TE_m": [te],
            "ED_m_per_ha": [te / ta_ha],
            "LSI": [float(_shape(np.array([te_inner + boundary_len]), np.array([ta]), shape_standard)[0])],
            "SHAPE_MN": [float(pshape.mean())],
            "MESH_ha": [float((area**2).sum() / ta / _HA)],
            "AI_pct": [np.nan],
            "COHESION_pct": [np.nan],
            "SHDI": [shdi],
            "SIDI": [sidi],
        },
        index=pd.Index(["landscape"]),
    )
    _, patch_geoms = _patch_geometries(layer.patch, np.asarray(layer.frame.geometry.values, dtype=object))
    enn = _fragstats.polygon_enn(patch_geoms, code)
    pc, pl = _fragstats.patch_metrics(area, perim, enn, code, k, ta)
    edges = np.zeros((k, k))
    np.add.at(edges, (ci[between], cj[between]), pr.shared_m[between])
    ic, il = _fragstats.iji(edges + edges.T)
    _add(cls, pc | {"IJI_pct": ic}, _fragstats.CLASS_EXTRA)
    _add(landdf, pl | {"IJI_pct": il, "SHEI": _fragstats.shei(ca_m2 / ca_m2.sum())}, _fragstats.LANDSCAPE_EXTRA)
    return cls, landdf


# --------------------------------------------------------------------------- public


def _rasterised_tables(landscape, *, class_col, resolution_m, neighbours, on_invalid):
    """Raster metrics of a polygon layer burnt into square cells of ``resolution_m`` (cell centres)."""
    try:
        from rasterio.features import rasterize
        from rasterio.transform import from_origin
    except ImportError as exc:  # pragma: no cover - rasterio is in the raster extra
        from ..errors import MissingDependencyError

        raise MissingDependencyError("AI/COHESION on polygons rasterise them: pip install 'urbangeo[raster]'") from exc
    cell = check_number(resolution_m, "resolution_m", minimum=0, strict=True)
    frame, _ = _polygon_input(landscape, class_col, on_invalid)
    values = frame[class_col].to_numpy()
    try:
        classes = sorted(pd.unique(values))
    except TypeError:
        classes = sorted(pd.unique(values), key=str)
    code = pd.Index(classes).get_indexer(values) + 1  # 0 = outside
    x0, y0, x1, y1 = frame.total_bounds
    width, height = max(1, int(np.ceil((x1 - x0) / cell))), max(1, int(np.ceil((y1 - y0) / cell)))
    if width * height > 50_000_000:
        raise InvalidOptionError(
            f"`resolution_m`={cell} gives a {width} x {height} grid; choose a coarser cell for AI/COHESION."
        )
    grid = rasterize(zip(frame.geometry.values, code), out_shape=(height, width), fill=0,
                     transform=from_origin(x0, y1, cell, cell), dtype="int32")
    cls, land = _raster_tables(np.ma.masked_equal(grid, 0), resolution_m=cell, nodata=None, neighbours=neighbours,
                               boundary_edge=False)
    cls.index = pd.Index([classes[int(c) - 1] for c in cls.index], name="class")
    return cls, land


#: Cell-count metrics: NaN on polygons unless ``resolution_m`` burns the layer into cells.
_CELL_CLASS = ("AI_pct", "COHESION_pct", "PLADJ_pct", "CLUMPY")
_CELL_LANDSCAPE = ("AI_pct", "COHESION_pct", "PLADJ_pct", "CONTAG_pct")


def _tables(landscape, *, class_col, resolution_m, nodata, neighbours, boundary_edge, shape_standard, on_invalid):
    if isinstance(landscape, gpd.GeoDataFrame):
        if nodata is not None:
            raise InvalidOptionError("`nodata` applies to rasters only; drop it for a polygon layer.")
        cls, land = _polygon_tables(landscape, class_col=class_col, neighbours=neighbours,
                                    boundary_edge=boundary_edge, shape_standard=shape_standard, on_invalid=on_invalid)
        if resolution_m is not None:
            rcls, rland = _rasterised_tables(landscape, class_col=class_col, resolution_m=resolution_m,
                                             neighbours=neighbours, on_invalid=on_invalid)
            for col in _CELL_CLASS:
                cls[col] = rcls[col].reindex(cls.index).to_numpy()
            for col in _CELL_LANDSCAPE:
                land[col] = rland[col].to_numpy()
        return cls, land
    if class_col is not None:
        raise InvalidOptionError("`class_col` applies to polygon layers only; a raster holds the class codes itself.")
    return _raster_tables(landscape, resolution_m=resolution_m, nodata=nodata, neighbours=neighbours,
                          boundary_edge=boundary_edge)


_PARAMS = """
    Parameters
    ----------
    landscape : raster or GeoDataFrame
        A categorical raster (:class:`~urbangeo.raster.Raster` from
        :func:`urbangeo.io.read_raster`, a path, or a 2-D integer array, plain or masked)
        or a polygon layer with ``class_col``.
    class_col : str, optional
        Polygon layers: the column with the class.
    resolution_m : float, optional
        Rasters: cell side in metres; default from the Raster's transform (its CRS must
        be metric). Needed for bare arrays. Polygon layers: compute AI and COHESION
        (cell-count metrics, NaN otherwise) on the layer burnt into cells of this side
        (cell centres, ``rasterio.features.rasterize``); the other metrics stay vector.
    nodata : number, optional
        Rasters: nodata code (default the Raster's); masked and NaN cells are nodata too.
    neighbours : {8, 4}, default 8
        Patch rule: 8-neighbour (FRAGSTATS default) or 4-neighbour; for polygons, 8 lets
        polygons touching at a point form one patch.
    boundary_edge : bool, default False
        Count the landscape boundary (raster border, nodata, outside the polygons) as edge
        in TE and ED (FRAGSTATS' "count all boundary as edge"). LSI, SHAPE and COHESION
        always include it.
    shape_standard : {"square", "circle"}, default "square"
        Polygons: SHAPE/LSI standard, ``0.25 P / sqrt(A)`` or ``P / (2 sqrt(pi A))``.
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Polygons: invalid-geometry policy.
"""


def class_metrics(
    landscape: Any,
    *,
    class_col: str | None = None,
    resolution_m: float | None = None,
    nodata: float | None = None,
    neighbours: int = 8,
    boundary_edge: bool = False,
    shape_standard: Literal["square", "circle"] = "square",
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
) -> pd.DataFrame:
    """FRAGSTATS class-level metrics for every class of a raster or a polygon layer.
    {params}
    Returns
    -------
    DataFrame
        Index ``class`` (sorted codes); columns :data:`CLASS_COLUMNS`.

    Raises
    ------
    RasterError, CRSError, InvalidOptionError, MissingColumnError

    See Also
    --------
    landscape_metrics, polygon_patches

    Examples
    --------
    A 2 x 2 square of class 1 in a 4 x 4 raster of class 0, 10 m cells:

    >>> import numpy as np
    >>> r = np.zeros((4, 4), dtype=np.uint8); r[1:3, 1:3] = 1
    >>> m = class_metrics(r, resolution_m=10.0)
    >>> m.loc[1, ["NP", "CA_ha", "TE_m", "LSI", "AI_pct"]].tolist()
    [1.0, 0.04, 80.0, 1.0, 100.0]
    """
    return _tables(landscape, class_col=class_col, resolution_m=resolution_m, nodata=nodata, neighbours=neighbours,
                   boundary_edge=boundary_edge, shape_standard=shape_standard, on_invalid=on_invalid)[0]


def landscape_metrics(
    landscape: Any,
    *,
    class_col: str | None = None,
    resolution_m: float | None = None,
    nodata: float | None = None,
    neighbours: int = 8,
    boundary_edge: bool = False,
    shape_standard: Literal["square", "circle"] = "square",
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
) -> pd.DataFrame:
    """FRAGSTATS landscape-level metrics of a raster or a polygon layer.
    {params}
    Returns
    -------
    DataFrame
        One row (index ``"landscape"``); columns :data:`LANDSCAPE_COLUMNS`.

    See Also
    --------
    class_metrics

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([[1, 1], [2, 2]])
    >>> landscape_metrics(r, resolution_m=1.0)[["NP", "TE_m", "SHDI", "SIDI"]].round(4)
               NP  TE_m    SHDI  SIDI
    landscape   2   2.0  0.6931   0.5
    """
    return _tables(landscape, class_col=class_col, resolution_m=resolution_m, nodata=nodata, neighbours=neighbours,
                   boundary_edge=boundary_edge, shape_standard=shape_standard, on_invalid=on_invalid)[1]


def _fill_doc(func) -> None:
    """Put the shared Parameters section into a docstring (indented or not: Python 3.13 dedents)."""
    import textwrap

    doc = func.__doc__
    indented = "\n    Returns" in doc
    params = _PARAMS.rstrip("\n") if indented else textwrap.dedent(_PARAMS).rstrip("\n")
    func.__doc__ = doc.replace("    {params}" if indented else "{params}", params)


_fill_doc(class_metrics)
_fill_doc(landscape_metrics)
