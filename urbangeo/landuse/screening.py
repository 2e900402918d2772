"""Eligibility screening of collective parcels for conversion.

Two legal routes (see docs/landuse.md and the rule profiles):

* ``"expropriation"``: collective land -> state land for contiguous development
  (Land Administration Law 2019, Art. 45-48);
* ``"market_entry"``: direct market entry of collective business construction land
  (Art. 63).

:func:`screen_conversion` runs every test of the route on every parcel with array
operations (an STRtree over the parcels, prepared constraint polygons, one vectorised
``shapely.intersection`` over the intersecting pairs) and returns a copy of the parcels
with the results as columns:

==============================  ==========================================================
column                          meaning
==============================  ==========================================================
``area_m2``                     area of the cleaned parcel in the metric CRS
``category``                    three-category class of ``class_col`` (A / C / U)
``inside_boundary_m2``          area inside the urban development boundary (NaN if no layer)
``overlap_basic_farmland_m2``   area overlapping permanent basic farmland (NaN if no layer)
``overlap_red_line_m2``         area overlapping the ecological red line (NaN if no layer)
``planned_use``                 level-1 planning class with the largest overlap (if planning)
``failed_tests``                readable reasons, separated by ``"; "`` ("" when none)
``n_failed``                    number of failed tests
``excluded``                    True when the geometry could not be used (reported)
``eligible``                    True when every test that ran passed
``quota_m2``                    new construction-land quota needed: area if category A or U
``approval_level``              ``"State Council"`` / ``"province"`` for eligible parcels of
                                the expropriation route (per project); None otherwise
``approval_reason``             why (article cited)
==============================  ==========================================================
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import _dask
from .._validate import OnInvalid, check_choice, check_columns, check_geodataframe, check_number
from ..crs import check_same_crs, get_crs, metric_crs, project
from ..errors import DroppedRowsWarning, EmptyDataError, InvalidOptionError, SkippedTestsWarning, UnknownCodeError
from ..settings import settings
from . import _dispatch, _overlay
from .codes import category_of, level1_of, normalize_codes, validate_codes
from .rules import RuleProfile, load_profile

log = logging.getLogger(__name__)

__all__ = ["screen_conversion", "conversion_summary", "area_statistics", "ROUTES"]

ROUTES = ("expropriation", "market_entry")

Route = Literal["expropriation", "market_entry"]

#: Columns screen_conversion adds (in this order).
SCREEN_COLUMNS = (
    "area_m2",
    "category",
    "inside_boundary_m2",
    "overlap_basic_farmland_m2",
    "overlap_red_line_m2",
    "planned_use",
    "failed_tests",
    "n_failed",
    "excluded",
    "eligible",
    "quota_m2",
    "approval_level",
    "approval_reason",
)


def _tolerance(area: np.ndarray, share: float) -> np.ndarray:
    return np.maximum(float(settings.sliver_tolerance_m2), share * area)


def _fmt(x: float) -> str:
    return f"{x:,.1f} m2"


def screen_conversion(
    parcels: gpd.GeoDataFrame,
    *,
    route: Route = "expropriation",
    development_boundary: gpd.GeoDataFrame | None = None,
    basic_farmland: gpd.GeoDataFrame | None = None,
    red_line: gpd.GeoDataFrame | None = None,
    planning: gpd.GeoDataFrame | str | None = None,
    profile: str | Path | RuleProfile = "national",
    class_col: str = "DLBM",
    ownership_col: str = "QSXZ",
    planning_col: str = "planning_code",
    zone_col: str | None = None,
    consent_col: str | None = None,
    project_col: str | None = None,
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
    precision_m: float = 0.001,
) -> gpd.GeoDataFrame:
    """Screen parcels for conversion under a legal route; one row per parcel.

    Parameters
    ----------
    parcels : GeoDataFrame or dask_geopandas.GeoDataFrame
        Polygon parcels in any CRS with a land-class column (GB/T 21010 codes,
        third-survey variants accepted) and an ownership column (QSXZ). A dask frame
        gives a dask frame back (each partition screened where it lives).
    route : {"expropriation", "market_entry"}
        Which legal route's tests to run (see the module docstring and docs/landuse.md).
    development_boundary, basic_farmland, red_line : GeoDataFrame, optional
        Constraint polygons in the *same CRS* as ``parcels``. ``development_boundary``
        is required for the expropriation route (LAL 2019, Art. 45(1)(5)) unless the
        profile's ``expropriation_requires_development_boundary`` is False. A layer left
        out means its test is not run: a :class:`~urbangeo.errors.SkippedTestsWarning`
        names it, and ``result.attrs["screening"]["tests_not_run"]`` lists it. Tests the
        profile switches off (``exclude_red_line=False``, ...) are not warned about.
    planning : GeoDataFrame or str, optional
        Planned uses: a polygon layer (same CRS) whose ``planning_col`` holds 2020
        planning-classification codes (level 1, or longer codes whose first two digits
        are level 1), or the name of a column of ``parcels`` holding them. A parcel's
        planned use is the class with the largest overlap. Needed for the market-entry
        planning test.
    profile : str, path or RuleProfile, default "national"
        Rule profile (see :func:`urbangeo.landuse.load_profile`).
    class_col, ownership_col : str
        Land-class and ownership columns of ``parcels``.
    planning_col : str, default "planning_code"
        Column of the planning layer with the class codes.
    zone_col : str, optional
        Column of ``development_boundary`` with the zone type; only polygons whose value
        is in the profile's ``development_zone_values`` count (all, if that list is empty).
    consent_col : str, optional
        Column of ``parcels`` with the share (0-1) of villagers consenting (market entry,
        Art. 63). Without it the consent test is not run.
    project_col : str, optional
        Column grouping parcels into expropriation projects for the approval level;
        by default all eligible parcels of the call form one project.
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid geometries (``make_valid`` by default, reported with a
        :class:`~urbangeo.errors.GeometryFixedWarning`).
    precision_m : float, default 0.001
        Coordinates are snapped to this grid (in the metric CRS) before overlaying.

    Returns
    -------
    GeoDataFrame
        A copy of ``parcels`` (same index, CRS and geometry) with the columns listed in
        the module docstring. Rows whose geometry is missing, empty or dropped are kept,
        flagged ``excluded=True`` and not eligible, so nothing disappears.
        ``attrs["screening"]`` records the route, profile, metric CRS, tests not run and
        what cleaning changed.

    Raises
    ------
    CRSMismatchError
        A constraint layer is not in the parcels' CRS.
    UnknownCodeError
        Land-class or ownership codes are not in the shipped tables, or a land class has
        no three-category class (mixed level-1 codes 04, 10, 11, 12).
    MissingColumnError, InvalidOptionError
        Missing columns, bad route, or a missing development boundary.

    Warns
    -----
    SkippedTestsWarning
        Legal tests of the route were not run because their input was not given
        (``basic_farmland``, ``red_line``; ``planning`` and ``consent_col`` on the
        market-entry route): parcels that would fail them are marked eligible. On the
        expropriation route, approval levels then assume no permanent basic farmland.
        Silence it, once you have decided so, with
        ``warnings.filterwarnings("ignore", category=SkippedTestsWarning)``.
    GeometryFixedWarning, DroppedRowsWarning
        Invalid parcels repaired; missing, empty or dropped ones excluded (kept as rows,
        flagged ``excluded``).

    See Also
    --------
    conversion_summary : areas, quota and approval level per project.
    assemble_blocks : contiguous development blocks of the eligible parcels.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> parcels = gpd.GeoDataFrame(
    ...     {"DLBM": ["0101", "0601"], "QSXZ": ["32", "10"]},
    ...     geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs="EPSG:4547")
    >>> boundary = gpd.GeoDataFrame(geometry=[shapely.box(-10, -10, 300, 300)], crs="EPSG:4547")
    >>> farmland = gpd.GeoDataFrame(geometry=[shapely.box(500, 0, 600, 100)], crs="EPSG:4547")
    >>> red_line = gpd.GeoDataFrame(geometry=[shapely.box(0, 500, 100, 600)], crs="EPSG:4547")
    >>> out = screen_conversion(parcels, development_boundary=boundary, basic_farmland=farmland, red_line=red_line)
    >>> out[["eligible", "quota_m2", "approval_level"]]
       eligible  quota_m2 approval_level
    0      True   10000.0       province
    1     False       0.0           None
    >>> out.loc[1, "failed_tests"]
    'not collectively owned (QSXZ 10)'
    """
    inp = _Inputs(
        route=route,
        layers={"development_boundary": development_boundary, "basic_farmland": basic_farmland, "red_line": red_line},
        planning=planning,
        prof=load_profile(profile),
        class_col=class_col,
        ownership_col=ownership_col,
        planning_col=planning_col,
        zone_col=zone_col,
        consent_col=consent_col,
        project_col=project_col,
        on_invalid=on_invalid,
        precision_m=precision_m,
    )
    if _dispatch.is_dask(parcels):
        result = _screen_dask(parcels, inp)
    else:
        result = _assign_approval(_screen_frame(parcels, inp), inp.prof, route=route, project_col=project_col)
    _warn_tests_not_run(inp)
    return result


# --------------------------------------------------------------------------- the legal tests


@dataclass(frozen=True)
class _Inputs:
    """The arguments of one :func:`screen_conversion` call, the profile loaded."""

    route: str
    layers: dict[str, Any]  # development_boundary, basic_farmland, red_line: GeoDataFrame or None
    planning: gpd.GeoDataFrame | str | None
    prof: RuleProfile
    class_col: str
    ownership_col: str
    planning_col: str
    zone_col: str | None
    consent_col: str | None
    project_col: str | None
    on_invalid: OnInvalid
    precision_m: float

    def given(self, arg: str) -> bool:
        """Whether the argument ``arg`` that runs a legal test was passed."""
        value = self.consent_col if arg == "consent_col" else self.planning if arg == "planning" else self.layers[arg]
        return value is not None


@dataclass
class _Facts:
    """What the legal tests look at: one value per usable parcel."""

    area: np.ndarray  # m2 in the metric CRS
    tol: np.ndarray  # an overlap counts above this (m2): slivers do not fail a parcel
    ownership: np.ndarray  # normalised QSXZ codes
    land_class: np.ndarray  # normalised GB/T 21010 codes
    overlap: dict[str, np.ndarray]  # layer -> overlap area (m2), for the layers given
    planned: np.ndarray | None  # level-1 planning class (None outside the planning layer)
    consent: np.ndarray | None  # share of villagers consenting (NaN when missing)


@dataclass(frozen=True)
class LegalTest:
    """One legal test of :func:`screen_conversion`: a row of :data:`LEGAL_TESTS`.

    ``check(facts, profile)`` returns ``(fails, shown)``: which usable parcels fail and,
    per parcel, the value ``reason(value, profile)`` turns into the text of
    ``failed_tests``.
    """

    name: str  # what the law requires; listed in attrs["screening"]["tests_not_run"] when skipped
    article: str  # the article (or rule) it applies
    routes: tuple[str, ...]
    check: Callable[[_Facts, RuleProfile], tuple[np.ndarray, np.ndarray]]
    reason: Callable[[Any, RuleProfile], str]
    needs: str | None = None  # the argument that runs it (None: it always runs)
    switch: str | None = None  # profile flag turning it on; off: not run, not warned about
    required_by: str | None = None  # profile flag making `needs` required (an error when missing); off: skipped silently
    needed_on: tuple[str, ...] = ()  # routes on which `needs` also serves the approval level: warned even when off
    skip_note: str = ""  # said in the warning on those routes

    def runs(self, inp: _Inputs) -> bool:
        return (
            inp.route in self.routes
            and (self.needs is None or inp.given(self.needs))
            and (self.switch is None or bool(inp.prof[self.switch]))
        )

    def skipped(self, inp: _Inputs) -> bool:
        """The test belongs to the route but its input was not given."""
        return inp.route in self.routes and self.needs is not None and not inp.given(self.needs)

    def warn_when_skipped(self, inp: _Inputs) -> bool:
        if self.required_by is not None:  # required: an error; not required: the profile's choice
            return False
        return self.switch is None or bool(inp.prof[self.switch]) or inp.route in self.needed_on


def _not_collective(f: _Facts, prof: RuleProfile) -> tuple[np.ndarray, np.ndarray]:
    return ~np.isin(f.ownership.astype(str), list(prof["collective_ownership_codes"])), f.ownership


def _outside_boundary(f: _Facts, prof: RuleProfile) -> tuple[np.ndarray, np.ndarray]:
    outside = f.area - f.overlap["development_boundary"]
    return outside > f.tol, outside


def _overlaps(layer: str) -> Callable[[_Facts, RuleProfile], tuple[np.ndarray, np.ndarray]]:
    def check(f: _Facts, prof: RuleProfile) -> tuple[np.ndarray, np.ndarray]:
        ov = f.overlap[layer]
        return ov > f.tol, ov

    return check


def _not_business_land(f: _Facts, prof: RuleProfile) -> tuple[np.ndarray, np.ndarray]:
    lvl1 = level1_of(f.land_class).to_numpy(dtype=object)
    allowed = np.isin(lvl1.astype(str), list(prof["market_entry_land_classes"]))
    excluded = np.isin(f.land_class.astype(str), list(prof["market_entry_excluded_classes"]))
    return ~(allowed & ~excluded), f.land_class


def _not_business_plan(f: _Facts, prof: RuleProfile) -> tuple[np.ndarray, np.ndarray]:
    assert f.planned is not None
    return ~np.isin(f.planned.astype(str), list(prof["market_entry_planning_classes"])), f.planned


def _no_consent(f: _Facts, prof: RuleProfile) -> tuple[np.ndarray, np.ndarray]:
    assert f.consent is not None
    return ~(f.consent >= float(prof["villager_consent_share_min"]) - 1e-12), f.consent


def _consent_reason(x: float, prof: RuleProfile) -> str:
    if np.isnan(x):
        return "villager consent missing"
    return f"villager consent {x:.0%} < {float(prof['villager_consent_share_min']):.0%}"


#: The legal tests, in the order their reasons appear in ``failed_tests``. A test runs on
#: the routes listed, when its argument (``needs``) was given and its profile flag
#: (``switch``) is on. Adding a test is adding a row (and, if it needs a new fact, a field
#: of ``_Facts``).
LEGAL_TESTS: tuple[LegalTest, ...] = (
    LegalTest(
        name="collectively owned",
        article="LAL 2019, Art. 45 and 63: both routes start from collectively owned land",
        routes=ROUTES,
        check=_not_collective,
        reason=lambda own, prof: f"not collectively owned (QSXZ {own})",
    ),
    LegalTest(
        name="inside the urban development boundary",
        article="LAL 2019, Art. 45(1)(5): contiguous development inside the urban construction-land scope",
        routes=("expropriation",),
        check=_outside_boundary,
        reason=lambda m2, prof: f"outside the urban development boundary ({_fmt(m2)})",
        needs="development_boundary",
        required_by="expropriation_requires_development_boundary",
    ),
    LegalTest(
        name="no overlap with permanent basic farmland",
        article="LAL 2019, Art. 35: permanent basic farmland is strictly protected",
        routes=ROUTES,
        check=_overlaps("basic_farmland"),
        reason=lambda m2, prof: f"overlaps permanent basic farmland ({_fmt(m2)})",
        needs="basic_farmland",
        switch="exclude_basic_farmland",
        needed_on=("expropriation",),
        skip_note="approval levels assume no permanent basic farmland",
    ),
    LegalTest(
        name="no overlap with the ecological red line",
        article="Ecological protection red line: no development construction inside",
        routes=ROUTES,
        check=_overlaps("red_line"),
        reason=lambda m2, prof: f"overlaps the ecological protection red line ({_fmt(m2)})",
        needs="red_line",
        switch="exclude_red_line",
    ),
    LegalTest(
        name="collective business construction land",
        article="LAL 2019, Art. 63 (Art. 62: homesteads are not business land)",
        routes=("market_entry",),
        check=_not_business_land,
        reason=lambda cls, prof: f"land class {cls} is not collective business construction land",
    ),
    LegalTest(
        name="planned business use",
        article="LAL 2019, Art. 63: land the plans determine for industrial, commercial and other business use",
        routes=("market_entry",),
        check=_not_business_plan,
        reason=lambda use, prof: (
            "no planned use (outside the planning layer)" if use is None else f"planned use {use} is not business use"
        ),
        needs="planning",
    ),
    LegalTest(
        name="villager consent >= 2/3",
        article="LAL 2019, Art. 63: consent of two thirds of the villagers' assembly or representatives",
        routes=("market_entry",),
        check=_no_consent,
        reason=_consent_reason,
        needs="consent_col",
    ),
)


def _run_tests(facts: _Facts, inp: _Inputs) -> tuple[np.ndarray, np.ndarray]:
    """Every legal test that runs, in table order: ``(reasons joined by "; ", number failed)`` per usable parcel."""
    n = len(facts.area)
    reasons = np.full(n, "", dtype=object)
    n_failed = np.zeros(n, dtype=np.int64)
    for test in LEGAL_TESTS:
        if not test.runs(inp):
            continue
        fails, shown = test.check(facts, inp.prof)
        sel = np.flatnonzero(np.asarray(fails, dtype=bool))
        if len(sel) == 0:
            continue
        text = np.asarray([test.reason(v, inp.prof) for v in shown[sel]], dtype=object)
        # vectorised over the failing parcels, not a loop over rows
        reasons[sel] = reasons[sel] + np.where(n_failed[sel] > 0, "; ", "") + text
        n_failed[sel] += 1
    return reasons, n_failed


def _warn_tests_not_run(inp: _Inputs) -> None:
    skipped = [t for t in LEGAL_TESTS if t.skipped(inp) and t.warn_when_skipped(inp)]
    if not skipped:
        return
    parts = []
    for t in skipped:
        extra = f"; {t.skip_note}" if t.skip_note and inp.route in t.needed_on else ""
        parts.append(f"{t.name} (pass `{t.needs}`{extra})")
    warnings.warn(
        f"screen_conversion: {len(skipped)} legal tests were not run because their input was not given, so "
        f"parcels that would fail them are marked eligible: {', '.join(parts)}. They are listed in "
        f"attrs['screening']['tests_not_run'].",
        SkippedTestsWarning,
        stacklevel=3,
    )


# --------------------------------------------------------------------------- one frame


def _check_inputs(parcels: Any, inp: _Inputs) -> None:
    check_choice(inp.route, "route", ROUTES)
    check_number(inp.precision_m, "precision_m", minimum=0)
    layers, planning = inp.layers, inp.planning
    named = {"parcels": parcels, **{k: v for k, v in layers.items() if v is not None}}
    if isinstance(planning, gpd.GeoDataFrame):
        named["planning"] = planning
    for k, v in named.items():
        if k != "parcels":
            check_geodataframe(v, k)
    check_same_crs(**named)
    cols = [inp.class_col, inp.ownership_col] + [c for c in (inp.consent_col, inp.project_col) if c]
    if isinstance(planning, str):
        cols.append(planning)
    check_columns(parcels, "parcels", cols)
    if inp.consent_col:
        check_columns(parcels, "parcels", {inp.consent_col: "numeric"})
    if isinstance(planning, gpd.GeoDataFrame):
        check_columns(planning, "planning", [inp.planning_col])
    if inp.zone_col is not None:
        if layers.get("development_boundary") is None:
            raise InvalidOptionError("`zone_col` was given but `development_boundary` was not; pass both or neither.")
        check_columns(layers["development_boundary"], "development_boundary", [inp.zone_col])
    if planning is not None and not isinstance(planning, (str, gpd.GeoDataFrame)):
        raise TypeError(
            f"`planning` must be a GeoDataFrame of planning zones or the name of a column of `parcels`; "
            f"got {type(planning).__name__}."
        )
    if (
        inp.route == "expropriation"
        and layers.get("development_boundary") is None
        and inp.prof["expropriation_requires_development_boundary"]
    ):
        raise InvalidOptionError(
            "route='expropriation' needs `development_boundary` (LAL 2019, Art. 45(1)(5): contiguous development "
            "inside the urban development boundary). Pass the boundary layer, or use "
            "profile=load_profile('national', expropriation_requires_development_boundary=False) to skip the test."
        )


def _classes(parcels: gpd.GeoDataFrame, inp: _Inputs) -> tuple[np.ndarray, np.ndarray]:
    """Normalised land classes and their three-category class (A / C / U); unknown codes raise."""
    validate_codes(parcels, code_col=inp.class_col, kind="land_class")
    validate_codes(parcels, code_col=inp.ownership_col, kind="ownership")
    classes = normalize_codes(parcels[inp.class_col]).to_numpy(dtype=object)
    category = category_of(classes).to_numpy(dtype=object)
    no_cat = pd.isna(category)
    if no_cat.any():
        rows = list(parcels.index[no_cat])
        bad = sorted({str(c) for c in classes[no_cat]})
        raise UnknownCodeError(
            f"`parcels` column {inp.class_col!r} holds level-1 codes {', '.join(repr(b) for b in bad)} whose "
            f"sub-classes fall in different three-category classes (rows {rows[:5]}); give level-2 codes.",
            codes=bad,
            rows=rows,
        )
    return classes, category


#: constraint layer -> the result column with the parcel's area inside / overlapping it
_OVERLAP_COLUMNS = {
    "development_boundary": "inside_boundary_m2",
    "basic_farmland": "overlap_basic_farmland_m2",
    "red_line": "overlap_red_line_m2",
}


def _overlaps_with_layers(tree: shapely.STRtree, g: np.ndarray, a: np.ndarray, inp: _Inputs, target: Any
                          ) -> dict[str, np.ndarray]:
    """Area (m2) of each usable parcel inside every constraint layer given."""
    out = {}
    for key, layer in inp.layers.items():
        if layer is None:
            continue
        values = list(inp.prof["development_zone_values"])
        if key == "development_boundary" and inp.zone_col is not None and values:
            layer = layer[layer[inp.zone_col].isin(values)]
        lg = _overlay.layer_geoms(layer, key, target_crs=target, grid_m=inp.precision_m)
        out[key] = _overlay.overlap_area(tree, g, a, lg)
    return out


def _planned_use(parcels: gpd.GeoDataFrame, idx: np.ndarray, tree: shapely.STRtree, g: np.ndarray, a: np.ndarray,
                 inp: _Inputs, target: Any) -> np.ndarray | None:
    """Level-1 planning class per parcel (None where there is none); None without ``planning``."""
    planning = inp.planning
    if planning is None:
        return None
    planned = np.full(len(parcels), None, dtype=object)
    if isinstance(planning, str):
        planned[idx] = normalize_codes(parcels[planning].to_numpy()[idx], kind="planning").to_numpy(dtype=object)
    else:
        pl = planning[~(planning.geometry.isna() | planning.geometry.is_empty)]
        pvals = normalize_codes(pl[inp.planning_col].to_numpy(), kind="planning").to_numpy(dtype=object)
        pg = project(gpd.GeoSeries(pl.geometry.values, crs=pl.crs), target, name="planning")
        parr = np.asarray(pg.values, dtype=object)
        bad = ~shapely.is_valid(parr)
        if bad.any():
            parr = parr.copy()
            parr[bad] = _overlay.polygonal(shapely.make_valid(parr[bad]))
        value, _best = _overlay.largest_overlap(tree, g, a, parr, pvals)
        planned[idx] = value
    return np.array([None if (v is None or v is pd.NA) else str(v)[:2] for v in planned], dtype=object)


def _screen_frame(parcels: gpd.GeoDataFrame, inp: _Inputs, *, metric: Any = None) -> gpd.GeoDataFrame:
    """Screen one in-memory frame (no approval level: that needs the whole project)."""
    check_geodataframe(parcels, "parcels")
    get_crs(parcels, "parcels")
    _check_inputs(parcels, inp)
    classes, category = _classes(parcels, inp)

    target = metric if metric is not None else metric_crs(parcels, name="parcels")
    geoms, usable, report, raw_area, why = _overlay.clean_polygons(
        parcels, "parcels", target_crs=target, on_invalid=inp.on_invalid, grid_m=inp.precision_m
    )
    n = len(parcels)
    area = np.where(usable, shapely.area(geoms), raw_area)
    idx = np.flatnonzero(usable)
    g, a = geoms[idx], area[idx]
    tree = shapely.STRtree(g)
    overlap = _overlaps_with_layers(tree, g, a, inp, target)
    planned = _planned_use(parcels, idx, tree, g, a, inp, target)
    facts = _Facts(
        area=a,
        tol=_tolerance(a, float(inp.prof["overlap_share_tolerance"])),
        ownership=normalize_codes(parcels[inp.ownership_col].to_numpy()[idx], kind="ownership").to_numpy(dtype=object),
        land_class=classes[idx],
        overlap=overlap,
        planned=None if planned is None else planned[idx],
        consent=None if inp.consent_col is None else pd.to_numeric(parcels[inp.consent_col]).to_numpy(dtype=float)[idx],
    )
    reasons, n_failed = _run_tests(facts, inp)

    out = parcels.copy()
    out["area_m2"] = area
    out["category"] = pd.Series(category, index=out.index, dtype=object)
    for key, col in _OVERLAP_COLUMNS.items():
        full = np.full(n, np.nan)
        if key in overlap:
            full[idx] = overlap[key]
        out[col] = full
    out["planned_use"] = pd.Series(np.full(n, None, dtype=object) if planned is None else planned,
                                   index=out.index, dtype=object)
    fr = np.full(n, "", dtype=object)
    fr[idx] = reasons
    fr[~usable] = why[~usable]
    nf = np.zeros(n, dtype=np.int64)
    nf[idx] = n_failed
    nf[~usable] = 1
    out["failed_tests"] = pd.Series(fr, index=out.index, dtype=object)
    out["n_failed"] = nf
    out["excluded"] = ~usable
    out["eligible"] = usable & (nf == 0)
    out["quota_m2"] = np.where(usable & np.isin(np.asarray(category, dtype=object).astype(str), ["A", "U"]), area, 0.0)
    out["approval_level"] = pd.Series(np.full(n, None, dtype=object), index=out.index, dtype=object)
    out["approval_reason"] = pd.Series(np.full(n, "", dtype=object), index=out.index, dtype=object)
    # helper for the approval level, dropped after use
    out["_cultivated"] = np.isin(level1_of(classes).to_numpy(dtype=object).astype(str),
                                 list(inp.prof["cultivated_land_classes"]))
    out.attrs = dict(parcels.attrs)
    out.attrs["screening"] = {
        "route": inp.route,
        "profile": inp.prof.name,
        "metric_crs": target.to_string() if hasattr(target, "to_string") else str(target),
        "tests_not_run": [t.name for t in LEGAL_TESTS if t.skipped(inp)],
        "cleaning": report.summary(),
        "n_fixed": len(report.fixed),
        "n_excluded": int((~usable).sum()),
    }
    log.info("screen_conversion: %d parcels, %d eligible, %s", n, int(out["eligible"].sum()), report.summary())
    return out


def _area_split(
    area: np.ndarray, farm: np.ndarray, cultivated: np.ndarray, prof: RuleProfile
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Basic farmland (slivers below the tolerance not counted), other cultivated land, other land."""
    tol = _tolerance(area, float(prof["overlap_share_tolerance"]))
    farm = np.where(farm > tol, farm, 0.0)
    cult = np.where(cultivated, area - farm, 0.0)
    other = np.where(cultivated, 0.0, area - farm)
    return farm, cult, other


