import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point, Polygon, box

from urbangeo import io
from urbangeo.errors import (
    CRSError,
    EmptyDataError,
    GeoreferenceError,
    InvalidOptionError,
    MissingColumnError,
    RasterError,
    UrbangeoWarning,
)
from urbangeo.testing import assert_not_mutated


def sample():
    return gpd.GeoDataFrame(
        {
            "名称": ["春申湖公园", "鹤岗矿区", None],
            "ZLDWDM": ["440604001001", "440604001002", "440604002001"],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "area_m2": [1.5, np.nan, 3.25],
            "kind": pd.Categorical(["park", "lake", "park"], categories=["lake", "park", "farm"]),
            "n": np.array([10, 20, 30], dtype="int32"),
        },
        geometry=[box(0, 0, 1, 1), Polygon([(2, 2), (3, 2), (3, 3)]), box(5, 5, 6, 7)],
        crs="EPSG:4547",
    )


def test_geopackage_round_trip_loses_nothing(tmp_path):
    g = sample()
    path = tmp_path / "out.gpkg"
    with assert_not_mutated(g):
        io.write(g, path, layer="parcels")
    back = io.read(path, layer="parcels")
    assert list(back.columns) == list(g.columns)  # column order too, geometry included
    pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")), pd.DataFrame(g.drop(columns="geometry")))
    assert back.crs == g.crs
    assert back.geometry.geom_equals_exact(g.geometry, tolerance=0).all()


