"""The ``urbangeo`` command line: every subcommand against the library call it wraps.

The CLI is thin (read -> one public function -> write), so the test of each subcommand
is that its output file equals what the library returns for the same inputs, on real
data (Helsinki OSM extract, Prague cadastral plots). One test runs the installed
``urbangeo`` console script in a real subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal
from shapely import box

import urbangeo
from urbangeo.cli import cli, main
from urbangeo.errors import (
    CategoryMismatchWarning,
    GeometryFixedWarning,
    SkippedTestsWarning,
    SnapWarning,
    UrbangeoWarning,
)

HELSINKI = "osm/helsinki_centre_2019.osm.pbf"


def _text_nulls(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Object/text columns as str with None for missing.

    A GeoPackage has one NULL for None and NaN, and stores an object column of Python
    ints (e.g. facility labels) as text; these are properties of the file format, not of
    the command line, whose output is otherwise compared exactly.
    """
    out = gdf.copy()
    for col in out.columns:
        if col != out.geometry.name and pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = pd.Series([None if v is None or v != v else str(v) for v in out[col]], index=out.index,
                                 dtype=object)
    return out


def same(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    """Equal frames; a GeoPackage stores the geometry as the last column, so order columns alike."""
    assert set(got.columns) == set(expected.columns)
    assert_geodataframe_equal(_text_nulls(got), _text_nulls(expected[list(got.columns)]))


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def acc_data(tmp_path_factory, shared_data):
    """Real Helsinki network + origins (nodes moved 15 m off the street) and facilities."""
    from urbangeo.accessibility import network_from_osm

    pbf = shared_data(HELSINKI)
    net = network_from_osm(pbf)
    nodes = net.nodes.to_crs(4326)
    rng = np.random.default_rng(42)
    idx = rng.choice(len(nodes), 60, replace=False)
    origins = gpd.GeoDataFrame(
        {"pop": rng.integers(10, 500, 40).astype(float)},
        geometry=nodes.geometry.iloc[idx[:40]].to_crs(net.crs).translate(15, 0).to_crs(4326).values,
        crs=4326,
    )
    facilities = gpd.GeoDataFrame(
        {"doctors": rng.integers(1, 6, 20).astype(float), "kind": ["clinic", "pharmacy"] * 10},
        geometry=nodes.geometry.iloc[idx[40:]].values,
        crs=4326,
    )
    d = tmp_path_factory.mktemp("cli_acc")
    urbangeo.write(origins, d / "origins.gpkg")
    urbangeo.write(facilities, d / "facilities.gpkg")
    return {"pbf": pbf, "net": net, "origins": origins, "facilities": facilities, "dir": d}


def _doubtful_snap(origins: str, facilities: str):
    """Origin 27 and facility 19 of the Helsinki sample lie beside footway fragments and are moved
    to the main network: the library says so (SnapWarning), naming the arguments of the call."""
    return pytest.warns(
        SnapWarning, match=f"1 of (40 rows of `{origins}`|20 rows of `{facilities}`) were snapped doubtfully"
    )


# --------------------------------------------------------------------------- help and errors


def test_help_lists_every_workflow_with_examples():
    top = run("--help").output
    for group in ("accessibility", "subsidence", "landuse", "convert", "layers", "info"):
        assert group in top
    for group, commands in [
        ("accessibility", cli.commands["accessibility"].commands),
        ("subsidence", cli.commands["subsidence"].commands),
        ("landuse", cli.commands["landuse"].commands),
    ]:
        assert commands, group
        for name in commands:
            out = run(group, name, "--help").output
            assert "Examples:" in out and f"urbangeo {group} {name}" in out, (group, name)
    assert run("--version").output.strip().endswith(urbangeo.__version__)


def test_errors_are_one_line_with_exit_codes(tmp_path):
    missing = run("info", tmp_path / "nope.gpkg", ok=False)
    assert missing.exit_code == 1
    assert "FileNotFoundError" in missing.output and "Traceback" not in missing.output
    usage = run("accessibility", "count", "a.osm.pbf", "b.gpkg", "c.gpkg", "--minutes", "5,x", "-o", "o.gpkg", ok=False)
    assert usage.exit_code == 2 and "--minutes" in usage.output
    assert run("nope", ok=False).exit_code == 2
    # --debug lets the original exception through
    debug = CliRunner().invoke(cli, ["--debug", "info", str(tmp_path / "nope.gpkg")])
    assert isinstance(debug.exception, FileNotFoundError)
    # a database that cannot be reached is a one-line error too
    down = run("layers", "postgresql://nobody@127.0.0.1:1/nodb", ok=False)
    assert down.exit_code == 1 and "Traceback" not in down.output
    # without the postgis extra: the install command; with it: the driver's connection error
    assert "MissingDependencyError" in down.output or "OperationalError" in down.output
    # main() returns the exit code instead of exiting
    assert main(["--version"]) == 0
    assert main(["info", str(tmp_path / "nope.gpkg")]) == 1
    assert main(["no-such-command"]) == 2


def test_not_an_osm_file_is_refused(acc_data):
    d = acc_data["dir"]
    res = run("accessibility", "nearest", d / "origins.gpkg", d / "origins.gpkg", d / "facilities.gpkg",
              "-o", d / "x.gpkg", ok=False)
    assert res.exit_code == 2 and "OpenStreetMap" in res.output


# --------------------------------------------------------------------------- core commands


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


# --------------------------------------------------------------------------- accessibility


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


def test_progress_bars_on_stderr(acc_data, tmp_path):
    res = run("--progress", "accessibility", "network", acc_data["pbf"], "-o", tmp_path / "n.gpkg")
    assert "reading OSM ways" in res.stderr
    quiet = run("--quiet", "accessibility", "network", acc_data["pbf"], "-o", tmp_path / "n.gpkg")
    assert quiet.stderr == ""
    assert urbangeo.settings.progress is False  # the override ends with the command


# --------------------------------------------------------------------------- subsidence


@pytest.fixture
def panels(tmp_path):
    """A 1000 m x 1000 m longwall panel (modelled): W0 = m q = 3 x 0.8 = 2.4 m."""
    gdf = gpd.GeoDataFrame(
        {"m": [3.0], "q": [0.8], "H": [400.0]}, geometry=[box(500000, 3600000, 501000, 3601000)], crs=4547
    )
    urbangeo.write(gdf, tmp_path / "panels.gpkg")
    return gdf, tmp_path / "panels.gpkg"


def test_subsidence_predict(panels, tmp_path):
    from urbangeo.subsidence import predict_subsidence, read_raster

    gdf, path = panels
    run("subsidence", "predict", path, "--resolution-m", "20", "--param", "tan_beta=2", "-o", tmp_path / "w.tif")
    got = read_raster(tmp_path / "w.tif")
    expected = predict_subsidence(gdf, resolution_m=20.0, params={"tan_beta": 2.0})
    np.testing.assert_allclose(got.array, expected.array, rtol=1e-6)
    assert got.crs == expected.crs
    # closed form: a panel much wider than 2r subsides by W0 = 2.4 m at its centre
    assert float(np.nanmax(got.array)) == pytest.approx(2.4, abs=1e-3)
    bad = run("subsidence", "predict", path, "--param", "q", "-o", tmp_path / "w.tif", ok=False)
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output


def test_subsidence_on_invalid(tmp_path):
    """A self-intersecting panel: repaired by default (with a warning), refused with --on-invalid raise."""
    from shapely import Polygon

    bowtie = Polygon([(500000, 3600000), (501000, 3601000), (501000, 3600000), (500000, 3601000)])
    gdf = gpd.GeoDataFrame({"m": [3.0], "q": [0.8], "H": [400.0], "tan_beta": [2.0]}, geometry=[bowtie], crs=4547)
    urbangeo.write(gdf, tmp_path / "bowtie.gpkg")
    fixed = run("subsidence", "predict", tmp_path / "bowtie.gpkg", "--resolution-m", "50", "-o", tmp_path / "w.tif")
    assert "warning:" in fixed.stderr and "repaired" in fixed.stderr
    refused = run("subsidence", "predict", tmp_path / "bowtie.gpkg", "--resolution-m", "50", "--on-invalid", "raise",
                  "-o", tmp_path / "w.tif", ok=False)
    assert refused.exit_code == 1 and "--on-invalid fix" in refused.output


def test_subsidence_zones_areas_park(panels, tmp_path):
    from urbangeo.subsidence import park_plan, read_raster, restoration_zones, subsidence_areas

    _, path = panels
    run("subsidence", "predict", path, "--resolution-m", "25", "--param", "tan_beta=2", "-o", tmp_path / "w.tif")
    w = read_raster(tmp_path / "w.tif")
    run("subsidence", "zones", tmp_path / "w.tif", "--groundwater-depth-m", "1.0", "--min-area-m2", "5000",
        "-o", tmp_path / "z.gpkg")
    zones = restoration_zones(w, groundwater_depth_m=1.0, min_area_m2=5000.0)
    got = urbangeo.read(tmp_path / "z.gpkg", layer="zones")
    same(got, zones)
    assert got["area_m2"].sum() == pytest.approx(zones.area.sum(), rel=1e-9)
    run("subsidence", "areas", tmp_path / "w.tif", "--classes", "0.01,0.5,1.5", "-o", tmp_path / "a.gpkg")
    same(urbangeo.read(tmp_path / "a.gpkg", layer="areas"), subsidence_areas(w, classes=(0.01, 0.5, 1.5)))
    run("subsidence", "park", tmp_path / "z.gpkg", "-o", tmp_path / "p.gpkg")
    same(urbangeo.read(tmp_path / "p.gpkg", layer="parks"), park_plan(None, got))
    spacing = run("subsidence", "park", tmp_path / "z.gpkg", "--entrance-spacing-m", "0", "-o", tmp_path / "p.gpkg",
                  ok=False)
    assert spacing.exit_code == 1 and "--entrance-spacing-m" in spacing.output
    missing = run("subsidence", "zones", tmp_path / "nope.tif", "--groundwater-depth-m", "1", "-o",
                  tmp_path / "z.gpkg", ok=False)
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_subsidence_insar(tmp_path):
    """A modelled MintPy velocity GeoTIFF (m/yr, + towards the satellite) to vertical subsidence."""
    from affine import Affine

    from urbangeo.subsidence import Raster, insar_to_subsidence, read_raster

    yy, xx = np.mgrid[0:40, 0:50]
    los = -0.03 * np.exp(-((xx - 25) ** 2 + (yy - 20) ** 2) / 100.0)  # a basin moving away from the satellite
    vel = Raster(los, Affine(20.0, 0, 480_000, 0, -20.0, 3_610_000), "EPSG:4548", name="velocity", units="m/yr")
    vel.to_geotiff(tmp_path / "velocity.tif")
    run("subsidence", "insar", tmp_path / "velocity.tif", "--convention", "mintpy", "--incidence-deg", "39",
        "-o", tmp_path / "rate.tif")
    got = read_raster(tmp_path / "rate.tif")
    expected = insar_to_subsidence(read_raster(tmp_path / "velocity.tif"), convention="mintpy", incidence_deg=39.0)
    np.testing.assert_allclose(got.array, expected.array, rtol=1e-6)
    # sign and geometry: 3 cm/yr away along a 39 degree line of sight = 3.86 cm/yr down
    assert float(np.nanmax(got.array)) == pytest.approx(0.03 / np.cos(np.radians(39.0)), rel=1e-5)


# --------------------------------------------------------------------------- land use


@pytest.fixture(scope="module")
def two_dates(tmp_path_factory, shared_data):
    """Real Prague plots; 'after' reclassifies a modelled subset (deterministic)."""
    plots = gpd.read_file(shared_data("vector/prague_bubenec.gpkg"), layer="plots")
    before = plots[["geometry"]].copy()
    before["DLBM"] = np.where(np.arange(len(plots)) % 3 == 0, "0101", "0702")
    before["QSXZ"] = np.where(np.arange(len(plots)) % 4 == 0, "10", "32")  # modelled ownership
    after = before.copy()
    after.loc[after.index % 5 == 0, "DLBM"] = "0601"
    d = tmp_path_factory.mktemp("cli_lu")
    urbangeo.write(before, d / "before.gpkg")
    urbangeo.write(after, d / "after.gpkg")
    x0, y0, x1, y1 = before.total_bounds
    boundary = gpd.GeoDataFrame(geometry=[box(x0, y0, x1 - (x1 - x0) / 4, y1)], crs=before.crs)
    urbangeo.write(boundary, d / "boundary.gpkg")
    zones = gpd.GeoDataFrame(
        {"price_per_mu": [60_030.0, 41_354.0], "resettlement_per_mu": [18_009.0, 12_406.2]},
        geometry=[box(x0, y0, (x0 + x1) / 2, y1), box((x0 + x1) / 2, y0, x1, y1)],
        crs=before.crs,
    )
    urbangeo.write(zones, d / "zones.gpkg")
    return before, after, d


def test_landuse_change_equals_library(two_dates, tmp_path):
    from urbangeo.landuse import transition_matrix

    before, after, d = two_dates[:3]
    run("landuse", "change", d / "before.gpkg", d / "after.gpkg", "--class-col", "DLBM", "-o", tmp_path / "m.csv")
    expected = transition_matrix(before, after, class_col="DLBM")
    got = pd.read_csv(tmp_path / "m.csv", index_col=0, dtype={0: str})
    np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=1e-12)
    assert [str(c) for c in got.columns] == [str(c) for c in expected.columns]
    with pytest.raises(AssertionError):
        run("landuse", "change", d / "before.gpkg", d / "after.gpkg", "-o", tmp_path / "m.gpkg")


