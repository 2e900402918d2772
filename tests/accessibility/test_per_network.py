"""``per_network``: one call over several cities, each origin on its city's network.

The reference is the plain loop a user would write: one call per city with that city's
facilities, rows put back by label. In memory the answer must be that loop's, bit for bit;
with a dask frame of origins (partitions holding several cities, on dask's default
scheduler and on a LocalCluster of 2 worker processes) it must be the in-memory answer
(rtol 1e-12: two-step FCA sums its demand partition by partition).
"""

from __future__ import annotations

import dataclasses
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from urbangeo.accessibility import (
    cumulative_opportunities,
    grid_network,
    isochrones,
    life_circle_audit,
    nearest_facilities,
    network_from_osm,
    per_network,
    snap_points,
    two_step_fca,
)
from urbangeo.errors import (
    DroppedRowsWarning,
    EmptyInputWarning,
    InvalidOptionError,
    MissingColumnError,
    UnknownCodeError,
    UrbangeoWarning,
)

CATS = ("kindergarten", "clinic", "primary_school")

CALLS = {
    nearest_facilities: dict(k=2, by="category", minutes=12),
    cumulative_opportunities: dict(minutes=(4, 8), weight_col="cap"),
    two_step_fca: dict(population_col="pop", capacity_col="cap", minutes=8),
    life_circle_audit: dict(required={c: 10 for c in CATS}),
    isochrones: dict(minutes=(2, 4), street_width_m=15),
}


def _hilly(n: int, origin_xy, seed: int):
    g = grid_network(n, n, spacing_m=100.0, origin_xy=origin_xy)
    rng = np.random.default_rng(seed)
    fwd = np.where(rng.random(g.n_edges) < 0.3, 1.6, 1.0)
    return dataclasses.replace(g, edge_speed_kmh=rng.uniform(3.0, 6.0, g.n_edges), edge_factor_fwd=fwd,
                               edge_factor_rev=np.where(fwd > 1, 0.7, 1.0), meta={})


@pytest.fixture(scope="module")
def towns():
    """Two modelled towns 40 km apart (grids with uneven speeds and hill factors)."""
    return {"north": _hilly(14, (500_000.0, 2_540_000.0), 1), "south": _hilly(10, (500_000.0, 2_500_000.0), 2)}


def _points(net, n: int, seed: int, shift=(4.0, 3.0)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.choice(net.n_edges, n, replace=False)
    geoms = shapely.line_interpolate_point(net.edge_geometry[e].astype(object), rng.random(n), normalized=True)
    return shapely.transform(geoms, lambda xy: xy + np.asarray(shift))


def _frames(networks: dict, n_origins: int = 40, n_fac: int = 15, seed: int = 0):
    """Origins of all cities interleaved (shuffled), in WGS 84; facilities with categories and capacities."""
    rng = np.random.default_rng(seed)
    crs = next(iter(networks.values())).crs
    o = [gpd.GeoDataFrame({"city": c, "pop": rng.integers(0, 50, n_origins).astype(float)},
                          geometry=_points(net, n_origins, seed + i), crs=crs) for i, (c, net) in enumerate(networks.items())]
    f = [gpd.GeoDataFrame({"city": c, "category": rng.choice(CATS, n_fac), "cap": rng.integers(1, 9, n_fac).astype(float)},
                          geometry=_points(net, n_fac, seed + 10 + i, shift=(-3.0, 2.0)), crs=crs)
         for i, (c, net) in enumerate(networks.items())]
    origins = pd.concat(o, ignore_index=True)
    origins = origins.iloc[rng.permutation(len(origins))]
    origins.index = pd.Index(rng.permutation(10 * len(origins))[: len(origins)] + 1000, name="building")
    return origins.to_crs(4326), pd.concat(f, ignore_index=True)


def _loop(function, networks, origins, facilities, **kw):
    """What a user writes without per_network: one call per city, rows back in the origins' order."""
    out = []
    for c, net in networks.items():
        o = origins[origins.city == c]
        args = (o,) if function is isochrones else (o, facilities[facilities.city == c])
        r = function(net, *args, **kw)
        if function is isochrones:
            r = r.set_index([r["origin"], r["minutes"]])  # (origin, band) is unique
        out.append(r)
    return pd.concat(out)


def _assert_same(got, want, *, rtol=0.0):
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_index_equal(got.index, want.index)
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(want.drop(columns="geometry")), rtol=rtol, check_exact=rtol == 0.0)
    assert got.crs.equals(want.crs)
    metric = want.estimate_utm_crs()
    a, b = got.geometry.to_crs(metric), want.geometry.to_crs(metric)
    assert (a.symmetric_difference(b).area.to_numpy() <= 1e-9 * np.maximum(b.area.to_numpy(), 1.0)).all()


