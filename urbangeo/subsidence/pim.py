"""Subsidence prediction with the probability integral method (PIM, 概率积分法).

Mining panels are plan-view polygons with per-row PIM parameters (columns named by the
standard symbols, numeric; missing columns and missing (NaN) cells fall back to
``params=`` and then to :data:`PIM_DEFAULTS`, a default with a
:class:`~urbangeo.errors.MissingValuesWarning` when it fills NaN cells):

=============== ==== ==============================================================
column          unit meaning
=============== ==== ==============================================================
m               m    extracted seam thickness (required)
H               m    mean mining depth (required)
q               --   subsidence factor
tan_beta        --   tangent of the major influence angle, r = H / tan_beta
alpha           deg  seam dip
theta0          deg  propagation angle (default 90 - 0.6 alpha)
s               m    inflection-point offset (computational edges move inward by s)
b               --   horizontal displacement coefficient
dip_azimuth_deg deg  azimuth of the down-dip direction (needed when alpha > 0)
=============== ==== ==============================================================

Rectangular panels use the exact erf closed form along the panel's own axes (rotated
panels included); any other polygon is integrated on the grid as a Gaussian filter of
its computational goaf (the polygon offset inward by s, shifted down-dip by
H cot(theta0)), sigma = r / sqrt(2 pi). Panels and seams add up. Each panel only
touches the cells within ``cutoff_r`` x r of its computational edges (W there is below
1e-9 W0 for the default 2.5), so large grids are filled window by window.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from .. import _dask
from .._docs import PROGRESS, geometry_fixed_warns, on_invalid_param, shared_doc
from .._progress import progress_bar
from .._validate import OnInvalid, check_choice, check_columns, check_number, validate_frame
from ..crs import get_crs, is_metric, metric_crs, project
from ..errors import CRSMismatchError, EmptyDataError, InvalidOptionError, MissingValuesWarning
from ..raster import Raster
from . import _docs as _d
from . import _kernels as K

log = logging.getLogger(__name__)

__all__ = ["predict_subsidence", "predict_deformation", "panel_parameters", "PIM_DEFAULTS", "QUANTITIES"]

QUANTITIES = K.QUANTITIES

#: Cells per tile side of ``predict_subsidence(..., scheduler="dask")`` without ``tile_size``:
#: 1024 x 1024 float64 cells are 8 MiB per tile and quantity.
DEFAULT_TILE_SIZE = 1024

#: Defaults for PIM parameters missing from both the panel columns and ``params=``.
#: q and tan_beta are typical of thick alluvium cover in the Huainan-Huaibei coalfield
#: (He Guoqing et al. 1991; verify per mine from its observation stations).
PIM_DEFAULTS: dict[str, float | None] = {
    "m": None,
    "H": None,
    "q": 0.8,
    "tan_beta": 2.0,
    "alpha": 0.0,
    "theta0": None,  # 90 - 0.6 * alpha
    "s": 0.0,
    "b": 0.3,
    "dip_azimuth_deg": None,
}


@dataclass
class _Panel:
    label: Any
    geom: Any  # computational goaf for the grid route, plan polygon for the closed form
    rect: bool
    w0: float
    r: float
    r2: float
    br: float
    # closed-form frame
    eu: tuple[float, float] = (1.0, 0.0)
    ev: tuple[float, float] = (0.0, 1.0)
    u0: float = 0.0
    l_u: float = 0.0
    v0: float = 0.0
    v_off: float = 0.0
    l_v: float = 0.0
    r_v1: float = 0.0
    r_v2: float = 0.0
    bounds: tuple[float, float, float, float] = (0, 0, 0, 0)


def panel_parameters(panels: gpd.GeoDataFrame, *, params: dict | None = None) -> pd.DataFrame:
    """The PIM parameters used for each panel, with W0 = m q cos(alpha) and r = H / tan_beta.

    Parameters
    ----------
    panels : GeoDataFrame
        Panels with PIM parameter columns (see the module docstring); every parameter
        column present must be numeric.
    params : dict, optional
        Values for parameters that are not columns of ``panels``, and for the missing
        (NaN) cells of the columns that are.

    Returns
    -------
    DataFrame
        One row per panel (same index): the parameters used, ``W0`` and ``r``.

    Raises
    ------
    EmptyDataError
        ``panels`` has no rows.
    ColumnTypeError
        A parameter column holds text (or other non-numbers); convert it with
        ``pandas.to_numeric`` first.
    InvalidOptionError
        ``m`` or ``H`` missing for a panel, a parameter out of range, unknown ``params`` keys.

    Warns
    -----
    MissingValuesWarning
        A parameter column has missing (NaN) cells and ``params=`` gives no value for
        it: those cells take the default of :data:`PIM_DEFAULTS` (``q``, ``tan_beta``,
        ``alpha``, ``s``, ``b``); the warning lists the panels and the value used.
        (``theta0`` falls back to 90 - 0.6 alpha and ``dip_azimuth_deg`` is only
        needed for dipping seams, so their gaps are not warned about.)

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"m": [3.0], "q": [0.8], "H": [400.0]}, geometry=[box(0, 0, 200, 1500)], crs=4547)
    >>> t = panel_parameters(p)
    >>> float(t.loc[0, "W0"]), float(t.loc[0, "r"])
    (2.4, 200.0)
    """
    return _parameter_table(panels, params, stacklevel=3)


def _parameter_table(panels: gpd.GeoDataFrame, params: dict | None, *, stacklevel: int) -> pd.DataFrame:
    """:func:`panel_parameters`; ``stacklevel`` points the MissingValuesWarning at the user's call."""
    if not isinstance(panels, pd.DataFrame):
        raise TypeError(f"`panels` must be a GeoDataFrame of panel polygons; got {type(panels).__name__}.")
    if len(panels) == 0:
        raise EmptyDataError("`panels` has no rows; pass a GeoDataFrame with at least one mining panel.")
    params = dict(params or {})
    unknown = sorted(set(params) - set(PIM_DEFAULTS))
    if unknown:
        raise InvalidOptionError(f"`params` has unknown keys {unknown}; valid keys: {sorted(PIM_DEFAULTS)}.")
    present = [k for k in PIM_DEFAULTS if k in panels.columns]
    # text is refused, not coerced: to_numeric(errors="coerce") would turn typos into silent defaults
    check_columns(panels, "panels", {k: "numeric" for k in present})
    rows = {}
    for key, default in PIM_DEFAULTS.items():
        fallback = params.get(key, default)
        if key in panels.columns:
            col = panels[key].astype(float)
            gaps = col.isna()
            if fallback is not None and gaps.any():
                if key not in params:
                    labels = list(panels.index[gaps])
                    warnings.warn(
                        f"`panels`: {len(labels)} of {len(panels)} rows have no value in {key!r} (panels "
                        f"{', '.join(repr(x) for x in labels[:5])}{' ...' if len(labels) > 5 else ''}); they use "
                        f"the default {key}={float(fallback):g} from PIM_DEFAULTS. Fill the column with the "
                        f"mine's value (panels.fillna({{{key!r}: ...}})) or pass params={{{key!r}: ...}} for the gaps.",
                        MissingValuesWarning,
                        stacklevel=stacklevel,
                    )
                col = col.fillna(float(fallback))
        else:
            col = pd.Series(np.nan if fallback is None else float(fallback), index=panels.index, dtype=float)
        rows[key] = col
    t = pd.DataFrame(rows, index=panels.index)
    for key in ("m", "H"):
        if t[key].isna().any():
            bad = list(t.index[t[key].isna()])[:5]
            raise InvalidOptionError(
                f"PIM parameter {key!r} is missing for panels {bad}; add a column '{key}' to `panels` "
                f"or pass params={{'{key}': ...}}."
            )
    t["theta0"] = t["theta0"].fillna(90.0 - 0.6 * t["alpha"])
    checks = {
        "m": (0, None, True), "H": (0, None, True), "q": (0, 2.0, True), "tan_beta": (0, None, True),
        "alpha": (0, 89.0, False), "theta0": (0, 180.0, True), "s": (0, None, False), "b": (0, 2.0, False),
    }
    for key, (lo, hi, strict) in checks.items():
        v = t[key]
        bad = (v <= lo) if strict else (v < lo)
        if hi is not None:
            bad |= v > hi
        bad |= ~np.isfinite(v)
        if bad.any():
            raise InvalidOptionError(
                f"PIM parameter {key!r} out of range for panels {list(t.index[bad])[:5]} "
                f"(values {list(v[bad])[:5]}); it must be {'>' if strict else '>='} {lo}"
                + (f" and <= {hi}." if hi is not None else ".")
            )
    dipping = t["alpha"] > 0
    if (dipping & t["dip_azimuth_deg"].isna()).any():
        raise InvalidOptionError(
            f"panels {list(t.index[dipping & t['dip_azimuth_deg'].isna()])[:5]} have alpha > 0 but no "
            f"'dip_azimuth_deg' (azimuth of the down-dip direction, clockwise from north); add the column."
        )
    t["W0"] = t["m"] * t["q"] * np.cos(np.radians(t["alpha"]))
    t["r"] = t["H"] / t["tan_beta"]
    return t