def test_landuse_metrics_equals_library(two_dates, tmp_path):
    from urbangeo.landuse import class_metrics, landscape_metrics

    before, _, d = two_dates
    run("landuse", "metrics", d / "before.gpkg", "--class-col", "DLBM", "-o", tmp_path / "c.csv")
    expected = class_metrics(before, class_col="DLBM")
    got = pd.read_csv(tmp_path / "c.csv", index_col=0)
    np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=1e-12, equal_nan=True)
    run("landuse", "metrics", d / "before.gpkg", "--class-col", "DLBM", "--level", "landscape", "-o", tmp_path / "l.csv")
    expected = landscape_metrics(before, class_col="DLBM")
    got = pd.read_csv(tmp_path / "l.csv", index_col=0)
    assert got.shape == expected.shape


def test_landuse_screen_blocks_compensation(two_dates, tmp_path):
    from urbangeo.landuse import assemble_blocks, estimate_compensation, screen_conversion

    before, _, d = two_dates
    boundary = urbangeo.read(d / "boundary.gpkg")
    res = run("landuse", "screen", d / "before.gpkg", "--development-boundary", d / "boundary.gpkg",
              "-o", tmp_path / "s.gpkg")
    with pytest.warns(SkippedTestsWarning, match="2 legal tests were not run"):
        expected = screen_conversion(before, development_boundary=boundary)
    got = urbangeo.read(tmp_path / "s.gpkg", layer="screened")
    same(got, expected)
    n = int(expected["eligible"].sum())
    assert 0 < n < len(before) and f"{n:,} of {len(before):,} parcels eligible" in res.stderr
    run("landuse", "blocks", tmp_path / "s.gpkg", "--eligible-only", "--gap-m", "2", "-o", tmp_path / "b.gpkg")
    blocks = assemble_blocks(got[got["eligible"]], gap_m=2.0)
    same(urbangeo.read(tmp_path / "b.gpkg", layer="blocks"), blocks)
    no_col = run("landuse", "blocks", d / "before.gpkg", "--eligible-only", "-o", tmp_path / "x.gpkg", ok=False)
    assert no_col.exit_code == 2 and "landuse screen" in no_col.output
    run("landuse", "compensation", d / "before.gpkg", d / "zones.gpkg", "--components",
        "price_per_mu,resettlement_per_mu", "-o", tmp_path / "c.gpkg")
    comp = estimate_compensation(before, urbangeo.read(d / "zones.gpkg"),
                                 components=["price_per_mu", "resettlement_per_mu"])
    same(urbangeo.read(tmp_path / "c.gpkg", layer="compensation"), comp)


