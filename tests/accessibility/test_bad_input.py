"""Bad-input rows of ``urbangeo.accessibility``: every public function x the bad inputs that apply to it.

Each row registers a function with how to call it on small valid synthetic inputs and the
bad-input cases that apply to its arguments (:mod:`tests._bad_input` has the engine and the
shared registry; ``tests/test_bad_input_core.py`` checks that every public function of every
wing has a row). A new public function of ``urbangeo.accessibility`` gets its row here.
"""

from __future__ import annotations

import contextlib
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import urbangeo
import urbangeo.accessibility as acc
import urbangeo.raster as uraster
from tests._bad_input import (
    CRS_M,
    EXEMPT,
    GEOGRAPHIC,
    REGISTRY,
    X0,
    Y0,
    Case,
    bad_param,
    bowtie,
    boxes,
    check_case,
    either,
    empty_frame,
    empty_geom,
    geographic,
    grid,
    homes,
    mismatch,
    missing_col,
    nan,
    no_crs,
    none_geom,
    params,
    parks_frame,
    points,
    raises,
    raster_no_crs,
    register,
    same,
    set_arg,
    str_dtype,
    tif_without_crs,
    two_components,
    warns,
    wrong_type,
)
from urbangeo.errors import (
    ColumnTypeError,
    CRSError,
    DroppedRowsWarning,
    EmptyDataError,
    InvalidOptionError,
    MissingColumnError,
    UnknownCodeError,
    UrbangeoError,
    UrbangeoWarning,
)

with warnings.catch_warnings():  # networkx 3.2 has invalid escapes that py3.11 flags when compiling
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import networkx as nx


# =========================================================================== accessibility
A = "accessibility"


def facs():
    return points(
        [(103, 27), (309, 293), (203, 181), (391, 147)],
        beds=[5.0, 3.0, 4.0, 2.0],
        category=["kindergarten", "primary_school", "kindergarten", "primary_school"],
    )


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
    return Case(
        "missing_col",
        f"{t}.{col}",
        lambda kw: {**kw, "by": col, t: kw[t].drop(columns=col)},
        raises(MissingColumnError, t, col),
    )


def common_params(*names) -> list[Case]:
    vals = {
        "speed_kmh": [0, -1],
        "max_snap_m": [-1],
        "entrance_spacing_m": [0],
        "street_width_m": [0],
        "minutes": [-1],
        "dist_m": [-1],
    }
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


register(
    A,
    acc.cumulative_opportunities,
    lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "minutes": 3.3, "weight_col": "beds"},
    od_cases("origins", "facilities", "beds")
    + common_params("minutes", "speed_kmh", "max_snap_m", "entrance_spacing_m"),
)
register(
    A,
    acc.gravity_access,
    lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "minutes": 5.3, "weight_col": "beds"},
    od_cases("origins", "facilities", "beds")
    + common_params("minutes", "speed_kmh", "max_snap_m")
    + [bad_param("beta", -1)],
)
register(
    A,
    acc.nearest_facilities,
    lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "k": 1},
    od_cases("origins", "facilities", None)
    + common_params("minutes", "speed_kmh", "max_snap_m")
    + [bad_param("k", 0), missing_by()],
)
register(
    A,
    acc.pair_costs,
    lambda: {"network": _net(), "origins": homes(), "facilities": facs(), "minutes": 10.0},
    od_cases("origins", "facilities", None) + common_params("minutes", "speed_kmh", "max_snap_m"),
)
register(
    A,
    acc.snap_points,
    lambda: {"network": _net(), "points": homes()},
    network_cases()
    + frame_cases("points")
    + [geographic("points")]
    + common_params("max_snap_m", "entrance_spacing_m"),
)
register(
    A,
    acc.isochrones,
    lambda: {"network": _net(), "origins": homes().iloc[1:3], "minutes": (2.3, 4.3)},
    network_cases()
    + frame_cases("origins")
    + [geographic("origins")]
    + common_params("minutes", "speed_kmh", "street_width_m", "max_snap_m"),
)
register(
    A,
    acc.service_areas,
    lambda: {"network": _net(), "facilities": facs(), "minutes": (2.3,), "by": "category"},
    network_cases()
    + frame_cases("facilities")
    + [geographic("facilities")]
    + [missing_col("facilities", "category"), missing_category()]
    + common_params("minutes", "speed_kmh", "street_width_m", "max_snap_m", "entrance_spacing_m"),
)


