"""Life-circle audit: what each home reaches within 5, 10 and 15 minutes on foot.

China's residential planning standard GB 50180-2018 organises services in 15-, 10-
and 5-minute *life circles* (生活圈), each with a walking distance and a list of
facilities. :func:`life_circle_audit` measures, for every residence, the walking time
to the nearest facility of each required category on the street network, checks it
against the category's circle and lists what is missing;
:func:`life_circle_summary` aggregates the audit per community or district
(population-weighted when a population column exists).

Presets
-------
:func:`life_circle_standard` reads ``data/standards/gb50180_2018_life_circles.csv``
(one row per circle and facility type, with the circle's walking distance and the
verification status of every figure). Everything is configurable: ``required``
maps your own categories to circles, ``limits`` overrides the circle limits. Figures
marked "unverified" in the file were not checked against the standard's text; see
docs/accessibility_lifecircle.md.

Output columns (per required category ``c``)
--------------------------------------------
``{c}_minutes_1`` and ``{c}_dist_m_1`` to the nearest facility (NaN = none reachable or
the residence is not snapped) and ``{c}_facility_1`` (its label), named as by
:func:`nearest_facilities` with ``by=`` (rank 1, the nearest: docs/conventions.md);
``{c}_circle`` (the
smallest standard circle, in minutes, that contains it; NaN if none) and ``{c}_ok``
(within the category's required circle, inclusive). Then ``n_missing``,
``missing`` (required categories not ok, joined with ``";"``, so the frame writes
to GeoPackage and works with ``explore()``), ``compliant`` and the snapping
diagnostics ``snap_dist_m`` / ``snap_note``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import standards
from .._dask import is_dask
from .._validate import (
    OnInvalid,
    check_choice,
    check_columns,
    check_geodataframe,
    check_geometries,
    check_geometry_types,
    check_number,
)
from ..crs import check_same_crs, get_crs
from ..errors import (
    CategoryMismatchWarning,
    ColumnTypeError,
    DroppedRowsWarning,
    EmptyDataError,
    EmptyInputWarning,
    InvalidOptionError,
)
from . import _common, _distributed, _engine
from .network import Network

__all__ = ["life_circle_audit", "life_circle_summary", "life_circle_standard", "STANDARDS"]

STANDARDS = {"GB50180-2018": "gb50180_2018_life_circles.csv"}


@functools.lru_cache(maxsize=4)
def _read_standard(standard: str) -> pd.DataFrame:
    check_choice(standard, "standard", tuple(STANDARDS))
    return standards.standard_table(standard)


def life_circle_standard(*, standard: str = "GB50180-2018") -> pd.DataFrame:
    """The life-circle preset table of ``standard`` (a copy; one row per circle and facility).

    Parameters
    ----------
    standard : {"GB50180-2018"}, default "GB50180-2018"
        The standard whose table is returned (the keys of ``STANDARDS``).

    Returns
    -------
    DataFrame
        Columns: ``circle_minutes``, ``walk_distance_m_low``/``_high``,
        ``population_low``/``_high``, ``facility``, ``facility_zh``, ``osm_hint``, the
        ``*_status`` of each figure ("verified-secondary [source]" or "unverified") and
        ``source``. A copy: changing it changes nothing in the library.

    Raises
    ------
    InvalidOptionError
        Unknown ``standard`` (the message lists the known ones).

    Examples
    --------
    >>> t = life_circle_standard()
    >>> sorted(t.circle_minutes.unique().tolist())
    [5, 10, 15]
    >>> int(t.set_index("facility").loc["kindergarten", "circle_minutes"])
    5
    """
    return _read_standard(standard).copy()


def _circle_limits(standard: str | None, measure: str, limits: Mapping | None, circles) -> dict:
    """Limit (minutes or metres) of each circle."""
    out: dict = {}
    if standard is not None:
        t = _read_standard(standard).drop_duplicates("circle_minutes")
        for _, r in t.iterrows():
            out[float(r.circle_minutes)] = float(r.circle_minutes) if measure == "minutes" else float(r.walk_distance_m_high)
    for c in circles:
        if float(c) not in out:
            if measure == "minutes":
                out[float(c)] = float(c)
            elif not limits or c not in limits:
                raise InvalidOptionError(
                    f"circle {c!r} has no walking distance in the standard; pass limits={{{c!r}: metres}}."
                )
    if limits:
        for c, v in limits.items():
            out[float(c)] = check_number(v, f"limits[{c!r}]", minimum=0)
    return out


def _resolve_required(required, standard: str | None) -> dict:
    preset = None
    if standard is not None:
        t = _read_standard(standard)
        preset = dict(zip(t.facility, t.circle_minutes.astype(float)))
    if required is None:
        if preset is None:
            raise InvalidOptionError("give `required` (a mapping category -> circle minutes) when standard=None.")
        return preset
    if isinstance(required, Mapping):
        out = {}
        for cat, circ in required.items():
            out[cat] = check_number(circ, f"required[{cat!r}]", minimum=0, strict=True)
        if not out:
            raise InvalidOptionError("`required` is empty; name at least one category.")
        return out
    if isinstance(required, (str, bytes)) or not isinstance(required, Sequence):
        raise InvalidOptionError(
            "`required` must be None, a list of categories of the standard, or a mapping {category: circle minutes}."
        )
    if preset is None:
        raise InvalidOptionError("a list of categories needs a `standard` to look up their circles; pass a mapping.")
    unknown = [c for c in required if c not in preset]
    if unknown:
        raise InvalidOptionError(
            f"categories {unknown} are not in {standard}; known: {sorted(preset)}. "
            f"Map your own categories to circles instead, e.g. required={{'clinic': 15}}."
        )
    return {c: preset[c] for c in required}


def _show(values, n: int = 6) -> str:
    head = ", ".join(repr(v) for v in list(values)[:n])
    return head + (f" and {len(values) - n} more" if len(values) > n else "")


def _osm_hints(standard: str) -> dict:
    """OSM tag value -> (facility, circle minutes) of the preset's first facility hinting at it."""
    out: dict = {}
    t = _read_standard(standard)
    for fac, circ, hint in zip(t.facility, t.circle_minutes, t.osm_hint.fillna("")):
        for part in str(hint).split(";"):
            _, _, values = part.partition("=")
            for v in values.split("|"):
                if v.strip():
                    out.setdefault(v.strip(), (fac, float(circ)))
    return out


