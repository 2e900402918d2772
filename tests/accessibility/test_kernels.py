"""The compiled kernels' on-disk cache: where it goes, that it is reused, read-only installs.

Each check runs a fresh interpreter on a copy of ``urbangeo/`` made read-only (what a
system-wide, conda or QGIS install looks like to a user), with its own empty home, so
numba has to pick a writable cache directory itself and the second run must load what
the first one compiled.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import urbangeo

pytest.importorskip("numba")

PROBE = """
import sys
import geopandas as gpd
from shapely.geometry import Point
import urbangeo
from urbangeo.accessibility import grid_network, nearest_facilities
assert urbangeo.__file__.startswith(sys.argv[1]), urbangeo.__file__
net = grid_network(3, 3)
homes = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000)], crs=net.crs)
fac = gpd.GeoDataFrame(geometry=[Point(500_200, 2_500_100)], crs=net.crs)
print(round(float(nearest_facilities(net, homes, fac)["dist_m_1"].iloc[0]), 3))
"""


def _read_only_copy(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(Path(urbangeo.__file__).parent, site / "urbangeo",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    for p in [*site.rglob("*"), site]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return site


def _run(site: Path, home: Path, extra: dict[str, str] | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    env.update(PYTHONPATH=str(site), HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), **(extra or {}))
    out = subprocess.run([sys.executable, "-c", PROBE, str(site)], env=env, cwd=home, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def _cache_files(root: Path) -> dict[Path, float]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.suffix in (".nbi", ".nbc")}


@pytest.mark.slow
def test_read_only_install_caches_in_the_user_cache_and_reuses_it(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories: the fallback cannot be observed")
    site = _read_only_copy(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    first = _run(site, home)
    assert not _cache_files(site)  # nothing written into the install
    cached = _cache_files(home / ".cache")
    assert cached, "numba wrote no cache into the user cache directory"
    assert _run(site, home) == first
    assert _cache_files(home / ".cache") == cached  # loaded, not compiled again


@pytest.mark.slow
def test_numba_cache_dir_is_honoured_from_a_read_only_install(tmp_path):
    site = _read_only_copy(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    cache = tmp_path / "numba-cache"
    first = _run(site, home, {"NUMBA_CACHE_DIR": str(cache)})
    assert first == "300.0"  # 200 m east + 100 m north on a 100 m grid
    cached = _cache_files(cache)
    assert any("_kernels" in p.name for p in cached)
    assert not _cache_files(site)
    assert _run(site, home, {"NUMBA_CACHE_DIR": str(cache)}) == first
    assert _cache_files(cache) == cached