def _project_table(out: pd.DataFrame, project_col: str | None, prof: RuleProfile) -> pd.DataFrame:
    """Per-project sums over eligible parcels: basic farmland / cultivated / other areas."""
    el = out[out["eligible"].to_numpy(dtype=bool)]
    keys = el[project_col] if project_col else pd.Series(0, index=el.index)
    farm, cult, other = _area_split(
        el["area_m2"].to_numpy(dtype=float),
        el["overlap_basic_farmland_m2"].fillna(0.0).to_numpy(dtype=float),
        el["_cultivated"].to_numpy(dtype=bool),
        prof,
    )
    frame = pd.DataFrame(
        {"project": keys.to_numpy(), "farmland_m2": farm, "cultivated_m2": cult, "other_m2": other, "n": 1}
    )
    return frame.groupby("project", sort=True).sum()


def _levels(table: pd.DataFrame, prof: RuleProfile) -> pd.DataFrame:
    cult_ha = float(prof["state_council_cultivated_ha"])
    other_ha = float(prof["state_council_other_ha"])
    levels, why = [], []
    for farm, cult, other in zip(table["farmland_m2"], table["cultivated_m2"], table["other_m2"]):
        r = []
        if prof["state_council_if_basic_farmland"] and farm > 0:
            r.append(f"includes permanent basic farmland ({farm / 1e4:.2f} ha; LAL 2019 Art. 46(1))")
        if cult / 1e4 > cult_ha:
            r.append(f"cultivated land {cult / 1e4:.2f} ha > {cult_ha:g} ha (Art. 46(2))")
        if other / 1e4 > other_ha:
            r.append(f"other land {other / 1e4:.2f} ha > {other_ha:g} ha (Art. 46(3))")
        if r:
            levels.append("State Council")
            why.append("; ".join(r))
        else:
            levels.append("province")
            why.append(
                f"cultivated {cult / 1e4:.2f} ha <= {cult_ha:g} ha and other {other / 1e4:.2f} ha <= {other_ha:g} ha, "
                f"no basic farmland (Art. 46)"
            )
    return table.assign(approval_level=levels, approval_reason=why)


