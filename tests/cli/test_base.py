"""The plumbing every command shares (urbangeo/cli/_base.py and the root group): help, errors as one
line with exit codes, warnings once each, advice in the command's flags, progress bars.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely import box

import urbangeo
from tests.cli._helpers import _warnings, run
from urbangeo.cli import cli, main
from urbangeo.errors import GeometryFixedWarning, SkippedTestsWarning


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

def test_progress_bars_on_stderr(acc_data, tmp_path):
    res = run("--progress", "accessibility", "network", acc_data["pbf"], "-o", tmp_path / "n.gpkg")
    assert "reading OSM ways" in res.stderr
    quiet = run("--quiet", "accessibility", "network", acc_data["pbf"], "-o", tmp_path / "n.gpkg")
    assert quiet.stderr == ""
    assert urbangeo.settings.progress is False  # the override ends with the command

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
    err = run(*args, "--on-invalid", "raise", ok=False)  # the default is fix (docs/conventions.md)
    assert err.exit_code == 1 and "InvalidGeometryError" in err.output and "Traceback" not in err.output
    assert "`AFTER` has 1 invalid geometries" in err.output
    assert "Pass --on-invalid fix to repair them" in err.output and "on_invalid=" not in err.output
    fixed = run(*args, "--on-invalid", "fix")
    assert _warnings(fixed) == ["warning: `AFTER`: repaired 1 invalid geometries with make_valid (rows 0)."]
    with pytest.warns(GeometryFixedWarning):
        expected = transition_matrix(before, after, class_col="DLBM", on_invalid="fix")
    got = pd.read_csv(tmp_path / "m.csv", index_col=0, dtype={0: str})
    np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float))
