"""Plots of land-use change: transition heat map and Sankey diagram (matplotlib only).

Both take a transition matrix from :func:`urbangeo.landuse.change.transition_matrix`,
draw on a given or a new :class:`matplotlib.axes.Axes` and return it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .._validate import check_choice, check_number
from ..errors import MissingDependencyError
from .change import _check_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_transition_heatmap", "plot_transition_sankey"]


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is in the plot extra
        raise MissingDependencyError("plots need matplotlib: pip install 'urbangeo[plot]'") from exc
    return plt


def _label(value: Any, labels: Mapping | None) -> str:
    return str(labels.get(value, value)) if labels else str(value)


def _units(matrix: pd.DataFrame) -> str:
    units = matrix.attrs.get("units")
    return {"m2": "m²", "km2": "km²", "cells": "cells"}.get(units, units or "")


def plot_transition_heatmap(
    matrix: pd.DataFrame,
    *,
    ax: Any = None,
    normalize: Literal["none", "row", "total"] = "none",
    labels: Mapping | None = None,
    annotate: bool = True,
    include_persistence: bool = True,
    cmap: str = "YlOrRd",
    title: str | None = None,
) -> Axes:
    """Heat map of a transition matrix (from = rows, to = columns), diagonal outlined.

    Parameters
    ----------
    matrix : DataFrame
        A transition matrix.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    normalize : {"none", "row", "total"}, default "none"
        Show amounts, row shares (Markov probabilities, %) or shares of the landscape (%).
    labels : mapping, optional
        Class code -> display name.
    annotate : bool, default True
        Write the value in each cell.
    include_persistence : bool, default True
        False leaves the diagonal blank, so that the colour scale shows the changes
        (persistence usually dwarfs them).
    cmap : str, default "YlOrRd"
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_choice(normalize, "normalize", ("none", "row", "total"))
    m = _check_matrix(matrix)
    plt = _plt()
    v = m.to_numpy(dtype=float)
    if normalize == "row":
        rows = v.sum(axis=1, keepdims=True)
        v = np.divide(100.0 * v, rows, out=np.full_like(v, np.nan), where=rows > 0)
        unit = "% of the from-class"
    elif normalize == "total":
        v = 100.0 * v / v.sum()
        unit = "% of the landscape"
    else:
        unit = _units(matrix)
    if not include_persistence:
        v = v.copy()
        np.fill_diagonal(v, np.nan)
    if ax is None:
        n = len(m)
        _, ax = plt.subplots(figsize=(2.0 + 0.6 * n, 1.6 + 0.55 * n))
    im = ax.imshow(v, cmap=cmap)
    ax.figure.colorbar(im, ax=ax, label=unit, shrink=0.8)
    ticks = range(len(m))
    ax.set_xticks(list(ticks), [_label(c, labels) for c in m.columns], rotation=45, ha="right")
    ax.set_yticks(list(ticks), [_label(c, labels) for c in m.index])
    ax.set_xlabel("to (second date)")
    ax.set_ylabel("from (first date)")
    for k in ticks:
        ax.add_patch(plt.Rectangle((k - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=1.2))
    if annotate:
        finite = v[np.isfinite(v)]
        vmax = finite.max() if finite.size else 0.0
        for i in ticks:
            for j in ticks:
                if np.isfinite(v[i, j]) and v[i, j] > 0:
                    ax.text(j, i, f"{v[i, j]:.3g}", ha="center", va="center", fontsize=7,
                            color="white" if v[i, j] > 0.6 * vmax else "black")
    ax.set_title(title or "Transition matrix")
    return ax


def plot_transition_sankey(
    matrix: pd.DataFrame,
    *,
    ax: Any = None,
    labels: Mapping | None = None,
    colors: Mapping | None = None,
    dates: tuple[str, str] = ("before", "after"),
    min_share_pct: float = 0.0,
    gap_pct: float = 2.0,
    title: str | None = None,
) -> Axes:
    """Two-column Sankey (alluvial) diagram of a transition matrix, drawn with matplotlib.

    Left bars are the classes at the first date, right bars at the second; a ribbon
    from class i to class j is as thick as the amount that went from i to j. Ribbons
    under ``min_share_pct`` percent of the landscape are not drawn (their amount stays
    in the bars, so the bars keep their true size).

    Parameters
    ----------
    matrix : DataFrame
        A transition matrix.
    ax : matplotlib Axes, optional
    labels : mapping, optional
        Class code -> display name.
    colors : mapping, optional
        Class code -> matplotlib colour; default the tab10 cycle.
    dates : (str, str), default ("before", "after")
        Column titles, e.g. ("2009", "2019").
    min_share_pct : float, default 0
        Hide ribbons smaller than this share of the landscape.
    gap_pct : float, default 2
        Gap between bars, percent of the total height.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    m = _check_matrix(matrix)
    min_share_pct = check_number(min_share_pct, "min_share_pct", minimum=0)
    gap_pct = check_number(gap_pct, "gap_pct", minimum=0)
    plt = _plt()
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    v = m.to_numpy(dtype=float)
    total = v.sum()
    frac = v / total
    n = len(m)
    gap = gap_pct / 100.0
    classes = list(m.index)
    cmap = plt.get_cmap("tab10")
    col = {c: (colors or {}).get(c, cmap(k % 10)) for k, c in enumerate(classes)}
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6))
    left_size, right_size = frac.sum(axis=1), frac.sum(axis=0)
    left_top = 1.0 + gap * (n - 1) - np.concatenate([[0.0], np.cumsum(left_size + gap)[:-1]])
    right_top = 1.0 + gap * (n - 1) - np.concatenate([[0.0], np.cumsum(right_size + gap)[:-1]])
    x0, x1, w = 0.0, 1.0, 0.06
    for k, c in enumerate(classes):
        for x, top, size, ha, dx in ((x0, left_top, left_size, "right", -0.01), (x1, right_top, right_size, "left", 0.01)):
            if size[k] <= 0:
                continue
            ax.add_patch(Rectangle((x - w / 2, top[k] - size[k]), w, size[k], color=col[c], ec="none"))
            ax.text(x + (w / 2 + 0.01) * np.sign(dx), top[k] - size[k] / 2,
                    f"{_label(c, labels)} ({100 * size[k]:.1f} %)", ha=ha, va="center", fontsize=8)
    out_off = left_top.copy()
    in_off = right_top.copy()
    for i in range(n):
        for j in range(n):
            f = frac[i, j]
            if f <= 0:
                continue
            y0a, y1a = out_off[i], in_off[j]
            out_off[i] -= f
            in_off[j] -= f
            if 100.0 * f < min_share_pct:
                continue
            xa, xb = x0 + w / 2, x1 - w / 2
            xm = (xa + xb) / 2
            verts = [
                (xa, y0a), (xm, y0a), (xm, y1a), (xb, y1a),
                (xb, y1a - f), (xm, y1a - f), (xm, y0a - f), (xa, y0a - f), (xa, y0a),
            ]
            codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4,
                     Path.LINETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
            ax.add_patch(PathPatch(Path(verts, codes), facecolor=col[classes[i]], alpha=0.25 if i == j else 0.55,
                                   edgecolor="none"))
    ax.text(x0, 1.0 + gap * (n - 1) + 0.03, dates[0], ha="center", fontweight="bold")
    ax.text(x1, 1.0 + gap * (n - 1) + 0.03, dates[1], ha="center", fontweight="bold")
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(-0.02, 1.0 + gap * (n - 1) + 0.08)
    ax.set_axis_off()
    ax.set_title(title or f"Land-use transitions ({_units(matrix) or 'amount'}, bars in % of the landscape)")
    return ax
