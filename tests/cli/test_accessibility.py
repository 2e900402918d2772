"""`urbangeo accessibility ...` (urbangeo/cli/accessibility.py): each command's output equals the library's.
"""

from __future__ import annotations

import pytest
from geopandas.testing import assert_geodataframe_equal

import urbangeo
from tests.cli._helpers import _doubtful_snap, _warnings, run, same
from urbangeo.errors import CategoryMismatchWarning, UrbangeoWarning


def test_not_an_osm_file_is_refused(acc_data):
    d = acc_data["dir"]
    res = run("accessibility", "nearest", d / "origins.gpkg", d / "origins.gpkg", d / "facilities.gpkg",
              "-o", d / "x.gpkg", ok=False)
    assert res.exit_code == 2 and "OpenStreetMap" in res.output

def test_network(acc_data, tmp_path):
    run("accessibility", "network", acc_data["pbf"], "-o", tmp_path / "net.gpkg", "--save", tmp_path / "walk.npz")
    net = acc_data["net"]
    assert_geodataframe_equal(urbangeo.read(tmp_path / "net.gpkg", layer="edges"), net.edges)
    assert_geodataframe_equal(urbangeo.read(tmp_path / "net.gpkg", layer="nodes"), net.nodes)
    # a saved network stands in for the OSM file: same answers without rebuilding
    d = acc_data["dir"]
    for source, out in [(acc_data["pbf"], "a.gpkg"), (tmp_path / "walk.npz", "b.gpkg")]:
        res = run("accessibility", "nearest", source, d / "origins.gpkg", d / "facilities.gpkg", "-o", tmp_path / out)
    assert "loaded the network" in res.stderr
    assert_geodataframe_equal(urbangeo.read(tmp_path / "b.gpkg"), urbangeo.read(tmp_path / "a.gpkg"))

def test_network_from_lines_equals_library_and_writes_the_fixes(tmp_path):
    import geopandas as gpd
    from shapely import LineString

    from urbangeo.accessibility import network_from_lines, repair_street_lines

    roads = gpd.GeoDataFrame({"layer": [0, 0, 1], "kmh": [30.0, 30.0, 40.0]},
                             geometry=[LineString([(0, 0), (200, 0)]), LineString([(100, -100), (100, -1.5)]),
                                       LineString([(50, -50), (50, 50)])], crs=4547)
    urbangeo.write(roads, tmp_path / "roads.gpkg", layer="roads")
    res = run("accessibility", "network", f"{tmp_path / 'roads.gpkg'}#roads", "--from-lines", "--level-col", "layer",
              "--speed-col", "kmh", "--mode", "drive", "-o", tmp_path / "net.gpkg", "--save", tmp_path / "r.npz")
    assert "closed 1 gaps" in res.stderr
    with pytest.warns(UrbangeoWarning):
        net = network_from_lines(roads, level_col="layer", speed_col="kmh", mode="drive")
    assert_geodataframe_equal(urbangeo.read(tmp_path / "net.gpkg", layer="edges"), net.edges)
    _, fixes = repair_street_lines(roads, level_col="layer")
    got = urbangeo.read(tmp_path / "net.gpkg", layer="fixes")
    assert sorted(got["repair"]) == sorted(fixes["repair"]) == ["end_snapped", "split"]


def test_nearest_equals_library(acc_data, tmp_path):
    from urbangeo.accessibility import nearest_facilities

    d = acc_data["dir"]
    res = run("accessibility", "nearest", acc_data["pbf"], d / "origins.gpkg", d / "facilities.gpkg",
              "--k", "2", "--minutes", "20", "-o", f"{tmp_path / 'r.gpkg'}#near")
    assert "wrote 40 rows" in res.stderr
    # the command prints the library's warning, naming its own argument ORIGINS
    assert "warning: 1 of 40 rows of `ORIGINS` were snapped doubtfully" in res.stderr
    # ... with advice in flags the command line takes
    assert "set --snap-component any to keep points on their own piece" in res.stderr
    assert "a threshold above --snap-warn-m 100" in res.stderr
    quiet = run("--snap-component", "any", "accessibility", "nearest", acc_data["pbf"], d / "origins.gpkg",
                d / "facilities.gpkg", "-o", f"{tmp_path / 'q.gpkg'}#near")
    assert "snapped doubtfully" not in quiet.stderr
    with _doubtful_snap("origins", "facilities"):
        expected = nearest_facilities(acc_data["net"], acc_data["origins"], acc_data["facilities"], k=2,
                                      minutes=20)
    got = urbangeo.read(tmp_path / "r.gpkg", layer="near")
    same(got, expected)
    assert got["minutes_1"].notna().any()

