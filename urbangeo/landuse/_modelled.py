"""Modelled (synthetic, reproducible) village parcels and constraint layers.

Nothing here is real data: every layer is generated from a seed and carries
``attrs["modelled"] = True``. The parcels imitate the third-survey / cadastre schema
(``BSM``, ``DLBM``, ``QSXZ``, ``ZLDWDM``, ``TBDLMJ``) of a peri-urban Pearl River Delta
district: village plots in a grid of village squares separated by roads, with a mix of
village industrial land, homesteads, paddy fields and ponds. Used by the examples,
tests and benchmarks.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "MODELLED_CLASSES",
    "modelled_parcels",
    "modelled_constraints",
    "modelled_price_zones",
    "assign_modelled_attributes",
]

#: Land classes of the modelled parcels and their probabilities.
MODELLED_CLASSES: dict[str, float] = {
    "0601": 0.30,  # village industrial land
    "0702": 0.16,  # rural homesteads
    "0101": 0.14,  # paddy
    "0102": 0.04,
    "1104": 0.07,  # fish ponds
    "0501": 0.05,
    "0508": 0.04,  # third-survey logistics/storage
    "1004": 0.05,
    "0809": 0.03,
    "0810": 0.03,
    "1201": 0.05,
    "0404": 0.04,
}
_OWNERSHIP = {"32": 0.62, "31": 0.12, "33": 0.04, "10": 0.18, "20": 0.04}
_FIELD_RIDGE = 0.06  # KCXS of cultivated patches (modelled)


def assign_modelled_attributes(
    frame: gpd.GeoDataFrame, *, seed: int = 0, county: str = "440604", village_of: Any = None
) -> gpd.GeoDataFrame:
    """Add modelled survey attributes (DLBM, QSXZ, ZLDWDM, TBDLMJ, ...) to real or modelled plots.

    Parameters
    ----------
    frame : GeoDataFrame
        Polygons (any CRS); not modified.
    seed : int
        Random seed: the same seed gives the same attributes.
    county : str
        6-digit county code opening ZLDWDM.
    village_of : array-like of int, optional
        Village number (0-999) per row; by default villages are quadrants of a 4x4 grid
        over the frame's extent.

    Returns
    -------
    GeoDataFrame
        A copy with ``BSM``, ``DLBM``, ``DLMC``, ``QSXZ``, ``ZLDWDM``, ``KCXS``, ``TBDLMJ``
        and ``consent_share`` columns and ``attrs["modelled"] = True``.
    """
    from .codes import name_of

    rng = np.random.default_rng(seed)
    n = len(frame)
    out = frame.copy()
    cls = np.array(list(MODELLED_CLASSES))
    p = np.array(list(MODELLED_CLASSES.values()))
    dlbm = rng.choice(cls, size=n, p=p / p.sum())
    own = np.array(list(_OWNERSHIP))
    po = np.array(list(_OWNERSHIP.values()))
    qsxz = rng.choice(own, size=n, p=po / po.sum())
    if village_of is None:
        b = frame.geometry.bounds.to_numpy()
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        x0, y0, x1, y1 = frame.total_bounds
        i = np.clip(((cx - x0) / max(x1 - x0, 1e-9) * 4).astype(int), 0, 3)
        j = np.clip(((cy - y0) / max(y1 - y0, 1e-9) * 4).astype(int), 0, 3)
        village = i * 4 + j + 1
    else:
        village = np.asarray(village_of, dtype=int) + 1
    town = 1 + (village - 1) // 50
    zldwdm = np.array(
        [f"{county}{t:03d}{v:03d}{g:07d}" for t, v, g in zip(town, village % 1000, rng.integers(1, 9, n))],
        dtype=object,
    )
    from ..crs import metric_crs

    geoms_m = frame.geometry.to_crs(metric_crs(frame)) if frame.crs is not None else frame.geometry
    area = np.asarray(geoms_m.area, dtype=float)
    kcxs = np.where(np.char.startswith(dlbm.astype(str), "01"), _FIELD_RIDGE, 0.0)
    consent = np.round(rng.uniform(0.4, 1.0, size=village.max() + 1), 2)[village]
    out["BSM"] = np.arange(1, n + 1, dtype=np.int64)
    out["DLBM"] = pd.Series(dlbm, index=out.index, dtype=object)
    out["DLMC"] = pd.Series(name_of(dlbm, lang="zh").to_numpy(dtype=object), index=out.index, dtype=object)
    out["QSXZ"] = pd.Series(qsxz, index=out.index, dtype=object)
    out["ZLDWDM"] = pd.Series(zldwdm, index=out.index, dtype=object)
    out["KCXS"] = kcxs
    out["TBDLMJ"] = np.round(area * (1 - kcxs), 2)
    out["consent_share"] = consent
    out.attrs = {**frame.attrs, "modelled": True}
    return out


def modelled_parcels(
    n: int = 10_000,
    *,
    seed: int = 0,
    origin: tuple[float, float] = (408_000.0, 2_545_000.0),
    crs: Any = "EPSG:4547",
    plot_m: tuple[float, float] = (40.0, 30.0),
    village_cells: int = 12,
    road_m: float = 8.0,
    vacancy: float = 0.12,
    merge: float = 0.25,
) -> gpd.GeoDataFrame:
    """About ``n`` modelled village plots on a grid near Foshan (EPSG:4547 metres).

    Villages are squares of ``village_cells`` x ``village_cells`` plots separated by
    roads ``road_m`` wide; a share ``vacancy`` of plots is left out (so touching plots
    form irregular contiguous blocks) and a share ``merge`` is merged with its eastern
    neighbour (plots of different sizes). Neighbouring plots share exact coordinates.

    Returns
    -------
    GeoDataFrame
        Polygon plots with the attributes of :func:`assign_modelled_attributes`
        (``attrs["modelled"] = True``); the number of rows is close to ``n``.
    """
    rng = np.random.default_rng(seed)
    w, h = plot_m
    k = village_cells
    # cells needed given the vacancy and merging
    cells = int(np.ceil(1.05 * n / max(1e-9, (1 - vacancy) * (1 - merge))))
    nv = int(np.ceil(np.sqrt(cells / (k * k))))
    ii, jj = np.meshgrid(np.arange(nv * k), np.arange(nv * k), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    keep = rng.random(ii.size) >= vacancy
    merge_e = (rng.random(ii.size) < merge) & ((ii % k) < k - 1)
    # a merged plot swallows its eastern neighbour (which is then not a plot of its own)
    swallowed = np.zeros(ii.size, dtype=bool)
    east = np.flatnonzero(merge_e & keep) + nv * k  # index of (i+1, j) in ij-raveled order
    east = east[east < ii.size]
    swallowed[east] = True
    merge_e &= keep
    merge_e[np.flatnonzero(swallowed)] = False
    keep &= ~swallowed
    ii, jj, merge_e = ii[keep], jj[keep], merge_e[keep]
    vx, vy = ii // k, jj // k
    x0 = origin[0] + ii * w + vx * road_m
    y0 = origin[1] + jj * h + vy * road_m
    x1 = x0 + np.where(merge_e, 2 * w, w)
    y1 = y0 + h
    order = np.argsort(rng.random(ii.size))[:n] if ii.size > n else np.arange(ii.size)
    order = np.sort(order)
    x0, y0, x1, y1, me = x0[order], y0[order], x1[order], y1[order], merge_e[order]
    geoms = shapely.box(x0, y0, x1, y1)
    if me.any():
        # merged plots carry a vertex where their neighbours' corners are, so the plots
        # form a properly noded coverage (as a cadastre does)
        xm = x0[me] + w
        ring = np.stack(
            [
                np.c_[x0[me], y0[me]],
                np.c_[xm, y0[me]],
                np.c_[x1[me], y0[me]],
                np.c_[x1[me], y1[me]],
                np.c_[xm, y1[me]],
                np.c_[x0[me], y1[me]],
                np.c_[x0[me], y0[me]],
            ],
            axis=1,
        )
        geoms[me] = shapely.polygons(ring)
    village = (vx * nv + vy)[order]
    frame = gpd.GeoDataFrame(geometry=geoms, crs=crs)
    return assign_modelled_attributes(frame, seed=seed, village_of=village)


def modelled_constraints(parcels: gpd.GeoDataFrame, *, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """Modelled development boundary, basic farmland and red line over ``parcels``' extent.

    The development boundary covers the extent minus its eastern sixth; basic farmland
    is a set of rectangles over some cultivated plots; the red line is a river corridor
    crossing the extent. All in the parcels' CRS, ``attrs["modelled"] = True``.
    """
    rng = np.random.default_rng(seed + 1)
    x0, y0, x1, y1 = parcels.total_bounds
    dx, dy = x1 - x0, y1 - y0
    boundary = shapely.Polygon(
        [(x0 - 1, y0 - 1), (x1 - dx / 6, y0 - 1), (x1 - dx / 6 + dx / 12, y0 + dy / 2), (x1 - dx / 6, y1 + 1), (x0 - 1, y1 + 1)]
    )
    cult = parcels[parcels["DLBM"].astype(str).str.startswith("01")]
    m = max(1, len(parcels) // 2000)
    pick = cult.sample(n=min(m, len(cult)), random_state=seed) if len(cult) else cult
    farms = [shapely.box(*b) for b in pick.geometry.buffer(min(dx, dy) / 60).bounds.to_numpy()]
    farms = list(shapely.get_parts(shapely.union_all(farms))) if farms else []
    t = np.linspace(0, 1, 60)
    xs = x0 + t * dx
    ys = y0 + dy * (0.3 + 0.1 * np.sin(t * 6 + rng.uniform(0, 3)))
    river = shapely.LineString(np.c_[xs, ys]).buffer(min(dx, dy) / 80)
    mk = {
        "development_boundary": gpd.GeoDataFrame({"zone": ["集中建设区"]}, geometry=[boundary], crs=parcels.crs),
        "basic_farmland": gpd.GeoDataFrame(geometry=farms, crs=parcels.crs),
        "red_line": gpd.GeoDataFrame({"name": ["river corridor"]}, geometry=[river], crs=parcels.crs),
    }
    for v in mk.values():
        v.attrs["modelled"] = True
    return mk


def modelled_price_zones(
    parcels: gpd.GeoDataFrame, *, prices_per_mu: tuple[float, ...] = (60_030.0, 41_354.0, 33_350.0)
) -> gpd.GeoDataFrame:
    """Concentric modelled price-zone polygons (grade I at the centre) over ``parcels``.

    Default prices are the Jilin 2020 grades I-III (yuan per mu) from the domain notes;
    the zones themselves are modelled. Columns ``grade``, ``price_per_mu``,
    ``resettlement_per_mu`` (modelled, 30 % of the land price) and
    ``social_security_per_mu`` (modelled, 20 %).
    """
    x0, y0, x1, y1 = parcels.total_bounds
    c = shapely.Point((x0 + x1) / 2, (y0 + y1) / 2)
    r = max(x1 - x0, y1 - y0)
    k = len(prices_per_mu)
    rings = []
    for i in range(k):
        outer = c.buffer(r * (i + 1) / (k * 1.2)) if i < k - 1 else shapely.box(x0 - r, y0 - r, x1 + r, y1 + r)
        inner = c.buffer(r * i / (k * 1.2)) if i else None
        rings.append(outer if inner is None else outer.difference(inner))
    price = np.asarray(prices_per_mu, dtype=float)
    out = gpd.GeoDataFrame(
        {
            "grade": [("I", "II", "III", "IV", "V")[i] for i in range(k)],
            "price_per_mu": price,
            "resettlement_per_mu": np.round(price * 0.3, 2),
            "social_security_per_mu": np.round(price * 0.2, 2),
        },
        geometry=rings,
        crs=parcels.crs,
    )
    out.attrs["modelled"] = True
    return out
