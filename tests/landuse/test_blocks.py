"""Contiguous blocks (assemble_blocks, block_membership): hand cases, networkx and
geopandas.dissolve as references, area conservation on real and modelled parcels."""

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from urbangeo.errors import DroppedRowsWarning, InvalidOptionError, MissingColumnError
from urbangeo.landuse import (
    assemble_blocks,
    assign_modelled_attributes,
    block_membership,
    load_profile,
    modelled_parcels,
)
from urbangeo.testing import assert_not_mutated

with warnings.catch_warnings():  # networkx 3.2 has invalid escapes that py3.11 flags when compiling
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx

CRS = "EPSG:4547"


def boxes(coords, **cols):
    return gpd.GeoDataFrame(cols, geometry=[shapely.box(*c) for c in coords], crs=CRS)


def test_touching_corner_gap_and_by():
    p = boxes(
        [(0, 0, 10, 10), (10, 0, 20, 10), (20, 10, 30, 20), (40, 0, 50, 10), (53, 0, 60, 10)],
        QSXZ=["32", "32", "10", "31", "32"],
        village=["a", "a", "b", "b", "b"],
    )
    with assert_not_mutated(p):
        m = block_membership(p)
    assert m.block_id.tolist() == [0, 0, 0, 1, 2]  # the corner touch (20, 10) links parcel 2
    assert block_membership(p, gap_m=3).block_id.tolist() == [0, 0, 0, 1, 1]
    assert block_membership(p, gap_m=2.99).block_id.tolist() == [0, 0, 0, 1, 2]
    assert block_membership(p, gap_m=10, group_by="village").block_id.tolist() == [0, 0, 1, 1, 1]
    b = assemble_blocks(p, group_by="village", gap_m=10, min_area_m2=250)
    assert b.village.tolist() == ["a", "b"]
    assert b.n_parcels.tolist() == [2, 3]
    np.testing.assert_allclose(b.area_m2, [200, 270])
    assert b.under_min_area.tolist() == [True, False]
    assert b.loc[1, "geometry"].geom_type == "MultiPolygon"  # gaps are not filled


def test_polsby_popper_and_ownership_mix():
    p = boxes([(0, 0, 10, 10), (10, 0, 20, 10), (0, 10, 10, 20), (10, 10, 20, 20)], QSXZ=[32, 32, 32, 10])
    b = assemble_blocks(p, min_area_m2=0)
    assert len(b) == 1
    assert b.polsby_popper[0] == pytest.approx(np.pi / 4)  # square: 4 pi s^2 / (4 s)^2
    assert b.perimeter_m[0] == pytest.approx(80.0)
    assert b.ownership_mix[0] == "10:0.25, 32:0.75"
    assert b.collective_share[0] == pytest.approx(0.75)
    assert not b.under_min_area[0]


def test_min_area_default_comes_from_the_profile():
    p = boxes([(0, 0, 100, 99)])
    assert assemble_blocks(p).under_min_area[0]  # 9,900 m2 < 1 ha placeholder
    assert not assemble_blocks(p, profile=load_profile("national", min_block_area_m2=5000.0)).under_min_area[0]


def test_public_interest_share():
    # 10 ha plan: 3.5 ha roads and green (12, 14), 6.5 ha industrial (10)
    p = boxes([(0, 0, 350, 100), (350, 0, 1000, 100)], plan=["1207", "1001"])
    b = assemble_blocks(p, planning_col="plan")
    assert b.public_interest_share[0] == pytest.approx(0.35)
    assert not b.public_interest_ok[0]  # national: 40 %
    g = assemble_blocks(p, planning_col="plan", profile=load_profile("guangdong", public_interest_share_min=0.30))
    assert g.public_interest_ok[0]


