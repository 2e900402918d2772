"""Dask plumbing shared by the wings (land use, accessibility, subsidence).

The public functions take a ``dask_geopandas.GeoDataFrame`` as well as a GeoDataFrame; each
wing keeps its own dask path beside its in-memory path and builds it from the pieces here:

* :func:`is_dask` tells a dask frame without importing dask (importing it costs seconds);
* :func:`dask_modules` imports dask, dask.dataframe and dask_geopandas, or says how to install them;
* :func:`current_client` is the ``dask.distributed`` client in use, if any;
* :func:`broadcast` makes a large read-only object (a street network, a table of panels) ONE
  key of the graph that delayed tasks take as an argument, so it travels to each worker once,
  not with every task, and survives the loss of a worker;
* :func:`compute` runs delayed tasks on the client in use (or dask's default scheduler) and
  re-raises a task's urbangeo error as itself, with the worker's message, not as a wrapped
  remote traceback.

This module imports only the standard library and :mod:`urbangeo.errors`: wings import it,
never the other way round.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from .errors import MissingDependencyError

INSTALL = "pip install 'urbangeo[dask]'"


def is_dask(frame: Any) -> bool:
    """True when ``frame`` is a dask (geo)DataFrame.

    A dask frame can only exist if dask was imported: nothing is imported here.
    """
    dgpd = sys.modules.get("dask_geopandas")
    if dgpd is not None and isinstance(frame, dgpd.GeoDataFrame):
        return True
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(frame, getattr(dd, "DataFrame", ()))


def dask_modules() -> tuple[Any, Any, Any]:
    """``(dask, dask.dataframe, dask_geopandas)``, or :class:`MissingDependencyError` with the install command."""
    try:
        import dask
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError as exc:  # pragma: no cover - only reached with a dask frame in hand
        raise MissingDependencyError(f"dask support needs dask-geopandas and distributed: {INSTALL}") from exc
    return dask, dd, dask_geopandas


def current_client() -> Any | None:
    """The ``dask.distributed`` client in use (``Client(...)`` or ``with Client(...)``), or None."""
    if "distributed" not in sys.modules:
        return None
    from distributed import get_client

    try:
        client = get_client()
    except ValueError:  # no client: dask's default (threaded) scheduler runs the tasks
        return None
    import dask

    # a client exists but the user chose another scheduler (dask.config.set(scheduler="sync"))
    scheduler = dask.config.get("scheduler", None)
    if scheduler not in (None, "dask.distributed", "distributed") and scheduler is not client:
        return None
    return client


def broadcast(obj: Any) -> Any:
    """``obj`` as ONE key of the task graph (``dask.delayed(obj)``), shared by every task that takes it.

    Pass the result as an argument of ``dask.delayed`` tasks: the object travels to the
    scheduler once and to each worker once (as the dependency of that worker's first task),
    whatever the number of tasks. Unlike ``client.scatter``, the key can be recomputed: when
    a worker dies mid-computation (or distributed's memory manager has dropped the other
    replicas), the scheduler rebuilds it from the graph instead of failing with "lost
    scattered data".
    """
    dask, _, _ = dask_modules()
    return dask.delayed(obj, pure=False)


def compute(*tasks: Any) -> tuple[Any, ...]:
    """``dask.compute(*tasks)`` on the client in use, errors re-raised as urbangeo's own.

    A task that raises an :class:`~urbangeo.errors.UrbangeoError` on a worker reaches the
    caller as the same class with the same message (the worker's traceback is dropped: the
    message names the argument and the fix, as in-memory).
    """
    dask, _, _ = dask_modules()
    from .errors import UrbangeoError

    try:
        with warnings.catch_warnings():
            # the network / panels are one key of the graph on purpose (see broadcast)
            warnings.filterwarnings("ignore", message=r"(?s).*Sending large graph", category=UserWarning)
            return dask.compute(*tasks)
    except UrbangeoError as exc:
        raise exc.with_traceback(None) from None
