"""urbangeo on a real dask.distributed scheduler (LocalCluster, 2 worker processes).

A worker that dies in the middle of a computation costs time, not results; a task that
raises reaches the caller as urbangeo's own error (class, message and attributes), not a
wrapped remote traceback. The panels are MODELLED (tests/subsidence/test_pim_tiles.py).
"""

from __future__ import annotations

import os
import pickle
import threading
import time
import traceback

import numpy as np
import pytest

import urbangeo.errors as E
from tests.subsidence.test_pim_tiles import basin_panels
from urbangeo.subsidence import predict_subsidence

ERRORS = [getattr(E, n) for n in E.__all__ if isinstance(getattr(E, n), type) and issubclass(getattr(E, n), Exception)]


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_class_pickles_with_its_attributes(cls):
    e = cls("`x` is wrong; pass y.", codes=["9999"], rows=[150]) if cls is E.UnknownCodeError else cls("`x` is wrong; pass y.")
    e.note = "kept"
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls and str(back) == str(e) and back.args == e.args
    assert back.__dict__ == e.__dict__
    if cls is E.UnknownCodeError:
        assert (back.codes, back.rows) == (["9999"], [150])


def test_a_worker_killed_mid_computation_costs_no_result(dask_client):
    panels = basin_panels()
    ref = predict_subsidence(panels, resolution_m=15.0)  # 413 x 479 cells in memory
    killed: dict = {}

    async def die():  # a coroutine: client.run(..., wait=False) needs one
        os._exit(1)

    def killer():
        deadline = time.monotonic() + 60
        while not any(dask_client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.01)
        addr = sorted(dask_client.scheduler_info()["workers"])[0]
        killed["pending"] = sum(len(v) for v in dask_client.processing().values())
        killed["addr"] = addr
        killed["at"] = time.monotonic()
        dask_client.run(die, workers=[addr], wait=False)  # the nanny starts a new worker process

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        w = predict_subsidence(panels, resolution_m=15.0, tile_size=16)  # ~700 tasks on the 2 workers
        ended = time.monotonic()
    finally:
        thread.join()
        dask_client.wait_for_workers(2, timeout=120)
    assert killed["pending"] > 0 and killed["at"] < ended  # the worker died while tasks were still to run
    assert killed["addr"] not in dask_client.scheduler_info()["workers"]
    np.testing.assert_array_equal(w.array, ref.array)  # complete and equal


def test_a_task_that_raises_gives_urbangeos_error(dask_client):
    dask_geopandas = pytest.importorskip("dask_geopandas")
    from urbangeo.landuse import modelled_constraints, modelled_parcels, screen_conversion

    p = modelled_parcels(120, seed=11)
    layers = modelled_constraints(p, seed=11)
    p.loc[p.index[100], "DLBM"] = "9999"  # an unknown land class in the last partition only
    d = dask_geopandas.from_geopandas(p, npartitions=2, sort=False)
    with pytest.raises(E.UnknownCodeError, match=r"'DLBM' has 1 code not in GB/T 21010-2017 .*'9999' \(rows 100\)") as info:
        screen_conversion(d, **layers)
    assert (info.value.codes, info.value.rows) == (["9999"], [100])
    frames = "".join(traceback.format_tb(info.value.__traceback__))
    assert "site-packages/distributed" not in frames and info.value.__cause__ is None  # no remote traceback soup
