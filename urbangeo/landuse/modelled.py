"""Modelled (synthetic, reproducible) village parcels and constraint layers.

Nothing here is real data: every layer is generated from a seed and carries
``attrs["modelled"] = True``. The parcels imitate the third-survey / cadastre schema
(``BSM``, ``DLBM``, ``QSXZ``, ``ZLDWDM``, ``TBDLMJ``) of a peri-urban Pearl River Delta
district: village plots in a grid of village squares separated by roads, with a mix of
village industrial land, homesteads, paddy fields and ponds. For trying the land-use
functions without survey data, for examples, tests and benchmarks (as
:func:`urbangeo.accessibility.grid_network` is for street networks):

* :func:`modelled_parcels`: village plots with survey attributes;
* :func:`assign_modelled_attributes`: the same attributes on real (or any) plots;
* :func:`modelled_constraints`: a development boundary, basic farmland and a red line;
* :func:`modelled_price_zones`: concentric zone-based land-price polygons.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import check_columns, check_geodataframe, check_number
from ..crs import get_crs, is_metric, metric_crs, project
from ..errors import CRSError, InvalidOptionError
from .codes import name_of

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
    plots: gpd.GeoDataFrame, *, seed: int = 0, county: str = "440604", village_of: Any = None
) -> gpd.GeoDataFrame:
    """Add modelled survey attributes (DLBM, QSXZ, ZLDWDM, TBDLMJ, ...) to real or modelled plots.

    Parameters
    ----------
    plots : GeoDataFrame
        Polygons (any CRS; areas are measured in :func:`urbangeo.crs.metric_crs`); not
        modified.
    seed : int, default 0
        Random seed: the same seed gives the same attributes.
    county : str, default "440604"
        6-digit county code opening ZLDWDM (440604: Chancheng, Foshan).
    village_of : array-like of int, optional
        Village number (>= 0; ZLDWDM holds it modulo 1000) per row; by default villages are quadrants of a 4x4 grid
        over the plots' extent.

    Returns
    -------
    GeoDataFrame
        A copy with ``BSM``, ``DLBM``, ``DLMC``, ``QSXZ``, ``ZLDWDM``, ``KCXS``, ``TBDLMJ``
        and ``consent_share`` columns and ``attrs["modelled"] = True``.

    Raises
    ------
    EmptyDataError
        ``plots`` has no rows.
    InvalidOptionError
        ``county`` is not 6 digits, or ``village_of`` has another length than ``plots``
        or holds negative or fractional numbers.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> plots = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 40, 30), shapely.box(40, 0, 80, 30)], crs=4547)
    >>> p = assign_modelled_attributes(plots, seed=1)
    >>> p[["DLBM", "KCXS", "TBDLMJ"]]  # official net area: field ridges (KCXS) deducted from paddy
       DLBM  KCXS  TBDLMJ
    0  0101  0.06  1128.0
    1  1201  0.00  1200.0
    >>> p.attrs["modelled"], p.ZLDWDM.str[:6].unique().tolist()
    (True, ['440604'])
    """
    check_geodataframe(plots, "plots")
    if not (isinstance(county, str) and len(county) == 6 and county.isdigit()):
        raise InvalidOptionError(f"`county` must be a 6-digit county code such as '440604'; got {county!r}.")
    if village_of is not None:
        v = np.asarray(village_of)
        if v.shape != (len(plots),) or not np.issubdtype(v.dtype, np.integer) or (v < 0).any():
            raise InvalidOptionError(
                f"`village_of` must hold one whole number >= 0 per row of `plots` ({len(plots)} rows); "
                f"got {v.shape[0] if v.ndim == 1 else v.shape} values of dtype {v.dtype}."
            )
    rng = np.random.default_rng(seed)
    n = len(plots)
    out = plots.copy()
    cls = np.array(list(MODELLED_CLASSES))
    p = np.array(list(MODELLED_CLASSES.values()))
    dlbm = rng.choice(cls, size=n, p=p / p.sum())
    own = np.array(list(_OWNERSHIP))
    po = np.array(list(_OWNERSHIP.values()))
    qsxz = rng.choice(own, size=n, p=po / po.sum())
    if village_of is None:
        b = plots.geometry.bounds.to_numpy()
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        x0, y0, x1, y1 = plots.total_bounds
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
    geoms_m = plots.geometry if plots.crs is None else project(plots.geometry, metric_crs(plots, name="plots"), name="plots")
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
    out.attrs = {**plots.attrs, "modelled": True}
    return out


def modelled_parcels(
    n: int,
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
    """``n`` modelled village plots on a grid near Foshan (EPSG:4547 metres).

    Villages are squares of ``village_cells`` x ``village_cells`` plots separated by
    roads ``road_m`` wide; a share ``vacancy`` of plots is left out (so touching plots
    form irregular contiguous blocks) and a share ``merge`` is merged with its eastern
    neighbour (plots of different sizes). Neighbouring plots share exact coordinates, as
    in a cadastre. All data are modelled, not real.

    Parameters
    ----------
    n : int
        Number of plots (at least 1).
    seed : int, default 0
        Random seed: the same seed gives the same plots and attributes.
    origin : (float, float), default (408000.0, 2545000.0)
        South-west corner of the grid in ``crs`` (default: Chancheng, Foshan).
    crs : CRS, default "EPSG:4547"
        A projected CRS in metres (CGCS2000 / 3-degree Gauss-Krueger CM 114E by default).
    plot_m : (float, float), default (40.0, 30.0)
        Width and height of a plot (m).
    village_cells : int, default 12
        Plots per side of a village square.
    road_m : float, default 8.0
        Width of the roads between villages (m).
    vacancy : float, default 0.12
        Share of grid cells left empty, in [0, 1).
    merge : float, default 0.25
        Share of plots merged with their eastern neighbour, in [0, 1].

    Returns
    -------
    GeoDataFrame
        ``n`` polygon plots with the attributes of :func:`assign_modelled_attributes`
        (``attrs["modelled"] = True``).

    Raises
    ------
    InvalidOptionError
        ``n`` or ``village_cells`` not a whole number >= 1, a size not positive, a share
        out of range.
    CRSError
        ``crs`` is not a projected CRS in metres.

    See Also
    --------
    modelled_constraints, modelled_price_zones

    Examples
    --------
    >>> p = modelled_parcels(200, seed=1)
    >>> len(p), p.crs.to_epsg(), p.attrs["modelled"]
    (200, 4547, True)
    >>> sorted(p.columns)[:5]
    ['BSM', 'DLBM', 'DLMC', 'KCXS', 'QSXZ']
    """
    for name, value in (("n", n), ("village_cells", village_cells)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidOptionError(f"`{name}` must be a whole number >= 1; got {value!r}.")
    if len(plot_m) != 2:
        raise InvalidOptionError(f"`plot_m` must be (width, height) in metres; got {plot_m!r}.")
    for v in plot_m:
        check_number(v, "plot_m", minimum=0, strict=True)
    check_number(road_m, "road_m", minimum=0)
    check_number(vacancy, "vacancy", minimum=0, maximum=0.99)
    check_number(merge, "merge", minimum=0, maximum=1)
    if not is_metric(crs):
        raise CRSError(f"`crs` must be a projected CRS in metres (the grid is laid out in metres); got {crs!r}.")
    rng = np.random.default_rng(seed)
    w, h = plot_m
    k = village_cells
    # cells needed given the vacancy and merging
    cells = int(np.ceil(1.05 * n / max(1e-9, (1 - vacancy) * (1 - merge))))
    nv = int(np.ceil(np.sqrt(cells / (k * k))))
    gi, gj = np.meshgrid(np.arange(nv * k), np.arange(nv * k), indexing="ij")
    ii, jj = gi.ravel(), gj.ravel()
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
    crossing the extent. Their sizes follow the extent. All modelled, not real.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with a ``DLBM`` land-class column (e.g. :func:`modelled_parcels`); any
        CRS, a projected one in metres gives round shapes.
    seed : int, default 0
        Random seed of the farmland picks and the river's course.

    Returns
    -------
    dict of str to GeoDataFrame
        ``{"development_boundary", "basic_farmland", "red_line"}``, each in the parcels'
        CRS with ``attrs["modelled"] = True``: the keyword arguments of
        :func:`screen_conversion`.

    Raises
    ------
    CRSError, EmptyDataError, MissingColumnError
        ``parcels`` without a CRS, without rows, or without ``DLBM``.

    Examples
    --------
    >>> p = modelled_parcels(500, seed=2)
    >>> layers = modelled_constraints(p, seed=2)
    >>> sorted(layers), layers["red_line"].crs == p.crs
    (['basic_farmland', 'development_boundary', 'red_line'], True)
    """
    check_geodataframe(parcels, "parcels")
    get_crs(parcels, "parcels")
    check_columns(parcels, "parcels", ["DLBM"])
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
    the zones themselves are modelled.

    Parameters
    ----------
    parcels : GeoDataFrame
        The parcels the zones cover (their extent and CRS are used).
    prices_per_mu : sequence of float, default (60030.0, 41354.0, 33350.0)
        Land price per grade, from the centre outwards (yuan per mu; 1 to 5 grades). The
        outermost zone covers the rest of the extent.

    Returns
    -------
    GeoDataFrame
        One polygon per grade with ``grade`` (``"I"``, ``"II"``, ...), ``price_per_mu``,
        ``resettlement_per_mu`` (modelled, 30 % of the land price) and
        ``social_security_per_mu`` (modelled, 20 %); ``attrs["modelled"] = True``. The
        input of :func:`estimate_compensation`.

    Raises
    ------
    CRSError, EmptyDataError
        ``parcels`` without a CRS or without rows.
    InvalidOptionError
        No price, more than 5, or a negative one.

    Examples
    --------
    >>> zones = modelled_price_zones(modelled_parcels(100, seed=1))
    >>> zones[["grade", "price_per_mu"]].values.tolist()
    [['I', 60030.0], ['II', 41354.0], ['III', 33350.0]]
    """
    check_geodataframe(parcels, "parcels")
    get_crs(parcels, "parcels")
    if not 1 <= len(prices_per_mu) <= 5:
        raise InvalidOptionError(f"`prices_per_mu` must hold 1 to 5 prices (grades I-V); got {len(prices_per_mu)}.")
    for v in prices_per_mu:
        check_number(v, "prices_per_mu", minimum=0)
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
