"""`urbangeo subsidence ...` (urbangeo/cli/subsidence.py): each command's output equals the library's.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

import urbangeo
from tests.cli._helpers import run, same


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
