"""Land-use change between survey years: transition matrices, components, intensity analysis.

A *transition matrix* is a :class:`pandas.DataFrame` whose index (``"from"``) holds the
classes at the first date and whose columns (``"to"``) hold the classes at the second
date, both over the union of the two dates' classes, in sorted order. Each cell is the
amount that went from the row class to the column class: area in m2 for vector layers
(``attrs["units"] == "m2"``), a number of cells for rasters (``"cells"``, or m2 with
``units="m2"``, the cell size read from the Raster or given as ``resolution_m=``). What could not be matched (area covered at one date only, nodata at
one date) is never dropped silently: it is in ``attrs`` (``unmatched_before``,
``unmatched_after``, ``excluded_before``, ``excluded_after``), a warning says how much,
and ``include_unmatched=True`` adds it as a row and column labelled :data:`UNMATCHED`.

From the matrix:

* :func:`change_components` gives per class the persistence, gain, loss, total change,
  swap ``2 min(gain, loss)`` and net change ``|gain - loss|`` (Pontius, Shusas &
  McEachern 2004);
* :func:`markov_matrix` the row-normalised (Markov) transition probabilities;
* :func:`transitions_long` the long form (one row per from -> to pair) that Sankey and
  alluvial diagrams take;
* :func:`interval_intensity`, :func:`category_intensity` and
  :func:`transition_intensity` the three levels of intensity analysis (Aldwaik &
  Pontius 2012) for one or more time intervals.

References
----------
Pontius, R. G., Shusas, E., McEachern, M. (2004). Detecting important categorical land
changes while accounting for persistence. Agriculture, Ecosystems & Environment 101,
251-268.

Aldwaik, S. Z., Pontius, R. G. (2012). Intensity analysis to unify measurements of size
and stationarity of land changes by interval, category, and transition. Landscape and
Urban Planning 106, 103-114.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import check_choice, check_number, validate_frame
from ..crs import check_same_crs, metric_crs, project
from ..errors import ColumnTypeError, DroppedRowsWarning, InvalidOptionError, UrbangeoWarning
from ..raster import Raster
from ..settings import settings
from . import _kernels
from .metrics import class_raster

log = logging.getLogger(__name__)

__all__ = [
    "UNMATCHED",
    "transition_matrix",
    "raster_transition_matrix",
    "change_components",
    "markov_matrix",
    "transitions_long",
    "interval_intensity",
    "category_intensity",
    "transition_intensity",
]

#: Label of the row/column that holds unmatched area with ``include_unmatched=True``.
UNMATCHED = "(unmatched)"

_RTOL_EXTENT = 1e-6


def _sorted_union(*label_sets: Sequence[Any]) -> list:
    labels = list(dict.fromkeys(x for s in label_sets for x in s))
    try:
        return sorted(labels)
    except TypeError:  # mixed types (e.g. int and str codes): order by text
        return sorted(labels, key=str)


def _frame(counts: np.ndarray, rows: Sequence, cols: Sequence, classes: Sequence | None, dtype) -> pd.DataFrame:
    labels = _sorted_union(rows, cols, classes if classes is not None else [])
    m = pd.DataFrame(np.asarray(counts), index=pd.Index(list(rows)), columns=pd.Index(list(cols)))
    m = m.reindex(index=labels, columns=labels, fill_value=0).astype(dtype)
    m.index.name = "from"
    m.columns.name = "to"
    return m


def _warn_unmatched(kind: str, before_amt: float, after_amt: float, units: str, total: float, tol: float) -> None:
    if before_amt > tol or after_amt > tol:
        pct = 100.0 * (before_amt + after_amt) / total if total > 0 else float("nan")
        warnings.warn(
            f"{before_amt:.6g} {units} of `before` and {after_amt:.6g} {units} of `after` have no "
            f"counterpart at the other date ({kind}; {pct:.3g} % of the matched total). They are not in "
            f"the matrix cells: see matrix.attrs['unmatched_before'] / ['unmatched_after'], or pass "
            f"include_unmatched=True to get them as a '{UNMATCHED}' row and column.",
            UrbangeoWarning,
            stacklevel=3,
        )


def _add_unmatched(m: pd.DataFrame, lost: pd.Series, new: pd.Series) -> pd.DataFrame:
    """Append the (unmatched) column (before area with no after) and row (after area with no before)."""
    out = m.copy()
    out[UNMATCHED] = lost.reindex(m.index, fill_value=0).to_numpy()
    row = new.reindex(m.columns, fill_value=0).tolist() + [0]
    out.loc[UNMATCHED] = row
    out.index.name, out.columns.name = "from", "to"
    return out


# --------------------------------------------------------------------------- matrices


def transition_matrix(
    before: Any,
    after: Any,
    *,
    class_col: str = "DLBM",
    class_col_after: str | None = None,
    classes: Sequence | None = None,
    nodata: float | None = None,
    resolution_m: float | None = None,
    units: Literal["cells", "m2"] | None = None,
    include_unmatched: bool = False,
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
) -> pd.DataFrame:
    """From -> to amounts of land-use change between two dates.

    The kind of input decides the path: two GeoDataFrames give an area-weighted overlay
    in m2; two rasters (:class:`~urbangeo.raster.Raster` from
    :func:`urbangeo.io.read_raster`, paths, plain or masked arrays) give cell counts through
    :func:`raster_transition_matrix` (``np.bincount`` on combined codes).

    Parameters
    ----------
    before, after : GeoDataFrame or raster
        The land-use layer at the first and the second date. Vector layers are polygon
        layers in one CRS (any CRS: areas are measured in :func:`urbangeo.crs.metric_crs`
        of ``before``), each a planar partition (no overlaps within a layer).
    class_col : str, default "DLBM"
        Column with the class code at the first date (GB/T 21010 code in the third
        survey's DLTB layer). Vector layers only.
    class_col_after : str, optional
        Column with the class at the second date when its name differs.
    classes : sequence, optional
        Classes to show even when absent at both dates (e.g. the whole legend).
    nodata : number, optional
        Raster nodata code (default: the Raster's nodata). Rasters only.
    resolution_m : float, optional
        Rasters only: the cell side in metres, for arrays (which have no grid) or to
        override the Raster's cell size. Giving it asks for m2.
    units : {"cells", "m2"}, optional
        Rasters only: cell counts or m2. Default "m2" when ``resolution_m`` is given,
        else "cells". The cell area is ``resolution_m ** 2``, or else the cell area of a
        Raster in a metric CRS; :class:`~urbangeo.errors.InvalidOptionError` when neither
        is known.
    include_unmatched : bool, default False
        Add a row and a column labelled :data:`UNMATCHED` with the area present at one
        date only (column: ``before`` area with no ``after`` polygon / nodata after;
        row: the reverse).
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid polygons (see :func:`urbangeo._validate.check_geometries`).

    Returns
    -------
    DataFrame
        Index ``from`` and columns ``to`` over the sorted union of both dates' classes;
        ``attrs`` holds ``kind``, ``units`` ("m2" or "cells"), ``unmatched_before``,
        ``unmatched_after`` and, for vector layers, ``crs`` (the metric CRS used) and
        ``excluded_before`` / ``excluded_after`` (area of rows without a class).

    Raises
    ------
    CRSMismatchError
        The two vector layers have different CRSs.
    MissingColumnError
        ``class_col`` is absent.
    RasterError
        The rasters are not on the same grid, or do not hold integer codes.

    Warns
    -----
    UrbangeoWarning
        When area at one date has no counterpart at the other (above
        ``settings.sliver_tolerance_m2`` for vector layers, any cell for rasters).
    DroppedRowsWarning
        When rows without geometry or without a class are excluded.

    See Also
    --------
    change_components, transitions_long, interval_intensity

    Examples
    --------
    >>> import numpy as np
    >>> t0 = np.array([[1, 1, 2], [1, 3, 2]])
    >>> t1 = np.array([[1, 2, 2], [1, 3, 3]])
    >>> transition_matrix(t0, t1)
    to    1  2  3
    from
    1     2  1  0
    2     0  1  1
    3     0  0  1
    """
    if isinstance(before, gpd.GeoDataFrame) or isinstance(after, gpd.GeoDataFrame):
        if not (isinstance(before, gpd.GeoDataFrame) and isinstance(after, gpd.GeoDataFrame)):
            raise TypeError(
                "`before` and `after` must both be GeoDataFrames (vector change) or both rasters; got "
                f"{type(before).__name__} and {type(after).__name__}."
            )
        if nodata is not None or resolution_m is not None or units == "cells":
            raise InvalidOptionError(
                "`nodata`, `resolution_m` and `units='cells'` apply to rasters only (vector layers give m2); "
                "drop them for vector layers."
            )
        return _vector_matrix(
            before, after, class_col=class_col, class_col_after=class_col_after or class_col,
            classes=classes, include_unmatched=include_unmatched, on_invalid=on_invalid,
        )
    return raster_transition_matrix(
        before, after, nodata=nodata, classes=classes, resolution_m=resolution_m, units=units,
        include_unmatched=include_unmatched,
    )


def _class_values(frame: gpd.GeoDataFrame, col: str, name: str) -> tuple[gpd.GeoDataFrame, float]:
    """Drop rows with a missing class (warn, report their area)."""
    missing = frame[col].isna().to_numpy()
    if not missing.any():
        return frame, 0.0
    area = float(shapely.area(np.asarray(frame.geometry.values[missing], dtype=object)).sum())
    labels = list(frame.index[missing])
    warnings.warn(
        f"`{name}`: {len(labels)} rows have no value in '{col}' (rows {labels[:5]}); their {area:.6g} m2 "
        f"are excluded from the matrix and reported in attrs['excluded_{name}'].",
        DroppedRowsWarning,
        stacklevel=4,
    )
    return frame.loc[~missing], area


def _vector_matrix(before, after, *, class_col, class_col_after, classes, include_unmatched, on_invalid):
    check_choice(on_invalid, "on_invalid", ("raise", "fix", "drop", "warn"))
    check_same_crs(before=before, after=after)
    b, _ = validate_frame(before, "before", geometry_types=("polygon",), columns=[class_col], on_invalid=on_invalid)
    a, _ = validate_frame(after, "after", geometry_types=("polygon",), columns=[class_col_after], on_invalid=on_invalid)
    crs = metric_crs(b, name="before")
    b = project(b, crs, name="before")
    a = project(a, crs, name="after")
    b, excl_b = _class_values(b, class_col, "before")
    a, excl_a = _class_values(a, class_col_after, "after")
    gb = np.asarray(b.geometry.values, dtype=object)
    ga = np.asarray(a.geometry.values, dtype=object)
    cb = b[class_col].to_numpy()
    ca = a[class_col_after].to_numpy()
    tree = shapely.STRtree(ga)
    ib, ia = tree.query(gb, predicate="intersects")
    # unchanged polygons (common between survey updates) need no overlay: their area is the intersection
    same = shapely.equals_exact(gb[ib], ga[ia], tolerance=0.0)
    inter = np.empty(len(ib), dtype=float)
    inter[same] = shapely.area(gb[ib[same]])
    inter[~same] = shapely.area(shapely.intersection(gb[ib[~same]], ga[ia[~same]]))
    pairs = pd.DataFrame({"from": cb[ib], "to": ca[ia], "area": inter})
    wide = pairs.groupby(["from", "to"], sort=False)["area"].sum().unstack(fill_value=0.0)
    m = _frame(wide.to_numpy(), wide.index, wide.columns, classes, float)
    # area of each date's classes, matched or not
    area_b = pd.Series(shapely.area(gb)).groupby(cb).sum()
    area_a = pd.Series(shapely.area(ga)).groupby(ca).sum()
    lost = area_b.reindex(m.index, fill_value=0.0) - m.sum(axis=1)
    new = area_a.reindex(m.columns, fill_value=0.0) - m.sum(axis=0)
    tol = max(float(settings.sliver_tolerance_m2), 1e-9 * float(m.to_numpy().sum()))
    overlap = float(-lost[lost < -tol].sum() - new[new < -tol].sum())
    if overlap > tol:
        warnings.warn(
            f"the matched area exceeds the layers' own area by {overlap:.6g} m2: polygons overlap within "
            f"`before` or `after`, so some area is counted twice. Dissolve or clean overlaps first "
            f"(e.g. geopandas.overlay(layer, layer, how='union') and keep one class per piece).",
            UrbangeoWarning,
            stacklevel=3,
        )
    lost, new = lost.clip(lower=0.0), new.clip(lower=0.0)
    _warn_unmatched("area outside the other layer", float(lost.sum()), float(new.sum()), "m2",
                    float(m.to_numpy().sum()), tol)
    if include_unmatched:
        m = _add_unmatched(m, lost, new)
    m.attrs = {
        "kind": "vector",
        "units": "m2",
        "crs": crs.to_string(),
        "unmatched_before": float(lost.sum()),
        "unmatched_after": float(new.sum()),
        "excluded_before": excl_b,
        "excluded_after": excl_a,
    }
    return m


def _cell_area(raster: Raster | None, resolution_m: float | None, units: str | None, name: str) -> float | None:
    """m2 per cell, or None for cell counts: from ``resolution_m``, else from the Raster's grid."""
    if units is not None:
        check_choice(units, "units", ("cells", "m2"))
    if resolution_m is not None:
        resolution_m = check_number(resolution_m, "resolution_m", minimum=0, strict=True)
        if units == "cells":
            raise InvalidOptionError(
                "`resolution_m` converts cell counts to m2, but units='cells' asks for counts; drop one of them."
            )
        return resolution_m**2
    if units != "m2":
        return None
    if raster is None:
        raise InvalidOptionError(
            "units='m2' needs the cell size, and plain arrays have no grid: pass resolution_m= (the cell side "
            "in metres), or urbangeo.raster.Raster objects (urbangeo.io.read_raster returns them)."
        )
    raster.require_metric(name)
    return raster.cell_area_m2


def raster_transition_matrix(
    before: Any,
    after: Any,
    *,
    nodata: float | None = None,
    classes: Sequence | None = None,
    resolution_m: float | None = None,
    units: Literal["cells", "m2"] | None = None,
    include_unmatched: bool = False,
) -> pd.DataFrame:
    """Transition matrix of two categorical rasters on the same grid.

    One ``np.bincount`` over ``(before - min) * K + (after - min)`` for integer codes
    whose range is under 4096 (any GB/T 21010 numeric code, IGBP, CLCD, ESA WorldCover),
    ``np.unique`` first otherwise. Cells that are nodata at either date are left out of
    the cells and counted in ``attrs``.

    Parameters
    ----------
    before, after : Raster, path, array or masked array
        Integer class codes (or integral floats with NaN as nodata), same shape. Two
        Rasters must share CRS and grid (:meth:`urbangeo.raster.Raster.align_to` with
        ``resampling=None``: counts are never taken on a resampled grid).
    nodata : number, optional
        Nodata code; default the Raster's nodata. Masked cells are nodata as well.
    classes : sequence, optional
        Classes to show even if absent.
    resolution_m : float, optional
        The cell side in metres: for arrays (which have no grid), or to override the
        Raster's cell size. Giving it asks for m2.
    units : {"cells", "m2"}, optional
        Cell counts (``attrs["units"] == "cells"``) or m2 (``"m2"``). Default "m2" when
        ``resolution_m`` is given, else "cells". The cell area is ``resolution_m ** 2``,
        or else the cell area of the Raster (which must be in a metric CRS).
    include_unmatched : bool, default False
        Add the :data:`UNMATCHED` row/column (cells valid at one date only).

    Returns
    -------
    DataFrame
        Cell counts (int64) or m2 (float); see :func:`transition_matrix`.

    Raises
    ------
    CRSMismatchError
        Two Rasters in different CRSs.
    RasterError
        Different shapes or grids, non-integer values, not 2-D.
    InvalidOptionError
        ``units="m2"`` for plain arrays without ``resolution_m`` (the cell area is not
        known), ``units="cells"`` with ``resolution_m``, or ``resolution_m`` not positive.
    CRSError
        ``units="m2"`` from a Raster whose CRS is not metric.

    Examples
    --------
    >>> import numpy as np
    >>> t0 = np.ma.masked_equal([[1, 1], [2, 0]], 0)
    >>> t1 = np.array([[1, 2], [2, 2]])
    >>> import warnings
    >>> with warnings.catch_warnings():  # one cell is nodata before only: it warns
    ...     warnings.simplefilter("ignore")
    ...     m = raster_transition_matrix(t0, t1, include_unmatched=True)
    >>> m
    to            1  2  (unmatched)
    from
    1             1  1            0
    2             0  1            0
    (unmatched)   0  1            0
    """
    b, vb, rb = class_raster(before, "before", nodata=nodata)
    a, va, ra = class_raster(after, "after", nodata=nodata)
    _kernels.check_same_shape(b.shape, a.shape, ("before", "after"))
    if rb is not None and ra is not None:  # cell counts: another grid is refused, never resampled
        ra.align_to(rb, resampling=None, label="after", like_label="before")
    cell_area_m2 = _cell_area(rb if rb is not None else ra, resolution_m, units, "before" if rb is not None else "after")
    cc = _kernels.cross_counts_masked(b, a, vb, va)
    m = _frame(cc.counts, cc.rows.tolist(), cc.cols.tolist(), classes, np.int64)
    lost = pd.Series(cc.lost, index=cc.rows.tolist(), dtype=np.int64).reindex(m.index, fill_value=0)
    new = pd.Series(cc.new, index=cc.cols.tolist(), dtype=np.int64).reindex(m.columns, fill_value=0)
    nodata_both = cc.nodata_both
    units = "cells"
    if cell_area_m2 is not None:
        m = m.astype(float) * cell_area_m2
        lost, new = lost.astype(float) * cell_area_m2, new.astype(float) * cell_area_m2
        units = "m2"
    _warn_unmatched("nodata at one date", float(lost.sum()), float(new.sum()), units, float(m.to_numpy().sum()), 0.0)
    if include_unmatched:
        m = _add_unmatched(m, lost, new)
    m.attrs = {
        "kind": "raster",
        "units": units,
        "unmatched_before": float(lost.sum()),
        "unmatched_after": float(new.sum()),
        "nodata_both_cells": nodata_both,
    }
    return m


# --------------------------------------------------------------------------- components


def _check_matrix(matrix: Any, name: str = "matrix") -> pd.DataFrame:
    if not isinstance(matrix, pd.DataFrame):
        raise TypeError(f"`{name}` must be a pandas DataFrame from transition_matrix; got {type(matrix).__name__}.")
    if matrix.shape[0] == 0:
        from ..errors import EmptyDataError

        raise EmptyDataError(f"`{name}` is empty; there is no change to analyse.")
    if UNMATCHED in matrix.index or UNMATCHED in matrix.columns:
        attrs = matrix.attrs
        matrix = matrix.drop(index=[UNMATCHED], columns=[UNMATCHED], errors="ignore")
        matrix = matrix.set_axis(pd.Index(matrix.index.tolist(), name="from"), axis=0)
        matrix = matrix.set_axis(pd.Index(matrix.columns.tolist(), name="to"), axis=1)
        matrix.attrs = attrs
    text = [c for c in matrix.columns if not pd.api.types.is_numeric_dtype(matrix[c])
            or pd.api.types.is_bool_dtype(matrix[c])]
    if text:
        raise ColumnTypeError(
            f"`{name}` must hold numbers (areas or cell counts), but columns {text[:5]} have dtypes "
            f"{[str(matrix[c].dtype) for c in text[:5]]}; convert it, e.g. {name}.apply(pandas.to_numeric)."
        )
    if list(matrix.index) != list(matrix.columns):
        labels = _sorted_union(matrix.index, matrix.columns)
        matrix = matrix.reindex(index=labels, columns=labels, fill_value=0)
    values = matrix.to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any():
        raise InvalidOptionError(f"`{name}` must hold finite amounts >= 0 (areas or cell counts).")
    return matrix


def _value_name(matrix: pd.DataFrame) -> str:
    units = matrix.attrs.get("units")
    return {"m2": "area_m2", "cells": "cells"}.get(units, "amount")


def change_components(matrix: pd.DataFrame, *, totals: bool = False) -> pd.DataFrame:
    """Persistence, gain, loss, swap and net change per class (Pontius et al. 2004).

    For class j with row total R_j (size at the first date), column total C_j (size at
    the second date) and diagonal P_jj: loss L_j = R_j - P_jj, gain G_j = C_j - P_jj,
    total change G_j + L_j, swap S_j = 2 min(G_j, L_j), net change N_j = ``|G_j - L_j|``
    (so total change = swap + net change), and the signed ``net_gain`` G_j - L_j.

    Parameters
    ----------
    matrix : DataFrame
        A transition matrix (an :data:`UNMATCHED` row/column is ignored).
    totals : bool, default False
        Append a row ``"(landscape)"`` with the landscape totals: persistence,
        gain = loss = overall change, swap = sum(S_j) / 2, net change = sum(N_j) / 2.

    Returns
    -------
    DataFrame
        Index: class; columns ``size_before, size_after, persistence, gain, loss,
        total_change, swap, net_change, net_gain`` and the same as percent of the
        landscape (``*_pct``) for gain, loss, swap and net change. Units as the matrix.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[2, 2, 1], [0, 0, 2], [1, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> change_components(m)[["persistence", "gain", "loss", "swap", "net_change"]]
           persistence  gain  loss  swap  net_change
    class
    a              2.0   1.0   3.0   2.0         2.0
    b              0.0   3.0   2.0   4.0         1.0
    c              0.0   3.0   2.0   4.0         1.0
    """
    m = _check_matrix(matrix)
    v = m.to_numpy(dtype=float)
    rows, cols, diag = v.sum(axis=1), v.sum(axis=0), np.diag(v)
    loss, gain = rows - diag, cols - diag
    out = pd.DataFrame(
        {
            "size_before": rows,
            "size_after": cols,
            "persistence": diag,
            "gain": gain,
            "loss": loss,
            "total_change": gain + loss,
            "swap": 2.0 * np.minimum(gain, loss),
            "net_change": np.abs(gain - loss),
            "net_gain": gain - loss,
        },
        index=m.index.rename("class"),
    )
    if totals:
        tot = pd.DataFrame(
            {
                "size_before": [rows.sum()],
                "size_after": [cols.sum()],
                "persistence": [diag.sum()],
                "gain": [gain.sum()],
                "loss": [loss.sum()],
                "total_change": [gain.sum()],
                "swap": [out["swap"].sum() / 2.0],
                "net_change": [out["net_change"].sum() / 2.0],
                "net_gain": [0.0],
            },
            index=pd.Index(["(landscape)"], name="class"),
        )
        out = pd.concat([out.astype(float), tot])
        out.index.name = "class"
    total = v.sum()
    for c in ("gain", "loss", "swap", "net_change"):
        out[f"{c}_pct"] = 100.0 * out[c] / total if total > 0 else np.nan
    out.attrs = {"units": m.attrs.get("units")}
    return out


def markov_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """Row-normalised transition matrix: P(class at date 2 | class at date 1).

    Rows of classes absent at the first date are NaN (no probability can be estimated).

    Parameters
    ----------
    matrix : DataFrame
        A transition matrix (:func:`transition_matrix`): cells or m2, from -> to.

    Returns
    -------
    DataFrame
        The same rows and columns; each row divided by its total (``attrs["units"] ==
        "probability"``).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[3, 1], [0, 2]], index=[1, 2], columns=[1, 2])
    >>> markov_matrix(m)
          1     2
    1  0.75  0.25
    2  0.00  1.00
    """
    m = _check_matrix(matrix).astype(float)
    rows = m.sum(axis=1)
    out = m.div(rows.where(rows > 0), axis=0)
    out.attrs = {"units": "probability"}
    return out


def transitions_long(matrix: pd.DataFrame, *, include_persistence: bool = True, min_amount: float = 0.0) -> pd.DataFrame:
    """Long form of a transition matrix: one row per from -> to pair (Sankey input).

    Parameters
    ----------
    matrix : DataFrame
        A transition matrix.
    include_persistence : bool, default True
        Keep the diagonal (class kept its use) rows.
    min_amount : float, default 0
        Leave out pairs with an amount <= this (zero pairs are always left out).

    Returns
    -------
    DataFrame
        Columns ``from_class``, ``to_class``, the amount (``area_m2``, ``cells`` or
        ``amount`` after the matrix's units), ``share_of_from_pct`` (percent of the
        from-class at the first date), ``share_of_total_pct`` and ``persistence``
        (bool), sorted by amount, largest first.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[3, 1], [0, 2]], index=["a", "b"], columns=["a", "b"])
    >>> transitions_long(m)[["from_class", "to_class", "amount", "share_of_from_pct", "persistence"]]
      from_class to_class  amount  share_of_from_pct  persistence
    0          a        a     3.0               75.0         True
    1          b        b     2.0              100.0         True
    2          a        b     1.0               25.0        False
    """
    m = _check_matrix(matrix)
    min_amount = check_number(min_amount, "min_amount", minimum=0)
    v = m.to_numpy(dtype=float)
    i, j = np.nonzero(v > min_amount)
    rows = v.sum(axis=1)
    name = _value_name(matrix)
    out = pd.DataFrame(
        {
            "from_class": np.asarray(m.index, dtype=object)[i],
            "to_class": np.asarray(m.columns, dtype=object)[j],
            name: v[i, j],
            "share_of_from_pct": 100.0 * v[i, j] / rows[i],
            "share_of_total_pct": 100.0 * v[i, j] / v.sum(),
            "persistence": i == j,
        }
    )
    if not include_persistence:
        out = out[~out["persistence"]]
    out = out.sort_values(name, ascending=False, kind="stable").reset_index(drop=True)
    out.attrs = {"units": matrix.attrs.get("units")}
    return out


# --------------------------------------------------------------------------- intensity analysis


def _intervals(matrices: Any, years: Sequence[float]) -> tuple[list[np.ndarray], list, list[tuple[float, float]]]:
    if isinstance(matrices, pd.DataFrame):
        matrices = [matrices]
    if not isinstance(matrices, (list, tuple)) or not matrices:
        raise TypeError("`matrices` must be a transition matrix or a list of them (one per time interval).")
    mats = [_check_matrix(m, f"matrices[{k}]") for k, m in enumerate(matrices)]
    years = list(years)
    if len(years) != len(mats) + 1:
        raise InvalidOptionError(
            f"`years` must hold one time point more than there are matrices ({len(mats) + 1}); got {len(years)}: "
            f"e.g. years=[2009, 2014, 2019] for two matrices 2009->2014 and 2014->2019."
        )
    for k in range(len(years)):
        check_number(years[k], f"years[{k}]")
    for k in range(len(mats)):
        if not years[k + 1] > years[k]:
            raise InvalidOptionError(f"`years` must increase; got {years[k]} then {years[k + 1]}.")
    labels = _sorted_union(*[m.index for m in mats])
    arrs = [m.reindex(index=labels, columns=labels, fill_value=0).to_numpy(dtype=float) for m in mats]
    totals = np.array([a.sum() for a in arrs])
    if not np.allclose(totals, totals[0], rtol=_RTOL_EXTENT, atol=0):
        raise InvalidOptionError(
            f"the matrices cover different extents (totals {totals.tolist()}); intensity analysis needs the "
            f"same study area at every time point. Clip all dates to a common extent first."
        )
    return arrs, labels, [(float(years[k]), float(years[k + 1])) for k in range(len(mats))]


def _name(span: tuple[float, float]) -> str:
    a, b = span
    return f"{a:g}-{b:g}"


def _status(observed: np.ndarray, uniform: np.ndarray | float, above: str, below: str) -> np.ndarray:
    observed = np.asarray(observed, dtype=float)
    uniform = np.broadcast_to(np.asarray(uniform, dtype=float), observed.shape)
    out = np.where(observed > uniform, above, below).astype(object)
    out[np.isclose(observed, uniform, rtol=1e-12, atol=1e-12)] = "uniform"
    out[np.isnan(observed) | np.isnan(uniform)] = None
    return out


def interval_intensity(matrices: pd.DataFrame | Sequence[pd.DataFrame], *, years: Sequence[float]) -> pd.DataFrame:
    """Interval level of intensity analysis: annual change per time interval.

    S_t = (change during [Y_t, Y_t+1] / extent) / duration * 100 (% of the landscape
    per year); uniform intensity U = (all change / extent) / (Y_T - Y_1) * 100. An
    interval is "fast" if S_t > U, "slow" if S_t < U.

    Parameters
    ----------
    matrices : DataFrame or list of DataFrame
        Transition matrices, one per interval, over the same extent.
    years : sequence of numbers
        Time points Y_1 < ... < Y_T (one more than matrices).

    Returns
    -------
    DataFrame
        One row per interval: ``interval, start, end, duration_years, change,
        change_pct, intensity_pct_per_year, uniform_pct_per_year, status``.

    Examples
    --------
    The 9-pixel example of the domain notes (5 years, 7 of 9 pixels change):

    >>> import pandas as pd
    >>> m = pd.DataFrame([[2, 2, 1], [0, 0, 2], [1, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> round(float(interval_intensity(m, years=[2000, 2005])["intensity_pct_per_year"].iloc[0]), 2)
    15.56
    """
    arrs, _, spans = _intervals(matrices, years)
    extent = arrs[0].sum()
    change = np.array([a.sum() - np.trace(a) for a in arrs])
    duration = np.array([e - s for s, e in spans])
    s_t = 100.0 * change / extent / duration
    u = 100.0 * change.sum() / extent / (spans[-1][1] - spans[0][0])
    return pd.DataFrame(
        {
            "interval": [_name(s) for s in spans],
            "start": [s for s, _ in spans],
            "end": [e for _, e in spans],
            "duration_years": duration,
            "change": change,
            "change_pct": 100.0 * change / extent,
            "intensity_pct_per_year": s_t,
            "uniform_pct_per_year": np.full(len(spans), u),
            "status": _status(s_t, u, "fast", "slow"),
        }
    )


def category_intensity(matrices: pd.DataFrame | Sequence[pd.DataFrame], *, years: Sequence[float]) -> pd.DataFrame:
    """Category level of intensity analysis: annual gain and loss intensity per class.

    Gain G_tj = (gain of j / size of j at the end of the interval) / duration * 100;
    loss L_ti = (loss of i / size of i at the start) / duration * 100. The uniform
    intensity is the interval's S_t; a category is "active" above it, "dormant" below.
    A class absent at the relevant date has an undefined (NaN) intensity.

    Parameters
    ----------
    matrices : DataFrame or list of DataFrame
        Transition matrices, one per interval, over the same extent.
    years : sequence of numbers
        Time points Y_1 < ... < Y_T (one more than matrices).

    Returns
    -------
    DataFrame
        One row per interval, class and side (``"gain"`` / ``"loss"``): ``interval,
        category, side, amount, size, intensity_pct_per_year, uniform_pct_per_year,
        status``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[2, 2, 1], [0, 0, 2], [1, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> category_intensity(m, years=[0, 5]).round(2)[["category", "side", "intensity_pct_per_year", "status"]]
      category  side  intensity_pct_per_year   status
    0        a  gain                    6.67  dormant
    1        b  gain                   20.00   active
    2        c  gain                   20.00   active
    3        a  loss                   12.00  dormant
    4        b  loss                   20.00   active
    5        c  loss                   20.00   active
    """
    arrs, labels, spans = _intervals(matrices, years)
    parts = []
    for a, span in zip(arrs, spans):
        dur = span[1] - span[0]
        extent = a.sum()
        s_t = 100.0 * (extent - np.trace(a)) / extent / dur
        diag = np.diag(a)
        start, end = a.sum(axis=1), a.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            gain_i = np.where(end > 0, 100.0 * (end - diag) / end / dur, np.nan)
            loss_i = np.where(start > 0, 100.0 * (start - diag) / start / dur, np.nan)
        for side, amount, size, inten in (("gain", end - diag, end, gain_i), ("loss", start - diag, start, loss_i)):
            parts.append(
                pd.DataFrame(
                    {
                        "interval": _name(span),
                        "category": pd.Series(labels, dtype=object),
                        "side": side,
                        "amount": amount,
                        "size": size,
                        "intensity_pct_per_year": inten,
                        "uniform_pct_per_year": s_t,
                        "status": _status(inten, s_t, "active", "dormant"),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def transition_intensity(
    matrices: pd.DataFrame | Sequence[pd.DataFrame],
    *,
    years: Sequence[float],
    perspective: Literal["gain", "loss"] = "gain",
    category: Any = None,
) -> pd.DataFrame:
    """Transition level of intensity analysis: which classes a gain targets or a loss goes to.

    ``perspective="gain"`` (gain of class n): R_tin = (C_tin / size of i at the start)
    / duration * 100 for every other class i; uniform W_tn = (gain of n / area not n at
    the start) / duration * 100. i is "targeted" by n's gain when R > W, "avoided" when
    R < W.

    ``perspective="loss"`` (loss of class m): Q_tmj = (C_tmj / size of j at the end) /
    duration * 100; uniform V_tm = (loss of m / area not m at the end) / duration * 100;
    j is "targeted" by m's loss when Q > V.

    Parameters
    ----------
    matrices : DataFrame or list of DataFrame
        Transition matrices, one per interval.
    years : sequence of numbers
        Time points (one more than matrices).
    perspective : {"gain", "loss"}, default "gain"
    category : label, optional
        Only this gaining (losing) class; default all classes.

    Returns
    -------
    DataFrame
        ``interval, category, other, amount, intensity_pct_per_year,
        uniform_pct_per_year, status``; ``category`` is n (gain) or m (loss) and
        ``other`` is i (the class n gains from) or j (the class m loses to).

    Examples
    --------
    Gain of b in the 9-pixel example: from a 2 of 5 pixels (8 %/yr), from c 1 of 2
    (10 %/yr); uniform 3 / 7 pixels not b at the start (8.57 %/yr):

    >>> import pandas as pd
    >>> m = pd.DataFrame([[2, 2, 1], [0, 0, 2], [1, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> t = transition_intensity(m, years=[0, 5], category="b").round(2)
    >>> t[["other", "amount", "intensity_pct_per_year", "uniform_pct_per_year", "status"]]
      other  amount  intensity_pct_per_year  uniform_pct_per_year    status
    0     a     2.0                     8.0                  8.57   avoided
    1     c     1.0                    10.0                  8.57  targeted
    """
    check_choice(perspective, "perspective", ("gain", "loss"))
    arrs, labels, spans = _intervals(matrices, years)
    if category is not None and category not in labels:
        raise InvalidOptionError(f"`category` {category!r} is not a class of the matrices; classes: {labels}.")
    targets = [category] if category is not None else labels
    rows = []
    for a, span in zip(arrs, spans):
        dur = span[1] - span[0]
        extent = a.sum()
        start, end = a.sum(axis=1), a.sum(axis=0)
        for t in targets:
            n = labels.index(t)
            if perspective == "gain":
                change = end[n] - a[n, n]
                not_t = extent - start[n]
                uniform = 100.0 * change / not_t / dur if not_t > 0 else np.nan
                for i, other in enumerate(labels):
                    if i == n:
                        continue
                    inten = 100.0 * a[i, n] / start[i] / dur if start[i] > 0 else np.nan
                    rows.append((_name(span), t, other, a[i, n], inten, uniform))
            else:
                change = start[n] - a[n, n]
                not_t = extent - end[n]
                uniform = 100.0 * change / not_t / dur if not_t > 0 else np.nan
                for j, other in enumerate(labels):
                    if j == n:
                        continue
                    inten = 100.0 * a[n, j] / end[j] / dur if end[j] > 0 else np.nan
                    rows.append((_name(span), t, other, a[n, j], inten, uniform))
    out = pd.DataFrame(
        rows,
        columns=["interval", "category", "other", "amount", "intensity_pct_per_year", "uniform_pct_per_year"],
    )
    out["amount"] = out["amount"].astype(float)
    out["intensity_pct_per_year"] = out["intensity_pct_per_year"].astype(float)
    out["uniform_pct_per_year"] = out["uniform_pct_per_year"].astype(float)
    out["status"] = _status(out["intensity_pct_per_year"].to_numpy(), out["uniform_pct_per_year"].to_numpy(),
                            "targeted", "avoided")
    return out