def _is_rectangle(geom) -> bool:
    if geom.geom_type != "Polygon" or len(geom.interiors) > 0:
        return False
    mrr = shapely.minimum_rotated_rectangle(geom)
    return mrr.area > 0 and abs(geom.area - mrr.area) <= 1e-6 * mrr.area


def _clean(v: float) -> float:
    return 0.0 if abs(v) < 1e-12 else v


def _build_panels(panels_m: gpd.GeoDataFrame, table, method: str) -> list[_Panel]:
    out = []
    for label, geom in zip(panels_m.index, panels_m.geometry.values):
        p = table.loc[label]
        w0, r, s, b = float(p.W0), float(p.r), float(p.s), float(p.b)
        alpha, theta0 = math.radians(float(p.alpha)), math.radians(float(p.theta0))
        az = float(p.dip_azimuth_deg) if np.isfinite(p.dip_azimuth_deg) else 90.0
        dipvec = (math.sin(math.radians(az)), math.cos(math.radians(az)))
        rect = method == "closed_form" or (method == "auto" and _is_rectangle(geom))
        if method == "closed_form" and not _is_rectangle(geom):
            raise InvalidOptionError(
                f"panel {label!r} is not a rectangle, so method='closed_form' cannot be used; "
                f"use method='auto' or 'grid'."
            )
        if rect:
            mrr = shapely.minimum_rotated_rectangle(geom)
            c = np.asarray(mrr.exterior.coords)[:4]
            e1, e2 = c[1] - c[0], c[3] - c[0]
            a1, a2 = np.linalg.norm(e1), np.linalg.norm(e2)
            e1, e2 = e1 / a1, e2 / a2
            if alpha > 0:
                if abs(e1 @ dipvec) > abs(e2 @ dipvec):
                    e1, e2 = e2, e1
                if e2 @ dipvec < 0:
                    e2 = -e2
            elif a1 < a2:
                e1, e2 = e2, e1
            eu = (_clean(e1[0]), _clean(e1[1]))
            ev = (_clean(e2[0]), _clean(e2[1]))
            pu = c @ np.array(eu)
            pv = c @ np.array(ev)
            length_u = pu.max() - pu.min()
            d_plan = pv.max() - pv.min()
            d_seam = d_plan / math.cos(alpha)
            h1 = float(p.H) - 0.5 * d_seam * math.sin(alpha)
            h2 = float(p.H) + 0.5 * d_seam * math.sin(alpha)
            if h1 <= 0:
                raise InvalidOptionError(f"panel {label!r}: its up-dip edge would be above ground (H too small for alpha).")
            l_u = length_u - 2 * s
            l_v = (d_seam - 2 * s) * math.sin(theta0 + alpha) / math.sin(theta0)
            if l_u <= 0 or l_v <= 0:
                raise InvalidOptionError(
                    f"panel {label!r} vanishes after the inflection offset s={s} m (computational size "
                    f"{l_u:.1f} x {l_v:.1f} m); reduce s."
                )
            cot = math.cos(theta0) / math.sin(theta0)
            v_off = s * math.cos(alpha) + (h1 + s * math.sin(alpha)) * cot
            tb = float(p.tan_beta)
            pan = _Panel(label, geom, True, w0, r, h2 / tb, b * r, eu, ev, float(pu.min()) + s, l_u,
                         float(pv.min()), v_off, l_v, h1 / tb, h2 / tb)
            # computational footprint for the window: corners in map coordinates
            uu = np.array([0.0, l_u]) + pan.u0
            vv = np.array([0.0, l_v]) + pan.v0 + v_off
            pts = np.array([[ui * eu[0] + vi * ev[0], ui * eu[1] + vi * ev[1]] for ui in uu for vi in vv])
            pan.bounds = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
        else:
            comp = geom.buffer(-s, join_style="mitre") if s > 0 else geom
            shift = float(p.H) * math.cos(theta0) / math.sin(theta0)
            if abs(shift) > 0:
                comp = shapely.affinity.translate(comp, shift * dipvec[0], shift * dipvec[1])
            if comp.is_empty or comp.area <= 0:
                raise InvalidOptionError(f"panel {label!r} vanishes after the inflection offset s={s} m; reduce s.")
            pan = _Panel(label, comp, False, w0, r, r, b * r)
            pan.bounds = comp.bounds
        out.append(pan)
    return out