@pytest.mark.parametrize("function", list(CALLS), ids=lambda f: f.__name__)
def test_in_memory_equals_one_call_per_city(towns, function):
    origins, facilities = _frames(towns)
    kw = CALLS[function]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        got = per_network(function, towns, origins, key="city", facilities=None if function is isochrones else facilities, **kw)
        ref = _loop(function, towns, origins, facilities, **kw)
    if function is isochrones:
        assert got.index.equals(pd.RangeIndex(len(got)))  # one row per origin and band, numbered 0..n-1
        assert got["origin"].drop_duplicates().tolist() == origins.index.tolist()  # in the origins' order
        want = ref.loc[list(zip(got["origin"], got["minutes"]))]
        want.index = got.index
    else:
        pd.testing.assert_index_equal(got.index, origins.index)
        want = ref.loc[origins.index]
    _assert_same(got, want)
    if function is nearest_facilities:  # plausibility: nobody reaches the other town (40 km) in 12 minutes
        lab = got["clinic_facility_1"].dropna()
        assert (facilities.loc[lab.astype(int), "city"].to_numpy() == origins.loc[lab.index, "city"].to_numpy()).all()
        # and the network time is never shorter than the straight line at the fastest speed (6 km/h x 1.6)
        o_m = origins.to_crs(towns["north"].crs)
        f_m = facilities.loc[lab.astype(int)].geometry.to_numpy()
        crow = shapely.distance(o_m.loc[lab.index].geometry.to_numpy(), f_m)
        assert len(lab) > 10
        assert (got.loc[lab.index, "clinic_minutes_1"].to_numpy() >= crow / (6.0 * 1.6 / 3.6) / 60 - 1e-9).all()


def test_origins_with_no_network_raise_facilities_with_none_are_reported(towns):
    origins, facilities = _frames(towns)
    bad = origins.copy()
    bad.iloc[[0, 5], bad.columns.get_loc("city")] = ["east", None]
    with pytest.raises(UnknownCodeError, match=r"'east'.*1 rows without a value.*Add their networks") as err:
        per_network(nearest_facilities, towns, bad, key="city", facilities=facilities, minutes=10)
    assert err.value.codes == ["east"] and len(err.value.rows) == 2
    extra = facilities.copy()
    extra.loc[0, "city"] = "east"
    with pytest.warns(DroppedRowsWarning, match=r"1 facilities have a `city` that names no network \('east'\)"):
        got = per_network(nearest_facilities, towns, origins, key="city", facilities=extra, minutes=10)
    assert 0 not in set(got["facility_1"].dropna())
    with pytest.raises(MissingColumnError, match="`facilities` has no column 'city'"):
        per_network(nearest_facilities, towns, origins, key="city", facilities=facilities.drop(columns="city"))
    with pytest.raises(MissingColumnError, match="`origins` has no column 'town'"):
        per_network(nearest_facilities, towns, origins, key="town", facilities=facilities)
    with pytest.raises(InvalidOptionError, match="`function` must be one of nearest_facilities"):
        per_network(snap_points, towns, origins, key="city", facilities=facilities)
    with pytest.raises(InvalidOptionError, match="`networks` must be a non-empty dict"):
        per_network(nearest_facilities, {}, origins, key="city", facilities=facilities)
    with pytest.raises(InvalidOptionError, match="values must be Network objects"):
        per_network(nearest_facilities, {"north": "roads.gpkg"}, origins, key="city", facilities=facilities)
    with pytest.raises(InvalidOptionError, match="isochrones takes no facilities"):
        per_network(isochrones, towns, origins, key="city", facilities=facilities)


def test_warnings_name_their_city_and_inputs_are_not_mutated(towns):
    from urbangeo.testing import assert_not_mutated

    origins, facilities = _frames(towns)
    only_north = facilities[facilities.city == "north"]
    with assert_not_mutated(origins, only_north), pytest.warns(EmptyInputWarning, match="network 'south'"):
        got = per_network(nearest_facilities, towns, origins, key="city", facilities=only_north, minutes=10)
    assert got.loc[origins.city == "south", "minutes_1"].isna().all()
    assert got.loc[origins.city == "north", "minutes_1"].notna().any()


