"""Compensation (estimate_compensation, compensation_by_village): exact mu, area
weighting across zones, official TBDLMJ area, village sums."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from urbangeo.errors import (
    ColumnTypeError,
    CRSMismatchError,
    EmptyDataError,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidGeometryError,
    InvalidOptionError,
    MissingColumnError,
    MissingValuesWarning,
    UrbangeoWarning,
)
from urbangeo.landuse import (
    MU_M2,
    compensation_by_village,
    estimate_compensation,
    m2_to_mu,
    modelled_parcels,
    modelled_price_zones,
)
from urbangeo.testing import assert_not_mutated

CRS = "EPSG:4547"


@pytest.fixture
def zones():
    # Jilin 2020 grades I-III (yuan per mu): three vertical strips
    return gpd.GeoDataFrame(
        {
            "grade": ["I", "II", "III"],
            "price_per_mu": [60030.0, 41354.0, 33350.0],
            "resettlement_per_mu": [10000.0, 8000.0, 6000.0],
        },
        geometry=[shapely.box(0, 0, 100, 1000), shapely.box(100, 0, 200, 1000), shapely.box(200, 0, 300, 1000)],
        crs=CRS,
    )


def test_mu_is_exact():
    assert MU_M2 == 10000 / 15
    assert m2_to_mu(10000 / 15) == pytest.approx(1.0, abs=1e-15)
    assert m2_to_mu(666.7) != 1.0
    np.testing.assert_allclose(m2_to_mu(np.array([15000.0, 2000.0])), [22.5, 3.0])


def test_area_weighted_across_zones(zones):
    parcels = gpd.GeoDataFrame(
        {"ZLDWDM": ["4406040010010000001", "4406040010010000002", "4406040010020000001"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(50, 100, 250, 200), shapely.box(250, 200, 300, 230)],
        crs=CRS,
    )
    with assert_not_mutated(parcels, zones):
        out = estimate_compensation(parcels, zones, components=["price_per_mu", "resettlement_per_mu"])
    # parcel 1: 1/4 in I, 1/2 in II, 1/4 in III
    w = 0.25 * 60030 + 0.5 * 41354 + 0.25 * 33350
    np.testing.assert_allclose(out.price_per_mu, [60030.0, w, 33350.0])
    np.testing.assert_allclose(out.area_mu, [15.0, 30.0, 2.25])
    np.testing.assert_allclose(out.price_yuan, [15 * 60030.0, 30 * w, 2.25 * 33350.0])
    np.testing.assert_allclose(out.resettlement_yuan, [15 * 1e4, 30 * (0.25 * 1e4 + 0.5 * 8e3 + 0.25 * 6e3), 2.25 * 6e3])
    np.testing.assert_allclose(out.compensation_yuan, out.price_yuan + out.resettlement_yuan)
    assert (out.area_source == "geometry").all()
    np.testing.assert_allclose(out.zone_share, 1.0)
    v = compensation_by_village(out)
    assert v.index.tolist() == ["440604001001", "440604001002"]
    assert v.n_parcels.tolist() == [2, 1]
    np.testing.assert_allclose(v.area_mu, [45.0, 2.25])
    np.testing.assert_allclose(v.compensation_yuan.sum(), out.compensation_yuan.sum())


def test_official_area_tbdlmj_is_used_when_present(zones):
    parcels = gpd.GeoDataFrame(
        {"TBDLMJ": [9400.0, np.nan]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(0, 100, 100, 200)],
        crs=CRS,
    )
    out = estimate_compensation(parcels, zones)
    assert out.area_source.tolist() == ["TBDLMJ", "geometry"]
    np.testing.assert_allclose(out.area_mu, [9400 * 15 / 10000, 15.0])
    np.testing.assert_allclose(out.compensation_yuan, [14.1 * 60030, 15 * 60030])
    geo = estimate_compensation(parcels, zones, area_col=None)
    np.testing.assert_allclose(geo.area_mu, 15.0)


def test_partly_and_fully_outside_zones(zones):
    parcels = gpd.GeoDataFrame(
        geometry=[shapely.box(250, 0, 350, 100), shapely.box(500, 0, 600, 100)], crs=CRS
    )
    with pytest.warns(UrbangeoWarning, match="outside every price zone"):
        out = estimate_compensation(parcels, zones)
    np.testing.assert_allclose(out.zone_share, [0.5, 0.0])
    assert out.price_per_mu[0] == pytest.approx(33350.0)
    assert np.isnan(out.compensation_yuan[1])


def test_modelled_conserves_totals():
    parcels = modelled_parcels(2000, seed=2)
    zones = modelled_price_zones(parcels)
    out = estimate_compensation(parcels, zones, components=["price_per_mu", "resettlement_per_mu",
                                                            "social_security_per_mu"])
    # reference: geopandas.overlay area weights
    ov = gpd.overlay(parcels.reset_index(), zones, how="intersection", keep_geom_type=True)
    ov["w"] = ov.area * ov["price_per_mu"]
    ref = ov.groupby("index")["w"].sum() / ov.assign(a=ov.area).groupby("index")["a"].sum()
    # zones are curved rings; overlay and the STRtree path differ by < 1e-5 on the weights
    np.testing.assert_allclose(out.price_per_mu.to_numpy(), ref.reindex(parcels.index).to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(out.area_m2, parcels.TBDLMJ)
    v = compensation_by_village(out)
    assert v.n_parcels.sum() == len(parcels)
    np.testing.assert_allclose(v.compensation_yuan.sum(), out.compensation_yuan.sum())
    assert (v.index.str.len() == 12).all()


def test_errors(zones):
    parcels = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=CRS)
    with pytest.raises(CRSMismatchError):
        estimate_compensation(parcels, zones.to_crs(4326))
    with pytest.raises(MissingColumnError, match="price"):
        estimate_compensation(parcels, zones, price_col="price")
    with pytest.raises(InvalidOptionError):
        estimate_compensation(parcels, zones, components=[])
    with pytest.raises(MissingColumnError, match="ZLDWDM"):
        compensation_by_village(pd.DataFrame({"area_m2": [1.0], "area_mu": [1.0], "compensation_yuan": [1.0]}))


def _three_parcels():
    # in zone I only; half in I, half in II; in zone III only
    return gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(50, 100, 150, 200), shapely.box(200, 0, 300, 100)],
        crs=CRS,
    )


def test_negative_prices_and_areas_raise(zones):
    parcels = _three_parcels()
    bad = zones.assign(resettlement_per_mu=[10000.0, -8000.0, 6000.0])
    with pytest.raises(InvalidOptionError, match=r"`price_zones\['resettlement_per_mu'\]` has 1 negative") as err:
        estimate_compensation(parcels, bad, components=["price_per_mu", "resettlement_per_mu"])
    assert "rows 1" in str(err.value) and "-8000" in str(err.value)
    neg_area = parcels.assign(TBDLMJ=[10000.0, -5.0, np.nan])
    with pytest.raises(InvalidOptionError, match=r"`parcels\['TBDLMJ'\]` has 1 negative"):
        estimate_compensation(neg_area, zones)
    # NaN official areas keep falling back to the geometric area, row by row (documented, reported)
    out = estimate_compensation(parcels.assign(TBDLMJ=[9400.0, np.nan, np.nan]), zones)
    assert out.area_source.tolist() == ["TBDLMJ", "geometry", "geometry"]


def test_missing_prices_warn_and_give_nan(zones):
    parcels = _three_parcels()
    gap = zones.assign(price_per_mu=[60030.0, np.nan, 33350.0])
    with assert_not_mutated(parcels, gap), pytest.warns(MissingValuesWarning) as rec:
        out = estimate_compensation(parcels, gap, components=["price_per_mu", "resettlement_per_mu"])
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "1 price zones have no 'price_per_mu' (rows 1)" in msg and "1 parcels" in msg
    assert "price_zones.dropna(subset=['price_per_mu'])" in msg
    # parcel 1 touches the zone without a price: NaN, never a price computed from half of it
    np.testing.assert_allclose(out.price_per_mu, [60030.0, np.nan, 33350.0])
    np.testing.assert_allclose(out.compensation_yuan, [15 * 70030.0, np.nan, 15 * 39350.0])
    np.testing.assert_allclose(out.resettlement_yuan, [15 * 1e4, 15 * 9000.0, 15 * 6000.0])
    info = out.attrs["compensation"]
    assert info["zones_missing_values"] == {"price_per_mu": [1]}
    assert info["parcels_missing_price"] == [1]


def test_line_price_zones_are_a_geometry_type_error(zones):
    parcels = _three_parcels()
    with pytest.raises(GeometryTypeError, match="`price_zones` must hold MultiPolygon/Polygon.*LineString") as err:
        estimate_compensation(parcels, zones.assign(geometry=zones.boundary))
    assert "geometry type" in str(err.value)


def test_m2_to_mu_refuses_text_and_keeps_missing_values():
    with pytest.raises(ColumnTypeError, match=r"`area_m2` must hold numbers.*'big'.*pandas.to_numeric"):
        m2_to_mu(np.array(["big", "small"]))
    with pytest.raises(ColumnTypeError, match="`area_m2`"):
        m2_to_mu(pd.Series(["10000", 2000.0], dtype=object))
    np.testing.assert_allclose(m2_to_mu(pd.array([10000.0, None], dtype="Float64")), [15.0, np.nan])
    np.testing.assert_allclose(m2_to_mu([[10000, 2000], [None, 0]]), [[15.0, 3.0], [np.nan, 0.0]])


def test_invalid_price_zones_follow_on_invalid(zones):
    parcels = _three_parcels()
    x0, y0, x1, y1 = zones.geometry.iloc[2].bounds
    bad = zones.copy()
    bad.loc[2, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # bowtie
    with assert_not_mutated(bad), pytest.raises(InvalidGeometryError, match="`price_zones` has 1 invalid"):
        estimate_compensation(parcels, bad, on_invalid="raise")
    with pytest.warns(GeometryFixedWarning, match="`price_zones`: repaired 1"):
        out = estimate_compensation(parcels, bad)
    # the repaired bowtie is two triangles on the zone's long sides meeting at its centre:
    # they cover 2 x 500 m2 of the 100 m x 100 m zone-III parcel
    assert out.loc[2, "zone_share"] == pytest.approx(0.1)
    assert out.loc[2, "price_per_mu"] == 33350.0


def test_compensation_by_village_refuses_an_empty_frame():
    df = pd.DataFrame({"ZLDWDM": [], "area_m2": [], "area_mu": [], "compensation_yuan": []})
    with pytest.raises(EmptyDataError, match="`compensated` has no rows"):
        compensation_by_village(df)