def fca_cases() -> list[Case]:
    out = network_cases() + frame_cases("demand") + frame_cases("supply")
    out += [geographic("demand", "supply"), mismatch("supply", expect=same())]
    out += [
        missing_col("demand", "pop"),
        str_dtype("demand", "pop"),
        nan("demand", "pop"),
        missing_col("supply", "beds"),
        str_dtype("supply", "beds"),
        nan("supply", "beds"),
    ]
    out += common_params("speed_kmh", "max_snap_m", "entrance_spacing_m")
    return out


def _fca_args(**kw):
    return lambda: {
        "network": _net(),
        "demand": homes(),
        "supply": facs(),
        "population_col": "pop",
        "capacity_col": "beds",
        **kw,
    }


register(
    A,
    acc.two_step_fca,
    _fca_args(minutes=4.3),
    fca_cases()
    + common_params("minutes")
    + [
        bad_param("costs", "a table"),
        bad_param("costs", pd.DataFrame({"origin": [0], "destination": [0], "cost": [1.0]})),
    ],
)
register(
    A,
    acc.enhanced_two_step_fca,
    _fca_args(minutes={2.3: 1.0, 4.3: 0.5}),
    fca_cases() + [bad_param("minutes", {-2: 1.0, 4: 0.5}), bad_param("minutes", {2: -1.0})],
)
register(
    A,
    acc.gravity_two_step_fca,
    _fca_args(minutes=5.3),
    fca_cases() + common_params("minutes") + [bad_param("beta", -1)],
)
register(
    A, acc.three_step_fca, _fca_args(minutes={2.3: 1.0, 4.3: 0.5}), fca_cases() + [bad_param("minutes", {-2: 1.0})]
)
register(A, acc.supply_ratios, _fca_args(minutes=4.3), fca_cases() + common_params("minutes"))

register(
    A,
    acc.decay_weights,
    lambda: {"cost": np.array([0.0, 1.0, 2.5, 4.0]), "kind": "exponential", "horizon": 5.0},
    # NaN costs are documented as unreachable (weight 0): not a bad input here
    [
        Case("str_dtype", "cost", lambda kw: {**kw, "cost": np.array(["near", "far"])}, raises(UrbangeoError, "cost")),
        bad_param("horizon", 0),
        bad_param("horizon", -1),
        bad_param("beta", -1),
        Case(
            "bad_param",
            "min_cost=0",
            lambda kw: {**kw, "kind": "power", "min_cost": 0},
            raises(InvalidOptionError, "min_cost"),
        ),
    ],
)


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
                lines.append(
                    f"  <node id='{nid[(c, r)]}' version='1' lat='{lat0 + r * step:.7f}' lon='{lon0 + c * step:.7f}'/>"
                )
        lines.append(
            f"  <node id='50' version='1' lat='{lat0 + 0.0005:.7f}' lon='{lon0 + 0.0005:.7f}'>"
            "<tag k='amenity' v='pharmacy'/></node>"
        )
        lines.append(
            f"  <node id='51' version='1' lat='{lat0 + 0.0015:.7f}' lon='{lon0 + 0.0015:.7f}'>"
            "<tag k='amenity' v='school'/></node>"
        )
        wid = 100
        for r in range(3):
            refs = [nid[(c, r)] for c in range(3)]
            lines += [
                f"  <way id='{wid}' version='1'>",
                *[f"    <nd ref='{x}'/>" for x in refs],
                "    <tag k='highway' v='residential'/>",
                "  </way>",
            ]
            wid += 1
        for c in range(3):
            refs = [nid[(c, r)] for r in range(3)]
            lines += [
                f"  <way id='{wid}' version='1'>",
                *[f"    <nd ref='{x}'/>" for x in refs],
                "    <tag k='highway' v='residential'/>",
                "  </way>",
            ]
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


