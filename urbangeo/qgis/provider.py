"""The ``urbangeo`` Processing provider: one algorithm per main workflow.

Register it in a QGIS session (the plugin in ``qgis_plugin/urbangeo_provider`` does this
for QGIS Desktop and ``qgis_process``)::

    from qgis.core import QgsApplication
    from urbangeo.qgis.provider import UrbangeoProvider
    QgsApplication.processingRegistry().addProvider(UrbangeoProvider())
    processing.run("urbangeo:isochrones", {...})

An algorithm is listed only when the library function it wraps can be imported (e.g.
the network algorithms need the ``network`` extra); :attr:`UrbangeoProvider.skipped`
says which were left out and why.
"""

from __future__ import annotations

import logging

from qgis.core import QgsProcessingProvider

from .. import __version__
from .algorithms import ALGORITHMS

log = logging.getLogger(__name__)

__all__ = ["UrbangeoProvider"]


class UrbangeoProvider(QgsProcessingProvider):
    """Processing provider with id ``urbangeo``."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: dict[str, str] = {}

    def id(self) -> str:
        return "urbangeo"

    def name(self) -> str:
        return "urbangeo"

    def longName(self) -> str:
        return f"urbangeo {__version__}: land-use conversion, subsidence restoration, walking accessibility"

    def versionInfo(self) -> str:
        return __version__

    def loadAlgorithms(self) -> None:
        self.skipped = {}
        for cls in ALGORITHMS:
            reason = cls.available()
            if reason is None:
                self.addAlgorithm(cls())
            else:
                self.skipped[cls.NAME] = reason
                log.info("urbangeo provider: %s not available (%s)", cls.NAME, reason)
