"""Maps of access, gaps, chosen sites and park service areas (matplotlib).

Every function draws on a matplotlib ``Axes`` (a new one unless ``ax`` is given),
returns that Axes, and writes the data attribution in the lower right corner
(``OSM_ATTRIBUTION`` by default: maps derived from OpenStreetMap must carry it;
pass ``attribution=None`` for modelled data without OSM). Layers are drawn in a
metric CRS so distances look right.

For interactive maps use ``GeoDataFrame.explore()`` directly on the results: the
audit, coverage and siting outputs hold only plain columns (strings, numbers,
booleans; ``missing`` is a ``";"``-joined string), e.g.
``audit.explore(column="n_missing", cmap="Reds", attribution=OSM_ATTRIBUTION)``.

matplotlib is imported lazily (``pip install matplotlib``, part of the ``plot`` extra).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from ..crs import is_metric, metric_crs, project
from ..datasets import OSM_ATTRIBUTION
from ..errors import MissingColumnError, MissingDependencyError
from .network import Network

__all__ = ["add_attribution", "plot_access", "plot_gaps", "plot_sites", "plot_service_areas"]


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError("maps need matplotlib: pip install matplotlib") from exc
    return plt


def _axes(ax, figsize=(8, 8)):
    if ax is None:
        _, ax = _plt().subplots(figsize=figsize)
    return ax


def _target_crs(network: Network | None, frame):
    if network is not None:
        return network.crs
    return frame.crs if is_metric(frame.crs) else metric_crs(frame)


def _draw_network(ax, network: Network | None, color="0.8", linewidth=0.4):
    if network is None:
        return
    geoms = network.edge_geometry
    gs = gpd.GeoSeries(geoms[np.array([g is not None for g in geoms], dtype=bool)], crs=network.crs)
    gs.plot(ax=ax, color=color, linewidth=linewidth, zorder=1)


def add_attribution(ax, text: str | None = OSM_ATTRIBUTION):
    """Write ``text`` (the data attribution) in the lower right corner of ``ax``; returns ``ax``."""
    if text:
        ax.text(0.99, 0.01, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.25",
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5})
    return ax


def _check_col(frame, column, name):
    if column not in frame.columns:
        raise MissingColumnError(f"`{name}` has no column {column!r}; available: {list(frame.columns)}.")


def plot_access(
    frame: gpd.GeoDataFrame,
    column: str,
    *,
    network=None,
    ax=None,
    title: str | None = None,
    cmap: str = "viridis_r",
    vmax: float | None = None,
    attribution: str | None = OSM_ATTRIBUTION,
    unreachable_color: str = "0.55",
):
    """Map a travel-time (or any numeric) column; NaN (unreachable) drawn in grey and counted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"minutes": [1.0, None]}, geometry=[Point(0, 0), Point(1, 1)], crs=32650)
    >>> ax = plot_access(g, "minutes")
    >>> ax.get_title()
    'minutes (1 unreachable)'
    """
    _check_col(frame, column, "frame")
    ax = _axes(ax)
    crs = _target_crs(network, frame)
    _draw_network(ax, network)
    f = project(frame, crs, name="frame")
    vals = f[column].astype(float)
    nan = vals.isna().to_numpy()
    if (~nan).any():
        f[~nan].plot(ax=ax, column=column, cmap=cmap, legend=True, vmax=vmax, markersize=6, zorder=2,
                     legend_kwds={"shrink": 0.6, "label": column})
    if nan.any():
        f[nan].plot(ax=ax, color=unreachable_color, markersize=6, zorder=2)
    ax.set_title(title or f"{column}" + (f" ({int(nan.sum())} unreachable)" if nan.any() else ""))
    ax.set_axis_off()
    return add_attribution(ax, attribution)


def plot_gaps(
    audit: gpd.GeoDataFrame,
    *,
    network=None,
    ax=None,
    title: str | None = None,
    attribution: str | None = OSM_ATTRIBUTION,
):
    """Life-circle gaps: residences coloured by the number of missing categories (0 = compliant).

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_col(audit, "n_missing", "audit")
    ax = _axes(ax)
    crs = _target_crs(network, audit)
    _draw_network(ax, network)
    a = project(audit, crs, name="audit")
    n_max = int(a["n_missing"].max()) if len(a) else 0
    a.plot(ax=ax, column="n_missing", cmap="RdYlGn_r", vmin=0, vmax=max(n_max, 1), legend=True, markersize=6,
           zorder=2, legend_kwds={"shrink": 0.6, "label": "missing categories"})
    share = float((a["n_missing"] == 0).mean()) if len(a) else float("nan")
    ax.set_title(title or f"life-circle gaps: {share:.0%} of residences compliant")
    ax.set_axis_off()
    return add_attribution(ax, attribution)


