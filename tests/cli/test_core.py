"""`urbangeo layers | info | convert` (urbangeo/cli/core.py).
"""

from __future__ import annotations

import os

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal

import urbangeo
from tests.cli._helpers import run


def test_layers_info_convert(tmp_path, shared_data):
    gpkg = shared_data("vector/prague_bubenec.gpkg")
    out = run("layers", gpkg).output
    for layer in ("plots", "buildings", "streets"):
        assert layer in out
    plots = gpd.read_file(gpkg, layer="plots")
    info = run("info", f"{gpkg}#plots").output
    assert f"rows:      {len(plots):,}" in info and "EPSG:3857" in info and "TYPPPD_KOD" in info
    # convert: format, layer name, reprojection; values equal the plain geopandas path
    run("convert", f"{gpkg}#plots", tmp_path / "plots.geojson", "--to-crs", "EPSG:32633")
    back = gpd.read_file(tmp_path / "plots.geojson")
    assert_geodataframe_equal(back, plots.to_crs(32633), check_less_precise=True, check_dtype=False)
    run("convert", f"{gpkg}#plots", f"{tmp_path / 'out.gpkg'}#parcels")
    assert_geodataframe_equal(urbangeo.read(tmp_path / "out.gpkg", layer="parcels"), plots)
    run("convert", f"{gpkg}#plots", f"{tmp_path / 'out.gpkg'}#parcels", "--append")
    assert len(urbangeo.read(tmp_path / "out.gpkg", layer="parcels")) == 2 * len(plots)

def test_convert_gcj02(tmp_path):
    from urbangeo.crs import gcj02_to_wgs84

    pois = gpd.GeoDataFrame({"名称": ["春申湖"]}, geometry=gpd.points_from_xy([116.99], [32.63]), crs=4326)
    urbangeo.write(pois, tmp_path / "gcj.gpkg")
    run("convert", tmp_path / "gcj.gpkg", tmp_path / "wgs.gpkg", "--from-datum", "gcj02")
    got = urbangeo.read(tmp_path / "wgs.gpkg")
    assert_geodataframe_equal(got, gcj02_to_wgs84(pois))
    shift_m = gpd.GeoSeries(got.geometry).to_crs(4547).distance(pois.to_crs(4547).geometry).iloc[0]
    assert 100 < shift_m < 1000  # GCJ-02 offsets are hundreds of metres

@pytest.mark.postgis
def test_convert_to_postgis(tmp_path):
    url = os.environ.get("URBANGEO_TEST_PG")
    if not url:
        pytest.skip("no PostGIS server: URBANGEO_TEST_PG is not set (run `make test-postgis`)")
    pois = gpd.GeoDataFrame({"名称": ["公园", ""]}, geometry=gpd.points_from_xy([113.1, 113.2], [23.0, 23.1]), crs=4490)
    urbangeo.write(pois, tmp_path / "p.gpkg")
    table = f"public.cli_{os.getpid()}"
    run("convert", tmp_path / "p.gpkg", f"{url}#{table}")
    try:
        run("convert", f"{url}#{table}", tmp_path / "back.gpkg")
        assert_geodataframe_equal(urbangeo.read(tmp_path / "back.gpkg"), pois)
        assert table in run("layers", url).output
    finally:
        import sqlalchemy as sa

        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
