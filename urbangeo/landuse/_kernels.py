"""Array kernels for land-use change and fragmentation (no pandas, no geometry).

Everything here takes and returns NumPy arrays, so it can be tested and benchmarked on
its own:

* :func:`class_codes` checks an array of class codes (plain or masked) and returns
  ``(codes, valid)``; rasters and paths are opened at the door of the public functions
  (:class:`urbangeo.raster.Raster`), never here;
* :func:`cross_counts` is the transition-matrix kernel: one ``np.bincount`` over the
  combined code ``before * K + after`` (about 0.005 s per million cells);
* :func:`raster_counts` labels patches (``scipy.ndimage.label``) and counts cell faces
  (perimeters, like adjacencies, edges between classes, landscape boundary) with
  vectorised comparisons of shifted arrays, which is everything the FRAGSTATS metrics
  need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EmptyDataError, InvalidOptionError, MissingDependencyError, RasterError

#: Largest code range (max - min + 1) mapped with a lookup table instead of np.unique.
_DIRECT_RANGE = 4096


def class_codes(data: np.ndarray, name: str, *, nodata: float | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Return ``(codes, valid)`` for a 2-D array of class codes (plain or masked).

    ``codes`` is the array as given (integer or integral float; booleans as uint8),
    ``valid`` a boolean array (None when every cell is valid). Masked cells, cells equal
    to ``nodata`` and NaN are invalid. The input is never modified.
    """
    if not isinstance(data, np.ndarray):
        raise RasterError(
            f"`{name}` must be a 2-D NumPy array, a masked array, a urbangeo.raster.Raster or a raster path; "
            f"got {type(data).__name__}."
        )
    mask = np.ma.getmaskarray(data) if isinstance(data, np.ma.MaskedArray) else None
    data = np.ma.getdata(data)
    if data.ndim != 2:
        raise RasterError(f"`{name}` must be 2-D (rows, columns); got shape {data.shape}. Select one band, e.g. {name}[0].")
    if data.size == 0:
        raise EmptyDataError(f"`{name}` has no cells (shape {data.shape}); pass a raster with at least one cell.")
    if data.dtype.kind == "b":
        data = data.view(np.uint8)
    elif data.dtype.kind == "f":
        finite = np.isfinite(data)
        if not np.array_equal(data[finite], np.round(data[finite])):
            raise RasterError(
                f"`{name}` holds non-integer values ({data.dtype}); land-use rasters hold integer class "
                f"codes. Classify it first, or convert with {name}.astype('int32') if the floats are codes."
            )
        mask = ~finite if mask is None else (mask | ~finite)
    elif data.dtype.kind not in "iu":
        raise RasterError(f"`{name}` must hold integer class codes; got dtype {data.dtype}.")
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        in_range = data.dtype.kind == "f" or (
            float(nodata) == int(nodata) and np.iinfo(data.dtype).min <= int(nodata) <= np.iinfo(data.dtype).max
        )
        if in_range:
            hit = data == data.dtype.type(nodata)
            if hit.any():
                mask = hit if mask is None else (mask | hit)
    valid = None if mask is None or not mask.any() else ~mask
    return data, valid


def check_same_shape(shape_a: tuple, shape_b: tuple, names: tuple[str, str]) -> None:
    """Raise :class:`RasterError` unless two arrays have one shape (grids are checked by Raster.align_to)."""
    a, b = names
    if shape_a != shape_b:
        raise RasterError(
            f"`{a}` has shape {shape_a} but `{b}` has shape {shape_b}; the two dates must be on the same "
            f"grid. Resample one onto the other first (e.g. urbangeo.raster.Raster(...).align_to(other, "
            f"resampling='nearest'))."
        )


