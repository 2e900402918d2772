"""``processing.run("urbangeo:...")`` inside a real QGIS, results checked against the library.

QGIS's libraries were loaded with RTLD_GLOBAL before shapely/pyproj/pyogrio (root
conftest.py), as in qgis.bin. Every algorithm is run on real data (the Helsinki OSM
extract in ../shared/data) or on modelled data built in code (a street grid with
analytic answers), its output layer read back and compared with a direct call of the
public function on the same inputs.
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
import pandas as pd
import shapely
from shapely import Point

import urbangeo.io
from urbangeo.testing import assert_not_mutated

pytestmark = pytest.mark.qgis

HELSINKI = "osm/helsinki_centre_2019.osm.pbf"


@pytest.fixture(scope="module")
def env(qgis_app):
    import processing
    from qgis.core import QgsApplication

    import urbangeo.qgis as uq

    provider = QgsApplication.processingRegistry().providerById("urbangeo")
    return processing, uq, provider


def _layer(path, layer):
    from qgis.core import QgsVectorLayer

    lyr = QgsVectorLayer(f"{path}|layername={layer}", layer, "ogr")
    assert lyr.isValid(), path
    return lyr


def _run(env, alg, params):
    processing, _, _ = env
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    return processing.run(f"urbangeo:{alg}", params, context=context, feedback=QgsProcessingFeedback())


def _read(env, path, layer):
    return env[1].layer_to_gdf(_layer(path, layer))


def test_provider_lists_the_workflows(env):
    _, _, provider = env
    assert provider is not None and provider.name() == "urbangeo"
    names = {a.name() for a in provider.algorithms()}
    assert names == {
        "network_from_osm", "nearest_facilities", "isochrones", "life_circle_audit", "site_facilities",
        "predict_subsidence", "restoration_zones", "screen_conversion", "assemble_blocks", "transition_matrix",
    }  # fmt: skip
    groups = {a.groupId() for a in provider.algorithms()}
    assert groups == {"accessibility", "subsidence", "landuse"}
    # every algorithm has help text, a group, and typed parameters
    for alg in provider.algorithms():
        assert alg.shortHelpString() and alg.group(), alg.name()
        assert alg.parameterDefinitions(), alg.name()
    assert not provider.skipped, provider.skipped  # every wrapped function imports in QGIS


# --------------------------------------------------------------------------------------
# modelled street grid: analytic answers (network saved to .npz, read by the algorithms)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grid(env, tmp_path_factory):
    from urbangeo.accessibility import grid_network

    d = tmp_path_factory.mktemp("grid")
    net = grid_network(11, 11, spacing_m=100, speed_kmh=6.0)  # 100 m per minute
    npz = net.save(d / "grid.npz")
    x0, y0 = 500_000.0, 2_500_000.0
    homes = gpd.GeoDataFrame(
        {"name": ["西村", "北村", "角落"], "population": [120, 80, 60]},
        geometry=[Point(x0, y0), Point(x0 + 500, y0 + 500), Point(x0 + 1000, y0 + 1000)],
        crs=net.crs,
    )  # modelled homes on grid nodes
    facilities = gpd.GeoDataFrame(
        {"category": ["kindergarten", "clinic", "kindergarten"]},
        geometry=[Point(x0 + 200, y0), Point(x0 + 500, y0 + 300), Point(x0 + 1000, y0 + 700)],
        crs=net.crs,
    )  # modelled facilities on grid nodes
    gpkg = d / "grid.gpkg"
    urbangeo.io.write(homes, gpkg, layer="homes")
    urbangeo.io.write(facilities, gpkg, layer="facilities")
    return {"net": net, "npz": str(npz), "gpkg": gpkg, "dir": d}


def test_nearest_facilities_on_grid(env, grid):
    out = grid["dir"] / "nearest.gpkg"
    res = _run(env, "nearest_facilities", {
        "NETWORK": grid["npz"], "ORIGINS": _layer(grid["gpkg"], "homes"),
        "FACILITIES": _layer(grid["gpkg"], "facilities"), "K": 2, "OUTPUT": str(out),
    })  # fmt: skip
    got = _read(env, res["OUTPUT"], "nearest")
    # Manhattan distances on the 100 m grid at 100 m/min
    assert got["dist_m_1"].tolist() == pytest.approx([200.0, 200.0, 300.0])
    assert got["minutes_1"].tolist() == pytest.approx([2.0, 2.0, 3.0])
    assert got["dist_m_2"].tolist() == pytest.approx([800.0, 700.0, 1200.0])
    # facility ids are the facility layer's feature ids (GeoPackage fid: 1, 2, 3)
    assert got["facility_1"].tolist() == [1, 2, 3]
    assert got["name"].tolist() == ["西村", "北村", "角落"]
    assert got.crs == grid["net"].crs


def test_selected_features_only(env, grid):
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProject

    homes = _layer(grid["gpkg"], "homes")
    QgsProject.instance().addMapLayer(homes, False)
    try:
        homes.selectByIds([1, 3])
        res = _run(env, "nearest_facilities", {
            "NETWORK": grid["npz"], "ORIGINS": QgsProcessingFeatureSourceDefinition(homes.id(), True),
            "FACILITIES": _layer(grid["gpkg"], "facilities"), "OUTPUT": str(grid["dir"] / "selected.gpkg"),
        })  # fmt: skip
    finally:
        QgsProject.instance().removeMapLayer(homes.id())
    got = _read(env, res["OUTPUT"], "selected")
    assert got["name"].tolist() == ["西村", "角落"]  # features 1 and 3 only
    assert got["dist_m_1"].tolist() == pytest.approx([200.0, 300.0])


def test_life_circle_and_siting_on_grid(env, grid):
    from urbangeo.accessibility import life_circle_audit, site_facilities

    homes, fac = _read(env, grid["gpkg"], "homes"), _read(env, grid["gpkg"], "facilities")
    res = _run(env, "life_circle_audit", {
        "NETWORK": grid["npz"], "RESIDENCES": _layer(grid["gpkg"], "homes"), "FACILITIES": _layer(grid["gpkg"], "facilities"),
        "BY": "category", "STANDARD": 1, "REQUIRED": "kindergarten:10, clinic:10", "POPULATION": "population",
        "OUTPUT": str(grid["dir"] / "audit.gpkg"), "SUMMARY": str(grid["dir"] / "summary.gpkg"),
    })  # fmt: skip
    got = _read(env, res["OUTPUT"], "audit")
    ref = life_circle_audit(grid["net"], homes, fac, standard=None, required={"kindergarten": 10, "clinic": 10})
    assert got["kindergarten_minutes_1"].tolist() == pytest.approx(ref["kindergarten_minutes_1"].tolist())
    assert got["kindergarten_minutes_1"].tolist() == pytest.approx([2.0, 7.0, 3.0])
    assert got["clinic_minutes_1"].tolist() == pytest.approx([8.0, 2.0, 12.0])
    assert got["compliant"].tolist() == ref["compliant"].tolist() == [True, True, False]
    assert got["missing"].tolist() == ["", "", "clinic"]
    summary = _read(env, res["SUMMARY"], "summary")
    row = summary.set_index("group").loc["all"]
    assert row["share_all"] == pytest.approx(200 / 260)  # population-weighted

    res = _run(env, "site_facilities", {
        "NETWORK": grid["npz"], "DEMAND": _layer(grid["gpkg"], "homes"), "CANDIDATES": _layer(grid["gpkg"], "facilities"),
        "MODEL": 0, "P": 1, "MINUTES": 7, "POPULATION": "population", "SOLVER": 0,
        "OUTPUT": str(grid["dir"] / "sites.gpkg"), "ASSIGNMENT": str(grid["dir"] / "assign.gpkg"),
    })  # fmt: skip
    sites = _read(env, res["OUTPUT"], "sites")
    ref = site_facilities(grid["net"], homes, candidates=fac, model="mclp", p=1, minutes=7, population_col="population")
    # within 7 minutes: site 1 covers 120 people, site 2 covers 80, site 3 covers 80 + 60
    assert sites["source_index"].tolist() == ref["source_index"].tolist() == [3]
    assert sites["weight_covered"].tolist() == pytest.approx(ref["weight_covered"].tolist())
    assign = _read(env, res["ASSIGNMENT"], "assign")
    assert len(assign) == 3 and assign["site_minutes"].notna().all()


def test_life_circle_gb50180_distances(env, grid):
    from urbangeo.accessibility import life_circle_audit

    fac = _read(env, grid["gpkg"], "facilities")
    fac["category"] = fac["category"].replace({"clinic": "health_center"})  # names of the standard's facilities
    urbangeo.io.write(fac, grid["dir"] / "gb.gpkg", layer="facilities")
    res = _run(env, "life_circle_audit", {
        "NETWORK": grid["npz"], "RESIDENCES": _layer(grid["gpkg"], "homes"), "FACILITIES": _layer(grid["dir"] / "gb.gpkg", "facilities"),
        "STANDARD": 0, "REQUIRED": "kindergarten, health_center", "MEASURE": 1, "OUTPUT": str(grid["dir"] / "gb_audit.gpkg"),
    })  # fmt: skip
    got = _read(env, res["OUTPUT"], "gb_audit")
    ref = life_circle_audit(grid["net"], _read(env, grid["gpkg"], "homes"), fac, standard="GB50180-2018",
                            required=["kindergarten", "health_center"], measure="dist_m")  # fmt: skip
    # kindergarten in the 5-minute circle (300 m), health centre in the 15-minute circle (1000 m)
    assert got["kindergarten_ok"].tolist() == ref["kindergarten_ok"].tolist() == [True, False, True]
    assert got["health_center_ok"].tolist() == ref["health_center_ok"].tolist() == [True, True, False]
    assert got["compliant"].tolist() == [True, False, False]
    np.testing.assert_allclose(got["health_center_dist_m_1"], [800.0, 200.0, 1200.0])


def test_library_errors_reach_the_user(env, grid):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="comma-separated numbers"):
        _run(env, "isochrones", {"NETWORK": grid["npz"], "ORIGINS": _layer(grid["gpkg"], "homes"), "MINUTES": "5, ten",
                                 "OUTPUT": "TEMPORARY_OUTPUT"})  # fmt: skip
    with pytest.raises(QgsProcessingException, match=r"InvalidOptionError: `minutes` must be >= 0"):  # the library's message
        _run(env, "isochrones", {"NETWORK": grid["npz"], "ORIGINS": _layer(grid["gpkg"], "homes"), "MINUTES": "-5",
                                 "OUTPUT": "TEMPORARY_OUTPUT"})  # fmt: skip


# --------------------------------------------------------------------------------------
# real data: the Helsinki centre OSM extract
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def helsinki(env, shared_data, tmp_path_factory):
    from urbangeo.accessibility import network_from_osm

    pbf = shared_data(HELSINKI)
    d = tmp_path_factory.mktemp("helsinki")
    net = network_from_osm(pbf, mode="walk")
    nodes = net.nodes.to_crs(4326)
    rng = np.random.default_rng(7)
    pick = rng.choice(len(nodes), size=12, replace=False)
    origins = nodes.iloc[pick[:4]][["node_id", "geometry"]].reset_index(drop=True)
    facilities = nodes.iloc[pick[4:]][["node_id", "geometry"]].reset_index(drop=True)
    facilities["category"] = ["school", "clinic"] * 4  # modelled categories on real street nodes
    gpkg = d / "helsinki.gpkg"
    urbangeo.io.write(origins, gpkg, layer="origins")
    urbangeo.io.write(facilities, gpkg, layer="facilities")
    return {"pbf": str(pbf), "net": net, "gpkg": gpkg, "dir": d}


def test_network_from_osm_algorithm(env, helsinki):
    res = _run(env, "network_from_osm", {
        "INPUT": helsinki["pbf"], "MODE": 0, "SIMPLIFY": True, "EDGES": str(helsinki["dir"] / "edges.gpkg"),
        "NODES": str(helsinki["dir"] / "nodes.gpkg"), "NETWORK_FILE": str(helsinki["dir"] / "walk.npz"),
    })  # fmt: skip
    net = helsinki["net"]
    edges = _read(env, res["EDGES"], "edges")
    nodes = _read(env, res["NODES"], "nodes")
    assert len(edges) == net.n_edges and len(nodes) == net.n_nodes
    assert edges.crs == net.crs
    assert edges["length_m"].sum() == pytest.approx(net.edge_length_m.sum(), rel=1e-12)
    assert bool(edges.geometry.geom_equals_exact(net.edges.geometry.set_axis(edges.index), tolerance=1e-6).all())
    from urbangeo.accessibility import Network

    saved = Network.load(res["NETWORK_FILE"])
    assert saved.n_edges == net.n_edges and np.array_equal(saved.edge_u, net.edge_u)


def test_isochrones_from_osm_file_match_library(env, helsinki):
    from urbangeo.accessibility import isochrones

    origins_layer = _layer(helsinki["gpkg"], "origins")
    res = _run(env, "isochrones", {
        "NETWORK": helsinki["pbf"], "MODE": 0, "ORIGINS": origins_layer, "MINUTES": "5, 10",
        "OUTPUT": str(helsinki["dir"] / "iso.gpkg"),
    })  # fmt: skip
    got = _read(env, res["OUTPUT"], "iso")
    origins = env[1].layer_to_gdf(origins_layer)
    with assert_not_mutated(origins):
        ref = isochrones(helsinki["net"], origins, minutes=(5, 10))
    assert len(got) == len(ref) == 8
    assert got["origin"].tolist() == ref["origin"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert got["minutes"].tolist() == ref["minutes"].tolist()
    assert got.crs == ref.crs == origins.crs
    ref_area = ref.to_crs(helsinki["net"].crs).area.to_numpy()
    got_area = got.to_crs(helsinki["net"].crs).area.to_numpy()
    np.testing.assert_allclose(got_area, ref_area, rtol=1e-9)
    assert (ref_area > 0).all()
    # bands are nested (up to reprojection round-off)
    metric = got.to_crs(helsinki["net"].crs)
    for o in metric["origin"].unique():
        five, ten = metric[metric.origin == o].sort_values("minutes").geometry
        assert five.difference(ten).area <= 1e-6 * five.area


def test_nearest_facilities_by_category_match_library(env, helsinki):
    from urbangeo.accessibility import nearest_facilities

    npz = helsinki["net"].save(helsinki["dir"] / "net.npz")
    res = _run(env, "nearest_facilities", {
        "NETWORK": str(npz), "ORIGINS": _layer(helsinki["gpkg"], "origins"), "FACILITIES": _layer(helsinki["gpkg"], "facilities"),
        "BY": "category", "OUTPUT": str(helsinki["dir"] / "near.gpkg"),
    })  # fmt: skip
    got = _read(env, res["OUTPUT"], "near")
    origins, fac = _read(env, helsinki["gpkg"], "origins"), _read(env, helsinki["gpkg"], "facilities")
    from urbangeo.errors import SnapWarning

    with pytest.warns(SnapWarning, match="moved off their own street network piece"):  # as in the Processing log
        ref = nearest_facilities(helsinki["net"], origins, fac, by="category")
    for col in ("school_minutes_1", "school_dist_m_1", "clinic_minutes_1", "clinic_dist_m_1"):
        np.testing.assert_allclose(got[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-12, err_msg=col)
    assert got["school_facility_1"].tolist() == ref["school_facility_1"].tolist()
    assert pd.Series(got["clinic_dist_m_1"]).gt(0).all()
    assert bool(shapely.equals_exact(np.asarray(got.geometry.values), np.asarray(ref.geometry.values), tolerance=0).all())