def plot_sites(
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    covered: str | None = "covered",
    network=None,
    ax=None,
    title: str | None = None,
    attribution: str | None = OSM_ATTRIBUTION,
):
    """Chosen sites (stars: new, squares: existing) over demand coloured by coverage.

    ``demand`` is typically the output of :func:`assign_demand` (column ``covered``);
    ``sites`` the output of :func:`site_facilities` (column ``new``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    crs = _target_crs(network, demand)
    _draw_network(ax, network)
    d = project(demand, crs, name="demand")
    if covered is not None and covered in d.columns:
        cov = d[covered].fillna(False).astype(bool).to_numpy()
        d[cov].plot(ax=ax, color="tab:green", markersize=5, zorder=2, label=f"covered ({int(cov.sum())})")
        d[~cov].plot(ax=ax, color="tab:red", markersize=5, zorder=2, label=f"not covered ({int((~cov).sum())})")
    else:
        d.plot(ax=ax, color="tab:blue", markersize=5, zorder=2, label="demand")
    s = project(sites, crs, name="sites")
    new = s["new"].to_numpy(bool) if "new" in s.columns else np.ones(len(s), bool)
    if (~new).any():
        s[~new].plot(ax=ax, color="black", marker="s", markersize=40, zorder=3, label=f"existing ({int((~new).sum())})")
    if new.any():
        s[new].plot(ax=ax, color="gold", edgecolor="black", marker="*", markersize=160, zorder=4,
                    label=f"new sites ({int(new.sum())})")
    info = sites.attrs.get("siting", {})
    ax.set_title(title or (f"{info.get('model', 'siting')} ({info.get('solver', '')}): objective "
                           f"{info.get('objective', float('nan')):.6g}, gap {info.get('gap', float('nan')):.2%}"
                           if info else "sites"))
    ax.legend(loc="upper left", fontsize=8)
    ax.set_axis_off()
    return add_attribution(ax, attribution)


def plot_service_areas(
    service_areas: gpd.GeoDataFrame,
    *,
    parks: gpd.GeoDataFrame | None = None,
    network=None,
    ax=None,
    title: str | None = None,
    attribution: str | None = OSM_ATTRIBUTION,
):
    """Park service areas: radius reading (dashed outline) against the network reading (filled).

    ``service_areas`` is the output of :func:`park_service_areas`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_col(service_areas, "reading", "service_areas")
    ax = _axes(ax)
    crs = _target_crs(network, service_areas)
    _draw_network(ax, network)
    sa = project(service_areas, crs, name="service_areas")
    net = sa[sa.reading == "network"]
    rad = sa[sa.reading == "radius"]
    if len(net):
        net.plot(ax=ax, color="tab:green", alpha=0.35, zorder=2)
    if len(rad):
        rad.boundary.plot(ax=ax, color="tab:blue", linestyle="--", linewidth=1.0, zorder=3)
    if parks is not None and len(parks):
        project(parks, crs, name="parks").plot(ax=ax, color="darkgreen", zorder=4)
    tot_r = float(rad.area_m2.sum()) if len(rad) else 0.0
    tot_n = float(net.area_m2.sum()) if len(net) else 0.0
    ax.set_title(title or f"park service areas: network {tot_n / 1e6:.2f} km2 vs radius {tot_r / 1e6:.2f} km2")
    ax.set_axis_off()
    return add_attribution(ax, attribution)