def test_count_equals_library(acc_data, tmp_path):
    from urbangeo.accessibility import cumulative_opportunities

    d = acc_data["dir"]
    run("accessibility", "count", acc_data["pbf"], d / "origins.gpkg", d / "facilities.gpkg",
        "--minutes", "5,10", "--weight-col", "doctors", "-o", tmp_path / "c.gpkg")
    with _doubtful_snap("origins", "facilities"):
        expected = cumulative_opportunities(
            acc_data["net"], acc_data["origins"], acc_data["facilities"], minutes=(5.0, 10.0), weight_col="doctors"
        )
    same(urbangeo.read(tmp_path / "c.gpkg", layer="count"), expected)

def test_isochrones_equal_library(acc_data, tmp_path):
    from urbangeo.accessibility import isochrones

    d = acc_data["dir"]
    two = acc_data["facilities"].iloc[:2]
    urbangeo.write(two, d / "two.gpkg")
    run("accessibility", "isochrones", acc_data["pbf"], d / "two.gpkg", "--minutes", "3", "-o", tmp_path / "i.gpkg")
    expected = isochrones(acc_data["net"], two, minutes=3.0)
    got = urbangeo.read(tmp_path / "i.gpkg", layer="isochrones")
    same(got, expected)
    assert (got.to_crs(acc_data["net"].crs).area > 0).all()

@pytest.mark.parametrize("method", ["2sfca", "e2sfca"])
def test_fca_equals_library(acc_data, tmp_path, method):
    from urbangeo import accessibility as acc

    d = acc_data["dir"]
    args = ["--minutes", "10"] if method == "2sfca" else []
    run("accessibility", "fca", acc_data["pbf"], d / "origins.gpkg", d / "facilities.gpkg", "--method", method,
        "--population-col", "pop", "--capacity-col", "doctors", *args, "-o", tmp_path / "f.gpkg")
    func = {"2sfca": acc.two_step_fca, "e2sfca": acc.enhanced_two_step_fca}[method]
    kwargs = {"minutes": 10.0} if method == "2sfca" else {}
    with _doubtful_snap("demand", "supply"):
        expected = func(acc_data["net"], acc_data["origins"], acc_data["facilities"], population_col="pop",
                        capacity_col="doctors", **kwargs)
    same(urbangeo.read(tmp_path / "f.gpkg", layer=method), expected)

def test_site_equals_library(acc_data, tmp_path):
    from urbangeo.accessibility import site_facilities

    d = acc_data["dir"]
    run("accessibility", "site", d / "origins.gpkg", d / "facilities.gpkg", "--network", acc_data["pbf"],
        "--model", "mclp", "-p", "3", "--minutes", "5", "--population-col", "pop", "-o", tmp_path / "s.gpkg")
    with _doubtful_snap("demand", "candidates"):
        expected = site_facilities(acc_data["net"], acc_data["origins"], candidates=acc_data["facilities"],
                                   model="mclp", p=3, minutes=5, population_col="pop")
    got = urbangeo.read(tmp_path / "s.gpkg", layer="sites")
    same(got, expected)
    assert len(got) == 3

