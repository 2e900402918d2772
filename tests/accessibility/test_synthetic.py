"""grid_network: analytic structure and Manhattan distances."""

from __future__ import annotations

import numpy as np
import pytest

from urbangeo.accessibility import _engine, grid_network
from urbangeo.errors import CRSError, InvalidOptionError


def test_grid_structure():
    net = grid_network(4, 3, spacing_m=50, mode="drive", speed_kmh=36)
    assert net.n_nodes == 12 and net.n_edges == 3 * 3 + 4 * 2
    assert (net.edge_length_m == 50).all() and not net.edge_oneway.any()
    np.testing.assert_allclose(net.x[5] - net.x[0], 50.0)  # node 5 = column 1, row 1
    np.testing.assert_allclose(net.y[5] - net.y[0], 50.0)
    lengths = np.array([g.length for g in net.edge_geometry])
    np.testing.assert_allclose(lengths, 50.0)
    assert net.mode == "drive" and (net.edge_speed_kmh == 36).all()
    assert net.n_components == 1


@pytest.mark.parametrize("weight", ["length_m", "time_s"])
def test_manhattan_distances(weight):
    nx_, ny_ = 9, 7
    net = grid_network(nx_, ny_, spacing_m=100, speed_kmh=3.6)  # 1 m/s: seconds == metres
    g = _engine.graph(net, weight=weight)
    src = 3 + 2 * nx_
    d, d2, lab = _engine.multi_source(g, [src], [0.0])
    col, row = np.arange(net.n_nodes) % nx_, np.arange(net.n_nodes) // nx_
    manhattan = 100.0 * (np.abs(col - 3) + np.abs(row - 2))
    np.testing.assert_allclose(d, manhattan)
    np.testing.assert_allclose(d2, manhattan)
    assert (lab == 0).all()
    # bounded search: exactly the nodes within 300 m (inclusive), nothing else
    s, t, c, _ = _engine.bounded(g, [0, 1], [src], [0.0], limit=300.0)
    assert set(t.tolist()) == set(np.flatnonzero(manhattan <= 300).tolist())
    np.testing.assert_allclose(c, manhattan[t])


def test_k_nearest_on_grid_and_seed_offsets():
    net = grid_network(10, 1, spacing_m=100)
    g = _engine.graph(net, weight="length_m")
    # three sources, the second entering with a 30 m initial cost (a mid-edge facility)
    d, _, lab = _engine.k_nearest(g, [0, 5, 9], [0.0, 30.0, 0.0], k=2)
    assert d[4].tolist() == [130.0, 400.0] and lab[4].tolist() == [1, 0]
    assert d[0].tolist() == [0.0, 530.0]


def test_geometry_free_grid_and_errors():
    big = grid_network(200, 200, geometry=False)
    assert big.edge_geometry[0] is None and big.n_edges == 2 * 200 * 199
    with pytest.raises(InvalidOptionError):
        grid_network(0, 3)
    with pytest.raises(InvalidOptionError):
        grid_network(3, 3, spacing_m=0)
    with pytest.raises(InvalidOptionError):
        grid_network(3, 3, mode="fly")
    with pytest.raises(CRSError):
        grid_network(3, 3, crs="EPSG:4326")
