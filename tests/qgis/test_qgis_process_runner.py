"""``qgis_process.bin --json run urbangeo:...``: the provider loaded by QGIS's own runner.

qgis_process finds the plugin through QGIS_PLUGINPATH (qgis_plugin/), in a throwaway
QGIS_CUSTOM_CONFIG_PATH where ``plugins enable urbangeo_provider`` switched it on. Its
embedded Python ignores venvs, so PYTHONPATH carries this venv's site-packages (the
source-built shapely/pyproj/pyogrio) and the repository (urbangeo). /usr/bin/qgis_process
itself is not used: on bookworm it rejects ``--noversioncheck`` (../shared/docs/qgis.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

try:
    import qgis.core  # noqa: F401
except ImportError:
    reason = "QGIS's Python bindings are not importable here; run `make test-qgis`"
    pytest.skip(os.environ.get("URBANGEO_QGIS_SKIP_REASON", reason), allow_module_level=True)

import geopandas as gpd
import numpy as np
from shapely import Point

import urbangeo.io

pytestmark = pytest.mark.qgis

QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"


@pytest.fixture(scope="module")
def qp(tmp_path_factory, qgis_subprocess_env):
    if not os.access(QGIS_PROCESS, os.X_OK):
        if os.environ.get("URBANGEO_REQUIRE_QGIS") == "1":
            pytest.fail(f"{QGIS_PROCESS} not found although QGIS is required")
        pytest.skip(f"{QGIS_PROCESS} not found (Debian package qgis)")
    env = qgis_subprocess_env(tmp_path_factory.mktemp("qgis_config"))
    done = subprocess.run([QGIS_PROCESS, "plugins", "enable", "urbangeo_provider"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=timeout)

    return run


def test_qgis_process_lists_the_provider(qp):
    done = qp("list")
    assert done.returncode == 0, done.stderr
    for alg in ("urbangeo:network_from_osm", "urbangeo:nearest_facilities", "urbangeo:isochrones", "urbangeo:life_circle_audit"):
        assert alg in done.stdout, f"{alg} missing from qgis_process list:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    done = qp("help", "urbangeo:isochrones")
    assert done.returncode == 0 and "MINUTES" in done.stdout and "Time bands (minutes" in done.stdout


def test_qgis_process_json_run_matches_library(qp, tmp_path):
    from urbangeo.accessibility import grid_network, isochrones, nearest_facilities

    net = grid_network(11, 11, spacing_m=100, speed_kmh=6.0)
    npz = net.save(tmp_path / "grid.npz")
    x0, y0 = 500_000.0, 2_500_000.0
    homes = gpd.GeoDataFrame({"name": ["西村", "北村"]}, geometry=[Point(x0, y0), Point(x0 + 450, y0 + 500)], crs=net.crs)
    shops = gpd.GeoDataFrame({"kind": ["a", "b"]}, geometry=[Point(x0 + 300, y0), Point(x0 + 1000, y0 + 1000)], crs=net.crs)
    src = tmp_path / "inputs.gpkg"  # modelled inputs
    urbangeo.io.write(homes, src, layer="homes")
    urbangeo.io.write(shops, src, layer="shops")

    out = tmp_path / "nearest.gpkg"
    done = qp("--json", "run", "urbangeo:nearest_facilities", "--",
              f"NETWORK={npz}", f"ORIGINS={src}|layername=homes", f"FACILITIES={src}|layername=shops", "K=2", f"OUTPUT={out}")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["algorithm_details"]["id"] == "urbangeo:nearest_facilities"
    assert report["results"]["OUTPUT"].startswith(str(out))
    got = gpd.read_file(out)
    ref = nearest_facilities(net, urbangeo.io.read(src, layer="homes"), urbangeo.io.read(src, layer="shops"), k=2)
    np.testing.assert_allclose(got["dist_m_1"], ref["dist_m_1"], rtol=1e-12)
    np.testing.assert_allclose(got["minutes_2"], ref["minutes_2"], rtol=1e-12)
    # home 0 -> shop 1 at 300 m; home 1 (mid-edge, 50 m from the node at x=400) -> shop 1 at 150 + 500 m
    assert got["dist_m_1"].tolist() == pytest.approx([300.0, 650.0])
    assert got["facility_1"].tolist() == [1, 1]  # GeoPackage feature ids of the shops
    assert got["name"].tolist() == ["西村", "北村"]

    out = tmp_path / "iso.gpkg"
    done = qp("--json", "run", "urbangeo:isochrones", "--", f"NETWORK={npz}", f"ORIGINS={src}|layername=homes", "MINUTES=3,6",
              "STREET_WIDTH_M=10", f"OUTPUT={out}")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    got = gpd.read_file(out)
    ref = isochrones(net, urbangeo.io.read(src, layer="homes"), minutes=(3, 6), street_width_m=10)
    assert got["minutes"].tolist() == [3.0, 6.0, 3.0, 6.0]
    np.testing.assert_allclose(got.area, ref.area, rtol=1e-9)


def test_qgis_process_reports_library_errors(qp, tmp_path):
    from urbangeo.accessibility import grid_network

    npz = grid_network(3, 3).save(tmp_path / "g.npz")
    src = tmp_path / "o.gpkg"
    urbangeo.io.write(gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000)], crs=32650), src, layer="o")
    done = qp("--json", "run", "urbangeo:isochrones", "--", f"NETWORK={npz}", f"ORIGINS={src}|layername=o", "MINUTES=-5",
              f"OUTPUT={tmp_path / 'x.gpkg'}")  # fmt: skip
    assert done.returncode != 0
    assert "`minutes` must be >= 0" in done.stdout + done.stderr
