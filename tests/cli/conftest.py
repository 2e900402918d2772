"""Fixtures of the command-line tests: real data written to files once per worker.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely import box

import urbangeo
from tests.cli._helpers import HELSINKI


@pytest.fixture(scope="package")
def acc_data(tmp_path_factory, shared_data):
    """Real Helsinki network + origins (nodes moved 15 m off the street) and facilities."""
    from urbangeo.accessibility import network_from_osm

    pbf = shared_data(HELSINKI)
    net = network_from_osm(pbf)
    nodes = net.nodes.to_crs(4326)
    rng = np.random.default_rng(42)
    idx = rng.choice(len(nodes), 60, replace=False)
    origins = gpd.GeoDataFrame(
        {"pop": rng.integers(10, 500, 40).astype(float)},
        geometry=nodes.geometry.iloc[idx[:40]].to_crs(net.crs).translate(15, 0).to_crs(4326).values,
        crs=4326,
    )
    facilities = gpd.GeoDataFrame(
        {"doctors": rng.integers(1, 6, 20).astype(float), "kind": ["clinic", "pharmacy"] * 10},
        geometry=nodes.geometry.iloc[idx[40:]].values,
        crs=4326,
    )
    d = tmp_path_factory.mktemp("cli_acc")
    urbangeo.write(origins, d / "origins.gpkg")
    urbangeo.write(facilities, d / "facilities.gpkg")
    return {"pbf": pbf, "net": net, "origins": origins, "facilities": facilities, "dir": d}

@pytest.fixture
def panels(tmp_path):
    """A 1000 m x 1000 m longwall panel (modelled): W0 = m q = 3 x 0.8 = 2.4 m."""
    gdf = gpd.GeoDataFrame(
        {"m": [3.0], "q": [0.8], "H": [400.0]}, geometry=[box(500000, 3600000, 501000, 3601000)], crs=4547
    )
    urbangeo.write(gdf, tmp_path / "panels.gpkg")
    return gdf, tmp_path / "panels.gpkg"

@pytest.fixture(scope="package")
def two_dates(tmp_path_factory, shared_data):
    """Real Prague plots; 'after' reclassifies a modelled subset (deterministic)."""
    plots = gpd.read_file(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    before = plots[["geometry"]].copy()
    before["DLBM"] = np.where(np.arange(len(plots)) % 3 == 0, "0101", "0702")
    before["QSXZ"] = np.where(np.arange(len(plots)) % 4 == 0, "10", "32")  # modelled ownership
    after = before.copy()
    after.loc[after.index % 5 == 0, "DLBM"] = "0601"
    d = tmp_path_factory.mktemp("cli_lu")
    urbangeo.write(before, d / "before.gpkg")
    urbangeo.write(after, d / "after.gpkg")
    x0, y0, x1, y1 = before.total_bounds
    boundary = gpd.GeoDataFrame(geometry=[box(x0, y0, x1 - (x1 - x0) / 4, y1)], crs=before.crs)
    urbangeo.write(boundary, d / "boundary.gpkg")
    zones = gpd.GeoDataFrame(
        {"price_per_mu": [60_030.0, 41_354.0], "resettlement_per_mu": [18_009.0, 12_406.2]},
        geometry=[box(x0, y0, (x0 + x1) / 2, y1), box((x0 + x1) / 2, y0, x1, y1)],
        crs=before.crs,
    )
    urbangeo.write(zones, d / "zones.gpkg")
    return before, after, d