def _grid_from(panels_list, resolution_m, extent, cutoff_r):
    if extent is None:
        pads = [cutoff_r * max(p.r, p.r2) for p in panels_list]
        xmin = min(p.bounds[0] - d for p, d in zip(panels_list, pads))
        ymin = min(p.bounds[1] - d for p, d in zip(panels_list, pads))
        xmax = max(p.bounds[2] + d for p, d in zip(panels_list, pads))
        ymax = max(p.bounds[3] + d for p, d in zip(panels_list, pads))
        xmin = math.floor(xmin / resolution_m) * resolution_m
        ymin = math.floor(ymin / resolution_m) * resolution_m
        xmax = math.ceil(xmax / resolution_m) * resolution_m
        ymax = math.ceil(ymax / resolution_m) * resolution_m
    else:
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
        if not (xmax > xmin and ymax > ymin):
            raise InvalidOptionError(f"`extent` must be (minx, miny, maxx, maxy) with max > min; got {extent}.")
    cols = max(1, round((xmax - xmin) / resolution_m))
    rows = max(1, round((ymax - ymin) / resolution_m))
    return Affine(resolution_m, 0, xmin, 0, -resolution_m, ymax), (rows, cols)


def _window(bounds, pad, transform, shape):
    # north-up grid: column and row by plain arithmetic (no affine tuple multiplication)
    c0, r0 = (bounds[0] - pad - transform.c) / transform.a, (bounds[3] + pad - transform.f) / transform.e
    c1, r1 = (bounds[2] + pad - transform.c) / transform.a, (bounds[1] - pad - transform.f) / transform.e
    r0, r1 = sorted((r0, r1))
    c0, c1 = sorted((c0, c1))
    r0 = max(0, int(math.floor(r0)))
    c0 = max(0, int(math.floor(c0)))
    r1 = min(shape[0], int(math.ceil(r1)))
    c1 = min(shape[1], int(math.ceil(c1)))
    return r0, r1, c0, c1