def _mismatch_message(column: pd.Series, cats: list, req: Mapping, by: str, standard: str | None) -> str:
    found = sorted({str(v) for v in column.dropna()})
    n = len(cats)
    head = (
        f"life_circle_audit: none of the {n} required categories ({_show(cats)}) occurs in facilities[{by!r}] "
        f"(values found: {_show(found, 8) if found else 'none'}), so every residence misses all {n}."
    )
    hints = _osm_hints(standard) if standard is not None else {}
    own = {v: int(hints[v][1]) if v in hints else int(max(req.values())) for v in found[:6]}
    rename = {v: hints[v][0] for v in found if v in hints}
    col = f"{by}=" if by.isidentifier() else f"**{{{by!r}: "
    close = ")" if by.isidentifier() else "})"
    if rename:
        return (
            f"{head} The {standard} preset names its own categories: audit the ones you have with "
            f"required={own!r}, or rename them to the preset's names, e.g. "
            f"facilities.assign({col}facilities[{by!r}].replace({rename!r}){close}."
        )
    fix = f"audit the ones you have with required={own!r}" if found else "pass facilities with categories"
    return f"{head} Check that `by` names the category column and the spelling of its values, or {fix}."


def life_circle_audit(
    network: Network,
    residences: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    by: str = "category",
    standard: str | None = "GB50180-2018",
    required: Mapping[str, float] | Sequence[str] | None = None,
    measure: Literal["minutes", "dist_m"] = "minutes",
    limits: Mapping[float, float] | None = None,
    speed_kmh: float | None = None,
    max_snap_m: float | None = None,
    facility_polygons: Literal["representative", "entrances"] = "representative",
) -> gpd.GeoDataFrame:
    """Walking access of every residence to each required facility category, against life circles.

    Parameters
    ----------
    network : Network
        Walking network (:func:`network_from_osm`, :func:`network_from_graph`...).
    residences : GeoDataFrame
        Homes (building polygons or points), any CRS.
    facilities : GeoDataFrame
        Facilities with a category column ``by``, any CRS.
    by : str, default "category"
        Column of ``facilities`` naming each facility's category.
    standard : {"GB50180-2018"} or None
        Preset giving the circles (5/10/15 minutes and their walking distances) and,
        when ``required`` is None or a list, the circle of each category.
    required : mapping, list or None
        Categories every home should reach: ``{category: circle_minutes}`` (e.g.
        ``{"kindergarten": 5, "primary_school": 10, "clinic": 15}``), a list of the
        standard's facility names, or None for all facilities of the standard.
        Required categories absent from ``facilities`` are missing everywhere (listed
        in ``attrs["life_circle"]["categories_without_facilities"]``); when *none* of
        them occurs, a :class:`~urbangeo.errors.CategoryMismatchWarning` says so.
    measure : {"minutes", "dist_m"}, default "minutes"
        Judge the circles by walking time (5/10/15 minutes at ``speed_kmh``) or by
        walking distance along the network (the standard's 300/500/1000 m by default;
        the upper value of a range).
    limits : mapping, optional
        Override circle limits: ``{15: 12.0}`` (minutes) or ``{15: 800}`` (metres).
    speed_kmh : float, optional
        Walking speed; default the network's edge speeds
        (``settings.walk_speed_kmh`` = 4.5 km/h for walk networks).
    max_snap_m : float, optional
        Longest access leg from a home or facility to the street
        (``settings.max_snap_m``); homes beyond it get NaN and a ``snap_note``.
    facility_polygons : {"representative", "entrances"}
        How polygon facilities (parks, campuses) enter the network.

    Returns
    -------
    GeoDataFrame
        Copy of ``residences`` (same index and CRS) with the columns listed in the
        module docstring; ``attrs["life_circle"]`` records the standard, measure,
        required circles, limits and speed used.

    Raises
    ------
    MissingColumnError
        ``facilities`` has no column ``by``.
    InvalidOptionError
        Unknown standard, measure or category; bad limits.
    GeometryTypeError
        ``residences`` or ``facilities`` hold lines.

    Warns
    -----
    CategoryMismatchWarning
        No required category occurs in ``facilities[by]`` (e.g. the GB 50180 preset's
        names against OSM values such as ``clinic``, ``school``): every home would miss
        everything. The message suggests a renaming (from the preset's ``osm_hint``
        column) and a ``required=`` mapping of your own categories.
    EmptyInputWarning
        ``facilities`` has no rows: every home misses every category.
    DroppedRowsWarning
        Facilities that cannot be snapped or have no category (None/NaN in ``by``)
        are excluded; residences without geometry (None or empty) are kept, missing
        every category, with a ``snap_note`` (all counted and listed).
    GeometryFixedWarning
        Invalid polygons in ``residences`` or ``facilities`` were repaired with
        ``make_valid`` before snapping.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbangeo.accessibility import grid_network
    >>> net = grid_network(11, 1, spacing_m=75, speed_kmh=4.5)  # 75 m per minute
    >>> homes = gpd.GeoDataFrame(geometry=[Point(500_000, 2_500_000)], crs=net.crs)
    >>> fac = gpd.GeoDataFrame({"category": ["kindergarten", "clinic"]},
    ...     geometry=[Point(500_450, 2_500_000), Point(500_750, 2_500_000)], crs=net.crs)
    >>> out = life_circle_audit(net, homes, fac, required={"kindergarten": 5, "clinic": 15})
    >>> out[["kindergarten_minutes_1", "kindergarten_ok", "clinic_minutes_1", "clinic_ok"]].values.tolist()
    [[6.0, False, 10.0, True]]
    >>> out.missing.tolist(), out.compliant.tolist()
    (['kindergarten'], [False])
    """
    if is_dask(residences):
        return _distributed.life_circle_audit(
            life_circle_audit, network, residences, facilities, by=by, standard=standard, required=required,
            measure=measure, limits=limits, speed_kmh=speed_kmh, max_snap_m=max_snap_m, facility_polygons=facility_polygons)
    check_geodataframe(residences, "residences")
    check_geodataframe(facilities, "facilities", allow_empty=True)
    get_crs(residences, "residences")
    get_crs(facilities, "facilities")
    _common.check_network(network)
    speed_kmh = _common.check_speed(speed_kmh)
    check_choice(measure, "measure", ("minutes", "dist_m"))
    if standard is not None:
        check_choice(standard, "standard", tuple(STANDARDS))
    check_columns(facilities, "facilities", {by: "any"})
    req = _resolve_required(required, standard)
    circle_limit = _circle_limits(standard, measure, limits, set(req.values()))
    if measure == "dist_m":
        for c in set(req.values()):
            if float(c) not in circle_limit:
                raise InvalidOptionError(f"no walking distance for circle {c:g}; pass limits={{{c:g}: 1200}} (metres).")
    cats = [c for c in req]
    no_cat = facilities[by].isna().to_numpy()
    if no_cat.any():
        labels = list(facilities.index[no_cat])
        warnings.warn(
            f"life_circle_audit: {len(labels)} of {len(facilities)} rows of `facilities` have no category in "
            f"`{by}` (rows {_show(labels)}) and are left out of the audit. Fill `facilities['{by}']` (e.g. from "
            f"the OSM tags) or drop them first: facilities[facilities['{by}'].notna()].",
            DroppedRowsWarning,
            stacklevel=2,
        )
    fac = facilities[facilities[by].isin(cats)]
    if len(facilities) == 0:
        warnings.warn(
            f"life_circle_audit: `facilities` has no rows, so every residence misses all {len(cats)} required "
            f"categories ({_show(cats)}). Pass the facility layer; if it came from a file or a filter, check "
            f"that they select something.",
            EmptyInputWarning,
            stacklevel=2,
        )
    elif len(fac) == 0:
        warnings.warn(_mismatch_message(facilities[by], cats, req, by, standard), CategoryMismatchWarning, stacklevel=2)
    # one pass: the residences snapped once, the facilities of the required categories once,
    # one nearest search per category (unbounded: the minutes beyond the circle are informative)
    homes = _common.snap_origins(network, residences, weight="time_s", speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                 name="residences")
    nearest = _nearest_per_category(network, homes, fac, by=by, speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                    facility_polygons=facility_polygons)
    out = residences.copy()
    n = len(out)
    ok_cols = []
    std_circles = sorted(circle_limit)
    for c in cats:
        if c in nearest:
            minutes, dist, labels = nearest[c]
            out[f"{c}_facility_1"] = pd.Series(labels, index=out.index)
        else:
            minutes = np.full(n, np.nan)
            dist = np.full(n, np.nan)
            out[f"{c}_facility_1"] = pd.array([None] * n, dtype=object)
        out[f"{c}_minutes_1"] = minutes
        out[f"{c}_dist_m_1"] = dist
        value = minutes if measure == "minutes" else dist
        circ = np.full(n, np.nan)
        for k in reversed(std_circles):  # smallest circle containing the facility
            circ = np.where(value <= circle_limit[k], k, circ)
        out[f"{c}_circle"] = circ
        limit = circle_limit[float(req[c])]
        out[f"{c}_ok"] = np.asarray(value <= limit)  # NaN compares False
        ok_cols.append(f"{c}_ok")
    ok = out[ok_cols].to_numpy(bool)
    cats_arr = np.asarray(cats, dtype=object)
    out["n_missing"] = (~ok).sum(axis=1).astype(np.int64)
    out["missing"] = pd.Series([";".join(cats_arr[~row]) for row in ok], index=out.index, dtype=object)
    out["compliant"] = ok.all(axis=1)
    _common.snap_columns(out, homes)
    out.attrs["life_circle"] = {
        "standard": standard,
        "measure": measure,
        "required": {c: float(v) for c, v in req.items()},
        "limits": {float(k): float(v) for k, v in circle_limit.items()},
        "speed_kmh": speed_kmh,
        "categories_without_facilities": [c for c in cats if c not in nearest],
    }
    return out


