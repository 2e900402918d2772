"""layer_to_gdf / gdf_to_layer inside a real QGIS (qgis._core loaded with RTLD_GLOBAL).

Round trips keep fields, types, NULLs, Chinese text, CRS and geometry types; real layers
opened by QGIS itself (GeoPackage, GeoJSON) read the same as geopandas reads them.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings

import pytest

try:
    import qgis.core  # noqa: F401  (already loaded with RTLD_GLOBAL by the root conftest.py)
except ImportError:
    reason = "QGIS's Python bindings are not importable here; run `make test-qgis`"
    pytest.skip(os.environ.get("URBANGEO_QGIS_SKIP_REASON", reason), allow_module_level=True)

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely import LineString, MultiPoint, MultiPolygon, Point, Polygon

from urbangeo.errors import GeometryTypeError, InvalidOptionError, UrbangeoWarning
from urbangeo.testing import assert_not_mutated

pytestmark = pytest.mark.qgis


@pytest.fixture(scope="module")
def conv(qgis_app):
    import urbangeo.qgis as uq

    return uq


def _typed_frame() -> gpd.GeoDataFrame:
    square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    return gpd.GeoDataFrame(
        {
            "名称": ["公园", "学校", None],
            "flag": np.array([True, False, True]),
            "nflag": pd.array([True, None, False], dtype="boolean"),
            "i32": np.array([1, -2, 2_000_000_000], dtype="int32"),
            "i64": np.array([1, 2, 9_000_000_000_000], dtype="int64"),
            "nint": pd.array([7, None, -1], dtype="Int64"),
            "area_m2": [1.5, np.nan, -3.25],
            "when": pd.to_datetime(["2024-01-02 03:04:05", None, "1999-12-31 23:59:59"]),
            "day": [dt.date(2024, 5, 1), None, dt.date(1970, 1, 1)],
            "missing": [["school", "clinic"], [], None],
        },
        geometry=[square, MultiPolygon([square, Polygon([(20, 20), (30, 20), (30, 30)])]), None],
        crs=4547,
    )


def test_round_trip_keeps_fields_types_values(conv):
    from qgis.core import QgsWkbTypes
    from qgis.PyQt.QtCore import QVariant

    gdf = _typed_frame()
    with assert_not_mutated(gdf):
        layer = conv.gdf_to_layer(gdf, name="typed")
    assert layer.isValid() and layer.name() == "typed"
    assert layer.featureCount() == 3
    assert layer.wkbType() == QgsWkbTypes.MultiPolygon  # Polygon + MultiPolygon share a multi layer
    assert layer.crs().authid() == "EPSG:4547"
    qtypes = {f.name(): f.type() for f in layer.fields()}
    assert qtypes == {
        "名称": QVariant.String, "flag": QVariant.Bool, "nflag": QVariant.Bool, "i32": QVariant.Int,
        "i64": QVariant.LongLong, "nint": QVariant.LongLong, "area_m2": QVariant.Double,
        "when": QVariant.DateTime, "day": QVariant.Date, "missing": QVariant.StringList,
    }  # fmt: skip

    back = conv.layer_to_gdf(layer)
    assert back.index.tolist() == [f.id() for f in layer.getFeatures()]  # the feature ids ($id)
    assert back.crs == CRS.from_epsg(4547)
    assert list(back.columns) == [*gdf.columns[:-1], "geometry"]
    assert back["名称"].tolist()[:2] == ["公园", "学校"] and pd.isna(back["名称"].iloc[2])
    assert back["flag"].dtype == bool and back["flag"].tolist() == [True, False, True]
    assert str(back["nflag"].dtype) == "boolean" and back["nflag"].isna().tolist() == [False, True, False]
    assert back["i32"].dtype == np.int32 and back["i32"].tolist() == [1, -2, 2_000_000_000]
    assert back["i64"].dtype == np.int64 and back["i64"].tolist() == [1, 2, 9_000_000_000_000]
    assert str(back["nint"].dtype) == "Int64" and back["nint"].iloc[0] == 7 and back["nint"].iloc[2] == -1
    assert back["nint"].isna().tolist() == [False, True, False]
    np.testing.assert_array_equal(back["area_m2"].to_numpy(), gdf["area_m2"].to_numpy())
    assert back["when"].tolist()[0] == pd.Timestamp("2024-01-02 03:04:05") and pd.isna(back["when"].iloc[1])
    assert back["day"].tolist() == [dt.date(2024, 5, 1), None, dt.date(1970, 1, 1)]
    assert back["missing"].iloc[0] == ["school", "clinic"] and back["missing"].iloc[2] is None
    # geometry: exact coordinates, single polygon promoted to a one-part multipolygon, None kept
    assert back.geometry.iloc[0].geom_type == "MultiPolygon"
    assert shapely.equals_exact(back.geometry.iloc[0].geoms[0], gdf.geometry.iloc[0], tolerance=0)
    assert shapely.equals_exact(back.geometry.iloc[1], gdf.geometry.iloc[1], tolerance=0)
    assert back.geometry.iloc[2] is None


@pytest.mark.parametrize(
    ("geoms", "expected"),
    [
        ([Point(1, 2), Point(3, 4)], "Point"),
        ([Point(1, 2), MultiPoint([(0, 0), (1, 1)])], "MultiPoint"),
        ([LineString([(0, 0, 1), (5, 5, 2)]), LineString([(0, 0), (1, 1)])], "LineStringZ"),
        ([Polygon([(0, 0), (1, 0), (1, 1)]), Point()], "Polygon"),  # empty point ignored for the type
    ],
)
def test_geometry_types_kept(conv, geoms, expected):
    from qgis.core import QgsWkbTypes

    gdf = gpd.GeoDataFrame({"k": range(len(geoms))}, geometry=geoms, crs=4326)
    layer = conv.gdf_to_layer(gdf)
    assert QgsWkbTypes.displayString(layer.wkbType()) == expected
    back = conv.layer_to_gdf(layer)
    for a, b in zip(gdf.geometry, back.geometry):
        if a.is_empty:
            assert b is None  # empty geometries become NULL geometries
        elif expected.startswith("Multi") and not a.geom_type.startswith("Multi"):
            assert len(b.geoms) == 1 and shapely.equals_exact(b.geoms[0], a, tolerance=0)
        else:
            assert shapely.equals_exact(b, a, tolerance=0)
            assert shapely.has_z(b) == shapely.has_z(a) or expected.endswith("Z")
    assert back.crs == CRS.from_epsg(4326)


def test_custom_crs_and_no_crs(conv):
    custom = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=113.25 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs")
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(500_000, 2_500_000)], crs=custom)
    back = conv.layer_to_gdf(conv.gdf_to_layer(gdf))
    assert back.crs is not None and back.crs.equals(custom, ignore_axis_order=True)
    lonlat = gpd.GeoSeries([Point(500_000, 2_500_000)], crs=custom).to_crs(4326).iloc[0]
    assert lonlat.x == pytest.approx(back.to_crs(4326).geometry.iloc[0].x, abs=1e-9)
    none = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)])
    assert conv.layer_to_gdf(conv.gdf_to_layer(none)).crs is None


def test_table_without_geometry(conv):
    from qgis.core import QgsWkbTypes

    df = pd.DataFrame({"from": ["耕地", "林地"], "area_m2": [10.0, 2.5]}, index=pd.Index(["a", "b"], name="key"))
    layer = conv.gdf_to_layer(df, name="table")
    assert layer.wkbType() == QgsWkbTypes.NoGeometry
    assert [f.name() for f in layer.fields()] == ["key", "from", "area_m2"]  # a named index becomes a field
    back = conv.layer_to_gdf(layer)
    assert back["key"].tolist() == ["a", "b"] and back["from"].tolist() == ["耕地", "林地"]
    assert back.geometry.isna().all()


def test_bad_inputs(conv):
    mixed = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[Point(0, 0), Polygon([(0, 0), (1, 0), (1, 1)])], crs=4326)
    with pytest.raises(GeometryTypeError, match="mixes geometry types"):
        conv.gdf_to_layer(mixed)
    dup = gpd.GeoDataFrame(pd.DataFrame([[1, 2]], columns=["a", "a"]), geometry=[Point(0, 0)], crs=4326)
    with pytest.raises(InvalidOptionError, match="duplicate column names"):
        conv.gdf_to_layer(dup)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        conv.gdf_to_layer([Point(0, 0)])
    with pytest.raises(TypeError, match="vector layer"):
        conv.layer_to_gdf("parcels.gpkg")


def test_m_values_and_curves_are_reported(conv):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer("CompoundCurveM?crs=EPSG:3857", "curves", "memory")
    feat = QgsFeature()
    feat.setGeometry(QgsGeometry.fromWkt("CompoundCurveM((0 0 1, 1 0 2), CircularStringM(1 0 2, 2 1 3, 3 0 4))"))
    assert layer.dataProvider().addFeatures([feat])[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdf = conv.layer_to_gdf(layer)
    messages = sorted(str(w.message) for w in caught if issubclass(w.category, UrbangeoWarning))
    assert len(messages) == 2 and "M values of 1" in messages[0] and "segmentized 1 curved" in messages[1]
    line = gdf.geometry.iloc[0]
    assert line.geom_type == "LineString" and not line.has_z
    assert line.coords[0] == (0.0, 0.0) and line.coords[-1] == pytest.approx((3.0, 0.0))
    assert len(line.coords) > 4  # the arc became many straight segments


@pytest.mark.parametrize(("rel", "layer_name"), [("vector/prague_bubenec.gpkg", "plots"), ("vector/shenzhen_districts.geojson", None)])
def test_real_layers_read_like_geopandas(conv, shared_data, rel, layer_name):
    from qgis.core import QgsVectorLayer

    path = shared_data(rel)
    uri = f"{path}|layername={layer_name}" if layer_name else str(path)
    layer = QgsVectorLayer(uri, "real", "ogr")
    assert layer.isValid()
    got = conv.layer_to_gdf(layer)
    ref = gpd.read_file(path, layer=layer_name) if layer_name else gpd.read_file(path)
    assert len(got) == len(ref) == layer.featureCount()
    assert got.crs == ref.crs
    for col in ref.columns.drop("geometry"):
        assert got[col].tolist() == ref[col].tolist(), col
    assert bool(got.geometry.geom_equals_exact(ref.geometry, tolerance=0, align=False).all())
    # and back: the memory layer holds the same features (Polygon + MultiPolygon -> multi layer)
    layer2 = conv.gdf_to_layer(got)
    assert layer2.featureCount() == len(ref) and layer2.crs() == layer.crs()
    again = conv.layer_to_gdf(layer2)
    promoted = ref.geometry.apply(lambda g: shapely.MultiPolygon([g]) if g.geom_type == "Polygon" and (ref.geom_type == "MultiPolygon").any() else g)
    assert bool(again.geometry.geom_equals_exact(promoted, tolerance=0, align=False).all())
    for col in ref.columns.drop("geometry"):
        assert again[col].tolist() == ref[col].tolist(), col
