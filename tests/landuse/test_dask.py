"""dask_geopandas support: the same results as in memory, blocks split across
partitions merged into one."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from urbangeo.landuse import (
    assemble_blocks,
    block_membership,
    estimate_compensation,
    modelled_constraints,
    modelled_parcels,
    modelled_price_zones,
    screen_conversion,
)

dask_geopandas = pytest.importorskip("dask_geopandas")

CRS = "EPSG:4547"


def chain(n=10, gap=0.0):
    """n boxes in a row; rows ordered even boxes first, so 2 partitions split every link."""
    order = list(range(0, n, 2)) + list(range(1, n, 2))
    geoms = [shapely.box(i * (10 + gap), 0, i * (10 + gap) + 10, 10) for i in order]
    return gpd.GeoDataFrame({"pos": order, "QSXZ": ["32"] * n}, geometry=geoms, crs=CRS)


def test_block_split_by_partitions_is_merged():
    p = chain(10)
    d = dask_geopandas.from_geopandas(p, npartitions=2, sort=False)
    assert d.npartitions == 2
    # inside each partition no two boxes touch: 5 + 5 local blocks, one global block
    parts = [d.get_partition(i).compute() for i in range(2)]
    assert [block_membership(x).block_id.nunique() for x in parts] == [5, 5]
    m = block_membership(d)
    assert isinstance(m, dask_geopandas.GeoDataFrame)
    assert m.compute().block_id.tolist() == [0] * 10
    b = assemble_blocks(d, min_area_m2=0)
    assert isinstance(b, gpd.GeoDataFrame) and len(b) == 1
    assert b.n_parcels[0] == 10 and b.area_m2[0] == pytest.approx(1000.0)
    assert b.geometry[0].equals(shapely.box(0, 0, 100, 10))
    # with a 2 m gap the chain only connects when gap_m >= 2
    g = dask_geopandas.from_geopandas(chain(10, gap=2.0), npartitions=2, sort=False)
    assert block_membership(g, gap_m=2.0).compute().block_id.nunique() == 1
    assert block_membership(g, gap_m=1.0).compute().block_id.nunique() == 10


def test_by_is_respected_across_partitions():
    p = chain(6).assign(village=["a", "a", "a", "b", "b", "b"])  # pos 0,2,4 -> a ; 1,3,5 -> b
    d = dask_geopandas.from_geopandas(p, npartitions=2, sort=False)
    ref = block_membership(p, group_by="village", gap_m=10.5)
    got = block_membership(d, group_by="village", gap_m=10.5).compute()
    assert got.block_id.tolist() == ref.block_id.tolist()
    assert got.block_id.nunique() == 2


@pytest.mark.parametrize("npartitions", [1, 5])
def test_same_results_as_in_memory(npartitions):
    p = modelled_parcels(2500, seed=11)
    layers = modelled_constraints(p, seed=11)
    d = dask_geopandas.from_geopandas(p, npartitions=npartitions)
    s, sd = screen_conversion(p, **layers), screen_conversion(d, **layers).compute()
    for col in ["eligible", "n_failed", "excluded"]:
        assert s[col].tolist() == sd[col].tolist()
    for col in ["area_m2", "quota_m2", "overlap_basic_farmland_m2", "overlap_red_line_m2", "inside_boundary_m2"]:
        np.testing.assert_allclose(s[col].to_numpy(), sd[col].to_numpy())
    # dask may store text as pyarrow strings: compare values
    assert s.failed_tests.tolist() == sd.failed_tests.astype(object).tolist()
    assert s.approval_level.fillna("-").tolist() == sd.approval_level.astype(object).fillna("-").tolist()
    el = s[s.eligible]
    de = dask_geopandas.from_geopandas(el, npartitions=npartitions)
    b, bd = assemble_blocks(el), assemble_blocks(de)
    assert len(b) == len(bd)
    np.testing.assert_allclose(b.area_m2, bd.area_m2, rtol=1e-9)
    assert b.n_parcels.tolist() == bd.n_parcels.tolist()
    assert b.ownership_mix.tolist() == bd.ownership_mix.tolist()
    assert block_membership(el).block_id.tolist() == block_membership(de).compute().block_id.tolist()
    z = modelled_price_zones(p)
    np.testing.assert_allclose(
        estimate_compensation(p, z).compensation_yuan, estimate_compensation(d, z).compute().compensation_yuan
    )


def test_dask_crs_mismatch():
    from urbangeo.errors import CRSMismatchError

    d = dask_geopandas.from_geopandas(chain(4).assign(DLBM="0601"), npartitions=2)
    red = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(CRSMismatchError):
        screen_conversion(d, route="market_entry", red_line=red)