def _nearest_per_category(network: Network, homes: _common.Side, fac: gpd.GeoDataFrame, *, by: str, speed_kmh,
                          max_snap_m, facility_polygons) -> dict:
    """{category: (minutes, metres, facility label)} per residence, for the categories ``fac`` has.

    ``fac`` is snapped once; each category is one search over its own legs.
    """
    if not len(fac):
        return {}
    sites = _common.snap_facilities(network, fac, weight="time_s", speed_kmh=speed_kmh, max_snap_m=max_snap_m,
                                    polygons=facility_polygons, entrance_spacing_m=50.0, name="facilities")
    g = _engine.graph(network, weight="time_s", speed_kmh=speed_kmh, reverse=True)
    out = {}
    for cat, rows in _common.facility_groups(fac, by):
        cost, cost2, pos = _common.nearest_search(g, homes.legs, _common.subset_legs(sites.legs, rows), k=1,
                                                  limit=np.inf, n_origins=homes.n)
        out[cat] = (cost[:, 0] / 60.0, cost2[:, 0], _common.labels_of(fac.index, pos[:, 0]))
    return out


def _audit_categories(audit: pd.DataFrame) -> list[str]:
    info = audit.attrs.get("life_circle")
    if info and "required" in info:
        return list(info["required"])
    return [c[: -len("_ok")] for c in audit.columns if c.endswith("_ok")]


