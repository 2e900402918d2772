"""Helpers of the command-line tests: run a command, compare its output file with the library's.

The CLI is thin (read -> one public function -> write), so the test of each subcommand
is that its output file equals what the library returns for the same inputs, on real
data (Helsinki OSM extract, Prague cadastral plots).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from urbangeo.cli import cli
from urbangeo.errors import SnapWarning

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

def _doubtful_snap(origins: str, facilities: str):
    """Origin 27 and facility 19 of the Helsinki sample lie beside footway fragments and are moved
    to the main network: the library says so (SnapWarning), naming the arguments of the call."""
    return pytest.warns(
        SnapWarning, match=f"1 of (40 rows of `{origins}`|20 rows of `{facilities}`) were snapped doubtfully"
    )

def _warnings(res) -> list[str]:
    return [line for line in res.stderr.splitlines() if line.startswith("warning: ")]
