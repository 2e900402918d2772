"""Engine of the bad-input matrix: the registry, cases, expectations and the runner.

The registry ``{function: Spec}`` (:data:`REGISTRY`) holds a row for every public function
of the core and of the three wings. Rows are registered (:func:`register`) by the row files,
next to the tests of what they cover: ``tests/test_bad_input_core.py`` (the core, and the
registry-wide checks) and ``tests/<wing>/test_bad_input.py``; each runs its own rows with
``@pytest.mark.parametrize(("func", "case"), params("<wing>"))`` and :func:`check_case`.
This module holds what the rows are made of:

* :class:`Spec`: how to build valid inputs for one function (small synthetic data),
  and which bad-input :class:`Case` rows apply to its arguments;
* case constructors (:func:`no_crs`, :func:`geographic`, :func:`bowtie`, ...), one per
  kind of bad input; each takes the argument it spoils and what is expected;
* expectations: :func:`raises` (a typed error from :mod:`urbangeo.errors` whose message
  names the argument), :func:`warns` (a documented warning from :mod:`urbangeo.errors`,
  the result still returned), :func:`same` (the input is accepted and the result equals
  the one on the valid input, e.g. a geographic CRS reprojected automatically) and
  :func:`either` (a typed error *or* a warned result);
* :func:`run_case`, which also checks, in every case, that no input was mutated.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, is_dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from urbangeo.errors import (
    ColumnTypeError,
    CRSError,
    CRSMismatchError,
    DroppedRowsWarning,
    EmptyDataError,
    GeometryFixedWarning,
    GeometryTypeError,
    InvalidGeometryError,
    InvalidOptionError,
    MissingColumnError,
    UnknownCodeError,
    UrbangeoError,
    UrbangeoWarning,
)
from urbangeo.raster import Raster
from urbangeo.testing import assert_not_mutated

#: the kinds of bad input; every case is one of them
CASE_KINDS = (
    "no_crs",
    "geographic",
    "mismatch",
    "bowtie",
    "empty_geom",
    "none_geom",
    "wrong_type",
    "missing_col",
    "str_dtype",
    "nan",
    "unknown_code",
    "empty_frame",
    "two_components",
    "raster_no_crs",
    "bad_param",
)

GEOGRAPHIC = "EPSG:4326"


# --------------------------------------------------------------------------- expectations
@dataclass(frozen=True)
class Expect:
    kind: str  # "raises" | "warns" | "same" | "either"
    error: type = UrbangeoError
    warning: type = UrbangeoWarning
    names: tuple[str, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-6
    crs_back: bool = True  # a geographic primary input gives a result in that CRS
    loose: bool = False  # rasters warped there and back: compare CRS, extent and statistics only

    def describe(self) -> str:
        if self.kind == "raises":
            return f"raises {self.error.__name__} naming {self.names}"
        if self.kind == "warns":
            return f"warns {self.warning.__name__} naming {self.names}"
        if self.kind == "either":
            return f"raises {self.error.__name__} or warns {self.warning.__name__} naming {self.names}"
        return "same result as the valid input"


def raises(error: type = UrbangeoError, *names: str) -> Expect:
    assert issubclass(error, UrbangeoError), error
    return Expect("raises", error=error, names=names)


def warns(warning: type = UrbangeoWarning, *names: str) -> Expect:
    assert issubclass(warning, UrbangeoWarning), warning
    return Expect("warns", warning=warning, names=names)


def either(error: type = UrbangeoError, warning: type = UrbangeoWarning, *names: str) -> Expect:
    return Expect("either", error=error, warning=warning, names=names)


def same(*, rtol: float = 1e-6, atol: float = 1e-6, crs_back: bool = True, loose: bool = False) -> Expect:
    return Expect("same", rtol=rtol, atol=atol, crs_back=crs_back, loose=loose)


# --------------------------------------------------------------------------- cases and specs
Mutator = Callable[[dict], dict]


@dataclass(frozen=True)
class Case:
    """One bad input for one function: ``kind[target]``, how to make it, what is expected."""

    kind: str
    target: str
    mutate: Mutator
    expect: Expect
    xfail: str | None = None

    def __post_init__(self):
        assert self.kind in CASE_KINDS, self.kind

    @property
    def id(self) -> str:
        return f"{self.kind}[{self.target}]"


@dataclass
class Spec:
    """How to call one public function on valid inputs, and its bad-input cases.

    ``build`` returns the arguments by parameter name (a fresh copy on every call);
    ``exempt`` gives the reason when no case of the matrix applies to the function.
    """

    build: Callable[[], dict]
    cases: list[Case] = field(default_factory=list)
    exempt: str | None = None
    guard: Callable[[], Any] | None = None  # context manager around every call (e.g. no downloads)
    _baseline: Any = field(default=None, repr=False)

    def baseline(self, func):
        if self._baseline is None:
            self._baseline = (call(func, self.build()),)
        return self._baseline[0]


def call(func: Callable, kwargs: Mapping[str, Any]):
    """Call ``func`` with ``kwargs``; positional-only parameters are passed by position."""
    sig = inspect.signature(func)
    args, kw = [], dict(kwargs)
    for name, p in sig.parameters.items():
        if p.kind is inspect.Parameter.POSITIONAL_ONLY and name in kw:
            args.append(kw.pop(name))
    return func(*args, **kw)


# --------------------------------------------------------------------------- mutators
def _with(kw: dict, name: str, value) -> dict:
    out = dict(kw)
    out[name] = value
    return out


def set_geometry(gdf: gpd.GeoDataFrame, i: int, geom) -> gpd.GeoDataFrame:
    """Copy of ``gdf`` with the geometry of row position ``i`` replaced by ``geom``."""
    out = gdf.copy()
    arr = np.asarray(out.geometry.values, dtype=object).copy()
    arr[i] = geom
    out[out.geometry.name] = gpd.GeoSeries(arr, index=out.index, crs=out.crs)
    return out


def bowtie_like(geom) -> Polygon:
    """A self-intersecting 'bowtie' polygon over the bounds of ``geom``."""
    x0, y0, x1, y1 = geom.bounds
    if x1 - x0 < 1e-9:  # a point: give it some size
        x0, y0, x1, y1 = x0 - 5, y0 - 5, x0 + 5, y0 + 5
    return Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])


def _wrong_geometry(geom):
    """A geometry of another family at the same place: lines for points and polygons."""
    if geom.geom_type in ("Point", "MultiPoint"):
        x, y = geom.centroid.x, geom.centroid.y
        return LineString([(x - 5, y - 5), (x + 5, y + 5)])
    if geom.geom_type in ("LineString", "MultiLineString"):
        return geom.centroid
    return LineString(list(geom.exterior.coords) if hasattr(geom, "exterior") else [(0, 0), (1, 1)])


def _empty_of(geom):
    return {"Point": Point(), "MultiPoint": Point(), "LineString": LineString()}.get(geom.geom_type, Polygon())


def _frame_op(target: str, op: Callable[[Any], Any]) -> Mutator:
    def mutate(kw: dict) -> dict:
        return _with(kw, target, op(kw[target]))

    return mutate


def _to_crs_all(targets: tuple[str, ...], crs) -> Mutator:
    def mutate(kw: dict) -> dict:
        out = dict(kw)
        for t in targets:
            v = out[t]
            out[t] = reproject_any(v, crs)
        return out

    return mutate


def reproject_any(obj, crs):
    """GeoDataFrame/GeoSeries -> to_crs; Raster -> reproject_raster onto ``crs``."""
    if isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return obj.to_crs(crs)
    from urbangeo.raster import Raster, reproject_raster

    if isinstance(obj, Raster):
        return reproject_raster(obj, crs=crs, resampling="nearest")
    if isinstance(obj, dict):
        return {k: reproject_any(v, crs) for k, v in obj.items()}
    raise TypeError(type(obj))


# --------------------------------------------------------------------------- case constructors
def no_crs(target: str, expect: Expect | None = None, **kw) -> Case:
    def op(g):
        out = g.copy()
        return out.set_crs(None, allow_override=True)

    return Case("no_crs", target, _frame_op(target, op), expect or raises(CRSError, target), **kw)


def geographic(*targets: str, expect: Expect | None = None, crs=GEOGRAPHIC, **kw) -> Case:
    """All listed inputs in longitude/latitude: accepted (the same result) unless told otherwise."""
    return Case("geographic", "+".join(targets), _to_crs_all(targets, crs), expect or same(), **kw)


def mismatch(target: str, crs="EPSG:32650", expect: Expect | None = None, **kw) -> Case:
    """``target`` in another metric CRS than the primary input."""
    return Case("mismatch", target, _to_crs_all((target,), crs), expect or raises(CRSMismatchError, target), **kw)


def bowtie(target: str, expect: Expect | None = None, row: int = 0, **kw) -> Case:
    def op(g):
        return set_geometry(g, row, bowtie_like(g.geometry.iloc[row]))

    return Case(
        "bowtie",
        target,
        _frame_op(target, op),
        expect or either(InvalidGeometryError, GeometryFixedWarning, target),
        **kw,
    )


def empty_geom(target: str, expect: Expect | None = None, row: int = 0, **kw) -> Case:
    def op(g):
        return set_geometry(g, row, _empty_of(g.geometry.iloc[row]))

    return Case("empty_geom", target, _frame_op(target, op), expect or warns(DroppedRowsWarning, target), **kw)


def none_geom(target: str, expect: Expect | None = None, row: int = 0, **kw) -> Case:
    def op(g):
        return set_geometry(g, row, None)

    return Case("none_geom", target, _frame_op(target, op), expect or warns(DroppedRowsWarning, target), **kw)


def wrong_type(target: str, expect: Expect | None = None, row: int = 0, value: Any = None, **kw) -> Case:
    """Row ``row`` of another geometry family, or (``value=``) the wrong kind of object."""
    if value is not None:
        mutate = _frame_op(target, lambda _old: value() if callable(value) else value)
    else:
        mutate = _frame_op(target, lambda g: set_geometry(g, row, _wrong_geometry(g.geometry.iloc[row])))
    return Case("wrong_type", target, mutate, expect or raises(GeometryTypeError, target), **kw)


def missing_col(target: str, column: str, expect: Expect | None = None, **kw) -> Case:
    def op(g):
        return g.drop(columns=[column])

    return Case(
        "missing_col",
        f"{target}.{column}",
        _frame_op(target, op),
        expect or raises(MissingColumnError, target, column),
        **kw,
    )


def str_dtype(target: str, column: str, expect: Expect | None = None, **kw) -> Case:
    def op(g):
        out = g.copy()
        out[column] = out[column].astype(str).astype(object)
        return out

    return Case(
        "str_dtype",
        f"{target}.{column}",
        _frame_op(target, op),
        expect or raises(ColumnTypeError, target, column),
        **kw,
    )


def nan(target: str, column: str | None = None, expect: Expect | None = None, row: int = 0, **kw) -> Case:
    """NaN in row ``row`` of a numeric column (or of an array/raster when ``column`` is None)."""

    def op(g):
        from urbangeo.subsidence import Raster

        if isinstance(g, Raster):
            a = g.array.copy()
            a.flat[row] = np.nan
            return g.with_array(a)
        if column is None:
            a = np.array(g, dtype=float, copy=True)
            a.flat[row] = np.nan
            return a
        out = g.copy()
        out[column] = out[column].astype(float)
        out.iloc[row, out.columns.get_loc(column)] = np.nan
        return out

    label = target if column is None else f"{target}.{column}"
    return Case("nan", label, _frame_op(target, op), expect or warns(DroppedRowsWarning, target), **kw)


def unknown_code(
    target: str, column: str | None = None, value: Any = "9999", expect: Expect | None = None, row: int = 0, **kw
) -> Case:
    def op(g):
        if column is None:
            if isinstance(g, str):
                return value
            out = list(g)
            out[row] = value
            return type(g)(out) if isinstance(g, (list, tuple)) else pd.Series(out, index=getattr(g, "index", None))
        out = g.copy()
        out[column] = out[column].astype(object)
        out.iloc[row, out.columns.get_loc(column)] = value
        return out

    label = target if column is None else f"{target}.{column}"
    return Case("unknown_code", label, _frame_op(target, op), expect or raises(UnknownCodeError, target), **kw)


def empty_frame(target: str, expect: Expect | None = None, **kw) -> Case:
    def op(g):
        if isinstance(g, (pd.DataFrame, pd.Series)):
            return g.iloc[:0].copy()
        if isinstance(g, np.ndarray):
            return g[:0]
        return type(g)()

    return Case("empty_frame", target, _frame_op(target, op), expect or raises(EmptyDataError, target), **kw)


def two_components(
    target: str = "network", make: Callable[[], Any] | None = None, expect: Expect | None = None, **kw
) -> Case:
    make = make or cut_network
    return Case(
        "two_components",
        target,
        _frame_op(target, lambda _old: make()),
        expect or either(UrbangeoError, UrbangeoWarning, target),
        **kw,
    )


def raster_no_crs(target: str, make: Callable[[], Any], expect: Expect | None = None, **kw) -> Case:
    from urbangeo.errors import GeoreferenceError

    return Case(
        "raster_no_crs",
        target,
        _frame_op(target, lambda _old: make()),
        expect or raises(GeoreferenceError, target),
        **kw,
    )


def bad_param(name: str, value: Any, expect: Expect | None = None, **kw) -> Case:
    def mutate(kwargs: dict) -> dict:
        return _with(kwargs, name, value)

    return Case("bad_param", f"{name}={value!r}", mutate, expect or raises(InvalidOptionError, name), **kw)


def set_arg(kind: str, name: str, value: Any, expect: Expect, **kw) -> Case:
    """A case of any ``kind`` that passes ``name=value`` (an unknown code, a geographic ``crs=`` ...)."""

    def mutate(kwargs: dict) -> dict:
        return _with(kwargs, name, value)

    return Case(kind, f"{name}={value!r}", mutate, expect, **kw)


# --------------------------------------------------------------------------- checking
def _names_ok(message: str, names: tuple[str, ...]) -> list[str]:
    """The names (arguments, columns) that ``message`` does not mention as a word.

    ``origins`` counts in "`origins` has no CRS" and in "3 origins could not be snapped",
    but ``crs`` does not count in "urbangeo.crs.metric_crs".
    """
    import re

    return [n for n in names if not re.search(rf"(?<![\w.]){re.escape(n)}(?![\w(])", message)]


def _snapshot_inputs(kwargs: dict) -> list:
    return [v for v in kwargs.values() if not callable(v) or isinstance(v, (pd.DataFrame, np.ndarray))]


def run_case(func: Callable, spec: Spec, case: Case) -> None:
    kwargs = case.mutate(spec.build())
    expect = case.expect
    inputs = _snapshot_inputs(kwargs)
    with assert_not_mutated(*inputs), warnings.catch_warnings(record=True) as caught:
        # record instead of raise, but keep the project's "ignore" entries (oldest-stack noise, setup.cfg)
        warnings.filters[:] = [("always", *f[1:]) if f[0] == "error" else f for f in warnings.filters]
        warnings.simplefilter("always", UrbangeoWarning)
        error = None
        try:
            result = call(func, kwargs)
        except UrbangeoError as exc:
            error = exc
        except Exception as exc:  # an untyped error: fail with what it was
            pytest.fail(
                f"{func.__name__} {case.id}: expected {expect.describe()}, got untyped "
                f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
            )
    foreign = [w for w in caught if not issubclass(w.category, UrbangeoWarning)]
    ours = [w for w in caught if issubclass(w.category, UrbangeoWarning)]
    assert not foreign, (
        f"warnings from outside urbangeo.errors: {[f'{w.category.__name__}: {w.message}' for w in foreign]}"
    )
    where = f"{func.__name__} {case.id}"
    if error is not None:
        assert expect.kind in ("raises", "either"), (
            f"{where}: expected {expect.describe()}, got {type(error).__name__}: {error}"
        )
        assert isinstance(error, expect.error), (
            f"{where}: expected {expect.error.__name__}, got {type(error).__name__}: {error}"
        )
        missing = _names_ok(str(error), expect.names)
        assert not missing, f"{where}: the {type(error).__name__} message does not name {missing}: {error}"
        return
    if expect.kind == "raises":
        got = "; ".join(f"{w.category.__name__}: {w.message}" for w in ours) or "no warning"
        pytest.fail(f"{where}: expected {expect.describe()}, but it returned a result ({got})")
    if expect.kind in ("warns", "either"):
        match = [w for w in ours if issubclass(w.category, expect.warning)]
        assert match, (
            f"{where}: expected {expect.describe()}, returned with "
            f"{[f'{w.category.__name__}: {w.message}' for w in ours] or 'no warning'}"
        )
        if expect.names:
            named = [w for w in match if not _names_ok(str(w.message), expect.names)]
            assert named, (
                f"{where}: no {expect.warning.__name__} names {expect.names}: {[str(w.message) for w in match]}"
            )
        return
    # same
    assert not ours, f"{where}: expected no warning, got {[f'{w.category.__name__}: {w.message}' for w in ours]}"
    want = spec.baseline(func)
    crs = None
    if expect.crs_back:
        first = next(iter(kwargs.values()))
        crs = getattr(first, "crs", None) if isinstance(first, (gpd.GeoDataFrame, gpd.GeoSeries)) else None
    assert_same_result(result, want, rtol=expect.rtol, atol=expect.atol, crs=crs, where=where, loose=expect.loose)


def assert_same_result(got, want, *, rtol: float, atol: float, crs=None, where: str = "", loose: bool = False) -> None:
    """``got`` (from the accepted bad input) equals ``want`` (from the valid input).

    ``loose``: the input was a raster warped to longitude/latitude and back, so cells were
    resampled twice; rasters then agree in CRS, extent (within 3 cells) and statistics
    (mean and maximum within 5 %), vector results in row count and total area (5 %).
    """
    from urbangeo.subsidence import Raster

    if loose:
        _loosely_same(got, want, where)
        return

    if isinstance(want, (gpd.GeoDataFrame, gpd.GeoSeries)):
        _same_geo(got, want, rtol=rtol, atol=atol, crs=crs, where=where)
    elif isinstance(want, pd.DataFrame):
        assert isinstance(got, pd.DataFrame), where
        _same_frame(got, want, rtol, atol, where)
    elif isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want, check_exact=False, rtol=rtol, atol=atol, obj=where)
    elif isinstance(want, Raster):
        _same_raster(got, want, rtol=rtol, atol=atol, where=where)
    elif isinstance(want, dict):
        assert set(got) == set(want), where
        for k in want:
            assert_same_result(got[k], want[k], rtol=rtol, atol=atol, crs=crs, where=f"{where}[{k}]")
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want), where
        for a, b in zip(got, want):
            assert_same_result(a, b, rtol=rtol, atol=atol, crs=crs, where=where)
    elif isinstance(want, np.ndarray):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)
    elif isinstance(want, float):
        assert math.isclose(got, want, rel_tol=rtol, abs_tol=atol) or (math.isnan(got) and math.isnan(want)), where
    elif is_dataclass(want):
        _same_dataclass(got, want, rtol=rtol, atol=atol, where=where)
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def _same_geo(got, want, *, rtol: float, atol: float, crs, where: str) -> None:
    """A GeoDataFrame or GeoSeries: type, CRS, rows, index, geometries within 1 cm, other columns."""
    assert type(got) is type(want), f"{where}: result type {type(got).__name__} != {type(want).__name__}"
    if crs is not None:
        assert got.crs == crs or (got.crs is not None and got.crs.equals(crs)), (
            f"{where}: result CRS {got.crs} is not the input's CRS {crs}"
        )
    back = got.to_crs(want.crs) if got.crs is not None and want.crs is not None else got
    assert len(back) == len(want), f"{where}: {len(back)} rows != {len(want)}"
    pd.testing.assert_index_equal(back.index, want.index)
    g1 = np.asarray(back.geometry.values, dtype=object)
    g2 = np.asarray(want.geometry.values, dtype=object)
    both = ~(shapely.is_missing(g1) | shapely.is_missing(g2))
    assert (shapely.is_missing(g1) == shapely.is_missing(g2)).all(), f"{where}: missing geometries differ"
    if both.any():
        with np.errstate(invalid="ignore"):  # empty geometries give NaN distances
            d = shapely.hausdorff_distance(g1[both], g2[both])
        e1, e2 = shapely.is_empty(g1[both]), shapely.is_empty(g2[both])
        assert (e1 == e2).all(), f"{where}: empty geometries differ"
        d = np.where(e1, 0.0, d)
        assert np.nanmax(d, initial=0.0) < 0.01, f"{where}: geometries differ by up to {np.nanmax(d):.4f} m"
    if isinstance(want, gpd.GeoDataFrame):
        cols = [c for c in want.columns if c != want.geometry.name]
        assert [c for c in back.columns if c != back.geometry.name] == cols, f"{where}: columns differ"
        _same_frame(pd.DataFrame(back[cols]), pd.DataFrame(want[cols]), rtol, atol, where)


def _same_raster(got, want, *, rtol: float, atol: float, where: str) -> None:
    """A Raster: CRS, shape, transform and cell values."""
    from urbangeo.raster import Raster

    assert isinstance(got, Raster), where
    assert got.crs.equals(want.crs), f"{where}: raster CRS {got.crs} != {want.crs}"
    assert got.shape == want.shape, f"{where}: raster shape {got.shape} != {want.shape}"
    assert got.transform.almost_equals(want.transform, precision=1e-3), f"{where}: {got.transform} != {want.transform}"
    np.testing.assert_allclose(got.array, want.array, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)


def _same_dataclass(got, want, *, rtol: float, atol: float, where: str) -> None:
    """A dataclass (a Network, ...) field by field; geometry arrays within 1 cm."""
    for name in want.__dataclass_fields__:
        a, b = getattr(got, name), getattr(want, name)
        if isinstance(b, np.ndarray) and b.dtype == object:
            ok = ~pd.isna(b)
            if ok.any() and isinstance(b[ok][0], shapely.Geometry):
                d = shapely.hausdorff_distance(a[ok], b[ok])
                assert np.nanmax(d) < 0.01, f"{where}.{name}"
                continue
        if isinstance(b, (np.ndarray, pd.DataFrame, dict)) or is_dataclass(b):
            assert_same_result(a, b, rtol=rtol, atol=atol, where=f"{where}.{name}")
        else:
            assert a == b, f"{where}.{name}: {a!r} != {b!r}"


def _same_frame(got: pd.DataFrame, want: pd.DataFrame, rtol: float, atol: float, where: str) -> None:
    assert list(got.columns) == list(want.columns), f"{where}: columns {list(got.columns)} != {list(want.columns)}"
    pd.testing.assert_index_equal(got.index, want.index, obj=f"{where}.index")
    for c in want.columns:
        a, b = got[c], want[c]
        if isinstance(b, gpd.GeoSeries) or (
            len(b) and isinstance(b.dropna().iloc[0] if b.notna().any() else None, shapely.Geometry)
        ):
            continue  # geometry-valued columns are compared through the active geometry only
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(
                np.asarray(a, float),
                np.asarray(b, float),
                rtol=rtol,
                atol=atol,
                equal_nan=True,
                err_msg=f"{where}[{c!r}]",
            )
        else:
            pd.testing.assert_series_equal(a, b, check_dtype=False, obj=f"{where}[{c!r}]")


# --------------------------------------------------------------------------- the registry, shared by the row files
#: the modules that register rows: the core's and one per wing
ROW_MODULES = (
    "tests.test_bad_input_core",
    "tests.accessibility.test_bad_input",
    "tests.subsidence.test_bad_input",
    "tests.landuse.test_bad_input",
)
REGISTRY: dict = {}  # function -> Spec
WING_OF: dict = {}  # function -> "core" | wing name
#: public names of each wing (and "core") that need no row, with the reason (classes, constants)
EXEMPT: dict[str, dict[str, str]] = {}
#: known defects: (functions, regex over case ids, reason); each row must match at least one case
#: (tests/test_bad_input_core.py::test_xfail_rows_match_cases); fixing the defect turns the case
#: into XPASS, which fails (strict), so the owner removes the row together with the fix. Add rows
#: in the row file of the function, before its ``params(...)``.
XFAILS: list[tuple[tuple, str, str]] = []


def register(wing: str, func, build, cases=(), *, exempt: str | None = None) -> None:
    """Add the row of ``func``: ``build()`` returns valid arguments by name; ``cases`` the bad inputs."""
    assert func not in REGISTRY, f"{func.__name__} registered twice"
    REGISTRY[func] = Spec(build=build, cases=list(cases), exempt=exempt)
    WING_OF[func] = wing


def load_all_rows() -> None:
    """Import every row module, so that :data:`REGISTRY` holds every wing's rows."""
    import importlib

    for name in ROW_MODULES:
        importlib.import_module(name)