def test_lifecircle_equals_library(acc_data, tmp_path):
    from urbangeo.accessibility import life_circle_audit

    d = acc_data["dir"]
    run("accessibility", "lifecircle", acc_data["pbf"], d / "origins.gpkg", d / "facilities.gpkg", "--by", "kind",
        "--standard", "none", "--required", "clinic=5,pharmacy=10", "-o", tmp_path / "lc.gpkg")
    with _doubtful_snap("residences", "facilities"):
        expected = life_circle_audit(acc_data["net"], acc_data["origins"], acc_data["facilities"], by="kind",
                                     standard=None, required={"clinic": 5.0, "pharmacy": 10.0})
    got = urbangeo.read(tmp_path / "lc.gpkg", layer="life_circle")
    same(got, expected)
    assert got["compliant"].any() and not got["compliant"].all()

def test_lifecircle_warns_when_no_category_matches(acc_data, tmp_path):
    from urbangeo.accessibility import life_circle_audit

    d = acc_data["dir"]
    res = run("accessibility", "lifecircle", acc_data["pbf"], d / "origins.gpkg", d / "facilities.gpkg", "--by", "kind",
              "-o", tmp_path / "lc.gpkg")
    lines = [line for line in _warnings(res) if "required categories" in line]
    assert len(lines) == 1 and "none of the 17 required categories" in lines[0]
    assert "--required clinic=15,pharmacy=15" in lines[0] and "required=" not in lines[0]
    with pytest.warns(UrbangeoWarning) as rec:  # real data: doubtful snaps may be reported too
        expected = life_circle_audit(acc_data["net"], acc_data["origins"], acc_data["facilities"], by="kind")
    assert [str(w.message) for w in rec if w.category is CategoryMismatchWarning] == [
        lines[0].removeprefix("warning: ").replace("--required clinic=15,pharmacy=15",
                                                   "required={'clinic': 15, 'pharmacy': 15}")
    ]
    got = urbangeo.read(tmp_path / "lc.gpkg", layer="life_circle")
    same(got, expected)
    assert (got["n_missing"] == 17).all()


def test_network_no_retain_all(acc_data, tmp_path):
    """`--no-retain-all` is the library's `retain_all=False`: the largest connected piece only."""
    from urbangeo.accessibility import network_from_osm

    run("accessibility", "network", acc_data["pbf"], "--no-retain-all", "-o", tmp_path / "net.gpkg")
    expected = network_from_osm(acc_data["pbf"], retain_all=False)
    assert_geodataframe_equal(urbangeo.read(tmp_path / "net.gpkg", layer="edges"), expected.edges)
    assert expected.n_nodes <= acc_data["net"].n_nodes


# --------------------------------------------------------------------------- hills: --dem, --profile, --max-grade
def _write_dem(path, slope_x: float, *, crs, west: float, north: float, cols: int = 120, rows: int = 100,
               cell: float = 10.0, x0: float = 500_000.0, z0: float = 100.0) -> str:
    """A MODELLED plane z = z0 + slope_x (x - x0) at the cell centres, written with rasterio."""
    import numpy as np
    import rasterio
    from affine import Affine

    xc = west + cell * (np.arange(cols) + 0.5)
    z = np.tile(z0 + slope_x * (xc - x0), (rows, 1)).astype("float64")
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype="float64", crs=crs,
                       transform=Affine(cell, 0, west, 0, -cell, north)) as dst:
        dst.write(z, 1)
    return str(path)


@pytest.fixture
def hill_grid(tmp_path):
    """A 6 x 4 grid (100 m, EPSG:32650) saved as .npz; homes on the west column, one clinic on the east."""
    import geopandas as gpd

    from urbangeo.accessibility import grid_network

    net = grid_network(6, 4, speed_kmh=4.8)
    net.save(tmp_path / "grid.npz")
    homes = gpd.GeoDataFrame(geometry=gpd.points_from_xy([500_000.0] * 4, 2_500_000.0 + 100 * __import__("numpy").arange(4)),
                             crs=net.crs)
    clinic = gpd.GeoDataFrame({"kind": ["clinic"]}, geometry=gpd.points_from_xy([500_500.0], [2_500_100.0]), crs=net.crs)
    urbangeo.write(homes, tmp_path / "homes.gpkg")
    urbangeo.write(clinic, tmp_path / "clinic.gpkg")
    dem = {s: _write_dem(tmp_path / f"dem_{s}.tif", s, crs=net.crs, west=499_700.0, north=2_500_600.0)
           for s in (0.0, 0.06)}
    return net, homes, clinic, dem, tmp_path


