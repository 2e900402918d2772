"""Fixtures for the tests that run inside a real QGIS (``make test-qgis``).

Outside QGIS (the .venv / .venv-min runs) every test module here skips itself with the
reason printed (``-ra``). Under ``make test-qgis`` the Makefile sets
``URBANGEO_REQUIRE_QGIS=1``: then a QGIS that cannot be imported is an error, never a skip.
The root conftest.py has already imported ``qgis._core`` with RTLD_GLOBAL (the
symbol-resolution mode of qgis.bin / qgis_process.bin).
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from importlib.util import find_spec
from pathlib import Path

import pytest

# find_spec("qgis") is not enough: this very folder is a namespace package named qgis
_spec = find_spec("qgis")
QGIS_MISSING = _spec is None or _spec.origin is None or "URBANGEO_QGIS_IMPORT_ERROR" in os.environ
QGIS_REASON = (
    "QGIS's Python bindings are not importable in this Python "
    f"({os.environ.get('URBANGEO_QGIS_IMPORT_ERROR', 'no module named qgis')}, {sys.executable}); "
    "the tests inside real QGIS run with `make test-qgis` (Debian's QGIS 3.22 + .venv-qgis)"
)

if QGIS_MISSING and os.environ.get("URBANGEO_REQUIRE_QGIS") == "1":
    raise pytest.UsageError(f"URBANGEO_REQUIRE_QGIS=1 but {QGIS_REASON}")


def pytest_report_header(config):
    if QGIS_MISSING:
        return f"qgis: SKIPPED -- {QGIS_REASON}"
    from qgis.core import Qgis

    return f"qgis: {Qgis.QGIS_VERSION} (qgis._core loaded with {os.environ.get('URBANGEO_QGIS_LOAD_MODE')})"


@pytest.fixture(scope="session")
def qgis_app():
    """A headless QgsApplication with Processing and the urbangeo provider registered.

    exitQgis() is deliberately not called: a Python-owned layer still alive at that
    point makes the process segfault (../shared/docs/qgis.md).
    """
    mode = os.environ.get("URBANGEO_QGIS_LOAD_MODE")
    assert mode == "RTLD_GLOBAL, first", (
        f"qgis._core must be loaded with RTLD_GLOBAL before shapely/pyproj/pyogrio (root conftest.py); got {mode}"
    )
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    if "/usr/share/qgis/python/plugins" not in sys.path:
        sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from urbangeo.qgis.provider import UrbangeoProvider

    registry = QgsApplication.processingRegistry()
    if registry.providerById("urbangeo") is None:
        provider = UrbangeoProvider()
        assert registry.addProvider(provider)
    yield app
    # no exitQgis() (see above), so remove Processing's temporary folder here
    from qgis.core import QgsProcessingUtils

    shutil.rmtree(QgsProcessingUtils.tempFolder(), ignore_errors=True)


@pytest.fixture(scope="session")
def qgis_subprocess_env():
    """``make(config_dir)`` -> environment for qgis_process.bin / qgis.bin child processes.

    QGIS_PLUGINPATH finds qgis_plugin/urbangeo_provider; PYTHONPATH carries this venv's
    site-packages (the embedded Python ignores venvs) and the repository (urbangeo);
    QGIS_CUSTOM_CONFIG_PATH is a throwaway settings folder when given.
    """
    repo = Path(__file__).resolve().parents[2]
    paths = sysconfig.get_paths()

    def make(config_dir: Path | None) -> dict:
        env = os.environ.copy()
        env.update(
            QGIS_PLUGINPATH=str(repo / "qgis_plugin"),
            PYTHONPATH=os.pathsep.join(dict.fromkeys([str(repo), paths["purelib"], paths["platlib"]])),
            QT_QPA_PLATFORM="offscreen",
        )
        if config_dir is not None:
            env["QGIS_CUSTOM_CONFIG_PATH"] = str(config_dir)
        return env

    return make