register(
    A,
    acc.network_from_osm,
    lambda: {"path": _toy_osm(), "mode": "walk", "polygon": _study_area(CRS_M)},
    # documented: a study-area frame may be in any CRS
    area_cases("polygon")
    + [geographic("polygon", expect=same(crs_back=False)), mismatch("polygon", expect=same(crs_back=False))]
    + [
        bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs")),
        bad_param("speed_kmh", 0),
        bad_param("speed_kmh", -1),
    ],
)
register(
    A,
    acc.features_from_osm,
    lambda: {"path": _toy_osm(), "tags": {"amenity": ["pharmacy", "school"]}},
    [bad_param("tags", {}), bad_param("tags", {"amenity": "pharmacy"})],
)


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


register(
    A,
    acc.network_from_graph,
    lambda: {"graph": _graph(), "mode": "walk"},
    [
        Case("no_crs", "graph", lambda kw: {**kw, "graph": _graph_without_crs()}, raises(CRSError, "graph")),
        Case("geographic", "graph", lambda kw: {**kw, "graph": _graph_geographic()}, same(atol=1e-3)),
        Case(
            "empty_frame",
            "graph",
            lambda kw: {**kw, "graph": nx.MultiDiGraph(crs=CRS_M)},
            raises(EmptyDataError, "graph"),
        ),
        bad_param("speed_kmh", 0),
        bad_param("speed_kmh", -1),
    ],
)
register(
    A,
    acc.network_to_graph,
    lambda: {"network": grid(3)},
    exempt="takes a Network (always metric, validated when built); a two-component network converts fine",
)
register(
    A,
    acc.default_snap_filter,
    lambda: {"network": grid(3)},
    exempt="reads the edge tags of a Network (validated when built); no CRS, geometry or column argument",
)
register(
    A,
    acc.network_from_place,
    lambda: {"query": "Foshan"},
    exempt="a place name resolved online by osmnx; no geometry, CRS or column argument to spoil offline",
)


@contextlib.contextmanager
def _no_download():
    import osmnx

    def boom(*a, **k):
        raise RuntimeError("test: network_from_polygon tried to download before validating its input")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(osmnx, "graph_from_polygon", boom)
        yield


register(A, acc.network_from_polygon, lambda: {"polygon": _study_area(), "mode": "walk"}, area_cases("polygon"))
REGISTRY[acc.network_from_polygon].guard = _no_download
register(
    A,
    acc.clip_network,
    lambda: {"network": _net(), "polygon": boxes([(-50, -50, 250, 250)]), "buffer_m": 0.0},
    area_cases("polygon")
    + [
        geographic("polygon", expect=same(crs_back=False)),
        mismatch("polygon", expect=same(crs_back=False)),
        bad_param("buffer_m", -1),
    ],
)
register(
    A,
    acc.grid_network,
    lambda: {"n_x": 3, "n_y": 2, "crs": CRS_M},
    [
        bad_param("n_x", 0),
        bad_param("n_y", -1),
        bad_param("spacing_m", 0),
        bad_param("spacing_m", -100),
        bad_param("speed_kmh", 0),
        bad_param("crs", GEOGRAPHIC, expect=raises(CRSError, "crs")),
    ],
)


def _road_lines():
    return gpd.GeoDataFrame(
        {"layer": [0, 1], "oneway": ["no", "yes"], "kmh": [30.0, 40.0]},
        geometry=[shapely.LineString([(0, 0), (200, 0)]), shapely.LineString([(100, -100), (100, -1.5)])],
        crs=CRS_M,
    )


def _noded_lines():  # nothing to repair: network_from_lines gives no TopologyRepairWarning on these
    return gpd.GeoDataFrame(
        {"layer": [0, 0, 1], "oneway": ["no", "yes", "no"], "kmh": [30.0, 40.0, 50.0]},
        geometry=[
            shapely.LineString([(0, 0), (100, 0)]),
            shapely.LineString([(100, 0), (200, 0)]),
            shapely.LineString([(100, 0), (100, -100)]),
        ],
        crs=CRS_M,
    )


def _line_cases():  # 'geographic': the metric CRS chosen differs from CRS_M, so lengths agree to a centimetre
    return [
        no_crs("lines"),
        geographic("lines", expect=same(crs_back=False, atol=0.01)),
        wrong_type("lines"),
        empty_frame("lines"),
        none_geom("lines", expect=warns(DroppedRowsWarning, "lines")),
        missing_col("lines", "layer"),
        bad_param("snap_tolerance_m", -1),
    ]