def life_circle_summary(
    audit: gpd.GeoDataFrame,
    *,
    group_by: str | None = None,
    areas: gpd.GeoDataFrame | None = None,
    population_col: str | None = None,
    on_invalid: OnInvalid = "fix",
) -> pd.DataFrame:
    """Share of residents covered per category and for all categories, per community or district.

    Parameters
    ----------
    audit : GeoDataFrame
        Output of :func:`life_circle_audit`.
    group_by : str, optional
        Column of ``audit`` naming each residence's community.
    areas : GeoDataFrame, optional
        Community/district polygons instead of ``group_by``, in the CRS of ``audit``: each
        residence belongs to the area containing its representative point; residences
        in no area form the group ``"outside"`` (reported, not dropped); residences
        without geometry form the group ``"missing"``. Groups are labelled by
        ``areas.index``.
    population_col : str, optional
        Column of residents per residence; default the column ``"population"`` if
        the audit has one, else every residence counts once.
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid ``areas`` polygons, as everywhere in urbangeo
        (:func:`urbangeo._validate.check_geometries`): repair with ``make_valid`` (a
        :class:`~urbangeo.errors.GeometryFixedWarning` says so), raise, drop (warned),
        or keep with a warning. Missing and empty area polygons are excluded with a
        :class:`~urbangeo.errors.DroppedRowsWarning`, so homes never fall "outside" an
        unusable polygon silently.

    Returns
    -------
    pandas.DataFrame
        One row per group plus ``"all"``; columns ``n_residences``, ``population``,
        ``share_{category}`` (population share within its circle), ``share_all``
        (compliant with every category), ``population_compliant`` and
        ``mean_n_missing``. Join it to ``areas`` (``areas.join(summary)``) to map it.

    Raises
    ------
    CRSMismatchError
        ``areas`` is in another CRS than ``audit``; reproject it first
        (``areas.to_crs(audit.crs)``).
    GeometryTypeError
        ``areas`` holds something else than polygons.
    InvalidGeometryError
        ``areas`` has invalid polygons and ``on_invalid="raise"``.

    Warns
    -----
    GeometryFixedWarning, DroppedRowsWarning
        ``areas`` polygons repaired, or excluded (missing, empty, or invalid with
        ``on_invalid="drop"``).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> a = gpd.GeoDataFrame({"a_ok": [True, False, True], "b_ok": [True, True, False],
    ...     "n_missing": [0, 1, 1], "compliant": [True, False, False],
    ...     "population": [10, 30, 60], "block": ["x", "x", "y"]}, geometry=[Point(0, 0)] * 3, crs=3857)
    >>> s = life_circle_summary(a, group_by="block")
    >>> s.loc["x", ["share_a", "share_b", "share_all"]].tolist()
    [0.25, 1.0, 0.25]
    >>> float(s.loc["all", "share_all"])
    0.1
    """
    check_geodataframe(audit, "audit")
    cats = _audit_categories(audit)
    if not cats:
        raise InvalidOptionError("`audit` has no `<category>_ok` columns; pass the output of life_circle_audit.")
    check_columns(audit, "audit", {f"{c}_ok": "any" for c in cats} | {"compliant": "any", "n_missing": "numeric"})
    if group_by is not None and areas is not None:
        raise InvalidOptionError("give either `group_by` (a column) or `areas` (polygons), not both.")
    if population_col is None and "population" in audit.columns:
        population_col = "population"
    if population_col is not None:
        check_columns(audit, "audit", {population_col: "numeric"})
        w = audit[population_col].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(w).any():
            raise ColumnTypeError(f"`audit[{population_col!r}]` has missing values; fill them (e.g. with 0) first.")
    else:
        w = np.ones(len(audit))
    if group_by is not None:
        check_columns(audit, "audit", {group_by: "any"})
        groups = audit[group_by].astype(object).where(audit[group_by].notna(), "missing").to_numpy()
        name = group_by
    elif areas is not None:
        check_geodataframe(areas, "areas")
        get_crs(areas, "areas")
        check_same_crs(audit=audit, areas=areas)  # areas are overlaid on the homes: one CRS, no silent reprojection
        check_geometry_types(areas, "areas", ["polygon"])
        usable, _ = check_geometries(areas, "areas", on_invalid=on_invalid)
        pts = audit.geometry.representative_point()
        located = ~(pts.isna() | pts.is_empty).to_numpy()
        pts = gpd.GeoDataFrame(geometry=pts.values, crs=audit.crs)  # positional index
        # match by position in `usable`, label afterwards (areas.index may repeat or hold NaN)
        polys = gpd.GeoDataFrame(geometry=usable.geometry.values, crs=pts.crs)  # the same CRS (checked)
        joined = gpd.sjoin(pts[located], polys, how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        right = "index_right" if "index_right" in joined.columns else [c for c in joined.columns if c != "geometry"][0]
        pos = joined[right].to_numpy(dtype=float)
        hit = ~np.isnan(pos)
        lab = np.full(len(joined), "outside", dtype=object)
        lab[hit] = np.asarray(usable.index, dtype=object)[pos[hit].astype(np.int64)]
        groups = np.full(len(audit), "missing", dtype=object)
        groups[joined.index.to_numpy()] = lab
        name = areas.index.name or "area"
    else:
        groups = np.full(len(audit), "all", dtype=object)
        name = "group"
    ok = {c: audit[f"{c}_ok"].to_numpy(bool) for c in cats}
    comp = audit["compliant"].to_numpy(bool)
    nmiss = audit["n_missing"].to_numpy(float)
    labels = list(pd.unique(groups))
    if group_by is not None or areas is not None:
        labels = labels + ["all"]
    rows = []
    for lab in labels:
        m = np.ones(len(audit), bool) if lab == "all" else groups == lab
        wm = w[m]
        tot = float(wm.sum())
        row = {"n_residences": int(m.sum()), "population": tot}
        for c in cats:
            row[f"share_{c}"] = float(wm[ok[c][m]].sum()) / tot if tot > 0 else np.nan
        row["share_all"] = float(wm[comp[m]].sum()) / tot if tot > 0 else np.nan
        row["population_compliant"] = float(wm[comp[m]].sum())
        row["mean_n_missing"] = float((wm * nmiss[m]).sum() / tot) if tot > 0 else np.nan
        rows.append(row)
    if not rows:
        raise EmptyDataError("no residences to summarise.")
    return pd.DataFrame(rows, index=pd.Index(labels, name=name))