def test_many_layers_in_one_geopackage(tmp_path):
    path = tmp_path / "city.gpkg"
    pts = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    lines = gpd.GeoDataFrame({"id": [1]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326)
    io.write(sample(), path, layer="parcels")
    io.write(pts, path, layer="points")
    io.write(lines, path, layer="streets")
    layers = io.list_layers(path)
    assert set(layers["name"]) == {"parcels", "points", "streets"}
    io.write(pts.iloc[:1], path, layer="points")  # replace one layer, keep the others
    assert len(io.read(path, layer="points")) == 1 and len(io.read(path, layer="parcels")) == 3
    io.write(pts, path, layer="points", mode="a")
    assert len(io.read(path, layer="points")) == 3


def test_object_columns_of_numbers_stay_numbers(tmp_path):
    g = gpd.GeoDataFrame(
        {"facility_1": pd.Series([3, None, 7], dtype=object), "mixed": pd.Series([1.5, None, 2], dtype=object),
         "text": pd.Series(["a", None, "c"], dtype=object)},
        geometry=[Point(0, 0)] * 3, crs=4547,
    )
    io.write(g, tmp_path / "n.gpkg")
    back = io.read(tmp_path / "n.gpkg")
    assert back["facility_1"].dtype == object and back["facility_1"].tolist() == [3, None, 7]
    assert [type(v) for v in back["facility_1"]] == [int, type(None), int]
    assert back["mixed"].tolist() == [1.5, None, 2.0] and back["text"].tolist()[0] == "a"
    io.write(g, tmp_path / "n.geojson")  # no dtype metadata: numbers, not text
    assert io.read(tmp_path / "n.geojson")["facility_1"].astype(float).tolist()[::2] == [3.0, 7.0]


def test_geometry_first_column_order_kept(tmp_path):
    g = sample()
    g = g[["geometry", *[c for c in g.columns if c != "geometry"]]]
    io.write(g, tmp_path / "o.gpkg")
    assert list(io.read(tmp_path / "o.gpkg").columns) == list(g.columns)


def test_index_and_geometry_name_survive(tmp_path):
    g = sample().set_index("ZLDWDM").rename_geometry("geom")
    io.write(g, tmp_path / "x.gpkg")
    back = io.read(tmp_path / "x.gpkg")
    assert back.index.name == "ZLDWDM" and list(back.index) == list(g.index)
    assert back.geometry.name == "geom"


@pytest.mark.parametrize("ext", [".geojson", ".fgb", ".shp"])
def test_other_formats_keep_values_text_and_crs(tmp_path, ext):
    g = sample().drop(columns=["flag", "kind"]).rename(columns={"area_m2": "area"})
    path = tmp_path / f"out{ext}"
    io.write(g, path)
    back = io.read(path)
    assert back.crs.equals(g.crs)
    assert list(back["名称"][:2]) == ["春申湖公园", "鹤岗矿区"] and pd.isna(back["名称"].iloc[2])
    np.testing.assert_allclose(back["count"].astype(float), [1.0, np.nan, 3.0])
    if ext == ".shp":  # the format stores exterior rings clockwise: same shapes, other vertex order
        assert back.geometry.geom_equals(g.geometry).all()
    else:
        assert back.geometry.geom_equals_exact(g.geometry, tolerance=1e-9).all()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_geoparquet_round_trip(tmp_path):
    pytest.importorskip("pyarrow")
    g = sample()
    io.write(g, tmp_path / "x.parquet")
    back = io.read(tmp_path / "x.parquet")
    pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")), pd.DataFrame(g.drop(columns="geometry")))
    assert back.crs == g.crs


def test_bad_paths_and_options(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        io.read(tmp_path / "missing.gpkg")
    with pytest.raises(InvalidOptionError, match="extension '.xyz'"):
        io.write(sample(), tmp_path / "a.xyz")
    with pytest.raises(InvalidOptionError, match="10 bytes"):
        io.write(sample().rename(columns={"area_m2": "a_very_long_field"}), tmp_path / "a.shp")
    assert io.write(sample(), tmp_path / "noext").suffix == ".gpkg"


def test_raster_round_trip_and_georeference(tmp_path):
    from rasterio.transform import from_origin

    arr = np.ma.masked_invalid(np.array([[1.0, np.nan], [3.0, 4.0]], dtype="float32"))
    prof = {"crs": "EPSG:4547", "transform": from_origin(500000, 2500000, 5, 5), "dtype": "float32"}
    path = io.write_raster(arr, tmp_path / "w.tif", profile=prof)
    r = io.read_raster(path)
    assert r.crs.to_epsg() == 4547 and r.transform.a == 5
    assert (~r.valid).tolist() == [[False, True], [False, False]] and r.array[1, 1] == 4.0
    # a Raster is written with its own grid, and comes back equal
    again = io.read_raster(io.write_raster(r, tmp_path / "again.tif"))
    assert again.same_grid(r) and np.array_equal(again.array, r.array, equal_nan=True)
    with pytest.raises(InvalidOptionError, match="profile"):
        io.write_raster(r, tmp_path / "y.tif", profile=prof)
    with pytest.raises(InvalidOptionError, match="profile"):
        io.write_raster(arr, tmp_path / "z.tif")
    with pytest.raises(GeoreferenceError, match="no CRS"):
        io.write_raster(arr, tmp_path / "x.tif", profile={**prof, "crs": None})
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    plain = {"driver": "GTiff", "width": 2, "height": 2, "count": 1, "dtype": "uint8"}
    with pytest.warns(NotGeoreferencedWarning), rasterio.open(tmp_path / "plain.tif", "w", **plain) as dst:
        dst.write(np.zeros((1, 2, 2), dtype="uint8"))
    with pytest.warns(NotGeoreferencedWarning), pytest.raises(GeoreferenceError, match=r"^`source '.*plain.tif'` has no CRS"):
        io.read_raster(tmp_path / "plain.tif")


def test_read_real_data(shared_data):
    plots = io.read(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    assert len(plots) == 407 and plots.crs.to_epsg() == 3857
    dem = io.read_raster(shared_data("raster/minnesota_dem_1m.tif"))
    assert dem.shape == (400, 400) and dem.crs.to_epsg() == 26915


# ------------------------------------------------------------------ typed errors that say what to do


def test_missing_layer_lists_the_layers(tmp_path):
    from urbangeo.errors import LayerNotFoundError

    path = tmp_path / "two.gpkg"
    io.write(sample(), path, layer="parks")
    io.write(sample().iloc[:1], path, layer="lakes")
    for layer in ("nope", 5):
        with pytest.raises(LayerNotFoundError, match=r"`layer`.*Available layers: 'parks', 'lakes'") as e:
            io.read(path, layer=layer)
        assert isinstance(e.value, LookupError)
        assert ("'nope' is not in" if layer == "nope" else "out of range") in str(e.value)
        assert "layer='parks'" in str(e.value)


def test_mixed_geometry_types_to_shapefile_say_what_to_do(tmp_path):
    from urbangeo.errors import GeometryTypeError

    g = gpd.GeoDataFrame({"kind": ["gate", "lake", "path"]},
                         geometry=[Point(0, 0), box(0, 0, 1, 1), LineString([(0, 0), (1, 1)])], crs="EPSG:4547")
    with assert_not_mutated(g), pytest.raises(GeometryTypeError, match=r"(?s)Shapefile holds one geometry type.*\.gpkg.*geom_type") as e:
        io.write(g, tmp_path / "mixed.shp")
    assert isinstance(e.value, TypeError)
    assert not any(tmp_path.iterdir())  # nothing half-written
    # the advice works: a GeoPackage takes them all, or one Shapefile per type
    assert len(io.read(io.write(g, tmp_path / "mixed.gpkg"))) == 3
    for kind, part in g.groupby(g.geom_type):
        io.write(part, tmp_path / f"mixed_{kind.lower()}.shp")
    # polygons and multipolygons are one Shapefile type
    from shapely import MultiPolygon

    poly = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), MultiPolygon([box(2, 2, 3, 3), box(4, 4, 5, 5)])], crs=4547)
    assert len(io.read(io.write(poly, tmp_path / "poly.shp"))) == 2


