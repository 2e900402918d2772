import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point, Polygon, box

from urbangeo._validate import (
    check_choice,
    check_columns,
    check_geodataframe,
    check_geometries,
    check_geometry_types,
    check_number,
    validate_frame,
)
from urbangeo.errors import (
    ColumnTypeError,
    CRSError,
    DroppedRowsWarning,
    EmptyDataError,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidGeometryError,
    InvalidOptionError,
    MissingColumnError,
    UrbangeoError,
)
from urbangeo.testing import assert_not_mutated

BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])


def parcels():
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0201", "0601", "1203"], "area": [1.0, 2.0, 3.0, 4.0]},
        geometry=[box(0, 0, 10, 10), BOWTIE, None, Polygon()],
        index=["a", "b", "c", "d"],
        crs=4547,
    )


def test_errors_inherit_builtins():
    assert issubclass(MissingColumnError, KeyError) and issubclass(MissingColumnError, UrbangeoError)
    assert issubclass(GeometryTypeError, TypeError) and issubclass(InvalidGeometryError, ValueError)
    assert str(MissingColumnError("plain message")) == "plain message"  # no KeyError quoting


def test_check_geodataframe_types_and_empty():
    with pytest.raises(TypeError, match="`parcels` must be a geopandas GeoDataFrame, got DataFrame.*points_from_xy"):
        check_geodataframe(pd.DataFrame({"a": [1]}), "parcels")
    with pytest.raises(TypeError, match="GeoSeries"):
        check_geodataframe(gpd.GeoSeries([Point(0, 0)]), "origins")
    with pytest.raises(EmptyDataError, match="`origins` has no rows"):
        check_geodataframe(gpd.GeoDataFrame(geometry=[], crs=4326), "origins")


def test_missing_and_mistyped_columns():
    g = parcels()
    with pytest.raises(MissingColumnError, match=r"no column 'QSXZ'.*Available columns: DLBM, area"):
        check_columns(g, "parcels", ["DLBM", "QSXZ"])
    with pytest.raises(ColumnTypeError, match=r"'DLBM' of `parcels` must be numeric.*to_numeric"):
        check_columns(g, "parcels", {"DLBM": "numeric"})
    check_columns(g, "parcels", {"DLBM": "string", "area": "numeric"})
    g2 = g.assign(flag=[True, False, True, False])
    with pytest.raises(ColumnTypeError):
        check_columns(g2, "parcels", {"flag": "numeric"})  # booleans are not numbers here


def test_geometry_types_families():
    g = gpd.GeoDataFrame(geometry=[Point(0, 0), LineString([(0, 0), (1, 1)]), None], crs=4326)
    with pytest.raises(GeometryTypeError, match=r"rows 1 are LineString.*representative_point"):
        check_geometry_types(g, "origins", ["point"])
    check_geometry_types(g, "origins", ["point", "line"])


def test_on_invalid_policies_report_everything():
    g = parcels()
    with assert_not_mutated(g):
        with pytest.raises(InvalidGeometryError, match=r"1 invalid geometries \(row 'b': Self-intersection.*on_invalid='fix'"):
            check_geometries(g, "parcels")
        with pytest.warns(GeometryFixedWarning), pytest.warns(DroppedRowsWarning, match="2 of 4 rows used"):
            fixed, rep = check_geometries(g, "parcels", on_invalid="fix")
        assert rep.fixed == ["b"] and rep.excluded == {"missing or empty geometry": ["c", "d"]}
        assert list(fixed.index) == ["a", "b"] and fixed.is_valid.all()
        assert fixed.geometry.loc["b"].geom_type in ("Polygon", "MultiPolygon")
        assert fixed.geometry.loc["b"].area == pytest.approx(50.0)  # two triangles of 25
        with pytest.warns(DroppedRowsWarning, match="1 rows excluded \\(invalid geometry\\)"):
            dropped, rep = check_geometries(g, "parcels", on_invalid="drop")
        assert list(dropped.index) == ["a"] and rep.n_excluded == 3
        with pytest.warns(GeometryFixedWarning, match="may be wrong"), pytest.warns(DroppedRowsWarning):
            kept, _ = check_geometries(g, "parcels", on_invalid="warn")
        assert list(kept.index) == ["a", "b"]
    with pytest.raises(InvalidOptionError, match="`on_invalid` must be one of"):
        check_geometries(g, "parcels", on_invalid="ignore")


def test_all_missing_is_an_error():
    g = gpd.GeoDataFrame(geometry=[None, Point()], crs=4326)
    with pytest.warns(DroppedRowsWarning), pytest.raises(EmptyDataError, match="no usable geometry"):
        check_geometries(g, "origins")


def test_validate_frame_checks_crs_first():
    g = parcels().set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="`parcels` has no CRS"):
        validate_frame(g, "parcels")


def test_zoo_through_validation(zoo_geometry):
    name, geom = zoo_geometry
    g = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[box(0, 0, 1, 1), geom], crs=4547)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        warnings.simplefilter("ignore", GeometryFixedWarning)
        out, rep = check_geometries(g, "zoo", on_invalid="fix")
    if geom is None or geom.is_empty:
        assert rep.n_excluded == 1 and len(out) == 1
    else:
        assert len(out) == 2 and out.is_valid.all()


def test_choice_and_number_messages():
    assert check_choice("bike", "mode", ["walk", "bike"]) == "bike"
    with pytest.raises(InvalidOptionError, match="`mode` must be one of 'walk', 'bike'; got 'car'"):
        check_choice("car", "mode", ["walk", "bike"])
    with pytest.raises(InvalidOptionError, match="`minutes` must be > 0"):
        check_number(0, "minutes", minimum=0, strict=True)
    with pytest.raises(InvalidOptionError, match="must be a number"):
        check_number("5", "minutes")
    with pytest.raises(InvalidOptionError, match="finite"):
        check_number(np.inf, "minutes")


def test_assert_not_mutated_detects_changes():
    g = parcels()
    with pytest.raises(AssertionError), assert_not_mutated(g):
        g["area"] = g["area"] * 2
    g = parcels()
    with pytest.raises(AssertionError, match="CRS changed"), assert_not_mutated(g):
        g.set_crs(4326, allow_override=True, inplace=True)
