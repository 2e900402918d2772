import geopandas as gpd
import numpy as np
import pytest
from pyproj import CRS
from shapely import Point, box

import urbangeo
from urbangeo.crs import check_same_crs, get_crs, gk_zone_crs, is_metric, metric_crs, to_metric, utm_crs
from urbangeo.errors import CRSError, CRSMismatchError, InvalidOptionError
from urbangeo.testing import assert_not_mutated


def frame(lon, lat, crs=4326):
    return gpd.GeoDataFrame({"v": [1]}, geometry=[Point(lon, lat)], crs=crs)


def test_no_crs_raises_with_argument_name_and_fix():
    g = gpd.GeoDataFrame(geometry=[Point(0, 0)])
    with pytest.raises(CRSError, match=r"`parcels` has no CRS.*set_crs"):
        get_crs(g, "parcels")
    with pytest.raises(ValueError):  # builtin still catches it
        to_metric(g, name="parcels")


def test_mismatch_names_both_crs_and_fix():
    a, b = frame(113, 23), frame(113, 23).to_crs(4547)
    with pytest.raises(CRSMismatchError) as exc:
        check_same_crs(parcels=a, red_line=b)
    msg = str(exc.value)
    assert "EPSG:4547" in msg and "EPSG:4326" in msg and "to_crs" in msg
    assert check_same_crs(parcels=a, other=frame(114, 22)).to_epsg() == 4326


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (113.1, 23.0, 4547),  # Foshan, CM 114E
        (116.99, 32.63, 4548),  # Huainan, CM 117E
        (130.3, 47.35, 4552),  # Hegang, CM 129E
        (120.15, 30.27, 4549),  # Hangzhou, CM 120E
        (75.99, 39.47, 4534),  # Kashgar, CM 75E
    ],
)
def test_china_gets_cgcs2000_gk_zone(lon, lat, epsg):
    crs = metric_crs(frame(lon, lat))
    cm = 3 * round(lon / 3)
    assert crs.to_epsg() == epsg == 4534 + (cm - 75) // 3
    assert "CGCS2000" in crs.name and f"CM {cm}E" in crs.name


def test_outside_china_gets_utm_and_southern_hemisphere():
    assert metric_crs(frame(24.94, 60.17)).to_epsg() == 32635
    assert metric_crs(frame(-8.61, 41.15)).to_epsg() == 32629
    assert metric_crs(frame(151.2, -33.9)).to_epsg() == 32756
    assert utm_crs(-180, 0).to_epsg() == 32601 and utm_crs(179.9, 0).to_epsg() == 32660


def test_gk_zone_clamps_to_family():
    assert gk_zone_crs(60).to_epsg() == 4534 and gk_zone_crs(140).to_epsg() == 4554
    codes = {gk_zone_crs(cm).to_epsg() for cm in range(75, 136, 3)}
    assert codes == set(range(4534, 4555))


@pytest.mark.parametrize(("func", "args", "name"), [
    (gk_zone_crs, (float("nan"),), "lon"), (gk_zone_crs, (500.0,), "lon"), (gk_zone_crs, ("113",), "lon"),
    (utm_crs, (24.9, 100.0), "lat"), (utm_crs, (float("nan"), 60.2), "lon"), (utm_crs, (24.9, float("inf")), "lat"),
    (utm_crs, (2_500_000.0, 500_000.0), "lon"),
])
def test_zone_functions_check_lon_lat(func, args, name):
    with pytest.raises(InvalidOptionError, match=rf"^`{name}` .* in degrees"):
        func(*args)


def test_metric_crs_refuses_coordinates_outside_their_crs():
    g = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000)], crs=4326)  # metres labelled lon/lat
    with pytest.raises(CRSError, match=r"`homes` is labelled EPSG:4326.*set_crs"):
        metric_crs(g, name="homes")


def test_override_argument_and_setting():
    g = frame(113.1, 23.0)
    assert metric_crs(g, crs="EPSG:32649").to_epsg() == 32649
    with urbangeo.settings.override(metric_crs="EPSG:32650"):
        assert metric_crs(g).to_epsg() == 32650
    with pytest.raises(CRSError, match=r"^`crs`: .*not a projected CRS in metres.*crs=None"):
        metric_crs(g, crs=4326)
    with urbangeo.settings.override(metric_crs="EPSG:4326"), pytest.raises(
            CRSError, match=r"^`urbangeo.settings.metric_crs`: .*metric_crs = None"):
        metric_crs(g)


def test_metric_input_kept_web_mercator_reprojected():
    g = frame(113.1, 23.0).to_crs(32649)
    assert metric_crs(g).to_epsg() == 32649
    merc = frame(24.94, 60.17).to_crs(3857)
    assert not is_metric(merc.crs)
    assert metric_crs(merc).to_epsg() == 32635
    assert not is_metric("EPSG:4490") and is_metric("EPSG:2383")  # Xian 1980 GK is metric


def test_to_metric_returns_copy_and_areas_are_true():
    # a 0.01 x 0.01 degree cell at 60N: area ~ 1113 m * 556 m
    g = gpd.GeoDataFrame(geometry=[box(24.9, 60.1, 24.91, 60.11)], crs=4326)
    with assert_not_mutated(g):
        m = to_metric(g)
    assert m is not g and g.crs.to_epsg() == 4326
    area = m.area.iloc[0]
    geod_area = abs(CRS(4326).get_geod().geometry_area_perimeter(g.geometry.iloc[0])[0])
    assert area == pytest.approx(geod_area, rel=2e-3)
    # Web Mercator would have been 1/cos^2(60) = 4x too big
    assert g.to_crs(3857).area.iloc[0] / geod_area == pytest.approx(4.0, rel=0.02)


def test_metric_crs_on_empty_geometries_raises():
    g = gpd.GeoDataFrame(geometry=[None, Point()], crs=4326)
    with pytest.raises(CRSError, match="no non-empty geometry"):
        metric_crs(g, name="origins")


def test_antimeridian_centre():
    g = gpd.GeoDataFrame(geometry=[Point(179.5, -17), Point(-179.5, -17)], crs=4326)
    assert metric_crs(g).to_epsg() in (32760, 32701)


def test_not_mutated_same_results_in_any_crs():
    g = gpd.GeoDataFrame(geometry=[box(113.10, 23.00, 113.11, 23.01)], crs=4326)
    a1 = to_metric(g).area.iloc[0]
    a2 = to_metric(g.to_crs(3857)).area.iloc[0]
    assert np.isclose(a1, a2, rtol=1e-9)


# ------------------------------------------------------------------ unreadable CRS arguments


@pytest.mark.parametrize("bad", ["EPSG:999999", "not a crs", 12.5])
def test_unreadable_crs_argument_names_argument_problem_and_fix(bad):
    g = gpd.GeoDataFrame(geometry=[Point(113.1, 23.0)], crs=4326)
    with pytest.raises(CRSError, match=r"`crs`.*cannot read.*EPSG:4547") as e:
        to_metric(g, crs=bad)
    assert isinstance(e.value, ValueError)
    with pytest.raises(CRSError, match="`crs`"):
        metric_crs(g, crs=bad)
    with pytest.raises(CRSError, match="`crs`"):
        is_metric(bad)
    with pytest.raises(CRSError, match=r"`parcels`.*set_crs"):
        get_crs(bad, "parcels")