def _assign_approval(
    out: gpd.GeoDataFrame, prof: RuleProfile, *, route: str, project_col: str | None, table: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    if route == "expropriation":
        if table is None:
            table = _levels(_project_table(out, project_col, prof), prof)
        el = out["eligible"].to_numpy(dtype=bool)
        if el.any():
            keys = out.loc[el, project_col] if project_col else pd.Series(0, index=out.index[el])
            # plain dicts: a shared pandas Index is not thread-safe (dask partitions)
            lv_map = dict(zip(table.index.tolist(), table["approval_level"].tolist()))
            rs_map = dict(zip(table.index.tolist(), table["approval_reason"].tolist()))
            lv = np.array([lv_map.get(k) for k in keys.tolist()], dtype=object)
            rs = np.array([rs_map.get(k, "") for k in keys.tolist()], dtype=object)
            al = out["approval_level"].to_numpy(dtype=object).copy()
            ar = out["approval_reason"].to_numpy(dtype=object).copy()
            al[el], ar[el] = lv, rs
            out["approval_level"] = pd.Series(al, index=out.index, dtype=object)
            out["approval_reason"] = pd.Series(ar, index=out.index, dtype=object)
    return out.drop(columns="_cultivated")


#: Columns :func:`screen_conversion` adds, with their dtypes (the ``meta`` of a dask result).
_SCREEN_META = {
    "area_m2": "float64",
    "category": "object",
    "inside_boundary_m2": "float64",
    "overlap_basic_farmland_m2": "float64",
    "overlap_red_line_m2": "float64",
    "planned_use": "object",
    "failed_tests": "object",
    "n_failed": "int64",
    "excluded": "bool",
    "eligible": "bool",
    "quota_m2": "float64",
    "approval_level": "object",
    "approval_reason": "object",
}


def _screen_dask(parcels: Any, inp: _Inputs) -> Any:
    """:func:`screen_conversion` of a dask frame.

    The legal tests are row-wise: each partition is screened where it lives, in one metric
    CRS chosen from the whole layer's extent. The approval level depends on whole projects:
    it comes from a small per-project table reduced over the partitions.
    """
    dask, _, _ = _dispatch.dask_modules()
    prof, route, project_col = inp.prof, inp.route, inp.project_col
    layers = {k: v for k, v in inp.layers.items() if v is not None}
    if isinstance(inp.planning, gpd.GeoDataFrame):
        layers["planning"] = inp.planning
    check_same_crs(parcels=parcels, **layers)
    metric = _dispatch.global_metric(parcels)

    def part(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if len(df) == 0:
            return _dispatch.with_columns(df, {**_SCREEN_META, "_cultivated": "bool"})
        return _screen_frame(df, inp, metric=metric)

    staged = [dask.delayed(part)(d) for d in parcels.to_delayed()]
    staged = dask.persist(*staged)
    table = None
    if route == "expropriation":
        tables = _dask.compute(*[dask.delayed(_project_table)(s, project_col, prof) for s in staged])
        nonempty = [t for t in tables if len(t)]
        raw = pd.concat(nonempty).groupby(level=0).sum() if nonempty else tables[0]
        table = _levels(raw, prof)

    def finish(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return _assign_approval(df, prof, route=route, project_col=project_col, table=table)

    meta = _dispatch.with_columns(parcels._meta, _SCREEN_META)
    return _dispatch.from_parts([dask.delayed(finish)(s) for s in staged], meta)


def conversion_summary(
    screened: pd.DataFrame,
    *,
    group_by: Hashable | None = None,
    class_col: str = "DLBM",
    profile: str | Path | RuleProfile | None = None,
) -> pd.DataFrame:
    """Areas, quota and approval level per project (or for all eligible parcels).

    Parameters
    ----------
    screened : GeoDataFrame
        Output of :func:`screen_conversion`.
    group_by : column name, optional
        Group eligible parcels by this column (e.g. a project or block id).
    class_col : str, default "DLBM"
        Land-class column (to tell cultivated land, class 01, from other land).
    profile : str, path or RuleProfile, optional
        Rule profile for the approval level; by default the one named in
        ``screened.attrs["screening"]`` (else ``"national"``).

    Returns
    -------
    pandas.DataFrame
        One row per group with ``n_parcels``, ``area_m2``, areas by three-category class
        (``agricultural_m2``, ``construction_m2``, ``unused_m2``), ``quota_m2`` and, for
        the expropriation route, ``approval_level`` and ``approval_reason`` recomputed
        for the group with the profile the screening used. No eligible parcel gives a
        table without rows.

    Raises
    ------
    EmptyDataError
        ``screened`` has no rows at all (not even ineligible parcels): an empty
        summary would look like a screening in which nothing was eligible.
    MissingColumnError
        ``screened`` lacks a column of the screening result or ``class_col``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> p = gpd.GeoDataFrame({"DLBM": ["0101"] * 2, "QSXZ": ["32"] * 2},
    ...     geometry=[shapely.box(0, 0, 500, 400), shapely.box(500, 0, 1000, 400)], crs="EPSG:4547")
    >>> b = gpd.GeoDataFrame(geometry=[shapely.box(-1, -1, 2000, 2000)], crs="EPSG:4547")
    >>> far = gpd.GeoDataFrame(geometry=[shapely.box(5000, 0, 5100, 100)], crs="EPSG:4547")
    >>> s = conversion_summary(screen_conversion(p, development_boundary=b, basic_farmland=far, red_line=far))
    >>> s[["n_parcels", "quota_m2", "approval_level"]]
         n_parcels  quota_m2 approval_level
    all          2  400000.0  State Council
    """
    need = ["eligible", "area_m2", "category", "quota_m2", "overlap_basic_farmland_m2", class_col]
    check_columns(screened, "screened", need)
    if len(screened) == 0:
        raise EmptyDataError(
            "`screened` has no rows, so there is nothing to summarise (an empty summary would read as 'no parcel "
            "eligible'). Pass the result of screen_conversion on a non-empty parcel layer; check the filter that "
            "emptied it."
        )
    info = screened.attrs.get("screening", {})
    el = screened[screened["eligible"].to_numpy(dtype=bool)]
    keys = el[group_by] if group_by is not None else pd.Series("all", index=el.index)
    cat = el["category"].astype(object)
    frame = pd.DataFrame(
        {
            "key": keys.to_numpy(),
            "n_parcels": 1,
            "area_m2": el["area_m2"].to_numpy(),
            "agricultural_m2": np.where(cat == "A", el["area_m2"], 0.0),
            "construction_m2": np.where(cat == "C", el["area_m2"], 0.0),
            "unused_m2": np.where(cat == "U", el["area_m2"], 0.0),
            "quota_m2": el["quota_m2"].to_numpy(),
        }
    )
    out = frame.groupby("key", sort=True).sum()
    out.index.name = group_by
    if info.get("route", "expropriation") == "expropriation":
        prof = load_profile(profile if profile is not None else info.get("profile", "national"))
        cult_mask = level1_of(el[class_col]).isin(list(prof["cultivated_land_classes"])).to_numpy(dtype=bool)
        farm, cult, other = _area_split(
            el["area_m2"].to_numpy(dtype=float),
            el["overlap_basic_farmland_m2"].fillna(0.0).to_numpy(dtype=float),
            cult_mask,
            prof,
        )
        t = pd.DataFrame(
            {"project": keys.to_numpy(), "farmland_m2": farm, "cultivated_m2": cult, "other_m2": other}
        ).groupby("project", sort=True).sum()
        lv = _levels(t, prof)
        out["approval_level"] = lv["approval_level"].to_numpy()
        out["approval_reason"] = lv["approval_reason"].to_numpy()
    return out


def area_statistics(
    parcels: gpd.GeoDataFrame,
    *,
    group_by: tuple[str, ...] | list[str] = ("village", "QSXZ", "category"),
    class_col: str = "DLBM",
    village_col: str = "ZLDWDM",
    area_col: str | None = "TBDLMJ",
) -> pd.DataFrame:
    """Area statistics by ownership x land class x village (long form).

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels in any CRS; not modified.
    group_by : sequence of str, default ("village", "QSXZ", "category")
        Grouping keys: column names of ``parcels``, or the derived keys ``"village"``
        (first 12 digits of ``village_col``), ``"category"`` (A/C/U of ``class_col``),
        ``"level1"`` (level-1 class) and ``"planning"`` (2020 planning class).
    class_col, village_col : str
        Land-class and located-in-unit columns (needed only for the derived keys).
    area_col : str or None, default "TBDLMJ"
        Official area (m2, numeric) used where present; otherwise (column absent, or
        a missing value in a row) the geometric area in ``metric_crs(parcels)``.
        ``None`` always uses the geometric area.

    Returns
    -------
    pandas.DataFrame
        One row per group (keys as index levels) with ``n_parcels``, ``area_m2``,
        ``area_mu`` and ``share`` (of the total area). ``attrs["area_statistics"]``
        lists the rows whose official area was missing (``rows_without_official_area``)
        and those counted with no area at all (``rows_without_area``).

    Raises
    ------
    ColumnTypeError
        ``area_col`` holds text instead of numbers.
    MissingColumnError, UnknownCodeError, EmptyDataError
        Missing key columns, land classes not in GB/T 21010, or no rows.

    Warns
    -----
    DroppedRowsWarning
        Some rows have no official area in ``area_col`` (NaN): their official value is
        left out and their geometric area (gross of field ridges) used instead; or
        rows have neither an official area nor a geometry and count with 0 m2.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> p = gpd.GeoDataFrame({"DLBM": ["0101", "0601", "0102"], "QSXZ": ["32", "32", "10"],
    ...     "ZLDWDM": ["4406040010010000001"] * 3},
    ...     geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 50), shapely.box(0, 100, 100, 200)],
    ...     crs="EPSG:4547")
    >>> area_statistics(p, group_by=("QSXZ", "category"))
                   n_parcels  area_m2  area_mu  share
    QSXZ category
    10   A                 1  10000.0     15.0    0.4
    32   A                 1  10000.0     15.0    0.4
         C                 1   5000.0      7.5    0.2
    """
    check_geodataframe(parcels, "parcels")
    keys = list(group_by)
    if not keys:
        raise InvalidOptionError("`group_by` is empty; pass at least one key, e.g. group_by=('QSXZ',).")
    need = []
    for k in keys:
        if k in parcels.columns:
            continue
        need.append(village_col if k == "village" else class_col if k in ("category", "level1", "planning") else k)
    check_columns(parcels, "parcels", list(dict.fromkeys(need)))
    cols: dict[str, Any] = {}
    for k in keys:
        if k in parcels.columns:
            cols[k] = parcels[k].to_numpy()
        elif k == "village":
            v = parcels[village_col].astype(object)
            cols[k] = v.where(v.isna(), v.astype(str).str[:12]).to_numpy()
        elif k == "category":
            validate_codes(parcels, code_col=class_col)
            cols[k] = category_of(parcels[class_col]).to_numpy(dtype=object)
        elif k == "level1":
            validate_codes(parcels, code_col=class_col)
            cols[k] = level1_of(parcels[class_col]).to_numpy(dtype=object)
        else:
            from .codes import planning_class_of

            validate_codes(parcels, code_col=class_col)
            cols[k] = planning_class_of(parcels[class_col]).to_numpy(dtype=object)
    official_col = area_col if area_col is not None and area_col in parcels.columns else None
    use_official = official_col is not None
    if official_col is not None:
        check_columns(parcels, "parcels", {official_col: "numeric"})
    geom_area = project(parcels.geometry, metric_crs(parcels, name="parcels"), name="parcels").area.to_numpy(dtype=float)
    no_official = np.zeros(len(parcels), dtype=bool)
    area = geom_area
    if use_official:
        off = pd.to_numeric(parcels[area_col]).to_numpy(dtype=float, na_value=np.nan)
        no_official = np.isnan(off)
        area = np.where(no_official, geom_area, off)
    no_area = np.isnan(area)  # no official area and no (or an empty) geometry
    area = np.nan_to_num(area, nan=0.0)
    fell_back = no_official & ~no_area
    if fell_back.any() or no_area.any():
        parts = []
        if fell_back.any():
            labs = list(parcels.index[fell_back])
            parts.append(
                f"{len(labs)} rows have no official area in {area_col!r} (rows {labs[:5]}"
                f"{' ...' if len(labs) > 5 else ''}); their missing value is left out and their geometric area "
                f"(gross of field ridges) is counted instead"
            )
        if no_area.any():
            labs = list(parcels.index[no_area])
            parts.append(
                f"{len(labs)} rows have neither an official area nor a geometry (rows {labs[:5]}"
                f"{' ...' if len(labs) > 5 else ''}) and count with 0 m2"
            )
        fill = (f"fill {area_col!r} (e.g. from the survey database)" if use_official
                else "give them a geometry or an official area")
        warnings.warn(
            f"area_statistics: `parcels`: {'; '.join(parts)}. To silence this, {fill}, or pass area_col=None "
            f"to use the geometric area of every parcel. The rows are listed in attrs['area_statistics'].",
            DroppedRowsWarning,
            stacklevel=2,
        )
    frame = pd.DataFrame({**{k: pd.Series(v, dtype=object).fillna("<missing>").to_numpy() for k, v in cols.items()},
                          "n_parcels": 1, "area_m2": area})
    out = frame.groupby(keys, sort=True)[["n_parcels", "area_m2"]].sum()
    out["area_mu"] = out["area_m2"] * 15.0 / 10000.0
    total = float(out["area_m2"].sum())
    out["share"] = out["area_m2"] / total if total > 0 else np.nan
    out.attrs["area_statistics"] = {
        "rows_without_official_area": list(parcels.index[fell_back]),
        "rows_without_area": list(parcels.index[no_area]),
    }
    return out
