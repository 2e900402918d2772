"""QGIS plugin that registers urbangeo's Processing provider.

QGIS Desktop calls ``classFactory(iface)`` then ``initGui()``; ``qgis_process`` calls
``initProcessing()`` only (the plugin declares ``hasProcessingProvider=yes``). The
library itself (``urbangeo``) must be importable by QGIS's Python: install it with the
Python QGIS uses, or put its site-packages on PYTHONPATH (docs/qgis.md).
"""


def classFactory(iface):
    return UrbangeoProviderPlugin(iface)


class UrbangeoProviderPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        from qgis.core import QgsApplication

        try:
            from urbangeo.qgis.provider import UrbangeoProvider
        except ImportError as exc:
            from qgis.core import Qgis, QgsMessageLog

            QgsMessageLog.logMessage(
                f"urbangeo is not importable by QGIS's Python ({exc}); install it as described in docs/qgis.md",
                "urbangeo",
                Qgis.Critical,
            )
            return
        if QgsApplication.processingRegistry().providerById("urbangeo") is None:
            self.provider = UrbangeoProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            from qgis.core import QgsApplication

            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
