"""How fairly access is shared: inequality of travel times across residents and groups.

Conventions
-----------
* ``values`` are travel times (minutes) or distances; lower is better access.
* ``weights`` are people (a population column); without weights every row counts once.
* Unreachable rows (NaN) are never turned into a number: :func:`access_equity`
  counts them in ``n_unreachable``/``population_unreachable``, counts them as *beyond*
  the threshold, and leaves them out of the mean, percentiles, Gini and Theil (which
  need a value). :func:`gini`, :func:`theil` and :func:`weighted_percentiles` raise on
  NaN unless ``nan="omit"``, and on empty input (:class:`~urbangeo.errors.EmptyDataError`)
  or text (:class:`~urbangeo.errors.ColumnTypeError`): convert with ``pandas.to_numeric``.

Formulas (weighted; with unit weights they reduce to the textbook forms)
-------------------------------------------------------------------------
* Gini: ``G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)``, ``W = sum w``,
  ``mu`` the weighted mean. 0 = everyone equal; for n equal-weight values the
  maximum is ``(n - 1) / n``.
* Theil T: ``T = (1/W) sum_i w_i (x_i/mu) ln(x_i/mu)`` with ``0 ln 0 = 0``; 0 =
  equality, maximum ``ln(W / w_min)`` when one person has everything.
* Weighted percentile (inverted CDF): the smallest value whose cumulative weight
  share reaches ``q/100``; with unit weights it equals
  ``numpy.percentile(x, q, method="inverted_cdf")``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validate import check_choice, check_columns, check_number
from ..errors import ColumnTypeError, EmptyDataError, InvalidOptionError

__all__ = ["gini", "theil", "weighted_percentiles", "access_equity"]


def _as_float(values, name: str) -> np.ndarray:
    """``values`` as a flat float array, or a typed error naming ``name`` (text is refused)."""
    raw = np.asarray(values)
    text = raw.dtype.kind in ("U", "S") or (
        raw.dtype == object and any(isinstance(v, (str, bytes)) for v in raw.ravel())
    )
    if not text:
        try:
            return np.asarray(values, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            pass
    raise ColumnTypeError(
        f"`{name}` must hold numbers, but has dtype {raw.dtype} (e.g. {raw.ravel()[:1].tolist()}); "
        f"convert it first, e.g. pandas.to_numeric({name})."
    )


def _check_q(q) -> np.ndarray:
    try:
        qs = np.asarray(list(q), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError(f"`q` must be percentiles between 0 and 100; got {q!r}.") from exc
    if not len(qs) or np.isnan(qs).any() or ((qs < 0) | (qs > 100)).any():
        raise InvalidOptionError(f"`q` must be percentiles between 0 and 100; got {list(q)}.")
    return qs


def _prepare(values, weights, nan: str, name: str = "values"):
    check_choice(nan, "nan", ("raise", "omit"))
    x = _as_float(values, name)
    if len(x) == 0:
        raise EmptyDataError(f"`{name}` is empty; pass at least one value (one per resident or building).")
    w = np.ones_like(x) if weights is None else _as_float(weights, "weights")
    if len(w) != len(x):
        raise InvalidOptionError(f"`weights` has {len(w)} values but `{name}` has {len(x)}; give one weight per value.")
    bad = np.isnan(x) | np.isnan(w)
    if bad.any():
        if nan == "raise":
            raise InvalidOptionError(
                f"`{name}` (or `weights`) contains {int(bad.sum())} NaN values (e.g. unreachable residents); "
                f"pass nan='omit' to leave them out, or report them separately (access_equity does)."
            )
        x, w = x[~bad], w[~bad]
    if np.isinf(x).any():
        raise InvalidOptionError(f"`{name}` contains infinite values; use NaN for unreachable, never inf or a sentinel.")
    if (w < 0).any():
        raise InvalidOptionError("`weights` must be >= 0 (people cannot be negative).")
    return x, w


def gini(values, *, weights=None, nan: str = "raise") -> float:
    """Gini coefficient of ``values`` (optionally population-weighted).

    Parameters
    ----------
    values : array-like of float
        Travel times or distances, >= 0.
    weights : array-like of float, optional
        Non-negative weights (e.g. residents per building).
    nan : {"raise", "omit"}, default "raise"

    Returns
    -------
    float
        NaN when there is no weight or the mean is 0.

    Examples
    --------
    >>> gini([1, 2, 3, 4])
    0.25
    >>> gini([5, 5, 5])
    0.0
    >>> gini([1, 3], weights=[3, 1])  # same as [1, 1, 1, 3]
    0.25
    """
    x, w = _prepare(values, weights, nan)
    if (x < 0).any():
        raise InvalidOptionError("`values` must be >= 0 for the Gini coefficient (times and distances are).")
    total = w.sum()
    if total <= 0:
        return float("nan")
    mu = float((w * x).sum() / total)
    if mu == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.cumsum(w)
    cwx = np.cumsum(w * x)
    # sum_i sum_j w_i w_j |x_i - x_j| = 2 * sum_i w_i (x_i * W_<i - S_<i), sorted ascending
    prev_w = cw - w
    prev_wx = cwx - w * x
    pair = 2.0 * float((w * (x * prev_w - prev_wx)).sum())
    return float(pair / (2.0 * total**2 * mu))


def theil(values, *, weights=None, nan: str = "raise") -> float:
    """Theil T index of ``values`` (optionally population-weighted).

    ``T = sum_i w_i (x_i / mu) ln(x_i / mu) / sum_i w_i``: 0 when everyone has the
    same value, ``ln(n)`` when one of ``n`` holds everything.

    Parameters
    ----------
    values : array-like of float
        Travel times or distances, >= 0.
    weights : array-like of float, optional
        Non-negative weights (e.g. residents per building).
    nan : {"raise", "omit"}, default "raise"
        What a NaN value or weight does: raise, or leave the row out.

    Returns
    -------
    float
        NaN when there is no weight or the mean is 0.

    Raises
    ------
    EmptyDataError
        ``values`` is empty.
    InvalidOptionError
        ``weights`` of another length or negative; NaN with ``nan="raise"``;
        infinite or negative values.

    Examples
    --------
    >>> round(theil([1, 1, 1, 1]), 12)
    0.0
    >>> round(theil([0, 0, 0, 4]), 6)  # ln(4): one holds everything
    1.386294
    """
    x, w = _prepare(values, weights, nan)
    if (x < 0).any():
        raise InvalidOptionError("`values` must be >= 0 for the Theil index.")
    total = w.sum()
    if total <= 0:
        return float("nan")
    mu = float((w * x).sum() / total)
    if mu == 0:
        return float("nan")
    r = x / mu
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float((w * terms).sum() / total)


def weighted_percentiles(values, *, q: Sequence[float] = (10, 50, 90), weights=None, nan: str = "raise") -> pd.Series:
    """Population-weighted percentiles (inverted CDF).

    Parameters
    ----------
    values : array-like of float
        Travel times, distances or any access value.
    q : sequence of float, default (10, 50, 90)
        Percentiles, between 0 and 100.
    weights : array-like of float, optional
        Non-negative weights (e.g. residents per building); default 1 each.
    nan : {"raise", "omit"}, default "raise"
        What a NaN value or weight does: raise, or leave the row out.

    Returns
    -------
    pandas.Series
        One value per ``q`` (index = q). NaN when there is no weight.

    Raises
    ------
    EmptyDataError
        ``values`` is empty.
    InvalidOptionError
        ``weights`` of another length or negative; NaN with ``nan="raise"``;
        infinite values; ``q`` outside [0, 100].

    Examples
    --------
    >>> weighted_percentiles([1, 2, 3, 4], q=[50]).tolist()
    [2.0]
    >>> weighted_percentiles([1, 10], q=[50], weights=[1, 3]).tolist()
    [10.0]
    """
    x, w = _prepare(values, weights, nan)
    qs = _check_q(q)
    keep = w > 0
    x, w = x[keep], w[keep]
    if len(x) == 0:
        return pd.Series(np.nan, index=pd.Index(qs, name="q"), dtype=np.float64)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    share = np.cumsum(w) / w.sum()
    pos = np.searchsorted(share, qs / 100.0 - 1e-12, side="left")
    pos = np.clip(pos, 0, len(x) - 1)
    return pd.Series(x[pos], index=pd.Index(qs, name="q"), dtype=np.float64)


def access_equity(
    frame: pd.DataFrame,
    *,
    value_col: str,
    threshold: float | None = None,
    group_by: str | None = None,
    population_col: str | None = None,
    q: Sequence[float] = (10, 50, 90),
) -> pd.DataFrame:
    """Distribution of access across groups: share beyond a threshold, Gini, Theil, percentiles.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        One row per residence (e.g. the output of :func:`life_circle_audit` or
        :func:`nearest_facilities`).
    value_col : str
        Column with travel times (minutes) or distances; NaN = unreachable.
    threshold : float, optional
        Access standard in the unit of ``value_col``; rows with ``value <= threshold``
        (inclusive) are *within*.
    group_by : str, optional
        Column naming the group of each row (e.g. ``"elderly_share_class"``,
        ``"income_band"``, ``"district"``). Without it there is only the ``"all"`` row.
    population_col : str, optional
        Column of people per row (weights). Without it each row counts once.
    q : sequence of float
        Percentiles to report (columns ``p10``, ``p50``...).

    Returns
    -------
    pandas.DataFrame
        One row per group plus an ``"all"`` row (index name = ``group_by`` or
        ``"group"``), columns ``n``, ``n_unreachable``, ``population``,
        ``population_unreachable``, ``mean``, ``p<q>``..., ``gini``, ``theil`` and,
        with a threshold, ``share_within`` and ``share_beyond`` (population shares,
        unreachable counted as beyond; they sum to 1).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"minutes": [2.0, 4.0, 12.0, None], "g": ["a", "a", "b", "b"]})
    >>> out = access_equity(df, value_col="minutes", threshold=5, group_by="g")
    >>> out["share_within"].tolist()
    [1.0, 0.0, 0.5]
    >>> int(out.loc["b", "n_unreachable"])
    1
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a DataFrame or GeoDataFrame, got {type(frame).__name__}.")
    if len(frame) == 0:
        raise EmptyDataError("`frame` has no rows.")
    cols = {value_col: "numeric"}
    if population_col is not None:
        cols[population_col] = "numeric"
    if group_by is not None:
        cols[group_by] = "any"
    check_columns(frame, "frame", cols)
    if threshold is not None:
        threshold = check_number(threshold, "threshold", minimum=0)
    qs = _check_q(q)
    x_all = frame[value_col].to_numpy(dtype=np.float64, na_value=np.nan)
    w_all = np.ones(len(frame)) if population_col is None else frame[population_col].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(w_all).any():
        raise ColumnTypeError(f"`frame[{population_col!r}]` has missing values; fill them (e.g. with 0) first.")
    if np.isinf(x_all).any():
        raise InvalidOptionError(f"`frame[{value_col!r}]` contains inf; unreachable must be NaN.")
    labels = ["all"]
    masks = [np.ones(len(frame), dtype=bool)]
    if group_by is not None:
        g = frame[group_by]
        if g.isna().any():
            raise ColumnTypeError(f"`frame[{group_by!r}]` has missing group labels; fill them first.")
        uniq = list(pd.unique(g))
        with contextlib.suppress(TypeError):
            uniq = sorted(uniq)
        labels = uniq + ["all"]
        garr = g.to_numpy()
        masks = [garr == u for u in uniq] + masks
    rows = []
    for _lab, m in zip(labels, masks):
        x, w = x_all[m], w_all[m]
        reach = ~np.isnan(x)
        row = {
            "n": int(m.sum()),
            "n_unreachable": int((~reach).sum()),
            "population": float(w.sum()),
            "population_unreachable": float(w[~reach].sum()),
        }
        xr, wr = x[reach], w[reach]
        row["mean"] = float((xr * wr).sum() / wr.sum()) if wr.sum() > 0 else np.nan
        if len(xr):
            pct = weighted_percentiles(xr, q=q, weights=wr)
        else:  # nobody in this group reaches anything
            pct = pd.Series(np.nan, index=pd.Index(qs, name="q"), dtype=np.float64)
        for qq, v in pct.items():
            row[f"p{qq:g}"] = float(v)
        row["gini"] = gini(xr, weights=wr) if len(xr) else np.nan
        row["theil"] = theil(xr, weights=wr) if len(xr) else np.nan
        if threshold is not None:
            tot = w.sum()
            within = float(w[reach & (x <= threshold)].sum())
            row["share_within"] = within / tot if tot > 0 else np.nan
            row["share_beyond"] = 1.0 - row["share_within"] if tot > 0 else np.nan
        rows.append(row)
    out = pd.DataFrame(rows, index=pd.Index(labels, name=group_by or "group"))
    return out
