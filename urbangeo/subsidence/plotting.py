"""Maps of subsidence rasters, restoration zones and park plans (matplotlib, imported lazily)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from ..errors import MissingDependencyError
from ..raster import Raster

__all__ = ["plot_raster", "plot_zones", "plot_park_plan", "ZONE_COLOURS"]

#: Colour per restoration class (1 farmland .. 4 deep lake).
ZONE_COLOURS = {1: "#e8d9a8", 2: "#b5d99c", 3: "#7fc6d9", 4: "#2c7fb8"}


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError("plotting needs matplotlib: pip install 'urbangeo[plot]'") from exc
    return plt


def plot_raster(
    raster: Raster,
    *,
    ax: Any = None,
    cmap: str = "viridis_r",
    contours: tuple[float, ...] | None = None,
    label: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Any:
    """Show a raster in map coordinates with optional contour lines; return the axes."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    b = raster.bounds
    im = ax.imshow(raster.array, extent=(b[0], b[2], b[1], b[3]), origin="upper", cmap=cmap, vmin=vmin, vmax=vmax)
    if contours:
        x, y = raster.xy()
        levels = sorted(c for c in contours if np.nanmin(raster.array) < c < np.nanmax(raster.array))
        if levels:
            cs = ax.contour(x, y, raster.array, levels=levels, colors="k", linewidths=0.6)
            ax.clabel(cs, fmt="%g", fontsize=7)
    ax.figure.colorbar(im, ax=ax, shrink=0.7, label=label or f"{raster.name} ({raster.units})")
    ax.set_aspect("equal")
    ax.set_xlabel(f"x (m, {raster.crs.name})", fontsize=7)
    ax.tick_params(labelsize=6)
    return ax


def plot_zones(zones: gpd.GeoDataFrame, *, ax: Any = None, legend: bool = True) -> Any:
    """Restoration zones coloured by class, labelled with their restoration use."""
    plt = _plt()
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    handles = []
    for k, part in zones.groupby("class"):
        colour = ZONE_COLOURS.get(int(k), "#cccccc")
        part.plot(ax=ax, color=colour, edgecolor="#555555", linewidth=0.3)
        use = part["restoration_use"].iloc[0] if "restoration_use" in part else part["class_label"].iloc[0]
        lab = part["class_label"].iloc[0]
        handles.append(Patch(color=colour, label=lab if use == lab else f"{lab}: {use}"))
    if legend:
        ax.legend(handles=handles, fontsize=6, loc="lower left")
    ax.set_aspect("equal")
    ax.tick_params(labelsize=6)
    return ax


def plot_park_plan(
    parks: gpd.GeoDataFrame,
    *,
    landcover: gpd.GeoDataFrame | None = None,
    entrances: gpd.GeoDataFrame | None = None,
    service_areas: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    setbacks: gpd.GeoDataFrame | None = None,
    ax: Any = None,
) -> Any:
    """Park plan: service areas, buildings, water and green land, setback area, entrances."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    if service_areas is not None and len(service_areas):
        service_areas.plot(ax=ax, color="#fde0c5", edgecolor="#e6550d", linewidth=0.6, alpha=0.6)
    if buildings is not None and len(buildings):
        buildings.plot(ax=ax, color="#636363", markersize=2)
    if landcover is not None:
        colours = {"water": "#6baed6", "green": "#74c476"}
        for _, row in landcover.iterrows():
            if not row.geometry.is_empty:
                gpd.GeoSeries([row.geometry], crs=landcover.crs).plot(ax=ax, color=colours.get(row.landcover, "#999"))
    parks.boundary.plot(ax=ax, color="#006d2c", linewidth=1.0)
    if setbacks is not None and len(setbacks):
        s = setbacks[setbacks["indicator"] == "any"]
        s.boundary.plot(ax=ax, color="#cb181d", linewidth=0.8, linestyle="--")
    if entrances is not None and len(entrances):
        entrances.plot(ax=ax, color="#cb181d", marker="^", markersize=25, zorder=5)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=6)
    return ax