def _dense_codes(data: np.ndarray, valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Map codes to 0..K-1; return ``(index array (int32, -1 where invalid), classes)``."""
    vals = data if valid is None else data[valid]
    if vals.size == 0:
        return np.full(data.shape, -1, dtype=np.int32), np.array([], dtype=data.dtype)
    lo, hi = vals.min(), vals.max()
    if data.dtype.kind in "iu" and int(hi) - int(lo) < _DIRECT_RANGE:
        present = np.bincount((vals.astype(np.int64) - int(lo)).ravel(), minlength=int(hi) - int(lo) + 1) > 0
        classes = (np.flatnonzero(present) + int(lo)).astype(data.dtype)
        lut = np.full(int(hi) - int(lo) + 1, -1, dtype=np.int32)
        lut[present] = np.arange(present.sum(), dtype=np.int32)
        shifted = data.astype(np.int64) - int(lo)
        if valid is not None:
            shifted = np.where(valid, shifted, 0)
        idx = lut[shifted]
    else:
        classes, inv = np.unique(vals, return_inverse=True)
        idx = np.full(data.shape, -1, dtype=np.int32)
        if valid is None:
            idx = inv.reshape(data.shape).astype(np.int32)
        else:
            idx[valid] = inv.ravel().astype(np.int32)
    if valid is not None:
        idx = np.where(valid, idx, -1).astype(np.int32)
    if data.dtype.kind == "f":
        classes = classes.astype(np.int64)
    return idx, classes


def _shifted(arr: np.ndarray, lo: int, work) -> np.ndarray:
    """``arr - lo`` as ``work`` dtype, exact for any code range that fits ``work`` after the shift."""
    if lo == 0:
        return arr.astype(work)  # the common case (uint8 land cover): one cheap cast
    return (arr.astype(np.int64) - lo).astype(work)


def cross_counts(before: np.ndarray, after: np.ndarray, valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of (before, after) code pairs over valid cells.

    Returns ``(counts, codes_before, codes_after)`` with ``counts[i, j]`` the number of
    valid cells with code ``codes_before[i]`` in ``before`` and ``codes_after[j]`` in
    ``after``. Codes are those present in valid cells. Integer codes with a range under
    4096 go straight to one ``np.bincount`` over ``(b - bmin) * K + (a - amin)``; other
    codes are first densified with ``np.unique``.
    """
    b = before if valid is None else before[valid]
    a = after if valid is None else after[valid]
    b = b.ravel()
    a = a.ravel()
    if b.size == 0:
        return np.zeros((0, 0), dtype=np.int64), np.array([], before.dtype), np.array([], after.dtype)
    direct = before.dtype.kind in "iu" and after.dtype.kind in "iu"
    if direct:
        blo, bhi, alo, ahi = int(b.min()), int(b.max()), int(a.min()), int(a.max())
        kb, ka = bhi - blo + 1, ahi - alo + 1
        direct = kb <= _DIRECT_RANGE and ka <= _DIRECT_RANGE
    if direct:
        # int32 holds kb * ka <= 2**24 bins; uint8/uint16 inputs with lo == 0 skip the subtraction
        bb = _shifted(b, blo, np.int32)
        aa = _shifted(a, alo, np.int32)
        combined = bb * ka
        combined += aa
        counts = np.bincount(combined, minlength=kb * ka).reshape(kb, ka)
        rows = np.flatnonzero(counts.any(axis=1))
        cols = np.flatnonzero(counts.any(axis=0))
        return counts[np.ix_(rows, cols)], (rows + blo).astype(before.dtype), (cols + alo).astype(after.dtype)
    cb, ib = np.unique(b, return_inverse=True)
    ca, ia = np.unique(a, return_inverse=True)
    flat = np.bincount(ib.ravel().astype(np.int64) * len(ca) + ia.ravel(), minlength=len(cb) * len(ca))
    return flat.reshape(len(cb), len(ca)), cb, ca


@dataclass
class CrossCounts:
    """Result of :func:`cross_counts_masked`."""

    counts: np.ndarray  # (rows, cols) cells valid at both dates
    rows: np.ndarray  # before codes (present at the first date in valid cells)
    cols: np.ndarray  # after codes
    lost: np.ndarray  # per row code: valid before, nodata after
    new: np.ndarray  # per column code: nodata before, valid after
    nodata_both: int


def cross_counts_masked(before: np.ndarray, after: np.ndarray, valid_before: np.ndarray | None,
                        valid_after: np.ndarray | None) -> CrossCounts:
    """Cross counts with each date's nodata as one more code, in a single ``np.bincount``.

    Before codes are shifted to 0..kb-1 and nodata becomes kb (after: ka), so one pass
    gives the matched cells, the cells valid at one date only (per class) and the cells
    nodata at both. Falls back to :func:`cross_counts` plus ``np.unique`` when the code
    range (including the nodata value) is 4096 or more.
    """
    direct = before.dtype.kind in "iu" and after.dtype.kind in "iu"
    if direct:
        blo, bhi, alo, ahi = int(before.min()), int(before.max()), int(after.min()), int(after.max())
        kb, ka = bhi - blo + 1, ahi - alo + 1
        direct = kb < _DIRECT_RANGE and ka < _DIRECT_RANGE
    if not direct:
        both = valid_before if valid_after is None else (valid_after if valid_before is None else valid_before & valid_after)
        counts, rows, cols = cross_counts(before, after, both)
        ones = np.ones(before.shape, dtype=bool)
        vb = ones if valid_before is None else valid_before
        va = ones if valid_after is None else valid_after
        extra = []
        for sel, arr in ((vb & ~va, before), (va & ~vb, after)):
            extra.append(np.unique(arr[sel], return_counts=True) if sel.any() else (arr.ravel()[:0], np.zeros(0, np.int64)))
        (lc, ln), (nc, nn) = extra
        rows_all = np.union1d(rows, lc)
        cols_all = np.union1d(cols, nc)
        full = np.zeros((len(rows_all), len(cols_all)), dtype=np.int64)
        full[np.ix_(np.searchsorted(rows_all, rows), np.searchsorted(cols_all, cols))] = counts
        lost = np.zeros(len(rows_all), dtype=np.int64)
        lost[np.searchsorted(rows_all, lc)] = ln
        new = np.zeros(len(cols_all), dtype=np.int64)
        new[np.searchsorted(cols_all, nc)] = nn
        return CrossCounts(full, rows_all.astype(before.dtype), cols_all.astype(after.dtype), lost, new,
                           int(np.count_nonzero(~vb & ~va)))
    # uint16 arithmetic when the combined code fits (uint8 land-cover codes): half the memory traffic
    work = np.uint16 if (kb + 1) * (ka + 1) <= 65536 else np.int32
    bb = _shifted(before, blo, work)
    if valid_before is not None:
        np.putmask(bb, ~valid_before, kb)
    aa = _shifted(after, alo, work)
    if valid_after is not None:
        np.putmask(aa, ~valid_after, ka)
    bb *= work(ka + 1)
    bb += aa
    full = np.bincount(bb.ravel(), minlength=(kb + 1) * (ka + 1)).reshape(kb + 1, ka + 1)
    matched, lost, new = full[:kb, :ka], full[:kb, ka], full[kb, :ka]
    rows = np.flatnonzero(matched.any(axis=1) | (lost > 0))
    cols = np.flatnonzero(matched.any(axis=0) | (new > 0))
    return CrossCounts(
        matched[np.ix_(rows, cols)],
        (rows + blo).astype(before.dtype),
        (cols + alo).astype(after.dtype),
        lost[rows],
        new[cols],
        int(full[kb, ka]),
    )


@dataclass
class LandscapeCounts:
    """Cell and face counts a FRAGSTATS metric needs (all in cells / cell faces)."""

    classes: np.ndarray  # class codes, shape (K,)
    cells: np.ndarray  # cells per class
    perimeter: np.ndarray  # faces of class cells not shared with the same class (incl. boundary)
    edge: np.ndarray  # faces shared with another class (landscape boundary / nodata excluded)
    like: np.ndarray  # like adjacencies g_ii (single count)
    boundary: int  # faces between valid cells and the outside / nodata
    total_edge: int  # faces between two different classes (each counted once)
    n_cells: int  # valid cells Z
    patch_class: np.ndarray  # class index of each patch
    patch_cells: np.ndarray  # cells per patch
    patch_perimeter: np.ndarray  # faces per patch (incl. boundary)
    labels: np.ndarray  # patch label per cell (0 = invalid), 1-based ids into the patch arrays


def _structure(neighbours: int):
    if neighbours not in (4, 8):
        raise InvalidOptionError(f"`neighbours` must be 4 or 8 (the FRAGSTATS neighbourhood rule); got {neighbours!r}.")
    return np.ones((3, 3), dtype=bool) if neighbours == 8 else np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def raster_counts(data: np.ndarray, valid: np.ndarray | None, *, neighbours: int = 8) -> LandscapeCounts:
    """Label patches and count faces for every class of a categorical raster.

    Faces are counted by comparing the raster, padded with an invalid border, with
    itself shifted by one cell along each axis (no per-cell loop). Patches are labelled
    per class with ``scipy.ndimage.label`` (8- or 4-neighbour rule).
    """
    try:
        from scipy import ndimage
    except ImportError as exc:  # pragma: no cover - scipy is in the raster extra
        raise MissingDependencyError("fragmentation metrics need scipy: pip install 'urbangeo[raster]'") from exc
    structure = _structure(neighbours)
    idx, classes = _dense_codes(data, valid)
    k = len(classes)
    padded = np.pad(idx, 1, constant_values=-1)
    perimeter = np.zeros(k, dtype=np.int64)
    edge = np.zeros(k, dtype=np.int64)
    like = np.zeros(k, dtype=np.int64)
    boundary = 0
    total_edge = 0
    nonlike = np.zeros(idx.shape, dtype=np.int8)
    centre = padded[1:-1, 1:-1]
    for first, second in ((padded[:, :-1], padded[:, 1:]), (padded[:-1, :], padded[1:, :])):
        f, s = first.ravel(), second.ravel()
        same = f == s
        fv, sv = f >= 0, s >= 0
        like += np.bincount(f[same & fv], minlength=k)
        diff = ~same
        perimeter += np.bincount(f[diff & fv], minlength=k) + np.bincount(s[diff & sv], minlength=k)
        inner = diff & fv & sv
        edge += np.bincount(f[inner], minlength=k) + np.bincount(s[inner], minlength=k)
        total_edge += int(inner.sum())
        boundary += int((diff & (fv ^ sv)).sum())
    for shifted in (padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]):
        nonlike += centre != shifted
    labels = np.zeros(idx.shape, dtype=np.int32)
    patch_class = []
    offset = 0
    for c in range(k):
        mask = idx == c
        lab, n = ndimage.label(mask, structure=structure)
        labels[mask] = lab[mask] + offset
        patch_class.append(np.full(n, c, dtype=np.int32))
        offset += n
    flat = labels.ravel()
    patch_cells = np.bincount(flat, minlength=offset + 1)[1:]
    patch_perimeter = np.bincount(flat, weights=nonlike.ravel(), minlength=offset + 1)[1:].astype(np.int64)
    cells = np.bincount(idx[idx >= 0], minlength=k)
    return LandscapeCounts(
        classes=classes,
        cells=cells.astype(np.int64),
        perimeter=perimeter,
        edge=edge,
        like=like,
        boundary=boundary,
        total_edge=total_edge,
        n_cells=int(cells.sum()),
        patch_class=np.concatenate(patch_class) if patch_class else np.zeros(0, np.int32),
        patch_cells=patch_cells.astype(np.int64),
        patch_perimeter=patch_perimeter,
        labels=labels,
    )


