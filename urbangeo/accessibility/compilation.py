"""Compile the search kernels once, into numba's on-disk cache, so that no call waits for numba.

A process whose cache lacks a kernel runs small searches as plain Python, but a big one
(``nearest_facilities(k=3)`` over a city) compiles in the foreground, 2-5 s. Running
:func:`compile_kernels` once after installing (``python -m urbangeo compile``) fills the cache
for every kernel signature the public metrics use; later processes load them (about 0.3 s).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _progress
from ..errors import UrbangeoWarning
from . import _engine, fca, isochrones, lifecircle, metrics, synthetic
from .network import Network

__all__ = ["compile_kernels"]


def _inputs(net: Network) -> tuple[Any, Any]:
    """Three homes and three facilities (two categories) on a few nodes of ``net``, off the streets."""
    import geopandas as gpd

    i = np.array([0, 5, 10, 3, 9, 14])
    x, y = net.x[i] + 7.0, net.y[i] + 11.0
    homes = gpd.GeoDataFrame({"pop": [10.0, 20.0, 30.0]}, geometry=gpd.points_from_xy(x[:3], y[:3]), crs=net.crs)
    fac = gpd.GeoDataFrame({"category": ["clinic", "kindergarten", "clinic"], "doctors": [1.0, 2.0, 3.0]},
                           geometry=gpd.points_from_xy(x[3:], y[3:]), crs=net.crs)
    return homes, fac


#: the public metrics whose searches are compiled: every kernel and every signature they use
CALLS: dict[str, Callable[[Network, Any, Any], Any]] = {
    "nearest_facilities k=1": lambda n, h, f: metrics.nearest_facilities(n, h, f),
    "nearest_facilities k=3": lambda n, h, f: metrics.nearest_facilities(n, h, f, k=3, minutes=15),
    "cumulative_opportunities minutes": lambda n, h, f: metrics.cumulative_opportunities(n, h, f, minutes=(5, 10)),
    "cumulative_opportunities dist_m": lambda n, h, f: metrics.cumulative_opportunities(n, h, f, dist_m=500),
    "two_step_fca": lambda n, h, f: fca.two_step_fca(n, h, f, population_col="pop", capacity_col="doctors",
                                                     minutes=10),
    "isochrones": lambda n, h, f: isochrones.isochrones(n, h, minutes=(5, 10)),
    "life_circle_audit": lambda n, h, f: lifecircle.life_circle_audit(n, h, f,
                                                                      required={"kindergarten": 5, "clinic": 15}),
}


def _networks() -> dict[str, Network]:
    grid = synthetic.grid_network(4, 4, spacing_m=75, speed_kmh=4.5)
    m = grid.n_edges
    hills = dataclasses.replace(grid, edge_oneway=np.arange(m) % 5 == 0,
                                edge_factor_fwd=1.0 + (np.arange(m) % 3) * 0.25,
                                edge_factor_rev=np.where(np.arange(m) % 11 == 0, 0.0, 0.8))
    return {"two-way": grid, "one-way and direction factors": hills}


def compile_kernels(*, progress: bool | None = None) -> dict[str, Any]:
    """Compile every search kernel the public metrics use into numba's on-disk cache.

    Run it once after installing urbangeo (``python -m urbangeo compile``; in QGIS, from
    the Python console): later processes load the compiled kernels from the cache, so even
    a big first call (``nearest_facilities(k=3)`` over a whole city) does not wait 2-5 s
    for numba. It runs each public metric (nearest facilities with k = 1 and k = 3,
    cumulative opportunities by minutes and by metres, 2SFCA, isochrones, the life-circle
    audit) on a tiny modelled grid, two-way and with one-way streets and direction
    factors, with the kernels compiled rather than run as plain Python.

    numba writes the cache next to ``urbangeo/accessibility/_kernels.py`` when that
    directory is writable; in a read-only install (system-wide, conda, QGIS) it falls back
    to the user's cache directory (``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba`` on
    Linux, ``~/Library/Caches/numba`` on macOS, ``%LOCALAPPDATA%\\numba`` on Windows);
    ``NUMBA_CACHE_DIR`` overrides both. Run it as the user who will run the metrics.
    Kernels already in the cache are loaded, not compiled again. Without numba it returns
    at once (the kernels then always run as plain Python).

    Parameters
    ----------
    progress : bool, optional
        Show a progress bar over the metrics run (default: ``urbangeo.settings.progress``).

    Returns
    -------
    dict
        ``numba`` (bool: installed), ``cache_dir`` (where numba keeps the kernels, None
        without numba), ``kernels``: for each kernel, the number of signatures
        ``compiled`` (now, into the cache), ``from_cache`` (loaded) and ``in_memory``
        (already compiled in this process), and ``seconds`` (wall time of the whole step).

    Examples
    --------
    >>> from urbangeo.accessibility import compile_kernels
    >>> info = compile_kernels()  # doctest: +SKIP
    >>> info["kernels"]["k_nearest"]  # doctest: +SKIP
    {'compiled': 1, 'from_cache': 0, 'in_memory': 0}
    """
    t0 = time.perf_counter()
    if not _engine.have_numba():
        return {"numba": False, "cache_dir": None, "kernels": {}, "seconds": time.perf_counter() - t0}
    mod = _engine._kernels()
    disps = {name.lstrip("_"): getattr(mod, name) for name in mod.KERNELS}
    loaded = {k: set(d.overloads) for k, d in disps.items()}
    hits = {k: sum(d.stats.cache_hits.values()) for k, d in disps.items()}
    misses = {k: sum(d.stats.cache_misses.values()) for k, d in disps.items()}
    runs = [(net, call) for net in _networks().values() for call in CALLS.values()]
    with _engine.compiled_only(), warnings.catch_warnings():
        # the metrics' notes about the modelled inputs (snapping, coverage) say nothing to the caller
        warnings.simplefilter("ignore", UrbangeoWarning)
        for net, call in _progress.progress_bar(runs, progress=progress, desc="compiling kernels"):
            call(net, *_inputs(net))
    kernels = {
        k: {
            "compiled": sum(d.stats.cache_misses.values()) - misses[k],
            "from_cache": sum(d.stats.cache_hits.values()) - hits[k],
            "in_memory": len(loaded[k]),
        }
        for k, d in disps.items()
    }
    cache_dir = disps["multi_source"].stats.cache_path
    return {"numba": True, "cache_dir": cache_dir, "kernels": kernels, "seconds": time.perf_counter() - t0}
