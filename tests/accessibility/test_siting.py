"""Facility siting: exact = brute force, greedy bounds, existing kept, coverage is real."""

from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from tests.accessibility._reference import people_nodes
from urbangeo.accessibility import (
    assign_demand,
    cost_matrix,
    grid_network,
    network_candidates,
    network_from_osm,
    site_facilities,
)
from urbangeo.errors import (
    ColumnTypeError,
    DisconnectedNetworkError,
    DroppedRowsWarning,
    GeometryTypeError,
    InvalidOptionError,
    UrbangeoWarning,
)
from urbangeo.testing import assert_not_mutated

with warnings.catch_warnings():
    # networkx 3.2 (oldest stack) has invalid escape sequences that warn when first compiled
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx


def _frames(n_dem, n_cand, n_exist, rng, crs=3857):
    def pts(n):
        return gpd.GeoDataFrame(
            {"population": rng.integers(1, 20, n).astype(float)},
            geometry=[Point(x, y) for x, y in rng.uniform(0, 1000, (n, 2))],
            crs=crs,
        )

    demand, cand = pts(n_dem), pts(n_cand)
    existing = pts(n_exist) if n_exist else None
    if existing is not None:
        existing.index = [f"e{i}" for i in range(n_exist)]
    return demand, cand, existing


def _random_case(seed):
    rng = np.random.default_rng(seed)
    n_dem, n_cand = int(rng.integers(6, 14)), int(rng.integers(3, 8))
    n_exist = int(rng.integers(0, 3))
    demand, cand, existing = _frames(n_dem, n_cand, n_exist, rng)
    costs = rng.uniform(0, 20, (n_dem, n_exist + n_cand))
    costs[rng.random(costs.shape) < 0.1] = np.nan
    return rng, demand, cand, existing, costs


def _covered_weight(costs, w, cols, thr):
    if not cols:
        return 0.0
    sub = np.where(np.isnan(costs[:, cols]), np.inf, costs[:, cols])
    return float(w[(sub <= thr).any(axis=1)].sum())


@pytest.mark.parametrize("seed", range(12))
def test_mclp_exact_equals_brute_force_and_greedy_bounds(seed):
    rng, demand, cand, existing, costs = _random_case(seed)
    n_exist = 0 if existing is None else len(existing)
    thr = 8.0
    p = int(rng.integers(1, len(cand)))
    w = demand.population.to_numpy()
    fixed = list(range(n_exist))
    best = max(
        _covered_weight(costs, w, fixed + [n_exist + j for j in combo], thr)
        for combo in itertools.combinations(range(len(cand)), p)
    )
    kw = dict(model="mclp", p=p, minutes=thr, existing=existing, costs=costs, population_col="population")
    with assert_not_mutated(demand, cand, existing, costs):
        exact = site_facilities(None, demand, candidates=cand, solver="exact", **kw)
        greedy = site_facilities(None, demand, candidates=cand, solver="greedy", **kw)
    ex, gr = exact.attrs["siting"], greedy.attrs["siting"]
    assert ex["objective"] == pytest.approx(best)
    assert ex["gap"] == pytest.approx(0.0, abs=1e-9)
    assert gr["objective"] <= best + 1e-9
    assert gr["bound"] >= best - 1e-9
    assert gr["gap"] == pytest.approx((gr["bound"] - gr["objective"]) / gr["bound"] if gr["bound"] else 0.0)
    # exactly p new sites, existing all kept
    for res in (exact, greedy):
        assert int(res["new"].sum()) == p
        if existing is not None:
            assert set(res.loc[~res["new"], "source_index"]) == set(existing.index)
            assert list(res.source[:n_exist]) == ["existing"] * n_exist
        # the objective is the weight really covered by the open sites
        cols = fixed + [n_exist + int(i) for i in res.loc[res["new"], "source_index"]]
        assert res.attrs["siting"]["objective"] == pytest.approx(_covered_weight(costs, w, cols, thr))
        assert res["weight_covered"].sum() == pytest.approx(res.attrs["siting"]["objective"])