def _xfail_of(func, case: Case) -> str | None:
    import re

    for funcs, pattern, reason in XFAILS:
        if func in funcs and re.search(pattern, case.id):
            return reason
    return case.xfail


def params(wing: str) -> list:
    """The ``(func, case)`` parameters of the rows of ``wing``, ids ``wing.function-kind[argument]``."""
    out = []
    for func, spec in REGISTRY.items():
        if WING_OF[func] != wing:
            continue
        for case in spec.cases:
            reason = _xfail_of(func, case)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(func, case, id=f"{wing}.{func.__name__}-{case.id}", marks=marks))
    return out


def check_case(func, case: Case) -> None:
    """Run one case of ``func``'s row, inside the row's guard (e.g. no downloads) if it has one."""
    import contextlib

    spec = REGISTRY[func]
    with spec.guard() if spec.guard else contextlib.nullcontext():
        run_case(func, spec, case)


# --------------------------------------------------------------------------- small synthetic data
#: metric CRS of the synthetic data: CGCS2000 Gauss-Krueger CM 117E, the zone
#: urbangeo.crs.metric_crs picks for the same data in longitude/latitude, so a
#: geographic copy comes back to exactly this CRS and results compare tightly
CRS_M = "EPSG:4548"
X0, Y0 = 500_000.0, 2_500_000.0