def test_geotiffs_are_compressed_and_float32_when_lossless(tmp_path):
    import rasterio
    from rasterio.enums import Compression
    from rasterio.transform import from_origin

    prof = {"crs": "EPSG:4547", "transform": from_origin(500000, 2500000, 5, 5)}
    small = np.array([[0.125, 1.5], [2.25, np.nan]])  # float64, exactly representable in float32
    ints = np.array([[1, 2], [3, 4]], dtype="int16")
    precise = np.array([[1e6 + 1e-3, 0.0], [1.0, 2.0]])  # float32 would lose the millimetre
    cases = [(small, {}, "float32", "3"), (ints, {}, "int16", "2"), (precise, {}, "float64", "3"),
             (small, {"dtype": "float64"}, "float64", "3")]
    for i, (arr, extra, dtype, predictor) in enumerate(cases):
        path = io.write_raster(arr, tmp_path / f"r{i}.tif", profile={**prof, **extra})
        with rasterio.open(path) as src:
            assert src.compression == Compression.deflate, i
            assert src.dtypes[0] == dtype, i
            assert src.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == predictor, i
            np.testing.assert_array_equal(src.read(1), np.asarray(arr).astype(dtype))
    # explicit compression is respected
    path = io.write_raster(ints, tmp_path / "lzw.tif", profile=prof, compress="lzw")
    with rasterio.open(path) as src:
        assert src.compression == Compression.lzw


def test_read_checks_columns_and_bbox_and_warns_without_crs(tmp_path):
    path = io.write(sample(), tmp_path / "a.gpkg", layer="parcels")
    with pytest.raises(MissingColumnError, match=r"`columns`: 'nope' is not a column of layer 'parcels'.*"
                                                 r"Available columns: 名称, ZLDWDM"):
        io.read(path, layer="parcels", columns=["ZLDWDM", "nope"])
    assert list(io.read(path, layer="parcels", columns=["ZLDWDM"]).columns) == ["ZLDWDM", "geometry"]
    for bbox in [(10, 0, 0, 10), (0, 10, 10, 0), (0, 0, np.nan, 1), (0, 0, 1), ("a", 0, 1, 1)]:
        with pytest.raises(InvalidOptionError, match="^`bbox`"):
            io.read(path, layer="parcels", bbox=bbox)
    assert len(io.read(path, layer="parcels", bbox=(0, 0, 1.5, 1.5))) == 1
    no_crs = tmp_path / "no_crs.gpkg"  # (GeoJSON would be read as EPSG:4326, its standard CRS)
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # pyogrio, writing it on purpose
        sample()[["ZLDWDM", "geometry"]].set_crs(None, allow_override=True).to_file(no_crs, engine="pyogrio")
    with pytest.warns(UrbangeoWarning, match=r"`source` '.*no_crs.gpkg' has no CRS.*set_crs\('EPSG:4490'\)") as rec:
        back = io.read(no_crs)
    assert back.crs is None and len(back) == 3
    assert rec[0].filename == __file__  # stacklevel: points at the caller


def test_write_refuses_a_frame_without_crs(tmp_path):
    g = sample().set_crs(None, allow_override=True)
    for target in (tmp_path / "a.gpkg", tmp_path / "a.shp", tmp_path / "a.parquet"):
        with assert_not_mutated(g), pytest.raises(CRSError, match=r"^`gdf` has no CRS.*gdf.set_crs\('EPSG:4490'\)"):
            io.write(g, target)
        assert not target.exists()


def test_write_raster_refuses_text_empty_and_boolean_arrays(tmp_path):
    from rasterio.transform import from_origin

    prof = {"crs": "EPSG:4547", "transform": from_origin(500000, 2500000, 5, 5)}
    with pytest.raises(RasterError, match=r"`raster` must hold numbers, but has dtype <U1"):
        io.write_raster(np.full((3, 4), "a"), tmp_path / "t.tif", profile=prof)
    with pytest.raises(EmptyDataError, match=r"`raster` has no cells \(shape \(0, 0\)\)"):
        io.write_raster(np.ones((0, 0)), tmp_path / "e.tif", profile=prof)
    with pytest.raises(RasterError, match="`raster` must be 2-D"):
        io.write_raster(np.ones(3), tmp_path / "1d.tif", profile=prof)
    with pytest.raises(RasterError, match="dtype='uint8'"):
        io.write_raster(np.ones((2, 2), bool), tmp_path / "b.tif", profile=prof)
    assert not any(tmp_path.iterdir())  # nothing half-written
    back = io.read_raster(io.write_raster(np.eye(2, dtype=bool), tmp_path / "b.tif", profile=prof, dtype="uint8"))
    assert back.array.dtype == "uint8" and back.array.tolist() == [[1, 0], [0, 1]]
