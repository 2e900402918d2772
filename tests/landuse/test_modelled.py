"""urbangeo.landuse.modelled: the seeded, modelled parcels and layers the examples and tests use."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from urbangeo.errors import CRSError, InvalidOptionError
from urbangeo.landuse import (
    assign_modelled_attributes,
    modelled_constraints,
    modelled_parcels,
    modelled_price_zones,
    validate_codes,
)
from urbangeo.testing import assert_not_mutated


def test_parcels_are_reproducible_and_exactly_n():
    a, b = modelled_parcels(800, seed=6), modelled_parcels(800, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 800 and a.attrs["modelled"] and a.crs.to_epsg() == 4547
    assert not modelled_parcels(800, seed=7).geometry.geom_equals(a.geometry).all()


def test_parcels_form_a_coverage_with_valid_survey_codes():
    p = modelled_parcels(1500, seed=2)
    validate_codes(p, code_col="DLBM")
    validate_codes(p, code_col="QSXZ", kind="ownership")
    g = np.asarray(p.geometry.values, dtype=object)
    assert shapely.is_valid(g).all()
    # neighbours share edges exactly: no overlap between plots
    union = shapely.union_all(g)
    assert union.area == pytest.approx(shapely.area(g).sum(), rel=1e-12)
    # the official area deducts field ridges (KCXS) from the geometric area
    np.testing.assert_allclose(p.TBDLMJ, np.round(p.area * (1 - p.KCXS), 2))


def test_attributes_on_given_plots_keep_them():
    plots = gpd.GeoDataFrame({"name": ["a", "b", "c"]},
                             geometry=[shapely.box(i * 50, 0, i * 50 + 50, 40) for i in range(3)], crs=32650)
    with assert_not_mutated(plots):
        out = assign_modelled_attributes(plots, seed=3, county="110101", village_of=[0, 0, 1001])
    assert out["name"].tolist() == ["a", "b", "c"] and out.geometry.equals(plots.geometry)
    assert out.ZLDWDM.str[:6].eq("110101").all()
    assert out.ZLDWDM.str[9:12].tolist()[2] == "002"  # village 1002, written modulo 1000
    with pytest.raises(InvalidOptionError, match="village_of"):
        assign_modelled_attributes(plots, village_of=[0, 1])


def test_constraints_and_price_zones_cover_the_parcels():
    p = modelled_parcels(1000, seed=4)
    layers = modelled_constraints(p, seed=4)
    assert {k: v.crs == p.crs and v.attrs["modelled"] for k, v in layers.items()} == dict.fromkeys(layers, True)
    zones = modelled_price_zones(p, prices_per_mu=(50_000.0, 30_000.0))
    assert zones.grade.tolist() == ["I", "II"]
    assert shapely.union_all(zones.geometry.values).covers(shapely.union_all(p.geometry.values))
    np.testing.assert_allclose(zones.resettlement_per_mu, zones.price_per_mu * 0.3)


def test_generator_options_are_checked():
    with pytest.raises(InvalidOptionError, match="`n`"):
        modelled_parcels(0)
    with pytest.raises(InvalidOptionError, match="vacancy"):
        modelled_parcels(10, vacancy=1.0)
    with pytest.raises(CRSError, match="crs"):
        modelled_parcels(10, crs="EPSG:4326")
    with pytest.raises(InvalidOptionError, match="prices_per_mu"):
        modelled_price_zones(modelled_parcels(10), prices_per_mu=())