def _coverage(geom, transform, shape, supersample):
    from rasterio.features import rasterize

    f = supersample
    fine = Affine(transform.a / f, 0, transform.c, 0, transform.e / f, transform.f)
    mask = rasterize([(geom, 1)], out_shape=(shape[0] * f, shape[1] * f), transform=fine, dtype="uint8")
    return mask.reshape(shape[0], f, shape[1], f).mean(axis=(1, 3), dtype=float)


def _prepare(panels, quantities, *, resolution_m, extent, like, params, method, cutoff_r, supersample, on_invalid):
    """Validated inputs of the PIM: the panels built, the output grid and the panel windows on it."""
    gdf, _ = validate_frame(panels, "panels", geometry_types=("polygon",), on_invalid=on_invalid)
    check_choice(method, "method", ("auto", "closed_form", "grid"))
    cutoff_r = check_number(cutoff_r, "cutoff_r", minimum=1.5)
    supersample = int(check_number(supersample, "supersample", minimum=1))
    bad_q = [q for q in quantities if q not in QUANTITIES]
    if bad_q or not quantities:
        raise InvalidOptionError(f"`quantities` must be a non-empty list drawn from {QUANTITIES}; got {quantities!r}.")
    src_crs = get_crs(gdf, "panels")
    if like is not None:
        if not isinstance(like, Raster):
            raise TypeError(f"`like` must be a urbangeo.raster.Raster; got {type(like).__name__}.")
        like.require_metric("like")
        target = like.crs
        if not src_crs.equals(target) and is_metric(src_crs):
            raise CRSMismatchError(
                f"`panels` are in {src_crs.name} but `like` is in {target.name}; reproject the panels "
                f"first: panels.to_crs(like.crs)."
            )
    else:
        target = metric_crs(gdf, name="panels")
    gdf_m = project(gdf, target, name="panels")
    table = _parameter_table(gdf, params, stacklevel=5)  # here -> _prepare -> _compute -> predict_* -> the caller
    plist = _build_panels(gdf_m, table, method)
    if like is not None:
        transform, shape = like.transform, like.shape
    else:
        resolution_m = check_number(resolution_m, "resolution_m", minimum=0, strict=True)
        transform, shape = _grid_from(plist, resolution_m, extent, cutoff_r)
    # each panel only touches the cells within cutoff_r x r of its computational edges
    wins = np.array(
        [_window(pan.bounds, cutoff_r * max(pan.r, pan.r2), transform, shape) for pan in plist], dtype=np.int64
    ).reshape(-1, 4)
    return _Plan(plist, wins, K.components_for(quantities), tuple(quantities), transform, shape, supersample), target