def test_membership_matches_blocks_and_networkx_on_modelled_parcels():
    p = modelled_parcels(4000, seed=5)
    m = block_membership(p)
    b = assemble_blocks(p)
    # reference: networkx components of the geopandas sjoin(intersects) graph
    pairs = gpd.sjoin(p, p, predicate="intersects")
    g = nx.Graph()
    g.add_nodes_from(range(len(p)))
    g.add_edges_from(zip(pairs.index, pairs["index_right"]))
    comps = list(nx.connected_components(g))
    assert len(comps) == len(b) == m.block_id.nunique()
    for comp in comps:
        assert m.block_id[list(comp)].nunique() == 1
    # blocks' area = member parcels' area; parcel counts add up
    member_area = p.area.groupby(m.block_id).sum()
    np.testing.assert_allclose(b.area_m2.to_numpy(), member_area.to_numpy(), rtol=1e-9)
    assert b.n_parcels.sum() == len(p)
    # dissolved geometry equals geopandas' dissolve
    ref = p.assign(block_id=m.block_id).dissolve("block_id")
    sym = b.geometry.symmetric_difference(ref.geometry, align=True).area
    assert sym.max() < 1e-6


def test_real_prague_plots(shared_data):
    plots = gpd.read_file(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    parcels = assign_modelled_attributes(plots, seed=1)
    with assert_not_mutated(parcels):
        b = assemble_blocks(parcels, gap_m=0.5)
        m = block_membership(parcels, gap_m=0.5)
    assert b.crs == parcels.crs
    utm = parcels.to_crs(32633)
    # area conservation within each block: union of members vs dissolved block
    ref = utm.assign(block_id=m.block_id).dissolve("block_id").area
    np.testing.assert_allclose(b.area_m2.to_numpy(), ref.to_numpy(), rtol=1e-4, atol=0.5)
    assert b.n_parcels.sum() == len(parcels) == 407
    np.testing.assert_allclose(b.parcel_area_m2.sum(), utm.area.sum(), rtol=1e-5)
    # block ids agree with the reference graph of plots closer than 0.5 m
    pairs = gpd.sjoin(utm, utm, predicate="dwithin", distance=0.5)
    g = nx.Graph()
    g.add_nodes_from(range(len(utm)))
    g.add_edges_from(zip(pairs.index, pairs["index_right"]))
    assert nx.number_connected_components(g) == len(b)


def test_excluded_rows_and_errors():
    p = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), None], crs=CRS)
    with pytest.warns(DroppedRowsWarning):
        m = block_membership(p)
    assert m.block_id.tolist() == [0, 0, -1]
    with pytest.warns(DroppedRowsWarning):
        b = assemble_blocks(p)
    assert b.n_parcels.tolist() == [2]
    with pytest.raises(InvalidOptionError, match="gap_m"):
        assemble_blocks(p.iloc[:2], gap_m=-1)
    with pytest.raises(MissingColumnError, match="village"):
        assemble_blocks(p.iloc[:2], group_by="village")
    with pytest.raises(TypeError, match="GeoDataFrame"):
        assemble_blocks(p.geometry)


@settings(max_examples=25, deadline=None)
@given(
    cells=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=30, unique=True),
    gap=st.sampled_from([0.0, 0.5, 1.5]),
)
def test_property_blocks_conserve_area_and_match_graph(cells, gap):
    # boxes of 10 x 10 on a 11 m pitch: neighbours are 1 m apart
    p = boxes([(i * 11, j * 11, i * 11 + 10, j * 11 + 10) for i, j in cells], QSXZ=["32"] * len(cells))
    b = assemble_blocks(p, gap_m=gap, min_area_m2=0)
    m = block_membership(p, gap_m=gap)
    assert b.n_parcels.sum() == len(p)
    np.testing.assert_allclose(b.area_m2.sum(), 100.0 * len(p))
    np.testing.assert_allclose(b.area_m2.to_numpy(), p.area.groupby(m.block_id).sum().to_numpy())
    # reference graph: cells are linked iff the gap bridges the 1 m spacing (edge or corner)
    g = nx.Graph()
    g.add_nodes_from(range(len(cells)))
    for a, (i, j) in enumerate(cells):
        for c, (k, q) in enumerate(cells):
            near = max(abs(i - k), abs(j - q)) == 1
            corner = abs(i - k) == 1 and abs(j - q) == 1
            dist = np.sqrt(2.0) if corner else 1.0
            if a < c and near and gap >= dist:
                g.add_edge(a, c)
    assert nx.number_connected_components(g) == len(b)
    for comp in nx.connected_components(g):
        assert m.block_id[list(comp)].nunique() == 1
