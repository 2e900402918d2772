"""Fixtures shared by the accessibility tests that run on dask."""

from __future__ import annotations

import contextlib
import sys

import pytest


@contextlib.contextmanager
def no_client(scheduler: str = "threads"):
    """dask's local scheduler with no client in sight (the session's client is the default one)."""
    import dask

    with contextlib.ExitStack() as stack:
        if "distributed" in sys.modules:
            from distributed.client import _global_clients

            saved = dict(_global_clients)
            _global_clients.clear()
            stack.callback(_global_clients.update, saved)
        stack.enter_context(dask.config.set(scheduler=scheduler))
        yield


@pytest.fixture(params=["default", "cluster"])
def scheduler(request):
    """dask's default (threaded) scheduler with no client, or the LocalCluster client."""
    if request.param == "cluster":
        yield request.getfixturevalue("dask_client")
        return
    with no_client():
        yield None
