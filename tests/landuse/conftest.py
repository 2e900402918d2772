"""Fixtures shared by the landuse tests."""

import geopandas as gpd
import pytest
import shapely


@pytest.fixture
def case():
    """Six parcels (EPSG:4547) and three constraint layers whose screening is computed by hand
    in test_screening.py: ``(parcels, development_boundary, basic_farmland, red_line)``."""
    crs = "EPSG:4547"
    rows = [
        (shapely.box(0, 0, 100, 100), "0101", "32"),  # eligible, cultivated 1 ha
        (shapely.box(100, 0, 200, 100), "0601", "10"),  # state-owned
        (shapely.box(200, 0, 300, 100), "0702", "31"),  # 30 m strip of basic farmland
        (shapely.box(300, 0, 400, 100), "1205", "32"),  # half outside the boundary
        (shapely.box(0, 100, 100, 200), "0404", "33"),  # red-line sliver 0.25 m2: tolerated
        (shapely.box(100, 100, 200, 200), "0601", "32"),  # eligible construction land
    ]
    parcels = gpd.GeoDataFrame({"DLBM": [r[1] for r in rows], "QSXZ": [r[2] for r in rows]},
                               geometry=[r[0] for r in rows], crs=crs)
    boundary = gpd.GeoDataFrame({"zone": ["集中建设区"]}, geometry=[shapely.box(-50, -50, 350, 300)], crs=crs)
    farmland = gpd.GeoDataFrame(geometry=[shapely.box(270, -10, 330, 50)], crs=crs)
    red = gpd.GeoDataFrame(geometry=[shapely.box(99.5, 150, 100.5, 150.5)], crs=crs)  # 0.5 m2 straddling parcels 4 and 5: 0.25 m2 on each
    return parcels, boundary, farmland, red