def grid(n: int = 5, spacing_m: float = 100.0, *, x0: float = X0, y0: float = Y0):
    """An n x n street grid (modelled), 6 km/h: 100 m per minute."""
    from urbangeo.accessibility import grid_network

    return grid_network(n, n, spacing_m=spacing_m, crs=CRS_M, origin_xy=(x0, y0), speed_kmh=6.0)


def cut_network():
    """The 5 x 5 grid with the links into its last column cut: two weakly connected components."""
    from urbangeo.accessibility import Network

    a = grid()
    col = np.arange(a.n_nodes) % 5
    keep = ~((col[a.edge_u] == 3) & (col[a.edge_v] == 4))
    return Network(
        x=a.x,
        y=a.y,
        node_id=a.node_id,
        edge_u=a.edge_u[keep],
        edge_v=a.edge_v[keep],
        edge_length_m=a.edge_length_m[keep],
        edge_geometry=a.edge_geometry[keep],
        edge_oneway=a.edge_oneway[keep],
        edge_speed_kmh=a.edge_speed_kmh[keep],
        crs=a.crs,
        mode=a.mode,
    )


def points(xy, *, crs=CRS_M, **cols) -> gpd.GeoDataFrame:
    """Points at offsets (metres) from (X0, Y0)."""
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=crs)


