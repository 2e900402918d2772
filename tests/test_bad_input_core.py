"""Bad-input matrix (issue 12): every public function x the bad inputs that apply to it.

``REGISTRY`` maps every public function of the core (``urbangeo``, ``urbangeo.io``,
``urbangeo.crs``) and of the wings (``urbangeo.accessibility``, ``urbangeo.subsidence``,
``urbangeo.landuse``) to a :class:`~_bad_input.Spec`: how to call it on small valid
synthetic inputs, and which bad inputs apply to its arguments, with what is expected:
a typed error from :mod:`urbangeo.errors` whose message names the argument, or a
documented warning with the result still returned, or (a geographic CRS, usually) the
same result as with the metric input. Every case also checks that no input was mutated.

``test_every_public_function_has_a_row`` walks each wing's ``__all__``: a new public
function without a registry entry fails it; classes and constants are listed in
``EXEMPT`` with a reason.

Cases marked ``xfail`` are known defects in modules owned by other developers; each
reason starts with ``issue12:`` and says what happens now (strict: fixing the defect
makes the test fail until the mark is removed).

The matrix lives in one module because pytest cannot collect three test files named
``test_bad_input.py`` in the (package-less) wing folders.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings

import geopandas as gpd
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
    GEOGRAPHIC,
    X0,
    Y0,
    Case,
    Spec,
    bad_param,
    bowtie,
    boxes,
    either,
    empty_frame,
    empty_geom,
    geographic,
    grid,
    mismatch,
    missing_col,
    nan,
    no_crs,
    none_geom,
    points,
    raises,
    raster_no_crs,
    run_case,
    same,
    set_arg,
    str_dtype,
    two_components,
    unknown_code,
    warns,
    wrong_type,
)
from urbangeo import subsidence as sub
from urbangeo.errors import (
    ColumnTypeError,
    CRSError,
    DroppedRowsWarning,
    EmptyDataError,
    GeometryFixedWarning,
    InvalidGeometryError,
    InvalidOptionError,
    MissingColumnError,
    UnknownCodeError,
    UrbangeoError,
    UrbangeoWarning,
)
from urbangeo.landuse import modelled_constraints, modelled_parcels, modelled_price_zones

with warnings.catch_warnings():  # networkx 3.2 has invalid escapes that py3.11 flags when compiling
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx

REGISTRY: dict = {}  # function -> Spec
WING_OF: dict = {}  # function -> wing name


def register(wing: str, func, build, cases=(), *, exempt: str | None = None) -> None:
    assert func not in REGISTRY, f"{func.__name__} registered twice"
    REGISTRY[func] = Spec(build=build, cases=list(cases), exempt=exempt)
    WING_OF[func] = wing


# =========================================================================== accessibility
A = "accessibility"


def homes(**extra):
    """Six homes on the 400 m x 400 m grid, off ties; (393, 251) lies by its last column."""
    return points([(37, 13), (213, 117), (393, 251), (121, 259), (337, 71), (53, 383)],
                  pop=[10.0, 20.0, 30.0, 5.0, 15.0, 25.0], g=["a", "b", "a", "b", "a", "b"], **extra)


def facs():
    return points([(103, 27), (309, 293), (203, 181), (391, 147)], beds=[5.0, 3.0, 4.0, 2.0],
                  category=["kindergarten", "primary_school", "kindergarten", "primary_school"])


def parks_frame():
    """Two small parks (slanted sides: no ties between entrance distances)."""
    rings = [[(112, 113), (188, 118), (183, 186), (115, 181)], [(322, 212), (389, 219), (385, 288), (327, 281)]]
    geoms = [shapely.Polygon([(X0 + x, Y0 + y) for x, y in r]) for r in rings]
    return gpd.GeoDataFrame({"name": ["p1", "p2"]}, geometry=geoms, crs=CRS_M)


def missing_category(t: str = "facilities", col: str = "category", expect=None) -> Case:
    """NaN (None) in the string category column: the row has no category."""

    def mutate(kw):
        g = kw[t].copy()
        g[col] = g[col].astype(object)
        g.iloc[0, g.columns.get_loc(col)] = None
        return {**kw, t: g}

    return Case("nan", f"{t}.{col}", mutate, expect or warns(DroppedRowsWarning, t))


def frame_cases(t: str) -> list[Case]:
    """The geometry cases of one point (or polygon) input ``t`` of a network function."""
    return [
        no_crs(t),
        none_geom(t),
        empty_geom(t),
        wrong_type(t, expect=raises(UrbangeoError, t)),
        empty_frame(t, expect=either(EmptyDataError, UrbangeoWarning, t)),
        bowtie(t),
    ]


def network_cases() -> list[Case]:
    """A network in two pieces, one home by the small piece: moved (warned) or refused."""
    return [two_components("network", expect=either(UrbangeoError, UrbangeoWarning))]


def missing_by(t: str = "facilities", col: str = "category") -> Case:
    """``by=col`` names a column ``t`` lacks."""
    return Case("missing_col", f"{t}.{col}", lambda kw: {**kw, "by": col, t: kw[t].drop(columns=col)},
                raises(MissingColumnError, t, col))


def common_params(*names) -> list[Case]:
    vals = {"speed_kmh": [0, -1], "max_snap_m": [-1], "entrance_spacing_m": [0], "street_width_m": [0],
            "minutes": [-1], "dist_m": [-1]}
    return [bad_param(n, v) for n in names for v in vals[n]]


def od_cases(o: str, f: str, col: str | None) -> list[Case]:
    """Cases of functions (network, origins, facilities, ...)."""
    out = network_cases() + frame_cases(o) + frame_cases(f)
    out += [geographic(o, f), mismatch(f, expect=same())]
    if col:
        out += [missing_col(f, col), str_dtype(f, col), nan(f, col, expect=warns(DroppedRowsWarning, f))]
    return out


def _net():
    return grid()


register(A, acc.cumulative_opportunities,
         lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "minutes": 3.3, "weight_col": "beds"},
         od_cases("origins", "facilities", "beds")
         + common_params("minutes", "speed_kmh", "max_snap_m", "entrance_spacing_m"))
register(A, acc.gravity_access,
         lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "minutes": 5.3, "weight_col": "beds"},
         od_cases("origins", "facilities", "beds")
         + common_params("minutes", "speed_kmh", "max_snap_m") + [bad_param("beta", -1)])
register(A, acc.nearest_facilities,
         lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "k": 1},
         od_cases("origins", "facilities", None)
         + common_params("minutes", "speed_kmh", "max_snap_m") + [bad_param("k", 0), missing_by()])
register(A, acc.pair_costs,
         lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "minutes": 10.0},
         od_cases("origins", "facilities", None) + common_params("minutes", "speed_kmh", "max_snap_m"))
register(A, acc.snap_points,
         lambda: {"network": _net(), "points": homes()},
         network_cases() + frame_cases("points") + [geographic("points")]
         + common_params("max_snap_m", "entrance_spacing_m"))
register(A, acc.isochrones,
         lambda: {"network": _net(), "origins": homes().iloc[1:3], "minutes": (2.3, 4.3)},
         network_cases() + frame_cases("origins") + [geographic("origins")]
         + common_params("minutes", "speed_kmh", "street_width_m", "max_snap_m"))
register(A, acc.service_areas,
         lambda: {"network": _net(), "facilities": facs(), "minutes": (2.3,), "by": "category"},
         network_cases() + frame_cases("facilities") + [geographic("facilities")]
         + [missing_col("facilities", "category"),
            missing_category()]
         + common_params("minutes", "speed_kmh", "street_width_m", "max_snap_m", "entrance_spacing_m"))



def fca_cases() -> list[Case]:
    out = network_cases() + frame_cases("demand") + frame_cases("supply")
    out += [geographic("demand", "supply"), mismatch("supply", expect=same())]
    out += [missing_col("demand", "pop"), str_dtype("demand", "pop"), nan("demand", "pop"),
            missing_col("supply", "beds"), str_dtype("supply", "beds"), nan("supply", "beds")]
    out += common_params("speed_kmh", "max_snap_m", "entrance_spacing_m")
    return out


def _fca_args(**kw):
    return lambda: {"network": _net(), "demand": homes(), "supply": facs(), "population_col": "pop",
                    "capacity_col": "beds", **kw}


register(A, acc.two_step_fca, _fca_args(minutes=4.3), fca_cases() + common_params("minutes")
         + [bad_param("costs", "a table"), bad_param("costs", pd.DataFrame({"origin": [0], "destination": [0], "cost": [1.0]}))])
register(A, acc.enhanced_two_step_fca, _fca_args(minutes={2.3: 1.0, 4.3: 0.5}),
         fca_cases() + [bad_param("minutes", {-2: 1.0, 4: 0.5}), bad_param("minutes", {2: -1.0})])
register(A, acc.gravity_two_step_fca, _fca_args(minutes=5.3), fca_cases() + common_params("minutes")
         + [bad_param("beta", -1)])
register(A, acc.three_step_fca, _fca_args(minutes={2.3: 1.0, 4.3: 0.5}),
         fca_cases() + [bad_param("minutes", {-2: 1.0})])
register(A, acc.supply_ratios, _fca_args(minutes=4.3), fca_cases() + common_params("minutes"))

register(A, acc.decay_weights,
         lambda: {"cost": np.array([0.0, 1.0, 2.5, 4.0]), "kind": "exponential", "horizon": 5.0},
         # NaN costs are documented as unreachable (weight 0): not a bad input here
         [Case("str_dtype", "cost", lambda kw: {**kw, "cost": np.array(["near", "far"])},
               raises(UrbangeoError, "cost")),
          bad_param("horizon", 0), bad_param("horizon", -1), bad_param("beta", -1),
          Case("bad_param", "min_cost=0", lambda kw: {**kw, "kind": "power", "min_cost": 0}, raises(InvalidOptionError, "min_cost"))])


_OSM_CACHE: dict = {}


def _toy_osm():
    """A 3 x 3 lattice of residential streets near (117E, 22.6N) with two amenity nodes."""
    if "path" not in _OSM_CACHE:
        import tempfile
        from pathlib import Path

        d = Path(tempfile.mkdtemp(prefix="urbangeo-bad-input-"))
        lon0, lat0, step = 117.0, 22.6, 0.001
        lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='urbangeo-test'>"]
        nid = {}
        for r in range(3):
            for c in range(3):
                nid[(c, r)] = 1 + c + 3 * r
                lines.append(f"  <node id='{nid[(c, r)]}' version='1' lat='{lat0 + r * step:.7f}' "
                             f"lon='{lon0 + c * step:.7f}'/>")
        lines.append(f"  <node id='50' version='1' lat='{lat0 + 0.0005:.7f}' lon='{lon0 + 0.0005:.7f}'>"
                     "<tag k='amenity' v='pharmacy'/></node>")
        lines.append(f"  <node id='51' version='1' lat='{lat0 + 0.0015:.7f}' lon='{lon0 + 0.0015:.7f}'>"
                     "<tag k='amenity' v='school'/></node>")
        wid = 100
        for r in range(3):
            refs = [nid[(c, r)] for c in range(3)]
            lines += [f"  <way id='{wid}' version='1'>", *[f"    <nd ref='{x}'/>" for x in refs],
                      "    <tag k='highway' v='residential'/>", "  </way>"]
            wid += 1
        for c in range(3):
            refs = [nid[(c, r)] for r in range(3)]
            lines += [f"  <way id='{wid}' version='1'>", *[f"    <nd ref='{x}'/>" for x in refs],
                      "    <tag k='highway' v='residential'/>", "  </way>"]
            wid += 1
        lines.append("</osm>")
        path = d / "toy.osm"
        path.write_text("\n".join(lines), encoding="utf-8")
        _OSM_CACHE["path"] = path
    return _OSM_CACHE["path"]


def _study_area(crs=GEOGRAPHIC):
    return gpd.GeoDataFrame(geometry=[shapely.box(116.999, 22.599, 117.003, 22.603)], crs=GEOGRAPHIC).to_crs(crs)


def area_cases(t: str) -> list[Case]:
    """Cases of a study-area polygon argument."""
    return [
        no_crs(t),
        empty_frame(t, expect=raises(UrbangeoError, t)),
        empty_geom(t, expect=raises(UrbangeoError, t)),
        none_geom(t, expect=raises(UrbangeoError, t)),
        wrong_type(t, expect=raises(UrbangeoError, t)),
        bowtie(t),
    ]


register(A, acc.network_from_osm,
         lambda: {"path": _toy_osm(), "mode": "walk", "polygon": _study_area(CRS_M)},
         # documented: a study-area frame may be in any CRS
         area_cases("polygon") + [geographic("polygon", expect=same(crs_back=False)),
                                  mismatch("polygon", expect=same(crs_back=False))]
         + [bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs")), bad_param("speed_kmh", 0),
            bad_param("speed_kmh", -1)])
register(A, acc.features_from_osm,
         lambda: {"path": _toy_osm(), "tags": {"amenity": ["pharmacy", "school"]}},
         [bad_param("tags", {}), bad_param("tags", {"amenity": "pharmacy"})])


def _graph():
    return acc.network_to_graph(grid(3))


def _graph_geographic():
    G = _graph()
    from pyproj import Transformer

    tr = Transformer.from_crs(CRS_M, GEOGRAPHIC, always_xy=True)
    H = G.copy()
    for _, d in H.nodes(data=True):
        d["x"], d["y"] = tr.transform(d["x"], d["y"])
    for _, _, d in H.edges(data=True):
        d["geometry"] = shapely.transform(d["geometry"], lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    H.graph["crs"] = GEOGRAPHIC
    return H


def _graph_without_crs():
    G = _graph()
    del G.graph["crs"]
    return G


register(A, acc.network_from_graph,
         lambda: {"graph": _graph(), "mode": "walk"},
         [Case("no_crs", "graph", lambda kw: {**kw, "graph": _graph_without_crs()}, raises(CRSError, "graph")),
          Case("geographic", "graph", lambda kw: {**kw, "graph": _graph_geographic()}, same(atol=1e-3)),
          Case("empty_frame", "graph", lambda kw: {**kw, "graph": nx.MultiDiGraph(crs=CRS_M)},
               raises(EmptyDataError, "graph")),
          bad_param("speed_kmh", 0), bad_param("speed_kmh", -1)])
register(A, acc.network_to_graph, lambda: {"network": grid(3)},
         exempt="takes a Network (always metric, validated when built); a two-component network converts fine")
register(A, acc.default_snap_filter, lambda: {"network": grid(3)},
         exempt="reads the edge tags of a Network (validated when built); no CRS, geometry or column argument")
register(A, acc.network_from_place, lambda: {"query": "Foshan"},
         exempt="a place name resolved online by osmnx; no geometry, CRS or column argument to spoil offline")


@contextlib.contextmanager
def _no_download():
    import osmnx

    def boom(*a, **k):
        raise RuntimeError("test: network_from_polygon tried to download before validating its input")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(osmnx, "graph_from_polygon", boom)
        yield


register(A, acc.network_from_polygon, lambda: {"polygon": _study_area(), "mode": "walk"},
         area_cases("polygon"))
REGISTRY[acc.network_from_polygon].guard = _no_download
register(A, acc.clip_network,
         lambda: {"network": _net(), "polygon": boxes([(-50, -50, 250, 250)]), "buffer_m": 0.0},
         area_cases("polygon") + [geographic("polygon", expect=same(crs_back=False)),
                                  mismatch("polygon", expect=same(crs_back=False)), bad_param("buffer_m", -1)])
register(A, acc.grid_network, lambda: {"n_x": 3, "n_y": 2, "crs": CRS_M},
         [bad_param("n_x", 0), bad_param("n_y", -1), bad_param("spacing_m", 0), bad_param("spacing_m", -100),
          bad_param("speed_kmh", 0), bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs"))])


def _road_lines():
    return gpd.GeoDataFrame({"layer": [0, 1], "oneway": ["no", "yes"], "kmh": [30.0, 40.0]},
                            geometry=[shapely.LineString([(0, 0), (200, 0)]), shapely.LineString([(100, -100), (100, -1.5)])],
                            crs=CRS_M)


def _noded_lines():  # nothing to repair: network_from_lines gives no TopologyRepairWarning on these
    return gpd.GeoDataFrame({"layer": [0, 0, 1], "oneway": ["no", "yes", "no"], "kmh": [30.0, 40.0, 50.0]},
                            geometry=[shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(100, 0), (200, 0)]),
                                      shapely.LineString([(100, 0), (100, -100)])], crs=CRS_M)


def _line_cases():  # 'geographic': the metric CRS chosen differs from CRS_M, so lengths agree to a centimetre
    return [no_crs("lines"), geographic("lines", expect=same(crs_back=False, atol=0.01)), wrong_type("lines"),
            empty_frame("lines"), none_geom("lines", expect=warns(DroppedRowsWarning, "lines")),
            missing_col("lines", "layer"), bad_param("snap_tolerance_m", -1)]


register(A, acc.repair_street_lines, lambda: {"lines": _road_lines(), "level_col": "layer", "crs": CRS_M},
         _line_cases())
register(A, acc.network_from_lines,
         lambda: {"lines": _noded_lines(), "level_col": "layer", "crs": CRS_M, "mode": "drive", "oneway_col": "oneway",
                  "speed_col": "kmh"},
         [*_line_cases(), missing_col("lines", "oneway"), missing_col("lines", "kmh"), str_dtype("lines", "kmh"),
          bad_param("mode", "fly")])
register(A, acc.damage_street_lines, lambda: {"network": grid(3)},
         exempt="takes a Network (validated when built) and writes modelled lines; no CRS, geometry or column argument")


def _plane_dem(x0: float = X0 - 100):  # a 5 % plane under grid(3) (or, moved, beside it)
    from affine import Affine

    xc = x0 + 10 * (np.arange(50) + 0.5)
    return uraster.Raster(np.tile(0.05 * xc - 0.05 * X0, (50, 1)), Affine(10, 0, x0, 0, -10, Y0 + 400), CRS_M)


register(A, acc.add_elevation, lambda: {"network": grid(3), "dem": _plane_dem()},
         [raster_no_crs("dem", lambda: _tif_without_crs()),  # defined further down
          set_arg("bad_param", "dem", _plane_dem(X0 + 5000), raises(urbangeo.errors.RasterError, "dem")),
          bad_param("dem", np.zeros((3, 3))), bad_param("sample_m", -1), bad_param("sample_m", 0)])
register(A, acc.hill_times, lambda: {"network": acc.add_elevation(grid(3), _plane_dem())},
         [set_arg("bad_param", "network", grid(3), raises(InvalidOptionError, "network")),
          bad_param("profile", "bike"), bad_param("steep", "forbid"), bad_param("max_grade", 0),
          bad_param("steep_penalty", 0.5)])

def _pop_zones():
    return boxes([(0, 0, 200, 400), (200, 0, 400, 400)], pop=[100.0, 60.0], old=[0.2, 0.3])


def _pop_buildings():
    return boxes([(10, 10, 30, 30), (120, 300, 140, 330), (250, 50, 270, 60), (300, 300, 330, 320)],
                 floors=[2.0, 5.0, 1.0, 3.0])


def _pop_grid():
    from affine import Affine

    a = np.zeros((4, 4))
    a[[3, 0, 3, 0], [0, 1, 2, 3]] = 25.0  # people only in the cells of the four buildings
    return uraster.Raster(a, Affine(100, 0, X0, 0, -100, Y0 + 400), CRS_M, name="people")


register(A, acc.disaggregate_population,
         lambda: {"zones": _pop_zones(), "buildings": _pop_buildings(), "population_col": "pop",
                  "floors_col": "floors", "shares": {"elderly": "old"}},
         [no_crs("zones"), no_crs("buildings"), geographic("zones", "buildings"), mismatch("buildings"),
          bowtie("zones"), bowtie("buildings"), none_geom("zones"), none_geom("buildings"), empty_geom("buildings"),
          wrong_type("zones"), wrong_type("buildings"), empty_frame("zones"), empty_frame("buildings"),
          missing_col("zones", "pop"), missing_col("buildings", "floors"), missing_col("zones", "old"),
          str_dtype("zones", "pop"), str_dtype("buildings", "floors"),
          nan("zones", "pop", expect=raises(ColumnTypeError, "zones", "pop")),
          nan("buildings", "floors", expect=warns(urbangeo.errors.MissingValuesWarning, "buildings")),
          bad_param("weight_by", "volume"), bad_param("assign", "centroid"), bad_param("floor_height_m", 0),
          bad_param("shares", {"elderly": 1.5})])
register(A, acc.sample_population_raster,
         lambda: {"raster": _pop_grid(), "buildings": _pop_buildings(), "floors_col": "floors"},
         [raster_no_crs("raster", lambda: _tif_without_crs()), bad_param("raster", np.zeros((3, 3))),
          no_crs("buildings"), geographic("buildings"), bowtie("buildings"), none_geom("buildings"),
          wrong_type("buildings"), empty_frame("buildings"), missing_col("buildings", "floors"),
          str_dtype("buildings", "floors"),
          nan("buildings", "floors", expect=warns(urbangeo.errors.MissingValuesWarning, "buildings")),
          bad_param("weight_by", "volume"), bad_param("floor_height_m", -3)])

# ----- Accessibility II
register(A, acc.access_equity,
         lambda: {"frame": pd.DataFrame({"minutes": [2.0, 4.0, 12.0, 6.0], "pop": [10.0, 30.0, 20.0, 5.0],
                                         "g": ["a", "b", "a", "b"]}),
                  "value_col": "minutes", "threshold": 5.0, "group_by": "g", "population_col": "pop"},
         [missing_col("frame", "minutes"), missing_col("frame", "pop"), str_dtype("frame", "minutes"),
          str_dtype("frame", "pop"), nan("frame", "pop", expect=raises(ColumnTypeError, "frame", "pop")),
          # NaN minutes are documented as unreachable (counted in n_unreachable): not a bad input
          empty_frame("frame"), bad_param("threshold", -1)])


def _values():
    return {"values": np.array([1.0, 2.0, 4.0, 7.0]), "weights": np.array([1.0, 2.0, 1.0, 3.0])}


_EXTRA = {acc.gini: [bad_param("values", np.array([1.0, -2.0, 4.0, 7.0]))], acc.theil: [],
          acc.weighted_percentiles: [bad_param("q", (-10, 50))]}
for _f, _more in _EXTRA.items():
    register(A, _f, _values,
             [nan("values", expect=raises(InvalidOptionError, "values")),
              nan("weights", expect=raises(InvalidOptionError, "weights")),
              Case("str_dtype", "values", lambda kw: {**kw, "values": np.array(["1", "2", "4", "7"])},
                   raises(UrbangeoError, "values")),
              Case("empty_frame", "values", lambda kw: {"values": np.array([])}, raises(EmptyDataError, "values")),
              bad_param("weights", np.array([1.0, -2.0, 1.0, 3.0])), *_more])


def _lc_args():
    return {"network": _net(), "residences": homes(), "facilities": facs(), "by": "category",
            "required": {"kindergarten": 5, "primary_school": 10}}


register(A, acc.life_circle_audit, _lc_args,
         network_cases() + frame_cases("residences") + frame_cases("facilities")
         + [geographic("residences", "facilities"), mismatch("facilities", expect=same()),
            missing_col("facilities", "category"), missing_category(),
            set_arg("unknown_code", "required", ["kindergarten", "spaceport"], raises(InvalidOptionError, "required")),
            bad_param("limits", {5: -1.0}, expect=raises(InvalidOptionError, "limits")),
            bad_param("required", {"kindergarten": 0}, expect=raises(InvalidOptionError, "required")),
            bad_param("speed_kmh", 0), bad_param("max_snap_m", -1)])
register(A, acc.life_circle_standard, lambda: {"standard": "GB50180-2018"},
         [set_arg("unknown_code", "standard", "GB-0000", raises(InvalidOptionError, "standard"))])


_AUDIT: dict = {}


def _audit():
    if "a" not in _AUDIT:
        _AUDIT["a"] = acc.life_circle_audit(**_lc_args())
    return _AUDIT["a"].copy()


def _areas():
    return boxes([(-50, -50, 200, 450), (200, -50, 450, 450)], zone=["w", "e"])


register(A, acc.life_circle_summary, lambda: {"audit": _audit(), "group_by": "g", "population_col": "pop"}, [
    missing_col("audit", "compliant"), missing_col("audit", "pop"), str_dtype("audit", "pop"),
    nan("audit", "pop", expect=raises(ColumnTypeError, "audit", "pop")),
    # residences with no `group_by` value are reported as the group "missing": not a bad input
    empty_frame("audit"),
    Case("no_crs", "areas", lambda kw: {"audit": kw["audit"], "areas": _areas().set_crs(None, allow_override=True)},
         raises(CRSError, "areas")),
    Case("mismatch", "areas", lambda kw: {"audit": kw["audit"], "areas": _areas().to_crs("EPSG:32650")},
         either(CRSError, UrbangeoWarning, "areas")),
    Case("wrong_type", "areas",
         lambda kw: {"audit": kw["audit"], "areas": _areas().set_geometry(_areas().boundary)},
         raises(UrbangeoError, "areas")),
    Case("empty_frame", "areas", lambda kw: {"audit": kw["audit"], "areas": _areas().iloc[:0]},
         raises(EmptyDataError, "areas")),
])

register(A, acc.classify_parks, lambda: {"parks": parks_frame()},
         [no_crs("parks"), geographic("parks"), bowtie("parks"), empty_geom("parks"), none_geom("parks"),
          wrong_type("parks", expect=raises(UrbangeoError, "parks")), empty_frame("parks"),
          bad_param("radii_m", {"garden": -5}, expect=raises(InvalidOptionError, "radii_m")),
          set_arg("unknown_code", "standard", "GB-0000", raises(InvalidOptionError, "standard"))])


def _park_net_cases(*, geo: bool = True) -> list[Case]:
    # no two_components row: a park enters through all its entrances, and the largest piece reaches it
    return [no_crs("parks"), *([geographic("parks")] if geo else []), bowtie("parks"), empty_geom("parks"),
            none_geom("parks"), wrong_type("parks", expect=raises(UrbangeoError, "parks")), empty_frame("parks")]


register(A, acc.park_entrances, lambda: {"network": _net(), "parks": parks_frame()},
         _park_net_cases() + [bad_param("entrance_spacing_m", 0), bad_param("max_snap_m", -1)])
register(A, acc.park_service_areas, lambda: {"network": _net(), "parks": parks_frame(), "radii_m": {"garden": 150}},
         _park_net_cases() + [bad_param("entrance_spacing_m", 0), bad_param("street_width_m", 0),
                                     bad_param("radii_m", {"garden": -5}, expect=raises(InvalidOptionError, "radii_m"))])
register(A, acc.park_coverage,
         lambda: {"network": _net(), "residences": homes(), "parks": parks_frame(), "radii_m": {"garden": 150}},
         frame_cases("residences") + _park_net_cases(geo=False)
         + [geographic("residences", "parks"), mismatch("parks", expect=same()),
            bad_param("entrance_spacing_m", 0), bad_param("speed_kmh", 0), bad_param("max_snap_m", -1)])


_COVERAGE: dict = {}


def _coverage():
    if "c" not in _COVERAGE:
        _COVERAGE["c"] = acc.park_coverage(_net(), homes(), parks_frame(), radii_m={"garden": 150})
    return _COVERAGE["c"].copy()


register(A, acc.park_coverage_summary, lambda: {"coverage": _coverage(), "population_col": "pop"},
         [missing_col("coverage", "covered_radius"), missing_col("coverage", "pop"), str_dtype("coverage", "pop"),
          nan("coverage", "pop", expect=raises(ColumnTypeError, "coverage", "pop")), empty_frame("coverage")])


def _sites():
    return points([(100, 100), (300, 300)])


def _site_cases(d: str = "demand", s: str = "sites") -> list[Case]:
    return (network_cases() + frame_cases(d) + frame_cases(s)
            + [geographic(d, s), mismatch(s, expect=same())])


register(A, acc.cost_matrix, lambda: {"network": _net(), "demand": homes(), "sites": _sites()},
         _site_cases() + [bad_param("minutes", -1), bad_param("speed_kmh", 0), bad_param("max_snap_m", -1)])
register(A, acc.assign_demand,
         lambda: {"network": _net(), "demand": homes(), "sites": _sites(), "minutes": 5.0},
         _site_cases() + [bad_param("minutes", -1), bad_param("speed_kmh", 0)])
register(A, acc.site_facilities,
         lambda: {"network": _net(), "demand": homes(), "candidates": _sites().assign(cap=100.0), "model": "mclp",
                  "p": 1, "minutes": 4.0, "population_col": "pop", "capacity_col": "cap"},
         _site_cases("demand", "candidates")
         + [missing_col("demand", "pop"), str_dtype("demand", "pop"),
            nan("demand", "pop", expect=either(ColumnTypeError, DroppedRowsWarning, "demand")),
            bad_param("p", -1), bad_param("minutes", -1), bad_param("time_limit_s", 0),
            bad_param("speed_kmh", 0),
            missing_col("candidates", "cap"), str_dtype("candidates", "cap"),
            nan("candidates", "cap", expect=raises(ColumnTypeError, "candidates", "cap")),
            Case("bad_param", "candidates.cap=-1", lambda kw: {**kw, "candidates": kw["candidates"].assign(cap=-1.0)},
                 raises(ColumnTypeError, "candidates", "cap", "capacity_col")),
            bad_param("capacity_col", 3), bad_param("split_demand", "yes")])
register(A, acc.network_candidates, lambda: {"network": _net(), "min_degree": 3},
         # a second component changes nothing for the intersections: no two_components row
         [bad_param("min_degree", -1), set_arg("geographic", "crs", GEOGRAPHIC, same(crs_back=False))])


# =========================================================================== subsidence
S = "subsidence"


def panels(**over):
    """Two longwall panels, 3 m and 2 m seams 400 m deep (r = 200 m)."""
    cols = {"m": [3.0, 2.0], "q": [0.8, 0.8], "H": [400.0, 400.0], "tan_beta": [2.0, 2.0], **over}
    geoms = [shapely.box(X0, Y0, X0 + 300, Y0 + 400), shapely.box(X0 + 400, Y0, X0 + 600, Y0 + 300)]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=CRS_M)


def cone(crs=CRS_M, depth: float = 4.0) -> sub.Raster:
    """A conical basin 51 x 51 cells of 20 m: W = depth (1 - rho / 400 m), NaN-free."""
    from affine import Affine

    n, cell = 51, 20.0
    x = cell * (np.arange(n) + 0.5) - n * cell / 2
    X, Y = np.meshgrid(x, -x)
    arr = np.maximum(depth * (1 - np.hypot(X, Y) / 400.0), 0.0)
    return sub.Raster(arr, Affine(cell, 0, X0 - n * cell / 2, 0, -cell, Y0 + n * cell / 2), crs, name="subsidence",
                      units="m")


_CACHE: dict = {}


def _cached(key, make):
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def _tif_without_crs():
    """A GeoTIFF with a geotransform but no CRS."""
    def make():
        import tempfile
        from pathlib import Path

        import rasterio

        path = Path(tempfile.mkdtemp(prefix="urbangeo-bad-input-")) / "no_crs.tif"
        r = cone()
        prof = {"driver": "GTiff", "dtype": "float64", "count": 1, "height": r.shape[0], "width": r.shape[1],
                "transform": r.transform}
        with rasterio.open(path, "w", **prof) as dst:
            dst.write(r.array, 1)
        return path

    return _cached("tif_no_crs", make)


def _tif():
    def make():
        import tempfile
        from pathlib import Path

        return cone().to_geotiff(Path(tempfile.mkdtemp(prefix="urbangeo-bad-input-")) / "cone.tif")

    return _cached("tif_cone", make)


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


register(S, sub.predict_subsidence, lambda: {"panels": panels(), "resolution_m": 25.0},
         panel_cases() + [
             Case("mismatch", "like", lambda kw: {"panels": kw["panels"], "like": _other_crs_like()},
                  raises(UrbangeoError, "like")),
             bad_param("resolution_m", 0), bad_param("resolution_m", -25), bad_param("supersample", 0),
             bad_param("cutoff_r", 0)])
register(S, sub.predict_deformation,
         lambda: {"panels": panels(), "resolution_m": 25.0, "quantities": ("subsidence", "tilt_max")},
         panel_cases() + [bad_param("resolution_m", 0), bad_param("resolution_m", -25),
                          bad_param("quantities", ())])
register(S, sub.panel_parameters, lambda: {"panels": panels()},
         [missing_col("panels", "m", expect=raises(UrbangeoError, "panels", "m")),
          str_dtype("panels", "q"), nan("panels", "m", expect=raises(UrbangeoError, "panels", "m")),
          nan("panels", "q", expect=either(UrbangeoError, UrbangeoWarning, "panels")),
          empty_frame("panels"),
          Case("bad_param", "panels.H=0", lambda kw: {"panels": panels(H=[0.0, 400.0])}, raises(InvalidOptionError, "H")),
          bad_param("params", {"alpha": -5.0}, expect=raises(InvalidOptionError, "alpha"))])
# sub.read_raster is urbangeo.io.read_raster (registered in the core rows)
register(S, uraster.reproject_raster, lambda: {"raster": cone(), "crs": "EPSG:32650"},
         [bad_param("resolution_m", 0), bad_param("resolution_m", -20)])
register(S, sub.insar_to_subsidence, lambda: {"source": cone(), "convention": "subsidence_m", "kind": "cumulative"},
         [raster_no_crs("source", _tif_without_crs), geographic("source", expect=same(loose=True, crs_back=False)),
          bad_param("min_coherence", -0.5), bad_param("min_coherence", 2.0), bad_param("incidence_deg", -5.0),
          bad_param("incidence_deg", 95.0), bad_param("resolution_m", 0), bad_param("resolution_m", -20)])
register(S, sub.dem_difference, lambda: {"pre": cone(depth=0.0), "post": cone(depth=-2.0)},
         [raster_no_crs("pre", _tif_without_crs), raster_no_crs("post", _tif_without_crs),
          geographic("pre", "post", expect=same(loose=True, crs_back=False)),
          mismatch("post", expect=same(loose=True, crs_back=False)),
          bad_param("resolution_m", 0), bad_param("resolution_m", -20)])


def levelling_points():
    """A 6 x 6 lattice of levelling points, 100 m apart, subsidence linear in x and y."""
    xy = [(x, y) for x in range(0, 600, 100) for y in range(0, 600, 100)]
    return points(xy, subsidence=[0.001 * x + 0.002 * y for x, y in xy])


register(S, sub.subsidence_from_points, lambda: {"points": levelling_points(), "resolution_m": 50.0},
         [no_crs("points"), geographic("points", expect=same(crs_back=False, loose=True)),
          none_geom("points"), empty_geom("points"), wrong_type("points", expect=raises(UrbangeoError, "points")),
          missing_col("points", "subsidence"), str_dtype("points", "subsidence"),
          nan("points", "subsidence", expect=raises(UrbangeoError, "points", "subsidence")),
          empty_frame("points"), bad_param("resolution_m", 0), bad_param("resolution_m", -50),
          Case("bad_param", "max_distance_m=-1",
               lambda kw: {**kw, "mask": "distance", "max_distance_m": -1.0}, raises(InvalidOptionError, "max_distance_m"))])


def _gw_raster(crs=CRS_M):
    r = cone()
    return r.with_array(np.full(r.shape, 1.5), name="groundwater_depth", units="m") if crs == CRS_M else (
        sub.reproject_raster(r.with_array(np.full(r.shape, 1.5)), crs=crs, resampling="nearest"))


def gw_cases() -> list[Case]:
    """A negative groundwater depth, and a groundwater raster in another CRS than `subsidence`."""
    return [bad_param("groundwater_depth_m", -1.0),
            Case("mismatch", "groundwater_depth_m", lambda kw: {**kw, "groundwater_depth_m": _gw_raster("EPSG:32650")},
                 raises(UrbangeoError, "groundwater_depth_m"))]


def raster_geo(t="subsidence"):
    # Rasters are metric by contract (subsidence docs): a geographic one is refused, with the fix
    return geographic(t, expect=raises(CRSError, t))


register(S, sub.subsidence_areas, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
         [raster_geo(), *gw_cases(), bad_param("min_area_m2", -1.0),
          bad_param("clean_radius_cells", -1), bad_param("classes", (0.5, 0.1)), bad_param("classes", (-1.0, 0.5))])
register(S, sub.water_depth, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
         [raster_geo(), *gw_cases()])
register(S, sub.water_bodies, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
         [raster_geo(), *gw_cases(), bad_param("min_area_m2", -1.0), bad_param("clean_radius_cells", -1)])


def _tilt(crs=CRS_M):
    r = cone()
    t = r.with_array(np.full(r.shape, 1e-3), name="tilt_max", units="m/m")
    return t if crs == CRS_M else sub.reproject_raster(t, crs=crs, resampling="nearest")


register(S, sub.restoration_zones, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
         [raster_geo(), *gw_cases(), bad_param("min_area_m2", -1.0), bad_param("clean_radius_cells", -1),
          Case("mismatch", "tilt_max", lambda kw: {**kw, "tilt_max": _tilt("EPSG:32650")},
               raises(UrbangeoError, "tilt_max")),
          Case("missing_col", "uses.w_lower_m",
               lambda kw: {**kw, "uses": _uses_table().drop(columns="w_lower_m")},
               raises(MissingColumnError, "uses", "w_lower_m"))])
register(S, sub.damage_grades, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
         [raster_geo(), *gw_cases(),
          Case("mismatch", "tilt_max", lambda kw: {**kw, "tilt_max": _tilt("EPSG:32650")},
               raises(UrbangeoError, "tilt_max"))])
register(S, sub.terrace_bands, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
         [raster_geo(), *gw_cases(), bad_param("bands", (0.0, -0.5)), bad_param("inflow_m3_per_day", 0),
          bad_param("inflow_m3_per_day", -5.0)])
register(S, sub.safety_shelf, lambda: {"subsidence": cone(), "groundwater_depth_m": 1.5},
         [raster_geo(), *gw_cases(), bad_param("width_m", 0), bad_param("width_m", -5.0),
          bad_param("max_depth_m", -1.0), bad_param("min_area_m2", -1.0)])
for _f in (sub.knothe_subsidence, sub.knothe_rate):
    register(S, _f, lambda: {"final": cone(), "c_per_yr": 0.5, "t_yr": 2.0},
             [raster_geo("final"), bad_param("c_per_yr", 0), bad_param("c_per_yr", -0.5), bad_param("t_yr", -1.0)])


def _uses_table():
    from urbangeo.subsidence._tables import load_table  # the default class table

    return load_table("subsidence_restoration_uses").copy()


def _deformation():
    return {k: v for k, v in _cached("deformation", lambda: sub.predict_deformation(
        panels(), resolution_m=25.0, quantities=("tilt_max", "curvature_max", "strain_max"))).items()}


register(S, sub.structure_setbacks, lambda: {"deformation": _deformation()},
         [Case("empty_frame", "deformation", lambda kw: {"deformation": {}}, raises(UrbangeoError, "deformation")),
          bad_param("thresholds", {"tilt_max": 0.0}, expect=raises(InvalidOptionError, "thresholds")),
          bad_param("thresholds", {"tilt_max": -3.0}, expect=raises(InvalidOptionError, "thresholds")),
          Case("mismatch", "deformation",
               lambda kw: {"deformation": {**kw["deformation"], "tilt_max": sub.reproject_raster(
                   kw["deformation"]["tilt_max"], crs="EPSG:32650", resampling="nearest")}},
               raises(UrbangeoError, "deformation")),
          bad_param("clean_radius_cells", -1)])


def zones():
    """Restoration zones of the cone basin (metric CRS), the input of park_plan."""
    return _cached("zones", lambda: sub.restoration_zones(cone(), groundwater_depth_m=1.5)).copy()


def _buildings(crs=CRS_M):
    return points([(-300, -300), (0, 250), (300, 100), (-200, 400)], crs=crs, residents=[12.0, 30.0, 8.0, 20.0])


def zone_cases(t="zones") -> list[Case]:
    return [no_crs(t), geographic(t, expect=raises(CRSError, t)), bowtie(t), empty_geom(t), none_geom(t),
            wrong_type(t, expect=raises(UrbangeoError, t)), missing_col(t, "in_park"), empty_frame(t)]


register(S, sub.park_plan,
         lambda: {"network": None, "zones": zones(), "buildings": _buildings(), "population_col": "residents"},
         zone_cases() + [
             mismatch("buildings"), no_crs("buildings"), none_geom("buildings"),
             missing_col("buildings", "residents"), str_dtype("buildings", "residents"),
             nan("buildings", "residents", expect=either(UrbangeoError, UrbangeoWarning, "buildings")),
             bad_param("paved_share", -0.1), bad_param("paved_share", 1.5), bad_param("vegetation_cover", 2.0),
             bad_param("min_park_area_m2", -1.0), bad_param("entrance_spacing_m", 0),
             bad_param("max_snap_m", -1.0)])
register(S, sub.park_landcover, lambda: {"zones": zones()}, zone_cases())


# park entrances and service areas: the accessibility rows (issue 13: one copy, in that wing);
# park class: urbangeo.standards (core rows)


# =========================================================================== landuse
L = "landuse"

LU_CRS = "EPSG:4547"  # the modelled parcels lie near Foshan, in the zone metric_crs picks for them


def parcels():
    """40-odd modelled village plots (near Foshan, EPSG:4547) with survey attributes."""
    return _cached("parcels", lambda: modelled_parcels(60, seed=3)).copy()


def constraints():
    return {k: v.copy() for k, v in _cached("constraints", lambda: modelled_constraints(parcels(), seed=3)).items()}


def parcel_cases(t: str = "parcels", *, geo: tuple[str, ...] | None = None) -> list[Case]:
    """The cases of a polygon layer ``t``; ``geo``: the layers turned geographic together (default ``t``)."""
    return [no_crs(t), geographic(*(geo or (t,))), bowtie(t), empty_geom(t), none_geom(t), wrong_type(t),
            empty_frame(t)]


_LOOKUP_ARGS = lambda: {"values": ["0101", "0702", "1104"]}  # noqa: E731
for _f in (lu.category_of, lu.level1_of, lu.name_of, lu.planning_class_of):
    register(L, _f, _LOOKUP_ARGS,
             # missing codes are documented to stay missing (<NA>): only unknown codes are bad input
             [unknown_code("values", value="9999", expect=either(UnknownCodeError, UrbangeoWarning, "values"))])
register(L, lu.is_collective, lambda: {"values": ["30", "10", "32"]},
         [unknown_code("values", value="99", expect=either(UnknownCodeError, UrbangeoWarning, "values"))])
register(L, lu.normalize_codes, lambda: {"values": [101, "05h1", " 0702 "]},
         # normalises spelling only; unknown codes are checked by validate_codes
         [bad_param("kind", "colour")])
register(L, lu.validate_codes, lambda: {"frame": parcels(), "code_col": "DLBM"},
         [unknown_code("frame", "DLBM", expect=raises(UnknownCodeError, "parcels", "DLBM")),
          missing_col("frame", "DLBM", expect=raises(MissingColumnError, "parcels", "DLBM")),
          Case("nan", "frame.DLBM", lambda kw: {**kw, "frame": _with_value(kw["frame"], "DLBM", None)},
               raises(UnknownCodeError, "parcels", "DLBM")),
          Case("unknown_code", "frame.QSXZ", lambda kw: {"frame": _with_value(kw["frame"], "QSXZ", "99"),
                                                       "code_col": "QSXZ", "kind": "ownership"},
               raises(UnknownCodeError, "parcels", "QSXZ"))])
for _f, _why in ((lu.land_classes, "returns the shipped GB/T 21010 table; no data argument"),
                 (lu.ownership_codes, "returns the shipped QSXZ table; no argument"),
                 (lu.planning_classes, "returns the shipped planning table; no argument"),
                 (lu.available_profiles, "lists the shipped profiles; no argument")):
    register(L, _f, dict, exempt=_why)
register(L, lu.load_profile, lambda: {"profile": "national"},
         [set_arg("unknown_code", "profile", "atlantis", raises(InvalidOptionError, "profile")),
          bad_param("min_block_area_m2", -1.0), bad_param("public_interest_share_min", 1.5),
          bad_param("public_interest_share_min", -0.1), bad_param("villager_consent_share_min", 2.0),
          bad_param("overlap_share_tolerance", -0.01), bad_param("notice_days_min", -5),
          bad_param("min_block_area_m2", "large"), bad_param("min_block_aera_m2", 10.0)])


def _with_value(frame, col, value, row=0):
    out = frame.copy()
    out[col] = out[col].astype(object)
    out.iloc[row, out.columns.get_loc(col)] = value
    return out


def block_cases() -> list[Case]:
    # precision_m=0 is documented (no snapping): only negative values are bad
    return parcel_cases() + [
        bad_param("gap_m", -1.0), bad_param("precision_m", -0.001),
        Case("missing_col", "parcels.village", lambda kw: {**kw, "group_by": "village"},
             raises(MissingColumnError, "parcels", "village"))]


register(L, lu.assemble_blocks, lambda: {"parcels": parcels()},
         # a missing ownership column is documented to skip the ownership mix: no missing_col row
         block_cases() + [unknown_code("parcels", "QSXZ", value="99",
                                       expect=either(UnknownCodeError, UrbangeoWarning, "parcels")),
                          Case("nan", "parcels.QSXZ", lambda kw: {**kw, "parcels": _with_value(kw["parcels"], "QSXZ", None)},
                               either(UrbangeoError, UrbangeoWarning, "parcels")),
                          bad_param("min_area_m2", -1.0),
                          set_arg("unknown_code", "profile", "atlantis", raises(InvalidOptionError, "profile"))])
register(L, lu.block_membership, lambda: {"parcels": parcels()}, block_cases())


def _after(frame=None):
    """The parcels at a second date: a third of them changed class."""
    b = parcels() if frame is None else frame
    out = b.copy()
    out.loc[out.index[::3], "DLBM"] = "0701"
    return out


register(L, lu.transition_matrix, lambda: {"before": parcels(), "after": _after()},
         [no_crs("before"), no_crs("after"), geographic("before", "after", expect=same(crs_back=False)),
          mismatch("after", crs="EPSG:32649"), bowtie("before"), bowtie("after"), empty_geom("before"),
          none_geom("after"), wrong_type("before"), missing_col("before", "DLBM"), missing_col("after", "DLBM"),
          Case("nan", "before.DLBM", lambda kw: {**kw, "before": _with_value(kw["before"], "DLBM", None)},
               warns(DroppedRowsWarning, "before")),
          empty_frame("before"), empty_frame("after"),
          Case("raster_no_crs", "before", lambda kw: {"before": _tif_codes(crs=False), "after": _tif_codes(crs=False),
                                                     "resolution_m": 10.0},
               either(UrbangeoError, UrbangeoWarning, "before")),
          Case("bad_param", "resolution_m=0", lambda kw: {"before": _codes(), "after": _codes(1), "resolution_m": 0},
               raises(InvalidOptionError, "resolution_m"))])


def _codes(shift: int = 0) -> np.ndarray:
    a = np.array([[1, 1, 2, 2], [1, 3, 3, 2], [4, 4, 3, 1]], dtype=np.int32)
    return np.roll(a, shift, axis=1)


def _tif_codes(*, crs: bool):
    def make():
        import tempfile
        from pathlib import Path

        import rasterio
        from affine import Affine

        path = Path(tempfile.mkdtemp(prefix="urbangeo-bad-input-")) / f"codes_{crs}.tif"
        a = _codes()
        prof = {"driver": "GTiff", "dtype": "int32", "count": 1, "height": a.shape[0], "width": a.shape[1],
                "transform": Affine(10, 0, 500000, 0, -10, 2500000), "nodata": 0}
        if crs:
            prof["crs"] = LU_CRS
        with rasterio.open(path, "w", **prof) as dst:
            dst.write(a, 1)
        return path

    return _cached(f"tif_codes_{crs}", make)


register(L, lu.raster_transition_matrix, lambda: {"before": _codes(), "after": _codes(1)},
         [Case("mismatch", "after", lambda kw: {**kw, "after": _codes()[:, :3]}, raises(UrbangeoError, "after")),
          Case("str_dtype", "before", lambda kw: {**kw, "before": _codes().astype(str)}, raises(UrbangeoError, "before")),
          Case("empty_frame", "before", lambda kw: {"before": np.zeros((0, 0), np.int32), "after": np.zeros((0, 0), np.int32)},
               raises(EmptyDataError, "before")),
          Case("raster_no_crs", "before", lambda kw: {"before": _tif_codes(crs=False), "after": _tif_codes(crs=False),
                                                     "resolution_m": 10.0},
               either(UrbangeoError, UrbangeoWarning, "before")),
          bad_param("resolution_m", 0), bad_param("resolution_m", -10.0)])


def _matrix():
    return _cached("matrix", lambda: lu.transition_matrix(_codes(), _codes(1))).copy()


def matrix_cases(t: str = "matrix") -> list[Case]:
    def spoil(value):
        def mutate(kw):
            m = kw[t].astype(float) if not isinstance(value, str) else kw[t].astype(object)
            m.iloc[0, 1] = value
            return {**kw, t: m}
        return mutate

    return [Case("nan", t, spoil(np.nan), raises(UrbangeoError, t)),
            Case("bad_param", f"{t}[0,1]=-1", spoil(-1.0), raises(InvalidOptionError, t)),
            Case("str_dtype", t, spoil("3"), raises(UrbangeoError, t)),
            Case("empty_frame", t, lambda kw: {**kw, t: kw[t].iloc[:0, :0]}, raises(EmptyDataError, t))]


register(L, lu.change_components, lambda: {"matrix": _matrix()}, matrix_cases())
register(L, lu.markov_matrix, lambda: {"matrix": _matrix()}, matrix_cases())
register(L, lu.transitions_long, lambda: {"matrix": _matrix()}, matrix_cases() + [bad_param("min_amount", -1.0)])
for _f in (lu.interval_intensity, lu.category_intensity, lu.transition_intensity):
    register(L, _f, lambda: {"matrices": _matrix(), "years": [2000, 2010]},
             matrix_cases("matrices") + [bad_param("years", [2010, 2000], expect=raises(InvalidOptionError, "years")),
                                         bad_param("years", [2000, 2000], expect=raises(InvalidOptionError, "years"))])
REGISTRY[lu.transition_intensity].cases.append(set_arg("unknown_code", "category", 99,
                                                      raises(InvalidOptionError, "category")))


@contextlib.contextmanager
def _agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        yield
    finally:
        plt.close("all")


register(L, lu.plot_transition_heatmap, lambda: {"matrix": _matrix()}, matrix_cases())
register(L, lu.plot_transition_sankey, lambda: {"matrix": _matrix()}, matrix_cases())
REGISTRY[lu.plot_transition_heatmap].guard = _agg
REGISTRY[lu.plot_transition_sankey].guard = _agg


def _landscape_raster():
    a = np.array([[1, 1, 2, 2, 2], [1, 1, 2, 3, 3], [4, 1, 1, 3, 3], [4, 4, 1, 1, 3]], dtype=np.int32)
    return a


def _landscape_geo():
    return uraster.Raster(_landscape_raster(), (30.0, 0, 408000.0, 0, -30.0, 2545000.0), GEOGRAPHIC, categorical=True)


def landscape_cases() -> list[Case]:
    return [
        Case("raster_no_crs", "landscape", lambda kw: {"landscape": _tif_without_crs()},
             raises(UrbangeoError, "landscape")),
        Case("geographic", "landscape", lambda kw: {"landscape": _landscape_geo()},
             raises(CRSError, "landscape")),
        Case("str_dtype", "landscape", lambda kw: {**kw, "landscape": _landscape_raster().astype(str)},
             raises(UrbangeoError, "landscape")),
        Case("empty_frame", "landscape", lambda kw: {**kw, "landscape": np.zeros((0, 0), np.int32)},
             raises(EmptyDataError, "landscape")),
        bad_param("resolution_m", 0), bad_param("resolution_m", -30.0), bad_param("neighbours", 5),
        # polygons
        Case("no_crs", "landscape.polygons", lambda kw: {"landscape": parcels().set_crs(None, allow_override=True),
                                                        "class_col": "DLBM"}, raises(CRSError, "landscape")),
        # (a geographic polygon layer is checked on polygon_patches: the baseline here is the raster)
        Case("bowtie", "landscape.polygons", lambda kw: {"landscape": bowtie("p").mutate({"p": parcels()})["p"],
                                                        "class_col": "DLBM"},
             either(InvalidGeometryError, GeometryFixedWarning, "landscape")),
        Case("none_geom", "landscape.polygons", lambda kw: {"landscape": none_geom("p").mutate({"p": parcels()})["p"],
                                                           "class_col": "DLBM"}, warns(DroppedRowsWarning, "landscape")),
        Case("wrong_type", "landscape.polygons", lambda kw: {"landscape": wrong_type("p").mutate({"p": parcels()})["p"],
                                                            "class_col": "DLBM"}, raises(UrbangeoError, "landscape")),
        Case("missing_col", "landscape.DLBM", lambda kw: {"landscape": parcels().drop(columns="DLBM"), "class_col": "DLBM"},
             raises(MissingColumnError, "landscape", "DLBM")),
    ]


register(L, lu.class_metrics, lambda: {"landscape": _landscape_raster(), "resolution_m": 30.0}, landscape_cases())
register(L, lu.landscape_metrics, lambda: {"landscape": _landscape_raster(), "resolution_m": 30.0}, landscape_cases())
register(L, lu.polygon_patches, lambda: {"landscape": parcels(), "class_col": "DLBM"},
         parcel_cases("landscape") + [missing_col("landscape", "DLBM"),
                                      Case("nan", "landscape.DLBM",
                                           lambda kw: {**kw, "landscape": _with_value(kw["landscape"], "DLBM", None)},
                                           either(UrbangeoError, DroppedRowsWarning, "landscape")),
                                      bad_param("neighbours", 5)])

# ----- modelled data (the generators behind parcels() and constraints())
register(L, lu.modelled_parcels, lambda: {"n": 30, "seed": 1},
         [bad_param("n", 0), bad_param("n", 2.5), bad_param("village_cells", 0), bad_param("plot_m", (40.0, 0.0)),
          bad_param("road_m", -1.0), bad_param("vacancy", 1.0), bad_param("merge", 1.5),
          set_arg("geographic", "crs", GEOGRAPHIC, raises(CRSError, "crs"))])
register(L, lu.assign_modelled_attributes, lambda: {"plots": parcels()[["geometry"]], "seed": 1},
         [empty_frame("plots"), bad_param("county", "44"), bad_param("village_of", [1, 2])])
register(L, lu.modelled_constraints, lambda: {"parcels": parcels(), "seed": 1},
         [no_crs("parcels"), empty_frame("parcels"), missing_col("parcels", "DLBM")])
register(L, lu.modelled_price_zones, lambda: {"parcels": parcels()},
         [no_crs("parcels"), empty_frame("parcels"), bad_param("prices_per_mu", ()),
          bad_param("prices_per_mu", (1.0, -2.0)), bad_param("prices_per_mu", (1.0,) * 6)])

# ----- screening, compensation, plots (others' modules)
register(L, lu.screen_conversion, lambda: {"parcels": parcels(), **constraints()},
         parcel_cases(geo=("parcels", "development_boundary", "basic_farmland", "red_line")) + [
             mismatch("red_line", crs="EPSG:32649"), no_crs("red_line"),
             missing_col("parcels", "DLBM"), missing_col("parcels", "QSXZ"),
             unknown_code("parcels", "DLBM", expect=raises(UnknownCodeError, "parcels", "DLBM")),
             Case("nan", "parcels.DLBM", lambda kw: {**kw, "parcels": _with_value(kw["parcels"], "DLBM", None)},
                  raises(UnknownCodeError, "parcels", "DLBM")),
             bad_param("precision_m", -0.001)])


def _screened():
    return _cached("screened", lambda: lu.screen_conversion(parcels(), **constraints())).copy()


register(L, lu.conversion_summary, lambda: {"screened": _screened()},
         [missing_col("screened", "eligible"), empty_frame("screened"),
          missing_col("screened", "DLBM")])
register(L, lu.area_statistics, lambda: {"parcels": parcels()},
         [missing_col("parcels", "DLBM"), missing_col("parcels", "ZLDWDM"),
          unknown_code("parcels", "DLBM", expect=raises(UnknownCodeError, "parcels", "DLBM")),
          str_dtype("parcels", "TBDLMJ"), nan("parcels", "TBDLMJ", expect=either(UrbangeoError, DroppedRowsWarning,
                                                                                "parcels")),
          empty_frame("parcels")])


def _zones():
    return _cached("price_zones", lambda: modelled_price_zones(parcels())).copy()


register(L, lu.estimate_compensation, lambda: {"parcels": parcels(), "price_zones": _zones()},
         parcel_cases(geo=("parcels", "price_zones"))
         + [no_crs("price_zones"), mismatch("price_zones", crs="EPSG:32649"),
                           bowtie("price_zones"), empty_frame("price_zones"),
                           missing_col("price_zones", "price_per_mu"), str_dtype("price_zones", "price_per_mu"),
                           nan("price_zones", "price_per_mu", expect=either(UrbangeoError, UrbangeoWarning,
                                                                             "price_zones")),
                           bad_param("precision_m", -0.001)])


def _compensated():
    return _cached("compensated", lambda: lu.estimate_compensation(parcels(), _zones())).copy()


register(L, lu.compensation_by_village, lambda: {"compensated": _compensated()},
         [missing_col("compensated", "ZLDWDM"), missing_col("compensated", "compensation_yuan"),
          empty_frame("compensated"), bad_param("digits", 0), bad_param("digits", -3)])
register(L, lu.m2_to_mu, lambda: {"area_m2": np.array([10000.0, 2000.0])},
         # a unit conversion: NaN and signs carry through as in numpy; only text is bad input
         [Case("str_dtype", "area_m2", lambda kw: {"area_m2": np.array(["big", "small"])},
               raises(UrbangeoError, "area_m2"))])


def _blocks():
    return _cached("blocks", lambda: lu.assemble_blocks(parcels())).copy()


register(L, lu.plot_eligibility, lambda: {"screened": _screened()},
         [missing_col("screened", "eligible"), empty_frame("screened"), no_crs("screened")])
register(L, lu.plot_blocks, lambda: {"blocks": _blocks()},
         [missing_col("blocks", "area_m2"), empty_frame("blocks"), no_crs("blocks")])
REGISTRY[lu.plot_eligibility].guard = _agg
REGISTRY[lu.plot_blocks].guard = _agg


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

    return _cached(f"gpkg_{kind}", make)


# a reader returns what the file holds, an empty layer too: no empty_frame row
register(C, uio.read, lambda: {"source": _gpkg(), "layer": "homes"},
         [Case("no_crs", "source", lambda kw: {**kw, "source": _gpkg("no_crs")}, either(CRSError, UrbangeoWarning, "source")),
          Case("missing_col", "columns", lambda kw: {**kw, "columns": ["pop", "nope"]},
               raises(MissingColumnError, "nope")),
          Case("unknown_code", "layer", lambda kw: {**kw, "layer": "parks"}, raises(UrbangeoError, "layer")),
          bad_param("bbox", (X0 + 400, Y0, X0, Y0 + 400), expect=raises(InvalidOptionError, "bbox"))])


def _out_path():
    return _tmpdir() / "out.gpkg"


register(C, uio.write, lambda: {"gdf": homes(), "target": _out_path(), "layer": "homes"},
         # an empty layer is a legitimate file ("no eligible parcels"): no empty_frame row
         [no_crs("gdf"),
          bad_param("driver", "NotADriver"), bad_param("mode", "x"),
          Case("wrong_type", "gdf.shp", lambda kw: {"gdf": pd.concat([homes(), parks_frame()]).reset_index(drop=True),
                                                  "target": _tmpdir() / "mixed.shp"},
               raises(UrbangeoError, "gdf"))])
register(C, uio.list_layers, lambda: {"source": _gpkg()},
         exempt="lists the layers of a file: no CRS, geometry, column or numeric argument")


def _np_profile(crs=CRS_M):
    from affine import Affine

    prof = {"driver": "GTiff", "dtype": "float64", "count": 1, "height": 3, "width": 4,
            "transform": Affine(10, 0, X0, 0, -10, Y0)}
    if crs is not None:
        prof["crs"] = crs
    return prof


register(C, uio.read_raster, lambda: {"source": _tif()},
         [raster_no_crs("source", _tif_without_crs), bad_param("band", 0), bad_param("band", 3)])
register(C, uio.write_raster, lambda: {"raster": np.ones((3, 4)), "target": _tmpdir() / "r.tif", "profile": _np_profile()},
         [raster_no_crs("profile", lambda: _np_profile(None)),
          Case("str_dtype", "raster", lambda kw: {**kw, "raster": np.full((3, 4), "a")}, raises(UrbangeoError, "raster")),
          Case("empty_frame", "raster", lambda kw: {**kw, "raster": np.ones((0, 0))}, raises(UrbangeoError, "raster"))])
register(C, uio.check_georeferenced, lambda: {"profile": _np_profile(), "name": "dem"},
         [raster_no_crs("profile", lambda: _np_profile(None), expect=raises(UrbangeoError, "dem")),
          Case("raster_no_crs", "profile.transform", lambda kw: {**kw, "profile": {**_np_profile(), "transform": None}},
               raises(UrbangeoError, "dem"))])

register(C, ucrs.get_crs, lambda: {"obj": homes(), "name": "homes"},
         [no_crs("obj", expect=raises(CRSError, "homes")),
          bad_param("obj", "EPSG:nonsense", expect=raises(CRSError, "homes"))])
register(C, ucrs.check_same_crs, lambda: {"homes": homes(), "parks": parks_frame()},
         [no_crs("parks"), mismatch("parks")])
register(C, ucrs.is_metric, lambda: {"crs": CRS_M},
         [bad_param("crs", "EPSG:nonsense", expect=raises(CRSError, "crs")),
          bad_param("crs", None, expect=raises(CRSError, "crs"))])
register(C, ucrs.metric_crs, lambda: {"obj": homes(), "name": "homes"},
         [no_crs("obj", expect=raises(CRSError, "homes")),
          geographic("obj", expect=same(crs_back=False)),
          Case("empty_geom", "obj", lambda kw: {**kw, "obj": homes().to_crs(GEOGRAPHIC).iloc[:0]},
               raises(UrbangeoError, "homes")),
          bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs"))])
register(C, ucrs.to_metric, lambda: {"gdf": homes(), "name": "homes"},
         [no_crs("gdf", expect=raises(CRSError, "homes")),
          geographic("gdf", expect=same(crs_back=False)),
          Case("empty_frame", "gdf", lambda kw: {**kw, "gdf": homes().to_crs(GEOGRAPHIC).iloc[:0]},
               raises(UrbangeoError, "homes")),
          bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs"))])
register(C, ucrs.project, lambda: {"gdf": homes(), "target": GEOGRAPHIC, "name": "homes"},
         [no_crs("gdf", expect=raises(CRSError, "homes")),
          geographic("gdf", expect=same(crs_back=False)),
          bad_param("target", "EPSG:not-a-code", expect=raises(CRSError, "target"))])
register(C, ucrs.gk_zone_crs, lambda: {"lon": 113.1},
         [bad_param("lon", float("nan")), bad_param("lon", 500.0), bad_param("lon", "113")])
register(C, ucrs.utm_crs, lambda: {"lon": 24.9, "lat": 60.2},
         [bad_param("lat", 100.0), bad_param("lon", float("nan")), bad_param("lat", float("nan"))])


def _lonlat_homes():
    return homes().to_crs(GEOGRAPHIC)


for _f in (ucrs.gcj02_to_wgs84, ucrs.wgs84_to_gcj02, ucrs.bd09_to_gcj02, ucrs.gcj02_to_bd09, ucrs.bd09_to_wgs84,
           ucrs.wgs84_to_bd09):
    # no CRS is accepted (documented: numbers already lon/lat); None and empty geometries pass through
    register(C, _f, lambda: {"geo": _lonlat_homes()},
             [Case("mismatch", "geo", lambda kw: {"geo": homes()}, raises(CRSError, "geo")),
              wrong_type("geo", value=lambda: [shapely.Point(113.1, 23.0)], expect=raises(UrbangeoError, "geo"))])
register(C, ustd.standard_table, lambda: {"standard": "GB50180-2018"}, [bad_param("standard", "GB 50180")])
register(C, ustd.park_class, lambda: {"area_ha": 5.0},
         [bad_param("area_ha", -1.0), bad_param("area_ha", float("nan")), bad_param("standard", "GB50180-2018"),
          bad_param("radius", "mid"),
          Case("str_dtype", "area_ha", lambda kw: {"area_ha": "5"}, raises(UrbangeoError, "area_ha"))])
register(C, ustd.park_classes, lambda: {"area_ha": pd.Series([12.0, 0.5, np.nan])},
         # NaN is an unknown area (no class), documented; negative, infinite and text are bad input
         [bad_param("area_ha", [-1.0]), bad_param("area_ha", [float("inf")]), bad_param("radius", "mid"),
          Case("str_dtype", "area_ha", lambda kw: {"area_ha": pd.Series(["12", 0.5])}, raises(UrbangeoError, "area_ha"))])
register(C, uunits.m2_to_ha, lambda: {"area_m2": np.array([10000.0, 2000.0])},
         # a unit conversion: NaN and signs carry through as in numpy; only text is bad input
         [Case("str_dtype", "area_m2", lambda kw: {"area_m2": np.array(["big", "small"])},
               raises(UrbangeoError, "area_m2"))])
register(C, urbangeo.show_logs, dict, exempt="switches logging on; takes only a level")
register(C, urbangeo.hide_logs, dict, exempt="switches logging off; no argument")


# =========================================================================== known defects (others' files)
# (functions, regex over case ids, reason): each row must match at least one case
# (test_xfail_rows_match_cases); fixing the defect turns the case into XPASS, which fails
# (strict), so the owner removes the row together with the fix.
XFAILS: list[tuple[tuple, str, str]] = [
    # accessibility: none left (issue 12 fixed in urbangeo/accessibility)
]

# --- subsidence (urbangeo/subsidence/*, urbangeo/io.py)
XFAILS += [
]

# --- landuse
XFAILS += [
    # none left (issue 12 fixed in urbangeo/landuse)
]

# --- core (urbangeo/io.py, urbangeo/crs.py)
XFAILS += [
    # none left (issue 12 fixed in urbangeo/io.py, urbangeo/crs.py)
]


def _apply_xfails() -> None:
    import dataclasses
    import re

    for funcs, pattern, reason in XFAILS:
        for func in funcs:
            spec = REGISTRY[func]
            spec.cases = [dataclasses.replace(c, xfail=reason) if re.search(pattern, c.id) else c
                          for c in spec.cases]


_apply_xfails()


# =========================================================================== registry-wide tests
EXEMPT = {
    "core": {
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
    },
    "landuse": {
        "CATEGORY_NAMES": "constant: three-category names",
        "COLLECTIVE_OWNERSHIP": "constant: collective ownership codes",
        "Rule": "class: one rule of a profile, built by load_profile",
        "RuleProfile": "class: built and validated by load_profile",
        "MU_M2": "constant: square metres per mu",
        "UNMATCHED": "constant: label of the unmatched row/column",
    },
    "subsidence": {
        "Raster": "class: validated in __post_init__ (2-D array, CRS, geotransform)",
        "PIM_DEFAULTS": "constant: default PIM parameters",
        "QUANTITIES": "constant: tuple of deformation quantities",
        "INSAR_CONVENTIONS": "constant: InSAR sign conventions",
        "DEFAULT_CLASSES": "constant: default subsidence class bounds",
        "MU_M2": "constant: square metres per mu",
    },
    "accessibility": {
        "MODES": "constant: tuple of travel modes",
        "Network": "class: validated in __post_init__ (metric CRS, sizes), built by the registered functions",
        "DECAYS": "constant: tuple of decay names",
        "E2SFCA_WEIGHTS": "constant: default E2SFCA zones",
        "FCA_METHODS": "constant: tuple of FCA method names",
        "PairCosts": "class: result container of pair_costs",
    },
}

WINGS = {"accessibility": (acc,), "subsidence": (sub,), "landuse": (lu,), "core": (urbangeo, uio, ucrs, uraster, ustd, uunits)}


def _walk(wing: str) -> list[tuple[str, object]]:
    return [(n, getattr(m, n)) for m in WINGS[wing] for n in m.__all__]


def _params():
    out = []
    for func, spec in REGISTRY.items():
        wing = WING_OF[func]
        for case in spec.cases:
            marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
            out.append(pytest.param(func, case, id=f"{wing}.{func.__name__}-{case.id}", marks=marks))
    return out


@pytest.mark.parametrize(("func", "case"), _params())
def test_bad_input(func, case):
    spec = REGISTRY[func]
    with spec.guard() if spec.guard else contextlib.nullcontext():
        run_case(func, spec, case)


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