register(
    A, acc.repair_street_lines, lambda: {"lines": _road_lines(), "level_col": "layer", "crs": CRS_M}, _line_cases()
)
register(
    A,
    acc.network_from_lines,
    lambda: {
        "lines": _noded_lines(),
        "level_col": "layer",
        "crs": CRS_M,
        "mode": "drive",
        "oneway_col": "oneway",
        "speed_col": "kmh",
    },
    [
        *_line_cases(),
        missing_col("lines", "oneway"),
        missing_col("lines", "kmh"),
        str_dtype("lines", "kmh"),
        bad_param("mode", "fly"),
    ],
)
register(
    A,
    acc.damage_street_lines,
    lambda: {"network": grid(3)},
    exempt="takes a Network (validated when built) and writes modelled lines; no CRS, geometry or column argument",
)


def _plane_dem(x0: float = X0 - 100):  # a 5 % plane under grid(3) (or, moved, beside it)
    from affine import Affine

    xc = x0 + 10 * (np.arange(50) + 0.5)
    return uraster.Raster(np.tile(0.05 * xc - 0.05 * X0, (50, 1)), Affine(10, 0, x0, 0, -10, Y0 + 400), CRS_M)


register(
    A,
    acc.add_elevation,
    lambda: {"network": grid(3), "dem": _plane_dem()},
    [
        raster_no_crs("dem", lambda: tif_without_crs()),  # defined further down
        set_arg("bad_param", "dem", _plane_dem(X0 + 5000), raises(urbangeo.errors.RasterError, "dem")),
        bad_param("dem", np.zeros((3, 3))),
        bad_param("sample_m", -1),
        bad_param("sample_m", 0),
    ],
)
register(
    A,
    acc.hill_times,
    lambda: {"network": acc.add_elevation(grid(3), _plane_dem())},
    [
        set_arg("bad_param", "network", grid(3), raises(InvalidOptionError, "network")),
        bad_param("profile", "bike"),
        bad_param("steep", "forbid"),
        bad_param("max_grade", 0),
        bad_param("steep_penalty", 0.5),
    ],
)


def _pop_zones():
    return boxes([(0, 0, 200, 400), (200, 0, 400, 400)], pop=[100.0, 60.0], old=[0.2, 0.3])


def _pop_buildings():
    return boxes(
        [(10, 10, 30, 30), (120, 300, 140, 330), (250, 50, 270, 60), (300, 300, 330, 320)], floors=[2.0, 5.0, 1.0, 3.0]
    )


def _pop_grid():
    from affine import Affine

    a = np.zeros((4, 4))
    a[[3, 0, 3, 0], [0, 1, 2, 3]] = 25.0  # people only in the cells of the four buildings
    return uraster.Raster(a, Affine(100, 0, X0, 0, -100, Y0 + 400), CRS_M, name="people")


register(
    A,
    acc.disaggregate_population,
    lambda: {
        "zones": _pop_zones(),
        "buildings": _pop_buildings(),
        "population_col": "pop",
        "floors_col": "floors",
        "shares": {"elderly": "old"},
    },
    [
        no_crs("zones"),
        no_crs("buildings"),
        geographic("zones", "buildings"),
        mismatch("buildings"),
        bowtie("zones"),
        bowtie("buildings"),
        none_geom("zones"),
        none_geom("buildings"),
        empty_geom("buildings"),
        wrong_type("zones"),
        wrong_type("buildings"),
        empty_frame("zones"),
        empty_frame("buildings"),
        missing_col("zones", "pop"),
        missing_col("buildings", "floors"),
        missing_col("zones", "old"),
        str_dtype("zones", "pop"),
        str_dtype("buildings", "floors"),
        nan("zones", "pop", expect=raises(ColumnTypeError, "zones", "pop")),
        nan("buildings", "floors", expect=warns(urbangeo.errors.MissingValuesWarning, "buildings")),
        bad_param("weight_by", "volume"),
        bad_param("assign", "centroid"),
        bad_param("floor_height_m", 0),
        bad_param("shares", {"elderly": 1.5}),
    ],
)
register(
    A,
    acc.sample_population_raster,
    lambda: {"raster": _pop_grid(), "buildings": _pop_buildings(), "floors_col": "floors"},
    [
        raster_no_crs("raster", lambda: tif_without_crs()),
        bad_param("raster", np.zeros((3, 3))),
        no_crs("buildings"),
        geographic("buildings"),
        bowtie("buildings"),
        none_geom("buildings"),
        wrong_type("buildings"),
        empty_frame("buildings"),
        missing_col("buildings", "floors"),
        str_dtype("buildings", "floors"),
        nan("buildings", "floors", expect=warns(urbangeo.errors.MissingValuesWarning, "buildings")),
        bad_param("weight_by", "volume"),
        bad_param("floor_height_m", -3),
    ],
)