@pytest.mark.parametrize("seed", range(10))
def test_p_median_exact_equals_brute_force(seed):
    rng, demand, cand, existing, costs = _random_case(100 + seed)
    costs = np.where(np.isnan(costs), 50.0, costs)  # keep it feasible for every p
    n_exist = 0 if existing is None else len(existing)
    p = int(rng.integers(1, len(cand)))
    w = demand.population.to_numpy()
    fixed = list(range(n_exist))
    best = min(
        float((w * costs[:, fixed + [n_exist + j for j in combo]].min(axis=1)).sum())
        for combo in itertools.combinations(range(len(cand)), p)
    )
    kw = dict(model="p_median", p=p, existing=existing, costs=costs, population_col="population")
    exact = site_facilities(None, demand, candidates=cand, solver="exact", **kw)
    greedy = site_facilities(None, demand, candidates=cand, solver="greedy", **kw)
    assert exact.attrs["siting"]["objective"] == pytest.approx(best, rel=1e-9)
    g = greedy.attrs["siting"]
    assert g["objective"] >= best - 1e-6
    assert g["bound"] <= best + 1e-6
    assert g["gap"] == pytest.approx((g["objective"] - g["bound"]) / g["objective"])
    assert int(exact["new"].sum()) == p
    # mean minutes per site are consistent with the objective
    total = float((exact["mean_minutes"].fillna(0) * exact["weight_assigned"]).sum())
    assert total == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_lscp_exact_equals_brute_force(seed):
    rng, demand, cand, existing, costs = _random_case(200 + seed)
    n_exist = 0 if existing is None else len(existing)
    thr = 7.0
    c = np.where(np.isnan(costs), np.inf, costs)
    coverable = (c <= thr).any(axis=1)
    fixed = list(range(n_exist))
    need = None
    for k in range(len(cand) + 1):
        for combo in itertools.combinations(range(len(cand)), k):
            cols = fixed + [n_exist + j for j in combo]
            if (c[coverable][:, cols] <= thr).any(axis=1).all() if cols else not coverable.any():
                need = k
                break
        if need is not None:
            break
    kw = dict(model="lscp", minutes=thr, existing=existing, costs=costs)
    if not coverable.all():
        with pytest.warns(UrbangeoWarning, match="cannot be reached"):
            exact = site_facilities(None, demand, candidates=cand, solver="exact", **kw)
        with pytest.warns(UrbangeoWarning):
            greedy = site_facilities(None, demand, candidates=cand, solver="greedy", **kw)
        assert set(exact.attrs["siting"]["excluded_demand"]) == set(demand.index[~coverable])
    else:
        exact = site_facilities(None, demand, candidates=cand, solver="exact", **kw)
        greedy = site_facilities(None, demand, candidates=cand, solver="greedy", **kw)
    assert exact.attrs["siting"]["objective"] == need
    g = greedy.attrs["siting"]
    assert g["objective"] >= need and g["bound"] <= need
    for res in (exact, greedy):
        # every coverable demand really covered by the open sites
        cols = fixed + [n_exist + int(i) for i in res.loc[res["new"], "source_index"]]
        assert (c[coverable][:, cols] <= thr).any(axis=1).all()
        assert (res.source == "existing").sum() == n_exist


def test_existing_facilities_never_dropped_even_if_useless():
    rng = np.random.default_rng(7)
    demand, cand, existing = _frames(10, 5, 2, rng)
    costs = np.full((10, 7), 3.0)
    costs[:, :2] = np.nan  # the existing facilities reach nobody
    for model, kw in [("mclp", dict(p=1, minutes=5)), ("lscp", dict(minutes=5)),
                      ("p_median", dict(p=1))]:
        for solver in ("exact", "greedy"):
            res = site_facilities(None, demand, candidates=cand, model=model, existing=existing, costs=costs,
                                  solver=solver, **kw)
            assert list(res.source_index[:2]) == ["e0", "e1"]
            assert res.loc[:1, "n_assigned"].tolist() == [0, 0]


