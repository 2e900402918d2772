"""compile_kernels / ``python -m urbangeo compile``: after it, no first call compiles, not even a big one.

A process whose numba cache lacks a kernel runs small searches as plain Python but compiles
for a big one (work above ``_engine.PLAIN_WORK``). After ``compile_kernels`` has filled an
empty ``NUMBA_CACHE_DIR``, a new process's big call must load every kernel from that cache
(numba's dispatcher statistics: cache hits, no cache miss) and give the same answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from urbangeo.accessibility import compile_kernels, nearest_facilities

pytest.importorskip("numba")

BIG = """
import geopandas as gpd
import numpy as np
from urbangeo.accessibility import grid_network


def big_call():
    net = grid_network(60, 60, spacing_m=50, speed_kmh=4.5)  # 14,160 directed edges: k=3 work 255,000
    rng = np.random.default_rng(3)
    i = rng.choice(net.n_nodes, 40, replace=False)
    pts = gpd.points_from_xy(net.x[i] + rng.uniform(-20, 20, 40), net.y[i] + rng.uniform(-20, 20, 40))
    homes = gpd.GeoDataFrame(geometry=pts[:30], crs=net.crs)
    fac = gpd.GeoDataFrame(geometry=pts[30:], crs=net.crs)
    return net, homes, fac
"""

NEW_PROCESS = BIG + """
import json, sys
from urbangeo.accessibility import _engine, _kernels, nearest_facilities
net, homes, fac = big_call()
g = _engine.graph(net, reverse=True)
assert 6 * 3 * len(g.indices) > _engine.PLAIN_WORK  # a call that would compile without the cache
res = nearest_facilities(net, homes, fac, k=3)
res.drop(columns="geometry").to_pickle(sys.argv[1])
stats = {n: getattr(_kernels, n).stats for n in _kernels.KERNELS}
print(json.dumps({n: {"hits": sum(s.cache_hits.values()), "misses": sum(s.cache_misses.values()),
                      "path": s.cache_path} for n, s in stats.items()}))
"""


def _python(code: str, cache: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "URBANGEO_"))}
    env["NUMBA_CACHE_DIR"] = str(cache)
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_after_compile_a_big_first_call_compiles_nothing(tmp_path, monkeypatch):
    cache = tmp_path / "numba-cache"
    done = json.loads(_python("import json; from urbangeo.accessibility import compile_kernels; "
                              "print(json.dumps(compile_kernels()))", cache))
    assert done["numba"] is True
    assert Path(done["cache_dir"]).is_relative_to(cache)
    assert all(n["compiled"] >= 1 for n in done["kernels"].values()), done  # an empty cache: all compiled
    assert set(done["kernels"]) == {"build_cells", "nearest_segments", "multi_source", "k_nearest", "bounded"}

    stats = json.loads(_python(NEW_PROCESS, cache, str(tmp_path / "big.pkl")))
    assert not {n: s for n, s in stats.items() if s["misses"]}, stats  # nothing compiled
    for kernel in ("_build_cells", "_nearest_segments", "_k_nearest"):  # what the big call ran: loaded
        assert stats[kernel]["hits"] >= 1, stats
        assert Path(stats[kernel]["path"]).is_relative_to(cache)

    monkeypatch.setenv("URBANGEO_PLAIN_FIRST_CALL", "0")  # this process: the compiled kernels
    ns: dict = {}
    exec(BIG, ns)
    expected = nearest_facilities(*ns["big_call"](), k=3).drop(columns="geometry")
    pd.testing.assert_frame_equal(pd.read_pickle(tmp_path / "big.pkl"), expected, check_exact=True)
    assert np.isfinite(expected["dist_m_3"]).all()


def test_compile_kernels_loads_what_is_compiled():
    # in this process: a second call compiles nothing and says so
    compile_kernels()
    again = compile_kernels()
    assert again["numba"] is True
    assert all(n == {"compiled": 0, "from_cache": 0, "in_memory": 1} for n in again["kernels"].values()), again
    assert again["seconds"] < 30


def test_without_numba_it_says_so_at_once(monkeypatch):
    from urbangeo.accessibility import _engine

    monkeypatch.setattr(_engine, "have_numba", lambda: False)
    info = compile_kernels()
    assert info["numba"] is False and info["kernels"] == {} and info["cache_dir"] is None
    assert info["seconds"] < 1


def test_cli_prints_what_was_compiled():
    pytest.importorskip("click")
    from click.testing import CliRunner

    from urbangeo.cli import cli

    compile_kernels()
    out = CliRunner().invoke(cli, ["compile"])
    assert out.exit_code == 0, out.output
    assert "k_nearest" in out.output and "compiled 0 kernel signatures in" in out.output
    assert "cache:" in out.output