def _warnings(res) -> list[str]:
    return [line for line in res.stderr.splitlines() if line.startswith("warning: ")]


def test_warnings_are_one_line_each_with_cli_flags(two_dates, tmp_path):
    from urbangeo.landuse import screen_conversion

    before, _, d = two_dates
    res = run("landuse", "screen", d / "before.gpkg", "--development-boundary", d / "boundary.gpkg",
              "-o", tmp_path / "s.gpkg")
    lines = _warnings(res)
    assert len(lines) == 1, res.stderr
    line = lines[0]
    # the library's advice, with the command's flags in place of Python keywords
    assert "2 legal tests were not run" in line
    assert "no overlap with permanent basic farmland (pass `--basic-farmland`" in line
    assert "no overlap with the ecological red line (pass `--red-line`" in line
    assert "basic_farmland" not in line and "red_line" not in line
    with pytest.warns(SkippedTestsWarning):
        expected = screen_conversion(before, development_boundary=urbangeo.read(d / "boundary.gpkg"))
    assert f"{int(expected.eligible.sum()):,} of {len(before):,} parcels eligible" in res.stderr
    # --quiet keeps the warnings (they are not progress chatter)
    quiet = run("--quiet", "landuse", "screen", d / "before.gpkg", "--development-boundary", d / "boundary.gpkg",
                "-o", tmp_path / "s.gpkg")
    assert _warnings(quiet) == lines and quiet.stderr.strip() == line


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


