"""Contiguous development blocks (连片) assembled from parcels.

Parcels are linked when they touch (share a boundary or a corner) or, with
``gap_m > 0``, when they lie within ``gap_m`` of each other (across a road or a ditch).
The links form a graph whose connected components are the blocks
(``STRtree.query(predicate="intersects" | "dwithin")`` + ``scipy.sparse.csgraph``).

* :func:`assemble_blocks` returns one row per block: dissolved geometry, area, parcel
  count, ownership mix, Polsby-Popper compactness, minimum-area flag and, when planned
  uses are given, the public-interest share check of a contiguous development plan.
* :func:`block_membership` returns the parcels with the ``block_id`` of their block.

Both use the same labelling, so ``block_membership(p).block_id`` matches the index of
``assemble_blocks(p)`` for the same arguments.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import _dask
from .._validate import OnInvalid, check_columns, check_geodataframe, check_number
from ..crs import get_crs, metric_crs, project
from ..errors import MissingDependencyError, UnknownCodeWarning
from . import _dispatch, _overlay
from .codes import normalize_codes
from .rules import RuleProfile, load_profile

__all__ = ["assemble_blocks", "block_membership"]


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component labels of an undirected graph on ``n`` nodes (edges a-b)."""
    try:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
    except ImportError as exc:  # pragma: no cover - scipy is in the test stacks
        raise MissingDependencyError(
            "assemble_blocks needs scipy for connected components: pip install scipy (or urbangeo[network])"
        ) from exc
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def _links(geoms: np.ndarray, gap_m: float, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    tree = shapely.STRtree(geoms)
    if gap_m > 0:
        a, b = tree.query(geoms, predicate="dwithin", distance=gap_m)
    else:
        a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    if groups is not None:
        keep &= groups[a] == groups[b]
    return a[keep], b[keep]


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..k-1 in order of first appearance (stable across runs)."""
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inv.ravel()]


def _label(
    parcels: gpd.GeoDataFrame,
    *,
    gap_m: float,
    group_by: str | None,
    on_invalid: OnInvalid,
    precision_m: float,
    metric: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, Any]:
    """Block labels for every row (-1 for excluded rows), cleaned metric geometry, areas."""
    check_geodataframe(parcels, "parcels")
    get_crs(parcels, "parcels")
    check_number(gap_m, "gap_m", minimum=0)
    check_number(precision_m, "precision_m", minimum=0)
    if group_by is not None:
        check_columns(parcels, "parcels", [group_by])
    target = metric if metric is not None else metric_crs(parcels, name="parcels")
    geoms, usable, report, raw_area, _why = _overlay.clean_polygons(
        parcels, "parcels", target_crs=target, on_invalid=on_invalid, grid_m=precision_m
    )
    idx = np.flatnonzero(usable)
    groups = None
    if group_by is not None:
        groups = pd.factorize(parcels[group_by].to_numpy()[idx], use_na_sentinel=False)[0]
    a, b = _links(geoms[idx], gap_m, groups)
    lab = _components(len(idx), a, b)
    labels = np.full(len(parcels), -1, dtype=np.int64)
    labels[idx] = _canonical(lab)
    area = np.where(usable, shapely.area(geoms), raw_area)
    return labels, geoms, area, target, report


def block_membership(
    parcels: gpd.GeoDataFrame,
    *,
    gap_m: float = 0.0,
    group_by: str | None = None,
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
    precision_m: float = 0.001,
) -> gpd.GeoDataFrame:
    """The parcels with the id of the contiguous block each belongs to.

    Parameters
    ----------
    parcels : GeoDataFrame or dask_geopandas.GeoDataFrame
        Polygon parcels in any CRS. Work happens in ``metric_crs(parcels)``.
    gap_m : float, default 0
        Link parcels closer than this (m); 0 links only parcels that touch.
    group_by : column name, optional
        Only link parcels with the same value (e.g. village code or land class).
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid polygons (see :func:`urbangeo._validate.check_geometries`).
    precision_m : float, default 0.001
        Snap grid (m) applied before linking.

    Returns
    -------
    GeoDataFrame
        A copy of ``parcels`` with ``block_id`` (int; -1 for rows whose geometry was
        missing, empty or dropped; they are reported with a warning) and ``area_m2``.
        A dask_geopandas frame gives a dask frame with block ids that are global across
        partitions.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> p = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1),
    ...     shapely.box(5, 0, 6, 1)], crs="EPSG:4547")
    >>> block_membership(p).block_id.tolist()
    [0, 0, 1]
    >>> block_membership(p, gap_m=3).block_id.tolist()
    [0, 0, 0]
    """
    if _dispatch.is_dask(parcels):
        return _membership_dask(parcels, gap_m=gap_m, group_by=group_by, on_invalid=on_invalid, precision_m=precision_m)
    labels, _geoms, area, _target, _report = _label(
        parcels, gap_m=gap_m, group_by=group_by, on_invalid=on_invalid, precision_m=precision_m
    )
    out = parcels.copy()
    out["block_id"] = labels
    out["area_m2"] = area
    return out


def assemble_blocks(
    parcels: gpd.GeoDataFrame,
    *,
    gap_m: float = 0.0,
    min_area_m2: float | None = None,
    group_by: str | None = None,
    ownership_col: str | None = "QSXZ",
    planning_col: str | None = None,
    profile: str | Path | RuleProfile = "national",
    on_invalid: Literal["raise", "fix", "drop", "warn"] = "fix",
    precision_m: float = 0.001,
) -> gpd.GeoDataFrame:
    """Assemble touching (or nearly touching) parcels into dissolved contiguous blocks.

    Parameters
    ----------
    parcels : GeoDataFrame or dask_geopandas.GeoDataFrame
        Polygon parcels in any CRS (e.g. the eligible rows of
        :func:`screen_conversion`). Work happens in ``metric_crs(parcels)``.
    gap_m : float, default 0
        Link parcels closer than this (m); 0 links only parcels that touch.
    min_area_m2 : float, optional
        Blocks smaller than this are flagged ``under_min_area``; default: the
        profile's ``min_block_area_m2`` (set locally; the national profile holds a 1 ha
        placeholder).
    group_by : column name, optional
        Only link parcels with the same value (e.g. village code or land class).
    ownership_col : str or None, default "QSXZ"
        Ownership column for the ownership mix (skipped if None or absent). Codes that
        are missing or not QSXZ codes are kept as they are (``"?"`` when missing) with an
        :class:`~urbangeo.errors.UnknownCodeWarning`.
    planning_col : str, optional
        Column of 2020 planning-classification codes (planned use per parcel): adds
        ``public_interest_share`` and ``public_interest_ok`` (share >= the profile's
        ``public_interest_share_min``; classes counted as public interest are the
        profile's ``public_interest_planning_classes``).
    profile : str, path or RuleProfile, default "national"
        Rule profile (:func:`load_profile`) giving the default ``min_area_m2`` and the
        collective and public-interest codes.
    on_invalid : {"fix", "raise", "drop", "warn"}, default "fix"
        Policy for invalid polygons (see :func:`urbangeo._validate.check_geometries`).
    precision_m : float, default 0.001
        Snap grid (m) applied before linking.

    Returns
    -------
    GeoDataFrame
        Index ``block_id``; columns ``n_parcels``, ``area_m2`` (of the dissolved block),
        ``perimeter_m``, ``polsby_popper`` (4 pi A / P^2), ``under_min_area``,
        ``ownership_mix`` (e.g. ``"32:0.75, 10:0.25"``, area shares),
        ``collective_share``, the ``group_by`` column when given, and the public-interest
        columns when ``planning_col`` is given. Geometry in the parcels' CRS. With
        ``gap_m > 0`` a block is the union of its parcels (a MultiPolygon across gaps),
        so ``area_m2`` always equals the area of its member parcels when they do not
        overlap.

    See Also
    --------
    block_membership : the parcel -> block mapping.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> p = gpd.GeoDataFrame({"QSXZ": ["32", "10", "32"]}, geometry=[shapely.box(0, 0, 100, 100),
    ...     shapely.box(100, 0, 200, 100), shapely.box(500, 0, 600, 100)], crs="EPSG:4547")
    >>> b = assemble_blocks(p, min_area_m2=15000)
    >>> b[["n_parcels", "area_m2", "under_min_area", "ownership_mix"]]
              n_parcels  area_m2  under_min_area    ownership_mix
    block_id
    0                 2  20000.0           False  10:0.50, 32:0.50
    1                 1  10000.0            True          32:1.00
    >>> round(float(b.loc[0, "polsby_popper"]), 4)  # 200 m x 100 m rectangle: 4 pi 2e4 / 600^2
    0.6981
    """
    prof = load_profile(profile)
    if min_area_m2 is None:
        min_area_m2 = float(prof["min_block_area_m2"])
    check_number(min_area_m2, "min_area_m2", minimum=0)
    if _dispatch.is_dask(parcels):
        return _blocks_dask(
            parcels,
            gap_m=gap_m,
            min_area_m2=min_area_m2,
            group_by=group_by,
            ownership_col=ownership_col,
            planning_col=planning_col,
            profile=prof,
            on_invalid=on_invalid,
            precision_m=precision_m,
        )
    if planning_col is not None:
        check_columns(parcels, "parcels", [planning_col])
    labels, geoms, area, target, _report = _label(
        parcels, gap_m=gap_m, group_by=group_by, on_invalid=on_invalid, precision_m=precision_m
    )
    return _blocks_from_labels(
        parcels,
        labels,
        area,
        target,
        get_crs(parcels, "parcels"),
        geoms=geoms,
        min_area_m2=min_area_m2,
        group_by=group_by,
        ownership_col=ownership_col,
        planning_col=planning_col,
        prof=prof,
    )


def _union(parts: np.ndarray, expected_area: float) -> Any:
    """Union of polygons, fastest method that gives a valid result.

    Parcels of a cadastre normally form a coverage (shared vertices, no overlaps): the
    coverage union is ~60x faster than ``union_all``. When they are not properly noded
    or overlap, ``buffer(0)`` of the multipolygon (~8x faster than ``union_all``) is
    used, and ``union_all`` only if that is not valid.
    """
    try:
        g = shapely.coverage_union_all(parts)
        if shapely.is_valid(g) and abs(shapely.area(g) - expected_area) <= 1e-9 * max(expected_area, 1.0):
            return g
    except shapely.errors.GEOSException:
        pass
    flat = shapely.get_parts(parts)
    g = shapely.buffer(shapely.multipolygons(flat), 0)
    if shapely.is_valid(g) and not shapely.is_empty(g):
        return g
    return shapely.union_all(parts)  # pragma: no cover - last resort


def _dissolve(geoms: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Union of the geometries of each label 0..k-1 (singletons copied, not unioned)."""
    out = np.full(k, None, dtype=object)
    counts = np.bincount(labels, minlength=k)
    single = counts[labels] == 1
    out[labels[single]] = geoms[single]
    multi = np.flatnonzero(~single)
    if len(multi):
        lab = labels[multi]
        order = np.argsort(lab, kind="stable")
        lab, members = lab[order], multi[order]
        starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
        ends = np.r_[starts[1:], len(lab)]
        sums = np.bincount(lab, weights=shapely.area(geoms[members]))
        for s, e in zip(starts, ends):
            # parcels of a cadastre form a coverage (no overlaps): the coverage union is
            # ~10x faster than a full overlay; check it and fall back when they overlap
            out[lab[s]] = _union(geoms[members[s:e]], sums[lab[s]])
    return out


def _warn_ownership(own: pd.Series, labels: pd.Index, column: str) -> None:
    """Warn about ownership codes that are missing or not QSXZ codes (kept as is in the mix)."""
    from .codes import ownership_codes

    missing = own.isna().to_numpy()
    unknown = ~missing & ~own.isin(list(ownership_codes().index)).to_numpy()
    if not (missing.any() or unknown.any()):
        return
    parts = []
    if unknown.any():
        codes = sorted({str(c) for c in own[unknown]})
        parts.append(f"{int(unknown.sum())} rows hold codes that are not QSXZ ownership codes "
                     f"({', '.join(repr(c) for c in codes[:5])}; rows {list(labels[unknown][:5])})")
    if missing.any():
        parts.append(f"{int(missing.sum())} rows have no code (rows {list(labels[missing][:5])}; shown as '?')")
    warnings.warn(
        f"`parcels` column {column!r}: {'; '.join(parts)}. They appear as they are in `ownership_mix` and "
        f"do not count as collective in `collective_share`. Correct them (see "
        f"urbangeo.landuse.ownership_codes()), or pass ownership_col=None to skip the ownership mix.",
        UnknownCodeWarning,
        stacklevel=4,
    )


def _blocks_from_labels(
    parcels: pd.DataFrame,
    labels: np.ndarray,
    area: np.ndarray,
    target: Any,
    crs: Any,
    *,
    geoms: np.ndarray | None = None,
    min_area_m2: float,
    group_by: str | None,
    ownership_col: str | None,
    planning_col: str | None,
    prof: RuleProfile,
    dissolved: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    use = labels >= 0
    lab = labels[use]
    k = int(lab.max()) + 1 if len(lab) else 0
    if dissolved is None:
        assert geoms is not None
        dissolved = _dissolve(geoms[use], lab, k)
    n_parcels = np.bincount(lab, minlength=k)
    parcel_area = np.bincount(lab, weights=area[use], minlength=k)
    block_area = shapely.area(dissolved)
    perim = shapely.length(dissolved)
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = np.where(perim > 0, 4 * np.pi * block_area / perim**2, np.nan)
    data: dict[str, Any] = {
        "n_parcels": n_parcels,
        "area_m2": block_area,
        "parcel_area_m2": parcel_area,
        "perimeter_m": perim,
        "polsby_popper": pp,
        "under_min_area": block_area < min_area_m2,
    }
    if group_by is not None:
        first = pd.Series(parcels[group_by].to_numpy()[use]).groupby(lab, sort=True).first()
        data[group_by] = first.reindex(np.arange(k)).to_numpy()
    if ownership_col is not None and ownership_col in parcels.columns:
        own = normalize_codes(parcels[ownership_col].to_numpy()[use], kind="ownership").astype(object)
        _warn_ownership(own, parcels.index[use], ownership_col)
        own = own.where(own.notna(), "?").to_numpy(dtype=object)
        frame = pd.DataFrame({"b": lab, "o": own, "a": area[use]})
        shares = frame.groupby(["b", "o"], sort=True)["a"].sum()
        tot = shares.groupby(level=0).transform("sum")
        shares = (shares / tot.where(tot > 0, 1.0)).reset_index()
        shares["txt"] = shares["o"].astype(str) + ":" + shares["a"].map(lambda v: f"{v:.2f}")
        mix = shares.groupby("b", sort=True)["txt"].agg(", ".join)
        data["ownership_mix"] = mix.reindex(np.arange(k)).to_numpy(dtype=object)
        coll = frame.assign(c=frame["o"].isin(list(prof["collective_ownership_codes"])) * frame["a"])
        cs = coll.groupby("b", sort=True)[["c", "a"]].sum()
        data["collective_share"] = (cs["c"] / cs["a"].where(cs["a"] > 0, 1.0)).reindex(np.arange(k)).to_numpy()
    if planning_col is not None:
        codes = normalize_codes(parcels[planning_col].to_numpy()[use], kind="planning")
        lvl1 = codes.astype(object).where(codes.notna(), "").astype(str).str[:2].to_numpy()
        public = np.isin(lvl1, list(prof["public_interest_planning_classes"]))
        pub_area = np.bincount(lab, weights=np.where(public, area[use], 0.0), minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(parcel_area > 0, pub_area / parcel_area, np.nan)
        data["public_interest_share"] = share
        data["public_interest_ok"] = share >= float(prof["public_interest_share_min"]) - 1e-12
    geo = project(gpd.GeoSeries(dissolved, crs=target), crs, name="blocks")
    out = gpd.GeoDataFrame(data, geometry=np.asarray(geo.values, dtype=object), crs=crs)
    out.index = pd.RangeIndex(k, name="block_id")
    out.attrs["blocks"] = {"metric_crs": target.to_string(), "min_area_m2": min_area_m2, "profile": prof.name}
    return out


# ---------------------------------------------------------------------- dask frames
# Blocks are labelled inside each partition, the partition-local blocks are dissolved,
# and local blocks of *different* partitions that touch (or lie within ``gap_m``) are
# merged by a second connected-components pass over the local blocks only. A block split
# by partition boundaries therefore gets one global id, whatever the partitioning.


def _local_blocks(
    df: gpd.GeoDataFrame, *, gap_m: float, group_by: str | None, on_invalid: OnInvalid, precision_m: float, metric: Any
) -> dict[str, Any]:
    """Label one partition; dissolve its local blocks (metric CRS)."""
    if len(df) == 0:
        return {"labels": np.empty(0, dtype=np.int64), "area": np.empty(0), "geoms": np.empty(0, dtype=object),
                "by": np.empty(0, dtype=object)}
    labels, geoms, area, _target, _report = _label(
        df, gap_m=gap_m, group_by=group_by, on_invalid=on_invalid, precision_m=precision_m, metric=metric
    )
    use = labels >= 0
    k = int(labels[use].max()) + 1 if use.any() else 0
    dissolved = _dissolve(geoms[use], labels[use], k)
    byv = np.full(k, None, dtype=object)
    if group_by is not None and k:
        first = pd.Series(df[group_by].to_numpy()[use]).groupby(labels[use], sort=True).first()
        byv = first.reindex(np.arange(k)).to_numpy(dtype=object)
    return {"labels": labels, "area": area, "geoms": dissolved, "by": byv}


def _merge_local(locals_: list[dict[str, Any]], *, gap_m: float, group_by: str | None) -> tuple[list[np.ndarray], Any]:
    """Global labels of the local blocks: link blocks of different partitions."""
    sizes = [len(d["geoms"]) for d in locals_]
    offsets = np.r_[0, np.cumsum(sizes)]
    geoms = np.concatenate([d["geoms"] for d in locals_]) if sum(sizes) else np.empty(0, dtype=object)
    part = np.repeat(np.arange(len(locals_)), sizes)
    byv = np.concatenate([d["by"] for d in locals_]) if sum(sizes) else np.empty(0, dtype=object)
    tree = shapely.STRtree(geoms)
    if gap_m > 0:
        a, b = tree.query(geoms, predicate="dwithin", distance=gap_m)
    else:
        a, b = tree.query(geoms, predicate="intersects")
    keep = (a < b) & (part[a] != part[b])
    if group_by is not None:
        keep &= pd.Series(byv[a]).to_numpy() == pd.Series(byv[b]).to_numpy()
    glob = _components(len(geoms), a[keep], b[keep])
    per_part = []
    for i, d in enumerate(locals_):
        lab = d["labels"]
        g = np.full(len(lab), -1, dtype=np.int64)
        ok = lab >= 0
        g[ok] = glob[offsets[i] + lab[ok]]
        per_part.append(g)
    # canonical numbering over the concatenated parcels (first appearance)
    allg = np.concatenate(per_part) if per_part else np.empty(0, dtype=np.int64)
    ok = allg >= 0
    canon = np.full(len(allg), -1, dtype=np.int64)
    canon[ok] = _canonical(allg[ok])
    lookup = np.full(int(glob.max()) + 1 if len(glob) else 0, -1, dtype=np.int64)
    lookup[allg[ok]] = canon[ok]
    block_of_local = lookup[glob] if len(glob) else np.empty(0, dtype=np.int64)
    out, start = [], 0
    for g in per_part:
        out.append(canon[start : start + len(g)])
        start += len(g)
    return out, (block_of_local, geoms)


def _labels_dask(parcels: Any, *, gap_m: float, group_by: str | None, on_invalid: OnInvalid, precision_m: float):
    dask, _, _ = _dispatch.dask_modules()
    check_number(gap_m, "gap_m", minimum=0)
    check_number(precision_m, "precision_m", minimum=0)
    if group_by is not None:
        check_columns(parcels._meta, "parcels", [group_by])
    metric = _dispatch.global_metric(parcels)
    delayed_parts = parcels.to_delayed()
    locals_ = _dask.compute(
        *[
            dask.delayed(_local_blocks)(d, gap_m=gap_m, group_by=group_by, on_invalid=on_invalid, precision_m=precision_m,
                                        metric=metric)
            for d in delayed_parts
        ]
    )
    labels, (block_of_local, local_geoms) = _merge_local(list(locals_), gap_m=gap_m, group_by=group_by)
    return metric, delayed_parts, list(locals_), labels, block_of_local, local_geoms


def _membership_dask(parcels: Any, *, gap_m: float, group_by: str | None, on_invalid: OnInvalid, precision_m: float) -> Any:
    """:func:`block_membership` of a dask frame (lazy, one partition per input partition)."""
    dask, _, _ = _dispatch.dask_modules()
    _metric, parts, locals_, labels, _b, _g = _labels_dask(
        parcels, gap_m=gap_m, group_by=group_by, on_invalid=on_invalid, precision_m=precision_m
    )

    def assign(df: gpd.GeoDataFrame, lab: np.ndarray, area: np.ndarray) -> gpd.GeoDataFrame:
        out = df.copy()
        out["block_id"] = lab
        out["area_m2"] = area
        return out

    meta = _dispatch.with_columns(parcels._meta, {"block_id": "int64", "area_m2": "float64"})
    return _dispatch.from_parts(
        [dask.delayed(assign)(d, lab, loc["area"]) for d, lab, loc in zip(parts, labels, locals_)], meta
    )


def _blocks_dask(
    parcels: Any,
    *,
    gap_m: float,
    min_area_m2: float,
    group_by: str | None,
    ownership_col: str | None,
    planning_col: str | None,
    profile: RuleProfile,
    on_invalid: OnInvalid,
    precision_m: float,
) -> gpd.GeoDataFrame:
    """:func:`assemble_blocks` of a dask frame (the blocks come back in memory)."""
    if planning_col is not None:
        check_columns(parcels._meta, "parcels", [planning_col])
    metric, _parts, locals_, labels, block_of_local, local_geoms = _labels_dask(
        parcels, gap_m=gap_m, group_by=group_by, on_invalid=on_invalid, precision_m=precision_m
    )
    cols = [c for c in (group_by, planning_col) if c is not None]
    if ownership_col is not None and ownership_col in parcels.columns:
        cols.append(ownership_col)
    attrs = parcels[cols].compute() if cols else pd.DataFrame(index=range(sum(len(x) for x in labels)))
    lab: np.ndarray = np.concatenate(labels) if labels else np.empty(0, dtype=np.int64)
    area = np.concatenate([loc["area"] for loc in locals_]) if locals_ else np.empty(0)
    k = int(lab.max(initial=-1)) + 1  # 0 without blocks
    # global block geometry = union of its partition-local blocks
    valid = block_of_local >= 0
    sums = np.bincount(lab[lab >= 0], weights=area[lab >= 0], minlength=k)
    dissolved = np.full(k, None, dtype=object)
    order = np.argsort(block_of_local[valid], kind="stable")
    bl = block_of_local[valid][order]
    gl = local_geoms[valid][order]
    starts = np.flatnonzero(np.r_[True, bl[1:] != bl[:-1]]) if len(bl) else np.empty(0, dtype=int)
    ends = np.r_[starts[1:], len(bl)]
    for s, e in zip(starts, ends):
        dissolved[bl[s]] = gl[s] if e - s == 1 else _union(gl[s:e], sums[bl[s]])
    return _blocks_from_labels(
        attrs.reset_index(drop=True),
        lab,
        area,
        metric,
        get_crs(parcels, "parcels"),
        dissolved=dissolved,
        min_area_m2=min_area_m2,
        group_by=group_by,
        ownership_col=ownership_col,
        planning_col=planning_col,
        prof=profile,
    )
