"""Subsidence and land-use algorithms through ``processing.run`` inside real QGIS.

Inputs are modelled in code (a rectangular mining panel with closed-form answers,
small cadastral parcels with GB/T 21010 codes, two land-use rasters); every output
is compared with a direct call of the library on the same inputs.
"""

from __future__ import annotations

import os

import pytest

try:
    import qgis.core  # noqa: F401  (already loaded with RTLD_GLOBAL by the root conftest.py)
except ImportError:
    reason = "QGIS's Python bindings are not importable here; run `make test-qgis`"
    pytest.skip(os.environ.get("URBANGEO_QGIS_SKIP_REASON", reason), allow_module_level=True)

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

import urbangeo.io
from urbangeo.errors import UrbangeoWarning

pytestmark = pytest.mark.qgis


@pytest.fixture(scope="module")
def env(qgis_app):
    import processing

    import urbangeo.qgis as uq

    return processing, uq


def _run(env, alg, params, feedback=None):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    return env[0].run(f"urbangeo:{alg}", params, context=QgsProcessingContext(), feedback=feedback or QgsProcessingFeedback())


def _recording_feedback():
    from qgis.core import QgsProcessingFeedback

    class Recorder(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.warnings = []

        def pushWarning(self, text):
            self.warnings.append(text)

    return Recorder()


def _layer(path, layer):
    from qgis.core import QgsVectorLayer

    lyr = QgsVectorLayer(f"{path}|layername={layer}", layer, "ogr")
    assert lyr.isValid(), path
    return lyr


def _read(env, path, layer):
    return env[1].layer_to_gdf(_layer(path, layer))


# --------------------------------------------------------------------------------------
# subsidence
# --------------------------------------------------------------------------------------
def test_predict_subsidence_and_restoration_zones(env, tmp_path):
    import rasterio

    from urbangeo.subsidence import predict_deformation, read_raster, restoration_zones

    panels = gpd.GeoDataFrame({"m": [3.0], "q": [0.8], "tan_beta": [2.0]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=4547)
    src = tmp_path / "panels.gpkg"  # a modelled panel: W0 = m q = 2.4 m, r = H / tan_beta = 200 m
    urbangeo.io.write(panels, src, layer="panels")
    res = _run(env, "predict_subsidence", {
        "PANELS": _layer(src, "panels"), "RESOLUTION_M": 20.0, "H": 400.0,
        "OUTPUT": str(tmp_path / "w.tif"), "TILT_MAX": str(tmp_path / "tilt.tif"),
    })  # fmt: skip
    with rasterio.open(res["OUTPUT"]) as ds:
        w = ds.read(1)
        assert ds.crs.to_epsg() == 4547 and ds.res == (20.0, 20.0)
    ref = predict_deformation(panels, quantities=("subsidence", "tilt_max"), resolution_m=20.0, params={"H": 400.0})
    # the GeoTIFF stores float32 when that changes no value by more than io.FLOAT32_ATOL (1e-6 m)
    from urbangeo.io import FLOAT32_ATOL

    np.testing.assert_allclose(w, ref["subsidence"].array, rtol=0, atol=FLOAT32_ATOL)
    assert w.max() == pytest.approx(2.4, abs=1e-3)
    assert w.sum() * 400.0 == pytest.approx(2.4 * 1e6, rel=1e-3)  # volume = W0 x panel area
    with rasterio.open(res["TILT_MAX"]) as ds:
        assert ds.read(1).max() == pytest.approx(2.4 / 200.0, rel=0.02)  # W0 / r

    res = _run(env, "restoration_zones", {"SUBSIDENCE": res["OUTPUT"], "GROUNDWATER_DEPTH_M": 1.5,
                                          "OUTPUT": str(tmp_path / "zones.gpkg")})  # fmt: skip
    got = _read(env, res["OUTPUT"], "zones")
    ref = restoration_zones(read_raster(tmp_path / "w.tif"), groundwater_depth_m=1.5)
    assert len(got) == len(ref) > 1
    assert got["restoration_use"].tolist() == ref["restoration_use"].tolist()
    np.testing.assert_allclose(got["area_m2"], ref["area_m2"], rtol=1e-12)
    np.testing.assert_allclose(got["storage_volume_m3"], ref["storage_volume_m3"], rtol=1e-12)
    assert got.area.sum() == pytest.approx(ref["area_m2"].sum(), rel=1e-9)  # polygons carry the areas
    assert got.crs.to_epsg() == 4547


# --------------------------------------------------------------------------------------
# land use
# --------------------------------------------------------------------------------------
@pytest.fixture
def parcels_gpkg(tmp_path):
    boxes = [shapely.box(x, 0, x + 100, 100) for x in (0, 100, 200, 500)]
    parcels = gpd.GeoDataFrame(
        {"DLBM": ["0101", "0601", "0702", "0301"], "QSXZ": ["32", "10", "32", "31"], "村": ["东村", "东村", "西村", "西村"]},
        geometry=boxes, crs="EPSG:4547",
    )  # modelled parcels
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(-10, -10, 1000, 300)], crs="EPSG:4547")
    farmland = gpd.GeoDataFrame(geometry=[shapely.box(520, 0, 560, 100)], crs="EPSG:4547")
    path = tmp_path / "landuse.gpkg"
    for name, frame in (("parcels", parcels), ("boundary", boundary), ("farmland", farmland)):
        urbangeo.io.write(frame, path, layer=name)
    return path