def test_advice_translation_keeps_python_it_cannot_translate():
    from urbangeo.cli import _cli_advice

    screen = cli.commands["landuse"].commands["screen"]
    assert _cli_advice("pass on_invalid='fix', or `red_line`; or profile=load_profile('x', a=1).", screen) == (
        "pass --on-invalid fix, or `--red-line`; or profile=load_profile('x', a=1)."
    )
    lc = cli.commands["accessibility"].commands["lifecircle"]
    assert _cli_advice("use required={'clinic': 15, 'school': 10} or\nmax_snap_m=300.", lc) == (
        "use --required clinic=15,school=10 or --max-snap-m 300."
    )
    assert _cli_advice("`residences` has no CRS; `by` is wrong; `nope` stays", lc) == (
        "`RESIDENCES` has no CRS; `--by` is wrong; `nope` stays"
    )
    assert _cli_advice("on_invalid='fix'", None) == "on_invalid='fix'"  # no command: nothing to translate


def test_error_advice_names_cli_flags(tmp_path):
    from urbangeo.landuse import transition_matrix

    bowtie = shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    before = gpd.GeoDataFrame({"DLBM": ["0101", "0601"]},
                              geometry=[shapely.make_valid(bowtie), box(100, 0, 200, 100)], crs=4547)
    after = before.assign(DLBM=["0601", "0601"], geometry=[bowtie, box(100, 0, 200, 100)])
    urbangeo.write(before, tmp_path / "before.gpkg")
    urbangeo.write(after, tmp_path / "after.gpkg")
    args = ["landuse", "change", tmp_path / "before.gpkg", tmp_path / "after.gpkg", "-o", tmp_path / "m.csv"]
    err = run(*args, ok=False)
    assert err.exit_code == 1 and "InvalidGeometryError" in err.output and "Traceback" not in err.output
    assert "`AFTER` has 1 invalid geometries" in err.output
    assert "Pass --on-invalid fix to repair them" in err.output and "on_invalid=" not in err.output
    fixed = run(*args, "--on-invalid", "fix")
    assert _warnings(fixed) == ["warning: `AFTER`: repaired 1 invalid geometries with make_valid (rows 0)."]
    with pytest.warns(GeometryFixedWarning):
        expected = transition_matrix(before, after, class_col="DLBM", on_invalid="fix")
    got = pd.read_csv(tmp_path / "m.csv", index_col=0, dtype={0: str})
    np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float))


# --------------------------------------------------------------------------- the installed script


def test_installed_console_script(panels, tmp_path):
    """`urbangeo` as a user runs it: the console script of this environment, in a subprocess."""
    exe = Path(sys.executable).with_name("urbangeo")
    if not exe.exists():
        pytest.skip(f"console script not installed next to {sys.executable}: pip install -e '.[cli]'")
    env = dict(os.environ)
    _, path = panels
    out = tmp_path / "w.tif"
    proc = subprocess.run(
        [exe, "subsidence", "predict", path, "--resolution-m", "50", "--param", "tan_beta=2", "-o", out],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote a" in proc.stderr and out.exists()
    # `python -m urbangeo` is the same command (for environments without the script on PATH)
    err = subprocess.run([sys.executable, "-m", "urbangeo", "info", tmp_path / "missing.gpkg"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert err.returncode == 1 and "no such file" in err.stderr and "Traceback" not in err.stderr