@dataclass
class _Plan:
    """Everything a tile needs: one object, so it travels to each dask worker once."""

    plist: list[_Panel]
    wins: np.ndarray  # (n, 4) rows r0, r1, c0, c1 of each panel's window on the grid
    need: set[str]
    quantities: tuple[str, ...]
    transform: Affine
    shape: tuple[int, int]
    supersample: int

    def panels_for(self, tile: tuple[int, int, int, int]) -> np.ndarray:
        """Indices (in input order) of the panels whose window reaches the cells of ``tile``."""
        r0, r1, c0, c1 = tile
        w = self.wins
        hit = (w[:, 1] > w[:, 0]) & (w[:, 3] > w[:, 2])
        hit &= (w[:, 0] < r1) & (w[:, 1] > r0) & (w[:, 2] < c1) & (w[:, 3] > c0)
        return np.flatnonzero(hit)


def _window_fields(plan: _Plan, i: int) -> dict:
    """Fields of Gaussian-route panel ``i`` on its whole window (the filter's edges are part of the answer)."""
    pan, transform = plan.plist[i], plan.transform
    w0_, w1_, v0_, v1_ = (int(x) for x in plan.wins[i])
    wt = Affine(transform.a, 0, transform.c + transform.a * v0_, 0, transform.e, transform.f + transform.e * w0_)
    frac = _coverage(pan.geom, wt, (w1_ - w0_, v1_ - v0_), plan.supersample)
    return K.gaussian_fields(frac, w0=pan.w0, r=pan.r, br=pan.br, cell_x=abs(transform.a), cell_y=abs(transform.e),
                             need=plan.need)


