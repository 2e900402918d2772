"""Reference tables and code validation (urbangeo.landuse.codes)."""

import csv

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from urbangeo.errors import MissingColumnError, UnknownCodeError, UnknownCodeWarning
from urbangeo.landuse import codes
from urbangeo.testing import assert_not_mutated


def test_gbt_table_counts_and_categories():
    t = codes.land_classes(variants=False)
    assert (t.level == 1).sum() == 12
    assert (t.level == 2).sum() == 73
    # every level-2 class has a category and a parent among the level-1 codes
    lvl2 = t[t.level == 2]
    assert lvl2.category.isin(["A", "C", "U"]).all()
    assert set(lvl2.parent) == set(t.index[t.level == 1])
    # level-1 classes whose level-2 children are in more than one category have none
    mixed = {p for p, g in lvl2.groupby("parent") if g.category.nunique() > 1}
    assert mixed == {"04", "10", "11", "12"}
    assert t.loc[sorted(mixed), "category"].isna().all()
    # 2017 edition: 0603 is salt pan, 0604 storage (the 2007 edition differs)
    assert t.loc["0603", "name_en"] == "Salt pan"
    assert t.loc["0604", "name_zh"] == "仓储用地"


def test_table_matches_the_reference_csv(shared_data):
    ref_path = shared_data().parent / "reference" / "gbt21010_2017.csv"
    if not ref_path.exists():
        pytest.skip("shared reference table absent")
    with open(ref_path, encoding="utf-8") as f:
        ref = {r["code"]: r for r in csv.DictReader(f)}
    t = codes.land_classes(variants=False)
    assert set(ref) == set(t.index)
    for code, r in ref.items():
        assert t.loc[code, "name_zh"] == r["name_zh"]
        assert t.loc[code, "name_en"] == r["name_en"]
        cat = t.loc[code, "category"]
        assert ("" if pd.isna(cat) else cat) == r["three_category"]


def test_variants_point_to_known_base_codes():
    t = codes.land_classes()
    var = t[t.is_variant]
    assert {"05H1", "0508", "08H1", "08H2", "0810A", "1104A", "1107A", "0201K", "1104K"} <= set(var.index)
    assert var.base_code.isin(t.index[~t.is_variant]).all()
    # K variants keep the category of their base class
    k = var[var.index.str.endswith("K")]
    assert (k.category.values == t.loc[k.base_code, "category"].values).all()
    assert codes.level1_of(["0508", "08H2A", "1104K"]).tolist() == ["05", "08", "11"]


def test_crosswalk_covers_every_level2_code():
    t = codes.land_classes()
    lvl2 = t[t.level == 2]
    assert lvl2.planning_code.notna().all()
    assert lvl2.planning_code.isin(codes.planning_classes().index).all()
    assert len(codes.planning_classes()) == 24
    assert codes.planning_class_of(["0101", "0702", "0809", "0810", "1109"]).tolist() == ["01", "07", "13", "14", "13"]


def test_ownership_and_collective():
    own = codes.ownership_codes()
    assert list(own.index) == ["10", "20", "30", "31", "32", "33", "34", "40"]
    assert codes.is_collective([30, 31, 32, 33, 34, 40, 10, 20]).tolist() == [True] * 5 + [False] * 3


def test_normalize_restores_leading_zero_and_case():
    s = pd.Series([101, 101.0, " 0101", "05h1", None, "1104k"], index=list("abcdef"))
    out = codes.normalize_codes(s)
    assert out.index.tolist() == list("abcdef")
    assert out.tolist()[:4] == ["0101", "0101", "0101", "05H1"]
    assert pd.isna(out["e"]) and out["f"] == "1104K"
    assert codes.normalize_codes([30], kind="ownership").tolist() == ["30"]


def test_lookups():
    with pytest.warns(UnknownCodeWarning, match=r"category_of: `values` .* \('ZZ'\); they give <NA>"):
        got = codes.category_of(["0101", "0404", "1006", "1103", "1201", "1203", "zz"]).tolist()
    assert got[:6] == ["A", "U", "A", "C", "C", "A"]
    with pytest.warns(UnknownCodeWarning, match="'ZZ'"):
        assert pd.isna(codes.category_of(["zz"]).iloc[0])
    assert codes.name_of(["0702"], lang="zh").tolist() == ["农村宅基地"]


def test_lookups_warn_about_unknown_codes_only():
    # missing values and known level-1 codes stay <NA> without a warning
    assert codes.category_of(["04", None, float("nan")]).isna().all()
    for func in (codes.level1_of, codes.name_of, codes.planning_class_of):
        with pytest.warns(UnknownCodeWarning, match=rf"{func.__name__}: `values` .*'9999'") as rec:
            assert pd.isna(func(["0101", "9999"]).iloc[1])
        assert rec[0].filename == __file__  # stacklevel: the warning points at the caller
    with pytest.warns(UnknownCodeWarning, match=r"is_collective: `values` .*'99'.*give False") as rec:
        assert codes.is_collective(["99", "30", None]).tolist() == [False, True, False]
    assert rec[0].filename == __file__


def test_validate_codes_lists_bad_codes_and_rows():
    gdf = gpd.GeoDataFrame(
        {"DLBM": ["0101", "0603", "9999", None, "abc", "9999", "05H1"]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(7)],
        index=[10, 11, 12, 13, 14, 15, 16],
        crs=3857,
    )
    with assert_not_mutated(gdf), pytest.raises(UnknownCodeError) as exc:
        codes.validate_codes(gdf, code_col="DLBM")
    err = exc.value
    assert sorted(err.codes) == ["9999", "<missing>", "ABC"]
    assert err.rows == [12, 13, 14, 15]
    assert "'9999' (rows 12, 15)" in str(err)
    # missing allowed
    with pytest.raises(UnknownCodeError) as exc:
        codes.validate_codes(gdf, code_col="DLBM", allow_missing=True)
    assert exc.value.rows == [12, 14, 15]
    codes.validate_codes(gdf.loc[[10, 11, 16]], code_col="DLBM")  # valid: no error


def test_validate_codes_level1_and_ownership():
    df = pd.DataFrame({"DLBM": ["01", "0101"], "QSXZ": [30, 99]})
    codes.validate_codes(df)
    with pytest.raises(UnknownCodeError, match="'01'"):
        codes.validate_codes(df, allow_level1=False)
    with pytest.raises(UnknownCodeError) as exc:
        codes.validate_codes(df, code_col="QSXZ", kind="ownership")
    assert exc.value.codes == ["99"] and exc.value.rows == [1]
    with pytest.raises(MissingColumnError, match="QSXZX"):
        codes.validate_codes(df, code_col="QSXZX")