def test_grid_network_coverage_is_real():
    """MCLP on a grid; every demand reported covered is within the threshold on the network."""
    net = grid_network(8, 8, spacing_m=100, speed_kmh=6.0)  # 100 m per minute
    rng = np.random.default_rng(1)
    nodes = net.nodes
    dem_nodes = rng.choice(net.n_nodes, 30, replace=False)
    demand = gpd.GeoDataFrame({"population": rng.integers(1, 50, 30).astype(float)},
                              geometry=nodes.geometry.iloc[dem_nodes].values, crs=net.crs)
    cand = network_candidates(net, min_degree=1)  # every node
    existing = cand.iloc[[0]].set_axis(["old"])
    with assert_not_mutated(demand, cand, existing):
        sites = site_facilities(net, demand, candidates=cand, model="mclp", p=2, minutes=3, existing=existing,
                                population_col="population", speed_kmh=6.0)
    assert sites.source_index.iloc[0] == "old"
    assigned = assign_demand(net, demand, sites, minutes=3, speed_kmh=6.0)
    # analytic: network distance between grid nodes = Manhattan distance
    sx, sy = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    dx = np.abs(demand.geometry.x.to_numpy()[:, None] - sx[None, :])
    dy = np.abs(demand.geometry.y.to_numpy()[:, None] - sy[None, :])
    minutes = (dx + dy) / 100.0
    np.testing.assert_allclose(assigned.site_minutes, minutes.min(axis=1), atol=1e-9)
    covered = assigned.covered.to_numpy()
    assert (minutes.min(axis=1)[covered] <= 3 + 1e-9).all()
    assert (minutes.min(axis=1)[~covered] > 3).all()
    assert sites.attrs["siting"]["objective"] == pytest.approx(demand.population[covered].sum())
    # exact beats (or ties) greedy on the same problem
    greedy = site_facilities(net, demand, candidates=cand, model="mclp", p=2, minutes=3, existing=existing,
                             population_col="population", speed_kmh=6.0, solver="greedy")
    assert greedy.attrs["siting"]["objective"] <= sites.attrs["siting"]["objective"] + 1e-9


def test_cost_matrix_real_network_matches_networkx(shared_data):
    """Helsinki walk network: cost_matrix between nodes = networkx Dijkstra / speed."""
    net = network_from_osm(shared_data("osm/helsinki_centre_2019.osm.pbf"), mode="walk")
    main = np.flatnonzero(people_nodes(net))  # nodes where people can be (not in a tunnel)
    rng = np.random.default_rng(3)
    pick_d = rng.choice(main, 25, replace=False)
    pick_s = rng.choice(main, 6, replace=False)
    nodes = net.nodes
    demand = gpd.GeoDataFrame(geometry=nodes.geometry.iloc[pick_d].values, crs=net.crs).to_crs(4326)
    sites = gpd.GeoDataFrame(geometry=nodes.geometry.iloc[pick_s].values, crs=net.crs)
    mat = cost_matrix(net, demand, sites, speed_kmh=4.5)
    g = nx.Graph()
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length_m):
        if not g.has_edge(u, v) or g[u][v]["w"] > length:
            g.add_edge(int(u), int(v), w=float(length))
    for j, s in enumerate(pick_s):
        d = nx.single_source_dijkstra_path_length(g, int(s), weight="w")
        ref = np.array([d[int(i)] for i in pick_d]) / (4500 / 60)
        np.testing.assert_allclose(mat.iloc[:, j].to_numpy(), ref, atol=1e-6)
    # covered within threshold really within it: MCLP on real data
    res = site_facilities(net, demand, candidates=sites, model="mclp", p=2, minutes=8, speed_kmh=4.5)
    a = assign_demand(net, demand, res, minutes=8, speed_kmh=4.5)
    chosen = [int(i) for i in res.source_index]
    ref_best = mat.iloc[:, chosen].min(axis=1).to_numpy()
    np.testing.assert_allclose(a.site_minutes.to_numpy(), ref_best, atol=1e-6)
    assert (ref_best[a.covered.to_numpy()] <= 8 + 1e-9).all()
    assert res.attrs["siting"]["objective"] == a.covered.sum()


def test_assign_demand_unreachable_is_nan():
    d = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(5, 0)], crs=3857)
    s = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(9, 9)], crs=3857)
    c = pd.DataFrame({0: [2.0, np.nan], 1: [4.0, np.nan]})
    out = assign_demand(None, d, s, costs=c, minutes=3)
    assert out.site_minutes.iloc[0] == 2.0 and np.isnan(out.site_minutes.iloc[1])
    assert out.covered.tolist() == [True, False]
    assert out.site.iloc[1] is None


def test_p_median_infeasible_raises():
    rng = np.random.default_rng(0)
    demand, cand, _ = _frames(2, 2, 0, rng)
    costs = np.array([[1.0, np.nan], [np.nan, 1.0]])
    for solver in ("exact", "greedy"):
        with pytest.raises(DisconnectedNetworkError, match="Increase `p`"):
            site_facilities(None, demand, candidates=cand, model="p_median", p=1, costs=costs, solver=solver)