def test_dem_flat_equals_flat_and_a_slope_is_uphill(hill_grid):
    import numpy as np

    from urbangeo.accessibility import add_elevation, hill_times, nearest_facilities
    from urbangeo.accessibility.elevation import tobler_factor

    net, homes, clinic, dem, d = hill_grid
    args = ("accessibility", "nearest", d / "grid.npz", d / "homes.gpkg", d / "clinic.gpkg")
    run(*args, "-o", d / "flat.gpkg")
    res = run(*args, "--dem", dem[0.0], "-o", d / "flat_dem.gpkg")
    assert "hills: elevations 100.0..100.0 m, profile tobler; 0 edges closed" in res.stderr
    flat = urbangeo.read(d / "flat.gpkg")
    assert_geodataframe_equal(urbangeo.read(d / "flat_dem.gpkg"), flat)  # a flat DEM: exactly today's answers
    run(*args, "--dem", dem[0.06], "-o", d / "up.gpkg")
    up = urbangeo.read(d / "up.gpkg")
    # every home walks 500 m east up the 6 % plane (and flat north-south): closed form
    east = 500 / (4.8 / 3.6 * tobler_factor(0.06)) / 60
    north = np.abs(homes.geometry.y.to_numpy() - 2_500_100.0) / (4.8 / 3.6) / 60
    np.testing.assert_allclose(up["minutes_1"], east + north, rtol=1e-12)
    assert (up["minutes_1"] > flat["minutes_1"]).all()
    np.testing.assert_array_equal(up["dist_m_1"], flat["dist_m_1"])
    same(up, nearest_facilities(hill_times(add_elevation(net, dem[0.06])), homes, clinic))
    # the clinic to the homes is downhill: faster than flat
    run("accessibility", "nearest", d / "grid.npz", d / "clinic.gpkg", d / "homes.gpkg", "--dem", dem[0.06],
        "-o", d / "down.gpkg")
    down = urbangeo.read(d / "down.gpkg")["minutes_1"].iloc[0]
    assert down == pytest.approx(500 / (4.8 / 3.6 * tobler_factor(-0.06)) / 60, rel=1e-12) and down < 500 / 80


def test_dem_profile_wheelchair_and_max_grade(hill_grid):
    from urbangeo.accessibility import add_elevation, hill_times, isochrones

    net, homes, clinic, dem, d = hill_grid
    args = ("accessibility", "nearest", d / "grid.npz", d / "homes.gpkg", d / "clinic.gpkg", "--dem", dem[0.06])
    # 6 % is under the wheelchair's 1:12: Tobler's times
    run(*args, "--profile", "wheelchair", "-o", d / "wc.gpkg")
    run(*args, "-o", d / "t.gpkg")
    assert_geodataframe_equal(urbangeo.read(d / "wc.gpkg"), urbangeo.read(d / "t.gpkg"))
    # a 5 % limit closes every east-west street both ways: the clinic is out of reach
    res = run(*args, "--profile", "wheelchair", "--max-grade", "0.05", "-o", d / "steep.gpkg")
    assert "warning: hill_times: 20 of 38 edges are closed" in res.stderr
    assert urbangeo.read(d / "steep.gpkg")["minutes_1"].isna().all()
    # isochrones with hills equal the library's
    run("accessibility", "isochrones", d / "grid.npz", d / "clinic.gpkg", "--minutes", "4", "--dem", dem[0.06],
        "-o", d / "iso.gpkg")
    expected = isochrones(hill_times(add_elevation(net, dem[0.06])), clinic, minutes=4.0)
    same(urbangeo.read(d / "iso.gpkg", layer="isochrones"), expected)
    flat = isochrones(net, clinic, minutes=4.0)
    assert expected.to_crs(net.crs).area.iloc[0] != pytest.approx(flat.to_crs(net.crs).area.iloc[0], rel=1e-3)


