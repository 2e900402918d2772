"""Accessibility on dask frames of origins: the in-memory answer, partition by partition.

``nearest_facilities``, ``cumulative_opportunities``, ``two_step_fca``, ``life_circle_audit``
and ``isochrones`` take a ``dask_geopandas.GeoDataFrame`` of origins (residences, demand),
here cut into 4 spatial (Hilbert) partitions, and must give the in-memory result: on dask's
default scheduler and on a ``LocalCluster`` of 2 worker processes, on the Andorra walking
network and on a grid with uneven speeds and hill factors (the fastest direction sets how far
a partition's network must reach). Floats are compared with ``rtol=1e-12``: two-step FCA sums
each site's demand partition by partition, so the last bits may differ from the one-pass sum;
the other columns come out bit for bit. Isochrone polygons are compared by area of the
symmetric difference (GEOS output equal up to floating noise in the vertices).
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from urbangeo.accessibility import (
    Network,
    cumulative_opportunities,
    grid_network,
    isochrones,
    life_circle_audit,
    nearest_facilities,
    network_from_osm,
    two_step_fca,
)
from urbangeo.errors import CRSError, DroppedRowsWarning, GeometryTypeError, UrbangeoWarning

from .conftest import no_client

dask = pytest.importorskip("dask", reason="dask is not installed: pip install 'urbangeo[dask]'")
dgpd = pytest.importorskip("dask_geopandas", reason="dask-geopandas is not installed: pip install 'urbangeo[dask]'")

CATS = ("kindergarten", "clinic", "primary_school")


@pytest.fixture(autouse=True)
def _object_strings():
    """dask turns object columns into pyarrow strings by default (``dataframe.convert-string``):
    off here, so the dtypes compare one to one with the in-memory frame."""
    with dask.config.set({"dataframe.convert-string": False}):
        yield


@pytest.fixture(scope="module")
def andorra(shared_data):
    return network_from_osm(shared_data("osm/andorra_2020.osm.pbf"), mode="walk")


@pytest.fixture(scope="module")
def hilly_grid():
    """30 x 30 grid, 100 m blocks, speeds 3-6 km/h, some edges 1.6x faster one way (downhill)."""
    g = grid_network(30, 30, spacing_m=100.0)
    rng = np.random.default_rng(3)
    fwd = np.where(rng.random(g.n_edges) < 0.3, 1.6, 1.0)
    rev = np.where(fwd > 1, 0.7, 1.0)
    return dataclasses.replace(g, edge_speed_kmh=rng.uniform(3.0, 6.0, g.n_edges), edge_factor_fwd=fwd,
                               edge_factor_rev=rev, meta={})


def _points(net: Network, n: int, seed: int, shift=(4.0, 3.0)) -> gpd.GeoSeries:
    rng = np.random.default_rng(seed)
    e = rng.choice(net.n_edges, n, replace=False)
    geoms = shapely.line_interpolate_point(net.edge_geometry[e].astype(object), rng.random(n), normalized=True)
    return gpd.GeoSeries(geoms, crs=net.crs).translate(*shift)


def _frames(net: Network, seed: int, n_origins: int = 160, n_fac: int = 60):
    rng = np.random.default_rng(seed)
    o = gpd.GeoDataFrame({"pop": rng.integers(0, 50, n_origins).astype(float)},
                         geometry=_points(net, n_origins, seed).values, crs=net.crs).to_crs(4326)
    f = gpd.GeoDataFrame({"category": rng.choice(CATS, n_fac), "cap": rng.integers(1, 9, n_fac).astype(float)},
                         geometry=_points(net, n_fac, seed + 1, shift=(-3.0, 2.0)).values, crs=net.crs)
    d = dgpd.from_geopandas(o, npartitions=4).spatial_shuffle(by="hilbert", npartitions=4)
    assert d.npartitions == 4
    return d, f


def _same(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame, *, polygons: bool = False) -> None:
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_index_equal(got.index, want.index)
    pd.testing.assert_series_equal(got.dtypes, want.dtypes)
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(want.drop(columns="geometry")), rtol=1e-12)
    assert got.crs.equals(want.crs)
    if polygons:
        metric = want.estimate_utm_crs()
        a, b = got.geometry.to_crs(metric), want.geometry.to_crs(metric)
        diff = a.symmetric_difference(b).area.to_numpy()
        assert (diff <= 1e-9 * np.maximum(b.area.to_numpy(), 1.0)).all()
        assert (got.geometry.is_empty == want.geometry.is_empty).all()
    else:
        assert got.geometry.geom_equals_exact(want.geometry, 0.0).all()


CALLS = {
    "nearest_facilities": lambda n, o, f: nearest_facilities(n, o, f, k=2, by="category", minutes=12),
    "cumulative_opportunities": lambda n, o, f: cumulative_opportunities(n, o, f, minutes=(4, 8), weight_col="cap"),
    "two_step_fca": lambda n, o, f: two_step_fca(n, o, f, population_col="pop", capacity_col="cap", minutes=8),
    "life_circle_audit": lambda n, o, f: life_circle_audit(n, o, f, required={c: 10 for c in CATS}),
    "isochrones": lambda n, o, f: isochrones(n, o, minutes=(2, 4), street_width_m=15),
}


def _check_all(net: Network, d, f) -> None:
    t0 = time.perf_counter()
    origins = d.compute()
    print("shuffle", round(time.perf_counter() - t0, 2))  # the shuffled frame, in memory (Hilbert index)
    for name, call in CALLS.items():
        # polygons are slow: every 10th origin, in 2 partitions
        sub = dgpd.from_geopandas(origins.iloc[::10], npartitions=2) if name == "isochrones" else d
        mem_o = sub.compute()
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UrbangeoWarning)
            lazy = call(net, sub, f)
            assert isinstance(lazy, dgpd.GeoDataFrame), name
            want = call(net, mem_o, f)
            got = lazy.compute()
        assert list(lazy._meta.columns) == list(want.columns), name
        pd.testing.assert_series_equal(lazy._meta.dtypes, want.dtypes, obj=name)
        print(name, round(time.perf_counter() - t0, 2))
        _same(got, want, polygons=name == "isochrones")
    assert len(origins) == len(d)


def test_real_network_equals_in_memory(andorra, scheduler):
    d, f = _frames(andorra, seed=1)
    _check_all(andorra, d, f)


def test_hilly_grid_equals_in_memory(hilly_grid, scheduler):
    d, f = _frames(hilly_grid, seed=2)
    _check_all(hilly_grid, d, f)


def test_facility_at_the_bound_across_a_partition_edge(hilly_grid):
    """Origins on both sides of a partition edge, facilities exactly at the bound (inclusive) in the
    fastest (downhill) direction: every one is counted, as in memory; a clip by the flat speed loses them."""
    g = hilly_grid
    fwd = np.ones(g.n_edges)
    fwd[np.flatnonzero(g.edge_v - g.edge_u == 1)] = 2.0  # eastward twice as fast along every row
    net = dataclasses.replace(g, edge_speed_kmh=np.full(g.n_edges, 6.0), edge_factor_fwd=fwd,
                              edge_factor_rev=np.ones(g.n_edges), meta={})
    x0, y0 = 500_000.0, 2_500_000.0
    homes = gpd.GeoDataFrame(geometry=[shapely.Point(x0 + 300 + 100 * i, y0 + 100 * (5 + i)) for i in range(8)],
                             crs=net.crs)
    # 12 km/h east: 4 minutes = 800 m, exactly two blocks past a flat 6 km/h clip of 400 m
    shops = gpd.GeoDataFrame(geometry=[shapely.Point(x0 + 1100 + 100 * i, y0 + 100 * (5 + i)) for i in range(8)],
                             crs=net.crs)
    d = dgpd.from_geopandas(homes, npartitions=2)
    with no_client("sync"):
        got = cumulative_opportunities(net, d, shops, minutes=4.0, max_snap_m=50).compute()
    want = cumulative_opportunities(net, homes, shops, minutes=4.0, max_snap_m=50)
    assert want["count_4min"].tolist() == [1.0] * 8  # each home reaches its shop at exactly 4 minutes
    _same(got, want)
    flat = net.clip(shapely.box(*homes.total_bounds), buffer_m=4 * 60 * 6 / 3.6 + 50)
    with pytest.warns(DroppedRowsWarning, match="could not be snapped"):  # the shops are off the flat clip
        assert cumulative_opportunities(flat, homes, shops, minutes=4.0, max_snap_m=50)["count_4min"].sum() < 8


def test_partitions_work_on_smaller_networks(andorra, monkeypatch):
    seen = []
    sub = Network.subnetwork

    def spy(self, node_mask):
        out = sub(self, node_mask)
        seen.append(out.n_edges)
        return out

    monkeypatch.setattr(Network, "subnetwork", spy)
    d, f = _frames(andorra, seed=4)
    with no_client("sync"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)  # facilities snapped doubtfully (given at call time)
        cumulative_opportunities(andorra, d, f, minutes=5).compute()
    assert len(seen) == 4  # one clip per partition
    assert max(seen) < andorra.n_edges and sum(seen) < 2 * andorra.n_edges


def test_network_travels_once(andorra, dask_client):
    """The network is ONE key of the graph, shared by the 4 partitions' tasks (so it reaches each
    worker once, and can be rebuilt if a worker dies), not a copy per task."""
    d, f = _frames(andorra, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        lazy = nearest_facilities(andorra, d, f, minutes=10)
        twice = two_step_fca(andorra, d, f, population_col="pop", capacity_col="cap", minutes=5)
    for frame in (lazy, twice):  # one key per call, however many passes and partitions
        graph = dict(frame.__dask_graph__())
        net_keys = [k for k, v in graph.items() if isinstance(getattr(v, "value", v), Network)]
        assert len(net_keys) == 1, net_keys
        users = [k for k, v in graph.items() if net_keys[0] in getattr(v, "dependencies", ())]
        assert len(users) >= 4  # every partition's task takes that one key
    lazy.compute()
    twice.compute()


def test_unbounded_nearest_warns_and_searches_everything(andorra):
    d, f = _frames(andorra, seed=6, n_origins=60)
    with no_client("sync"), pytest.warns(UrbangeoWarning, match="minutes="):
        got = nearest_facilities(andorra, d, f).compute()
    _same(got, nearest_facilities(andorra, d.compute(), f))


def test_no_crs_is_the_in_memory_error_at_call_time():
    net = grid_network(5, 5)
    homes = gpd.GeoDataFrame(geometry=[shapely.Point(500_100, 2_500_100)])
    shops = gpd.GeoDataFrame(geometry=[shapely.Point(500_200, 2_500_100)], crs=net.crs)
    with pytest.raises(CRSError) as mem:
        nearest_facilities(net, homes, shops, minutes=5)
    with pytest.raises(CRSError) as lazy:
        nearest_facilities(net, dgpd.from_geopandas(homes, npartitions=1), shops, minutes=5)
    assert str(lazy.value) == str(mem.value)


def test_task_error_is_the_in_memory_error(dask_client):
    """A bad row only a partition sees (meta cannot tell): the worker's urbangeo error, as itself."""
    net = grid_network(5, 5)
    homes = gpd.GeoDataFrame(geometry=[shapely.Point(500_100, 2_500_100), shapely.LineString([(0, 0), (1, 1)])],
                             crs=net.crs)
    shops = gpd.GeoDataFrame(geometry=[shapely.Point(500_200, 2_500_100)], crs=net.crs)
    with pytest.raises(GeometryTypeError) as mem:
        cumulative_opportunities(net, homes, shops, minutes=5)
    with pytest.raises(GeometryTypeError) as lazy:
        cumulative_opportunities(net, dgpd.from_geopandas(homes, npartitions=2), shops, minutes=5).compute()
    assert str(mem.value) in str(lazy.value)


