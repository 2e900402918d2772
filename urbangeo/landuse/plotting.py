"""Maps of screening results and contiguous blocks (matplotlib, imported lazily)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np

from .._validate import check_columns, check_geodataframe
from ..crs import get_crs, project
from ..errors import MissingDependencyError

__all__ = ["plot_eligibility", "plot_blocks"]

_LAYER_STYLE: dict[str, dict[str, Any]] = {
    "development_boundary": {"edgecolor": "#1f4e9c", "linestyle": "--", "linewidth": 1.2},
    "basic_farmland": {"edgecolor": "#b8860b", "hatch": "///", "linewidth": 0.8},
    "red_line": {"edgecolor": "#c00000", "hatch": "\\\\\\", "linewidth": 0.8},
}


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError("maps need matplotlib: pip install urbangeo[plot]") from exc
    return plt


def _first_reason(text: Any) -> str:
    if not isinstance(text, str) or not text:
        return ""
    head = text.split("; ")[0]
    for key, label in (
        ("excluded", "excluded geometry"),
        ("collectively", "not collective"),
        ("boundary", "outside boundary"),
        ("farmland", "basic farmland"),
        ("red line", "red line"),
        ("land class", "land class"),
        ("planned", "planned use"),
        ("consent", "villager consent"),
    ):
        if key in head:
            return label
    return "other"


def plot_eligibility(
    screened: gpd.GeoDataFrame,
    *,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    ax: Any = None,
    title: str | None = None,
    attribution: str | None = None,
) -> Any:
    """Map eligible parcels and the first reason each other parcel failed.

    Parameters
    ----------
    screened : GeoDataFrame
        Output of :func:`~urbangeo.landuse.screen_conversion`.
    layers : mapping name -> GeoDataFrame, optional
        Constraint layers drawn as outlines (``development_boundary``,
        ``basic_farmland``, ``red_line`` get their own styles), reprojected to the
        map's CRS for display only.
    ax : matplotlib Axes, optional
    title, attribution : str, optional
        Attribution is written in the lower-right corner (e.g. OSM or data source).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    CRSError
        ``screened`` or one of ``layers`` has no CRS (a map without one cannot overlay
        the layers; set it with ``screened.set_crs(...)``).
    MissingColumnError, EmptyDataError
        ``screened`` is not a screening result, or has no rows.
    """
    plt = _plt()
    check_geodataframe(screened, "screened")
    get_crs(screened, "screened")
    check_columns(screened, "screened", ["eligible", "failed_tests"])
    for name, layer in (layers or {}).items():
        if layer is not None and len(layer):
            get_crs(layer, f"layers[{name!r}]")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 8))
    reasons = screened["failed_tests"].astype(object).map(_first_reason)
    eligible = screened["eligible"].to_numpy(dtype=bool)
    cats = sorted(set(reasons[~eligible]))
    cmap = plt.get_cmap("Set2")
    handles = []
    from matplotlib.patches import Patch

    if eligible.any():
        screened[eligible].plot(ax=ax, color="#2ca02c", edgecolor="white", linewidth=0.2)
        handles.append(Patch(color="#2ca02c", label=f"eligible ({int(eligible.sum())})"))
    for i, cat in enumerate(cats):
        sel = (~eligible) & (reasons.to_numpy() == cat)
        color = "#bbbbbb" if cat == "excluded geometry" else cmap(i % 8)
        screened[sel].plot(ax=ax, color=color, edgecolor="white", linewidth=0.2)
        handles.append(Patch(color=color, label=f"{cat} ({int(sel.sum())})"))
    for name, layer in (layers or {}).items():
        if layer is None or len(layer) == 0:
            continue
        style = _LAYER_STYLE.get(name, {"edgecolor": "black", "linewidth": 0.8})
        shown = project(layer, screened.crs, name=name)
        shown.plot(ax=ax, facecolor="none", **style)
        handles.append(Patch(facecolor="none", edgecolor=style["edgecolor"], hatch=style.get("hatch"), label=name))
    ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85)
    ax.set_title(title or "Conversion eligibility (first failed test)")
    ax.set_axis_off()
    if attribution:
        ax.annotate(attribution, xy=(0.99, 0.01), xycoords="axes fraction", ha="right", fontsize=6, color="#444")
    return ax


def plot_blocks(
    blocks: gpd.GeoDataFrame,
    *,
    parcels: gpd.GeoDataFrame | None = None,
    ax: Any = None,
    title: str | None = None,
    attribution: str | None = None,
) -> Any:
    """Map contiguous blocks, outlining those under the minimum area in red.

    Parameters
    ----------
    blocks : GeoDataFrame
        Output of :func:`~urbangeo.landuse.assemble_blocks`.
    parcels : GeoDataFrame, optional
        Parcels drawn as thin grey outlines under the blocks.
    ax, title, attribution
        As in :func:`plot_eligibility`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    CRSError
        ``blocks`` or ``parcels`` has no CRS (set it with ``blocks.set_crs(...)``).
    MissingColumnError, EmptyDataError
        ``blocks`` is not a result of ``assemble_blocks``, or has no rows.
    """
    plt = _plt()
    check_geodataframe(blocks, "blocks")
    get_crs(blocks, "blocks")
    check_columns(blocks, "blocks", ["area_m2", "under_min_area"])
    if parcels is not None and len(parcels):
        get_crs(parcels, "parcels")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 8))
    if parcels is not None and len(parcels):
        shown = project(parcels, blocks.crs, name="parcels")
        shown.boundary.plot(ax=ax, color="#cccccc", linewidth=0.2)
    colors = plt.get_cmap("tab20")(np.arange(len(blocks)) % 20)
    blocks.plot(ax=ax, color=colors, edgecolor="black", linewidth=0.4, alpha=0.85)
    small = blocks["under_min_area"].to_numpy(dtype=bool)
    if small.any():
        blocks[small].boundary.plot(ax=ax, color="#d62728", linewidth=1.0)
    from matplotlib.lines import Line2D

    ax.legend(
        handles=[
            Line2D([], [], color="black", lw=0.8, label=f"blocks ({len(blocks)})"),
            Line2D([], [], color="#d62728", lw=1.2, label=f"under minimum area ({int(small.sum())})"),
        ],
        loc="upper left",
        fontsize=7,
    )
    ax.set_title(title or "Contiguous development blocks")
    ax.set_axis_off()
    if attribution:
        ax.annotate(attribution, xy=(0.99, 0.01), xycoords="axes fraction", ha="right", fontsize=6, color="#444")
    return ax