def test_dem_flags_refused_without_dem_or_file(hill_grid):
    net, homes, clinic, dem, d = hill_grid
    args = ("accessibility", "nearest", d / "grid.npz", d / "homes.gpkg", d / "clinic.gpkg", "-o", d / "x.gpkg")
    res = run(*args, "--profile", "wheelchair", ok=False)
    assert res.exit_code == 2 and "--dem PATH" in res.output
    res = run(*args, "--max-grade", "0.05", ok=False)
    assert res.exit_code == 2 and "--max-grade" in res.output
    res = run(*args, "--dem", d / "missing.tif", ok=False)
    assert res.exit_code == 2 and "no such file" in res.output
    res = run(*args, "--dem", dem[0.06], "--mode", "drive")  # a saved walk network: its own mode
    assert "hills: elevations" in res.stderr
    from urbangeo.accessibility import grid_network

    grid_network(6, 4, mode="drive").save(d / "drive.npz")
    res = run("accessibility", "nearest", d / "drive.npz", d / "homes.gpkg", d / "clinic.gpkg", "-o", d / "x.gpkg",
              "--dem", dem[0.06], ok=False)
    assert res.exit_code == 2 and "is a drive network" in res.output


def test_dem_on_real_streets_lifecircle_and_network(acc_data, tmp_path):
    """Helsinki streets on a MODELLED 4 % plane (EPSG:3067 DEM, the network is in its own metric CRS)."""
    import numpy as np

    from urbangeo.accessibility import Network, add_elevation, hill_times, life_circle_audit

    net = acc_data["net"]
    b = net.nodes.to_crs(3067).total_bounds
    dem = _write_dem(tmp_path / "dem.tif", 0.04, crs="EPSG:3067", west=b[0] - 100, north=b[3] + 100,
                     cols=int((b[2] - b[0] + 200) / 10) + 1, rows=int((b[3] - b[1] + 200) / 10) + 1, x0=b[0])
    res = run("accessibility", "network", acc_data["pbf"], "--dem", dem, "-o", tmp_path / "net.gpkg",
              "--save", tmp_path / "hills.npz")
    assert "hills: elevations" in res.stderr
    hilly = hill_times(add_elevation(net, dem))
    assert_geodataframe_equal(urbangeo.read(tmp_path / "net.gpkg", layer="edges"), hilly.edges)
    assert_geodataframe_equal(urbangeo.read(tmp_path / "net.gpkg", layer="nodes"), hilly.nodes)
    saved = Network.load(tmp_path / "hills.npz")
    np.testing.assert_array_equal(saved.edge_factor_fwd, hilly.edge_factor_fwd)
    np.testing.assert_array_equal(saved.node_z_m, hilly.node_z_m)
    d = acc_data["dir"]
    common = ("--by", "kind", "--standard", "none", "--required", "clinic=5,pharmacy=10")
    run("accessibility", "lifecircle", acc_data["pbf"], d / "origins.gpkg", d / "facilities.gpkg", *common,
        "--dem", dem, "-o", tmp_path / "lc.gpkg")
    with _doubtful_snap("residences", "facilities"):
        expected = life_circle_audit(hilly, acc_data["origins"], acc_data["facilities"], by="kind", standard=None,
                                     required={"clinic": 5.0, "pharmacy": 10.0})
    got = urbangeo.read(tmp_path / "lc.gpkg", layer="life_circle")
    same(got, expected)
    with _doubtful_snap("residences", "facilities"):
        flat = life_circle_audit(net, acc_data["origins"], acc_data["facilities"], by="kind", standard=None,
                                 required={"clinic": 5.0, "pharmacy": 10.0})
    assert not np.allclose(got["clinic_minutes_1"], flat["clinic_minutes_1"], equal_nan=True)
