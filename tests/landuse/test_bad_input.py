"""Bad-input rows of ``urbangeo.landuse``: every public function x the bad inputs that apply to it.

Each row registers a function with how to call it on small valid synthetic inputs and the
bad-input cases that apply to its arguments (:mod:`tests._bad_input` has the engine and the
shared registry; ``tests/test_bad_input_core.py`` checks that every public function of every
wing has a row). A new public function of ``urbangeo.landuse`` gets its row here.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import urbangeo.landuse as lu
import urbangeo.raster as uraster
from tests._bad_input import (
    EXEMPT,
    GEOGRAPHIC,
    REGISTRY,
    Case,
    bad_param,
    bowtie,
    cached,
    check_case,
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
    raises,
    register,
    same,
    set_arg,
    str_dtype,
    tif_without_crs,
    unknown_code,
    warns,
    wrong_type,
)
from urbangeo.errors import (
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

# =========================================================================== landuse
L = "landuse"

LU_CRS = "EPSG:4547"  # the modelled parcels lie near Foshan, in the zone metric_crs picks for them


def parcels():
    """40-odd modelled village plots (near Foshan, EPSG:4547) with survey attributes."""
    return cached("parcels", lambda: modelled_parcels(60, seed=3)).copy()


def constraints():
    return {k: v.copy() for k, v in cached("constraints", lambda: modelled_constraints(parcels(), seed=3)).items()}


def parcel_cases(t: str = "parcels", *, geo: tuple[str, ...] | None = None) -> list[Case]:
    """The cases of a polygon layer ``t``; ``geo``: the layers turned geographic together (default ``t``)."""
    return [
        no_crs(t),
        geographic(*(geo or (t,))),
        bowtie(t),
        empty_geom(t),
        none_geom(t),
        wrong_type(t),
        empty_frame(t),
    ]


_LOOKUP_ARGS = lambda: {"values": ["0101", "0702", "1104"]}  # noqa: E731
for _f in (lu.category_of, lu.level1_of, lu.name_of, lu.planning_class_of):
    register(
        L,
        _f,
        _LOOKUP_ARGS,
        # missing codes are documented to stay missing (<NA>): only unknown codes are bad input
        [unknown_code("values", value="9999", expect=either(UnknownCodeError, UrbangeoWarning, "values"))],
    )
register(
    L,
    lu.is_collective,
    lambda: {"values": ["30", "10", "32"]},
    [unknown_code("values", value="99", expect=either(UnknownCodeError, UrbangeoWarning, "values"))],
)
register(
    L,
    lu.normalize_codes,
    lambda: {"values": [101, "05h1", " 0702 "]},
    # normalises spelling only; unknown codes are checked by validate_codes
    [bad_param("kind", "colour")],
)
register(
    L,
    lu.validate_codes,
    lambda: {"frame": parcels(), "code_col": "DLBM"},
    [
        unknown_code("frame", "DLBM", expect=raises(UnknownCodeError, "parcels", "DLBM")),
        missing_col("frame", "DLBM", expect=raises(MissingColumnError, "parcels", "DLBM")),
        Case(
            "nan",
            "frame.DLBM",
            lambda kw: {**kw, "frame": _with_value(kw["frame"], "DLBM", None)},
            raises(UnknownCodeError, "parcels", "DLBM"),
        ),
        Case(
            "unknown_code",
            "frame.QSXZ",
            lambda kw: {"frame": _with_value(kw["frame"], "QSXZ", "99"), "code_col": "QSXZ", "kind": "ownership"},
            raises(UnknownCodeError, "parcels", "QSXZ"),
        ),
    ],
)
for _f, _why in (
    (lu.land_classes, "returns the shipped GB/T 21010 table; no data argument"),
    (lu.ownership_codes, "returns the shipped QSXZ table; no argument"),
    (lu.planning_classes, "returns the shipped planning table; no argument"),
    (lu.available_profiles, "lists the shipped profiles; no argument"),
):
    register(L, _f, dict, exempt=_why)
register(
    L,
    lu.load_profile,
    lambda: {"profile": "national"},
    [
        set_arg("unknown_code", "profile", "atlantis", raises(InvalidOptionError, "profile")),
        bad_param("min_block_area_m2", -1.0),
        bad_param("public_interest_share_min", 1.5),
        bad_param("public_interest_share_min", -0.1),
        bad_param("villager_consent_share_min", 2.0),
        bad_param("overlap_share_tolerance", -0.01),
        bad_param("notice_days_min", -5),
        bad_param("min_block_area_m2", "large"),
        bad_param("min_block_aera_m2", 10.0),
    ],
)


def _with_value(frame, col, value, row=0):
    out = frame.copy()
    out[col] = out[col].astype(object)
    out.iloc[row, out.columns.get_loc(col)] = value
    return out


def block_cases() -> list[Case]:
    # precision_m=0 is documented (no snapping): only negative values are bad
    return parcel_cases() + [
        bad_param("gap_m", -1.0),
        bad_param("precision_m", -0.001),
        Case(
            "missing_col",
            "parcels.village",
            lambda kw: {**kw, "group_by": "village"},
            raises(MissingColumnError, "parcels", "village"),
        ),
    ]


register(
    L,
    lu.assemble_blocks,
    lambda: {"parcels": parcels()},
    # a missing ownership column is documented to skip the ownership mix: no missing_col row
    block_cases()
    + [
        unknown_code("parcels", "QSXZ", value="99", expect=either(UnknownCodeError, UrbangeoWarning, "parcels")),
        Case(
            "nan",
            "parcels.QSXZ",
            lambda kw: {**kw, "parcels": _with_value(kw["parcels"], "QSXZ", None)},
            either(UrbangeoError, UrbangeoWarning, "parcels"),
        ),
        bad_param("min_area_m2", -1.0),
        set_arg("unknown_code", "profile", "atlantis", raises(InvalidOptionError, "profile")),
    ],
)
register(L, lu.block_membership, lambda: {"parcels": parcels()}, block_cases())


def _after(frame=None):
    """The parcels at a second date: a third of them changed class."""
    b = parcels() if frame is None else frame
    out = b.copy()
    out.loc[out.index[::3], "DLBM"] = "0701"
    return out


register(
    L,
    lu.transition_matrix,
    lambda: {"before": parcels(), "after": _after()},
    [
        no_crs("before"),
        no_crs("after"),
        geographic("before", "after", expect=same(crs_back=False)),
        mismatch("after", crs="EPSG:32649"),
        bowtie("before"),
        bowtie("after"),
        empty_geom("before"),
        none_geom("after"),
        wrong_type("before"),
        missing_col("before", "DLBM"),
        missing_col("after", "DLBM"),
        Case(
            "nan",
            "before.DLBM",
            lambda kw: {**kw, "before": _with_value(kw["before"], "DLBM", None)},
            warns(DroppedRowsWarning, "before"),
        ),
        empty_frame("before"),
        empty_frame("after"),
        Case(
            "raster_no_crs",
            "before",
            lambda kw: {"before": _tif_codes(crs=False), "after": _tif_codes(crs=False), "resolution_m": 10.0},
            either(UrbangeoError, UrbangeoWarning, "before"),
        ),
        Case(
            "bad_param",
            "resolution_m=0",
            lambda kw: {"before": _codes(), "after": _codes(1), "resolution_m": 0},
            raises(InvalidOptionError, "resolution_m"),
        ),
    ],
)


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
        prof = {
            "driver": "GTiff",
            "dtype": "int32",
            "count": 1,
            "height": a.shape[0],
            "width": a.shape[1],
            "transform": Affine(10, 0, 500000, 0, -10, 2500000),
            "nodata": 0,
        }
        if crs:
            prof["crs"] = LU_CRS
        with rasterio.open(path, "w", **prof) as dst:
            dst.write(a, 1)
        return path

    return cached(f"tif_codes_{crs}", make)


register(
    L,
    lu.raster_transition_matrix,
    lambda: {"before": _codes(), "after": _codes(1)},
    [
        Case("mismatch", "after", lambda kw: {**kw, "after": _codes()[:, :3]}, raises(UrbangeoError, "after")),
        Case("str_dtype", "before", lambda kw: {**kw, "before": _codes().astype(str)}, raises(UrbangeoError, "before")),
        Case(
            "empty_frame",
            "before",
            lambda kw: {"before": np.zeros((0, 0), np.int32), "after": np.zeros((0, 0), np.int32)},
            raises(EmptyDataError, "before"),
        ),
        Case(
            "raster_no_crs",
            "before",
            lambda kw: {"before": _tif_codes(crs=False), "after": _tif_codes(crs=False), "resolution_m": 10.0},
            either(UrbangeoError, UrbangeoWarning, "before"),
        ),
        bad_param("resolution_m", 0),
        bad_param("resolution_m", -10.0),
    ],
)


def _matrix():
    return cached("matrix", lambda: lu.transition_matrix(_codes(), _codes(1))).copy()


def matrix_cases(t: str = "matrix") -> list[Case]:
    def spoil(value):
        def mutate(kw):
            m = kw[t].astype(float) if not isinstance(value, str) else kw[t].astype(object)
            m.iloc[0, 1] = value
            return {**kw, t: m}

        return mutate

    return [
        Case("nan", t, spoil(np.nan), raises(UrbangeoError, t)),
        Case("bad_param", f"{t}[0,1]=-1", spoil(-1.0), raises(InvalidOptionError, t)),
        Case("str_dtype", t, spoil("3"), raises(UrbangeoError, t)),
        Case("empty_frame", t, lambda kw: {**kw, t: kw[t].iloc[:0, :0]}, raises(EmptyDataError, t)),
    ]


register(L, lu.change_components, lambda: {"matrix": _matrix()}, matrix_cases())
register(L, lu.markov_matrix, lambda: {"matrix": _matrix()}, matrix_cases())
register(L, lu.transitions_long, lambda: {"matrix": _matrix()}, matrix_cases() + [bad_param("min_amount", -1.0)])
for _f in (lu.interval_intensity, lu.category_intensity, lu.transition_intensity):
    register(
        L,
        _f,
        lambda: {"matrices": _matrix(), "years": [2000, 2010]},
        matrix_cases("matrices")
        + [
            bad_param("years", [2010, 2000], expect=raises(InvalidOptionError, "years")),
            bad_param("years", [2000, 2000], expect=raises(InvalidOptionError, "years")),
        ],
    )
REGISTRY[lu.transition_intensity].cases.append(
    set_arg("unknown_code", "category", 99, raises(InvalidOptionError, "category"))
)


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
        Case(
            "raster_no_crs",
            "landscape",
            lambda kw: {"landscape": tif_without_crs()},
            raises(UrbangeoError, "landscape"),
        ),
        Case("geographic", "landscape", lambda kw: {"landscape": _landscape_geo()}, raises(CRSError, "landscape")),
        Case(
            "str_dtype",
            "landscape",
            lambda kw: {**kw, "landscape": _landscape_raster().astype(str)},
            raises(UrbangeoError, "landscape"),
        ),
        Case(
            "empty_frame",
            "landscape",
            lambda kw: {**kw, "landscape": np.zeros((0, 0), np.int32)},
            raises(EmptyDataError, "landscape"),
        ),
        bad_param("resolution_m", 0),
        bad_param("resolution_m", -30.0),
        bad_param("neighbours", 5),
        # polygons
        Case(
            "no_crs",
            "landscape.polygons",
            lambda kw: {"landscape": parcels().set_crs(None, allow_override=True), "class_col": "DLBM"},
            raises(CRSError, "landscape"),
        ),
        # (a geographic polygon layer is checked on polygon_patches: the baseline here is the raster)
        Case(
            "bowtie",
            "landscape.polygons",
            lambda kw: {"landscape": bowtie("p").mutate({"p": parcels()})["p"], "class_col": "DLBM"},
            either(InvalidGeometryError, GeometryFixedWarning, "landscape"),
        ),
        Case(
            "none_geom",
            "landscape.polygons",
            lambda kw: {"landscape": none_geom("p").mutate({"p": parcels()})["p"], "class_col": "DLBM"},
            warns(DroppedRowsWarning, "landscape"),
        ),
        Case(
            "wrong_type",
            "landscape.polygons",
            lambda kw: {"landscape": wrong_type("p").mutate({"p": parcels()})["p"], "class_col": "DLBM"},
            raises(UrbangeoError, "landscape"),
        ),
        Case(
            "missing_col",
            "landscape.DLBM",
            lambda kw: {"landscape": parcels().drop(columns="DLBM"), "class_col": "DLBM"},
            raises(MissingColumnError, "landscape", "DLBM"),
        ),
    ]


register(L, lu.class_metrics, lambda: {"landscape": _landscape_raster(), "resolution_m": 30.0}, landscape_cases())
register(L, lu.landscape_metrics, lambda: {"landscape": _landscape_raster(), "resolution_m": 30.0}, landscape_cases())
register(
    L,
    lu.polygon_patches,
    lambda: {"landscape": parcels(), "class_col": "DLBM"},
    parcel_cases("landscape")
    + [
        missing_col("landscape", "DLBM"),
        Case(
            "nan",
            "landscape.DLBM",
            lambda kw: {**kw, "landscape": _with_value(kw["landscape"], "DLBM", None)},
            either(UrbangeoError, DroppedRowsWarning, "landscape"),
        ),
        bad_param("neighbours", 5),
    ],
)

# ----- modelled data (the generators behind parcels() and constraints())
register(
    L,
    lu.modelled_parcels,
    lambda: {"n": 30, "seed": 1},
    [
        bad_param("n", 0),
        bad_param("n", 2.5),
        bad_param("village_cells", 0),
        bad_param("plot_m", (40.0, 0.0)),
        bad_param("road_m", -1.0),
        bad_param("vacancy", 1.0),
        bad_param("merge", 1.5),
        set_arg("geographic", "crs", GEOGRAPHIC, raises(CRSError, "crs")),
    ],
)
register(
    L,
    lu.assign_modelled_attributes,
    lambda: {"plots": parcels()[["geometry"]], "seed": 1},
    [empty_frame("plots"), bad_param("county", "44"), bad_param("village_of", [1, 2])],
)
register(
    L,
    lu.modelled_constraints,
    lambda: {"parcels": parcels(), "seed": 1},
    [no_crs("parcels"), empty_frame("parcels"), missing_col("parcels", "DLBM")],
)
register(
    L,
    lu.modelled_price_zones,
    lambda: {"parcels": parcels()},
    [
        no_crs("parcels"),
        empty_frame("parcels"),
        bad_param("prices_per_mu", ()),
        bad_param("prices_per_mu", (1.0, -2.0)),
        bad_param("prices_per_mu", (1.0,) * 6),
    ],
)

# ----- screening, compensation, plots
register(
    L,
    lu.screen_conversion,
    lambda: {"parcels": parcels(), **constraints()},
    parcel_cases(geo=("parcels", "development_boundary", "basic_farmland", "red_line"))
    + [
        mismatch("red_line", crs="EPSG:32649"),
        no_crs("red_line"),
        missing_col("parcels", "DLBM"),
        missing_col("parcels", "QSXZ"),
        unknown_code("parcels", "DLBM", expect=raises(UnknownCodeError, "parcels", "DLBM")),
        Case(
            "nan",
            "parcels.DLBM",
            lambda kw: {**kw, "parcels": _with_value(kw["parcels"], "DLBM", None)},
            raises(UnknownCodeError, "parcels", "DLBM"),
        ),
        bad_param("precision_m", -0.001),
    ],
)


def _screened():
    return cached("screened", lambda: lu.screen_conversion(parcels(), **constraints())).copy()


register(
    L,
    lu.conversion_summary,
    lambda: {"screened": _screened()},
    [missing_col("screened", "eligible"), empty_frame("screened"), missing_col("screened", "DLBM")],
)
register(
    L,
    lu.area_statistics,
    lambda: {"parcels": parcels()},
    [
        missing_col("parcels", "DLBM"),
        missing_col("parcels", "ZLDWDM"),
        unknown_code("parcels", "DLBM", expect=raises(UnknownCodeError, "parcels", "DLBM")),
        str_dtype("parcels", "TBDLMJ"),
        nan("parcels", "TBDLMJ", expect=either(UrbangeoError, DroppedRowsWarning, "parcels")),
        empty_frame("parcels"),
    ],
)


def _zones():
    return cached("price_zones", lambda: modelled_price_zones(parcels())).copy()


register(
    L,
    lu.estimate_compensation,
    lambda: {"parcels": parcels(), "price_zones": _zones()},
    parcel_cases(geo=("parcels", "price_zones"))
    + [
        no_crs("price_zones"),
        mismatch("price_zones", crs="EPSG:32649"),
        bowtie("price_zones"),
        empty_frame("price_zones"),
        missing_col("price_zones", "price_per_mu"),
        str_dtype("price_zones", "price_per_mu"),
        nan("price_zones", "price_per_mu", expect=either(UrbangeoError, UrbangeoWarning, "price_zones")),
        bad_param("precision_m", -0.001),
    ],
)


def _compensated():
    return cached("compensated", lambda: lu.estimate_compensation(parcels(), _zones())).copy()


register(
    L,
    lu.compensation_by_village,
    lambda: {"compensated": _compensated()},
    [
        missing_col("compensated", "ZLDWDM"),
        missing_col("compensated", "compensation_yuan"),
        empty_frame("compensated"),
        bad_param("digits", 0),
        bad_param("digits", -3),
    ],
)
register(
    L,
    lu.m2_to_mu,
    lambda: {"area_m2": np.array([10000.0, 2000.0])},
    # a unit conversion: NaN and signs carry through as in numpy; only text is bad input
    [
        Case(
            "str_dtype", "area_m2", lambda kw: {"area_m2": np.array(["big", "small"])}, raises(UrbangeoError, "area_m2")
        )
    ],
)


def _blocks():
    return cached("blocks", lambda: lu.assemble_blocks(parcels())).copy()


register(
    L,
    lu.plot_eligibility,
    lambda: {"screened": _screened()},
    [missing_col("screened", "eligible"), empty_frame("screened"), no_crs("screened")],
)
register(
    L,
    lu.plot_blocks,
    lambda: {"blocks": _blocks()},
    [missing_col("blocks", "area_m2"), empty_frame("blocks"), no_crs("blocks")],
)
REGISTRY[lu.plot_eligibility].guard = _agg
REGISTRY[lu.plot_blocks].guard = _agg


# =========================================================================== names without a row
EXEMPT["landuse"] = {
    "CATEGORY_NAMES": "constant: three-category names",
    "COLLECTIVE_OWNERSHIP": "constant: collective ownership codes",
    "Rule": "class: one rule of a profile, built by load_profile",
    "RuleProfile": "class: built and validated by load_profile",
    "MU_M2": "constant: square metres per mu",
    "UNMATCHED": "constant: label of the unmatched row/column",
}


@pytest.mark.parametrize(("func", "case"), params("landuse"))
def test_bad_input(func, case):
    check_case(func, case)