def test_several_cities_and_parquet_partitions(tmp_path, recwarn):
    """Two disjoint towns, default ``snap_component="largest"``: origins of the small town get NaN in
    memory, and the dask path gives the same NaN rows (not an error in their partition); and a
    frame read back with ``dask_geopandas.read_parquet`` (a GeoSeries in its attrs) works."""
    from urbangeo.accessibility import network_from_lines

    big = grid_network(12, 12, spacing_m=100.0)
    small = grid_network(5, 5, spacing_m=100.0, origin_xy=(520_000.0, 2_500_000.0))
    lines = gpd.GeoDataFrame(geometry=np.concatenate([big.edge_geometry, small.edge_geometry]), crs=big.crs)
    net = network_from_lines(lines, mode="walk")
    assert net.n_components == 2
    rng = np.random.default_rng(5)
    pts = np.concatenate([_points(big, 40, 1, shift=(3.0, 2.0)).values, _points(small, 40, 2, shift=(3.0, 2.0)).values])
    o = gpd.GeoDataFrame({"pop": rng.integers(1, 9, 80).astype(float)}, geometry=pts, crs=net.crs,
                         index=pd.RangeIndex(80, name="building"))
    f = gpd.GeoDataFrame({"category": ["clinic"] * 6},
                         geometry=np.concatenate([_points(big, 3, 3).values, _points(small, 3, 4).values]), crs=net.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        want = nearest_facilities(net, o, f, minutes=10)
    assert want["minutes_1"].isna().sum() >= 40  # the small town is not the largest component
    d = dgpd.from_geopandas(o, npartitions=2).spatial_shuffle(by="hilbert", npartitions=2)
    with no_client(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        shuffled = d.compute()  # the hilbert shuffle re-indexes the rows
        got = nearest_facilities(net, d, f, minutes=10).compute().loc[shuffled.index]
        ref = nearest_facilities(net, shuffled, f, minutes=10)
    _same(got, ref)
    dgpd.from_geopandas(o, npartitions=2).to_parquet(tmp_path / "parts")
    back = dgpd.read_parquet(tmp_path / "parts", index="building")
    with no_client(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        got = nearest_facilities(net, back, f, minutes=10).compute()
        got = got.loc[want.index]
    _same(got, want)
