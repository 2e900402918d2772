"""`urbangeo landuse ...` (urbangeo/cli/landuse.py): each command's output equals the library's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import urbangeo
from tests.cli._helpers import run, same
from urbangeo.errors import SkippedTestsWarning


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


def test_landuse_blocks_group_by(two_dates, tmp_path):
    """`--group-by` is the library's `group_by`: only parcels with the same value are linked."""
    from urbangeo.landuse import assemble_blocks

    before, _, d = two_dates
    run("landuse", "blocks", d / "before.gpkg", "--group-by", "QSXZ", "--gap-m", "2", "-o", tmp_path / "b.gpkg")
    expected = assemble_blocks(before, gap_m=2.0, group_by="QSXZ")
    same(urbangeo.read(tmp_path / "b.gpkg", layer="blocks"), expected)
    assert run("landuse", "blocks", d / "before.gpkg", "--by", "QSXZ", "-o", tmp_path / "x.gpkg", ok=False).exit_code == 2


def test_landuse_change_rasters_units(tmp_path):
    """Raster land cover: cell counts by default, m2 with --units m2 (the grid's cell) or --resolution-m."""
    from affine import Affine

    from urbangeo.landuse import transition_matrix
    from urbangeo.raster import Raster

    rng = np.random.default_rng(7)
    t = Affine(30.0, 0, 500_000, 0, -30.0, 3_600_000)  # modelled 30 m land cover, EPSG:4547
    before = rng.integers(1, 4, (20, 25)).astype(np.int16)
    after = np.where(rng.random(before.shape) < 0.2, 3, before).astype(np.int16)
    for name, arr in [("b.tif", before), ("a.tif", after)]:
        Raster(arr, t, "EPSG:4547", nodata=0, categorical=True).to_geotiff(tmp_path / name)
    b, a = tmp_path / "b.tif", tmp_path / "a.tif"
    for flags, kwargs in [([], {}), (["--units", "m2"], {"units": "m2"}), (["--resolution-m", "10"], {"resolution_m": 10.0})]:
        run("landuse", "change", b, a, *flags, "-o", tmp_path / "m.csv")
        expected = transition_matrix(str(b), str(a), **kwargs)
        got = pd.read_csv(tmp_path / "m.csv", index_col=0)
        np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=1e-12)
    assert got.to_numpy().sum() == pytest.approx(before.size * 100.0)  # --resolution-m 10: 100 m2 a cell


def test_landuse_metrics_resolution_m(two_dates, tmp_path):
    """--resolution-m on polygons: AI and COHESION on cells of that side, as the library computes them."""
    from urbangeo.landuse import class_metrics

    before, _, d = two_dates
    run("landuse", "metrics", d / "before.gpkg", "--class-col", "DLBM", "--resolution-m", "5", "-o", tmp_path / "c.csv")
    expected = class_metrics(before, class_col="DLBM", resolution_m=5.0)
    got = pd.read_csv(tmp_path / "c.csv", index_col=0)
    np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=1e-12, equal_nan=True)
    assert got["AI_pct"].notna().all() and got["COHESION_pct"].notna().all()