# ----- equity, life circles, parks and siting
register(
    A,
    acc.access_equity,
    lambda: {
        "frame": pd.DataFrame(
            {"minutes": [2.0, 4.0, 12.0, 6.0], "pop": [10.0, 30.0, 20.0, 5.0], "g": ["a", "b", "a", "b"]}
        ),
        "value_col": "minutes",
        "threshold": 5.0,
        "group_by": "g",
        "population_col": "pop",
    },
    [
        missing_col("frame", "minutes"),
        missing_col("frame", "pop"),
        str_dtype("frame", "minutes"),
        str_dtype("frame", "pop"),
        nan("frame", "pop", expect=raises(ColumnTypeError, "frame", "pop")),
        # NaN minutes are documented as unreachable (counted in n_unreachable): not a bad input
        empty_frame("frame"),
        bad_param("threshold", -1),
    ],
)


def _values():
    return {"values": np.array([1.0, 2.0, 4.0, 7.0]), "weights": np.array([1.0, 2.0, 1.0, 3.0])}


_EXTRA = {
    acc.gini: [bad_param("values", np.array([1.0, -2.0, 4.0, 7.0]))],
    acc.theil: [],
    acc.weighted_percentiles: [bad_param("q", (-10, 50))],
}
for _f, _more in _EXTRA.items():
    register(
        A,
        _f,
        _values,
        [
            nan("values", expect=raises(InvalidOptionError, "values")),
            nan("weights", expect=raises(InvalidOptionError, "weights")),
            Case(
                "str_dtype",
                "values",
                lambda kw: {**kw, "values": np.array(["1", "2", "4", "7"])},
                raises(UrbangeoError, "values"),
            ),
            Case("empty_frame", "values", lambda kw: {"values": np.array([])}, raises(EmptyDataError, "values")),
            bad_param("weights", np.array([1.0, -2.0, 1.0, 3.0])),
            *_more,
        ],
    )


def _lc_args():
    return {
        "network": _net(),
        "residences": homes(),
        "facilities": facs(),
        "by": "category",
        "required": {"kindergarten": 5, "primary_school": 10},
    }


register(
    A,
    acc.life_circle_audit,
    _lc_args,
    network_cases()
    + frame_cases("residences")
    + frame_cases("facilities")
    + [
        geographic("residences", "facilities"),
        mismatch("facilities", expect=same()),
        missing_col("facilities", "category"),
        missing_category(),
        set_arg("unknown_code", "required", ["kindergarten", "spaceport"], raises(InvalidOptionError, "required")),
        bad_param("limits", {5: -1.0}, expect=raises(InvalidOptionError, "limits")),
        bad_param("required", {"kindergarten": 0}, expect=raises(InvalidOptionError, "required")),
        bad_param("speed_kmh", 0),
        bad_param("max_snap_m", -1),
    ],
)
register(
    A,
    acc.life_circle_standard,
    lambda: {"standard": "GB50180-2018"},
    [set_arg("unknown_code", "standard", "GB-0000", raises(InvalidOptionError, "standard"))],
)


_AUDIT: dict = {}


def _audit():
    if "a" not in _AUDIT:
        _AUDIT["a"] = acc.life_circle_audit(**_lc_args())
    return _AUDIT["a"].copy()


def _areas():
    return boxes([(-50, -50, 200, 450), (200, -50, 450, 450)], zone=["w", "e"])