def min_perimeter(cells: np.ndarray) -> np.ndarray:
    """Smallest perimeter (cell faces) of ``cells`` square cells (FRAGSTATS 4, Milne 1988).

    With n = floor(sqrt(a)): 4n if a == n^2; 4n + 2 if n^2 < a <= n(n + 1); else 4n + 4.

    >>> min_perimeter(np.array([1, 2, 3, 4, 6, 7, 9]))
    array([ 4,  6,  8,  8, 10, 12, 12])
    """
    a = np.asarray(cells, dtype=np.int64)
    n = np.floor(np.sqrt(a)).astype(np.int64)
    n = n - (n * n > a) + ((n + 1) * (n + 1) <= a)  # guard against sqrt rounding
    return np.where(a == n * n, 4 * n, np.where(a <= n * (n + 1), 4 * n + 2, 4 * n + 4))


def max_like_adjacencies(cells: np.ndarray) -> np.ndarray:
    """Largest number of like adjacencies (single count) for ``cells`` cells (He et al. 2000).

    With n = floor(sqrt(a)) and m = a - n^2: 2n(n - 1) if m = 0; 2n(n - 1) + 2m - 1 if
    m <= n; 2n(n - 1) + 2m - 2 if m > n.

    >>> max_like_adjacencies(np.array([1, 2, 3, 4, 6, 9]))
    array([ 0,  1,  2,  4,  7, 12])
    """
    a = np.asarray(cells, dtype=np.int64)
    n = np.floor(np.sqrt(a)).astype(np.int64)
    n = n - (n * n > a) + ((n + 1) * (n + 1) <= a)
    m = a - n * n
    base = 2 * n * (n - 1)
    return np.where(m == 0, base, np.where(m <= n, base + 2 * m - 1, base + 2 * m - 2))
