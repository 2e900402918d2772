"""Bad-input rows of ``urbangeo.subsidence``: every public function x the bad inputs that apply to it.

Each row registers a function with how to call it on small valid synthetic inputs and the
bad-input cases that apply to its arguments (:mod:`tests._bad_input` has the engine and the
shared registry; ``tests/test_bad_input_core.py`` checks that every public function of every
wing has a row). A new public function of ``urbangeo.subsidence`` gets its row here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import urbangeo.raster as uraster
from tests._bad_input import (
    CRS_M,
    EXEMPT,
    X0,
    Y0,
    Case,
    bad_param,
    bowtie,
    cached,
    check_case,
    cone,
    either,
    empty_frame,
    empty_geom,
    geographic,
    mismatch,
    missing_col,
    nan,
    no_crs,
    none_geom,
    params,
    points,
    raises,
    raster_no_crs,
    register,
    same,
    str_dtype,
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

# =========================================================================== subsidence
S = "subsidence"


def panels(**over):
    """Two longwall panels, 3 m and 2 m seams 400 m deep (r = 200 m)."""
    cols = {"m": [3.0, 2.0], "q": [0.8, 0.8], "H": [400.0, 400.0], "tan_beta": [2.0, 2.0], **over}
    geoms = [shapely.box(X0, Y0, X0 + 300, Y0 + 400), shapely.box(X0 + 400, Y0, X0 + 600, Y0 + 300)]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=CRS_M)


def panel_cases(t: str = "panels") -> list[Case]:
    return [
        no_crs(t),
        geographic(t, expect=same(crs_back=False, loose=True)),
        bowtie(t),
        empty_geom(t),
        none_geom(t),
        wrong_type(t),
        # `m` may also come from params=, so a missing column is a missing PIM parameter
        missing_col(t, "m", expect=raises(UrbangeoError, t, "m")),
        str_dtype(t, "q"),
        nan(t, "m", expect=raises(UrbangeoError, t, "m")),
        empty_frame(t),
    ]


def _other_crs_like():
    r = cone()
    return sub.reproject_raster(r, crs="EPSG:32650", resampling="nearest")


register(
    S,
    sub.predict_subsidence,
    lambda: {"panels": panels(), "resolution_m": 25.0},
    panel_cases()
    + [
        Case(
            "mismatch",
            "like",
            lambda kw: {"panels": kw["panels"], "like": _other_crs_like()},
            raises(UrbangeoError, "like"),
        ),
        bad_param("resolution_m", 0),
        bad_param("resolution_m", -25),
        bad_param("supersample", 0),
        bad_param("cutoff_r", 0),
    ],
)
register(
    S,
    sub.predict_deformation,
    lambda: {"panels": panels(), "resolution_m": 25.0, "quantities": ("subsidence", "tilt_max")},
    panel_cases() + [bad_param("resolution_m", 0), bad_param("resolution_m", -25), bad_param("quantities", ())],
)
register(
    S,
    sub.panel_parameters,
    lambda: {"panels": panels()},
    [
        missing_col("panels", "m", expect=raises(UrbangeoError, "panels", "m")),
        str_dtype("panels", "q"),
        nan("panels", "m", expect=raises(UrbangeoError, "panels", "m")),
        nan("panels", "q", expect=either(UrbangeoError, UrbangeoWarning, "panels")),
        empty_frame("panels"),
        Case("bad_param", "panels.H=0", lambda kw: {"panels": panels(H=[0.0, 400.0])}, raises(InvalidOptionError, "H")),
        bad_param("params", {"alpha": -5.0}, expect=raises(InvalidOptionError, "alpha")),
    ],
)
# sub.read_raster is urbangeo.io.read_raster (registered in the core rows)
register(
    S,
    uraster.reproject_raster,
    lambda: {"raster": cone(), "crs": "EPSG:32650"},
    [bad_param("resolution_m", 0), bad_param("resolution_m", -20)],
)
register(
    S,
    sub.insar_to_subsidence,
    lambda: {"source": cone(), "convention": "subsidence_m", "kind": "cumulative"},
    [
        raster_no_crs("source", tif_without_crs),
        geographic("source", expect=same(loose=True, crs_back=False)),
        bad_param("min_coherence", -0.5),
        bad_param("min_coherence", 2.0),
        bad_param("incidence_deg", -5.0),
        bad_param("incidence_deg", 95.0),
        bad_param("resolution_m", 0),
        bad_param("resolution_m", -20),
    ],
)
register(
    S,
    sub.dem_difference,
    lambda: {"pre": cone(depth=0.0), "post": cone(depth=-2.0)},
    [
        raster_no_crs("pre", tif_without_crs),
        raster_no_crs("post", tif_without_crs),
        geographic("pre", "post", expect=same(loose=True, crs_back=False)),
        mismatch("post", expect=same(loose=True, crs_back=False)),
        bad_param("resolution_m", 0),
        bad_param("resolution_m", -20),
    ],
)


def levelling_points():
    """A 6 x 6 lattice of levelling points, 100 m apart, subsidence linear in x and y."""
    xy = [(x, y) for x in range(0, 600, 100) for y in range(0, 600, 100)]
    return points(xy, subsidence=[0.001 * x + 0.002 * y for x, y in xy])


register(
    S,
    sub.subsidence_from_points,
    lambda: {"points": levelling_points(), "resolution_m": 50.0},
    [
        no_crs("points"),
        geographic("points", expect=same(crs_back=False, loose=True)),
        none_geom("points"),
        empty_geom("points"),
        wrong_type("points", expect=raises(UrbangeoError, "points")),
        missing_col("points", "subsidence"),
        str_dtype("points", "subsidence"),
        nan("points", "subsidence", expect=raises(UrbangeoError, "points", "subsidence")),
        empty_frame("points"),
        bad_param("resolution_m", 0),
        bad_param("resolution_m", -50),
        Case(
            "bad_param",
            "max_distance_m=-1",
            lambda kw: {**kw, "mask": "distance", "max_distance_m": -1.0},
            raises(InvalidOptionError, "max_distance_m"),
        ),
    ],
)


def _gw_raster(crs=CRS_M):
    r = cone()
    return (
        r.with_array(np.full(r.shape, 1.5), name="groundwater_depth", units="m")
        if crs == CRS_M
        else (sub.reproject_raster(r.with_array(np.full(r.shape, 1.5)), crs=crs, resampling="nearest"))
    )


def gw_cases() -> list[Case]:
    """A negative groundwater depth, and a groundwater raster in another CRS than `subsidence`."""
    return [
        bad_param("groundwater_depth_m", -1.0),
        Case(
            "mismatch",
            "groundwater_depth_m",
            lambda kw: {**kw, "groundwater_depth_m": _gw_raster("EPSG:32650")},
            raises(UrbangeoError, "groundwater_depth_m"),
        ),
    ]


def raster_geo(t="subsidence"):
    # Rasters are metric by contract (subsidence docs): a geographic one is refused, with the fix
    return geographic(t, expect=raises(CRSError, t))


register(
    S,
    sub.subsidence_areas,
    lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
    [
        raster_geo(),
        *gw_cases(),
        bad_param("min_area_m2", -1.0),
        bad_param("clean_radius_cells", -1),
        bad_param("classes", (0.5, 0.1)),
        bad_param("classes", (-1.0, 0.5)),
    ],
)
register(S, sub.water_depth, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5}, [raster_geo(), *gw_cases()])
register(
    S,
    sub.water_bodies,
    lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
    [raster_geo(), *gw_cases(), bad_param("min_area_m2", -1.0), bad_param("clean_radius_cells", -1)],
)


def _tilt(crs=CRS_M):
    r = cone()
    t = r.with_array(np.full(r.shape, 1e-3), name="tilt_max", units="m/m")
    return t if crs == CRS_M else sub.reproject_raster(t, crs=crs, resampling="nearest")


register(
    S,
    sub.restoration_zones,
    lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
    [
        raster_geo(),
        *gw_cases(),
        bad_param("min_area_m2", -1.0),
        bad_param("clean_radius_cells", -1),
        Case(
            "mismatch",
            "tilt_max",
            lambda kw: {**kw, "tilt_max": _tilt("EPSG:32650")},
            raises(UrbangeoError, "tilt_max"),
        ),
        Case(
            "missing_col",
            "uses.w_lower_m",
            lambda kw: {**kw, "uses": _uses_table().drop(columns="w_lower_m")},
            raises(MissingColumnError, "uses", "w_lower_m"),
        ),
    ],
)
register(
    S,
    sub.damage_grades,
    lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
    [
        raster_geo(),
        *gw_cases(),
        Case(
            "mismatch",
            "tilt_max",
            lambda kw: {**kw, "tilt_max": _tilt("EPSG:32650")},
            raises(UrbangeoError, "tilt_max"),
        ),
    ],
)
register(
    S,
    sub.terrace_bands,
    lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
    [
        raster_geo(),
        *gw_cases(),
        bad_param("bands", (0.0, -0.5)),
        bad_param("inflow_m3_per_day", 0),
        bad_param("inflow_m3_per_day", -5.0),
    ],
)
register(
    S,
    sub.safety_shelf,
    lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
    [
        raster_geo(),
        *gw_cases(),
        bad_param("width_m", 0),
        bad_param("width_m", -5.0),
        bad_param("max_depth_m", -1.0),
        bad_param("min_area_m2", -1.0),
    ],
)
for _f in (sub.knothe_subsidence, sub.knothe_rate):
    register(
        S,
        _f,
        lambda: {"final": cone(), "c_per_yr": 0.5, "t_yr": 2.0},
        [raster_geo("final"), bad_param("c_per_yr", 0), bad_param("c_per_yr", -0.5), bad_param("t_yr", -1.0)],
    )


def _uses_table():
    from urbangeo.subsidence._tables import load_table  # the default class table

    return load_table("subsidence_restoration_uses").copy()


def _deformation():
    return {
        k: v
        for k, v in cached(
            "deformation",
            lambda: sub.predict_deformation(
                panels(), resolution_m=25.0, quantities=("tilt_max", "curvature_max", "strain_max")
            ),
        ).items()
    }


register(
    S,
    sub.structure_setbacks,
    lambda: {"deformation": _deformation()},
    [
        Case("empty_frame", "deformation", lambda kw: {"deformation": {}}, raises(UrbangeoError, "deformation")),
        bad_param("thresholds", {"tilt_max": 0.0}, expect=raises(InvalidOptionError, "thresholds")),
        bad_param("thresholds", {"tilt_max": -3.0}, expect=raises(InvalidOptionError, "thresholds")),
        Case(
            "mismatch",
            "deformation",
            lambda kw: {
                "deformation": {
                    **kw["deformation"],
                    "tilt_max": sub.reproject_raster(
                        kw["deformation"]["tilt_max"], crs="EPSG:32650", resampling="nearest"
                    ),
                }
            },
            raises(UrbangeoError, "deformation"),
        ),
        bad_param("clean_radius_cells", -1),
    ],
)


def zones():
    """Restoration zones of the cone basin (metric CRS), the input of park_plan."""
    return cached("zones", lambda: sub.restoration_zones(cone(), groundwater_depth_m=1.5)).copy()


def _buildings(crs=CRS_M):
    return points([(-300, -300), (0, 250), (300, 100), (-200, 400)], crs=crs, residents=[12.0, 30.0, 8.0, 20.0])


def zone_cases(t="zones") -> list[Case]:
    return [
        no_crs(t),
        geographic(t, expect=raises(CRSError, t)),
        bowtie(t),
        empty_geom(t),
        none_geom(t),
        wrong_type(t, expect=raises(UrbangeoError, t)),
        missing_col(t, "in_park"),
        empty_frame(t),
    ]


register(
    S,
    sub.park_plan,
    lambda: {"network": None, "zones": zones(), "buildings": _buildings(), "population_col": "residents"},
    zone_cases()
    + [
        mismatch("buildings"),
        no_crs("buildings"),
        none_geom("buildings"),
        missing_col("buildings", "residents"),
        str_dtype("buildings", "residents"),
        nan("buildings", "residents", expect=either(UrbangeoError, UrbangeoWarning, "buildings")),
        bad_param("paved_share", -0.1),
        bad_param("paved_share", 1.5),
        bad_param("vegetation_cover", 2.0),
        bad_param("min_park_area_m2", -1.0),
        bad_param("entrance_spacing_m", 0),
        bad_param("max_snap_m", -1.0),
    ],
)
register(S, sub.park_landcover, lambda: {"zones": zones()}, zone_cases())


# park entrances and service areas: the accessibility rows (one copy, in that wing);
# park class: urbangeo.standards (core rows)


# =========================================================================== names without a row
EXEMPT["subsidence"] = {
    "Raster": "class: validated in __post_init__ (2-D array, CRS, geotransform)",
    "PIM_DEFAULTS": "constant: default PIM parameters",
    "QUANTITIES": "constant: tuple of deformation quantities",
    "INSAR_CONVENTIONS": "constant: InSAR sign conventions",
    "DEFAULT_CLASSES": "constant: default subsidence class bounds",
    "MU_M2": "constant: square metres per mu",
}


@pytest.mark.parametrize(("func", "case"), params("subsidence"))
def test_bad_input(func, case):
    check_case(func, case)
