"""dask_geopandas support for screening, blocks and compensation.

The public functions dispatch here when given a ``dask_geopandas.GeoDataFrame``:

* screening and compensation are row-wise: each partition is processed where it lives
  with the same metric CRS (chosen once from the whole layer's extent); the approval
  level, which depends on whole projects, is computed from a small per-project table
  reduced over the partitions;
* blocks are labelled inside each partition, the partition-local blocks are dissolved,
  and local blocks of *different* partitions that touch (or lie within ``gap_m``) are
  merged by a second connected-components pass over the local blocks only. A block
  split by partition boundaries therefore gets one global id, whatever the partitioning.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import check_same_crs, get_crs, metric_crs
from .rules import RuleProfile


def _dask():
    from ..errors import MissingDependencyError

    try:
        import dask
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError as exc:  # pragma: no cover - only reached with a dask frame in hand
        raise MissingDependencyError("dask support needs dask-geopandas: pip install urbangeo[dask]") from exc
    return dask, dd, dask_geopandas


def _global_metric(parcels: Any) -> Any:
    """One metric CRS for every partition, from the whole layer's extent."""
    crs = get_crs(parcels, "parcels")
    bounds = np.asarray(parcels.total_bounds.compute(), dtype=float)
    extent = gpd.GeoDataFrame(geometry=[shapely.box(*bounds)], crs=crs)
    return metric_crs(extent, name="parcels")


def _from_parts(parts: list, meta: Any) -> Any:
    _, dd, _ = _dask()
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


# ---------------------------------------------------------------------- screening

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


def _meta(parcels: Any, extra: dict[str, str]) -> gpd.GeoDataFrame:
    meta = parcels._meta.copy()
    for col, dtype in extra.items():
        meta[col] = pd.Series([], dtype=dtype, index=meta.index)
    return meta


