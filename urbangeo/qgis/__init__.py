"""QGIS front end: layers <-> GeoDataFrames, and the ``urbangeo`` Processing provider.

Use it from the QGIS Python console::

    from urbangeo.qgis import layer_to_gdf, gdf_to_layer
    parcels = layer_to_gdf(iface.activeLayer())
    QgsProject.instance().addMapLayer(gdf_to_layer(parcels, name="parcels copy"))

and the Processing toolbox shows the ``urbangeo`` provider once the plugin in
``qgis_plugin/urbangeo_provider`` is installed (see docs/qgis.md).

This subpackage needs QGIS's own Python bindings (``qgis.core``): it is importable
inside QGIS (Desktop console, ``qgis_process``, a standalone PyQGIS script), not in a
plain Python environment. Geometries travel as WKB, so urbangeo's shapely must be
built against the same GEOS as QGIS -- see docs/qgis.md for the install that works.
"""

from __future__ import annotations

from ..errors import MissingDependencyError

try:
    import qgis.core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only outside QGIS
    raise MissingDependencyError(
        "urbangeo.qgis needs QGIS's Python bindings (`qgis.core`), which this Python cannot import "
        f"({exc}). Use it inside QGIS (Python console, qgis_process, or a PyQGIS script run with the "
        "Python QGIS uses, e.g. Debian's /usr/bin/python3 after `apt-get install python3-qgis`); "
        "see docs/qgis.md."
    ) from exc

from ._convert import FIELD_TYPES, gdf_to_layer, layer_to_gdf

__all__ = ["layer_to_gdf", "gdf_to_layer", "FIELD_TYPES"]