register(
    A,
    acc.life_circle_summary,
    lambda: {"audit": _audit(), "group_by": "g", "population_col": "pop"},
    [
        missing_col("audit", "compliant"),
        missing_col("audit", "pop"),
        str_dtype("audit", "pop"),
        nan("audit", "pop", expect=raises(ColumnTypeError, "audit", "pop")),
        # residences with no `group_by` value are reported as the group "missing": not a bad input
        empty_frame("audit"),
        Case(
            "no_crs",
            "areas",
            lambda kw: {"audit": kw["audit"], "areas": _areas().set_crs(None, allow_override=True)},
            raises(CRSError, "areas"),
        ),
        Case(
            "mismatch",
            "areas",
            lambda kw: {"audit": kw["audit"], "areas": _areas().to_crs("EPSG:32650")},
            either(CRSError, UrbangeoWarning, "areas"),
        ),
        Case(
            "wrong_type",
            "areas",
            lambda kw: {"audit": kw["audit"], "areas": _areas().set_geometry(_areas().boundary)},
            raises(UrbangeoError, "areas"),
        ),
        Case(
            "empty_frame",
            "areas",
            lambda kw: {"audit": kw["audit"], "areas": _areas().iloc[:0]},
            raises(EmptyDataError, "areas"),
        ),
    ],
)

register(
    A,
    acc.classify_parks,
    lambda: {"parks": parks_frame()},
    [
        no_crs("parks"),
        geographic("parks"),
        bowtie("parks"),
        empty_geom("parks"),
        none_geom("parks"),
        wrong_type("parks", expect=raises(UrbangeoError, "parks")),
        empty_frame("parks"),
        bad_param("radii_m", {"garden": -5}, expect=raises(InvalidOptionError, "radii_m")),
        set_arg("unknown_code", "standard", "GB-0000", raises(InvalidOptionError, "standard")),
    ],
)


def _park_net_cases(*, geo: bool = True) -> list[Case]:
    # no two_components row: a park enters through all its entrances, and the largest piece reaches it
    return [
        no_crs("parks"),
        *([geographic("parks")] if geo else []),
        bowtie("parks"),
        empty_geom("parks"),
        none_geom("parks"),
        wrong_type("parks", expect=raises(UrbangeoError, "parks")),
        empty_frame("parks"),
    ]


register(
    A,
    acc.park_entrances,
    lambda: {"network": _net(), "parks": parks_frame()},
    _park_net_cases() + [bad_param("entrance_spacing_m", 0), bad_param("max_snap_m", -1)],
)
register(
    A,
    acc.park_service_areas,
    lambda: {"network": _net(), "parks": parks_frame(), "radii_m": {"garden": 150}},
    _park_net_cases()
    + [
        bad_param("entrance_spacing_m", 0),
        bad_param("street_width_m", 0),
        bad_param("radii_m", {"garden": -5}, expect=raises(InvalidOptionError, "radii_m")),
    ],
)
register(
    A,
    acc.park_coverage,
    lambda: {"network": _net(), "residences": homes(), "parks": parks_frame(), "radii_m": {"garden": 150}},
    frame_cases("residences")
    + _park_net_cases(geo=False)
    + [
        geographic("residences", "parks"),
        mismatch("parks", expect=same()),
        bad_param("entrance_spacing_m", 0),
        bad_param("speed_kmh", 0),
        bad_param("max_snap_m", -1),
    ],
)


_COVERAGE: dict = {}


def _coverage():
    if "c" not in _COVERAGE:
        _COVERAGE["c"] = acc.park_coverage(_net(), homes(), parks_frame(), radii_m={"garden": 150})
    return _COVERAGE["c"].copy()


register(
    A,
    acc.park_coverage_summary,
    lambda: {"coverage": _coverage(), "population_col": "pop"},
    [
        missing_col("coverage", "covered_radius"),
        missing_col("coverage", "pop"),
        str_dtype("coverage", "pop"),
        nan("coverage", "pop", expect=raises(ColumnTypeError, "coverage", "pop")),
        empty_frame("coverage"),
    ],
)


def _sites():
    return points([(100, 100), (300, 300)])