def boxes(bounds, *, crs=CRS_M, **cols) -> gpd.GeoDataFrame:
    """Rectangles (minx, miny, maxx, maxy) at offsets (metres) from (X0, Y0)."""
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in bounds], crs=crs
    )


# --------------------------------------------------------------------------- data shared by several row files
def homes(**extra):
    """Six homes on the 400 m x 400 m grid, off ties; (393, 251) lies by its last column."""
    return points(
        [(37, 13), (213, 117), (393, 251), (121, 259), (337, 71), (53, 383)],
        pop=[10.0, 20.0, 30.0, 5.0, 15.0, 25.0],
        g=["a", "b", "a", "b", "a", "b"],
        **extra,
    )


def parks_frame():
    """Two small parks (slanted sides: no ties between entrance distances)."""
    rings = [[(112, 113), (188, 118), (183, 186), (115, 181)], [(322, 212), (389, 219), (385, 288), (327, 281)]]
    geoms = [shapely.Polygon([(X0 + x, Y0 + y) for x, y in r]) for r in rings]
    return gpd.GeoDataFrame({"name": ["p1", "p2"]}, geometry=geoms, crs=CRS_M)


def cone(crs=CRS_M, depth: float = 4.0) -> Raster:
    """A conical basin 51 x 51 cells of 20 m: W = depth (1 - rho / 400 m), NaN-free."""
    from affine import Affine

    n, cell = 51, 20.0
    x = cell * (np.arange(n) + 0.5) - n * cell / 2
    X, Y = np.meshgrid(x, -x)
    arr = np.maximum(depth * (1 - np.hypot(X, Y) / 400.0), 0.0)
    return Raster(
        arr, Affine(cell, 0, X0 - n * cell / 2, 0, -cell, Y0 + n * cell / 2), crs, name="subsidence", units="m"
    )