def test_category_columns_are_the_same_in_every_city(towns):
    """``by`` on a plain column: a town without kindergartens still gets the kindergarten columns (NaN)."""
    origins, facilities = _frames(towns)
    f = facilities[~((facilities.city == "south") & (facilities.category == "kindergarten"))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        got = per_network(nearest_facilities, towns, origins, key="city", facilities=f, by="category", minutes=12)
    assert [c for c in got.columns if c.startswith("kindergarten_")]
    assert got.loc[origins.city == "south", "kindergarten_minutes_1"].isna().all()


# --------------------------------------------------------------------------- dask
dask = pytest.importorskip("dask", reason="dask is not installed: pip install 'urbangeo[dask]'")
dgpd = pytest.importorskip("dask_geopandas", reason="dask-geopandas is not installed: pip install 'urbangeo[dask]'")


def _dask_equals_memory(networks, origins, facilities, npartitions=3):
    with dask.config.set({"dataframe.convert-string": False}):  # object columns stay object
        d = dgpd.from_geopandas(origins, npartitions=npartitions)  # partitions hold rows of several cities
        origins = d.compute()  # from_geopandas sorts the rows by index
        assert all(d.get_partition(i).compute().city.nunique() > 1 for i in range(d.npartitions))
        for function, kw in CALLS.items():
            fac = None if function is isochrones else facilities
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UrbangeoWarning)
                lazy = per_network(function, networks, d, key="city", facilities=fac, **kw)
                assert isinstance(lazy, dgpd.GeoDataFrame), function.__name__
                want = per_network(function, networks, origins, key="city", facilities=fac, **kw)
                got = lazy.compute()
            pd.testing.assert_series_equal(lazy._meta.dtypes, want.dtypes, obj=function.__name__)
            _assert_same(got, want, rtol=1e-12)


def test_dask_equals_in_memory(towns, scheduler):
    origins, facilities = _frames(towns)
    _dask_equals_memory(towns, origins, facilities)


def test_dask_real_city_beside_a_modelled_town(shared_data, scheduler):
    """Andorra's OSM walking network ((c) OpenStreetMap contributors, ODbL) and a modelled town."""
    andorra = network_from_osm(shared_data("osm/andorra_2020.osm.pbf"), mode="walk")
    town = _hilly(10, (0.0, 0.0), 3)
    town = dataclasses.replace(town, crs=andorra.crs, x=town.x + andorra.x.min() - 30_000.0,
                               y=town.y + andorra.y.min(), edge_geometry=np.array(
                                   shapely.transform(town.edge_geometry.astype(object),
                                                     lambda xy: xy + [andorra.x.min() - 30_000.0, andorra.y.min()]),
                                   dtype=object), meta={})
    networks = {"andorra": andorra, "town": town}
    origins, facilities = _frames(networks, n_origins=30, n_fac=12, seed=4)
    _dask_equals_memory(networks, origins, facilities, npartitions=2)


def test_dask_unknown_city_is_the_in_memory_error(towns, dask_client):
    origins, facilities = _frames(towns)
    bad = origins.copy()
    bad.iloc[7, bad.columns.get_loc("city")] = "east"
    with pytest.raises(UnknownCodeError) as mem:
        per_network(cumulative_opportunities, towns, bad, key="city", facilities=facilities, minutes=5)
    with pytest.raises(UnknownCodeError) as lazy:
        per_network(cumulative_opportunities, towns, dgpd.from_geopandas(bad, npartitions=2), facilities=facilities,
                    key="city", minutes=5).compute()
    assert str(lazy.value) == str(mem.value)


def test_dask_each_network_is_one_key(towns, dask_client):
    origins, facilities = _frames(towns)
    d = dgpd.from_geopandas(origins, npartitions=3)
    from urbangeo.accessibility import Network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbangeoWarning)
        lazy = per_network(two_step_fca, towns, d, key="city", facilities=facilities, population_col="pop", capacity_col="cap",
                           minutes=8)
    graph = dict(lazy.__dask_graph__())
    net_keys = [k for k, v in graph.items() if isinstance(getattr(v, "value", v), Network)]
    assert len(net_keys) == 2, net_keys  # one key per city's network, shared by every task