def _panel_fields(plan: _Plan, i: int, sub, window: dict | None = None) -> dict:
    """Fields of panel ``i`` on the cells ``sub`` (r0, r1, c0, c1) of its window.

    The closed form is evaluated cell by cell, so only the cells of ``sub`` are computed;
    the Gaussian route cuts ``sub`` out of the fields of the whole window (``window``, from
    :func:`_window_fields`, computed here if not given). Either way each cell gets the
    in-memory value.
    """
    pan, transform = plan.plist[i], plan.transform
    r0, r1, c0, c1 = sub
    if pan.rect:
        xs = transform.c + transform.a * (np.arange(c0, c1) + 0.5)
        ys = transform.f + transform.e * (np.arange(r0, r1) + 0.5)
        X, Y = xs[None, :], ys[:, None]

        def proj(e):
            if e[1] == 0.0:
                return X * e[0]
            if e[0] == 0.0:
                return Y * e[1]
            return X * e[0] + Y * e[1]

        u = proj(pan.eu) - pan.u0
        v = proj(pan.ev) - pan.v0
        return K.rect_fields(u, v, w0=pan.w0, l_u=pan.l_u, r_u=pan.r, v_off=pan.v_off, l_v=pan.l_v,
                             r_v1=pan.r_v1, r_v2=pan.r_v2, br=pan.br, need=plan.need, rot=(pan.eu, pan.ev))
    fields = _window_fields(plan, i) if window is None else window
    w0_, c0_ = int(plan.wins[i][0]), int(plan.wins[i][2])
    return {k: v[r0 - w0_ : r1 - w0_, c0 - c0_ : c1 - c0_] for k, v in fields.items()}


def _fill(plan: _Plan, tile: tuple[int, int, int, int], *, progress: bool | None = None,
          windows: dict | None = None) -> dict:
    """The requested quantities on the cells of ``tile`` (r0, r1, c0, c1): panels added in input order.

    ``windows`` holds the whole-window fields of Gaussian-route panels already computed
    (panel index -> fields), so a panel that spans many tiles is filtered once.
    """
    t0, t1, u0, u1 = tile
    windows = {} if windows is None else windows
    comp = {k: np.zeros((t1 - t0, u1 - u0), dtype=float) for k in plan.need}
    idx = plan.panels_for(tile)
    for i in progress_bar(idx, progress=progress, total=len(idx), desc="PIM panels"):
        win = plan.wins[i]
        r0, r1, c0, c1 = max(int(win[0]), t0), min(int(win[1]), t1), max(int(win[2]), u0), min(int(win[3]), u1)
        fields = _panel_fields(plan, int(i), (r0, r1, c0, c1), windows.get(int(i)))
        for key, val in fields.items():
            comp[key][r0 - t0 : r1 - t0, c0 - u0 : c1 - u0] += val
    return K.finish(comp, plan.quantities)


def _tiles(shape: tuple[int, int], size: int) -> list[tuple[int, int, int, int]]:
    rows, cols = shape
    return [(r, min(r + size, rows), c, min(c + size, cols)) for r in range(0, rows, size) for c in range(0, cols, size)]


