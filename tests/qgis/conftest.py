"""Fixtures for the tests that run inside a real QGIS (``make test-qgis``).

Outside QGIS (the .venv / .venv-min runs) every test module here skips itself with the
reason printed (``-ra``). Under ``make test-qgis`` the Makefile sets
``URBANGEO_REQUIRE_QGIS=1``: then a QGIS that cannot be imported is an error, never a skip.
The root conftest.py has already imported ``qgis._core`` with RTLD_GLOBAL (the
symbol-resolution mode of qgis.bin / qgis_process.bin).
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec

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

    return f"qgis: {Qgis.QGIS_VERSION} (qgis._core loaded with RTLD_GLOBAL)"


@pytest.fixture(scope="session")
def qgis_app():
    """A headless QgsApplication with Processing and the urbangeo provider registered.

    exitQgis() is deliberately not called: a Python-owned layer still alive at that
    point makes the process segfault (../shared/docs/qgis.md).
    """
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
