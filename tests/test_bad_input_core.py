"""Bad-input matrix: every public function x the bad inputs that apply to it (the core's rows, and the checks of all rows).

The registry (:data:`tests._bad_input.REGISTRY`) maps every public function of the core
(``urbangeo``, ``urbangeo.io``, ``urbangeo.crs``, ``urbangeo.raster``, ``urbangeo.standards``,
``urbangeo.units``) and of the wings to a :class:`~tests._bad_input.Spec`: how to call it on
small valid synthetic inputs, and which bad inputs apply to its arguments, with what is
expected: a typed error from :mod:`urbangeo.errors` whose message names the argument, or a
documented warning with the result still returned, or (a geographic CRS, usually) the same
result as with the metric input. Every case also checks that no input was mutated.

Rows live beside the code they test: the core's here, each wing's in
``tests/<wing>/test_bad_input.py``. This module loads all of them
(:func:`~tests._bad_input.load_all_rows`) for the registry-wide tests:
``test_every_public_function_has_a_row`` walks each wing's ``__all__``, so a new public
function without a row fails it; classes and constants are listed in ``EXEMPT`` (per wing,
in the wing's file) with a reason.

A case may be marked ``xfail`` for a known defect (``XFAILS`` in :mod:`tests._bad_input`,
strict: fixing the defect makes the test fail until the mark is removed).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely

import urbangeo
import urbangeo.accessibility as acc
import urbangeo.crs as ucrs
import urbangeo.io as uio
import urbangeo.landuse as lu
import urbangeo.raster as uraster
import urbangeo.standards as ustd
import urbangeo.units as uunits
from tests._bad_input import (
    CRS_M,
    EXEMPT,
    GEOGRAPHIC,
    REGISTRY,
    X0,
    XFAILS,
    Y0,
    Case,
    bad_param,
    cached,
    check_case,
    cone,
    either,
    geographic,
    grid,
    homes,
    load_all_rows,
    mismatch,
    no_crs,
    params,
    parks_frame,
    raises,
    raster_no_crs,
    register,
    same,
    tif,
    tif_without_crs,
    wrong_type,
)
from urbangeo import subsidence as sub
from urbangeo.errors import (
    CRSError,
    InvalidOptionError,
    MissingColumnError,
    UrbangeoError,
    UrbangeoWarning,
)

# =========================================================================== core (urbangeo, io, crs)
C = "core"


def _tmpdir():
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp(prefix="urbangeo-bad-input-"))


def _gpkg(kind: str = "ok"):
    """A GeoPackage with one layer 'homes' (``kind``: 'ok', 'no_crs' or 'empty')."""

    def make():
        g = homes()
        if kind == "no_crs":
            g = g.set_crs(None, allow_override=True)
        if kind == "empty":
            g = g.iloc[:0]
        path = _tmpdir() / f"{kind}.gpkg"
        with warnings.catch_warnings():  # pyogrio: "'crs' was not provided" for the no-CRS file
            warnings.simplefilter("ignore", UserWarning)
            g.to_file(path, layer="homes", driver="GPKG", engine="pyogrio")
        return path

    return cached(f"gpkg_{kind}", make)


# a reader returns what the file holds, an empty layer too: no empty_frame row
register(
    C,
    uio.read,
    lambda: {"source": _gpkg(), "layer": "homes"},
    [
        Case(
            "no_crs",
            "source",
            lambda kw: {**kw, "source": _gpkg("no_crs")},
            either(CRSError, UrbangeoWarning, "source"),
        ),
        Case(
            "missing_col", "columns", lambda kw: {**kw, "columns": ["pop", "nope"]}, raises(MissingColumnError, "nope")
        ),
        Case("unknown_code", "layer", lambda kw: {**kw, "layer": "parks"}, raises(UrbangeoError, "layer")),
        bad_param("bbox", (X0 + 400, Y0, X0, Y0 + 400), expect=raises(InvalidOptionError, "bbox")),
    ],
)


def _out_path():
    return _tmpdir() / "out.gpkg"


register(
    C,
    uio.write,
    lambda: {"gdf": homes(), "target": _out_path(), "layer": "homes"},
    # an empty layer is a legitimate file ("no eligible parcels"): no empty_frame row
    [
        no_crs("gdf"),
        bad_param("driver", "NotADriver"),
        bad_param("mode", "x"),
        Case(
            "wrong_type",
            "gdf.shp",
            lambda kw: {
                "gdf": pd.concat([homes(), parks_frame()]).reset_index(drop=True),
                "target": _tmpdir() / "mixed.shp",
            },
            raises(UrbangeoError, "gdf"),
        ),
    ],
)
register(
    C,
    uio.list_layers,
    lambda: {"source": _gpkg()},
    exempt="lists the layers of a file: no CRS, geometry, column or numeric argument",
)


def _np_profile(crs=CRS_M):
    from affine import Affine

    prof = {
        "driver": "GTiff",
        "dtype": "float64",
        "count": 1,
        "height": 3,
        "width": 4,
        "transform": Affine(10, 0, X0, 0, -10, Y0),
    }
    if crs is not None:
        prof["crs"] = crs
    return prof


register(
    C,
    uio.read_raster,
    lambda: {"source": tif()},
    [raster_no_crs("source", tif_without_crs), bad_param("band", 0), bad_param("band", 3)],
)
register(
    C,
    uio.write_raster,
    lambda: {"raster": np.ones((3, 4)), "target": _tmpdir() / "r.tif", "profile": _np_profile()},
    [
        raster_no_crs("profile", lambda: _np_profile(None)),
        Case("str_dtype", "raster", lambda kw: {**kw, "raster": np.full((3, 4), "a")}, raises(UrbangeoError, "raster")),
        Case("empty_frame", "raster", lambda kw: {**kw, "raster": np.ones((0, 0))}, raises(UrbangeoError, "raster")),
    ],
)
register(
    C,
    uio.check_georeferenced,
    lambda: {"profile": _np_profile(), "name": "dem"},
    [
        raster_no_crs("profile", lambda: _np_profile(None), expect=raises(UrbangeoError, "dem")),
        Case(
            "raster_no_crs",
            "profile.transform",
            lambda kw: {**kw, "profile": {**_np_profile(), "transform": None}},
            raises(UrbangeoError, "dem"),
        ),
    ],
)

register(
    C,
    ucrs.get_crs,
    lambda: {"obj": homes(), "name": "homes"},
    [
        no_crs("obj", expect=raises(CRSError, "homes")),
        bad_param("obj", "EPSG:nonsense", expect=raises(CRSError, "homes")),
    ],
)
register(
    C, ucrs.check_same_crs, lambda: {"homes": homes(), "parks": parks_frame()}, [no_crs("parks"), mismatch("parks")]
)
register(
    C,
    ucrs.is_metric,
    lambda: {"crs": CRS_M},
    [
        bad_param("crs", "EPSG:nonsense", expect=raises(CRSError, "crs")),
        bad_param("crs", None, expect=raises(CRSError, "crs")),
    ],
)
register(
    C,
    ucrs.metric_crs,
    lambda: {"obj": homes(), "name": "homes"},
    [
        no_crs("obj", expect=raises(CRSError, "homes")),
        geographic("obj", expect=same(crs_back=False)),
        Case(
            "empty_geom",
            "obj",
            lambda kw: {**kw, "obj": homes().to_crs(GEOGRAPHIC).iloc[:0]},
            raises(UrbangeoError, "homes"),
        ),
        bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs")),
    ],
)
register(
    C,
    ucrs.to_metric,
    lambda: {"gdf": homes(), "name": "homes"},
    [
        no_crs("gdf", expect=raises(CRSError, "homes")),
        geographic("gdf", expect=same(crs_back=False)),
        Case(
            "empty_frame",
            "gdf",
            lambda kw: {**kw, "gdf": homes().to_crs(GEOGRAPHIC).iloc[:0]},
            raises(UrbangeoError, "homes"),
        ),
        bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs")),
    ],
)
register(
    C,
    ucrs.project,
    lambda: {"gdf": homes(), "target": GEOGRAPHIC, "name": "homes"},
    [
        no_crs("gdf", expect=raises(CRSError, "homes")),
        geographic("gdf", expect=same(crs_back=False)),
        bad_param("target", "EPSG:not-a-code", expect=raises(CRSError, "target")),
    ],
)
register(
    C,
    ucrs.gk_zone_crs,
    lambda: {"lon": 113.1},
    [bad_param("lon", float("nan")), bad_param("lon", 500.0), bad_param("lon", "113")],
)
register(
    C,
    ucrs.utm_crs,
    lambda: {"lon": 24.9, "lat": 60.2},
    [bad_param("lat", 100.0), bad_param("lon", float("nan")), bad_param("lat", float("nan"))],
)


def _lonlat_homes():
    return homes().to_crs(GEOGRAPHIC)


for _f in (
    ucrs.gcj02_to_wgs84,
    ucrs.wgs84_to_gcj02,
    ucrs.bd09_to_gcj02,
    ucrs.gcj02_to_bd09,
    ucrs.bd09_to_wgs84,
    ucrs.wgs84_to_bd09,
):
    # no CRS is accepted (documented: numbers already lon/lat); None and empty geometries pass through
    register(
        C,
        _f,
        lambda: {"geo": _lonlat_homes()},
        [
            Case("mismatch", "geo", lambda kw: {"geo": homes()}, raises(CRSError, "geo")),
            wrong_type("geo", value=lambda: [shapely.Point(113.1, 23.0)], expect=raises(UrbangeoError, "geo")),
        ],
    )
register(C, ustd.standard_table, lambda: {"standard": "GB50180-2018"}, [bad_param("standard", "GB 50180")])
register(
    C,
    ustd.park_class,
    lambda: {"area_ha": 5.0},
    [
        bad_param("area_ha", -1.0),
        bad_param("area_ha", float("nan")),
        bad_param("standard", "GB50180-2018"),
        bad_param("radius", "mid"),
        Case("str_dtype", "area_ha", lambda kw: {"area_ha": "5"}, raises(UrbangeoError, "area_ha")),
    ],
)
register(
    C,
    ustd.park_classes,
    lambda: {"area_ha": pd.Series([12.0, 0.5, np.nan])},
    # NaN is an unknown area (no class), documented; negative, infinite and text are bad input
    [
        bad_param("area_ha", [-1.0]),
        bad_param("area_ha", [float("inf")]),
        bad_param("radius", "mid"),
        Case("str_dtype", "area_ha", lambda kw: {"area_ha": pd.Series(["12", 0.5])}, raises(UrbangeoError, "area_ha")),
    ],
)
register(
    C,
    uunits.m2_to_ha,
    lambda: {"area_m2": np.array([10000.0, 2000.0])},
    # a unit conversion: NaN and signs carry through as in numpy; only text is bad input
    [
        Case(
            "str_dtype", "area_m2", lambda kw: {"area_m2": np.array(["big", "small"])}, raises(UrbangeoError, "area_m2")
        )
    ],
)
register(C, urbangeo.show_logs, dict, exempt="switches logging on; takes only a level")
register(C, urbangeo.hide_logs, dict, exempt="switches logging off; no argument")


# =========================================================================== names without a row
EXEMPT["core"] = {
    "__version__": "constant: version string",
    "crs": "module: its functions are walked through urbangeo.crs.__all__",
    "errors": "module: exception and warning classes",
    "io": "module: its functions are walked through urbangeo.io.__all__",
    "settings": "object: the validated settings (tests/test_settings_logging.py)",
    "UrbangeoError": "class: root exception",
    "accessibility": "wing module: walked separately",
    "subsidence": "wing module: walked separately",
    "landuse": "wing module: walked separately",
    "DRIVERS": "constant: file extension -> GDAL driver",
    "Raster": "class: validated in __post_init__ (2-D array, CRS, geotransform)",
    "FLOAT32_ATOL": "constant: largest change of the float32 cast for GeoTIFFs",
    "RESAMPLING": "constant: resampling methods of Raster.align_to",
    "STANDARDS": "constant: standard code -> table file (urbangeo.standards)",
    "PARK_STANDARD": "constant: default park standard code (urbangeo.standards)",
    "PARK_RADIUS_DEFAULT": "constant: default end of a park radius range (urbangeo.standards)",
    "MU_M2": "constant: square metres per mu (urbangeo.units)",
    "HA_M2": "constant: square metres per hectare (urbangeo.units)",
}


# =========================================================================== registry-wide tests
load_all_rows()  # the wings' rows: tests/<wing>/test_bad_input.py

WINGS = {
    "accessibility": (acc,),
    "subsidence": (sub,),
    "landuse": (lu,),
    "core": (urbangeo, uio, ucrs, uraster, ustd, uunits),
}


def _walk(wing: str) -> list[tuple[str, object]]:
    return [(n, getattr(m, n)) for m in WINGS[wing] for n in m.__all__]


@pytest.mark.parametrize(("func", "case"), params("core"))
def test_bad_input(func, case):
    check_case(func, case)


@pytest.mark.parametrize("wing", sorted(WINGS))
def test_every_public_function_has_a_row(wing):
    missing, stale_exempt = [], []
    public = {n for n, _ in _walk(wing)}
    for name, obj in _walk(wing):
        if inspect.isfunction(obj) and not inspect.isclass(obj):
            if obj not in REGISTRY:
                missing.append(name)
        elif name not in EXEMPT.get(wing, {}):
            missing.append(f"{name} (not a function: list it in EXEMPT with a reason)")
    assert not missing, f"public names of urbangeo.{wing} without a bad-input row: {missing}"
    for name in EXEMPT.get(wing, {}):
        if name not in public:
            stale_exempt.append(name)
    assert not stale_exempt, f"EXEMPT lists names no longer in urbangeo.{wing}.__all__: {stale_exempt}"


def test_registry_rows_are_public_and_have_cases_or_a_reason():
    public = {id(obj) for w in WINGS for _, obj in _walk(w)}
    for func, spec in REGISTRY.items():
        assert id(func) in public, f"{func.__module__}.{func.__name__} is registered but not public"
        assert spec.cases or spec.exempt, f"{func.__name__}: no case applies? give `exempt` a reason"
        ids = [c.id for c in spec.cases]
        assert len(ids) == len(set(ids)), f"{func.__name__}: duplicate case ids {ids}"


def test_xfail_rows_match_cases():
    import re

    for funcs, pattern, _reason in XFAILS:
        for func in funcs:
            ids = [c.id for c in REGISTRY[func].cases]
            assert any(re.search(pattern, i) for i in ids), f"XFAILS row {pattern!r} matches no case of {func.__name__}"


def test_assert_not_mutated_sees_networks_rasters_graphs_and_nan():
    """The mutation check of every row also covers the non-frame inputs (urbangeo.testing)."""
    from urbangeo.testing import assert_not_mutated

    net = grid(3)
    with assert_not_mutated(net):  # a NaN-free copy compares equal, object arrays of lines too
        pass
    with pytest.raises(AssertionError, match="edge_length_m"), assert_not_mutated(net):
        net.edge_length_m[0] = 1.0
    r = cone()
    with pytest.raises(AssertionError, match="array"), assert_not_mutated({"w": r, "nodata": float("nan")}):
        r.array[0, 0] = -1.0
    G = acc.network_to_graph(grid(2))
    with pytest.raises(AssertionError, match="nodes"), assert_not_mutated(G):
        G.nodes[0]["x"] = 0.0