def screen_dask(parcels: Any, *, profile: Any, route: str, project_col: str | None, **kw: Any) -> Any:
    from .screening import _assign_approval, _levels, _prepare_profile, _project_table, _screen_frame

    dask, _, _ = _dask()
    prof = _prepare_profile(profile)
    layers = {k: kw[k] for k in ("development_boundary", "basic_farmland", "red_line") if kw.get(k) is not None}
    if isinstance(kw.get("planning"), gpd.GeoDataFrame):
        layers["planning"] = kw["planning"]
    check_same_crs(parcels=parcels, **layers)
    metric = _global_metric(parcels)

    def part(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if len(df) == 0:
            return _meta_like(df, {**_SCREEN_META, "_cultivated": "bool"})
        return _screen_frame(df, route=route, prof=prof, project_col=project_col, metric=metric, **kw)

    staged = [dask.delayed(part)(d) for d in parcels.to_delayed()]
    staged = dask.persist(*staged)
    table = None
    if route == "expropriation":
        tables = dask.compute(*[dask.delayed(_project_table)(s, project_col, prof) for s in staged])
        nonempty = [t for t in tables if len(t)]
        raw = pd.concat(nonempty).groupby(level=0).sum() if nonempty else tables[0]
        table = _levels(raw, prof)

    def finish(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return _assign_approval(df, prof, route=route, project_col=project_col, table=table)

    meta = _meta(parcels, _SCREEN_META)
    return _from_parts([dask.delayed(finish)(s) for s in staged], meta)


def _meta_like(df: gpd.GeoDataFrame, extra: dict[str, str]) -> gpd.GeoDataFrame:
    out = df.copy()
    for col, dtype in extra.items():
        out[col] = pd.Series([], dtype=dtype, index=out.index)
    return out


# ---------------------------------------------------------------------- compensation


def compensation_dask(parcels: Any, price_zones: gpd.GeoDataFrame, *, components: list[str], **kw: Any) -> Any:
    from .compensation import _stem, estimate_compensation

    dask, _, _ = _dask()
    check_same_crs(parcels=parcels, price_zones=price_zones)
    extra = {"area_m2": "float64", "area_source": "object", "area_mu": "float64", "zone_share": "float64"}
    for c in components:
        extra[c] = "float64"
        extra[f"{_stem(c)}_yuan"] = "float64"
    extra["compensation_yuan"] = "float64"

    def part(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if len(df) == 0:
            return _meta_like(df, extra)
        return estimate_compensation(df, price_zones, components=components, **kw)

    return _from_parts([dask.delayed(part)(d) for d in parcels.to_delayed()], _meta(parcels, extra))


# ---------------------------------------------------------------------- blocks


def _local_blocks(
    df: gpd.GeoDataFrame, *, gap_m: float, by: Any, on_invalid: str, precision_m: float, metric: Any
) -> dict[str, Any]:
    """Label one partition; dissolve its local blocks (metric CRS)."""
    from .blocks import _dissolve, _label

    if len(df) == 0:
        return {"labels": np.empty(0, dtype=np.int64), "area": np.empty(0), "geoms": np.empty(0, dtype=object),
                "by": np.empty(0, dtype=object)}
    labels, geoms, area, _target, _report = _label(
        df, gap_m=gap_m, by=by, on_invalid=on_invalid, precision_m=precision_m, metric=metric
    )
    use = labels >= 0
    k = int(labels[use].max()) + 1 if use.any() else 0
    dissolved = _dissolve(geoms[use], labels[use], k)
    byv = np.full(k, None, dtype=object)
    if by is not None and k:
        first = pd.Series(df[by].to_numpy()[use]).groupby(labels[use], sort=True).first()
        byv = first.reindex(np.arange(k)).to_numpy(dtype=object)
    return {"labels": labels, "area": area, "geoms": dissolved, "by": byv}


def _merge_local(locals_: list[dict[str, Any]], *, gap_m: float, by: Any) -> tuple[list[np.ndarray], np.ndarray]:
    """Global labels of the local blocks: link blocks of different partitions."""
    from .blocks import _canonical, _components

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
    if by is not None:
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


def _labels_dask(parcels: Any, *, gap_m: float, by: Any, on_invalid: str, precision_m: float):
    from .._validate import check_columns, check_number

    dask, _, _ = _dask()
    check_number(gap_m, "gap_m", minimum=0)
    check_number(precision_m, "precision_m", minimum=0)
    if by is not None:
        check_columns(parcels._meta, "parcels", [by])
    metric = _global_metric(parcels)
    delayed_parts = parcels.to_delayed()
    locals_ = dask.compute(
        *[
            dask.delayed(_local_blocks)(d, gap_m=gap_m, by=by, on_invalid=on_invalid, precision_m=precision_m,
                                        metric=metric)
            for d in delayed_parts
        ]
    )
    labels, (block_of_local, local_geoms) = _merge_local(list(locals_), gap_m=gap_m, by=by)
    return metric, delayed_parts, list(locals_), labels, block_of_local, local_geoms


def membership_dask(parcels: Any, *, gap_m: float, by: Any, on_invalid: str, precision_m: float) -> Any:
    dask, _, _ = _dask()
    _metric, parts, locals_, labels, _b, _g = _labels_dask(
        parcels, gap_m=gap_m, by=by, on_invalid=on_invalid, precision_m=precision_m
    )

    def assign(df: gpd.GeoDataFrame, lab: np.ndarray, area: np.ndarray) -> gpd.GeoDataFrame:
        out = df.copy()
        out["block_id"] = lab
        out["area_m2"] = area
        return out

    meta = _meta(parcels, {"block_id": "int64", "area_m2": "float64"})
    return _from_parts(
        [dask.delayed(assign)(d, lab, loc["area"]) for d, lab, loc in zip(parts, labels, locals_)], meta
    )


def blocks_dask(
    parcels: Any,
    *,
    gap_m: float,
    min_area_m2: float,
    by: Any,
    ownership_col: str | None,
    planning_col: str | None,
    profile: RuleProfile,
    on_invalid: str,
    precision_m: float,
) -> gpd.GeoDataFrame:
    from .blocks import _blocks_from_labels, _union

    dask, _, _ = _dask()
    if planning_col is not None:
        from .._validate import check_columns

        check_columns(parcels._meta, "parcels", [planning_col])
    metric, parts, locals_, labels, block_of_local, local_geoms = _labels_dask(
        parcels, gap_m=gap_m, by=by, on_invalid=on_invalid, precision_m=precision_m
    )
    cols = [c for c in (by, planning_col) if c is not None]
    if ownership_col is not None and ownership_col in parcels.columns:
        cols.append(ownership_col)
    attrs = parcels[cols].compute() if cols else pd.DataFrame(index=range(sum(len(x) for x in labels)))
    lab = np.concatenate(labels) if labels else np.empty(0, dtype=np.int64)
    area = np.concatenate([loc["area"] for loc in locals_]) if locals_ else np.empty(0)
    k = int(lab.max()) + 1 if len(lab) and lab.max() >= 0 else 0
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
        by=by,
        ownership_col=ownership_col,
        planning_col=planning_col,
        prof=profile,
    )
