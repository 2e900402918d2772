"""QGIS Desktop under Xvfb running a console-style script (``qgis.bin --code script.py``).

The script does what an analyst types in the QGIS Python console: it uses ``iface``,
loads a layer into the project, converts the active layer with ``layer_to_gdf``, runs
``processing.run("urbangeo:...")`` through the provider that the plugin registered at
start-up, adds the result with ``gdf_to_layer`` and writes what it saw to a JSON file,
then ends with ``os._exit(rc)``. The test compares that JSON with the library run here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

try:
    import qgis.core  # noqa: F401
except ImportError:
    reason = "QGIS's Python bindings are not importable here; run `make test-qgis`"
    pytest.skip(os.environ.get("URBANGEO_QGIS_SKIP_REASON", reason), allow_module_level=True)

import geopandas as gpd
from shapely import Point

import urbangeo.io

pytestmark = pytest.mark.qgis

HERE = Path(__file__).resolve().parent
QGIS_BIN = shutil.which("qgis.bin") or "/usr/bin/qgis.bin"
XVFB_RUN = shutil.which("xvfb-run") or "/usr/bin/xvfb-run"

SCRIPT = textwrap.dedent(
    """
    import json, os, traceback
    rc = 1
    report = dict()
    try:
        from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
        from qgis.utils import iface, active_plugins
        import processing
        from urbangeo.qgis import gdf_to_layer, layer_to_gdf

        report["plugins"] = sorted(active_plugins)
        report["provider"] = QgsApplication.processingRegistry().providerById("urbangeo") is not None
        homes = iface.addVectorLayer("{src}|layername=homes", "homes", "ogr")
        iface.setActiveLayer(homes)
        gdf = layer_to_gdf(iface.activeLayer())
        report["homes"] = {{"n": len(gdf), "names": gdf["name"].tolist(), "crs": gdf.crs.to_epsg()}}
        res = processing.run("urbangeo:nearest_facilities", {{
            "NETWORK": "{npz}", "ORIGINS": homes, "FACILITIES": "{src}|layername=shops", "OUTPUT": "TEMPORARY_OUTPUT"}})
        out = res["OUTPUT"]
        if isinstance(out, str):
            out = QgsProject.instance().mapLayer(out) or QgsVectorLayer(out, "nearest", "ogr")
        near = layer_to_gdf(out)
        report["dist_m_1"] = near["dist_m_1"].tolist()
        report["facility_1"] = near["facility_1"].tolist()
        layer = gdf_to_layer(near, name="walk to shops")
        QgsProject.instance().addMapLayer(layer)
        report["layers"] = sorted(lyr.name() for lyr in QgsProject.instance().mapLayers().values())
        report["in_layer_tree"] = QgsProject.instance().layerTreeRoot().findLayer(layer.id()) is not None
        # the toolbox dialog of every urbangeo algorithm builds its parameter widgets
        dialogs = dict()
        for alg in QgsApplication.processingRegistry().providerById("urbangeo").algorithms():
            dlg = processing.createAlgorithmDialog(alg.id())
            dialogs[alg.id()] = dlg is not None and len(dlg.mainWidget().wrappers) == len(alg.parameterDefinitions())
            dlg.close()
        report["dialogs"] = dialogs
        rc = 0
    except Exception:
        report["error"] = traceback.format_exc()
    with open("{report}", "w", encoding="utf-8") as fh:
        json.dump(report, fh, ensure_ascii=False)
    os._exit(rc)
    """
)


def test_qgis_desktop_console_script(tmp_path, qgis_subprocess_env):
    for exe in (QGIS_BIN, XVFB_RUN):
        if not os.access(exe, os.X_OK):
            if os.environ.get("URBANGEO_REQUIRE_QGIS") == "1":
                pytest.fail(f"{exe} not found although QGIS is required")
            pytest.skip(f"{exe} not found (Debian packages qgis, xvfb)")
    from urbangeo.accessibility import grid_network, nearest_facilities

    net = grid_network(6, 6, spacing_m=100, speed_kmh=6.0)
    npz = net.save(tmp_path / "grid.npz")
    x0, y0 = 500_000.0, 2_500_000.0
    homes = gpd.GeoDataFrame({"name": ["西村", "北村"]}, geometry=[Point(x0, y0), Point(x0 + 500, y0 + 500)], crs=net.crs)
    shops = gpd.GeoDataFrame({"kind": ["a"]}, geometry=[Point(x0 + 200, y0 + 100)], crs=net.crs)  # modelled
    src = tmp_path / "inputs.gpkg"
    urbangeo.io.write(homes, src, layer="homes")
    urbangeo.io.write(shops, src, layer="shops")

    profiles = tmp_path / "profiles"
    ini = profiles / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\nurbangeo_provider=true\nprocessing=true\n", encoding="utf-8")
    report = tmp_path / "report.json"
    script = tmp_path / "console_script.py"
    script.write_text(SCRIPT.format(src=src, npz=npz, report=report), encoding="utf-8")
    env = qgis_subprocess_env(None)
    env.pop("QT_QPA_PLATFORM")  # a real (virtual) X display this time
    done = subprocess.run(
        [XVFB_RUN, "-a", QGIS_BIN, "--nologo", "--noversioncheck", "--profiles-path", str(profiles), "--code", str(script)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert report.exists(), f"QGIS wrote no report (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    got = json.loads(report.read_text(encoding="utf-8"))
    assert "error" not in got, got["error"]
    assert done.returncode == 0
    assert "urbangeo_provider" in got["plugins"] and got["provider"]
    assert got["homes"] == {"n": 2, "names": ["西村", "北村"], "crs": 32650}
    ref = nearest_facilities(net, urbangeo.io.read(src, layer="homes"), urbangeo.io.read(src, layer="shops"))
    assert got["dist_m_1"] == pytest.approx(ref["dist_m_1"].tolist(), rel=1e-12)
    assert got["dist_m_1"] == pytest.approx([300.0, 700.0])
    assert got["facility_1"] == [1, 1]
    assert "walk to shops" in got["layers"] and "homes" in got["layers"]
    assert got["in_layer_tree"]
    assert len(got["dialogs"]) == 10 and all(got["dialogs"].values()), got["dialogs"]
