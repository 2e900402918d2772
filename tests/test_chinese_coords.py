import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Point

from urbangeo import _gcj
from urbangeo.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from urbangeo.errors import CRSError, GeometryTypeError
from urbangeo.testing import assert_not_mutated

PAIRS = [
    (wgs84_to_gcj02, gcj02_to_wgs84),
    (gcj02_to_bd09, bd09_to_gcj02),
    (wgs84_to_bd09, bd09_to_wgs84),
]


def pts(lonlat):
    return gpd.GeoSeries([Point(x, y) for x, y in lonlat], crs=4326)


def test_known_forward_values():
    # published values of the coordTransform reference implementation for (116.404, 39.915)
    g = pts([(116.404, 39.915)])
    p = wgs84_to_gcj02(g).iloc[0]
    assert p.x == pytest.approx(116.41024449916938, abs=1e-12)
    assert p.y == pytest.approx(39.91640428150164, abs=1e-12)
    b = gcj02_to_bd09(g).iloc[0]
    assert b.x == pytest.approx(116.41036949371029, abs=1e-12)
    assert b.y == pytest.approx(39.92133699351022, abs=1e-12)


def test_offset_magnitude_beijing_and_foshan():
    geod = gpd.GeoSeries([Point(0, 0)], crs=4326).crs.get_geod()
    for lon, lat in [(116.404, 39.915), (113.12, 23.02), (130.3, 47.35)]:
        q = wgs84_to_gcj02(pts([(lon, lat)])).iloc[0]
        _, _, d = geod.inv(lon, lat, q.x, q.y)
        assert 100 < d < 800  # GCJ-02 shifts by a few hundred metres


def test_one_step_inverse_is_off_by_metres_ours_is_exact():
    gcj = np.array([116.41024449916938]), np.array([39.91640428150164])
    dlon, dlat = _gcj._gcj_offset(*gcj)
    naive = gcj[0] - dlon, gcj[1] - dlat
    exact = _gcj.gcj02_to_wgs84(*gcj)
    assert abs(exact[0][0] - 116.404) < 1e-9 and abs(exact[1][0] - 39.915) < 1e-9
    assert abs(naive[0][0] - 116.404) > 1e-6  # ~0.5 m and more


@settings(max_examples=200, deadline=None)
@given(st.floats(73.5, 135.0), st.floats(18.5, 53.0))
def test_round_trips_below_1cm_and_1e7_degrees(lon, lat):
    for fwd, inv in PAIRS:
        g = pts([(lon, lat)])
        back = inv(fwd(g)).iloc[0]
        assert abs(back.x - lon) < 1e-7 and abs(back.y - lat) < 1e-7
        # 1e-7 degrees is at most 1.1 cm; check the metric distance too
        assert abs(back.x - lon) * 111320 < 0.01 and abs(back.y - lat) * 110574 < 0.01


@pytest.mark.parametrize("func", [f for pair in PAIRS for f in pair])
def test_outside_china_unchanged(func):
    g = pts([(24.94, 60.17), (-74.0, 40.7), (139.7, 35.7), (0, 0)])
    out = func(g)
    assert out.geom_equals_exact(g, tolerance=0).all()


def test_all_geometry_types_empty_none_and_z(zoo_frame):
    with assert_not_mutated(zoo_frame):
        out = wgs84_to_gcj02(zoo_frame)
    assert list(out.index) == list(zoo_frame.index) and out.crs == zoo_frame.crs
    for name, a, b in zip(zoo_frame["name"], zoo_frame.geometry, out.geometry):
        if a is None:
            assert b is None
            continue
        assert a.geom_type == b.geom_type and a.is_empty == b.is_empty, name
        assert shapely.has_z(a) == shapely.has_z(b), name
        if not a.is_empty:
            ca, cb = shapely.get_coordinates(a, include_z=True), shapely.get_coordinates(b, include_z=True)
            assert ca.shape == cb.shape
            assert np.all(np.abs(cb[:, :2] - ca[:, :2]) > 1e-4)  # every vertex moved
            if ca.shape[1] == 3:
                np.testing.assert_array_equal(ca[:, 2], cb[:, 2])  # Z untouched
            back = gcj02_to_wgs84(gpd.GeoSeries([b], crs=4326)).iloc[0]
            np.testing.assert_allclose(shapely.get_coordinates(back), shapely.get_coordinates(a), atol=1e-9)


def test_projected_input_refused_and_wrong_type():
    g = pts([(113, 23)]).to_crs(4547)
    with pytest.raises(CRSError, match="longitude/latitude"):
        wgs84_to_gcj02(g)
    with pytest.raises(GeometryTypeError, match="`geo` must be a GeoDataFrame or GeoSeries") as exc:
        wgs84_to_gcj02([Point(113, 23)])
    assert isinstance(exc.value, TypeError)  # still caught by `except TypeError`


def test_vectorised_many_points():
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(100, 125, 20000), rng.uniform(20, 45, 20000)
    g = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    back = bd09_to_wgs84(wgs84_to_bd09(g))
    assert np.max(np.abs(back.x.values - lon)) < 1e-9 and np.max(np.abs(back.y.values - lat)) < 1e-9