def _fill_tiled(plan: _Plan, tile_size: int, scheduler: str, progress: bool | None) -> dict:
    """:func:`_fill` tile by tile: in this process, or as one dask task per tile that has panels.

    A Gaussian-route panel that reaches several tiles is filtered once: a task of its own
    whose fields go to the tiles that need them (dask), or a cache dropped once the tiles
    have passed the panel's last row (in this process).
    """
    out = {q: np.zeros(plan.shape, dtype=float) for q in plan.quantities}
    tiles = [(t, plan.panels_for(t)) for t in _tiles(plan.shape, tile_size)]
    tiles = [(t, idx) for t, idx in tiles if len(idx)]  # tiles no panel reaches stay 0
    n_tiles: dict[int, int] = {}
    for _, idx in tiles:
        for i in idx:
            if not plan.plist[i].rect:
                n_tiles[int(i)] = n_tiles.get(int(i), 0) + 1
    shared = {i for i, n in n_tiles.items() if n > 1}
    use_dask = scheduler == "dask" or (scheduler == "auto" and _dask.current_client() is not None)
    if use_dask:
        dask, _, _ = _dask.dask_modules()
        handle = _dask.broadcast(plan)  # the panels travel to each worker once, not with every task
        wf = {i: dask.delayed(_window_fields, pure=True)(handle, i) for i in sorted(shared)}
        log.info("PIM: %d tiles of %d cells and %d shared panel windows as dask tasks", len(tiles), tile_size, len(wf))
        tasks = [
            dask.delayed(_fill, pure=True)(handle, t, windows={int(i): wf[int(i)] for i in idx if int(i) in wf})
            for t, idx in tiles
        ]
        results: Any = _dask.compute(*tasks)
    else:
        cache: dict[int, dict] = {}

        def local(t, idx):
            for i in [i for i in cache if plan.wins[i][1] <= t[0]]:  # tiles run row by row: never needed again
                del cache[i]
            for i in idx:
                if int(i) in shared and int(i) not in cache:
                    cache[int(i)] = _window_fields(plan, int(i))
            return _fill(plan, t, windows=cache)

        results = (local(t, idx) for t, idx in progress_bar(tiles, progress=progress, total=len(tiles), desc="PIM tiles"))
    for ((r0, r1, c0, c1), _), fields in zip(tiles, results):
        for q, val in fields.items():
            out[q][r0:r1, c0:c1] = val
    return out


def _compute(panels, quantities, *, progress, tile_size=None, scheduler="auto", **options):
    """Fields of the PIM: ``options`` are the grid, parameter and method options of :func:`_prepare`."""
    check_choice(scheduler, "scheduler", ("auto", "dask", "local"))
    if tile_size is not None:
        size = check_number(tile_size, "tile_size", minimum=1)
        if size != int(size):
            raise InvalidOptionError(f"`tile_size` must be a whole number of cells; got {tile_size!r}.")
        tile_size = int(size)
    elif scheduler == "dask":
        tile_size = DEFAULT_TILE_SIZE
    plan, target = _prepare(panels, quantities, **options)
    if tile_size is None:
        fields = _fill(plan, (0, plan.shape[0], 0, plan.shape[1]), progress=progress)
    else:
        fields = _fill_tiled(plan, tile_size, scheduler, progress)
    return fields, plan.transform, target


#: the docstring entries predict_subsidence and predict_deformation share
_pim_doc = shared_doc(
    panels=_d.PANELS, grid=_d.PIM_GRID, progress=PROGRESS, on_invalid=on_invalid_param("panel polygons"),
    raises=_d.PIM_RAISES, warns=_d.PIM_WARNS, warns_geometry_fixed=geometry_fixed_warns("panel polygons"),
)


def _unit(q: str) -> str:
    return K.UNITS[q.split("_")[0]]