def test_bad_inputs():
    rng = np.random.default_rng(0)
    demand, cand, existing = _frames(4, 3, 1, rng)
    costs = np.ones((4, 3))
    with pytest.raises(InvalidOptionError, match="model"):
        site_facilities(None, demand, candidates=cand, model="pmedian", p=1, costs=costs)
    with pytest.raises(InvalidOptionError, match="solver"):
        site_facilities(None, demand, candidates=cand, model="mclp", p=1, minutes=5, costs=costs, solver="fast")
    with pytest.raises(InvalidOptionError, match="needs `p`"):
        site_facilities(None, demand, candidates=cand, model="mclp", minutes=5, costs=costs)
    with pytest.raises(InvalidOptionError, match="needs `minutes`"):
        site_facilities(None, demand, candidates=cand, model="lscp", costs=costs)
    with pytest.raises(InvalidOptionError, match="more than"):
        site_facilities(None, demand, candidates=cand, model="p_median", p=9, costs=costs)
    with pytest.raises(InvalidOptionError, match="network"):
        site_facilities(None, demand, candidates=cand, model="p_median", p=1)
    with pytest.raises(InvalidOptionError, match="shape"):
        site_facilities(None, demand, candidates=cand, model="p_median", p=1, costs=np.ones((4, 2)))
    with pytest.raises(InvalidOptionError, match="shape"):
        site_facilities(None, demand, candidates=cand, model="p_median", p=1, costs=costs, existing=existing)  # needs 4 columns
    with pytest.raises(InvalidOptionError, match="no column"):
        site_facilities(None, demand, candidates=cand, model="p_median", p=1, costs=pd.DataFrame(costs[:, :2]))
    with pytest.raises(ColumnTypeError):
        site_facilities(None, demand.assign(population=np.nan), candidates=cand, model="p_median", p=1, costs=costs,
                        population_col="population")
    with pytest.raises(InvalidOptionError, match="negative"):
        site_facilities(None, demand.assign(population=-1.0), candidates=cand, model="p_median", p=1, costs=costs,
                        population_col="population")
    with pytest.raises(TypeError):
        site_facilities(None, pd.DataFrame({"a": [1]}), candidates=cand, model="p_median", p=1, costs=costs)


@pytest.mark.parametrize("seed", range(8))
def test_greedy_bounds_valid_with_and_without_lp(seed):
    from scipy.sparse import csr_matrix

    from urbangeo.accessibility._siting_solvers import solve_lscp, solve_mclp

    rng = np.random.default_rng(300 + seed)
    cover = csr_matrix(rng.random((60, 15)) < 0.15)
    w = rng.integers(1, 10, 60).astype(float)
    fixed = np.zeros(15, bool)
    fixed[0] = seed % 2 == 1
    ex = solve_mclp(cover, w, 3, fixed, method="exact")
    ls = solve_lscp(cover, fixed, method="exact")
    for lp in (True, False):
        g = solve_mclp(cover, w, 3, fixed, method="greedy", lp_bound=lp)
        assert g.objective <= ex.objective + 1e-9 <= g.bound + 2e-9
        assert g.bound_method in (("lp", "combinatorial") if lp else ("combinatorial",))
        assert g.gap == pytest.approx((g.bound - g.objective) / g.bound)
        gl = solve_lscp(cover, fixed, method="greedy", lp_bound=lp)
        assert gl.bound <= ls.objective <= gl.objective


# ------------------------------------------------------------------ issue 12: the HiGHS banner


def _small_exact_case():
    rng = np.random.default_rng(3)
    demand, cand, _ = _frames(8, 4, 0, rng)
    costs = rng.uniform(0, 10, (8, 4))
    return demand, cand, costs