_CACHE: dict = {}


def cached(key, make):
    """``make()``, computed once per test session under ``key`` (files, slow rasters)."""
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def tif_without_crs():
    """A GeoTIFF with a geotransform but no CRS."""

    def make():
        import tempfile
        from pathlib import Path

        import rasterio

        path = Path(tempfile.mkdtemp(prefix="urbangeo-bad-input-")) / "no_crs.tif"
        r = cone()
        prof = {
            "driver": "GTiff",
            "dtype": "float64",
            "count": 1,
            "height": r.shape[0],
            "width": r.shape[1],
            "transform": r.transform,
        }
        with rasterio.open(path, "w", **prof) as dst:
            dst.write(r.array, 1)
        return path

    return cached("tif_no_crs", make)


def tif():
    """A GeoTIFF of :func:`cone` (with its CRS)."""

    def make():
        import tempfile
        from pathlib import Path

        return cone().to_geotiff(Path(tempfile.mkdtemp(prefix="urbangeo-bad-input-")) / "cone.tif")

    return cached("tif_cone", make)


def _loosely_same(got, want, where: str) -> None:
    from urbangeo.subsidence import Raster

    if isinstance(want, dict):
        assert set(got) == set(want), where
        for k in want:
            _loosely_same(got[k], want[k], f"{where}[{k}]")
        return
    if isinstance(want, Raster):
        assert isinstance(got, Raster), f"{where}: result is {type(got).__name__}, not a Raster"
        assert got.crs.equals(want.crs), f"{where}: raster CRS {got.crs} != {want.crs}"
        cell = max(want.res)
        assert np.allclose(got.bounds, want.bounds, atol=3 * cell), f"{where}: bounds {got.bounds} != {want.bounds}"
        for stat in (np.nanmean, np.nanmax):
            a, b = float(stat(got.array)), float(stat(want.array))
            assert abs(a - b) <= 0.05 * abs(b) + 1e-6, f"{where}: {stat.__name__} {a} != {b}"
        return
    if isinstance(want, gpd.GeoDataFrame):
        assert isinstance(got, gpd.GeoDataFrame), where
        assert got.crs is not None and want.crs is not None and got.crs.equals(want.crs), (
            f"{where}: result CRS {got.crs} != {want.crs}"
        )
        a, b = float(got.area.sum()), float(want.area.sum())
        assert abs(a - b) <= 0.05 * b + 1e-6, f"{where}: total area {a} != {b}"
        return
    assert_same_result(got, want, rtol=0.05, atol=1e-6, where=where)