def test_screen_conversion_and_blocks(env, parcels_gpkg, tmp_path):
    from urbangeo.errors import SkippedTestsWarning
    from urbangeo.landuse import assemble_blocks, block_membership, screen_conversion

    res = _run(env, "screen_conversion", {
        "PARCELS": _layer(parcels_gpkg, "parcels"), "DEVELOPMENT_BOUNDARY": _layer(parcels_gpkg, "boundary"),
        "BASIC_FARMLAND": _layer(parcels_gpkg, "farmland"), "OUTPUT": str(tmp_path / "screened.gpkg"),
    })  # fmt: skip
    got = _read(env, res["OUTPUT"], "screened")
    parcels = _read(env, parcels_gpkg, "parcels")
    with pytest.warns(SkippedTestsWarning, match="`red_line`"):  # no red-line layer: its test is not run
        ref = screen_conversion(parcels, development_boundary=_read(env, parcels_gpkg, "boundary"),
                                basic_farmland=_read(env, parcels_gpkg, "farmland"))  # fmt: skip
    assert got["eligible"].tolist() == ref["eligible"].tolist()
    assert got["failed_tests"].fillna("").tolist() == ref["failed_tests"].fillna("").tolist()
    np.testing.assert_allclose(got["quota_m2"], ref["quota_m2"])
    assert got["eligible"].tolist()[1] is False  # state-owned parcel (QSXZ 10)
    assert got["村"].tolist() == ["东村", "东村", "西村", "西村"]

    res = _run(env, "assemble_blocks", {
        "PARCELS": _layer(parcels_gpkg, "parcels"), "GAP_M": 0.0, "MIN_AREA_M2": 15000.0, "OWNERSHIP_FIELD": "QSXZ",
        "OUTPUT": str(tmp_path / "blocks.gpkg"), "MEMBERSHIP": str(tmp_path / "members.gpkg"),
    })  # fmt: skip
    blocks = _read(env, res["OUTPUT"], "blocks")
    ref = assemble_blocks(parcels, min_area_m2=15000.0, ownership_col="QSXZ")
    assert len(blocks) == len(ref) == 2  # three touching parcels + one alone
    assert sorted(blocks["n_parcels"].tolist()) == [1, 3]
    assert sorted(blocks["area_m2"].tolist()) == pytest.approx([10000.0, 30000.0])
    assert blocks.set_index("block_id")["under_min_area"].to_dict() == ref["under_min_area"].to_dict()
    members = _read(env, res["MEMBERSHIP"], "members")
    assert members["block_id"].tolist() == block_membership(parcels)["block_id"].tolist()