@_pim_doc
def predict_subsidence(
    panels: gpd.GeoDataFrame,
    *,
    resolution_m: float = 10.0,
    extent: tuple[float, float, float, float] | None = None,
    like: Raster | None = None,
    params: dict | None = None,
    method: Literal["auto", "closed_form", "grid"] = "auto",
    cutoff_r: float = 2.5,
    supersample: int = 4,
    progress: bool | None = None,
    on_invalid: OnInvalid = "fix",
    tile_size: int | None = None,
    scheduler: Literal["auto", "dask", "local"] = "auto",
) -> Raster:
    """Predict final subsidence W (m, positive down) of mined panels with the PIM.

    Parameters
    ----------
    {panels}
    {grid}
    {progress}
    {on_invalid}
    tile_size : int, optional
        Compute the grid in square tiles of this many cells per side (the last row and
        column of tiles may be smaller); each tile adds only the panels whose window
        (``cutoff_r`` x r around the computational edges) reaches it, so the result is
        the in-memory one cell for cell. None (default): the whole grid in one pass
        (with ``scheduler="dask"``: tiles of :data:`DEFAULT_TILE_SIZE`).
    scheduler : {{"auto", "dask", "local"}}
        Where the tiles are computed. "auto": one dask task per tile when a
        ``dask.distributed`` client is in use, else one tile after another in this
        process; "dask": dask tasks always (on the client in use, else on dask's default
        scheduler; needs ``pip install 'urbangeo[dask]'``); "local": in this process.
        The panels travel to each worker once; an urbangeo error raised in a task
        reaches the caller as itself. The result is assembled in memory.

    Returns
    -------
    Raster
        Subsidence in metres in the metric CRS (``raster.crs``) chosen by
        :func:`urbangeo.crs.metric_crs` for the panels (or ``like.crs``).

    Raises
    ------
    {raises}

    Warns
    -----
    {warns}
    {warns_geometry_fixed}

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"m": [3.0], "q": [0.8], "H": [400.0], "tan_beta": [2.0]},
    ...                      geometry=[box(0, 0, 1000, 1000)], crs=4547)
    >>> w = predict_subsidence(p, resolution_m=20.0)
    >>> round(float(w.array.max()), 3), round(float(w.array.sum() * w.cell_area_m2 / 1e6), 3)
    (2.4, 2.4)
    """
    fields, transform, crs = _compute(
        panels, ("subsidence",), resolution_m=resolution_m, extent=extent, like=like, params=params,
        method=method, cutoff_r=cutoff_r, supersample=supersample, progress=progress, on_invalid=on_invalid,
        tile_size=tile_size, scheduler=scheduler,
    )
    return Raster(fields["subsidence"], transform, crs, name="subsidence", units="m")


@_pim_doc
def predict_deformation(
    panels: gpd.GeoDataFrame,
    *,
    quantities: tuple[str, ...] = ("subsidence", "tilt_max", "curvature_max", "strain_max"),
    resolution_m: float = 10.0,
    extent: tuple[float, float, float, float] | None = None,
    like: Raster | None = None,
    params: dict | None = None,
    method: Literal["auto", "closed_form", "grid"] = "auto",
    cutoff_r: float = 2.5,
    supersample: int = 4,
    progress: bool | None = None,
    on_invalid: OnInvalid = "fix",
) -> dict[str, Raster]:
    """Predict subsidence and its derived deformations; one raster per quantity.

    Quantities (:data:`QUANTITIES`): ``subsidence`` (m); ``tilt_x``, ``tilt_y`` and
    ``tilt_max`` (gradient magnitude, m/m); ``curvature_x``, ``curvature_y``,
    ``curvature_xy`` and ``curvature_max`` (second derivatives of W, 1/m; the max is
    the principal value of largest magnitude with its sign: with W positive down,
    positive values are the convex (hogging) ground outside the inflection line and
    negative values the concave ground over the goaf, as in Chinese practice; strain
    follows, positive = tension);
    ``displacement_x/_y/_max`` (U = b r i, m) and ``strain_x/_y/_max``
    (eps = b r K, m/m). Tilt is dW/dx with W positive down, x east, y north.

    Parameters
    ----------
    {panels}
    quantities : tuple of str
        Names from :data:`QUANTITIES`, one output raster each.
    {grid}
    {progress}
    {on_invalid}

    Returns
    -------
    dict of str to Raster
        One raster per quantity, keyed by its name, in SI units (m, m/m, 1/m).

    Raises
    ------
    {raises}

    Warns
    -----
    {warns}
    {warns_geometry_fixed}

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"m": [3.0], "q": [0.8], "H": [400.0]}, geometry=[box(0, 0, 2000, 2000)], crs=4547)
    >>> d = predict_deformation(p, quantities=("tilt_max",), resolution_m=20.0)
    >>> round(float(d["tilt_max"].array.max() * 1000), 1)  # W0 / r in mm/m
    12.0
    """
    quantities = tuple(quantities)
    fields, transform, crs = _compute(
        panels, quantities, resolution_m=resolution_m, extent=extent, like=like, params=params,
        method=method, cutoff_r=cutoff_r, supersample=supersample, progress=progress, on_invalid=on_invalid,
    )
    return {q: Raster(fields[q], transform, crs, name=q, units=_unit(q)) for q in quantities}
