"""The shared pipeline (accessibility/_common.py): each side snapped once per call, imports downwards."""

import ast
import collections
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

import urbangeo.accessibility as acc
from urbangeo.accessibility import grid_network, life_circle_audit, nearest_facilities, snapping
from urbangeo.errors import DroppedRowsWarning, EmptyInputWarning

PACKAGE = Path(acc.__file__).parent


@pytest.fixture
def snaps(monkeypatch):
    """Counter of snap_points calls per argument name (``name=``)."""
    calls = collections.Counter()
    real = snapping.snap_points

    def counting(network, points, **kw):
        calls[kw.get("name", "points")] += 1
        return real(network, points, **kw)

    monkeypatch.setattr(snapping, "snap_points", counting)
    return calls


@pytest.fixture
def street():
    net = grid_network(11, 1, spacing_m=75, speed_kmh=4.5)
    homes = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000), Point(500_300, 2_500_010)], crs=net.crs)
    fac = gpd.GeoDataFrame(
        {"category": ["kindergarten", "clinic", "kindergarten"]},
        geometry=[Point(500_450, 2_500_000), Point(500_750, 2_500_000), Point(500_150, 2_500_005)],
        crs=net.crs,
    )
    return net, homes, fac


def test_life_circle_audit_snaps_each_side_once(snaps, street):
    net, homes, fac = street
    out = life_circle_audit(net, homes, fac, required={"kindergarten": 5, "clinic": 15})
    assert snaps == {"residences": 1, "facilities": 1}
    assert out.kindergarten_facility_1.tolist() == [2, 0]
    assert out.clinic_minutes_1.round(6).tolist() == [10.0, round(460 / 75, 6)]  # 10 m access + 450 m


def test_life_circle_audit_without_facilities_snaps_residences_once(snaps, street):
    net, homes, fac = street
    with pytest.warns(EmptyInputWarning):
        out = life_circle_audit(net, homes, fac.iloc[:0], required={"kindergarten": 5})
    assert snaps == {"residences": 1}
    assert out.snap_dist_m.tolist() == [0.0, 10.0]
    assert out.attrs["life_circle"]["categories_without_facilities"] == ["kindergarten"]


@pytest.mark.parametrize("by", [None, "category"])
def test_nearest_facilities_snaps_each_side_once(snaps, street, by):
    net, homes, fac = street
    nearest_facilities(net, homes, fac, by=by, k=2)
    assert snaps == {"origins": 1, "facilities": 1}


def test_warnings_come_once_per_call(street):
    net, homes, fac = street
    homes = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000), None], crs=net.crs)
    fac = fac.assign(category=["kindergarten", None, "kindergarten"])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        life_circle_audit(net, homes, fac, required={"kindergarten": 5})
    dropped = [w for w in rec if issubclass(w.category, DroppedRowsWarning)]
    assert len(dropped) == 2  # the residence without geometry, the facility without category
    assert all(w.filename == __file__ for w in rec)  # every warning points at the caller


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            yield node.module, [a.name for a in node.names]


def test_no_module_imports_sideways_from_metrics():
    for path in PACKAGE.glob("*.py"):
        for module, names in _imports(path):
            if module == "metrics":
                assert path.name == "__init__.py", f"{path.name} imports {names} from metrics"


def test_common_imports_only_downwards():
    upper = {"metrics", "fca", "isochrones", "lifecircle", "parks", "siting", "equity", "plotting"}
    for module, names in _imports(PACKAGE / "_common.py"):
        assert module is None or module.split(".")[0] not in upper, module
        if module is None:
            assert not upper & set(names), names


def test_multi_source_second_cost_is_inf_where_unreached():
    """The secondary cost (metres along a time search) of a node the search never reached is inf,
    not whatever the memory held: callers add it to access legs for every node, and garbage such as
    -inf gave "invalid value encountered in add" warnings on dask workers (the answers were masked)."""
    import numpy as np

    from urbangeo.accessibility import _engine

    net = grid_network(6, 6, spacing_m=100.0)
    g = _engine.graph(net, weight="time_s", speed_kmh=6.0)
    d, d2, lab = _engine.multi_source(g, np.array([0]), np.array([0.0]), np.array([0.0]), limit=150.0)
    unreached = ~np.isfinite(d)
    assert 0 < unreached.sum() < net.n_nodes
    assert np.isposinf(d2[unreached]).all() and (lab[unreached] == -1).all()
    assert np.allclose(d2[~unreached], d[~unreached] * 6.0 / 3.6)  # metres = seconds x 6 km/h