def test_transition_matrix_vector_and_raster(env, tmp_path):
    from urbangeo.landuse import change_components, transition_matrix

    before = gpd.GeoDataFrame({"DLBM": ["0101", "0301"]}, geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs=4547)
    after = gpd.GeoDataFrame({"DLBM": ["0101", "0601"]}, geometry=[shapely.box(0, 0, 50, 100), shapely.box(50, 0, 200, 100)], crs=4547)
    path = tmp_path / "change.gpkg"  # modelled survey years
    urbangeo.io.write(before, path, layer="y2018")
    urbangeo.io.write(after, path, layer="y2023")
    res = _run(env, "transition_matrix", {
        "BEFORE": _layer(path, "y2018"), "AFTER": _layer(path, "y2023"), "CLASS_FIELD": "DLBM",
        "OUTPUT": str(tmp_path / "matrix.gpkg"), "LONG": str(tmp_path / "long.gpkg"),
        "COMPONENTS": str(tmp_path / "components.gpkg"),
    })  # fmt: skip
    got = _read(env, res["OUTPUT"], "matrix").drop(columns="geometry").set_index("from")
    ref = transition_matrix(before, after, class_col="DLBM")
    assert got.index.tolist() == [str(i) for i in ref.index]
    np.testing.assert_allclose(got[[str(c) for c in ref.columns]].to_numpy(float), ref.to_numpy(float), rtol=1e-12)
    assert got.loc["0101", "0601"] == pytest.approx(5000.0) and got.loc["0301", "0601"] == pytest.approx(10000.0)
    long = _read(env, res["LONG"], "long")
    assert long["area_m2"].sum() == pytest.approx(20000.0)
    comp = _read(env, res["COMPONENTS"], "components").set_index("class")
    ref_comp = change_components(ref)
    for col in ref_comp.columns:
        np.testing.assert_allclose(comp.loc[[str(i) for i in ref_comp.index], col].to_numpy(float), ref_comp[col].to_numpy(float))

    profile = {"driver": "GTiff", "dtype": "int16", "count": 1, "height": 3, "width": 3, "crs": "EPSG:4547",
               "transform": Affine(30, 0, 500_000, 0, -30, 2_500_090), "nodata": -1}  # fmt: skip
    a = np.array([[1, 1, 2], [1, 2, 2], [3, 3, -1]], dtype="int16")
    b = np.array([[1, 2, 2], [1, 2, 3], [3, 3, 3]], dtype="int16")
    urbangeo.io.write_raster(a, tmp_path / "a.tif", profile=profile)
    urbangeo.io.write_raster(b, tmp_path / "b.tif", profile=profile)
    feedback = _recording_feedback()
    res = _run(env, "transition_matrix", {"BEFORE": str(tmp_path / "a.tif"), "AFTER": str(tmp_path / "b.tif"),
                                          "INCLUDE_UNMATCHED": True, "OUTPUT": str(tmp_path / "rm.gpkg")}, feedback)  # fmt: skip
    # the library's warning about the nodata cell reaches the Processing log
    assert any("UrbangeoWarning" in w and "no counterpart" in w for w in feedback.warnings), feedback.warnings
    got = _read(env, res["OUTPUT"], "rm").drop(columns="geometry").set_index("from")
    with pytest.warns(UrbangeoWarning, match="no counterpart"):
        ref = transition_matrix(tmp_path / "a.tif", tmp_path / "b.tif", include_unmatched=True)
    assert got.index.tolist() == [str(i) for i in ref.index]
    np.testing.assert_array_equal(got[[str(c) for c in ref.columns]].to_numpy(float), ref.to_numpy(float))
    assert got.loc["1", [str(c) for c in ref.columns]].sum() == 3  # three cells of class 1 at the first date
