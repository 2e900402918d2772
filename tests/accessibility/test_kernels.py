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
    # compile on the first call (no plain-Python first call): these tests watch where numba writes
    env.update(PYTHONPATH=str(site), HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               URBANGEO_PLAIN_FIRST_CALL="0", **(extra or {}))
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


# --------------------------------------------------------------------------- first calls in plain Python
# A process whose numba cache has no kernels yet runs small searches as plain Python (the
# same code, not compiled); bigger searches compile. Its answers must equal
# the compiled kernels' answers exactly.
FIRST_CALLS = """
import dataclasses
import warnings
import numpy as np
import geopandas as gpd
from shapely.geometry import Point
from urbangeo.accessibility import (cumulative_opportunities, grid_network, isochrones, life_circle_audit,
                                    nearest_facilities, network_from_osm, two_step_fca)
from urbangeo.errors import SnapWarning


def points(net, n, seed):
    rng = np.random.default_rng(seed)
    i = rng.choice(np.flatnonzero(net.component == 0), n, replace=False)  # the largest piece: no SnapWarning
    return net.x[i] + rng.uniform(-40, 40, n), net.y[i] + rng.uniform(-40, 40, n)


def runs(net, n_homes, n_fac):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnapWarning)  # a few points near small pieces of the real network
        return _runs(net, n_homes, n_fac)


def _runs(net, n_homes, n_fac):
    hx, hy = points(net, n_homes, 1)
    fx, fy = points(net, n_fac, 2)
    homes = gpd.GeoDataFrame({"pop": np.arange(n_homes) % 7 + 1.0}, geometry=gpd.points_from_xy(hx, hy), crs=net.crs)
    fac = gpd.GeoDataFrame({"category": np.where(np.arange(n_fac) % 2, "clinic", "kindergarten"),
                            "doctors": np.arange(n_fac) % 3 + 1.0}, geometry=gpd.points_from_xy(fx, fy), crs=net.crs)
    out = [nearest_facilities(net, homes, fac), nearest_facilities(net, homes, fac, k=3, minutes=12),
           cumulative_opportunities(net, homes, fac, minutes=(5, 10)),
           two_step_fca(net, homes, fac, population_col="pop", capacity_col="doctors", minutes=10),
           isochrones(net, homes.iloc[:3], minutes=(5, 10)),
           life_circle_audit(net, homes, fac, required={"kindergarten": 5, "clinic": 15})]
    return [o.drop(columns="geometry") if i != 4 else o for i, o in enumerate(out)]


def all_runs(andorra):
    if andorra:
        return {"andorra": runs(network_from_osm(andorra, mode="walk"), 200, 16)}
    grid = grid_network(12, 9, spacing_m=75, speed_kmh=4.5)
    m = grid.n_edges
    hills = dataclasses.replace(grid, edge_oneway=np.arange(m) % 5 == 0,
                                edge_factor_fwd=1.0 + (np.arange(m) % 3) * 0.25,
                                edge_factor_rev=np.where(np.arange(m) % 11 == 0, 0.0, 0.8))
    # a point whose coordinates become inf (lat/lon swapped): no edge, the same warning either way
    far = gpd.GeoDataFrame(geometry=[Point(grid.x[0], grid.y[0])], crs=grid.crs).to_crs(4326)
    far = far.set_geometry(gpd.points_from_xy(far.geometry.y, far.geometry.x), crs=4326)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        clinic = gpd.GeoDataFrame(geometry=[Point(grid.x[1], grid.y[1])], crs=grid.crs)
        swapped = nearest_facilities(grid, far, clinic)
    swapped["warnings"] = "; ".join(sorted(str(w.message)[:60] for w in seen))
    return {"grid": runs(grid, 40, 8), "hills": runs(hills, 40, 8), "swapped": [swapped.drop(columns="geometry")]}
"""

COLD = FIRST_CALLS + """
import pickle, sys
with open(sys.argv[1], "wb") as f:
    pickle.dump(all_runs(sys.argv[2] or None), f)
"""


def _cold_runs(tmp_path: Path, andorra: str) -> tuple[dict, dict]:
    cache = tmp_path / "empty-cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(NUMBA_CACHE_DIR=str(cache), URBANGEO_BACKGROUND_COMPILE="0")
    out = subprocess.run([sys.executable, "-c", COLD, str(tmp_path / "cold.pkl"), andorra], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    import pickle

    with open(tmp_path / "cold.pkl", "rb") as f:
        return pickle.load(f), _cache_files(cache)


def _assert_same(cold: dict, warm: dict) -> None:
    import pandas as pd

    assert cold.keys() == warm.keys()
    for name in warm:
        for c, w in zip(cold[name], warm[name], strict=True):
            pd.testing.assert_frame_equal(c, w, check_exact=True)


@pytest.mark.slow
def test_cold_first_calls_equal_the_compiled_kernels(tmp_path, monkeypatch):
    cold, compiled = _cold_runs(tmp_path, "")
    assert not compiled  # every search of these small cases ran as plain Python
    monkeypatch.setenv("URBANGEO_PLAIN_FIRST_CALL", "0")  # this process: compiled kernels only
    ns: dict = {}
    exec(FIRST_CALLS, ns)
    _assert_same(cold, ns["all_runs"](None))


@pytest.mark.slow
def test_cold_first_calls_equal_the_compiled_kernels_on_andorra(tmp_path, monkeypatch, shared_data):
    andorra = str(shared_data("osm/andorra_2020.osm.pbf"))
    cold, compiled = _cold_runs(tmp_path, andorra)
    # the snapping grid was built with numpy; searches ran plain until the process's plain-Python
    # budget (seconds: depends on the machine's load) was spent, then compiled
    assert not [p for p in compiled if "_build_cells" in p.name]
    monkeypatch.setenv("URBANGEO_PLAIN_FIRST_CALL", "0")
    ns: dict = {}
    exec(FIRST_CALLS, ns)
    _assert_same(cold, ns["all_runs"](andorra))
