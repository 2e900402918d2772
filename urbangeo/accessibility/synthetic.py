"""Synthetic street networks with analytic answers (for tests, benchmarks and examples).

A regular grid of ``n_x`` by ``n_y`` nodes, ``spacing_m`` apart: the shortest path
between two nodes is their Manhattan distance, which makes every search checkable by
hand. The data are *modelled*, not observed.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_number
from ..crs import get_crs, is_metric
from ..errors import CRSError, InvalidOptionError
from .network import MODES, Network

__all__ = ["grid_network"]


def grid_network(
    n_x: int,
    n_y: int,
    *,
    spacing_m: float = 100.0,
    crs: str = "EPSG:32650",
    mode: str = "walk",
    origin_xy: tuple[float, float] = (500_000.0, 2_500_000.0),
    speed_kmh: float | None = None,
    geometry: bool = True,
) -> Network:
    """Regular street grid of ``n_x * n_y`` nodes (modelled data).

    Node ``i`` sits at column ``i % n_x`` and row ``i // n_x``, at
    ``origin_xy + (col, row) * spacing_m``. Every edge joins horizontally or
    vertically adjacent nodes, is two-way, straight and ``spacing_m`` long, so the
    network distance between two nodes is ``spacing_m * (|dcol| + |drow|)``.

    Parameters
    ----------
    n_x, n_y : int
        Number of nodes along x and y (each >= 1).
    spacing_m : float, default 100.0
        Edge length in metres.
    crs : str, default "EPSG:32650"
        A metric CRS (UTM 50N by default, around Shenzhen).
    mode : {"walk", "bike", "drive"}, default "walk"
    origin_xy : tuple of float
        Coordinates of node 0 (lower left corner).
    speed_kmh : float, optional
        Edge speed; default the mode's speed from :mod:`urbangeo.settings`.
    geometry : bool, default True
        Build shapely LineStrings for the edges. ``False`` stores ``None`` geometries,
        which is enough for searches and saves time and memory on million-node grids
        (snapping and isochrones need geometries).

    Returns
    -------
    Network

    Examples
    --------
    >>> net = grid_network(3, 2, spacing_m=50)
    >>> net.n_nodes, net.n_edges
    (6, 7)
    >>> float(net.edge_length_m.sum())
    350.0
    """
    from ..settings import settings

    n_x, n_y = int(n_x), int(n_y)
    if n_x < 1 or n_y < 1:
        raise InvalidOptionError(f"`n_x` and `n_y` must be >= 1; got {n_x} and {n_y}.")
    spacing_m = check_number(spacing_m, "spacing_m", minimum=0.0, strict=True)
    check_choice(mode, "mode", MODES)
    if speed_kmh is None:
        speed_kmh = {"walk": settings.walk_speed_kmh, "bike": settings.bike_speed_kmh, "drive": settings.drive_speed_kmh}[
            mode
        ]
    speed_kmh = check_number(speed_kmh, "speed_kmh", minimum=0.0, strict=True)
    if not is_metric(get_crs(crs, "crs")):
        raise CRSError(
            f"`crs` must be a metric CRS (a network is measured in metres); got {crs!r}. Use a UTM or "
            f"CGCS2000 Gauss-Krueger zone, e.g. crs='EPSG:32650' or urbangeo.crs.utm_crs(lon, lat)."
        )
    idx = np.arange(n_x * n_y, dtype=np.int64)
    col, row = idx % n_x, idx // n_x
    x = origin_xy[0] + col * float(spacing_m)
    y = origin_xy[1] + row * float(spacing_m)
    grid = idx.reshape(n_y, n_x)
    hu, hv = grid[:, :-1].ravel(), grid[:, 1:].ravel()
    vu, vv = grid[:-1, :].ravel(), grid[1:, :].ravel()
    u = np.concatenate([hu, vu])
    v = np.concatenate([hv, vv])
    m = len(u)
    if geometry and m:
        import shapely

        coords = np.stack([np.stack([x[u], y[u]], axis=1), np.stack([x[v], y[v]], axis=1)], axis=1)
        geoms = shapely.linestrings(coords)
    else:
        geoms = np.full(m, None, dtype=object)
    return Network(
        x=x,
        y=y,
        node_id=idx,
        edge_u=u,
        edge_v=v,
        edge_length_m=np.full(m, float(spacing_m)),
        edge_geometry=geoms,
        edge_oneway=np.zeros(m, dtype=bool),
        edge_speed_kmh=np.full(m, float(speed_kmh)),
        crs=get_crs(crs, "crs"),
        mode=mode,
    )
