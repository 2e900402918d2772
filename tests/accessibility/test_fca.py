"""2SFCA family: invariants, closed forms, direction, and a brute-force reference."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from tests.accessibility._reference import point_costs
from urbangeo.accessibility import (
    Network,
    cost_matrix,
    decay_weights,
    enhanced_two_step_fca,
    gravity_two_step_fca,
    grid_network,
    network_from_osm,
    snap_points,
    supply_ratios,
    three_step_fca,
    two_step_fca,
)
from urbangeo.errors import DroppedRowsWarning, InvalidOptionError, MissingColumnError
from urbangeo.testing import assert_not_mutated

X0, Y0 = 500_000.0, 2_500_000.0


def frame(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs="EPSG:32650")


@pytest.fixture
def city():
    net = grid_network(12, 12, spacing_m=100, speed_kmh=6.0)  # 100 m per minute
    rng = np.random.default_rng(0)
    demand = frame(rng.uniform(0, 1100, (40, 2)), pop=rng.integers(10, 500, 40).astype(float))
    supply = frame(rng.uniform(0, 1100, (6, 2)), beds=rng.integers(1, 30, 6).astype(float))
    return net, demand, supply


def _reference(net, demand, supply, wfun, *, three=False):
    c = point_costs(net, snap_points(net, demand), snap_points(net, supply), weight="time_s") / 60.0
    W = wfun(c)
    if three:
        G = W / W.sum(axis=1, keepdims=True)
        W = W * np.nan_to_num(G)
    P, S = demand["pop"].to_numpy(), supply["beds"].to_numpy()
    D = (W * P[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        R = np.where(D > 0, S / D, np.nan)
    A = np.nansum(W * R[None, :], axis=1)
    has = ((W > 0) & ~np.isnan(R)[None, :]).any(axis=1)
    return np.where(has, A, np.nan), R


def test_2sfca_matches_brute_force_and_conserves_supply(city):
    net, demand, supply = city
    with assert_not_mutated(demand, supply):
        out = two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes=8)
    A, R = _reference(net, demand, supply, lambda c: (c <= 8).astype(float))
    np.testing.assert_allclose(out.access, A, rtol=1e-9, equal_nan=True)
    sr = supply_ratios(net, demand, supply, population_col="pop", capacity_col="beds", minutes=8)
    np.testing.assert_allclose(sr.ratio, R, rtol=1e-9, equal_nan=True)
    if not np.isnan(R).any():  # every supply has demand in reach
        assert np.nansum(out.access * demand["pop"]) == pytest.approx(supply.beds.sum())
    assert out.index.equals(demand.index) and out.crs == demand.crs


def test_e2sfca_g2sfca_3sfca_match_brute_force_and_conserve(city):
    net, demand, supply = city
    zones = {3: 1.0, 6: 0.68, 9: 0.22}

    def steps(c):
        return np.select([c <= 3, c <= 6, c <= 9], [1.0, 0.68, 0.22], 0.0)

    e2 = enhanced_two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes=zones)
    A, R = _reference(net, demand, supply, steps)
    np.testing.assert_allclose(e2.access, A, rtol=1e-9, equal_nan=True)
    g2 = gravity_two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes=9)
    Ag, _ = _reference(net, demand, supply, lambda c: decay_weights(c, kind="gaussian", horizon=9))
    np.testing.assert_allclose(g2.access, Ag, rtol=1e-9, equal_nan=True)
    t3 = three_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes=zones)
    A3, R3 = _reference(net, demand, supply, steps, three=True)
    np.testing.assert_allclose(t3.access, A3, rtol=1e-9, equal_nan=True)
    for out, r in ((e2, R), (g2, None), (t3, R3)):
        if r is None or not np.isnan(r).any():
            assert np.nansum(out.access * demand["pop"]) == pytest.approx(supply.beds.sum())


def test_infinite_catchment_gives_total_ratio(city):
    net, demand, supply = city
    out = two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes=float("inf"))
    np.testing.assert_allclose(out.access, supply.beds.sum() / demand["pop"].sum())
    big = two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", dist_m=1e6)
    np.testing.assert_allclose(big.access, supply.beds.sum() / demand["pop"].sum())


def test_empty_catchment_is_nan():
    net = grid_network(30, 1, spacing_m=100)
    demand = frame([(0, 0), (100, 0)], pop=[10.0, 30.0])
    supply = frame([(50, 0), (2900, 0)], beds=[4.0, 7.0])
    out = two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", dist_m=300)
    np.testing.assert_allclose(out.access, [0.1, 0.1])
    sr = supply_ratios(net, demand, supply, population_col="pop", capacity_col="beds", dist_m=300)
    assert sr.ratio[0] == pytest.approx(0.1) and np.isnan(sr.ratio[1])
    assert sr.n_demand.tolist() == [2, 0]
    lonely = frame([(2000, 0)], pop=[5.0])
    both = two_step_fca(net, lonely, supply.iloc[:1], population_col="pop", capacity_col="beds", dist_m=300)
    assert np.isnan(both.access[0]) and both.n_supply[0] == 0


def test_asymmetric_costs_use_demand_to_supply():
    # one-way ring 0 -> 1 -> 2 -> 3 -> 0, 100 m sides; demand at node 0, supply at node 1
    xy = [(0, 0), (100, 0), (100, 100), (0, 100)]
    edges = [(0, 1), (1, 2), (2, 3), (3, 0)]
    x = np.array([X0 + p[0] for p in xy])
    y = np.array([Y0 + p[1] for p in xy])
    geoms = np.array([LineString([(x[a], y[a]), (x[b], y[b])]) for a, b in edges], dtype=object)
    net = Network(x=x, y=y, node_id=np.arange(4), edge_u=np.array([e[0] for e in edges]),
                  edge_v=np.array([e[1] for e in edges]), edge_length_m=np.full(4, 100.0), edge_geometry=geoms,
                  edge_oneway=np.ones(4, bool), edge_speed_kmh=np.full(4, 6.0), crs="EPSG:32650", mode="drive")
    demand = frame([(0, 0)], pop=[10.0])
    supply = frame([(100, 0)], beds=[5.0])
    # demand -> supply is 100 m (1 min); supply -> demand would be 300 m (3 min)
    out = two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes=2)
    assert out.access[0] == pytest.approx(0.5)
    rev = two_step_fca(net, frame([(100, 0)], pop=[10.0]), frame([(0, 0)], beds=[5.0]),
                       population_col="pop", capacity_col="beds", minutes=2)
    assert np.isnan(rev.access[0])


@pytest.mark.filterwarnings("ignore::urbangeo.errors.SnapWarning")  # real data: doubtful snaps are expected; tested in test_snapping
def test_fca_on_real_network(shared_data):
    net = network_from_osm(shared_data("osm/helsinki_centre_2019.osm.pbf"), mode="walk")
    rng = np.random.default_rng(3)
    nodes = rng.choice(net.n_nodes, 60, replace=False)
    demand = gpd.GeoDataFrame({"pop": rng.integers(1, 100, 50).astype(float)},
                              geometry=gpd.points_from_xy(net.x[nodes[:50]] + 3, net.y[nodes[:50]]), crs=net.crs)
    supply = gpd.GeoDataFrame({"beds": np.ones(10)},
                              geometry=gpd.points_from_xy(net.x[nodes[50:]], net.y[nodes[50:]] + 2), crs=net.crs)
    out = two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes=10)
    A, _ = _reference(net, demand, supply, lambda c: (c <= 10).astype(float))
    np.testing.assert_allclose(out.access, A, rtol=1e-9, equal_nan=True)


def test_fca_errors_and_missing_values(city):
    net, demand, supply = city
    with pytest.raises(MissingColumnError):
        two_step_fca(net, demand, supply, population_col="people", capacity_col="beds")
    with pytest.raises(InvalidOptionError, match="one catchment"):
        two_step_fca(net, demand, supply, population_col="pop", capacity_col="beds", minutes={5: 1, 10: 0.5})
    with pytest.raises(InvalidOptionError, match="negative"):
        two_step_fca(net, demand.assign(pop=-1.0), supply, population_col="pop", capacity_col="beds")
    with pytest.raises(InvalidOptionError, match="method"):
        supply_ratios(net, demand, supply, population_col="pop", capacity_col="beds", method="4sfca")
    d2 = demand.copy()
    d2.loc[d2.index[0], "pop"] = np.nan
    with pytest.warns(DroppedRowsWarning, match="have no `pop`"):
        out = two_step_fca(net, d2, supply, population_col="pop", capacity_col="beds", minutes=8)
    assert np.isnan(out.access.iloc[0]) and len(out) == len(demand)


# --------------------------------------------------------------------------- cost tables instead of a network


def _tables(net, demand, supply):
    wide = cost_matrix(net, demand, supply)  # minutes; unreachable pairs are NaN
    long = wide.stack().rename("cost").rename_axis(["origin", "destination"]).reset_index()
    return wide, long


@pytest.mark.parametrize("fmt", ["wide", "long"])
def test_cost_table_gives_the_network_answer(city, fmt):
    net, demand, supply = city
    wide, long = _tables(net, demand, supply)
    table = wide if fmt == "wide" else long
    kw = dict(population_col="pop", capacity_col="beds")
    pairs = [
        (two_step_fca, dict(minutes=8)),
        (enhanced_two_step_fca, dict(minutes={4: 1.0, 8: 0.5, 12: 0.1})),
        (gravity_two_step_fca, dict(minutes=12, decay="gaussian")),
        (three_step_fca, dict(minutes={4: 1.0, 8: 0.5, 12: 0.1})),
    ]
    for func, opts in pairs:
        want = func(net, demand, supply, **kw, **opts)
        with assert_not_mutated(demand), assert_not_mutated(supply):
            got = func(None, demand, supply, **kw, **opts, costs=table)
        np.testing.assert_allclose(got.access, want.access, rtol=1e-6, equal_nan=True, err_msg=func.__name__)
        assert "snap_dist_m" not in got.columns
    r_net = supply_ratios(net, demand, supply, **kw, minutes=8)
    r_tab = supply_ratios(None, demand, supply, **kw, minutes=8, costs=table)
    np.testing.assert_allclose(r_tab.ratio, r_net.ratio, rtol=1e-6, equal_nan=True)


def test_cost_table_in_metres_plain_frames_and_errors():
    import pandas as pd

    homes = pd.DataFrame({"pop": [100.0, 300.0, 50.0]}, index=["h1", "h2", "h3"])
    clinics = pd.DataFrame({"doctors": [2.0, 1.0]}, index=[7, 9])
    long = pd.DataFrame({"origin": ["h1", "h2", "h2", "h3"], "destination": [7, 7, 9, 9],
                         "cost": [300.0, 900.0, 200.0, 1500.0]})
    out = two_step_fca(None, homes, clinics, population_col="pop", capacity_col="doctors", dist_m=1000, costs=long)
    # clinic 7 serves h1 + h2 (400 people), clinic 9 serves h2 (300); h3 is 1,500 m away: no access
    np.testing.assert_allclose(out.access.to_numpy(), [2 / 400, 2 / 400 + 1 / 300, np.nan], equal_nan=True)
    assert out.n_supply.tolist() == [1, 2, 0]
    with pytest.raises(InvalidOptionError, match="not in the index of `demand`"):
        two_step_fca(None, homes, clinics, population_col="pop", capacity_col="doctors", dist_m=1000,
                     costs=long.assign(origin=["h1", "h2", "h2", "x"]))
    with pytest.raises(InvalidOptionError, match="repeats"):
        two_step_fca(None, homes, clinics, population_col="pop", capacity_col="doctors", dist_m=1000,
                     costs=pd.concat([long, long.iloc[:1]]))
    with pytest.raises(InvalidOptionError, match="negative"):
        two_step_fca(None, homes, clinics, population_col="pop", capacity_col="doctors", dist_m=1000,
                     costs=long.assign(cost=-1.0))
    with pytest.raises(InvalidOptionError, match="lacks demand rows"):
        two_step_fca(None, homes, clinics, population_col="pop", capacity_col="doctors", minutes=10,
                     costs=pd.DataFrame({7: [1.0], 9: [2.0]}, index=["h1"]))
    with pytest.raises(InvalidOptionError, match="not both"):
        two_step_fca(grid_network(3, 3), homes, clinics, population_col="pop", capacity_col="doctors", costs=long)
    with pytest.raises(InvalidOptionError, match="must be a pandas DataFrame"):
        two_step_fca(None, homes, clinics, population_col="pop", capacity_col="doctors", costs=np.ones((3, 2)))


def _access_case(n, seed):
    """PySAL access's own test fixture (access/tests/util.py): an n x n grid of points with random values,
    Euclidean costs between every pair, demand on a sample of the grid."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    xy = np.array([(x, y) for x in range(n) for y in range(n)], dtype=float)
    ids = np.arange(1, n * n + 1)
    supply = pd.DataFrame({"value": rng.integers(1, 200, n * n).astype(float)}, index=pd.Index(ids, name="id"))
    demand = supply.sample(n * 2, random_state=seed).copy()
    demand["value"] = rng.integers(1, 500, len(demand)).astype(float)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    o, t = np.meshgrid(ids, ids, indexing="ij")
    costs = pd.DataFrame({"origin": o.ravel(), "destination": t.ravel(), "cost": d.ravel()})
    return demand, supply, costs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cost_table_matches_pysal_access(seed):
    access_mod = pytest.importorskip("access", reason="PySAL access (the reference) is not installed")
    from importlib.metadata import version

    if tuple(int(x) for x in version("access").split(".")[:3]) < (1, 1, 10):
        pytest.skip(f"access {version('access')} (the newest on the oldest stack) gives other 2SFCA values on its own "
                    f"fixture than access 1.1.10 and urbangeo (which agree to 1e-9); compared on the newest stack")
    from access import weights

    demand, supply, costs = _access_case(6, seed)
    import warnings

    with warnings.catch_warnings():  # the reference library's own pandas deprecations are not ours to fix
        warnings.simplefilter("ignore")
        ref_2, ref_e, ref_3 = _run_access(access_mod, weights, demand, supply, costs)
    with pytest.raises(InvalidOptionError, match="isin"):  # a table for the whole grid: the error says how to cut it
        two_step_fca(None, demand, supply, population_col="value", capacity_col="value", dist_m=3.0, costs=costs)
    kw = dict(population_col="value", capacity_col="value", costs=costs[costs["origin"].isin(demand.index)])
    ours_2 = two_step_fca(None, demand, supply, dist_m=3.0, **kw)
    ours_e = enhanced_two_step_fca(None, demand, supply, dist_m=STEPS, **kw)
    ours_3 = three_step_fca(None, demand, supply, dist_m=STEPS, **kw)
    for ours, ref, col in ((ours_2, ref_2, "2sfca_value"), (ours_e, ref_e, "e2sfca_value"),
                           (ours_3, ref_3, "3sfca_value")):
        want = ref.reindex(demand.index)[col].to_numpy(float)
        np.testing.assert_allclose(ours.access.fillna(0).to_numpy(), want, rtol=1e-9, err_msg=col)


STEPS = {1.5: 1.0, 3.0: 0.68, 4.5: 0.22}


def _run_access(access_mod, weights, demand, supply, costs):
    model = access_mod.Access(demand_df=demand.reset_index(), demand_index="id", demand_value="value",
                              supply_df=supply.reset_index(), supply_index="id", supply_value="value",
                              cost_df=costs.rename(columns={"destination": "dest"}), cost_origin="origin",
                              cost_dest="dest", cost_name="cost")
    return (model.two_stage_fca(max_cost=3.0), model.enhanced_two_stage_fca(weight_fn=weights.step_fn(STEPS)),
            model.three_stage_fca(weight_fn=weights.step_fn(STEPS)))