def test_exact_solve_prints_nothing(capfd):
    demand, cand, costs = _small_exact_case()
    capfd.readouterr()
    for model, kw in [("mclp", dict(p=2, minutes=5)), ("p_median", dict(p=2)),
                      ("lscp", dict(minutes=9))]:
        site_facilities(None, demand, candidates=cand, model=model, costs=costs, solver="exact", **kw)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_exact_solve_prints_nothing_in_a_fresh_process():
    """HiGHS prints its banner once per process, at the first Highs(): check a fresh one (fd level)."""
    import subprocess
    import sys

    code = (
        "import numpy as np, geopandas as gpd\n"
        "from shapely import Point\n"
        "from urbangeo.accessibility import site_facilities\n"
        "pts = lambda n: gpd.GeoDataFrame({'population': np.ones(n)}, geometry=[Point(i, i) for i in range(n)], crs=3857)\n"
        "site_facilities(None, pts(6), candidates=pts(3), model='mclp', p=1, minutes=5, costs=np.arange(18.0).reshape(6, 3))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert "HiGHS" not in run.stderr


def test_solver_log_goes_to_urbangeo_logging_when_shown(capfd):
    import io

    import urbangeo

    demand, cand, costs = _small_exact_case()
    stream = io.StringIO()
    handler = urbangeo.show_logs(stream=stream)
    try:
        capfd.readouterr()
        site_facilities(None, demand, candidates=cand, model="mclp", p=2, minutes=5, costs=costs, solver="exact")
        out, _ = capfd.readouterr()
    finally:
        urbangeo.hide_logs(handler=handler)
    assert out == ""  # still nothing on stdout ...
    assert "HiGHS: MIP has" in stream.getvalue()  # ... the solver's log went to the urbangeo log instead


@pytest.mark.parametrize("model", ["mclp", "lscp", "p_median"])
def test_demand_without_geometry_is_excluded_counted_and_warned(model):
    net = grid_network(8, 8, spacing_m=100, speed_kmh=6.0)  # 100 m per minute
    x0, y0 = net.nodes.geometry.x.min(), net.nodes.geometry.y.min()
    demand = gpd.GeoDataFrame(
        {"population": [1.0, 2.0, 3.0, 4.0]},
        geometry=[Point(x0, y0), None, Point(x0 + 200, y0), Point()],
        crs=net.crs, index=["a", "b", "c", "d"],
    )
    cand = gpd.GeoDataFrame(geometry=[Point(x0 + 100, y0), Point(x0 + 700, y0 + 700)], crs=net.crs)
    kw = {"mclp": dict(p=1, minutes=2), "lscp": dict(minutes=2), "p_median": dict(p=1)}[model]
    with assert_not_mutated(demand), pytest.warns(DroppedRowsWarning) as rec:
        sites = site_facilities(net, demand, candidates=cand, model=model, population_col="population", **kw)
    assert [w.category for w in rec] == [DroppedRowsWarning]  # no second "cannot be reached" for the same rows
    msg = str(rec[0].message)
    assert "2 of 4 rows of `demand` have no geometry" in msg and "'b', 'd'" in msg and "excluded_demand" in msg
    info = sites.attrs["siting"]
    assert info["excluded_demand"] == ["b", "d"]
    assert sites.source_index.tolist() == [0]
    # the two located homes are 1 minute from candidate 0; the excluded weight (6) is not covered
    assert sites.n_assigned.tolist() == [2] and sites.weight_assigned.tolist() == [4.0]
    assert info["covered_weight"] == 4.0 and info["total_weight"] == 10.0
    np.testing.assert_allclose(sites.mean_minutes, [1.0])


def test_messages_name_demand_candidates_and_sites():
    net = grid_network(8, 8, spacing_m=100, speed_kmh=6.0)
    x0, y0 = net.nodes.geometry.x.min(), net.nodes.geometry.y.min()
    pts = gpd.GeoDataFrame(geometry=[Point(x0, y0), Point(x0 + 200, y0)], crs=net.crs)
    lines = gpd.GeoDataFrame(geometry=[LineString([(x0, y0), (x0 + 50, y0)])], crs=net.crs)
    kw = dict(model="mclp", p=1, minutes=5)
    with pytest.raises(GeometryTypeError, match="`demand` must hold") as err:
        site_facilities(net, lines, candidates=pts, **kw)
    assert "origins" not in str(err.value)
    with pytest.raises(GeometryTypeError, match="`candidates` must hold") as err:
        site_facilities(net, pts, candidates=lines, **kw)
    assert "facilities" not in str(err.value)
    with pytest.raises(GeometryTypeError, match="`existing` must hold"):
        site_facilities(net, pts, candidates=pts, existing=lines, **kw)
    with pytest.raises(GeometryTypeError, match="`sites` must hold"):
        cost_matrix(net, pts, lines)
    with pytest.raises(GeometryTypeError, match="`sites` must hold"):
        assign_demand(net, pts, lines)
    far = gpd.GeoDataFrame(geometry=[Point(x0 + 100, y0), Point(x0 + 9000, y0)], crs=net.crs, index=["near", "far"])
    with pytest.warns(DroppedRowsWarning, match="1 of 2 candidates could not be snapped.*'far'"):
        sites = site_facilities(net, pts, candidates=far, max_snap_m=50, **kw)
    assert sites.source_index.tolist() == ["near"]