def _site_cases(d: str = "demand", s: str = "sites") -> list[Case]:
    return network_cases() + frame_cases(d) + frame_cases(s) + [geographic(d, s), mismatch(s, expect=same())]


register(
    A,
    acc.cost_matrix,
    lambda: {"network": _net(), "demand": homes(), "sites": _sites()},
    _site_cases() + [bad_param("minutes", -1), bad_param("speed_kmh", 0), bad_param("max_snap_m", -1)],
)
register(
    A,
    acc.assign_demand,
    lambda: {"network": _net(), "demand": homes(), "sites": _sites(), "minutes": 5.0},
    _site_cases() + [bad_param("minutes", -1), bad_param("speed_kmh", 0)],
)
register(
    A,
    acc.site_facilities,
    lambda: {
        "network": _net(),
        "demand": homes(),
        "candidates": _sites().assign(cap=100.0),
        "model": "mclp",
        "p": 1,
        "minutes": 4.0,
        "population_col": "pop",
        "capacity_col": "cap",
    },
    _site_cases("demand", "candidates")
    + [
        missing_col("demand", "pop"),
        str_dtype("demand", "pop"),
        nan("demand", "pop", expect=either(ColumnTypeError, DroppedRowsWarning, "demand")),
        bad_param("p", -1),
        bad_param("minutes", -1),
        bad_param("time_limit_s", 0),
        bad_param("speed_kmh", 0),
        missing_col("candidates", "cap"),
        str_dtype("candidates", "cap"),
        nan("candidates", "cap", expect=raises(ColumnTypeError, "candidates", "cap")),
        Case(
            "bad_param",
            "candidates.cap=-1",
            lambda kw: {**kw, "candidates": kw["candidates"].assign(cap=-1.0)},
            raises(ColumnTypeError, "candidates", "cap", "capacity_col"),
        ),
        bad_param("capacity_col", 3),
        bad_param("split_demand", "yes"),
    ],
)
register(
    A,
    acc.network_candidates,
    lambda: {"network": _net(), "min_degree": 3},
    # a second component changes nothing for the intersections: no two_components row
    [bad_param("min_degree", -1), set_arg("geographic", "crs", GEOGRAPHIC, same(crs_back=False))],
)



def _city(t: str, value, kind: str, expect) -> Case:
    """Row 0 of ``t`` names the city ``value`` (None: no city)."""

    def mutate(kw):
        g = kw[t].copy()
        g["city"] = g["city"].astype(object)
        g.iloc[0, g.columns.get_loc("city")] = value
        return {**kw, t: g}

    return Case(kind, f"{t}.city", mutate, expect)


register(
    A,
    acc.per_network,
    lambda: {"function": acc.nearest_facilities, "networks": {"a": _net()}, "origins": homes(city=["a"] * 6),
             "key": "city", "facilities": facs().assign(city="a"), "minutes": 10.0},
    frame_cases("origins")
    + frame_cases("facilities")
    + [geographic("origins", "facilities"), mismatch("facilities", expect=same())]
    + [missing_col("origins", "city"), missing_col("facilities", "city"),
       _city("origins", None, "nan", raises(UnknownCodeError, "origins", "city")),
       _city("origins", "zz", "unknown_code", raises(UnknownCodeError, "origins", "city")),
       _city("facilities", "zz", "unknown_code", warns(DroppedRowsWarning, "facilities", "city")),
       bad_param("networks", {}), bad_param("function", "nearest_facilities")]
    + common_params("minutes", "speed_kmh", "max_snap_m"),
)
register(
    A,
    acc.compile_kernels,
    dict,
    exempt="takes no data: compiles the search kernels on a modelled grid (only `progress`)",
)

# =========================================================================== names without a row
EXEMPT["accessibility"] = {
    "MODES": "constant: tuple of travel modes",
    "Network": "class: validated in __post_init__ (metric CRS, sizes), built by the registered functions",
    "DECAYS": "constant: tuple of decay names",
    "E2SFCA_WEIGHTS": "constant: default E2SFCA zones",
    "FCA_METHODS": "constant: tuple of FCA method names",
    "PairCosts": "class: result container of pair_costs",
}


@pytest.mark.parametrize(("func", "case"), params("accessibility"))
def test_bad_input(func, case):
    check_case(func, case)
